"""A small lexer for LaTeX math with exact offsets and macro expansion."""

from __future__ import annotations

import re
from collections import OrderedDict
from functools import lru_cache
from string import ascii_letters as _ASCII_LETTERS

# Token kinds
CMD = "cmd"  # \name (value: name without backslash); control symbols too (value: the char)
LETTER = "letter"  # one ASCII letter
NUM = "num"  # a run of digits, maybe with a decimal point
CHAR = "char"  # any other single character: + - * / = ( ) [ ] { } ^ _ & , ; : ! ' | < > .
TEXT = "text"  # a run of prose (CJK and full-width punctuation, with words sandwiched in it)
PARAM = "param"  # #1 … #9 inside a macro body


class Token:
    """One token: kind, value, and the [start, end) span in the block text."""

    __slots__ = ("kind", "value", "start", "end", "space")

    def __init__(self, kind: str, value: str, start: int, end: int, space: bool = False):
        self.kind = kind
        self.value = value
        self.start = start
        self.end = end
        self.space = space  # whitespace came right before this token

    def is_cmd(self, *names: str) -> bool:
        return self.kind == CMD and self.value in names

    def is_char(self, *chars: str) -> bool:
        return self.kind == CHAR and self.value in chars

    def __repr__(self) -> str:
        return f"Token({self.kind}, {self.value!r}, {self.start}, {self.end})"


# CJK scripts, punctuation and full-width forms: prose inside math. A character class over these
# ~40,000 code points takes milliseconds to compile, so the lexer's pattern gets it only once a
# text has such a character (_pattern_for), and single characters are told by their ranges.
_CJK_RANGES = (
    ("\u2e80", "\u2fff"), ("\u3000", "\u303f"), ("\u3040", "\u30ff"), ("\u3100", "\u312f"),
    ("\u3400", "\u4dbf"), ("\u4e00", "\u9fff"), ("\uac00", "\ud7af"), ("\uf900", "\ufaff"),
    ("\ufe30", "\ufe4f"), ("\uff00", "\uffef"),
)  # fmt: skip
_CJK = "".join(f"{lo}-{hi}" for lo, hi in _CJK_RANGES)
_CJK_FIRST = _CJK_RANGES[0][0]


def _is_cjk(ch: str) -> bool:
    """Whether the character ``ch`` is in one of _CJK_RANGES."""
    return any(lo <= ch <= hi for lo, hi in _CJK_RANGES)


def has_wide(text: str) -> bool:
    """Whether ``text`` has a character in U+2E80..U+FFFF (CJK and full-width forms): told by
    comparing code points, as a character class over them is slow to compile."""
    if text.isascii():  # most math: answered at C speed
        return False
    top = max(text)
    if top <= "\uffff":
        return top >= _CJK_FIRST
    return any(_CJK_FIRST <= c <= "\uffff" for c in text)  # beyond the BMP too (rare): look at each


# Which kind of match of _PATTERN a piece is, told by its first character
# (a backslash or # needs the second as well); filled in as characters are met,
# up to a bound (past it a character is looked at afresh each time).
_FIRST: dict[str, str] = {}
_FIRST_SIZE = 4096
_BY_FIRST = (  # the alternatives of _PATTERN, each told by a test of its first character
    ("num", re.compile(r"\d").match),
    ("letter", re.compile(r"[A-Za-z]").match),
    ("space", re.compile(r"\s").match),
    ("comment", re.compile("%").match),
    ("cjk", _is_cjk),
)


def _kind_of_first(ch: str) -> str:
    """The alternative of _PATTERN that a match starting with ``ch`` comes from (remembered)."""
    if ch == "\\":
        kind = "backslash"
    elif ch == "#":
        kind = "hash"
    else:
        kind = next((name for name, test in _BY_FIRST if test(ch)), "other")
    if len(_FIRST) < _FIRST_SIZE:
        _FIRST[ch] = kind
    return kind


# ASCII characters that are a token by themselves -> the token's kind
_SINGLE = {
    ch: LETTER if kind == "letter" else CHAR
    for ch, kind in ((chr(c), _kind_of_first(chr(c))) for c in range(128))
    if kind in ("letter", "other") and ch != "~"
}

# One match per token, space or comment, or per run of one-character tokens (letters and
# ASCII characters, see _SINGLE: fewer, longer matches); the alternatives are tried in
# order and every character matches one, so the matches tile the text.
_ALTERNATIVES = (
    "[" + "".join(re.escape(ch) for ch in sorted(_SINGLE)) + "]+"  # a run of _SINGLE characters
    r"|\\[A-Za-z]+"  # a command
    r"|\\[^A-Za-z]"  # a control symbol
    r"|\d+(?:\.\d+)?"  # a number
    r"|[A-Za-z]"  # a letter
    r"|\s+"  # space
    r"|%[^\n]*"  # a comment
    r"|#[1-9]"  # a parameter
)
_ANY = r"|."  # any other character
# Without prose: for a text with no character from U+2E80 on, where the prose alternative never matches.
_PATTERN = re.compile(_ALTERNATIVES + _ANY, re.S)


@lru_cache(maxsize=1)
def _with_prose() -> re.Pattern:
    return re.compile(_ALTERNATIVES + rf"|[{_CJK}]+" + _ANY, re.S)  # runs of prose


def _pattern_for(text: str) -> re.Pattern:
    """The lexer's pattern for ``text``: with the prose alternative only where it can match
    (every CJK range lies in U+2E80..U+FFFF)."""
    return _with_prose() if has_wide(text) else _PATTERN


# Commands read as another: notes write the norm's bars \parallel x \parallel_2 (the relation
# "parallel to" has no place in matrix calculus); \bigtriangledown and \triangledown are the nabla
# drawn as a (big) triangle (CS229's notes write ▽_θ J); \lbrace, \rbrace are \{, \}; \land, \lor are \wedge, \vee
_SAME_AS = {"parallel": "Vert", "bigtriangledown": "nabla", "triangledown": "nabla", "lbrace": "{", "rbrace": "}",
            "land": "wedge", "lor": "vee", "part": "partial", "infin": "infty", "plusmn": "pm",
            "backslash": "setminus", "smallsetminus": "setminus", "varnothing": "emptyset",
            "lnot": "neg", "dag": "dagger", "empty": "emptyset",
            "rArr": "Rightarrow", "Rarr": "Rightarrow", "rarr": "rightarrow", "lArr": "Leftarrow",
            "Larr": "Leftarrow", "larr": "leftarrow", "hArr": "Leftrightarrow", "Harr": "Leftrightarrow",
            "lrArr": "Leftrightarrow", "Lrarr": "Leftrightarrow",
            **{f"var{c}": c for c in "Gamma Delta Theta Lambda Xi Pi Sigma Upsilon Phi Psi Omega".split()}}  # fmt: skip
# (KaTeX's aliases: \part is ∂, \infin ∞, \plusmn ±, \rArr ⇒, \rarr →, \hArr ⇔, \empty ∅; \backslash between two sets is their difference;
# \varSigma is amsmath's italic Σ: one letter, which a note may set both ways within one derivation)
# Control symbols that Markdown escapes inside math (x\_i, a \* b): the character itself
_ESCAPED = {"_": "_", "*": "*"}

# Unicode characters that stand for LaTeX: char -> list of (kind, value)
_UNICODE: dict[str, list[tuple[str, str]]] = {
    "∂": [(CMD, "partial")],
    "∇": [(CMD, "nabla")],
    "×": [(CMD, "times")],
    "·": [(CMD, "cdot")],
    "⋅": [(CMD, "cdot")],
    "∈": [(CMD, "in")],
    "≠": [(CMD, "neq")],
    "≈": [(CMD, "approx")],
    "≤": [(CMD, "leq")],
    "≥": [(CMD, "geq")],
    "→": [(CMD, "rightarrow")],
    "⇒": [(CMD, "Rightarrow")],
    "−": [(CHAR, "-")],
    "∑": [(CMD, "sum")],
    "⊤": [(CMD, "top")],
    "‖": [(CMD, "|")],
    "ᵀ": [(CHAR, "^"), (LETTER, "T")],
    "²": [(CHAR, "^"), (NUM, "2")],
    "⁻": [(CHAR, "^"), (CHAR, "-")],
    "¹": [(NUM, "1")],
    "∘": [(CMD, "circ")],
    "⊙": [(CMD, "odot")],
    "⊗": [(CMD, "otimes")],
    "…": [(CMD, "ldots")],
    "⋯": [(CMD, "cdots")],
    "ℝ": [(CMD, "mathbb"), (CHAR, "{"), (LETTER, "R"), (CHAR, "}")],
}
_GREEK = {
    "α": "alpha", "β": "beta", "γ": "gamma", "δ": "delta", "ε": "epsilon",
    "ζ": "zeta", "η": "eta", "θ": "theta", "ι": "iota", "κ": "kappa",
    "λ": "lambda", "μ": "mu", "ν": "nu", "ξ": "xi", "π": "pi", "ρ": "rho",
    "σ": "sigma", "τ": "tau", "υ": "upsilon", "φ": "phi", "χ": "chi",
    "ψ": "psi", "ω": "omega", "Γ": "Gamma", "Δ": "Delta", "Θ": "Theta",
    "Λ": "Lambda", "Ξ": "Xi", "Π": "Pi", "Σ": "Sigma", "Φ": "Phi",
    "Ψ": "Psi", "Ω": "Omega",
}  # fmt: skip
for _ch, _name in _GREEK.items():
    _UNICODE[_ch] = [(CMD, _name)]

MAX_EXPANSION_DEPTH = 16
MAX_EXPANDED_TOKENS = 20000


class LexError(Exception):
    """A macro that cannot be expanded (runaway recursion or size)."""

    def __init__(self, message: str, start: int, end: int):
        super().__init__(message)
        self.start = start
        self.end = end


# text -> tokens: a block is read by claims, context and rules. An OrderedDict, as dropping
# the oldest entry of a plain dict (next(iter(d))) walks over every slot deleted before it.
_MEMO: OrderedDict[str, tuple[Token, ...]] = OrderedDict()
_MEMO_SIZE = 4096


def forget() -> None:
    """Drop the remembered tokens: the engine calls this after each note, whose blocks its claims,
    context and rules read again and again; another note rarely has the same text (1,687 of 27,283
    texts over the corpus), and a full memo holds ~150,000 tokens (~19 MB of a run's peak)."""
    _MEMO.clear()


def tokenize(text: str) -> list[Token]:
    """Tokens of ``text`` without macro expansion; offsets index ``text``.

    The tokens of recent texts are remembered (tokens are never changed after
    they are made; the list is new on every call).
    """
    cached = _MEMO.get(text)
    if cached is not None:
        return list(cached)
    tokens = _tokenize(text)
    if len(_MEMO) >= _MEMO_SIZE:
        _MEMO.popitem(last=False)  # the oldest
    _MEMO[text] = tuple(tokens)
    return tokens


def _tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    space = False
    prose = False
    append = tokens.append
    unicode = _UNICODE
    first = _FIRST
    end = 0
    # findall gives plain strings (no match objects); as the matches tile the text,
    # each one starts where the one before ended
    single = _SINGLE
    new = object.__new__
    for piece in _pattern_for(text).findall(text):
        start = end
        end += len(piece)
        ch = piece[0]
        simple = single.get(ch)
        if simple is not None:  # a run of letters and ASCII characters: most tokens
            for c in piece:  # one token per character, the space (if any) before the first
                # Token(single[c], c, start, start + 1, space) made by hand: object.__new__ and
                # five slot stores take less time than a call through Token.__init__ (Python 3.11)
                tok = new(Token)
                tok.kind = single[c]
                tok.value = c
                tok.start = start
                tok.end = start = start + 1
                tok.space = space
                space = False
                append(tok)
            continue
        kind = first.get(ch) or _kind_of_first(ch)
        # the kinds in order of frequency (letters and ASCII characters are runs, above)
        if kind == "backslash":
            if end - start == 1:  # a backslash ending the text is a character
                append(Token(CHAR, ch, start, end, space))
            elif end - start > 2 or piece[1] in _ASCII_LETTERS:  # a command
                name = piece[1:]
                append(Token(CMD, _SAME_AS.get(name, name), start, end, space))
            elif piece[1].isspace():  # control space: "\ " or a backslash at line end
                # a token as \space is (split_row sets a declaration apart at it), and a space
                # before the next token too, as readers of words and applications expect
                append(Token(CMD, "space", start, end, space))
                space = True
                continue
            elif piece[1] in _ESCAPED:  # x\_i as Markdown escapes it: the character
                append(Token(CHAR, _ESCAPED[piece[1]], start, end, space))
            else:  # a control symbol
                append(Token(CMD, piece[1], start, end, space))
        elif kind == "space" or kind == "comment":
            space = True
            continue
        elif kind == "num":
            append(Token(NUM, piece, start, end, space))
        elif kind == "other":  # ~ and characters beyond ASCII
            if ch.isascii():
                if ch == "~":  # a non-breaking space
                    space = True
                    continue
                append(Token(CHAR, ch, start, end, space))
            else:
                mapped = unicode.get(ch)
                if mapped is not None:
                    for k, v in mapped:
                        append(Token(k, v, start, end, space))
                        space = False
                else:
                    append(Token(TEXT, ch, start, end, space))
                    prose = True
        elif kind == "letter":
            append(Token(LETTER, ch, start, end, space))
        elif kind == "hash":
            if end - start == 2:
                append(Token(PARAM, piece[1], start, end, space))
            else:  # a # that is not a parameter is a character
                append(Token(CHAR, ch, start, end, space))
        else:  # cjk
            append(Token(TEXT, piece, start, end, space))
            prose = True
        space = False
    return _merge_prose(tokens, text) if prose else tokens


def _merge_prose(tokens: list[Token], text: str) -> list[Token]:
    """Join prose runs with the words sandwiched between them ("当A为对称阵").

    A stretch of letters and digits with no space, standing between two prose
    runs, is part of the sentence rather than math.
    """
    if not any(t.kind == TEXT for t in tokens):
        return tokens
    out: list[Token] = []
    i, n = 0, len(tokens)
    while i < n:
        tok = tokens[i]
        if tok.kind == TEXT:
            j = i + 1
            end = tok.end
            while j < n:
                k = j
                while k < n and tokens[k].kind in (LETTER, NUM) and not tokens[k].space:
                    k += 1
                if k < n and tokens[k].kind == TEXT and not tokens[k].space and (
                    k > j or tokens[k].start == end
                ):
                    end = tokens[k].end
                    j = k + 1
                else:
                    break
            # punctuation glued to the end of the prose belongs to it ("过程:")
            while j < n and tokens[j].kind == CHAR and tokens[j].value in ":,.;!?" and tokens[j].start == end:
                end = tokens[j].end
                j += 1
            out.append(Token(TEXT, text[tok.start : end], tok.start, end, tok.space))
            i = j
        else:
            out.append(tok)
            i += 1
    return out


def expand(tokens: list[Token], macros: dict, depth: int = 0) -> list[Token]:
    """Expand user macros. Expanded tokens take the span of the invocation.

    ``macros`` maps a name (no backslash) to (n_args, default or None, body).
    """
    if not macros or macros.keys().isdisjoint([t.value for t in tokens]):  # no token names a macro
        return tokens
    if not any(t.kind == CMD and t.value in macros for t in tokens):  # a name, but not as a command
        return tokens
    if depth > MAX_EXPANSION_DEPTH:
        first = next(t for t in tokens if t.kind == CMD and t.value in macros)
        raise LexError(f"macro \\{first.value} expands without end", first.start, first.end)
    out: list[Token] = []
    i, n = 0, len(tokens)
    while i < n:
        tok = tokens[i]
        if tok.kind != CMD or tok.value not in macros:
            out.append(tok)
            i += 1
            continue
        entry = macros[tok.value]
        n_args, default, body = entry
        i += 1
        args: list[list[Token]] = []
        # optional arguments, by default only a first one; macros.Signature says where they are
        for optional in getattr(entry, "spec", None) or ((default,) if n_args and default is not None else ()):
            if optional is None:  # a mandatory argument before an optional one
                arg, i = _read_argument(tokens, i)
                if arg is None:
                    raise LexError(f"macro \\{tok.value} expects {n_args} argument(s)", tok.start, tok.end)
                args.append(arg)
            elif i < n and tokens[i].is_char("["):
                j = i + 1
                while j < n and not tokens[j].is_char("]"):
                    j += 1
                args.append(tokens[i + 1 : j])
                i = min(j + 1, n)
            else:
                args.append(tokenize(optional))
        while len(args) < n_args:
            arg, i = _read_argument(tokens, i)
            if arg is None:
                raise LexError(
                    f"macro \\{tok.value} expects {n_args} argument(s)", tok.start, tok.end
                )
            args.append(arg)
        end = tokens[i - 1].end if i > 0 else tok.end
        first = len(out)
        for b in tokenize(body):
            if b.kind == PARAM:
                k = int(b.value) - 1
                if k < len(args):
                    out.extend(Token(a.kind, a.value, a.start, a.end, a.space) for a in args[k])
            else:
                out.append(Token(b.kind, b.value, tok.start, end, b.space))
        if len(out) > first:  # the space before the invocation goes before its first token only
            out[first].space = out[first].space or tok.space
        if len(out) > MAX_EXPANDED_TOKENS:
            raise LexError(f"macro \\{tok.value} expands to too much", tok.start, tok.end)
    return expand(out, macros, depth + 1)


def _read_argument(tokens: list[Token], i: int) -> tuple[list[Token] | None, int]:
    """A macro argument: a brace group (without its braces) or one token."""
    if i >= len(tokens):
        return None, i
    if tokens[i].is_char("{"):
        depth = 0
        for j in range(i, len(tokens)):
            if tokens[j].is_char("{"):
                depth += 1
            elif tokens[j].is_char("}"):
                depth -= 1
                if depth == 0:
                    return tokens[i + 1 : j], j + 1
        return None, i
    return [tokens[i]], i + 1


def lex(text: str, macros: dict | None = None) -> list[Token]:
    """Tokens of a math body with the given macros expanded."""
    tokens = tokenize(text)
    return expand(tokens, macros) if macros else tokens


# TeX's infix commands, which split the group around them: {a \over b} is \frac{a}{b}, {n \choose k}
# is \binom{n}{k}; \buildrel X \over = stacks X over the relation, as \stackrel{X}{=} does
INFIX = {"over": "frac", "choose": "binom"}
INFIX_HINT = re.compile(r"\\(?:over|choose|buildrel)(?![A-Za-z])|\\[bB]igg?[lrm]?\{")
_SIZES = frozenset({"big", "Big", "bigg", "Bigg", "bigl", "bigr", "Bigl", "Bigr", "biggl", "biggr", "Biggl",
                    "Biggr", "bigm", "Bigm"})  # fmt: skip


def rewrite_infix(tokens: list[Token]) -> list[Token]:
    """``tokens`` with every brace group that holds one \\over or \\choose at its top level written
    as \\frac{…}{…} or \\binom{…}{…}, \\buildrel X \\over R as \\stackrel{X}{R}, and a size's delimiter
    in braces (\\Big{(}) without them. An infix command
    outside every group (its group is the whole formula or an alignment cell) or two in one group
    is left as it is: the parser reports it. The new tokens take the spans of the old ones."""
    match: dict[int, int] = {}
    stack: list[int] = []
    for k, t in enumerate(tokens):
        if t.kind == CHAR and t.value == "{":
            stack.append(k)
        elif t.kind == CHAR and t.value == "}" and stack:
            match[stack.pop()] = k
    return _rewrite(tokens, 0, len(tokens), match)


def _rewrite(tokens: list[Token], i: int, end: int, match: dict[int, int]) -> list[Token]:
    out: list[Token] = []
    infix: list[int] = []  # positions in ``out`` of infix commands at this level
    while i < end:
        t = tokens[i]
        if t.kind == CHAR and t.value == "{" and i in match and match[i] == i + 2 and out and out[-1].kind == CMD and out[-1].value in _SIZES:
            delim = tokens[i + 1]  # \Big{(}: the delimiter itself, spanning its braces
            out.append(Token(delim.kind, delim.value, t.start, tokens[i + 2].end, t.space))
            i += 3
            continue
        if t.kind == CHAR and t.value == "{" and i in match:
            close = match[i]
            inner = _rewrite(tokens, i + 1, close, match)
            out.extend(_split_group(t, inner, tokens[close]))
            i = close + 1
            continue
        if t.kind == CMD and t.value == "buildrel":
            stacked = _buildrel(tokens, i, end, match)
            if stacked is not None:
                made, i = stacked
                out.extend(made)
                continue
        if t.kind == CMD and t.value in INFIX:
            infix.append(len(out))
        out.append(t)
        i += 1
    return out


def _split_group(open_tok: Token, inner: list[Token], close_tok: Token) -> list[Token]:
    """The group {inner}, rewritten when ``inner`` holds one infix command at its top level."""
    depth, found = 0, []
    for k, t in enumerate(inner):
        if t.kind == CHAR and t.value == "{":
            depth += 1
        elif t.kind == CHAR and t.value == "}":
            depth -= 1
        elif depth == 0 and t.kind == CMD and t.value in INFIX:
            found.append(k)
    if len(found) != 1 or found[0] == 0 or found[0] == len(inner) - 1:
        return [open_tok, *inner, close_tok]
    k = found[0]
    mark = inner[k]
    command = Token(CMD, INFIX[mark.value], open_tok.start, open_tok.end, open_tok.space)
    return [
        open_tok, command,
        Token(CHAR, "{", open_tok.start, open_tok.end), *inner[:k], Token(CHAR, "}", mark.start, mark.end),
        Token(CHAR, "{", mark.start, mark.end), *inner[k + 1 :], Token(CHAR, "}", close_tok.start, close_tok.end),
        close_tok,
    ]  # fmt: skip


def _buildrel(tokens: list[Token], i: int, end: int, match: dict[int, int]) -> tuple[list[Token], int] | None:
    """\\buildrel X \\over R at ``i`` as \\stackrel{X}{R} and the index after R; None when no
    \\over follows at the same level with a relation after it."""
    k, depth = i + 1, 0
    while k < end:
        t = tokens[k]
        if t.kind == CHAR and t.value == "{" and k in match:
            k = match[k] + 1
            continue
        if t.kind == CMD and t.value == "over":
            break
        if t.kind == CHAR and t.value == "}":
            return None
        k += 1
    else:
        return None
    if k + 1 >= end or k == i + 1:
        return None
    rel = tokens[k + 1]
    first, over = tokens[i], tokens[k]
    made = [
        Token(CMD, "stackrel", first.start, first.end, first.space),
        Token(CHAR, "{", first.start, first.end), *tokens[i + 1 : k], Token(CHAR, "}", over.start, over.end),
        Token(CHAR, "{", over.start, over.end), rel, Token(CHAR, "}", rel.start, rel.end),
    ]  # fmt: skip
    return made, k + 2
