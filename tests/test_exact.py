"""Exact evaluator: worked examples with concrete matrices, comparisons, elementwise
derivatives, and LaTeX written back in the note's own notation."""

from __future__ import annotations

import subprocess
import sys

import pytest
import sympy

from derivlint.check.exact import (
    _POLY, DomainError, PolyMatrix, Polynomial, ShapeMismatch, Style, Unsupported, _evaluate, _NeedSympy,
    compare, derivative, style_of, to_latex, to_sympy,
)  # fmt: skip
from derivlint.math.lexer import lex
from derivlint.math.parser import Parser, sub_parse

x1, x2 = sympy.symbols("x_1 x_2")
BM = r"\begin{bmatrix} %s \end{bmatrix}"
A_SEED = BM % r"1 & 2 \\ 3 & 4"
A_SYM = BM % r"1 & 2 \\ 2 & 3"
X_COL = BM % r"x_1 \\ x_2"


def tree(text: str):
    return sub_parse(lex(text))


def chain(text: str) -> list:
    """The sides of a relation chain a = b = c, in order."""
    first, steps = Parser(lex(text)).parse_chain()
    return [first] + [node for _, _, node in steps]


def seed_values(a: str = A_SEED) -> dict:
    return {"A": tree(a), "X": tree(X_COL)}


# --------------------------------------------------------------------------- the seed examples (seed 000)


def test_quadratic_form_with_a_wrong_middle_coefficient():
    text = (r"X^T A X = \begin{bmatrix} x_1 & x_2 \end{bmatrix} \begin{bmatrix} 1 & 2 \\ 3 & 4 \end{bmatrix} "
            r"\begin{bmatrix} x_1 \\ x_2 \end{bmatrix} = 1x_1^2 + 4x_1x_2 + 4x_2^2")  # fmt: skip
    sides = chain(text)
    values = seed_values()
    assert compare(sides[0], sides[1], values).equal  # the written-out product is right
    result = compare(sides[1], sides[2], values)
    assert not result.equal
    assert result.lhs_shape == result.rhs_shape == (1, 1)
    assert sympy.expand(result.lhs_value[0, 0] - (x1**2 + 5 * x1 * x2 + 4 * x2**2)) == 0
    claimed = "1x_1^2 + 4x_1x_2 + 4x_2^2"
    assert to_latex(result.lhs_value, style_of(claimed)) == "1x_1^2 + 5x_1x_2 + 4x_2^2"


def test_symmetrised_matrix_written_wrong():
    text = r"(A + A^T)X = \begin{bmatrix} 1 & 3 \\ 2 & 4 \end{bmatrix} \begin{bmatrix} x_1 \\ x_2 \end{bmatrix}"
    lhs, rhs = chain(text)
    result = compare(lhs, rhs, seed_values())
    assert not result.equal
    assert result.lhs_shape == (2, 1)
    assert "entry (1, 1)" in result.reason
    style = style_of(BM % r"1 & 3 \\ 2 & 4")
    assert to_latex(to_sympy(tree("A + A^T"), seed_values()), style) == r"\begin{bmatrix} 2 & 5 \\ 5 & 8 \end{bmatrix}"


def test_true_worked_example_with_a_symmetric_matrix():
    text = (r"X^T A X = \begin{bmatrix} x_1 & x_2 \end{bmatrix} \begin{bmatrix} 1 & 2 \\ 2 & 3 \end{bmatrix} "
            r"\begin{bmatrix} x_1 \\ x_2 \end{bmatrix} = 1x_1^2 + 4x_1x_2 + 3x_2^2")  # fmt: skip
    sides = chain(text)
    values = seed_values(A_SYM)
    assert compare(sides[0], sides[1], values).equal
    assert compare(sides[1], sides[2], values).equal
    assert compare(sides[0], sides[2], values).equal
    # and its derivative is 2AX, elementwise
    grad = derivative(tree("X^T A X"), ["X"], values)
    assert grad == to_sympy(tree("2 A X"), values)


def test_true_product_and_transpose_of_section_4():
    text = r"AX = %s %s = %s" % (A_SEED, X_COL, BM % r"1x_1 + 2x_2 \\ 3x_1 + 4x_2")
    sides = chain(text)
    assert compare(sides[0], sides[1], seed_values()).equal
    assert compare(sides[1], sides[2], seed_values()).equal
    lhs, rhs = chain(r"A^T = " + BM % r"1 & 3 \\ 2 & 4")
    assert compare(lhs, rhs, seed_values()).equal


def test_row_vector_against_a_scalar_differs_in_shape():
    lhs, rhs = chain(r"X^T A = x_1(1) + x_2(3)")
    result = compare(lhs, rhs, seed_values())
    assert not result.equal
    assert (result.lhs_shape, result.rhs_shape) == ((1, 2), (1, 1))
    assert "shapes differ: 1×2 and 1×1" in result.reason


def test_elementwise_derivative_of_the_seed_quadratic_form():
    values = seed_values()
    grad = derivative(tree("X^T A X"), ["x_1", "x_2"], values)
    assert grad == sympy.Matrix([[2 * x1 + 5 * x2], [5 * x1 + 8 * x2]])
    assert grad == derivative(tree("X^T A X"), ["X"], values)  # X stands for its entries
    assert grad != to_sympy(tree(BM % r"1 & 3 \\ 2 & 4"), values) * to_sympy(tree("X"), values)


# --------------------------------------------------------------------------- to_sympy


def test_unmapped_symbols_are_scalars_named_as_written():
    value = to_sympy(tree(r"2 x_1 + \alpha_{ij}"), {})
    assert value.shape == (1, 1)
    assert value[0, 0] == 2 * x1 + sympy.Symbol("alpha_ij")


def test_inverse_of_a_literal():
    value = to_sympy(tree(A_SEED + "^{-1}"), {})
    assert value == sympy.Matrix([[-2, 1], [sympy.Rational(3, 2), sympy.Rational(-1, 2)]])
    assert to_sympy(tree("A^{-1} A"), seed_values()) == sympy.eye(2)
    assert to_sympy(tree("A^{-T}"), seed_values()) == value.T


def test_inverse_with_symbolic_entries():
    a, b = sympy.symbols("a b")
    value = to_sympy(tree(BM % r"a & b \\ 0 & a" + "^{-1}"), {})
    assert sympy.simplify(value * sympy.Matrix([[a, b], [0, a]]) - sympy.eye(2)) == sympy.zeros(2)


@pytest.mark.parametrize(
    "text, expected",
    [
        (r"\operatorname{tr}(A)", [[5]]),
        (r"\det A", [[-2]]),
        (r"|A|", [[-2]]),
        ("A^2", [[7, 10], [15, 22]]),
        ("A^0", [[1, 0], [0, 1]]),
        ("A^{-2}", [[sympy.Rational(11, 2), sympy.Rational(-5, 2)], [sympy.Rational(-15, 4), sympy.Rational(7, 4)]]),
        ("2A - A^T", [[1, 1], [4, 4]]),
        ("A + I", [[2, 2], [3, 5]]),
        (r"\frac{1}{2} A", [[sympy.Rational(1, 2), 1], [sympy.Rational(3, 2), 2]]),
        (r"A \odot A", [[1, 4], [9, 16]]),
        (r"\operatorname{diag}(A)", [[1], [4]]),
        (r"\operatorname{vec}(A)", [[1], [3], [2], [4]]),
        (r"\|X\|^2", [[x1**2 + x2**2]]),
        (r"\langle X, A X \rangle", [[x1**2 + 5 * x1 * x2 + 4 * x2**2]]),
        ("A_{21}", [[3]]),
        (r"\sum_{i=1}^{2} x_i^2", [[x1**2 + x2**2]]),
        (r"\sum_{i=1}^{2} \sum_{j=1}^{2} A_{ij}", [[10]]),
        (r"\sum_{i=1}^{2} i x_i", [[x1 + 2 * x2]]),
        (r"\begin{bmatrix} A & I \\ 0 & A \end{bmatrix}", [[1, 2, 1, 0], [3, 4, 0, 1], [0, 0, 1, 2], [0, 0, 3, 4]]),
        (r"\begin{bmatrix} A & 0 \\ 0 & I \end{bmatrix}", None),  # the size of I is not determined
        (r"A \otimes I", None),
        ("x_1(1) + x_2(3)", [[x1 + 3 * x2]]),
        ("x_1(x_2)", [[x1 * x2]]),
    ],
)
def test_translations(text, expected):
    values = seed_values()
    if expected is None:
        with pytest.raises(Unsupported):
            to_sympy(tree(text), values)
        return
    value = to_sympy(tree(text), values)
    assert value.applyfunc(sympy.expand) == sympy.Matrix(expected)


@pytest.mark.parametrize(
    "text, error, message",
    [
        ("A X^T", ShapeMismatch, r"cannot multiply A \(2×2\) and X\^T \(1×2\)"),
        ("A + X", ShapeMismatch, r"cannot add X \(2×1\) to A \(2×2\)"),
        (r"\operatorname{tr}(X)", ShapeMismatch, "trace of X"),
        ("X^{-1}", ShapeMismatch, "inverse of X"),
        (BM % r"1 & 2 \\ 2 & 4" + "^{-1}", DomainError, "singular"),
        ("f(x)", Unsupported, "function f has no definition"),
        (r"\sum_{i=1}^{n} x_i", Unsupported, "symbolic limits"),
        (r"\begin{bmatrix} x_1 & \cdots & x_n \end{bmatrix}", Unsupported, "schematic"),
        (r"\frac{\partial f}{\partial x}", Unsupported, "derivative"),
        ("B", Unsupported, "refers to B itself"),
    ],
)
def test_translation_errors_say_why(text, error, message):
    values = {**seed_values(), "B": tree("B + A")}
    with pytest.raises(error, match=message):
        to_sympy(tree(text), values)


def test_derivative_callback_supplies_derivative_nodes():
    value = to_sympy(tree(r"2 \frac{\partial f}{\partial x}"), {}, deriv=lambda node: sympy.Matrix([[3]]))
    assert value == sympy.Matrix([[6]])


def test_import_does_not_load_sympy():
    code = "import sys, derivlint.check.exact; print('sympy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# --------------------------------------------------------------------------- the polynomial path


@pytest.mark.parametrize(
    "text, polynomial",
    [
        (r"\operatorname{tr}(A) + \det A + |A|", True),
        (r"A^2 - 2A^{-2} + A^0 + A \odot A", True),
        (r"A \otimes A", True),
        (r"\frac{1}{2} A + \operatorname{adj}(A) + I", True),
        (r"\operatorname{vec}(A)", True),
        (r"\operatorname{diag}(A) + X", True),
        (r"\langle X, A X \rangle + \sum_{i=1}^{2} i x_i^2 + (x_1 + x_2)^3 + x_1(x_2)", True),
        (r"\begin{bmatrix} A & I \\ 0 & A \end{bmatrix}", True),
        (r"\frac{x_1}{2} + 2^{-1} + A_{21}", True),
        (r"\|X\|^2", False),  # a square root
        (r"\exp(x_1)", False),
        (r"\frac{x_1}{x_2}", False),  # division by a symbol
        ("x_1^{-1}", False),
        (r"\begin{bmatrix} a & b \\ 0 & a \end{bmatrix}^{-1}", False),  # 1/a entries
    ],
)
def test_polynomial_path_agrees_with_sympy(text, polynomial):
    values = seed_values()
    expected = to_sympy(tree(text), values).applyfunc(sympy.expand)
    if not polynomial:
        with pytest.raises(_NeedSympy):
            _evaluate(tree(text), values, None, _POLY)
        return
    value = _evaluate(tree(text), values, None, _POLY)
    assert isinstance(value, PolyMatrix)
    assert value == expected and value._sympy_().applyfunc(sympy.expand) == expected


@pytest.mark.parametrize(
    "text, error",
    [("A X^T", ShapeMismatch), (BM % r"1 & 2 \\ 2 & 4" + "^{-1}", DomainError), ("f(x)", Unsupported)],
)
def test_polynomial_path_raises_what_sympy_raises(text, error):
    with pytest.raises(error) as poly_error:
        _evaluate(tree(text), seed_values(), None, _POLY)
    with pytest.raises(error) as sympy_error:
        to_sympy(tree(text), seed_values())
    assert str(poly_error.value) == str(sympy_error.value)


def test_polynomials_are_canonical_and_exact():
    x, y = Polynomial.var("x_1"), Polynomial.var("x_2")
    assert (x + y) ** 2 - (x * x + 2 * x * y + y * y) == 0
    assert ((x + y) ** 2).diff("x_1") == 2 * x + 2 * y
    assert (x / 3) * 3 == x and Polynomial.const(1) / 3 + Polynomial.const(2) / 3 == 1
    assert str(x * x - 5 * x * y + Polynomial.const(1) / 2) == "x_1^2 - 5*x_1*x_2 + 1/2"
    with pytest.raises(_NeedSympy):
        x / y


def test_comparing_worked_examples_with_polynomials_gives_the_same_fix():
    """compare() answers with PolyMatrix values that to_latex writes as the sympy values were."""
    sides = chain(r"(A + A^T)X = \begin{bmatrix} 1 & 3 \\ 2 & 4 \end{bmatrix} \begin{bmatrix} x_1 \\ x_2 \end{bmatrix}")
    result = compare(sides[0], sides[1], seed_values())
    assert isinstance(result.lhs_value, PolyMatrix)
    style = style_of(BM % r"1x_1 + 3x_2 \\ 2x_1 + 4x_2")
    written = to_latex(result.lhs_value, style)
    assert written == to_latex(result.lhs_value._sympy_(), style) == BM % r"2x_1 + 5x_2 \\ 5x_1 + 8x_2"
    assert result.reason == "entry (1, 1): 2*x_1 + 5*x_2 ≠ x_1 + 3*x_2"


# --------------------------------------------------------------------------- compare


def test_compare_expands_and_simplifies():
    lhs, rhs = chain(r"(x_1 + x_2)^2 = x_1^2 + 2x_1x_2 + x_2^2")
    assert compare(lhs, rhs, {}).equal
    lhs, rhs = chain(r"\sin^2 x + \cos^2 x = 1")
    assert compare(lhs, rhs, {}).equal
    lhs, rhs = chain(r"(x_1 + x_2)^2 = x_1^2 + x_2^2")
    result = compare(lhs, rhs, {})
    assert not result.equal and "≠" in result.reason


def test_trace_cyclic_on_literals():
    values = {"A": tree(A_SEED), "B": tree(BM % r"0 & 1 \\ 5 & 2"), "C": tree(BM % r"x_1 & 0 \\ 1 & x_2")}
    lhs, rhs = chain(r"\operatorname{tr}(ABC) = \operatorname{tr}(CAB)")
    assert compare(lhs, rhs, values).equal
    lhs, rhs = chain(r"\operatorname{tr}(ABC) = \operatorname{tr}(ACB)")
    assert not compare(lhs, rhs, values).equal


# --------------------------------------------------------------------------- style and LaTeX


def test_style_of_reads_the_notation():
    style = style_of("1x_1^2 + 4x_1x_2 + 4x_2^2")
    assert (style.sub_braces, style.explicit_one, style.product, style.op_spaces) == (False, True, "", True)
    assert style.variables == ["x_1", "x_2"]
    assert style.monomials == [(("x_1", 2),), (("x_1", 1), ("x_2", 1)), (("x_2", 2),)]
    style = style_of(r"x_{1}^{2} + 4 x_{1} x_{2}")
    assert (style.sub_braces, style.explicit_one, style.product) == (True, False, " ")
    assert style_of(r"\begin{pmatrix} 1 & 3 \end{pmatrix}").env == "pmatrix"
    assert style_of(r"a+b").op_spaces is False
    assert style_of(r"\frac{1}{2} x").explicit_one is False
    assert style_of(r"\left( unbalanced").variables == []  # text that does not parse still gives a style


@pytest.mark.parametrize(
    "expr, claimed, expected",
    [
        (x1**2 + 5 * x1 * x2 + 4 * x2**2, "1x_1^2 + 4x_1x_2 + 4x_2^2", "1x_1^2 + 5x_1x_2 + 4x_2^2"),
        (x1**2 + 5 * x1 * x2 + 4 * x2**2, "x_{1}^2 + 4 x_{1} x_{2} + 4 x_{2}^2", "x_{1}^2 + 5 x_{1} x_{2} + 4 x_{2}^2"),
        # the claimed side's own order wins where the monomials are the same
        (x1**2 + 5 * x1 * x2 + 4 * x2**2, "4x_2^2 + x_1^2 + 4x_1x_2", "4x_2^2 + x_1^2 + 5x_1x_2"),
        # a monomial the note lacks goes after the one before it in the default order
        (x1**2 - x1 * x2 + 3 * x2**2, "x_1^2 + x_2^2", "x_1^2 - x_1x_2 + 3x_2^2"),
        (x2 - 2 * x1, "x_2 + x_1", "x_2 - 2x_1"),
        (sympy.Rational(1, 2) * x1**2 - 3, "", r"\frac{1}{2}x_1^2 - 3"),
        (sympy.Symbol("alpha") * x1, "", r"\alpha x_1"),
        (sympy.Integer(7), "", "7"),
        (sympy.Integer(0), "", "0"),
    ],
)
def test_to_latex_in_the_notes_notation(expr, claimed, expected):
    assert to_latex(expr, style_of(claimed)) == expected


def test_to_latex_of_matrices():
    m = sympy.Matrix([[2, 5], [5, 8]])
    assert to_latex(m, style_of(BM % r"1 & 3 \\ 2 & 4")) == r"\begin{bmatrix} 2 & 5 \\ 5 & 8 \end{bmatrix}"
    assert to_latex(m, Style(env="pmatrix")) == r"\begin{pmatrix} 2 & 5 \\ 5 & 8 \end{pmatrix}"
    column = sympy.Matrix([[2 * x1 + 5 * x2], [5 * x1 + 8 * x2]])
    claimed = BM % r"1x_1 + 3x_2 \\ 2x_1 + 4x_2"
    assert to_latex(column, style_of(claimed)) == r"\begin{bmatrix} 2x_1 + 5x_2 \\ 5x_1 + 8x_2 \end{bmatrix}"
    assert to_latex(sympy.Matrix([[x1]]), Style()) == "x_1"


def test_to_latex_round_trips_through_the_parser():
    """What to_latex writes, read back, is the same value."""
    values = seed_values()
    for text in ("X^T A X", "(A + A^T) X", "A^{-1}", r"\frac{1}{3} X^T X - x_1"):
        value = to_sympy(tree(text), values)
        written = to_latex(value, style_of("1x_1^2 + 4x_1x_2"))
        assert compare(tree(written), tree(text), values).equal, written


def test_non_polynomial_falls_back_to_sympy_latex():
    written = to_latex(sympy.sin(x1) + sympy.sqrt(x2), style_of("x_{1}"))
    assert "x_{1}" in written and r"\sin" in written and r"\sqrt" in written
