"""Generate a synthetic sign-up export shaped like a real mentorship cohort.

The cohort follows the shape described for the real one: class years M1 30%, M2 27%, M3 20%,
M4 15% and MSTP 8% (exact counts by largest remainder, shuffled), and one to three interests per
student among four labels, drawn with weights that depend on the class year. The same seed always
gives the same file. Standard library only.

    python benchmarks/generate.py --n 300 --seed 0 --pairs 10 \\
        --signups OUT.csv --locks LOCKS.csv [--plain-years] \\
        [--extra-columns] [--last-year LAST.csv [--last-year-groups K]]

By default the class years are written the many ways students write them ("MS-1", "2nd year",
"MD/PhD", ...); with --plain-years they are exactly M1, M2, M3, M4 or MSTP.

--extra-columns adds four answers real forms also ask, before the notes column: `Gender` (Woman,
Man, Nonbinary: 52/44.7/3.3 %, exact counts by largest remainder), `Age` (whole years, rising
with the class year), `M-Home house` (four learning-community houses, drawn independently, so
roughly but not exactly even) and `Willing to facilitate?` (Yes for 10% of the students, exact,
all of them M3, M4 or MSTP; No for everyone else). They come from a random stream of their own:
every other column, and the locked pairs, are the same bytes with or without the flag.

--last-year writes an earlier round's assignments.csv, shaped as `empower assign` writes one
(UTF-8 with a byte-order mark, "\\n" line endings, formula-like cells escaped with a leading `'`,
the sign-up columns then `group`, numbered from 1) for the returning students: everyone but the
M1s, with the class year they had last year (M2 -> M1, M3 -> M2, M4 -> M3, MSTP stays) and last
year's sign-up time; interests as this year. They are dealt at random (a stream of its own) into
K groups, ceil(n / 16) unless --last-year-groups says otherwise, whose sizes differ by at most
one. A locked pair may have been groupmates last year, by chance only; the generator prints
how many to stderr.

Fixtures for issue 10 (extra families, rules, last year's groupmates) and its benchmarks, from the
repository root (about 0.2 s, 0.6 s and 2 s):

    # 300 students, 19 groups: the example (examples/README.md)
    .venv/bin/python benchmarks/generate.py --n 300 --seed 2026 --pairs 10 --plain-years \\
        --extra-columns --signups examples/signups.csv --locks examples/locks.csv \\
        --last-year examples/last_year.csv
    # 5,000 students, 300 groups, 150 locked pairs
    .venv/bin/python benchmarks/generate.py --n 5000 --seed 2026 --pairs 150 --plain-years \\
        --extra-columns --signups s5000.csv --locks l5000.csv \\
        --last-year y5000.csv --last-year-groups 300
    # 20,000 students, 1,250 groups, 600 locked pairs
    .venv/bin/python benchmarks/generate.py --n 20000 --seed 2026 --pairs 600 --plain-years \\
        --extra-columns --signups s20000.csv --locks l20000.csv \\
        --last-year y20000.csv --last-year-groups 1250
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import functools
import itertools
import math
import random
import sys
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

COLUMNS: tuple[str, ...] = (
    "Timestamp",
    "Student ID",
    "Name",
    "Email",
    "Class year",
    "Interests",
    "Anything else we should know?",
)

YEARS: tuple[str, ...] = ("M1", "M2", "M3", "M4", "MSTP")
YEAR_PERCENT: tuple[int, ...] = (30, 27, 20, 15, 8)

INTERESTS: tuple[str, ...] = (
    "Academic success",
    "Research & extracurriculars",
    "Wellness",
    "Clinical environment",
)

# Relative weight of each interest (in the order of INTERESTS) for each class year: pre-clinical
# students lean towards academic success and wellness, clinical years towards the clinical
# environment, MSTP students towards research.
INTEREST_WEIGHTS: dict[str, tuple[int, ...]] = {
    "M1": (40, 15, 35, 10),
    "M2": (38, 17, 30, 15),
    "M3": (12, 15, 25, 48),
    "M4": (8, 22, 22, 48),
    "MSTP": (12, 55, 18, 15),
}

# How many interests a student ticks: one, two or three.
INTEREST_COUNT_WEIGHTS: tuple[int, ...] = (35, 42, 23)

# How each class year is written in the default (messy) mode, with relative weights.
YEAR_SPELLINGS: dict[str, tuple[tuple[str, int], ...]] = {
    "M1": (("M1", 45), ("MS1", 15), ("MS-1", 10), ("First year", 18), ("1st yr", 12)),
    "M2": (("m2", 45), ("Year 2", 25), ("2nd year", 30)),
    "M3": (("M3 (clinical)", 60), ("Third year", 40)),
    "M4": (("M4", 65), ("4th year", 35)),
    "MSTP": (("MSTP", 40), ("MD/PhD", 25), ("MD-PhD", 20), ("MSTP G2", 15)),
}

EMAIL_DOMAIN = "med.example.edu"

# How many times a name already in the cohort is drawn again before it is kept as a repeat.
NAME_REDRAWS = 1

# Sign-ups arrive over the first four weeks of August 2026.
TIMESTAMP_START = dt.datetime(2026, 8, 3, 8, 0, 0)
TIMESTAMP_END = dt.datetime(2026, 8, 28, 23, 0, 0)


def _names(text: str) -> tuple[str, ...]:
    """Split a comma-separated list of names (names themselves may hold spaces)."""
    return tuple(name.strip() for name in text.split(","))


# Name pools, grouped so that given and family names are mostly combined plausibly. Each pool:
# (weight, given names, family names, family name written first).
NamePool = tuple[int, tuple[str, ...], tuple[str, ...], bool]
NAME_POOLS: tuple[NamePool, ...] = (
    (
        22,
        _names(
            "Emily, Michael, Sarah, James, Hannah, Daniel, Olivia, Ethan, Rachel, Matthew, Grace, "
            "Benjamin, Lauren, Tyler, Megan, Andrew, Abigail, Nathan, Katherine, Jacob, Madison, "
            "Ryan, Claire, Samuel"
        ),
        _names(
            "Smith, Johnson, Williams, Brown, Jones, Miller, Davis, Wilson, Anderson, Taylor, "
            "Thomas, Moore, Martin, Thompson, White, Harris, Clark, Lewis, Walker, Hall, Young, "
            "Allen, Wright, Scott, Baker"
        ),
        False,
    ),
    (
        12,
        _names(
            "José, María, Alejandro, Sofía, Andrés, Lucía, Javier, Valentina, Ramón, Camila, "
            "Sebastián, Ximena, Diego, Mónica, Raúl, Inés, Tomás, Julián, Isabel, Ángel, "
            "María José, Juan Pablo, Carlos, Gabriela, Luis, Adriana, Marco, Daniela, Jorge"
        ),
        _names(
            "Álvarez, García, Rodríguez, Martínez, Hernández, López, González, Pérez, Sánchez, "
            "Ramírez, Núñez, Jiménez, Gómez, Muñoz, Díaz, Castillo, Ortega, Vargas, de la Cruz, "
            "Peña, Ibáñez, Suárez, Torres, Flores, Rivera, Morales, Reyes, Cruz, Mendoza"
        ),
        False,
    ),
    (
        5,
        _names("João, Gonçalo, Beatriz, Letícia, Thiago, Conceição, Luís, Marília"),
        _names("Gonçalves, Magalhães, Araújo, Simões, Conceição, Brandão, Falcão, Lima"),
        False,
    ),
    (
        5,
        _names(
            "Zoë, Jürgen, Lukas, Anneliese, Jörg, Käthe, Felix, Lena, Maximilian, Sören, Björn, "
            "Åsa, Linnéa"
        ),
        _names(
            "Müller, Schäfer, Schröder, Weiß, Köhler, Groß, Bauer, Hoffmann, Lindström, Ågren, "
            "Sørensen, Bergström"
        ),
        False,
    ),
    (
        4,
        _names("François, Hélène, Amélie, Jérôme, Céline, Théo, Noémie, Jean-Luc"),
        _names("Lefèvre, Dubois, Lefebvre, Béranger, Moreau, Girard, Rousseau, Chevalier"),
        False,
    ),
    (
        5,
        _names("Siobhán, Aoife, Niamh, Seán, Caoimhe, Pádraig, Ciarán, Róisín, Eoin"),
        _names(
            "O'Brien, Ó Súilleabháin, McCarthy, O'Connor, Ó Dónaill, Byrne, Kavanagh, Gallagher"
        ),
        False,
    ),
    (
        6,
        _names(
            "Thị Hà, Văn Minh, Minh Anh, Thu Trang, Quang Huy, Ngọc Lan, Đức Anh, Hoàng Nam, "
            "Bảo Châu, Thanh Tùng, Khánh Linh, Thùy Dung, Gia Bảo, Phương Thảo, Tuấn Kiệt"
        ),
        _names("Nguyễn, Trần, Lê, Phạm, Hoàng, Vũ, Đặng, Bùi, Đỗ, Huỳnh, Phan, Võ, Ngô, Dương"),
        True,
    ),
    (
        8,
        _names(
            "Wei, Xiaoling, Jun, Mei, Yichen, Hao, Jiayi, Zhiwei, Ling, Kevin, Vivian, Ming, "
            "Ruoxi, Haoran, Jessica, Tianyu, Yutong, Eric"
        ),
        _names(
            "Wang, Li, Zhang, Liu, Chen, Yang, Huang, Zhao, Wu, Zhou, Lin, Xu, Sun, Ma, Guo, Tang"
        ),
        False,
    ),
    (
        4,
        _names(
            "Ji-woo, Min-jun, Seo-yeon, Hyun-woo, Ji-eun, Dong-hyun, Soo-ah, Ye-jin, Jae-won, "
            "Hye-jin, Sung-min, Daniel, Grace"
        ),
        _names("Kim, Lee, Park, Choi, Jung, Kang, Yoon, Cho, Han, Lim, Shin, Oh"),
        False,
    ),
    (
        3,
        _names("Haruto, Yui, Sōta, Aoi, Ren, Hina, Kenji, Yūki, Sakura, Takumi, Miyu, Kaito"),
        _names(
            "Satō, Suzuki, Takahashi, Tanaka, Itō, Watanabe, Yamamoto, Nakamura, Kobayashi, Ōno"
        ),
        False,
    ),
    (
        9,
        _names(
            "Priya, Arjun, Ananya, Rohan, Divya, Vikram, Sneha, Aditya, Kavya, Rahul, Meera, "
            "Nikhil, Shreya, Aarav"
        ),
        _names(
            "Patel, Sharma, Reddy, Iyer, Gupta, Nair, Krishnan, Singh, Desai, Rao, Mehta, "
            "Chatterjee, Menon"
        ),
        False,
    ),
    (
        6,
        _names("Chinedu, Adaeze, Oluwaseun, Ngozi, Emeka, Folake, Tunde, Chiamaka"),
        _names("Okafor, Adeyemi, Okonkwo, Eze, Balogun, Nwosu, Adebayo, Obi"),
        False,
    ),
    (
        5,
        _names("Omar, Layla, Yusuf, Fatima, Karim, Nour, Hassan, Amira, Zaid"),
        _names("Haddad, Khalil, Mansour, Nasser, Saleh, Al-Amin, Farouk, Hamdan"),
        False,
    ),
    (
        3,
        _names("Elif, Emre, Zeynep, Çağrı, Ayşe, Barış, Deniz, Mert, Gülşen, Onur"),
        _names("Yılmaz, Kaya, Demir, Şahin, Öztürk, Çelik, Aydın, Arslan, Doğan, Koç"),
        False,
    ),
    (
        3,
        _names("Łukasz, Agnieszka, Paweł, Małgorzata, Wojciech, Zofia"),
        _names("Nowak, Wójcik, Kowalczyk, Woźniak, Mazur, Krawczyk, Dudek, Pawlak, Gołąb"),
        False,
    ),
    (
        2,
        _names("Dimitrios, Nikos, Giorgos, Christos, Stavros, Konstantinos"),
        _names("Papadopoulos, Georgiou, Konstantinou, Oikonomou"),
        False,
    ),
)

# What random.choices would compute from the pools' weights on every call (same draws).
NAME_POOL_CUM_WEIGHTS: tuple[int, ...] = tuple(itertools.accumulate(p[0] for p in NAME_POOLS))

# Letters that Unicode decomposition does not reduce to ASCII.
ASCII_FOLD: dict[str, str] = {
    "ß": "ss",
    "đ": "d",
    "ø": "o",
    "æ": "ae",
    "œ": "oe",
    "ł": "l",
    "ı": "i",
    "ð": "d",
    "þ": "th",
}

# Free-text answers to "Anything else we should know?". None may start with a character that
# spreadsheets read as a formula: the single formula-like answer is FORMULA_LIKE_NOTE.
NOTES: tuple[str, ...] = (
    "Happy to help with Step 1 prep",
    "I'd love a group that meets on weekends",
    "Interested in pediatrics",
    "Would like to meet people outside my class",
    "First-generation college student",
    "I commute from across the bay",
    "Evenings work best for me",
    "Transferring from another program this year",
    "Parent of a toddler, so mornings are tricky",
    "Looking forward to it!",
    "Interested in global health",
    "Prefer in-person meetings",
    "I speak Spanish and Portuguese",
    "Returning from a research year",
    "n/a",
    "Thanks for organising this",
    "I was a nurse before medical school",
    "Could we avoid Thursday evenings? I have lab meetings",
    "Interested in rural medicine",
    "I play in the school orchestra",
    "Would love advice on research during preclinical years",
    "English is my second language",
    "Happy to host a meeting at my place",
    "Vegetarian, if there is food at meetings",
    "Coming back from a leave of absence",
    "I am on the rugby team, Saturdays are out",
    "Not sure yet which specialty I want",
    "Interested in psychiatry and wellness work",
    "Would like a mentor who did a gap year",
    "Prefer video calls",
)
NOTES_WITH_COMMAS_AND_QUOTES: tuple[str, ...] = (
    'Not a "morning person", so afternoons please',
    "Interested in surgery, EM, or anesthesia",
    'My friends call me "Sam", use that, please',
)
FORMULA_LIKE_NOTE = "- happy to mentor younger students"
NOTE_SHARE = 0.1

# --- the extra columns (--extra-columns) and last year's groups (--last-year) ------------------

NOTES_COLUMN = "Anything else we should know?"
EXTRA_COLUMNS: tuple[str, ...] = ("Gender", "Age", "M-Home house", "Willing to facilitate?")
# The sign-up columns with the extra ones, which a form asks before its free-text question.
EXTENDED_COLUMNS: tuple[str, ...] = (*COLUMNS[:-1], *EXTRA_COLUMNS, NOTES_COLUMN)

GENDERS: tuple[str, ...] = ("Woman", "Man", "Nonbinary")
GENDER_PERMILLE: tuple[int, ...] = (520, 447, 33)  # 10 Nonbinary students in 300

HOUSES: tuple[str, ...] = ("Alder", "Birch", "Cedar", "Maple")
HOUSE_WEIGHTS: tuple[int, ...] = (26, 25, 25, 24)

FACILITATOR_PERCENT = 10
FACILITATOR_YEARS: tuple[str, ...] = ("M3", "M4", "MSTP")

# Age: the usual age at the start of each class year, plus a gap year or more for some. MSTP
# students are anywhere in their seven or eight years, and their gaps are shorter.
AGE_START: dict[str, int] = {"M1": 22, "M2": 23, "M3": 24, "M4": 25, "MSTP": 23}
AGE_GAP_WEIGHTS: tuple[int, ...] = (30, 28, 18, 10, 6, 3, 2, 2, 1)  # 0 to 8 years
MSTP_STAGES = 7  # 0 to 6 years into the programme
MSTP_GAP_WEIGHTS: tuple[int, ...] = (55, 25, 12, 8)  # 0 to 3 years

# Last year's class year of a returning student; M1s are new.
LAST_YEAR_OF: dict[str, str] = {"M2": "M1", "M3": "M2", "M4": "M3", "MSTP": "MSTP"}
GROUP_COLUMN = "group"
STUDENTS_PER_GROUP = 16


def largest_remainder(n: int, percents: Sequence[int]) -> list[int]:
    """Split n into parts proportional to integer percents; leftovers go to the largest remainders.

    Ties go to the earlier category, so the result is deterministic.
    """
    total = sum(percents)
    counts = [n * p // total for p in percents]
    remainders = [n * p % total for p in percents]
    missing = n - sum(counts)
    order = sorted(range(len(percents)), key=lambda i: (-remainders[i], i))
    for i in order[:missing]:
        counts[i] += 1
    return counts


@functools.cache  # names repeat: folding each once keeps 20,000 students quick
def ascii_fold(text: str) -> str:
    """Lower-case ASCII letters, digits and hyphens only: 'Ó Súilleabháin' -> 'osuilleabhain'."""
    folded = []
    for ch in unicodedata.normalize("NFKD", text.casefold()):
        if unicodedata.combining(ch):
            continue
        ch = ASCII_FOLD.get(ch, ch)
        if ch.isascii() and (ch.isalnum() or ch == "-"):
            folded.append(ch)
    return "".join(folded).strip("-")


def _weighted_sample(
    rng: random.Random, items: Sequence[str], weights: Sequence[int], k: int
) -> list[str]:
    """k distinct items, each draw weighted among those not yet drawn."""
    pool = list(items)
    pool_weights = list(weights)
    chosen: list[str] = []
    for _ in range(k):
        (i,) = rng.choices(range(len(pool)), weights=pool_weights)
        chosen.append(pool.pop(i))
        pool_weights.pop(i)
    return chosen


def _name(rng: random.Random) -> tuple[str, str]:
    """A display name and the local part of an email address derived from it."""
    (pool,) = rng.choices(NAME_POOLS, cum_weights=NAME_POOL_CUM_WEIGHTS)
    _, givens, families, family_first = pool
    given = rng.choice(givens)
    family = rng.choice(families)
    display = f"{family} {given}" if family_first else f"{given} {family}"
    # Vietnamese given names carry a middle name; the address uses the last part ("ha.nguyen").
    given_key = given.split()[-1] if family_first else given
    local = f"{ascii_fold(given_key.replace(' ', ''))}.{ascii_fold(family.replace(' ', ''))}"
    return display, local


def _timestamps(rng: random.Random, n: int) -> list[str]:
    """n sorted sign-up times in August 2026, more of them in the first days after the call."""
    span = (TIMESTAMP_END - TIMESTAMP_START).total_seconds()
    moments = []
    for _ in range(n):
        # A triangular draw skewed to the start: most people answer soon after the announcement.
        offset = rng.triangular(0.0, span, span * 0.1)
        moment = TIMESTAMP_START + dt.timedelta(seconds=int(offset))
        if moment.hour < 7:  # few students sign up between midnight and 7 am
            moment += dt.timedelta(hours=rng.randint(7, 12))
        moments.append(min(moment, TIMESTAMP_END))
    moments.sort()
    # Google Forms style, US locale: 8/14/2026 13:45:07, 8/4/2026 9:03:13
    return [f"{m.month}/{m.day}/{m.year} {m.hour}:{m:%M:%S}" for m in moments]


def _notes(rng: random.Random, n: int) -> list[str]:
    """Mostly empty notes; some short free text, a couple with commas and quotes, one '-...'."""
    notes = [""] * n
    order = list(range(n))
    rng.shuffle(order)
    special = [FORMULA_LIKE_NOTE, *NOTES_WITH_COMMAS_AND_QUOTES[: 2 if n >= 100 else 1]]
    for index, text in zip(order, special, strict=False):
        notes[index] = text
    rest = order[len(special) :]
    texts: list[str] = []
    for index in rest[: round(n * NOTE_SHARE)]:
        if not texts:  # each text once before any repeats
            texts = rng.sample(NOTES, len(NOTES))
        notes[index] = texts.pop()
    return notes


def generate(
    n: int, seed: int, pairs: int, *, plain_years: bool = False, extra_columns: bool = False
) -> tuple[list[dict[str, str]], list[tuple[str, str]]]:
    """Return n sign-up rows (keyed by COLUMNS, or EXTENDED_COLUMNS with `extra_columns`) and
    `pairs` disjoint locked pairs of Student IDs.

    The same (n, seed) gives the same students whatever `pairs` and `plain_years` are: the pairs
    are drawn last, and a spelling is drawn for every student in both modes. The extra columns
    come from a stream of their own, so they change nothing else.
    """
    cohort = make_cohort(n, seed, pairs, plain_years=plain_years, extra_columns=extra_columns)
    return cohort.rows, cohort.locks


@dataclass(frozen=True)
class Cohort:
    """Sign-up rows, locked pairs, and each student's class year as M1..M4 or MSTP."""

    rows: list[dict[str, str]]
    locks: list[tuple[str, str]]
    years: list[str]


def make_cohort(
    n: int, seed: int, pairs: int, *, plain_years: bool = False, extra_columns: bool = False
) -> Cohort:
    """The cohort `generate` returns, with the class years that `last_year` needs."""
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    if pairs < 0 or 2 * pairs > n:
        raise ValueError(f"{pairs} disjoint pairs need at least {2 * pairs} students, got n={n}")
    rng = random.Random(seed)

    years = [
        year
        for year, count in zip(YEARS, largest_remainder(n, YEAR_PERCENT), strict=True)
        for _ in range(count)
    ]
    rng.shuffle(years)
    timestamps = _timestamps(rng, n)
    ids = [f"S{number:06d}" for number in rng.sample(range(1_000_000), n)]

    rows: list[dict[str, str]] = []
    used_locals: set[str] = set()
    used_names: set[str] = set()
    for i in range(n):
        year = years[i]
        display, local = _name(rng)
        for _ in range(NAME_REDRAWS):  # names repeat, but rarely, as in a real class
            if display not in used_names:
                break
            display, local = _name(rng)
        used_names.add(display)
        candidate, suffix = local, 1
        while candidate in used_locals:
            suffix += 1
            candidate = f"{local}{suffix}"
        used_locals.add(candidate)

        spellings = YEAR_SPELLINGS[year]
        (spelling,) = rng.choices([s for s, _ in spellings], weights=[w for _, w in spellings])

        (k,) = rng.choices((1, 2, 3), weights=INTEREST_COUNT_WEIGHTS)
        picked = set(_weighted_sample(rng, INTERESTS, INTEREST_WEIGHTS[year], k))
        # Form tools list ticked options in the order the form shows them.
        interests = [label for label in INTERESTS if label in picked]

        rows.append(
            {
                "Timestamp": timestamps[i],
                "Student ID": ids[i],
                "Name": display,
                "Email": f"{candidate}@{EMAIL_DOMAIN}",
                "Class year": year if plain_years else spelling,
                "Interests": "; ".join(interests),
                NOTES_COLUMN: "",
            }
        )

    for row, note in zip(rows, _notes(rng, n), strict=True):
        row[NOTES_COLUMN] = note

    chosen = rng.sample(range(n), 2 * pairs)
    locks = [(ids[chosen[2 * j]], ids[chosen[2 * j + 1]]) for j in range(pairs)]
    if extra_columns:
        _add_extra_columns(rows, years, seed)
    return Cohort(rows, locks, years)


def _ages(rng: random.Random, years: Sequence[str]) -> list[int]:
    """Whole ages that rise with the class year; a few students are older (gap years)."""
    ages = []
    for year in years:
        if year == "MSTP":
            stage = rng.randrange(MSTP_STAGES)
            (gap,) = rng.choices(range(len(MSTP_GAP_WEIGHTS)), weights=MSTP_GAP_WEIGHTS)
            ages.append(AGE_START[year] + stage + gap)
        else:
            (gap,) = rng.choices(range(len(AGE_GAP_WEIGHTS)), weights=AGE_GAP_WEIGHTS)
            ages.append(AGE_START[year] + gap)
    return ages


def _add_extra_columns(rows: Sequence[dict[str, str]], years: Sequence[str], seed: int) -> None:
    """Gender, Age, M-Home house and Willing to facilitate?, from a stream of their own."""
    rng = random.Random(f"{seed}:extra-columns")
    n = len(rows)
    genders = [
        gender
        for gender, count in zip(GENDERS, largest_remainder(n, GENDER_PERMILLE), strict=True)
        for _ in range(count)
    ]
    rng.shuffle(genders)
    houses = rng.choices(HOUSES, weights=HOUSE_WEIGHTS, k=n)
    ages = _ages(rng, years)
    eligible = [i for i, year in enumerate(years) if year in FACILITATOR_YEARS]
    wanted = largest_remainder(n, (FACILITATOR_PERCENT, 100 - FACILITATOR_PERCENT))[0]
    willing = set(rng.sample(eligible, min(wanted, len(eligible))))
    for i, row in enumerate(rows):
        row["Gender"] = genders[i]
        row["Age"] = str(ages[i])
        row["M-Home house"] = houses[i]
        row["Willing to facilitate?"] = "Yes" if i in willing else "No"


def default_groups(n: int) -> int:
    """This year's number of groups for n students, about STUDENTS_PER_GROUP each."""
    return math.ceil(n / STUDENTS_PER_GROUP)


def _last_year_timestamp(stamp: str) -> str:
    """'8/14/2026 13:45:07' -> '8/14/2025 13:45:07'."""
    day, time = stamp.split(" ")
    month, date, year = day.split("/")
    return f"{month}/{date}/{int(year) - 1} {time}"


def last_year(
    cohort: Cohort, seed: int, n_groups: int, *, plain_years: bool = False
) -> list[dict[str, str]]:
    """Last year's assignments rows (COLUMNS then GROUP_COLUMN) for every student but the M1s,
    in sign-up order, dealt at random into n_groups groups whose sizes differ by at most one."""
    returning = [i for i, year in enumerate(cohort.years) if year != "M1"]
    if not returning:
        raise ValueError(f"all {len(cohort.years)} students are M1s, so nobody was here last year")
    if not 1 <= n_groups <= len(returning):
        raise ValueError(
            f"last year's groups must number 1 to {len(returning)} "
            f"(the returning students), got {n_groups}"
        )
    rng = random.Random(f"{seed}:last-year")
    dealt = rng.sample(returning, len(returning))
    group_of = {student: j % n_groups + 1 for j, student in enumerate(dealt)}
    rows = []
    for i in returning:
        year = LAST_YEAR_OF[cohort.years[i]]
        spellings = YEAR_SPELLINGS[year]
        (spelling,) = rng.choices([s for s, _ in spellings], weights=[w for _, w in spellings])
        row = {column: cohort.rows[i][column] for column in COLUMNS}
        row["Timestamp"] = _last_year_timestamp(row["Timestamp"])
        row["Class year"] = year if plain_years else spelling
        row[GROUP_COLUMN] = str(group_of[i])
        rows.append(row)
    return rows


def groupmate_locks(
    locks: Sequence[tuple[str, str]], last_year_rows: Sequence[dict[str, str]]
) -> list[tuple[str, str]]:
    """The locked pairs who shared a group last year."""
    group = {row["Student ID"]: row[GROUP_COLUMN] for row in last_year_rows}
    return [(a, b) for a, b in locks if a in group and group.get(b) == group[a]]


def write_signups(path: Path, rows: Sequence[dict[str, str]]) -> None:
    """Write the rows as a UTF-8 (no BOM), comma-delimited CSV with COLUMNS (or EXTENDED_COLUMNS,
    when the rows have the extra columns) as the header."""
    columns = EXTENDED_COLUMNS if rows and EXTRA_COLUMNS[0] in rows[0] else COLUMNS
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)


# Cells a spreadsheet would run as a formula, which empower's export escapes with a leading `'`.
_FORMULA_STARTS = frozenset("=+-@\t\r\n＝＋－＠")
_NEEDS_QUOTES = frozenset(',"\r\n')


def _assignments_field(cell: str) -> str:
    if cell and cell[0] in _FORMULA_STARTS:
        cell = "'" + cell
    if _NEEDS_QUOTES.isdisjoint(cell):
        return cell
    return '"' + cell.replace('"', '""') + '"'


def write_last_year(path: Path, rows: Sequence[dict[str, str]]) -> None:
    """Write last year's rows the way empower writes assignments.csv: a byte-order mark, "\\n"
    line endings, minimal quoting, formula-like cells escaped."""
    header = (*COLUMNS, GROUP_COLUMN)
    lines = [",".join(_assignments_field(cell) for cell in header) + "\n"]
    lines += [",".join(_assignments_field(row[c]) for c in header) + "\n" for row in rows]
    path.write_bytes("".join(lines).encode("utf-8-sig"))


def write_locks(path: Path, locks: Sequence[tuple[str, str]]) -> None:
    """Write locked pairs as a CSV with the header student_a,student_b."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(("student_a", "student_b"))
        writer.writerows(locks)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        description="Generate a synthetic sign-up CSV and a locked-pairs CSV (deterministic)."
    )
    parser.add_argument("--n", type=int, required=True, help="number of students")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--pairs", type=int, default=0, help="number of disjoint locked pairs")
    parser.add_argument("--signups", type=Path, required=True, help="sign-up CSV to write")
    parser.add_argument("--locks", type=Path, help="locked-pairs CSV to write")
    parser.add_argument(
        "--plain-years",
        action="store_true",
        help="write class years exactly as M1, M2, M3, M4, MSTP",
    )
    parser.add_argument(
        "--extra-columns",
        action="store_true",
        help="add Gender, Age, M-Home house and Willing to facilitate? (other columns unchanged)",
    )
    parser.add_argument(
        "--last-year",
        type=Path,
        help="write last year's assignments.csv for the returning (non-M1) students",
    )
    parser.add_argument(
        "--last-year-groups",
        type=int,
        help="number of groups last year (default ceil(n / 16), as this year)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.pairs and args.locks is None:
        parser.error("--pairs needs --locks to say where to write them")
    if args.last_year_groups is not None and args.last_year is None:
        parser.error("--last-year-groups needs --last-year to say where to write them")
    earlier: list[dict[str, str]] = []
    try:
        cohort = make_cohort(
            args.n,
            args.seed,
            args.pairs,
            plain_years=args.plain_years,
            extra_columns=args.extra_columns,
        )
        n_groups = (
            default_groups(args.n) if args.last_year_groups is None else args.last_year_groups
        )
        if args.last_year is not None:
            earlier = last_year(cohort, args.seed, n_groups, plain_years=args.plain_years)
    except ValueError as exc:
        parser.error(str(exc))
    write_signups(args.signups, cohort.rows)
    if args.locks is not None:
        write_locks(args.locks, cohort.locks)
    if args.last_year is not None:
        write_last_year(args.last_year, earlier)
        together = groupmate_locks(cohort.locks, earlier)
        print(
            f"{args.last_year}: {len(earlier)} returning students in {n_groups} groups; "
            f"{len(together)} of {len(cohort.locks)} locked pairs were groupmates last year",
            file=sys.stderr,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
