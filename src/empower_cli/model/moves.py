"""Rule and secondary objective on a re-run: students who change group (--previous).

For a kind of single students, as many of them stay in group g as the count placed there allows
(at most those who were in g): a variable s[k][g] <= x[k][g] counts them. For a kind of locked
chains (which share their earlier groups), a chain placed in g moves its returning members
except those who were in g. So the moves of a block are linear in the counts. `--max-moves`
makes them a hard cap; otherwise they are minimised once the best balance is known (solve.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from empower_cli.model.kinds import Block, Kind
from empower_cli.records import Problem

if TYPE_CHECKING:  # annotations only: OR-Tools loads when a model is built
    from empower_cli.model.variables import CountVars


def moves_of(v: CountVars) -> Any:
    """The number of returning students the block's counts move, as a linear expression;
    None when no kind holds a returning student."""
    terms: list[Any] = []
    constant = 0
    for k, kind in enumerate(v.kinds):
        if not kind.returning:
            continue
        if kind.pooled:
            constant += kind.returning
            for g, stay in kind.stays:
                upper = min(stay, kind.count)
                kept = v.model.new_int_var(0, upper, f"stay_{k}_{g}")
                v.model.add(kept <= v.x[k][g])
                v.kept[k, g] = kept
                terms.append(-kept)
        else:
            constant += kind.returning * kind.count
            terms.extend(-stay * v.x[k][g] for g, stay in kind.stays)
    if not constant:
        return None
    return constant + sum(terms)


def moves_in(kinds: Sequence[Kind], counts: Sequence[Sequence[int]]) -> int:
    """The students that counts[k][g] move (0 when there is no earlier run)."""
    total = 0
    for k, kind in enumerate(kinds):
        if not kind.returning:
            continue
        if kind.pooled:
            total += kind.returning - sum(min(stay, counts[k][g]) for g, stay in kind.stays)
        else:
            total += kind.returning * kind.count
            total -= sum(stay * counts[k][g] for g, stay in kind.stays)
    return total


def hint_moves(v: CountVars, counts: Sequence[Sequence[int]]) -> None:
    """Complete a hint of the counts with the stay variables they imply."""
    for (k, g), var in v.kept.items():
        stay = dict(v.kinds[k].stays)[g]
        v.model.add_hint(var, min(stay, counts[k][g]))


def add_moves(v: CountVars, cap: int | None) -> None:
    """Record the moves expression on `v` and, with a cap, keep the moves under it."""
    v.moves = moves_of(v)
    if cap is not None and v.moves is not None:
        v.model.add(v.moves <= cap)


def stay_counts(
    problem: Problem, kinds: Sequence[Kind], n_groups: int, slack: int = 0
) -> list[list[int]]:
    """A partial start: counts[k][g] of units left in their earlier group (locked chains
    first) while the group has room under the smallest size less `slack`, and unless a unit it
    must be apart from is already there or pinned there; the rest are still to place."""
    counts = [[0] * n_groups for _ in kinds]
    sizes = [0] * n_groups
    limit = problem.size_min - slack
    kind_of_unit = {unit: k for k, kind in enumerate(kinds) for unit in kind.units}
    partners: dict[int, list[int]] = {}
    for a, b in problem.aparts:
        if a in kind_of_unit and b in kind_of_unit:
            partners.setdefault(kind_of_unit[a], []).append(kind_of_unit[b])
            partners.setdefault(kind_of_unit[b], []).append(kind_of_unit[a])

    def apart_from(k: int, group: int) -> bool:
        return any(counts[o][group] or kinds[o].pin == group for o in partners.get(k, ()))

    for kind in kinds:  # pinned units take their room first
        if kind.pin is not None:
            sizes[kind.pin] += kind.size * kind.count

    order = sorted(range(len(kinds)), key=lambda k: (-kinds[k].size, k))
    for k in order:
        kind = kinds[k]
        if kind.pin is not None or not kind.stays:
            continue
        if kind.pooled:
            wishes = list(kind.stays)
        else:
            group = max(kind.stays, key=lambda item: (item[1], -item[0]))[0]
            wishes = [(group, kind.count)]
        for group, wish in wishes:
            if apart_from(k, group):
                continue  # placed later, with the others, where the apart rule allows
            room = (limit - sizes[group]) // kind.size
            take = max(0, min(wish, room, kind.count - sum(counts[k])))
            counts[k][group] += take
            sizes[group] += take * kind.size
    return counts


def place_units(
    problem: Problem, kinds: Sequence[Kind], block: Block, counts: Sequence[Sequence[int]]
) -> dict[int, int]:
    """Unit -> global group: each kind's units handed out in index order, except that single
    students go back to their earlier group first where the counts allow."""
    local = {group: position for position, group in enumerate(block.groups)}
    placement: dict[int, int] = {}
    for k, kind in enumerate(kinds):
        left = list(kind.units)
        room = list(counts[k])
        if kind.pooled and kind.returning:
            for unit in kind.units:
                earlier = problem.units[unit].previous
                g = local.get(earlier[0]) if earlier else None
                if g is not None and room[g]:
                    placement[unit] = block.groups[g]
                    room[g] -= 1
                    left.remove(unit)
        rest = iter(left)
        for g, count in enumerate(room):
            for _ in range(count):
                placement[next(rest)] = block.groups[g]
    return placement


def carry_over(
    problem: Problem,
    first: Sequence[Kind],
    counts: list[list[int]],
    folded: Sequence[Kind],
) -> list[list[int]]:
    """The counts of a roster found without earlier groups (kinds `first`) as counts of the
    re-run's kinds (`folded`), with the groups relabelled to keep as many students in their
    earlier group as a greedy matching finds. Balance, sizes, aparts and pins are unchanged:
    groups that hold a pinned unit keep their label, and units of one profile are
    interchangeable for every rule but moves."""
    n_groups = len(counts[0]) if counts else 0
    by_profile: dict[tuple[int, ...], list[int]] = {}
    for k, kind in enumerate(folded):
        if kind.pin is None and len(kind.units) and _free(problem, kind.units[0]):
            by_profile.setdefault(kind.profile, []).append(k)
    wanted: dict[tuple[int, ...], list[int]] = {}
    for profile, ks in by_profile.items():
        row = [0] * n_groups
        for k in ks:
            kind = folded[k]
            for g, stay in kind.stays:
                row[g] += stay if kind.pooled else stay * kind.count
        wanted[profile] = row
    pinned = {kind.pin for kind in first if kind.pin is not None}
    free = [g for g in range(n_groups) if g not in pinned]
    overlap = []
    for g in free:
        for h in free:
            score = sum(
                min(counts[k][g], wanted[kind.profile][h])
                for k, kind in enumerate(first)
                if kind.profile in wanted and _free(problem, kind.units[0])
            )
            overlap.append((-score, g, h))
    overlap.sort()
    label: dict[int, int] = {g: g for g in range(n_groups) if g in pinned}
    used: set[int] = set()
    for _, g, h in overlap:
        if g not in label and h not in used:
            label[g] = h
            used.add(h)
    relabelled = [[0] * n_groups for _ in first]
    for k, row in enumerate(counts):
        for g, value in enumerate(row):
            relabelled[k][label[g]] += value

    out = [[0] * n_groups for _ in folded]
    same = {kind.units: k for k, kind in enumerate(folded)}
    left = [kind.count for kind in folded]
    for k, kind in enumerate(first):
        if kind.units in same:
            out[same[kind.units]] = relabelled[k][:]
            left[same[kind.units]] = 0
    for k, kind in enumerate(first):
        if kind.units in same:
            continue
        ks = [j for j in by_profile.get(kind.profile, []) if left[j]]
        for g in range(n_groups):
            need = relabelled[k][g]
            order = sorted(ks, key=lambda j: (-dict(folded[j].stays).get(g, 0), j))
            for j in order:
                take = min(need, left[j])
                out[j][g] += take
                left[j] -= take
                need -= take
                if not need:
                    break
    return out


def _free(problem: Problem, unit: int) -> bool:
    """A unit with no pin and no apart rule (so it shares a kind with units like it)."""
    if problem.units[unit].pin is not None:
        return False
    return all(unit not in pair for pair in problem.aparts)
