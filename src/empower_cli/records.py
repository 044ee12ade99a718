"""Frozen, typed records that carry data from one stage to the next.

Nothing here imports pandas or ortools, nor anything else from the project. Group numbers are
0-based inside the program and 1-based wherever a person sees them (files, messages, tables).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import Enum
from math import ceil, floor

#: The class years empower knows, in the order they are shown.
YEARS: tuple[str, ...] = ("M1", "M2", "M3", "M4", "MSTP")

#: The fields a sign-up file can map to a header.
FIELDS: tuple[str, ...] = (
    "id",
    "name",
    "first_name",
    "last_name",
    "email",
    "year",
    "interests",
    "requests",
)


def person_label(name: str, key: str) -> str:
    """How messages name a student: the name and key, or the key alone."""
    if name and name != key:
        return f"{name} ({key})"
    return key


def quote(text: str, limit: int = 60) -> str:
    """`text` in single quotes for a message, shortened when very long."""
    if len(text) > limit:
        text = text[: limit - 3] + "..."
    return f"'{text}'"


def request_origin(source: str, rows: int | Sequence[int], column: str | None = None) -> str:
    """How every message names where a request was written: "locks.csv row 3" (or "rows 3, 7")
    for a lock, apart or pin file, "signups.csv row 14, column 'Placed with'" for a cell of the
    sign-up file's "placed with" column."""
    numbers = [rows] if isinstance(rows, int) else sorted(set(rows))
    noun = "row" if len(numbers) == 1 else "rows"
    where = f"{source} {noun} {', '.join(map(str, numbers))}"
    return where if column is None else f"{where}, column {quote(column)}"


@dataclass(frozen=True, slots=True)
class Student:
    """One sign-up, after normalisation."""

    index: int
    """Position in the cohort, 0-based, in input order."""
    row: int
    """Line of the sign-up file as a spreadsheet shows it (the header is row 1)."""
    key: str
    """Student key: the id cell, else the case-folded email."""
    name: str
    """The name cell as written (may be empty when the file has no name column)."""
    year: str
    """One of YEARS."""
    interests: tuple[str, ...]
    """Canonical interest labels, in the cohort's interest order, without repeats."""
    traits: tuple[tuple[str, ...], ...] = ()
    """The student's answers in each extra column the run reads (Cohort.extra), aligned with
    it: the canonical values of a choice column (none for a blank cell), or the one number of
    a numeric column as written."""

    @property
    def label(self) -> str:
        """How messages name this student: the name and key, or the key alone."""
        return person_label(self.name, self.key)


@dataclass(frozen=True, slots=True)
class Column:
    """An extra sign-up column read for a family or a rule."""

    header: str
    """The header exactly as the file writes it."""
    kind: str
    """"choice" (one value, or several separated by ';') or "number"."""
    values: tuple[str, ...] = ()
    """A choice column's values, canonical spelling, in order of first appearance."""
    multi: bool = False
    """True when some cell holds several values (split like interests)."""


@dataclass(frozen=True, slots=True)
class Cohort:
    """A sign-up file read and checked: the students plus everything needed to write it back."""

    source: str
    """The path as the user gave it."""
    sha256: str
    """SHA-256 of the file's bytes."""
    headers: tuple[str, ...]
    """The original headers, in order, as text."""
    rows: tuple[tuple[str, ...], ...]
    """The original cells of each kept row, as text, aligned with `students`."""
    students: tuple[Student, ...]
    interests: tuple[str, ...]
    """Every interest label seen, canonical spelling, in order of first appearance."""
    mapping: tuple[tuple[str, str], ...]
    """(field, header) for each field found, in FIELDS order."""
    encoding: str
    delimiter: str
    warnings: tuple[str, ...] = ()
    format: str = "CSV"
    """The layout the file was recognised as: "CSV", "Google Forms", "Qualtrics", ..."""
    legend: tuple[tuple[str, str], ...] = ()
    """(short name, full label) for each interest whose label was shortened; `interests` and
    the students hold the short names."""
    extra: tuple[Column, ...] = ()
    """The extra columns read for --balance, --balance-mean and the rules, in the order first
    asked for; Student.traits is aligned with it."""

    def header_for(self, field_name: str) -> str | None:
        """The header mapped to `field_name`, or None."""
        for name, header in self.mapping:
            if name == field_name:
                return header
        return None


@dataclass(frozen=True, slots=True)
class Pair:
    """Two students a coordinator's request names: a row of a lock or apart file (a row of three
    gives three pairs), or one name in a cell of the sign-up file's "placed with" column."""

    a: int
    b: int
    """Student indices (Student.index)."""
    source: str
    """The file the request is written in."""
    row: int
    """Line of that file as a spreadsheet shows it."""
    column: str | None = None
    """The header of the sign-up file's column the request is written in; None for a row of a
    lock or apart file (the whole row is the request)."""

    @property
    def origin(self) -> str:
        """Where the request was written, as every message names it (`request_origin`)."""
        return request_origin(self.source, self.row, self.column)


@dataclass(frozen=True, slots=True)
class Pin:
    """A student who must be in a given group (a row of a pin file)."""

    student: int
    group: int
    """0-based group index."""
    source: str
    row: int

    @property
    def origin(self) -> str:
        """Where the request was written, as every message names it (`request_origin`)."""
        return request_origin(self.source, self.row)


@dataclass(frozen=True, slots=True)
class Requests:
    """What the coordinator asked for beyond balance: locks, aparts and pins, from every source
    alike (the lock, apart and pin files and the sign-up file's "placed with" column); each
    request knows where it was written, and a pair two sources give is kept once, from the
    file."""

    locks: tuple[Pair, ...] = ()
    aparts: tuple[Pair, ...] = ()
    pins: tuple[Pin, ...] = ()
    column: str | None = None
    """The header of the "placed with" column read, as the file writes it; None when no such
    column was read."""
    warnings: tuple[str, ...] = ()
    """Requests of that column that were not used (they match nobody, or several students)."""

    @property
    def column_locks(self) -> int:
        """How many of the locks come from the "placed with" column alone."""
        return sum(1 for pair in self.locks if pair.column is not None)


@dataclass(frozen=True, slots=True)
class Category:
    """One value of a family (a class year, an interest, a gender, ...), with its cohort total."""

    name: str
    family: str
    """The Family.name it belongs to: "year", "interest", or a column's header as written."""
    total: int


#: Family kinds: how a family reads each student's categories.
FAMILY_KINDS: tuple[str, ...] = ("year", "interest", "choice", "bins", "earlier", "rule")


@dataclass(frozen=True, slots=True)
class Family:
    """A set of categories balanced (or only told apart, at weight 0) across groups.

    Class years and interests are two families; each --balance COLUMN is one (named by the
    column's header as the file writes it), each --balance-mean COLUMN one of quantile bins,
    each --avoid-groupmates file one of earlier groups, and a rule over several values one of
    its own. A family of weight 0 is not balanced and never counted out of band: it exists so
    that the model tells its students apart for a rule (at-least, no-lone, repeats)."""

    name: str
    kind: str
    """One of FAMILY_KINDS: "year", "interest", "choice" (a --balance or rule column),
    "bins" (--balance-mean), "earlier" (--avoid-groupmates), "rule" (students matching one
    of a rule's several values)."""
    weight: int = 1
    """How much one unit of distance outside a band of this family costs; 0: not balanced."""
    column: int = -1
    """For "choice" and "bins": the position of its column in Cohort.extra."""
    multi: bool = False
    """For "choice": the column's cells may hold several values."""
    edges: tuple[float, ...] = ()
    """For "bins": the upper edge of every bin but the last (a value <= edge is in that bin)."""
    labels: tuple[str, ...] = ()
    """For "bins": the bins' names; for "earlier": the earlier groups' names ("1", "2", ...)."""
    groups: tuple[int | None, ...] = ()
    """For "earlier": each student's 0-based earlier group, None when not in that file."""
    source: str = ""
    """For "earlier": the file; for "rule": the rule as given."""
    base: Family | None = None
    """For "rule": the family whose values it tests."""
    wanted: tuple[str, ...] = ()
    """For "rule": the values of `base` that count."""

    @property
    def balanced(self) -> bool:
        return self.weight > 0

    def values_of(self, student: Student) -> tuple[str, ...]:
        """The names of the categories of this family that `student` belongs to."""
        if self.kind == "year":
            return (student.year,)
        if self.kind == "interest":
            return student.interests
        if self.kind == "choice":
            return student.traits[self.column]
        if self.kind == "bins":
            cell = student.traits[self.column]
            if not cell:
                return ()
            value = float(cell[0])
            for edge, label in zip(self.edges, self.labels, strict=False):
                if value <= edge:
                    return (label,)
            return (self.labels[-1],)
        if self.kind == "earlier":
            group = self.groups[student.index]
            return () if group is None else (str(group + 1),)
        assert self.base is not None
        hits = set(self.base.values_of(student)).intersection(self.wanted)
        return ("yes",) if hits else ()


@dataclass(frozen=True, slots=True)
class AtLeast:
    """--at-least: every group holds at least `least` students of category `category`."""

    least: int
    category: int
    """Index into Problem.categories: the value, or the rule family's one category."""
    column: str
    """The column as the message names it (a header, or "year" / "interests")."""
    values: tuple[str, ...]
    given: str
    """The option as given, for messages."""


@dataclass(frozen=True, slots=True)
class NoLone:
    """--no-lone: no group holds exactly one student of category `category`."""

    category: int
    column: str
    value: str
    given: str


@dataclass(frozen=True, slots=True)
class Unit:
    """Students who must share a group: a locked chain, or one student on their own."""

    index: int
    members: tuple[int, ...]
    """Student indices, ascending."""
    profile: tuple[int, ...]
    """How many members fall in each category, aligned with Problem.categories."""
    pin: int | None = None
    """0-based group this unit must be in, if any."""
    previous: tuple[int, ...] = ()
    """The earlier 0-based group of each member who had one (--previous), ascending; a group
    that no longer exists is kept, so that member always counts as a move."""

    @property
    def size(self) -> int:
        return len(self.members)


@dataclass(frozen=True, slots=True)
class Problem:
    """Everything the model and the validator need, and nothing about files."""

    students: tuple[Student, ...]
    n_groups: int
    categories: tuple[Category, ...]
    """Every class year in YEARS order (even with no students), then every interest in the
    cohort's order; balance counts, tables and files all follow this order."""
    units: tuple[Unit, ...]
    aparts: tuple[tuple[int, int], ...]
    """Pairs of unit indices (lower first) that must be in different groups."""
    requests: Requests = field(default_factory=Requests)
    """The requests as given, for messages and for the validator's student-level checks."""
    previous: tuple[int | None, ...] = ()
    """Each student's 0-based group in an earlier run (--previous), None for a newcomer;
    empty when there was no earlier run."""
    max_moves: int | None = None
    """At most this many earlier students may change group (--max-moves)."""
    families: tuple[Family, ...] = ()
    """Every family, in the order their categories appear in `categories`; empty means the
    two of old, class years and interests (see `family_list`)."""
    at_least: tuple[AtLeast, ...] = ()
    no_lone: tuple[NoLone, ...] = ()
    max_repeats: int | None = None
    """At most this many pairs of earlier groupmates may share a group (--max-repeats)."""

    @property
    def family_list(self) -> tuple[Family, ...]:
        """The families, with the two of old when none are given."""
        if self.families:
            return self.families
        seen: dict[str, Family] = {}
        for category in self.categories:
            if category.family not in seen:
                kind = category.family if category.family in ("year", "interest") else "choice"
                seen[category.family] = Family(category.family, kind)
        return tuple(seen.values())

    def family_of(self, category: int) -> Family:
        """The Family that category `category` belongs to."""
        name = self.categories[category].family
        return next(f for f in self.family_list if f.name == name)

    def weights(self) -> tuple[int, ...]:
        """Each category's family weight (0: not balanced)."""
        weight = {f.name: f.weight for f in self.family_list}
        return tuple(weight.get(c.family, 1) for c in self.categories)

    @property
    def earlier_families(self) -> tuple[Family, ...]:
        return tuple(f for f in self.family_list if f.kind == "earlier")

    def shown_categories(self) -> tuple[int, ...]:
        """The categories that tables and summary.csv show: every family's but the earlier
        groups of --avoid-groupmates (the repeated pairs are reported instead), the bins of
        --balance-mean (the group means are) and a rule's own family over several values (its
        values are shown in their own family)."""
        hidden = {f.name for f in self.family_list if f.kind in ("earlier", "bins", "rule")}
        return tuple(c for c, cat in enumerate(self.categories) if cat.family not in hidden)

    def moves_of(self, groups: Sequence[int]) -> int:
        """How many earlier students `groups` puts outside their earlier group."""
        return sum(
            1
            for before, after in zip(self.previous, groups, strict=False)
            if before is not None and before != after
        )

    @property
    def n_students(self) -> int:
        return len(self.students)

    @property
    def size_min(self) -> int:
        return self.n_students // self.n_groups

    @property
    def size_max(self) -> int:
        return -(-self.n_students // self.n_groups)

    def band(self, category: int) -> tuple[int, int]:
        """The (floor, ceil) of a category's ideal count per group."""
        ideal = self.categories[category].total / self.n_groups
        return floor(ideal), ceil(ideal)

    def unit_of_student(self) -> tuple[int, ...]:
        """For each student index, the index of its unit."""
        owner = [0] * self.n_students
        for unit in self.units:
            for member in unit.members:
                owner[member] = unit.index
        return tuple(owner)


class Status(Enum):
    """How the search ended."""

    OPTIMAL = "optimal"
    """The solver proved no better balance exists."""
    FEASIBLE = "feasible"
    """Rosters found, not proven best (time limit or interruption)."""


@dataclass(frozen=True, slots=True)
class Assignment:
    """The result of a solve: a group for every student, and what the solver could say of it."""

    groups: tuple[int, ...]
    """0-based group of each student, by Student.index."""
    status: Status
    objective: int
    """Total distance outside the bands, as the solver counted it."""
    bound: int
    """The best lower bound the solver proved on that objective."""
    wall_time: float
    """Seconds spent solving."""
    interrupted: bool = False
    """True when the user stopped the search (Ctrl-C) and the best rosters so far were kept."""

    @property
    def proven_optimal(self) -> bool:
        return self.status is Status.OPTIMAL


@dataclass(frozen=True, slots=True)
class Balance:
    """The yardstick of REFERENCE.md, recomputed from an assignment without the solver."""

    sizes: tuple[int, ...]
    """Students per group."""
    counts: tuple[tuple[int, ...], ...]
    """counts[g][c]: students of category c in group g."""
    out_of_band: int
    """(group, category) cells outside [floor, ceil] of the ideal."""
    excess: int
    """Sum over cells of the distance outside the band (the solver's objective)."""
    total_deviation: float
    """Sum over cells of |count - ideal|."""
    least_total_deviation: float
    """The least total deviation any assignment could reach."""
    max_deviation: float
    size_spread: int
    """Largest group size minus smallest."""
    families: tuple[FamilyBalance, ...] = ()
    """The balance of each balanced family, in Problem.family_list order."""
    repeats: int = 0
    """Pairs of students who shared an earlier group (--avoid-groupmates) and share one now."""
    forced_repeats: int = 0
    """Of those, the pairs a lock keeps together."""
    means: tuple[Mean, ...] = ()
    """Each --balance-mean column's group means."""


@dataclass(frozen=True, slots=True)
class FamilyBalance:
    """One family's share of the yardstick."""

    name: str
    out_of_band: int
    excess: int


@dataclass(frozen=True, slots=True)
class Mean:
    """A --balance-mean column: its cohort mean, each group's mean, and their spread."""

    header: str
    cohort: float
    groups: tuple[float | None, ...]
    """Each group's mean; None for a group with no number in that column."""
    least: float = 0.0
    """The least spread any roster can have with these groups' counts of numbers, from the
    counts and the values' step alone (spread.spread_floor): a floor, not always reachable."""

    @property
    def spread(self) -> float:
        """Largest group mean minus smallest."""
        values = [m for m in self.groups if m is not None]
        return max(values) - min(values) if values else 0.0


@dataclass(frozen=True, slots=True)
class Violation:
    """A hard rule that an assignment breaks, in words a person reads."""

    rule: str
    """One of: "assigned", "size", "lock", "apart", "pin", "moves", "at-least", "no-lone",
    "repeats"."""
    message: str


@dataclass(frozen=True, slots=True)
class Verdict:
    """What the validator found: hard-rule violations (none, for a valid roster) and balance."""

    violations: tuple[Violation, ...]
    balance: Balance

    @property
    def ok(self) -> bool:
        return not self.violations


@dataclass(frozen=True, slots=True)
class Earlier:
    """One student as an assignments file (an earlier run's output) lists them."""

    key: str
    name: str
    group: int
    """0-based group in that file."""
    row: int
    """Line of that file as a spreadsheet shows it."""

    @property
    def label(self) -> str:
        return person_label(self.name, self.key)


@dataclass(frozen=True, slots=True)
class Previous:
    """An earlier run's assignments.csv matched to the cohort by student key (--previous)."""

    source: str
    n_groups: int
    """The highest group number in the file."""
    groups: tuple[int | None, ...]
    """Each cohort student's earlier 0-based group, None for a newcomer."""
    left: tuple[Earlier, ...]
    """Students of the earlier file who are no longer in the cohort, in file order."""


@dataclass(frozen=True, slots=True)
class Move:
    """An earlier student in a new group, a newcomer placed (before None), and why."""

    student: int
    before: int | None
    after: int
    reason: str


@dataclass(frozen=True, slots=True)
class Changes:
    """What a re-run changed against the earlier rosters."""

    moved: tuple[Move, ...]
    joined: tuple[Move, ...]
    left: tuple[Earlier, ...]
    stayed: int
    moves_floor: int | None = None
    """A proven lower bound on the moves of any roster as balanced (mend.moves_floor); None
    when not computed."""


@dataclass(frozen=True, slots=True)
class Cost:
    """How much balance one family of rules costs: the balance reached without it."""

    family: str
    """"locks", "aparts", "pins", "moves", "at-least", "no-lone" or "repeats"."""
    out_of_band: int
    """Cells out of band without that family (the run's own figure when it is kept)."""
    excess: int
    proven: bool
