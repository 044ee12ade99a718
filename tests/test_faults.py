"""Faults on a coordinator's machine (issue 12, items 10-12): a killed run's temporaries, Ctrl-C
in the middle of a real 20,000-student search, closed pipes, unreadable inputs, read-only file
systems, and the exit codes each command lists.

The Ctrl-C and pipe tests run the installed `empower` in a real subprocess: a real SIGINT under a
pseudo-terminal (so that the progress line is shown), a real `| head -1`.
"""

from __future__ import annotations

import os
import pty
import re
import select
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

import empower_cli.export as export_module
import empower_cli.validate as validate_module
from empower_cli.cli import app
from empower_cli.errors import STOPPED
from empower_cli.export import MARKER
from empower_cli.records import Violation

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[1]
EMPOWER = Path(sys.executable).with_name("empower")
POSIX = pytest.mark.skipif(sys.platform == "win32", reason="signals, pipes and ptys are POSIX")

SIGNUPS = "Student ID,Name,Year,Interests\n" + "".join(
    f"S{n:03d},Student {n},{('M1', 'M2', 'M3')[n % 3]},{('Research', 'Wellness')[n % 2]}\n"
    for n in range(24)
)


def invoke(*args: str | Path):
    result = runner.invoke(app, [str(arg) for arg in args], catch_exceptions=False)
    assert "Traceback" not in result.output
    return result


@pytest.fixture
def signups(tmp_path: Path) -> Path:
    path = tmp_path / "signups.csv"
    path.write_text(SIGNUPS, encoding="utf-8")
    return path


def _dead_pid() -> int:
    """The id of a process that has exited (and been reaped)."""
    done = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    )
    return int(done.stdout)


# --- 10. a killed run's temporaries -------------------------------------------------------------

KILLED_WHILE_WRITING = (
    "import os, signal, sys\n"
    "import empower_cli.export as e\n"
    "def killed(*args): os.kill(os.getpid(), signal.SIGKILL)\n"
    "e._swap_in = killed\n"  # SIGKILL once every roster file is written, before the rename
    "from empower_cli.cli import main\n"
    "sys.argv = ['empower', *sys.argv[1:]]\n"
    "main()\n"
)


@POSIX
def test_a_run_killed_while_writing_leaves_nothing_the_next_run_does_not_clean(
    tmp_path: Path, signups: Path
) -> None:
    out = tmp_path / "rosters"
    killed = subprocess.run(
        [sys.executable, "-c", KILLED_WHILE_WRITING, "assign", signups, "-g", "2", "-o", out],
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert killed.returncode == -signal.SIGKILL
    (left,) = [p for p in tmp_path.iterdir() if p.name.startswith(".rosters.tmp-")]
    assert b"Student 7" in (left / "assignments.csv").read_bytes()  # student data left behind
    live = tmp_path / f".rosters.tmp-{os.getpid()}-live"  # a run still going: never touched
    live.mkdir()
    (live / MARKER).write_text(str(os.getpid()))
    foreign = tmp_path / f".rosters.tmp-{_dead_pid()}-notours"  # no marker: not empower's
    foreign.mkdir()
    (foreign / "notes.txt").write_text("mine")

    result = invoke("assign", signups, "-g", "2", "-o", tmp_path / "other")

    assert result.exit_code == 0, result.output
    assert not left.exists()
    assert live.is_dir() and foreign.is_dir()
    assert not out.exists()


def test_rosters_a_killed_force_run_moved_aside_are_put_back(tmp_path: Path, signups: Path) -> None:
    assert invoke("assign", signups, "-g", "2", "-o", tmp_path / "rosters").exit_code == 0
    aside = tmp_path / f".rosters.old-{_dead_pid()}-0123abcd"
    (tmp_path / "rosters").rename(aside)  # as a --force run killed between its two renames

    result = invoke("assign", signups, "-g", "2", "-o", tmp_path / "other")

    assert result.exit_code == 0, result.output
    assert not aside.exists()
    assert (tmp_path / "rosters" / "assignments.csv").is_file()
    assert not (tmp_path / "rosters" / MARKER).exists()


def test_the_readme_says_where_temporaries_live() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert ".rosters.tmp-<pid>-" in readme


# --- 11. Ctrl-C in the middle of a real 20,000-student search -----------------------------------


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("big")
    subprocess.run(
        [
            sys.executable,
            ROOT / "benchmarks" / "generate.py",
            "--n",
            "20000",
            "--pairs",
            "300",
            "--signups",
            folder / "signups.csv",
            "--locks",
            folder / "locks.csv",
        ],
        check=True,
        timeout=120,
    )
    return folder


def _interrupted(args: list[str | Path], when: bytes, cwd: Path) -> tuple[int, str, str]:
    """Run empower with stderr on a pseudo-terminal; send SIGINT as soon as `when` appears on
    it. (exit code, stderr without terminal codes, stdout)."""
    leader, follower = pty.openpty()
    process = subprocess.Popen(
        [EMPOWER, *args],
        stdout=subprocess.PIPE,
        stderr=follower,
        stdin=subprocess.DEVNULL,
        cwd=cwd,
    )
    os.close(follower)
    seen, sent = b"", False
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        ready, _, _ = select.select([leader], [], [], 0.05)
        if ready:
            try:
                seen += os.read(leader, 65536)
            except OSError:  # the process closed its terminal
                break
        if not sent and when in seen:
            process.send_signal(signal.SIGINT)
            sent = True
    stdout = process.communicate(timeout=120)[0].decode()
    os.close(leader)
    assert sent, seen.decode(errors="replace")
    stderr = re.sub(r"\x1b\[[0-9;?]*[a-zA-Z]|\r", "", seen.decode(errors="replace"))
    return process.returncode, stderr, stdout


@POSIX
def test_ctrl_c_once_every_start_is_dealt_keeps_and_writes_the_rosters(big: Path) -> None:
    code, stderr, stdout = _interrupted(
        ["assign", "signups.csv", "--lock", "locks.csv", "-o", "rosters"], b"groups done", big
    )
    assert code == 0, stderr
    assert "Rosters written to rosters/" in stdout
    assert STOPPED not in stderr
    lines = (big / "rosters" / "assignments.csv").read_bytes().count(b"\n")
    assert lines == 20001  # every student, and the header


@POSIX
def test_ctrl_c_before_any_roster_exists_writes_nothing_and_exits_130(big: Path) -> None:
    code, stderr, stdout = _interrupted(
        ["assign", "signups.csv", "-o", "early"], b"searching for rosters", big
    )
    assert (code, stdout) == (130, "")
    assert stderr.rstrip().endswith(STOPPED)
    assert not (big / "early").exists()
    assert not [p for p in big.iterdir() if p.name.startswith(".early.")]


def test_ctrl_c_after_the_search_writes_the_rosters_and_says_so(
    tmp_path: Path, signups: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A real SIGINT to this process once the roster is complete (while it is validated).
    from empower_cli.interrupt import KEPT

    real = validate_module.validate

    def validate_then_ctrl_c(problem, groups):
        os.kill(os.getpid(), signal.SIGINT)
        return real(problem, groups)

    monkeypatch.setattr(validate_module, "validate", validate_then_ctrl_c)
    result = invoke("assign", signups, "-g", "2", "-o", tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert result.stderr == f"{KEPT}\n"
    assert (tmp_path / "out" / "assignments.csv").is_file()


def test_ctrl_c_once_the_rosters_are_written_changes_nothing(
    tmp_path: Path, signups: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import empower_cli.report as report_module

    quiet = invoke("assign", signups, "-g", "2", "-o", tmp_path / "first")
    real = report_module.print_summary

    def summary_then_ctrl_c(*args, **kwargs):
        os.kill(os.getpid(), signal.SIGINT)
        return real(*args, **kwargs)

    monkeypatch.setattr(report_module, "print_summary", summary_then_ctrl_c)
    result = invoke("assign", signups, "-g", "2", "-o", tmp_path / "first", "--force")
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout == quiet.stdout


# --- 12. exit codes -----------------------------------------------------------------------------


def test_a_delimiter_that_cannot_split_cells_is_a_usage_error(signups: Path) -> None:
    result = invoke("check", signups, "--delimiter", "x")
    assert (result.exit_code, result.stderr) == (
        2,
        "error: --delimiter 'x' cannot split cells; give one character, such as ',' or ';', "
        "or the word 'tab'.\n",
    )


def test_a_folder_given_as_the_sign_up_file_is_bad_input(tmp_path: Path) -> None:
    result = invoke("check", tmp_path)
    assert (result.exit_code, result.stderr) == (
        3,
        f"error: {tmp_path}: this is a folder, not a file.\n",
    )


@POSIX
def test_a_file_that_cannot_be_read_is_exit_3_like_a_missing_one(tmp_path: Path) -> None:
    folder = Path(tempfile.mkdtemp())
    path = folder / "signups.csv"
    try:
        folder.chmod(0o755)
        path.write_text(SIGNUPS, encoding="utf-8")
        assert invoke("check", path).exit_code == 0  # readable: and every module is loaded now
        path.chmod(0o000)
        if os.geteuid() == 0:  # root reads every file: meet this one as an unprivileged user
            os.seteuid(65534)
        try:
            result = invoke("check", path)
        finally:
            if os.getuid() == 0:
                os.seteuid(0)
        assert (result.exit_code, result.stderr) == (
            3,
            f"error: {path}: cannot be read (permission denied); check the file's permissions.\n",
        )
    finally:
        path.unlink()
        folder.rmdir()


@POSIX
def test_a_closed_output_pipe_after_the_rosters_are_written_is_exit_0(
    tmp_path: Path, signups: Path
) -> None:
    command = f"'{EMPOWER}' assign '{signups}' -g 2 -o out | head -1; echo $PIPESTATUS >&2"
    run = subprocess.run(
        ["bash", "-c", command],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
        check=False,
    )
    assert run.stdout.startswith("Read ")
    assert run.stderr == "0\n"
    assert (tmp_path / "out" / "assignments.csv").is_file()


@POSIX
def test_a_pipe_closed_before_the_rosters_are_written_is_141_and_writes_nothing(
    tmp_path: Path,
) -> None:
    # One student with no interests: a warning goes to stderr before anything is written, and
    # stderr is a pipe whose reader has gone.
    path = tmp_path / "signups.csv"
    path.write_text(SIGNUPS + "S999,Late,M1,\n", encoding="utf-8")
    reader, writer = os.pipe()
    os.close(reader)
    try:
        run = subprocess.run(
            [EMPOWER, "assign", path, "-g", "2", "-o", tmp_path / "out"],
            stdout=subprocess.DEVNULL,
            stderr=writer,
            timeout=60,
            check=False,
        )
    finally:
        os.close(writer)
    assert run.returncode == 141
    assert not (tmp_path / "out").exists()


def test_a_read_only_file_system_says_so(
    tmp_path: Path, signups: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = os.statvfs

    class ReadOnly:
        def __init__(self, path: object) -> None:
            self._real = real(path)  # type: ignore[arg-type]
            self.f_flag = self._real.f_flag | os.ST_RDONLY

    monkeypatch.setattr(export_module.os, "statvfs", ReadOnly)
    result = invoke("assign", signups, "-g", "2", "-o", tmp_path / "out")
    assert (result.exit_code, result.stderr) == (
        6,
        f"error: {tmp_path / 'out'}: the folder {tmp_path} is on a read-only file system; "
        "use --out to choose a place that can be written.\n",
    )


def test_rosters_that_break_a_rule_are_exit_70_and_nothing_is_written(
    tmp_path: Path, signups: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = validate_module.validate

    def broken(problem, groups):  # the validator finds the rosters break a rule
        verdict = real(problem, groups)
        bad = Violation(rule="size", message="group sizes range from 1 to 23.")
        return type(verdict)(violations=(bad,), balance=verdict.balance)

    monkeypatch.setattr(validate_module, "validate", broken)
    result = invoke("assign", signups, "-g", "2", "-o", tmp_path / "out")
    assert (result.exit_code, result.stderr) == (
        70,
        "error: internal error: the rosters found break a rule, so nothing was written: "
        "group sizes range from 1 to 23. Please report this.\n",
    )
    assert not (tmp_path / "out").exists()


def test_an_unexpected_exception_is_exit_70_without_a_traceback(
    tmp_path: Path, signups: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def crash(*args: object, **kwargs: object) -> None:
        raise ZeroDivisionError("Student 7 <s007@x.edu>")

    monkeypatch.setattr(export_module, "write_outputs", crash)
    result = invoke("assign", signups, "-g", "2", "-o", tmp_path / "out")
    assert (result.exit_code, result.stderr) == (
        70,
        "error: internal error: ZeroDivisionError; nothing more is shown, so that no student "
        "data reaches the screen. Please report this, with the command you ran.\n",
    )


def test_no_rosters_within_the_time_limit_is_exit_5(
    tmp_path: Path, signups: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The greedy deal stuck (no start) and a search given no work at all: CP-SAT itself ends
    without a roster, and the run says what to do."""
    import empower_cli.search as search_module
    import empower_cli.solve as solve_module

    monkeypatch.setattr(solve_module, "first_start", lambda *args: None)

    def no_work(params, seconds, *, reproducible):
        params.max_deterministic_time = 0.0
        params.max_time_in_seconds = 0.0

    monkeypatch.setattr(search_module, "set_limit", no_work)
    result = invoke("assign", signups, "-g", "3", "-o", tmp_path / "out")
    assert (result.exit_code, result.stderr) == (
        5,
        "error: no rosters were found within the time limit. Try a longer --time-limit.\n",
    )
    assert not (tmp_path / "out").exists()
