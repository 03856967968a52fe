"""The truth stage on small notes: what it decides, and in which shapes it draws values."""

from __future__ import annotations

from linter.engine import check_text


def test_a_square_shape_carried_from_an_earlier_chapter_stays_square() -> None:
    text = (
        "# Notes\n\n## One\n\nLet $P, Q \\in \\mathbb{R}^{n \\times n}$.\n\n## Two\n\n"
        "$|PQ| = |P| |Q|$\n"
    )
    claims = [c for c in check_text("n.md", text).claims if c.kind == "equality"]
    assert [c.verdict for c in claims] == ["true"]  # |·| of a square matrix: its determinant


def test_claims_mark_a_shape_that_rests_on_a_convention_as_guessed() -> None:
    text = "# t\n\n$y = W x + b$.\n\nLet $A \\in \\mathbb{R}^{n \\times n}$ and $z \\in \\mathbb{R}^n$: $w = A z$.\n"
    shapes = {c.text.strip(): c.facts.get("shapes") for c in check_text("n.md", text).claims if c.kind == "definition"}
    assert shapes["y = W x + b"] == ("?×1 (guessed)", "?×1 (guessed)")
    assert shapes["w = A z"] == ("n×1", "n×1")


def test_an_orthogonal_matrix_is_drawn_square_and_orthogonal() -> None:
    text = (
        "# t\n\n设 $R$ 为任意的正交矩阵，则 $A R R^T A^T = A A^T$。\n\n"
        "Let $Q$ be orthogonal. Then $Q^T Q = I$ and $B Q Q^T = B$.\n"
    )
    claims = [c for c in check_text("n.md", text).claims if c.kind == "equality"]
    assert [c.verdict for c in claims] == ["true", "true", "true"]


def test_a_derivative_by_a_function_the_numerator_is_written_in_is_decided() -> None:
    # L(e) = e^T e and e(w) = y - Xw: dL/de is concrete; df/dg with f(u) = u^2 is schematic
    text = (
        "# t\n\nLet $e(w) = y - Xw$ and $L(e) = e^T e$.\n\n$$\n\\frac{dL}{dw} = \\frac{dL}{de}\\frac{de}{dw}\n$$\n\n"
        "Let $f(u) = u^2$ and $g(x) = 3x$. Then $\\frac{d}{dx} f(g(x)) = \\frac{df}{dg}\\frac{dg}{dx}$.\n"
    )
    claims = [c for c in check_text("n.md", text).claims if c.kind == "derivative"]
    verdicts = {c.position()[0]: c.verdict for c in claims}
    assert not verdicts[6].startswith("undecided"), verdicts
    assert "schematically" in verdicts[9], verdicts


def test_a_partial_derivative_of_a_symbol_that_depends_on_the_variable_twice_is_undecided() -> None:
    text = (
        "# t\n\nLet $u_1 = x^2$ and $u_2 = x + u_1$.\n\n"
        "$\\frac{d u_2}{d x} = \\frac{\\partial u_2}{\\partial x} + \\frac{\\partial u_2}{\\partial u_1}\\frac{d u_1}{d x}$\n"
    )
    result = check_text("n.md", text)
    claim = next(c for c in result.claims if c.kind == "derivative")
    assert "partial or total" in claim.verdict, claim.verdict
    assert not [f for f in result.findings if f.code.startswith("DL3")]


def test_a_halved_fix_drops_the_coefficient_instead_of_dividing() -> None:
    text = (
        "# t\n\n$\\frac{\\partial a^T x}{\\partial x} = a$, $\\frac{\\partial b^T x}{\\partial x} = b$, "
        "$\\frac{\\partial x^T x}{\\partial x} = 4x$ and $\\frac{\\partial c^T x}{\\partial x} = 2c$.\n"
    )
    fixes = sorted(f.fix.text for f in check_text("n.md", text).findings if f.code == "DL301")
    assert fixes == ["2x", "c"]


def test_an_expanded_quadratic_form_of_declared_vectors_is_checked_and_its_fix_keeps_the_shapes() -> None:
    text = (
        "# t\n\nLet $u, v \\in \\mathbb{R}^n$ and $F \\in \\mathbb{R}^{n\\times n}$.\n\n"
        "- $(u+v)^T F (u+v) = u^T F u + 2u^T F v + v^T F v$\n"
        "- $(u+v)^T F (u+v) = u^T F u + u^T F v + v^T F u + v^T F v$\n"
        "- $u^T F = v^T$ is an equation in u\n"
    )
    findings = [f for f in check_text("n.md", text).findings if f.code.startswith("DL3")]
    assert [(f.code, f.line) for f in findings] == [("DL302", 5)]
    assert findings[0].fix is None  # no edit of the right-hand side holds with u, v, F as declared
