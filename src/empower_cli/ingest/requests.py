"""The coordinator's requests, from every source: the lock, apart and pin files, matched to the
cohort row by row, and the sign-up file's "placed with" column (`placed`). `read_requests` reads
them all into one Requests record; each lock, apart and pin knows the file and row (and, for the
column, the header) it was written in, so that every later message names it the same way.

A student is named by their key (the id, or the email when there is no id column; compared
ignoring case), their email, or their name (compared as every file compares names: `name_key`,
ignoring case and accents); a name two students share is an error. A row of a lock or apart file
is a set of students: a lock row of three keeps all three together, an apart row of three keeps
each apart from the others. A lock file can also be an assignments.csv of some of the students:
everyone sharing a group there is locked together.

A pair that both a lock file and the column give is kept once, from the lock file. Conflicts
between the sources (locked and apart at once, pins that split a chain) are the business of
`rules`, not of this module.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Mapping
from functools import cached_property
from pathlib import Path

from empower_cli.errors import InputError
from empower_cli.ingest.cohort import key_of
from empower_cli.ingest.columns import ALIASES, header_key
from empower_cli.ingest.earlier import group_position
from empower_cli.ingest.placed import read_placed
from empower_cli.ingest.read import REQUEST_ADVICE, read_records
from empower_cli.ingest.text import clean, column_phrase, fold, join_words, name_key, quote
from empower_cli.records import Cohort, Pair, Pin, Requests

_WHOLE = re.compile(r"\d+")

Row = tuple[int, tuple[str, ...]]


class _Keys:
    """The cohort's students, named by key, by email or by exact name."""

    def __init__(self, cohort: Cohort) -> None:
        self.cohort_source = cohort.source
        self.by_email = cohort.header_for("id") is None
        self.index: Mapping[str, int] = {s.key: s.index for s in cohort.students}
        folded: dict[str, list[int]] = defaultdict(list)
        for s in cohort.students:
            folded[s.key.casefold()].append(s.index)
        # ids that differ only in case are told apart by their exact spelling alone
        self.folded = {key: found[0] for key, found in folded.items() if len(found) == 1}
        self._cohort = cohort
        self.rows = [s.row for s in cohort.students]

    # Emails and names are indexed only when a request names a student that way: request
    # files name most students by id, and a name's key is dear (0.4 s for 20,000 students).
    @cached_property
    def email(self) -> dict[str, int]:
        cohort = self._cohort
        email = cohort.header_for("email")
        found: dict[str, int] = {}
        if email is not None:
            at = cohort.headers.index(email)
            for student, cells in zip(cohort.students, cohort.rows, strict=True):
                found.setdefault(fold(cells[at]), student.index)
        return found

    @cached_property
    def names(self) -> dict[str, list[int]]:
        found: dict[str, list[int]] = defaultdict(list)
        for student in self._cohort.students:
            if student.name:
                found[name_key(student.name)].append(student.index)
        return found

    def _find(self, cell: str) -> list[int]:
        key = key_of(cell, by_email=self.by_email)
        found = self.index.get(key)
        if found is None:
            found = self.folded.get(key.casefold())
        if found is None and "@" in fold(cell):  # only such a cell can be an email
            found = self.email.get(fold(cell))
        if found is not None:
            return [found]
        return self.names.get(name_key(cell), [])

    def known(self, cell: str) -> bool:
        return bool(self._find(cell))

    def student(self, source: str, row: int, cell: str, column: int = 0) -> int:
        """The index of the student `cell` names (id, email or exact name), or an InputError."""
        found = self._find(cell)
        where = f"{source}: row {row}, {column_phrase(column)}"
        if not found:
            raise InputError(
                f"{where}: {quote(clean(cell))} is not a student id, email or name in "
                f"{self.cohort_source}."
            )
        if len(found) > 1:
            rows = join_words([str(self.rows[i]) for i in found])
            raise InputError(
                f"{where}: {quote(clean(cell))} is the name of {len(found)} students "
                f"(rows {rows} of {self.cohort_source}); write the student id or email instead."
            )
        return found[0]


def _cell(cells: tuple[str, ...], position: int) -> str:
    return clean(cells[position]) if len(cells) > position else ""


def _whole(cell: str) -> int | None:
    text = clean(unicodedata.normalize("NFKC", cell))
    return int(text) if _WHOLE.fullmatch(text) else None


def _looks_like_key(cell: str, keys: _Keys) -> bool:
    """A known key, or anything holding '@', is data rather than a header."""
    return keys.known(cell) or "@" in cell


def _body(rows: tuple[Row, ...], keys: _Keys, *, pins: bool) -> tuple[Row, ...]:
    """The rows without the first one when that one is a header."""
    if not rows:
        return rows
    cells = rows[0][1]
    key_cells = [_cell(cells, 0)] if pins else [_cell(cells, 0), _cell(cells, 1)]
    header = not any(_looks_like_key(cell, keys) for cell in key_cells)
    if pins and _whole(_cell(cells, 1)) is not None:
        header = False
    return rows[1:] if header else rows


def _grouped(source: str, rows: tuple[Row, ...], keys: _Keys) -> tuple[Pair, ...] | None:
    """Locks from an assignments file of a subset (\"keep these groups together\"): everyone
    sharing a group there is locked together. None when the file is not such a file (its
    header has no `group` column and no student id, email or name column)."""
    if not rows:
        return None
    headers = tuple(clean(cell) for cell in rows[0][1])
    group_at = group_position(headers)
    if group_at is None or len(headers) < 2:
        return None
    key_at = None
    for field in ("id", "email", "name"):
        matches = [p for p, h in enumerate(headers) if header_key(h) in ALIASES[field]]
        if matches:
            key_at = matches[0]
            break
    if key_at is None:
        return None
    first_of: dict[int, int] = {}
    pairs: list[Pair] = []
    for row, cells in rows[1:]:
        who, where = _cell(cells, key_at), _cell(cells, group_at)
        if not who:
            raise InputError(
                f"{source}: row {row}, {column_phrase(key_at)}: the student is missing."
            )
        student = keys.student(source, row, who, key_at)
        number = _whole(where)
        if number is None or number < 1:
            raise InputError(
                f"{source}: row {row}, {column_phrase(group_at)}: {quote(where)} is not a "
                "group number; write a whole number from 1."
            )
        if number in first_of:
            if first_of[number] != student:
                pairs.append(Pair(a=first_of[number], b=student, source=source, row=row))
        else:
            first_of[number] = student
    return tuple(pairs)


#: Words in a lock or apart file's header that mark a column of notes rather than of students.
_NOTE_WORDS = ("why", "reason", "note", "comment", "because", "remark", "detail")


def _note_columns(rows: tuple[Row, ...], body: tuple[Row, ...]) -> frozenset[int]:
    """Positions after the first two whose header says they hold notes ("why", "reason")."""
    if not rows or len(body) == len(rows):
        return frozenset()  # no header row: every cell names a student
    headers = rows[0][1]
    return frozenset(
        p
        for p, header in enumerate(headers)
        if p >= 2 and any(word in header_key(header) for word in _NOTE_WORDS)
    )


def _row_students(
    source: str, row: int, cells: tuple[str, ...], keys: _Keys, notes: frozenset[int]
) -> list[int]:
    """The students a lock or apart row names (every non-empty cell that is not a note), at
    least two of them."""
    named = [(p, clean(cell)) for p, cell in enumerate(cells) if clean(cell) and p not in notes]
    if not _cell(cells, 0) and not _cell(cells, 1):
        raise InputError(
            f"{source}: row {row}: the first two cells are empty; each row names two students."
        )
    if len(named) == 1:
        raise InputError(
            f"{source}: row {row}: only one student is named ({quote(named[0][1])}); "
            "each row names two students."
        )
    students: list[int] = []
    for position, cell in named:
        student = keys.student(source, row, cell, position)
        if student in students:
            first = named[students.index(student)][1]
            raise InputError(
                f"{source}: row {row}: {quote(first)} is paired with themself; "
                "name two different students."
            )
        students.append(student)
    return students


def _pairs(path: Path, keys: _Keys, *, groups: bool = False) -> tuple[Pair, ...]:
    """The pairs of a lock or apart file, repeats dropped: each row is a set of students, so a
    row of three gives the pairs (a, b), (a, c), (b, c). With `groups`, the file may also be an
    assignments file whose groups are kept together."""
    records = read_records(path, advice=REQUEST_ADVICE)
    source = records.source
    if groups:
        grouped = _grouped(source, records.rows, keys)
        if grouped is not None:
            return grouped
    pairs: list[Pair] = []
    seen: set[frozenset[int]] = set()
    body = _body(records.rows, keys, pins=False)
    notes = _note_columns(records.rows, body)
    for row, cells in body:
        students = _row_students(source, row, cells, keys, notes)
        for i, a in enumerate(students):
            for b in students[i + 1 :]:
                if frozenset((a, b)) not in seen:
                    seen.add(frozenset((a, b)))
                    pairs.append(Pair(a=a, b=b, source=source, row=row))
    return tuple(pairs)


def _groups_phrase(n_groups: int) -> str:
    if n_groups == 1:
        return "there is 1 group, numbered 1"
    return f"there are {n_groups} groups, numbered 1 to {n_groups}"


def _pins(path: Path, keys: _Keys, n_groups: int) -> tuple[Pin, ...]:
    """One Pin per row of a pin file, repeats dropped; a student pinned twice is an error."""
    records = read_records(path, advice=REQUEST_ADVICE)
    source = records.source
    pins: dict[int, Pin] = {}
    for row, cells in _body(records.rows, keys, pins=True):
        who, where = _cell(cells, 0), _cell(cells, 1)
        if not who:
            raise InputError(f"{source}: row {row}: the student key is missing.")
        student = keys.student(source, row, who, 0)
        if not where:
            raise InputError(f"{source}: row {row}: the group number for {quote(who)} is missing.")
        number = _whole(where)
        if number is None:
            raise InputError(
                f"{source}: row {row}: {quote(where)} is not a group number; "
                f"write a whole number ({_groups_phrase(n_groups)})."
            )
        if not 1 <= number <= n_groups:
            raise InputError(
                f"{source}: row {row}: group {number} is out of range; {_groups_phrase(n_groups)}."
            )
        earlier = pins.get(student)
        if earlier is not None and earlier.group != number - 1:
            raise InputError(
                f"{source}: rows {earlier.row} and {row}: {quote(who)} is pinned to group "
                f"{earlier.group + 1} and to group {number}; keep one."
            )
        if earlier is None:
            pins[student] = Pin(student=student, group=number - 1, source=source, row=row)
    return tuple(pins.values())


def _merged(first: tuple[Pair, ...], then: tuple[Pair, ...]) -> tuple[Pair, ...]:
    """`first`, then each pair of `then` that `first` does not already hold (in either order)."""
    have = {frozenset((p.a, p.b)) for p in first}
    return first + tuple(p for p in then if frozenset((p.a, p.b)) not in have)


def read_requests(
    cohort: Cohort,
    n_groups: int,
    *,
    lock: Path | None = None,
    apart: Path | None = None,
    pin: Path | None = None,
    column: str | None = None,
    ignore_column: bool = False,
) -> Requests:
    """Every request: the lock, apart and pin files given, each checked against the cohort's
    students, and the "placed with" column (the header `column`, else the one found by its
    header; none with `ignore_column`), whose pairs join the locks after the lock file's."""
    keys = _Keys(cohort)
    locks = _pairs(lock, keys, groups=True) if lock is not None else ()
    aparts = _pairs(apart, keys) if apart is not None else ()
    pins = _pins(pin, keys, n_groups) if pin is not None else ()
    if ignore_column:
        return Requests(locks=locks, aparts=aparts, pins=pins)
    placed = read_placed(cohort, header=column)
    return Requests(
        locks=_merged(locks, placed.pairs),
        aparts=aparts,
        pins=pins,
        column=placed.header,
        warnings=placed.warnings,
    )
