"""Objective: how far each group's count of each category falls outside its band.

The band of a category is [floor, ceil] of its cohort total divided by the number of groups (of the
whole problem, also when a block is solved alone). Every (group, category) cell adds its distance
outside the band; 0 means every cell is in band, which is the best any roster can do.
"""

from __future__ import annotations

from typing import Any

from empower_cli.model.variables import CountVars


def add_balance(v: CountVars) -> list[Any]:
    """One distance variable per cell that can leave its band; returns the objective terms,
    each times its family's weight (a family of weight 0 is not balanced)."""
    terms: list[Any] = []
    weights = v.problem.weights()
    for c in range(len(v.problem.categories)):
        if not weights[c]:
            continue
        low, high = v.problem.band(c)
        involved = [(k, kind.profile[c]) for k, kind in enumerate(v.kinds) if kind.profile[c]]
        most = sum(weight * kind_count for weight, kind_count in _caps(v, involved))
        if most <= high and low == 0:
            continue  # no group can leave the band
        for g in range(v.n_groups):
            count = sum(weight * v.x[k][g] for k, weight in involved)
            distance = v.model.new_int_var(0, max(low, most), f"d_{c}_{g}")
            v.model.add(distance >= count - high)
            v.model.add(distance >= low - count)
            v.distance[c, g] = distance
            terms.append(weights[c] * distance if weights[c] != 1 else distance)
    return terms


def _caps(v: CountVars, involved: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """(weight, most units of that kind one group can hold) for each involved kind."""
    size_max = v.problem.size_max
    return [(weight, min(v.kinds[k].count, size_max // v.kinds[k].size)) for k, weight in involved]
