"""What the coordinator reads: the summary table, the verdict, warnings, and progress while solving.

Every piece of user data (headers, interest names, warnings, paths) goes to rich as `Text`, never
as markup, so a bracket in a name is printed as it is.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Self

from rich import box
from rich.console import Console, RenderableType
from rich.live import Live
from rich.spinner import Spinner
from rich.table import Table
from rich.text import Text

from empower_cli.changes import Diff
from empower_cli.layout import GROUPS_ZIP, MAX_GROUP_FILES
from empower_cli.records import Assignment, Changes, Cohort, Cost, Problem, Verdict, quote

#: The widest a category column gets: a longer name wraps at spaces, and a word longer than the
#: column is cut with an ellipsis.
HEADER_LIMIT = 14
#: Interest columns narrower than this on the terminal are headed T1, T2, ... (named below the
#: table), since a name cut to a few letters cannot be read.
CODED_BELOW = 8
#: About how wide the group and size columns are, and a count with its mark.
GROUP_SIZE_WIDTH = 14
COUNT_WIDTH = 4
#: Above this many groups, the table shows the first FIRST_GROUPS groups and the groups with a
#: cell outside its range, this many rows at most.
MAX_TABLE_ROWS = 40
FIRST_GROUPS = 10
OUT_STYLE = "bold red"
DELIMITER_WORDS = {",": "comma-separated", ";": "semicolon-separated", "\t": "tab-separated"}
OUT_MARK = "*"


@dataclass(frozen=True, slots=True)
class _Column:
    """One class year or interest as the table shows it."""

    name: str
    counts: tuple[int, ...]
    """Students of this category in each group."""
    total: int
    band: tuple[int, int]
    balanced: bool = True
    """False for a rule's own column (weight 0): its counts have no ideal range."""


# --- verdict ------------------------------------------------------------------------------------


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _range(low: int, high: int) -> str:
    return str(low) if low == high else f"{low}–{high}"


def _rules_broken(verdict: Verdict) -> str:
    first = verdict.violations[0].message
    more = len(verdict.violations) - 1
    tail = f" (and {more} more)" if more else ""
    rules = _plural(len(verdict.violations), "hard rule", "hard rules")
    return f"these rosters break {rules}: {first}{tail}"


def _balance_verdict(problem: Problem, assignment: Assignment, verdict: Verdict) -> str:
    balance = verdict.balance
    interrupted = assignment.interrupted and not assignment.proven_optimal
    ctrl_c = "stopped by Ctrl-C: these are the best rosters found so far"
    if balance.out_of_band == 0:
        everyone = "every group is within its ideal range for every class year and interest"
        extra = [f.name for f in problem.family_list if f.balanced and f.kind not in _OLD_KINDS]
        if extra:
            everyone = "every group is within its ideal range for every class year, interest " + (
                "and " + ", ".join(repr(name) for name in extra) + " value"
            )
        if assignment.proven_optimal:
            sizes = balance.sizes or (0,)
            shape = _plural(problem.n_groups, "group", "groups")
            return f"proven optimal: {everyone} ({shape} of {_range(min(sizes), max(sizes))})"
        if interrupted:
            return f"{everyone} ({ctrl_c})"
        return f"{everyone} (the time limit stopped the proof)"
    cells = (
        "1 cell is outside its ideal range"
        if balance.out_of_band == 1
        else f"{balance.out_of_band} cells are outside their ideal range"
    )
    head = f"{cells} (total distance {balance.excess})"
    if assignment.proven_optimal:
        rules = "locks, aparts and pins"
        if problem.at_least or problem.no_lone or problem.max_repeats is not None:
            rules = "locks, aparts, pins and rules"
        return f"{head}; proven the best possible under the {rules}"
    if interrupted:
        return f"{head}; {ctrl_c}"
    return f"{head}; not proven best: a longer --time-limit may improve it"


_OLD_KINDS = ("year", "interest")


def verdict_line(problem: Problem, assignment: Assignment, verdict: Verdict) -> str:
    """How good the rosters are, in one line (two when a hard rule is broken)."""
    line = _balance_verdict(problem, assignment, verdict)
    if verdict.ok:
        return line
    return f"{_rules_broken(verdict)}\n{line}"


# --- the table ----------------------------------------------------------------------------------


def shown_categories(problem: Problem) -> tuple[int, ...]:
    return problem.shown_categories()


def _columns(problem: Problem, verdict: Verdict) -> list[_Column]:
    """One column per shown category: the class years, the interests, then each other family.
    A category of a family that is not balanced (weight 0) has no band to leave."""
    weights = problem.weights()
    return [
        _Column(
            problem.categories[c].name,
            tuple(row[c] for row in verdict.balance.counts),
            problem.categories[c].total,
            problem.band(c) if weights[c] else (0, problem.size_max),
            balanced=bool(weights[c]),
        )
        for c in shown_categories(problem)
    ]


def _cell(count: int, band: tuple[int, int]) -> Text:
    if band[0] <= count <= band[1]:
        return Text(str(count))
    return Text(f"{count}{OUT_MARK}", style=OUT_STYLE)


def _flagged(
    sizes: Sequence[int], columns: Sequence[_Column], size_band: tuple[int, int]
) -> list[int]:
    """The groups with a size or a count outside its range."""
    return [
        g
        for g in range(len(sizes))
        if not size_band[0] <= sizes[g] <= size_band[1]
        or any(not c.band[0] <= c.counts[g] <= c.band[1] for c in columns)
    ]


def _shown_groups(n_groups: int, flagged: Sequence[int]) -> list[int]:
    """Every group, or (when there are many) the first FIRST_GROUPS and the groups with a cell
    outside its range, MAX_TABLE_ROWS at most."""
    if n_groups <= MAX_TABLE_ROWS:
        return list(range(n_groups))
    first = range(min(FIRST_GROUPS, n_groups))
    return sorted({*first, *flagged[: MAX_TABLE_ROWS - len(first)]})


def _notes(
    n_groups: int, shown: Sequence[int], flagged: Sequence[int], marked: bool, cut: bool
) -> list[str]:
    notes = []
    if marked:
        notes.append(f"{OUT_MARK} = outside its ideal range")
    if len(shown) < n_groups:
        first = f"showing the first {min(FIRST_GROUPS, n_groups)} of {n_groups} groups"
        listed = len(set(flagged) & set(shown))
        if not flagged:
            what = f"{first} (no group has a cell outside its range)"
        elif listed == len(flagged):
            what = f"{first} and every group with a cell outside its range"
        else:
            what = (
                f"{first} and {listed} of the {len(flagged)} groups with a cell outside its range"
            )
        notes.append(f"{what}; every group is in summary.csv")
    if cut:
        notes.append("long interest names are cut in this table; summary.csv has them in full")
    return notes


def _longest_word(name: str) -> int:
    return max((len(word) for word in name.split()), default=len(name))


def _header_limits(columns: Sequence[_Column], width: int | None) -> list[int]:
    """How wide each category column may get: wide enough for its longest word when the
    terminal has room for all of them, else HEADER_LIMIT (longer words are cut)."""
    wanted = [max(HEADER_LIMIT, _longest_word(c.name)) for c in columns]
    needed = GROUP_SIZE_WIDTH + sum(
        min(limit, max(COUNT_WIDTH, len(c.name))) + 2
        for limit, c in zip(wanted, columns, strict=True)
    )
    if width is None or needed <= width:
        return wanted
    return [HEADER_LIMIT] * len(columns)


def _coded(names: Sequence[str], families: Sequence[str], width: int | None) -> bool:
    """Whether the columns after the class years are too narrow on this terminal for their
    names to be read, so that they are headed T1, T2, ... instead."""
    others = sum(1 for family in families if family != "year")
    if width is None or not others:
        return False
    years = sum(1 for family in families if family == "year")
    fixed = GROUP_SIZE_WIDTH + years * (COUNT_WIDTH + 2)
    return (width - fixed) // others - 2 < CODED_BELOW


def _least_width(column: _Column) -> int:
    """The narrowest a column can be with its counts, range and total whole (headed T1...)."""
    texts = [_range(*column.band), str(column.total), *(f"{n}{OUT_MARK}" for n in column.counts)]
    return max(3, *(len(text) for text in texts)) + 2


def _parts(families: Sequence[str], columns: Sequence[_Column], width: int | None) -> list[range]:
    """The columns cut into runs of whole families, each run narrow enough for one table on a
    terminal `width` columns wide (a family wider than that on its own gets a table of its own):
    a table too wide for the terminal would cut its counts and ranges to "4…"."""
    if width is None or not columns:
        return [range(len(columns))]
    parts: list[range] = []
    first, used = 0, GROUP_SIZE_WIDTH
    position = 0
    while position < len(columns):
        end = position
        while end < len(columns) and families[end] == families[position]:
            end += 1
        need = sum(_least_width(columns[i]) for i in range(position, end))
        if used + need > width and position > first:
            parts.append(range(first, position))
            first, used = position, GROUP_SIZE_WIDTH
        used += need
        position = end
    parts.append(range(first, len(columns)))
    return parts


def summary_tables(
    *,
    cohort: Cohort,
    problem: Problem,
    assignment: Assignment,
    verdict: Verdict,
    width: int | None = None,
) -> tuple[list[Table], list[str]]:
    """One row per group (1-based), then the ideal range and the total of each column: one
    table, or on a terminal too narrow for every family at once, one table per run of families
    that fits (the same groups in each).

    Also returns the notes that explain the tables (marks, hidden groups, shortened names).
    Where many columns leave each too narrow to read, the columns after the class years are
    headed T1, T2, ... and the notes name them.
    """
    columns = _columns(problem, verdict)
    shown_ids = shown_categories(problem)
    families = [problem.categories[c].family for c in shown_ids]
    sizes = verdict.balance.sizes
    size_band = (problem.size_min, problem.size_max)
    flagged = _flagged(sizes, columns, size_band)
    shown = _shown_groups(problem.n_groups, flagged)
    codes: list[str] = []
    tables: list[Table] = []
    cut = marked = False
    for part in _parts(families, columns, width):
        chosen = [columns[i] for i in part]
        kinds = [families[i] for i in part]
        table, part_cut, part_marked = _table(chosen, kinds, sizes, size_band, shown, width, codes)
        tables.append(table)
        cut, marked = cut or part_cut, marked or part_marked
    return tables, [*_notes(problem.n_groups, shown, flagged, marked, cut), *codes]


def _table(
    columns: Sequence[_Column],
    families: Sequence[str],
    sizes: Sequence[int],
    size_band: tuple[int, int],
    shown: Sequence[int],
    width: int | None,
    codes: list[str],
) -> tuple[Table, bool, bool]:
    """One table of the groups `shown` over `columns`; (table, a name was cut, a cell is out).
    Codes T1, T2, ... given to its columns are appended to `codes`."""
    coded = _coded([c.name for c in columns], families, width)
    limits = _header_limits(columns, width)
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False, collapse_padding=True)
    table.add_column(Text("group"), justify="right", no_wrap=True)
    table.add_column(Text("size"), justify="right", no_wrap=True)
    cut = False
    for position, (column, family) in enumerate(zip(columns, families, strict=True)):
        header = column.name
        if coded and family != "year":
            header = f"T{len(codes) + 1}"
            where = "" if family == "interest" else f" ({family})"
            codes.append(f"{header}  {column.name}{where}")
        cut = cut or _longest_word(header) > limits[position]
        table.add_column(
            Text(header), justify="right", overflow="ellipsis", max_width=limits[position]
        )
    marked = False
    gap = [Text("")] * (len(columns) + 1)
    for position, g in enumerate(shown):
        if position and shown[position - 1] != g - 1:
            table.add_row(Text("…"), *gap)
        cells = [_cell(sizes[g], size_band), *(_cell(c.counts[g], c.band) for c in columns)]
        marked = marked or any(cell.style == OUT_STYLE for cell in cells)
        table.add_row(Text(str(g + 1)), *cells)
    if shown and shown[-1] < len(sizes) - 1:
        table.add_row(Text("…"), *gap)
    if table.rows:
        table.rows[-1].end_section = True
    ideal = [Text(_range(*c.band) if c.balanced else "-") for c in columns]
    table.add_row(Text("ideal"), Text(_range(*size_band)), *ideal, style="dim")
    table.add_row(Text("total"), Text(str(sum(sizes))), *(Text(str(c.total)) for c in columns))
    return table, cut, marked


def _written_line(out: Path, n_groups: int, extra: Sequence[str] = ()) -> str:
    folder = str(out)
    if not folder.endswith(os.sep):
        folder += os.sep
    groups = _plural(n_groups, "group file", "group files")
    if n_groups > MAX_GROUP_FILES:
        groups = f"{GROUPS_ZIP} with {groups}"
    files = ", ".join(["assignments.csv", groups, "summary.csv", *extra])
    return f"Rosters written to {folder} ({files}, manifest.json)"


def rules_line(
    problem: Problem,
    verdict: Verdict,
    groups: Sequence[int],
) -> str | None:
    """One line that confirms every rule the validator checked held, with how many of each:
    "Every rule held: 10 locked pairs together, 3 apart pairs apart, 2 pins kept, ...". None
    when there were no rules, or when a rule is broken (the verdict says which)."""
    if not verdict.ok:
        return None
    requests = problem.requests
    parts = []
    from_column = requests.column_locks
    from_files = len(requests.locks) - from_column
    if from_files:
        parts.append(f"{_plural(from_files, 'locked pair', 'locked pairs')} together")
    if requests.aparts:
        parts.append(f"{_plural(len(requests.aparts), 'apart pair', 'apart pairs')} apart")
    if requests.pins:
        parts.append(f"{_plural(len(requests.pins), 'pin', 'pins')} kept")
    if from_column:
        column = quote(requests.column or "placed with")
        parts.append(f"{_plural(from_column, 'pair', 'pairs')} from the {column} column together")
    if problem.max_moves is not None and problem.previous:
        moved = problem.moves_of(groups)
        parts.append(f"{moved} earlier students moved (--max-moves {problem.max_moves})")
    if not parts:
        return None
    return "Every rule held: " + ", ".join(parts) + "."


def print_summary(
    console: Console,
    *,
    cohort: Cohort,
    problem: Problem,
    assignment: Assignment,
    verdict: Verdict,
    out: Path,
    rules: str | None = None,
    extra: Sequence[str] = (),
) -> None:
    """The table, the verdict, the rules that held (`rules`, from `rules_line`) and where the
    files went (`extra`: the files beyond the CSVs and the manifest)."""
    tables, notes = summary_tables(
        cohort=cohort,
        problem=problem,
        assignment=assignment,
        verdict=verdict,
        width=console.width,
    )
    for table in tables:
        console.print(table)
    # On a terminal rich wraps lines at its width; in a log or a pipe, a line stays whole.
    whole_lines = not console.is_terminal
    for note in notes:
        console.print(Text(note, style="dim"), soft_wrap=whole_lines)
    for line in legend_lines(cohort):
        console.print(Text(line, style="dim"), soft_wrap=whole_lines)
    good = verdict.ok and verdict.balance.out_of_band == 0
    style = "green" if good else "yellow"
    line = verdict_line(problem, assignment, verdict)
    console.print(Text(line, style=style), soft_wrap=whole_lines)
    if rules is not None:
        console.print(Text(rules, style="green"), soft_wrap=whole_lines)
    console.print(Text(_written_line(out, problem.n_groups, extra)), soft_wrap=whole_lines)


def reading_lines(cohort: Cohort, config: str | None = None) -> list[str]:
    """How the sign-up file was read: its format, encoding and delimiter, the config, and the
    header each field was taken from."""
    how = [cohort.encoding] if cohort.encoding != "xlsx" else ["Excel workbook"]
    if cohort.delimiter:
        how.append(DELIMITER_WORDS.get(cohort.delimiter, repr(cohort.delimiter)))
    if how == [cohort.format]:
        how = []  # a plain workbook: "as Excel workbook (Excel workbook)" says it twice
    using = f", using {config}" if config else ""
    detail = f" ({', '.join(how)})" if how else ""
    lines = [f"Read {cohort.source} as {cohort.format}{detail}{using}:"]
    width = max(len(field) for field, _ in cohort.mapping)
    for field, header in cohort.mapping:
        shown = " ".join(header.split())
        lines.append(f"  {field:<{width}}  '{shown}'")
    return lines


def legend_lines(cohort: Cohort) -> list[str]:
    """Each shortened interest name beside its full label, once."""
    if not cohort.legend:
        return []
    width = max(len(short) for short, _ in cohort.legend)
    return ["Interests:"] + [f"  {short:<{width}}  {full}" for short, full in cohort.legend]


def print_reading(console: Console, cohort: Cohort, config: str | None = None) -> None:
    """The lines of `reading_lines`, whole."""
    for line in reading_lines(cohort, config):
        console.print(Text(line), soft_wrap=not console.is_terminal)


def print_warnings(console: Console, warnings: Sequence[str]) -> None:
    """Each warning on its own line as "warning: ...", in yellow."""
    for warning in warnings:
        console.print(
            Text(f"warning: {warning}", style="yellow"), soft_wrap=not console.is_terminal
        )


# --- rules --------------------------------------------------------------------------------------


def _spread(values: Sequence[int]) -> str:
    return _range(min(values), max(values)) if values else "0"


def rule_lines(problem: Problem, verdict: Verdict) -> list[str]:
    """One line per rule, saying how it holds, then the repeats and the means of the run."""
    counts = verdict.balance.counts
    lines: list[str] = []
    for rule in problem.at_least:
        per = [row[rule.category] for row in counts]
        values = "|".join(rule.values)
        lines.append(
            f"every group has at least {rule.least} '{rule.column} = {values}' "
            f"({_spread(per)} per group)"
        )
    for lone in problem.no_lone:
        held = sorted(row[lone.category] for row in counts if row[lone.category])
        shape = " and ".join(
            f"{_plural(n, 'group', 'groups')} of {k}" for k, n in sorted(_tally(held).items())
        )
        lines.append(f"{lone.value} ({lone.column}): nobody alone ({shape or 'in no group'})")
    balance = verdict.balance
    for family in problem.earlier_families:
        lines.append(_repeats_line(problem, balance.repeats, balance.forced_repeats, family.source))
    for mean in balance.means:
        known = [m for m in mean.groups if m is not None]
        if not known:
            continue
        lines.append(
            f"{mean.header}: group means {min(known):.2f}–{max(known):.2f} (spread "
            f"{mean.spread:.2f}, least possible {mean.least:.2f}; cohort mean {mean.cohort:.2f})"
        )
    return lines


def _tally(values: Sequence[int]) -> dict[int, int]:
    out: dict[int, int] = {}
    for value in values:
        out[value] = out.get(value, 0) + 1
    return out


def _repeats_line(problem: Problem, repeats: int, forced: int, source: str) -> str:
    several = len(problem.earlier_families) > 1
    where = "the earlier files" if several else source
    line = f"{_plural(repeats, 'repeated groupmate pair', 'repeated groupmate pairs')} from {where}"
    if forced:
        line += f" ({forced} kept together by locks)"
    if problem.max_repeats is not None:
        line += f"; --max-repeats allows {problem.max_repeats}"
    return line


def print_rules(console: Console, problem: Problem, verdict: Verdict) -> None:
    """The lines of `rule_lines`, whole."""
    for line in rule_lines(problem, verdict):
        console.print(Text(line), soft_wrap=not console.is_terminal)


# --- progress -----------------------------------------------------------------------------------


class SolveProgress:
    """A live status line on a terminal while the solver runs; nothing at all elsewhere.

    `update` may be called from the solver's thread; the display refreshes on its own thread.
    """

    def __init__(self, console: Console, *, time_limit: float, reproducible: bool = False) -> None:
        self._console = console
        self._time_limit = time_limit
        self._reproducible = reproducible
        self._lock = threading.Lock()
        self._best: tuple[int, int] | None = None
        self._part: tuple[int, int] | None = None
        self._elapsed = 0.0
        self._started: float | None = None
        self._live: Live | None = None
        self._spinner = Spinner("dots")

    def __enter__(self) -> Self:
        self._started = time.monotonic()
        if self._console.is_terminal and not self._console.is_dumb_terminal:
            self._live = Live(
                console=self._console,
                get_renderable=self._render,
                transient=True,
                refresh_per_second=4,
                redirect_stdout=False,
                redirect_stderr=False,
            )
            self._live.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._live is not None:
            self._live.stop()
            self._live = None
        self._started = None

    def update(
        self, objective: int, bound: int, elapsed: float, part: tuple[int, int] | None = None
    ) -> None:
        """Record an improving solution (thread-safe). `part` is (groups done, groups) when a
        large cohort is solved block by block; the bound is then not shown."""
        with self._lock:
            self._best = (objective, bound)
            self._elapsed = elapsed
            self._part = part

    def status_text(self) -> str:
        """The status line as plain text."""
        with self._lock:
            best, elapsed, part = self._best, self._elapsed, self._part
        if self._started is not None:
            elapsed = max(elapsed, time.monotonic() - self._started)
        clock = (
            f"{elapsed:.1f} s (limit: {self._time_limit:g} units of solver work)"
            if self._reproducible
            else f"{elapsed:.1f} s of {self._time_limit:g} s"
        )
        if best is None:
            return f"searching for rosters… {clock}"
        objective, bound = best
        if part is not None:
            done, groups = part
            return (
                f"searching: {done} of {groups} groups done, cells outside range so far: "
                f"distance {objective} · {clock}"
            )
        return (
            f"searching: cells outside range: distance {objective}, "
            f"cannot go below {bound} · {clock}"
        )

    def _render(self) -> RenderableType:
        self._spinner.update(text=Text(self.status_text()))
        return self._spinner


# --- re-runs ------------------------------------------------------------------------------------

#: At most this many newcomers or leavers are named one by one; changes.csv lists them all.
MAX_LISTED = 20
#: At most this many moves are named one by one.
MAX_MOVES_LISTED = 50


def moves_line(moved: int, floor: int | None) -> str | None:
    """Whether fewer moves were possible at the balance reached, from the proven floor."""
    if floor is None:
        return None
    if moved <= floor:
        return f"{_plural(moved, 'move', 'moves')}: the fewest possible at this balance (proven)."
    return (
        f"{_plural(moved, 'move', 'moves')}; any roster this balanced moves at least {floor} "
        f"(a proven floor), so up to {moved - floor} fewer may be possible."
    )


def changes_lines(problem: Problem, changes: Changes) -> list[str]:
    """Who moved (from, to, why), who joined and who left, as lines of plain text."""
    students = problem.students
    lines = [
        f"Against the earlier rosters: {_plural(changes.stayed, 'student', 'students')} kept "
        f"their group, {len(changes.moved)} moved, {len(changes.joined)} joined, "
        f"{len(changes.left)} left."
    ]
    floor = moves_line(len(changes.moved), changes.moves_floor)
    if floor is not None:
        lines.append(floor)
    for move in changes.moved[:MAX_MOVES_LISTED]:
        before = (move.before or 0) + 1
        lines.append(
            f"  moved: {students[move.student].label}: group {before} → group {move.after + 1} "
            f"({move.reason})"
        )
    if len(changes.moved) > MAX_MOVES_LISTED:
        extra = len(changes.moved) - MAX_MOVES_LISTED
        lines.append(f"  … and {extra} more moved (see changes.csv)")
    for move in changes.joined[:MAX_LISTED]:
        lines.append(f"  joined: {students[move.student].label} → group {move.after + 1}")
    if len(changes.joined) > MAX_LISTED:
        lines.append(f"  … and {len(changes.joined) - MAX_LISTED} more joined (see changes.csv)")
    for earlier in changes.left[:MAX_LISTED]:
        lines.append(f"  left: {earlier.label} (was in group {earlier.group + 1})")
    if len(changes.left) > MAX_LISTED:
        lines.append(f"  … and {len(changes.left) - MAX_LISTED} more left (see changes.csv)")
    return lines


def print_changes(console: Console, *, problem: Problem, changes: Changes) -> None:
    """The re-run's moves, newcomers and leavers (changes.csv holds the same)."""
    whole_lines = not console.is_terminal
    for line in changes_lines(problem, changes):
        console.print(Text(line), soft_wrap=whole_lines)


_FAMILY_WORDS = {
    "locks": "the locked pairs",
    "aparts": "the apart pairs",
    "pins": "the pins",
    "moves": "keeping earlier groups (--max-moves)",
    "at-least": "--at-least",
    "no-lone": "--no-lone",
    "repeats": "--max-repeats",
}


def costs_lines(out_of_band: int, costs: Sequence[Cost]) -> list[str]:
    """What each family of rules costs in balance, from re-solves without it."""
    if not costs:
        return []
    lines = ["What the rules cost in balance (cells outside their range without each):"]
    for cost in costs:
        saved = out_of_band - cost.out_of_band
        proof = "" if cost.proven else ", not proven best"
        lines.append(
            f"  without {_FAMILY_WORDS.get(cost.family, cost.family)}: "
            f"{_plural(cost.out_of_band, 'cell', 'cells')} out (distance {cost.excess}{proof}); "
            f"they cost {_plural(max(0, saved), 'cell', 'cells')}"
        )
    return lines


def print_costs(console: Console, out_of_band: int, costs: Sequence[Cost]) -> None:
    whole_lines = not console.is_terminal
    for line in costs_lines(out_of_band, costs):
        console.print(Text(line, style="yellow"), soft_wrap=whole_lines)


def diff_lines(diff: Diff, old: str, new: str) -> list[str]:
    """`empower diff`: who moved, joined and left between two assignments files."""
    lines = [
        f"From {old} to {new}: {diff.stayed} kept their group, {len(diff.moved)} moved, "
        f"{len(diff.joined)} joined, {len(diff.left)} left."
    ]
    lines += [
        f"  moved: {b.label}: group {a.group + 1} → group {b.group + 1}" for a, b in diff.moved
    ]
    lines += [f"  joined: {s.label} → group {s.group + 1}" for s in diff.joined]
    lines += [f"  left: {s.label} (was in group {s.group + 1})" for s in diff.left]
    return lines
