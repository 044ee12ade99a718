"""Arithmetic floors of one category: the least distance outside its band that the chunks it
comes in allow, without a solver (no OR-Tools import: solve.py uses these for every block).

Forget every rule but one category: a unit is then a chunk of 0, 1, 2, ... members of that
category, and the groups are interchangeable boxes without a size. The least total distance
outside the band [low, high] over those boxes is a lower bound for the category in the real
problem. Two numbers bracket it:

- `chunk_lower`: a chunk of v > high members leaves at least v - high over wherever it goes,
  and what those chunks pile up over the band is missing from the other groups: with k groups
  holding them, the others share T - V members, short of (G - k) * low by the rest. Both parts
  shrink as k grows, so k = min(chunks over the band, G) gives the bound.
- `chunk_greedy`: a packing (largest chunk first, each where it costs least, the emptiest
  group on a tie), so a distance the relaxation reaches.

When the two meet, that is the relaxation's exact optimum; model.bounds solves the relaxation
with CP-SAT only when they do not. With many groups per category (bands of [0, 1] or [1, 1],
locked pairs of one class year) they nearly always meet: a pair of M3 students in groups of
band [1, 1] leaves one group at 2 and, the total being one per group, another at 0.
"""

from __future__ import annotations

from collections import Counter


def distance(count: int, low: int, high: int) -> int:
    """How far `count` lies outside [low, high]."""
    return max(0, count - high, low - count)


def chunk_lower(chunks: Counter[int], n_groups: int, low: int, high: int) -> int:
    """A lower bound on the least distance outside [low, high] when chunks of `chunks`
    (size -> how many) are packed into `n_groups` boxes (see the module's text)."""
    if n_groups < 1:
        return 0
    total = sum(size * n for size, n in chunks.items())
    big = sorted(
        (size for size, n in chunks.items() for _ in range(n) if size > high), reverse=True
    )
    # with more chunks over the band than groups, the k largest sit in separate groups at best
    k = min(len(big), n_groups)
    over_mass = sum(big)
    over = over_mass - k * high
    short = (n_groups - k) * low - (total - over_mass)
    by_chunks = over + max(0, short)
    by_mass = max(0, total - n_groups * high) + max(0, n_groups * low - total)
    return max(by_chunks, by_mass)


def chunk_greedy(chunks: Counter[int], n_groups: int, low: int, high: int) -> int:
    """The distance of one packing of the chunks into `n_groups` boxes: an upper bound on the
    least. Each chunk, largest first, goes to a group where it adds the least distance, the
    emptiest such group first. Groups are kept as counts -> how many groups hold that count."""
    if n_groups < 1:
        return 0
    boxes: Counter[int] = Counter({0: n_groups})
    for size in sorted(chunks, reverse=True):
        for _ in range(chunks[size]):
            best = min(
                boxes,
                key=lambda n: (distance(n + size, low, high) - distance(n, low, high), n),
            )
            boxes[best] -= 1
            if not boxes[best]:
                del boxes[best]
            boxes[best + size] += 1
    return sum(distance(n, low, high) * groups for n, groups in boxes.items())


def chunk_floor(chunks: Counter[int], n_groups: int, low: int, high: int) -> tuple[int, bool]:
    """(a lower bound on the least distance, whether it is exact: a packing reaches it)."""
    lower = chunk_lower(chunks, n_groups, low, high)
    return lower, chunk_greedy(chunks, n_groups, low, high) == lower
