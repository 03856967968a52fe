"""DL205: an equality between expressions of different shapes."""

from __future__ import annotations

from typing import Iterator

from derivlint.findings import Finding
from derivlint.rule import Rule


class RelationShapeMismatch(Rule):
    """## What it does
    Reports ``L = R`` where both shapes are known and differ: a row vector
    equated to a scalar, a 2×2 matrix to a 2×1 vector.

    ## Why is this bad?
    Objects of different shapes are never equal. In worked examples it
    usually means a product was expanded as if a vector were a scalar.

    ## Example
    ```
    X^T A = \\begin{bmatrix} x_1 & x_2 \\end{bmatrix}\\begin{bmatrix} 1 & 2 \\\\ 3 & 4 \\end{bmatrix} = x_1(1) + x_2(3)
    ```

    ## Use instead
    ```
    X^T A = \\begin{bmatrix} x_1 + 3x_2 & 2x_1 + 4x_2 \\end{bmatrix}
    ```
    """

    code = "DL205"
    name = "relation-shape-mismatch"
    summary = "An equality between expressions of different shapes."

    def check(self, note) -> Iterator[Finding]:
        for claim in note.claims:
            error = claim.facts.get("relation_error")
            if error and error[0] == "relation":
                yield self.at_block(claim.block, claim.start, claim.end, f"{claim.text.strip()}: {error[1]}")
