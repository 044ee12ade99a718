"""Two simple ways of forming groups that people use without empower, for comparison.

- random: shuffle the students (seeded) and deal them out one by one, so group sizes differ by at
  most one.
- serpentine: what a careful spreadsheet user does; sort the rows by class year, then by the
  interest pattern as written (a stable sort, so ties keep the file's order), and deal them
  1, 2, ..., G, then G, ..., 2, 1, and so on.

Both then keep every locked pair together the way one would by hand: when a pair ended up split,
the second student swaps places with an unlocked member of the first student's group (the serpentine
deal picks a member of the same class year and interests if there is one, then of the same year;
the random one picks at random). Swaps keep the group sizes, and an unlocked student moving never
splits another pair, so the pairs fixed earlier stay together.

Groups are numbered from 1. The pairs must be disjoint, as benchmarks/generate.py writes them.
Standard library only.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence

ID = "Student ID"
YEAR = "Class year"
INTERESTS = "Interests"

Row = Mapping[str, str]
Groups = dict[str, int]
# Which member of the first student's group trades places with the second student of a pair.
Chooser = Callable[[str, Sequence[str]], str]


def _check_pairs(ids: Sequence[str], locks: Sequence[tuple[str, str]]) -> set[str]:
    """The set of locked students; raises ValueError on an unknown or repeated student."""
    known = set(ids)
    locked: set[str] = set()
    for a, b in locks:
        for student in (a, b):
            if student not in known:
                raise ValueError(f"locked student {student!r} is not in the cohort")
            if student in locked:
                raise ValueError(f"student {student!r} is in more than one locked pair")
            locked.add(student)
    return locked


def _deal(order: Sequence[str], n_groups: int, *, serpentine: bool) -> Groups:
    """Deal students in `order` to groups 1..G, round-robin or back and forth."""
    groups: Groups = {}
    for position, student in enumerate(order):
        lap, seat = divmod(position, n_groups)
        index = n_groups - 1 - seat if serpentine and lap % 2 else seat
        groups[student] = index + 1
    return groups


def keep_pairs_together(groups: Groups, locks: Sequence[tuple[str, str]], choose: Chooser) -> None:
    """Swap the second student of each split pair with an unlocked member of the first's group."""
    locked = _check_pairs(list(groups), locks)
    members: dict[int, list[str]] = {}
    for student, group in groups.items():
        members.setdefault(group, []).append(student)
    for a, b in locks:
        target, source = groups[a], groups[b]
        if target == source:
            continue
        candidates = [s for s in members[target] if s not in locked]
        if not candidates:
            raise ValueError(f"group {target} has no unlocked student to trade for {b!r}")
        other = choose(b, candidates)
        members[target].remove(other)
        members[source].remove(b)
        members[target].append(b)
        members[source].append(other)
        groups[b], groups[other] = target, source


def random_groups(
    rows: Sequence[Row], n_groups: int, locks: Sequence[tuple[str, str]], seed: int
) -> Groups:
    """A seeded random assignment with equal group sizes and the locked pairs together."""
    rng = random.Random(seed)
    order = [row[ID] for row in rows]
    rng.shuffle(order)
    groups = _deal(order, n_groups, serpentine=False)
    keep_pairs_together(groups, locks, lambda _student, candidates: rng.choice(candidates))
    return groups


def serpentine_groups(
    rows: Sequence[Row], n_groups: int, locks: Sequence[tuple[str, str]]
) -> Groups:
    """A spreadsheet-style serpentine deal by class year and interest pattern, pairs together."""
    by_id = {row[ID]: row for row in rows}
    ordered = sorted(rows, key=lambda row: (row[YEAR], row[INTERESTS]))
    groups = _deal([row[ID] for row in ordered], n_groups, serpentine=True)

    def most_alike(student: str, candidates: Sequence[str]) -> str:
        row = by_id[student]
        kind = (row[YEAR], row[INTERESTS])
        same_kind = [c for c in candidates if (by_id[c][YEAR], by_id[c][INTERESTS]) == kind]
        same_year = [c for c in candidates if by_id[c][YEAR] == row[YEAR]]
        return (same_kind or same_year or list(candidates))[0]

    keep_pairs_together(groups, locks, most_alike)
    return groups
