"""Time the whole `empower assign` process on synthetic cohorts and score its rosters.

For each size N:G:P (students, groups, locked pairs) this generates a cohort with
benchmarks/generate.py (plain class years), runs

    python -m empower_cli assign SIGNUPS --groups G --lock LOCKS --out DIR --force [EXTRA...]

several times as a separate process, measures the wall time of each run, scores the last run's
assignments.csv with the independent yardstick (../shared/yardstick.py), reads "proven_optimal"
from the run's manifest.json, and prints a plain table. Standard library only.

    .venv/bin/python benchmarks/timing.py
    .venv/bin/python benchmarks/timing.py --size 1000:60:30 --runs 3 -- --time-limit 20

Arguments after `--` are passed to `empower assign` unchanged. A run that fails is reported with
its exit code and the last lines of its standard error; the sizes after it still run. Exit code 0
when every run succeeded and the yardstick found no broken rule, 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parent
REPO_ROOT = BENCHMARKS.parent
GENERATE = BENCHMARKS / "generate.py"
DEFAULT_YARDSTICK = REPO_ROOT.parent / "shared" / "yardstick.py"
DEFAULT_SIZES = ("300:19:10", "5000:300:150")
STDERR_TAIL_LINES = 8
YARDSTICK_SUMMARY_LINES = 3  # students/groups/sizes, out-of-band cells, total deviation
YARDSTICK_BROKEN_SHOWN = 5


@dataclass(frozen=True)
class Size:
    students: int
    groups: int
    pairs: int

    @property
    def label(self) -> str:
        return f"{self.students}:{self.groups}:{self.pairs}"


@dataclass
class Result:
    size: Size
    seconds: list[float] = field(default_factory=list)
    exit_codes: list[int] = field(default_factory=list)
    proven_optimal: bool | None = None
    yardstick_lines: list[str] = field(default_factory=list)
    yardstick_exit: int | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        runs_ok = bool(self.exit_codes) and all(code == 0 for code in self.exit_codes)
        return runs_ok and self.yardstick_exit == 0 and not self.problems


def parse_size(text: str) -> Size:
    """'300:19:10' -> Size(300, 19, 10); the pair count may be left out ('300:19')."""
    parts = text.split(":")
    if len(parts) not in (2, 3):
        raise argparse.ArgumentTypeError(f"size {text!r} is not N:GROUPS[:PAIRS]")
    try:
        numbers = [int(part) for part in parts]
    except ValueError:
        raise argparse.ArgumentTypeError(f"size {text!r} is not N:GROUPS[:PAIRS]") from None
    students, groups, pairs = (*numbers, 0) if len(numbers) == 2 else numbers
    if students < 1 or groups < 1 or pairs < 0 or 2 * pairs > students:
        raise argparse.ArgumentTypeError(f"size {text!r} is not a possible cohort")
    return Size(students, groups, pairs)


def tail(text: str, lines: int = STDERR_TAIL_LINES) -> list[str]:
    """The last non-blank lines of a process's output."""
    kept = [line.rstrip() for line in text.splitlines() if line.strip()]
    return kept[-lines:]


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


def read_proven_optimal(out_dir: Path, result: Result) -> None:
    manifest = out_dir / "manifest.json"
    if not manifest.is_file():
        return
    try:
        data = json.loads(manifest.read_text(encoding="utf-8-sig"))
    except (OSError, ValueError) as exc:
        result.problems.append(f"manifest.json unreadable: {exc}")
        return
    value = find_key(data, "proven_optimal")
    if isinstance(value, bool):
        result.proven_optimal = value


def generate_cohort(size: Size, seed: int, folder: Path) -> tuple[Path, Path]:
    signups = folder / "signups.csv"
    locks = folder / "locks.csv"
    command = [
        sys.executable,
        str(GENERATE),
        "--n",
        str(size.students),
        "--seed",
        str(seed),
        "--pairs",
        str(size.pairs),
        "--signups",
        str(signups),
        "--locks",
        str(locks),
        "--plain-years",
    ]
    subprocess.run(command, check=True, capture_output=True, text=True)
    return signups, locks


def run_yardstick(
    yardstick: Path,
    yardstick_args: Sequence[str],
    assignments: Path,
    locks: Path,
    result: Result,
    timeout: float,
) -> None:
    if not yardstick.is_file():
        result.problems.append(f"yardstick not found at {yardstick}")
        return
    command = [
        sys.executable,
        str(yardstick),
        str(assignments),
        "--lock",
        str(locks),
        *yardstick_args,
    ]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        result.problems.append(f"yardstick timed out after {timeout:g} s")
        return
    result.yardstick_exit = done.returncode
    result.yardstick_lines = [line.rstrip() for line in done.stdout.splitlines() if line.strip()]
    if done.returncode != 0 and not any("out-of-band" in line for line in result.yardstick_lines):
        # no score printed: the yardstick could not read the roster (sys.exit with a message)
        result.problems.append(f"yardstick failed with exit code {done.returncode}:")
        result.problems += [f"  {line}" for line in tail(done.stderr) or ["(no stderr)"]]


def bench(
    size: Size,
    *,
    runs: int,
    seed: int,
    extra: Sequence[str],
    yardstick: Path,
    yardstick_args: Sequence[str],
    timeout: float,
    folder: Path,
    verbose: bool,
) -> Result:
    result = Result(size)
    signups, locks = generate_cohort(size, seed, folder)
    out_dir = folder / "out"
    command = [
        sys.executable,
        "-m",
        "empower_cli",
        "assign",
        str(signups),
        "--groups",
        str(size.groups),
        "--lock",
        str(locks),
        "--out",
        str(out_dir),
        "--force",
        *extra,
    ]
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    for run in range(1, runs + 1):
        start = time.perf_counter()
        try:
            done = subprocess.run(
                command, capture_output=True, text=True, timeout=timeout, cwd=folder, env=env
            )
        except subprocess.TimeoutExpired as exc:
            result.seconds.append(time.perf_counter() - start)
            result.exit_codes.append(-1)
            # captured output of a killed run is bytes whatever `text` says
            raw = exc.stderr
            stderr = raw.decode(errors="replace") if isinstance(raw, bytes) else raw or ""
            result.problems.append(f"run {run}: killed after {timeout:g} s")
            result.problems += [f"  {line}" for line in tail(stderr)]
            break  # the next runs would time out too
        elapsed = time.perf_counter() - start
        result.seconds.append(elapsed)
        result.exit_codes.append(done.returncode)
        if verbose:
            print(f"  {size.label} run {run}: {elapsed:.2f} s, exit {done.returncode}", flush=True)
        if done.returncode != 0:
            result.problems.append(f"run {run}: exit code {done.returncode}; last lines of stderr:")
            result.problems += [f"  {line}" for line in tail(done.stderr) or ["(empty)"]]
            break  # a failing command fails the same way again; its timing means nothing

    if result.exit_codes and result.exit_codes[-1] == 0:
        assignments = out_dir / "assignments.csv"
        if assignments.is_file():
            run_yardstick(yardstick, yardstick_args, assignments, locks, result, timeout)
        else:
            result.problems.append(f"no assignments.csv in the output folder {out_dir}")
        read_proven_optimal(out_dir, result)
    return result


def format_table(results: Sequence[Result], runs: int) -> str:
    headers = ["N", "groups", "pairs", "runs", "median s", "min s", "max s", "exit", "proven"]
    rows: list[list[str]] = []
    for r in results:
        seconds = r.seconds
        codes = sorted(set(r.exit_codes))
        proven = {True: "yes", False: "no", None: "-"}[r.proven_optimal]
        rows.append(
            [
                str(r.size.students),
                str(r.size.groups),
                str(r.size.pairs),
                f"{len(seconds)}/{runs}",
                f"{statistics.median(seconds):.2f}" if seconds else "-",
                f"{min(seconds):.2f}" if seconds else "-",
                f"{max(seconds):.2f}" if seconds else "-",
                ",".join(str(c) for c in codes) if codes else "-",
                proven,
            ]
        )
    widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(headers)]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(cell.rjust(width) for cell, width in zip(cells, widths, strict=True))

    out = [line(headers), line(["-" * w for w in widths])]
    for r, row in zip(results, rows, strict=True):
        out.append(line(row))
        indent = " " * 4
        shown = YARDSTICK_SUMMARY_LINES + YARDSTICK_BROKEN_SHOWN
        for text in r.yardstick_lines[:shown]:
            out.append(f"{indent}yardstick: {text}")
        if len(r.yardstick_lines) > shown:
            out.append(f"{indent}yardstick: ... {len(r.yardstick_lines) - shown} more lines")
        if r.yardstick_exit not in (None, 0) and r.yardstick_lines:
            out.append(f"{indent}yardstick exit code {r.yardstick_exit}: a hard rule is broken")
        for text in r.problems:
            out.append(f"{indent}{text}")
    return "\n".join(out)


def split_extra(argv: Sequence[str]) -> tuple[list[str], list[str]]:
    """Arguments before `--` are ours; those after it go to `empower assign`."""
    args = list(argv)
    if "--" in args:
        cut = args.index("--")
        return args[:cut], args[cut + 1 :]
    return args, []


def main(argv: Sequence[str] | None = None) -> int:
    ours, extra = split_extra(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(
        description="Time `empower assign` as a whole process on synthetic cohorts.",
        epilog="Arguments after `--` are passed to `empower assign`.",
    )
    parser.add_argument(
        "--size",
        action="append",
        type=parse_size,
        metavar="N:GROUPS:PAIRS",
        help=f"cohort to time; repeat for several (default: {' and '.join(DEFAULT_SIZES)})",
    )
    parser.add_argument("--runs", type=int, default=5, help="runs per size (default 5)")
    parser.add_argument("--seed", type=int, default=0, help="cohort seed (default 0)")
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
        "--timeout", type=float, default=600.0, help="seconds before a run is killed (default 600)"
    )
    parser.add_argument(
        "--workdir",
        type=Path,
        help="keep cohorts and rosters here (one folder per size) instead of a temporary folder",
    )
    parser.add_argument("--quiet", action="store_true", help="print only the table")
    args = parser.parse_args(ours)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    sizes: list[Size] = args.size or [parse_size(text) for text in DEFAULT_SIZES]
    verbose = not args.quiet

    if verbose:
        print(
            f"python {platform.python_version()} on {platform.system()}, "
            f"{os.cpu_count()} CPUs; seed {args.seed}; extra args: {' '.join(extra) or '(none)'}",
            flush=True,
        )
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="empower-timing-") as temp:
        base = args.workdir.resolve() if args.workdir else Path(temp)
        for size in sizes:
            folder = base / f"n{size.students}-g{size.groups}-p{size.pairs}"
            folder.mkdir(parents=True, exist_ok=True)
            results.append(
                bench(
                    size,
                    runs=args.runs,
                    seed=args.seed,
                    extra=extra,
                    yardstick=args.yardstick,
                    yardstick_args=args.yardstick_arg,
                    timeout=args.timeout,
                    folder=folder,
                    verbose=verbose,
                )
            )
    print(format_table(results, args.runs))
    return 0 if all(r.ok for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
