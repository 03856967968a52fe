"""DL201: a product whose factors' shapes cannot be multiplied."""

from __future__ import annotations

from derivlint.rule import ShapeErrorRule


class ProductShapeMismatch(ShapeErrorRule):
    """## What it does
    Reports a matrix product whose inner dimensions differ, given the shapes
    the note declares (``X`` is n×1, ``A`` is n×n) or that concrete matrices
    have. The message names both factors and their shapes.

    ## Why is this bad?
    ``A Xᵀ`` with ``A`` n×n and ``X`` n×1 multiplies n columns against one
    row: the product does not exist, so neither does anything derived from it.
    Usually a transpose is in the wrong place.

    ## Example
    ```
    X \\in \\mathbb{R}^{n\\times 1},\\ A \\in \\mathbb{R}^{n\\times n}:\\quad \\frac{\\partial A X^T}{\\partial X} = A
    ```

    ## Use instead
    ```
    \\frac{\\partial A X}{\\partial X} = A^T   % (denominator layout)
    ```
    """

    code = "DL201"
    name = "product-shape-mismatch"
    summary = "A product whose factors' shapes cannot be multiplied."
    error_kind = "product"
