"""A constructive start: a greedy deal of units into groups, used as the solver's hint.

Pinned units go first, then larger units (locked chains) before single students, rarer profiles
before common ones; each unit goes to the group whose counts of the unit's categories are lowest
relative to their ideal, among groups that still have room. The result is usually within a few
cells of perfect balance, so the solver starts close and only repairs.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from empower_cli.model.kinds import Kind
from empower_cli.records import Problem


def greedy_counts(
    problem: Problem,
    kinds: Sequence[Kind],
    n_groups: int,
    n_students: int,
    start: Sequence[Sequence[int]] | None = None,
) -> list[list[int]] | None:
    """counts[k][g] for a block of `n_groups` local groups holding `n_students`, or None when
    the greedy deal gets stuck (the solver then starts without a hint). `start` holds units
    already placed (on a re-run, students left in their earlier groups); the rest are dealt."""
    size_min, size_max = problem.size_min, problem.size_max
    over_allowed = n_students - size_min * n_groups  # groups that may hold size_max
    if size_min == size_max:
        over_allowed = 0
    n_categories = len(problem.categories)
    ideal = [c.total / problem.n_groups for c in problem.categories]
    weight = [1.0 / max(value, 1.0) for value in ideal]

    counts = [[0] * n_groups for _ in kinds]
    sizes = [0] * n_groups
    cells = [[0] * n_categories for _ in range(n_groups)]
    over = 0

    def place(k: int, g: int) -> None:
        nonlocal over
        kind = kinds[k]
        if sizes[g] <= size_min < sizes[g] + kind.size:
            over += 1
        counts[k][g] += 1
        sizes[g] += kind.size
        for c, amount in enumerate(kind.profile):
            if amount:
                cells[g][c] += amount

    def room(g: int, size: int) -> bool:
        after = sizes[g] + size
        if after <= size_min:
            return True
        if after > size_max:
            return False
        return sizes[g] > size_min or over < over_allowed

    kind_of_unit = {kind.units[0]: k for k, kind in enumerate(kinds) if kind.count == 1}
    apart: dict[int, list[int]] = {}
    for a, b in problem.aparts:
        if a in kind_of_unit and b in kind_of_unit:
            ka, kb = kind_of_unit[a], kind_of_unit[b]
            apart.setdefault(ka, []).append(kb)
            apart.setdefault(kb, []).append(ka)

    order: list[int] = []
    for k, kind in enumerate(kinds):
        if kind.pin is not None:
            place(k, kind.pin)
        else:
            order.append(k)
    order.sort(key=lambda k: (-kinds[k].size, kinds[k].count, k))
    placed = [0] * len(kinds)
    if start is not None:
        for k in order:
            for g, amount in enumerate(start[k]):
                for _ in range(amount):
                    place(k, g)
            placed[k] = sum(start[k])
        if max(sizes, default=0) > size_max:
            return None  # the units kept in place and the pinned ones overfill a group

    for k in order:
        kind = kinds[k]
        active = [(c, amount) for c, amount in enumerate(kind.profile) if amount]
        others = apart.get(k, ())

        def score(g: int, active: list[tuple[int, int]] = active) -> float:
            row = cells[g]
            value = sum(weight[c] * (row[c] + amount - ideal[c]) for c, amount in active)
            return value + sizes[g] / max(size_max, 1)

        # Only the group that receives a unit changes its score, so scores are kept, not
        # recomputed for every unit of the kind.
        scores = [score(g) for g in range(n_groups)]
        for _ in range(kind.count - placed[k]):
            best, best_score = -1, 0.0
            for g in range(n_groups):
                if not room(g, kind.size) or any(counts[o][g] for o in others):
                    continue
                if best < 0 or scores[g] < best_score:
                    best, best_score = g, scores[g]
            if best < 0:
                return None
            place(k, best)
            scores[best] = score(best)
    return counts


def repair(
    problem: Problem,
    kinds: Sequence[Kind],
    counts: list[list[int]],
    *,
    seed: int,
    max_steps: int = 20_000,
    stall_steps: int = 300,
) -> int:
    """Improve `counts` in place by swapping units between groups; return the distance outside
    the bands that remains (0 means every cell is in band).

    Each step takes a cell outside its band and looks, from a random place in the list, for a
    swap (two units of the same size, of different kinds, between that cell's group and another)
    that lowers the total distance, and makes the first one found; when no swap lowers it, one
    that raises it least (by at most one) is taken at random (seeded), so the search walks
    plateaus and leaves shallow dead ends. It gives up after `stall_steps`
    steps without a new best, keeping the best counts seen (the solver takes over from there).
    Pinned units never move; apart units never meet.
    """
    rng = random.Random(seed)
    n_groups = len(counts[0]) if counts else 0
    n_categories = len(problem.categories)
    bands = [problem.band(c) for c in range(n_categories)]
    cells = [[0] * n_categories for _ in range(n_groups)]
    for k, kind in enumerate(kinds):
        for g in range(n_groups):
            if counts[k][g]:
                for c, amount in enumerate(kind.profile):
                    if amount:
                        cells[g][c] += amount * counts[k][g]

    def distance(c: int, value: int) -> int:
        low, high = bands[c]
        return max(0, value - high, low - value)

    movable = [k for k, kind in enumerate(kinds) if kind.pin is None]
    kind_of_unit = {kind.units[0]: k for k, kind in enumerate(kinds) if kind.count == 1}
    apart: dict[int, list[int]] = {}
    for a, b in problem.aparts:
        if a in kind_of_unit and b in kind_of_unit:
            apart.setdefault(kind_of_unit[a], []).append(kind_of_unit[b])
            apart.setdefault(kind_of_unit[b], []).append(kind_of_unit[a])
    # For each category, the swaps that lower it in the group the first kind leaves: (a, b,
    # changes, reach), where a unit of kind a is replaced by one of kind b (same size, fewer
    # members in the category), `changes` lists (category, change) for that group, and `reach`
    # bounds what the other group can win back. A swap that raises the category is the same
    # entry read the other way round.
    swaps: list[list[tuple[int, int, tuple[tuple[int, int], ...], int]]] = [
        [] for _ in range(n_categories)
    ]
    for i, a in enumerate(movable):
        pa = kinds[a].profile
        for b in movable[i + 1 :]:
            if kinds[b].size != kinds[a].size:
                continue
            changes = tuple(
                (c, nb - na)
                for c, (na, nb) in enumerate(zip(pa, kinds[b].profile, strict=True))
                if na != nb
            )
            back = tuple((c, -change) for c, change in changes)
            reach = sum(abs(change) for _, change in changes)
            for c, change in changes:
                if change < 0:
                    swaps[c].append((a, b, changes, reach))
                else:
                    swaps[c].append((b, a, back, reach))

    def allowed(k: int, g: int, leaving: int) -> bool:
        """Can a unit of kind k enter group g (with a unit of kind `leaving` going out)?"""
        return all(counts[o][g] == 0 or o == leaving for o in apart.get(k, ()))

    def total() -> int:
        return sum(distance(c, cells[g][c]) for g in range(n_groups) for c in range(n_categories))

    remaining = total()
    best_seen, since_best = remaining, 0
    best_counts = [row[:] for row in counts]
    for _ in range(max_steps):
        if remaining == 0:
            return 0
        if remaining < best_seen:
            best_seen, since_best = remaining, 0
            best_counts = [row[:] for row in counts]
        else:
            since_best += 1
            if since_best > stall_steps:
                break
        bad = [
            (g, c) for g in range(n_groups) for c in range(n_categories) if distance(c, cells[g][c])
        ]
        g, c = bad[rng.randrange(len(bad))]
        too_many = cells[g][c] > bands[c][1]
        best: list[tuple[int, int, int, tuple[tuple[int, int], ...], int]] = []
        best_delta = 1
        row_g = cells[g]
        options = swaps[c]
        offset = rng.randrange(len(options)) if options else 0
        for first, second, changes, reach in options[offset:] + options[:offset]:
            if best_delta < 0:
                break  # the first swap that lowers the distance is taken
            # Too many in (g, c): a unit of `first` leaves g for one of `second`; too few: the
            # other way round, and every change flips sign.
            a, b, sign = (first, second, 1) if too_many else (second, first, -1)
            if counts[a][g] == 0:
                continue
            base = 0
            for cat, change in changes:
                vg = row_g[cat]
                low, high = bands[cat]
                after = vg + sign * change
                base += (after - high if after > high else low - after if after < low else 0) - (
                    vg - high if vg > high else low - vg if vg < low else 0
                )
            if base > best_delta + reach:
                continue  # the other group cannot win back more than the changes
            have_b = counts[b]
            for h in range(n_groups):
                if h == g or have_b[h] == 0:
                    continue
                delta = base
                row_h = cells[h]
                for cat, change in changes:
                    vh = row_h[cat]
                    low, high = bands[cat]
                    after = vh - sign * change
                    delta += (
                        after - high if after > high else low - after if after < low else 0
                    ) - (vh - high if vh > high else low - vh if vh < low else 0)
                if delta > best_delta:
                    continue
                if not (allowed(b, g, a) and allowed(a, h, b)):
                    continue
                if delta < best_delta:
                    best, best_delta = [], delta
                best.append((a, b, h, changes, sign))
        if not best:
            continue
        a, b, h, changes, sign = best[rng.randrange(len(best))]
        counts[a][g] -= 1
        counts[b][g] += 1
        counts[b][h] -= 1
        counts[a][h] += 1
        for cat, change in changes:
            cells[g][cat] += sign * change
            cells[h][cat] -= sign * change
        remaining += best_delta
    if remaining > best_seen:  # a step uphill was the last thing tried: go back to the best
        for row, best_row in zip(counts, best_counts, strict=True):
            row[:] = best_row
        remaining = best_seen
    return remaining
