"""One settings record: the command line, empower.toml and the defaults, merged once, here.

`AssignOptions` holds what the command line said (None or empty for what it left out). `resolve`
merges it with the config into a frozen `Settings` that `assign` and `check` read from then on:
a value given on the command line wins; a list option (--balance, --at-least, ...) given on the
command line replaces the config's list; anything neither says takes its default.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TypeVar

from empower_cli.config import Config
from empower_cli.errors import UsageError
from empower_cli.signups import SignupOptions

DEFAULT_SEED = 0
DEFAULT_TIME_LIMIT = 60.0
DEFAULT_WORKERS = 0

_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class AssignOptions:
    """Everything `empower assign` (or `check`) is told on the command line, after parsing."""

    signups: Path
    out: Path = Path("rosters")
    groups: int | None = None
    group_size: int | None = None
    lock: Path | None = None
    apart: Path | None = None
    pin: Path | None = None
    columns: tuple[str, ...] = ()
    seed: int | None = None
    """None: the config's, else 0 (likewise time_limit, 60 s, and workers, 0)."""
    time_limit: float | None = None
    workers: int | None = None
    reproducible: bool = False
    """False: the config's [solve] reproducible, else False."""
    force: bool = False
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    """The workbook sheet that holds the sign-ups (None: the config's, else the first)."""
    config: Path | None = None
    """empower.toml to use; None: the one beside the sign-up file, if any."""
    academic_year: int | None = None
    previous: Path | None = None
    """An earlier run's assignments.csv: students keep their groups where balance allows."""
    max_moves: int | None = None
    requests_column: str | None = None
    """The header of the free-text "placed with" column (detected when None)."""
    ignore_requests: bool = False
    balance: tuple[str, ...] = ()
    """--balance COLUMN values: headers balanced like class years."""
    balance_mean: tuple[str, ...] = ()
    at_least: tuple[str, ...] = ()
    no_lone: tuple[str, ...] = ()
    avoid_groupmates: tuple[Path, ...] = ()
    max_repeats: int | None = None
    workbook: bool = True
    """Write rosters.xlsx (--no-workbook turns it off)."""
    report: bool = True
    """Write report.html (--no-report turns it off)."""


def reading_options(reading: SignupOptions, **more: object) -> AssignOptions:
    """The command line of a command that only reads (init): every reading option carried
    over by name, so none can be dropped on the way, plus `more`."""
    carried = {f.name: getattr(reading, f.name) for f in fields(SignupOptions)}
    return AssignOptions(**carried, **more)  # type: ignore[arg-type]  # fields match by name


@dataclass(frozen=True, slots=True)
class Settings:
    """What every stage after reading the options uses: command line over config over defaults."""

    signups: Path
    out: Path
    groups: int | None
    group_size: int | None
    lock: Path | None
    apart: Path | None
    pin: Path | None
    columns: tuple[str, ...]
    seed: int
    time_limit: float
    workers: int
    """0 means one per core."""
    reproducible: bool
    force: bool
    encoding: str | None
    delimiter: str | None
    sheet: str | None
    config: Path | None
    """The config file used, if any."""
    academic_year: int | None
    previous: Path | None
    max_moves: int | None
    requests_column: str | None
    ignore_requests: bool
    balance: tuple[str, ...]
    balance_mean: tuple[str, ...]
    at_least: tuple[str, ...]
    no_lone: tuple[str, ...]
    avoid_groupmates: tuple[Path, ...]
    max_repeats: int | None
    weights: tuple[tuple[str, int], ...]
    """(family, weight) from [balance.weights]; every other family weighs 1."""
    workbook: bool = True
    report: bool = True
    file: Config = field(default_factory=Config)
    """The config as read (for how to read the sign-up file: aliases, labels, short names)."""

    @property
    def reading(self) -> SignupOptions:
        """The part that says how to read the sign-up file."""
        return SignupOptions(
            signups=self.signups,
            columns=self.columns,
            config=self.config,
            encoding=self.encoding,
            delimiter=self.delimiter,
            sheet=self.sheet,
            academic_year=self.academic_year,
        )

    def manifest(self) -> dict[str, object]:
        """The settings as JSON values, for manifest.json (paths as text, no config body)."""
        out: dict[str, object] = {}
        for name in self.__slots__:
            if name == "file":
                continue
            value = getattr(self, name)
            if isinstance(value, Path):
                value = str(value)
            elif isinstance(value, tuple):
                value = [
                    str(v) if isinstance(v, Path) else list(v) if isinstance(v, tuple) else v
                    for v in value
                ]
            out[name] = value
        return out


def _first(*values: _T | None, default: _T) -> _T:
    """The first value that is not None, else the default."""
    return next((value for value in values if value is not None), default)


def _beside(config: Config, paths: tuple[str, ...]) -> tuple[Path, ...]:
    """The config's paths, relative ones read from the config file's folder."""
    folder = Path(config.source).parent if config.source else Path()
    return tuple(p if (p := Path(text)).is_absolute() else folder / p for text in paths)


def check_options(options: AssignOptions) -> None:
    """Usage errors that need nothing read."""
    if options.groups is not None and options.group_size is not None:
        raise UsageError("give --groups or --group-size, not both.")
    if options.max_moves is not None and options.previous is None:
        raise UsageError("--max-moves needs --previous (the assignments.csv of an earlier run).")
    if options.max_moves is not None and options.max_moves < 0:
        raise UsageError(f"--max-moves must be 0 or more (got {options.max_moves}).")
    if options.requests_column is not None and options.ignore_requests:
        raise UsageError("give --requests-column or --ignore-requests, not both.")
    if options.max_repeats is not None and options.max_repeats < 0:
        raise UsageError(f"--max-repeats must be 0 or more (got {options.max_repeats}).")


def resolve(options: AssignOptions, config: Config) -> Settings:
    """The one merge of command line, config and defaults. --groups or --group-size on the
    command line replaces both of the config's."""
    check_options(options)
    from_config = options.groups is None and options.group_size is None
    avoid = options.avoid_groupmates or _beside(config, config.avoid_groupmates)
    max_repeats = _first(options.max_repeats, config.max_repeats, default=None)
    if max_repeats is not None and not avoid:
        raise UsageError(
            "--max-repeats needs --avoid-groupmates (the assignments.csv of an earlier round)."
        )
    return Settings(
        signups=options.signups,
        out=options.out,
        groups=config.groups if from_config else options.groups,
        group_size=config.group_size if from_config else options.group_size,
        lock=options.lock,
        apart=options.apart,
        pin=options.pin,
        columns=options.columns,
        seed=_first(options.seed, config.seed, default=DEFAULT_SEED),
        time_limit=_first(options.time_limit, config.time_limit, default=DEFAULT_TIME_LIMIT),
        workers=_first(options.workers, config.workers, default=DEFAULT_WORKERS),
        reproducible=options.reproducible or bool(config.reproducible),
        force=options.force,
        encoding=options.encoding or config.encoding,
        delimiter=options.delimiter or config.delimiter,
        sheet=options.sheet or config.sheet,
        config=Path(config.source) if config.source else None,
        academic_year=_first(options.academic_year, config.academic_year, default=None),
        previous=options.previous,
        max_moves=options.max_moves,
        requests_column=options.requests_column,
        ignore_requests=options.ignore_requests,
        balance=options.balance or config.balance,
        balance_mean=options.balance_mean or config.balance_mean,
        at_least=options.at_least or config.at_least,
        no_lone=options.no_lone or config.no_lone,
        avoid_groupmates=avoid,
        max_repeats=max_repeats,
        weights=config.weights,
        workbook=options.workbook,
        report=options.report,
        file=config,
    )
