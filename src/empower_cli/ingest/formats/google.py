"""Google Forms responses downloaded as CSV from Forms or Sheets.

Signature: the first header is `Timestamp`. Headers are the questions' own text; a checkbox
question's choices share one cell, joined with ', ', and an option label may itself hold a comma.
"""

from __future__ import annotations

from empower_cli.ingest.formats.sheet import Sheet, Splitting
from empower_cli.ingest.read import Records
from empower_cli.ingest.text import fold

NAME = "Google Forms"
SPLITTING = Splitting(separator=r";|,\s+", labels_may_hold_separator=True, free_text_other=True)


def matches(records: Records) -> bool:
    headers = records.rows[0][1]
    return bool(headers) and fold(headers[0]) == "timestamp"


def read(records: Records) -> Sheet:
    return Sheet(records=records, format=NAME, splitting=SPLITTING)
