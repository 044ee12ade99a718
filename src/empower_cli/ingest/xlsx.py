"""Excel workbooks (.xlsx), as Microsoft Forms downloads them: one sheet (the first, or the one
--sheet names), every cell as text.

openpyxl gives numbers, dates and booleans typed; they become the text a person reads in Excel, so
the rest of ingest sees the same strings as from a CSV (an id of 00123 stored as text stays so, and
one stored as the number 123 with the number format `00000` reads 00123, as Excel shows it).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
import zipfile
from typing import Any

from empower_cli.errors import InputError
from empower_cli.ingest.read import Records
from empower_cli.ingest.text import clean, join_words, quote

ZIP_MAGIC = b"PK\x03\x04"
#: A number format that pads whole numbers with zeros ("00000"), as ids and zip codes use.
_ZERO_PADDED = re.compile(r"0+")


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


def shown_text(value: Any, number_format: str | None) -> str:
    """A cell as Excel shows it: a whole number with a zero-padding format keeps its zeros."""
    if (
        number_format
        and isinstance(value, int | float)
        and not isinstance(value, bool)
        and float(value).is_integer()
        and value >= 0
        and _ZERO_PADDED.fullmatch(number_format)
    ):
        return str(int(value)).zfill(len(number_format))
    return cell_text(value)


def _shown(cell: Any) -> str:
    """A read-only cell's text; its number format is looked up only for a number."""
    value = cell.value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return shown_text(value, getattr(cell, "number_format", None))
    return cell_text(value)


def sheet_list(names: list[str]) -> str:
    """'Sheet1' and 'Responses', for messages."""
    return join_words([quote(name) for name in names])


def sheet_option(name: str) -> str:
    escaped = name.replace('"', '\\"')
    return f'--sheet "{escaped}"'


def _pick(book: Any, source: str, sheet: str | None) -> Any:
    """The worksheet to read: the one named, else the first; an InputError for a name the
    workbook does not hold."""
    names = list(book.sheetnames)
    if sheet is None:
        return book.worksheets[0]
    for name in names:
        if name == sheet or name.strip().casefold() == sheet.strip().casefold():
            return book[name]
    raise InputError(
        f"{source}: the workbook has no sheet {quote(sheet)}; its sheets are {sheet_list(names)}."
    )


def read_workbook(data: bytes, source: str, sheet: str | None = None) -> Records:
    """The worksheet's non-blank rows as text, numbered as Excel numbers them. A first sheet
    that holds no sign-ups (when --sheet is not given and there are others) is an InputError
    that lists the sheets."""
    from openpyxl import load_workbook  # only a workbook needs it

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError):
        raise InputError(
            f"{source}: the file is a zip archive but not an Excel workbook that can be read; "
            'open it in Excel, save it as "CSV UTF-8" and run again.'
        ) from None
    try:
        names = list(book.sheetnames)
        chosen = _pick(book, source, sheet)
        rows: list[tuple[int, tuple[str, ...]]] = []
        for number, found in enumerate(chosen.iter_rows(), start=1):
            cells = [_shown(c) for c in found]
            while cells and not clean(cells[-1]):
                cells.pop()
            if cells:
                rows.append((number, tuple(cells)))
    finally:
        book.close()
    if sheet is None and len(rows) < 2 and len(names) > 1:
        raise InputError(
            f"{source}: the first sheet, {quote(names[0])}, holds no sign-ups; the workbook's "
            f"sheets are {sheet_list(names)}. Name the one to read with "
            f"{sheet_option(names[1])}."
        )
    if rows:
        width = len(rows[0][1])
        rows = [(n, cells + ("",) * (width - len(cells))) for n, cells in rows]
    return Records(
        source=source,
        sha256=hashlib.sha256(data).hexdigest(),
        encoding="xlsx",
        delimiter="",
        rows=tuple(rows),
        sheets=tuple(names),
    )
