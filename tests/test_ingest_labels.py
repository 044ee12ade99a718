"""Multi-select cells whose labels hold the separator, short names, and graduation years."""

from __future__ import annotations

import pytest

from empower_cli.ingest.formats.google import SPLITTING as GOOGLE
from empower_cli.ingest.formats.msforms import SPLITTING as MSFORMS
from empower_cli.ingest.interests import OTHER, collect_interests, split_cell
from empower_cli.ingest.labels import short_name, short_names
from empower_cli.ingest.years import read_year

KNOWN = {
    "wellness, balance and burnout": "Wellness, balance and burnout",
    "medicine, ethics & law": "Medicine, Ethics & Law",
    "research": "Research",
}


def test_known_labels_are_matched_whole_longest_first() -> None:
    cell = "Medicine, Ethics & Law, Research, Wellness, balance and burnout"
    assert split_cell(cell, GOOGLE, KNOWN) == [
        "Medicine, Ethics & Law",
        "Research",
        "Wellness, balance and burnout",
    ]


def test_an_unknown_piece_in_lower_case_continues_the_one_before() -> None:
    assert split_cell("Research, Global health, rural and remote", GOOGLE, KNOWN) == [
        "Research",
        "Global health, rural and remote",
    ]


def test_microsoft_forms_choices_end_with_a_semicolon_and_may_hold_commas() -> None:
    assert split_cell("Wellness, balance and burnout;Research;", MSFORMS, {}) == [
        "Wellness, balance and burnout",
        "Research",
    ]


def test_labels_seen_alone_are_learnt_and_rare_free_text_becomes_other() -> None:
    cells = [
        "Wellness, balance and burnout",
        "Research, Wellness, balance and burnout",
        "Research",
        "Research, Knitting",
        "Wellness, balance and burnout",
    ]
    interests = collect_interests(cells, GOOGLE)
    assert interests.labels == ("Wellness, balance and burnout", "Research", OTHER)
    assert interests.chosen[3] == ("Research", OTHER)
    assert interests.others == ("Knitting",)


def test_a_label_the_config_lists_is_never_other() -> None:
    cells = ["Research", "Research, Knitting", "Research"]
    interests = collect_interests(cells, GOOGLE, known=["Knitting"])
    assert interests.labels == ("Research", "Knitting")
    assert interests.others == ()


@pytest.mark.parametrize(
    ("label", "short"),
    [
        ("Wellness", "Wellness"),
        ("Discovering my path (extracurriculars & research)", "Discovering my path"),
        ("Clinical skills, rotations and shelf exams", "Clinical skills"),
        ("Navigating the match and residency applications as a couple", "Navigating the match"),
    ],
)
def test_long_labels_get_short_names(label: str, short: str) -> None:
    assert short_name(label) == short


def test_short_names_never_clash_and_the_config_wins() -> None:
    basic, trials = "Research (basic science and lab work)", "Research (clinical trials, outcomes)"
    labels = [basic, trials, "Wellness"]
    assert short_names(labels, {}) == {label: label for label in labels}
    assert short_names(labels, {trials.upper(): "Trials"}) == {
        basic: "Research",
        trials: "Trials",
        "Wellness": "Wellness",
    }


@pytest.mark.parametrize(
    ("cell", "year"),
    [
        ("Class of 2030", "M1"),
        ("class of 2029", "M2"),
        ("c/o 2028", "M3"),
        ("2027", "M4"),
        ("MSTP, class of 2033", "MSTP"),
        ("Class of 2031", None),
    ],
)
def test_graduation_years_in_the_academic_year_starting_autumn_2026(
    cell: str, year: str | None
) -> None:
    assert read_year(cell, academic_year=2026).year == year


def test_an_alias_comes_before_everything_else() -> None:
    assert read_year("Research year", aliases={"research year": "M4"}).year == "M4"
    assert read_year("1", aliases={"1": "MSTP"}).year == "MSTP"
