"""DL302: a step of a derivation, or a plain identity, that is false."""

from __future__ import annotations

from typing import Iterator

from derivlint.findings import Finding
from derivlint.math.tree import render
from derivlint.rule import Rule

from derivlint.rules.dl301_wrong_derivative import first_failures, fix_for


class WrongStep(Rule):
    """## What it does
    Checks plain identities (``tr(ABC) = tr(CAB)``, an expanded quadratic
    form) and every step of a chain or an aligned derivation, each step
    against the derivative it continues (or the expression before it), and
    reports the first step that breaks.

    ## Why is this bad?
    One wrong step makes every later step unfounded, even when the final
    answer happens to be right; readers copy the step.

    ## Example
    ```
    \\operatorname{tr}(ABC) = \\operatorname{tr}(BAC)
    ```

    ## Use instead
    ```
    \\operatorname{tr}(ABC) = \\operatorname{tr}(CAB)
    ```
    """

    code = "DL302"
    name = "wrong-step"
    summary = "A step of a derivation, or a plain identity, that is false."
    fixable = True

    def check(self, note) -> Iterator[Finding]:
        for claim in first_failures(note, "DL302"):
            fix, layout = fix_for(claim, note, "replace with {text}")
            if fix is not None and claim.lhs is not None and _bare(fix.text) == _bare(render(claim.lhs)):
                fix = None  # QKᵀ = KQᵀ "holds with QKᵀ": the left side again is no correction
            message = f"this step does not follow: {claim.text.strip()}"
            if fix is not None:
                message += f"; it holds with {fix.text}"
            start = claim.rhs.start if claim.rhs is not None else claim.start
            yield self.at_block(claim.block, start, claim.end, message, fix)


def _bare(text: str) -> str:
    return "".join(text.split()).replace("{", "").replace("}", "")
