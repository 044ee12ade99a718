"""Ctrl-C while `assign` runs: an interruption until a complete roster exists, then only a note.

Until the solver has returned a roster, Ctrl-C raises KeyboardInterrupt as usual: the search keeps
the best roster found so far, and before any exists the run stops with nothing written (exit 130).
Once `keep()` is called (a complete roster exists), Ctrl-C no longer interrupts anything: it is
noted in `pressed`, the optional extras (what the rules cost) are skipped, and the rosters are
written; once they are written, it changes neither the exit code nor the messages.

The command line installs the handler around the whole run (`with CtrlC():`); the job calls the
module's `keep()` and `pressed()`, which do nothing when no handler is installed (a test or
another program calling the job directly).
"""

from __future__ import annotations

import signal
import threading
from types import FrameType, TracebackType
from typing import Any, Self


class CtrlC:
    """A SIGINT handler for one run (installed only in the main thread, where signals land)."""

    def __init__(self) -> None:
        self.pressed = False
        self.written = False
        """Whether the rosters are written (a closed output pipe after that is no failure)."""
        self._raising = True
        self._previous: Any = None
        self._installed = False

    def __enter__(self) -> Self:
        global _ACTIVE
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGINT, self._handle)
            self._installed = True
            _ACTIVE = self
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        global _ACTIVE
        if self._installed:
            signal.signal(signal.SIGINT, self._previous)
            self._installed = False
            _ACTIVE = None

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        if self._raising:
            raise KeyboardInterrupt
        self.pressed = True

    def keep(self) -> None:
        """A complete roster exists: from now on Ctrl-C is noted, never raised."""
        self._raising = False


_ACTIVE: CtrlC | None = None
KEPT = (
    "Ctrl-C: the rosters were already complete, so they were written (what the rules cost "
    "in balance was not worked out)."
)


def keep() -> None:
    """A complete roster exists: Ctrl-C from now on is noted, not raised (see CtrlC.keep)."""
    if _ACTIVE is not None:
        _ACTIVE.keep()


def wrote() -> None:
    """The rosters are written: nothing that happens after this can undo that."""
    if _ACTIVE is not None:
        _ACTIVE.written = True


def pressed() -> bool:
    """Whether Ctrl-C was pressed since `keep()`."""
    return _ACTIVE is not None and _ACTIVE.pressed
