"""Interchangeable units, counted instead of enumerated.

Two units with the same profile (the same class years and interests among their members, hence
the same size) that carry no pin and no apart rule can swap groups without changing anything the
model measures, so the model decides only how many of each kind go to each group.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from functools import cache
from itertools import compress

from empower_cli.records import Problem, Unit


@dataclass(frozen=True, slots=True)
class Block:
    """Some groups and the units that must be spread over them."""

    groups: tuple[int, ...]
    """Global 0-based group indices, ascending."""
    units: tuple[int, ...]
    """Unit indices, ascending."""


@dataclass(frozen=True, slots=True)
class Kind:
    """Units that the model treats as interchangeable."""

    units: tuple[int, ...]
    """Unit indices, ascending; a pinned or apart unit is a kind of its own."""
    profile: tuple[int, ...]
    size: int
    pin: int | None
    """Local group position (index into Block.groups) for a pinned unit."""
    stays: tuple[tuple[int, int], ...] = ()
    """On a re-run, (local group, members who were in that group in the earlier run): for a
    kind of single students, how many of its students were there (the first that many placed
    there stay); for a kind of locked chains, the members of one chain (a chain placed there
    moves only its other returning members)."""
    returning: int = 0
    """Students with an earlier group: of the whole kind for single students, of one chain for
    locked chains."""
    active: tuple[int, ...] = field(init=False, repr=False, compare=False)
    """The categories the profile holds (nonzero), ascending: profiles are long once earlier
    groups are categories, and the start's scoring reads only these."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "active", _active(self.profile))

    @property
    def count(self) -> int:
        return len(self.units)

    @property
    def pooled(self) -> bool:
        """True for single students, whose stays and returning count the whole kind."""
        return self.size == 1


@cache
def _active(profile: tuple[int, ...]) -> tuple[int, ...]:
    """The categories a profile holds, found once per profile: kinds are built again for each
    block and each phase, from the same units (compress scans at C speed: with earlier groups
    as categories, profiles are over a thousand long)."""
    return tuple(compress(range(len(profile)), profile))


def whole(problem: Problem) -> Block:
    """The block of every group and every unit."""
    return Block(tuple(range(problem.n_groups)), tuple(u.index for u in problem.units))


def kinds_of(problem: Problem, block: Block, *, fold: bool = True) -> tuple[Kind, ...]:
    """The kinds of a block, in a deterministic order (first unit index). With `fold` False
    the earlier groups of a re-run are left out (kinds by profile alone, no moves)."""
    if not fold and problem.previous:
        problem = _without_previous(problem)
    local = {group: position for position, group in enumerate(block.groups)}
    in_block = set(block.units)
    singled = {u for pair in problem.aparts for u in pair if u in in_block}
    by_profile: dict[tuple[tuple[int, ...], tuple[int, ...]], list[int]] = defaultdict(list)
    kinds: list[Kind] = []
    for index in block.units:
        unit = problem.units[index]
        if unit.pin is not None or index in singled:
            pin = None if unit.pin is None else local[unit.pin]
            kinds.append(Kind((index,), unit.profile, unit.size, pin, *_stays([unit], local)))
        else:
            # On a re-run a locked chain's earlier groups are part of its kind, so that chains
            # of one kind cost the same moves in every group; single students of one profile
            # share a kind whatever their earlier group, and the model counts how many stay.
            earlier = unit.previous if unit.size > 1 else ()
            by_profile[unit.profile, earlier].append(index)
    for (profile, _), members in by_profile.items():
        first = problem.units[members[0]]
        units = [problem.units[m] for m in members] if first.size == 1 else [first]
        kinds.append(Kind(tuple(members), profile, first.size, None, *_stays(units, local)))
    kinds.sort(key=lambda kind: kind.units[0])
    return tuple(kinds)


def _stays(units: list[Unit], local: dict[int, int]) -> tuple[tuple[tuple[int, int], ...], int]:
    """(stays, returning) of units for Kind, with groups as local positions."""
    earlier = [g for unit in units for g in unit.previous]
    if not earlier:
        return (), 0
    here = Counter(local[g] for g in earlier if g in local)
    return tuple(sorted(here.items())), len(earlier)


#: The last two problems `without_earlier` was asked of, and what it gave: the same object
#: each time, so that what is remembered by problem (the family floors) is remembered too.
_STRIPPED: list[tuple[Problem, Problem | None]] = []


def without_earlier(problem: Problem) -> Problem | None:
    """The problem without its families of earlier groups (--avoid-groupmates): the same
    units, balance and rules, so that its kinds are by the balanced families alone (the earlier
    groups would make nearly every student a kind of its own). None when it has no such
    family, or their categories are not the last ones (the others' indices must not shift)."""
    for known, stripped in _STRIPPED:
        if known is problem:
            return stripped
    stripped = _strip_earlier(problem)
    # the problem and its stripped twin (asked in turn, block by block) are both kept
    _STRIPPED[:] = [*_STRIPPED[-1:], (problem, stripped)]
    return stripped


def _strip_earlier(problem: Problem) -> Problem | None:
    names = {f.name for f in problem.earlier_families}
    kept = [c for c, category in enumerate(problem.categories) if category.family not in names]
    if not names or kept != list(range(len(kept))):
        return None
    n = len(kept)
    units = tuple(replace(unit, profile=unit.profile[:n]) for unit in problem.units)
    families = tuple(f for f in problem.family_list if f.name not in names)
    return replace(
        problem,
        categories=problem.categories[:n],
        units=units,
        families=families,
        max_repeats=None,
    )


def _without_previous(problem: Problem) -> Problem:
    units = tuple(replace(unit, previous=()) for unit in problem.units)
    return replace(problem, units=units, previous=())
