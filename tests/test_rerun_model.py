"""The re-run rules on tiny problems: moves, --max-moves, reasons, and the validator's check."""

from __future__ import annotations

import random

from empower_cli.changes import changes_of, diff_of
from empower_cli.model.build import build
from empower_cli.model.kinds import whole
from empower_cli.model.moves import moves_in
from empower_cli.records import Earlier, Previous
from empower_cli.rules import build_problem
from empower_cli.solve import SolveOptions, solve
from empower_cli.validate import validate

OPTIONS = SolveOptions(time_limit=5.0, seed=0, workers=1)
STEADY = SolveOptions(time_limit=5.0, seed=0, workers=1, reproducible=True)
SPECS = ["M1", "M1", "M2", "M2", "M3", "M3", "M4", "M4"]


def test_unchanged_input_keeps_every_group(records) -> None:
    cohort = records.cohort(SPECS)
    previous = (0, 1, 0, 1, 0, 1, 0, 1)
    problem = build_problem(cohort, records.requests(), 2, previous=previous)
    found = solve(problem, OPTIONS)
    assert found.groups == previous
    assert problem.moves_of(found.groups) == 0


def test_a_new_lock_moves_one_student_and_says_why(records) -> None:
    cohort = records.cohort(SPECS)
    previous = (0, 1, 0, 1, 0, 1, 0, 1)
    requests = records.requests(locks=records.locks((0, 3)))  # M1 of group 1 with M2 of group 2
    problem = build_problem(cohort, requests, 2, previous=previous)
    found = solve(problem, OPTIONS)
    assert validate(problem, found.groups).ok
    assert found.objective == 0
    assert problem.moves_of(found.groups) == 2  # one of the pair moves, and a swap keeps sizes
    earlier = Previous("old.csv", 2, previous, ())
    changes = changes_of(problem, earlier, found.groups)
    reasons = {move.student: move.reason for move in changes.moved}
    assert len(reasons) == 2
    locked = 0 if 0 in reasons else 3
    other = 3 if locked == 0 else 0
    assert reasons[locked] == (
        f"a new lock with Student {other + 1} (s{other + 1}) (locks.csv row 2), who was in group "
        f"{previous[other] + 1}"
    )


def test_balance_comes_before_moves(records) -> None:
    cohort = records.cohort(SPECS)
    previous = (0, 0, 1, 1, 0, 1, 0, 1)  # both M1 in group 1: out of band
    problem = build_problem(cohort, records.requests(), 2, previous=previous)
    found = solve(problem, OPTIONS)
    assert found.objective == 0
    assert problem.moves_of(found.groups) == 2  # an M1 and an M2 swap, no more


def test_max_moves_caps_moves_and_balance_is_best_under_it(records) -> None:
    cohort = records.cohort(SPECS)
    previous = (0, 0, 1, 1, 0, 1, 0, 1)
    problem = build_problem(cohort, records.requests(), 2, previous=previous, max_moves=0)
    found = solve(problem, OPTIONS)
    assert found.groups == previous
    assert found.objective == 4  # two M1 cells and two M2 cells one outside the band
    assert validate(problem, found.groups).ok


def test_validator_reports_too_many_moves(records) -> None:
    cohort = records.cohort(SPECS)
    previous = (0, 1, 0, 1, 0, 1, 0, 1)
    problem = build_problem(cohort, records.requests(), 2, previous=previous, max_moves=1)
    groups = (1, 0, 0, 1, 0, 1, 0, 1)
    verdict = validate(problem, groups)
    assert [(v.rule, v.message) for v in verdict.violations] == [
        ("moves", "2 earlier students changed group, but --max-moves allows 1.")
    ]


def test_moves_are_linear_in_the_counts(records) -> None:
    cohort = records.cohort(SPECS)
    previous = (0, 1, None, 1, 0, 1, 0, 1)
    problem = build_problem(cohort, records.requests(), 2, previous=previous)
    v = build(problem, whole(problem))
    assert v.moves is not None
    counts = [[0, 0] for _ in v.kinds]
    for k, kind in enumerate(v.kinds):
        counts[k][0] = kind.count  # everyone in group 1: the four who were in group 2 move
    assert moves_in(v.kinds, counts) == 4


def test_newcomers_and_leavers_are_listed(records) -> None:
    cohort = records.cohort(SPECS)
    previous = (0, 1, 0, 1, 0, 1, None, None)
    gone = (Earlier("s99", "Gone", 1, 10),)
    problem = build_problem(cohort, records.requests(), 2, previous=previous)
    found = solve(problem, OPTIONS)
    changes = changes_of(problem, Previous("old.csv", 2, previous, gone), found.groups)
    assert [m.student for m in changes.joined] == [6, 7]
    assert changes.left == gone
    assert changes.stayed + len(changes.moved) == 6


def test_diff_of_two_listings() -> None:
    old = [Earlier("a", "A", 0, 2), Earlier("b", "B", 1, 3), Earlier("c", "C", 1, 4)]
    new = [Earlier("a", "A", 1, 2), Earlier("b", "B", 1, 3), Earlier("d", "D", 0, 4)]
    found = diff_of(old, new)
    assert [(a.key, a.group, b.group) for a, b in found.moved] == [("a", 0, 1)]
    assert [s.key for s in found.joined] == ["d"]
    assert [s.key for s in found.left] == ["c"]
    assert found.stayed == 1


def test_a_large_rerun_moves_fewer_students_than_join(records) -> None:
    # 1,000 students in 60 groups: solved block by block. Ten leave and fifteen join; the
    # halves of each split follow the earlier groups, and newcomers fill the gaps, so fewer
    # earlier students move than newcomers arrive (splits that counted newcomers as strays
    # moved about 23 here), and an unchanged cohort moves nobody.
    rng = random.Random(5)
    # Effort counted in the solver's deterministic units: the fewest-moves search of each
    # block gets the same work however busy the machine is (in seconds it ran short under load).
    interests = ["Academic", "Research", "Wellness", "Clinical"]

    def spec() -> tuple[str, list[str]]:
        year = rng.choices(["M1", "M2", "M3", "M4", "MSTP"], weights=(30, 27, 20, 15, 8))[0]
        return year, rng.sample(interests, rng.randint(1, 3))

    specs = [spec() for _ in range(1000)]
    first = solve(build_problem(records.cohort(specs), records.requests(), 60), STEADY)
    same = build_problem(records.cohort(specs), records.requests(), 60, previous=first.groups)
    assert solve(same, STEADY).groups == first.groups

    later = specs[:990] + [spec() for _ in range(15)]
    previous = first.groups[:990] + (None,) * 15
    problem = build_problem(records.cohort(later), records.requests(), 60, previous=previous)
    second = solve(problem, STEADY)

    assert validate(problem, second.groups).ok
    assert second.objective == 0
    assert problem.moves_of(second.groups) < 15


def test_students_apart_who_shared_a_group_are_not_both_kept_there(records) -> None:
    # Found by hypothesis: 10 and 14 were both in group 1 and are now to be apart. The start
    # that keeps earlier groups kept both, and the fewest-moves phase, finding nothing with
    # fewer moves, returned it.
    previous: list[int | None] = [None] * 18
    previous[10] = previous[14] = 0
    requests = records.requests(records.locks((0, 1), (2, 3)), records.aparts((14, 10)))
    problem = build_problem(records.cohort(["M1"] * 18), requests, 2, previous=tuple(previous))

    found = solve(problem, OPTIONS)

    assert validate(problem, found.groups).ok
    assert found.groups[10] != found.groups[14]
    assert problem.moves_of(found.groups) == 1


def test_a_pin_into_a_full_earlier_group_keeps_sizes_even(records) -> None:
    # Found by hypothesis: six returning students fill their earlier group to the size every
    # group must have, and a newcomer is pinned there too. Keeping all six put seven in it.
    cohort = records.cohort(["M1"] * 17 + ["M2"])
    pins = [records.pin(2, 1)]
    previous = (None,) * 12 + (1,) * 6
    problem = build_problem(cohort, records.requests(pins=pins), 3, previous=previous)
    found = solve(problem, OPTIONS)
    verdict = validate(problem, found.groups)
    assert verdict.ok, verdict.violations
    assert verdict.balance.sizes == (6, 6, 6)
    assert found.groups[2] == 1
    assert problem.moves_of(found.groups) == 1  # one returning student makes room for the pin
