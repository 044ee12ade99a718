"""Properties of solve on random small cohorts with an extra balanced column, a rule column and
an earlier round, checked by the validator (which has no solver)."""

from __future__ import annotations

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from empower_cli.errors import InfeasibleError
from empower_cli.records import YEARS, Status
from empower_cli.solve import SolveOptions, solve
from empower_cli.validate import validate
from test_families import problem_of, with_column

OPTIONS = SolveOptions(time_limit=5.0, seed=0, workers=1)
SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def cases(draw: st.DrawFn):
    n_groups = draw(st.integers(2, 4))
    n = draw(st.integers(2 * n_groups + 2, 24))
    years = draw(st.lists(st.sampled_from(YEARS), min_size=n, max_size=n))
    genders = draw(st.lists(st.sampled_from(["W", "M", "N", ""]), min_size=n, max_size=n))
    willing = draw(st.lists(st.sampled_from(["Yes", "No"]), min_size=n, max_size=n))
    earlier = draw(st.lists(st.one_of(st.none(), st.integers(0, n_groups)), min_size=n, max_size=n))
    rules = draw(st.sampled_from(["none", "at-least", "no-lone", "both"]))
    return n_groups, years, genders, willing, earlier, rules


def build(records, case, *, avoid: bool):
    n_groups, years, genders, willing, earlier, rules = case
    cohort = with_column(records.cohort(years), "Gender", genders)
    cohort = with_column(cohort, "Willing", willing)
    at_least = ["Willing=Yes"] if rules in ("at-least", "both") and "Yes" in willing else []
    no_lone = ["Gender=N"] if rules in ("no-lone", "both") and "N" in genders else []
    return problem_of(
        cohort,
        n_groups,
        balance=["Gender"] if any(genders) else [],
        at_least=at_least,
        no_lone=no_lone,
        earlier=earlier if avoid else None,
    )


@SETTINGS
@given(cases())
def test_every_rule_holds_and_repeats_never_cost_balance(records, case) -> None:
    try:
        plain = build(records, case, avoid=False)
        avoid = build(records, case, avoid=True)
        first, second = solve(plain, OPTIONS), solve(avoid, OPTIONS)
    except InfeasibleError:
        assume(False)
        return
    verdict = validate(avoid, second.groups)
    assert verdict.ok, verdict.violations
    assert validate(plain, first.groups).ok
    if first.status is Status.OPTIMAL and second.status is Status.OPTIMAL:
        assert verdict.balance.excess == validate(plain, first.groups).balance.excess
