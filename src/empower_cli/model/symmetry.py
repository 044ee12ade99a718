"""Symmetry breaking: groups that no pin tells apart are interchangeable.

Any roster can be relabelled so that, among such groups, the count of the first kind that
differs between them never increases from one group to the next. Ordering by the count of the
largest free kind is a cheap, valid subset of that: it removes many mirror images of each
solution without removing any roster up to relabelling.
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # annotations only: OR-Tools loads when a model is built
    from empower_cli.model.variables import CountVars


def ordering(v: CountVars) -> tuple[int, list[int]] | None:
    """The kind whose counts are ordered and the groups they are ordered over, if any."""
    if any(kind.returning for kind in v.kinds):
        return None  # on a re-run each group holds its earlier members: none are alike
    pinned = {kind.pin for kind in v.kinds if kind.pin is not None}
    free_groups = [g for g in range(v.n_groups) if g not in pinned]
    apart_units = {u for pair in v.problem.aparts for u in pair}
    candidates = [
        k
        for k, kind in enumerate(v.kinds)
        if kind.pin is None and not apart_units.intersection(kind.units)
    ]
    if len(free_groups) < 2 or not candidates:
        return None
    return max(candidates, key=lambda k: (v.kinds[k].count, -k)), free_groups


def add_symmetry_breaking(v: CountVars) -> None:
    order = ordering(v)
    if order is None:
        return
    kind, free_groups = order
    row = v.x[kind]
    for g, h in itertools.pairwise(free_groups):
        v.model.add(row[g] >= row[h])
