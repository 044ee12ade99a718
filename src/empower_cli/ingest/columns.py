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
    "first_name": "the first name",
    "last_name": "the last name",
    "email": "the email",
    "year": "the class year",
    "interests": "the interests",
    "requests": "the placement requests",
}

#: Headers recognised for each field, as `header_key` writes them.
ALIASES: dict[str, tuple[str, ...]] = {
    "id": ("studentid", "id", "sid", "studentnumber"),
    "name": ("name", "fullname", "studentname"),
    "first_name": (
        "firstname",
        "first",
        "givenname",
        "forename",
        "preferredname",
        "preferredfirstname",
    ),
    "last_name": ("lastname", "last", "familyname", "surname"),
    "email": ("email", "emailaddress"),
    "year": ("year", "classyear", "class", "yearinschool"),
    "interests": ("interests", "interest", "topics"),
    "requests": ("placedwith", "pairedwith", "requests", "placementrequests"),
}

#: When no header is one of a field's ALIASES, a header that is a question holding one of these
#: (regular expressions on the folded header) is the field's column, if exactly one does.
QUESTIONS: dict[str, tuple[str, ...]] = {
    "id": (r"\bstudent\s*(?:id|number|no)\b", r"\bsid\b"),
    "first_name": (r"\bfirst\s*name\b", r"\bgiven\s*name\b", r"\bpreferred\s*(?:first\s*)?name\b"),
    "last_name": (r"\blast\s*name\b", r"\bfamily\s*name\b", r"\bsurname\b"),
    "name": (r"\bname\b",),
    "email": (r"\be-?mail\b",),
    "year": (r"\byear\b", r"\bclass\b"),
    "interests": (r"\binterest", r"\btopic"),
}

#: Words that make a header worth suggesting for a field that was not found.
_HINTS: dict[str, tuple[str, ...]] = {
    "id": ("id", "number"),
    "name": ("name",),
    "first_name": ("first", "given"),
    "last_name": ("last", "family", "surname"),
    "email": ("mail",),
    "year": ("year", "class"),
    "interests": ("interest", "topic"),
    "requests": ("with",),
}

#: Fields a run can do without: two candidates for one of them is a warning, never a stop.
OPTIONAL: frozenset[str] = frozenset({"name", "first_name", "last_name", "requests"})
#: The name parts, found before the name so that "First name" is never a candidate for it.
_NAME_PARTS = ("first_name", "last_name")

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


def _given_elsewhere(
    source: str, field: str, headers: Sequence[str], found: Mapping[str, int]
) -> InputError | None:
    """When the column that would hold `field` was given to another field with --column."""
    keys = [header_key(header) for header in headers]
    for other, position in found.items():
        if keys[position] in ALIASES.get(field, ()) or _asks_for(field, headers[position]):
            header = clean(headers[position])
            return InputError(
                f"{source}: the column {quote(header)} would hold {FIELD_WORDS[field]}, but it "
                f"was given to {FIELD_WORDS[other]} ({column_option(other, header)}); give "
                f"{FIELD_WORDS[other]} another column, or name the column of "
                f"{FIELD_WORDS[field]} with {_suggestion(field, headers, set(found.values()))}."
            )
    return None


def _one_of(
    source: str,
    field: str,
    headers: Sequence[str],
    matches: Sequence[int],
    warnings: list[str] | None,
) -> int | None:
    """The one candidate; for an optional field, the first of several with a warning; else an
    InputError."""
    if len(matches) <= 1:
        return matches[0] if matches else None
    if field not in OPTIONAL or warnings is None:
        raise _two(source, field, headers, matches)
    places = [f"{quote(clean(headers[p]))} in {column_phrase(p)}" for p in matches]
    warnings.append(
        f"{source}: {len(matches)} columns could hold {FIELD_WORDS[field]}: "
        f"{join_words(places)}; {quote(clean(headers[matches[0]]))} was taken. Choose another "
        f"with {column_option(field, clean(headers[matches[1]]))}."
    )
    return matches[0]


def find_columns(
    source: str,
    headers: Sequence[str],
    columns: Mapping[str, str] | None = None,
    *,
    excluded: frozenset[int] = frozenset(),
    blank: frozenset[int] = frozenset(),
    origins: Mapping[str, str] | None = None,
    warnings: list[str] | None = None,
) -> dict[str, int]:
    """Field -> 0-based column position for every field found, in FIELDS order.

    A field's column is the one header that `--column` names, else the one header among its
    ALIASES, else the one question that asks for it (QUESTIONS). Two candidates stop the run,
    unless the field is OPTIONAL and `warnings` is given: then the first is taken, with a
    warning. `excluded` positions are never found by themselves (a form's response number);
    `blank` ones (no data at all) are not taken for a question. `origins` says, for a field
    whose header came from somewhere other than --column, where (for messages). The name
    parts (first and last name) are looked for before the name.
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
    order = [*_NAME_PARTS, *(field for field in FIELDS if field not in _NAME_PARTS)]
    for field in order:
        if field in found:
            continue
        # an optional field's column with no answers at all (Microsoft Forms' Name on an
        # anonymous form) leaves room for a question that asks for it
        empty = blank if field in OPTIONAL else frozenset()
        matches = [
            p
            for p, key in enumerate(keys)
            if key in ALIASES.get(field, ()) and p not in claimed | excluded | empty
        ]
        chosen = _one_of(source, field, headers, matches, warnings)
        if chosen is not None:
            found[field] = chosen
            claimed.add(chosen)
    for field in order:
        if field in found or (field == "name" and any(part in found for part in _NAME_PARTS)):
            continue
        matches = [
            p
            for p, header in enumerate(headers)
            if p not in claimed | excluded | blank and _asks_for(field, header)
        ]
        chosen = _one_of(source, field, headers, matches, warnings)
        if chosen is not None:
            found[field] = chosen
            claimed.add(chosen)
    taken = set(found.values()) | excluded  # never suggest a response number
    for field in ("id", "year", "interests"):
        if field == "id" and ("id" in found or "email" in found):
            continue
        if field not in found:
            raise _given_elsewhere(source, field, headers, found) or _missing(
                source, field, headers, taken
            )
    return {field: found[field] for field in FIELDS if field in found}
