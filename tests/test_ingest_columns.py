"""Finding columns by header, and the --column option."""

from __future__ import annotations

from pathlib import Path

import pytest

from empower_cli.errors import UsageError
from empower_cli.ingest import load_cohort, parse_column_option
from empower_cli.ingest.columns import find_columns
from helpers_ingest import failure, signups


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        (
            ["Timestamp", "STUDENT_ID", "Full Name", "E-mail", "Year in school", "Topics"],
            {"id": 1, "name": 2, "email": 3, "year": 4, "interests": 5},
        ),
        (
            ["sid", "Student-Name", "Email Address", "class", "interest"],
            {"id": 0, "name": 1, "email": 2, "year": 3, "interests": 4},
        ),
        (
            ["Interests", " Class  Year ", "Student number"],
            {"id": 2, "year": 1, "interests": 0},
        ),
        (["email address", "YEAR", "interests"], {"email": 0, "year": 1, "interests": 2}),
    ],
)
def test_headers_are_recognised_whatever_their_order_and_spelling(
    headers: list[str], expected: dict[str, int]
) -> None:
    assert find_columns("f.csv", headers) == expected


def test_mapping_lists_fields_in_fields_order_with_original_headers() -> None:
    path = signups("M1,Wellness,S1,Ana", "M2,Wellness,S2,Bo", header="Class year ,Topics,SID,Name")
    cohort = load_cohort(path)
    assert cohort.mapping == (
        ("id", "SID"),
        ("name", "Name"),
        ("year", "Class year "),
        ("interests", "Topics"),
    )
    assert cohort.header_for("email") is None


def test_missing_required_column_lists_headers_and_the_fixing_option() -> None:
    header = "Timestamp,Student ID,Cohort,Interests"
    path = signups("1/1/2026,S1,M1,Wellness", header=header)
    error = failure(lambda: load_cohort(path))
    assert (error.exit_code, str(error)) == (
        3,
        "signups.csv: no column holds the class year. The headers are: 'Timestamp', "
        "'Student ID', 'Cohort', 'Interests'. Say which one does with "
        '--column year="HEADER".',
    )
    cohort = load_cohort(path, columns={"year": "cohort"})
    assert cohort.header_for("year") == "Cohort"


def test_a_question_that_asks_for_a_field_is_its_column() -> None:
    header = "Timestamp,Student ID,What year are you in?,Interests"
    path = signups("1/1/2026,S1,M1,Wellness", header=header)
    assert load_cohort(path).header_for("year") == "What year are you in?"


def test_missing_key_column_is_an_error() -> None:
    path = signups("Ana,M1,Wellness", header="Name,Year,Interests")
    error = failure(lambda: load_cohort(path))
    assert (error.exit_code, str(error)) == (
        3,
        "signups.csv: no column holds a student id or email, which empower needs to tell "
        "students apart. The headers are: 'Name', 'Year', 'Interests'. Say which one does "
        'with --column id="HEADER".',
    )


def test_two_candidates_for_one_field_is_an_error_until_one_is_chosen() -> None:
    path = signups("S1,M1,Wellness,M1", header="Student ID,Year,Interests,Class")
    error = failure(lambda: load_cohort(path))
    assert (error.exit_code, str(error)) == (
        3,
        "signups.csv: 2 columns could hold the class year: 'Year' in column 2 (B) and 'Class' "
        "in column 4 (D). The headers are: 'Student ID', 'Year', 'Interests', 'Class'. "
        'Choose one with --column year="Year".',
    )
    cohort = load_cohort(path, columns={"year": "Class"})
    assert cohort.header_for("year") == "Class"


def test_column_option_naming_no_header_is_an_error() -> None:
    path = signups("S1,Ana,a@x.edu,M1,Wellness")
    error = failure(lambda: load_cohort(path, columns={"year": "Class yr"}))
    assert (error.exit_code, str(error)) == (
        3,
        'signups.csv: --column year="Class yr" matches no header. The headers are: '
        "'Student ID', 'Name', 'Email', 'Class year', 'Interests'.",
    )


def test_parse_column_option() -> None:
    assert parse_column_option([]) == {}
    assert parse_column_option(["year=Class year", " ID = SID ", 'name="Full = name"']) == {
        "year": "Class year",
        "id": "SID",
        "name": "Full = name",
    }


@pytest.mark.parametrize(
    ("values", "message"),
    [
        (
            ["Class year"],
            "--column 'Class year' is not FIELD=HEADER; "
            'write for example --column year="Class year".',
        ),
        (
            ["year="],
            "--column 'year=' is not FIELD=HEADER; write for example --column year=\"Class year\".",
        ),
        (
            ["yr=Class year"],
            "--column 'yr=Class year': 'yr' is not a field empower knows; "
            "the fields are id, name, first_name, last_name, email, year, interests and requests.",
        ),
        (
            ["year=Year", "year=Class"],
            "--column names two headers for year: 'Year' and 'Class'; keep one.",
        ),
    ],
)
def test_parse_column_option_rejects_bad_items(values: list[str], message: str) -> None:
    error = failure(lambda: parse_column_option(values))
    assert isinstance(error, UsageError)
    assert (error.exit_code, str(error)) == (2, message)
