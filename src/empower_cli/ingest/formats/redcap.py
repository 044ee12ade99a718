"""REDCap exports, raw (variable names, codes) or with labels (question text, choice labels).

Each checkbox option is a column of its own: `topics___1` holding 0/1 in a raw export,
`Which topics ...? (choice=Wellness)` holding Checked/Unchecked in a labels export. The options of
one question are folded into one new column at the end, named after the question (`topics`, or the
question text), holding the checked choices joined with '; '; the checkbox columns themselves are
kept for the rosters but never taken for a field. A raw option's label is its column name, unless
the project's data dictionary sits beside the file (dictionary.py): then the options, the folded
column and the codes of radio and dropdown fields (a coded class year) read as their labels.

Longitudinal projects repeat a record on one row per event (`redcap_event_name`): the rows of one
record become one, each cell taken from the first event that has it and a choice counted when any
event checked it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from empower_cli.ingest.formats.dictionary import CODED, Dictionary, find, read_dictionary
from empower_cli.ingest.formats.sheet import Sheet, Splitting
from empower_cli.ingest.read import Records
from empower_cli.ingest.text import clean, fold, plural

RAW = "REDCap (raw)"
LABELS = "REDCap (labels)"
SPLITTING = Splitting(separator=r";")
_RAW_BOX = re.compile(r"^([a-z][a-z0-9_]*?)___([a-z0-9_]+)$")
_LABEL_BOX = re.compile(r"^(.*\S)\s*\(choice=(.*)\)$", re.DOTALL)
_RAW_MARKS = {"0": False, "1": True, "": False}
_LABEL_MARKS = {"unchecked": False, "checked": True, "": False}
_EVENT = ("redcap_event_name", "event name")


def _boxes(
    headers: Sequence[str], pattern: re.Pattern[str], raw: bool
) -> dict[int, tuple[str, str]]:
    """Position -> (question, choice label) of every checkbox column."""
    found: dict[int, tuple[str, str]] = {}
    for position, header in enumerate(headers):
        match = pattern.match(clean(header))
        if match:
            found[position] = (match.group(1), clean(header) if raw else clean(match.group(2)))
    return found


def _marks_fit(records: Records, positions: Sequence[int], marks: dict[str, bool]) -> bool:
    return bool(positions) and all(
        fold(cells[p]) in marks
        for _, cells in records.rows[1:]
        for p in positions
        if p < len(cells)
    )


def kind(records: Records) -> str | None:
    """RAW, LABELS, or None when the file is not a REDCap export."""
    headers = records.rows[0][1]
    raw = _boxes(headers, _RAW_BOX, raw=True)
    if raw and _marks_fit(records, list(raw), _RAW_MARKS):
        return RAW
    if not raw and fold(headers[0]) == "record_id":
        return RAW
    labelled = _boxes(headers, _LABEL_BOX, raw=False)
    if labelled and _marks_fit(records, list(labelled), _LABEL_MARKS):
        return LABELS
    return None


def _merge_events(
    rows: Sequence[tuple[int, tuple[str, ...]]], boxes: dict[int, tuple[str, str]]
) -> tuple[list[tuple[int, tuple[str, ...]]], int]:
    """One row per record (the first column), and how many rows were merged into earlier ones."""
    merged: dict[str, tuple[int, list[str]]] = {}
    for number, cells in rows:
        record = clean(cells[0])
        if record not in merged:
            merged[record] = (number, list(cells))
            continue
        kept = merged[record][1]
        for p, cell in enumerate(cells):
            if p in boxes:
                if fold(cell) in ("1", "checked"):
                    kept[p] = cell
            elif not clean(kept[p]) and clean(cell):
                kept[p] = cell
    folded = [(number, tuple(cells)) for number, cells in merged.values()]
    return folded, len(rows) - len(folded)


def _decoded(
    headers: Sequence[str], rows: list[list[str]], dictionary: Dictionary, boxes: set[int]
) -> None:
    """Replace, in place, the codes of radio and dropdown fields with their labels."""
    for position, header in enumerate(headers):
        field = dictionary.field(clean(header))
        if position in boxes or field is None or field.kind not in CODED or not field.choices:
            continue
        for cells in rows:
            label = field.choice(cells[position])
            if label is not None:
                cells[position] = label


def read(records: Records, which: str) -> Sheet:
    headers = records.rows[0][1]
    raw = which == RAW
    boxes = _boxes(headers, _RAW_BOX if raw else _LABEL_BOX, raw=raw)
    body = list(records.rows[1:])
    notes: list[str] = []
    dictionary: Dictionary | None = None
    if raw:
        found = find(Path(records.source))
        if found is not None:
            dictionary = read_dictionary(found)
            which = f"{RAW} with the data dictionary {found.name}"
            for position, (question, header) in boxes.items():
                field = dictionary.field(question)
                code = header.rpartition("___")[2]
                label = field.choice(code) if field is not None else None
                boxes[position] = (question, label or header)
    folded_headers = [fold(header) for header in headers]
    if any(name in folded_headers for name in _EVENT):
        body, dropped = _merge_events(body, boxes)
        if dropped:
            notes.append(
                f"{records.source}: {plural(dropped, 'row')} of later events "
                f"{'was' if dropped == 1 else 'were'} merged into the first row of the same "
                "record, so each record is one student."
            )
    questions: dict[str, list[int]] = {}
    for position, (question, _) in boxes.items():
        questions.setdefault(question, []).append(position)
    new_headers = list(headers)
    rows = [list(cells) for _, cells in body]
    for question, positions in questions.items():
        field = dictionary.field(question) if dictionary is not None else None
        new_headers.append(field.label if field is not None and field.label else question)
        for cells in rows:
            chosen = [boxes[p][1] for p in positions if fold(cells[p]) in ("1", "checked")]
            cells.append("; ".join(chosen))
    if dictionary is not None:
        _decoded(headers, rows, dictionary, set(boxes))
    labels = tuple(label for _, label in boxes.values())
    return Sheet(
        records=replace(
            records,
            rows=(
                (records.rows[0][0], tuple(new_headers)),
                *((number, tuple(cells)) for (number, _), cells in zip(body, rows, strict=True)),
            ),
        ),
        format=which,
        splitting=SPLITTING,
        excluded=frozenset(boxes),
        labels=labels,
        notes=tuple(notes),
    )
