"""Splitting a block of groups in two for large cohorts.

Each half receives its proportional share (floor or ceil) of every kind of unit, so that both
halves can still be balanced on their own: a half of G' groups needs, for every category, a total
between G' times the band's floor and G' times its ceil, and a student count that G' groups of the
allowed sizes can hold. Pinned units go to the half that holds their group.
"""

from __future__ import annotations

from collections import defaultdict

from empower_cli.model.kinds import Block
from empower_cli.model.limits import set_limit
from empower_cli.model.shares import left_ranges, round_shares
from empower_cli.records import Problem


def split(
    problem: Problem, block: Block, *, seed: int, time_limit: float, reproducible: bool = False
) -> tuple[Block, Block]:
    """Two blocks: the first half of the groups and the rest, each with its share of units."""
    half = len(block.groups) // 2
    left_groups, right_groups = block.groups[:half], block.groups[half:]
    on_left = set(left_groups)
    n_left, n_all = len(left_groups), len(block.groups)

    fixed_left: list[int] = []
    fixed_right: list[int] = []
    classes: dict[tuple[int, ...], list[int]] = defaultdict(list)
    keys = class_keys(problem)
    for index in block.units:
        pin = problem.units[index].pin
        if pin is None:
            classes[keys[index]].append(index)
        elif pin in on_left:
            fixed_left.append(index)
        else:
            fixed_right.append(index)

    shares = None
    if not problem.previous:
        pinned = (fixed_left, fixed_right)
        shares = _rounded(problem, block, classes, pinned, n_left)
    for widen in (False, True):
        if shares is not None:
            break
        shares = _shares(
            problem,
            block,
            classes,
            fixed_left,
            n_left,
            n_all,
            widen,
            seed,
            time_limit,
            reproducible,
        )
    if shares is None:  # pragma: no cover - the widened model always has a solution
        shares = {profile: len(units) * n_left // n_all for profile, units in classes.items()}

    left = list(fixed_left)
    right = list(fixed_right)
    for profile, units in classes.items():
        take = shares[profile]
        if problem.previous:  # on a re-run, units go to the half that holds their earlier group
            units = sorted(units, key=lambda i: _leans_right(problem, i, on_left))
            left.extend(units[:take])
            right.extend(units[take:])
            continue
        chosen = _spread(problem, units, take)
        left.extend(u for u in units if u in chosen)
        right.extend(u for u in units if u not in chosen)
    return Block(left_groups, tuple(sorted(left))), Block(right_groups, tuple(sorted(right)))


#: The last problem's class keys (see `class_keys`).
_KEYS: list[tuple[Problem, list[tuple[int, ...]]]] = []


def class_keys(problem: Problem) -> list[tuple[int, ...]]:
    """Each unit's class, by unit index: its counts of the kept categories (split_categories,
    ascending), then its size. Found once per problem: a large cohort is split hundreds of
    times, each time over the same units."""
    if _KEYS and _KEYS[0][0] is problem:
        return _KEYS[0][1]
    kept = sorted(split_categories(problem))
    keys = [(*(unit.profile[c] for c in kept), unit.size) for unit in problem.units]
    _KEYS[:] = [(problem, keys)]
    return keys


def split_categories(problem: Problem) -> set[int]:
    """The categories a split shares out: those of balanced families and of rules. Earlier
    groups (--avoid-groupmates) and columns no rule reads are left out, so that units alike in
    everything balanced form one class (with three families balanced, counting earlier groups
    would make nearly every unit a class of its own); `_spread` shares out earlier groups."""
    weights = problem.weights()
    ruled = {r.category for r in problem.at_least} | {r.category for r in problem.no_lone}
    return {c for c in range(len(problem.categories)) if weights[c] or c in ruled}


def _spread(problem: Problem, units: list[int], take: int) -> set[int]:
    """`take` of a class's units, chosen so that each earlier group (--avoid-groupmates) is
    shared between the halves in proportion: the units ordered by earlier group, every
    len/take-th one taken."""
    if not problem.earlier_families or not units:
        return set(units[:take])
    family = problem.earlier_families[0]

    def earlier(unit: int) -> int:
        groups = [family.groups[m] for m in problem.units[unit].members]
        return min((g for g in groups if g is not None), default=-1)

    ordered = sorted(units, key=lambda u: (earlier(u), u))
    n = len(ordered)
    return {ordered[i] for i in range(n) if (i + 1) * take // n > i * take // n}


def _leans_right(problem: Problem, unit: int, on_left: set[int]) -> tuple[int, int]:
    """Sort key: units whose members were mostly in the left half's groups first."""
    previous = problem.units[unit].previous
    return (sum(1 for g in previous if g in on_left) * -2 + len(previous), unit)


def _rounded(
    problem: Problem,
    block: Block,
    classes: dict[tuple[int, ...], list[int]],
    pinned: tuple[list[int], list[int]],
    n_left: int,
) -> dict[tuple[int, ...], int] | None:
    """The shares without a model (model/shares.py): each class's floor or ceil of its
    proportion, every total in range; None when that rounding is not found. `pinned` are
    the units pinned to the left half's groups and to the right's."""
    kept = sorted(split_categories(problem))
    n_all = len(block.groups)
    keys = class_keys(problem)
    dims = len(kept) + 1  # the kept categories, then the student count
    totals = [0] * dims
    for vector, units in classes.items():
        for j in range(dims):
            totals[j] += vector[j] * len(units)
    fixed = [0] * dims
    for side, indices in enumerate(pinned):
        for index in indices:
            for j, value in enumerate(keys[index]):
                totals[j] += value
                if side == 0:
                    fixed[j] += value
    students = totals.pop()
    least = dict.fromkeys(kept, 0)
    for rule in problem.at_least:
        least[rule.category] = max(least[rule.category], rule.least)
    ranges = left_ranges(
        totals,
        [problem.band(c) for c in kept],
        [least[c] for c in kept],
        (students, problem.size_min, problem.size_max),
        n_left,
        n_all,
    )
    vectors = list(classes)  # a class's key is its kept counts, then its size
    floors = [len(classes[v]) * n_left // n_all for v in vectors]
    free = [len(classes[v]) * n_left % n_all != 0 for v in vectors]
    rounded = round_shares(vectors, floors, free, fixed, ranges)
    if rounded is None:
        return None
    return dict(zip(vectors, rounded, strict=True))


def _shares(
    problem: Problem,
    block: Block,
    classes: dict[tuple[int, ...], list[int]],
    fixed_left: list[int],
    n_left: int,
    n_all: int,
    widen: bool,
    seed: int,
    time_limit: float,
    reproducible: bool,
) -> dict[tuple[int, ...], int] | None:
    """How many units of each profile go left; None when the sizes cannot be met. (The model
    is the fallback of the rounding in shares.py, so OR-Tools is loaded only now.)"""
    from ortools.sat.python import cp_model

    model = cp_model.CpModel()
    n_right = n_all - n_left
    take: dict[tuple[int, ...], cp_model.IntVar] = {}
    for j, (profile, units) in enumerate(classes.items()):
        exact = len(units) * n_left / n_all
        low, high = int(exact), -(-len(units) * n_left // n_all)
        if widen or problem.previous:
            low, high = 0, len(units)
        take[profile] = model.new_int_var(low, high, f"take_{j}")

    # A class is keyed by its counts of the kept categories (in `kept` order), then its size.
    kept = sorted(split_categories(problem))
    fixed_profile = [0] * len(kept)
    fixed_size = 0
    for index in fixed_left:
        unit = problem.units[index]
        fixed_size += unit.size
        for j, c in enumerate(kept):
            fixed_profile[j] += unit.profile[c]
    block_size = sum(problem.units[i].size for i in block.units)
    block_totals = [0] * len(kept)
    for index in block.units:
        profile = problem.units[index].profile
        for j, c in enumerate(kept):
            block_totals[j] += profile[c]

    size_left = fixed_size + sum(p[-1] * take[p] for p in classes)
    model.add_linear_constraint(
        size_left,
        max(n_left * problem.size_min, block_size - n_right * problem.size_max),
        min(n_left * problem.size_max, block_size - n_right * problem.size_min),
    )
    misses = []
    weights = problem.weights()
    least = {r.category: r.least for r in problem.at_least}
    for j, c in enumerate(kept):
        low, high = problem.band(c)
        total_left = fixed_profile[j] + sum(p[j] * take[p] for p in classes if p[j])
        total = block_totals[j]
        if c in least and not widen:  # each half keeps enough for --at-least
            model.add(total_left >= least[c] * n_left)
            model.add(total - total_left >= least[c] * n_right)
        miss = model.new_int_var(0, total, f"miss_{c}")
        model.add(miss >= total_left - n_left * high)
        model.add(miss >= n_left * low - total_left)
        model.add(miss >= (total - total_left) - n_right * high)
        model.add(miss >= n_right * low - (total - total_left))
        misses.append(miss * max(1, weights[c]))
    if problem.previous and not widen:
        # On a re-run the halves follow the earlier groups: each profile's share may leave
        # its proportion, and after balance the model keeps as many units as it can on the
        # side that holds their earlier group.
        # Newcomers may go either way: only a returning unit sent away from its earlier side
        # counts, so the left takes between `before` and `before + fresh` of a profile freely.
        on_left = set(block.groups[:n_left])
        astray = []
        for j, (profile, units) in enumerate(classes.items()):
            before = sum(1 for i in units if _leans_right(problem, i, on_left)[0] < 0)
            fresh = sum(1 for i in units if not problem.units[i].previous)
            gap = model.new_int_var(0, len(units), f"astray_{j}")
            model.add(gap >= before - take[profile])
            model.add(gap >= take[profile] - before - fresh)
            astray.append(gap)
        model.minimize(sum(misses) * (1 + block_size) + sum(astray))
    else:
        model.minimize(sum(misses))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = seed
    solver.parameters.catch_sigint_signal = False
    set_limit(solver.parameters, time_limit, reproducible=reproducible)
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    return {profile: solver.value(var) for profile, var in take.items()}
