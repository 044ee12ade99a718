"""Lock, apart and pin files: student keys matched to the cohort, row by row.

Conflicts between the files (locked and apart at once, pins that split a chain) are the business
of `rules`, not of this module.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from pathlib import Path

from empower_cli.errors import InputError
from empower_cli.ingest.cohort import key_of
from empower_cli.ingest.read import REQUEST_ADVICE, read_records
from empower_cli.ingest.text import clean, quote
from empower_cli.records import Cohort, Pair, Pin, Requests

_WHOLE = re.compile(r"\d+")

Row = tuple[int, tuple[str, ...]]


class _Keys:
    """The cohort's student keys, matched the way the cohort compares them."""

    def __init__(self, cohort: Cohort) -> None:
        self.cohort_source = cohort.source
        self.by_email = cohort.header_for("id") is None
        self.index: Mapping[str, int] = {s.key: s.index for s in cohort.students}

    def known(self, cell: str) -> bool:
        return key_of(cell, by_email=self.by_email) in self.index

    def student(self, source: str, row: int, cell: str) -> int:
        """The index of the student `cell` names, or an InputError."""
        found = self.index.get(key_of(cell, by_email=self.by_email))
        if found is None:
            raise InputError(
                f"{source}: row {row}: {quote(clean(cell))} is not a student in "
                f"{self.cohort_source}."
            )
        return found


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


def _pairs(path: Path, keys: _Keys) -> tuple[Pair, ...]:
    """One Pair per row of a lock or apart file, repeats dropped."""
    records = read_records(path, advice=REQUEST_ADVICE)
    source = records.source
    pairs: list[Pair] = []
    seen: set[frozenset[int]] = set()
    for row, cells in _body(records.rows, keys, pins=False):
        first, second = _cell(cells, 0), _cell(cells, 1)
        if not first and not second:
            raise InputError(
                f"{source}: row {row}: the first two cells are empty; each row names two students."
            )
        if not first or not second:
            raise InputError(
                f"{source}: row {row}: only one student is named ({quote(first or second)}); "
                "each row names two students."
            )
        a = keys.student(source, row, first)
        b = keys.student(source, row, second)
        if a == b:
            raise InputError(
                f"{source}: row {row}: {quote(first)} is paired with themself; "
                "name two different students."
            )
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
        student = keys.student(source, row, who)
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


def read_requests(
    cohort: Cohort,
    n_groups: int,
    *,
    lock: Path | None = None,
    apart: Path | None = None,
    pin: Path | None = None,
) -> Requests:
    """The lock, apart and pin files given, each checked against the cohort's students."""
    keys = _Keys(cohort)
    return Requests(
        locks=_pairs(lock, keys) if lock is not None else (),
        aparts=_pairs(apart, keys) if apart is not None else (),
        pins=_pins(pin, keys, n_groups) if pin is not None else (),
    )
