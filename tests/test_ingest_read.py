"""Reading sign-up files: encodings, delimiters and the shape of the rows."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from empower_cli.errors import InputError, UsageError
from empower_cli.ingest import load_cohort
from helpers_ingest import HEADER, failure, signups, write

ROWS = (
    "S1,Ana Souza,ana@x.edu,M1,Wellness; Research",
    "S2,Bo Chen,bo@x.edu,M2,Research;Wellness",
)


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def test_utf8_with_bom_is_read_silently() -> None:
    path = write("signups.csv", "\n".join((HEADER, *ROWS)), encoding="utf-8-sig")
    cohort = load_cohort(path)
    assert cohort.headers[0] == "Student ID"
    assert cohort.header_for("id") == "Student ID"
    assert (cohort.encoding, cohort.warnings) == ("utf-8-sig", ())
    assert [s.key for s in cohort.students] == ["S1", "S2"]


def test_utf16_unicode_text_is_read_silently() -> None:
    text = "\r\n".join(line.replace(",", "\t") for line in (HEADER, *ROWS)) + "\r\n"
    path = write("signups.txt", text, encoding="utf-16")
    cohort = load_cohort(path)
    assert (cohort.encoding, cohort.delimiter, cohort.warnings) == ("utf-16", "\t", ())
    assert cohort.headers == ("Student ID", "Name", "Email", "Class year", "Interests")
    assert [s.name for s in cohort.students] == ["Ana Souza", "Bo Chen"]


def test_cp1252_fallback_warns_and_names_the_option() -> None:
    text = "\n".join((HEADER, "S0,José Núñez,j@x.edu,M1,Wellness", *ROWS))
    path = write("signups.csv", text, "cp1252")
    cohort = load_cohort(path)
    assert cohort.students[0].name == "José Núñez"
    assert cohort.encoding == "cp1252"
    assert cohort.warnings == (
        "signups.csv: the file is not valid UTF-8, so it was read as Windows-1252 (cp1252); "
        "if accented letters look wrong, name the right encoding with --encoding.",
    )


def test_encoding_option_overrides_detection() -> None:
    path = write(
        "signups.csv", "\n".join((HEADER, "S0,José,j@x.edu,M1,Wellness", *ROWS)), "latin-1"
    )
    cohort = load_cohort(path, encoding="latin-1")
    assert (cohort.students[0].name, cohort.encoding, cohort.warnings) == (
        "José",
        "iso8859-1",
        (),
    )
    error = failure(lambda: load_cohort(path, encoding="utf-8"))
    assert (error.exit_code, str(error)) == (
        3,
        "signups.csv: the file is not valid utf-8 text: row 2 holds a byte that cannot be read "
        "as utf-8; leave out --encoding to let empower detect it, or save it again as "
        '"CSV UTF-8" (Excel: File > Save As > CSV UTF-8) and run again.',
    )
    error = failure(lambda: load_cohort(path, encoding="klingon"))
    assert isinstance(error, UsageError)
    assert (error.exit_code, str(error)) == (
        2,
        "--encoding 'klingon' is not an encoding Python knows "
        "(try utf-8, utf-8-sig, utf-16 or cp1252).",
    )


def test_semicolon_delimiter_is_detected() -> None:
    path = write(
        "signups.csv",
        "Student ID;Name;Email;Class year;Interests\n"
        "S1;Souza, Ana;ana@x.edu;M1;Wellness, Research\n"
        "S2;Chen, Bo;bo@x.edu;M2;Research\n",
    )
    cohort = load_cohort(path)
    assert cohort.delimiter == ";"
    assert cohort.students[0].name == "Souza, Ana"
    assert cohort.interests == ("Wellness", "Research")
    assert [s.interests for s in cohort.students] == [("Wellness", "Research"), ("Research",)]


def test_tab_delimiter_is_detected() -> None:
    path = write("signups.tsv", "\n".join(line.replace(",", "\t") for line in (HEADER, *ROWS)))
    assert load_cohort(path).delimiter == "\t"


def test_ambiguous_delimiter_is_an_error_unless_named() -> None:
    path = write(
        "signups.csv",
        "Student ID;Name, as written;Class year;Interests\n"
        "S1;Souza, Ana;M1;Wellness\n"
        "S2;Chen, Bo;M2;Research\n",
    )
    error = failure(lambda: load_cohort(path))
    assert (error.exit_code, str(error)) == (
        3,
        "signups.csv: cannot tell the delimiter: the rows split the same way on a comma and "
        "a semicolon; name it with --delimiter (for example --delimiter ';').",
    )
    cohort = load_cohort(path, delimiter=";")
    assert cohort.headers == ("Student ID", "Name, as written", "Class year", "Interests")


def test_ambiguous_delimiter_error_lists_only_the_splitting_candidates() -> None:
    path = write("signups.csv", "a;b,c\n1;2,3,4\n5;6;7,8\n")
    error = failure(lambda: load_cohort(path))
    assert str(error) == (
        "signups.csv: cannot tell the delimiter: the rows split the same way on a comma and "
        "a semicolon; name it with --delimiter (for example --delimiter ';')."
    )


def test_header_that_splits_on_nothing_is_an_error() -> None:
    error = failure(lambda: load_cohort(write("signups.csv", "just one column\nx\n")))
    assert (error.exit_code, str(error)) == (
        3,
        "signups.csv: cannot tell the delimiter: the first row holds no comma, semicolon or "
        "tab; name it with --delimiter (for example --delimiter ';').",
    )


def test_delimiter_option_is_checked() -> None:
    path = signups(*ROWS)
    assert load_cohort(path, delimiter="comma").delimiter == ","
    error = failure(lambda: load_cohort(path, delimiter=";;"))
    assert (error.exit_code, str(error)) == (
        2,
        "--delimiter ';;' cannot split cells; give one character, such as ',' or ';', "
        "or the word 'tab'.",
    )


@pytest.mark.parametrize("text", ["", "\n\n", " , ,\n\r\n"])
def test_empty_file_is_an_error(text: str) -> None:
    error = failure(lambda: load_cohort(write("signups.csv", text)))
    assert (error.exit_code, str(error)) == (3, "signups.csv: the file is empty.")


def test_header_only_is_an_error() -> None:
    error = failure(lambda: load_cohort(signups("", ",,,,")))
    assert (error.exit_code, str(error)) == (
        3,
        "signups.csv: the file has a header row but no rows of sign-ups below it.",
    )


def test_duplicate_headers_are_an_error() -> None:
    path = signups("S1,Ana,M1,M2,Wellness", header="Student ID,Name,Class year,Class year ,Topics")
    error = failure(lambda: load_cohort(path))
    assert (error.exit_code, str(error)) == (
        3,
        "signups.csv: the header 'Class year' appears twice, in column 3 (C) and column 4 (D); "
        "rename or delete one of them.",
    )


def test_ragged_rows_are_errors_with_the_row_number() -> None:
    longer = signups(ROWS[0], "", "S2,Bo,bo@x.edu,M2,Research,extra")
    error = failure(lambda: load_cohort(longer))
    assert (error.exit_code, str(error)) == (
        3,
        "signups.csv: row 4 has 6 cells but the header row has 5; check that row for a stray "
        "comma or an unclosed quote.",
    )
    shorter = write("short.csv", f"{HEADER}\n{ROWS[0]}\nS2;Bo;bo@x.edu;M2;Research\n")
    error = failure(lambda: load_cohort(shorter))
    assert str(error) == (
        "short.csv: row 3 has 1 cells but the header row has 5; check that row for a stray "
        "comma or an unclosed quote."
    )


def test_quoted_line_breaks_count_as_one_spreadsheet_row() -> None:
    path = signups('S1,"Ana\nSouza",ana@x.edu,M1,Wellness', "S2,Bo,bo@x.edu,M9,Research")
    error = failure(lambda: load_cohort(path))
    assert str(error).startswith("signups.csv: row 3, column 'Class year': 'M9' ")


def test_missing_file_is_an_input_error() -> None:
    error = failure(lambda: load_cohort(Path("nowhere.csv")))
    assert isinstance(error, InputError)
    assert (error.exit_code, str(error)) == (3, "nowhere.csv: no such file.")


def test_a_zip_archive_that_is_no_workbook_is_an_input_error() -> None:
    path = Path("signups.csv")
    path.write_bytes(b"PK\x03\x04rest of a zip")
    error = failure(lambda: load_cohort(path))
    assert (error.exit_code, str(error)) == (
        3,
        "signups.csv: the file is a zip archive but not an Excel workbook that can be read; "
        'open it in Excel, save it as "CSV UTF-8" and run again.',
    )


def test_records_keep_the_file_as_read() -> None:
    path = signups(*ROWS)
    cohort = load_cohort(path)
    assert cohort.source == "signups.csv"
    assert cohort.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert cohort.rows == tuple(tuple(row.split(",")) for row in ROWS)
    assert [(s.index, s.row) for s in cohort.students] == [(0, 2), (1, 3)]
