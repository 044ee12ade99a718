"""Re-check a roster against every hard rule and recompute the balance yardstick.

This module never imports the solver: it reads the Problem (students, requests, categories) and a
group for each student, and says what holds, so a bug in the model cannot hide behind itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from math import floor

from empower_cli.records import Balance, Problem, Verdict, Violation


def balance_of(problem: Problem, groups: Sequence[int]) -> Balance:
    """The yardstick of REFERENCE.md for `groups` (a 0-based group per student)."""
    n_groups = problem.n_groups
    categories = problem.categories
    index = {(c.family, c.name): i for i, c in enumerate(categories)}
    sizes = [0] * n_groups
    counts = [[0] * len(categories) for _ in range(n_groups)]
    for student, group in zip(problem.students, groups, strict=True):
        sizes[group] += 1
        row = counts[group]
        row[index["year", student.year]] += 1
        for interest in student.interests:
            row[index["interest", interest]] += 1

    out_of_band = excess = 0
    total_deviation = least = max_deviation = 0.0
    for c, category in enumerate(categories):
        ideal = category.total / n_groups
        low, high = problem.band(c)
        remainder = category.total - floor(ideal) * n_groups
        least += 2 * remainder * (n_groups - remainder) / n_groups
        for g in range(n_groups):
            count = counts[g][c]
            distance = max(0, count - high, low - count)
            out_of_band += distance > 0
            excess += distance
            deviation = abs(count - ideal)
            total_deviation += deviation
            max_deviation = max(max_deviation, deviation)
    return Balance(
        sizes=tuple(sizes),
        counts=tuple(tuple(row) for row in counts),
        out_of_band=out_of_band,
        excess=excess,
        total_deviation=total_deviation,
        least_total_deviation=least,
        max_deviation=max_deviation,
        size_spread=max(sizes) - min(sizes),
    )


def violations_of(problem: Problem, groups: Sequence[int]) -> list[Violation]:
    """Every hard rule that `groups` breaks, in words."""
    students = problem.students
    found: list[Violation] = []
    if len(groups) != len(students):
        return [Violation("assigned", f"{len(groups)} group numbers for {len(students)} students.")]
    for student, group in zip(students, groups, strict=True):
        if not 0 <= group < problem.n_groups:
            found.append(
                Violation(
                    "assigned", f"{student.label} is in group {group + 1}, which does not exist."
                )
            )
    if found:
        return found

    sizes = [0] * problem.n_groups
    for group in groups:
        sizes[group] += 1
    if max(sizes) - min(sizes) > 1:
        found.append(
            Violation(
                "size",
                f"group sizes range from {min(sizes)} to {max(sizes)}; they may differ by one.",
            )
        )
    requests = problem.requests
    for pair in requests.locks:
        if groups[pair.a] != groups[pair.b]:
            found.append(
                Violation(
                    "lock",
                    f"{students[pair.a].label} and {students[pair.b].label} are locked "
                    f"together ({pair.source} row {pair.row}) but are in groups "
                    f"{groups[pair.a] + 1} and {groups[pair.b] + 1}.",
                )
            )
    for pair in requests.aparts:
        if groups[pair.a] == groups[pair.b]:
            found.append(
                Violation(
                    "apart",
                    f"{students[pair.a].label} and {students[pair.b].label} must be apart "
                    f"({pair.source} row {pair.row}) but share group {groups[pair.a] + 1}.",
                )
            )
    for pin in requests.pins:
        if groups[pin.student] != pin.group:
            found.append(
                Violation(
                    "pin",
                    f"{students[pin.student].label} is pinned to group {pin.group + 1} "
                    f"({pin.source} row {pin.row}) but is in group {groups[pin.student] + 1}.",
                )
            )
    if problem.max_moves is not None and problem.previous:
        moves = problem.moves_of(groups)
        if moves > problem.max_moves:
            found.append(
                Violation(
                    "moves",
                    f"{moves} earlier students changed group, but --max-moves allows "
                    f"{problem.max_moves}.",
                )
            )
    return found


def validate(problem: Problem, groups: Sequence[int]) -> Verdict:
    """Hard-rule violations and balance of a roster."""
    violations = violations_of(problem, groups)
    if violations and violations[0].rule == "assigned":
        empty = Balance((), (), 0, 0, 0.0, 0.0, 0.0, 0)
        return Verdict(tuple(violations), empty)
    return Verdict(tuple(violations), balance_of(problem, groups))
