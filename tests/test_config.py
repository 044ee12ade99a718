"""empower.toml: every key checked, messages naming the file, the key and the fix."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from empower_cli.cli import app
from empower_cli.config import Config, parse_config
from empower_cli.errors import UsageError
from empower_cli.ingest.text import toml_string
from formats import google_csv, people

runner = CliRunner()


def invoke(*args: str | Path):
    result = runner.invoke(app, [str(arg) for arg in args], catch_exceptions=False)
    assert "Traceback" not in result.output
    return result


def problem(text: str) -> str:
    with pytest.raises(UsageError) as info:
        parse_config(text, "empower.toml")
    assert info.value.exit_code == 2
    return str(info.value)


def test_a_full_config_is_read() -> None:
    config = parse_config(
        """
[read]
encoding = "cp1252"
delimiter = ";"

[columns]
year = "What year are you currently in?"
email = "Email Address"

[years]
academic_year = 2026

[years.aliases]
"Research year" = "m4"

[interests]
labels = ["Wellness, balance and burnout"]

[interests.short]
"Wellness, balance and burnout" = "Wellness"

[groups]
size = 12

[solve]
seed = 7
time_limit = 30
workers = 2
reproducible = true
""",
        "empower.toml",
    )
    assert config == Config(
        source="empower.toml",
        encoding="cp1252",
        delimiter=";",
        columns=(("email", "Email Address"), ("year", "What year are you currently in?")),
        academic_year=2026,
        year_aliases=(("Research year", "M4"),),
        interest_labels=("Wellness, balance and burnout",),
        short_names=(("Wellness, balance and burnout", "Wellness"),),
        group_size=12,
        seed=7,
        time_limit=30.0,
        workers=2,
        reproducible=True,
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "[groups]\ncuont = 3\n",
            "empower.toml: unknown key 'cuont' in [groups]; the keys of [groups] are count "
            "and size.",
        ),
        (
            "[group]\ncount = 3\n",
            "empower.toml: unknown table [group]; the tables are [read], [columns], [years], "
            "[interests], [groups], [solve], [balance] and [rules].",
        ),
        (
            '[groups]\ncount = "twelve"\n',
            "empower.toml: [groups] count must be a whole number of at least 1, not 'twelve'; "
            "write for example count = 16.",
        ),
        (
            "[solve]\ntime_limit = 0\n",
            "empower.toml: [solve] time_limit must be a number of seconds above 0, not 0; "
            "write for example time_limit = 60.",
        ),
        (
            '[columns]\nclass = "Class year"\n',
            "empower.toml: unknown key 'class' in [columns]; the keys of [columns] are id, "
            "name, first_name, last_name, email, year, interests and requests.",
        ),
        (
            '[years.aliases]\n"Research year" = "M5"\n',
            "empower.toml: [years.aliases] 'Research year' = 'M5': 'M5' is not a class year; "
            "write one of M1, M2, M3, M4 or MSTP.",
        ),
        (
            '[solve]\nreproducible = "yes"\n',
            "empower.toml: [solve] reproducible must be true or false, not 'yes'; "
            "write for example reproducible = true.",
        ),
        (
            "[groups]\ncount = 3\nsize = 16\n",
            "empower.toml: [groups] gives both count and size; keep one of them.",
        ),
        (
            "[interests]\nshort = 3\n",
            "empower.toml: short in [interests] must be a table: write it as "
            "[interests.short] with one line per entry.",
        ),
        (
            "[groups\ncount = 3\n",
            "empower.toml: not valid TOML (Expected ']' at the end of a table declaration "
            "(at line 1, column 8)); fix that line.",
        ),
    ],
)
def test_a_wrong_key_or_value_names_the_file_the_key_and_the_fix(text: str, message: str) -> None:
    assert problem(text) == message


def test_a_config_error_is_exit_2_on_the_command_line(tmp_path: Path) -> None:
    export = google_csv(tmp_path, people(30))
    config = tmp_path / "empower.toml"
    config.write_text("[groups]\ncuont = 3\n", encoding="utf-8")
    result = invoke("check", export.path)
    assert result.exit_code == 2
    assert result.stderr == (
        f"error: {config}: unknown key 'cuont' in [groups]; the keys of [groups] are count "
        "and size.\n"
    )


def test_a_missing_config_given_with_the_option_is_exit_2(tmp_path: Path) -> None:
    export = google_csv(tmp_path, people(30))
    result = invoke("check", export.path, "--config", tmp_path / "nope.toml")
    assert result.exit_code == 2
    assert result.stderr == f"error: --config {tmp_path / 'nope.toml'}: no such file.\n"


def test_a_config_column_that_matches_no_header_names_the_config_line(tmp_path: Path) -> None:
    export = google_csv(tmp_path, people(30))
    config = tmp_path / "settings.toml"
    config.write_text('[columns]\nyear = "Class year"\n', encoding="utf-8")
    result = invoke("check", export.path, "--config", config)
    assert result.exit_code == 3
    assert result.stderr.startswith(
        f'error: {export.path}: {config} [columns] year = "Class year" matches no header. '
        "The headers are: 'Timestamp', "
    )
    chosen = invoke(
        "check", export.path, "--config", config, "--column", "year=What year are you currently in?"
    )
    assert chosen.exit_code == 0, chosen.output


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=40))
def test_toml_strings_read_back_exactly(text: str) -> None:
    assert tomllib.loads(f"key = {toml_string(text)}")["key"] == text
