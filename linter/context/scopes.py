"""Scopes of a note: chapters, units, list items and table rows.

Chapters are the shallowest repeated heading level; units are the sections of headings that
hold math.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter

from derivlint.extract.blocks import Extraction, Passage
from derivlint.context.model import Scope

_ATX_BEFORE = re.compile(r"(#{1,6})[ \t]*$")
_LATEX_SECTION = re.compile(r"\\(part|chapter|section|subsection|subsubsection|paragraph|subparagraph)\b")
_LATEX_LEVELS = {"part": 0, "chapter": 1, "section": 2, "subsection": 3, "subsubsection": 4,
                 "paragraph": 5, "subparagraph": 6}  # fmt: skip

# The words that open a worked example, a paragraph that explains the formula before it, and a
# heading over an example: data, one table each (English and Chinese). What follows from them is
# structure (see Outline): an example's declarations hold to the example's end, a "where"
# paragraph reaches back to the passage just before it.
EXAMPLE_OPENERS = (
    "example", "examples", "worked example", "for example", "for instance", "e.g.", "exercise", "consider the example",
    "例", "示例", "举例", "举个例子", "比如", "譬如", "练习", "习题",
)  # fmt: skip
EXAMPLE_HEADING_WORDS = ("example", "examples", "exercise", "exercises", "例子", "示例", "举例", "例题", "实例", "练习")
WHERE_OPENERS = ("where", "here", "with", "in which", "其中", "这里", "式中", "此处", "此时",
                 # words that name the formula just shown: "上式中的 $A_t$ 为 n×n 矩阵" declares for it (a
                 # paragraph that only says what it assumed, "This requires A to be symmetric.", is a
                 # remark read by BACK_REFERENCES)
                 "上式", "此式", "该式", "以上各式", "the above", "the formula above", "the equation above")  # fmt: skip
# A paragraph after a display that refers back to it ("This requires A to be symmetric.", "We assumed
# G symmetric above.", "上式要求 A 对称"): what it assumes, the display assumed (core._follow_up).
BACK_REFERENCES = ("this", "these", "that", "it", "the above", "the formula", "the equation", "the identity",
                   "the result", "note that this", "note that the above", "the last step", "the step", "this step",
                   "the previous step", "(", "上式", "此式", "该式", "这", "此", "以上", "（")  # fmt: skip
BACK_REFERENCE_WORDS = ("above", "上面", "上式", "以上")
# A sentence that goes on after a display, in lower case: "… = 2GS,\n\ngiven S is symmetric." explains
# the display as a "where" paragraph does (matched in lower case only: "If A is …" opens a new sentence)
CONTINUATION_OPENERS = ("given", "since", "because", "as", "assuming", "provided", "if", "when", "whenever", "for")
# A paragraph that opens with a bold label ("**Rules.**", "\textbf{Properties:}") is a small heading:
# it ends a worked example, unless its label goes on working the example out (these words).
RUN_IN_WITHIN_EXAMPLE = ("solution", "proof", "answer", "hint", "step", "check", "then", "so", "hence",
                         "解", "证明", "答案", "提示", "步骤", "解答", "所以", "因此")  # fmt: skip
# what may come before the opening word: spaces, emphasis and list marks, brackets, \textbf{
_LEAD = (r"^[\s*_>#(\[【（]*(?:\\(?:textbf|emph|textit|paragraph)\{\s*)?"
         # "Next, a different example:", "Now another example": a lead-in before the opening word
         r"(?:(?:next|now|then|finally|also)\b[\s,:]*)?"
         r"(?:(?:another|one\s+more|a\s+second|a\s+different|a\s+new|a\s+further|the\s+next|a|an)\s+)?"
         r"(?:另一个|再看一个|再举一个|下一个)?")


_FRAME = re.compile(r"\\begin\{frame\}")
_REFERS_BACK = re.compile(
    r"^\s*(?:" + "|".join(re.escape(w) + (r"\b" if w.isascii() else "") for w in sorted(BACK_REFERENCES, key=len, reverse=True))
    + r")|" + "|".join((r"\b" + re.escape(w) + r"\b") if w.isascii() else re.escape(w) for w in BACK_REFERENCE_WORDS), re.I)


def refers_back(text: str) -> bool:
    """Whether a paragraph refers back to what was just shown ("This requires …", "… above")."""
    return bool(_REFERS_BACK.search(text))
_RUN_IN = re.compile(r"^\s*(?:\*\*|__|\\textbf\{|\\paragraph\{)\s*(?P<label>[^*_{}\n]{1,40}?)\s*(?:\*\*|__|\})")
_WITHIN_EXAMPLE = re.compile(r"(?:" + "|".join(re.escape(w) + (r"\b" if w.isascii() else "") for w in RUN_IN_WITHIN_EXAMPLE) + ")", re.I)


def _run_in_heading(text: str) -> bool:
    """Whether a paragraph opens with a bold label that acts as a heading ("**Rules.**") and does
    not go on working an example out ("**Solution.**")."""
    m = _RUN_IN.match(text)
    return m is not None and not _WITHIN_EXAMPLE.match(m.group("label"))


def _opener(words: tuple[str, ...]) -> re.Pattern:
    """A pattern for a passage that begins with one of ``words`` (an English word ends at a non-letter)."""
    parts = [re.escape(w) + (r"(?![a-z])" if w[-1].isalpha() and w.isascii() else "") for w in words]
    return re.compile(_LEAD + "(?:" + "|".join(sorted(parts, key=len, reverse=True)) + ")", re.I)


_EXAMPLE_START = _opener(EXAMPLE_OPENERS)
_WHERE_START = _opener(WHERE_OPENERS)
_CONTINUATION_START = re.compile(_opener(CONTINUATION_OPENERS).pattern)  # the same pattern, case kept
_EXAMPLE_HEADING = re.compile(
    "|".join(r"\b" + re.escape(w) + r"\b" if w.isascii() else re.escape(w) for w in EXAMPLE_HEADING_WORDS)
    + r"|^\W*例\s*[0-9一二三四五六七八九十]",
    re.I,
)


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
        self._frames()
        self._build(levels)
        self._structure()

    def _frames(self) -> None:
        """A Beamer frame (``\\begin{frame}`` … ``\\end{frame}``) is a section of its own, the
        innermost: slides reuse letters from frame to frame as sections do. The first passage
        of each frame becomes the section start of the frame's passages."""
        starts: dict[int, list[int]] = {}  # id(source) -> offsets of \begin{frame}
        for p in self.passages:
            if id(p.source) not in starts:
                text = p.source.text
                starts[id(p.source)] = [m.start() for m in _FRAME.finditer(text)] if "\\begin{frame}" in text else []
        if not any(starts.values()):
            return
        n = len(self.passages)
        current, first = None, -1  # the frame of the passage before, the first passage of the frame
        frames: list[int] = []  # first passages of frames, in order
        for k, p in enumerate(self.passages):
            offsets = starts[id(p.source)]
            frame = (id(p.source), bisect.bisect_right(offsets, p.start)) if offsets else None
            if p.kind == "heading":
                current = None
                continue
            if frame is not None and frame[1] > 0 and frame != current:
                first = k
                frames.append(k)
            current = frame
            if frame is not None and frame[1] > 0 and first > self.section_of[k]:
                self.section_of[k] = first
        for i, k in enumerate(frames):
            end = frames[i + 1] if i + 1 < len(frames) else n
            nxt = next((h for h in range(k + 1, end) if self.passages[h].kind == "heading"), end)
            self.section_end[k] = nxt

    def _structure(self) -> None:
        """Runs of list items and table rows, worked examples, and "where" paragraphs.

        ``run_start[k]`` is the first passage of the list or table passage ``k`` is in (None
        outside one). ``example[k]`` is the (first, last exclusive) passages of the worked
        example ``k`` is in: a heading that names an example covers its section; a paragraph
        that opens with an example word runs to the next heading, the next example, or the
        next list or table that does not follow it directly. ``where[k]`` marks a paragraph
        that opens with "where" / "其中": it explains the passage just before it.
        """
        n = len(self.passages)
        self.run_start: list[int | None] = [None] * n
        self.example: list[tuple[int, int] | None] = [None] * n
        self.where: list[bool] = [False] * n
        for k, p in enumerate(self.passages):
            if p.kind in ("list_item", "table_row"):
                prev = self.passages[k - 1] if k else None
                same = prev is not None and prev.kind == p.kind and prev.source is p.source
                self.run_start[k] = self.run_start[k - 1] if same else k
            elif p.kind != "heading":
                text = p.text  # a slice of the source: taken once
                self.where[k] = bool(_WHERE_START.match(text) or _CONTINUATION_START.match(text))
        for k, p in enumerate(self.passages):  # a heading that names an example: its section
            if p.kind == "heading" and _EXAMPLE_HEADING.search(p.text):
                end = self.section_end.get(k, n)
                for j in range(k, end):
                    self.example[j] = (k, end)
        k = 0
        while k < n:  # a paragraph that opens one: inside a heading's example, the innermost counts
            p = self.passages[k]
            if not (p.kind in ("paragraph", "blockquote") and _EXAMPLE_START.match(p.text)):
                k += 1
                continue
            end = k + 1
            while end < n:
                q = self.passages[end]
                if q.kind == "heading" or (q.kind in ("paragraph", "blockquote") and (
                        _EXAMPLE_START.match(q.text) or _run_in_heading(q.text))):
                    break
                if self.run_start[end] == end:  # a list or table begins
                    before = self.passages[end - 1]
                    if before.kind in ("list_item", "table_row"):
                        break  # right after another list: a list of its own
                    if end - 1 != k and not before.blocks:
                        break  # under a label without math ("Properties:", "常用公式："): general rules
                end += 1
            for j in range(k, end):
                self.example[j] = (k, end)
            k = end

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
                    # a heading above the chapters (their level repeats, its does not: the note's
                    # title) opens a preamble: what it declares holds in every chapter under it
                    chapter = Scope("chapter", k, n, self.document, p.text.strip(), level,
                                    preamble=level < self.chapter_level)
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

    def same_section(self, d: int, k: int) -> bool:
        """Whether passage ``k`` lies in the section (heading and everything under it) where
        passage ``d`` stands; text before the first heading holds for the whole note."""
        h = d if self.passages[d].kind == "heading" else self.section_of[d]  # a frame's first passage: itself
        if h < 0:
            return True
        return h <= k < self.section_end.get(h, len(self.passages))

    def reaches_back(self, d: int, k: int) -> bool:
        """Whether a declaration made in passage ``d`` holds at an earlier passage ``k``: only
        where the later passage explains the earlier one. A heading's formula is explained by
        the section under it; a paragraph that opens with "where" / "其中" (and the list
        directly under it) explains the passage just before it. Anything else that comes later
        never applies backwards."""
        if self.passages[k].kind == "heading":
            return any(s.first == k and s.contains(d) for s in self.chains[k] if s.kind in ("chapter", "unit"))
        if d == k + 1 and self._nested_under(d, k):  # "- ∇ xᵀBx = 2Bx" then, one level in, "- B is symmetric"
            return True
        w = self.run_start[d]
        w = d if w is None else w - 1  # a list under a "where" paragraph
        return w == k + 1 and w >= 0 and self.where[w]

    def _nested_under(self, d: int, k: int) -> bool:
        """Whether passage ``d`` is a list item nested in the list item ``k`` (a sub-item under it)."""
        inner, outer = self.passages[d], self.passages[k]
        if inner.kind != "list_item" or outer.kind != "list_item" or inner.source is not outer.source:
            return False
        a, b = outer.items, inner.items
        return bool(a) and len(b) > len(a) and b[: len(a)] == a

    def unclear(self, d: int, k: int) -> bool:
        """Whether a declaration made in an earlier passage ``d`` of the same section is only a
        guess at passage ``k`` because a structure lies between them: ``k`` is in a list or table
        that ``d`` does not introduce (``d`` is neither in it nor the passage just before it: a
        list of general rules after a worked example), ``k`` is in a worked example that ``d``
        comes before (the example may use the letter anew), or ``d`` is in a worked example
        that ends before ``k``."""
        run = self.run_start[k]
        if run is not None and d < run - 1:
            return True
        example = self.example[k]
        if example is not None and d < example[0]:
            return True
        example = self.example[d]
        return example is not None and k >= example[1]

    def home(self, k: int) -> Scope:
        """The scope a declaration made in passage ``k`` belongs to (a row, or the
        innermost unit or chapter)."""
        chain = self.chains[k]
        if chain[0].kind == "row":
            return chain[0]
        if chain[0].kind == "item":
            return chain[1]
        return chain[0]
