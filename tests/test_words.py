"""Every gate of the prose readers finds every word of the lists they are made from (context.words)."""

from __future__ import annotations

import re

import pytest

from derivlint.context import words as w
from derivlint.context.core import _has_triggers
from derivlint.context.prose import CN_PROPS, EN_PROPS, _props


def spellings(piece: str) -> list[str]:
    """The ways a regex piece of the word lists is written in prose (a small sample of each)."""
    out = [piece]
    for pattern, choices in ((r"\[([A-Z])([a-z])\]", None), (r"\[- \]", ("-", " ")), (r"\(\?:x\|ces\)", ("x", "ces")),
                             (r"\(\?:([a-z|]+)\)\?", None),  # optional endings: symmetric(?:ally|al)?
                             (r"\\s\*", ("", " ")), (r"(.)\?", None)):  # fmt: skip
        grown = []
        for text in out:
            m = re.search(pattern, text)
            if m is None:
                grown.append(text)
            elif pattern.startswith(r"\(\?:(["):
                grown.extend(text[: m.start()] + c + text[m.end() :] for c in m.group(1).split("|") + [""])
            elif choices is not None:
                grown.extend(text[: m.start()] + c + text[m.end() :] for c in choices)
            elif pattern.startswith(r"\["):
                grown.extend(text[: m.start()] + c + text[m.end() :] for c in m.groups())
            else:  # an optional character: with and without it
                grown.extend((text[: m.start()] + m.group(1) + text[m.end() :], text[: m.start()] + text[m.end() :]))
        out = grown
    assert all(not re.search(r"[\\\[\]?()|]", s) for s in out), out
    return out


EN_WORDS = [s for p in w.PROPERTIES_EN for s in spellings(p)]
ZH_WORDS = [s for p in w.PROPERTIES_ZH for s in spellings(p) if not s.isascii()]
NOUNS_EN = [s for p in w.KIND_NOUNS_EN for s in spellings(p)] + list(w.SYMMETRIC_NOUNS_ALONE)
NOUNS_ZH = [n for n in w.KIND_NOUNS_ZH if n not in w.NOUNS_JA]  # the Japanese ones: fixtures/markdown/assumptions_ja.md


@pytest.mark.parametrize("word", EN_WORDS + [s.upper() if len(s) > 3 else s for s in EN_WORDS[:3]])
def test_english_property_words_pass_every_gate(word):
    text = f"Here B is {word}."
    assert w.ASSUMPTION_HINTS.search(text), word
    assert _has_triggers(f"with B {word}"), word  # a passage with no math is read
    assert _props(word.lower(), EN_PROPS), word  # and the word means a property


@pytest.mark.parametrize("word", ZH_WORDS)
def test_chinese_property_words_pass_every_gate(word):
    text = f"设 B {word}。"
    assert w.ASSUMPTION_HINTS.search(text) and w.ZH_HINT.search(text) and _has_triggers(text), word
    assert _props(word, CN_PROPS), word


@pytest.mark.parametrize("noun", NOUNS_EN)
def test_english_nouns_pass_every_gate(noun):
    text = f"Let B be the {noun}"
    assert w.NOUN_HINT_EN.search(text) and w.EN_HINT.search(text) and w.EN_HINT_WORDS.search(text), noun
    assert _has_triggers(f"the {noun} B"), noun


@pytest.mark.parametrize("noun", NOUNS_ZH + [s for p in w.SYMMETRIC_NOUNS_ZH for s in spellings(p) if not s.isascii()])
def test_chinese_nouns_pass_every_gate(noun):
    text = f"其中{noun} c 不变"
    assert w.ZH_HINT.search(text) and _has_triggers(text), noun


@pytest.mark.parametrize("word", list(w.LAYOUT_WORDS_EN) + list(w.LAYOUT_WORDS_ZH))
def test_layout_words_open_a_passage_without_math(word):
    assert _has_triggers(f"the gradient has the {word} of" if word.isascii() else f"梯度与参数{word}"), word


@pytest.mark.parametrize("text", ["This is the end of the proof.", "其他内容。", "The gradient descent step."])
def test_gates_are_no_wider_than_their_words(text):
    """A gate that let every text through would test nothing: texts with none of the words fail
    the assumption gate (the trigger gate takes 'is' alone, a verb of declarations)."""
    assert not w.ASSUMPTION_HINTS.search(text)


def test_word_start_gate_finds_words_at_their_start_only():
    gate = w.word_start_gate(("is", "matri"))
    assert gate.search("A is") and gate.search("Matrices") and gate.search("(matrix")
    assert not gate.search("this") and not gate.search("submatrix")
