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
# `derivlint claims` places the claim. A verdict "undecided: …" is the expected one where the note
# itself gives no certain reading (read against the seed text, one by one):
# - 002, lines 34–46: the "matrices" are written with `\ ` (a control space) between their
#   entries, no `&` and no `\\`: one cell holding a juxtaposed row with dots, not a matrix a reader
#   can lay out;
# - 002, line 52: the column has an empty row (`\\ \\`) below its dots and two of its three Σ run
#   from `j-1` (a typo for j=1): no one pattern;
# - 002, lines 64–81: the matrices write their entries `B 21` (no subscript) beside `B_{11}`: an
#   entry that breaks the pattern, undecided (not guessed into B_{21});
# - 002, line 77: the chain ends in (Aᵀ+A)x for ∂(xᵀBx)/∂x: A is not on the left (the note's slip,
#   but which matrix it meant is not certain);
# - 003: rᵢ and cᵢ are rows and columns of A by the prose only, and a_{ij} is never declared (the
#   second derivation uses a_{1i} for A_{i1}): each step is compared with the derivative its chain
#   starts with, and these stay undecided; the last steps, `… = A` and `… = Aᵀ`, compare that
#   derivative with A and Aᵀ, true in the numerator layout the section uses (∂(xᵀA)/∂x = Aᵀ
#   with A ∈ ℝ^{n×m}: entry (j, i) is A_{ij}).
STEPS = [
    ("001", 123, 1, "tr(A) = Σ a_ii", "true"),
    ("001", 133, 11, "tr(AᵀB) = Σ_{i,j} A_ij B_ij", "true"),
    ("001", 133, 51, "Σ_{i,j} A_ij B_ij = ⟨A, B⟩", "true"),
    ("003", 34, 25, "‖x‖² = Σ_1^n x_i²", "true"),
    ("002", 28, 7, "∂(xᵀA)/∂x = ∂(Aᵀx)/∂x", "true"),
    ("002", 28, 45, "∂(Aᵀx)/∂x = A", "true in the denominator layout"),
    ("002", 30, 39, "∂(Aᵀx)/∂x = [∂Σ A_i x_i/∂x_1 … ]",
     "undecided: a schematic matrix whose entries are not written as cells"),
    ("002", 34, 21, "[∂Σ A_i x_i/∂x_1 … ] = [A_1 … A_m]", "undecided: index notation"),
    ("002", 41, 16, "[A_1 … A_m] = A", "undecided: index notation"),
    ("002", 52, 1, "∂(xᵀBx)/∂x = [∂ΣΣ B_ij x_i x_j/∂x_1; …]", "undecided: a schematic matrix with more than one gap"),
    ("002", 52, 41, "[∂ΣΣ …/∂x_k; …] = [Σ B_ik x_i + Σ B_kj x_j; …]", "undecided: index notation"),
    ("002", 58, 54, "[Σ B_ik x_i + Σ B_kj x_j; …] = [Σ B_ik x_i; …] + [Σ B_kj x_j; …]",
     "true in the denominator layout"),
    ("002", 64, 28, "[Σ B_ik x_i; …] + [Σ B_kj x_j; …] = [B_11 B 21 …] x + [B_11 B 12 …] x",
     "undecided: entry (1, 2) of a schematic matrix writes its indices without a subscript (B 21"),
    ("002", 77, 10, "[B_11 B 21 …] x + [B_11 B 12 …] x = (Aᵀ + A) x", "undecided: A on the right does not occur"),
    ("003", 101, 7, "∂(Ax)/∂x = A", "true in the numerator layout"),
    ("003", 105, 18, "∂(Ax)/∂x = [∂⟨r_1, x⟩/∂x; …]", "undecided"),
    ("003", 106, 1, "[∂⟨r_i, x⟩/∂x; …] = [∂(a_1i x_i)/∂x_1 …]", "undecided: index notation"),
    ("003", 112, 7, "[∂(a_1i x_i)/∂x_1 …] = [a_11 … a_mn]", "undecided: index notation"),
    ("003", 127, 1, "[a_11 … a_mn] = A", "true in the numerator layout"),
    ("003", 134, 7, "∂(xᵀA)/∂x = Aᵀ", "true in the numerator layout"),
    ("003", 137, 18, "∂(xᵀA)/∂x = [∂⟨c_1, x⟩/∂x; …]", "undecided: c_1 on the right does not occur"),
    ("003", 138, 1, "[∂⟨c_i, x⟩/∂x; …] = [∂(a_1i x_i)/∂x_1 …]", "undecided: index notation"),
    ("003", 144, 7, "[∂(a_1i x_i)/∂x_1 …] = [a_11 … a_mn]", "undecided: index notation"),
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
