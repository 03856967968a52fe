"""Tests for the math lexer: token kinds, exact offsets, prose runs and macro expansion."""

from __future__ import annotations

import pytest

from derivlint.math.lexer import CHAR, CMD, LETTER, NUM, PARAM, TEXT, LexError, lex, tokenize

MACROS = {
    "tr": (0, None, r"\operatorname{tr}"),
    "R": (0, None, r"\mathbb{R}"),
    "Vx": (0, None, r"\mathbf{x}"),
    "norm": (1, None, r"\left\|#1\right\|"),
}


def triples(text: str, macros: dict | None = None) -> list[tuple[str, str, int, int]]:
    return [(t.kind, t.value, t.start, t.end) for t in lex(text, macros)]


# --------------------------------------------------------------------------- tokenize


@pytest.mark.parametrize(
    "text, expected",
    [
        ("x", [(LETTER, "x", 0, 1)]),
        ("Ax", [(LETTER, "A", 0, 1), (LETTER, "x", 1, 2)]),
        ("12", [(NUM, "12", 0, 2)]),
        ("3.14x", [(NUM, "3.14", 0, 4), (LETTER, "x", 4, 5)]),
        (r"\alpha", [(CMD, "alpha", 0, 6)]),
        (r"\frac{a}{b}", [(CMD, "frac", 0, 5), (CHAR, "{", 5, 6), (LETTER, "a", 6, 7), (CHAR, "}", 7, 8),
                          (CHAR, "{", 8, 9), (LETTER, "b", 9, 10), (CHAR, "}", 10, 11)]),
        ("x_{ij}", [(LETTER, "x", 0, 1), (CHAR, "_", 1, 2), (CHAR, "{", 2, 3), (LETTER, "i", 3, 4),
                    (LETTER, "j", 4, 5), (CHAR, "}", 5, 6)]),
        (r"\|x\|", [(CMD, "|", 0, 2), (LETTER, "x", 2, 3), (CMD, "|", 3, 5)]),
        (r"a\,b", [(LETTER, "a", 0, 1), (CMD, ",", 1, 3), (LETTER, "b", 3, 4)]),
        (r"a \\ b", [(LETTER, "a", 0, 1), (CMD, "\\", 2, 4), (LETTER, "b", 5, 6)]),
        ("X'", [(LETTER, "X", 0, 1), (CHAR, "'", 1, 2)]),
        ("a % comment\nb", [(LETTER, "a", 0, 1), (LETTER, "b", 12, 13)]),
        ("#1", [(PARAM, "1", 0, 2)]),
        # Unicode stand-ins for LaTeX keep the span of their character
        ("∂f", [(CMD, "partial", 0, 1), (LETTER, "f", 1, 2)]),
        ("Xᵀ", [(LETTER, "X", 0, 1), (CHAR, "^", 1, 2), (LETTER, "T", 1, 2)]),
        ("x²", [(LETTER, "x", 0, 1), (CHAR, "^", 1, 2), (NUM, "2", 1, 2)]),
        ("α−β", [(CMD, "alpha", 0, 1), (CHAR, "-", 1, 2), (CMD, "beta", 2, 3)]),
        ("ℝ", [(CMD, "mathbb", 0, 1), (CHAR, "{", 0, 1), (LETTER, "R", 0, 1), (CHAR, "}", 0, 1)]),
        ("a‖b", [(LETTER, "a", 0, 1), (CMD, "|", 1, 2), (LETTER, "b", 2, 3)]),
    ],
)  # fmt: skip
def test_tokenize(text, expected):
    assert triples(text) == expected


def test_offsets_index_the_text():
    text = r"\frac{\partial \mathbf{x}^\top A}{\partial \mathbf{x}} = A^{-1}"
    for tok in tokenize(text):
        written = text[tok.start : tok.end]
        if tok.kind == CMD:
            assert written == "\\" + tok.value
        else:
            assert written == tok.value


def test_space_flag_marks_whitespace_before_a_token():
    toks = tokenize(r"d x dx \ y")
    assert [(t.value, t.space) for t in toks] == [("d", False), ("x", True), ("d", True), ("x", False),
                                                  ("space", True), ("y", True)]


def test_control_space_and_line_end_backslash_are_spacing():
    # a \space token (split_row sets a declaration apart at it), and a space before the next token
    assert triples("a\\ b") == [(LETTER, "a", 0, 1), (CMD, "space", 1, 3), (LETTER, "b", 3, 4)]
    assert triples("a\\\nb") == [(LETTER, "a", 0, 1), (CMD, "space", 1, 3), (LETTER, "b", 3, 4)]
    assert [t.space for t in tokenize("a\\ b")] == [False, False, True]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("当A为对称阵", [(TEXT, "当A为对称阵", 0, 6)]),
        ("过程: x", [(TEXT, "过程:", 0, 3), (LETTER, "x", 4, 5)]),
        ("x 其中 y", [(LETTER, "x", 0, 1), (TEXT, "其中", 2, 4), (LETTER, "y", 5, 6)]),
        ("x，y", [(LETTER, "x", 0, 1), (TEXT, "，", 1, 2), (LETTER, "y", 2, 3)]),
    ],
)
def test_prose_runs(text, expected):
    assert triples(text) == expected


# --------------------------------------------------------------------------- macros


def test_lex_without_macros_is_tokenize():
    text = r"\tr(\Vx)"
    assert triples(text) == triples(text, {}) == [(t.kind, t.value, t.start, t.end) for t in tokenize(text)]


@pytest.mark.parametrize(
    "text, expected",
    [
        (r"\tr", [(CMD, "operatorname", 0, 3), (CHAR, "{", 0, 3), (LETTER, "t", 0, 3), (LETTER, "r", 0, 3),
                  (CHAR, "}", 0, 3)]),
        (r"x \in \R^n", [(LETTER, "x", 0, 1), (CMD, "in", 2, 5), (CMD, "mathbb", 6, 8), (CHAR, "{", 6, 8),
                         (LETTER, "R", 6, 8), (CHAR, "}", 6, 8), (CHAR, "^", 8, 9), (LETTER, "n", 9, 10)]),
        # the body takes the span of the whole invocation; an argument keeps its own
        (r"\norm{y}", [(CMD, "left", 0, 8), (CMD, "|", 0, 8), (LETTER, "y", 6, 7), (CMD, "right", 0, 8),
                       (CMD, "|", 0, 8)]),
        # a macro inside an argument is expanded too, with its own invocation's span
        (r"\norm{\Vx}", [(CMD, "left", 0, 10), (CMD, "|", 0, 10), (CMD, "mathbf", 6, 9), (CHAR, "{", 6, 9),
                         (LETTER, "x", 6, 9), (CHAR, "}", 6, 9), (CMD, "right", 0, 10), (CMD, "|", 0, 10)]),
        (r"\norm y", [(CMD, "left", 0, 7), (CMD, "|", 0, 7), (LETTER, "y", 6, 7), (CMD, "right", 0, 7),
                      (CMD, "|", 0, 7)]),
    ],
)  # fmt: skip
def test_macro_expansion_spans(text, expected):
    assert triples(text, MACROS) == expected


def test_macro_optional_argument():
    macros = {"d": (2, "x", r"\frac{\partial #2}{\partial #1}")}
    with_default = lex(r"\d{f}", macros)
    assert "".join(t.value for t in with_default) == "frac{partialf}{partialx}"
    explicit = lex(r"\d[y]{f}", macros)
    assert "".join(t.value for t in explicit) == "frac{partialf}{partialy}"
    assert [t for t in explicit if t.kind == LETTER and t.value == "y"][0].start == 3


@pytest.mark.parametrize(
    "macros, text, span",
    [
        ({"a": (0, None, r"\a")}, r"\a", (0, 2)),  # direct recursion
        ({"a": (0, None, r"\b"), "b": (0, None, r"x\a")}, r"\a", (0, 2)),  # mutual recursion
        ({"a": (1, None, r"\a{#1}")}, r"\a{x}", (0, 5)),  # through an argument: the whole invocation
        ({"a": (0, None, r"\a\a")}, r"\a", (0, 2)),  # exponential growth
        ({"a": (0, None, "x" * 30000)}, r"y \a", (2, 4)),  # one huge body
        ({"f": (2, None, "#1#2")}, r"\f{x}", (0, 2)),  # a missing argument
    ],
)
def test_runaway_macros_raise_lex_error(macros, text, span):
    with pytest.raises(LexError) as info:
        lex(text, macros)
    assert (info.value.start, info.value.end) == span


def test_space_before_a_macro_goes_to_its_first_token_only():
    macros = {"Tr": (0, None, "tr"), "f": (1, None, "#1 x")}
    assert [(t.value, t.space) for t in lex(r"a \Tr(X)", macros)] == [
        ("a", False), ("t", True), ("r", False), ("(", False), ("X", False), (")", False),
    ]  # fmt: skip
    assert [(t.value, t.space) for t in lex(r"a \f{y}", macros)] == [("a", False), ("y", True), ("x", True)]


def test_the_lean_pattern_and_the_cjk_ranges_agree_with_the_full_character_class():
    """The lexer compiles its prose alternative (a class of ~40,000 code points) only for a text
    with a character from U+2E80 on; elsewhere that alternative can never match."""
    import random
    import re

    from derivlint.math import lexer

    full = re.compile(lexer._ALTERNATIVES + rf"|[{lexer._CJK}]+" + lexer._ANY, re.S)
    cjk = re.compile(rf"[{lexer._CJK}]")
    assert all(lexer._is_cjk(chr(c)) == bool(cjk.match(chr(c))) for c in range(0x10000))
    rng = random.Random(7)
    alphabet = "ab xy\\{}^_.,1 23%#\n\tαλ∂∇ᵀ·é" + "矩阵，。（）가ア"
    for _ in range(3000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30)))
        assert lexer._pattern_for(text).findall(text) == full.findall(text), text
        if max(text, default="") < "\u2e80":
            assert lexer._pattern_for(text) is lexer._PATTERN
