"""Finding messages are one line, whatever the math they quote spans."""

from __future__ import annotations

from linter.engine import check_text

NOTE = """# Chain rule

First $\\frac{\\partial a^T x}{\\partial x} = a$ and $\\frac{\\partial x^T x}{\\partial x} = 2x$.

$$
\\frac{\\partial b^T x}{\\partial x} = \\frac{\\partial x^T b}{\\partial x}
\\\\ = b^T
$$
"""


def test_a_claim_spanning_lines_is_quoted_on_one_line() -> None:
    findings = check_text("note.md", NOTE).findings
    spanning = [f for f in findings if f.end_line > f.line]
    assert spanning, [f.message for f in findings]  # the note has a claim over two lines
    for f in findings:
        assert "\n" not in f.message and "  " not in f.message, f.message
