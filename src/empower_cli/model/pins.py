"""Rule: a pinned unit is in its group."""

from __future__ import annotations

from empower_cli.model.variables import CountVars


def add_pins(v: CountVars) -> None:
    for k, kind in enumerate(v.kinds):
        if kind.pin is None:
            continue
        for g, var in enumerate(v.x[k]):
            v.model.add(var == int(g == kind.pin))
