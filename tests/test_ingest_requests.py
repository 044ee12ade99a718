"""Lock, apart and pin files read against a cohort."""

from __future__ import annotations

from pathlib import Path

import pytest

from empower_cli.ingest import load_cohort, read_requests
from empower_cli.records import Cohort, Pair, Pin
from helpers_ingest import failure, signups, write


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def by_id() -> Cohort:
    return load_cohort(signups(*(f"S{i},N{i},s{i}@x.edu,M{i % 4 + 1},Wellness" for i in range(6))))


@pytest.fixture
def by_email() -> Cohort:
    rows = (f"N{i},Person{i}@X.edu,M1,Wellness" for i in range(4))
    return load_cohort(signups(*rows, header="Name,Email,Year,Interests"))


def test_pairs_with_a_header_row_repeats_dropped(by_id: Cohort) -> None:
    path = write(
        "locks.csv",
        "student_a,student_b,why\nS0,S1,friends\n\nS1 ,S0\nS2,S3,\nS0,S1,again\n",
    )
    requests = read_requests(by_id, 2, lock=path)
    assert requests.locks == (
        Pair(a=0, b=1, source="locks.csv", row=2),
        Pair(a=2, b=3, source="locks.csv", row=5),
    )
    assert (requests.aparts, requests.pins) == ((), ())


def test_pairs_without_a_header_row(by_id: Cohort) -> None:
    path = write("apart.csv", "S4;S5\nS0;S5\n")
    assert read_requests(by_id, 2, apart=path).aparts == (
        Pair(a=4, b=5, source="apart.csv", row=1),
        Pair(a=0, b=5, source="apart.csv", row=2),
    )


def test_emails_match_whatever_their_case(by_email: Cohort) -> None:
    path = write("locks.csv", "PERSON0@x.edu,person3@X.EDU\n")
    assert read_requests(by_email, 2, lock=path).locks == (
        Pair(a=0, b=3, source="locks.csv", row=1),
    )


def test_unknown_student_in_a_lock_file(by_email: Cohort) -> None:
    path = write("locks.csv", "a,b\nperson0@x.edu,person1@x.edu\n\njdoe@x.edu,person2@x.edu\n")
    error = failure(lambda: read_requests(by_email, 2, lock=path))
    assert (error.exit_code, str(error)) == (
        3,
        "locks.csv: row 4, column 1 (A): 'jdoe@x.edu' is not a student id, email or name in "
        "signups.csv.",
    )


def test_unknown_email_in_the_first_row_is_not_taken_for_a_header(by_email: Cohort) -> None:
    path = write("apart.csv", "jdoe@x.edu,person2@x.edu\n")
    error = failure(lambda: read_requests(by_email, 2, apart=path))
    assert str(error) == (
        "apart.csv: row 1, column 1 (A): 'jdoe@x.edu' is not a student id, email or name in "
        "signups.csv."
    )


def test_unknown_student_in_an_apart_file(by_id: Cohort) -> None:
    path = write("apart.csv", "S0,S1\nS2,S99\n")
    error = failure(lambda: read_requests(by_id, 2, apart=path))
    assert (error.exit_code, str(error)) == (
        3,
        "apart.csv: row 2, column 2 (B): 'S99' is not a student id, email or name in signups.csv.",
    )


def test_student_paired_with_themself(by_email: Cohort) -> None:
    path = write("apart.csv", "person1@x.edu,Person1@X.edu\n")
    error = failure(lambda: read_requests(by_email, 2, apart=path))
    assert (error.exit_code, str(error)) == (
        3,
        "apart.csv: row 1: 'person1@x.edu' is paired with themself; name two different students.",
    )


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("S2", "locks.csv: row 3: only one student is named ('S2'); each row names two students."),
        (",S2", "locks.csv: row 3: only one student is named ('S2'); each row names two students."),
        (
            ",,note",
            "locks.csv: row 3: the first two cells are empty; each row names two students.",
        ),
    ],
)
def test_row_with_a_key_missing(by_id: Cohort, line: str, message: str) -> None:
    path = write("locks.csv", f"S0,S1\nS3,S4\n{line}\n")
    error = failure(lambda: read_requests(by_id, 2, lock=path))
    assert (error.exit_code, str(error)) == (3, message)


def test_pins_are_zero_based_and_repeats_dropped(by_id: Cohort) -> None:
    path = write("pins.csv", "student,group\nS0,3\nS5, 1 \nS0,3\n")
    assert read_requests(by_id, 3, pin=path).pins == (
        Pin(student=0, group=2, source="pins.csv", row=2),
        Pin(student=5, group=0, source="pins.csv", row=3),
    )


def test_pins_without_a_header_row(by_id: Cohort) -> None:
    path = write("pins.csv", "S1,2\n")
    assert read_requests(by_id, 2, pin=path).pins == (
        Pin(student=1, group=1, source="pins.csv", row=1),
    )


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("S1,4", "pins.csv: row 3: group 4 is out of range; there are 3 groups, numbered 1 to 3."),
        ("S1,0", "pins.csv: row 3: group 0 is out of range; there are 3 groups, numbered 1 to 3."),
        (
            "S1,two",
            "pins.csv: row 3: 'two' is not a group number; write a whole number "
            "(there are 3 groups, numbered 1 to 3).",
        ),
        (
            "S1,1.5",
            "pins.csv: row 3: '1.5' is not a group number; write a whole number "
            "(there are 3 groups, numbered 1 to 3).",
        ),
        ("S1,", "pins.csv: row 3: the group number for 'S1' is missing."),
        (",2", "pins.csv: row 3: the student key is missing."),
        (
            "S7,2",
            "pins.csv: row 3, column 1 (A): 'S7' is not a student id, email or name in "
            "signups.csv.",
        ),
        ("S0,2", "pins.csv: rows 2 and 3: 'S0' is pinned to group 1 and to group 2; keep one."),
    ],
)
def test_bad_pins(by_id: Cohort, line: str, message: str) -> None:
    path = write("pins.csv", f"student,group\nS0,1\n{line}\n")
    error = failure(lambda: read_requests(by_id, 3, pin=path))
    assert (error.exit_code, str(error)) == (3, message)


def test_one_group_only(by_id: Cohort) -> None:
    path = write("pins.csv", "S0,2\n")
    error = failure(lambda: read_requests(by_id, 1, pin=path))
    assert str(error) == "pins.csv: row 1: group 2 is out of range; there is 1 group, numbered 1."


def test_missing_request_file(by_id: Cohort) -> None:
    error = failure(lambda: read_requests(by_id, 2, lock=Path("nope.csv")))
    assert (error.exit_code, str(error)) == (3, "nope.csv: no such file.")


def test_empty_request_files_ask_for_nothing(by_id: Cohort) -> None:
    empty, header_only = write("a.csv", ""), write("b.csv", "student_a,student_b\n")
    assert read_requests(by_id, 2, lock=empty, apart=header_only, pin=empty) == (
        read_requests(by_id, 2)
    )
