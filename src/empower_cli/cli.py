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

from empower_cli import __version__
from empower_cli.errors import EXIT_CODES, EmpowerError

if TYPE_CHECKING:  # annotations only: the commands import what they run
    from empower_cli.signups import SignupOptions

_EXIT_TABLE = "\b\n" + "\n".join(f"{code}  {meaning}" for code, meaning in EXIT_CODES)

app = typer.Typer(
    name="empower",
    help="Form balanced peer-mentorship groups from a sign-up CSV.",
    epilog=f"Exit codes:\n\n{_EXIT_TABLE}",
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
        help="The sign-up file: a CSV or .xlsx export from Google Forms, Microsoft Forms, "
        "Qualtrics, REDCap or a spreadsheet.",
    ),
]
Columns = Annotated[
    list[str] | None,
    typer.Option(
        "--column",
        metavar="FIELD=HEADER",
        help="Map a field (id, name, email, year, interests, requests) to a header; repeatable.",
        show_default=False,
    ),
]
ConfigFile = Annotated[
    Path | None,
    typer.Option(
        "--config",
        metavar="FILE",
        help="Config file (default: empower.toml next to the sign-up file, if there is one).",
        show_default=False,
    ),
]
Encoding = Annotated[
    str | None,
    typer.Option(
        help="Encoding of the sign-up file (detected when not given).", show_default=False
    ),
]
Delimiter = Annotated[
    str | None,
    typer.Option(
        help="Cell delimiter: ',', ';' or 'tab' (detected when not given).", show_default=False
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
    typer.Option("--groups", "-g", min=1, help="Number of groups.", show_default=False),
]
GroupSize = Annotated[
    int | None,
    typer.Option(
        "--group-size",
        "-s",
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


def _fail(err: object, error: EmpowerError) -> typer.Exit:
    """Print an EmpowerError the one way every command does; the Exit to raise."""
    from rich.console import Console

    assert isinstance(err, Console)
    err.print(f"error: {error.message}", markup=False, style="bold red", soft_wrap=True)
    return typer.Exit(error.exit_code)


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


@app.command(epilog=f"Exit codes:\n\n{_EXIT_TABLE}")
def assign(
    signups: Signups,
    groups: Groups = None,
    group_size: GroupSize = None,
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder.")] = Path("rosters"),
    lock: Annotated[
        Path | None,
        typer.Option(help="CSV of pairs who must share a group (two columns of student keys)."),
    ] = None,
    apart: Annotated[
        Path | None, typer.Option(help="CSV of pairs who must not share a group.")
    ] = None,
    pin: Annotated[
        Path | None, typer.Option(help="CSV of student key, group number (1 to the group count).")
    ] = None,
    column: Columns = None,
    seed: Annotated[
        int | None,
        typer.Option(
            help="Seed for the search (default 0); same seed, same rosters.", show_default=False
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
        typer.Option(min=0, help="Search threads (default 0: one per core).", show_default=False),
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
    config: ConfigFile = None,
    academic_year: AcademicYear = None,
    previous: Annotated[
        Path | None,
        typer.Option(
            metavar="ASSIGNMENTS.csv",
            help="An earlier run's assignments.csv: students keep their groups unless balance "
            "or a new rule needs a move (the group count defaults to that file's).",
            show_default=False,
        ),
    ] = None,
    max_moves: Annotated[
        int | None,
        typer.Option(
            "--max-moves",
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
        bool, typer.Option("--ignore-requests", help='Do not read a "placed with" column.')
    ] = False,
    balance: Balance = None,
    balance_mean: BalanceMean = None,
    at_least: AtLeast = None,
    no_lone: NoLone = None,
    avoid_groupmates: AvoidGroupmates = None,
    max_repeats: MaxRepeats = None,
) -> None:
    """Assign every student to a balanced group and write the rosters."""
    from rich.console import Console

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
        config=config,
        academic_year=academic_year,
        previous=previous,
        max_moves=max_moves,
        requests_column=requests_column,
        ignore_requests=ignore_requests,
        balance=tuple(balance or ()),
        balance_mean=tuple(balance_mean or ()),
        at_least=tuple(at_least or ()),
        no_lone=tuple(no_lone or ()),
        avoid_groupmates=tuple(avoid_groupmates or ()),
        max_repeats=max_repeats,
    )
    err = Console(stderr=True, highlight=False)
    try:
        run(options, out=Console(highlight=False), err=err)
    except EmpowerError as error:
        raise _fail(err, error) from None
    except KeyboardInterrupt:
        err.print("stopped by Ctrl-C before the rosters were complete; nothing was written.")
        raise typer.Exit(130) from None


def _reading(
    signups: Path,
    column: list[str] | None,
    config: Path | None,
    encoding: str | None,
    delimiter: str | None,
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
        academic_year=academic_year,
    )


@app.command(epilog=f"Exit codes:\n\n{_EXIT_TABLE}")
def check(
    signups: Signups,
    column: Columns = None,
    config: ConfigFile = None,
    encoding: Encoding = None,
    delimiter: Delimiter = None,
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
    from rich.console import Console

    from empower_cli.inspect import check as run
    from empower_cli.settings import AssignOptions

    options = AssignOptions(
        signups=signups,
        columns=tuple(column or ()),
        config=config,
        encoding=encoding,
        delimiter=delimiter,
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
    err = Console(stderr=True, highlight=False)
    try:
        run(options, out=Console(highlight=False), err=err)
    except EmpowerError as error:
        raise _fail(err, error) from None


@app.command(epilog=f"Exit codes:\n\n{_EXIT_TABLE}")
def init(
    signups: Signups,
    column: Columns = None,
    config: ConfigFile = None,
    encoding: Encoding = None,
    delimiter: Delimiter = None,
    academic_year: AcademicYear = None,
    groups: Groups = None,
    group_size: GroupSize = None,
    force: Annotated[
        bool, typer.Option("--force", help="Replace an existing empower.toml.")
    ] = False,
) -> None:
    """Write a starter empower.toml next to the sign-up file from what check finds."""
    from rich.console import Console

    from empower_cli.inspect import init as run

    options = _reading(signups, column, config, encoding, delimiter, academic_year)
    err = Console(stderr=True, highlight=False)
    try:
        run(
            options,
            out=Console(highlight=False),
            err=err,
            force=force,
            groups=groups,
            group_size=group_size,
        )
    except EmpowerError as error:
        raise _fail(err, error) from None


@app.command(epilog=f"Exit codes:\n\n{_EXIT_TABLE}")
def diff(
    old: Annotated[
        Path, typer.Argument(metavar="OLD.csv", help="An earlier run's assignments.csv.")
    ],
    new: Annotated[Path, typer.Argument(metavar="NEW.csv", help="A later assignments.csv.")],
) -> None:
    """Show who moved between two assignments files, who joined and who left."""
    from rich.console import Console

    from empower_cli.pipeline import diff as run

    err = Console(stderr=True, highlight=False)
    try:
        run(old, new, out=Console(highlight=False))
    except EmpowerError as error:
        raise _fail(err, error) from None


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
    tool the process exits normally, so that they can write their reports."""
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
