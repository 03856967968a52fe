"""Second derivatives (∂²f/∂x∂xᵀ, d²y/dt², ∇²f(x)) read as derivatives of derivatives, ∇f(x) by f's argument, and outer derivatives by differences."""

from __future__ import annotations

import numpy as np

from derivlint.check.budget import tick
from derivlint.math.treeops import rebuild, symbols
from derivlint.math.tree import Call, Deriv, Node, Sym, Transpose

# How a second derivative was written, kept on the outer node of its nested form (a plain attribute:
# it survives the copies substitution makes). "same": by one variable and its transpose (the Hessian
# ∂²f/∂x∂xᵀ); "square": by one variable twice (∂²f/∂x², d²f/dt²); "mixed": by two variables (∂²f/∂x∂y);
# "nabla": ∇²_x f, which physics notes use for the Laplacian (the trace of the Hessian) as well.
MARK = "second_order"

# Central differences of the exact inner derivative, with one Richardson step: the error is O(h⁴)
# (none for a polynomial f of degree ≤ 5) and the rounding about 1e-16/h; estimates made with steps h
# and 2h must agree to AGREE (relative), else the values are not settled and the claim stays undecided.
STEP = 1e-3
AGREE = 1e-8


class Unsettled(Exception):
    """The second derivative cannot be read or evaluated here (the message says why)."""


def nested_form(side: Node | None) -> Node | None:
    """``side`` with every written second derivative made a derivative of a derivative: ∂²f/∂x∂xᵀ and
    ∂²f/∂x² as ∂/∂x(∂f/∂x), ∂²f/∂x∂y as ∂/∂x(∂f/∂y), ∇²_x f as ∇_x(∇_x f). Unsettled for a form
    with no such reading (third derivatives, a variable that is not a symbol, ∇² inside an expression)."""
    if side is None or Deriv not in map(type, side.walk()):  # both forms are derivatives: a test at C speed first
        return side
    if not any(_second(n) or _bare_nabla(n) for n in side.walk()):
        return side
    return _Nest(side).visit(side)


def _second(n: Node) -> bool:
    return isinstance(n, Deriv) and n.num is not None and len(n.wrt) >= 2


def _bare_nabla(n: Node) -> bool:
    """∇f(x), ∇²f(x): ∇ without a variable below it, of a function applied to one symbol."""
    return isinstance(n, Deriv) and n.op == "nabla" and not n.wrt and argument(n) is not None


def argument(n: Deriv) -> Sym | None:
    """x of ∇f(x) (also x_t of ∇L(x_t)): the variable a bare ∇ takes, the one argument of the function
    it is applied to; None for ∇(xᵀAx), ∇f, ∇f(x, y), ∇f(x + h), where the note does not write it."""
    num = n.num
    if isinstance(num, Call) and isinstance(num.func, Sym) and len(num.args) == 1 and isinstance(num.args[0], Sym):
        return num.args[0]
    return None


def _variable(w: Node) -> Sym | None:
    """x for x and xᵀ (∂x∂xᵀ: the transpose only says which way the Hessian is laid out)."""
    if isinstance(w, Transpose) and w.mark != "prime":
        w = w.arg
    return w if isinstance(w, Sym) else None


class _Nest:
    def __init__(self, side: Node):
        self.side = side

    def visit(self, n: Node) -> Node:
        if _bare_nabla(n):
            return self._nabla(n)
        if not _second(n):
            return rebuild(n, self.visit) if n.children() else n
        if len(n.wrt) > 2:
            raise Unsettled(f"a derivative of order {len(n.wrt)} is not evaluated")
        a, b = (_variable(w) for w in n.wrt)
        if a is None or b is None:
            raise Unsettled("a second derivative by something that is not a variable")
        if n.op == "nabla":
            if n is not self.side:  # (∇²f)^{-1}∇f, ∇²u + k²u: a Hessian or a Laplacian, both readings fit
                raise Unsettled("∇² inside an expression: the Hessian or the Laplacian")
            if a.key != b.key:
                raise Unsettled("∇ with two variables in its subscript")
        num = self.visit(n.num)
        # ∂²f/∂x∂y = ∂/∂x(∂f/∂y): the variable written last is taken first (Schwarz: the order does not
        # matter where the draws can decide, both variables scalars)
        inner = Deriv(n.start, n.end, num, [b], n.op, n.sloppy, n.label)
        outer = Deriv(n.start, n.end, inner, [a], n.op, n.sloppy, n.label)
        if n.op == "nabla":
            mark = "nabla"
        elif a.key != b.key:
            mark = "mixed"
        else:  # ∂²f/∂x∂xᵀ says a matrix; ∂²f/∂x² of a vector x is read so too, where nothing else fits
            mark = "same" if any(isinstance(w, Transpose) for w in n.wrt) else "square"
        setattr(outer, MARK, mark)
        return outer


    def _nabla(self, n: Deriv) -> Node:
        """∇f(x) as ∂f(x)/∂x, taken in either layout: notes write the gradient as a column or as a row
        (its claims are kept out of the layout's votes and findings, truth.Outcome.gradient); ∇²f(x)
        as the Hessian ∇(∇f(x)), with the Laplacian's reservations."""
        x = argument(n)
        order = getattr(n, "unwritten_order", 1)
        if order == 1:
            return Deriv(n.start, n.end, self.visit(n.num), [x], "partial")
        if order != 2:
            raise Unsettled(f"a derivative of order {order} is not evaluated")
        hessian = Deriv(n.start, n.end, n.num, [x, x], "nabla", label=True)
        if n is self.side:
            self.side = hessian  # the whole side still: compared as a whole, the Hessian and the Laplacian differ in shape
        return self.visit(hessian)


def depends(node: Deriv, wrt: str) -> bool:
    """Whether a derivative inside ``node``'s numerator varies with ``wrt``: then its value is no constant
    of the derivative by ``wrt`` (∂/∂x(∂f/∂x)), and forward mode, which holds it fixed, cannot be used."""
    if node.num is None:
        return False
    return any(
        isinstance(d, Deriv) and d.num is not None and (wrt in symbols(d.num) or any(
            isinstance(w, Sym) and w.key == wrt for w in d.wrt))
        for d in node.num.walk()
    )  # fmt: skip


def check_variables(node: Deriv, env: dict) -> None:
    """Unsettled when a second derivative by two variables mixes vectors (∂²f/∂x∂yᵀ: which variable
    indexes the rows is a convention the note does not write)."""
    mark = getattr(node, MARK, None)
    if mark is None or not isinstance(node.num, Deriv):
        return
    keys = (node.wrt[0].key, node.num.wrt[0].key)
    if keys[0] != keys[1] and any(np.shape(env.get(k, np.zeros((1, 1)))) != (1, 1) for k in keys):
        raise Unsettled("a mixed second derivative by vectors: which one indexes the rows is a convention")


def other_reading(node: Node, value, other) -> str | None:
    """Why the Hessian ``value`` of the written second derivative ``node`` compared with ``other`` may be
    meant otherwise, or None: ∇²_x f beside a number may be the Laplacian (the Hessian's trace); a
    Hessian beside a number, the number times I written short; ∂²f/∂x² beside a vector, the Hessian's
    diagonal (the second derivatives entry by entry)."""
    mark = getattr(node, MARK, None)
    if mark is None or np.ndim(value) != 2 or np.size(value) <= 1:
        return None
    if np.size(other) == 1:
        if mark == "nabla":
            return "∇² compared with a scalar: the Laplacian, not the Hessian, may be meant"
        return "a Hessian compared with a number: the number may stand for a multiple of I"
    rows, cols = np.shape(value)
    if mark == "square" and rows == cols and np.ndim(other) == 2 and sorted(np.shape(other)) == [1, rows]:
        return "∂²f/∂x² compared with a vector: the second derivatives entry by entry may be meant"
    return None


def outer_jacobian(value, env: dict, wrt: str) -> np.ndarray:
    """The Jacobian J (p, q, r, s) of ``value(env)`` (a 2-D array) by the entries of env[wrt], by central
    differences with one Richardson step; Unsettled when steps h and 2h do not agree."""
    base = np.asarray(env[wrt], dtype=float)
    r, s = base.shape
    centre = np.asarray(value(env), dtype=float)
    p, q = centre.shape
    J = np.zeros((p, q, r, s))
    for c in range(r):
        for d in range(s):
            tick()
            h = STEP * max(1.0, abs(base[c, d]))
            slopes = [_slope(value, env, wrt, base, c, d, step) for step in (h / 2, h, 2 * h)]
            fine = (4 * slopes[0] - slopes[1]) / 3
            coarse = (4 * slopes[1] - slopes[2]) / 3
            scale = max(1.0, float(np.abs(fine).max()) if fine.size else 0.0)
            if fine.size and float(np.abs(fine - coarse).max()) > AGREE * scale:
                raise Unsettled("a second derivative the differences of its first one do not settle")
            J[:, :, c, d] = fine
    return J


def _slope(value, env: dict, wrt: str, base: np.ndarray, c: int, d: int, h: float) -> np.ndarray:
    plus, minus = base.copy(), base.copy()
    plus[c, d] += h
    minus[c, d] -= h
    hi = np.asarray(value({**env, wrt: plus}), dtype=float)
    lo = np.asarray(value({**env, wrt: minus}), dtype=float)
    return (hi - lo) / (2 * h)
