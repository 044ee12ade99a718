"""Run CP-SAT on the counting model: parameters, the greedy hint, progress, Ctrl-C, the result.

The search is deterministic: CP-SAT's interleaved search gives the same answer for the same model,
parameters and seed whatever the thread timing, and the model itself is built in a fixed order.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from ortools.sat.python import cp_model

from empower_cli.errors import InfeasibleError, NoSolutionError
from empower_cli.model import Block, CountVars, Kind, add_floors, build, kinds_of, whole
from empower_cli.model.bounds import objective_floors
from empower_cli.model.limits import set_limit
from empower_cli.model.moves import carry_over, hint_moves, moves_in, place_units, stay_counts
from empower_cli.model.split import split
from empower_cli.model.symmetry import ordering
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


def _start(problem: Problem, block: Block, kinds: tuple[Kind, ...], seed: int) -> Start | None:
    """The greedy deal, repaired by local search: counts[k][g] that keep every hard rule (a
    roster in its own right) and their distance outside the bands; None when the greedy deal
    got stuck."""
    n_students = sum(problem.units[u].size for u in block.units)
    counts = greedy_counts(problem, kinds, len(block.groups), n_students)
    if counts is None:
        return None
    return counts, repair(problem, kinds, counts, seed=seed)


def _earlier_start(
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


#: Work (CP-SAT's deterministic time) allowed to the fewest-moves search of one block: a
#: measure of effort rather than of seconds, so the rosters do not depend on the machine.
MOVES_EFFORT = 1.5


def _fewest_moves(
    v: CountVars, counts: list[list[int]], objective: int, budget: float, options: SolveOptions
) -> list[list[int]]:
    """Second phase on a re-run: keep the balance found and move as few students as possible.
    `counts` (a roster of that balance) is the hint; they are returned when nothing better is
    found."""
    v.model.add(sum(v.distance.values()) <= objective)
    v.model.clear_hints()  # type: ignore[no-untyped-call]  # OR-Tools ships no annotations
    _hint_counts(v, counts)
    hint_moves(v, counts)
    v.model.minimize(v.moves)
    solver = cp_model.CpSolver()
    params = solver.parameters
    if not options.reproducible:  # else the fixed effort below is the only limit
        params.max_time_in_seconds = max(0.5, budget)
    # One worker proves the fewest moves far sooner here than an interleaved portfolio (the
    # linear relaxation's bound is usually tight), and is deterministic too.
    params.num_workers = 1
    params.max_deterministic_time = MOVES_EFFORT
    params.random_seed = options.seed
    params.catch_sigint_signal = False
    status = solver.solve(v.model)
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        better = [[solver.value(var) for var in row] for row in v.x]
        if moves_in(v.kinds, better) <= moves_in(v.kinds, counts):
            return better
    return counts


def _keep_earlier(
    problem: Problem,
    block: Block,
    kinds: tuple[Kind, ...],
    counts: list[list[int]],
    objective: int,
    options: SolveOptions,
    deadline: float,
    move_cap: int | None,
) -> dict[int, int]:
    """On a re-run, the roster of balance `objective` that moves fewest earlier students,
    as unit -> global group. `kinds` and `counts` are the balance search's; with a cap they
    already carry the earlier groups."""
    capped = move_cap is not None
    folded = kinds if capped else kinds_of(problem, block)
    if not capped:
        # the best start: earlier groups kept, newcomers dealt, repaired (when that reaches
        # the balance found); else the roster found, relabelled
        start = _earlier_start(problem, block, folded, options.seed, None)
        if start is not None and start[1] <= objective:
            counts = start[0]
        else:
            counts = carry_over(problem, kinds, counts, folded)
    if moves_in(folded, counts):
        v = build(problem, block, folded, move_cap=move_cap)
        if v.moves is not None:
            budget = deadline - time.perf_counter()
            counts = _fewest_moves(v, counts, objective, budget, options)
    return place_units(problem, folded, block, counts)


def _hint_counts(v: CountVars, counts: list[list[int]]) -> None:
    """Hint every count variable and the distance outside the band that those counts give."""
    for k, row in enumerate(counts):
        for g, value in enumerate(row):
            v.model.add_hint(v.x[k][g], value)
    for (c, g), var in v.distance.items():
        low, high = v.problem.band(c)
        count = sum(kind.profile[c] * counts[k][g] for k, kind in enumerate(v.kinds))
        v.model.add_hint(var, max(0, count - high, low - count))


def _add_hint(v: CountVars, counts: list[list[int]]) -> None:
    """Pass a start to the solver as a complete hint (counts and distances), relabelled so that
    it respects the symmetry-breaking order."""
    order = ordering(v)
    if order is not None:
        kind, free = order
        before = counts
        ranked = sorted(free, key=lambda g: (-before[kind][g], g))
        relabel = dict(zip(free, ranked, strict=True))
        counts = [[row[relabel.get(g, g)] for g in range(v.n_groups)] for row in counts]
    _hint_counts(v, counts)


def _placement(kinds: tuple[Kind, ...], block: Block, counts: list[list[int]]) -> dict[int, int]:
    """Unit -> global group, handing each kind's units out in index order."""
    placement: dict[int, int] = {}
    for k, kind in enumerate(kinds):
        units = iter(kind.units)
        for g, count in enumerate(counts[k]):
            for _ in range(count):
                placement[next(units)] = block.groups[g]
    return placement


class _Watcher(cp_model.CpSolverSolutionCallback):
    """Reports each improving solution to the progress callback.

    An exception must not cross into the solver's C++ thread (it aborts the process), so one
    raised by the progress callback is kept, the search stopped, and the error raised again
    once the solver has returned."""

    def __init__(self, on_progress: BlockProgress | None, started: float) -> None:
        super().__init__()
        self._on_progress = on_progress
        self._started = started
        self.error: BaseException | None = None

    def on_solution_callback(self) -> None:
        if self._on_progress is None or self.error is not None:
            return
        try:
            self._on_progress(
                round(self.objective_value),
                round(self.best_objective_bound),
                time.perf_counter() - self._started,
            )
        except BaseException as error:  # kept, and raised again in the caller's thread
            self.error = error
            self.stop_search()


def _run(solver: cp_model.CpSolver, model: cp_model.CpModel, watcher: _Watcher) -> Any:
    """Solve in a worker thread so that Ctrl-C in the main thread can stop the search and keep
    the best solution found so far. Returns (status, interrupted)."""
    result: dict[str, Any] = {}
    finished = threading.Event()

    def target() -> None:
        try:
            result["status"] = solver.solve(model, watcher)
        finally:
            finished.set()

    # Waiting on an Event (not Thread.join, which a KeyboardInterrupt can leave in a state
    # where the thread looks finished while it still runs) until the solver returns.
    thread = threading.Thread(target=target, name="cp-sat", daemon=True)
    thread.start()
    interrupted = False
    while not finished.is_set():
        try:
            finished.wait(0.05)
        except KeyboardInterrupt:
            interrupted = True
            solver.stop_search()
    thread.join()
    if watcher.error is not None:
        raise watcher.error
    return result["status"], interrupted


def solve_block(
    problem: Problem,
    block: Block,
    options: SolveOptions,
    on_progress: BlockProgress | None = None,
    *,
    search: bool = True,
    move_cap: int | None = None,
) -> tuple[dict[int, int], Status, int, int, bool]:
    """Solve one block: (unit -> global group, status, objective, bound, interrupted).

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
        start = _earlier_start(problem, block, kinds, options.seed, move_cap)
    else:
        start = _start(problem, block, kinds, options.seed)
    if start is not None and (start[1] == 0 or not search):
        # A start with every cell in band is optimal (the distance cannot go below 0): no
        # model is needed to prove it.
        if on_progress is not None:
            on_progress(start[1], 0, time.perf_counter() - started)
        done = Status.OPTIMAL if start[1] == 0 else Status.FEASIBLE
        if rerun and search:
            found = _keep_earlier(
                problem, block, kinds, start[0], start[1], options, deadline, move_cap
            )
            return found, done, start[1], 0, False
        if capped:
            return place_units(problem, kinds, block, start[0]), done, start[1], 0, False
        return _placement(kinds, block, start[0]), done, start[1], 0, False
    v = build(problem, block, kinds, move_cap=move_cap)
    if start is not None:
        _add_hint(v, start[0])
        hint_moves(v, start[0])
    if len(block.groups) == problem.n_groups:
        add_floors(v, _floors(problem, options))
    solver = cp_model.CpSolver()
    params = solver.parameters
    left = options.time_limit if options.reproducible else deadline - time.perf_counter()
    set_limit(params, max(0.1, left), reproducible=options.reproducible)
    params.num_workers = options.workers or default_workers()
    params.interleave_search = True
    params.random_seed = options.seed
    params.catch_sigint_signal = False  # Ctrl-C reaches Python, which stops the search itself
    status, interrupted = _run(solver, v.model, _Watcher(on_progress, started))
    if status == cp_model.INFEASIBLE:
        raise InfeasibleError(
            "the locked pairs, apart pairs, pins and group sizes cannot all hold at once: "
            "no arrangement of the students meets them together. Remove some of the locks, "
            "apart pairs or pins and run again."
        )
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        counts = [[solver.value(var) for var in row] for row in v.x]
        done = Status.OPTIMAL if status == cp_model.OPTIMAL else Status.FEASIBLE
        objective, bound = round(solver.objective_value), round(solver.best_objective_bound)
        if rerun and not interrupted:
            found = _keep_earlier(
                problem, block, kinds, counts, objective, options, deadline, move_cap
            )
            return found, done, objective, bound, interrupted
        if capped:
            return place_units(problem, kinds, block, counts), done, objective, bound, interrupted
        return _placement(kinds, block, counts), done, objective, bound, interrupted
    if start is not None:
        if capped:
            found = place_units(problem, kinds, block, start[0])
            return found, Status.FEASIBLE, start[1], 0, interrupted
        return _placement(kinds, block, start[0]), Status.FEASIBLE, start[1], 0, interrupted
    if interrupted:
        raise NoSolutionError("stopped by Ctrl-C before any rosters were found.")
    raise NoSolutionError("no rosters were found within the time limit. Try a longer --time-limit.")


#: Blocks of at most this many groups are solved as one model; larger ones are split in two.
LEAF_GROUPS = 24
#: A block that misses perfect balance is merged with its neighbour up to this many groups.
MERGE_GROUPS = 4 * LEAF_GROUPS


def _floors(problem: Problem, options: SolveOptions) -> tuple[int, ...]:
    """Per-category lower bounds on the objective. Each is a small model that usually proves
    its optimum in milliseconds; the limit only guards against a pathological one."""
    share = min(2.0, max(0.5, options.time_limit / 10 / max(1, len(problem.categories))))
    return objective_floors(problem, time_limit=share, reproducible=options.reproducible)


def _leaves(problem: Problem, block: Block, options: SolveOptions) -> list[Block]:
    """Split `block` recursively until every piece has at most LEAF_GROUPS groups."""
    if len(block.groups) <= LEAF_GROUPS:
        return [block]
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
                problem, block, budget, report, search=not interrupted, move_cap=cap
            )
        except KeyboardInterrupt:
            if interrupted or len(blocks) == 1:
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

    objective = sum(entry[2] for entry in solved)
    if len(solved) == 1:  # one model held every group: the solver's own verdict stands
        _, status, objective, bound = solved[0]
    else:
        bound = sum(_floors(problem, options)) if objective > 0 else 0
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
