"""The summary table, the verdict line, warnings and the progress display."""

from __future__ import annotations

import io
import threading
from dataclasses import replace
from pathlib import Path

import pytest
from rich.console import Console

from empower_cli.records import (
    YEARS,
    Assignment,
    Balance,
    Category,
    Cohort,
    Problem,
    Status,
    Student,
    Unit,
    Verdict,
    Violation,
)
from empower_cli.report import (
    SolveProgress,
    print_summary,
    print_warnings,
    verdict_line,
)

INTERESTS = ("Wellness", "Clinical", "Research")
# (year, interests, group) for six students in two groups
SPECS = (
    ("M1", ("Wellness", "Clinical"), 0),
    ("M2", ("Clinical",), 1),
    ("M1", ("Research",), 1),
    ("M2", ("Wellness",), 0),
    ("MSTP", ("Clinical", "Research"), 0),
    ("M1", (), 1),
)


def plain_console() -> tuple[Console, io.StringIO]:
    buffer = io.StringIO()
    return Console(file=buffer, width=120, color_system=None), buffer


def build(
    specs: tuple[tuple[str, tuple[str, ...], int], ...] = SPECS,
    *,
    n_groups: int = 2,
    interests: tuple[str, ...] = INTERESTS,
    status: Status = Status.OPTIMAL,
    interrupted: bool = False,
) -> tuple[Cohort, Problem, Assignment, Verdict]:
    """Hand-made records, categories in the order rules.categories_of gives them."""
    students = tuple(
        Student(index=i, row=i + 2, key=f"s{i + 1}", name=f"Student {i + 1}", year=y, interests=t)
        for i, (y, t, _) in enumerate(specs)
    )
    categories = tuple(
        [Category(y, "year", sum(y == s for s, _, _ in specs)) for y in YEARS]
        + [Category(n, "interest", sum(n in t for _, t, _ in specs)) for n in interests]
    )

    def member(spec: tuple[str, tuple[str, ...], int], c: Category) -> int:
        return int(spec[0] == c.name if c.family == "year" else c.name in spec[1])

    groups = tuple(g for _, _, g in specs)
    counts = tuple(
        tuple(sum(member(s, c) for s in specs if s[2] == g) for c in categories)
        for g in range(n_groups)
    )
    sizes = tuple(groups.count(g) for g in range(n_groups))
    cohort = Cohort(
        source="signups.csv",
        sha256="0" * 64,
        headers=("id",),
        rows=tuple((s.key,) for s in students),
        students=students,
        interests=interests,
        mapping=(("id", "id"),),
        encoding="utf-8",
        delimiter=",",
    )
    units = tuple(
        Unit(i, (i,), tuple(member(s, c) for c in categories)) for i, s in enumerate(specs)
    )
    problem = Problem(students, n_groups, categories, units, aparts=())
    out, excess = 0, 0
    for g in range(n_groups):
        for c in range(len(categories)):
            low, high = problem.band(c)
            distance = max(low - counts[g][c], counts[g][c] - high, 0)
            out += distance > 0
            excess += distance
    balance = Balance(sizes, counts, out, excess, 0.0, 0.0, 0.0, max(sizes) - min(sizes))
    assignment = Assignment(groups, status, excess, excess, 0.5, interrupted=interrupted)
    return cohort, problem, assignment, Verdict((), balance)


def line_for(**kwargs: object) -> str:
    _, problem, assignment, verdict = build(**kwargs)  # type: ignore[arg-type]  # test helper
    return verdict_line(problem, assignment, verdict)


def balanced(out_of_band: int, excess: int, sizes: tuple[int, ...]) -> Verdict:
    _, _, _, verdict = build()
    return replace(
        verdict,
        balance=replace(verdict.balance, out_of_band=out_of_band, excess=excess, sizes=sizes),
    )


# --- verdict ------------------------------------------------------------------------------------


def test_verdict_proven_optimal_and_in_band() -> None:
    _, problem, assignment, _ = build()
    problem = replace(problem, n_groups=19)
    verdict = balanced(0, 0, (15,) * 10 + (16,) * 9)
    assert verdict_line(problem, assignment, verdict) == (
        "proven optimal: every group is within its ideal range for every class year and "
        "interest (19 groups of 15–16)"
    )


def test_verdict_equal_sizes_name_one_size() -> None:
    _, problem, assignment, _ = build()
    assert verdict_line(problem, assignment, balanced(0, 0, (3, 3))) == (
        "proven optimal: every group is within its ideal range for every class year and "
        "interest (2 groups of 3)"
    )


def test_verdict_in_band_but_not_proven() -> None:
    _, problem, assignment, _ = build(status=Status.FEASIBLE)
    assert verdict_line(problem, assignment, balanced(0, 0, (3, 3))) == (
        "every group is within its ideal range for every class year and interest "
        "(the time limit stopped the proof)"
    )


def test_verdict_in_band_after_ctrl_c() -> None:
    _, problem, assignment, _ = build(status=Status.FEASIBLE, interrupted=True)
    assert verdict_line(problem, assignment, balanced(0, 0, (3, 3))) == (
        "every group is within its ideal range for every class year and interest "
        "(stopped by Ctrl-C: these are the best rosters found so far)"
    )


def test_verdict_out_of_band_proven() -> None:
    assert line_for() == (
        "2 cells are outside their ideal range (total distance 2); "
        "proven the best possible under the locks, aparts and pins"
    )


def test_verdict_out_of_band_not_proven() -> None:
    assert line_for(status=Status.FEASIBLE) == (
        "2 cells are outside their ideal range (total distance 2); "
        "not proven best: a longer --time-limit may improve it"
    )


def test_verdict_out_of_band_after_ctrl_c() -> None:
    assert line_for(status=Status.FEASIBLE, interrupted=True) == (
        "2 cells are outside their ideal range (total distance 2); "
        "stopped by Ctrl-C: these are the best rosters found so far"
    )


def test_verdict_one_cell_is_singular() -> None:
    _, problem, assignment, _ = build(status=Status.FEASIBLE)
    assert verdict_line(problem, assignment, balanced(1, 3, (3, 3))) == (
        "1 cell is outside its ideal range (total distance 3); "
        "not proven best: a longer --time-limit may improve it"
    )


def test_verdict_names_broken_rules_first() -> None:
    _, problem, assignment, verdict = build()
    verdict = replace(
        verdict,
        violations=(
            Violation("lock", "Student 1 (s1) and Student 2 (s2) are locked but split."),
            Violation("size", "group 2 has 5 students."),
        ),
    )
    assert verdict_line(problem, assignment, verdict) == (
        "these rosters break 2 hard rules: Student 1 (s1) and Student 2 (s2) are locked but "
        "split. (and 1 more)\n"
        "2 cells are outside their ideal range (total distance 2); "
        "proven the best possible under the locks, aparts and pins"
    )


# --- the summary --------------------------------------------------------------------------------


def rendered_summary(out: Path = Path("rosters"), **kwargs: object) -> str:
    cohort, problem, assignment, verdict = build(**kwargs)  # type: ignore[arg-type]  # test helper
    console, buffer = plain_console()
    print_summary(
        console, cohort=cohort, problem=problem, assignment=assignment, verdict=verdict, out=out
    )
    return buffer.getvalue()


def row(text: str, first: str) -> list[str]:
    """The cells of the table row whose first cell is `first`."""
    for line in text.splitlines():
        cells = line.split()
        if cells and cells[0] == first:
            return cells
    raise AssertionError(f"no row {first!r} in:\n{text}")


def test_summary_table_rows() -> None:
    text = rendered_summary()
    assert row(text, "group") == [
        "group", "size", "M1", "M2", "M3", "M4", "MSTP", "Wellness", "Clinical", "Research"
    ]  # fmt: skip
    assert row(text, "1") == ["1", "3", "1", "1", "0", "0", "1", "2*", "2", "1"]
    assert row(text, "2") == ["2", "3", "2", "1", "0", "0", "0", "0*", "1", "1"]
    assert row(text, "ideal") == ["ideal", "3", "1–2", "1", "0", "0", "0–1", "1", "1–2", "1"]
    assert row(text, "total") == ["total", "6", "3", "2", "0", "0", "1", "2", "3", "2"]
    assert "* = outside its ideal range" in text


def test_summary_ends_with_verdict_and_files() -> None:
    lines = rendered_summary().rstrip("\n").splitlines()
    assert lines[-2:] == [
        "2 cells are outside their ideal range (total distance 2); "
        "proven the best possible under the locks, aparts and pins",
        "Rosters written to rosters/ (assignments.csv, 2 group files, summary.csv, manifest.json)",
    ]


def test_summary_without_problems_has_no_marks() -> None:
    specs = (("M1", ("Wellness",), 0), ("M1", ("Wellness",), 1), ("M2", (), 0), ("M2", (), 1))
    text = rendered_summary(specs=specs, interests=("Wellness",))
    assert "*" not in text
    assert row(text, "1") == ["1", "2", "1", "1", "0", "0", "0", "1"]


def test_summary_prints_names_as_text_not_markup() -> None:
    specs = (("M1", ("[bold]Art[/bold]",), 0), ("M1", (), 1))
    text = rendered_summary(specs=specs, interests=("[bold]Art[/bold]",), out=Path("[out]"))
    assert "[bold]Art[/bold]" in row(text, "group")
    assert "Rosters written to [out]/ (" in text


def test_many_groups_show_the_first_ones_and_every_flagged_one() -> None:
    # 60 groups: groups 1 and 31 have two M2 students (range 0-1); every other group one M1.
    specs = (
        *(("M1" if g not in (0, 30) else "M2", (), g) for g in range(60)),
        ("M2", (), 0),
        ("M2", (), 30),
    )
    text = rendered_summary(specs=specs, n_groups=60, interests=())
    assert row(text, "1") == ["1", "2", "0", "2*", "0", "0", "0"]
    assert row(text, "10") == ["10", "1", "1", "0", "0", "0", "0"]
    assert "11" not in [line.split()[0] for line in text.splitlines() if line.split()]
    assert row(text, "31") == ["31", "2", "0", "2*", "0", "0", "0"]
    assert [line.split() for line in text.splitlines()].count(["…"]) == 2
    assert (
        "showing the first 10 of 60 groups and every group with a cell outside its range; "
        "every group is in summary.csv"
    ) in text
    assert row(text, "total") == ["total", "62", "58", "4", "0", "0", "0"]


def test_a_large_balanced_cohort_still_shows_its_first_groups() -> None:
    specs = tuple(("M1", (), g) for g in range(50))
    text = rendered_summary(specs=specs, n_groups=50, interests=())
    assert row(text, "10") == ["10", "1", "1", "0", "0", "0", "0"]
    assert (
        "showing the first 10 of 50 groups (no group has a cell outside its range); "
        "every group is in summary.csv"
    ) in text


def test_long_interest_headers_wrap_at_spaces_without_a_note() -> None:
    specs = (("M1", ("Global health equity",), 0), ("M1", (), 1))
    text = rendered_summary(specs=specs, interests=("Global health equity",))
    assert "Global health" in text and "equity" in text  # wrapped at spaces, not cut
    assert "summary.csv has them in full" not in text


def test_a_long_word_fits_at_120_columns_and_is_cut_with_a_note_at_60() -> None:
    name = "Research & extracurriculars"
    specs = (("M1", (name,), 0), ("M1", (), 1))
    wide = rendered_summary(specs=specs, interests=(name,))
    assert "extracurriculars" in wide
    assert "summary.csv has them in full" not in wide
    cohort, problem, assignment, verdict = build(specs, interests=(name,))
    buffer = io.StringIO()
    console = Console(file=buffer, width=60, color_system=None)
    print_summary(
        console, cohort=cohort, problem=problem, assignment=assignment, verdict=verdict,
        out=Path("rosters"),
    )  # fmt: skip
    narrow = buffer.getvalue()
    assert "extracurriculars" not in narrow
    assert "long interest names are cut in this table; summary.csv has them in full" in narrow


# --- warnings and progress ----------------------------------------------------------------------


def test_warnings_are_prefixed() -> None:
    console, buffer = plain_console()
    print_warnings(console, ["row 7: no interests [given]", "row 9: unknown interest 'Art'"])
    assert buffer.getvalue() == (
        "warning: row 7: no interests [given]\nwarning: row 9: unknown interest 'Art'\n"
    )


def test_progress_is_silent_off_a_terminal() -> None:
    console, buffer = plain_console()
    with SolveProgress(console, time_limit=60) as progress:
        progress.update(4, 2, 1.5)
    assert buffer.getvalue() == ""


def test_progress_text() -> None:
    console, _ = plain_console()
    progress = SolveProgress(console, time_limit=60)
    assert progress.status_text() == "searching for rosters… 0.0 s of 60 s"
    progress.update(4, 2, 1.5)
    assert progress.status_text() == (
        "searching: cells outside range: distance 4, cannot go below 2 · 1.5 s of 60 s"
    )


def test_progress_shows_on_a_terminal() -> None:
    buffer = io.StringIO()
    console = Console(file=buffer, width=120, force_terminal=True, color_system=None)
    with SolveProgress(console, time_limit=2.5) as progress:
        progress.update(7, 0, 0.2)
    assert "distance 7, cannot go below 0" in buffer.getvalue()
    assert "of 2.5 s" in buffer.getvalue()


def test_progress_updates_from_many_threads() -> None:
    console, _ = plain_console()
    progress = SolveProgress(console, time_limit=10)

    def work(n: int) -> None:
        for i in range(200):
            progress.update(n, i, 0.0)
            progress.status_text()

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    with progress:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert progress.status_text().endswith("cannot go below 199 · 0.0 s of 10 s")


@pytest.mark.parametrize("limit", [0.5, 600])
def test_progress_formats_limits(limit: float) -> None:
    console, _ = plain_console()
    assert SolveProgress(console, time_limit=limit).status_text().endswith(f" of {limit:g} s")


def test_progress_of_a_reproducible_run_names_the_limit_in_work_units() -> None:
    console, _ = plain_console()
    progress = SolveProgress(console, time_limit=30, reproducible=True)
    progress.update(3, 1, 2.25)
    assert progress.status_text() == (
        "searching: cells outside range: distance 3, cannot go below 1 · "
        "2.2 s (limit: 30 units of solver work)"
    )


def test_many_interests_on_a_narrow_terminal_are_headed_by_codes() -> None:
    # Seven interests on 80 columns leave each about four characters: the names could not be
    # read, so the columns are T1..T7 and the notes name them; at 120 columns the names fit.
    names = ("Wellness", "Clinical", "Research", "Family", "Global health", "Ethics", "Arts")
    specs = (("M1", names[:4], 0), ("M2", names[4:], 1))
    cohort, problem, assignment, verdict = build(specs, interests=names)

    def summary(width: int) -> str:
        buffer = io.StringIO()
        console = Console(file=buffer, width=width, color_system=None)
        print_summary(
            console,
            cohort=cohort,
            problem=problem,
            assignment=assignment,
            verdict=verdict,
            out=Path("rosters"),
        )
        return buffer.getvalue()

    narrow = summary(80)
    assert row(narrow, "group") == [
        "group", "size", "M1", "M2", "M3", "M4", "MSTP", "T1", "T2", "T3", "T4", "T5", "T6", "T7"
    ]  # fmt: skip
    assert "T5  Global health\n" in narrow and "T7  Arts\n" in narrow
    wide = summary(120)
    assert "T1" not in wide and "Wellness" in row(wide, "group")


def test_a_table_too_wide_for_the_terminal_is_split_by_family(records) -> None:
    """Four interests and two more families do not fit 80 columns in one table: rich would cut
    every range to '4…'. The families go to a second table instead, each whole."""
    from empower_cli.solve import SolveOptions, solve
    from empower_cli.validate import validate
    from test_families import problem_of, with_column

    labels = ("Academic success", "Wellness", "Clinical environment", "Research")
    specs = [(year, (labels[i % 4], labels[(i + 1) % 4])) for i, year in enumerate(YEARS * 8)]
    cohort = records.cohort(specs)
    cohort = with_column(cohort, "Gender", ["Woman", "Man", "Nonbinary", "Man"] * 10)
    cohort = with_column(cohort, "House", ["Alder", "Birch", "Cedar", "Maple", "Oak"] * 8)
    problem = problem_of(cohort, 4, balance=["Gender", "House"])
    assignment = solve(problem, SolveOptions(time_limit=5.0, seed=0, workers=1))
    verdict = validate(problem, assignment.groups)
    buffer = io.StringIO()
    console = Console(file=buffer, width=80, color_system=None)
    print_summary(
        console,
        cohort=cohort,
        problem=problem,
        assignment=assignment,
        verdict=verdict,
        out=Path("rosters"),
    )
    text = buffer.getvalue()
    ideal_rows = [line.split() for line in text.splitlines() if line.startswith("ideal")]
    assert len(ideal_rows) == 2
    assert all("…" not in cell for cells in ideal_rows for cell in cells)
    assert max(len(line) for line in text.splitlines() if line.startswith("ideal")) <= 80
    assert sum(len(cells) - 2 for cells in ideal_rows) == len(problem.shown_categories())
