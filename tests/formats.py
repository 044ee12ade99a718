"""Sign-up exports written the way each form tool writes them, with the truth kept beside them.

`people(n)` draws a deterministic cohort (accented names, class years, interests from a form's long
option labels, a few "Other:" answers). Each writer puts one export of those people in a folder and
returns an `Export`: the file, the header holding the student key, and each key's true class year
and interests, so a test can score rosters against what the file really holds.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from openpyxl import Workbook

OTHER = "Other"

#: A real form's checkbox options; three hold a comma.
LABELS: tuple[str, ...] = (
    "Discovering my path (extracurriculars & research)",
    "Wellness, balance and burnout",
    "Academic success",
    "Clinical skills, rotations and shelf exams",
    "Research",
    "Family, relationships and life outside medicine",
)
FREE_TEXT = ("Global health", "Sports medicine", "Writing poetry", "Rural practice")

FIRST = (
    "José",
    "Zoë",
    "François",
    "Søren",
    "Chloé",
    "Ñuño",
    "Björn",
    "Aoife",
    "Máire",
    "Renée",
    "Maya",
    "Liam",
    "Priya",
    "Omar",
    "Grace",
    "Tomás",
    "Inés",
    "Noah",
    "Amélie",
    "Kwame",
)
LAST = (
    "Núñez",
    "Ødegaard",
    "Müller",
    "Åberg",
    "Dubois",
    "García",
    "Strauß",
    "Ní Bhriain",
    "O'Connor",
    "Łukasiewicz",
    "Nguyễn",
    "Smith",
    "Okafor",
    "Haddad",
    "Ibáñez",
    "Çelik",
)
#: Names a Windows code page cannot hold are left out of cp1252 files.
CP1252_SAFE = ("Łukasiewicz", "Nguyễn")

YEARS = ("M1", "M2", "M3", "M4", "MSTP")
#: Ways students write each class year, as FORMATS.md lists them.
SPELLINGS: dict[str, tuple[str, ...]] = {
    "M1": ("M1", "MS1", "ms-1", "First year", "1st yr", "Year 1", "M1 (preclinical)"),
    "M2": ("M2", "MS-2", "Second year", "2nd year", "Year 2", "ＭＳ２"),
    "M3": ("M3", "M3 (clinical)", "Third year", "3rd yr", "MS3"),
    "M4": ("M4", "MS4", "Fourth year", "4th year", "Year 4"),
    "MSTP": ("MSTP", "MD/PhD", "MD-PhD", "MSTP G2", "PhD phase, year 2"),
}
QUESTION_NAME = "What is your full name?"
QUESTION_EMAIL = "What is your school email address?"
QUESTION_YEAR = "What year are you currently in?"
QUESTION_TOPICS = "Which topics would you most like to discuss?"


@dataclass(frozen=True)
class Person:
    name: str
    email: str
    year: str
    spelled: str
    """The class year as this student wrote it."""
    choices: tuple[str, ...]
    """Option labels in form order."""
    other: str = ""
    """An "Other:" answer's text, or ""."""

    @property
    def first(self) -> str:
        return self.name.split(" ", 1)[0]

    @property
    def last(self) -> str:
        return self.name.split(" ", 1)[1]

    @property
    def interests(self) -> frozenset[str]:
        """What the student really chose: the options, and "Other" for a free-text answer."""
        return frozenset(self.choices) | ({OTHER} if self.other else set())


@dataclass(frozen=True)
class Export:
    path: Path
    key_header: str
    """The header of the column holding each student's email, as written in the rosters."""
    truth: dict[str, tuple[str, frozenset[str]]]
    """Email (case-folded) -> (class year, interests)."""
    names: frozenset[str]
    name_header: str
    format: str
    """How empower names the layout."""
    last_header: str = ""
    """With first and last names in two columns: the last name's (name_header is the first's)."""


def people(n: int = 240, *, seed: int = 4, cp1252: bool = False) -> list[Person]:
    """n students with distinct emails, every class year, 1-3 options each, a few "Other"."""
    rng = random.Random(seed)
    last_names = [x for x in LAST if not (cp1252 and x in CP1252_SAFE)]
    out = []
    for i in range(n):
        first, last = rng.choice(FIRST), rng.choice(last_names)
        year = YEARS[rng.choices(range(5), weights=(6, 6, 5, 5, 2))[0]]
        picks = sorted(rng.sample(range(len(LABELS)), rng.choice((1, 1, 2, 2, 3))))
        other = FREE_TEXT[i // 60] if i % 60 == 7 else ""
        out.append(
            Person(
                name=f"{first} {last}",
                email=f"student{i:03d}@med.example.edu",
                year=year,
                spelled=rng.choice([x for x in SPELLINGS[year] if not cp1252 or _cp1252(x)]),
                choices=tuple(LABELS[p] for p in picks),
                other=other,
            )
        )
    return out


def _cp1252(text: str) -> bool:
    try:
        text.encode("cp1252")
    except UnicodeEncodeError:
        return False
    return True


def _export(
    path: Path,
    key_header: str,
    who: Sequence[Person],
    name_header: str,
    format: str,
    last_header: str = "",
) -> Export:
    return Export(
        last_header=last_header,
        path=path,
        key_header=key_header,
        truth={p.email.casefold(): (p.year, p.interests) for p in who},
        names=frozenset(p.name for p in who),
        name_header=name_header,
        format=format,
    )


def _csv_text(rows: Sequence[Sequence[str]], delimiter: str = ",") -> str:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue()


def _stamp(i: int) -> dt.datetime:
    return dt.datetime(2026, 8, 3, 9, 0) + dt.timedelta(minutes=37 * i)


# --- Google Forms -------------------------------------------------------------------------------

GOOGLE_HEADERS = (
    "Timestamp",
    "Email Address",
    QUESTION_NAME,
    QUESTION_YEAR,
    QUESTION_TOPICS,
    "Anything else we should know?",
)


def google_rows(who: Sequence[Person]) -> list[list[str]]:
    rows = [list(GOOGLE_HEADERS)]
    for i, p in enumerate(who):
        stamp = _stamp(i)
        topics = ", ".join([*p.choices, *([p.other] if p.other else [])])
        note = "=1+1 looks like a formula" if i == 3 else ""
        rows.append(
            [
                f"{stamp.month}/{stamp.day}/{stamp.year} {stamp:%H:%M:%S}",
                p.email,
                p.name,
                p.spelled,
                topics,
                note,
            ]
        )
    return rows


def google_csv(folder: Path, who: Sequence[Person] | None = None) -> Export:
    """Google Forms' CSV download: UTF-8 without a byte-order mark, commas."""
    who = people() if who is None else who
    path = folder / "google.csv"
    path.write_bytes(_csv_text(google_rows(who)).encode("utf-8"))
    return _export(path, "Email Address", who, QUESTION_NAME, "Google Forms")


def excel_saved(folder: Path, encoding: str, delimiter: str, *, sep_line: bool = False) -> Export:
    """The Google Forms download opened in Excel and saved again; `sep_line` starts it with
    Excel's `sep=;` line naming the delimiter."""
    who = people(cp1252=encoding == "cp1252")
    name = {"utf-8-sig": "utf8bom", "cp1252": "cp1252", "utf-16": "utf16"}[encoding]
    path = folder / f"excel-{name}-{ord(delimiter)}{'-sep' if sep_line else ''}.csv"
    first = f"sep={delimiter}\r\n" if sep_line else ""
    path.write_bytes((first + _csv_text(google_rows(who), delimiter)).encode(encoding))
    return _export(path, "Email Address", who, QUESTION_NAME, "Google Forms")


# --- Microsoft Forms ----------------------------------------------------------------------------


def msforms_xlsx(folder: Path, *, anonymous: bool = False) -> Export:
    """Microsoft Forms' .xlsx download; an anonymous form asks for the email in a question."""
    who = people(seed=5)
    book = Workbook()
    sheet = book.active
    headers = ["ID", "Start time", "Completion time", "Email", "Name"]
    if anonymous:
        headers += [QUESTION_NAME, QUESTION_EMAIL]
    headers += ["What year are you\ncurrently in?", QUESTION_TOPICS]
    sheet.append(headers)
    for i, p in enumerate(who):
        stamp = _stamp(i)
        serial = (stamp - dt.datetime(1899, 12, 30)).total_seconds() / 86400
        topics = "".join(f"{x};" for x in [*p.choices, *([p.other] if p.other else [])])
        row: list[object] = [i + 1, serial, stamp + dt.timedelta(minutes=3)]
        row += ["anonymous", "", p.name, p.email] if anonymous else [p.email, p.name]
        row += [p.spelled, topics]
        sheet.append(row)
    path = folder / ("msforms-anonymous.xlsx" if anonymous else "msforms.xlsx")
    book.save(path)
    key = QUESTION_EMAIL if anonymous else "Email"
    name = QUESTION_NAME if anonymous else "Name"
    return _export(path, key, who, name, "Microsoft Forms")


# --- Qualtrics ----------------------------------------------------------------------------------

_QUALTRICS_META = (
    ("StartDate", "Start Date", '{"ImportId":"startDate","timeZone":"America/Denver"}'),
    ("EndDate", "End Date", '{"ImportId":"endDate","timeZone":"America/Denver"}'),
    ("Status", "Response Type", '{"ImportId":"status"}'),
    ("IPAddress", "IP Address", '{"ImportId":"ipAddress"}'),
    ("Progress", "Progress", '{"ImportId":"progress"}'),
    ("Duration (in seconds)", "Duration (in seconds)", '{"ImportId":"duration"}'),
    ("Finished", "Finished", '{"ImportId":"finished"}'),
    ("RecordedDate", "Recorded Date", '{"ImportId":"recordedDate","timeZone":"America/Denver"}'),
    ("ResponseId", "Response ID", '{"ImportId":"_recordId"}'),
    ("RecipientLastName", "Recipient Last Name", '{"ImportId":"recipientLastName"}'),
    ("RecipientFirstName", "Recipient First Name", '{"ImportId":"recipientFirstName"}'),
    ("RecipientEmail", "Recipient Email", '{"ImportId":"recipientEmail"}'),
    ("ExternalReference", "External Data Reference", '{"ImportId":"externalDataReference"}'),
    ("DistributionChannel", "Distribution Channel", '{"ImportId":"distributionChannel"}'),
    ("UserLanguage", "User Language", '{"ImportId":"userLanguage"}'),
    ("Q1", QUESTION_NAME, '{"ImportId":"QID1_TEXT"}'),
    ("Q2", QUESTION_EMAIL, '{"ImportId":"QID2_TEXT"}'),
    ("Q3", QUESTION_YEAR, '{"ImportId":"QID3"}'),
    ("Q4", f"{QUESTION_TOPICS} - Selected Choice", '{"ImportId":"QID4"}'),
    ("Q4_7_TEXT", f"{QUESTION_TOPICS} - Other - Text", '{"ImportId":"QID4_7_TEXT"}'),
)
QUALTRICS_PREVIEWS = 2
QUALTRICS_UNFINISHED = (10, 11, 12)


def _qualtrics_row(i: int, p: Person, status: str, finished: bool) -> list[str]:
    stamp = _stamp(i)
    topics = ",".join([*p.choices, *([OTHER] if p.other else [])])
    return [
        f"{stamp:%Y-%m-%d %H:%M:%S}",
        f"{stamp + dt.timedelta(minutes=4):%Y-%m-%d %H:%M:%S}",
        status,
        f"10.0.{i // 250}.{i % 250}",
        "100" if finished else "71",
        "245",
        "True" if finished else "False",
        f"{stamp + dt.timedelta(minutes=4):%Y-%m-%d %H:%M:%S}",
        f"R_{i:05d}xYz",
        "",
        "",
        "",
        "",
        "anonymous",
        "EN",
        p.name,
        p.email,
        p.spelled,
        topics,
        p.other,
    ]


#: The name as a Qualtrics "form field" question, the topics split into one column per choice.
_QUALTRICS_SPLIT_META = (
    *_QUALTRICS_META[:15],
    ("Q1_1", "Your name - First name", '{"ImportId":"QID1_1"}'),
    ("Q1_2", "Your name - Last name", '{"ImportId":"QID1_2"}'),
    ("Q2", QUESTION_EMAIL, '{"ImportId":"QID2_TEXT"}'),
    ("Q3", QUESTION_YEAR, '{"ImportId":"QID3"}'),
    *(
        (f"Q4_{n}", f"{QUESTION_TOPICS} - Selected Choice - {label}", f'{{"ImportId":"QID4_{n}"}}')
        for n, label in enumerate([*LABELS, OTHER], start=1)
    ),
    ("Q4_7_TEXT", f"{QUESTION_TOPICS} - Other - Text", '{"ImportId":"QID4_7_TEXT"}'),
)


def qualtrics_split_csv(folder: Path, *, numeric: bool = False) -> Export:
    """Qualtrics with "split multi-value fields into columns" and a first/last name form field;
    `numeric` exports with "Use numeric values" (choice codes, status 0/1)."""
    who = people(seed=9)
    meta = _QUALTRICS_SPLIT_META
    rows = [[tag for tag, _, _ in meta], [q for _, q, _ in meta], [j for _, _, j in meta]]
    for i, p in enumerate(who):
        row = _qualtrics_row(i, p, "IP Address", True)[:15]
        if numeric:
            row[2], row[6] = "0", "1"
        chosen = [*p.choices, *([OTHER] if p.other else [])]
        choices = [
            (str(n) if numeric else label) if label in chosen else ""
            for n, label in enumerate([*LABELS, OTHER], start=1)
        ]
        year = str(YEARS.index(p.year) + 1) if numeric else p.spelled
        rows.append([*row, p.first, p.last, p.email, year, *choices, p.other])
    path = folder / ("qualtrics-numeric.csv" if numeric else "qualtrics-split.csv")
    path.write_bytes(_csv_text(rows).encode("utf-8-sig"))
    return _export(
        path, QUESTION_EMAIL, who, "Your name - First name", "Qualtrics", "Your name - Last name"
    )


def qualtrics_csv(folder: Path) -> Export:
    """Qualtrics' CSV export: three header rows, two previews first, a few unfinished."""
    who = people(seed=6)
    rows = [[tag for tag, _, _ in _QUALTRICS_META], [q for _, q, _ in _QUALTRICS_META]]
    rows.append([json_id for _, _, json_id in _QUALTRICS_META])
    for i in range(QUALTRICS_PREVIEWS):
        rows.append(_qualtrics_row(i, who[i], "Survey Preview", True))
    for i, p in enumerate(who):
        rows.append(_qualtrics_row(i, p, "IP Address", i not in QUALTRICS_UNFINISHED))
    path = folder / "qualtrics.csv"
    path.write_bytes(_csv_text(rows).encode("utf-8-sig"))
    return _export(path, QUESTION_EMAIL, who, QUESTION_NAME, "Qualtrics")


# --- REDCap -------------------------------------------------------------------------------------

REDCAP_YEAR_CODES = {"M1": "1", "M2": "2", "M3": "3", "M4": "4", "MSTP": "5"}
REDCAP_YEAR_LABELS = {"M1": "MS1", "M2": "MS2", "M3": "MS3", "M4": "MS4", "MSTP": "MD/PhD"}


def redcap_raw(folder: Path) -> Export:
    """A longitudinal REDCap raw export: codes, topics___1.. 0/1, a follow-up row per record."""
    who = people(seed=7)
    boxes = [f"topics___{n}" for n in range(1, len(LABELS) + 1)]
    headers = [
        "record_id",
        "redcap_event_name",
        "signup_timestamp",
        "full_name",
        "email",
        "class_year",
        *boxes,
        "signup_complete",
    ]
    rows = [headers]
    for i, p in enumerate(who):
        marks = ["1" if label in p.choices else "0" for label in LABELS]
        stamp = f"{_stamp(i):%Y-%m-%d %H:%M}"
        year = REDCAP_YEAR_CODES[p.year]
        rows.append([str(i + 1), "baseline_arm_1", stamp, p.name, p.email, year, *marks, "2"])
        if i % 3 == 0:
            rows.append([str(i + 1), "followup_arm_1", "", "", "", "", *["0"] * len(LABELS), "0"])
    path = folder / "redcap-raw.csv"
    path.write_bytes(_csv_text(rows).encode("utf-8"))
    raw_truth = [
        Person(
            name=p.name,
            email=p.email,
            year=p.year,
            spelled=p.spelled,
            choices=tuple(f"topics___{LABELS.index(x) + 1}" for x in p.choices),
        )
        for p in who
    ]
    return _export(path, "email", raw_truth, "full_name", "REDCap (raw)")


def redcap_dictionary(folder: Path, name: str = "Mentoring_DataDictionary_2026-08-01.csv") -> Path:
    """The data dictionary REDCap exports beside redcap_raw: question text and choice labels."""
    header = [
        "Variable / Field Name",
        "Form Name",
        "Section Header",
        "Field Type",
        "Field Label",
        "Choices, Calculations, OR Slider Labels",
        "Field Note",
    ]
    years = " | ".join(f"{REDCAP_YEAR_CODES[y]}, {REDCAP_YEAR_LABELS[y]}" for y in YEARS)
    topics = " | ".join(f"{n}, {label}" for n, label in enumerate(LABELS, start=1))
    rows = [
        header,
        ["record_id", "signup", "", "text", "Record ID", "", ""],
        ["signup_timestamp", "signup", "", "text", "Signed up at", "", ""],
        ["full_name", "signup", "", "text", "Full name", "", ""],
        ["email", "signup", "", "text", "Email", "", "school address"],
        ["class_year", "signup", "", "radio", "What year are you currently in?", years, ""],
        [
            "topics",
            "signup",
            "",
            "checkbox",
            "Which topics would you most like to discuss?",
            topics,
            "",
        ],
    ]
    path = folder / name
    path.write_bytes(_csv_text(rows).encode("utf-8"))
    return path


def redcap_labels(folder: Path, *, first_last: bool = False) -> Export:
    """A REDCap labels export: question text headers, (choice=Label) columns, Checked;
    `first_last` asks the name as two fields, `Last Name` before `First Name`."""
    who = people(seed=8)
    names = ["Last Name", "First Name"] if first_last else ["Full name"]
    headers = [
        "Record ID",
        "Survey Timestamp",
        *names,
        "Email",
        "Class year",
        *(f"{QUESTION_TOPICS} (choice={label})" for label in LABELS),
        "Complete?",
    ]
    rows = [headers]
    for i, p in enumerate(who):
        marks = ["Checked" if label in p.choices else "Unchecked" for label in LABELS]
        stamp = f"{_stamp(i):%Y-%m-%d %H:%M}"
        year = REDCAP_YEAR_LABELS[p.year]
        name = [p.last, p.first] if first_last else [p.name]
        rows.append([str(i + 1), stamp, *name, p.email, year, *marks, "Complete"])
    path = folder / ("redcap-labels-names.csv" if first_last else "redcap-labels.csv")
    path.write_bytes(_csv_text(rows).encode("utf-8"))
    truth = [
        Person(name=p.name, email=p.email, year=p.year, spelled=p.spelled, choices=p.choices)
        for p in who
    ]
    if first_last:
        return _export(path, "Email", truth, "First Name", "REDCap (labels)", "Last Name")
    return _export(path, "Email", truth, "Full name", "REDCap (labels)")


WRITERS: dict[str, Callable[[Path], Export]] = {
    "google": google_csv,
    "excel-utf8-bom": lambda folder: excel_saved(folder, "utf-8-sig", ","),
    "excel-cp1252": lambda folder: excel_saved(folder, "cp1252", ","),
    "excel-semicolon": lambda folder: excel_saved(folder, "utf-8-sig", ";"),
    "excel-unicode-text": lambda folder: excel_saved(folder, "utf-16", "\t"),
    "excel-sep-line": lambda folder: excel_saved(folder, "utf-8-sig", ";", sep_line=True),
    "msforms": msforms_xlsx,
    "msforms-anonymous": lambda folder: msforms_xlsx(folder, anonymous=True),
    "qualtrics": qualtrics_csv,
    "redcap-labels": redcap_labels,
    "redcap-labels-first-last": lambda folder: redcap_labels(folder, first_last=True),
    "qualtrics-split": qualtrics_split_csv,
}
"""Every export that `empower assign FILE --groups G` reads with no other flag."""
