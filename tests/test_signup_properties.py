"""Hypothesis-generated sign-up files, run through the whole `assign` job and re-checked.

Each example writes a real CSV (years in the spellings students use, multi-select interests in
any case, accented names, a lock file) and runs `pipeline.assign` as the CLI does. The rosters
on disk are then read back and checked against the file that went in, with the validator and
by hand: every row kept with its cells untouched, locks honoured, sizes within one, balance as
reported.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rich.console import Console

from empower_cli.pipeline import AssignOptions, assign
from empower_cli.validate import validate

#: Spellings of each class year seen in real forms (FORMATS.md), all of which empower reads.
SPELLINGS = {
    "M1": ["M1", "MS1", "ms-1", "First year", "1st yr"],
    "M2": ["M2", "m2", "Year 2", "2nd year"],
    "M3": ["M3", "M3 (clinical)", "Third year"],
    "M4": ["M4", "4th year", "Fourth Year"],
    "MSTP": ["MSTP", "MD/PhD", "MD-PhD", "MSTP G2"],
}
INTERESTS = ["Academic success", "Research & extracurriculars", "Wellness", "Clinical"]
NAMES = ["Zoë", "José", "Nguyễn Thị Hà", "Siobhán", "François", "Ana", "Bo", "=Eve"]


@st.composite
def signups(draw: st.DrawFn) -> tuple[list[list[str]], list[tuple[str, str]], int, list[str]]:
    """(rows, locked id pairs, groups, canonical years) for a cohort of 10 to 50 students."""
    n = draw(st.integers(10, 50), label="students")
    n_groups = draw(st.integers(2, max(2, n // 4)), label="groups")
    rows: list[list[str]] = []
    years: list[str] = []
    for i in range(n):
        year = draw(st.sampled_from(list(SPELLINGS)))
        spelled = draw(st.sampled_from(SPELLINGS[year]))
        chosen = draw(st.lists(st.sampled_from(INTERESTS), min_size=1, max_size=3, unique=True))
        cased = [label.upper() if draw(st.booleans()) else label for label in chosen]
        name = f"{draw(st.sampled_from(NAMES))} {i}"
        rows.append([f"S{i:04d}", name, spelled, "; ".join(cased)])
        years.append(year)
    students = list(range(n))
    pairs = draw(
        st.lists(
            st.tuples(st.sampled_from(students), st.sampled_from(students)).filter(
                lambda p: p[0] != p[1]
            ),
            max_size=3,
            unique_by=lambda p: frozenset(p),
        ),
        label="locks",
    )
    used: set[int] = set()
    locks = []
    for a, b in pairs:  # disjoint pairs always fit groups of at least two
        if a not in used and b not in used:
            used |= {a, b}
            locks.append((f"S{a:04d}", f"S{b:04d}"))
    return rows, locks, n_groups, years


def _write(path: Path, header: list[str], rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(header)
        writer.writerows(rows)


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(case=signups())
def test_generated_signup_files_give_valid_rosters(tmp_path: Path, case) -> None:
    rows, locks, n_groups, years = case
    folder = tmp_path / f"run-{len(list(tmp_path.iterdir()))}"
    folder.mkdir()
    header = ["Student ID", "Name", "Class year", "Interests"]
    _write(folder / "signups.csv", header, rows)
    _write(folder / "locks.csv", ["a", "b"], [list(pair) for pair in locks])
    out = folder / "rosters"

    result = assign(
        AssignOptions(
            signups=folder / "signups.csv",
            out=out,
            groups=n_groups,
            lock=folder / "locks.csv",
            time_limit=5.0,
        ),
        out=Console(file=io.StringIO(), width=120),
        err=Console(file=io.StringIO(), width=120),
    )

    # The years were read as written, whatever the spelling.
    assert [s.year for s in result.cohort.students] == years
    # The validator agrees with what the solver said.
    verdict = validate(result.problem, result.assignment.groups)
    assert verdict.violations == ()
    assert verdict.balance.excess == result.assignment.objective
    assert result.assignment.bound <= result.assignment.objective
    # The file on disk: every row, cells untouched (but the escaped formula), a group each.
    with (out / "assignments.csv").open(encoding="utf-8-sig", newline="") as file:
        written = list(csv.reader(file))
    assert written[0] == [*header, "group"]
    for row, line in zip(rows, written[1:], strict=True):
        expected = [("'" + cell if cell.startswith("=") else cell) for cell in row]
        assert line[:-1] == expected
    group_of = {line[0]: int(line[-1]) for line in written[1:]}
    assert set(group_of.values()) == set(range(1, n_groups + 1))
    sizes = [list(group_of.values()).count(g) for g in range(1, n_groups + 1)]
    assert max(sizes) - min(sizes) <= 1
    for a, b in locks:
        assert group_of[a] == group_of[b]
