"""The documents beside the CSVs: rosters.xlsx and report.html, built from one run's records.

Both are built in memory and handed to export.write_outputs, so they appear atomically with the
rest of the output folder (or not at all). Their wording is the terminal summary's own.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from empower_cli.errors import OutputError
from empower_cli.records import Assignment, Changes, Cohort, Cost, Problem, Verdict


@dataclass(frozen=True, slots=True)
class Run:
    """One `assign` run, as the documents need it."""

    cohort: Cohort
    problem: Problem
    assignment: Assignment
    verdict: Verdict
    changes: Changes | None = None
    costs: tuple[Cost, ...] = ()
    config: str | None = None
    """The empower.toml used, if any."""
    warnings: tuple[str, ...] = ()
    """Every warning printed while reading (the sign-up file and its "placed with" column)."""


def rules_text(run: Run) -> str | None:
    """The line that confirms every rule held (report.rules_line)."""
    from empower_cli.report import rules_line

    return rules_line(run.problem, run.verdict, run.assignment.groups)


def build_documents(
    run: Run, *, out: Path, workbook: bool = True, report: bool = True
) -> dict[str, bytes]:
    """rosters.xlsx and report.html (each unless turned off), name -> bytes.

    Raises OutputError (exit 6), naming no data, when a cell cannot be written as UTF-8 (a lone
    surrogate that slipped through reading), as export.write_outputs does for the CSVs."""
    try:
        return _build(run, workbook=workbook, report=report)
    except UnicodeEncodeError:
        raise OutputError(
            f"{out}: a cell holds characters that cannot be written as UTF-8; nothing was written."
        ) from None


def _build(run: Run, *, workbook: bool, report: bool) -> dict[str, bytes]:
    from empower_cli.export import group_header
    from empower_cli.report import (
        changes_lines,
        costs_lines,
        reading_lines,
        rule_lines,
        verdict_line,
    )

    files: dict[str, bytes] = {}
    verdict_text = verdict_line(run.problem, run.assignment, run.verdict)
    rules = rules_text(run)
    each_rule = tuple(rule_lines(run.problem, run.verdict))
    if workbook:
        from empower_cli.workbook import WORKBOOK, WorkbookInput, workbook_bytes

        files[WORKBOOK] = workbook_bytes(
            WorkbookInput(
                cohort=run.cohort,
                problem=run.problem,
                assignment=run.assignment,
                verdict=run.verdict,
                verdict_text=verdict_text,
                group_header=group_header(run.cohort.headers),
                changes=run.changes,
                rule_lines=(*([rules] if rules else []), *each_rule),
            )
        )
    if report:
        from empower_cli.html_report import REPORT, ReportInput, report_bytes

        changes: Sequence[str] = ()
        if run.changes is not None:
            changes = changes_lines(run.problem, run.changes)
        files[REPORT] = report_bytes(
            ReportInput(
                cohort=run.cohort,
                problem=run.problem,
                assignment=run.assignment,
                verdict=run.verdict,
                verdict_text=verdict_text,
                reading=tuple(reading_lines(run.cohort, run.config)),
                warnings=run.warnings,
                rules=rules,
                rule_lines=each_rule,
                costs=tuple(costs_lines(run.verdict.balance.out_of_band, run.costs)),
                changes=tuple(changes),
            )
        )
    return files
