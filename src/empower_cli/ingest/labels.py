"""Short names for long interest labels, for the summary table and summary.csv.

A form's option labels are often sentences ("Discovering my path (extracurriculars & research)").
Each label longer than SHORT_LIMIT gets a short name: the words before any bracket, dash or colon,
then as many whole words as fit. The config's short names win; two labels never share a name.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from empower_cli.ingest.text import clean, fold

SHORT_LIMIT = 30
_TAIL = re.compile(r"\s*(?:\(|\[|:|,|\s-\s|\s–\s|\s—\s).*$", re.DOTALL)
_LOOSE_ENDS = {"and", "or", "&", "of", "the", "a", "an", "to", "for", "in", "with", "/"}


def short_name(label: str, limit: int = SHORT_LIMIT) -> str:
    """The label itself when short enough, else its head cut at a word boundary."""
    if len(label) <= limit:
        return label
    head = clean(_TAIL.sub("", label)) or label
    if len(head) <= limit:
        return head
    words: list[str] = []
    for word in head.split(" "):
        if len(" ".join([*words, word])) > limit:
            break
        words.append(word)
    while words and words[-1].casefold() in _LOOSE_ENDS:
        words.pop()
    return clean(" ".join(words).rstrip(",;&/")) or head[:limit]


def short_names(labels: Sequence[str], overrides: Mapping[str, str]) -> dict[str, str]:
    """Label -> the name tables and files show. Overrides (keyed by label, compared folded) win;
    an automatic name that two labels would share, or that another label already is, is not used."""
    given = {fold(label): clean(short) for label, short in overrides.items()}
    names = {label: given.get(fold(label)) or short_name(label) for label in labels}
    taken: dict[str, list[str]] = {}
    for label, name in names.items():
        taken.setdefault(fold(name), []).append(label)
    for label in labels:
        if fold(label) in given:
            continue
        name = names[label]
        if name != label and (len(taken[fold(name)]) > 1 or fold(name) in map(fold, labels)):
            names[label] = label
    return names
