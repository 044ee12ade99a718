"""The last polish of --balance-mean (spread.py): trades of interchangeable units only."""

from __future__ import annotations

import random
from dataclasses import replace
from fractions import Fraction
from itertools import product

from empower_cli.deal import first_start, placement_of
from empower_cli.model.kinds import kinds_of, whole
from empower_cli.plan import plan_of
from empower_cli.records import Cohort, Column, Problem
from empower_cli.rules import build_problem
from empower_cli.spread import _least_width, polish_spread, spread_floor
from empower_cli.validate import balance_of, validate

YEARS_OF = ["M1", "M2", "M3", "M4"]
INTERESTS = ["Wellness", "Research"]


def aged_cohort(records, n: int) -> Cohort:
    """n students over four years and two interests, with ages 20-45 drawn (seeded)."""
    specs = [(YEARS_OF[i % 4], [INTERESTS[(i // 4) % 2]]) for i in range(n)]
    cohort = records.cohort(specs)
    draw = random.Random(3)
    ages = [str(draw.randint(20, 45)) for _ in range(n)]
    students = tuple(
        replace(s, traits=((age,),)) for s, age in zip(cohort.students, ages, strict=True)
    )
    return replace(cohort, students=students, extra=(Column("Age", "number"),))


def problem_with_ages(records, n: int, n_groups: int, requests=None) -> Problem:
    cohort = aged_cohort(records, n)
    plan = plan_of(cohort, n_groups, balance_mean=["Age"])
    return build_problem(cohort, requests or records.requests(), n_groups, plan=plan)


def dealt(problem: Problem) -> dict[int, int]:
    """The constructive start's placement (the bins balanced, before this polish)."""
    block = whole(problem)
    kinds = kinds_of(problem, block)
    start = first_start(problem, block, kinds, seed=0)
    assert start is not None
    return placement_of(kinds, block, start[0])


def groups_of(problem: Problem, placement: dict[int, int]) -> tuple[int, ...]:
    groups = [0] * problem.n_students
    for unit in problem.units:
        for member in unit.members:
            groups[member] = placement[unit.index]
    return tuple(groups)


def spread(problem: Problem, placement: dict[int, int]) -> float:
    return balance_of(problem, groups_of(problem, placement)).means[0].spread


def test_the_polish_narrows_the_spread_the_bins_leave_and_keeps_every_count(records) -> None:
    problem = problem_with_ages(records, 60, 5)
    before = dealt(problem)
    after = polish_spread(problem, before)
    assert spread(problem, after) < spread(problem, before)
    old = balance_of(problem, groups_of(problem, before))
    new = balance_of(problem, groups_of(problem, after))
    assert new.counts == old.counts  # every year, interest and Age bin count per group
    assert validate(problem, groups_of(problem, after)).violations == ()


def test_the_polish_is_deterministic(records) -> None:
    problem = problem_with_ages(records, 60, 5)
    start = dealt(problem)
    assert polish_spread(problem, start) == polish_spread(problem, dict(start))


def test_pinned_locked_and_apart_students_keep_their_rules(records) -> None:
    requests = records.requests(
        locks=records.locks((0, 5)), aparts=records.aparts((1, 2)), pins=[records.pin(3, 2)]
    )
    problem = problem_with_ages(records, 60, 5, requests)
    start = dealt(problem)
    after = polish_spread(problem, start)
    fixed = {u.index for u in problem.units if u.pin is not None}
    fixed |= {u for pair in problem.aparts for u in pair}
    assert all(after[u] == start[u] for u in fixed)
    assert validate(problem, groups_of(problem, after)).violations == ()


def brute_width(sizes: list[int], total: int) -> Fraction:
    """The least spread of K_g / n_g over every split of `total` (tiny cases only)."""
    best = None
    for split in product(*(range(total + 1) for _ in sizes)):
        if sum(split) == total:
            means = [Fraction(k, n) for k, n in zip(split, sizes, strict=True)]
            width = max(means) - min(means)
            best = width if best is None else min(best, width)
    assert best is not None
    return best


def test_the_floor_is_the_least_spread_whole_sums_allow() -> None:
    for sizes, total in (([2, 3], 4), ([3, 3, 2], 7), ([4, 3], 10), ([2, 2, 3], 5)):
        assert _least_width(sizes, total) == brute_width(sizes, total), (sizes, total)


def test_the_floor_never_exceeds_the_spread_reached(records) -> None:
    problem = problem_with_ages(records, 60, 5)
    after = polish_spread(problem, dealt(problem))
    groups = groups_of(problem, after)
    column = next(f.column for f in problem.family_list if f.kind == "bins")
    assert spread_floor(problem, groups, column) <= spread(problem, after) + 1e-9
