"""Read an extraction workbook safely and fast, keeping cell addresses. Never writes.

Before any cell is parsed the file itself is inspected: is it really an .xlsx (a zip), or a legacy
.xls, an encrypted workbook, a CSV or PDF renamed; would it expand to gigabytes (zip bomb); does any
XML part declare a DOCTYPE or entities (billion laughs, external entities). Such a file yields one
clear problem and no data; the rest of the folder is still checked.

Cells are read with python-calamine (about 10x faster than openpyxl). Merged ranges come from
calamine; formulas are found by scanning the sheet XML for <f> elements.
"""
from __future__ import annotations

import re
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from defusedxml import ElementTree as SafeET

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
ENCRYPTION_MARKER = "EncryptionInfo".encode("utf-16-le")
MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024  # an extraction workbook is a few hundred kB
MAX_COMPRESSION_RATIO = 200  # ordinary xlsx parts compress 5-20x; bombs compress 1000x and more
MAX_ROWS = 100_000  # rows read per sheet; a sheet used beyond this is refused, not read
NS_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
NS_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
NS_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_DTD = re.compile(rb"<!(DOCTYPE|ENTITY)", re.IGNORECASE)
_CELL_WITH_FORMULA = re.compile(rb'<c r="([A-Z]+[0-9]+)"[^>]*>(?:(?!</c>).)*?<f[ >/](?:(?!</c>).)*?</c>', re.S)
_CACHED_VALUE = re.compile(rb"<v>[^<]+</v>")
_DIMENSION = re.compile(rb'<dimension ref="[A-Z]+[0-9]+:[A-Z]+([0-9]+)"')


class FileFault(Exception):
    """The file cannot be read as an extraction workbook. `rule` and `fix` are for people."""

    def __init__(self, rule: str, fix: str, value: str = ""):
        super().__init__(rule)
        self.rule, self.fix, self.value = rule, fix, value


@dataclass
class RawSheet:
    name: str
    rows: list[list]  # cell values from A1, "" for empty cells
    merged: list[str] = field(default_factory=list)  # merged ranges, e.g. "A3:C3"
    formulas: dict[str, bool] = field(default_factory=dict)  # cell -> has a cached value


@dataclass
class RawWorkbook:
    path: Path
    sheets: dict[str, RawSheet]
    has_macros: bool = False


def _inspect_zip(path: Path, archive: zipfile.ZipFile) -> None:
    infos = archive.infolist()
    total = sum(i.file_size for i in infos)
    packed = sum(i.compress_size for i in infos) or 1
    if total > MAX_UNCOMPRESSED_BYTES or total / packed > MAX_COMPRESSION_RATIO and total > 10 * 1024 * 1024:
        raise FileFault(
            f"the file would expand to {total / 1024 / 1024:,.0f} MB (compression ratio {total / packed:,.0f}:1); "
            "an extraction workbook is a few hundred kB, so this looks like a zip bomb or a damaged file",
            "do not open it; ask the sender for the original workbook, or start again from extraction/template.xlsx")
    names = {i.filename for i in infos}
    if "xl/workbook.xml" not in names:
        raise FileFault("the file is a zip archive but not an Excel workbook (no xl/workbook.xml)",
                        "save the workbook from Excel or LibreOffice as .xlsx")
    expanded = 0
    for info in infos:
        # Declared sizes can lie: decompress every part as a stream, counting, and stop at the limit.
        with archive.open(info) as handle:
            head = handle.read(4096)
            expanded += len(head)
            while chunk := handle.read(1 << 20):
                expanded += len(chunk)
                if expanded > MAX_UNCOMPRESSED_BYTES:
                    raise FileFault(
                        f"the file expands beyond {MAX_UNCOMPRESSED_BYTES // 1024 // 1024} MB when unpacked; an extraction "
                        "workbook is a few hundred kB, so this looks like a zip bomb or a damaged file",
                        "do not open it; ask the sender for the original workbook, or start again from extraction/template.xlsx")
        if info.filename.endswith((".xml", ".rels", ".vml")):
            if _DTD.search(head):
                raise FileFault(
                    f"the part {info.filename} declares a DOCTYPE or XML entities, which Excel never writes; "
                    "entity expansion (billion laughs) or external entities (XXE) are refused",
                    "re-save the workbook from Excel or LibreOffice, or start from extraction/template.xlsx")


def inspect_file(path: Path) -> None:
    """Raise FileFault when the file is not a plain, safe .xlsx workbook."""
    suffix = path.suffix.lower()
    if suffix == ".xls":
        raise FileFault("legacy Excel 97-2003 (.xls) workbooks are not read",
                        "open it in Excel or LibreOffice and save as .xlsx (Excel Workbook)")
    try:
        with path.open("rb") as handle:
            head = handle.read(8)
            if head.startswith(OLE_MAGIC):
                handle.seek(0)
                blob = handle.read(1 << 20)
                if ENCRYPTION_MARKER in blob:
                    raise FileFault("the workbook is password-protected (encrypted) and cannot be read",
                                    "remove the password (File > Info > Protect Workbook > Encrypt) and save again")
                raise FileFault("this is a legacy Excel 97-2003 file with an .xlsx name",
                                "open it in Excel or LibreOffice and save as .xlsx (Excel Workbook)")
    except OSError as error:
        raise FileFault(f"the file cannot be opened: {error.strerror}", "check that it exists and is readable") from None
    if not head.startswith(ZIP_MAGIC):
        kind = ("a PDF" if head.startswith(b"%PDF") else
                "text (CSV?)" if head[:1].isascii() and head.strip() else "not a workbook")
        if len(head) == 0:
            kind = "empty (0 bytes)"
        raise FileFault(f"the file is {kind}, not an Excel .xlsx workbook",
                        "save the data from Excel or LibreOffice as .xlsx, starting from extraction/template.xlsx")
    try:
        with zipfile.ZipFile(path) as archive:
            _inspect_zip(path, archive)
    except (zipfile.BadZipFile, EOFError, zlib.error):
        raise FileFault("the file is damaged or truncated (not a complete zip archive)",
                        "copy the workbook again from its original location, or restore it from git") from None


def _sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Map sheet name -> XML part name, from workbook.xml and its relationships."""
    workbook = SafeET.fromstring(archive.read("xl/workbook.xml"))
    rels = SafeET.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    targets = {r.get("Id"): r.get("Target") for r in rels.iter(f"{NS_PKG_REL}Relationship")}
    parts = {}
    for sheet in workbook.iter(f"{NS_MAIN}sheet"):
        target = targets.get(sheet.get(f"{NS_REL}id"), "")
        target = target.lstrip("/")
        parts[sheet.get("name")] = target if target.startswith("xl/") else f"xl/{target}"
    return parts


def _scan_formulas(xml: bytes) -> dict[str, bool]:
    found = {}
    for match in _CELL_WITH_FORMULA.finditer(xml):
        found[match.group(1).decode()] = _CACHED_VALUE.search(match.group(0)) is not None
    return found


def _declared_rows(xml: bytes) -> int:
    match = _DIMENSION.search(xml[:4096])
    return int(match.group(1)) if match else 0


def read_workbook(path: str | Path, sheets: tuple[str, ...] | None = None) -> RawWorkbook:
    """Read the named sheets (all when None). Raises FileFault for files that are not safe workbooks."""
    from python_calamine import CalamineWorkbook

    path = Path(path)
    inspect_file(path)
    with zipfile.ZipFile(path) as archive:
        parts = _sheet_parts(archive)
        has_macros = any(n.lower().endswith("vbaproject.bin") for n in archive.namelist())
        xml_by_sheet = {}
        for name, part in parts.items():
            if (sheets is None or name in sheets) and part in archive.namelist():
                xml_by_sheet[name] = archive.read(part)
    try:
        workbook = CalamineWorkbook.from_path(str(path))
    except Exception as error:  # calamine raises its own error types for damaged content
        raise FileFault(f"the workbook cannot be read ({type(error).__name__}: {str(error)[:120]})",
                        "open it in Excel or LibreOffice, save as .xlsx, and check again") from None
    result: dict[str, RawSheet] = {}
    for name in workbook.sheet_names:
        if sheets is not None and name not in sheets:
            continue
        xml = xml_by_sheet.get(name, b"")
        if _declared_rows(xml) > MAX_ROWS:
            raise FileFault(
                f"sheet {name!r} declares {_declared_rows(xml):,} rows; extraction sheets hold at most {MAX_ROWS:,}",
                "delete the empty formatted rows below your data (select them, right-click, Delete) and save")
        sheet = workbook.get_sheet_by_name(name)
        rows = sheet.to_python(skip_empty_area=False)
        if len(rows) > MAX_ROWS:
            raise FileFault(f"sheet {name!r} has {len(rows):,} rows; extraction sheets hold at most {MAX_ROWS:,}",
                            "delete the empty formatted rows below your data and save")
        merged = []
        for (r0, c0), (r1, c1) in (sheet.merged_cell_ranges or []):
            merged.append(f"{_cell(r0, c0)}:{_cell(r1, c1)}")
        formulas = _scan_formulas(xml) if b"<f" in xml else {}
        result[name] = RawSheet(name=name, rows=rows, merged=merged, formulas=formulas)
    return RawWorkbook(path=path, sheets=result, has_macros=has_macros)


def column_letter(index: int) -> str:
    """0-based column index -> Excel letters (0 -> A)."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _cell(row: int, col: int) -> str:
    return f"{column_letter(col)}{row + 1}"
