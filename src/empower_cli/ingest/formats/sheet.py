"""What every format reader returns: one header row and rows of cells, plus how to read them."""

from __future__ import annotations

from dataclasses import dataclass, field

from empower_cli.ingest.read import Records


@dataclass(frozen=True, slots=True)
class Splitting:
    """How a multi-select cell is split into interest labels."""

    separator: str
    """A regular expression for what stands between two choices."""
    labels_may_hold_separator: bool = False
    """True when an option label can contain the separator (Google Forms' ', '): labels are then
    matched whole, longest first, and pieces that start in lower case continue the one before."""
    free_text_other: bool = False
    """True when the form writes an "Other:" answer's own text among the choices: labels that few
    students chose, and that the config does not list, are counted as "Other"."""


#: A plain CSV: choices separated by ';' or ','.
PLAIN = Splitting(separator=r"[;,]")


@dataclass(frozen=True, slots=True)
class Sheet:
    """A sign-up file in a known layout, reduced to one header row followed by data rows."""

    records: Records
    """The first row is the header row; every row keeps its spreadsheet row number."""
    format: str
    """The layout as a person names it: "Google Forms", "Qualtrics", "CSV", ..."""
    splitting: Splitting = PLAIN
    excluded: frozenset[int] = field(default_factory=frozenset)
    """Header positions never chosen automatically for a field (a response number, checkbox
    columns that were folded into one, a column of 'anonymous')."""
    labels: tuple[str, ...] = ()
    """Interest option labels the file itself declares (REDCap checkbox choices)."""
    notes: tuple[str, ...] = ()
    """Warnings about what the reader did (previews dropped, unfinished responses kept, ...)."""
