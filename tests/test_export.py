"""The output folder: exact files, bytes, escaping, and all-or-nothing writes."""

from __future__ import annotations

import csv
import errno
import io
import json
import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from empower_cli import export
from empower_cli.errors import OutputError
from empower_cli.export import (
    escape_cell,
    group_file_name,
    group_header,
    prepare_output_dir,
    write_outputs,
)
from empower_cli.records import (
    Assignment,
    Balance,
    Category,
    Cohort,
    Problem,
    Status,
    Student,
    Unit,
    Verdict,
)

HEADERS = ("Student ID", "Name", "Email", "Class year", "Interests", "Notes")
ROWS = (
    ("s1", "Zoë Ångström", "zoe@x.edu", "M1", "Wellness;Clinical", "=1+1"),
    ("s2", "José Núñez", "jose@x.edu", "M2", "Clinical", "+cmd"),
    ("s3", "Ana", "ana@x.edu", "M1", "Research", "-5"),
    ("s4", "Bo", "bo@x.edu", "M2", "Wellness", "@SUM(A1)"),
    ("s5", "Chen, Li", "chen@x.edu", "MSTP", "Research;Clinical", 'says "hi"'),
    ("s6", "Dee", "dee@x.edu", "M1", "", "＝HYPERLINK"),
)
INTERESTS = ("Wellness", "Clinical", "Research")
GROUPS = (0, 1, 1, 0, 0, 1)
#: As rules.categories_of lists them: every class year, then the interests in cohort order.
CATEGORIES = (
    Category("M1", "year", 3),
    Category("M2", "year", 2),
    Category("M3", "year", 0),
    Category("M4", "year", 0),
    Category("MSTP", "year", 1),
    Category("Wellness", "interest", 2),
    Category("Clinical", "interest", 3),
    Category("Research", "interest", 2),
)
# counts[g][c], aligned with CATEGORIES
COUNTS = ((1, 1, 0, 0, 1, 2, 2, 1), (2, 1, 0, 0, 0, 0, 1, 1))
MANIFEST = {"version": "0.1.0", "groups": 2, "input": {"sha256": "abc", "rows": 6}, "seed": 0}


def make_cohort(
    headers: tuple[str, ...] = HEADERS, rows: tuple[tuple[str, ...], ...] = ROWS
) -> Cohort:
    students = tuple(
        Student(
            index=i,
            row=i + 2,
            key=f"s{i + 1}",
            name=ROWS[i][1],
            year=ROWS[i][3],
            interests=tuple(x for x in INTERESTS if x in ROWS[i][4].split(";")),
        )
        for i in range(len(rows))
    )
    return Cohort(
        source="signups.csv",
        sha256="abc",
        headers=headers,
        rows=rows,
        students=students,
        interests=INTERESTS,
        mapping=(("id", "Student ID"), ("name", "Name"), ("year", "Class year")),
        encoding="utf-8",
        delimiter=",",
    )


def make_problem(cohort: Cohort) -> Problem:
    units = tuple(
        Unit(
            index=s.index,
            members=(s.index,),
            profile=tuple(
                int(s.year == c.name if c.family == "year" else c.name in s.interests)
                for c in CATEGORIES
            ),
        )
        for s in cohort.students
    )
    return Problem(
        students=cohort.students, n_groups=2, categories=CATEGORIES, units=units, aparts=()
    )


ASSIGNMENT = Assignment(groups=GROUPS, status=Status.OPTIMAL, objective=2, bound=2, wall_time=0.1)
VERDICT = Verdict(
    violations=(),
    balance=Balance(
        sizes=(3, 3),
        counts=COUNTS,
        out_of_band=2,
        excess=2,
        total_deviation=5.0,
        least_total_deviation=3.0,
        max_deviation=1.0,
        size_spread=0,
    ),
)


def write(out: Path, *, force: bool = False, cohort: Cohort | None = None) -> list[Path]:
    cohort = cohort or make_cohort()
    return write_outputs(
        out,
        cohort=cohort,
        problem=make_problem(cohort),
        assignment=ASSIGNMENT,
        verdict=VERDICT,
        manifest=MANIFEST,
        force=force,
    )


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


# --- files and bytes ----------------------------------------------------------------------------


def test_writes_exactly_these_files(here: Path) -> None:
    paths = write(Path("rosters"))
    names = ["assignments.csv", "group-01.csv", "group-02.csv", "summary.csv", "manifest.json"]
    assert paths == [Path("rosters") / name for name in names]
    assert sorted(p.name for p in (here / "rosters").iterdir()) == sorted(names)
    assert [p.name for p in here.iterdir()] == ["rosters"]  # no temporary folder left


def test_assignments_csv_bytes(here: Path) -> None:
    write(Path("rosters"))
    expected = (
        "\ufeffStudent ID,Name,Email,Class year,Interests,Notes,group\n"
        "s1,Zoë Ångström,zoe@x.edu,M1,Wellness;Clinical,'=1+1,1\n"
        "s2,José Núñez,jose@x.edu,M2,Clinical,'+cmd,2\n"
        "s3,Ana,ana@x.edu,M1,Research,'-5,2\n"
        "s4,Bo,bo@x.edu,M2,Wellness,'@SUM(A1),1\n"
        's5,"Chen, Li",chen@x.edu,MSTP,Research;Clinical,"says ""hi""",1\n'
        "s6,Dee,dee@x.edu,M1,,'＝HYPERLINK,2\n"
    )
    data = (here / "rosters" / "assignments.csv").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    assert data.decode("utf-8") == expected


def test_group_files_keep_input_order_and_columns(here: Path) -> None:
    write(Path("rosters"))
    with (here / "rosters" / "group-01.csv").open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == [*HEADERS, "group"]
    assert [r[0] for r in rows[1:]] == ["s1", "s4", "s5"]
    assert rows[1] == ["s1", "Zoë Ångström", "zoe@x.edu", "M1", "Wellness;Clinical", "'=1+1", "1"]
    assert rows[3][1] == "Chen, Li"
    assert rows[3][5] == 'says "hi"'
    with (here / "rosters" / "group-02.csv").open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    assert [(r[0], r[-1]) for r in rows[1:]] == [("s2", "2"), ("s3", "2"), ("s6", "2")]


def test_summary_csv_maps_categories_by_name(here: Path) -> None:
    write(Path("rosters"))
    text = (here / "rosters" / "summary.csv").read_bytes().decode("utf-8")
    assert text == (
        "\ufeffgroup,size,M1,M2,M3,M4,MSTP,Wellness,Clinical,Research\n"
        "1,3,1,1,0,0,1,2,2,1\n"
        "2,3,2,1,0,0,0,0,1,1\n"
    )


def test_manifest_is_sorted_indented_json(here: Path) -> None:
    write(Path("rosters"))
    text = (here / "rosters" / "manifest.json").read_text(encoding="utf-8")
    assert text.endswith("}\n")
    assert not text.startswith("\ufeff")
    assert json.loads(text) == MANIFEST
    assert text == json.dumps(MANIFEST, sort_keys=True, indent=2) + "\n"
    assert text.index('"groups"') < text.index('"input"') < text.index('"seed"')


def test_headers_are_escaped_and_group_column_renamed(here: Path) -> None:
    headers = ("Group", "=cmd", "Name", "Class year", "Interests", "Notes")
    rows = tuple(("7", "x", *row[2:]) for row in ROWS)
    write(Path("rosters"), cohort=make_cohort(headers, rows))
    first = (here / "rosters" / "assignments.csv").read_text(encoding="utf-8-sig").split("\n")[0]
    assert first == "Group,'=cmd,Name,Class year,Interests,Notes,group (empower)"


def test_two_writes_are_byte_identical(here: Path) -> None:
    write(Path("a"))
    write(Path("b"))
    assert snapshot(here / "a") == snapshot(here / "b")


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@x", "'@x"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("\nx", "'\nx"),
        ("＝1", "'＝1"),
        ("＋1", "'＋1"),
        ("－1", "'－1"),
        ("＠x", "'＠x"),
        ("a=1", "a=1"),
        ("", ""),
        ("'=1", "'=1"),
        ("Zoë", "Zoë"),
    ],
)
def test_escape_cell(cell: str, written: str) -> None:
    assert escape_cell(cell) == written


def test_csv_quotes_carriage_returns_and_lone_empty_cells() -> None:
    data = export.csv_bytes(["a"], [["x\ry"], [""], ["p\nq"]])
    assert data == '\ufeffa\n"x\ry"\n""\n"p\nq"\n'.encode()
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert rows == [["a"], ["x\ry"], [""], ["p\nq"]]


_CELL = st.text(alphabet=st.sampled_from("ab,\"=+-@\t\r\n＝ 'é;"), max_size=6)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(_CELL, min_size=1, max_size=4), max_size=5))
def test_csv_lines_are_each_cell_escaped_and_read_back(rows: list[list[str]]) -> None:
    """The whole-row fast path writes what escaping and quoting each cell on its own writes."""
    width = max((len(row) for row in rows), default=1)
    rows = [row + [""] * (width - len(row)) for row in rows]
    header = [f"h{i}" for i in range(width)]
    data = export.csv_bytes(header, rows)
    one_by_one = [",".join(export._csv_field(cell) for cell in row) + "\n" for row in rows]
    if width == 1:
        one_by_one = [
            '""\n' if row == [""] else line for row, line in zip(rows, one_by_one, strict=True)
        ]
    assert data.decode("utf-8-sig") == ",".join(header) + "\n" + "".join(one_by_one)
    read = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert read[1:] == [[escape_cell(cell) for cell in row] for row in rows]


@pytest.mark.parametrize(
    ("group", "n_groups", "name"),
    [(0, 2, "group-01.csv"), (9, 10, "group-10.csv"), (0, 100, "group-001.csv"),
     (99, 100, "group-100.csv"), (1249, 1250, "group-1250.csv")],
)  # fmt: skip
def test_group_file_names_sort(group: int, n_groups: int, name: str) -> None:
    assert group_file_name(group, n_groups) == name


def test_group_header_avoids_existing_names() -> None:
    assert group_header(["Name"]) == "group"
    assert group_header(["group"]) == "group (empower)"
    assert group_header([" Group ", "group (empower)"]) == "group (empower 2)"


# --- the folder ---------------------------------------------------------------------------------


def test_existing_folder_without_force_is_refused(here: Path) -> None:
    (here / "rosters").mkdir()
    with pytest.raises(OutputError) as caught:
        prepare_output_dir(Path("rosters"), force=False)
    assert caught.value.message == (
        "rosters: the output folder already exists; use --force to replace it, "
        "or --out to choose another."
    )
    assert caught.value.exit_code == 6
    with pytest.raises(OutputError, match="already exists"):
        write(Path("rosters"))
    assert list((here / "rosters").iterdir()) == []


def test_prepare_creates_nothing(here: Path) -> None:
    prepare_output_dir(Path("rosters"), force=False)
    prepare_output_dir(Path("rosters"), force=True)
    assert list(here.iterdir()) == []


def test_prepare_refuses_a_file(here: Path) -> None:
    (here / "rosters").write_text("x")
    with pytest.raises(OutputError) as caught:
        prepare_output_dir(Path("rosters"), force=True)
    assert caught.value.message == (
        "rosters: this is a file, not a folder; use --out to choose a folder name."
    )


def test_prepare_refuses_a_missing_parent(here: Path) -> None:
    with pytest.raises(OutputError) as caught:
        prepare_output_dir(Path("nowhere/rosters"), force=False)
    assert caught.value.message == (
        "nowhere/rosters: the folder nowhere does not exist; create it first, "
        "or use --out to choose another place."
    )


def test_force_replaces_an_earlier_run(here: Path) -> None:
    write(Path("rosters"))
    (here / "rosters" / "group-03.csv").write_text("stale")
    before = snapshot(here / "rosters")
    write(Path("rosters"), force=True)
    after = snapshot(here / "rosters")
    assert "group-03.csv" not in after
    assert after == {k: v for k, v in before.items() if k != "group-03.csv"}
    assert [p.name for p in here.iterdir()] == ["rosters"]


def test_force_will_not_delete_other_files(here: Path) -> None:
    (here / "rosters").mkdir()
    (here / "rosters" / "thesis.docx").write_text("precious")
    with pytest.raises(OutputError) as caught:
        write(Path("rosters"), force=True)
    assert caught.value.message == (
        "rosters: the folder holds files empower did not write, so --force will not replace it; "
        "use --out to choose another folder."
    )
    assert (here / "rosters" / "thesis.docx").read_text() == "precious"


def fail_on_third_file(monkeypatch: pytest.MonkeyPatch, error: BaseException) -> None:
    real = export._write_file
    calls: list[str] = []

    def flaky(path: Path, data: bytes, *, sync: bool = True) -> None:
        calls.append(path.name)
        if len(calls) == 3:
            real(path, data[:10], sync=sync)  # a half-written file inside the temporary folder
            raise error
        real(path, data, sync=sync)

    monkeypatch.setattr(export, "_write_file", flaky)


def test_failure_mid_write_leaves_nothing(here: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fail_on_third_file(monkeypatch, OSError(errno.ENOSPC, "No space left on device"))
    with pytest.raises(OutputError) as caught:
        write(Path("rosters"))
    assert caught.value.message == (
        "rosters: the rosters could not be written (No space left on device); nothing was changed."
    )
    assert caught.value.exit_code == 6
    assert caught.value.__cause__ is None
    assert list(here.iterdir()) == []


def test_failure_mid_write_keeps_the_earlier_run(
    here: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(Path("rosters"))
    before = snapshot(here / "rosters")
    fail_on_third_file(monkeypatch, OSError(errno.EIO, "Input/output error"))
    with pytest.raises(OutputError, match=r"\(Input/output error\); nothing was changed\.$"):
        write(Path("rosters"), force=True)
    assert snapshot(here / "rosters") == before
    assert [p.name for p in here.iterdir()] == ["rosters"]


def test_ctrl_c_mid_write_cleans_up(here: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fail_on_third_file(monkeypatch, KeyboardInterrupt())
    with pytest.raises(KeyboardInterrupt):
        write(Path("rosters"))
    assert list(here.iterdir()) == []


def test_failed_rename_puts_the_earlier_run_back(
    here: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(Path("rosters"))
    before = snapshot(here / "rosters")
    real_rename = Path.rename

    def rename(self: Path, target: Path) -> Path:
        if self.name.startswith(".rosters.tmp-"):
            raise OSError(errno.EACCES, "Permission denied")
        return real_rename(self, target)

    monkeypatch.setattr(Path, "rename", rename)
    with pytest.raises(OutputError, match=r"\(Permission denied\); nothing was changed\.$"):
        write(Path("rosters"), force=True)
    assert snapshot(here / "rosters") == before
    assert [p.name for p in here.iterdir()] == ["rosters"]


def test_folder_that_appears_while_solving_is_not_overwritten(here: Path) -> None:
    prepare_output_dir(Path("rosters"), force=False)
    (here / "rosters").mkdir()  # another run finished first
    (here / "rosters" / "summary.csv").write_text("theirs")
    with pytest.raises(OutputError, match="already exists"):
        write(Path("rosters"))
    assert (here / "rosters" / "summary.csv").read_text() == "theirs"


def test_unwritable_characters_are_reported_without_data(here: Path) -> None:
    rows = ((*ROWS[0][:5], "bad \udcff byte"), *ROWS[1:])
    with pytest.raises(OutputError) as caught:
        write(Path("rosters"), cohort=make_cohort(HEADERS, rows))
    assert caught.value.message == (
        "rosters: a cell holds characters that cannot be written as UTF-8; nothing was written."
    )
    assert list(here.iterdir()) == []


def test_every_file_written_is_synced_before_the_folder_goes_in(
    here: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    synced: list[int] = []
    real = os.fsync

    def counted(fd: int) -> None:
        synced.append(fd)
        real(fd)

    monkeypatch.setattr(export.os, "fsync", counted)
    paths = write(Path("rosters"))
    # each file, the marker, the temporary folder and the folder holding the rosters
    assert len(synced) >= len(paths) + 1


def test_a_file_that_cannot_be_synced_leaves_the_earlier_run(
    here: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(Path("rosters"))
    before = snapshot(here / "rosters")

    def failing(path: Path) -> None:
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(export, "_sync_file", failing)
    with pytest.raises(OutputError) as caught:
        write(Path("rosters"), force=True)
    assert caught.value.message == (
        "rosters: the rosters could not be written (Input/output error); nothing was changed."
    )
    assert snapshot(here / "rosters") == before
    assert [p.name for p in here.iterdir()] == ["rosters"]
