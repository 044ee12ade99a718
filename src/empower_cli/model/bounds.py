"""Lower bounds on the balance objective, one category at a time.

Forget every rule but one category: units then differ only by how many members of that category
they hold, and the groups are interchangeable boxes. The least distance outside the band that
this relaxed problem allows is a lower bound for the category in the real one, and the bounds of
all categories add up. They let the solver prove optimality at once when locked chains make
perfect balance impossible (three locked MSTP students in a group whose band is [1, 2]), a proof
its own linear relaxation finds slowly. The rules on that category alone (--no-lone, --at-least)
are part of the relaxation: 10 Nonbinary students in 19 groups of band [0, 1] with nobody alone
fill at most 5 groups, so at least 5 cells hold 2, a distance of 5 the solver then knows at once.
"""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from empower_cli.model.floors import chunk_floor
from empower_cli.model.limits import set_limit
from empower_cli.records import Problem, Unit

if TYPE_CHECKING:  # OR-Tools loads only when a floor needs a model: most are arithmetic
    from ortools.sat.python import cp_model


@dataclass(frozen=True, slots=True)
class Scope:
    """What a floor is taken over: some units in some number of groups, the whole cohort or
    one block of a large one (whose bands stay the cohort's: a block's floor bounds what
    that block can reach)."""

    units: Sequence[Unit]
    n_groups: int

    @property
    def students(self) -> int:
        return sum(unit.size for unit in self.units)


def whole_scope(problem: Problem) -> Scope:
    return Scope(problem.units, problem.n_groups)


def _least(model: cp_model.CpModel, time_limit: float, reproducible: bool) -> int:
    """The relaxation's optimum, or its proven bound when cut short (0 when nothing is
    known): a valid lower bound either way."""
    from ortools.sat.python import cp_model

    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    set_limit(solver.parameters, time_limit, reproducible=reproducible)
    solver.parameters.catch_sigint_signal = False
    status = solver.solve(model)
    if status == cp_model.OPTIMAL:
        return round(solver.objective_value)
    if status == cp_model.FEASIBLE:
        return max(0, round(solver.best_objective_bound))
    return 0


def category_floor(
    problem: Problem,
    category: int,
    *,
    time_limit: float,
    reproducible: bool = False,
    scope: Scope | None = None,
) -> int:
    """The least distance outside the band for one category, ignoring every other rule
    (a valid lower bound; 0 when the relaxation is not solved to optimality in time)."""
    scope = scope or whole_scope(problem)
    low, high = problem.band(category)
    chunks = Counter(u.profile[category] for u in scope.units if u.profile[category])
    lone = any(rule.category == category for rule in problem.no_lone)
    least = max((r.least for r in problem.at_least if r.category == category), default=0)
    if not problem.weights()[category]:
        return 0
    if all(value <= high for value in chunks) and low == 0 and not lone and least <= low:
        return 0
    n_groups = scope.n_groups
    if not lone and not least:  # the arithmetic of model.floors settles most categories
        floor, exact = chunk_floor(chunks, n_groups, low, high)
        if exact:
            return floor
    if not lone:
        known = _dealt_floor(chunks, n_groups, max(low, least), high)
        if known is not None:
            return known
    from ortools.sat.python import cp_model

    model = cp_model.CpModel()
    take = {
        value: [model.new_int_var(0, count, f"y_{value}_{g}") for g in range(n_groups)]
        for value, count in sorted(chunks.items())
    }
    distances = []
    counts = []
    most = sum(value * n for value, n in chunks.items())
    for g in range(n_groups):
        count = sum(value * take[value][g] for value in take)
        counts.append(count)
        if lone:  # --no-lone: none or at least two
            some = model.new_bool_var(f"some_{g}")
            model.add(count <= most * some)
            model.add(count >= 2 * some)
        if least:
            model.add(count >= least)
        distance = model.new_int_var(0, max(low, most), f"d_{g}")
        model.add(distance >= count - high)
        model.add(distance >= low - count)
        distances.append(distance)
    for value, units in chunks.items():
        model.add(sum(take[value]) == units)
    for g in range(n_groups - 1):  # the groups are interchangeable here
        model.add(counts[g] >= counts[g + 1])
    model.minimize(sum(distances))
    return _least(model, time_limit, reproducible)


def _dealt_floor(chunks: Counter[int], n_groups: int, low: int, high: int) -> int | None:
    """The category's floor without a model, when a deal shows it, as it does for nearly
    every category of a large cohort (where the model is dear); else None.

    A chain holding more than `high` of the category puts its group that much over, and two
    such chains in one group put it at least as far over as two groups each holding one: their
    overshoot added up is a lower bound. It is the floor when each such chain can have a group
    of its own and the other chunks, dealt largest first each to the group holding least,
    leave every other group in band."""
    big = [value for value in chunks.elements() if value > high]
    if len(big) > n_groups:
        return None
    rest = Counter({value: n for value, n in chunks.items() if value <= high})
    if not _packs_in_band(rest, n_groups - len(big), low, high):
        return None
    return sum(value - high for value in big)


def _packs_in_band(chunks: Counter[int], n_groups: int, low: int, high: int) -> bool:
    """Whether a deal of the chunks (largest first, each to the group holding least) leaves
    every one of `n_groups` groups between low and high."""
    if not n_groups:
        return not chunks
    held = [0] * n_groups
    heap = [(0, g) for g in range(n_groups)]
    for value in sorted(chunks, reverse=True):
        for _ in range(chunks[value]):
            count, g = heapq.heappop(heap)
            held[g] = count + value
            if held[g] > high:
                return False
            heapq.heappush(heap, (held[g], g))
    return min(held, default=low) >= low


def _patterns(
    limits: list[tuple[int, int]], sizes: tuple[int, ...], blank: int
) -> list[tuple[tuple[int, ...], int]]:
    """Every (counts per category, size) a group can hold: counts within `limits` (low, high)
    plus up to `blank` students of no category, adding up to one of `sizes`."""
    found: list[tuple[tuple[int, ...], int]] = []
    top = max(sizes)

    def extend(prefix: list[int], total: int) -> None:
        if len(found) > MAX_PATTERNS:
            return
        if len(prefix) == len(limits):
            for size in sizes:
                if 0 <= size - total <= blank:
                    found.append((tuple(prefix), size))
            return
        low, high = limits[len(prefix)]
        for n in range(low, min(high, top - total) + 1):
            prefix.append(n)
            extend(prefix, total + n)
            prefix.pop()

    extend([], 0)
    return found


#: A family whose groups can take more shapes than this is not bounded by patterns.
MAX_PATTERNS = 20_000


def pattern_floor(
    problem: Problem,
    family: str,
    *,
    time_limit: float,
    reproducible: bool = False,
    scope: Scope | None = None,
) -> int:
    """The least distance outside the bands of a one-value-per-student family taken whole, with
    group sizes, the rules on its categories and the locked chains that hold two or more of
    one category (a valid lower bound; 0 when it is not solved in time or the groups can take
    too many shapes).

    A group's counts of the family's categories are a pattern; the groups are a multiset of
    patterns that adds up to the cohort's totals. Taking the categories together sees what one
    at a time cannot: two Nonbinary students in a group of 16 leave 14 places for Woman (band
    8-9) and Man (band 7-8), so one of those cells is out too, and two locked Nonbinary
    students make such a group certain."""
    scope = scope or whole_scope(problem)
    cats = [c for c, cat in enumerate(problem.categories) if cat.family == family]
    if not cats or any(sum(u.profile[c] for c in cats) > u.size for u in scope.units):
        return 0
    n_groups, n = scope.n_groups, scope.students
    totals = [sum(u.profile[c] for u in scope.units) for c in cats]
    blank = n - sum(totals)
    lone = {r.category for r in problem.no_lone}
    least = {r.category: r.least for r in problem.at_least}
    limits = [
        (least.get(c, 0), min(problem.size_max, total))
        for c, total in zip(cats, totals, strict=True)
    ]
    sizes = (
        (problem.size_min,)
        if problem.size_min == problem.size_max
        else (
            problem.size_min,
            problem.size_max,
        )
    )
    patterns = [
        (counts, size)
        for counts, size in _patterns(limits, sizes, blank)
        if not any(c in lone and k == 1 for c, k in zip(cats, counts, strict=True))
    ]
    if not patterns or len(patterns) > MAX_PATTERNS:
        return 0
    bands = [problem.band(c) for c in cats]
    from ortools.sat.python import cp_model

    model = cp_model.CpModel()
    z = [model.new_int_var(0, n_groups, f"z_{i}") for i in range(len(patterns))]
    model.add(sum(z) == n_groups)
    for j, total in enumerate(totals):
        model.add(
            sum(p[0][j] * var for p, var in zip(patterns, z, strict=True) if p[0][j]) == total
        )
    if len(sizes) > 1:
        big = n - problem.size_min * n_groups
        model.add(sum(var for p, var in zip(patterns, z, strict=True) if p[1] == sizes[1]) == big)
    for j, c in enumerate(cats):
        # a chain holding two or more of c needs a group with two or more: a group with k of c
        # holds at most k // 2 such chains
        chains = sum(1 for u in scope.units if u.profile[c] >= 2)
        if chains:
            model.add(
                sum(p[0][j] // 2 * var for p, var in zip(patterns, z, strict=True) if p[0][j] >= 2)
                >= chains
            )
    cost = [
        sum(max(0, k - high, low - k) for k, (low, high) in zip(p[0], bands, strict=True))
        for p in patterns
    ]
    model.minimize(sum(c * var for c, var in zip(cost, z, strict=True) if c))
    return _least(model, time_limit, reproducible)


def objective_floors(
    problem: Problem,
    *,
    time_limit: float,
    reproducible: bool = False,
    scope: Scope | None = None,
) -> dict[str, int]:
    """A lower bound on the distance outside the bands of each balanced family (over `scope`,
    by default the whole cohort): its categories' floors added up, or, when a rule or a
    locked chain makes the family's categories interact, the floor of the family taken whole
    if that is higher."""
    scope = scope or whole_scope(problem)
    floors: dict[str, int] = {}
    ruled = {r.category for r in problem.at_least} | {r.category for r in problem.no_lone}
    for family in problem.family_list:
        if not family.balanced:
            continue
        cats = [c for c, cat in enumerate(problem.categories) if cat.family == family.name]
        apart = sum(
            category_floor(
                problem, c, time_limit=time_limit, reproducible=reproducible, scope=scope
            )
            for c in cats
        )
        together = 0
        # a chain holding more of a category than its band allows pushes the group's other
        # cells of the family too (groups of exactly 16 with two locked Nonbinary students)
        highs = {c: problem.band(c)[1] for c in cats}
        chained = any(u.profile[c] > highs[c] for u in scope.units if u.size > 1 for c in cats)
        if ruled.intersection(cats) or chained:
            together = pattern_floor(
                problem, family.name, time_limit=time_limit, reproducible=reproducible, scope=scope
            )
        floors[family.name] = max(apart, together)
    return floors
