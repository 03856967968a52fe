"""Block constructs of Markdown's dialects (MyST and Quarto fenced divs and directives, MkDocs admonitions and blocks, MDX's ESM and JSX lines), found line by line before markdown-it reads the note."""

from __future__ import annotations

import re
from dataclasses import dataclass

# Directives whose content is math (MyST ```{math}, Sphinx's math directive).
MATH_DIRECTIVES = frozenset({"math"})
# Fence info strings whose content is math with no directive braces (GitHub's and GitLab's ```math).
MATH_FENCES = frozenset({"math"})
# Directives whose content is not Markdown: code, reStructuredText, raw output, tables of data,
# diagrams, file lists. In a colon fence they are set apart like a code fence; in a backtick
# fence markdown-it already keeps them as code.
OPAQUE_DIRECTIVES = frozenset({
    "code", "code-block", "code-cell", "sourcecode", "eval-rst", "eval_rst", "raw", "literalinclude",
    "mermaid", "graphviz", "csv-table", "toctree", "bibliography", "include", "embed", "glue",
    "jupyter-execute", "ipython", "plot", "tikz", "exercise-code", "only", "rst-class",
})
# Directives written with backticks whose content IS Markdown prose (and math): admonitions,
# proofs and theorems, dropdowns, tabs, cards, margins and sidebars. Their content is read as
# the paragraphs it holds; a backtick fence with any other directive stays code.
PROSE_DIRECTIVES = frozenset({
    "note", "warning", "tip", "hint", "important", "caution", "attention", "danger", "error",
    "admonition", "seealso", "dropdown", "tab-item", "tab-set", "card", "grid", "grid-item",
    "grid-item-card", "margin", "sidebar", "topic", "epigraph", "pull-quote", "highlights",
    "div", "container", "exercise", "solution", "prf:theorem", "prf:proof", "prf:lemma",
    "prf:definition", "prf:corollary", "prf:proposition", "prf:example", "prf:remark",
    "prf:property", "prf:observation", "prf:axiom", "prf:conjecture", "prf:criterion",
    "prf:algorithm", "prf:assumption", "prf:notation", "theorem", "proof", "lemma", "definition",
    "corollary", "proposition", "example", "remark", "versionadded", "versionchanged", "deprecated",
})

_FENCE = re.compile(r" {0,3}(`{3,}|~{3,})[ \t]*(.*?)[ \t]*$")
_COLONS = re.compile(r" {0,3}(:{3,})[ \t]*(.*?)[ \t]*$")
_DIRECTIVE = re.compile(r"\{([A-Za-z][\w:.-]*)\}")  # {math}, {note}, {prf:theorem}
_OPTION = re.compile(r"[ \t]*:[\w-]+:(?:[ \t].*)?$")  # :label: eq-grad
# MkDocs (Python-Markdown's admonition, pymdownx.details and pymdownx.tabbed) and Julia's
# Documenter: an opener line, then a body indented by 4 columns that is Markdown, not code:
# !!! note "Title", ??? tip, ???+ example, === "Tab". CommonMark has no meaning for such a line.
_ADMONITION = re.compile(
    r'([ \t]*)(?:(?:!!!|\?\?\?\+?)[ \t]*([\w-]+)(?:[ \t]+[\w-]+)*(?:[ \t]+"(.*)")?|={3}!?\+?[ \t]+"(.*)")[ \t]*$'
)
# pymdownx.blocks: /// note | Title … /// (the content is not indented; its options are, by 4)
_BLOCK = re.compile(r" {0,3}(/{3,})[ \t]*([\w-]+)[ \t]*(?:\|[ \t]*(.*?))?[ \t]*$")
_BLOCK_END = re.compile(r" {0,3}(/{3,})[ \t]*$")
_MAX_ADMONITIONS = 20  # admonitions nested deeper are read as they stand (each level rewrites its body)
_LIST_REACH = 500  # how far up an indented opener looks for the list item it belongs to
_LIST_ITEM = re.compile(r"[ \t]*(?:[-+*]|\d{1,9}[.)])(?:[ \t]|$)")
_ESM = re.compile(r"(?:import|export)\b")
# a line of JSX tags only: <Tip>, </Tip>, <Figure src="a.png" />, <Tip warning={true}>
_JSX_LINE = re.compile(r"[ \t]*(?:</?[A-Za-z][\w.:-]*(?:[ \t]+[^<>]*?)?[ \t]*/?>[ \t]*)+$")


@dataclass(frozen=True)
class Region:
    """Lines [first, last) (0-based) that the pre-pass read itself.

    ``kind`` is ``math`` (a math directive: ``first`` is its opening fence line, ``last`` is past
    its closing one, or the end of the note when unclosed; ``fence`` is the closing fence's
    characters) or ``barrier`` (lines that are not prose: a colon-fenced code directive, MDX's
    ``import``/``export`` blocks), ``title`` (the title of an admonition, read as a paragraph of
    its own: its columns are ``span``) or ``break`` (a block starts at ``first``: the line after an
    admonition's body, which markdown-it would read as a lazy continuation of the body)."""

    kind: str
    first: int
    last: int
    fence: str = ""
    argument: str = ""  # text after {math} on the opening line: Sphinx's first equation
    span: tuple[int, int] | None = None  # a title: its columns on the line ``first``, counted from its first non-blank


def may_have_dialect(text: str, mdx: bool) -> bool:
    """Whether the note may hold a construct of ``prepare`` (a cheap test for the usual note)."""
    return (
        mdx or ":::" in text or "{" in text and ("```{" in text or "~~~{" in text or "``` {" in text)
        or "!!!" in text or "???" in text or '=== "' in text or "///" in text
    )


def prepare(lines: list[str], mdx: bool) -> tuple[list[str], list[Region]]:
    """The lines markdown-it is to read (fence and tag lines of the dialects blanked, so that
    the content of a fenced div, an admonition or a JSX element parses as the blocks it holds;
    an MkDocs admonition's body unindented by its 4 columns, so that it parses as Markdown, not
    code) and the regions read here (math directives, code directives and ESM, blanked too;
    admonition titles and the line after a body).

    Blanking and unindenting keep every line in its place, so every position still maps to the
    note (the reader reads the note's own text; markdown-it only tells it which lines are what)."""
    out = list(lines)  # read as it is rewritten: an admonition's body is read unindented
    regions: list[Region] = []
    stack: list[tuple[str, int]] = []  # open prose fences: (fence character, length)
    blocks: dict[int, list[int]] = {}  # open pymdownx blocks: their lines, by their fence's length
    levels: dict[int, int] = {}  # the lines unindented as an admonition's body: how many times
    n = len(out)
    i = 0
    while i < n:
        line = out[i]
        fence = _FENCE.match(line)
        if fence is not None:
            marks, info = fence.group(1), fence.group(2)
            if not info and stack and stack[-1][0] == marks[0] and len(marks) >= stack[-1][1]:
                out[i] = ""  # the closing fence of a prose directive
                stack.pop()
                i += 1
                continue
            name = directive(info)
            if name in PROSE_DIRECTIVES and marks[0] == "`":
                stack.append((marks[0], len(marks)))
                out[i] = ""
                i = _blank_options(out, out, i + 1)
                continue
            i = _past_fence(out, i + 1, marks)  # code, or a math directive markdown-it reads as a fence
            continue
        if "!!!" in line or "???" in line or "===" in line:
            admonition = _ADMONITION.match(line)
            if admonition is not None and _admonition(out, i, admonition, regions, levels):
                i += 1
                continue
        if "///" in line:  # a pymdownx block's fence: read when its closing fence comes
            block = _BLOCK.match(line)
            if block is not None:
                blocks.setdefault(len(block.group(1)), []).append(i)
                i += 1
                continue
            end = _BLOCK_END.match(line)
            if end is not None and blocks.get(len(end.group(1))):
                _pymdownx_block(out, blocks[len(end.group(1))].pop(), i, regions)
                i += 1
                continue
        colons = _COLONS.match(line)
        if colons is not None:
            marks, info = colons.group(1), colons.group(2)
            if not info:
                if stack and stack[-1][0] == ":":
                    stack.pop()
                out[i] = ""  # a closing ::: (or a stray one: never prose)
                i += 1
                continue
            name = directive(info)
            if name in MATH_DIRECTIVES or name in OPAQUE_DIRECTIVES:
                end = _colon_close(out, i + 1, len(marks))
                last = n if end is None else end + 1
                argument = info[info.index("}") + 1 :].strip() if name in MATH_DIRECTIVES else ""
                regions.append(Region("math" if name in MATH_DIRECTIVES else "barrier", i, last, marks, argument))
                for k in range(i, last):
                    out[k] = ""
                i = last
                continue
            stack.append((":", len(marks)))  # a Quarto div (::: {.callout-note}) or a MyST admonition
            out[i] = ""
            i = _blank_options(out, out, i + 1) if name is not None else i + 1
            continue
        if mdx and not stack and _ESM.match(line):
            first = i
            while i < n and out[i].strip():
                out[i] = ""
                i += 1
            regions.append(Region("barrier", first, i))
            continue
        if mdx and _JSX_LINE.match(line):
            out[i] = ""
        i += 1
    return out, regions


def _indent(line: str) -> int:
    """The columns of ``line``'s leading whitespace (a tab to the next multiple of 4)."""
    lead = len(line) - len(line.lstrip(" \t"))
    if "\t" not in line[:lead]:
        return lead
    col = 0
    for ch in line[:lead]:
        if ch == " ":
            col += 1
        elif ch == "\t":
            col += 4 - col % 4
        else:
            break
    return col


def _admonition(out: list[str], i: int, opener: re.Match, regions: list[Region], levels: dict[int, int]) -> bool:
    """Read the MkDocs admonition (or content tab) whose opener is line ``i``: blank the opener,
    unindent its body by 4 columns, note its title and where the body ends. False (nothing
    done) when no body follows, when the opener is indented code rather than an opener, or
    when admonitions are nested deeper than ``_MAX_ADMONITIONS`` (read as they stand).

    The body, as Python-Markdown reads it, is every following line indented by 4 columns more
    than the opener, across blank lines; the first other line ends it."""
    indent = _indent(opener.group(1))
    level = levels.get(i, 0)
    if level >= _MAX_ADMONITIONS:
        return False
    n = len(out)
    prefix = " " * (indent + 4)  # the usual body line (a quick test before counting columns)
    last = None
    k = i + 1
    while k < n:
        line = out[k]
        if line.startswith(prefix) and not line.isspace() or line.strip() and _indent(line) >= indent + 4:
            last = k
        elif line.strip():
            break
        k += 1
    if last is None or indent >= 4 and not _in_list(out, i, indent):
        return False  # no body, or indented code (an example of the syntax), not an admonition
    for j in range(i + 1, last + 1):
        line = out[j]
        if line.startswith(prefix) and not line.isspace():
            out[j] = line[4:]
        elif line.strip():
            out[j] = " " * (_indent(line) - 4) + line.lstrip(" \t")
        else:
            out[j] = ""
            continue
        levels[j] = level + 1
    out[i] = ""
    # the title: the quoted one, or else the type, which MkDocs shows as the title ("Example")
    group = 3 if opener.group(3) is not None else 4 if opener.group(4) is not None else 2
    if opener.group(group).strip():
        lead = opener.end(1)
        regions.append(Region("title", i, i + 1, span=(opener.start(group) - lead, opener.end(group) - lead)))
    if k == last + 1 and k < n:
        regions.append(Region("break", k, k + 1))
    return True


def _in_list(out: list[str], i: int, indent: int) -> bool:
    """Whether line ``i`` (indented by ``indent``) continues a list item: the nearest line above
    that is indented less (within ``_LIST_REACH`` lines) starts with a list marker."""
    for k in range(i - 1, max(-1, i - 1 - _LIST_REACH), -1):
        line = out[k]
        if line.strip() and _indent(line) < indent:
            return _LIST_ITEM.match(line) is not None
    return False


def _pymdownx_block(out: list[str], i: int, close: int, regions: list[Region]) -> None:
    """Read the pymdownx block (``/// note | Title`` … ``///``) of lines ``i`` to ``close``: blank
    its fence lines and its options (indented by 4 right after the opener); its content is
    Markdown where it stands."""
    opener = _BLOCK.match(out[i])
    if opener.group(3) and opener.group(2).lower() != "html":  # /// html | div: a tag, not a title
        lead = len(out[i]) - len(out[i].lstrip(" \t"))
        regions.append(Region("title", i, i + 1, span=(opener.start(3) - lead, opener.end(3) - lead)))
    out[i] = out[close] = ""
    k = i + 1
    while k < close and out[k].strip() and _indent(out[k]) >= 4:
        out[k] = ""  # the block's options (YAML)
        k += 1


def is_math_directive(info: str) -> bool:
    """Whether a fence's info string names a math directive (MyST's ```{math}): one equation per
    group of lines between blank lines, as Sphinx typesets them."""
    return directive(info) in MATH_DIRECTIVES


def is_math_fence(info: str) -> bool:
    """Whether a backtick fence's info string makes it math: MyST's ```{math}, or GitHub's and
    GitLab's ```math (the info string is the one word)."""
    return directive(info) in MATH_DIRECTIVES or info.strip().lower() in MATH_FENCES


def directive(info: str) -> str | None:
    """The directive an info string names (``{math}``, ``{note} Title``), or None."""
    match = _DIRECTIVE.match(info)
    return match.group(1).lower() if match is not None else None


def _blank_options(lines: list[str], out: list[str], i: int) -> int:
    """Blank a directive's options (``:label: x`` lines or a ``---`` YAML block) from line ``i``."""
    n = len(lines)
    if i < n and lines[i].strip() == "---":
        end = next((k for k in range(i + 1, n) if lines[k].strip() == "---"), None)
        if end is not None:
            for k in range(i, end + 1):
                out[k] = ""
            return end + 1
    while i < n and _OPTION.match(lines[i]):
        out[i] = ""
        i += 1
    return i


def _past_fence(lines: list[str], i: int, marks: str) -> int:
    """The line past the closing fence of a code fence opened with ``marks`` (the end if none)."""
    n = len(lines)
    while i < n:
        fence = _FENCE.match(lines[i])
        if fence is not None and not fence.group(2) and fence.group(1)[0] == marks[0] and len(fence.group(1)) >= len(marks):
            return i + 1
        i += 1
    return n


def _colon_close(lines: list[str], i: int, length: int) -> int | None:
    """The line of the ``:::`` closing a colon fence of ``length`` colons opened before ``i``."""
    for k in range(i, len(lines)):
        colons = _COLONS.match(lines[k])
        if colons is not None and not colons.group(2) and len(colons.group(1)) >= length:
            return k
    return None


def math_lines(lines: list[str], first: int, last: int) -> list[tuple[int, int]]:
    """The equations of a math directive's content, lines [first, last): (first, last) line
    ranges split at blank lines (Sphinx and MyST typeset each as its own equation), after the
    directive's options."""
    i = first
    if i < last and lines[i].strip() == "---":  # options as YAML
        end = next((k for k in range(i + 1, last) if lines[k].strip() == "---"), None)
        if end is not None:
            i = end + 1
    while i < last and _OPTION.match(lines[i]):
        i += 1
    equations: list[tuple[int, int]] = []
    start = None
    for k in range(i, last):
        if lines[k].strip():
            if start is None:
                start = k
        elif start is not None:
            equations.append((start, k))
            start = None
    if start is not None:
        equations.append((start, last))
    return equations


def closes(line: str, fence: str) -> bool:
    """Whether ``line`` is a closing fence for an opening ``fence`` (backticks, tildes or colons)."""
    pattern = _COLONS if fence[0] == ":" else _FENCE
    match = pattern.match(line)
    return match is not None and not match.group(2) and match.group(1)[0] == fence[0] and len(match.group(1)) >= len(fence)


# Pandoc's Markdown (R Markdown, Quarto) needs a blank line before a list: a line that starts with a
# list marker right after a paragraph's line continues the paragraph ("\\[f = a\n- b.\\]" is one
# display), where CommonMark starts a list there.
PANDOC_EXTENSIONS = (".rmd", ".qmd")
_LIST_MARKER = re.compile(r"( {0,3})([-+*]|\d{1,9}[.)])(?=[ \t]+\S)")
_BLOCK_LINE = re.compile(r" {0,3}(?:#{1,6}(?:[ \t]|$)|>|\||<|(?:[-*_][ \t]*){3,}$)")


def _fence_line(line: str, fence: str | None) -> tuple[str | None, bool]:
    """(the code fence open after ``line``, whether ``line`` belongs to a fence: its opener, a line
    inside, or its closer), given the ``fence`` open before it."""
    if fence is not None:
        return (None if line.lstrip().startswith(fence) else fence), True
    opened = _FENCE.match(line)
    return (opened.group(1)[:3], True) if opened else (None, False)


def pandoc_paragraph_lines(lines: list[str]) -> list[str]:
    """The lines with the list markers that only continue a paragraph (Pandoc) made plain text for
    markdown-it, one character for one, so every position stays in its place."""
    out = list(lines)
    prose = False  # the line before is a paragraph's (not blank, not a list item's, not a block's)
    in_list = False
    fence = None
    for i, line in enumerate(lines):
        fence, fenced = _fence_line(line, fence)
        if fenced:
            prose = False  # (set at the opener; a fence's lines leave it so)
            continue
        if not line.strip():
            prose = False
            continue
        marker = _LIST_MARKER.match(line)
        if marker is not None:
            if prose and not in_list:
                k = marker.start(2)
                out[i] = line[:k] + "\u2024" * len(marker.group(2)) + line[marker.end(2):]  # one dot leader each
                continue
            in_list, prose = True, False
            continue
        if in_list and not line[:1].isspace() and not prose and i and not lines[i - 1].strip():
            in_list = False  # a paragraph after a blank line, not indented: the list has ended
        prose = not _BLOCK_LINE.match(line)
    return out



# a line that would open a Markdown block if it stood outside math: a list marker, a heading's
# hashes, a blockquote's >, a setext underline or a thematic break (after any indentation)
_BLOCK_MARK = re.compile(r"(?:[ \t]*>)*[ \t]*(?:([-+*]|\d{1,9}[.)])(?=[ \t]|$)|(#{1,6})(?=[ \t]|$)|([-=]{2,}|(?:[-*_][ \t]*){3,})[ \t]*$)")
# a line that opens a display: $$ first (after a blockquote's > and a list item's marker), as
# markdown-it's dollarmath and MathJax pages have it; a $$ further in the line stays inline
_DISPLAY_OPENER = re.compile(r"(?:[ \t]*>)*[ \t]*(?:(?:[-+*]|\d{1,9}[.)])[ \t]+)?\$\$")
_DISPLAY_REACH = 200  # lines: an opening $$ whose closer is farther is left to the reader's own rules


def display_math_lines(lines: list[str], env_opener: re.Pattern) -> list[str]:
    """The lines with the block marks inside $$ … $$ displays made plain text for markdown-it, one
    character for one (every position stays in its place): ``+ (1-y)\\log(1-φ)`` continuing a sum
    is math to MathJax, KaTeX, Jupyter and markdown-it's dollarmath, which read a display before
    the lists, not a list item that would cut the display and shift every later pairing of $$.
    ``env_opener`` matches a line that opens an environment written bare (\\begin{align}), its
    name in group 1: the reader's environments, read as math where they stand."""
    out = list(lines)
    fence = None
    i, n = 0, len(lines)
    if lines and lines[0].rstrip() == "---":  # front matter (YAML: description: $$ is no display)
        i = next((j + 1 for j in range(1, n) if lines[j].rstrip() in ("---", "...")), 0)
    while i < n:
        line = lines[i]
        fence, fenced = _fence_line(line, fence)
        if fenced:
            i += 1
            continue
        env = env_opener.match(line)
        if env is not None and f"\\end{{{env.group(1)}}}" in line:
            env = None
        if env is not None or (_dollars(line) % 2 == 1 and _DISPLAY_OPENER.match(line)):
            if env is not None:  # \begin{align} … \end{align} written bare, as MathJax pages read it
                ends = f"\\end{{{env.group(1)}}}"
                closes = lambda text, ends=ends: ends in text  # noqa: E731
            else:
                closes = lambda text: _dollars(text) % 2 == 1  # noqa: E731
            close = next((j for j in range(i + 1, min(n, i + 1 + _DISPLAY_REACH))
                          if closes(lines[j]) or _code_fence(lines[j])), None)
            if close is None or _code_fence(lines[close]):
                i += 1
                continue
            for j in range(i + 1, close + 1):
                spaces = _MATH_SPACES.match(lines[j])  # ~~~~\text{(21.65)}: spaces (a tilde each) before a tag
                mark = spaces or _BLOCK_MARK.match(lines[j])
                if mark is not None and not (j == close and lines[j].lstrip().startswith("$$")):
                    k, e = mark.span(mark.lastindex)
                    out[j] = lines[j][:k] + "\u2024" * (e - k) + lines[j][e:]
            i = close + 1
            continue
        i += 1
    return out


_CODE_SPAN = re.compile(r"`+[^`]*`+")


def _dollars(line: str) -> int:
    """How many $$ the line holds outside code spans."""
    if "$$" not in line:
        return 0
    return (_CODE_SPAN.sub("", line) if "`" in line else line).count("$$")


# a line of a display that starts like a fence but goes on as math: ~~~~\text{(21.65)} (nonbreaking
# spaces typed as tildes before a tag), ```\alpha: markdown-it would open a code block there
_MATH_SPACES = re.compile(r" {0,3}(`{3,}|~{3,})[ \t]*[\\&{(=+\-]")


def _code_fence(line: str) -> bool:
    """Whether ``line`` opens a code fence (and is not math that starts with tildes)."""
    return _FENCE.match(line) is not None and _MATH_SPACES.match(line) is None
