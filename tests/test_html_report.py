"""report.html as text: everything escaped, nothing fetched, a mailto link and a page per group."""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path
from urllib.parse import unquote

import openpyxl
import pytest
from typer.testing import CliRunner

from empower_cli.cli import app
from empower_cli.html_report import mailto
from helpers_documents import TRICKY, rows, write_file
from page import Page, groups_of, read_page

runner = CliRunner()


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    here = tmp_path_factory.mktemp("report")
    signups = write_file(here / "signups.csv", 40)
    result = runner.invoke(
        app, ["assign", str(signups), "-g", "3", "-o", str(here / "out")], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    return here / "out"


@pytest.fixture(scope="module")
def page(out: Path) -> Page:
    return read_page((out / "report.html").read_text(encoding="utf-8"))


def test_every_name_is_text_never_markup(out: Path, page: Page) -> None:
    assert [tag for tag, _ in page.tags if tag in ("script", "img", "iframe", "object")] == []
    assert [name for name in page.attributes() if name.startswith("on")] == []
    text = page.all_text()
    for name in TRICKY:
        assert name in text
    raw = (out / "report.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in raw
    assert "<script" not in raw.lower()


def test_every_group_and_every_student_is_on_the_page(out: Path, page: Page) -> None:
    groups = groups_of(out / "assignments.csv")
    headings = [h for h in page.headings if h.startswith("Group ")]
    assert headings == [f"Group {g} {len(groups[g])} students" for g in (1, 2, 3)]
    cells = page.all_text()
    for student in rows(40):
        assert student[0] in cells and student[1] in cells


def test_the_page_asks_for_nothing_outside_itself(page: Page) -> None:
    for tag, attrs in page.tags:
        assert "src" not in attrs, tag
        href = attrs.get("href")
        if href is not None:
            assert href.startswith(("#group-", "mailto:")), href
    css = "".join(page.styles)
    assert "url(" not in css and "@import" not in css and "@font-face" not in css


def test_a_strict_content_security_policy_allows_only_the_pages_own_style(page: Page) -> None:
    metas = [a for t, a in page.tags if t == "meta" and a.get("http-equiv")]
    assert len(metas) == 1 and metas[0]["http-equiv"] == "Content-Security-Policy"
    policy = str(metas[0]["content"])
    assert policy.startswith("default-src 'none';")
    digest = base64.b64encode(hashlib.sha256(page.styles[0].encode()).digest()).decode()
    assert f"style-src 'sha256-{digest}'" in policy
    assert "unsafe" not in policy and "script-src" not in policy


def test_each_group_has_a_mailto_link_with_all_its_emails(out: Path, page: Page) -> None:
    links = [str(a["href"]) for t, a in page.tags if t == "a" and a.get("class") == "mail"]
    groups = groups_of(out / "assignments.csv")
    assert len(links) == 3
    for g, link in enumerate(links, start=1):
        assert link.startswith("mailto:") and "+" not in link  # '+' is sent as %2B
        addresses = [unquote(part) for part in link.removeprefix("mailto:").split(",")]
        assert addresses == [row["Email"] for row in groups[g]]


def test_mailto_encodes_what_a_url_cannot_hold() -> None:
    assert mailto(["a+b@x.edu", "", 'o"k?&@y.org']) == "mailto:a%2Bb@x.edu,o%22k%3F%26@y.org"


def test_print_puts_each_group_on_its_own_page(page: Page) -> None:
    css = "".join(page.styles)
    media = css[css.index("@media print") :]
    assert re.search(r"section\.group \{ break-before: page;", media)
    sections = [a for t, a in page.tags if t == "section" and a.get("class") == "group"]
    assert [a["id"] for a in sections] == ["group-1", "group-2", "group-3"]


def test_the_page_shows_the_verdict_reading_and_every_family(page: Page) -> None:
    text = page.all_text()
    assert "proven optimal: every group is within its ideal range" in text
    assert "as CSV (utf-8, comma-separated)" in text
    assert "Class year" in text and "Interests" in text  # the families' titles
    for heading in ("How the sign-up file was read", "Balance at a glance", "Counts per group"):
        assert heading in page.headings
    for category in ("M1", "MSTP", "Wellness", "Research & extracurriculars"):
        assert category in text


def assign_lines(folder: Path, lines: list[str]) -> tuple[Page, str]:
    """Run `assign -g 2` on a sign-up file of these lines; the page and what went to stderr."""
    signups = folder / "signups.csv"
    signups.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = runner.invoke(
        app,
        ["assign", str(signups), "-g", "2", "-o", str(folder / "out")],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    page = read_page((folder / "out" / "report.html").read_text(encoding="utf-8"))
    return page, result.stderr


def test_without_an_email_column_there_is_no_mail_link(tmp_path: Path) -> None:
    lines = ["Student ID,Name,Class year,Interests"]
    lines += [f"{i:03d},Ana {i},{('M1', 'M2')[i % 2]},Wellness" for i in range(1, 9)]
    page, _ = assign_lines(tmp_path, lines)
    assert [a for t, a in page.tags if t == "a" and a.get("class") == "mail"] == []
    assert "Ana 8" in page.all_text() and "008" in page.all_text()


def test_the_warnings_printed_are_on_the_page(tmp_path: Path) -> None:
    lines = ["Student ID,Name,Email,Class year,Interests"]
    lines += [f"{i:03d},Ana {i},a{i}@x.edu,{('M1', 'M2')[i % 2]},Wellness" for i in range(1, 9)]
    lines.append("009,Bo <b>9</b>,b9@x.edu,M1,Knitting")
    page, stderr = assign_lines(tmp_path, lines)
    warnings = [
        line.removeprefix("warning: ")
        for line in stderr.splitlines()
        if line.startswith("warning: ")
    ]
    assert warnings
    items = [t for t, a in page.tags if t == "li"]
    assert len(items) >= len(warnings)
    text = " ".join(page.all_text().split())
    for warning in warnings:
        assert " ".join(warning.split()) in text
    assert "b" not in [t for t, _ in page.tags]


def test_each_rule_line_of_the_summary_is_on_the_page(tmp_path: Path) -> None:
    # The example cohort with a facilitator rule and last year's groups: the terminal prints a
    # line per rule ("every group has at least 1 ...", "N repeated groupmate pairs ..."), and
    # the report carries the same lines.
    examples = Path(__file__).resolve().parents[1] / "examples"
    result = runner.invoke(
        app,
        [
            "assign",
            str(examples / "signups.csv"),
            "--at-least",
            "Willing to facilitate?=Yes",
            "--avoid-groupmates",
            str(examples / "last_year.csv"),
            "-o",
            str(tmp_path / "out"),
        ],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    printed = [
        line
        for line in result.stdout.splitlines()
        if line.startswith("every group has at least") or "repeated groupmate" in line
    ]
    assert len(printed) == 2
    page = read_page((tmp_path / "out" / "report.html").read_text(encoding="utf-8"))
    text = " ".join(page.all_text().split())
    for line in printed:
        assert " ".join(line.split()) in text
    # and so does the workbook's Summary, under the verdict, each line in one cell
    summary = openpyxl.load_workbook(tmp_path / "out" / "rosters.xlsx")["Summary"]
    column_a = [row[0] for row in summary.iter_rows(values_only=True)]
    for line in printed:
        assert line in column_a
    assert column_a.index(printed[-1]) < column_a.index("group")


def test_mailto_with_a_comma_in_an_address_encodes_it() -> None:
    # The addresses are encoded all at once, commas kept, unless one holds a comma itself.
    emails = ["a,b@x.edu", "ü@y.org", "", "c@z.org"]
    assert mailto(emails) == "mailto:a%2Cb@x.edu,%C3%BC@y.org,c@z.org"
    assert mailto(["ü@y.org", "c@z.org"]) == "mailto:%C3%BC@y.org,c@z.org"
    assert mailto([]) == "mailto:"


@pytest.mark.parametrize(
    "rows",
    [
        [("<b>", "a & 'b'"), ('"q"', "")],
        [("nul \x00 inside", "x"), ("y", "soh \x01 inside")],  # the joiners: cell by cell
        [("only",)],
    ],
)
def test_table_rows_escape_every_cell_as_one_by_one(rows: list[tuple[str, ...]]) -> None:
    from html import escape

    from empower_cli.html_report import _table_rows

    expected = "\n".join(
        "<tr>" + "".join(f"<td>{escape(cell, quote=True)}</td>" for cell in row) + "</tr>"
        for row in rows
    )
    assert _table_rows(rows) == expected
