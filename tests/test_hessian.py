"""Second derivatives: ∂²f/∂x∂xᵀ, d²g/dt², ∂²g/∂s∂t, ∇²_x f and ∂/∂x(∂f/∂x), read as nested derivatives and decided."""

from __future__ import annotations

import numpy as np
import pytest

from derivlint.check import hessian
from derivlint.engine import check_text
from derivlint.math.lexer import lex
from derivlint.math.parser import sub_parse
from derivlint.math.tree import Deriv

DECLARED = (
    "Let $x \\in \\mathbb{R}^{n}$, $y \\in \\mathbb{R}^{m}$, $A \\in \\mathbb{R}^{n \\times n}$ and "
    "$B \\in \\mathbb{R}^{m \\times n}$.\n\n"
)


def tree(text: str):
    return sub_parse(lex(text))


def verdict(claim_tex: str, declared: str = DECLARED) -> str:
    claims = [c for c in check_text("n.md", declared + "$$" + claim_tex + "$$\n").claims if c.kind == "derivative"]
    assert claims, claim_tex
    return claims[-1].verdict or ""


# ---------------------------------------------------------------- the nested form


@pytest.mark.parametrize(
    ("tex", "mark", "outer", "inner"),
    [
        ("\\frac{\\partial^2 f}{\\partial x \\partial x^T}", "same", "x", "x"),
        ("\\frac{\\partial^2 f}{\\partial x^2}", "square", "x", "x"),
        ("\\frac{d^2 g}{dt^2}", "square", "t", "t"),
        ("\\frac{\\partial^2 g}{\\partial s \\partial t}", "mixed", "s", "t"),
        ("\\nabla_x^2 f", "nabla", "x", "x"),
    ],
)
def test_a_second_derivative_becomes_a_derivative_of_a_derivative(tex, mark, outer, inner) -> None:
    node = hessian.nested_form(tree(tex))
    assert isinstance(node, Deriv) and isinstance(node.num, Deriv)
    assert getattr(node, hessian.MARK) == mark
    assert (node.wrt[0].key, node.num.wrt[0].key) == (outer, inner)
    assert len(node.wrt) == len(node.num.wrt) == 1


@pytest.mark.parametrize(
    ("tex", "why"),
    [
        ("\\frac{\\partial^3 f}{\\partial x^3}", "order 3"),
        ("(\\nabla_x^2 f)^{-1} g", "Laplacian"),
        ("\\frac{\\partial^2 f}{\\partial (Ax) \\partial x}", "not a variable"),
    ],
)
def test_forms_without_a_nested_reading_are_unsettled(tex, why) -> None:
    with pytest.raises(hessian.Unsettled, match=why):
        hessian.nested_form(tree(tex))


def test_a_side_without_second_derivatives_is_left_as_it_is() -> None:
    side = tree("\\frac{\\partial f}{\\partial x} + A x")
    assert hessian.nested_form(side) is side


def test_outer_jacobian_matches_the_exact_second_derivative() -> None:
    rng = np.random.default_rng(3)
    b = rng.normal(size=(3, 1))
    x = rng.normal(size=(3, 1))

    def gradient(env):  # of log(1 + e^{bᵀx}): σ(bᵀx) b
        z = float((b.T @ env["x"])[0, 0])
        return b / (1 + np.exp(-z))

    J = hessian.outer_jacobian(gradient, {"x": x}, "x")
    z = float((b.T @ x)[0, 0])
    s = 1 / (1 + np.exp(-z))
    assert np.allclose(J.reshape(3, 3), s * (1 - s) * b @ b.T, atol=1e-10)


def test_outer_jacobian_refuses_values_the_steps_do_not_settle() -> None:
    with pytest.raises(hessian.Unsettled):  # a kink at the point: the slopes of h and 2h disagree
        hessian.outer_jacobian(lambda env: np.abs(env["t"] - 1e-3 * 1.5) * 1e6, {"t": np.zeros((1, 1))}, "t")


# ---------------------------------------------------------------- verdicts


@pytest.mark.parametrize(
    "claim",
    [
        "\\frac{\\partial^2 (x^T A x)}{\\partial x \\partial x^T} = A + A^T",
        "\\frac{\\partial^2 (x^T A x)}{\\partial x^2} = A^T + A",
        "\\nabla_x^2 (x^T A x) = A + A^T",
        "\\frac{\\partial}{\\partial x}\\left(\\frac{\\partial (x^T A x)}{\\partial x}\\right) = A + A^T",
        "\\frac{\\partial^2 \\|B x - y\\|^2}{\\partial x \\partial x^T} = 2 B^T B",
        "\\frac{\\partial^2 \\log(1 + e^{y^T B x})}{\\partial x \\partial x^T} = "
        "\\frac{e^{y^T B x}}{(1 + e^{y^T B x})^2} B^T y y^T B",
    ],
)
def test_right_hessians_hold(claim: str) -> None:
    assert verdict(claim) == "true"


def test_a_derivative_of_a_gradient_is_no_constant() -> None:
    # forward mode held the inner ∂f/∂x fixed: ∂/∂x(∂f/∂x) came out 0 and the right claim false
    declared = DECLARED + "Let $f(x) = x^T A x$.\n\n"
    assert verdict("\\frac{\\partial}{\\partial x}\\left(\\frac{\\partial f}{\\partial x}\\right) = A + A^T", declared) == "true"


@pytest.mark.parametrize(
    "claim",
    [
        "\\frac{\\partial^2 \\|B x - y\\|^2}{\\partial x \\partial x^T} = 2 B B^T",
        "\\frac{\\partial^2 (x^T A x)}{\\partial x \\partial x^T} = 2 A x",
        "\\frac{\\partial^2 \\log(1 + e^{y^T B x})}{\\partial x \\partial x^T} = "
        "\\frac{e^{y^T B x}}{1 + e^{y^T B x}} B^T y y^T B",
    ],
)
def test_wrong_hessians_are_false(claim: str) -> None:
    assert verdict(claim).startswith("false")


def test_a_hessian_that_needs_symmetry_is_an_unstated_assumption() -> None:
    assert "holds only if A is symmetric" in verdict("\\frac{\\partial^2 (x^T A x)}{\\partial x \\partial x^T} = 2 A")


def test_scalar_second_derivatives() -> None:
    declared = "Let $s, t \\in \\mathbb{R}$ and $g(s, t) = s^2 t^3 + e^{s}$.\n\n"
    assert verdict("\\frac{\\partial^2 g}{\\partial s \\partial t} = 6 s t^2", declared) == "true"
    assert verdict("\\frac{\\partial^2 g}{\\partial t \\partial s} = 6 s t^2", declared) == "true"
    assert verdict("\\frac{d^2 g}{d s^2} = 2 t^3 + e^{s}", declared) == "true"
    assert verdict("\\frac{\\partial^2 (s^2 t^3)}{\\partial t^2} = 3 s^2 t", declared).startswith("false")


@pytest.mark.parametrize(
    ("claim", "why"),
    [
        ("\\frac{\\partial^2 (y^T B x)}{\\partial x \\partial y^T} = B^T", "mixed second derivative by vectors"),
        ("\\nabla_x^2 (x^T x) = 2 n", "Laplacian"),
        ("\\frac{\\partial^2 (x^T x)}{\\partial x \\partial x^T} = 2", "multiple of I"),
        ("\\frac{\\partial^2 (x^T A x)}{\\partial x^2} = 2 A x", "entry by entry"),
        ("\\frac{\\partial^2 (B x)}{\\partial x^2} = 0", "no 2-D layout"),
        ("\\frac{\\partial^3 (x^T A x)}{\\partial x^3} = 0", "order 3"),
    ],
)
def test_second_derivatives_without_a_certain_reading_stay_undecided(claim: str, why: str) -> None:
    found = verdict(claim)
    assert found.startswith("undecided") and why in found


# ---------------------------------------------------------------- entry by entry (check/indices.py)


def test_an_entrywise_hessian_is_decided() -> None:
    assert verdict("\\frac{\\partial^2 (x^T A x)}{\\partial x_i \\partial x_j} = A_{ij} + A_{ji}") == "true"
    assert verdict("\\frac{\\partial^2 (x^T A x)}{\\partial x_i^2} = 2 A_{ii}") == "true"
    assert "holds only if A is symmetric" in verdict("\\frac{\\partial^2 (x^T A x)}{\\partial x_i \\partial x_j} = 2 A_{ij}")


def test_an_entrywise_hessian_with_delta() -> None:
    claim = ("\\frac{\\partial^2 \\log(1 + e^{x^T x})}{\\partial x_i \\partial x_j} = \\frac{2 e^{x^T x}}{1 + e^{x^T x}} \\delta_{ij}"
             " + \\frac{4 x_i x_j e^{x^T x}}{(1 + e^{x^T x})^2}")
    assert verdict(claim) == "true"
    assert verdict(claim.replace("4 x_i", "2 x_i")).startswith("false")


# ---------------------------------------------------------------- ∇f(x): the variable is the function's argument


NABLA = DECLARED + "Let $f(x) = x^T A x$.\n\n"


@pytest.mark.parametrize(
    ("claim", "expected"),
    [
        ("\\nabla f(x) = (A + A^T) x", "true in the denominator layout"),
        ("\\nabla f(x) = x^T (A + A^T)", "true in the numerator layout"),  # a row gradient: the note's convention
        ("\\nabla^2 f(x) = A + A^T", "true"),
        ("\\nabla f(x) = 2 A x", "false in general: holds only if A is symmetric"),
    ],
)
def test_nabla_of_a_function_of_one_argument(claim: str, expected: str) -> None:
    assert verdict(claim, NABLA).startswith(expected)


def test_the_order_of_a_bare_nabla_is_kept() -> None:
    node = tree("\\nabla^2 f(x)")
    assert getattr(node, "unwritten_order", 1) == 2 and not node.wrt
    nested = hessian.nested_form(node)
    assert getattr(nested, hessian.MARK) == "nabla" and isinstance(nested.num, Deriv)


@pytest.mark.parametrize(
    ("claim", "why"),
    [
        ("\\nabla^2 f(x) = 2", "Laplacian"),
        ("\\nabla^2 f(x) x = (A + A^T) x", "Laplacian"),
        ("\\nabla f(x, y) = 0", "not of one expression by one symbol"),  # which variable: not written
        ("\\nabla (x^T A x) = 2 A x", "not of one expression by one symbol"),
    ],
)
def test_nabla_without_a_certain_variable_or_meaning_stays_undecided(claim: str, why: str) -> None:
    found = verdict(claim, NABLA)
    assert found.startswith("undecided") and why in found, found
