"""From a file's bytes to rows of text: encoding, delimiter, blank rows, header checks.

The rows are tokenised with the `csv` module rather than `pandas.read_csv`, because pandas renames
duplicate headers, pads short rows and cannot say which spreadsheet row a ragged line is; the
checked rows then become a DataFrame of text for the column work.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import hashlib
import io
import re
import sys
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

import pandas as pd

from empower_cli.errors import InputError, UsageError
from empower_cli.ingest.text import (
    clean,
    column_phrase,
    delimiter_name,
    join_words,
    quote,
    rows_phrase,
)

_CANDIDATES: tuple[str, ...] = (",", ";", "\t")
_LOOKAHEAD = 20
"""How many rows after the header must split like it when several delimiters could apply."""
_ZIP_MAGIC = b"PK\x03\x04"
#: The start of an OLE2 compound file: an Excel 97-2003 workbook (.xls), or another Office file.
OLE2_MAGIC = b"\xd0\xcf\x11\xe0"
#: Excel's first line naming the delimiter ("sep=;"), which Excel itself hides.
_SEP_LINE = re.compile(r"sep=(.)[ \t]*(?:\r\n|\r|\n|$)", re.IGNORECASE)
STDIN = "-"
"""The sign-up file name that means standard input."""
#: A character that makes a row more than blank: not a delimiter, a quote, a space or one of the
#: invisible characters `clean` removes.
_CONTENT = re.compile('[^,;\t"\\s\u200b\u2060\ufeff\u00ad\u200c\u200d]')


@dataclass(frozen=True, slots=True)
class Advice:
    """How a message tells the user to name the encoding or the delimiter."""

    encoding: str
    delimiter: str


#: Never an encoding that decodes every byte (latin-1): followed, it would garble every accented
#: name without a word.
SIGNUP_ADVICE = Advice(
    encoding='save it again as "CSV UTF-8" (Excel: File > Save As > CSV UTF-8) and run again',
    delimiter="name it with --delimiter (for example --delimiter ';')",
)
REQUEST_ADVICE = Advice(
    encoding='save it as "CSV UTF-8" and run again',
    delimiter="save it with commas between the cells and run again",
)


@dataclass(frozen=True, slots=True)
class Records:
    """A text file split into rows, blank rows dropped."""

    source: str
    sha256: str
    encoding: str
    delimiter: str
    rows: tuple[tuple[int, tuple[str, ...]], ...]
    """(spreadsheet row number, cells as read) for every row that is not blank."""
    warnings: tuple[str, ...] = ()
    sheets: tuple[str, ...] = ()
    """A workbook's sheet names (the one read among them); empty for CSV text."""


@dataclass(frozen=True, slots=True, eq=False)
class Table:
    """A file with one header row and rows of equal width, every cell as text."""

    source: str
    sha256: str
    encoding: str
    delimiter: str
    headers: tuple[str, ...]
    frame: pd.DataFrame
    """Cells as read; columns are 0-based positions, the index holds spreadsheet row numbers."""
    rows: tuple[tuple[str, ...], ...]
    """The same cells row by row, as the file gave them (the frame's rows, without pandas'
    per-cell cost of iterating a DataFrame)."""
    warnings: tuple[str, ...] = ()

    @property
    def row_numbers(self) -> list[int]:
        """The spreadsheet row of each data row, in file order."""
        return [int(row) for row in self.frame.index]

    def cells(self, position: int) -> list[str]:
        """The cells of one column, as read."""
        return [str(cell) for cell in self.frame[position].tolist()]

    def raw_rows(self) -> tuple[tuple[str, ...], ...]:
        """Every data row's cells, as read."""
        return self.rows


def source_name(path: Path) -> str:
    """How messages name a file: its path, or "standard input" for `-`."""
    return "standard input" if str(path) == STDIN else str(path)


def read_bytes(path: Path) -> bytes:
    """The file's bytes, read exactly once (so a named pipe or `<(...)` works; `-` is standard
    input), or an InputError that says why they cannot be had."""
    source = source_name(path)
    if str(path) == STDIN:
        return sys.stdin.buffer.read()
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{source}: no such file.") from None
    except IsADirectoryError:
        raise InputError(f"{source}: this is a folder, not a file.") from None
    except PermissionError:
        raise InputError(
            f"{source}: cannot be read (permission denied); check the file's permissions."
        ) from None
    except OSError as error:
        reason = error.strerror or type(error).__name__
        raise InputError(f"{source}: cannot be read ({reason}).") from None


def check_encoding_option(encoding: str) -> str:
    """Python's name for `encoding`, or a UsageError."""
    try:
        return codecs.lookup(encoding).name
    except LookupError:
        raise UsageError(
            f"--encoding {quote(encoding)} is not an encoding Python knows "
            "(try utf-8, utf-8-sig, utf-16 or cp1252)."
        ) from None


def check_delimiter_option(delimiter: str) -> str:
    """The one-character delimiter that `delimiter` names, or a UsageError."""
    named = {"tab": "\t", "\\t": "\t", "comma": ",", "semicolon": ";", "pipe": "|"}
    value = named.get(delimiter.casefold(), delimiter)
    if value != "\t" and (len(value) != 1 or value.isalnum() or not value.isprintable()):
        value = ""
    if not value or value in "\"' ":
        raise UsageError(
            f"--delimiter {quote(delimiter)} cannot split cells; "
            "give one character, such as ',' or ';', or the word 'tab'."
        )
    return value


def _row_of(data: bytes, offset: int) -> int:
    """The 1-based line of the byte at `offset`."""
    return data[:offset].count(b"\n") + 1


def _refuse_nul(text: str, source: str) -> None:
    """An InputError naming the first row holding a NUL character: no cell may hold one."""
    at = text.find("\x00")
    if at >= 0:
        raise InputError(
            f"{source}: row {text[:at].count(chr(10)) + 1} holds a NUL character, which no "
            "sign-up cell can hold; the file is probably not text in that encoding. Open it in "
            'the program that made it and save it as "CSV UTF-8".'
        )


def _not_text(data: bytes, source: str, advice: Advice) -> None:
    """An InputError for bytes that are a workbook, an old .xls or binary data, not CSV text."""
    if data.startswith(_ZIP_MAGIC):
        raise InputError(
            f"{source}: the file is a workbook or another zip archive, not CSV text; "
            'save it as "CSV UTF-8" and run again.'
        )
    if data.startswith(OLE2_MAGIC):
        raise InputError(
            f"{source}: the file is an old Excel 97-2003 workbook (.xls), which empower does "
            'not read; open it in Excel and save it as an Excel workbook (.xlsx) or as "CSV UTF-8".'
        )
    at = data.find(b"\x00")
    if at < 0:
        return
    even, odd = data[0::2].count(0), data[1::2].count(0)
    if odd > len(data) // 4 and even == 0:
        raise InputError(
            f"{source}: the file looks like UTF-16 text without a byte-order mark; "
            "name it with --encoding utf-16-le."
        )
    if even > len(data) // 4 and odd == 0:
        raise InputError(
            f"{source}: the file looks like UTF-16 text without a byte-order mark; "
            "name it with --encoding utf-16-be."
        )
    raise InputError(
        f"{source}: the file holds NUL bytes (the first on row {_row_of(data, at)}), so it is "
        f"not CSV text: perhaps a spreadsheet or another binary file; {advice.encoding}."
    )


def _by_line(data: bytes, source: str, advice: Advice) -> tuple[str, str, str]:
    """Text that is not UTF-8 as a whole: each line in UTF-8 where it is valid, else in
    Windows-1252, with a warning naming the Windows-1252 rows when the file mixes the two; an
    InputError naming the first row that is neither."""
    lines = data.splitlines(keepends=True)
    texts: list[str] = []
    windows: list[int] = []
    utf8_accents = 0
    for number, line in enumerate(lines, start=1):
        try:
            text = line.decode("utf-8")
            utf8_accents += not line.isascii()
        except UnicodeDecodeError:
            try:
                text = line.decode("cp1252")
            except UnicodeDecodeError:
                raise InputError(
                    f"{source}: row {number} is neither UTF-8 nor Windows-1252 (cp1252) text; "
                    f"check that row, or {advice.encoding}."
                ) from None
            windows.append(number)
        texts.append(text)
    text = "".join(texts)
    if utf8_accents:
        return (
            text,
            "utf-8 and cp1252",
            (
                f"{source}: the file mixes UTF-8 and Windows-1252 (cp1252) text: "
                f"{rows_phrase(windows)} {'was' if len(windows) == 1 else 'were'} read as "
                "Windows-1252 and the rest as UTF-8; check the accented names in those rows, and "
                'save the file as "CSV UTF-8" to silence this warning.'
            ),
        )
    return (
        text,
        "cp1252",
        (
            f"{source}: the file is not valid UTF-8, so it was read as Windows-1252 (cp1252); "
            "if accented letters look wrong, name the right encoding with --encoding."
        ),
    )


def decode(data: bytes, source: str, encoding: str | None, advice: Advice) -> tuple[str, str, str]:
    """(text, encoding used, warning or "") for the file's bytes."""
    if encoding is not None:
        name = check_encoding_option(encoding)
        try:
            text = data.decode(name).removeprefix("\ufeff")
        except UnicodeDecodeError as error:
            raise InputError(
                f"{source}: the file is not valid {encoding} text: row "
                f"{_row_of(data, error.start)} holds a byte that cannot be read as {encoding}; "
                f"leave out --encoding to let empower detect it, or {advice.encoding}."
            ) from None
        _refuse_nul(text, source)
        return text, name, ""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            raise InputError(
                f"{source}: the file starts like UTF-16 text but cannot be read as it; "
                f"{advice.encoding}."
            ) from None
        _refuse_nul(text, source)
        return text, "utf-16", ""
    _not_text(data, source, advice)
    name = "utf-8-sig" if data.startswith(codecs.BOM_UTF8) else "utf-8"
    try:
        return data.decode(name), name, ""
    except UnicodeDecodeError:
        pass
    text, used, warning = _by_line(data.removeprefix(codecs.BOM_UTF8), source, advice)
    return text, used, warning


def delimiter_line(text: str) -> tuple[str, str | None]:
    """The text without Excel's first line `sep=;`, and the delimiter that line names (or None).
    Excel hides the line, so the row numbers of messages start after it, as Excel shows them."""
    found = _SEP_LINE.match(text)
    if found is None:
        return text, None
    return text[found.end() :], found.group(1)


def _is_blank(cells: list[str]) -> bool:
    for cell in cells:
        if cell.isascii() and not cell.isspace() and cell:
            return False  # an ASCII character that is not a space is content, whatever clean does
        if clean(cell):
            return False
    return True


def _split(text: str, delimiter: str, source: str) -> list[tuple[int, list[str]]]:
    """Every row with its spreadsheet number (1-based), blank rows dropped."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[tuple[int, list[str]]] = []
    number = 0
    try:
        for number, cells in enumerate(reader, start=1):
            if not _is_blank(cells):
                rows.append((number, cells))
    except csv.Error as error:
        raise InputError(f"{source}: row {number + 1} cannot be read ({error}).") from None
    return rows


def _widths(text: str, delimiter: str) -> list[int]:
    """Cell counts of the first non-blank rows when split on `delimiter`."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows = (cells for cells in reader if not _is_blank(cells))
    widths: list[int] = []
    # On a csv.Error the rows read so far still count; _split reports the error with its row.
    with contextlib.suppress(csv.Error):
        widths.extend(len(cells) for cells in islice(rows, _LOOKAHEAD + 1))
    return widths


def detect_delimiter(text: str, source: str, advice: Advice) -> str:
    """The delimiter that splits the first row, checked against the rows after it."""
    if _CONTENT.search(text) is None:
        return ","  # nothing but blank rows: the file is empty whatever splits it
    widths = {delimiter: _widths(text, delimiter) for delimiter in _CANDIDATES}
    splitting = [d for d in _CANDIDATES if widths[d] and widths[d][0] > 1]
    if len(splitting) == 1:
        return splitting[0]
    if not splitting:
        raise InputError(
            f"{source}: cannot tell the delimiter: the first row holds no comma, semicolon "
            f"or tab; {advice.delimiter}."
        )
    steady = [d for d in splitting if all(w == widths[d][0] for w in widths[d][1:])]
    if len(steady) == 1:
        return steady[0]
    names = [f"a {delimiter_name(d)}" for d in (steady or splitting)]
    raise InputError(
        f"{source}: cannot tell the delimiter: the rows split the same way on "
        f"{join_words(names)}; {advice.delimiter}."
    )


def read_records(
    path: Path,
    *,
    encoding: str | None = None,
    delimiter: str | None = None,
    advice: Advice = SIGNUP_ADVICE,
) -> Records:
    """The non-blank rows of a delimited text file, with its encoding, delimiter and hash."""
    return records_of(
        read_bytes(path), source_name(path), encoding=encoding, delimiter=delimiter, advice=advice
    )


def records_of(
    data: bytes,
    source: str,
    *,
    encoding: str | None = None,
    delimiter: str | None = None,
    advice: Advice = SIGNUP_ADVICE,
) -> Records:
    """The non-blank rows of a delimited text file's bytes (see read_records)."""
    text, used, warning = decode(data, source, encoding, advice)
    text, named = delimiter_line(text.removeprefix("\ufeff"))
    if delimiter is not None:
        chosen = check_delimiter_option(delimiter)
    elif named is not None:
        chosen = check_delimiter_option(named)
    else:
        chosen = detect_delimiter(text, source, advice)
    rows = tuple((number, tuple(cells)) for number, cells in _split(text, chosen, source))
    return Records(
        source=source,
        sha256=hashlib.sha256(data).hexdigest(),
        encoding=used,
        delimiter=chosen,
        rows=rows,
        warnings=(warning,) if warning else (),
    )


def _check_headers(source: str, headers: tuple[str, ...]) -> None:
    """An InputError for the first header that appears twice (empty headers aside)."""
    seen: dict[str, int] = {}
    for position, header in enumerate(headers):
        text = clean(header)
        if not text:
            continue
        if text in seen:
            raise InputError(
                f"{source}: the header {quote(text)} appears twice, in "
                f"{column_phrase(seen[text])} and {column_phrase(position)}; "
                "rename or delete one of them."
            )
        seen[text] = position


def check_widths(records: Records, width: int) -> None:
    """An InputError for the first row whose cell count differs from the header's."""
    for number, cells in records.rows[1:]:
        if len(cells) != width:
            raise InputError(
                f"{records.source}: row {number} has {len(cells)} cells but the header row has "
                f"{width}; check that row for a stray {delimiter_name(records.delimiter)} "
                "or an unclosed quote."
            )


def read_table(
    path: Path,
    *,
    encoding: str | None = None,
    delimiter: str | None = None,
) -> Table:
    """A sign-up file as a header plus rows of equal width; an InputError when it is not one."""
    return table_from_records(read_records(path, encoding=encoding, delimiter=delimiter))


def table_from_records(records: Records) -> Table:
    """The first row as headers and the rest as data, checked; an InputError when it is not so."""
    source = records.source
    if not records.rows:
        raise InputError(f"{source}: the file is empty.")
    _, headers = records.rows[0]
    _check_headers(source, headers)
    if len(records.rows) == 1:
        raise InputError(f"{source}: the file has a header row but no rows of sign-ups below it.")
    check_widths(records, len(headers))
    body = records.rows[1:]
    frame = pd.DataFrame(
        [cells for _, cells in body],
        columns=pd.RangeIndex(len(headers)),
        index=pd.Index([number for number, _ in body]),
        dtype=str,
    )
    return Table(
        source=source,
        sha256=records.sha256,
        encoding=records.encoding,
        delimiter=records.delimiter,
        headers=headers,
        frame=frame,
        rows=tuple(cells for _, cells in body),
        warnings=records.warnings,
    )
