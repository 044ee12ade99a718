"""The README's tables of options and exit codes are the CLI's own (issue 12, item 13)."""

from __future__ import annotations

import re
from pathlib import Path

from empower_cli.cli import app
from empower_cli.readme import FIX, exit_codes, render

README = Path(__file__).resolve().parents[1] / "README.md"


def test_the_readme_tables_are_what_the_cli_generates() -> None:
    text = README.read_text(encoding="utf-8")
    assert render(text, app) == text, f"README.md is out of date with the CLI; run: {FIX}"


def test_every_option_of_every_command_is_in_the_readme() -> None:
    import typer.main

    text = README.read_text(encoding="utf-8")
    group = typer.main.get_command(app)
    for name, command in group.commands.items():
        assert f"#### `empower {name} [OPTIONS]" in text
        for param in command.params:
            for option in param.opts:
                if option.startswith("-"):
                    assert f"{option}" in text, (name, option)


def test_exit_codes_are_read_from_the_epilog() -> None:
    epilog = "Exit codes:\n\n\b\n0  done\n3  bad input: a file\n\nmore text"
    assert exit_codes(epilog) == [("0", "done"), ("3", "bad input: a file")]
    assert exit_codes("no codes here") == []


def test_the_module_table_names_every_module_and_no_other() -> None:
    # The README's table of modules under "Development": one row per module of the package
    # (a folder counts once), so that a module added, renamed or removed shows up here.
    text = README.read_text(encoding="utf-8")
    table = text[text.index("| module | job |") :].split("\n\n", 1)[0]
    named = set()
    for line in table.splitlines()[2:]:
        cell = line.split("|")[1]
        named.update(re.findall(r"`([\w/]+(?:\.py)?)`", cell))
    named = {name for name in named if name.rstrip("/").count("/") == 0}  # ingest/formats/: a part
    package = README.parent / "src" / "empower_cli"
    present = {
        p.name + "/" if p.is_dir() else p.name
        for p in package.iterdir()
        if not p.name.startswith("__") and (p.is_dir() or p.suffix == ".py")
    }
    assert present == named
