"""DL304: a claim that holds only under a common assumption the note does not state."""

from __future__ import annotations

from typing import Iterator

from derivlint.findings import Finding
from derivlint.rule import Rule

from derivlint.rules.dl301_wrong_derivative import first_failures, fix_for


class UnstatedAssumption(Rule):
    """## What it does
    Before a claim is called false, tries it again with one symbol given a
    common property the note may have left unsaid: symmetric, positive
    definite, orthogonal, diagonal, skew-symmetric, a unit vector, a
    positive scalar, an integer exponent (two matrices that commute are read
    when the note says so, but an order mistake such as (AB)ᵀ = AᵀBᵀ stays an
    error), then with the matrices it sandwiches (H P Hᵀ, K R Kᵀ, xᵀ A x) all
    symmetric at once, as a Kalman gain's gradient needs of both covariances.
    When the claim holds under such
    an assumption but the note does not state it (in a notation list, as an
    adjective, as a condition, in English or Chinese), reports which
    assumption it needs, and offers the general formula as an unsafe fix.
    When the note says the opposite ("A is not symmetric", "非对称"), the claim
    is a plain DL301/DL302 instead.

    ## Why is this bad?
    A reader who takes the formula as general uses it where it does not
    hold: ``2Ax`` for the gradient of ``xᵀAx`` is wrong for every matrix
    that is not symmetric. Either the assumption belongs in the note, or
    the formula should be the general one.

    ## Example
    ```
    Let $f(x) = x^T A x$ with $A \\in \\mathbb{R}^{n \\times n}$.
    $$\\frac{\\partial f}{\\partial x} = 2Ax$$
    ```

    ## Use instead
    ```
    Let $f(x) = x^T A x$ with $A \\in \\mathbb{R}^{n \\times n}$ symmetric.
    $$\\frac{\\partial f}{\\partial x} = 2Ax$$
    ```
    or the general formula, ``(A + A^T)x``.
    """

    code = "DL304"
    name = "unstated-assumption"
    summary = "A claim that holds only under an assumption the note does not state."
    severity = "warning"
    fixable = True

    def check(self, note) -> Iterator[Finding]:
        from derivlint.check.truth import definition_of

        for claim in first_failures(note, "DL304"):
            assumption = claim.facts["outcome"].assumption
            fix, layout = fix_for(claim, note, "without the assumption: {text}")
            if fix is not None:
                fix = fix.unsafe()  # it rests on an assumption the note does not state
            message = f"{claim.text.strip()} holds only if {assumption.describe()}; the note does not say so"
            note_layout = claim.facts.get("note_layout")
            if note_layout in ("numerator", "denominator") and note_layout not in assumption.holds:
                message += f" (and then only in the {next(iter(assumption.holds))} layout)"
            defined = definition_of(claim, note.context)
            if defined is not None:
                text = defined.source.text[defined.start : defined.end].strip()
                message += f"; {text} is defined on line {defined.line}"
            if fix is not None:
                message += f"; in general the right-hand side is {fix.text}"
            start = claim.start if claim.step == 0 else (claim.rhs.start if claim.rhs is not None else claim.start)
            yield self.at_block(claim.block, start, claim.end, message, fix)
