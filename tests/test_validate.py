"""validate: every broken hard rule found and worded, and the yardstick recomputed by hand."""

from __future__ import annotations

import subprocess
import sys

import pytest

from empower_cli.records import Problem, Violation
from empower_cli.rules import build_problem
from empower_cli.validate import balance_of, validate, violations_of


@pytest.fixture
def problem(records) -> Problem:
    """Six students in three groups of two; 1-2 locked, 3-4 apart, 5 pinned to group 3."""
    cohort = records.cohort(["M1", "M1", "M2", "M2", "M3", "M3"])
    requests = records.requests(
        locks=[records.lock(0, 1, row=2)],
        aparts=[records.apart(2, 3, row=3)],
        pins=[records.pin(4, 2, row=4)],
    )
    return build_problem(cohort, requests, 3)


GOOD = (0, 0, 1, 2, 2, 1)


def test_a_roster_that_keeps_every_rule_has_no_violations(problem) -> None:
    verdict = validate(problem, GOOD)

    assert verdict.violations == ()
    assert verdict.ok
    assert verdict.balance.sizes == (2, 2, 2)


def test_wrong_size_spread(problem) -> None:
    groups = (0, 0, 1, 2, 2, 2)  # sizes 2, 1, 3

    assert violations_of(problem, groups) == [
        Violation("size", "group sizes range from 1 to 3; they may differ by one.")
    ]


def test_an_empty_group_counts_as_size_zero(problem) -> None:
    groups = (0, 0, 0, 2, 2, 2)  # sizes 3, 0, 3 (and 2-3 apart holds: 2 is in group 1)

    assert violations_of(problem, groups) == [
        Violation("size", "group sizes range from 0 to 3; they may differ by one.")
    ]


def test_broken_lock(problem) -> None:
    groups = (0, 1, 0, 2, 2, 1)

    assert violations_of(problem, groups) == [
        Violation(
            "lock",
            "Student 1 (s1) and Student 2 (s2) are locked together (locks.csv row 2) "
            "but are in groups 1 and 2.",
        )
    ]


def test_joined_apart_pair(problem) -> None:
    groups = (0, 0, 1, 1, 2, 2)

    assert violations_of(problem, groups) == [
        Violation(
            "apart",
            "Student 3 (s3) and Student 4 (s4) must be apart (apart.csv row 3) but share group 2.",
        )
    ]


def test_broken_pin(problem) -> None:
    groups = (0, 0, 1, 2, 1, 2)

    assert violations_of(problem, groups) == [
        Violation(
            "pin",
            "Student 5 (s5) is pinned to group 3 (pins.csv row 4) but is in group 2.",
        )
    ]


def test_every_broken_rule_is_listed_in_order(problem) -> None:
    groups = (0, 1, 1, 1, 0, 0)  # lock split, apart joined, pin broken, sizes 3-3-0

    assert [v.rule for v in violations_of(problem, groups)] == ["size", "lock", "apart", "pin"]


@pytest.mark.parametrize(
    ("bad_group", "shown"),
    [(3, "group 4"), (-1, "group 0")],
)
def test_group_out_of_range(problem, bad_group, shown) -> None:
    groups = (0, 0, 1, 2, bad_group, 1)

    assert violations_of(problem, groups) == [
        Violation("assigned", f"Student 5 (s5) is in {shown}, which does not exist.")
    ]


def test_out_of_range_groups_stop_the_other_checks(problem) -> None:
    groups = (5, 0, 0, 0, 7, 0)  # also a split lock and a broken pin

    assert [v.message for v in violations_of(problem, groups)] == [
        "Student 1 (s1) is in group 6, which does not exist.",
        "Student 5 (s5) is in group 8, which does not exist.",
    ]


@pytest.mark.parametrize("groups", [(0, 0, 1), (0, 0, 1, 2, 2, 1, 0)])
def test_wrong_length(problem, groups) -> None:
    assert violations_of(problem, groups) == [
        Violation("assigned", f"{len(groups)} group numbers for 6 students.")
    ]


def test_validate_of_a_wrong_length_has_an_empty_balance(problem) -> None:
    verdict = validate(problem, (0, 1))

    assert not verdict.ok
    assert verdict.violations[0].rule == "assigned"
    assert verdict.balance.sizes == ()
    assert verdict.balance.counts == ()


# --- balance_of, by hand ------------------------------------------------------------------------


@pytest.fixture
def seven(records) -> Problem:
    """Seven students in three groups: four M1 (two with Wellness), three M2."""
    cohort = records.cohort(
        [("M1", ["Wellness"]), ("M1", ["Wellness"]), "M1", "M1", "M2", "M2", "M2"]
    )
    return build_problem(cohort, records.requests(), 3)


def test_balance_of_a_lopsided_roster(seven) -> None:
    groups = (0, 0, 0, 1, 1, 2, 2)
    # Categories: M1 (4), M2 (3), M3 (0), M4 (0), MSTP (0), Wellness (2); G = 3.
    #
    # M1: ideal 4/3, band [1, 2]; counts 3, 1, 0 -> distances 1, 0, 1 (2 cells out, excess 2);
    #     deviations 5/3 + 1/3 + 4/3 = 10/3.
    # M2: ideal 1, band [1, 1]; counts 0, 1, 2 -> distances 1, 0, 1 (2 out, excess 2);
    #     deviations 1 + 0 + 1 = 2.
    # Wellness: ideal 2/3, band [0, 1]; counts 2, 0, 0 -> distances 1, 0, 0 (1 out, excess 1);
    #     deviations 4/3 + 2/3 + 2/3 = 8/3.
    # M3, M4, MSTP: total 0, band [0, 0], every count 0.
    # out of band 2 + 2 + 1 = 5; excess 5; total deviation 10/3 + 2 + 8/3 = 8.
    # Least total deviation, sum of 2 r (G - r) / G with r = T mod G:
    #     M1 r = 1: 2*1*2/3 = 4/3; M2 r = 0: 0; Wellness r = 2: 2*2*1/3 = 4/3 -> 8/3.
    # Largest |count - ideal|: M1 in group 1, 3 - 4/3 = 5/3.
    balance = balance_of(seven, groups)

    assert balance.sizes == (3, 2, 2)
    assert balance.counts == (
        (3, 0, 0, 0, 0, 2),
        (1, 1, 0, 0, 0, 0),
        (0, 2, 0, 0, 0, 0),
    )
    assert balance.out_of_band == 5
    assert balance.excess == 5
    assert balance.total_deviation == pytest.approx(8.0)
    assert balance.least_total_deviation == pytest.approx(8 / 3)
    assert balance.max_deviation == pytest.approx(5 / 3)
    assert balance.size_spread == 1


def test_balance_of_a_balanced_roster_reaches_the_least_deviation(seven) -> None:
    groups = (0, 1, 2, 0, 1, 2, 0)
    # M1 2, 1, 1 (ideal 4/3): 2/3 + 1/3 + 1/3 = 4/3.   M2 1, 1, 1: 0.
    # Wellness 1, 1, 0 (ideal 2/3): 1/3 + 1/3 + 2/3 = 4/3.   Total 8/3, the least possible.
    balance = balance_of(seven, groups)

    assert balance.out_of_band == 0
    assert balance.excess == 0
    assert balance.total_deviation == pytest.approx(8 / 3)
    assert balance.total_deviation == pytest.approx(balance.least_total_deviation)
    assert balance.max_deviation == pytest.approx(2 / 3)


def test_excess_counts_the_distance_not_the_cells(records) -> None:
    # Six M1 in two groups: band [3, 3]. All six in one group (sizes break, but balance is still
    # measured): 6 is 3 above, 0 is 3 below -> 2 cells out, excess 6.
    problem = build_problem(records.cohort(["M1"] * 6), records.requests(), 2)

    balance = balance_of(problem, (0,) * 6)

    assert balance.out_of_band == 2
    assert balance.excess == 6
    assert balance.size_spread == 6
    assert balance.total_deviation == pytest.approx(6.0)
    assert balance.least_total_deviation == 0


def test_a_chain_counts_each_member(records) -> None:
    cohort = records.cohort([("M1", ["Wellness"]), ("M1", ["Wellness"]), "M2", "M2"])
    problem = build_problem(cohort, records.requests(locks=[records.lock(0, 1)]), 2)

    balance = balance_of(problem, (0, 0, 1, 1))

    assert balance.counts == ((2, 0, 0, 0, 0, 2), (0, 2, 0, 0, 0, 0))
    assert balance.excess == 6  # M1, M2 and Wellness each 1 above and 1 below


# --- no solver in the validator -----------------------------------------------------------------


def test_importing_validate_does_not_import_ortools() -> None:
    code = "import sys, empower_cli.validate; assert 'ortools' not in sys.modules, 'ortools'"

    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)

    assert done.returncode == 0, done.stderr
