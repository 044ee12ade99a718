"""`empower check` and `empower init`: read a sign-up file as `assign` would, without solving.

`check` shows the detected format, the column mapping, the students per class year and per
interest, and every warning. `init` writes a starter empower.toml beside the sign-up file from what
`check` found, so that the next run needs no options at all.
"""

from __future__ import annotations

import contextlib
import os
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.text import Text

from empower_cli.config import CONFIG_NAME, Config
from empower_cli.errors import OutputError
from empower_cli.ingest.text import toml_string
from empower_cli.records import FIELDS, YEARS, Cohort, Problem
from empower_cli.settings import AssignOptions, reading_options
from empower_cli.signups import SignupOptions


@dataclass(frozen=True, slots=True)
class CheckResult:
    cohort: Cohort
    config: Config
    n_groups: int
    problem: Problem | None = None


def family_lines(problem: Problem) -> list[str]:
    """Students per category of every family beyond class years and interests."""
    lines: list[str] = []
    for family in problem.family_list:
        if family.kind in ("year", "interest", "rule"):
            continue
        cats = [c for c in problem.categories if c.family == family.name]
        if family.kind == "earlier":
            returning = sum(c.total for c in cats)
            lines.append(
                f"{family.source}: {returning} returning students from {len(cats)} earlier groups"
            )
            continue
        how = {
            "choice": "balanced" if family.balanced else "for a rule only, not balanced",
            "bins": "balanced by its group means, in bins",
        }[family.kind]
        weight = f", weight {family.weight}" if family.balanced and family.weight != 1 else ""
        lines.append(f"{family.name} ({how}{weight}):")
        width = max((len(c.name) for c in cats), default=0)
        lines += [f"  {c.name:<{width}}  {c.total:>4}" for c in cats]
    return lines


def rule_check_lines(problem: Problem) -> list[str]:
    """Whether each rule can hold, by arithmetic (the run itself proves the rest)."""
    from empower_cli.plan import Plan, least_repeats
    from empower_cli.rules import forced_repeats

    groups = _plural(problem.n_groups, "group")
    lines = []
    for rule in problem.at_least:
        total = problem.categories[rule.category].total
        lines.append(
            f"{rule.column} = {'|'.join(rule.values)}: {_plural(total, 'student')} for {groups}: "
            f"at least {rule.least} per group can hold"
        )
    for lone in problem.no_lone:
        total = problem.categories[lone.category].total
        most = min(problem.n_groups, total // 2)
        lines.append(
            f"{lone.column} = {lone.value}: {_plural(total, 'student')} for {groups}: nobody "
            f"alone can hold (at most {_plural(most, 'group')} can hold any)"
        )
    if problem.earlier_families:
        plan = Plan(problem.family_list, problem.categories)
        least = max(least_repeats(plan, problem.n_groups), forced_repeats(problem))
        cap = problem.max_repeats
        limit = f"; --max-repeats {cap} can hold" if cap is not None else ""
        lines.append(
            f"earlier groupmates: at least {_plural(least, 'repeated pair')} cannot be "
            f"avoided{limit}"
            if least
            else f"earlier groupmates: no repeated pair is forced{limit}"
        )
    return lines


def _plural(n: int, word: str) -> str:
    return f"{n} {word if n == 1 else word + 's'}"


def count_lines(cohort: Cohort) -> list[str]:
    """Students per class year and per interest (full labels beside short names)."""
    n = len(cohort.students)
    years = Counter(student.year for student in cohort.students)
    chosen = Counter(label for student in cohort.students for label in student.interests)
    full = dict(cohort.legend)
    lines = [f"Class years ({n} students):"]
    width = max(len(year) for year in YEARS)
    lines += [f"  {year:<{width}}  {years[year]:>4}" for year in YEARS]
    lines.append("Interests:")
    if cohort.interests:
        width = max(len(label) for label in cohort.interests)
        for label in cohort.interests:
            line = f"  {label:<{width}}  {chosen[label]:>4}"
            lines.append(f"{line}  ({full[label]})" if label in full else line)
    none = sum(1 for student in cohort.students if not student.interests)
    if none:
        lines.append(f"  {'(none)':<{max(width, 6)}}  {none:>4}")
    return lines


def _print(console: Console, lines: list[str]) -> None:
    for line in lines:
        console.print(Text(line), soft_wrap=not console.is_terminal)


def _groups_line(n_students: int, n_groups: int) -> str:
    low, high = n_students // n_groups, -(-n_students // n_groups)
    sizes = str(low) if low == high else f"{low}-{high}"
    what = "1 group" if n_groups == 1 else f"{n_groups} groups"
    return f"Ready: empower assign would form {what} of {sizes} students."


def check(options: AssignOptions, *, out: Console, err: Console) -> CheckResult:
    """Read the sign-up file as `assign` would and report what was found; nothing is written.

    Raises the same EmpowerError as `assign` for anything that would stop it (a rule that
    arithmetic shows cannot hold included).
    """
    from empower_cli.pipeline import prepare
    from empower_cli.report import print_reading

    prepared = prepare(options, err, before_reading=False)
    cohort, settings, problem = prepared.cohort, prepared.settings, prepared.problem
    print_reading(out, cohort, settings.file.source)
    _print(out, count_lines(cohort))
    _print(out, family_lines(problem))
    _print(out, [_groups_line(len(cohort.students), prepared.n_groups)])
    _print(out, rule_check_lines(problem))
    return CheckResult(cohort, settings.file, prepared.n_groups, problem)


def _table(name: str, entries: list[tuple[str, str]], comment: str = "") -> list[str]:
    lines = ["", f"[{name}]"]
    if comment:
        lines.append(f"# {comment}")
    lines += [f"{key} = {value}" for key, value in entries]
    return lines


def config_text(
    cohort: Cohort,
    config: Config,
    *,
    academic_year: int | None,
    groups: int | None,
    group_size: int | None,
    encoding: str | None = None,
    delimiter: str | None = None,
    sheet: str | None = None,
) -> str:
    """A starter empower.toml holding what was found, with comments that say what each part does."""
    full = dict(cohort.legend)
    lines = [
        f"# empower.toml: how empower reads {Path(cohort.source).name} ({cohort.format}) "
        "and forms groups.",
        "# Written by `empower init`; edit freely. Options on the command line win over it.",
    ]
    read = [("encoding", toml_string(encoding))] if encoding else []
    if delimiter:
        read.append(("delimiter", toml_string(delimiter)))
    if sheet:
        read.append(("sheet", toml_string(sheet)))
    if read:
        lines += _table("read", read)
    lines += _table(
        "columns",
        [(field, toml_string(" ".join(header.split()))) for field, header in cohort.mapping],
        f"The header each field is read from (fields: {', '.join(FIELDS)}).",
    )
    year = academic_year if academic_year is not None else config.academic_year
    lines += ["", "[years]"]
    lines.append(
        "# The academic year that starts in the autumn of this year: its M1 students are the "
        "class of academic_year + 4."
    )
    lines.append(f"academic_year = {year}" if year is not None else "# academic_year = 2026")
    lines += ["", "[years.aliases]", '# A raw value -> its class year, e.g. "Research year" = "M4"']
    lines += [f"{toml_string(raw)} = {toml_string(value)}" for raw, value in config.year_aliases]
    labels = [full.get(label, label) for label in cohort.interests]
    lines += ["", "[interests]", "# The form's options, matched whole (they may hold commas)."]
    lines.append("labels = [")
    lines += [f"    {toml_string(label)}," for label in labels]
    lines.append("]")
    lines += ["", "[interests.short]", "# Option label -> the short name tables and files show."]
    lines += [f"{toml_string(full[short])} = {toml_string(short)}" for short, _ in cohort.legend]
    lines += ["", "[groups]", "# Either count (the number of groups) or size (about this many)."]
    if groups is not None:
        lines.append(f"count = {groups}")
    else:
        lines.append(f"size = {group_size if group_size is not None else 16}")
    lines += ["", "[solve]"]
    lines.append(f"seed = {config.seed if config.seed is not None else 0}")
    limit = config.time_limit if config.time_limit is not None else 60
    lines.append(f"time_limit = {limit:g}")
    lines.append(f"workers = {config.workers if config.workers is not None else 0}")
    if config.reproducible is not None:
        lines.append(f"reproducible = {'true' if config.reproducible else 'false'}")
    lines += _balance_lines(cohort, config)
    return "\n".join(lines) + "\n"


#: A column with this many values or fewer (and at least two) may be worth balancing.
MOST_VALUES = 8


def _number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def balance_candidates(cohort: Cohort) -> tuple[list[str], list[str], list[str]]:
    """(choice columns worth balancing, numeric columns, yes/no columns) among the columns no
    field reads: a few values, each shared by several students (a gender or house column), or
    numbers with several values (an age)."""
    mapped = {header for _, header in cohort.mapping}
    choices, numbers, yes_no = [], [], []
    n = len(cohort.rows)
    for position, header in enumerate(cohort.headers):
        if header in mapped or not header.strip() or "time" in header.casefold():
            continue
        cells = [row[position].strip() for row in cohort.rows if row[position].strip()]
        if len(cells) < max(2, n // 2):
            continue
        values = {cell.casefold() for cell in cells}
        if all(_number(cell) for cell in cells):
            if 5 <= len(values) < len(cells):
                numbers.append(header)
        elif 2 <= len(values) <= MOST_VALUES and len(cells) >= 3 * len(values):
            if values == {"yes", "no"}:
                yes_no.append(header)
            else:
                choices.append(header)
    return choices, numbers, yes_no


def _list(key: str, values: list[str] | tuple[str, ...], example: list[str]) -> str:
    if values:
        return f"{key} = [{', '.join(toml_string(v) for v in values)}]"
    shown = ", ".join(toml_string(v) for v in example)
    return f"# {key} = [{shown}]"


def _balance_lines(cohort: Cohort, config: Config) -> list[str]:
    """[balance] and [rules]: what the config says, else the candidates seen, commented."""
    choices, numbers, yes_no = balance_candidates(cohort)
    lines = ["", "[balance]"]
    lines.append(
        "# Columns balanced across groups like class years (--balance), and numeric columns"
        " whose group means are kept close (--balance-mean)."
    )
    lines.append(_list("columns", config.balance, choices or ["Gender"]))
    lines.append(_list("mean", config.balance_mean, numbers or ["Age"]))
    lines += ["", "[rules]"]
    lines.append("# Rules every group must meet; see the README.")
    facilitate = [f"{header}=Yes" for header in yes_no] or ["Willing to facilitate?=Yes"]
    lines.append(_list("at_least", config.at_least, facilitate))
    lines.append(_list("no_lone", config.no_lone, ["Gender=Nonbinary"]))
    lines.append(_list("avoid_groupmates", config.avoid_groupmates, ["last_year.csv"]))
    if config.max_repeats is not None:
        lines.append(f"max_repeats = {config.max_repeats}")
    else:
        lines.append("# max_repeats = 0")
    return lines


def _write(target: Path, text: str) -> None:
    """Write through a temporary file in the same folder, then rename: never half a file."""
    temporary = target.with_name(f".{target.name}.tmp")
    try:
        with temporary.open("w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        temporary.replace(target)
    except OSError as error:
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise OutputError(f"{target}: cannot be written ({error.strerror or error}).") from None


def init(
    options: SignupOptions,
    *,
    out: Console,
    err: Console,
    force: bool = False,
    groups: int | None = None,
    group_size: int | None = None,
) -> Path:
    """Write empower.toml beside the sign-up file from what `check` finds; the path written."""
    target = options.signups.parent / CONFIG_NAME
    if target.exists() and not force:
        raise OutputError(
            f"{target} already exists; pass --force to replace it, or edit it by hand."
        )
    given = reading_options(options, groups=groups, group_size=group_size)
    result = check(given, out=out, err=err)
    config = result.config
    if groups is None and group_size is None:
        groups, group_size = config.groups, config.group_size
    text = config_text(
        result.cohort,
        config,
        academic_year=options.academic_year,
        groups=groups,
        group_size=group_size,
        encoding=options.encoding or config.encoding,
        delimiter=options.delimiter or config.delimiter,
        sheet=options.sheet or config.sheet,
    )
    _write(target, text)
    out.print(
        Text(f"Wrote {target}: the next run needs only empower assign {options.signups}"),
        soft_wrap=not out.is_terminal,
    )
    return target
