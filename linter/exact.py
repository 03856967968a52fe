"""Exact evaluation of worked examples with concrete matrices (sympy, imported inside functions only)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable

from .numeric import DomainError, ShapeMismatch, Unsupported
from .parser import GREEK
from .tree import (
    Abs, Add, Call, Cases, Deriv, Div, Dots, Func, Inner, Inverse, Matrix, Mul, Neg, Node, Norm, Num,
    Pow, Sum, Sym, Transpose, Tuple, render,
)  # fmt: skip

__all__ = [
    "Comparison", "DomainError", "ShapeMismatch", "Style", "Unsupported",
    "compare", "derivative", "style_of", "to_latex", "to_sympy",
]  # fmt: skip

# ``values`` maps a symbol key (Sym.key) to a tree (a Matrix literal of the note, or any
# expression), or to a sympy object. A key that is not mapped is a scalar sympy Symbol of
# the same name ("x_1" → Symbol("x_1")). Every result is a sympy Matrix (1×1 for a scalar).


class _NoSize(Unsupported):
    """An identity I whose size only its neighbours can tell."""


# --------------------------------------------------------------------------- public API


def to_sympy(node: Node, values: dict[str, Any] | None = None, *, deriv: Callable[[Deriv], Any] | None = None):
    """The exact value of ``node`` as a sympy Matrix. Raises ``Unsupported`` (or its
    subclasses ``ShapeMismatch`` and ``DomainError``) for what cannot be translated."""
    translator = _Exact(values or {}, deriv)
    try:
        return translator.ev(node)
    except _NoSize as err:
        raise Unsupported(str(err)) from None
    except RecursionError:
        raise Unsupported("expression nested too deeply") from None
    except (ArithmeticError, ValueError, TypeError, NotImplementedError) as err:  # sympy's own refusals
        raise Unsupported(f"sympy cannot compute {render(node)}: {err}") from None


@dataclass
class Comparison:
    """The exact comparison of two sides. ``lhs_value``/``rhs_value`` are sympy Matrices;
    ``reason`` says where they differ (shapes, or the first entry that differs)."""

    equal: bool
    lhs_shape: tuple[int, int]
    rhs_shape: tuple[int, int]
    lhs_value: Any
    rhs_value: Any
    reason: str = ""


def compare(lhs: Node, rhs: Node, values: dict[str, Any] | None = None) -> Comparison:
    """Whether ``lhs`` and ``rhs`` are exactly equal with the given values (a 1×1 matrix is
    a scalar); each entry of the difference is expanded, then simplified."""
    import sympy

    left = to_sympy(lhs, values).applyfunc(sympy.expand)
    right = to_sympy(rhs, values).applyfunc(sympy.expand)
    shapes = (tuple(left.shape), tuple(right.shape))
    if shapes[0] != shapes[1]:
        reason = f"shapes differ: {_dims(left)} and {_dims(right)}"
        return Comparison(False, shapes[0], shapes[1], left, right, reason)
    for i in range(left.rows):
        for j in range(left.cols):
            if not _is_zero(left[i, j] - right[i, j]):
                where = f"entry ({i + 1}, {j + 1}): " if left.shape != (1, 1) else ""
                reason = f"{where}{_plain(left[i, j])} ≠ {_plain(right[i, j])}"
                return Comparison(False, shapes[0], shapes[1], left, right, reason)
    return Comparison(True, shapes[0], shapes[1], left, right)


def derivative(node: Node, wrt_keys: list[str], values: dict[str, Any] | None = None):
    """Elementwise derivatives of ``node`` with respect to scalar symbols.

    A key mapped in ``values`` to a matrix of distinct symbols (X = [x_1; x_2]) stands
    for its entries, row by row. For a scalar expression the result is the gradient as
    a column (one row per symbol); for one symbol, the entrywise derivative (same shape
    as the expression); for a column vector and several symbols, the m×k Jacobian
    (rows: the components of the expression).
    """
    import sympy

    expr = to_sympy(node, values)
    symbols = []
    for key in wrt_keys:
        if values and key in values:
            entries = list(to_sympy(Sym(0, 0, key), values))
            if not all(isinstance(e, sympy.Symbol) for e in entries) or len(set(entries)) != len(entries):
                raise Unsupported(f"{key} is not a matrix of distinct symbols")
            symbols.extend(entries)
        else:
            symbols.append(sympy.Symbol(key))
    if expr.shape == (1, 1):
        return sympy.Matrix([[sympy.diff(expr[0, 0], s)] for s in symbols])
    if len(symbols) == 1:
        return expr.diff(symbols[0])
    if expr.cols == 1:
        return expr.jacobian(symbols)
    raise Unsupported(f"derivative of a {_dims(expr)} matrix with respect to {len(symbols)} symbols")


# --------------------------------------------------------------------------- LaTeX in the note's notation


@dataclass
class Style:
    """How a note writes its expressions, as read from a claimed side by ``style_of``."""

    sub_braces: bool = False  # x_{1} rather than x_1
    explicit_one: bool = False  # 1x_1^2: the coefficient 1 is written
    product: str = ""  # between factors: "" (4x_1x_2), " " (4 x_1 x_2) or " \\cdot "
    op_spaces: bool = True  # a + b rather than a+b
    env: str = "bmatrix"
    variables: list[str] = field(default_factory=list)  # symbol keys in order of first appearance
    monomials: list[tuple] = field(default_factory=list)  # the claimed side's terms, in order


def style_of(text: str) -> Style:
    """The notation of a claimed side (LaTeX source). Never raises."""
    style = Style()
    braced = len(re.findall(r"_\{[A-Za-z0-9]\}", text))
    bare = len(re.findall(r"_[A-Za-z0-9]", text))
    style.sub_braces = braced > bare
    style.explicit_one = bool(re.search(r"(?:^|[\s+\-=(&{])1\s*(?=[A-Za-z]|\\(?!frac|cdot|times|\\|end))", text))
    if "\\cdot" in text:
        style.product = " \\cdot "
    else:
        before = r"(?:\d|_[A-Za-z0-9]|_\{[^{}]*\}|\^[0-9]|\^\{[^{}]*\})"  # 4x, x_1x, x^2y
        tight = len(re.findall(before + r"[A-Za-z]", text))
        spaced = len(re.findall(before + r"\s+[A-Za-z]", text))
        style.product = " " if spaced > tight else ""
    tight_ops = len(re.findall(r"[^\s{(^_+\-=&][+\-][^\s}]", text))
    spaced_ops = len(re.findall(r"\s[+\-]\s", text))
    style.op_spaces = spaced_ops >= tight_ops
    env = re.search(r"\\begin\{([pbBvV]?matrix)\}", text)
    if env:
        style.env = env.group(1)
    from .lexer import LexError, lex
    from .parser import ParseError, sub_parse

    try:
        tree = sub_parse(lex(text))
    except (LexError, ParseError):  # the regular-expression part of the style stands
        return style
    syms = sorted((n for n in tree.walk() if isinstance(n, Sym)), key=lambda n: n.start)
    for sym in syms:
        if sym.key not in style.variables:
            style.variables.append(sym.key)
    for node in tree.walk():
        if isinstance(node, Add):
            for term in node.terms:
                signature = _term_signature(term)
                if signature is not None and signature not in style.monomials:
                    style.monomials.append(signature)
    return style


def to_latex(expr, style: Style | None = None) -> str:
    """A sympy scalar or Matrix as LaTeX in the note's notation (``style_of``): its
    subscripts, its coefficient 1, its spacing, its matrix environment and its order of
    terms (by total degree, then variables in order of first appearance, and the claimed
    side's own order for the monomials it has)."""
    import sympy

    style = style or Style()
    if isinstance(expr, sympy.MatrixBase):
        if expr.shape == (1, 1):
            return _scalar_latex(expr[0, 0], style)
        rows = [" & ".join(_scalar_latex(expr[i, j], style) for j in range(expr.cols)) for i in range(expr.rows)]
        return f"\\begin{{{style.env}}} " + " \\\\ ".join(rows) + f" \\end{{{style.env}}}"
    return _scalar_latex(sympy.sympify(expr), style)


# --------------------------------------------------------------------------- the translator


_SCALAR_FUNCS = {
    "exp": "exp", "ln": "log", "log": "log", "sqrt": "sqrt", "sin": "sin", "cos": "cos", "tan": "tan",
    "cot": "cot", "sec": "sec", "csc": "csc", "sinh": "sinh", "cosh": "cosh", "tanh": "tanh",
    "arcsin": "asin", "arccos": "acos", "arctan": "atan", "abs": "Abs", "sign": "sign", "sgn": "sign",
    "erf": "erf",
}  # fmt: skip
_PLAIN = ("", "cdot", "*", "times")


def _dims(m) -> str:
    return f"{m.shape[0]}×{m.shape[1]}"


def _scalar(m) -> bool:
    return tuple(m.shape) == (1, 1)


def _is_zero_node(node: Node) -> bool:
    node = node.arg if isinstance(node, Neg) else node
    return isinstance(node, Num) and node.value.strip("0.") == "" and "0" in node.value


class _Exact:
    def __init__(self, values: dict[str, Any], deriv):
        import sympy

        self.sp = sympy
        self.values = values
        self.deriv = deriv
        self.expanding: list[str] = []  # keys being substituted (a definition may not use itself)
        self.bound: dict[str, int] = {}  # summation indices and their current values

    def m(self, x):
        return self.sp.Matrix([[x]])

    def ev(self, node: Node, hint: int | None = None):
        method = getattr(self, "_" + type(node).__name__, None)
        if method is None:
            raise Unsupported(f"{type(node).__name__.lower()} cannot be translated")
        return method(node, hint)

    # ---------------------------------------------------------------- leaves

    def _Sym(self, node: Sym, hint):
        sp = self.sp
        bound = self._bound(node)
        if isinstance(bound, int):
            return self.m(sp.Integer(bound))
        node, key = bound, bound.key
        if key in self.values:
            return self._value(key)
        entry = self._entry(node)
        if entry is not None:
            return entry
        if node.name == "I" and not node.sup:
            if hint is None:
                raise _NoSize(f"the size of {key} is unknown")
            return sp.eye(hint)
        return self.m(sp.Symbol(key))

    def _bound(self, node: Sym) -> Sym | int:
        """x_i inside ∑_{i=1}^{2} is x_1, then x_2; i alone is the number."""
        if not self.bound:
            return node
        if node.name in self.bound and not node.sub and not node.sup:
            return self.bound[node.name]
        sub = node.sub or ""
        if any(c in self.bound for c in sub) and all(c in self.bound or c.isdigit() for c in sub):
            sub = "".join(str(self.bound[c]) if c in self.bound else c for c in node.sub)
            return Sym(node.start, node.end, node.name, sub, node.bold, node.sup)
        return node

    def _entry(self, node: Sym):
        """A_{12} is an entry of A when A has a value: one digit per index."""
        if not node.sub or not node.sub.isdigit() or node.name not in self.values:
            return None
        whole = self._value(node.name)
        idx = [int(c) - 1 for c in node.sub]
        if len(idx) == 1 and 1 in whole.shape and 0 <= idx[0] < len(whole):
            return self.m(whole[idx[0]])
        if len(idx) == 2 and 0 <= idx[0] < whole.rows and 0 <= idx[1] < whole.cols:
            return self.m(whole[idx[0], idx[1]])
        return None

    def _value(self, key: str):
        sp = self.sp
        value = self.values[key]
        if isinstance(value, Node):
            if key in self.expanding:
                raise Unsupported(f"the value of {key} refers to {key} itself")
            self.expanding.append(key)
            try:
                saved, self.bound = self.bound, {}
                return self.ev(value)
            finally:
                self.bound = saved
                self.expanding.pop()
        if isinstance(value, sp.MatrixBase):
            return sp.Matrix(value)
        try:
            return self.m(sp.sympify(value))
        except (sp.SympifyError, TypeError):
            raise Unsupported(f"the value of {key} is not an expression") from None

    def _Num(self, node: Num, hint):
        sp = self.sp
        try:
            return self.m(sp.Rational(node.value))
        except (TypeError, ValueError):
            raise Unsupported(f"number {node.value!r} cannot be read") from None

    def _Deriv(self, node: Deriv, hint):
        if self.deriv is None:
            raise Unsupported(f"derivative {render(node)} inside an expression")
        value = self.deriv(node)
        return value if isinstance(value, self.sp.MatrixBase) else self.m(value)

    # ---------------------------------------------------------------- sums and products

    def _Neg(self, node: Neg, hint):
        return -self.ev(node.arg, hint)

    def _Add(self, node: Add, hint):
        done, later = [], []
        for term in node.terms:
            if _is_zero_node(term):
                continue  # 0 adapts to the other terms
            try:
                done.append((term, self.ev(term, hint)))
            except _NoSize:
                later.append(term)
        if not done and not later:
            return self.m(self.sp.Integer(0)) if hint is None else self.sp.zeros(hint, hint)
        if later:
            if done:
                first = done[0][1]
                if first.rows != first.cols:
                    raise ShapeMismatch(node, f"identity added to {render(done[0][0])} ({_dims(first)})")
                size = first.rows
            elif hint is not None:
                size = hint
            else:
                raise _NoSize("the size of I is unknown")
            done.extend((term, self.ev(term, size)) for term in later)
        term0, total = done[0]
        for term, part in done[1:]:
            if part.shape != total.shape:
                what = f"{render(term)} ({_dims(part)}) to {render(term0)} ({_dims(total)})"
                raise ShapeMismatch(node, f"cannot add {what}")
            total = total + part
        return total

    def _Mul(self, node: Mul, hint):
        factors, ops = node.factors, node.ops
        absorbed = [
            i for i, f in enumerate(factors)
            if isinstance(f, Sym) and f.name == "I" and f.key not in self.values
            and (i == 0 or ops[i - 1] in _PLAIN) and (i == len(ops) or ops[i] in _PLAIN)
        ]  # fmt: skip
        keep = [i for i in range(len(factors)) if i not in absorbed]
        if not keep:
            if hint is None:
                raise _NoSize("the size of I is unknown")
            return self.sp.eye(hint)
        acc = self._chain(node, [factors[i] for i in keep], [ops[i - 1] for i in keep[1:]])
        if absorbed and any(i in (0, len(factors) - 1) for i in absorbed) and _scalar(acc):
            if hint is None:
                raise _NoSize("the size of I is unknown")
            acc = acc[0, 0] * self.sp.eye(hint)
        return acc

    def _chain(self, node: Node, factors: list[Node], ops: list[str]):
        acc = self.ev(factors[0])
        shown = render(factors[0])
        for i in range(1, len(factors)):
            right = self.ev(factors[i])
            try:
                acc = self._product(node, ops[i - 1], acc, right, shown, factors[i])
            except ShapeMismatch:
                if ops[i - 1] not in _PLAIN or i == len(factors) - 1:
                    raise
                rest = self._chain(node, factors[i:], ops[i:])
                if not _scalar(rest):
                    raise
                return rest[0, 0] * acc
            shown += " " + render(factors[i])
        return acc

    def _product(self, node: Node, op: str, a, b, left: str, right_node: Node):
        def mismatch(what: str):
            return ShapeMismatch(node, f"cannot {what} {left} ({_dims(a)}) and {render(right_node)} ({_dims(b)})")

        if op == "/":
            if not _scalar(b):
                raise mismatch("divide")
            return self._divide(node, a, b)
        if op in ("odot", "circ"):
            if _scalar(a) or _scalar(b):
                return a[0, 0] * b if _scalar(a) else b[0, 0] * a
            if a.shape != b.shape:
                raise mismatch("take the Hadamard product of")
            return a.multiply_elementwise(b)
        if op == "otimes":
            return self._kron(a, b)
        if op in _PLAIN:
            if _scalar(a):
                return a[0, 0] * b
            if _scalar(b):
                return b[0, 0] * a
            if a.cols == b.rows:
                return a * b
            if op == "cdot" and a.shape == b.shape and a.cols == 1:
                return self.m(a.dot(b))
            if op == "times" and a.shape == b.shape and tuple(a.shape) in ((3, 1), (1, 3)):
                return a.cross(b)
            raise mismatch("multiply")
        raise Unsupported(f"product operator {op} is not supported")

    def _kron(self, a, b):
        sp = self.sp
        return sp.Matrix(a.rows * b.rows, a.cols * b.cols,
                         lambda i, j: a[i // b.rows, j // b.cols] * b[i % b.rows, j % b.cols])  # fmt: skip

    def _divide(self, node: Node, a, b):
        if self.sp.simplify(b[0, 0]) == 0:
            raise DomainError(node, f"division by zero in {render(node)}")
        return a / b[0, 0]

    def _Div(self, node: Div, hint):
        a, b = self.ev(node.num, hint), self.ev(node.den)
        if not _scalar(b):
            raise ShapeMismatch(node, f"cannot divide by {render(node.den)} ({_dims(b)}), which is not a scalar")
        return self._divide(node, a, b)

    def _Call(self, node: Call, hint):
        """x_1(1) is a product when x_1 is a value; f(x) with no definition is not."""
        func = node.func
        if func.key in self.values or func.sub or (self.bound and func.name in self.bound):
            if len(node.args) != 1:
                raise Unsupported(f"{render(node)}: a product with a list")
            return self._chain(node, [func, node.args[0]], [""])
        raise Unsupported(f"function {render(func)} has no definition")

    def _Inner(self, node: Inner, hint):
        a, b = self.ev(node.a), self.ev(node.b)
        if a.shape != b.shape:
            what = f"{render(node.a)} ({_dims(a)}) and {render(node.b)} ({_dims(b)})"
            raise ShapeMismatch(node, f"inner product of {what}")
        return self.m(sum((a[i] * b[i] for i in range(len(a))), self.sp.Integer(0)))

    # ---------------------------------------------------------------- transposes, inverses, powers

    def _Transpose(self, node: Transpose, hint):
        return self.ev(node.arg, hint).T

    def _Inverse(self, node: Inverse, hint):
        out = self._inverse(node, node.arg, self.ev(node.arg, hint))
        return out.T if node.transposed else out

    def _inverse(self, node: Node, arg: Node, a):
        if a.rows != a.cols:
            raise ShapeMismatch(node, f"inverse of {render(arg)}, which is {_dims(a)}, not square")
        if self.sp.simplify(a.det()) == 0:
            raise DomainError(node, f"{render(arg)} is singular")
        return a.inv()

    def _Pow(self, node: Pow, hint):
        sp = self.sp
        base, e = self.ev(node.base, hint), self.ev(node.exp)
        if not _scalar(e):
            raise ShapeMismatch(node, f"exponent {render(node.exp)} is {_dims(e)}, not a scalar")
        exponent = e[0, 0]
        if _scalar(base):
            return self.m(base[0, 0] ** exponent)
        if base.rows != base.cols:
            raise ShapeMismatch(node, f"power of {render(node.base)}, which is {_dims(base)}, not square")
        if not exponent.is_integer:
            raise Unsupported(f"non-integer power of the matrix {render(node.base)}")
        if exponent < 0:
            return self._inverse(node, node.base, base) ** int(-exponent)
        return base ** int(exponent) if exponent else sp.eye(base.rows)

    # ---------------------------------------------------------------- functions

    def _Func(self, node: Func, hint):
        sp = self.sp
        name = node.name
        if len(node.args) != 1:
            raise Unsupported(f"{name} with {len(node.args)} arguments is not supported")
        if node.sub is not None and name != "log":
            raise Unsupported(f"{name} with a subscript is not supported")
        a = self.ev(node.args[0])
        if name == "log" and node.sub is not None:
            base = self.ev(node.sub)
            if not _scalar(base):
                raise ShapeMismatch(node, f"logarithm base {render(node.sub)} is not a scalar")
            return a.applyfunc(lambda x: sp.log(x, base[0, 0]))
        if name == "lg":
            return a.applyfunc(lambda x: sp.log(x, 10))
        if name in _SCALAR_FUNCS:
            return a.applyfunc(getattr(sp, _SCALAR_FUNCS[name]))
        if name == "sigmoid":
            return a.applyfunc(lambda x: 1 / (1 + sp.exp(-x)))
        if name in ("tr", "etr", "det", "logdet", "adj"):
            if a.rows != a.cols:
                what = "trace" if name in ("tr", "etr") else "determinant"
                raise ShapeMismatch(node, f"{what} of {render(node.args[0])}, which is {_dims(a)}, not square")
            if name == "tr":
                return self.m(a.trace())
            if name == "etr":
                return self.m(sp.exp(a.trace()))
            if name == "det":
                return self.m(a.det())
            if name == "logdet":
                return self.m(sp.log(a.det()))
            return a.adjugate()
        if name in ("diag", "Diag"):
            if 1 in a.shape:
                return sp.diag(*list(a))
            return sp.Matrix([[a[i, i]] for i in range(min(a.shape))])
        if name == "vec":
            return sp.Matrix([[a[i, j]] for j in range(a.cols) for i in range(a.rows)])
        if name == "softmax":
            if 1 not in a.shape:
                raise Unsupported(f"softmax of the matrix {render(node.args[0])}: the axis is unknown")
            exps = a.applyfunc(sp.exp)
            return exps / sum(exps)
        raise Unsupported(f"function {name} is not supported")

    def _Norm(self, node: Norm, hint):
        sp = self.sp
        a = self.ev(node.arg)
        sub = (node.sub or "").strip("{}\\ ")
        vector = 1 in a.shape
        if sub in ("", "2", "F") and (vector or sub != "2"):
            return self.m(sp.sqrt(sum((x**2 for x in a), sp.Integer(0))))
        if sub == "1" and vector:
            return self.m(sum((sp.Abs(x) for x in a), sp.Integer(0)))
        raise Unsupported(f"norm ‖·‖_{sub or '2'} of a {_dims(a)} value is not supported")

    def _Abs(self, node: Abs, hint):
        a = self.ev(node.arg)
        if _scalar(a):
            return self.m(self.sp.Abs(a[0, 0]))
        if a.rows == a.cols:
            return self.m(a.det())  # |X| of a matrix is its determinant
        raise Unsupported(f"|{render(node.arg)}| of a {_dims(a)} value is ambiguous")

    # ---------------------------------------------------------------- literals

    def _Matrix(self, node: Matrix, hint):
        sp = self.sp
        if node.schematic:
            raise Unsupported("schematic matrix")
        if not node.rows or any(len(row) != len(node.rows[0]) for row in node.rows):
            raise Unsupported("matrix with rows of different lengths")
        adaptive = [[_is_zero_node(c) or (isinstance(c, Sym) and c.name == "I" and c.key not in self.values)
                     for c in row] for row in node.rows]  # fmt: skip
        cells = [[None if adaptive[i][j] else self.ev(c) for j, c in enumerate(row)] for i, row in enumerate(node.rows)]
        known = [c for row in cells for c in row if c is not None]
        if all(_scalar(c) for c in known):
            return sp.Matrix([[self.ev(c, 1)[0, 0] for c in row] for row in node.rows])
        heights = [next((c.rows for c in row if c is not None), None) for row in cells]
        widths = [next((cells[i][j].cols for i in range(len(cells)) if cells[i][j] is not None), None)
                  for j in range(len(cells[0]))]  # fmt: skip
        for i, row in enumerate(node.rows):
            for j, cell in enumerate(row):
                if cells[i][j] is not None:
                    if tuple(cells[i][j].shape) != (heights[i], widths[j]):
                        where = f"row {i + 1} is {heights[i]} high and column {j + 1} {widths[j]} wide"
                        raise ShapeMismatch(node, f"block {render(cell)} is {_dims(cells[i][j])} where {where}")
                    continue
                if heights[i] is None or widths[j] is None:
                    raise Unsupported(f"size of block {render(cell)} is unknown")
                if _is_zero_node(cell):
                    cells[i][j] = sp.zeros(heights[i], widths[j])
                elif heights[i] != widths[j]:
                    raise ShapeMismatch(node, f"identity block in a {heights[i]}×{widths[j]} position")
                else:
                    cells[i][j] = self.ev(cell, heights[i])
        return sp.Matrix.vstack(*[sp.Matrix.hstack(*row) for row in cells])

    def _Tuple(self, node: Tuple, hint):
        items = [self.ev(item) for item in node.items]
        if any(it.rows != items[0].rows for it in items):
            raise ShapeMismatch(node, "a list of items with different numbers of rows")
        return self.sp.Matrix.hstack(*items)

    def _Sum(self, node: Sum, hint):
        """∑_{i=1}^{3} with number limits is written out; symbolic limits are not."""
        lower = self._limit(node.lower)
        upper = self._limit(node.upper)
        if node.index is None or lower is None or upper is None or node.body is None or len(node.index) != 1:
            raise Unsupported("sum with symbolic limits")
        if node.op != "sum":
            raise Unsupported("product over an index")
        if upper - lower > 100:
            raise Unsupported("sum with more than 100 terms")
        total = None
        saved = dict(self.bound)
        try:
            for value in range(lower, upper + 1):
                self.bound[node.index] = value
                part = self.ev(node.body)
                if total is not None and part.shape != total.shape:
                    raise ShapeMismatch(node, f"terms of different shapes in {render(node)}")
                total = part if total is None else total + part
        finally:
            self.bound = saved
        return total if total is not None else self.m(self.sp.Integer(0))

    def _limit(self, node: Node | None) -> int | None:
        if isinstance(node, Num) and node.value.isdigit():
            return int(node.value)
        return None

    def _Dots(self, node: Dots, hint):
        raise Unsupported("schematic expression (dots)")

    def _Cases(self, node: Cases, hint):
        raise Unsupported("piecewise definition")


# --------------------------------------------------------------------------- comparison and rendering helpers


def _is_zero(diff) -> bool:
    import sympy

    if diff == 0 or sympy.expand(diff) == 0:
        return True
    if sympy.simplify(diff) == 0:
        return True
    return diff.equals(0) is True


def _plain(expr) -> str:
    import sympy

    return str(sympy.expand(expr)).replace("**", "^")


def _term_signature(term: Node) -> tuple | None:
    """The monomial of one written term (coefficient dropped), or None."""
    try:
        value = to_sympy(term.arg if isinstance(term, Neg) else term, {})
    except Unsupported:
        return None
    if value.shape != (1, 1):
        return None
    return _signature(value[0, 0])


def _signature(expr) -> tuple | None:
    import sympy

    expr = sympy.expand(expr)
    if isinstance(expr, sympy.Add):
        return None
    _, rest = expr.as_coeff_Mul()
    powers = rest.as_powers_dict()
    if not all(isinstance(s, sympy.Symbol) and getattr(p, "is_Integer", False) for s, p in powers.items() if s != 1):
        return None
    return tuple(sorted((s.name, int(p)) for s, p in powers.items() if s != 1))


def _natural(name: str):
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name)]


def _sym_latex(key: str, style: Style) -> str:
    """Symbol key → LaTeX: alpha_1 → \\alpha_1, x_ij → x_{ij}, hat(x) → \\hat{x}."""
    name, _, sub = key.partition("_")
    sup = ""
    if "^" in name:
        name, _, sup = name.partition("^")
    accent = re.fullmatch(r"(\w+)\((.+)\)", name)
    if accent:
        inner = accent.group(2)
        name = f"\\{accent.group(1)}{{{chr(92) + inner if inner in GREEK else inner}}}"
    elif name in GREEK:
        name = "\\" + name
    out = name
    if sup:
        out += "^{" + sup + "}"
    if sub:
        out += "_" + (sub if len(sub) == 1 and not style.sub_braces else "{" + sub + "}")
    return out


def _number_latex(c) -> str:
    import sympy

    if c.is_Integer:
        return str(c)
    if c.is_Rational:
        return f"\\frac{{{c.p}}}{{{c.q}}}"
    return sympy.latex(c)


def _scalar_latex(expr, style: Style) -> str:
    import sympy

    expr = sympy.sympify(expr)
    symbols = sorted(expr.free_symbols, key=lambda s: _natural(s.name))
    order = [v for v in style.variables if sympy.Symbol(v) in expr.free_symbols]
    order += [s.name for s in symbols if s.name not in order]
    gens = [sympy.Symbol(v) for v in order]
    expanded = sympy.expand(expr)
    poly = None
    if gens:
        try:
            poly = sympy.Poly(expanded, *gens)
        except sympy.PolynomialError:
            poly = None
    if not gens or poly is None or not all(c.is_Rational for c in poly.coeffs()):
        if expr.is_Rational:
            return _number_latex(expr)
        names = {s: _sym_latex(s.name, style) for s in expr.free_symbols}
        return sympy.latex(expr, symbol_names=names)
    terms = [(exps, coeff) for exps, coeff in poly.terms() if coeff != 0]
    if not terms:
        return "0"

    def default_key(item):
        exps = item[0]
        return (-sum(exps), tuple(-e for e in exps))

    terms.sort(key=default_key)
    claimed = {sig: i for i, sig in enumerate(style.monomials)}
    keys, previous = [], -0.5
    for exps, coeff in terms:
        sig = tuple(sorted((v, e) for v, e in zip(order, exps) if e))
        if sig in claimed:
            previous = claimed[sig]
            keys.append((previous, 0))
        else:
            keys.append((previous, 1))  # right after the claimed monomial before it
    terms = [t for _, t in sorted(zip(keys, terms), key=lambda kt: kt[0])]
    plus, minus = (" + ", " - ") if style.op_spaces else ("+", "-")
    out = ""
    for n, (exps, coeff) in enumerate(terms):
        body = _monomial_latex(order, exps, abs(coeff), style)
        if n == 0:
            out = ("-" if coeff < 0 else "") + body
        else:
            out += (minus if coeff < 0 else plus) + body
    return out


def _monomial_latex(order: list[str], exps, coeff, style: Style) -> str:
    factors = []
    for name, e in sorted(zip(order, exps), key=lambda ne: _natural(ne[0])):
        if not e:
            continue
        sym = _sym_latex(name, style)
        if e != 1:
            sym = ("{" + sym + "}" if "^" in sym else sym) + ("^" + str(e) if 0 <= e < 10 else "^{" + str(e) + "}")
        factors.append(sym)
    if not factors:
        return _number_latex(coeff)
    if not (coeff == 1 and not style.explicit_one):
        factors.insert(0, _number_latex(coeff))
    body = factors[0]
    for factor in factors[1:]:
        gap = style.product
        if not gap and re.search(r"\\[A-Za-z]+$", body) and factor[0].isalpha():
            gap = " "  # \alpha x, not \alphax
        body += gap + factor
    return body
