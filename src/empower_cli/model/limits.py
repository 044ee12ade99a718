"""How long CP-SAT may search: wall-clock seconds, or deterministic work for reproducible runs."""

from __future__ import annotations

from typing import Any


def set_limit(params: Any, seconds: float, *, reproducible: bool) -> None:
    """Limit a solve to `seconds` of wall-clock time, or, when `reproducible`, to as many of
    CP-SAT's deterministic time units. Those count work done rather than time passed, so a
    search that the limit cuts short stops at the same point on any machine and under any load
    (a unit is very roughly a second of one core's work)."""
    if reproducible:
        params.max_deterministic_time = seconds
    else:
        params.max_time_in_seconds = seconds
