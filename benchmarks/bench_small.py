"""Benchmark `empower assign` on small groups (issue 13): many groups per category, whole process.

For each case (300 students in 60 groups of 5 with 10 locked pairs; 1,000 students in 250 groups
of 4 with 15 locked pairs, 3% of the students) and each seed this

1. generates the cohort with benchmarks/generate.py (class years written plainly, the extra
   columns and last year's groups, so that the same files serve every variant);
2. runs `python -m empower_cli assign SIGNUPS --groups G --lock LOCKS --out DIR --force` as a
   separate process, in the environment a user's shell gives (bytecode caching on), and times it;
3. scores the rosters with the independent yardstick (../shared/yardstick.py, with --balance
   for each column balanced) and reads "proven" from the run's manifest.json;

for each variant: `plain` (class years and interests), `rules` (issue 10's rules: --balance
Gender --balance "M-Home house" --at-least "Willing to facilitate?=Yes" --avoid-groupmates
last_year.csv) and `rules-no-at-least` (the same without --at-least: the generator makes 10% of
the students facilitators, fewer than one per group of 4 or 5, so `rules` stops with exit 4 and
its message, which is timed too). It prints one Markdown table (wall time per seed, exit code,
proven, cells out by the yardstick) and per case and variant the median, the worst seed and the
target (300 in 60 groups: proven within 1 s in every seed; 1,000 in 250 groups: within 3 s).

    .venv/bin/python benchmarks/bench_small.py                        # every case, seeds 0-4
    .venv/bin/python benchmarks/bench_small.py --case 300:60:10 --seeds 3 --variant plain
    .venv/bin/python benchmarks/bench_small.py --markdown out.md -- --workers 2

Arguments after `--` go to `empower assign` unchanged. Exit code 0 when every run ended as
expected (exit 0, or exit 4 for `rules` when the facilitators are too few) and the yardstick
found no broken lock; unmet targets are reported, not failed on. Each cell shows the wall time
and, in brackets, the CPU time of the run (its own and its forked processes'), which other load
on the machine disturbs less. Needs a Unix (os.wait4). Standard library only, with
benchmarks/bench.py beside it.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bench import measure_process  # benchmarks/bench.py (this script's folder is on sys.path)

BENCHMARKS = Path(__file__).resolve().parent
GENERATE = BENCHMARKS / "generate.py"
DEFAULT_YARDSTICK = BENCHMARKS.parent.parent / "shared" / "yardstick.py"
#: students:groups:pairs, and the seconds within which every seed must be proven optimal.
CASES = {"300:60:10": 1.0, "1000:250:15": 3.0}
VARIANTS = ("plain", "rules", "rules-no-at-least")
BALANCED = ("Gender", "M-Home house")
FACILITATE = "Willing to facilitate?=Yes"
#: The generator's share of facilitators (benchmarks/generate.py FACILITATOR_PERCENT).
FACILITATOR_PERCENT = 10
TIMEOUT = 300.0

_OUT = re.compile(r"out-of-band cells (\d+) of (\d+)")
_BROKEN = "locked pair split"


@dataclass(frozen=True)
class Case:
    students: int
    groups: int
    pairs: int
    target: float | None

    @property
    def label(self) -> str:
        return f"{self.students:,} in {self.groups} groups, {self.pairs} pairs"


@dataclass(frozen=True)
class Run:
    seconds: float
    cpu: float
    code: int
    proven: bool | None
    out: int | None
    """Out-of-band cells by the yardstick (None: not scored)."""
    broken: int
    """Locked pairs split, by the yardstick."""


def parse_case(text: str) -> Case:
    try:
        students, groups, pairs = (int(part) for part in text.split(":"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"case {text!r} is not N:GROUPS:PAIRS") from None
    if not 1 <= groups <= students or pairs < 0 or 2 * pairs > students:
        raise argparse.ArgumentTypeError(f"case {text!r} is not a possible cohort")
    return Case(students, groups, pairs, CASES.get(text))


def generate(case: Case, seed: int, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    command = [
        sys.executable,
        str(GENERATE),
        "--n",
        str(case.students),
        "--seed",
        str(seed),
        "--pairs",
        str(case.pairs),
        "--plain-years",
        "--extra-columns",
        "--signups",
        str(folder / "signups.csv"),
        "--locks",
        str(folder / "locks.csv"),
        "--last-year",
        str(folder / "last_year.csv"),
    ]
    subprocess.run(command, check=True, capture_output=True)


def variant_args(variant: str, folder: Path) -> list[str]:
    if variant == "plain":
        return []
    args = [item for column in BALANCED for item in ("--balance", column)]
    if variant == "rules":
        args += ["--at-least", FACILITATE]
    return [*args, "--avoid-groupmates", str(folder / "last_year.csv")]


def expected_codes(variant: str, case: Case) -> tuple[int, ...]:
    """Exit 0; for `rules`, exit 4 too when the facilitators are fewer than the groups."""
    facilitators = case.students * FACILITATOR_PERCENT // 100
    return (0, 4) if variant == "rules" and facilitators < case.groups else (0,)


def run_empower(command: Sequence[str], folder: Path) -> tuple[float, float, int]:
    """(wall seconds, CPU seconds of the process and the children it waited for, exit code;
    -1 when killed after TIMEOUT). CPU time is less sensitive than wall time to other load."""
    measured = measure_process(command, folder, TIMEOUT)
    return measured.seconds, measured.cpu, measured.code


def proven_of(out_dir: Path) -> bool | None:
    try:
        data = json.loads((out_dir / "manifest.json").read_text(encoding="utf-8-sig"))
    except (OSError, ValueError):
        return None
    proven = data.get("solver", {}).get("proven_optimal")
    return proven if isinstance(proven, bool) else None


def score(yardstick: Path, out_dir: Path, folder: Path, variant: str) -> tuple[int | None, int]:
    if not (out_dir / "assignments.csv").is_file():
        return None, 0
    balance = [] if variant == "plain" else [a for c in BALANCED for a in ("--balance", c)]
    command = [
        sys.executable,
        str(yardstick),
        str(out_dir / "assignments.csv"),
        "--lock",
        str(folder / "locks.csv"),
        *balance,
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    found = _OUT.search(done.stdout)
    broken = sum(1 for line in done.stdout.splitlines() if line.strip().startswith(_BROKEN))
    return (int(found.group(1)) if found else None), broken


def bench(
    case: Case, variant: str, seed: int, base: Path, yardstick: Path, extra: Sequence[str]
) -> Run:
    folder = base / f"n{case.students}-g{case.groups}-s{seed}"
    if not (folder / "signups.csv").is_file():
        generate(case, seed, folder)
    out_dir = folder / f"out-{variant}"
    command = [
        sys.executable,
        "-m",
        "empower_cli",
        "assign",
        str(folder / "signups.csv"),
        "--groups",
        str(case.groups),
        "--lock",
        str(folder / "locks.csv"),
        "--out",
        str(out_dir),
        "--force",
        *variant_args(variant, folder),
        *extra,
    ]
    seconds, cpu, code = run_empower(command, folder)
    proven = proven_of(out_dir) if code == 0 else None
    out, broken = score(yardstick, out_dir, folder, variant) if code == 0 else (None, 0)
    return Run(seconds, cpu, code, proven, out, broken)


def _cell(run: Run) -> str:
    timed = f"{run.seconds:.2f} s ({run.cpu:.2f} CPU)"
    if run.code != 0:
        return f"{timed}, exit {run.code}"
    proven = "proven" if run.proven else "not proven"
    return f"{timed}, {proven}, {run.out} out"


def verdict(case: Case, variant: str, runs: Sequence[Run]) -> str:
    if case.target is None:
        return "-"
    if any(run.code != 0 for run in runs):
        codes = sorted({run.code for run in runs})
        return f"no rosters (exit {', '.join(map(str, codes))})"
    worst = max(run.seconds for run in runs)
    met = worst <= case.target and all(run.proven for run in runs)
    return f"{'met' if met else 'NOT met'} (worst {worst:.2f} s, target {case.target:g} s)"


def table(results: dict[tuple[Case, str], list[Run]], seeds: Sequence[int]) -> list[str]:
    header = ["case", "variant", *(f"seed {s}" for s in seeds), "median s", "median CPU s"]
    header.append("target")
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    for (case, variant), runs in results.items():
        median = statistics.median(run.seconds for run in runs)
        cells = [case.label, variant, *(_cell(run) for run in runs)]
        cpu = statistics.median(run.cpu for run in runs)
        cells += [f"{median:.2f}", f"{cpu:.2f}", verdict(case, variant, runs)]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def _load() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--case", type=parse_case, action="append", help="N:GROUPS:PAIRS")
    parser.add_argument("--variant", choices=VARIANTS, action="append")
    parser.add_argument("--seeds", type=int, default=5, help="seeds 0..N-1 (default 5)")
    parser.add_argument("--yardstick", type=Path, default=DEFAULT_YARDSTICK)
    parser.add_argument("--markdown", type=Path, help="also write the table to this file")
    parser.add_argument("--work", type=Path, help="keep the cohorts and rosters here")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    extra: list[str] = []
    if "--" in args_list:
        at = args_list.index("--")
        args_list, extra = args_list[:at], args_list[at + 1 :]
    args = build_parser().parse_args(args_list)
    cases = args.case or [parse_case(text) for text in CASES]
    variants = args.variant or list(VARIANTS)
    seeds = list(range(args.seeds))
    load_start = _load()
    results: dict[tuple[Case, str], list[Run]] = {}
    failed = False
    with tempfile.TemporaryDirectory(prefix="bench-small-") as scratch:
        base = args.work or Path(scratch)
        for case in cases:
            for variant in variants:
                runs = []
                for seed in seeds:
                    run = bench(case, variant, seed, base, args.yardstick, extra)
                    print(f"{case.label}, {variant}, seed {seed}: {_cell(run)}", file=sys.stderr)
                    failed |= run.code not in expected_codes(variant, case) or run.broken > 0
                    runs.append(run)
                results[case, variant] = runs
    lines = table(results, seeds)
    lines += ["", f"Load average (1, 5, 15 min) at start: {load_start}; at end: {_load()}."]
    text = "\n".join(lines) + "\n"
    print(text, end="")
    if args.markdown is not None:
        args.markdown.write_text(text, encoding="utf-8")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
