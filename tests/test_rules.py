"""rules: the group count, units from locked chains, and every conflict arithmetic can see."""

from __future__ import annotations

from dataclasses import replace

import pytest

from empower_cli.errors import EmpowerError, InfeasibleError, UsageError
from empower_cli.records import YEARS, Category
from empower_cli.rules import build_problem, categories_of, choose_group_count


def error_of(call) -> EmpowerError:
    with pytest.raises(EmpowerError) as info:
        call()
    return info.value


# --- choose_group_count -------------------------------------------------------------------------


def test_default_group_size_sixteen_gives_nineteen_groups_for_three_hundred() -> None:
    # 300 / 16 = 18.75 -> 19 groups of 15 or 16.
    assert choose_group_count(300, groups=None, group_size=None) == 19


@pytest.mark.parametrize(
    ("n_students", "group_size", "expected"),
    [
        (300, 10, 30),
        (100, 16, 6),  # 6.25 -> 6 groups of 16 or 17
        (30, 30, 1),
        (31, 30, 1),
    ],
)
def test_group_size_gives_the_nearest_count(n_students, group_size, expected) -> None:
    assert choose_group_count(n_students, groups=None, group_size=group_size) == expected


def test_groups_given_are_used_as_they_are() -> None:
    assert choose_group_count(300, groups=7, group_size=None) == 7
    assert choose_group_count(5, groups=5, group_size=None) == 5


def test_groups_and_group_size_together_are_a_usage_error() -> None:
    error = error_of(lambda: choose_group_count(300, groups=19, group_size=16))

    assert isinstance(error, UsageError)
    assert error.exit_code == 2
    assert error.message == "give --groups or --group-size, not both."


def test_zero_groups_is_a_usage_error() -> None:
    error = error_of(lambda: choose_group_count(300, groups=0, group_size=None))

    assert isinstance(error, UsageError)
    assert error.exit_code == 2
    assert error.message == "--groups must be at least 1 (got 0)."


def test_zero_group_size_is_a_usage_error() -> None:
    error = error_of(lambda: choose_group_count(300, groups=None, group_size=0))

    assert error.exit_code == 2
    assert error.message == "--group-size must be at least 1 (got 0)."


def test_more_groups_than_students_is_infeasible() -> None:
    error = error_of(lambda: choose_group_count(5, groups=6, group_size=None))

    assert isinstance(error, InfeasibleError)
    assert error.exit_code == 4
    assert error.message == (
        "6 groups were asked for, but there are only 5 students: every group needs at least "
        "one. Use a smaller --groups."
    )


def test_group_size_larger_than_the_cohort_is_infeasible() -> None:
    error = error_of(lambda: choose_group_count(5, groups=None, group_size=6))

    assert isinstance(error, InfeasibleError)
    assert error.exit_code == 4
    assert error.message == (
        "a group size of 6 is larger than the whole cohort (5 students). "
        "Use a smaller --group-size, or --groups 1."
    )


def test_a_cohort_smaller_than_the_default_size_makes_one_group() -> None:
    # No option given: the default size of 16 is never "larger than the cohort".
    assert choose_group_count(12, groups=None, group_size=None) == 1
    assert choose_group_count(1, groups=None, group_size=None) == 1


@pytest.mark.parametrize(
    ("n_students", "group_size", "expected"),
    [
        (49, 20, 3),  # 2 groups of 24-25 are 4.5 off on average; 3 of 16-17 are 3.67 off
        (10, 4, 3),  # 5 per group (1 off) or 3.33 (0.67 off)
        (20, 8, 3),  # 10 (2 off) or 6.67 (1.33 off)
        (12, 5, 2),  # 6 or 4, both 1 off: the fewer groups win the tie
    ],
)
def test_group_size_picks_the_count_whose_sizes_are_nearest(
    n_students, group_size, expected
) -> None:
    assert choose_group_count(n_students, groups=None, group_size=group_size) == expected


# --- units --------------------------------------------------------------------------------------


def test_categories_are_every_year_then_every_interest_with_totals(records) -> None:
    cohort = records.cohort(
        [("M2", ["Wellness"]), ("M2", ["Research", "Wellness"]), ("MSTP", ["Research"]), "M1"]
    )

    assert categories_of(cohort) == (
        Category("M1", "year", 1),
        Category("M2", "year", 2),
        Category("M3", "year", 0),
        Category("M4", "year", 0),
        Category("MSTP", "year", 1),
        Category("Wellness", "interest", 2),
        Category("Research", "interest", 2),
    )
    assert tuple(c.name for c in categories_of(cohort)[: len(YEARS)]) == YEARS


def test_without_locks_every_student_is_a_unit_of_one(records) -> None:
    cohort = records.cohort(["M1", ("M3", ["Wellness"]), "MSTP"])

    problem = build_problem(cohort, records.requests(), 1)

    assert [(u.index, u.members, u.pin) for u in problem.units] == [
        (0, (0,), None),
        (1, (1,), None),
        (2, (2,), None),
    ]
    # categories: M1 M2 M3 M4 MSTP Wellness
    assert [u.profile for u in problem.units] == [
        (1, 0, 0, 0, 0, 0),
        (0, 0, 1, 0, 0, 1),
        (0, 0, 0, 0, 1, 0),
    ]


def test_chain_members_are_merged_and_their_profiles_summed(records) -> None:
    cohort = records.cohort(
        [
            ("M1", ["Wellness"]),  # 0
            "M2",  # 1
            ("M1", ["Wellness", "Research"]),  # 2
            "M3",  # 3
            ("MSTP", ["Research"]),  # 4
            "M4",  # 5
        ]
    )
    # Chains: 4-2, 2-0 -> {0, 2, 4}; 5-3 -> {3, 5}; 1 alone.
    requests = records.requests(locks=records.locks((4, 2), (2, 0), (5, 3)))

    problem = build_problem(cohort, requests, 2)

    assert [u.members for u in problem.units] == [(0, 2, 4), (1,), (3, 5)]
    # categories: M1 M2 M3 M4 MSTP Wellness Research
    assert problem.units[0].profile == (2, 0, 0, 0, 1, 2, 2)
    assert problem.units[2].profile == (0, 0, 1, 1, 0, 0, 0)
    assert [u.size for u in problem.units] == [3, 1, 2]
    assert problem.unit_of_student() == (0, 1, 0, 2, 0, 2)


def test_unit_order_does_not_depend_on_the_order_of_the_locks(records) -> None:
    cohort = records.cohort(["M1", "M2", "M3", "M4", "MSTP", "M1", "M2"])
    forward = records.locks((0, 3), (3, 6), (1, 5))
    backward = records.locks((5, 1), (6, 3), (3, 0))

    one = build_problem(cohort, records.requests(locks=forward), 2)
    other = build_problem(cohort, records.requests(locks=backward), 2)

    assert [u.members for u in one.units] == [(0, 3, 6), (1, 5), (2,), (4,)]
    assert one.units == other.units


def test_a_pin_on_any_chain_member_pins_the_unit(records) -> None:
    cohort = records.cohort(["M1", "M2", "M3", "M4"])
    requests = records.requests(
        locks=[records.lock(1, 2)], pins=[records.pin(2, 1, row=2), records.pin(1, 1, row=3)]
    )

    problem = build_problem(cohort, requests, 2)

    assert [(u.members, u.pin) for u in problem.units] == [
        ((0,), None),
        ((1, 2), 1),
        ((3,), None),
    ]


def test_aparts_become_unit_pairs_lowest_first_without_repeats(records) -> None:
    cohort = records.cohort(["M1", "M2", "M3", "M4", "MSTP", "M1"])
    requests = records.requests(
        locks=[records.lock(0, 1)],
        # 5-0 and 5-1 name the same two units; 4-3 is given highest first.
        aparts=records.aparts((5, 0), (5, 1), (4, 3)),
    )

    problem = build_problem(cohort, requests, 2)

    assert [u.members for u in problem.units] == [(0, 1), (2,), (3,), (4,), (5,)]
    assert problem.aparts == ((0, 4), (2, 3))


def test_a_chain_as_large_as_a_group_is_allowed(records) -> None:
    cohort = records.cohort(["M1"] * 6)

    problem = build_problem(cohort, records.requests(locks=records.locks((0, 1), (1, 2))), 2)

    assert problem.size_max == 3
    assert problem.units[0].members == (0, 1, 2)


# --- conflicts ----------------------------------------------------------------------------------


def infeasible(records, specs, n_groups, **requests) -> str:
    with pytest.raises(InfeasibleError) as info:
        build_problem(records.cohort(specs), records.requests(**requests), n_groups)
    assert info.value.exit_code == 4
    return info.value.message


def test_more_groups_than_students(records) -> None:
    message = infeasible(records, ["M1"] * 6, 7)

    assert message == "7 groups were asked for, but there are only 6 students."


def test_a_chain_larger_than_a_group(records) -> None:
    locks = records.locks((0, 1), (1, 2), (3, 2))  # rows 2, 3, 4

    message = infeasible(records, ["M1"] * 6, 2, locks=locks)

    assert message == (
        "4 students are locked together (Student 1 (s1), Student 2 (s2), Student 3 (s3) and "
        "Student 4 (s4); locks.csv rows 2, 3, 4), but a group holds at most 3. "
        "Remove some of these locks or use larger groups."
    )


def test_a_long_chain_names_eight_students_and_counts_the_rest(records) -> None:
    locks = records.locks(*((i, i + 1) for i in range(10)))  # 11 students, rows 2-11

    message = infeasible(records, ["M1"] * 20, 2, locks=locks)

    named = ", ".join(f"Student {i} (s{i})" for i in range(1, 8))
    rows = ", ".join(str(r) for r in range(2, 12))
    assert message == (
        f"11 students are locked together ({named} and 4 more; locks.csv rows {rows}), "
        "but a group holds at most 10. Remove some of these locks or use larger groups."
    )


def test_a_pair_both_locked_and_apart(records) -> None:
    message = infeasible(
        records,
        ["M1"] * 4,
        2,
        locks=[records.lock(0, 1, row=2)],
        aparts=[records.apart(1, 0, row=5)],
    )

    assert message == (
        "Student 2 (s2) and Student 1 (s1) must be apart (apart.csv row 5) "
        "but are locked together (locks.csv row 2)."
    )


def test_a_pair_apart_but_locked_through_a_chain(records) -> None:
    # a-b and b-c locked, a-c apart.
    message = infeasible(
        records,
        ["M1"] * 6,
        2,
        locks=records.locks((0, 1), (1, 2)),
        aparts=[records.apart(0, 2, row=3)],
    )

    assert message == (
        "Student 1 (s1) and Student 3 (s3) must be apart (apart.csv row 3) "
        "but are put in one group by the locks in locks.csv rows 2, 3."
    )


def test_pins_that_split_a_chain(records) -> None:
    message = infeasible(
        records,
        ["M1"] * 6,
        2,
        locks=records.locks((0, 1), (1, 2)),
        pins=[records.pin(0, 0, row=2), records.pin(2, 1, row=3)],
    )

    assert message == (
        "Student 1 (s1), Student 2 (s2) and Student 3 (s3) are locked together "
        "(locks.csv rows 2, 3), but pinned to different groups: "
        "group 1 (pins.csv row 2) and group 2 (pins.csv row 3)."
    )


def test_both_members_of_an_apart_pair_pinned_to_one_group(records) -> None:
    message = infeasible(
        records,
        ["M1"] * 6,
        3,
        aparts=[records.apart(0, 3, row=4)],
        pins=[records.pin(0, 1, row=2), records.pin(3, 1, row=3)],
    )

    assert message == (
        "Student 1 (s1) and Student 4 (s4) must be apart (apart.csv row 4) "
        "but are both pinned to group 2."
    )


def test_apart_chains_pinned_to_one_group(records) -> None:
    # 0-1 locked and pinned to group 1 through 1; 2 pinned to group 1 too; 0 and 2 apart.
    message = infeasible(
        records,
        ["M1"] * 9,
        3,
        locks=[records.lock(0, 1)],
        aparts=[records.apart(2, 0, row=2)],
        pins=[records.pin(1, 0, row=2), records.pin(2, 0, row=3)],
    )

    assert message == (
        "Student 3 (s3) and Student 1 (s1) must be apart (apart.csv row 2) "
        "but are both pinned to group 1."
    )


def test_too_many_students_pinned_to_one_group(records) -> None:
    message = infeasible(
        records,
        ["M1"] * 6,
        2,
        locks=[records.lock(4, 5)],
        pins=[records.pin(0, 0, row=2), records.pin(1, 0, row=3), records.pin(4, 0, row=4)],
    )

    assert message == (
        "4 students are pinned to group 1 (with the students locked to them): "
        "Student 1 (s1), Student 2 (s2), Student 5 (s5) and Student 6 (s6); "
        "but a group holds at most 3."
    )


def test_pins_that_fill_a_group_exactly_are_allowed(records) -> None:
    pins = [records.pin(i, 1, row=i + 2) for i in range(3)]

    problem = build_problem(records.cohort(["M1"] * 6), records.requests(pins=pins), 2)

    assert [u.pin for u in problem.units] == [1, 1, 1, None, None, None]


def test_messages_name_a_student_by_key_when_the_name_is_missing(records) -> None:
    cohort = records.cohort(["M1"] * 4)
    nameless = replace(cohort, students=tuple(replace(s, name="") for s in cohort.students))
    requests = records.requests(locks=[records.lock(0, 1)], aparts=[records.apart(0, 1)])

    with pytest.raises(InfeasibleError) as info:
        build_problem(nameless, requests, 2)

    assert info.value.message == (
        "s1 and s2 must be apart (apart.csv row 2) but are locked together (locks.csv row 2)."
    )
