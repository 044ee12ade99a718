"""Assignments files from an earlier run (`--previous`, `empower diff`, a lock file of groups).

An assignments.csv holds the sign-up columns plus a last column `group` (or `group (empower)`
when the sign-ups had a `group` column of their own). Students are matched by key: the student
id column when the file has one, else the email, compared the way the cohort compares them.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from pathlib import Path

from empower_cli.errors import InputError
from empower_cli.ingest.cohort import key_of
from empower_cli.ingest.columns import ALIASES, header_key
from empower_cli.ingest.read import read_table
from empower_cli.ingest.text import clean, quote
from empower_cli.records import Cohort, Earlier, Previous

#: A leading quote that export.py put before a cell a spreadsheet would run as a formula.
_ESCAPED = frozenset("=+-@\t\r\n＝＋－＠")


@dataclass(frozen=True, slots=True)
class Listing:
    """The students of an assignments file, in file order."""

    source: str
    key_header: str
    by_email: bool
    students: tuple[Earlier, ...]

    @property
    def n_groups(self) -> int:
        return max(s.group for s in self.students) + 1


def _unescape(cell: str) -> str:
    text = clean(cell)
    if len(text) > 1 and text[0] == "'" and text[1] in _ESCAPED:
        return text[1:]
    return text


def _position(headers: tuple[str, ...], keys: tuple[str, ...]) -> int | None:
    wanted = set(keys)
    for position, header in enumerate(headers):
        if header_key(header) in wanted:
            return position
    return None


def group_position(headers: tuple[str, ...]) -> int | None:
    """The column empower wrote the group into: the last `group` or `group (empower ...)`."""
    found = None
    for position, header in enumerate(headers):
        key = header_key(header)
        if key == "group" or key.startswith("group(empower"):
            found = position
    return found


def _headers_list(headers: tuple[str, ...]) -> str:
    return ", ".join(quote(clean(h)) for h in headers)


def read_assignments(
    path: Path, *, key_header: str | None = None, by_email: bool | None = None
) -> Listing:
    """Every student of an assignments file with their group; an InputError (exit 3) naming
    the file, row and column for a missing column, an empty or repeated key, or a bad group."""
    table = read_table(path)
    source, headers = table.source, table.headers
    group_at = group_position(headers)
    if group_at is None:
        raise InputError(
            f"{source}: no column is headed 'group', so this is not an assignments.csv that "
            f"empower wrote. The headers are: {_headers_list(headers)}."
        )
    if key_header is not None:
        key_at = _position(headers, (header_key(key_header),))
        if by_email is None:
            by_email = header_key(key_header) in ALIASES["email"]
        if key_at is None:
            raise InputError(
                f"{source}: no column is headed {quote(clean(key_header))}, which holds the "
                f"student keys of the sign-ups. The headers are: {_headers_list(headers)}."
            )
    else:
        key_at = _position(headers, ALIASES["id"])
        by_email = key_at is None
        if key_at is None:
            key_at = _position(headers, ALIASES["email"])
        if key_at is None:
            raise InputError(
                f"{source}: no column holds a student id or email, so its students cannot be "
                f"matched. The headers are: {_headers_list(headers)}."
            )
    name_at = _position(headers, ALIASES["name"])
    key_name = quote(clean(headers[key_at]))
    group_name = quote(clean(headers[group_at]))
    seen: dict[str, int] = {}
    students: list[Earlier] = []
    # the three columns read, not every row's cells (a tenth of the time at 20,000 students)
    keys, groups = table.cells(key_at), table.cells(group_at)
    names = table.cells(name_at) if name_at is not None else [""] * len(keys)
    for row, key_cell, group_cell, name_cell in zip(
        table.row_numbers, keys, groups, names, strict=True
    ):
        key = key_of(_unescape(key_cell), by_email=by_email)
        if not key:
            raise InputError(f"{source}: row {row}, column {key_name}: the student key is empty.")
        if key in seen:
            raise InputError(
                f"{source}: rows {seen[key]} and {row}, column {key_name}: the same student "
                f"({quote(key)}) is listed twice; keep one of the rows."
            )
        seen[key] = row
        text = group_cell  # as export.py writes it: ASCII digits only
        if not (text.isascii() and text.isdigit()):
            text = clean(unicodedata.normalize("NFKC", group_cell))
        if not text.isdigit() or int(text) < 1:
            raise InputError(
                f"{source}: row {row}, column {group_name}: {quote(clean(group_cell))} is "
                "not a group number; write a whole number from 1."
            )
        name = _unescape(name_cell) if name_at is not None else ""
        students.append(Earlier(key=key, name=name, group=int(text) - 1, row=row))
    return Listing(source, clean(headers[key_at]), by_email, tuple(students))


def read_previous(path: Path, cohort: Cohort) -> Previous:
    """An earlier run's assignments.csv matched to the cohort by student key."""
    field = "email" if cohort.header_for("id") is None else "id"
    header = cohort.header_for(field)
    listing = read_assignments(path, key_header=header, by_email=field == "email")
    index = {s.key: s.index for s in cohort.students}
    groups: list[int | None] = [None] * len(cohort.students)
    left: list[Earlier] = []
    for earlier in listing.students:
        found = index.get(earlier.key)
        if found is None:
            left.append(earlier)
        else:
            groups[found] = earlier.group
    if len(left) == len(listing.students):
        raise InputError(
            f"{listing.source}: none of its {len(left)} students is in {cohort.source} "
            f"(matched by the column {quote(listing.key_header)}); give the assignments.csv "
            "of an earlier run on these sign-ups."
        )
    return Previous(
        source=listing.source, n_groups=listing.n_groups, groups=tuple(groups), left=tuple(left)
    )
