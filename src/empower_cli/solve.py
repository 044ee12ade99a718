"""Run CP-SAT on the counting model: parameters, the greedy hint, progress, Ctrl-C, the result.

The search is deterministic: CP-SAT's interleaved search gives the same answer for the same model,
parameters and seed whatever the thread timing, and the model itself is built in a fixed order.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ortools.sat.python import cp_model

from empower_cli.errors import InfeasibleError, NoSolutionError
from empower_cli.model import Block, CountVars, add_floors, build, whole
from empower_cli.model.bounds import objective_floors
from empower_cli.model.moves import (
    carry_over,
    hint_moves,
    moves_in,
    place_units,
    stay_counts,
)
from empower_cli.model.split import split
from empower_cli.model.symmetry import ordering
from empower_cli.records import Assignment, Problem, Status
from empower_cli.start import greedy_counts, repair

#: Called with (objective, bound, elapsed seconds, part) on each improving solution; part is
#: (groups done, groups) when a large cohort is solved block by block, else None.
Progress = Callable[[int, int, float, tuple[int, int] | None], None]
#: What one block's search reports: (objective, bound, elapsed seconds).
BlockProgress = Callable[[int, int, float], None]


@dataclass(frozen=True, slots=True)
class SolveOptions:
    time_limit: float = 60.0
    seed: int = 0
    workers: int = 0
    """Search workers; 0 means one per core."""


def default_workers() -> int:
    return max(1, min(8, os.cpu_count() or 1))


def _moves_in(v: CountVars, counts: list[list[int]]) -> int:
    """The students that counts[k][g] move (0 when no earlier run is given)."""
    return moves_in(v.kinds, counts)


#: Work (CP-SAT's deterministic time) allowed to the fewest-moves search of one block: a
#: measure of effort rather than of seconds, so the rosters do not depend on the machine.
MOVES_EFFORT = 1.5


def _fewest_moves(
    v: CountVars, counts: list[list[int]], objective: int, budget: float, options: SolveOptions
) -> tuple[list[list[int]], bool]:
    """Second phase on a re-run: keep the balance found and move as few students as possible.
    `counts` (a roster of that balance) is the hint. Returns the counts (those given when
    nothing better is found) and whether the fewest moves are proven."""
    v.model.add(sum(v.distance.values()) <= objective)
    v.model.clear_hints()  # type: ignore[no-untyped-call]  # OR-Tools ships no annotations
    for k, row in enumerate(counts):
        for g, value in enumerate(row):
            v.model.add_hint(v.x[k][g], value)
    for (c, g), var in v.distance.items():
        low, high = v.problem.band(c)
        count = sum(kind.profile[c] * counts[k][g] for k, kind in enumerate(v.kinds))
        v.model.add_hint(var, max(0, count - high, low - count))
    hint_moves(v, counts)
    v.model.minimize(v.moves)
    solver = cp_model.CpSolver()
    params = solver.parameters
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
        if _moves_in(v, better) <= _moves_in(v, counts):
            return better, status == cp_model.OPTIMAL
    return counts, False


def _hint(
    v: CountVars, seed: int, move_cap: int | None = None
) -> tuple[list[list[int]], int] | None:
    """Pass the greedy deal, repaired by local search, as a complete hint (counts and
    distances), relabelled so that it respects the symmetry-breaking order. Returns the hint
    (it keeps every hard rule, so it is a roster in its own right) and its objective, or None
    when the greedy deal got stuck."""
    n_students = sum(v.problem.units[u].size for u in v.block.units)
    start = stay_counts(v) if v.moves is not None else None
    counts = greedy_counts(v.problem, v.kinds, v.n_groups, n_students, start)
    if counts is None and start is not None:
        # the groups were too full for locked chains and newcomers: leave them more room
        for slack in (2, v.problem.size_min):
            counts = greedy_counts(
                v.problem, v.kinds, v.n_groups, n_students, stay_counts(v, slack)
            )
            if counts is not None:
                break
    if counts is None:
        return None
    remaining = repair(v.problem, v.kinds, counts, seed=seed)
    if move_cap is not None and _moves_in(v, counts) > move_cap:
        return None  # the deal breaks --max-moves: no roster to fall back on
    order = ordering(v)
    if order is not None:
        kind, free = order
        before = counts
        ranked = sorted(free, key=lambda g: (-before[kind][g], g))
        relabel = dict(zip(free, ranked, strict=True))
        counts = [[row[relabel.get(g, g)] for g in range(v.n_groups)] for row in counts]
    for k, row in enumerate(counts):
        for g, value in enumerate(row):
            v.model.add_hint(v.x[k][g], value)
    for (c, g), var in v.distance.items():
        low, high = v.problem.band(c)
        count = sum(kind.profile[c] * counts[k][g] for k, kind in enumerate(v.kinds))
        v.model.add_hint(var, max(0, count - high, low - count))
    return counts, remaining


def _placement(v: CountVars, counts: list[list[int]]) -> dict[int, int]:
    """Unit -> global group, handing each kind's units out in index order."""
    if v.moves is not None:
        return place_units(v, counts)  # on a re-run, students return to their groups first
    placement: dict[int, int] = {}
    for k, kind in enumerate(v.kinds):
        units = iter(kind.units)
        for g, count in enumerate(counts[k]):
            for _ in range(count):
                placement[next(units)] = v.block.groups[g]
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
    # On a re-run the balance is found first with kinds by profile alone (far fewer kinds, and
    # the groups stay interchangeable); the moves are then minimised with kinds split by
    # earlier group. A --max-moves cap needs the split kinds from the start.
    capped = move_cap is not None and bool(problem.previous)
    v = build(problem, block, move_cap=move_cap, fold=capped)
    hint = _hint(v, options.seed, move_cap)
    if hint is not None and not search:
        return _placement(v, hint[0]), Status.FEASIBLE, hint[1], 0, False
    if len(block.groups) == problem.n_groups and (hint is None or hint[1] > 0):
        add_floors(v, _floors(problem, options))
    solver = cp_model.CpSolver()
    params = solver.parameters
    params.max_time_in_seconds = max(0.1, deadline - time.perf_counter())
    params.num_workers = options.workers or default_workers()
    params.interleave_search = True
    params.random_seed = options.seed
    params.catch_sigint_signal = False  # Ctrl-C reaches Python, which stops the search itself
    started = time.perf_counter()
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
        if problem.previous and not interrupted:
            folded = v if capped else build(problem, block)
            if not capped:
                # the best start: earlier groups kept, newcomers dealt, repaired (when that
                # reaches the balance found); else the roster found, relabelled
                start = _hint(folded, options.seed)
                if start is not None and start[1] <= objective:
                    counts = start[0]
                else:
                    counts = carry_over(v, counts, folded)
            if folded.moves is not None and _moves_in(folded, counts):
                budget = deadline - time.perf_counter()
                counts, _ = _fewest_moves(folded, counts, objective, budget, options)
            v = folded
        return _placement(v, counts), done, objective, bound, interrupted
    if hint is not None:
        return _placement(v, hint[0]), Status.FEASIBLE, hint[1], 0, interrupted
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
    return objective_floors(problem, time_limit=share)


def _leaves(problem: Problem, block: Block, options: SolveOptions) -> list[Block]:
    """Split `block` recursively until every piece has at most LEAF_GROUPS groups."""
    if len(block.groups) <= LEAF_GROUPS:
        return [block]
    left, right = split(problem, block, seed=options.seed, time_limit=options.time_limit)
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
        remaining = options.time_limit - (time.perf_counter() - started)
        share = remaining if len(blocks) == 1 else remaining / (len(queue) + 1)
        budget = SolveOptions(
            time_limit=max(0.5, share), seed=options.seed, workers=options.workers
        )
        cap = None
        if problem.max_moves is not None:  # blocks in turn share what the earlier ones left
            cap = problem.max_moves - _moved(problem, placement, solved)
        try:
            found, status, objective, bound, stopped = solve_block(
                problem, block, budget, report, search=not interrupted, move_cap=cap
            )
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
