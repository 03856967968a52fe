"""Statement roles and the one gate of error findings: definitions, conditions, equations and
program output are undecided with their reason, and no error rule reports inside them."""

from __future__ import annotations

import pytest

from derivlint import engine
from derivlint.findings import Finding
from derivlint.math.roles import ROLE_TABLE, statement_role
from derivlint.rule import Rule


def claims(note: str):
    return engine.check_text("note.md", note).claims


def verdict_of(note: str, parsed: str) -> str | None:
    found = [c for c in claims(note) if c.parsed == parsed]
    assert found, [c.parsed for c in claims(note)]
    return found[0].verdict


DECL = "Let $A, B, M \\in \\mathbb{R}^{n \\times n}$ and $x, b \\in \\mathbb{R}^{n}$.\n\n"


@pytest.mark.parametrize(
    "sentence, parsed, role",
    [
        ("A matrix is called normal when $M M^T = M^T M$.", "M M^T = M^T M", "condition"),
        ("We want $B$ such that $A B = I$.", "A B = I", "condition"),
        ("Minimise $x^T x$ s.t. $A x = b$.", "A x = b", "condition"),
        ("Minimise $x^T x$ subject to $A x = b$.", "A x = b", "condition"),
        ("A projection must satisfy $M^2 = M$.", "M^2 = M", "condition"),
        ("Assume that $A^T = A$.", "A^T = A", "condition"),
        ("若矩阵满足 $A^T A = I$，则称其为正交矩阵。", "A^T A = I", "condition"),
        ("求 $B$ 使得 $B A = I$。", "B A = I", "condition"),
        ("当且仅当 $A B = B A$ 时两者可交换。", "A B = B A", "condition"),
        ("We define $\\|x\\|_A^2 = x^T A x$.", "‖x‖_A^2 = x^T A x", "definition"),
        ("定义 $\\|x\\|_A^2 = x^T A x$。", "‖x‖_A^2 = x^T A x", "definition"),
        ("记矩阵的迹为 $\\operatorname{tr}(A) = b^T x$。", "tr(A) = b^T x", "definition"),
        ("$\\|x\\|_A^2 := x^T A x$", "‖x‖_A^2 := x^T A x", "definition"),
        ("Solve $A x = 2 b$ for $x$.", "A x = 2 b", "equation"),
        ("Setting the gradient to zero:\n\n$$A^T A x = A^T b$$", "A^T A x = A^T b", "equation"),
        ("解方程 $A x = b$。", "A x = b", "equation"),
        ("The program prints\n\n$$A x = b$$", "A x = b", "output"),
        ("$$\\frac{\\partial x^T A x}{\\partial x} = 2 A x \\tag{if $A$ is symmetric}$$", "∂(x^T A x)/∂x = 2 A x",
         "condition"),
    ],
)  # fmt: skip
def test_statement_roles(sentence: str, parsed: str, role: str) -> None:
    note = DECL + sentence + "\n"
    (claim,) = [c for c in claims(note) if c.parsed == parsed]
    found = statement_role(claim)
    assert found is not None and found.kind == role
    assert claim.verdict is None or claim.verdict.startswith("undecided: ")


@pytest.mark.parametrize(
    "sentence, parsed",
    [
        ("Then $A B = B A$ holds for diagonal matrices.", "A B = B A"),
        ("When $A = A^T$, the gradient is $\\frac{\\partial x^T A x}{\\partial x} = 2 A x$.", "∂(x^T A x)/∂x = 2 A x"),
        ("The identity $\\operatorname{tr}(A B) = \\operatorname{tr}(B A)$ is often used.", "tr(A B) = tr(B A)"),
    ],
)
def test_claims_keep_their_role(sentence: str, parsed: str) -> None:
    (claim,) = [c for c in claims(DECL + sentence + "\n") if c.parsed == parsed]
    assert statement_role(claim) is None


def test_a_false_claim_is_found_but_the_same_as_a_condition_is_not() -> None:
    claim = DECL + "Then $(A B)^T = A^T B^T$.\n"
    condition = DECL + "We look for matrices such that $(A B)^T = A^T B^T$.\n"
    assert [f.code for f in engine.check_text("n.md", claim).findings] == ["DL302"]
    assert engine.check_text("n.md", condition).findings == []
    assert verdict_of(condition, "(A B)^T = A^T B^T") == "undecided: a condition, not a claim (such that)"


def test_every_role_row_has_english_and_chinese_phrases() -> None:
    for kind, reason, where, applies, patterns in ROLE_TABLE:
        if where == "lead":
            assert any(p.isascii() for p in patterns) and any(not p.isascii() for p in patterns), kind


class _Everywhere(Rule):
    """A rule defined by a test: one finding at the start of every claim."""

    code = "DL299"
    name = "everywhere"
    summary = "test"

    def check(self, note):
        for claim in note.claims:
            if claim.kind != "declaration":
                yield self.at_block(claim.block, claim.start, claim.end, "here")


def test_a_new_error_rule_cannot_skip_the_gate() -> None:
    note = DECL + "Then $A B = B A$. We look for $B$ such that $A B = I$.\n"
    result = engine.check_text("n.md", note)

    class Ungated(_Everywhere):
        needs_certain_reading = False

    class FakeNote:
        claims = result.claims

    gated = list(_Everywhere().check(FakeNote()))
    ungated = list(Ungated().check(FakeNote()))
    assert all(isinstance(f, Finding) for f in gated)
    assert len(ungated) == 2 and len(gated) == 1  # the condition's finding is dropped
    assert gated[0].column == ungated[0].column


def test_claims_json_says_why_a_reading_is_uncertain() -> None:
    (claim,) = [c for c in claims(DECL + "Solve $A x = 2 b$ for $x$.\n") if c.parsed == "A x = 2 b"]
    assert claim.to_json()["reading"] == "an equation to solve, not an identity (Solve)"
    (claim,) = [c for c in claims(DECL + "Then $A B = B A$.\n") if c.parsed == "A B = B A"]
    assert claim.to_json()["reading"] is None


def test_an_evaluation_at_values_given_elsewhere_is_not_a_wrong_step() -> None:
    note = "The code sets the input to three, so $2t = 6$, while $\\cos^2 t + \\sin^2 t = 1$ for every $t$.\n"
    found = {c.parsed: c.verdict for c in claims(note)}
    assert found["2 t = 6"] == "undecided: an evaluation at values given elsewhere (t has no value here)"
    assert found["cos(t)^2 + sin(t)^2 = 1"] == "true"
    assert engine.check_text("n.md", note).findings == []


class _Lead:
    """A claim stand-in whose lead is given: prose written right before it."""

    def __init__(self, lead: str):
        self.prose_before = lead
        self.relation = "="
        self.step = 0
        self.lhs = self.rhs = None
        self.has_derivative = False
        self.block = type("B", (), {"text": ""})()


@pytest.mark.parametrize(
    "lead, role",
    [
        ("We define", "definition"), ("Define the residual as", "definition"), ("the loss is defined as", "definition"),
        ("is called", "definition"), ("we denote", "definition"), ("Let", "definition"), ("where", "definition"),
        ("we write the gradient as", "definition"), ("记", "definition"), ("记作", "definition"),
        ("定义", "definition"), ("称为", "definition"), ("设", "definition"), ("其中", "definition"),
        ("such that", "condition"), ("s.t.", "condition"), ("subject to", "condition"),
        ("must satisfy", "condition"), ("satisfying", "condition"), ("provided that", "condition"),
        ("if and only if", "condition"), ("iff", "condition"), ("when", "condition"), ("whenever", "condition"),
        ("if", "condition"), ("assuming that", "condition"), ("suppose that", "condition"),
        ("with the constraint", "condition"), ("requires that", "condition"), ("满足", "condition"),
        ("使得", "condition"), ("要求", "condition"), ("当且仅当", "condition"), ("约束条件为", "condition"),
        ("如果", "condition"), ("若", "condition"), ("当", "condition"), ("假设", "condition"),
        ("Solve", "equation"), ("solving for x", "equation"), ("setting the derivative equal to 0", "equation"),
        ("equating the gradient to zero", "equation"), ("which gives the normal equations", "equation"),
        ("find x such that", "equation"), ("解方程", "equation"), ("求解", "equation"), ("令导数为零", "equation"),
        ("The program prints", "output"), ("Out[3]", "output"), ("the code returns", "output"),
        ("运行结果为", "output"), ("程序输出", "output"),
    ],
)  # fmt: skip
def test_each_phrasing_gives_its_role(lead: str, role: str) -> None:
    found = statement_role(_Lead(lead + ":"))
    assert found is not None and found.kind == role, (lead, found)


@pytest.mark.parametrize("lead", ["Then", "Hence", "The gradient is", "Expanding,", "因此", "于是", "可得", "the output is"])
def test_words_of_a_claim_give_no_role(lead: str) -> None:
    assert statement_role(_Lead(lead)) is None


def test_a_lead_is_searched_from_where_a_match_can_begin_and_finds_the_same_phrase() -> None:
    """The lead rules search only the last characters a match can span: the leftmost phrase is
    still the one found (``we define``, not ``define``), however long the words before it."""
    from derivlint.math import roles

    padding = "The loss below is what the rest of this section differentiates, step by step, and so "
    [c] = [c for c in claims(padding + "we define $f = x^2$.") if c.parsed == "f = x^2"]
    role = statement_role(c)
    assert role is not None and role.kind == "definition" and role.phrase.lower() == "we define"
    lead = roles.lead_of(c).rstrip(roles._TRAILING)
    for kind, _reason, _applies, rx, longest in roles._LEAD_RULES:
        whole = rx.search(lead)
        assert longest is None or whole is None or len(whole.group(0)) <= longest
        if kind == "definition":
            assert whole is not None and whole.group(0) == role.phrase


def test_the_role_kept_for_the_last_claim_is_read_again_when_the_claim_changes() -> None:
    from derivlint.check.reading import role_of

    [c] = [c for c in claims("Here $f = x^2$.") if c.parsed == "f = x^2"]
    assert role_of(c) is None and statement_role(c) is None
    c.prose_before = "we define"  # what the role is read from changed: the kept answer must not be used
    assert role_of(c) is not None and role_of(c).kind == "definition"
    c.prose_before = ""
    assert role_of(c) is None
