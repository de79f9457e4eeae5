"""The extraction workbooks are read-only to code: checking, summarising and loading change no byte."""
from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

from conftest import extraction_checksums
from workbook_factory import make_folder

ROOT = Path(__file__).resolve().parents[1]


def _run(*args, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "review_utils", *args], cwd=cwd, capture_output=True, text=True)


def test_check_summary_and_load_of_the_real_extraction_change_no_workbook():
    before = extraction_checksums()
    assert _run("check", "extraction").returncode == 0
    assert _run("summary", "extraction", "--format", "json").returncode == 0
    from review_utils.extraction import load_extraction

    load_extraction(ROOT / "extraction", strict=False)
    assert extraction_checksums() == before


def test_a_read_only_extraction_folder_is_checked_normally(tmp_path):
    """Permissions removed (files 0444, folders 0555): check still reads everything and writes nothing."""
    folder = make_folder(tmp_path / "extraction")
    for path in [folder / "reports", folder, *folder.rglob("*.xlsx")]:
        path.chmod(path.stat().st_mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))
    try:
        before = extraction_checksums(folder)
        run = _run("check", str(folder))
        assert run.returncode == 0, run.stdout + run.stderr
        assert extraction_checksums(folder) == before
        assert sorted(p.name for p in folder.rglob("*")) == ["reports", "screening.xlsx", "smith2024lupus.xlsx"]
    finally:
        for path in [folder, folder / "reports", *folder.rglob("*.xlsx")]:
            path.chmod(path.stat().st_mode | stat.S_IWUSR)


def test_the_template_command_refuses_a_path_holding_a_report(tmp_path):
    folder = make_folder(tmp_path / "extraction")
    target = folder / "reports" / "smith2024lupus.xlsx"
    before = target.read_bytes()
    run = _run("template", "-o", str(target))
    assert run.returncode == 2
    assert "never overwrites" in run.stderr and "Traceback" not in run.stderr
    assert target.read_bytes() == before
