"""What prose says about the math around it, in English and Chinese.

"A 是 n×n 矩阵", "where $A$ is symmetric", "an $m \\times n$ matrix $A$", "X^T A 是标量", layouts.
"""

from __future__ import annotations

import bisect
import re
from itertools import accumulate
from collections.abc import Sequence
from dataclasses import dataclass, field

from derivlint.extract.blocks import MathBlock, Passage
from derivlint.math.lexer import CHAR, CMD, TEXT, LexError, expand, has_wide, tokenize
from derivlint.source import Source
from derivlint.chinese import simplified
from derivlint.math.tree import Deriv, Mul, Node, Num, Sym
from derivlint.context.mathdecl import dim_of, gaussian_covariances, parse_math, parse_tokens
from derivlint.context.model import Dim, Shape
from derivlint.context.words import (ASSUMPTION_HINTS, PROPERTIES_KO, EN_HINT, KIND_NOUNS_ZH, NOUN_HINT_EN, OTHER_ADJECTIVES_EN,
                                     PROPERTIES_EN, PROPERTIES_ZH, SYMMETRIC_NOUNS, SYMMETRIC_NOUNS_ALONE, SYMMETRIC_NOUNS_ZH,
                                     SYMMETRIC_NOUNS_BEFORE_MATRIX,
                                     UNIT_EN, VERBS_EN, VERBS_ZH, MODALS_EN, ADVERBS_BEFORE_VERB_ZH, ZH_HINT, alternation, either_case, MODIFIER_NOUNS_ZH, NOUN_SUFFIXES_ZH,
                                     COVARIANCE_NOUNS_EN, COVARIANCE_NOUNS_ZH, COVARIANCE_NAMING_VERBS_EN,
                                     COVARIANCE_ARTICLES_EN, COVARIANCE_BREAKERS_EN, COVARIANCE_NOT_A_MATRIX_EN,
                                     NAMING_VERBS_ZH, SYMMETRIC_NAMED_AFTER_ZH, COVARIANCE_BREAKERS_ZH, _plain,
                                     VERBS_JA, TERMS_JA, DERIVED_MATRIX_NOUNS_EN, DERIVED_MATRIX_NOUNS_ZH)

MARK = "\ue000"
GREEK = {"α": "alpha", "β": "beta", "γ": "gamma", "δ": "delta", "ε": "epsilon", "η": "eta", "θ": "theta",
         "λ": "lambda", "μ": "mu", "ν": "nu", "ξ": "xi", "π": "pi", "ρ": "rho", "σ": "sigma", "τ": "tau",
         "φ": "phi", "χ": "chi", "ψ": "psi", "ω": "omega", "Σ": "Sigma", "Λ": "Lambda", "Φ": "Phi",
         "Θ": "Theta", "Ω": "Omega", "Γ": "Gamma", "Δ": "Delta"}  # fmt: skip


@dataclass(eq=False, slots=True)  # slots: one Piece per block of every passage read
class Piece:
    """One piece of math in a marked text: a whole block, or a run of math tokens
    between prose inside a block."""

    block: MathBlock
    start: int  # source offsets
    end: int
    display: bool
    tokens: list | None = None
    macros: dict | None = None
    _node: object = field(default=False, repr=False)

    def node(self) -> Node | None:
        if self._node is False:
            if self.tokens is not None:
                self._node = parse_tokens(self.tokens)
            else:
                self._node = parse_math(self.block.text, self.macros)
        return self._node  # type: ignore[return-value]


def _declared_symbol(piece: Piece) -> str | None:
    """The key of the symbol a piece of math declares ("$P \\in \\mathbb{R}^{n \\times n}$": P), or None."""
    text = piece.block.source.text[piece.start : piece.end]
    head, found, _ = text.partition("\\in")
    if not found:
        return None
    node = parse_math(head.strip("$ \t"), piece.macros)
    return node.key if isinstance(node, Sym) else None


class Runs:
    """Source offsets of a text copied from the source in runs: ``runs[i]`` is
    ``bases[j] + i - starts[j]`` for the last run j that starts at or before i. Indexes
    like the list of every offset (``len`` entries) without an int per character."""

    __slots__ = ("starts", "bases", "length")

    def __init__(self, starts: list[int], bases: list[int], length: int):
        self.starts = starts
        self.bases = bases
        self.length = length

    def __len__(self) -> int:
        return self.length

    def __getitem__(self, i: int) -> int:
        if i < 0:
            i += self.length
        if not 0 <= i < self.length:
            raise IndexError("Runs index out of range")
        j = bisect.bisect_right(self.starts, i) - 1
        return self.bases[j] + i - self.starts[j]


@dataclass(eq=False, slots=True)  # slots: one Marked per passage read
class Marked:
    """Prose with each piece of math replaced by MARK; ``offs[i]`` is the source
    offset of ``text[i]`` (one extra entry for the end)."""

    text: str
    offs: Sequence[int]
    pieces: list[Piece]
    marks: list[int]
    source: Source
    passage: Passage | None
    rows_break: bool = False  # newlines end sentences (prose inside a math block)
    _ends: list | None = field(default=None, repr=False)
    _ends_at: Sequence[int] = field(default=(), repr=False)  # set with the list it indexes
    _starts: Sequence[int] = field(default=(), repr=False)  # set with the list it indexes
    _conditional: bool | None = field(default=None, repr=False)
    _lowered: str | None = field(default=None, repr=False)
    _odd: bool | None = field(default=None, repr=False)  # see odd_cases
    _conditions: list | None = field(default=None, repr=False)  # spans of _CONDITION's matches
    _condition_ends: Sequence[int] = field(default=(), repr=False)  # set with the list it indexes

    def may_hold_condition(self) -> bool:
        """False when no condition word ("if", "当" …) is in the text at all: then no
        index of it sits in a condition (asked for every piece of math)."""
        if self._conditional is None:
            self._conditional = self.may_contain(_CONDITION_WORDS)
        return self._conditional

    def may_contain(self, words: re.Pattern) -> bool:
        """``may_contain(self.text, words)``, with the text lowered and its odd cases looked for
        once (each marked text is asked for several kinds of words)."""
        return self.odd_cases() or words.search(self.lowered()) is not None

    def finds(self, words: re.Pattern, pattern: re.Pattern) -> bool:
        """Whether the case-blind ``pattern``, an alternation of the plain words ``words`` (see
        _plain_words), finds something in the text: the lowered text holds one of the words exactly
        when it does, unless the text holds an odd case (checked over every code point)."""
        if self.odd_cases():
            return pattern.search(self.text) is not None
        return words.search(self.lowered()) is not None

    def odd_cases(self) -> bool:
        """Whether the text holds a character that re.IGNORECASE takes for an ASCII letter it is
        not a case of (_ODD_CASES): then no test of the lowered text can rule a word out."""
        if self._odd is None:
            self._odd = not self.text.isascii() and _ODD_CASES.search(self.text) is not None
        return self._odd

    def lowered(self) -> str:
        """``text.lower()``, made once for the word tests of ``may_contain``."""
        if self._lowered is None:
            self._lowered = self.text.lower()
        return self._lowered

    def last_condition_word(self, start: int, i: int) -> tuple[int, int] | None:
        """The span of the last match of _CONDITION in [start, i), as ``finditer(text, start, i)``
        finds it, or None. The matches of the whole text are found once: no match can
        straddle ``start`` (a sentence starts after punctuation or blank space) or ``i`` when
        the character at ``i`` is a MARK or the end; elsewhere the search is made afresh."""
        if i < len(self.text) and self.text[i] != MARK:
            words = list(_CONDITION.finditer(self.text, start, i))
            return words[-1].span() if words else None
        if self._conditions is None:
            self._conditions = [m.span() for m in _CONDITION.finditer(self.text)]
            self._condition_ends = [e for _, e in self._conditions]
        k = bisect.bisect_right(self._condition_ends, i) - 1
        if k < 0 or self._conditions[k][0] < start:
            return None
        return self._conditions[k]

    def piece_at(self, i: int) -> Piece:
        return self.pieces[bisect.bisect_left(self.marks, i)]

    def sentence_bounds(self, i: int) -> tuple[int, int]:
        """The sentence around text index ``i``."""
        if self._ends is None:
            ends = _SENTENCE_END_ROWS if self.rows_break else _SENTENCE_END
            self._ends = [m.span() for m in ends.finditer(self.text)]
            self._starts = [s for s, _ in self._ends]
            self._ends_at = [e for _, e in self._ends]
        k = bisect.bisect_right(self._ends_at, i)  # sentence ends at or before i
        start = self._ends_at[k - 1] if k > 0 else 0
        if start > i:
            start = 0
        j = bisect.bisect_left(self._starts, i)
        return start, self._starts[j] if j < len(self._starts) else len(self.text)


# Characters that re.IGNORECASE takes for an ASCII letter they are not a case of (i, s, k).
_ODD_CASES = re.compile("[\u0130\u0131\u017f\u212a]")


def words_pattern(*words: str) -> re.Pattern:
    """A case-sensitive pattern of plain words (lower case or uncased, e.g. CJK), for ``may_contain``."""
    return re.compile("|".join(map(re.escape, words)))


def may_contain(text: str, words: re.Pattern, lowered: str | None = None) -> bool:
    """Whether ``text`` may hold one of ``words`` (a ``words_pattern``) the way a
    case-insensitive regex finds it: False only when no such regex can match. A quick test
    before regexes that try every position: re finds plain words by their first characters.
    ``lowered`` is ``text.lower()`` when the caller has it."""
    if not text.isascii() and _ODD_CASES.search(text):
        return True
    return words.search(text.lower() if lowered is None else lowered) is not None


# NOUN_HINT_EN and ASSUMPTION_HINTS (words.py) are plain words in lower case (or CJK), found without
# regard to case: re finds them slowly that way, and fast in the lowered text (Marked.finds)
def _plain_words(pattern: re.Pattern) -> re.Pattern:
    """The ``words_pattern`` of a case-blind pattern that is an alternation of plain words."""
    words = pattern.pattern.split("|")
    if not pattern.flags & re.I or any(not re.fullmatch(r"[\w-]+", w) or w != w.lower() for w in words):
        raise ValueError(f"not plain words in lower case: {pattern.pattern}")
    return words_pattern(*words)


_NOUN_WORDS_EN = _plain_words(NOUN_HINT_EN)
_ASSUMPTION_WORDS = _plain_words(ASSUMPTION_HINTS)
_INNER_HINT = re.compile("|".join(VERBS_ZH) + r"|\b" + alternation(VERBS_EN) + r"\b")
# [。！？!?；;]|\.(?=\s|$)|\n\s*\n, and [。！？!?；;\n]|\.(?=\s|$), written to begin with the class of their first
# characters: re then skips every other character in C instead of trying each alternative there (half the time)
_SENTENCE_END = re.compile(r"[。！？!?；;.\n](?:(?<=[。！？!?；;])|(?<=\.)(?=\s|$)|(?<=\n)\s*\n)")
_SENTENCE_END_ROWS = re.compile(r"[。！？!?；;.\n](?:(?<=[。！？!?；;\n])|(?<=\.)(?=\s|$))")


def marked_passage(passage: Passage, macros: dict | None, blocks: list[MathBlock] | None = None) -> Marked:
    """The passage's text with each block replaced by MARK; its offsets are runs: the
    prose is copied verbatim, a MARK stands at its block's start. ``blocks`` is
    ``passage.blocks`` when the caller has it."""
    text = passage.source.text
    out: list[str] = []
    starts, bases = [0], [passage.start]
    pieces: list[Piece] = []
    marks: list[int] = []
    pos = passage.start
    n = 0  # the length of the marked text so far
    for block in sorted(passage.blocks if blocks is None else blocks, key=_start_of):
        if block.start < pos:
            continue
        out.append(text[pos : block.start])
        n += block.start - pos
        marks.append(n)
        out.append(MARK)
        starts.append(n)
        bases.append(block.start)
        n += 1
        starts.append(n)
        bases.append(block.end)
        pieces.append(Piece(block, block.start, block.end, block.display, macros=macros))
        pos = block.end
    end = max(pos, passage.end)
    out.append(text[pos:end])
    n += end - pos
    return Marked(simplified(unemphasised("".join(out))), Runs(starts, bases, n + 1), pieces, marks, passage.source, passage)


# Markdown emphasis around words ("a **symmetric** matrix", "_not_ square"): read as the words alone.
# Each case starts with its mark, and looks behind it at the character before (``(?<![\w*\\])\*{1,3}``
# is written ``\*(?<![\w*\\]\*)\*{0,2}``): re then tries the pattern only at a * or _, not everywhere.
_EMPHASIS = re.compile(r"\*(?<![\w*\\]\*)\*{0,2}(?=[^\s*])|\*(?<=[^\s*\\]\*)\*{0,2}(?![\w*])"
                       r"|_(?<![\w\\]_)_{0,2}(?=\w)|_(?<=\w_)_{0,2}(?!\w)")


def unemphasised(text: str) -> str:
    """``text`` with Markdown's emphasis marks turned into spaces (its length kept: offsets hold)."""
    if "*" not in text and "_" not in text:
        return text
    return _EMPHASIS.sub(lambda m: " " * len(m.group()), text)


def _start_of(block: MathBlock) -> int:
    """The sort key of blocks in a passage."""
    return block.start


def marked_block(block: MathBlock, macros: dict | None) -> Marked | None:
    """Prose written inside a math block (CJK text, \\text{…}), or None when it has none."""
    if not has_wide(block.text) and "\\text" not in block.text:
        return None
    if not _INNER_HINT.search(block.text) and not (may_contain(block.text, _ASSUMPTION_WORDS) and ASSUMPTION_HINTS.search(block.text)):
        return None  # ("\text{for symmetric } W" in an aligned row states an assumption)
    try:
        tokens = expand(tokenize(block.text), macros or {})
    except LexError:
        return None
    out: list[str] = []
    offs: list[int] = []
    pieces: list[Piece] = []
    marks: list[int] = []
    run: list = []

    def flush() -> None:
        nonlocal run
        if run:
            marks.append(len(offs))
            out.append(MARK)
            start, end = block.file_offset(run[0].start), block.file_offset(run[-1].end)
            offs.append(start)
            pieces.append(Piece(block, start, end, False, tokens=run))
            run = []

    def add_text(value: str, start: int) -> None:
        out.append(value)
        offs.extend(block.file_offset(start + k) for k in range(len(value)))

    i, n = 0, len(tokens)
    has_prose = False
    while i < n:
        t = tokens[i]
        if t.kind == TEXT:
            flush()
            add_text(block.text[t.start : t.end], t.start)
            has_prose = True
        elif t.kind == CMD and t.value in ("text", "mbox", "textrm", "textit", "textnormal") and i + 1 < n and tokens[i + 1].is_char("{"):
            depth, j = 0, i + 1
            while j < n:
                if tokens[j].is_char("{"):
                    depth += 1
                elif tokens[j].is_char("}"):
                    depth -= 1
                    if depth == 0:
                        break
                j += 1
            if j >= n:
                break
            flush()
            inner_start, inner_end = tokens[i + 1].end, tokens[j].start
            add_text(" " + block.text[inner_start:inner_end] + " ", inner_start)
            has_prose = True
            i = j
        elif t.kind == CMD and t.value in ("\\", "newline", "cr"):
            flush()
            add_text("\n", t.start)
        elif t.kind == CMD and t.value in ("begin", "end") and i + 1 < n and tokens[i + 1].is_char("{"):
            flush()  # \end{align} after "\text{for symmetric } W" is not part of W
            add_text("\n", t.start)
            while i + 1 < n and not tokens[i].is_char("}"):
                i += 1
        elif t.kind == CMD and t.value in ("quad", "qquad", "Rightarrow", "implies", "therefore", "because"):
            flush()
            add_text(" ", t.start)
        elif t.kind == CHAR and t.value == "&":
            pass
        else:
            if run and (t.kind == CHAR and t.value in ",，"):
                flush()
                add_text(",", t.start)
            else:
                run.append(t)
        i += 1
    flush()
    if not has_prose:
        return None
    offs.append(block.file_offset(len(block.text)))
    return Marked(simplified("".join(out)), offs, pieces, marks, block.source, block.passage, rows_break=True)


# ---------------------------------------------------------------------------
# what is said

@dataclass
class Said:
    """One statement found in prose, before it becomes a Declaration or ProseStatement."""

    subject: Piece | str  # a piece of math, or a bare letter's key
    kind: str | None
    shape: Shape | None
    props: frozenset[str]
    start: int  # source offsets of the words
    end: int
    condition: bool
    via_result: bool = False  # "结果是…": the subject is the derivative of the display above
    expression: bool = False  # "X 的计算结果为标量": the subject is an expression even if a symbol
    respectively: bool = False
    prefix: bool = False  # the noun came first ("矩阵 $A$", "a matrix $A$")


# A subject is MARK, a lone Latin letter (with a subscript) or a Greek letter. Each subject pattern
# starts with one character class and tells the cases apart by looking back at that character:
# re then skips every position whose character is not in the class (in C) instead of trying
# the whole pattern there. ``(?<![…][A-Za-z])`` after the letter is ``(?<![…])`` before it.
_CJK_LETTER = r"(?<=[A-Za-z])(?<![A-Za-z0-9_\\][A-Za-z])(?:_\{?[A-Za-z0-9]+\}?|_[A-Za-z0-9])?(?![A-Za-z0-9])"
_SUBJ_CN = rf"(?:[{MARK}A-Za-zα-ωΑ-Ω](?:(?<=[{MARK}α-ωΑ-Ω])|{_CJK_LETTER}))"
_SUBJS_CN = rf"{_SUBJ_CN}(?:\s*(?:、|和|与|及|以及)\s*{_SUBJ_CN})*"  # a comma may end a clause
_VERB_CN = alternation(ADVERBS_BEFORE_VERB_ZH) + r"?\s*" + alternation(VERBS_ZH + VERBS_JA)
_NOUN_CN = alternation(KIND_NOUNS_ZH)
_SUFFIX_CN = alternation(NOUN_SUFFIXES_ZH) + "?"  # "x 为列向量变量"
_MODIFIERS_CN = re.compile(alternation(MODIFIER_NOUNS_ZH))
_ADJ_CN = alternation(PROPERTIES_ZH + SYMMETRIC_NOUNS_ZH)
_ANY_NOUN_CN = re.compile(_NOUN_CN)
_ANY_ADJ_CN = re.compile(_ADJ_CN)
_PLAIN_VERBS_CN = VERBS_ZH + VERBS_JA  # PRED_CN needs one of them: a quick test before it runs
_TERM_CN = r"(?=\s*(?:[，。,.;；:：、)）!！?？\n（(]|$|时|且|并|而|则|所以|因此|\\\\|" + "|".join(TERMS_JA) + "))"
_NOT_OR = r"(?!\s*(?:或|或者|还是|\bor\b))"
PRED_CN = re.compile(
    rf"(?P<subj>{_SUBJS_CN})\s*(?P<conn>的(?:计算|运算)?结果)?\s*(?P<verb>{_VERB_CN})"
    rf"(?P<between>[^，。,;；:：、（）()\n]{{0,24}}?)(?P<noun>{_NOUN_CN}){_SUFFIX_CN}{_TERM_CN}{_NOT_OR}"
)
ADJ_CN = re.compile(  # "A 对称", "X 对称正定时", "A 为对称且可逆的": a run of adjectives
    rf"(?P<subj>{_SUBJS_CN})\s*(?P<verb>{_VERB_CN})?\s*(?P<between>{_ADJ_CN}(?:\s*(?:、|和|且|并且|与|及)?\s*{_ADJ_CN})*)(?:的)?"
    rf"{_TERM_CN}{_NOT_OR}"
)
PREFIX_CN = re.compile(
    rf"(?P<between>(?:{_ADJ_CN}|方|单位)?)(?P<noun>{_NOUN_CN})\s*(?P<subj>{_SUBJ_CN})"
    rf"(?!\s*(?:[,，、]\s*{_SUBJ_CN}\s*)*(?:的(?:计算|运算)?结果)?\s*{_VERB_CN})"
)
_PREFIX_REACH = 3  # the longest word before PREFIX_CN's noun: 半正定, 非奇异
RESULT = re.compile(
    rf"{MARK}[\s。.,，:：]*(?P<word>结果|其结果|the result)\s*(?:就|也|则)?\s*(?:变成了|变成|成了|变为|就是|是|为|is)\s*"
    rf"(?:一个|an?)?\s*(?P<between>[^，。,;；:：\n]{{0,12}}?)(?P<noun>{_NOUN_CN}|(?:row|column)\s+vector|vector|matrix|scalar)"
    rf"(?=\s*(?:[，。,.;；:：)）!！?？\n]|$))"
)

# a capital other than I ("A" only before is/are/be), led by no word character; begins as _SUBJ_CN does
_GREEK_CAPITALS = "".join(letter for letter in GREEK if letter.isupper())  # Σ Λ Φ …: subjects as capitals are
_EN_LETTER = rf"(?<![\w\\$'’./^*+-][A-HJ-Z{_GREEK_CAPITALS}])(?:(?<=[B-HJ-Z{_GREEK_CAPITALS}])|(?<=A)(?=\s+(?:is|are|be)\b))(?![\w'’-])"
_SUBJ_EN = rf"(?:[{MARK}A-HJ-Z{_GREEK_CAPITALS}](?:(?<={MARK})|{_EN_LETTER}))"  # a capital, Latin or Greek (GREEK)
_SUBJS_EN = rf"{_SUBJ_EN}(?:\s*(?:,\s*(?:and\s+)?|\s+and\s+)\s*{_SUBJ_EN})*"
_SUBJ_EN2 = rf"(?:{MARK}|(?<![\w\\$])[b-zA-HJ-Z](?![\w'’^_$]))"
_SUBJS_EN2 = rf"{_SUBJ_EN2}(?:\s*(?:,\s*(?:and\s+)?|\s+and\s+)\s*{_SUBJ_EN2})*"
_D_EN = rf"(?:{MARK}|\d+|[a-zA-Z](?:'|_\w)?)"
_SIZE_EN = (
    rf"(?:{_D_EN}\s*(?:×|\\times|x|X|-?by-?)\s*{_D_EN}\s*-?\s*|{_D_EN}\s*-\s*(?:dimensional\s+)?|"  # n×1, n-by-n
    rf"{_D_EN}\s+dimensional\s+|{MARK}\s*)"  # a size as math may end the phrase ("Let $A$ be $m \times n$.")
)
_ADJ_EN = alternation(PROPERTIES_EN + OTHER_ADJECTIVES_EN)
# adjectives before a noun, each alone or in brackets: "a (symmetric) matrix", "the square, invertible matrix"
_ADJS_EN = rf"(?:\(\s*{_ADJ_EN}(?:\s+{_ADJ_EN})*\s*\)\s*|{_ADJ_EN}(?:\s*,\s*|\s+and\s+|\s+))*"
_CASED = list(map(either_case, SYMMETRIC_NOUNS))  # "Hessian", "hessian"
_MATRIX_NOUN_EN = alternation(_CASED) + r"\s+matri(?:x|ces)"  # "covariance matrix", "Gram matrix"
_ALONE_EN = list(map(either_case, SYMMETRIC_NOUNS_ALONE))
# a covariance, a Hessian: a symmetric matrix (SYMMETRIC_NOUNS)
_NOUN_EN = alternation((_MATRIX_NOUN_EN, "matrix", "matrices", "vectors?", "scalars?", "constants?") + tuple(w + "s?" for w in _ALONE_EN))
# one word naming what a matrix or vector is for, between the adjectives and the noun ("a symmetric
# covariance matrix", "the weight vector"): read for the properties EXTRA_PROPS gives it
_EXTRA_EN = (r"(?!" + alternation(("matri", "vector", "scalar", "constant") + tuple(_CASED) + ("non", "un", "anti", "skew", "semi"))
             + r")[a-z]{3,}")  # no hyphen: not "non-symmetric"
EXTRA_PROPS = [("covariance", "symmetric")]  # what such a word says of the matrix
_TERM_EN = (
    r"(?=\s*(?:[,.;:()!?]|$|\n|\s(?:and|with|where|whose|that|which|in|for|such|so|then|if|when|here|as|"
    r"because|since|while|but|to|the|this|it|we|one|its|our)\b))"  # "when B is symmetric the gradient …"
)
_MODAL_BE = rf"{alternation(MODALS_EN)}\s+(?:(?:both|all|each|also|always)\s+)?be"  # "must both be"
PRED_EN = re.compile(
    rf"(?P<subj>{_SUBJS_EN})(?:\s*=\s*[^\s,;:$=]{{1,40}})?\s+(?P<verb>is|are|be|{_MODAL_BE})\s+(?P<neg>(?:not|never)\s+)?"  # "C = ZᵀZ/N is …" in plain text
    r"(?:also\s+|always\s+|itself\s+|(?:assumed|supposed|taken|required)(?:\s+to\s+be)?\s+|just\s+|simply\s+|now\s+|(?<=are\s)(?:both|all|each)\s+)?(?:(?:an?|the|some|any)\s+)?"
    rf"(?P<size>{_SIZE_EN})?(?P<adjs>(?:{_ADJ_EN}(?:\s*,\s*|\s+and\s+|\s+)?)*)"
    rf"(?:(?<=\s)(?P<size3>{_SIZE_EN})(?={_NOUN_EN}\b))?"  # "a symmetric $n \times n$ matrix": the size after the adjectives
    rf"(?:(?P<extra>{_EXTRA_EN})(?:\s+(?={_NOUN_EN}\b)|(?<=[a-z])(?={_TERM_EN})))?(?P<noun>{_NOUN_EN})?"  # "… definite weight."
    rf"(?:(?<=essian|matrix)\s+of\s+(?!(?:size|shape|dimensions?|rank)\b)(?:the\s+)?(?:{MARK}|[\w-]+(?:/[\w-]+)*))?"  # "H is the Hessian of $f$": whose Hessian says nothing of H's kind
    rf"(?:\s+of\s+(?:size|shape|dimensions?)\s+(?P<size2>{_D_EN}\s*(?:×|\\times|x|X|by)\s*{_D_EN}|{MARK}))?"
    rf"(?:\s+(?:of|with)\s+(?:full\s+)?(?:column\s+|row\s+)?rank(?:\s+(?:{MARK}|[a-z]\b))?)?"  # "… matrix of rank $p$"
    rf"(?:(?<=[a-z])\s*,\s*(?P<adjs2>{_ADJ_EN}(?:(?:\s*,\s*|\s+and\s+|\s+){_ADJ_EN})*))?{_TERM_EN}"  # "… the covariance, symmetric positive definite"
)
# a clause that leaves out its verb after one that has it: "Let $X$ be an $n×m$ matrix, $U$ an $n×r$
# matrix and $V$ an $r×m$ matrix"; also "for $U$ an orthogonal matrix" (the article and noun are needed)
ELLIPTIC_EN = re.compile(
    rf"(?:,|\band\b|\bfor\b|\bwith\b)\s*(?P<subj>{_SUBJS_EN})\s+(?:an?|the)\s+(?P<size>{_SIZE_EN})?"
    rf"(?P<adjs>(?:{_ADJ_EN}(?:\s*,\s*|\s+and\s+|\s+)?)*)(?:(?P<extra>{_EXTRA_EN})\s+(?={_NOUN_EN}\b))?"
    rf"(?P<noun>{_NOUN_EN}){_TERM_EN}"
)
_SUBJ_RE = {(False, True): re.compile(_SUBJ_CN), (True, True): re.compile(_SUBJ_EN), (True, False): re.compile(_SUBJ_EN2)}
_PREFIX_NOUN_EN = alternation((_MATRIX_NOUN_EN,) + tuple(_ALONE_EN) + ("matrix", "matrices", "vectors?", "scalars?"))
PREFIX_EN = re.compile(
    rf"\b(?:an?|the|any|some|each|every|given|for)\s+(?P<size>{_SIZE_EN})?(?P<adjs>{_ADJS_EN})"
    rf"(?:(?<=\s)(?P<size3>{_SIZE_EN})(?=matri|vector|scalar|covariance))?"
    rf"(?:(?P<extra>{_EXTRA_EN})\s+)?(?P<noun>{_PREFIX_NOUN_EN})\s+(?P<subj>{_SUBJS_EN2})"
)

# a covariance noun and the math right after it, with at most a verb or a colon between (COVARIANCE_NOUNS_*)
_MARKS = rf"{MARK}(?:\s*(?:,|，|、|和|与|及|以及|\band\b)\s*{MARK})*"
_COVARIANCE_EN = alternation(map(either_case, COVARIANCE_NOUNS_EN))
NAMED_COVARIANCE_EN = re.compile(  # not "cross-covariance $P_{xy}$", "cross covariance $C$": no square matrix
    rf"(?<![\w-])(?<![Cc]ross\s){_COVARIANCE_EN}(?:s|\s+matri(?:x|ces))?\s*(?:(?:is|are|:|=)\s*)?(?P<subj>{_MARKS})"
)
# the symbols before a noun of a symmetric matrix (words.COVARIANCE_NAMING_VERBS_EN …): "Σ is the covariance
# of x", "$P$ is the prior covariance and $R$ the measurement noise covariance", "Σ, the covariance of x,",
# "K denotes the kernel matrix", "H the Hessian of the loss"
_ARTICLE_EN = alternation(COVARIANCE_ARTICLES_EN)
_BETWEEN_EN = rf"(?:(?!{alternation(COVARIANCE_BREAKERS_EN)}\b)[A-Za-z][\w-]*\s+){{0,3}}"
_SYMMETRIC_NOUN_EN = alternation((rf"{alternation(_ALONE_EN)}(?:s|\s+matri(?:x|ces))?",
                                  rf"{alternation(map(either_case, SYMMETRIC_NOUNS_BEFORE_MATRIX))}\s+matri(?:x|ces)"))
SYMMETRIC_NAMED_AFTER_EN = re.compile(
    rf"(?P<subj>{_MARKS})\s*(?:,\s*)?(?:{alternation(COVARIANCE_NAMING_VERBS_EN)}\s+(?:{_ARTICLE_EN}\s+)?|{_ARTICLE_EN}\s+)"
    rf"{_BETWEEN_EN}(?<![\w-]){_SYMMETRIC_NOUN_EN}\b(?![\w'’-]|\s+{alternation(COVARIANCE_NOT_A_MATRIX_EN)}\b)"
)
NAMED_COVARIANCE_ZH = re.compile(
    rf"{alternation(COVARIANCE_NOUNS_ZH)}(?:矩阵|阵)?\s*(?:分别)?\s*(?:为|是|：|:)?\s*(?P<subj>{_MARKS})"
)
# ... in Chinese, with at most a few characters between the verb and the noun (its owner, "$x$ 的", or
# a modifier, "观测噪声的"), none of them a sentence's end or a word that makes it no covariance
SYMMETRIC_NAMED_AFTER_ZH_RE = re.compile(
    rf"(?P<subj>{_MARKS})\s*(?:{alternation(NAMING_VERBS_ZH)})\s*(?:(?!{alternation(COVARIANCE_BREAKERS_ZH + NAMING_VERBS_ZH)})"
    rf"[^，。,.;；:：\n]){{0,30}}?(?<!互|叉){alternation(SYMMETRIC_NAMED_AFTER_ZH)}"
    rf"(?!矩阵|阵)(?!\s*(?:{MARK}|的|之))"  # "$b$ 是协方差矩阵 $S$ 的特征向量": the noun only names S, b is something of it
)
# a shape stated with the word for shape ("$A$ 的形状是 $n \times n$", "$A$ 的大小为 …", "$A$ has shape $n \times n$",
# "$A$ is of size $m \times n$"): the subject, then the size as math
SHAPE_WORDS_ZH = ("形状", "大小", "维度", "尺寸", "维数")
SHAPE_STATED = (
    # "$A$ 的形状是 $n×n$", "$A$ 非奇异, 形状为 $m×m$" (other words about it between, no other math)
    re.compile(rf"(?P<subj>{MARK})[^{MARK}。.;；\n]{{0,16}}?(?:的)?\s*{alternation(SHAPE_WORDS_ZH)}\s*(?:都|均)?\s*(?:是|为)\s*(?P<size>{MARK})"),
    re.compile(rf"(?P<subj>{MARK})\s*(?:has|have|is\s+of|are\s+of)\s+(?:the\s+)?(?:shape|size|dimensions?)\s+(?P<size>{MARK})", re.I),
)
# a notation list that gives a size after a colon: "* $Z$: $n \times q$ design matrix", "$X$：$n×p$"
SIZE_AFTER_COLON = re.compile(rf"(?P<subj>{MARK})\s*[:：]\s*(?P<size>{MARK})")
_SHAPE_HINT_WORDS = SHAPE_WORDS_ZH + ("shape", "size", "dimension")
_SHAPE_WORD_HINT = re.compile(alternation(_SHAPE_HINT_WORDS), re.I)
_COVARIANCE_HINT_WORDS = tuple(dict.fromkeys(
    COVARIANCE_NOUNS_ZH + COVARIANCE_NOUNS_EN + SYMMETRIC_NOUNS + tuple(_plain(w) for w in SYMMETRIC_NAMED_AFTER_ZH)))
_COVARIANCE_HINT = re.compile(alternation(_COVARIANCE_HINT_WORDS), re.I)
# the two hints above looked for in the lowered text (Marked.finds): re.I finds words slowly
_SHAPE_WORDS = _plain_words(re.compile("|".join(_SHAPE_HINT_WORDS), re.I))
_COVARIANCE_WORDS = _plain_words(re.compile("|".join(_COVARIANCE_HINT_WORDS), re.I))

# a matrix named as made from another ("where $C$ is the cofactor matrix of $X$", "$A^*$ 为伴随矩阵",
# words.DERIVED_MATRIX_NOUNS_*): its value is given in words only (core reads it as an unread definition)
DERIVED_HINT = re.compile(alternation(DERIVED_MATRIX_NOUNS_EN + DERIVED_MATRIX_NOUNS_ZH), re.I)
DERIVED_WORDS = _plain_words(re.compile("|".join(DERIVED_MATRIX_NOUNS_EN + DERIVED_MATRIX_NOUNS_ZH), re.I))  # in the lowered text (Marked.finds)
DERIVED_NAMED = re.compile(
    rf"(?P<subj>{MARK})\s*(?:is|are|be|denotes?|stands\s+for|为|是|表示|代表)\s*(?:the\s+|its\s+|a\s+|an\s+)?"
    rf"(?:[^{MARK}.。;；\n]{{0,12}}?)(?:{alternation(DERIVED_MATRIX_NOUNS_EN + DERIVED_MATRIX_NOUNS_ZH)})", re.I)
_GAUSSIAN_HINT = re.compile(r"N\s*\}?\s*(?:\\left\s*)?\(|Normal\s*\(")  # N(…, …), \mathcal{N}(…), \mathcal N\left(…
# 当|若|如果|假如|倘若|只要|\b(?:if|when|whenever|assuming|provided)\b, written to begin with the class of the
# words' first characters (see _SENTENCE_END; words.word_start_gate): the same matches, in a quarter of the time
_CONDITION = re.compile(r"[当若如假倘只iwap](?:(?<=当)|(?<=若)|(?<=如)果|(?<=假)如|(?<=倘)若|(?<=只)要|"
                        r"(?<!\w.)(?:(?<=i)f|(?<=w)hen|(?<=w)henever|(?<=a)ssuming|(?<=p)rovided)\b)", re.I)
_CONDITION_WORDS = words_pattern("当", "若", "如果", "假如", "倘若", "只要", "if", "when", "whenever", "assuming", "provided")
# words around an inline AB = BA that make it a claim rather than an assumption ("in general $AB = BA$
# holds", "we always have", "总有", "恒成立"): data, both languages
COMMUTING_CLAIMED = re.compile(
    r"\b(?:in\s+general|always|holds?|for\s+(?:all|any|every))\b|一般|总有|总是|恒有|恒成立|都有|成立", re.I)
_NEGATION_CN = re.compile(r"[不无没未否]|并非|而非")
_NEGATION_EN = re.compile(r"\b(?:not|no|nothing|never|whether|unless|neither|nor|without|regardless)\b|n't", re.I)

CN_PROPS = [("反对称", "skew_symmetric"), ("半正定", "positive_semidefinite"), ("正定", "positive_definite"), ("对称", "symmetric"),
            ("可逆", "invertible"), ("非奇异", "invertible"), ("正交", "orthogonal"), ("旋转", "orthogonal"), ("对角", "diagonal"), ("三角", "triangular"), ("下三角", "lower_triangular"),
            ("海森", "symmetric"), ("黑塞", "symmetric"), ("essian", "symmetric"), ("协方差", "symmetric"),
            ("单位矩阵", "identity"), ("单位阵", "identity"), ("单位向量", "unit"), ("方阵", "square"), ("常", "constant"),
            # Hermitian: symmetric, as the real matrices derivlint draws are (^H is read as a transpose)
            ("厄米", "symmetric"), ("埃尔米特", "symmetric"), ("Hermitian", "symmetric"), ("hermitian", "symmetric"),
            ("幂等", "idempotent"), ("投影", "projection")]  # fmt: skip
EN_PROPS = [("semi", "positive_semidefinite"), ("positive", "positive_definite"), ("symmetric", "symmetric"),
            ("invertible", "invertible"), ("singular", "invertible"), ("orthogonal", "orthogonal"),
            ("orthonormal", "orthogonal"), ("rotation", "orthogonal"),  # a rotation matrix is orthogonal
            ("symmetry", "symmetric"),
            ("spd", "positive_definite"), ("spd", "symmetric"), ("psd", "positive_semidefinite"), ("psd", "symmetric"),
            ("diagonal", "diagonal"), ("triangular", "triangular"), ("lower", "lower_triangular"), ("square", "square"), ("constant", "constant"), ("unit", "unit"),
            ("skew", "skew_symmetric"), ("antisymmetric", "skew_symmetric"), ("anti-symmetric", "skew_symmetric"),
            ("hermitian", "symmetric"), ("self-adjoint", "symmetric"), ("idempotent", "idempotent"),
            # a projection matrix not said to be orthogonal: the hat matrix, or PCA's W with orthonormal
            # columns; which one the word does not say (truth._not_a_mistake)
            ("projection", "projection"), ("projector", "projection")]  # fmt: skip
_SQUARE_PROPS = {"symmetric", "invertible", "orthogonal", "identity", "positive_definite", "positive_semidefinite",
                 "skew_symmetric", "triangular", "lower_triangular"}  # fmt: skip
# an orthogonal projection (正交投影) is symmetric and idempotent, and no orthogonal matrix (_props)
_ORTHOGONAL_PROJECTION = re.compile(r"orthogonal[- ]project(?:ion|or)s?|正交投影", re.I)

# "B = B^T", "B^T = B" typed in the prose without math delimiters: B is symmetric (a capital letter
# alone on each side; the transpose as ^T, ^{T}, ^\top or ^⊤)
_PLAIN_T = r"\s*\^\s*(?:\{\s*(?:T|\\top)\s*\}|T|\\top|⊤)"
PLAIN_SYMMETRIC = re.compile(
    rf"(?<![\w\\^_])(?P<a>[A-Z])\s*=\s*(?P=a){_PLAIN_T}(?![\w^_{{])|(?<![\w\\^_])(?P<b>[A-Z]){_PLAIN_T}\s*=\s*(?P=b)(?![\w^_])")

# ---------------------------------------------------------------------------
# assumptions the other patterns do not read: property words after a declaration in a notation
# list ("Σ ∈ ℝ^{d×d}, symmetric"), an adjective with no noun ("for symmetric A"), and what a note
# denies ("A is not symmetric", "非对称"), kept as ``not_<prop>`` (truth.denied). One table per
# language; each pattern has a subj group and a words group read with the language's property table.
_PROP_EN = alternation(PROPERTIES_EN + (UNIT_EN,))
_PROPS_EN = rf"{_PROP_EN}(?:\s*(?:,\s*(?:and\s+)?|\s+and\s+|\s+)\s*{_PROP_EN})*"
_PROP_CN = _ADJ_CN  # the same words: a property said after its subject, or before it
# A remark right after a formula that gives a property and no subject ("（因为对称）", "(since symmetric)",
# "(by symmetry)", "(covariance matrix)"): the property of the formula's matrices (remark_props).
_REMARK = re.compile(
    rf"^[ \t]*[（(][ \t]*(?:因为|由于|因|由|since|as|because|by|for)?[ \t]*(?:它|它们|是|为|it\s+is|they\s+are|(?-i:[A-Z])(?:_\w)?\s+(?:is\s+)?)?[ \t]*"
    rf"(?P<words>{_PROPS_EN}|symmetry|covariance|协方差|{_PROP_CN}(?:[ \t]*(?:、|和|且)?[ \t]*{_PROP_CN})*)[ \t]*(?:matri(?:x|ces)|矩阵|阵|的)?[ \t]*[)）]",
    re.I,
)


REMARK_REACH = 60  # how many characters after a formula a remark is read in

# Words inside the math right after a declaration that go on about the declared symbol
# ("M \in \mathbb{R}^{k \times k} \text{ and is symmetric}", "A \in \mathbb{R}^{n\times n}\text{，且对称}")
_TRAILING = re.compile(rf"^\s*[,，]?\s*(?:and\s+|且|并且)?\s*(?:(?:is|are|be)\s+|为|是)?(?:both\s+|also\s+)?"
                       rf"(?P<words>{_PROPS_EN}|{_PROP_CN}+)", re.I)


def trailing_props(words: str) -> frozenset[str]:
    """The properties words right after a declaration in its math give the declared symbol."""
    match = _TRAILING.match(words)
    if match is None:
        return frozenset()
    said = match.group("words").lower()
    return frozenset(_props(said, EN_PROPS) | _props(said, CN_PROPS))

# A condition that names no symbol, in the words leading into a formula ("for symmetric matrices
# this becomes", "in the symmetric case:", "当矩阵对称时", "对于对称矩阵"): the property of the
# formula's matrices (subjectless_props). One pattern per language, each with a words group.
SUBJECTLESS = [
    (re.compile(rf"\b(?:for|with|in)\s+(?:(?:an?|any|all|the)\s+)?(?P<words>{_PROPS_EN})\s+(?:square\s+)?"
                rf"(?:matri(?:x|ces)|case)\b|\b(?:if|when|whenever|once)\s+the\s+matri(?:x|ces)\s+(?:is|are)\s+"
                rf"(?:also\s+)?(?P<words2>{_PROPS_EN})\b", re.I), EN_PROPS),
    (re.compile(rf"(?:对于|对|当|若|如果|在)\s*(?:实)?(?P<words>{_PROP_CN}+)\s*(?:矩阵|阵|方阵|的?情[况形])|"
                rf"(?<![非不无反半])(?P<words3>{_PROP_CN}+)的?情[况形]下?|"
                rf"(?:当|若|如果)\s*(?:该)?矩阵\s*(?:为|是)?\s*(?P<words2>{_PROP_CN}+)"), CN_PROPS),
]
LEAD_IN_REACH = 160  # how many characters before a formula the words leading into it are read in


def subjectless_props(before: str) -> frozenset[str]:
    """The properties a condition with no subject gives the matrices of the formula that
    ``before`` (the words right before it, in its sentence or the paragraph leading into it)
    leads into, or none. Only the last sentence is read."""
    tail = _SENTENCE_END.split(before[-LEAD_IN_REACH:].rstrip(" \t\n:：,，"))[-1]
    props: set[str] = set()
    for pattern, table in SUBJECTLESS:
        for match in pattern.finditer(tail):
            if _NEGATION_EN.search(match.group(0)) or _NEGATION_CN.search(match.group(0).replace("对于", "")):
                continue
            said = next((w for w in (match.groupdict().get(g) for g in ("words", "words2", "words3")) if w), "")
            props |= _props(said.lower(), table)
    return frozenset(props - {"square", "constant"})


def remark_props(after: str) -> frozenset[str]:
    """The properties a remark right after a formula (``after``: its first REMARK_REACH
    characters are read) gives its matrices, or none."""
    match = _REMARK.match(simplified(after[:REMARK_REACH]))
    if match is None:
        return frozenset()
    words = match.group("words").lower().replace("symmetry", "symmetric").replace("covariance", "symmetric").replace("协方差", "对称")
    props = _props(words, EN_PROPS) | _props(words, CN_PROPS)
    return frozenset(props - {"square", "constant"})


ASSUMPTIONS_EN = [
    # "using the symmetry of $\Sigma$", "by the symmetry of A": the property named as a noun, used
    (re.compile(rf"\b(?:using|by|from|exploiting|given|with|since|because\s+of|due\s+to)\s+(?:the\s+)?(?P<words>symmetry)\s+of\s+(?:the\s+(?:matrix\s+)?)?(?P<subj>{MARK}|(?-i:{_SUBJ_EN}|A(?![\w'’-])))", re.I), False),
    # "$\Sigma \in \mathbb{R}^{d\times d}$, symmetric": a declaration, then its properties
    (re.compile(rf"(?P<subj>{MARK})\s*(?:,\s*(?:and\s+)?|\s)(?:both\s+)?(?P<words>{_PROPS_EN})(?=\s*(?:[,.;:)]|$|\n|\s(?:and|with|where|matri)))", re.I), False),
    # "(W symmetric)" beside a formula, its words read without their $: a capital letter, then the property, alone
    (re.compile(rf"^\s*(?P<subj>(?-i:[A-Z]))\s+(?P<words>{_PROPS_EN})\s*$", re.I), False),  # alone, A is no article
    # "for symmetric $J$", "any orthogonal $Q$", "for symmetric A": the adjective with no noun (after
    # an adjective, or after "with", a capital A is no article)
    (re.compile(rf"\b(?:for|any|every|all|each|given|some)\s+(?:(?:an?|the|any)\s+)?(?P<words>{_PROPS_EN})\s+(?:(?:square\s+)?matri(?:x|ces)\s+)?(?P<subj>{MARK}|(?-i:{_SUBJ_EN}|A(?![\w'’-])))", re.I), False),
    # "and symmetric matrix $C$", "given vectors $a$, $b$ and positive definite matrix $Q$": the property
    # and the noun before the symbol, with no article (the last of a list of givens)
    (re.compile(rf"(?<![\w-])(?P<words>{_PROPS_EN})\s+(?:square\s+)?matri(?:x|ces)\s+(?P<subj>{MARK})", re.I), False),
    # "assuming $B$ symmetric", "with B symmetric", "requires $A$ to be symmetric", "Assume $B$ and $C$ to be
    # symmetric": a condition with no verb
    (re.compile(rf"\b(?P<cond>assum(?:ing|ed?|es)|suppos(?:ing|ed?|es)|with|taking|for|requir(?:es?|ing)|needs?)\s+(?P<subj>{_MARKS}|(?-i:{_SUBJ_EN}|A(?![\w'’-])))\s+(?:to\s+be\s+)?(?:both\s+)?(?P<words>{_PROPS_EN})(?=\s*(?:[,.;:)]|$|\n|\s(?:and|we|the|this|it|one|then|gives?|yields?|becomes?|reduces|simplifies|matri|above|below|here|throughout)))", re.I), False),
    # "$A$ and $B$ (both symmetric)", "$\Sigma$ (symmetric positive definite)", and after the noun the
    # symbol is said to be: "$\Sigma$ is the covariance (symmetric positive definite)"
    (re.compile(rf"(?P<subj>{_MARKS})(?:\s+(?:is|are|be|denotes?)\s+(?:an?\s+|the\s+)?(?:[a-z][\w-]*\s+){{0,3}}[a-z][\w-]*)?"
                rf"\s*[(（]\s*(?:(?:both|all|each)\s+)?(?:(?:is|are)\s+)?(?P<words>{_PROPS_EN})(?:\s+matri(?:x|ces))?\s*[)）]", re.I), False),
    # "$A$ is not symmetric", "a non-symmetric matrix $A$", "$A$ (not necessarily symmetric)"
    (re.compile(rf"(?P<subj>{MARK})\s*,?\s*(?:(?:which|that)\s+)?(?:(?:is|are)\s+)?(?:not|never)\s+(?:an?\s+)?(?:necessarily\s+)?(?P<words>{_PROPS_EN})", re.I), True),
    (re.compile(rf"\b(?:an?|the)\s+(?:non-?|a)(?P<words>symmetric)\s+(?:square\s+)?matrix\s+(?P<subj>{MARK})", re.I), True),
    (re.compile(rf"(?P<subj>{MARK})\s*(?:,\s*)?(?:is\s+)?(?:non-?|a)(?P<words>symmetric)\b", re.I), True),
]
ASSUMPTIONS_CN = [
    # "$A$ 不是对称矩阵", "$A$ 不对称", "$A$ 为非对称矩阵", "非对称矩阵 $A$"
    (re.compile(rf"(?P<subj>{MARK})\s*(?:并)?(?:不是|不为|不|非|为非|是非)\s*(?P<words>{_PROP_CN})"), True),
    (re.compile(rf"(?:非|不)(?P<words>{_PROP_CN})(?:的)?(?:矩阵|方阵|阵)\s*(?P<subj>{MARK})"), True),
    # "$A$、$B$（均对称）", "$\Sigma$（对称正定）": the properties in brackets after the symbols
    (re.compile(rf"(?P<subj>{_MARKS})\s*[（(]\s*(?:均|都|皆)?\s*(?:为|是)?\s*(?P<words>{_PROP_CN}+)(?:矩阵|阵)?\s*[)）]"), False),
    # "$\Sigma \in \mathbb{R}^{d\times d}$，对称": a declaration, then its properties
    (re.compile(rf"(?P<subj>{MARK})\s*[，,]\s*(?:且|并且)?\s*(?:为|是)?\s*(?P<words>{_PROP_CN}+)(?:矩阵|阵)?(?=\s*(?:[，。,.;；:：)）]|$|\n))"), False),
]
# Korean (words.PROPERTIES_KO): "$A$는 대칭행렬이다", "$A$가 대칭일 때", "대칭행렬 $A$", "$k\times k$ 대칭인 행렬
# $A$", "양의 정부호 행렬 $\Sigma$"; denied: "$A$는 대칭행렬이 아니다"
KO_PROPS = [("반대칭", "skew_symmetric"), ("양의 준정부호", "positive_semidefinite"), ("준정부호", "positive_semidefinite"),
            ("정부호", "positive_definite"), ("양정치", "positive_definite"), ("대칭", "symmetric"), ("가역", "invertible"),
            ("정칙", "invertible"), ("직교", "orthogonal"), ("대각", "diagonal"), ("삼각", "triangular"),
            ("정사각", "square"), ("정방", "square"), ("멱등", "idempotent"), ("에르미트", "symmetric")]  # fmt: skip
_PROP_KO = r"(?:양의\s*)?" + alternation(PROPERTIES_KO)
_PROPS_KO = rf"{_PROP_KO}(?:\s*(?:이고|이며|,|하고)?\s*{_PROP_KO})*"
_PARTICLE_KO = r"(?:는|은|이|가|도)"
_MATRIX_KO = r"(?:인\s*)?(?:정방\s*)?행렬"
ASSUMPTIONS_KO = [
    (re.compile(rf"(?P<subj>{_MARKS})\s*{_PARTICLE_KO}\s*(?P<words>{_PROPS_KO})\s*(?:{_MATRIX_KO})?\s*(?:이|가)?\s*(?:아니|아닌)"), True),
    (re.compile(rf"(?P<subj>{_MARKS})\s*{_PARTICLE_KO}\s*(?P<words>{_PROPS_KO})\s*(?:{_MATRIX_KO})?\s*"
                r"(?:이다|이고|이며|이라|이면|일\s*때|일\s*경우|인\s*경우|인\s*때|라고|라면|입니다|임)"), False),
    (re.compile(rf"(?P<words>{_PROPS_KO})\s*{_MATRIX_KO}\s*(?P<subj>{_MARKS})"), False),
]
# the assumption patterns whose subject is a MARK (no plain letter): skipped on a text without one
_NEEDS_MARK = frozenset(pattern for pattern, _ in ASSUMPTIONS_EN + ASSUMPTIONS_CN + ASSUMPTIONS_KO
                        if f"(?P<subj>{MARK})" in pattern.pattern or f"(?P<subj>{_MARKS})" in pattern.pattern)
# A declaration that only illustrates how sizes are written ("e.g. $M \in \mathbb{R}^{m \times n}$
# means M has m rows and n columns", "例如 $x \in \mathbb{R}^n$ 表示 x 有 n 个分量") declares no symbol
# of the note: words that introduce an example just before it, or a "means" followed, in the same
# sentence, by the words that spell a size out. Data, one table per language.
NOTATION_EXAMPLE_BEFORE = re.compile(
    r"(?:\be\.\s?g\.|\bfor\s+(?:example|instance)|\bsuch\s+as|\blike|例如|比如|譬如|如)\s*[:：,，]?\s*$", re.I)
NOTATION_MEANS_AFTER = re.compile(
    r"^\s*[,，]?\s*(?:means|denotes|indicates|says|signifies|stands\s+for|is\s+read\s+as|表示|意味着|代表|指|说明)"
    r"(?=[^.。;；\n]*?(?:\brows?\b|\bcolumns?\b|\bentries\b|\bcomponents\b|\belements\b|\bdimension|"
    r"\bby\b|行|列|维|分量|元素|个数))", re.I)

# ... and the words that spell it out right after the notation: "$M \in …$ means $M$ has m rows",
# "表示 $M$ 为 m 行 n 列的矩阵"; not "This means that $R$ must be positive definite", a statement
NOTATION_MEANS_BEFORE = re.compile(
    r"(?:\$|\\\)|\\\]|\})\s*[,，]?\s*(?:means|denotes|indicates|says|表示|意味着)\s*(?:that\s+)?$", re.I)


# ... the example words count only in a sentence about how symbols are typeset ("a capital letter
# is a matrix, e.g. …"); "For example, $A \in \mathbb{R}^{2 \times 3}$ and …" opens a worked example.
NOTATION_TYPOGRAPHY = re.compile(
    r"\b(?:letters?|lower-?case|upper-?case|capitals?|bold(?:face)?|italics?|symbols?|fonts?|typeset)\b"
    r"|字母|粗体|黑体|斜体|大写|小写|符号", re.I)


def illustrates_notation(before: str, after: str) -> bool:
    """Whether a declaration between ``before`` and ``after`` (the prose around its math, in
    its passage) is an example of the notation rather than a declaration of its symbol."""
    if NOTATION_MEANS_AFTER.search(after[:200]):
        return True
    sentence = _SENTENCE_END.split(before[-200:])[-1]
    return bool(NOTATION_EXAMPLE_BEFORE.search(sentence[-40:]) and NOTATION_TYPOGRAPHY.search(sentence))


def spells_out_notation(before: str) -> bool:
    """Whether prose saying what a symbol is follows a "means" ("$M \\in \\mathbb{R}^{m×n}$ 表示
    $M$ 为 m 行 n 列的矩阵"): the words explain the notation before them, not the symbol."""
    return bool(NOTATION_MEANS_BEFORE.search(before[-30:]))


def _cn_noun(noun: str) -> str:
    if noun == "行向量":
        return "row"
    if "向量" in noun or noun == "ベクトル":
        return "vector"
    if noun in ("标量", "纯量", "实数", "常数", "常量", "スカラー"):
        return "scalar"
    return "matrix"


def _props(words: str, table) -> set[str]:
    props: set[str] = set()
    if _ORTHOGONAL_PROJECTION.search(words):
        props |= {"idempotent", "symmetric"}
        words = _ORTHOGONAL_PROJECTION.sub("", words)
    for word, prop in table:
        if word in words:
            if prop == "positive_definite" and "positive_semidefinite" in props:
                continue
            props.add(prop)
            if table is EN_PROPS and word == "semi":
                continue
    if "positive" in words.lower() and "definite" not in words.lower():
        props.discard("positive_definite")
    if "skew_symmetric" in props:  # 反对称 and skew-symmetric hold the word for symmetric
        props.discard("symmetric")
    if props & _SQUARE_PROPS:
        props.add("square")
    return props


class Reader:
    """Finds statements in a marked text."""

    def __init__(self, marked: Marked):
        self.m = marked

    def run(self) -> list[Said]:
        out: list[Said] = []
        text = self.m.text
        # ADJ_CN needs an adjective, PREFIX_CN and PREFIX_EN a noun: most texts have none, and
        # re finds plain words fast (by their first characters), unlike patterns that begin
        # with a choice of subjects and are tried at every position. (Each hint is made of CJK
        # ideographs, so a text with one is Chinese.)
        if ZH_HINT.search(text):
            # PRED_CN needs a verb (是, 为) and a noun, both plain words
            if any(verb in text for verb in _PLAIN_VERBS_CN) and _ANY_NOUN_CN.search(text):
                for match in PRED_CN.finditer(text):
                    out.extend(self._cn(match, predicate=True))
            if _ANY_ADJ_CN.search(text):
                for match in ADJ_CN.finditer(text):
                    out.extend(self._cn(match, predicate=True, adjective=True))
            for match in _prefix_cn(text):
                out.extend(self._cn(match, predicate=False))
        if _has_en_hint(text):
            for match in PRED_EN.finditer(text):
                out.extend(self._en(match, predicate=True))
            if self.m.finds(_NOUN_WORDS_EN, NOUN_HINT_EN):  # what PREFIX_EN's nouns start with
                for match in PREFIX_EN.finditer(text):
                    out.extend(self._en(match, predicate=False))
                if MARK in text:
                    for match in ELLIPTIC_EN.finditer(text):
                        out.extend(self._en(match, predicate=True))
        # "for symmetric B", "(W symmetric)": plain letters may be subjects
        if self.m.finds(_ASSUMPTION_WORDS, ASSUMPTION_HINTS):
            out.extend(self._assumptions())
        if MARK in text and self.m.finds(_COVARIANCE_WORDS, _COVARIANCE_HINT):  # "协方差为 $P$ 和 $R$", "with covariance $P$"
            out.extend(self._named_covariances())
        if MARK in text:  # "drawn from $\mathcal{N}(m, C)$": C is a covariance
            out.extend(self._gaussian_covariances())
        if "=" in text and "^" in text:  # "if in addition B = B^T": an equation typed as plain text
            out.extend(self._plain_equations())
        # RESULT's words all hold "结果" or "the result"
        if MARK in text and self.m.finds(_SHAPE_WORDS, _SHAPE_WORD_HINT):  # "$A$ 的形状是 $n\times n$", "$A$ has shape $n \times n$"
            out.extend(self._shape_statements())
        if MARK in text and (":" in text or "：" in text):  # "* $Z$: $n \times q$ design matrix"
            out.extend(self._shape_statements((SIZE_AFTER_COLON,)))
        if MARK in text and ("结果" in text or "the result" in text):
            for match in RESULT.finditer(text):
                out.extend(self._result(match))
        return out

    # -- helpers -----------------------------------------------------------------
    def _subjects(self, span: tuple[int, int], english: bool, strict_en: bool = True) -> list[tuple[int, int]]:
        text = self.m.text
        pattern = _SUBJ_RE[(english, strict_en or not english)]
        out = []
        for s in pattern.finditer(text, span[0]):
            if s.end() > span[1]:
                break
            out.append((s.start(), s.end()))
        return out

    def _states(self, start: int, end: int) -> bool:
        """Whether the math marked at ``start`` says something itself (p ∈ ℝ^k, x = 1): a clause,
        not a subject waiting for its verb."""
        if self.m.text[start:end] != MARK:
            return False
        piece = self.m.piece_at(start)
        if piece.tokens is None:
            return bool(re.search(r"\\in(?![a-zA-Z])|∈|=", piece.block.text))
        return any((t.kind == CMD and t.value in ("in", "notin")) or (t.kind == CHAR and t.value == "=") for t in piece.tokens)

    def _subject(self, start: int, end: int) -> Piece | str | None:
        token = self.m.text[start:end]
        if token == MARK:
            return self.m.piece_at(start)
        token = token.replace("{", "").replace("}", "")
        return GREEK.get(token, token)

    def _subjects_named(self, start: int, end: int) -> list:
        """The subject of ``text[start:end]`` (_subject), or each symbol of a list of math pieces
        ("$A$ and $B$ (both symmetric)"): an expression in such a list is no subject."""
        text = self.m.text
        if text.count(MARK, start, end) < 2:
            subject = self._subject(start, end)
            return [] if subject is None else [subject]
        pieces = (self.m.piece_at(k) for k in range(start, end) if text[k] == MARK)
        return [piece for piece in pieces if isinstance(piece.node(), Sym)]

    def _clause_prefix(self, i: int) -> str:
        text = self.m.text
        start = max(text.rfind(c, 0, i) for c in "，,。；;：:\n") + 1
        return text[start:i]

    def _is_condition(self, i: int) -> bool:
        return is_condition(self.m, i)

    def _dims_from(self, text_piece: str, start: int) -> list[Dim] | None:
        """Dimensions written in a size: a marker (n × 1), or plain n×1 / n x 1 / nxn."""
        text_piece = text_piece.strip(" -")
        if text_piece.startswith(MARK):
            node = self.m.piece_at(start + self.m.text[start:].index(MARK)).node()
            if isinstance(node, Mul) and node.ops and all(op in ("times", "*") for op in node.ops) and len(node.factors) == 2:
                dims = [dim_of(f) for f in node.factors]
                return None if None in dims else dims  # type: ignore[return-value]
            dim = dim_of(node) if isinstance(node, (Sym, Num)) else None
            return [dim] if dim is not None else None
        match = re.fullmatch(r"([A-Za-z](?:'|_\w)?|\d+)\s*(?:×|\\times|x|X|\*|-?by-?)\s*([A-Za-z](?:'|_\w)?|\d+)\s*-?", text_piece)
        if match:
            return [_plain_dim(match.group(1)), _plain_dim(match.group(2))]
        match = re.fullmatch(r"([A-Za-z]|\d+)\s*-?\s*(?:dimensional)?\s*", text_piece)
        if match:
            return [_plain_dim(match.group(1))]
        return None

    def _said(self, match, subj_span, kind, shape, props, condition, english, strict=True, expression=False) -> list[Said]:
        out = []
        end = self.m.offs[min(match.end(), len(self.m.offs) - 1)]
        subjects = self._subjects(subj_span, english, strict)
        if len(subjects) > 1:  # "$p \in \mathbb{R}^k$ and $M$ is a k×k matrix": a declaration is a clause of its own
            subjects = [(s, e) for s, e in subjects if not self._states(s, e)] or subjects[-1:]
        for s, e in subjects:
            subject = self._subject(s, e)
            if subject is not None:
                out.append(Said(subject, kind, shape, frozenset(props), self.m.offs[match.start()], end, condition,
                                expression=expression, prefix=not strict))  # fmt: skip
        return out

    # -- Chinese -----------------------------------------------------------------
    def _cn(self, match, predicate: bool, adjective: bool = False) -> list[Said]:
        between = match.group("between") or ""
        noun = match.groupdict().get("noun") or ""
        if _NEGATION_CN.search(self._clause_prefix(match.start("subj")).replace("不妨", "")):
            return []
        if _NEGATION_CN.search(between.replace("非奇异", "")) or "非" in between.replace("非奇异", ""):
            return []  # "为非对称矩阵": ASSUMPTIONS_CN reads the denial
        if not predicate and self.m.text[max(0, match.start() - 1) : match.start()] in ("非", "不"):
            return []  # "非对称矩阵 A"
        if re.search(r"或|还是", between) or re.search(_NOUN_CN, _MODIFIERS_CN.sub("", between)):
            return []  # "一个向量或者矩阵"; a noun that qualifies the next is no choice ("常数列向量")
        if predicate and not adjective and match.group("verb") and "分别" in match.group("verb"):
            respectively = True
        else:
            respectively = False
        kind = _cn_noun(noun) if noun else ("matrix" if adjective else None)
        props = _props(between + noun, CN_PROPS)
        if noun in ("常数", "常量") or "常数" in between or "常量" in between:
            props.add("constant")
        shape: Shape | None = None
        rest = between
        if predicate:
            d = rf"(?:{MARK}|[A-Za-z](?:_\w)?|\d+)"
            for pattern, how in ((rf"(?P<a>{d})\s*行\s*(?P<b>{d})\s*列", "rc"), (rf"(?P<a>{d})\s*阶", "order"),
                                 (rf"(?P<a>{d})\s*维", "dim"),
                                 (rf"(?P<a>{MARK}|[A-Za-z]|\d+)\s*(?:×|\\times|x|X|\*)\s*(?P<b>{MARK}|[A-Za-z]|\d+)", "ab"),
                                 (rf"(?P<a>{MARK})", "mark")):  # fmt: skip
                size = re.search(pattern, between)
                if size is None:
                    continue
                base = match.start("between")
                a = self._dim_token(size.group("a"), base + size.start("a"))
                b = self._dim_token(size.group("b"), base + size.start("b")) if "b" in size.groupdict() and size.group("b") else None
                if how == "order" and size.group("a") == MARK:  # "$m \times 1$ 阶向量": a size, then 阶
                    dims = self._dims_from(MARK, base + size.start("a"))
                    if dims is not None and len(dims) == 2:
                        how = "mark"
                if how == "mark":
                    dims = self._dims_from(MARK, base + size.start("a"))
                    if dims is None or len(dims) != 2:
                        return []
                    a, b = dims
                    how = "ab"
                if a is None or (how in ("rc", "ab") and b is None):
                    return []
                if how in ("rc", "ab"):
                    shape = (a, b)
                elif how == "order":
                    shape = (a, a)
                    props.add("square")
                elif kind == "row":
                    shape = (1, a)
                else:
                    shape = (a, 1)
                rest = between[: size.start()] + between[size.end() :]
                break
            rest = re.sub(r"一个|一|个|的|" + _ADJ_CN + r"|方|单位|常|实", "", rest).strip()
            if MARK in rest or re.search(r"[A-Za-z]", rest) or len(rest) > 8:
                return []
        if shape is not None and kind == "scalar":
            return []
        if shape is not None and kind == "vector" and shape[1] != 1 and shape[0] != 1:
            return []
        if kind == "scalar":
            shape = (1, 1)
        if "identity" in props or "square" in props and kind in ("matrix", None):
            kind = kind or "matrix"
        if kind is None and not props:
            return []
        condition = self._is_condition(match.start())
        out = self._said(match, match.span("subj"), kind, shape, props, condition, english=False,
                         strict=predicate, expression=bool(match.groupdict().get("conn")))  # fmt: skip
        for s in out:
            s.respectively = respectively
            if respectively and len(out) > 1:
                s.shape = None
        return out

    def _dim_token(self, token: str | None, at: int) -> Dim | None:
        if token is None:
            return None
        token = token.strip()
        if token == MARK:
            dims = self._dims_from(MARK, at)
            return dims[0] if dims and len(dims) == 1 else None
        return _plain_dim(token)

    # -- English -----------------------------------------------------------------
    def _en(self, match, predicate: bool) -> list[Said]:
        if predicate and match.groupdict().get("neg"):
            return []
        if predicate and re.search(r"\b(?:of|from|to|by|than|on|at|into)\s*$", self.m.text[: match.start()]):
            return []  # "the input of $f$ is a vector": the subject is not the symbol
        if _NEGATION_EN.search(self._clause_prefix(match.start())) or _NEGATION_EN.search(match.group(0)):
            return []
        adjs = (match.group("adjs") or "").lower()
        if match.groupdict().get("adjs2"):  # the adjectives after a comma describe the subject too
            adjs = f"{adjs} {match.group('adjs2').lower()}"
        noun = (match.group("noun") or "").lower()
        props = _props(adjs, EN_PROPS) | _props((match.groupdict().get("extra") or "").lower(), EXTRA_PROPS)
        if "non-singular" in adjs or "nonsingular" in adjs:
            props |= {"invertible", "square"}
        if not noun and re.search(r"\b(?:column|row)\s*$", adjs):
            return []
        if noun.startswith("vector"):
            kind = "row" if "row" in adjs else "vector"
        elif noun.startswith("constant"):  # "$A$ and $a$ are constants": they do not vary, of any kind
            kind = None
            props.add("constant")
        elif noun.startswith("scalar"):
            kind = "scalar"
        elif noun.startswith(SYMMETRIC_NOUNS):  # "Σ is the (sample) covariance", "H is the Hessian": symmetric
            kind = "matrix"
            props |= {"symmetric", "square"}
        elif noun:
            kind = "matrix"
        else:
            kind = None
        shape: Shape | None = None
        size = match.group("size")
        size2 = match.groupdict().get("size2")
        size3 = match.groupdict().get("size3")
        if size and size3:
            return []  # two sizes in one phrase: not a reading to trust
        for text_size, at in ((size, match.start("size")), (size2, match.start("size2") if size2 else -1),
                              (size3, match.start("size3") if size3 else -1)):
            if not text_size:
                continue
            dims = self._dims_from(text_size, at)
            if dims is None:
                return []
            if len(dims) == 2:
                shape = (dims[0], dims[1])
            elif kind in ("vector", "row") and (text_size.strip().endswith("-") or "dimensional" in text_size or text_size.strip() == MARK and "-" in self.m.text[at : at + len(text_size) + 1]):
                shape = (1, dims[0]) if kind == "row" else (dims[0], 1)
            else:
                return []
        if not noun and not props and shape is None:
            return []  # "$A$ is $m \times n$" says a shape with no noun; "$A$ is $B$" says nothing read here
        if kind == "scalar":
            if shape not in (None, (1, 1)):
                return []
            shape = (1, 1)
        if kind == "vector" and shape is not None and shape[1] != 1 and shape[0] != 1:
            return []
        if props and kind is None:
            kind = "matrix" if props & (_SQUARE_PROPS | {"square", "diagonal"}) else None
        condition = self._is_condition(match.start())
        return self._said(match, match.span("subj"), kind, shape, props, condition, english=True, strict=predicate)

    # -- assumptions: ASSUMPTIONS_EN, ASSUMPTIONS_CN ---------------------------------
    def _assumptions(self) -> list[Said]:
        out: list[Said] = []
        text = self.m.text
        marked = MARK in text  # most patterns need a symbol's MARK: on a text without one they find nothing
        for table, words_table, english in ((ASSUMPTIONS_EN, EN_PROPS, True), (ASSUMPTIONS_CN, CN_PROPS, False),
                                            (ASSUMPTIONS_KO, KO_PROPS, False)):
            for pattern, negated in table:
                if not marked and pattern in _NEEDS_MARK:
                    continue
                for match in pattern.finditer(text):
                    words = " ".join(match.group("words").lower().split())
                    props = _props(words, words_table) - {"square"}
                    if "unit" in words and ("norm" in words or "length" in words):
                        props.add("unit")
                    if not props:
                        continue
                    prefix = self._clause_prefix(match.start())
                    if negated:
                        props = {"not_" + p for p in props}
                    elif (_NEGATION_EN if english else _NEGATION_CN).search(prefix.replace("不妨", "")):
                        continue
                    elif "unit" not in props:
                        props.add("square")
                    kind = None if "unit" in props or negated else "matrix"
                    end = self.m.offs[min(match.end(), len(self.m.offs) - 1)]
                    condition = bool(match.groupdict().get("cond")) or self._is_condition(match.start())
                    for subject in self._subjects_named(*match.span("subj")):
                        out.append(Said(subject, kind, None, frozenset(props), self.m.offs[match.start()], end, condition))
        return out

    # -- symbols a covariance noun names: NAMED_COVARIANCE_* ---------------------------
    def _named_covariances(self) -> list[Said]:
        """"with covariance $P$", "协方差为 $P$ 和 $R$", "$Σ$ is the covariance of $x$": each symbol named is
        symmetric (no kind said: a variance may be a number)."""
        out: list[Said] = []
        text = self.m.text
        for pattern, english in ((NAMED_COVARIANCE_EN, True), (NAMED_COVARIANCE_ZH, False), (SYMMETRIC_NAMED_AFTER_EN, True),
                                 (SYMMETRIC_NAMED_AFTER_ZH_RE, False)):
            for match in pattern.finditer(text):
                prefix = self._clause_prefix(match.start())
                if (_NEGATION_EN if english else _NEGATION_CN).search(prefix.replace("不妨", "")):
                    continue
                end = self.m.offs[min(match.end(), len(self.m.offs) - 1)]
                condition = self._is_condition(match.start())
                for k in range(match.start("subj"), match.end("subj")):
                    if text[k] != MARK:
                        continue
                    piece = self.m.piece_at(k)
                    subject = piece if isinstance(piece.node(), Sym) else _declared_symbol(piece)  # $P \in \mathbb{R}^{n×n}$ too
                    if subject is None:  # a symbol, not an expression (E[(x-m)(x-m)^T])
                        continue
                    out.append(Said(subject, None, None, frozenset({"symmetric", "square"}), self.m.offs[match.start()], end,
                                    condition))  # fmt: skip
        return out

    def _gaussian_covariances(self) -> list[Said]:
        """The covariance of a normal distribution written in the text's math ("the data are drawn
        from $\\mathcal{N}(m, C)$"): symmetric, as a covariance is."""
        out: list[Said] = []
        for piece in self.m.pieces:
            if "N" not in piece.block.text:  # most math names no normal distribution: found in C first
                continue
            source = piece.block.source.text
            if not _GAUSSIAN_HINT.search(source, piece.start, piece.end):
                continue
            for sym in gaussian_covariances(piece.node()):  # the reading of x ∼ N(m, C) too
                out.append(Said(sym.key, None, None, frozenset({"symmetric", "square"}), piece.start, piece.end, False))
        return out

    # -- equations typed without math: PLAIN_SYMMETRIC ----------------------------------
    def _plain_equations(self) -> list[Said]:
        out: list[Said] = []
        for match in PLAIN_SYMMETRIC.finditer(self.m.text):
            subject = match.group("a") or match.group("b")
            end = self.m.offs[min(match.end(), len(self.m.offs) - 1)]
            out.append(Said(subject, "matrix", None, frozenset({"symmetric", "square"}), self.m.offs[match.start()], end,
                            self._is_condition(match.start())))  # fmt: skip
        return out

    # -- "$A$ 的形状是 $n \times n$": SHAPE_STATED ----------------------------------------
    def _shape_statements(self, patterns=SHAPE_STATED) -> list[Said]:
        out: list[Said] = []
        for pattern in patterns:
            for match in pattern.finditer(self.m.text):
                dims = self._dims_from(MARK, match.start("size"))
                if dims is None or len(dims) != 2:
                    continue
                end = self.m.offs[min(match.end(), len(self.m.offs) - 1)]
                for subject in self._subjects_named(*match.span("subj")):
                    out.append(Said(subject, None, (dims[0], dims[1]), frozenset(), self.m.offs[match.start()], end,
                                    self._is_condition(match.start())))  # fmt: skip
        return out

    # -- "the result is a row vector" ----------------------------------------------
    def _result(self, match) -> list[Said]:
        piece = self.m.piece_at(match.start())
        if not piece.display:
            return []
        noun = match.group("noun")
        kind = {"行向量": "row", "row vector": "row", "列向量": "vector", "column vector": "vector", "vector": "vector",
                "向量": "vector", "matrix": "matrix", "矩阵": "matrix", "scalar": "scalar", "标量": "scalar"}.get(noun)  # fmt: skip
        if kind is None:
            return []
        return [Said(piece, kind, (1, 1) if kind == "scalar" else None, frozenset(), self.m.offs[match.start("word")],
                     self.m.offs[match.end()], False, via_result=True)]  # fmt: skip


def _prefix_cn(text: str):
    """The matches of ``PREFIX_CN.finditer(text)``, tried only just before each noun (a
    match's noun starts at most _PREFIX_REACH characters into it), not at every position."""
    pos = 0
    while (noun := _ANY_NOUN_CN.search(text, pos)) is not None:
        q = noun.start()
        for p in range(max(pos, q - _PREFIX_REACH), q + 1):
            match = PREFIX_CN.match(text, p)
            if match is not None:
                yield match
                pos = match.end()
                break
        else:
            pos = q + 1


def _word_start_form(pattern: re.Pattern) -> re.Pattern:
    """``\\b(?:w1|w2|…)\\b``, each word starting with a letter or a class of letters, written as
    ``words.word_start_gate`` writes its words: a class of the first letters first, so that re skips
    every other character in C instead of trying the whole pattern at each position; "no word
    character before the word" is ``(?<!\\w.)`` after its first letter. It matches where
    ``pattern`` matches."""
    text = pattern.pattern
    if not (text.startswith(r"\b(?:") and text.endswith(r")\b")):
        raise ValueError(f"not a \\b(?:…)\\b pattern: {text}")
    words, depth, start = [], 0, 0
    body = text[5:-3]
    for i, c in enumerate(body):  # the alternatives at the top level
        if c in "([" and (i == 0 or body[i - 1] != "\\"):
            depth += 1
        elif c in ")]" and body[i - 1] != "\\":
            depth -= 1
        elif c == "|" and depth == 0:
            words.append(body[start:i])
            start = i + 1
    words.append(body[start:])
    firsts, alts = [], []
    for word in words:
        first = re.match(r"\[([A-Za-z]+)\]|([A-Za-z])", word)
        if first is None:
            raise ValueError(f"a word that does not start with a letter: {word}")
        letters = first.group(1) or first.group(2)
        firsts.append(letters)
        alts.append(f"(?<=[{letters}]){word[first.end():]}")
    return re.compile("[" + "".join(dict.fromkeys("".join(firsts))) + r"](?<!\w.)(?:" + "|".join(alts) + r")\b", pattern.flags)


_EN_HINT_FAST = _word_start_form(EN_HINT)


def _has_en_hint(text: str) -> bool:
    """``EN_HINT.search(text)`` (by _EN_HINT_FAST, which finds the same)."""
    return _EN_HINT_FAST.search(text) is not None


def is_condition(marked: Marked, i: int) -> bool:
    """Whether text index ``i`` sits in a condition: "当 A 是对称矩阵时", "if A is
    symmetric", or a parenthesis that explains one ("时（即 A = A^T）")."""
    if not marked.may_hold_condition():
        return False
    text = marked.text
    start, _ = marked.sentence_bounds(i)
    word = marked.last_condition_word(start, i)
    if word is None:
        return False
    between = text[word[1] : i]
    if not re.search(r"时|then|，|,", between):
        return True
    opened = between.count("（") + between.count("(") - between.count("）") - between.count(")")
    return opened > 0 and bool(re.search(r"时\s*[（(]", between))


def _plain_dim(token: str | None) -> Dim | None:
    if token is None:
        return None
    token = token.strip()
    if token.isdigit():
        value = int(token)
        return value if value > 0 else None
    if re.fullmatch(r"[A-Za-z](?:'|_\w)?", token):
        return token.replace("'", "^prime")
    return None


# ---------------------------------------------------------------------------
# layouts
#
# The note's layout is what it says of ITSELF: "we use the denominator layout", "本文采用分母布局",
# "以下均使用分子布局", "∂f/∂X has the same shape as X". A heading or sentence that names or explains
# both layouts ("Numerator layout vs denominator layout", "分子布局和分母布局"), or that describes one
# without adopting it ("In the numerator layout, the gradient is a row", "he uses the denominator
# layout"), establishes nothing. All the words are data, here, in English and Chinese.

LAYOUT_WORDS = [  # each names one layout
    (re.compile(r"分母布局"), "denominator"),
    (re.compile(r"分子布局"), "numerator"),
    (re.compile(r"分母形式"), "denominator"),  # "分子形式：… 分母形式：…": the layouts by another name
    (re.compile(r"分子形式"), "numerator"),
    (re.compile(r"denominator[- ]layout", re.I), "denominator"),
    (re.compile(r"numerator[- ]layout", re.I), "numerator"),
    (re.compile(r"denominator[- ]convention", re.I), "denominator"),
    (re.compile(r"numerator[- ]convention", re.I), "numerator"),
    (re.compile(r"Jacobian formulation", re.I), "numerator"),
    (re.compile(r"(?:Hessian|gradient) formulation", re.I), "denominator"),
]
# A rule on shapes that only one layout gives, said of the note's own derivatives, in a sentence
# that names no layout (then it describes that layout): (pattern, layout, what the sentence must
# also hold). "∂f/∂X has the same shape as X", "导数与 X 的形状相同" must be about a derivative (a
# gradient ∇f has the shape of x in both traditions); "in this note gradients are columns",
# "本文中梯度均为列向量" must be the note speaking of itself.
_SHAPE_RULE_NEEDS = re.compile(r"derivative|\\partial|\\frac\s*\{\s*d|∂|导数|偏导")
_ROW_OR_COLUMN = r"(?:gradients?|derivatives?)\b[^.;]{0,40}?\b(?:are|is)\s+(?:written\s+as\s+|taken\s+as\s+)?(?:an?\s+)?"
_IN_ROW_OR_COLUMN = r"(?:gradients?|derivatives?)\b[^.;]{0,40}?\b(?:in|into|as)\s+an?\s+(?:single\s+)?"
_ROW_OR_COLUMN_ZH = r"(?:梯度|导数|偏导数?)[^，。；]{0,20}?(?:是|为|写成|写作|记为|取)\s*"
_LAYOUT_PATTERN_WORDS = {  # see _LAYOUT_PATTERNS
    r"denominator[- ]layout": ("layout",), r"numerator[- ]layout": ("layout",),
    r"denominator[- ]convention": ("convention",), r"numerator[- ]convention": ("convention",),
    r"Jacobian formulation": ("formulation",), r"(?:Hessian|gradient) formulation": ("formulation",),
    r"(?:has|have|is|of) the same (?:shape|size|dimensions?) as": ("same",),
    **{_ROW_OR_COLUMN + r"columns?\b(?:\s+vectors?)?": ("gradient", "derivative"),
       _ROW_OR_COLUMN + r"rows?\b(?:\s+vectors?)?": ("gradient", "derivative"),
       _IN_ROW_OR_COLUMN + r"columns?\b": ("gradient", "derivative"),
       _IN_ROW_OR_COLUMN + r"rows?\b": ("gradient", "derivative")},
}
LAYOUT_SHAPE_RULES = [
    (re.compile(r"(?:has|have|is|of) the same (?:shape|size|dimensions?) as", re.I), "denominator", _SHAPE_RULE_NEEDS),
    (re.compile(r"(?:与|和|跟)\s*\S{1,12}?\s*(?:的)?(?:形状|维度|大小|尺寸)(?:相同|一样|一致)|同型|同形"), "denominator",
     _SHAPE_RULE_NEEDS),
    (re.compile(_ROW_OR_COLUMN + r"columns?\b(?:\s+vectors?)?", re.I), "denominator", None),  # None: LAYOUT_SELF
    (re.compile(_ROW_OR_COLUMN + r"rows?\b(?:\s+vectors?)?", re.I), "numerator", None),
    # "we collect the partial derivatives of a scalar function in a row"
    (re.compile(_IN_ROW_OR_COLUMN + r"columns?\b", re.I), "denominator", None),
    (re.compile(_IN_ROW_OR_COLUMN + r"rows?\b", re.I), "numerator", None),
    (re.compile(_ROW_OR_COLUMN_ZH + r"列向量"), "denominator", None),
    (re.compile(_ROW_OR_COLUMN_ZH + r"行向量"), "numerator", None),
]
# The patterns layouts_in tries, in this order, each with the words (lower case) one of which
# each of its matches holds, case aside (None: none needed, the pattern is found fast): most
# texts that pass _LAYOUT_HINTS ("row", "column") hold none of them
_LAYOUT_PATTERNS = [(p, _LAYOUT_PATTERN_WORDS.get(p.pattern)) for p in [p for p, _ in LAYOUT_WORDS] + [p for p, _, _ in LAYOUT_SHAPE_RULES]]


# Who speaks: the note itself (we, I, this note, 本文, 以下 ...).
LAYOUT_SELF = re.compile(
    r"\b(?:we|we'll|we're|we've|I|I'll|I'm|our|us|throughout|hereafter|henceforth|herein)\b"
    r"|\b(?:this|these|the present|the following)\s+(?:notes?|book|chapter|section|post|article|document|text|"
    r"course|tutorial|page|series|lectures?|blog|appendix|work|paper|report|guide|handout)\b"
    r"|\bin what follows\b|\bfrom now on\b|\bbelow\b"
    r"|本文|本书|本节|本章|本篇|本讲|本课|本教程|本笔记|本项目|本系列|本部分|全文|全书|我们|笔者|作者在此|以下|下文|下面|后文|此处|这里|在此",
    re.I,
)
# What it does with the layout: uses, adopts, follows ... (a convention it states).
LAYOUT_ADOPT = re.compile(
    r"\b(?:use[sd]?|using|adopt(?:s|ed|ing)?|follow(?:s|ed|ing)?|employ(?:s|ed|ing)?|stick(?:s|ing)? (?:to|with)|"
    r"work(?:s|ed|ing)? (?:in|with)|assum(?:e|es|ed|ing)|choose|chose|chosen|go(?:es)? with|prefer(?:s|red)?|"
    r"write|written|writing|stay(?:s)? with|keep(?:s)? to|convention)\b"
    r"|采用|使用|选用|沿用|遵循|遵从|按照|约定|用的是|均用|都用|统一用|一律用|均为|都是|皆为",
    re.I,
)
# The layout is where one formula is taken to, not the note's convention: "I then transpose the
# derivative back into the denominator layout written below", "转换为分母布局".
LAYOUT_CONVERSION = re.compile(
    r"\b(?:transpos(?:e|es|ed|ing)|convert(?:s|ed|ing)?|translat(?:e|es|ed|ing)|turn(?:s|ed|ing)?|bring(?:s|ing)?|"
    r"brought|put(?:s|ting)?)\b.*?\b(?:back\s+)?(?:in)?to\b"
    r"|(?:转换|转化|转置|变换|化|转)(?:为|成|到)",
    re.I,
)
# A convention line: "Convention: numerator layout", "布局约定：分母布局".
LAYOUT_CONVENTION_LINE = re.compile(r"^\W*(?:(?:layout )?conventions?|layout|布局约定|约定|布局)\s*[:：]", re.I)
# The clause is a supposition, an option or a question, not the note's choice.
LAYOUT_HYPOTHETICAL = re.compile(
    r"\b(?:if|when|whenever|suppose|supposing|unless|whether|could|can|may|might|would|should)\b"
    r"|如果|假如|假设|若|要是|倘若|可以|也可|能够|也能|当[^，,。；;]*时|\?|？",
    re.I,
)
# Clauses: a sentence splits at commas, semicolons, colons and the conjunctions that contrast.
# (a colon of a link, "https://…", ends nothing; "because he uses …" is a clause of its own)
_LAYOUT_CLAUSE_END = re.compile(
    r"[,;，；：、]|:(?!//)|\s(?:but|whereas|while|although|though|because|since|as|so|which|that|where|whereby)\s"
    r"|但是?|然而|因为|由于|所以|而(?=[^且])"
)
_URL = re.compile(r"\(?\b(?:https?|ftp)://[^\s)]*\)?")
# Someone else speaks in the clause: "he uses the denominator layout", "many papers use …"
LAYOUT_OTHERS = re.compile(
    r"\b(?:he|she|they|his|her|their|others?|many|most|some|authors?|papers|books|people|software|libraries|"
    r"textbooks)\b|他|她|他们|她们|有些|有的|许多|很多|不少|一些|某些|其他|其它|别的",
    re.I,
)
# A layout named only to be refused: "rather than the numerator layout", "不采用分子布局". A comparison
# ("numerator vs denominator layout", "unlike the …") names both: it is no refusal.
_LAYOUT_NEG = re.compile(r"(?:不是|而非|不用|不使用|不采用|\bnot\b|instead of|rather than)\W*(?:\w+\W+){0,2}$", re.I)


# every pattern of LAYOUT_WORDS and LAYOUT_SHAPE_RULES holds one of these (case aside)
_LAYOUT_HINTS = words_pattern("布局", "形式", "layout", "formulation", "same", "形状", "维度", "大小", "尺寸", "同型", "同形",
                              "column", "row", "列向量", "行向量")


def _clauses(text: str, s: int, e: int) -> list[tuple[int, int]]:
    """The clauses of the sentence text[s:e] as (start, end) spans."""
    out, start = [], s
    for m in _LAYOUT_CLAUSE_END.finditer(text, s, e):
        out.append((start, m.start()))
        start = m.end()
    out.append((start, e))
    return out


def _named(text: str, s: int, e: int) -> list[tuple[str, int, int]]:
    """(layout, start, end) of each layout named in text[s:e], except one negated ("rather than the
    numerator layout", "不采用分子布局")."""
    out = []
    for pattern, layout in LAYOUT_WORDS:
        for m in pattern.finditer(text, s, e):
            if not _LAYOUT_NEG.search(text[max(s, m.start() - 16) : m.start()]):
                out.append((layout, m.start(), m.end()))
    return sorted(out, key=lambda t: t[1])


def named_layouts(text: str) -> set[str]:
    """The layouts ``text`` names (a negated one aside), whether it adopts them or not."""
    if not may_contain(text, _LAYOUT_HINTS, text.lower()):
        return set()
    return {layout for layout, _, _ in _named(text, 0, len(text))}


# A lead-in that introduces the math after it: "In the numerator layout:", "分母布局下："
_LEAD_IN_END = re.compile(r"[:：]\s*$")
_SENTENCE_BREAK = re.compile(r"[.!?。！？](?:\s|$)|\n\s*\n")


def lead_in(text: str, block_start: int, block_end: int, passage_start: int, passage_end: int) -> str:
    """The words of the sentence a block of math sits in (the sentence up to it and from it to
    the sentence's end); for math alone in its passage, the sentence before it when that ends
    with a colon ("In the numerator layout, the gradient is a row:")."""
    before = text[passage_start:block_start]
    after = text[block_end:passage_end]
    if before.strip() or after.strip():
        cut = [m.end() for m in _SENTENCE_BREAK.finditer(before)]
        head = before[cut[-1]:] if cut else before
        stop = _SENTENCE_BREAK.search(after)
        return head + " " + (after[: stop.start()] if stop else after)
    earlier = text[max(0, passage_start - 400) : passage_start].rstrip()
    if not _LEAD_IN_END.search(earlier):
        return ""
    cut = [m.end() for m in _SENTENCE_BREAK.finditer(earlier)]
    return earlier[cut[-1]:] if cut else earlier


# "the (i,j) entry of ∂y/∂x is ∂y_i/∂x_j", "J 的第 $(i,j)$ 元是 ∂y_i/∂x_j": which index of a Jacobian's entry
# runs down its rows, said of vector-by-vector derivatives only (entry_layouts); the pair may be math
_PAIR = r"\(\s*([a-z])\s*,\s*([a-z])\s*\)"
_ENTRY_WORD = r"\s*(?:-?th\s+|\s*个)?(?:entry|entries|element|component|元素|元|项|分量)"
_ENTRY_OF = re.compile(_PAIR + _ENTRY_WORD, re.I)
_ENTRY_AFTER_MARK = re.compile(_ENTRY_WORD, re.I)
_PAIR_MATH = re.compile(r"\$*\s*" + _PAIR + r"\s*\$*")
_ENTRY_HINT = re.compile(r"entr|element|component|元|项|分量", re.I)
_ENTRY_WORDS = _plain_words(_ENTRY_HINT)


def _entry_pairs(marked: Marked) -> list[tuple[str, str, int, int]]:
    """(row index, column index, where the words start, where they end) of each "(i,j) entry"."""
    text = marked.text
    found = [(m.group(1), m.group(2), m.start(), m.end()) for m in _ENTRY_OF.finditer(text)]
    for k, at in enumerate(marked.marks):  # the pair written as math: "第 $(i,j)$ 元"
        words = _ENTRY_AFTER_MARK.match(text, at + 1)
        if words is None:
            continue
        piece = marked.pieces[k]
        pair = _PAIR_MATH.fullmatch(marked.source.text[piece.start : piece.end])
        if pair is not None:
            found.append((pair.group(1), pair.group(2), at, words.end()))
    return found


def entry_layouts(marked: Marked) -> list[tuple[str, int, int, str]]:
    """(layout, start, end, words) for each sentence that gives the (i, j) entry of a derivative as
    ∂y_i/∂x_j (the numerator layout of a Jacobian) or ∂y_j/∂x_i (the denominator layout)."""
    out: list[tuple[str, int, int, str]] = []
    if MARK not in marked.text or not marked.finds(_ENTRY_WORDS, _ENTRY_HINT):
        return out
    for row, column, start, end in _entry_pairs(marked):
        s, e = marked.sentence_bounds(start)
        for k in range(bisect.bisect_left(marked.marks, end), len(marked.marks)):
            if marked.marks[k] >= e:
                break
            node = marked.pieces[k].node()
            if not (isinstance(node, Deriv) and isinstance(node.num, Sym) and len(node.wrt) == 1
                    and isinstance(node.wrt[0], Sym)):
                continue
            written = (node.num.sub, node.wrt[0].sub)
            layout = "numerator" if written == (row, column) else "denominator" if written == (column, row) else None
            if layout is not None:
                words = marked.source.text[marked.offs[s] : marked.offs[e]].strip()
                out.append((layout, marked.offs[start], marked.offs[e], words))
                break
    return out


def layouts_in(marked: Marked) -> list[tuple[str, int, int, str]]:
    """(layout, start, end, words) for each statement of the note's own layout in the text:
    a clause in which the note (we, this note, 本文, 以下 ...) uses, adopts or follows one
    layout, a convention line, or a shape rule said of its derivatives. ``words`` is the
    clause that said it, to quote."""
    out: list[tuple[str, int, int, str]] = []
    text = marked.text
    if not marked.may_contain(_LAYOUT_HINTS):
        return out
    seen: set[tuple[int, int]] = set()
    lowered = marked.lowered()
    every = marked.odd_cases()  # no quick test holds then
    for pattern, needs in _LAYOUT_PATTERNS:
        if not every and needs is not None and not any(word in lowered for word in needs):
            continue  # none of the words each match holds: no match
        for match in pattern.finditer(text):
            bounds = marked.sentence_bounds(match.start())
            if bounds in seen:
                continue
            seen.add(bounds)
            out.extend(_sentence_layouts(marked, *bounds))
    return out


def _sentence_layouts(marked: Marked, s: int, e: int) -> list[tuple[str, int, int, str]]:
    """The statements of the note's layout in the sentence text[s:e] (at most one per clause)."""
    text = marked.text
    source_of = lambda a, b: marked.source.text[marked.offs[a] : marked.offs[b]].strip()  # noqa: E731
    out: list[tuple[str, int, int, str]] = []
    named = _named(text, s, e)
    if named:
        if LAYOUT_CONVENTION_LINE.match(text, s) and len({n[0] for n in named}) == 1:
            layout, a, b = named[0]
            return [(layout, marked.offs[a], marked.offs[b], source_of(s, e))]
        # A heading speaks for its section: "常见的求导公式（使用分母布局）", "Derivatives (using the
        # numerator layout)"; a heading that only names a layout ("Numerator layout") does not adopt it.
        heading = marked.passage is not None and marked.passage.kind == "heading"
        self_before = heading  # the note spoke in an earlier clause that named no layout: "In this book, ..."
        for cs, ce in _clauses(text, s, e):
            here = [n for n in named if cs <= n[1] < ce]
            clause = text[cs:ce]
            speaks = self_before or LAYOUT_SELF.search(clause) is not None
            if not here:
                self_before = self_before or (LAYOUT_SELF.search(clause) is not None and not LAYOUT_HYPOTHETICAL.search(clause))
                continue
            if LAYOUT_HYPOTHETICAL.search(clause) or len({n[0] for n in here}) != 1:
                continue
            if LAYOUT_CONVERSION.search(clause):
                continue  # one formula taken into a layout: the note's own stays as it was
            if speaks and LAYOUT_ADOPT.search(clause) and not LAYOUT_OTHERS.search(_URL.sub(" ", clause)):
                layout, a, b = here[0]
                out.append((layout, marked.offs[a], marked.offs[b], source_of(cs, ce)))
        return out
    sentence = marked.source.text[marked.offs[s] : marked.offs[e]]
    if LAYOUT_HYPOTHETICAL.search(text, s, e):
        return out
    for pattern, layout, needs in LAYOUT_SHAPE_RULES:
        matches = list(pattern.finditer(text, s, e))
        if not matches:
            continue
        if len(matches) > 1 and "|" in sentence:
            return []  # a table row setting conventions side by side ("| 与 Xᵀ 同形 | 与 X 同形 |") says neither
        match = matches[0]
        if _LAYOUT_NEG.search(text[max(s, match.start() - 16) : match.start()]):
            continue
        if (needs.search(sentence) if needs is not None else LAYOUT_SELF.search(text, s, e)) is not None:
            out.append((layout, marked.offs[match.start()], marked.offs[match.end()], sentence.strip()))
    if len({found[0] for found in out}) > 1:
        return []  # a table row setting both layouts side by side says neither
    return out[:1]


# --------------------------------------------------------------------------- rows and columns named in prose
# "r_i is the i-th row of A", "c_j denotes the j-th column of A", "令 r_i 代表矩阵 A 的行向量",
# "其中 r_i 为 A 的第 i 行": a letter with an index that names the rows (columns) of a matrix.
# The patterns read a sentence with its math unwrapped (_parts_plain): $, \mathbf{…} and braces gone.
_PART = r"(?P<part>[a-zA-Z])_(?P<idx>[a-z])"
_WHOLE = r"(?:the\s+)?(?:matrix\s+)?(?P<whole>[A-Z])"
_WHOLE_CN = r"(?:矩阵)?\s*(?P<whole>[A-Z])"
_ROW_EN = r"(?P<what>row|column)"
PARTS_EN = [
    re.compile(rf"{_PART}\s+(?:is|be|denotes?|stands?\s+for|represents?|for)\s+the\s+(?:(?P=idx)\s*-?\s*th\s+)?"
               rf"{_ROW_EN}(?:\s+vector)?\s+(?:(?P=idx)\s+)?of\s+{_WHOLE}\b"),  # fmt: skip
    re.compile(rf"{_PART}\s+(?:is|be|denotes?|stands?\s+for|represents?)\s+{_ROW_EN}\s+(?P=idx)\s+of\s+{_WHOLE}\b"),
    re.compile(rf"{_PART}\s+(?:are|be|denote|represent)\s+the\s+{_ROW_EN}s(?:\s+vectors)?\s+of\s+{_WHOLE}\b"),
]
PARTS_CN = [
    re.compile(rf"{_PART}\s*(?:代表|表示|为|是|记为|记作|指)\s*{_WHOLE_CN}\s*的\s*(?:第\s*(?P=idx)\s*个?\s*)?"
               r"(?P<what>行|列)"),  # fmt: skip
]
_PART_WHAT = {"row": "row", "column": "column", "行": "row", "列": "column"}
_PARTS_MATH = re.compile(r"\\(?:mathbf|boldsymbol|bm|vec|mathit|textbf)\s*|[${}]|\\[,;!]")
_PARTS_HINT = re.compile(r"row|column|行|列")
_PARTS_SPLIT = re.compile(f"({_PARTS_MATH.pattern})")  # the removals kept by split (_parts_plain)


def _parts_plain(text: str) -> tuple[str, list[int], list[int]]:
    """``text`` with its math unwrapped ($, \\mathbf{…}, braces gone), and what maps an offset of
    it back to ``text`` (_parts_source): where each removal falls in the plain text, and how
    much was removed up to and including it."""
    # one split (at C speed) gives the kept text and the removals, alternately; a loop over match
    # objects was most of the time of named_parts on a whole note ($ and braces are many)
    pieces = _PARTS_SPLIT.split(text)
    kept = pieces[0::2]
    at = list(accumulate(map(len, kept[:-1])))  # removal k falls after the kept pieces 0 … k
    removed = list(accumulate(map(len, pieces[1::2])))
    return "".join(kept), at, removed


def _parts_source(p: int, at: list[int], removed: list[int]) -> int:
    from bisect import bisect_right

    k = bisect_right(at, p)  # the removals at or before plain offset p
    return p + (removed[k - 1] if k else 0)


def _part_matches(pattern: re.Pattern, plain: str):
    """``pattern.finditer(plain)`` for a pattern of PARTS_EN or PARTS_CN, whose every match starts
    with _PART, a letter and then "_": tried only just before each "_" of the text, not at every
    letter of a whole note (trying each letter took most of ``named_parts``)."""
    end = 0  # the end of the last match: finditer's matches do not overlap
    i = plain.find("_", 1)
    while i >= 0:
        if i - 1 >= end:
            m = pattern.match(plain, i - 1)
            if m is not None:
                yield m
                end = m.end()
        i = plain.find("_", i + 1)


def named_parts(text: str) -> list[tuple[int, str, str, str]]:
    """The rows and columns of matrices that ``text`` (a note, math included) names: (offset in
    ``text`` where the statement starts, letter, whole, "row" or "column") for "r_i is the i-th row
    of A" (PARTS_EN, PARTS_CN), in reading order."""
    if not _PARTS_HINT.search(text):
        return []
    plain, at, removed = _parts_plain(text)
    found = []
    for pattern in PARTS_EN + PARTS_CN:
        for m in _part_matches(pattern, plain):
            if m.group("part") == m.group("whole"):
                continue  # a_i of a: not a row of a matrix
            where = _parts_source(m.start(), at, removed)
            found.append((where, m.group("part"), m.group("whole"), _PART_WHAT[m.group("what")]))
    return sorted(found)
