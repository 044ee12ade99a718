"""Rule: two units that must be apart never share a group."""

from __future__ import annotations

from empower_cli.model.variables import CountVars


def add_aparts(v: CountVars) -> None:
    kind_of = {kind.units[0]: k for k, kind in enumerate(v.kinds) if kind.count == 1}
    for a, b in v.problem.aparts:
        if a in kind_of and b in kind_of:
            ka, kb = kind_of[a], kind_of[b]
            for g in range(v.n_groups):
                v.model.add_at_most_one(v.x[ka][g], v.x[kb][g])
