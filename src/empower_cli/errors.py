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


EXIT_CODES: tuple[tuple[int, str], ...] = (
    (0, "rosters written"),
    (UsageError.exit_code, "usage error (a bad option or option value)"),
    (InputError.exit_code, "bad input: the message names the file, row and column"),
    (InfeasibleError.exit_code, "the locks, aparts, pins and sizes cannot all hold together"),
    (NoSolutionError.exit_code, "no solution within the time limit"),
    (OutputError.exit_code, "the output folder cannot be written"),
)
