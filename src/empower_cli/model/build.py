"""Wiring the counting model of one block: each rule family adds its constraints to the shared
CountVars, and balance returns the objective terms."""

from __future__ import annotations

from empower_cli.model.aparts import add_aparts
from empower_cli.model.assignment import add_every_unit_placed
from empower_cli.model.balance import add_balance
from empower_cli.model.kinds import Block, Kind, kinds_of
from empower_cli.model.moves import add_moves
from empower_cli.model.pins import add_pins
from empower_cli.model.repeats import add_repeats, most_repeats
from empower_cli.model.rules import add_at_least, add_no_lone
from empower_cli.model.sizes import add_sizes
from empower_cli.model.symmetry import add_symmetry_breaking
from empower_cli.model.variables import CountVars
from empower_cli.records import Problem


def build(
    problem: Problem,
    block: Block,
    kinds: tuple[Kind, ...] | None = None,
    *,
    move_cap: int | None = None,
    fold: bool = True,
) -> CountVars:
    """The full model of one block, objective set (minimise distance outside the bands);
    `kinds` are the block's kinds when the caller has them already. On a re-run (with `fold`,
    kinds carry the earlier groups) `v.moves` counts the students moved, and `move_cap` caps
    them. The objective is the weighted balance first, then the repeated groupmates."""
    if kinds is None:
        kinds = kinds_of(problem, block, fold=fold)
    v = CountVars(problem, block, kinds)
    add_every_unit_placed(v)
    add_sizes(v)
    add_pins(v)
    add_aparts(v)
    add_moves(v, move_cap)
    add_at_least(v)
    add_no_lone(v)
    add_symmetry_breaking(v)
    terms = add_balance(v)
    v.balance = sum(terms) if terms else 0
    repeats = add_repeats(v)
    v.scale = most_repeats(v) + 1 if v.pairs else 1
    v.model.minimize(v.balance * v.scale + repeats if v.pairs else v.balance)
    return v


def add_least_repeats(v: CountVars, least: int) -> None:
    """Tell the model the repeats no roster avoids (whole problem only)."""
    if least and v.pairs:
        v.model.add(v.repeats >= least)


def add_floors(v: CountVars, floors: dict[str, int]) -> None:
    """Tell the model each family's lower bound (from model.bounds); valid for the whole
    problem only, so only used when the block holds every group."""
    categories = v.problem.categories
    for family, floor in floors.items():
        cells = [var for (c, _), var in v.distance.items() if categories[c].family == family]
        if floor and cells:
            v.model.add(sum(cells) >= floor)
