"""Tests for the macro definition scanner."""

from __future__ import annotations

import random

import pytest

from derivlint.math.macros import find_macro_definitions, match_group, scan_definitions, skip_space, strip_comments


@pytest.mark.parametrize(
    "text, name, expected",
    [
        (r"\newcommand{\R}{\mathbb{R}}", "R", (0, None, r"\mathbb{R}")),
        (r"\newcommand\R{\mathbb{R}}", "R", (0, None, r"\mathbb{R}")),
        (r"\newcommand*{\R}{\mathbb{R}}", "R", (0, None, r"\mathbb{R}")),
        (r"\newcommand{\norm}[1]{\lVert #1 \rVert}", "norm", (1, None, r"\lVert #1 \rVert")),
        (r"\newcommand{\pd}[2][x]{\frac{\partial #2}{\partial #1}}", "pd",
         (2, "x", r"\frac{\partial #2}{\partial #1}")),
        ("\\newcommand { \\T }\n  [ 1 ]\n  {#1^{\\top}}", "T", (1, None, r"#1^{\top}")),
        (r"\renewcommand{\vec}[1]{\mathbf{#1}}", "vec", (1, None, r"\mathbf{#1}")),
        (r"\renewcommand*\vec[1]{\mathbf{#1}}", "vec", (1, None, r"\mathbf{#1}")),
        (r"\providecommand{\x}{\mathbf{x}}", "x", (0, None, r"\mathbf{x}")),
        (r"\providecommand*{\x}{\mathbf{x}}", "x", (0, None, r"\mathbf{x}")),
        (r"\DeclareRobustCommand{\y}{\mathbf{y}}", "y", (0, None, r"\mathbf{y}")),
        (r"\def\E{\mathbb{E}}", "E", (0, None, r"\mathbb{E}")),
        (r"\def\inner#1#2{\langle #1, #2 \rangle}", "inner", (2, None, r"\langle #1, #2 \rangle")),
        (r"\gdef\one{\mathbf{1}}", "one", (0, None, r"\mathbf{1}")),
        (r"\DeclareMathOperator{\tr}{tr}", "tr", (0, None, r"\operatorname{tr}")),
        (r"\DeclareMathOperator*{\argmax}{arg\,max}", "argmax", (0, None, r"\operatorname*{arg\,max}")),
        (r"\DeclareMathOperator\diag{diag}", "diag", (0, None, r"\operatorname{diag}")),
        (r"\let\originalvec\vec", "originalvec", (0, None, r"\vec")),
        (r"\let\bb=\mathbb", "bb", (0, None, r"\mathbb")),
        (r"\NewDocumentCommand{\dd}{m m}{\frac{d #1}{d #2}}", "dd", (2, None, r"\frac{d #1}{d #2}")),
        (r"\NewDocumentCommand\ddx{O{x} m}{\frac{d #2}{d #1}}", "ddx", (2, "x", r"\frac{d #2}{d #1}")),
    ],
)
def test_definition_forms(text, name, expected):
    assert find_macro_definitions(text) == {name: expected}


def test_escaped_braces_in_body():
    text = r"\newcommand{\set}[1]{\{ #1 \}} \newcommand{\b}{x}"
    assert find_macro_definitions(text) == {"set": (1, None, r"\{ #1 \}"), "b": (0, None, "x")}


def test_unbalanced_escaped_brace_in_body():
    assert find_macro_definitions(r"\newcommand{\lb}{\{}") == {"lb": (0, None, r"\{")}


def test_comment_inside_body_is_removed_and_its_brace_ignored():
    text = "\\newcommand{\\a}{x % a } in a comment\n  + y}"
    assert find_macro_definitions(text) == {"a": (0, None, "x + y")}


def test_commented_out_definitions_are_ignored():
    text = "% \\newcommand{\\b}{c}\n\\newcommand{\\matr}[1]{\\mathbf{#1}} % \\renewcommand{\\matr}[1]{#1}\n"
    assert find_macro_definitions(text) == {"matr": (1, None, r"\mathbf{#1}")}


def test_escaped_percent_is_not_a_comment():
    assert find_macro_definitions(r"50\% \newcommand{\c}{d}") == {"c": (0, None, "d")}


def test_escaped_backslash_then_keyword_is_text():
    assert find_macro_definitions(r"a \\newcommand{\x}{y}") == {}


def test_later_definitions_win_but_providecommand_does_not_override():
    text = r"\newcommand{\x}{a} \renewcommand{\x}{b} \providecommand{\x}{c} \providecommand{\y}{d}"
    assert find_macro_definitions(text) == {"x": (0, None, "b"), "y": (0, None, "d")}


def test_definitions_inside_a_definition_body_are_not_recorded():
    text = r"\NewDocumentCommand{\drawellipse}{m m o}{ \def\centerX{#1} } \def\after{z}"
    # m m o is read (the inner \def is part of its body), and the inner \def is no macro
    assert find_macro_definitions(text) == {"drawellipse": (3, None, r" \def\centerX{#1} "), "after": (0, None, "z")}
    spans = [text[d.start : d.end] for d in scan_definitions(text)]
    assert spans == [r"\NewDocumentCommand{\drawellipse}{m m o}{ \def\centerX{#1} }", r"\def\after{z}"]


def test_environment_definitions_are_spans_not_macros():
    text = r"\newenvironment{walign}{\begin{align}}{\end{align}}\newcommand{\x}{y}"
    definitions = scan_definitions(text)
    assert [d.name for d in definitions] == [None, "x"]
    assert text[definitions[0].start : definitions[0].end] == r"\newenvironment{walign}{\begin{align}}{\end{align}}"
    assert find_macro_definitions(text) == {"x": (0, None, "y")}


@pytest.mark.parametrize(
    "text",
    [
        r"\newcommand{\x}[a]{y}",
        r"\newcommand{\x}",
        r"\newcommand{\x}{unclosed",
        r"\newcommand",
        r"\newcommand{}{x}",
        r"\newcommand{\x}[1][unclosed{y}",
        r"\def",
        r"\def\x",
        r"\def\x#1",
        r"\DeclareMathOperator{\x}",
        r"\DeclareMathOperator",
        r"\let",
        r"\let\x",
        r"\NewDocumentCommand{\x}{m}",
        r"\newenvironment{x}{",
        "\\newcommand{\\x}{% }",
        "\\",
        "",
    ],
)
def test_malformed_definitions_are_skipped(text):
    assert find_macro_definitions(text) == {}


@pytest.mark.parametrize(
    "text",
    [r"\newcommand{\x}[a]{y}", r"\newcommand{}{x}", r"\newcommand{\x}{unclosed", r"\def\x#1",
     r"\DeclareMathOperator{\x}", r"\NewDocumentCommand{\x}{m}", r"\newenvironment{x}{"],
)
def test_scanning_goes_on_after_a_malformed_definition(text):
    assert find_macro_definitions(text + "\n\\newcommand{\\ok}{1}") == {"ok": (0, None, "1")}


def test_an_incomplete_definition_takes_the_next_token_as_tex_does():
    assert find_macro_definitions("\\let\\x\n\\newcommand{\\ok}{1}")["x"] == (0, None, "\\newcommand")


def test_no_backslash_is_fast_and_empty():
    assert find_macro_definitions("x^2 + y^2") == {}


def test_random_input_never_raises():
    rng = random.Random(7)
    pieces = ["\\newcommand", "\\def", "\\let", "\\DeclareMathOperator", "*", "{", "}", "[", "]", "\\x",
              "#1", "%", "\n", "\\", "\\{", "\\}", "2", " ", "\\NewDocumentCommand", "m", "O{", "\\newenvironment"]
    for _ in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 14)))
        for name, (nargs, default, body) in find_macro_definitions(text).items():
            assert isinstance(name, str) and isinstance(nargs, int) and isinstance(body, str)
        for d in scan_definitions(text):
            assert 0 <= d.start < d.end <= len(text)


def test_helpers():
    assert skip_space("  % c\n  x", 0) == 8
    assert match_group("{a{b}\\}c}d", 0) == 9
    assert match_group("[a{]}b]c", 0) == 7
    assert match_group("{a % }\n}", 0) == 8
    assert match_group("{a", 0) == -1
    assert match_group("x", 0) == -1
    assert strip_comments("a % b\n  c \\% d") == "a c \\% d"


# --------------------------------------------------------------------------- xparse m/o and starred operators


@pytest.mark.parametrize(
    "definition, use, expanded",
    [
        (r"\NewDocumentCommand{\qf}{m o}{#1^T #2 #1}", r"\qf{x}[A]", "x^T A x"),
        (r"\NewDocumentCommand{\qf}{m o}{#1^T #2 #1}", r"\qf{x} + y", "x^T x + y"),  # o absent: nothing
        (r"\NewDocumentCommand{\nrm}{m O{2}}{\|#1\|_{#2}}", r"\nrm{v}", r"\|v\|_{2}"),
        (r"\NewDocumentCommand{\nrm}{m O{2}}{\|#1\|_{#2}}", r"\nrm{v}[1]", r"\|v\|_{1}"),
        (r"\NewDocumentCommand{\ev}{o m}{E_{#1}[#2]}", r"\ev[p]{X}", "E_{p}[X]"),
        (r"\NewDocumentCommand{\three}{m o m}{#1#2#3}", r"\three{a}[b]{c}", "abc"),
        (r"\NewDocumentCommand{\three}{m o m}{#1#2#3}", r"\three{a}{c}", "ac"),
        (r"\DeclareMathOperator*{\argmin}{arg\,min}", r"\argmin_x", r"\operatorname*{arg\,min}_x"),
        (r"\def\pair#1#2{(#1, #2)}", r"\pair{a}{b}", "(a, b)"),
        (r"\newcommand{\x}{\mathbf{x}} \let\vx\x", r"\vx", r"\mathbf{x}"),
    ],
)
def test_definitions_expand_as_latex_expands_them(definition, use, expanded):
    from derivlint.math.lexer import lex

    def joined(tokens):
        return "".join(t.value for t in tokens)

    assert joined(lex(use, find_macro_definitions(definition))) == joined(lex(expanded))


def test_an_optional_xparse_argument_that_the_body_tests_is_not_guessed():
    text = r"\NewDocumentCommand{\g}{m o}{\IfValueTF{#2}{\nabla_{#2}}{\nabla} #1} \NewDocumentCommand{\h}{s m}{#2}"
    assert find_macro_definitions(text) == {}


def test_mixed_xparse_macros_survive_pickling_with_their_argument_spec():
    import pickle

    entry = find_macro_definitions(r"\NewDocumentCommand{\qf}{m o}{#1^T #2 #1}")["qf"]
    assert entry == (2, None, "#1^T #2 #1") and entry.spec == (None, "")
    again = pickle.loads(pickle.dumps(entry))
    assert again == entry and again.spec == entry.spec
