"""Generate a synthetic sign-up export shaped like a real mentorship cohort.

The cohort follows the shape described for the real one: class years M1 30%, M2 27%, M3 20%,
M4 15% and MSTP 8% (exact counts by largest remainder, shuffled), and one to three interests per
student among four labels, drawn with weights that depend on the class year. The same seed always
gives the same file. Standard library only.

    python benchmarks/generate.py --n 300 --seed 0 --pairs 10 \\
        --signups OUT.csv --locks LOCKS.csv [--plain-years]

By default the class years are written the many ways students write them ("MS-1", "2nd year",
"MD/PhD", ...); with --plain-years they are exactly M1, M2, M3, M4 or MSTP.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import random
import sys
import unicodedata
from collections.abc import Sequence
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
    (pool,) = rng.choices(NAME_POOLS, weights=[p[0] for p in NAME_POOLS])
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
    n: int, seed: int, pairs: int, *, plain_years: bool = False
) -> tuple[list[dict[str, str]], list[tuple[str, str]]]:
    """Return n sign-up rows (keyed by COLUMNS) and `pairs` disjoint locked pairs of Student IDs.

    The same (n, seed) gives the same students whatever `pairs` and `plain_years` are: the pairs
    are drawn last, and a spelling is drawn for every student in both modes.
    """
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
                "Anything else we should know?": "",
            }
        )

    for row, note in zip(rows, _notes(rng, n), strict=True):
        row["Anything else we should know?"] = note

    chosen = rng.sample(range(n), 2 * pairs)
    locks = [(ids[chosen[2 * j]], ids[chosen[2 * j + 1]]) for j in range(pairs)]
    return rows, locks


def write_signups(path: Path, rows: Sequence[dict[str, str]]) -> None:
    """Write the rows as a UTF-8 (no BOM), comma-delimited CSV with COLUMNS as the header."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)


def write_locks(path: Path, locks: Sequence[tuple[str, str]]) -> None:
    """Write locked pairs as a CSV with the header student_a,student_b."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(("student_a", "student_b"))
        writer.writerows(locks)


def main(argv: Sequence[str] | None = None) -> int:
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
    args = parser.parse_args(argv)
    if args.pairs and args.locks is None:
        parser.error("--pairs needs --locks to say where to write them")
    try:
        rows, locks = generate(args.n, args.seed, args.pairs, plain_years=args.plain_years)
    except ValueError as exc:
        parser.error(str(exc))
    write_signups(args.signups, rows)
    if args.locks is not None:
        write_locks(args.locks, locks)
    return 0


if __name__ == "__main__":
    sys.exit(main())
