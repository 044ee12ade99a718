"""Cleaning cells for parsing, and the small phrases that messages share."""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Sequence

from empower_cli.records import quote as quote  # one quoting for every message

#: Invisible characters that are never part of a value: removed wherever they occur.
_INVISIBLE = re.compile("[\u200b\u2060\ufeff\u00ad]")
#: Joiners matter inside some scripts' words, so they are only trimmed at the ends.
_END_JOINERS = "\u200c\u200d"
_SPACES = re.compile(r"\s+")

DELIMITER_NAMES: dict[str, str] = {",": "comma", ";": "semicolon", "\t": "tab"}


# Cells repeat a great deal (a few class years and interest labels among thousands of rows), and
# both functions are pure, so their results are remembered.
@functools.lru_cache(maxsize=1 << 16)
def clean(cell: str) -> str:
    """A cell as parsing sees it: invisible characters gone, spaces trimmed and collapsed."""
    if cell.isascii() and cell.isprintable() and "  " not in cell and cell.strip() == cell:
        return cell  # printable ASCII holds no invisible character and no space but " "
    return scrub(cell)


def scrub(cell: str) -> str:
    """`clean` without its shortcut for cells that are already clean."""
    text = _INVISIBLE.sub("", cell)
    text = _SPACES.sub(" ", text).strip()
    return text.strip(_END_JOINERS).strip()


@functools.lru_cache(maxsize=1 << 16)
def fold(cell: str) -> str:
    """A cleaned cell in a form for comparing: Unicode NFKC, case-folded."""
    return clean(unicodedata.normalize("NFKC", clean(cell)).casefold())


#: Letters that case folding and decomposition leave apart from their plain Latin letter:
#: Turkish dotless i, the Nordic o with a stroke, Polish l, Croatian d, and ligatures.
_LETTERS = str.maketrans(
    {"ı": "i", "ø": "o", "ł": "l", "đ": "d", "ð": "d", "ħ": "h", "ŧ": "t", "æ": "ae", "œ": "oe"}
)
_NOT_NAME = re.compile(r"[^\w@.'-]+")


@functools.lru_cache(maxsize=1 << 16)
def name_key(text: str) -> str:
    """A name as every file compares names (sign-ups, lock, apart and pin files, "placed with"
    answers): NFKC, case-folded (ß is ss, İ is i), accents dropped, ı ø ł đ as i o l d, and
    punctuation as single spaces. "DENIZ YILMAZ" and "Deniz Yılmaz" have one key, as do "Jose
    Nunez" and "José Núñez"."""
    if text.isascii():  # no normalising, folding past lower case or accents to drop
        return " ".join(_NOT_NAME.sub(" ", text.lower()).split())
    return full_name_key(text)


def full_name_key(text: str) -> str:
    """`name_key` without its shortcut for ASCII text."""
    folded = unicodedata.normalize("NFKD", fold(text)).translate(_LETTERS)
    plain = "".join(ch for ch in folded if not unicodedata.combining(ch))
    return " ".join(_NOT_NAME.sub(" ", plain).split())


def plural(count: int, word: str, many: str | None = None) -> str:
    """'1 student', '2 students'."""
    return f"{count} {word if count == 1 else (many or word + 's')}"


def join_words(items: Sequence[str], last: str = "and") -> str:
    """'a', 'a and b', 'a, b and c'."""
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {last} {items[-1]}"


def rows_phrase(rows: Sequence[int], limit: int = 5) -> str:
    """'row 5', 'rows 5 and 9', 'rows 2, 3, 4, 5, 6 and 3 more'."""
    shown = [str(row) for row in rows[:limit]]
    if len(rows) > limit:
        shown.append(f"{len(rows) - limit} more")
    return f"{'row' if len(rows) == 1 else 'rows'} {join_words(shown)}"


def column_letter(position: int) -> str:
    """The spreadsheet letter of a 0-based column position: 0 -> A, 27 -> AB."""
    letters = ""
    number = position + 1
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def column_phrase(position: int) -> str:
    """'column 3 (C)' for a 0-based position."""
    return f"column {position + 1} ({column_letter(position)})"


def delimiter_name(delimiter: str) -> str:
    """'comma', 'semicolon', 'tab', or the character quoted."""
    return DELIMITER_NAMES.get(delimiter, quote(delimiter))


def toml_string(text: str) -> str:
    """`text` as a TOML basic string: quoted, with backslashes, quotes and control characters
    escaped, so tomllib reads back exactly `text`."""
    out = ['"']
    for char in text:
        if char in '"\\':
            out.append("\\" + char)
        elif char == "\n":
            out.append("\\n")
        elif char == "\t":
            out.append("\\t")
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\u{ord(char):04X}")
        else:
            out.append(char)
    out.append('"')
    return "".join(out)
