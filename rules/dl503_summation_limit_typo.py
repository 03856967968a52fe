"""DL503: a summation whose lower limit reads i-1 where i=1 was meant."""

from __future__ import annotations

from typing import Iterator

from derivlint.findings import Finding, Fix
from derivlint.rule import Rule
from derivlint.math.tree import Add, Neg, Num, Sum, Sym


class SummationLimitTypo(Rule):
    """## What it does
    Reports ``\\sum_{i-1}^{m}``: a lower limit that subtracts where the index
    should be set, and offers ``\\sum_{i=1}^{m}``.

    ## Why is this bad?
    ``i-1`` names no index and no start; readers (and derivlint) cannot tell
    what the sum runs over.

    ## Example
    ```
    \\sum_{i-1}^{m} A_i x_i
    ```

    ## Use instead
    ```
    \\sum_{i=1}^{m} A_i x_i
    ```
    """

    code = "DL503"
    name = "summation-limit-typo"
    summary = "A summation limit written i-1 where i=1 was meant."
    needs_certain_reading = False  # a typo in the limits is one whatever the statement means
    fixable = True

    def check(self, note) -> Iterator[Finding]:
        seen = set()
        walked: set[tuple[int, int]] = set()  # (block, side) walked: in a chain a = b = c, b is two claims' side
        for claim in note.claims:
            for side in (claim.lhs, claim.rhs):
                if side is None or (id(claim.block), id(side)) in walked:
                    continue  # its findings are those already made: the same block, the same places
                walked.add((id(claim.block), id(side)))
                if Sum not in map(type, side.walk()):
                    continue  # no Σ (most sides): one test at C speed (Sum has no subclass)
                for node in side.walk():
                    if not isinstance(node, Sum) or node.index is not None or node.upper is None:
                        continue
                    sub = node.sub
                    if not (isinstance(sub, Add) and len(sub.terms) == 2 and isinstance(sub.terms[0], Sym)
                            and isinstance(sub.terms[1], Neg) and isinstance(sub.terms[1].arg, Num)):  # fmt: skip
                        continue
                    key = (id(claim.block), sub.start)
                    if key in seen:
                        continue
                    seen.add(key)
                    block = claim.block
                    text = block.text[sub.start : sub.end]
                    minus = text.find("-")
                    if minus < 0:
                        continue
                    at = sub.start + minus
                    index, start = sub.terms[0].key, sub.terms[1].arg.value
                    fix = Fix(f"write {index}={start}", "=", block.file_offset(at), block.file_offset(at) + 1)
                    yield self.at_block(
                        block, sub.start, sub.end,
                        f"summation limit '{text.strip()}' subtracts: did you mean '{index}={start}'?", fix,
                    )  # fmt: skip
