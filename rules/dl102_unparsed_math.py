"""DL102: a claim whose math derivlint could not read (off by default; always counted)."""

from __future__ import annotations

from typing import Iterator

from derivlint.findings import Finding
from derivlint.rule import Rule


class UnparsedMath(Rule):
    """## What it does
    Reports a relation (``=``, ``\\in``, ``\\le`` …) that derivlint found but
    could not parse into an expression tree: an integral, an unknown macro, a
    construct it does not support yet. The message gives the reason and the
    position of the first token it could not read. This rule is off by
    default because the math is usually fine and the limit is derivlint's;
    every run still counts these claims in its summary. Select it with
    ``--extend-select DL102`` to see them.

    ## Why is this bad?
    A claim that is not parsed is not checked: a mistake in it goes
    unreported. Knowing which claims were skipped tells you what the clean
    result does not cover.

    ## Example
    ```
    $$ \\int_0^1 x^2 \\, dx = \\frac{1}{3} $$
    ```

    ## Use instead
    Nothing to change in the note when the math is right; define unknown
    macros in the configuration's ``macros`` table (or with ``\\newcommand``
    in the note) so that derivlint can read them.
    """

    code = "DL102"
    name = "unparsed-math"
    summary = "A claim's math could not be parsed, so it was not checked."
    severity = "info"
    default_enabled = False

    def check(self, note) -> Iterator[Finding]:
        for claim in note.claims:
            if claim.kind == "unparsed" and not claim.unbalanced:
                where = claim.block.text[claim.error_start : claim.error_end].strip()
                message = f"Could not parse this claim: {claim.reason}"
                if where and where not in claim.reason:
                    message += f" (at '{where}')"
                yield self.at_block(claim.block, claim.start, claim.end, message)
