"""Tests of DL101's delimiter reader: what renders balanced is silent, what does not is found."""

from __future__ import annotations

import pytest

from derivlint.engine import check_text
from derivlint.rules.dl101_unbalanced_delimiter import scan


@pytest.mark.parametrize(
    "math",
    [
        r"[0, 1)", r"(a, b]", r"\left[0, \infty\right)", r"\Bigl[\mbox{Var}[x]\Bigr]", r"[\text{Bias}(x)]^2",
        r"\mathbb{R}^{(N \times C)}", r"\{ x \mid x > 0 \}", r"\lbrace a \rbrace", r"\langle x, y \rangle",
        r"\left( a \right. \\ \left. b \right)", r"f(x \\ & + y)", r"\text{(1)} + \operatorname{tr}(A)",
        r"\tag{3.1)} x", "a % b ( c\n + d", r"\verb|(| x", r"\overbrace{F(x}^{a} + y)", r"\sqrt[3]{x}",
        r"\begin{array}{c|c)} a & b \end{array}", r"x \\[2pt] y", r"\left. \frac{df}{dx} \right|_{x=0}",
        "f（x） = 1", r"]0, 1[", r"]a, b]", r"x \in ]0, 1[ \cup [2, 3)", r"\left\| x \right\|", r"\big( a, b \big]", r"\color{red}{(a)}", r"\frac12 (x)",
    ],
)
def test_balanced_as_rendered(math):
    assert scan(math) == []


@pytest.mark.parametrize(
    "math, start, message",
    [
        (r"f(x", 1, "Unclosed '('"),
        (r"f(x))", 4, "Unmatched ')'"),
        (r"[a + b)", 0, "'[' closed by ')'"),
        (r"[a, b, c)", 0, "'[' closed by ')'"),
        (r"e^{\lambda(x - y})", 10, "Unclosed '('"),
        (r"\frac{(a}{b)}", 6, "Unclosed '('"),
        (r"\left( a ) \right)", 9, "Unmatched ')'"),
        (r"\left( a", 0, "\\left( without \\right"),
        (r"a \right)", 2, "'\\right)' without \\left"),
        (r"x_{i}}", 5, "Unmatched '}'"),
        (r"\begin{aligned} a", 0, "\\begin{aligned} without \\end{aligned}"),
        (r"\text{a", 5, "Unclosed '{'"),
        (r"\left[ a \right)", 0, "'\\left[' closed by '\\right)'"),
        (r"W^{1]} x", 4, "Unmatched ']'"),
        ("P（z) = 1", 1, "'（' closed by ')'"),
        (r"a] + (b, c[", 1, "Unmatched ']'"),
    ],
)
def test_unbalanced(math, start, message):
    first = scan(math)[0]
    assert (first.start, first.message) == (start, message)


def test_markdown_escaped_braces_are_read_both_ways():
    # \\{ is \{ after a Markdown converter that eats one backslash; in TeX it is a row break and {
    assert scan(r"\left\\{ x \right.")
    assert scan(r"\left\\{ x \right.", markdown=True) == []
    found = check_text("n.md", "# t\n\n$$\nS = \\left\\\\{ x : x_1 = (a + b) \\right.\n$$\n").findings
    assert [f.code for f in found if f.code == "DL101"] == []
    found = check_text("n.tex", "\\[ S = \\left\\\\{ x : x_1 = (a + b \\right. \\]\n").findings
    assert [f.code for f in found] == ["DL101"]


@pytest.mark.parametrize(
    "note, expected",
    [
        ("The cost ($C(y, z$)) is small.\n", []),
        ("We store $(s$, $a)$ in the buffer.\n", []),
        ("See condition $3)$ above.\n", []),
        ("The cost $C(y, z$ is small. Then (b) holds.\n", [1]),
        ("So $f(x))$ is wrong (as said).\n", [1]),
    ],
)
def test_inline_brackets_closed_by_the_sentence(note, expected):
    found = check_text("n.md", "# t\n\n" + note).findings
    assert [f.line - 2 for f in found if f.code == "DL101"] == expected


def test_a_set_spread_over_inline_formulas_is_balanced():
    from derivlint.extract.markdown import extract_markdown
    from derivlint.rules.dl101_unbalanced_delimiter import block_imbalances

    ex = extract_markdown("n.md", "The set $\\{a$, $b\\}$ has two elements, and $\\{c$ alone does not close.\n")
    assert [len(block_imbalances(b)) for b in ex.blocks] == [0, 0, 1]


def test_a_mismatch_is_reported_rather_than_the_outer_bracket_it_leaves_open():
    # -[y log σ(z) + (1-y) log(1-σ(z) ]: the slip is the '(' that ']' meets, not the '[' left open after
    note = "The loss is $L = -[y \\log \\sigma(z) + (1-y)\\log(1-\\sigma(z) ]$ for one sample.\n"
    messages = [f.message for f in check_text("note.md", note).findings if f.code == "DL101"]
    assert messages == ["'(' closed by ']'"]


def test_a_mismatch_inside_an_environment_is_reported_rather_than_the_bracket_it_leaves_open():
    # \begin{align}[ … ((1 − y) a + y b ] \end{align}: the ']' meets the inner '(', and \end closes the '['
    note = "$$\n\\begin{align}[\\sum_i ((1-y_i) a + y_i b]\n\\end{align}\n$$\n"
    messages = [f.message for f in check_text("note.md", note).findings if f.code == "DL101"]
    assert messages == ["'(' closed by ']'"]
