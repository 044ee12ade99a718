"""The workbook and the report in real programs: headless Chromium and LibreOffice.

Each program runs as few times as the checks allow (module-scoped fixtures): Chromium renders
report.html once (with a network log), renders one control page that does fetch (so that the
log is shown to catch requests), and prints the report once; LibreOffice converts rosters.xlsx
once. Without the programs these tests are skipped on a developer's machine, but they fail
when CI is set: `.ci/run` installs them.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from empower_cli.cli import app
from helpers_documents import TRICKY, rows, write_file
from page import groups_of, read_page

TIMEOUT = 120
GROUPS = 3
STUDENTS = 40


def need(program: str) -> str:
    """The program's path; skip without it, except in CI where it must be there."""
    path = shutil.which(program)
    if path is None:
        message = f"{program} is not installed (.ci/run installs it with apt-get)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return path


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [str(arg) for arg in args], capture_output=True, text=True, timeout=TIMEOUT, check=False
    )
    assert done.returncode == 0, f"{args[0]} failed:\n{done.stderr[-2000:]}"
    return done


def chromium(profile: Path, *args: str | Path) -> subprocess.CompletedProcess[str]:
    """Headless Chromium with a private profile and its own background traffic turned down."""
    flags = [
        "--headless",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-extensions",
        f"--user-data-dir={profile}",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        flags.append("--no-sandbox")  # Chromium refuses to run as root with its sandbox
    return run(need("chromium"), *flags, *args)


def page_requests(net_log: Path) -> list[str]:
    """The URLs the page itself asked for: requests in the file:// page's network partition.

    Chromium's own background requests (updates, accounts) carry another partition or none,
    and are not the page's doing."""
    text = net_log.read_text(encoding="utf-8").rstrip()
    try:
        log = json.loads(text)
    except json.JSONDecodeError:  # a log cut short at exit lacks its closing brackets
        log = json.loads(text.rstrip(",") + "]}")
    start = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    return [
        event["params"]["url"]
        for event in log["events"]
        if event["type"] == start
        and "file://" in event.get("params", {}).get("network_isolation_key", "")
    ]


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    here = tmp_path_factory.mktemp("render")
    signups = write_file(here / "signups.csv", STUDENTS)
    result = CliRunner().invoke(
        app, ["assign", str(signups), "-g", str(GROUPS), "-o", str(here / "out")]
    )
    assert result.exit_code == 0, result.output
    return here / "out"


@pytest.fixture(scope="module")
def rendered(out: Path) -> tuple[str, list[str]]:
    """The DOM Chromium built from report.html, and what the page requested."""
    net_log = out.parent / "net-log.json"
    done = chromium(
        out.parent / "profile",
        f"--log-net-log={net_log}",
        "--dump-dom",
        (out / "report.html").as_uri(),
    )
    return done.stdout, page_requests(net_log)


def test_the_net_log_catches_a_page_that_fetches(tmp_path: Path) -> None:
    # The control: a page with an image and a style sheet elsewhere is seen asking for both.
    control = tmp_path / "control.html"
    control.write_text(
        '<!DOCTYPE html><img src="http://127.0.0.1:9/probe.png">'
        '<link rel="stylesheet" href="http://127.0.0.1:9/probe.css">',
        encoding="utf-8",
    )
    net_log = tmp_path / "net-log.json"
    chromium(tmp_path / "profile", f"--log-net-log={net_log}", "--dump-dom", control.as_uri())
    assert sorted(page_requests(net_log)) == [
        "http://127.0.0.1:9/probe.css",
        "http://127.0.0.1:9/probe.png",
    ]


def test_chromium_renders_every_group_and_student_and_fetches_nothing(
    out: Path, rendered: tuple[str, list[str]]
) -> None:
    dom, requests = rendered
    assert requests == []
    page = read_page(dom)
    groups = groups_of(out / "assignments.csv")
    assert [h for h in page.headings if h.startswith("Group ")] == [
        f"Group {g} {len(groups[g])} students" for g in range(1, GROUPS + 1)
    ]
    text = page.all_text()
    for student in rows(STUDENTS):
        assert student[0] in text and student[1] in text
    assert all(name in text for name in TRICKY)
    assert [tag for tag, _ in page.tags if tag in ("script", "img")] == []
    assert [name for name in page.attributes() if name.startswith("on")] == []


def test_printing_gives_each_group_a_page(out: Path) -> None:
    pdf = out.parent / "report.pdf"
    chromium(
        out.parent / "print-profile",
        f"--print-to-pdf={pdf}",
        "--no-pdf-header-footer",
        (out / "report.html").as_uri(),
    )
    info = run(need("pdfinfo"), pdf).stdout
    pages = int(next(line.split()[1] for line in info.splitlines() if line.startswith("Pages:")))
    assert pages >= GROUPS + 1  # the overview, then a page (or more) per group
    text = run(need("pdftotext"), "-layout", pdf, "-").stdout
    per_page = text.split("\f")
    for g in range(1, GROUPS + 1):
        # each group's heading starts a page of its own
        assert any(page.lstrip().startswith(f"Group {g} ") for page in per_page), g


def test_libreoffice_converts_the_workbook_with_accents_intact(out: Path) -> None:
    profile = (out.parent / "lo-profile").as_uri()
    run(
        need("soffice"),
        f"-env:UserInstallation={profile}",
        "--headless",
        "--convert-to",
        "pdf",
        "--outdir",
        out.parent,
        out / "rosters.xlsx",
    )
    text = run(need("pdftotext"), out.parent / "rosters.pdf", "-").stdout
    for name in ("Siobhán Ní Bhriain", "Đặng Minh Anh", "Zoë Müller-Lüdenscheidt", "=1+1"):
        assert name in text, name
    assert "00001" in text  # the id's leading zeros


def test_a_missing_program_skips_here_but_fails_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda program: None)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="chromium is not installed"):
        need("chromium")
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception, match="chromium is not installed"):
        need("chromium")


def test_libreoffice_reads_the_awkward_workbook_as_the_cell_by_cell_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Every sheet of rosters.xlsx (big tables written by sheetrows.py) and of the same workbook
    # written cell by cell through XlsxWriter, as LibreOffice reads them, saved as CSV.
    from empower_cli import workbook
    from empower_cli.documents import build_documents
    from xlsx_reference import CellByCell, awkward_run

    run_ = awkward_run(tmp_path)
    for name in ("fast", "reference"):
        if name == "reference":
            monkeypatch.setattr(workbook, "SheetRows", CellByCell)
        files = build_documents(run_, out=tmp_path, workbook=True, report=False)
        (tmp_path / f"{name}.xlsx").write_bytes(files[workbook.WORKBOOK])
    every_sheet = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1"
    run(
        need("soffice"),
        f"-env:UserInstallation={(tmp_path / 'lo-profile').as_uri()}",
        "--headless",
        "--convert-to",
        every_sheet,
        "--outdir",
        tmp_path,
        tmp_path / "fast.xlsx",
        tmp_path / "reference.xlsx",
    )
    sheets = ("Summary", "All students", "Group 01", "Group 02", "Changes")
    for sheet in sheets:
        ours = (tmp_path / f"fast-{sheet}.csv").read_text(encoding="utf-8")
        theirs = (tmp_path / f"reference-{sheet}.csv").read_text(encoding="utf-8")
        assert ours == theirs, sheet
    text = (tmp_path / "fast-All students.csv").read_text(encoding="utf-8")
    for kind in ("Siobhán Ní Bhriain", "中文 עברית العربية", "=1+1", "a & b < c > d", "00123"):
        assert kind in text, kind
    assert "  leading spaces" in text and "trailing spaces  ," in text
