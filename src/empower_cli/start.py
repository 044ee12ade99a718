"""A constructive start: a greedy deal of units into groups, repaired by local search.

Both score a group's counts with one penalty table per category (`Scoring`): a count's distance
outside its band times its family's weight and a scale that puts balance above repeats, the
repeated pairs of an earlier group, and a large penalty for a broken rule (--at-least, --no-lone).
Pinned units go first, then larger units (locked chains) before single students, rarer kinds
before common ones; each unit goes to the group where it adds least, among groups that still have
room. Local search then swaps units between groups while the total penalty falls. The result is
usually perfect, so the solver is not needed at all, or a hint it only repairs.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from itertools import islice

from empower_cli.model.kinds import Kind
from empower_cli.records import Problem

#: The penalty of one broken rule (a group short of --at-least, a lone --no-lone student): more
#: than any balance or repeats could cost, so the search fixes rules first.
HARD = 10**9
#: How strongly the greedy deal pairs --no-lone students (against the pull of balance, about 1).
PAIRING = 1000.0
#: When the search stalls, every this many steps it tries two swaps at once (deep_step).
DEEP_EVERY = 5
#: How strongly the greedy deal avoids pushing a cell past its band.
MARGINAL = 2.0
#: At most this many swaps are looked at in one step of the local search.
STEP_CANDIDATES = 800


#: The last few Scorings built (see Scoring.of), with the problem and kinds they are for.
_SCORINGS: list[tuple[Problem, Sequence[Kind], Scoring]] = []


class Scoring:
    """Penalty tables: tables[c][n] is what a count of n students of category c in one group
    costs. The total over cells is hard * HARD + balance * scale + repeats."""

    def __init__(self, problem: Problem, kinds: Sequence[Kind]) -> None:
        n_categories = len(problem.categories)
        size_max = problem.size_max
        weights = problem.weights()
        earlier = {f.name for f in problem.earlier_families}
        self.earlier = [c for c, cat in enumerate(problem.categories) if cat.family in earlier]
        members = dict.fromkeys(self.earlier, 0)
        for kind in kinds:
            count, profile = len(kind.units), kind.profile
            for c in kind.active:
                if c in members:
                    members[c] += profile[c] * count
        most = sum(n * (n - 1) // 2 for n in members.values())
        self.scale = most + 1 if self.earlier else 1
        least = [0] * n_categories
        for rule in problem.at_least:
            least[rule.category] = max(least[rule.category], rule.least)
        lone = {rule.category for rule in problem.no_lone}
        earlier_cells = set(self.earlier)
        present: set[int] = {c for c in range(n_categories) if least[c]}  # --at-least
        for kind in kinds:
            present.update(kind.active)
        length = 2 * size_max + 2  # room to spare for any swap looked at
        # a category no kind holds never leaves 0: its table is never read past 0
        nothing = [0] * length
        self.tables: list[list[int]] = []
        for c in range(n_categories):
            if c not in present:
                self.tables.append(nothing)
                continue
            low, high = problem.band(c)
            row = []
            for n in range(length):
                cost = weights[c] * max(0, n - high, low - n) * self.scale
                if c in earlier_cells:
                    cost += n * (n - 1) // 2
                cost += HARD * max(0, least[c] - n)
                if c in lone and n == 1:
                    cost += HARD
                row.append(cost)
            self.tables.append(row)
        self.active = [c for c in sorted(present) if any(self.tables[c])]
        self.has_rules = bool(problem.at_least or problem.no_lone)

    @classmethod
    def of(cls, problem: Problem, kinds: Sequence[Kind]) -> Scoring:
        """The scoring of these kinds, built once: the deal, the repair and the judging of a
        start all read it, and its tables are dear once earlier groups are categories."""
        for known_problem, known_kinds, scoring in _SCORINGS:
            if known_problem is problem and known_kinds is kinds:
                return scoring
        scoring = cls(problem, kinds)
        _SCORINGS[:] = [*_SCORINGS[-3:], (problem, kinds, scoring)]
        return scoring

    def parts(self, total: int) -> tuple[int, int, int]:
        """(broken rules, weighted balance, repeats) of a total penalty."""
        hard, rest = divmod(total, HARD)
        balance, repeats = divmod(rest, self.scale)
        return hard, balance, repeats

    def total(self, cells: Sequence[Sequence[int]]) -> int:
        return sum(self.tables[c][row[c]] for row in cells for c in self.active)


def cells_of(
    kinds: Sequence[Kind], counts: Sequence[Sequence[int]], n_categories: int
) -> list[list[int]]:
    n_groups = len(counts[0]) if counts else 0
    cells = [[0] * n_categories for _ in range(n_groups)]
    for k, kind in enumerate(kinds):
        for g in range(n_groups):
            if counts[k][g]:
                for c in kind.active:
                    cells[g][c] += kind.profile[c] * counts[k][g]
    return cells


def _apart_kinds(problem: Problem, kinds: Sequence[Kind]) -> dict[int, list[int]]:
    kind_of_unit = {kind.units[0]: k for k, kind in enumerate(kinds) if kind.count == 1}
    apart: dict[int, list[int]] = {}
    for a, b in problem.aparts:
        if a in kind_of_unit and b in kind_of_unit:
            ka, kb = kind_of_unit[a], kind_of_unit[b]
            apart.setdefault(ka, []).append(kb)
            apart.setdefault(kb, []).append(ka)
    return apart


def greedy_counts(
    problem: Problem,
    kinds: Sequence[Kind],
    n_groups: int,
    n_students: int,
    start: Sequence[Sequence[int]] | None = None,
) -> list[list[int]] | None:
    """counts[k][g] for a block of `n_groups` local groups holding `n_students`, or None when
    the greedy deal gets stuck (the solver then starts without a hint). `start` holds units
    already placed (on a re-run, students left in their earlier groups); the rest are dealt."""
    size_min, size_max = problem.size_min, problem.size_max
    over_allowed = n_students - size_min * n_groups  # groups that may hold size_max
    if size_min == size_max:
        over_allowed = 0
    scoring = Scoring.of(problem, kinds)
    tables = scoring.tables
    n_categories = len(problem.categories)
    ideal = [c.total / problem.n_groups for c in problem.categories]
    weights = problem.weights()
    ruled = {r.category for r in problem.at_least} | {r.category for r in problem.no_lone}
    # How a unit's categories pull: toward groups low on them relative to their ideal (every
    # balanced or ruled category), and away from groups holding its earlier groupmates.
    spread = [
        (1.0 / max(value, 1.0)) if (weights[c] or c in ruled) else 0.0
        for c, value in enumerate(ideal)
    ]
    earlier = set(scoring.earlier)
    # --no-lone categories are dealt in pairs: a group holding one draws the next, a group
    # holding two or more is avoided, so that the deal ends with groups of two.
    lone = {r.category for r in problem.no_lone}

    counts = [[0] * n_groups for _ in kinds]
    sizes = [0] * n_groups
    cells = [[0] * n_categories for _ in range(n_groups)]
    over = 0

    def place(k: int, g: int) -> None:
        nonlocal over
        kind = kinds[k]
        if sizes[g] <= size_min < sizes[g] + kind.size:
            over += 1
        counts[k][g] += 1
        sizes[g] += kind.size
        for c in kind.active:
            cells[g][c] += kind.profile[c]

    def room(g: int, size: int) -> bool:
        after = sizes[g] + size
        if after <= size_min:
            return True
        if after > size_max:
            return False
        return sizes[g] > size_min or over < over_allowed

    apart = _apart_kinds(problem, kinds)
    order: list[int] = []
    for k, kind in enumerate(kinds):
        if kind.pin is not None:
            place(k, kind.pin)
        else:
            order.append(k)
    totals = [c.total for c in problem.categories]

    def rarity(k: int) -> int:
        """The total of the kind's rarest balanced or ruled category: rare ones go first, while
        every group still has room for them."""
        found = [totals[c] for c in kinds[k].active if spread[c]]
        return min(found, default=problem.n_students)

    order.sort(key=lambda k: (-kinds[k].size, kinds[k].count, rarity(k), k))
    placed = [0] * len(kinds)
    if start is not None:
        for k in order:
            for g, amount in enumerate(start[k]):
                for _ in range(amount):
                    place(k, g)
            placed[k] = sum(start[k])
        if max(sizes, default=0) > size_max:
            return None  # the units kept in place and the pinned ones overfill a group

    held = {c for kind in kinds for c in kind.active}
    pull = _Pull(tables, earlier, lone, spread, ideal, size_max, cells, held)
    scale = 1 / max(size_max, 1)

    def score(g: int, kind: Kind) -> float:
        if kind.size == 1:  # every amount is 1: the kept pulls
            return sum(pull.kept[c][g] for c in kind.active) + sizes[g] * scale
        row = cells[g]
        value = sum(pull.cost(c, row[c], kind.profile[c]) for c in kind.active)
        return value + sizes[g] * scale

    for k in order:
        kind = kinds[k]
        others = apart.get(k, ())
        # Only the group that receives a unit changes its score, so scores are kept, not
        # recomputed for every unit of the kind.
        scores = [score(g, kind) for g in range(n_groups)]
        for _ in range(kind.count - placed[k]):
            best, best_score = -1, 0.0
            for g in range(n_groups):
                if not room(g, kind.size) or any(counts[o][g] for o in others):
                    continue
                if best < 0 or scores[g] < best_score:
                    best, best_score = g, scores[g]
            if best < 0:
                return None
            place(k, best)
            pull.update(best, kind.active)
            scores[best] = score(best, kind)
    return counts


class _Pull:
    """What one student of a category adds to a group's score in the greedy deal: toward
    groups low on it against its ideal (what a cell would cost past its band, then how full
    it is), away from groups holding an earlier groupmate, and for a --no-lone category toward
    a group holding exactly one. `kept[c][g]` is that for one more student, kept up to date
    as groups fill, since nearly every unit is a kind of its own once several families are
    balanced and each kind would otherwise score every group afresh."""

    def __init__(
        self,
        tables: list[list[int]],
        earlier: set[int],
        lone: set[int],
        spread: list[float],
        ideal: list[float],
        size_max: int,
        cells: list[list[int]],
        categories: set[int],
    ) -> None:
        self.tables, self.earlier, self.lone = tables, earlier, lone
        self.spread, self.ideal, self.size_max = spread, ideal, size_max
        self.cells = cells
        self.kept: dict[int, list[float]] = {}
        for c in sorted(categories):
            self.kept[c] = [self.cost(c, row[c], 1) for row in cells]

    def cost(self, c: int, value: int, amount: int) -> float:
        table = self.tables[c]
        after = min(value + amount, self.size_max)
        if c in self.earlier:
            return 4.0 * (table[after] - table[value])
        if c in self.lone:
            return PAIRING * (-1 if value == 1 else int(value > 1))
        return MARGINAL * (table[after] > table[value]) + self.spread[c] * (
            value + amount - self.ideal[c]
        )

    def update(self, g: int, categories: Sequence[int]) -> None:
        row = self.cells[g]
        for c in categories:
            self.kept[c][g] = self.cost(c, row[c], 1)


class _Repair:
    """The local search's state: counts, cells, and where each kind has units."""

    def __init__(
        self, problem: Problem, kinds: Sequence[Kind], counts: list[list[int]], seed: int
    ) -> None:
        self.kinds = kinds
        self.counts = counts
        self.rng = random.Random(seed)
        self.n_groups = len(counts[0]) if counts else 0
        self.scoring = Scoring.of(problem, kinds)
        self.tables = self.scoring.tables
        self.cells = cells_of(kinds, counts, len(problem.categories))
        scored = set(self.scoring.active)
        # only the scored categories: no other cell is ever read
        self.sparse = [{c: kind.profile[c] for c in kind.active if c in scored} for kind in kinds]
        self.movable = [k for k, kind in enumerate(kinds) if kind.pin is None]
        self.by_size: dict[int, list[int]] = {}
        for k in self.movable:
            self.by_size.setdefault(kinds[k].size, []).append(k)
        self.holders = [{g for g in range(self.n_groups) if row[g]} for row in counts]
        self.members: list[set[int]] = [set() for _ in range(self.n_groups)]
        for k, groups in enumerate(self.holders):
            for g in groups:
                self.members[g].add(k)
        self.apart = _apart_kinds(problem, kinds)
        self.active = self.scoring.active
        self.scored = set(self.active)
        self.diffs: dict[tuple[int, int], list[tuple[list[int], int, int]]] = {}
        # a kind of single students holds each category once: its categories as a set, so
        # that what a swap changes is a set difference
        self.keys = [frozenset(profile) for profile in self.sparse]
        self.ones = [all(v == 1 for v in profile.values()) for profile in self.sparse]
        self.bad = [{c for c in self.active if self.is_bad(g, c)} for g in range(self.n_groups)]
        self.log: list[tuple[int, int, int, int]] = []
        """The swaps made since `mark`, so that `rewind` can undo them."""

    def total(self) -> int:
        return self.scoring.total(self.cells)

    def is_bad(self, g: int, c: int) -> bool:
        """Whether cell (g, c) costs more than a neighbouring count would."""
        table, value = self.tables[c], self.cells[g][c]
        cost = table[value]
        if not cost:
            return False
        return cost > table[max(0, value - 1)] or (
            value + 1 < len(table) and cost > table[value + 1]
        )

    def bad_cells(self) -> list[tuple[int, int]]:
        return [(g, c) for g in range(self.n_groups) for c in sorted(self.bad[g])]

    def mark(self) -> None:
        self.log.clear()

    def rewind(self) -> None:
        """Undo every swap since `mark`."""
        for a, b, g, h in reversed(self.log):
            self.swap(b, a, g, h)
        self.log.clear()

    def allowed(self, k: int, g: int, leaving: int) -> bool:
        """Can a unit of kind k enter group g (with a unit of kind `leaving` going out)?"""
        return all(self.counts[o][g] == 0 or o == leaving for o in self.apart.get(k, ()))

    def diff(self, a: int, b: int) -> list[tuple[list[int], int, int]]:
        """(penalty table, category, change in g) for each category that swapping a unit of
        kind a out of g for one of kind b changes (remembered per pair of kinds)."""
        key = (a, b)
        found = self.diffs.get(key)
        if found is None:
            pa, pb = self.sparse[a], self.sparse[b]
            found = [
                (self.tables[c], c, d)
                for c in pa.keys() | pb.keys()
                if (d := pb.get(c, 0) - pa.get(c, 0))
            ]
            self.diffs[key] = found
        return found

    def delta(self, a: int, b: int, g: int, h: int) -> int:
        """The change in penalty when a unit of kind a leaves g for h and one of b goes back."""
        row_g, row_h = self.cells[g], self.cells[h]
        change = 0
        if self.ones[a] and self.ones[b]:
            tables, ka, kb = self.tables, self.keys[a], self.keys[b]
            for c in kb - ka:  # one more in g, one fewer in h
                table, vg, vh = tables[c], row_g[c], row_h[c]
                change += table[vg + 1] - table[vg] + table[vh - 1] - table[vh]
            for c in ka - kb:
                table, vg, vh = tables[c], row_g[c], row_h[c]
                change += table[vg - 1] - table[vg] + table[vh + 1] - table[vh]
            return change
        for table, c, d in self.diff(a, b):
            vg, vh = row_g[c], row_h[c]
            change += table[vg + d] - table[vg] + table[vh - d] - table[vh]
        return change

    def swap(self, a: int, b: int, g: int, h: int) -> None:
        counts = self.counts
        counts[a][g] -= 1
        counts[b][g] += 1
        counts[b][h] -= 1
        counts[a][h] += 1
        for k, group in ((a, g), (b, h)):
            if not counts[k][group]:
                self.holders[k].discard(group)
                self.members[group].discard(k)
        self.holders[b].add(g)
        self.holders[a].add(h)
        self.members[g].add(b)
        self.members[h].add(a)
        for c, amount in self.sparse[a].items():
            self.cells[g][c] -= amount
            self.cells[h][c] += amount
        for c, amount in self.sparse[b].items():
            self.cells[g][c] += amount
            self.cells[h][c] -= amount
        for c in (
            self.keys[a] ^ self.keys[b]
            if self.ones[a] and self.ones[b]
            else self.keys[a] | self.keys[b]
        ):
            for group in (g, h):
                if self.is_bad(group, c):
                    self.bad[group].add(c)
                else:
                    self.bad[group].discard(c)
        self.log.append((a, b, g, h))

    def candidates(self, g: int, c: int) -> list[tuple[int, int, int]]:
        """The first STEP_CANDIDATES of `swaps`."""
        return list(islice(self.swaps(g, c), STEP_CANDIDATES))

    def swaps(self, g: int, c: int) -> Iterator[tuple[int, int, int]]:
        """Swaps (a out of g, b into g from h) that change the count of c in g toward a lower
        penalty, in a random order: first those whose h can take the change of c at no cost
        (the swap then mends the cell without breaking another of c), then the others."""
        rng = self.rng
        value = self.cells[g][c]
        table = self.tables[c]
        down = table[max(0, value - 1)] < table[value]
        up = value + 1 < len(table) and table[value + 1] < table[value]
        if down and up:
            down = rng.random() < 0.5
        sparse = self.sparse
        present = [a for a in self.members[g] if self.kinds[a].pin is None]
        present.sort()
        rng.shuffle(present)
        # a leaves g: it must hold more of c than b (down) or less (up)
        leaving = [(a, sparse[a].get(c, 0)) for a in present]
        others = [h for h in range(self.n_groups) if h != g]
        rng.shuffle(others)
        cells = self.cells
        step = 1 if down else -1  # what h gains of c, per unit of difference
        free = [h for h in others if table[max(0, cells[h][c] + step)] <= table[cells[h][c]]]
        costly = [h for h in others if table[max(0, cells[h][c] + step)] > table[cells[h][c]]]
        kinds = self.kinds
        # (Trying the pairs that differ in fewest categories first halved the swaps looked at
        # but left the fewest-repeats search of the example cohort a repeat short.)
        for groups in (free, costly):
            for h in groups:
                held = [
                    (b, sparse[b].get(c, 0), kinds[b].size)
                    for b in sorted(self.members[h])
                    if kinds[b].pin is None
                ]
                for a, ca in leaving:
                    size = kinds[a].size
                    for b, cb, size_b in held:
                        if (cb < ca if down else cb > ca) and size_b == size:
                            yield a, b, h

    def step(self, uphill: int) -> int | None:
        """One step: the first swap found that lowers the penalty, else one of those that raise
        it least (by at most `uphill`), at random; its change, or None when there is none."""
        bad = self.bad_cells()
        if not bad:
            return None
        g, c = bad[self.rng.randrange(len(bad))]
        best: list[tuple[int, int, int]] = []
        best_delta = uphill + 1
        for a, b, h in islice(self.swaps(g, c), STEP_CANDIDATES):
            change = self.delta(a, b, g, h)
            if change > best_delta or not (self.allowed(b, g, a) and self.allowed(a, h, b)):
                continue
            if change < 0:
                self.swap(a, b, g, h)
                return change
            if change < best_delta:
                best, best_delta = [], change
            best.append((a, b, h))
        if not best:
            return None
        a, b, h = best[self.rng.randrange(len(best))]
        self.swap(a, b, g, h)
        return best_delta

    def first_better(self, g: int, c: int, below: int) -> tuple[int, int, int, int] | None:
        """The first swap found for cell (g, c) whose change is below `below`."""
        for a, b, h in islice(self.swaps(g, c), STEP_CANDIDATES):
            change = self.delta(a, b, g, h)
            if change < below and self.allowed(b, g, a) and self.allowed(a, h, b):
                return a, b, h, change
        return None

    def deep_step(self) -> int | None:
        """Two swaps at once, for a cell no single swap improves (a repeated pair whose every
        swap partner differs in some balanced category): the first swap moves one of the cell's
        units away, the second repairs a cell the first upset. Its change (below 0), or None."""
        bad = self.bad_cells()
        if not bad:
            return None
        g, c = bad[self.rng.randrange(len(bad))]
        firsts = []
        for a, b, h in self.candidates(g, c):
            if self.allowed(b, g, a) and self.allowed(a, h, b):
                firsts.append((self.delta(a, b, g, h), a, b, h))
        firsts.sort(key=lambda item: item[0])
        for change, a, b, h in firsts[:DEEP_FIRSTS]:
            self.swap(a, b, g, h)
            upset = [(x, y) for x, y in self.bad_cells() if x in (g, h) and (x, y) != (g, c)]
            self.rng.shuffle(upset)
            for x, y in upset[:DEEP_CELLS]:
                second = self.first_better(x, y, -change)
                if second is not None:
                    a2, b2, h2, change2 = second
                    self.swap(a2, b2, x, h2)
                    return change + change2
            self.swap(b, a, g, h)  # undo
        return None


#: The deep step tries this many first swaps, each with this many upset cells to repair.
DEEP_FIRSTS = 8
DEEP_CELLS = 4


def repair(
    problem: Problem,
    kinds: Sequence[Kind],
    counts: list[list[int]],
    *,
    seed: int,
    max_steps: int = 20_000,
    stall_steps: int = 100,
    target: int = 0,
) -> int:
    """Improve `counts` in place by swapping units between groups; return the penalty that
    remains (see Scoring; without rules or earlier groups, the distance outside the bands).

    Each step takes a cell whose count costs more than a neighbouring count would, and looks,
    in a random order, for a swap (two units of the same size, of different kinds, between that
    cell's group and another) that lowers the total, and makes the first one found; when none
    lowers it, one that raises it least (by at most one unit of balance) is taken at random
    (seeded), so the search walks plateaus and leaves shallow dead ends. It gives up after
    `stall_steps` steps without a new best, keeping the best counts seen. Pinned units never
    move; apart units never meet. It stops as soon as the penalty is down to `target` (a
    lower bound, when one is known: nothing lower can be found).
    """
    if not counts or not counts[0]:
        return 0
    state = _Repair(problem, kinds, counts, seed)
    remaining = state.total()
    best_seen, since_best = remaining, 0
    uphill = state.scoring.scale
    for _ in range(max_steps):
        if remaining <= target:
            return remaining
        if remaining < best_seen:
            best_seen, since_best = remaining, 0
            state.mark()
        else:
            since_best += 1
            if since_best > stall_steps:
                break
        change = state.step(uphill)
        if (change is None or change >= 0) and since_best and since_best % DEEP_EVERY == 0:
            deep = state.deep_step()
            if deep is not None:
                change = (change or 0) + deep
        if change is not None:
            remaining += change
    if remaining > best_seen:  # a step uphill was the last thing tried: go back to the best
        state.rewind()
        remaining = best_seen
    return remaining


def _kind_values(problem: Problem, kinds: Sequence[Kind], column: int) -> list[float]:
    """Each kind's mean value of a numeric column over its members (0 when none has one)."""
    values = []
    for kind in kinds:
        numbers = [
            float(cell[0])
            for u in kind.units
            for m in problem.units[u].members
            if (cell := problem.students[m].traits[column])
        ]
        values.append(sum(numbers) / len(numbers) if numbers else 0.0)
    return values


def polish_means(
    problem: Problem, kinds: Sequence[Kind], counts: list[list[int]], *, seed: int
) -> None:
    """Bring each group's mean of every --balance-mean column closer to the cohort's, in place,
    by swaps that leave the penalty (rules, balance of every family, repeats) as it is or
    lower: the quantile bins keep the means near, this closes the gap the bins leave."""
    columns = [f.column for f in problem.family_list if f.kind == "bins"]
    if not columns or not counts or not counts[0]:
        return
    state = _Repair(problem, kinds, counts, seed)
    per_kind = [_kind_values(problem, kinds, column) for column in columns]
    n_groups = state.n_groups
    sums = [[0.0] * n_groups for _ in columns]
    sizes = [0] * n_groups
    for k, kind in enumerate(kinds):
        for g in range(n_groups):
            if counts[k][g]:
                sizes[g] += kind.size * counts[k][g]
                for i, values in enumerate(per_kind):
                    sums[i][g] += values[k] * kind.size * counts[k][g]
    target = [sum(row) / max(1, sum(sizes)) for row in sums]

    def gap(i: int, g: int) -> float:
        return sums[i][g] / max(1, sizes[g]) - target[i]

    def cost(i: int, g: int, change: float) -> float:
        return ((sums[i][g] + change) / max(1, sizes[g]) - target[i]) ** 2

    for _ in range(POLISH_STEPS):
        best: tuple[float, int, int, int, int] | None = None
        for i, values in enumerate(per_kind):
            order = sorted(range(n_groups), key=lambda g: gap(i, g))
            for g in (order[-1], order[0]):  # the group furthest above, then below
                for a in state.movable:
                    if not counts[a][g]:
                        continue
                    for b in state.by_size[kinds[a].size]:
                        if b == a or values[b] == values[a]:
                            continue
                        moved = (values[a] - values[b]) * kinds[a].size
                        for h in state.holders[b]:
                            if h == g:
                                continue
                            gain = (
                                sum(
                                    cost(j, g, -(vals[a] - vals[b]) * kinds[a].size)
                                    + cost(j, h, (vals[a] - vals[b]) * kinds[a].size)
                                    - cost(j, g, 0.0)
                                    - cost(j, h, 0.0)
                                    for j, vals in enumerate(per_kind)
                                )
                                if len(per_kind) > 1
                                else (
                                    cost(i, g, -moved)
                                    + cost(i, h, moved)
                                    - cost(i, g, 0.0)
                                    - cost(i, h, 0.0)
                                )
                            )
                            if gain >= -1e-12 or (best is not None and gain >= best[0]):
                                continue
                            if state.delta(a, b, g, h) > 0:
                                continue
                            if not (state.allowed(b, g, a) and state.allowed(a, h, b)):
                                continue
                            best = (gain, a, b, g, h)
        if best is None:
            return
        _, a, b, g, h = best
        state.swap(a, b, g, h)
        for j, vals in enumerate(per_kind):
            moved = (vals[a] - vals[b]) * kinds[a].size
            sums[j][g] -= moved
            sums[j][h] += moved


#: The most swaps polish_means makes.
POLISH_STEPS = 200
