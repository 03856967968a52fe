"""Finding messages are one line, whatever the math they quote spans."""

from __future__ import annotations

from derivlint.engine import check_text

NOTE = """# Chain rule

First $\\frac{\\partial a^T x}{\\partial x} = a$ and $\\frac{\\partial x^T x}{\\partial x} = 2x$.

$$
\\frac{\\partial b^T x}{\\partial x} = \\frac{\\partial x^T b}{\\partial x}
\\\\ = b^T
$$
"""


def test_a_claim_spanning_lines_is_quoted_on_one_line() -> None:
    findings = check_text("note.md", NOTE).findings
    spanning = [f for f in findings if f.end_line > f.line]
    assert spanning, [f.message for f in findings]  # the note has a claim over two lines
    for f in findings:
        assert "\n" not in f.message and "  " not in f.message, f.message


def test_a_claim_that_crashes_the_truth_stage_is_a_dl199_finding(monkeypatch) -> None:
    import derivlint.check.truth as truth
    def boom(*args, **kwargs):
        raise TypeError("forced")

    monkeypatch.setattr(truth, "decide", boom)
    text = "# t\n\n$\\frac{\\partial a^T x}{\\partial x} = a$\n"
    result = check_text("note.md", text)
    codes = [(f.code, f.line) for f in result.findings]
    assert ("DL199", 3) in codes, codes
    assert "forced" in next(f.message for f in result.findings if f.code == "DL199")
    claim = next(c for c in result.claims if c.kind == "derivative")
    assert claim.verdict.startswith("undecided: internal error")


def test_a_correction_that_repeats_the_left_side_is_not_offered():
    """QKᵀ = KQᵀ is false; "it holds with QKᵀ" (the left side again) corrects nothing."""
    from derivlint.engine import check_text

    text = "Let $Q, K \\in \\mathbb{R}^{n \\times d}$.\n\nThen $QK^T = KQ^T$.\n"
    (finding,) = [f for f in check_text("n.md", text).findings if f.code == "DL302"]
    assert "holds with" not in finding.message and finding.fix is None


def test_a_layout_named_after_the_formula_is_cited_at_its_own_line():
    """DL401 cites the words that name the layout ("(分子布局)" after the formula), at their line,
    not the start of the paragraph that leads into the formula."""
    text = ("逐项计算：\n$$\n\\begin{cases}\na, & i=k \\\\\nb, & i\\neq k\n\\end{cases}\n$$\n"
            "\t即$\\frac{\\partial{x^T A x}}{\\partial{x}} = Ax + A^Tx$(分子布局)\n")
    found = [f for f in check_text("n.md", text).findings if f.code == "DL401"]
    assert len(found) == 1 and "(line 8:" in found[0].message and "分子布局" in found[0].message, found


def test_a_correction_puts_the_signs_of_its_factors_in_front():
    """The right-hand side offered reads as a person writes it: -2(d - wᵀx)x, not 2(-(d - wᵀx)x),
    and X^T(y - Xβ), not -(-X^T(y - Xβ))."""
    text = ("Let $w \\in \\mathbb{R}^M$ and $x \\in \\mathbb{R}^M$.\n\n"
            "$$\\nabla_w \\left( d(n) - w^T x \\right)^2 = -\\left( d(n) - w^T x \\right) x$$\n")
    found = [f for f in check_text("n.md", text).findings if f.code == "DL301"]
    assert len(found) == 1 and found[0].message.endswith("right-hand side is -2(d(n) - w^T x)x"), found


def test_shapes_that_hang_on_the_layout_are_given_with_the_layout():
    """DL205 on a claim whose shapes differ between the layouts names the layout of each pair
    (it gave the denominator layout's shapes unnamed, read as the note's own when it used the other)."""
    text = ("Let $q \\in \\mathbb{R}^3$ and $p \\in \\mathbb{R}^2$, with $q = B p$ for $B \\in \\mathbb{R}^{3 \\times 2}$.\n\n"
            "$$\n2 \\frac{\\partial q}{\\partial p} = \\frac{\\partial p}{\\partial q}\n$$\n")
    (found,) = [f for f in check_text("n.md", text).findings if f.code == "DL205"]
    assert found.message.endswith(
        "the left-hand side is 3×2 but the right-hand side is 2×3 in the numerator layout "
        "(2×3 and 3×2 in the denominator layout)"), found.message
    same = "Let $x, a \\in \\mathbb{R}^n$, $A \\in \\mathbb{R}^{n \\times n}$.\n\n$$x^T A = a^T x$$\n"
    (found,) = [f for f in check_text("n.md", same).findings if f.code == "DL205"]
    assert "layout" not in found.message, found.message
