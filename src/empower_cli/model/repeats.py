"""Secondary objective and rule: pairs of earlier groupmates who share a group again.

Each --avoid-groupmates file is a family whose categories are the earlier groups. In group g the
students of earlier group e form C(n, 2) repeated pairs, n their count; that convex function is the
largest of its tangent lines t * n - t * (t + 1) / 2 over whole t, so a variable above each line
and minimised equals it. A cell that can hold at most one student needs none. `--max-repeats`
caps the sum.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # annotations only: OR-Tools loads when a model is built
    from empower_cli.model.variables import CountVars


def earlier_categories(v: CountVars) -> list[int]:
    names = {f.name for f in v.problem.earlier_families}
    return [c for c, cat in enumerate(v.problem.categories) if cat.family in names]


def most_repeats(v: CountVars) -> int:
    """An upper bound on the block's repeated pairs: everyone of an earlier group together."""
    total = 0
    for c in earlier_categories(v):
        n = sum(kind.profile[c] * kind.count for kind in v.kinds)
        total += n * (n - 1) // 2
    return total


def add_repeats(v: CountVars) -> Any:
    """The block's repeated pairs as a linear expression (0 when there is no earlier file), with
    --max-repeats as a cap when the block holds every group."""
    size_max = v.problem.size_max
    terms: list[Any] = []
    for c in earlier_categories(v):
        involved = [(k, kind.profile[c]) for k, kind in enumerate(v.kinds) if kind.profile[c]]
        most = min(
            size_max,
            sum(w * min(v.kinds[k].count, size_max // v.kinds[k].size) for k, w in involved),
        )
        if most <= 1:
            continue
        for g in range(v.n_groups):
            count = sum(w * v.x[k][g] for k, w in involved)
            pairs = v.model.new_int_var(0, most * (most - 1) // 2, f"pairs_{c}_{g}")
            for t in range(1, most):
                v.model.add(pairs >= t * count - t * (t + 1) // 2)
            v.pairs[c, g] = pairs
            terms.append(pairs)
    v.repeats = sum(terms) if terms else 0
    cap = v.problem.max_repeats
    if cap is not None and terms and len(v.block.groups) == v.problem.n_groups:
        v.model.add(v.repeats <= cap)
    return v.repeats
