"""Exact evaluation of worked examples with concrete matrices.

Polynomial arithmetic over the rationals first, sympy (imported inside functions only) for
what polynomials cannot express.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Callable

from derivlint.check.budget import check as budget_check, tick
from derivlint.check.numeric import SPACED_APART, DomainError, ShapeMismatch, TooLarge, Unsupported, check_literal_size
from derivlint.math.parser import GREEK
from derivlint.math.tree import (
    Abs, Add, Call, Cases, Deriv, Div, Dots, Func, Inner, Inverse, Matrix, Mul, Neg, Node, Norm, Num,
    Pow, Sum, Sym, Transpose, Tuple, render,
)  # fmt: skip

__all__ = [
    "Comparison", "DomainError", "PolyMatrix", "Polynomial", "ShapeMismatch", "Style", "Unsupported",
    "compare", "derivative", "style_of", "to_latex", "to_sympy",
]  # fmt: skip

# ``values`` maps a symbol key (Sym.key) to a tree (a Matrix literal of the note, or any
# expression), or to a sympy object. A key that is not mapped is a scalar symbol of the same
# name ("x_1" → Symbol("x_1")). ``to_sympy`` gives a sympy Matrix (1×1 for a scalar).
# ``compare`` and ``derivative`` first evaluate with ``_POLY``, a backend of exact polynomials
# (``PolyMatrix`` of ``Polynomial``): a worked example with concrete matrices is polynomial
# arithmetic over the rationals, and needs no sympy. Only what polynomials cannot express
# (functions, division by a symbol, radicals) is evaluated again, from the start, with sympy.


class _NoSize(Unsupported):
    """An identity I whose size only its neighbours can tell."""


# A determinant, inverse or adjugate of a matrix in symbols grows as n!: beyond this size
# sympy would take minutes, so the claim is too large to check (numbers are cheap at any size).
SYMBOLIC_CAP = 6


def _bounded(a, what: str) -> None:
    """TooLarge for the ``what`` (determinant, inverse …) of a matrix in symbols beyond SYMBOLIC_CAP."""
    if a.rows <= SYMBOLIC_CAP:
        return
    if isinstance(a, PolyMatrix):
        symbolic = not all(x.is_constant for x in a.data)
    else:
        symbolic = bool(getattr(a, "free_symbols", None))
    if symbolic:
        raise TooLarge(f"too large to check ({what} of a {a.rows}×{a.cols} matrix in symbols)")


# --------------------------------------------------------------------------- public API


def to_sympy(node: Node, values: dict[str, Any] | None = None, *, deriv: Callable[[Deriv], Any] | None = None):
    """The exact value of ``node`` as a sympy Matrix. Raises ``Unsupported`` (or its
    subclasses ``ShapeMismatch`` and ``DomainError``) for what cannot be translated."""
    import sympy

    return _evaluate(node, values or {}, deriv, sympy)


def _evaluate(node: Node, values: dict[str, Any], deriv, backend):
    """``node`` evaluated by ``_Exact`` with ``backend`` (sympy or ``_POLY``). With ``_POLY``,
    raises ``_NeedSympy`` for what only sympy can do, its own arithmetic refusals included."""
    translator = _Exact(values, deriv, backend)
    try:
        return translator.ev(node)
    except _NoSize as err:
        raise Unsupported(str(err)) from None
    except RecursionError:
        raise Unsupported("expression nested too deeply") from None
    except (ArithmeticError, ValueError, TypeError, NotImplementedError) as err:  # sympy's own refusals
        if backend is _POLY:
            raise _NeedSympy(str(err)) from None
        raise Unsupported(f"sympy cannot compute {render(node)}: {err}") from None


@dataclass
class Comparison:
    """The exact comparison of two sides. ``lhs_value``/``rhs_value`` are ``PolyMatrix``
    values when both sides are polynomial, sympy Matrices otherwise (both index as m[i, j] and
    have ``shape``; ``to_latex`` writes either); ``reason`` says where they differ (shapes, or
    the first entry that differs)."""

    equal: bool
    lhs_shape: tuple[int, int]
    rhs_shape: tuple[int, int]
    lhs_value: Any
    rhs_value: Any
    reason: str = ""


def compare(lhs: Node, rhs: Node, values: dict[str, Any] | None = None) -> Comparison:
    """Whether ``lhs`` and ``rhs`` are exactly equal with the given values (a 1×1 matrix is
    a scalar). Polynomial values compare exactly without sympy; otherwise each entry of the
    difference is expanded, then simplified, by sympy."""
    values = values or {}
    try:
        left, right = _evaluate(lhs, values, None, _POLY), _evaluate(rhs, values, None, _POLY)
        is_zero, plain = (lambda d: not d), str
    except _NeedSympy:
        import sympy

        budget_check()  # sympy's expansion is long on its own: not begun past the budget
        left = to_sympy(lhs, values).applyfunc(sympy.expand)
        right = to_sympy(rhs, values).applyfunc(sympy.expand)
        is_zero, plain = _is_zero, _plain
    shapes = (tuple(left.shape), tuple(right.shape))
    if shapes[0] != shapes[1]:
        reason = f"shapes differ: {_dims(left)} and {_dims(right)}"
        return Comparison(False, shapes[0], shapes[1], left, right, reason)
    for i in range(left.rows):
        for j in range(left.cols):
            if not is_zero(left[i, j] - right[i, j]):
                where = f"entry ({i + 1}, {j + 1}): " if left.shape != (1, 1) else ""
                reason = f"{where}{plain(left[i, j])} ≠ {plain(right[i, j])}"
                return Comparison(False, shapes[0], shapes[1], left, right, reason)
    return Comparison(True, shapes[0], shapes[1], left, right)


def derivative(node: Node, wrt_keys: list[str], values: dict[str, Any] | None = None):
    """Elementwise derivatives of ``node`` with respect to scalar symbols.

    A key mapped in ``values`` to a matrix of distinct symbols (X = [x_1; x_2]) stands
    for its entries, row by row. For a scalar expression the result is the gradient as
    a column (one row per symbol); for one symbol, the entrywise derivative (same shape
    as the expression); for a column vector and several symbols, the m×k Jacobian
    (rows: the components of the expression). A ``PolyMatrix`` for a polynomial, else a
    sympy Matrix (the two compare equal when their entries are).
    """
    values = values or {}
    try:
        return _derivative(node, wrt_keys, values, _POLY)
    except _NeedSympy:
        import sympy

        return _derivative(node, wrt_keys, values, sympy)


def _derivative(node: Node, wrt_keys: list[str], values: dict[str, Any], backend):
    poly = backend is _POLY
    expr = _evaluate(node, values, None, backend)
    symbols = []
    for key in wrt_keys:
        if key in values:
            entries = list(_evaluate(Sym(0, 0, key), values, None, backend))
            names = [_symbol_name(e, poly) for e in entries]
            if None in names or len(set(names)) != len(names):
                raise Unsupported(f"{key} is not a matrix of distinct symbols")
            symbols.extend(entries if not poly else names)
        else:
            symbols.append(key if poly else backend.Symbol(key))
    if poly:
        if expr.shape == (1, 1):
            return PolyMatrix._of(len(symbols), 1, [expr[0, 0].diff(s) for s in symbols])
        if len(symbols) == 1:
            return expr.diff(symbols[0])
        if expr.cols == 1:
            return PolyMatrix._of(expr.rows, len(symbols), [e.diff(s) for e in expr for s in symbols])
    else:
        if expr.shape == (1, 1):
            return backend.Matrix([[backend.diff(expr[0, 0], s)] for s in symbols])
        if len(symbols) == 1:
            return expr.diff(symbols[0])
        if expr.cols == 1:
            return expr.jacobian(symbols)
    raise Unsupported(f"derivative of a {_dims(expr)} matrix with respect to {len(symbols)} symbols")


def _symbol_name(entry, poly: bool) -> str | None:
    """The name of an entry that is a bare symbol, else None."""
    if poly:
        if len(entry.terms) == 1:
            (mono, c), = entry.terms.items()
            if c == 1 and len(mono) == 1 and mono[0][1] == 1:
                return mono[0][0]
        return None
    return entry.name if getattr(entry, "is_Symbol", False) else None


# --------------------------------------------------------------------------- exact polynomials (no sympy)


class _NeedSympy(Exception):
    """What the polynomial path cannot express (functions, symbolic division, radicals): ask sympy."""


def _as_poly(x) -> "Polynomial | None":
    if isinstance(x, Polynomial):
        return x
    if isinstance(x, (int, Fraction)) and not isinstance(x, bool):
        return Polynomial.const(x)
    return None


def _mono_mul(a: tuple, b: tuple) -> tuple:
    if not a:
        return b
    if not b:
        return a
    powers = dict(a)
    for name, e in b:
        powers[name] = powers.get(name, 0) + e
    return tuple(sorted(powers.items()))


class Polynomial:
    """A polynomial with rational coefficients: {monomial: Fraction}, a monomial being a sorted
    tuple of (symbol key, exponent ≥ 1); the empty monomial is the constant term. Canonical, so
    two polynomials are equal exactly when their terms are."""

    __slots__ = ("terms",)

    def __init__(self, terms: dict[tuple, Fraction] | None = None):
        self.terms = {m: c for m, c in (terms or {}).items() if c}

    @classmethod
    def const(cls, c) -> "Polynomial":
        return cls({(): Fraction(c)})

    @classmethod
    def var(cls, key: str) -> "Polynomial":
        return cls({((key, 1),): Fraction(1)})

    # ---------------------------------------------------------------- facts

    @property
    def is_constant(self) -> bool:
        return not self.terms or list(self.terms) == [()]

    @property
    def constant(self) -> Fraction:
        return self.terms.get((), Fraction(0))

    @property
    def is_integer(self) -> bool | None:
        """As sympy's: True or False for a number, None for an expression in symbols."""
        return self.constant.denominator == 1 if self.is_constant else None

    @property
    def variables(self) -> set[str]:
        return {name for mono in self.terms for name, _ in mono}

    def __bool__(self) -> bool:
        return bool(self.terms)

    def __int__(self) -> int:
        if not self.is_constant or self.constant.denominator != 1:
            raise TypeError(f"{self} is not an integer")
        return int(self.constant)

    def __eq__(self, other) -> bool:
        other_poly = _as_poly(other)
        if other_poly is None:
            return NotImplemented
        return self.terms == other_poly.terms

    def __hash__(self) -> int:
        return hash(frozenset(self.terms.items()))

    def __lt__(self, other) -> bool:
        other_poly = _as_poly(other)
        if other_poly is None:
            return NotImplemented
        if not (self.is_constant and other_poly.is_constant):
            raise TypeError("cannot order expressions in symbols")
        return self.constant < other_poly.constant

    # ---------------------------------------------------------------- arithmetic

    def __add__(self, other):
        other_poly = _as_poly(other)
        if other_poly is None:
            return NotImplemented
        terms = dict(self.terms)
        for m, c in other_poly.terms.items():
            terms[m] = terms.get(m, 0) + c
        return Polynomial(terms)

    __radd__ = __add__

    def __neg__(self) -> "Polynomial":
        return Polynomial({m: -c for m, c in self.terms.items()})

    def __sub__(self, other):
        other_poly = _as_poly(other)
        return NotImplemented if other_poly is None else self + (-other_poly)

    def __rsub__(self, other):
        other_poly = _as_poly(other)
        return NotImplemented if other_poly is None else other_poly + (-self)

    def __mul__(self, other):
        other_poly = _as_poly(other)
        if other_poly is None:
            return NotImplemented
        terms: dict[tuple, Fraction] = {}
        for m1, c1 in self.terms.items():
            for m2, c2 in other_poly.terms.items():
                m = _mono_mul(m1, m2)
                terms[m] = terms.get(m, 0) + c1 * c2
        return Polynomial(terms)

    __rmul__ = __mul__

    def __truediv__(self, other):
        other_poly = _as_poly(other)
        if other_poly is None:
            return NotImplemented
        if not other_poly.is_constant or not other_poly:
            raise _NeedSympy("division by an expression in symbols")
        return self * Polynomial.const(1 / other_poly.constant)

    def __rtruediv__(self, other):
        other_poly = _as_poly(other)
        if other_poly is None:
            return NotImplemented
        return other_poly / self

    def __pow__(self, exponent):
        e = _as_poly(exponent)
        if e is None:
            return NotImplemented
        if not e.is_constant or e.constant.denominator != 1:
            raise _NeedSympy("a power with a symbolic or fractional exponent")
        n = int(e.constant)
        if n < 0:
            if not self.is_constant or not self:
                raise _NeedSympy("a negative power of an expression in symbols")
            return Polynomial.const(self.constant**n)
        result, base = Polynomial.const(1), self
        while n:
            if n & 1:
                result = result * base
            n >>= 1
            if n:
                base = base * base
        return result

    def diff(self, key: str) -> "Polynomial":
        """The derivative with respect to the symbol ``key``."""
        terms: dict[tuple, Fraction] = {}
        for mono, c in self.terms.items():
            powers = dict(mono)
            e = powers.get(key, 0)
            if not e:
                continue
            if e == 1:
                del powers[key]
            else:
                powers[key] = e - 1
            m = tuple(sorted(powers.items()))
            terms[m] = terms.get(m, 0) + c * e
        return Polynomial(terms)

    # ---------------------------------------------------------------- conversions

    def _sympy_(self):
        import sympy

        return sympy.Add(*[
            sympy.Rational(c.numerator, c.denominator) * sympy.Mul(*[sympy.Symbol(v) ** e for v, e in mono])
            for mono, c in self.terms.items()
        ])  # fmt: skip

    def __str__(self) -> str:
        """Plain text, highest degree first: x_1^2 + 5*x_1*x_2 - 1/2."""
        if not self.terms:
            return "0"
        ordered = sorted(self.terms.items(), key=lambda mc: (-sum(e for _, e in mc[0]), [(v, -e) for v, e in mc[0]]))
        out = ""
        for n, (mono, c) in enumerate(ordered):
            factors = [v if e == 1 else f"{v}^{e}" for v, e in mono]
            if abs(c) != 1 or not factors:
                factors.insert(0, str(abs(c)))
            sign = ("-" if c < 0 else "") if n == 0 else (" - " if c < 0 else " + ")
            out += sign + "*".join(factors)
        return out

    __repr__ = __str__


class PolyMatrix:
    """A matrix of ``Polynomial`` entries with the part of sympy's Matrix interface that
    ``_Exact`` uses (shape, m[i, j], m[k], T, +, -, *, **, det, inv, trace …)."""

    __slots__ = ("rows", "cols", "data")

    def __init__(self, *args):
        if len(args) == 3:  # PolyMatrix(rows, cols, f(i, j))
            rows, cols, f = args
            data = [_entry_poly(f(i, j)) for i in range(rows) for j in range(cols)]
        elif isinstance(args[0], PolyMatrix):
            rows, cols, data = args[0].rows, args[0].cols, list(args[0].data)
        else:
            table = [list(row) for row in args[0]]
            rows, cols = len(table), (len(table[0]) if table else 0)
            if any(len(row) != cols for row in table):
                raise ValueError("rows of different lengths")
            data = [_entry_poly(x) for row in table for x in row]
        self.rows, self.cols, self.data = rows, cols, data

    @classmethod
    def _of(cls, rows: int, cols: int, data: list[Polynomial]) -> "PolyMatrix":
        m = cls.__new__(cls)
        m.rows, m.cols, m.data = rows, cols, data
        return m

    @classmethod
    def hstack(cls, *parts: "PolyMatrix") -> "PolyMatrix":
        if any(p.rows != parts[0].rows for p in parts):
            raise ValueError("hstack of matrices with different numbers of rows")
        rows = parts[0].rows
        data = [x for i in range(rows) for p in parts for x in p.data[i * p.cols : (i + 1) * p.cols]]
        return cls._of(rows, sum(p.cols for p in parts), data)

    @classmethod
    def vstack(cls, *parts: "PolyMatrix") -> "PolyMatrix":
        if any(p.cols != parts[0].cols for p in parts):
            raise ValueError("vstack of matrices with different numbers of columns")
        return cls._of(sum(p.rows for p in parts), parts[0].cols, [x for p in parts for x in p.data])

    # ---------------------------------------------------------------- access

    @property
    def shape(self) -> tuple[int, int]:
        return (self.rows, self.cols)

    def __len__(self) -> int:
        return len(self.data)

    def __iter__(self):
        return iter(self.data)

    def __getitem__(self, key):
        if isinstance(key, tuple):
            i, j = key
            if not (0 <= i < self.rows and 0 <= j < self.cols):
                raise IndexError(f"index {key} out of a {self.rows}×{self.cols} matrix")
            return self.data[i * self.cols + j]
        return self.data[key]

    def __eq__(self, other):
        if isinstance(other, PolyMatrix):
            return self.shape == other.shape and self.data == other.data
        if hasattr(other, "shape") and hasattr(other, "applyfunc"):  # a sympy Matrix
            return self._sympy_() == other
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    @property
    def T(self) -> "PolyMatrix":
        data = [self.data[i * self.cols + j] for j in range(self.cols) for i in range(self.rows)]
        return PolyMatrix._of(self.cols, self.rows, data)

    # ---------------------------------------------------------------- arithmetic

    def _same_shape(self, other, what: str) -> None:
        if not isinstance(other, PolyMatrix) or other.shape != self.shape:
            raise ValueError(f"cannot {what} matrices of different shapes")

    def __add__(self, other):
        self._same_shape(other, "add")
        return PolyMatrix._of(self.rows, self.cols, [a + b for a, b in zip(self.data, other.data)])

    def __sub__(self, other):
        self._same_shape(other, "subtract")
        return PolyMatrix._of(self.rows, self.cols, [a - b for a, b in zip(self.data, other.data)])

    def __neg__(self) -> "PolyMatrix":
        return PolyMatrix._of(self.rows, self.cols, [-a for a in self.data])

    def _scaled(self, factor: Polynomial) -> "PolyMatrix":
        return PolyMatrix._of(self.rows, self.cols, [factor * a for a in self.data])

    def __mul__(self, other):
        if isinstance(other, PolyMatrix):
            if self.cols != other.rows:
                raise ValueError(f"cannot multiply {self.rows}×{self.cols} and {other.rows}×{other.cols}")
            n, p = self.cols, other.cols
            data = []
            for i in range(self.rows):
                row = self.data[i * n : (i + 1) * n]
                for j in range(p):
                    total = Polynomial()
                    for k in range(n):
                        total = total + row[k] * other.data[k * p + j]
                    data.append(total)
            return PolyMatrix._of(self.rows, p, data)
        factor = _as_poly(other)
        return NotImplemented if factor is None else self._scaled(factor)

    def __rmul__(self, other):
        factor = _as_poly(other)
        return NotImplemented if factor is None else self._scaled(factor)

    def __truediv__(self, other):
        divisor = _as_poly(other)
        if divisor is None:
            return NotImplemented
        return PolyMatrix._of(self.rows, self.cols, [a / divisor for a in self.data])

    def __pow__(self, n: int) -> "PolyMatrix":
        if self.rows != self.cols or not isinstance(n, int) or n < 0:
            raise ValueError("only a non-negative integer power of a square matrix")
        result, base = _eye(self.rows), self
        while n:
            if n & 1:
                result = result * base
            n >>= 1
            if n:
                base = base * base
        return result

    def multiply_elementwise(self, other: "PolyMatrix") -> "PolyMatrix":
        self._same_shape(other, "multiply elementwise")
        return PolyMatrix._of(self.rows, self.cols, [a * b for a, b in zip(self.data, other.data)])

    def dot(self, other: "PolyMatrix") -> Polynomial:
        if len(self) != len(other) or 1 not in self.shape or 1 not in other.shape:
            raise ValueError("dot product of vectors of different lengths")
        return sum((a * b for a, b in zip(self.data, other.data)), Polynomial())

    def cross(self, other: "PolyMatrix") -> "PolyMatrix":
        if len(self) != 3 or len(other) != 3:
            raise ValueError("cross product of vectors that are not of length 3")
        (a1, a2, a3), (b1, b2, b3) = self.data, other.data
        return PolyMatrix._of(self.rows, self.cols, [a2 * b3 - a3 * b2, a3 * b1 - a1 * b3, a1 * b2 - a2 * b1])

    def trace(self) -> Polynomial:
        if self.rows != self.cols:
            raise ValueError("trace of a matrix that is not square")
        return sum((self.data[i * self.cols + i] for i in range(self.rows)), Polynomial())

    def _minor(self, i: int, j: int) -> "PolyMatrix":
        n = self.cols
        data = [self.data[r * n + c] for r in range(self.rows) if r != i for c in range(n) if c != j]
        return PolyMatrix._of(self.rows - 1, n - 1, data)

    def det(self) -> Polynomial:
        if self.rows != self.cols:
            raise ValueError("determinant of a matrix that is not square")
        n = self.rows
        if n == 0:
            return Polynomial.const(1)
        if all(a.is_constant for a in self.data):
            rows = [[a.constant for a in self.data[i * n : (i + 1) * n]] for i in range(n)]
            return Polynomial.const(_fraction_det(rows))
        if n > 5:
            raise _NeedSympy("determinant of a large matrix in symbols")
        if n == 1:
            return self.data[0]
        total = Polynomial()
        for j in range(n):
            if self.data[j]:
                term = self.data[j] * self._minor(0, j).det()
                total = total + (term if j % 2 == 0 else -term)
        return total

    def adjugate(self) -> "PolyMatrix":
        if self.rows != self.cols:
            raise ValueError("adjugate of a matrix that is not square")
        n = self.rows
        if n == 1:
            return PolyMatrix._of(1, 1, [Polynomial.const(1)])
        cof = [self._minor(i, j).det() * (1 if (i + j) % 2 == 0 else -1) for i in range(n) for j in range(n)]
        return PolyMatrix._of(n, n, cof).T

    def inv(self) -> "PolyMatrix":
        d = self.det()
        if not d:
            raise ValueError("matrix is singular")
        if not d.is_constant:
            raise _NeedSympy("inverse of a matrix whose determinant is an expression in symbols")
        return self.adjugate() / d

    def applyfunc(self, f) -> "PolyMatrix":
        return PolyMatrix._of(self.rows, self.cols, [_entry_poly(f(a)) for a in self.data])

    def diff(self, key: str) -> "PolyMatrix":
        return PolyMatrix._of(self.rows, self.cols, [a.diff(key) for a in self.data])

    def _sympy_(self):
        import sympy

        return sympy.Matrix(self.rows, self.cols, [a._sympy_() for a in self.data])

    def __repr__(self) -> str:
        return f"PolyMatrix({[[self[i, j] for j in range(self.cols)] for i in range(self.rows)]})"


def _entry_poly(x) -> Polynomial:
    poly = _as_poly(x)
    if poly is None:
        raise _NeedSympy(f"an entry that is not a polynomial: {x!r}")
    return poly


def _fraction_det(rows: list[list[Fraction]]) -> Fraction:
    """Gaussian elimination over the rationals."""
    n, det = len(rows), Fraction(1)
    rows = [list(r) for r in rows]
    for k in range(n):
        pivot = next((i for i in range(k, n) if rows[i][k]), None)
        if pivot is None:
            return Fraction(0)
        if pivot != k:
            rows[k], rows[pivot] = rows[pivot], rows[k]
            det = -det
        det *= rows[k][k]
        for i in range(k + 1, n):
            if rows[i][k]:
                f = rows[i][k] / rows[k][k]
                rows[i] = [a - f * b for a, b in zip(rows[i], rows[k])]
    return det


def _eye(n: int) -> PolyMatrix:
    one, zero = Polynomial.const(1), Polynomial()
    return PolyMatrix._of(n, n, [one if i == j else zero for i in range(n) for j in range(n)])


def _rational(text: str) -> Polynomial:
    try:
        return Polynomial.const(Fraction(text))
    except (TypeError, ValueError):
        raise _NeedSympy(f"number {text!r}") from None


class _PolyBackend:
    """The names ``_Exact`` takes from sympy, over ``Polynomial``; any other name (exp, log,
    sqrt, Abs …) means the expression is not a polynomial: ``_NeedSympy``."""

    Matrix = MatrixBase = PolyMatrix
    Integer = staticmethod(Polynomial.const)
    Rational = staticmethod(_rational)
    Symbol = staticmethod(Polynomial.var)
    eye = staticmethod(_eye)

    @staticmethod
    def zeros(rows: int, cols: int) -> PolyMatrix:
        return PolyMatrix._of(rows, cols, [Polynomial() for _ in range(rows * cols)])

    @staticmethod
    def diag(*entries) -> PolyMatrix:
        n, zero = len(entries), Polynomial()
        return PolyMatrix._of(n, n, [_entry_poly(entries[i]) if i == j else zero for i in range(n) for j in range(n)])

    @staticmethod
    def simplify(x):
        return x

    def __getattr__(self, name: str):
        raise _NeedSympy(f"{name} is not polynomial arithmetic")


_POLY = _PolyBackend()


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
    from derivlint.math.lexer import LexError, lex
    from derivlint.math.parser import ParseError, sub_parse

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
    side's own order for the monomials it has). Also takes ``Polynomial`` and ``PolyMatrix``."""
    style = style or Style()
    if isinstance(expr, (PolyMatrix, Polynomial)):
        scalar, matrix = _poly_latex, isinstance(expr, PolyMatrix)
    else:
        import sympy

        scalar, matrix = _scalar_latex, isinstance(expr, sympy.MatrixBase)
        expr = expr if matrix else sympy.sympify(expr)
    if not matrix:
        return scalar(expr, style)
    if expr.shape == (1, 1):
        return scalar(expr[0, 0], style)
    rows = [" & ".join(scalar(expr[i, j], style) for j in range(expr.cols)) for i in range(expr.rows)]
    return f"\\begin{{{style.env}}} " + " \\\\ ".join(rows) + f" \\end{{{style.env}}}"


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
    """The evaluator of a tree; ``backend`` is sympy or ``_POLY`` (the same names over polynomials)."""

    def __init__(self, values: dict[str, Any], deriv, backend):
        self.sp = backend
        self.values = values
        self.deriv = deriv
        self.expanding: list[str] = []  # keys being substituted (a definition may not use itself)
        self.bound: dict[str, int] = {}  # summation indices and their current values

    def m(self, x):
        return self.sp.Matrix([[x]])

    def ev(self, node: Node, hint: int | None = None):
        tick()  # a safe point of the time budget (budget.py)
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
        if sp is _POLY:
            raise _NeedSympy(f"the value of {key} is not a tree")
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
        if op == "quad":
            raise Unsupported(SPACED_APART)
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
        _bounded(a, "inverse")
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
            _bounded(a, "adjugate" if name == "adj" else "determinant")
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
            _bounded(a, "determinant")
            return self.m(a.det())  # |X| of a matrix is its determinant
        raise Unsupported(f"|{render(node.arg)}| of a {_dims(a)} value is ambiguous")

    # ---------------------------------------------------------------- literals

    def _Matrix(self, node: Matrix, hint):
        sp = self.sp
        if node.schematic:
            raise Unsupported("schematic matrix")
        if not node.rows or any(len(row) != len(node.rows[0]) for row in node.rows):
            raise Unsupported("matrix with rows of different lengths")
        check_literal_size(len(node.rows), len(node.rows[0]))
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
    node = term.arg if isinstance(term, Neg) else term
    try:
        try:
            value = _evaluate(node, {}, None, _POLY)
        except _NeedSympy:
            value = to_sympy(node, {})
    except Unsupported:
        return None
    if value.shape != (1, 1):
        return None
    if isinstance(value, PolyMatrix):
        terms = value[0, 0].terms
        return None if len(terms) > 1 else next(iter(terms), ())
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
    if isinstance(c, Fraction):
        return str(c.numerator) if c.denominator == 1 else f"\\frac{{{c.numerator}}}{{{c.denominator}}}"
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
    return _terms_latex(order, [(exps, coeff) for exps, coeff in poly.terms() if coeff != 0], style)


def _terms_latex(order: list[str], terms: list[tuple], style: Style) -> str:
    """Terms (exponents over ``order``, rational coefficient) in the note's notation: by total
    degree, then variables in ``order``, and the claimed side's own order for its monomials."""
    if not terms:
        return "0"

    def default_key(item):
        exps = item[0]
        return (-sum(exps), tuple(-e for e in exps))

    terms = sorted(terms, key=default_key)
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


def _poly_latex(p: Polynomial, style: Style) -> str:
    """``_scalar_latex`` for a ``Polynomial``: the same order of terms and notation, no sympy."""
    names = p.variables
    if not names:
        return _number_latex(p.constant)
    order = [v for v in style.variables if v in names]
    order += [v for v in sorted(names, key=_natural) if v not in order]
    position = {v: k for k, v in enumerate(order)}
    terms = []
    for mono, coeff in p.terms.items():
        exps = [0] * len(order)
        for v, e in mono:
            exps[position[v]] = e
        terms.append((tuple(exps), coeff))
    return _terms_latex(order, terms, style)


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
