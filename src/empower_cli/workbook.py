"""rosters.xlsx: the rosters as one Excel workbook a coordinator can open, print and send.

Sheets: `Summary` (the verdict, then one row per group with its size and every category of every
balanced family, the ideal range and the totals; a cell outside its range is coloured), `All
students` (every input column plus the group, sorted by group), one sheet per group (`Group 01`,
...) when there are at most MAX_GROUP_SHEETS groups, with the group's emails in one cell, and
`Changes` on a re-run.

Written with XlsxWriter rather than openpyxl: it writes a 20,000-student workbook in about half
the time, and it writes a cell only as the type it is told (`write_string`, `write_number`),
so a name that starts with `=` is text by construction, where openpyxl turns any such string
into a live formula unless each cell's type is reset. A text cell that a spreadsheet would run
as a formula when it is edited also gets Excel's quote prefix. Ids keep their leading zeros
because they are never numbers here.

The big tables (`All students`, each group's members, `Changes`, the Summary's row per group)
are handed to sheetrows.SheetRows a column at a time instead of cell by cell: it writes their
rows as XML into the file XlsxWriter closed, as XlsxWriter would have written them (shared
strings, the quote prefix, the same escapes), at a small part of the cost per cell. XlsxWriter
writes everything else: formats, widths, frozen panes, filters, print setup and the header rows.

Same records, same bytes: XlsxWriter dates every zip entry 1980-01-01, and the document's
created time in docProps/core.xml is set to that date instead of the clock's.
"""

from __future__ import annotations

import datetime
import io
from collections.abc import Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from empower_cli.export import changes_rows
from empower_cli.layout import email_column, families, member_columns
from empower_cli.records import Assignment, Changes, Cohort, Problem, Verdict
from empower_cli.sheetrows import CELL_UNITS, FORMULA_STARTS, Column, Numbers, SheetRows

WORKBOOK = "rosters.xlsx"
#: Above this many groups there are no group sheets: `All students`, sorted by group, serves.
MAX_GROUP_SHEETS = 60
#: The created time docProps/core.xml records (the date XlsxWriter gives every zip entry).
FIXED_TIME = datetime.datetime(1980, 1, 1, tzinfo=datetime.UTC)
EMAIL_SEPARATOR = "; "
MIN_WIDTH, MAX_WIDTH = 6, 60
#: Excel's limit on the characters in one cell (in UTF-16 units, which XlsxWriter cuts to).
CELL_LIMIT = CELL_UNITS
A4 = 9
OPTIONS = {
    "in_memory": True,
    "strings_to_formulas": False,
    "strings_to_numbers": False,
    "strings_to_urls": False,
}


@dataclass(frozen=True, slots=True)
class WorkbookInput:
    """What the workbook shows; `verdict_text` is the terminal's verdict line."""

    cohort: Cohort
    problem: Problem
    assignment: Assignment
    verdict: Verdict
    verdict_text: str
    group_header: str
    changes: Changes | None = None
    rule_lines: tuple[str, ...] = ()
    """The terminal summary's lines on the rules (every rule held, at least N per group, nobody
    alone, repeated groupmates, group means), shown under the verdict."""


class _Formats:
    """The workbook's cell formats, each made once."""

    def __init__(self, book: xlsxwriter.Workbook) -> None:
        self._book = book
        self._made: dict[tuple[tuple[str, Any], ...], Format] = {}

    def get(self, **properties: Any) -> Format:
        key = tuple(sorted(properties.items()))
        if key not in self._made:
            self._made[key] = self._book.add_format(properties)
        return self._made[key]


BOLD = {"bold": True}
TITLE = {"bold": True, "font_size": 13}
DIM = {"italic": True, "font_color": "#595959"}
OUT = {"bg_color": "#FFC7CE", "font_color": "#9C0006", "bold": True}
HEAD = {"bold": True, "bottom": 1, "bg_color": "#F2F2F2"}


# --- cells --------------------------------------------------------------------------------------


def _text(
    ws: Worksheet, formats: _Formats, row: int, column: int, value: str, **style: Any
) -> None:
    """A text cell that stays text: never a formula, never a number (0-based row and column)."""
    if value and value[0] in FORMULA_STARTS:
        style = {**style, "quote_prefix": True}
    ws.write_string(row, column, value[:CELL_LIMIT], formats.get(**style) if style else None)


def _text_row(
    ws: Worksheet, formats: _Formats, row: int, values: Sequence[str], **style: Any
) -> None:
    for column, value in enumerate(values):
        _text(ws, formats, row, column, value, **style)


def _columns(rows: Sequence[Sequence[str]], width: int) -> list[Sequence[str]]:
    """The rows' cells column by column (`width` columns even when there are no rows)."""
    return [list(map(itemgetter(i), rows)) for i in range(width)]


def _fit_widths(
    ws: Worksheet, columns: Sequence[Sequence[str]], header: Sequence[str]
) -> list[int]:
    """Each column as wide as its longest value or header (within MIN_WIDTH..MAX_WIDTH
    characters)."""
    widths = []
    for column, values in enumerate(columns):
        longest = max(len(header[column]), max(map(len, values), default=0))
        width = min(MAX_WIDTH, max(MIN_WIDTH, longest + 2))
        ws.set_column(column, column, width)
        widths.append(width)
    return widths


def _print_wide(ws: Worksheet, title_row: int | None = None) -> None:
    """Print landscape on A4, every column on one page width, the header on every page."""
    ws.set_landscape()
    ws.set_paper(A4)
    ws.fit_to_pages(1, 0)
    if title_row is not None:
        ws.repeat_rows(title_row)


def _range(low: int, high: int) -> str:
    return str(low) if low == high else f"{low}–{high}"


# --- sheets -------------------------------------------------------------------------------------


def _summary_sheet(ws: Worksheet, formats: _Formats, fast: SheetRows, data: WorkbookInput) -> None:
    problem, balance = data.problem, data.verdict.balance
    order = [c for family in families(problem) for c in family.categories]
    lines = data.verdict_text.splitlines()
    for row, line in enumerate(lines):
        _text(ws, formats, row, 0, line, **(TITLE if row == 0 else BOLD))
    for row, line in enumerate(data.rule_lines, start=len(lines)):
        _text(ws, formats, row, 0, line)
    top = len(lines) + len(data.rule_lines) + 1
    column = 2
    for family in families(problem):
        _text(ws, formats, top, column, family.title, **BOLD)
        column += len(family.categories)
    names = [problem.categories[c].name for c in order]
    header = top + 1
    _text_row(ws, formats, header, ["group", "size", *names], **HEAD, text_wrap=True, align="right")
    size_band = (problem.size_min, problem.size_max)
    bands = [size_band, *(problem.band(c) for c in order)]
    out = formats.get(**OUT)
    counts = [list(balance.sizes), *([row[c] for row in balance.counts] for c in order)]
    columns: list[Column] = [Numbers(range(1, problem.n_groups + 1))]
    for values, (low, high) in zip(counts, bands, strict=True):
        columns.append(Numbers(values, [None if low <= n <= high else out for n in values]))
    fast.add(ws, header + 1, columns)
    ideal = header + 1 + problem.n_groups
    ranges = [_range(*size_band), *(_range(*problem.band(c)) for c in order)]
    _text(ws, formats, ideal, 0, "ideal", **DIM)
    for column, text in enumerate(ranges, start=1):
        _text(ws, formats, ideal, column, text, **DIM, align="right")
    _text(ws, formats, ideal + 1, 0, "total", **BOLD)
    totals = [sum(balance.sizes), *(problem.categories[c].total for c in order)]
    for column, total in enumerate(totals, start=1):
        ws.write_number(ideal + 1, column, total, formats.get(**BOLD))
    note = ideal + 3
    _text(ws, formats, note, 0, "A coloured cell is outside its ideal range.", **DIM)
    for offset, (short, full) in enumerate(data.cohort.legend, start=1):
        _text(ws, formats, note + offset, 0, short, **BOLD)
        _text(ws, formats, note + offset, 1, full)
    ws.freeze_panes(header + 1, 2)
    ws.set_column(0, 1, 8)
    lines_needed = 1
    for column, name in enumerate(names, start=2):
        longest = max((len(word) for word in name.split()), default=0)
        width = min(MAX_WIDTH, max(MIN_WIDTH, longest + 2, min(len(name) + 2, 14)))
        ws.set_column(column, column, width)
        lines_needed = max(lines_needed, _wrapped_lines(name, width - 1))
    ws.set_row(header, 15 * lines_needed)  # spreadsheets do not grow a row for wrapped text
    _print_wide(ws, header)


def _wrapped_lines(text: str, width: int) -> int:
    """How many lines `text` takes when wrapped at spaces into `width` characters."""
    lines, used = 1, 0
    for word in text.split():
        if used and used + 1 + len(word) > width:
            lines, used = lines + 1, len(word)
        else:
            used += len(word) + (1 if used else 0)
    return lines


def _by_group(data: WorkbookInput) -> list[int]:
    """Student indices sorted by group, in input order within a group."""
    groups = data.assignment.groups
    return sorted(range(len(groups)), key=groups.__getitem__)  # a stable sort


def _all_students_sheet(
    ws: Worksheet, formats: _Formats, fast: SheetRows, data: WorkbookInput
) -> None:
    cohort, groups = data.cohort, data.assignment.groups
    header = [*cohort.headers, data.group_header]
    _text_row(ws, formats, 0, header, **HEAD)
    order = _by_group(data)
    last = len(cohort.headers)
    columns: list[Sequence[str]] = _columns([cohort.rows[s] for s in order], last)
    fast.add(ws, 1, [*columns, Numbers([groups[s] + 1 for s in order])])
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, len(order), last)
    _fit_widths(ws, [*columns, [str(data.problem.n_groups)]], header)
    _print_wide(ws, 0)


def group_sheet_name(group: int, n_groups: int) -> str:
    """`Group 01` for 0-based `group`, zero-padded so that the sheets sort in group order."""
    width = max(2, len(str(n_groups)))
    return f"Group {group + 1:0{width}d}"


def _group_sheet(
    ws: Worksheet,
    formats: _Formats,
    fast: SheetRows,
    data: WorkbookInput,
    group: int,
    members: Sequence[int],
) -> None:
    cohort = data.cohort
    shown = member_columns(cohort, data.problem)
    count = f"{len(members)} student" if len(members) == 1 else f"{len(members)} students"
    _text(ws, formats, 0, 0, f"Group {group + 1} ({count})", **TITLE)
    header = 3
    _text_row(ws, formats, header, [cohort.headers[i] for i in shown], **HEAD)
    columns = [[cohort.rows[s][i] for s in members] for i in shown]
    fast.add(ws, header + 1, columns)
    widths = _fit_widths(ws, columns, [cohort.headers[i] for i in shown])
    where = email_column(cohort)
    if where is not None:
        emails = EMAIL_SEPARATOR.join(
            cohort.rows[s][where] for s in members if cohort.rows[s][where]
        )
        if len(emails) > CELL_LIMIT:  # never a cut list that looks whole
            emails = f"(too many emails for one cell: see the {cohort.headers[where]} column)"
        _text(ws, formats, 1, 0, "Emails", **BOLD, valign="top")
        last = max(1, len(shown) - 1)
        wrap = formats.get(text_wrap=True, valign="top")
        if last > 1:
            ws.merge_range(1, 1, 1, last, "", wrap)
        _text(ws, formats, 1, 1, emails, text_wrap=True, valign="top")
        room = max(1, sum(widths[1 : last + 1]))
        ws.set_row(1, 15 * max(1, -(-len(emails) // room)))  # no spreadsheet sizes merged rows
    _print_wide(ws, header)


def _changes_sheet(
    ws: Worksheet, formats: _Formats, fast: SheetRows, data: WorkbookInput, changes: Changes
) -> None:
    header, rows = changes_rows(data.problem, changes)
    _text_row(ws, formats, 0, header, **HEAD)
    columns = _columns(rows, len(header))
    fast.add(ws, 1, columns)
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, len(rows), len(header) - 1)
    _fit_widths(ws, columns, header)
    _print_wide(ws, 0)


# --- the file -----------------------------------------------------------------------------------


def workbook_bytes(data: WorkbookInput) -> bytes:
    """rosters.xlsx as bytes; the same records always give the same bytes."""
    raw = io.BytesIO()
    book = xlsxwriter.Workbook(raw, OPTIONS)
    book.set_properties({"title": "Mentorship groups", "author": "empower", "created": FIXED_TIME})
    formats = _Formats(book)
    fast = SheetRows(formats.get(quote_prefix=True))
    _summary_sheet(book.add_worksheet("Summary"), formats, fast, data)
    _all_students_sheet(book.add_worksheet("All students"), formats, fast, data)
    n_groups = data.problem.n_groups
    if n_groups <= MAX_GROUP_SHEETS:
        members: list[list[int]] = [[] for _ in range(n_groups)]
        for s, group in enumerate(data.assignment.groups):
            members[group].append(s)
        for group, students in enumerate(members):
            sheet = book.add_worksheet(group_sheet_name(group, n_groups))
            _group_sheet(sheet, formats, fast, data, group, students)
    if data.changes is not None:
        _changes_sheet(book.add_worksheet("Changes"), formats, fast, data, data.changes)
    book.close()
    return fast.splice(raw.getvalue())
