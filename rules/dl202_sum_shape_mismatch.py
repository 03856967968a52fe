"""DL202: a sum of terms with different shapes."""

from __future__ import annotations

from derivlint.rule import ShapeErrorRule


class SumShapeMismatch(ShapeErrorRule):
    """## What it does
    Reports a sum (or difference) whose terms have different shapes: a
    column vector plus a row vector, an m×n matrix plus an n×n one.

    ## Why is this bad?
    Matrices add entry by entry; terms of different shapes have no sum. The
    formula usually lost a transpose or a factor.

    ## Example
    ```
    x \\in \\mathbb{R}^n:\\quad x + x^T
    ```

    ## Use instead
    ```
    x + x
    ```
    """

    code = "DL202"
    name = "sum-shape-mismatch"
    summary = "A sum of terms with different shapes."
    error_kind = "sum"
