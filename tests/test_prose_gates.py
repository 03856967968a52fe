"""The quick gates of the prose readers (context/prose.py) find every text their patterns would match."""

import re

import pytest

from derivlint.context import prose
from derivlint.context.words import ASSUMPTION_HINTS, NOUN_HINT_EN


def test_every_layout_gate_names_a_pattern_it_gates():
    gated = {p.pattern for p, needs in prose._LAYOUT_PATTERNS if needs is not None}
    assert gated == set(prose._LAYOUT_PATTERN_WORDS)  # a gate whose pattern was rewritten would gate nothing


@pytest.mark.parametrize("text", [
    "The Gradient Is Written As A Column vector here.", "we use the Numerator-Layout throughout",
    "the Hessian formulation", "∂f/∂X HAS THE SAME SHAPE AS X", "Derivatives are taken as a row vector",
    "gradients in a single column", "in the denominator convention",
])
def test_a_layout_gate_lets_through_what_its_pattern_finds(text):
    lowered = text.lower()
    found = 0
    for pattern, needs in prose._LAYOUT_PATTERNS:
        if pattern.search(text):
            found += 1
            assert needs is None or any(word in lowered for word in needs), pattern.pattern
    assert found  # the case is one the patterns read


@pytest.mark.parametrize("pattern, words", [(NOUN_HINT_EN, prose._NOUN_WORDS_EN), (ASSUMPTION_HINTS, prose._ASSUMPTION_WORDS),
                                            (prose._ENTRY_HINT, prose._ENTRY_WORDS)])
@pytest.mark.parametrize("text", ["A SYMMETRIC Matrix", "the Covariance", "an ORTHOGONAL Q", "Entry (i,j)", "正定矩阵 A",
                                  "no word here", "a \u212aelvin-sign \u017fymmetric text"])
def test_a_word_gate_is_false_only_when_its_pattern_finds_nothing(pattern, words, text):
    if not prose.may_contain(text, words):
        assert pattern.search(text) is None


def test_only_plain_words_make_a_word_gate():
    with pytest.raises(ValueError):
        prose._plain_words(re.compile(r"matri(?:x|ces)", re.I))
    with pytest.raises(ValueError):
        prose._plain_words(re.compile(r"Hessian", re.I))


def test_emphasis_marks_become_spaces_as_markdown_reads_them():
    assert prose.unemphasised("a **symmetric** matrix, _not_ square") == "a   symmetric   matrix,  not  square"
    assert prose.unemphasised("x_1 and snake_case, a * b, \\*x*") == "x_1 and snake_case, a * b, \\*x "
    assert prose.unemphasised("****x") == "****x"  # four marks are no emphasis


def test_traditional_characters_are_folded_and_other_texts_kept():
    from derivlint.chinese import simplified

    assert simplified("若 A 為對稱矩陣") == "若 A 为对称矩阵"
    text = "若 A 为对称矩阵"
    assert simplified(text) is text


@pytest.mark.parametrize("text", ["x is a matrix", "this vector", "Gradients of the Hessians", "A be", "isometric",
                                  "a_is b", "é is", "The covariance", "grammar", "precisions.", "中is", ""])
def test_the_fast_english_hint_finds_what_en_hint_finds(text):
    from derivlint.context.words import EN_HINT

    assert prose._has_en_hint(text) == (EN_HINT.search(text) is not None)


def test_only_a_pattern_of_words_at_word_boundaries_gets_a_fast_form():
    with pytest.raises(ValueError):
        prose._word_start_form(re.compile(r"(?:is|are)\b"))
    with pytest.raises(ValueError):
        prose._word_start_form(re.compile(r"\b(?:is|\d+)\b"))


@pytest.mark.parametrize("pattern, words", [(NOUN_HINT_EN, prose._NOUN_WORDS_EN), (ASSUMPTION_HINTS, prose._ASSUMPTION_WORDS),
                                            (prose._ENTRY_HINT, prose._ENTRY_WORDS)])
@pytest.mark.parametrize("text", ["A SYMMETRIC Matrix", "the Covariance \ue000", "an ORTHOGONAL Q", "Entry (i,j)", "正定矩阵 A",
                                  "no word here \ue000", "a \u212aelvin-sign \u017fymmetric text", "İnvertible",
                                  "\u017fcalar and \u0131nvert\u0131ble", "Self-Adjoint"])
def test_a_marked_text_finds_what_the_case_blind_pattern_finds(pattern, words, text):
    marked = prose.Marked(text, [], [], [], None, None)
    assert marked.finds(words, pattern) == (pattern.search(text) is not None)


def test_lowering_keeps_offsets_and_finds_what_ignorecase_finds_but_for_the_odd_cases():
    # what Marked.finds rests on: of the characters beyond ASCII, only those of _ODD_CASES lower to
    # ASCII, match an ASCII letter without regard to case, or change length when lowered
    import sys

    others = "".join(chr(cp) for cp in range(128, sys.maxunicode + 1)
                     if not 0xD800 <= cp <= 0xDFFF and not prose._ODD_CASES.match(chr(cp)))
    assert re.search("[a-z]", others, re.I) is None
    lowered = others.lower()
    assert len(lowered) == len(others) and re.search("[\x00-\x7f]", lowered) is None
