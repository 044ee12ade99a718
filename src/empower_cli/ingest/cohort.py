"""From a sign-up file to a Cohort: columns found, keys checked, years and interests normalised."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd

from empower_cli.errors import InputError
from empower_cli.ingest.columns import find_columns
from empower_cli.ingest.extra import read_extra
from empower_cli.ingest.formats import Sheet, empty_columns, read_sheet
from empower_cli.ingest.interests import collect_interests, interest_warnings
from empower_cli.ingest.labels import short_names as short_names_for
from empower_cli.ingest.read import Table, table_from_records
from empower_cli.ingest.text import clean, fold, plural, quote
from empower_cli.ingest.xlsx import sheet_list, sheet_option
from empower_cli.ingest.years import normalise_years
from empower_cli.records import Cohort, Student


def key_of(cell: str, *, by_email: bool) -> str:
    """A student key as cells are compared: the id stripped, or the email stripped and folded."""
    text = clean(cell)
    return text.casefold() if by_email else text


def _keys(table: Table, positions: Mapping[str, int]) -> list[str]:
    """Each student's key; an InputError for an empty key or a student who signed up twice."""
    by_email = "id" not in positions
    position = positions["email"] if by_email else positions["id"]
    header = quote(clean(table.headers[position]))
    written = table.frame[position].map(clean)
    keys = written.str.casefold() if by_email else written
    what = "email" if by_email else "student id"
    empty = keys[keys == ""]
    if not empty.empty:
        raise InputError(
            f"{table.source}: row {empty.index[0]}, column {header}: the {what} is empty; "
            "every student needs one."
        )
    repeats = keys[keys.duplicated(keep="first")]
    if not repeats.empty:
        second = int(repeats.index[0])
        first = int(keys[keys == repeats.iloc[0]].index[0])
        shown = [quote(str(written.loc[first])), quote(str(written.loc[second]))]
        same = shown[0] if shown[0] == shown[1] else f"{shown[0]} and {shown[1]}"
        others = repeats.nunique() - 1
        more = (
            f" {plural(others, 'other student')} also "
            f"{'appears' if others == 1 else 'appear'} more than once."
            if others
            else ""
        )
        raise InputError(
            f"{table.source}: rows {first} and {second}, column {header}: the same student "
            f"signed up twice ({same}); keep one of the rows and run again.{more}"
        )
    return [str(key) for key in keys.tolist()]


def _cleaned(frame: pd.DataFrame, position: int | None) -> list[str]:
    """A column's cells cleaned for parsing, or empty strings when there is no such column."""
    if position is None:
        return [""] * len(frame)
    return [str(cell) for cell in frame[position].map(clean).tolist()]


def _names(frame: pd.DataFrame, positions: Mapping[str, int]) -> list[str]:
    """Each student's name: the name column, else "First Last" from the two name parts (in
    whichever order the file holds them), else empty."""
    if "name" in positions or not any(f in positions for f in ("first_name", "last_name")):
        return _cleaned(frame, positions.get("name"))
    firsts = _cleaned(frame, positions.get("first_name"))
    lasts = _cleaned(frame, positions.get("last_name"))
    return [f"{first} {last}".strip() for first, last in zip(firsts, lasts, strict=True)]


def _unused_short_names(
    source: str, labels: Sequence[str], short_names: Mapping[str, str]
) -> list[str]:
    """A warning for each configured short name whose label no student chose."""
    present = {fold(label) for label in labels}
    return [
        f"{source}: no student chose {quote(label)}, so its short name {quote(short)} is not "
        "used; check the label in [interests.short] of empower.toml."
        for label, short in short_names.items()
        if fold(label) not in present
    ]


def load_cohort(
    path: Path,
    *,
    columns: Mapping[str, str] | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
    sheet: str | None = None,
    year_aliases: Mapping[str, str] | None = None,
    academic_year: int | None = None,
    interest_labels: Sequence[str] = (),
    short_names: Mapping[str, str] | None = None,
    column_origins: Mapping[str, str] | None = None,
    extra: Sequence[tuple[str, str, str]] = (),
) -> Cohort:
    """Read and check a sign-up file; an InputError (exit 3) says what to fix and where.

    The file may be any layout `read_sheet` recognises. `year_aliases` (raw value -> year) and
    `academic_year` help read class years; `interest_labels` are option labels to match whole;
    `short_names` (label -> name) override the automatic short names of long labels;
    `column_origins` names where a mapped header came from when not from --column;
    `extra` lists the (header, "choice" or "number", option) columns read for families and rules.
    """
    read = read_sheet(path, encoding=encoding, delimiter=delimiter, sheet=sheet)
    return _cohort_of(
        read,
        columns=columns,
        year_aliases=year_aliases,
        academic_year=academic_year,
        interest_labels=interest_labels,
        short_names=short_names,
        column_origins=column_origins,
        first_sheet=sheet is None,
        extra=extra,
    )


def _on_another_sheet(error: InputError, sheets: Sequence[str]) -> InputError:
    """A missing column's error, for the first sheet of a workbook: with the --sheet line."""
    return InputError(
        f"{error.message} This is the first sheet of the workbook, {quote(sheets[0])}; "
        f"its sheets are {sheet_list(list(sheets))}. To read another, add "
        f"{sheet_option(sheets[1])}."
    )


def _cohort_of(
    sheet: Sheet,
    *,
    columns: Mapping[str, str] | None,
    year_aliases: Mapping[str, str] | None,
    academic_year: int | None,
    interest_labels: Sequence[str],
    short_names: Mapping[str, str] | None,
    column_origins: Mapping[str, str] | None,
    first_sheet: bool,
    extra: Sequence[tuple[str, str, str]],
) -> Cohort:
    """The cohort of a sheet read (see load_cohort)."""
    table = table_from_records(sheet.records)
    blank = empty_columns(sheet.records)
    found_warnings: list[str] = []
    try:
        positions = find_columns(
            table.source,
            table.headers,
            columns,
            excluded=sheet.excluded,
            blank=blank,
            origins=column_origins,
            warnings=found_warnings,
        )
    except InputError as error:
        sheets = sheet.records.sheets
        if first_sheet and len(sheets) > 1:
            raise _on_another_sheet(error, sheets) from None
        raise
    rows = table.row_numbers
    keys = _keys(table, positions)
    year_header = clean(table.headers[positions["year"]])
    years = normalise_years(
        table.source,
        year_header,
        table.cells(positions["year"]),
        rows,
        aliases=year_aliases,
        academic_year=academic_year,
    )
    interests = collect_interests(
        table.cells(positions["interests"]),
        sheet.splitting,
        known=[*sheet.labels, *interest_labels],
    )
    names_of = short_names_for(interests.labels, short_names or {})
    names = _names(table.frame, positions)
    extra_columns, traits, extra_warnings = read_extra(
        table.source,
        table.headers,
        table.cells,
        rows,
        extra,
    )
    students = tuple(
        Student(
            index=index,
            row=rows[index],
            key=keys[index],
            name=names[index],
            year=years[index],
            interests=tuple(names_of[label] for label in interests.chosen[index]),
            traits=traits[index],
        )
        for index in range(len(rows))
    )
    return Cohort(
        source=table.source,
        sha256=table.sha256,
        headers=table.headers,
        rows=table.raw_rows(),
        students=students,
        interests=tuple(names_of[label] for label in interests.labels),
        mapping=tuple((field, table.headers[position]) for field, position in positions.items()),
        encoding=table.encoding,
        delimiter=table.delimiter,
        warnings=(
            *table.warnings,
            *sheet.notes,
            *found_warnings,
            *interest_warnings(table.source, interests, rows),
            *_unused_short_names(table.source, interests.labels, short_names or {}),
            *extra_warnings,
        ),
        format=sheet.format,
        legend=tuple(
            (names_of[label], label) for label in interests.labels if names_of[label] != label
        ),
        extra=extra_columns,
    )
