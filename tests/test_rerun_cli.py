"""The re-run workflow end to end: --previous, --max-moves, changes.csv, diff, requests column,
locks by name or by an earlier assignments file, and conflicts explained."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from empower_cli.cli import app

REPO = Path(__file__).resolve().parents[1]
SIGNUPS = REPO / "examples" / "signups.csv"
LOCKS = REPO / "examples" / "locks.csv"
BOM = b"\xef\xbb\xbf"
runner = CliRunner()


def invoke(*args: str | Path):
    result = runner.invoke(app, [str(arg) for arg in args], catch_exceptions=False)
    assert "Traceback" not in result.output
    return result


def rows_of(path: Path) -> list[list[str]]:
    data = path.read_bytes().removeprefix(BOM)
    return list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))


def groups_of(path: Path) -> dict[str, str]:
    """Student ID -> group of an assignments.csv."""
    rows = rows_of(path)
    key, group = rows[0].index("Student ID"), len(rows[0]) - 1
    return {row[key]: row[group] for row in rows[1:]}


@pytest.fixture(scope="module")
def acceptance(tmp_path_factory: pytest.TempPathFactory):
    """The issue's acceptance run: the example cohort, then 5 drop out and 8 sign up late."""
    folder = tmp_path_factory.mktemp("rerun")
    first = folder / "first"
    result = invoke("assign", SIGNUPS, "--lock", LOCKS, "--out", first)
    assert result.exit_code == 0, result.output
    rows = rows_of(SIGNUPS)
    header, body = rows[0], rows[1:]
    locked = {key for row in rows_of(LOCKS)[1:] for key in row}
    dropped = [row for row in body if row[1] not in locked][:5]
    years = ["M1", "M2", "M1", "M3", "MSTP", "M4", "M2", "M1"]
    interests = ["Wellness", "Academic success; Clinical environment", "Wellness"] * 3
    # Late rows by header name, blank in the example's other columns (gender, house, ...).
    late_cells = [
        {
            "Timestamp": "9/1/2026 10:00:00",
            "Student ID": f"S99900{i}",
            "Name": f"Late Comer{i}",
            "Email": f"late{i}@x.edu",
            "Class year": y,
            "Interests": interests[i],
        }
        for i, y in enumerate(years)
    ]
    late = [[cells.get(column, "") for column in header] for cells in late_cells]
    later = folder / "later.csv"
    with later.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([header, *[r for r in body if r not in dropped], *late])
    second = folder / "second"
    result = invoke(
        "assign", later, "--lock", LOCKS, "--previous", first / "assignments.csv", "--out", second
    )
    return first, second, dropped, late, result


def test_acceptance_keeps_groups_and_balance(acceptance) -> None:
    first, second, dropped, late, result = acceptance
    assert result.exit_code == 0, result.output
    manifest = json.loads((second / "manifest.json").read_text())
    assert manifest["balance"]["out_of_band_cells"] == 0
    assert manifest["counts"]["groups"] == 19  # from the earlier file
    changes = rows_of(second / "changes.csv")
    assert changes[0] == ["change", "student", "name", "from group", "to group", "why"]
    moved = {row[1]: row for row in changes[1:] if row[0] == "moved"}
    joined = [row[1] for row in changes[1:] if row[0] == "joined"]
    left = [row[1] for row in changes[1:] if row[0] == "left"]
    assert sorted(joined) == sorted(row[1] for row in late)
    assert sorted(left) == sorted(row[1] for row in dropped)
    assert len(moved) <= 8
    before, after = groups_of(first / "assignments.csv"), groups_of(second / "assignments.csv")
    for key, group in after.items():
        if key in before and before[key] != group:
            assert key in moved and moved[key][5], key  # every move has its reason
            assert moved[key][3:5] == [before[key], group]
    assert f"{len(moved)} moved, 8 joined, 5 left." in result.output


def test_diff_shows_the_same_changes(acceptance) -> None:
    first, second, _, _, _ = acceptance
    result = invoke("diff", first / "assignments.csv", second / "assignments.csv")
    assert result.exit_code == 0, result.output
    moved = [row for row in rows_of(second / "changes.csv") if row[0] == "moved"]
    assert f"{len(moved)} moved, 8 joined, 5 left." in result.output
    for row in moved:
        assert f"({row[1]}): group {row[3]} → group {row[4]}" in result.output


@pytest.fixture
def small(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    years = ["M1", "M2", "M3", "M4", "M1", "M2", "M3", "M4", "M1", "M2", "M1", "MSTP"]
    lines = ["Student ID,Name,Email,Class year,Interests"]
    for i, year in enumerate(years, start=1):
        lines.append(
            f"S{i:02d},Student {i},s{i}@x.edu,{year},{'Wellness' if i % 2 else 'Research'}"
        )
    Path("signups.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return tmp_path


def test_rerun_without_changes_moves_nobody(small: Path) -> None:
    assert invoke("assign", "signups.csv", "-g", "3", "--out", "a").exit_code == 0
    result = invoke("assign", "signups.csv", "--previous", "a/assignments.csv", "--out", "b")
    assert result.exit_code == 0, result.output
    assert "12 students kept their group, 0 moved, 0 joined, 0 left." in result.output
    assert groups_of(Path("a/assignments.csv")) == groups_of(Path("b/assignments.csv"))


def test_max_moves_needs_previous(small: Path) -> None:
    result = invoke("assign", "signups.csv", "--max-moves", "2")
    assert result.exit_code == 2
    assert result.stderr == (
        "error: --max-moves needs --previous (the assignments.csv of an earlier run).\n"
    )


def test_max_moves_zero_keeps_everyone(small: Path) -> None:
    assert invoke("assign", "signups.csv", "-g", "3", "--out", "a").exit_code == 0
    Path("locks.csv").write_text("S01,S02\n", encoding="utf-8")
    result = invoke(
        "assign", "signups.csv", "--previous", "a/assignments.csv", "--max-moves", "0",
        "--lock", "locks.csv", "--out", "b",
    )  # fmt: skip
    before = groups_of(Path("a/assignments.csv"))
    if before["S01"] == before["S02"]:
        assert result.exit_code == 0, result.output
    else:
        assert result.exit_code == 4
        assert "at most 0 earlier students may change group (--max-moves)" in result.stderr
        assert not Path("b").exists()


def test_previous_with_a_bad_group_number_is_exit_3(small: Path) -> None:
    Path("old.csv").write_text(
        "Student ID,Name,group\nS01,Student 1,1\nS02,Student 2,two\n", encoding="utf-8"
    )
    result = invoke("assign", "signups.csv", "--previous", "old.csv")
    assert result.exit_code == 3
    assert result.stderr == (
        "error: old.csv: row 3, column 'group': 'two' is not a group number; "
        "write a whole number from 1.\n"
    )


def test_previous_with_no_known_student_is_exit_3(small: Path) -> None:
    Path("old.csv").write_text("Student ID,group\nX1,1\nX2,2\n", encoding="utf-8")
    result = invoke("assign", "signups.csv", "--previous", "old.csv")
    assert result.exit_code == 3
    assert result.stderr == (
        "error: old.csv: none of its 2 students is in signups.csv (matched by the column "
        "'Student ID'); give the assignments.csv of an earlier run on these sign-ups.\n"
    )


def test_diff_of_a_file_without_groups_is_exit_3(small: Path) -> None:
    result = invoke("diff", "signups.csv", "signups.csv")
    assert result.exit_code == 3
    assert result.stderr.startswith(
        "error: signups.csv: no column is headed 'group', so this is not an assignments.csv"
    )


def test_locks_by_name_and_email_and_by_earlier_groups(small: Path) -> None:
    Path("locks.csv").write_text("student 1,s2@x.edu\nS03,Student 4\n", encoding="utf-8")
    result = invoke("assign", "signups.csv", "-g", "3", "--lock", "locks.csv", "--out", "a")
    assert result.exit_code == 0, result.output
    groups = groups_of(Path("a/assignments.csv"))
    assert groups["S01"] == groups["S02"] and groups["S03"] == groups["S04"]
    Path("keep.csv").write_text(
        "Student ID,Name,group\nS05,Student 5,7\nS06,Student 6,7\nS07,Student 7,7\n",
        encoding="utf-8",
    )
    result = invoke("assign", "signups.csv", "-g", "3", "--lock", "keep.csv", "--out", "b")
    assert result.exit_code == 0, result.output
    groups = groups_of(Path("b/assignments.csv"))
    assert groups["S05"] == groups["S06"] == groups["S07"]


def test_a_name_two_students_share_is_exit_3(small: Path) -> None:
    text = Path("signups.csv").read_text(encoding="utf-8").replace("Student 2,", "Student 1,")
    Path("signups.csv").write_text(text, encoding="utf-8")
    Path("locks.csv").write_text("student 1,S03\n", encoding="utf-8")
    result = invoke("assign", "signups.csv", "-g", "3", "--lock", "locks.csv")
    assert result.exit_code == 3
    assert result.stderr == (
        "error: locks.csv: row 1, column 1 (A): 'student 1' is the name of 2 students "
        "(rows 2 and 3 of signups.csv); write the student id or email instead.\n"
    )


def test_requests_column_is_read_matched_and_warned_about(small: Path) -> None:
    lines = Path("signups.csv").read_text(encoding="utf-8").splitlines()
    wishes = {1: "Studnet 2", 3: "s4@x.edu; nobody special", 5: "Student", 6: "n/a"}
    out = [lines[0] + ",Anyone you would like to be placed with?"]
    for i, line in enumerate(lines[1:], start=1):
        out.append(f"{line},{wishes.get(i, '')}")
    Path("signups.csv").write_text("\n".join(out) + "\n", encoding="utf-8")
    result = invoke("assign", "signups.csv", "-g", "3", "--out", "a")
    assert result.exit_code == 0, result.output
    groups = groups_of(Path("a/assignments.csv"))
    assert groups["S01"] == groups["S02"] and groups["S03"] == groups["S04"]
    column = "column 'Anyone you would like to be placed with?'"
    assert (
        f"warning: signups.csv: row 4, {column}: 'nobody special' matches no student, so this "
        "request was not used; write the full name or the email, or add the pair to a lock "
        "file.\n"
    ) in result.stderr
    assert f"warning: signups.csv: row 6, {column}: 'Student' could be Student 1 (S01)," in (
        result.stderr
    )
    ignored = invoke("assign", "signups.csv", "-g", "3", "--out", "b", "--ignore-requests")
    assert ignored.exit_code == 0 and "warning" not in ignored.stderr


def test_conflicting_rules_are_explained_and_nothing_is_written(small: Path) -> None:
    Path("apart.csv").write_text("S01,S02\nS02,S03\nS01,S03\n", encoding="utf-8")
    result = invoke("assign", "signups.csv", "-g", "2", "--apart", "apart.csv", "--out", "a")
    assert result.exit_code == 4
    assert result.stderr == (
        "error: these 3 rules cannot all hold at once:\n"
        "  - Student 1 (S01) and Student 2 (S02) must be apart (apart.csv row 1)\n"
        "  - Student 2 (S02) and Student 3 (S03) must be apart (apart.csv row 2)\n"
        "  - Student 1 (S01) and Student 3 (S03) must be apart (apart.csv row 3)\n"
        "Remove or change one of them and run again.\n"
    )
    assert not Path("a").exists()


def test_the_summary_says_what_the_locks_cost_in_balance(small: Path) -> None:
    Path("locks.csv").write_text("S01,S05\nS05,S09\n", encoding="utf-8")  # three M1 together
    result = invoke("assign", "signups.csv", "-g", "3", "--lock", "locks.csv")
    assert result.exit_code == 0, result.output
    assert (
        "What the rules cost in balance (cells outside their range without each):\n"
        "  without the locked pairs: 0 cells out (distance 0); they cost "
    ) in result.stdout


def test_a_rerun_is_byte_identical_when_repeated(acceptance, tmp_path: Path) -> None:
    first, second, _, _, _ = acceptance
    later = second.parent / "later.csv"
    again = tmp_path / "again"
    result = invoke(
        "assign", later, "--lock", LOCKS, "--previous", first / "assignments.csv", "--out", again
    )
    assert result.exit_code == 0, result.output
    for name in ("assignments.csv", "changes.csv", "summary.csv"):
        assert (again / name).read_bytes() == (second / name).read_bytes(), name
