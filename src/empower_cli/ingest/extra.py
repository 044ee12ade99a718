"""Extra sign-up columns read for --balance, --balance-mean and the rules (--at-least, --no-lone).

A column is found by its header the way `--column` finds one (case, spaces, underscores and
hyphens ignored). A choice column's cells are compared ignoring case, each value spelled as it was
first written; a column where some cell holds ';' is a multi-select column, split on ';' as
interests are. A numeric column must hold a number in every non-blank cell. A blank cell belongs
to no category, with one warning that counts them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from empower_cli.errors import InputError
from empower_cli.ingest.columns import header_key
from empower_cli.ingest.text import clean, fold, plural, quote
from empower_cli.records import Column

#: Kinds of extra column.
CHOICE = "choice"
NUMBER = "number"


def find_extra(source: str, headers: Sequence[str], wanted: str, option: str) -> int:
    """The position of the one header that `wanted` names; an InputError (exit 3) naming the
    option and the headers otherwise."""
    matches = [p for p, header in enumerate(headers) if header_key(header) == header_key(wanted)]
    listed = ", ".join(quote(clean(h)) for h in headers)
    if not matches:
        raise InputError(
            f"{source}: {option} {quote(wanted)} matches no header. The headers are: {listed}."
        )
    if len(matches) > 1:
        raise InputError(
            f"{source}: {option} {quote(wanted)} matches {len(matches)} headers; rename one."
        )
    return matches[0]


def _choices(cells: Sequence[str]) -> tuple[list[tuple[str, ...]], tuple[str, ...], bool]:
    """Each cell's values, every value in order of first appearance, and whether the column is
    multi-select."""
    cleaned = [clean(cell) for cell in cells]
    multi = any(";" in cell for cell in cleaned)
    spelling: dict[str, str] = {}
    chosen: list[tuple[str, ...]] = []
    for cell in cleaned:
        pieces = [clean(p) for p in cell.split(";")] if multi else [cell]
        values: list[str] = []
        for piece in pieces:
            if not piece:
                continue
            value = spelling.setdefault(fold(piece), piece)
            if value not in values:
                values.append(value)
        chosen.append(tuple(values))
    return chosen, tuple(spelling.values()), multi


def _number(cell: str) -> float | None:
    text = clean(cell).replace("\u2212", "-")
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _numbers(
    source: str, header: str, cells: Sequence[str], rows: Sequence[int]
) -> list[tuple[str, ...]]:
    values: list[tuple[str, ...]] = []
    for cell, row in zip(cells, rows, strict=True):
        text = clean(cell)
        if not text:
            values.append(())
            continue
        number = _number(text)
        if number is None:
            raise InputError(
                f"{source}: row {row}, column {quote(clean(header))}: {quote(text)} is not a "
                "number; --balance-mean needs a number in every cell (or a blank one)."
            )
        values.append((repr(number),))
    return values


def read_extra(
    source: str,
    headers: Sequence[str],
    cells_of: Callable[[int], list[str]],
    rows: Sequence[int],
    wanted: Sequence[tuple[str, str, str]],
) -> tuple[tuple[Column, ...], list[tuple[tuple[str, ...], ...]], list[str]]:
    """(columns, each student's traits, warnings) for the `wanted` (header, kind, option)
    columns; `cells_of(p)` gives the cells of column p. A header asked for twice is read once
    (as a number when any option needs one)."""
    positions: dict[int, str] = {}
    options: dict[int, str] = {}
    for header, kind, option in wanted:
        position = find_extra(source, headers, header, option)
        if positions.get(position) != NUMBER:
            positions[position] = kind
        options.setdefault(position, option)
    columns: list[Column] = []
    per_column: list[list[tuple[str, ...]]] = []
    warnings: list[str] = []
    for position, kind in positions.items():
        header = headers[position]
        cells = cells_of(position)
        if kind == NUMBER:
            values = _numbers(source, header, cells, rows)
            columns.append(Column(header, NUMBER))
        else:
            values, seen, multi = _choices(cells)
            columns.append(Column(header, CHOICE, seen, multi))
        per_column.append(values)
        blank = sum(1 for value in values if not value)
        if blank:
            warnings.append(
                f"{source}: {plural(blank, 'student')} left {quote(clean(header))} blank; "
                "they count in none of its values."
            )
    traits = [tuple(column[i] for column in per_column) for i in range(len(rows))]
    return tuple(columns), traits, warnings
