"""Interchangeable units, counted instead of enumerated.

Two units with the same profile (the same class years and interests among their members, hence
the same size) that carry no pin and no apart rule can swap groups without changing anything the
model measures, so the model decides only how many of each kind go to each group.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from empower_cli.records import Problem


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

    @property
    def count(self) -> int:
        return len(self.units)


def whole(problem: Problem) -> Block:
    """The block of every group and every unit."""
    return Block(tuple(range(problem.n_groups)), tuple(u.index for u in problem.units))


def kinds_of(problem: Problem, block: Block) -> tuple[Kind, ...]:
    """The kinds of a block, in a deterministic order (first unit index)."""
    local = {group: position for position, group in enumerate(block.groups)}
    in_block = set(block.units)
    singled = {u for pair in problem.aparts for u in pair if u in in_block}
    by_profile: dict[tuple[int, ...], list[int]] = defaultdict(list)
    kinds: list[Kind] = []
    for index in block.units:
        unit = problem.units[index]
        if unit.pin is not None or index in singled:
            pin = None if unit.pin is None else local[unit.pin]
            kinds.append(Kind((index,), unit.profile, unit.size, pin))
        else:
            by_profile[unit.profile].append(index)
    for profile, members in by_profile.items():
        kinds.append(Kind(tuple(members), profile, problem.units[members[0]].size, None))
    kinds.sort(key=lambda kind: kind.units[0])
    return tuple(kinds)
