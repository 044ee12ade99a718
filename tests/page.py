"""A small reader of report.html (and of Chromium's rendered DOM) for the tests."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path


@dataclass
class Page(HTMLParser):
    """Every start tag with its attributes, the text, and the text of each `<h2>`."""

    tags: list[tuple[str, dict[str, str | None]]] = field(default_factory=list)
    text: list[str] = field(default_factory=list)
    headings: list[str] = field(default_factory=list)
    styles: list[str] = field(default_factory=list)
    _in: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(convert_charrefs=True)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag in ("h2", "style"):
            self._in.append(tag)
            (self.headings if tag == "h2" else self.styles).append("")

    def handle_endtag(self, tag: str) -> None:
        if self._in and self._in[-1] == tag:
            self._in.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._in:
            target = self.headings if self._in[-1] == "h2" else self.styles
            target[-1] += data

    def attributes(self) -> list[str]:
        return [name for _, attrs in self.tags for name in attrs]

    def all_text(self) -> str:
        return "".join(self.text)


def read_page(text: str) -> Page:
    page = Page()
    page.feed(text)
    page.close()
    return page


def groups_of(assignments: Path) -> dict[int, list[dict[str, str]]]:
    """The rows of an assignments.csv by group number."""
    text = assignments.read_bytes().decode("utf-8-sig")
    found: dict[int, list[dict[str, str]]] = {}
    for row in csv.DictReader(io.StringIO(text, newline="")):
        found.setdefault(int(row["group"]), []).append(row)
    return found
