"""⊗ read as the element-wise product where the note says so (check/elementwise.py), and a row of
a table holding two equations in columns (math/claims.py: ``a = b & c = d`` is two claims)."""

from __future__ import annotations

import pytest

from derivlint.check.elementwise import says_otimes_hadamard
from derivlint.engine import check_text

HADAMARD = "Here $\\otimes$ is element-wise multiplication (the Hadamard product).\n\n"


def verdicts(body: str, preamble: str = HADAMARD) -> list[tuple[str, str]]:
    result = check_text("n.md", preamble + body)
    return [(c.to_json()["parsed"], c.verdict or "") for c in result.claims if c.kind in ("equality", "derivative")]


@pytest.mark.parametrize(
    "sentence, said",
    [
        ("The $\\otimes$ operator is element-wise multiplication.", True),
        ("$\\otimes$ 表示逐元素相乘。", True),
        ("We write $\\otimes$ for the Hadamard product of two vectors.", True),
        ("Here $\\otimes$ is the Kronecker product, not element-wise multiplication.", False),
        ("$A \\otimes B$ is the tensor product.", False),
        ("The element-wise product is written $\\odot$.", None),
        ("$\\otimes$ may be, for example, the Hadamard product.", None),
    ],
)
def test_sentences_that_say_what_otimes_is(sentence, said) -> None:
    assert says_otimes_hadamard(sentence) is said


def test_otimes_said_elementwise_is_decided() -> None:
    got = verdicts("$$\n\\frac{\\partial (\\mathbf{w} \\otimes \\mathbf{x})}{\\partial \\mathbf{x}} = \\operatorname{diag}(\\mathbf{w})\n$$\n")
    assert got[-1][1] == "true"
    slip = verdicts("$$\n\\frac{\\partial (\\mathbf{w} \\otimes \\mathbf{x})}{\\partial \\mathbf{x}} = \\operatorname{diag}(\\mathbf{x})\n$$\n")
    assert slip[-1][1] == "false"


@pytest.mark.parametrize(
    "preamble",
    [
        "",  # nothing said
        "Here $\\otimes$ is the Kronecker product.\n\n",
        HADAMARD + "Later $\\otimes$ also denotes the Kronecker product.\n\n",  # said both ways: not certain
    ],
)
def test_otimes_not_said_elementwise_stays_undecided(preamble) -> None:
    got = verdicts("$$\n\\frac{\\partial (\\mathbf{w} \\otimes \\mathbf{x})}{\\partial \\mathbf{x}} = \\operatorname{diag}(\\mathbf{w})\n$$\n", preamble)
    assert got[-1][1].startswith("undecided")


def test_two_equations_in_the_columns_of_a_row_are_two_claims() -> None:
    body = ("$$\n\\begin{array}{ll}\n\\frac{\\partial (\\mathbf{w} + \\mathbf{x})}{\\partial \\mathbf{w}} = I & "
            "\\frac{\\partial (\\mathbf{w} - \\mathbf{x})}{\\partial \\mathbf{w}} = I\n\\end{array}\n$$\n")
    got = verdicts(body, "")
    assert [text for text, _ in got] == ["∂(w + x)/∂w = I", "∂(w - x)/∂w = I"]
    assert all(v == "true" for _, v in got)


@pytest.mark.parametrize(
    "row, claims",
    [
        ("f(x) =& 0, \\ i = 1, \\ldots, d", ["f(x) = 0", "i = 1, …, d"]),  # aligned at its relation, then its range
        ("x &\\leq 0, \\ i = 1, \\ldots, m", ["x ≤ 0", "i = 1, …, m"]),  # aligned at ≤ after the &
        ("a + b &= c", ["a + b = c"]),
        ("a = b & c = d", ["a = b", "c = d"]),  # two columns (joined, b c would be a product)
    ],
)
def test_rows_cut_at_the_ampersand_only_between_equations(row, claims) -> None:
    result = check_text("n.md", "$$\n\\begin{split}\n" + row + "\n\\end{split}\n$$\n")
    assert [c.to_json().get("parsed") for c in result.claims] == claims
