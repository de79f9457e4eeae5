"""What changed between two versions of a workbook, and the workbook as text for git.

Methods rule: versions are compared row by row, rows matched by their codebook key, so a row inserted
in the middle of a sheet is ONE added row, and the rows below it (whose row numbers all moved) are
unchanged. Retyping a term as its canonical spelling is no change of meaning.
"""
from __future__ import annotations

import difflib
import os
import shutil
import subprocess
import sys

import pytest

from review_utils import cli
from review_utils.coinvestigator.compare import load
from review_utils.coinvestigator.diff import diff_workbooks, textconv_lines
from test_reconcile import FORM, make_workbook, patient, sledai

# Four time points of P1 and two of P2; the new version adds P1 day 56 between day 28 and day 90.
OLD_MEASURES = [sledai("P1", 0, 12), sledai("P1", 28, 6), sledai("P1", 90, 4), sledai("P1", 180, 2),
                sledai("P2", 0, 10), sledai("P2", 28, 8)]
NEW_MEASURES = OLD_MEASURES[:2] + [sledai("P1", 56, 5)] + OLD_MEASURES[2:]
PATIENTS = [patient("P1", "female", 14, "SLE"), patient("P2", "male", 16)]


@pytest.fixture()
def versions(tmp_path):
    old = make_workbook(tmp_path / "old.xlsx", FORM, {"patients": PATIENTS, "measurements": OLD_MEASURES})
    new = make_workbook(tmp_path / "new.xlsx", FORM, {"patients": PATIENTS, "measurements": NEW_MEASURES})
    return old, new


def test_a_row_inserted_in_the_middle_is_one_added_row(versions):
    old, new = versions
    # The data: every row below the insertion moved down by one (P1 day 90 was row 4, is row 5) ...
    assert [r.label for r in load(old).sheets["measurements"].rows][2] == "P1 / SLEDAI-2K / 90"
    assert [r.label for r in load(new).sheets["measurements"].rows][3] == "P1 / SLEDAI-2K / 90"
    # ... yet the diff is the one new row, nothing removed, nothing changed.
    result = diff_workbooks(load(old), load(new))
    assert [(a.sheet, a.key, a.row) for a in result.added] == [("measurements", "P1 / SLEDAI-2K / 56", 4)]
    assert result.added[0].values["value"] == "5"
    assert result.removed == [] and result.changed == []


def test_changed_cells_and_removed_rows_with_old_and_new_values(tmp_path, versions):
    old = versions[0]
    edited = [dict(m) for m in OLD_MEASURES if not (m["patient_label"] == "P2" and m["day_since_infusion"] == 28)]
    edited[1]["value"] = 7  # P1 day 28: 6 -> 7
    new = make_workbook(tmp_path / "edited.xlsx", FORM, {"patients": PATIENTS, "measurements": edited})
    result = diff_workbooks(load(old), load(new))
    assert [(c.sheet, c.key, c.field, c.a, c.b, c.cell_a, c.cell_b) for c in result.changed] == [
        ("measurements", "P1 / SLEDAI-2K / 28", "value", "6", "7", "D3", "D3")]
    assert [(r.key, r.row) for r in result.removed] == [("P2 / SLEDAI-2K / 28", 7)]
    assert result.added == []


def test_retyping_a_synonym_as_its_term_is_no_change(tmp_path, versions):
    """P1's disease 'SLE' is the same term as 'systemic lupus erythematosus': no change of meaning."""
    old = versions[0]
    tidy = [patient("P1", "female", 14, "systemic lupus erythematosus"), patient("P2", "male", 16)]
    new = make_workbook(tmp_path / "tidy.xlsx", FORM, {"patients": tidy, "measurements": OLD_MEASURES})
    assert diff_workbooks(load(old), load(new)).empty
    # textconv shows the text as typed, so git still shows the retyping.
    changed = [l for l in difflib.unified_diff(textconv_lines(old), textconv_lines(new), lineterm="", n=0)
               if l[:1] in "+-" and l[:3] not in ("+++", "---")]
    assert changed == ["-patients[P1] disease = SLE", "+patients[P1] disease = systemic lupus erythematosus"]


def test_cli_exit_status_follows_diff(versions, capsys):
    old, new = versions
    assert cli.main(["diff", str(old), str(old)]) == 0
    assert "no change" in capsys.readouterr().out
    assert cli.main(["diff", str(old), str(new)]) == 1
    out = capsys.readouterr().out
    assert "+ [P1 / SLEDAI-2K / 56] (new row 4)" in out and "1 row(s) added, 0 removed, 0 cell(s) changed" in out


def test_textconv_is_stable_and_an_inserted_row_adds_only_its_own_lines(versions):
    old, new = versions
    assert textconv_lines(old) == textconv_lines(old)
    lines = textconv_lines(old)
    assert "patients[P1] sex = female" in lines
    assert "measurements[P1 / SLEDAI-2K / 28] value = 6" in lines
    assert "report: year (source) = p. 1" in lines
    delta = [l for l in difflib.unified_diff(lines, textconv_lines(new), lineterm="", n=0)
             if l[:1] in "+-" and l[:3] not in ("+++", "---")]
    assert delta and all(l.startswith("+measurements[P1 / SLEDAI-2K / 56] ") for l in delta)


def test_textconv_of_a_damaged_file_says_so_and_a_missing_file_is_an_error(tmp_path, capsys):
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"%PDF-1.4 not a workbook")
    assert cli.main(["textconv", str(broken)]) == 0  # git log -p goes on past it
    assert capsys.readouterr().out.startswith("# not a readable workbook: the file is a PDF")
    assert cli.main(["textconv", str(tmp_path / "gone.xlsx")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no such file" in err


def test_diff_errors_are_one_line(versions, tmp_path, capsys):
    old, _ = versions
    csv = tmp_path / "export.xlsx"
    csv.write_text("patient_label,sex\nP1,female\n")
    for argv, words in ((["diff", str(old)], "give two workbooks"),
                        (["diff", str(old), str(tmp_path / "none.xlsx")], "no such file"),
                        (["diff", str(old), str(csv)], "not an Excel .xlsx workbook")):
        assert cli.main(argv) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and words in err and "Traceback" not in err


GIT = shutil.which("git")


def _git(repo, *args):
    env = dict(os.environ, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.org", GIT_COMMITTER_NAME="t",
               GIT_COMMITTER_EMAIL="t@example.org", GIT_CONFIG_GLOBAL=os.devnull, GIT_CONFIG_NOSYSTEM="1")
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True, env=env).stdout


@pytest.mark.skipif(GIT is None, reason="git is not installed")
def test_diff_against_a_git_revision_and_the_textconv_driver(tmp_path, monkeypatch, capsys):
    """A scratch repository: commit a workbook, insert a row, add a new workbook; compare with HEAD."""
    repo = tmp_path / "repo"
    reports = repo / "extraction" / "reports"
    reports.mkdir(parents=True)
    _git(repo, "init", "-q")
    path = make_workbook(reports / "doe2024lupus.xlsx", FORM, {"patients": PATIENTS, "measurements": OLD_MEASURES})
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "first extraction")
    make_workbook(path, FORM, {"patients": PATIENTS, "measurements": NEW_MEASURES})
    make_workbook(reports / "smith2023myositis.xlsx", dict(FORM, report_id="smith2023myositis"))
    monkeypatch.chdir(repo)
    assert cli.main(["diff", "--git", "HEAD"]) == 1
    out = capsys.readouterr().out
    assert "--- HEAD:extraction/reports/doe2024lupus.xlsx" in out
    assert "1 row(s) added, 0 removed, 0 cell(s) changed" in out
    assert "new workbook since HEAD" in out
    # The old version was read into a temporary folder outside the repository: nothing new appears in it.
    assert _git(repo, "status", "--porcelain", "--untracked-files=all").split() == [
        "M", "extraction/reports/doe2024lupus.xlsx", "??", "extraction/reports/smith2023myositis.xlsx"]
    assert cli.main(["diff", "--git", "no-such-rev"]) == 2
    assert "unknown git revision" in capsys.readouterr().err
    # git itself, with the textconv driver: the diff is the inserted row's lines.
    (repo / ".gitattributes").write_text("*.xlsx diff=xlsx\n")
    driver = f"{sys.executable} -m review_utils textconv"
    text = _git(repo, "-c", f"diff.xlsx.textconv={driver}", "diff", "--", "extraction/reports/doe2024lupus.xlsx")
    added = [l for l in text.splitlines() if l.startswith("+") and not l.startswith("+++")]
    removed = [l for l in text.splitlines() if l.startswith("-") and not l.startswith("---")]
    assert removed == [] and "+measurements[P1 / SLEDAI-2K / 56] value = 5" in added
