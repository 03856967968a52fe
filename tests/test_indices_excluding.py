"""Σ_{k ≠ i} (issue 16): a sum over every value of k but the value of another index, decided by
drawing; any other condition under a Σ (a set, k < i) stays undecided."""

from __future__ import annotations

import pytest

from one_display import last_verdict

DECL = "Let $x \\in \\mathbb{R}^n$.\n\n"


def verdict(tex: str) -> str:
    return last_verdict(DECL, tex)


@pytest.mark.parametrize(
    "tex, expected",
    [
        ("x_i \\sum_{k \\neq i} x_k = x_i \\sum_{k=1}^{n} x_k - x_i^2", "true"),
        ("x_i \\sum_{k \\ne i} x_k^2 = x_i \\sum_{k=1}^{n} x_k^2 - x_i^3", "true"),
        ("\\frac{\\partial}{\\partial x_i} \\sum_{j=1}^{n} \\sum_{k \\neq j} x_j x_k = 2 \\sum_{k \\neq i} x_k", "true"),
        ("x_i \\sum_{k \\neq i} x_k = x_i \\sum_{k=1}^{n} x_k", "false"),
        ("\\frac{\\partial}{\\partial x_i} \\sum_{j=1}^{n} \\sum_{k \\neq j} x_j x_k = \\sum_{k \\neq i} x_k", "false"),
    ],
)
def test_sums_that_leave_one_index_out(tex, expected) -> None:
    assert verdict(tex) == expected


@pytest.mark.parametrize(
    "tex",
    [
        "x_i \\sum_{k < i} x_k = x_i \\sum_{k=1}^{n} x_k - x_i^2",  # another condition
        "x_i \\sum_{k \\in S} x_k = x_i \\sum_{k=1}^{n} x_k - x_i^2",  # a set
        "x_1 \\sum_{k \\neq 1} x_k = x_1 \\sum_{k=1}^{n} x_k - x_1^2",  # a numbered entry left out: not read
    ],
)
def test_other_conditions_stay_undecided(tex) -> None:
    assert verdict(tex).startswith("undecided")


def test_a_sum_over_pairs_is_not_read_as_leaving_one_out() -> None:
    # Σ_{i≠j} x_i x_j with j written nowhere else: the sum over the pairs (i, j), or over i for one j
    assert verdict("x_1 \\sum_{i \\neq j} x_i x_j = x_1 \\left(\\sum_{i} x_i\\right)^2 - x_1 \\sum_{i} x_i^2").startswith("undecided")
