"""Sign-up files in the layouts form tools export, each recognised by its signature.

`read_sheet` reads the bytes (CSV text in any encoding and delimiter, or an .xlsx workbook), then
hands the rows to the first format whose signature they carry: Qualtrics, Microsoft Forms, Google
Forms, REDCap, else plain CSV. Each format is a small module with `matches`/`read` that returns a
Sheet: one header row and data rows, whatever the file looked like.
"""

from __future__ import annotations

from pathlib import Path

from empower_cli.errors import InputError, UsageError
from empower_cli.ingest.formats import google, msforms, qualtrics, redcap
from empower_cli.ingest.formats.sheet import PLAIN, Sheet, Splitting
from empower_cli.ingest.read import Records, check_widths, read_bytes, records_of, source_name
from empower_cli.ingest.text import clean, quote
from empower_cli.ingest.xlsx import ZIP_MAGIC, read_workbook

__all__ = ["PLAIN", "Sheet", "Splitting", "empty_columns", "read_sheet"]


def _records(
    path: Path, encoding: str | None, delimiter: str | None, sheet: str | None
) -> tuple[Records, str]:
    """The file's rows and what it is: "CSV" or "Excel workbook"."""
    data = read_bytes(path)  # once: the path may be a pipe
    source = source_name(path)
    if data.startswith(ZIP_MAGIC):  # a workbook: --encoding and --delimiter do not apply
        return read_workbook(data, source, sheet), "Excel workbook"
    if sheet is not None:
        raise UsageError(
            f"--sheet {quote(sheet)}: {source} is not an Excel workbook (.xlsx), so it has no "
            "sheets; leave out --sheet (or [read] sheet in empower.toml)."
        )
    return records_of(data, source, encoding=encoding, delimiter=delimiter), "CSV"


def empty_columns(records: Records) -> frozenset[int]:
    """Positions whose every data cell is blank: never a field's column when found by itself."""
    width = len(records.rows[0][1])
    return frozenset(
        p for p in range(width) if not any(clean(cells[p]) for _, cells in records.rows[1:])
    )


def _recognise(records: Records, container: str) -> Sheet:
    if qualtrics.matches(records):
        return qualtrics.read(records)
    if msforms.matches(records):
        return msforms.read(records)
    if google.matches(records):
        return google.read(records)
    which = redcap.kind(records)
    if which is not None:
        return redcap.read(records, which)
    return Sheet(records=records, format=container)


def read_sheet(
    path: Path,
    *,
    encoding: str | None = None,
    delimiter: str | None = None,
    sheet: str | None = None,
) -> Sheet:
    """The sign-up file in its own layout, turned into one header row and data rows. `sheet`
    names a workbook's sheet (default: the first)."""
    records, container = _records(path, encoding, delimiter, sheet)
    if not records.rows:
        raise InputError(f"{records.source}: the file is empty.")
    check_widths(records, len(records.rows[0][1]))
    return _recognise(records, container)
