"""Index notation with numbers (issue 16): entries the note declares numbers (y_i ∈ ℝ) read as the
entries of a drawn vector, a derivative by a whole number (∂/∂w of a Σ with w ∈ ℝ), undeclared
letters read as numbers for a true verdict only, and an entry numbered 0 left undecided."""

from __future__ import annotations

import pytest

from one_display import last_verdict

NUMBERS = "Each feature $x_i \\in \\mathbb{R}$ and label $y_i \\in \\mathbb{R}$, and the slope $w \\in \\mathbb{R}$.\n\n"


def verdict(claim_tex: str, preamble: str = NUMBERS) -> str:
    """The verdict of the last claim of a note made of ``preamble`` and one display."""
    return last_verdict(preamble, claim_tex)


@pytest.mark.parametrize(
    "tex",
    [
        "\\frac{\\partial}{\\partial w} \\sum_{i=1}^{m} (y_i - w x_i)^2 = -2 \\sum_{i=1}^{m} x_i (y_i - w x_i)",
        "\\frac{d}{d w} \\frac{1}{m} \\sum_{i=1}^{m} (y_i - w x_i)^2 = \\frac{2}{m} \\sum_{i=1}^{m} (w x_i - y_i) x_i",
        "\\sum_{i=1}^{m} x_i (y_i - w x_i) = \\sum_{i=1}^{m} x_i y_i - w \\sum_{i=1}^{m} x_i^2",
        "\\frac{\\partial}{\\partial w} \\sum_{i=1}^{m} e^{w x_i} = \\sum_{i=1}^{m} x_i e^{w x_i}",
    ],
)
def test_declared_numbers_hold(tex) -> None:
    assert verdict(tex) == "true"


@pytest.mark.parametrize(
    "tex",
    [
        "\\frac{\\partial}{\\partial w} \\sum_{i=1}^{m} (y_i - w x_i)^2 = -2 \\sum_{i=1}^{m} (y_i - w x_i)",
        "\\sum_{i=1}^{m} x_i (y_i - w x_i) = \\sum_{i=1}^{m} x_i y_i - w \\sum_{i=1}^{m} x_i",
        "\\frac{\\partial}{\\partial w} \\sum_{i=1}^{m} e^{w x_i} = \\sum_{i=1}^{m} e^{w x_i}",
    ],
)
def test_slips_with_declared_numbers_are_false(tex) -> None:
    assert verdict(tex) == "false"


def test_undeclared_letter_read_as_a_number_gives_true_only() -> None:
    held = "\\frac{\\partial}{\\partial w} \\left(\\sum_{i=1}^{m} (y_i - w x_i)^2 + \\lambda w^2\\right) = 2 \\lambda w - 2 \\sum_{i=1}^{m} x_i (y_i - w x_i)"
    slip = "\\frac{\\partial}{\\partial w} \\left(\\sum_{i=1}^{m} (y_i - w x_i)^2 + \\lambda w^2\\right) = \\lambda w - 2 \\sum_{i=1}^{m} x_i (y_i - w x_i)"
    assert verdict(held) == "true"
    why = verdict(slip)
    assert why.startswith("undecided") and "lambda" in why and "number" in why


@pytest.mark.parametrize(
    "preamble, tex",
    [
        # w written transposed (in the claim or in the definition it uses) is a vector, not a number
        ("Let $L = \\sum_{i=1}^{m} (y_i - w^T x_i)^2$.\n\n", "\\frac{\\partial L}{\\partial b} = 0"),
        (NUMBERS, "\\sum_{i=1}^{m} \\lambda^T x_i = \\lambda^T \\sum_{i=1}^{m} x_i"),
        # a letter inside a norm is as often a vector
        (NUMBERS, "\\|v\\|^2 \\sum_{i=1}^{m} x_i = \\sum_{i=1}^{m} \\|v\\|^2 x_i"),
    ],
)
def test_letters_not_read_as_numbers(preamble, tex) -> None:
    assert verdict(tex, preamble).startswith("undecided")


@pytest.mark.parametrize(
    "preamble",
    [
        "Each scale $s_i > 0$ and $w \\in \\mathbb{R}$.\n\n",  # a property the draws of entries do not know
        "Each sample $s_i \\in \\mathbb{R}^d$ and $w \\in \\mathbb{R}$.\n\n",  # a vector of its own
    ],
)
def test_entries_declared_other_than_plain_numbers_stay_undecided(preamble) -> None:
    assert verdict("w \\sum_{i=1}^{m} \\sqrt{s_i^2} = w \\sum_{i=1}^{m} s_i", preamble).startswith("undecided")


def test_entry_numbered_zero_is_not_read() -> None:
    why = verdict("\\sum_{i=1}^{m} x_i + x_0 = \\sum_{i=1}^{m} x_i")
    assert why.startswith("undecided") and "0" in why


def test_derivative_by_a_whole_vector_beside_indices_stays_undecided() -> None:
    pre = "Let $v \\in \\mathbb{R}^m$ and each $x_i \\in \\mathbb{R}$.\n\n"
    assert verdict("\\frac{\\partial}{\\partial v} \\sum_{i=1}^{m} x_i = 0", pre).startswith("undecided")


BERNOULLI = "Each outcome $x_i \\in \\mathbb{R}$ and the parameter $p \\in \\mathbb{R}$.\n\n"


def test_draws_outside_the_domain_of_a_log_are_drawn_again_inside() -> None:
    held = ("\\frac{d}{d p} \\sum_{i=1}^{n} \\left(x_i \\log p + (1 - x_i) \\log (1 - p)\\right)"
            " = \\sum_{i=1}^{n} \\frac{x_i}{p} - \\sum_{i=1}^{n} \\frac{1 - x_i}{1 - p}")
    slip = ("\\frac{d}{d p} \\sum_{i=1}^{n} \\left(x_i \\log p + (1 - x_i) \\log (1 - p)\\right)"
            " = \\sum_{i=1}^{n} \\frac{x_i}{p} + \\sum_{i=1}^{n} \\frac{1 - x_i}{1 - p}")
    assert verdict(held, BERNOULLI) == "true"
    assert verdict(slip, BERNOULLI) == "false"


SAMPLES = ("Each sample $\\mathbf{x}_i \\in \\mathbb{R}^d$ has a label $y_i \\in \\mathbb{R}$; the weights are "
           "$\\mathbf{w} \\in \\mathbb{R}^d$.\n\n")
GRAD = "\\nabla_{\\mathbf{w}} \\sum_{i=1}^{n} (\\mathbf{w}^T \\mathbf{x}_i - y_i)^2 = "


@pytest.mark.parametrize(
    "rhs, expected",
    [
        ("2 \\sum_{i=1}^{n} (\\mathbf{w}^T \\mathbf{x}_i - y_i) \\mathbf{x}_i", "true in the denominator layout"),
        ("2 \\sum_{i=1}^{n} (\\mathbf{w}^T \\mathbf{x}_i - y_i) \\mathbf{x}_i^T", "true in the numerator layout"),
        ("\\sum_{i=1}^{n} (\\mathbf{w}^T \\mathbf{x}_i - y_i) \\mathbf{x}_i", "false"),
    ],
)
def test_gradient_over_sample_vectors(rhs, expected) -> None:
    assert verdict(GRAD + rhs, SAMPLES) == expected


@pytest.mark.parametrize(
    "preamble, tex",
    [
        # the whole x beside its samples x_i: another vector, or their matrix
        (SAMPLES, "\\mathbf{w}^T \\mathbf{x} + \\sum_{i=1}^{n} \\mathbf{x}_i^T \\mathbf{w} = \\mathbf{w}^T \\left(\\mathbf{x} + \\sum_{i=1}^{n} \\mathbf{x}_i\\right)"),
        # a sample vector with a property the draws do not know
        ("Each sample $\\mathbf{x}_i \\in \\mathbb{R}^d$ is a unit vector and $\\mathbf{w} \\in \\mathbb{R}^d$.\n\n",
         "\\sum_{i=1}^{n} (\\mathbf{w}^T \\mathbf{x}_i)^2 = \\sum_{i=1}^{n} \\mathbf{w}^T \\mathbf{w}"),
        # a derivative by a sample vector beside the indices
        (SAMPLES, "\\frac{\\partial}{\\partial \\mathbf{x}_i} \\sum_{k=1}^{n} \\mathbf{w}^T \\mathbf{x}_k = \\mathbf{w}"),
    ],
)
def test_sample_vectors_not_read(preamble, tex) -> None:
    assert verdict(tex, preamble).startswith("undecided")


def test_a_gradient_inside_a_product_fits_one_layout_only() -> None:
    # wᵀ∇_w f: a number when the gradient is a column (denominator); with a row, wᵀ times a row does not fit
    tex = "\\mathbf{w}^T \\nabla_{\\mathbf{w}} \\sum_{i=1}^{n} (\\mathbf{w}^T \\mathbf{x}_i)^2 = 2 \\sum_{i=1}^{n} (\\mathbf{w}^T \\mathbf{x}_i)^2"
    assert verdict(tex, SAMPLES) == "true in the denominator layout"
