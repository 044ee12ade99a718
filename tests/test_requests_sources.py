"""A request is a lock, an apart or a pin, whatever its source: the lock, apart and pin files and
the "placed with" column are read by one function, and every message names a request by where it
was written (file and row, and the column's header for the column)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from empower_cli.cli import app
from empower_cli.errors import InfeasibleError
from empower_cli.explain import explain_infeasible
from empower_cli.ingest import load_cohort, read_requests
from empower_cli.plan import plan_of
from empower_cli.records import Cohort, Pair
from empower_cli.rules import build_problem, forced_repeat_warnings
from helpers_ingest import failure, signups, write

HEADER = "Student ID,Name,Email,Class year,Interests,Placed with"
PEOPLE = ("Ana Ruiz", "Bo Chen", "Cy Diaz", "Dee Ito", "Eve Kahn", "Fay Lund")
COLUMN = "column 'Placed with'"
runner = CliRunner()
#: Two chains (one locked by the column, one by locks.csv) and a single student, pairwise apart,
#: in two groups: without either lock the rules can hold, so both are in the minimal set.
EXPLAINED = (
    "these 5 rules cannot all hold at once:\n"
    "  - Cy Diaz (S3) and Dee Ito (S4) are locked together (locks.csv row 1)\n"
    "  - Ana Ruiz (S1) and Bo Chen (S2) are locked together "
    "(signups.csv row 2, column 'Placed with')\n"
    "  - Bo Chen (S2) and Cy Diaz (S3) must be apart (apart.csv row 1)\n"
    "  - Dee Ito (S4) and Eve Kahn (S5) must be apart (apart.csv row 2)\n"
    "  - Eve Kahn (S5) and Ana Ruiz (S1) must be apart (apart.csv row 3)\n"
    "Remove or change one of them and run again."
)


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def write_cohort(wishes: dict[int, str], people: tuple[str, ...] = PEOPLE) -> Path:
    """signups.csv: student i is S{i+1} on row i + 2, wishing for `wishes[i]`."""
    years = ("M1", "M2", "M3", "M4")
    return signups(
        *(
            f"S{i + 1},{name},s{i + 1}@x.edu,{years[i % 4]},Wellness,{wishes.get(i, '')}"
            for i, name in enumerate(people)
        ),
        header=HEADER,
    )


def cohort_of(wishes: dict[int, str], people: tuple[str, ...] = PEOPLE) -> Cohort:
    return load_cohort(write_cohort(wishes, people))


def test_every_source_is_read_by_one_function_and_a_pair_given_twice_is_kept_once() -> None:
    # Bo asks for Ana, whom locks.csv already locks him with; Cy asks for Dee and a stranger.
    cohort = cohort_of({1: "Ana Ruiz", 2: "Dee Ito; Zed"})
    write("locks.csv", "S1,S2\n")
    write("apart.csv", "S1,S5\n")
    write("pins.csv", "S6,2\n")
    requests = read_requests(
        cohort, 2, lock=Path("locks.csv"), apart=Path("apart.csv"), pin=Path("pins.csv")
    )
    assert requests.locks == (
        Pair(0, 1, "locks.csv", 1),
        Pair(2, 3, "signups.csv", 4, "Placed with"),
    )
    assert [p.origin for p in requests.locks] == [
        "locks.csv row 1",
        "signups.csv row 4, column 'Placed with'",
    ]
    assert [p.origin for p in (*requests.aparts, *requests.pins)] == [
        "apart.csv row 1",
        "pins.csv row 1",
    ]
    assert requests.column == "Placed with"
    assert requests.column_locks == 1
    assert requests.warnings == (
        f"signups.csv: row 4, {COLUMN}: 'Zed' matches no student, so this request was not "
        "used; write the full name or the email, or add the pair to a lock file.",
    )
    ignored = read_requests(cohort, 2, lock=Path("locks.csv"), ignore_column=True)
    assert ignored.locks == (Pair(0, 1, "locks.csv", 1),)
    assert (ignored.column, ignored.column_locks, ignored.warnings) == (None, 0, ())


def test_a_long_header_is_shortened_alike_in_warnings_and_in_a_locks_origin() -> None:
    question = "Is there anyone in the programme you would like to be placed with, and why?"
    path = write_cohort({0: "Bo Chen", 2: "Nobody I know of"})
    text = path.read_text(encoding="utf-8").replace("Placed with", f'"{question}"', 1)
    path.write_text(text, encoding="utf-8")
    requests = read_requests(load_cohort(path), 2)
    shown = "'Is there anyone in the programme you would like to be pla...'"
    assert requests.locks[0].origin == f"signups.csv row 2, column {shown}"
    assert requests.warnings[0].startswith(f"signups.csv: row 4, column {shown}: 'Nobody I know")


def test_a_conflict_names_a_lock_from_the_column_as_one_from_a_file() -> None:
    cohort = cohort_of({0: "bo chen"}, PEOPLE[:5])
    write("locks.csv", "S3,S4\n")
    write("apart.csv", "S2,S3\nS4,S5\nS5,S1\n")
    requests = read_requests(cohort, 2, lock=Path("locks.csv"), apart=Path("apart.csv"))
    problem = build_problem(cohort, requests, 2)
    assert explain_infeasible(problem, fallback="?") == EXPLAINED


def test_arithmetic_conflicts_name_the_column_and_the_files_alike() -> None:
    def conflict(wishes: dict[int, str], locks: str, aparts: str) -> str:
        cohort = cohort_of(wishes)
        write("locks.csv", locks)
        write("apart.csv", aparts)
        requests = read_requests(cohort, 2, lock=Path("locks.csv"), apart=Path("apart.csv"))
        error = failure(lambda: build_problem(cohort, requests, 2))
        assert isinstance(error, InfeasibleError)
        return str(error)

    assert conflict({0: "Bo Chen"}, "S5,S6\n", "S5,S1\nS1,S2\n") == (
        "Ana Ruiz (S1) and Bo Chen (S2) must be apart (apart.csv row 2) but are locked "
        "together (signups.csv row 2, column 'Placed with')."
    )
    assert conflict({0: "Bo Chen", 1: "Cy Diaz"}, "S5,S6\n", "S1,S3\n") == (
        "Ana Ruiz (S1) and Cy Diaz (S3) must be apart (apart.csv row 1) but are put in one "
        "group by the locks in signups.csv rows 2, 3, column 'Placed with'."
    )
    assert conflict({0: "Bo Chen", 2: "Dee Ito"}, "S2,S3\n", "") == (
        "4 students are locked together (Ana Ruiz (S1), Bo Chen (S2), Cy Diaz (S3) and Dee Ito "
        "(S4); locks.csv row 1; signups.csv rows 2, 4, column 'Placed with'), but a group holds "
        "at most 3. Remove some of these locks or use larger groups."
    )


def invoke(*args: str):
    result = runner.invoke(app, list(args), catch_exceptions=False)
    assert "Traceback" not in result.output
    return result


def test_cli_a_conflict_between_the_column_and_the_files_is_exit_4_and_writes_nothing() -> None:
    write_cohort({0: "Bo Chen"}, PEOPLE[:5])
    write("locks.csv", "S3,S4\n")
    write("apart.csv", "S2,S3\nS4,S5\nS5,S1\n")
    args = ("assign", "signups.csv", "-g", "2", "--lock", "locks.csv", "--apart", "apart.csv")
    result = invoke(*args, "--out", "a")
    assert result.exit_code == 4
    assert result.stderr == f"error: {EXPLAINED}\n"
    assert not Path("a").exists()
    # without the column, the file's rules alone can hold
    assert invoke(*args, "--out", "b", "--ignore-requests").exit_code == 0


def test_cli_a_pair_in_the_lock_file_and_the_column_is_counted_once() -> None:
    # Ana and Bo ask for each other and locks.csv locks them too; Cy asks for Dee.
    write_cohort({0: "Bo Chen", 1: "S1@x.edu", 2: "Dee Ito", 4: "Zed"})
    write("locks.csv", "Student,Student\nS2,S1\n")
    result = invoke("assign", "signups.csv", "-g", "2", "--lock", "locks.csv", "--out", "a")
    assert result.exit_code == 0, result.output
    assert result.stderr == (
        f"warning: signups.csv: row 6, {COLUMN}: 'Zed' matches no student, so this request "
        "was not used; write the full name or the email, or add the pair to a lock file.\n"
    )
    assert (
        "Every rule held: 1 locked pair together, 1 pair from the 'Placed with' column together.\n"
    ) in result.stdout
    counts = json.loads(Path("a/manifest.json").read_text(encoding="utf-8"))["counts"]
    assert (counts["locked_pairs"], counts["locked_pairs_from_requests_column"]) == (2, 1)
    ignored = invoke(
        "assign", "signups.csv", "-g", "2", "--lock", "locks.csv", "--out", "b", "--ignore-requests"
    )
    assert ignored.exit_code == 0, ignored.output
    assert ignored.stderr == ""
    assert "Every rule held: 1 locked pair together.\n" in ignored.stdout
    counts = json.loads(Path("b/manifest.json").read_text(encoding="utf-8"))["counts"]
    assert (counts["locked_pairs"], counts["locked_pairs_from_requests_column"]) == (1, 0)


def test_cli_the_warning_about_forced_repeats_names_each_lock_by_its_origin() -> None:
    people = (*PEOPLE, "Gus Moe", "Hal Ng")
    # S1-S2 from the column; S3-S4 from locks.csv; S5-S6 from locks.csv and S6-S7 from the
    # column make one chain. Each pair below shared a group last year.
    write_cohort({0: "Bo Chen", 5: "Gus Moe"}, people)
    write("locks.csv", "S3,S4\nS5,S6\n")
    write("last_year.csv", "Student ID,Group\nS1,1\nS2,1\nS3,2\nS4,2\nS5,3\nS7,3\n")
    result = invoke(
        "assign", "signups.csv", "-g", "2", "--lock", "locks.csv",
        "--avoid-groupmates", "last_year.csv", "--out", "a",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.stderr == (
        "warning: last_year.csv: 3 pairs of earlier groupmates will share a group again, "
        "because locks keep them together: "
        "Ana Ruiz (S1) and Bo Chen (S2) (signups.csv row 2, column 'Placed with'); "
        "Cy Diaz (S3) and Dee Ito (S4) (locks.csv row 1); "
        "Eve Kahn (S5) and Gus Moe (S7) (the locks in locks.csv row 2; "
        "signups.csv row 7, column 'Placed with').\n"
    )


def test_cli_a_rerun_gives_a_column_lock_as_the_reason_for_a_move() -> None:
    people = (*PEOPLE, "Gus Moe", "Hal Ng")
    write_cohort({}, people)
    assert invoke("assign", "signups.csv", "-g", "2", "--out", "first").exit_code == 0
    rows = Path("first/assignments.csv").read_text(encoding="utf-8-sig").splitlines()[1:]
    group = {row.split(",")[0]: row.rsplit(",", 1)[1] for row in rows}
    other = next(i for i in range(1, 8) if group[f"S{i + 1}"] != group["S1"])
    write_cohort({0: people[other]}, people)  # Ana now asks for someone of the other group
    result = invoke(
        "assign", "signups.csv", "--previous", "first/assignments.csv", "--out", "second"
    )
    assert result.exit_code == 0, result.output
    origin = "(signups.csv row 2, column 'Placed with')"
    moved = [line for line in result.stdout.splitlines() if "a new lock with" in line]
    assert len(moved) == 1 and origin in moved[0], result.stdout
    assert origin in Path("second/changes.csv").read_text(encoding="utf-8-sig")


def test_the_forced_repeats_warning_names_five_pairs_and_counts_the_rest(records) -> None:
    cohort = records.cohort(["M1", "M2"] * 8)
    earlier = (*(i // 2 for i in range(14)), None, 7)  # pairs (0, 1), (2, 3), ... met
    plan = plan_of(cohort, 2, earlier=[("last_year.csv", earlier)])
    locks = records.locks(*((i, i + 1) for i in range(0, 14, 2)), (14, 15))
    problem = build_problem(cohort, records.requests(locks), 2, plan=plan)
    named = "; ".join(
        f"Student {i + 1} (s{i + 1}) and Student {i + 2} (s{i + 2}) (locks.csv row {i // 2 + 2})"
        for i in range(0, 10, 2)
    )
    assert forced_repeat_warnings(problem) == (
        "last_year.csv: 7 pairs of earlier groupmates will share a group again, because locks "
        f"keep them together: {named}; and 2 more.",
    )
    unlocked = build_problem(cohort, records.requests(), 2, plan=plan)
    assert forced_repeat_warnings(unlocked) == ()
    assert forced_repeat_warnings(build_problem(cohort, records.requests(locks), 2)) == ()
