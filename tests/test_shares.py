"""The split's rounding without a model (model/shares.py), and split.py falling back to the
model when the rounding finds nothing."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from empower_cli.model import split as split_module
from empower_cli.model.kinds import whole
from empower_cli.model.shares import left_ranges, round_shares
from empower_cli.rules import build_problem


def _inside(totals: list[int], ranges) -> bool:
    return all(lo <= t <= hi for t, lo, hi in zip(totals, ranges.low, ranges.high, strict=True))


def _left_totals(vectors, shares, fixed) -> list[int]:
    return [
        fixed[j] + sum(vector[j] * share for vector, share in zip(vectors, shares, strict=True))
        for j in range(len(fixed))
    ]


def test_ranges_are_what_both_halves_bands_allow() -> None:
    # 10 of a category over 4 groups (band 2-3), halves of 2: the left holds 4 to 6; with a
    # --at-least of 3 per group the left needs 6 and the right can give no more than 4: 6-4.
    ranges = left_ranges([10], [(2, 3)], [0], (40, 10, 10), 2, 4)
    assert (ranges.low[0], ranges.high[0]) == (4, 6)
    assert (ranges.low[1], ranges.high[1]) == (20, 20)  # 40 students, every group 10
    ruled = left_ranges([10], [(2, 3)], [3], (40, 10, 10), 2, 4)
    assert (ruled.low[0], ruled.high[0]) == (6, 4)  # empty: no rounding can meet it


def test_an_empty_range_gives_no_rounding() -> None:
    ranges = left_ranges([10], [(2, 3)], [3], (40, 10, 10), 2, 4)
    vectors = [(1, 1)] * 10
    assert round_shares(vectors, [0] * 10, [True] * 10, [0, 0], ranges) is None


def test_the_rounding_mends_what_the_greedy_pass_leaves() -> None:
    # Two classes of 3 (floor 1, ceil 2 each on halves of 2 out of 4 groups) and a total
    # whose range is a single value: one class must round up and the other down.
    ranges = left_ranges([6, 6], [(1, 2), (1, 2)], [0, 0], (12, 3, 3), 2, 4)
    vectors = [(1, 0, 1), (0, 1, 1), (1, 1, 2)]
    floors, free = [1, 1, 1], [True, True, True]
    shares = round_shares(vectors, floors, free, [0, 0, 0], ranges)
    assert shares is not None
    assert _inside(_left_totals(vectors, shares, [0, 0, 0]), ranges)


@settings(max_examples=60, deadline=None)
@given(
    st.integers(0, 2**32 - 1),
    st.integers(4, 40),
    st.integers(2, 5),
)
def test_a_rounding_found_is_inside_every_range_and_each_share_a_floor_or_ceil(
    seed: int, n_groups: int, n_categories: int
) -> None:
    rng = random.Random(seed)
    n_left = n_groups // 2
    classes = {}
    for _ in range(rng.randint(5, 80)):
        profile = tuple(rng.randint(0, 1) for _ in range(n_categories))
        size = rng.choice((1, 1, 1, 2))
        vector = (*(v * size for v in profile), size)
        classes[vector] = classes.get(vector, 0) + rng.randint(1, 6)
    vectors = list(classes)
    counts = [classes[v] for v in vectors]
    totals = [
        sum(v[j] * n for v, n in zip(vectors, counts, strict=True)) for j in range(n_categories)
    ]
    students = sum(v[-1] * n for v, n in zip(vectors, counts, strict=True))
    bands = [(t // n_groups, -(-t // n_groups)) for t in totals]
    size_min, size_max = students // n_groups, -(-students // n_groups)
    ranges = left_ranges(
        totals, bands, [0] * n_categories, (students, size_min, size_max), n_left, n_groups
    )
    floors = [n * n_left // n_groups for n in counts]
    free = [n * n_left % n_groups != 0 for n in counts]
    shares = round_shares(vectors, floors, free, [0] * (n_categories + 1), ranges)
    if shares is None:
        return  # split.py then asks the model; the fallback has its own test
    for share, floor, up in zip(shares, floors, free, strict=True):
        assert share in ((floor, floor + 1) if up else (floor,))
    assert _inside(_left_totals(vectors, shares, [0] * (n_categories + 1)), ranges)


def _cohort_problem(records, n: int, n_groups: int):
    rng = random.Random(3)
    specs = [
        (
            rng.choice(["M1", "M2", "M3", "M4", "MSTP"]),
            rng.sample(["Academic", "Research", "Wellness", "Clinical"], rng.randint(1, 3)),
        )
        for _ in range(n)
    ]
    return build_problem(records.cohort(specs), records.requests(), n_groups)


def _halves_in_band(problem, halves) -> bool:
    for half in halves:
        n = len(half.groups)
        for c in range(len(problem.categories)):
            low, high = problem.band(c)
            total = sum(problem.units[u].profile[c] for u in half.units)
            if not n * low <= total <= n * high:
                return False
        students = sum(problem.units[u].size for u in half.units)
        if not n * problem.size_min <= students <= n * problem.size_max:
            return False
    return True


def test_a_split_rounds_without_the_model(records, monkeypatch) -> None:
    problem = _cohort_problem(records, 400, 26)

    def no_model(*args, **kwargs):
        raise AssertionError("the rounding should have found the shares")

    monkeypatch.setattr(split_module, "_shares", no_model)
    halves = split_module.split(problem, whole(problem), seed=0, time_limit=5.0)
    assert sorted(halves[0].units + halves[1].units) == [u.index for u in problem.units]
    assert _halves_in_band(problem, halves)


def test_a_split_asks_the_model_when_the_rounding_finds_nothing(records, monkeypatch) -> None:
    problem = _cohort_problem(records, 400, 26)
    asked = []
    model_shares = split_module._shares

    def counted(*args, **kwargs):
        asked.append(True)
        return model_shares(*args, **kwargs)

    monkeypatch.setattr(split_module, "round_shares", lambda *args: None)
    monkeypatch.setattr(split_module, "_shares", counted)
    halves = split_module.split(problem, whole(problem), seed=0, time_limit=5.0)
    assert asked
    assert _halves_in_band(problem, halves)
