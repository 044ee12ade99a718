"""What the workbook and the report show of a run's families, generically.

The workbook and the HTML report show every family the Problem has, so a new family appears in
both without further work: `families` groups `Problem.categories` by `Category.family` in order of
first appearance, and `member_columns` picks the sign-up file's columns that a group's roster
shows. A family other than "year" and "interest" is a balanced column, named by its header as the
sign-up file writes it.
"""

from __future__ import annotations

from dataclasses import dataclass

from empower_cli.records import Cohort, Problem

#: Above this many groups the group files (group-0001.csv, ...) are packed into GROUPS_ZIP: one
#: file to open, send or delete instead of hundreds or thousands (creating a file costs about a
#: millisecond on some disks, so 6,250 of them took 5 s), and a folder of 1,250 rosters is no
#: easier to use than one archive of them, which every system opens.
MAX_GROUP_FILES = 60
GROUPS_ZIP = "groups.zip"

#: Titles of the built-in families; any other family is titled by its own name (its header).
TITLES = {"year": "Class year", "interest": "Interests"}


@dataclass(frozen=True, slots=True)
class Family:
    """One balanced family: its key, a title for people, and its categories' indices."""

    key: str
    title: str
    categories: tuple[int, ...]
    """Indices into Problem.categories (and into each row of Balance.counts), in order."""


def families(problem: Problem) -> tuple[Family, ...]:
    """Every balanced family the tables show, in order of first appearance: not a rule's own
    column at weight 0 (it has no range to be in), nor the earlier groups of
    --avoid-groupmates or the bins of --balance-mean (repeats and group means are reported
    instead)."""
    balanced = {family.name for family in problem.family_list if family.balanced}
    members: dict[str, list[int]] = {}
    for c in problem.shown_categories():
        category = problem.categories[c]
        if category.family in balanced:
            members.setdefault(category.family, []).append(c)
    return tuple(
        Family(key, TITLES.get(key, key), tuple(indices)) for key, indices in members.items()
    )


def member_columns(cohort: Cohort, problem: Problem) -> tuple[int, ...]:
    """Indices into `cohort.headers` of the columns a group's roster shows: the id (or, without
    one, the email), the name, the email, the class year, the interests, then every column a
    --balance, --balance-mean or rule reads. Each column once, in that order."""
    wanted: list[str] = []
    for field_name in ("id", "name", "email", "year", "interests"):
        header = cohort.header_for(field_name)
        if header is not None:
            wanted.append(header)
    wanted += [
        family.name
        for family in problem.family_list
        if family.kind in ("choice", "bins") and family.name not in TITLES
    ]
    position = {header: i for i, header in reversed(list(enumerate(cohort.headers)))}
    chosen: list[int] = []
    for header in wanted:
        index = position.get(header)
        if index is not None and index not in chosen:
            chosen.append(index)
    return tuple(chosen)


def email_column(cohort: Cohort) -> int | None:
    """Index into `cohort.headers` of the email column, if the file has one."""
    header = cohort.header_for("email")
    if header is None or header not in cohort.headers:
        return None
    return cohort.headers.index(header)
