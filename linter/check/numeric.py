"""Numeric values of expression trees, and their exact Jacobians by forward-mode propagation."""

from __future__ import annotations

import contextlib
import math
from dataclasses import dataclass
from typing import Callable

import numpy as np

from derivlint.check import elementwise, schematic
from derivlint.check.budget import tick
from derivlint.math.tree import (
    Abs, Add, Call, Cases, Deriv, Differential, Div, Dots, Func, Inner, Inverse, Matrix, Mul, Neg, Node, Norm, Num,
    Pow, Sum, Sym, Transpose, Tuple, render,
)  # fmt: skip

# Values are 2-D float arrays: a scalar is (1, 1), a column vector (n, 1), a row
# vector (1, n). A tangent is (k, rows, cols): one slice per seed direction, the
# k = r*s entries of the variable, in row-major order. None stands for a zero
# tangent (the value does not depend on the variable), and always in `evaluate`.
#
# Readings: a (1, 1) value multiplies anything as a scalar, and a product chain that
# fails left to right is retried with a 1×1 rest as a scalar (B x^T A x). exp, ln,
# sqrt, sin … apply entry by entry to vectors and non-square matrices; of a square
# matrix they are Unsupported (e^X usually means expm, which is not computed). |X| of a square
# matrix is det X; ln |X| is log |det X|. ‖·‖ and ‖·‖_2 of a vector and ‖·‖ / ‖·‖_F
# of a matrix are the Euclidean / Frobenius norm; ‖X‖_2 is the spectral norm, ‖X‖_*
# the nuclear norm. a · b of two columns is the dot product, a × b of two 3-vectors
# the cross product. An I with no value in ``env`` and a literal 0 take the size of
# their neighbours (A + λI, I x, [A 0; 0 B]). A Deriv node is a constant.

DerivCallback = Callable[[Deriv], np.ndarray]


# the key prefix under which a symbol's differential dX has its value in an ``env``
DIFFERENTIAL = "d\u00b7"


SPACED_APART = "two items set apart by \\quad: a block row or a list, not certainly a product"


class Unsupported(Exception):
    """The tree holds something this evaluator cannot compute (the message says what)."""


# Work per claim is bounded whatever a note declares. A declared dimension above DRAW_CAP
# (n = 1000, R^{10^9 × 10^9}) is drawn at a small stand-in size: an identity between
# symbols holds at every size or at none the draws can tell apart, so the stand-in
# decides it as well as the declared size would. A claim that writes a number as large
# as the dimension (tr I = 1000) may depend on that size: it is too large to check.
# A literal matrix beyond LITERAL_CAP entries a side is too large to check too.
DRAW_CAP = 16
LITERAL_CAP = 40


class TooLarge(Unsupported):
    """The claim needs more work than one claim may take (the message says why)."""


def stand_in_sizes(declared: set[int], used: set[int]) -> dict[int, int]:
    """A small distinct size for every declared size above DRAW_CAP, avoiding ``used`` sizes."""
    big = sorted(n for n in declared if n > DRAW_CAP)
    free = [n for n in range(3, 3 * DRAW_CAP) if n not in used]
    return {n: free[i] for i, n in enumerate(big)}


def literal_too_large(*nodes) -> str | None:
    """The reason a claim is too large to check when one of ``nodes`` holds a literal matrix
    beyond LITERAL_CAP rows or columns (its shapes alone would take seconds), else None."""
    for node in nodes:
        if node is None or Matrix not in map(type, node.walk()):  # no literal (most claims): at C speed
            continue
        for n in node.walk():
            if isinstance(n, Matrix) and n.rows:
                rows, cols = len(n.rows), max(len(row) for row in n.rows)
                if rows > LITERAL_CAP or cols > LITERAL_CAP:
                    return f"too large to check ({rows}×{cols} matrix)"
    return None


def check_literal_size(rows: int, cols: int) -> None:
    """TooLarge for a literal matrix beyond LITERAL_CAP rows or columns."""
    if rows > LITERAL_CAP or cols > LITERAL_CAP:
        raise TooLarge(f"too large to check ({rows}×{cols} matrix)")


class ShapeMismatch(Unsupported):
    """An operation cannot be formed with the given arrays; ``node`` is where."""

    def __init__(self, node: Node, message: str):
        super().__init__(message)
        self.node = node
        self.message = message


class Unstacked(ShapeMismatch):
    """A pattern of vector derivatives along its own direction (a column of columns): in this
    layout its blocks stack into no matrix, a mismatch of the layout, not a reading left unsure."""


class DomainError(Unsupported):
    """A value lies outside a function's domain (log of a negative number, inverse of a
    singular matrix): another draw of values may succeed."""

    def __init__(self, node: Node, message: str):
        super().__init__(message)
        self.node = node
        self.message = message


class _NoSize(Unsupported):
    """An identity I whose size only its neighbours can tell."""


@dataclass
class _D:
    """A value and its tangent (None: zero)."""

    v: np.ndarray
    t: np.ndarray | None = None


# --------------------------------------------------------------------------- public API


def evaluate(node: Node, env: dict[str, np.ndarray], *, deriv: DerivCallback | None = None) -> np.ndarray:
    """The value of ``node`` (a 2-D array) with symbols taken from ``env`` (by ``Sym.key``).

    A ``Deriv`` inside the tree takes its value from ``deriv(node)``; without the
    callback it raises ``Unsupported``. Raises ``ShapeMismatch`` (a subclass of
    ``Unsupported``) when an operation cannot be formed with the given arrays,
    ``DomainError`` (also a subclass) for a value outside a function's domain.
    """
    return _Forward(env, None, deriv).run(node).v


def jacobian(
    node: Node, env: dict[str, np.ndarray], wrt: str, *, deriv: DerivCallback | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """The value V (p, q) of ``node`` and its exact Jacobian J (p, q, r, s) with
    J[a, b, c, d] = ∂V[a, b] / ∂env[wrt][c, d], by forward-mode propagation.

    Symbols other than ``wrt`` are constants. A ``Deriv`` met inside the tree is a
    constant of this derivative: its value comes from ``deriv`` and its tangent is zero.
    """
    if wrt not in env:
        raise Unsupported(f"no value for {wrt}")
    fwd = _Forward(env, wrt, deriv)
    out = fwd.run(node)
    r, s = fwd.wrt_shape
    p, q = out.v.shape
    if out.t is None:
        return out.v, np.zeros((p, q, r, s))
    return out.v, out.t.reshape(r, s, p, q).transpose(2, 3, 0, 1)


def finite_difference(
    node: Node, env: dict[str, np.ndarray], wrt: str, *, eps: float = 1e-6, deriv: DerivCallback | None = None
) -> np.ndarray:
    """The Jacobian (p, q, r, s) by central differences: a cross-check of ``jacobian``."""
    base = np.asarray(env[wrt], dtype=float)
    r, s = base.shape
    cols = []
    for c in range(r):
        for d in range(s):
            h = eps * max(1.0, abs(base[c, d]))
            plus, minus = base.copy(), base.copy()
            plus[c, d] += h
            minus[c, d] -= h
            hi = evaluate(node, {**env, wrt: plus}, deriv=deriv)
            lo = evaluate(node, {**env, wrt: minus}, deriv=deriv)
            cols.append((hi - lo) / (2 * h))
    p, q = cols[0].shape
    return np.stack(cols).reshape(r, s, p, q).transpose(2, 3, 0, 1)


# --------------------------------------------------------------------------- helpers


def _shape(a: np.ndarray) -> str:
    return f"{a.shape[0]}×{a.shape[1]}"


def _is_scalar(a: np.ndarray) -> bool:
    return a.shape == (1, 1)


def _tadd(a: np.ndarray | None, b: np.ndarray | None) -> np.ndarray | None:
    if a is None:
        return b
    if b is None:
        return a
    return a + b


def _tscale(t: np.ndarray | None, factor) -> np.ndarray | None:
    """A tangent times a constant array (broadcast over the seed axis)."""
    return None if t is None else t * factor


def _checked(node: Node, what: str, *arrays: np.ndarray) -> None:
    for a in arrays:
        if a is not None and not np.isfinite(a).all():
            raise DomainError(node, f"{what} of a value outside its domain in {render(node)}")


def _identity_sym(node: Node, env: dict) -> bool:
    return isinstance(node, Sym) and node.name == "I" and node.key not in env


def _is_zero(node: Node) -> bool:
    return isinstance(node, Num) and _number(node.value) == 0


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _tdot(t: np.ndarray | None, weights: np.ndarray) -> np.ndarray | None:
    """The tangent of sum(weights * value) for constant weights: (k, 1, 1)."""
    return None if t is None else np.einsum("tij,ij->t", t, weights)[:, None, None]


def _sigmoid(a):
    return 0.5 * (1.0 + np.tanh(0.5 * a))


_erf = np.vectorize(math.erf, otypes=[float])

# (f, f') for the functions applied entry by entry; f' takes (a, f(a))
_ELEMENTWISE = {
    "exp": (np.exp, lambda a, v: v),
    "ln": (np.log, lambda a, v: 1.0 / a),
    "log": (np.log, lambda a, v: 1.0 / a),
    "lg": (np.log10, lambda a, v: 1.0 / (a * math.log(10))),
    "sqrt": (np.sqrt, lambda a, v: 0.5 / v),
    "sin": (np.sin, lambda a, v: np.cos(a)),
    "cos": (np.cos, lambda a, v: -np.sin(a)),
    "tan": (np.tan, lambda a, v: 1.0 + v * v),
    "cot": (lambda a: 1.0 / np.tan(a), lambda a, v: -(1.0 + v * v)),
    "sec": (lambda a: 1.0 / np.cos(a), lambda a, v: v * np.tan(a)),
    "csc": (lambda a: 1.0 / np.sin(a), lambda a, v: -v / np.tan(a)),
    "sinh": (np.sinh, lambda a, v: np.cosh(a)),
    "cosh": (np.cosh, lambda a, v: np.sinh(a)),
    "tanh": (np.tanh, lambda a, v: 1.0 - v * v),
    "arcsin": (np.arcsin, lambda a, v: 1.0 / np.sqrt(1.0 - a * a)),
    "arccos": (np.arccos, lambda a, v: -1.0 / np.sqrt(1.0 - a * a)),
    "arctan": (np.arctan, lambda a, v: 1.0 / (1.0 + a * a)),
    "sigmoid": (_sigmoid, lambda a, v: v * (1.0 - v)),
    "relu": (lambda a: np.maximum(a, 0.0), lambda a, v: (a > 0).astype(float)),
    "ReLU": (lambda a: np.maximum(a, 0.0), lambda a, v: (a > 0).astype(float)),
    "abs": (np.abs, lambda a, v: np.sign(a)),
    "sign": (np.sign, lambda a, v: np.zeros_like(a)),
    "sgn": (np.sign, lambda a, v: np.zeros_like(a)),
    "erf": (_erf, lambda a, v: 2.0 / math.sqrt(math.pi) * np.exp(-a * a)),
}
_ELEMENTWISE.update(elementwise.EXTRA_ELEMENTWISE)  # softplus, σ' (check/elementwise.py)
# functions that, applied to a square matrix, may mean the matrix function (expm, logm,
# sqrtm …) as well as the entries one by one: there the reading is left undecided
_MATRIX_FUNCTIONS = frozenset({"exp", "ln", "log", "lg", "sqrt", "sin", "cos", "tan", "sinh", "cosh", "tanh"})
_DOMAIN = {"ln": "log", "log": "log", "lg": "log", "sqrt": "square root", "arcsin": "arcsin", "arccos": "arccos"}


# --------------------------------------------------------------------------- the evaluator


_METHODS: dict[type, object] = {}  # node type -> _Forward method that evaluates it


class _Forward:
    """Walks a tree once, carrying values and (when ``wrt`` is set) tangents."""

    def __init__(self, env: dict[str, np.ndarray], wrt: str | None, deriv: DerivCallback | None):
        self.env = env
        self.wrt = wrt
        self.deriv = deriv
        self.wrt_shape = (0, 0)
        if wrt is not None:
            self.wrt_shape = np.shape(self._lookup(wrt))
            if len(self.wrt_shape) != 2:
                raise Unsupported(f"value of {wrt} is not a 2-D array")
        self.k = self.wrt_shape[0] * self.wrt_shape[1]
        self.directions: dict[str, np.ndarray] | None = None  # a differential's: key -> (1, r, s) tangent

    def _lookup(self, key: str) -> np.ndarray:
        value = np.asarray(self.env[key], dtype=float)
        if value.ndim == 0:
            value = value.reshape(1, 1)
        if value.ndim != 2:
            raise Unsupported(f"value of {key} is not a 2-D array")
        return value

    def run(self, node: Node) -> _D:
        try:
            return self.ev(node)
        except _NoSize as err:
            raise Unsupported(str(err)) from None
        except np.linalg.LinAlgError as err:
            raise DomainError(node, f"linear algebra failed in {render(node)}: {err}") from None
        except RecursionError:
            raise Unsupported("expression nested too deeply") from None

    def ev(self, node: Node, hint: int | None = None) -> _D:
        tick()  # a safe point of the time budget (budget.py)
        method = _METHODS.get(type(node))
        if method is None:
            method = getattr(_Forward, "_" + type(node).__name__, None)
            if method is None:
                raise Unsupported(_UNSUPPORTED.get(type(node), f"{type(node).__name__.lower()} cannot be evaluated"))
            _METHODS[type(node)] = method
        return method(self, node, hint)

    # ---------------------------------------------------------------- leaves

    def _Sym(self, node: Sym, hint):
        key = node.key
        if key in self.env:
            value = self._lookup(key)
            if key == self.wrt:
                r, s = value.shape
                return _D(value, np.eye(self.k).reshape(self.k, r, s))
            directions = self.directions
            if directions is not None and key in directions:
                return _D(value, directions[key])
            return _D(value)
        if node.name == "I":
            if hint is None:
                raise _NoSize(f"the size of {key} is unknown")
            return _D(np.eye(hint))
        raise Unsupported(f"no value for {key}")

    def _Differential(self, node: Differential, hint):
        """d F: the change of F when each symbol X whose differential dX the claim writes moves by
        dX (a value of X's shape in ``env`` under DIFFERENTIAL + key); the other symbols stay."""
        if self.wrt is not None or self.directions is not None:
            raise Unsupported("a differential inside a derivative or a differential")
        directions = {
            key[len(DIFFERENTIAL) :]: np.asarray(value, dtype=float)[None]
            for key, value in self.env.items() if key.startswith(DIFFERENTIAL)
        }  # fmt: skip
        if not directions:
            raise Unsupported("a differential whose variables are not known")
        inner = _Forward(self.env, None, self.deriv)
        inner.k = 1
        inner.directions = directions
        out = inner.ev(node.arg, hint)
        return _D(np.zeros_like(out.v) if out.t is None else out.t[0])

    def _Num(self, node: Num, hint):
        value = _number(node.value)
        if value is None:
            raise Unsupported(f"number {node.value!r} cannot be read")
        return _D(np.array([[value]]))

    def _Deriv(self, node: Deriv, hint):
        if self.deriv is None:
            raise Unsupported(f"derivative {render(node)} inside an expression")
        value = np.asarray(self.deriv(node), dtype=float)
        if value.ndim != 2:
            value = np.atleast_2d(value)
        return _D(value)

    # ---------------------------------------------------------------- sums

    def _Neg(self, node: Neg, hint):
        a = self.ev(node.arg, hint)
        return _D(-a.v, None if a.t is None else -a.t)

    def _Add(self, node: Add, hint):
        done: list[tuple[Node, _D]] = []
        later: list[Node] = []
        for term in node.terms:
            if _is_zero(term) or (isinstance(term, Neg) and _is_zero(term.arg)):
                later.append(term)  # a 0 takes the shape of the other terms
                continue
            try:
                done.append((term, self.ev(term, hint)))
            except _NoSize:
                later.append(term)
        if later:
            if done:
                first = done[0][1].v
                if first.shape[0] != first.shape[1] and any(not _is_zero(_unneg(t)) for t in later):
                    raise ShapeMismatch(node, f"identity added to {render(done[0][0])} ({_shape(first)})")
                size = first.shape[0]
            elif hint is not None:
                size = hint
            elif all(_is_zero(_unneg(t)) for t in later):
                size = None
            else:
                raise _NoSize("the size of I is unknown")
            for term in later:
                if _is_zero(_unneg(term)):
                    shape = done[0][1].v.shape if done else (size or 1, size or 1)
                    done.append((term, _D(np.zeros(shape))))
                else:
                    done.append((term, self.ev(term, size)))
        done = _broadcast_numbers(done)
        term0, total = done[0]
        value, tangent = total.v, total.t
        for term, part in done[1:]:
            if part.v.shape != value.shape:
                raise ShapeMismatch(
                    node, f"cannot add {render(term)} ({_shape(part.v)}) to {render(term0)} ({_shape(value)})"
                )
            value = value + part.v
            tangent = _tadd(tangent, part.t)
        return _D(value, tangent)

    # ---------------------------------------------------------------- products

    def _Mul(self, node: Mul, hint):
        factors, ops = node.factors, node.ops
        plain = ("", "cdot", "*")
        # an identity with no value of its own is absorbed by its neighbours
        absorbed = [
            i for i, f in enumerate(factors)
            if _identity_sym(f, self.env) and (i == 0 or ops[i - 1] in plain) and (i == len(ops) or ops[i] in plain)
        ]  # fmt: skip
        edge = any(i in (0, len(factors) - 1) for i in absorbed)
        keep = [i for i in range(len(factors)) if i not in absorbed]
        if not keep:
            if hint is None:
                raise _NoSize("the size of I is unknown")
            return _D(np.eye(hint))
        acc = self._chain(node, [factors[i] for i in keep], [ops[i - 1] for i in keep[1:]])
        if absorbed and edge and _is_scalar(acc.v):
            if hint is None:
                raise _NoSize("the size of I is unknown")
            eye = np.eye(hint)
            acc = _D(acc.v[0, 0] * eye, None if acc.t is None else acc.t * eye)
        return acc

    def _chain(self, node: Mul, factors: list[Node], ops: list[str]) -> _D:
        """Left to right; where that fails, a rest that is 1×1 (B x^T A x) scales what came before."""
        acc = self.ev(factors[0])
        for i in range(1, len(factors)):
            right = self.ev(factors[i])
            try:
                acc = self._product(node, ops[i - 1], acc, right, factors[:i], factors[i])
            except ShapeMismatch:
                if ops[i - 1] not in ("", "cdot", "*") or i == len(factors) - 1:
                    raise
                rest = self._chain(node, factors[i:], ops[i:])
                if not _is_scalar(rest.v):
                    raise
                return _scalar_times(acc, rest)
        return acc

    def _product(self, node: Node, op: str, a: _D, b: _D, left: list[Node], right_node: Node) -> _D:
        """``a op b``, where ``a`` is the value of the factors ``left`` (named only in errors)."""

        def mismatch(what: str):
            shown = " ".join(render(f) for f in left)
            return ShapeMismatch(
                node, f"cannot {what} {shown} ({_shape(a.v)}) and {render(right_node)} ({_shape(b.v)})"
            )

        if op == "/":
            if not _is_scalar(b.v):
                raise mismatch("divide")
            return _divide(node, a, b)
        if op in ("odot", "circ"):
            if _is_scalar(a.v) or _is_scalar(b.v):
                return _scalar_times(a, b)
            if a.v.shape != b.v.shape:
                raise mismatch("take the Hadamard product of")
            return _D(a.v * b.v, _tadd(_tscale(a.t, b.v), _tscale(b.t, a.v)))
        if op == "otimes":
            if (1 in a.v.shape or 1 in b.v.shape) and not (_is_scalar(a.v) or _is_scalar(b.v)):
                raise Unsupported("⊗ with a vector: the Kronecker or the element-wise product")
            return _kron(a, b, self.k)
        if op in ("ast", "star", "bullet") and not (_is_scalar(a.v) or _is_scalar(b.v)):
            raise Unsupported(f"\\{op} between matrices: its meaning is the note's own")
        if op in ("", "cdot", "*", "times"):
            if _is_scalar(a.v) or _is_scalar(b.v):
                return _scalar_times(a, b)
            if a.v.shape[1] == b.v.shape[0]:
                return _matmul(a, b)
            if op == "cdot" and a.v.shape == b.v.shape and a.v.shape[1] == 1:
                return _inner(a, b)  # a · b of two column vectors: the dot product
            if op == "times" and a.v.shape == b.v.shape and a.v.shape in ((3, 1), (1, 3)):
                return _cross(a, b)
            if op == "" and a.v.shape == b.v.shape and 1 in a.v.shape and elementwise.entrywise_inside([*left, right_node]):
                raise Unsupported("two vectors side by side under an entrywise function: the element-wise product?")
            raise mismatch("multiply")
        if op == "quad":
            raise Unsupported(SPACED_APART)
        raise Unsupported(f"product operator {op} is not supported")

    def _Div(self, node: Div, hint):
        a = self.ev(node.num, hint)
        b = self.ev(node.den)
        if not _is_scalar(b.v):
            raise ShapeMismatch(node, f"cannot divide by {render(node.den)} ({_shape(b.v)}), which is not a scalar")
        return _divide(node, a, b)

    def _Inner(self, node: Inner, hint):
        a, b = self.ev(node.a), self.ev(node.b)
        if a.v.shape != b.v.shape:
            raise ShapeMismatch(
                node, f"inner product of {render(node.a)} ({_shape(a.v)}) and {render(node.b)} ({_shape(b.v)})"
            )
        return _inner(a, b)

    # ---------------------------------------------------------------- transposes, inverses, powers

    def _Transpose(self, node: Transpose, hint):
        a = self.ev(node.arg, hint)
        return _D(a.v.T, None if a.t is None else a.t.transpose(0, 2, 1))

    def _Inverse(self, node: Inverse, hint):
        a = self.ev(node.arg, hint)
        out = _inverse(node, node.arg, a)
        if node.transposed:
            return _D(out.v.T, None if out.t is None else out.t.transpose(0, 2, 1))
        return out

    def _Pow(self, node: Pow, hint):
        base = self.ev(node.base, hint)
        e = self.ev(node.exp)
        if not _is_scalar(e.v):
            raise ShapeMismatch(node, f"exponent {render(node.exp)} is {_shape(e.v)}, not a scalar")
        ev = float(e.v[0, 0])
        if _is_scalar(base.v):
            return _scalar_power(node, base, e)
        if base.v.shape[0] != base.v.shape[1]:
            raise ShapeMismatch(node, f"power of {render(node.base)}, which is {_shape(base.v)}, not square")
        if e.t is not None or ev != round(ev):
            raise Unsupported(f"non-integer power of the matrix {render(node.base)}")
        n = int(round(ev))
        if n < 0:
            base, n = _inverse(node, node.base, base), -n
        return _matrix_power(base, n, self.k)

    # ---------------------------------------------------------------- functions

    def _Func(self, node: Func, hint):
        name = node.name
        if name == "log" and node.sub is not None:
            if len(node.args) != 1:
                raise Unsupported(f"{name} with {len(node.args)} arguments")
            base = self.ev(node.sub)
            if not _is_scalar(base.v):
                raise ShapeMismatch(node, f"logarithm base {render(node.sub)} is not a scalar")
            return _divide(node, self._ln(node, node.args[0]), _apply(node, "ln", base))
        if name == "entry" and len(node.args) == 3:  # entry (r, c) of a vector or matrix, tied to it
            whole = self.ev(node.args[0])
            r, c = (int(_number(n.value)) for n in node.args[1:])
            if not (0 <= r < whole.v.shape[0] and 0 <= c < whole.v.shape[1]):
                raise Unsupported(f"entry ({r + 1}, {c + 1}) of {render(node.args[0])} ({_shape(whole.v)})")
            return _D(whole.v[r : r + 1, c : c + 1], None if whole.t is None else whole.t[:, r : r + 1, c : c + 1])
        if name == schematic.PARTIAL:  # ∂f/∂x_k in a written-out pattern: entry k of ∂f/∂x
            deriv, k = node.args
            picked = schematic.partial_value(self.ev(deriv).v, self._lookup(deriv.wrt[0].key), int(k.value), 1)
            if picked is None:
                raise Unsupported(f"∂/∂{deriv.wrt[0].key}_{k.value} of a value that is not a scalar")
            return _D(picked)
        if node.sub is not None:
            raise Unsupported(f"{name} with a subscript is not supported")
        if len(node.args) != 1:
            raise Unsupported(f"{name} with {len(node.args)} arguments is not supported")
        arg = node.args[0]
        if name in ("ln", "log"):
            return self._ln(node, arg)
        if name in _ELEMENTWISE:
            return _apply(node, name, _not_square(node, name, arg, self.ev(arg)))
        a = self.ev(arg)
        if name in ("tr", "etr"):
            _need_square(node, arg, a, "trace")
            t = _D(np.trace(a.v).reshape(1, 1), None if a.t is None else np.trace(a.t, axis1=1, axis2=2)[:, None, None])
            return _apply(node, "exp", t) if name == "etr" else t
        if name == "det":
            return _det(node, arg, a)
        if name == "logdet":
            return _logdet(node, arg, a, absolute=False)
        if name == "adj":
            if a.v.shape == (1, 1):
                return _D(np.ones((1, 1)))
            return _scalar_times(_det(node, arg, a), _inverse(node, arg, a))
        if name in ("diag", "Diag"):
            return _diag(a, self.k)
        if name == "vec":
            p, q = a.v.shape
            return _D(a.v.T.reshape(p * q, 1), None if a.t is None else a.t.transpose(0, 2, 1).reshape(-1, p * q, 1))
        if name == "softmax":
            return _softmax(node, arg, a)
        if name in elementwise.LOG_SOFTMAX:
            return _apply(node, "ln", _softmax(node, arg, a))
        raise Unsupported(f"function {name} is not supported")

    def _ln(self, node: Func, arg: Node) -> _D:
        """The natural log; ln |X| of a matrix is log |det X|, which holds for any invertible X."""
        if isinstance(arg, Abs):
            inner = self.ev(arg.arg)
            if not _is_scalar(inner.v):
                _need_square(node, arg.arg, inner, "determinant")
                return _logdet(node, arg.arg, inner, absolute=True)
            return _apply(node, "ln", _apply(node, "abs", inner))
        return _apply(node, "ln", _not_square(node, "ln", arg, self.ev(arg)))

    def _Call(self, node: Call, hint):
        raise Unsupported(f"function {render(node.func)} has no definition")

    def _Norm(self, node: Norm, hint):
        a = self.ev(node.arg)
        sub = (node.sub or "").strip("{}\\ ")
        vector = 1 in a.v.shape
        if sub in ("", "2", "F") and (vector or sub != "2"):
            return _two_norm(node, a)
        if sub == "1" and vector:
            return _D(np.abs(a.v).sum().reshape(1, 1), _tdot(a.t, np.sign(a.v)))
        if sub in ("infty", "inf", "∞") and vector:
            idx = np.unravel_index(np.argmax(np.abs(a.v)), a.v.shape)
            pick = np.zeros_like(a.v)
            pick[idx] = np.sign(a.v[idx])
            return _D(np.abs(a.v[idx]).reshape(1, 1), _tdot(a.t, pick))
        if sub == "2" and not vector:
            raise Unsupported("‖·‖_2 of a matrix: the spectral norm, or the Frobenius norm many notes mean")
        if sub == "*" and not vector:
            u, sv, vt = np.linalg.svd(a.v)
            if sub == "2":
                value, direction = sv[0], np.outer(u[:, 0], vt[0])
            else:
                r = len(sv)
                value, direction = sv.sum(), u[:, :r] @ vt[:r]
            return _D(np.array([[value]]), _tdot(a.t, direction))
        raise Unsupported(f"norm ‖·‖_{sub or '2'} of a {_shape(a.v)} value is not supported")

    def _Abs(self, node: Abs, hint):
        a = self.ev(node.arg)
        if _is_scalar(a.v):
            return _apply(node, "abs", a)
        if a.v.shape[0] == a.v.shape[1]:
            return _det(node, node.arg, a)  # |X| of a matrix is its determinant
        raise Unsupported(f"|{render(node.arg)}| of a {_shape(a.v)} value is ambiguous")

    # ---------------------------------------------------------------- literals

    def _Matrix(self, node: Matrix, hint):
        if node.schematic:
            raise Unsupported("schematic matrix")
        if node.env == schematic.PATTERN_ENV:
            try:  # a pattern read from its written entries: what does not fit is a reading left unsure
                return self._entries(node)
            except ShapeMismatch as err:
                if isinstance(err, Unstacked):
                    raise
                raise Unsupported(f"a schematic matrix read as a pattern: {err.message}") from None
        return self._entries(node)

    def _entries(self, node: Matrix) -> _D:  # noqa: C901
        if not node.rows or any(len(row) != len(node.rows[0]) for row in node.rows):
            raise Unsupported("matrix with rows of different lengths")
        check_literal_size(len(node.rows), len(node.rows[0]))
        cells: list[list[_D | None]] = []
        for row in node.rows:
            out = []
            for cell in row:
                if _is_zero(cell) or _identity_sym(cell, self.env):
                    out.append(None)  # sized by its row and column
                else:
                    out.append(self.ev(cell))
            cells.append(out)
        known = [c for row in cells for c in row if c is not None]
        if node.env == schematic.PATTERN_ENV and not all(_is_scalar(c.v) for c in known):
            stacked = _stacked(node, known)
            if stacked is False:  # a column of columns: in this layout the blocks stack into no matrix
                raise Unstacked(node, "a pattern of derivatives that are vectors along its own direction")
            if stacked is None:
                raise Unsupported("a schematic matrix whose entries are not numbers")
        if known and all(_is_scalar(c.v) for c in known):
            for i, row in enumerate(node.rows):
                for j, cell in enumerate(row):
                    if cells[i][j] is None:
                        cells[i][j] = self.ev(cell, 1)
            return _assemble(cells, self.k)
        heights = [next((c.v.shape[0] for c in row if c is not None), None) for row in cells]
        widths = [next((cells[i][j].v.shape[1] for i in range(len(cells)) if cells[i][j] is not None), None)
                  for j in range(len(cells[0]))]  # fmt: skip
        for i, row in enumerate(node.rows):
            for j, cell in enumerate(row):
                if cells[i][j] is not None:
                    if cells[i][j].v.shape != (heights[i], widths[j]):
                        where = f"row {i + 1} is {heights[i]} high and column {j + 1} {widths[j]} wide"
                        raise ShapeMismatch(node, f"block {render(cell)} is {_shape(cells[i][j].v)} where {where}")
                    continue
                if heights[i] is None or widths[j] is None:
                    raise Unsupported(f"size of block {render(cell)} is unknown")
                if _is_zero(cell):
                    cells[i][j] = _D(np.zeros((heights[i], widths[j])))
                elif heights[i] != widths[j]:
                    raise ShapeMismatch(node, f"identity block in a {heights[i]}×{widths[j]} position")
                else:
                    cells[i][j] = self.ev(cell, heights[i])
        return _assemble(cells, self.k)

    def _Tuple(self, node: Tuple, hint):
        items = [self.ev(item) for item in node.items]
        if any(it.v.shape[0] != items[0].v.shape[0] for it in items):
            raise ShapeMismatch(node, "a list of items with different numbers of rows")
        return _assemble([items], self.k)


_UNSUPPORTED = {
    Sum: "sum with symbolic limits",
    Dots: "schematic expression (dots)",
    Cases: "piecewise definition",
}


def _broadcast_numbers(done: list) -> list:
    """A written number among vectors of one shape (1 − σ(z)) in every entry (elementwise.broadcast_number)."""
    if len(done) < 2:
        return done
    vectors = [part.v for _, part in done if part.v.shape != (1, 1)]
    if not vectors or any(v.shape != vectors[0].shape for v in vectors):
        return done
    out = []
    for term, part in done:
        wide = elementwise.broadcast_number(term, part.v, vectors[0]) if part.t is None else None
        out.append((term, _D(wide)) if wide is not None else (term, part))
    return out


def _not_square(node: Node, name: str, arg: Node, a: _D) -> _D:
    """``a`` unless it is a square matrix under a function with a matrix meaning (e^X)."""
    p, q = a.v.shape
    if name in _MATRIX_FUNCTIONS and p == q > 1:
        raise Unsupported(f"{name} of the square matrix {render(arg)}: entry by entry or the matrix function?")
    return a


def _unneg(node: Node) -> Node:
    return node.arg if isinstance(node, Neg) else node


# --------------------------------------------------------------------------- operations on (value, tangent)


def _scalar_times(a: _D, b: _D) -> _D:
    """A (1, 1) value times anything."""
    if _is_scalar(a.v) and not _is_scalar(b.v):
        s, m = a, b
    elif _is_scalar(b.v):
        s, m = b, a
    else:
        s, m = a, b
    sv = s.v[0, 0]
    return _D(sv * m.v, _tadd(_tscale(s.t, m.v), _tscale(m.t, sv)))


def _divide(node: Node, a: _D, b: _D) -> _D:
    bv = b.v[0, 0]
    if bv == 0:
        raise DomainError(node, f"division by zero in {render(node)}")
    value = a.v / bv
    tangent = _tadd(_tscale(a.t, 1.0 / bv), None if b.t is None else -b.t * (value / bv))
    return _D(value, tangent)


def _inner(a: _D, b: _D) -> _D:
    value = np.array([[np.sum(a.v * b.v)]])
    t = None
    if a.t is not None:
        t = np.einsum("tij,ij->t", a.t, b.v)
    if b.t is not None:
        t = _tadd(t, np.einsum("tij,ij->t", b.t, a.v))
    return _D(value, None if t is None else t[:, None, None])


def _cross(a: _D, b: _D) -> _D:
    axis = -1 if a.v.shape == (1, 3) else -2
    value = np.cross(a.v, b.v, axis=axis)
    t = None
    if a.t is not None:
        t = np.cross(a.t, b.v, axis=axis)
    if b.t is not None:
        t = _tadd(t, np.cross(a.v, b.t, axis=axis))
    return _D(value, t)


def _kron(a: _D, b: _D, k: int) -> _D:
    (ma, na), (mb, nb) = a.v.shape, b.v.shape
    t = None
    if a.t is not None:
        t = np.einsum("tik,jl->tijkl", a.t, b.v).reshape(k, ma * mb, na * nb)
    if b.t is not None:
        t = _tadd(t, np.einsum("ik,tjl->tijkl", a.v, b.t).reshape(k, ma * mb, na * nb))
    return _D(np.kron(a.v, b.v), t)


_SINGULAR_COND = 1e10  # max|A|·max|A⁻¹| (about its condition number): beyond it the inverse is rounding noise


def _need_square(node: Node, arg: Node, a: _D, what: str) -> None:
    if a.v.shape[0] != a.v.shape[1]:
        raise ShapeMismatch(node, f"{what} of {render(arg)}, which is {_shape(a.v)}, not square")


def _inverse(node: Node, arg: Node, a: _D) -> _D:
    _need_square(node, arg, a, "inverse")
    try:
        inv = np.linalg.inv(a.v)
    except np.linalg.LinAlgError:
        raise DomainError(node, f"{render(arg)} is singular") from None
    if a.v.shape[0] > 1 and np.abs(a.v).max() * np.abs(inv).max() > _SINGULAR_COND:
        raise DomainError(node, f"{render(arg)} is singular")  # XᵀX with X wider than tall: singular but for rounding
    _checked(node, "inverse", inv)
    return _D(inv, None if a.t is None else -(inv @ a.t @ inv))


def _matrix_power(base: _D, n: int, k: int) -> _D:
    size = base.v.shape[0]
    result = _D(np.eye(size))
    square = base
    while n:
        if n & 1:
            result = _matmul(result, square)
        n >>= 1
        if n:
            square = _matmul(square, square)
    return result


def _matmul(a: _D, b: _D) -> _D:
    return _D(a.v @ b.v, _tadd(None if a.t is None else a.t @ b.v, None if b.t is None else a.v @ b.t))


_NO_ERRSTATE = contextlib.nullcontext()  # reusable: it holds no state


def _scalar_power(node: Pow, base: _D, e: _D) -> _D:
    b, x = float(base.v[0, 0]), float(e.v[0, 0])
    # without tangents all below is arithmetic of Python floats: nothing for errstate to silence
    with _NO_ERRSTATE if e.t is None and base.t is None else np.errstate(all="ignore"):
        if e.t is None and x == round(x):
            n = int(round(x))
            if n < 0 and b == 0:
                raise DomainError(node, f"zero to a negative power in {render(node)}")
            value = b**n
            slope = n * b ** (n - 1) if n != 0 else 0.0
            return _D(np.array([[value]]), _tscale(base.t, slope))
        if b < 0 or (b == 0 and (x < 1 or e.t is not None)):
            raise DomainError(node, f"power of a non-positive base in {render(node)}")
        value = b**x
        t = _tscale(base.t, x * b ** (x - 1)) if b != 0 else None
        if e.t is not None:
            t = _tadd(t, e.t * (value * math.log(b)))
    return _D(np.array([[value]]), t)


def _apply(node: Node, name: str, a: _D) -> _D:
    f, fprime = _ELEMENTWISE[name]
    with np.errstate(all="ignore"):
        value = f(a.v)
        _checked(node, _DOMAIN.get(name, name), value)
        if a.t is None:
            return _D(value)
        slope = fprime(a.v, value)
    _checked(node, _DOMAIN.get(name, name), slope)
    return _D(value, a.t * slope)


def _adjugate(x: np.ndarray) -> np.ndarray:
    """adj(X) by cofactors, for a singular X (adj X = det X · X⁻¹ otherwise)."""
    n = x.shape[0]
    cof = np.empty_like(x)
    for i in range(n):
        for j in range(n):
            minor = np.delete(np.delete(x, i, axis=0), j, axis=1)
            cof[i, j] = (-1) ** (i + j) * (np.linalg.det(minor) if minor.size else 1.0)
    return cof.T


def _det(node: Node, arg: Node, a: _D) -> _D:
    _need_square(node, arg, a, "determinant")
    d = float(np.linalg.det(a.v))
    if a.t is None:
        return _D(np.array([[d]]))
    try:
        grad = d * np.linalg.inv(a.v)  # adj(X) = det X · X⁻¹, d det X = tr(adj(X) dX)
        if not np.all(np.isfinite(grad)):
            raise np.linalg.LinAlgError
    except np.linalg.LinAlgError:
        grad = _adjugate(a.v)
    return _D(np.array([[d]]), np.einsum("ij,tji->t", grad, a.t)[:, None, None])


def _logdet(node: Node, arg: Node, a: _D, absolute: bool) -> _D:
    _need_square(node, arg, a, "determinant")
    sign, value = np.linalg.slogdet(a.v)
    if sign == 0 or (sign < 0 and not absolute):
        raise DomainError(node, f"log of a non-positive determinant in {render(node)}")
    if a.t is None:
        return _D(np.array([[value]]))
    inv = np.linalg.inv(a.v)
    return _D(np.array([[value]]), np.einsum("ij,tji->t", inv, a.t)[:, None, None])


def _two_norm(node: Node, a: _D) -> _D:
    n = math.sqrt(float(np.sum(a.v * a.v)))
    if a.t is None:
        return _D(np.array([[n]]))
    if n == 0:
        raise DomainError(node, f"norm at zero in {render(node)} has no derivative")
    return _D(np.array([[n]]), (np.einsum("tij,ij->t", a.t, a.v) / n)[:, None, None])


def _diag(a: _D, k: int) -> _D:
    p, q = a.v.shape
    if p == 1 or q == 1:  # a vector becomes a diagonal matrix
        n = p * q
        value = np.diag(a.v.reshape(n))
        if a.t is None:
            return _D(value)
        t = np.zeros((k, n, n))
        idx = np.arange(n)
        t[:, idx, idx] = a.t.reshape(k, n)
        return _D(value, t)
    value = np.diagonal(a.v).reshape(-1, 1).copy()  # a matrix gives the column of its diagonal
    return _D(value, None if a.t is None else np.diagonal(a.t, axis1=1, axis2=2)[..., None].copy())


def _softmax(node: Node, arg: Node, a: _D) -> _D:
    if 1 not in a.v.shape:
        raise Unsupported(f"softmax of the matrix {render(arg)}: the axis is unknown")
    z = np.exp(a.v - a.v.max())
    s = z / z.sum()
    if a.t is None:
        return _D(s)
    weighted = np.einsum("tij,ij->t", a.t, s)[:, None, None]
    return _D(s, s * (a.t - weighted))


def _stacked(node: Matrix, known: list) -> bool | None:
    """A pattern written as a column of derivatives that are rows (∂⟨r_k, x⟩/∂x in the numerator
    layout), or a row of derivatives that are columns: True, they stack into the matrix a reader
    reads. False for a column of such columns (a row of rows): in this layout they stack into no
    matrix. None for any other pattern of non-numbers (not read)."""
    cells = [cell for row in node.rows for cell in row]
    if not cells or not all(isinstance(c, Deriv) for c in cells) or len(known) != len(cells):
        return None
    shapes = {c.v.shape for c in known}
    if len(shapes) != 1:
        return None
    (h, w), = shapes
    if 1 not in (h, w) or h == w:
        return None
    if all(len(row) == 1 for row in node.rows):
        return h == 1
    if len(node.rows) == 1:
        return w == 1
    return None


def _assemble(cells: list[list[_D]], k: int) -> _D:
    value = np.block([[c.v for c in row] for row in cells])
    if all(c.t is None for row in cells for c in row):
        return _D(value)
    t = np.block([[c.t if c.t is not None else np.zeros((k, *c.v.shape)) for c in row] for row in cells])
    return _D(value, t)



class SeededGenerators:
    """``np.random.default_rng(seed)`` for one place that draws: a seed met before gets one
    generator again with its bit generator set back to that seed's first state (the same draws:
    the state is all a Generator holds), skipping the seeding (~15 µs each, 1 % of a run: the
    truth check draws with the same seed for a claim's values and again for its unit-range
    values, the index check with two seeds only). The generator returned is the caller's until
    its next call: each place has its own, and no place draws again before it is done."""

    LIMIT = 4096  # seeds remembered (a state is a small dict); all forgotten at once past it

    def __init__(self):
        self._generator = None
        self._states: dict = {}

    def __call__(self, seed: int):
        state = self._states.get(seed)
        if state is None or self._generator is None:
            generator = np.random.default_rng(seed)
            if len(self._states) >= self.LIMIT:
                self._states.clear()
            self._states[seed] = generator.bit_generator.state
            self._generator = generator
            return generator
        generator = self._generator
        generator.bit_generator.state = state
        return generator

if __name__ == "__main__":  # micro-benchmark: python -m derivlint.check.numeric
    import timeit

    from derivlint.math.lexer import lex
    from derivlint.math.parser import sub_parse

    rng = np.random.default_rng(0)
    cases = [
        ("x^T A x", {"x": rng.normal(size=(4, 1)), "A": rng.normal(size=(4, 4))}, "x"),
        (r"\log\det X", {"X": rng.normal(size=(4, 4)) + 4 * np.eye(4)}, "X"),
        (r"\operatorname{tr}(A X^{-1} B)",
         {"X": rng.normal(size=(5, 5)) + 5 * np.eye(5), "A": rng.normal(size=(3, 5)), "B": rng.normal(size=(5, 3))}, "X"),
        (r"\|A x - b\|_2^2",
         {"x": rng.normal(size=(4, 1)), "A": rng.normal(size=(3, 4)), "b": rng.normal(size=(3, 1))}, "x"),
    ]
    for text, env, wrt in cases:
        tree = sub_parse(lex(text))
        n = 2000
        seconds = timeit.timeit(lambda: jacobian(tree, env, wrt), number=n) / n
        print(f"{text:40s} {seconds * 1e6:8.1f} µs per jacobian")
