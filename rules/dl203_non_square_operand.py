"""DL203: a trace, determinant, inverse or power of a matrix that is not square."""

from __future__ import annotations

from derivlint.rule import ShapeErrorRule


class NonSquareOperand(ShapeErrorRule):
    """## What it does
    Reports ``tr``, ``det``, ``|·|``, an inverse or a matrix power applied to a
    matrix whose declared shape is not square.

    ## Why is this bad?
    These operations exist only for square matrices; ``tr(A)`` with A m×n
    means the note confused A with ``AᵀA`` or ``AAᵀ``.

    ## Example
    ```
    A \\in \\mathbb{R}^{m\\times n}:\\quad \\operatorname{tr}(A)
    ```

    ## Use instead
    ```
    \\operatorname{tr}(A^T A)
    ```
    """

    code = "DL203"
    name = "non-square-operand"
    summary = "A trace, determinant, inverse or power of a non-square matrix."
    error_kind = "square"
