"""Read a workbook into keyed rows per sheet, with values normalised for comparison.

A table sheet becomes rows keyed by the codebook key of the sheet (patients: patient_label;
measurements: patient_label + measure + day_since_infusion; ...). The vertical `report` form becomes
one row per field, keyed by the field name, with the columns value, source and notes.

Each cell keeps what was typed (`raw`), the validator's typed value (`typed`), the value used for
comparison (`norm`) and its address (`E7`). Two cells agree when their `norm` values are equal:
  - blank is None; NR and NA are the codes themselves;
  - terms are canonical (a synonym or a near miss equals its term); a list of terms is compared as a set;
  - numbers are compared as numbers (14 = 14.0), to 12 significant digits;
  - text is compared with runs of white space collapsed; sources also ignore case;
  - a value the validator cannot read is compared as the text typed.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..codebook import GENERATED_SHEETS, Codebook, Column, Sheet, load_codebook, normalise_key
from ..io.workbook_reader import FileFault, RawSheet, column_letter, read_workbook
from ..problems import ERROR, Problem
from ..validate.cells import display, is_blank
from ..validate.sheets import SheetChecker

FORM_COLUMNS = ("value", "source", "notes")


class WorkbookError(Exception):
    """The file cannot be compared: missing, not a workbook, unsafe. The message is one line for a person."""


@dataclass
class Cell:
    raw: object  # as read from the file ("" or None when blank)
    typed: object  # the validator's value (None when blank or unreadable)
    norm: object  # the value compared
    address: str  # e.g. "E7"
    column: Column

    @property
    def blank(self) -> bool:
        return self.norm is None

    def text(self) -> str:
        """The value for people: the canonical value when it could be read, else what was typed."""
        return show(self.typed if self.typed is not None else (None if is_blank(self.raw) else self.raw))


@dataclass
class Row:
    key: tuple  # normalised key, used for matching
    label: str  # the key as people read it: "P1 / SLEDAI-2K / 28"
    row: int  # sheet row number (1-based)
    cells: dict[str, Cell]

    def values(self) -> dict[str, str]:
        return {name: cell.text() for name, cell in self.cells.items() if not cell.blank}


@dataclass
class SheetRows:
    spec: Sheet
    rows: list[Row] = field(default_factory=list)
    present: bool = True
    key_columns: tuple[str, ...] = ()

    @property
    def columns(self) -> tuple[str, ...]:
        return FORM_COLUMNS if self.spec.layout == "form" else self.spec.column_names


@dataclass
class KeyedWorkbook:
    path: Path
    kind: str  # "report" or "screening"
    sheets: dict[str, SheetRows]
    problems: list[Problem]
    unknown_sheets: list[str]

    @property
    def report_id(self) -> str:
        """The report id typed in the report form (blank when none)."""
        sheet = self.sheets.get("report")
        for row in sheet.rows if sheet else ():
            if row.key == ("report_id",):
                return row.cells["value"].text()
        return ""

    @property
    def extractor(self) -> str:
        sheet = self.sheets.get("report")
        for row in sheet.rows if sheet else ():
            if row.key == ("extractor",):
                return row.cells["value"].text()
        return ""

    @property
    def errors(self) -> int:
        return sum(1 for p in self.problems if p.severity == ERROR)


def show(value) -> str:
    """A typed value as one line of text."""
    if value is None:
        return ""
    if isinstance(value, tuple):
        return "; ".join(show(v) for v in value)
    text = display(value)
    return text.replace("\r\n", "\\n").replace("\n", "\\n")


def quote(text: str) -> str:
    """A value in a message: numbers bare, text quoted, blank as (blank)."""
    if not text:
        return "(blank)"
    try:
        float(text)
        return text
    except ValueError:
        return repr(text)


def normalise(column: Column, raw, typed):
    """The value two copies are compared on (see the module docstring)."""
    if typed is None:
        if is_blank(raw):
            return None
        return " ".join(display(raw).split())
    if isinstance(typed, tuple):
        return tuple(sorted(typed))
    if isinstance(typed, bool):
        return typed
    if isinstance(typed, (int, float)):
        number = float(f"{float(typed):.12g}")
        return int(number) if number.is_integer() else number
    text = " ".join(str(typed).split())
    if column.type == "url_or_location":
        text = text.casefold()
    return text


def _key_part(value):
    """Keys match more loosely than values: labels ignore case and punctuation (P1 = p-1)."""
    if isinstance(value, str):
        return normalise_key(value) or value
    return value


def detect_kind(sheet_names, codebook: Codebook) -> str:
    names = set(sheet_names)
    if "report" not in names and names & set(codebook.screening_sheets):
        return "screening"
    return "report"


def _positions(spec: Sheet, raw: RawSheet) -> dict[str, int]:
    header = [display(v).strip() for v in (raw.rows[0] if raw.rows else [])]
    positions: dict[str, int] = {}
    for index, name in enumerate(header):
        if name in spec.column_names and name not in positions:
            positions[name] = index
    return positions


def _label(parts) -> str:
    return " / ".join(show(p) if p is not None else "(blank)" for p in parts)


def _dedupe(rows: list[Row]) -> None:
    """Two rows with the same key (a validation error) stay apart: the second gets '#2' in its key."""
    seen: dict[tuple, int] = {}
    for row in rows:
        count = seen.get(row.key, 0) + 1
        seen[row.key] = count
        if count > 1:
            row.key = row.key + (f"#{count}",)
            row.label = f"{row.label} #{count}"


def _table_rows(spec: Sheet, raw: RawSheet, checker: SheetChecker) -> list[Row]:
    records = checker.table(spec, raw)
    positions = _positions(spec, raw)
    rows = []
    for record in records:
        r = record["_row"]
        source = raw.rows[r - 1]
        cells = {}
        for column in spec.columns:
            index = positions.get(column.name)
            value = source[index] if index is not None and index < len(source) else None
            typed = record.get(column.name)
            address = f"{column_letter(index)}{r}" if index is not None else ""
            cells[column.name] = Cell(value, typed, normalise(column, value, typed), address, column)
        key_norm = tuple(_key_part(cells[k].norm) for k in spec.key)
        label = _label(cells[k].typed if cells[k].typed is not None else (cells[k].raw or None) for k in spec.key)
        rows.append(Row(key_norm, label, r, cells))
    _dedupe(rows)
    return rows


def _form_rows(spec: Sheet, raw: RawSheet, checker: SheetChecker) -> list[Row]:
    record = checker.form(spec, raw)
    fields = {f.name: f for f in spec.fields}
    text_columns = {c.name: c for c in spec.columns}
    rows = []
    for name, r in record.get("_rows", {}).items():
        source = raw.rows[r - 1]
        cells = {}
        for index, column_name in enumerate(FORM_COLUMNS, start=1):
            column = fields[name] if column_name == "value" else text_columns[column_name]
            value = source[index] if index < len(source) else None
            if column_name == "value":
                typed = record.get(name)
            else:
                typed = None if is_blank(value) else display(value).strip()
            cells[column_name] = Cell(value, typed, normalise(column, value, typed), f"{column_letter(index)}{r}", column)
        rows.append(Row((name,), name, r, cells))
    return rows


def load(path: str | Path, codebook: Codebook | None = None, name: str | None = None) -> KeyedWorkbook:
    """Read one workbook into keyed rows. Raises WorkbookError when it cannot be read at all."""
    codebook = codebook or load_codebook()
    path = Path(path)
    if not path.exists():
        raise WorkbookError(f"{path}: no such file")
    if path.is_dir():
        raise WorkbookError(f"{path} is a folder, not a workbook")
    if path.suffix.lower() in (".xlsm",):
        raise WorkbookError(f"{path}: macro-enabled workbooks (.xlsm) are not read; save it as .xlsx")
    try:
        raw = read_workbook(path)
    except FileFault as fault:
        raise WorkbookError(f"{path}: {fault.rule} (fix: {fault.fix})") from None
    kind = detect_kind(raw.sheets, codebook)
    specs = codebook.report_sheets if kind == "report" else codebook.screening_sheets
    checker = SheetChecker(codebook, name or path.name)
    sheets: dict[str, SheetRows] = {}
    for spec in specs.values():
        sheet = raw.sheets.get(spec.name)
        if sheet is None:
            sheets[spec.name] = SheetRows(spec, [], present=False)
            continue
        if spec.layout == "form":
            sheets[spec.name] = SheetRows(spec, _form_rows(spec, sheet, checker), key_columns=())
        else:
            sheets[spec.name] = SheetRows(spec, _table_rows(spec, sheet, checker), key_columns=spec.key)
    unknown = [n for n in raw.sheets if n not in specs and n not in GENERATED_SHEETS]
    return KeyedWorkbook(path, kind, sheets, checker.problems, unknown)


# --- matching -------------------------------------------------------------------------------------

@dataclass
class Pair:
    a: Row | None
    b: Row | None
    by: str  # "key" (same key), "partial key" (same key but the last part), "" (one side only)


def match_rows(rows_a: list[Row], rows_b: list[Row], key_length: int) -> list[Pair]:
    """Pair rows by key, never by position.

    Rows with the same key pair first. Then, for keys of two or more parts, an unmatched row of A and
    one of B that share every key part but the last (same patient and measure, another day) pair when
    each is the only such unmatched row on its side: a day read as 28 by one extractor and 30 by the
    other is one disagreement on the day, not two unrelated rows. Everything else is a row of one side.
    Pairs come in A's order; rows only in B follow the row of B they come after.
    """
    index_b = {row.key: row for row in rows_b}
    matched: dict[int, Row] = {}  # id(a row) -> b row
    used_b: set[int] = set()
    for row in rows_a:
        other = index_b.get(row.key)
        if other is not None and id(other) not in used_b:
            matched[id(row)] = other
            used_b.add(id(other))
    how = {id(r): "key" for r in rows_a if id(r) in matched}
    if key_length >= 2:
        def groups(rows, taken):
            found: dict[tuple, list[Row]] = {}
            for row in rows:
                if id(row) not in taken and len(row.key) == key_length:
                    found.setdefault(row.key[:-1], []).append(row)
            return found
        left = groups(rows_a, set(matched))
        right = groups(rows_b, used_b)
        for partial, rows in left.items():
            others = right.get(partial, [])
            if len(rows) == 1 and len(others) == 1:
                matched[id(rows[0])] = others[0]
                used_b.add(id(others[0]))
                how[id(rows[0])] = "partial key"
    pairs = [Pair(row, matched.get(id(row)), how.get(id(row), "")) for row in rows_a]
    # Place each row only in B after the pair holding the row of B just before it (or first).
    position_of_b = {id(p.b): i for i, p in enumerate(pairs) if p.b is not None}
    by_anchor: dict[int, list[Pair]] = {}
    anchor = -1
    for row in rows_b:
        if id(row) in used_b:
            anchor = position_of_b[id(row)]
        else:
            by_anchor.setdefault(anchor, []).append(Pair(None, row, ""))
    out: list[Pair] = list(by_anchor.get(-1, []))
    for i, pair in enumerate(pairs):
        out.append(pair)
        out.extend(by_anchor.get(i, []))
    return out


@dataclass
class CellDifference:
    sheet: str
    key: str  # the row's key as people read it (A's / the old version's spelling)
    field: str  # the column; for the report form (key = the field name): value, source or notes
    a: str
    b: str
    cell_a: str
    cell_b: str


def cell_differences(sheet: SheetRows, pair: Pair) -> list[CellDifference]:
    out = []
    for column in sheet.columns:
        ca, cb = pair.a.cells[column], pair.b.cells[column]
        if ca.norm != cb.norm:
            out.append(CellDifference(sheet.spec.name, pair.a.label, column,
                                      ca.text(), cb.text(), ca.address, cb.address))
    return out


# --- writing a new workbook from the template -------------------------------------------------------

def cell_value(cell: Cell):
    """What to write into a new workbook for a cell: the canonical value when it was read, else the text typed."""
    if cell.typed is not None:
        if isinstance(cell.typed, tuple):
            return "; ".join(str(v) for v in cell.typed)
        return cell.typed
    if is_blank(cell.raw):
        return None
    return cell.raw


def check_new_output(output: str | Path, inputs: list[Path]) -> Path:
    """An output must be a new .xlsx file, never one of the inputs nor any existing file."""
    output = Path(output)
    for source in inputs:
        if output.resolve() == Path(source).resolve():
            raise WorkbookError(f"{output} is one of the inputs; write the result to a new file")
    if output.suffix.lower() != ".xlsx":
        raise WorkbookError(f"{output}: the output must be an .xlsx file")
    if output.exists():
        raise WorkbookError(f"{output} exists; it is never overwritten: choose a new path, "
                            "or delete the old file yourself if you no longer need it")
    if not output.parent.is_dir():
        raise WorkbookError(f"{output.parent} does not exist; create the folder first")
    return output


def form_rows_of(ws) -> dict[str, int]:
    """Field name -> row of a template's report form."""
    rows = {}
    for r in range(2, ws.max_row + 1):
        name = ws.cell(row=r, column=1).value
        if name:
            rows[str(name)] = r
    return rows
