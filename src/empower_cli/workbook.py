"""rosters.xlsx: the rosters as one Excel workbook a coordinator can open, print and send.

Sheets: `Summary` (the verdict, then one row per group with its size and every category of every
balanced family, the ideal range and the totals; a cell outside its range is coloured), `All
students` (every input column plus the group, sorted by group), one sheet per group (`Group 01`,
...) when there are at most MAX_GROUP_SHEETS groups, with the group's emails in one cell, and
`Changes` on a re-run.

Every cell that came in as text is written as text: openpyxl would otherwise store a string that
starts with `=` as a live formula (and `#N/A` as an error), so each text cell's type is set to
string explicitly, and a cell that a spreadsheet would run as a formula when edited also gets
Excel's quote prefix. Ids keep their leading zeros because they are never numbers here.

Same records, same bytes: the document's created and modified times in docProps/core.xml and
the date of every zip entry are one fixed date (1980-01-01), not the clock's.
"""

from __future__ import annotations

import datetime
import io
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter

from empower_cli.export import changes_rows
from empower_cli.families import email_column, families, member_columns
from empower_cli.records import Assignment, Changes, Cohort, Problem, Verdict

WORKBOOK = "rosters.xlsx"
#: Above this many groups there are no group sheets: `All students`, sorted by group, serves.
MAX_GROUP_SHEETS = 60
#: The one date every zip entry carries (the earliest a zip file can hold).
ZIP_DATE = (1980, 1, 1, 0, 0, 0)
#: The created and modified times docProps/core.xml records (openpyxl would write the clock's).
FIXED_TIME = datetime.datetime(*ZIP_DATE)
EMAIL_SEPARATOR = "; "
#: First characters a spreadsheet reads as a formula when a cell is edited (see export.py).
FORMULA_STARTS = frozenset("=+-@\t\r\n＝＋－＠")
MIN_WIDTH, MAX_WIDTH = 6, 60
OUT_FILL = PatternFill("solid", start_color="FFC7CE", end_color="FFC7CE")
OUT_FONT = Font(color="9C0006", bold=True)
BOLD = Font(bold=True)
TITLE = Font(bold=True, size=13)
DIM = Font(italic=True, color="595959")
WRAP = Alignment(wrap_text=True, vertical="top")


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


# --- cells --------------------------------------------------------------------------------------


def _text(ws: Worksheet, row: int, column: int, value: str, font: Font | None = None) -> Cell:
    """A text cell that stays text: never a formula, never an error value, never a number."""
    cell = ws.cell(row=row, column=column)
    cell.value = ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)
    cell.data_type = "s"
    if value and value[0] in FORMULA_STARTS:
        cell.quotePrefix = True
    if font is not None:
        cell.font = font
    return cell


def _number(ws: Worksheet, row: int, column: int, value: int) -> Cell:
    cell = ws.cell(row=row, column=column)
    cell.value = value
    return cell


def _text_row(ws: Worksheet, row: int, values: Sequence[str], font: Font | None = None) -> None:
    for column, value in enumerate(values, start=1):
        _text(ws, row, column, value, font)


def _fit_widths(ws: Worksheet, columns: Sequence[Sequence[str]]) -> None:
    """Each column as wide as its longest value (within MIN_WIDTH..MAX_WIDTH characters)."""
    for column, values in enumerate(columns, start=1):
        longest = max((len(value) for value in values), default=0)
        width = min(MAX_WIDTH, max(MIN_WIDTH, longest + 2))
        ws.column_dimensions[get_column_letter(column)].width = width


def _print_wide(ws: Worksheet, title_rows: str | None = None) -> None:
    """Print landscape, every column on one page width, the header rows on every page."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    if title_rows is not None:
        ws.print_title_rows = title_rows


def _range(low: int, high: int) -> str:
    return str(low) if low == high else f"{low}–{high}"


# --- sheets -------------------------------------------------------------------------------------


def _summary_sheet(ws: Worksheet, data: WorkbookInput) -> None:
    problem, balance = data.problem, data.verdict.balance
    ws.title = "Summary"
    for row, line in enumerate(data.verdict_text.splitlines(), start=1):
        _text(ws, row, 1, line, TITLE if row == 1 else BOLD)
    top = len(data.verdict_text.splitlines()) + 2
    _text(ws, top, 1, "", BOLD)
    _text(ws, top, 2, "", BOLD)
    column = 3
    for family in families(problem):
        _text(ws, top, column, family.title, BOLD)
        column += len(family.categories)
    order = [c for family in families(problem) for c in family.categories]
    names = [problem.categories[c].name for c in order]
    header = top + 1
    _text_row(ws, header, ["group", "size", *names], BOLD)
    size_band = (problem.size_min, problem.size_max)
    for g, size in enumerate(balance.sizes):
        row = header + 1 + g
        _number(ws, row, 1, g + 1)
        _mark(_number(ws, row, 2, size), size, size_band)
        for column, c in enumerate(order, start=3):
            _mark(
                _number(ws, row, column, balance.counts[g][c]),
                balance.counts[g][c],
                problem.band(c),
            )
    ideal = header + 1 + problem.n_groups
    _text_row(
        ws,
        ideal,
        ["ideal", _range(*size_band), *(_range(*problem.band(c)) for c in order)],
        DIM,
    )
    _text(ws, ideal + 1, 1, "total", BOLD)
    _number(ws, ideal + 1, 2, sum(balance.sizes)).font = BOLD
    for column, c in enumerate(order, start=3):
        _number(ws, ideal + 1, column, problem.categories[c].total).font = BOLD
    note = ideal + 3
    _text(ws, note, 1, "A coloured cell is outside its ideal range.", DIM)
    for offset, (short, full) in enumerate(data.cohort.legend, start=1):
        _text(ws, note + offset, 1, short, BOLD)
        _text(ws, note + offset, 2, full)
    ws.freeze_panes = ws.cell(row=header + 1, column=3)
    widths = [["group", "total"], ["size"], *([name, "00–00"] for name in names)]
    _fit_widths(ws, widths)
    _print_wide(ws, f"{header}:{header}")


def _mark(cell: Cell, count: int, band: tuple[int, int]) -> None:
    if not band[0] <= count <= band[1]:
        cell.fill = OUT_FILL
        cell.font = OUT_FONT


def _by_group(data: WorkbookInput) -> list[int]:
    """Student indices sorted by group, in input order within a group."""
    groups = data.assignment.groups
    return sorted(range(len(groups)), key=lambda s: (groups[s], s))


def _all_students_sheet(ws: Worksheet, data: WorkbookInput) -> None:
    cohort, groups = data.cohort, data.assignment.groups
    header = [*cohort.headers, data.group_header]
    _text_row(ws, 1, header, BOLD)
    order = _by_group(data)
    for row, s in enumerate(order, start=2):
        for column, value in enumerate(cohort.rows[s], start=1):
            _text(ws, row, column, value)
        _number(ws, row, len(header), groups[s] + 1)
    ws.freeze_panes = "A2"
    last = get_column_letter(len(header))
    ws.auto_filter.ref = f"A1:{last}{len(order) + 1}"
    columns: list[Sequence[str]] = [
        [h, *(cohort.rows[s][i] for s in order)] for i, h in enumerate(cohort.headers)
    ]
    columns.append([data.group_header, str(data.problem.n_groups)])
    _fit_widths(ws, columns)
    _print_wide(ws, "1:1")


def group_sheet_name(group: int, n_groups: int) -> str:
    """`Group 01` for 0-based `group`, zero-padded so that the sheets sort in group order."""
    width = max(2, len(str(n_groups)))
    return f"Group {group + 1:0{width}d}"


def _group_sheet(ws: Worksheet, data: WorkbookInput, group: int, members: Sequence[int]) -> None:
    cohort = data.cohort
    shown = member_columns(cohort, data.problem)
    where = email_column(cohort)
    count = f"{len(members)} student" if len(members) == 1 else f"{len(members)} students"
    _text(ws, 1, 1, f"Group {group + 1} ({count})", TITLE)
    if where is not None:
        emails = EMAIL_SEPARATOR.join(
            cohort.rows[s][where] for s in members if cohort.rows[s][where]
        )
        _text(ws, 2, 1, "Emails", BOLD)
        cell = _text(ws, 2, 2, emails)
        cell.alignment = WRAP
        if len(shown) > 2:
            ws.merge_cells(start_row=2, start_column=2, end_row=2, end_column=len(shown))
    header = 4
    _text_row(ws, header, [cohort.headers[i] for i in shown], BOLD)
    for row, s in enumerate(members, start=header + 1):
        for column, i in enumerate(shown, start=1):
            _text(ws, row, column, cohort.rows[s][i])
    columns = [[cohort.headers[i], *(cohort.rows[s][i] for s in members)] for i in shown]
    _fit_widths(ws, columns)
    if where is not None:
        _emails_row_height(ws, data, shown, len(emails))
    _print_wide(ws, f"{header}:{header}")


def _emails_row_height(
    ws: Worksheet, data: WorkbookInput, shown: Sequence[int], length: int
) -> None:
    """Tall enough for the wrapped emails (spreadsheets do not size a merged cell's row)."""
    letters = [get_column_letter(column) for column in range(2, max(3, len(shown) + 1))]
    width = sum(ws.column_dimensions[letter].width or MIN_WIDTH for letter in letters)
    lines = max(1, -(-length // max(1, int(width))))
    ws.row_dimensions[2].height = 15 * lines


def _changes_sheet(ws: Worksheet, data: WorkbookInput, changes: Changes) -> None:
    header, rows = changes_rows(data.problem, changes)
    _text_row(ws, 1, header, BOLD)
    for row, values in enumerate(rows, start=2):
        _text_row(ws, row, values)
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(header))}{len(rows) + 1}"
    _fit_widths(ws, [[h, *(r[i] for r in rows)] for i, h in enumerate(header)])
    _print_wide(ws, "1:1")


# --- the file -----------------------------------------------------------------------------------


def build_workbook(data: WorkbookInput) -> Workbook:
    """The workbook, not yet saved."""
    wb = Workbook()
    _summary_sheet(wb.active, data)
    _all_students_sheet(wb.create_sheet("All students"), data)
    n_groups = data.problem.n_groups
    if n_groups <= MAX_GROUP_SHEETS:
        members: list[list[int]] = [[] for _ in range(n_groups)]
        for s, group in enumerate(data.assignment.groups):
            members[group].append(s)
        for group, students in enumerate(members):
            _group_sheet(wb.create_sheet(group_sheet_name(group, n_groups)), data, group, students)
    if data.changes is not None:
        _changes_sheet(wb.create_sheet("Changes"), data, data.changes)
    return wb


def workbook_bytes(data: WorkbookInput) -> bytes:
    """rosters.xlsx as bytes; the same records always give the same bytes."""
    wb = build_workbook(data)
    wb.properties.created = FIXED_TIME
    wb.properties.modified = FIXED_TIME
    wb.properties.creator = "empower"
    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w", zipfile.ZIP_STORED) as archive:
        ExcelWriter(wb, archive).save()
    return _fixed_dates(raw.getvalue())


def _fixed_dates(data: bytes) -> bytes:
    """The same zip, compressed, with one fixed date and mode on every entry."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for entry in source.infolist():
            info = zipfile.ZipInfo(entry.filename, date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            target.writestr(info, source.read(entry.filename))
    return out.getvalue()
