"""DL199: derivlint itself failed while checking a file or one claim (a bug in derivlint)."""

from __future__ import annotations

from typing import Iterator

from derivlint.findings import Finding
from derivlint.rule import Rule


class InternalError(Rule):
    """## What it does
    Reports that derivlint crashed while checking this file, or while
    deciding one claim (then at the claim). The message names the exception;
    the other claims and files of the run are still checked.

    ## Why is this bad?
    This is a bug in derivlint, not in the note: the file was not (fully)
    checked, so its mistakes may go unreported. Please report it with the
    smallest note that reproduces it; run with ``DERIVLINT_DEBUG=1`` to print
    the traceback on stderr.

    ## Example
    ```
    notes/ch2.md:1:1: DL199 internal error while checking this file: KeyError: 'x'
    ```

    ## Use instead
    Report the bug. Until it is fixed, ``--ignore DL199`` hides the finding
    (the file stays unchecked).
    """

    code = "DL199"
    name = "internal-error"
    summary = "derivlint failed while checking this file; this is a derivlint bug."
    severity = "error"

    def check(self, note) -> Iterator[Finding]:
        # The CLI makes the file-level findings when checking a file raises; here, the claims
        # whose check raised (claim.facts["internal_error"], set by derivlint.check.truth).
        for claim in note.claims:
            error = claim.facts.get("internal_error")
            if error:
                message = (f"internal error while checking this claim: {error} "
                           "(a derivlint bug; please report it with this formula)")  # fmt: skip
                yield self.at_block(claim.block, claim.start, claim.end, message)
