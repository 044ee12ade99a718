"""Conflicting rules explained: a minimal set, checked by brute force without the solver."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from empower_cli.errors import InfeasibleError
from empower_cli.explain import Rule, explain_infeasible, find_conflict
from empower_cli.records import Problem, Status
from empower_cli.rules import build_problem
from empower_cli.solve import SolveOptions, solve

OPTIONS = SolveOptions(time_limit=5.0, seed=0, workers=1)


def holds(problem: Problem, rules: Sequence[Rule], groups: Sequence[int]) -> bool:
    """Whether `groups` keeps every rule in `rules` (and nothing else)."""
    requests = problem.requests
    for rule in rules:
        if rule.family == "lock":
            pair = requests.locks[rule.index]
            if groups[pair.a] != groups[pair.b]:
                return False
        elif rule.family == "apart":
            pair = requests.aparts[rule.index]
            if groups[pair.a] == groups[pair.b]:
                return False
        elif rule.family == "pin":
            pin = requests.pins[rule.index]
            if groups[pin.student] != pin.group:
                return False
        elif rule.family == "sizes":
            sizes = [groups.count(g) for g in range(problem.n_groups)]
            if min(sizes) < problem.size_min or max(sizes) > problem.size_max:
                return False
    return True


def satisfiable(problem: Problem, rules: Sequence[Rule]) -> bool:
    """Brute force over every roster of the (tiny) problem."""
    return any(
        holds(problem, rules, groups)
        for groups in itertools.product(range(problem.n_groups), repeat=problem.n_students)
    )


def test_three_students_apart_in_two_groups(records) -> None:
    cohort = records.cohort(["M1", "M2", "M3", "M4", "M1", "M2"])
    aparts = records.aparts((0, 1), (1, 2), (0, 2))
    problem = build_problem(cohort, records.requests(aparts=aparts), 2)
    conflict = find_conflict(problem)
    assert conflict == (Rule("apart", 0), Rule("apart", 1), Rule("apart", 2))
    assert explain_infeasible(problem, fallback="?") == (
        "these 3 rules cannot all hold at once:\n"
        "  - Student 1 (s1) and Student 2 (s2) must be apart (apart.csv row 2)\n"
        "  - Student 2 (s2) and Student 3 (s3) must be apart (apart.csv row 3)\n"
        "  - Student 1 (s1) and Student 3 (s3) must be apart (apart.csv row 4)\n"
        "Remove or change one of them and run again."
    )


def test_sizes_take_part_in_a_conflict(records) -> None:
    cohort = records.cohort(["M1", "M2", "M3", "M4"])
    aparts = records.aparts((0, 1), (0, 2), (0, 3))
    problem = build_problem(cohort, records.requests(aparts=aparts), 2)
    conflict = find_conflict(problem)
    assert conflict is not None
    assert Rule("sizes") in conflict
    assert "every group holds 2 students (4 students in 2 groups)" in explain_infeasible(
        problem, fallback="?"
    )


def test_rules_that_hold_have_no_conflict(records) -> None:
    cohort = records.cohort(["M1", "M2", "M3", "M4"])
    problem = build_problem(cohort, records.requests(aparts=records.aparts((0, 1))), 2)
    assert find_conflict(problem) is None


@st.composite
def tiny(draw: st.DrawFn):
    n = draw(st.integers(3, 6))
    n_groups = draw(st.integers(2, 3))
    pair = st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)).filter(lambda p: p[0] != p[1])
    locks = draw(st.lists(pair, max_size=3, unique=True))
    aparts = draw(st.lists(pair, max_size=6, unique=True))
    if draw(st.booleans()):  # a clique of one more student than groups: they cannot all part
        chosen = draw(st.permutations(range(n)))[: min(n, n_groups + 1)]
        aparts += [(a, b) for a, b in itertools.combinations(chosen, 2) if (a, b) not in aparts]
    pins = draw(
        st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n_groups - 1)), max_size=3)
    )
    return n, n_groups, locks, aparts, pins


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tiny())
def test_a_reported_conflict_is_infeasible_alone_and_minimal(records, case) -> None:
    n, n_groups, locks, aparts, pins = case
    cohort = records.cohort(["M1", "M2", "M3", "M4", "MSTP"][i % 5] for i in range(n))
    seen: set[int] = set()
    pin_list = []
    for row, (student, group) in enumerate(pins, start=2):
        if student not in seen:
            seen.add(student)
            pin_list.append(records.pin(student, group, row))
    requests = records.requests(records.locks(*locks), records.aparts(*aparts), pin_list)
    try:
        problem = build_problem(cohort, requests, n_groups)
    except InfeasibleError:
        event("caught by arithmetic")
        return  # caught by the cheap arithmetic, before any solver
    try:
        solve(problem, OPTIONS)
        feasible = True
    except InfeasibleError:
        feasible = False
    conflict = find_conflict(problem)
    event("feasible" if feasible else "infeasible")
    if feasible:
        assert conflict is None
        return
    assert conflict
    assert not satisfiable(problem, conflict)
    for rule in conflict:  # every rule is needed
        assert satisfiable(problem, [r for r in conflict if r != rule])


def test_a_cost_resolve_cut_short_never_reports_worse_than_the_roster_found(
    records, monkeypatch
) -> None:
    # Two MSTP students locked together in groups whose MSTP band is [0, 1]: the lock costs a
    # cell. The roster found with the lock keeps every other rule, so it is a roster without
    # the lock too: a re-solve without the lock that is cut short with a worse roster (here,
    # one that puts every MSTP student in group 0) must report the roster found instead.
    from dataclasses import replace

    from empower_cli import solve as solve_module
    from empower_cli.explain import balance_costs
    from empower_cli.validate import balance_of

    years = ["MSTP", "MSTP", "MSTP", "M1", "M1", "M1", "M2", "M2", "M2", "M3", "M3", "M4"]
    cohort = records.cohort(years)
    problem = build_problem(cohort, records.requests(locks=records.locks((0, 1))), 3)
    found = solve(problem, SolveOptions(time_limit=5.0, seed=0, workers=1))
    assert balance_of(problem, found.groups).out_of_band >= 1

    real_solve = solve_module.solve

    def cut_short(relaxed: Problem, options: SolveOptions):
        worse = tuple(
            0 if year == "MSTP" else g for year, g in zip(years, found.groups, strict=True)
        )
        return replace(real_solve(relaxed, options), groups=worse, status=Status.FEASIBLE)

    monkeypatch.setattr(solve_module, "solve", cut_short)
    (cost,) = balance_costs(cohort, problem, 5.0, found=found.groups)
    kept = balance_of(problem, found.groups)
    assert (cost.family, cost.out_of_band, cost.proven) == ("locks", kept.out_of_band, False)
    (unguarded,) = balance_costs(cohort, problem, 5.0)
    assert unguarded.out_of_band > kept.out_of_band  # the guard is what kept the figure
