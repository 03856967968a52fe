"""The truth stage on small notes: what it decides, and in which shapes it draws values."""

from __future__ import annotations

from derivlint.engine import check_text


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
    assert [(f.code, f.line) for f in findings] == [("DL304", 5)]  # 2uᵀFv needs F symmetric, unsaid
    assert "F is symmetric" in findings[0].message
    assert findings[0].fix is None  # no edit of the right-hand side holds with u, v, F as declared


def _verdicts(text: str) -> dict[str, str]:
    return {c.text.strip(): c.verdict for c in check_text("n.md", text).claims if c.verdict}


def test_a_claim_whose_check_raises_is_counted_as_an_internal_error(monkeypatch) -> None:
    import derivlint.check.truth as truth
    def boom(*args, **kwargs):
        raise KeyError("forced")

    monkeypatch.setattr(truth, "decide", boom)
    text = "# t\n\n$\\frac{\\partial a^T x}{\\partial x} = a$ and $\\operatorname{tr}(AB) = \\operatorname{tr}(BA)$\n"
    result = check_text("n.md", text)
    assert truth.internal_errors(result.claims) == 2
    assert [f.code for f in result.findings].count("DL199") == 2
    monkeypatch.undo()
    assert truth.internal_errors(check_text("n.md", text).claims) == 0


def test_a_plain_letter_does_not_take_the_shape_of_its_declared_bold_namesake() -> None:
    text = "# t\n\nLet $\\mathbf{z}$ be a column vector.\n\n$\\frac{d}{dz}(kz) = k$ and $\\frac{d}{dz}(kz) = 2k$\n"
    verdicts = _verdicts(text)
    assert verdicts["\\frac{d}{dz}(kz) = k"] == "true"
    assert verdicts["\\frac{d}{dz}(kz) = 2k"] == "false"


def test_a_star_is_a_matrix_product_only_where_the_element_wise_product_cannot_be_formed() -> None:
    text = (
        "# t\n\nLet $A, B \\in \\mathbb{R}^{n \\times n}$ and $a \\in \\mathbb{R}^n$.\n\n"
        "$(A*B)^T = A^T*B^T$ and $\\frac{d(a^T*A*a)}{da} = 2A*a$\n"
    )
    verdicts = _verdicts(text)
    assert "element-wise" in verdicts["(A*B)^T = A^T*B^T"]
    assert verdicts["\\frac{d(a^T*A*a)}{da} = 2A*a"].startswith("false in general: holds only if A is symmetric")


def test_unknown_functions_applied_and_names_of_several_letters_are_undecided() -> None:
    text = (
        "# t\n\nLet $L(\\theta) = \\theta^3$.\n\n"
        "$\\frac{d}{dt} h(t^2) = 2t\\, h(t^2)$, $\\frac{d}{dt} \\sigma(3t) = 3\\sigma(3t)$ "
        "and $\\frac{\\partial LL(\\theta)}{\\partial \\theta} = \\frac{3}{\\theta}$\n\n"
        "Let $F \\in \\mathbb{R}^{n \\times n}$ and $u \\in \\mathbb{R}^n$: $\\frac{\\partial F(u + u)}{\\partial u} = 3F$.\n"
    )
    verdicts = _verdicts(text)
    assert "h(…) reads as a function" in verdicts["\\frac{d}{dt} h(t^2) = 2t\\, h(t^2)"]
    # σ against its bracket is applied (a Call): undecided as a function the note does not define
    assert "sigma(3 t) is not defined" in verdicts["\\frac{d}{dt} \\sigma(3t) = 3\\sigma(3t)"]
    assert "several letters" in verdicts["\\frac{\\partial LL(\\theta)}{\\partial \\theta} = \\frac{3}{\\theta}"]
    assert verdicts["\\frac{\\partial F(u + u)}{\\partial u} = 3F"] == "false"  # F is declared: a product, decided


def test_where_an_operator_stops_must_be_written() -> None:
    text = (
        "# t\n\nLet $M \\in \\mathbb{R}^{m \\times n}$, $u \\in \\mathbb{R}^n$, $c \\in \\mathbb{R}^m$.\n\n"
        "$\\nabla_u \\|Mu - c\\|^2 = \\nabla_u (Mu)^T(Mu) - 2c^TMu + c^Tc$ and "
        "$\\nabla_u \\|Mu - c\\|^2 = 2M^TMu - 2Mc$\n"
    )
    verdicts = _verdicts(text)
    assert "stops" in verdicts["\\nabla_u \\|Mu - c\\|^2 = \\nabla_u (Mu)^T(Mu) - 2c^TMu + c^Tc"]
    assert not verdicts["\\nabla_u \\|Mu - c\\|^2 = 2M^TMu - 2Mc"].startswith("true")


def test_a_formula_the_note_refutes_is_not_reported() -> None:
    refuted = (
        "# t\n\nLet $P, Y \\in \\mathbb{R}^{n \\times n}$. One might assume\n\n"
        "$$\n\\frac{\\partial}{\\partial Y} \\operatorname{tr}(Y^T P Y) = \\frac{\\partial}{\\partial Y} "
        "\\operatorname{tr}(Y P Y^T)\n$$\n\nThat is not the case.\n"
    )
    asserted = refuted.replace("One might assume", "Therefore").replace("That is not the case.", "Done.")
    assert not [f for f in check_text("n.md", refuted).findings if f.code.startswith("DL3")]
    assert [f.code for f in check_text("n.md", asserted).findings if f.code.startswith("DL3")] == ["DL301"]


def test_a_declared_vector_that_the_shapes_make_a_scalar_is_undecided() -> None:
    text = (
        "# t\n\nLet $\\mathbf{p}, \\mathbf{q}$ be vectors and $s = \\mathbf{p} \\cdot \\mathbf{q} + r$.\n\n"
        "$$\n\\frac{\\partial s}{\\partial r} = \\frac{\\partial}{\\partial r} \\mathbf{p} \\cdot \\mathbf{q} "
        "+ \\frac{\\partial r}{\\partial r} = 0 + 1\n$$\n"
    )
    result = check_text("n.md", text)
    assert not [f for f in result.findings if f.code.startswith("DL3")]
    assert any("declared a vector" in (c.verdict or "") for c in result.claims)


def test_a_symbol_that_only_a_later_step_brings_in_is_undecided() -> None:
    text = (
        "# t\n\nLet $f(\\mathbf{x}) = \\mathbf{x}^T \\mathbf{A} \\mathbf{x}$. Then "
        "$\\nabla_{\\mathbf{x}} f(\\mathbf{x}) = (\\mathbf{A} + \\mathbf{A}^T)\\mathbf{x} = \\mathbf{J}^T f(\\mathbf{x})$.\n"
    )
    verdicts = _verdicts(text)
    assert verdicts["(\\mathbf{A} + \\mathbf{A}^T)\\mathbf{x} = \\mathbf{J}^T f(\\mathbf{x})"].startswith("undecided: J")


def test_the_fix_may_change_a_size_the_wrong_rhs_forced() -> None:
    # 2Ab forces A square; the right answer 2A^T b does not: the fix is still offered. A symmetric
    # would make the claim hold, but only the wrong rhs makes A square: a mistake, not DL304
    text = (
        "# t\n\n$\\nabla_x \\|A x - b\\|_2^2 = 2 A^T A x - 2 A b$\n"
    )
    fixes = [f.fix.text for f in check_text("n.md", text).findings if f.code == "DL301" and f.fix]
    assert fixes == ["2A^T A x - 2A^T b"], fixes


def test_a_matrix_defined_as_diag_with_dots_is_a_diagonal_matrix_not_a_value() -> None:
    """Λ = diag(λ_1, …, λ_n) cannot be evaluated entry by entry; Λ stays a symbol, drawn diagonal."""
    for dots in (r"\ldots", "..."):
        verdicts = _verdicts(
            rf"Let $\Lambda = \operatorname{{diag}}(\lambda_1, {dots}, \lambda_n) \in \mathbb{{R}}^{{n \times n}}$"
            r" and $W \in \mathbb{R}^{m \times n}$." "\n\n"
            r"$$W(\Lambda + \Lambda^T) = 2W\Lambda$$" "\n\n"
            r"$$W\Lambda = \Lambda W$$" "\n"
        )
        assert verdicts[r"W(\Lambda + \Lambda^T) = 2W\Lambda"] == "true"
        assert verdicts[r"W\Lambda = \Lambda W"] == "shape error"


def test_an_identity_declared_n_by_n_beside_a_vector_of_guessed_length_is_no_verdict() -> None:
    # z ∈ ℝᵐ is said in another section, so z's length here is a guess and I ∈ ℝᵐˣᵐ is drawn at a
    # size of its own: the Jacobian (3×3) against I (4×4) says nothing about the claim
    text = (
        "# N\n\n## One\n\nTake a point $z \\in \\mathbb{R}^m$.\n\n## Two\n\n"
        "Let $h(z) = z$. Then $\\nabla_z h(z) = I \\in \\mathbb{R}^{m \\times m}$.\n"
    )
    claims = [c for c in check_text("n.md", text).claims if c.kind == "derivative"]
    assert [c.verdict.split(":")[0] for c in claims] == ["undecided"]


def test_an_identity_of_the_size_the_claim_ties_is_still_compared() -> None:
    text = (
        "# N\n\nTake a point $z \\in \\mathbb{R}^m$, let $h(z) = z$ and $g(z) = 3 z$. "
        "Then $\\nabla_z h(z) = I \\in \\mathbb{R}^{m \\times m}$ and $\\nabla_z g(z) = I \\in \\mathbb{R}^{m \\times m}$.\n"
    )
    claims = [c for c in check_text("n.md", text).claims if c.kind == "derivative"]
    assert [c.verdict.split(";")[0] for c in claims] == ["true", "false"]


def test_a_shape_error_stands_whatever_values_a_symbol_takes():
    """x ∈ {−1, 1}^n keeps the draws from deciding a claim on x, not its shapes: ∇_W(½xᵀWx) = ½xᵀx
    sets an n×n gradient equal to a number whatever x's entries are; the claim's verdict says so,
    as its DL204 does (it read 'undecided: x takes its values in a finite set')."""
    from derivlint.engine import check_text

    text = ("能量函数为 $E(x)=-\\frac{1}{2}x^TWx$，其中 $x\\in\\{-1,1\\}^n$，$W \\in \\mathbb{R}^{n \\times n}$ 是一个对称矩阵。\n\n"
            "$$\n\\nabla_W(\\frac{1}{2}x^TWx)=\\frac{1}{2}x^Tx\n$$\n")
    result = check_text("n.md", text)
    (claim,) = [c for c in result.claims if c.kind == "derivative"]
    assert claim.verdict == "shape error", claim.verdict
    assert [f.code for f in result.findings] == ["DL204"]


def test_a_gram_inverse_of_a_guessed_matrix_is_drawn_invertible():
    """H = X(XᵀX)^{-1}Xᵀ with X's shape only guessed: drawn wider than tall, XᵀX is singular and every
    claim on H ended 'XᵀX is singular'; the other order of the guessed sizes is tried once."""
    from derivlint.engine import check_text

    text = "The hat matrix is $H = \\mathbf{X}(\\mathbf{X}^T\\mathbf{X})^{-1}\\mathbf{X}^T$, so $H H = H$.\n"
    verdicts = [c.verdict for c in check_text("n.md", text).claims if c.kind == "equality"]
    assert verdicts == ["true"], verdicts
