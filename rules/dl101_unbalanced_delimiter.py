"""DL101: a math delimiter, bracket or environment that is opened and never closed (or the reverse)."""

from __future__ import annotations

from typing import Iterator

from derivlint.findings import Finding
from derivlint.rule import Rule


class UnbalancedDelimiter(Rule):
    """## What it does
    Reports math whose delimiters do not pair up: an unclosed ``$$``, ``\\[``
    or ``\\begin{align}``; an ``(`` or ``\\left(`` with no partner inside the
    formula; a ``}`` with no ``{``. The finding points at the delimiter that
    has no partner.

    ## Why is this bad?
    The formula does not render, or renders as something else than the author
    meant, and derivlint cannot tell which expression was intended, so the
    claim goes unchecked.

    ## Example
    ```
    $$ = -\\frac{d(2y^T X w}{dw} $$
    ```

    ## Use instead
    ```
    $$ = -\\frac{d(2y^T X w)}{dw} $$
    ```
    """

    code = "DL101"
    name = "unbalanced-delimiter"
    summary = "A delimiter, bracket or environment is opened and never closed."
    severity = "error"

    def check(self, note) -> Iterator[Finding]:
        for source, start, end, message in note.extraction.problems:
            yield self.at_source(source, start, end, message[0].upper() + message[1:])
        from derivlint.extract.latex import DIAGRAM_ENVS

        for claim in note.claims:
            if claim.block.env in DIAGRAM_ENVS:
                continue  # a diagram's label may be a fragment of a formula spread over nodes
            if claim.kind == "unparsed" and claim.unbalanced:
                text = claim.block.text[claim.error_start : claim.error_end]
                message = claim.reason[0].upper() + claim.reason[1:]
                if text and text not in claim.reason:
                    message += f" (at '{text.strip()}')"
                yield self.at_block(claim.block, claim.error_start, claim.error_end, message)
