"""Σ forms: ∑_{ij} and ∑_{i,j=1}^n bind both letters; ∑_{i∈S} and ∑_{i≠j} run over part of a range and stay undecided."""

from __future__ import annotations

import pytest

from derivlint.check.indices import _sum_indices
from derivlint.engine import check_text
from derivlint.math.lexer import lex
from derivlint.math.parser import sub_parse

DECLARED = "Let $x, z \\in \\mathbb{R}^{n}$ and $A, B \\in \\mathbb{R}^{n \\times n}$.\n\n"


def verdict(claim_tex: str) -> str:
    return check_text("n.md", DECLARED + "$$" + claim_tex + "$$\n").claims[-1].verdict or ""


@pytest.mark.parametrize(
    ("tex", "letters"),
    [
        ("\\sum_{ij} A_{ij}", ["i", "j"]),
        ("\\sum_{i,j=1}^{n} x_i x_j", ["i", "j"]),
        ("\\sum_{i,j} x_i", ["i", "j"]),
        ("\\sum_{i=1}^{n} x_i", ["i"]),
        ("\\sum_{i \\in S} x_i", None),  # a set, not the range
        ("\\sum_{i \\neq j} x_i", ["i"]),  # i runs over all but j (check.indices._excluded)
        ("\\sum_{i \\neq 2} x_i", None),
        ("\\sum_{ab} x_a", None),  # not index letters
        ("\\sum_{ii} x_i", None),
    ],
)
def test_the_letters_a_sum_binds(tex: str, letters) -> None:
    assert _sum_indices(sub_parse(lex(tex))) == letters


@pytest.mark.parametrize(
    "claim",
    [
        "\\operatorname{tr}(A^T B) = \\sum_{ij} A_{ij} B_{ij}",
        "\\operatorname{tr}(A B) = \\sum_{ij} A_{ij} B_{ji}",
        "(x^T z)^2 = \\sum_{i,j=1}^{n} x_i x_j z_i z_j",
    ],
)
def test_double_sums_are_decided(claim: str) -> None:
    assert verdict(claim) == "true"


def test_a_slip_in_a_double_sum_is_false() -> None:
    assert verdict("(x^T z)^2 = \\sum_{i,j=1}^{n} x_i x_j z_i z_i").startswith("false")


@pytest.mark.parametrize(
    "claim",
    ["\\sum_{i \\in S} x_i^2 = x^T x", "\\sum_{i \\neq j} x_i x_j = (x^T x)^2"],
)
def test_a_sum_over_part_of_the_range_stays_undecided(claim: str) -> None:
    found = verdict(claim)
    # Σ_{i≠j} x_i x_j: over the pairs, or over i for a j the other side does not have
    assert found.startswith("undecided") and any(
        why in found for why in ("over a set or under a condition", "i ≠ j", "free index j is on one side only"))
