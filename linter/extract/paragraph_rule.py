"""markdown-it's setext-heading ("lheading") and paragraph block rules as one rule.

markdown-it tries "lheading" first at every paragraph: it walks the paragraph's lines,
asking every block rule that may interrupt a paragraph about each line, and when no
"===" or "---" underline turns up it gives up and "paragraph" walks the same lines
again, asking the same questions. That double walk was a quarter of markdown-it's time
here. This rule walks once and makes the tokens either rule would have made (the
extractor reads the structure, the maps and the heading titles only), and asks the
interrupting rules only about lines whose first character can start one of them.
The other block rules are wrapped so that they are called only where they can match.
"""

from __future__ import annotations

from markdown_it import MarkdownIt
from markdown_it.common.utils import mdTrim
from markdown_it.rules_block.state_block import StateBlock

# The first characters (after indentation) a block's first line must start with for each
# rule to match it: markdown-it tries the rules in turn at every block and at many lines
# inside one; a rule whose character is not there is not called (each call logs, tests and
# returns False). "table" is tested on its second line (_table_next).
_FIRST = {"fence": "`~", "blockquote": ">", "hr": "*-_", "list": "*-+0123456789", "html_block": "<", "heading": "#",
          "reference": "["}  # fmt: skip

# The rules that may interrupt a paragraph and the first characters of a line they can start
# at: those of _FIRST, and front_matter's "-" (line 0 only); a table needs its next line to
# start with one of _TABLE_RULE. Any other line interrupts no paragraph.
_INTERRUPTERS = {
    **{name: _FIRST[name] for name in ("fence", "blockquote", "hr", "list", "html_block", "heading")},
    "table": "", "front_matter": "-",
}  # fmt: skip
_STARTS = frozenset("".join(_INTERRUPTERS.values()))
_TABLE_RULE = frozenset("|-:")


def use_paragraph_rule(parser: MarkdownIt) -> MarkdownIt:
    """Put the one-pass rule in the place of "paragraph" and turn "lheading" off, if the
    rules that interrupt a paragraph are those the first-character test knows; call the
    other rules only at lines they can match."""
    ruler = parser.block.ruler
    interrupters = {rule.name for rule in ruler.__rules__ if rule.enabled and "paragraph" in rule.alt}
    if not interrupters <= _INTERRUPTERS.keys() or "lheading" not in ruler.get_active_rules():
        return parser  # a plugin changed the rules: keep markdown-it's own
    for rule in ruler.__rules__:
        if rule.name in _FIRST:
            ruler.at(rule.name, _gated(rule.fn, frozenset(_FIRST[rule.name])), {"alt": rule.alt})
        elif rule.name == "table":
            ruler.at(rule.name, _gated_table(rule.fn), {"alt": rule.alt})
    ruler.at("paragraph", paragraph_or_setext)
    return parser.disable("lheading")


def _gated(rule, firsts: frozenset[str]):
    """``rule``, not called at a line whose first character is not one of ``firsts``."""

    def gated(state: StateBlock, startLine: int, endLine: int, silent: bool) -> bool:
        pos = state.bMarks[startLine] + state.tShift[startLine]
        if pos < state.eMarks[startLine] and state.src[pos] not in firsts:
            return False  # what ``rule`` returns there, having changed nothing
        return rule(state, startLine, endLine, silent)

    return gated


def _gated_table(rule):
    """markdown-it's table rule, not called where the next line cannot be a delimiter row."""

    def gated(state: StateBlock, startLine: int, endLine: int, silent: bool) -> bool:
        if not _table_next(state, startLine, endLine):
            return False  # what the table rule returns there, having changed nothing
        return rule(state, startLine, endLine, silent)

    return gated


def paragraph_or_setext(state: StateBlock, startLine: int, endLine: int, silent: bool) -> bool:
    """A setext heading if an underline ends the lines from ``startLine``, else a paragraph:
    the tokens and state markdown-it's "lheading" then "paragraph" leave."""
    old_parent = state.parentType
    state.parentType = "paragraph"
    if state.is_code_block(startLine):  # "lheading" declines before it sets parentType
        line, _ = _walk(state, startLine, state.lineMax, False)
        return _paragraph(state, startLine, line, old_parent)
    line, marker = _walk(state, startLine, endLine, True)
    if marker:
        return _heading(state, startLine, line, marker, old_parent)
    # "lheading" declined and left parentType at "paragraph"; "paragraph" walks to lineMax
    if endLine != state.lineMax:
        line, _ = _walk(state, startLine, state.lineMax, False)
    return _paragraph(state, startLine, line, "paragraph")


def _walk(state: StateBlock, startLine: int, endLine: int, setext: bool) -> tuple[int, str]:
    """The line a paragraph from ``startLine`` stops at, and the underline's marker if
    ``setext`` and one ends it (markdown-it's loop in "lheading" and "paragraph")."""
    terminators = state.md.block.ruler.getRules("paragraph")
    src, b_marks, e_marks, t_shift, s_count = state.src, state.bMarks, state.eMarks, state.tShift, state.sCount
    indent = state.blkIndent
    line = startLine + 1
    while line < endLine:
        pos = b_marks[line] + t_shift[line]
        if pos >= e_marks[line]:  # an empty line
            break
        if s_count[line] - indent > 3:  # a lazy continuation line
            line += 1
            continue
        first = src[pos]
        if setext and s_count[line] >= indent and first in "-=" and _is_underline(state, pos, first, e_marks[line]):
            return line, first
        if s_count[line] < 0:  # a blockquote quirk: the blockquote rule saw this line
            line += 1
            continue
        if (first in _STARTS or _table_next(state, line, endLine)) and any(rule(state, line, endLine, True) for rule in terminators):
            break
        line += 1
    return line, ""


def _is_underline(state: StateBlock, pos: int, marker: str, maximum: int) -> bool:
    """Whether the line at ``pos`` is a run of ``marker`` and then spaces only."""
    return state.skipSpaces(state.skipCharsStr(pos, marker)) >= maximum


def _table_next(state: StateBlock, line: int, endLine: int) -> bool:
    """Whether a table could start at ``line``: it needs a line before ``endLine`` after
    it, which could be a delimiter row (the table rule's first tests)."""
    nxt = line + 1
    if nxt + 1 > endLine:
        return False
    pos = state.bMarks[nxt] + state.tShift[nxt]
    return pos < state.eMarks[nxt] and state.src[pos] in _TABLE_RULE


def _heading(state: StateBlock, startLine: int, line: int, marker: str, old_parent: str) -> bool:
    """The tokens of a setext heading whose underline is ``line``."""
    content = mdTrim(state.getLines(startLine, line, state.blkIndent, False))
    state.line = line + 1
    tag = "h1" if marker == "=" else "h2"
    token = state.push("heading_open", tag, 1)
    token.markup = marker
    token.map = [startLine, state.line]
    token = state.push("inline", "", 0)
    token.content = content
    token.map = [startLine, state.line - 1]
    token.children = []
    token = state.push("heading_close", tag, -1)
    token.markup = marker
    state.parentType = old_parent
    return True


def _paragraph(state: StateBlock, startLine: int, line: int, old_parent: str) -> bool:
    """The tokens of a paragraph of lines [startLine, line); its inline content is left
    empty: inline parsing is off and the extractor reads only a paragraph's lines."""
    state.line = line
    token = state.push("paragraph_open", "p", 1)
    token.map = [startLine, line]
    token = state.push("inline", "", 0)
    token.content = ""
    token.map = [startLine, line]
    token.children = []
    state.push("paragraph_close", "p", -1)
    state.parentType = old_parent
    return True
