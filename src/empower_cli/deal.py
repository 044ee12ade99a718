"""What the block solver and the CP-SAT search share: the options, a block's constructive start
(dealt and repaired) and what it is worth, and handing a block's counts out to units.

Both solve.py (blocks, Ctrl-C between them) and search.py (the CP-SAT search of one block) import
this module, and neither imports the other at module level's expense: search.py never imports
solve.py, so the two have no import cycle.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass

from empower_cli.model.kinds import Block, Kind
from empower_cli.model.moves import moves_in, stay_counts
from empower_cli.records import Problem
from empower_cli.start import Scoring, cells_of, greedy_counts, polish_means, repair

#: What one block's search reports: (objective, bound, elapsed seconds).
BlockProgress = Callable[[int, int, float], None]
#: A start for one block: counts[k][g] and their penalty (start.Scoring).
Start = tuple[list[list[int]], int]


@dataclass(frozen=True, slots=True)
class SolveOptions:
    time_limit: float = 60.0
    seed: int = 0
    workers: int = 0
    """Search workers; 0 means one per core."""
    reproducible: bool = False
    """Count the time limit in CP-SAT's deterministic time units instead of seconds, so that a
    search the limit cuts short gives the same rosters on any machine."""


def default_workers() -> int:
    return max(1, min(8, os.cpu_count() or 1))


@dataclass(frozen=True, slots=True)
class Worth:
    """What a block's counts are worth: rules kept, weighted balance, repeats."""

    broken: int
    """Rules (--at-least, --no-lone) the counts break: 0 for a roster."""
    balance: int
    """Weighted distance outside the bands."""
    repeats: int
    least_repeats: int
    """Repeats no roster of the block avoids (locked earlier groupmates, crowded groups)."""
    proven: bool = False
    """The balance is known to be the least possible (it reaches the family floors)."""

    def valid(self, repeat_cap: int | None) -> bool:
        return not self.broken and (repeat_cap is None or self.repeats <= repeat_cap)

    @property
    def perfect(self) -> bool:
        """Every cell in band (or the least possible), every rule kept, no repeat that could
        be avoided: optimal."""
        best = not self.balance or self.proven
        return not self.broken and best and self.repeats <= self.least_repeats


def least_block_repeats(problem: Problem, kinds: tuple[Kind, ...], n_groups: int) -> int:
    """Per earlier group: the larger of the pairs locks keep together and the pairs that
    spreading its members as evenly as possible over `n_groups` groups leaves."""
    earlier = earlier_cells(problem)
    if not earlier:
        return 0
    members = dict.fromkeys(earlier, 0)
    locked = dict.fromkeys(earlier, 0)
    for kind in kinds:
        count = len(kind.units)
        profile = kind.profile
        for c in kind.active:
            if c in members:
                amount = profile[c]
                members[c] += amount * count
                locked[c] += amount * (amount - 1) // 2 * count
    total = 0
    for c in earlier:
        each, extra = divmod(members[c], n_groups)
        spread = extra * (each + 1) * each // 2 + (n_groups - extra) * each * (each - 1) // 2
        total += max(locked[c], spread)
    return total


def repeats_among(problem: Problem, placement: dict[int, int], units: list[int]) -> int:
    """Repeated pairs of earlier groupmates among the units placed."""
    total = 0
    for family in problem.earlier_families:
        cells: dict[tuple[int, int], int] = {}
        for u in units:
            for member in problem.units[u].members:
                earlier = family.groups[member]
                if earlier is not None:
                    key = (placement[u], earlier)
                    cells[key] = cells.get(key, 0) + 1
        total += sum(n * (n - 1) // 2 for n in cells.values())
    return total


def earlier_cells(problem: Problem) -> list[int]:
    """The categories of the earlier groups (--avoid-groupmates)."""
    names = {f.name for f in problem.earlier_families}
    return [c for c, category in enumerate(problem.categories) if category.family in names]


def worth(problem: Problem, kinds: tuple[Kind, ...], n_groups: int, penalty: int) -> Worth:
    broken, balance, repeats = Scoring.of(problem, kinds).parts(penalty)
    return Worth(broken, balance, repeats, least_block_repeats(problem, kinds, n_groups))


def penalty_of(problem: Problem, kinds: tuple[Kind, ...], counts: list[list[int]]) -> int:
    """The penalty (start.Scoring) of counts[k][g]."""
    scoring = Scoring.of(problem, kinds)
    return scoring.total(cells_of(kinds, counts, len(problem.categories)))


#: Family floors already computed (see `family_floors`) for the last two problems, by block
#: (None for the whole cohort).
_FLOORS: list[tuple[Problem, dict[Block | None, dict[str, int]]]] = []


def family_floors(
    problem: Problem, time_limit: float, reproducible: bool = False, block: Block | None = None
) -> dict[str, int]:
    """model.bounds.objective_floors over the whole cohort, or over one block's units and
    groups, remembered for the problem (it loads OR-Tools)."""
    known = next((found for owner, found in _FLOORS if owner is problem), None)
    if known is None:  # the problem and its plain twin (kinds.without_earlier) are kept
        known = {}
        _FLOORS[:] = [*_FLOORS[-1:], (problem, known)]
    if block is not None and len(block.groups) == problem.n_groups:
        block = None
    if block in known:
        return known[block]
    from empower_cli.model.bounds import Scope, objective_floors

    share = min(2.0, max(0.5, time_limit / 10 / max(1, len(problem.categories))))
    scope = None
    if block is not None:
        scope = Scope(tuple(problem.units[u] for u in block.units), len(block.groups))
    floors = objective_floors(problem, time_limit=share, reproducible=reproducible, scope=scope)
    known[block] = floors
    return floors


def weighted_floor(problem: Problem, floors: dict[str, int]) -> int:
    """The bound on the weighted balance objective that the family floors give."""
    weight = {f.name: f.weight for f in problem.family_list}
    return sum(weight[name] * floor for name, floor in floors.items())


def _target(problem: Problem, block: Block, kinds: tuple[Kind, ...]) -> int:
    """The least penalty a start of this block can have, when a rule makes perfect balance
    unlikely and the block holds every group (the family floors); else 0."""
    weights = problem.weights()
    ruled = [r.category for r in problem.no_lone] + [r.category for r in problem.at_least]
    if len(block.groups) != problem.n_groups or not any(weights[c] for c in ruled):
        return 0
    scoring = Scoring.of(problem, kinds)
    balance = weighted_floor(problem, family_floors(problem, 60.0))
    return balance * scoring.scale + least_block_repeats(problem, kinds, len(block.groups))


#: Steps without a new best after which the local search gives up: one block of every group, ...
WHOLE_STALL = 300
#: ... and each block of a large cohort.
BLOCK_STALL = 100


def first_start(problem: Problem, block: Block, kinds: tuple[Kind, ...], seed: int) -> Start | None:
    """The greedy deal, repaired by local search: counts[k][g] that keep sizes, pins and aparts
    and their penalty; None when the greedy deal got stuck."""
    n_students = sum(problem.units[u].size for u in block.units)
    counts = greedy_counts(problem, kinds, len(block.groups), n_students)
    if counts is None:
        return None
    target = _target(problem, block, kinds)
    # A cohort solved as one block is worth a longer search than each block of a large one
    # (where a block left imperfect is merged with its neighbour and dealt again).
    stall = WHOLE_STALL if len(block.groups) == problem.n_groups else BLOCK_STALL
    penalty = repair(problem, kinds, counts, seed=seed, target=target, stall_steps=stall)
    if any(f.kind == "bins" for f in problem.family_list):
        polish_means(problem, kinds, counts, seed=seed)  # never raises the penalty
        penalty = penalty_of(problem, kinds, counts)
    return counts, penalty


def earlier_start(
    problem: Problem, block: Block, kinds: tuple[Kind, ...], seed: int, move_cap: int | None
) -> Start | None:
    """On a re-run, a start that keeps the earlier groups: returning students left where they
    were, newcomers dealt, then repaired. None when the deal got stuck or breaks the cap."""
    n_students = sum(problem.units[u].size for u in block.units)
    n_groups = len(block.groups)
    counts = None
    for slack in (0, 2, problem.size_min):  # more room for locked chains and newcomers
        kept = stay_counts(problem, kinds, n_groups, slack)
        counts = greedy_counts(problem, kinds, n_groups, n_students, kept)
        if counts is not None:
            break
    if counts is None:
        return None
    remaining = repair(problem, kinds, counts, seed=seed)
    if move_cap is not None and moves_in(kinds, counts) > move_cap:
        return None  # the deal breaks --max-moves: no roster to fall back on
    return counts, remaining


def counts_of(kinds: tuple[Kind, ...], block: Block, placement: dict[int, int]) -> list[list[int]]:
    """counts[k][g] of a placement (unit -> global group): how many of each kind each of the
    block's groups holds."""
    local = {group: position for position, group in enumerate(block.groups)}
    counts = [[0] * len(block.groups) for _ in kinds]
    for k, kind in enumerate(kinds):
        for unit in kind.units:
            counts[k][local[placement[unit]]] += 1
    return counts


def placement_of(kinds: tuple[Kind, ...], block: Block, counts: list[list[int]]) -> dict[int, int]:
    """Unit -> global group, handing each kind's units out in index order."""
    placement: dict[int, int] = {}
    for k, kind in enumerate(kinds):
        units = iter(kind.units)
        for g, count in enumerate(counts[k]):
            for _ in range(count):
                placement[next(units)] = block.groups[g]
    return placement
