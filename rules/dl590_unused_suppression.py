"""DL590: a ``derivlint:`` suppression comment that suppresses nothing, or that cannot be read."""

from __future__ import annotations

from typing import Iterator

from derivlint.findings import Finding
from derivlint.rule import Rule


class UnusedSuppression(Rule):
    """## What it does
    Reports a suppression comment (``<!-- derivlint: disable … -->`` in
    Markdown and notebooks, ``% derivlint: …`` in LaTeX) that suppressed no
    finding in this run, once for each rule code in it that suppressed
    nothing. Also reports directives that cannot be read: an unknown verb, an
    unknown rule code, an ``enable`` with no ``disable`` before it, a
    ``disable-next-line`` with no line after it, or a code (DL100, DL199) that
    a comment cannot suppress.

    A directive for a rule that did not run (deselected with ``--select``,
    ``--ignore`` or the configuration) is not reported. DL590 findings can be
    suppressed only by a directive that names DL590 (or a prefix such as
    ``DL5``), never by a blanket ``disable``.

    The suppression pass at the end of checking a note
    (``derivlint.suppressions.apply_suppressions``) makes these findings, since
    only it knows which findings each directive covered; this rule's own
    ``check`` yields nothing.

    ## Why is this bad?
    A suppression left behind after the claim was corrected (or one with a
    typo in its code) silently hides the next mistake on that line, and tells
    readers that something there is wrong when it is not.

    ## Example
    ```
    <!-- derivlint: disable-next-line DL301 -->
    $$ \\frac{\\partial x^T x}{\\partial x} = 2x $$
    ```

    ## Use instead
    ```
    $$ \\frac{\\partial x^T x}{\\partial x} = 2x $$
    ```
    """

    code = "DL590"
    name = "unused-suppression"
    summary = "A suppression comment suppresses nothing, or cannot be read."
    severity = "warning"

    def check(self, note) -> Iterator[Finding]:
        # apply_suppressions, called at the end of engine.check_text, makes these.
        return iter(())
