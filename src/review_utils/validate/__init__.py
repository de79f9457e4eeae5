"""Validation of the extraction folder: every problem at once, each with workbook, sheet, cell, value, rule, fix.

    result = check_folder("extraction")
    result.problems      # list[Problem]
    result.reports       # parsed report workbooks (form, tables) for the loader

Nothing here writes a file.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..codebook import GENERATED_SHEETS, Codebook, load_codebook
from ..io.workbook_reader import FileFault, read_workbook
from ..problems import ERROR, WARNING, Problem
from .folder_rules import check_folder_rules
from .report_rules import check_report_rules
from .sheets import SheetChecker

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods", ".csv")


@dataclass
class ParsedWorkbook:
    path: Path
    name: str  # relative to the extraction folder
    report_id: str  # expected from the file name
    extraction_copy: str  # "" for the analysed workbook; "A", "B" (dual extraction) or "consensus" (draft)
    form: dict = field(default_factory=dict)
    tables: dict[str, list[dict]] = field(default_factory=dict)
    readable: bool = True


@dataclass
class CheckResult:
    problems: list[Problem]
    reports: list[ParsedWorkbook]
    screening: ParsedWorkbook | None
    workbooks_checked: int

    @property
    def errors(self) -> int:
        return sum(1 for p in self.problems if p.severity == ERROR)

    @property
    def ok(self) -> bool:
        return self.errors == 0


def _split_name(path: Path) -> tuple[str, str]:
    """krickau2024lancet.xlsx -> (krickau2024lancet, ""); krickau2024lancet.A.xlsx -> (krickau2024lancet, "A").

    `.A` and `.B` are the two independent extractions, `.consensus` the reconciled draft: all are checked,
    none is pooled until the draft is saved as <report_id>.xlsx.
    """
    stem = path.name[: -len(path.suffix)] if path.suffix else path.name
    base, dot, copy = stem.rpartition(".")
    if dot and copy in ("A", "B", "consensus"):
        return base, copy
    return stem, ""


def parse_workbook(path: Path, name: str, codebook: Codebook, kind: str = "report") -> tuple[ParsedWorkbook, list[Problem]]:
    """Read and check one workbook on its own (no cross-report rules)."""
    report_id, copy = _split_name(path)
    parsed = ParsedWorkbook(path=path, name=name, report_id=report_id, extraction_copy=copy)
    checker = SheetChecker(codebook, name)
    specs = codebook.report_sheets if kind == "report" else codebook.screening_sheets
    if path.suffix.lower() == ".xlsm":
        checker.add("", "", ERROR, "macro-enabled workbooks (.xlsm) are not accepted", "",
                    "save as a plain Excel Workbook (.xlsx) without macros, starting from extraction/template.xlsx")
        parsed.readable = False
        return parsed, checker.problems
    try:
        raw = read_workbook(path)
    except FileFault as fault:
        checker.add("", "", ERROR, fault.rule, fault.value, fault.fix)
        parsed.readable = False
        return parsed, checker.problems
    if raw.has_macros:
        checker.add("", "", ERROR, "the workbook contains macros (vbaProject.bin)", "",
                    "save as a plain Excel Workbook (.xlsx) without macros")
    for sheet_name, sheet in raw.sheets.items():
        if sheet_name in GENERATED_SHEETS:
            continue
        if sheet_name not in specs:
            has_data = any(any(v not in ("", None) for v in row) for row in sheet.rows)
            checker.add(sheet_name, "", ERROR if has_data else WARNING,
                        f"unknown sheet {sheet_name!r} (not in the codebook)" + ("; its data would be ignored" if has_data else ""),
                        "", f"move its data into the codebook's sheets ({', '.join(specs)}), then delete it")
    for spec in specs.values():
        sheet = raw.sheets.get(spec.name)
        if sheet is None:
            checker.add(spec.name, "", ERROR, f"sheet {spec.name!r} is missing", "",
                        f"copy the sheet {spec.name} from extraction/template.xlsx (keep its name)")
            continue
        checker.structure(sheet)
        if spec.layout == "form":
            parsed.form = checker.form(spec, sheet)
        else:
            parsed.tables[spec.name] = checker.table(spec, sheet)
    if kind == "report" and parsed.form:
        check_report_rules(checker, codebook, parsed.form, parsed.tables, report_id)
    return parsed, checker.problems


def discover(folder: Path) -> tuple[list[Path], Path | None, list[Problem]]:
    """The report workbooks, the screening log, and notes about files skipped."""
    notes: list[Problem] = []
    reports_dir = folder / "reports"
    candidates = sorted(p for p in reports_dir.iterdir() if p.is_file()) if reports_dir.is_dir() else []
    reports = []
    for path in candidates:
        rel = path.relative_to(folder).as_posix()
        if path.name.startswith("~$"):
            notes.append(Problem(rel, "", "", WARNING, "Excel lock file skipped (the workbook is open in Excel)", "",
                                 "nothing to do; close Excel before committing so the lock file disappears"))
        elif path.name.startswith("."):
            continue
        elif path.suffix.lower() in WORKBOOK_SUFFIXES:
            reports.append(path)
    if not reports_dir.is_dir():
        notes.append(Problem(folder.name + "/reports", "", "", ERROR, "the folder of report workbooks is missing", "",
                             f"create {reports_dir} and put one workbook per report in it"))
    screening = folder / "screening.xlsx"
    if not screening.exists():
        notes.append(Problem("screening.xlsx", "", "", WARNING, "no screening log (PRISMA cannot be derived)", "",
                             "create it with `make template` output extraction/screening_template.xlsx, saved as screening.xlsx"))
    return reports, screening if screening.exists() else None, notes


def check_folder(folder: str | Path, codebook: Codebook | None = None) -> CheckResult:
    """Check every workbook of an extraction folder; return all problems and the parsed content."""
    codebook = codebook or load_codebook()
    folder = Path(folder)
    problems: list[Problem] = []
    if not folder.is_dir():
        problems.append(Problem(str(folder), "", "", ERROR, "the extraction folder does not exist", "",
                                "give the path of the folder that holds reports/ and screening.xlsx"))
        return CheckResult(problems, [], None, 0)
    paths, screening_path, notes = discover(folder)
    problems.extend(notes)
    reports = []
    for path in paths:
        parsed, found = parse_workbook(path, path.relative_to(folder).as_posix(), codebook)
        reports.append(parsed)
        problems.extend(found)
    screening = None
    if screening_path is not None:
        screening, found = parse_workbook(screening_path, "screening.xlsx", codebook, kind="screening")
        problems.extend(found)
    problems.extend(check_folder_rules(codebook, reports, screening))
    checked = len(reports) + (1 if screening_path else 0)
    return CheckResult(problems=problems, reports=reports, screening=screening, workbooks_checked=checked)
