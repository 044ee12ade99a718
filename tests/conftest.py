"""Shared test set-up: a plain, fixed-width terminal for the CLI, and builders for tiny cohorts.

Typer reads `_TYPER_FORCE_DISABLE_TERMINAL` and `TERMINAL_WIDTH` when it is imported, so they are
set here, before any test module imports typer or the CLI.

Two kinds of builder:
- `records` (session-scoped, so hypothesis tests may use it) builds frozen records by hand:
  students, a Cohort, lock/apart pairs and pins, without reading any file.
- `write_signups` / `write_csv` write real CSV files into the test's tmp_path for CLI tests.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import settings

# None of the imports above loads typer (empower_cli.records imports nothing of the project's
# command line), so setting the environment here still comes before typer reads it.
from empower_cli.records import YEARS, Cohort, Pair, Pin, Requests, Student

assert "typer" not in sys.modules, "typer was imported before the test environment was set"
os.environ["_TYPER_FORCE_DISABLE_TERMINAL"] = "1"
os.environ["TERMINAL_WIDTH"] = "120"
os.environ["NO_COLOR"] = "1"

# In CI the property tests draw the same examples every run (a failure there is reproducible
# from the log); on a developer's machine they explore new ones each time.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

#: The header the CLI tests write, as a Google Forms export would have it.
SIGNUP_HEADER = ("Student ID", "Name", "Email", "Class year", "Interests")

#: A student given to the builders: a class year, or a class year and its interests.
Spec = str | tuple[str, Sequence[str]]


@dataclass(frozen=True)
class RecordBuilder:
    """Frozen records made by hand, with predictable keys ("s1", "s2", ...) and names."""

    lock_file: str = "locks.csv"
    apart_file: str = "apart.csv"
    pin_file: str = "pins.csv"

    @staticmethod
    def student(index: int, year: str, interests: Sequence[str] = ()) -> Student:
        """Student number index + 1: key "s<n>", name "Student <n>", on spreadsheet row n + 1."""
        assert year in YEARS, year
        return Student(
            index=index,
            row=index + 2,
            key=f"s{index + 1}",
            name=f"Student {index + 1}",
            year=year,
            interests=tuple(interests),
        )

    def cohort(self, specs: Iterable[Spec]) -> Cohort:
        """A cohort from one spec per student: "M1", or ("M1", ["Wellness", ...])."""
        students = []
        for index, spec in enumerate(specs):
            year, interests = (spec, ()) if isinstance(spec, str) else spec
            students.append(self.student(index, year, interests))
        labels: list[str] = []
        for student in students:
            labels.extend(x for x in student.interests if x not in labels)
        return Cohort(
            source="signups.csv",
            sha256="0" * 64,
            headers=SIGNUP_HEADER,
            rows=tuple(
                (s.key, s.name, f"{s.key}@example.edu", s.year, "; ".join(s.interests))
                for s in students
            ),
            students=tuple(students),
            interests=tuple(labels),
            mapping=(
                ("id", "Student ID"),
                ("name", "Name"),
                ("email", "Email"),
                ("year", "Class year"),
                ("interests", "Interests"),
            ),
            encoding="utf-8",
            delimiter=",",
        )

    def lock(self, a: int, b: int, row: int = 2) -> Pair:
        return Pair(a=a, b=b, source=self.lock_file, row=row)

    def apart(self, a: int, b: int, row: int = 2) -> Pair:
        return Pair(a=a, b=b, source=self.apart_file, row=row)

    def pin(self, student: int, group: int, row: int = 2) -> Pin:
        """`group` is 0-based, as in the records."""
        return Pin(student=student, group=group, source=self.pin_file, row=row)

    def locks(self, *pairs: tuple[int, int]) -> tuple[Pair, ...]:
        """Lock pairs on consecutive rows of the lock file, starting at row 2."""
        return tuple(self.lock(a, b, row) for row, (a, b) in enumerate(pairs, start=2))

    def aparts(self, *pairs: tuple[int, int]) -> tuple[Pair, ...]:
        return tuple(self.apart(a, b, row) for row, (a, b) in enumerate(pairs, start=2))

    @staticmethod
    def requests(
        locks: Sequence[Pair] = (), aparts: Sequence[Pair] = (), pins: Sequence[Pin] = ()
    ) -> Requests:
        return Requests(locks=tuple(locks), aparts=tuple(aparts), pins=tuple(pins))


@pytest.fixture(scope="session")
def records() -> RecordBuilder:
    return RecordBuilder()


def csv_text(rows: Iterable[Sequence[str]]) -> str:
    """Comma-separated lines; a cell holding a comma or a quote is quoted."""

    def field(cell: str) -> str:
        if any(ch in cell for ch in ',"\n'):
            return '"' + cell.replace('"', '""') + '"'
        return cell

    return "".join(",".join(field(cell) for cell in row) + "\n" for row in rows)


def signup_rows(specs: Iterable[Spec]) -> list[tuple[str, ...]]:
    """Rows under SIGNUP_HEADER for the specs, keys "S001", "S002", ..."""
    rows = []
    for index, spec in enumerate(specs, start=1):
        year, interests = (spec, ()) if isinstance(spec, str) else spec
        rows.append(
            (
                f"S{index:03d}",
                f"Student {index}",
                f"student{index}@example.edu",
                year,
                "; ".join(interests),
            )
        )
    return rows


@pytest.fixture
def write_csv(tmp_path: Path) -> Callable[[str, Iterable[Sequence[str]]], Path]:
    """Write rows as a UTF-8 CSV into tmp_path and return its path."""

    def write(name: str, rows: Iterable[Sequence[str]]) -> Path:
        path = tmp_path / name
        path.write_text(csv_text(rows), encoding="utf-8")
        return path

    return write


@pytest.fixture
def write_signups(
    write_csv: Callable[[str, Iterable[Sequence[str]]], Path],
) -> Callable[..., Path]:
    """Write a sign-up CSV with SIGNUP_HEADER (or `header`) from specs or from ready rows."""

    def write(
        specs: Iterable[Spec] = (),
        *,
        rows: Iterable[Sequence[str]] | None = None,
        header: Sequence[str] = SIGNUP_HEADER,
        name: str = "signups.csv",
    ) -> Path:
        body = list(rows) if rows is not None else signup_rows(specs)
        return write_csv(name, [tuple(header), *body])

    return write


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run the test from tmp_path, so paths in messages are as short as a user would type."""
    monkeypatch.chdir(tmp_path)
    return tmp_path
