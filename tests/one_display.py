"""The verdict of a note made of a preamble and one display: the helper of the index-notation tests."""

from __future__ import annotations

from derivlint.engine import check_text


def last_verdict(preamble: str, display: str) -> str:
    """The verdict of the last equality or derivative claim of ``preamble`` then ``display`` in $$ … $$."""
    result = check_text("n.md", preamble + "$$\n" + display + "\n$$\n")
    claims = [c for c in result.claims if c.kind in ("equality", "derivative")]
    assert claims, "no claim read"
    return claims[-1].verdict or ""
