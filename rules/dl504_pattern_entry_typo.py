"""DL504: an entry of a schematic matrix that writes its indices on the line (B 21) where the others subscript them."""

from __future__ import annotations

from typing import Iterator

from derivlint.findings import Finding
from derivlint.rule import Rule


class PatternEntryTypo(Rule):
    """## What it does
    Reports an entry of a matrix written with dots (``\\cdots``, ``\\vdots``)
    that writes the indices of the pattern's symbol on the line, ``B 21`` or
    ``B m 1``, where the other entries subscript them (``B_{11}``, ``B_{1m}``),
    and reads it as the pattern does (``B_{21}``). Only when at least two entries
    write the subscripted form and every entry, so read, fits one pattern.

    ## Why is this bad?
    ``B 21`` is rendered as the matrix B times the number 21: the entry says
    something other than what the pattern of its neighbours says, and a reader
    has to guess the subscript.

    ## Example
    ```
    \\begin{bmatrix} B_{11} & B 21 & \\cdots & B m 1 \\\\
    \\vdots & \\vdots & \\ddots & \\vdots \\\\
    B_{1m} & B 2 m & \\cdots & B m m \\end{bmatrix}
    ```

    ## Use instead
    ```
    \\begin{bmatrix} B_{11} & B_{21} & \\cdots & B_{m1} \\\\
    \\vdots & \\vdots & \\ddots & \\vdots \\\\
    B_{1m} & B_{2m} & \\cdots & B_{mm} \\end{bmatrix}
    ```
    """

    code = "DL504"
    name = "pattern-entry-typo"
    summary = "An entry of a schematic matrix writes its indices on the line where the others subscript them."
    needs_certain_reading = False  # a typo in an entry is one whatever the statement means

    def check(self, note) -> Iterator[Finding]:
        from derivlint.check import schematic  # numpy: not for `derivlint rule --all`
        from derivlint.math.tree import Dots

        seen = set()
        walked: set[tuple[int, int]] = set()  # (block, side) walked: in a chain a = b = c, b is two claims' side
        for claim in note.claims:
            block = claim.block
            if not _may_have_dots(block.text):
                continue
            for side in (claim.lhs, claim.rhs):
                if side is None or (id(block), id(side)) in walked:
                    continue  # its findings are those already made: the same block, the same places
                walked.add((id(block), id(side)))
                if Dots not in map(type, side.walk()):  # at C speed (Dots has no subclass)
                    continue
                for node in side.walk():
                    key = (id(block), node.start, node.end)
                    if key in seen or not schematic.schematic(node, block.text):
                        continue
                    seen.add(key)
                    pattern = schematic.read(node, block.text)
                    if isinstance(pattern, str) or not pattern.breaks:
                        continue
                    _, _, written, meant = pattern.breaks[0]
                    more = len(pattern.breaks) - 1
                    others = f" (and {more} more entr{'y' if more == 1 else 'ies'} so written)" if more else ""
                    text = " ".join(block.text[written.start : written.end].split())
                    yield self.at_block(
                        block, written.start, written.end,
                        f"entry '{text}' writes its indices on the line where the other entries of the matrix "
                        f"subscript them: did you mean '{meant.name}_{{{meant.sub}}}'?{others}",
                    )  # fmt: skip


def _may_have_dots(text: str) -> bool:
    """Whether a block's text can hold dots (\\cdots, \\vdots, \\ldots, \\cdot\\cdot\\cdot, ..., …): the claims
    of a block without any are not walked."""
    return "dots" in text or "cdot" in text or "..." in text or "…" in text
