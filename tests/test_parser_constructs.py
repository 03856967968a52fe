"""Tests for the constructs read but never evaluated (sets, conditionals, integrals, evaluation bars …)
and the notations read as known ones (\\pdv, \\bigtriangledown, \\mathbb{S}^n_{++}, \\limits, \\substack)."""

from __future__ import annotations

import pytest

from derivlint.context.mathdecl import space_of
from derivlint.engine import check_text
from derivlint.math.lexer import lex
from derivlint.math.parser import ParseError, Parser, sub_parse
from derivlint.math.tree import Abs, Call, Deriv, Func, Norm, Opaque, Space, Sum, Sym, Tuple, render


def parse(text: str):
    return sub_parse(lex(text))


def chain(text: str):
    first, steps = Parser(lex(text)).parse_chain()
    return first, steps


def opaques(node) -> list[Opaque]:
    return [n for n in node.walk() if isinstance(n, Opaque)]


def claims(text: str, path: str = "note.md"):
    return check_text(path, text).claims


# ---------------------------------------------------------------- sets


@pytest.mark.parametrize(
    "text, op, count",
    [
        (r"\{0, 1\}", "set", 2),
        (r"\{x \mid x > 0\}", "setof", 2),
        (r"\{x : x > 0\}", "set", 1),  # the colon rule: one clause x : x > 0
        (r"\left\{ x \mid x > 0 \right\}", "setof", 2),
        (r"\lbrace a, b, c \rbrace", "set", 3),
    ],
)
def test_sets(text, op, count):
    node = parse(text)
    assert isinstance(node, Opaque) and node.op == op
    assert len(node.parts) == count


def test_brace_group_stays_a_group():
    # \left\{ … \right\} around one expression is a big bracket, as before
    node = parse(r"2 \left\{ a + b \right\}")
    assert not opaques(node)


def test_set_commas_do_not_split_statements():
    found = claims("$S = \\{x \\mid x > 0, x < 1\\}$\n")
    assert [c.kind for c in found] == ["definition"]
    assert render(found[0].rhs) == "{x | x > 0, x < 1}"


# ---------------------------------------------------------------- conditionals and events


@pytest.mark.parametrize(
    "text",
    [r"p(x \mid y)", r"p(x|y)", r"p\left(x \mid y\right)", r"P(X \vert \theta)", r"p(x | \mu, \Sigma)"],
)
def test_conditional_is_a_function_of_both(text):
    node = parse(text)
    assert isinstance(node, Opaque) and node.op == "mid"
    assert isinstance(node.head, Sym) and node.head.name in ("p", "P")
    assert len(node.parts) == 2
    assert not any(isinstance(n, Abs) for n in node.walk())  # never an absolute value


def test_absolute_values_stay():
    assert isinstance(parse(r"|x|"), Abs)
    assert isinstance(parse(r"\ln |X|"), Func)
    node = parse(r"|x|_1")  # the closing bar of |x| with a subscript: no evaluation bar
    assert not opaques(node)
    assert isinstance(parse(r"||x||_2"), Norm)


def test_event_inside_brackets():
    node = parse(r"P(X = x_i, Y = y_j)")
    assert isinstance(node, Opaque) and node.head.name == "P"
    assert [p.op for p in node.parts] == ["=", "="]


def test_semicolon_parameters_are_arguments():
    node = parse(r"f(x; \theta)")
    assert isinstance(node, Call) and [render(a) for a in node.args] == ["x", "theta"]
    # a semicolon list without a function: its meaning (a column?) is the note's own
    assert isinstance(parse(r"(x_1; x_2; x_3)"), Opaque)


def test_conditional_claim_is_undecided_with_its_reason():
    text = "$$\np(x \\mid y) = \\frac{p(x, y)}{p(y)}\n$$\n"
    (claim,) = claims(text)
    assert claim.kind != "unparsed"
    assert "conditional" in (claim.undecided or "")


# ---------------------------------------------------------------- evaluation bars


@pytest.mark.parametrize(
    "text",
    [
        r"\left. \frac{\partial f}{\partial x} \right|_{x=0}",
        r"f(x)|_{x=a}",
        r"\frac{dL}{dw}\Big|_{w=w_0}",
        r"\left. x^2 \right|_0^1",
    ],
)
def test_evaluation_bars(text):
    node = parse(text)
    assert isinstance(node, Opaque) and node.op == "bar"
    assert len(node.parts) >= 2  # the expression and where it is evaluated


def test_left_right_dots_across_aligned_rows():
    text = "$$\n\\begin{aligned}\ny &= \\left( a + b \\right. \\\\\n&\\quad \\left. + c \\right) d\n\\end{aligned}\n$$\n"
    found = claims(text)
    assert found and all(c.kind != "unparsed" for c in found)


def test_left_bracket_closed_by_hand():
    # \left[ … ] \right.: drawn as a pair, not an unmatched ']'
    first, steps = chain(r"a = \left[ e^{x} ] \right. b")
    assert render(steps[0][2]) == "exp(x) b"


# ---------------------------------------------------------------- integrals


def test_integral_is_opaque_with_bounds_and_body():
    node = parse(r"\int_0^1 x^2 \, dx")
    assert isinstance(node, Opaque) and node.op == "int"
    assert [render(p) for p in node.parts[:2]] == ["0", "1"]
    first, steps = chain(r"F(1) - F(0) = \int\limits_{0}^{1} f(x) \, dx + C")
    assert opaques(steps[0][2])


def test_integral_claim_is_undecided():
    (claim,) = claims("$$\n\\int_0^1 x^2 \\, dx = \\frac{1}{3}\n$$\n")
    assert claim.kind != "unparsed"
    assert "integral" in (claim.undecided or "")


# ---------------------------------------------------------------- operators and scripts


def test_bigtriangledown_is_nabla():
    node = parse(r"\bigtriangledown_x f")
    assert isinstance(node, Deriv) and node.op == "nabla"


@pytest.mark.parametrize("alias, command", [("rArr", "Rightarrow"), ("rarr", "rightarrow"), ("hArr", "Leftrightarrow"),
                                            ("lArr", "Leftarrow"), ("empty", "emptyset")])
def test_katex_arrow_aliases_read_as_their_commands(alias, command):
    """KaTeX's \\rArr, \\rarr, \\hArr, \\empty: the lexer gives the command they stand for (they were
    unknown commands, and a claim beside them went unparsed)."""
    assert [t.value for t in lex(rf"a \{alias} b") if t.kind == "cmd"] == [command]


@pytest.mark.parametrize("op", ["wedge", "vee", "cap", "cup"])
def test_logic_and_set_operations(op):
    node = parse(rf"a \{op} b")
    assert isinstance(node, Opaque) and node.op == op and len(node.parts) == 2


def test_hat_map_superscript_is_opaque():
    node = parse(r"\xi^\wedge")
    assert isinstance(node, Opaque) and node.op == "wedge"


@pytest.mark.parametrize("text", [r"A_{:,j}", r"A_{i,:}", r"x_{1:n}"])
def test_slices(text):
    node = parse(text)
    assert isinstance(node, Opaque) and node.op == "slice"


def test_slice_claim_is_undecided():
    text = "Let $A \\in \\mathbb{R}^{3 \\times 3}$.\n\n$$\nA_{:,j} = A e_j\n$$\n"
    claim = claims(text)[-1]
    assert "slice" in (claim.undecided or "")


def test_in_inside_subscripts():
    node = parse(r"\sum_{x \in X} p(x)")
    assert isinstance(node, Sum) and node.index == "x"
    node = parse(r"\max_{y \in Y} f(y)")
    assert isinstance(node, Func) and isinstance(node.sub, Opaque)
    node = parse(r"\min_{i=1,\ldots,N} x_i")
    assert isinstance(node, Func) and isinstance(node.sub, Opaque)


def test_operatorname_star_limits_substack():
    node = parse(r"\operatorname*{argmin}_x f(x)")
    assert isinstance(node, Func) and node.name == "argmin" and render(node.sub) == "x"
    node = parse(r"\operatornamewithlimits{argmax}_x f(x)")
    assert isinstance(node, Func) and node.name == "argmax"
    node = parse(r"\min\limits_{w} L(w)")
    assert isinstance(node, Func) and render(node.sub) == "w"
    node = parse(r"\mathop{\arg\max}\limits_{p} L(p)")
    assert isinstance(node, Func) and render(node.sub) == "p"
    node = parse(r"\sum_{\substack{i < j \\ j < n}} a_{ij}")
    assert isinstance(node, Sum) and isinstance(node.sub, Opaque) and len(node.sub.parts) == 2


def test_braces_keep_their_content():
    assert render(parse(r"\underbrace{A B}_{n \times n}")) == "A B"
    assert render(parse(r"\overbrace{x + y}^{\text{sum}}")) == "x + y"


@pytest.mark.parametrize(
    "text, op, num, wrt",
    [
        (r"\pdv{f}{x}", "partial", "f", ["x"]),
        (r"\pdv[2]{f}{x}", "partial", "f", ["x", "x"]),
        (r"\pdv{f}{x}{y}", "partial", "f", ["x", "y"]),
        (r"\dv{f}{x}", "d", "f", ["x"]),
        (r"\pdv{x} g", "partial", "g", ["x"]),
    ],
)
def test_physics_derivatives(text, op, num, wrt):
    node = parse(text)
    assert isinstance(node, Deriv) and node.op == op
    assert render(node.num) == num and [render(w) for w in node.wrt] == wrt


def test_positive_definite_cone():
    node = parse(r"\mathbb{S}^n_{++}")
    assert isinstance(node, Space) and node.sub == "++"
    assert "positive_definite" in space_of(node).props
    assert "positive_definite" not in space_of(parse(r"\mathbb{S}^n")).props


def test_value_list_after_a_relation():
    first, steps = chain(r"i = 1, 2, \cdots, n")
    assert isinstance(steps[0][2], Opaque) and len(steps[0][2].parts) == 4
    with pytest.raises(ParseError):  # two relations: two statements, not a list
        chain(r"a = 1, b = 2")


def test_markdown_escapes():
    assert render(parse(r"x\_1")) == "x_1"


def test_quantifier():
    first, steps = chain(r"\forall x \in S")
    assert isinstance(first, Opaque) and first.op == "forall"


# ---------------------------------------------------------------- Hessians


def test_hessian_parses_as_second_derivative_and_is_decided():
    node = parse(r"\frac{\partial^2 f}{\partial x \partial x^T}")
    assert isinstance(node, Deriv) and node.order == 2
    text = "Let $x \\in \\mathbb{R}^n$, $A \\in \\mathbb{R}^{n \\times n}$, $f = x^T A x$.\n\n$$\n\\frac{\\partial^2 f}{\\partial x \\partial x^T} = A + A^T\n$$\n"
    claim = claims(text)[-1]
    assert claim.verdict == "true"  # forward mode for ∂f/∂x, differences for the outer (check/hessian.py)


# ---------------------------------------------------------------- the Gaussian's covariance

DENSITY = (
    "For $x \\sim \\mathcal{N}(m, M)$ with density\n\n"
    "$$\np(x;\\, m, M) = \\exp\\left(-\\tfrac{1}{2}(x-m)^T M^{-1} (x-m)\\right)\n$$\n\n"
    "$$\n\\frac{\\partial \\log p}{\\partial m} = M^{-1}(x - m)\n$$\n"
)


def test_covariance_of_a_normal_is_symmetric():
    assert not [f for f in check_text("note.md", DENSITY).findings if f.code.startswith("DL3")]
    # without the distribution, M may be any matrix: the formula needs its symmetry
    bare = DENSITY.replace("For $x \\sim \\mathcal{N}(m, M)$ with density", "With $M \\in \\mathbb{R}^{n \\times n}$")
    assert "DL304" in [f.code for f in check_text("note.md", bare).findings]


def test_tuple_and_tuple_claims_unchanged():
    first, steps = chain(r"(a, b) = (1, 2)")
    assert isinstance(first, Tuple) and isinstance(steps[0][2], Tuple)
