"""Large blocks of worksheet rows, written as SpreadsheetML text rather than cell by cell.

XlsxWriter spends about 15 microseconds on each cell (the write call, then its shared-string
table and the cell's XML when the file is closed): 2.5 s for the 177,000 cells of a
20,000-student workbook. The workbook's big tables (`All students`, each group's members,
`Changes` and the Summary's row per group) hold nothing but plain text and whole numbers, so
they are handed here a column at a time, and XlsxWriter writes the rest of each sheet (formats,
widths, frozen panes, filters, print setup, the header rows) as before. When XlsxWriter has
closed the file, `SheetRows.splice` writes the blocks' rows into their sheets' `<sheetData>`,
each at its place among XlsxWriter's rows, widens each sheet's `<dimension>` to cover them, and
adds their text to XlsxWriter's shared-string table.

A cell comes out as XlsxWriter writes the same cell, so that every reader sees what it saw:

- text is a shared string (a string XlsxWriter's table already holds keeps its index), cut to
  Excel's 32,767 UTF-16 units as XlsxWriter cuts it, with control characters written as Excel's
  `_xHHHH_` escapes (and a literal `_xHHHH_` with its underscore escaped), `&`, `<` and `>`
  escaped, and `xml:space="preserve"` when it starts or ends with whitespace;
- text that a spreadsheet would run as a formula when edited gets the quote-prefix style;
- a number is a number, in the format given for it.

Unlike XlsxWriter, a text `<r>...</r>` is escaped like any other, where XlsxWriter takes it for
rich-text XML and writes it as it is.

The work per cell is one step of a list comprehension: the escaping and the checks run over a
whole column's text at once (joined with NUL, which no cell holds; one that does is handled on
its own), with searches that the regex engine scans for quickly.

The style indices are XlsxWriter's own: a format gets its index when it is given here
(`Format._get_xf_index`, the call XlsxWriter itself makes when it writes a cell), before the file
is closed, which puts it in styles.xml whether or not any of XlsxWriter's own cells use it.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from io import BytesIO

from xlsxwriter.format import Format
from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.worksheet import Worksheet

from empower_cli.errors import InternalError

#: Excel's limit on one cell's text, in UTF-16 units.
CELL_UNITS = 32767
#: First characters a spreadsheet reads as a formula when a cell is edited (see export.py).
FORMULA_STARTS = frozenset("=+-@\t\r\n＝＋－＠")
STRINGS = "xl/sharedStrings.xml"
#: Rows built, joined and encoded at a time.
CHUNK = 2048

_GLUE = "\x00"
#: Each pattern starts with one character or one class, which the regex engine scans for fast.
_SPECIAL = re.compile("[&<>\x00-\x08\x0b-\x1f\ufffe\uffff]")
_SPECIAL_BUT_GLUE = re.compile("[&<>\x01-\x08\x0b-\x1f\ufffe\uffff]")
_ESCAPE = re.compile("(_x[0-9a-fA-F]{4}_)")
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f]")
_CONTROL_BUT_GLUE = re.compile("[\x01-\x08\x0b-\x1f]")
_FORMULA = re.compile("\x00[=+\\-@\t\r\n＝＋－＠]")
"""In joined cells: a cell (not the first) that starts like a formula."""
_SPACE = re.compile("\x00\\s")
"""In joined cells: a cell (not the first) that starts with whitespace; in joined cells
reversed, one (not the last) that ends with it."""
_PRESERVE = ' xml:space="preserve"'

_SST = re.compile(rb'<sst [^>]*?count="(\d+)" uniqueCount="(\d+)">')
_SI = re.compile(rb"<si>.*?</si>", re.DOTALL)
_ROW = re.compile(rb'<row r="(\d+)"')
_DIMENSION = re.compile(rb'<dimension ref="([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?"/>')


# --- text ---------------------------------------------------------------------------------------


def _cut(text: str) -> str:
    """`text` within Excel's limit, never splitting a character above U+FFFF (as XlsxWriter)."""
    if len(text) <= CELL_UNITS // 2:
        return text
    units = 0
    for index, char in enumerate(text):
        units += 2 if ord(char) > 0xFFFF else 1
        if units > CELL_UNITS:
            return text[:index]
    return text


def _escape(text: str, control: re.Pattern[str] = _CONTROL) -> str:
    """XlsxWriter's escaping of a shared string: Excel's `_xHHHH_`, then XML's."""
    if "_x" in text:
        text = _ESCAPE.sub(r"_x005F\1", text)
    text = control.sub(lambda match: f"_x{ord(match.group()):04X}_", text)
    text = text.replace("\ufffe", "_xFFFE_").replace("\uffff", "_xFFFF_")
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def shared_string(text: str) -> str:
    """The `<si>` element XlsxWriter writes for `text` (already cut to the cell limit)."""
    if _SPECIAL.search(text) or "_x" in text:
        text = _escape(text)
    preserve = _PRESERVE if text[:1].isspace() or text[-1:].isspace() else ""
    return f"<si><t{preserve}>{text}</t></si>"


def _shared_strings(texts: Sequence[str]) -> list[str]:
    """`shared_string` of each text, the escaping and the checks done over all of them at once."""
    joined = _GLUE.join(texts)
    if not texts or joined.count(_GLUE) != len(texts) - 1:  # a NUL in a text
        return [shared_string(text) for text in texts]
    if _SPECIAL_BUT_GLUE.search(joined) or "_x" in joined:
        joined = _escape(joined, _CONTROL_BUT_GLUE)
        texts = joined.split(_GLUE)
    if not (
        texts[0][:1].isspace()
        or texts[-1][-1:].isspace()
        or _SPACE.search(joined)
        or _SPACE.search(joined[::-1])
    ):
        return [f"<si><t>{text}</t></si>" for text in texts]
    return [
        f"<si><t{_PRESERVE if t[:1].isspace() or t[-1:].isspace() else ''}>{t}</t></si>"
        for t in texts
    ]


# --- blocks -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Numbers:
    """A column of whole numbers, each in its format (None: the default) when `styles` is given."""

    values: Sequence[int]
    styles: Sequence[Format | None] | None = None


Column = Sequence[str] | Numbers


@dataclass(frozen=True, slots=True)
class _Numbers:
    values: Sequence[int]
    styles: Sequence[str] | None
    """Each cell's ` s="N"` attribute, or "" for the default format."""


@dataclass(frozen=True, slots=True)
class _Block:
    """Rows `first`..`last` (1-based, as in the file) of one sheet, column by column."""

    first: int
    columns: tuple[Sequence[str] | _Numbers, ...]

    @property
    def height(self) -> int:
        column = self.columns[0]
        return len(column.values if isinstance(column, _Numbers) else column)

    @property
    def last(self) -> int:
        return self.first + self.height - 1


_ENTITIES = {"&amp;": "&", "&lt;": "<", "&gt;": ">"}
_ENTITY = re.compile("&(?:amp|lt|gt);")
_SI_TEXT = re.compile('<si><t(?: xml:space="preserve")?>([^<]*)</t></si>')


def _plain(xml: str) -> str | None:
    """The text of one of XlsxWriter's `<si>` entries, when it is one that `shared_string`
    writes the same way (never a rich string)."""
    found = _SI_TEXT.fullmatch(xml)
    if found is None:
        return None
    text = _ENTITY.sub(lambda m: _ENTITIES[m.group()], found.group(1))
    return text if shared_string(text) == xml else None


class _Strings:
    """The shared-string table: XlsxWriter's entries, then the blocks' new ones."""

    def __init__(self, sst: bytes, quote: str) -> None:
        found = _SST.search(sst)
        end = sst.rfind(b"</sst>")
        if found is None or end < 0:
            raise _broken("XlsxWriter's shared-string table is not as expected")
        self._head = sst[: found.start(1)]  # up to the count, then up to the unique count
        self._between = sst[found.end(1) : found.start(2)]
        self._body = sst[found.end(2) : end]
        self._cells, self._unique = int(found.group(1)), int(found.group(2))
        theirs = [m.group().decode("utf-8") for m in _SI.finditer(self._body)]
        if len(theirs) != self._unique:
            raise _broken("XlsxWriter's shared-string table is not as expected")
        self._quote = quote
        self.tails: dict[str, str] = {}
        """Each text's cell after its reference: its style and its index in the table
        (XlsxWriter's own where it holds an equal string)."""
        for i, xml in reversed(list(enumerate(theirs))):
            text = _plain(xml)
            if text is not None:
                self.tails[text] = self._tail(text, i)
        self._new: list[str] = []

    def _tail(self, text: str, index: int) -> str:
        return f'{self._quote if text[:1] in FORMULA_STARTS else ""} t="s"><v>{index}</v></c>'

    def add(self, texts: Sequence[str]) -> None:
        """Give every text its tail: an equal string's entry in the table, else a new one."""
        tails = self.tails
        fresh = list(dict.fromkeys([text for text in texts if text not in tails]))
        if fresh:
            start = self._unique + len(self._new)
            if max(map(len, fresh)) > CELL_UNITS // 2:
                self._new += _shared_strings([_cut(text) for text in fresh])
            else:
                self._new += _shared_strings(fresh)
            formula_like = fresh[0][:1] in FORMULA_STARTS or _FORMULA.search(_GLUE.join(fresh))
            if formula_like:
                tails.update((t, self._tail(t, i)) for i, t in enumerate(fresh, start))
            else:
                tails.update((t, f' t="s"><v>{i}</v></c>') for i, t in enumerate(fresh, start))
        self._cells += len(texts)

    def xml(self) -> bytes:
        """sharedStrings.xml with the new entries after XlsxWriter's, and both counts."""
        unique = str(self._unique + len(self._new)).encode()
        new = "".join(self._new).encode("utf-8")
        parts = (self._head, str(self._cells).encode(), self._between, unique, self._body, new)
        return b"".join(parts) + b"</sst>"


class SheetRows:
    """Blocks of rows for the workbook's sheets; `splice` puts them into the closed file."""

    def __init__(self, quote: Format) -> None:
        self._quote = f' s="{quote._get_xf_index()}"'
        self._blocks: dict[str, list[_Block]] = {}

    def add(self, ws: Worksheet, first_row: int, columns: Sequence[Column]) -> None:
        """Rows from `first_row` (0-based) down, given column by column (all as long): text
        cells (quote-prefixed when they start like a formula) or Numbers. XlsxWriter must write
        nothing in these rows."""
        kept = tuple(
            _Numbers(c.values, None if c.styles is None else [_style(s) for s in c.styles])
            if isinstance(c, Numbers)
            else c
            for c in columns
        )
        if not kept:
            return
        block = _Block(first_row + 1, kept)
        if len({len(c.values if isinstance(c, _Numbers) else c) for c in kept}) != 1:
            raise _broken("the columns of a block of rows differ in length")
        if not block.height:
            return
        blocks = self._blocks.setdefault(f"xl/worksheets/sheet{ws.index + 1}.xml", [])
        if blocks and blocks[-1].last >= block.first:
            raise _broken("blocks of rows must come in order and must not overlap")
        blocks.append(block)

    # --- the file ---------------------------------------------------------------------------

    def splice(self, xlsx: bytes) -> bytes:
        """The workbook XlsxWriter wrote, with every block in its sheet and its text in the
        shared strings; each entry of the zip as XlsxWriter writes it (same order, dated
        1980-01-01, deflated)."""
        with zipfile.ZipFile(BytesIO(xlsx)) as source:
            entries = [(info.filename, source.read(info)) for info in source.infolist()]
        files = dict(entries)
        if STRINGS not in files:  # every block's sheet has a text header: never so
            raise _broken("the workbook has no shared-string table")
        missing = sorted(set(self._blocks) - set(files))
        if missing:
            raise _broken(f"the workbook has no {missing[0]}")
        strings = _Strings(files[STRINGS], self._quote)
        rows = {
            name: [b"".join(self._rows(block, strings)) for block in blocks]
            for name, blocks in self._blocks.items()
        }
        out = BytesIO()
        with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as target:
            for name, data in entries:
                entry = zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0))
                entry.compress_type = zipfile.ZIP_DEFLATED
                if name == STRINGS:
                    data = strings.xml()
                elif name in rows:
                    data = _spliced(data, self._blocks[name], rows[name])
                target.writestr(entry, data)
        return out.getvalue()

    def _rows(self, block: _Block, strings: _Strings) -> Iterator[bytes]:
        letters = [xl_col_to_name(c) for c in range(len(block.columns))]
        for start in range(0, block.height, CHUNK):
            stop = min(block.height, start + CHUNK)
            numbers = [str(r) for r in range(block.first + start, block.first + stop)]
            cells = [
                self._cells(letter, numbers, column, start, stop, strings)
                for letter, column in zip(letters, block.columns, strict=True)
            ]
            opens = [f'<row r="{r}">' for r in numbers]
            closes = ["</row>"] * len(numbers)
            yield "".join(map("".join, zip(opens, *cells, closes, strict=True))).encode()

    def _cells(
        self,
        letter: str,
        numbers: Sequence[str],
        column: Sequence[str] | _Numbers,
        start: int,
        stop: int,
        strings: _Strings,
    ) -> list[str]:
        """One column's cells in rows `start`..`stop` (0-based within the block)."""
        if isinstance(column, _Numbers):
            values = column.values[start:stop]
            styles = column.styles[start:stop] if column.styles else [""] * len(values)
            return [
                f'<c r="{letter}{r}"{s}><v>{v}</v></c>'
                for r, v, s in zip(numbers, values, styles, strict=True)
            ]
        texts = column[start:stop]
        strings.add(texts)
        tails = map(strings.tails.__getitem__, texts)
        return [f'<c r="{letter}{r}"{tail}' for r, tail in zip(numbers, tails, strict=True)]


def _broken(what: str) -> InternalError:
    """A bug, not bad input: XlsxWriter wrote a file other than the one expected, or a block
    of rows was given wrong."""
    return InternalError(
        f"internal error: rosters.xlsx could not be put together ({what}), so nothing was "
        "written. Please report this; --no-workbook writes everything else."
    )


def _style(style: Format | None) -> str:
    return "" if style is None else f' s="{style._get_xf_index()}"'


def _spliced(sheet: bytes, blocks: Sequence[_Block], rows: Sequence[bytes]) -> bytes:
    """The sheet's XML with each block's rows before the first of XlsxWriter's rows below it
    (or at the end of `<sheetData>`)."""
    sheet = _widened(sheet, blocks)
    start, end = sheet.find(b"<sheetData>"), sheet.find(b"</sheetData>")
    if start < 0 or end < 0:  # `<sheetData/>`: XlsxWriter wrote no cell (never so here)
        raise _broken("a sheet with rows to add has no <sheetData> element with rows")
    theirs = [(int(m.group(1)), m.start()) for m in _ROW.finditer(sheet, start, end)]
    pieces, at = [], 0
    for block, text in zip(blocks, rows, strict=True):
        if any(block.first <= row <= block.last for row, _ in theirs):
            raise _broken(f"XlsxWriter wrote a row in {block.first}..{block.last}")
        place = next((pos for row, pos in theirs if row > block.last), end)
        pieces += [sheet[at:place], text]
        at = place
    pieces.append(sheet[at:])
    return b"".join(pieces)


def _widened(sheet: bytes, blocks: Sequence[_Block]) -> bytes:
    """The sheet with its `<dimension>` covering the blocks too (they start in column A)."""
    found = _DIMENSION.search(sheet)
    if found is None:
        raise _broken("a sheet with rows to add has no <dimension> element")
    first_col, first_row, last_col, last_row = (g.decode() if g else "" for g in found.groups())
    last_col, last_row = last_col or first_col, last_row or first_row
    top = min(int(first_row), blocks[0].first)
    columns = max(_column_number(last_col), *(len(b.columns) for b in blocks))
    rows = max(int(last_row), *(b.last for b in blocks))
    ref = f"A{top}:{xl_col_to_name(columns - 1)}{rows}"
    return sheet[: found.start()] + f'<dimension ref="{ref}"/>'.encode() + sheet[found.end() :]


def _column_number(letters: str) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - ord("A") + 1
    return number
