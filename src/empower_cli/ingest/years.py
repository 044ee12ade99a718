"""Class years as students write them, normalised to records.YEARS, never guessed."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from empower_cli.errors import InputError
from empower_cli.ingest.text import clean, fold, join_words, quote, toml_string
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
_GRADUATION_YEAR = re.compile(r"\b((?:19|20)\d\d)\b")

_GRADUATION_PROBLEM = "a graduation year; give --academic-year"
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


def graduation_year(cell: str, academic_year: int) -> Reading:
    """'Class of YYYY' in the academic year that starts in the autumn of `academic_year`.

    That year's M1 students graduate in the spring of academic_year + 4, so the class of
    academic_year + 4 is M1, + 3 is M2, + 2 is M3 and + 1 is M4.
    """
    found = {int(match.group(1)) for match in _GRADUATION_YEAR.finditer(fold(cell))}
    if len(found) != 1:
        return Reading(None, "unknown", "not a class year")
    (year,) = found
    level = academic_year + _LAST_M_YEAR + 1 - year
    if 1 <= level <= _LAST_M_YEAR:
        return Reading(f"M{level}")
    return Reading(
        None,
        "unknown",
        f"graduates in {year}: not M1-M4 in {academic_year}-{(academic_year + 1) % 100:02d}",
    )


def read_year(
    cell: str,
    *,
    aliases: Mapping[str, str] | None = None,
    academic_year: int | None = None,
) -> Reading:
    """The class year a cell names (an alias, MSTP, M1-M4, a graduation year), or why not.

    `aliases` maps folded raw values to years (the config's [years.aliases]) and comes first.
    """
    text = fold(cell)
    if aliases and text in aliases:
        return Reading(aliases[text])
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
        if academic_year is not None:
            return graduation_year(cell, academic_year)
        return Reading(None, "graduation", _GRADUATION_PROBLEM)
    return Reading(None, "unknown", "not a class year")


def _alias(raw: str) -> str:
    """The empower.toml lines that map `raw` to a year once."""
    return f'under [years.aliases] write {toml_string(raw)} = "M1" (with the year it means)'


_ACADEMIC = (
    "give --academic-year (for example --academic-year 2026 for the academic year that starts "
    "in autumn 2026, whose M1 students are the class of 2030)"
)


def _one_cell(source: str, header: str, raw: str, row: int, reading: Reading) -> InputError:
    where = f"{source}: row {row}, column {quote(header)}"
    if reading.kind == "empty":
        return InputError(f"{where}: the class year is empty. {_FIX} in the cell and run again.")
    alias = f"or map the value once in empower.toml: {_alias(raw)}"
    if reading.kind == "ambiguous":
        return InputError(
            f"{where}: {quote(raw)} {reading.problem}, and empower does not guess. "
            f"{_FIX} in the cell, {alias}."
        )
    if reading.kind == "graduation":
        return InputError(f"{where}: {quote(raw)} is a graduation year; {_ACADEMIC}.")
    what = (
        f"is not a class year empower knows {_KNOWN}"
        if reading.problem == "not a class year"
        else f"{reading.problem}"
    )
    return InputError(f"{where}: {quote(raw)} {what}. Fix the cell, {alias}.")


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
    source: str,
    header: str,
    cells: Sequence[str],
    rows: Sequence[int],
    *,
    aliases: Mapping[str, str] | None = None,
    academic_year: int | None = None,
) -> list[str]:
    """The class year of each cell; one InputError listing every value that is not one."""
    folded = {fold(raw): year for raw, year in (aliases or {}).items()}
    readings: dict[str, Reading] = {}
    first: dict[str, str] = {}
    bad: dict[str, list[int]] = {}
    years: list[str] = []
    for cell, row in zip(cells, rows, strict=True):
        text = fold(cell)
        if text not in readings:
            readings[text] = read_year(cell, aliases=folded, academic_year=academic_year)
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
    named = [first[text] for text, _ in bad.items() if text and readings[text].kind != "graduation"]
    fixes = f"{_FIX} in each of these cells"
    if named:
        fixes += f", or map each value once in empower.toml: for example, {_alias(named[0])}"
    fixes += "."
    if any(readings[text].kind == "graduation" for text in bad):
        fixes += f" For the graduation years, {_ACADEMIC}."
    raise InputError(
        f"{source}: column {quote(header)}: {count} cells hold values that are not class years "
        f"empower knows {_KNOWN}:\n{_table(lines)}\n{fixes}"
    )
