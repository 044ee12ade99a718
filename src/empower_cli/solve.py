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
from empower_cli.model import Block, CountVars, build, whole
from empower_cli.model.symmetry import ordering
from empower_cli.records import Assignment, Problem, Status
from empower_cli.start import greedy_counts, repair

#: Called with (objective, bound, elapsed seconds) on each improving solution.
Progress = Callable[[int, int, float], None]


@dataclass(frozen=True, slots=True)
class SolveOptions:
    time_limit: float = 60.0
    seed: int = 0
    workers: int = 0
    """Search workers; 0 means one per core."""


def default_workers() -> int:
    return max(1, min(8, os.cpu_count() or 1))


def _hint(v: CountVars, seed: int) -> int | None:
    """Pass the greedy deal, repaired by local search, as a complete hint (counts and
    distances), relabelled so that it respects the symmetry-breaking order. Returns the hint's
    objective, or None when there is no hint."""
    n_students = sum(v.problem.units[u].size for u in v.block.units)
    counts = greedy_counts(v.problem, v.kinds, v.n_groups, n_students)
    if counts is None:
        return None
    remaining = repair(v.problem, v.kinds, counts, seed=seed)
    order = ordering(v)
    if order is not None:
        kind, free = order
        ranked = sorted(free, key=lambda g: (-counts[kind][g], g))
        relabel = dict(zip(free, ranked, strict=True))
        counts = [[row[relabel.get(g, g)] for g in range(v.n_groups)] for row in counts]
    for k, row in enumerate(counts):
        for g, value in enumerate(row):
            v.model.add_hint(v.x[k][g], value)
    for (c, g), var in v.distance.items():
        low, high = v.problem.band(c)
        count = sum(kind.profile[c] * counts[k][g] for k, kind in enumerate(v.kinds))
        v.model.add_hint(var, max(0, count - high, low - count))
    return remaining


class _Watcher(cp_model.CpSolverSolutionCallback):  # type: ignore[misc]
    """Reports each improving solution to the progress callback."""

    def __init__(self, on_progress: Progress | None, started: float) -> None:
        super().__init__()
        self._on_progress = on_progress
        self._started = started

    def on_solution_callback(self) -> None:
        if self._on_progress is not None:
            self._on_progress(
                round(self.objective_value),
                round(self.best_objective_bound),
                time.perf_counter() - self._started,
            )


def _run(solver: cp_model.CpSolver, model: cp_model.CpModel, watcher: _Watcher) -> Any:
    """Solve in a worker thread so that Ctrl-C in the main thread can stop the search and keep
    the best solution found so far. Returns (status, interrupted)."""
    result: dict[str, Any] = {}

    def target() -> None:
        result["status"] = solver.solve(model, watcher)

    thread = threading.Thread(target=target, name="cp-sat", daemon=True)
    thread.start()
    interrupted = False
    while thread.is_alive():
        try:
            thread.join(timeout=0.05)
        except KeyboardInterrupt:
            interrupted = True
            solver.stop_search()
    return result["status"], interrupted


def solve_block(
    problem: Problem,
    block: Block,
    options: SolveOptions,
    on_progress: Progress | None = None,
) -> tuple[dict[int, int], Status, int, int, bool]:
    """Solve one block: (unit -> global group, status, objective, bound, interrupted)."""
    v = build(problem, block)
    _hint(v, options.seed)
    solver = cp_model.CpSolver()
    params = solver.parameters
    params.max_time_in_seconds = options.time_limit
    params.num_workers = int(os.environ.get("EMPOWER_WORKERS", "0")) or options.workers or default_workers()
    params.interleave_search = os.environ.get("EMPOWER_INTERLEAVE", "1") == "1"
    params.random_seed = options.seed
    started = time.perf_counter()
    status, interrupted = _run(solver, v.model, _Watcher(on_progress, started))
    if status == cp_model.INFEASIBLE:
        raise InfeasibleError(
            "the locks, aparts, pins and group sizes cannot all hold at once; "
            "no arrangement of the students satisfies them together."
        )
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        if interrupted:
            raise NoSolutionError("stopped by Ctrl-C before any rosters were found.")
        raise NoSolutionError(
            f"no rosters were found within the time limit ({options.time_limit:g} s). "
            "Try a longer --time-limit."
        )
    placement: dict[int, int] = {}
    for k, kind in enumerate(v.kinds):
        units = iter(kind.units)
        for g, var in enumerate(v.x[k]):
            for _ in range(solver.value(var)):
                placement[next(units)] = block.groups[g]
    done = Status.OPTIMAL if status == cp_model.OPTIMAL else Status.FEASIBLE
    return (
        placement,
        done,
        round(solver.objective_value),
        round(solver.best_objective_bound),
        interrupted,
    )


def solve(
    problem: Problem, options: SolveOptions, on_progress: Progress | None = None
) -> Assignment:
    """Groups for every student, with what the solver can say of their balance."""
    started = time.perf_counter()
    placement, status, objective, bound, interrupted = solve_block(
        problem, whole(problem), options, on_progress
    )
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
