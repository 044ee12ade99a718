"""From a Problem to an Assignment: blocks, the constructive start, and when it is needed, the
CP-SAT search (search.py), with progress and Ctrl-C.

The search is deterministic: CP-SAT's interleaved search gives the same answer for the same model,
parameters and seed whatever the thread timing, and the model itself is built in a fixed order.
OR-Tools is imported only when a model is needed (search.py, and the split of large cohorts): a
cohort whose start is already perfect is done without it, a tenth of a second sooner.
"""

from __future__ import annotations

import multiprocessing
import signal
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, NamedTuple

from empower_cli import interrupt
from empower_cli.deal import (
    BlockProgress,
    SolveOptions,
    Start,
    Worth,
    default_workers,
    earlier_start,
    family_floors,
    first_start,
    least_block_repeats,
    placement_of,
    repeats_among,
    weighted_floor,
    worth,
)
from empower_cli.errors import STOPPED, InfeasibleError, StoppedError
from empower_cli.model.kinds import Block, Kind, kinds_of, whole, without_earlier
from empower_cli.model.moves import place_units
from empower_cli.records import Assignment, Problem, Status

if TYPE_CHECKING:  # mend.py loads only on a re-run
    from empower_cli.mend import Mended
from empower_cli.spread import polish_spread

__all__ = ["BlockProgress", "SolveOptions", "default_workers", "solve", "solve_block"]

#: Called with (objective, bound, elapsed seconds, part) on each improving solution; part is
#: (groups done, groups) when a large cohort is solved block by block, else None.
Progress = Callable[[int, int, float, tuple[int, int] | None], None]


class BlockResult(NamedTuple):
    """One block solved: unit -> global group, and what the solver could say of it."""

    placement: dict[int, int]
    status: Status
    objective: int
    """Weighted distance outside the bands."""
    bound: int
    interrupted: bool


def _processes(options: SolveOptions) -> int:
    """How many processes deal the blocks' starts: as many as solver workers."""
    return options.workers or default_workers()


def _block_start(
    problem: Problem,
    block: Block,
    kinds: tuple[Kind, ...],
    seed: int,
    move_cap: int | None,
    dealt: Start | None,
) -> Start | None:
    if move_cap is not None:
        return earlier_start(problem, block, kinds, seed, move_cap)
    if dealt is not None:
        return dealt
    return first_start(problem, block, kinds, seed)


def _from_start(
    problem: Problem,
    block: Block,
    kinds: tuple[Kind, ...],
    start: Start,
    balance: int,
    status: Status,
    options: SolveOptions,
    deadline: float,
    move_cap: int | None,
    search: bool,
) -> BlockResult:
    """The block's roster from its start, with the fewest moves on a re-run (an optimal start's
    balance is its own bound)."""
    bound = balance if status is Status.OPTIMAL else 0
    if problem.previous and search:
        from empower_cli.search import keep_earlier

        found = keep_earlier(problem, block, kinds, start[0], balance, options, deadline, move_cap)
    elif move_cap is not None:
        found = place_units(problem, kinds, block, start[0])
    else:
        found = placement_of(kinds, block, start[0])
    return BlockResult(found, status, balance, bound, False)


def _floored(problem: Problem, block: Block, judged: Worth, options: SolveOptions) -> Worth:
    """A start that reaches the family floors (model.bounds) of its block and repeats no more
    than it must is the best the block can do: it is marked perfect, and no model is needed
    (a locked pair of Nonbinary students in groups of exactly 16 puts two cells out in any
    roster of their block)."""
    if judged.repeats > judged.least_repeats:
        return judged
    floors = family_floors(problem, options.time_limit, options.reproducible, block)
    if judged.balance > weighted_floor(problem, floors):
        return judged
    return replace(judged, proven=True)


def solve_block(
    problem: Problem,
    block: Block,
    options: SolveOptions,
    on_progress: BlockProgress | None = None,
    *,
    search: bool = True,
    move_cap: int | None = None,
    repeat_cap: int | None = None,
    dealt: Start | None = None,
) -> BlockResult:
    """Solve one block. `dealt` is the block's start when it was dealt already (see
    `deal_starts`).

    A start that keeps every rule and is perfect (every cell in band, no repeat that could be
    avoided) is optimal without a model. With `search` False, or when the search ends (time
    limit, Ctrl-C) before finding better, a start that keeps every rule is the answer. On a
    re-run (`--previous`) a second search keeps the balance found and moves as few earlier
    students as it can, at most `move_cap`; `repeat_cap` caps the block's repeated pairs."""
    deadline = time.perf_counter() + options.time_limit
    started = time.perf_counter()
    # On a re-run the balance is found first with kinds by profile alone (far fewer kinds, and
    # the groups stay interchangeable); the moves are then minimised with kinds that carry
    # the earlier groups. A --max-moves cap needs those kinds from the start.
    if not problem.previous:
        move_cap = None
    kinds = kinds_of(problem, block, fold=move_cap is not None)
    plain = None if problem.previous or not search else without_earlier(problem)
    # With --avoid-groupmates and one block of every group, a start over every earlier group is
    # dear (4.5 s for the 300 example students, whose locks keep a pair of groupmates
    # together) and rarely perfect; the two phases below find its balance and repeats anyway.
    # It is dealt only when a --max-repeats cap sends the block to the one model.
    deferred = plain is not None and dealt is None and len(block.groups) == problem.n_groups
    start = None if deferred else _block_start(problem, block, kinds, options.seed, move_cap, dealt)
    if start is not None:
        judged = worth(problem, kinds, len(block.groups), start[1])
        if judged.valid(repeat_cap) and not judged.perfect and search:
            judged = _floored(problem, block, judged, options)
        if judged.valid(repeat_cap) and (judged.perfect or not search):
            if on_progress is not None:
                low = judged.balance if judged.perfect else 0
                on_progress(judged.balance, low, time.perf_counter() - started)
            status = Status.OPTIMAL if judged.perfect else Status.FEASIBLE
            return _from_start(
                problem,
                block,
                kinds,
                start,
                judged.balance,
                status,
                options,
                deadline,
                move_cap,
                search,
            )
    # --avoid-groupmates: the balance first, with kinds as if there were no earlier file, then
    # the fewest repeats at that balance (a re-run keeps one phase). Under a --max-repeats cap
    # that roster is the answer only when it keeps the cap (its balance, found without the
    # cap, is then the best under it too); else the one model with the cap searches on.
    if plain is not None:
        cap = repeat_cap if repeat_cap is not None else problem.max_repeats
        found = _balance_then_repeats(
            problem, plain, block, kinds, start, options, deadline, on_progress
        )
        if cap is None or repeats_among(problem, found.placement, list(block.units)) <= cap:
            return found
        if deferred:
            start = _block_start(problem, block, kinds, options.seed, move_cap, dealt)
        if found.interrupted:  # Ctrl-C: no further search, the start if it keeps the cap
            return _capped_start(problem, block, kinds, start, cap)
    from empower_cli.search import search_block  # loads OR-Tools: only now is a model needed

    return BlockResult(
        *search_block(
            problem,
            block,
            kinds,
            start,
            options,
            on_progress,
            move_cap=move_cap,
            repeat_cap=repeat_cap,
            deadline=deadline,
        )
    )


def _capped_start(
    problem: Problem, block: Block, kinds: tuple[Kind, ...], start: Start | None, cap: int
) -> BlockResult:
    """After Ctrl-C, when the roster found breaks --max-repeats: the start when it keeps every
    rule and the cap; else the run stops without rosters."""
    if start is not None:
        judged = worth(problem, kinds, len(block.groups), start[1])
        if judged.valid(cap):
            placement = placement_of(kinds, block, start[0])
            return BlockResult(placement, Status.FEASIBLE, judged.balance, 0, True)
    raise StoppedError(STOPPED)


def _balance_then_repeats(
    problem: Problem,
    plain: Problem,
    block: Block,
    kinds: tuple[Kind, ...],
    start: Start | None,
    options: SolveOptions,
    deadline: float,
    on_progress: BlockProgress | None,
) -> BlockResult:
    """--avoid-groupmates without --max-repeats, when the start is not perfect: the best
    balance first, solved in `plain` (the problem without its earlier groups, see
    kinds.without_earlier) whose kinds merge as if there were no earlier file; then the
    fewest repeated groupmates that keep that balance, over the block's own `kinds`. `start`
    (over `kinds`) hints the second phase when it is as balanced and repeats less."""
    left = max(0.5, deadline - time.perf_counter())
    first = solve_block(plain, block, replace(options, time_limit=left), on_progress)
    if first.interrupted:
        return first
    from empower_cli.search import fewest_repeats  # a model is needed: OR-Tools loads

    hint = first.placement
    if start is not None:
        judged = worth(problem, kinds, len(block.groups), start[1])
        found = repeats_among(problem, hint, list(block.units))
        if not judged.broken and (judged.balance, judged.repeats) <= (first.objective, found):
            hint = placement_of(kinds, block, start[0])
    placement, proven, interrupted = fewest_repeats(
        problem, block, kinds, hint, first.objective, options, deadline
    )
    # the balance may be proven best while the repeats at that balance are not
    status = first.status if proven else Status.FEASIBLE
    return BlockResult(placement, status, first.objective, first.bound, interrupted)


#: What the processes that deal starts in parallel read: set just before they are forked, so
#: each inherits the problem and the blocks instead of receiving a pickled copy.
_SHARED: tuple[Problem, list[Block], int] | None = None


def _leave_ctrl_c() -> None:
    """In a dealing process: Ctrl-C is the main process's to handle (it stops the pool), so
    the workers never print a traceback of their own."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _start_of(index: int) -> Start | None:
    """The start of block `index` of _SHARED (run in a forked process)."""
    assert _SHARED is not None
    problem, blocks, seed = _SHARED
    block = blocks[index]
    return first_start(problem, block, kinds_of(problem, block), seed)


def deal_starts(
    problem: Problem, blocks: list[Block], seed: int, processes: int
) -> dict[Block, Start | None]:
    """The start of every block (pure Python, each on its own), dealt by `processes` forked
    processes at once. Where processes cannot be forked (not Linux), or there is one process
    or one block, nothing is dealt ahead and each block deals its own start when its turn
    comes. Each start depends only on its block and the seed, so the rosters are the same
    either way."""
    global _SHARED  # handed to the forked processes, see _SHARED
    if processes < 2 or len(blocks) < 2 or sys.platform != "linux":
        return {}
    _SHARED = (problem, blocks, seed)
    try:
        context = multiprocessing.get_context("fork")
        with context.Pool(min(processes, len(blocks)), initializer=_leave_ctrl_c) as pool:
            starts = pool.map(_start_of, range(len(blocks)), chunksize=1)
    finally:
        _SHARED = None
    return dict(zip(blocks, starts, strict=True))


#: Below this many students the blocks' starts are dealt one after another, not by a pool of
#: processes: at 300 students in 60 groups each takes 10-60 ms, less than forking the pool
#: (0.26 s with the pool, 0.14 s without, measured on 2 cores).
POOL_STUDENTS = 2_000
#: Blocks of at most this many groups are solved as one model; larger ones are split in two.
LEAF_GROUPS = 24
#: Seconds of search a leaf block of a large cohort gets before it is merged instead.
LEAF_SEARCH = 1.5
#: A block that misses perfect balance is merged with its neighbour up to this many groups.
MERGE_GROUPS = 4 * LEAF_GROUPS
#: ... or this many when families beyond class years and interests make nearly every unit a
#: kind of its own, so that a merged block is dear to deal and search.
MERGE_GROUPS_MANY_KINDS = 2 * LEAF_GROUPS


def merge_limit(problem: Problem) -> int:
    """The most groups a merged block of a large cohort may hold."""
    many = len(problem.family_list) > 2 or problem.at_least or problem.no_lone
    return MERGE_GROUPS_MANY_KINDS if many else MERGE_GROUPS


def _leaves(problem: Problem, block: Block, options: SolveOptions) -> list[Block]:
    """Split `block` recursively until every piece has at most LEAF_GROUPS groups."""
    if len(block.groups) <= LEAF_GROUPS:
        return [block]
    from empower_cli.model.split import split  # loads OR-Tools: only large cohorts split

    left, right = split(
        problem,
        block,
        seed=options.seed,
        time_limit=options.time_limit,
        reproducible=options.reproducible,
    )
    return _leaves(problem, left, options) + _leaves(problem, right, options)


def _dealt_all(dealt: dict[Block, Start | None], blocks: list[Block]) -> bool:
    """Whether every block left has its start dealt already: with the blocks done, a complete
    roster, which Ctrl-C must not lose."""
    return all(dealt.get(block) is not None for block in blocks)


def _merge(a: Block, b: Block) -> Block:
    return Block(tuple(sorted(a.groups + b.groups)), tuple(sorted(a.units + b.units)))


@dataclass
class _Run:
    """The state of a solve over blocks: the queue still to solve and what is done."""

    problem: Problem
    options: SolveOptions
    on_progress: Progress | None
    blocks: list[Block]
    dealt: dict[Block, Start | None]
    started: float = field(default_factory=time.perf_counter)
    queue: list[Block] = field(default_factory=list)
    solved: list[tuple[Block, BlockResult]] = field(default_factory=list)
    placement: dict[int, int] = field(default_factory=dict)
    interrupted: bool = False
    current: Block | None = None
    """The block being solved, until it is recorded or merged."""
    parts: dict[Block, tuple[Block, Block]] = field(default_factory=dict)
    """What each merged block was merged from."""
    handed_out: float = 0.0
    """The budgets given to blocks so far: the clock of a reproducible run."""

    def report(self, objective: int, bound: int, elapsed: float) -> None:
        if self.on_progress is None:
            return
        if len(self.blocks) == 1:
            self.on_progress(objective, bound, elapsed, None)
        else:
            done = sum(result.objective for _, result in self.solved)
            placed = sum(len(block.groups) for block, _ in self.solved)
            self.on_progress(done + objective, 0, elapsed, (placed, self.problem.n_groups))

    def remaining(self) -> float:
        """Time (or, reproducibly, work) left of the limit."""
        if self.options.reproducible:
            return self.options.time_limit - self.handed_out
        return self.options.time_limit - (time.perf_counter() - self.started)

    def budget(self, block: Block) -> SolveOptions:
        """The next block's share of what is left. A leaf block of a large cohort gets at
        most LEAF_SEARCH seconds: one its start leaves imperfect is better merged with its
        neighbour (and dealt again) than searched long alone."""
        left = self.remaining()
        share = left if len(self.blocks) == 1 else left / (len(self.queue) + 1)
        if len(self.blocks) > 1 and len(block.groups) <= LEAF_GROUPS:
            share = min(share, LEAF_SEARCH)
        budget = replace(self.options, time_limit=max(0.5, share))
        self.handed_out += budget.time_limit
        return budget

    def caps(self) -> tuple[int | None, int | None]:
        """(moves, repeats) the next block may still use of --max-moves and --max-repeats."""
        problem = self.problem
        move_cap = repeat_cap = None
        if problem.max_moves is None and problem.max_repeats is None:
            return None, None  # nothing to count (the count walks every block solved so far)
        units = [u for block, _ in self.solved for u in block.units]
        if problem.max_moves is not None:  # blocks in turn share what the earlier ones left
            moved = sum(
                1 for u in units for g in problem.units[u].previous if g != self.placement[u]
            )
            move_cap = problem.max_moves - moved
        if problem.max_repeats is not None:
            repeat_cap = problem.max_repeats - repeats_among(problem, self.placement, units)
        return move_cap, repeat_cap

    def restart_whole(self) -> None:
        """Solve every group as one model (which can also prove what balance is possible)."""
        self.queue, self.solved, self.blocks = [whole(self.problem)], [], [whole(self.problem)]
        self.current = None

    def at_floor(self, block: Block, result: BlockResult) -> bool:
        """Whether the blocks solved, with this one, already add up to no more than the
        cohort's floor: nothing a merge finds could be better (a locked pair of Nonbinary
        students in groups of exactly 16 puts two cells out in any roster)."""
        if result.status is not Status.OPTIMAL or not self.repeats_forced(block, result):
            return False
        done = sum(r.objective for _, r in self.solved) + result.objective
        floors = family_floors(self.problem, self.options.time_limit, self.options.reproducible)
        return done <= weighted_floor(self.problem, floors)

    def repeats_avoidable(self, block: Block, result: BlockResult) -> bool:
        """Whether a block of a cohort of at most MERGE_GROUPS groups, split in blocks,
        repeats earlier groupmates that one model of every group may avoid."""
        split = len(block.groups) < self.problem.n_groups
        small = self.problem.n_groups <= MERGE_GROUPS
        return split and small and not self.repeats_forced(block, result)

    def repeats_forced(self, block: Block, result: BlockResult) -> bool:
        """Whether the blocks solved so far and `block` repeat no more earlier groupmates than
        every roster of the cohort must (--avoid-groupmates): a block's fewest repeats may
        be more than its groups need in a model of more groups."""
        if not self.problem.earlier_families:
            return True
        placement = {**self.placement, **result.placement}
        units = [u for done, _ in self.solved for u in done.units] + list(block.units)
        return _repeats_forced(self.problem, placement, units)

    def merge_or_keep(self, block: Block, result: BlockResult, left: float) -> bool:
        """After a block that missed perfect balance: True when it was sent back to be solved
        again, with every group or merged with a neighbour. A cohort small enough for one
        model is also solved whole when a block repeats more earlier groupmates than the
        cohort must (--avoid-groupmates), even at perfect balance: a model of every group can
        avoid what a block's fewer groups could not."""
        if self.interrupted or left <= 1.0:
            return False
        if self.repeats_avoidable(block, result):
            self.restart_whole()
            return True
        if not result.objective:
            return False
        if not (self.queue or self.solved) or self.at_floor(block, result):
            return False
        if self.problem.n_groups <= MERGE_GROUPS:
            self.restart_whole()
            return True
        neighbour = self.queue[0] if self.queue else self.solved[-1][0]
        if len(block.groups) + len(neighbour.groups) > merge_limit(self.problem):
            return False
        merged = _merge(block, neighbour)
        self.parts[merged] = (block, neighbour)
        if self.queue:
            self.queue[0] = merged
        else:
            self.solved.pop()
            self.queue.insert(0, merged)
        self.current = None
        return True

    def solve_next(self) -> None:
        block = self.queue.pop(0)
        self.current = block
        try:
            self._solve(block)
        except KeyboardInterrupt:
            self._ctrl_c()

    def _ctrl_c(self) -> None:
        """Ctrl-C anywhere in the loop (most often while a block's start is dealt, Python in
        this thread): the blocks done are kept and the rest get their start without a
        search; a merged block not yet solved goes back to its parts, whose starts were
        dealt. With nothing found yet, or at a second Ctrl-C, the run stops without rosters."""
        pending = [self.current] if self.current is not None else []
        left_to_do = [part for b in [*pending, *self.queue] for part in self._parts_of(b)]
        if (self.interrupted or len(self.blocks) == 1) and not _dealt_all(self.dealt, left_to_do):
            raise KeyboardInterrupt
        if not _dealt_all(self.dealt, left_to_do):
            left_to_do = [*pending, *self.queue]  # their starts are dealt in turn, unsearched
        self.interrupted = True
        self.queue = left_to_do
        self.current = None

    def _parts_of(self, block: Block) -> list[Block]:
        """The blocks whose starts were dealt that a merged block is made of."""
        if block in self.dealt or block not in self.parts:
            return [block]
        first, second = self.parts[block]
        return self._parts_of(first) + self._parts_of(second)

    def _solve(self, block: Block) -> None:
        left = self.remaining()
        budget = self.budget(block)
        move_cap, repeat_cap = self.caps()
        try:
            result = solve_block(
                self.problem,
                block,
                budget,
                self.report,
                search=not self.interrupted,
                move_cap=move_cap,
                repeat_cap=repeat_cap,
                dealt=self.dealt.get(block),
            )
        except InfeasibleError:
            if len(block.groups) == self.problem.n_groups:
                raise
            # A block can be infeasible where the whole is not (say, pins crowding one half):
            # only one model of every group can tell.
            self.restart_whole()
            return
        self.interrupted |= result.interrupted
        if self.merge_or_keep(block, result, left):
            return
        self.placement.update(result.placement)
        self.solved.append((block, result))
        self.current = None

    def assignment(self) -> Assignment:
        problem = self.problem
        objective = sum(result.objective for _, result in self.solved)
        if len(self.solved) == 1:  # one model held every group: the solver's own verdict stands
            _, only = self.solved[0]
            status, objective, bound = only.status, only.objective, only.bound
        else:
            bound = 0
            if objective > 0:
                bound = weighted_floor(problem, family_floors(problem, self.options.time_limit))
            # blocks each at their best can still add up to more than the cohort's best; what
            # they add up to is the cohort's best when it reaches the cohort's floor
            proven = objective == bound
            # a block proven best on repeats only where locks force them stays proven overall
            status = (
                Status.OPTIMAL
                if proven and _repeats_forced(problem, self.placement)
                else (Status.FEASIBLE)
            )
        # interchangeable units trade groups to bring --balance-mean means together
        placement = polish_spread(problem, self.placement)
        groups = [0] * problem.n_students
        for unit in problem.units:
            for member in unit.members:
                groups[member] = placement[unit.index]
        return Assignment(
            groups=tuple(groups),
            status=status,
            objective=objective,
            bound=bound,
            wall_time=time.perf_counter() - self.started,
            interrupted=self.interrupted,
        )


def _repeats_forced(
    problem: Problem, placement: dict[int, int], units: list[int] | None = None
) -> bool:
    """Whether every repeated pair among `units` (default: every unit) of the placement is
    one that no roster of the whole cohort avoids."""
    if not problem.earlier_families:
        return True
    if units is None:
        units = [u.index for u in problem.units]
    found = repeats_among(problem, placement, units)
    if not found:
        return True
    kinds = kinds_of(problem, whole(problem), fold=False)
    return found <= least_block_repeats(problem, kinds, problem.n_groups)


def _mended(problem: Problem, options: SolveOptions) -> tuple[Mended | None, bool]:
    """On a re-run: the earlier roster mended over every group at once (mend.py) when it keeps
    every rule and --max-moves, and whether its balance and repeats are proven the best
    possible (0 cells out or the family floors; no repeat that a roster could avoid)."""
    if any(f.kind == "bins" for f in problem.family_list):
        return None, False  # the spread of means is polished by swaps that would move students
    from empower_cli.mend import locked_floors, mend

    found = mend(problem, options.seed)
    if found is None or found.broken:
        return None, False
    if problem.max_moves is not None and found.moves > problem.max_moves:
        return None, False
    if found.repeats > found.least_repeats:
        return found, False
    if found.balance > weighted_floor(problem, locked := locked_floors(problem)):
        floors = family_floors(problem, options.time_limit, reproducible=options.reproducible)
        names = floors.keys() | locked.keys()
        best = {name: max(floors.get(name, 0), locked.get(name, 0)) for name in names}
        if found.balance > weighted_floor(problem, best):
            return found, False
    return found, True


def _groups_of(problem: Problem, placement: dict[int, int]) -> tuple[int, ...]:
    groups = [0] * problem.n_students
    for unit in problem.units:
        for member in unit.members:
            groups[member] = placement[unit.index]
    return tuple(groups)


def _better_mended(problem: Problem, mended: Mended, solved: Assignment) -> bool:
    """Whether a mended roster not proven best beats the blocks' roster: better balance, or as
    good with no more repeats and fewer moves."""
    if solved.interrupted or mended.balance > solved.objective:
        return False
    if mended.balance < solved.objective:
        return True
    units = [u.index for u in problem.units]
    placement = {u.index: solved.groups[u.members[0]] for u in problem.units}
    repeats = repeats_among(problem, placement, units)
    return (mended.repeats, mended.moves) < (repeats, problem.moves_of(solved.groups))


def solve(
    problem: Problem, options: SolveOptions, on_progress: Progress | None = None
) -> Assignment:
    """Groups for every student, with what the solver can say of their balance.

    Small cohorts are one model. Large ones are split into blocks of about LEAF_GROUPS groups,
    each with its proportional share of every kind of unit. When a block cannot reach perfect
    balance alone, a cohort of at most MERGE_GROUPS groups is solved again as one model (which
    can prove the best balance possible); a larger one merges the block with its neighbour, up
    to MERGE_GROUPS groups. A block the split made infeasible sends the whole cohort to one
    model too.
    """
    started = time.perf_counter()
    mended, proven = _mended(problem, options) if problem.previous else (None, False)
    if mended is not None and proven:
        interrupt.keep()  # a complete roster, which Ctrl-C must not lose
        elapsed = time.perf_counter() - started
        if on_progress is not None:
            on_progress(mended.balance, mended.balance, elapsed, None)
        groups = _groups_of(problem, mended.placement)
        return Assignment(groups, Status.OPTIMAL, mended.balance, mended.balance, elapsed)
    blocks = _leaves(problem, whole(problem), options)
    # On a re-run each block deals its start from the earlier groups, in its turn; so does
    # every block of a small cohort, whose starts take less than forking the pool.
    small = problem.n_students < POOL_STUDENTS
    processes = 1 if problem.previous or small else _processes(options)
    dealt = deal_starts(problem, blocks, options.seed, processes)
    run = _Run(problem, options, on_progress, blocks, dealt, started=started, queue=list(blocks))
    while run.queue:
        run.solve_next()
    interrupt.keep()  # every unit is placed: a complete roster that Ctrl-C must not lose
    solved = run.assignment()
    if mended is not None and _better_mended(problem, mended, solved):
        groups = _groups_of(problem, mended.placement)
        elapsed = time.perf_counter() - started
        return Assignment(groups, Status.FEASIBLE, mended.balance, solved.bound, elapsed)
    return solved
