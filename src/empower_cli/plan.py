"""Families of categories and the rules over them, from the settings and the cohort.

Class years and interests are two families; every `--balance COLUMN` adds one (named by the
column's header as the file writes it), every `--balance-mean COLUMN` one of quantile bins, every
`--avoid-groupmates FILE` one of earlier groups (weight 0: repeats are counted, not balanced), a
rule's column that is not balanced one of weight 0 (its students are told apart, never counted out
of band), and a rule over several values one of its own. The model, the validator, the tables and
the files read these families and never name one.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from empower_cli.errors import InfeasibleError, UsageError
from empower_cli.records import YEARS, AtLeast, Category, Cohort, Column, Family, NoLone

#: Per group, about this many students of each quantile bin of a --balance-mean column.
BIN_SHARE = 2
#: At most this many bins per --balance-mean column.
MAX_BINS = 12

_COUNT = re.compile(r"^\s*(\d+)\s+(.*)$")
_FIELD_NAMES = {"year": "year", "years": "year", "interests": "interest", "interest": "interest"}


@dataclass(frozen=True, slots=True)
class RuleText:
    """A rule option as parsed: at least `least` of `values` in `column` (no-lone: least 0)."""

    option: str
    given: str
    least: int
    column: str
    values: tuple[str, ...]


def _example(option: str) -> str:
    if option == "--no-lone":
        return 'for example --no-lone "Gender=Nonbinary"'
    return 'for example --at-least "Willing to facilitate?=Yes" or --at-least "2 year=M3|M4"'


def parse_rule(option: str, given: str) -> RuleText:
    """`--at-least "[N] COLUMN=V1|V2"` or `--no-lone "COLUMN=V"`; a UsageError (exit 2) that
    shows the form to write otherwise."""
    text = given.strip()
    least = 1
    counted = _COUNT.match(text)
    if counted and option == "--at-least" and "=" in counted.group(2):
        least, text = int(counted.group(1)), counted.group(2)
        if least < 1:
            raise UsageError(f"{option} {given!r}: N must be at least 1.")
    column, equals, rest = text.partition("=")
    column = column.strip().strip("\"'").strip()
    values = tuple(v.strip().strip("\"'").strip() for v in rest.split("|"))
    if not equals or not column or not all(values):
        form = "COLUMN=VALUE" if option == "--no-lone" else "[N] COLUMN=VALUE|VALUE..."
        raise UsageError(f"{option} {given!r} is not {form}; write {_example(option)}.")
    if option == "--no-lone" and len(values) > 1:
        raise UsageError(
            f"{option} {given!r} names {len(values)} values; give one --no-lone per value."
        )
    return RuleText(option, given, 0 if option == "--no-lone" else least, column, values)


def rule_texts(at_least: Sequence[str], no_lone: Sequence[str]) -> list[RuleText]:
    return [parse_rule("--at-least", t) for t in at_least] + [
        parse_rule("--no-lone", t) for t in no_lone
    ]


def _field_of(column: str, cohort_mapping: Sequence[tuple[str, str]] | None) -> str | None:
    """ "year" or "interest" when `column` names that field (by name or by its header)."""
    from empower_cli.ingest.columns import header_key

    key = header_key(column)
    if key in _FIELD_NAMES:
        return _FIELD_NAMES[key]
    for name, header in cohort_mapping or ():
        if name in ("year", "interests") and header_key(header) == key:
            return _FIELD_NAMES[name]
    return None


def extra_columns(
    balance: Sequence[str],
    balance_mean: Sequence[str],
    rules: Sequence[RuleText],
    mapping: Sequence[tuple[str, str]] | None = None,
) -> list[tuple[str, str, str]]:
    """(header, kind, option) of every extra column to read; rule columns that are a field
    (year, interests) are not read again. `mapping` is the cohort's, when known."""
    wanted = [(h, "choice", "--balance") for h in balance]
    wanted += [(h, "number", "--balance-mean") for h in balance_mean]
    wanted += [
        (r.column, "choice", r.option) for r in rules if _field_of(r.column, mapping) is None
    ]
    return wanted


def _categories(family: Family, values: Sequence[str], cohort: Cohort) -> list[Category]:
    totals = dict.fromkeys(values, 0)
    for student in cohort.students:
        for value in family.values_of(student):
            totals[value] = totals.get(value, 0) + 1
    return [Category(name, family.name, total) for name, total in totals.items()]


def _bins(column: int, header: str, cohort: Cohort, n_groups: int, weight: int) -> Family:
    """Quantile bins of a numeric column, each holding about BIN_SHARE students per group (a
    bin never splits students of one value)."""
    numbers = sorted(float(s.traits[column][0]) for s in cohort.students if s.traits[column])
    size = max(1, n_groups * BIN_SHARE)
    count = max(1, min(MAX_BINS, len(numbers) // size))
    edges: list[float] = []
    labels: list[str] = []
    start = 0
    for b in range(count):
        end = len(numbers) if b == count - 1 else round((b + 1) * len(numbers) / count)
        end = max(end, start + 1)
        while end < len(numbers) and numbers[end] == numbers[end - 1]:
            end += 1  # students of one value share a bin
        if start >= len(numbers):
            break
        low, high = numbers[start], numbers[min(end, len(numbers)) - 1]
        labels.append(f"{low:g}" if low == high else f"{low:g}–{high:g}")
        if end < len(numbers):
            edges.append(high)
        start = end
    return Family(header, "bins", weight, column=column, edges=tuple(edges), labels=tuple(labels))


def _position(cohort: Cohort, header: str, kind: str) -> int:
    from empower_cli.ingest.columns import header_key

    for position, column in enumerate(cohort.extra):
        if header_key(column.header) == header_key(header) and (
            kind == "any" or column.kind == kind
        ):
            return position
    raise AssertionError(f"column {header!r} was not read")  # ingest reads every one


@dataclass(frozen=True, slots=True)
class Plan:
    """The families, their categories, and the rules over them."""

    families: tuple[Family, ...]
    categories: tuple[Category, ...]
    at_least: tuple[AtLeast, ...] = ()
    no_lone: tuple[NoLone, ...] = ()
    max_repeats: int | None = None


def _weight_of(weights: dict[str, int], name: str, used: set[str]) -> int:
    from empower_cli.ingest.columns import header_key

    for key, weight in weights.items():
        if header_key(key) == header_key(name) or _FIELD_NAMES.get(header_key(key)) == name:
            used.add(key)
            return weight
    return 1


def plan_of(
    cohort: Cohort,
    n_groups: int,
    *,
    balance: Sequence[str] = (),
    balance_mean: Sequence[str] = (),
    rules: Sequence[RuleText] = (),
    weights: Sequence[tuple[str, int]] = (),
    earlier: Sequence[tuple[str, tuple[int | None, ...]]] = (),
    max_repeats: int | None = None,
    weights_source: str = "empower.toml",
) -> Plan:
    """Every family in the order their categories appear, and the rules as records.
    `earlier` holds (file, each student's earlier group) per --avoid-groupmates file."""
    wanted_weights = dict(weights)
    used: set[str] = set()
    families: list[tuple[Family, Sequence[str]]] = [
        (Family("year", "year", _weight_of(wanted_weights, "year", used)), YEARS),
        (
            Family("interest", "interest", _weight_of(wanted_weights, "interest", used)),
            cohort.interests,
        ),
    ]
    by_header: dict[str, Family] = {}
    for header in balance:
        position = _position(cohort, header, "choice")
        column: Column = cohort.extra[position]
        if column.header in by_header:
            continue
        weight = _weight_of(wanted_weights, column.header, used)
        family = Family(column.header, "choice", weight, column=position, multi=column.multi)
        by_header[column.header] = family
        families.append((family, column.values))
    for header in balance_mean:
        position = _position(cohort, header, "number")
        column = cohort.extra[position]
        weight = _weight_of(wanted_weights, column.header, used)
        family = _bins(position, column.header, cohort, n_groups, weight)
        families.append((family, family.labels))
    unknown = [key for key in wanted_weights if key not in used]
    if unknown:
        names = ", ".join(repr(f.name) for f, _ in families)
        raise UsageError(
            f"{weights_source}: [balance.weights] {unknown[0]!r} is not a balanced family; "
            f"the families are {names}."
        )
    resolved: list[tuple[RuleText, Family]] = []
    for rule in rules:
        field = _field_of(rule.column, cohort.mapping)
        if field is not None:
            base = families[0][0] if field == "year" else families[1][0]
        else:
            position = _position(cohort, rule.column, "any")
            column = cohort.extra[position]
            if column.header not in by_header:
                family = Family(column.header, "choice", 0, column=position, multi=column.multi)
                by_header[column.header] = family
                families.append((family, column.values))
            base = by_header[column.header]
        resolved.append((rule, base))
    categories: list[Category] = []
    for family, values in families:
        categories += _categories(family, values, cohort)
    at_least: list[AtLeast] = []
    no_lone: list[NoLone] = []
    extra_families: list[Family] = []
    for rule, base in resolved:
        values = _rule_values(rule, base, categories)
        label = _column_label(rule.column, base)
        if len(values) == 1:
            index = next(
                i for i, c in enumerate(categories) if c.family == base.name and c.name == values[0]
            )
        else:
            name = f"{label} = {'|'.join(values)}"
            family = Family(name, "rule", 0, source=rule.given, base=base, wanted=values)
            if all(f.name != name for f in extra_families):
                extra_families.append(family)
                categories += _categories(family, ("yes",), cohort)
            index = next(i for i, c in enumerate(categories) if c.family == name)
        if rule.option == "--no-lone":
            no_lone.append(NoLone(index, label, values[0], rule.given))
        else:
            at_least.append(AtLeast(rule.least, index, label, values, rule.given))
    earlier_families = []
    for source, groups in earlier:
        labels = tuple(str(g + 1) for g in sorted({g for g in groups if g is not None}))
        family = Family(source, "earlier", 0, labels=labels, groups=groups, source=source)
        earlier_families.append(family)
        categories += _categories(family, labels, cohort)
    all_families = tuple(f for f, _ in families) + tuple(extra_families) + tuple(earlier_families)
    plan = Plan(all_families, tuple(categories), tuple(at_least), tuple(no_lone), max_repeats)
    check_rules(plan, cohort, n_groups)
    return plan


def _column_label(column: str, base: Family) -> str:
    return (
        {"year": "class year", "interest": "interests"}.get(base.kind, base.name)
        if (base.kind in ("year", "interest"))
        else base.name
    )


def _rule_values(rule: RuleText, base: Family, categories: Sequence[Category]) -> tuple[str, ...]:
    """The rule's values in the family's own spelling; a UsageError for one it does not hold."""
    from empower_cli.ingest.text import fold

    known = {fold(c.name): c.name for c in categories if c.family == base.name}
    out: list[str] = []
    for value in rule.values:
        found = known.get(fold(value))
        if found is None:
            listed = ", ".join(repr(c.name) for c in categories if c.family == base.name)
            raise UsageError(
                f"{rule.option} {rule.given!r}: no student has {value!r} in "
                f"{_column_label(rule.column, base)!r}; its values are {listed}."
            )
        if found not in out:
            out.append(found)
    return tuple(out)


def _what(rule_values: Sequence[str], base: Family) -> str:
    """'answered Yes to 'Willing to facilitate?'' / 'are in class year M3 or M4'."""
    shown = " or ".join(rule_values)
    if base.kind == "year":
        return f"are in class year {shown}"
    if base.kind == "interest":
        return f"chose the interest {shown}"
    return f"answered {shown} to {base.name!r}"


def check_rules(plan: Plan, cohort: Cohort, n_groups: int) -> None:
    """What arithmetic alone shows about the rules, in plain words (InfeasibleError, exit 4)."""
    n = len(cohort.students)
    size_max = -(-n // n_groups)
    for rule in plan.at_least:
        category = plan.categories[rule.category]
        base = _base(plan, category.family)
        what = _what(rule.values, base)
        need = rule.least * n_groups
        if rule.least > size_max:
            raise InfeasibleError(
                f"--at-least {rule.given!r} asks for {rule.least} students in every group, but "
                f"a group holds at most {size_max}."
            )
        if category.total < need:
            raise InfeasibleError(
                f"only {category.total} students {what}, but {n_groups} groups each need at "
                f"least {rule.least} (--at-least {rule.given!r}). Use fewer groups, or lower N."
            )
    for lone in plan.no_lone:
        category = plan.categories[lone.category]
        base = _base(plan, category.family)
        if category.total == 1:
            raise InfeasibleError(
                f"only 1 student {_what([lone.value], base)}: they would be alone in any group, "
                f"so --no-lone {lone.given!r} cannot hold. Drop that rule."
            )


def _base(plan: Plan, name: str) -> Family:
    family = next(f for f in plan.families if f.name == name)
    return family.base if family.kind == "rule" and family.base is not None else family


def least_repeats(plan: Plan, n_groups: int) -> int:
    """Repeated pairs no roster avoids: an earlier group with more returning members than there
    are groups must put some of them together (spread as evenly as possible)."""
    total = 0
    for category in plan.categories:
        family = next(f for f in plan.families if f.name == category.family)
        if family.kind != "earlier":
            continue
        each, extra = divmod(category.total, n_groups)
        total += extra * (each + 1) * each // 2 + (n_groups - extra) * each * (each - 1) // 2
    return total
