"""--balance, --balance-mean and the rules, end to end through the command line."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from empower_cli.cli import app

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples"
YARDSTICK = REPO.parent / "shared" / "yardstick.py"
HEADER = ("Student ID", "Name", "Class year", "Interests", "Gender", "Willing?", "Age")

runner = CliRunner()


def invoke(*args: str | Path):
    result = runner.invoke(app, [str(arg) for arg in args], catch_exceptions=False)
    assert "Traceback" not in result.output
    return result


def rows(n: int = 12) -> list[tuple[str, ...]]:
    genders = ["Woman", "Man", "Nonbinary"]
    return [
        (
            f"S{i:02d}",
            f"Student {i}",
            ["M1", "M2", "M3"][i % 3],
            ["Wellness", "Research"][i % 2],
            genders[(i // 3) % 3] if i < 9 else "Woman",
            "Yes" if i in (0, 5, 10) else "No",
            str(22 + i % 5),
        )
        for i in range(n)
    ]


def read(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_bytes().decode("utf-8-sig"), newline="")))


def test_balance_and_rules_reach_every_output(write_signups, in_tmp) -> None:
    signups = write_signups(rows=rows(), header=HEADER)
    result = invoke(
        "assign",
        signups,
        "--groups",
        "3",
        "--balance",
        "gender",
        "--at-least",
        "Willing?=Yes",
        "--balance-mean",
        "Age",
        "--out",
        "out",
    )
    assert result.exit_code == 0, result.output
    summary = read(in_tmp / "out" / "summary.csv")
    assert summary[0][-6:] == ["Woman", "Man", "Nonbinary", "Yes", "No", "mean Age"]
    assert all(row[-3] == "1" for row in summary[1:])  # one facilitator in each group
    manifest = json.loads((in_tmp / "out" / "manifest.json").read_text(encoding="utf-8"))
    gender = next(f for f in manifest["families"] if f["name"] == "Gender")
    assert gender["kind"] == "choice" and gender["out_of_band_cells"] == 0
    willing = next(f for f in manifest["families"] if f["name"] == "Willing?")
    assert willing["weight"] == 0
    assert manifest["rules"]["at_least"][0]["per_group"] == [1, 1]
    assert "every group has at least 1 'Willing? = Yes' (1 per group)" in result.stdout
    assert "Age: group means" in result.stdout
    ideal = next(line.split() for line in result.stdout.splitlines() if line.startswith("ideal"))
    assert ideal[-2:] == ["-", "-"]  # the rule's own column (Yes, No) has no ideal range


def test_a_cell_that_is_not_a_number_stops_balance_mean(write_signups, in_tmp) -> None:
    table = rows()
    table[4] = (*table[4][:6], "twenty")
    write_signups(rows=table, header=HEADER)
    result = invoke(
        "assign", "signups.csv", "--groups", "3", "--balance-mean", "Age", "--out", "out"
    )
    assert result.exit_code == 3
    assert result.stderr.strip() == (
        "error: signups.csv: row 6, column 'Age': 'twenty' is not a number; --balance-mean "
        "needs a number in every cell (or a blank one)."
    )
    assert not (in_tmp / "out").exists()


def test_too_few_for_at_least_exits_4_and_writes_nothing(write_signups, in_tmp) -> None:
    signups = write_signups(rows=rows(), header=HEADER)
    result = invoke(
        "assign", signups, "--groups", "4", "--at-least", "Willing?=Yes", "--out", "out"
    )
    assert result.exit_code == 4
    assert result.stderr.strip() == (
        "error: only 3 students answered Yes to 'Willing?', but 4 groups each need at least 1 "
        "(--at-least 'Willing?=Yes'). Use fewer groups, or lower N."
    )
    assert not (in_tmp / "out").exists()


def test_a_balance_column_that_is_not_there_names_the_headers(write_signups, in_tmp) -> None:
    write_signups(rows=rows(), header=HEADER)
    result = invoke("assign", "signups.csv", "--balance", "House", "--out", "out")
    assert result.exit_code == 3
    assert result.stderr.strip().startswith(
        "error: signups.csv: --balance 'House' matches no header. The headers are: 'Student ID',"
    )


def test_max_repeats_needs_an_earlier_file(write_signups, in_tmp) -> None:
    signups = write_signups(rows=rows(), header=HEADER)
    result = invoke("assign", signups, "--max-repeats", "0", "--out", "out")
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        "error: --max-repeats needs --avoid-groupmates (the assignments.csv of an earlier round)."
    )


def test_check_says_whether_each_rule_can_hold(write_signups, in_tmp) -> None:
    signups = write_signups(rows=rows(), header=HEADER)
    result = invoke(
        "check",
        signups,
        "--groups",
        "3",
        "--balance",
        "Gender",
        "--at-least",
        "Willing?=Yes",
        "--no-lone",
        "Gender=Nonbinary",
    )
    assert result.exit_code == 0, result.output
    assert "Gender (balanced):" in result.stdout
    assert "Willing? (for a rule only, not balanced):" in result.stdout
    assert "Willing? = Yes: 3 students for 3 groups: at least 1 per group can hold" in result.stdout
    assert (
        "Gender = Nonbinary: 3 students for 3 groups: nobody alone can hold (at most 1 group "
        "can hold any)" in result.stdout
    )


def test_the_example_with_every_rule_agrees_with_the_yardstick(in_tmp) -> None:
    result = invoke(
        "assign",
        EXAMPLES / "signups.csv",
        "--groups",
        "19",
        "--balance",
        "Gender",
        "--balance",
        "M-Home house",
        "--at-least",
        "Willing to facilitate?=Yes",
        "--avoid-groupmates",
        EXAMPLES / "last_year.csv",
        "--out",
        "out",
    )
    assert result.exit_code == 0, result.output
    assert "proven optimal" in result.stdout
    assert "0 repeated groupmate pairs from" in result.stdout
    if not YARDSTICK.is_file():
        pytest.skip(f"{YARDSTICK} is not there")
    done = subprocess.run(
        [
            sys.executable,
            str(YARDSTICK),
            str(in_tmp / "out" / "assignments.csv"),
            "--balance",
            "Gender",
            "--balance",
            "M-Home house",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "out-of-band cells 0 of" in done.stdout


def test_init_writes_the_balance_candidates_it_sees_as_comments(in_tmp) -> None:
    shutil.copy(EXAMPLES / "signups.csv", in_tmp / "signups.csv")
    result = invoke("init", "signups.csv")
    assert result.exit_code == 0, result.output
    text = (in_tmp / "empower.toml").read_text(encoding="utf-8")
    assert '# columns = ["Gender", "M-Home house"]' in text
    assert '# mean = ["Age"]' in text
    assert '# at_least = ["Willing to facilitate?=Yes"]' in text


def test_the_config_holds_every_rule(write_signups, in_tmp) -> None:
    write_signups(rows=rows(), header=HEADER)
    (in_tmp / "empower.toml").write_text(
        '[groups]\ncount = 3\n[balance]\ncolumns = ["Gender"]\n[balance.weights]\nGender = 2\n'
        '[rules]\nat_least = ["Willing?=Yes"]\n',
        encoding="utf-8",
    )
    result = invoke("assign", "signups.csv", "--out", "out")
    assert result.exit_code == 0, result.output
    manifest = json.loads((in_tmp / "out" / "manifest.json").read_text(encoding="utf-8"))
    gender = next(f for f in manifest["families"] if f["name"] == "Gender")
    assert gender["weight"] == 2
    assert manifest["rules"]["at_least"][0]["rule"] == "Willing?=Yes"


def test_a_weight_for_a_family_that_is_not_balanced_is_a_usage_error(write_signups, in_tmp) -> None:
    write_signups(rows=rows(), header=HEADER)
    (in_tmp / "empower.toml").write_text("[balance.weights]\nHouse = 2\n", encoding="utf-8")
    result = invoke("assign", "signups.csv", "--out", "out")
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        "error: empower.toml: [balance.weights] 'House' is not a balanced family; the families "
        "are 'year', 'interest'."
    )


def test_a_multi_select_column_is_split_and_blank_cells_are_counted(write_signups, in_tmp) -> None:
    table = [(*row[:6], row[6]) for row in rows()]
    table = [
        (*row[:4], ["Spanish; French", "French", "", "Spanish"][i % 4], *row[5:])
        for i, row in enumerate(table)
    ]
    write_signups(rows=table, header=HEADER)
    result = invoke("assign", "signups.csv", "--groups", "3", "--balance", "Gender", "--out", "out")
    assert result.exit_code == 0, result.output
    assert (
        "warning: signups.csv: 3 students left 'Gender' blank; they count in none of its values."
        in result.stderr
    )
    summary = read(in_tmp / "out" / "summary.csv")
    assert summary[0][-2:] == ["Spanish", "French"]
    assert [row[-2:] for row in summary[1:]] == [["2", "2"], ["2", "2"], ["2", "2"]]
