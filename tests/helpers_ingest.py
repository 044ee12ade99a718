"""Small helpers shared by the ingest tests: writing fixture files and catching errors."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from empower_cli.errors import EmpowerError

HEADER = "Student ID,Name,Email,Class year,Interests"


def write(name: str, text: str, encoding: str = "utf-8") -> Path:
    """Write `text` to `name` in the current folder and return the path as a user types it."""
    path = Path(name)
    path.write_bytes(text.encode(encoding))
    return path


def signups(*rows: str, header: str = HEADER, name: str = "signups.csv") -> Path:
    """A UTF-8 sign-up file from a header and rows, one line each."""
    return write(name, "\n".join((header, *rows)) + "\n")


def failure(call: Callable[[], object]) -> EmpowerError:
    """The EmpowerError that `call` raises."""
    with pytest.raises(EmpowerError) as info:
        call()
    return info.value
