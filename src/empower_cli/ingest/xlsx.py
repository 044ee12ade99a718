"""Excel workbooks (.xlsx), as Microsoft Forms downloads them: the first sheet, every cell as text.

openpyxl gives numbers, dates and booleans typed; they become the text a person reads in Excel, so
the rest of ingest sees the same strings as from a CSV (an id of 00123 stored as text stays so).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import zipfile
from typing import Any

from empower_cli.errors import InputError
from empower_cli.ingest.read import Records
from empower_cli.ingest.text import clean

ZIP_MAGIC = b"PK\x03\x04"


def cell_text(value: Any) -> str:
    """A cell's value as text: whole numbers without '.0', dates in ISO form, nothing as ''."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)


def read_workbook(data: bytes, source: str) -> Records:
    """The first worksheet's non-blank rows as text, numbered as Excel numbers them."""
    from openpyxl import load_workbook  # only a workbook needs it

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError):
        raise InputError(
            f"{source}: the file is a zip archive but not an Excel workbook that can be read; "
            'open it in Excel, save it as "CSV UTF-8" and run again.'
        ) from None
    try:
        sheet = book.worksheets[0]
        rows: list[tuple[int, tuple[str, ...]]] = []
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            cells = [cell_text(value) for value in values]
            while cells and not clean(cells[-1]):
                cells.pop()
            if cells:
                rows.append((number, tuple(cells)))
    finally:
        book.close()
    if rows:
        width = len(rows[0][1])
        rows = [(n, cells + ("",) * (width - len(cells))) for n, cells in rows]
    return Records(
        source=source,
        sha256=hashlib.sha256(data).hexdigest(),
        encoding="xlsx",
        delimiter="",
        rows=tuple(rows),
    )
