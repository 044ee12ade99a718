"""The free-text "placed with" column: requests matched to students and turned into locks.

One of the sources of the coordinator's requests (`requests.read_requests` reads them all): each
lock found here names its cell (the sign-up file, the student's row and the column's header).

Each cell may name several people (separated by `;`, `,`, `/`, `&`, `+`, "and" or a line break),
by email or by name, with typos. Each name is matched in this order: the exact email; the exact
full name; whole words of one name ("Ana", "Ruiz"); then a close full name (rapidfuzz, at least
`CLOSE` out of 100). A request that matches nobody, or several people equally well, is listed in
a warning with its row, its text and the candidates; it is never guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from empower_cli.errors import InputError
from empower_cli.ingest.columns import header_key
from empower_cli.ingest.text import clean, fold, join_words, name_key, quote
from empower_cli.records import Cohort, Pair

#: Words in a header that mark the "placed with" column.
_HEADER_WORDS: tuple[str, ...] = (
    "placedwith",
    "pairedwith",
    "groupedwith",
    "matchedwith",
    "tobewith",
    "inagroupwith",
    "samegroupas",
    "placementrequest",
)
_SPLIT = re.compile(r"[;,/&+\n]|\s+and\s+", re.IGNORECASE)
#: Answers that name nobody.
_NOBODY = frozenset(
    {"", "no", "none", "n/a", "na", "nobody", "no one", "noone", "-", "no preference", "nope"}
)
#: Least rapidfuzz ratio (0-100) for a close name; and how near the runner-up may come.
CLOSE = 85.0
MARGIN = 5.0


@dataclass(frozen=True, slots=True)
class Placed:
    """What the "placed with" column gives: its locks and the requests that were not used."""

    pairs: tuple[Pair, ...]
    warnings: tuple[str, ...]
    header: str | None
    """The column read, or None when there is none."""


_plain = name_key


def find_placed_column(cohort: Cohort, header: str | None) -> int | None:
    """The position of the "placed with" column: the header named, the one mapped with
    `--column requests=...`, else a header that says so; None when there is none."""
    headers = cohort.headers
    listed = ", ".join(quote(clean(h)) for h in headers)
    if header is not None:
        matches = [p for p, h in enumerate(headers) if header_key(h) == header_key(header)]
        if not matches:
            raise InputError(
                f"{cohort.source}: --requests-column {quote(header)} matches no header. "
                f"The headers are: {listed}."
            )
        return matches[0]
    mapped = cohort.header_for("requests")
    if mapped is not None:
        return headers.index(mapped)
    matches = [
        p for p, h in enumerate(headers) if any(word in header_key(h) for word in _HEADER_WORDS)
    ]
    if len(matches) > 1:
        names = join_words([quote(clean(headers[p])) for p in matches])
        raise InputError(
            f"{cohort.source}: {len(matches)} columns could hold the placement requests: "
            f"{names}. Choose one with --requests-column HEADER, or use --ignore-requests."
        )
    return matches[0] if matches else None


class _Directory:
    """The cohort's students by email, by full name and by name word."""

    def __init__(self, cohort: Cohort) -> None:
        self.cohort = cohort
        email = cohort.header_for("email")
        at = cohort.headers.index(email) if email is not None else None
        self.email: dict[str, int] = {}
        if at is not None:
            for student, row in zip(cohort.students, cohort.rows, strict=True):
                self.email.setdefault(fold(row[at]), student.index)
        self.names = [_plain(s.name) for s in cohort.students]
        self.full: dict[str, list[int]] = {}
        self.words: dict[str, list[int]] = {}
        for index, name in enumerate(self.names):
            if not name:
                continue
            self.full.setdefault(name, []).append(index)
            for word in set(name.split()):
                self.words.setdefault(word, []).append(index)

    def match(self, text: str) -> list[int]:
        """The students `text` may mean: one for a match, several for an ambiguous one."""
        folded = fold(text)
        if "@" in folded:
            found = self.email.get(folded)
            return [found] if found is not None else []
        plain = _plain(text)
        if not plain:
            return []
        if plain in self.full:
            return self.full[plain]
        words = plain.split()
        sets = [set(self.words.get(word, ())) for word in words]
        common = set.intersection(*sets) if sets else set()
        if common:
            return sorted(common)
        from rapidfuzz import fuzz, process  # loaded only for a name no exact rule finds

        scored = process.extract(
            plain, self.names, scorer=fuzz.ratio, score_cutoff=CLOSE, limit=None
        )
        if not scored:
            return []
        best = scored[0][1]
        return sorted(index for _, score, index in scored if score >= best - MARGIN)


def read_placed(cohort: Cohort, *, header: str | None = None) -> Placed:
    """Locked pairs from the "placed with" column (none when the file has no such column)."""
    position = find_placed_column(cohort, header)
    if position is None:
        return Placed((), (), None)
    column = clean(cohort.headers[position])
    shown = quote(column)
    directory = _Directory(cohort)
    students = cohort.students
    pairs: list[Pair] = []
    seen: set[frozenset[int]] = set()
    warnings: list[str] = []
    for student, row in zip(students, cohort.rows, strict=True):
        for part in _SPLIT.split(row[position]):
            text = clean(part).strip(" .")
            if _plain(text) in _NOBODY or fold(text) in _NOBODY:
                continue
            found = [i for i in directory.match(text) if i != student.index]
            if len(found) == 1:
                key = frozenset((student.index, found[0]))
                if key not in seen:
                    seen.add(key)
                    pairs.append(Pair(student.index, found[0], cohort.source, student.row, column))
                continue
            if directory.match(text) == [student.index]:
                continue  # the student named themself
            where = f"{cohort.source}: row {student.row}, column {shown}: {quote(text)}"
            if not found:
                warnings.append(
                    f"{where} matches no student, so this request was not used; "
                    "write the full name or the email, or add the pair to a lock file."
                )
            else:
                names = join_words([students[i].label for i in found[:6]])
                more = f" and {len(found) - 6} more" if len(found) > 6 else ""
                warnings.append(
                    f"{where} could be {names}{more}, so this request was not used; "
                    "write the full name or the email, or add the pair to a lock file."
                )
    return Placed(tuple(pairs), tuple(warnings), column)
