"""Lower bounds on the balance objective, one category at a time.

Forget every rule but one category: units then differ only by how many members of that category
they hold, and the groups are interchangeable boxes. The least distance outside the band that
this relaxed problem allows is a lower bound for the category in the real one, and the bounds of
all categories add up. They let the solver prove optimality at once when locked chains make
perfect balance impossible (three locked MSTP students in a group whose band is [1, 2]), a proof
its own linear relaxation finds slowly. The rules on that category alone (--no-lone, --at-least)
are part of the relaxation: 10 Nonbinary students in 19 groups of band [0, 1] with nobody alone
fill at most 5 groups, so at least 5 cells hold 2, a distance of 5 the solver then knows at once.
"""

from __future__ import annotations

from collections import Counter

from ortools.sat.python import cp_model

from empower_cli.model.limits import set_limit
from empower_cli.records import Problem


def category_floor(
    problem: Problem, category: int, *, time_limit: float, reproducible: bool = False
) -> int:
    """The least distance outside the band for one category, ignoring every other rule
    (a valid lower bound; 0 when the relaxation is not solved to optimality in time)."""
    low, high = problem.band(category)
    chunks = Counter(u.profile[category] for u in problem.units if u.profile[category])
    lone = any(rule.category == category for rule in problem.no_lone)
    least = max((r.least for r in problem.at_least if r.category == category), default=0)
    if not problem.weights()[category]:
        return 0
    if all(value <= high for value in chunks) and low == 0 and not lone and least <= low:
        return 0
    n_groups = problem.n_groups
    model = cp_model.CpModel()
    take = {
        value: [model.new_int_var(0, count, f"y_{value}_{g}") for g in range(n_groups)]
        for value, count in sorted(chunks.items())
    }
    distances = []
    counts = []
    most = sum(value * n for value, n in chunks.items())
    for g in range(n_groups):
        count = sum(value * take[value][g] for value in take)
        counts.append(count)
        if lone:  # --no-lone: none or at least two
            some = model.new_bool_var(f"some_{g}")
            model.add(count <= most * some)
            model.add(count >= 2 * some)
        if least:
            model.add(count >= least)
        distance = model.new_int_var(0, max(low, most), f"d_{g}")
        model.add(distance >= count - high)
        model.add(distance >= low - count)
        distances.append(distance)
    for value, units in chunks.items():
        model.add(sum(take[value]) == units)
    for g in range(n_groups - 1):  # the groups are interchangeable here
        model.add(counts[g] >= counts[g + 1])
    model.minimize(sum(distances))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    set_limit(solver.parameters, time_limit, reproducible=reproducible)
    solver.parameters.catch_sigint_signal = False
    status = solver.solve(model)
    if status == cp_model.OPTIMAL:
        return round(solver.objective_value)
    if status == cp_model.FEASIBLE:
        return max(0, round(solver.best_objective_bound))
    return 0


def objective_floors(
    problem: Problem, *, time_limit: float, reproducible: bool = False
) -> tuple[int, ...]:
    """category_floor for every category."""
    return tuple(
        category_floor(problem, c, time_limit=time_limit, reproducible=reproducible)
        for c in range(len(problem.categories))
    )
