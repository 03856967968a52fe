"""Assumptions stated in prose and math (English and Chinese), and DL304 for those left unstated."""

from __future__ import annotations

import re
from pathlib import Path

from derivlint.check.fixes import plan_fixes
from derivlint.engine import check_text

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "markdown"


def _sections(name: str) -> list[str]:
    return re.findall(r"^## (.+)$", (FIXTURES / name).read_text(encoding="utf-8"), re.M)


def test_the_fixtures_cover_thirty_phrasings_and_each_has_its_missing_twin() -> None:
    stated = _sections("assumptions_en.md") + _sections("assumptions_zh.md")
    assert len(stated) >= 30
    missing = (FIXTURES / "assumptions_missing.md").read_text(encoding="utf-8")
    # one claim per phrasing, now unstated: DL304, except commuting (never offered unstated: DL302)
    assert missing.count("expect: DL304") + missing.count("expect: DL302") == len(stated)
    assert missing.count("expect: DL302") == sum("ommut" in s or "交换" in s for s in stated)
    assert any(re.search(r"[\u4e00-\u9fff]", s) for s in stated) and any(s.isascii() for s in stated)


def _findings(text: str):
    return check_text("n.md", text).findings


def test_the_student_mistake_is_a_warning_that_cites_the_definition_and_offers_an_unsafe_fix(tmp_path) -> None:
    text = (
        "# Gradients\n\nLet $f(\\mathbf{x}) = \\mathbf{x}^T A \\mathbf{x}$ with $A \\in \\mathbb{R}^{n \\times n}$.\n\n"
        "$$\n\\frac{\\partial f}{\\partial \\mathbf{x}} = 2A\\mathbf{x}\n$$\n"
    )
    [finding] = _findings(text)
    assert (finding.code, finding.severity, finding.line) == ("DL304", "warning", 6)
    assert "A is symmetric" in finding.message and "defined on line 3" in finding.message
    assert finding.fix is not None and not finding.fix.is_safe and "A^T" in finding.fix.text
    path = tmp_path / "n.md"
    path.write_text(text, encoding="utf-8")
    [plan] = plan_fixes([finding.__class__(**{**finding.__dict__, "path": str(path)})])
    assert plan.new == plan.old and plan.hidden == [finding.fix]  # --fix leaves it; --unsafe-fixes would apply it


def test_a_denied_assumption_keeps_the_error_and_a_stated_one_silences_it() -> None:
    claim = "$$\n\\frac{\\partial \\mathbf{x}^T A \\mathbf{x}}{\\partial \\mathbf{x}} = 2A\\mathbf{x}\n$$\n"
    head = "# t\n\nLet $\\mathbf{x} \\in \\mathbb{R}^n$ and $A \\in \\mathbb{R}^{n \\times n}$"
    assert [f.code for f in _findings(head + ".\n\n" + claim)] == ["DL304"]
    assert [f.code for f in _findings(head + "; $A$ is not symmetric.\n\n" + claim)] == ["DL301"]
    assert [f.code for f in _findings(head + ", symmetric.\n\n" + claim)] == []
    assert [f.code for f in _findings(head.replace("and $A", "and $A") + "，$A$ 为非对称矩阵。\n\n" + claim)] == ["DL301"]


def test_the_assumption_needed_is_the_weakest_that_makes_the_claim_hold() -> None:
    text = (
        "# t\n\nLet $\\mathbf{x} \\in \\mathbb{R}^n$ and $Q, A, B \\in \\mathbb{R}^{n \\times n}$.\n\n"
        "- $\\frac{\\partial \\|Q\\mathbf{x}\\|^2}{\\partial \\mathbf{x}} = 2\\mathbf{x}$\n"
        "- $(AB)^T = A^T B^T$\n"
        "- $\\frac{\\partial \\mathbf{x}^T A \\mathbf{x}}{\\partial \\mathbf{x}} = 3A\\mathbf{x}$\n"
    )
    found = {f.line: f for f in _findings(text)}
    assert "Q is orthogonal" in found[5].message and found[5].code == "DL304"
    assert found[6].code == "DL302"  # the order mistake: commuting is never offered unstated
    assert found[7].code == "DL301"  # 3Ax holds under no common assumption


def test_the_assumption_patterns_are_one_table_per_language_each_reading_a_subject_and_its_words() -> None:
    from derivlint.context.prose import ASSUMPTIONS_CN, ASSUMPTIONS_EN

    for table in (ASSUMPTIONS_EN, ASSUMPTIONS_CN):
        assert table and all({"subj", "words"} <= set(p.groupindex) and isinstance(neg, bool) for p, neg in table)
    assert any(neg for _, neg in ASSUMPTIONS_EN) and any(neg for _, neg in ASSUMPTIONS_CN)


def test_skew_symmetric_is_not_read_as_symmetric() -> None:
    claim = "$$\n\\frac{\\partial \\mathbf{x}^T E \\mathbf{x}}{\\partial \\mathbf{x}} = 2E\\mathbf{x}\n$$\n"
    for said in ("$E$ 为反对称矩阵", "$E$ is skew-symmetric", "$E^T = -E$"):
        text = f"# t\n\nLet $\\mathbf{{x}} \\in \\mathbb{{R}}^n$; {said}.\n\n" + claim
        assert [f.code for f in _findings(text)] == ["DL301"], said  # 2Ex is wrong for a skew E


def test_an_assumption_that_only_makes_both_sides_vanish_is_not_offered() -> None:
    text = (
        "# t\n\nLet $P, Y \\in \\mathbb{R}^{n \\times n}$.\n\n"
        "$$\n\\frac{\\partial}{\\partial Y} \\operatorname{tr}(Y^T P Y) = \\frac{\\partial}{\\partial Y} "
        "\\operatorname{tr}(Y P Y^T)\n$$\n"
    )
    assert [f.code for f in _findings(text)] == ["DL301"]  # a skew P makes both sides 0: no excuse


def test_a_terse_remark_in_the_display_is_read_and_its_negation_is_not_an_assumption() -> None:
    head = "# t\n\nLet $\\mathbf{x} \\in \\mathbb{R}^n$ and $A \\in \\mathbb{R}^{n \\times n}$.\n\n"
    claim = "$$\n\\frac{\\partial \\mathbf{x}^T A \\mathbf{x}}{\\partial \\mathbf{x}} = 2A\\mathbf{x} \\quad {}\n$$\n"
    assert [f.code for f in _findings(head + claim.replace("{}", "(\\text{$A$ symmetric})"))] == []
    assert [f.code for f in _findings(head + claim.replace("{}", "(A \\text{ 对称})"))] == []
    assert [f.code for f in _findings(head + claim.replace("{}", "(\\text{$A$ not symmetric})"))] != []
