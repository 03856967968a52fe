"""DL301: a derivative that holds in no layout."""

from __future__ import annotations

from typing import Iterator

from derivlint.findings import Finding, Fix
from derivlint.rule import Rule
from derivlint.math.tree import Deriv


def first_failures(note, code: str):
    """The false claims the truth stage gave to the rule ``code`` (``settle_reports``: the
    first false step of each chain; DL301 derivatives, DL302 steps, DL303 worked examples,
    DL304 claims that hold under an unstated assumption)."""
    for claim in note.claims:
        if claim.facts.get("report") == code:
            yield claim


def replace_rhs(claim, title: str, text: str) -> Fix:
    """A fix that replaces the claim's right-hand side (source offsets) by ``text``."""
    block = claim.block
    start, end = claim.rhs.start, claim.rhs.end
    return Fix(title, text, block.file_offset(start), block.file_offset(end - 1) + 1)


def fix_for(claim, note, title: str):
    """The verified right-hand side in the note's layout as a fix, and that layout."""
    from derivlint.check.fixes import fix_applicability
    from derivlint.check.truth import correction

    layout = claim.facts.get("note_layout") or "denominator"
    text = correction(claim, note.context, layout)
    if text is None:
        return None, layout
    fix = replace_rhs(claim, title.format(text=text, layout=layout), text)
    return (fix if fix_applicability(claim, note) == "safe" else fix.unsafe()), layout


class WrongDerivative(Rule):
    """## What it does
    Checks a derivative claim numerically: random values that respect the
    declared shapes and assumptions, the exact Jacobian, compared with the
    right-hand side in the numerator and the denominator layout. Reports the
    claim when it holds in neither, and offers a right-hand side that holds
    in the note's layout when a small edit of the claimed one does.

    ## Why is this bad?
    The formula is false whatever convention the reader assumes; anyone who
    uses it gets wrong gradients.

    ## Example
    ```
    \\frac{\\partial x^T A x}{\\partial x} = 2Ax
    ```

    ## Use instead
    ```
    \\frac{\\partial x^T A x}{\\partial x} = (A + A^T)x   % or 2Ax when A is symmetric
    ```
    """

    code = "DL301"
    name = "wrong-derivative"
    summary = "A derivative that holds in no layout."
    fixable = True

    def check(self, note) -> Iterator[Finding]:
        for claim in first_failures(note, "DL301"):
            fix, layout = fix_for(claim, note, "replace with {text}")
            # f'(t), or d/dx of a scalar by a declared scalar: there is no layout to choose
            scalar = (isinstance(claim.lhs, Deriv) and claim.lhs.prime) or claim.facts.get("shapes") == ("scalar", "scalar")
            message = f"{claim.text.strip()} " + ("is wrong (checked at random values of its variables)" if scalar else "holds in no layout")
            assumption = claim.facts["outcome"].assumption
            if assumption is not None:  # the note denies what would make it hold
                message += f" (it would if {assumption.describe()}, but the note says {assumption.subject()} is not)"
            if fix is not None:
                message += f"; the right-hand side is {fix.text}" if scalar else f"; in the {layout} layout the right-hand side is {fix.text}"
            yield self.at_block(claim.block, claim.start, claim.end, message, fix)

