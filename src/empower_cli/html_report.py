"""report.html: one self-contained page that shows the rosters to people who would rather look.

The verdict and how the sign-up file was read; a heat map of groups by categories (in range or
not); each balanced family's counts per group; every group's members, with a `mailto:` link that
holds all their emails; the rules and what they cost; on a re-run, who moved. A print stylesheet
puts each group on a page of its own.

Nothing on the page asks for the network: the CSS is one inline block (allowed by its hash in the
Content-Security-Policy, which allows nothing else: no script, no image, no font, no connection),
the charts are inline SVG, and there is no script at all. Every value from the sign-up file goes
through `html.escape`, so a name `<script>...</script>` is shown as text.
"""

from __future__ import annotations

import base64
import hashlib
import html
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from operator import itemgetter
from urllib.parse import quote

from empower_cli.layout import Family, email_column, families, member_columns
from empower_cli.records import Assignment, Cohort, Problem, Verdict

REPORT = "report.html"
SVG_NS = "http://www.w3.org/2000/svg"
#: Above this many groups the heat map drops its numbers and labels and the bars are left out.
DETAILED_GROUPS = 60
CELL_W, CELL_H, SMALL_H = 40, 22, 4
#: Category names in the heat map are cut to this many characters (the full name is its tooltip).
LABEL_CHARS, CHAR_W = 28, 6.6
LABEL_W, HEAD_H = 70, 26
IN_COLOUR, OUT_COLOUR = "#d9f0d3", "#f4a6a6"
#: Colours for the categories of a family's bars, in order (then repeated).
PALETTE = (
    "#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2",
    "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac",
)  # fmt: skip

CSS = """
:root { color-scheme: light; }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif;
  margin: 2rem auto; max-width: 72rem; padding: 0 1.2rem; color: #1b1b1b; }
h1 { font-size: 1.6rem; margin: 0 0 .3rem; }
h2 { font-size: 1.25rem; margin: 2rem 0 .5rem; border-bottom: 2px solid #ddd; }
h3 { font-size: 1.05rem; margin: 1.2rem 0 .4rem; }
.verdict { font-size: 1.1rem; padding: .6rem .9rem; border-radius: 6px; margin: .6rem 0; }
.good { background: #e6f4e2; border-left: 6px solid #3a8c2f; }
.warn { background: #fff3d6; border-left: 6px solid #c98a00; }
.muted { color: #5a5a5a; }
table { border-collapse: collapse; margin: .4rem 0 1rem; }
th, td { padding: .2rem .55rem; border-bottom: 1px solid #e3e3e3; text-align: left;
  vertical-align: top; }
th { background: #f4f4f4; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
td.out { background: #f4a6a6; font-weight: bold; }
tr.ideal td { color: #5a5a5a; font-style: italic; }
tr.total td { font-weight: bold; }
ul.warnings li { color: #7a4d00; }
nav.groups a { display: inline-block; margin: 0 .5rem .3rem 0; }
a.mail { display: inline-block; padding: .25rem .7rem; border: 1px solid #4e79a7;
  border-radius: 5px; text-decoration: none; color: #234; background: #eef3f9; }
.emails { font-size: .85rem; color: #444; word-break: break-all; }
svg text { font: 11px system-ui, "DejaVu Sans", sans-serif; }
svg.heat { max-width: 100%; height: auto; }
.swatch { display: inline-block; width: .8rem; height: .8rem; margin: 0 .3rem 0 .8rem;
  vertical-align: -1px; }
@media print {
  body { margin: 0; max-width: none; font-size: 11pt; }
  nav.groups, a.mail { display: none; }
  section.group { break-before: page; page-break-before: always; }
  section.group table { width: 100%; }
  tr { break-inside: avoid; }
  h2 { break-after: avoid; }
}
"""
STYLE_HASH = base64.b64encode(hashlib.sha256(CSS.encode("utf-8")).digest()).decode("ascii")
CSP = (
    f"default-src 'none'; style-src 'sha256-{STYLE_HASH}'; img-src 'none'; "
    "base-uri 'none'; form-action 'none'"
)


@dataclass(frozen=True, slots=True)
class ReportInput:
    """What the page shows; the lines are the terminal's own wording."""

    cohort: Cohort
    problem: Problem
    assignment: Assignment
    verdict: Verdict
    verdict_text: str
    reading: tuple[str, ...]
    """How the sign-up file was read (report.reading_lines); the first line is shown, the
    mapping comes from the cohort itself."""
    warnings: tuple[str, ...] = ()
    rules: str | None = None
    rule_lines: tuple[str, ...] = ()
    """One line per rule of the families (report.rule_lines): at-least, no-lone, repeated
    groupmates, group means."""
    costs: tuple[str, ...] = ()
    changes: tuple[str, ...] = ()
    """The re-run's lines (report.changes_lines), empty on a first run."""


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _range(low: int, high: int) -> str:
    return str(low) if low == high else f"{low}–{high}"


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


# --- sections -----------------------------------------------------------------------------------


def _head(data: ReportInput) -> list[str]:
    problem, balance = data.problem, data.verdict.balance
    good = data.verdict.ok and balance.out_of_band == 0
    sizes = _range(min(balance.sizes), max(balance.sizes))
    lines = [
        "<header>",
        "<h1>Mentorship groups</h1>",
        f'<p class="muted">{_plural(problem.n_students, "student", "students")} in '
        f"{_plural(problem.n_groups, 'group', 'groups')} of {sizes}, from "
        f"{_e(data.cohort.source)}</p>",
    ]
    for line in data.verdict_text.splitlines():
        lines.append(f'<p class="verdict {"good" if good else "warn"}">{_e(line)}</p>')
    if data.rules:
        lines.append(f'<p class="verdict good">{_e(data.rules)}</p>')
    lines.append("</header>")
    return lines


def _reading(data: ReportInput) -> list[str]:
    lines = ["<section>", "<h2>How the sign-up file was read</h2>"]
    if data.reading:
        lines.append(f"<p>{_e(data.reading[0])}</p>")
    lines.append("<table><tr><th>field</th><th>read from the column</th></tr>")
    lines += [
        f"<tr><td>{_e(field)}</td><td>{_e(' '.join(header.split()))}</td></tr>"
        for field, header in data.cohort.mapping
    ]
    lines.append("</table>")
    if data.cohort.legend:
        lines.append("<h3>Interest names</h3><table><tr><th>shown as</th><th>option</th></tr>")
        lines += [
            f"<tr><td>{_e(short)}</td><td>{_e(full)}</td></tr>"
            for short, full in data.cohort.legend
        ]
        lines.append("</table>")
    if data.warnings:
        lines.append(f"<h3>{_plural(len(data.warnings), 'warning', 'warnings')}</h3>")
        lines.append('<ul class="warnings">')
        lines += [f"<li>{_e(warning)}</li>" for warning in data.warnings]
        lines.append("</ul>")
    else:
        lines.append('<p class="muted">No warnings.</p>')
    lines.append("</section>")
    return lines


def _order(problem: Problem) -> list[tuple[Family, int]]:
    return [(family, c) for family in families(problem) for c in family.categories]


def _label(name: str) -> str:
    return name if len(name) <= LABEL_CHARS else name[: LABEL_CHARS - 1] + "…"


def _heat_map(data: ReportInput) -> list[str]:
    """Groups down, categories across: green in range, red outside, with the counts."""
    problem, balance = data.problem, data.verdict.balance
    order = _order(problem)
    detailed = problem.n_groups <= DETAILED_GROUPS
    row_h = CELL_H if detailed else SMALL_H
    names = ["size", *(problem.categories[c].name for _, c in order)]
    widths = [max(CELL_W, int(len(_label(name)) * CHAR_W) + 10) for name in names]
    lefts = [LABEL_W + sum(widths[:i]) for i in range(len(widths))]
    width = LABEL_W + sum(widths)
    height = HEAD_H * 2 + row_h * problem.n_groups
    parts = [
        "<section>",
        "<h2>Balance at a glance</h2>",
        '<p class="muted">One row per group, one column per category: green is within the '
        "ideal range, red is outside it.</p>",
        f'<svg xmlns="{SVG_NS}" class="heat" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="heat map of groups by category">',
    ]
    seen: set[str] = set()
    for column, name in enumerate(names):
        if column:
            family = order[column - 1][0]
            if family.key not in seen:
                seen.add(family.key)
                parts.append(
                    f'<text x="{lefts[column] + 2}" y="16" font-weight="bold">'
                    f"{_e(family.title)}</text>"
                )
        parts.append(
            f'<text x="{lefts[column] + 2}" y="{HEAD_H + 16}"><title>{_e(name)}</title>'
            f"{_e(_label(name))}</text>"
        )
    bands = [(problem.size_min, problem.size_max), *(problem.band(c) for _, c in order)]
    # each column's fixed parts, escaped once (the tip's other characters need no escaping)
    columns = [
        (lefts[i], widths[i] - 2, lefts[i] + widths[i] // 2 - 1, _e(name), _range(*band), band)
        for i, (name, band) in enumerate(zip(names, bands, strict=True))
    ]
    for g in range(problem.n_groups):
        y = HEAD_H * 2 + g * row_h
        if detailed or g % 50 == 0:
            parts.append(f'<text x="0" y="{y + min(row_h, 15)}">group {g + 1}</text>')
        counts = [balance.sizes[g], *(balance.counts[g][c] for _, c in order)]
        for (left, width, middle, name, ideal, (low, high)), count in zip(
            columns, counts, strict=True
        ):
            colour = IN_COLOUR if low <= count <= high else OUT_COLOUR
            parts.append(
                f'<rect x="{left}" y="{y}" width="{width}" height="{row_h - 1}" '
                f'fill="{colour}"><title>group {g + 1}, {name}: {count} (ideal {ideal})</title>'
                "</rect>"
            )
            if detailed:
                parts.append(f'<text x="{middle}" y="{y + 15}" text-anchor="middle">{count}</text>')
    parts += ["</svg>", "</section>"]
    return parts


def _bar(counts: Sequence[int], scale: float) -> str:
    """One group's counts in a family as a stacked bar."""
    width = int(scale * sum(counts)) + 2
    parts = [f'<svg xmlns="{SVG_NS}" width="{width}" height="14">']
    x = 0.0
    for i, count in enumerate(counts):
        w = count * scale
        if w:
            colour = PALETTE[i % len(PALETTE)]
            parts.append(f'<rect x="{x:.1f}" y="1" width="{w:.1f}" height="12" fill="{colour}"/>')
        x += w
    parts.append("</svg>")
    return "".join(parts)


def _family_table(data: ReportInput, family: Family) -> list[str]:
    problem, balance = data.problem, data.verdict.balance
    indices = family.categories
    detailed = problem.n_groups <= DETAILED_GROUPS
    most = max(
        (sum(balance.counts[g][c] for c in indices) for g in range(problem.n_groups)), default=1
    )
    scale = 240 / max(1, most)
    lines = [f"<h3>{_e(family.title)}</h3>"]
    if detailed:
        swatches = "".join(
            f'<span class="swatch"><svg xmlns="{SVG_NS}" width="12" height="12">'
            f'<rect width="12" height="12" fill="{PALETTE[i % len(PALETTE)]}"/></svg></span>'
            f"{_e(problem.categories[c].name)}"
            for i, c in enumerate(indices)
        )
        lines.append(f"<p>{swatches}</p>")
    head = "".join(f'<th class="n">{_e(problem.categories[c].name)}</th>' for c in indices)
    lines.append(f"<table><tr><th>group</th>{head}{'<th></th>' if detailed else ''}</tr>")
    bands = [problem.band(c) for c in indices]
    for g in range(problem.n_groups):
        counts = [balance.counts[g][c] for c in indices]
        cells = "".join(
            [
                f'<td class="n{"" if low <= n <= high else " out"}">{n}</td>'
                for n, (low, high) in zip(counts, bands, strict=True)
            ]
        )
        bar = f"<td>{_bar(counts, scale)}</td>" if detailed else ""
        lines.append(f'<tr><td><a href="#group-{g + 1}">{g + 1}</a></td>{cells}{bar}</tr>')
    ideal = "".join(f'<td class="n">{_range(*problem.band(c))}</td>' for c in indices)
    total = "".join(f'<td class="n">{problem.categories[c].total}</td>' for c in indices)
    filler = "<td></td>" if detailed else ""
    lines.append(f'<tr class="ideal"><td>ideal</td>{ideal}{filler}</tr>')
    lines.append(f'<tr class="total"><td>total</td>{total}{filler}</tr>')
    lines.append("</table>")
    return lines


def _families(data: ReportInput) -> list[str]:
    lines = ["<section>", "<h2>Counts per group</h2>"]
    lines.append('<p class="muted">A red cell is outside its ideal range.</p>')
    for family in families(data.problem):
        lines += _family_table(data, family)
    lines.append("</section>")
    return lines


def _rules(data: ReportInput) -> list[str]:
    lines = ["<section>", "<h2>Rules</h2>"]
    lines.append(
        f"<p>{_e(data.rules) if data.rules else 'No locks, aparts or pins were given.'}</p>"
    )
    if data.rule_lines:
        lines.append("<ul>")
        lines += [f"<li>{_e(line)}</li>" for line in data.rule_lines]
        lines.append("</ul>")
    if data.costs:
        lines.append(f"<p>{_e(data.costs[0])}</p><ul>")
        lines += [f"<li>{_e(line.strip())}</li>" for line in data.costs[1:]]
        lines.append("</ul>")
    if data.changes:
        lines.append("<h3>Against the earlier rosters</h3>")
        lines.append(f"<p>{_e(data.changes[0])}</p><ul>")
        lines += [f"<li>{_e(line.strip())}</li>" for line in data.changes[1:]]
        lines.append("</ul>")
    lines.append("</section>")
    return lines


def mailto(emails: Iterable[str]) -> str:
    """A `mailto:` URL for these addresses (RFC 6068: each one percent-encoded, joined by
    commas)."""
    kept = [email for email in emails if email]
    joined = ",".join(kept)
    if joined.count(",") == len(kept) - 1:  # no comma within an address: all at once
        return "mailto:" + quote(joined, safe="@,")
    return "mailto:" + ",".join(quote(email, safe="@") for email in kept)


def _groups(data: ReportInput) -> list[str]:
    cohort, problem, groups = data.cohort, data.problem, data.assignment.groups
    shown = member_columns(cohort, problem)
    where = email_column(cohort)
    members: list[list[int]] = [[] for _ in range(problem.n_groups)]
    for s, group in enumerate(groups):
        members[group].append(s)
    lines = ["<section>", "<h2>Groups</h2>", '<nav class="groups">']
    lines += [f'<a href="#group-{g + 1}">Group {g + 1}</a>' for g in range(problem.n_groups)]
    lines.append("</nav></section>")
    head = "".join(f"<th>{_e(cohort.headers[i])}</th>" for i in shown)
    cells = _shown_cells(cohort, shown)
    for g, students in enumerate(members):
        lines.append(f'<section class="group" id="group-{g + 1}">')
        count = _plural(len(students), "student", "students")
        lines.append(f'<h2>Group {g + 1} <small class="muted">{count}</small></h2>')
        if where is not None:
            emails = [cohort.rows[s][where] for s in students if cohort.rows[s][where]]
            if emails:
                lines.append(
                    f'<p><a class="mail" href="{_e(mailto(emails))}">Email the group '
                    f"({len(emails)})</a></p>"
                )
                lines.append(f'<p class="emails">{_e("; ".join(emails))}</p>')
        lines.append(f"<table><tr>{head}</tr>")
        if students:
            lines.append(_table_rows([cells[s] for s in students]))
        lines.append("</table></section>")
    return lines


def _shown_cells(cohort: Cohort, shown: Sequence[int]) -> list[tuple[str, ...]]:
    """Each student's cells in the `shown` columns."""
    if len(shown) == 1:
        return [(row[shown[0]],) for row in cohort.rows]
    return list(map(itemgetter(*shown), cohort.rows)) if shown else [() for _ in cohort.rows]


_CELL, _ROW = "\x00", "\x01"


def _table_rows(rows: Sequence[Sequence[str]]) -> str:
    """`<tr><td>...</td></tr>` lines, one per row, every cell escaped.

    The cells are joined with two control characters and escaped at once (html.escape changes
    each character on its own, and neither of those), unless a cell holds one of them."""
    text = _ROW.join(map(_CELL.join, rows))
    cells = sum(map(len, rows))
    if not cells or text.count(_CELL) != cells - len(rows) or text.count(_ROW) != len(rows) - 1:
        return "\n".join(
            "<tr>" + "".join(f"<td>{_e(cell)}</td>" for cell in row) + "</tr>" for row in rows
        )
    text = html.escape(text, quote=True)
    text = text.replace(_CELL, "</td><td>").replace(_ROW, "</td></tr>\n<tr><td>")
    return f"<tr><td>{text}</td></tr>"


def report_html(data: ReportInput) -> str:
    """The whole page as text."""
    lines = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="referrer" content="no-referrer">',
        f"<title>Mentorship groups: {_e(data.cohort.source)}</title>",
        f"<style>{CSS}</style>",
        "</head>",
        "<body>",
        *_head(data),
        *_reading(data),
        *_heat_map(data),
        *_families(data),
        *_rules(data),
        *_groups(data),
        "</body>",
        "</html>",
    ]
    return "\n".join(lines) + "\n"


def report_bytes(data: ReportInput) -> bytes:
    """report.html as UTF-8 bytes."""
    return report_html(data).encode("utf-8")
