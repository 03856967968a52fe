"""Claims: the relations in a math block, each parsed, with its span and kind."""

from __future__ import annotations

import re
from collections import OrderedDict
from itertools import chain as _chained
from dataclasses import dataclass, field, replace

from derivlint.extract.blocks import MathBlock
from derivlint.math.lexer import CHAR, CMD, INFIX, INFIX_HINT, LETTER, NUM, TEXT, LexError, Token, expand, rewrite_infix, tokenize
from derivlint.math.names import NAME_WORDS
from derivlint.site_macros import QUARTO_INCLUDE
from derivlint.math.parser import (PROSE_TEXT_FONTS, 
    FUNCTIONS, MATRIX_ENVS, MAX_DEPTH, MUL_OPS, OPAQUE_OPS, RELATIONS, ParseError, Parser, TRACE_NAMES, column_option, find_end, relation_of,
    TOO_DEEP, sub_parse,
)  # fmt: skip
from derivlint.math.tree import Call, Deriv, Node, Opaque, Space, Sym, Tuple, render

# Environments whose rows are statements, not matrix entries
LAYOUT_ENVS = frozenset(
    "aligned align align* alignat alignat* alignedat gathered gather gather* split "
    "multline multline* flalign flalign* eqnarray eqnarray* equation equation* "
    "displaymath math".split()
)
STATEMENT_BREAKS = frozenset(
    "quad qquad Rightarrow implies Longrightarrow iff Leftrightarrow Longleftrightarrow "
    "therefore because hfill Leftarrow impliedby".split()
)
DROPPED_WITH_ARG = frozenset(
    "label tag hspace vspace phantom hphantom vphantom color textcolor eqref ref "
    "mspace kern hskip textcircled circled".split()
)  # \textcircled{1}: a step's label in an aligned derivation, as \tag is
IGNORED = frozenset(
    ", ; : ! space nonumber notag displaystyle textstyle scriptstyle Large large LARGE "
    "small normalsize huge Huge tiny scriptsize footnotesize mathstrut strut allowbreak "
    "big Big bigg Bigg bigl bigr Bigl Bigr biggl biggr Biggl Biggr bigm Bigm middle "
    "enspace thinspace medspace thickspace negthinspace nobreak hline hdashline pause".split()
)  # \hline in an array of steps, \pause of beamer slides: no part of a statement
PICTURES = frozenset({"includegraphics"})
# Operation signs that, alone in a row's first cell, label the row rather than start its statement
LABEL_OPERATORS = frozenset(set(MUL_OPS) | set(OPAQUE_OPS) | {"oplus", "pm", "mp", "div"})
REASON_MARKS = frozenset({"because", "therefore", "since"})  # (∵ …) beside a step gives its reason
PROSE_FONTS = PROSE_TEXT_FONTS  # the fonts of words typed in math (parser.PROSE_TEXT_FONTS: one list)
CONDITION_WORDS = ("当", "若", "如果", "其中", "if ", "when ", "where ", "for ", "with ", "assuming")
# Token lists are scanned with comprehensions: on Python 3.11 they read a slot attribute
# faster than map(attrgetter(...)) does (about 25 against 55 ns a token)
SENTENCE_ENDS = ("：", ":", "。", "．", "；", ";", "!", "！", "?", "？")


@dataclass(eq=False)
class Claim:
    """One relation ``lhs REL rhs`` found in a block.

    ``start``/``end`` index ``block.text``. ``kind`` is one of derivative,
    equality, definition, declaration, relation, unparsed. An unparsed claim
    has ``reason`` and the error span; ``unbalanced`` marks an error in the
    note's own delimiters. ``chain``/``step`` place the claim in its chain
    (a = b = c gives steps 0 and 1), ``prose_before``/``prose_after`` hold the
    words around the statement inside the math (conditions such as 当A为对称阵).
    """

    block: MathBlock
    start: int
    end: int
    kind: str
    relation: str | None = None
    lhs: Node | None = None
    rhs: Node | None = None
    reason: str | None = None
    error_start: int | None = None
    error_end: int | None = None
    unbalanced: bool = False
    chain: int = 0
    step: int = 0
    embedded: bool = False
    prose_before: str = ""
    prose_after: str = ""
    verdict: str | None = None
    facts: dict = field(default_factory=dict)

    @property
    def text(self) -> str:
        return self.block.text[self.start : self.end]

    @property
    def parsed(self) -> str | None:
        if self.kind == "unparsed":
            return None
        return f"{render(self.lhs)} {self.relation} {render(self.rhs)}"

    @property
    def has_derivative(self) -> bool:
        """Whether the claim involves a derivative, judged from what was parsed,
        or, for an unparsed claim, from its text."""
        if self.kind == "unparsed":
            t = self.text
            return "\\partial" in t or "\\nabla" in t or "\\frac{d" in t or "\\mathrm{d}" in t or "∂" in t
        return any(isinstance(n, Deriv) for side in (self.lhs, self.rhs) if side for n in side.walk())

    @property
    def undecided(self) -> str | None:
        """Why a claim that gets a verdict (not unparsed, a declaration or a definition) is left
        without a decision: its reading is not certain, the check could not decide, or it failed
        the check on a reading not certain enough to report ("false; not reported"); else None."""
        verdict = self.verdict
        if self.kind == "unparsed" or verdict is None:
            return None
        reading = self.facts.get("reading")
        if reading:
            return reading
        unreported = self.facts.get("unreported")
        if unreported:  # false on the draws, but not on a reading certain enough to report
            return unreported
        if not verdict.startswith("undecided"):
            return None
        why = verdict[len("undecided") :].lstrip(": ")
        outcome = self.facts.get("outcome")
        return why or getattr(outcome, "reason", None) or "no reason given"

    def position(self) -> tuple[int, int, int, int]:
        line, col = self.block.line_col(self.start)
        end_line, end_col = self.block.end_line_col(self.end)
        return line, col, end_line, end_col

    def to_json(self) -> dict:
        line, col, end_line, end_col = self.position()
        return {
            "path": self.block.source.path,
            "cell": self.block.source.cell,
            "line": line,
            "column": col,
            "end_line": end_line,
            "end_column": end_col,
            "text": self.text,
            "kind": self.kind,
            "parsed": self.parsed,
            "verdict": self.verdict,
            "reason": self.reason,
            # why the claim has no certain reading (a definition, a condition, index notation …)
            "reading": self.facts.get("reading"),
            "shapes": _shapes_json(self.facts.get("shapes")),
            "holds_in": sorted(o.holds) if (o := self.facts.get("outcome")) is not None and o.holds is not None else None,
        }


def _shapes_json(shapes):
    """{"lhs": "n×1", "rhs": "scalar"}, or one pair per layout when they differ."""
    if not shapes:
        return None
    if isinstance(shapes, tuple):
        return {"lhs": shapes[0], "rhs": shapes[1]}
    return {layout: {"lhs": pair[0], "rhs": pair[1]} for layout, pair in shapes.items()}


@dataclass(eq=False)
class Segment:
    """A run of math tokens that forms one statement, or a piece of prose."""

    tokens: list[Token]
    prose: str | None = None  # set for prose pieces
    hard_break_before: bool = False  # a \quad/\Rightarrow, not a row break, came before
    row: int = 0


# Texts that hold no claim (inline $x$, $\mathbf{W}$ recur in every note) -> the
# commands they use: without a macro among those, the text holds no claim again.
_NO_CLAIMS: OrderedDict[str, frozenset[str]] = OrderedDict()  # see lexer._MEMO
_NO_CLAIMS_SIZE = 4096


# A math block beyond BLOCK_CAP characters (an aligned block of thousands of rows, one product of
# 100,000 letters) is not read: its tokens and trees alone would take hundreds of MB
BLOCK_CAP = 100_000
# a tag of a site's template language inside math: Liquid and Jinja ({% include … %}, {% assign … %}),
# Hugo's shortcodes ({{< … >}}, {{% … %}}); `{{` alone is TeX's own ({{A^+}^T})
_TEMPLATE_TAG = re.compile(r"\{%.*?%\}|\{\{[<%].*?[>%]\}\}", re.S)


def chains_of(claims: list[Claim]) -> dict[tuple[int, int], list[Claim]]:
    """The claims of each chain a = b = …, keyed by (id of its block, chain number), in order."""
    chains: dict[tuple[int, int], list[Claim]] = {}
    for claim in claims:
        chains.setdefault((id(claim.block), claim.chain), []).append(claim)
    return chains


def claims_of(block: MathBlock, macros: dict | None = None) -> list[Claim]:
    """Every claim of one math block, in order."""
    if len(block.text) > BLOCK_CAP:
        reason = f"too large to check (a math block of {len(block.text) // 1000:,} thousand characters)"
        return [_unparsed(block, 0, len(block.text), reason, 0, 0)]
    text = block.text
    template = _TEMPLATE_TAG.search(text) if ("{%" in text or "{{<" in text or "{{%" in text) else None
    if template is not None and QUARTO_INCLUDE.fullmatch(text.strip()):
        return []  # $$ {{< include _macros.tex >}} $$: a file of macro definitions (read as the note's), no claim
    if template is not None:  # the site's generator writes this formula: what the reader sees is not here
        return [_unparsed(block, template.start(), template.end(),
                          f"a template tag ({template.group(0)[:2]} … {template.group(0)[-2:]}) that the site fills in", template.start(), template.end())]  # fmt: skip
    commands = _NO_CLAIMS.get(block.text)
    if commands is not None and (not macros or commands.isdisjoint(macros)):
        return []
    raw = tokenize(block.text)
    defines = _has_definition(block.text, raw)
    if defines:
        from derivlint.math.macros import find_macro_definitions  # definitions made in this very block

        macros = {**(macros or {}), **find_macro_definitions(block.text)}
        raw = drop_definitions(raw)
    try:
        tokens = expand(raw, macros or {})
    except LexError as err:
        return [_unparsed(block, 0, len(block.text), str(err), err.start, err.end)]
    if INFIX_HINT.search(block.text) is not None or (tokens is not raw and any(t.kind == CMD and t.value in INFIX for t in tokens)):
        tokens = rewrite_infix(tokens)  # {a \over b}: a fraction (only where a note writes one: lazily)
    if "\\boxed" in block.text or "\\fbox" in block.text or "\\framebox" in block.text or "color{" in block.text:
        tokens = unboxed(tokens)
    try:
        rows = flatten_rows(tokens)
    except ParseError as err:
        return [_unparsed(block, 0, len(block.text), err.message, err.start, err.end, err.unbalanced)]
    segments = [seg for k, row in enumerate(rows) for seg in split_row(_unwrapped_remark(row), k)]
    claims = _pair_across_rows(build_claims(block, segments))
    if not claims and not defines and tokens is raw:  # the result owes nothing to macros
        _remember_no_claims(block.text, raw)
    return claims


_BOXES = frozenset({"boxed", "fbox", "framebox"})
_COLOURS = frozenset({"color", "textcolor"})  # MathJax's \color{red}{x = y}: the colour, then what it colours


def _body_group(tokens: list[Token], i: int) -> int | None:
    """The index of the ``{`` that opens what the box or colour command at ``i`` holds, or None."""
    n = len(tokens)
    if tokens[i].value in _BOXES:
        return i + 1 if i + 1 < n and tokens[i + 1].is_char("{") else None
    if i + 1 >= n or not tokens[i + 1].is_char("{"):
        return None
    j = _group_close(tokens, i + 1)  # past the colour's name
    return j + 1 if j + 1 < n and tokens[j + 1].is_char("{") else None


def unboxed(tokens: list[Token]) -> list[Token]:
    """``tokens`` with each box that holds a statement opened: \\boxed{W = ½ diag(w) ∈ ℝ^{m×m}} frames
    a result, and its relation is the row's (a box around a value alone, \\boxed{x}^2, stays a group)."""
    out: list[Token] = []
    i, n = 0, len(tokens)
    while i < n:
        t = tokens[i]
        body = _body_group(tokens, i) if t.kind == CMD and (t.value in _BOXES or t.value in _COLOURS) else None
        if body is not None:
            depth, j, related = 0, body, False
            while j < n:
                u = tokens[j]
                if u.kind == CHAR and u.value == "{":
                    depth += 1
                elif u.kind == CHAR and u.value == "}":
                    depth -= 1
                    if depth == 0:
                        break
                elif depth == 1 and relation_of(u) is not None:
                    related = True
                j += 1
            if j < n and related:
                out.extend(unboxed(tokens[body + 1 : j]))  # the box's inside, read as if unframed
                i = j + 1
                continue
        out.append(t)
        i += 1
    return out


def _remember_no_claims(text: str, tokens: list[Token]) -> None:
    """Note that ``text`` (of ``tokens``, no macro expanded) holds no claim."""
    if len(_NO_CLAIMS) >= _NO_CLAIMS_SIZE:
        _NO_CLAIMS.popitem(last=False)  # the oldest
    _NO_CLAIMS[text] = frozenset(t.value for t in tokens if t.kind == CMD)


_CLOSERS = {"(": ")", "[": "]", "\\{": "\\}"}


def _pair_across_rows(claims: list[Claim]) -> list[Claim]:
    """A bracket opened on one row of an aligned derivation and closed on a later
    one (``= f(x \\\\ & \\quad + y)``) is balanced: neither row is a DL101."""
    waiting: list[tuple[str, Claim]] = []
    for claim in claims:
        if claim.kind != "unparsed" or not claim.unbalanced:
            continue
        quoted = claim.reason.split("'")
        if len(quoted) != 3:
            continue
        if quoted[0] == "unclosed " and quoted[1] in _CLOSERS:
            waiting.append((quoted[1], claim))
        elif quoted[0] == "unmatched " and waiting and _CLOSERS[waiting[-1][0]] == quoted[1]:
            _, first = waiting.pop()
            for c in (first, claim):
                c.unbalanced = False
                c.reason += " (closed on another row: the rows cannot be read one by one)"
    return claims


DEFINITIONS = frozenset(
    "newcommand renewcommand providecommand def gdef DeclareMathOperator".split()
)
# Every definition token starts with one of these in the text (the converse need not hold)
_DEFINITION_HINT = re.compile(r"\\(?:newcommand|renewcommand|providecommand|g?def|DeclareMathOperator)")


def _has_definition(text: str, tokens: list[Token]) -> bool:
    """Whether ``tokens`` (of ``text``) hold a macro definition; most texts are ruled out by a search."""
    return _DEFINITION_HINT.search(text) is not None and any(t.kind == CMD and t.value in DEFINITIONS for t in tokens)


def drop_definitions(tokens: list[Token]) -> list[Token]:
    """Remove macro definitions (\\newcommand{\\R}{…}, \\def\\R{…}) from math:
    the extractor has collected them, and they are not statements."""
    if not any(t.kind == CMD and t.value in DEFINITIONS for t in tokens):
        return tokens
    out: list[Token] = []
    i, n = 0, len(tokens)
    while i < n:
        t = tokens[i]
        if t.kind != CMD or t.value not in DEFINITIONS:
            out.append(t)
            i += 1
            continue
        i += 1
        if i < n and tokens[i].is_char("*"):
            i += 1
        if t.value in ("def", "gdef"):
            while i < n and not tokens[i].is_char("{"):  # \def\name#1#2{body}
                i += 1
            i = _group_close(tokens, i) + 1 if i < n else n
            continue
        i = _group_close(tokens, i) + 1 if i < n and tokens[i].is_char("{") else i + 1  # the name
        while i < n and tokens[i].is_char("["):  # [n] and [default]
            while i < n and not tokens[i].is_char("]"):
                i += 1
            i += 1
        if i < n and tokens[i].is_char("{"):
            i = _group_close(tokens, i) + 1
    return out


# ---------------------------------------------------------------------------
# rows


def flatten_rows(tokens: list[Token]) -> list[list[Token]]:
    """Top-level rows of a block: layout environments unwrapped, split at \\\\."""
    if _ROW_MARKS.isdisjoint([t.value for t in tokens]):  # one row, as most blocks are
        return [list(tokens)] if tokens else []
    rows: list[list[Token]] = [[]]
    _flatten(tokens, 0, len(tokens), rows)
    return [r for r in rows if r]


# Commands that end a row or open/close an environment, when at top level
_ROW_COMMANDS = frozenset({"begin", "end", "\\", "cr", "newline"})
_ROW_MARKS = _ROW_COMMANDS | {"&"}  # without a token of these values, a block is one row


def _flatten(tokens: list[Token], i: int, end: int, rows: list[list[Token]], level: int = 0) -> None:
    """Rows of tokens[i:end] appended to ``rows``; ``level``: layout environments around them."""
    depth = 0
    row = rows[-1]  # rows[-1], kept in a local: this loop runs for every token
    while i < end:
        t = tokens[i]
        kind = t.kind
        if kind == CHAR:
            value = t.value
            if value == "{":
                depth += 1
            elif value == "}":
                depth -= 1
            elif value == "&" and depth == 0:
                if len(row) == 1 and ((row[0].kind == CMD and row[0].value in LABEL_OPERATORS)
                                      or (row[0].kind == CHAR and row[0].value in "+-")):
                    row.pop()  # a table's first cell naming the operation of its row (⊗ & … & ∂(w⊗x)/∂w = …)
                elif _new_column(tokens, row, i + 1, end):
                    rows.append([])  # a = b & c = d: two equations side by side, not one aligned at &
                    row = rows[-1]
                i += 1
                continue
        elif kind == CMD:
            value = t.value
            if value == "left":
                depth += 1
            elif value == "right":
                depth -= 1
            elif depth == 0 and value in _ROW_COMMANDS:
                i = _row_command(tokens, i, end, rows, level)
                row = rows[-1]
                continue
        row.append(t)
        i += 1


def _new_column(tokens: list[Token], row: list[Token], i: int, end: int) -> bool:
    """Whether the ``&`` before tokens[i] separates two equations written in columns of one row
    (``∂(w+x)/∂w = I & ∂(w+x)/∂x = I``): the cell before it holds an ``=`` and so does the cell after
    it, not at its start (``&= …`` aligns one equation). Joined, the cells would read as one product."""
    if not any(t.kind == CHAR and t.value == "=" for t in row) or _relation_token(row[-1]):
        return False  # no equation before, or one aligned at its relation (f =& 0, i = 1 … d)
    if i < end and _relation_token(tokens[i]):
        return False  # a &≤ 0, i = 1 … m: aligned at the relation after the &
    depth = 0
    first = True
    for t in tokens[i:end]:
        if t.kind == CHAR and t.value in "{}":
            depth += 1 if t.value == "{" else -1
        elif t.kind == CMD and t.value in ("left", "right"):
            depth += 1 if t.value == "left" else -1
        elif depth == 0 and ((t.kind == CHAR and t.value == "&") or (t.kind == CMD and t.value in _ROW_COMMANDS)):
            return False
        elif depth == 0 and t.kind == CHAR and t.value == "=":
            return not first
        first = False
    return False


_RELATION_CMDS = frozenset({"leq", "le", "geq", "ge", "neq", "ne", "approx", "equiv", "sim", "simeq", "cong", "propto",
                            "succeq", "preceq", "succ", "prec", "ll", "gg", "in", "to", "rightarrow", "Rightarrow",
                            "leftarrow", "mapsto", "coloneqq", "triangleq", "doteq", "leqslant", "geqslant"})  # fmt: skip


def _relation_token(t: Token) -> bool:
    """Whether ``t`` is a relation sign (=, <, >, \\leq, \\approx …), at which a row may be aligned."""
    return (t.kind == CHAR and t.value in "=<>") or (t.kind == CMD and t.value in _RELATION_CMDS)


def _row_command(tokens: list[Token], i: int, end: int, rows: list[list[Token]], level: int = 0) -> int:
    """Handle a top-level \\begin, \\end or row break at ``i``; the index after it."""
    t = tokens[i]
    if t.value == "begin":
        if not (i + 1 < end and tokens[i + 1].is_char("{")):
            rows[-1].append(t)
            return i + 1
        name, body = _env_name(tokens, i + 1, end)
        close = find_end(tokens, body, name, end)
        if close is None:
            raise ParseError(f"\\begin{{{name}}} without \\end{{{name}}}", t.start, t.end, unbalanced=True)
        after = _skip_env_name(tokens, close + 1, end)
        if name in LAYOUT_ENVS or (name in MATRIX_ENVS and name not in ("cases", "dcases") and _is_container(tokens, body, close)):
            if level >= MAX_DEPTH:  # environments in environments: one level of recursion each
                raise ParseError(TOO_DEEP, t.start, t.end)
            body = _skip_env_args(tokens, body, close, name)
            rows.append([])
            _flatten(tokens, body, close, rows, level + 1)
            rows.append([])
            return after
        rows[-1].extend(tokens[i:after])
        return after
    if t.value == "end":
        raise ParseError("\\end without \\begin", t.start, t.end, unbalanced=True)
    rows.append([])  # \\, \cr, \newline
    if i + 1 < end and tokens[i + 1].is_char("["):
        j = i + 1
        while j < end and not tokens[j].is_char("]"):
            j += 1
        i = j
    return i + 1


def _env_name(tokens: list[Token], i: int, end: int) -> tuple[str, int]:
    j = i + 1
    parts = []
    while j < end and not tokens[j].is_char("}"):
        parts.append(tokens[j].value)
        j += 1
    return "".join(parts), j + 1


def _skip_env_name(tokens: list[Token], i: int, end: int) -> int:
    if i < end and tokens[i].is_char("{"):
        while i < end and not tokens[i].is_char("}"):
            i += 1
        return i + 1
    return i


def _skip_env_args(tokens: list[Token], i: int, end: int, name: str) -> int:
    """Skip {cols} of array/alignat, or the [r] of a starred matrix, after \\begin{name}."""
    if name.endswith("matrix*") and column_option(tokens, i, end):
        return i + 3
    if name.startswith(("array", "alignat", "alignedat", "subarray")) and i < end and tokens[i].is_char("{"):
        depth = 0
        while i < end:
            if tokens[i].is_char("{"):
                depth += 1
            elif tokens[i].is_char("}"):
                depth -= 1
                if depth == 0:
                    return i + 1
            i += 1
    return i


def _is_container(tokens: list[Token], i: int, end: int) -> bool:
    """An array or matrix used to lay out statements: it holds relations or prose."""
    depth = 0
    for k in range(i, end):
        t = tokens[k]
        kind, value = t.kind, t.value  # plain comparisons (not is_char/is_cmd): this runs for every token
        if kind == CHAR:
            if value == "{":
                depth += 1
                continue
            if value == "}":
                depth -= 1
                continue
        elif kind == CMD:
            if value == "begin" or value == "left":
                depth += 1
                continue
            if value == "end" or value == "right":
                depth -= 1
                continue
        elif kind != TEXT:  # a letter, number or parameter is no relation
            continue
        if depth == 0 and (kind == TEXT or relation_of(t) is not None):
            return True
    return False


# ---------------------------------------------------------------------------
# segments


def _unwrapped_remark(row: list[Token]) -> list[Token]:
    """A row that is one parenthesised remark holding declarations ("(\\mathbf{u} \\in \\mathbb{R}^k,
    M \\in \\mathbb{R}^{k\\times k} \\text{ and is symmetric})" under a formula): its inside, read
    as a row of its own; any other row as it is."""
    if len(row) < 5 or not row[0].is_char("(", "（"):
        return row
    last = len(row) - 1
    while last > 0 and row[last].kind == CHAR and row[last].value in ".,;":
        last -= 1
    if not row[last].is_char(")", "）"):
        return row
    depth = 0
    has_in = False
    for t in row[1:last]:
        if t.kind == CHAR and t.value in "([{（":
            depth += 1
        elif t.kind == CHAR and t.value in ")]}）":
            depth -= 1
            if depth < 0:
                return row  # (a)(b): the first parenthesis closes before the end
        elif depth == 0 and t.kind == CMD and t.value == "in":
            has_in = True
    return row[1:last] if depth == 0 and has_in else row


def split_row(row: list[Token], row_index: int) -> list[Segment]:
    """Split one row into statements and prose at \\quad, \\Rightarrow, prose,
    and commas that stand between two relations."""
    values = {t.value for t in row}
    if _is_plain_row(row, values):  # most rows: one statement, split at commas at most
        return _split_commas(list(row), False, row_index, "," in values) if row else []
    out: list[Segment] = []
    current: list[Token] = []
    hard = False
    depth = 0
    i, n = 0, len(row)
    comma = False  # a ',' character met since the last flush: only then may _split_commas split

    def flush(next_hard: bool) -> None:
        nonlocal current, hard, comma
        if current:
            out.extend(_split_commas(current, hard, row_index, comma))
        current = []
        hard = next_hard
        comma = False

    parens = 0  # ( and [ opened at top level: no statement ends inside them
    partners: dict[int, int] | None = None  # made when a top-level ( first needs it
    while i < n:
        t = row[i]
        kind, value = t.kind, t.value  # plain comparisons: this loop runs for every token
        if kind == LETTER or kind == NUM:  # half the tokens: nothing to decide
            current.append(t)
            i += 1
            continue
        if kind == CHAR:
            if value == "{":
                if depth == 0:
                    wrapped = _wrapped_prose(row, i)
                    if wrapped is not None:  # {\begin{pmatrix*}[l]\text{a comment}\end{pmatrix*}}
                        flush(False)
                        close, words = wrapped
                        out.append(Segment(row[i : close + 1], prose=words, row=row_index))
                        i = close + 1
                        continue
                depth += 1
            elif value == "}":
                depth -= 1
            elif depth == 0 and (value == "(" or value == "["):
                parens += 1
            elif depth == 0 and (value == ")" or value == "]") and parens > 0:
                parens -= 1
            elif value == ",":
                comma = True
        elif kind == CMD:
            if value == "begin" or value == "left":
                depth += 1
            elif value == "end" or value == "right":
                depth -= 1
            elif value in DROPPED_WITH_ARG:
                i = _skip_args(row, i + 1, 1)  # \textcolor{red}{Ax}: the colour goes, Ax stays
                continue
            elif value == "space" and depth == 0 and parens == 0 and current and _declaration_follows(row, i + 1):
                flush(True)  # = M^T\space M \in R^{k×k}: a word space, then a declaration of M alone
                i += 1
                continue
            elif (value == "space" and depth == 0 and parens == 0 and current and i + 1 < n
                  and row[i + 1].kind == CMD and row[i + 1].value == "space"):
                # "E(eeᵀ) = P \ \ \ \ E(vvᵀ) = R": a run of control spaces is a gap between two statements
                while i < n and row[i].kind == CMD and row[i].value == "space":
                    i += 1
                if _declaration_follows(row, i) or any(t.kind == CHAR and t.value == "=" for t in row[i:]):
                    flush(True)  # another statement follows
                continue
            elif value in IGNORED and (value != "space" or depth == 0):  # "\ " in a matrix: the parser reads it
                i += 1
                continue
        if depth == 0:
            if kind == TEXT:
                flush(False)
                out.append(Segment([t], prose=value, row=row_index))
                i += 1
                continue
            if kind == CMD:
                if value in PROSE_FONTS:
                    close = _prose_text_end(row, i)
                    if close is not None and not _math_word(row, i, close):
                        flush(False)
                        words = _spaced_words(row[i + 2 : close])
                        out.append(Segment(row[i : close + 1], prose=words, row=row_index))
                        i = close + 1
                        continue
                if parens == 0 and value in STATEMENT_BREAKS:
                    flush(True)
                    i += 1
                    continue
                if value in PICTURES:  # a picture (a symbol drawn as an image) stands between two statements
                    flush(True)
                    i = _skip_args(row, i + 1, 1)
                    continue
            elif kind == CHAR:
                if parens == 0 and value == ";":
                    flush(True)
                    i += 1
                    continue
                if value == "(":
                    if partners is None:
                        partners = _paren_partners(row)
                    close = _remark_close(row, i, partners.get(i))
                    if close is not None:  # (当A为对称阵), (\text{for } x > 0): a remark
                        parens -= 1
                        flush(False)
                        inside = row[i + 1 : close]
                        words = _spaced_words([x for x in inside if not _font_mark(x)])  # (W \text{ 对称}): "W 对称"
                        out.append(Segment(row[i : close + 1], prose=words, row=row_index))
                        i = close + 1
                        continue
        current.append(t)
        i += 1
    flush(False)
    return out


# Token values that split_row acts on (prose fonts, breaks, dropped or skipped commands, the ';'
# that ends a statement); the control symbols \, \: \! are told from characters by kind
_PUNCT_IGNORED = frozenset({",", ":", "!"})
_SPLITTING = (DROPPED_WITH_ARG | IGNORED | PROSE_FONTS | STATEMENT_BREAKS | PICTURES | {";"}) - _PUNCT_IGNORED


def _is_plain_row(row: list[Token], values: set[str]) -> bool:
    """Whether split_row would keep every token of ``row`` (its token values: ``values``) as one
    statement before commas are looked at: no prose, no break, no command that it drops or skips."""
    if not _SPLITTING.isdisjoint(values) or TEXT in {t.kind for t in row}:
        return False
    if ")" in values and _ends_in_letters_in_parens(row):
        return False  # "… \ (guess)": perhaps a remark (_word_in_parens)
    if _PUNCT_IGNORED.isdisjoint(values):
        return True
    return not any(t.kind == CMD and t.value in _PUNCT_IGNORED for t in row)


def _paren_partners(row: list[Token]) -> dict[int, int]:
    """Index of the ')' that closes each '(' of a row, in one pass."""
    partners: dict[int, int] = {}
    stack: list[int] = []
    for k, t in enumerate(row):
        if t.kind == CHAR:
            if t.value == "(":
                stack.append(k)
            elif t.value == ")" and stack:
                partners[stack.pop()] = k
    return partners


def _remark_close(row: list[Token], i: int, close: int | None) -> int | None:
    """If the parenthesis at ``i`` (closed at ``close``) encloses prose, ``close``."""
    if close is None:
        return None
    if i + 1 < close and row[i + 1].kind == CMD and row[i + 1].value in REASON_MARKS:
        return close  # (\because \sum_k m_k = N): the reason for a step
    if _word_in_parens(row, i, close):
        return close  # X \ (guess): a word spelt in math letters, set off at the end of a step
    depth = 0  # words inside a group (\underbrace{…}_{\text{scalar}}) label a formula, not the parenthesis
    for k in range(i + 1, close):
        t = row[k]
        if t.kind == CHAR and t.value in "{}":
            depth += 1 if t.value == "{" else -1
            continue
        if depth > 0:
            continue
        if t.kind == TEXT:
            return close
        if t.kind == CMD and t.value in PROSE_FONTS and k + 1 < close and row[k + 1].is_char("{"):
            if _is_prose_word(row[k + 2 : _group_close(row, k + 1)]):
                return close
    return None


def _ends_in_letters_in_parens(row: list[Token]) -> bool:
    """Whether the row ends (before punctuation) with a ')' right after a lowercase letter."""
    j = len(row) - 1
    while j > 0 and row[j].kind == CHAR and row[j].value in ",.;":
        j -= 1
    return j > 0 and row[j].is_char(")") and row[j - 1].kind == LETTER and row[j - 1].value.islower()


_SPACING = frozenset({"quad", "qquad", ",", ";", ":", "enspace", "hspace", "space"})


def _declaration_follows(row: list[Token], i: int) -> bool:
    """Whether ``row[i:]`` is one symbol (a letter, maybe bold, with scripts) and then \\in:
    what a word space sets apart from the formula before it, as a comma would."""
    j, n = i, len(row)
    if j < n and row[j].kind == CMD and row[j].value in ("mathbf", "boldsymbol", "bm"):
        j += 1
        if j < n and row[j].is_char("{"):
            j = _group_close(row, j) + 1
    elif j < n and row[j].kind == LETTER:
        j += 1
    else:
        return False
    while j + 1 < n and row[j].is_char("_", "^"):
        j = _group_close(row, j + 1) + 1 if row[j + 1].is_char("{") else j + 2
    return j < n and row[j].kind == CMD and row[j].value == "in"


def _word_in_parens(row: list[Token], i: int, close: int) -> bool:
    """``… \\ (guess)`` ending a row: four or more lowercase letters and nothing else in the
    parentheses, set off by space from what comes before, with nothing after but punctuation:
    a remark in words typed as math, not a product of letters."""
    inside = row[i + 1 : close]
    if len(inside) < 4 or not all(t.kind == LETTER and t.value.islower() for t in inside):
        return False  # (xyz) may be a product; a word has four letters or more here, and a vowel
    if not any(t.value in "aeiou" for t in inside):
        return False
    if any(not (t.kind == CHAR and t.value in ",.;") for t in row[close + 1 :]):
        return False
    before = row[i - 1] if i else None
    return row[i].space or (before is not None and before.kind == CMD and before.value in _SPACING)


def _words(t: Token) -> str:
    return t.value if t.kind != CMD else "\\" + t.value


def _font_mark(t: Token) -> bool:
    """A prose-font command or a brace: how words are set, not what they say."""
    return (t.kind == CMD and t.value in PROSE_FONTS) or t.is_char("{", "}")


def _spaced_words(tokens: list[Token]) -> str:
    """The text of ``tokens`` with a space only where the note has one (\\text{ if $W = W^\\top$}
    read letter by letter must give "if $W = W^\\top$", not "i f $ W = …")."""
    out: list[str] = []
    for k, t in enumerate(tokens):
        if k and (t.start != tokens[k - 1].end or t.space):
            out.append(" ")
        out.append(_words(t))
    return "".join(out)


def _group_close(row: list[Token], i: int) -> int:
    depth = 0
    for k in range(i, len(row)):
        if row[k].is_char("{"):
            depth += 1
        elif row[k].is_char("}"):
            depth -= 1
            if depth == 0:
                return k
    return len(row) - 1


def _prose_text_end(tokens: list[Token], i: int) -> int | None:
    r"""The index of the closing brace of a \text{…} (any of PROSE_FONTS) at ``tokens[i]`` that
    holds prose; None when there is none there or it holds math (\text{tr}, \text{d})."""
    if not (tokens[i].kind == CMD and tokens[i].value in PROSE_FONTS and i + 1 < len(tokens) and tokens[i + 1].is_char("{")):
        return None
    close = _group_close(tokens, i + 1)
    return close if _is_prose_word(tokens[i + 2 : close]) else None


# Words of prose that a bracket may follow ("\\text{if}(x > 0)"): never a function's name
_PROSE_HEADS = frozenset("if for when where with and or otherwise else then let given since as is".split())


_TERM_OPERATORS = ("pm", "mp", "cdot", "times", "odot", "otimes")


def _closes_statement(row: list[Token], close: int) -> bool:
    """Whether nothing but punctuation or a break follows ``row[close]`` in its row."""
    rest = row[close + 1 :]
    return all(t.is_char(",", ".", ";") or (t.kind == CMD and (t.value in IGNORED or t.value in STATEMENT_BREAKS)) for t in rest)


def _math_word(row: list[Token], i: int, close: int) -> bool:
    r"""Whether the text font at ``row[i]`` (its group closed at ``close``) is math, not prose: a
    script (W_\textrm{qh}, x^\text{new}) or one word applied to a bracket right after it
    (\text{prod}\left(…\right), \textrm{ReLU}(z)), as a function is written."""
    before = row[i - 1] if i > 0 else None
    if before is not None and before.kind == CHAR and before.value in "_^":
        return True
    if before is not None and (before.is_char("+", "-") or before.is_cmd(*_TERM_OPERATORS)) and _closes_statement(row, close):
        return True  # … + \text{higher-order terms}: the last term, named in words
    after = row[close + 1] if close + 1 < len(row) else None
    if after is None or after.space or not (after.is_char("(") or after.is_cmd("left")):
        return False
    inner = row[i + 2 : close]
    return (
        len(inner) > 1 and all(t.kind == LETTER for t in inner) and not any(t.space for t in inner[1:])
        and "".join(t.value for t in inner).lower() not in _PROSE_HEADS
    )


def _wrapped_prose(row: list[Token], i: int) -> tuple[int, str] | None:
    r"""A brace group at ``row[i]`` that only wraps prose, as an aligned derivation's comment column
    does (\textcolor{gray}{\begin{pmatrix*}[l] \text{$A$ is …} \end{pmatrix*}}): (the index of its
    closing brace, its words); None for a group that holds math."""
    before = row[i - 1] if i > 0 else None
    if before is not None and (before.kind == CMD or (before.kind == CHAR and before.value in "_^")):
        return None  # an argument or a script: \varphi_{\text{logistic}} is math
    close = _group_close(row, i)
    body = [t for t in row[i + 1 : close] if not (t.kind == CMD and t.value in IGNORED)]
    if len(body) > 3 and body[0].kind == CMD and body[0].value == "begin" and body[1].is_char("{"):
        name_end = _group_close(body, 1)
        name = "".join(t.value for t in body[2:name_end])
        ends = [k for k, t in enumerate(body) if t.kind == CMD and t.value == "end"]
        closing = "".join(t.value for t in body[ends[-1] + 1 :]) if ends else ""
        if not name.rstrip("*").endswith("matrix") or closing != f"{{{name}}}":
            return None
        body = body[_skip_env_args(body, name_end + 1, ends[-1], name) : ends[-1]]
    words: list[Token] = []
    k = 0
    while k < len(body):  # \text{…} \\ \text{…}: one text, or several on rows of their own
        end = _prose_text_end(body, k)
        if end is None:
            return None
        words.extend(body[k + 2 : end])
        k = end + 1
        if k < len(body) and body[k].kind == CMD and body[k].value == "\\":
            k += 1
    if not any(t.kind == TEXT or t.value == "$" or (k and t.space) for k, t in enumerate(words)):
        return None  # one word: maybe a name
    return close, " ".join(_words(t) for t in words)


def _skip_args(row: list[Token], i: int, count: int) -> int:
    for _ in range(count):
        if i < len(row) and row[i].is_char("["):
            while i < len(row) and not row[i].is_char("]"):
                i += 1
            i += 1
        if i < len(row) and row[i].is_char("{"):
            i = _group_close(row, i) + 1
        elif i < len(row) and row[i].is_char("*"):
            i += 1
            if i < len(row) and row[i].is_char("{"):
                i = _group_close(row, i) + 1
            elif i < len(row) and row[i].kind != CMD and not row[i].is_char("&", "}"):
                i += 1
        elif i < len(row) and row[i].kind != CMD and not row[i].is_char("&", "}"):
            i += 1  # \tag 4, \label x: an argument without braces is one token, as TeX reads it
    return i


def _is_prose_word(inner: list[Token]) -> bool:
    """\\text{…} holding words, rather than a function name (tr), a
    differential (d) or a one-letter symbol (T)."""
    if not inner or any(t.kind == TEXT for t in inner):
        return True
    if all(t.kind in (LETTER, NUM) for t in inner) and not any(t.space for t in inner[1:]):
        word = "".join(t.value for t in inner)
        if word in FUNCTIONS or word in TRACE_NAMES or word in NAME_WORDS or len(word) <= 1:
            return False  # \text{MSE}, \text{tr}, \text{T}: math, not words
    return True


_OPENING, _CLOSING = frozenset("{(["), frozenset("})]")
_OPENING_CMDS, _CLOSING_CMDS = frozenset({"left", "begin", "langle"}), frozenset({"right", "end", "rangle"})
_SET_BRACES = frozenset({"{", "}"})  # \{ and \}


def _split_commas(tokens: list[Token], hard: bool, row: int, comma: bool = True) -> list[Segment]:
    """Split at top-level commas where both sides hold a relation; drop a
    trailing comma or full stop. ``comma``: False when ``tokens`` hold no ',' character."""
    while tokens and tokens[-1].kind == CHAR and tokens[-1].value in ",.":
        tokens = tokens[:-1]
    if not tokens:
        return []
    if comma:
        for t in tokens:
            if t.value == "," and t.kind == CHAR:
                break
        else:
            comma = False
    if not comma:  # as in most statements: nothing to split
        return [Segment(tokens, hard_break_before=hard, row=row)]
    cuts = _top_level_commas(tokens)
    if not cuts:
        return [Segment(tokens, hard_break_before=hard, row=row)]
    parts = [tokens[a + 1 : b] for a, b in zip([-1, *cuts], [*cuts, len(tokens)])]
    segments: list[list[Token]] = []
    pending: list[Token] = []
    for part in parts:
        if pending and _has_relation(pending) and _has_relation(part):
            segments.append(pending)
            pending = list(part)
        else:
            if pending:
                pending.append(Token(CHAR, ",", part[0].start - 1 if part else 0, part[0].start if part else 0))
            pending.extend(part)
    if pending:
        segments.append(pending)
    return [Segment(s, hard_break_before=hard if k == 0 else True, row=row) for k, s in enumerate(segments) if s]


def _top_level_commas(tokens: list[Token]) -> list[int]:
    """Indices of the ',' characters of ``tokens`` outside every bracket, brace and environment."""
    cuts: list[int] = []
    depth = 0
    for k, t in enumerate(tokens):
        kind = t.kind  # letters and numbers, half the tokens, are neither of the two kinds
        if kind == CHAR:
            value = t.value
            if value in _OPENING:
                depth += 1
            elif value in _CLOSING:
                depth -= 1
            elif depth == 0 and value == ",":
                cuts.append(k)
        elif kind == CMD:
            value = t.value
            if value in _OPENING_CMDS:
                depth += 1
            elif value in _CLOSING_CMDS:
                depth -= 1
            elif value in _SET_BRACES and not (k and tokens[k - 1].is_cmd("left", "right")):
                depth += 1 if value == "{" else -1  # \{0, 1\}: a set's commas (\left\{ counted at \left)
    return cuts


def _has_relation(tokens: list[Token]) -> bool:
    """Whether a relation (=, \\leq, :, \\overset …) stands at the top level of ``tokens``."""
    depth = 0
    for t in tokens:
        kind = t.kind
        if kind == CHAR:
            value = t.value
            if value == "{":
                depth += 1
            elif value == "}":
                depth -= 1
            elif depth == 0 and value in _RELATION_CHARS:
                return True
        elif kind == CMD:
            value = t.value
            if value == "left" or value == "begin":
                depth += 1
            elif value == "right" or value == "end":
                depth -= 1
            elif depth == 0 and value in RELATIONS:  # \overset and \stackrel among them
                return True
    return False


_RELATION_CHARS = frozenset("=<>:")  # the characters relation_of knows, and the colon of a declaration


def _starts_with_relation(tokens: list[Token]) -> bool:
    return bool(tokens) and (relation_of(tokens[0]) is not None or tokens[0].is_cmd("overset", "stackrel"))


def _starts_with_operator(tokens: list[Token]) -> bool:
    return bool(tokens) and (tokens[0].is_char("+", "-", "*") or tokens[0].is_cmd("cdot", "times", "pm"))


def _ends_with_operator(tokens: list[Token]) -> bool:
    """Whether a row ends with an operator whose right operand is on the next row (``A^*``,
    ``x^+`` end with a script, not an operator)."""
    if not tokens or not (tokens[-1].is_char("+", "-", "*", "=") or tokens[-1].is_cmd("cdot", "times")):
        return False
    return len(tokens) < 2 or not tokens[-2].is_char("^", "_")


# ---------------------------------------------------------------------------
# chains and claims


def build_claims(block: MathBlock, segments: list[Segment]) -> list[Claim]:
    """Parse each statement and link chains across rows (``&= …`` continues)."""
    statements = _join_continued_expressions(segments)
    claims: list[Claim] = []
    chain_id = 0
    last_main: Node | None = None  # last right-hand side of a chain not embedded in prose
    after_unread = False  # the statement before did not parse
    last_main_chain = -1
    last_main_step = 0
    last_any: tuple[Node | None, int, int] | None = None
    sentence_open = False  # prose began a sentence that has not ended
    last_prose_after: list[Claim] = []
    for k, seg in enumerate(statements):
        if seg.prose is not None:
            text = seg.prose.strip()
            for c in last_prose_after:
                c.prose_after = (c.prose_after + " " + text).strip()
            last_prose_after = []
            sentence_open = bool(text) and not text.endswith(SENTENCE_ENDS)
            continue
        tokens = seg.tokens
        if len(tokens) <= 3 and _names_a_relation(tokens):
            continue  # $(\simeq)$, $\leq$: the sign itself named in a sentence, no statement
        prose_before = statements[k - 1].prose if k > 0 and statements[k - 1].prose is not None else ""
        continuation = _starts_with_relation(tokens)
        if not _has_relation(tokens) and not continuation:
            # a bare expression: check it parses, but it is not a claim; a row that starts with
            # = right below it continues it (tr(AB) \\ = tr(BA))
            nxt = statements[k + 1] if k + 1 < len(statements) else None
            continued = nxt is not None and nxt.prose is None and nxt.row != seg.row and not sentence_open
            if not continued and _no_bracket_to_miss(tokens):
                continue  # only an unbalanced bracket would make it a claim (unparsed), and it has none
            bare = None
            try:
                bare = sub_parse(tokens)
            except ParseError as err:
                if err.unbalanced:
                    claims.append(_unparsed(block, tokens[0].start, tokens[-1].end, err.message, err.start, err.end, True))
            except RecursionError:
                pass
            if bare is not None and continued:
                last_main, last_main_chain, last_main_step = bare, chain_id, 0
                last_any = (bare, chain_id, 0)
                chain_id += 1
            continue
        try:
            parser = Parser(tokens)
            first, steps = parser.parse_chain()
        except ParseError as err:
            claim = _unparsed(block, tokens[0].start, tokens[-1].end, err.message, err.start, err.end, err.unbalanced)
            claim.embedded = sentence_open
            claim.prose_before = prose_before or ""
            claims.append(claim)
            if not sentence_open:
                last_main, last_main_chain, last_main_step = None, chain_id, 0
            last_any = None  # a "= …" row after it continues this row, whose right side is not known
            after_unread = True
            chain_id += 1
            last_prose_after = [claim]
            continue
        except RecursionError:
            claims.append(_unparsed(block, tokens[0].start, tokens[-1].end, "expression nested too deeply", tokens[0].start, tokens[0].end))
            continue
        embedded = sentence_open and not continuation
        if continuation and after_unread:  # "&= …" under a row that did not parse: what it equals is unknown
            claim = _unparsed(block, tokens[0].start, tokens[-1].end, "continues a row derivlint cannot read",
                              tokens[0].start, tokens[0].end)  # fmt: skip
            claim.prose_before = prose_before or ""
            claims.append(claim)
            last_prose_after = [claim]
            continue
        after_unread = False
        if continuation:
            if not sentence_open and last_main_chain >= 0:
                left, this_chain, step = last_main, last_main_chain, last_main_step
            elif last_any is not None:
                left, this_chain, step = last_any
            else:
                left, this_chain, step = None, chain_id, 0
                chain_id += 1
        else:
            left, this_chain, step = first, chain_id, 0
            chain_id += 1
        made: list[Claim] = []
        if _is_mapping(steps):
            rel, rel_tok, right = steps[0]
            made.append(_claim(block, left, ":", steps[1][2], this_chain, 0, rel_tok, mapping_dom=right))
            left = steps[1][2]
        else:
            for rel, rel_tok, right in steps:
                made.append(_claim(block, left, rel, right, this_chain, step, rel_tok))
                left = right
                step += 1
        for c in made:
            c.embedded = embedded
            c.prose_before = prose_before or ""
        claims.extend(made)
        last_prose_after = made
        last_any = (left, this_chain, step)
        if not embedded:
            last_main, last_main_chain, last_main_step = left, this_chain, step
    return claims


# The values of every token that opens or closes something (brackets, braces, \\left, \\begin, \\langle,
# \\lceil …; \\sqrt's optional argument opens with [): the only tokens at which the parser reports a
# bracket of the note's own left unclosed or unmatched (ParseError.unbalanced)
_BRACKETS = frozenset({
    "(", ")", "[", "]", "{", "}", "left", "right", "middle", "begin", "end", "langle", "rangle",
    "lbrack", "rbrack", "lbrace", "rbrace", "lceil", "rceil", "lfloor", "rfloor",
})  # fmt: skip


def _no_bracket_to_miss(tokens: list[Token]) -> bool:
    """Whether parsing ``tokens`` cannot fail on an unbalanced bracket (ParseError.unbalanced):
    they hold no token of _BRACKETS but the characters { and }, and those are balanced."""
    depth = 0
    for t in tokens:
        value = t.value
        if value in _BRACKETS:
            if t.kind != CHAR:
                return False
            if value == "{":
                depth += 1
            elif value == "}":
                depth -= 1
                if depth < 0:
                    return False
            else:
                return False
    return depth == 0


def _names_a_relation(tokens: list[Token]) -> bool:
    """Whether ``tokens`` are one relation sign alone, maybe in brackets: ( \\leqslant )."""
    inner = tokens[1:-1] if len(tokens) == 3 and tokens[0].is_char("(", "[") and tokens[-1].is_char(")", "]") else tokens
    return len(inner) == 1 and relation_of(inner[0]) is not None


def _join_continued_expressions(segments: list[Segment]) -> list[Segment]:
    """A row that starts with + or − continues the expression of the row above
    (a long right-hand side broken over lines), as does a row after one that
    ends with an operator."""
    out: list[Segment] = []
    for seg in segments:
        prev = out[-1] if out else None
        if (
            prev is not None
            and seg.prose is None
            and prev.prose is None
            and seg.row != prev.row
            and (_ends_with_operator(prev.tokens) or (_starts_with_operator(seg.tokens) and not _own_equation(seg, prev)))
        ):
            prev.tokens = prev.tokens + seg.tokens
            continue
        out.append(Segment(list(seg.tokens), seg.prose, seg.hard_break_before, seg.row))
    return out


def _own_equation(seg: Segment, prev: Segment) -> bool:
    """Whether a row that starts with a sign is an equation of its own, not the rest of the row
    above: both rows hold a relation (∇ₓ(xᵀAx) = (A + Aᵀ)x, then −∇ₓ(bᵀx) = −b)."""
    return _has_relation(seg.tokens) and _has_relation(prev.tokens)


def _is_mapping(steps) -> bool:
    return len(steps) == 2 and steps[0][0] == ":" and steps[1][0] in ("→", "↦")


def _claim(block, lhs, rel, rhs, chain, step, rel_tok, mapping_dom=None) -> Claim:
    start = lhs.start if lhs is not None else rel_tok.start
    end = rhs.end
    if mapping_dom is not None:
        from derivlint.math.tree import Mapping

        rhs = Mapping(mapping_dom.start, rhs.end, mapping_dom, rhs)
    if step == 0:
        lhs = _primed_derivative(lhs)
    kind = _kind(lhs, rel, rhs, step)
    return Claim(block, start, end, kind, rel, lhs, rhs, chain=chain, step=step)


def _kind(lhs: Node | None, rel: str, rhs: Node, step: int) -> str:
    if rel in ("∈", ":", "∉", "⊂", "⊆") or isinstance(rhs, Space):
        return "declaration"
    sides = [s for s in (lhs, rhs) if s is not None]
    if any(Deriv in map(type, s.walk()) for s in sides):  # C speed; Deriv has no subclass
        return "derivative"
    if isinstance(rhs, Opaque) and rhs.op == "comma":  # i = 1, 2, …, n: the range of an index
        return "relation"
    if rel in ("=", ":=", "≜", "≡") and step == 0 and _is_name(lhs):
        return "definition"
    if rel in ("=",):
        return "equality"
    return "relation"


def _primed_derivative(node: Node | None) -> Node | None:
    """f'(x) or f''(x) as the left side of a claim: the derivative of f at x, a claim about f
    (σ'(z) = σ(z)(1 − σ(z)) after σ is defined), not the definition of a new name f'."""
    if not (isinstance(node, Call) and len(node.args) == 1 and isinstance(node.args[0], Sym)):
        return node
    name = node.func.name
    base = name.rstrip("'")
    order = len(name) - len(base)
    if not 1 <= order <= 2 or not base or not base.isalpha():
        return node
    f = replace(node.func, name=base)
    f.forget_walk()
    return Deriv(node.start, node.end, Call(node.start, node.end, f, node.args), [node.args[0]] * order, "d", prime=True)


def _is_name(node: Node | None) -> bool:
    if isinstance(node, Sym):
        return True
    if isinstance(node, Call):
        return True
    if isinstance(node, Tuple):
        return all(isinstance(i, Sym) for i in node.items)
    return False


def _unparsed(block, start, end, reason, err_start, err_end, unbalanced=False) -> Claim:
    return Claim(
        block, start, end, "unparsed", reason=reason, error_start=err_start,
        error_end=err_end, unbalanced=unbalanced,
    )  # fmt: skip


__all__ = ["Claim", "claims_of", "flatten_rows", "split_row", "build_claims", "CHAR", "CMD"]


def _nodes_of(claims: list[Claim]):
    """Every node of every side of the claims, in order (chained at C speed: a note has many)."""
    return _chained.from_iterable(side.walk() for claim in claims for side in (claim.lhs, claim.rhs) if side is not None)


def read_whole_note(claims: list[Claim]) -> None:
    """read_prior_transposes, read_italic_differentials, read_time_superscripts,
    read_size_subscripts and read_transposed_calls, in that order, on one scan of every node of
    the note (_NoteScan: each reading walked the whole note, ~2 % of a run). Once a reading has
    rewritten trees (or may have: a few notes), the note is scanned again for the readings after
    it, which see the trees as they are then, as they would alone."""
    readings = (lambda scan: _rewrite_prior_transposes(claims, scan.meant),
                lambda scan: read_italic_differentials(claims),
                lambda scan: _rewrite_time_superscripts(claims, scan.timed),
                lambda scan: _rewrite_size_subscripts(claims, scan.sized),
                lambda scan: _rewrite_transposed_calls(claims, scan.called))
    scan = _NoteScan(claims)
    for read in readings:
        if read(scan):  # the trees changed: the readings after scan them as they are now
            scan = _NoteScan(claims)


class _NoteScan:
    """What the note-level readings look for, found in one walk of every node of a note's claims
    (by exact type: no node type has a subclass): ``meant``, the priors P^- never inverted
    (read_prior_transposes); ``timed``, whether x^t appears where the note counts with t
    (read_time_superscripts); ``sized``, the size subscripts X_{n×n} per chain
    (read_size_subscripts); ``called``, the applied letters and their argument letters
    (read_transposed_calls)."""

    def __init__(self, claims: list[Claim]):
        from derivlint.math.tree import Inverse, Transpose

        priors: set[tuple] = set()
        inverted: set[tuple] = set()
        marked = counts = False
        sized: dict[tuple[int, int], dict[str, tuple[str, str]]] = {}
        calls: list = []
        for claim in claims:
            for side in (claim.lhs, claim.rhs):
                if side is None:
                    continue
                for n in side.walk():
                    kind = type(n)
                    if kind is Sym:
                        sub, sup = n.sub, n.sup
                        if sup == "-":
                            priors.add((n.name, sub, n.bold))
                        if not counts and (n.name == "t" and not n.bold or sub and "t" in sub and _T_WORD.search(sub)
                                           or sup and "t" in sup and _T_WORD.search(sup)):
                            counts = True
                        if sub and "times" in sub and (m := _SIZE_SUBSCRIPT.fullmatch(sub)):
                            sized.setdefault((id(claim.block), claim.chain), {})[replace(n, sub=None).key] = m.groups()
                        continue
                    if kind is Transpose:
                        if n.mark == "t":
                            marked = True
                        continue
                    if kind is Inverse and type(n.arg) is Sym and n.arg.sup is None and not n.transposed:
                        inverted.add((n.arg.name, n.arg.sub, n.arg.bold))
                    elif kind is Call and type(n.func) is Sym:
                        calls.append(n)
                    if not counts and getattr(n, "index", None) == "t":
                        counts = True
        self.meant = priors - inverted
        self.timed = marked and counts
        self.sized = sized
        self.called = _applied_letters(calls)


def read_prior_transposes(claims: list[Claim]) -> None:
    """P_k^{-T} in a note that writes P_k^- (the prior of a filter) and never P_k^{-1}: the
    transpose of P_k^-, as such notes mean it (P_k^{-T} = P_k^-, 'a covariance'), not the inverse
    transpose of P_k. Rewrites the claims' trees in place; a note without P^- is left alone."""
    _rewrite_prior_transposes(claims, _NoteScan(claims).meant)


def _rewrite_prior_transposes(claims: list[Claim], meant: set) -> bool:
    """read_prior_transposes once its scan found ``meant``; whether it rewrote (or may have)."""
    from derivlint.math.tree import Inverse

    if not meant:
        return False
    rewrite = _PriorTranspose(meant)
    for claim in claims:
        for name in ("lhs", "rhs"):
            side = getattr(claim, name)
            if side is not None and any(isinstance(n, Inverse) and n.transposed for n in side.walk()):
                setattr(claim, name, rewrite.visit(side))
    return True


_T_WORD = re.compile(r"(?<![A-Za-z\\])t(?![A-Za-z])")


def read_time_superscripts(claims: list[Claim]) -> None:
    """``x^t`` in a note that counts with t (x_t, x^{t-1}, x^{(t)}, \\sum_t, t = 1): the t-th
    iterate or time step, a symbol of its own, as optimisation and sequence notes mean it, not
    the transpose of x (and β^t is no transpose either). A note that never uses t otherwise keeps
    ``x^t`` as a transpose. Rewrites the claims' trees in place."""
    _rewrite_time_superscripts(claims, _NoteScan(claims).timed)


def _rewrite_time_superscripts(claims: list[Claim], counted: bool) -> bool:
    """read_time_superscripts once its scan is done; whether it rewrote (or may have)."""
    from derivlint.math.tree import Transpose

    if not counted:
        return False
    rewrite = _TimeSuperscript()
    for claim in claims:
        for name in ("lhs", "rhs"):
            side = getattr(claim, name)
            if side is not None and any(type(n) is Transpose and n.mark == "t" for n in side.walk()):
                setattr(claim, name, rewrite.visit(side))
    return True


def read_transposed_calls(claims: list[Claim]) -> None:
    """``r^H(x)``, ``f^T(x)`` in a note that applies r (r(x) written elsewhere, r(x) ∈ ℂ^m): the
    value r(x) transposed, not the product rᴴ·x the parser reads (which, r(x) being declared a
    column, made rᴴ(x) r(x) a product of a row and x); and ``r(x + t d)`` there: r applied, not
    r·(x + t d) (the parser applies a letter to a lone symbol only). Rewrites the claims' trees
    in place."""
    _rewrite_transposed_calls(claims, _NoteScan(claims).called)


def _applied_letters(nodes) -> dict[str, set]:
    """Each applied letter -> the letters of its arguments (x(t): t). A bracket after the letter is
    its argument only when it holds one of them: x^T(A^TP + PA)x in a note of x(t) is a product."""
    called: dict[str, set] = {}
    for n in nodes:
        if type(n) is Call and type(n.func) is Sym and n.func.name != "d":  # d(x): a differential
            called.setdefault(n.func.key, set()).update(k for a in n.args for k in _letters(a))
    return called


def _rewrite_transposed_calls(claims: list[Claim], called: dict) -> None:
    """read_transposed_calls once its scan found the functions ``called`` (_applied_letters)."""
    from derivlint.math.tree import Mul

    if not called:
        return
    for claim in claims:
        text = claim.block.text
        for name in ("lhs", "rhs"):
            side = getattr(claim, name)
            if side is not None and any(type(n) is Mul and _transposed_call_at(n, called, text) is not None
                                        for n in side.walk()):
                setattr(claim, name, _TransposedCalls(called, text).visit(side))


def _transposed_call_at(mul, called: dict, text: str) -> int | None:
    """The index of a factor fᵀ (f in ``called``) that a bracketed factor follows in ``mul``, or None."""
    from derivlint.math.tree import Transpose

    for i in range(len(mul.factors) - 1):
        f, nxt = mul.factors[i], mul.factors[i + 1]
        letter = f.arg if type(f) is Transpose else f
        if (type(letter) is Sym and letter.key in called and mul.ops[i] == ""
                and text[nxt.start : nxt.start + 1] == "(" and nxt.start == f.end
                and _argument_like(nxt, called[letter.key])):
            return i
    return None


def _argument_like(bracket, arguments: set) -> bool:
    """Whether a bracket after an applied letter is its argument: it holds a letter the note applies
    it to (r(y + tΔy) where r(y) is written), or only small letters (r(x + t d)); a bracket with a
    capital's matrix, x^T(AᵀP + PA)x in a note of x(t), is a product."""
    letters = _letters(bracket)
    if letters & arguments:
        return True
    return bool(letters) and not any("A" <= k[0] <= "Z" and (len(k) == 1 or k[1] in "_^") for k in letters)


def _letters(node) -> set:
    """The keys of the symbols in ``node``."""
    return {n.key for n in node.walk() if type(n) is Sym}


class _TransposedCalls:
    """f^T(x) → (f(x))ᵀ and f (x + y) → f(x + y) in products (read_transposed_calls)."""

    def __init__(self, called: dict, text: str):
        self.called, self.text = called, text

    def visit(self, n: Node) -> Node:
        from derivlint.math.tree import Mul, Transpose
        from derivlint.math.treeops import rebuild

        n = rebuild(n, self.visit)
        if type(n) is not Mul:
            return n
        i = _transposed_call_at(n, self.called, self.text)
        if i is None:
            return n
        f, arg = n.factors[i], n.factors[i + 1]
        args = list(arg.items) if type(arg) is Tuple else [arg]
        if type(f) is Sym:  # r(y + t d_y): r applied
            value = Call(f.start, arg.end, f, args)
        else:
            value = Transpose(f.start, arg.end, Call(f.start, arg.end, f.arg, args), f.mark)
        factors = n.factors[:i] + [value] + n.factors[i + 2 :]
        ops = n.ops[:i] + n.ops[i + 1 :]
        return factors[0] if len(factors) == 1 else Mul(n.start, n.end, factors, ops)


_SIZE_SUBSCRIPT = re.compile(r"\(?([A-Za-z]|\d+)times([A-Za-z]|\d+)\)?")


def read_size_subscripts(claims: list[Claim]) -> None:
    """``\\det(X_{n \\times n})``: a subscript that is a size gives the size of X in that formula,
    it names no other symbol. Each X_{n×n} becomes X, and its chain (the claims of one
    formula) keeps the size in ``facts["sizes"]`` (key -> (rows, columns)), which the truth
    check's Scope reads before the note's declarations (X ∈ ℝ^{m×n} said of X in general)."""
    _rewrite_size_subscripts(claims, _NoteScan(claims).sized)


def _rewrite_size_subscripts(claims: list[Claim], sized: dict) -> bool:
    """read_size_subscripts once its scan found ``sized``; whether it rewrote (or may have)."""
    if not sized:
        return False
    for claim in claims:
        sizes = sized.get((id(claim.block), claim.chain))
        if sizes is None:
            continue
        claim.facts["sizes"] = sizes
        for name in ("lhs", "rhs"):
            side = getattr(claim, name)
            if side is not None and any(type(n) is Sym and n.sub and _SIZE_SUBSCRIPT.fullmatch(n.sub) for n in side.walk()):
                setattr(claim, name, _SizeSubscript().visit(side))
    return True


def read_italic_differentials(claims: list[Claim]) -> bool:
    """``d(AXB) = A\\,dX\\,B``, ``dX^{-1} = -X^{-1}dXX^{-1}``: an italic d before a factor is the
    differential, as the notes of matrix differentials write it, in a chain whose first side is the
    differential of an expression (not of a lone symbol: ``dW = …`` names a gradient in backprop
    notes) and whose other sides hold the differential ``dX`` of a symbol of that expression.
    Rewrites those chains' trees in place (d F → Differential(F)); any other d stays a letter."""
    by_chain: dict[tuple[int, int], list[Claim]] = {}
    for claim in claims:
        if claim.lhs is not None or claim.rhs is not None:
            by_chain.setdefault((id(claim.block), claim.chain), []).append(claim)
    read = []
    for chain in by_chain.values():
        head = chain[0].lhs
        argument = _italic_differential_of(head)
        if argument is None or isinstance(argument, Sym) or _letter_d(argument):
            continue
        inside = {n.key for n in argument.walk() if isinstance(n, Sym)}
        if any(_differential_of_symbol(c.rhs, inside) for c in chain):
            read.append(chain)
    if not read or _d_is_a_letter(claims):  # the whole note's d's only where some chain reads as differentials
        return False
    for chain in read:
        for claim in chain:
            for name in ("lhs", "rhs"):
                side = getattr(claim, name)
                if side is not None and any(_is_letter_d(n) for n in side.walk()):
                    setattr(claim, name, _ItalicDifferentials().visit(side))
    return True  # rewritten (or may have been)


_D_WORD = re.compile(r"(?<![A-Za-z\\])d(?![A-Za-z])")


def _d_is_a_letter(claims: list[Claim]) -> bool:
    """Whether the note writes d where it can only be a number or a name: alone (d(n − 1) = dn − d,
    d/2), last in a product, or in a script (ℝ^d, x_d): then no d of the note is read as a differential."""
    from derivlint.math.tree import Mul

    before: set[int] = set()  # the d's written just before a factor
    letters: list[Node] = []
    for n in _nodes_of(claims):
        kind = type(n)
        if kind is Mul:
            for i in range(len(n.factors) - 1):
                if _d_before(n, i):
                    before.add(id(n.factors[i]))
        elif kind is Call and _called_d(n):  # d(V): before its argument too
            before.add(id(n.func))
        elif kind is Sym:
            if _is_letter_d(n):
                letters.append(n)
            elif any(script and _D_WORD.search(script) for script in (n.sub, n.sup)):
                return True
    return any(id(n) not in before for n in letters)


def _is_letter_d(n: Node) -> bool:
    return type(n) is Sym and n.name == "d" and n.sub is None and n.sup is None and not n.bold


def _d_before(mul: Node, i: int) -> bool:
    """Whether factor ``i`` of the product ``mul`` is the letter d written just before the next one (d X)."""
    return mul.ops[i] == "" and _is_letter_d(mul.factors[i])


def _letter_d(node: Node) -> bool:
    return any(_is_letter_d(n) for n in node.walk())


def _called_d(n: Node) -> bool:
    """d(V): the letter d applied to one argument (the parser's reading of a letter before brackets)."""
    return _is_letter_d(n.func) and len(n.args) == 1


def _italic_differential_of(node: Node | None) -> Node | None:
    """F when ``node`` is d F (a product whose first factor is the letter d, written side by side)."""
    from derivlint.math.tree import Mul

    if type(node) is not Mul or len(node.factors) != 2 or not _d_before(node, 0):
        return None
    return node.factors[1]


def _differential_of_symbol(node: Node | None, keys: set) -> bool:
    """Whether ``node`` holds d S (side by side, or upright) for a symbol S (or Sᵀ) whose key is in ``keys``."""
    from derivlint.math.tree import Differential, Mul, differentiated_symbol

    if node is None:
        return False
    for n in node.walk():
        if type(n) is Differential:  # \\mathrm{d}X beside an italic d(XY)
            if n.symbol is not None and n.symbol.key in keys:
                return True
        elif type(n) is Call and _called_d(n):  # d(V), as the parser reads a letter before brackets
            symbol = differentiated_symbol(n.args[0])
            if symbol is not None and symbol.key in keys:
                return True
        elif type(n) is Mul:
            for i in range(len(n.factors) - 1):
                if _d_before(n, i):
                    symbol = differentiated_symbol(n.factors[i + 1])  # d X or d Xᵀ
                    if symbol is not None and symbol.key in keys:
                        return True
    return False


class _ItalicDifferentials:
    """d F → Differential(F) in every product (a class, not a recursive closure)."""

    def visit(self, n: Node) -> Node:
        from derivlint.math.tree import Differential, Mul
        from derivlint.math.treeops import rebuild

        n = rebuild(n, self.visit)
        if type(n) is Call and _called_d(n):  # U d(V) + d(U) V: d(V) the differential of V
            return Differential(n.start, n.end, n.args[0], "d")
        if type(n) is not Mul:
            return n
        factors, ops, i = list(n.factors), list(n.ops), 0
        while i < len(factors) - 1:
            if ops[i] == "" and _is_letter_d(factors[i]):
                after = factors[i + 1]
                factors[i : i + 2] = [Differential(factors[i].start, after.end, after, "d")]
                del ops[i]
            i += 1
        if len(factors) == len(n.factors):
            return n
        if len(factors) == 1:
            return factors[0]
        return Mul(n.start, n.end, factors, ops)


class _SizeSubscript:
    """X_{n×n} → X (read_size_subscripts)."""

    def visit(self, n: Node) -> Node:
        from derivlint.math.treeops import rebuild

        if type(n) is Sym and n.sub and _SIZE_SUBSCRIPT.fullmatch(n.sub):
            plain = replace(n, sub=None)
            plain.forget_walk()
            return plain
        return rebuild(n, self.visit)


class _TimeSuperscript:
    """x^t → the symbol x with superscript t; a non-symbol base (\\hat m^t, (Ax)^t) → a
    bracketed label nobody declared, so no claim on it is decided."""

    def visit(self, n: Node) -> Node:
        from derivlint.math.tree import Transpose
        from derivlint.math.treeops import rebuild

        if type(n) is Transpose and n.mark == "t":
            if isinstance(n.arg, Sym) and n.arg.sup is None:
                step = replace(n.arg, end=n.end, sup="t")
                step.forget_walk()
                return step
            return Opaque(n.start, n.end, "a superscript t (a time index)", [self.visit(n.arg)], None, "timestep")
        return rebuild(n, self.visit)


class _PriorTranspose:
    """X^{-T} → (X^-)ᵀ for the symbols in ``meant`` (a class, not a recursive closure: no
    reference cycle outlives the rewrite)."""

    def __init__(self, meant: set):
        self.meant = meant

    def visit(self, n: Node) -> Node:
        from derivlint.math.tree import Inverse, Transpose
        from derivlint.math.treeops import rebuild

        if (isinstance(n, Inverse) and n.transposed and isinstance(n.arg, Sym) and n.arg.sup is None
                and (n.arg.name, n.arg.sub, n.arg.bold) in self.meant):
            prior = replace(n.arg, sup="-")
            prior.forget_walk()
            return Transpose(n.start, n.end, prior, "T")
        return rebuild(n, self.visit)
