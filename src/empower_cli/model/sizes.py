"""Rule: group sizes differ by at most one (each lies in [floor, ceil] of N / G)."""

from __future__ import annotations

from empower_cli.model.variables import CountVars


def add_sizes(v: CountVars) -> None:
    low, high = v.problem.size_min, v.problem.size_max
    for g in range(v.n_groups):
        size = sum(kind.size * v.x[k][g] for k, kind in enumerate(v.kinds))
        v.model.add_linear_constraint(size, low, high)
