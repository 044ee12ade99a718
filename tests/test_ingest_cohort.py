"""Sign-up rows to students: keys, names, class years and interests."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from empower_cli.ingest import load_cohort
from empower_cli.ingest import read as read_module
from empower_cli.ingest.text import clean, full_name_key, name_key, scrub
from empower_cli.ingest.years import read_year
from empower_cli.records import YEARS
from helpers_ingest import failure, signups


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def test_blank_rows_are_dropped_and_odd_spaces_cleaned() -> None:
    path = signups(
        "",
        "\u00a0S1 ,Ana  Souza,ana@x.edu, m1\u200b,\u200bWellness ;  Research;",
        " , , , , ",
        "S2\u200b,Bo Chen,bo@x.edu,M2\u00a0,wellness\u00a0",
        "\t",
    )
    cohort = load_cohort(path)
    assert [(s.index, s.row, s.key, s.name, s.year) for s in cohort.students] == [
        (0, 3, "S1", "Ana Souza", "M1"),
        (1, 5, "S2", "Bo Chen", "M2"),
    ]
    assert cohort.interests == ("Wellness", "Research")
    assert cohort.students[1].interests == ("Wellness",)
    assert cohort.rows[0] == (
        "\u00a0S1 ",
        "Ana  Souza",
        "ana@x.edu",
        " m1\u200b",
        "\u200bWellness ;  Research;",
    )


def test_same_student_id_twice_names_both_rows() -> None:
    path = signups(
        "S1,Ana,ana@x.edu,M1,Wellness",
        "S2,Bo,bo@x.edu,M1,Wellness",
        "S1 ,Ana S.,ana@x.edu,M1,Wellness",
    )
    error = failure(lambda: load_cohort(path))
    assert (error.exit_code, str(error)) == (
        3,
        "signups.csv: rows 2 and 4, column 'Student ID': the same student signed up twice "
        "('S1'); keep one of the rows and run again.",
    )


def test_ids_are_compared_exactly() -> None:
    path = signups("s1,Ana,a@x.edu,M1,Wellness", "S1,Bo,b@x.edu,M1,Wellness")
    assert [s.key for s in load_cohort(path).students] == ["s1", "S1"]


def test_same_email_in_another_case_is_the_same_student() -> None:
    path = signups(
        "Ana,Ana.Souza@X.edu,M1,Wellness",
        "Bo,bo@x.edu,M1,Wellness",
        "Bo,BO@x.edu,M1,Wellness",
        "Ana,ana.souza@x.edu ,M1,Wellness",
        header="Name,Email Address,Year,Interests",
    )
    error = failure(lambda: load_cohort(path))
    assert (error.exit_code, str(error)) == (
        3,
        "signups.csv: rows 3 and 4, column 'Email Address': the same student signed up twice "
        "('bo@x.edu' and 'BO@x.edu'); keep one of the rows and run again. "
        "1 other student also appears more than once.",
    )


def test_students_are_keyed_by_folded_email_without_an_id_column() -> None:
    path = signups(
        "Ana,Ana@X.edu,M1,Wellness", "Bo,bo@x.edu,M2,Wellness", header="Name,Email,Year,Interests"
    )
    assert [s.key for s in load_cohort(path).students] == ["ana@x.edu", "bo@x.edu"]


def test_empty_key_is_an_error() -> None:
    path = signups("S1,Ana,a@x.edu,M1,Wellness", " ,Bo,b@x.edu,M1,Wellness")
    error = failure(lambda: load_cohort(path))
    assert (error.exit_code, str(error)) == (
        3,
        "signups.csv: row 3, column 'Student ID': the student id is empty; every student "
        "needs one.",
    )


SPELLINGS = [
    ("M1", "M1"),
    ("MS1", "M1"),
    ("MS-1", "M1"),
    ("m1", "M1"),
    ("First year", "M1"),
    ("1st yr", "M1"),
    ("1st year", "M1"),
    ("1", "M1"),
    ("Year 2", "M2"),
    ("2", "M2"),
    ("second-year", "M2"),
    ("M3 (clinical)", "M3"),
    ("third-year", "M3"),
    ("Third year", "M3"),
    ("Fourth Year", "M4"),
    ("ＭＳ４", "M4"),
    ("MD/PhD", "MSTP"),
    ("MD-PhD", "MSTP"),
    ("MDPhD", "MSTP"),
    ("MSTP", "MSTP"),
    ("MSTP G2", "MSTP"),
    ("PhD phase, year 2", "MSTP"),
    ("ｍｓｔｐ", "MSTP"),
]


@pytest.mark.parametrize(("raw", "year"), SPELLINGS)
def test_class_year_spellings_are_normalised(raw: str, year: str) -> None:
    assert read_year(raw).year == year


def test_class_years_in_a_file_are_normalised() -> None:
    rows = [f'S{i},N{i},s{i}@x.edu,"{raw}",Wellness' for i, (raw, _) in enumerate(SPELLINGS)]
    cohort = load_cohort(signups(*rows))
    assert [s.year for s in cohort.students] == [year for _, year in SPELLINGS]
    assert set(YEARS) == {s.year for s in cohort.students}


def test_one_unknown_class_year_names_row_and_column() -> None:
    path = signups("S1,Ana,a@x.edu,M1,Wellness", "S2,Bo,b@x.edu, M5 ,Wellness")
    error = failure(lambda: load_cohort(path))
    assert (error.exit_code, str(error)) == (
        3,
        "signups.csv: row 3, column 'Class year': 'M5' is not a class year empower knows "
        "(M1, M2, M3, M4, MSTP). Fix the cell, or map the value once in empower.toml: "
        'under [years.aliases] write "M5" = "M1" (with the year it means).',
    )


def test_one_ambiguous_class_year_is_not_guessed() -> None:
    path = signups("S1,Ana,a@x.edu,M1/M2,Wellness", "S2,Bo,b@x.edu,M1,Wellness")
    error = failure(lambda: load_cohort(path))
    assert (error.exit_code, str(error)) == (
        3,
        "signups.csv: row 2, column 'Class year': 'M1/M2' could be M1 or M2, and empower does "
        "not guess. Write one of M1, M2, M3, M4 or MSTP in the cell, or map the value once in "
        'empower.toml: under [years.aliases] write "M1/M2" = "M1" (with the year it means).',
    )


def test_graduation_year_says_an_option_is_needed() -> None:
    path = signups("S1,Ana,a@x.edu,Class of 2028,Wellness", "S2,Bo,b@x.edu,M1,Wellness")
    error = failure(lambda: load_cohort(path))
    assert str(error) == (
        "signups.csv: row 2, column 'Class year': 'Class of 2028' is a graduation year; give "
        "--academic-year (for example --academic-year 2026 for the academic year that starts "
        "in autumn 2026, whose M1 students are the class of 2030)."
    )


def test_unknown_and_ambiguous_class_years_come_back_as_one_table() -> None:
    path = signups(
        "S1,Ana,a@x.edu,M5,Wellness",
        "S2,Bo,b@x.edu,M1,Wellness",
        "S3,Cy,c@x.edu,M1/M2,Wellness",
        "S4,Di,d@x.edu,m5 ,Wellness",
        "S5,Ed,e@x.edu,Class of 2028,Wellness",
        "S6,Flo,f@x.edu,Research year,Wellness",
        "S7,Gus,g@x.edu,,Wellness",
    )
    error = failure(lambda: load_cohort(path))
    assert (error.exit_code, str(error)) == (
        3,
        "signups.csv: column 'Class year': 6 cells hold values that are not class years "
        "empower knows (M1, M2, M3, M4, MSTP):\n"
        "  value            cells  first row  problem\n"
        "  'M5'                 2          2  not a class year\n"
        "  'M1/M2'              1          4  could be M1 or M2\n"
        "  'Class of 2028'      1          6  a graduation year; give --academic-year\n"
        "  'Research year'      1          7  not a class year\n"
        "  (empty)              1          8  empty\n"
        "Write one of M1, M2, M3, M4 or MSTP in each of these cells, or map each value once "
        'in empower.toml: for example, under [years.aliases] write "M5" = "M1" (with the year '
        "it means). For the graduation years, give --academic-year (for example "
        "--academic-year 2026 for the academic year that starts in autumn 2026, whose M1 "
        "students are the class of 2030).",
    )


def test_interests_split_on_semicolons_and_commas_case_insensitively() -> None:
    path = signups(
        'S1,Ana,a@x.edu,M1,"Research, wellness"',
        "S2,Bo,b@x.edu,M2,Wellness;Research;research;",
        "S3,Cy,c@x.edu,M3,WELLNESS;;",
    )
    cohort = load_cohort(path)
    assert cohort.interests == ("Research", "wellness")
    assert [s.interests for s in cohort.students] == [
        ("Research", "wellness"),
        ("Research", "wellness"),
        ("wellness",),
    ]
    assert cohort.warnings == ()


def test_rare_interest_is_kept_and_warned_about() -> None:
    rows = [f"S{i},N{i},s{i}@x.edu,M1,Wellness" for i in range(3)]
    rows += ["S8,Ana,a@x.edu,M2,Welness;Research", "S9,Bo,b@x.edu,M2,Research"]
    cohort = load_cohort(signups(*rows))
    assert cohort.interests == ("Wellness", "Welness", "Research")
    assert cohort.students[3].interests == ("Welness", "Research")
    assert cohort.warnings == (
        "signups.csv: only 1 student chose the interest 'Welness' (row 5); it is kept as an "
        "interest of its own, but it may be a typo for 'Wellness'.",
    )


def test_interest_under_one_percent_is_rare() -> None:
    rows = [f"S{i},N{i},s{i}@x.edu,M1,Wellness" for i in range(300)]
    rows += ["S998,Ana,a@x.edu,M2,Art", "S999,Bo,b@x.edu,M2,Art"]
    cohort = load_cohort(signups(*rows))
    assert cohort.warnings == (
        "signups.csv: only 2 students chose the interest 'Art' (rows 302 and 303); it is kept "
        "as an interest of its own, but check that it is not a typo.",
    )


def test_many_rare_interests_share_one_warning() -> None:
    rows = [f"S{i},N{i},s{i}@x.edu,M1,Topic {i}" for i in range(7)]
    cohort = load_cohort(signups(*rows))
    assert len(cohort.interests) == 7
    assert cohort.warnings == (
        "signups.csv: 7 interests are each chosen by very few students ('Topic 0', 'Topic 1', "
        "'Topic 2', 'Topic 3', 'Topic 4' and 2 more); they are kept as interests of their "
        "own, but check them for typos.",
    )


def test_students_with_no_interests_are_kept_with_one_warning() -> None:
    rows = [f"S{i},N{i},s{i}@x.edu,M1,{'Wellness' if i < 2 else ' ; '}" for i in range(9)]
    cohort = load_cohort(signups(*rows))
    assert len(cohort.students) == 9
    assert cohort.students[4].interests == ()
    assert cohort.warnings == (
        "signups.csv: 7 students chose no interests (rows 4, 5, 6, 7, 8 and 2 more); they are "
        "kept and placed by class year alone.",
    )


def test_one_student_with_no_interests() -> None:
    path = signups("S1,Ana,a@x.edu,M1,Wellness", "S2,Bo,b@x.edu,M1,Wellness", "S3,Cy,c@x.edu,M1,")
    assert load_cohort(path).warnings == (
        "signups.csv: 1 student chose no interests (row 4); the student is kept and placed by "
        "class year alone.",
    )


def test_formula_looking_cells_are_kept_as_text() -> None:
    path = signups(
        '-12,"=HYPERLINK(""http://x"",""a"")",+a@x.edu,M1,@Wellness',
        "0012,=1+1,b@x.edu,M2,@Wellness",
    )
    cohort = load_cohort(path)
    assert [(s.key, s.name) for s in cohort.students] == [
        ("-12", '=HYPERLINK("http://x","a")'),
        ("0012", "=1+1"),
    ]
    assert cohort.interests == ("@Wellness",)
    assert cohort.rows[0][2] == "+a@x.edu"


def test_accented_names_are_kept_exactly() -> None:
    decomposed = unicodedata.normalize("NFD", "Zoë Ångström")
    names = ["Deniz Yılmaz", "Vũ Thanh Tùng", "José Ñúñez", decomposed, "Łucja Żółć"]
    rows = [f"S{i},{name},s{i}@x.edu,M1,Wellness" for i, name in enumerate(names)]
    cohort = load_cohort(signups(*rows))
    assert [s.name for s in cohort.students] == names
    assert [row[1] for row in cohort.rows] == names


_ODD = "aZ 1\t\n\r\x0b\x1f\x7f\u00a0\u200b\u200c\u2060\ufeffé"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(_ODD), max_size=8))
def test_clean_shortcut_gives_what_the_full_cleaning_gives(cell: str) -> None:
    """A cell that `clean` returns untouched is one the full cleaning leaves as it is."""
    assert clean(cell) == scrub(cell)


_NAMEY = "aZ 1\t\x1f.'-@_,;(é\u00a0\u200b"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(_NAMEY), max_size=10))
def test_name_key_shortcut_gives_what_the_full_key_gives(text: str) -> None:
    assert name_key(text) == full_name_key(text)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet=st.sampled_from(_ODD), max_size=3), min_size=1, max_size=3))
def test_a_row_is_blank_when_every_cell_cleans_to_nothing(cells: list[str]) -> None:
    assert read_module._is_blank(cells) == all(not clean(cell) for cell in cells)
