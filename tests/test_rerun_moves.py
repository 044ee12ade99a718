"""A re-run's mended roster (mend.py) and the proven floor on its moves, on tiny problems; the
summary line and the manifest key that report them, end to end."""

from __future__ import annotations

import itertools
import json
import random
from pathlib import Path

import pytest
from typer.testing import CliRunner

from empower_cli.cli import app
from empower_cli.mend import locked_floors, mend, moves_floor
from empower_cli.records import Problem
from empower_cli.report import moves_line
from empower_cli.rules import build_problem
from empower_cli.solve import SolveOptions, solve
from empower_cli.validate import validate

OPTIONS = SolveOptions(time_limit=5.0, seed=0, workers=1)
YEARS = ["M1", "M2", "M3", "M4", "MSTP"]


def _least_moves(problem: Problem) -> int | None:
    """By brute force over every placement of the units: the fewest moves of a roster whose
    sizes are in range, whose apart pairs are apart and whose balanced cells are all in band;
    None when no such roster exists."""
    weights = problem.weights()
    balanced = [c for c in range(len(problem.categories)) if weights[c]]
    best = None
    for placement in itertools.product(range(problem.n_groups), repeat=len(problem.units)):
        if any(placement[a] == placement[b] for a, b in problem.aparts):
            continue
        if any(u.pin is not None and placement[u.index] != u.pin for u in problem.units):
            continue
        sizes = [0] * problem.n_groups
        cells = [[0] * len(problem.categories) for _ in range(problem.n_groups)]
        for unit in problem.units:
            g = placement[unit.index]
            sizes[g] += unit.size
            for c in balanced:
                cells[g][c] += unit.profile[c]
        if any(not problem.size_min <= n <= problem.size_max for n in sizes):
            continue
        if any(
            not problem.band(c)[0] <= cells[g][c] <= problem.band(c)[1]
            for g in range(problem.n_groups)
            for c in balanced
        ):
            continue
        moves = sum(
            1
            for unit in problem.units
            for before in unit.previous
            if before != placement[unit.index]
        )
        best = moves if best is None else min(best, moves)
    return best


def _fewest(problem: Problem) -> int:
    """The moves of the roster solve() finds, checked: valid, no cell out of band, and no more
    moves than the fewest possible (brute force)."""
    found = solve(problem, OPTIONS)
    assert validate(problem, found.groups).ok
    assert found.objective == 0
    moves = problem.moves_of(found.groups)
    assert moves == _least_moves(problem)
    return moves


def test_the_floor_is_exact_when_each_group_sheds_what_is_over(records) -> None:
    # Both M1s were in group 1 and both M2s in group 2: each group holds one over the band
    # [1, 1], so one student of each must leave; one swap does it.
    cohort = records.cohort(["M1", "M1", "M2", "M2", "M3", "M3", "M4", "M4"])
    previous = (0, 0, 1, 1, 0, 1, 0, 1)
    problem = build_problem(cohort, records.requests(), 2, previous=previous)
    assert moves_floor(problem, in_band=True) == 2
    mended = mend(problem, seed=0)
    assert mended is not None
    assert (mended.broken, mended.balance, mended.moves) == (0, 0, 2)
    assert _fewest(problem) == 2


def test_a_full_group_short_of_a_category_must_make_room(records) -> None:
    # Group 1 holds both M1s (band [1, 1]): one must leave. Group 2 is full (2 students) and
    # lacks an M1: one of its own must leave to make room. 2 moves, as the floor says.
    cohort = records.cohort(["M1", "M1", "M2", "M3"])
    previous = (0, 0, 1, 1)
    problem = build_problem(cohort, records.requests(), 2, previous=previous)
    assert moves_floor(problem, in_band=True) == 2
    assert _fewest(problem) == 2


def test_the_floor_is_below_the_moves_when_two_categories_are_over(records) -> None:
    # Group 2 held 4 (of at most 3): both its M1s and both its M2s are over the band [1, 1].
    # Each student is of one class year, so an M1 and an M2 must leave: 2 moves. The floor
    # takes the largest excess of any one category in a group (1), not their sum.
    cohort = records.cohort(["M2", "M2", "M1", "M1", "M3"])
    previous = (1, 1, 1, 1, 0)
    problem = build_problem(cohort, records.requests(), 2, previous=previous)
    assert moves_floor(problem, in_band=True) == 1
    assert _fewest(problem) == 2


def test_without_cells_in_band_the_floor_counts_sizes_only(records) -> None:
    cohort = records.cohort(["M1", "M1", "M1", "M2", "M3", "M4"])
    previous = (0, 0, 0, 0, 0, 1)  # five in group 1, where 3 is the most
    problem = build_problem(cohort, records.requests(), 2, previous=previous)
    assert moves_floor(problem, in_band=False) == 2
    assert moves_floor(problem, in_band=True) == 2  # the M1s over [1, 2] leave with them


def test_pins_elsewhere_and_split_chains_are_forced_moves(records) -> None:
    cohort = records.cohort(["M1", "M2", "M3", "M4", "M1", "M2"])
    previous = (0, 0, 0, 1, 1, 1)
    pinned = records.requests(pins=[records.pin(0, 1)])  # s1 was in group 1, pinned to 2
    problem = build_problem(cohort, pinned, 2, previous=previous)
    assert moves_floor(problem, in_band=False) == 1
    locked = records.requests(locks=records.locks((0, 3)))  # s1 of group 1 with s4 of group 2
    problem = build_problem(cohort, locked, 2, previous=previous)
    assert moves_floor(problem, in_band=False) == 1
    found = solve(problem, OPTIONS)
    assert validate(problem, found.groups).ok
    assert problem.moves_of(found.groups) >= 1


def test_the_floor_never_exceeds_the_fewest_moves(records) -> None:
    """Against brute force on small seeded cohorts with withdrawals and newcomers."""
    rng = random.Random(13)
    checked = 0
    for _ in range(40):
        n = rng.randint(4, 7)
        n_groups = rng.randint(2, 3)
        specs = [rng.choice(YEARS[:3]) for _ in range(n)]
        previous = tuple(rng.choice([None, *range(n_groups)]) for _ in range(n))
        requests = records.requests()
        if rng.random() < 0.3:
            requests = records.requests(locks=records.locks((0, 1)))
        problem = build_problem(records.cohort(specs), requests, n_groups, previous=previous)
        least = _least_moves(problem)
        if least is None:
            continue
        assert moves_floor(problem, in_band=True) <= least, (specs, previous)
        found = solve(problem, OPTIONS)
        if found.objective == 0:
            assert moves_floor(problem, in_band=True) <= problem.moves_of(found.groups)
        checked += 1
    assert checked >= 20


def test_a_locked_pair_over_its_band_floors_the_balance(records) -> None:
    # Three groups: one M1 each is the band [1, 1], and a locked pair of M1s puts one over it
    # wherever it goes.
    cohort = records.cohort(["M1", "M1", "M1", "M2", "M2", "M2"])
    problem = build_problem(cohort, records.requests(locks=records.locks((0, 1))), 3)
    assert locked_floors(problem)["year"] == 1
    assert locked_floors(build_problem(cohort, records.requests(), 3))["year"] == 0


def test_the_moves_line_says_whether_fewer_were_possible() -> None:
    assert moves_line(12, 12) == "12 moves: the fewest possible at this balance (proven)."
    assert moves_line(1, 1) == "1 move: the fewest possible at this balance (proven)."
    assert moves_line(19, 4) == (
        "19 moves; any roster this balanced moves at least 4 (a proven floor), so up to 15 "
        "fewer may be possible."
    )
    assert moves_line(3, None) is None


@pytest.fixture
def small(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    lines = ["Student ID,Name,Email,Class year,Interests"]
    years = ["M1", "M2", "M3", "M4"] * 3
    for i, year in enumerate(years, start=1):
        lines.append(f"S{i:02d},Student {i},s{i}@x.edu,{year},Wellness")
    Path("signups.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return tmp_path


def test_a_rerun_reports_its_moves_and_their_floor(small: Path) -> None:
    runner = CliRunner()
    # an earlier roster with every M1 in group 1 (band [1, 1] in 3 groups): two must leave
    earlier = ["Student ID,Name,group"]
    earlier += [f"S{i:02d},Student {i},{1 if i in (1, 5, 9) else 2 + i % 2}" for i in range(1, 13)]
    Path("old.csv").write_text("\n".join(earlier) + "\n", encoding="utf-8")
    args = ["assign", "signups.csv", "--previous", "old.csv", "--out", "b"]
    result = runner.invoke(app, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    manifest = json.loads(Path("b/manifest.json").read_text(encoding="utf-8"))
    changes = manifest["changes"]
    assert changes["moves_lower_bound"] >= 2
    assert changes["moves_lower_bound"] <= changes["moved"]
    assert moves_line(changes["moved"], changes["moves_lower_bound"]) in result.output
