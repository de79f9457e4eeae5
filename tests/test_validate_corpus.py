"""The validator on a corpus of malformed workbooks: one defect each, found at its cell, never a traceback.

Each case starts from a valid extraction folder (one report, one child, a screening log), applies
one defect a co-investigator could make, and expects the problem at the cell a person would look at.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from review_utils.codebook import load_codebook
from review_utils.io.workbook_reader import column_letter
from review_utils.validate import check_folder
from workbook_factory import ROWS, edit, make_folder, write_report, write_screening

REPORT = "reports/smith2024lupus.xlsx"
CODEBOOK = load_codebook()


def cell(sheet: str, column: str, row: int = 2) -> str:
    return f"{column_letter(CODEBOOK.report_sheets[sheet].column_names.index(column))}{row}"


def form_row(field: str) -> str:
    names = [f.name for f in CODEBOOK.report_sheets["report"].fields]
    return f"B{names.index(field) + 2}"


def set_value(sheet: str, column: str, value, row: int = 2):
    def mutate(folder: Path):
        edit(folder / REPORT, sheet, cell(sheet, column, row), value)
    return mutate


def set_field(field: str, value):
    def mutate(folder: Path):
        edit(folder / REPORT, "report", form_row(field), value)
    return mutate


def rewrite(form=None, rows=None):
    def mutate(folder: Path):
        write_report(folder / REPORT, form=form, rows=rows)
    return mutate


def second_patient_row(label="P1"):
    return rewrite(form={"number_treated": 2},
                   rows={"patients": ROWS["patients"] + [{**ROWS["patients"][0], "patient_label": label}]})


def merge(folder: Path):
    wb = load_workbook(folder / REPORT)
    wb["patients"].merge_cells("A3:C3")
    wb["patients"]["A3"] = "P2"
    wb.save(folder / REPORT)


def formula(folder: Path):
    edit(folder / REPORT, "patients", cell("patients", "weight_kg"), "=20+20")


def delete_sheet(folder: Path):
    wb = load_workbook(folder / REPORT)
    del wb["events"]
    wb.save(folder / REPORT)


def extra_sheet(folder: Path):
    wb = load_workbook(folder / REPORT)
    wb.create_sheet("my notes")["A1"] = "CRS was grade 2 in the supplement"
    wb.save(folder / REPORT)


def unknown_column(folder: Path):
    wb = load_workbook(folder / REPORT)
    ws = wb["patients"]
    ws.cell(row=1, column=ws.max_column + 1, value="crp_mg_per_l")
    wb.save(folder / REPORT)


def replace_file(content: bytes, name: str = "smith2024lupus.xlsx"):
    def mutate(folder: Path):
        (folder / REPORT).unlink()
        (folder / "reports" / name).write_bytes(content)
    return mutate


def truncate(folder: Path):
    data = (folder / REPORT).read_bytes()
    (folder / REPORT).write_bytes(data[: len(data) // 2])


def lock_file(folder: Path):
    (folder / "reports" / "~$smith2024lupus.xlsx").write_bytes(b"\x00" * 165)


def cycle(folder: Path):
    link = lambda target: {"link_type": "contained_in", "target_report_id": target, "certainty": "stated",
                           "source": "abstract", "notes": ""}
    write_report(folder / "reports" / "jones2025lupus.xlsx", rows={"links": [link("smith2024lupus")]})
    write_report(folder / REPORT, rows={"links": [link("jones2025lupus")]})
    write_screening(folder / "screening.xlsx", ["smith2024lupus", "jones2025lupus"])


def screening_without_reason(folder: Path):
    write_screening(folder / "screening.xlsx", ["smith2024lupus"], extra=[{
        "record_id": "R002", "citation": "A review", "year": 2025, "doi": "NR", "pmid": "NR",
        "publication_type": "journal article", "identification_source": "websites", "decision": "excluded",
        "exclusion_stage": "full text", "exclusion_reason": "NA", "report_id": "NA", "url": "NR"}])


def screening_unknown_report(folder: Path):
    write_screening(folder / "screening.xlsx", ["smith2024lupus", "nobody2020none"])


OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
ENCRYPTED = OLE + "EncryptionInfo".encode("utf-16-le") + b"\x00" * 64

# (id, defect, workbook, sheet, cell, severity, words expected in the rule)
CASES = [
    ("adult_in_paediatric_report", set_value("patients", "age_at_infusion_years", 19), REPORT, "patients",
     cell("patients", "age_at_infusion_years"), "error", "paediatric report has a patient aged 19"),
    ("unknown_event_term", set_value("events", "event", "cytokine storm"), REPORT, "events", cell("events", "event"),
     "error", "not a term of event"),
    ("near_miss_term_lower_case", set_value("events", "event", "crs"), REPORT, "events", cell("events", "event"),
     "warning", "canonical term 'CRS'"),
    ("grade_written_as_words", set_value("events", "grade_astct", "Grade 1"), REPORT, "events",
     cell("events", "grade_astct"), "warning", "'Grade' is implied"),
    ("sledai_out_of_range", set_value("measurements", "value", 120), REPORT, "measurements",
     cell("measurements", "value"), "error", "SLEDAI-2K must be between 0 and 105"),
    ("onset_after_infusion", set_value("patients", "age_at_onset_years", 16), REPORT, "patients",
     cell("patients", "age_at_onset_years"), "error", "age at onset (16) is after age at infusion (15)"),
    ("required_source_blank", set_value("patients", "source", None), REPORT, "patients",
     cell("patients", "source"), "error", "source is required"),
    ("nr_where_not_allowed", set_value("patients", "disease", "NR"), REPORT, "patients",
     cell("patients", "disease"), "error", "NR (not reported) is not allowed in disease"),
    ("duplicate_patient_label", second_patient_row(), REPORT, "patients", "A3", "error", "duplicate patient_label"),
    ("measurement_of_unknown_patient", set_value("measurements", "patient_label", "P9"), REPORT, "measurements",
     cell("measurements", "patient_label"), "error", "patient 'P9' is not in the patients sheet"),
    ("same_patient_in_missing_report", rewrite(rows={"patients": [{**ROWS["patients"][0],
     "same_patient_as": "ghost2023case/P1", "same_patient_certainty": "inferred"}]}), REPORT, "patients",
     cell("patients", "same_patient_as"), "error", "no workbook for report 'ghost2023case'"),
    ("link_to_missing_report", rewrite(rows={"links": [{"link_type": "contained_in", "target_report_id": "ghost2023case",
     "certainty": "inferred", "source": "same centre", "notes": "same centre and dates"}]}), REPORT, "links",
     cell("links", "target_report_id"), "error", "no workbook for the linked report 'ghost2023case'"),
    ("contained_in_cycle", cycle, "reports/jones2025lupus.xlsx", "links", "", "error", "form a cycle"),
    ("aggregate_events_exceed_total", set_value("aggregates", "events", 3), REPORT, "aggregates",
     cell("aggregates", "events"), "error", "events (3) exceed total (1)"),
    ("aggregate_total_exceeds_treated", rewrite(rows={"aggregates": [{**ROWS["aggregates"][0], "events": 1, "total": 5}]}),
     REPORT, "aggregates", cell("aggregates", "total"), "error", "total (5) exceeds number_treated (1)"),
    ("measurement_beyond_follow_up", set_value("measurements", "day_since_infusion", 1000), REPORT, "measurements",
     cell("measurements", "day_since_infusion"), "error", "beyond the patient's follow-up (12 months)"),
    ("malformed_doi", set_field("doi", "doi 10/abc"), REPORT, "report", form_row("doi"), "error", "malformed DOI"),
    ("doi_as_link", set_field("doi", "https://doi.org/10.1000/test.2024.1"), REPORT, "report", form_row("doi"),
     "warning", "DOI written as a link"),
    ("malformed_pmid", set_field("pmid", "PMC12345"), REPORT, "report", form_row("pmid"), "error", "malformed PMID"),
    ("report_id_not_file_name", set_field("report_id", "smith2024other"), REPORT, "report", form_row("report_id"),
     "error", "report_id must equal the file name"),
    ("text_in_number_column", set_value("patients", "age_at_infusion_years", "about 15"), REPORT, "patients",
     cell("patients", "age_at_infusion_years"), "error", "age_at_infusion_years must be a number"),
    ("date_not_iso", set_field("publication_date", "March 2024"), REPORT, "report", form_row("publication_date"),
     "error", "must be a date written YYYY-MM-DD"),
    ("merged_cells", merge, REPORT, "patients", "A3:C3", "error", "merged cells A3:C3"),
    ("formula_without_value", formula, REPORT, "patients", cell("patients", "weight_kg"), "error",
     "formula with no computed value"),
    ("missing_sheet", delete_sheet, REPORT, "events", "", "error", "sheet 'events' is missing"),
    ("unknown_sheet_with_data", extra_sheet, REPORT, "my notes", "", "error", "unknown sheet 'my notes'"),
    ("unknown_column", unknown_column, REPORT, "patients", f"{column_letter(len(CODEBOOK.report_sheets['patients'].columns))}1",
     "error", "unknown column 'crp_mg_per_l'"),
    ("legacy_xls_named_xlsx", replace_file(OLE), REPORT, "", "", "error", "legacy Excel 97-2003"),
    ("legacy_xls_extension", replace_file(OLE, "smith2024lupus.xls"), "reports/smith2024lupus.xls", "", "", "error",
     "legacy Excel 97-2003 (.xls)"),
    ("encrypted_workbook", replace_file(ENCRYPTED), REPORT, "", "", "error", "password-protected"),
    ("csv_renamed_to_xlsx", replace_file(b"patient_label,age\nP1,15\n"), REPORT, "", "", "error", "text (CSV?)"),
    ("pdf_renamed_to_xlsx", replace_file(b"%PDF-1.7\n%\xe2\xe3\n"), REPORT, "", "", "error", "is a PDF"),
    ("truncated_file", truncate, REPORT, "", "", "error", "damaged or truncated"),
    ("excel_lock_file", lock_file, "reports/~$smith2024lupus.xlsx", "", "", "warning", "lock file skipped"),
    ("not_occurred_but_graded", rewrite(rows={"events": [{**ROWS["events"][0], "occurred": "no", "grade_astct": 2}]}),
     REPORT, "events", cell("events", "grade_astct"), "error", "occurred is no but grade_astct is 2"),
    ("code_in_lower_case", set_value("patients", "weight_kg", "nr"), REPORT, "patients", cell("patients", "weight_kg"),
     "warning", "write the code exactly as NR"),
    ("duration_longer_than_life", set_value("patients", "disease_duration_years", 20), REPORT, "patients",
     cell("patients", "disease_duration_years"), "error", "disease duration (20 years) is longer than the patient's age"),
    ("excluded_record_without_reason", screening_without_reason, "screening.xlsx", "records", "K3", "error",
     "excluded record needs its exclusion reason"),
    ("included_record_without_workbook", screening_unknown_report, "screening.xlsx", "records", "L3", "error",
     "no workbook nobody2020none.xlsx"),
]


@pytest.fixture()
def folder(tmp_path):
    return make_folder(tmp_path / "extraction")


def test_the_valid_folder_has_no_problem_at_all(folder):
    """The baseline every defect starts from is clean: no error, no warning."""
    assert check_folder(folder).problems == []


@pytest.mark.parametrize("name,defect,workbook,sheet,where,severity,words", CASES, ids=[c[0] for c in CASES])
def test_one_defect_gives_its_problem_at_its_cell(folder, name, defect, workbook, sheet, where, severity, words):
    defect(folder)
    problems = check_folder(folder).problems
    expected = [p for p in problems if (p.workbook, p.sheet, p.cell, p.severity) == (workbook, sheet, where, severity)
                and words in p.rule]
    assert expected, f"expected {severity} at {workbook} {sheet}!{where} ({words}); got:\n" + "\n".join(map(str, problems))
    problem = expected[0]
    assert problem.fix, "every problem says how to fix it"
    if severity == "error":
        elsewhere = [p for p in problems if p.severity == "error" and p.workbook != workbook]
        assert not elsewhere, f"one defect must not raise errors in other workbooks: {elsewhere}"


def test_corpus_has_at_least_25_defects():
    assert len(CASES) >= 25


def test_all_problems_are_listed_at_once_not_just_the_first(folder):
    """Three defects in one workbook give three errors in one run."""
    set_value("patients", "age_at_infusion_years", 19)(folder)
    set_value("measurements", "value", 120)(folder)
    set_field("pmid", "PMC1")(folder)
    errors = [p for p in check_folder(folder).problems if p.severity == "error"]
    assert {(p.sheet, p.cell) for p in errors} == {
        ("patients", cell("patients", "age_at_infusion_years")), ("measurements", cell("measurements", "value")),
        ("report", form_row("pmid"))}


def test_the_command_line_reports_every_broken_file_without_a_traceback(folder):
    """Many bad files at once: exit 1, each file named, no Python traceback for the clinician."""
    for name, content in {"b2020legacy.xls": OLE, "c2020crypt.xlsx": ENCRYPTED, "d2020text.xlsx": b"a,b\n1,2\n",
                          "e2020empty.xlsx": b""}.items():
        (folder / "reports" / name).write_bytes(content)
    set_value("measurements", "value", 120)(folder)
    run = subprocess.run([sys.executable, "-m", "review_utils", "check", str(folder)], capture_output=True, text=True)
    assert run.returncode == 1
    assert "Traceback" not in run.stderr + run.stdout
    for name in ("b2020legacy.xls", "c2020crypt.xlsx", "d2020text.xlsx", "e2020empty.xlsx", "smith2024lupus.xlsx"):
        assert name in run.stdout
    assert "SLEDAI-2K must be between 0 and 105" in run.stdout


def test_good_input_exits_zero_and_machine_formats_agree(folder):
    run = subprocess.run([sys.executable, "-m", "review_utils", "check", str(folder), "--format", "json"],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr
    import json

    payload = json.loads(run.stdout)
    assert payload["errors"] == 0 and payload["workbooks_checked"] == 2
    set_value("measurements", "value", 120)(folder)
    run = subprocess.run([sys.executable, "-m", "review_utils", "check", str(folder), "--format", "csv"],
                         capture_output=True, text=True)
    assert run.returncode == 1
    header, *rows = run.stdout.strip().splitlines()
    assert header == "workbook,sheet,cell,severity,value,rule,fix"
    assert any(",measurements,D2,error,120," in row for row in rows)


def test_a_zip_without_a_workbook_inside_is_named_as_such(folder):
    with zipfile.ZipFile(folder / REPORT, "w") as archive:
        archive.writestr("hello.txt", "not a workbook")
    problems = check_folder(folder).problems
    assert any("not an Excel workbook" in p.rule and p.workbook == REPORT for p in problems)


def test_dual_extraction_copies_are_checked_but_not_counted_twice(folder):
    shutil.copy(folder / REPORT, folder / "reports" / "smith2024lupus.A.xlsx")
    result = check_folder(folder)
    assert result.problems == []
    assert [r.extraction_copy for r in result.reports] == ["A", ""]
