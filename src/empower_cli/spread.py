"""The last polish of a --balance-mean column: swaps of interchangeable units between groups.

Two units with the same profile (every class year, interest, balanced value, quantile bin, rule
value and earlier group among their members), the same earlier groups of a re-run, no pin and no
apart rule, can trade groups without changing a single count that the model, the validator or
the tables measure: balance, rules, repeats and moves stay exactly as they are. Only the sums of
the numeric columns move, so this polish brings every group's mean together (the spread: largest
group mean minus smallest) after the solver is done.

`spread_floor` is what no roster can beat: group sizes and the values' step alone.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from math import ceil, floor, gcd, isfinite

from empower_cli.records import Problem

#: At most this many swaps per group (the polish stops earlier when no swap helps).
SWAPS_PER_GROUP = 4
#: Each end group looks for swaps with this many groups at either end of the ranking first.
OPPOSITE = 12
#: Two objectives closer than this are equal.
EPS = 1e-9


@dataclass
class _State:
    """Sums and counts of every numeric column per group, and the units that may trade."""

    values: list[list[float]]
    """values[i][u]: the sum of unit u's numbers in column i."""
    sums: list[list[float]]
    counts: list[list[int]]
    scales: list[float]
    placement: dict[int, int]
    classes: list[list[int]]
    """Units that may trade groups, by class; a unit's class is classes[class_of[u]]."""
    class_of: dict[int, int]

    def mean(self, i: int, g: int, change: float = 0.0) -> float:
        return (self.sums[i][g] + change) / self.counts[i][g]

    def objective(self) -> tuple[float, float]:
        """(sum of spreads, sum of squared distances of the means from their middle), each
        column in units of its range."""
        spread = square = 0.0
        for i, scale in enumerate(self.scales):
            means = [self.mean(i, g) for g, n in enumerate(self.counts[i]) if n]
            if not means:
                continue
            spread += (max(means) - min(means)) / scale
            middle = sum(self.sums[i]) / sum(self.counts[i])
            square += sum((m - middle) ** 2 for m in means) / scale**2
        return spread, square


def _number(cell: tuple[str, ...]) -> float | None:
    return float(cell[0]) if cell else None


def _state(problem: Problem, placement: dict[int, int]) -> _State | None:
    columns = [f.column for f in problem.family_list if f.kind == "bins"]
    if not columns:
        return None
    n_groups = problem.n_groups
    values = [[0.0] * len(problem.units) for _ in columns]
    sums = [[0.0] * n_groups for _ in columns]
    counts = [[0] * n_groups for _ in columns]
    scales = []
    for i, column in enumerate(columns):
        numbers = []
        for unit in problem.units:
            for member in unit.members:
                number = _number(problem.students[member].traits[column])
                if number is not None:
                    numbers.append(number)
                    values[i][unit.index] += number
                    sums[i][placement[unit.index]] += number
                    counts[i][placement[unit.index]] += 1
        spread = max(numbers) - min(numbers) if numbers else 0.0
        scales.append(spread or 1.0)
    singled = {u for pair in problem.aparts for u in pair}
    by_key: dict[tuple[tuple[int, ...], tuple[int, ...]], list[int]] = defaultdict(list)
    for unit in problem.units:
        if unit.pin is None and unit.index not in singled:
            by_key[unit.profile, unit.previous].append(unit.index)
    classes = [units for units in by_key.values() if len({placement[u] for u in units}) > 1]
    class_of = {u: c for c, units in enumerate(classes) for u in units}
    return _State(values, sums, counts, scales, dict(placement), classes, class_of)


def _extremes(state: _State) -> list[tuple[list[tuple[float, int]], list[tuple[float, int]]]]:
    """Per column, the three highest and three lowest (mean, group)."""
    out = []
    for i in range(len(state.scales)):
        ranked = sorted((state.mean(i, g), g) for g, n in enumerate(state.counts[i]) if n)
        out.append((ranked[-3:], ranked[:3]))
    return out


def _spread_after(
    state: _State,
    i: int,
    extremes: tuple[list[tuple[float, int]], list[tuple[float, int]]],
    moves: tuple[tuple[int, float], tuple[int, float]],
) -> float:
    """Column i's spread once `change` is added to each (group, change) of `moves`."""
    (g, dg), (h, dh) = moves
    top, bottom = extremes
    new = [state.mean(i, g, dg), state.mean(i, h, dh)] if state.counts[i][h] else []
    if not state.counts[i][g]:
        new = new[1:]
    high = max([m for m, k in top if k not in (g, h)] + new)
    low = min([m for m, k in bottom if k not in (g, h)] + new)
    return high - low


def _held(state: _State) -> list[dict[int, dict[tuple[float, ...], list[int]]]]:
    """Per group: class -> the unit's numbers (one per column) -> its units there."""
    held: list[dict[int, dict[tuple[float, ...], list[int]]]] = [
        defaultdict(lambda: defaultdict(list)) for _ in range(len(state.counts[0]))
    ]
    for u in sorted(state.class_of):
        numbers = tuple(column[u] for column in state.values)
        held[state.placement[u]][state.class_of[u]][numbers].append(u)
    return held


def _pairs(state: _State, wide: bool) -> list[tuple[int, int]]:
    """(g, h): a group at one end of some column and one of the OPPOSITE groups at the other
    end (every group when `wide`)."""
    pairs: dict[tuple[int, int], None] = {}
    for i in range(len(state.scales)):
        ranked = [
            g for _, g in sorted((state.mean(i, g), g) for g, n in enumerate(state.counts[i]) if n)
        ]
        far = ranked if wide else ranked[:OPPOSITE] + ranked[-OPPOSITE:]
        for end in (ranked[0], ranked[-1]):
            for h in far:
                if h != end:
                    pairs[min(end, h), max(end, h)] = None
    return list(pairs)


def _best_swap(
    state: _State,
    held: list[dict[int, dict[tuple[float, ...], list[int]]]],
    current: tuple[float, float],
    wide: bool,
) -> tuple[int, int] | None:
    """The swap (u, v) that lowers the spread most (or, at equal spread, the squares), between
    a group at either end of some column and the groups at the other (see _pairs)."""
    extremes = _extremes(state)
    best: tuple[float, float, int, int] | None = None
    for g, h in _pairs(state, wide):
        mine, theirs = held[g], held[h]
        for c in sorted(mine.keys() & theirs.keys()):
            for numbers_u, units_u in mine[c].items():
                for numbers_v, units_v in theirs[c].items():
                    if numbers_u == numbers_v or not units_u or not units_v:
                        continue
                    u, v = units_u[0], units_v[0]
                    score = _score(state, extremes, u, v)
                    if score[0] < current[0] - EPS or (
                        score[0] < current[0] + EPS and score[1] < current[1] - EPS
                    ):
                        key = (round(score[0], 12), round(score[1], 12), u, v)
                        if best is None or key < best:
                            best = key
    return None if best is None else (best[2], best[3])


def _score(
    state: _State,
    extremes: list[tuple[list[tuple[float, int]], list[tuple[float, int]]]],
    u: int,
    v: int,
) -> tuple[float, float]:
    """The objective once units u and v trade groups."""
    g, h = state.placement[u], state.placement[v]
    spread = square = 0.0
    for i, scale in enumerate(state.scales):
        moved = state.values[i][u] - state.values[i][v]
        spread += _spread_after(state, i, extremes[i], ((g, -moved), (h, moved))) / scale
        if moved:
            middle = sum(state.sums[i]) / sum(state.counts[i])
            for k, change in ((g, -moved), (h, moved)):
                if state.counts[i][k]:
                    before = (state.mean(i, k) - middle) ** 2
                    square += ((state.mean(i, k, change) - middle) ** 2 - before) / scale**2
    return spread, square


def _trade(
    state: _State, held: list[dict[int, dict[tuple[float, ...], list[int]]]], u: int, v: int
) -> None:
    g, h = state.placement[u], state.placement[v]
    c = state.class_of[u]
    for unit, old, new in ((u, g, h), (v, h, g)):
        numbers = tuple(column[unit] for column in state.values)
        held[old][c][numbers].remove(unit)
        if not held[old][c][numbers]:
            del held[old][c][numbers]
        held[new][c][numbers].append(unit)
        held[new][c][numbers].sort()
        state.placement[unit] = new
    for i in range(len(state.scales)):
        moved = state.values[i][u] - state.values[i][v]
        state.sums[i][g] -= moved
        state.sums[i][h] += moved


def polish_spread(problem: Problem, placement: dict[int, int]) -> dict[int, int]:
    """The placement (unit -> group) with interchangeable units traded between groups while
    the spread of every --balance-mean column's group means falls; deterministic (no chance:
    the best swap is taken, ties by unit index). Every count per group is kept."""
    state = _state(problem, placement)
    if state is None or not state.classes:
        return placement
    held = _held(state)
    current = state.objective()
    wide = False
    for _ in range(SWAPS_PER_GROUP * problem.n_groups):
        swap = _best_swap(state, held, current, wide)
        if swap is None:
            if wide or problem.n_groups <= 2 * OPPOSITE:
                break
            wide = True  # nothing between the ends: look at every group once more
            continue
        wide = False
        _trade(state, held, *swap)
        current = state.objective()
    return state.placement


def spread_floor(problem: Problem, groups: Sequence[int], column: int) -> float:
    """The least spread of group means any roster with these groups' counts of numbers can
    have, from the counts and the values' step alone (the values are v0 + step * k): each
    group's sum is n * v0 + step * (whole number), and the sums add up to the cohort's."""
    written = [
        (float(cell[0]), groups[s.index]) for s in problem.students if (cell := s.traits[column])
    ]
    if not written or not all(isfinite(x) for x, _ in written):
        return 0.0
    # the shortest decimal that reads back as the number: 24.5 is 49/2, 0.1 is 1/10
    numbers = [(Fraction(repr(x)), g) for x, g in written]
    first = min(x for x, _ in numbers)
    step = Fraction(0)
    for x, _ in numbers:
        step = _fraction_gcd(step, x - first)
    if not step:
        return 0.0
    total = sum((x - first) / step for x, _ in numbers)
    sizes: dict[int, int] = defaultdict(int)
    for _, g in numbers:
        sizes[g] += 1
    return float(_least_width(list(sizes.values()), int(total)) * step)


def _fraction_gcd(a: Fraction, b: Fraction) -> Fraction:
    if not b:
        return abs(a)
    denominator = a.denominator * b.denominator // gcd(a.denominator, b.denominator)
    return Fraction(gcd(int(a * denominator), int(b * denominator)), denominator)


def _least_width(sizes: list[int], total: int) -> Fraction:
    """The least b - a such that whole numbers K_g with a <= K_g / n_g <= b add up to `total`.

    The weighted mean of the K_g / n_g is `total / sum(sizes)`, so a lies at most 1 below it
    and b at most 1 above (width 1 is always reachable); both are some K / n at the optimum.
    """
    middle = Fraction(total, sum(sizes))
    many = Counter(sizes)
    lows = sorted({Fraction(floor(middle * n) - j, n) for n in many for j in range(n + 1)})
    highs = sorted({Fraction(ceil(middle * n) + j, n) for n in many for j in range(n + 1)})
    best = Fraction(1)
    for a in lows:
        for b in highs:
            if b - a >= best:
                break
            least = sum(ceil(a * n) * k for n, k in many.items())
            most = sum(floor(b * n) * k for n, k in many.items())
            if least <= total <= most:
                best = b - a
                break
    return best
