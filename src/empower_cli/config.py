"""`empower.toml`: how to read a coordinator's sign-up file and form groups, kept beside it.

Read with the standard library's tomllib. Every key is checked: an unknown key, or a value of the
wrong type, is a UsageError (exit 2) that names the file, the key and the fix. The file is found
next to the sign-up file, or given with --config; command-line options win over it.

    [read]       encoding = "cp1252"            delimiter = ";"            sheet = "Responses"
    [columns]    year = "What year are you currently in?"     (any field: id, name, email, ...)
    [years]      academic_year = 2026
    [years.aliases]     "Research year" = "M4"
    [interests]  labels = ["Wellness, balance and burnout", ...]
    [interests.short]   "Discovering my path (extracurriculars & research)" = "Path"
    [groups]     count = 19      or      size = 16
    [solve]      seed = 0        time_limit = 60        workers = 0        reproducible = true
    [balance]    columns = ["Gender", "M-Home house"]      mean = ["Age"]
    [balance.weights]   Gender = 2      year = 1      interests = 1
    [rules]      at_least = ["Willing to facilitate?=Yes"]      no_lone = ["Gender=Nonbinary"]
                 avoid_groupmates = ["last_year.csv"]           max_repeats = 0
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from empower_cli.errors import UsageError
from empower_cli.records import FIELDS, YEARS

CONFIG_NAME = "empower.toml"

#: Each table and the keys it may hold, with what each key's value must be.
SCHEMA: dict[str, dict[str, str]] = {
    "read": {"encoding": "text", "delimiter": "text", "sheet": "text"},
    "columns": dict.fromkeys(FIELDS, "text"),
    "years": {"academic_year": "year", "aliases": "table"},
    "interests": {"labels": "list of text", "short": "table"},
    "groups": {"count": "positive", "size": "positive"},
    "solve": {"seed": "whole", "time_limit": "seconds", "workers": "count", "reproducible": "bool"},
    "balance": {"columns": "list of text", "mean": "list of text", "weights": "table"},
    "rules": {
        "at_least": "list of text",
        "no_lone": "list of text",
        "avoid_groupmates": "list of text",
        "max_repeats": "count",
    },
}
_EXAMPLES: dict[str, str] = {
    "text": '"..."',
    "year": "2026",
    "list of text": '["...", "..."]',
    "positive": "16",
    "whole": "0",
    "seconds": "60",
    "count": "0",
    "bool": "true",
}
_WORDS: dict[str, str] = {
    "text": "text in quotes",
    "year": "a year such as 2026",
    "list of text": "a list of texts in quotes",
    "positive": "a whole number of at least 1",
    "whole": "a whole number",
    "seconds": "a number of seconds above 0",
    "count": "a whole number of at least 0",
    "bool": "true or false",
}


def join_words(items: list[str] | tuple[str, ...], last: str = "and") -> str:
    """'a', 'a and b', 'a, b and c' (config stays free of ingest, which loads pandas)."""
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {last} {items[-1]}"


@dataclass(frozen=True, slots=True)
class Config:
    """What an empower.toml says; every field is None or empty when the file does not say it."""

    source: str | None = None
    """The file's path as found or given, or None when there is no config."""
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    columns: tuple[tuple[str, str], ...] = ()
    academic_year: int | None = None
    year_aliases: tuple[tuple[str, str], ...] = ()
    """(raw value, year) pairs; the year is one of YEARS."""
    interest_labels: tuple[str, ...] = ()
    short_names: tuple[tuple[str, str], ...] = ()
    """(option label, short name) pairs."""
    groups: int | None = None
    group_size: int | None = None
    seed: int | None = None
    time_limit: float | None = None
    workers: int | None = None
    reproducible: bool | None = None
    balance: tuple[str, ...] = ()
    """[balance] columns: headers balanced like class years (--balance)."""
    balance_mean: tuple[str, ...] = ()
    weights: tuple[tuple[str, int], ...] = ()
    """[balance.weights]: (family, weight); a family is "year", "interests" or a header."""
    at_least: tuple[str, ...] = ()
    no_lone: tuple[str, ...] = ()
    avoid_groupmates: tuple[str, ...] = ()
    """Paths as written; relative ones are read from the config file's folder."""
    max_repeats: int | None = None


def find_config(signups: Path, given: Path | None) -> Path | None:
    """The config to use: `given`, else empower.toml next to the sign-up file, else None."""
    if given is not None:
        return given
    beside = signups.parent / CONFIG_NAME
    return beside if beside.is_file() else None


def _bad(source: str, table: str, key: str, kind: str, value: object) -> UsageError:
    shown = repr(value) if not isinstance(value, dict) else "a table"
    return UsageError(
        f"{source}: [{table}] {key} must be {_WORDS[kind]}, not {shown}; "
        f"write for example {key} = {_EXAMPLES[kind]}."
    )


def _fits(kind: str, value: object) -> bool:
    """Whether a value has the kind the schema asks for."""
    if kind == "text":
        return isinstance(value, str) and bool(value.strip())
    if kind == "list of text":
        return isinstance(value, list) and all(isinstance(x, str) for x in value)
    if kind == "table":
        return isinstance(value, dict)
    if kind == "bool":
        return isinstance(value, bool)
    if isinstance(value, bool):
        return False
    if kind == "seconds":
        return isinstance(value, int | float) and value > 0
    if not isinstance(value, int):
        return False
    return {
        "year": 1900 <= value <= 2200,
        "positive": value >= 1,
        "whole": True,
        "count": value >= 0,
    }[kind]


def _check(source: str, table: str, key: str, kind: str, value: object) -> object:
    """The value when it has the kind the schema asks for, else a UsageError."""
    if _fits(kind, value):
        return value
    if kind == "table":
        raise UsageError(
            f"{source}: {key} in [{table}] must be a table: write it as [{table}.{key}] "
            "with one line per entry."
        )
    raise _bad(source, table, key, kind, value)


def _text_table(source: str, name: str, value: Mapping[str, Any]) -> dict[str, str]:
    for key, text in value.items():
        if not isinstance(text, str) or not text.strip():
            raise UsageError(
                f"{source}: [{name}] {key!r} must map to text in quotes, not {text!r}; "
                f'write for example "{key}" = "..."'
            )
    return dict(value)


def _aliases(source: str, value: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    folded = {year.casefold(): year for year in YEARS}
    out = []
    for raw, year in _text_table(source, "years.aliases", value).items():
        canonical = folded.get(year.strip().casefold())
        if canonical is None:
            raise UsageError(
                f"{source}: [years.aliases] {raw!r} = {year!r}: {year!r} is not a class year; "
                f"write one of {join_words(YEARS, 'or')}."
            )
        out.append((raw, canonical))
    return tuple(out)


def _weights(source: str, value: Mapping[str, Any]) -> tuple[tuple[str, int], ...]:
    out = []
    for family, weight in value.items():
        if isinstance(weight, bool) or not isinstance(weight, int) or weight < 0:
            raise UsageError(
                f"{source}: [balance.weights] {family!r} must be a whole number of at least 0, "
                f"not {weight!r}; write for example {toml_key(family)} = 1."
            )
        out.append((family, weight))
    return tuple(out)


def toml_key(text: str) -> str:
    """A TOML key: bare when it can be, else in quotes."""
    bare = text.replace("-", "").replace("_", "").isalnum() and text.isascii()
    return text if bare else '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def parse_config(text: str, source: str) -> Config:
    """A Config from TOML text; a UsageError naming the file and key for anything wrong."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise UsageError(f"{source}: not valid TOML ({error}); fix that line.") from None
    values: dict[str, dict[str, Any]] = {}
    for table, content in data.items():
        if table not in SCHEMA:
            raise UsageError(
                f"{source}: unknown table [{table}]; the tables are "
                f"{join_words([f'[{name}]' for name in SCHEMA])}."
            )
        if not isinstance(content, dict):
            raise UsageError(
                f"{source}: {table} must be a table: write [{table}] on a line of its own "
                "and its keys below it."
            )
        values[table] = {}
        for key, value in content.items():
            kind = SCHEMA[table].get(key)
            if kind is None:
                raise UsageError(
                    f"{source}: unknown key {key!r} in [{table}]; the keys of [{table}] are "
                    f"{join_words(list(SCHEMA[table]))}."
                )
            values[table][key] = _check(source, table, key, kind, value)
    read, columns = values.get("read", {}), values.get("columns", {})
    years, interests = values.get("years", {}), values.get("interests", {})
    groups, solve = values.get("groups", {}), values.get("solve", {})
    balance, rules = values.get("balance", {}), values.get("rules", {})
    if "count" in groups and "size" in groups:
        raise UsageError(f"{source}: [groups] gives both count and size; keep one of them.")
    return Config(
        source=source,
        encoding=read.get("encoding"),
        delimiter=read.get("delimiter"),
        sheet=read.get("sheet"),
        columns=tuple((field, columns[field]) for field in FIELDS if field in columns),
        academic_year=years.get("academic_year"),
        year_aliases=_aliases(source, years.get("aliases", {})),
        interest_labels=tuple(interests.get("labels", ())),
        short_names=tuple(
            _text_table(source, "interests.short", interests.get("short", {})).items()
        ),
        groups=groups.get("count"),
        group_size=groups.get("size"),
        seed=solve.get("seed"),
        time_limit=float(solve["time_limit"]) if "time_limit" in solve else None,
        workers=solve.get("workers"),
        reproducible=solve.get("reproducible"),
        balance=tuple(balance.get("columns", ())),
        balance_mean=tuple(balance.get("mean", ())),
        weights=_weights(source, balance.get("weights", {})),
        at_least=tuple(rules.get("at_least", ())),
        no_lone=tuple(rules.get("no_lone", ())),
        avoid_groupmates=tuple(rules.get("avoid_groupmates", ())),
        max_repeats=rules.get("max_repeats"),
    )


def load_config(path: Path) -> Config:
    """The config at `path`; a UsageError when it cannot be read or says something wrong."""
    source = str(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise UsageError(f"--config {source}: no such file.") from None
    except OSError as error:
        raise UsageError(f"{source}: cannot be read ({error.strerror or error}).") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UsageError(f"{source}: not UTF-8 text; save it as UTF-8 and run again.") from None
    return parse_config(text, source)
