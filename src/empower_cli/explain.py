"""Why the rules cannot all hold, and what they cost in balance.

`find_conflict` builds a feasibility-only CP-SAT model with one assumption literal per rule (each
lock, apart pair and pin, the group sizes, and --max-moves), asks the solver which assumptions
suffice for infeasibility, and shrinks that set by deletion until every rule left is needed: a
minimal conflicting set. The model stays small: only students named in some rule get a Boolean
per group; everyone else is interchangeable for these rules and is counted (by earlier group when
--max-moves is given, since moves then tell them apart).

`balance_costs` re-solves without each family of rules, within a short budget, to say how many
cells out of band each family costs when perfect balance is out of reach.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from ortools.sat.python import cp_model

from empower_cli.errors import EmpowerError
from empower_cli.records import Cohort, Cost, Problem, Requests


@dataclass(frozen=True, slots=True)
class Rule:
    """One rule of a conflicting set: its family and its position in that family's requests."""

    family: str
    """"lock", "apart", "pin", "sizes", "moves", "at-least" or "no-lone"."""
    index: int = 0


def describe(problem: Problem, rule: Rule) -> str:
    """A rule in words, with the file and row it comes from."""
    students = problem.students
    requests = problem.requests
    if rule.family in ("lock", "apart"):
        pair = (requests.locks if rule.family == "lock" else requests.aparts)[rule.index]
        a, b = students[pair.a].label, students[pair.b].label
        how = "are locked together" if rule.family == "lock" else "must be apart"
        return f"{a} and {b} {how} ({pair.origin})"
    if rule.family == "pin":
        pin = requests.pins[rule.index]
        return f"{students[pin.student].label} is pinned to group {pin.group + 1} ({pin.origin})"
    if rule.family == "sizes":
        low, high = problem.size_min, problem.size_max
        each = str(low) if low == high else f"{low} or {high}"
        return (
            f"every group holds {each} students ({problem.n_students} students "
            f"in {problem.n_groups} groups)"
        )
    if rule.family == "at-least":
        least = problem.at_least[rule.index]
        return (
            f"every group holds at least {least.least} with {least.column} = "
            f"{'|'.join(least.values)} (--at-least {least.given!r})"
        )
    if rule.family == "no-lone":
        lone = problem.no_lone[rule.index]
        return (
            f"no group holds exactly one student with {lone.column} = {lone.value} "
            f"(--no-lone {lone.given!r})"
        )
    cap = problem.max_moves
    who = "earlier student" if cap == 1 else "earlier students"
    return f"at most {cap} {who} may change group (--max-moves)"


def _memberships(problem: Problem) -> list[list[int]]:
    from empower_cli.rules import memberships

    return memberships(problem.students, problem.family_list, problem.categories)


class _Feasibility:
    """The feasibility model and one literal per rule."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        model = self.model = cp_model.CpModel()
        requests = problem.requests
        n_groups = problem.n_groups
        named = sorted(
            {p.a for p in requests.locks}
            | {p.b for p in requests.locks}
            | {p.a for p in requests.aparts}
            | {p.b for p in requests.aparts}
            | {p.student for p in requests.pins}
        )
        y = {s: [model.new_bool_var(f"y_{s}_{g}") for g in range(n_groups)] for s in named}
        for row in y.values():
            model.add_exactly_one(row)
        capped = problem.max_moves is not None and bool(problem.previous)
        taken = set(named)
        # the students no lock, apart or pin names are told apart only by what the rules read:
        # their earlier group (--max-moves) and whether they count for each --at-least and
        # --no-lone rule
        ruled = [r.category for r in problem.at_least] + [r.category for r in problem.no_lone]
        member = [set(cats) for cats in _memberships(problem)] if ruled else []

        def counts_for(s: int) -> tuple[int, ...]:
            return tuple(int(c in member[s]) for c in ruled) if ruled else ()

        buckets = Counter(
            ((problem.previous[s] if capped else None), counts_for(s))
            for s in range(problem.n_students)
            if s not in taken
        )
        free: dict[tuple[int | None, tuple[int, ...]], list[Any]] = {}
        for b, (bucket, count) in enumerate(
            sorted(buckets.items(), key=lambda i: (i[0][0] is None, i[0][0] or 0, i[0][1]))
        ):
            free[bucket] = [model.new_int_var(0, count, f"f_{b}_{g}") for g in range(n_groups)]
            model.add(sum(free[bucket]) == count)

        self.rules: list[tuple[Rule, Any]] = []

        def literal(rule: Rule) -> Any:
            lit = model.new_bool_var(f"{rule.family}_{rule.index}")
            self.rules.append((rule, lit))
            return lit

        for i, pair in enumerate(requests.locks):
            lit = literal(Rule("lock", i))
            for g in range(n_groups):
                model.add(y[pair.a][g] == y[pair.b][g]).only_enforce_if(lit)
        for i, pair in enumerate(requests.aparts):
            lit = literal(Rule("apart", i))
            for g in range(n_groups):
                model.add(y[pair.a][g] + y[pair.b][g] <= 1).only_enforce_if(lit)
        for i, pin in enumerate(requests.pins):
            model.add(y[pin.student][pin.group] == 1).only_enforce_if(literal(Rule("pin", i)))
        lit = literal(Rule("sizes"))
        for g in range(n_groups):
            size = sum(row[g] for row in y.values()) + sum(row[g] for row in free.values())
            model.add_linear_constraint(size, problem.size_min, problem.size_max).only_enforce_if(
                lit
            )
        if capped:
            moves: list[Any] = []
            for s, row in y.items():
                before = problem.previous[s]
                if before is not None:
                    moves.append(1 - row[before] if before < n_groups else 1)
            for (before_group, _), row in free.items():
                if before_group is not None:
                    stay = row[before_group] if before_group < n_groups else 0
                    moves.append(sum(row) - stay)
            model.add(sum(moves) <= problem.max_moves).only_enforce_if(literal(Rule("moves")))

        def tally(position: int, g: int) -> Any:
            c = ruled[position]
            return sum(y[s][g] for s in named if c in member[s]) + sum(
                row[g] for (_, inside), row in free.items() if inside[position]
            )

        for i, least in enumerate(problem.at_least):
            lit = literal(Rule("at-least", i))
            for g in range(n_groups):
                model.add(tally(i, g) >= least.least).only_enforce_if(lit)
        for i, _lone in enumerate(problem.no_lone):
            lit = literal(Rule("no-lone", i))
            position = len(problem.at_least) + i
            for g in range(n_groups):
                some = model.new_bool_var(f"some_{i}_{g}")
                model.add(tally(position, g) <= problem.size_max * some).only_enforce_if(lit)
                model.add(tally(position, g) >= 2 * some).only_enforce_if(lit)

    def infeasible(self, chosen: Sequence[int], time_limit: float) -> tuple[bool, list[int]]:
        """(proven infeasible, indices of a sufficient subset) with the rules `chosen` on."""
        self.model.clear_assumptions()
        self.model.add_assumptions([self.rules[i][1] for i in chosen])
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = 1  # sufficient assumptions need a single worker
        solver.parameters.max_time_in_seconds = time_limit
        solver.parameters.catch_sigint_signal = False
        status = solver.solve(self.model)
        if status != cp_model.INFEASIBLE:
            return False, []
        index = {self.rules[i][1].index: i for i in chosen}
        core = [index[lit] for lit in solver.sufficient_assumptions_for_infeasibility()]
        return True, sorted(set(core)) or list(chosen)


def find_conflict(problem: Problem, *, time_limit: float = 10.0) -> tuple[Rule, ...] | None:
    """A minimal set of rules that cannot all hold (every rule in it is needed), or None when
    the rules can hold together or the solver could not tell in time."""
    check = _Feasibility(problem)
    everything = list(range(len(check.rules)))
    proven, core = check.infeasible(everything, time_limit)
    if not proven:
        return None
    share = max(0.2, time_limit / max(1, len(core)))
    position = 0
    while position < len(core):
        without = core[:position] + core[position + 1 :]
        still, smaller = check.infeasible(without, share) if without else (False, [])
        if still:
            core = [i for i in without if i in set(smaller)] or without
            position = min(position, len(core))
            # rules before `position` were needed in a larger set, so they are needed here too
        else:
            position += 1
    return tuple(check.rules[i][0] for i in core)


def explain_infeasible(problem: Problem, *, fallback: str, time_limit: float = 10.0) -> str:
    """The message for rules that cannot all hold: a minimal conflicting set in words."""
    conflict = find_conflict(problem, time_limit=time_limit)
    if not conflict:
        return fallback
    lines = "\n".join(f"  - {describe(problem, rule)}" for rule in conflict)
    return (
        f"these {len(conflict)} rules cannot all hold at once:\n{lines}\n"
        "Remove or change one of them and run again."
    )


def balance_costs(
    cohort: Cohort,
    problem: Problem,
    time_limit: float,
    *,
    seed: int = 0,
    reproducible: bool = False,
    found: tuple[int, ...] | None = None,
) -> tuple[Cost, ...]:
    """For each family of rules given (locks, aparts, pins, --max-moves, --at-least, --no-lone,
    --max-repeats), the balance reached without it, each re-solve within `time_limit`
    seconds. `found` (each student's group in the roster found with every rule) keeps every
    rule, so it is a roster without any one of them too: a re-solve cut short that ends less
    balanced reports that roster's balance instead, never a rule that seems to help."""
    from empower_cli.plan import Plan
    from empower_cli.rules import build_problem
    from empower_cli.solve import SolveOptions, solve
    from empower_cli.validate import balance_of

    requests = problem.requests
    # Balance is what the costs measure: without a --max-repeats cap, the earlier groups are
    # left out of the re-solves (their repeats come after balance and never change it).
    kept_families = problem.family_list
    if problem.max_repeats is None:
        kept_families = tuple(f for f in kept_families if f.kind != "earlier")
    names = {f.name for f in kept_families}
    categories = tuple(c for c in problem.categories if c.family in names)
    position = {(c.family, c.name): i for i, c in enumerate(categories)}

    def moved(index: int) -> int:
        category = problem.categories[index]
        return position[category.family, category.name]

    plan = Plan(
        kept_families,
        categories,
        tuple(replace(r, category=moved(r.category)) for r in problem.at_least),
        tuple(replace(r, category=moved(r.category)) for r in problem.no_lone),
        problem.max_repeats,
    )
    families: list[tuple[str, Requests, int | None, Plan]] = []
    if requests.locks:
        families.append(("locks", replace(requests, locks=()), problem.max_moves, plan))
    if requests.aparts:
        families.append(("aparts", replace(requests, aparts=()), problem.max_moves, plan))
    if requests.pins:
        families.append(("pins", replace(requests, pins=()), problem.max_moves, plan))
    if problem.max_moves is not None:
        families.append(("moves", requests, None, plan))
    if problem.at_least:
        families.append(("at-least", requests, problem.max_moves, replace(plan, at_least=())))
    if problem.no_lone:
        families.append(("no-lone", requests, problem.max_moves, replace(plan, no_lone=())))
    if problem.max_repeats is not None:
        families.append(("repeats", requests, problem.max_moves, replace(plan, max_repeats=None)))
    costs: list[Cost] = []
    options = SolveOptions(time_limit=time_limit, seed=seed, workers=1, reproducible=reproducible)
    for family, kept, cap, rules in families:
        try:
            relaxed = build_problem(
                cohort,
                kept,
                problem.n_groups,
                previous=problem.previous,
                max_moves=cap,
                plan=rules,
            )
            solved = solve(relaxed, options)
        except EmpowerError:
            continue
        after = balance_of(relaxed, solved.groups)
        proven = solved.proven_optimal
        if found is not None and not proven:
            kept_roster = balance_of(relaxed, found)
            if (kept_roster.out_of_band, kept_roster.excess) < (after.out_of_band, after.excess):
                after = kept_roster
        costs.append(Cost(family, after.out_of_band, after.excess, proven))
    return tuple(costs)
