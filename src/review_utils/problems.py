"""Problems found in the extraction: what, where, why, and how to fix it."""
from __future__ import annotations

import csv
import io
import json
from dataclasses import asdict, dataclass

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True, order=True)
class Problem:
    workbook: str  # file name relative to the extraction folder, e.g. reports/krickau2024lancet.xlsx
    sheet: str  # sheet name, or "" for a problem with the whole file
    cell: str  # e.g. "D7", a range "A3:C3", or "" when it concerns the sheet or file
    severity: str  # "error" stops the pipeline; "warning" does not
    rule: str  # the rule that was broken, in words
    value: str  # the offending value as typed, or ""
    fix: str  # what to do about it

    def location(self) -> str:
        where = self.workbook
        if self.sheet:
            where += f" › {self.sheet}"
        if self.cell:
            where += f"!{self.cell}"
        return where


FIELDS = ("workbook", "sheet", "cell", "severity", "value", "rule", "fix")


def sort_key(problem: Problem) -> tuple:
    """Group by workbook, then sheet, then cell in reading order (row, then column)."""
    cell = problem.cell.split(":")[0]
    letters = "".join(ch for ch in cell if ch.isalpha())
    digits = "".join(ch for ch in cell if ch.isdigit())
    column = 0
    for ch in letters:
        column = column * 26 + (ord(ch.upper()) - 64)
    return (problem.workbook, problem.sheet, int(digits) if digits else 0, column, problem.rule)


def count(problems: list[Problem], severity: str) -> int:
    return sum(1 for p in problems if p.severity == severity)


def _display(value: str, limit: int = 80) -> str:
    value = value.replace("\n", "\\n")
    return value if len(value) <= limit else value[: limit - 1] + "…"


def as_text(problems: list[Problem], checked: int) -> str:
    """A report for people: grouped by workbook, one block per problem."""
    problems = sorted(problems, key=sort_key)
    lines: list[str] = []
    current = None
    for p in problems:
        if p.workbook != current:
            current = p.workbook
            n_err = sum(1 for q in problems if q.workbook == current and q.severity == ERROR)
            n_warn = sum(1 for q in problems if q.workbook == current and q.severity == WARNING)
            lines.append("")
            lines.append(f"{current}: {n_err} error(s), {n_warn} warning(s)")
        where = p.sheet + (f"!{p.cell}" if p.cell else "") if p.sheet else "(file)"
        label = "ERROR  " if p.severity == ERROR else "warning"
        value = f" value {_display(p.value)!r}" if p.value else ""
        lines.append(f"  {label} {where}:{value}")
        lines.append(f"          rule: {p.rule}")
        lines.append(f"          fix:  {p.fix}")
    errors, warnings = count(problems, ERROR), count(problems, WARNING)
    lines.append("")
    verdict = "FAILED" if errors else "OK"
    lines.append(f"{verdict}: {checked} workbook(s) checked, {errors} error(s), {warnings} warning(s).")
    return "\n".join(lines).lstrip("\n") + "\n"


def as_json(problems: list[Problem], checked: int) -> str:
    problems = sorted(problems, key=sort_key)
    payload = {
        "workbooks_checked": checked,
        "errors": count(problems, ERROR),
        "warnings": count(problems, WARNING),
        "problems": [asdict(p) for p in problems],
    }
    return json.dumps(payload, indent=2, ensure_ascii=False) + "\n"


def as_csv(problems: list[Problem]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=FIELDS, lineterminator="\n")
    writer.writeheader()
    for p in sorted(problems, key=sort_key):
        writer.writerow({k: getattr(p, k) for k in FIELDS})
    return out.getvalue()
