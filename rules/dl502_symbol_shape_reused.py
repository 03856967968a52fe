"""DL502: one symbol declared with two incompatible shapes in the same scope."""

from __future__ import annotations

import re
from typing import Iterator

from derivlint.findings import Finding
from derivlint.rule import Rule
from derivlint.math.tree import Call

_BREAK = re.compile(r"[。！？；;]|\.(?=\s)|\n\s*\n|\\\\|\\cr\b|&")
_DERIVATIVE_MARKS = ("∂", "∇")  # in the key of a derivative: not a letter, its shape depends on the layout
_STATED = ("math", "prose")  # a condition ("if A ∈ R^{m×n}") is a supposition; a new value is a new example


class SymbolShapeReused(Rule):
    """## What it does
    Reports a symbol that one sentence declares twice with shapes that cannot
    both hold (its narrowest scope: no paragraph, row or sentence between): a
    vector and a matrix, a scalar and a 3-vector, an n×1 and an n×n. Only
    shapes the note states count (``x \\in \\mathbb{R}^n``, "A 是 n×n 矩阵"),
    never shapes derivlint guessed, suppositions ("if A ∈ …") or function
    signatures (``f: \\mathbb{R}^n \\to \\mathbb{R}``), nor the shape of a derivative
    (``∂y/∂x``: a layout convention that notes often show both ways); a letter and its bold
    form (``x \\in \\mathbb{R}``, ``\\mathbf{x} \\in \\mathbb{R}^n``) are two symbols. A symbol declared
    again in a later sentence, paragraph or section is taken as rebound:
    notes often reuse a letter for the next example, so that is not reported.

    ## Why is this bad?
    A reader cannot tell which ``x`` a later formula means, and each formula
    is only right for one of the two; the same letter for two objects in one
    derivation is where transposes and dimensions go wrong.

    ## Example
    ```
    Let $x \\in \\mathbb{R}^{n}$ be the input. … Here $x \\in \\mathbb{R}^{n \\times n}$ is the weight matrix.
    ```

    ## Use instead
    ```
    Let $x \\in \\mathbb{R}^{n}$ be the input. … Here $W \\in \\mathbb{R}^{n \\times n}$ is the weight matrix.
    ```
    """

    code = "DL502"
    name = "symbol-shape-reused"
    summary = "A symbol declared with two incompatible shapes in one scope."

    def check(self, note) -> Iterator[Finding]:
        context = note.context
        if context is None or not getattr(context, "outline", None) or not context.outline.passages:
            return
        seen: dict[tuple, list] = {}
        for d in context.declarations:
            if d.shape is None or d.origin not in _STATED or d.local or d.carried or d.domain is not None:
                continue  # f: R^n → R states a function's signature, not the shape of one object
            if d.claim is not None and isinstance(getattr(d.claim, "lhs", None), Call):
                continue  # f(x) ∈ R, f(X) ∈ R^b: values at different arguments
            if any(mark in d.key for mark in _DERIVATIVE_MARKS):
                continue  # ∂y/∂x ∈ R^{p×1}, then ∈ R^{1×p}: a derivative's shape is a layout, often shown in both
            seen.setdefault((d.key, d.source.path, d.index), []).append(d)
        reported = set()
        for (key, _, _), decls in seen.items():
            decls.sort(key=lambda d: (d.index, d.start))
            for i, later in enumerate(decls):
                earlier = next(
                    (e for e in decls[:i] if incompatible(e.shape, later.shape) and _one_sentence(e, later)
                     and not _other_fonts(e, later) and not flattened(e.shape, later.shape)), None
                )  # fmt: skip
                if earlier is None:
                    continue
                yield_once = (key, later.source.path, later.index, frozenset((earlier.shape, later.shape)))
                if yield_once in reported:
                    continue  # one finding per clash, however many times the sentence restates it
                reported.add(yield_once)
                yield self.at_source(
                    later.source, later.start, later.end,
                    f"{key} is declared {_show(later.shape)} here but {_show(earlier.shape)} on line "
                    f"{earlier.line} in the same sentence; use another letter for one of them",
                )  # fmt: skip


def _other_fonts(a, b) -> bool:
    """x and bold x: two symbols by convention (a scalar x ∈ R and a vector **x** ∈ R^n)."""
    return a.bold is not None and b.bold is not None and a.bold != b.bold


def _one_sentence(a, b) -> bool:
    """No sentence end, paragraph break or table row break between the two declarations."""
    text = b.source.text[min(a.start, b.start) : max(a.start, b.start)]
    return not _BREAK.search(text)


def incompatible(a, b) -> bool:
    """Two stated shapes that cannot be one: a number against another number, or 1 against a
    size that is not 1 (a vector against a matrix). Two different names (n, m) may be equal."""
    for x, y in zip(a, b):
        if isinstance(x, int) and isinstance(y, int) and x != y:
            return True
        if (x == 1) != (y == 1) and (isinstance(x, str) or isinstance(y, str)):
            return True
    return False


def flattened(a, b) -> bool:
    """A matrix and a vector of as many entries (x ∈ R^{100×100} "is a 10000-dimensional vector",
    X ∈ R^{m×n} read as an mn-vector): one object and its vectorisation, as notes on images and
    vec(·) say in one breath, not two shapes for one letter."""
    for matrix, vector in ((a, b), (b, a)):
        if len(matrix) == 2 and len(vector) == 2 and 1 in vector and 1 not in matrix:
            size = vector[0] if vector[1] == 1 else vector[1]
            rows, cols = matrix
            if isinstance(rows, int) and isinstance(cols, int):
                if size == rows * cols:
                    return True
            elif isinstance(size, str) and size.replace(" ", "") in (f"{rows}{cols}", f"{rows}*{cols}", f"{rows}\\times{cols}"):
                return True
    return False


def _show(shape) -> str:
    return "×".join(str(d) for d in shape)
