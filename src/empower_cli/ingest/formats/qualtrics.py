"""Qualtrics responses exported as CSV.

Signature: three header rows, export tags (`StartDate, ..., ResponseId, Q1, ...`), then the
questions' text, then ImportId JSON (`{"ImportId":"QID1"}`). The question text becomes the header
row. Preview responses (Status "Survey Preview") are dropped; unfinished ones (Finished False) are
kept with a warning. Text-entry columns (tags ending in `_TEXT`) are never taken for a field.

With "split multi-value fields into columns", each choice of a multi-select question is a column
of its own (`Q4_1`, headed `Which topics ...? - Selected Choice - Wellness`) holding the choice's
text or nothing: those columns are folded into one new column at the end, named after the
question, and kept for the rosters but never taken for a field. An export made with "Use numeric
values" holds choice codes instead of text, which cannot be read as class years or interests: it
stops with the export option that gives text.
"""

from __future__ import annotations

import re

from empower_cli.errors import InputError
from empower_cli.ingest.formats.sheet import Sheet, Splitting
from empower_cli.ingest.read import Records
from empower_cli.ingest.text import clean, fold, plural, rows_phrase

NAME = "Qualtrics"
SPLITTING = Splitting(separator=r",", labels_may_hold_separator=True, free_text_other=True)
_PREVIEW = ("survey preview", "1")
_UNFINISHED = ("false", "0")
_SPLIT_CHOICE = re.compile(r"^(.*\S)\s+-\s+Selected Choice\s+-\s+(.*\S)$", re.DOTALL)
#: Joins the choices of a split question in the folded column (labels are matched whole).
_JOIN = ","


def matches(records: Records) -> bool:
    if len(records.rows) < 3:
        return False
    tags = {fold(tag) for tag in records.rows[0][1]}
    third = records.rows[2][1]
    return "responseid" in tags and any(clean(cell).startswith('{"ImportId"') for cell in third)


def _refuse_numeric(records: Records, tags: list[str]) -> None:
    """An InputError for a "Use numeric values" export: its Status column holds codes."""
    if "status" not in tags:
        return
    status = tags.index("status")
    cells = [clean(cells[status]) for _, cells in records.rows[3:] if status < len(cells)]
    if cells and all(cell.isdigit() for cell in cells if cell):
        raise InputError(
            f"{records.source}: this Qualtrics export holds choice codes (numbers such as 1 and "
            "2) instead of the answers' text, so class years and interests cannot be read; "
            'download the data again with "Use choice text" instead of "Use numeric values".'
        )


def _fold_split(
    headers: tuple[str, ...], tags: list[str], body: list[tuple[int, tuple[str, ...]]]
) -> tuple[tuple[str, ...], list[tuple[int, tuple[str, ...]]], dict[int, str]]:
    """Split-choice columns folded into one column per question: (headers, rows, position ->
    choice label of every split column)."""
    choices: dict[int, str] = {}
    questions: dict[str, list[int]] = {}
    for position, header in enumerate(headers):
        match = _SPLIT_CHOICE.match(header)
        if match and not tags[position].endswith("_text"):
            choices[position] = clean(match.group(2))
            questions.setdefault(clean(match.group(1)), []).append(position)
    if not choices:
        return headers, body, choices
    rows = []
    for number, cells in body:
        added = [
            _JOIN.join(choices[p] for p in positions if p < len(cells) and clean(cells[p]))
            for positions in questions.values()
        ]
        rows.append((number, (*cells, *added)))
    return (*headers, *questions), rows, choices


def read(records: Records) -> Sheet:
    tags = [fold(tag) for tag in records.rows[0][1]]
    _refuse_numeric(records, tags)
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
    excluded = {p for p, tag in enumerate(tags) if tag.endswith("_text")}
    headers, body, choices = _fold_split(headers, tags, body)
    excluded |= set(choices)
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
        excluded=frozenset(excluded),
        labels=tuple(dict.fromkeys(choices.values())),
        notes=tuple(notes),
    )
