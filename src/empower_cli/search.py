"""The CP-SAT side of a solve: building a block's model, hinting it with the start, running the
search in a thread that Ctrl-C can stop, and on a re-run the second search for fewest moves.

Imported only when a model is needed, so that small cohorts whose start is already perfectly
balanced never load OR-Tools.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from ortools.sat.python import cp_model

from empower_cli.deal import (
    BlockProgress,
    SolveOptions,
    Start,
    Worth,
    counts_of,
    default_workers,
    earlier_start,
    family_floors,
    least_block_repeats,
    penalty_of,
    placement_of,
    repeats_among,
    worth,
)
from empower_cli.errors import STOPPED, InfeasibleError, NoSolutionError, StoppedError
from empower_cli.model.build import add_floors, add_least_repeats, build
from empower_cli.model.kinds import Block, Kind, kinds_of
from empower_cli.model.limits import set_limit
from empower_cli.model.moves import carry_over, hint_moves, moves_in, place_units
from empower_cli.model.symmetry import ordering
from empower_cli.model.variables import CountVars
from empower_cli.records import Problem, Status
from empower_cli.start import Scoring, repair

#: Work (CP-SAT's deterministic time) allowed to the fewest-moves search of one block: a
#: measure of effort rather than of seconds, so the rosters do not depend on the machine.
MOVES_EFFORT = 1.5
#: ... and to the fewest-repeats search of one block, once its balance is found.
REPEATS_EFFORT = 1.5


def _fewest_moves(
    v: CountVars, counts: list[list[int]], objective: int, budget: float, options: SolveOptions
) -> list[list[int]]:
    """Second phase on a re-run: keep the balance found and move as few students as possible.
    `counts` (a roster of that balance) is the hint; they are returned when nothing better is
    found."""
    v.model.add(v.balance <= objective)
    if v.pairs:
        v.model.add(v.repeats <= repeats_in(v, counts))
    v.model.clear_hints()  # type: ignore[no-untyped-call]  # OR-Tools ships no annotations
    _hint_counts(v, counts)
    hint_moves(v, counts)
    v.model.minimize(v.moves)
    # One worker proves the fewest moves far sooner here than an interleaved portfolio (the
    # linear relaxation's bound is usually tight), and is deterministic too.
    solver = _second_solver(options, budget, MOVES_EFFORT, workers=1)
    status = solver.solve(v.model)
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        better = [[solver.value(var) for var in row] for row in v.x]
        if moves_in(v.kinds, better) <= moves_in(v.kinds, counts):
            return better
    return counts


def _second_solver(
    options: SolveOptions, seconds: float, effort: float, *, workers: int
) -> cp_model.CpSolver:
    """A solver for a second phase (fewest moves, fewest repeats): a fixed effort in CP-SAT's
    deterministic time, so that the rosters do not depend on the machine, with `seconds` of
    wall-clock time as a guard unless the run is reproducible (the effort is its only limit)."""
    solver = cp_model.CpSolver()
    params = solver.parameters
    if not options.reproducible:
        params.max_time_in_seconds = max(0.5, seconds)
    params.max_deterministic_time = effort
    params.num_workers = workers
    params.random_seed = options.seed
    params.catch_sigint_signal = False
    return solver


def keep_earlier(
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
        start = earlier_start(problem, block, folded, options.seed, None)
        found = worth(problem, kinds, len(block.groups), penalty_of(problem, kinds, counts))
        if start is not None and _no_worse(
            worth(problem, folded, len(block.groups), start[1]), found
        ):
            counts = start[0]
        else:
            counts = carry_over(problem, kinds, counts, folded)
    if moves_in(folded, counts):
        v = build(problem, block, folded, move_cap=move_cap)
        if v.moves is not None:
            budget = deadline - time.perf_counter()
            counts = _fewest_moves(v, counts, objective, budget, options)
    return place_units(problem, folded, block, counts)


def _cell(v: CountVars, counts: list[list[int]], c: int, g: int) -> int:
    return sum(kind.profile[c] * counts[k][g] for k, kind in enumerate(v.kinds) if kind.profile[c])


def repeats_in(v: CountVars, counts: list[list[int]]) -> int:
    """The repeated pairs that counts give, over the cells the model counts."""
    return sum((n := _cell(v, counts, c, g)) * (n - 1) // 2 for c, g in v.pairs)


def _no_worse(start: Worth, found: Worth) -> bool:
    """Whether a start keeps every rule and is as good as the roster found on balance and on
    repeats (so that fewest moves never buys either)."""
    return not start.broken and (start.balance, start.repeats) <= (found.balance, found.repeats)


def _hint_counts(v: CountVars, counts: list[list[int]]) -> None:
    """Hint every count variable and what those counts give: the distance outside each band,
    the repeated pairs, and whether a group holds any of a --no-lone category."""
    for k, row in enumerate(counts):
        for g, value in enumerate(row):
            v.model.add_hint(v.x[k][g], value)
    for (c, g), var in v.distance.items():
        low, high = v.problem.band(c)
        count = _cell(v, counts, c, g)
        v.model.add_hint(var, max(0, count - high, low - count))
    for (c, g), var in v.pairs.items():
        count = _cell(v, counts, c, g)
        v.model.add_hint(var, count * (count - 1) // 2)
    for (c, g), var in v.some.items():
        v.model.add_hint(var, int(_cell(v, counts, c, g) > 0))


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


def floors(problem: Problem, options: SolveOptions) -> dict[str, int]:
    """Per-family lower bounds on the distance outside the bands. Each is a small model that
    usually proves its optimum in milliseconds; the limit only guards against a pathological
    one."""
    return family_floors(problem, options.time_limit, reproducible=options.reproducible)


class _Watcher(cp_model.CpSolverSolutionCallback):
    """Reports each improving solution to the progress callback.

    An exception must not cross into the solver's C++ thread (it aborts the process), so one
    raised by the progress callback is kept, the search stopped, and the error raised again
    once the solver has returned."""

    def __init__(self, on_progress: BlockProgress | None, started: float, scale: int = 1) -> None:
        super().__init__()
        self._on_progress = on_progress
        self._started = started
        self._scale = scale
        self.error: BaseException | None = None

    def on_solution_callback(self) -> None:
        if self._on_progress is None or self.error is not None:
            return
        try:
            self._on_progress(
                round(self.objective_value) // self._scale,
                round(self.best_objective_bound) // self._scale,
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


def _infeasible_message(problem: Problem) -> str:
    ruled = problem.at_least or problem.no_lone or problem.max_repeats is not None
    rules = "pins, rules" if ruled else "pins"
    return (
        f"the locked pairs, apart pairs, {rules} and group sizes cannot all hold at once: no "
        "arrangement of the students meets them together. Remove some of the locks, apart "
        f"pairs{', pins or rules' if ruled else ' or pins'} and run again."
    )


def search_block(
    problem: Problem,
    block: Block,
    kinds: tuple[Kind, ...],
    start: Start | None,
    options: SolveOptions,
    on_progress: BlockProgress | None,
    *,
    move_cap: int | None,
    repeat_cap: int | None = None,
    deadline: float,
) -> tuple[dict[int, int], Status, int, int, bool]:
    """solve_block's search, for a block whose start is missing or not perfect: the model,
    hinted with the start, searched until proven or out of time. Returns (unit -> global
    group, status, weighted balance, its bound, interrupted)."""
    started = time.perf_counter()
    rerun = bool(problem.previous)
    capped = move_cap is not None
    v = build(problem, block, kinds, move_cap=move_cap)
    if repeat_cap is not None and v.pairs:
        v.model.add(v.repeats <= repeat_cap)
    if start is not None:
        _add_hint(v, start[0])
        hint_moves(v, start[0])
        judged = worth(problem, kinds, len(block.groups), start[1])
        if not judged.valid(repeat_cap):
            start = None  # it breaks a rule: a hint, never an answer
    if len(block.groups) == problem.n_groups:
        add_floors(v, floors(problem, options))
    add_least_repeats(v, least_block_repeats(problem, kinds, len(block.groups)))
    solver = cp_model.CpSolver()
    params = solver.parameters
    left = options.time_limit if options.reproducible else deadline - time.perf_counter()
    set_limit(params, max(0.1, left), reproducible=options.reproducible)
    params.num_workers = options.workers or default_workers()
    params.interleave_search = True
    params.random_seed = options.seed
    params.catch_sigint_signal = False  # Ctrl-C reaches Python, which stops the search itself
    status, interrupted = _run(solver, v.model, _Watcher(on_progress, started, v.scale))
    if status == cp_model.INFEASIBLE:
        raise InfeasibleError(_infeasible_message(problem))
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        counts = [[solver.value(var) for var in row] for row in v.x]
        done = Status.OPTIMAL if status == cp_model.OPTIMAL else Status.FEASIBLE
        objective = round(solver.objective_value) // v.scale
        bound = round(solver.best_objective_bound) // v.scale
        if rerun and not interrupted:
            found = keep_earlier(
                problem, block, kinds, counts, objective, options, deadline, move_cap
            )
            return found, done, objective, bound, interrupted
        if capped:
            return place_units(problem, kinds, block, counts), done, objective, bound, interrupted
        return placement_of(kinds, block, counts), done, objective, bound, interrupted
    if start is not None:
        balance = worth(problem, kinds, len(block.groups), start[1]).balance
        if capped:
            found = place_units(problem, kinds, block, start[0])
            return found, Status.FEASIBLE, balance, 0, interrupted
        return placement_of(kinds, block, start[0]), Status.FEASIBLE, balance, 0, interrupted
    if interrupted:
        raise StoppedError(STOPPED)
    raise NoSolutionError("no rosters were found within the time limit. Try a longer --time-limit.")


def fewest_repeats(
    problem: Problem,
    block: Block,
    kinds: tuple[Kind, ...],
    placement: dict[int, int],
    objective: int,
    options: SolveOptions,
    deadline: float,
) -> tuple[dict[int, int], bool, bool]:
    """Second phase of --avoid-groupmates: from `placement` (a roster of weighted balance
    `objective`), the roster of no worse balance with the fewest repeated groupmates, over
    `kinds` (the block's kinds with the earlier groups). The start's local search (which never
    trades balance for repeats) improves it first; a model that keeps the balance and
    minimises the repeats, hinted with that, then searches on. Returns (unit -> global group,
    whether its repeats are proven the fewest at that balance, interrupted); `placement` when
    nothing better is found."""
    units = list(block.units)
    n_groups = len(block.groups)
    least = least_block_repeats(problem, kinds, n_groups)
    repeats = repeats_among(problem, placement, units)
    if repeats <= least:
        return placement, True, False
    counts = counts_of(kinds, block, placement)
    target = objective * Scoring.of(problem, kinds).scale + least
    repaired = _repaired(problem, kinds, counts, target, options.seed)
    if repaired is not None:
        counts, repeats = repaired
        placement = placement_of(kinds, block, counts)
        if repeats <= least:
            return placement, True, False
    v = build(problem, block, kinds)
    v.model.add(v.balance <= objective)
    add_least_repeats(v, least)
    _add_hint(v, counts)
    v.model.minimize(v.repeats)
    workers = options.workers or default_workers()
    solver = _second_solver(
        options, deadline - time.perf_counter(), REPEATS_EFFORT, workers=workers
    )
    solver.parameters.interleave_search = True
    status, interrupted = _run(solver, v.model, _Watcher(None, time.perf_counter()))
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        better = placement_of(kinds, block, [[solver.value(x) for x in row] for row in v.x])
        found = repeats_among(problem, better, units)
        if found <= repeats:
            return better, status == cp_model.OPTIMAL or found <= least, interrupted
    return placement, False, interrupted


def _repaired(
    problem: Problem, kinds: tuple[Kind, ...], counts: list[list[int]], target: int, seed: int
) -> tuple[list[list[int]], int] | None:
    """The start's local search from `counts`, which never trades balance for repeats (see
    start.Scoring): (counts, repeats) when it keeps every rule and lowers the repeats, else
    None. `target` is the least penalty possible."""
    n_groups = len(counts[0]) if counts else 0
    before = worth(problem, kinds, n_groups, penalty_of(problem, kinds, counts))
    repaired = [row[:] for row in counts]
    penalty = repair(problem, kinds, repaired, seed=seed, target=target)
    after = worth(problem, kinds, n_groups, penalty)
    if after.broken or after.balance > before.balance or after.repeats >= before.repeats:
        return None
    return repaired, after.repeats
