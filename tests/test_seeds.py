"""The users' own seed notes (../shared/seeds): every relation listed, parsed, and DL1xx only where due."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from derivlint.cli import main
from derivlint.engine import check_text
from derivlint.extract import extract
from derivlint.math.lexer import tokenize
from derivlint.math.parser import relation_of

from shared_data import SEEDS, needs_seeds

pytestmark = needs_seeds


def seed(prefix: str) -> Path:
    return next(SEEDS.glob(prefix + "_*.md"))


def seed_results():
    return {p.name[:3]: check_text(str(p), p.read_text(encoding="utf-8")) for p in sorted(SEEDS.glob("*.md"))}


def relation_lines(path: Path) -> set[int]:
    """Lines on which the math of a note has a relation sign, found from tokens
    alone (independently of how claims are built)."""
    text = path.read_text(encoding="utf-8")
    lines = set()
    for block in extract(str(path), text).blocks:
        for tok in tokenize(block.text):
            if relation_of(tok) in ("=", "∈", "≠", "≈"):
                lines.add(block.line_col(tok.start)[0])
    return lines


@pytest.mark.parametrize("prefix", ["000", "001", "002", "003"])
def test_every_relation_is_listed_on_its_line(prefix: str) -> None:
    path = seed(prefix)
    result = check_text(str(path), path.read_text(encoding="utf-8"))
    covered = set()
    for claim in result.claims:
        line, _, end_line, _ = claim.position()
        covered.update(range(line, end_line + 1))
    missing = relation_lines(path) - covered
    # subscripts such as \sum_{i = 1} hold '=' without being claims; they are inside
    # claims that cover their lines, so nothing may be missing
    assert not missing, f"lines with a relation but no claim: {sorted(missing)}"


@pytest.mark.parametrize(
    "prefix, line, kind, parsed",
    [
        ("000", 6, "derivative", "∂(X^T)/∂X = I"),
        ("000", 38, "derivative", "∂(A X^T)/∂X = A"),
        ("000", 82, "equality", "[x_1, x_2] [1, 2; 3, 4] [x_1; x_2] = 1 x_1^2 + 4 x_1 x_2 + 4 x_2^2"),
        ("000", 86, "equality", "(A + A^T) X = [1, 3; 2, 4] [x_1; x_2]"),
        ("001", 148, "derivative", "∂(f)/∂x = (A + A^T) x"),
        ("001", 162, "derivative", "∂(f)/∂X = (X^-1)^T"),
        ("001", 191, "derivative", "∂(L)/∂beta = -(2 X^T (y - X beta))"),
        ("002", 117, "derivative", "d(a^T b)/da = b^T"),
        ("002", 135, "derivative", "d(L)/dw = d(L)/de d(e)/dw"),
        ("003", 31, "derivative", "∂(‖x‖^2)/∂x = 2 x^T"),
        ("003", 168, "equality", "I^T = I"),
    ],
)
def test_claims_on_known_lines(prefix: str, line: int, kind: str, parsed: str) -> None:
    path = seed(prefix)
    result = check_text(str(path), path.read_text(encoding="utf-8"))
    found = [(c.kind, c.parsed) for c in result.claims if c.position()[0] == line]
    assert (kind, parsed) in found, found


def test_derivative_relations_are_parsed() -> None:
    derivative = unparsed = 0
    for result in seed_results().values():
        for claim in result.claims:
            if claim.has_derivative:
                derivative += 1
                unparsed += claim.kind == "unparsed"
    assert derivative >= 60
    assert (derivative - unparsed) / derivative >= 0.9


def test_dl1_findings_only_at_the_unclosed_parenthesis() -> None:
    found = [
        (name, f.line, f.code)
        for name, result in seed_results().items()
        for f in result.findings
        if f.code.startswith("DL1")
    ]
    assert found == [("002", 114, "DL101")]


def test_unparsed_claims_have_a_reason() -> None:
    for result in seed_results().values():
        for claim in result.claims:
            if claim.kind == "unparsed":
                assert claim.reason


def test_claims_command_lists_the_seeds(capsys) -> None:
    assert main(["claims", str(SEEDS), "--output-format", "json"]) == 0
    import json

    data = json.loads(capsys.readouterr().out)
    assert len(data) >= 150
    assert {d["kind"] for d in data} >= {"derivative", "definition", "declaration", "equality"}
    assert all(re.match(r".*\.md$", d["path"]) and d["line"] >= 1 for d in data)
