"""Issue 16's acceptance list: every step of the seeds' entry-wise derivations (seed 002, lines
28–100: ∂(Aᵀx)/∂x and ∂(xᵀBx)/∂x; seed 003: ∂(Ax)/∂x and ∂(xᵀA)/∂x) and the seeds' sums, each
with its verdict, read against the seed text: decided where the note gives a certain reading,
undecided with its reason where it does not; and the entries of their schematic matrices."""

from __future__ import annotations

import pytest

from derivlint.engine import check_text

from shared_data import SEEDS, needs_seeds

DECIDED = ("true", "false", "shape error")

# (seed, line, column, what the step is, the verdict it must have); the column is where
# `derivlint claims` places the claim. Each is read against the seed text, by readings that hold in
# notes by other authors (fixtures/markdown/schematic_*.md, rows_named_in_prose*.md):
# - 002, lines 34–46: the columns write `\ ` (a control space, here a backslash ending the line)
#   between their entries, no `&` and no `\\`: a row break that lost a backslash, read as a column
#   (schematic._spaced_column); rendered as a row, so true in some layout is "true" and false only
#   where orientation cannot matter (schematic.unoriented). Their A is never declared: A_i with one
#   index beside Aᵀx may be a vector's entries or a matrix's columns (A guessed a matrix makes
#   ∂(Aᵀx)/∂x matrix-by-vector): 30:39 and 34:21 stay undecided for that, not for the layout.
#   41:16 compares the chain's derivative ∂(Aᵀx)/∂x with A: true in the denominator layout.
# - 002, lines 38, 53, 56: Σ_{i-1}, Σ_{j-1} (DL503 reports each) are read as i=1, j=1;
#   line 55's blank row under the dots is part of the gap (`\cdots \\ \\`).
# - 002, lines 77–90: `B 21`, `B m 1` … beside B_{11}, B_{12}, B_{1m}: DL504 reports each matrix once
#   (lines 78 and 91) and the entries are read by the pattern: Bᵀx + Bx, true in the denominator layout.
# - 002, 77:10 (ending on line 100), 50:7 and 100:27: (Aᵀ+A)x for ∂(xᵀBx)/∂x: A is not on the left
#   (the note's slip, DL501 at lines 50 and 100; which matrix it meant is not certain): undecided.
# - 003, ∂(Ax)/∂x: "令 r_i 代表矩阵 A 的行向量" names the rows of A (prose.named_parts), so ⟨r_k, x⟩
#   is read with row k of A; a_{ij} is never declared, A ∈ ℝ^{m×n} is: a_{kl} is entry (k, l) of A,
#   and a_{1i}x_i is summed (the note says it uses the Einstein notation). 105:18 (and 81:3,
#   ∂x/∂x as a column of ∂x_k/∂x): a column of derivatives that are rows in the numerator layout
#   stacks into the m×n matrix a reader sees; in the denominator layout they are columns, which
#   stack into no matrix (a mismatch of that layout): true in the numerator layout.
# - 003, ∂(xᵀA)/∂x with A ∈ ℝ^{n×m}: the column runs c_1 … c_n where A has m columns (the note's
#   slip: c_m), and the entries a_{1i}x_i … a_{mn} reused from the section before do not fit A
#   (they are those of Aᵀ, a_{ki} = A_{ik}, under which a_{1i}x_i = ⟨c_1, x⟩ holds): no certain
#   reading of either, so 137:18, 138:1 and 144:7 stay undecided (no finding; a finding on 137:18
#   would be right, but it rests on reading c_i by the size of A alone). The last steps, `… = A` and
#   `… = Aᵀ`, compare the chain's derivative with A and Aᵀ, true in the numerator layout the
#   section uses (∂(xᵀA)/∂x = Aᵀ with A ∈ ℝ^{n×m}).
STEPS = [
    ("001", 123, 1, "tr(A) = Σ a_ii", "true"),
    ("001", 133, 11, "tr(AᵀB) = Σ_{i,j} A_ij B_ij", "true"),
    ("001", 133, 51, "Σ_{i,j} A_ij B_ij = ⟨A, B⟩", "true"),
    ("003", 34, 25, "‖x‖² = Σ_1^n x_i²", "true"),
    ("002", 28, 7, "∂(xᵀA)/∂x = ∂(Aᵀx)/∂x", "true"),
    ("002", 28, 45, "∂(Aᵀx)/∂x = A", "true in the denominator layout"),
    ("002", 30, 39, "∂(Aᵀx)/∂x = [∂Σ A_i x_i/∂x_1 … ]",
     "undecided: a matrix-by-vector derivative"),
    ("002", 34, 21, "[∂Σ A_i x_i/∂x_1 … ] = [A_1 … A_m]", "undecided: follows from the step before"),
    ("002", 41, 16, "[A_1 … A_m] = A", "true in the denominator layout"),
    ("002", 50, 7, "∂(xᵀBx)/∂x = (Aᵀ + A) x", "undecided: A on the right does not occur"),
    ("002", 52, 1, "∂(xᵀBx)/∂x = [∂ΣΣ B_ij x_i x_j/∂x_1; …]", "true in the denominator layout"),
    ("002", 52, 41, "[∂ΣΣ …/∂x_k; …] = [Σ B_ik x_i + Σ B_kj x_j; …]", "true in the denominator layout"),
    ("002", 58, 54, "[Σ B_ik x_i + Σ B_kj x_j; …] = [Σ B_ik x_i; …] + [Σ B_kj x_j; …]",
     "true in the denominator layout"),
    ("002", 64, 28, "[Σ B_ik x_i; …] + [Σ B_kj x_j; …] = [B_11 B 21 …] x + [B_11 B 12 …] x",
     "true in the denominator layout"),
    ("002", 77, 10, "[B_11 B 21 …] x + [B_11 B 12 …] x = (Aᵀ + A) x", "undecided: A on the right does not occur"),
    ("002", 100, 27, "(Aᵀ + A) x = (A + Aᵀ) x", "undecided: A on the right does not occur"),
    ("003", 101, 7, "∂(Ax)/∂x = A", "true in the numerator layout"),
    ("003", 81, 3, "∂x/∂x = [∂x_1/∂x; …; ∂x_m/∂x]", "true in the numerator layout"),
    ("003", 105, 18, "∂(Ax)/∂x = [∂⟨r_1, x⟩/∂x; …]", "true in the numerator layout"),
    ("003", 106, 1, "[∂⟨r_i, x⟩/∂x; …] = [∂(a_1i x_i)/∂x_1 …]", "true in the numerator layout"),
    ("003", 112, 7, "[∂(a_1i x_i)/∂x_1 …] = [a_11 … a_mn]", "true in the numerator layout"),
    ("003", 127, 1, "[a_11 … a_mn] = A", "true in the numerator layout"),
    ("003", 134, 7, "∂(xᵀA)/∂x = Aᵀ", "true in the numerator layout"),
    ("003", 137, 18, "∂(xᵀA)/∂x = [∂⟨c_1, x⟩/∂x; …; ∂⟨c_n, x⟩/∂x]", "undecided: the entries of a schematic matrix read as those of A run beyond"),
    ("003", 138, 1, "[∂⟨c_i, x⟩/∂x; …] = [∂(a_1i x_i)/∂x_1 …]", "undecided: the entries of a schematic matrix read as those of A run beyond"),
    ("003", 144, 7, "[∂(a_1i x_i)/∂x_1 …] = [a_11 … a_mn]", "undecided: the entries of a schematic matrix read as those of A run beyond"),
    ("003", 159, 1, "[a_11 … a_mn] = Aᵀ", "true in the numerator layout"),
]

_CLAIMS: dict[str, dict] = {}


def _claims(seed: str) -> dict[tuple[int, int], object]:
    if seed not in _CLAIMS:
        path = next(SEEDS.glob(seed + "_*.md"))
        result = check_text(str(path), path.read_text(encoding="utf-8"))
        _CLAIMS[seed] = {c.position()[:2]: c for c in result.claims}
    return _CLAIMS[seed]


@needs_seeds
@pytest.mark.parametrize("seed, line, column, what, expected", STEPS)
def test_each_step_of_the_seed_derivations_has_its_verdict(seed, line, column, what, expected) -> None:
    claim = _claims(seed).get((line, column))
    assert claim is not None, f"no claim at {seed}:{line}:{column} ({what})"
    assert (claim.verdict or "").startswith(expected), f"{what}: {claim.verdict}"
    if expected.startswith("undecided"):  # the reason is what `claims` shows and the count reads
        assert claim.facts["outcome"].reason, what


@needs_seeds
def test_the_entries_written_on_the_line_are_reported_once_per_matrix() -> None:
    path = next(SEEDS.glob("002_*.md"))
    found = check_text(str(path), path.read_text(encoding="utf-8")).findings
    typos = [(f.line, f.message.split("did you mean ")[1][:9]) for f in found if f.code == "DL504"]
    assert typos == [(78, "'B_{21}'?"), (91, "'B_{12}'?")], typos


@needs_seeds
def test_the_sums_of_the_seeds_hold() -> None:
    for seed, line, column in (("001", 123, 1), ("001", 133, 11), ("001", 133, 51), ("003", 34, 25)):
        assert _claims(seed)[(line, column)].verdict == "true"


# The entries of those schematic matrices, written as notes write them, one claim each: what a
# reading of the pattern will hand to the index check.
PREAMBLE = "Let $x \\in \\mathbb{R}^m$, $A \\in \\mathbb{R}^m$ and $B \\in \\mathbb{R}^{m \\times m}$.\n\n"
EINSTEIN = (
    "Let $x \\in \\mathbb{R}^n$ and $a \\in \\mathbb{R}^{m \\times n}$; a repeated index is summed "
    "(Einstein notation).\n\n"
)


@pytest.mark.parametrize(
    "preamble, tex, expected",
    [
        (PREAMBLE, "\\frac{\\partial \\sum_{i=1}^{m} A_i x_i}{\\partial x_2} = A_2", "true"),
        (PREAMBLE, "\\frac{\\partial \\sum_{i=1}^{m} A_i x_i}{\\partial x_m} = A_m", "true"),
        (PREAMBLE, "\\frac{\\partial \\sum_{i=1}^{m} \\sum_{j=1}^{m} B_{ij} x_i x_j}{\\partial x_1}"
                   " = \\sum_{i=1}^{m} B_{i1} x_i + \\sum_{j=1}^{m} B_{1j} x_j", "true"),  # fmt: skip
        (PREAMBLE, "\\sum_{i=1}^{m} B_{i2} x_i + \\sum_{j=1}^{m} B_{2j} x_j"
                   " = \\sum_{i=1}^{m} (B_{i2} + B_{2i}) x_i", "true"),  # fmt: skip
        (PREAMBLE, "\\frac{\\partial \\sum_{i=1}^{m} \\sum_{j=1}^{m} B_{ij} x_i x_j}{\\partial x_1}"
                   " = 2 \\sum_{j=1}^{m} B_{1j} x_j", "false in general"),  # fmt: skip
        (EINSTEIN, "\\frac{\\partial a_{1i} x_i}{\\partial x_2} = a_{12}", "true"),
        (EINSTEIN, "\\frac{\\partial a_{2i} x_i}{\\partial x_1} = a_{12}", "false"),  # a_{21} it is
        (EINSTEIN, "\\frac{\\partial a_{2i} x_i}{\\partial x_1} = a_{1i}", "undecided"),  # i free on one side
    ],
)
def test_the_entries_of_the_seed_matrices_are_decided(preamble, tex, expected) -> None:
    result = check_text("n.md", preamble + "$$" + tex + "$$\n")
    (claim,) = [c for c in result.claims if c.kind in ("equality", "derivative")]
    assert (claim.verdict or "").startswith(expected), claim.verdict
