"""Families and the rules over them: --balance, --at-least, --no-lone, --avoid-groupmates,
--max-repeats, --balance-mean. Tiny models per rule (solved with CP-SAT directly, so that no
constructive start can satisfy them first), the validator's checks, arithmetic conflicts and
exact messages for bad values."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import pytest
from ortools.sat.python import cp_model

from empower_cli.deal import placement_of
from empower_cli.errors import InfeasibleError, UsageError
from empower_cli.model.build import build
from empower_cli.model.kinds import kinds_of, whole
from empower_cli.plan import parse_rule, plan_of
from empower_cli.records import Cohort, Column, Problem, Status
from empower_cli.rules import build_problem
from empower_cli.solve import SolveOptions, solve
from empower_cli.validate import balance_of, validate

OPTIONS = SolveOptions(time_limit=10.0, seed=0, workers=1)


def with_column(cohort: Cohort, header: str, values: Sequence[str]) -> Cohort:
    """The cohort with one more choice column (a blank value is no answer)."""
    seen = tuple(dict.fromkeys(v for v in values if v))
    students = tuple(
        replace(s, traits=(*s.traits, (v,) if v else ()))
        for s, v in zip(cohort.students, values, strict=True)
    )
    return replace(cohort, students=students, extra=(*cohort.extra, Column(header, "choice", seen)))


def problem_of(
    cohort: Cohort,
    n_groups: int,
    *,
    balance: Sequence[str] = (),
    at_least: Sequence[str] = (),
    no_lone: Sequence[str] = (),
    earlier: Sequence[int | None] | None = None,
    max_repeats: int | None = None,
    requests=None,
) -> Problem:
    from empower_cli.records import Requests

    rules = [parse_rule("--at-least", t) for t in at_least]
    rules += [parse_rule("--no-lone", t) for t in no_lone]
    plan = plan_of(
        cohort,
        n_groups,
        balance=balance,
        rules=rules,
        earlier=[("last_year.csv", tuple(earlier))] if earlier is not None else [],
        max_repeats=max_repeats,
    )
    return build_problem(cohort, requests or Requests(), n_groups, plan=plan)


def model_groups(problem: Problem, extra=None) -> tuple[int, list[int] | None]:
    """Solve the whole counting model with CP-SAT alone (no start, no hint): (status, group of
    each student or None). `extra(v)` may add constraints first."""
    block = whole(problem)
    kinds = kinds_of(problem, block)
    v = build(problem, block, kinds)
    if extra is not None:
        extra(v, kinds)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = 10
    status = solver.solve(v.model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return status, None
    counts = [[solver.value(x) for x in row] for row in v.x]
    placement = placement_of(kinds, block, counts)
    groups = [0] * problem.n_students
    for unit in problem.units:
        for m in unit.members:
            groups[m] = placement[unit.index]
    return status, groups


def force_together(students: Sequence[int]):
    """An extra constraint: `students` all go to the last group (the one the symmetry breaking
    leaves the fewest of the commonest kind)."""

    def add(v, kinds) -> None:
        unit_of = v.problem.unit_of_student()
        wanted: dict[int, int] = {}
        for s in students:
            k = next(i for i, kind in enumerate(kinds) if unit_of[s] in kind.units)
            wanted[k] = wanted.get(k, 0) + 1
        for k, n in wanted.items():
            v.model.add(v.x[k][-1] >= n)

    return add


# --- --balance COLUMN ---------------------------------------------------------------------------


def test_a_balanced_column_is_a_family_named_by_its_header(records) -> None:
    cohort = with_column(
        records.cohort(["M1"] * 8), "Gender ", ["W", "W", "W", "W", "M", "M", "M", "M"]
    )
    problem = problem_of(cohort, 2, balance=["gender"])

    names = [
        (c.family, c.name, c.total)
        for c in problem.categories
        if c.family not in ("year", "interest")
    ]
    assert names == [("Gender ", "W", 4), ("Gender ", "M", 4)]
    assert [f.name for f in problem.family_list] == ["year", "interest", "Gender "]

    found = solve(problem, OPTIONS)
    balance = validate(problem, found.groups).balance
    assert balance.out_of_band == 0
    column = [i for i, c in enumerate(problem.categories) if c.family == "Gender "]
    assert [[row[c] for c in column] for row in balance.counts] == [[2, 2], [2, 2]]


def test_a_rule_column_that_is_not_balanced_has_weight_zero_and_no_cell_out(records) -> None:
    cohort = with_column(
        records.cohort(["M1"] * 6), "Facilitate", ["Yes", "Yes", "No", "No", "No", "No"]
    )
    problem = problem_of(cohort, 2, at_least=["Facilitate=Yes"])

    family = next(f for f in problem.family_list if f.name == "Facilitate")
    assert family.weight == 0 and not family.balanced
    groups = [0, 0, 0, 1, 1, 1]  # both Yes in group 1: out of its band, but not balanced
    assert balance_of(problem, groups).out_of_band == 0


# --- --at-least ---------------------------------------------------------------------------------


def test_at_least_holds_in_the_model(records) -> None:
    cohort = with_column(
        records.cohort(["M1"] * 6), "Facilitate", ["Yes", "Yes", "No", "No", "No", "No"]
    )
    ruled = problem_of(cohort, 2, at_least=["Facilitate=Yes"])
    free = problem_of(cohort, 2, balance=["Facilitate"])
    free = replace(
        free,
        families=tuple(
            replace(f, weight=0) if f.name == "Facilitate" else f for f in free.families
        ),
    )

    status, _ = model_groups(ruled, force_together([0, 1]))
    assert status == cp_model.INFEASIBLE  # both facilitators in group 0 breaks the rule
    status, groups = model_groups(free, force_together([0, 1]))
    assert groups is not None  # without the rule, the model allows it
    status, groups = model_groups(ruled)
    assert groups is not None and groups[0] != groups[1]
    assert validate(ruled, groups).ok


def test_at_least_over_several_values_counts_a_student_once(records) -> None:
    # Student 1 chose both A and B: one student, not two, toward "2 interests=A|B".
    cohort = records.cohort(
        [("M1", ("A", "B")), ("M1", ("A",)), ("M1", ()), ("M1", ("B",)), ("M1", ("A",)), "M1"]
    )
    problem = problem_of(cohort, 2, at_least=["2 interests=A|B"])
    status, _ = model_groups(problem, force_together([0, 2, 5]))
    assert status == cp_model.INFEASIBLE
    status, groups = model_groups(problem)
    assert groups is not None and validate(problem, groups).ok


def test_the_validator_names_a_group_short_of_at_least(records) -> None:
    cohort = with_column(records.cohort(["M1"] * 4), "Facilitate", ["Yes", "Yes", "No", "No"])
    problem = problem_of(cohort, 2, at_least=["Facilitate=Yes"])
    verdict = validate(problem, [0, 0, 1, 1])
    assert [v.message for v in verdict.violations] == [
        "group 2 holds 0 students with Facilitate = Yes, but --at-least "
        "'Facilitate=Yes' asks for 1."
    ]


def test_too_few_students_for_at_least_is_explained_by_arithmetic(records) -> None:
    cohort = with_column(
        records.cohort(["M1"] * 9), "Willing to facilitate?", ["Yes", "Yes"] + ["No"] * 7
    )
    with pytest.raises(InfeasibleError) as caught:
        problem_of(cohort, 3, at_least=["Willing to facilitate?=Yes"])
    assert caught.value.message == (
        "only 2 students answered Yes to 'Willing to facilitate?', but 3 groups each need at "
        "least 1 (--at-least 'Willing to facilitate?=Yes'). Use fewer groups, or lower N."
    )


# --- --no-lone ----------------------------------------------------------------------------------


def test_no_lone_holds_in_the_model_at_the_least_imbalance(records) -> None:
    # 3 Nonbinary students in 3 groups: the band is [1, 1], but nobody may be alone, so all
    # three share one group: that cell is 2 over, the other two 1 under.
    genders = ["N", "N", "N", "W", "W", "W", "M", "M", "M"]
    cohort = with_column(records.cohort(["M1"] * 9), "Gender", genders)
    problem = problem_of(cohort, 3, balance=["Gender"], no_lone=["Gender=N"])

    status, _ = model_groups(problem, force_together([0]))  # forcing one N to group 0 is fine
    status, groups = model_groups(problem)
    assert status == cp_model.OPTIMAL and groups is not None
    assert len({groups[0], groups[1], groups[2]}) == 1
    assert validate(problem, groups).ok

    found = solve(problem, OPTIONS)
    assert found.status is Status.OPTIMAL
    assert validate(problem, found.groups).balance.excess == found.objective == found.bound


def test_the_validator_names_a_lone_student(records) -> None:
    cohort = with_column(records.cohort(["M1"] * 4), "Gender", ["N", "N", "W", "W"])
    problem = problem_of(cohort, 2, no_lone=["Gender=N"])
    assert [v.message for v in validate(problem, [0, 1, 0, 1]).violations] == [
        "group 1 holds exactly one student with Gender = N (--no-lone 'Gender=N').",
        "group 2 holds exactly one student with Gender = N (--no-lone 'Gender=N').",
    ]


def test_one_student_of_a_no_lone_value_cannot_hold(records) -> None:
    cohort = with_column(records.cohort(["M1"] * 4), "Gender", ["N", "W", "W", "W"])
    with pytest.raises(InfeasibleError) as caught:
        problem_of(cohort, 2, no_lone=["Gender=N"])
    assert caught.value.message == (
        "only 1 student answered N to 'Gender': they would be alone in any group, so "
        "--no-lone 'Gender=N' cannot hold. Drop that rule."
    )


# --- --avoid-groupmates and --max-repeats -------------------------------------------------------


def test_earlier_groupmates_are_kept_apart_in_the_model(records) -> None:
    cohort = records.cohort(["M1"] * 6)
    problem = problem_of(cohort, 2, earlier=[0, 0, 1, 1, None, None])
    status, groups = model_groups(problem)
    assert status == cp_model.OPTIMAL and groups is not None
    assert groups[0] != groups[1] and groups[2] != groups[3]
    assert balance_of(problem, groups).repeats == 0


def test_max_repeats_is_a_hard_cap_in_the_model(records) -> None:
    cohort = records.cohort(["M1"] * 6)
    problem = problem_of(cohort, 2, earlier=[0, 0, None, None, None, None], max_repeats=0)
    status, _ = model_groups(problem, force_together([0, 1]))
    assert status == cp_model.INFEASIBLE


def test_a_locked_pair_of_earlier_groupmates_is_a_forced_repeat(records) -> None:
    cohort = records.cohort(["M1"] * 6)
    requests = records.requests(records.locks((0, 1)))
    problem = problem_of(cohort, 2, earlier=[0, 0, 0, None, None, None], requests=requests)
    found = solve(problem, OPTIONS)
    balance = validate(problem, found.groups).balance
    assert (balance.repeats, balance.forced_repeats) == (1, 1)
    assert found.status is Status.OPTIMAL


def test_a_cap_below_what_locks_force_is_explained(records) -> None:
    cohort = records.cohort(["M1"] * 6)
    requests = records.requests(records.locks((0, 1)))
    with pytest.raises(InfeasibleError) as caught:
        problem_of(
            cohort, 2, earlier=[0, 0, None, None, None, None], max_repeats=0, requests=requests
        )
    assert caught.value.message == (
        "the locks keep 1 pairs of earlier groupmates together (locks.csv row 2), but "
        "--max-repeats allows 0. Raise --max-repeats or remove those locks."
    )


def test_fewer_repeats_never_buy_a_worse_balance(records) -> None:
    # Every balanced roster puts A with B and C with D (interest X keeps A from C, Y keeps B
    # from D, Z keeps A from D), and both pairs were groupmates: the only roster without a
    # repeat puts A with D, two cells out. Balance comes first, so the two repeats stay.
    cohort = records.cohort(
        [("M1", ("X", "Z")), ("M2", ("Y",)), ("M1", ("X",)), ("M2", ("Y", "Z"))]
    )
    problem = problem_of(cohort, 2, earlier=[0, 0, 1, 1])
    found = solve(problem, OPTIONS)
    balance = validate(problem, found.groups).balance
    assert (balance.excess, balance.repeats) == (0, 2)
    assert found.status is Status.OPTIMAL


def _second_phase_by_the_model(monkeypatch) -> list[tuple[int, int]]:
    """Force the two-phase path of --avoid-groupmates through its models: no start for the
    problem with earlier groups (so it is never perfect), and no local search in the second
    phase (so only its model can lower the repeats). Returns, for each second phase, the
    repeats of the roster it was given and of the roster it gave back."""
    from empower_cli import search
    from empower_cli import solve as solve_module
    from empower_cli.deal import repeats_among

    dealt = solve_module.first_start
    monkeypatch.setattr(
        solve_module,
        "first_start",
        lambda problem, *rest: None if problem.earlier_families else dealt(problem, *rest),
    )
    monkeypatch.setattr(search, "repair", lambda *args, **kwargs: 10**9)
    phases: list[tuple[int, int]] = []
    second = search.fewest_repeats

    def watched(problem, block, kinds, placement, *rest):
        found = second(problem, block, kinds, placement, *rest)
        units = list(block.units)
        phases.append(
            (repeats_among(problem, placement, units), repeats_among(problem, found[0], units))
        )
        return found

    monkeypatch.setattr(search, "fewest_repeats", watched)
    return phases


@pytest.mark.parametrize(
    ("interests", "earlier", "expected", "given"),
    [
        # balance is reached alone (every roster of three and three is in band); ignoring the
        # earlier groups, the first phase puts students 0 and 1 together: the second removes it
        ([(), (), (), (), (), ()], [0, 0, 1, 1, None, None], (0, 0), (1, 0)),
        # the only roster without a repeat is two cells out: balance comes first, 2 repeats stay
        ([("X", "Z"), ("Y",), ("X",), ("Y", "Z")], [0, 0, 1, 1], (0, 2), (2, 2)),
    ],
)
def test_repeats_are_minimised_after_the_balance_and_never_worsen_it(
    records, monkeypatch, interests, earlier, expected, given
) -> None:
    years = ["M1", "M2"] * (len(interests) // 2) if len(interests) == 4 else ["M1"] * 6
    cohort = records.cohort(list(zip(years, interests, strict=True)))
    problem = problem_of(cohort, 2, earlier=earlier)
    phases = _second_phase_by_the_model(monkeypatch)
    found = solve(problem, OPTIONS)
    balance = validate(problem, found.groups).balance
    assert (balance.excess, balance.repeats) == expected
    assert found.status is Status.OPTIMAL and found.objective == 0
    assert phases == [given]  # the first phase ignored the earlier groups; the second did not


def test_a_cap_holds_where_the_two_phases_would_repeat_more(records, monkeypatch) -> None:
    # The best balance keeps two repeats (as above); --max-repeats 0 allows none, so the one
    # model with the cap gives the roster without a repeat, two cells out.
    cohort = records.cohort(
        [("M1", ("X", "Z")), ("M2", ("Y",)), ("M1", ("X",)), ("M2", ("Y", "Z"))]
    )
    problem = problem_of(cohort, 2, earlier=[0, 0, 1, 1], max_repeats=0)
    phases = _second_phase_by_the_model(monkeypatch)
    found = solve(problem, OPTIONS)
    balance = validate(problem, found.groups).balance
    assert (balance.excess, balance.repeats) == (2, 0)
    assert phases == [(2, 2)]  # the two phases ran, and their roster broke the cap


# --- option values ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("option", "given", "message"),
    [
        (
            "--at-least",
            "Willing to facilitate? Yes",
            "--at-least 'Willing to facilitate? Yes' is not [N] COLUMN=VALUE|VALUE...; write for "
            'example --at-least "Willing to facilitate?=Yes" or --at-least "2 year=M3|M4".',
        ),
        ("--at-least", "0 year=M3", "--at-least '0 year=M3': N must be at least 1."),
        (
            "--at-least",
            "year=M3|",
            "--at-least 'year=M3|' is not [N] COLUMN=VALUE|VALUE...; write for example "
            '--at-least "Willing to facilitate?=Yes" or --at-least "2 year=M3|M4".',
        ),
        (
            "--no-lone",
            "Gender",
            "--no-lone 'Gender' is not COLUMN=VALUE; write for example "
            '--no-lone "Gender=Nonbinary".',
        ),
        (
            "--no-lone",
            "Gender=A|B",
            "--no-lone 'Gender=A|B' names 2 values; give one --no-lone per value.",
        ),
    ],
)
def test_a_bad_rule_says_what_to_write(option: str, given: str, message: str) -> None:
    with pytest.raises(UsageError) as caught:
        parse_rule(option, given)
    assert caught.value.message == message


def test_a_value_no_student_has_is_named_with_the_values_there_are(records) -> None:
    cohort = with_column(records.cohort(["M1"] * 4), "Gender", ["W", "W", "M", "M"])
    with pytest.raises(UsageError) as caught:
        problem_of(cohort, 2, no_lone=["Gender=Nonbinary"])
    assert caught.value.message == (
        "--no-lone 'Gender=Nonbinary': no student has 'Nonbinary' in 'Gender'; its values are "
        "'W', 'M'."
    )


def test_a_conflict_with_a_rule_names_the_rule_and_the_pins(records) -> None:
    # Both facilitators pinned to group 1: group 2 has none, so the pins and --at-least
    # conflict, which no arithmetic on totals sees.
    from empower_cli.explain import explain_infeasible

    cohort = with_column(records.cohort(["M1"] * 6), "Facilitate", ["Yes", "Yes"] + ["No"] * 4)
    pins = [records.pin(0, 0, 2), records.pin(1, 0, 3)]
    problem = problem_of(
        cohort, 2, at_least=["Facilitate=Yes"], requests=records.requests(pins=pins)
    )
    with pytest.raises(InfeasibleError):
        solve(problem, OPTIONS)
    assert explain_infeasible(problem, fallback="?") == (
        "these 3 rules cannot all hold at once:\n"
        "  - Student 1 (s1) is pinned to group 1 (pins.csv row 2)\n"
        "  - Student 2 (s2) is pinned to group 1 (pins.csv row 3)\n"
        "  - every group holds at least 1 with Facilitate = Yes (--at-least 'Facilitate=Yes')\n"
        "Remove or change one of them and run again."
    )
