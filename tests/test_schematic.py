"""Schematic matrices read as a pattern from their written entries and written out at a drawn size."""

from __future__ import annotations

from pathlib import Path

import pytest

from derivlint.check import schematic
from derivlint.engine import check_text
from derivlint.math.lexer import lex
from derivlint.math.parser import sub_parse
from derivlint.math.tree import render

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "markdown"


def tree(text: str):
    return sub_parse(lex(text))


def written_out(text: str, sizes: dict[str, int]) -> str:
    pattern = schematic.read(tree(text))
    assert not isinstance(pattern, str), pattern
    return render(schematic.expand(pattern, sizes))


MATRIX = "\\begin{bmatrix} a_{11} & \\cdots & a_{1n} \\\\ \\vdots & \\ddots & \\vdots \\\\ a_{m1} & \\cdots & a_{mn} \\end{bmatrix}"


def test_the_general_entry_is_inferred_from_the_corners() -> None:
    assert written_out(MATRIX, {"m": 2, "n": 3}) == "[a_11, a_12, a_13; a_21, a_22, a_23]"
    transposed = MATRIX.replace("a_{1n}", "a_{n1}").replace("a_{m1}", "a_{1m}").replace("a_{mn}", "a_{nm}")
    assert written_out(transposed, {"m": 2, "n": 3}) == "[a_11, a_21, a_31; a_12, a_22, a_32]"


def test_commas_offsets_and_shifted_ends() -> None:
    commas = MATRIX.replace("a_{11}", "a_{1,1}").replace("a_{1n}", "a_{1,n}").replace("a_{m1}", "a_{m,1}").replace("a_{mn}", "a_{m,n}")
    assert written_out(commas, {"m": 2, "n": 2}) == "[a_1,1, a_1,2; a_2,1, a_2,2]"
    assert written_out("\\begin{bmatrix} x_0 & x_1 & \\cdots & x_{n-1} \\end{bmatrix}", {"n": 3}) == "[x_0, x_1, x_2]"
    assert written_out("\\begin{bmatrix} \\theta_0 \\\\ \\vdots \\\\ \\theta_n \\end{bmatrix}", {"n": 3}) == "[theta_0; theta_1; theta_2; theta_3]"


def test_a_column_of_partials_and_a_bracketed_row() -> None:
    column = "\\begin{bmatrix} \\frac{\\partial f}{\\partial x_1} \\\\ \\vdots \\\\ \\frac{\\partial f}{\\partial x_n} \\end{bmatrix}"
    assert written_out(column, {"n": 3}) == "[∂(f)/∂x_1; ∂(f)/∂x_2; ∂(f)/∂x_3]"
    row = "[\\frac{\\partial f}{\\partial x_1}, \\ldots, \\frac{\\partial f}{\\partial x_n}]"
    assert written_out(row, {"n": 2}) == "[∂(f)/∂x_1, ∂(f)/∂x_2]"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("\\begin{bmatrix} B_{11} & C_{21} & \\cdots \\\\ B_{12} & B_{22} & \\cdots \\end{bmatrix}", "entry (1, 2) of a schematic matrix does not follow"),
        ("\\begin{bmatrix} B_{11} & B 2 & \\cdots \\\\ B_{12} & B_{22} & \\cdots \\end{bmatrix}", "entry (1, 2) of a schematic matrix does not follow"),
        ("\\begin{bmatrix} 1 & x_1 & x_1^2 & \\cdots & x_1^n \\end{bmatrix}", "several forms"),
        ("\\begin{bmatrix} 1 \\\\ 0 \\\\ \\vdots \\\\ 0 \\end{bmatrix}", "no index"),
        ("\\begin{bmatrix} x_1 & x_3 & \\cdots & x_n \\end{bmatrix}", "no pattern"),
        ("[\\frac{\\partial x_i^2}{\\partial x_1}, \\ldots, \\frac{\\partial x_i^2}{\\partial x_n}]", "index notation"),
        ("\\begin{bmatrix} x_1 & \\cdots & x_n & \\cdots & x_N \\end{bmatrix}", "more than one gap"),
        ("\\begin{bmatrix} x_1 & \\cdots & x_1 \\end{bmatrix}", "size is not written"),
    ],
)
def test_a_pattern_that_does_not_read_gives_its_reason(text: str, reason: str) -> None:
    found = schematic.read(tree(text))
    assert isinstance(found, str) and reason in found, found


def test_a_column_of_partials_is_decided_in_the_layout_its_shape_gives() -> None:
    text = (
        "Let $a, x \\in \\mathbb{R}^n$.\n\n$$\\frac{\\partial a^T x}{\\partial x} = \\begin{bmatrix} \\frac{\\partial a^T x}{\\partial x_1}"
        " \\\\ \\vdots \\\\ \\frac{\\partial a^T x}{\\partial x_n} \\end{bmatrix}$$\n"
    )
    claims = [c for c in check_text("n.md", text).claims if c.kind == "derivative"]
    assert [c.verdict for c in claims] == ["true in the denominator layout"]
    row = text.replace("\\begin{bmatrix}", "[").replace("\\end{bmatrix}", "]").replace(" \\\\ \\vdots \\\\ ", ", \\ldots, ")
    claims = [c for c in check_text("n.md", row).claims if c.kind == "derivative"]
    assert [c.verdict for c in claims] == ["true in the numerator layout"]


def test_entries_of_a_vector_written_transposed_are_not_tied_to_it() -> None:
    # X = [x_1^T; …; x_n^T]: the x_k are samples (vectors), not entries of x
    text = (
        "Let $x, w \\in \\mathbb{R}^d$.\n\n$$\\begin{bmatrix} x_1^T w \\\\ \\vdots \\\\ x_n^T w \\end{bmatrix} = w^T x$$\n"
    )
    report = check_text("n.md", text)
    assert not report.findings
    assert all(not (c.verdict or "").startswith(("true", "false")) for c in report.claims if c.kind == "equality")


def test_the_schematic_fixtures_are_decided() -> None:
    report = check_text("s.md", (FIXTURES / "schematic_right.md").read_text(encoding="utf-8"))
    derivatives = [c.verdict for c in report.claims if c.kind == "derivative"]
    assert len(derivatives) >= 5 and all(v.startswith("true") for v in derivatives), derivatives
    assert not report.findings


# The glue of issue 16: a pattern whose entries are sums or entry-wise derivatives is written out,
# its Σ unrolled at the drawn size and its x_k, B_{ij} tied to the whole x, B of the claim.
def _verdict(tex: str, preamble: str = "") -> str:
    result = check_text("n.md", preamble + "$$" + tex + "$$\n")
    (claim,) = [c for c in result.claims if c.kind in ("equality", "derivative")]
    return claim.verdict or ""


QUAD = "\\frac{\\partial x^T B x}{\\partial x} = "
BT_X = "\\begin{bmatrix} \\sum_{i=1}^m B_{i1}x_i \\\\ \\sum_{i=1}^m B_{i2}x_i \\\\ \\vdots \\\\ \\sum_{i=1}^m B_{im} x_i\\end{bmatrix}"
B_X = "\\begin{bmatrix} \\sum_{j=1}^m B_{1j}x_j \\\\ \\sum_{j=1}^m B_{2j}x_j \\\\ \\vdots \\\\ \\sum_{j=1}^m B_{mj}x_j\\end{bmatrix}"
PARTIALS = ("\\begin{bmatrix} \\frac{\\partial \\sum_{i=1}^m \\sum_{j=1}^m B_{ij}x_i x_j}{\\partial x_1} \\\\ \\vdots \\\\ "
            "\\frac{\\partial \\sum_{i=1}^m \\sum_{j=1}^m B_{ij}x_i x_j}{\\partial x_m}\\end{bmatrix}")  # fmt: skip


def test_a_column_of_sums_is_written_out_and_decided() -> None:
    assert _verdict(QUAD + BT_X + " + " + B_X).startswith("true in the denominator layout")
    sized = "Let $x \\in \\mathbb{R}^m$ and $B \\in \\mathbb{R}^{m \\times m}$.\n\n"
    assert _verdict(QUAD + BT_X, sized).startswith("false")  # Bᵀx alone: half of (B + Bᵀ)x
    # with x's length not declared, the pattern's m is not certainly x's length: not judged false
    assert _verdict(QUAD + BT_X).startswith("undecided: a pattern runs over the entries of x")


def test_a_column_of_entry_wise_derivatives_of_sums_is_decided() -> None:
    assert _verdict(QUAD + PARTIALS).startswith("true in the denominator layout")
    assert _verdict(PARTIALS + " = " + BT_X + " + " + B_X).startswith("true")


def test_an_entry_of_an_undeclared_capital_by_one_index_is_not_tied() -> None:
    # A_i beside ∂(Aᵀx)/∂x: A may be a matrix and A_i its column; declared a vector, A_i is its entry
    tex = ("\\frac{\\partial A^T x}{\\partial x} = \\begin{bmatrix} \\frac{\\partial \\sum_{i=1}^m A_i x_i}{\\partial x_1}"
           " \\\\ \\vdots \\\\ \\frac{\\partial \\sum_{i=1}^m A_i x_i}{\\partial x_m}\\end{bmatrix}")  # fmt: skip
    assert _verdict(tex).startswith("undecided")
    declared = "Let $A \\in \\mathbb{R}^m$ and $x \\in \\mathbb{R}^m$.\n\n"
    assert _verdict(tex, declared).startswith("true in the denominator layout")


@pytest.mark.parametrize(
    "cell",
    [
        "\\sum_{i=0}^{m} B_{i#} x_i",  # from 0: which entry x_0 is depends on the note
        "\\sum_{i=1}^{m} i B_{i#} x_i",  # the index used as a number
        "\\sum_{i=1}^{N} B_{i#} x_i",  # a bound the pattern does not draw
    ],
)
def test_a_sum_that_is_not_certain_stays_a_sum(cell) -> None:
    column = "\\begin{bmatrix} " + " \\\\ ".join(cell.replace("#", k) if k != "\\vdots" else k
                                                for k in ("1", "2", "\\vdots", "m")) + " \\end{bmatrix}"  # fmt: skip
    verdict = _verdict(QUAD + column + " + " + B_X)
    assert verdict.startswith("undecided") and "pattern" not in verdict, verdict


def test_unrolling_sets_the_index_in_every_subscript() -> None:
    found = schematic.read(tree(BT_X))
    assert not isinstance(found, str), found
    out = schematic._Unroll({"m": 2}).visit(schematic.expand(found, {"m": 2}))
    assert render(out) == "[B_11 x_1 + B_21 x_2; B_12 x_1 + B_22 x_2]"


def test_indices_written_on_the_line_break_the_pattern_and_are_read_by_it() -> None:
    typo = "\\begin{bmatrix} B_{11} & B 21 & \\cdots & B m 1 \\\\ \\vdots & \\vdots & \\ddots & \\vdots \\\\ B_{1m} & B 2 m & \\cdots & B m m \\end{bmatrix}"
    found = schematic.read(tree(typo))
    assert not isinstance(found, str), found
    assert [render(meant) for _, _, _, meant in found.breaks] == ["B_21", "B_m1", "B_2m", "B_mm"]
    assert found.roles == ["col", "row"]  # entry (i, j) is B_{ji}: the transpose, as the entries say
    alone = "\\begin{bmatrix} B_{11} & B 21 & \\cdots & B m 1 \\\\ \\vdots & \\vdots & \\ddots & \\vdots \\\\ B 1 m & B 2 m & \\cdots & B m m \\end{bmatrix}"
    assert isinstance(schematic.read(tree(alone)), str)  # one subscripted entry: no pattern to read the others by
    products = "\\begin{bmatrix} a_1 x & a_2 x & \\cdots & a_n x \\end{bmatrix}"  # a product, not a typo
    assert not isinstance(schematic.read(tree(products)), str)


def test_a_slip_in_a_column_of_sums_is_a_finding_and_the_right_column_is_silent() -> None:
    declared = "Let $x \\in \\mathbb{R}^m$ and $B \\in \\mathbb{R}^{m \\times m}$. We use the denominator layout.\n\n"
    slip = check_text("n.md", declared + "$$" + QUAD + BT_X + "$$\n")  # Bᵀx for (B + Bᵀ)x
    assert [f.code for f in slip.findings] == ["DL301"]
    right = check_text("n.md", declared + "$$" + QUAD + BT_X + " + " + B_X + "$$\n")
    assert right.findings == [] and right.claims[-1].verdict.startswith("true")


@pytest.mark.parametrize(
    "text, parts",
    [
        ("令$\\mathbf r_i$代表矩阵$\\mathbf A$的行向量, 用内积表示", [("r", "A", "row")]),
        ("其中 $r_i$ 为 $A$ 的第 $i$ 行。", [("r", "A", "row")]),
        ("设 $c_j$ 表示矩阵 $W$ 的第 $j$ 列", [("c", "W", "column")]),
        ("Let $\\mathbf{w}_j$ denote the $j$-th row of $W$.", [("w", "W", "row")]),
        ("where $c_j$ is the j-th column of the matrix $X$", [("c", "X", "column")]),
        ("Let $a_i$ be the columns of $X$ and $b_k$ denote row $k$ of $B$.", [("a", "X", "column"), ("b", "B", "row")]),
        ("$x_i$ is the $i$-th row of the data", []),  # not a matrix named by a letter
        ("$r_i$ is the $i$-th element of $A$", []),  # an entry, not a row
        ("the rows of $A$ are orthogonal", []),
    ],
)
def test_rows_and_columns_named_in_prose(text, parts) -> None:
    from derivlint.context.prose import named_parts

    assert [found[1:] for found in named_parts(text)] == parts


def test_a_column_laid_out_with_control_spaces_is_read_as_a_column() -> None:
    decl = "Let $u, v \\in \\mathbb{R}^{d}$.\n\n"
    column = "\\left[\\begin{array}{c} u_{1} \\ u_{2} \\ \\cdots \\ u_{d} \\end{array}\\right]"
    right = check_text("n.md", decl + "$$\\frac{\\partial u^T v}{\\partial v} = " + column + "$$\n")
    assert [c.verdict for c in right.claims if c.kind == "derivative"] == ["true"], right.claims
    wrong = check_text("n.md", decl + "$$\\frac{\\partial u^T v}{\\partial v} = " + column.replace("u_", "v_") + "$$\n")
    assert [c.verdict for c in wrong.claims if c.kind == "derivative"] == ["false"]
    # a row it may be too: against a declared vector, false as a column is not false
    assert check_text("n.md", decl + "$$" + column + " = u^T$$\n").claims[-1].verdict.startswith("undecided")
    # plain spaces between the entries: one product, not a list
    spaced = column.replace(" \\ ", " ")
    assert check_text("n.md", decl + "$$\\frac{\\partial u^T v}{\\partial v} = " + spaced + "$$\n").claims[-1].verdict.startswith("undecided")


def test_a_blank_row_under_the_dots_is_part_of_the_gap() -> None:
    blank = "\\begin{bmatrix} x_1 \\\\ x_2 \\\\ \\vdots \\\\ \\\\ x_n \\end{bmatrix}"
    found = schematic.read(tree(blank))
    assert not isinstance(found, str), found
    inner = "\\begin{bmatrix} x_1 \\\\ \\\\ x_2 \\\\ \\vdots \\\\ x_n \\end{bmatrix}"  # a blank row among the entries
    assert isinstance(schematic.read(tree(inner)), str)


def test_entries_of_a_declared_matrix_written_lowercase() -> None:
    decl = "Let $x \\in \\mathbb{R}^{n}$ and $A \\in \\mathbb{R}^{m \\times n}$.\n\n"
    entries = "\\begin{bmatrix} a_{11} & \\cdots & a_{1n} \\\\ \\vdots & \\ddots & \\vdots \\\\ a_{m1} & \\cdots & a_{mn} \\end{bmatrix}"
    assert check_text("n.md", decl + "$$\\frac{\\partial A x}{\\partial x} = " + entries + "$$\n").claims[-1].verdict == "true in the numerator layout"
    flipped = entries.replace("_{1n}", "_{1m}").replace("_{m1}", "_{n1}").replace("_{mn}", "_{nm}")  # not A's entries
    got = check_text("n.md", decl + "$$\\frac{\\partial A x}{\\partial x} = " + flipped + "$$\n").claims[-1].verdict
    assert got.startswith("undecided"), got
    declared = decl.replace("and $A", "$a \\in \\mathbb{R}^{n \\times m}$ and $A")  # a declared: its own matrix
    got = check_text("n.md", declared + "$$\\frac{\\partial A x}{\\partial x} = " + entries + "$$\n").claims[-1].verdict
    assert not got.startswith("true"), got
