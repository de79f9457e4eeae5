"""Rules across the fields and sheets of one report workbook (the cross-field rules of the codebook)."""
from __future__ import annotations

from ..codebook import Codebook
from ..io.workbook_reader import column_letter
from .sheets import SheetChecker

DAYS_PER_MONTH = 30.4375
FOLLOW_UP_TOLERANCE_DAYS = 15  # follow-up months are often rounded in reports
ADULT_AGE_YEARS = 18


def _number(value) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _cell(sheet_columns: tuple[str, ...], column: str, row: int) -> str:
    return f"{column_letter(sheet_columns.index(column))}{row}"


def check_report_rules(checker: SheetChecker, codebook: Codebook, report: dict, tables: dict[str, list[dict]],
                       expected_id: str) -> None:
    sheets = codebook.report_sheets
    add = checker.add
    rows = report.get("_rows", {})

    def form_cell(name: str) -> str:
        return f"B{rows[name]}" if name in rows else "A:A"

    if report.get("report_id") and report["report_id"] != expected_id:
        add("report", form_cell("report_id"), "error", "report_id must equal the file name", report["report_id"],
            f"write {expected_id} here, or rename the file to {report['report_id']}.xlsx")

    patients = tables.get("patients", [])
    cols = sheets["patients"].column_names
    population = report.get("population")
    by_label = {}
    for p in patients:
        by_label.setdefault(p.get("patient_label"), p)
        age = _number(p.get("age_at_infusion_years"))
        onset = _number(p.get("age_at_onset_years"))
        duration = _number(p.get("disease_duration_years"))
        if age is not None and population == "paediatric" and age >= ADULT_AGE_YEARS:
            add("patients", _cell(cols, "age_at_infusion_years", p["_row"]), "error",
                f"a paediatric report has a patient aged {age:g} (18 or older) at infusion", age,
                "check the age; if the report includes adults, set population to mixed in the report sheet")
        if age is not None and population == "adult" and age < ADULT_AGE_YEARS:
            add("patients", _cell(cols, "age_at_infusion_years", p["_row"]), "error",
                f"an adult report has a patient aged {age:g} (under 18) at infusion", age,
                "check the age; if the report includes children, set population to mixed in the report sheet")
        if age is not None and onset is not None and onset > age:
            add("patients", _cell(cols, "age_at_onset_years", p["_row"]), "error",
                f"age at onset ({onset:g}) is after age at infusion ({age:g})", onset, "check both ages against the report")
        if age is not None and duration is not None and duration > age:
            add("patients", _cell(cols, "disease_duration_years", p["_row"]), "error",
                f"disease duration ({duration:g} years) is longer than the patient's age ({age:g})", duration,
                "check the duration and its unit (years)")
        if p.get("same_patient_as") and not p.get("same_patient_certainty"):
            add("patients", _cell(cols, "same_patient_certainty", p["_row"]), "error",
                "same_patient_as is filled but its certainty is not", "",
                "write stated (a source says so) or inferred (and give the reasoning in notes)")

    treated = _number(report.get("number_treated"))
    if treated is not None and len(patients) > treated:
        add("report", form_cell("number_treated"), "error",
            f"{len(patients)} patients are listed but number_treated is {treated:g}", treated,
            "correct number_treated, or remove the extra patient rows")
    individually = report.get("patients_described_individually")
    if individually == "yes" and not patients:
        add("report", form_cell("patients_described_individually"), "warning",
            "patients_described_individually is yes but the patients sheet is empty", "yes",
            "fill the patients sheet, or answer no and use the aggregates sheet")

    def follow_up_days(label) -> float | None:
        months = _number(by_label.get(label, {}).get("follow_up_months"))
        return None if months is None else months * DAYS_PER_MONTH + FOLLOW_UP_TOLERANCE_DAYS

    for sheet_name, day_column in (("measurements", "day_since_infusion"), ("events", "onset_day")):
        sheet_cols = sheets[sheet_name].column_names
        for rec in tables.get(sheet_name, []):
            label = rec.get("patient_label")
            if label is not None and label not in by_label:
                add(sheet_name, _cell(sheet_cols, "patient_label", rec["_row"]), "error",
                    f"patient {label!r} is not in the patients sheet", label,
                    "use a label from the patients sheet, or add the patient there first")
                continue
            day = _number(rec.get(day_column))
            limit = follow_up_days(label)
            if day is not None and limit is not None and day > limit:
                months = by_label[label]["follow_up_months"]
                add(sheet_name, _cell(sheet_cols, day_column, rec["_row"]), "error",
                    f"day {day:g} is beyond the patient's follow-up ({months:g} months)", day,
                    "check the day, or update follow_up_months in the patients sheet")

    mcols = sheets["measurements"].column_names
    for rec in tables.get("measurements", []):
        limits = codebook.measure_ranges.get(rec.get("measure"), {})
        value = _number(rec.get("value"))
        if value is None or not limits:
            continue
        low, high = limits.get("min"), limits.get("max")
        if (low is not None and value < low) or (high is not None and value > high):
            add("measurements", _cell(mcols, "value", rec["_row"]), "error",
                f"{rec['measure']} must be between {low} and {high if high is not None else '∞'}", value,
                "check the value and the unit against the report")
        elif limits.get("integer") and not float(value).is_integer():
            add("measurements", _cell(mcols, "value", rec["_row"]), "error",
                f"{rec['measure']} is a whole-number score", value, "check the value against the report")

    ecols = sheets["events"].column_names
    for rec in tables.get("events", []):
        grade = _number(rec.get("grade_astct"))
        if rec.get("occurred") == "no" and grade is not None and grade > 0:
            add("events", _cell(ecols, "grade_astct", rec["_row"]), "error",
                f"occurred is no but grade_astct is {grade:g}", grade, "a grade above 0 means the event occurred; correct one of them")
        if rec.get("occurred") == "yes" and grade == 0:
            add("events", _cell(ecols, "grade_astct", rec["_row"]), "error",
                "occurred is yes but grade_astct is 0", grade, "grade 0 means the event did not occur; correct one of them")

    acols = sheets["aggregates"].column_names
    binary = set(codebook.vocabularies["outcome"].terms)
    for rec in tables.get("aggregates", []):
        events, total = _number(rec.get("events")), _number(rec.get("total"))
        counts_patients = rec.get("outcome_or_measure") in binary or rec.get("outcome_or_measure") == "patients treated"
        # (a summary measure may describe a wider group, e.g. the age of every patient including non-rheumatic ones)
        if counts_patients and total is not None and treated is not None and total > treated:
            add("aggregates", _cell(acols, "total", rec["_row"]), "error",
                f"total ({total:g}) exceeds number_treated ({treated:g}) of the report", total,
                "check the count, or number_treated in the report sheet")
        if rec.get("outcome_or_measure") in binary:
            if events is not None and total is not None and events > total:
                add("aggregates", _cell(acols, "events", rec["_row"]), "error",
                    f"events ({events:g}) exceed total ({total:g})", events, "check both counts against the report")
            if rec.get("events") is None or rec.get("total") is None:
                add("aggregates", _cell(acols, "events", rec["_row"]), "error",
                    "a binary outcome needs events and total (or NR)", "", "fill both counts, or write NR")
        elif rec.get("outcome_or_measure") == "patients treated":
            if total is None:
                add("aggregates", _cell(acols, "total", rec["_row"]), "error",
                    "patients treated needs the number of patients in total", rec.get("total") or "",
                    "write the number of patients with this disease in total")
        elif rec.get("outcome_or_measure") is not None:
            if all(rec.get(k) is None for k in ("median", "lower", "upper")):
                add("aggregates", _cell(acols, "median", rec["_row"]), "error",
                    "a summary measure needs its median (or range / IQR)", "", "fill median, lower and upper, or write NR")

    pcols = sheets["appraisal"].column_names
    for rec in tables.get("appraisal", []):
        checklist = codebook.checklists.get(rec.get("checklist") or "", {})
        item = _number(rec.get("item"))
        if checklist and item is not None and int(item) not in checklist["items"]:
            add("appraisal", _cell(pcols, "item", rec["_row"]), "error",
                f"{rec['checklist']} has items 1 to {len(checklist['items'])}", item, "check the item number")

    lcols = sheets["links"].column_names
    for rec in tables.get("links", []):
        for target in rec.get("target_report_id") or ():
            if target == expected_id:
                add("links", _cell(lcols, "target_report_id", rec["_row"]), "error",
                    "a report cannot link to itself", target, "name the other report's id")
