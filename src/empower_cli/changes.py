"""What a re-run changed: who moved (and why), who joined, who left; and `empower diff`.

Pure Python on the records: the reasons come from the Problem's requests and units, checked in
this order: the earlier group no longer exists, a pin, a pin on a locked partner, a lock with a
student from another group or a newcomer, an apart partner now in the earlier group; else the
move was made for balance (class years, interests and group sizes).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from empower_cli.records import Changes, Earlier, Move, Previous, Problem


def _reason(problem: Problem, student: int, after: int, groups: Sequence[int]) -> str:
    """Why `student` is no longer in their earlier group, in words."""
    students, previous = problem.students, problem.previous
    before = previous[student]
    assert before is not None
    if before >= problem.n_groups:
        return f"group {before + 1} no longer exists"
    requests = problem.requests
    for pin in requests.pins:
        if pin.student == student:
            return f"pinned to group {pin.group + 1} ({pin.origin})"
    unit = problem.units[problem.unit_of_student()[student]]
    partners = [m for m in unit.members if m != student]
    for pin in requests.pins:
        if pin.student in partners:
            return (
                f"locked with {students[pin.student].label}, who is pinned to group "
                f"{pin.group + 1} ({pin.origin})"
            )
    for m in partners:
        earlier = previous[m]
        if earlier != before:
            was = "is new" if earlier is None else f"was in group {earlier + 1}"
            direct = [p for p in requests.locks if {p.a, p.b} == {student, m}]
            where = f" ({direct[0].origin})" if direct else ""
            return f"a new lock with {students[m].label}{where}, who {was}"
    for pair in requests.aparts:
        if student in (pair.a, pair.b):
            other = pair.b if pair.a == student else pair.a
            if groups[other] == before:
                return f"must be apart from {students[other].label} ({pair.origin})"
    return "balance and group sizes"


def changes_of(problem: Problem, previous: Previous, groups: Sequence[int]) -> Changes:
    """Moves (with reasons), newcomers and leavers between `previous` and `groups`."""
    moved: list[Move] = []
    joined: list[Move] = []
    stayed = 0
    for student, (before, after) in enumerate(zip(previous.groups, groups, strict=True)):
        if before is None:
            joined.append(Move(student, None, after, "new"))
        elif before == after:
            stayed += 1
        else:
            moved.append(Move(student, before, after, _reason(problem, student, after, groups)))
    return Changes(tuple(moved), tuple(joined), previous.left, stayed)


@dataclass(frozen=True, slots=True)
class Diff:
    """Two assignments files compared by student key."""

    moved: tuple[tuple[Earlier, Earlier], ...]
    """(in the old file, in the new file) for each student whose group changed."""
    joined: tuple[Earlier, ...]
    left: tuple[Earlier, ...]
    stayed: int


def diff_of(old: Sequence[Earlier], new: Sequence[Earlier]) -> Diff:
    """Who moved, joined and left from `old` to `new` (both keyed the same way)."""
    before = {s.key: s for s in old}
    after = {s.key: s for s in new}
    moved = tuple(
        (before[s.key], s) for s in new if s.key in before and before[s.key].group != s.group
    )
    joined = tuple(s for s in new if s.key not in before)
    left = tuple(s for s in old if s.key not in after)
    stayed = sum(1 for s in new if s.key in before and before[s.key].group == s.group)
    return Diff(moved, joined, left, stayed)
