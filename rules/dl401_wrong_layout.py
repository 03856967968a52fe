"""DL401: a claim that holds only in another layout than the note's."""

from __future__ import annotations

from typing import Iterator

from derivlint.findings import Finding
from derivlint.rule import Rule

from derivlint.rules.dl301_wrong_derivative import fix_for


class WrongLayout(Rule):
    """## What it does
    Finds the note's layout (declared in prose such as "分母布局" or
    "numerator layout", set in the configuration, or else the layout most of
    its derivations use) and reports each derivative, or step of a
    derivation, that holds only in the other layout. The message names the
    note's layout and where it was established; the fix is the right-hand
    side in the note's layout.

    ## Why is this bad?
    Numerator and denominator layouts give transposed answers. A note that
    switches silently produces products that do not conform (a row gradient
    times a column) and answers that disagree with the page before.

    ## Example
    ```
    % the note uses the denominator layout (gradients are columns)
    \\frac{d a^T b}{d a} = b^T
    ```

    ## Use instead
    ```
    \\frac{d a^T b}{d a} = b
    ```
    """

    code = "DL401"
    name = "wrong-layout"
    summary = "A claim that holds only in another layout than the note's."
    fixable = True

    def check(self, note) -> Iterator[Finding]:
        for claim in note.claims:
            wrong = claim.facts.get("wrong_layout")
            if not wrong:
                continue
            expected, established = wrong
            holds = next(iter(claim.facts["outcome"].holds))
            fix, _ = fix_for(claim, note, "in the " + expected + " layout: {text}")
            message = (
                f"{claim.text.strip()} holds in the {holds} layout, but this note uses the "
                f"{expected} layout ({established})"
            )
            if fix is not None:
                message += f"; in the {expected} layout the right-hand side is {fix.text}"
            yield self.at_block(claim.block, claim.start, claim.end, message, fix)
