"""Multi-select interest cells: split, matched regardless of case, warned about, never dropped."""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass

from empower_cli.ingest.text import clean, fold, join_words, plural, quote, rows_phrase

_SEPARATORS = re.compile(r"[;,]")
_MAX_LABEL_WARNINGS = 5
"""Beyond this many rare labels, one warning lists them all instead of one warning each."""


@dataclass(frozen=True, slots=True)
class Interests:
    """Every label in order of first appearance, and each student's labels in that order."""

    labels: tuple[str, ...]
    chosen: tuple[tuple[str, ...], ...]


def split_interests(cell: str) -> list[str]:
    """The cleaned, non-empty pieces of a cell split on ';' or ','."""
    return [piece for piece in (clean(part) for part in _SEPARATORS.split(cell)) if piece]


def collect_interests(cells: Sequence[str]) -> Interests:
    """Labels matched case-insensitively; the first spelling seen is the canonical one."""
    canonical: dict[str, str] = {}
    order: dict[str, int] = {}
    picks: list[set[str]] = []
    for cell in cells:
        mine: set[str] = set()
        for piece in split_interests(cell):
            key = fold(piece)
            if key not in canonical:
                canonical[key] = piece
                order[piece] = len(order)
            mine.add(canonical[key])
        picks.append(mine)
    chosen = tuple(tuple(sorted(mine, key=order.__getitem__)) for mine in picks)
    return Interests(labels=tuple(order), chosen=chosen)


def _is_rare(count: int, n_students: int) -> bool:
    """Fewer than 2 students, or fewer than 1% of them when that is more."""
    return count < 2 or count * 100 < n_students


def interest_warnings(source: str, interests: Interests, rows: Sequence[int]) -> list[str]:
    """Warnings for students with no interests and for labels few students chose."""
    warnings: list[str] = []
    empty = [row for row, mine in zip(rows, interests.chosen, strict=True) if not mine]
    if empty:
        warnings.append(
            f"{source}: {plural(len(empty), 'student')} chose no interests "
            f"({rows_phrase(empty)}); {'the student is' if len(empty) == 1 else 'they are'} "
            "kept and placed by class year alone."
        )
    users: dict[str, list[int]] = {label: [] for label in interests.labels}
    for row, mine in zip(rows, interests.chosen, strict=True):
        for label in mine:
            users[label].append(row)
    rare = [label for label in interests.labels if _is_rare(len(users[label]), len(rows))]
    common = [label for label in interests.labels if label not in rare]
    if len(rare) > _MAX_LABEL_WARNINGS:
        shown = [quote(label) for label in rare[:_MAX_LABEL_WARNINGS]]
        shown.append(f"{len(rare) - _MAX_LABEL_WARNINGS} more")
        warnings.append(
            f"{source}: {len(rare)} interests are each chosen by very few students "
            f"({join_words(shown)}); they are kept as interests of their own, "
            "but check them for typos."
        )
        return warnings
    for label in rare:
        near = _near(label, common)
        typo = f"it may be a typo for {quote(near)}" if near else "check that it is not a typo"
        warnings.append(
            f"{source}: only {plural(len(users[label]), 'student')} chose the interest "
            f"{quote(label)} ({rows_phrase(users[label])}); it is kept as an interest of its own, "
            f"but {typo}."
        )
    return warnings


def _near(label: str, common: Sequence[str]) -> str | None:
    """The commonly chosen label that `label` looks like a misspelling of, if any."""
    folded = {fold(other): other for other in common}
    near = difflib.get_close_matches(fold(label), list(folded), n=1, cutoff=0.75)
    return folded[near[0]] if near else None
