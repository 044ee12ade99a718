"""A REDCap data dictionary: what the codes and checkbox columns of a raw export mean.

REDCap's raw export writes codes (`class_year` = 5, `topics___3` = 1); the project's data
dictionary (a CSV that REDCap names `<Project>_DataDictionary_<date>.csv`) lists each field's
question text and its choices as `1, M1 | 2, M2 | ...`. When exactly one such file sits beside
the sign-up file, the raw export is read with its labels, so nobody has to map the codes by hand.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from empower_cli.errors import InputError
from empower_cli.ingest.read import REQUEST_ADVICE, read_records
from empower_cli.ingest.text import clean, fold, join_words, quote

#: The dictionary's columns, as `fold` writes them, and what each holds.
_COLUMNS: dict[str, str] = {
    "variable / field name": "name",
    "field type": "kind",
    "field label": "label",
    "choices, calculations, or slider labels": "choices",
}
_NAME = re.compile(r"datadictionary")
_IGNORED = re.compile(r"[\s_\-.]+")
#: Field types whose choices are codes written in the cell itself.
CODED = frozenset({"radio", "dropdown"})


@dataclass(frozen=True, slots=True)
class Field:
    """One field of the dictionary."""

    name: str
    kind: str
    """REDCap's field type: "checkbox", "radio", "dropdown", "text", ..."""
    label: str
    """The question text."""
    choices: tuple[tuple[str, str], ...]
    """(code, label) of each choice, in the dictionary's order."""

    def choice(self, code: str) -> str | None:
        """The label of a code, compared ignoring case and spaces."""
        wanted = fold(code)
        for each, label in self.choices:
            if fold(each) == wanted:
                return label
        return None


@dataclass(frozen=True, slots=True)
class Dictionary:
    source: str
    fields: dict[str, Field]
    """Field name (folded) -> field."""

    def field(self, name: str) -> Field | None:
        return self.fields.get(fold(name))


def find(signups: Path) -> Path | None:
    """The data dictionary beside `signups`, if there is one; an InputError when there are
    several, since using the wrong one would misread every code."""
    try:
        entries = sorted(signups.parent.iterdir())
    except OSError:
        return None
    found = [
        path
        for path in entries
        if path.is_file()
        and path.suffix.casefold() == ".csv"
        and path != signups
        and _NAME.search(_IGNORED.sub("", path.name.casefold()))
    ]
    if len(found) > 1:
        names = join_words([quote(path.name) for path in found], "and")
        raise InputError(
            f"{signups}: {len(found)} REDCap data dictionaries are beside it ({names}); move "
            "away all but the one that belongs to this export and run again."
        )
    return found[0] if found else None


def _choices(text: str) -> tuple[tuple[str, str], ...]:
    """`1, M1 | 2, M2` -> (("1", "M1"), ("2", "M2")); pieces without a comma are left out."""
    pairs = []
    for piece in text.split("|"):
        code, comma, label = piece.partition(",")
        if comma and clean(code) and clean(label):
            pairs.append((clean(code), clean(label)))
    return tuple(pairs)


def read_dictionary(path: Path) -> Dictionary:
    """Read a data dictionary; an InputError when a column REDCap always writes is missing."""
    records = read_records(path, advice=REQUEST_ADVICE)
    if not records.rows:
        raise InputError(f"{path}: the data dictionary is empty.")
    headers = [fold(header) for header in records.rows[0][1]]
    where: dict[str, int] = {}
    for position, header in enumerate(headers):
        if header in _COLUMNS and _COLUMNS[header] not in where:
            where[_COLUMNS[header]] = position
    missing = [header for header, key in _COLUMNS.items() if key not in where]
    if missing:
        wanted = join_words([quote(header) for header in missing], "and")
        raise InputError(
            f"{path}: this looks like a REDCap data dictionary, but it has no column {wanted}; "
            "export the data dictionary again from REDCap, or move this file away from the "
            "sign-up file."
        )
    fields: dict[str, Field] = {}
    for _, cells in records.rows[1:]:

        def cell(key: str, cells: tuple[str, ...] = cells) -> str:
            position = where[key]
            return clean(cells[position]) if position < len(cells) else ""

        name = cell("name")
        if name:
            fields[fold(name)] = Field(
                name=name,
                kind=fold(cell("kind")),
                label=cell("label"),
                choices=_choices(cell("choices")),
            )
    return Dictionary(source=str(path), fields=fields)
