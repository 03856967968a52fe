"""The context stage's data: declarations, prose statements, layout statements, scopes."""

from __future__ import annotations

from dataclasses import dataclass, field

from derivlint.extract.blocks import MathBlock
from derivlint.source import Source
from derivlint.math.tree import Node

Dim = int | str  # 1, 2, "n", "m", "mn" (a product written m n), "n+1"
Shape = tuple[Dim, Dim]

PROPS = frozenset({"symmetric", "invertible", "positive_definite", "positive_semidefinite", "orthogonal",
                   "diagonal", "square", "positive", "identity", "constant"})  # fmt: skip
KINDS = ("scalar", "vector", "row", "matrix")


@dataclass(eq=False)
class Scope:
    """A stretch of the note that declarations are scoped to.

    ``kind`` is document, chapter, unit (the section of a heading that holds
    math, inside a chapter), item (a list item) or row (a table row).
    ``first``/``last`` are passage indices (``last`` exclusive) in the
    context's passage order; ``preamble`` marks the part before the first
    chapter heading, whose declarations hold for the whole note.
    """

    kind: str
    first: int
    last: int
    parent: "Scope | None" = None
    title: str = ""
    level: int = 0
    preamble: bool = False

    def contains(self, index: int) -> bool:
        return self.first <= index < self.last

    @property
    def chapter(self) -> "Scope":
        scope = self
        while scope.kind not in ("chapter", "document") and scope.parent is not None:
            scope = scope.parent
        return scope

    def __repr__(self) -> str:
        return f"Scope({self.kind} {self.title[:30]!r} passages {self.first}..{self.last})"


@dataclass(eq=False)
class Declaration:
    """What the note says a symbol (or a derivative, by its rendering) is.

    ``origin`` is math (x ∈ R^n, A = A^T, λ > 0), prose ("A 是 n×n 矩阵"),
    definition (f = tr(AX), L(w) = …), value (A = [[1,2],[3,4]]) or condition
    ("当 A 是对称矩阵时", "if A = A^T"). ``carried`` marks a copy handed out by
    ``Context.lookup`` where the declaration is only a guess: in a later chapter
    (shape and kind only), or, with ``far`` set, in another section of the same
    chapter or outside the passage of a condition (properties and value kept).
    ``local`` marks what holds only in its own passage: a condition ("if A ∈
    R^{m×n}", "假如 A 是 2×2 矩阵") and the values and definitions said under one.
    """

    key: str
    shape: Shape | None
    kind: str | None
    props: frozenset[str]
    value: Node | None
    params: tuple[str, ...]
    origin: str
    source: Source
    start: int
    end: int
    scope: Scope
    claim: object | None = None  # derivlint.math.claims.Claim
    domain: Shape | None = None  # f: R^n → R gives domain ("n", 1)
    bold: bool | None = None  # the font the symbol was written in (None: bare prose letter)
    carried: bool = False
    far: bool = False
    local: bool = False
    hoist: bool = True  # visible to what comes before it in its scope
    index: int = 0  # passage index
    block: MathBlock | None = None

    @property
    def line(self) -> int:
        return self.source.line_col(self.start)[0]

    def describe(self) -> str:
        parts = []
        if self.shape is not None:
            parts.append("×".join(str(d) for d in self.shape))
        if self.kind and self.shape is None:
            parts.append(self.kind)
        if self.props:
            parts.append(",".join(sorted(self.props)))
        if self.params:
            parts.append(f"params({','.join(self.params)})")
        if self.domain is not None:
            parts.append("domain " + "×".join(str(d) for d in self.domain))
        if self.value is not None:
            from derivlint.math.tree import render

            parts.append("= " + render(self.value))
        return f"{self.key}: {' '.join(parts) or '?'} [{self.origin}{', carried' if self.carried else ''}]"


@dataclass(eq=False)
class ProseStatement:
    """Prose that says what an expression is: "X^T A 是标量", "x^T A x is a scalar"."""

    expr: Node
    block: MathBlock
    kind: str | None
    shape: Shape | None
    source: Source
    start: int
    end: int
    scope: Scope
    props: frozenset[str] = frozenset()

    @property
    def line(self) -> int:
        return self.source.line_col(self.start)[0]


@dataclass(eq=False)
class LayoutStatement:
    """A layout the note adopts for itself: "本文采用分母布局", "we use the numerator layout", a heading
    "（使用分母布局）", a shape rule said of its derivatives; never one it only names or describes
    (``derivlint.context.prose.layouts_in``). ``text`` is the clause that said it, to quote."""

    layout: str  # numerator | denominator
    source: Source
    start: int
    end: int
    text: str  # the sentence it was said in
    category: str | None = None  # "vector-by-vector": said of Jacobians only (an entry formula ∂y_i/∂x_j)

    @property
    def line(self) -> int:
        return self.source.line_col(self.start)[0]


@dataclass
class Facts:
    """Everything visible about one key at one place, merged (``Context.facts``)."""

    key: str
    shape: Shape | None = None
    kind: str | None = None
    props: frozenset[str] = frozenset()
    value: Node | None = None
    params: tuple[str, ...] = ()
    domain: Shape | None = None
    declarations: list[Declaration] = field(default_factory=list)


def kind_of_shape(shape: Shape | None) -> str | None:
    """scalar, vector (column), row or matrix for a shape; None when unknown."""
    if shape is None:
        return None
    rows, cols = shape
    if rows == 1 and cols == 1:
        return "scalar"
    if cols == 1:
        return "vector"
    if rows == 1:
        return "row"
    return "matrix"
