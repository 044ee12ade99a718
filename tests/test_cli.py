"""`empower assign` end to end: files written, exit codes, exact messages on stderr.

Typer here ships Click 8.2+ behaviour: `result.stderr` holds stderr alone and `result.output`
holds stdout and stderr interleaved, so error text is asserted on `result.stderr`.
"""

from __future__ import annotations

import csv
import gc
import hashlib
import io
import json
import re
import shutil
import subprocess
import sys
import zipfile
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from empower_cli import solve as solve_module
from empower_cli.cli import app
from empower_cli.errors import COMMAND_EXIT_CODES
from empower_cli.solve import default_workers

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples"
SIGNUPS = EXAMPLES / "signups.csv"
LOCKS = EXAMPLES / "locks.csv"
YARDSTICK = REPO.parent / "shared" / "yardstick.py"
BOM = b"\xef\xbb\xbf"
#: First characters a spreadsheet would run as a formula (OWASP), full-width forms included.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")

runner = CliRunner()


def invoke(*args: str | Path):
    """Run the app in-process; any exception other than SystemExit fails the test loudly."""
    result = runner.invoke(app, [str(arg) for arg in args], catch_exceptions=False)
    assert "Traceback" not in result.output
    return result


def read_csv(path: Path) -> list[list[str]]:
    data = path.read_bytes()
    assert data.startswith(BOM), f"{path.name} has no byte-order mark"
    return list(csv.reader(io.StringIO(data[len(BOM) :].decode("utf-8"), newline="")))


def shown(cell: str) -> str:
    """How a cell of the input is expected in an output CSV (formula-like cells get a quote)."""
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell


def listing() -> list[str]:
    """The names in the current folder, hidden ones included."""
    return sorted(path.name for path in Path.cwd().iterdir())


def tree(folder: Path) -> dict[str, bytes]:
    """Every file under `folder` (hidden ones too), relative path -> bytes."""
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def roster_files(folder: Path) -> dict[str, bytes]:
    """The files that must not change between two runs with the same seed (not the manifest,
    which records times and the output path)."""
    return {name: data for name, data in tree(folder).items() if name.endswith(".csv")}


# --- the example run ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory):
    """One run on the example files: (result, output folder)."""
    out = tmp_path_factory.mktemp("example") / "rosters"
    result = invoke("assign", SIGNUPS, "--lock", LOCKS, "-o", out, "--seed", "0")
    return result, out


def test_example_run_succeeds_and_says_proven_optimal(example) -> None:
    result, _ = example

    assert result.exit_code == 0, result.output
    assert "proven optimal" in result.stdout
    assert "19 groups of 15–16" in " ".join(result.stdout.split())
    assert result.stderr == ""


def test_example_run_writes_exactly_these_files(example) -> None:
    _, out = example

    names = sorted(path.name for path in out.iterdir())

    groups = [f"group-{g:02d}.csv" for g in range(1, 20)]
    written = ["assignments.csv", *groups, "summary.csv", "rosters.xlsx", "report.html"]
    assert names == sorted([*written, "manifest.json"])
    assert not [p for p in out.parent.iterdir() if p.name.startswith(".")]  # no temp folder left


def test_assignments_keep_every_row_and_column_and_add_the_group(example) -> None:
    _, out = example
    with SIGNUPS.open(newline="", encoding="utf-8") as handle:
        header, *rows = list(csv.reader(handle))

    written_header, *written = read_csv(out / "assignments.csv")

    assert written_header == [*header, "group"]
    assert len(written) == len(rows) == 300
    for original, row in zip(rows, written, strict=True):
        assert row[:-1] == [shown(cell) for cell in original]
        assert 1 <= int(row[-1]) <= 19
    # One note starts with '-' and must come out escaped.
    assert any(row[-2].startswith("'-") for row in written)


def test_group_files_split_the_assignments_by_group(example) -> None:
    _, out = example
    header, *everyone = read_csv(out / "assignments.csv")

    for g in range(1, 20):
        group_header, *members = read_csv(out / f"group-{g:02d}.csv")
        assert group_header == header
        assert members == [row for row in everyone if row[-1] == str(g)]
        assert len(members) in (15, 16)


def test_above_60_groups_the_group_files_are_one_zip_with_the_same_rosters(
    tmp_path: Path,
) -> None:
    outs = [tmp_path / "a", tmp_path / "b"]
    for out in outs:
        result = invoke("assign", SIGNUPS, "--groups", "61", "-o", out, "--no-workbook")
        assert result.exit_code == 0, result.output
    out = outs[0]
    assert sorted(p.name for p in out.iterdir()) == [
        "assignments.csv", "groups.zip", "manifest.json", "report.html", "summary.csv",
    ]  # fmt: skip
    assert "(assignments.csv, groups.zip with 61 group files, summary.csv" in " ".join(
        result.stdout.split()
    )
    header, *everyone = read_csv(out / "assignments.csv")
    with zipfile.ZipFile(out / "groups.zip") as archive:
        assert archive.testzip() is None
        names = archive.namelist()
        assert names == [f"group-{g:02d}.csv" for g in range(1, 62)]
        for g, name in enumerate(names, start=1):
            data = archive.read(name)
            assert data.startswith(BOM)
            rows = list(csv.reader(io.StringIO(data[len(BOM) :].decode("utf-8"), newline="")))
            assert rows == [header, *(row for row in everyone if row[-1] == str(g))]
    # same rosters, same archive bytes: the entries carry no clock time
    assert (outs[0] / "groups.zip").read_bytes() == (outs[1] / "groups.zip").read_bytes()
    # the archive is empower's own, so --force replaces a folder holding it
    again = invoke("assign", SIGNUPS, "--groups", "61", "-o", out, "--no-workbook", "--force")
    assert again.exit_code == 0, again.output


def test_a_run_gives_the_cyclic_collector_back_as_it_found_it(tmp_path: Path) -> None:
    """assign collects less often and freezes its heap while it runs (heap.few_collections);
    a program that calls it many times, this test suite included, must get both undone."""
    before = gc.get_threshold()
    result = invoke("assign", SIGNUPS, "-o", tmp_path / "out", "--no-workbook", "--no-report")
    assert result.exit_code == 0, result.output
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_summary_has_one_row_per_group_with_sizes_and_counts(example) -> None:
    _, out = example

    header, *rows = read_csv(out / "summary.csv")

    assert header[:7] == ["group", "size", "M1", "M2", "M3", "M4", "MSTP"]
    assert sorted(header[7:]) == sorted(
        ["Academic success", "Research & extracurriculars", "Wellness", "Clinical environment"]
    )
    assert [row[0] for row in rows] == [str(g) for g in range(1, 20)]
    assert sum(int(row[1]) for row in rows) == 300
    year_totals = [sum(int(row[i]) for row in rows) for i in range(2, 7)]
    assert year_totals == [90, 81, 60, 45, 24]


def test_manifest_records_the_run_without_student_data(example) -> None:
    _, out = example
    text = (out / "manifest.json").read_text(encoding="utf-8")

    manifest = json.loads(text)

    assert set(manifest) == {
        "balance",
        "counts",
        "families",
        "input",
        "options",
        "rules",
        "seed",
        "solver",
        "tool",
        "version",
        "wall_seconds",
        "documents_seconds",
    }
    assert manifest["tool"] == "empower"
    assert manifest["version"] == version("empower-cli")
    assert manifest["input"]["sha256"] == hashlib.sha256(SIGNUPS.read_bytes()).hexdigest()
    assert manifest["solver"]["proven_optimal"] is True
    assert manifest["solver"]["objective"] == manifest["solver"]["bound"] == 0
    assert manifest["solver"]["workers"] == default_workers()  # the threads used, not "0"
    assert manifest["balance"]["out_of_band_cells"] == 0
    assert manifest["counts"]["students"] == 300
    assert manifest["counts"]["groups"] == 19
    assert manifest["counts"]["locked_pairs"] == 10
    with SIGNUPS.open(newline="", encoding="utf-8") as handle:
        students = list(csv.DictReader(handle))
    for student in students:
        assert student["Name"] not in text
        assert student["Email"].casefold() not in text.casefold()


def test_yardstick_scores_the_example_with_nothing_out_of_band(example) -> None:
    if not YARDSTICK.is_file():
        pytest.skip(f"{YARDSTICK} is not there")
    _, out = example

    done = subprocess.run(
        [sys.executable, str(YARDSTICK), str(out / "assignments.csv"), "--lock", str(LOCKS)],
        capture_output=True,
        text=True,
        check=False,
    )

    assert done.returncode == 0, done.stdout + done.stderr
    assert "out-of-band cells 0 of" in done.stdout
    assert "students 300, groups 19, sizes 15-16" in done.stdout


def test_same_input_and_seed_give_byte_identical_rosters(example, tmp_path: Path) -> None:
    _, first = example
    second = tmp_path / "again"

    result = invoke("assign", SIGNUPS, "--lock", LOCKS, "-o", second, "--seed", "0")

    assert result.exit_code == 0, result.output
    assert roster_files(second) == roster_files(first)
    assert len(roster_files(first)) == 21  # assignments, 19 groups, summary


# --- the output folder --------------------------------------------------------------------------


@pytest.fixture
def small(in_tmp: Path, write_signups) -> Path:
    """A 12-student sign-up file in the current folder."""
    years = ["M1", "M2", "M3", "M4", "MSTP", "M1", "M2", "M3", "M1", "M2", "M1", "M4"]
    interests = [["Wellness"], ["Research"], ["Wellness", "Research"], ["Clinical"]]
    specs = [(year, interests[i % 4]) for i, year in enumerate(years)]
    return write_signups(specs)


def test_existing_output_folder_without_force_is_refused_and_left_alone(small: Path) -> None:
    assert invoke("assign", "signups.csv", "-g", "3", "-o", "out").exit_code == 0
    before = tree(Path("out"))

    result = invoke("assign", "signups.csv", "-g", "2", "-o", "out")

    assert result.exit_code == 6
    assert result.stderr == (
        "error: out: the output folder already exists; use --force to replace it, "
        "or --out to choose another.\n"
    )
    assert result.stdout == ""
    assert tree(Path("out")) == before


def test_force_replaces_an_earlier_run(small: Path) -> None:
    assert invoke("assign", "signups.csv", "-g", "3", "-o", "out").exit_code == 0

    result = invoke("assign", "signups.csv", "-g", "2", "-o", "out", "--force")

    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in Path("out").iterdir()) == [
        "assignments.csv",
        "group-01.csv",
        "group-02.csv",
        "manifest.json",
        "report.html",
        "rosters.xlsx",
        "summary.csv",
    ]
    assert json.loads(Path("out/manifest.json").read_text())["counts"]["groups"] == 2
    assert sorted(p.name for p in Path.cwd().iterdir()) == ["out", "signups.csv"]


def test_a_small_cohort_without_options_makes_one_group(small: Path) -> None:
    result = invoke("assign", "signups.csv")

    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in Path("rosters").iterdir()) == [
        "assignments.csv",
        "group-01.csv",
        "manifest.json",
        "report.html",
        "rosters.xlsx",
        "summary.csv",
    ]
    assert {row[-1] for row in read_csv(Path("rosters/assignments.csv"))[1:]} == {"1"}


# --- exit codes and messages --------------------------------------------------------------------


def failing(*args: str, code: int) -> str:
    """Run a command expected to fail with `code`; return its stderr."""
    before = listing()
    result = invoke(*args)
    assert result.exit_code == code, result.output
    assert result.stdout == ""
    assert listing() == before, "a failing run left files behind"
    return result.stderr


def test_bad_option_value_is_exit_2(small: Path) -> None:
    stderr = failing("assign", "signups.csv", "--groups", "abc", code=2)

    assert "Invalid value for '--groups'" in stderr
    assert "integer" in stderr
    assert not stderr.startswith("error: ")  # Typer's own usage message, not empower's


def test_groups_and_group_size_together_are_exit_2(small: Path) -> None:
    stderr = failing("assign", "signups.csv", "-g", "3", "-s", "4", code=2)

    assert stderr == "error: give --groups or --group-size, not both.\n"


def test_usage_errors_come_before_reading_the_file(in_tmp: Path) -> None:
    stderr = failing("assign", "missing.csv", "-g", "3", "-s", "4", code=2)

    assert stderr == "error: give --groups or --group-size, not both.\n"


def test_zero_groups_is_a_usage_error(in_tmp: Path) -> None:
    result = invoke("assign", "missing.csv", "--groups", "0")

    assert result.exit_code == 2, result.output
    assert "--groups" in result.stderr
    assert "Traceback" not in result.output


def test_bad_column_option_is_exit_2(small: Path) -> None:
    stderr = failing("assign", "signups.csv", "-g", "3", "--column", "year", code=2)

    assert stderr == (
        "error: --column 'year' is not FIELD=HEADER; write for example "
        '--column year="Class year".\n'
    )


def test_bad_year_is_exit_3_naming_file_row_and_column(in_tmp: Path, write_signups) -> None:
    write_signups(["M1", "M2", "M7", "M1"])

    stderr = failing("assign", "signups.csv", "-g", "2", code=3)

    assert stderr == (
        "error: signups.csv: row 4, column 'Class year': 'M7' is not a class year empower "
        "knows (M1, M2, M3, M4, MSTP). Fix the cell, or map the value once in empower.toml: "
        'under [years.aliases] write "M7" = "M1" (with the year it means).\n'
    )


def test_missing_signup_file_is_exit_3(in_tmp: Path) -> None:
    stderr = failing("assign", "nowhere.csv", code=3)

    assert stderr == "error: nowhere.csv: no such file.\n"


def test_unknown_student_in_a_lock_file_is_exit_3(small: Path, write_csv) -> None:
    write_csv("locks.csv", [("student_a", "student_b"), ("S001", "S002"), ("S003", "S999")])

    stderr = failing("assign", "signups.csv", "-g", "3", "--lock", "locks.csv", code=3)

    assert stderr == (
        "error: locks.csv: row 3, column 2 (B): 'S999' is not a student id, email or name in "
        "signups.csv.\n"
    )


def test_a_pair_locked_and_apart_is_exit_4(small: Path, write_csv) -> None:
    write_csv("locks.csv", [("student_a", "student_b"), ("S001", "S002")])
    write_csv("apart.csv", [("student_a", "student_b"), ("S005", "S006"), ("S002", "S001")])

    stderr = failing(
        "assign", "signups.csv", "-g", "3", "--lock", "locks.csv", "--apart", "apart.csv", code=4
    )

    assert stderr == (
        "error: Student 2 (S002) and Student 1 (S001) must be apart (apart.csv row 3) "
        "but are locked together (locks.csv row 2).\n"
    )


def test_more_groups_than_students_is_exit_4(small: Path) -> None:
    stderr = failing("assign", "signups.csv", "--groups", "13", code=4)

    assert stderr == (
        "error: 13 groups were asked for, but there are only 12 students: every group needs "
        "at least one. Use a smaller --groups.\n"
    )


def test_pin_to_a_group_that_does_not_exist_is_exit_3(small: Path, write_csv) -> None:
    write_csv("pins.csv", [("student", "group"), ("S001", "4")])

    stderr = failing("assign", "signups.csv", "-g", "3", "--pin", "pins.csv", code=3)

    assert stderr == (
        "error: pins.csv: row 2: group 4 is out of range; there are 3 groups, numbered 1 to 3.\n"
    )


def test_ctrl_c_while_solving_writes_nothing_and_exits_130(
    small: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(solve_module, "solve", interrupted)  # the pipeline imports it late

    stderr = failing("assign", "signups.csv", "-g", "3", "-o", "out", code=130)

    assert stderr == "stopped by Ctrl-C before the rosters were complete; nothing was written.\n"


@pytest.mark.parametrize(
    ("options", "code"),
    [
        (("-g", "13"), 4),
        (("-g", "3", "--lock", "missing.csv"), 3),
        (("-g", "3", "--column", "year=Nope"), 3),
        (("-g", "3", "-s", "4"), 2),
    ],
    ids=["infeasible", "missing-lock-file", "unknown-header", "usage"],
)
def test_a_failing_run_leaves_no_output_folder_and_no_temp_folder(
    small: Path, options, code
) -> None:
    result = invoke("assign", "signups.csv", "-o", "out", *options)

    assert result.exit_code == code, result.output
    assert result.stderr.startswith("error: ")
    assert listing() == ["signups.csv"]


def test_requests_are_kept_in_the_rosters(small: Path, write_csv) -> None:
    write_csv("locks.csv", [("student_a", "student_b"), ("S001", "S004"), ("S004", "S007")])
    write_csv("apart.csv", [("student_a", "student_b"), ("S002", "S003")])
    write_csv("pins.csv", [("student", "group"), ("S012", "2")])

    result = invoke(
        "assign",
        "signups.csv",
        "-g",
        "3",
        "-o",
        "out",
        "--lock",
        "locks.csv",
        "--apart",
        "apart.csv",
        "--pin",
        "pins.csv",
    )

    assert result.exit_code == 0, result.output
    _, *rows = read_csv(Path("out/assignments.csv"))
    group = {row[0]: row[-1] for row in rows}
    assert group["S001"] == group["S004"] == group["S007"]
    assert group["S002"] != group["S003"]
    assert group["S012"] == "2"
    counts = json.loads(Path("out/manifest.json").read_text())["counts"]
    assert (counts["locked_pairs"], counts["apart_pairs"], counts["pins"]) == (2, 1, 1)


def test_column_option_maps_unusual_headers(in_tmp: Path, write_signups) -> None:
    header = ("Matriculation no.", "Full name", "Cohort", "Areas of focus")
    rows = [
        (f"X{i:02d}", f"Person {i}", ["M1", "M2", "M3"][i % 3], ["Wellness", "Research"][i % 2])
        for i in range(12)
    ]
    write_signups(rows=rows, header=header)

    result = invoke(
        "assign",
        "signups.csv",
        "-g",
        "3",
        "-o",
        "out",
        "--column",
        "id=Matriculation no.",
        "--column",
        "year=Cohort",
        "--column",
        "interests=Areas of focus",
    )

    assert result.exit_code == 0, result.output
    written_header, *written = read_csv(Path("out/assignments.csv"))
    assert written_header == [*header, "group"]
    assert [row[:-1] for row in written] == [list(row) for row in rows]
    _, *summary = read_csv(Path("out/summary.csv"))
    # Four each of M1, M2 and M3 over three groups of four: every year is 1 or 2 in a group.
    assert all(sorted(row[2:5]) == ["1", "1", "2"] for row in summary)
    manifest = json.loads(Path("out/manifest.json").read_text())
    assert manifest["input"]["columns"]["year"] == "Cohort"
    assert manifest["input"]["columns"]["id"] == "Matriculation no."


def test_unusual_headers_without_column_option_say_how_to_map_them(
    in_tmp: Path, write_signups
) -> None:
    write_signups(rows=[("X1", "M1", "Wellness")], header=("Matriculation no.", "Cohort", "Areas"))

    stderr = failing("assign", "signups.csv", "-g", "1", code=3)

    assert stderr == (
        "error: signups.csv: no column holds a student id or email, which empower needs to tell "
        "students apart. The headers are: 'Matriculation no.', 'Cohort', 'Areas'. "
        'Say which one does with --column id="HEADER".\n'
    )


# --- help and version ---------------------------------------------------------------------------


def test_version_comes_from_the_installed_package() -> None:
    result = invoke("--version")

    assert result.exit_code == 0, result.output
    assert result.stdout == f"empower {version('empower-cli')}\n"


@pytest.mark.parametrize(
    ("args", "command", "codes"),
    [
        (("--help",), "assign", [0, 2, 3, 4, 5, 6, 70, 130, 141]),
        (("assign", "--help"), "assign", [0, 2, 3, 4, 5, 6, 70, 130, 141]),
        (("check", "--help"), "check", [0, 2, 3, 4, 70]),
        (("init", "--help"), "init", [0, 2, 3, 6, 70]),
        (("diff", "--help"), "diff", [0, 2, 3, 70]),
    ],
)
def test_help_lists_each_commands_own_exit_codes(args, command: str, codes: list[int]) -> None:
    result = invoke(*args)

    assert result.exit_code == 0, result.output
    lines = [line.strip() for line in result.stdout.splitlines()]
    assert "Exit codes:" in lines
    table = COMMAND_EXIT_CODES[command]
    assert [code for code, _ in table] == codes
    for code, meaning in table:
        assert f"{code}  {meaning}" in lines
    listed = [line.split()[0] for line in lines[lines.index("Exit codes:") + 1 :] if line]
    assert listed == [str(code) for code in codes]


def test_help_and_version_do_not_load_pandas_or_ortools() -> None:
    code = (
        "import sys\n"
        "from empower_cli.cli import app\n"
        "for args in (['--help'], ['--version'], ['assign', '--help'], ['check', '--help'],\n"
        "             ['init', '--help']):\n"
        "    try:\n"
        "        app(args)\n"
        "    except SystemExit as done:\n"
        "        assert done.code == 0, done.code\n"
        "heavy = sorted({'pandas', 'ortools', 'openpyxl'} & set(sys.modules))\n"
        "assert not heavy, heavy\n"
    )

    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)

    assert done.returncode == 0, done.stderr


def assign_in_a_fresh_process(tmp_path: Path, args: list[str], *checks: str) -> dict[str, Any]:
    """`assign ARGS --out r` in a new Python process, then each of `checks` (Python statements
    about sys.modules) there; returns the run's manifest."""
    code = "\n".join(
        [
            "import sys",
            "from empower_cli.cli import app",
            "try:",
            f"    app(['assign', *{args!r}, '--out', 'r'])",
            "except SystemExit as done:",
            "    assert done.code == 0, done.code",
            *checks,
        ]
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    manifest: dict[str, Any] = json.loads((tmp_path / "r" / "manifest.json").read_text("utf-8"))
    return manifest


def test_a_cohort_whose_start_is_balanced_is_done_without_loading_ortools(tmp_path: Path) -> None:
    # The example's greedy start, repaired, is perfectly balanced: proven without a model, so
    # OR-Tools (a tenth of a second of imports) is never loaded.
    args = [str(SIGNUPS), "--lock", str(LOCKS)]
    manifest = assign_in_a_fresh_process(tmp_path, args, "assert 'ortools' not in sys.modules")
    assert manifest["solver"]["proven_optimal"] is True


def test_a_split_cohort_whose_floors_are_arithmetic_is_done_without_loading_ortools(
    tmp_path: Path,
) -> None:
    # 60 groups of 5 are split into blocks (model.split); each half's shares are rounded and the
    # floors proven by arithmetic (model.shares, model.floors), so no model is built.
    manifest = assign_in_a_fresh_process(
        tmp_path,
        [str(SIGNUPS), "--groups", "60"],
        "assert 'empower_cli.model.split' in sys.modules",
        "assert 'ortools' not in sys.modules",
    )
    assert manifest["solver"]["proven_optimal"] is True


# --- the real entry points ----------------------------------------------------------------------


def run_process(command: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command, cwd=cwd, capture_output=True, text=True, encoding="utf-8", check=False
    )


def console_script() -> Path:
    """The `empower` script installed beside the Python running the tests."""
    script = shutil.which("empower", path=str(Path(sys.executable).parent))
    if script is None:
        pytest.skip("the empower console script is not installed next to this Python")
    return Path(script)


def test_python_dash_m_runs_a_whole_assignment(small: Path) -> None:
    done = run_process(
        [sys.executable, "-m", "empower_cli", "assign", "signups.csv", "-g", "3", "-o", "out"],
        cwd=small.parent,
    )

    assert done.returncode == 0, done.stdout + done.stderr
    assert "proven optimal" in done.stdout
    assert len(read_csv(small.parent / "out" / "assignments.csv")) == 13


def test_a_profiled_run_still_writes_its_profile(tmp_path: Path) -> None:
    # The entry point skips interpreter teardown with os._exit, except under a profiler,
    # which writes its report at exit.
    done = run_process(
        [sys.executable, "-m", "cProfile", "-o", "run.prof", "-m", "empower_cli", "--version"],
        cwd=tmp_path,
    )

    assert done.returncode == 0, done.stderr
    assert (tmp_path / "run.prof").stat().st_size > 0


def test_console_script_prints_the_version(tmp_path: Path) -> None:
    done = run_process([str(console_script()), "--version"], cwd=tmp_path)

    assert done.returncode == 0, done.stderr
    assert done.stdout == f"empower {version('empower-cli')}\n"


def test_console_script_reports_an_error_without_a_traceback(small: Path) -> None:
    done = run_process(
        [str(console_script()), "assign", "signups.csv", "-g", "13"], cwd=small.parent
    )

    assert done.returncode == 4
    assert "Traceback" not in done.stderr
    assert done.stderr == (
        "error: 13 groups were asked for, but there are only 12 students: every group needs "
        "at least one. Use a smaller --groups.\n"
    )
    assert not (small.parent / "rosters").exists()


def test_console_script_rejects_a_bad_option_with_exit_2(small: Path) -> None:
    done = run_process(
        [str(console_script()), "assign", "signups.csv", "--groups", "abc"], cwd=small.parent
    )

    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert re.search(r"Invalid value for '--groups'", done.stderr), done.stderr
