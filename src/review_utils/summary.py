"""What the extraction holds: reports by population, type and disease; unique patients; NR counts."""
from __future__ import annotations


import pandas as pd

from .evidence import EvidenceParameters, every_publication_type, unique_patient_counts
from .extraction import Extraction

# The fields whose completeness the review reports (sheet, column).
KEY_FIELDS = (
    ("patients", "age_at_infusion_years"), ("patients", "sex"), ("patients", "disease_duration_years"),
    ("patients", "car_target"), ("patients", "lymphodepletion"), ("patients", "dose_cells_per_kg"),
    ("patients", "follow_up_months"), ("events", "occurred"), ("events", "grade_astct"),
    ("report", "doi"), ("report", "pmid"), ("report", "number_treated"),
)


def _count(frame: pd.DataFrame, column: str) -> dict[str, int]:
    values = frame[column].fillna("NR").astype(str)
    if column == "diseases":
        values = values.str.split("; ").explode()
    return {str(k): int(v) for k, v in values.value_counts().sort_index().items()}


def _nr_counts(extraction: Extraction) -> list[dict]:
    rows = []
    for sheet, column in KEY_FIELDS:
        frame = extraction.reports if sheet == "report" else getattr(extraction, sheet)
        if column not in frame.columns:
            continue
        # numbers keep NR / NA in <column>__code (the value is NaN); text and terms keep them in the column itself
        code = frame.get(f"{column}__code", frame[column])
        nr = int((code == "NR").sum())
        blank = int((frame[column].isna() & code.isna()).sum())
        rows.append({"sheet": sheet, "field": column, "rows": int(len(frame)), "NR": nr, "blank": blank})
    return rows


def summarise(extraction: Extraction, params: EvidenceParameters) -> dict:
    reports = extraction.reports
    eligible_counts = unique_patient_counts(extraction, params)
    all_types = every_publication_type(extraction, params)
    all_counts = unique_patient_counts(extraction, all_types)

    def counts_payload(counts) -> dict:
        table = counts.table
        return {
            "by_age_group": {k: int(v) for k, v in table.groupby("age_group")["patients"].sum().sort_index().items()},
            "by_age_group_and_disease": [
                {"age_group": a, "disease": d, "patients": int(n)}
                for (a, d), n in table.groupby(["age_group", "disease"])["patients"].sum().sort_index().items()],
            "cohorts": int(table["cohort"].nunique()),
            "notes": counts.notes,
        }

    return {
        "reports": int(len(reports)),
        "reports_by_population": _count(reports, "population"),
        "reports_by_publication_type": _count(reports, "publication_type"),
        "reports_by_disease": _count(reports, "diseases"),
        "patients_described_individually": int(len(extraction.patients)),
        "unique_patients_eligible": {"publication_types": list(params.eligible_publication_types),
                                     "age_definition": params.age_definition, **counts_payload(eligible_counts)},
        "unique_patients_all_reports": {"publication_types": list(all_types.eligible_publication_types),
                                        "age_definition": params.age_definition, **counts_payload(all_counts)},
        "screening": {"records": int(len(extraction.records)),
                      "included": int((extraction.records["decision"] == "included").sum()),
                      "excluded": int((extraction.records["decision"] == "excluded").sum())},
        "not_reported": _nr_counts(extraction),
    }


def as_text(summary: dict) -> str:
    lines = [f"Reports: {summary['reports']}  (screening log: {summary['screening']['records']} records, "
             f"{summary['screening']['included']} included, {summary['screening']['excluded']} excluded)"]
    for key, title in (("reports_by_population", "by population"), ("reports_by_publication_type", "by publication type"),
                       ("reports_by_disease", "by disease (a report can have several)")):
        lines.append(f"  {title}: " + ", ".join(f"{k} {v}" for k, v in summary[key].items()))
    for key, title in (("unique_patients_eligible", "Unique patients, eligible reports"),
                       ("unique_patients_all_reports", "Unique patients, all reports incl. press items")):
        block = summary[key]
        lines.append("")
        lines.append(f"{title} ({', '.join(block['publication_types'])}; age at {block['age_definition']}; "
                     f"{block['cohorts']} independent cohorts):")
        lines.append("  " + ", ".join(f"{k} {v}" for k, v in block["by_age_group"].items()))
        for row in block["by_age_group_and_disease"]:
            lines.append(f"    {row['age_group']:<9} {row['disease']:<45} {row['patients']:>5}")
        for note in block["notes"]:
            lines.append(f"  note: {note}")
    lines.append("")
    lines.append("Completeness of key fields (NR = not reported; blank = not yet extracted):")
    for row in summary["not_reported"]:
        lines.append(f"  {row['sheet'] + '.' + row['field']:<36} rows {row['rows']:>4}  NR {row['NR']:>4}  blank {row['blank']:>4}")
    return "\n".join(lines) + "\n"
