"""Entries tied to their vector (θ_0 of θ = [θ_0; θ_1]) and operator subscripts read as labels (∇²_{BR})."""

from __future__ import annotations

import numpy as np

from derivlint.check.numeric import Unsupported, evaluate, jacobian
from derivlint.check.shapes import Inference
from derivlint.engine import check_text
from derivlint.math.lexer import lex
from derivlint.math.parser import sub_parse
from derivlint.math.tree import Deriv, Func, Num, Sym, render


def tree(text: str):
    return sub_parse(lex(text))


def claims_of(text: str, kind: str | None = None) -> list:
    return [c for c in check_text("n.md", text).claims if kind is None or c.kind == kind]


# ---------------------------------------------------------------- operator subscripts are labels


def test_a_subscript_of_nabla_or_partial_is_marked_a_label() -> None:
    assert tree("\\nabla^2_{BR} f").label and tree("\\nabla_{x} f").label and tree("\\partial_{xy} f").label
    frac = tree("\\frac{\\partial f}{\\partial x}")
    assert isinstance(frac, Deriv) and not frac.label


def test_no_product_is_shape_checked_inside_an_operator_subscript() -> None:
    shapes = {"B": (3, 3), "R": (3, 2)}
    declared = lambda sym: shapes.get(sym.key)  # noqa: E731
    inside = Inference(symbol_shape=declared)
    inside.infer(tree("R^T B^{-T} \\nabla^2_{BR} f - \\nabla^2_{RR} f"))
    assert inside.errors == []
    outside = Inference(symbol_shape=declared)
    outside.infer(tree("R B"))  # the same letters outside a script: 3×2 times 3×3
    assert [e.kind for e in outside.errors] == ["product"]


def test_a_product_beside_a_labelled_block_is_still_checked() -> None:
    text = (
        "# t\n\nWith $B \\in \\mathbb{R}^{m \\times m}$ and $R \\in \\mathbb{R}^{m \\times (n-m)}$ the block "
        "$\\nabla^2_{BR} f$ is a label, and $G = R B$.\n"
    )
    found = [f.code for f in check_text("n.md", text).findings]
    assert found == ["DL201"]


# ---------------------------------------------------------------- the numeric entry


def test_an_entry_takes_its_value_and_its_derivative_from_the_whole() -> None:
    theta = Sym(0, 0, "theta")
    entry = Func(0, 0, "entry", [theta, Num(0, 0, "1"), Num(0, 0, "0")])
    env = {"theta": np.array([[2.0], [5.0]])}
    assert evaluate(entry, env)[0, 0] == 5.0
    value, jac = jacobian(entry, env, "theta")
    assert jac.reshape(-1).tolist() == [0.0, 1.0]  # ∂θ_1/∂θ = e_2


def test_an_entry_outside_the_whole_is_not_evaluated() -> None:
    entry = Func(0, 0, "entry", [Sym(0, 0, "theta"), Num(0, 0, "2"), Num(0, 0, "0")])
    try:
        evaluate(entry, {"theta": np.array([[2.0], [5.0]])})
    except Unsupported:
        return
    raise AssertionError("an entry beyond the vector's size was evaluated")


# ---------------------------------------------------------------- tying in the check


GRADIENT = (
    "# t\n\nLet $\\mathbf{w} = \\begin{bmatrix} w_1 \\\\ w_2 \\end{bmatrix}$ and $g(w_1, w_2) = w_1^2 w_2 + w_2^3$.\n\n"
    "$$\n\\nabla_{\\mathbf{w}} g(\\mathbf{w}) = \\begin{bmatrix} 2 w_1 w_2 \\\\ SECOND \\end{bmatrix}\n$$\n"
)


def test_a_gradient_written_entry_by_entry_is_checked_against_the_vector() -> None:
    right = claims_of(GRADIENT.replace("SECOND", "w_1^2 + 3 w_2^2"), "derivative")
    wrong = claims_of(GRADIENT.replace("SECOND", "w_1^2 + 3 w_2"), "derivative")
    assert [c.verdict for c in right] == ["true"]
    assert [c.verdict for c in wrong] == ["false"]


def test_entries_of_the_vector_written_with_a_zero_base_are_tied_by_the_column() -> None:
    text = (
        "# t\n\nLet $\\theta = \\begin{bmatrix} \\theta_0 \\\\ \\theta_1 \\end{bmatrix}$ and "
        "$f(\\theta_0, \\theta_1) = \\theta_0 \\theta_1$.\n\n"
        "$$\n\\nabla_{\\theta} f(\\theta) = \\begin{bmatrix} \\theta_1 \\\\ \\theta_0 \\end{bmatrix}\n$$\n"
    )
    assert [c.verdict for c in claims_of(text, "derivative")] == ["true"]


def test_entries_not_tied_to_their_vector_leave_the_claim_undecided() -> None:
    text = (
        "# t\n\nLet $\\mathbf{x} = \\begin{bmatrix} x_1 \\\\ x_2 \\end{bmatrix}$ and "
        "$M = \\begin{bmatrix} a & b \\\\ c & d \\end{bmatrix}$, and $\\mathbf{y} = M \\mathbf{x}$.\n\n"
        "$$\n\\begin{bmatrix} x_1 \\\\ x_2 \\end{bmatrix} = M^{-1} \\begin{bmatrix} y_1 \\\\ y_2 \\end{bmatrix}\n$$\n\n"
        "Let $\\mathbf{u} \\in \\mathbb{R}^3$ with $u_1^2 + u_2^2 + u_3^2 = 1$.\n"
    )
    report = check_text("n.md", text)
    verdicts = [c.verdict for c in report.claims if c.kind == "equality"]
    assert verdicts == [
        "undecided: uses entries of y without tying them to it",
        "undecided: uses entries of u without tying them to it",
    ]
    assert report.findings == []


def test_partials_by_entries_treat_the_entries_as_scalars() -> None:
    text = (
        "# t\n\nLet $\\theta = \\begin{bmatrix} \\theta_0 \\\\ \\theta_1 \\end{bmatrix}$ and "
        "$f(\\theta_0, \\theta_1) = 8\\theta_0^2 + 3\\theta_0\\theta_1$, so "
        "$\\frac{\\partial f}{\\partial \\theta_0} = 16\\theta_0 + 3\\theta_1$ and "
        "$\\frac{\\partial f}{\\partial \\theta_1} = 3\\theta_1$.\n"
    )
    assert [c.verdict for c in claims_of(text, "derivative")][0] == "true"
    assert [c.verdict for c in claims_of(text, "derivative")][1] != "true"


def test_blocks_of_a_matrix_are_not_tied_as_entries() -> None:
    # Σ = [Σ_11 Σ_12; Σ_21 Σ_22] of blocks: Σ_11 is no scalar entry of Σ
    text = (
        "# t\n\nPartition $\\Sigma = \\begin{bmatrix} \\Sigma_{11} & \\Sigma_{12} \\\\ \\Sigma_{21} & \\Sigma_{22} "
        "\\end{bmatrix}$.\n\n$$\n\\Sigma_{11} + \\Sigma_{12} = \\Sigma_{12} + \\Sigma_{11}\n$$\n"
    )
    assert "entries" not in str([c.verdict for c in claims_of(text, "equality")])


# ---------------------------------------------------------------- a vector whose entries are named with dots


NAMED = ("The input is $\\mathbf{x} = [x_1, x_2, \\ldots, x_n]^\\top$ and $\\mathbf{A} \\in \\mathbb{R}^{n \\times n}$.\n\n"
         "$$\\nabla_{\\mathbf{x}} f(\\mathbf{x}) = [\\partial_{x_1} f(\\mathbf{x}), \\ldots, \\partial_{x_n} f(\\mathbf{x})]^\\top$$\n\n")


def test_a_definition_naming_the_entries_with_dots_leaves_the_vector_a_vector() -> None:
    # x = [x_1, …, x_n]ᵀ is no value to put in x's place: the draws would differentiate by x an
    # expression of free numbers x_1 … x_n (then "uses entries of x without tying them")
    note = NAMED + "$\\nabla_{\\mathbf{x}} \\mathbf{x}^\\top \\mathbf{A} \\mathbf{x} = (\\mathbf{A} + \\mathbf{A}^\\top)\\mathbf{x}$ and $\\nabla_{\\mathbf{x}} \\mathbf{x}^\\top \\mathbf{x} = 2\\mathbf{x}$\n"
    assert [c.verdict for c in claims_of(note, "derivative")][1:] == ["true", "true"]


def test_entries_written_out_are_still_drawn_as_the_vector() -> None:
    # w = [w_1; w_2; w_3] in full: substituted, so ∂y/∂w_1 stays the first entry of ∂y/∂w
    note = ("$$w = \\begin{bmatrix} w_1 \\\\ w_2 \\\\ w_3 \\end{bmatrix}, \\quad y = x^T w$$\n\n"
            "$$\\frac{\\partial y}{\\partial w} = \\begin{bmatrix} \\frac{\\partial y}{\\partial w_1} \\\\ "
            "\\frac{\\partial y}{\\partial w_2} \\\\ \\frac{\\partial y}{\\partial w_3} \\end{bmatrix}$$\n")
    (claim,) = claims_of(note, "derivative")
    assert claim.verdict.startswith("true"), claim.verdict


def test_a_subscripted_nabla_takes_the_product_holding_its_variable() -> None:
    # ∇_x A x is ∇_x(Ax) as d2l writes it, not (∇_x A)·x; ∇_x f x keeps f a function's gradient
    whole = tree("\\nabla_{\\mathbf{x}} \\mathbf{A} \\mathbf{x}")
    assert isinstance(whole, Deriv) and render(whole.num) == "A x"
    assert isinstance(tree("\\nabla_{x} A B"), type(tree("A B")))  # x in neither factor: ∇_x A times B
    note = "For $\\mathbf{A} \\in \\mathbb{R}^{m \\times n}$, $\\nabla_{\\mathbf{x}} \\mathbf{A} \\mathbf{x} = \\mathbf{A}^\\top$.\n"
    (claim,) = claims_of(note, "derivative")
    assert claim.verdict == "true in the denominator layout"


def test_a_function_set_to_zero_is_a_constraint_not_its_definition() -> None:
    # g(x, p) = 0 of implicit differentiation: the variables satisfy it; g is not the zero function,
    # so ∂g/∂x = 0 is not 'true' (and would hide a wrong ∂g/∂x)
    note = ("The constraint is $g(x, p) = 0$. Differentiating, "
            "$\\frac{\\partial g}{\\partial x} dx + \\frac{\\partial g}{\\partial p} dp = 0$ and $\\frac{\\partial g}{\\partial x} = 0$.\n")
    verdicts = [c.verdict for c in claims_of(note, "derivative")]
    assert verdicts and all(v.startswith("undecided") for v in verdicts), verdicts
