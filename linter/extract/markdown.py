"""Markdown extractor: markdown-it gives the block structure, a scan of the raw text finds the math."""

from __future__ import annotations

import bisect
import re
import string
from dataclasses import dataclass, replace
from functools import lru_cache

from markdown_it import MarkdownIt
from mdit_py_plugins.front_matter import front_matter_plugin

from derivlint.extract import dialects
from derivlint.extract.blocks import Extraction, MathBlock, Passage, contiguous_offsets
from derivlint.source import Source
from derivlint.extract.paragraph_rule import use_paragraph_rule

from derivlint.math.macros import DEFINERS, find_macro_definitions

# A block can define a macro only if it names a definer (\newcommand, \def …): most blocks do
# not, and this search is cheaper than the macro reader's call (a superset of its keywords).
_MAY_DEFINE = re.compile(r"\\(?:" + "|".join(map(re.escape, sorted(DEFINERS))) + ")")

# A YAML front matter block at the very start of a note (Pandoc, R Markdown, Quarto, Jekyll)
_FRONT_MATTER = re.compile(r"\A\ufeff?---[ \t]*\r?\n(.*?)\r?\n(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.S)

_ENV_NAMES = (
    "equation", "align", "alignat", "gather", "multline", "flalign", "eqnarray", "displaymath", "math",
)
DISPLAY_ENVIRONMENTS = frozenset(_ENV_NAMES + tuple(name + "*" for name in _ENV_NAMES))
# Environments that are not displays themselves but that MathJax (processEnvironments, on by
# default: Jupyter, most MathJax sites) and Pandoc (a raw LaTeX math environment becomes display
# math in HTML: Quarto, R Markdown) typeset where they stand in the prose. The whole environment,
# \begin and \end included, is the math, as those renderers read it.
_MATRICES = ("matrix", "pmatrix", "bmatrix", "Bmatrix", "vmatrix", "Vmatrix")
INNER_ENVIRONMENTS = frozenset(
    ("aligned", "alignedat", "gathered", "split", "cases", "array", "subarray", "smallmatrix", "CD")
    + _MATRICES + tuple(name + "*" for name in _MATRICES)
)
# a line that opens one of them written bare, its name in group 1 (dialects.display_math_lines)
_BARE_ENV_OPENER = re.compile(r"(?:[ \t]*>)*[ \t]*\\begin\{("
                              + "|".join(map(re.escape, sorted(DISPLAY_ENVIRONMENTS | INNER_ENVIRONMENTS, key=len, reverse=True)))
                              + r")\}")
ENVIRONMENTS = DISPLAY_ENVIRONMENTS | INNER_ENVIRONMENTS

_CLOSERS = {"$$": "$$", "\\(": "\\)", "\\[": "\\]", "\\\\(": "\\\\)", "\\\\[": "\\\\]"}
_INLINE = frozenset({"$", "\\(", "\\\\("})
_MATH_CHARS = re.compile(r"[\\^_=+{}&]")  # what math between two $$ has and words do not
# a word: two letters or more ("Then", "于是"), or one CJK ideograph or kana ("和", "及", "即"), not a lone x
_WORD = re.compile(r"[^\W\d_]{2,}|[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_INLINE_DOLLAR = re.compile(r"(?<![$\\])\$(?!\$)[^$\n]+(?<![\\\s])\$(?!\$)")  # $…$ on one line
# the label of a part of an exercise alone between two displays: "(b)", "b)", "(ii)", "2.", "**(c)**"
_PART_LABEL = re.compile(r"[(\[]?(?:[A-Za-z]|[ivxIVX]{1,4}|\d{1,3})[)\].:]")
_PROSE = frozenset({"paragraph", "list_item", "blockquote"})
# the markdown-it tokens that become segments (every other token but containers is passed over)
_LEAVES = frozenset({"paragraph_open", "heading_open", "tr_open", "code_block", "hr", "fence", "html_block", "front_matter"})
_WHERE = {
    "paragraph": "paragraph", "list_item": "list item", "blockquote": "blockquote",
    "heading": "heading", "table_row": "table row",
}

_SPECIAL = re.compile(r"[\\$`<]")
# MathJax 2's math scripts (what kramdown and many blog engines write for $$ and $):
# <script type="math/tex"> inline, <script type="math/tex; mode=display"> display.
_SCRIPT = re.compile(r"""<script[ \t\n]+type[ \t]*=[ \t]*["']math/tex[ \t]*(;[ \t]*mode[ \t]*=[ \t]*display[ \t]*)?["'][ \t\n]*>""", re.I)
_SCRIPT_END = re.compile(r"</script>", re.I)
_ROLE = "{math}"  # MyST's inline math role, {math}`x^2`
_ENV_TOKEN = re.compile(r"\\(?:begin|end)\{([A-Za-z]+\*?)\}")
_MARKER = re.compile(r"[ \t]*(?:>[ \t]?|(?:[-+*]|\d{1,9}[.)])(?:[ \t]+|$))")
_QUOTE_MARKER = re.compile(r"[ \t]*>[ \t]?")
_LINE_START = re.compile(r"(?:[ \t]*(?:>|[-+*]|\d{1,9}[.)])(?=[ \t]|$))*[ \t]*")  # blockquote and list markers
_ATX = re.compile(r"#{1,6}(?=[ \t]|$)[ \t]*")
# a LaTeX sectioning command alone on a line of a Markdown note (converted from LaTeX): its level and title
LATEX_HEADING = re.compile(r"[ \t]*\\(chapter|section|subsection|subsubsection|paragraph)\*?\{([^{}]*)\}[ \t]*$")
LATEX_LEVELS = {"chapter": 1, "section": 2, "subsection": 3, "subsubsection": 4, "paragraph": 5}
_PUNCT = frozenset(string.punctuation)
_DIGITS = frozenset("0123456789")
_FAIL = -1
_MAX_SPAN = 200  # a display block may run over at most this many further blocks


# -- public API -------------------------------------------------------------------


class Outline:
    """The heading path and section counter, carried across the cells of a notebook."""

    def __init__(self) -> None:
        self.stack: list[tuple[int, str]] = []
        self.section = 0
        self._path: tuple[str, ...] = ()  # the titles of ``stack``, kept for the passages until a heading

    def enter(self, level: int, title: str) -> None:
        while self.stack and self.stack[-1][0] >= level:
            self.stack.pop()
        self.stack.append((level, title))
        self.section += 1
        self._path = tuple(title for _, title in self.stack)

    @property
    def path(self) -> tuple[str, ...]:
        return self._path


def extract_markdown(path: str, text: str, source: Source | None = None) -> Extraction:
    """Math blocks, passages and problems of a Markdown note (``source`` defaults to the whole text)."""
    return extract_source(source if source is not None else Source(path, text))


def extract_source(source: Source, outline: Outline | None = None) -> Extraction:
    """Extract one Markdown source, continuing ``outline`` (headings) when given."""
    reader = _Reader(source, outline if outline is not None else Outline())
    path = source.path.lower()
    pandoc = path.endswith(dialects.PANDOC_EXTENSIONS)
    reader.run(_segments_of(source.text, path.endswith(".mdx"), pandoc))
    front = _FRONT_MATTER.match(source.text)
    if front is not None and "include" in front.group(1):  # include-in-header: ../mathjax.html, a file of macros
        from derivlint.site_macros import front_matter_included_macros

        reader.macros.update(front_matter_included_macros(source.path, front.group(1)))
    if front is not None and _MAY_DEFINE.search(front.group(1)):
        # Pandoc's header-includes, Quarto's include-in-header text: the note's own macros, for all its math
        reader.macros.update(find_macro_definitions(front.group(1)))
    if "{{<" in source.text:  # Quarto: {{< include _macros.tex >}}, often inside a hidden $$ … $$
        from derivlint.site_macros import quarto_included_macros

        reader.macros.update(quarto_included_macros(source.path, source.text))
    if pandoc:  # Pandoc's latex_macros: a \newcommand in the prose holds for the math of the note
        for passage in reader.passages:
            if passage.kind == "paragraph":
                prose = source.text[passage.start : passage.end]
                if _MAY_DEFINE.search(prose):
                    reader.macros.update(find_macro_definitions(prose))
    return Extraction([source], reader.passages, reader.blocks, reader.problems, reader.macros)


# -- block structure from markdown-it ---------------------------------------------


@dataclass(slots=True)
class _Segment:
    """A leaf block: lines [first, last) (0-based) and what contains it."""

    kind: str  # paragraph | list_item | blockquote | heading | table_row | code | barrier
    first: int
    last: int
    containers: tuple[int, ...] = ()
    depth: int = 0  # enclosing blockquotes
    markers: int = 0  # container markers written at the start of the first line
    level: int = 0
    title: str = ""
    prose: str = "paragraph"  # the kind a paragraph here has (for a setext heading that is math)
    underline: int = 0  # a setext heading's last line + 1, underline included
    fence: str = ""  # a math directive's fence (```, :::)
    scripts: bool = False  # an HTML block: only its MathJax math scripts are read
    argument: bool = False  # a math directive whose opening line holds an equation after {math}
    whole: bool = False  # a math fence whose content is one display whatever its blank lines (```math)
    span: tuple[int, int] | None = None  # a one-line passage's columns from its first non-blank (a title)
    items: tuple[int, ...] = ()  # the list items it is in, outermost first (their opening tokens)


@lru_cache(maxsize=2)
def _parser(front_matter: bool = True) -> MarkdownIt:
    # Only the block structure is used: skip markdown-it's inline parsing (most of its time).
    # Its "normalize" is done by _segments_of (a regex substitution at every newline, here a
    # string replace of the NULs that are left to replace).
    # Paragraphs and setext headings are found in one walk over their lines (paragraph_rule).
    # A piece of a long note after its first (_parse_in_pieces) has no front matter.
    parser = MarkdownIt("commonmark").enable("table")
    if front_matter:
        parser = parser.use(front_matter_plugin)
    parser.options["maxNesting"] = _MAX_NESTING
    return use_paragraph_rule(parser.disable(["normalize", "inline", "text_join"]))


# markdown-it stops reading at its nesting limit and drops the rest of the note without a word
# (10 nested lists reach commonmark's 20). Lists 50 deep are read; a note that reaches the limit
# is read as blank-line paragraphs instead (_segments_of), so no line after the nesting is lost.
_MAX_NESTING = 100


def _segments_of(text: str, mdx: bool = False, pandoc: bool = False) -> list[_Segment]:
    clean = text[1:] if text.startswith("\ufeff") else text
    clean = clean.replace("\r\n", "\n").replace("\r", " ")  # keep markdown-it's lines = ours
    clean = clean.replace("\0", "\ufffd")  # what markdown-it's normalize does besides line endings
    if pandoc:  # a list needs a blank line before it
        clean = "\n".join(dialects.pandoc_paragraph_lines(clean.split("\n")))
    if "$$" in clean:  # + (1 - y) … continuing a display: math, not a list item (dialects.display_math_lines)
        clean = "\n".join(dialects.display_math_lines(clean.split("\n"), _BARE_ENV_OPENER))
    regions: list[dialects.Region] = []
    if dialects.may_have_dialect(clean, mdx):  # fenced divs, directives, MDX: blank their lines
        lines, regions = dialects.prepare(clean.split("\n"), mdx)
        clean = "\n".join(lines)
    try:
        if len(clean) > _PIECE:
            segments = _parse_in_pieces(clean, _PIECE)
        else:
            tokens = _parser().parse(clean)
            if tokens and max(tok.level for tok in tokens) >= _MAX_NESTING - 1:  # cut short at the limit
                return _fallback_segments(clean)
            segments = _segments_from_tokens(tokens)
            del tokens
    except _TooDeep:
        return _fallback_segments(clean)
    except Exception:  # markdown-it should not fail; if it does, fall back to blank-line paragraphs
        return _fallback_segments(clean)
    if regions:
        breaks = sorted(r.first for r in regions if r.kind == "break")
        if breaks:
            segments = _split_at(segments, breaks)
        extra = [
            _Segment("paragraph" if r.kind == "title" else r.kind, r.first, r.last, fence=r.fence,
                     argument=bool(r.argument), span=r.span)
            for r in regions if r.kind != "break"
        ]
        segments = sorted(segments + extra, key=lambda seg: seg.first)
    return segments


# A note longer than _PIECE characters is given to markdown-it a piece at a time (_parse_in_pieces):
# markdown-it holds a token object for each opening, content and closing of every block, about
# 400 MB for 10 MB of short paragraphs, where the segments made from them take a seventh of that.
_PIECE = 1 << 20


class _TooDeep(Exception):
    """A piece of a long note reached markdown-it's nesting limit: the note is read as blank-line paragraphs."""


def _parse_in_pieces(clean: str, piece: int) -> list[_Segment]:
    """The segments of ``clean`` as markdown-it gives them for the whole text, parsed a piece
    of about ``piece`` characters at a time (the tokens of one piece alive at once). A piece
    ends at a blank line; of its blocks at the top level, the last one (which the end of the
    piece may have cut short: a list, a fence, a table) is parsed again at the start of the next
    piece, so every block that is kept was read up to its end, and the next piece starts where
    markdown-it started a new top-level block, in the state it had there (no open container,
    no paragraph to continue). Line numbers and container ids are the note's (ids stay unique,
    one count of tokens across the pieces). A block longer than a piece is read whole."""
    segments: list[_Segment] = []
    start, line, first_id, size = 0, 0, 0, piece
    # front matter is read only at the start of the note: the first piece holds all of it
    closing = re.search(r"^(?:---|\.\.\.)[ \t]*$", clean[3:], re.M) if clean.startswith("---") else None
    floor = 3 + closing.end() if closing is not None else 0
    while True:
        cut = clean.find("\n\n", max(start + size, floor)) if len(clean) - start > size else -1
        text = clean[start:] if cut < 0 else clean[start : cut + 1]
        tokens = _parser(start == 0).parse(text)
        if tokens and max(tok.level for tok in tokens) >= _MAX_NESTING - 1:
            raise _TooDeep()
        if cut >= 0:
            # where the last block at the top level starts: the next piece starts there
            last = max((k for k, tok in enumerate(tokens) if tok.level == 0 and tok.nesting >= 0 and tok.map), default=0)
            if last == 0:  # one block fills the piece: a longer piece
                size *= 2
                continue
            restart = tokens[last].map[0]
            tokens = tokens[:last]
        for seg in _segments_from_tokens(tokens):
            seg.first += line
            seg.last += line
            if seg.kind == "heading":
                seg.underline += line
            if first_id:
                seg.containers = tuple(i + first_id for i in seg.containers)
                seg.items = tuple(i + first_id for i in seg.items)
            segments.append(seg)
        if cut < 0:
            return segments
        first_id += len(tokens)
        offset = 0
        for _ in range(restart):
            offset = text.index("\n", offset) + 1
        start, line, size = start + offset, line + restart, piece
        del tokens


def _split_at(segments: list[_Segment], breaks: list[int]) -> list[_Segment]:
    """The segments with each prose segment cut at the ``breaks`` inside it: a line after an
    MkDocs admonition's body starts a block of its own (Python-Markdown), where markdown-it,
    reading the body unindented, takes it for a lazy continuation of the body's last paragraph."""
    out: list[_Segment] = []
    for seg in segments:
        cuts = []
        if seg.kind in _PROSE and seg.last - seg.first > 1:
            at = bisect.bisect_right(breaks, seg.first)
            while at < len(breaks) and breaks[at] < seg.last:
                cuts.append(breaks[at])
                at += 1
        for cut in cuts:
            out.append(replace(seg, last=cut))
            seg = replace(seg, first=cut, markers=seg.depth)
        out.append(seg)
    return out


def _segments_from_tokens(tokens) -> list[_Segment]:
    segments: list[_Segment] = []
    stack: list[tuple[int, str, int]] = []  # (token index, container kind, first line)
    for index, tok in enumerate(tokens):
        kind = tok.type
        if kind in ("blockquote_open", "list_item_open"):
            stack.append((index, kind[: -len("_open")], tok.map[0] if tok.map else -1))
            continue
        if kind in ("blockquote_close", "list_item_close"):
            if stack:
                stack.pop()
            continue
        if kind not in _LEAVES or tok.map is None:
            continue
        first, last = tok.map
        ids = tuple(entry[0] for entry in stack)
        depth = sum(1 for entry in stack if entry[1] == "blockquote")
        markers = depth + sum(1 for entry in stack if entry[1] == "list_item" and entry[2] == first)
        prose = stack[-1][1] if stack else "paragraph"
        if kind == "paragraph_open":
            items = tuple(entry[0] for entry in stack if entry[1] == "list_item")
            segments.append(_Segment(prose, first, last, ids, depth, markers, items=items))
        elif kind == "heading_open":
            inline = tokens[index + 1] if index + 1 < len(tokens) else None
            content_last = inline.map[1] if inline is not None and inline.map else last
            title = " ".join(inline.content.split()) if inline is not None else ""
            level = int(tok.tag[1:])
            segments.append(_Segment("heading", first, content_last, ids, depth, markers, level, title, prose, last))
        elif kind == "tr_open":
            segments.append(_Segment("table_row", first, last, ids, depth, markers))
        elif kind in ("code_block", "hr"):
            segments.append(_Segment("code", first, last, ids, depth))
        elif kind == "fence" and dialects.is_math_fence(tok.info):
            info = tok.info.strip()
            argument = "}" in info and bool(info[info.index("}") + 1 :].strip())  # ```{math} a = b
            whole = not dialects.is_math_directive(info)  # GitHub's ```math: MathJax reads blank lines as spaces
            segments.append(_Segment("math", first, last, ids, depth, fence=tok.markup, argument=argument, whole=whole))
        elif kind == "html_block" and "math/tex" in tok.content and _SCRIPT.search(tok.content):
            # raw HTML holding MathJax 2's math scripts: the scripts are read, the rest is HTML
            segments.append(_Segment(prose, first, last, ids, depth, scripts=True))
        elif kind in ("fence", "html_block", "front_matter"):
            segments.append(_Segment("barrier", first, last, ids, depth))
    return segments


def _fallback_segments(text: str) -> list[_Segment]:
    segments: list[_Segment] = []
    first = None
    lines = text.split("\n")
    for number, line in enumerate(lines + [""]):
        if line.strip() and first is None:
            first = number
        elif not line.strip() and first is not None:
            segments.append(_Segment("paragraph", first, number))
            first = None
    return segments


# -- the reader ---------------------------------------------------------------------


class _Reader:
    """Walks the segments in order, making passages and scanning them for math."""

    def __init__(self, source: Source, outline: Outline) -> None:
        self.source = source
        self.text = source.text
        # a MyST page (jupytext's format_name: myst): its $$ displays are read before lists (dollarmath)
        self.myst = self.text.startswith("---") and _MYST_FRONT.search(self.text, 0, 3000) is not None
        self.outline = outline
        self.passages: list[Passage] = []
        self.blocks: list[MathBlock] = []
        self.problems: list[tuple[Source, int, int, str]] = []
        self.macros: dict[str, tuple[int, str | None, str]] = {}
        # Work shared by the openers of one scan, so that n openers cost what one does (issue 14):
        # where each later segment closes a block (_closer_in), and the last bare '$' found.
        self._closers: dict[tuple[int, str, str], int | None] = {}
        self._bare: tuple[int, int] = (-1, -1)
        self._unclosed: tuple[int, int] = (-1, -1)  # (segment, offset) of the last unclosed display reported

    def run(self, segments: list[_Segment]) -> None:
        i = 0
        while i < len(segments):
            seg = segments[i]
            if seg.kind in ("code", "barrier") or seg.first >= self.source.line_count:
                i += 1
                continue
            if seg.kind == "math":
                self._math_directive(seg)
                i += 1
                continue
            if seg.kind == "heading" and seg.underline > seg.last and self._opens_display(seg):
                # "$$" and a line of "=" or "-" inside the math: not a setext heading
                seg = segments[i] = replace(seg, kind=seg.prose, last=seg.underline)
            if seg.kind == "paragraph" and not seg.depth:
                seg = segments[i] = self._latex_heading(seg)
            if seg.kind == "heading":
                self.outline.enter(seg.level, seg.title)
            passage = self._passage(seg)
            self.passages.append(passage)
            i = self._scan(segments, i, passage)
            if passage.kind == "table_row":
                passage.cells = self._cells(passage)
            i += 1

    def _latex_heading(self, seg: _Segment) -> _Segment:
        """``seg``, or a heading when the paragraph is a LaTeX sectioning command alone
        (``\\subsection{The DFT matrix}``, as notes converted from LaTeX keep them): the scopes of what
        the note declares end there as at a Markdown heading."""
        if seg.last - seg.first != 1:
            return seg
        line = self.text[self.source.line_start(seg.first + 1) : self._line_end(seg.first + 1)]
        match = LATEX_HEADING.match(line) if "\\" in line else None
        if match is None:
            return seg
        return replace(seg, kind="heading", level=LATEX_LEVELS[match.group(1)], title=match.group(2).strip())

    def _math_directive(self, seg: _Segment) -> None:
        """The equations of a math directive (MyST's ```{math} or :::{math}): one display per
        group of lines between blank lines, after the directive's options; its passage is the
        directive itself. A math fence (GitHub's ```math) is one display, blank lines and all."""
        source, text = self.source, self.text
        count = source.line_count
        last = min(seg.last, count)
        lines = [self._line_text(k, seg.depth) for k in range(seg.first, last)]
        stop = last
        # (a fence in an MkDocs admonition's body is indented by the body's 4 columns)
        if last - seg.first > 1 and dialects.closes(lines[-1][1].lstrip(" \t"), seg.fence):
            stop = last - 1  # the closing fence
        start = source.line_start(seg.first + 1)
        passage = Passage(source, "paragraph", start, max(start, self._line_end(last)),
                          self.outline.path, self.outline.section)
        self.passages.append(passage)
        delimiter = seg.fence + "{math}"
        if seg.argument:  # ```{math} a = b: the first equation is on the opening line
            at, line = lines[0]
            brace = line.find("}", line.find("{"))
            body = at + brace + 1
            while text[body] in " \t":
                body += 1
            close = self._line_end(seg.first + 1)
            while close > body and text[close - 1] in " \t":
                close -= 1
            self._add(passage, body, body, close, close, delimiter, seg.depth, display=True)
        content = [line for _, line in lines[1:stop - seg.first]]
        if seg.whole:
            filled = [k for k, line in enumerate(content) if line.strip()]
            equations = [(filled[0], filled[-1] + 1)] if filled else []
        else:
            equations = dialects.math_lines(content, 0, len(content))
        for a, b in equations:
            body = lines[a + 1][0]
            close = self._line_end(seg.first + b + 1)
            self._add(passage, body, body, close, close, delimiter, seg.depth, display=True)

    def _line_text(self, k: int, depth: int) -> tuple[int, str]:
        """The 0-based line ``k`` past ``depth`` blockquote markers: (its offset, its text)."""
        start = self.source.line_start(k + 1)
        for _ in range(depth):
            match = _QUOTE_MARKER.match(self.text, start, self._line_end(k + 1))
            if match is None:
                break
            start = match.end()
        return start, self.text[start : self._line_end(k + 1)]

    # positions ----------------------------------------------------------------------

    def _line_end(self, line: int) -> int:
        """Offset of the end of 1-based ``line``, before its line ending."""
        source = self.source
        line = min(line, source.line_count)
        end = source.line_start(line + 1) - 1 if line < source.line_count else len(self.text)
        if end > source.line_start(line) and self.text[end - 1] == "\r":
            end -= 1
        return end

    def _seg_end(self, seg: _Segment) -> int:
        return self._line_end(seg.last)

    def _passage(self, seg: _Segment) -> Passage:
        text = self.text
        start = self.source.line_start(seg.first + 1)
        line_end = self._line_end(seg.first + 1)
        if seg.span is not None:  # an admonition's title: the text between its quotes
            while start < line_end and text[start] in " \t\ufeff":
                start += 1
            return Passage(self.source, seg.kind, start + seg.span[0], start + seg.span[1],
                           self.outline.path, self.outline.section)
        for _ in range(seg.markers):
            match = _MARKER.match(text, start, line_end)
            if match is None:
                break
            start = match.end()
        while start < line_end and text[start] in " \t\ufeff":
            start += 1
        if seg.kind == "heading":
            match = _ATX.match(text, start, line_end)
            if match is not None:
                start = match.end()
        return Passage(
            source=self.source,
            kind=seg.kind,
            start=start,
            end=max(start, self._seg_end(seg)),
            headings=self.outline.path,
            section=self.outline.section,
            row=seg.first + 1 if seg.kind == "table_row" else None,
            items=seg.items,
        )

    # scanning ---------------------------------------------------------------------

    def _scan(self, segments: list[_Segment], i: int, passage: Passage) -> int:
        """Find the math of segment ``i``; returns the last segment index it used up."""
        text = self.text
        seg = segments[i]
        pos, end = passage.start, passage.end
        cache: dict = {}
        if seg.scripts:
            self._scripts(passage, seg.depth)
            return i
        while True:
            found = _next_token(text, pos, end, cache)
            if found is None:
                return i
            p, tok = found
            body = p + len(tok)
            if tok == "$":
                k = _close_dollar(text, body, end, cache)
                if k is not None and _is_inline_math(text, body, k, end):
                    if k - body > 2 and text[body] == "`" and text[k - 1] == "`":  # GitHub's $`x^2`$
                        self._add(passage, p, body + 1, k - 1, k + 1, tok, seg.depth)
                    else:
                        self._add(passage, p, body, k, k + 1, tok, seg.depth)
                    if _kramdown_escape(text, p) and text.startswith("$", k + 1, end):
                        k += 1  # the second dollar of the formula's closing $$
                    elif _stray_dollar(text, body, k, end):
                        message = f"stray '$' after the inline math '{text[p : k + 1]}': a doubled closing '$'"
                        self.problems.append((self.source, k + 1, k + 2, message))
                        k += 1
                pos = body if k is None else k + 1
                continue
            closer = _closer_of(tok)
            if closer is None:  # a closing delimiter without an opening one: prose
                pos = body
                continue
            if tok == "$$" and seg.kind == "table_row" and _whole_cell(text, p, body, passage.start, end):
                pos = body  # |$$|: an empty cell's placeholder, shown as written; no display opens in a cell
                continue
            k, j = _find_closer(text, body, end, tok, closer, cache), i
            tagged = tok[0] in "{<"  # a {math} role or a MathJax script: never past its paragraph
            if k is None and not tagged and tok not in _INLINE and seg.kind in _PROSE:
                extended = self._extend(segments, i, tok, closer, body)
                if extended is not None:
                    j, k = extended
            if k is None:
                if tagged:  # an unclosed code span or HTML tag: text, not math
                    pos = body
                    continue
                if not tok.startswith("\\\\") and not self._escaped_bracket(p, tok) and not self._echo(i, seg, p, body, tok):
                    message = f"unclosed '{tok}': no matching '{closer}' before the end of the {_WHERE[seg.kind]}"
                    self.problems.append((self.source, p, body, message))
                    if tok not in _INLINE:
                        self._unclosed = (i, p)
                pos = body
                continue
            if tok != "$$" and self._bare_dollar(body, k):  # `\[` in prose meant a bracket
                pos = body
                continue
            if j != i:
                i, end, cache = j, self._seg_end(segments[j]), {}
                passage.end = max(passage.end, end)
            stop = k + len(closer)
            if tok[len("\\begin{") : -1] in INNER_ENVIRONMENTS and tok.startswith("\\begin{"):
                self._add(passage, p, p, stop, stop, tok, seg.depth, delimiter="")
            else:
                inline = tok == "$$" and _in_sentence(text, p, stop, passage.start, passage.end)
                self._add(passage, p, body, k, stop, tok, seg.depth, display=False if inline else None)
            pos = stop

    def _scripts(self, passage: Passage, depth: int) -> None:
        """The MathJax math scripts of an HTML block (nothing else of it is read)."""
        text, end = self.text, passage.end
        pos = passage.start
        while True:
            script = _SCRIPT.search(text, pos, end)
            if script is None:
                return
            close = _SCRIPT_END.search(text, script.end(), end)
            if close is None:
                return
            self._add(passage, script.start(), script.end(), close.start(), close.end(), script.group(0), depth)
            pos = close.end()

    def _escaped_bracket(self, p: int, tok: str) -> bool:
        """Whether an unclosed ``\\(`` or ``\\[`` at ``p`` is CommonMark's escaped bracket.

        With no closer in reach, ``\\(0,1\\]`` or ``see \\[3]`` is prose with escaped brackets
        (rendered "(0,1]", "[3]"). Only a ``\\[`` that starts its line, as a display does, is
        taken for an unclosed display. (An unclosed "\\\\[" is a LaTeX line break.)
        """
        if tok == "\\(":
            return True
        if tok != "\\[":
            return False
        text = self.text
        near = text[max(0, p - 24) : p]  # a line's container markers are short: no search back over a long line
        nl = near.rfind("\n")
        if nl == -1 and p > 24:
            return True
        return _LINE_START.fullmatch(near[nl + 1 :]) is None

    def _opens_display(self, seg: _Segment) -> bool:
        """Whether ``seg`` holds a display delimiter that is not closed within it."""
        text = self.text
        pos, end = self.source.line_start(seg.first + 1), self._seg_end(seg)
        cache: dict = {}
        while True:
            found = _next_token(text, pos, end, cache)
            if found is None:
                return False
            p, tok = found
            pos = p + len(tok)
            if tok == "$":
                k = _close_dollar(text, pos, end, cache)
                pos = pos if k is None else k + 1
                continue
            closer = _closer_of(tok)
            if closer is None:
                continue
            k = _find_closer(text, pos, end, tok, closer, cache)
            if k is None:
                return tok not in _INLINE and tok[0] not in "{<"
            pos = k + len(closer)

    def _extend(self, segments: list[_Segment], i: int, tok: str, closer: str, body: int = -1) -> tuple[int, int] | None:
        """The (segment, offset) of the closer of a display block that runs past its paragraph.

        Display math may hold blank lines and lines markdown-it reads as lists or
        headings; it may not leave its list item or blockquote, cross a fence or
        HTML block, or take the opening delimiter of a later block as its closer.
        """
        anchor = segments[i].containers[-1] if segments[i].containers else None
        for j in range(i + 1, min(len(segments), i + 1 + _MAX_SPAN)):
            seg = segments[j]
            if seg.kind == "barrier":
                return None
            if anchor is not None and anchor not in seg.containers and not self._environment_runs_on(tok, body, seg):
                return None
            key = (j, tok, closer)
            if key not in self._closers:  # every unclosed opener of a paragraph asks the same segments
                self._closers[key] = self._closer_in(seg, tok, closer)
            k = self._closers[key]
            if k == _FAIL:
                return None
            if k is not None:
                return j, k
        return None

    def _environment_runs_on(self, tok: str, body: int, seg: _Segment) -> bool:
        """Whether, in a MyST page, a $$ display opened at ``body`` inside a list item holds a
        \\begin{aligned} that ``seg``, outside the item, ends: a row of the display that lost its
        indentation after a blank line (markdown-it ends the item there; MyST's dollarmath reads the
        display first, with blank lines; GitHub and CommonMark pages do cut it, and it is reported)."""
        if tok != "$$" or body < 0 or not self.myst:
            return False
        start = self.source.line_start(seg.first + 1)
        if start <= body:
            return False
        inside = self.text[body:start]
        opened = [m.group(1) for m in _BEGIN_ENV.finditer(inside)]
        unclosed = [env for env in dict.fromkeys(opened) if inside.count(f"\\end{{{env}}}") < opened.count(env)]
        if not unclosed:
            return False
        here = self.text[start : self._seg_end(seg)]
        return any(f"\\end{{{env}}}" in here for env in unclosed)

    def _bare_dollar(self, start: int, end: int) -> bool:
        """Whether a ``$`` outside braces sits in [start, end) (see ``_first_bare_dollar``).

        A ``$`` at depth 0 counted from ``start`` is at depth 0 counted from any later start
        before it (braces opened after ``start`` are closed before it), so the openers nested
        in one another before the same bare ``$`` share one scan instead of each scanning
        up to it (quadratic in the number of openers).
        """
        first, found = self._bare
        if first <= start <= found < end:
            return True
        found = _first_bare_dollar(self.text, start, end)
        if found == -1:
            return False
        self._bare = (start, found)
        return True

    def _closer_in(self, seg: _Segment, tok: str, closer: str) -> int | None:
        """Where ``closer`` closes a block opened before ``seg``; None if absent, _FAIL if not."""
        text = self.text
        pos, end = self.source.line_start(seg.first + 1), self._seg_end(seg)
        cache: dict = {}
        seen: list[int] = []
        while True:
            found = _next_token(text, pos, end, cache)
            if found is None:
                break
            p, found_tok = found
            pos = p + len(found_tok)
            if tok == "$$" and found_tok == "$$":
                seen.append(p)
            elif tok != "$$" and found_tok == closer:
                return p
            elif tok != "$$" and found_tok == tok:
                return _FAIL
        if not seen:
            return None
        if len(seen) % 2 == 1 or self._closes_then_opens(seen[0], seen[1]):
            return seen[0]
        return _FAIL

    def _echo(self, i: int, seg: _Segment, p: int, body: int, tok: str) -> bool:
        """Whether an unclosed delimiter only echoes a display already reported unclosed, one
        mistake that would otherwise be reported again and again: an opener inside that display
        (its ``\\begin{aligned}``), or, in a later paragraph, the ``$$`` that ends it after the blank
        line that cut it off (``\\end{aligned}$$`` with nothing after it)."""
        at, where = self._unclosed
        if at == i and where < p:
            return True
        if tok != "$$" or at < 0 or at >= i:
            return False
        start = self.source.line_start(seg.first + 1)
        before, after = self.text[start:p], self.text[body : self._seg_end(seg)]
        return not after.strip() and "\\" in before and "$" not in before

    def _closes_then_opens(self, first: int, second: int) -> bool:
        """Whether of two ``$$`` the first, alone on its line, closes the display opened before
        and the second opens the next one: only words lie between them ("$$ / Then: / $$") or the
        label of an exercise's part ("$$ / (b) / $$"), not math that the two would hold as a display
        of their own (a lone ``x`` is math), or nothing."""
        text = self.text
        start, end = text.rfind("\n", 0, first) + 1, text.find("\n", first)
        if text[start:first].strip(" \t>") or text[first + 2 : len(text) if end < 0 else end].strip():
            return False  # not alone on its line
        between = text[first + 2 : second]
        if not between.strip():
            return True
        if "$" in between:  # words with inline math ("where the $n \times 1$ stack …") are words
            between = _INLINE_DOLLAR.sub(" ", between)
        if _MATH_CHARS.search(between):
            return False
        return _WORD.search(between) is not None or _PART_LABEL.fullmatch(between.strip(" \t\n>*_")) is not None

    def _add(self, passage: Passage, start: int, body: int, close: int, end: int, tok: str, depth: int,
             delimiter: str | None = None, display: bool | None = None) -> None:
        """Add the block [start, end) whose math is [body, close); ``delimiter`` defaults to ``tok``."""
        text, offsets = _body(self.text, body, close, depth)
        escaped = tok in ("\\\\[", "\\\\(") and bool(_ESCAPED_COMMAND.search(text)) and not _PLAIN_COMMAND.search(text)
        if escaped:
            text, offsets = _unescape_markdown(text, offsets)
        if "\\\\left" in text or "\\\\right" in text or "\\\\big" in text or "\\\\Big" in text:
            text, offsets = _unescape_sizes(text, offsets)
        if "\\\\{" in text or "\\\\}" in text:
            text, offsets = _unescape_braces(text, offsets)
        env = tok[len("\\begin{") : -1] if tok.startswith("\\begin{") else None
        block = MathBlock(
            source=self.source,
            text=text,
            offsets=offsets,
            start=start,
            end=end,
            delimiter=tok if delimiter is None else delimiter,
            display=_is_display(tok) if display is None else display,
            env=env,
            escaped=escaped,
        )
        passage.add_block(block)
        self.blocks.append(block)
        if _MAY_DEFINE.search(text):
            self.macros.update(find_macro_definitions(text))

    def _cells(self, passage: Passage) -> tuple[tuple[int, int], ...]:
        """Split a table row at the pipes that are not in math, code spans or escapes."""
        text = self.text
        spans = {block.start: block.end for block in passage.blocks}
        cache: dict = {}
        pos, end = passage.start, passage.end
        cuts = []
        while pos < end:
            ch = text[pos]
            if pos in spans:
                pos = spans[pos]
            elif ch == "\\":
                pos += 2
            elif ch == "`":
                pos = _skip_code_span(text, pos, end, cache)
            else:
                if ch == "|":
                    cuts.append(pos)
                pos += 1
        bounds = [passage.start - 1] + cuts + [end]
        pieces = [(a + 1, b) for a, b in zip(bounds, bounds[1:])]
        if cuts and not text[pieces[0][0] : pieces[0][1]].strip():
            pieces = pieces[1:]
        if cuts and pieces and not text[pieces[-1][0] : pieces[-1][1]].strip():
            pieces = pieces[:-1]
        return tuple(_trim(text, a, b) for a, b in pieces)


# -- delimiter scanning over raw text -----------------------------------------------


def _next_token(text: str, pos: int, end: int, cache: dict) -> tuple[int, str] | None:
    """The next math delimiter in [pos, end) outside code spans, HTML comments and escapes."""
    while True:
        match = _SPECIAL.search(text, pos, end)
        if match is None:
            return None
        i = match.start()
        ch = text[i]
        if ch == "$":
            return i, "$$" if text.startswith("$$", i, end) else "$"
        if ch == "`":
            if i - len(_ROLE) >= pos and text.startswith(_ROLE, i - len(_ROLE)):  # {math}`x^2`
                run = i + 1
                while run < end and text[run] == "`":
                    run += 1
                return i - len(_ROLE), text[i - len(_ROLE) : run]
            pos = _skip_code_span(text, i, end, cache)
            continue
        if ch == "<":
            if text.startswith(("<script", "<SCRIPT"), i):
                script = _SCRIPT.match(text, i, end)
                if script is not None:
                    return i, script.group(0)
            pos = _skip_comment(text, i, end, cache)
            continue
        nxt = text[i + 1] if i + 1 < end else ""
        if nxt == "\\" and i + 2 < end and text[i + 2] in "()[]":
            return i, text[i : i + 3]
        if nxt and nxt in "()[]":
            return i, text[i : i + 2]
        if nxt in ("b", "e"):
            env = _ENV_TOKEN.match(text, i, end)
            if env is not None and env.group(1) in ENVIRONMENTS:
                return i, env.group(0)
        pos = i + 2 if nxt in _PUNCT else i + 1


def _skip_code_span(text: str, i: int, end: int, cache: dict) -> int:
    """Past the code span opened by the backtick run at ``i``, or past the run if unclosed."""
    j = i
    while j < end and text[j] == "`":
        j += 1
    n = j - i
    if cache.get(("`", n), end + 1) <= j:
        return j
    fence = "`" * n
    k = text.find(fence, j, end)
    while k != -1:
        r = k
        while r < end and text[r] == "`":
            r += 1
        if r - k == n:
            return r
        k = text.find(fence, r, end)
    cache[("`", n)] = j
    return j


def _skip_comment(text: str, i: int, end: int, cache: dict) -> int:
    if not text.startswith("<!--", i, end) or cache.get("<!--", end + 1) <= i:
        return i + 1
    k = text.find("-->", i + 4, end)
    if k == -1:
        cache["<!--"] = i
        return i + 1
    return k + 3


def _escaped(text: str, k: int) -> bool:
    """Whether ``text[k]`` follows an odd number of backslashes."""
    n = 0
    while k - n - 1 >= 0 and text[k - n - 1] == "\\":
        n += 1
    return n % 2 == 1


def _close_dollar(text: str, start: int, end: int, cache: dict) -> int | None:
    """The next unescaped ``$`` in [start, end): ``$`` pairs in order, as MathJax and KaTeX read them."""
    if cache.get("$", end + 1) <= start:
        return None
    k = text.find("$", start, end)
    while k != -1 and _escaped(text, k):
        k = text.find("$", k + 1, end)
    if k != -1:
        return k
    cache["$"] = start
    return None


def _is_inline_math(text: str, start: int, close: int, end: int) -> bool:
    """A ``$…$`` pair is math unless its body is blank or a digit follows it (``$5 and $10``)."""
    return bool(text[start:close].strip()) and not (close + 1 < end and text[close + 1] in _DIGITS)


def _stray_dollar(text: str, body: int, close: int, end: int) -> bool:
    """Whether a ``$`` right after the closing ``$`` at ``close`` of the formula ``[body, close)`` is a stray one.

    ``$d$$ layer`` doubles the closing dollar: read in order, the extra ``$`` would open math that
    runs into the prose (MathJax) or print a dollar sign (Pandoc, which does not open math before a
    space). Not when the formula has a space at an edge (``$5 and then $$ y $$``: a price, then a
    display), nor for two formulas side by side (``$a$$b$``) or a display after one (``$a$$$``).
    """
    i = close + 1
    return (
        text.startswith("$", i, end) and i + 1 < end and text[i + 1] in " \t"
        and not text[body].isspace() and not text[close - 1].isspace()
    )


def _kramdown_escape(text: str, p: int) -> bool:
    """Whether the ``$`` at ``p`` is the second of kramdown's ``\\$$``, which starts inline math
    ``$$…$$`` where a bare ``$$`` would open a display (at the start of a paragraph or list item):
    its closing ``$$`` is the formula's end, not a doubled closing dollar."""
    return p >= 2 and text[p - 1] == "$" and _escaped(text, p - 1)


def _closer_of(tok: str) -> str | None:
    if tok.startswith("\\begin{"):
        return "\\end{" + tok[len("\\begin{") :]
    if tok.startswith(_ROLE):
        return tok[len(_ROLE) :]  # the role's backticks
    if tok.startswith("<"):
        return "</script>"
    return _CLOSERS.get(tok)


# what may stand around a $$ display on its lines: a label ({#eq-x}, (eq-x)), punctuation, an HTML
# comment (it renders nothing: "$$x^T A x$$ <!-- eq. 3 -->" is a display)
_AFTER_DISPLAY = re.compile(r"[ \t]*(?:\{#[^}\n]*\}|\([\w:.-]*\))?[ \t]*[.,;:!?，。；：！？]?[ \t]*(?:<!--.*?-->[ \t]*)?(?:\n|$)")


def _whole_cell(text: str, start: int, stop: int, first: int, last: int) -> bool:
    """Whether [start, stop) is all a table cell holds (``|$$|``) in the row [first, last): between
    a pipe (or the row's start) and a pipe (or the row's end), with only blanks around it."""
    k = start - 1
    while k >= first and text[k] in " \t":
        k -= 1
    if k >= first and (text[k] != "|" or _escaped(text, k)):
        return False
    k = stop
    while k < last and text[k] in " \t":
        k += 1
    return k >= last or text[k] == "|" or text[k] in "\r\n"


def _in_sentence(text: str, start: int, stop: int, first: int, last: int) -> bool:
    """Whether the ``$$…$$`` at [start, stop) is inline math within a line of prose, as kramdown
    reads it (and as it reads in the sentence for any renderer): one line, with words before it
    on that line or after it."""
    if text.find("\n", start, stop) != -1:
        return False
    line = text.rfind("\n", 0, start) + 1
    before = text[max(line, first) : start]
    if any(ch.isalnum() for ch in before) and _LINE_START.fullmatch(before) is None:
        return True
    return _AFTER_DISPLAY.match(text, stop, last) is None


def _is_display(tok: str) -> bool:
    """Whether the math an opening delimiter ``tok`` opens is a display."""
    if tok.startswith("<"):
        return _SCRIPT.match(tok).group(1) is not None  # ; mode=display
    return tok not in _INLINE and not tok.startswith(_ROLE)


@lru_cache(maxsize=None)
def _env_pattern(name: str) -> re.Pattern:
    return re.compile(r"\\(begin|end)\{" + re.escape(name) + r"\}")


def _find_closer(text: str, start: int, end: int, tok: str, closer: str, cache: dict) -> int | None:
    """Offset of the closer of ``tok`` in [start, end), counting nested environments."""
    if tok.startswith("\\begin{"):
        name = tok[len("\\begin{") : -1]
        known = cache.get(("env", name))
        if known is None or start < known[0]:
            known = cache[("env", name)] = (start, _env_closers(text, start, end, name))
        if start in known[1]:
            return known[1][start]
        depth = 1  # a start the pass did not see as a body: count from it
        for match in _env_pattern(name).finditer(text, start, end):
            if _escaped(text, match.start()):
                continue
            depth += 1 if match.group(1) == "begin" else -1
            if depth == 0:
                return match.start()
        return None
    if cache.get(closer, end + 1) <= start:
        return None
    if closer == "</script>":  # HTML: any case
        match = _SCRIPT_END.search(text, start, end)
        return match.start() if match is not None else None
    k = text.find(closer, start, end)
    while k != -1:
        if not _escaped(text, k):
            return k
        k = text.find(closer, k + 1, end)
    cache[closer] = start
    return None


def _env_closers(text: str, start: int, end: int, name: str) -> dict[int, int | None]:
    """For the body of each ``\\begin{name}`` in [start, end) (and for ``start`` itself, a body
    opened just before it): the offset of its matching ``\\end{name}``, or None.

    One pass with a stack, so that n nested openers cost one scan, not n (quadratic)."""
    closers: dict[int, int | None] = {start: None}
    open_bodies = [start]
    for match in _env_pattern(name).finditer(text, start, end):
        if _escaped(text, match.start()):
            continue
        if match.group(1) == "begin":
            closers[match.end()] = None
            open_bodies.append(match.end())
        elif open_bodies:
            closers[open_bodies.pop()] = match.start()
    return closers


def _first_bare_dollar(text: str, start: int, end: int) -> int:
    """The first ``$`` outside braces in [start, end) (no such thing in valid math), or -1."""
    depth = 0
    i = start
    while i < end:
        ch = text[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth = max(0, depth - 1)
        elif ch == "$" and depth == 0:
            return i
        i += 1
    return -1


def _body(text: str, start: int, end: int, depth: int) -> tuple[str, list[int]]:
    """Body text of [start, end) without blockquote markers and ``\\r``, with its offsets."""
    if depth == 0 and text.find("\r", start, end) == -1:
        return text[start:end], contiguous_offsets(start, end - start)
    pieces: list[str] = []
    offsets: list[int] = []
    i = start
    while True:
        nl = text.find("\n", i, end)
        stop = end if nl == -1 else nl
        if nl != -1 and stop > i and text[stop - 1] == "\r":
            stop -= 1
        pieces.append(text[i:stop])
        offsets.extend(range(i, stop))
        if nl == -1:
            break
        pieces.append("\n")
        offsets.append(nl)
        i = nl + 1
        for _ in range(depth):
            match = _QUOTE_MARKER.match(text, i, end)
            if match is None:
                break
            i = match.end()
    offsets.append(end)
    return "".join(pieces), offsets


# \\[ \\nabla \_\{A\} f \\]: math whose every backslash is escaped for the Markdown converter (a post
# written for one that eats backslashes inside the escaped \\[ … \\] delimiters): as written each
# \\nabla would be a row break and letters, and no command is written with one backslash
_ESCAPED_COMMAND = re.compile(r"(?<!\\)\\\\[A-Za-z]|\\\^")  # \\nabla, or \^{T}: TeX's circumflex accent, never meant in math
_PLAIN_COMMAND = re.compile(r"(?<!\\)\\[A-Za-z]")
_MARKDOWN_ESCAPABLE = frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")  # CommonMark's backslash escapes


def _unescape_markdown(text: str, offsets) -> tuple[str, list[int]]:
    """The math ``text`` as the Markdown converter hands it on: each backslash before ASCII
    punctuation dropped (\\\\ → \\, \\_ → _, \\{ → {), with the offsets of what is kept."""
    drop: set[int] = set()
    i, n = 0, len(text)
    while i < n:
        if text[i] == "\\" and i + 1 < n and text[i + 1] in _MARKDOWN_ESCAPABLE:
            drop.add(i)
            i += 1
        i += 1
    return _without(text, offsets, drop)


def _without(text: str, offsets, drop: set[int]) -> tuple[str, list[int]]:
    """``text`` without the characters at the indices ``drop``, with the offsets of what is kept."""
    if not drop:
        return text, offsets
    kept = [offsets[i] for i in range(len(text)) if i not in drop] + [offsets[len(text)]]
    return "".join(ch for i, ch in enumerate(text) if i not in drop), kept


def _unescape_braces(text: str, offsets) -> tuple[str, list[int]]:
    """The math ``text`` with ``\\\\{`` and ``\\\\}`` read as ``\\{`` and ``\\}`` (with the offsets of
    what is kept), when the note escaped the braces' backslash for a Markdown converter that eats
    one (marked, Hexo): when a group opened right after a ``\\\\`` closes right after another, which
    as written would be a row break inside a group, and the braces balance read as escaped."""
    if not _escaped_pair(text) or not _braces_balance(text):
        return text, offsets
    drop: set[int] = set()
    i, n = 0, len(text)
    while i < n:
        if text.startswith("\\\\", i) and i + 2 < n and text[i + 2] in "{}":
            drop.add(i)
            i += 3
        else:
            i += 2 if text[i] == "\\" else 1
    return _without(text, offsets, drop)


# \\left[ … \\right]: a size command whose backslash is escaped for a Markdown converter that eats one
# (Hugo, marked). As written it would be a row break followed by the letters "left": no author means that.
_MYST_FRONT = re.compile(r"^\s*format_name:\s*myst\b|^\s*myst:", re.M)
_BEGIN_ENV = re.compile(r"\\begin\{([A-Za-z]+\*?)\}")
_ESCAPED_SIZE = re.compile(r"(?<!\\)\\(?=\\(?:left|right|[bB]igg?[lrm]?)(?![A-Za-z]))")  # not \\\left: a row break, then \left


def _unescape_sizes(text: str, offsets) -> tuple[str, list[int]]:
    """The math ``text`` with ``\\\\left``, ``\\\\right``, ``\\\\big`` … read as ``\\left`` …
    (with the offsets of what is kept)."""
    return _without(text, offsets, {m.start() for m in _ESCAPED_SIZE.finditer(text)})


def _escaped_pair(text: str) -> bool:
    """Whether, read as written, a group opened by ``\\\\{`` is closed by ``\\\\}``."""
    opened: list[bool] = []  # per open group: whether a \\ came right before its {
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch == "\\":
            if text.startswith("\\\\", i) and i + 2 < n and text[i + 2] in "{}":
                if text[i + 2] == "{":
                    opened.append(True)
                elif opened and opened.pop():
                    return True
                i += 3
            else:
                i += 2
            continue
        if ch == "{":
            opened.append(False)
        elif ch == "}" and opened:
            opened.pop()
        i += 1
    return False


def _braces_balance(text: str) -> bool:
    """Whether the groups of ``text`` close in order, ``\\\\{`` and ``\\\\}`` being escaped braces."""
    depth = 0
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch == "\\":
            i += 3 if text.startswith("\\\\", i) and i + 2 < n and text[i + 2] in "{}" else 2
            continue
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth < 0:
                return False
        i += 1
    return depth == 0


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end
