"""The `assign` job as one keyword-only function: read, check, solve, validate, write, report.

The CLI only parses options and maps EmpowerError to exit codes; tests and other programs can call
`assign` directly with consoles of their own.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from rich.console import Console

from empower_cli import __version__, interrupt
from empower_cli.config import Config
from empower_cli.errors import InfeasibleError, InternalError, UsageError
from empower_cli.records import Assignment, Changes, Cohort, Cost, Problem, Verdict
from empower_cli.signups import SignupOptions, load_settings, read_signups

if TYPE_CHECKING:
    from empower_cli.changes import Diff


@dataclass(frozen=True, slots=True)
class AssignOptions:
    """Everything `empower assign` is told, after parsing."""

    signups: Path
    out: Path = Path("rosters")
    groups: int | None = None
    group_size: int | None = None
    lock: Path | None = None
    apart: Path | None = None
    pin: Path | None = None
    columns: tuple[str, ...] = ()
    seed: int | None = None
    """None: the config's, else 0 (likewise time_limit, 60 s, and workers, 0)."""
    time_limit: float | None = None
    workers: int | None = None
    reproducible: bool = False
    """False: the config's [solve] reproducible, else False."""
    force: bool = False
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    config: Path | None = None
    """empower.toml to use; None: the one beside the sign-up file, if any."""
    academic_year: int | None = None
    previous: Path | None = None
    """An earlier run's assignments.csv: students keep their groups where balance allows."""
    max_moves: int | None = None
    requests_column: str | None = None
    """The header of the free-text "placed with" column (detected when None)."""
    ignore_requests: bool = False
    workbook: bool = True
    """Write rosters.xlsx (--no-workbook turns it off)."""
    report: bool = True
    """Write report.html (--no-report turns it off)."""


_T = TypeVar("_T")
DEFAULT_SEED = 0
DEFAULT_TIME_LIMIT = 60.0
DEFAULT_WORKERS = 0


def _first(*values: _T | None, default: _T) -> _T:
    """The first value that is not None, else the default."""
    return next((value for value in values if value is not None), default)


def resolve(options: AssignOptions, config: Config) -> AssignOptions:
    """The options with every value the command line left out taken from the config or the
    defaults. --groups or --group-size on the command line replaces both of the config's."""
    from_config = options.groups is None and options.group_size is None
    return replace(
        options,
        groups=config.groups if from_config else options.groups,
        group_size=config.group_size if from_config else options.group_size,
        seed=_first(options.seed, config.seed, default=DEFAULT_SEED),
        time_limit=_first(options.time_limit, config.time_limit, default=DEFAULT_TIME_LIMIT),
        workers=_first(options.workers, config.workers, default=DEFAULT_WORKERS),
        reproducible=options.reproducible or bool(config.reproducible),
        config=Path(config.source) if config.source else None,
    )


def signup_options(options: AssignOptions) -> SignupOptions:
    """The part of the options that says how to read the sign-up file."""
    return SignupOptions(
        signups=options.signups,
        columns=options.columns,
        config=options.config,
        encoding=options.encoding,
        delimiter=options.delimiter,
        sheet=options.sheet,
        academic_year=options.academic_year,
    )


@dataclass(frozen=True, slots=True)
class AssignResult:
    cohort: Cohort
    problem: Problem
    assignment: Assignment
    verdict: Verdict
    files: tuple[Path, ...]
    changes: Changes | None = None
    costs: tuple[Cost, ...] = ()


def _manifest(
    options: AssignOptions,
    cohort: Cohort,
    problem: Problem,
    assignment: Assignment,
    verdict: Verdict,
    started: float,
    threads: int,
) -> dict[str, object]:
    """What a later reader needs to trust and reproduce the run; no names or emails."""
    given = {
        key: (str(value) if isinstance(value, Path) else value)
        for key, value in asdict(options).items()
    }
    given["columns"] = list(options.columns)
    balance = verdict.balance
    requests = problem.requests
    return {
        "tool": "empower",
        "version": __version__,
        "input": {
            "file": str(options.signups),
            "sha256": cohort.sha256,
            "encoding": cohort.encoding,
            "delimiter": cohort.delimiter,
            "format": cohort.format,
            "columns": dict(cohort.mapping),
            "config": str(options.config) if options.config else None,
            "interest_names": dict(cohort.legend),
        },
        "options": given,
        "seed": options.seed,
        "solver": {
            "status": assignment.status.value,
            "proven_optimal": assignment.proven_optimal,
            "objective": assignment.objective,
            "bound": assignment.bound,
            "interrupted": assignment.interrupted,
            "workers": threads,
            "solve_seconds": round(assignment.wall_time, 3),
        },
        "wall_seconds": round(time.perf_counter() - started, 3),
        "counts": {
            "students": problem.n_students,
            "groups": problem.n_groups,
            "group_size_min": min(balance.sizes),
            "group_size_max": max(balance.sizes),
            "locked_pairs": len(requests.locks),
            "apart_pairs": len(requests.aparts),
            "pins": len(requests.pins),
            "units": len(problem.units),
            "warnings": len(cohort.warnings),
        },
        "balance": {
            "out_of_band_cells": balance.out_of_band,
            "distance_outside_bands": balance.excess,
            "total_deviation": round(balance.total_deviation, 6),
            "least_total_deviation": round(balance.least_total_deviation, 6),
            "max_deviation": round(balance.max_deviation, 6),
        },
    }


def assign(options: AssignOptions, *, out: Console, err: Console) -> AssignResult:
    """Read the sign-ups and requests, solve, check, write the rosters, print the summary.

    Raises an EmpowerError subclass (with its exit code) for anything the user can fix; nothing
    is written unless the rosters pass every check.
    """
    from empower_cli.changes import changes_of
    from empower_cli.documents import Run, build_documents, rules_text
    from empower_cli.export import (
        clean_stale_temporaries,
        group_column_note,
        prepare_output_dir,
        write_outputs,
    )
    from empower_cli.ingest import parse_column_option, read_requests
    from empower_cli.ingest.earlier import read_previous
    from empower_cli.ingest.placed import read_placed, with_locks
    from empower_cli.report import (
        SolveProgress,
        print_changes,
        print_costs,
        print_reading,
        print_summary,
        print_warnings,
    )
    from empower_cli.rules import build_problem, choose_group_count
    from empower_cli.solve import SolveOptions, default_workers, solve
    from empower_cli.validate import validate

    started = time.perf_counter()
    if options.groups is not None and options.group_size is not None:
        raise UsageError("give --groups or --group-size, not both.")
    if options.max_moves is not None and options.previous is None:
        raise UsageError("--max-moves needs --previous (the assignments.csv of an earlier run).")
    if options.max_moves is not None and options.max_moves < 0:
        raise UsageError(f"--max-moves must be 0 or more (got {options.max_moves}).")
    if options.requests_column is not None and options.ignore_requests:
        raise UsageError("give --requests-column or --ignore-requests, not both.")
    sized = options.groups is not None or options.group_size is not None
    parse_column_option(options.columns)  # a bad --column is a usage error before any reading
    config = load_settings(signup_options(options))
    options = resolve(options, config)
    prepare_output_dir(options.out, force=options.force)
    clean_stale_temporaries(options.out)
    cohort = read_signups(signup_options(options), config)
    print_warnings(err, cohort.warnings)
    group_note = group_column_note(cohort)
    if group_note is not None:
        print_warnings(err, (group_note,))
    previous = read_previous(options.previous, cohort) if options.previous is not None else None
    groups, group_size = options.groups, options.group_size
    if previous is not None and not sized:  # the earlier file's count, unless told otherwise
        groups, group_size = min(previous.n_groups, len(cohort.students)), None
    n_groups = choose_group_count(len(cohort.students), groups=groups, group_size=group_size)
    requests = read_requests(
        cohort, n_groups, lock=options.lock, apart=options.apart, pin=options.pin
    )
    requested, requests_header, warnings = 0, None, list(cohort.warnings)
    if not options.ignore_requests:
        placed = read_placed(cohort, header=options.requests_column)
        print_warnings(err, placed.warnings)
        warnings += placed.warnings
        requests_header = placed.header
        before = len(requests.locks)
        requests = with_locks(requests, placed.pairs)
        requested = len(requests.locks) - before
    problem = build_problem(
        cohort,
        requests,
        n_groups,
        previous=previous.groups if previous is not None else (),
        max_moves=options.max_moves,
    )

    seed = _first(options.seed, default=DEFAULT_SEED)
    time_limit = _first(options.time_limit, default=DEFAULT_TIME_LIMIT)
    workers = _first(options.workers, default=DEFAULT_WORKERS) or default_workers()
    settings = SolveOptions(
        time_limit=time_limit, seed=seed, workers=workers, reproducible=options.reproducible
    )
    try:
        with SolveProgress(
            err, time_limit=time_limit, reproducible=options.reproducible
        ) as progress:
            assignment = solve(problem, settings, progress.update)
            interrupt.keep()  # a complete roster exists: Ctrl-C from here on cannot lose it
    except InfeasibleError as error:
        # explain (and OR-Tools with it) loads only when there is something to explain
        from empower_cli.explain import explain_infeasible

        raise InfeasibleError(explain_infeasible(problem, fallback=error.message)) from None

    verdict = validate(problem, assignment.groups)
    if not verdict.ok:
        raise InternalError(
            "internal error: the rosters found break a rule, so nothing was written: "
            + verdict.violations[0].message
            + " Please report this."
        )
    changes = changes_of(problem, previous, assignment.groups) if previous is not None else None
    costs: tuple[Cost, ...] = ()
    if verdict.balance.out_of_band and not assignment.interrupted and not interrupt.pressed():
        from empower_cli.explain import balance_costs

        budget = min(5.0, max(1.0, time_limit / 10))
        costs = balance_costs(cohort, problem, budget, seed=seed, reproducible=options.reproducible)
    manifest = _manifest(options, cohort, problem, assignment, verdict, started, workers)
    counts = manifest["counts"]
    if isinstance(counts, dict):
        counts["locked_pairs_from_requests_column"] = requested
    if changes is not None:
        manifest["changes"] = {
            "moved": len(changes.moved),
            "joined": len(changes.joined),
            "left": len(changes.left),
            "stayed": changes.stayed,
        }
    run = Run(
        cohort=cohort,
        problem=problem,
        assignment=assignment,
        verdict=verdict,
        changes=changes,
        costs=costs,
        config=config.source,
        warnings=tuple(warnings),
        requested=requested,
        requests_header=requests_header,
    )
    building = time.perf_counter()
    documents = build_documents(
        run, out=options.out, workbook=options.workbook, report=options.report
    )
    manifest["documents_seconds"] = round(time.perf_counter() - building, 3)
    stopped = interrupt.pressed()
    files = write_outputs(
        options.out,
        cohort=cohort,
        problem=problem,
        assignment=assignment,
        verdict=verdict,
        manifest=manifest,
        force=options.force,
        changes=changes,
        extra=documents,
    )
    interrupt.wrote()
    if stopped:
        err.print(interrupt.KEPT, markup=False, highlight=False, soft_wrap=True)
    print_reading(out, cohort, config.source)
    print_summary(
        out,
        cohort=cohort,
        problem=problem,
        assignment=assignment,
        verdict=verdict,
        out=options.out,
        rules=rules_text(run),
        extra=tuple(documents),
    )
    if group_note is not None:
        out.print(group_note, markup=False, highlight=False, soft_wrap=True)
    print_costs(out, verdict.balance.out_of_band, costs)
    if changes is not None:
        print_changes(out, problem=problem, changes=changes)
    return AssignResult(cohort, problem, assignment, verdict, tuple(files), changes, costs)


def diff(old: Path, new: Path, *, out: Console) -> Diff:
    """`empower diff`: print who moved, joined and left between two assignments files."""
    from empower_cli.changes import diff_of
    from empower_cli.ingest.earlier import read_assignments
    from empower_cli.report import diff_lines

    before = read_assignments(old)
    after = read_assignments(new, key_header=before.key_header, by_email=before.by_email)
    found = diff_of(before.students, after.students)
    for line in diff_lines(found, str(old), str(new)):
        out.print(line, markup=False, highlight=False, soft_wrap=True)
    return found
