"""Small groups (issue 13): many groups per category, where locked pairs of one class year force
cells out of band and the arithmetic floors (model.floors) prove it.

The floors are checked against a brute force over every packing; the block path of solve() (a
cohort split into leaf blocks, made tiny here by lowering LEAF_GROUPS) must reach a proof from
the floors alone, and the optimum it proves must equal that of an independent model (one
Boolean per student and group, written here from the yardstick's definition).
"""

from __future__ import annotations

import itertools
from collections import Counter
from math import ceil, floor

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ortools.sat.python import cp_model

from empower_cli import search as search_module
from empower_cli import solve as solve_module
from empower_cli.model import bounds
from empower_cli.model.floors import chunk_floor, chunk_greedy, chunk_lower, distance
from empower_cli.model.kinds import Block
from empower_cli.model.kinds import whole as whole_block
from empower_cli.records import Cohort, Problem, Requests, Status
from empower_cli.rules import build_problem
from empower_cli.solve import SolveOptions, solve
from empower_cli.validate import balance_of, validate
from test_families import problem_of

OPTIONS = SolveOptions(time_limit=10.0, seed=0, workers=1)
YEARS = ["M1", "M1", "M2", "M3", "M4", "MSTP"]


def brute_floor(chunks: Counter[int], n_groups: int, low: int, high: int) -> int:
    """The least distance outside [low, high] over every packing of the chunks into groups."""
    sizes = sorted(chunks.elements())
    best = None
    for places in itertools.product(range(n_groups), repeat=len(sizes)):
        counts = [0] * n_groups
        for size, g in zip(sizes, places, strict=True):
            counts[g] += size
        cost = sum(distance(n, low, high) for n in counts)
        best = cost if best is None else min(best, cost)
    return best if best is not None else n_groups * distance(0, low, high)


# --- the arithmetic floors ----------------------------------------------------------------------


def test_a_locked_pair_in_a_band_of_one_per_group_costs_two_cells() -> None:
    # 60 M3 students in 60 groups (band [1, 1]), two of them locked: one group holds 2, and
    # with one M3 per group in all, another holds none.
    assert chunk_floor(Counter({2: 1, 1: 58}), 60, 1, 1) == (2, True)


def test_a_locked_pair_in_a_band_of_at_most_one_costs_one_cell() -> None:
    # 45 M4 students in 60 groups (band [0, 1]): the pair's group is 1 over, nobody is short.
    assert chunk_floor(Counter({2: 1, 1: 43}), 60, 0, 1) == (1, True)
    # a chain of three: 2 over
    assert chunk_floor(Counter({3: 1, 1: 42}), 60, 0, 1) == (2, True)


def test_more_chunks_over_the_band_than_groups_pile_up() -> None:
    # five pairs in two groups of band [0, 1]: 10 students, at best 5 and 5, so 4 + 4 over
    assert chunk_lower(Counter({2: 5}), 2, 0, 1) <= brute_floor(Counter({2: 5}), 2, 0, 1) == 8
    assert chunk_floor(Counter({2: 5}), 2, 0, 1) == (8, True)


@settings(max_examples=60, deadline=None)
@given(
    chunks=st.lists(st.sampled_from([1, 1, 2, 3]), min_size=0, max_size=6),
    n_groups=st.integers(1, 4),
    low=st.integers(0, 3),
    width=st.integers(0, 2),
)
def test_floors_bracket_the_least_packing(
    chunks: list[int], n_groups: int, low: int, width: int
) -> None:
    counted = Counter(chunks)
    high = low + width
    least = brute_floor(counted, n_groups, low, high)
    assert (
        chunk_lower(counted, n_groups, low, high)
        <= least
        <= chunk_greedy(counted, n_groups, low, high)
    )
    floor_, exact = chunk_floor(counted, n_groups, low, high)
    if exact:
        assert floor_ == least


# --- through the model path -------------------------------------------------------------------


def _cohort(records, years: list[str], interest: list[bool]) -> Cohort:
    return records.cohort(
        [
            (year, ["Wellness"] if liked else ["Research"])
            for year, liked in zip(years, interest, strict=True)
        ]
    )


def test_the_category_floor_is_settled_without_a_model(records, monkeypatch) -> None:
    def no_model(*args: object, **kwargs: object) -> int:
        raise AssertionError("a CP-SAT relaxation was solved")

    monkeypatch.setattr(bounds, "_least", no_model)
    # 4 groups, 4 M3 (band [1, 1]) with two of them locked, 4 M1
    cohort = records.cohort(["M3", "M3", "M3", "M3", "M1", "M1", "M1", "M1"])
    problem = build_problem(cohort, records.requests(locks=[records.lock(0, 1)]), 4)
    m3 = [c.name for c in problem.categories].index("M3")
    assert bounds.category_floor(problem, m3, time_limit=1.0) == 2


def _in_blocks(monkeypatch: pytest.MonkeyPatch, groups: int) -> None:
    """Split any cohort of more than `groups` groups into leaf blocks, as 250 groups are."""
    monkeypatch.setattr(solve_module, "LEAF_GROUPS", groups)


def test_blocks_at_their_floors_are_proven_without_a_search(records, monkeypatch) -> None:
    # 6 groups of 4 in blocks of 3: 3 M4 (band [0, 1]) of which two are locked force one cell
    # out. Each block's start reaches its own floor and the total reaches the cohort's: proven
    # with no CP-SAT search and no solve of the whole cohort again.
    def no_search(*args: object, **kwargs: object) -> None:
        raise AssertionError("a block was searched")

    _in_blocks(monkeypatch, 3)
    monkeypatch.setattr(search_module, "search_block", no_search)
    years = ["M4"] * 3 + ["M1"] * 9 + ["M2"] * 8 + ["M3"] * 4
    problem = build_problem(
        _cohort(records, years, [True, False] * 12), records.requests([records.lock(0, 1)]), 6
    )
    restarts: list[int] = []
    whole = solve_module._Run.restart_whole
    monkeypatch.setattr(
        solve_module._Run, "restart_whole", lambda run: (restarts.append(1), whole(run))[1]
    )
    assignment = solve(problem, OPTIONS)
    assert restarts == []
    assert assignment.status is Status.OPTIMAL
    assert assignment.objective == assignment.bound == 1
    assert balance_of(problem, assignment.groups).excess == 1


def independent_optimum(problem: Problem) -> int:
    """The least total distance outside the bands, by a model of one Boolean per student and
    group written from the yardstick (REFERENCE.md): bands floor/ceil of total / groups, sizes
    within one, locked students together. Nothing of empower's model is used."""
    model = cp_model.CpModel()
    n, n_groups = problem.n_students, problem.n_groups
    x = [[model.new_bool_var(f"x{s}_{g}") for g in range(n_groups)] for s in range(n)]
    for row in x:
        model.add_exactly_one(row)
    for g in range(n_groups):
        model.add(sum(x[s][g] for s in range(n)) >= n // n_groups)
        model.add(sum(x[s][g] for s in range(n)) <= ceil(n / n_groups))
    for pair in problem.requests.locks:
        for g in range(n_groups):
            model.add(x[pair.a][g] == x[pair.b][g])
    model.add(x[0][0] == 1)  # the groups are alike: the first student's may be the first
    labels = {
        "year": lambda s: {problem.students[s].year},
        "interest": lambda s: set(problem.students[s].interests),
    }
    distances = []
    for family, has in labels.items():
        values = sorted({v for s in range(n) for v in has(s)})
        for value in values:
            members = [s for s in range(n) if value in has(s)]
            low, high = floor(len(members) / n_groups), ceil(len(members) / n_groups)
            for g in range(n_groups):
                count = sum(x[s][g] for s in members)
                d = model.new_int_var(0, n, f"d_{family}_{value}_{g}")
                model.add(d >= count - high)
                model.add(d >= low - count)
                distances.append(d)
    model.minimize(sum(distances))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = 30
    assert solver.solve(model) == cp_model.OPTIMAL
    return round(solver.objective_value)


@settings(max_examples=6, deadline=None)
@given(
    years=st.lists(st.sampled_from(YEARS), min_size=24, max_size=24),
    interest=st.lists(st.booleans(), min_size=24, max_size=24),
    pairs=st.lists(st.tuples(st.integers(0, 23), st.integers(0, 23)), max_size=4),
)
def test_the_proven_optimum_of_blocks_is_the_independent_optimum(
    records, years: list[str], interest: list[bool], pairs: list[tuple[int, int]]
) -> None:
    with pytest.MonkeyPatch.context() as monkeypatch:
        _in_blocks(monkeypatch, 3)
        used: set[int] = set()
        locks = []
        for a, b in pairs:  # disjoint pairs, as the generator's locked pairs are
            if a != b and not {a, b} & used:
                used |= {a, b}
                locks.append(records.lock(min(a, b), max(a, b), row=len(locks) + 2))
        problem = build_problem(_cohort(records, years, interest), Requests(locks=tuple(locks)), 6)
        assignment = solve(problem, OPTIONS)
    verdict = validate(problem, assignment.groups)
    assert verdict.violations == ()
    assert verdict.balance.excess == assignment.objective
    assert assignment.status is Status.OPTIMAL
    assert assignment.objective == independent_optimum(problem)


# --- a block kept only when its repeated groupmates are forced ---------------------------------


def _run_with_one_block_done(problem: Problem) -> tuple[solve_module._Run, Block, Block]:
    first = Block((0, 1), (0, 1, 2, 3))
    second = Block((2, 3), (4, 5, 6, 7))
    run = solve_module._Run(problem, OPTIONS, None, [first, second], {}, queue=[second])
    return run, first, second


def test_a_block_repeating_avoidable_groupmates_sends_the_cohort_to_one_model(records) -> None:
    # Students 1 and 2 were groupmates; the block put them together though the cohort's 4
    # groups keep them apart at no cost: the cohort is solved again as one model.
    problem = problem_of(records.cohort(["M1"] * 8), 4, earlier=[0, 0] + [None] * 6)
    run, first, _ = _run_with_one_block_done(problem)
    together = solve_module.BlockResult({0: 0, 1: 0, 2: 1, 3: 1}, Status.OPTIMAL, 0, 0, False)
    assert run.merge_or_keep(first, together, left=10.0)
    assert run.queue == [whole_block(problem)]


def test_a_block_apart_from_earlier_groupmates_is_kept(records) -> None:
    problem = problem_of(records.cohort(["M1"] * 8), 4, earlier=[0, 0] + [None] * 6)
    run, first, second = _run_with_one_block_done(problem)
    apart = solve_module.BlockResult({0: 0, 1: 1, 2: 0, 3: 1}, Status.OPTIMAL, 0, 0, False)
    assert not run.merge_or_keep(first, apart, left=10.0)
    assert run.queue == [second]
