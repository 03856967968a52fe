"""DL204: a derivative whose right-hand side has a shape that fits no layout."""

from __future__ import annotations

from typing import Iterator

from derivlint.findings import Finding
from derivlint.rule import Rule


class DerivativeShapeMismatch(Rule):
    """## What it does
    Reports a derivative claim ``∂Y/∂X = R`` where the shape of ``R`` is
    neither the numerator-layout nor the denominator-layout shape of ``∂Y/∂X``.

    ## Why is this bad?
    For a scalar f and x ∈ Rⁿ, ∂f/∂x is 1×n or n×1; a right-hand side that is
    n×n cannot be it in any convention, so the formula is wrong, not merely
    written in another layout.

    ## Example
    ```
    x \\in \\mathbb{R}^n:\\quad \\frac{\\partial x^T x}{\\partial x} = x x^T
    ```

    ## Use instead
    ```
    \\frac{\\partial x^T x}{\\partial x} = 2x
    ```
    """

    code = "DL204"
    name = "derivative-shape-mismatch"
    summary = "A derivative's right-hand side has a shape that fits no layout."

    def check(self, note) -> Iterator[Finding]:
        for claim in note.claims:
            error = claim.facts.get("relation_error")
            if error and error[0] == "derivative":
                yield self.at_block(claim.block, claim.start, claim.end, f"{claim.text.strip()}: {error[1]}")
