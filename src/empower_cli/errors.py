"""The one exception family the program raises on purpose; each kind carries its exit code.

The CLI prints the message to stderr and exits with `exit_code`; no traceback is ever shown for
these. Messages name the file, row and column in the user's words, and never hold more student
data than the user needs to fix the problem.
"""

from __future__ import annotations


class EmpowerError(Exception):
    """Base of every error empower reports to the user."""

    exit_code: int = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class UsageError(EmpowerError):
    """The command line asks for something that cannot work (bad option values)."""

    exit_code = 2


class InputError(EmpowerError):
    """A sign-up, lock, apart or pin file cannot be read as it is."""

    exit_code = 3


class InfeasibleError(EmpowerError):
    """The rules cannot all hold at once (locks, aparts, pins, sizes, group count)."""

    exit_code = 4


class NoSolutionError(EmpowerError):
    """The solver found no rosters within the time limit."""

    exit_code = 5


class OutputError(EmpowerError):
    """The output folder cannot be written."""

    exit_code = 6


class InternalError(EmpowerError):
    """empower itself went wrong (for example, rosters that break a rule): a bug to report."""

    exit_code = 70


class StoppedError(EmpowerError):
    """Ctrl-C before any complete roster existed: nothing was written (128 + SIGINT)."""

    exit_code = 130


STOPPED = "stopped by Ctrl-C before the rosters were complete; nothing was written."
#: When whatever reads empower's messages (`| head`) closes before the rosters are written.
PIPE_CLOSED = 141

_USAGE = (
    UsageError.exit_code,
    "usage error: a bad option or option value, or a wrong key or value in empower.toml",
)
_INPUT = (InputError.exit_code, "bad input: the message names the file, row and column")
_INTERNAL = (InternalError.exit_code, "internal error: a bug in empower; please report it")

#: Each command's exit codes and what they mean, as its --help and the README list them.
COMMAND_EXIT_CODES: dict[str, tuple[tuple[int, str], ...]] = {
    "assign": (
        (0, "rosters written"),
        _USAGE,
        _INPUT,
        (
            InfeasibleError.exit_code,
            "the rules cannot all hold together: the message names the students and rules "
            "(or, for --at-least, --no-lone and --max-repeats, the arithmetic that rules them out)",
        ),
        (NoSolutionError.exit_code, "no rosters found within the time limit"),
        (OutputError.exit_code, "the output folder cannot be written"),
        _INTERNAL,
        (StoppedError.exit_code, STOPPED),
        (
            PIPE_CLOSED,
            "the pipe reading empower's messages closed before the rosters were "
            "written; nothing was written (once they are written, a closed pipe is exit 0)",
        ),
    ),
    "check": (
        (0, "the file reads, and assign could run on it"),
        _USAGE,
        _INPUT,
        (
            InfeasibleError.exit_code,
            "a rule cannot hold: arithmetic alone shows it (the same message assign gives)",
        ),
        _INTERNAL,
    ),
    "init": (
        (0, "empower.toml written"),
        _USAGE,
        _INPUT,
        (OutputError.exit_code, "empower.toml exists (without --force) or cannot be written"),
        _INTERNAL,
    ),
    "diff": (
        (0, "the changes listed"),
        _USAGE,
        (InputError.exit_code, "a file cannot be read, or is not an assignments.csv"),
        _INTERNAL,
    ),
}
EXIT_CODES = COMMAND_EXIT_CODES["assign"]
