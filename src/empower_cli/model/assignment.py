"""Rule: every unit of every kind goes to exactly one group."""

from __future__ import annotations

from empower_cli.model.variables import CountVars


def add_every_unit_placed(v: CountVars) -> None:
    for k, kind in enumerate(v.kinds):
        v.model.add(sum(v.x[k]) == kind.count)
