"""The decision variables: how many units of each kind each group receives."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ortools.sat.python import cp_model

from empower_cli.model.kinds import Block, Kind
from empower_cli.records import Problem


@dataclass
class CountVars:
    """A CP-SAT model and its count variables x[k][g] for kind k and local group g."""

    problem: Problem
    block: Block
    kinds: tuple[Kind, ...]
    model: cp_model.CpModel = field(default_factory=cp_model.CpModel)
    x: list[list[Any]] = field(default_factory=list)
    distance: dict[tuple[int, int], Any] = field(default_factory=dict)
    """(category, local group) -> distance outside the band, for cells that can leave it."""
    moves: Any = None
    """On a re-run, the number of returning students moved (a linear expression), else None."""
    kept: dict[tuple[int, int], Any] = field(default_factory=dict)
    """(kind, local group) -> how many of a kind of single students stay in that group."""
    pairs: dict[tuple[int, int], Any] = field(default_factory=dict)
    """(earlier-group category, local group) -> repeated pairs of that earlier group there."""
    some: dict[tuple[int, int], Any] = field(default_factory=dict)
    """(no-lone category, local group) -> whether the group holds any of that category."""
    repeats: Any = 0
    """The block's repeated pairs of earlier groupmates, a linear expression (or 0)."""
    balance: Any = 0
    """The weighted distance outside the bands, a linear expression (or 0)."""
    scale: int = 1
    """The objective is balance * scale + repeats: scale exceeds any count of repeats, so that
    fewer repeats never buy a worse balance."""

    def __post_init__(self) -> None:
        size_max = self.problem.size_max
        for k, kind in enumerate(self.kinds):
            upper = min(kind.count, size_max // kind.size)
            row = [
                self.model.new_int_var(0, upper, f"x_{k}_{g}")
                if upper > 1
                else self.model.new_bool_var(f"x_{k}_{g}")
                for g in range(len(self.block.groups))
            ]
            self.x.append(row)

    @property
    def n_groups(self) -> int:
        return len(self.block.groups)

    def count(self, category: int, g: int) -> Any:
        """Students of `category` in local group g, a linear expression."""
        return sum(
            kind.profile[category] * self.x[k][g]
            for k, kind in enumerate(self.kinds)
            if kind.profile[category]
        )
