"""Reconcile two independent extractions (A and B) of one report into a consensus draft.

    result = reconcile(load("x.A.xlsx"), load("x.B.xlsx"))
    print(as_text(result))
    write_consensus(result, "x.consensus.xlsx")

Rows are matched by the codebook keys (compare.match_rows), never by row number. Every cell of a
matched row is compared (compare.normalise); a row present in one copy only is listed as such.
Agreement is given per sheet and per field (agreement.py); kappa for categorical fields.

The consensus draft is a fresh template (template.build_template) holding:
  - agreed values (canonical terms, numbers, ISO dates);
  - disagreements: an empty cell with a yellow fill and a comment "A: ...\nB: ...";
  - rows of one copy only: copied in, with an orange fill and a comment naming the extractor who had them.
It is written to a new file only; A and B are read, never written.
"""
from __future__ import annotations

from ..io.xlsx_writer import write_literal

from dataclasses import dataclass, field
from pathlib import Path

from openpyxl.comments import Comment
from openpyxl.styles import PatternFill

from ..codebook import Codebook, load_codebook
from ..io.xlsx_writer import save_workbook
from ..template import build_template
from .agreement import Agreement, agreement, format_kappa, format_percent
from .compare import (CellDifference, KeyedWorkbook, Pair, SheetRows, WorkbookError, cell_differences,
                      cell_value, check_new_output, form_rows_of, match_rows, quote)

DISAGREEMENT_FILL = PatternFill("solid", fgColor="FFFF00")  # yellow: choose a value
ONE_COPY_FILL = PatternFill("solid", fgColor="F8CBAD")  # orange: keep or delete the row
# Form fields that differ between two extractors by design: not counted as disagreements.
ADMIN_FIELDS = ("extractor", "extraction_date")
AUTHOR = "review-utils reconcile"
CONSENSUS_MARKER = "review-utils consensus draft"


@dataclass
class OneCopyRow:
    sheet: str
    key: str
    side: str  # "A" or "B"
    row: int
    extractor: str


@dataclass
class Reconciliation:
    a: KeyedWorkbook
    b: KeyedWorkbook
    report_id: str
    pairs: dict[str, list[Pair]]
    disagreements: list[CellDifference] = field(default_factory=list)
    one_copy: list[OneCopyRow] = field(default_factory=list)
    admin: list[CellDifference] = field(default_factory=list)
    sheets: list[tuple[Agreement, int, int, int]] = field(default_factory=list)  # agreement, matched, only A, only B
    fields: list[Agreement] = field(default_factory=list)


def report_id_of(workbook: KeyedWorkbook) -> str:
    """The report id: the one typed in the form, else the file name without .A/.B/.xlsx."""
    if workbook.report_id:
        return workbook.report_id
    stem = workbook.path.name[: -len(workbook.path.suffix)] if workbook.path.suffix else workbook.path.name
    base, dot, copy = stem.rpartition(".")
    return base if dot and copy in ("A", "B") else stem


def _file_report_id(path: Path) -> str | None:
    stem = path.name[: -len(path.suffix)] if path.suffix else path.name
    base, dot, copy = stem.rpartition(".")
    return base if dot and copy in ("A", "B") else None


def same_report(a: KeyedWorkbook, b: KeyedWorkbook) -> str:
    """The common report id, or WorkbookError when A and B are extractions of different reports."""
    if a.path.resolve() == b.path.resolve():
        raise WorkbookError(f"A and B are the same file ({a.path}); give the two copies, <id>.A.xlsx and <id>.B.xlsx")
    if a.kind != "report" or b.kind != "report":
        raise WorkbookError("reconcile compares two report workbooks (a screening log is not reconciled this way)")
    file_a, file_b = _file_report_id(a.path), _file_report_id(b.path)
    if file_a and file_b and file_a != file_b:
        raise WorkbookError(f"A and B are copies of different reports ({file_a} and {file_b}); "
                            "reconcile the .A and .B copies of one report")
    id_a, id_b = a.report_id, b.report_id
    if id_a and id_b and id_a != id_b:
        raise WorkbookError(f"A and B are extractions of different reports (report_id {id_a} in "
                            f"{a.path.name}, {id_b} in {b.path.name})")
    return id_a or id_b or report_id_of(a)


def _group(sheet: SheetRows, pair: Pair, column: str) -> str:
    if sheet.spec.layout == "form":
        return pair.a.label if column == "value" else column
    return column


def reconcile(a: KeyedWorkbook, b: KeyedWorkbook) -> Reconciliation:
    report_id = same_report(a, b)
    result = Reconciliation(a, b, report_id, {})
    field_pairs: dict[tuple[str, str], list] = {}
    field_categorical: dict[tuple[str, str], bool] = {}
    for name, sheet_a in a.sheets.items():
        sheet_b = b.sheets[name]
        pairs = match_rows(sheet_a.rows, sheet_b.rows, len(sheet_a.spec.key))
        result.pairs[name] = pairs
        sheet_cells = []
        matched = only_a = only_b = 0
        for pair in pairs:
            if pair.a is None or pair.b is None:
                side, row = ("A", pair.a) if pair.b is None else ("B", pair.b)
                only_a += side == "A"
                only_b += side == "B"
                result.one_copy.append(OneCopyRow(name, row.label, side, row.row,
                                                  (a if side == "A" else b).extractor))
                continue
            matched += 1
            admin = sheet_a.spec.layout == "form" and pair.a.label in ADMIN_FIELDS
            for difference in cell_differences(sheet_a, pair):
                (result.admin if admin else result.disagreements).append(difference)
            if admin:
                continue
            for column in sheet_a.columns:
                ca, cb = pair.a.cells[column], pair.b.cells[column]
                group = (name, _group(sheet_a, pair, column))
                field_pairs.setdefault(group, []).append((ca.norm, cb.norm))
                # Kappa for categorical columns of table sheets; a form field is a single value.
                field_categorical[group] = ca.column.type in ("term", "yes_no") and sheet_a.spec.layout != "form"
                sheet_cells.append((ca.norm, cb.norm))
        result.sheets.append((agreement(name, "", sheet_cells, False), matched, only_a, only_b))
    sheet_order = list(a.sheets)
    form_meta = {"source", "notes"}  # the form's source and notes columns, pooled over its fields, come last
    for (sheet, name), pairs in sorted(field_pairs.items(), key=lambda item: (
            sheet_order.index(item[0][0]), a.sheets[item[0][0]].spec.layout == "form" and item[0][1] in form_meta)):
        found = agreement(sheet, name, pairs, field_categorical[(sheet, name)])
        if found.compared:
            result.fields.append(found)
    return result


# --- the text report -------------------------------------------------------------------------------

def as_text(result: Reconciliation) -> str:
    a, b = result.a, result.b
    lines = [f"Reconciling {result.report_id}",
             f"  A: {a.path} (extractor {a.extractor or '?'})",
             f"  B: {b.path} (extractor {b.extractor or '?'})"]
    for side, workbook in (("A", a), ("B", b)):
        if workbook.errors:
            lines.append(f"  note: {side} has {workbook.errors} validation error(s); run `review-utils check` on it too")
    lines.append("")
    lines.append(f"Disagreements: {len(result.disagreements)}")
    for d in result.disagreements:
        lines.append(f"  {d.sheet} [{d.key}] {d.field}: A {quote(d.a)} ({d.sheet}!{d.cell_a}) | "
                     f"B {quote(d.b)} ({d.sheet}!{d.cell_b})")
    lines.append("")
    lines.append(f"Rows in one copy only: {len(result.one_copy)}")
    for o in result.one_copy:
        who = f" ({o.extractor})" if o.extractor else ""
        lines.append(f"  {o.sheet} [{o.key}]: only in {o.side}{who}, {o.sheet} row {o.row}")
    if result.admin:
        lines.append("")
        lines.append("Not compared (differ by design): " + "; ".join(
            f"{d.key} A {quote(d.a)} / B {quote(d.b)}" for d in result.admin))
    lines.append("")
    lines.append("Agreement per sheet (cells of rows in both copies where A or B wrote something)")
    lines.append(f"  {'sheet':<14}{'rows both':>10}{'only A':>8}{'only B':>8}{'cells':>8}{'agree':>8}{'percent':>9}")
    for found, matched, only_a, only_b in result.sheets:
        lines.append(f"  {found.sheet:<14}{matched:>10}{only_a:>8}{only_b:>8}{found.compared:>8}{found.agreed:>8}"
                     f"{format_percent(found.percent):>9}")
    lines.append("")
    lines.append("Agreement per field (kappa: Cohen's kappa for categorical fields)")
    lines.append(f"  {'sheet':<14}{'field':<46}{'cells':>6}{'agree':>6}{'percent':>9}{'kappa':>8}")
    for f in result.fields:
        lines.append(f"  {f.sheet:<14}{f.field:<46}{f.compared:>6}{f.agreed:>6}{format_percent(f.percent):>9}"
                     f"{format_kappa(f.kappa) if f.categorical else '':>8}")
    return "\n".join(lines) + "\n"


# --- the consensus draft ---------------------------------------------------------------------------

def _comment(cell, text: str) -> None:
    cell.comment = Comment(text, AUTHOR, height=90, width=300)


def _disagreement(ws, row: int, column: int, a: str, b: str, extra: str = "") -> None:
    cell = ws.cell(row=row, column=column)
    cell.value = None
    cell.fill = DISAGREEMENT_FILL
    _comment(cell, f"A: {a or '(blank)'}\nB: {b or '(blank)'}" + (f"\n{extra}" if extra else ""))


def _one_copy(ws, row: int, columns: int, side: str, extractor: str, source_row: int, sheet: str) -> None:
    for column in range(1, columns + 1):
        ws.cell(row=row, column=column).fill = ONE_COPY_FILL
    who = f" ({extractor})" if extractor else ""
    _comment(ws.cell(row=row, column=1),
             f"Only in extraction {side}{who}, {sheet} row {source_row}.\nKeep the row, or delete it.")


def build_consensus(result: Reconciliation, codebook: Codebook | None = None):
    """The consensus draft as an openpyxl workbook, plus (cells to resolve, rows to review)."""
    codebook = codebook or load_codebook()
    wb = build_template("report", codebook)
    wb["about"]["A1"] = f"{CONSENSUS_MARKER}: {result.report_id}"
    wb["about"]["A2"] = (f"From {result.a.path.name} (A, {result.a.extractor or '?'}) and {result.b.path.name} "
                         f"(B, {result.b.extractor or '?'}). Yellow: the copies disagree; the comment holds both "
                         "values: type the right one and clear the fill. Orange: a row in one copy only: keep or delete it.")
    to_resolve = rows_to_review = 0
    for name, pairs in result.pairs.items():
        sheet = result.a.sheets[name]
        ws = wb[name]
        if sheet.spec.layout == "form":
            rows = form_rows_of(ws)
            for pair in pairs:
                present = pair.a or pair.b
                r = rows.get(present.label)
                if r is None:
                    continue
                if pair.a is None or pair.b is None:
                    side = "A" if pair.b is None else "B"
                    for c, column in enumerate(sheet.columns, start=2):
                        write_literal(ws, r, c, cell_value(present.cells[column]))
                    _one_copy(ws, r, 4, side, (result.a if side == "A" else result.b).extractor, present.row, name)
                    rows_to_review += 1
                    continue
                for c, column in enumerate(sheet.columns, start=2):
                    ca, cb = pair.a.cells[column], pair.b.cells[column]
                    if ca.norm == cb.norm:
                        write_literal(ws, r, c, cell_value(ca))
                    elif present.label == "extractor" and column == "value":
                        write_literal(ws, r, c, f"{ca.text()} and {cb.text()}")
                    else:
                        extra = "Write the date of the consensus." if present.label == "extraction_date" else ""
                        _disagreement(ws, r, c, ca.text(), cb.text(), extra)
                        to_resolve += 1
            continue
        r = 2
        width = len(sheet.columns)
        for pair in pairs:
            present = pair.a or pair.b
            for c, column in enumerate(sheet.columns, start=1):
                if pair.a is not None and pair.b is not None:
                    ca, cb = pair.a.cells[column], pair.b.cells[column]
                    if ca.norm != cb.norm:
                        _disagreement(ws, r, c, ca.text(), cb.text())
                        to_resolve += 1
                        continue
                write_literal(ws, r, c, cell_value(present.cells[column]))
            if pair.a is None or pair.b is None:
                side = "A" if pair.b is None else "B"
                _one_copy(ws, r, width, side, (result.a if side == "A" else result.b).extractor, present.row, name)
                rows_to_review += 1
            r += 1
    return wb, to_resolve, rows_to_review


def write_consensus(result: Reconciliation, output: str | Path, codebook: Codebook | None = None) -> tuple[int, int]:
    """Write the draft to a new file (never over an existing one or over A or B)."""
    output = check_new_output(output, [result.a.path, result.b.path])
    wb, to_resolve, rows = build_consensus(result, codebook)
    save_workbook(wb, output)
    return to_resolve, rows


def disagreements_csv(result: Reconciliation) -> str:
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["sheet", "key", "field", "value_a", "value_b", "cell_a", "cell_b"])
    for d in result.disagreements:
        writer.writerow([d.sheet, d.key, d.field, d.a, d.b, d.cell_a, d.cell_b])
    for o in result.one_copy:
        writer.writerow([o.sheet, o.key, "(row)", "present" if o.side == "A" else "", "present" if o.side == "B" else "",
                         f"row {o.row}" if o.side == "A" else "", f"row {o.row}" if o.side == "B" else ""])
    return out.getvalue()


__all__ = ["reconcile", "as_text", "write_consensus", "build_consensus", "Reconciliation", "same_report",
           "disagreements_csv"]
