"""Multi-select interest cells: split, matched regardless of case, warned about, never dropped."""

from __future__ import annotations

import difflib
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from empower_cli.ingest.formats.sheet import PLAIN, Splitting
from empower_cli.ingest.text import clean, fold, join_words, plural, quote, rows_phrase

_SEPARATORS = re.compile(r"[;,]")
_MAX_LABEL_WARNINGS = 5
"""Beyond this many rare labels, one warning lists them all instead of one warning each."""
OTHER = "Other"
"""The interest that free-text "Other:" answers count as."""


@dataclass(frozen=True, slots=True)
class Interests:
    """Every label in order of first appearance, and each student's labels in that order."""

    labels: tuple[str, ...]
    chosen: tuple[tuple[str, ...], ...]
    others: tuple[str, ...] = ()
    """Free-text answers that were counted as OTHER, as first written."""


def split_interests(cell: str) -> list[str]:
    """The cleaned, non-empty pieces of a cell split on ';' or ','."""
    return [piece for piece in (clean(part) for part in _SEPARATORS.split(cell)) if piece]


def _continues(piece: str) -> bool:
    """A piece that starts in lower case (or with a digit) is the rest of the label before it."""
    return bool(piece) and (piece[0].islower() or piece[0].isdigit())


def _parts(cell: str, splitting: Splitting) -> tuple[list[str], list[str]]:
    """(texts, separators between them) of a cell, nothing dropped."""
    pieces = re.split(f"({splitting.separator})", cell)
    return pieces[0::2], pieces[1::2]


def infer_labels(cells: Sequence[str], splitting: Splitting) -> list[str]:
    """Option labels seen whole: cells that are one choice, or whose later pieces continue the
    first (start in lower case), so a label holding the separator is known before splitting."""
    found: dict[str, str] = {}
    for cell in cells:
        texts, _ = _parts(clean(cell), splitting)
        pieces = [clean(text) for text in texts]
        if pieces and pieces[0] and all(_continues(piece) for piece in pieces[1:]):
            found.setdefault(fold(cell), clean(cell))
    return list(found.values())


def split_cell(cell: str, splitting: Splitting, known: Mapping[str, str]) -> list[str]:
    """A cell's choices: known labels (folded -> spelling) matched longest first, then the rest
    split on the separator (pieces that continue a label glued back when labels may hold it)."""
    texts, separators = _parts(cell, splitting)
    out: list[str] = []
    glued = False
    i = 0
    while i < len(texts):
        if not clean(texts[i]):
            i += 1
            continue
        for j in range(len(texts) - 1, i - 1, -1):
            joined = texts[i] + "".join(separators[k] + texts[k + 1] for k in range(i, j))
            label = known.get(fold(joined))
            if label is not None:
                out.append(label)
                glued = False
                i = j + 1
                break
        else:
            piece = clean(texts[i])
            if splitting.labels_may_hold_separator and glued and _continues(piece):
                out[-1] = f"{out[-1]}{separators[i - 1]}{piece}"
            else:
                out.append(piece)
                glued = True
            i += 1
    return out


def collect_interests(
    cells: Sequence[str], splitting: Splitting = PLAIN, known: Sequence[str] = ()
) -> Interests:
    """Labels matched case-insensitively; the first spelling seen is the canonical one.

    `known` labels (from the config or the file itself) are matched whole, longest first. When
    the splitting says a form writes "Other:" answers among the choices, a label few students
    chose that is not known is counted as OTHER.
    """
    # a form offers a few choices, so most cells repeat: each distinct cell is worked out once,
    # in the order cells first appear (which is the order every label is first seen in)
    counts = Counter(cells)
    distinct = list(counts)
    if splitting == PLAIN and not known:
        split = {cell: split_interests(cell) for cell in distinct}
    else:
        inferred = infer_labels(distinct, splitting) if splitting.labels_may_hold_separator else []
        labels = {fold(label): clean(label) for label in [*inferred, *known]}
        split = {cell: split_cell(cell, splitting, labels) for cell in distinct}
    others: list[str] = []
    if splitting.free_text_other:
        split, others = _others(split, counts, len(cells), known)
    canonical: dict[str, str] = {}
    order: dict[str, int] = {}
    picks: dict[str, set[str]] = {}
    for cell in distinct:
        mine: set[str] = set()
        for piece in split[cell]:
            key = fold(piece)
            if key not in canonical:
                canonical[key] = piece
                order[piece] = len(order)
            mine.add(canonical[key])
        picks[cell] = mine
    of_cell = {cell: tuple(sorted(mine, key=order.__getitem__)) for cell, mine in picks.items()}
    chosen = tuple(of_cell[cell] for cell in cells)
    return Interests(labels=tuple(order), chosen=chosen, others=tuple(others))


def _others(
    split: dict[str, list[str]], counts: Counter[str], n_students: int, known: Sequence[str]
) -> tuple[dict[str, list[str]], list[str]]:
    """Each cell's pieces with the rare labels that no config or file lists as OTHER, and those
    labels in the order they first appear."""
    listed = {fold(label) for label in known}
    uses: Counter[str] = Counter()
    for cell, found in split.items():
        for key in {fold(piece) for piece in found}:
            uses[key] += counts[cell]
    free = {key for key, n in uses.items() if key not in listed and _is_rare(n, n_students)}
    if not free:
        return split, []
    others: list[str] = []
    seen: set[str] = set()
    for found in split.values():
        for piece in found:
            if fold(piece) in free and fold(piece) not in seen:
                seen.add(fold(piece))
                others.append(piece)
    marked = {
        cell: [OTHER if fold(p) in free else p for p in found] for cell, found in split.items()
    }
    return marked, others


def _is_rare(count: int, n_students: int) -> bool:
    """Fewer than 2 students, or fewer than 1% of them when that is more."""
    return count < 2 or count * 100 < n_students


def interest_warnings(source: str, interests: Interests, rows: Sequence[int]) -> list[str]:
    """Warnings for students with no interests and for labels few students chose."""
    warnings: list[str] = []
    if interests.others:
        shown = [quote(text) for text in interests.others[:_MAX_LABEL_WARNINGS]]
        if len(interests.others) > _MAX_LABEL_WARNINGS:
            shown.append(f"{len(interests.others) - _MAX_LABEL_WARNINGS} more")
        warnings.append(
            f"{source}: {plural(len(interests.others), 'answer')} that few students wrote "
            f"({join_words(shown)}) {'is' if len(interests.others) == 1 else 'are'} read as "
            f"free text and counted as the interest {quote(OTHER)}; list the form's options "
            "under [interests] labels in empower.toml to keep one as an interest of its own."
        )
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
    rare = [
        label
        for label in interests.labels
        if _is_rare(len(users[label]), len(rows)) and not (interests.others and label == OTHER)
    ]
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
