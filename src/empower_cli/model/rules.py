"""Rules every group must meet: --at-least and --no-lone.

Both read a category's count in a group, the sum over kinds of how many members of that category
each kind's units hold times how many of them the group receives.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # annotations only: OR-Tools loads when a model is built
    from empower_cli.model.variables import CountVars


def add_at_least(v: CountVars) -> None:
    """Every group holds at least `least` students of the rule's category."""
    for rule in v.problem.at_least:
        for g in range(v.n_groups):
            v.model.add(v.count(rule.category, g) >= rule.least)


def add_no_lone(v: CountVars) -> None:
    """No group holds exactly one student of the category: one Boolean per group says whether
    it holds any, and then it holds at least two."""
    size_max = v.problem.size_max
    for rule in v.problem.no_lone:
        c = rule.category
        if not any(kind.profile[c] for kind in v.kinds):
            continue
        for g in range(v.n_groups):
            count = v.count(c, g)
            some = v.model.new_bool_var(f"some_{c}_{g}")
            v.model.add(count <= size_max * some)
            v.model.add(count >= 2 * some)
            v.some[c, g] = some
