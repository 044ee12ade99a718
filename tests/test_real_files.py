"""What a coordinator's machine throws at empower (issue 12, items 1-9): split names, other export
options, workbooks with several sheets, Excel's `sep=` line, hostile bytes, pipes, lock rows of
three, ids in another case, names compared one way, a `group` column of the file's own.
"""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import Workbook
from typer.testing import CliRunner

from empower_cli.cli import app
from empower_cli.errors import EmpowerError
from empower_cli.ingest import load_cohort, read_requests
from empower_cli.ingest.text import name_key
from formats import (
    google_rows,
    msforms_xlsx,
    people,
    qualtrics_split_csv,
    redcap_labels,
)

runner = CliRunner()
BOM = b"\xef\xbb\xbf"


def invoke(*args: str | Path, input: bytes | None = None):
    result = runner.invoke(app, [str(arg) for arg in args], input=input, catch_exceptions=False)
    assert "Traceback" not in result.output
    return result


def failure(action) -> EmpowerError:
    with pytest.raises(EmpowerError) as caught:
        action()
    return caught.value


def rows_of(path: Path) -> list[dict[str, str]]:
    data = path.read_bytes()
    assert data.startswith(BOM)
    return list(csv.DictReader(io.StringIO(data[len(BOM) :].decode("utf-8"), newline="")))


def signups(tmp_path: Path, text: str, name: str = "signups.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


PLAIN = (
    "Student ID,Name,Year,Interests\n"
    "S1010,José Núñez,M1,Research\n"
    "S1011,Deniz Yılmaz,M2,Wellness\n"
    "S1012,Søren Ødegaard,M1,Wellness\n"
    "S1013,Anna Strauß,M2,Research\n"
    "S1014,Piotr Łukasiewicz,M1,Research\n"
    "S1015,Ana Đurić,M2,Wellness\n"
)


# --- 1. first and last name in two columns ------------------------------------------------------


def test_a_redcap_labels_export_with_first_and_last_names_reads_each_name_whole(
    tmp_path: Path,
) -> None:
    export = redcap_labels(tmp_path, first_last=True)
    cohort = load_cohort(export.path)
    assert {s.name for s in cohort.students} == export.names
    assert cohort.header_for("first_name") == "First Name"
    assert cohort.header_for("last_name") == "Last Name"
    result = invoke("assign", export.path, "--groups", "12", "-o", tmp_path / "out")
    assert result.exit_code == 0, result.output


def test_two_candidates_for_an_optional_field_are_a_warning_naming_the_column_taken(
    tmp_path: Path,
) -> None:
    path = signups(tmp_path, "ID,Name,Full name,Year,Interests\nS1,Ann B,Ann Bee,M1,Research\n")
    cohort = load_cohort(path)
    assert cohort.students[0].name == "Ann B"
    assert cohort.warnings[:1] == (
        f"{path}: 2 columns could hold the name: 'Name' in column 2 (B) and 'Full name' in "
        "column 3 (C); 'Name' was taken. Choose another with --column name=\"Full name\".",
    )


# --- 2. Qualtrics export options ----------------------------------------------------------------


def test_a_qualtrics_split_choice_export_reads_each_choice_column_as_interests(
    tmp_path: Path,
) -> None:
    export = qualtrics_split_csv(tmp_path)
    cohort = load_cohort(export.path)
    truth = {email: interests for email, (_, interests) in export.truth.items()}
    email_at = cohort.headers.index(export.key_header)
    read = {
        row[email_at].casefold(): frozenset(s.interests)
        for s, row in zip(cohort.students, cohort.rows, strict=True)
    }
    full = dict(cohort.legend)
    assert {k: frozenset(full.get(x, x) for x in v) for k, v in read.items()} == truth
    assert {s.name for s in cohort.students} == export.names


def test_a_qualtrics_numeric_values_export_names_the_option_that_gives_text(
    tmp_path: Path,
) -> None:
    export = qualtrics_split_csv(tmp_path, numeric=True)
    error = failure(lambda: load_cohort(export.path))
    assert (error.exit_code, str(error)) == (
        3,
        f"{export.path}: this Qualtrics export holds choice codes (numbers such as 1 and 2) "
        "instead of the answers' text, so class years and interests cannot be read; download "
        'the data again with "Use choice text" instead of "Use numeric values".',
    )


# --- 3. workbooks: --sheet, number formats ------------------------------------------------------


def _two_sheets(tmp_path: Path) -> Path:
    book = Workbook()
    book.active.title = "Instructions"
    book.active.append(["Responses are on the next sheet."])
    sheet = book.create_sheet("Responses")
    sheet.append(["Student ID", "Name", "Year", "Interests"])
    for n, (name, year) in enumerate([("Ana", "M1"), ("Bo", "M2"), ("Cy", "M1"), ("Di", "M2")]):
        sheet.append([42 + n, name, year, "Research"])
        sheet.cell(row=n + 2, column=1).number_format = "00000"
    path = tmp_path / "two-sheets.xlsx"
    book.save(path)
    return path


def test_a_first_sheet_without_sign_ups_lists_the_sheets_and_the_sheet_line(
    tmp_path: Path,
) -> None:
    path = _two_sheets(tmp_path)
    result = invoke("check", path)
    assert result.exit_code == 3
    assert result.stderr == (
        f"error: {path}: the first sheet, 'Instructions', holds no sign-ups; the workbook's "
        "sheets are 'Instructions' and 'Responses'. Name the one to read with "
        '--sheet "Responses".\n'
    )


def test_sheet_reads_that_sheet_and_zero_padded_ids_keep_their_zeros(tmp_path: Path) -> None:
    path = _two_sheets(tmp_path)
    result = invoke("assign", path, "--sheet", "Responses", "-g", "2", "-o", tmp_path / "out")
    assert result.exit_code == 0, result.output
    ids = [row["Student ID"] for row in rows_of(tmp_path / "out" / "assignments.csv")]
    assert ids == ["00042", "00043", "00044", "00045"]
    (tmp_path / "empower.toml").write_text('[read]\nsheet = "Responses"\n', encoding="utf-8")
    assert invoke("check", path).exit_code == 0
    unknown = invoke("check", path, "--sheet", "Answers")
    assert unknown.stderr == (
        f"error: {path}: the workbook has no sheet 'Answers'; its sheets are 'Instructions' "
        "and 'Responses'.\n"
    )


@pytest.mark.parametrize("anonymous", [False, True])
def test_a_microsoft_forms_workbook_needs_no_sheet_and_reads_every_name(
    tmp_path: Path, anonymous: bool
) -> None:
    # An anonymous form's Name column is empty: the name comes from the question asking it.
    export = msforms_xlsx(tmp_path, anonymous=anonymous)
    assert {s.name for s in load_cohort(export.path).students} == export.names


# --- 4. Excel's sep= line -----------------------------------------------------------------------


def test_a_sep_line_names_the_delimiter_and_is_not_a_row(tmp_path: Path) -> None:
    text = "sep=;\r\nStudent ID;Name;Year;Interests\r\nS1;Ana, Bo;M1;Research, Wellness\r\n"
    path = signups(tmp_path, text)
    cohort = load_cohort(path)
    assert (cohort.delimiter, cohort.headers[1], cohort.students[0].name) == (
        ";",
        "Name",
        "Ana, Bo",
    )
    assert cohort.students[0].row == 2  # as Excel shows it: the sep line is hidden


# --- 5. advice that never garbles names ---------------------------------------------------------

ROWS_UTF8 = "Student ID,Name,Year,Interests\nS1,José,M1,Research\nS2,Zoë,M2,Research\n"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            b"Student ID,Name\x00,Year,Interests\nS1,Ana,M1,Research\n",
            "the file holds NUL bytes (the first on row 1), so it is not CSV text: perhaps a "
            'spreadsheet or another binary file; save it again as "CSV UTF-8" (Excel: File > '
            "Save As > CSV UTF-8) and run again.",
        ),
        (
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(range(256)) * 4,
            "the file is an old Excel 97-2003 workbook (.xls), which empower does not read; "
            'open it in Excel and save it as an Excel workbook (.xlsx) or as "CSV UTF-8".',
        ),
        (
            b"Student ID,Name,Year,Interests\nS1,\x81\x8d\x8f,M1,Research\n",
            "row 2 is neither UTF-8 nor Windows-1252 (cp1252) text; check that row, or save it "
            'again as "CSV UTF-8" (Excel: File > Save As > CSV UTF-8) and run again.',
        ),
        (
            "Student ID,Name,Year,Interests\nS1,Ana,M1,Research\n".encode("utf-16-le"),
            "the file looks like UTF-16 text without a byte-order mark; name it with "
            "--encoding utf-16-le.",
        ),
    ],
)
def test_hostile_bytes_get_a_clear_message_and_never_latin_1(
    tmp_path: Path, data: bytes, message: str
) -> None:
    path = tmp_path / "signups.csv"
    path.write_bytes(data)
    result = invoke("check", path)
    assert (result.exit_code, result.stderr) == (3, f"error: {path}: {message}\n")
    assert "latin" not in result.stderr.casefold()


def test_a_nul_in_a_cell_is_refused_even_in_the_encoding_given(tmp_path: Path) -> None:
    path = tmp_path / "signups.csv"
    path.write_bytes(b"Student ID,Name,Year,Interests\nS1\x00,Ana,M1,Research\n")
    result = invoke("check", path, "--encoding", "latin-1")
    assert result.exit_code == 3
    assert result.stderr.startswith(f"error: {path}: row 2 holds a NUL character")


def test_a_file_mixing_utf8_and_windows_rows_reads_each_row_in_its_own_encoding(
    tmp_path: Path,
) -> None:
    path = tmp_path / "signups.csv"
    path.write_bytes(ROWS_UTF8.encode("utf-8") + "S3,Chloé,M1,Research\n".encode("cp1252"))
    cohort = load_cohort(path)
    assert [s.name for s in cohort.students] == ["José", "Zoë", "Chloé"]
    assert cohort.warnings[0] == (
        f"{path}: the file mixes UTF-8 and Windows-1252 (cp1252) text: row 4 was read as "
        "Windows-1252 and the rest as UTF-8; check the accented names in those rows, and save "
        'the file as "CSV UTF-8" to silence this warning.'
    )


# --- 6. pipes, process substitution, standard input ---------------------------------------------


def test_standard_input_is_read_with_a_dash(tmp_path: Path) -> None:
    result = invoke("check", "-", input=PLAIN.encode("utf-8"))
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Read standard input as CSV (utf-8, comma-separated):")


@pytest.mark.skipif(sys.platform == "win32", reason="named pipes and bash are POSIX")
def test_a_named_pipe_and_process_substitution_are_read_once(tmp_path: Path) -> None:
    source = signups(tmp_path, PLAIN)
    pipe = tmp_path / "pipe.csv"
    os.mkfifo(pipe)
    empower = Path(sys.executable).with_name("empower")
    feeder = subprocess.Popen(["sh", "-c", f"cat '{source}' > '{pipe}'"])
    run = subprocess.run(
        [empower, "check", pipe], capture_output=True, text=True, timeout=60, check=False
    )
    feeder.wait(timeout=10)
    assert (run.returncode, run.stderr) == (0, "")
    assert "Class years (6 students):" in run.stdout
    out = tmp_path / "out"
    command = f"'{empower}' assign <(cat '{source}') -g 2 -o '{out}'"
    substituted = subprocess.run(
        ["bash", "-c", command], capture_output=True, text=True, timeout=60, check=False
    )
    assert substituted.returncode == 0, substituted.stderr
    assert len(rows_of(out / "assignments.csv")) == 6


# --- 7. lock and apart files --------------------------------------------------------------------


def test_a_lock_row_of_three_locks_all_three_and_ids_ignore_case(tmp_path: Path) -> None:
    cohort = load_cohort(signups(tmp_path, PLAIN))
    locks = signups(tmp_path, "s1010,s1011,S1012\n", "locks.csv")
    pairs = {(p.a, p.b) for p in read_requests(cohort, 2, lock=locks).locks}
    assert pairs == {(0, 1), (0, 2), (1, 2)}
    apart = signups(tmp_path, "a,b,c,reason\nS1013,S1014,s1015,rivals\n", "apart.csv")
    assert {(p.a, p.b) for p in read_requests(cohort, 2, apart=apart).aparts} == {
        (3, 4),
        (3, 5),
        (4, 5),
    }
    result = invoke(
        "assign", tmp_path / "signups.csv", "-g", "2", "--lock", locks, "-o", tmp_path / "x"
    )
    assert result.exit_code == 0, result.output


def test_names_are_compared_one_way_in_every_file(tmp_path: Path) -> None:
    placed = ["Placed with", "", "", "", "SOREN ODEGAARD", "", ""]
    text = "".join(
        f"{line},{cell}\n" for line, cell in zip(PLAIN.splitlines(), placed, strict=True)
    )
    cohort = load_cohort(signups(tmp_path, text))
    locks = signups(
        tmp_path,
        "Jose Nunez,DENIZ YILMAZ\nsoren odegaard,ANNA STRAUSS\nPiotr Lukasiewicz,Ana Duric\n",
        "locks.csv",
    )
    pairs = [(p.a, p.b) for p in read_requests(cohort, 2, lock=locks).locks]
    assert pairs == [(0, 1), (2, 3), (4, 5)]
    from empower_cli.ingest.placed import read_placed

    assert [(p.a, p.b) for p in read_placed(cohort).pairs] == [(3, 2)]
    assert name_key("İpek Ölmez") == name_key("ipek olmez")


# --- 8. a group column of the file's own --------------------------------------------------------


def test_an_existing_group_column_is_warned_about_and_the_summary_names_the_new_one(
    tmp_path: Path,
) -> None:
    text = PLAIN.replace("Interests\n", "Interests,Group\n", 1)
    text = "\n".join(line if i == 0 else line + ",old" for i, line in enumerate(text.splitlines()))
    path = signups(tmp_path, text + "\n")
    result = invoke("assign", path, "-g", "2", "-o", tmp_path / "out")
    assert result.exit_code == 0, result.output
    note = (
        f"{path} already has a column 'group', kept as it is; the new groups are in the column "
        "'group (empower)' of assignments.csv and the group files."
    )
    assert f"warning: {note}" in result.stderr
    assert note in result.stdout
    row = rows_of(tmp_path / "out" / "assignments.csv")[0]
    assert (row["Group"], row["group (empower)"] in ("1", "2")) == ("old", True)


# --- 9. a column given to another field ---------------------------------------------------------


def test_a_column_given_to_another_field_says_so(tmp_path: Path) -> None:
    path = signups(tmp_path, PLAIN)
    result = invoke("check", path, "--column", "year=Interests")
    assert result.exit_code == 3
    assert result.stderr == (
        f"error: {path}: the column 'Interests' would hold the interests, but it was given to "
        'the class year (--column year="Interests"); give the class year another column, or '
        'name the column of the interests with --column interests="HEADER".\n'
    )


def test_google_rows_with_split_names_keep_working(tmp_path: Path) -> None:
    """A Google Form asking first and last name as two questions."""
    who = people(24)
    rows = google_rows(who)
    rows[0][2:3] = ["First name", "Last name"]
    for row, p in zip(rows[1:], who, strict=True):
        row[2:3] = [p.first, p.last]
    path = tmp_path / "google.csv"
    path.write_text("\n".join(",".join(f'"{c}"' for c in r) for r in rows) + "\n", "utf-8")
    assert [s.name for s in load_cohort(path).students] == [p.name for p in who]


def test_init_with_sheet_reads_that_sheet_and_writes_it(tmp_path: Path) -> None:
    path = _two_sheets(tmp_path)
    result = invoke("init", path, "--sheet", "Responses")
    assert result.exit_code == 0, result.output
    written = (tmp_path / "empower.toml").read_text(encoding="utf-8")
    assert 'sheet = "Responses"' in written
    assert invoke("assign", path, "-g", "2", "-o", tmp_path / "out").exit_code == 0


def test_a_plain_workbook_is_named_once_in_the_reading_line(tmp_path: Path) -> None:
    path = _two_sheets(tmp_path)
    result = invoke("check", path, "--sheet", "Responses")
    assert result.exit_code == 0, result.output
    assert f"Read {path} as Excel workbook:" in result.stdout.splitlines()
