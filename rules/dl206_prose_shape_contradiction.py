"""DL206: prose that calls an expression a scalar or a vector when its shape says otherwise."""

from __future__ import annotations

from typing import Iterator

from derivlint.findings import Finding
from derivlint.rule import Rule


class ProseShapeContradiction(Rule):
    """## What it does
    Reads what the prose says an expression is ("XᵀA 是标量", "x^T A x is a
    scalar", "AX is a vector") and reports it when the shapes the note
    declares say otherwise.

    ## Why is this bad?
    The explanation teaches a wrong picture of the objects; with X n×1 and A
    n×n, XᵀA is a 1×n row vector, and treating it as a scalar is what leads
    to the wrong derivative further down.

    ## Example
    ```
    假设 X 是 n×1 向量，A 是 n×n 矩阵，X^T A 是标量。
    ```

    ## Use instead
    ```
    假设 X 是 n×1 向量，A 是 n×n 矩阵，X^T A X 是标量。
    ```
    """

    code = "DL206"
    name = "prose-shape-contradiction"
    summary = "Prose calls an expression a scalar or a vector against its shape."

    def check(self, note) -> Iterator[Finding]:
        from derivlint.check.shapes import Inference, describe
        from derivlint.check.truth import Scope

        context = note.context
        with_claims = {id(c.block) for c in note.claims}
        for statement in getattr(context, "statements", None) or []:
            if statement.kind not in ("scalar", "vector", "row") or id(statement.block) in with_claims:
                continue
            scope = Scope(context, statement.block)
            inf = Inference(symbol_shape=scope.shape)
            shape = inf.infer(statement.expr)
            if shape is None or inf.errors or inf.is_unsure(statement.expr):
                continue  # a shape that rests on a guess decides nothing
            roots = [d.root() for d in shape]
            if not all(r.certain for r in roots):
                continue
            sizes = [r.num if r.num is not None else r.name for r in roots]
            is_scalar = sizes == [1, 1]
            wrong = (
                (statement.kind == "scalar" and not is_scalar)
                or (statement.kind == "vector" and 1 not in sizes)
                or (statement.kind == "row" and sizes[0] != 1)
            )
            if wrong:
                words = {"scalar": "a scalar", "vector": "a vector", "row": "a row vector"}[statement.kind]
                text = statement.block.text.strip()
                yield self.at_source(
                    statement.source, statement.start, statement.end,
                    f"the text calls {text} {words}, but it is {describe(shape)}",
                )  # fmt: skip
