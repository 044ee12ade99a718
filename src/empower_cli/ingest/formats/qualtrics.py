"""Qualtrics responses exported as CSV.

Signature: three header rows, export tags (`StartDate, ..., ResponseId, Q1, ...`), then the
questions' text, then ImportId JSON (`{"ImportId":"QID1"}`). The question text becomes the header
row. Preview responses (Status "Survey Preview") are dropped; unfinished ones (Finished False) are
kept with a warning. Text-entry columns (tags ending in `_TEXT`) are never taken for a field.
"""

from __future__ import annotations

from empower_cli.ingest.formats.sheet import Sheet, Splitting
from empower_cli.ingest.read import Records
from empower_cli.ingest.text import clean, fold, plural, rows_phrase

NAME = "Qualtrics"
SPLITTING = Splitting(separator=r",", labels_may_hold_separator=True, free_text_other=True)
_PREVIEW = ("survey preview", "1")
_UNFINISHED = ("false", "0")


def matches(records: Records) -> bool:
    if len(records.rows) < 3:
        return False
    tags = {fold(tag) for tag in records.rows[0][1]}
    third = records.rows[2][1]
    return "responseid" in tags and any(clean(cell).startswith('{"ImportId"') for cell in third)


def read(records: Records) -> Sheet:
    tags = [fold(tag) for tag in records.rows[0][1]]
    questions = records.rows[1][1]
    headers = tuple(
        clean(question) or clean(tag)
        for question, tag in zip(questions, records.rows[0][1], strict=False)
    )
    body = list(records.rows[3:])
    notes: list[str] = []
    source = records.source
    if "status" in tags:
        status = tags.index("status")
        previews = [
            n for n, cells in body if status < len(cells) and fold(cells[status]) in _PREVIEW
        ]
        if previews:
            body = [(n, cells) for n, cells in body if n not in set(previews)]
            notes.append(
                f"{source}: {plural(len(previews), 'survey preview')} "
                f"({rows_phrase(previews)}) {'was' if len(previews) == 1 else 'were'} left out."
            )
    if "finished" in tags:
        finished = tags.index("finished")
        unfinished = [
            n for n, cells in body if finished < len(cells) and fold(cells[finished]) in _UNFINISHED
        ]
        if unfinished:
            one = len(unfinished) == 1
            notes.append(
                f"{source}: {plural(len(unfinished), 'response')} {'is' if one else 'are'} "
                f"unfinished ({rows_phrase(unfinished)}); kept as answered. Delete "
                f"{'that row' if one else 'those rows'} to leave them out."
            )
    excluded = frozenset(p for p, tag in enumerate(tags) if tag.endswith("_text"))
    return Sheet(
        records=Records(
            source=source,
            sha256=records.sha256,
            encoding=records.encoding,
            delimiter=records.delimiter,
            rows=((records.rows[1][0], headers), *body),
            warnings=records.warnings,
        ),
        format=NAME,
        splitting=SPLITTING,
        excluded=excluded,
        notes=tuple(notes),
    )
