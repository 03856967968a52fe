"""Shape inference: symbolic dimensions unified over every node of a claim.

A shape is a pair of ``Dim`` (rows, cols). A dimension is a union-find node
that may carry a name (``n``), a number (``2``) or nothing yet (a variable).
Every constant remembers whether it is *certain* (declared, read from a
literal) or a *guess* (a convention such as "a lowercase letter is a column
vector"); only a conflict between two certain constants is a finding.

Certain dimensions are not enough: a shape can also rest on a guess about
what an expression *is* (``s_t`` taken for a scalar, ``E`` for a matrix
rather than the expectation, ``f(θx)`` for a product). Such nodes are
*unsure* (``Inference.is_unsure``) and no finding rests on them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from derivlint.check import elementwise
from derivlint.math.names import APPLIED_LETTERS
from derivlint.math.tree import (
    Abs, Add, Call, Cases, Deriv, Differential, Div, Dots, Factorial, Func, Inner, Inverse, Matrix,
    Mul, Neg, Node, Norm, Num, Pow, Sum, Sym, Transpose, Tuple,
)  # fmt: skip

LAYOUTS = ("numerator", "denominator")
ELEMENTWISE = frozenset(
    "exp ln log lg sin cos tan cot sec csc sinh cosh tanh arcsin arccos arctan sqrt sign sgn "
    "sigmoid relu ReLU abs erf".split()
) | elementwise.NAMES
SCALAR_VALUED = frozenset("tr det logdet etr rank".split())
SQUARE_ONLY = frozenset("tr det logdet etr".split())
FUNCTION_LETTERS = APPLIED_LETTERS | {"h"}  # f(θx), h(1): an application as often as a product


class Dim:
    """A dimension: a union-find node with an optional name or number."""

    __slots__ = ("parent", "name", "num", "certain")

    def __init__(self, name: str | None = None, num: int | None = None, certain: bool = False):
        self.parent: Dim | None = None
        self.name = name
        self.num = num
        self.certain = certain and (name is not None or num is not None)

    def root(self) -> "Dim":
        node = self
        while node.parent is not None:
            node = node.parent
        return node

    def __repr__(self) -> str:
        return describe_dim(self)


def describe_dim(d: Dim) -> str:
    r = d.root()
    if r.num is not None:
        return str(r.num)
    if r.name is not None:
        return r.name
    return "?"


def describe(shape) -> str:
    """``n×1``, ``2×2``, ``?×n``; scalars as ``scalar``."""
    if shape is None:
        return "unknown"
    rows, cols = describe_dim(shape[0]), describe_dim(shape[1])
    if rows == "1" and cols == "1":
        return "scalar"
    return f"{rows}×{cols}"


def dim_of(value) -> Dim:
    """A certain dimension from a declaration: 3, "n", or None for an unknown size."""
    if isinstance(value, Dim):
        return value
    if isinstance(value, int):
        return Dim(num=value, certain=True)
    if isinstance(value, str):
        value = value.strip()
        if value.isdigit():
            return Dim(num=int(value), certain=True)
        if value and all(ch.isalnum() or ch in "+-_{}'" for ch in value):
            return Dim(name=value, certain=True)
        if len(value) > 2 and value[0] == value[-1] == "|" and value[1:-1].isalnum():
            return Dim(name=value, certain=True)  # |V|: the size of a set (a vocabulary), a name of its own
    return Dim()


def scalar_shape() -> tuple[Dim, Dim]:
    return (Dim(num=1, certain=True), Dim(num=1, certain=True))


@dataclass
class ShapeError:
    """An operation that cannot be formed. ``kind`` picks the rule: product,
    sum, square, relation, derivative."""

    kind: str
    node: Node
    message: str
    start: int = -1
    end: int = -1
    conflict: frozenset = frozenset()  # the two sizes that cannot agree (n, b), when both are named

    def __post_init__(self):
        if self.start < 0:
            self.start, self.end = self.node.start, self.node.end


class Conflict(Exception):
    def __init__(self, certain: bool):
        self.certain = certain


@dataclass
class Inference:
    """Shape inference over the claims of one scope.

    ``symbol_shape(sym)`` gives the declared shape of a symbol (a pair of
    ``Dim``/int/str) or None; undeclared symbols get a shape by convention.
    A pair made only of ``Dim`` objects none of which is certain is a guess
    (a shape carried from another section): the symbol is unsure.
    ``definition(key)`` gives the tree a symbol stands for (f = tr(AX)).
    """

    symbol_shape: Callable[[Sym], tuple | None] = lambda sym: None
    definition: Callable[[str], Node | None] = lambda key: None
    layout: str = "denominator"
    opaque_derivatives: bool = False  # a derivative's shape left free (sizing across layouts)
    errors: list[ShapeError] = field(default_factory=list)
    guessed: set = field(default_factory=set)  # keys whose shape is a convention
    coerced: set = field(default_factory=set)  # keys made scalar by use
    symbols: dict = field(default_factory=dict)
    unsure_keys: set = field(default_factory=set)  # symbols whose kind (scalar, vector, matrix) is a guess

    def __post_init__(self):
        self._trail: list | None = None
        self._defining: set[str] = set()
        self.shapes: dict[int, tuple] = {}  # id(node) -> shape
        self.unsure: set[int] = set()  # id(node) of nodes whose shape rests on a guess
        self._shaky = False  # the product being formed rests on a guess
        self.layout_read = False  # whether some derivative's shape depended on ``layout``

    def is_unsure(self, node: Node | None) -> bool:
        """Whether the shape of ``node`` (already inferred) rests on a guess."""
        return node is not None and id(node) in self.unsure

    def _mark(self, node: Node | None) -> None:
        if node is not None:
            self.unsure.add(id(node))

    # ------------------------------------------------------------------ unification
    def unify(self, a: Dim, b: Dim) -> None:
        """Make ``a`` and ``b`` one dimension; raise Conflict if they cannot be."""
        ra, rb = a.root(), b.root()
        if ra is rb:
            return
        clash = (
            (ra.name is not None and rb.name is not None and ra.name != rb.name)
            or (ra.num is not None and rb.num is not None and ra.num != rb.num)
            or (ra.name is not None and rb.num == 1)
            or (rb.name is not None and ra.num == 1)
        )
        if clash:
            raise Conflict(ra.certain and rb.certain)
        if self._trail is not None:
            self._trail.append((ra, ra.name, ra.num, ra.certain, rb))
        rb.parent = ra
        ra.name = ra.name if ra.name is not None else rb.name
        ra.num = ra.num if ra.num is not None else rb.num
        ra.certain = ra.certain or rb.certain

    def try_unify(self, pairs) -> bool:
        """Unify all pairs or none; False if they cannot be."""
        saved, self._trail = self._trail, []
        try:
            for a, b in pairs:
                self.unify(a, b)
        except Conflict:
            for ra, name, num, certain, rb in reversed(self._trail):
                rb.parent = None
                ra.name, ra.num, ra.certain = name, num, certain
            self._trail = saved
            return False
        if saved is not None:
            saved.extend(self._trail)
        self._trail = saved
        return True

    def unify_keeping_sizes(self, pairs) -> bool:
        """Unify the pairs unless that makes some dimension 1 that was not
        (equating a column with a row must not turn vectors into scalars)."""
        before = {id(d.root()) for a, b in pairs for d in (a, b) if d.root().num != 1}
        saved, self._trail = self._trail, []
        ok = True
        try:
            for a, b in pairs:
                self.unify(a, b)
            if any(d.root().num == 1 and id(d) in before for a, b in pairs for d in (a, b)):
                ok = False
        except Conflict:
            ok = False
        if not ok:
            for ra, name, num, cert, rb in reversed(self._trail):
                rb.parent = None
                ra.name, ra.num, ra.certain = name, num, cert
        self._trail = saved
        return ok

    def certain_conflict(self, pairs) -> bool:
        """Whether unifying the pairs fails on two certain constants."""
        saved, self._trail = self._trail, []
        certain = False
        try:
            for a, b in pairs:
                try:
                    self.unify(a, b)
                except Conflict as c:
                    if c.certain:
                        certain = True
                        break
        finally:
            for ra, name, num, cert, rb in reversed(self._trail):
                rb.parent = None
                ra.name, ra.num, ra.certain = name, num, cert
            self._trail = saved
        return certain

    @staticmethod
    def is_scalar(shape) -> bool:
        return shape is not None and shape[0].root().num == 1 and shape[1].root().num == 1

    def could_be_scalar(self, shape) -> bool:
        if shape is None:
            return False
        one = scalar_shape()
        return not self.certain_conflict([(shape[0], one[0]), (shape[1], one[1])]) and all(
            d.root().name is None and d.root().num in (None, 1) for d in shape
        )

    def make_scalar(self, shape) -> None:
        one = (Dim(num=1), Dim(num=1))
        self.try_unify([(shape[0], one[0]), (shape[1], one[1])])

    # ------------------------------------------------------------------ symbols
    def shape_of_symbol(self, sym: Sym):
        key = sym.key
        if key in self.symbols:
            return self.symbols[key]
        return self._new_symbol(sym, key)

    def _new_symbol(self, sym: Sym, key: str):
        """The shape of a symbol met for the first time (declared, defined or by convention), remembered."""
        declared = self.symbol_shape(sym)
        if declared is not None:
            shape = (dim_of(declared[0]), dim_of(declared[1]))
            if all(isinstance(d, Dim) and not d.certain for d in declared):
                self.unsure_keys.add(key)  # carried from elsewhere: a guess here
            elif sym.name in ("I", "E") and not sym.sub:
                # the identity takes the size its place needs: notes write I ∈ ℝ^{m×m} in one
                # formula and I − ZZᵀ with another size in the next; no finding rests on it
                self.unsure_keys.add(key)
        else:
            value = self.definition(key)
            if value is not None and key not in self._defining:
                self._defining.add(key)
                try:
                    shape = self.infer(value)
                finally:
                    self._defining.discard(key)
                if self.is_unsure(value):
                    self.unsure_keys.add(key)
                if shape is None:
                    self.symbols[key] = None
                    return None
            else:
                shape = self.convention(sym)
                self.guessed.add(key)
                if not _adapts(sym):
                    self.unsure_keys.add(key)
        self.symbols[key] = shape
        return shape

    def convention(self, sym: Sym):
        """The shape a symbol has when nothing declares it."""
        name = sym.name
        if name in ("I", "E") and not sym.sub:  # identity (E in Chinese texts)
            d = Dim()
            return (d, d)
        if name in ("0", "O"):
            return (Dim(), Dim())
        if _ones_vector(sym):  # \mathbf{1}: a column of ones, its length from its place
            return (Dim(), Dim(num=1, certain=True))
        base = name.split("(")[-1].rstrip(")")
        if base[:1].isupper() and len(base) == 1:
            return (Dim(), Dim())
        if len(base) > 1 and base[:1].isupper():
            return (Dim(), Dim())  # Gamma, Sigma, Lambda (bold or not): a matrix or a scalar
        if sym.sub and not sym.bold and _entry_subscript(sym.sub):
            return (Dim(num=1, certain=False), Dim(num=1, certain=False))
        if len(base) > 1 and not sym.bold:  # alpha, lambda, sigma: a scalar unless bold
            return (Dim(num=1, certain=False), Dim(num=1, certain=False))
        return (Dim(), Dim(num=1, certain=False))  # a column vector, or a scalar by use

    # ------------------------------------------------------------------ inference
    def infer(self, node: Node | None):
        if node is None:
            return None
        kind = type(node)
        if kind is Sym:  # the most frequent node: no dispatch, its key computed once
            key = node.key
            symbols = self.symbols
            shape = symbols[key] if key in symbols else self._new_symbol(node, key)
            self.shapes[id(node)] = shape
            if key in self.unsure_keys:
                self.unsure.add(id(node))
            return shape
        rule = _RULES.get(kind)  # one lookup by type (a chain of isinstance tests was slow): every node
        shape = rule(self, node) if rule is not None else self._by_isinstance(node)
        self.shapes[id(node)] = shape
        unsure = self.unsure
        # a node of a sure kind keeps its shape's certainty; a plain loop: this runs for every node
        if unsure and not (isinstance(node, _SURE_KINDS) or (isinstance(node, Func) and node.name in SCALAR_VALUED)):
            for child in node.children():
                if id(child) in unsure:
                    unsure.add(id(node))
                    break
        return shape

    def error(self, kind: str, node: Node, message: str, span: tuple[int, int] | None = None,
              dims: tuple | None = None) -> None:
        start, end = span if span is not None else (node.start, node.end)
        names = frozenset(describe_dim(d) for d in dims) if dims is not None else frozenset()
        conflict = names if len(names) == 2 and all(n.isidentifier() for n in names) else frozenset()
        self.errors.append(ShapeError(kind, node, message, start, end, conflict))

    def _by_isinstance(self, node: Node):
        """The rule of a node whose exact type has none in ``_RULES`` (a subclass)."""
        for kind, rule in _RULES.items():
            if isinstance(node, kind):
                return rule(self, node)
        return None

    def _num(self, node: Num):
        if node.value == "0":
            return (Dim(), Dim())
        return scalar_shape()

    def _arg(self, node: Node):
        return self.infer(node.arg)  # d X has the shape of X

    def _div(self, node: Div):
        num, den = self.infer(node.num), self.infer(node.den)
        if den is not None and not self.is_scalar(den):
            if self._declared_vector(node.den, den):  # 1/x of a vector x (its length unknown): element-wise
                return den if num is not None and self.is_scalar(num) else None
            if self.could_be_scalar(den):
                self.make_scalar(den)
            else:
                return None
        return num

    def _declared_vector(self, node: Node, shape) -> bool:
        """A symbol the note declares a vector (its kind sure, one side certainly 1), whatever its length."""
        return (isinstance(node, Sym) and id(node) not in self.unsure and node.key not in self.unsure_keys
                and any(d.root().num == 1 and d.root().certain for d in shape))

    def _transpose(self, node: Transpose):
        shape = self.infer(node.arg)
        return None if shape is None else (shape[1], shape[0])

    def _inverse(self, node: Inverse):
        shape = self.infer(node.arg)
        if shape is None:
            return None
        if not self._square(node, shape, "the inverse", node.arg):
            return None
        return (shape[1], shape[0]) if node.transposed else shape

    def _norm(self, node: Norm):
        self.infer(node.arg)
        return scalar_shape()

    def _abs(self, node: Abs):
        shape = self.infer(node.arg)
        if shape is not None and not self.is_scalar(shape) and not self.could_be_scalar(shape):
            if _vector_length(shape) is not None:
                return scalar_shape()  # |x - c| of a vector: its length, as kernels and penalties write it
            if not self._square(node, shape, "the determinant |·|", node.arg):
                return None
        return scalar_shape()

    def _inner(self, node: Inner):
        a, b = self.infer(node.a), self.infer(node.b)
        if a is not None and b is not None:
            if (
                not self.try_unify([(a[0], b[0]), (a[1], b[1])])
                and self.certain_conflict([(a[0], b[0]), (a[1], b[1])])
                and not self.is_unsure(node.a) and not self.is_unsure(node.b)
            ):
                self.error("product", node, f"⟨·,·⟩ of a {describe(a)} and a {describe(b)}")
        return scalar_shape()

    def _tuple(self, node: Tuple):
        shapes = [self.infer(i) for i in node.items]
        if any(self._block_guess(i) for i in node.items):
            self._mark(node)
        if node.brackets == "[]" and all(s is not None and self.could_be_scalar(s) for s in shapes):
            if any(isinstance(i, Dots) for i in node.items):
                return (Dim(num=1, certain=True), Dim())
            for s in shapes:
                self.make_scalar(s)
            self._mark(node)  # [0, 1]: a list of entries, a row or a column as the note pleases
            return (Dim(num=1), Dim(num=len(shapes)))
        return None

    def _sum(self, node: Sum):
        self.infer(node.body)
        return None  # an elementwise statement: the body's indices decide

    def _no_shape(self, node: Node):
        return None

    def _block_guess(self, cell: Node) -> bool:
        """A cell of a literal that may be a block: an uppercase or bold symbol of guessed shape.
        Lowercase guessed symbols in a literal are its entries (x_1, a, λ)."""
        return any(
            isinstance(n, Sym) and n.key in self.unsure_keys and (n.bold or n.name[:1].isupper())
            for n in cell.walk()
        )

    def _square(self, node: Node, shape, what: str, operand: Node | None = None) -> bool:
        if self.try_unify([(shape[0], shape[1])]):
            return True
        if self.certain_conflict([(shape[0], shape[1])]) and not self.is_unsure(operand if operand is not None else node):
            shown = _show(operand if operand is not None else node)
            self.error("square", node, f"{what} needs a square matrix, but {shown} is {describe(shape)}",
                       dims=(shape[0], shape[1]))
        return False

    def _add(self, node: Add):
        shapes = [(t, self.infer(t)) for t in node.terms]
        known = [(t, s) for t, s in shapes if s is not None]
        if len(known) < len(shapes):
            return None
        first_term, first = known[0]
        for term, shape in known[1:]:
            if self.try_unify([(first[0], shape[0]), (first[1], shape[1])]):
                continue
            if self.is_scalar(shape) or self.is_scalar(first):
                if self.is_scalar(first) and not self.is_scalar(shape):
                    first_term, first = term, shape  # 1 − σ(z): the sum has the vector's shape
                continue  # x + b with a scalar b: broadcasting, common in notes
            if _is_vector(shape) or _is_vector(first):
                # XW + b with a row b: broadcasting a bias, conventional in ML notes
                first = shape if _is_vector(first) and not _is_vector(shape) else first
                continue
            if self.is_unsure(first_term) or self.is_unsure(term):
                return None
            if self.certain_conflict([(first[0], shape[0]), (first[1], shape[1])]):
                self.error(
                    "sum", node,
                    f"{_show(first_term)} is {describe(first)} but {_show(_strip_neg(term))} is {describe(shape)}",
                )  # fmt: skip
            return None
        return first

    def _mul(self, node: Mul):
        factors = node.factors
        shapes = [self.infer(f) for f in factors]
        acc = shapes[0]
        unsure = self.unsure  # marks made in the loop land here too: read afresh for each factor
        nabla = next((k for k, f in enumerate(factors) if isinstance(f, Deriv) and f.op == "nabla"), len(factors))
        # whether a factor so far is unsure: the set only grows, so a True stays True, and the
        # prefix is read again only when the set grew (linear in a product of 10,000 letters)
        prefix_shaky, seen = False, -1
        for i, (op, factor, shape) in enumerate(zip(node.ops, factors[1:], shapes[1:]), start=1):
            left = factors[0] if i == 1 else None
            span = (factors[0].start, factor.end)
            if not prefix_shaky:
                if len(unsure) != seen:
                    prefix_shaky = any(id(f) in unsure for f in factors[: i + 1])
                    seen = len(unsure)
                else:
                    prefix_shaky = id(factor) in unsure
            self._shaky = prefix_shaky or id(node) in unsure
            if nabla < i:  # a ∇ among the factors before this one
                self._mark(node)  # ∇_x xᵀA: how far ∇ reaches into the product is not written
                self._shaky = True
            if op == "" and _application(node.factors[i - 1], factor):
                # f(θx), g(1): a function applied as often as a product; the value has f's shape if declared
                prev = node.factors[i - 1]
                acc = shapes[i - 1] if i == 1 and not self.is_unsure(prev) and self.symbol_shape(prev) else None
                self._mark(node)
            elif acc is None or shape is None:
                acc = None
            elif op == "quad":  # [Xᵀ \quad Cᵀ]: two items set apart by a space (a block row?), not a product
                acc = None
                self._mark(node)
            elif op in ("circ", "ast", "star", "bullet"):
                acc = None  # composition, Hadamard, convolution, face-splitting: not told apart
            elif op == "*" and not self.is_scalar(acc) and not self.is_scalar(shape):
                # * between matrices: a product as in code, or a convolution or Hadamard product;
                # the product's shape when it can be formed, never a finding when it cannot
                acc = (acc[0], shape[1]) if self.try_unify([(acc[1], shape[0])]) else None
            elif (op in ("odot", "oplus") and _is_vector(acc) != _is_vector(shape)
                    and not self.could_be_scalar(acc) and not self.could_be_scalar(shape)):
                # p ⊙ O with p ∈ ℝᶜ and O ∈ ℝᶜˣᵉ: a vector broadcast over a matrix's rows or columns, as
                # code does and ML notes write (as for a bias in XW + b): never a finding, shape not known
                acc = None
            elif op in ("odot", "oplus"):
                if not self.try_unify([(acc[0], shape[0]), (acc[1], shape[1])]):
                    if self.certain_conflict([(acc[0], shape[0]), (acc[1], shape[1])]) and not self._shaky:
                        self.error("product", node, f"⊙ of a {describe(acc)} and a {describe(shape)}", span)
                    acc = None
            elif op == "otimes":
                acc = (Dim(), Dim())
            elif op == "times" and not self.is_scalar(acc) and not self.is_scalar(shape):
                acc = None  # a cross product or a dimension n × m
            else:
                acc = self._product(node, left, i, acc, factor, shape, span, op)
        return acc

    def _product(self, node, left_node, i, left, right_node, right, span, op=""):
        """The shape of ``left · right``, the first ``i`` factors of ``node`` times the next."""
        if self.is_scalar(left):
            return right
        if self.is_scalar(right):
            return left
        if (
            isinstance(left_node, Sym) and left_node.key in self.guessed and left_node.name[:1].islower()
            and right[0].root().num != 1
            and self.could_be_scalar(left)
        ):  # a lowercase coefficient: b B, λ I
            self.make_scalar(left)
            self._coerce(left_node)
            self._mark(node)
            return right
        if self.try_unify([(left[1], right[0])]):
            return (left[0], right[1])
        if op == "cdot" and _is_column(left) and _is_column(right) and self.try_unify([(left[0], right[0])]):
            return scalar_shape()  # w · x of two columns: the dot product (as numeric evaluates it)
        if op == "cdot" and self.try_unify([(left[0], right[0]), (left[1], right[1])]):
            self._mark(node)  # A · B of two matrices of one shape: the Frobenius product A : B
            return scalar_shape()
        if left_node is not None and self.could_be_scalar(left):
            self.make_scalar(left)
            self._coerce(left_node)
            self._mark(node)
            return right
        if self.could_be_scalar(right):
            self.make_scalar(right)
            self._coerce(right_node)
            self._mark(node)
            return left
        if _row_usage(left_node, left) and self.try_unify([(left[0], right[0])]):
            self._mark(node)  # π T with π "an n-vector": the row-vector convention, not a mistake
            return None  # which of the two readings holds is not decided here
        if op == "" and elementwise.side_by_side(node.factors[: i + 1], left, right, self.try_unify):
            self._mark(node)  # σ(z)(1 − σ(z)) of a vector z: the element-wise product meant
            return left
        if self.certain_conflict([(left[1], right[0])]) and not self._shaky:
            left_text = _show(left_node) if left_node is not None else _show_factors(node.factors[:i])
            message = f"{left_text} is {describe(left)} but {_show(right_node)} is {describe(right)}"
            if describe(left) == describe(right) and _is_vector(left):
                kind = "columns" if left[1].root().num == 1 else "rows"
                message = (f"{left_text} and {_show(right_node)} are both {describe(left)}: "
                           f"two {kind} cannot be multiplied (a transpose missing?)")  # fmt: skip
            self.error("product", node, message, span, dims=(left[1], right[0]))
        return None

    def _coerce(self, node) -> None:
        self._mark(node)
        if isinstance(node, Sym):
            self.coerced.add(node.key)

    def _pow(self, node: Pow):
        base = self.infer(node.base)
        exp_shape = self.infer(node.exp)
        if exp_shape is not None and not self.is_scalar(exp_shape) and self.could_be_scalar(exp_shape):
            self.make_scalar(exp_shape)  # an exponent is a scalar
            self._coerce(node.exp)
        if base is None:
            return None
        if self.is_scalar(base):
            return base
        if _integer_exponent(node.exp):
            if self.could_be_scalar(base) and not self.try_unify([(base[0], base[1])]):
                self.make_scalar(base)
                self._mark(node)
                return base
            if _is_vector(base) and not self.try_unify([(base[0], base[1])]):
                return None  # x^2 of a vector: element-wise, or a superscript index (x^1, x^2)
            if not self._square(node, base, "a matrix power", node.base):
                return None
            return base
        if self.could_be_scalar(base):
            self.make_scalar(base)
            return base
        return None

    def _func(self, node: Func):
        name = node.name
        if name == "entry":  # an entry tied to its vector (truth's entry tying): a scalar
            self.infer(node.args[0])
            return scalar_shape()
        shapes = [self.infer(a) for a in node.args]
        arg = shapes[0] if len(shapes) == 1 else None
        if name in SCALAR_VALUED:
            if arg is not None and name in SQUARE_ONLY and not self.is_scalar(arg):
                self._square(node, arg, {"tr": "the trace", "det": "the determinant"}.get(name, name), node.args[0])
            return scalar_shape()
        if name in ELEMENTWISE:
            return arg
        if name in ("diag", "Diag") and arg is not None:
            if _is_column(arg):
                return (arg[0], arg[0])
            # diag of a matrix: its diagonal as a vector (numpy, "diag(A) = (a₁₁, …, aₙₙ)") or the diagonal
            # matrix that keeps it ("Λ = diag(A)", then Λ + L, Λ⁻¹b): notes use both, so its shape is not known
            return None
        if name == "vec" and arg is not None:
            return (Dim(), Dim(num=1, certain=True))
        return None

    def _matrix(self, node: Matrix):
        if node.schematic:
            for row in node.rows:
                for cell in row:
                    self.infer(cell)
            return (Dim(), Dim())
        rows = []
        for row in node.rows:
            rows.append([self.infer(cell) for cell in row])
        widths = {len(r) for r in rows}
        if len(widths) != 1:
            return None
        if all(s is not None and self.could_be_scalar(s) for r in rows for s in r):
            for r in rows:
                for s in r:
                    self.make_scalar(s)
            if any(self._block_guess(cell) for row in node.rows for cell in row):
                self._mark(node)
            if node.env == "array" and len(node.rows) == 2 and len(node.rows[0]) == 1:
                self._mark(node)  # \left(\begin{array}{c} m \\ k \end{array}\right): a binomial coefficient
            return (Dim(num=len(rows), certain=True), Dim(num=len(rows[0]), certain=True))
        return None  # block matrices: not inferred

    def _call(self, node: Call):
        if not isinstance(node.func, Sym):
            for a in node.args:
                self.infer(a)
            return None
        value = self.definition(node.func.key)
        shapes = [self.infer(a) for a in node.args]
        if elementwise.implied(value) and len(shapes) == 1:
            return shapes[0]  # σ(z) read as the sigmoid: entry by entry, the argument's shape
        if value is not None and node.func.key not in self._defining:
            self._defining.add(node.func.key)
            try:
                return self.infer(value)
            finally:
                self._defining.discard(node.func.key)
        return None  # the declared shape of f is its codomain's, not decided here

    def _deriv(self, node: Deriv):
        if node.label and any(not isinstance(w, Sym) for w in node.wrt):
            # \nabla^2_{BR} f, \partial_{xy} f: the subscript names a block or lists variables;
            # a product or sum there is no operation to shape-check
            self.infer(node.num)
            self._mark(node)
            return None
        if node.num is None or len(node.wrt) != 1:
            if node.num is not None:  # ∂²(xᵀAx)/∂x∂xᵀ: no shape of its own, but xᵀAx makes A square
                self.infer(node.num)
            for w in node.wrt:
                self.infer(w)
            return None
        y = self.infer(node.num)
        x = self.infer(node.wrt[0])
        if self.opaque_derivatives:
            return (Dim(), Dim())
        # ∇ of a scalar is a column (the gradient); ∇ of a vector or a matrix may be the Jacobian or
        # its transpose (books differ): it takes the layout as ∂ does
        gradient = node.op == "nabla" and (y is None or self.is_scalar(y))
        layout = "denominator" if gradient else self.layout
        if not gradient and y is not None and x is not None:
            self.layout_read = True  # derivative_shape answers None, whatever the layout, only without y or x
        return derivative_shape(y, x, layout, self)


# the rule for each node type (``Inference.infer``): one dict lookup instead of a chain of isinstance tests
_RULES = {
    Sym: Inference.shape_of_symbol, Num: Inference._num, Neg: Inference._arg, Differential: Inference._arg,
    Add: Inference._add, Mul: Inference._mul, Div: Inference._div, Transpose: Inference._transpose,
    Inverse: Inference._inverse, Pow: Inference._pow, Func: Inference._func, Norm: Inference._norm,
    Abs: Inference._abs, Inner: Inference._inner, Matrix: Inference._matrix, Tuple: Inference._tuple,
    Deriv: Inference._deriv, Call: Inference._call, Sum: Inference._sum, Dots: Inference._no_shape,
    Cases: Inference._no_shape, Factorial: Inference._no_shape,
}  # fmt: skip


def derivative_shape(y, x, layout: str, inf: Inference):
    """The shape of ∂y/∂x in ``layout``, or None where no 2-D layout exists."""
    if y is None or x is None:
        return None
    y_scalar, x_scalar = inf.is_scalar(y), inf.is_scalar(x)
    if x_scalar:
        return y if layout == "numerator" else (y[1], y[0])
    y_len = _vector_length(y)
    x_len = _vector_length(x)
    if y_scalar:
        if x_len is not None:
            return (Dim(num=1, certain=True), x_len) if layout == "numerator" else (x_len, Dim(num=1, certain=True))
        return (x[1], x[0]) if layout == "numerator" else x
    if y_len is not None and x_len is not None:
        return (y_len, x_len) if layout == "numerator" else (x_len, y_len)
    return None


def _vector_length(shape) -> Dim | None:
    """The length of a row or column vector shape, else None."""
    if shape[1].root().num == 1:
        return shape[0]
    if shape[0].root().num == 1:
        return shape[1]
    return None


def _is_column(shape) -> bool:
    """A column vector that is not a scalar."""
    return shape[1].root().num == 1 and shape[0].root().num != 1


def _is_vector(shape) -> bool:
    """A row or column vector that is not a scalar (one side is 1, the other is not)."""
    ones = [d.root().num == 1 for d in shape]
    return ones.count(True) == 1


def _integer_exponent(exp: Node) -> bool:
    """2, -2 or {-2} (a negated number): an integer power, which a square matrix can take."""
    if isinstance(exp, Neg):
        exp = exp.arg
    return isinstance(exp, Num) and exp.value.lstrip("-").isdigit()


# nodes whose shape does not rest on their operands (with the SCALAR_VALUED functions):
# a literal is as wide as written, a trace, norm, |·| or inner product is a scalar
_SURE_KINDS = (Matrix, Norm, Abs, Inner)


def _row_usage(node: Node | None, shape) -> bool:
    """A bare vector symbol written to the left of a matrix: πT, x A (row vectors by use)."""
    return isinstance(node, Sym) and _is_column(shape)


def _adapts(sym: Sym) -> bool:
    """I, 0 and the all-ones vector: a convention that is not a guess about the kind
    (they take any size)."""
    return (sym.name in ("I", "0", "O") or _ones_vector(sym)) and not sym.sub


def _ones_vector(sym: Sym) -> bool:
    """\\mathbf{1}, \\boldsymbol{1}, \\mathbb{1}: the all-ones vector."""
    return sym.name in ("1", "mathbb(1)") or (sym.bold and sym.name == "1")


def _application(prev: Node, factor: Node) -> bool:
    """``f(θx)``, ``g(1)``: a function letter written right against a bracketed argument."""
    if not (isinstance(prev, Sym) and prev.name.rstrip("'") in FUNCTION_LETTERS and not prev.bold and not prev.sub):
        return False
    if factor.start != prev.end:
        return False
    if isinstance(factor, Num):
        return factor.end - factor.start > len(factor.value)
    kids = factor.children()
    return bool(kids) and min(k.start for k in kids) > factor.start


def _entry_subscript(sub: str) -> bool:
    """x_1, x_{ij}, a_{11}: the subscript of an entry, not of a named vector."""
    s = sub.strip("{}").replace(",", "").replace(" ", "")
    return s.isdigit() or (len(s) <= 2 and s.isalpha() and s.islower())


def _strip_neg(node: Node) -> Node:
    return node.arg if isinstance(node, Neg) else node


def _show_factors(factors: list[Node]) -> str:
    from derivlint.math.tree import render

    text = " ".join(render(f) for f in factors)
    return text if len(text) <= 40 else text[:37] + "…"


def _show(node: Node) -> str:
    from derivlint.math.tree import render

    text = render(node)
    return text if len(text) <= 40 else text[:37] + "…"
