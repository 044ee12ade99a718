"""A fast split of a block's classes between two halves, without a model.

A split (model/split.py) gives the left half a share of each class of units between the floor
and the ceil of its proportion. The halves can still be balanced on their own when every kept
category's left total lies in the range both halves' bands allow, the left's student count in
the range the sizes allow, and each half keeps enough of a --at-least category. With hundreds of
classes and a dozen categories, rounding each class's share up or down so that every total falls
in its range is nearly always easy: a greedy pass, then single flips and paired swaps, find such
a rounding in milliseconds where a CP-SAT model takes a tenth of a second. When they do not,
split.py asks the model (which also finds the least miss when no rounding reaches every range).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

#: Rounds of single flips and paired swaps tried before the model is asked instead.
FIX_ROUNDS = 50


@dataclass(frozen=True, slots=True)
class Ranges:
    """What the left half's totals must reach: `low[j] <= total j <= high[j]` for each kept
    category j and, last, for the student count."""

    low: tuple[int, ...]
    high: tuple[int, ...]
    target: tuple[float, ...]
    """What the rounding aims at: a category's exact proportional share, clamped into its
    range, and for the student count its least."""


def left_ranges(
    totals: Sequence[int],
    bands: Sequence[tuple[int, int]],
    least: Sequence[int],
    sizes: tuple[int, int, int],
    n_left: int,
    n_all: int,
) -> Ranges:
    """The ranges of the left half's totals. `totals` are the block's per kept category,
    `bands` their (floor, ceil) per group, `least` the --at-least minimum per group (0 for
    none); `sizes` is (block students, size_min, size_max)."""
    n_right = n_all - n_left
    low, high, target = [], [], []
    for total, (floor, ceil), most_least in zip(totals, bands, least, strict=True):
        lo = max(n_left * floor, total - n_right * ceil, n_left * most_least)
        hi = min(n_left * ceil, total - n_right * floor, total - n_right * most_least)
        low.append(lo)
        high.append(hi)
        target.append(min(max(total * n_left / n_all, lo), hi))
    students, size_min, size_max = sizes
    low.append(max(n_left * size_min, students - n_right * size_max))
    high.append(min(n_left * size_max, students - n_right * size_min))
    # The student count aims at the least the left may hold, so that the halves' groups are
    # alike in size (the left's mostly size_min, the right's size_max). Measured on re-runs:
    # blocks of like-sized groups take late sign-ups with fewer moves (aimed at the proportion,
    # a re-run of 1,000 students with 15 joining moved 10-17 instead of 2-8).
    target.append(float(low[-1]))
    return Ranges(tuple(low), tuple(high), tuple(target))


def round_shares(
    vectors: Sequence[tuple[int, ...]],
    floors: Sequence[int],
    free: Sequence[bool],
    fixed: Sequence[int],
    ranges: Ranges,
) -> list[int] | None:
    """How many units of each class go left: its floor, or one more where `free` (its exact
    share is not whole), so that every left total lies in its range. `vectors[i]` is class
    i's profile on the kept categories followed by its size; `fixed` the left totals of the
    units already placed (pinned). None when no rounding is found (the model is then asked)."""
    dims = len(ranges.low)
    left = list(fixed)
    for vector, floor in zip(vectors, floors, strict=True):
        if floor:
            for j in range(dims):
                left[j] += vector[j] * floor
    chosen = _herd(vectors, free, left, ranges)
    for i, up in enumerate(chosen):
        if up:
            for j, v in enumerate(vectors[i]):
                left[j] += v
    if _miss(left, ranges) and not _fix(vectors, free, chosen, left, ranges):
        return None
    return [floor + int(up) for floor, up in zip(floors, chosen, strict=True)]


def _herd(
    vectors: Sequence[tuple[int, ...]], free: Sequence[bool], left: Sequence[int], ranges: Ranges
) -> list[bool]:
    """Which free classes to round up so that each total lands near its target: each total
    needs a fraction `rate[j]` of what the free classes hold, and the classes are taken in
    turn, each rounded the way that keeps every total closest to its rate so far (squared
    error, weighted toward the totals whose range is narrowest). The errors stay within a few
    units whatever the number of classes."""
    dims = len(ranges.low)
    held = [0] * dims
    for vector, is_free in zip(vectors, free, strict=True):
        if is_free:
            for j, v in enumerate(vector):
                held[j] += v
    rate = [
        min(1.0, max(0.0, (ranges.target[j] - left[j]) / held[j])) if held[j] else 0.0
        for j in range(dims)
    ]
    weight = [1.0 / max(1, 1 + ranges.high[j] - ranges.low[j]) for j in range(dims)]
    error = [0.0] * dims
    chosen = [False] * len(vectors)
    order = sorted((i for i in range(len(vectors)) if free[i]), key=lambda i: _weight(vectors[i]))
    for i in order:
        active = [(j, v) for j, v in enumerate(vectors[i]) if v]
        up = sum(weight[j] * ((error[j] + v * (1 - rate[j])) ** 2) for j, v in active)
        down = sum(weight[j] * ((error[j] - v * rate[j]) ** 2) for j, v in active)
        chosen[i] = up < down
        for j, v in active:
            error[j] += v * ((1 if chosen[i] else 0) - rate[j])
    return chosen


def _weight(vector: tuple[int, ...]) -> tuple[int, int]:
    return (-vector[-1], -sum(1 for v in vector[:-1] if v))


def _miss(left: Sequence[int], ranges: Ranges) -> int:
    """How far the left totals are outside their ranges, summed."""
    return sum(
        max(0, low - value, value - high)
        for value, low, high in zip(left, ranges.low, ranges.high, strict=True)
    )


def _fix(
    vectors: Sequence[tuple[int, ...]],
    free: Sequence[bool],
    chosen: list[bool],
    left: list[int],
    ranges: Ranges,
) -> bool:
    """Flip one class's rounding, or swap two, while the miss falls; True once it is 0."""
    movable = [i for i in range(len(vectors)) if free[i]]
    for _ in range(FIX_ROUNDS):
        miss = _miss(left, ranges)
        if not miss:
            return True
        best: tuple[int, ...] | None = None
        best_miss = miss
        for i in movable:
            after = _after(left, vectors[i], -1 if chosen[i] else 1)
            found = _miss(after, ranges)
            if found < best_miss:
                best, best_miss = (i,), found
        if best is None:
            best = _best_swap(vectors, movable, chosen, left, ranges, miss)
        if best is None:
            return False
        for i in best:
            sign = -1 if chosen[i] else 1
            chosen[i] = not chosen[i]
            left[:] = _after(left, vectors[i], sign)
    return not _miss(left, ranges)


def _after(left: Sequence[int], vector: tuple[int, ...], sign: int) -> list[int]:
    return [value + sign * v for value, v in zip(left, vector, strict=True)]


def _best_swap(
    vectors: Sequence[tuple[int, ...]],
    movable: list[int],
    chosen: list[bool],
    left: list[int],
    ranges: Ranges,
    miss: int,
) -> tuple[int, int] | None:
    """A class rounded up swapped for one rounded down (the same size, so the count holds)
    that lowers the miss, or None. Only classes that move the first total out of range the
    right way are tried, SWAP_CANDIDATES of each side at most."""
    j = next(j for j, value in enumerate(left) if not ranges.low[j] <= value <= ranges.high[j])
    rise = left[j] < ranges.low[j]  # the swap must raise total j, else lower it
    ups = [i for i in movable if chosen[i]]
    downs = [i for i in movable if not chosen[i]]
    ups.sort(key=lambda i: vectors[i][j] if rise else -vectors[i][j])
    downs.sort(key=lambda k: -vectors[k][j] if rise else vectors[k][j])
    for i in ups[:SWAP_CANDIDATES]:
        without = _after(left, vectors[i], -1)
        for k in downs[:SWAP_CANDIDATES]:
            if vectors[k][-1] != vectors[i][-1] or vectors[k][j] == vectors[i][j]:
                continue
            if _miss(_after(without, vectors[k], 1), ranges) < miss:
                return i, k
    return None


#: Classes of each side a paired swap looks at.
SWAP_CANDIDATES = 60
