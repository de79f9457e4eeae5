"""A whole sheet against the codebook: header, every cell, required values, unique keys.

Returns the parsed records (dicts of typed values, each with its sheet row `_row`) and the problems.
"""
from __future__ import annotations

from ..codebook import Codebook, Sheet
from ..io.workbook_reader import RawSheet, column_letter
from ..problems import ERROR, WARNING, Problem
from .cells import display, is_blank, parse_cell


class SheetChecker:
    def __init__(self, codebook: Codebook, workbook: str):
        self.codebook = codebook
        self.workbook = workbook
        self.problems: list[Problem] = []

    def add(self, sheet: str, cell: str, severity: str, rule: str, value, fix: str) -> None:
        self.problems.append(Problem(self.workbook, sheet, cell, severity, rule, display(value), fix))

    def structure(self, raw: RawSheet) -> None:
        """File-level faults inside a sheet: merged cells and formulas."""
        for merged in raw.merged:
            self.add(raw.name, merged, ERROR, f"merged cells {merged}: only the first cell keeps a value",
                     "", "unmerge the cells (Home > Merge & Center > Unmerge) and type the value in each cell")
        for cell, cached in sorted(raw.formulas.items()):
            if cached:
                self.add(raw.name, cell, WARNING, "formula in an extraction cell (its last computed value was used)",
                         "", "replace the formula by the value it should hold (copy, then Paste Special > Values)")
            else:
                self.add(raw.name, cell, ERROR, "formula with no computed value (the file was not saved by Excel)",
                         "", "type the value itself instead of a formula")

    def table(self, spec: Sheet, raw: RawSheet) -> list[dict]:
        rows = raw.rows
        if not rows or all(is_blank(v) for v in rows[0]):
            self.add(spec.name, "A1", ERROR, "the header row is missing", "",
                     f"copy the header row of sheet {spec.name} from extraction/template.xlsx")
            return []
        header = [display(v).strip() for v in rows[0]]
        positions: dict[str, int] = {}
        for index, name in enumerate(header):
            if not name:
                if any(not is_blank(r[index]) for r in rows[1:] if index < len(r)):
                    self.add(spec.name, f"{column_letter(index)}1", ERROR, "values in a column without a header", "",
                             "move the values into the right column, or into notes")
                continue
            if name in positions:
                self.add(spec.name, f"{column_letter(index)}1", ERROR, f"column {name!r} appears twice", name,
                         "delete or rename the second copy")
                continue
            if name not in spec.column_names:
                self.add(spec.name, f"{column_letter(index)}1", ERROR, f"unknown column {name!r} (not in the codebook)", name,
                         "move its content to notes, or ask the maintainers to add the column to the codebook; "
                         f"columns of {spec.name}: {', '.join(spec.column_names)}")
                continue
            positions[name] = index
        for column in spec.columns:
            if column.name not in positions:
                self.add(spec.name, "1:1", ERROR, f"column {column.name!r} is missing", "",
                         f"restore the header of sheet {spec.name} from extraction/template.xlsx")
        records = []
        for r, row in enumerate(rows[1:], start=2):
            if all(is_blank(v) for v in row):
                continue
            record = {"_row": r}
            for column in spec.columns:
                index = positions.get(column.name)
                if index is None:
                    record[column.name] = None
                    continue
                raw_value = row[index] if index < len(row) else None
                value, findings = parse_cell(self.codebook, column, raw_value)
                record[column.name] = value
                for severity, rule, fix in findings:
                    self.add(spec.name, f"{column_letter(index)}{r}", severity, rule, raw_value, fix)
            records.append(record)
        self._keys(spec, records, positions)
        self._blank_nr_columns(spec, records, positions)
        return records

    def _keys(self, spec: Sheet, records: list[dict], positions: dict[str, int]) -> None:
        if not spec.key:
            return
        seen: dict[tuple, int] = {}
        for record in records:
            key = tuple(record.get(k) for k in spec.key)
            if any(k is None for k in key[:1]):
                continue
            if key in seen:
                index = positions.get(spec.key[0], 0)
                self.add(spec.name, f"{column_letter(index)}{record['_row']}", ERROR,
                         f"duplicate {' + '.join(spec.key)}: the same as row {seen[key]}", " / ".join(map(display, key)),
                         "each row must be unique: merge the two rows, or correct the label / day / event")
            else:
                seen[key] = record["_row"]

    def _blank_nr_columns(self, spec: Sheet, records: list[dict], positions: dict[str, int]) -> None:
        """Blank = not yet extracted: one warning per column (not per cell) where NR would be allowed."""
        for column in spec.columns:
            if column.required or not column.nr or column.name not in positions:
                continue
            blank_rows = [rec["_row"] for rec in records if rec.get(column.name) is None]
            if blank_rows:
                letter = column_letter(positions[column.name])
                cells = f"{letter}{blank_rows[0]}" + (f":{letter}{blank_rows[-1]}" if len(blank_rows) > 1 else "")
                self.add(spec.name, cells, WARNING,
                         f"{column.name} is blank in {len(blank_rows)} row(s) (blank = not yet extracted)", "",
                         "fill it in, or write NR when the report does not give it")

    def form(self, spec: Sheet, raw: RawSheet) -> dict:
        """The vertical report form: field names in column A, values in B, sources in C."""
        rows = raw.rows
        header = [display(v).strip().lower() for v in (rows[0] if rows else [])]
        if header[:3] != ["field", "value", "source"]:
            self.add(spec.name, "A1", ERROR, "the report form must start with the headers field | value | source | notes",
                     " | ".join(header[:4]), "restore the report sheet from extraction/template.xlsx")
            return {}
        fields = {f.name: f for f in spec.fields}
        record: dict = {"_rows": {}}
        seen: set[str] = set()
        for r, row in enumerate(rows[1:], start=2):
            name = display(row[0]).strip() if row else ""
            if not name:
                if any(not is_blank(v) for v in row[1:3]):
                    self.add(spec.name, f"A{r}", ERROR, "a value without a field name", "",
                             "put the value next to its field, or into notes")
                continue
            if name not in fields:
                self.add(spec.name, f"A{r}", ERROR, f"unknown field {name!r}", name,
                         f"use the fields of the template: {', '.join(fields)}")
                continue
            if name in seen:
                self.add(spec.name, f"A{r}", ERROR, f"field {name!r} appears twice", name, "delete the second row")
                continue
            seen.add(name)
            raw_value = row[1] if len(row) > 1 else None
            value, findings = parse_cell(self.codebook, fields[name], raw_value)
            record[name] = value
            record["_rows"][name] = r
            for severity, rule, fix in findings:
                self.add(spec.name, f"B{r}", severity, rule, raw_value, fix)
            source = row[2] if len(row) > 2 else None
            if not is_blank(raw_value) and is_blank(source) and name not in ("report_id", "extractor", "extraction_date", "notes"):
                self.add(spec.name, f"C{r}", WARNING, f"no source for {name}", "",
                         "write where the value was read: page, table, figure, abstract or URL")
        for name, field in fields.items():
            if name not in seen:
                self.add(spec.name, "A:A", ERROR, f"field {name!r} is missing from the form", "",
                         "restore the report sheet from extraction/template.xlsx")
                record[name] = None
        return record
