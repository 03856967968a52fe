"""Time of the context stage (build_context, then the facts of every symbol of every claim and its
assumptions, as truth asks them) on generated Markdown notes of growing size, of two kinds (sections
that reuse letters; one long aligned block); prints each time and the growth exponent.

Usage: python scripts/scaling_context.py [SIZE_KB ...]   (default: 100 400 1600)

The notes reuse a few letters in every section, so that each letter has more declarations the larger
the note is: a lookup that ranks every declaration of a letter grows with the square of the size.
Not a test: timing does not belong in tests; compare runs made together on one machine.
"""

from __future__ import annotations

import gc
import math
import sys
import time


from derivlint.context import build_context
from derivlint.extract import extract
from derivlint.math.claims import claims_of
from derivlint.math.tree import Sym

SECTION = """## Section {i}

Let $x \\in \\mathbb{{R}}^{{n}}$ and $A \\in \\mathbb{{R}}^{{n \\times n}}$, where $A$ is symmetric.
The loss is a scalar and the matrix $W$ is the weight of layer {i}.

$$
\\frac{{\\partial x^T A x}}{{\\partial x}} = 2 A x
$$

Example {i}. Let $B = \\begin{{bmatrix}} 1 & {i} \\\\ 0 & 1 \\end{{bmatrix}}$ and $y \\in \\mathbb{{R}}^{{2}}$, so $B y$ is a vector.

- $\\frac{{\\partial a^T x}}{{\\partial x}} = a$
- $\\operatorname{{tr}}(A B) = \\operatorname{{tr}}(B A)$

Plain prose about the method follows here, with no math in it at all, to make the note longer as
real notes are: the gradient is the vector of partial derivatives, and the step size is small.

"""


ROW = "z_{{{i}}} &= A x + b_{{{i}}}, \\quad A \\in \\mathbb{{R}}^{{n \\times n}} \\\\\n"


def aligned_of(size_kb: int) -> str:
    """One aligned block of rows that each state a claim and a declaration, in one sentence."""
    rows, total, i = [], 0, 0
    while total < size_kb * 1024:
        row = ROW.format(i=i)
        rows.append(row)
        total += len(row)
        i += 1
    return "# T\n\nWhere $A$ is symmetric:\n$$\n\\begin{aligned}\n" + "".join(rows) + "\\end{aligned}\n$$\n"


def note_of(size_kb: int) -> str:
    parts, total, i = [], 0, 0
    while total < size_kb * 1024:
        if i % 20 == 0:
            parts.append(f"# Chapter {i // 20}\n\n")
        part = SECTION.format(i=i)
        parts.append(part)
        total += len(part.encode("utf-8"))
        i += 1
    return "".join(parts)


def context_time(text: str) -> tuple[float, int]:
    """CPU seconds of build_context and of the facts of each claim's symbols; the claims counted."""
    extraction = extract("scaling.md", text)
    claims = [c for block in extraction.blocks for c in claims_of(block, extraction.macros)]
    gc.collect()
    gc.disable()
    try:
        start = time.process_time()
        ctx = build_context(extraction, claims, extraction.macros)
        for claim in claims:
            for side in (claim.lhs, claim.rhs):
                if side is None:
                    continue
                for node in side.walk():
                    if isinstance(node, Sym):
                        ctx.facts(node.key, claim)
            ctx.assumptions(claim)
        return time.process_time() - start, len(claims)
    finally:
        gc.enable()


def main(sizes: list[int]) -> None:
    for kind, make, scale in (("sections", note_of, 1), ("one aligned block", aligned_of, 8)):
        print(f"# {kind}")
        rows = []
        for size in sizes:
            size = max(1, size // scale)  # an aligned block holds 8 times as many claims per KB
            seconds, claims = context_time(make(size))
            rows.append((size, seconds))
            print(f"{size:6d} KB  {claims:7d} claims  {seconds:7.2f} s  {seconds / size * 1024:6.2f} s/MB")
        for (a, ta), (b, tb) in zip(rows, rows[1:]):
            ratio = tb / ta if ta else float("inf")
            print(f"{a} KB -> {b} KB: time x{ratio:.2f} for size x{b / a:.1f}, "
                  f"exponent {math.log(ratio) / math.log(b / a):.2f}")  # fmt: skip


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [100, 400, 1600])
