"""Blank extraction workbooks generated from the codebook.

The only code in the suite that writes a workbook. It writes a new file (or regenerates its own
template); it refuses to overwrite anything else, so a co-investigator's workbook is never touched.
"""
from __future__ import annotations

import os
from pathlib import Path

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation

from .codebook import GENERATED_SHEETS, NOT_APPLICABLE, NOT_REPORTED, Codebook, Column, Sheet, load_codebook
from .io.xlsx_writer import save_workbook

TEMPLATE_ROWS = 500  # rows prepared with dropdowns and input messages on each table sheet
TEMPLATE_MARKER = "review-utils template"

HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="1F4E79")
FIELD_FILL = PatternFill("solid", fgColor="DDEBF7")
WRAP = Alignment(wrap_text=True, vertical="top")


class TemplateRefused(Exception):
    """Raised when asked to write over a workbook that is not a generated template."""


def allowed_values(codebook: Codebook, column: Column) -> str:
    """A one-line description of what a column accepts: the basis of messages, docs and the codebook sheet."""
    codes = column.codes()
    if column.controlled:
        terms = codebook.vocabulary_terms(column)
        text = "; ".join(terms)
        if column.type == "terms":
            text = f"one or more of: {text} (separate with '; ')"
    elif column.type in ("integer", "number"):
        kind = "whole number" if column.type == "integer" else "number"
        if column.minimum is not None and column.maximum is not None:
            text = f"{kind} {column.minimum:g} to {column.maximum:g}"
        elif column.minimum is not None:
            text = f"{kind} >= {column.minimum:g}"
        else:
            text = kind
    else:
        text = {
            "date": "date YYYY-MM-DD",
            "doi": "DOI starting 10. (no https://doi.org/)",
            "pmid": "PubMed id, digits only",
            "report_id": "lower-case letters and digits, e.g. krickau2024lancet",
            "report_ref": "report ids separated by '; '",
            "patient_ref": "report_id/patient label, e.g. becilli2026natmed/P3",
            "url_or_location": "page, table, figure, abstract, or URL",
            "yes_no": "yes; no",
        }.get(column.type, "text")
    if codes:
        text += " | " + " or ".join(codes)
    return text


def _prompt(codebook: Codebook, column: Column) -> tuple[str, str]:
    title = column.name[:32]
    definition = column.definition or next(
        (codebook.vocabularies[v].definition for v in column.vocabularies if codebook.vocabularies[v].definition), "")
    parts = [definition] if definition else []
    if column.unit:
        parts.append(f"Unit: {column.unit}.")
    allowed = allowed_values(codebook, column)
    if column.type in ("term", "yes_no") and len(allowed) > 120:
        allowed = "a term from the dropdown" + (f", or {' / '.join(column.codes())}" if column.codes() else "")
    parts.append(f"Allowed: {allowed}.")
    if column.required:
        parts.append("Required.")
    text = " ".join(parts)
    if len(text) > 250:  # Excel limits input messages to 255 characters
        text = text[:247] + "..."
    return title, text


class _Lists:
    """The hidden `lists` sheet: one column per distinct dropdown."""

    def __init__(self, workbook: Workbook):
        self.sheet = workbook.create_sheet("lists")
        self.sheet.sheet_state = "hidden"
        self.columns: dict[tuple[str, ...], str] = {}

    def reference(self, values: tuple[str, ...]) -> str:
        if values not in self.columns:
            index = len(self.columns) + 1
            letter = get_column_letter(index)
            for row, value in enumerate(values, start=1):
                self.sheet.cell(row=row, column=index, value=value)
            self.columns[values] = f"{quote_sheetname('lists')}!${letter}$1:${letter}${len(values)}"
        return "=" + self.columns[values]


def _validation(codebook: Codebook, column: Column, lists: _Lists, cell: str) -> DataValidation | None:
    """An Excel data validation for one column. Python validates everything again; this only helps typing."""
    title, prompt = _prompt(codebook, column)
    codes = column.codes()
    common = dict(allow_blank=True, showInputMessage=True, showErrorMessage=True,
                  promptTitle=title, prompt=prompt, errorTitle="Not allowed", error=prompt)
    if column.type == "term" or column.type == "yes_no":
        values = codebook.vocabulary_terms(column) + codes
        return DataValidation(type="list", formula1=lists.reference(values), **common)
    if column.type in ("integer", "number"):
        checks = []
        if column.type == "integer":
            checks.append(f"{cell}=INT({cell})")
        if column.minimum is not None:
            checks.append(f"{cell}>={column.minimum:g}")
        if column.maximum is not None:
            checks.append(f"{cell}<={column.maximum:g}")
        numeric = f"AND(ISNUMBER({cell}){''.join(',' + c for c in checks)})"
        alternatives = [f'{cell}="{code}"' for code in codes]
        formula = f"OR({numeric},{','.join(alternatives)})" if alternatives else numeric
        return DataValidation(type="custom", formula1=formula, **common)
    # Text-like columns: the input message only, no restriction.
    common["showErrorMessage"] = False
    return DataValidation(type=None, **common)


def _header(cell, text: str, comment: str) -> None:
    cell.value = text
    cell.font = HEADER_FONT
    cell.fill = HEADER_FILL
    cell.alignment = WRAP
    if comment:
        cell.comment = Comment(comment, TEMPLATE_MARKER, height=160, width=320)


def _width(column: Column) -> float:
    return float(min(max(len(column.name) + 4, 14), 42))


def _table_sheet(workbook: Workbook, codebook: Codebook, sheet: Sheet, lists: _Lists) -> None:
    ws = workbook.create_sheet(sheet.name)
    for index, column in enumerate(sheet.columns, start=1):
        letter = get_column_letter(index)
        _header(ws.cell(row=1, column=index), column.name, _prompt(codebook, column)[1])
        ws.column_dimensions[letter].width = _width(column)
        dv = _validation(codebook, column, lists, f"{letter}2")
        dv.add(f"{letter}2:{letter}{TEMPLATE_ROWS + 1}")
        ws.add_data_validation(dv)
    ws.freeze_panes = "A2"


def _form_sheet(workbook: Workbook, codebook: Codebook, sheet: Sheet, lists: _Lists) -> None:
    ws = workbook.create_sheet(sheet.name)
    for index, column in enumerate(sheet.columns, start=1):
        _header(ws.cell(row=1, column=index), column.name, column.definition)
    for row, field in enumerate(sheet.fields, start=2):
        name_cell = ws.cell(row=row, column=1, value=field.name)
        name_cell.fill = FIELD_FILL
        name_cell.font = Font(bold=field.required)
        dv = _validation(codebook, field, lists, f"B{row}")
        dv.add(f"B{row}")
        ws.add_data_validation(dv)
    for letter, width in zip("ABCD", (34, 50, 50, 40)):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = "B2"


def codebook_rows(codebook: Codebook, sheets: dict[str, Sheet]) -> list[tuple[str, ...]]:
    """One row per sheet column (or form field): the content of the codebook sheet and page."""
    rows = []
    for sheet in sheets.values():
        entries = sheet.fields if sheet.layout == "form" else sheet.columns
        for col in entries:
            source = col.source or next(
                (codebook.vocabularies[v].source for v in col.vocabularies if codebook.vocabularies[v].source), "")
            rows.append((sheet.name, col.name, col.type, col.unit, allowed_values(codebook, col),
                         "required" if col.required else "optional", col.definition, source))
    return rows


CODEBOOK_HEADER = ("sheet", "column", "type", "unit", "allowed values", "required", "definition", "source")


def _codebook_sheet(workbook: Workbook, codebook: Codebook, sheets: dict[str, Sheet]) -> None:
    ws = workbook.create_sheet("codebook")
    for index, name in enumerate(CODEBOOK_HEADER, start=1):
        _header(ws.cell(row=1, column=index), name, "")
    for r, row in enumerate(codebook_rows(codebook, sheets), start=2):
        for c, value in enumerate(row, start=1):
            ws.cell(row=r, column=c, value=value).alignment = WRAP
    for letter, width in zip("ABCDEFGH", (14, 34, 12, 10, 60, 10, 70, 50)):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = "C2"


ABOUT = (
    "How to fill this workbook",
    "",
    "One workbook per report. Save it as extraction/reports/<report_id>.xlsx, e.g. krickau2024lancet.xlsx.",
    "Fill the report sheet first (one field per row, the value in column B).",
    "Every value needs its source: page, table, figure, abstract, or the URL of a public copy.",
    f"{NOT_REPORTED} = not reported in the source. {NOT_APPLICABLE} = not applicable. Blank = not yet extracted.",
    "Never guess a value: if the report does not say it, write NR.",
    "Use the dropdowns for controlled terms; several terms in one cell are separated by '; '.",
    "Hover over a column header (or select a cell) to read the definition, the unit and what is allowed.",
    "Do not merge cells, add formulas, rename sheets or rename column headers.",
    "When done, run `make check`: it lists every problem with its cell and how to fix it.",
    "The codebook sheet lists every column; it is generated from the project's codebook, like this template.",
)


def _about_sheet(workbook: Workbook, kind: str) -> None:
    ws = workbook.active
    ws.title = "about"
    ws["A1"] = f"{TEMPLATE_MARKER}: {kind} workbook"
    ws["A1"].font = Font(bold=True, size=14)
    for row, line in enumerate(ABOUT, start=3):
        ws.cell(row=row, column=1, value=line)
    ws.column_dimensions["A"].width = 110


def build_template(kind: str = "report", codebook: Codebook | None = None) -> Workbook:
    """Build a blank report or screening workbook in memory."""
    codebook = codebook or load_codebook()
    sheets = codebook.report_sheets if kind == "report" else codebook.screening_sheets
    workbook = Workbook()
    _about_sheet(workbook, kind)
    lists = _Lists(workbook)
    for sheet in sheets.values():
        (_form_sheet if sheet.layout == "form" else _table_sheet)(workbook, codebook, sheet, lists)
    _codebook_sheet(workbook, codebook, sheets)
    # Put `lists` last so that the working sheets come first.
    workbook.move_sheet("lists", offset=len(workbook.sheetnames) - 1 - workbook.sheetnames.index("lists"))
    workbook.active = workbook.sheetnames.index(next(iter(sheets)))
    return workbook


def is_blank_template(path: Path) -> bool:
    """True when `path` is a template this module wrote and nobody has typed data into it.

    Only such a file may be regenerated in place; any workbook holding data is never overwritten.
    """
    try:
        from python_calamine import CalamineWorkbook

        wb = CalamineWorkbook.from_path(str(path))
        if "about" not in wb.sheet_names:
            return False
        rows = wb.get_sheet_by_name("about").to_python()
        if not rows or not str(rows[0][0]).startswith(TEMPLATE_MARKER):
            return False
        for name in wb.sheet_names:
            if name in GENERATED_SHEETS:
                continue
            data = wb.get_sheet_by_name(name).to_python()
            if name == "report":
                if any(len(r) > 1 and any(v not in ("", None) for v in r[1:]) for r in data[1:]):
                    return False
            elif any(any(v not in ("", None) for v in r) for r in data[1:]):
                return False
        return True
    except Exception:
        return False


def write_template(target: str | os.PathLike, kind: str = "report") -> Path:
    """Write a blank template to `target`: a new path, or a blank template regenerated in place."""
    target = Path(target)
    if target.exists() and not is_blank_template(target):
        raise TemplateRefused(
            f"{target} exists and is not a blank generated template; choose a new path "
            "(the template generator never overwrites a workbook that holds data).")
    save_workbook(build_template(kind), target)
    return target
