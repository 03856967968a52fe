"""The note's layout: what it says of itself (EN + ZH), never a heading or sentence that names both
layouts or describes one; how DL401 cites it; an unstated layout is a reading, not the note's word."""

from __future__ import annotations

import pytest

from derivlint.context import build_context
from derivlint.engine import Settings, check_text
from derivlint.extract import extract
from derivlint.math.claims import claims_of


def statements(text: str, path: str = "note.md") -> list[tuple[str, int]]:
    extraction = extract(path, text)
    macros = dict(extraction.macros)
    claims = [c for block in extraction.blocks for c in claims_of(block, macros)]
    ctx = build_context(extraction, claims, macros)
    return [(s.layout, s.line) for s in ctx.layouts]


ADOPTS = [
    ("We use the denominator layout.", "denominator"),
    ("Throughout these notes we use the numerator layout: gradients are rows.", "numerator"),
    ("In this book, we will use the numerator layout.", "numerator"),
    ("In this note, the denominator layout is used.", "denominator"),
    ("Since we are using the numerator layout convention, this derivative is a row.", "numerator"),
    ("We are going to follow the denominator layout convention.", "denominator"),
    ("We use the denominator layout rather than the numerator layout.", "denominator"),
    ("We are using the numerator layout, but many papers use the denominator layout.", "numerator"),
    ("Convention: denominator layout.", "denominator"),
    ("In this note gradients are columns.", "denominator"),
    ("The derivative $\\frac{\\partial f}{\\partial X}$ has the same shape as $X$.", "denominator"),
    ("We work in the Jacobian formulation.", "numerator"),
    ("本文采用分母布局。", "denominator"),
    ("以下均使用分子布局。", "numerator"),
    ("本书中的微分使用分子布局（numerator layout）。", "numerator"),
    ("我们约定采用分母布局。", "denominator"),
    ("由于在最优化中习惯采用分母布局，因此本书也采用分母布局。", "denominator"),
    ("本文中梯度均为列向量。", "denominator"),
    ("标量对矩阵求导，结果与 $X$ 的形状相同，记为 $\\frac{\\partial f}{\\partial X}$。", "denominator"),
]


@pytest.mark.parametrize("sentence, layout", ADOPTS)
def test_a_sentence_that_adopts_one_layout_establishes_it(sentence, layout):
    assert statements(f"# Notes\n\n{sentence}\n") == [(layout, 3)]


@pytest.mark.parametrize("heading, layout", [
    ("# 常见的求导公式（使用分母布局）", "denominator"),
    ("## Derivatives (using the numerator layout)", "numerator"),
])
def test_a_heading_that_adopts_one_layout_speaks_for_its_section(heading, layout):
    assert statements(f"{heading}\n\nSome text.\n") == [(layout, 1)]


NOTHING = [
    "## Numerator layout vs denominator layout",
    "## Numerator layout",
    "## 分子布局和分母布局",
    "There are two conventions: the numerator layout and the denominator layout.",
    "| numerator layout | denominator layout |\n|---|---|\n| row | column |",
    "In the numerator layout, the gradient is a row vector.",
    "This is the numerator layout.",
    "In the Jacobian formulation, the derivative is a row.",
    "The gradient $\\nabla f$ has the same shape as $x$.",
    "In the denominator layout, $\\frac{\\partial f}{\\partial X}$ has the same shape as $X$.",
    "This person uses the numerator layout.",
    "His Jacobians are transposed from ours because he uses the denominator layout.",
    "If we use the numerator layout, the gradient is a row.",
    "We could also use the denominator layout.",
    "分子布局和分母布局的结果互为转置。",
    "当然也有所谓的分母布局，得到的结果是分子布局的转置。",
    "我们不采用分子布局。",
    "我们可以采用分子布局。",
    "若使用分子布局，梯度是行向量。",
    "有些书采用分母布局。",
    "The gradient is a column vector.",
]


@pytest.mark.parametrize("text", NOTHING)
def test_naming_describing_or_supposing_a_layout_establishes_nothing(text):
    assert statements(f"# Notes\n\n{text}\n") == []


# --------------------------------------------------------------------------- DL401


SLIP = "$$\\frac{\\partial \\mathbf{x}^T \\mathbf{a}}{\\partial \\mathbf{x}} = \\mathbf{a}^T$$\n"
DECLARED = "Let $\\mathbf{a}, \\mathbf{x} \\in \\mathbb{R}^n$.\n\n"


def dl401(text: str, settings: Settings | None = None):
    return [f for f in check_text("note.md", text, settings).findings if f.code == "DL401"]


def test_dl401_quotes_the_statement_that_established_the_layout():
    text = "# Notes\n\nIntro.\n\nWe use the denominator layout here.\n\n" + DECLARED + SLIP
    found, = dl401(text)
    assert found.severity == "error" and found.line == 9
    assert 'line 5: "We use the denominator layout here"' in found.message
    assert found.fix is not None and found.fix.text == "\\mathbf{a}" and found.fix.applicability == "safe"


def test_a_heading_that_names_both_layouts_is_no_statement_and_correct_formulas_stay_silent():
    text = ("# Numerator layout vs denominator layout\n\n" + DECLARED
            + "In the first convention: $\\frac{\\partial \\mathbf{a}^T \\mathbf{x}}{\\partial \\mathbf{x}} = \\mathbf{a}^T$.\n\n"
            + "$$\\frac{\\partial \\mathbf{x}^T \\mathbf{x}}{\\partial \\mathbf{x}} = 2\\mathbf{x}^T$$\n\n"
            + "$$\\frac{\\partial \\mathbf{a}^T \\mathbf{x}}{\\partial \\mathbf{x}} = \\mathbf{a}$$\n")
    result = check_text("note.md", text)
    assert not [f for f in result.findings if f.code.startswith("DL4")]
    assert all(not c.facts.get("wrong_layout") for c in result.claims)


def test_a_declared_jacobian_shape_establishes_the_layout():
    text = ("# J\n\nLet $\\mathbf{y} \\in \\mathbb{R}^m$ and $\\mathbf{x} \\in \\mathbb{R}^n$, "
            "$\\frac{\\partial \\mathbf{y}}{\\partial \\mathbf{x}} \\in \\mathbb{R}^{n \\times m}$.\n\n"
            "Let $\\mathbf{a} \\in \\mathbb{R}^n$.\n\n" + SLIP)
    found, = dl401(text)
    assert "denominator layout" in found.message and "line 3" in found.message
    # the same shape for a square Jacobian (m = n) says nothing
    square = text.replace("\\mathbb{R}^m", "\\mathbb{R}^n").replace("{n \\times m}", "{n \\times n}")
    assert not [f for f in dl401(square) if f.severity == "error"]


def test_statements_that_disagree_hold_from_where_they_are_made():
    text = ("# A\n\nIn this chapter we use the numerator layout.\n\n" + DECLARED
            + "$$\\frac{\\partial \\mathbf{a}^T \\mathbf{x}}{\\partial \\mathbf{x}} = \\mathbf{a}^T$$\n\n"
            + "# B\n\nFrom here on we use the denominator layout.\n\n" + DECLARED
            + "$$\\frac{\\partial \\mathbf{a}^T \\mathbf{x}}{\\partial \\mathbf{x}} = \\mathbf{a}$$\n\n" + SLIP)
    found, = dl401(text)
    assert found.line == text.count("\n") and "From here on we use the denominator layout" in found.message


def test_the_sentence_a_claim_sits_in_names_its_layout():
    text = ("# N\n\nWe use the denominator layout.\n\n" + DECLARED
            + "In the numerator layout, by contrast, $\\frac{\\partial \\mathbf{a}^T \\mathbf{x}}{\\partial \\mathbf{x}} = \\mathbf{a}^T$.\n\n"
            + "In the numerator layout the derivative is a row:\n\n"
            + "$$\\frac{\\partial \\mathbf{x}^T \\mathbf{a}}{\\partial \\mathbf{x}} = \\mathbf{a}^T$$\n")
    assert dl401(text) == []


def test_the_configuration_states_the_layout():
    found, = dl401("# N\n\n" + DECLARED + SLIP, Settings(layout="denominator"))
    assert "the configuration" in found.message and found.severity == "error"


def test_an_unstated_layout_is_a_reading_a_warning_with_an_unsafe_fix():
    rows = "".join(
        f"$$\\frac{{\\partial \\mathbf{{{v}}}^T \\mathbf{{x}}}}{{\\partial \\mathbf{{x}}}} = \\mathbf{{{v}}}^T$$\n\n"
        for v in "abc")
    text = "# N\n\nLet $\\mathbf{a}, \\mathbf{b}, \\mathbf{c}, \\mathbf{x} \\in \\mathbb{R}^n$.\n\n" + rows + \
        "$$\\frac{\\partial \\mathbf{x}^T \\mathbf{a}}{\\partial \\mathbf{x}} = \\mathbf{a}$$\n"
    found, = dl401(text)
    assert found.severity == "warning" and "does not state its layout" in found.message
    assert "3 of its 4 derivatives by a vector use the numerator layout" in found.message
    assert found.fix is not None and found.fix.applicability == "unsafe"


def test_an_unstated_layout_with_no_clear_majority_leaves_the_claims_undecided():
    text = ("# N\n\n" + DECLARED
            + "$$\\frac{\\partial \\mathbf{a}^T \\mathbf{x}}{\\partial \\mathbf{x}} = \\mathbf{a}^T$$\n\n"
            + "$$\\frac{\\partial \\mathbf{x}^T \\mathbf{a}}{\\partial \\mathbf{x}} = \\mathbf{a}$$\n")
    result = check_text("note.md", text)
    assert not [f for f in result.findings if f.code == "DL401"]
    verdicts = sorted(c.verdict for c in result.claims if c.kind == "derivative")
    assert verdicts == ["true in the denominator layout", "true in the numerator layout"]


def test_derivatives_by_a_matrix_and_by_a_vector_vote_apart():
    """Rows for vectors and the matrix's shape for matrices (the mixed tradition) is no slip."""
    text = ("# N\n\nLet $\\mathbf{a}, \\mathbf{b}, \\mathbf{x} \\in \\mathbb{R}^n$, $\\mathbf{X} \\in \\mathbb{R}^{n \\times n}$.\n\n"
            + "$$\\frac{\\partial \\mathbf{a}^T \\mathbf{x}}{\\partial \\mathbf{x}} = \\mathbf{a}^T$$\n\n"
            + "$$\\frac{\\partial \\mathbf{b}^T \\mathbf{x}}{\\partial \\mathbf{x}} = \\mathbf{b}^T$$\n\n"
            + "$$\\frac{\\partial \\mathbf{a}^T \\mathbf{X} \\mathbf{b}}{\\partial \\mathbf{X}} = \\mathbf{a} \\mathbf{b}^T$$\n")
    assert dl401(text) == []


def test_a_table_row_comparing_conventions_states_no_layout():
    """A row of a table that sets the conventions side by side ("与 Xᵀ 同形 | 与 X 同形") is no
    statement of the note's own layout; the sentence after the table is, and DL401 quotes it."""
    text = (
        "| | 分母布局 | 分子布局 |\n|---|---|---|\n"
        "| $\\frac{\\partial f}{\\partial X}$ | 与 $X$ 同形 | 与 $X^T$ 同形 |\n\n"
        "本笔记统一使用分母布局。\n\n"
        "设 $\\mathbf{w} \\in \\mathbb{R}^n$，$\\mathbf{a} \\in \\mathbb{R}^n$。\n\n"
        "$$\\frac{\\partial \\mathbf{a}^T \\mathbf{w}}{\\partial \\mathbf{w}} = \\mathbf{a}^T$$\n"
    )
    assert statements(text) == [("denominator", 5)]
    (finding,) = [f for f in check_text("n.md", text).findings if f.code == "DL401"]
    assert "line 5" in finding.message and "统一使用分母布局" in finding.message


@pytest.mark.parametrize(
    "sentence, layout",
    [
        ("The $(i,j)$ entry of $\\frac{\\partial y}{\\partial x}$ is $\\frac{\\partial y_i}{\\partial x_j}$.", "numerator"),
        ("The (i, j)-th element of the Jacobian is $\\frac{\\partial y_j}{\\partial x_i}$.", "denominator"),
        ("$J$ 的第 $(i,j)$ 元是 $\\frac{\\partial y_i}{\\partial x_j}$。", "numerator"),
        ("雅可比矩阵的 (i,j) 元素为 $\\frac{\\partial f_j}{\\partial x_i}$。", "denominator"),
    ],
)
def test_an_entry_formula_states_the_layout_of_jacobians(sentence, layout):
    """Said of Jacobians only: the statement carries its category, and the note's other layout
    statements still hold for the other kinds of derivative."""
    extraction = extract("n.md", sentence + "\n")
    macros = dict(extraction.macros)
    claims = [c for block in extraction.blocks for c in claims_of(block, macros)]
    ctx = build_context(extraction, claims, macros)
    assert [(s.layout, s.category) for s in ctx.layouts] == [(layout, "vector-by-vector")]
