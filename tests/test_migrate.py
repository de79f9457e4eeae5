"""Migration: carrying a workbook into the current template when the codebook changes.

Methods rule: every value reaches the current column of the same name, of a name given by --rename,
or of a name equal after folding case and punctuation; a value with no place is written into its
row's notes as "old_column: value" and listed in the report; nothing is lost and the input is never
written. A workbook that already matches the codebook comes through with the same content.
"""
from __future__ import annotations

import datetime as dt

import openpyxl
import pytest

from review_utils import cli
from review_utils.codebook import load_codebook
from review_utils.coinvestigator.migrate import migrate
from review_utils.validate import parse_workbook
from test_reconcile import FORM, event, make_workbook, patient, sledai

APPRAISAL = [{"checklist": "JBI case series", "item": i, "judgement": j, "support": "methods", "source": "p. 2"}
             for i, j in ((1, "yes"), (2, "unclear"), (3, "no"))]
LINKS = [{"link_type": "contained_in", "target_report_id": "smith2025lupus", "certainty": "inferred",
          "source": "same centre and dates", "notes": "ages match"}]
AGGREGATES = [{"population": "paediatric", "disease": "systemic lupus erythematosus",
               "outcome_or_measure": "CRS any grade", "time_point_months": "NA", "events": 3, "total": 4,
               "source": "table 2"}]


def full_workbook(path):
    """Every sheet filled, with a date cell, a list of terms, NR codes, a synonym and text with a line break."""
    patients = [dict(patient("P1", "female", 14, "SLE"), prior_therapies="MMF; rituximab", weight_kg="NR",
                     notes="line one\nline two"),
                patient("P2", "male", 16.5)]
    form = dict(FORM, publication_date=(dt.date(2024, 3, 2), "journal page"), doi=("10.1000/xyz123", "p. 1"))
    return make_workbook(path, form, {
        "links": LINKS, "patients": patients, "measurements": [sledai("P1", 0, 12), sledai("P1", 28, 4)],
        "events": [event("P1", "CRS", 2, 1)], "aggregates": AGGREGATES, "appraisal": APPRAISAL})


def content(path):
    parsed, problems = parse_workbook(path, path.name, load_codebook())
    return parsed.form, parsed.tables, sorted((p.sheet, p.cell, p.rule) for p in problems)


def test_migrating_to_the_same_codebook_keeps_the_content(tmp_path):
    source = full_workbook(tmp_path / "doe2024lupus.xlsx")
    out = tmp_path / "migrated" / "doe2024lupus.xlsx"
    out.parent.mkdir()
    result = migrate(source, out)
    assert result.unchanged and result.dropped == []
    form, tables, problems = content(out)
    assert (form, tables, problems) == content(source)
    assert tables["patients"][0]["prior_therapies"] == ("mycophenolate", "rituximab")  # the data was really there
    assert form["publication_date"] == "2024-03-02"


def old_style_workbook(path):
    """A workbook from an earlier codebook: renamed, respelled, retired and missing columns."""
    make_workbook(path, FORM, {"patients": [dict(patient("P1", "female", 14), notes="seen twice"),
                                            patient("P2", "male", 16)],
                               "appraisal": APPRAISAL[:1]})
    wb = openpyxl.load_workbook(path)
    ws = wb["patients"]
    header = [c.value for c in ws[1]]
    ws.cell(1, header.index("age_at_infusion_years") + 1).value = "Age at infusion (years)"  # respelled
    ws.cell(1, header.index("weight_kg") + 1).value = "weight"  # renamed since
    ws.cell(2, header.index("weight_kg") + 1).value = 41
    ws.cell(1, len(header) + 1).value = "hospital"  # retired column
    ws.cell(2, len(header) + 1).value = "Erlangen"
    ws.cell(3, len(header) + 1).value = "Erlangen"
    ws.delete_cols(header.index("product") + 1)  # a column added to the codebook later
    ap = wb["appraisal"]
    ap.cell(1, 6).value = "reviewer"  # retired, and the appraisal sheet has no notes column
    ap.cell(2, 6).value = "MK"
    rp = wb["report"]
    rp.cell(rp.max_row + 1, 1).value = "funding"  # a retired form field
    rp.cell(rp.max_row, 2).value = "EU grant"
    wb.save(path)
    return path


def test_renamed_respelled_retired_and_new_columns(tmp_path, capsys):
    source = old_style_workbook(tmp_path / "doe2024lupus.old.xlsx")
    out = tmp_path / "doe2024lupus.xlsx"
    assert cli.main(["migrate", str(source), "-o", str(out), "--rename", "patients.weight=weight_kg"]) == 0
    report = capsys.readouterr().out
    assert "'Age at infusion (years)' -> age_at_infusion_years (the name matches after folding" in report
    assert "'weight' -> weight_kg (--rename weight=weight_kg)" in report
    assert "patients: column 'hospital': not in the codebook; 2 value(s)" in report
    assert "patients: product" in report  # new, blank
    form, tables, _ = content(out)
    p1, p2 = tables["patients"]
    assert (p1["age_at_infusion_years"], p1["weight_kg"], p1["product"]) == (14, 41, None)
    assert p1["notes"] == "seen twice; hospital: Erlangen"
    assert p2["notes"] == "hospital: Erlangen"
    assert tables["appraisal"][0]["support"] == "methods; reviewer: MK"
    assert form["notes"] == "funding: EU grant"


def test_without_the_rename_the_column_is_dropped_into_notes(tmp_path, capsys):
    source = old_style_workbook(tmp_path / "old.xlsx")
    out = tmp_path / "new.xlsx"
    assert cli.main(["migrate", str(source), "-o", str(out)]) == 0
    assert "patients: column 'weight': not in the codebook; 1 value(s)" in capsys.readouterr().out
    _, tables, _ = content(out)
    assert tables["patients"][0]["weight_kg"] is None
    assert tables["patients"][0]["notes"] == "seen twice; weight: 41; hospital: Erlangen"


@pytest.mark.parametrize("case", ["same path", "existing output", "bad rename", "missing input", "not xlsx"])
def test_refusals_are_one_line_and_leave_files_alone(tmp_path, capsys, case):
    source = full_workbook(tmp_path / "doe2024lupus.xlsx")
    before = source.read_bytes()
    existing = tmp_path / "taken.xlsx"
    existing.write_bytes(b"someone's work")
    argv, words = {
        "same path": (["migrate", str(source), "-o", str(source)], "one of the inputs"),
        "existing output": (["migrate", str(source), "-o", str(existing)], "never overwritten"),
        "bad rename": (["migrate", str(source), "-o", str(tmp_path / "n.xlsx"), "--rename", "weight=kilos"],
                       "'kilos' is not a column"),
        "missing input": (["migrate", str(tmp_path / "gone.xlsx"), "-o", str(tmp_path / "n.xlsx")], "no such file"),
        "not xlsx": (["migrate", str(existing), "-o", str(tmp_path / "n.xlsx")], "not an Excel .xlsx workbook"),
    }[case]
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and words in err and "Traceback" not in err
    assert source.read_bytes() == before and existing.read_bytes() == b"someone's work"
    assert not (tmp_path / "n.xlsx").exists()
