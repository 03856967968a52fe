"""Index notation decided by drawing (issue 16, points 1 and 2): sums, products, entries, δ,
Einstein sums, entry-wise derivatives and free indices; and what stays undecided, with why."""

from __future__ import annotations

import pytest

from derivlint.check.indices import _parts
from derivlint.engine import check_text
from one_display import last_verdict

DECL = "Let $x, y \\in \\mathbb{R}^n$, $A \\in \\mathbb{R}^{n \\times n}$ and $B \\in \\mathbb{R}^{m \\times n}$.\n\n"


def verdict(claim_tex: str, preamble: str = DECL) -> str:
    """The verdict of the last claim of a note made of ``preamble`` and one display."""
    return last_verdict(preamble, claim_tex)


def codes(claim_tex: str, preamble: str = DECL) -> list[str]:
    return [f.code for f in check_text("n.md", preamble + "$$" + claim_tex + "$$\n").findings]


@pytest.mark.parametrize("sub, parts", [("ij", ["i", "j"]), ("i,j", ["i", "j"]), ("{k, l}", ["k", "l"]),
                                        ("1m", ["1", "m"]), ("i", ["i"]), ("i+1", None), ("ijk", None),
                                        ("max", None)])  # fmt: skip
def test_subscripts_read_as_indices(sub, parts) -> None:
    assert _parts(sub) == parts


@pytest.mark.parametrize(
    "tex",
    [
        "x^T A x = \\sum_{i=1}^{n} \\sum_{j=1}^{n} A_{ij} x_i x_j",
        "x^T A y = \\sum_{i,j} A_{ij} x_i y_j",
        "x^T y = \\sum\\limits_{k=1}^{n} x_k y_k",
        "\\operatorname{tr}(A) = \\sum_{i=1}^{n} A_{ii}",
        "(B x)_i = \\sum_{j=1}^{n} B_{ij} x_j",
        "(A^T y)_j = \\sum_{i} A_{ij} y_i",
        "\\prod_{i=1}^{n} e^{x_i} = e^{\\sum_{i=1}^{n} x_i}",
        "\\sum_{j=1}^{n} \\delta_{ij} x_j = x_i",
        "\\frac{\\partial (x^T x)}{\\partial x_k} = 2 x_k",
        "\\frac{\\partial (x^T A x)}{\\partial A_{kl}} = x_k x_l",
        "\\frac{\\partial (B x)_i}{\\partial x_j} = B_{ij}",
        "\\frac{\\partial}{\\partial x_k} \\sum_{i=1}^{n} \\sum_{j=1}^{n} A_{ij} x_i x_j = \\sum_{j=1}^{n} (A_{kj} + A_{jk}) x_j",
    ],
)
def test_identities_written_with_indices_hold(tex) -> None:
    assert verdict(tex) == "true"


@pytest.mark.parametrize(
    "tex",
    [
        "\\operatorname{tr}(A) = \\sum_{i=1}^{n} A_{i1}",
        "x^T y = \\sum_{k=1}^{n} x_k y_k^2",
        "\\frac{\\partial (x^T x)}{\\partial x_k} = x_k",
        "(B x)_i = \\sum_{j=1}^{n} B_{ij} x_j^2",
    ],
)
def test_slips_written_with_indices_are_false(tex) -> None:
    assert verdict(tex) == "false"
    assert codes(tex) in (["DL301"], ["DL302"])


def test_a_repeated_index_free_on_the_other_side_is_a_product_not_a_sum() -> None:
    assert verdict("\\sum_{j=1}^{n} \\delta_{ij} x_i x_j = x_i x_i") == "true"
    assert verdict("\\frac{\\partial (x_i x_i)}{\\partial x_i} = 2 x_i") == "true"
    stated = DECL + "A repeated index is summed (the Einstein convention).\n\n"
    got = verdict("\\sum_{j=1}^{n} \\delta_{ij} x_i x_j = 2 x_i", stated)
    assert got.startswith("undecided") and "under the Einstein convention" in got
    # under the stated convention x_i x_i on the right is summed too: both sides are ∑_i x_i², and
    # a claim true of the sums is never reported (entries equal make sums equal)
    assert verdict("\\sum_{j=1}^{n} \\delta_{ij} x_i x_j = x_i x_i", stated) == "true"


def test_einstein_sums_where_the_reading_is_the_only_one() -> None:
    # j repeats on the right only: summed; i is free on both sides
    assert verdict("(B x)_i = B_{ij} x_j") == "true"
    stated = DECL + "A repeated index is summed (the Einstein convention).\n\n"
    assert verdict("\\frac{\\partial (B_{ik} x_k)}{\\partial x_j} = B_{ij}", stated) == "true"


@pytest.mark.parametrize(
    "tex, why",
    [
        ("x_i + \\sum_{i=1}^{n} x_i = x_i + x^T y", "already in use"),  # i free and bound by the Σ
    ],
)
def test_ambiguous_indices_stay_undecided(tex, why) -> None:
    got = verdict(tex)
    assert got.startswith("undecided") and why in got
    assert codes(tex) == []


@pytest.mark.parametrize(
    "tex, why",
    [
        ("\\sum_{i=1}^{m} B_{ji} x_i = (B x)_j", "an index runs over"),  # i: columns of B (n) and m
        ("\\sum_{i=0}^{n-1} x_i = \\sum_{i=1}^{n} x_i", "a Σ from 0"),
        ("\\sum_{i+1}^{n} x_i y_i = x^T y", "not index = start"),
        ("\\frac{d}{dx_1} \\left(\\sum_i x_i \\right)^{2} = 2 \\sum_i x_i", "a power after a Σ"),
        ("\\operatorname{softmax}(x_i) = \\frac{e^{x_i}}{\\sum_{j=1}^{n} e^{x_j}}", "softmax of an entry"),
        ("\\frac{\\partial z_i}{\\partial x_j} = \\delta_{ij}", "is not given as a function of"),
        ("\\sum_{j=1}^{n} y_j \\log \\sum_{k=1}^{n} e^{x_k} - \\sum_{j=1}^{n} y_j x_j"
         " = \\log \\sum_{k=1}^{n} e^{x_k} - \\sum_{j=1}^{n} y_j x_j", "sums to 1"),  # y a label: ∑ y_j = 1
        ("\\sum_{j=1}^{n} W_{xh} x_j = x^T y", "not an index"),
    ],
)
def test_uncertain_readings_stay_undecided_with_their_reason(tex, why) -> None:
    got = verdict(tex)
    assert got.startswith("undecided") and why in got, got
    assert [c for c in codes(tex) if c != "DL503"] == []  # DL503: ∑_{i-1} is a typo of its own


def test_a_claim_that_holds_for_symmetric_matrices_is_an_unstated_assumption() -> None:
    tex = "\\frac{\\partial (x^T A x)}{\\partial x_k} = 2 \\sum_{j=1}^{n} A_{kj} x_j"
    assert verdict(tex).startswith("false in general: holds only if A is symmetric")
    assert codes(tex) == ["DL304"]
    said = DECL + "Here $A$ is symmetric.\n\n"
    assert verdict(tex, said) == "true"


def test_a_step_of_an_index_chain_is_compared_with_the_derivative_it_computes() -> None:
    tex = (
        "\\frac{\\partial (y^T x)}{\\partial x_k} = \\frac{\\partial}{\\partial x_k} \\sum_{i=1}^{n} y_i x_i"
        " = \\sum_{i=1}^{n} y_i \\delta_{ik} = x_k"
    )
    result = check_text("n.md", DECL + "$$" + tex + "$$\n")
    steps = [c.verdict for c in result.claims if c.kind in ("equality", "derivative")]
    assert steps == ["true", "true", "false"]
    assert [f.code for f in result.findings] == ["DL302"]


def test_undeclared_whole_symbols_are_not_guessed() -> None:
    got = verdict("C x = \\sum_{j} C_{ij} x_j", "")
    assert got.startswith("undecided")


@pytest.mark.parametrize(
    "tex, expected",
    [
        ("\\sum_{i-1}^{n} x_i y_i = x^T y", "true"),
        ("\\sum_{k - 1}^{n} x_k y_k = x^T y", "true"),
        ("\\sum_{i-1}^{n} x_i y_i = 2 x^T y", "false"),
    ],
)
def test_a_reported_limit_typo_is_read_as_meant(tex, expected) -> None:
    # DL503 reports ∑_{i-1}; the step is then read with i = 1, as the note means it
    assert verdict(tex).startswith(expected), verdict(tex)
    assert "DL503" in codes(tex)


# A definition substituted into a claim brings its own Σ: its letter is bound there, so a free
# index of the claim with the same letter is another index (alpha-renaming, never a shadowing).
DEFINED = "Let $x \\in \\mathbb{R}^n$, $B \\in \\mathbb{R}^{m \\times n}$, $f(x) = \\sum_{i=1}^{n} x_i^3$ and $y_i = \\sum_{j=1}^{n} B_{ij} x_j$.\n\n"


@pytest.mark.parametrize(
    "tex, expected",
    [
        ("\\frac{\\partial f}{\\partial x_i} = 3 x_i^2", "true"),
        ("\\frac{\\partial f}{\\partial x_i} = 3 x_i", "false"),
        ("\\frac{\\partial f}{\\partial x_k} = 3 x_k^2", "true"),
        ("\\frac{\\partial y_i}{\\partial x_j} = B_{ij}", "true"),
        ("\\frac{\\partial y_i}{\\partial x_j} = 2 B_{ij}", "false"),
        ("\\frac{\\partial y_i}{\\partial x_j} = B_{ji}", "undecided"),  # B is m×n: no reading of B_{ji}
    ],
)
def test_a_definitions_own_sum_index_is_renamed_apart(tex, expected) -> None:
    assert verdict(tex, DEFINED).startswith(expected)


def test_renaming_apart_touches_only_the_letters_a_sum_binds() -> None:
    from derivlint.check.indices import _Rename
    from derivlint.math.lexer import lex
    from derivlint.math.parser import sub_parse
    from derivlint.math.tree import render

    tree = sub_parse(lex("x_i + \\sum_{i=1}^{n} i x_i y_{ij}"))
    out = _Rename({"i"}, ["p"]).visit(tree, {})
    assert render(out) == "x_i + ∑_{p=1}^{n} p x_p y_pj"
    assert render(tree) == "x_i + ∑_{i=1}^{n} i x_i y_ij"  # the tree itself is not changed


WHOLE = "Let $x, b \\in \\mathbb{R}^n$, $W \\in \\mathbb{R}^{n \\times n}$ and $y = Wx + b$.\n\n"


@pytest.mark.parametrize(
    "tex, expected",
    [
        ("\\frac{\\partial y_i}{\\partial x_j} = W_{ij}", "true"),  # the entry a derivative is of
        ("\\frac{\\partial y_i}{\\partial x_j} = W_{ji}", "false"),
        ("\\frac{\\partial y_i}{\\partial b_j} = \\delta_{ij}", "true"),
        # inside an expression y_i may be data named like the whole (labels): not the defined y
        ("\\frac{\\partial}{\\partial x_k} \\sum_{i=1}^{n} (y_i - x_i)^2 = -2 (y_k - x_k)", "true"),
    ],
)
def test_an_entry_of_a_defined_whole_is_read_only_as_what_a_derivative_is_of(tex, expected) -> None:
    assert verdict(tex, WHOLE).startswith(expected)


@pytest.mark.parametrize("tex, key", [("n", "n"), ("N", "N"), ("n_1", "n_1"), ("n_x", "n_x"), ("D_{out}", "D_out"),
                                      ("N_k", None), ("n_{ij}", None), ("\\mathbf{n}", None), ("2n", None)])  # fmt: skip
def test_a_sums_bound_names_a_dimension_only_when_nothing_below_it_is_an_index(tex, key) -> None:
    from derivlint.check.indices import _dimension_key
    from derivlint.math.lexer import lex
    from derivlint.math.parser import sub_parse

    assert _dimension_key(sub_parse(lex(tex))) == key
