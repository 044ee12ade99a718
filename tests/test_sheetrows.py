"""rosters.xlsx with its big tables written as XML (sheetrows.py) reads back, cell for cell, as
the same workbook written cell by cell through XlsxWriter (tests/xlsx_reference.py)."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter
from openpyxl.cell.cell import Cell
from openpyxl.worksheet.worksheet import Worksheet
from xlsxwriter.worksheet import Worksheet as XlsxSheet

from empower_cli import sheetrows, workbook
from empower_cli.documents import Run, build_documents
from empower_cli.errors import InternalError
from empower_cli.sheetrows import CELL_UNITS, SheetRows
from xlsx_reference import AWKWARD, CellByCell, awkward_run


@pytest.fixture(scope="module", params=["with a NUL", "without"])
def run(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Run:
    # A text with a NUL sends its whole column's chunk down the path that escapes text by text
    # (sheetrows joins a chunk's text with NULs): without one, each chunk is escaped at once.
    kinds = AWKWARD if request.param == "with a NUL" else [k for k in AWKWARD if "\x00" not in k]
    return awkward_run(tmp_path_factory.mktemp("awkward"), kinds)


@pytest.fixture(autouse=True, scope="module")
def small_chunks() -> Iterator[None]:
    """Rows in chunks of 8, so that a table spans several chunks."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sheetrows, "CHUNK", 8)
        yield


def xlsx(run: Run) -> bytes:
    return build_documents(run, out=Path("out"), workbook=True, report=False)[workbook.WORKBOOK]


@pytest.fixture(scope="module")
def fast(run: Run) -> bytes:
    return xlsx(run)


@pytest.fixture(scope="module")
def reference(run: Run) -> bytes:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(workbook, "SheetRows", CellByCell)
        return xlsx(run)


def load(data: bytes) -> list[Worksheet]:
    return list(openpyxl.load_workbook(io.BytesIO(data)).worksheets)


def look(cell: Cell) -> tuple[object, ...]:
    """Everything of a cell a reader sees: value, type, number format, font, fill, border,
    alignment and the quote prefix."""
    font, fill, align = cell.font, cell.fill, cell.alignment
    return (
        cell.value,
        cell.data_type,
        cell.number_format,
        (font.b, font.i, font.sz, font.color.rgb if font.color else None),
        (fill.fill_type, fill.fgColor.rgb),
        cell.border.bottom.style,
        (align.horizontal, align.vertical, align.wrap_text),
        cell.quotePrefix,
    )


def layout(ws: Worksheet) -> tuple[object, ...]:
    """What a sheet shows besides its cells."""
    return (
        ws.title,
        ws.dimensions,
        ws.freeze_panes,
        ws.auto_filter.ref,
        sorted(str(merged) for merged in ws.merged_cells.ranges),
        {key: dim.width for key, dim in ws.column_dimensions.items()},
        {key: dim.height for key, dim in ws.row_dimensions.items() if dim.height},
        ws.print_title_rows,
        ws.page_setup.orientation,
        ws.page_setup.paperSize,
    )


def test_every_cell_reads_back_as_the_cell_by_cell_workbooks(fast: bytes, reference: bytes) -> None:
    ours, theirs = load(fast), load(reference)
    assert [ws.title for ws in ours] == [
        "Summary",
        "All students",
        "Group 01",
        "Group 02",
        "Changes",
    ]
    assert [ws.title for ws in theirs] == [ws.title for ws in ours]
    for mine, expected in zip(ours, theirs, strict=True):
        assert layout(mine) == layout(expected)
        assert mine.max_row == expected.max_row and mine.max_column == expected.max_column
        for got_row, want_row in zip(mine.iter_rows(), expected.iter_rows(), strict=True):
            for got, want in zip(got_row, want_row, strict=True):
                assert look(got) == look(want), (mine.title, got.coordinate)


def shared_strings(data: bytes) -> tuple[list[bytes], int, int, int]:
    """The workbook's `<si>` entries, their count and unique count as written, and the number
    of cells that refer to them."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sst = archive.read("xl/sharedStrings.xml")
        sheets = [archive.read(n) for n in archive.namelist() if n.startswith("xl/worksheets/")]
    found = re.search(rb'count="(\d+)" uniqueCount="(\d+)"', sst)
    assert found is not None
    cells = sum(sheet.count(b' t="s">') for sheet in sheets)
    return re.findall(rb"<si>.*?</si>", sst, re.DOTALL), int(found[1]), int(found[2]), cells


def test_the_shared_strings_are_xlsxwriters_own(fast: bytes, reference: bytes) -> None:
    # Byte for byte the entries XlsxWriter writes (escapes, xml:space="preserve"), which
    # openpyxl does not show, each once, and both counts right.
    ours, count, unique, cells = shared_strings(fast)
    theirs, *_ = shared_strings(reference)
    assert sorted(ours) == sorted(theirs)
    assert (count, unique) == (cells, len(ours))
    assert b'<si><t xml:space="preserve">  leading spaces</t></si>' in ours


def test_the_awkward_text_is_all_there_as_text(run: Run, fast: bytes) -> None:
    # The comparison above is not between two empty sheets: every kind of text is in each
    # column of All students, each a text cell, quote-prefixed exactly when it starts like a
    # formula, and the long ones cut to Excel's limit in UTF-16 units.
    ws = load(fast)[1]
    body = list(ws.iter_rows(min_row=2))
    assert len(body) == len(run.cohort.rows) == 42
    for column in range(len(run.cohort.headers)):
        cells = [row[column] for row in body]
        assert {cell.data_type for cell in cells} == {"s"}
        assert {len(str(cell.value).encode("utf-16-le")) // 2 for cell in cells} >= {
            CELL_UNITS,
            CELL_UNITS - 1,
        }  # the emoji stop one unit short: never half of one
        quoted = {str(cell.value) for cell in cells if cell.quotePrefix}
        assert quoted == {"=1+1", "+SUM(A1:A2)", "-2-3", "@cmd", "＝全角", "\ttab first",
                          "\nnewline first", "_x000D_return first"}  # fmt: skip
        values = {cell.value for cell in cells}
        assert {
            "00123",
            "  leading spaces",
            "trailing spaces  ",
            "a & b < c > d \" ' ",
            "",
        } <= values
        assert {"中文 עברית العربية", "\u00a0non-breaking first", "M1"} <= values
    groups = [row[len(run.cohort.headers)].value for row in body]
    assert sorted(groups) == groups and set(groups) == {1, 2}  # type: ignore[type-var]


def test_the_summary_counts_out_of_range_are_coloured(fast: bytes) -> None:
    summary = load(fast)[0]
    red = [c for row in summary.iter_rows() for c in row if c.fill.fgColor.rgb == "FFFFC7CE"]
    assert red and all(isinstance(c.value, int) and c.font.b for c in red)


def test_same_records_same_bytes(run: Run, fast: bytes) -> None:
    assert xlsx(run) == fast
    with zipfile.ZipFile(io.BytesIO(fast)) as archive:
        assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        assert archive.testzip() is None


def tiny_book() -> tuple[io.BytesIO, xlsxwriter.Workbook, SheetRows, XlsxSheet]:
    """A workbook of one sheet `S` with a header in A1, and its SheetRows."""
    raw = io.BytesIO()
    book = xlsxwriter.Workbook(raw, workbook.OPTIONS)
    rows = SheetRows(book.add_format({"quote_prefix": True}))
    ws = book.add_worksheet("S")
    ws.write_string(0, 0, "header")
    return raw, book, rows, ws


def test_rich_text_lookalike_stays_text() -> None:
    # XlsxWriter writes a string that starts with <r> and ends with </r> as rich-text XML,
    # unescaped; the tables written here escape it like any other text.
    raw, book, rows, ws = tiny_book()
    rows.add(ws, 1, [["<r>rich</r>", "<r><t>x</t></r>", "</si>"]])
    book.close()
    got = [cell.value for (cell,) in load(rows.splice(raw.getvalue()))[0].iter_rows(min_row=2)]
    assert got == ["<r>rich</r>", "<r><t>x</t></r>", "</si>"]


def test_a_block_over_xlsxwriters_rows_is_an_internal_error_not_a_broken_file() -> None:
    raw, book, rows, ws = tiny_book()
    ws.write_string(2, 0, "XlsxWriter's own row 3")
    rows.add(ws, 1, [["a", "b"]])  # rows 2 and 3
    with pytest.raises(InternalError) as caught:
        rows.add(ws, 2, [["c"]])
    assert "must not overlap" in caught.value.message
    book.close()
    with pytest.raises(InternalError) as caught:
        rows.splice(raw.getvalue())
    assert caught.value.message == (
        "internal error: rosters.xlsx could not be put together (XlsxWriter wrote a row in 2..3), "
        "so nothing was written. Please report this; --no-workbook writes everything else."
    )
    assert caught.value.exit_code == 70
