"""The `empower` command line: parse options, run the job, map errors to exit codes.

Only typer and the project's light modules are imported at start-up; pandas and ortools load
inside the commands that need them, so `empower --help` and `--version` stay quick.
"""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

from empower_cli import __version__, heap
from empower_cli.errors import (
    COMMAND_EXIT_CODES,
    PIPE_CLOSED,
    STOPPED,
    EmpowerError,
    InternalError,
    StoppedError,
)

if TYPE_CHECKING:  # annotations only: the commands import what they run
    from collections.abc import Callable

    from rich.console import Console

    from empower_cli.signups import SignupOptions


def _exit_table(command: str) -> str:
    """The epilog of a command's --help: its own exit codes."""
    rows = "\n".join(f"{code}  {meaning}" for code, meaning in COMMAND_EXIT_CODES[command])
    return f"Exit codes:\n\n\b\n{rows}"


app = typer.Typer(
    name="empower",
    help="Form balanced peer-mentorship groups from a sign-up CSV.",
    epilog=_exit_table("assign"),
    no_args_is_help=True,
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)


Signups = Annotated[
    Path,
    typer.Argument(
        metavar="SIGNUPS",
        readable=False,  # an unreadable file is bad input (exit 3), said by the reader
        help="The sign-up file: a CSV or .xlsx export from Google Forms, Microsoft Forms, "
        "Qualtrics, REDCap or a spreadsheet.",
    ),
]
Columns = Annotated[
    list[str] | None,
    typer.Option(
        "--column",
        metavar="FIELD=HEADER",
        help="Map a field (id, name, first_name, last_name, email, year, interests, "
        "requests) to a header; repeatable.",
        show_default=False,
    ),
]
ConfigFile = Annotated[
    Path | None,
    typer.Option(
        "--config",
        metavar="FILE",
        readable=False,
        help="Config file (default: empower.toml next to the sign-up file, if there is one).",
        show_default=False,
    ),
]
Encoding = Annotated[
    str | None,
    typer.Option(
        metavar="NAME",
        help="Encoding of the sign-up file (detected when not given).",
        show_default=False,
    ),
]
Delimiter = Annotated[
    str | None,
    typer.Option(
        metavar="CHAR",
        help="Cell delimiter: ',', ';', '|' or 'tab' (detected when not given, or named by "
        "Excel's first line sep=;).",
        show_default=False,
    ),
]
Sheet = Annotated[
    str | None,
    typer.Option(
        metavar="NAME",
        help="The sheet of an .xlsx workbook that holds the sign-ups (default: the first).",
        show_default=False,
    ),
]
AcademicYear = Annotated[
    int | None,
    typer.Option(
        "--academic-year",
        metavar="YEAR",
        min=1900,
        max=2200,
        help="The academic year that starts in the autumn of YEAR, for 'Class of ...' answers: "
        "the class of YEAR+4 is M1, YEAR+1 is M4.",
        show_default=False,
    ),
]
Groups = Annotated[
    int | None,
    typer.Option(
        "--groups", "-g", metavar="N", min=1, help="Number of groups.", show_default=False
    ),
]
GroupSize = Annotated[
    int | None,
    typer.Option(
        "--group-size",
        "-s",
        metavar="K",
        min=1,
        help="Target group size when --groups is not given (default 16); "
        "sizes differ by at most one.",
        show_default=False,
    ),
]


Balance = Annotated[
    list[str] | None,
    typer.Option(
        "--balance",
        metavar="COLUMN",
        help="Balance this column's values across groups as class years are (a header; "
        "answers separated by ';' are split like interests); repeatable.",
        show_default=False,
    ),
]
BalanceMean = Annotated[
    list[str] | None,
    typer.Option(
        "--balance-mean",
        metavar="COLUMN",
        help="Keep every group's mean of this numeric column close to the cohort's; repeatable.",
        show_default=False,
    ),
]
AtLeast = Annotated[
    list[str] | None,
    typer.Option(
        "--at-least",
        metavar="[N] COLUMN=VALUE|...",
        help="Every group holds at least N (default 1) students with one of the values, e.g. "
        '"Willing to facilitate?=Yes" or "2 year=M3|M4"; repeatable.',
        show_default=False,
    ),
]
NoLone = Annotated[
    list[str] | None,
    typer.Option(
        "--no-lone",
        metavar="COLUMN=VALUE",
        help='No group holds exactly one student with that value, e.g. "Gender=Nonbinary"; '
        "repeatable.",
        show_default=False,
    ),
]
AvoidGroupmates = Annotated[
    list[Path] | None,
    typer.Option(
        "--avoid-groupmates",
        metavar="ASSIGNMENTS.csv",
        help="An earlier round's assignments.csv: students who shared a group there are kept "
        "apart where balance allows; repeatable.",
        show_default=False,
    ),
]
MaxRepeats = Annotated[
    int | None,
    typer.Option(
        "--max-repeats",
        min=0,
        help="With --avoid-groupmates: at most N pairs of earlier groupmates share a group again.",
        show_default=False,
    ),
]


def _fail(err: Console, error: EmpowerError) -> typer.Exit:
    """Print an EmpowerError the one way every command does; the Exit to raise."""
    err.print(f"error: {error.message}", markup=False, style="bold red", soft_wrap=True)
    return typer.Exit(error.exit_code)


def _console(*, stderr: bool = False) -> Console:
    """A console whose closed pipe raises BrokenPipeError (rich's own exits with 1), so that
    `_run` decides the exit code: `empower assign ... | head -1` is 0 once the rosters exist."""
    from rich.console import Console

    class _PipeAware(Console):
        def on_broken_pipe(self) -> None:
            self.quiet = True
            raise BrokenPipeError

    return _PipeAware(stderr=stderr, highlight=False)


def _quiet_stdout() -> None:
    """Point standard output at the null device, so that the interpreter's last flush of a
    closed pipe prints nothing."""
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


def _run(err: Console, action: Callable[[], object], *, writes_rosters: bool = False) -> None:
    """Run a command's job: an EmpowerError is its message and exit code; Ctrl-C before the
    rosters are complete is exit 130; a closed output pipe (`| head -1`) is exit 0 once the job's
    work is done (for assign: the rosters written); anything else is an internal error (70),
    reported without a traceback, which could show student data."""
    from empower_cli.interrupt import CtrlC

    state = CtrlC()
    try:
        with state:
            action()
    except EmpowerError as error:
        raise _fail(err, error) from None
    except KeyboardInterrupt:
        err.print(StoppedError(STOPPED).message, markup=False, soft_wrap=True)
        raise typer.Exit(StoppedError.exit_code) from None
    except BrokenPipeError:
        _quiet_stdout()
        raise typer.Exit(PIPE_CLOSED if writes_rosters and not state.written else 0) from None
    except (typer.Exit, typer.Abort):
        raise
    except Exception as error:
        internal = InternalError(
            f"internal error: {type(error).__name__}; nothing more is shown, so that no student "
            "data reaches the screen. Please report this, with the command you ran."
        )
        raise _fail(err, internal) from None


def _show_version(value: bool) -> None:
    if value:
        typer.echo(f"empower {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", help="Show the version and exit.", callback=_show_version, is_eager=True
        ),
    ] = False,
) -> None:
    """Form balanced peer-mentorship groups from a sign-up CSV."""


@app.command(epilog=_exit_table("assign"))
def assign(
    signups: Signups,
    groups: Groups = None,
    group_size: GroupSize = None,
    out: Annotated[Path, typer.Option("--out", "-o", metavar="DIR", help="Output folder.")] = Path(
        "rosters"
    ),
    lock: Annotated[
        Path | None,
        typer.Option(
            metavar="FILE",
            help="CSV of students who must share a group: each row names two or more "
            "(id, email or name).",
            readable=False,
        ),
    ] = None,
    apart: Annotated[
        Path | None,
        typer.Option(
            metavar="FILE",
            help="CSV of students who must not share a group: each row names two or more.",
            readable=False,
        ),
    ] = None,
    pin: Annotated[
        Path | None,
        typer.Option(
            metavar="FILE",
            help="CSV of student key, group number (1 to the group count).",
            readable=False,
        ),
    ] = None,
    column: Columns = None,
    seed: Annotated[
        int | None,
        typer.Option(
            metavar="N",
            help="Seed for the search (default 0); same seed, same rosters.",
            show_default=False,
        ),
    ] = None,
    time_limit: Annotated[
        float | None,
        typer.Option(
            "--time-limit",
            metavar="SECONDS",
            min=0.1,
            help="Longest search (default 60); it stops as soon as the best balance is proven.",
            show_default=False,
        ),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(
            metavar="N", min=0, help="Search threads (default 0: one per core).", show_default=False
        ),
    ] = None,
    reproducible: Annotated[
        bool,
        typer.Option(
            "--reproducible",
            help="Count --time-limit in the solver's deterministic work units instead of "
            "seconds, so that even a search the limit cuts short gives the same rosters on any "
            "machine.",
        ),
    ] = False,
    force: Annotated[
        bool, typer.Option("--force", help="Replace an existing output folder.")
    ] = False,
    encoding: Encoding = None,
    delimiter: Delimiter = None,
    sheet: Sheet = None,
    config: ConfigFile = None,
    academic_year: AcademicYear = None,
    previous: Annotated[
        Path | None,
        typer.Option(
            metavar="ASSIGNMENTS.csv",
            readable=False,
            help="An earlier run's assignments.csv: students keep their groups unless balance "
            "or a new rule needs a move (the group count defaults to that file's).",
            show_default=False,
        ),
    ] = None,
    max_moves: Annotated[
        int | None,
        typer.Option(
            "--max-moves",
            metavar="N",
            min=0,
            help="With --previous: at most N earlier students change group; balance is "
            "the best possible under that cap.",
            show_default=False,
        ),
    ] = None,
    requests_column: Annotated[
        str | None,
        typer.Option(
            "--requests-column",
            metavar="HEADER",
            help='The free-text "placed with" column (detected from its header when not '
            "given); each name or email that matches one student locks the pair.",
            show_default=False,
        ),
    ] = None,
    ignore_requests: Annotated[
        bool,
        typer.Option(
            "--ignore-requests",
            help='Do not read a "placed with" column (--lock, --apart and --pin still hold).',
        ),
    ] = False,
    no_workbook: Annotated[
        bool, typer.Option("--no-workbook", help="Do not write rosters.xlsx.")
    ] = False,
    no_report: Annotated[
        bool, typer.Option("--no-report", help="Do not write report.html.")
    ] = False,
    balance: Balance = None,
    balance_mean: BalanceMean = None,
    at_least: AtLeast = None,
    no_lone: NoLone = None,
    avoid_groupmates: AvoidGroupmates = None,
    max_repeats: MaxRepeats = None,
) -> None:
    """Assign every student to a balanced group and write the rosters."""
    from empower_cli.pipeline import AssignOptions
    from empower_cli.pipeline import assign as run

    options = AssignOptions(
        signups=signups,
        out=out,
        groups=groups,
        group_size=group_size,
        lock=lock,
        apart=apart,
        pin=pin,
        columns=tuple(column or ()),
        seed=seed,
        time_limit=time_limit,
        workers=workers,
        reproducible=reproducible,
        force=force,
        encoding=encoding,
        delimiter=delimiter,
        sheet=sheet,
        config=config,
        academic_year=academic_year,
        previous=previous,
        max_moves=max_moves,
        requests_column=requests_column,
        ignore_requests=ignore_requests,
        workbook=not no_workbook,
        report=not no_report,
        balance=tuple(balance or ()),
        balance_mean=tuple(balance_mean or ()),
        at_least=tuple(at_least or ()),
        no_lone=tuple(no_lone or ()),
        avoid_groupmates=tuple(avoid_groupmates or ()),
        max_repeats=max_repeats,
    )
    err = _console(stderr=True)
    _run(err, lambda: run(options, out=_console(), err=err), writes_rosters=True)


def _reading(
    signups: Path,
    column: list[str] | None,
    config: Path | None,
    encoding: str | None,
    delimiter: str | None,
    sheet: str | None,
    academic_year: int | None,
) -> SignupOptions:
    """How check and init read the sign-up file: exactly as assign would."""
    from empower_cli.signups import SignupOptions

    return SignupOptions(
        signups=signups,
        columns=tuple(column or ()),
        config=config,
        encoding=encoding,
        delimiter=delimiter,
        sheet=sheet,
        academic_year=academic_year,
    )


@app.command(epilog=_exit_table("check"))
def check(
    signups: Signups,
    column: Columns = None,
    config: ConfigFile = None,
    encoding: Encoding = None,
    delimiter: Delimiter = None,
    sheet: Sheet = None,
    academic_year: AcademicYear = None,
    groups: Groups = None,
    group_size: GroupSize = None,
    balance: Balance = None,
    balance_mean: BalanceMean = None,
    at_least: AtLeast = None,
    no_lone: NoLone = None,
    avoid_groupmates: AvoidGroupmates = None,
    max_repeats: MaxRepeats = None,
) -> None:
    """Read the sign-up file as assign would and show what was found, without solving."""
    from empower_cli.inspect import check as run
    from empower_cli.settings import AssignOptions

    options = AssignOptions(
        signups=signups,
        columns=tuple(column or ()),
        config=config,
        encoding=encoding,
        delimiter=delimiter,
        sheet=sheet,
        academic_year=academic_year,
        groups=groups,
        group_size=group_size,
        balance=tuple(balance or ()),
        balance_mean=tuple(balance_mean or ()),
        at_least=tuple(at_least or ()),
        no_lone=tuple(no_lone or ()),
        avoid_groupmates=tuple(avoid_groupmates or ()),
        max_repeats=max_repeats,
    )
    err = _console(stderr=True)
    _run(err, lambda: run(options, out=_console(), err=err))


@app.command(epilog=_exit_table("init"))
def init(
    signups: Signups,
    column: Columns = None,
    config: ConfigFile = None,
    encoding: Encoding = None,
    delimiter: Delimiter = None,
    sheet: Sheet = None,
    academic_year: AcademicYear = None,
    groups: Groups = None,
    group_size: GroupSize = None,
    force: Annotated[
        bool, typer.Option("--force", help="Replace an existing empower.toml.")
    ] = False,
) -> None:
    """Write a starter empower.toml next to the sign-up file from what check finds."""
    from empower_cli.inspect import init as run

    options = _reading(signups, column, config, encoding, delimiter, sheet, academic_year)
    err = _console(stderr=True)
    _run(
        err,
        lambda: run(
            options,
            out=_console(),
            err=err,
            force=force,
            groups=groups,
            group_size=group_size,
        ),
    )


@app.command(epilog=_exit_table("diff"))
def diff(
    old: Annotated[
        Path,
        typer.Argument(metavar="OLD.csv", help="An earlier run's assignments.csv.", readable=False),
    ],
    new: Annotated[
        Path, typer.Argument(metavar="NEW.csv", help="A later assignments.csv.", readable=False)
    ],
) -> None:
    """Show who moved between two assignments files, who joined and who left."""
    from empower_cli.pipeline import diff as run

    err = _console(stderr=True)
    _run(err, lambda: run(old, new, out=_console()))


def _exit_code(done: SystemExit) -> int:
    """The process exit code a SystemExit stands for (None is 0; a message is 1, printed)."""
    if done.code is None or isinstance(done.code, int):
        return done.code or 0
    print(done.code, file=sys.stderr)
    return 1


def main() -> NoReturn:
    """Console-script entry point.

    Once the command is done and its output flushed, the process ends with os._exit: tearing
    down the interpreter (pandas, numpy and their modules, object by object) takes about 0.2 s,
    a fifth of a small run, and there is nothing left to clean up. Every file empower writes is
    closed and renamed into place before the command returns. Under a profiler or a coverage
    tool the process exits normally, so that they can write their reports. The cyclic
    collector is set for one short process (empower_cli.heap)."""
    heap.for_the_process()
    try:
        app()
        code = 0
    except SystemExit as done:
        code = _exit_code(done)
    if sys.getprofile() is not None or sys.gettrace() is not None:
        sys.exit(code)  # a profiler or coverage tool still has its report to write
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed pipe has nothing to flush
            stream.flush()
    os._exit(code)
