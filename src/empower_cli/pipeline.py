"""The `assign` job as one keyword-only function: read, check, solve, validate, write, report.

The CLI only parses options and maps EmpowerError to exit codes; tests and other programs can call
`assign` directly with consoles of their own.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console

from empower_cli import __version__, heap, interrupt
from empower_cli.errors import InfeasibleError, InternalError
from empower_cli.plan import Plan, RuleText, extra_columns, plan_of, rule_texts
from empower_cli.records import Assignment, Changes, Cohort, Cost, Previous, Problem, Verdict
from empower_cli.settings import AssignOptions, Settings, resolve
from empower_cli.signups import SignupOptions, load_settings, read_signups

__all__ = ["AssignOptions", "AssignResult", "assign", "diff", "prepare"]

if TYPE_CHECKING:
    from empower_cli.changes import Diff


@dataclass(frozen=True, slots=True)
class AssignResult:
    cohort: Cohort
    problem: Problem
    assignment: Assignment
    verdict: Verdict
    files: tuple[Path, ...]
    changes: Changes | None = None
    costs: tuple[Cost, ...] = ()


def _families_manifest(problem: Problem, verdict: Verdict) -> list[dict[str, object]]:
    """Each family: its name, kind, weight, categories, and (when balanced) its cells out."""
    balance = {f.name: f for f in verdict.balance.families}
    out: list[dict[str, object]] = []
    for family in problem.family_list:
        entry: dict[str, object] = {
            "name": family.name,
            "kind": family.kind,
            "weight": family.weight,
            "categories": [c.name for c in problem.categories if c.family == family.name],
        }
        if family.name in balance:
            entry["out_of_band_cells"] = balance[family.name].out_of_band
            entry["distance_outside_bands"] = balance[family.name].excess
        out.append(entry)
    return out


def _rules_manifest(problem: Problem, verdict: Verdict) -> dict[str, object]:
    counts = verdict.balance.counts
    rules: dict[str, object] = {
        "at_least": [
            {
                "rule": r.given,
                "least": r.least,
                "per_group": [
                    min(row[r.category] for row in counts),
                    max(row[r.category] for row in counts),
                ],
            }
            for r in problem.at_least
        ],
        "no_lone": [
            {"rule": r.given, "groups_holding": sum(1 for row in counts if row[r.category])}
            for r in problem.no_lone
        ],
    }
    if problem.earlier_families:
        rules["avoid_groupmates"] = [f.source for f in problem.earlier_families]
        rules["repeated_pairs"] = verdict.balance.repeats
        rules["repeated_pairs_forced_by_locks"] = verdict.balance.forced_repeats
        rules["max_repeats"] = problem.max_repeats
    if verdict.balance.means:
        rules["means"] = [
            {
                "column": m.header,
                "cohort_mean": round(m.cohort, 6),
                "spread": round(m.spread, 6),
                "group_means": [None if g is None else round(g, 6) for g in m.groups],
            }
            for m in verdict.balance.means
        ]
    return rules


def _manifest(
    settings: Settings,
    cohort: Cohort,
    problem: Problem,
    assignment: Assignment,
    verdict: Verdict,
    started: float,
    threads: int,
) -> dict[str, object]:
    """What a later reader needs to trust and reproduce the run; no names or emails."""
    options = settings
    given = settings.manifest()
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
            "locked_pairs_from_requests_column": requests.column_locks,
        },
        "balance": {
            "out_of_band_cells": balance.out_of_band,
            "distance_outside_bands": balance.excess,
            "total_deviation": round(balance.total_deviation, 6),
            "least_total_deviation": round(balance.least_total_deviation, 6),
            "max_deviation": round(balance.max_deviation, 6),
        },
        "families": _families_manifest(problem, verdict),
        "rules": _rules_manifest(problem, verdict),
    }


@dataclass(frozen=True, slots=True)
class Prepared:
    """Everything read before solving: the settings, the cohort, the groups and the problem."""

    settings: Settings
    cohort: Cohort
    n_groups: int
    problem: Problem
    previous: Previous | None = None
    warnings: tuple[str, ...] = ()
    """Every warning printed while reading, for the report."""
    group_note: str | None = None
    """Which column holds the new groups when the sign-ups already have a `group` column."""


def _groupmates(settings: Settings, cohort: Cohort) -> list[tuple[str, tuple[int | None, ...]]]:
    """(file, each student's earlier group) for each --avoid-groupmates file."""
    from empower_cli.ingest.earlier import read_previous

    found = []
    for path in settings.avoid_groupmates:
        earlier = read_previous(path, cohort)
        found.append((earlier.source, earlier.groups))
    return found


def plan_for(
    settings: Settings, cohort: Cohort, n_groups: int, rules: list[RuleText] | None = None
) -> Plan:
    """The families and rules the settings ask for, over this cohort."""
    return plan_of(
        cohort,
        n_groups,
        balance=settings.balance,
        balance_mean=settings.balance_mean,
        rules=rules if rules is not None else rule_texts(settings.at_least, settings.no_lone),
        weights=settings.weights,
        earlier=_groupmates(settings, cohort),
        max_repeats=settings.max_repeats,
        weights_source=settings.file.source or "empower.toml",
    )


def read_cohort(settings: Settings, err: Console) -> Cohort:
    """The sign-ups with every extra column the families and rules need; warnings printed."""
    from empower_cli.report import print_warnings

    rules = rule_texts(settings.at_least, settings.no_lone)  # a bad rule stops before reading
    extra = extra_columns(settings.balance, settings.balance_mean, rules)
    cohort = read_signups(settings.reading, settings.file, extra)
    print_warnings(err, cohort.warnings)
    return cohort


def prepare(options: AssignOptions, err: Console, *, before_reading: bool = True) -> Prepared:
    """Settings merged, sign-ups and requests read, the problem built and checked by
    arithmetic; `before_reading` prepares the output folder first (assign)."""
    from empower_cli.export import clean_stale_temporaries, group_column_note, prepare_output_dir
    from empower_cli.ingest import parse_column_option, read_requests
    from empower_cli.ingest.earlier import read_previous
    from empower_cli.report import print_warnings
    from empower_cli.rules import build_problem, choose_group_count, forced_repeat_warnings

    parse_column_option(options.columns)  # a bad --column is a usage error before any reading
    settings = resolve(options, load_settings(options_reading(options)))
    if before_reading:
        prepare_output_dir(settings.out, force=settings.force)
        clean_stale_temporaries(settings.out)
    cohort = read_cohort(settings, err)
    group_note = group_column_note(cohort)
    if group_note is not None:
        print_warnings(err, (group_note,))
    previous = read_previous(settings.previous, cohort) if settings.previous is not None else None
    groups, group_size = settings.groups, settings.group_size
    sized = options.groups is not None or options.group_size is not None
    if previous is not None and not sized:  # the earlier file's count, unless told otherwise
        groups, group_size = min(previous.n_groups, len(cohort.students)), None
    n_groups = choose_group_count(len(cohort.students), groups=groups, group_size=group_size)
    requests = read_requests(
        cohort,
        n_groups,
        lock=settings.lock,
        apart=settings.apart,
        pin=settings.pin,
        column=settings.requests_column,
        ignore_column=settings.ignore_requests,
    )
    print_warnings(err, requests.warnings)
    problem = build_problem(
        cohort,
        requests,
        n_groups,
        previous=previous.groups if previous is not None else (),
        max_moves=settings.max_moves,
        plan=plan_for(settings, cohort, n_groups),
    )
    repeats = forced_repeat_warnings(problem)
    print_warnings(err, repeats)
    return Prepared(
        settings,
        cohort,
        n_groups,
        problem,
        previous,
        cohort.warnings + requests.warnings + repeats,
        group_note,
    )


def options_reading(options: AssignOptions) -> SignupOptions:
    """How to find the config: the sign-up file and --config."""
    return SignupOptions(signups=options.signups, config=options.config)


def _solve(prepared: Prepared, err: Console) -> tuple[Assignment, int]:
    """The rosters and the solver threads used; a conflict explained (exit 4)."""
    from empower_cli.report import SolveProgress
    from empower_cli.solve import SolveOptions, default_workers, solve

    settings, problem = prepared.settings, prepared.problem
    workers = settings.workers or default_workers()
    solving = SolveOptions(
        time_limit=settings.time_limit,
        seed=settings.seed,
        workers=workers,
        reproducible=settings.reproducible,
    )
    try:
        with SolveProgress(
            err, time_limit=settings.time_limit, reproducible=settings.reproducible
        ) as progress:
            assignment = solve(problem, solving, progress.update)
            interrupt.keep()  # a complete roster exists: Ctrl-C from here on cannot lose it
            return assignment, workers
    except InfeasibleError as error:
        # explain (and OR-Tools with it) loads only when there is something to explain
        from empower_cli.explain import explain_infeasible

        raise InfeasibleError(explain_infeasible(problem, fallback=error.message)) from None


#: Above this many groups the cost lines are left out: each re-solve is a whole solve in blocks,
#: far beyond the few seconds each may take.
COST_GROUPS = 96


def _costs(prepared: Prepared, assignment: Assignment, verdict: Verdict) -> tuple[Cost, ...]:
    if not verdict.balance.out_of_band or assignment.interrupted or interrupt.pressed():
        return ()
    if prepared.n_groups > COST_GROUPS:
        return ()
    from empower_cli.explain import balance_costs

    settings = prepared.settings
    budget = min(5.0, max(1.0, settings.time_limit / 10))
    return balance_costs(
        prepared.cohort,
        prepared.problem,
        budget,
        seed=settings.seed,
        reproducible=settings.reproducible,
        found=assignment.groups,
    )


def assign(options: AssignOptions, *, out: Console, err: Console) -> AssignResult:
    """Read the sign-ups and requests, solve, check, write the rosters, print the summary.

    Raises an EmpowerError subclass (with its exit code) for anything the user can fix; nothing
    is written unless the rosters pass every check.
    """
    with heap.few_collections():
        return _assign(options, out=out, err=err)


def _assign(options: AssignOptions, *, out: Console, err: Console) -> AssignResult:
    from empower_cli.changes import changes_of
    from empower_cli.documents import Run, build_documents, rules_text
    from empower_cli.export import write_outputs
    from empower_cli.report import (
        print_changes,
        print_costs,
        print_reading,
        print_rules,
        print_summary,
    )
    from empower_cli.validate import validate

    started = time.perf_counter()
    prepared = prepare(options, err)
    heap.settle()
    settings, cohort, problem, previous = (
        prepared.settings,
        prepared.cohort,
        prepared.problem,
        prepared.previous,
    )
    assignment, workers = _solve(prepared, err)
    heap.settle()
    verdict = validate(problem, assignment.groups)
    if not verdict.ok:
        raise InternalError(
            "internal error: the rosters found break a rule, so nothing was written: "
            + verdict.violations[0].message
            + " Please report this."
        )
    changes = changes_of(problem, previous, assignment.groups) if previous is not None else None
    if changes is not None:
        from empower_cli.mend import moves_floor

        # the cells' bands bind every roster as balanced as one with no cell out of band
        in_band = assignment.objective == 0 and verdict.balance.out_of_band == 0
        changes = replace(changes, moves_floor=moves_floor(problem, in_band=in_band))
    costs = _costs(prepared, assignment, verdict)
    manifest = _manifest(settings, cohort, problem, assignment, verdict, started, workers)
    if changes is not None:
        manifest["changes"] = {
            "moved": len(changes.moved),
            "joined": len(changes.joined),
            "left": len(changes.left),
            "stayed": changes.stayed,
            "moves_lower_bound": changes.moves_floor,
        }
    run = Run(
        cohort=cohort,
        problem=problem,
        assignment=assignment,
        verdict=verdict,
        changes=changes,
        costs=costs,
        config=settings.file.source,
        warnings=prepared.warnings,
    )
    building = time.perf_counter()
    documents = build_documents(
        run, out=settings.out, workbook=settings.workbook, report=settings.report
    )
    manifest["documents_seconds"] = round(time.perf_counter() - building, 3)
    stopped = interrupt.pressed()
    files = write_outputs(
        settings.out,
        cohort=cohort,
        problem=problem,
        assignment=assignment,
        verdict=verdict,
        manifest=manifest,
        force=settings.force,
        changes=changes,
        extra=documents,
    )
    interrupt.wrote()
    if stopped:
        err.print(interrupt.KEPT, markup=False, highlight=False, soft_wrap=True)
    print_reading(out, cohort, settings.file.source)
    print_summary(
        out,
        cohort=cohort,
        problem=problem,
        assignment=assignment,
        verdict=verdict,
        out=settings.out,
        rules=rules_text(run),
        extra=tuple(documents),
    )
    if prepared.group_note is not None:
        out.print(prepared.group_note, markup=False, highlight=False, soft_wrap=True)
    print_rules(out, problem, verdict)
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
