"""The typed expression tree that the parser builds, and its canonical rendering."""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import chain


@dataclass(eq=False)
class Node:
    """A node; ``start``/``end`` index the block text."""

    start: int
    end: int

    # the nodes below, listed by the first walk (see walk); a class attribute, not a field: read
    # and set as an attribute, so that the instance's dict is never materialised (Python 3.11
    # keeps a plain instance's attributes inline; ``self.__dict__`` makes a dict of ~100 bytes
    # for every node walked)
    _below = None

    def children(self) -> list["Node"]:
        return []

    def walk(self):
        """This node and every node below it, depth first. The nodes below are listed
        on the first walk and kept (not the node itself: no reference cycle); a tree
        is not changed once the parser has built it (``treeops.rebuild`` makes changed
        copies and drops the copy's list)."""
        below = self._below
        if below is None:
            found: list[Node] = []
            try:
                _collect(self, found)
            except RecursionError:  # deeper than Python's stack: the same order by a loop
                found = _collect_by_loop(self)
            self._below = below = tuple(found)
        return chain((self,), below)

    def forget_walk(self) -> None:
        """Drop the remembered walk (after changing a child of this node in place)."""
        if self._below is not None:
            self._below = None


@dataclass(eq=False)
class Sym(Node):
    """A symbol: ``name`` (x, A, alpha, hat(x)), ``sub`` its subscript as written
    canonically (``1``, ``ij``), ``bold`` if set in a bold font."""

    name: str
    sub: str | None = None
    bold: bool = False
    sup: str | None = None  # a decoration such as * or (i)

    @property
    def key(self) -> str:
        """The identity of the symbol, ignoring its font."""
        sup, sub = self.sup, self.sub
        if not sup:  # most symbols: x, or x_1
            return self.name + "_" + sub if sub else self.name
        return self.name + "^" + sup + "_" + sub if sub else self.name + "^" + sup


@dataclass(eq=False)
class Num(Node):
    value: str


@dataclass(eq=False)
class Add(Node):
    """A sum; ``terms`` may be ``Neg`` nodes for subtracted terms."""

    terms: list[Node]

    def children(self):
        return list(self.terms)


@dataclass(eq=False)
class Neg(Node):
    arg: Node

    def children(self):
        return [self.arg]


@dataclass(eq=False)
class Mul(Node):
    """A product. ``ops[i]`` is the operator before ``factors[i+1]``: '' for an
    implicit product, 'cdot', '*', 'times', 'odot', 'otimes', 'circ'."""

    factors: list[Node]
    ops: list[str]

    def children(self):
        return list(self.factors)


@dataclass(eq=False)
class Div(Node):
    num: Node
    den: Node

    def children(self):
        return [self.num, self.den]


@dataclass(eq=False)
class Pow(Node):
    base: Node
    exp: Node

    def children(self):
        return [self.base, self.exp]


@dataclass(eq=False)
class Transpose(Node):
    arg: Node
    mark: str = "T"  # how it was written: T, t, top, intercal, prime, H

    def children(self):
        return [self.arg]


@dataclass(eq=False)
class Inverse(Node):
    arg: Node
    transposed: bool = False  # X^{-T}

    def children(self):
        return [self.arg]


@dataclass(eq=False)
class Func(Node):
    """A named function or operator applied to arguments: tr, det, ln, log, exp,
    sqrt, sin, vec, diag, min …; ``sub`` for log bases and min/max ranges."""

    name: str
    args: list[Node]
    sub: Node | None = None

    def children(self):
        return list(self.args) + ([self.sub] if self.sub is not None else [])


@dataclass(eq=False)
class Call(Node):
    """A symbol used as a function: f(x), L(w), y(t)."""

    func: Sym
    args: list[Node]

    def children(self):
        return [self.func, *self.args]


@dataclass(eq=False)
class Norm(Node):
    arg: Node
    sub: str | None = None  # 2, F, 1, infty

    def children(self):
        return [self.arg]


@dataclass(eq=False)
class Abs(Node):
    """|x|: absolute value of a scalar, or determinant of a matrix."""

    arg: Node

    def children(self):
        return [self.arg]


@dataclass(eq=False)
class Inner(Node):
    a: Node
    b: Node

    def children(self):
        return [self.a, self.b]


@dataclass(eq=False)
class Deriv(Node):
    """A derivative of ``num`` with respect to ``wrt`` (one entry per order).

    ``op`` is 'partial', 'd' or 'nabla'. ``num`` is None for an operator that
    was never applied (``\\frac{\\partial}{\\partial x}`` alone, ``\\nabla`` alone).
    ``sloppy`` marks ``\\frac{f}{dx}`` (a differential written only below).
    ``label`` marks a ``wrt`` written as a subscript (``\\nabla_{BR}``, ``\\partial_{xy}``): a label
    or a list of variables, never a product to shape-check.
    """

    num: Node | None
    wrt: list[Node]
    op: str = "partial"
    sloppy: bool = False
    label: bool = False
    prime: bool = False  # written f'(x): the derivative of f at a variable, whose shape the prime does not say

    @property
    def order(self) -> int:
        return len(self.wrt)

    def children(self):
        return ([self.num] if self.num is not None else []) + list(self.wrt)


@dataclass(eq=False)
class Differential(Node):
    """An upright differential d applied to ``arg``: \\mathrm{d}X, {\\rm d}X,
    \\mathrm{d}(XY). ``mark`` is the d as the note wrote it (``\\mathrm{d}``)."""

    arg: Node
    mark: str = "\\mathrm{d}"

    def children(self):
        return [self.arg]

    @property
    def symbol(self) -> Sym | None:
        """S when this is dS or d(Sᵀ), the differential of one symbol; None for that of an expression."""
        return differentiated_symbol(self.arg)


def differentiated_symbol(arg: Node) -> Sym | None:
    """The symbol S a differential of ``arg`` is the differential of: S for S or Sᵀ, else None."""
    arg = arg.arg if type(arg) is Transpose else arg
    return arg if type(arg) is Sym else None


@dataclass(eq=False)
class Matrix(Node):
    """A bmatrix/pmatrix/array literal. ``schematic`` when it has dots (⋯ ⋮ ⋱)."""

    rows: list[list[Node]]
    env: str = "bmatrix"
    schematic: bool = False

    def children(self):
        return [cell for row in self.rows for cell in row]


@dataclass(eq=False)
class Tuple(Node):
    """A bracketed comma list [a, b, c] or (a, b)."""

    items: list[Node]
    brackets: str = "()"

    def children(self):
        return list(self.items)


@dataclass(eq=False)
class Sum(Node):
    """\\sum (or \\prod) with its index, limits and body: an elementwise statement."""

    body: Node | None
    index: str | None = None
    lower: Node | None = None
    upper: Node | None = None
    sub: Node | None = None  # the whole subscript as parsed, for hygiene checks
    op: str = "sum"

    def children(self):
        return [n for n in (self.sub, self.lower, self.upper, self.body) if n is not None]


@dataclass(eq=False)
class Dots(Node):
    """\\cdots, \\vdots, \\ddots, \\ldots: the expression is schematic."""

    kind: str = "cdots"


@dataclass(eq=False)
class Space(Node):
    """\\mathbb{R}^{m\\times n}, \\mathbb{S}^n …: a set that a declaration names."""

    field_name: str  # R, S, C, N, Z
    dims: list[Node] = field(default_factory=list)
    sub: str | None = None  # a qualifier written below: ++, +, >0 (\\mathbb{S}^n_{++})

    def children(self):
        return list(self.dims)


@dataclass(eq=False)
class Mapping(Node):
    """dom → cod in f: dom → cod."""

    dom: Node
    cod: Node

    def children(self):
        return [self.dom, self.cod]


@dataclass(eq=False)
class Cases(Node):
    """A piecewise definition (cases environment): not checkable."""

    rows: list[list[Node]]

    def children(self):
        return [cell for row in self.rows for cell in row]


@dataclass(eq=False)
class Opaque(Node):
    """A construct read but never evaluated: an integral, a conditional p(x | y), an evaluation
    bar f|_{x=0}, a set {x | x > 0}, a logical or set operation (∧ ∨ ∩ ∪), a quantifier, a list
    of values. ``what`` names it (the reason a claim holding it stays undecided); ``parts`` are
    its read sub-expressions (bounds, body, arguments); ``head`` is an applied symbol (p in
    p(x | y)) or None; ``op`` is how it was written (int, mid, wedge …)."""

    what: str
    parts: list[Node] = field(default_factory=list)
    head: Node | None = None
    op: str = ""

    def children(self):
        return ([self.head] if self.head is not None else []) + list(self.parts)


@dataclass(eq=False)
class Factorial(Node):
    arg: Node

    def children(self):
        return [self.arg]


_LEAVES = frozenset({Sym, Num, Dots})  # node types without children (none has a subclass)


def _collect(node: Node, found: list[Node]) -> None:
    """Append every node below ``node`` to ``found``, depth first (recursion: faster than a stack)."""
    kind = type(node)  # a product's or a sum's own list read, not the copy children() makes
    for kid in node.factors if kind is Mul else node.terms if kind is Add else node.children():
        found.append(kid)
        if type(kid) not in _LEAVES:  # a leaf's children() is an empty list: not asked for
            _collect(kid, found)


def _collect_by_loop(node: Node) -> list[Node]:
    """The nodes below ``node`` in the order of _collect, with a stack of our own."""
    found = []
    stack = list(reversed(node.children()))
    while stack:
        below = stack.pop()
        found.append(below)
        kids = below.children()
        if kids:
            stack.extend(reversed(kids))
    return found


# ---------------------------------------------------------------------------
# Rendering

PREC_ADD, PREC_MUL, PREC_NEG, PREC_POW, PREC_ATOM = 1, 2, 3, 4, 5
_OPS = {"": " ", "cdot": " · ", "*": " * ", "times": " × ", "odot": " ⊙ ",
        "otimes": " ⊗ ", "circ": " ∘ ", "/": " / ", "oplus": " ⊕ ", "ast": " ∗ ", "star": " ⋆ ",
        "bullet": " • "}  # fmt: skip


def precedence(node: Node) -> int:
    """How tightly a node binds when written out: sums loosest, atoms tightest."""
    if isinstance(node, Add):
        return PREC_ADD
    if isinstance(node, (Mul, Div)):
        return PREC_MUL
    if isinstance(node, Neg):
        return PREC_NEG
    if isinstance(node, (Pow, Transpose, Inverse, Differential)):
        return PREC_POW
    if isinstance(node, Num) and node.value.startswith("-"):
        return PREC_NEG
    return PREC_ATOM


def _wrap(node: Node, min_prec: int) -> str:
    text = render(node)
    return f"({text})" if precedence(node) < min_prec else text


def render(node: Node | None) -> str:
    """A canonical, unambiguous rendering of a tree (fonts dropped)."""
    if node is None:
        return "?"
    if isinstance(node, Sym):
        return node.key
    if isinstance(node, Num):
        return node.value
    if isinstance(node, Add):
        out = _wrap(node.terms[0], PREC_ADD + 1) if isinstance(node.terms[0], Add) else render(node.terms[0])
        for term in node.terms[1:]:
            if isinstance(term, Neg):
                out += " - " + _wrap(term.arg, PREC_MUL)
            else:
                out += " + " + _wrap(term, PREC_MUL)
        return out
    if isinstance(node, Neg):
        return "-" + _wrap(node.arg, PREC_POW)
    if isinstance(node, Mul):
        first = node.factors[0]
        out = f"({render(first)})" if isinstance(first, Div) else _wrap(first, PREC_MUL)  # (a / b) c
        for op, factor in zip(node.ops, node.factors[1:]):
            out += _OPS.get(op, f" {op} ") + _wrap(factor, PREC_POW if op else PREC_NEG)
        return out
    if isinstance(node, Div):
        return f"{_wrap(node.num, PREC_POW)} / {_wrap(node.den, PREC_POW)}"
    if isinstance(node, Pow):
        return f"{_wrap(node.base, PREC_ATOM)}^{_wrap(node.exp, PREC_ATOM)}"
    if isinstance(node, Transpose):  # A' as written: a transpose, or another matrix
        return f"{_wrap(node.arg, PREC_ATOM)}{chr(39) if node.mark == 'prime' else '^T'}"
    if isinstance(node, Inverse):
        return f"{_wrap(node.arg, PREC_ATOM)}^{'-T' if node.transposed else '-1'}"
    if isinstance(node, Func):
        sub = f"_{_wrap(node.sub, PREC_ATOM)}" if node.sub is not None else ""
        return f"{node.name}{sub}({', '.join(render(a) for a in node.args)})"
    if isinstance(node, Call):
        return f"{render(node.func)}({', '.join(render(a) for a in node.args)})"
    if isinstance(node, Norm):
        return f"‖{render(node.arg)}‖" + (f"_{node.sub}" if node.sub else "")
    if isinstance(node, Abs):
        return f"|{render(node.arg)}|"
    if isinstance(node, Inner):
        return f"⟨{render(node.a)}, {render(node.b)}⟩"
    if isinstance(node, Deriv):
        symbol = {"partial": "∂", "d": "d", "nabla": "∇"}[node.op]
        wrt = " ".join(symbol + _wrap(w, PREC_ATOM) for w in node.wrt) if node.wrt else "?"
        if node.op == "nabla":
            head = "∇" + ("_" + ",".join(_wrap(w, PREC_ATOM) for w in node.wrt) if node.wrt else "")
            return head + (f" {_wrap(node.num, PREC_ATOM)}" if node.num is not None else "")
        order = f"^{node.order}" if node.order > 1 else ""
        if node.num is None:
            return f"{symbol}{order}/{wrt}"
        return f"{symbol}{order}({render(node.num)})/{wrt}"
    if isinstance(node, Differential):
        return "d" + (render(node.arg) if isinstance(node.arg, Sym) else f"({render(node.arg)})")
    if isinstance(node, Matrix):
        rows = "; ".join(", ".join(render(c) for c in row) for row in node.rows)
        return f"[{rows}]"
    if isinstance(node, Tuple):
        inner = ", ".join(render(i) for i in node.items)
        return node.brackets[0] + inner + node.brackets[1] if len(node.brackets) == 2 else inner
    if isinstance(node, Sum):
        symbol = "∑" if node.op == "sum" else "∏"
        lim = ""
        if node.index is not None and node.lower is not None:
            lim += f"_{{{node.index}={render(node.lower)}}}"
        elif node.sub is not None:
            lim += f"_{{{render(node.sub)}}}"
        if node.upper is not None:
            lim += f"^{{{render(node.upper)}}}"
        return f"{symbol}{lim} {_wrap(node.body, PREC_MUL) if node.body is not None else '?'}"
    if isinstance(node, Dots):
        return "…"
    if isinstance(node, Space):
        dims = " × ".join(render(d) for d in node.dims)
        return f"{node.field_name}^{{{dims}}}" if dims else node.field_name
    if isinstance(node, Mapping):
        return f"{render(node.dom)} → {render(node.cod)}"
    if isinstance(node, Cases):
        return "{" + "; ".join(", ".join(render(c) for c in row) for row in node.rows) + "}"
    if isinstance(node, Factorial):
        return f"{_wrap(node.arg, PREC_ATOM)}!"
    if isinstance(node, Opaque):
        return _render_opaque(node)
    return f"<{type(node).__name__}>"


_OPAQUE_SEPARATORS = {"mid": " | ", "between": " ‖ ", "semicolon": "; ", "wedge": " ∧ ", "vee": " ∨ ", "cap": " ∩ ",
                      "cup": " ∪ ", "setminus": " ∖ ", "comma": ", "}  # fmt: skip


# Opaque.op -> the sign of a binary operation derivlint does not evaluate (parser.OPAQUE_OPS)
_OPAQUE_SIGNS = {"circledast": "⊛", "bigcirc": "○", "oslash": "⊘", "ominus": "⊖", "boxtimes": "⊠", "boxplus": "⊞",
                 "boxminus": "⊟", "boxdot": "⊡", "diamond": "⋄", "circledcirc": "⊚", "odiv": "⊘", "divideontimes": "⋇",
                 "ltimes": "⋉", "rtimes": "⋊", "wr": "≀", "amalg": "⨿", "uplus": "⊎", "sqcap": "⊓", "sqcup": "⊔"}  # fmt: skip
_BIG_SIGNS = {"bigcup": "⋃", "bigcap": "⋂", "bigoplus": "⨁", "bigotimes": "⨂", "bigodot": "⨀", "biguplus": "⨄",
              "bigsqcup": "⨆", "bigvee": "⋁", "bigwedge": "⋀", "coprod": "∐"}  # fmt: skip


def _render_rare(node: "Opaque", parts: list[str]) -> str | None:
    """The few constructs of parser._rare_command and the marks read with them, written out; None
    for any other."""
    op = node.op
    if op in _OPAQUE_SIGNS and len(parts) == 2:
        return f"({parts[0]} {_OPAQUE_SIGNS[op]} {parts[1]})"
    if op in _BIG_SIGNS:
        return f"{_BIG_SIGNS[op]}({', '.join(parts)})"
    if op == "placeholder":
        return "·"
    if op == "text":
        return "text"
    if op == "diagram":
        return "diagram"
    if op == "operation":
        return node.what.rsplit("\\", 1)[-1].rstrip(")")
    if op == "tensorpower" and len(parts) == 2:
        return f"{_wrap(node.parts[0], PREC_ATOM)}^(⊗{parts[1]})"
    if op in ("about", "neg") and parts:
        return ("∼" if op == "about" else "¬") + _wrap(node.parts[0], PREC_ATOM)
    if op in ("binom", "Re", "Im", "count", "ceil", "floor"):
        return f"{ {'count': '#', 'ceil': 'ceil', 'floor': 'floor'}.get(op, op)}({', '.join(parts)})"
    if op == "partial^":
        return f"∂^{_wrap(node.parts[0], PREC_ATOM)}({', '.join(parts[1:])})"
    if op == "degree" and parts:
        return f"{parts[0]}°"
    if op in ("side+", "side-") and parts:
        return f"{parts[0]}^{op[-1]}"
    if op == "timestep" and parts:  # (I - ηA)^t where the note counts with t (claims.read_time_superscripts)
        return f"{_wrap(node.parts[0], PREC_ATOM)}^t"
    if op == "primes" and parts:
        return f"({parts[0]})''"
    return None


def _render_opaque(node: "Opaque") -> str:
    """An opaque construct written out: int(…), p(x | y), {x | x > 0}, (…)|_(x = 0)."""
    parts = [render(p) for p in node.parts]
    if node.op in ("int", "iint", "iiint", "oint"):
        return f"∫({', '.join(parts)})"
    if node.op == "bar":
        return f"({parts[0]})|_({', '.join(parts[1:])})"
    if node.op in ("set", "setof"):  # {0, 1}; {x | x > 0}
        return "{" + (" | " if node.op == "setof" else ", ").join(parts) + "}"
    if node.op in ("wedge", "vee") and len(parts) == 1:  # ξ^∧
        return f"{_wrap(node.parts[0], PREC_ATOM)}^{'∧' if node.op == 'wedge' else '∨'}"
    if node.op == "bracket" and len(parts) == 1:  # [ω]: a notation of its own (parser._delimited)
        return f"[{parts[0]}]"
    if node.op == "slice" and node.head is None and len(parts) == 1:
        return f"{_wrap(node.parts[0], PREC_ATOM)}_(slice)"
    if node.op == "all":
        return ":"
    if node.op in ("forall", "exists"):
        return ("∀ " if node.op == "forall" else "∃ ") + ", ".join(parts)
    written = _render_rare(node, parts)
    if written is not None:
        return written
    sep = _OPAQUE_SEPARATORS.get(node.op, f" {node.op} " if node.op else ", ")
    inner = sep.join(parts)
    if node.head is not None:
        return f"{render(node.head)}({inner})"
    return f"({inner})" if node.op in ("wedge", "vee", "cap", "cup", "setminus") else inner
