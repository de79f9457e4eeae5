"""The semantic change between two versions of a workbook, and the workbook as stable text for git.

`diff_workbooks(old, new)` matches rows by the codebook keys (compare.match_rows), so a row inserted
in the middle of a sheet is one added row, and the rows below it are unchanged even though their row
numbers moved. Cells are compared on their normalised values (compare.normalise): retyping "SLE" as
"systemic lupus erythematosus" is no change of meaning and is not listed.

`textconv_lines(path)` prints every filled cell as one line, `sheet[key] column = value` (the value as
typed), in sheet order. Lines carry the row's key, not its row number, so an inserted row shows in
`git diff` as the lines of that row only.
"""
from __future__ import annotations

import os
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from ..codebook import Codebook, load_codebook
from ..io.workbook_reader import FileFault, column_letter, read_workbook
from ..validate.cells import display, is_blank
from .compare import (GENERATED_SHEETS, CellDifference, KeyedWorkbook, WorkbookError, cell_differences, detect_kind,
                      load, match_rows, quote)


@dataclass
class RowChange:
    sheet: str
    key: str
    row: int
    values: dict[str, str]


@dataclass
class WorkbookDiff:
    old: str
    new: str
    added: list[RowChange] = field(default_factory=list)
    removed: list[RowChange] = field(default_factory=list)
    changed: list[CellDifference] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # sheets added or removed, unknown sheets
    sheet_order: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed or self.notes)


def diff_workbooks(old: KeyedWorkbook, new: KeyedWorkbook, old_name: str = "", new_name: str = "") -> WorkbookDiff:
    result = WorkbookDiff(old_name or str(old.path), new_name or str(new.path), sheet_order=list(old.sheets))
    if old.kind != new.kind:
        raise WorkbookError(f"{result.old} is a {old.kind} workbook and {result.new} a {new.kind} workbook; "
                            "compare two versions of the same workbook")
    for name, sheet_old in old.sheets.items():
        sheet_new = new.sheets[name]
        if sheet_old.present != sheet_new.present:
            result.notes.append(f"sheet {name} {'added' if sheet_new.present else 'removed'}")
        for pair in match_rows(sheet_old.rows, sheet_new.rows, len(sheet_old.spec.key)):
            if pair.a is None:
                result.added.append(RowChange(name, pair.b.label, pair.b.row, pair.b.values()))
            elif pair.b is None:
                result.removed.append(RowChange(name, pair.a.label, pair.a.row, pair.a.values()))
            else:
                result.changed.extend(cell_differences(sheet_old, pair))
    for sheet in sorted(set(new.unknown_sheets) - set(old.unknown_sheets)):
        result.notes.append(f"sheet {sheet} added (not in the codebook; not compared)")
    for sheet in sorted(set(old.unknown_sheets) - set(new.unknown_sheets)):
        result.notes.append(f"sheet {sheet} removed (not in the codebook; not compared)")
    return result


def _values(values: dict[str, str]) -> str:
    return ", ".join(f"{k}={quote(v)}" for k, v in values.items())


def as_text(result: WorkbookDiff) -> str:
    lines = [f"--- {result.old}", f"+++ {result.new}"]
    if result.empty:
        lines.append("no change")
        return "\n".join(lines) + "\n"
    lines.append(f"{len(result.added)} row(s) added, {len(result.removed)} removed, "
                 f"{len(result.changed)} cell(s) changed")
    for note in result.notes:
        lines.append(f"  ! {note}")
    touched = {c.sheet for c in (*result.removed, *result.added, *result.changed)}
    sheets = [s for s in result.sheet_order if s in touched] + sorted(touched - set(result.sheet_order))
    for sheet in sheets:
        lines.append(f"{sheet}:")
        for c in (c for c in result.removed if c.sheet == sheet):
            lines.append(f"  - [{c.key}] (old row {c.row}) {_values(c.values)}")
        for c in (c for c in result.added if c.sheet == sheet):
            lines.append(f"  + [{c.key}] (new row {c.row}) {_values(c.values)}")
        for c in (c for c in result.changed if c.sheet == sheet):
            lines.append(f"  ~ [{c.key}] {c.field}: {quote(c.a)} -> {quote(c.b)} "
                         f"({c.cell_a} -> {c.cell_b})")
    return "\n".join(lines) + "\n"


# --- against git -----------------------------------------------------------------------------------

def _git(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(["git", *args], cwd=cwd, capture_output=True)
    except FileNotFoundError:
        raise WorkbookError("git is not installed (needed for --git)") from None


def check_revision(rev: str, cwd: Path) -> None:
    done = _git(["rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"], cwd)
    if done.returncode != 0:
        inside = _git(["rev-parse", "--is-inside-work-tree"], cwd)
        if inside.returncode != 0:
            raise WorkbookError(f"{cwd} is not inside a git repository")
        raise WorkbookError(f"unknown git revision {rev!r} (try HEAD, HEAD~1, a commit id or a branch name)")


def _workbooks_under(path: Path) -> list[Path]:
    if path.is_dir():
        return sorted(p for p in path.rglob("*.xlsx") if not p.name.startswith(("~$", ".")))
    return [path]


def _at_revision_under(rev: str, path: Path) -> list[Path]:
    """Workbooks that exist at REV under a folder (to show those deleted since)."""
    done = _git(["ls-tree", "-r", "--name-only", rev, "--", "."], path)
    if done.returncode != 0:
        return []
    names = done.stdout.decode("utf-8", "replace").splitlines()
    return [path / n for n in names if n.endswith(".xlsx") and not Path(n).name.startswith(("~$", "."))]


def blob_at(rev: str, path: Path, folder: Path) -> Path | None:
    """Write the version of `path` at REV into `folder` (a temporary folder outside the repository)."""
    parent = path.parent if path.parent.exists() else Path.cwd()
    relative = f"./{path.name}" if path.parent.exists() else f"./{os.path.relpath(path)}"
    done = _git(["show", f"{rev}:{relative}"], parent)
    if done.returncode != 0:
        return None
    target = folder / f"{len(list(folder.iterdir()))}-{path.name}"
    target.write_bytes(done.stdout)
    return target


def diff_against_git(rev: str, paths: list[str], codebook: Codebook | None = None) -> list[WorkbookDiff]:
    codebook = codebook or load_codebook()
    roots = [Path(p) for p in (paths or ["extraction"])]
    for root in roots:
        if not root.exists() and not paths:
            raise WorkbookError(f"{root}: no such folder (give the workbooks to compare)")
    check_revision(rev, Path.cwd())
    workbooks: list[Path] = []
    for root in roots:
        if root.is_dir():
            workbooks.extend(_workbooks_under(root))
            workbooks.extend(_at_revision_under(rev, root))
        else:
            workbooks.append(root)
    seen = list(dict.fromkeys(Path(os.path.normpath(p)) for p in workbooks))
    results = []
    with tempfile.TemporaryDirectory(prefix="review-utils-diff-") as tmp:
        for path in seen:
            old_path = blob_at(rev, path, Path(tmp))
            label_old, label_new = f"{rev}:{path}", str(path)
            if old_path is None and not path.exists():
                raise WorkbookError(f"{path}: not in the working tree and not in {rev}")
            if old_path is None:
                new = load(path, codebook)
                result = WorkbookDiff(f"(not in {rev})", label_new, notes=[f"new workbook since {rev}"],
                                      sheet_order=list(new.sheets))
                for sheet in new.sheets.values():
                    result.added.extend(RowChange(sheet.spec.name, r.label, r.row, r.values())
                                        for r in sheet.rows if r.values())
            elif not path.exists():
                old = load(old_path, codebook)
                result = WorkbookDiff(label_old, "(deleted)", notes=[f"workbook deleted since {rev}"],
                                      sheet_order=list(old.sheets))
                for sheet in old.sheets.values():
                    result.removed.extend(RowChange(sheet.spec.name, r.label, r.row, r.values())
                                          for r in sheet.rows if r.values())
            else:
                result = diff_workbooks(load(old_path, codebook, name=label_old), load(path, codebook),
                                        label_old, label_new)
            results.append(result)
    return results


# --- textconv --------------------------------------------------------------------------------------

def _escape(value) -> str:
    text = display(value)
    return text.replace("\\", "\\\\").replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n")


def _row_text(values: list, index: int) -> str:
    return _escape(values[index]).strip() if index < len(values) and not is_blank(values[index]) else ""


def textconv_lines(path: str | Path, codebook: Codebook | None = None) -> list[str]:
    """Every filled cell as one stable line, as typed. A file that is not a workbook gives one line saying so.

    Table sheets: a `[sheet] columns: ...` line with the header, then `sheet[key] column = value`, the key
    being the row's codebook key as typed (a column outside the codebook is shown under its header).
    The report form: `report: field = value`, `report: field (source) = ...`. Sheets outside the
    codebook: `sheet!A1 = value`. The generated sheets (about, codebook, lists) are left out.
    """
    codebook = codebook or load_codebook()
    path = Path(path)
    if not path.exists():
        raise WorkbookError(f"{path}: no such file")
    try:
        raw = read_workbook(path)
    except FileFault as fault:
        return [f"# not a readable workbook: {fault.rule}"]
    specs = codebook.report_sheets if detect_kind(raw.sheets, codebook) == "report" else codebook.screening_sheets
    lines: list[str] = []
    for name, sheet in raw.sheets.items():
        if name in GENERATED_SHEETS:
            continue
        spec = specs.get(name)
        rows = sheet.rows
        if spec is None:
            lines.append(f"[{name}] (not in the codebook)")
            for r, values in enumerate(rows, start=1):
                for c, value in enumerate(values):
                    if not is_blank(value):
                        lines.append(f"{name}!{column_letter(c)}{r} = {_escape(value)}")
            continue
        header = [_escape(v).strip() for v in (rows[0] if rows else [])]
        while header and not header[-1]:
            header.pop()
        lines.append(f"[{name}] columns: {' | '.join(header)}")
        if spec.layout == "form":
            for values in rows[1:]:
                field_name = _row_text(values, 0)
                for c in range(1, max(len(values), len(header))):
                    text = _row_text(values, c)
                    if not text:
                        continue
                    column = header[c] if c < len(header) and header[c] else column_letter(c)
                    suffix = "" if column == "value" else f" ({column})"
                    lines.append(f"{name}: {field_name or '(no field name)'}{suffix} = {text}")
            continue
        key_index = [header.index(k) for k in spec.key if k in header]
        seen: dict[str, int] = {}
        for values in rows[1:]:
            if all(is_blank(v) for v in values):
                continue
            key = " / ".join(_row_text(values, i) or "(blank)" for i in key_index) or "(no key)"
            seen[key] = seen.get(key, 0) + 1
            if seen[key] > 1:
                key += f" #{seen[key]}"
            for c, value in enumerate(values):
                if is_blank(value):
                    continue
                column = header[c] if c < len(header) and header[c] else f"(column {column_letter(c)})"
                lines.append(f"{name}[{key}] {column} = {_escape(value).strip()}")
    return lines


__all__ = ["diff_workbooks", "diff_against_git", "as_text", "textconv_lines", "WorkbookDiff"]
