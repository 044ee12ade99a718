"""The README's tables of options and exit codes, generated from the command line itself.

    python -m empower_cli.readme [README.md]          rewrite the tables in place
    python -m empower_cli.readme --check [README.md]  exit 1 when they differ from the CLI

The tables sit between marker comments (`<!-- generated: options -->` ... `<!-- end generated:
options -->`, likewise `exit-codes`). Everything comes from the Typer app: each command's
parameters (their option names, metavar, default and help) in the order the command declares
them, and each command's exit codes from its `--help` epilog. A command or option added to the
app appears after one run of `make readme`, with no change here. Only attributes that every
supported Typer version gives its parameters are read (names, metavar, default, help, flag).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

BLOCKS = ("options", "exit-codes")
FIX = "make readme  (or: python -m empower_cli.readme README.md)"
_EXIT_LINE = re.compile(r"^\s*(\d+)\s{2,}(.*\S)\s*$")


def _cell(text: str) -> str:
    """Text for a Markdown table cell: one line, pipes escaped."""
    return " ".join(text.split()).replace("|", "\\|")


def _names(param: Any) -> str:
    """`-g, --groups N`: short names first, then long ones, then the metavar."""
    if param.param_type_name == "argument":
        return f"`{param.metavar or param.name.upper()}`"
    names = sorted([*param.opts, *param.secondary_opts], key=lambda n: (n.startswith("--"), n))
    shown = ", ".join(names)
    if not getattr(param, "is_flag", False):
        shown += f" {param.metavar or 'VALUE'}"
    return f"`{shown}`"


def _default(param: Any) -> str:
    """The default worth showing: none for flags, None, empty values or hidden defaults."""
    default = param.default
    if getattr(param, "is_flag", False) or default in (None, (), [], "") or not param.show_default:
        return ""
    return f"`{default}`"


def _meaning(param: Any) -> str:
    default = _default(param)
    text = _cell(param.help or "")
    return f"{text} (default: {default})" if default else text


def _rows(command: Any, settings: dict[str, Any]) -> list[tuple[str, str]]:
    rows = [(_names(p), _meaning(p)) for p in command.params if not getattr(p, "hidden", False)]
    help_option = command.get_help_option(command.context_class(command, **settings))
    if help_option is not None:
        rows.append((_names(help_option), _cell(help_option.help or "")))
    return rows


def _table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def _commands(app: Any) -> tuple[Any, list[tuple[str, Any]]]:
    import typer.main

    group = typer.main.get_command(app)
    return group, list(getattr(group, "commands", {}).items())


def _usage(name: str, command: Any) -> str:
    arguments = [
        p.metavar or p.name.upper() for p in command.params if p.param_type_name == "argument"
    ]
    return " ".join(["empower", name, "[OPTIONS]", *arguments])


def options_block(app: Any) -> list[str]:
    group, commands = _commands(app)
    settings = dict(getattr(group, "context_settings", None) or {})
    lines: list[str] = []
    for name, command in commands:
        lines += ["", f"#### `{_usage(name, command)}`", ""]
        lines += [_cell(command.help or "").split(". ")[0].rstrip(".") + ".", ""]
        lines += _table(("option", "meaning"), _rows(command, settings))
    lines += ["", "#### `empower`", ""]
    lines += _table(("option", "meaning"), _rows(group, settings))
    return [*lines, ""]


def exit_codes(epilog: str | None) -> list[tuple[str, str]]:
    """(code, meaning) for each line of an epilog's "Exit codes:" list."""
    text = epilog or ""
    if "Exit codes:" not in text:
        return []
    listed = text.split("Exit codes:", 1)[1]
    return [(m.group(1), m.group(2)) for m in map(_EXIT_LINE.match, listed.splitlines()) if m]


def exit_codes_block(app: Any) -> list[str]:
    _, commands = _commands(app)
    lines: list[str] = []
    for name, command in commands:
        codes = exit_codes(command.epilog)
        if not codes:
            continue
        lines += ["", f"#### `empower {name}`", ""]
        lines += _table(("code", "meaning"), [(f"{c}", _cell(m)) for c, m in codes])
    return [*lines, ""]


def render(text: str, app: Any) -> str:
    """`text` (the README) with every generated block rewritten from `app`."""
    made = {"options": options_block(app), "exit-codes": exit_codes_block(app)}
    for block in BLOCKS:
        begin, end = f"<!-- generated: {block} -->", f"<!-- end generated: {block} -->"
        if begin not in text or end not in text:
            raise ValueError(f"README.md has no {begin} ... {end} markers")
        head, rest = text.split(begin, 1)
        _, tail = rest.split(end, 1)
        note = f"<!-- made by `{FIX}` from the CLI; edit the CLI, not this table -->"
        text = "\n".join([head + begin, note, *made[block], end]) + tail
    return text


def main(argv: Sequence[str] | None = None) -> int:
    from empower_cli.cli import app

    args = list(sys.argv[1:] if argv is None else argv)
    check = "--check" in args
    paths = [a for a in args if a != "--check"]
    path = Path(paths[0] if paths else "README.md")
    text = path.read_text(encoding="utf-8")
    made = render(text, app)
    if check:
        if made != text:
            print(f"{path} is out of date with the CLI; run: {FIX}", file=sys.stderr)
            return 1
        return 0
    if made != text:
        path.write_text(made, encoding="utf-8")
        print(f"{path}: tables rewritten from the CLI")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
