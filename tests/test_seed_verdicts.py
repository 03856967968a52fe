"""The acceptance criteria of issues 3 and 4 on the four seed notes: what must be flagged, what must stay silent."""

from __future__ import annotations

from pathlib import Path

import pytest

from derivlint.engine import check_text

from shared_data import SEEDS, needs_seeds

pytestmark = needs_seeds


def _findings(prefix: str) -> list[tuple[int, str]]:
    path = next(SEEDS.glob(prefix + "_*.md"))
    result = check_text(str(path), path.read_text(encoding="utf-8"))
    return [(f.line, f.code) for f in result.findings]


def _codes_at(findings, line: int) -> set[str]:
    return {code for n, code in findings if n == line}


def test_seed_000_shape_errors_each_on_their_line() -> None:
    found = _findings("000")
    assert any(c.startswith("DL2") for c in _codes_at(found, 38))  # ∂(AXᵀ)/∂X with X n×1
    assert any(c.startswith("DL2") for c in _codes_at(found, 50))  # A Xᵀ = [[1,2],[3,4]][x1 x2]
    assert any(c.startswith("DL2") for c in _codes_at(found, 34))  # a row vector = a scalar


def test_seed_000_arithmetic_slips_and_silences() -> None:
    found = _findings("000")
    assert any(c.startswith("DL3") for c in _codes_at(found, 82))
    assert any(c.startswith("DL3") for c in _codes_at(found, 86))
    for line in (6, 22, 54, 70, 89, 19, 66, 68, 101):  # section headings 1, 2, 4, 5, 6 and worked lines
        assert not _codes_at(found, line), line


def test_seed_001_is_silent_beyond_extraction() -> None:
    found = _findings("001")
    assert not [f for f in found if f[1][:3] in ("DL2", "DL3", "DL4", "DL5")], found


def test_seed_002_mixups_layouts_and_typos() -> None:
    found = _findings("002")
    assert any(c.startswith("DL5") for c in _codes_at(found, 50))  # ∂(xᵀBx)/∂x = (Aᵀ+A)x
    assert "DL401" in _codes_at(found, 117)  # da^Tb/da = b^T in a denominator-layout note
    assert {"DL401"} <= set().union(*(_codes_at(found, n) for n in range(135, 139)))
    assert not _codes_at(found, 119) and not _codes_at(found, 118)
    for line in (38, 53, 56):
        assert "DL503" in _codes_at(found, line)


def test_seed_003_is_silent_beyond_extraction() -> None:
    found = _findings("003")
    assert not [f for f in found if f[1][:3] in ("DL2", "DL3", "DL4", "DL5")], found


def test_claims_carry_verdicts_and_the_fix_of_a_wrong_layout_makes_it_hold() -> None:
    path = next(SEEDS.glob("002_*.md"))
    text = path.read_text(encoding="utf-8")
    result = check_text(str(path), text)
    fixes = [f for f in result.findings if f.code == "DL401" and f.line == 117 and f.fix]
    assert fixes, "the wrong-layout finding offers the right-hand side"
    fix = fixes[0].fix
    fixed = text[: fix.start] + fix.text + text[fix.end :]
    again = check_text(str(path), fixed)
    assert "DL401" not in {f.code for f in again.findings if f.line == 117}
