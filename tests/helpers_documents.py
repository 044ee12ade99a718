"""A small sign-up file for the workbook and report tests: accented names, ids with leading
zeros, names a spreadsheet would run as formulas, and names that are HTML."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

#: The header the CLI tests write (conftest.SIGNUP_HEADER).
SIGNUP_HEADER = ("Student ID", "Name", "Email", "Class year", "Interests")
YEARS = ("M1", "M2", "M3", "M4", "MSTP")
INTERESTS = ("Wellness", "Clinical environment", "Research & extracurriculars")
#: Names that must come out exactly as they went in, as text.
TRICKY = (
    "Siobhán Ní Bhriain",
    "Đặng Minh Anh",
    "Zoë Müller-Lüdenscheidt",
    "=1+1",
    "+SUM(A1:A2)",
    "-2-3",
    "@cmd",
    '=HYPERLINK("http://example.com","x")',
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "#N/A",
    'Ana "Quote" O\'Brien & Co',
)


def name_of(index: int) -> str:
    """The name of student `index` (0-based): the tricky ones first, then plain ones."""
    return TRICKY[index] if index < len(TRICKY) else f"Étudiant {index + 1}"


def rows(count: int) -> list[tuple[str, ...]]:
    """Rows under SIGNUP_HEADER: ids `00001`, `00002`, ... (leading zeros)."""
    out = []
    for i in range(count):
        interests = "; ".join(INTERESTS[j] for j in range(len(INTERESTS)) if (i >> j) & 1)
        out.append(
            (
                f"{i + 1:05d}",
                name_of(i),
                f"student.{i + 1}+tag@example.edu",
                YEARS[i % len(YEARS)],
                interests or INTERESTS[0],
            )
        )
    return out


def write(write_signups: Callable[..., Path], count: int) -> Path:
    return write_signups(rows=rows(count), header=SIGNUP_HEADER)


def write_file(path: Path, count: int) -> Path:
    """The sign-up file of `count` students at `path` (UTF-8, commas, quotes doubled)."""

    def field(cell: str) -> str:
        return '"' + cell.replace('"', '""') + '"' if any(c in cell for c in ',"\n') else cell

    lines = [",".join(map(field, row)) + "\n" for row in [SIGNUP_HEADER, *rows(count)]]
    path.write_text("".join(lines), encoding="utf-8")
    return path
