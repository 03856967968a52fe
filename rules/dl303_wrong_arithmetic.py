"""DL303: wrong arithmetic in a worked example with concrete matrices."""

from __future__ import annotations

from typing import Iterator

from derivlint.findings import Finding
from derivlint.rule import Rule

from derivlint.rules.dl301_wrong_derivative import first_failures, replace_rhs


class WrongArithmetic(Rule):
    """## What it does
    Checks worked examples that use concrete matrices (``A = [[1,2],[3,4]]``,
    ``X = [x_1; x_2]``) exactly, with sympy, and reports the first step whose
    value is wrong, offering the exact value in the note's notation.

    ## Why is this bad?
    A worked example is what readers check their own work against; an
    arithmetic slip there teaches the wrong result.

    ## Example
    ```
    X^T A X = \\begin{bmatrix} x_1 & x_2 \\end{bmatrix}\\begin{bmatrix} 1 & 2 \\\\ 3 & 4 \\end{bmatrix}\\begin{bmatrix} x_1 \\\\ x_2 \\end{bmatrix} = 1x_1^2 + 4x_1x_2 + 4x_2^2
    ```

    ## Use instead
    ```
    … = 1x_1^2 + 5x_1x_2 + 4x_2^2
    ```
    """

    code = "DL303"
    name = "wrong-arithmetic"
    summary = "Wrong arithmetic in a worked example with concrete values."
    fixable = True

    def check(self, note) -> Iterator[Finding]:
        for claim in first_failures(note, "DL303"):
            exact = _exact_value(claim, note)
            block = claim.block
            start = claim.rhs.start if claim.rhs is not None else claim.start
            message = f"this does not compute: {claim.text.strip()}"
            fix = None
            if exact is not None:
                message += f"; the left-hand side is {exact}"
                fix = replace_rhs(claim, f"replace with {exact}", exact)
            yield self.at_block(block, start, claim.end, message, fix)


def _exact_value(claim, note) -> str | None:
    """The exact value of the left-hand side in the note's notation (sympy), or None."""
    from derivlint.check import exact
    from derivlint.check.truth import Scope, _definitions

    if claim.lhs is None or claim.rhs is None:
        return None
    from derivlint.check import budget

    scope = Scope(note.context, claim)
    values, _ = _definitions(claim.lhs, claim.rhs, scope, literal=True)
    budget.start()  # the exact value has a claim's time budget too (fuzz seed 403843: 1.5 s of sympy)
    try:
        comparison = exact.compare(claim.lhs, claim.rhs, values)
    except (exact.Unsupported, budget.OverBudget):
        return None  # the finding without a value to offer
    finally:
        budget.stop()
    if comparison.equal:
        return None
    style = exact.style_of(claim.block.text[claim.rhs.start : claim.rhs.end])
    try:
        value = comparison.lhs_value
        text = exact.to_latex(value[0, 0] if value.shape == (1, 1) else value, style)
    except Exception:  # noqa: BLE001 - no fix rather than a crash
        return None
    return text
