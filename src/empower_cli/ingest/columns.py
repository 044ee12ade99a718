"""Finding the columns a sign-up file holds, by header and never by position."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from empower_cli.errors import InputError, UsageError
from empower_cli.ingest.text import clean, column_phrase, fold, join_words, quote
from empower_cli.records import FIELDS

#: How messages name each field.
FIELD_WORDS: dict[str, str] = {
    "id": "the student id",
    "name": "the name",
    "email": "the email",
    "year": "the class year",
    "interests": "the interests",
    "requests": "the placement requests",
}

#: Headers recognised for each field, as `header_key` writes them.
ALIASES: dict[str, tuple[str, ...]] = {
    "id": ("studentid", "id", "sid", "studentnumber"),
    "name": ("name", "fullname", "studentname"),
    "email": ("email", "emailaddress"),
    "year": ("year", "classyear", "class", "yearinschool"),
    "interests": ("interests", "interest", "topics"),
    "requests": ("placedwith", "pairedwith", "requests", "placementrequests"),
}

#: When no header is one of a field's ALIASES, a header that is a question holding one of these
#: (regular expressions on the folded header) is the field's column, if exactly one does.
QUESTIONS: dict[str, tuple[str, ...]] = {
    "id": (r"\bstudent\s*(?:id|number|no)\b", r"\bsid\b"),
    "name": (r"\bname\b",),
    "email": (r"\be-?mail\b",),
    "year": (r"\byear\b", r"\bclass\b"),
    "interests": (r"\binterest", r"\btopic"),
}

#: Words that make a header worth suggesting for a field that was not found.
_HINTS: dict[str, tuple[str, ...]] = {
    "id": ("id", "number"),
    "name": ("name",),
    "email": ("mail",),
    "year": ("year", "class"),
    "interests": ("interest", "topic"),
    "requests": ("with",),
}

_IGNORED = re.compile(r"[\s_\-\u2010\u2011\u2012\u2013\u2014]+")


def header_key(header: str) -> str:
    """A header as columns are compared: case, spaces, underscores and hyphens ignored."""
    return _IGNORED.sub("", fold(header))


def column_option(field: str, header: str) -> str:
    """The command-line option that maps `field` to `header`."""
    escaped = header.replace('"', '\\"')
    return f'--column {field}="{escaped}"'


def parse_column_option(values: Sequence[str]) -> dict[str, str]:
    """["year=Class year", ...] -> {"year": "Class year", ...}; a UsageError for a bad item."""
    mapping: dict[str, str] = {}
    for item in values:
        name, equals, header = item.partition("=")
        field = name.strip().casefold()
        header = header.strip()
        if len(header) >= 2 and header[0] == header[-1] and header[0] in "\"'":
            header = header[1:-1].strip()
        if not equals or not field or not header:
            raise UsageError(
                f"--column {quote(item)} is not FIELD=HEADER; "
                f"write for example {column_option('year', 'Class year')}."
            )
        if field not in FIELDS:
            raise UsageError(
                f"--column {quote(item)}: {quote(name.strip())} is not a field empower knows; "
                f"the fields are {join_words(FIELDS, 'and')}."
            )
        if field in mapping and header_key(mapping[field]) != header_key(header):
            raise UsageError(
                f"--column names two headers for {field}: "
                f"{quote(mapping[field])} and {quote(header)}; keep one."
            )
        mapping[field] = header
    return mapping


def _header_list(headers: Sequence[str]) -> str:
    return ", ".join(quote(clean(header)) for header in headers)


def _suggestion(field: str, headers: Sequence[str], taken: set[int]) -> str:
    """The option to show for a missing field, with the likeliest header or a placeholder."""
    for position, header in enumerate(headers):
        key = header_key(header)
        if position not in taken and key and any(word in key for word in _HINTS[field]):
            return column_option(field, clean(header))
    return column_option(field, "HEADER")


def _missing(source: str, field: str, headers: Sequence[str], taken: set[int]) -> InputError:
    what = "a student id or email" if field == "id" else FIELD_WORDS[field]
    why = ", which empower needs to tell students apart" if field == "id" else ""
    return InputError(
        f"{source}: no column holds {what}{why}. The headers are: {_header_list(headers)}. "
        f"Say which one does with {_suggestion(field, headers, taken)}."
    )


def _two(source: str, field: str, headers: Sequence[str], matches: Sequence[int]) -> InputError:
    places = [f"{quote(clean(headers[p]))} in {column_phrase(p)}" for p in matches]
    return InputError(
        f"{source}: {len(matches)} columns could hold {FIELD_WORDS[field]}: "
        f"{join_words(places)}. The headers are: {_header_list(headers)}. "
        f"Choose one with {column_option(field, clean(headers[matches[0]]))}."
    )


def _mapped(
    source: str, field: str, wanted: str, headers: Sequence[str], origin: str | None = None
) -> int:
    """The position of the header that `--column field=wanted` (or `origin`) names."""
    keys = [header_key(header) for header in headers]
    matches = [p for p, key in enumerate(keys) if key == header_key(wanted)]
    given = origin or column_option(field, wanted)
    if not matches:
        raise InputError(
            f"{source}: {given} matches no header. The headers are: {_header_list(headers)}."
        )
    if len(matches) > 1:
        places = [f"{quote(clean(headers[p]))} in {column_phrase(p)}" for p in matches]
        raise InputError(
            f"{source}: {given} matches {len(matches)} headers, "
            f"{join_words(places)}; rename one of them."
        )
    return matches[0]


def _asks_for(field: str, header: str) -> bool:
    text = fold(header)
    return any(re.search(pattern, text) for pattern in QUESTIONS.get(field, ()))


def find_columns(
    source: str,
    headers: Sequence[str],
    columns: Mapping[str, str] | None = None,
    *,
    excluded: frozenset[int] = frozenset(),
    blank: frozenset[int] = frozenset(),
    origins: Mapping[str, str] | None = None,
) -> dict[str, int]:
    """Field -> 0-based column position for every field found, in FIELDS order.

    A field's column is the one header that `--column` names, else the one header among its
    ALIASES, else the one question that asks for it (QUESTIONS). Two candidates stop the run.
    `excluded` positions are never found by themselves (a form's response number); `blank`
    ones (no data at all) are not taken for a question. `origins` says, for a field whose header
    came from somewhere other than --column, where (for messages).
    """
    found: dict[str, int] = {}
    for field, wanted in (columns or {}).items():
        if field not in FIELDS:
            raise UsageError(
                f"--column: {quote(field)} is not a field empower knows; "
                f"the fields are {join_words(FIELDS, 'and')}."
            )
        found[field] = _mapped(source, field, wanted, headers, (origins or {}).get(field))
    claimed = set(found.values())
    keys = [header_key(header) for header in headers]
    for field in FIELDS:
        if field in found:
            continue
        matches = [
            p
            for p, key in enumerate(keys)
            if key in ALIASES.get(field, ()) and p not in claimed and p not in excluded
        ]
        if len(matches) > 1:
            raise _two(source, field, headers, matches)
        if matches:
            found[field] = matches[0]
            claimed.add(matches[0])
    for field in FIELDS:
        if field in found:
            continue
        matches = [
            p
            for p, header in enumerate(headers)
            if p not in claimed | excluded | blank and _asks_for(field, header)
        ]
        if len(matches) > 1:
            raise _two(source, field, headers, matches)
        if matches:
            found[field] = matches[0]
            claimed.add(matches[0])
    taken = set(found.values()) | excluded  # never suggest a response number
    if "id" not in found and "email" not in found:
        raise _missing(source, "id", headers, taken)
    for field in ("year", "interests"):
        if field not in found:
            raise _missing(source, field, headers, taken)
    return {field: found[field] for field in FIELDS if field in found}
