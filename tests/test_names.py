"""Names and notations: multi-letter names, operator words, application, *, ·, 1 and indices."""

from __future__ import annotations

import pytest

from derivlint import engine
from derivlint.check.shapes import Dim, Inference, describe
from derivlint.math.lexer import lex
from derivlint.math.names import FUNCTIONS, NAME_WORDS, glued_operator, is_index_subscript
from derivlint.math.parser import Parser, sub_parse
from derivlint.math.tree import Call, Func, Mul, Norm, Sym, render


def parse(text: str):
    return sub_parse(lex(text))


def verdicts(note: str) -> dict[str, str | None]:
    result = engine.check_text("note.md", note)
    return {c.parsed: c.verdict for c in result.claims if c.parsed}


def codes(note: str) -> list[str]:
    return [f.code for f in engine.check_text("note.md", note).findings]


@pytest.mark.parametrize(
    "tex, name",
    [
        ("cost", "cost"), ("SSR", "SSR"), ("CE", "CE"), (r"\text{cost}", "cost"), (r"\mathrm{SSR}", "SSR"),
        (r"{\rm Label}", "Label"), (r"\operatorname{CE}", "CE"), ("loss_i", "loss"),
    ],
)  # fmt: skip
def test_multi_letter_names_are_one_symbol(tex: str, name: str) -> None:
    node = parse(tex)
    assert isinstance(node, Sym) and node.name == name


@pytest.mark.parametrize(
    "tex, expected",
    [
        ("logX", "log(X)"), ("detA", "det(A)"), ("trAB", "tr(A B)"), ("lnx", "ln(x)"),
        (r"ln \sigma(x)", "ln(sigma(x))"), ("tr A", "tr(A)"), ("softmax z", "softmax(z)"),
        ("sin x", "sin(x)"), (r"{\rm softmax}(z)", "softmax(z)"), (r"\operatorname{CE}(y, p)", "CE(y, p)"),
    ],
)  # fmt: skip
def test_operator_words_without_a_backslash_apply(tex: str, expected: str) -> None:
    assert render(parse(tex)) == expected


@pytest.mark.parametrize("tex", ["xy", "ab", "AB", "Ax", "xAx"])
def test_plain_letter_runs_stay_products(tex: str) -> None:
    assert isinstance(parse(tex), Mul)


def test_glued_operator_needs_a_short_or_capital_argument() -> None:
    assert glued_operator("logX") == "log"
    assert glued_operator("cosh") is None  # a function itself
    assert glued_operator("cost") is None  # a name, not cos(t)
    assert glued_operator("train") is None
    assert glued_operator("lnxy") is None  # a lowercase tail of two letters: not an argument


def test_word_lists_do_not_overlap() -> None:
    assert not (NAME_WORDS & FUNCTIONS)


@pytest.mark.parametrize(
    "tex, func, args",
    [("g'(z)", "g'", ["z"]), (r"\sigma'(z)", "sigma'", ["z"]), (r"g(\theta^T x)", "g", ["theta^T x"]),
     (r"\sigma(Wx + b)", "sigma", ["W x + b"]), (r"h_\theta(x)", "h", ["x"]), (r"f(\mathbf{x})", "f", ["x"])],
)  # fmt: skip
def test_function_application_is_a_call(tex: str, func: str, args: list[str]) -> None:
    node = parse(tex)
    assert isinstance(node, Call) and node.func.name == func
    assert [render(a) for a in node.args] == args


def test_a_letter_before_a_bracket_with_a_space_is_still_a_product() -> None:
    assert isinstance(parse(r"g (a + b)"), Mul)
    assert isinstance(parse(r"x(a + b)"), Mul)


def test_two_bars_are_a_norm() -> None:
    node = parse(r"||Ax - b||_2")
    assert isinstance(node, Norm) and node.sub == "2"
    assert render(parse(r"|x| + |y|")) == "|x| + |y|"


def test_definition_labels_over_equals() -> None:
    for tex in (r"f \overset{\text{def}}{=} g", r"f \stackrel{\Delta}{=} g", r"f \overset{\mathrm{def}}{=} g"):
        _, steps = Parser(lex(tex)).parse_chain()
        assert steps[0][0] == ":="
    _, steps = Parser(lex(r"a \overset{(1)}{=} b")).parse_chain()
    assert steps[0][0] == "="


def shape(tex: str, **declared: tuple) -> tuple[str, list[str]]:
    dims = {k: tuple(Dim(num=d, certain=True) if isinstance(d, int) else Dim(name=d, certain=True) for d in v)
            for k, v in declared.items()}  # fmt: skip
    inf = Inference(symbol_shape=lambda s: dims.get(s.key))
    return describe(inf.infer(parse(tex))), [e.kind for e in inf.errors]


def test_star_between_matrices_is_never_a_product_error() -> None:
    assert shape("W * X", W=(3, 3), X=(4, 4)) == ("unknown", [])
    assert shape("W * X", W=(3, 4), X=(4, 2)) == ("3×2", [])  # * as in code: the product's shape


def test_cdot_between_matrices_of_one_shape_is_a_frobenius_product() -> None:
    assert shape(r"A \cdot B", A=("m", "n"), B=("m", "n")) == ("scalar", [])
    assert shape(r"A \cdot B", A=("m", "n"), B=("p", "q")) == ("unknown", ["product"])


def test_bold_one_is_the_all_ones_vector() -> None:
    assert shape(r"\mathbf{1}^T x", x=("n", 1)) == ("scalar", [])
    assert shape(r"\mathbb{1}^T A", A=("n", "n")) == ("1×n", [])
    assert shape(r"A X^T", A=("n", "n"), X=("n", 1)) == ("unknown", ["product"])


@pytest.mark.parametrize("sub, index", [("i", True), ("ij", True), ("k,l", True), ("1", False), ("xh", False),
                                        ("max", False), (None, False)])  # fmt: skip
def test_index_subscripts(sub, index) -> None:
    assert is_index_subscript(sub) is index


def test_names_in_a_note_are_read_and_decided() -> None:
    note = (
        "Let $X \\in \\mathbb{R}^{n \\times d}$, $w \\in \\mathbb{R}^{d}$, $y \\in \\mathbb{R}^{n}$.\n\n"
        "$$cost = \\frac{1}{2}(Xw - y)^T(Xw - y)$$\n\n"
        "$$\\frac{\\partial\\, cost}{\\partial w} = X^T(Xw - y)$$\n\n"
        "$$\\frac{\\partial\\, cost}{\\partial w} = X(Xw - y)$$\n"
    )
    found = verdicts(note)
    assert found["∂(cost)/∂w = X^T (X w - y)"] == "true in the denominator layout"
    assert "DL201" in codes(note)  # X(Xw − y): n×d times n×1, with every shape declared


def test_entry_wise_claims_are_undecided_and_silent() -> None:
    note = (
        "For $A \\in \\mathbb{R}^{m \\times p}$, $B \\in \\mathbb{R}^{p \\times n}$:\n\n"
        "$$\\frac{\\partial (AB)_{ij}}{\\partial A_{kl}} = \\delta_{ik} B_{jl}$$\n"
    )
    found = verdicts(note)
    # B_jl: j runs over n (the columns of AB), l over p: which range is meant is not certain
    assert found["∂(index_(i j)(A B))/∂A_kl = delta_ik B_jl"].startswith("undecided: an index runs over")
    assert codes(note) == []


def test_unknown_multi_letter_name_makes_a_claim_undecided() -> None:
    note = "$$\\frac{\\partial\\, \\mathrm{Score}\\, x}{\\partial x} = 2x$$\n"
    (verdict,) = verdicts(note).values()
    assert verdict == "undecided: the role of Score is not known (a name the note does not introduce)"


def test_star_is_undecided_where_the_note_says_convolution() -> None:
    claim = (
        "$W = \\begin{bmatrix} 1 & 0 \\\\ 0 & 1 \\end{bmatrix}$ and $X = \\begin{bmatrix} 1 & 2 \\\\ 3 & 4 "
        "\\end{bmatrix}$: $W * X = \\begin{bmatrix} 4 & 0 \\\\ 0 & 0 \\end{bmatrix}$\n"
    )
    said = "Here $*$ is the convolution of the image with a kernel.\n\n" + claim
    assert codes(claim) == ["DL303"]  # * read as the matrix product: 1·X = X, not that
    assert codes(said) == []
    (verdict,) = [v for p, v in verdicts(said).items() if p.startswith("W * X")]
    assert verdict == "undecided: * is not the matrix product here: the note speaks of convolution"
