"""Build small, valid extraction workbooks for tests (from the generated template), then break them on purpose.

A valid report: one child with SLE, one SLEDAI-2K measurement at baseline, one CRS event, one
aggregate count, one appraisal item. Tests apply exactly one defect and expect exactly one problem.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from openpyxl import load_workbook

from review_utils.codebook import load_codebook
from review_utils.io.xlsx_writer import save_workbook, write_literal
from review_utils.template import build_template

REPORT_FORM = {
    "report_id": "smith2024lupus",
    "citation": "Smith A, et al. CAR T cells in a child with lupus. J Test 2024;1:1-2.",
    "first_author": "Smith",
    "year": 2024,
    "publication_date": "2024-03-01",
    "journal": "J Test",
    "doi": "10.1000/test.2024.1",
    "pmid": "12345678",
    "registration": "NA",
    "publication_type": "journal article",
    "design": "case report",
    "country": "Germany",
    "centre": "Test centre",
    "population": "paediatric",
    "diseases": "systemic lupus erythematosus",
    "number_treated": 1,
    "patients_described_individually": "yes",
    "extractor": "AB",
    "extraction_date": "2026-11-01",
    "notes": "",
}

ROWS = {
    "patients": [{
        "patient_label": "P1", "age_at_infusion_years": 15, "age_at_onset_years": 13, "sex": "female",
        "weight_kg": "NR", "disease": "systemic lupus erythematosus", "disease_detail": "lupus nephritis",
        "lupus_nephritis_class": "IV", "dialysis_at_infusion": "yes", "disease_duration_years": 2,
        "prior_therapies": "hydroxychloroquine; mycophenolate", "number_of_prior_therapies": 2,
        "apheresis_sessions": "NR", "lymphocyte_count_at_collection_per_microlitre": "NR",
        "manufacturing_outcome": "success", "vein_to_vein_days": "NR", "cell_therapy_type": "CAR-T",
        "product": "MB-CART19.1", "car_target": "CD19", "costimulatory_domain": "4-1BB", "vector": "lentiviral",
        "cell_source": "autologous", "lymphodepletion": "fludarabine and cyclophosphamide",
        "lymphodepletion_detail": "", "dose_cells_per_kg": 1000000, "follow_up_months": 12,
        "same_patient_as": "", "same_patient_certainty": "", "source": "page 1", "notes": ""}],
    "measurements": [{
        "patient_label": "P1", "day_since_infusion": 0, "measure": "SLEDAI-2K", "value": 16, "unit": "points",
        "value_read_from_figure": "no", "source": "Table 1", "notes": ""}],
    "events": [{
        "patient_label": "P1", "event": "CRS", "occurred": "yes", "grade_reported": "1",
        "grading_system": "ASTCT 2019", "grade_astct": 1, "onset_day": 2, "duration_days": 1,
        "detail": "fever only", "source": "page 2", "notes": ""}],
    "aggregates": [{
        "population": "paediatric", "disease": "systemic lupus erythematosus", "outcome_or_measure": "CRS any grade",
        "time_point_months": "NA", "events": 1, "total": 1, "median": "NA", "lower": "NA", "upper": "NA",
        "spread": "NA", "source": "abstract", "notes": ""}],
    "appraisal": [{
        "checklist": "JBI case report", "item": 1, "judgement": "yes", "support": "age and sex given",
        "source": "page 1"}],
    "links": [],
}


def fill_report(workbook, form: dict | None = None, rows: dict | None = None) -> None:
    """Write the form fields and table rows into a template workbook (in memory)."""
    form = {**REPORT_FORM, **(form or {})}
    sheet = workbook["report"]
    for row in range(2, sheet.max_row + 1):
        name = sheet.cell(row=row, column=1).value
        if name in form:
            sheet.cell(row=row, column=2, value=form[name] if form[name] != "" else None)
            if name not in ("report_id", "extractor", "extraction_date", "notes") and form[name] != "":
                sheet.cell(row=row, column=3, value="page 1")
    codebook = load_codebook()
    for name, records in {**ROWS, **(rows or {})}.items():
        ws = workbook[name]
        columns = codebook.report_sheets[name].column_names
        for r, record in enumerate(records, start=2):
            for c, column in enumerate(columns, start=1):
                value = record.get(column, "")
                write_literal(ws, r, c, None if value == "" else value)  # text starting "=" stays text


def write_report(path: Path, form: dict | None = None, rows: dict | None = None) -> Path:
    """A valid report workbook at `path` (report_id taken from the file name unless given)."""
    form = {"report_id": path.name.split(".")[0], **(form or {})}
    workbook = build_template("report")
    fill_report(workbook, form, rows)
    save_workbook(workbook, path)
    return path


def write_screening(path: Path, report_ids: list[str], extra: list[dict] | None = None) -> Path:
    workbook = build_template("screening")
    ws = workbook["records"]
    columns = load_codebook().screening_sheets["records"].column_names
    records = [{"record_id": f"R{i:03d}", "citation": f"Report {rid}", "year": 2024, "doi": "NR", "pmid": "NR",
                "publication_type": "journal article", "identification_source": "websites", "source_detail": "",
                "decision": "included", "exclusion_stage": "NA", "exclusion_reason": "NA", "report_id": rid,
                "url": "NR", "notes": ""} for i, rid in enumerate(report_ids, start=1)]
    records += extra or []
    for r, record in enumerate(records, start=2):
        for c, column in enumerate(columns, start=1):
            value = record.get(column, "")
            ws.cell(row=r, column=c, value=None if value == "" else value)
    save_workbook(workbook, path)
    return path


def make_folder(root: Path, report_ids=("smith2024lupus",)) -> Path:
    """An extraction folder with valid reports and a screening log listing them."""
    (root / "reports").mkdir(parents=True, exist_ok=True)
    for rid in report_ids:
        write_report(root / "reports" / f"{rid}.xlsx")
    write_screening(root / "screening.xlsx", list(report_ids))
    return root


def edit(path: Path, sheet: str, cell: str, value) -> None:
    """Change one cell of a test workbook (tests only: the pipeline never writes workbooks)."""
    workbook = load_workbook(path)
    workbook[sheet][cell] = value
    workbook.save(path)


TODAY = dt.date(2026, 11, 1)
