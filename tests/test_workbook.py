"""rosters.xlsx, read back with openpyxl: every student once, text stays text, same bytes."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
from openpyxl.worksheet.worksheet import Worksheet
from typer.testing import CliRunner

from empower_cli import workbook
from empower_cli.cli import app
from helpers_documents import SIGNUP_HEADER, TRICKY, rows, write, write_file

runner = CliRunner()


def assign(*args: str | Path) -> None:
    result = runner.invoke(app, ["assign", *map(str, args)], catch_exceptions=False)
    assert result.exit_code == 0, result.output


def sheets(path: Path) -> dict[str, Worksheet]:
    book = openpyxl.load_workbook(path)
    return {ws.title: ws for ws in book.worksheets}


def values(ws: Worksheet) -> list[list[object]]:
    return [list(row) for row in ws.iter_rows(values_only=True)]


def table_under(ws: Worksheet, first: str) -> tuple[list[object], list[list[object]]]:
    """The header row whose first cell is `first`, and the rows under it up to a blank row."""
    grid = values(ws)
    start = next(i for i, row in enumerate(grid) if row and row[0] == first)
    body = []
    for row in grid[start + 1 :]:
        if all(cell is None for cell in row):
            break
        body.append(row)
    return grid[start], body


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """40 tricky students in 3 groups, written once for the module's read-only tests."""
    here = tmp_path_factory.mktemp("workbook")
    signups = write_file(here / "signups.csv", 40)
    assign(signups, "-g", "3", "-o", here / "out")
    return here / "out"


def test_every_student_is_on_exactly_one_group_sheet(run: Path) -> None:
    found = sheets(run / "rosters.xlsx")
    assert list(found) == ["Summary", "All students", "Group 01", "Group 02", "Group 03"]
    keys: list[object] = []
    for title in ("Group 01", "Group 02", "Group 03"):
        header, body = table_under(found[title], "Student ID")
        assert header == ["Student ID", "Name", "Email", "Class year", "Interests"]
        keys += [row[0] for row in body]
    assert sorted(keys) == sorted(row[0] for row in rows(40))  # ids keep their leading zeros


def test_no_cell_is_a_formula_and_names_are_byte_for_byte(run: Path) -> None:
    book = openpyxl.load_workbook(run / "rosters.xlsx")
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
    with zipfile.ZipFile(run / "rosters.xlsx") as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in archive.read(name) and b"<f " not in archive.read(name)
    header, body = table_under(book["All students"], "Student ID")
    assert header == [*SIGNUP_HEADER, "group"]
    by_id = {row[0]: row for row in body}
    for expected in rows(40):
        got = by_id[expected[0]]
        assert tuple(got[:5]) == expected  # accents, quotes, '=' and '<' exactly as written
        assert isinstance(got[5], int) and 1 <= got[5] <= 3
    assert [row[5] for row in body] == sorted(row[5] for row in body)  # sorted by group
    names = {str(row[1]) for row in body}
    assert set(TRICKY) <= names


def test_formula_like_names_get_excels_quote_prefix(run: Path) -> None:
    ws = openpyxl.load_workbook(run / "rosters.xlsx")["All students"]
    for row in ws.iter_rows(min_row=2):
        name = row[1]
        assert name.data_type == "s"
        assert bool(name.quotePrefix) == str(name.value).startswith(("=", "+", "-", "@"))


def test_all_students_sheet_is_frozen_filtered_and_fitted(run: Path) -> None:
    ws = openpyxl.load_workbook(run / "rosters.xlsx")["All students"]
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == "A1:F41"
    email_width = ws.column_dimensions["C"].width
    assert email_width >= len("student.40+tag@example.edu")


def test_group_sheet_has_the_groups_emails_in_one_cell(run: Path) -> None:
    found = sheets(run / "rosters.xlsx")
    for title in ("Group 01", "Group 02", "Group 03"):
        ws = found[title]
        _, body = table_under(ws, "Student ID")
        assert ws["A2"].value == "Emails"
        assert ws["B2"].value == "; ".join(str(row[2]) for row in body)


def test_summary_has_the_verdict_counts_ideal_and_totals(run: Path) -> None:
    ws = sheets(run / "rosters.xlsx")["Summary"]
    assert str(ws["A1"].value).startswith("proven optimal: every group is within")
    header, body = table_under(ws, "group")
    assert header[:7] == ["group", "size", "M1", "M2", "M3", "M4", "MSTP"]
    assert header[7:] == ["Wellness", "Clinical environment", "Research & extracurriculars"]
    assert [row[0] for row in body[:3]] == [1, 2, 3]
    assert sum(int(row[1]) for row in body[:3]) == 40  # type: ignore[call-overload]
    assert body[3][:2] == ["ideal", "13–14"]
    assert body[4][:3] == ["total", 40, 8]


def test_a_cell_outside_its_range_is_coloured(
    in_tmp: Path, write_signups: Callable[..., Path], write_csv: Callable[..., Path]
) -> None:
    # Two M1 students locked together in 2 groups: one group gets both, the other none.
    specs = [("M1", ["Wellness"]), ("M1", ["Wellness"]), ("M2", ["Wellness"]), ("M2", ["Wellness"])]
    signups = write_signups(specs)
    locks = write_csv("locks.csv", [("S001", "S002")])
    assign(signups, "-g", "2", "--lock", locks, "-o", "out")
    ws = sheets(in_tmp / "out" / "rosters.xlsx")["Summary"]
    header, _body = table_under(ws, "group")
    m1 = header.index("M1") + 1
    row = next(i for i, r in enumerate(ws.iter_rows(values_only=True), 1) if r[0] == "group")
    cells = [ws.cell(row=row + g, column=m1) for g in (1, 2)]
    assert sorted(c.value for c in cells) == [0, 2]  # type: ignore[type-var]
    assert all(c.fill.fgColor.rgb.endswith("FFC7CE") for c in cells)
    in_range = ws.cell(row=row + 1, column=header.index("Wellness") + 1)  # 2 of 4 in each
    assert in_range.fill.fill_type is None


def test_two_runs_give_identical_bytes(in_tmp: Path, write_signups: Callable[..., Path]) -> None:
    signups = write(write_signups, 20)
    assign(signups, "-g", "2", "-o", "a")
    assign(signups, "-g", "2", "-o", "b")
    for name in ("rosters.xlsx", "report.html"):
        assert (in_tmp / "a" / name).read_bytes() == (in_tmp / "b" / name).read_bytes(), name
    with zipfile.ZipFile(io.BytesIO((in_tmp / "a" / "rosters.xlsx").read_bytes())) as archive:
        assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        core = archive.read("docProps/core.xml").decode()
    assert "1980-01-01T00:00:00Z" in core


def test_more_groups_than_sheets_allowed_have_no_group_sheets(
    in_tmp: Path, write_signups: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The limit is 60 groups; lowered to 2 here so that a 3-group run is over it.
    monkeypatch.setattr(workbook, "MAX_GROUP_SHEETS", 2)
    signups = write(write_signups, 30)
    assign(signups, "-g", "3", "-o", "out")
    found = sheets(in_tmp / "out" / "rosters.xlsx")
    assert list(found) == ["Summary", "All students"]
    _, body = table_under(found["All students"], "Student ID")
    assert [row[5] for row in body] == sorted(row[5] for row in body)
    assert len(body) == 30


def test_rerun_adds_a_changes_sheet(in_tmp: Path, write_signups: Callable[..., Path]) -> None:
    signups = write(write_signups, 20)
    assign(signups, "-g", "2", "-o", "first")
    later = write_signups(rows=rows(22), header=SIGNUP_HEADER, name="later.csv")
    assign(later, "--previous", "first/assignments.csv", "-o", "second")
    ws = sheets(in_tmp / "second" / "rosters.xlsx")["Changes"]
    header, body = table_under(ws, "change")
    assert header == ["change", "student", "name", "from group", "to group", "why"]
    assert sorted(row[1] for row in body if row[0] == "joined") == ["00021", "00022"]
    report = (in_tmp / "second" / "report.html").read_text(encoding="utf-8")
    assert "Against the earlier rosters" in report and "joined: Étudiant 21 (00021)" in report


def test_no_workbook_and_no_report(in_tmp: Path, write_signups: Callable[..., Path]) -> None:
    signups = write(write_signups, 10)
    assign(signups, "-g", "2", "-o", "out", "--no-workbook", "--no-report")
    names = {path.name for path in (in_tmp / "out").iterdir()}
    assert "rosters.xlsx" not in names and "report.html" not in names
    assert "assignments.csv" in names
    assign(signups, "-g", "2", "-o", "out2", "--no-report")
    assert {"rosters.xlsx"} <= {path.name for path in (in_tmp / "out2").iterdir()}
    assert not (in_tmp / "out2" / "report.html").exists()


def test_a_lone_surrogate_is_an_output_error_naming_no_data(tmp_path: Path) -> None:
    from dataclasses import replace
    from io import StringIO

    from rich.console import Console

    from empower_cli.documents import Run, build_documents
    from empower_cli.errors import OutputError
    from empower_cli.pipeline import AssignOptions
    from empower_cli.pipeline import assign as run_assign

    signups = write_file(tmp_path / "signups.csv", 6)
    quiet = Console(file=StringIO())
    done = run_assign(
        AssignOptions(signups=signups, groups=2, out=tmp_path / "out"), out=quiet, err=quiet
    )
    rows = ((done.cohort.rows[0][0], "Ana \ud800", *done.cohort.rows[0][2:]), *done.cohort.rows[1:])
    run = Run(replace(done.cohort, rows=rows), done.problem, done.assignment, done.verdict)
    for xlsx, html in ((True, False), (False, True)):
        with pytest.raises(OutputError) as caught:
            build_documents(run, out=Path("out"), workbook=xlsx, report=html)
        assert caught.value.message == (
            "out: a cell holds characters that cannot be written as UTF-8; nothing was written."
        )
