"""Scopes of a note: chapters, units, list items and table rows.

Chapters are the shallowest repeated heading level; units are the sections of headings that
hold math.
"""

from __future__ import annotations

import re
from collections import Counter

from derivlint.extract.blocks import Extraction, Passage
from derivlint.context.model import Scope

_ATX_BEFORE = re.compile(r"(#{1,6})[ \t]*$")
_LATEX_SECTION = re.compile(r"\\(part|chapter|section|subsection|subsubsection|paragraph|subparagraph)\b")
_LATEX_LEVELS = {"part": 0, "chapter": 1, "section": 2, "subsection": 3, "subsubsection": 4,
                 "paragraph": 5, "subparagraph": 6}  # fmt: skip


def heading_level(passage: Passage) -> int:
    """The level of a heading passage: # count, setext underline, or LaTeX sectioning command."""
    text = passage.source.text
    line_start = text.rfind("\n", 0, passage.start) + 1
    match = _ATX_BEFORE.search(text, line_start, passage.start)
    if match is not None:
        return len(match.group(1))
    match = _LATEX_SECTION.match(text, passage.start)
    if match is not None:
        return _LATEX_LEVELS[match.group(1)] + 1
    next_line = text.find("\n", passage.end)
    if next_line != -1:
        after = text[next_line + 1 : text.find("\n", next_line + 1) if text.find("\n", next_line + 1) != -1 else len(text)]
        if re.fullmatch(r"\s*=+\s*", after):
            return 1
        if re.fullmatch(r"\s*-+\s*", after):
            return 2
    return max(1, len(passage.headings))


class Outline:
    """The passages of a note in order, and the scope chain of each."""

    def __init__(self, extraction: Extraction):
        order = {id(s): k for k, s in enumerate(extraction.sources)}
        self.passages: list[Passage] = sorted(
            extraction.passages, key=lambda p: (order.get(id(p.source), len(order)), p.start)
        )
        self.index = {id(p): k for k, p in enumerate(self.passages)}
        self.source_order = order
        n = len(self.passages)
        self.document = Scope("document", 0, n, None, "", 0)
        levels = {k: heading_level(p) for k, p in enumerate(self.passages) if p.kind == "heading"}
        counts = Counter(levels.values())
        repeated = [level for level, c in counts.items() if c >= 2]
        self.chapter_level = min(repeated) if repeated else None
        self.chains: list[list[Scope]] = [[] for _ in range(n)]
        self.section_of: list[int] = []  # index of the last heading at or before each passage
        last = -1
        for k, p in enumerate(self.passages):
            if p.kind == "heading":
                last = k
            self.section_of.append(last)
        self.chapters: list[Scope] = []
        self.section_end: dict[int, int] = {}  # heading index -> index of the next heading at its level or above
        open_: list[int] = []
        for k in sorted(levels):
            while open_ and levels[open_[-1]] >= levels[k]:
                self.section_end[open_.pop()] = k
            open_.append(k)
        for k in open_:
            self.section_end[k] = n
        self._build(levels)

    def _build(self, levels: dict[int, int]) -> None:
        n = len(self.passages)
        if self.chapter_level is None:
            chapter = Scope("chapter", 0, n, self.document, "", 0)
        else:
            chapter = Scope("chapter", 0, n, self.document, "", 0, preamble=True)
        self.chapters.append(chapter)
        units: list[Scope] = []  # open units, outermost first
        for k, p in enumerate(self.passages):
            if p.kind == "heading":
                level = levels[k]
                if self.chapter_level is not None and level <= self.chapter_level:
                    for u in units:
                        u.last = k
                    units = []
                    chapter.last = k
                    chapter = Scope("chapter", k, n, self.document, p.text.strip(), level)
                    self.chapters.append(chapter)
                else:
                    while units and units[-1].level >= level:
                        units.pop().last = k
                    if p.blocks:
                        parent = units[-1] if units else chapter
                        units.append(Scope("unit", k, n, parent, p.text.strip(), level))
            chain: list[Scope] = []
            inner = units[-1] if units else chapter
            if p.kind == "table_row":
                chain.append(Scope("row", k, k + 1, inner, "", 0))
            elif p.kind == "list_item":
                chain.append(Scope("item", k, k + 1, inner, "", 0))
            chain.extend(reversed(units))
            chain.append(chapter)
            chain.append(self.document)
            self.chains[k] = chain
        for u in units:
            u.last = n

    def hoists_to(self, k: int, d: int) -> bool:
        """Whether a declaration in passage ``d`` reaches back to passage ``k`` (k < d):
        within one section (no heading between), or to the heading whose chapter or unit
        holds it (the formula in the heading)."""
        if self.section_of[k] == self.section_of[d]:
            return True
        if self.passages[k].kind != "heading":
            return False
        return any(s.first == k and s.contains(d) for s in self.chains[k] if s.kind in ("chapter", "unit"))

    def same_section(self, d: int, k: int) -> bool:
        """Whether passage ``k`` lies in the section (heading and everything under it) where
        passage ``d`` stands; text before the first heading holds for the whole note."""
        h = d if self.passages[d].kind == "heading" else self.section_of[d]
        if h < 0:
            return True
        return h <= k < self.section_end.get(h, len(self.passages))

    def home(self, k: int) -> Scope:
        """The scope a declaration made in passage ``k`` belongs to (a row, or the
        innermost unit or chapter)."""
        chain = self.chains[k]
        if chain[0].kind == "row":
            return chain[0]
        if chain[0].kind == "item":
            return chain[1]
        return chain[0]
