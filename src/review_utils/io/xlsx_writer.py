"""Save an openpyxl workbook so that the same content always gives the same bytes."""
from __future__ import annotations

import datetime as dt
import io
import os

from .atomic import normalise_zip, write_bytes_atomic

FIXED_DOCUMENT_TIME = dt.datetime(2024, 1, 1, 0, 0, 0)


def workbook_bytes(workbook) -> bytes:
    """The bytes of an openpyxl workbook with fixed document properties and zip timestamps."""
    props = workbook.properties
    props.created = FIXED_DOCUMENT_TIME
    props.modified = FIXED_DOCUMENT_TIME
    props.creator = "review-utils"
    props.lastModifiedBy = "review-utils"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return normalise_zip(buffer.getvalue())


def save_workbook(workbook, target: str | os.PathLike) -> None:
    """Write the workbook atomically and deterministically."""
    write_bytes_atomic(target, workbook_bytes(workbook))


def write_literal(ws, row: int, column: int, value):
    """Write a value into a cell as data, never as a formula.

    openpyxl turns any string starting with "=" into a formula; a co-investigator's text such as
    "=2 courses" or a hostile "=HYPERLINK(...)" must stay text when the suite copies it into a new workbook.
    """
    cell = ws.cell(row=row, column=column, value=value)
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"
    return cell
