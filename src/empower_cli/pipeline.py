"""The `assign` job as one keyword-only function: read, check, solve, validate, write, report.

The CLI only parses options and maps EmpowerError to exit codes; tests and other programs can call
`assign` directly with consoles of their own.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import TypeVar

from rich.console import Console

from empower_cli import __version__
from empower_cli.config import Config
from empower_cli.errors import InternalError, UsageError
from empower_cli.records import Assignment, Cohort, Problem, Verdict
from empower_cli.signups import SignupOptions, load_settings, read_signups


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
    config: Path | None = None
    """empower.toml to use; None: the one beside the sign-up file, if any."""
    academic_year: int | None = None


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
        academic_year=options.academic_year,
    )


@dataclass(frozen=True, slots=True)
class AssignResult:
    cohort: Cohort
    problem: Problem
    assignment: Assignment
    verdict: Verdict
    files: tuple[Path, ...]


def _manifest(
    options: AssignOptions,
    cohort: Cohort,
    problem: Problem,
    assignment: Assignment,
    verdict: Verdict,
    started: float,
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
    from empower_cli.export import prepare_output_dir, write_outputs
    from empower_cli.ingest import parse_column_option, read_requests
    from empower_cli.report import SolveProgress, print_reading, print_summary, print_warnings
    from empower_cli.rules import build_problem, choose_group_count
    from empower_cli.solve import SolveOptions, solve
    from empower_cli.validate import validate

    started = time.perf_counter()
    if options.groups is not None and options.group_size is not None:
        raise UsageError("give --groups or --group-size, not both.")
    parse_column_option(options.columns)  # a bad --column is a usage error before any reading
    config = load_settings(signup_options(options))
    options = resolve(options, config)
    prepare_output_dir(options.out, force=options.force)
    cohort = read_signups(signup_options(options), config)
    print_warnings(err, cohort.warnings)
    n_groups = choose_group_count(
        len(cohort.students), groups=options.groups, group_size=options.group_size
    )
    requests = read_requests(
        cohort, n_groups, lock=options.lock, apart=options.apart, pin=options.pin
    )
    problem = build_problem(cohort, requests, n_groups)

    seed = _first(options.seed, default=DEFAULT_SEED)
    time_limit = _first(options.time_limit, default=DEFAULT_TIME_LIMIT)
    workers = _first(options.workers, default=DEFAULT_WORKERS)
    settings = SolveOptions(
        time_limit=time_limit, seed=seed, workers=workers, reproducible=options.reproducible
    )
    with SolveProgress(err, time_limit=time_limit, reproducible=options.reproducible) as progress:
        assignment = solve(problem, settings, progress.update)

    verdict = validate(problem, assignment.groups)
    if not verdict.ok:
        raise InternalError(
            "internal error: the rosters found break a rule, so nothing was written: "
            + verdict.violations[0].message
            + " Please report this."
        )
    manifest = _manifest(options, cohort, problem, assignment, verdict, started)
    files = write_outputs(
        options.out,
        cohort=cohort,
        problem=problem,
        assignment=assignment,
        verdict=verdict,
        manifest=manifest,
        force=options.force,
    )
    print_reading(out, cohort, config.source)
    print_summary(
        out, cohort=cohort, problem=problem, assignment=assignment, verdict=verdict, out=options.out
    )
    return AssignResult(cohort, problem, assignment, verdict, tuple(files))
