"""benchmarks/generate.py: the extra columns and last year's groups (issue 10's fixtures)."""

from __future__ import annotations

import csv
import importlib.util
import sys
from collections import Counter
from pathlib import Path
from types import ModuleType

from empower_cli.ingest.earlier import read_assignments

REPO = Path(__file__).resolve().parents[1]


def _load_generate() -> ModuleType:
    name = "benchmarks_generate"
    spec = importlib.util.spec_from_file_location(name, REPO / "benchmarks" / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while the file runs
    spec.loader.exec_module(module)
    return module


gen = _load_generate()


def test_extra_columns_leave_every_other_column_and_the_locks_unchanged() -> None:
    plain = gen.make_cohort(300, 2026, 10, plain_years=True)
    extra = gen.make_cohort(300, 2026, 10, plain_years=True, extra_columns=True)
    assert extra.locks == plain.locks
    assert [{c: row[c] for c in gen.COLUMNS} for row in extra.rows] == plain.rows
    assert list(extra.rows[0]) != list(plain.rows[0])


def test_extra_columns_have_the_cohort_shape_issue_10_asks_for() -> None:
    cohort = gen.make_cohort(300, 2026, 10, plain_years=True, extra_columns=True)
    rows = cohort.rows
    assert Counter(row["Gender"] for row in rows) == {"Woman": 156, "Man": 134, "Nonbinary": 10}
    assert set(Counter(row["M-Home house"] for row in rows)) == set(gen.HOUSES)
    willing = [row["Class year"] for row in rows if row["Willing to facilitate?"] == "Yes"]
    assert len(willing) == 30
    assert set(willing) <= {"M3", "M4", "MSTP"}
    mean_age = {
        year: sum(int(r["Age"]) for r in rows if r["Class year"] == year) / cohort.years.count(year)
        for year in ("M1", "M4")
    }
    assert mean_age["M1"] < mean_age["M4"]


def test_last_year_is_an_assignments_file_of_the_returning_students(tmp_path: Path) -> None:
    cohort = gen.make_cohort(300, 2026, 10, plain_years=True, extra_columns=True)
    earlier = gen.last_year(cohort, 2026, 19, plain_years=True)
    path = tmp_path / "last_year.csv"
    gen.write_last_year(path, earlier)

    returning = {row["Student ID"] for row in cohort.rows if row["Class year"] != "M1"}
    assert {row["Student ID"] for row in earlier} == returning
    sizes = Counter(row["group"] for row in earlier)
    assert len(sizes) == 19 and max(sizes.values()) - min(sizes.values()) <= 1
    listing = read_assignments(path)  # empower's own reader of --previous files
    assert len(listing.students) == len(returning) and listing.n_groups == 19
    with path.open(encoding="utf-8-sig", newline="") as handle:
        written = list(csv.DictReader(handle))
    assert [(r["Student ID"], r["group"]) for r in written] == [
        (r["Student ID"], r["group"]) for r in earlier
    ]
    # Written as empower's export writes cells: a formula-like note gets a leading quote.
    notes = {r["Student ID"]: r[gen.NOTES_COLUMN] for r in written}
    formula = [r["Student ID"] for r in earlier if r[gen.NOTES_COLUMN] == gen.FORMULA_LIKE_NOTE]
    assert formula and all(notes[key] == "'" + gen.FORMULA_LIKE_NOTE for key in formula)


def test_the_same_command_writes_the_same_bytes(tmp_path: Path) -> None:
    outputs = []
    for run in ("a", "b"):
        folder = tmp_path / run
        folder.mkdir()
        args = ["--n", "120", "--seed", "3", "--pairs", "4", "--extra-columns"]
        args += ["--signups", str(folder / "s.csv"), "--locks", str(folder / "l.csv")]
        assert gen.main([*args, "--last-year", str(folder / "y.csv")]) == 0
        outputs.append([(folder / name).read_bytes() for name in ("s.csv", "l.csv", "y.csv")])
    assert outputs[0] == outputs[1]
