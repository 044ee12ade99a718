"""Re-check a roster against every hard rule and recompute the balance yardstick.

This module never imports the solver: it reads the Problem (students, requests, categories) and a
group for each student, and says what holds, so a bug in the model cannot hide behind itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from math import floor

from empower_cli.records import (
    Balance,
    FamilyBalance,
    Mean,
    Problem,
    Student,
    Verdict,
    Violation,
)
from empower_cli.spread import spread_floor


def _counts(problem: Problem, groups: Sequence[int]) -> list[list[int]]:
    """counts[g][c], from each student's answers as every family reads them."""
    categories = problem.categories
    index = {(c.family, c.name): i for i, c in enumerate(categories)}
    counts = [[0] * len(categories) for _ in range(problem.n_groups)]
    families = problem.family_list
    for student, group in zip(problem.students, groups, strict=True):
        row = counts[group]
        for family in families:
            for value in family.values_of(student):
                row[index[family.name, value]] += 1
    return counts


def _means(problem: Problem, groups: Sequence[int]) -> tuple[Mean, ...]:
    """Each --balance-mean column's cohort mean and group means."""
    means = []
    for family in problem.family_list:
        if family.kind != "bins":
            continue
        sums = [0.0] * problem.n_groups
        ns = [0] * problem.n_groups
        values = [_number(s, family.column) for s in problem.students]
        for value, group in zip(values, groups, strict=True):
            if value is not None:
                sums[group] += value
                ns[group] += 1
        known = [v for v in values if v is not None]
        cohort = sum(known) / len(known) if known else 0.0
        group_means = tuple(sums[g] / ns[g] if ns[g] else None for g in range(problem.n_groups))
        least = spread_floor(problem, groups, family.column)
        means.append(Mean(family.name, cohort, group_means, least))
    return tuple(means)


def _number(student: Student, column: int) -> float | None:
    cell = student.traits[column]
    return float(cell[0]) if cell else None


def repeats_of(problem: Problem, groups: Sequence[int]) -> tuple[int, int]:
    """(pairs of earlier groupmates who share a group again, of them the pairs locked
    together), over every --avoid-groupmates file."""
    unit_of = problem.unit_of_student()
    repeats = forced = 0
    for family in problem.earlier_families:
        together: dict[tuple[int, int], list[int]] = {}
        for student, group in zip(problem.students, groups, strict=True):
            earlier = family.groups[student.index]
            if earlier is not None:
                together.setdefault((group, earlier), []).append(student.index)
        for members in together.values():
            for i, a in enumerate(members):
                for b in members[i + 1 :]:
                    repeats += 1
                    forced += unit_of[a] == unit_of[b]
    return repeats, forced


def balance_of(problem: Problem, groups: Sequence[int]) -> Balance:
    """The yardstick of REFERENCE.md for `groups` (a 0-based group per student), over every
    balanced family (a family of weight 0 is counted but never out of band)."""
    n_groups = problem.n_groups
    categories = problem.categories
    counts = _counts(problem, groups)
    sizes = [0] * n_groups
    for group in groups:
        sizes[group] += 1
    weights = problem.weights()
    per_family: dict[str, list[int]] = {f.name: [0, 0] for f in problem.family_list if f.balanced}
    out_of_band = excess = 0
    total_deviation = least = max_deviation = 0.0
    for c, category in enumerate(categories):
        if not weights[c]:
            continue
        ideal = category.total / n_groups
        low, high = problem.band(c)
        remainder = category.total - floor(ideal) * n_groups
        least += 2 * remainder * (n_groups - remainder) / n_groups
        tally = per_family[category.family]
        for g in range(n_groups):
            count = counts[g][c]
            distance = max(0, count - high, low - count)
            out_of_band += distance > 0
            excess += distance
            tally[0] += distance > 0
            tally[1] += distance
            deviation = abs(count - ideal)
            total_deviation += deviation
            max_deviation = max(max_deviation, deviation)
    repeats, forced = repeats_of(problem, groups)
    return Balance(
        sizes=tuple(sizes),
        counts=tuple(tuple(row) for row in counts),
        out_of_band=out_of_band,
        excess=excess,
        total_deviation=total_deviation,
        least_total_deviation=least,
        max_deviation=max_deviation,
        size_spread=max(sizes) - min(sizes),
        families=tuple(FamilyBalance(name, o, e) for name, (o, e) in per_family.items()),
        repeats=repeats,
        forced_repeats=forced,
        means=_means(problem, groups),
    )


def rule_violations(problem: Problem, groups: Sequence[int]) -> list[Violation]:
    """--at-least, --no-lone and --max-repeats, re-checked from the students' answers."""
    found: list[Violation] = []
    if not (problem.at_least or problem.no_lone or problem.max_repeats is not None):
        return found
    counts = _counts(problem, groups)
    for rule in problem.at_least:
        for g, row in enumerate(counts):
            if row[rule.category] < rule.least:
                found.append(
                    Violation(
                        "at-least",
                        f"group {g + 1} holds {row[rule.category]} students with "
                        f"{rule.column} = {'|'.join(rule.values)}, but --at-least "
                        f"{rule.given!r} asks for {rule.least}.",
                    )
                )
    for lone in problem.no_lone:
        for g, row in enumerate(counts):
            if row[lone.category] == 1:
                found.append(
                    Violation(
                        "no-lone",
                        f"group {g + 1} holds exactly one student with {lone.column} = "
                        f"{lone.value} (--no-lone {lone.given!r}).",
                    )
                )
    if problem.max_repeats is not None:
        repeats, _ = repeats_of(problem, groups)
        if repeats > problem.max_repeats:
            found.append(
                Violation(
                    "repeats",
                    f"{repeats} pairs of earlier groupmates share a group again, but "
                    f"--max-repeats allows {problem.max_repeats}.",
                )
            )
    return found


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
                    f"together ({pair.origin}) but are in groups "
                    f"{groups[pair.a] + 1} and {groups[pair.b] + 1}.",
                )
            )
    for pair in requests.aparts:
        if groups[pair.a] == groups[pair.b]:
            found.append(
                Violation(
                    "apart",
                    f"{students[pair.a].label} and {students[pair.b].label} must be apart "
                    f"({pair.origin}) but share group {groups[pair.a] + 1}.",
                )
            )
    for pin in requests.pins:
        if groups[pin.student] != pin.group:
            found.append(
                Violation(
                    "pin",
                    f"{students[pin.student].label} is pinned to group {pin.group + 1} "
                    f"({pin.origin}) but is in group {groups[pin.student] + 1}.",
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
    found.extend(rule_violations(problem, groups))
    return found


def validate(problem: Problem, groups: Sequence[int]) -> Verdict:
    """Hard-rule violations and balance of a roster."""
    violations = violations_of(problem, groups)
    if violations and violations[0].rule == "assigned":
        empty = Balance((), (), 0, 0, 0.0, 0.0, 0.0, 0)
        return Verdict(tuple(violations), empty)
    return Verdict(tuple(violations), balance_of(problem, groups))
