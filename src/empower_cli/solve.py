"""From a Problem to an Assignment: blocks, the constructive start, and when it is needed, the
CP-SAT search (search.py), with progress and Ctrl-C.

The search is deterministic: CP-SAT's interleaved search gives the same answer for the same model,
parameters and seed whatever the thread timing, and the model itself is built in a fixed order.
OR-Tools is imported only when a model is needed (search.py, and the split of large cohorts): a
cohort whose start is already perfectly balanced is done without it, a tenth of a second sooner.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

from empower_cli import interrupt
from empower_cli.errors import InfeasibleError
from empower_cli.model.kinds import Block, Kind, kinds_of, whole
from empower_cli.model.moves import moves_in, place_units, stay_counts
from empower_cli.records import Assignment, Problem, Status
from empower_cli.start import greedy_counts, repair

#: Called with (objective, bound, elapsed seconds, part) on each improving solution; part is
#: (groups done, groups) when a large cohort is solved block by block, else None.
Progress = Callable[[int, int, float, tuple[int, int] | None], None]
#: What one block's search reports: (objective, bound, elapsed seconds).
BlockProgress = Callable[[int, int, float], None]
#: A start for one block: counts[k][g] and their distance outside the bands.
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


def _processes(options: SolveOptions) -> int:
    """How many processes deal the blocks' starts: as many as solver workers."""
    return options.workers or default_workers()


def _start(problem: Problem, block: Block, kinds: tuple[Kind, ...], seed: int) -> Start | None:
    """The greedy deal, repaired by local search: counts[k][g] that keep every hard rule (a
    roster in its own right) and their distance outside the bands; None when the greedy deal
    got stuck."""
    n_students = sum(problem.units[u].size for u in block.units)
    counts = greedy_counts(problem, kinds, len(block.groups), n_students)
    if counts is None:
        return None
    return counts, repair(problem, kinds, counts, seed=seed)


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


def placement_of(kinds: tuple[Kind, ...], block: Block, counts: list[list[int]]) -> dict[int, int]:
    """Unit -> global group, handing each kind's units out in index order."""
    placement: dict[int, int] = {}
    for k, kind in enumerate(kinds):
        units = iter(kind.units)
        for g, count in enumerate(counts[k]):
            for _ in range(count):
                placement[next(units)] = block.groups[g]
    return placement


def solve_block(
    problem: Problem,
    block: Block,
    options: SolveOptions,
    on_progress: BlockProgress | None = None,
    *,
    search: bool = True,
    move_cap: int | None = None,
    dealt: Start | None = None,
) -> tuple[dict[int, int], Status, int, int, bool]:
    """Solve one block: (unit -> global group, status, objective, bound, interrupted).
    `dealt` is the block's start when it was dealt already (see `deal_starts`).

    With `search` False, or when the search ends (time limit, Ctrl-C) before finding better,
    the repaired greedy deal is the answer. On a re-run (`--previous`) a second search keeps
    the balance found and moves as few earlier students as it can, at most `move_cap`."""
    deadline = time.perf_counter() + options.time_limit
    started = time.perf_counter()
    # On a re-run the balance is found first with kinds by profile alone (far fewer kinds, and
    # the groups stay interchangeable); the moves are then minimised with kinds that carry
    # the earlier groups. A --max-moves cap needs those kinds from the start.
    rerun = bool(problem.previous)
    if not rerun:
        move_cap = None
    capped = move_cap is not None
    kinds = kinds_of(problem, block, fold=capped)
    if capped:
        start = earlier_start(problem, block, kinds, options.seed, move_cap)
    elif dealt is not None:
        start = dealt
    else:
        start = _start(problem, block, kinds, options.seed)
    if start is not None and (start[1] == 0 or not search):
        # A start with every cell in band is optimal (the distance cannot go below 0): no
        # model is needed to prove it.
        if on_progress is not None:
            on_progress(start[1], 0, time.perf_counter() - started)
        done = Status.OPTIMAL if start[1] == 0 else Status.FEASIBLE
        if rerun and search:
            from empower_cli.search import keep_earlier

            found = keep_earlier(
                problem, block, kinds, start[0], start[1], options, deadline, move_cap
            )
            return found, done, start[1], 0, False
        if capped:
            return place_units(problem, kinds, block, start[0]), done, start[1], 0, False
        return placement_of(kinds, block, start[0]), done, start[1], 0, False
    from empower_cli.search import search_block  # loads OR-Tools: only now is a model needed

    return search_block(
        problem, block, kinds, start, options, on_progress, move_cap=move_cap, deadline=deadline
    )


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
    return _start(problem, block, kinds_of(problem, block), seed)


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


#: Blocks of at most this many groups are solved as one model; larger ones are split in two.
LEAF_GROUPS = 24
#: A block that misses perfect balance is merged with its neighbour up to this many groups.
MERGE_GROUPS = 4 * LEAF_GROUPS


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


def _moved(
    problem: Problem, placement: dict[int, int], solved: list[tuple[Block, Status, int, int]]
) -> int:
    """Returning students that the blocks solved so far have moved."""
    units = [u for entry in solved for u in entry[0].units]
    return sum(1 for u in units for g in problem.units[u].previous if g != placement[u])


def _dealt_all(dealt: dict[Block, Start | None], blocks: list[Block]) -> bool:
    """Whether every block left has its start dealt already: with the blocks done, a complete
    roster, which Ctrl-C must not lose."""
    return all(dealt.get(block) is not None for block in blocks)


def _merge(a: Block, b: Block) -> Block:
    return Block(tuple(sorted(a.groups + b.groups)), tuple(sorted(a.units + b.units)))


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
    blocks = _leaves(problem, whole(problem), options)
    # On a re-run each block deals its start from the earlier groups, in its turn.
    processes = 1 if problem.previous else _processes(options)
    dealt = deal_starts(problem, blocks, options.seed, processes)
    queue = list(blocks)
    solved: list[tuple[Block, Status, int, int]] = []  # block, status, objective, bound
    placement: dict[int, int] = {}
    interrupted = False
    handed_out = 0.0  # the budgets given to blocks so far: the clock of a reproducible run

    def report(objective: int, bound: int, elapsed: float) -> None:
        if on_progress is None:
            return
        if len(blocks) == 1:
            on_progress(objective, bound, elapsed, None)
        else:
            done = sum(entry[2] for entry in solved)
            placed = sum(len(entry[0].groups) for entry in solved)
            on_progress(done + objective, 0, elapsed, (placed, problem.n_groups))

    while queue:
        block = queue.pop(0)
        elapsed = handed_out if options.reproducible else time.perf_counter() - started
        remaining = options.time_limit - elapsed
        share = remaining if len(blocks) == 1 else remaining / (len(queue) + 1)
        budget = replace(options, time_limit=max(0.5, share))
        handed_out += budget.time_limit
        cap = None
        if problem.max_moves is not None:  # blocks in turn share what the earlier ones left
            cap = problem.max_moves - _moved(problem, placement, solved)
        try:
            found, status, objective, bound, stopped = solve_block(
                problem,
                block,
                budget,
                report,
                search=not interrupted,
                move_cap=cap,
                dealt=dealt.get(block),
            )
        except KeyboardInterrupt:
            if (interrupted or len(blocks) == 1) and not _dealt_all(dealt, [block, *queue]):
                raise  # nothing found yet, or a second Ctrl-C: stop without rosters
            # Ctrl-C while this block's start was being dealt (Python, in this thread): the
            # blocks done are kept and the rest get their start without a search.
            interrupted = True
            queue.insert(0, block)
            continue
        except InfeasibleError:
            if len(block.groups) == problem.n_groups:
                raise
            # A block can be infeasible where the whole is not (say, pins crowding one half):
            # only one model of every group can tell.
            queue, solved, blocks = [whole(problem)], [], [whole(problem)]
            continue
        interrupted |= stopped
        if objective > 0 and not interrupted and remaining > 1.0 and (queue or solved):
            if problem.n_groups <= MERGE_GROUPS:
                # Small enough for one model, which can also prove what balance is possible.
                queue, solved, blocks = [whole(problem)], [], [whole(problem)]
                continue
            neighbour = queue[0] if queue else solved[-1][0]
            if len(block.groups) + len(neighbour.groups) <= MERGE_GROUPS:
                if queue:
                    queue.pop(0)
                else:
                    solved.pop()
                queue.insert(0, _merge(block, neighbour))
                continue
        placement.update(found)
        solved.append((block, status, objective, bound))

    interrupt.keep()  # every unit is placed: a complete roster that Ctrl-C must not lose
    objective = sum(entry[2] for entry in solved)
    if len(solved) == 1:  # one model held every group: the solver's own verdict stands
        _, status, objective, bound = solved[0]
    else:
        if objective > 0:
            from empower_cli.search import floors

            bound = sum(floors(problem, options))
        else:
            bound = 0
        status = Status.OPTIMAL if objective == bound else Status.FEASIBLE
    groups = [0] * problem.n_students
    for unit in problem.units:
        for member in unit.members:
            groups[member] = placement[unit.index]
    return Assignment(
        groups=tuple(groups),
        status=status,
        objective=objective,
        bound=bound,
        wall_time=time.perf_counter() - started,
        interrupted=interrupted,
    )
