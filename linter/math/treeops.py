"""Operations on expression trees: free symbols, substitution, transposition."""

from __future__ import annotations

import dataclasses
import re

from derivlint.math.tree import (
    Add, Call, Deriv, Func, Inverse, Matrix, Mul, Neg, Node, Num, Pow, Sum, Sym, Transpose,
)  # fmt: skip


def symbols(node: Node | None) -> dict[str, Sym]:
    """Every symbol of a tree by key (the first occurrence), sum indices left out."""
    found: dict[str, Sym] = {}
    if node is None:
        return found
    bound: set[str] = set()
    for n in node.walk():  # by exact type (no node type has a subclass): this runs for every node
        kind = type(n)
        if kind is Sym:
            key = n.key
            if key not in found:
                found[key] = n
        elif kind is Call:
            if type(n.func) is Sym:
                found.setdefault(n.func.key, n.func)
        elif kind is Sum and n.index:
            bound.add(n.index)
    for key in bound:
        found.pop(key, None)
    return found


def has(node: Node | None, kind) -> bool:
    if node is None:
        return False
    if type(kind) is type and not kind.__subclasses__():  # a node type (none has a subclass): at C speed
        return kind in map(type, node.walk())
    return any(isinstance(n, kind) for n in node.walk())


def against_parenthesis(n: Mul, text: str) -> list[Node]:
    """The factors of ``n`` written right against an opening parenthesis, L(ST), χ^2(a) (``text``:
    the block the offsets point into): a name applied to an argument, or a factor times a group,
    which the product alone does not tell apart."""
    return [a for a, b in zip(n.factors, n.factors[1:]) if a.end == b.start and _OPENING.match(text, b.start)]


_OPENING = re.compile(r"(?:\\(?:left|bigl?|Bigl?|biggl?|Biggl?)\s*)?\(")  # (, \left(, \bigl(


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}  # node type -> its fields that may hold a node
# Annotations of fields that never hold a node (positions, names, flags, Mul's operators): not read
# by _children_fields. A field annotated otherwise (Node, list[Node], or a type given as an object)
# is read and tested as before.
_PLAIN_FIELDS = frozenset({"int", "str", "bool", "str | None", "int | None", "bool | None", "list[str]"})


def _field_names(kind: type) -> tuple[str, ...]:
    """The names of a node type's dataclass fields that may hold a node, looked up once per type
    (dataclasses.fields is slow; a symbol has six fields and none holds a node)."""
    names = _FIELD_NAMES.get(kind)
    if names is None:
        names = _FIELD_NAMES[kind] = tuple(
            f.name for f in dataclasses.fields(kind) if not (isinstance(f.type, str) and f.type in _PLAIN_FIELDS)
        )
    return names


def _children_fields(node: Node) -> list[tuple[str, object]]:
    """(name, value) of each field of ``node`` that holds a node or a list with nodes (or lists)."""
    found = []
    names = _FIELD_NAMES.get(type(node))
    for name in _field_names(type(node)) if names is None else names:
        value = getattr(node, name)
        if isinstance(value, Node):
            found.append((name, value))
        elif isinstance(value, list) and value:
            for v in value:  # a loop, not any() over a generator: this runs for every node copied
                if isinstance(v, (Node, list)):
                    found.append((name, value))
                    break
    return found


def _map_value(value, fn):
    if isinstance(value, Node):
        return fn(value)
    if isinstance(value, list):  # a node of the list mapped here, not by a call of _map_value for it
        return [fn(v) if isinstance(v, Node) else _map_value(v, fn) for v in value]
    return value


def _shallow_copy(node: Node) -> Node:
    """``copy.copy(node)`` without its generic protocol (``__reduce_ex__``, ``_reconstruct``):
    the nodes are plain dataclasses (no ``__slots__``, ``__copy__`` or ``__setstate__``), whose
    copy is a new instance sharing the same attribute values; a third of ``substitute``'s time."""
    kind = type(node)
    clone = kind.__new__(kind)
    clone.__dict__.update(node.__dict__)
    return clone


def rebuild(node: Node, fn) -> Node:
    """A copy of ``node`` with ``fn`` applied to each direct child."""
    clone = _shallow_copy(node)
    if clone._below is not None:  # clone.forget_walk(), written out: this runs for every node copied
        clone._below = None
    for name, value in _children_fields(node):
        setattr(clone, name, _map_value(value, fn))
    return clone


def substitute(node: Node, values: dict[str, Node], functions: dict[str, tuple] | None = None,
               keep: frozenset[str] = frozenset(), depth: int = 0) -> Node:  # fmt: skip
    """Replace symbols by their definitions (recursively, up to a depth).

    ``values`` maps a key to a tree; ``functions`` maps a function key to
    (params, body) so that ``L(w)`` becomes the body with its parameters
    replaced by the arguments. Keys in ``keep`` are left alone.
    """
    if depth > 8:
        return node
    functions = functions or {}
    for n in node.walk():  # a plain loop, each symbol's key computed once
        if isinstance(n, Sym):
            key = n.key
            if (key in values or key in functions) and key not in keep:
                break
    else:
        return node  # nothing to replace: the tree itself (trees are not changed in place)
    return _Substitution(values, functions, keep, depth).visit(node)


class _Substitution:
    """One level of ``substitute``: a class, not a closure, so that no reference
    cycle (a nested function that calls itself) outlives the call."""

    def __init__(self, values, functions, keep, depth):
        self.values, self.functions, self.keep, self.depth = values, functions, keep, depth

    def visit(self, n: Node) -> Node:
        values, functions, keep, depth = self.values, self.functions, self.keep, self.depth
        if isinstance(n, Sym) and n.key in values and n.key not in keep:
            return substitute(values[n.key], values, functions, keep | {n.key}, depth + 1)
        if isinstance(n, Call) and not isinstance(n.func, Sym):
            return rebuild(n, self.visit)
        if isinstance(n, Call) and n.func.key in functions and n.func.key not in keep:
            params, body = functions[n.func.key]
            mapping = {}
            # f(θ) of an f(θ_0, θ_1): the one argument is the vector of the parameters, which stay
            # themselves (entries of θ); zipping would put θ for θ_0
            whole = len(n.args) == 1 and len(params) > 1 and isinstance(n.args[0], Sym)
            if whole and all(p.startswith(n.args[0].name + "_") for p in params):
                params = ()
            for p, a in zip(params, n.args):
                if not (isinstance(a, Sym) and a.key == p):
                    mapping[p] = a
            inner = {k: v for k, v in values.items() if k not in params}
            inner.update(mapping)
            return substitute(body, inner, functions, keep | {n.func.key}, depth + 1)
        if isinstance(n, Call) and n.func.key in values and n.func.key not in keep:
            # f(x) where f = expression in x: the call is the expression
            return substitute(values[n.func.key], values, functions, keep | {n.func.key}, depth + 1)
        if isinstance(n, Deriv):
            # the variable of a derivative is not replaced by its definition
            wrt_keys = {w.key for w in n.wrt if isinstance(w, Sym)}
            clone = _shallow_copy(n)
            clone.forget_walk()
            clone.num = None if n.num is None else substitute(n.num, values, functions, keep | wrt_keys, depth)
            return clone
        return rebuild(n, self.visit)


def transpose(node: Node, symmetric: frozenset[str] = frozenset(), scalar=lambda n: False) -> Node:
    """Push a transpose down to the symbols: (AB)ᵀ = BᵀAᵀ, (Aᵀ)ᵀ = A,
    a symmetric symbol or a scalar stays as it is."""
    if scalar(node):
        return node
    if isinstance(node, Num):
        return node
    if isinstance(node, Transpose):
        return node.arg
    if isinstance(node, Sym):
        if node.key in symmetric or node.key in ("I", "0"):
            return node
        return Transpose(node.start, node.end, node, "T")
    if isinstance(node, Neg):
        return Neg(node.start, node.end, transpose(node.arg, symmetric, scalar))
    if isinstance(node, Add):
        return Add(node.start, node.end, [transpose(t, symmetric, scalar) for t in node.terms])
    if isinstance(node, Mul) and all(op in ("", "*", "cdot") for op in node.ops):
        factors = [transpose(f, symmetric, scalar) for f in reversed(node.factors)]
        # keep numeric coefficients in front
        nums = [f for f in factors if isinstance(f, Num)]
        rest = [f for f in factors if not isinstance(f, Num)]
        factors = nums + rest
        ops = list(reversed(node.ops))
        if len(set(ops)) > 1:
            ops = [""] * (len(factors) - 1)
        return Mul(node.start, node.end, factors, ops)
    if isinstance(node, Inverse):
        return Inverse(node.start, node.end, node.arg, not node.transposed)
    if isinstance(node, Func) and node.name in ("tr", "det") or isinstance(node, (Pow,)) and scalar(node.base):
        return node
    return Transpose(node.start, node.end, node, "T")


def is_lone_symbol(node: Node | None) -> bool:
    """x, x^T, f(x): what a definition or an equation's unknown looks like."""
    if isinstance(node, Transpose):
        node = node.arg
    return isinstance(node, (Sym, Call))


def contains_literal(node: Node | None) -> bool:
    """Whether a tree holds a concrete (non-schematic) matrix literal."""
    if node is None or Matrix not in map(type, node.walk()):  # no matrix at all (most trees): at C speed
        return False
    return any(isinstance(n, Matrix) and not n.schematic for n in node.walk())
