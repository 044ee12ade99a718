"""Benchmark a re-run (`empower assign --previous`) as a whole process (issue 13).

For each size N:GROUPS:LEFT:JOINED this

1. generates a cohort with benchmarks/generate.py (as benchmarks/bench.py does: seeded, class
   years written plainly, 3% of the students in disjoint locked pairs, rounded down; with
   --families the extra columns and last year's groups too);
2. runs the first `python -m empower_cli assign SIGNUPS --groups G --lock LOCKS --out first`
   as a separate process (again before each re-run after the first, so that both are timed in
   turns under the same load);
3. derives the changed sign-ups deterministically: LEFT rows drawn with a seeded generator are
   dropped (their locked pairs with them), and JOINED new students are generated from a seed of
   their own, with new ids (L000001, ...) and e-mail addresses that no earlier student has;
4. re-runs with `--previous first/assignments.csv` --runs times, measuring each run's wall time
   and peak RSS (the child's own ru_maxrss from os.wait4);
5. scores every re-run with the independent yardstick (../shared/yardstick.py) and reads the
   moves, their proven lower bound and "proven" from the re-run's manifest.json;

and prints a Markdown table: size, first-run s and re-run s (median, min-max), peak MB, moved,
moves lower bound, cells out, proven. With --families every size runs with issue 10's rules
(`--balance Gender --balance "M-Home house" --at-least "Willing to facilitate?=Yes"
--avoid-groupmates last_year.csv`) too; with --profile the last re-run of each case runs once
more under cProfile (untimed) and the top of the profile is printed.

    .venv/bin/python benchmarks/bench_rerun.py                         # both sizes, 3 runs
    .venv/bin/python benchmarks/bench_rerun.py --size 5000:300:40:60 --runs 1 --families

Arguments after `--` go to every `empower assign` unchanged. Exit code 0 when every run
succeeded and no hard rule was broken; unmet targets are reported, not failed on. Needs a Unix
(os.wait4). Standard library only.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import shlex
import statistics
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import bench
import generate

DEFAULT_SIZES = ("5000:300:40:60", "20000:1250:200:250")
DEFAULT_RUNS = 3
#: Whole-process seconds a re-run may take (issue 13), by (students, groups).
TARGETS = {(5000, 300): 2.0, (20000, 1250): 8.0}
#: The seed stream of the late sign-ups, apart from the cohort's own.
JOINED_SEED = 7919


@dataclass(frozen=True)
class Case:
    students: int
    groups: int
    left: int
    joined: int

    @property
    def pairs(self) -> int:
        return bench.default_pairs(self.students)

    @property
    def label(self) -> str:
        return f"N={self.students:,}, {self.groups:,} groups, -{self.left} +{self.joined}"

    def size(self) -> bench.Size:
        return bench.Size(self.students, self.groups, self.pairs)


def parse_case(text: str) -> Case:
    """'5000:300:40:60' -> Case(5000, 300, 40, 60)."""
    try:
        numbers = [int(part.replace(",", "").replace("_", "")) for part in text.split(":")]
    except ValueError:
        numbers = []
    if len(numbers) != 4:
        raise argparse.ArgumentTypeError(f"size {text!r} is not N:GROUPS:LEFT:JOINED")
    students, groups, left, joined = numbers
    if not (0 < groups <= students - left and 0 <= left < students and joined >= 0):
        raise argparse.ArgumentTypeError(f"size {text!r} is not a possible re-run")
    return Case(students, groups, left, joined)


@dataclass
class Outcome:
    case: Case
    rules: bool
    first_seconds: list[float] = field(default_factory=list)
    first_manifest: list[float] = field(default_factory=list)
    """The first runs' own wall_seconds (manifest.json: reading to writing, no start-up)."""
    runs: list[bench.Run] = field(default_factory=list)
    moved: list[int] = field(default_factory=list)
    bounds: list[int] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    profile: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        scores = [run.score for run in self.runs]
        return (
            bool(self.runs)
            and not self.problems
            and all(s is not None and not s.pairs_broken and not s.other_broken for s in scores)
        )


# ------------------------------------------------------------------------------- the change


def changed_signups(
    rows: Sequence[dict[str, str]],
    locks: Sequence[tuple[str, str]],
    case: Case,
    seed: int,
    families: bool,
) -> tuple[list[dict[str, str]], list[tuple[str, str]]]:
    """The sign-ups after `case.left` withdrawals (drawn with a seeded generator) and
    `case.joined` late sign-ups (generated from a seed of their own, with new ids and e-mail
    addresses), and the locked pairs both of whose students remain."""
    rng = random.Random(f"{seed}:withdrawn")
    gone = set(rng.sample(range(len(rows)), case.left))
    kept = [row for i, row in enumerate(rows) if i not in gone]
    late = generate.make_cohort(
        case.joined, seed + JOINED_SEED, 0, plain_years=True, extra_columns=families
    ).rows
    for number, row in enumerate(late, start=1):
        row["Student ID"] = f"L{number:06d}"
        local, _, domain = row["Email"].partition("@")
        row["Email"] = f"late{number}.{local}@{domain}"
    present = {row["Student ID"] for row in kept}
    pairs = [(a, b) for a, b in locks if a in present and b in present]
    return [*kept, *late], pairs


# ------------------------------------------------------------------------------------- runs


Settings = bench.Settings  # yardstick_args, deadline and families are not read here


def _command(
    case: Case, signups: Path, locks: Path, out: Path, folder: Path, rules: bool, s: Settings
) -> list[str]:
    command = [sys.executable, "-m", "empower_cli", "assign", str(signups)]
    command += ["--groups", str(case.groups), "--lock", str(locks)]
    if rules:
        command += bench.family_args(folder)
    return [*command, "--out", str(out), "--force", *s.extra]


def _failed(folder: Path, code: int, what: str, timeout: float) -> list[str]:
    stderr = (folder / "stderr.txt").read_text(encoding="utf-8", errors="replace")
    why = f"killed after {timeout:g} s" if code == -1 else f"exit code {code}"
    return [f"{what}: {why}; last lines of stderr:"] + [
        f"  {line}" for line in bench.tail(stderr) or ["(empty)"]
    ]


def _changes(out: Path) -> tuple[int | None, int | None]:
    """(moved, moves lower bound) from a re-run's manifest.json."""
    try:
        data = json.loads((out / "manifest.json").read_text(encoding="utf-8-sig"))
    except (OSError, ValueError):
        return None, None
    changes = data.get("changes") if isinstance(data, dict) else None
    if not isinstance(changes, dict):
        return None, None
    moved, bound = changes.get("moved"), changes.get("moves_lower_bound")
    return (
        moved if isinstance(moved, int) else None,
        bound if isinstance(bound, int) else None,
    )


def _first_run(
    outcome: Outcome, command: Sequence[str], folder: Path, s: Settings, number: int
) -> bool:  # the command writes to folder / "first"
    """Time the first run (its rosters are the same each time); False when it failed."""
    seconds, _, code = bench.run_process(command, folder, s.timeout)
    s.log(f"  first run {number}: {seconds:.2f} s, exit {code}")
    if code != 0:
        outcome.problems += _failed(folder, code, f"first run {number}", s.timeout)
        return False
    outcome.first_seconds.append(seconds)
    inside = bench.read_manifest(folder / "first")[1]
    if inside is not None:
        outcome.first_manifest.append(inside)
    return True


def bench_case(case: Case, rules: bool, base: Path, s: Settings) -> Outcome:
    outcome = Outcome(case, rules)
    folder = base / f"n{case.students}-g{case.groups}{'-rules' if rules else ''}"
    folder.mkdir(parents=True, exist_ok=True)
    s.log(f"{case.label}{' with the rules' if rules else ''}: generating (seed {s.seed})")
    cohort = bench.write_cohort(case.size(), s.seed, folder, families=rules)
    first = folder / "first"
    command = _command(case, cohort.signups, cohort.locks, first, folder, rules, s)
    first_command = command
    if not _first_run(outcome, first_command, folder, s, 1):
        return outcome
    rows, pairs = changed_signups(cohort.rows, cohort.pairs, case, s.seed, rules)
    signups, locks = folder / "signups-changed.csv", folder / "locks-changed.csv"
    generate.write_signups(signups, rows)
    generate.write_locks(locks, pairs)
    second = folder / "second"
    previous = ["--previous", str(first / "assignments.csv")]
    command = [*_command(case, signups, locks, second, folder, rules, s), *previous]
    yardstick_args = [a for c in bench.FAMILY_COLUMNS for a in ("--balance", c)] if rules else []
    for number in range(1, s.runs + 1):
        # first runs and re-runs in turns, so that a change in the machine's load falls on both
        if number > 1 and not _first_run(outcome, first_command, folder, s, number):
            return outcome
        seconds, peak, code = bench.run_process(command, folder, s.timeout)
        s.log(f"  re-run {number}: {seconds:.2f} s, {peak:.0f} MB, exit {code}")
        if code != 0:
            outcome.problems += _failed(folder, code, f"re-run {number}", s.timeout)
            return outcome
        proven, manifest_seconds, _ = bench.read_manifest(second)
        score = bench.run_yardstick(
            s.yardstick, yardstick_args, second / "assignments.csv", locks, outcome.problems
        )
        outcome.runs.append(bench.Run(seconds, peak, code, proven, manifest_seconds, score))
        moved, bound = _changes(second)
        if moved is None:
            outcome.problems.append(f"re-run {number}: no changes.moved in manifest.json")
        else:
            outcome.moved.append(moved)
        if bound is not None:
            outcome.bounds.append(bound)
    if s.profile:
        s.log("  re-run under cProfile (not timed)")
        outcome.profile = bench.profile_empower(command, folder, s)
    return outcome


# ------------------------------------------------------------------------------------ table

HEADER = (
    "size",
    "rules",
    "first-run s",
    "re-run s",
    "in-process s (first / re-run)",
    "peak MB",
    "moved",
    "moves lower bound",
    "cells out",
    "proven",
    "target",
)


def _median_text(seconds: Sequence[float]) -> str:
    """'3.10 (2.90-4.02)': the median, and the range when there are several."""
    if not seconds:
        return "?"
    median = statistics.median(seconds)
    if len(seconds) == 1:
        return f"{median:.2f}"
    return f"{median:.2f} ({min(seconds):.2f}-{max(seconds):.2f})"


def _inside(outcome: Outcome) -> str:
    """The medians of the manifests' wall_seconds, first runs / re-runs."""
    manifest = [run.manifest_seconds for run in outcome.runs if run.manifest_seconds is not None]
    if not (outcome.first_manifest and manifest):
        return "?"
    first, again = statistics.median(outcome.first_manifest), statistics.median(manifest)
    return f"{first:.2f} / {again:.2f}"


def _ints(values: Sequence[int]) -> str:
    if not values:
        return "?"
    low, high = min(values), max(values)
    return f"{low:,}" if low == high else f"{low:,}-{high:,}"


def _target(outcome: Outcome, median: float) -> str:
    case = outcome.case
    limit = TARGETS.get((case.students, case.groups))
    if limit is None:
        return "-"
    verdict = "met" if median <= limit else f"NOT met (+{median - limit:.2f} s)"
    return f"≤ {limit:g} s: {verdict}"


def row_of(outcome: Outcome) -> list[str]:
    case = outcome.case
    size = f"{case.students:,} / {case.groups:,} groups, -{case.left} +{case.joined}"
    rules = "issue 10" if outcome.rules else "-"
    first = _median_text(outcome.first_seconds)
    if not outcome.runs:
        return [size, rules, first, "failed", *["?"] * 7]
    seconds = [run.seconds for run in outcome.runs]
    median = statistics.median(seconds)
    scores = [run.score for run in outcome.runs if run.score is not None]
    cells = _ints([score.out_of_band for score in scores])
    proven = {run.proven for run in outcome.runs}
    return [
        size,
        rules,
        first,
        _median_text(seconds),
        _inside(outcome),
        f"{max(run.peak_mb for run in outcome.runs):.0f}",
        _ints(outcome.moved),
        _ints(outcome.bounds),
        cells,
        "yes" if proven == {True} else ("no" if proven == {False} else "mixed"),
        _target(outcome, median),
    ]


def markdown_table(outcomes: Sequence[Outcome]) -> str:
    lines = ["| " + " | ".join(HEADER) + " |", "|" + " --- |" * len(HEADER)]
    lines += ["| " + " | ".join(row_of(outcome)) + " |" for outcome in outcomes]
    return "\n".join(lines)


def details(outcomes: Sequence[Outcome]) -> list[str]:
    lines: list[str] = []
    for outcome in outcomes:
        label = outcome.case.label + (" with the rules" if outcome.rules else "")
        if outcome.problems:
            lines += [f"{label}: problems", *outcome.problems]
        if outcome.profile:
            lines += [f"{label}: where the re-run's time goes (cProfile)", *outcome.profile]
    return lines


# ------------------------------------------------------------------------------------- main


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bench_rerun.py",
        description="Time a re-run with --previous after withdrawals and late sign-ups, "
        "whole process, and score it with the yardstick.",
        epilog="Arguments after `--` are passed to every `empower assign`.",
    )
    parser.add_argument(
        "--size",
        action="append",
        type=parse_case,
        metavar="N:GROUPS:LEFT:JOINED",
        help=f"case to run; repeat for several (default: {', '.join(DEFAULT_SIZES)})",
    )
    parser.add_argument("--runs", type=int, default=DEFAULT_RUNS, help="re-runs per case")
    parser.add_argument("--seed", type=int, default=0, help="cohort seed (default 0)")
    parser.add_argument(
        "--families",
        action="store_true",
        help="run every case with issue 10's rules too (Gender, M-Home house, a facilitator "
        "in every group, last year's groupmates kept apart)",
    )
    parser.add_argument(
        "--only-families", action="store_true", help="run the cases with the rules only"
    )
    parser.add_argument("--markdown", type=Path, metavar="PATH", help="also write the table here")
    parser.add_argument("--timeout", type=float, default=bench.DEFAULT_TIMEOUT, metavar="SECONDS")
    parser.add_argument("--yardstick", type=Path, default=bench.DEFAULT_YARDSTICK)
    parser.add_argument("--workdir", type=Path, help="keep the cohorts and rosters here")
    parser.add_argument(
        "--profile", action="store_true", help="profile one more re-run per case (untimed)"
    )
    parser.add_argument("--quiet", action="store_true", help="print only the table")
    return parser


def _load() -> str:
    text = bench._first_match("/proc/loadavg", "") or "?"
    return " ".join(text.split()[:3])


def main(argv: Sequence[str] | None = None) -> int:
    raw = sys.argv[1:] if argv is None else list(argv)
    ours, extra = bench.split_extra(raw)
    parser = build_parser()
    args = parser.parse_args(ours)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    cases: list[Case] = args.size or [parse_case(text) for text in DEFAULT_SIZES]
    variants = [True] if args.only_families else ([False, True] if args.families else [False])
    started = dt.datetime.now(dt.UTC)
    load_start = _load()

    log = bench.progress_log(quiet=args.quiet)
    s = Settings(
        runs=args.runs,
        seed=args.seed,
        extra=tuple(extra),
        yardstick=args.yardstick,
        yardstick_args=(),
        timeout=args.timeout,
        deadline=float("inf"),
        log=log,
        profile=args.profile,
    )
    outcomes: list[Outcome] = []
    with tempfile.TemporaryDirectory(prefix="empower-rerun-") as temp:
        base = args.workdir.resolve() if args.workdir else Path(temp)
        for case in cases:
            for rules in variants:
                outcomes.append(bench_case(case, rules, base, s))
    table = markdown_table(outcomes)
    load_end = _load()
    print("\n" + table + "\n")
    for line in details(outcomes):
        print(line)
    print(f"load average (1, 5, 15 min): {load_start} at start, {load_end} at end")
    if args.markdown is not None:
        python = os.path.relpath(sys.executable) if sys.executable else "python"
        command = shlex.join([python, os.path.relpath(__file__), *raw])
        text = [
            "# Re-run benchmark (issue 13)",
            "",
            f"Written by `benchmarks/bench_rerun.py`, {started:%Y-%m-%d %H:%M} UTC, "
            f"Python {platform.python_version()}, {os.cpu_count()} cores; `{command}`; "
            f"load average {load_start} at start, {load_end} at end. `re-run s` is the median "
            "whole-process wall time of the re-runs (min-max beside it), `first-run s` the "
            "same of the first runs, timed in turns with the re-runs; `in-process s` the medians "
            "of the manifests' `wall_seconds` (from reading the files to the checked rosters, "
            "with the pandas import that reading does; without Python's start-up, the other "
            "imports, the workbook, the report and writing the files), less sensitive to load; "
            "`moved` and `moves lower "
            "bound` come from the re-run's manifest.json, `cells out` from the yardstick.",
            "",
            table,
            "",
        ]
        args.markdown.write_text("\n".join(text), encoding="utf-8")
    return 0 if all(outcome.ok for outcome in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
