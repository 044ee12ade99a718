"""Benchmark `empower assign` as a whole process against two simple baselines (issue 6).

For each size N:GROUPS[:PAIRS] this

1. generates a cohort with benchmarks/generate.py (seeded, class years written plainly, since the
   yardstick compares years as written) and a CSV of disjoint locked pairs; by default 3% of the
   students are in locked pairs, rounded down to whole pairs (300 -> 4 pairs, 1,000 -> 15,
   5,000 -> 75, 20,000 -> 300);
2. runs `python -m empower_cli assign SIGNUPS --groups G --lock LOCKS --out DIR --force [EXTRA]`
   as a separate process --runs times, measuring its wall time and its peak resident memory (the
   child's own maximum RSS from os.wait4, so one run never inherits another's figure), in the
   environment a user's shell gives (bytecode caching on: PYTHONDONTWRITEBYTECODE is dropped, so
   the first run may pay for compiling and the median shows the usual run); each run is paired
   with one with --no-workbook --no-report, taken in turns, so that the difference of the
   medians is what writing rosters.xlsx and report.html costs (issue 11);
3. builds two baselines itself (benchmarks/baselines.py): a seeded random assignment and a
   spreadsheet-style serpentine deal by year and interest pattern, both with equal group sizes and
   the locked pairs together;
4. scores every empower run and both baselines with the independent yardstick
   (../shared/yardstick.py): out-of-band cells, total deviation, least possible total deviation,
   locked pairs broken; "proven" comes from the run's manifest.json;

and prints one table per size, then the issue 6 and 11 targets with met / NOT met and the margin.
With --markdown it also writes the tables as Markdown with the machine they ran on; with --profile
it runs empower once more per size under cProfile (untimed) and shows where the time goes.

    .venv/bin/python benchmarks/bench.py                       # all five sizes, 5 runs each
    .venv/bin/python benchmarks/bench.py --size 300:19 --runs 1
    .venv/bin/python benchmarks/bench.py --markdown benchmarks/RESULTS.md -- --workers 2

Arguments after `--` go to `empower assign` unchanged. Wall time is the median of the runs (min-max
beside it); peak memory is the largest of the runs; quality figures show a range when runs differ.
--budget caps the whole benchmark: once a size has run once, a further run starts only if it is
expected to end within the budget (the table then says e.g. 3/5 runs). Exit code 0 when every
empower run succeeded and no hard rule was broken; unmet targets are reported, not failed on.
Needs a Unix (os.wait4). Standard library only.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import platform
import pstats
import re
import shlex
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

import baselines
import generate

BENCHMARKS = Path(__file__).resolve().parent
REPO_ROOT = BENCHMARKS.parent
DEFAULT_YARDSTICK = REPO_ROOT.parent / "shared" / "yardstick.py"
DEFAULT_SIZES = ("300:19", "1000:60", "5000:300", "20000:1250", "100000:6250")
DEFAULT_RUNS = 5
DEFAULT_BUDGET = 540.0  # seconds: `make bench` must finish within 10 minutes
DEFAULT_TIMEOUT = 300.0
LOCKED_PERCENT = 3  # share of students in locked pairs when a size does not give the pair count
GROUP_COLUMN = "group"
STDERR_TAIL_LINES = 8
MB = 1_000_000  # bytes; 1 GB in the targets is 1,000 MB
EMPOWER = "empower"
#: empower without rosters.xlsx and report.html: the baseline for what writing them costs.
BARE = "empower --no-workbook --no-report"
BARE_FLAGS = ("--no-workbook", "--no-report")
#: With --families: the same columns balanced, without the facilitator rule and last year.
NO_RULES = "empower, balance only (no rules)"
RANDOM = "random"
SERPENTINE = "serpentine"
#: With --families: the columns balanced beside class years and interests, and the rules.
FAMILY_COLUMNS = ("Gender", "M-Home house")
FACILITATE = "Willing to facilitate?=Yes"
LAST_YEAR = "last_year.csv"


# --------------------------------------------------------------------------------------- sizes


@dataclass(frozen=True)
class Size:
    students: int
    groups: int
    pairs: int

    @property
    def label(self) -> str:
        return f"N={self.students:,}, {self.groups:,} groups, {self.pairs:,} locked pairs"

    @property
    def folder(self) -> str:
        return f"n{self.students}-g{self.groups}-p{self.pairs}"


def default_pairs(students: int) -> int:
    """Pairs holding LOCKED_PERCENT of the students, rounded down: 300 -> 4 (8 students)."""
    return students * LOCKED_PERCENT // 200


def parse_size(text: str) -> Size:
    """'300:19:10' -> Size(300, 19, 10); without a pair count, 3% of the students are paired."""
    parts = text.split(":")
    try:
        numbers = [int(part.replace(",", "").replace("_", "")) for part in parts]
    except ValueError:
        numbers = []
    if len(numbers) not in (2, 3):
        raise argparse.ArgumentTypeError(f"size {text!r} is not N:GROUPS[:PAIRS]")
    students, groups = numbers[0], numbers[1]
    pairs = numbers[2] if len(numbers) == 3 else default_pairs(students)
    if students < 1 or groups < 1 or groups > students or pairs < 0 or 2 * pairs > students:
        raise argparse.ArgumentTypeError(f"size {text!r} is not a possible cohort")
    return Size(students, groups, pairs)


# ------------------------------------------------------------------------------------- results


@dataclass(frozen=True)
class Score:
    """What the yardstick says about one roster."""

    out_of_band: int
    cells: int
    total_deviation: float
    least_deviation: float
    pairs_broken: int
    other_broken: tuple[str, ...]  # apart pairs joined, group sizes too far apart
    by_family: str = ""  # "year 0, interest 0, Gender 0, ..." when the yardstick gives it


@dataclass(frozen=True)
class Run:
    seconds: float
    peak_mb: float
    exit_code: int
    proven: bool | None = None
    manifest_seconds: float | None = None  # the manifest's own wall_seconds
    score: Score | None = None
    documents_seconds: float | None = None  # the manifest's documents_seconds (issue 11)


@dataclass
class MethodResult:
    method: str
    runs: list[Run] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # failures: the exit code becomes 1
    notes: list[str] = field(default_factory=list)  # e.g. runs left out to keep to the budget
    wanted_runs: int = 1

    @property
    def scores(self) -> list[Score]:
        return [run.score for run in self.runs if run.score is not None]

    @property
    def ok(self) -> bool:
        return (
            bool(self.runs)
            and all(run.exit_code == 0 for run in self.runs)
            and len(self.scores) == len(self.runs)
            and all(s.pairs_broken == 0 and not s.other_broken for s in self.scores)
            and not self.problems
        )


@dataclass
class SizeResult:
    size: Size
    methods: list[MethodResult]
    profile: list[str] = field(default_factory=list)  # from --profile: where the time goes

    def method(self, name: str) -> MethodResult | None:
        return next((m for m in self.methods if m.method == name), None)


# --------------------------------------------------------------------------------------- cohort


@dataclass(frozen=True)
class Cohort:
    rows: list[dict[str, str]]
    pairs: list[tuple[str, str]]
    signups: Path
    locks: Path


def write_cohort(size: Size, seed: int, folder: Path, families: bool = False) -> Cohort:
    """Generate the cohort and its locked pairs, and write both as CSV files in `folder`; with
    `families`, the extra columns too and last year's groups (LAST_YEAR)."""
    made = generate.make_cohort(
        size.students, seed, size.pairs, plain_years=True, extra_columns=families
    )
    rows, pairs = made.rows, made.locks
    cohort = Cohort(rows, pairs, folder / "signups.csv", folder / "locks.csv")
    generate.write_signups(cohort.signups, rows)
    generate.write_locks(cohort.locks, pairs)
    if families:
        groups = generate.default_groups(size.students)
        earlier = generate.last_year(made, seed, groups, plain_years=True)
        generate.write_last_year(folder / LAST_YEAR, earlier)
    return cohort


def family_args(folder: Path, *, rules: bool = True) -> list[str]:
    """What `empower assign` is given with --families: the columns balanced, and unless
    `rules` is False the facilitator rule and last year's groups."""
    args = [item for column in FAMILY_COLUMNS for item in ("--balance", column)]
    if not rules:
        return args
    return [*args, "--at-least", FACILITATE, "--avoid-groupmates", str(folder / LAST_YEAR)]


def write_assignments(path: Path, rows: Sequence[dict[str, str]], groups: dict[str, int]) -> None:
    with_group = [{**row, GROUP_COLUMN: str(groups[row[baselines.ID]])} for row in rows]
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=[*rows[0], GROUP_COLUMN])
        writer.writeheader()
        writer.writerows(with_group)


# ------------------------------------------------------------------------------------ yardstick

_OUT_OF_BAND = re.compile(r"out-of-band cells (\d+) of (\d+)")
_DEVIATION = re.compile(r"total deviation ([0-9.]+) \(least possible ([0-9.]+)\)")


def tail(text: str, lines: int = STDERR_TAIL_LINES) -> list[str]:
    """The last non-blank lines of a process's output."""
    kept = [line.rstrip() for line in text.splitlines() if line.strip()]
    return kept[-lines:]


def parse_yardstick(stdout: str) -> Score | None:
    """The yardstick's printed figures; None when it printed no score."""
    oob, dev = _OUT_OF_BAND.search(stdout), _DEVIATION.search(stdout)
    if oob is None or dev is None:
        return None
    lines = [line.strip() for line in stdout.splitlines()]
    broken = [line for line in lines if line.startswith("locked pair split")]
    other = tuple(
        line
        for line in lines
        if line.startswith(("apart pair joined", "group sizes differ"))
        or line.startswith("locked pair split: unknown")
    )
    return Score(
        out_of_band=int(oob.group(1)),
        cells=int(oob.group(2)),
        total_deviation=float(dev.group(1)),
        least_deviation=float(dev.group(2)),
        pairs_broken=len(broken),
        other_broken=other,
        by_family=next(
            (line.split(":", 1)[1].strip() for line in lines if line.startswith(_BY_FAMILY)), ""
        ),
    )


_BY_FAMILY = "out-of-band cells by family:"


def run_yardstick(
    yardstick: Path, extra: Sequence[str], assignments: Path, locks: Path, problems: list[str]
) -> Score | None:
    if not yardstick.is_file():
        problems.append(f"yardstick not found at {yardstick} (see --yardstick)")
        return None
    command = [sys.executable, str(yardstick), str(assignments), "--lock", str(locks), *extra]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    score = parse_yardstick(done.stdout)
    if score is None:
        problems.append(f"yardstick printed no score (exit code {done.returncode}):")
        problems += [f"  {line}" for line in tail(done.stderr) or ["(no stderr)"]]
    return score


# -------------------------------------------------------------------------------------- empower


def progress_log(*, quiet: bool) -> Callable[[str], None]:
    """Where a benchmark says what it is doing: printed at once, or nowhere with --quiet."""

    def log(text: str) -> None:
        if not quiet:
            print(text, flush=True)

    return log


@dataclass(frozen=True)
class Measured:
    """One process run: wall seconds, CPU seconds (its own and those of the children it waited
    for), peak RSS in MB, exit code (-1 when killed after the timeout)."""

    seconds: float
    cpu: float
    peak_mb: float
    code: int


def measure_process(command: Sequence[str], folder: Path, timeout: float) -> Measured:
    """Run `command` in `folder`, output to stdout.txt and stderr.txt there, and measure it.

    The peak is the child's own ru_maxrss from os.wait4 (which also covers any process the child
    itself waited for), so it is per run, not the benchmark's cumulative RUSAGE_CHILDREN.
    """
    # The environment a coordinator's shell gives: Python caches bytecode (the first run writes
    # it; later runs read it) and buffers output. A sandbox or CI that turns either off would
    # otherwise charge every run for compiling empower's modules again.
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("PYTHONDONTWRITEBYTECODE", "PYTHONUNBUFFERED")
    }
    killed = threading.Event()
    with (folder / "stdout.txt").open("wb") as out, (folder / "stderr.txt").open("wb") as err:
        start = time.perf_counter()
        process = subprocess.Popen(command, cwd=folder, env=env, stdout=out, stderr=err)

        def kill() -> None:
            killed.set()
            process.kill()

        timer = threading.Timer(timeout, kill)
        timer.start()
        try:
            _, status, usage = os.wait4(process.pid, 0)
        finally:
            timer.cancel()
        seconds = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen.wait
    # ru_maxrss is in KiB on Linux and in bytes on macOS
    peak_bytes = usage.ru_maxrss if sys.platform == "darwin" else usage.ru_maxrss * 1024
    code = -1 if killed.is_set() else process.returncode
    return Measured(seconds, usage.ru_utime + usage.ru_stime, peak_bytes / MB, code)


def run_process(command: Sequence[str], folder: Path, timeout: float) -> tuple[float, float, int]:
    """Run `command` in `folder`; (wall seconds, peak RSS in MB, exit code; -1 when killed)."""
    measured = measure_process(command, folder, timeout)
    return measured.seconds, measured.peak_mb, measured.code


def read_manifest(out_dir: Path) -> tuple[bool | None, float | None, float | None]:
    """("proven_optimal", "wall_seconds", "documents_seconds") from the run's manifest.json,
    None when absent."""
    try:
        data = json.loads((out_dir / "manifest.json").read_text(encoding="utf-8-sig"))
    except (OSError, ValueError):
        return None, None, None
    proven, seconds = find_key(data, "proven_optimal"), find_key(data, "wall_seconds")
    documents = find_key(data, "documents_seconds")
    return (
        proven if isinstance(proven, bool) else None,
        float(seconds) if isinstance(seconds, int | float) else None,
        float(documents) if isinstance(documents, int | float) else None,
    )


def find_key(data: object, key: str) -> object:
    """The value of `key` in a JSON document, searched breadth-first; None when absent."""
    queue: list[object] = [data]
    while queue:
        node = queue.pop(0)
        if isinstance(node, dict):
            if key in node:
                return node[key]
            queue.extend(node.values())
        elif isinstance(node, list):
            queue.extend(node)
    return None


@dataclass(frozen=True)
class Settings:
    runs: int
    seed: int
    extra: tuple[str, ...]
    yardstick: Path
    yardstick_args: tuple[str, ...]
    timeout: float
    deadline: float  # time.perf_counter() value after which no further repeat run starts
    log: Callable[[str], None]
    profile: bool = False
    families: bool = False


def empower_command(
    size: Size, signups: Path, locks: Path, folder: Path, s: Settings, *, rules: bool = True
) -> list[str]:
    command = [sys.executable, "-m", "empower_cli", "assign", str(signups)]
    command += ["--groups", str(size.groups), "--lock", str(locks)]
    if s.families:
        command += family_args(folder, rules=rules)
    return [*command, "--out", str(folder / "out"), "--force", *s.extra]


def bench_empower(
    size: Size, signups: Path, locks: Path, folder: Path, s: Settings
) -> list[MethodResult]:
    """Runs of empower as it is (EMPOWER) and without its documents (BARE: --no-workbook
    --no-report), taken in turns so that a change in the machine's load falls on both."""
    variants: list[tuple[str, tuple[str, ...]]] = [(EMPOWER, ()), (BARE, BARE_FLAGS)]
    if s.families:  # the same columns balanced without the facilitator rule and last year
        variants.append((NO_RULES, ()))
    results = [MethodResult(name, wanted_runs=s.runs) for name, _ in variants]
    out_dir = folder / "out"
    for number in range(1, s.runs + 1):
        if results[0].runs:
            expected = sum(max(run.seconds for run in r.runs) for r in results if r.runs)
            if time.perf_counter() + expected > s.deadline:
                for result in results:
                    result.notes.append(
                        f"budget: {len(result.runs)} of {s.runs} runs, the next would end past "
                        "--budget"
                    )
                break
        for result, (name, flags) in zip(results, variants, strict=True):
            if result.problems:
                continue
            rules = name != NO_RULES
            command = [*empower_command(size, signups, locks, folder, s, rules=rules), *flags]
            seconds, peak, code = run_process(command, folder, s.timeout)
            s.log(f"  {name} run {number}: {seconds:.2f} s, {peak:.0f} MB, exit {code}")
            if code != 0:
                stderr = (folder / "stderr.txt").read_text(encoding="utf-8", errors="replace")
                why = f"killed after {s.timeout:g} s" if code == -1 else f"exit code {code}"
                result.runs.append(Run(seconds, peak, code))
                result.problems.append(f"run {number}: {why}; last lines of stderr:")
                result.problems += [f"  {line}" for line in tail(stderr) or ["(empty)"]]
                continue  # a failing command fails the same way again; its timing means nothing
            proven, manifest_seconds, documents = read_manifest(out_dir)
            score = run_yardstick(
                s.yardstick, s.yardstick_args, out_dir / "assignments.csv", locks, result.problems
            )
            result.runs.append(Run(seconds, peak, code, proven, manifest_seconds, score, documents))
    return results


def bench_baseline(
    name: str,
    groups: dict[str, int],
    rows: Sequence[dict[str, str]],
    locks: Path,
    folder: Path,
    s: Settings,
) -> MethodResult:
    result = MethodResult(name)
    path = folder / name / "assignments.csv"
    write_assignments(path, rows, groups)
    score = run_yardstick(s.yardstick, s.yardstick_args, path, locks, result.problems)
    result.runs.append(Run(0.0, 0.0, 0, score=score))
    return result


def bench_size(size: Size, base: Path, s: Settings) -> SizeResult:
    folder = base / size.folder
    folder.mkdir(parents=True, exist_ok=True)
    s.log(f"{size.label}: generating the cohort (seed {s.seed})")
    cohort = write_cohort(size, s.seed, folder, s.families)
    rows, signups, locks = cohort.rows, cohort.signups, cohort.locks
    random_roster = baselines.random_groups(rows, size.groups, cohort.pairs, s.seed)
    serpentine_roster = baselines.serpentine_groups(rows, size.groups, cohort.pairs)

    measured = bench_empower(size, signups, locks, folder, s)
    result = SizeResult(
        size,
        [
            *measured,
            bench_baseline(RANDOM, random_roster, rows, locks, folder, s),
            bench_baseline(SERPENTINE, serpentine_roster, rows, locks, folder, s),
        ],
    )
    if s.profile:
        s.log("  empower run under cProfile (not timed)")
        command = empower_command(size, signups, locks, folder, s)
        result.profile = profile_empower(command, folder, s)
    return result


# -------------------------------------------------------------------------------------- profile

PROFILE_TOP = 15
# pstats' raw table: (file, line, function) -> (primitive calls, calls, own, cumulative, callers)
StatsTable = dict[tuple[str, int, str], tuple[int, int, float, float, object]]


def profile_empower(command: Sequence[str], folder: Path, s: Settings) -> list[str]:
    """Run empower once more under cProfile; where the time goes, as lines of text.

    Lists empower's own functions by cumulative time, after the time spent in imports and in
    os.fsync. The profiler slows Python code (not the solver's C++ threads), so read it for
    proportions, not for seconds.
    """
    stats_file = folder / "empower.prof"
    python, _, *rest = command  # [python, -m, empower_cli, ...]
    profiled = [python, "-m", "cProfile", "-o", str(stats_file), "-m", *rest]
    seconds, _, code = run_process(profiled, folder, s.timeout)
    if code != 0 or not stats_file.is_file():
        return [f"profiled run failed (exit code {code})"]
    table: StatsTable = pstats.Stats(str(stats_file)).stats  # type: ignore[attr-defined]
    own = sorted(
        (
            (cumulative, own_time, f"{file.rsplit('empower_cli/', 1)[-1]}:{line}({name})")
            for (file, line, name), (_, _, own_time, cumulative, _) in table.items()
            if "empower_cli" in file
        ),
        reverse=True,
    )
    imports = max(
        (cum for (_, _, name), (_, _, _, cum, _) in table.items() if name == "_find_and_load"),
        default=0.0,
    )
    fsync = sum(tt for (_, _, name), (_, _, tt, _, _) in table.items() if "fsync" in name)
    lines = [
        f"profiled run: {seconds:.2f} s whole process; imports {imports:.2f} s, "
        f"os.fsync {fsync:.2f} s",
        f"{'cumulative s':>12}  {'own s':>7}  function",
    ]
    lines += [f"{cum:12.2f}  {tt:7.2f}  {where}" for cum, tt, where in own[:PROFILE_TOP]]
    return lines


# -------------------------------------------------------------------------------------- targets


@dataclass(frozen=True)
class Target:
    students: int
    groups: int
    max_seconds: float
    proven: bool = False
    zero_out_of_band: bool = False
    max_peak_mb: float | None = None


TARGETS: tuple[Target, ...] = (
    Target(300, 19, 1.0, proven=True),
    Target(5000, 300, 3.0, zero_out_of_band=True),
    Target(20000, 1250, 60.0, zero_out_of_band=True, max_peak_mb=1000.0),
    Target(100000, 6250, 8.0, zero_out_of_band=True, max_peak_mb=1000.0),  # issue 13
)

#: Issue 13's anchors: the peers' figures measured side by side on a 2-core machine (the best
#: settings of each, three seeds, whole process), quoted from the issue; the benchmark does not
#: run them.
ANCHORS = (
    "| N=300, G=19 | anticlust, pairs kept | 0.91 s |",
    "| N=5,000, G=300 | anticlust, pairs kept | 87 s |",
    "| N=20,000, G=1,250 | anticlust, pairs kept | out of memory after 9 minutes (17 GB) |",
    "| N=300, 60 groups of 5 | GroupEng, pairs ignored | 0.4 s, 0 cells out |",
)


#: Issue 10's targets for its cohorts (--families), every family and rule included. At 20,000
#: the generated cohort locks two Nonbinary students together in groups of exactly 16, which
#: puts 2 cells out in any roster: "proven" says whether the run reached that least.
FAMILY_TARGETS: tuple[Target, ...] = (
    Target(300, 19, 1.5, proven=True, zero_out_of_band=True),
    Target(5000, 300, 5.0, proven=True, zero_out_of_band=True),
    Target(20000, 1250, 30.0, proven=True, zero_out_of_band=True, max_peak_mb=1000.0),
)

FAMILIES = False


def target_for(size: Size) -> Target | None:
    targets = FAMILY_TARGETS if FAMILIES else TARGETS
    return next(
        (t for t in targets if (t.students, t.groups) == (size.students, size.groups)), None
    )


def check_target(target: Target, empower: MethodResult) -> list[tuple[str, bool, str]]:
    """(what, met, figure) for each part of the target; a part without data is not met."""
    runs = [run for run in empower.runs if run.exit_code == 0]
    checks: list[tuple[str, bool, str]] = []
    if runs:
        median = statistics.median(run.seconds for run in runs)
        over = median - target.max_seconds
        figure = f"{median:.2f} s" + (f", {over:.2f} s over" if over > 0 else "")
        checks.append((f"wall time <= {target.max_seconds:g} s (median)", over <= 0, figure))
    else:
        checks.append((f"wall time <= {target.max_seconds:g} s (median)", False, "no run"))
    if target.proven:
        proven = sum(run.proven is True for run in runs)
        figure = f"{proven}/{len(runs)} runs" if runs else "no run"
        checks.append(("proven optimal", bool(runs) and proven == len(runs), figure))
    if target.zero_out_of_band:
        scores = empower.scores
        worst = max((score.out_of_band for score in scores), default=None)
        met = worst == 0 and len(scores) == len(runs) > 0
        checks.append(("0 out-of-band cells", met, "no score" if worst is None else f"{worst}"))
    if target.max_peak_mb is not None:
        peak = max((run.peak_mb for run in runs), default=None)
        if peak is None:
            checks.append((f"peak memory <= {target.max_peak_mb:,.0f} MB", False, "no run"))
        else:
            over_mb = peak - target.max_peak_mb
            figure = f"{peak:,.0f} MB" + (f", {over_mb:,.0f} MB over" if over_mb > 0 else "")
            checks.append((f"peak memory <= {target.max_peak_mb:,.0f} MB", over_mb <= 0, figure))
    return checks


# --------------------------------------------------------------------------------------- tables

HEADERS = (
    "method",
    "runs",
    "wall s (median)",
    "min-max s",
    "manifest s",
    "peak MB",
    "out-of-band",
    "total dev",
    "least dev",
    "proven",
    "pairs broken",
)


def span(values: Sequence[float], fmt: str) -> str:
    """'3' when all values agree, '2-5' when they differ, '-' when there are none."""
    if not values:
        return "-"
    low, high = format(min(values), fmt), format(max(values), fmt)
    return low if low == high else f"{low}-{high}"


def table_rows(result: SizeResult) -> list[list[str]]:
    rows: list[list[str]] = []
    for m in result.methods:
        ok_runs = [run for run in m.runs if run.exit_code == 0]
        seconds = [run.seconds for run in ok_runs]
        manifest_seconds = [run.manifest_seconds for run in ok_runs if run.manifest_seconds]
        scores = m.scores
        measured = m.method in (EMPOWER, BARE, NO_RULES)
        if measured:
            proven_count = sum(run.proven is True for run in ok_runs)
            proven = {len(ok_runs): "yes", 0: "no"}.get(
                proven_count, f"{proven_count}/{len(ok_runs)}"
            )
        rows.append(
            [
                m.method if measured else f"{m.method} (baseline)",
                f"{len(m.runs)}/{m.wanted_runs}" if measured else "-",
                f"{statistics.median(seconds):.2f}" if measured and seconds else "-",
                span(seconds, ".2f") if measured else "-",
                f"{statistics.median(manifest_seconds):.2f}" if manifest_seconds else "-",
                f"{max(run.peak_mb for run in ok_runs):.0f}" if measured and ok_runs else "-",
                span([s.out_of_band for s in scores], "d")
                + (f" ({scores[-1].by_family})" if scores and scores[-1].by_family else ""),
                span([s.total_deviation for s in scores], ".2f"),
                span([s.least_deviation for s in scores], ".2f"),
                proven if measured and ok_runs else "-",
                span([s.pairs_broken for s in scores], "d"),
            ]
        )
    return rows


#: Issue 11: what writing rosters.xlsx and report.html may add to a run, in seconds, as a
#: function of the run's time without them.
DOCUMENT_TARGETS: dict[tuple[int, int], tuple[str, Callable[[float], float]]] = {
    (300, 19): ("workbook and report add <= 0.3 s", lambda bare: 0.3),
    (20000, 1250): ("workbook and report add <= half the run's time", lambda bare: bare / 2),
}


def document_checks(result: SizeResult) -> list[tuple[str, bool, str]]:
    """The issue 11 target: the median run with the documents against the median without."""
    target = DOCUMENT_TARGETS.get((result.size.students, result.size.groups))
    if target is None:
        return []
    what, limit_of = target
    medians = []
    for name in (EMPOWER, BARE):
        method = result.method(name)
        runs = [run.seconds for run in method.runs if run.exit_code == 0] if method else []
        if not runs:
            return [(what, False, "no run")]
        medians.append(statistics.median(runs))
    full, bare = medians
    added, limit = full - bare, limit_of(bare)
    figure = f"{added:+.2f} s ({full:.2f} s against {bare:.2f} s; limit {limit:.2f} s)"
    method = result.method(EMPOWER)
    inside = (
        [run.documents_seconds for run in method.runs if run.documents_seconds] if method else []
    )
    if inside:
        figure += f"; building them in the run: {statistics.median(inside):.2f} s"
    return [(what, added <= limit, figure)]


def target_checks(result: SizeResult) -> list[tuple[str, bool, str]]:
    target = target_for(result.size)
    empower = result.method(EMPOWER)
    checks = [] if target is None or empower is None else check_target(target, empower)
    return checks + document_checks(result)


def target_lines(result: SizeResult) -> list[str]:
    return [
        f"target {what}: {'met' if met else 'NOT met'} ({figure})"
        for what, met, figure in target_checks(result)
    ]


def targets_summary(results: Sequence[SizeResult]) -> list[list[str]]:
    """One row per part of every issue 6 target among the sizes run: size, target, figure, met."""
    return [
        [f"N={r.size.students:,}, G={r.size.groups:,}", what, figure, "met" if met else "NOT met"]
        for r in results
        for what, met, figure in target_checks(r)
    ]


def problem_lines(result: SizeResult) -> list[str]:
    lines = [f"{m.method}: {text}" for m in result.methods for text in m.notes + m.problems]
    for m in result.methods:
        for score in {other for s in m.scores for other in s.other_broken}:
            lines.append(f"{m.method}: yardstick: {score}")
    return lines


def format_text(result: SizeResult) -> str:
    rows = table_rows(result)
    widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(HEADERS)]

    def line(cells: Sequence[str]) -> str:
        first = cells[0].ljust(widths[0])
        rest = (cell.rjust(width) for cell, width in zip(cells[1:], widths[1:], strict=True))
        return "  ".join([first, *rest])

    out = [result.size.label, line(HEADERS), line(["-" * w for w in widths])]
    out += [line(row) for row in rows]
    out += [f"  {text}" for text in target_lines(result) + problem_lines(result)]
    out += [f"  {text}" for text in result.profile]
    return "\n".join(out)


def format_markdown(result: SizeResult) -> str:
    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(cells) + " |"

    out = [f"### {result.size.label}", "", line(HEADERS)]
    out.append(line(["---"] + ["---:"] * (len(HEADERS) - 1)))
    out += [line(row) for row in table_rows(result)]
    extra = target_lines(result) + problem_lines(result)
    if extra:
        out.append("")
        out += [f"- {text}" for text in extra]
    if result.profile:
        out += ["", "```", *result.profile, "```"]
    return "\n".join(out)


# -------------------------------------------------------------------------------------- machine


def _first_match(path: str, prefix: str) -> str | None:
    try:
        text = Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    for line in text.splitlines():
        if line.startswith(prefix):
            return line.split(":", 1)[1].strip() if ":" in line else line[len(prefix) :]
    return None


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def _git(*args: str) -> str | None:
    try:
        done = subprocess.run(
            ["git", *args], cwd=REPO_ROOT, capture_output=True, text=True, check=True
        )
    except (OSError, subprocess.CalledProcessError):
        return None
    return done.stdout.strip()


def _os_name() -> str:
    pretty = _first_match("/etc/os-release", "PRETTY_NAME=")
    kernel = f"{platform.system()} {platform.release()}"
    return f"{pretty.strip(chr(34))}, {kernel}" if pretty else kernel


def machine_lines(command: str, started: dt.datetime, load_start: str | None) -> list[str]:
    mem_kb = _first_match("/proc/meminfo", "MemTotal")
    ram = f"{int(mem_kb.split()[0]) / 1024**2:.1f} GiB" if mem_kb else "unknown"
    cores = os.cpu_count()
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else cores
    commit = _git("rev-parse", "--short", "HEAD")
    dirty = _git("status", "--porcelain", "--untracked-files=no")
    load_end = _first_match("/proc/loadavg", "")
    return [
        f"- date: {started:%Y-%m-%d %H:%M} UTC",
        f"- command: `{command}`",
        f"- CPU: {_first_match('/proc/cpuinfo', 'model name') or platform.processor() or '?'}",
        f"- cores: {cores} ({usable} usable by this process); RAM: {ram}",
        f"- OS: {_os_name()}",
        f"- Python {platform.python_version()}, OR-Tools {_version('ortools')}, "
        f"pandas {_version('pandas')}, empower {_version('empower-cli')}",
        f"- empower commit: {commit or 'unknown'}{' (with uncommitted changes)' if dirty else ''}",
        f"- load average (1, 5, 15 min) at start: {' '.join((load_start or '?').split()[:3])}, "
        f"at end: {' '.join((load_end or '?').split()[:3])}",
    ]


def markdown_document(
    results: Sequence[SizeResult],
    args: argparse.Namespace,
    command: str,
    started: dt.datetime,
    load_start: str | None,
    note: str | None,
) -> str:
    reduced = []
    if args.runs < DEFAULT_RUNS:
        reduced.append(f"{args.runs} run(s) per size instead of {DEFAULT_RUNS}")
    chosen = {(r.size.students, r.size.groups) for r in results}
    missing = [s for s in map(parse_size, DEFAULT_SIZES) if (s.students, s.groups) not in chosen]
    if missing:
        reduced.append("sizes left out: " + ", ".join(f"N={s.students:,}" for s in missing))
    if any(m.notes for r in results for m in r.methods):
        reduced.append("runs were left out to keep to the time budget (see under the tables)")
    if any(m.problems for r in results for m in r.methods):
        reduced.append("some runs failed (see under the tables)")
    out = ["# Benchmark results", ""]
    if note:
        out += [f"> {note}", ""]
    if reduced:
        out += ["> Reduced run: " + "; ".join(reduced) + ".", ""]
    out += [
        "Written by `benchmarks/bench.py` (`make bench`; `--help` for the options). Each size is "
        f"a cohort generated with seed {args.seed} (class years M1 30%, M2 27%, M3 20%, M4 15%, "
        "MSTP 8%; one to three correlated interests among four) with 3% of the students in "
        "disjoint locked pairs, rounded down. `empower assign` runs as a whole process; "
        "`wall s` is the median of the runs (min-max beside it), `peak MB` the largest maximum "
        "resident set size of the empower process over the runs (1 MB = 10^6 bytes), and "
        "`manifest s` the `wall_seconds` empower writes in its manifest (from reading the "
        "sign-ups to the manifest: start-up, imports, writing the files and exit come on top). "
        "Quality figures come from the independent yardstick (`../shared/yardstick.py`) for every "
        "run, shown as a range when runs differ; `proven` is read from each run's manifest. The "
        "two baselines are built by the benchmark itself (`benchmarks/baselines.py`) on the same "
        "cohorts, with equal group sizes and the locked pairs together.",
        "",
        "## Machine",
        "",
        *machine_lines(command, started, load_start),
        "",
    ]
    summary = targets_summary(results)
    if summary:
        out += [
            "## Targets (issues 10 and 11)" if FAMILIES else "## Targets (issues 6 and 11)",
            "",
            "| size | target | figure | |",
            "| --- | --- | ---: | --- |",
        ]
        out += ["| " + " | ".join(row) + " |" for row in summary]
        out += [""]
    if not FAMILIES:
        out += [
            "## Anchors (issue 13: the peers, quoted, not run here)",
            "",
            "| size | tool | figure |",
            "| --- | --- | --- |",
            *ANCHORS,
            "",
        ]
    out += ["## Results", ""]
    for result in results:
        out += [format_markdown(result), ""]
    return "\n".join(out)


# ----------------------------------------------------------------------------------------- main


def split_extra(argv: Sequence[str]) -> tuple[list[str], list[str]]:
    """Arguments before `--` are ours; those after it go to `empower assign`."""
    args = list(argv)
    if "--" in args:
        cut = args.index("--")
        return args[:cut], args[cut + 1 :]
    return args, []


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bench.py",
        description=(
            "Time `empower assign` as a whole process (wall time, peak memory) on synthetic "
            "cohorts, score it and two baselines (random, serpentine deal) with the yardstick, "
            "and check the issue 6 and 11 targets."
        ),
        epilog=(
            "Arguments after `--` are passed to `empower assign`, e.g. `-- --workers 1`. "
            "Without a pair count, 3% of the students are in locked pairs (rounded down)."
        ),
    )
    parser.add_argument(
        "--size",
        action="append",
        type=parse_size,
        metavar="N:GROUPS[:PAIRS]",
        help=f"cohort to run; repeat for several (default: {', '.join(DEFAULT_SIZES)})",
    )
    parser.add_argument(
        "--runs",
        type=int,
        default=DEFAULT_RUNS,
        help=f"empower runs per size (default {DEFAULT_RUNS})",
    )
    parser.add_argument(
        "--seed", type=int, default=0, help="cohort and random-baseline seed (default 0)"
    )
    parser.add_argument(
        "--markdown",
        type=Path,
        metavar="PATH",
        help="also write the tables and the machine as Markdown (e.g. benchmarks/RESULTS.md)",
    )
    parser.add_argument(
        "--note", help="a line to put at the top of the Markdown file (e.g. 'noisy machine')"
    )
    parser.add_argument(
        "--budget",
        type=float,
        default=DEFAULT_BUDGET,
        metavar="SECONDS",
        help="no repeat run starts if it would end past this many seconds since the start; "
        f"each size still runs once (default {DEFAULT_BUDGET:g})",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_TIMEOUT,
        metavar="SECONDS",
        help=f"kill an empower run after this long (default {DEFAULT_TIMEOUT:g})",
    )
    parser.add_argument(
        "--yardstick",
        type=Path,
        default=DEFAULT_YARDSTICK,
        help=f"path of yardstick.py (default {DEFAULT_YARDSTICK})",
    )
    parser.add_argument(
        "--yardstick-arg",
        action="append",
        default=[],
        metavar="ARG",
        help="extra argument for yardstick.py, e.g. --yardstick-arg=--group=Group (repeatable)",
    )
    parser.add_argument(
        "--workdir",
        type=Path,
        help="keep cohorts, rosters and logs here (one folder per size) instead of a temporary one",
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="after the timed runs of each size, run empower once more under cProfile (not "
        "timed) and show where the time goes",
    )
    parser.add_argument(
        "--families",
        action="store_true",
        help="issue 10's cohorts: Gender, M-Home house, a facilitator column and last year's "
        f"groups, run with {' '.join(['--balance ' + repr(c) for c in FAMILY_COLUMNS])} "
        f"--at-least {FACILITATE!r} --avoid-groupmates {LAST_YEAR} (the yardstick scores the "
        "balanced columns too; the issue 6 targets are not checked)",
    )
    parser.add_argument("--quiet", action="store_true", help="print only the tables")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    raw = sys.argv[1:] if argv is None else list(argv)
    ours, extra = split_extra(raw)
    parser = build_parser()
    args = parser.parse_args(ours)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    sizes: list[Size] = args.size or [parse_size(text) for text in DEFAULT_SIZES]
    started = dt.datetime.now(dt.UTC)
    load_start = _first_match("/proc/loadavg", "")
    clock = time.perf_counter()

    log = progress_log(quiet=args.quiet)
    settings = Settings(
        runs=args.runs,
        seed=args.seed,
        extra=tuple(extra),
        yardstick=args.yardstick,
        yardstick_args=tuple(args.yardstick_arg)
        + (
            tuple(item for column in FAMILY_COLUMNS for item in ("--balance", column))
            if args.families
            else ()
        ),
        timeout=args.timeout,
        deadline=clock + args.budget,
        log=log,
        profile=args.profile,
        families=args.families,
    )
    global FAMILIES  # read by target_for: issue 10's cohorts have no issue 6 targets
    FAMILIES = args.families
    log(
        f"python {platform.python_version()}, {os.cpu_count()} CPUs; seed {args.seed}; "
        f"{args.runs} run(s) per size; empower extra args: {' '.join(extra) or '(none)'}"
    )
    results: list[SizeResult] = []
    with tempfile.TemporaryDirectory(prefix="empower-bench-") as temp:
        base = args.workdir.resolve() if args.workdir else Path(temp)
        for size in sizes:
            result = bench_size(size, base, settings)
            results.append(result)
            print("\n" + format_text(result) + "\n", flush=True)
    summary = targets_summary(results)
    if summary:
        print(
            "issue 10 and 11 targets (whole process):"
            if FAMILIES
            else "issue 6 and 11 targets (whole process):"
        )
        for size_text, what, figure, verdict in summary:
            print(f"  {size_text}: {what}: {verdict} ({figure})")
    log(f"benchmark took {time.perf_counter() - clock:.0f} s")

    if args.markdown is not None:
        python = os.path.relpath(sys.executable) if sys.executable else "python"
        script = os.path.relpath(__file__)
        command = shlex.join([python, script, *raw])
        text = markdown_document(results, args, command, started, load_start, args.note)
        args.markdown.write_text(text, encoding="utf-8")
        log(f"wrote {args.markdown}")
    return 0 if all(m.ok for r in results for m in r.methods) else 1


if __name__ == "__main__":
    sys.exit(main())
