"""Reading the sign-up file the one way `assign`, `check` and `init` all read it.

The command line's options win over the config's, field by field: a `--column` for the year
replaces the config's year column and leaves its other columns in place.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from empower_cli.config import Config, find_config, load_config
from empower_cli.records import Cohort


@dataclass(frozen=True, slots=True)
class SignupOptions:
    """The options that say how to read a sign-up file."""

    signups: Path
    columns: tuple[str, ...] = ()
    """`--column FIELD=HEADER` values as given."""
    config: Path | None = None
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    """The workbook sheet to read (default: the first)."""
    academic_year: int | None = None


def load_settings(options: SignupOptions) -> Config:
    """The config given or found beside the sign-up file, or an empty one."""
    path = find_config(options.signups, options.config)
    return Config() if path is None else load_config(path)


def read_signups(
    options: SignupOptions, config: Config, extra: Sequence[tuple[str, str, str]] = ()
) -> Cohort:
    """The cohort, read with the command line's options over the config's; `extra` lists the
    (header, "choice" or "number", option) columns to read for families and rules."""
    from empower_cli.ingest import load_cohort, parse_column_option
    from empower_cli.ingest.text import toml_string

    columns = dict(config.columns)
    given = parse_column_option(options.columns)
    columns.update(given)
    origins = {
        field: f"{config.source} [columns] {field} = {toml_string(header)}"
        for field, header in config.columns
        if field not in given
    }
    return load_cohort(
        options.signups,
        columns=columns,
        encoding=options.encoding or config.encoding,
        delimiter=options.delimiter or config.delimiter,
        sheet=options.sheet or config.sheet,
        year_aliases=dict(config.year_aliases),
        academic_year=(
            options.academic_year if options.academic_year is not None else config.academic_year
        ),
        interest_labels=config.interest_labels,
        short_names=dict(config.short_names),
        column_origins=origins,
        extra=extra,
    )
