"""Carry a workbook's data into the current template when the codebook has changed.

A column of the old workbook goes to the current column
  1. of the same name;
  2. named by a rename given by the user (`old=new`, or `sheet.old=new` for one sheet);
  3. whose name matches the old header after folding case, spaces and punctuation
     ("Age at infusion (years)" -> age_at_infusion_years).
The same holds for the fields of the report form and for sheet names. Anything else is dropped from
its place but not lost: each value of a dropped column is written into the notes cell of its row as
"old_column: value" (for the appraisal sheet, which has no notes column, into `support`); a dropped
form field goes into the form's notes field; and every dropped value is listed in the report. A
sheet outside the codebook is listed cell by cell. Current columns the old workbook lacks stay blank.

Table rows keep their row numbers, so a cell address in the old workbook is the same row in the new one.
Values are carried as typed (the validator then checks them against the current codebook); cell
formatting and comments are not carried. The input is read, never written; the output must be a new file.
"""
from __future__ import annotations

from ..io.xlsx_writer import write_literal

from dataclasses import dataclass, field
from pathlib import Path

from ..codebook import Codebook, Sheet, load_codebook, normalise_key
from ..io.workbook_reader import FileFault, column_letter, read_workbook
from ..io.xlsx_writer import save_workbook
from ..template import build_template
from ..validate.cells import display, is_blank
from .compare import GENERATED_SHEETS, WorkbookError, check_new_output, detect_kind, form_rows_of

MIGRATED_MARKER = "review-utils migrated workbook"
FORM_HEADER = ("field", "value", "source", "notes")


class RenameError(WorkbookError):
    pass


@dataclass
class Move:
    sheet: str
    old: str
    new: str
    reason: str


@dataclass
class DroppedValue:
    cell: str  # address in the old workbook, e.g. patients!H3
    row_key: str
    value: str
    carried_to: str  # e.g. "patients!AD3 (notes)", or "" when only listed here


@dataclass
class Dropped:
    sheet: str
    name: str  # column, field or sheet
    what: str  # "column", "field" or "sheet"
    reason: str
    values: list[DroppedValue] = field(default_factory=list)


@dataclass
class Migration:
    source: Path
    output: Path | None
    kind: str
    codebook_version: int
    moves: list[Move] = field(default_factory=list)
    dropped: list[Dropped] = field(default_factory=list)
    new: list[tuple[str, str]] = field(default_factory=list)  # (sheet, column) blank in the new workbook
    rows: dict[str, int] = field(default_factory=dict)  # sheet -> rows carried
    formulas: int = 0

    @property
    def unchanged(self) -> bool:
        return not (self.moves or self.dropped or self.new)


def parse_renames(items: list[str], codebook: Codebook, kind: str = "report") -> dict[tuple[str | None, str], str]:
    """`old=new` or `sheet.old=new` -> {(sheet or None, normalised old): new}. The new name must exist."""
    specs = codebook.report_sheets if kind == "report" else codebook.screening_sheets
    names = {s: set(_names(spec)) for s, spec in specs.items()}
    renames: dict[tuple[str | None, str], str] = {}
    for item in items or []:
        old, sep, new = item.partition("=")
        old, new = old.strip(), new.strip()
        if not sep or not old or not new:
            raise RenameError(f"--rename {item!r}: write it as old=new (or sheet.old=new)")
        sheet = None
        head, dot, tail = old.partition(".")
        if dot and head in specs:
            sheet, old = head, tail
        allowed = names[sheet] if sheet else set().union(*names.values())
        if new not in allowed:
            where = f"sheet {sheet}" if sheet else "any sheet of the codebook"
            raise RenameError(f"--rename {item!r}: {new!r} is not a column or field of {where}")
        renames[(sheet, normalise_key(old))] = new
    return renames


def _names(spec: Sheet) -> tuple[str, ...]:
    return tuple(f.name for f in spec.fields) if spec.layout == "form" else spec.column_names


def _map_names(sheet: str, old_names: list[str], current: tuple[str, ...],
               renames: dict[tuple[str | None, str], str]) -> tuple[dict[int, str], list[Move], dict[int, str]]:
    """Old position -> current name, the moves, and old position -> reason for the names dropped."""
    mapping: dict[int, str] = {}
    moves: list[Move] = []
    dropped: dict[int, str] = {}
    taken: set[str] = set()
    for i, name in enumerate(old_names):  # exact names first, so that they win over a renamed twin
        if name in current and name not in taken:
            mapping[i] = name
            taken.add(name)
    folded = {normalise_key(c): c for c in current}
    for i, name in enumerate(old_names):
        if i in mapping or not name:
            continue
        key = normalise_key(name)
        target, reason = None, ""
        if (sheet, key) in renames or (None, key) in renames:
            target = renames.get((sheet, key)) or renames[(None, key)]
            reason = f"--rename {name}={target}"
            if target not in current:
                target = None
        if target is None and key in folded:
            target, reason = folded[key], "the name matches after folding case, spaces and punctuation"
        if target is None:
            dropped[i] = "not in the codebook"
        elif target in taken:
            dropped[i] = f"{target} is already filled from an earlier column or row"
        else:
            mapping[i] = target
            taken.add(target)
            moves.append(Move(sheet, name, target, reason))
    return mapping, moves, dropped


def _carry(value):
    """A value as it will be written: blanks become empty cells, whole floats whole numbers."""
    if is_blank(value):
        return None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _join_notes(existing, extras: list[str]):
    parts = [] if is_blank(existing) else [display(existing)]
    return "; ".join(parts + extras) if extras else existing


def notes_column(spec: Sheet) -> str | None:
    """Where dropped values of a row go: notes, else the first free-text column that is not a key."""
    if "notes" in spec.column_names:
        return "notes"
    for column in spec.columns:
        if column.type == "text" and column.name not in spec.key:
            return column.name
    return None


def migrate(source: str | Path, output: str | Path | None, renames: list[str] | None = None,
            codebook: Codebook | None = None) -> Migration:
    """Carry `source` into a fresh template; write it to `output` (a new file) unless output is None."""
    codebook = codebook or load_codebook()
    source = Path(source)
    if not source.exists():
        raise WorkbookError(f"{source}: no such file")
    if output is not None:
        output = check_new_output(output, [source])
    try:
        raw = read_workbook(source)
    except FileFault as fault:
        raise WorkbookError(f"{source}: {fault.rule} (fix: {fault.fix})") from None
    kind = detect_kind(raw.sheets, codebook)
    rename_map = parse_renames(renames or [], codebook, kind)
    specs = codebook.report_sheets if kind == "report" else codebook.screening_sheets
    result = Migration(source, output, kind, codebook.version)
    wb = build_template(kind, codebook)
    wb["about"]["A1"] = f"{MIGRATED_MARKER}: {source.name}, codebook version {codebook.version}"

    # Sheets: by name, else by folded name.
    old_sheets = [n for n in raw.sheets if n not in GENERATED_SHEETS]
    sheet_map: dict[str, str] = {}
    folded = {normalise_key(n): n for n in specs}
    for name in old_sheets:
        if name in specs:
            sheet_map[name] = name
    for name in old_sheets:
        if name not in sheet_map and normalise_key(name) in folded and folded[normalise_key(name)] not in sheet_map.values():
            sheet_map[name] = folded[normalise_key(name)]
            result.moves.append(Move("", name, sheet_map[name], "sheet name matches after folding case and spaces"))
    for name in old_sheets:
        if name in sheet_map:
            continue
        sheet = raw.sheets[name]
        values = [DroppedValue(f"{name}!{column_letter(c)}{r}", "", display(v), "")
                  for r, row in enumerate(sheet.rows, start=1) for c, v in enumerate(row) if not is_blank(v)]
        if values:
            result.dropped.append(Dropped(name, name, "sheet", "not a sheet of the codebook; its cells are listed here",
                                          values))
    for spec in specs.values():
        if spec.name not in sheet_map.values():
            result.new.append((spec.name, "(whole sheet)"))
    for old_name, new_name in sheet_map.items():
        sheet = raw.sheets[old_name]
        result.formulas += len(sheet.formulas)
        spec = specs[new_name]
        if spec.layout == "form":
            _migrate_form(spec, old_name, sheet.rows, wb[new_name], rename_map, result)
        else:
            _migrate_table(spec, old_name, sheet.rows, wb[new_name], rename_map, result)
    if output is not None:
        save_workbook(wb, output)
    return result


def _migrate_table(spec: Sheet, old_name: str, rows: list[list], ws, renames, result: Migration) -> None:
    header = [display(v).strip() for v in (rows[0] if rows else [])]
    mapping, moves, dropped = _map_names(spec.name, header, spec.column_names, renames)
    result.moves.extend(moves)
    for name in spec.column_names:
        if name not in mapping.values():
            result.new.append((spec.name, name))
    position = {name: i + 1 for i, name in enumerate(spec.column_names)}
    target = notes_column(spec)
    key_positions = [i for k in spec.key for i, n in mapping.items() if n == k]
    records: dict[int, Dropped] = {}
    width = max((len(r) for r in rows), default=0)
    for c in range(width):
        if c in mapping:
            continue
        label = header[c] if c < len(header) and header[c] else f"(column {column_letter(c)} without a header)"
        reason = dropped.get(c, "no header" if not (c < len(header) and header[c]) else "not in the codebook")
        records[c] = Dropped(spec.name, label, "column", reason)
    carried = 0
    for r, values in enumerate(rows[1:], start=2):
        if all(is_blank(v) for v in values):
            continue
        carried += 1
        out = {mapping[c]: _carry(v) for c, v in enumerate(values) if c in mapping}
        key = " / ".join(display(values[i]) for i in key_positions if i < len(values) and not is_blank(values[i]))
        extras = []
        for c, v in enumerate(values):
            if c in mapping or is_blank(v):
                continue
            text = f"{records[c].name}: {display(v)}"
            extras.append(text)
            where = f"{spec.name}!{column_letter(position[target] - 1)}{r} ({target})" if target else ""
            records[c].values.append(DroppedValue(f"{old_name}!{column_letter(c)}{r}", key, display(v), where))
        if extras and target:
            out[target] = _join_notes(out.get(target), extras)
        for name, value in out.items():
            if value is not None:
                write_literal(ws, r, position[name], value)
    result.rows[spec.name] = carried
    result.dropped.extend(d for d in records.values() if d.values)


def _migrate_form(spec: Sheet, old_name: str, rows: list[list], ws, renames, result: Migration) -> None:
    header = [display(v).strip() for v in (rows[0] if rows else [])]
    columns, moves, _ = _map_names(spec.name, header, FORM_HEADER, {})
    result.moves.extend(moves)
    column_of = {name: i for i, name in columns.items()}
    if "field" not in column_of:
        column_of.setdefault("field", 0)
        columns[0] = "field"
    fields_old = [display(r[column_of["field"]]).strip() if column_of["field"] < len(r) else "" for r in rows[1:]]
    mapping, moves, dropped = _map_names(spec.name, fields_old, _names(spec), renames)
    result.moves.extend(Move(spec.name, m.old, m.new, m.reason.replace("the name", "the field name")) for m in moves)
    for name in _names(spec):
        if name not in mapping.values():
            result.new.append((spec.name, f"field {name}"))
    target_rows = form_rows_of(ws)
    notes_lines: list[str] = []
    records: list[Dropped] = []
    carried = 0
    for i, values in enumerate(rows[1:]):
        r = i + 2
        if all(is_blank(v) for v in values):
            continue
        extras_row = []
        extra_records = []
        for c, v in enumerate(values):
            if c in columns or is_blank(v):
                continue
            label = header[c] if c < len(header) and header[c] else f"column {column_letter(c)}"
            extras_row.append(f"{label}: {display(v)}")
            extra_records.append((label, c, v))
        if i in mapping:
            carried += 1
            new_row = target_rows[mapping[i]]
            out = {name: _carry(values[c]) if c < len(values) else None for c, name in columns.items() if name != "field"}
            if extras_row:
                out["notes"] = _join_notes(out.get("notes"), extras_row)
            for name, value in out.items():
                if value is not None:
                    write_literal(ws, new_row, FORM_HEADER.index(name) + 1, value)
            for label, c, v in extra_records:
                records.append(Dropped(spec.name, label, "column", "not a column of the report form",
                                       [DroppedValue(f"{old_name}!{column_letter(c)}{r}", mapping[i], display(v),
                                                     f"{spec.name}!D{new_row} (notes)")]))
            continue
        name = fields_old[i] or f"(row {r} without a field name)"
        texts = []
        for c, v in enumerate(values):
            if c == column_of["field"] or is_blank(v):
                continue
            label = columns.get(c, header[c] if c < len(header) and header[c] else f"column {column_letter(c)}")
            texts.append(display(v) if label == "value" else f"({label}: {display(v)})")
        if not texts:
            continue
        line = f"{name}: " + " ".join(texts)
        notes_lines.append(line)
        notes_row = target_rows.get("notes")
        records.append(Dropped(spec.name, name, "field", dropped.get(i, "not in the codebook"),
                               [DroppedValue(f"{old_name}!A{r}", name, " ".join(texts),
                                             f"{spec.name}!B{notes_row} (notes field)" if notes_row else "")]))
    notes_row = target_rows.get("notes")
    if notes_lines and notes_row:
        cell = ws.cell(row=notes_row, column=2)
        cell.value = _join_notes(cell.value, notes_lines)
    result.rows[spec.name] = carried
    result.dropped.extend(records)


def as_text(result: Migration) -> str:
    target = result.output if result.output is not None else "(not written)"
    lines = [f"Migrating {result.source} -> {target} (codebook version {result.codebook_version}, {result.kind} workbook)"]
    if result.unchanged:
        lines.append("Nothing moved, nothing dropped: the workbook already matches the codebook.")
    if result.moves:
        lines.append("")
        lines.append("Moved:")
        for m in result.moves:
            where = f"{m.sheet}: " if m.sheet else ""
            lines.append(f"  {where}{m.old!r} -> {m.new} ({m.reason})")
    if result.dropped:
        lines.append("")
        lines.append("Dropped (every value is listed; none is lost):")
        for d in result.dropped:
            lines.append(f"  {d.sheet}: {d.what} {d.name!r}: {d.reason}; {len(d.values)} value(s)")
            for v in d.values:
                key = f" [{v.row_key}]" if v.row_key else ""
                to = f" -> written into {v.carried_to}" if v.carried_to else " -> not carried (listed here only)"
                lines.append(f"    {v.cell}{key}: {v.value!r}{to}")
    if result.new:
        lines.append("")
        lines.append("New in the codebook, blank in the migrated workbook (fill them in, or write NR):")
        for sheet, name in result.new:
            lines.append(f"  {sheet}: {name}")
    if result.formulas:
        lines.append("")
        lines.append(f"{result.formulas} formula cell(s) were carried as their last computed values.")
    lines.append("")
    lines.append("Rows carried: " + ", ".join(f"{s} {n}" for s, n in result.rows.items()))
    return "\n".join(lines) + "\n"
