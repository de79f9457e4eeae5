"""Load the extraction folder into typed, tidy pandas tables, each row keeping its provenance.

    extraction = load_extraction("extraction")      # raises ExtractionInvalid when there are errors
    extraction.patients                               # one row per patient per report
    extraction.cell("patients", row, "age_at_infusion_years")   # -> "reports/x.xlsx › patients!B3"

Tables: reports, links, patients, measurements, events, aggregates, appraisal, records (screening).
Each row carries `report_id`, `workbook`, `sheet`, `row`. Values are typed as the codebook says:
numbers as float (NaN when blank, NR or NA; the code itself is kept in `<column>__code`), terms as
their canonical spelling, term lists as "; "-joined text, NR / NA kept as those strings for text and
term columns. Dual-extraction copies (`.A`/`.B`) are validated but not loaded.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .codebook import NOT_APPLICABLE, NOT_REPORTED, Codebook, Sheet, load_codebook
from .io.workbook_reader import column_letter
from .problems import Problem
from .validate import CheckResult, check_folder

PROVENANCE = ("report_id", "workbook", "sheet", "row")


class ExtractionInvalid(Exception):
    """The extraction has errors; `problems` lists every one of them."""

    def __init__(self, problems: list[Problem]):
        errors = [p for p in problems if p.severity == "error"]
        super().__init__(f"{len(errors)} error(s) in the extraction workbooks; run `make check` to see them")
        self.problems = problems


@dataclass
class Extraction:
    folder: Path
    reports: pd.DataFrame
    links: pd.DataFrame
    patients: pd.DataFrame
    measurements: pd.DataFrame
    events: pd.DataFrame
    aggregates: pd.DataFrame
    appraisal: pd.DataFrame
    records: pd.DataFrame
    problems: list[Problem]

    def cell(self, table: str, index, column: str) -> str:
        """The workbook location of one value, for messages and provenance listings."""
        codebook = load_codebook()
        row = getattr(self, table).loc[index]
        spec = codebook.report_sheets.get(row["sheet"]) or codebook.screening_sheets[row["sheet"]]
        if spec.layout == "form":
            return f"{row['workbook']} › {row['sheet']}!B{row['row']}"
        return f"{row['workbook']} › {row['sheet']}!{column_letter(spec.column_names.index(column))}{row['row']}"


def _frame(spec: Sheet, rows: list[dict]) -> pd.DataFrame:
    columns = list(dict.fromkeys([*PROVENANCE, *spec.column_names]))
    numeric = [c.name for c in spec.columns if c.type in ("integer", "number")]
    code_columns = [f"{name}__code" for name in numeric]
    data = []
    for rec in rows:
        out = dict(rec)
        for name in numeric:
            value = rec.get(name)
            out[f"{name}__code"] = value if value in (NOT_REPORTED, NOT_APPLICABLE) else None
            out[name] = float(value) if isinstance(value, (int, float)) else np.nan
        for col in spec.columns:
            value = out.get(col.name)
            if isinstance(value, tuple):
                out[col.name] = "; ".join(value)
        data.append(out)
    frame = pd.DataFrame(data, columns=columns + code_columns)
    for name in numeric:
        frame[name] = frame[name].astype("float64")
    frame["row"] = frame["row"].astype("int64")
    return frame


def tables_from_check(result: CheckResult, codebook: Codebook | None = None) -> dict[str, pd.DataFrame]:
    codebook = codebook or load_codebook()
    rows: dict[str, list[dict]] = {name: [] for name in codebook.report_sheets}
    report_spec = codebook.report_sheets["report"]
    form_spec = Sheet(name="report", definition="", columns=report_spec.fields)
    for parsed in sorted(result.reports, key=lambda p: p.name):
        if parsed.extraction_copy or not parsed.readable:
            continue
        base = {"report_id": parsed.report_id, "workbook": parsed.name}
        form = {k: v for k, v in parsed.form.items() if k != "_rows"}
        rows["report"].append({**base, "sheet": "report", "row": 1, **form})
        for sheet, records in parsed.tables.items():
            for rec in records:
                rows[sheet].append({**base, "sheet": sheet, "row": rec["_row"],
                                    **{k: v for k, v in rec.items() if k != "_row"}})
    tables = {"reports": _frame(form_spec, rows.pop("report"))}
    for sheet, records in rows.items():
        tables[sheet] = _frame(codebook.report_sheets[sheet], records)
    screening_rows = []
    if result.screening is not None and result.screening.readable:
        for rec in result.screening.tables.get("records", []):
            screening_rows.append({"report_id": "", "workbook": "screening.xlsx", "sheet": "records", "row": rec["_row"],
                                   **{k: v for k, v in rec.items() if k != "_row"}})
    tables["records"] = _frame(codebook.screening_sheets["records"], screening_rows)
    return tables


def _fingerprint(folder: Path) -> tuple:
    """The folder's files by relative name and content (SHA-256, read in chunks)."""
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    digests = []
    for path in files:
        with path.open("rb") as handle:
            digests.append((path.relative_to(folder).as_posix(), hashlib.file_digest(handle, "sha256").hexdigest()))
    return str(folder.resolve()), tuple(digests)


# Valid extractions loaded by this process, by folder content: a kernel that executes several notebook runs
# (make) validates and parses the workbooks once. Each load returns new copies of the tables, so nothing a run
# does to its tables reaches another run; any change to any file of the folder means a new load.
_LOADED: dict[tuple, tuple[list[Problem], dict[str, pd.DataFrame]]] = {}


def load_extraction(folder: str | Path = "extraction", strict: bool = True) -> Extraction:
    """Validate and load. With strict=True (the pipeline), any error raises ExtractionInvalid."""
    folder = Path(folder)
    key = _fingerprint(folder) if folder.is_dir() else None
    loaded = _LOADED.get(key) if key is not None else None
    if loaded is None:
        result = check_folder(folder)
        if strict and not result.ok:
            raise ExtractionInvalid(result.problems)
        loaded = (result.problems, tables_from_check(result))
        if key is not None and result.ok:
            _LOADED.clear()  # the folder's current content is all a run needs
            _LOADED[key] = loaded
    problems, tables = loaded
    return Extraction(folder=folder, problems=list(problems), **{name: t.copy() for name, t in tables.items()})
