"""Declarations that the math itself makes.

x ∈ R^n, S^n_{++}, f: R^n → R, A = A^T, A^T A = I, λ > 0, X ≻ 0, f = tr(AX), L(w) = …,
A = [[1,2],[3,4]].
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from derivlint.extract.blocks import MathBlock
from derivlint.math.claims import drop_definitions
from derivlint.math.lexer import CHAR, TEXT, LexError, expand, tokenize
from derivlint.math.parser import ParseError, sub_parse
from derivlint.math.tree import (
    Abs, Call, Deriv, Div, Dots, Func, Inverse, Matrix, Mul, Neg, Node, Norm, Num, Pow, Space, Sum, Sym, Transpose, Tuple,
    render,
)  # fmt: skip
from derivlint.context.model import Dim, Shape

def parse_math(text: str, macros: dict | None = None) -> Node | None:
    """The tree of a piece of math that is one expression (no relation), or None."""
    try:
        tokens = expand(drop_definitions(tokenize(text)), macros or {})
    except LexError:
        return None
    return parse_tokens(tokens)


def parse_tokens(tokens) -> Node | None:
    while tokens and tokens[-1].kind == CHAR and tokens[-1].value in ",.;:":
        tokens = tokens[:-1]
    if not tokens or any(t.kind == TEXT for t in tokens):
        return None
    try:
        return sub_parse(tokens)
    except (ParseError, RecursionError, IndexError, ValueError):
        return None


def expression_of(block: MathBlock, macros: dict | None = None) -> Node | None:
    """The tree of a math block that holds only an expression (``\\( X^T A \\)``);
    None when it does not parse as one expression."""
    return parse_math(block.text, macros)


# ---------------------------------------------------------------------------
# dimensions and spaces


def dim_of(node: Node | None) -> Dim | None:
    """A dimension written as math: 3 → 3, n → "n", m n → "mn", n+1 → "n+1"."""
    if node is None:
        return None
    if isinstance(node, Num):
        try:
            value = float(node.value)
        except ValueError:
            return None
        return int(value) if value.is_integer() and value > 0 else None
    if isinstance(node, Sym):
        return node.key
    if isinstance(node, (Dots, Space, Matrix, Deriv)):
        return None
    if isinstance(node, Transpose) and isinstance(node.arg, Sym) and node.mark == "prime":
        return node.arg.key + "'"  # d^{\prime}
    text = render(node).replace(" ", "")
    return text or None


@dataclass
class SpaceFacts:
    shape: Shape | None
    props: frozenset[str]
    known: bool  # a space we understand (else the declaration is skipped)


_FIELDS = {"R", "C", "S", "N", "Z", "Q"}


def space_facts(field_name: str, dims: list[Dim | None], sub: str = "") -> SpaceFacts:
    """What x ∈ FIELD^{dims}_{sub} says about x."""
    props: set[str] = set()
    sub = sub.replace(" ", "").replace("{", "").replace("}", "")
    if field_name not in _FIELDS or any(d is None for d in dims):
        return SpaceFacts(None, frozenset(), False)
    if field_name == "S":
        if len(dims) != 1 and not (len(dims) == 2 and dims[0] == dims[1]):
            return SpaceFacts(None, frozenset(), False)
        n = dims[0]
        props |= {"symmetric", "square"}
        if sub in ("++", ">0", "\\succ0"):
            props.add("positive_definite")
        elif sub in ("+", "\\geq0", "\\succeq0"):
            props.add("positive_semidefinite")
        return SpaceFacts((n, n), frozenset(props), True)
    if sub in ("+", "++", ">0", "\\geq0", "\\ge0", "0+") and not dims:
        props.add("positive")
    if not dims:
        return SpaceFacts((1, 1), frozenset(props), True)
    if len(dims) == 1:
        return SpaceFacts((dims[0], 1), frozenset(props), True)
    if len(dims) == 2:
        shape = (dims[0], dims[1])
        if dims[0] == dims[1] and dims[0] != 1:
            props.add("square")
        return SpaceFacts(shape, frozenset(props), True)
    return SpaceFacts(None, frozenset(), False)  # a tensor


def space_of(node: Node | None) -> SpaceFacts | None:
    """The facts of a set node: \\mathbb{R}^{m×n} (Space) or R^{m×n} written plainly (Pow)."""
    if isinstance(node, Space):
        dims = node.dims
        if len(dims) == 1 and isinstance(dims[0], Mul) and all(op == "times" for op in dims[0].ops):
            dims = dims[0].factors  # R^{\color{red}{n\times m}}
        return space_facts(node.field_name, [dim_of(d) for d in dims], node.sub or "")
    if isinstance(node, Sym) and node.name == "R" and not node.bold and node.sub is None:
        return space_facts(node.name, [])  # a plain R is the reals; a plain C is usually a set
    if isinstance(node, Pow) and isinstance(node.base, Sym) and node.base.name == "R" and node.base.sub is None:
        exp = node.exp
        if isinstance(exp, Mul) and all(op in ("times", "*") for op in exp.ops):
            return space_facts(node.base.name, [dim_of(f) for f in exp.factors])
        return space_facts(node.base.name, [dim_of(exp)])
    return None


def size_product(node: Node | None) -> SpaceFacts | None:
    """A size written alone, ``1 \times N`` (after a colon: "x : 1 × N", as a note lists its shapes):
    the facts of the real matrices of that size, or None."""
    if isinstance(node, Mul) and len(node.factors) == 2 and all(op == "times" for op in node.ops):
        dims = [dim_of(f) for f in node.factors]
        if None not in dims:
            return space_facts("R", dims)
    return None


_SPACE_TEXT = re.compile(
    r"\\in\s*\\mathbb\s*\{?\s*(?P<f>[RSC])\s*\}?\s*(?P<scripts>(?:[_^]\s*(?:\{[^{}]*\}|\\?[A-Za-z0-9]+|[+]))*)\s*[,.]?\s*$"
)


def space_from_text(text: str) -> tuple[str, SpaceFacts] | None:
    """Read ``LHS \\in \\mathbb{S}^n_{++}`` from the text of a claim the parser did not
    read (scripts in either order); returns (lhs text, facts)."""
    match = _SPACE_TEXT.search(text)
    if match is None:
        return None
    sup, sub = "", ""
    for kind, body in re.findall(r"([_^])\s*(\{[^{}]*\}|\\?[A-Za-z0-9]+|[+])", match.group("scripts")):
        body = body[1:-1] if body.startswith("{") else body
        if kind == "^":
            sup = body
        else:
            sub = body
    dims: list[Dim | None] = []
    if sup:
        for part in re.split(r"\\times|×|(?<=\w)\s*x\s*(?=\w)", sup):
            node = parse_math(part.strip())
            dims.append(dim_of(node))
    return text[: match.start()], space_facts(match.group("f"), dims, sub)


def matrix_shape(node: Matrix) -> Shape | None:
    """The size of a literal written out in full (block matrices and schematic ones: None)."""
    if node.schematic or not node.rows:
        return None
    if any(isinstance(c, Matrix) for row in node.rows for c in row):
        return None
    return (len(node.rows), len(node.rows[0]))


def matrix_kind(node: Matrix) -> str | None:
    """vector / row / matrix from a literal's layout, also for schematic ones."""
    if not node.rows:
        return None
    width = max(len(r) for r in node.rows)
    if width == 1 and len(node.rows) > 1:
        if any(isinstance(r[0], Transpose) for r in node.rows if r):
            return "matrix"  # [x_1^T; ⋮; x_n^T]: rows stacked (a data matrix), not a column of numbers
        return "vector"
    if len(node.rows) == 1 and width > 1:
        return "row"
    if len(node.rows) > 1 and width > 1:
        return "matrix"
    return None


def names_in(node: Node | None) -> list[Node]:
    """The symbols a declaration's left-hand side names: x; x, y; f(x) → f; ∂y/∂x."""
    if isinstance(node, Sym):
        return [node]
    if isinstance(node, Tuple) and node.items and all(isinstance(i, Sym) for i in node.items):
        return list(node.items)
    if isinstance(node, Call):
        return [node]
    if isinstance(node, Deriv) and node.num is not None:
        return [node]
    return []


def key_of(node: Node) -> str:
    if isinstance(node, Sym):
        return node.key
    if isinstance(node, Call):
        return node.func.key
    return render(node)


def bold_of(node: Node) -> bool | None:
    if isinstance(node, Sym):
        return node.bold
    if isinstance(node, Call):
        return node.func.bold
    return None


def is_identity(node: Node | None) -> bool:
    return isinstance(node, Sym) and node.name in ("I", "E") and node.sub in (None, "n") or (
        isinstance(node, Num) and node.value == "1"
    )


def transposed_sym(node: Node | None) -> Sym | None:
    if isinstance(node, Transpose) and isinstance(node.arg, Sym):
        return node.arg
    return None


def same_sym(a: Node | None, b: Node | None) -> bool:
    return isinstance(a, Sym) and isinstance(b, Sym) and a.key == b.key


def orthogonal_sym(lhs: Node | None, rhs: Node | None) -> Sym | None:
    """Q^T Q = I, Q Q^T = I, Q^{-1} = Q^T: the Q."""
    for prod, other in ((lhs, rhs), (rhs, lhs)):
        if isinstance(prod, Mul) and len(prod.factors) == 2 and all(op in ("", "cdot") for op in prod.ops) and is_identity(other):
            a, b = prod.factors
            if transposed_sym(a) is not None and same_sym(transposed_sym(a), b):
                return b
            if transposed_sym(b) is not None and same_sym(transposed_sym(b), a):
                return a
        if isinstance(prod, Inverse) and isinstance(prod.arg, Sym) and transposed_sym(other) is not None and same_sym(prod.arg, transposed_sym(other)):
            return prod.arg
    return None


def symmetric_sym(lhs: Node | None, rhs: Node | None) -> Sym | None:
    """A = A^T or A^T = A: the A; A_{ij} = A_{ji} (its entries): the matrix A."""
    for a, b in ((lhs, rhs), (rhs, lhs)):
        t = transposed_sym(b)
        if t is not None and same_sym(a, t):
            return a
    if not (isinstance(lhs, Sym) and isinstance(rhs, Sym) and lhs.name == rhs.name and lhs.sup == rhs.sup
            and lhs.sub and rhs.sub):
        return None
    ij, ji = lhs.sub.replace(",", ""), rhs.sub.replace(",", "")
    if len(ij) == 2 and ij.isalpha() and ij[0] != ij[1] and ij == ji[::-1]:  # indices, not A_{12} = A_{21}
        return Sym(lhs.start, rhs.end, lhs.name, None, lhs.bold, lhs.sup)  # A_{ij} = A_{ji}
    return None


def mentions(node: Node | None, key: str) -> bool:
    return node is not None and any(isinstance(n, Sym) and n.key == key for n in node.walk())


def is_zero(node: Node | None) -> bool:
    return isinstance(node, Num) and node.value in ("0", "0.0")


def jacobian_layout(lhs: Node | None, rhs: Node | None) -> str | None:
    """The layout a Jacobian written out entry by entry gives: ∂h/∂v = [∂h_1/∂v_1 ⋯ ∂h_1/∂v_n;
    ⋮; ∂h_m/∂v_1 ⋯ ∂h_m/∂v_n] (a row follows one component of h: numerator) or its transpose
    (denominator); None for anything else, or corners that do not say which."""
    if not (isinstance(lhs, Deriv) and isinstance(rhs, Matrix) and len(lhs.wrt) == 1 and len(rhs.rows) >= 2):
        return None
    num, wrt = lhs.num, lhs.wrt[0]
    if not (isinstance(num, Sym) and isinstance(wrt, Sym)) or any(len(row) < 2 for row in rhs.rows):
        return None
    subs = []
    for entry in (rhs.rows[0][0], rhs.rows[0][-1], rhs.rows[-1][0]):
        if not (isinstance(entry, Deriv) and len(entry.wrt) == 1 and isinstance(entry.num, Sym)
                and isinstance(entry.wrt[0], Sym) and entry.num.name == num.name and entry.wrt[0].name == wrt.name
                and entry.num.sub and entry.wrt[0].sub):
            return None
        subs.append((entry.num.sub, entry.wrt[0].sub))
    (a, b), (c, d), (e, f) = subs
    if a == c and b != d and a != e and b == f:
        return "numerator"  # along a row the variable's index moves
    if a != c and b == d and a == e and b != f:
        return "denominator"
    return None


def skew_symmetric_sym(lhs: Node | None, rhs: Node | None) -> Sym | None:
    """Aᵀ = −A or −A = Aᵀ: the A."""
    for a, b in ((lhs, rhs), (rhs, lhs)):
        t = transposed_sym(a)
        if t is not None and isinstance(b, Neg) and same_sym(t, b.arg):
            return t
    return None


def unit_sym(lhs: Node | None, rhs: Node | None) -> Sym | None:
    """‖u‖ = 1 (or ‖u‖₂ = 1, ‖u‖² = 1, uᵀu = 1): the u."""
    for a, b in ((lhs, rhs), (rhs, lhs)):
        if not (isinstance(b, Num) and b.value == "1"):
            continue
        if isinstance(a, Pow) and isinstance(a.base, Norm) and isinstance(a.exp, Num):
            a = a.base  # ‖u‖² = 1: the same unit length
        if isinstance(a, Norm) and isinstance(a.arg, Sym) and a.sub in (None, "2"):
            return a.arg
        if isinstance(a, Mul) and len(a.factors) == 2 and isinstance(a.factors[1], Sym):
            t = transposed_sym(a.factors[0])
            if t is not None and same_sym(t, a.factors[1]):
                return a.factors[1]
    return None


# What an equation says of its one symbol, in the order tried: (reader, kind, properties)
EQUATION_PROPS = (
    (symmetric_sym, "matrix", frozenset({"symmetric", "square"})),  # Aᵀ = A
    (skew_symmetric_sym, "matrix", frozenset({"skew_symmetric", "square"})),  # Aᵀ = −A
    (unit_sym, None, frozenset({"unit"})),  # ‖u‖ = 1, uᵀu = 1 (the number 1: not QᵀQ = I)
    (orthogonal_sym, "matrix", frozenset({"orthogonal", "square"})),  # QᵀQ = I
)


def symmetric_by_form(node: Node | None) -> bool:
    """Whether ``node`` is symmetric by its form: x xᵀ, (x − m)(x − m)ᵀ, AᵀA, an expectation or a sum
    of such, or a number times one (the covariance P = E[e eᵀ], S = Σ_i x_i x_iᵀ / N)."""
    for _ in range(4):  # peel E[·], Σ, a number times, / a number
        if isinstance(node, Func) and node.name in ("E", "mathbb(E)") and len(node.args) == 1:
            node = node.args[0]
        elif isinstance(node, Sum) and node.body is not None:
            node = node.body
        elif isinstance(node, Div) and isinstance(node.den, Num):
            node = node.num
        elif isinstance(node, Mul) and len(node.factors) == 3 and isinstance(node.factors[0], Num):
            node = Mul(node.start, node.end, node.factors[1:], node.ops[1:])
        else:
            break
    if not isinstance(node, Mul) or len(node.factors) != 2:
        return False
    a, b = node.factors
    if isinstance(b, Transpose) and render(b.arg) == render(a):  # x xᵀ, (x − m)(x − m)ᵀ, A Aᵀ
        return True
    # AᵀA (a capital: xᵀx is a number)
    return isinstance(a, Transpose) and isinstance(b, Sym) and b.name[:1].isupper() and render(a.arg) == render(b)


def gaussian_log_density_covariances(node: Node | None) -> set[str]:
    """The keys S of an expression that writes a normal log-density: a determinant of S (or of S⁻¹:
    det, log det, |S|) and a quadratic form uᵀS⁻¹u in the same expression, as
    −½ log|Σ| − ½ (x − μ)ᵀΣ⁻¹(x − μ) does. Such an S is a covariance, so symmetric."""
    if node is None or Inverse not in map(type, node.walk()):
        return set()  # no S⁻¹, no quadratic form uᵀS⁻¹u (most sides: a test at C speed)
    determined, quadratic = set(), set()
    for n in node.walk():
        if (isinstance(n, Func) and n.name in ("det", "logdet") and n.args) or isinstance(n, Abs):
            arg = n.args[0] if isinstance(n, Func) else n.arg
            arg = arg.arg if isinstance(arg, Inverse) else arg
            if isinstance(arg, Sym):
                determined.add(arg.key)
        elif isinstance(n, Mul):
            factors = n.factors
            for a, m, b in zip(factors, factors[1:], factors[2:]):
                if (isinstance(a, Transpose) and isinstance(m, Inverse) and isinstance(m.arg, Sym)
                        and render(a.arg) == render(b)):
                    quadratic.add(m.arg.key)
    return determined & quadratic


_GAUSSIANS = frozenset({"N", "mathcal(N)", "mathscr(N)", "Normal"})  # the normal distribution's names


def gaussian_covariances(node) -> list[Sym]:
    """Every covariance of a normal distribution in ``node`` (N(μ, Σ) anywhere inside it)."""
    if node is None:
        return []
    return [cov for n in node.walk() if (cov := gaussian_covariance(n)) is not None]


def gaussian_covariance(node) -> Sym | None:
    """Σ in N(μ, Σ) (\\mathcal{N}(m, M)): the covariance a normal distribution is given, or None
    (the first of a matrix normal's two)."""
    found = normal_covariances(node)
    return found[0] if found else None


def normal_covariances(node) -> list[Sym]:
    """The covariances a normal distribution is given: Σ in N(μ, Σ), U and V in the matrix normal
    MN(M, U, V) (rows and columns); [] for anything else."""
    args = _normal_args(node)
    return [a for a in args[1:] if isinstance(a, Sym)] if args else []


def zero_mean_normal(node) -> bool:
    """N(0, Σ), MN(0, U, V): a normal distribution whose mean is written 0 (noise)."""
    args = _normal_args(node)
    mean = args[0] if args else None
    return (isinstance(mean, Num) and mean.value == "0") or (isinstance(mean, Sym) and mean.name == "0")


def _normal_args(node) -> list | None:
    """The arguments of a normal distribution, N(μ, Σ) or the matrix normal MN(M, U, V), or None."""
    if isinstance(node, Call) and isinstance(node.func, Sym):
        name, args = node.func.name, node.args
    elif isinstance(node, Mul) and len(node.factors) == 2 and isinstance(node.factors[0], Sym) and isinstance(node.factors[1], Tuple):
        name, args = node.factors[0].name, node.factors[1].items  # N(0, R): a number among the arguments, read as N times a pair
    else:
        return None
    if (name in _GAUSSIANS and len(args) == 2) or (name in _MATRIX_GAUSSIANS and len(args) == 3):
        return args
    return None


_MATRIX_GAUSSIANS = frozenset({"MN", "mathcal(MN)", "mathscr(MN)"})  # the matrix normal MN(M, U, V)


def equation_props(lhs: Node | None, rhs: Node | None) -> tuple[Sym, str | None, frozenset[str]] | None:
    """(symbol, kind, properties) an equation ``lhs = rhs`` states of one symbol, in the note's
    math or in words beside a formula ("if $W = W^T$"), or None."""
    for read, kind, props in EQUATION_PROPS:
        sym = read(lhs, rhs)
        if sym is not None:
            return sym, kind, props
    return None
