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
