"""Microsoft Forms responses downloaded as an .xlsx workbook.

Signature: the headers begin `ID, Start time, Completion time, Email, Name`. `ID` numbers the
responses (it is not a student id), anonymous forms write `anonymous` as every Email, choices are
joined with ';' with one after the last, and times may arrive as Excel serial numbers. A quiz adds
"Points - <question>" and "Feedback - <question>" columns, which are never taken for a field.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace

from empower_cli.ingest.formats.sheet import Sheet, Splitting
from empower_cli.ingest.read import Records
from empower_cli.ingest.text import fold

NAME = "Microsoft Forms"
SPLITTING = Splitting(separator=r";", free_text_other=True)
_SIGNATURE = ("id", "start time", "completion time", "email", "name")
_TIMES = ("start time", "completion time", "last modified time")
#: Quiz columns beside each question ("Points - What year ...?"), never a field's column.
_QUIZ = re.compile(r"^(?:points|feedback)\s+-\s|^total points$|^quiz feedback$")
_SERIAL = re.compile(r"\d{4,6}(\.\d+)?")
_EXCEL_EPOCH = dt.datetime(1899, 12, 30)


def matches(records: Records) -> bool:
    headers = tuple(fold(header) for header in records.rows[0][1])
    return headers[: len(_SIGNATURE)] == _SIGNATURE


def _time(cell: str) -> str:
    """An Excel serial date (days since 1899-12-30) as ISO text; anything else unchanged."""
    if not _SERIAL.fullmatch(cell.strip()):
        return cell
    moment = _EXCEL_EPOCH + dt.timedelta(days=float(cell))
    return moment.isoformat(sep=" ", timespec="seconds")


def read(records: Records) -> Sheet:
    headers = [fold(header) for header in records.rows[0][1]]
    times = [p for p, header in enumerate(headers) if header in _TIMES]
    rows = [records.rows[0]]
    for number, cells in records.rows[1:]:
        fixed = list(cells)
        for p in times:
            if p < len(fixed):
                fixed[p] = _time(fixed[p])
        rows.append((number, tuple(fixed)))
    excluded = {0}  # the response number
    excluded.update(p for p, header in enumerate(headers) if _QUIZ.search(header))
    email = headers.index("email")
    if all(fold(cells[email]) in ("", "anonymous") for _, cells in rows[1:] if email < len(cells)):
        excluded.add(email)
    return Sheet(
        records=replace(records, rows=tuple(rows)),
        format=NAME,
        splitting=SPLITTING,
        excluded=frozenset(excluded),
    )
