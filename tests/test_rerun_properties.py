"""Properties of re-runs on random small cohorts: an unchanged re-run moves nobody; locks,
aparts and pins always hold; balance never gives way to fewer moves."""

from __future__ import annotations

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from empower_cli.errors import InfeasibleError
from empower_cli.records import YEARS, Status
from empower_cli.rules import build_problem
from empower_cli.solve import SolveOptions, solve
from empower_cli.validate import validate

LABELS = ("Academic", "Research", "Wellness")
OPTIONS = SolveOptions(time_limit=5.0, seed=0, workers=1)
SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def cases(draw: st.DrawFn):
    n_groups = draw(st.integers(2, 4))
    n = draw(st.integers(2 * n_groups + 3, 28))  # room for 2 locks, an apart pair and a pin
    specs = draw(
        st.lists(
            st.tuples(
                st.sampled_from(YEARS),
                st.lists(st.sampled_from(LABELS), max_size=2, unique=True).map(tuple),
            ),
            min_size=n,
            max_size=n,
        )
    )
    order = draw(st.permutations(range(n)))
    n_locks = draw(st.integers(0, 2))
    locks = [(order[2 * i], order[2 * i + 1]) for i in range(n_locks)]
    rest = order[2 * n_locks :]
    aparts = [(rest[0], rest[1])] if draw(st.booleans()) else []
    pins = [(rest[2], draw(st.integers(0, n_groups - 1)))] if draw(st.booleans()) else []
    previous = draw(
        st.lists(st.one_of(st.none(), st.integers(0, n_groups - 1)), min_size=n, max_size=n)
    )
    return specs, n_groups, locks, aparts, pins, tuple(previous)


def problem_of(records, case, previous=()):
    specs, n_groups, locks, aparts, pins, _ = case
    cohort = records.cohort(specs)
    requests = records.requests(
        records.locks(*locks),
        records.aparts(*aparts),
        [records.pin(s, g, row) for row, (s, g) in enumerate(pins, start=2)],
    )
    return build_problem(cohort, requests, n_groups, previous=previous)


@SETTINGS
@given(cases())
def test_an_unchanged_rerun_moves_nobody(records, case) -> None:
    try:
        first = solve(problem_of(records, case), OPTIONS)
    except InfeasibleError:
        assume(False)
        return
    problem = problem_of(records, case, previous=first.groups)
    again = solve(problem, OPTIONS)
    assert validate(problem, again.groups).ok
    assert problem.moves_of(again.groups) == 0


@SETTINGS
@given(cases())
def test_rules_hold_and_balance_comes_first_on_any_rerun(records, case) -> None:
    try:
        plain = solve(problem_of(records, case), OPTIONS)
    except InfeasibleError:
        assume(False)
        return
    problem = problem_of(records, case, previous=case[-1])
    found = solve(problem, OPTIONS)
    verdict = validate(problem, found.groups)
    assert verdict.ok, verdict.violations
    if plain.status is Status.OPTIMAL and found.status is Status.OPTIMAL:
        assert verdict.balance.excess == plain.objective
