"""DL101: a math delimiter, bracket or environment that is opened and never closed (or the reverse)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterator

from derivlint.findings import Finding
from derivlint.math.macros import match_group
from derivlint.rule import Rule


class UnbalancedDelimiter(Rule):
    """## What it does
    Reports math whose delimiters do not pair up: an unclosed ``$$``, ``\\[``
    or ``\\begin{align}``; an ``(`` or ``\\left(`` with no partner inside the
    formula; a ``}`` with no ``{``. The finding points at the delimiter that
    has no partner.

    Only what renders wrong is reported. Brackets pair across the rows of an
    aligned derivation and across plain groups (``\\overbrace{F(x}^{…})``),
    but not into or out of a script, fraction or ``\\left … \\right``;
    half-open intervals (``[0, 1)``, ``\\left(a, b\\right]``, ``]0, 1[``) are balanced;
    ``\\left.`` and ``\\right.`` partner any delimiter; text (``\\text{…}``,
    ``\\mbox{…}``, ``\\operatorname{…}``, ``\\tag{…}``), comments and
    ``\\verb`` hold no delimiters; in Markdown ``\\\\{`` may be an escaped
    ``\\{``. An inline formula whose bracket is closed (or opened) by the prose
    or the formula next to it (``$C(y, \\hat y$)``, ``$(a$, $b)$``), or by a
    formula of the paragraph where one of the two is nothing but its bracket
    (``$\\big( a$ … . $\\big)$``, even past a sentence end), or that is a list label
    (``condition $3)$``) renders as meant and is not reported; ``$$…$$`` within
    a line of prose is such an inline formula (kramdown).

    ## Why is this bad?
    The formula does not render, or renders as something else than the author
    meant, and derivlint cannot tell which expression was intended, so the
    claim goes unchecked.

    ## Example
    ```
    $$ = -\\frac{d(2y^T X w}{dw} $$
    ```

    ## Use instead
    ```
    $$ = -\\frac{d(2y^T X w)}{dw} $$
    ```
    """

    code = "DL101"
    name = "unbalanced-delimiter"
    summary = "A delimiter, bracket or environment is opened and never closed."
    severity = "error"

    def check(self, note) -> Iterator[Finding]:
        for source, start, end, message in note.extraction.problems:
            yield self.at_source(source, start, end, message[0].upper() + message[1:])
        from derivlint.extract.latex import DIAGRAM_ENVS

        seen: set[int] = set()
        for claim in note.claims:
            block = claim.block
            if block.env in DIAGRAM_ENVS:
                continue  # a diagram's label may be a fragment of a formula spread over nodes
            # the parser's word that a claim is unbalanced is the cue; whether the block is
            # (as a renderer reads it) is decided here, over the whole block and its prose
            if claim.kind != "unparsed" or not claim.unbalanced or id(block) in seen:
                continue
            seen.add(id(block))
            for problem in block_imbalances(block):
                yield self.at_block(block, problem.start, problem.end, problem.message)


# ------------------------------------------------------------------------------ the scanner

# a full-width parenthesis is a family of its own: （x) inside math is a typo that shows
_OPEN = {"(": "(", "[": "[", "\\{": "{", "\\lbrace": "{", "\\lbrack": "[", "\\langle": "<", "（": "（"}
_CLOSE = {")": "(", "]": "[", "\\}": "{", "\\rbrace": "{", "\\rbrack": "[", "\\rangle": "<", "）": "（"}
_ROUND_OR_SQUARE = frozenset("([")
_SIZES = re.compile(r"\\[bB]ig{1,2}[lrm]?$")
# commands whose braced argument is text, a name or a label: no math delimiter inside
_TEXT_ARG = frozenset(
    "text textrm textbf textit textsf texttt textup textnormal textmd textsl emph mbox hbox fbox "
    "operatorname operatorname* tag tag* label ref eqref href url color textcolor colorbox "
    "mathrm mathit mathsf mathtt".split()
)
# (and names typed upright whose parenthesis the math closes: \operatorname{d(exp}(Xb)) draws d(exp(Xb)))
_WORDS_ARG = frozenset("text textrm textbf textit textsf textup textnormal textmd textsl emph mbox hbox "
                       "operatorname operatorname* mathrm".split())
_TEXT_ARGS = {"href": 2, "textcolor": 1, "colorbox": 1, "color": 1}  # of which only the first is text
# commands whose arguments are set apart (a script, a fraction's parts): a bracket may not cross them
_APART = {"frac": 2, "dfrac": 2, "tfrac": 2, "cfrac": 2, "sqrt": 1, "binom": 2, "dbinom": 2, "tbinom": 2,
          "overset": 2, "underset": 2, "stackrel": 2, "substack": 1, "xrightarrow": 1, "xleftarrow": 1}
_ENV_ARGS = frozenset({"array", "alignat", "alignat*", "alignedat", "subarray", "tabular"})
_CMD = re.compile(r"\\(?:[A-Za-z]+\*?|.)", re.S)
_LABEL = re.compile(r"\s*(?:\d{1,3}|[A-Za-z]|[ivxIVX]{1,4})\s*")
_WIDE_OPEN, _WIDE_CLOSE = "(（[【{", ")）]】}"  # in the prose and formulas around (\{ counts by its brace)
# the end of a sentence: the partner of a bracket at a formula's edge is in the same sentence
_SENTENCE_END = re.compile(r"[。！？；]|[.!?;](?=\s|$)|\n[ \t]*\n")
_PARAGRAPH_END = re.compile(r"\n[ \t]*\n")


@dataclass
class Problem:
    """One delimiter without a partner, over block-text indices [start, end)."""

    start: int
    end: int
    message: str
    outer: str = ""  # "open" / "close": a plain bracket at the formula's top level, left open / closing nothing


@dataclass
class _Entry:
    kind: str  # plain | group | left | env
    value: str  # the bracket family, the \left delimiter or the environment name
    start: int
    end: int
    apart: bool = False  # a group set apart (script, fraction part): brackets may not cross it
    commas: int = 0
    more: int = 0  # arguments still to come, for a group that is an argument of an _APART command
    soft: bool = False  # a '(' opened in words (\text{(symmetric } A)): closed in the math, or not at all


def block_imbalances(block) -> list[Problem]:
    """The delimiters of ``block`` that have no partner, as a renderer reads the block and its prose.

    Empty when any plausible reading balances (a Markdown ``\\\\{`` read as ``\\{``, a bracket
    that the prose next to an inline formula closes, a list label)."""
    text = block.text
    found = scan(text)
    if found and "\\\\" in text and block.source.path.lower().endswith((".md", ".ipynb", ".qmd", ".rmd", ".mdx", ".markdown")):
        escaped = scan(text, markdown=True)  # \\{ written for a Markdown converter that eats one backslash
        if len(escaped) < len(found):
            found = escaped
    if found and (block.delimiter in ("$", "\\(", "\\\\(") or (block.delimiter == "$$" and not block.display)):
        # an inline formula, $$…$$ within a line of prose (kramdown) too: the prose may hold the partner
        found = [p for p in found if not _closed_by_prose(block, p) and not _label(text, p)]
    by_line: dict[int, Problem] = {}
    for problem in found:  # one per line: the others on it are mostly the first one's echo
        line = text.count("\n", 0, problem.start)
        kept = by_line.get(line)
        if (kept is None or (kept.outer and not problem.outer)
                or (" closed by " in problem.message and " closed by " not in kept.message)):
            # a mismatch ('(' closed by ']') is the slip; the outer bracket it leaves open, its echo
            # (at the top of the formula, or inside an environment that closes it: \begin{align}[ … ( … ])
            by_line[line] = problem
    return sorted(by_line.values(), key=lambda p: p.start)


def scan(text: str, markdown: bool = False) -> list[Problem]:
    """Delimiters without a partner in the math ``text``: braces, ``\\left``/``\\right``, environments
    and brackets (``(`` ``[`` ``\\{`` ``\\langle``, sized or not); bars are not paired."""
    problems: list[Problem] = []
    stack: list[_Entry] = []
    apart_args = 0  # arguments of an _APART command still to come
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch == "%":
            k = text.find("\n", i)
            i = n if k == -1 else k
            continue
        if ch in " \t\n\r":
            i += 1
            continue
        if ch == "{":
            apart = apart_args > 0 or _after_script(text, i)
            stack.append(_Entry("group", "{", i, i + 1, apart=apart, more=max(0, apart_args - 1)))
            apart_args = 0
            i += 1
            continue
        if ch == "}":
            apart_args = _close_group(stack, i, problems)
            i += 1
            continue
        if ch == "\\":
            m = _CMD.match(text, i)
            cmd = m.group()
            j = m.end()
            if markdown and cmd == "\\\\" and j < n and text[j] in "{}":
                cmd, j = "\\" + text[j], j + 1  # \\{ → \{
            name = cmd[1:]
            if cmd in _OPEN or cmd in _CLOSE:
                _bracket(stack, cmd, i, j, problems)
            elif name in _TEXT_ARG:
                k = j
                j = _skip_args(text, j, _TEXT_ARGS.get(name, 1), i, problems)
                if name in _WORDS_ARG:
                    _words_parentheses(text, k, j, stack)
            elif name == "verb" and j < n:
                k = text.find(text[j], j + 1)
                j = n if k == -1 else k + 1
            elif name == "\\":  # a row break and its [2pt]
                k = _skip_space(text, j)
                if k < n and text[k] == "[":
                    close = text.find("]", k)
                    j = j if close == -1 else close + 1
            elif name in ("left", "right", "middle") or _SIZES.match(cmd):
                j, delim = _delimiter(text, j, markdown)
                if name == "left":
                    stack.append(_Entry("left", delim, i, j))
                elif name == "right":
                    _right(stack, delim, i, j, problems)
                elif name != "middle" and (delim in _OPEN or delim in _CLOSE):
                    _bracket(stack, delim, i, j, problems)
            elif name in ("begin", "end"):
                j = _environment(text, name, i, j, stack, problems)
            elif name in _APART:
                apart_args = _APART[name]
                if name == "sqrt":  # its [n] is an optional argument, not a bracket
                    k = _skip_space(text, j)
                    if k < n and text[k] == "[":
                        close = text.find("]", k)
                        j = j if close == -1 else close + 1
                i = j
                continue
            apart_args = 0
            i = j
            continue
        if ch in "()[]（）":
            _bracket(stack, ch, i, i + 1, problems)
        elif ch == "," and stack and stack[-1].kind in ("plain", "left"):
            stack[-1].commas += 1
        apart_args = 0
        i += 1
    for entry in stack:
        if not entry.soft:
            problems.append(_unclosed(entry, outer=entry.kind == "plain" and _at_top(stack, entry)))
    problems.sort(key=lambda p: p.start)
    return problems


def _words_parentheses(text: str, i: int, j: int, stack: list[_Entry]) -> None:
    """The parentheses words in the math leave open or close (``\\text{(symmetric } A)``, ``(A
    \\text{ symmetric)}``): a reader pairs them with the math's; one the words leave open and the
    math never closes is the words' own punctuation, not reported."""
    depth = 0
    for k in range(i, j):
        ch = text[k]
        if ch == "(":
            depth += 1
        elif ch == ")":
            if depth:
                depth -= 1
                continue
            for m in range(len(stack) - 1, -1, -1):  # close the math's '(' if one is open, else nothing
                entry = stack[m]
                if entry.kind == "group" and not entry.apart:
                    continue
                if entry.kind == "plain" and entry.value == _OPEN["("]:
                    del stack[m]
                break
    for _ in range(depth):
        stack.append(_Entry("plain", _OPEN["("], i, i + 1, soft=True))


def _skip_space(text: str, i: int) -> int:
    while i < len(text) and text[i] in " \t\n\r":
        i += 1
    return i


def _after_script(text: str, i: int) -> bool:
    k = i - 1
    while k >= 0 and text[k] in " \t\n\r":
        k -= 1
    return k >= 0 and text[k] in "^_" and not (k > 0 and text[k - 1] == "\\")


def _skip_args(text: str, j: int, count: int, start: int, problems: list[Problem]) -> int:
    """Past the first ``count`` braced arguments of a text command (a single token is skipped as read)."""
    for _ in range(count):
        k = _skip_space(text, j)
        if k < len(text) and text[k] == "*":
            k = _skip_space(text, k + 1)
        if k >= len(text) or text[k] != "{":
            return j
        end = match_group(text, k)
        if end == -1:
            problems.append(Problem(k, k + 1, "Unclosed '{'"))
            return len(text)
        j = end
    return j


def _delimiter(text: str, j: int, markdown: bool) -> tuple[int, str]:
    """The delimiter after ``\\left``, ``\\right``, ``\\big`` …: (index past it, its text)."""
    k = _skip_space(text, j)
    if k >= len(text) or text[k] in "{}":  # not a delimiter: the group is read as one
        return j, ""
    if text[k] == "\\":
        m = _CMD.match(text, k)
        cmd = m.group()
        if markdown and cmd == "\\\\" and m.end() < len(text) and text[m.end()] in "{}":
            return m.end() + 1, "\\" + text[m.end()]
        return m.end(), cmd
    return k + 1, text[k]


def _family(delim: str) -> str:
    return _OPEN.get(delim) or _CLOSE.get(delim) or ""


def _bracket(stack: list[_Entry], delim: str, i: int, j: int, problems: list[Problem]) -> None:
    if delim in _OPEN:
        top = stack[-1] if stack else None
        if delim == "[" and top is not None and top.value == "]" and top.commas == 1:
            stack.pop()  # ]a, b[: an interval written the French way
            return
        stack.append(_Entry("plain", _OPEN[delim], i, j))
        return
    want = _CLOSE[delim]
    for k in range(len(stack) - 1, -1, -1):
        entry = stack[k]
        if entry.kind == "group" and not entry.apart:
            continue  # a plain group is transparent: (a {b) c} renders as written
        if entry.kind != "plain":
            break
        if entry.value == "]":  # an unmatched ']' that may open a French interval
            if entry.commas == 1 and want == "[":
                del stack[k]  # ]a, b]
                return
            continue
        if entry.soft and entry.value != want and not _interval(entry, want):
            del stack[k]  # \left\{ … \right. was closed: a ')' later is not its partner
            continue
        del stack[k]
        if entry.value != want and not _interval(entry, want):
            problems.append(Problem(entry.start, j, f"'{_name(entry)}' closed by '{delim}'"))
        return
    if delim == "]":  # unmatched unless it opens ]a, b[ or ]a, b]: kept, and reported if it does not
        stack.append(_Entry("plain", "]", i, j))
        return
    problems.append(Problem(i, j, f"Unmatched '{delim}'", outer="close" if _at_top(stack, None) else ""))


def _interval(entry: _Entry, closing_family: str) -> bool:
    """[0, 1), (a, b]: a half-open interval pairs a round and a square bracket around two items."""
    return entry.value in _ROUND_OR_SQUARE and closing_family in _ROUND_OR_SQUARE and entry.commas == 1


def _close_group(stack: list[_Entry], i: int, problems: list[Problem]) -> int:
    """Close the innermost group at ``}``; the arguments still to come of its command."""
    for k in range(len(stack) - 1, -1, -1):
        entry = stack[k]
        if entry.kind == "group":
            inside = stack[k + 1 :]
            del stack[k:]
            for other in inside:
                if other.kind == "plain" and not entry.apart:
                    stack.append(other)  # a bracket may leave a plain group open
                elif not other.soft:
                    problems.append(_unclosed(other))
            return entry.more
        if entry.kind in ("left", "env"):
            break
    problems.append(Problem(i, i + 1, "Unmatched '}'"))
    return 0


def _close_above(stack: list[_Entry], k: int, problems: list[Problem], carried: str | None = None) -> None:
    """Close ``stack[k]`` (a \\left or an environment matched by its end): whatever is still open
    inside it is unclosed, but for plain brackets of the family ``carried`` (the \\right's): those stay
    open after it, for a plain closer to close (\\left( f'(θ \\right)) renders as ( ( ) ), balanced)."""
    kept = [other for other in stack[k + 1 :] if other.kind == "plain" and not other.soft and carried
            and _family(other.value) == carried]
    for other in stack[k + 1 :]:
        if not other.soft and other not in kept:
            problems.append(_unclosed(other))
    del stack[k:]
    stack.extend(kept)


def _right(stack: list[_Entry], delim: str, i: int, j: int, problems: list[Problem]) -> None:
    for k in range(len(stack) - 1, -1, -1):
        entry = stack[k]
        if entry.kind == "left":
            _close_above(stack, k, problems, _family(delim) or None)
            if "." not in (entry.value, delim) and _family(entry.value) != _family(delim):
                if not (_family(entry.value) in _ROUND_OR_SQUARE and _family(delim) in _ROUND_OR_SQUARE
                        and entry.commas == 1) and _family(entry.value) and _family(delim):
                    problems.append(Problem(entry.start, j, f"'\\left{entry.value}' closed by '\\right{delim}'"))
            if delim == "." and entry.value in _OPEN:
                # \left( … \right. leaves its '(' open on the page: a plain ')' after it may close it
                # (\underbrace{\left(a + \cdots\right.}_{u}) renders as one pair of parentheses)
                stack.append(_Entry("plain", _OPEN[entry.value], entry.start, entry.end, soft=True))
            elif entry.value == "." and delim in _CLOSE and stack and stack[-1].kind == "plain" \
                    and _family(stack[-1].value) == _family(delim):
                # and the other way round: \sum[ & a \\ & \left. + b \right]: the ']' on the page closes
                # the row before's '[' (the \left. only stands for it in this row)
                stack.pop()
            return
        if entry.kind == "env":
            break
    problems.append(Problem(i, j, f"'\\right{delim}' without \\left"))


def _environment(text: str, name: str, i: int, j: int, stack: list[_Entry], problems: list[Problem]) -> int:
    k = _skip_space(text, j)
    if k >= len(text) or text[k] != "{":
        return j
    close = text.find("}", k)
    if close == -1:
        return j
    env = text[k + 1 : close].strip()
    j = close + 1
    if name == "begin":
        stack.append(_Entry("env", env, i, j))
        if env in _ENV_ARGS:  # the column specification {c|c} or alignat's {2}
            k = _skip_space(text, j)
            if k < len(text) and text[k] == "[":
                end = text.find("]", k)
                k = _skip_space(text, end + 1) if end != -1 else k
            if k < len(text) and text[k] == "{":
                end = match_group(text, k)
                j = end if end != -1 else j
        return j
    for k in range(len(stack) - 1, -1, -1):
        entry = stack[k]
        if entry.kind == "env":
            _close_above(stack, k, problems)
            if entry.value != env:
                problems.append(Problem(entry.start, j, f"\\begin{{{entry.value}}} closed by \\end{{{env}}}"))
            return j
    problems.append(Problem(i, j, f"\\end{{{env}}} without \\begin{{{env}}}"))
    return j


def _name(entry: _Entry) -> str:
    return {"(": "(", "[": "[", "{": "\\{", "<": "\\langle"}.get(entry.value, entry.value)


def _unclosed(entry: _Entry, outer: bool = False) -> Problem:
    if entry.kind == "plain" and entry.value == "]":
        return Problem(entry.start, entry.end, "Unmatched ']'", outer="close" if outer else "")
    if entry.kind == "plain":
        return Problem(entry.start, entry.end, f"Unclosed '{_name(entry)}'", outer="open" if outer else "")
    if entry.kind == "left":
        return Problem(entry.start, entry.end, f"\\left{entry.value} without \\right")
    if entry.kind == "env":
        return Problem(entry.start, entry.end, f"\\begin{{{entry.value}}} without \\end{{{entry.value}}}")
    return Problem(entry.start, entry.end, "Unclosed '{'")


def _at_top(stack: list[_Entry], entry: _Entry | None) -> bool:
    """Whether nothing but plain groups and brackets encloses ``entry`` (or the cursor): the
    formula's top level, where prose next to an inline formula may hold the partner."""
    for other in stack:
        if other is entry:
            return True
        if other.kind in ("left", "env") or (other.kind == "group" and other.apart):
            return False
    return True


def _closed_by_prose(block, problem: Problem) -> bool:
    """Whether the prose (and formulas) next to an inline formula hold the partner of a top-level
    bracket: ``$C(y, \\hat y$)``, ``($x - y)$``, ``$(a$, $b)$``, ``$\\{a$, $b\\}$`` render as balanced text.

    The prose partner is sought in the same sentence. Past its end only a later (or earlier)
    formula of the paragraph may hold it, when one of the two is nothing but its bracket
    (_formula_partner): ``$\\big( u = v$ and (2) into $B$. $\\big)$`` opens a parenthetical in one
    formula and closes it two formulas on, across the sentence end inside it (one pair on the page)."""
    passage = block.passage
    if passage is None or not problem.outer:
        return False
    text = block.source.text
    mine = _bracket_char(block.text[problem.start : problem.end], _WIDE_OPEN + _WIDE_CLOSE)
    if problem.outer == "open":
        depth = 0
        after = text[block.end : passage.end]
        stop = _SENTENCE_END.search(after)
        sentence = stop.start() if stop else len(after)
        gap = _PARAGRAPH_END.search(after)
        for k, ch in enumerate(after[: gap.start() if gap else len(after)]):
            if ch in _WIDE_OPEN:
                depth += 1
            elif ch in _WIDE_CLOSE:
                if depth == 0:
                    return k < sentence or _formula_partner(block, problem, block.end + k, mine, "close")
                depth -= 1
        return False
    depth = 0
    before = text[passage.start : block.start]
    stops = [m.end() for m in _SENTENCE_END.finditer(before)]
    sentence = stops[-1] if stops else 0
    gaps = [m.end() for m in _PARAGRAPH_END.finditer(before)]
    first = gaps[-1] if gaps else 0
    for k in range(len(before) - 1, first - 1, -1):
        ch = before[k]
        if ch in _WIDE_CLOSE:
            depth += 1
        elif ch in _WIDE_OPEN:
            if depth == 0:
                return k >= sentence or _formula_partner(block, problem, passage.start + k, mine, "open")
            depth -= 1
    return False


def _bracket_char(delim: str, chars: str) -> str:
    """The bracket character of a delimiter as written (``\\big(`` → ``(``, ``\\{`` → ``{``)."""
    for ch in reversed(delim):
        if ch in chars:
            return ch
    return ""


def _formula_partner(block, problem: Problem, offset: int, bracket: str, outer: str) -> bool:
    """Whether the bracket at file ``offset``, in another formula of ``block``'s passage that leaves
    it unmatched (``outer``: "open" / "close"), is the partner of ``problem``'s ``bracket``, when one
    of the two formulas holds nothing but its bracket (``$\\big)$``, sized or not): such a formula
    has no other use. Two formulas with more in them (``$(0, 1$ … . $(y - b)^T s) > 0$``) each
    have a slip of their own, reported apart."""
    other = next((b for b in block.passage.blocks if b is not block and b.start <= offset < b.end), None)
    if other is None or not bracket:
        return False
    opener, closer = (bracket, other.source.text[offset]) if outer == "close" else (other.source.text[offset], bracket)
    if _WIDE_OPEN.find(opener) != _WIDE_CLOSE.find(closer) or opener not in _WIDE_OPEN:
        return False
    problems = [p for p in scan(other.text) if p.outer == outer]
    theirs = next((p for p in problems if other.file_offset(p.start) <= offset < other.file_offset(p.end)), None)
    return theirs is not None and (_lone(other.text, theirs) or _lone(block.text, problem))


def _lone(text: str, problem: Problem) -> bool:
    """Whether the formula ``text`` holds nothing but the delimiter of ``problem``."""
    return not (text[: problem.start] + text[problem.end :]).strip() and len(scan(text)) == 1


def _label(text: str, problem: Problem) -> bool:
    """``condition $3)$``: a list label (a number, a letter or a roman numeral and ')') set as math."""
    return problem.outer == "close" and _LABEL.fullmatch(text, 0, problem.start) is not None and not text[problem.end :].strip()
