"""Each form tool's export, as `tests/formats.py` writes it, read with no flags at all.

The rosters are scored against what the file really holds (the writer's own truth, not empower's
reading of it): every group within [floor, ceil] of its share of each class year and interest.
"""

from __future__ import annotations

import csv
import io
import json
import tomllib
from collections import Counter
from dataclasses import replace
from math import ceil, floor
from pathlib import Path

import pytest
from typer.testing import CliRunner

from empower_cli.cli import app
from formats import (
    LABELS,
    QUESTION_TOPICS,
    QUESTION_YEAR,
    WRITERS,
    Export,
    google_csv,
    google_rows,
    msforms_xlsx,
    people,
    redcap_dictionary,
    redcap_raw,
)

runner = CliRunner()
GROUPS = 12
BOM = b"\xef\xbb\xbf"


def invoke(*args: str | Path):
    result = runner.invoke(app, [str(arg) for arg in args], catch_exceptions=False)
    assert "Traceback" not in result.output
    return result


def read_rows(path: Path) -> list[dict[str, str]]:
    data = path.read_bytes()
    assert data.startswith(BOM)
    return list(csv.DictReader(io.StringIO(data[len(BOM) :].decode("utf-8"), newline="")))


def out_of_band(export: Export, assignments: Path) -> int:
    """(group, category) cells outside [floor, ceil] of the ideal, by the writer's truth."""
    rows = read_rows(assignments)
    assert len(rows) == len(export.truth)
    counts: dict[str, Counter[int]] = {}
    for row in rows:
        year, interests = export.truth[row[export.key_header].casefold()]
        group = int(row["group"])
        for category in (f"year:{year}", *(f"interest:{x}" for x in interests)):
            counts.setdefault(category, Counter())[group] += 1
    bad = 0
    for per_group in counts.values():
        ideal = sum(per_group.values()) / GROUPS
        bad += sum(
            1 for g in range(1, GROUPS + 1) if not floor(ideal) <= per_group[g] <= ceil(ideal)
        )
    return bad


@pytest.fixture(scope="module")
def exports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Export]:
    """Every export, each in a folder of its own (so no empower.toml is shared)."""
    made = {}
    for name, write in WRITERS.items():
        made[name] = write(tmp_path_factory.mktemp(name))
    return made


@pytest.mark.parametrize("name", list(WRITERS))
def test_each_export_is_assigned_with_no_flags_and_balanced_by_its_truth(
    exports: dict[str, Export], name: str
) -> None:
    export = exports[name]
    out = export.path.parent / "rosters"
    result = invoke("assign", export.path, "--groups", str(GROUPS), "-o", out)
    assert result.exit_code == 0, result.output
    assert f"Read {export.path} as {export.format} (" in result.stdout
    assert out_of_band(export, out / "assignments.csv") == 0
    rows = read_rows(out / "assignments.csv")
    if export.last_header:  # first and last name in two columns
        names = {f"{row[export.name_header]} {row[export.last_header]}" for row in rows}
    else:
        names = {row[export.name_header] for row in rows}
    assert names == export.names
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["input"]["format"] == export.format
    assert manifest["input"]["columns"]["interests"].startswith(QUESTION_TOPICS)
    assert manifest["balance"]["out_of_band_cells"] == 0


@pytest.mark.parametrize("name", list(WRITERS))
def test_check_prints_the_mapping_and_the_true_counts(
    exports: dict[str, Export], name: str
) -> None:
    export = exports[name]
    result = invoke("check", export.path)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"Read {export.path} as {export.format} (")
    years = Counter(year for year, _ in export.truth.values())
    assert f"Class years ({len(export.truth)} students):" in lines
    for year in ("M1", "M2", "M3", "M4", "MSTP"):
        assert f"  {year:<4}  {years[year]:>4}" in lines
    assert lines[-1].startswith("Ready: empower assign would form ")


def test_check_on_google_forms_shows_everything_exactly(tmp_path: Path) -> None:
    export = google_csv(tmp_path, people(40))
    result = invoke("check", export.path, "--groups", "4")
    assert result.exit_code == 0, result.output
    source = export.path
    assert result.stdout == (
        f"Read {source} as Google Forms (utf-8, comma-separated):\n"
        "  name       'What is your full name?'\n"
        "  email      'Email Address'\n"
        "  year       'What year are you currently in?'\n"
        "  interests  'Which topics would you most like to discuss?'\n"
        "Class years (40 students):\n"
        "  M1       6\n"
        "  M2      16\n"
        "  M3       6\n"
        "  M4      11\n"
        "  MSTP     1\n"
        "Interests:\n"
        "  Wellness, balance and burnout    15\n"
        "  Clinical skills                   8  (Clinical skills, rotations and shelf exams)\n"
        "  Discovering my path              15  (Discovering my path (extracurriculars & "
        "research))\n"
        "  Academic success                 15\n"
        "  Research                         11\n"
        "  Other                             1\n"
        "  Family                            8  (Family, relationships and life outside "
        "medicine)\n"
        "Ready: empower assign would form 4 groups of 10 students.\n"
    )
    assert result.stderr == (
        f"warning: {source}: 1 answer that few students wrote ('Global health') is read as "
        "free text and counted as the interest 'Other'; list the form's options under "
        "[interests] labels in empower.toml to keep one as an interest of its own.\n"
    )


def test_labels_with_commas_and_other_answers_are_read_whole(tmp_path: Path) -> None:
    from empower_cli.ingest import load_cohort

    export = google_csv(tmp_path)
    cohort = load_cohort(export.path)
    full = dict(cohort.legend)
    assert sorted(full.get(label, label) for label in cohort.interests) == sorted(
        [*LABELS, "Other"]
    )
    for student in cohort.students:
        _, interests = export.truth[student.key]
        assert {full.get(x, x) for x in student.interests} == interests


def test_init_then_assign_uses_the_config(tmp_path: Path) -> None:
    export = google_csv(tmp_path)
    made = invoke("init", export.path, "--groups", str(GROUPS))
    assert made.exit_code == 0, made.output
    config = tmp_path / "empower.toml"
    assert made.stdout.endswith(
        f"Wrote {config}: the next run needs only empower assign {export.path}\n"
    )
    data = tomllib.loads(config.read_text(encoding="utf-8"))
    assert data["columns"]["year"] == QUESTION_YEAR
    assert data["groups"] == {"count": GROUPS}
    assert sorted(data["interests"]["labels"]) == sorted([*LABELS, "Other"])
    assert data["interests"]["short"]["Family, relationships and life outside medicine"] == (
        "Family"
    )

    out = tmp_path / "rosters"
    result = invoke("assign", export.path, "-o", out)
    assert result.exit_code == 0, result.output
    assert f"as Google Forms (utf-8, comma-separated), using {config}:" in result.stdout
    assert (
        "Interests:\n"
        "  Clinical skills      Clinical skills, rotations and shelf exams\n"
        "  Discovering my path  Discovering my path (extracurriculars & research)\n"
        "  Family               Family, relationships and life outside medicine\n"
    ) in result.stdout
    summary_header = read_rows(out / "summary.csv")[0]
    assert "Discovering my path" in summary_header
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["counts"]["groups"] == GROUPS
    assert manifest["input"]["config"] == str(config)
    assert out_of_band(export, out / "assignments.csv") == 0


def test_init_refuses_to_overwrite_without_force(tmp_path: Path) -> None:
    export = google_csv(tmp_path, people(30))
    config = tmp_path / "empower.toml"
    config.write_text("# mine\n", encoding="utf-8")
    result = invoke("init", export.path)
    assert result.exit_code == 6
    assert result.stderr == (
        f"error: {config} already exists; pass --force to replace it, or edit it by hand.\n"
    )
    assert config.read_text(encoding="utf-8") == "# mine\n"
    assert invoke("init", export.path, "--force").exit_code == 0
    assert "[columns]" in config.read_text(encoding="utf-8")


def test_command_line_options_win_over_the_config(tmp_path: Path) -> None:
    export = google_csv(tmp_path, people(60))
    (tmp_path / "empower.toml").write_text(
        '[groups]\ncount = 3\n\n[interests.short]\n"Academic success" = "Grades"\n',
        encoding="utf-8",
    )
    out = tmp_path / "rosters"
    result = invoke("assign", export.path, "--groups", "4", "-o", out)
    assert result.exit_code == 0, result.output
    header = read_rows(out / "summary.csv")[0]
    assert len(read_rows(out / "summary.csv")) == 4
    assert "Grades" in header and "Academic success" not in header
    assert "  Grades" in result.stdout  # the legend names the short name once


def test_redcap_raw_year_codes_stop_with_the_alias_that_fixes_them(tmp_path: Path) -> None:
    export = redcap_raw(tmp_path)
    result = invoke("assign", export.path, "--groups", str(GROUPS), "-o", tmp_path / "out")
    assert result.exit_code == 3
    fives = sum(1 for year, _ in export.truth.values() if year == "MSTP")
    first = 2 + next(i for i, (y, _) in enumerate(export.truth.values()) if y == "MSTP")
    rows_before = sum(1 for i in range(first - 2) if i % 3 == 0)  # follow-up rows above it
    assert result.stderr == (
        f"error: {export.path}: column 'class_year': {fives} cells hold values that are not "
        "class years empower knows (M1, M2, M3, M4, MSTP):\n"
        "  value  cells  first row  problem\n"
        f"  '5'    {fives:>5}  {first + rows_before:>9}  not a class year\n"
        "Write one of M1, M2, M3, M4 or MSTP in each of these cells, or map each value once in "
        'empower.toml: for example, under [years.aliases] write "5" = "M1" (with the year it '
        "means).\n"
    )
    assert not (tmp_path / "out").exists()
    (tmp_path / "empower.toml").write_text('[years.aliases]\n"5" = "MSTP"\n', encoding="utf-8")
    out = tmp_path / "rosters"
    result = invoke("assign", export.path, "--groups", str(GROUPS), "-o", out)
    assert result.exit_code == 0, result.output
    assert "REDCap (raw)" in result.stdout
    assert out_of_band(export, out / "assignments.csv") == 0
    assert len(read_rows(out / "assignments.csv")) == len(export.truth)


def test_redcap_raw_with_its_data_dictionary_needs_no_flag(tmp_path: Path) -> None:
    # The dictionary beside the export names the year codes and the checkbox options, so the
    # coded MSTP year (5) and the topics read as the form wrote them, with no alias.
    export = redcap_raw(tmp_path)
    redcap_dictionary(tmp_path)
    truth = {p.email.casefold(): (p.year, frozenset(p.choices)) for p in people(seed=7)}
    labelled = replace(export, truth=truth)
    out = tmp_path / "rosters"

    result = invoke("assign", export.path, "--groups", str(GROUPS), "-o", out)

    assert result.exit_code == 0, result.output
    assert (
        f"Read {export.path} as REDCap (raw) with the data dictionary "
        "Mentoring_DataDictionary_2026-08-01.csv (utf-8, comma-separated):"
    ) in result.stdout
    assert "  interests  'Which topics would you most like to discuss?'" in result.stdout
    assert out_of_band(labelled, out / "assignments.csv") == 0
    rows = read_rows(out / "assignments.csv")
    assert {row["class_year"] for row in rows} == {"MS1", "MS2", "MS3", "MS4", "MD/PhD"}


def test_two_data_dictionaries_beside_a_raw_export_stop_the_run(tmp_path: Path) -> None:
    export = redcap_raw(tmp_path)
    redcap_dictionary(tmp_path)
    redcap_dictionary(tmp_path, "Old_DataDictionary_2025-08-01.csv")

    result = invoke("check", export.path)

    assert result.exit_code == 3
    assert result.stderr == (
        f"error: {export.path}: 2 REDCap data dictionaries are beside it "
        "('Mentoring_DataDictionary_2026-08-01.csv' and 'Old_DataDictionary_2025-08-01.csv'); "
        "move away all but the one that belongs to this export and run again.\n"
    )


def test_a_data_dictionary_without_its_columns_is_an_input_error(tmp_path: Path) -> None:
    export = redcap_raw(tmp_path)
    (tmp_path / "Mentoring_DataDictionary.csv").write_text("name,type\nemail,text\n")

    result = invoke("assign", export.path, "--groups", str(GROUPS), "-o", tmp_path / "out")

    assert result.exit_code == 3
    assert result.stderr == (
        f"error: {tmp_path / 'Mentoring_DataDictionary.csv'}: this looks like a REDCap data "
        "dictionary, but it has no column 'variable / field name', 'field type', 'field label' "
        "and 'choices, calculations, or slider labels'; export the data dictionary again from "
        "REDCap, or move this file away from the sign-up file.\n"
    )


def _write_google(path: Path, rows: list[list[str]]) -> None:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")


def test_two_questions_about_the_year_stop_with_the_column_line(tmp_path: Path) -> None:
    rows = google_rows(people(30))
    rows[0].append("Which year did you start college?")
    for row in rows[1:]:
        row.append("2019")
    path = tmp_path / "signups.csv"
    _write_google(path, rows)
    result = invoke("check", path)
    assert result.exit_code == 3
    assert result.stderr == (
        f"error: {path}: 2 columns could hold the class year: 'What year are you currently "
        "in?' in column 4 (D) and 'Which year did you start college?' in column 7 (G). The "
        "headers are: 'Timestamp', 'Email Address', 'What is your full name?', 'What year are "
        "you currently in?', 'Which topics would you most like to discuss?', 'Anything else we "
        "should know?', 'Which year did you start college?'. Choose one with "
        '--column year="What year are you currently in?".\n'
    )
    chosen = invoke("check", path, "--column", "year=What year are you currently in?")
    assert chosen.exit_code == 0, chosen.output


def test_no_question_about_interests_stops_with_the_column_line(tmp_path: Path) -> None:
    rows = google_rows(people(30))
    rows[0][4] = "Pick some"
    path = tmp_path / "signups.csv"
    _write_google(path, rows)
    result = invoke("check", path)
    assert result.exit_code == 3
    assert result.stderr.endswith('Say which one does with --column interests="HEADER".\n')


def test_graduation_years_need_the_academic_year_and_then_read(tmp_path: Path) -> None:
    rows = google_rows(people(30))
    graduation = {"M1": "Class of 2030", "M2": "Class of 2029", "M3": "c/o 2028", "M4": "2027"}
    truth = {p.email: p.year for p in people(30)}
    for row in rows[1:]:
        row[3] = graduation.get(truth[row[1]], "MSTP")
    path = tmp_path / "signups.csv"
    _write_google(path, rows)
    result = invoke("check", path)
    assert result.exit_code == 3
    assert "give --academic-year (for example --academic-year 2026" in result.stderr
    ok = invoke("check", path, "--academic-year", "2026")
    assert ok.exit_code == 0, ok.output
    counts = Counter(truth.values())
    assert f"  M1    {counts['M1']:>4}" in ok.stdout.splitlines()
    assert f"  M4    {counts['M4']:>4}" in ok.stdout.splitlines()
    late = invoke("check", path, "--academic-year", "2030")
    assert late.exit_code == 3
    assert "graduates in 2027: not M1-M4 in 2030-31" in late.stderr


def test_an_anonymous_microsoft_form_without_an_email_question_names_the_fix(
    tmp_path: Path,
) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["ID", "Start time", "Completion time", "Email", "Name", "Class year", "Topics"])
    sheet.append([1, 46000.5, 46000.51, "anonymous", None, "M1", "Wellness;"])
    sheet.append([2, 46000.6, 46000.61, "anonymous", None, "M2", "Research;"])
    path = tmp_path / "form.xlsx"
    book.save(path)
    result = invoke("check", path)
    assert result.exit_code == 3
    assert result.stderr == (
        f"error: {path}: no column holds a student id or email, which empower needs to tell "
        "students apart. The headers are: 'ID', 'Start time', 'Completion time', 'Email', "
        "'Name', 'Class year', 'Topics'. Say which one does with --column id=\"HEADER\".\n"
    )


def test_microsoft_forms_times_and_headers_are_read_as_text(tmp_path: Path) -> None:
    from empower_cli.ingest import load_cohort

    export = msforms_xlsx(tmp_path)
    cohort = load_cohort(export.path)
    assert cohort.format == "Microsoft Forms"
    assert cohort.header_for("id") is None  # ID numbers responses, it names nobody
    assert cohort.rows[0][1] == "2026-08-03 09:00:00"  # an Excel serial time, as text
    assert cohort.rows[0][0] == "1"


def test_qualtrics_previews_are_dropped_and_unfinished_responses_warned(tmp_path: Path) -> None:
    from empower_cli.ingest import load_cohort
    from formats import qualtrics_csv

    export = qualtrics_csv(tmp_path)
    cohort = load_cohort(export.path)
    assert len(cohort.students) == len(export.truth)
    assert cohort.students[0].row == 6  # three header rows, two previews
    assert f"{export.path}: 2 survey previews (rows 4 and 5) were left out." in cohort.warnings
    assert (
        f"{export.path}: 3 responses are unfinished (rows 16, 17 and 18); kept as answered. "
        "Delete those rows to leave them out."
    ) in cohort.warnings


def test_init_keeps_the_encoding_it_was_told(tmp_path: Path) -> None:
    export = google_csv(tmp_path, people(30))
    made = invoke("init", export.path, "--encoding", "utf-8", "--delimiter", "comma")
    assert made.exit_code == 0, made.output
    data = tomllib.loads((tmp_path / "empower.toml").read_text(encoding="utf-8"))
    assert data["read"] == {"encoding": "utf-8", "delimiter": "comma"}
    assert invoke("check", export.path).exit_code == 0


def test_an_empty_workbook_is_an_input_error(tmp_path: Path) -> None:
    from openpyxl import Workbook

    path = tmp_path / "form.xlsx"
    Workbook().save(path)
    result = invoke("check", path)
    assert result.exit_code == 3
    assert result.stderr == f"error: {path}: the file is empty.\n"


def test_a_short_name_for_a_label_nobody_chose_is_warned_about(tmp_path: Path) -> None:
    export = google_csv(tmp_path, people(30))
    (tmp_path / "empower.toml").write_text(
        '[interests.short]\n"Acadmic success" = "Grades"\n', encoding="utf-8"
    )
    result = invoke("check", export.path)
    assert result.exit_code == 0, result.output
    assert (
        f"warning: {export.path}: no student chose 'Acadmic success', so its short name "
        "'Grades' is not used; check the label in [interests.short] of empower.toml.\n"
    ) in result.stderr


def test_a_microsoft_forms_quiz_keeps_its_points_columns_out_of_the_mapping(
    tmp_path: Path,
) -> None:
    from openpyxl import Workbook

    from empower_cli.ingest import load_cohort

    book = Workbook()
    sheet = book.active
    sheet.append(
        [
            "ID", "Start time", "Completion time", "Email", "Name", "Total points",
            "Quiz feedback", "What year are you currently in?",
            "Points - What year are you currently in?",
            "Feedback - What year are you currently in?", "Topics",
        ]
    )  # fmt: skip
    sheet.append([1, 46000.5, 46000.51, "zoe@x.edu", "Zoë Ødegaard", 0, "", "M1", 0, "", "A;"])
    sheet.append([2, 46000.6, 46000.61, "jose@x.edu", "José Núñez", 0, "", "M2", 0, "", "B;"])
    path = tmp_path / "quiz.xlsx"
    book.save(path)
    cohort = load_cohort(path)
    assert cohort.header_for("year") == "What year are you currently in?"
    assert [s.name for s in cohort.students] == ["Zoë Ødegaard", "José Núñez"]
