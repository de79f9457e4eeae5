"""Hostile and strange files: each ends in one clear problem for that file, fast and small, and the rest of the
folder is still checked. Files are built by the tests, never stored.

Bounds per file (issue 8): within 5 s and 500 MB, measured on a separate `review-utils check` process.
"""
from __future__ import annotations

import io
import json
import re
import subprocess
import sys
import unicodedata
import zipfile
from pathlib import Path

import pytest

from review_utils.validate import check_folder
from workbook_factory import ROWS, make_folder, write_report

REPORT = "smith2024lupus.xlsx"
SECONDS, MEGABYTES = 5.0, 500


def _rewrite_part(folder: Path, name: str, part: str, transform) -> None:
    """A valid report workbook for `name`, with one XML part replaced by transform(old_bytes)."""
    target = folder / "reports" / name
    source = write_report(folder.parent / name.replace(".xlsm", ".xlsx"))
    out = io.BytesIO()
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            dst.writestr(info.filename, transform(data) if info.filename == part else data)
    target.write_bytes(out.getvalue())
    source.unlink()


def _body(data: bytes) -> bytes:
    return data.split(b"?>", 1)[1] if data.startswith(b"<?xml") else data


def entity_bomb(folder: Path, name: str) -> None:
    doctype = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
               + b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
                          for i in range(1, 10)) + b"]>")
    _rewrite_part(folder, name, "xl/workbook.xml", lambda data: doctype + _body(data).replace(b"<sheets>", b"<sheets>&lol9;", 1))


def external_entity(folder: Path, name: str) -> None:
    doctype = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    _rewrite_part(folder, name, "xl/worksheets/sheet2.xml", lambda data: doctype + _body(data))


def zip_bomb(folder: Path, name: str) -> None:
    """A small file whose one part expands to 1 GB of zeros (about 1 MB compressed)."""
    path = folder / "reports" / name
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as handle:
            block = b"\0" * (1 << 24)
            for _ in range(64):
                handle.write(block)


def lying_zip_bomb(folder: Path, name: str) -> None:
    """A bomb whose headers claim 1 kB per part: sizes are counted while unpacking, never trusted."""
    zip_bomb(folder, name)
    path = folder / "reports" / name
    data = bytearray(path.read_bytes())
    # Central directory entries: signature PK\x01\x02; uncompressed size at offset 24 (0xFFFFFFFF = see zip64 extra)
    start = data.find(b"PK\x01\x02")
    while start != -1:
        if data[start + 24:start + 28] != b"\xff\xff\xff\xff":
            data[start + 24:start + 28] = (1024).to_bytes(4, "little")
        start = data.find(b"PK\x01\x02", start + 4)
    path.write_bytes(bytes(data))


def million_empty_rows(folder: Path, name: str) -> None:
    """A measurements sheet formatted down to row 1,048,576 (a common accident: format a whole column)."""
    rows = b"".join(b'<row r="%d" s="1" customFormat="1"/>' % r for r in range(3, 1_048_577))

    def transform(data: bytes) -> bytes:
        data = re.sub(rb'<dimension ref="A1:H2" ?/>', b'<dimension ref="A1:H1048576"/>', data)
        return data.replace(b"</sheetData>", rows + b"</sheetData>")
    _rewrite_part(folder, name, "xl/worksheets/sheet5.xml", transform)


def macro_workbook(folder: Path, name: str) -> None:
    _rewrite_part(folder, name, "xl/workbook.xml", lambda d: d)
    with zipfile.ZipFile(folder / "reports" / name, "a") as archive:
        archive.writestr("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0" + b"\0" * 100)


def xlsm_file(folder: Path, name: str) -> None:
    macro_workbook(folder, name)


def pdf_file(folder: Path, name: str) -> None:
    (folder / "reports" / name).write_bytes(b"%PDF-1.7\n1 0 obj<<>>endobj\n%%EOF\n")


def csv_file(folder: Path, name: str) -> None:
    (folder / "reports" / name).write_text("patient_label,age_at_infusion_years\nP1,15\n", encoding="utf-8")


def truncated(folder: Path, name: str) -> None:
    data = (folder / "reports" / REPORT).read_bytes()
    (folder / "reports" / name).write_bytes(data[:1000])


def encrypted(folder: Path, name: str) -> None:
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504 + "EncryptionInfo".encode("utf-16-le") + b"\0" * 512
    (folder / "reports" / name).write_bytes(ole)


def legacy_xls(folder: Path, name: str) -> None:
    (folder / "reports" / name).write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 1024)


# (id, builder, file name, words expected in the file's error)
HOSTILE = [
    ("xml_entity_bomb", entity_bomb, "bomb2024entity.xlsx", "DOCTYPE or XML entities"),
    ("external_entity_xxe", external_entity, "xxe2024entity.xlsx", "DOCTYPE or XML entities"),
    ("zip_bomb", zip_bomb, "bomb2024zip.xlsx", "zip bomb"),
    ("zip_bomb_with_lying_headers", lying_zip_bomb, "bomb2024lying.xlsx", "damaged or truncated"),
    ("million_empty_formatted_rows", million_empty_rows, "rows2024million.xlsx", "rows"),
    ("workbook_with_macros", macro_workbook, "macro2024book.xlsx", "macros"),
    ("xlsm_extension", xlsm_file, "macro2024book.xlsm", "macro-enabled"),
    ("pdf_named_xlsx", pdf_file, "pdf2024file.xlsx", "is a PDF"),
    ("csv_named_xlsx", csv_file, "csv2024file.xlsx", "text (CSV?)"),
    ("truncated", truncated, "trunc2024file.xlsx", "damaged or truncated"),
    ("encrypted", encrypted, "crypt2024file.xlsx", "password-protected"),
    ("legacy_xls", legacy_xls, "legacy2024file.xls", "legacy Excel"),
]


@pytest.fixture()
def folder(tmp_path):
    return make_folder(tmp_path / "extraction")


# Runs `review-utils check` as the only child of a small wrapper, which reports that child's peak memory
# (RUSAGE_CHILDREN of the wrapper covers exactly one process, unlike pytest's, which accumulates every child).
WRAPPER = (
    "import json, resource, subprocess, sys, time\n"
    "start = time.perf_counter()\n"
    "run = subprocess.run([sys.executable, '-m', 'review_utils', 'check', sys.argv[1], '--format', 'json'],"
    " capture_output=True, text=True)\n"
    "print(json.dumps({'seconds': time.perf_counter() - start, 'peak_kb': "
    "resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, 'stdout': run.stdout, 'stderr': run.stderr}))\n"
)


def _check_in_child(folder: Path) -> tuple[dict, float, float]:
    run = subprocess.run([sys.executable, "-c", WRAPPER, str(folder)], capture_output=True, text=True, timeout=60)
    result = json.loads(run.stdout)
    assert "Traceback" not in result["stderr"], result["stderr"]
    return json.loads(result["stdout"]), result["seconds"], result["peak_kb"] / 1024


@pytest.mark.parametrize("name,build,file_name,words", HOSTILE, ids=[h[0] for h in HOSTILE])
def test_a_hostile_file_gives_one_clear_problem_fast_and_the_rest_is_still_checked(folder, tmp_path, name, build,
                                                                                    file_name, words):
    build(folder, file_name)
    outputs_before = sorted(p.name for p in tmp_path.rglob("*"))
    payload, seconds, peak_mb = _check_in_child(folder)
    mine = [p for p in payload["problems"] if p["workbook"] == f"reports/{file_name}" and p["severity"] == "error"]
    assert mine and any(words in p["rule"] for p in mine), payload["problems"]
    assert all(p["fix"] for p in mine)
    # the good workbook beside it was still read and is clean
    assert not [p for p in payload["problems"] if p["workbook"] == f"reports/{REPORT}"]
    assert payload["workbooks_checked"] == 3
    assert seconds < SECONDS, f"{name}: {seconds:.1f} s"
    assert peak_mb < MEGABYTES, f"{name}: {peak_mb:.0f} MB"
    assert sorted(p.name for p in tmp_path.rglob("*")) == outputs_before, "checking wrote no file"


def test_names_typed_in_decomposed_unicode_match_their_composed_twins(folder):
    """París-Muñoz typed as NFD in patients and NFC in events is one label (Unicode NFC throughout)."""
    nfd = unicodedata.normalize("NFD", "París-Muñoz")
    nfc = unicodedata.normalize("NFC", "París-Muñoz")
    assert nfd != nfc
    write_report(folder / "reports" / REPORT,
                 rows={"patients": [{**ROWS["patients"][0], "patient_label": nfd}],
                       "events": [{**ROWS["events"][0], "patient_label": nfc}],
                       "measurements": [{**ROWS["measurements"][0], "patient_label": nfc}]})
    assert check_folder(folder).problems == []


def test_very_long_text_cells_are_read_without_trouble(folder):
    long_note = "Müller " * 4600  # 32,200 characters: near Excel's 32,767 limit per cell
    write_report(folder / "reports" / REPORT, rows={"patients": [{**ROWS["patients"][0], "notes": long_note}]})
    assert check_folder(folder).problems == []


def test_text_in_other_scripts_is_kept_as_typed(folder):
    write_report(folder / "reports" / REPORT,
                 form={"centre": "浙江大学医学院附属儿童医院 (Children's Hospital, Zhejiang University)"},
                 rows={"patients": [{**ROWS["patients"][0], "patient_label": "患儿1"}],
                       "events": [{**ROWS["events"][0], "patient_label": "患儿1"}],
                       "measurements": [{**ROWS["measurements"][0], "patient_label": "患儿1"}]})
    assert check_folder(folder).problems == []
