"""The "placed with" column: names and emails matched to students, never guessed."""

from __future__ import annotations

from pathlib import Path

import pytest

from empower_cli.ingest import load_cohort
from empower_cli.ingest.placed import read_placed
from empower_cli.records import Pair
from helpers_ingest import failure, signups

HEADER = "Student ID,Name,Email,Class year,Interests,Placed with"
PEOPLE = [
    ("S1", "Ana Ruiz", "ana@x.edu"),
    ("S2", "Bo Chen", "bo@x.edu"),
    ("S3", "Ana Lopez", "al@x.edu"),
    ("S4", "Deniz Yılmaz", "deniz@x.edu"),
    ("S5", "Sam Field", "sam@x.edu"),
]


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def cohort(wishes: dict[int, str], header: str = HEADER):
    rows = [
        f'{key},{name},{email},M1,Wellness,"{wishes.get(i, "")}"'
        for i, (key, name, email) in enumerate(PEOPLE)
    ]
    return load_cohort(signups(*rows, header=header))


def test_email_exact_name_word_and_typo_are_matched() -> None:
    placed = read_placed(
        cohort({0: "BO@x.edu", 1: "deniz yilmaz", 3: "Sam", 4: "Ana Ruis and Bo Chen"})
    )
    assert placed.header == "Placed with"
    column = "Placed with"  # each lock names the cell it was written in
    assert placed.pairs == (
        Pair(0, 1, "signups.csv", 2, column),
        Pair(1, 3, "signups.csv", 3, column),
        Pair(3, 4, "signups.csv", 5, column),
        Pair(4, 0, "signups.csv", 6, column),
        Pair(4, 1, "signups.csv", 6, column),
    )
    assert placed.warnings == ()


def test_ambiguous_and_unknown_requests_are_listed_not_guessed() -> None:
    placed = read_placed(cohort({1: "Ana; my roommate", 2: "none"}))
    assert placed.pairs == ()
    assert placed.warnings == (
        "signups.csv: row 3, column 'Placed with': 'Ana' could be Ana Ruiz (S1) and "
        "Ana Lopez (S3), so this request was not used; write the full name or the email, "
        "or add the pair to a lock file.",
        "signups.csv: row 3, column 'Placed with': 'my roommate' matches no student, so this "
        "request was not used; write the full name or the email, or add the pair to a lock "
        "file.",
    )


def test_the_column_is_found_by_its_question_or_named() -> None:
    question = HEADER.replace("Placed with", "Is there anyone you would like to be placed with?")
    asked = question.rsplit(",", 1)[1]
    assert read_placed(cohort({0: "Bo Chen"}, question)).pairs == (
        Pair(0, 1, "signups.csv", 2, asked),
    )
    other = HEADER.replace("Placed with", "Buddy")
    assert read_placed(cohort({0: "Bo Chen"}, other)).pairs == ()
    assert read_placed(cohort({0: "Bo Chen"}, other), header="buddy").pairs == (
        Pair(0, 1, "signups.csv", 2, "Buddy"),
    )
    error = failure(lambda: read_placed(cohort({}, other), header="Friends"))
    assert str(error) == (
        "signups.csv: --requests-column 'Friends' matches no header. The headers are: "
        "'Student ID', 'Name', 'Email', 'Class year', 'Interests', 'Buddy'."
    )
