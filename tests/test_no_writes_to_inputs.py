"""No command writes to its inputs.

Methods rule: the co-investigators' workbooks are read-only to code. Each command is run on a folder
of workbooks, and the sha256 of every input file is the same before and after; the only new files
are the outputs asked for.
"""
from __future__ import annotations

import hashlib

import pytest

from review_utils import cli
from test_reconcile import EVENTS_A, EVENTS_B, FORM, PATIENTS_A, PATIENTS_B, make_workbook


def checksums(folder):
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture()
def extraction(tmp_path):
    reports = tmp_path / "extraction" / "reports"
    reports.mkdir(parents=True)
    make_workbook(reports / "doe2024lupus.A.xlsx", FORM, {"patients": PATIENTS_A, "events": EVENTS_A})
    make_workbook(reports / "doe2024lupus.B.xlsx", dict(FORM, extractor="MK"), {"patients": PATIENTS_B, "events": EVENTS_B})
    make_workbook(reports / "doe2024lupus.xlsx", FORM, {"patients": PATIENTS_A})
    return tmp_path / "extraction"


COMMANDS = {
    "reconcile": lambda r, out: ["reconcile", f"{r}/doe2024lupus.A.xlsx", f"{r}/doe2024lupus.B.xlsx", "-o", f"{out}/c.xlsx"],
    "reconcile csv": lambda r, out: ["reconcile", f"{r}/doe2024lupus.A.xlsx", f"{r}/doe2024lupus.B.xlsx", "--format", "csv"],
    "diff": lambda r, out: ["diff", f"{r}/doe2024lupus.A.xlsx", f"{r}/doe2024lupus.B.xlsx"],
    "textconv": lambda r, out: ["textconv", f"{r}/doe2024lupus.A.xlsx"],
    "migrate": lambda r, out: ["migrate", f"{r}/doe2024lupus.xlsx", "-o", f"{out}/m.xlsx"],
    "check --html": lambda r, out: ["check", str(r.parent), "--html", f"{out}/check.html"],
}
OUTPUTS = {"reconcile": ["c.xlsx"], "migrate": ["m.xlsx"], "check --html": ["check.html"]}


@pytest.mark.parametrize("name", list(COMMANDS))
def test_inputs_are_unchanged(extraction, tmp_path, capsys, name):
    out = tmp_path / "out"
    out.mkdir()
    before = checksums(extraction)
    status = cli.main(COMMANDS[name](extraction / "reports", out))
    assert status in (0, 1)  # 1: differences or problems found, which is fine here
    capsys.readouterr()
    assert checksums(extraction) == before
    assert sorted(p.name for p in out.iterdir()) == OUTPUTS.get(name, [])


def test_refused_outputs_that_are_inputs_leave_them_unchanged(extraction, capsys):
    r = extraction / "reports"
    before = checksums(extraction)
    assert cli.main(["reconcile", f"{r}/doe2024lupus.A.xlsx", f"{r}/doe2024lupus.B.xlsx",
                     "-o", f"{r}/doe2024lupus.A.xlsx"]) == 2
    assert cli.main(["reconcile", f"{r}/doe2024lupus.A.xlsx", f"{r}/doe2024lupus.B.xlsx",
                     "-o", f"{r}/doe2024lupus.xlsx"]) == 2  # the existing consensus workbook
    assert cli.main(["migrate", f"{r}/doe2024lupus.xlsx", "-o", f"{r}/doe2024lupus.xlsx"]) == 2
    capsys.readouterr()
    assert checksums(extraction) == before
