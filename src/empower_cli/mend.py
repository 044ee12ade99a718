"""A re-run's roster mended from the earlier one, and a proven floor on its moves.

On a re-run (--previous) almost everyone stays: the earlier roster, less those who left, is
nearly balanced already. So instead of solving the cohort again and then searching for the
roster of that balance that moves fewest students, `mend` starts from the earlier groups and
changes only what it must, over every group at once, in pure Python:

1. every returning unit goes back to its earlier group (a locked chain to the group most of its
   members were in, a pinned unit to its pin) while the group has room and no apart partner;
2. from each group with a cell over its band, the unit whose leaving lowers the penalty most is
   taken out, until no cell is over (these are the moves the arithmetic floor counts);
3. newcomers and the units taken out go, larger first, where they add least, among the groups
   short of students or of one of their categories;
4. a local search moves and swaps units between groups while the total falls; the total puts
   group sizes, then the rules (--at-least, --no-lone), then balance, then repeated groupmates
   (start.Scoring), then moves, so that a move is never bought with balance.

`moves_floor` is the proof that goes with it: every roster in which each balanced cell is in
its band (when the balance reached is 0) and each group's size is in range moves at least that
many returning students (see its docstring). When the mended roster reaches it, its moves are
the fewest possible at that balance.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import compress

from empower_cli.deal import least_block_repeats
from empower_cli.model.kinds import Kind
from empower_cli.records import Problem
from empower_cli.start import Scoring

#: How much more one student outside the allowed group sizes costs than everything else.
SIZE = 10**15
#: Groups looked at for each unit placed or each cell mended (beyond the short ones).
SAMPLE = 40
#: Rounds of the local search over the groups still out of band.
ROUNDS = 30
#: Groups with room looked at in a round after a stall (a seeded sample of them).
FULL = 200
#: Least costly first changes that a stalled group tries a second change after.
DEEP = 12


@dataclass(frozen=True, slots=True)
class Mended:
    """The mended roster and what it is worth."""

    placement: dict[int, int]
    """Unit -> 0-based group."""
    broken: int
    balance: int
    repeats: int
    least_repeats: int
    """The repeats no roster avoids (deal.least_block_repeats)."""
    moves: int


def moves_floor(problem: Problem, *, in_band: bool) -> int:
    """A lower bound on the returning students any roster moves.

    Take, for each earlier group g, the units all of whose members were in g and that are not
    pinned elsewhere: whatever stays of them is in g (call them g's own). Any other student
    placed in g (a newcomer, a moved student) is an arrival. With `in_band` (every balanced cell
    in its band, as in any roster as balanced as one of 0 cells out), and always for sizes:

    - g's own over the largest group size, or of a category c over the ceil of c's band, leave;
    - g needs at least as many arrivals as it lacks of the smallest size, and as it lacks of any
      category c below the floor of c's band (a student counts once in c), and those arrivals
      need room: g's own over the largest size less the arrivals leave too;
    - students who leave are moves, each leaves one group, so these add up over the groups,
      with the returning students of a unit pinned elsewhere or of a group that no longer
      exists, who all move.

    Two more floors, taken when larger: over all groups, the arrivals of category c (or of any
    kind, for sizes) that exceed the students who are no group's own are moved students; and a
    locked chain whose returning members came from several groups moves all but the most of
    them from one group (these add up over chains)."""
    weights = problem.weights()
    balanced = [c for c in range(len(problem.categories)) if weights[c]] if in_band else []
    n_groups = problem.n_groups
    forced = 0
    chains = 0
    own_size = [0] * n_groups
    own_cells = [[0] * len(balanced) for _ in range(n_groups)]
    loose_size = 0
    loose = [0] * len(balanced)
    for unit in problem.units:
        earlier = [problem.previous[m] for m in unit.members]
        returning = [g for g in earlier if g is not None]
        if len(returning) > 1:
            most = Counter(g for g in returning if g < n_groups).most_common(1)
            chains += len(returning) - (most[0][1] if most else 0)
        home = returning[0] if returning else -1
        alike = len(returning) == unit.size and all(g == home for g in returning)
        if alike and home < n_groups and unit.pin in (None, home):
            own_size[home] += unit.size
            for j, c in enumerate(balanced):
                own_cells[home][j] += unit.profile[c]
            continue
        loose_size += unit.size
        for j, c in enumerate(balanced):
            loose[j] += unit.profile[c]
        pin = unit.pin
        forced += sum(1 for g in returning if g >= n_groups or (pin is not None and g != pin))
    bands = [problem.band(c) for c in balanced]
    leaving = 0
    arrivals = [0] * len(balanced)
    arrivals_size = 0
    for g in range(n_groups):
        size, cells = own_size[g], own_cells[g]
        need = max(0, problem.size_min - size)
        arrivals_size += need
        over = size - problem.size_max
        for j, (low, high) in enumerate(bands):
            over = max(over, cells[j] - high)
            lack = max(0, low - cells[j])
            arrivals[j] += lack
            need = max(need, lack)
        leaving += max(0, over, size + need - problem.size_max)
    short = max(
        [arrivals_size - loose_size] + [a - f for a, f in zip(arrivals, loose, strict=True)]
    )
    return max(forced + leaving, short, chains)


def locked_floors(problem: Problem) -> dict[str, int]:
    """Per balanced family, a floor on its distance outside the bands that locked chains force:
    a chain holding more students of a category than the ceil of its band puts those over it
    in whatever group it goes to, and chains that share a group only add to that."""
    weights = problem.weights()
    floors = {f.name: 0 for f in problem.family_list if f.weight}
    for c, category in enumerate(problem.categories):
        if not weights[c]:
            continue
        high = problem.band(c)[1]
        over = sum(u.profile[c] - high for u in problem.units if u.profile[c] > high)
        floors[category.family] = floors.get(category.family, 0) + over
    return floors


class _Roster:
    """Units in groups, with each group's counts per scored category and its size."""

    def __init__(self, problem: Problem, scoring: Scoring) -> None:
        self.problem = problem
        self.tables = scoring.tables
        self.n_groups = problem.n_groups
        self.scored = list(scoring.active)
        scored = set(self.scored)
        self.active = [
            tuple((c, unit.profile[c]) for c in unit_active(unit.profile) if c in scored)
            for unit in problem.units
        ]
        self.amounts = [dict(pairs) for pairs in self.active]
        self.sizes = [unit.size for unit in problem.units]
        self.cells = [[0] * len(problem.categories) for _ in range(self.n_groups)]
        self.size = [0] * self.n_groups
        self.version = [0] * self.n_groups
        """Changes made to each group so far: a group that could not be improved is looked at
        again (outside the full rounds) only once it has changed."""
        self.group = [-1] * len(problem.units)
        self.members: list[set[int]] = [set() for _ in range(self.n_groups)]
        self.partners: dict[int, list[int]] = {}
        for a, b in problem.aparts:
            self.partners.setdefault(a, []).append(b)
            self.partners.setdefault(b, []).append(a)
        self.smin, self.smax = problem.size_min, problem.size_max
        self.bound = set(self.partners) | {u.index for u in problem.units if u.pin is not None}
        """The units with a pin or an apart partner."""
        bands = [problem.band(c) for c in range(len(problem.categories))]
        self.low = [low for low, _ in bands]
        self.high = [high for _, high in bands]
        self.empty_cost = [c for c in self.scored if self.tables[c][0]]
        """The categories whose count of 0 costs something (a band above 0, --at-least)."""
        every = range(self.n_groups)
        self.short: dict[int, set[int]] = {c: set(every) for c in self.scored if self.low[c]}
        """Per category with a band above 0: the groups holding fewer than its floor."""
        self.scale = problem.n_students + 1
        """Puts a table's cost above every move."""
        self.earlier: list[dict[int, int]] = []
        """Per unit: earlier group -> members who were there, and -1 -> returning members."""
        for unit in problem.units:
            counted: dict[int, int] = {}
            for g in unit.previous:
                counted[g] = counted.get(g, 0) + 1
            if counted:
                counted[-1] = len(unit.previous)
            self.earlier.append(counted)
        self.home = [_home(problem, self.earlier[u], u) for u in range(len(problem.units))]
        """Per unit: the group it goes back to (_home)."""

    # --- what a unit costs where -------------------------------------------------------------

    def moves(self, unit: int, group: int) -> int:
        before = self.earlier[unit]
        return before[-1] - before.get(group, 0) if before else 0

    def size_cost(self, n: int) -> int:
        return SIZE * max(0, self.smin - n, n - self.smax)

    def allowed(self, unit: int, group: int, besides: int = -1) -> bool:
        """Whether `unit` may join `group` (its pin, its apart partners; `besides` leaves)."""
        if unit not in self.bound:
            return True
        pin = self.problem.units[unit].pin
        if pin is not None and pin != group:
            return False
        return all(self.group[o] != group or o == besides for o in self.partners.get(unit, ()))

    def add_delta(self, unit: int, group: int) -> int:
        cells, tables = self.cells[group], self.tables
        size = self.problem.units[unit].size
        delta = self.size_cost(self.size[group] + size) - self.size_cost(self.size[group])
        for c, a in self.active[unit]:
            n = cells[c]
            delta += (tables[c][n + a] - tables[c][n]) * self.scale
        return delta + self.moves(unit, group)

    def remove_delta(self, unit: int) -> int:
        group = self.group[unit]
        cells, tables = self.cells[group], self.tables
        size = self.problem.units[unit].size
        delta = self.size_cost(self.size[group] - size) - self.size_cost(self.size[group])
        for c, a in self.active[unit]:
            n = cells[c]
            delta += (tables[c][n - a] - tables[c][n]) * self.scale
        return delta - self.moves(unit, group)

    def swap_delta(self, u: int, v: int) -> int:
        """What swapping u (in g) and v (in h) changes, g != h."""
        g, h = self.group[u], self.group[v]
        change = dict(self.amounts[v])
        for c, a in self.active[u]:
            change[c] = change.get(c, 0) - a
        tables, cg, ch = self.tables, self.cells[g], self.cells[h]
        delta = 0
        for c, d in change.items():
            if d:
                t = tables[c]
                n, m = cg[c], ch[c]
                delta += t[n + d] - t[n] + t[m - d] - t[m]
        delta *= self.scale
        su, sv = self.sizes[u], self.sizes[v]
        if su != sv:
            delta += self.size_cost(self.size[g] - su + sv) - self.size_cost(self.size[g])
            delta += self.size_cost(self.size[h] + su - sv) - self.size_cost(self.size[h])
        eu, ev = self.earlier[u], self.earlier[v]
        if eu:
            delta += eu.get(g, 0) - eu.get(h, 0)  # the stays it loses, less those it gains
        if ev:
            delta += ev.get(h, 0) - ev.get(g, 0)
        return delta

    # --- changes ------------------------------------------------------------------------------

    def put(self, unit: int, group: int) -> None:
        self.version[group] += 1
        self.group[unit] = group
        self.members[group].add(unit)
        self.size[group] += self.problem.units[unit].size
        cells = self.cells[group]
        for c, a in self.active[unit]:
            cells[c] += a
            if c in self.short and cells[c] >= self.low[c]:
                self.short[c].discard(group)

    def take(self, unit: int) -> int:
        group = self.group[unit]
        self.version[group] += 1
        self.group[unit] = -1
        self.members[group].discard(unit)
        self.size[group] -= self.problem.units[unit].size
        cells = self.cells[group]
        for c, a in self.active[unit]:
            cells[c] -= a
            if c in self.short and cells[c] < self.low[c]:
                self.short[c].add(group)
        return group


def unit_active(profile: Sequence[int]) -> list[int]:
    """The categories a profile holds (compress runs at C speed over long profiles)."""
    return list(compress(range(len(profile)), profile))


def _home(problem: Problem, earlier: dict[int, int], unit: int) -> int | None:
    """The group a returning unit goes back to: its pin, else its members' most common
    earlier group that still exists (`earlier`, see _Roster.earlier); None for a newcomer."""
    pin = problem.units[unit].pin
    if pin is not None:
        return pin
    groups = [g for g in earlier if 0 <= g < problem.n_groups]
    if not groups:
        return None
    return min(groups, key=lambda g: (-earlier[g], g))


def _keep(roster: _Roster) -> list[int]:
    """Step 1: returning units back home where there is room; the rest, to place."""
    problem = roster.problem
    order = sorted(
        range(len(problem.units)),
        key=lambda u: (problem.units[u].pin is None, -problem.units[u].size, u),
    )
    pool = []
    for u in order:
        home = roster.home[u]
        size = problem.units[u].size
        if home is not None and roster.size[home] + size <= roster.smax and roster.allowed(u, home):
            roster.put(u, home)
        else:
            pool.append(u)
    return pool


def _evict(roster: _Roster, balanced: Sequence[int]) -> list[int]:
    """Step 2: from each group over a band, the unit whose leaving helps most, until none is."""
    out = []
    high = {c: roster.problem.band(c)[1] for c in balanced}
    for g in range(roster.n_groups):
        while any(roster.cells[g][c] > high[c] for c in balanced):
            movable = [u for u in roster.members[g] if roster.problem.units[u].pin is None]
            if not movable:
                break
            best = min(movable, key=lambda u: (roster.remove_delta(u), u))
            roster.take(best)
            out.append(best)
    return out


def _place(roster: _Roster, pool: list[int], rng: random.Random) -> bool:
    """Step 3: each unit of the pool where it adds least, among the groups short of students
    or of its categories (and a sample of the others); False when one fits nowhere."""
    problem = roster.problem
    pool.sort(key=lambda u: (-problem.units[u].size, -len(roster.active[u]), u))
    groups = range(roster.n_groups)
    for u in pool:
        size = problem.units[u].size
        short = [g for g in groups if roster.size[g] < roster.smin]
        wanted = [g for c, _ in roster.active[u] for g in roster.short.get(c, ())]
        sample = rng.sample(range(roster.n_groups), min(SAMPLE, roster.n_groups))
        candidates = sorted(set(short + wanted + sample))
        fits = [
            g for g in candidates if roster.size[g] + size <= roster.smax and roster.allowed(u, g)
        ]
        if not fits:
            fits = [
                g for g in groups if roster.size[g] + size <= roster.smax and roster.allowed(u, g)
            ]
        if not fits:
            return False
        roster.put(u, min(fits, key=lambda g: (roster.add_delta(u, g), g)))
    return True


def _bad_groups(roster: _Roster) -> list[int]:
    """Groups with a size out of range or a scored cell that costs anything."""
    return [g for g in range(roster.n_groups) if _bad_cells(roster, g)[2]]


def _bad_cells(roster: _Roster, g: int) -> tuple[set[int], set[int], bool]:
    """(categories whose count in g is too high, too low, whether g costs anything): a
    category costs too much when one student fewer (too high) or more (too low) costs less.
    Only the categories g's units hold, and those that cost something at 0, can cost."""
    tables, cells = roster.tables, roster.cells[g]
    held = {c for u in roster.members[g] for c, _ in roster.active[u]}
    high, low = set(), set()
    for c in held.union(roster.empty_cost):
        n = cells[c]
        t = tables[c]
        if t[n]:
            if n and t[n - 1] < t[n]:
                high.add(c)
            if t[n + 1] < t[n]:
                low.add(c)
    size = roster.size_cost(roster.size[g])
    return high, low, bool(high or low or size)


def _partners_for(
    roster: _Roster, g: int, high: set[int], low: set[int], rng: random.Random, full: bool
) -> list[int]:
    """The groups worth trading with g: those where a category too high in g is too low, or
    the other way round, first; then those with room for (or a spare of) such a category, and
    those of the other size side when g's size is out of range, each a seeded sample."""
    wanted, room = [], []
    tables = roster.tables
    for h in range(roster.n_groups):
        if h == g:
            continue
        cells = roster.cells[h]
        up = [tables[c][cells[c] + 1] - tables[c][cells[c]] for c in high]
        down = [tables[c][cells[c] - 1] - tables[c][cells[c]] for c in low if cells[c]]
        if any(d < 0 for d in up) or any(d < 0 for d in down):
            wanted.append(h)
        elif any(d == 0 for d in up) or any(d == 0 for d in down):
            room.append(h)
    short = roster.size[g] < roster.smin
    if short or roster.size[g] > roster.smax:
        sizes = roster.size
        room += [
            h
            for h in range(roster.n_groups)
            if h != g and (sizes[h] > roster.smin if short else sizes[h] < roster.smax)
        ]
    extra = rng.sample(room, min(FULL if full else SAMPLE // 2, len(room)))
    return list(dict.fromkeys(wanted + extra))


def _touches(roster: _Roster, unit: int, bad: set[int]) -> bool:
    return any(c in bad for c, _ in roster.active[unit])


Change = tuple[int, int, int, int]
"""(what it changes in the total, unit, the group it goes to, the unit it swaps with or -1)."""


def _changes(
    roster: _Roster, g: int, rng: random.Random, wide: bool = False, full: bool = False
) -> list[Change]:
    """Every move or swap of a unit of group g with another group that touches one of g's
    costly cells (with `wide`, any unit, with a sample of groups)."""
    problem = roster.problem
    high, low, costly = _bad_cells(roster, g)
    if not costly:
        return []
    sized = roster.size_cost(roster.size[g]) > 0
    found: list[Change] = []
    mine = [u for u in sorted(roster.members[g]) if problem.units[u].pin is None]
    if wide:
        partners = rng.sample(range(roster.n_groups), min(SAMPLE // 2, roster.n_groups))
    else:
        partners = _partners_for(roster, g, high, low, rng, full)
    outs = [wide or _touches(roster, u, high) for u in mine]
    active = roster.active
    for h in partners:
        if h == g:
            continue
        theirs = [v for v in sorted(roster.members[h]) if problem.units[v].pin is None]
        lows = [_touches(roster, v, low) for v in theirs]
        for u, out in zip(mine, outs, strict=True):
            size = problem.units[u].size
            if (out or sized) and roster.size[h] + size <= roster.smax and roster.allowed(u, h):
                found.append((roster.remove_delta(u) + roster.add_delta(u, h), u, h, -1))
            for v, v_low in zip(theirs, lows, strict=True):
                if active[u] == active[v] and not sized:
                    continue  # alike: only moves change, which _go_home sees to
                if not (out or sized or v_low):
                    continue
                if not (roster.allowed(u, h, besides=v) and roster.allowed(v, g, besides=u)):
                    continue
                found.append((roster.swap_delta(u, v), u, h, v))
        if sized:
            for v in theirs:
                size = problem.units[v].size
                if roster.size[g] + size <= roster.smax and roster.allowed(v, g):
                    found.append((roster.remove_delta(v) + roster.add_delta(v, g), v, g, -1))
    return found


def _apply(roster: _Roster, change: Change) -> Change:
    """Make a change; returns the change that undoes it."""
    delta, u, h, v = change
    source = roster.take(u)
    if v >= 0:
        roster.take(v)
        roster.put(v, source)
    roster.put(u, h)
    return (-delta, u, source, v)


def _improve_group(
    roster: _Roster, g: int, rng: random.Random, wide: bool = False, full: bool = False
) -> bool:
    """The best change of _changes when it lowers the total: True when one was made."""
    best = min(_changes(roster, g, rng, wide, full), default=None)
    if best is None or best[0] >= 0:
        return False
    _apply(roster, best)
    return True


def _deep(roster: _Roster, g: int, rng: random.Random) -> bool:
    """Two changes that together lower the total where neither does alone: each of the DEEP
    least costly changes of group g, followed by the best change of the group that took g's
    unit (or of g); undone unless the two gain. True when a pair was kept."""
    first = sorted(c for c in _changes(roster, g, rng, full=True) if c[0] >= 0)[:DEEP]
    for change in first:
        undo = _apply(roster, change)
        h = change[2]
        follow = _changes(roster, h, rng) + _changes(roster, g, rng)
        second = min((c for c in follow if c[1] != change[1]), default=None)
        if second is not None and change[0] + second[0] < 0:
            _apply(roster, second)
            return True
        _apply(roster, undo)
    return False


def _search(roster: _Roster, rng: random.Random) -> None:
    """Step 4: mend the groups that still cost something, round after round while a round
    changes anything (at most ROUNDS); a round that changes nothing is followed by one that
    looks at every group with room for a costly category."""
    full = False
    stuck: dict[int, int] = {}
    for _ in range(ROUNDS):
        bad = _bad_groups(roster)
        if not bad:
            return
        changed = False
        for g in bad:
            if not full and stuck.get(g) == roster.version[g]:
                continue
            while (
                _improve_group(roster, g, rng)
                or _improve_group(roster, g, rng, wide=True)
                or (full and _improve_group(roster, g, rng, full=True))
            ):
                changed = True
            stuck[g] = roster.version[g]
        if not changed and full:
            if not any([_deep(roster, g, rng) for g in bad]):
                return
            changed = True
        full = not changed


def _go_home(roster: _Roster) -> None:
    """Moved units go back to their earlier group, or swap with a unit there, when that lowers
    the total (fewer moves at no cost in anything else)."""
    problem = roster.problem
    for u in range(len(problem.units)):
        home = roster.home[u]
        g = roster.group[u]
        if home is None or home == g or problem.units[u].pin is not None:
            continue
        size = problem.units[u].size
        best, pick = 0, -2
        if roster.size[home] + size <= roster.smax and roster.allowed(u, home):
            best = roster.remove_delta(u) + roster.add_delta(u, home)
            pick = -1 if best < 0 else -2
            best = min(best, 0)
        for v in sorted(roster.members[home]):
            if problem.units[v].pin is not None:
                continue
            if not (roster.allowed(u, home, besides=v) and roster.allowed(v, g, besides=u)):
                continue
            delta = roster.swap_delta(u, v)
            if delta < best:
                best, pick = delta, v
        if pick == -2:
            continue
        roster.take(u)
        if pick >= 0:
            roster.take(pick)
            roster.put(pick, g)
        roster.put(u, home)


def profile_kinds(problem: Problem) -> tuple[Kind, ...]:
    """Units by profile, as start.Scoring reads them (the earlier groups left out)."""
    alike: dict[tuple[int, ...], list[int]] = {}
    for unit in problem.units:
        alike.setdefault(unit.profile, []).append(unit.index)
    return tuple(
        Kind(tuple(units), profile, problem.units[units[0]].size, None)
        for profile, units in alike.items()
    )


def mend(problem: Problem, seed: int) -> Mended | None:
    """The earlier roster mended (see the module's docstring); None when a unit fits in no
    group (the block solver then takes over)."""
    kinds = profile_kinds(problem)
    scoring = Scoring(problem, kinds)
    roster = _Roster(problem, scoring)
    rng = random.Random(seed)
    weights = problem.weights()
    balanced = [c for c in scoring.active if weights[c]]
    pool = _keep(roster)
    pool += _evict(roster, balanced)
    if not _place(roster, pool, rng):
        return None
    _search(roster, rng)
    _go_home(roster)
    if any(roster.size_cost(n) for n in roster.size):
        return None
    total = sum(
        scoring.tables[c][roster.cells[g][c]] for g in range(roster.n_groups) for c in roster.scored
    )
    broken, balance, repeats = scoring.parts(total)
    moves = sum(roster.moves(u, roster.group[u]) for u in range(len(problem.units)))
    placement = dict(enumerate(roster.group))
    least = least_block_repeats(problem, kinds, problem.n_groups)
    return Mended(placement, broken, balance, repeats, least, moves)
