"""Shape inference: certain conflicts are errors, shapes that rest on a guess are unsure and silent."""

from __future__ import annotations

from derivlint.context.mathdecl import parse_math
from derivlint.check.shapes import Dim, Inference, describe
from derivlint.rules.dl502_symbol_shape_reused import incompatible


def infer(text: str, declared: dict):
    inf = Inference(symbol_shape=lambda sym: declared.get(sym.key))
    node = parse_math(text)
    shape = inf.infer(node)
    return inf, node, shape


def kinds(inf) -> list[str]:
    return [e.kind for e in inf.errors]


def test_declared_shapes_that_cannot_multiply_are_an_error():
    inf, node, _ = infer("J L", {"J": ("n", "n"), "L": ("m", "n")})
    assert kinds(inf) == ["product"] and not inf.is_unsure(node)


def test_a_subscripted_lowercase_letter_is_only_guessed_a_scalar():
    declared = {"F_k": ("n", "n"), "G_k": ("n", "p")}
    inf, node, _ = infer("F_k q_k + G_k c_k", declared)
    assert inf.errors == [] and inf.is_unsure(node)
    declared.update({"q_k": ("n", 1), "c_k": ("q", 1)})  # declared: the sum is certain and wrong
    inf, node, _ = infer("F_k q_k + G_k c_k", declared)
    assert kinds(inf) == ["product"]


def test_an_undeclared_capital_is_a_guessed_matrix():
    inf, _, _ = infer(r"\Gamma E + E", {"Gamma": ("n", "r")})
    assert inf.errors == []


def test_a_row_vector_added_to_a_matrix_broadcasts():
    inf, _, shape = infer("Z V + c", {"Z": ("b", "d"), "V": ("d", "k"), "c": (1, "k")})
    assert inf.errors == [] and describe(shape) == "b×k"
    inf, _, _ = infer("Z V + Y", {"Z": ("b", "d"), "V": ("d", "k"), "Y": ("k", "b")})
    assert kinds(inf) == ["sum"]


def test_a_power_of_a_vector_is_not_a_matrix_power():
    inf, _, shape = infer("r^2", {"r": ("k", 1)})
    assert inf.errors == [] and shape is None
    inf, _, _ = infer("M^2", {"M": ("k", "m")})
    assert kinds(inf) == ["square"]


def test_a_differential_has_the_shape_of_its_operand():
    inf, _, shape = infer(r"\mathrm{d}\mathbf{Y}", {"Y": ("m", "n")})
    assert describe(shape) == "m×n"
    inf, _, _ = infer(r"\mathbf{Y}^\top \mathrm{d}\mathbf{Y}", {"Y": ("m", "n")})
    assert inf.errors == []


def test_a_shape_carried_from_elsewhere_is_a_guess():
    carried = {"X": (Dim(), Dim()), "B": (Dim(num=2), Dim(num=2))}
    inf, node, _ = infer("B X^{-1}", carried)
    assert inf.errors == [] and inf.is_unsure(node)


def test_a_vector_before_a_matrix_is_read_as_a_row():
    inf, node, shape = infer(r"\boldsymbol{\rho} \mathbf{P}", {"rho": ("n", 1), "P": ("n", "n")})
    assert inf.errors == [] and shape is None and inf.is_unsure(node)


def test_a_literal_of_entries_is_as_wide_as_written():
    inf, node, _ = infer(
        r"\begin{bmatrix} 1 & 2 \\ 3 & 4 \end{bmatrix} \begin{bmatrix} x_1 & x_2 \end{bmatrix}", {}
    )
    assert kinds(inf) == ["product"]


def test_incompatible_stated_shapes():
    assert incompatible((3, 1), (1, 1))
    assert incompatible(("n", 1), ("n", "n"))
    assert not incompatible(("n", 1), ("m", 1))  # two names may be one size
    assert not incompatible(("n", 1), (2, 1))


def test_a_negative_integer_power_keeps_a_matrix_a_matrix():
    # G^{-2} of an undeclared capital: a square matrix power, not a reason to make G a scalar
    inf, node, shape = infer("G^{-2}", {})
    assert not inf.is_scalar(shape)
    inf, node, shape = infer("H^{-2} + H", {"H": ("n", "n")})
    assert inf.errors == [] and describe(shape) == "n×n"


def test_a_bracketed_list_is_a_vector_of_unwritten_orientation():
    # [0, 1] [1, 0]: as rows, no product; the note may mean columns; nothing certain to report
    inf, node, shape = infer("[0, 1] [1, 0]", {})
    assert inf.errors == [] and inf.is_unsure(node)


def test_two_columns_multiplied_say_a_transpose_is_missing():
    inf, _, _ = infer("(u - a)(u - a)", {"u": ("r", 1), "a": ("r", 1)})
    assert [e.message for e in inf.errors] == [
        "u - a and u - a are both r×1: two columns cannot be multiplied (a transpose missing?)"
    ]


def test_a_centred_dot_between_two_columns_is_their_dot_product():
    declared = {"w": ("n", 1), "x": ("n", 1), "A": ("n", "n")}
    inf, _, shape = infer(r"w \cdot x", declared)
    assert inf.errors == [] and describe(shape) == "scalar"
    inf, _, shape = infer(r"(w \cdot x) A", declared)
    assert inf.errors == [] and describe(shape) == "n×n"
    inf, _, shape = infer(r"w x", declared)  # juxtaposed: not a dot product
    assert describe(shape) != "scalar"
    inf, _, shape = infer(r"w \cdot y", {"w": ("n", 1), "y": ("m", 1)})  # lengths differ: no dot product
    assert describe(shape) != "scalar"


def test_a_primed_dimension_is_named_in_the_message():
    from derivlint.engine import check_text

    text = (r"Let $W \in \mathbb{R}^{d \times d'}$ and $Z \in \mathbb{R}^{d^{\prime} \times m}$; then "
            r"$Z W = X$." "\n")  # fmt: skip
    messages = [f.message for f in check_text("n.md", text).findings if f.code == "DL201"]
    assert messages == ["Z W: Z is d'×m but W is d×d'"]


def test_one_wrong_size_is_one_finding_per_formula_and_scope():
    """A wrong size breaks several operations of one formula (V n×k in UCV and VA⁻¹) and the
    same formula written again in a proof below: one finding, at its first place. A formula
    of its own that fails on the same sizes (a separate list item or display) keeps its own."""
    from derivlint.engine import check_text

    text = (
        "# Updates\n\n"
        "Let $A \\in \\mathbb{R}^{n \\times n}$, $C \\in \\mathbb{R}^{k \\times k}$, $U, V \\in \\mathbb{R}^{n \\times k}$.\n\n"
        "$$(A + U C V)^{-1} = A^{-1} - A^{-1} U (C^{-1} + V A^{-1} U)^{-1} V A^{-1}$$\n\n"
        "### Proof\n\n"
        "$$(A + U C V)(A^{-1} - A^{-1} U (C^{-1} + V A^{-1} U)^{-1} V A^{-1}) = I$$\n\n"
        "Also $P = V V$.\n\n"
        "And $Q = V A$.\n"
    )
    found = [(f.line, f.message.split(":")[0]) for f in check_text("n.md", text).findings if f.code == "DL201"]
    assert found == [(5, "U C V"), (11, "V V"), (13, "V A")]
