"""The review's tables: pure builders on DataFrames, and one deterministic, injection-safe writer.

Writer
------
:func:`write_table` writes ``<stem>.csv`` (UTF-8, "\\n" line endings, fixed float format) and ``<stem>.xlsx``
(bold frozen header, column widths) atomically and byte-deterministically. Every *text* cell that begins with
``=``, ``+``, ``-``, ``@``, a tab or a carriage return is prefixed with a single quote (OWASP, "CSV Injection"),
so that a spreadsheet shows it as text instead of running it as a formula. Numbers, including negative ones,
stay numbers.

Builders (each documents its input columns; each returns a new DataFrame sorted explicitly)
--------
* :func:`report_characteristics`: characteristics of the included reports.
* :func:`patient_characteristics`: children against adults.
* :func:`pooled_estimates`: one row per outcome x group x method from :class:`PoolResult` objects.
* :func:`child_listing`: the individual listing of every child.
* :func:`excluded_records`: records excluded, with the stage and reason.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Iterable, Sequence
from numbers import Integral, Real
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from .io.atomic import write_bytes_atomic
from .io.xlsx_writer import save_workbook

if TYPE_CHECKING:  # the pooling library (and scipy) is loaded only by the notebooks that pool
    from .pooling.result import PoolResult

__all__ = [
    "FORMULA_PREFIXES",
    "neutralise",
    "neutralise_frame",
    "write_table",
    "table_csv_bytes",
    "report_characteristics",
    "patient_characteristics",
    "pooled_estimates",
    "child_listing",
    "excluded_records",
]

# OWASP CSV injection: cells starting with these characters can be interpreted as formulas.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# Characters that openpyxl refuses to write (XML 1.0 control characters other than tab, newline, return).
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
DEFAULT_FLOAT_FORMAT = "%.6g"


# ---------------------------------------------------------------------------------------------------------
# Writing


def neutralise(value):
    """A text cell that a spreadsheet would read as a formula gets a leading single quote; anything else is returned as is."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def _clean_text(value):
    """Neutralise, then turn carriage returns into newlines (a CSV writer quotes fields with newlines, not with a
    bare carriage return, which readers would take as the end of a row)."""
    value = neutralise(value)
    if isinstance(value, str) and "\r" in value:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    return value


def neutralise_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of `df` with every text cell and column name neutralised (numbers untouched); carriage returns
    inside text become newlines."""
    out = df.copy()
    out.columns = [_clean_text(str(c)) for c in out.columns]
    for col in out.columns:
        series = out[col]
        if series.dtype == object or pd.api.types.is_string_dtype(series.dtype):
            out[col] = series.astype(object).map(_clean_text)
    return out


def table_csv_bytes(df: pd.DataFrame, float_format: str = DEFAULT_FLOAT_FORMAT) -> bytes:
    """The CSV bytes of a table: neutralised, UTF-8, '\\n' line endings, missing values empty."""
    buffer = io.StringIO()
    neutralise_frame(df).to_csv(buffer, index=False, lineterminator="\n", float_format=float_format, na_rep="")
    return buffer.getvalue().encode("utf-8")


def _xlsx_value(value):
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, Integral):
        return int(value)
    if isinstance(value, Real):
        value = float(value)
        return value if math.isfinite(value) else None
    if isinstance(value, (tuple, list)):
        value = "; ".join(str(v) for v in value)
    # Neutralise first (a leading carriage return is a formula trigger), then drop characters XML cannot hold.
    return _ILLEGAL_XML.sub("", _clean_text(str(value)))


def table_workbook(df: pd.DataFrame, sheet_name: str = "table") -> Workbook:
    """An openpyxl workbook of the table: bold frozen header, widths from the longest cell (8-60 characters)."""
    wb = Workbook()
    ws = wb.active
    ws.title = re.sub(r"[\[\]:*?/\\]", "_", sheet_name)[:31] or "table"
    bold = Font(bold=True)
    widths = []
    for j, name in enumerate(df.columns, start=1):
        cell = ws.cell(row=1, column=j, value=_xlsx_value(str(name)))
        cell.font = bold
        widths.append(len(str(name)))
    for i, row in enumerate(df.itertuples(index=False, name=None), start=2):
        for j, value in enumerate(row, start=1):
            v = _xlsx_value(value)
            ws.cell(row=i, column=j, value=v)
            if v is not None:
                longest = max(len(line) for line in str(v).split("\n")) if isinstance(v, str) else len(f"{v:.6g}" if isinstance(v, float) else str(v))
                widths[j - 1] = max(widths[j - 1], longest)
    for j, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(j)].width = float(min(60, max(8, w + 2)))
    ws.freeze_panes = "A2"
    return wb


def write_table(
    df: pd.DataFrame, stem: str | Path, *, sheet_name: str = "table", float_format: str = DEFAULT_FLOAT_FORMAT
) -> list[Path]:
    """Write `df` to `stem`.csv and `stem`.xlsx (atomically, deterministically, injection-safe); return both paths."""
    stem = Path(stem)
    csv_path = stem.parent / f"{stem.name}.csv"
    xlsx_path = stem.parent / f"{stem.name}.xlsx"
    write_bytes_atomic(csv_path, table_csv_bytes(df, float_format))
    save_workbook(table_workbook(df, sheet_name), xlsx_path)
    return [csv_path, xlsx_path]


# ---------------------------------------------------------------------------------------------------------
# Helpers for the builders

_GROUP_ORDER = {"children": 0, "adults": 1, "mixed": 2, "overall": 3}
_NR = {"", "NR", "NA", "nan", "None", "<NA>"}


def _missing(value) -> bool:
    if value is None or value is pd.NA:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and value.strip() in _NR


def _numbers(series: pd.Series) -> pd.Series:
    return pd.to_numeric(series.map(lambda v: np.nan if _missing(v) else v), errors="coerce")


def _fmt(x: float, digits: int = 1) -> str:
    return f"{x:.{digits}f}"


def _median_range(series: pd.Series, digits: int = 1) -> str:
    values = _numbers(series)
    known = values.dropna()
    if known.empty:
        return "NR"
    text = f"{_fmt(known.median(), digits)} [{_fmt(known.min(), digits)}–{_fmt(known.max(), digits)}]"
    missing = int(values.isna().sum())
    return text + (f"; NR {missing}" if missing else "")


def _count_percent(k: int, n: int) -> str:
    return f"{k} ({100.0 * k / n:.0f}%)" if n else f"{k}"


def _require(df: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ValueError(f"{what}: missing column(s) {missing}.")


def _vocabulary_order(name: str) -> dict[str, int]:
    try:
        from .codebook import load_codebook

        return {t: i for i, t in enumerate(load_codebook().vocabularies[name].terms)}
    except Exception:  # the codebook is optional for ordering only
        return {}


# ---------------------------------------------------------------------------------------------------------
# Builders

REPORT_COLUMNS = {
    "report_id": "Report",
    "first_author": "First author",
    "year": "Year",
    "publication_type": "Publication type",
    "design": "Design",
    "country": "Country",
    "population": "Population",
    "diseases": "Diseases",
    "number_treated": "Patients treated",
    "children": "Children",
    "adults": "Adults",
    "car_target": "CAR target",
    "product": "Product",
}


def report_characteristics(reports: pd.DataFrame) -> pd.DataFrame:
    """Characteristics of the included reports, one row per report, sorted by year then report_id.

    Input columns: report_id, year, publication_type, design, population, diseases, number_treated (required);
    first_author, country, children, adults, car_target, product (used when present). Output columns are the
    readable names of :data:`REPORT_COLUMNS`, in that order.
    """
    _require(reports, ["report_id", "year", "publication_type", "design", "population", "diseases", "number_treated"],
             "report characteristics")
    cols = [c for c in REPORT_COLUMNS if c in reports.columns]
    out = reports[cols].copy()
    out["_year"] = _numbers(out["year"])
    out = out.sort_values(["_year", "report_id"], kind="mergesort").drop(columns="_year")
    for col in ("year", "number_treated", "children", "adults"):
        if col in out:
            nums = _numbers(out[col])
            out[col] = [int(v) if not math.isnan(v) else "NR" for v in nums]
    return out.rename(columns=REPORT_COLUMNS).reset_index(drop=True)


def patient_characteristics(patients: pd.DataFrame, groups: Sequence[str] = ("children", "adults")) -> pd.DataFrame:
    """Patient characteristics by age group: one row per characteristic, one column per group.

    Input: one row per unique patient with columns age_group, age_at_infusion_years, sex, disease,
    follow_up_months (NR or blank where not reported). Rows: patients (n); age at infusion, median [range];
    female n (%) of patients with known sex; each disease n (%); follow-up months, median [range]. "NR k"
    counts patients for whom a value was not reported. Column headers read "Children (n = 4)".
    """
    _require(patients, ["age_group", "age_at_infusion_years", "sex", "disease", "follow_up_months"],
             "patient characteristics")
    by_group = {g: patients[patients["age_group"] == g] for g in groups}
    headers = {g: f"{g.capitalize()} (n = {len(by_group[g])})" for g in groups}
    disease_order = _vocabulary_order("disease")
    diseases = sorted(set(patients["disease"].astype(str)), key=lambda d: (disease_order.get(d, len(disease_order)), d))
    rows: list[dict] = []

    def add(label: str, values: dict[str, str | int]) -> None:
        rows.append({"Characteristic": label, **{headers[g]: values[g] for g in groups}})

    add("Patients, n", {g: len(by_group[g]) for g in groups})
    add("Age at infusion, years, median [range]", {g: _median_range(by_group[g]["age_at_infusion_years"]) for g in groups})
    female = {}
    for g in groups:
        sex = by_group[g]["sex"]
        known = sex[~sex.map(_missing)]
        text = _count_percent(int((known == "female").sum()), len(known))
        nr = len(sex) - len(known)
        female[g] = text + (f"; NR {nr}" if nr else "")
    add("Female, n (%)", female)
    add("Disease, n (%)", {g: "" for g in groups})
    for disease in diseases:
        add(f"  {disease}", {g: _count_percent(int((by_group[g]["disease"].astype(str) == disease).sum()), len(by_group[g]))
                             for g in groups})
    add("Follow-up, months, median [range]", {g: _median_range(by_group[g]["follow_up_months"]) for g in groups})
    return pd.DataFrame(rows, columns=["Characteristic", *headers.values()])


POOLED_COLUMNS = [
    "outcome", "age_group", "method", "method_label", "k", "patients", "events", "estimate_percent",
    "ci_lower_percent", "ci_upper_percent", "pi_lower_percent", "pi_upper_percent", "i2_percent", "tau2",
    "estimable", "estimate_text", "notes",
]


def pooled_estimates(results: Iterable[tuple[str, str, PoolResult]] | pd.DataFrame) -> pd.DataFrame:
    """One row per outcome x age group x method.

    Input: (outcome, age_group, PoolResult) triples, or a DataFrame with columns outcome, age_group and the
    PoolResult fields (as :func:`~review_utils.pooling.result.results_frame` gives, plus the two keys).
    Proportions become percentages (rounded to 2 decimals); ``estimate_text`` reads "33.3 [4.3, 77.7]" or
    "not estimable (crude ...)". Sorted by outcome (codebook order), age group (children, adults, overall),
    then method in the order first given.
    """
    if isinstance(results, pd.DataFrame):
        _require(results, ["outcome", "age_group", "method", "label", "k", "patients", "events", "estimate",
                           "ci_lower", "ci_upper"], "pooled estimates")
        records = results.to_dict("records")
    else:
        records = []
        for outcome, group, result in results:
            row = result.to_row()
            row.update(outcome=outcome, age_group=group)
            records.append(row)

    def pct(v):
        return None if v is None or (isinstance(v, float) and not math.isfinite(v)) else round(100.0 * float(v), 2)

    method_order: dict[str, int] = {}
    rows = []
    for r in records:
        method_order.setdefault(r["method"], len(method_order))
        est, lo, hi = r.get("estimate"), r.get("ci_lower"), r.get("ci_upper")
        estimable = bool(r.get("estimable", True))
        if est is None or (isinstance(est, float) and math.isnan(est)):
            text = "not estimable"
        else:
            text = f"{100 * est:.1f} [{100 * lo:.1f}, {100 * hi:.1f}]"
            if not estimable:
                text = f"not estimable (crude {text})"
        notes = r.get("notes", "")
        if isinstance(notes, (tuple, list)):
            notes = "; ".join(notes)
        i2 = r.get("i2")
        tau2 = r.get("tau2")
        rows.append({
            "outcome": r["outcome"], "age_group": r["age_group"], "method": r["method"], "method_label": r.get("label", ""),
            "k": int(r["k"]), "patients": int(r["patients"]), "events": int(r["events"]),
            "estimate_percent": pct(est), "ci_lower_percent": pct(lo), "ci_upper_percent": pct(hi),
            "pi_lower_percent": pct(r.get("pi_lower")), "pi_upper_percent": pct(r.get("pi_upper")),
            "i2_percent": None if i2 is None or (isinstance(i2, float) and math.isnan(i2)) else round(float(i2), 1),
            "tau2": None if tau2 is None or (isinstance(tau2, float) and math.isnan(tau2)) else round(float(tau2), 4),
            "estimable": estimable, "estimate_text": text, "notes": notes or "",
        })
    out = pd.DataFrame(rows, columns=POOLED_COLUMNS)
    outcome_order = _vocabulary_order("outcome")
    out["_o"] = out["outcome"].map(lambda o: outcome_order.get(o, len(outcome_order)))
    out["_g"] = out["age_group"].map(lambda g: _GROUP_ORDER.get(g, 9))
    out["_m"] = out["method"].map(method_order)
    out = out.sort_values(["_o", "outcome", "_g", "_m"], kind="mergesort").drop(columns=["_o", "_g", "_m"])
    return out.reset_index(drop=True)


LISTING_COLUMNS = {
    "patient_id": "Patient",
    "report_id": "Report",
    "age_at_infusion_years": "Age, years",
    "sex": "Sex",
    "disease": "Disease",
    "disease_detail": "Detail",
    "car_target": "CAR target",
    "product": "Product",
    "lymphodepletion": "Lymphodepletion",
    "dose_cells_per_kg": "Dose, cells/kg",
    "follow_up_months": "Follow-up, months",
}
LISTING_EVENTS = ("DORIS remission", "drug-free remission", "relapse", "IVIG replacement", "B-cell reconstitution")


def _event_summary(events: pd.DataFrame, patient_id: str, event: str) -> str:
    rows = events[(events["patient_id"] == patient_id) & (events["event"] == event)]
    if rows.empty:
        return "NR"
    occurred = rows["occurred"].astype(str).str.lower() if "occurred" in rows else pd.Series("yes", index=rows.index)
    if event in ("CRS", "ICANS"):
        grades = _numbers(rows["grade_astct"]) if "grade_astct" in rows else pd.Series(dtype=float)
        grades = grades[occurred != "no"].dropna()
        if (occurred == "no").all():
            return "0"
        return str(int(grades.max())) if len(grades) else "yes, grade NR"
    yes = rows[occurred == "yes"] if "occurred" in rows else rows
    if len(yes):
        days = _numbers(yes["onset_day"]).dropna() if "onset_day" in yes else pd.Series(dtype=float)
        return f"yes (day {int(days.min())})" if len(days) else "yes (day NR)"
    if (occurred == "no").any():
        return "no"
    return "NR"


def child_listing(patients: pd.DataFrame, events: pd.DataFrame | None = None) -> pd.DataFrame:
    """The individual listing of every child, sorted by report_id then patient_id.

    Input ``patients``: one row per unique patient with patient_id and either age_group ("children") or
    age_at_infusion_years (< 18); the other columns of :data:`LISTING_COLUMNS` are used when present.
    Input ``events`` (optional): patient_id, event, occurred, grade_astct, onset_day. Adds "CRS grade" and
    "ICANS grade" (highest ASTCT grade; 0 = stated absent; NR = not reported) and one column per event of
    :data:`LISTING_EVENTS` ("yes (day d)", "no" or "NR").
    """
    _require(patients, ["patient_id"], "child listing")
    if "age_group" in patients:
        kids = patients[patients["age_group"] == "children"].copy()
    elif "age_at_infusion_years" in patients:
        kids = patients[_numbers(patients["age_at_infusion_years"]) < 18].copy()
    else:
        raise ValueError("child listing: give age_group or age_at_infusion_years.")
    kids["patient_id"] = kids["patient_id"].astype(str)
    keys = [c for c in ("report_id", "patient_id") if c in kids]
    kids = kids.sort_values(keys, kind="mergesort")
    cols = [c for c in LISTING_COLUMNS if c in kids.columns]
    out = kids[cols].copy()
    if events is not None:
        ev = events.copy()
        ev["patient_id"] = ev["patient_id"].astype(str)
        for event in ("CRS", "ICANS"):
            out[f"{event} grade"] = [_event_summary(ev, pid, event) for pid in out["patient_id"]]
        for event in LISTING_EVENTS:
            out[event[0].upper() + event[1:]] = [_event_summary(ev, pid, event) for pid in out["patient_id"]]
    return out.rename(columns=LISTING_COLUMNS).reset_index(drop=True)


EXCLUDED_COLUMNS = {
    "record_id": "Record",
    "citation": "Citation",
    "year": "Year",
    "identification_source": "Identified via",
    "exclusion_stage": "Stage",
    "exclusion_reason": "Reason",
}
_STAGE_ORDER = {s: i for i, s in enumerate(("duplicate", "removed before screening", "title and abstract",
                                             "not retrieved", "full text"))}


def excluded_records(records: pd.DataFrame, stages: Sequence[str] | None = None) -> pd.DataFrame:
    """Excluded records with stage and reason, in PRISMA order (stage), then reason, then record_id.

    Input: the screening log (record_id, decision, exclusion_stage, exclusion_reason; citation, year and
    identification_source when present). ``stages`` keeps only those stages (e.g. ["full text"] for the
    PRISMA item 16b list of reports excluded at eligibility).
    """
    _require(records, ["record_id", "decision", "exclusion_stage", "exclusion_reason"], "excluded records")
    out = records[records["decision"] == "excluded"].copy()
    if stages is not None:
        out = out[out["exclusion_stage"].isin(list(stages))]
    out["_s"] = out["exclusion_stage"].map(lambda s: _STAGE_ORDER.get(s, 9))
    out["record_id"] = out["record_id"].astype(str)
    out = out.sort_values(["_s", "exclusion_reason", "record_id"], kind="mergesort")
    cols = [c for c in EXCLUDED_COLUMNS if c in out.columns]
    return out[cols].rename(columns=EXCLUDED_COLUMNS).reset_index(drop=True)
