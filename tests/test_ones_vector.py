"""The all-ones vector \\mathbf{1}: drawn as ones where its length follows from its place, undecided otherwise."""

from __future__ import annotations

import pytest

from derivlint.check.reading import ones_vector
from derivlint.engine import check_text
from derivlint.math.lexer import lex
from derivlint.math.parser import sub_parse

DECLARED = "Let $x, y \\in \\mathbb{R}^{n}$ and $A \\in \\mathbb{R}^{m \\times n}$.\n\n"


def verdict(claim_tex: str) -> str:
    claims = check_text("n.md", DECLARED + "$$" + claim_tex + "$$\n").claims
    return claims[-1].verdict or ""


@pytest.mark.parametrize(
    ("tex", "gated"),
    [
        ("\\mathbf{1}^T x", False),
        ("\\boldsymbol{1}^T x", False),
        ("\\vec{1}^T x", False),
        ("\\mathbf{1}_n^T x", True),  # a length, or a set's indicator 1_A
        ("\\mathbb{1}(x > 0)", True),  # an indicator function
        ("x^T x", False),
    ],
)
def test_which_ones_vectors_are_left_to_the_reading_gate(tex: str, gated: bool) -> None:
    assert ones_vector(sub_parse(lex(tex)).walk()) is gated


@pytest.mark.parametrize(
    "claim",
    [
        "\\mathbf{1}^T (x + y) = x^T \\mathbf{1} + \\mathbf{1}^T y",
        "\\frac{\\partial (\\mathbf{1}^T A x)}{\\partial x} = A^T \\mathbf{1}",
        "\\frac{\\partial \\log(\\mathbf{1}^T e^{x})}{\\partial x} = \\frac{e^{x}}{\\mathbf{1}^T e^{x}}",
    ],
)
def test_right_claims_with_ones_hold(claim: str) -> None:
    assert verdict(claim).startswith("true")


def test_a_wrong_claim_with_ones_is_false() -> None:
    assert verdict("\\frac{\\partial \\log(\\mathbf{1}^T e^{x})}{\\partial x} = \\frac{\\mathbf{1}}{\\mathbf{1}^T e^{x}}") == "false"


@pytest.mark.parametrize(
    ("claim", "why"),
    [
        ("\\mathbf{1}^T A \\mathbf{1} = \\mathbf{1}^T A \\mathbf{1}", "another length at each place"),
        ("\\frac{\\partial (x + z)}{\\partial z} = \\mathbf{1}", "length does not follow"),
        ("\\frac{\\partial (x^T \\mathbf{1}_n)}{\\partial x} = \\mathbf{1}_n", "all-ones vector 1 is not evaluated"),
    ],
)
def test_ones_without_a_certain_length_stay_undecided(claim: str, why: str) -> None:
    found = verdict(claim)
    assert found.startswith("undecided") and why in found, found
