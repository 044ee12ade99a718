"""From a cohort and the coordinator's requests to a Problem the model can solve.

Locked pairs are merged into chains (union-find), each chain becomes one Unit that moves as a
whole, and every conflict that simple arithmetic can see is reported here, before any solver runs,
with the students and the rows of the files that caused it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

from empower_cli.errors import InfeasibleError, UsageError
from empower_cli.plan import Plan, least_repeats, plan_of
from empower_cli.records import (
    Category,
    Cohort,
    Family,
    Pair,
    Problem,
    Requests,
    Student,
    Unit,
    request_origin,
)

DEFAULT_GROUP_SIZE = 16


def choose_group_count(n_students: int, *, groups: int | None, group_size: int | None) -> int:
    """The number of groups: `groups` when given, else the count whose sizes come nearest to
    `group_size` (sizes then differ by at most one)."""
    if groups is not None and group_size is not None:
        raise UsageError("give --groups or --group-size, not both.")
    if groups is not None:
        if groups < 1:
            raise UsageError(f"--groups must be at least 1 (got {groups}).")
        if groups > n_students:
            raise InfeasibleError(
                f"{groups} groups were asked for, but there are only {n_students} students: "
                "every group needs at least one. Use a smaller --groups."
            )
        return groups
    if group_size is None:
        size = min(DEFAULT_GROUP_SIZE, n_students)
    else:
        size = group_size
        if size < 1:
            raise UsageError(f"--group-size must be at least 1 (got {size}).")
        if size > n_students:
            raise InfeasibleError(
                f"a group size of {size} is larger than the whole cohort ({n_students} students). "
                "Use a smaller --group-size, or --groups 1."
            )
    fewer = max(1, n_students // size)
    candidates = (fewer, fewer + 1) if fewer < n_students else (fewer,)
    return min(candidates, key=lambda count: (abs(n_students / count - size), count))


def categories_of(cohort: Cohort) -> tuple[Category, ...]:
    """Every class year (all of YEARS, so tables keep one shape) then every interest."""
    return plan_of(cohort, 1).categories


def memberships(
    students: Sequence[Student], families: Sequence[Family], categories: Sequence[Category]
) -> list[list[int]]:
    """For each student, the indices of the categories they belong to (students with the same
    answers share one list: do not change it)."""
    index = {(c.family, c.name): i for i, c in enumerate(categories)}
    known: dict[tuple[tuple[str, ...], ...], list[int]] = {}
    found: list[list[int]] = []
    for student in students:
        answers = tuple(family.values_of(student) for family in families)
        mine = known.get(answers)
        if mine is None:
            mine = known[answers] = sorted(
                index[family.name, value]
                for family, values in zip(families, answers, strict=True)
                for value in values
            )
        found.append(mine)
    return found


def profile_of(student: Student, categories: Sequence[Category]) -> tuple[int, ...]:
    """A student's 0/1 membership of each category (of class years and interests)."""
    families = (Family("year", "year"), Family("interest", "interest"))
    row = [0] * len(categories)
    for c in memberships([student], families, categories)[0]:
        row[c] = 1
    return tuple(row)


class _Chains:
    """Union-find over student indices; the smallest index is each chain's root."""

    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        root = i
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[i] != root:  # path compression
            self.parent[i], i = root, self.parent[i]
        return root

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)

    def members(self) -> dict[int, list[int]]:
        chains: dict[int, list[int]] = defaultdict(list)
        for i in range(len(self.parent)):
            chains[self.find(i)].append(i)
        return chains


def _where(pairs: Iterable[Pair]) -> str:
    """'locks.csv rows 3, 7' for the pairs given, grouped by where they were written, as
    `Pair.origin` names one: "signups.csv rows 4, 9, column 'Placed with'; locks.csv row 2"."""
    rows: dict[tuple[str, str | None], list[int]] = defaultdict(list)
    for pair in pairs:
        rows[pair.source, pair.column].append(pair.row)
    return "; ".join(
        request_origin(source, numbers, column) for (source, column), numbers in rows.items()
    )


def _names(students: Sequence[Student], indices: Iterable[int], limit: int = 8) -> str:
    """'A, B and C' (or 'A, B, ... and 4 more') for the students given."""
    chosen = [students[i].label for i in sorted(indices)]
    if len(chosen) > limit:
        chosen = [*chosen[: limit - 1], f"{len(chosen) - limit + 1} more"]
    if len(chosen) == 1:
        return chosen[0]
    return ", ".join(chosen[:-1]) + " and " + chosen[-1]


def build_problem(
    cohort: Cohort,
    requests: Requests,
    n_groups: int,
    *,
    previous: tuple[int | None, ...] = (),
    max_moves: int | None = None,
    plan: Plan | None = None,
) -> Problem:
    """Merge locks into units, attach pins, map aparts to units, and check what arithmetic can.

    `previous` holds each student's earlier 0-based group (None for a newcomer) on a re-run, and
    `max_moves` caps how many earlier students may change group. `plan` holds the families and
    the rules over them (class years and interests alone when None)."""
    students = cohort.students
    n = len(students)
    if n_groups > n:
        raise InfeasibleError(f"{n_groups} groups were asked for, but there are only {n} students.")
    if plan is None:
        plan = plan_of(cohort, n_groups)
    categories = plan.categories
    member_of = memberships(students, plan.families, categories)
    size_max = -(-n // n_groups)

    chains = _Chains(n)
    for pair in requests.locks:
        chains.union(pair.a, pair.b)
    chain_of = [chains.find(i) for i in range(n)]
    locks_by_chain: dict[int, list[Pair]] = defaultdict(list)
    for pair in requests.locks:
        locks_by_chain[chain_of[pair.a]].append(pair)

    members = chains.members()
    for root, chain in members.items():
        if len(chain) > size_max:
            raise InfeasibleError(
                f"{len(chain)} students are locked together ({_names(students, chain)}; "
                f"{_where(locks_by_chain[root])}), but a group holds at most {size_max}. "
                "Remove some of these locks or use larger groups."
            )

    pin_of_chain: dict[int, tuple[int, str]] = {}
    for pin in requests.pins:
        root = chain_of[pin.student]
        where = f"{pin.origin}"
        if root in pin_of_chain and pin_of_chain[root][0] != pin.group:
            first_group, first_where = pin_of_chain[root]
            raise InfeasibleError(
                f"{_names(students, members[root])} are locked together "
                f"({_where(locks_by_chain[root])}), but pinned to different groups: "
                f"group {first_group + 1} ({first_where}) and group {pin.group + 1} ({where})."
            )
        pin_of_chain.setdefault(root, (pin.group, where))

    for pair in requests.aparts:
        if chain_of[pair.a] == chain_of[pair.b]:
            root = chain_of[pair.a]
            direct = [p for p in locks_by_chain[root] if {p.a, p.b} == {pair.a, pair.b}]
            how = (
                f"are locked together ({_where(direct)})"
                if direct
                else f"are put in one group by the locks in {_where(locks_by_chain[root])}"
            )
            raise InfeasibleError(
                f"{students[pair.a].label} and {students[pair.b].label} must be apart "
                f"({_where([pair])}) but {how}."
            )

    roots = sorted(members, key=lambda r: members[r][0])
    unit_of_root = {root: index for index, root in enumerate(roots)}
    profiles: dict[int, tuple[int, ...]] = {}  # a lone student's, by their shared memberships

    def profile_of(chain: list[int]) -> tuple[int, ...]:
        if len(chain) > 1:
            return _profile([member_of[m] for m in chain], len(categories))
        mine = member_of[chain[0]]
        if id(mine) not in profiles:
            profiles[id(mine)] = _profile([mine], len(categories))
        return profiles[id(mine)]

    units = tuple(
        Unit(
            index=unit_of_root[root],
            members=tuple(members[root]),
            profile=profile_of(members[root]),
            pin=pin_of_chain[root][0] if root in pin_of_chain else None,
            previous=tuple(
                sorted(g for m in members[root] if previous and (g := previous[m]) is not None)
            ),
        )
        for root in roots
    )

    load: dict[int, int] = defaultdict(int)
    for unit in units:
        if unit.pin is not None:
            load[unit.pin] += unit.size
    for group, size in sorted(load.items()):
        if size > size_max:
            pinned = [m for u in units if u.pin == group for m in u.members]
            raise InfeasibleError(
                f"{size} students are pinned to group {group + 1} (with the students locked to "
                f"them): {_names(students, pinned)}; but a group holds at most {size_max}."
            )

    aparts: set[tuple[int, int]] = set()
    for pair in requests.aparts:
        ua, ub = unit_of_root[chain_of[pair.a]], unit_of_root[chain_of[pair.b]]
        pa, pb = units[ua].pin, units[ub].pin
        if pa is not None and pa == pb:
            raise InfeasibleError(
                f"{students[pair.a].label} and {students[pair.b].label} must be apart "
                f"({_where([pair])}) but are both pinned to group {pa + 1}."
            )
        aparts.add((min(ua, ub), max(ua, ub)))

    problem = Problem(
        students=students,
        n_groups=n_groups,
        categories=categories,
        units=units,
        aparts=tuple(sorted(aparts)),
        requests=requests,
        previous=tuple(previous),
        max_moves=max_moves,
        families=plan.families,
        at_least=plan.at_least,
        no_lone=plan.no_lone,
        max_repeats=plan.max_repeats,
    )
    _check_repeats(problem, plan, locks_by_chain, chain_of)
    return problem


def _profile(rows: Sequence[Sequence[int]], n_categories: int) -> tuple[int, ...]:
    profile = [0] * n_categories
    for row in rows:
        for c in row:
            profile[c] += 1
    return tuple(profile)


def forced_repeats(problem: Problem) -> int:
    """Pairs of earlier groupmates that locks keep in one group."""
    earlier = {f.name for f in problem.earlier_families}
    cells = [c for c, cat in enumerate(problem.categories) if cat.family in earlier]
    return sum(u.profile[c] * (u.profile[c] - 1) // 2 for u in problem.units for c in cells)


#: At most this many forced repeats are named in the warning; the rest are counted.
_NAMED_REPEATS = 5


def forced_repeat_warnings(problem: Problem) -> tuple[str, ...]:
    """For each --avoid-groupmates file, one warning naming the pairs of its groupmates that
    locks keep together (they will share a group again), each with the locks that do it."""
    unit_of = problem.unit_of_student()
    locks: dict[int, list[Pair]] = defaultdict(list)
    for pair in problem.requests.locks:
        locks[unit_of[pair.a]].append(pair)
    warnings = []
    for family in problem.earlier_families:
        named: list[str] = []
        for unit in problem.units:
            for a, b in _groupmates(unit.members, family.groups):
                direct = [p for p in locks[unit.index] if {p.a, p.b} == {a, b}]
                how = _where(direct) if direct else f"the locks in {_where(locks[unit.index])}"
                named.append(f"{problem.students[a].label} and {problem.students[b].label} ({how})")
        if not named:
            continue
        shown = "; ".join(named[:_NAMED_REPEATS])
        if len(named) > _NAMED_REPEATS:
            shown += f"; and {len(named) - _NAMED_REPEATS} more"
        count = "1 pair" if len(named) == 1 else f"{len(named)} pairs"
        warnings.append(
            f"{family.source}: {count} of earlier groupmates will share a group again, because "
            f"locks keep them together: {shown}."
        )
    return tuple(warnings)


def _groupmates(members: Sequence[int], groups: Sequence[int | None]) -> list[tuple[int, int]]:
    """The pairs of `members` who shared an earlier group."""
    return [
        (a, b)
        for i, a in enumerate(members)
        for b in members[i + 1 :]
        if groups[a] is not None and groups[a] == groups[b]
    ]


def _check_repeats(
    problem: Problem,
    plan: Plan,
    locks_by_chain: dict[int, list[Pair]],
    chain_of: list[int],
) -> None:
    """--max-repeats below what locks or the earlier groups' sizes force (exit 4)."""
    cap = problem.max_repeats
    if cap is None:
        return
    forced = forced_repeats(problem)
    if forced > cap:
        pairs = [p for chain in locks_by_chain.values() for p in chain]
        raise InfeasibleError(
            f"the locks keep {forced} pairs of earlier groupmates together ({_where(pairs)}), "
            f"but --max-repeats allows {cap}. Raise --max-repeats or remove those locks."
        )
    least = least_repeats(plan, problem.n_groups)
    if least > cap:
        raise InfeasibleError(
            f"some earlier groups have more returning students than there are groups, so at "
            f"least {least} pairs of earlier groupmates must meet again, but --max-repeats "
            f"allows {cap}. Raise --max-repeats or use more groups."
        )
