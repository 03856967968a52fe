"""Elementwise functions: σ read as the sigmoid only where the note says so, σ', softplus, one-hot labels, backprop."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from derivlint.check import elementwise
from derivlint.check.numeric import Unsupported, evaluate, jacobian
from derivlint.engine import check_text
from derivlint.math.lexer import lex
from derivlint.math.parser import sub_parse

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "markdown"

DECLARED = (
    "Let $x \\in \\mathbb{R}^{n}$, $W \\in \\mathbb{R}^{m \\times n}$ and $z \\in \\mathbb{R}^{m}$.\n\n"
)


def tree(text: str):
    return sub_parse(lex(text))


def verdicts(text: str) -> list[str]:
    return [c.verdict or "" for c in check_text("n.md", text).claims if c.kind == "derivative"]


# ---------------------------------------------------------------- who says σ is the sigmoid


@pytest.mark.parametrize(
    "sentence",
    [
        "Here $\\sigma$ is the sigmoid function.",
        "where $\\sigma(\\cdot)$ denotes the logistic function",
        "其中 $\\sigma$ 是 sigmoid 函数。",
        "The activation $\\sigma$ is the logistic sigmoid, applied entry by entry.",
    ],
)
def test_a_sentence_that_calls_sigma_the_sigmoid_is_read(sentence: str) -> None:
    assert elementwise.says_sigmoid(sentence)


@pytest.mark.parametrize(
    "sentence",
    [
        "Here $\\sigma$ is an activation function such as the sigmoid or tanh.",
        "$\\sigma$ can be any activation, e.g. the sigmoid.",
        "The sigmoid is used here; $\\sigma$ is the standard deviation of the noise.",
        "其中 $\\sigma$ 为激活函数，例如 sigmoid。",
        "We use the sigmoid activation.",  # no σ in the sentence: says nothing of σ
    ],
)
def test_a_hedged_or_unrelated_sentence_is_not(sentence: str) -> None:
    assert not elementwise.says_sigmoid(sentence)


def test_sigma_applied_is_the_sigmoid_only_where_the_note_says_so() -> None:
    claim = "$$\\frac{\\partial \\sigma(z)}{\\partial z} = \\operatorname{diag}(\\sigma(z) \\odot (1 - \\sigma(z)))$$\n"
    said = verdicts(DECLARED + "Here $\\sigma$ is the sigmoid function.\n\n" + claim)
    unsaid = verdicts(DECLARED + "Here $\\sigma$ is an activation.\n\n" + claim)
    assert said == ["true"]
    assert unsaid and unsaid[0].startswith("undecided")


def test_a_wrong_sigmoid_derivative_is_false_where_sigma_is_the_sigmoid() -> None:
    text = DECLARED + "Here $\\sigma$ is the sigmoid function.\n\n"
    text += "$$\\frac{\\partial \\sigma(z)}{\\partial z} = \\operatorname{diag}(\\sigma(z) \\odot (1 + \\sigma(z)))$$\n"
    assert verdicts(text)[0].startswith("false")


def test_a_bare_sigma_is_never_the_sigmoid() -> None:
    # σ² I: a variance, whatever the note says of the sigmoid elsewhere
    text = DECLARED + "Here $\\sigma$ is the sigmoid function.\n\n$$\\frac{\\partial (\\sigma^2 x^T x)}{\\partial x} = 2 \\sigma^2 x$$\n"
    assert verdicts(text) == ["true in the denominator layout"]


def test_vectors_side_by_side_under_sigma_are_undecided_not_a_wrong_size() -> None:
    # σ(z)(1 − σ(z)) of a vector z: the element-wise product is what is meant, not a finding
    text = DECLARED + "Here $\\sigma$ is the sigmoid function.\n\n"
    text += "$$\\frac{\\partial \\sigma(z)}{\\partial z} = \\sigma(z)(1 - \\sigma(z))$$\n"
    report = check_text("n.md", text)
    assert not report.findings
    assert verdicts(text)[0].startswith("undecided")


def test_a_sigma_defined_by_the_logistic_formula_applies_entry_by_entry() -> None:
    head = "Let $x \\in \\mathbb{R}^{n}$, $W \\in \\mathbb{R}^{m \\times n}$.\n\n$$\\sigma(t) = \\frac{1}{1 + e^{-t}}$$\n\n"
    claim = "$$\\frac{\\partial \\sigma(W x)}{\\partial x} = W^T \\operatorname{diag}(\\sigma(Wx) \\odot (1 - \\sigma(Wx)))$$\n"
    assert verdicts(head + claim) == ["true in the denominator layout"]
    # another formula is not the sigmoid: σ(Wx) of a vector stays what the formula gives (undecided here)
    other = head.replace("e^{-t}", "t^2")
    assert not verdicts(other + claim)[0].startswith("true")


# ---------------------------------------------------------------- the evaluator


def test_softplus_and_the_sigmoid_derivative_have_exact_jacobians() -> None:
    rng = np.random.default_rng(1)
    env = {"z": rng.normal(size=(4, 1))}
    for text in ("\\operatorname{softplus}(z)", "\\operatorname{sigmoid'}(z)"):
        value, J = jacobian(tree(text), env, "z")
        step = 1e-6
        for k in range(4):
            bumped = env["z"].copy()
            bumped[k, 0] += step
            numeric = (evaluate(tree(text), {"z": bumped}) - value) / step
            assert np.allclose(J[:, 0, k, 0], numeric[:, 0], atol=1e-4)


def test_log_softmax_is_the_log_of_softmax_and_softplus_a_function_word() -> None:
    z = np.array([[0.3], [-1.2], [2.0]])
    s = np.exp(z) / np.exp(z).sum()
    assert np.allclose(evaluate(tree("\\operatorname{logsoftmax}(z)"), {"z": z}), np.log(s))
    assert np.allclose(evaluate(tree("\\text{softplus}(z)"), {"z": z}), np.log1p(np.exp(z)))


def test_a_number_minus_a_vector_is_taken_entry_by_entry_but_not_minus_a_matrix() -> None:
    z = np.array([[0.5], [2.0]])
    assert np.allclose(evaluate(tree("1 - z"), {"z": z}), 1 - z)
    with pytest.raises(Unsupported):
        evaluate(tree("1 - Z"), {"Z": np.eye(2)})


# ---------------------------------------------------------------- labels


def test_a_one_hot_label_is_read_from_its_sentence() -> None:
    text = "Let $y \\in \\mathbb{R}^{k}$ be the label; $y$ is one-hot. The input is $x$.\n\n$$L = -y^T \\log p$$\n"
    assert elementwise._labels(_context(text)) == {"y": "one_hot"}
    declared = "The target $\\mathbf{y} \\in \\mathbb{R}^{k}$ is a one-hot vector.\n"
    assert elementwise._labels(_context(declared)) == {"y": "one_hot"}


def test_two_symbols_near_the_word_leave_the_label_unread() -> None:
    assert elementwise._labels(_context("Here $x$ and $y$ are one-hot.\n")) == {}


def _context(text: str):
    from derivlint.context import build_context
    from derivlint.extract import extract
    from derivlint.math.claims import claims_of

    extraction = extract("n.md", text)
    claims = [c for block in extraction.blocks for c in claims_of(block, {})]
    return build_context(extraction, claims)


def test_the_softmax_cross_entropy_gradient_needs_the_label_to_sum_to_one() -> None:
    body = (
        "Let $z, y \\in \\mathbb{R}^{k}$. {label}\n\n$$p = \\operatorname{softmax}(z)$$\n\n$$L = -y^T \\log p$$\n\n"
        "$$\\frac{\\partial L}{\\partial z} = p - y$$\n"
    )
    assert verdicts(body.replace("{label}", "The label $y$ is one-hot.")) == ["true in the denominator layout"]
    assert verdicts(body.replace("{label}", "The label $y$ is a probability vector.")) == ["true in the denominator layout"]
    unsaid = verdicts(body.replace("{label}", ""))
    assert unsaid and not unsaid[0].startswith("true")


# ---------------------------------------------------------------- the backprop fixtures


@pytest.mark.parametrize("name", ["backprop_denominator.md", "backprop_numerator.md"])
def test_every_derivative_of_the_right_backprop_notes_is_decided_true(name: str) -> None:
    report = check_text(name, (FIXTURES / name).read_text(encoding="utf-8"))
    found = [c.verdict for c in report.claims if c.kind == "derivative"]
    assert len(found) >= 7
    assert all(v.startswith("true") for v in found), found
    assert not report.findings


@pytest.mark.parametrize(
    ("name", "codes"),
    [("backprop_denominator_slip.md", ["DL401", "DL201"]), ("backprop_numerator_slip.md", ["DL401", "DL201"])],
)
def test_a_transposed_weight_is_found_in_both_layouts(name: str, codes: list[str]) -> None:
    report = check_text(name, (FIXTURES / name).read_text(encoding="utf-8"))
    assert [f.code for f in report.findings] == codes
