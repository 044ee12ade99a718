"""The workbook's big tables written cell by cell through XlsxWriter: the reference that
sheetrows.py (which writes them as XML) must read back the same as.

`CellByCell` has SheetRows' interface; put in place of it (`monkeypatch.setattr(workbook,
"SheetRows", CellByCell)`), workbook.py builds every sheet exactly as before sheetrows.py existed:
each text with `write_string` (cut to the cell limit, quote-prefixed when it starts like a
formula), each number with `write_number` in its format, and the file as XlsxWriter closed it.
`awkward_run` is a re-run whose cohort holds every kind of text that needs care.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import replace
from io import StringIO
from pathlib import Path

from rich.console import Console
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from empower_cli.documents import Run
from empower_cli.pipeline import AssignOptions, assign
from empower_cli.sheetrows import Column, Numbers
from empower_cli.workbook import CELL_LIMIT, FORMULA_STARTS
from helpers_documents import write_file

#: Text that needs care in a cell, one kind each.
AWKWARD = (
    "=1+1",
    "+SUM(A1:A2)",
    "-2-3",
    "@cmd",
    "＝全角",
    "\ttab first",
    "\nnewline first",
    "\rreturn first",
    "00123",
    "0",
    "1.5e3",
    "TRUE",
    "#N/A",
    "ctrl \x01\x02\x08\x0b\x0c\x1f end",
    "nul \x00 inside",
    "_x0041_ a literal escape",
    "_x005F_x0042_",
    "non\ufffechar\uffff",
    "a & b < c > d \" ' ",
    "&amp; already",
    "  leading spaces",
    "trailing spaces  ",
    " both ",
    "\u00a0non-breaking first",
    "last\u3000",
    "line\r\nbreak",
    "\x1cfile separator first",
    "x" * 40_000,
    "😀" * 20_000,
    "é" * 33_000,
    "Siobhán Ní Bhriain",
    "Đặng Minh Anh",
    "中文 עברית العربية",
    "",
    "M1",  # a string XlsxWriter's own table holds too (the Summary's header)
)


class CellByCell:
    """SheetRows' interface over plain XlsxWriter cell writes."""

    def __init__(self, quote: Format) -> None:
        self._quote = quote

    def add(self, ws: Worksheet, first_row: int, columns: Sequence[Column]) -> None:
        for c, column in enumerate(columns):
            if isinstance(column, Numbers):
                styles = column.styles or [None] * len(column.values)
                for r, (number, style) in enumerate(zip(column.values, styles, strict=True)):
                    ws.write_number(first_row + r, c, number, style)
            else:
                for r, text in enumerate(column):
                    quote = self._quote if text[:1] in FORMULA_STARTS else None
                    ws.write_string(first_row + r, c, text[:CELL_LIMIT], quote)

    def splice(self, xlsx: bytes) -> bytes:
        return xlsx


def awkward_run(here: Path, kinds: Sequence[str] = AWKWARD) -> Run:
    """A re-run of 42 students in 2 groups (the M1 cells out of range, forced by locks, so the
    Summary has coloured counts), two of them late sign-ups, with every cell of the sign-up
    file replaced by one of `kinds`, each column through every kind."""
    first = write_file(here / "signups.csv", 40)
    later = write_file(here / "later.csv", 42)
    m1 = [f"{i:05d}" for i in range(1, 27, 5)]  # 6 of the 8 M1 students, where 4 is the range
    locks = here / "locks.csv"
    locks.write_text(
        "".join(f"{a},{b}\n" for a, b in [("student_a", "student_b"), *itertools.pairwise(m1)])
    )
    quiet = Console(file=StringIO())
    options = AssignOptions(signups=first, groups=2, lock=locks, out=here / "first")
    assign(options, out=quiet, err=quiet)
    options = replace(
        options, signups=later, out=here / "second", previous=here / "first" / "assignments.csv"
    )
    done = assign(options, out=quiet, err=quiet)
    n = len(kinds)
    cells = tuple(
        tuple(kinds[(r + 7 * c) % n] for c in range(len(done.cohort.headers)))
        for r in range(len(done.cohort.rows))
    )
    assert done.changes is not None and len(cells) >= n
    return Run(
        replace(done.cohort, rows=cells), done.problem, done.assignment, done.verdict, done.changes
    )
