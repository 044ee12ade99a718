"""Class years as students write them, normalised to records.YEARS, never guessed."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from empower_cli.errors import InputError
from empower_cli.ingest.text import clean, fold, join_words, quote
from empower_cli.records import YEARS

_MSTP = re.compile(r"\bmstp\b|\bmd\s*[-/+&]?\s*ph\.?\s*d\b|\bph\.?\s*d\b")
_PATTERNS: tuple[re.Pattern[str], ...] = (
    re.compile(r"\bm\.?\s*s?\.?\s*-?\s*(\d+)\b"),  # M1, MS1, MS-1, m 1
    re.compile(r"\b(?:year|yr)s?\s*[-:#]?\s*(\d+)\b"),  # Year 2, yr-3
    re.compile(r"\b(\d+)\s*(?:st|nd|rd|th)\b(?:[\s-]*(?:year|yr)s?\b)?"),  # 1st yr, 3rd year
    re.compile(r"^(\d+)$"),  # 2
)
_ORDINALS: dict[str, int] = {
    "first": 1,
    "second": 2,
    "third": 3,
    "fourth": 4,
    "fifth": 5,
    "sixth": 6,
}
_ORDINAL_WORD = re.compile(r"\b(" + "|".join(_ORDINALS) + r")\b(?:[\s-]*(?:year|yr)s?\b|$)")
_LAST_M_YEAR = 4
_NUMBER = re.compile(r"\d+")
_GRADUATION = re.compile(r"\bclass\s+of\b|\b(?:19|20)\d\d\b")

_GRADUATION_PROBLEM = "a graduation year; needs an academic-year option, not yet available"
_KNOWN = f"({', '.join(YEARS)})"
_FIX = f"Write one of {join_words(YEARS, 'or')}"


@dataclass(frozen=True, slots=True)
class Reading:
    """What a class-year cell says: a year, or why it cannot be read as one."""

    year: str | None
    kind: str = ""
    """Why there is no year: "empty", "unknown", "ambiguous" or "graduation"."""
    problem: str = ""
    """The same in words, for the table: "not a class year", "could be M1 or M2", ..."""


def _numbers(text: str) -> tuple[set[int], set[int]]:
    """(numbers in a year-like form, other numbers) found in a folded cell."""
    named: set[int] = set()
    spans: list[tuple[int, int]] = []
    for pattern in _PATTERNS:
        for match in pattern.finditer(text):
            named.add(int(match.group(1)))
            spans.append(match.span(1))
    for match in _ORDINAL_WORD.finditer(text):
        named.add(_ORDINALS[match.group(1)])
    other = {
        int(match.group())
        for match in _NUMBER.finditer(text)
        if not any(start <= match.start() < end for start, end in spans)
    }
    return named, other


def read_year(cell: str) -> Reading:
    """The class year a cell names (MSTP first, then M1-M4), or why there is none."""
    text = fold(cell)
    if not text:
        return Reading(None, "empty", "empty")
    if _MSTP.search(text):
        return Reading("MSTP")
    named, other = _numbers(text)
    possible = sorted(n for n in named | other if 1 <= n <= _LAST_M_YEAR)
    if len(possible) > 1:
        words = join_words([f"M{n}" for n in possible], "or")
        return Reading(None, "ambiguous", f"could be {words}")
    if len(named) == 1 and not other and possible:
        return Reading(f"M{possible[0]}")
    if _GRADUATION.search(text):
        return Reading(None, "graduation", _GRADUATION_PROBLEM)
    return Reading(None, "unknown", "not a class year")


def _one_cell(source: str, header: str, raw: str, row: int, reading: Reading) -> InputError:
    where = f"{source}: row {row}, column {quote(header)}"
    if reading.kind == "empty":
        return InputError(f"{where}: the class year is empty. {_FIX} in the cell and run again.")
    if reading.kind == "ambiguous":
        return InputError(
            f"{where}: {quote(raw)} {reading.problem}, and empower does not guess. "
            f"{_FIX} in the cell and run again."
        )
    if reading.kind == "graduation":
        return InputError(
            f"{where}: {quote(raw)} is a graduation year, which empower cannot turn into "
            f"a class year until an academic-year option is added. {_FIX} in the cell "
            "and run again."
        )
    return InputError(
        f"{where}: {quote(raw)} is not a class year empower knows {_KNOWN}. "
        "Fix the cell and run again."
    )


def _table(lines: Sequence[tuple[str, int, int, str]]) -> str:
    """A plain-text table of (value, cells, first row, problem), indented two spaces."""
    heads = ("value", "cells", "first row", "problem")
    texts = [heads] + [(value, str(n), str(row), problem) for value, n, row, problem in lines]
    widths = [max(len(line[i]) for line in texts) for i in range(3)]
    out = []
    for value, count, row, problem in texts:
        cells = f"{value:<{widths[0]}}  {count:>{widths[1]}}  {row:>{widths[2]}}  {problem}"
        out.append("  " + cells.rstrip())
    return "\n".join(out)


def normalise_years(
    source: str, header: str, cells: Sequence[str], rows: Sequence[int]
) -> list[str]:
    """The class year of each cell; one InputError listing every value that is not one."""
    readings: dict[str, Reading] = {}
    first: dict[str, str] = {}
    bad: dict[str, list[int]] = {}
    years: list[str] = []
    for cell, row in zip(cells, rows, strict=True):
        text = fold(cell)
        if text not in readings:
            readings[text] = read_year(cell)
            first[text] = clean(cell)
        year = readings[text].year
        if year is None:
            bad.setdefault(text, []).append(row)
        else:
            years.append(year)
    if not bad:
        return years
    count = sum(len(found) for found in bad.values())
    if count == 1:
        ((text, found),) = bad.items()
        raise _one_cell(source, header, first[text], found[0], readings[text])
    lines = [
        (
            quote(first[text], 30) if text else "(empty)",
            len(found),
            found[0],
            readings[text].problem,
        )
        for text, found in bad.items()
    ]
    raise InputError(
        f"{source}: column {quote(header)}: {count} cells hold values that are not class years "
        f"empower knows {_KNOWN}:\n{_table(lines)}\n{_FIX} in each of these cells and run again."
    )
