"""DL401: a claim that holds only in another layout than the note's."""

from __future__ import annotations

from dataclasses import replace
from typing import Iterator

from derivlint.findings import Finding
from derivlint.rule import Rule

from derivlint.rules.dl301_wrong_derivative import fix_for


class WrongLayout(Rule):
    """## What it does
    Finds the note's layout -- what the note says of itself ("we use the
    denominator layout", "本文采用分母布局", a declared Jacobian shape such as
    ∂y/∂x ∈ ℝ^{m×n}) or the configuration -- and reports each derivative, or
    step of a derivation, that holds only in the other layout, quoting the
    sentence or claim that established the layout. A heading or sentence that
    names or explains both layouts, or describes one without adopting it,
    establishes nothing. When the note states no layout but clearly most of
    its derivations use one, a claim in the other is only a warning (the
    layout is a reading, not the note's word) and its fix is unsafe.

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
            if claim.facts.get("layout_inferred"):
                # the note states no layout: its derivations clearly agree on one, but that is a
                # reading of the note, not its word; a warning, and the fix is unsafe
                message = (f"{claim.text.strip()} holds in the {holds} layout; the note does not state its "
                           f"layout, {established}")
            else:
                message = (f"{claim.text.strip()} holds in the {holds} layout, but this note uses the "
                           f"{expected} layout ({established})")
            if fix is not None:
                message += f"; in the {expected} layout the right-hand side is {fix.text}"
            finding = self.at_block(claim.block, claim.start, claim.end, message, fix)
            if claim.facts.get("layout_inferred"):
                finding = replace(finding, severity="warning")
            yield finding
