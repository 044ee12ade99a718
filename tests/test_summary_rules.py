"""The terminal's line that confirms every rule held, and the files it names."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import openpyxl
from typer.testing import CliRunner

from empower_cli.cli import app

runner = CliRunner()
HEADER = ("Student ID", "Name", "Email", "Class year", "Interests", "Placed with")


def test_every_rule_is_confirmed_with_its_count(
    in_tmp: Path, write_signups: Callable[..., Path], write_csv: Callable[..., Path]
) -> None:
    rows = [
        (f"S{i}", f"Student {i}", f"s{i}@example.edu", ("M1", "M2")[i % 2], "Wellness", "")
        for i in range(1, 9)
    ]
    rows[4] = (*rows[4][:5], "Student 6")  # S5 asks to be placed with S6
    signups = write_signups(rows=rows, header=HEADER)
    locks = write_csv("locks.csv", [("S1", "S2"), ("S3", "S4")])
    apart = write_csv("apart.csv", [("S1", "S3")])
    pins = write_csv("pins.csv", [("S7", "2")])
    args = ["assign", str(signups), "-g", "2", "--lock", str(locks), "--apart", str(apart)]
    result = runner.invoke(app, [*args, "--pin", str(pins)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert (
        "Every rule held: 2 locked pairs together, 1 apart pair apart, 1 pin kept, "
        "1 pair from the 'Placed with' column together.\n"
    ) in result.stdout
    assert result.stdout.rstrip().endswith(
        "(assignments.csv, 2 group files, summary.csv, rosters.xlsx, report.html, manifest.json)"
    )
    summary = openpyxl.load_workbook(in_tmp / "rosters" / "rosters.xlsx")["Summary"]
    assert summary["A2"].value == (
        "Every rule held: 2 locked pairs together, 1 apart pair apart, 1 pin kept, "
        "1 pair from the 'Placed with' column together."
    )


def test_no_rules_no_line_and_no_documents_not_named(
    in_tmp: Path, write_signups: Callable[..., Path]
) -> None:
    signups = write_signups(["M1", "M2", "M1", "M2"])
    result = runner.invoke(
        app, ["assign", str(signups), "-g", "2", "--no-workbook"], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    assert "Every rule held" not in result.stdout
    assert result.stdout.rstrip().endswith(
        "(assignments.csv, 2 group files, summary.csv, report.html, manifest.json)"
    )
