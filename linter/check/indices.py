"""Index notation decided by drawing: sums and products over indices, entries (x_i, A_{ij}, (AB)_{ij}), δ_{ij}, Einstein sums, entry-wise derivatives and free indices.

A claim written entry by entry is grounded: every index takes each value of its range
(the drawn size of the dimension it runs over), Σ and Π become sums and products of
their terms, an entry x_i becomes entry i of the drawn x, δ_{ij} a 0 or a 1, and a
derivative by an entry (∂f/∂x_k) the exact partial derivative of the grounded
expression. The two sides are compared for every value of the free indices.

Precision first: a range that cannot be tied to one dimension with certainty, a
subscript that is not an index, an entry that may be a vector (w^T x_i), an index
repeated where the Einstein reading is not the only one, or a symbol on one side only
leaves the claim undecided with the reason (``IndexUndecided``).
"""

from __future__ import annotations

import copy
import itertools
import re

import numpy as np

from derivlint.math.names import INDEX_LETTERS
from derivlint.math.tree import Add, Call, Deriv, Dots, Func, Matrix, Mul, Neg, Node, Norm, Num, Opaque, Sum, Sym, Transpose, Tuple, render
from derivlint.math.treeops import _children_fields, _map_value, _shallow_copy, rebuild, substitute
from derivlint.check import numeric, schematic
from derivlint.check.reading import _index_notation
from derivlint.check.schematic import read_typos

SIZE_POOL = (3, 4, 2, 5, 6)  # distinct sizes for distinct dimensions (a transposed index shows)
MAX_SIZE = 8  # a written range beyond this is not drawn (work per claim stays bounded)
MAX_GROUND = 4000  # terms a grounded side may reach
DELTA_NAMES = frozenset({"delta"})
# functions of a number: f(x_i) is f of the entry; softmax(x_i), max_j x_j … mean something else
SCALAR_FUNCTIONS = frozenset({"exp", "ln", "log", "lg", "sqrt", "sin", "cos", "tan", "tanh", "sinh", "cosh"})
EINSTEIN_WORDS = ("einstein", "summation convention", "爱因斯坦", "求和约定")
# a note that names entries column first ("a_{ij}, the entry in column i and row j", "第 i 列第 j 行的元素"):
# a_{ij} of A is then not A's (i, j) entry as notes write it without saying so (_entries_by_convention)
COLUMN_FIRST = re.compile(
    r"column\s*\$?\s*[a-z]\s*\$?\s*(?:,|and)?\s*(?:the\s+)?row\s*\$?\s*[a-z]\b"
    r"|第\s*\$?\s*[a-z]\s*\$?\s*列\s*[、，,]?\s*第\s*\$?\s*[a-z]\s*\$?\s*行", re.I)
_COLUMN_FIRST_STARTS = ("column", "第")  # what each alternative of COLUMN_FIRST starts with (see _read_note)


class IndexUndecided(Exception):
    """The claim is written with indices but cannot be read with certainty (the message says why)."""


class _Unknown(IndexUndecided):
    """A whole symbol of the claim whose shape nothing gives (``symbol``: the Sym)."""

    def __init__(self, symbol, sides):
        super().__init__(f"the shape of {symbol.key} is not known")
        self.symbol, self.sides = symbol, sides  # the sides as read, the note's definitions substituted


def _parts(sub: str | None) -> list[str] | None:
    """The indices of a subscript: ij -> [i, j], {i,j} -> [i, j], 1m -> [1, m]; None if not indices."""
    if not sub:
        return None
    s = sub.strip("{}").strip()
    if "," in s:
        parts = [p.strip() for p in s.split(",")]
    else:
        parts = list(s.replace(" ", ""))
    if not parts or len(parts) > 2 or any(not (len(p) == 1 and (p.isalpha() or p.isdigit())) for p in parts):
        return None
    return parts


def _index_sub(sub) -> str | None:
    """The subscript of an entry of an expression ((AB)_{ij}) as text: i j, k, 1 2."""
    if isinstance(sub, str) or sub is None:
        return sub
    if isinstance(sub, Sym) and not sub.sub and not sub.sup:
        return sub.name
    if isinstance(sub, Num):
        return sub.value
    if isinstance(sub, Mul) and all(isinstance(f, (Sym, Num)) for f in sub.factors) and not any(sub.ops):
        return " ".join(_index_sub(f) or "?" for f in sub.factors)
    if isinstance(sub, Tuple):
        return ",".join(_index_sub(f) or "?" for f in sub.items)
    return None


def _sum_indices(n: Sum) -> list[str] | None:
    """The letters a Σ binds: ∑_i, ∑_{i=1}^n, ∑_{i,j}, ∑_{i,j=1}^n, ∑_{ij}; None when its subscript is
    not an index (∑_{i∈S} runs over a set, not over the index's range)."""
    if isinstance(n.sub, Opaque):
        excluded = _excluded(n)
        return [n.sub.parts[0].name] if excluded is not None else None
    if n.index:
        letters = [p.strip() for p in n.index.split(",")]
        ok = all(len(p) == 1 and p.isalpha() for p in letters) and len(set(letters)) == len(letters)
        return letters if ok else None
    sub = n.sub
    if isinstance(sub, Sym) and not sub.sub and len(sub.name) == 1:
        return [sub.name]
    if isinstance(sub, Tuple) and all(isinstance(s, Sym) and not s.sub and len(s.name) == 1 for s in sub.items):
        return [s.name for s in sub.items]
    if isinstance(sub, Mul) and not any(sub.ops) and len(sub.factors) == 2:  # ∑_{ij}: two index letters side by side
        letters = [s.name for s in sub.factors if isinstance(s, Sym) and not s.sub and not s.sup and not s.bold]
        if len(letters) == 2 and letters[0] != letters[1] and all(x in INDEX_LETTERS for x in letters):
            return letters
    return None


def _excluded(n: Sum) -> str | None:
    """The letter a Σ_{k ≠ i} leaves out (i): k runs over its whole range but for the value of i.
    None for any other subscript (a set, another condition)."""
    sub = n.sub
    if not (isinstance(sub, Opaque) and getattr(sub, "op", None) == "≠" and len(sub.parts or ()) == 2):
        return None
    k, i = sub.parts
    plain = all(isinstance(p, Sym) and not p.sub and not p.sup and len(p.name) == 1 and p.name in INDEX_LETTERS
                for p in (k, i))  # fmt: skip
    return i.name if plain and k.name != i.name and n.lower is None and n.upper is None else None


def wanted(lhs: Node | None, rhs: Node | None) -> bool:
    """Whether the claim is written with indices this module reads (a Σ/Π, an entry of an
    expression, a two-letter index, δ, a derivative by an entry)."""
    for side in (lhs, rhs):
        if side is None:
            continue
        for n in side.walk():
            kind = type(n)  # by exact type (no node type has a subclass): this runs for every node
            if kind is Sum or (kind is Func and n.name == "index"):
                return True
            if kind is Sym and n.sub:
                parts = _parts(n.sub)
                if parts and any(p.isalpha() for p in parts):
                    return True
    return False


_last_note: list = [None, False, False]  # (a note's text, whether it states the Einstein convention, COLUMN_FIRST)


def _read_note(text: str) -> list:
    """What the note's prose says of its indices, read once per note (its claims come one after
    another), not once per claim: lowering a whole note is most of a small claim's work."""
    if _last_note[0] is not text:
        low = text.lower()
        # every match of COLUMN_FIRST starts with "column" in any case (no other character is a case
        # of its letters) or with 第: a note without either in its lowered text is not searched
        columns = any(w in low for w in _COLUMN_FIRST_STARTS) and _names_columns(text, low)
        _last_note[:] = [text, any(w in low for w in EINSTEIN_WORDS), columns]
    return _last_note


def _names_columns(text: str, low: str) -> bool:
    """``COLUMN_FIRST.search(text) is not None``, tried only where a match can start: where the lowered
    text ``low`` holds one of _COLUMN_FIRST_STARTS (a search of a whole note, which COLUMN_FIRST's
    case-blind alternatives make slow, took ~1 % of a corpus run). Lowering keeps every offset when it
    keeps the length (no character lowers to none); else the whole text is searched."""
    if len(low) != len(text):
        return COLUMN_FIRST.search(text) is not None
    for start in _COLUMN_FIRST_STARTS:
        i = low.find(start)
        while i >= 0:
            if COLUMN_FIRST.match(text, i) is not None:
                return True
            i = low.find(start, i + 1)
    return False


def _has_einstein_statement(text: str) -> bool:
    """Whether the note says it uses the Einstein convention."""
    return _read_note(text)[1]


def _names_columns_first(text: str) -> bool:
    """Whether the note names a matrix's entries column first (COLUMN_FIRST)."""
    return _read_note(text)[2]


_NO_LETTERS: frozenset[str] = frozenset()


class _Classes:
    """Union-find over dimension members: ("bind", id), ("axis", base, k), ("sym", n), ("num", 3)."""

    def __init__(self):
        self.parent: dict = {}

    def find(self, a):
        self.parent.setdefault(a, a)
        while self.parent[a] != a:
            self.parent[a] = self.parent[self.parent[a]]
            a = self.parent[a]
        return a

    def union(self, a, b):
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[ra] = rb

    def groups(self) -> dict:
        out: dict = {}
        for a in list(self.parent):
            out.setdefault(self.find(a), []).append(a)
        return out


class IndexClaim:
    """One claim read in index notation: its bases, binders, dimension classes and sizes."""

    def __init__(self, lhs: Node, rhs: Node, scope, einstein_stated: bool, guessed: frozenset = frozenset(),
                 layout: str = "denominator"):
        self.scope = scope
        self.guessed = guessed  # keys of undeclared symbols drawn as numbers (_with_scalars)
        self.families: dict[str, object] = {}  # x of x_i ∈ ℝ^d (the i-th of several vectors) -> d
        self.layout, self.layout_used = layout, False  # a gradient by a whole vector: its orientation
        self.classes = _Classes()
        self.bases: dict[str, int] = {}  # base name -> rank (1: vector, 2: matrix)
        self.bold_bases: set[str] = set()
        self.whole_key: dict[str, str] = {}  # base name -> key of the whole in env
        self.min_size: dict = {}  # ("axis", base, k) -> least size (a digit subscript)
        self.dim_symbols = self._dim_symbols(lhs, rhs)
        self.einstein_stated = einstein_stated
        self.columns_first = False  # the note names entries column first (COLUMN_FIRST)
        self._free_memo: dict[tuple, tuple[Node, dict[str, int]]] = {}  # see _free
        free = [self._free(side, {}) for side in (lhs, rhs)]
        self.explicit_sums = Sum in map(type, lhs.walk()) or Sum in map(type, rhs.walk())  # at C speed: no subclass
        # the reading keys nodes by their id: a subtree met twice (a definition substituted on
        # both sides) is copied apart first, so that each place has nodes of its own
        apart = (lhs, rhs) if _unshared(lhs, rhs) else _Apart().sides(lhs, rhs)
        self.lhs = self._einstein(apart[0], self._other_free(free[1]))
        self.rhs = self._einstein(apart[1], self._other_free(free[0]))
        # a side the convention left as it was has the free indices found above
        free = [found if new is old else self._free(new, {})
                for found, new, old in zip(free, (self.lhs, self.rhs), (lhs, rhs))]  # fmt: skip
        if set(free[0]) != set(free[1]):
            only = sorted(set(free[0]) ^ set(free[1]))
            sides = (self.lhs, self.rhs)
            if not all(_within_derivatives(sides[0 if x in free[0] else 1], x) for x in only):
                raise IndexUndecided(f"the free index {only[0]} is on one side only")
        self.free = sorted(set(free[0]) | set(free[1]))
        self.free_letters = set(self.free)
        self.sum_ids: dict[int, list] = {}
        self._analyse(self.lhs, {})
        self._analyse(self.rhs, {})

    def again(self, guessed: frozenset, layout: str) -> "IndexClaim":
        """This reading as a new claim would make it with ``guessed`` and ``layout`` (which only
        _wholes and the draws read): what they change is copied, the sides and the memo shared."""
        ic = copy.copy(self)
        ic.guessed, ic.layout, ic.layout_used = guessed, layout, False
        ic.classes = _Classes()
        ic.classes.parent = dict(self.classes.parent)
        ic.families, ic.bases, ic.bold_bases = dict(self.families), dict(self.bases), set(self.bold_bases)
        ic.whole_key, ic.min_size, ic.sum_ids = dict(self.whole_key), dict(self.min_size), dict(self.sum_ids)
        ic.dim_symbols, ic.free, ic.free_letters = set(self.dim_symbols), list(self.free), set(self.free_letters)
        return ic

    # ------------------------------------------------------------ reading

    def _dim_symbols(self, lhs, rhs) -> set[str]:
        """Letters that name a dimension: the upper bounds of the sums and the declared sizes."""
        out = set()
        for side in (lhs, rhs):
            for n in side.walk():
                if isinstance(n, Sum) and _dimension_key(n.upper) is not None:
                    out.add(_dimension_key(n.upper))
                if isinstance(n, Sym) and not n.sub:
                    for d in self._declared(n) or ():
                        if isinstance(d, str):
                            out.add(d)
        return out

    def _declared(self, sym: Sym):
        """The declared shape of a whole symbol as (int | str | None, int | str | None), or None."""
        try:
            shape = self.scope.shape(sym)
        except Exception:  # noqa: BLE001 - a context failure: no declaration
            return None
        if shape is None:
            return None
        out = []
        for d in shape:
            if isinstance(d, (int, str)) or d is None:
                out.append(d)
                continue
            r = d.root()
            out.append(r.num if r.num is not None else r.name)
        return tuple(out)

    def _letter_role(self, letter: str, bound: dict) -> str:
        if letter.isdigit():
            return "digit"
        if letter in bound:
            return "bound"
        if letter in self.dim_symbols:
            return "last"
        if letter in INDEX_LETTERS:
            return "free"
        return "other"

    def _free(self, node: Node, bound: dict) -> dict[str, int]:
        """Free index letters of ``node`` with how often they occur (Σ binds its letters). Read, never
        changed, by its callers: kept per node and bound letters (the Einstein pass asks again for
        every product, and for the products inside it), with the node, so that its id stays its own."""
        if type(node) is Sym:
            return self._free_of(node, bound)
        memo = (id(node), frozenset(bound) if bound else _NO_LETTERS)
        found = self._free_memo.get(memo)
        if found is None:
            found = self._free_memo[memo] = (node, self._free_of(node, bound))
        return found[1]

    def _free_of(self, node: Node, bound: dict) -> dict[str, int]:
        counts: dict[str, int] = {}

        def add(letter):
            counts[letter] = counts.get(letter, 0) + 1

        if isinstance(node, Sum):
            letters = _sum_indices(node) or self._implicit_index(node, bound)
            inner = dict(bound)
            for letter in letters:
                inner[letter] = True
            found = dict(self._free(node.body, inner)) if node.body is not None else {}
            excluded = _excluded(node)
            if excluded is not None and self._letter_role(excluded, bound) == "free":
                found[excluded] = found.get(excluded, 0) + 1  # Σ_{k≠i}: i is used by the sum itself
            return found
        if isinstance(node, Sym) and node.sub:
            parts = _parts(node.sub)
            if parts is None:
                return {}
            for p in parts:
                role = self._letter_role(p, bound)
                if role == "free":
                    add(p)
            return counts
        if isinstance(node, Func) and node.name == "index":
            for p in _parts(_index_sub(node.sub)) or []:
                if self._letter_role(p, bound) == "free":
                    add(p)
        if isinstance(node, Deriv):  # ∂x_k^2/∂x_k: k is one free index of the derivative
            below = set()
            for part in node.wrt:
                below.update(self._free(part, bound))
            for k in below:
                counts[k] = 1
            if node.num is not None:
                for k, v in self._free(node.num, bound).items():
                    # ∂(x_i a_ij x_j)/∂x_k under a stated convention: i and j are summed, not free
                    if v < 2 or k in below or not self.einstein_stated:
                        counts[k] = 1
            return counts
        if isinstance(node, Add):  # δ_{ik} x_j + x_i δ_{jk}: each term has k once
            for child in node.children():
                for k, v in self._free(child, bound).items():
                    counts[k] = max(counts.get(k, 0), v)
            return counts
        for child in node.children():
            for k, v in self._free(child, bound).items():
                counts[k] = counts.get(k, 0) + v
        return counts

    def _other_free(self, counts: dict[str, int]) -> set[str]:
        """The free letters of the other side as the Einstein pass of this side sees them: under a
        stated convention, a letter repeated in a product there (x_i a_{ik}) is summed, not free."""
        if not self.einstein_stated:
            return set(counts)
        return {k for k, v in counts.items() if v < 2}

    def _implicit_index(self, node: Sum, bound: dict) -> list[str]:
        """∑_1^n x_i^2: the one index letter of the body when the subscript names none."""
        letters = _sum_indices(node)
        if letters:
            return letters
        if isinstance(node.sub, Opaque):
            raise IndexUndecided("a Σ over a set or under a condition (i ∈ S, i ≠ j), not over an index's whole range")
        if not (isinstance(node.sub, Num) and node.sub.value in ("0", "1") and node.upper is not None):
            raise IndexUndecided("a Σ whose subscript is not index = start (i = 1)")
        found = set(self._free(node.body, bound)) if node.body is not None else set()
        if len(found) != 1:
            raise IndexUndecided("a Σ without its index letter, and the body does not tell it")
        return sorted(found)

    def _einstein(self, side: Node, other_free: set[str]) -> Node:
        """A letter repeated inside one product and absent from the other side is summed (the
        Einstein convention); Undecided when the repetition may mean a square (x_i x_i = x_i^2)."""
        if _no_repeated_index(side):
            return side  # no product can repeat an index and no Σ is there to read: nothing to wrap
        return _Einstein(self, other_free).visit(side, {})

    def _analyse(self, node: Node, bound: dict) -> None:
        """Tie every index to the dimensions it runs over."""
        if isinstance(node, Sum):
            letters = self._implicit_index(node, bound)
            if node.upper is not None and node.body is not None and node.upper.start > node.body.start:
                raise IndexUndecided("a power after a Σ's bracket read as its upper bound")
            shadowed = [x for x in letters if x in bound or x in self.free_letters]
            if shadowed:
                raise IndexUndecided(f"a Σ over {shadowed[0]}, an index already in use in the claim")
            inner = dict(bound)
            binders = []
            for letter in letters:
                binder = ("bind", id(node), letter)
                inner[letter] = binder
                binders.append(binder)
                self.classes.find(binder)
            self.sum_ids[id(node)] = binders
            excluded = _excluded(node)
            if excluded is not None:  # Σ_{k≠i}: k and i run over one range
                if excluded not in bound and not self._used_outside(excluded, node):
                    # Σ_{i≠j} x_i x_j with j nowhere else: the sum over pairs, as often as over i alone
                    raise IndexUndecided("a Σ under i ≠ j: over the pairs, or over i for one j")
                member = self._index_member(excluded, bound)
                if member is None:
                    raise IndexUndecided("a Σ that leaves out a numbered entry")
                self.classes.union(binders[0], member)
            if node.lower is not None or isinstance(node.sub, Num):
                low = node.lower if node.lower is not None else node.sub
                if not (isinstance(low, Num) and low.value in ("0", "1")) or (len(letters) != 1 and node.index is None):
                    raise IndexUndecided("a Σ whose lower bound is not 0 or 1")
                if low.value == "0":
                    raise IndexUndecided("a Σ from 0: which entry x_0 is depends on the note's indexing")
            upper = node.upper
            if upper is None and (node.lower is not None or isinstance(node.sub, Num)):
                raise IndexUndecided("a Σ with a lower bound and no upper bound")
            if upper is not None:
                for binder in binders:  # ∑_{i,j=1}^n: every letter runs from the one start to the one bound
                    if _dimension_key(upper) is not None:
                        self.classes.union(binder, ("sym", _dimension_key(upper)))
                    elif isinstance(upper, Num) and upper.value.isdigit():
                        self.classes.union(binder, ("num", int(upper.value)))
                    else:
                        raise IndexUndecided("a Σ whose upper bound is not a dimension")
            if node.body is not None:
                self._analyse(node.body, inner)
            return
        if isinstance(node, Sym):
            if node.sub:
                self._entry(node, bound)
            elif node.name in bound:
                pass  # the index used as a number (∑_i i x_i)
            return
        if isinstance(node, Func) and node.name == "index":
            parts = _parts(_index_sub(node.sub))
            if parts is None:
                raise IndexUndecided("an entry of an expression with a subscript that is not an index")
            for k, p in enumerate(parts):
                member = self._index_member(p, bound)
                if member is not None:
                    self.classes.union(member, ("expr", id(node), k, len(parts)))
            for a in node.args:
                self._analyse(a, bound)
            return
        if isinstance(node, Dots) or (isinstance(node, Matrix) and node.schematic):
            raise IndexUndecided("a schematic matrix (with dots)")
        for child in node.children():
            self._analyse(child, bound)

    def _used_outside(self, letter: str, node: Sum) -> bool:
        """Whether the index ``letter`` is written in the claim outside the Σ ``node``."""
        stack = [self.lhs, self.rhs]
        while stack:
            n = stack.pop()
            if n is node:
                continue
            if isinstance(n, Sym) and letter in (_parts(n.sub) or ()):
                return True
            if isinstance(n, Func) and n.name == "index" and letter in (_parts(_index_sub(n.sub)) or ()):
                return True
            stack.extend(n.children())
        return False

    def _index_member(self, p: str, bound: dict):
        role = self._letter_role(p, bound)
        if role == "bound":
            return bound[p]
        if role == "free":
            return ("bind", "free", p)
        if role == "last":
            return ("sym", p)
        if role == "digit":
            return None
        raise IndexUndecided(f"the subscript {p} is not an index")

    def _entry(self, node: Sym, bound: dict) -> None:
        parts = _parts(node.sub)
        if parts is None or node.sup:
            raise IndexUndecided(f"{node.key}: a subscript that is not an index")
        if node.name in DELTA_NAMES:
            if len(parts) != 2:
                raise IndexUndecided("δ with one index")
            members = [self._index_member(p, bound) for p in parts]
            if all(m is not None for m in members):
                self.classes.union(members[0], members[1])
            return
        name = node.name
        f = self.scope.facts(node.key) if self.scope is not None else None
        if f is not None and (f.shape is not None or f.value is not None or getattr(f, "kind", None)):
            rows = _vector_family(f) if len(parts) == 1 else None
            if not _plain_number(f) and rows is None:
                raise IndexUndecided(f"{node.key} is declared or defined as a symbol of its own")
            if rows is not None:  # x_i ∈ ℝ^d: the i-th of several vectors, column i of a d×N array
                if self.families.setdefault(name, rows) != rows:
                    raise IndexUndecided(f"{name}_i declared with two lengths")
                self.classes.union(("famrow", name), ("num", rows) if isinstance(rows, int) else ("sym", rows))
        elif name in self.families:
            raise IndexUndecided(f"{node.key} beside {name}_i declared a vector: an entry or another vector")
        rank = self.bases.setdefault(name, len(parts))
        if node.bold:
            self.bold_bases.add(name)
        if rank != len(parts):
            raise IndexUndecided(f"{name} is written with one index and with two")
        for k, p in enumerate(parts):
            member = self._index_member(p, bound)
            axis = ("axis", name, k)
            self.classes.find(axis)
            if member is not None:
                self.classes.union(member, axis)
            else:
                self.min_size[axis] = max(self.min_size.get(axis, 0), int(p))


DRAWN_ANYWAY = frozenset({"constant"})  # properties of a number that its draws need not respect (data, not a variable)


def _plain_number(f) -> bool:
    """Whether the note declares an entry (y_i ∈ ℝ, "x_i is a number") a number and says nothing
    else of it: no value, no property but being a constant (σ_i > 0 restricts the draws). Such an entry
    is one of the numbers y_1 … y_n, which is what entry i of a drawn y is; an entry declared a
    vector (x_i ∈ ℝ^d, a sample) or given a value is a symbol of its own."""
    return f.value is None and f.props <= DRAWN_ANYWAY and not f.params and f.shape is not None \
        and tuple(f.shape) == (1, 1) and getattr(f, "kind", None) in (None, "scalar")


def _vector_family(f):
    """d when the note declares an indexed symbol a vector (x_i ∈ ℝ^d, a sample) and says nothing
    else of it (no value, no property); None otherwise."""
    if f.value is not None or f.props - DRAWN_ANYWAY or f.params or f.shape is None or len(f.shape) != 2:
        return None
    rows, cols = (_dim_value(d) for d in f.shape)
    if cols != 1 or rows in (None, 1) or getattr(f, "kind", None) not in (None, "vector"):
        return None
    return rows


def _dim_value(d):
    """A declared dimension as an int or a size's name (None when neither)."""
    if isinstance(d, (int, str)) or d is None:
        return d
    r = d.root()
    return r.num if r.num is not None else r.name


def _dimension_key(upper) -> str | None:
    """The name of the dimension a Σ's upper bound is: n, N, n_1, n_x, D_out, n_{\\text{in}} (a
    size named by a word or a number below the letter); None for anything else, an index below
    (N_k, a count per k) or two index letters (n_{ij}) among them."""
    if not isinstance(upper, Sym) or upper.bold or upper.sup or len(upper.name) != 1 or not upper.name.isalpha():
        return None
    sub = (upper.sub or "").strip("{}")
    if not sub:
        return upper.name
    if sub.isdigit() or (len(sub) == 1 and sub.isalpha() and sub not in INDEX_LETTERS):
        return upper.key
    if len(sub) >= 2 and sub.isalpha() and not (len(sub) == 2 and set(sub) <= INDEX_LETTERS):
        return upper.key
    return None


def _within_derivatives(side: Node, letter: str) -> bool:
    """Whether every entry of ``side`` with the index ``letter`` is in a derivative that has it
    below the bar (∂Y_{ij}/∂X_{ik} = B_{kj}, ∂μ/∂z_j = 1/n: the claim holds for every i, every j;
    no other side needs it). Any other use on one side only (p_k − 1(y_i = k)) is not read."""
    def count(node) -> int:
        total = 0
        for n in node.walk():
            if isinstance(n, Sym) and letter in (_parts(n.sub) or ()):
                total += 1
            elif isinstance(n, Func) and n.name == "index" and letter in (_parts(_index_sub(n.sub)) or ()):
                total += 1
        return total

    inside = 0
    for n in side.walk():
        if isinstance(n, Deriv) and n.num is not None and len(n.wrt) == 1:
            below = count(n.wrt[0])
            if below:
                inside += count(n.num) + below
    return inside > 0 and inside == count(side)


def _field_order(n: Node) -> list[Node]:
    """The children of ``n`` in the order ``_with_children`` visits them (its fields' order):
    ``children()`` gives it, but for Σ and Opaque, whose ``children()`` list them in another order."""
    if isinstance(n, (Sum, Opaque)):
        out: list[Node] = []

        def take(child):
            out.append(child)
            return child

        for _, value in _children_fields(n):
            _map_value(value, take)
        return out
    return n.children()


def _no_repeated_index(side: Node) -> bool:
    """Whether ``side`` holds no Σ and no letter twice among the subscripts _free counts (of
    entries and of entries of expressions): then no product in it has an index ``_free`` counts
    twice, and the Einstein pass would return ``side`` itself and raise nothing (one walk instead
    of a visit that copies every node's fields and counts the indices of every product again)."""
    seen: set[str] = set()
    for n in side.walk():
        if isinstance(n, Sum):
            return False
        if isinstance(n, Sym):
            parts = _parts(n.sub) if n.sub else None
        elif isinstance(n, Func) and n.name == "index":
            parts = _parts(_index_sub(n.sub))
        else:
            continue
        for p in parts or ():
            if p in seen:
                return False
            seen.add(p)
    return True


def _unshared(*sides: Node) -> bool:
    """Whether no node occurs twice in the sides (a definition substituted twice is one shared subtree)."""
    nodes = [n for side in sides for n in side.walk()]
    return len(nodes) == len({id(n) for n in nodes})


def _with_children(n: Node, visit) -> Node:
    """``n`` with ``visit`` applied to each child: ``n`` itself when every child came back unchanged."""
    changed = False

    def one(child):
        nonlocal changed
        out = visit(child)
        changed = changed or out is not child
        return out

    fields = [(name, _map_value(value, one)) for name, value in _children_fields(n)]
    if not changed:
        return n
    clone = _shallow_copy(n)
    clone.forget_walk()
    for name, value in fields:
        setattr(clone, name, value)
    return clone


class _Apart:
    """The sides with every node met a second time replaced by a fresh copy of its subtree."""

    def __init__(self):
        self.seen: set[int] = set()

    def sides(self, *sides: Node) -> tuple[Node, ...]:
        return tuple(self.visit(side) for side in sides)

    def visit(self, n: Node) -> Node:
        if id(n) in self.seen:
            return _fresh(n)
        self.seen.add(id(n))
        return _with_children(n, self.visit)


def _fresh(n: Node) -> Node:
    """A copy of the whole subtree, every node new."""
    return rebuild(n, _fresh)


class _Einstein:
    """Products with a repeated free index wrapped in a Σ over it (a class: no closure cycle).
    A subtree with nothing to wrap is kept as it is (the sides share no node: _Apart)."""

    def __init__(self, claim: IndexClaim, other_free: set[str]):
        self.claim, self.other_free = claim, other_free

    def _children(self, n: Node, bound: dict) -> Node:
        """``n`` with each child visited: ``n`` itself when no child changed. The children are
        visited once each, in the order of their fields (the first to raise is the one that
        would raise first); the fields are copied only when a child changed."""
        kids = _field_order(n)
        if not kids:
            return n
        visited = [self.visit(kid, bound) for kid in kids]
        if all(new is old for new, old in zip(visited, kids)):
            return n
        results = iter(visited)
        return _with_children(n, lambda child: next(results))

    def visit(self, n: Node, bound: dict) -> Node:
        if isinstance(n, Sum):
            inner = dict(bound)
            for letter in self.claim._implicit_index(n, bound):
                inner[letter] = True
            return self._children(n, inner)
        if isinstance(n, Mul):
            counts = self.claim._free(n, bound)
            repeated = sorted(k for k, v in counts.items() if v >= 2)
            for letter in repeated:
                if counts[letter] > 2:
                    raise IndexUndecided(f"the index {letter} occurs {counts[letter]} times in one product")
                if letter in self.other_free and self.claim.einstein_stated:
                    raise IndexUndecided(
                        f"the index {letter} repeats in a product and is free on the other side, under the Einstein convention"
                    )
            # free on the other side: the product of the entries, not a sum (p_i δ_{ij} = p_j δ_{ij})
            repeated = [x for x in repeated if x not in self.other_free]
            if repeated and self.claim.explicit_sums and not self.claim.einstein_stated:
                raise IndexUndecided(f"the index {repeated[0]} repeats without Σ beside written sums: "
                                     "the Einstein convention is not stated")
            if repeated:
                inner = dict(bound)
                for letter in repeated:
                    inner[letter] = True
                body = rebuild(n, lambda child: self.visit(child, inner))
                for letter in reversed(repeated):
                    body = Sum(n.start, n.end, body, letter, None, None, None, "sum")
                return body
        return self._children(n, bound)


# ---------------------------------------------------------------- deciding


def decide(lhs: Node, rhs: Node, scope, note_text: str = "", draws: int = 2, text: str | None = None) -> bool:
    """Whether ``lhs = rhs`` holds for every value of its free indices at the drawn sizes;
    IndexUndecided when the claim has no certain index reading."""
    return _decide(lhs, rhs, scope, note_text, draws, text)[0]


def _decide(lhs: Node, rhs: Node, scope, note_text: str = "", draws: int = 2,
            text: str | None = None, guessed: frozenset = frozenset(), layout: str = "denominator",
            seen: dict | None = None, reading: dict | None = None) -> tuple[bool, list[str]]:
    """decide, and the keys of the matrices drawn square by their declaration (the ones a
    symmetric assumption may concern). ``text``: the block's (a column laid out with control
    spaces: check.schematic). ``reading``: where the claim's reading (IndexClaim, before _wholes)
    is kept for a call again with the same sides, scope and note but other ``guessed`` or
    ``layout`` (_with_scalars), which only _wholes and the draws read."""
    if reading:
        ic, number_side = reading["ic"].again(guessed, layout), reading["number_side"]
    else:
        ic, number_side = _read(lhs, rhs, scope, note_text, text, guessed, layout)
        if reading is not None:
            reading["ic"], reading["number_side"] = ic.again(guessed, layout), number_side
    return _drawn(ic, number_side, scope, draws, seen)


def _read(lhs: Node, rhs: Node, scope, note_text: str, text: str | None, guessed: frozenset,
          layout: str) -> tuple[IndexClaim, bool]:
    """_decide's reading of the claim: its sides with dotted sums and definitions read, and whether
    a side is a number."""
    if Dots in map(type, lhs.walk()) or Dots in map(type, rhs.walk()):  # at C speed (Dots has no subclass)
        lhs, rhs = _DottedSums((lhs, rhs)).sides()
    for side in (lhs, rhs):
        kinds = set(map(type, side.walk()))
        if Dots not in kinds and Matrix not in kinds:
            continue  # neither dots nor a matrix (most sides): nothing schematic, found at C speed
        for n in side.walk():
            if isinstance(n, Dots) or (isinstance(n, Matrix) and n.schematic):
                raise IndexUndecided(_schematic_reason(n, text))
    lhs, rhs = read_typos(lhs), read_typos(rhs)  # ∑_{i-1}^{m}: the typo DL503 reports, read as i=1
    lhs, rhs = _substituted(lhs, rhs, scope)
    number_side = False
    for side, other in ((lhs, rhs), (rhs, lhs)):
        if Sym not in map(type, side.walk()):  # at C speed (Sym has no subclass)
            if not _worked_derivative(other):
                raise IndexUndecided("one side is a number: a condition or an evaluation, not an identity")
            number_side = True  # ∂(w_i + x_i)/∂w_i = 1: an identity only if it holds for every value
    ic = IndexClaim(lhs, rhs, scope, _has_einstein_statement(note_text), guessed, layout)
    ic.columns_first = _names_columns_first(note_text)
    return ic, number_side


_generators = numeric.SeededGenerators()  # np.random.default_rng for _drawn, reused by seed


def _drawn(ic: IndexClaim, number_side: bool, scope, draws: int, seen: dict | None) -> tuple[bool, list[str]]:
    """_decide's draws of a claim read (_read)."""
    wholes = _wholes(ic, scope)
    sizes = _sizes(ic, wholes)
    _one_sided(ic, wholes)
    results = []
    # the draws, and when every one left the domain of a log, a root or a division (log p, log(1 − p)
    # of a probability), the same number drawn inside (0.1, 0.9), where such formulas are defined
    attempts = [(seed, False) for seed in range(draws)] + [(seed, True) for seed in range(draws)]
    for seed, inside in attempts:
        if inside and results:
            break
        rng = _generators(1234 + seed)
        env = {}
        for key, (shape, sym) in wholes.items():
            env[key] = _draw_values(rng, (sizes[shape[0]], sizes[shape[1]]),
                                    scope.props(key) if scope is not None else frozenset(), inside)
        for name, rank in ic.bases.items():
            key = ic.whole_key[name]
            if key not in env:
                shape = tuple(sizes[ic.classes.find(("axis", name, k))] for k in range(rank))
                if name in ic.families:  # the vectors x_1 … x_N as the columns of one d×N array
                    shape = (sizes[ic.classes.find(("famrow", name))], shape[0])
                props = scope.props(key) if scope is not None else frozenset()
                env[key] = _draw_values(rng, (shape[0], 1) if rank == 1 and name not in ic.families else shape,
                                        props, inside)  # fmt: skip
        holds = True
        for values in itertools.product(*(range(sizes[ic.classes.find(("bind", "free", f))]) for f in ic.free)):
            assignment = {("bind", "free", f): v for f, v in zip(ic.free, values)}
            try:
                a = _value(ic, ic.lhs, env, assignment, sizes)
                b = _value(ic, ic.rhs, env, assignment, sizes)
            except numeric.DomainError:
                holds = None
                break
            except numeric.ShapeMismatch as exc:
                if not ic.layout_used:
                    raise IndexUndecided(str(exc) or type(exc).__name__) from None
                holds = False  # the gradient's orientation in this layout does not fit the side: not this layout
                break
            except (numeric.Unsupported, FloatingPointError, ArithmeticError, ValueError) as exc:
                raise IndexUndecided(str(exc) or type(exc).__name__) from None
            if a.shape != b.shape:
                if a.size == b.size == 1:
                    pass
                elif ic.layout_used and a.shape == b.shape[::-1] and 1 in a.shape:
                    holds = False  # a gradient as a column beside a row: not in this layout
                    break
                else:
                    raise IndexUndecided(f"the sides are {a.shape[0]}×{a.shape[1]} and {b.shape[0]}×{b.shape[1]}")
            if not np.allclose(np.asarray(a).reshape(-1), np.asarray(b).reshape(-1), rtol=1e-7, atol=1e-9):
                holds = False
                break
        if holds is not None:
            results.append(holds)
    if seen is not None:
        seen["layout"] = ic.layout_used  # a gradient by a whole vector was taken: its orientation counted
    if not results or len(set(results)) != 1:
        raise IndexUndecided("the random draws disagree")
    if number_side and results[0] is False:
        raise IndexUndecided("one side is a number the other is not for every value: a condition to solve")
    if results[0] is False and _same_but_indices(ic.lhs, ic.rhs):
        raise IndexUndecided("the sides differ only in the indices of their entries: a property the note "
                             "may state (symmetry, detailed balance) makes them equal")
    if results[0] is False and not wholes and not any(
        _whole_declared(ic, name) for name in ic.bases
    ):
        # only entries of symbols the note never declares (π_i T_{ij}): they may obey what its prose
        # says (a distribution, detailed balance), which the draws do not know
        raise IndexUndecided("false for free entries, but the note never says what they are entries of")
    square = []
    written = {key: sym for key, (shape, sym) in wholes.items()}
    for name in ic.bases:  # a matrix the claim writes only by its entries (C_{ik})
        key = ic.whole_key[name]
        written.setdefault(key, Sym(0, 0, key, None, name in ic.bold_bases))
    for key, sym in written.items():
        declared = ic._declared(sym)
        if declared and len(declared) == 2 and declared[0] == declared[1] and declared[0] not in (None, 1):
            square.append(key)
    return results[0], square


def _skeleton(n: Node) -> str:
    """The tree as text without the subscripts of its symbols: terms of one pattern share it."""
    if isinstance(n, Sym):
        return f"S{n.name}^{n.sup}{'b' if n.bold else ''}"
    if isinstance(n, Num):
        return f"N{n.value}"
    own = [type(n).__name__]
    for attr in ("ops", "name", "mark", "op", "index"):
        value = getattr(n, attr, None)
        if isinstance(value, (str, list)):
            own.append(str(value))
    return "|".join(own) + "(" + ",".join(_skeleton(c) for c in n.children()) + ")"


class _DottedSums:
    """x_1 + x_2 + ⋯ + x_n and β_1 x_1 + … + β_n x_n as ∑_{k=1}^{n}: a whole sum whose written terms
    share one pattern, with the subscripts that change counting 1, 2, … and the last one a letter
    (the bound) that the claim uses nowhere else as an index. Any other sum with dots is left as written."""

    def __init__(self, sides):
        self.sides_in = sides
        self.used = _letters(sides)

    def sides(self):
        return tuple(self.visit(side) for side in self.sides_in)

    def visit(self, n: Node) -> Node:
        if isinstance(n, Add) and any(isinstance(t, Dots) for t in n.terms):
            found = self._read(n)
            if found is not None:
                return found
        if not any(isinstance(m, Dots) for m in n.walk()):
            return n
        return rebuild(n, self.visit)

    def _read(self, n: Add) -> Node | None:
        terms = n.terms
        dots = [k for k, t in enumerate(terms) if isinstance(t, Dots)]
        if len(dots) != 1 or dots[0] == 0 or dots[0] != len(terms) - 2:
            return None
        written = terms[: dots[0]] + terms[-1:]
        if any(isinstance(t, Neg) or any(isinstance(m, (Dots, Sum)) for m in t.walk()) for t in written):
            return None
        if len({_skeleton(t) for t in written}) != 1:
            return None
        subs = [[m for m in t.walk() if isinstance(m, Sym) and m.sub] for t in written]
        if len({len(x) for x in subs}) != 1 or not subs[0]:
            return None
        parts = [[_parts(m.sub) for m in x] for x in subs]
        if any(p is None for x in parts for p in x):
            return None
        changing, bound = [], None
        for pos in range(len(parts[0])):
            if len({len(x[pos]) for x in parts}) != 1:
                return None
            for q in range(len(parts[0][pos])):
                values = [x[pos][q] for x in parts]
                if len(set(values)) == 1:
                    continue
                if values[:-1] != [str(k) for k in range(1, len(values))] or not values[-1].isalpha():
                    return None
                if bound not in (None, values[-1]):
                    return None
                bound = values[-1]
                changing.append((pos, q))
        if bound is None or self._elsewhere(n, bound, len(changing)):
            return None
        fresh = next((x for x in "kpqrstuvlj" if x not in self.used), None)
        if fresh is None:
            return None
        self.used.add(fresh)
        last = written[-1]
        renamed = {}
        for pos, sym in enumerate(subs[-1]):
            new = list(parts[-1][pos])
            for p, q in changing:
                if p == pos:
                    new[q] = fresh
            if new != parts[-1][pos]:
                clone = rebuild(sym, lambda child: child)
                clone.sub = ",".join(new) if "," in sym.sub else "".join(new)
                renamed[id(sym)] = clone
        body = _Replaced(renamed).visit(last)
        upper = Sym(n.start, n.start, bound)
        return Sum(n.start, n.end, body, fresh, Num(n.start, n.start, "1"), upper, None, "sum")

    def _elsewhere(self, run: Add, bound: str, inside: int) -> bool:
        """Whether ``bound`` is an index of the claim outside the last term's changing subscripts."""
        count = 0
        for side in self.sides_in:
            for m in side.walk():
                if isinstance(m, Sym) and bound in (_parts(m.sub) or ()):
                    count += (_parts(m.sub) or []).count(bound)
                elif isinstance(m, Sum) and bound in (_sum_indices(m) or ()):
                    return True
        return count != inside


class _Replaced:
    """A copy of a tree with some nodes (by identity) replaced."""

    def __init__(self, by_id: dict):
        self.by_id = by_id

    def visit(self, n: Node) -> Node:
        if id(n) in self.by_id:
            return self.by_id[id(n)]
        return rebuild(n, self.visit)


def _worked_derivative(side: Node) -> bool:
    """Whether ``side`` holds a derivative of an expression written out (∂(w_i + x_i)/∂w_i, or a
    name its definition replaced), not of a bare name (∂L/∂w_i = 0: a condition on L)."""
    return any(isinstance(n, Deriv) and n.num is not None and not isinstance(n.num, (Sym, Call))
               for n in side.walk())  # fmt: skip


def _schematic_reason(n: Node, text: str | None = None) -> str:
    """Why a claim with this schematic matrix is not drawn here: the reason its pattern does not
    read (an entry that breaks it …), or that its entries are not separated into cells."""
    if isinstance(n, Dots):
        return "an expression written with dots (x_1 + ⋯ + x_n)"
    if schematic.schematic(n, text):
        found = schematic.read(n, text)
        if isinstance(found, str):
            return found
        return "a schematic matrix (with dots)"
    return "a schematic matrix whose entries are not written as cells (dots inside an entry)"


def _schematic_readable(*sides: Node, text: str | None = None) -> bool:
    """Whether a side holds a schematic matrix whose pattern reads: truth writes it out (its Σ too).
    A schematic matrix has dots: a side without any has none (one test per node, no grid read)."""
    nodes = [n for side in sides for n in side.walk()]
    if Dots not in map(type, nodes):  # at C speed (Dots has no subclass)
        return False
    return any(schematic.schematic(n, text) and not isinstance(schematic.read(n, text), str) for n in nodes)


def _same_but_indices(lhs: Node, rhs: Node) -> bool:
    """∑_i π_i T_{ij} and ∑_i π_j T_{ji}: the same expression but for the letters below the entries."""
    def shape(side):
        return re.sub(r"_\(?[\w ,]+\)?", "_?", render(side))

    return shape(lhs) == shape(rhs)


def _substituted(lhs: Node, rhs: Node, scope) -> tuple[Node, Node]:
    """The sides with the note's definitions in scope substituted (J = ∑_i (y_i − w x_i)^2 for J), as truth does."""
    if scope is None or not hasattr(scope, "definition"):
        return lhs, rhs
    from derivlint.check.truth import _definitions

    lhs, rhs = _entries_of_defined(lhs, rhs, scope)
    values, functions = _definitions(lhs, rhs, scope, False)
    if not values:
        return lhs, rhs
    values, functions = _renamed_apart(values, functions, (lhs, rhs))
    values = _instantiated(values, (lhs, rhs))
    return substitute(lhs, values, functions), substitute(rhs, values, functions)


def _entries_of_defined(lhs: Node, rhs: Node, scope) -> tuple[Node, Node]:
    """y_i where the note defines the whole, y = Ax, and says nothing of y_i itself: entry i of
    the whole ((y)_i, then (Ax)_i once y is substituted). Not a symbol a derivative is by (∂/∂y_i
    stays an entry of a drawn y), nor an entry of a whole defined as a function, nor one whose
    definition writes the entries itself (L = ∑_i L_i: the terms, not entries of L)."""
    derivs = [n for side in (lhs, rhs) for n in side.walk() if isinstance(n, Deriv)]
    wrt = {w.key for n in derivs for w in n.wrt if isinstance(w, Sym)}
    replace: dict[str, Node] = {}
    # only the entry a derivative is of (∂y_i/∂x_j): an entry inside an expression ((y_i − x_iᵀw)²)
    # may be a datum the note names like the defined whole (labels y_i beside y = Xw + ε)
    for n in [d.num for d in derivs]:
        if not (isinstance(n, Sym) and n.sub and not n.sup and n.name not in DELTA_NAMES) or n.key in replace:
            continue
        parts = _parts(n.sub)
        if not parts or not any(p.isalpha() for p in parts) or n.key in wrt or _has_facts(scope, n.key):
            continue
        defined = scope.definition(n.name, False)
        if defined is None or defined[1]:
            continue
        if any(isinstance(m, Sym) and m.name == n.name and m.sub for m in defined[0].walk()):
            continue
        letters = [Num(n.start, n.end, p) if p.isdigit() else Sym(n.start, n.end, p) for p in parts]
        sub = letters[0] if len(letters) == 1 else Mul(n.start, n.end, letters, [""])
        replace[n.key] = Func(n.start, n.end, "index", [Sym(n.start, n.end, n.name, None, n.bold)], sub)
    if not replace:
        return lhs, rhs
    return substitute(lhs, replace), substitute(rhs, replace)


def _has_facts(scope, key: str) -> bool:
    """Whether the note declares or defines ``key`` itself (a shape, a value or a kind)."""
    f = scope.facts(key)
    return f is not None and (f.shape is not None or f.value is not None or getattr(f, "kind", None) is not None)


_ENTRY_KEY = re.compile(r"([^_^]+)_([a-z])")  # name (hat(y) too), one index letter


def _instantiated(values: dict, sides) -> dict:
    """The definition of an entry with a free index (z_i = 3(x_i + 2)^2, for every i) given to the
    same entry under another letter the sides or definitions write (z_p of o = ¼∑_p z_p): the
    value with its free letter renamed. Nothing when the value binds the new letter itself."""
    templates = {}
    for key, value in values.items():
        m = _ENTRY_KEY.fullmatch(key)
        if m and m.group(2) in INDEX_LETTERS and m.group(2) in _letters([value]):
            templates.setdefault(m.group(1), (m.group(2), value))
    if not templates:
        return values
    out = dict(values)
    for tree in [*sides, *values.values()]:
        for n in tree.walk():
            if not (isinstance(n, Sym) and n.name in templates and not n.sup and n.key not in out):
                continue
            parts = _parts(n.sub)
            letter, value = templates[n.name]
            if not parts or len(parts) != 1 or not parts[0].isalpha() or parts[0] in _letters([value]):
                continue
            out[n.key] = _Rename(set(), []).visit(value, {letter: parts[0]})
    return out


def _letters(nodes) -> set[str]:
    """Every one-letter name and subscript letter written in ``nodes`` (the letters in use)."""
    used: set[str] = set()
    for side in nodes:
        for n in side.walk():
            if isinstance(n, Sym):
                if len(n.name) == 1:
                    used.add(n.name)
                used.update(_parts(n.sub) or ())
            elif isinstance(n, Sum) and n.index:
                used.update(p.strip() for p in n.index.split(","))
    return used


def _renamed_apart(values: dict, functions: dict, sides) -> tuple[dict, dict]:
    """The definitions with each Σ's letter that the claim also writes renamed to a fresh one:
    f = ∑_i x_i^2 put into ∂f/∂x_i is ∑_p x_p^2 (the definition's i is its own, bound by its Σ),
    not a Σ over the claim's free i. Renaming a bound letter never changes what a sum means."""
    bound = {x for value in values.values() for n in value.walk() if isinstance(n, Sum) for x in _sum_indices(n) or ()}
    if not bound:
        return values, functions
    claimed = _letters(sides)
    if not bound & claimed:
        return values, functions  # no Σ letter of a definition is written in the claim: nothing to rename
    used = claimed | _letters(values.values())
    fresh = [x for x in "pqrstuvkljmn" if x not in used]
    renamer = _Rename(claimed, fresh)
    new_values = {key: renamer.visit(value, {}) for key, value in values.items()}
    new_functions = {key: (params, new_values.get(key, renamer.visit(body, {})))
                     for key, (params, body) in functions.items()}  # fmt: skip
    return new_values, new_functions


def _has_sum(n: Node | None) -> bool:
    return n is not None and any(isinstance(m, Sum) for m in n.walk())


class _Rename:
    """A tree with the letters its Σs bind renamed where they clash with ``clashing`` (alpha-renaming:
    only inside the Σ that binds the letter). A clash without a fresh letter left is kept as written."""

    def __init__(self, clashing: set[str], fresh: list[str]):
        self.clashing, self.fresh = clashing, fresh

    def visit(self, n: Node, names: dict) -> Node:
        if isinstance(n, Sum):
            letters = _sum_indices(n) or []
            inner = dict(names)
            for letter in letters:
                inner.pop(letter, None)  # bound here: not the letter renamed outside
                if letter in self.clashing and self.fresh:
                    inner[letter] = self.fresh.pop(0)
            if inner == names:
                return n if not names and not _has_sum(n.body) else rebuild(n, lambda child: self.visit(child, names))
            clone = rebuild(n, lambda child: self.visit(child, inner))
            if n.index:
                clone.index = ",".join(inner.get(p.strip(), p.strip()) for p in n.index.split(","))
            return clone
        if not names:
            if not _has_sum(n):
                return n
            return rebuild(n, lambda child: self.visit(child, names))
        if isinstance(n, Sym):
            parts = _parts(n.sub)
            renamed_sub = n.sub
            if parts and any(p in names for p in parts):
                new = [names.get(p, p) for p in parts]
                renamed_sub = ",".join(new) if "," in n.sub else "".join(new)
            if renamed_sub == n.sub and not (n.name in names and not n.sub and not n.sup):
                return n
            clone = rebuild(n, lambda child: child)
            clone.sub = renamed_sub
            if n.name in names and not n.sub and not n.sup:
                clone.name = names[n.name]
            return clone
        return rebuild(n, lambda child: self.visit(child, names))


def _wholes(ic: IndexClaim, scope) -> dict[str, tuple]:
    """The whole symbols of the claim (x, A, x^T) with their shapes as class members; each base
    (x of x_i) tied to its whole: the same name, or the capital of a two-index lowercase base (a_{ij} of A)."""
    wholes: dict[str, tuple] = {}
    pending: set = set()
    syms = [n for n in _symbols(ic.lhs) + _symbols(ic.rhs) if not n.sub]
    bound_letters = set()
    for side in (ic.lhs, ic.rhs):
        for n in side.walk():
            if isinstance(n, Sum):
                bound_letters |= set(_sum_indices(n) or ())
    names = {n.name for n in syms}
    for name, rank in ic.bases.items():
        whole = name
        if name not in names and rank == 2 and name.islower() and len(name) == 1:
            if (name.upper() in names and not ic.columns_first) or _entries_by_convention(ic, name):
                whole = name.upper()
        ic.whole_key[name] = whole
    for name in ic.families:
        if name in names or _whole_declared(ic, name) is not None:
            raise IndexUndecided(f"{name} written whole beside its vectors {name}_i")
    of_whole = {v: k for k, v in ic.whole_key.items()}
    for n in syms:
        if n.name in bound_letters or n.name in ic.dim_symbols or n.name in ("e", "pi") or n.key in wholes:
            continue
        if n.name == "I":
            raise IndexUndecided("the identity I beside index notation")
        declared = ic._declared(n)
        base = of_whole.get(n.key)
        if declared is not None and len(declared) == 2:
            rows, cols = declared
            if base is None:
                members = []
                for k, d in enumerate((rows, cols)):
                    member = ("axis", n.key, k)
                    ic.classes.find(member)
                    if isinstance(d, int):
                        ic.classes.union(member, ("num", d))
                    elif isinstance(d, str):
                        ic.classes.union(member, ("sym", d))
                    else:
                        pending.add(member)  # tied by the products it is in, or not at all
                    members.append(member)
                wholes[n.key] = (tuple(members), n)
                continue
            _tie_declared(ic, base, n.key, declared)
            rank = ic.bases[base]
            shape = (("axis", base, 0), ("num", 1) if rank == 1 else ("axis", base, 1))
            ic.classes.find(("num", 1))
            wholes[n.key] = (shape, n)
            continue
        if base is not None:
            rank = ic.bases[base]
            if rank == 1 and not n.bold and n.name.isupper():
                raise IndexUndecided(f"{n.key} with one index: the entries of a matrix or of a vector")
            ic.classes.find(("num", 1))
            shape = (("axis", base, 0), ("num", 1) if rank == 1 else ("axis", base, 1))
            wholes[n.key] = (shape, n)
            continue
        if n.key in ic.guessed:  # an undeclared letter read as a number (_with_scalars)
            ic.classes.find(("num", 1))
            wholes[n.key] = ((("num", 1), ("num", 1)), n)
            continue
        raise _Unknown(n, (ic.lhs, ic.rhs))
    for name in ic.bases:  # a base written only by its entries (a_{2i}) has its whole's declaration
        key = ic.whole_key[name]
        if key not in wholes:
            declared = _whole_declared(ic, name)
            if declared is not None and len(declared) == 2:
                _tie_declared(ic, name, key, declared)
    if pending:
        _tie_by_products(ic, scope, wholes)
        groups = ic.classes.groups()
        for member in sorted(pending, key=repr):  # sorted: the same reason on every run
            kinds = {m[0] for m in groups[ic.classes.find(member)]}
            if not kinds & {"sym", "num"} and not any(
                m[0] == "axis" and m[1] in ic.bases for m in groups[ic.classes.find(member)]
            ):
                raise IndexUndecided(f"the size of {member[1]} is not known")
    return wholes


def _whole_declared(ic: IndexClaim, name: str):
    """The declared shape of the whole a base written only by its entries belongs to: in the
    entries' font, else, for plain entries (x_i), the bold whole (𝐱 ∈ ℝ^n): notes write the
    entries of a bold vector or matrix in plain type."""
    key, bold = ic.whole_key[name], name in ic.bold_bases
    declared = ic._declared(Sym(0, 0, key, None, bold))
    if declared is None and not bold:
        declared = ic._declared(Sym(0, 0, key, None, True))
    return declared


def _entries_by_convention(ic: IndexClaim, name: str) -> bool:
    """a_{ij} of A: the lowercase letter, declared nothing, names the entries of the capital the
    note declares a matrix (neither of its sizes 1), as notes write them without saying so; not in a
    note that names entries its own way, column first."""
    if ic.columns_first or ic._declared(Sym(0, 0, name, None, False)) is not None:
        return False
    declared = ic._declared(Sym(0, 0, name.upper(), None, False))
    if declared is None:
        declared = ic._declared(Sym(0, 0, name.upper(), None, True))
    return declared is not None and len(declared) == 2 and 1 not in declared and None not in declared


def _tie_declared(ic: IndexClaim, base: str, key: str, declared) -> None:
    """The axes of ``base`` (x of x_i, A of A_{ij}) tied to the declared sizes of its whole ``key``."""
    rows, cols = declared
    rank = ic.bases[base]
    if rank == 1:
        if rows == 1 and cols != 1:
            raise IndexUndecided(f"{key} is a row written by its entries")
        if cols != 1:
            raise IndexUndecided(f"{base}_i of the matrix {key}: a row or a column")
        dims = (rows,)
    else:
        if rows == 1 or cols == 1:
            raise IndexUndecided(f"{key} is a vector written with two indices")
        dims = (rows, cols)
    for k, d in enumerate(dims):
        if isinstance(d, int):
            ic.classes.union(("axis", base, k), ("num", d))
        elif isinstance(d, str):
            ic.classes.union(("axis", base, k), ("sym", d))


def _tie_by_products(ic: IndexClaim, scope, wholes) -> None:
    """The dimensions of whole symbols tied through the products they form (a^T x: a has x's size),
    by shape inference over the parts of the claim written without indices."""
    from derivlint.check.shapes import Dim, Inference

    inf = Inference(symbol_shape=scope.shape if scope is not None else (lambda sym: None),
                    layout="denominator", opaque_derivatives=True)  # fmt: skip
    for side in (ic.lhs, ic.rhs):
        for part in _index_free_parts(side):
            try:
                inf.infer(part)
            except Exception:  # noqa: BLE001 - a part the inference cannot read ties nothing
                continue
    for key, (members, sym) in wholes.items():
        shape = inf.symbols.get(key)
        if not shape:
            continue
        for member, d in zip(members, shape):
            if isinstance(d, Dim):
                r = d.root()
                ic.classes.union(member, ("dim", id(r)))
                if r.num is not None:
                    ic.classes.union(member, ("num", r.num))
                elif r.name is not None:
                    ic.classes.union(member, ("sym", r.name))


def _index_free_parts(node: Node) -> list[Node]:
    """The largest subtrees without indices (no Σ, entry, δ or derivative by an entry)."""
    if not _indexed(node):
        return [node]
    out = []
    for child in node.children():
        out.extend(_index_free_parts(child))
    return out


def _indexed(node: Node) -> bool:
    for n in node.walk():
        if isinstance(n, Sum) or (isinstance(n, Func) and n.name == "index"):
            return True
        if isinstance(n, Sym) and n.sub and _parts(n.sub) and any(p.isalpha() for p in _parts(n.sub)):
            return True
        if isinstance(n, Sym) and n.sub and _parts(n.sub):
            return True
    return False


def _symbols(side: Node) -> list[Sym]:
    """The symbols of a side, without the letters of an entry's subscript ((AB)_{ij}) or a Σ's bounds."""
    skip = set()
    for n in side.walk():
        if isinstance(n, Func) and n.name == "index" and isinstance(n.sub, Node):
            skip |= {id(m) for m in n.sub.walk()}
        if isinstance(n, Sum):
            for part in (n.lower, n.upper, n.sub):
                if isinstance(part, Node):
                    skip |= {id(m) for m in part.walk()}
    return [n for n in side.walk() if isinstance(n, Sym) and id(n) not in skip]


def _sizes(ic: IndexClaim, wholes) -> dict:
    """A size for every class root: the written number, else a distinct drawn size per dimension symbol."""
    groups = ic.classes.groups()
    sizes: dict = {}
    pool = iter(SIZE_POOL)
    by_symbol: dict[str, int] = {}
    for root, members in groups.items():
        nums = {m[1] for m in members if m[0] == "num"}
        syms = {m[1] for m in members if m[0] == "sym"}
        if len(nums) > 1 or len(syms) > 1 or (nums and syms):
            what = sorted(map(str, nums | syms))
            raise IndexUndecided(f"an index runs over {what[0]} and {what[1]}")
        if nums:
            size = nums.pop()
            if size > MAX_SIZE:
                raise IndexUndecided(f"a range of {size} is too large to draw")
        elif syms:
            s = syms.pop()
            if s not in by_symbol:
                by_symbol[s] = next(pool, None)
            size = by_symbol[s]
        else:
            has_axis = any(m[0] == "axis" for m in members)
            if not has_axis:
                raise IndexUndecided("the range of an index is not tied to a dimension")
            size = next(pool, None)
        if size is None:
            raise IndexUndecided("too many dimensions")
        least = max((ic.min_size.get(m, 0) for m in members), default=0)
        if least > size:
            if nums or syms:
                raise IndexUndecided("an entry beyond the range of its index")
            size = least
        for m in members:
            sizes[m] = size
        sizes[root] = size
    return {**sizes, **{k: sizes[ic.classes.find(k)] for k in list(ic.classes.parent)}}


def _one_sided(ic: IndexClaim, wholes) -> None:
    """A symbol on the right only, or on one side of a claim without derivatives: the claim relates
    or defines it (y_i = ∑_j A_{ij} x_j), it is not an identity to draw."""
    names = []
    for side in (ic.lhs, ic.rhs):
        found = set()
        for n in _symbols(side):
            if n.name not in DELTA_NAMES:
                key = ic.whole_key.get(n.name, n.key) if n.sub else n.key
                if key in wholes or n.name in ic.bases:
                    found.add(key)
        names.append(found)
    derivative = any(isinstance(n, Deriv) for side in (ic.lhs, ic.rhs) for n in side.walk())
    right_only = names[1] - names[0]
    if right_only:
        raise IndexUndecided(f"{sorted(right_only)[0]} is on the right-hand side only")
    if not derivative and names[0] - names[1]:
        raise IndexUndecided(f"{sorted(names[0] - names[1])[0]} is on the left-hand side only")


def _value(ic: IndexClaim, side: Node, env: dict, assignment: dict, sizes: dict) -> np.ndarray:

    extra: dict[str, np.ndarray] = {}
    tree = _Ground(ic, env, assignment, sizes, extra).visit(side, {})
    return numeric.evaluate(tree, {**env, **extra})


class _Ground:
    """The tree with every index given its value: Σ expanded, entries made entry(x, r, c), δ a number,
    a derivative by an entry replaced by its value (a symbol of its own in ``extra``)."""

    def __init__(self, ic, env, assignment, sizes, extra):
        self.ic, self.env, self.assignment, self.sizes, self.extra = ic, env, assignment, sizes, extra
        self.count = 0

    def _position(self, p: str, bound: dict, axis_member) -> int:
        ic = self.ic
        if p.isdigit():
            if p == "0":  # x_0: the first entry, or one before x_1 (a bias, an initial value)
                raise IndexUndecided("an entry numbered 0: which one it is depends on the note's indexing")
            return int(p) - 1
        if p in bound:
            return bound[p]
        if ("bind", "free", p) in self.assignment:
            return self.assignment[("bind", "free", p)]
        if p in ic.dim_symbols:
            return self.sizes[ic.classes.find(axis_member)] - 1
        raise IndexUndecided(f"the subscript {p} is not an index")

    def visit(self, n: Node, bound: dict) -> Node:
        ic = self.ic
        if isinstance(n, Sum):
            binders = ic.sum_ids[id(n)]
            letters = [b[2] for b in binders]
            ranges = [range(self.sizes[ic.classes.find(b)]) for b in binders]
            terms = []
            excluded = _excluded(n)
            skip = self._position(excluded, bound, None) if excluded is not None else None
            for values in itertools.product(*ranges):
                if skip is not None and values[0] == skip:
                    continue  # Σ_{k≠i}: every k but the value of i
                inner = dict(bound)
                for letter, v in zip(letters, values):
                    inner[letter] = v
                terms.append(self.visit(n.body, inner))
                self.count += 1
                if self.count > MAX_GROUND:
                    raise IndexUndecided("too many terms to expand")
            if not terms:
                return Num(n.start, n.end, "0" if n.op == "sum" else "1")
            if n.op == "prod":
                return Mul(n.start, n.end, terms, [""] * (len(terms) - 1)) if len(terms) > 1 else terms[0]
            return Add(n.start, n.end, terms) if len(terms) > 1 else terms[0]
        if isinstance(n, Sym):
            if n.sub:
                parts = _parts(n.sub)
                if n.name in DELTA_NAMES:
                    a, b = (self._position(p, bound, None) for p in parts)
                    return Num(n.start, n.end, "1" if a == b else "0")
                base = n.name
                pos = [self._position(p, bound, ("axis", base, k)) for k, p in enumerate(parts)]
                r, c = (pos[0], 0) if len(pos) == 1 else pos
                key = ic.whole_key[base]
                if base in ic.families:  # x_i ∈ ℝ^d: column i of the drawn d×N array, written out
                    rows = self.sizes[ic.classes.find(("famrow", base))]
                    return Matrix(n.start, n.end, [[Func(n.start, n.end, "entry", [Sym(n.start, n.end, key),
                                  Num(n.start, n.end, str(k)), Num(n.start, n.end, str(r))])] for k in range(rows)])
                return Func(n.start, n.end, "entry", [Sym(n.start, n.end, key), Num(n.start, n.end, str(r)),
                                                       Num(n.start, n.end, str(c))])  # fmt: skip
            if n.name in bound:
                return Num(n.start, n.end, str(bound[n.name] + 1))
            if n.name in ic.dim_symbols and not n.sup and ("sym", n.name) in self.sizes and _size_only(ic, n):
                # n in (1/n)∑_{i=1}^{n} z_i: the number of terms, the size drawn for that dimension
                return Num(n.start, n.end, str(self.sizes[("sym", n.name)]))
            return n
        if isinstance(n, Func) and n.name == "index":

            gradient = self._gradient_entry(n, bound)
            if gradient is not None:
                return gradient
            arg = self.visit(n.args[0], bound)
            shape = numeric.evaluate(arg, {**self.env, **self.extra}).shape
            parts = _parts(_index_sub(n.sub))
            pos = [self._position(p, bound, ("expr", id(n), k, len(parts))) for k, p in enumerate(parts)]
            if shape == (1, 1):
                raise IndexUndecided(f"an entry of the number {render(n.args[0])}: the subscript names another quantity")
            if len(pos) == 1:
                if shape[1] == 1:
                    r, c = pos[0], 0
                elif shape[0] == 1:
                    r, c = 0, pos[0]
                else:
                    raise IndexUndecided("one index of a matrix expression")
            else:
                r, c = pos
            return Func(n.start, n.end, "entry", [arg, Num(n.start, n.end, str(r)), Num(n.start, n.end, str(c))])
        if isinstance(n, Deriv):
            return self._deriv(n, bound)
        if isinstance(n, Func) and n.name not in SCALAR_FUNCTIONS and _has_entry(n):
            raise IndexUndecided(f"{n.name} of an entry: the function of the whole vector or of the number")
        if isinstance(n, Transpose) and any(isinstance(m, Sym) and m.sub and m.name not in ic.families
                                            for m in n.arg.walk()):  # fmt: skip
            raise IndexUndecided("an entry transposed: a row, a column or a number")
        return rebuild(n, lambda child: self.visit(child, bound))

    def _gradient_entry(self, n: Func, bound: dict) -> Node | None:
        """(∂f/∂x)_k of a scalar f by a vector x: ∂f/∂x_k, the same in both layouts (a row or a column,
        its k-th entry). None for anything else (a matrix variable's (i, j) entry depends on the layout)."""

        d = n.args[0] if len(n.args) == 1 else None
        parts = _parts(_index_sub(n.sub))
        if not (isinstance(d, Deriv) and d.num is not None and len(d.wrt) == 1 and parts and len(parts) == 1):
            return None
        w = d.wrt[0]
        if not isinstance(w, Sym) or w.sub or w.key not in self.env:
            return None
        value = self.env[w.key]
        if value.ndim != 2 or 1 not in value.shape or value.size < 2:
            return None
        num = self.visit(d.num, bound)
        f, jac = numeric.jacobian(num, {**self.env, **self.extra}, w.key)
        if f.shape != (1, 1):
            raise IndexUndecided("an entry of the derivative of a vector")
        k = self._position(parts[0], bound, ("expr", id(n), 0, 1))
        if not 0 <= k < value.size:
            raise IndexUndecided("an entry beyond the vector's size")
        r, c = (k, 0) if value.shape[1] == 1 else (0, k)
        self.count += 1
        name = f"__d{len(self.extra)}"
        self.extra[name] = np.array([[jac[0, 0, r, c]]])
        return Sym(n.start, n.end, name)

    def _deriv(self, n: Deriv, bound: dict) -> Node:

        if n.num is not None and len(n.wrt) == 2 and all(isinstance(w, Sym) for w in n.wrt):
            return self._second(n, bound)  # ∂²f/∂x_i∂x_j
        if n.num is None or len(n.wrt) != 1 or not isinstance(n.wrt[0], Sym):
            raise IndexUndecided("a derivative that is not of one expression by one entry")
        w = n.wrt[0]
        if not w.sub:
            return self._by_number(n, w, bound)
        parts = _parts(w.sub)
        base = w.name
        if base not in self.ic.bases:
            raise IndexUndecided(f"a derivative by {w.key}, not an entry of a drawn symbol")
        if base in self.ic.families:
            raise IndexUndecided(f"a derivative by the vector {w.key} beside index notation")
        pos = [self._position(p, bound, ("axis", base, k)) for k, p in enumerate(parts)]
        r, c = (pos[0], 0) if len(pos) == 1 else pos
        key = self.ic.whole_key[base]
        num = self.visit(n.num, bound)
        if not any(isinstance(m, Sym) and m.key == key for m in num.walk()):
            raise IndexUndecided(f"{render(n.num)} is not given as a function of {w.key}")
        value, jac = numeric.jacobian(num, {**self.env, **self.extra}, key)
        if value.shape != (1, 1):
            raise IndexUndecided("a derivative of a vector by an entry")
        self.count += 1
        name = f"__d{len(self.extra)}"
        self.extra[name] = np.array([[jac[0, 0, r, c]]])
        return Sym(n.start, n.end, name)


    def _by_number(self, n: Deriv, w: Sym, bound: dict) -> Node:
        """∂/∂w of a number by a whole w that is itself a number (declared w ∈ ℝ, or read as one:
        _with_scalars): a number in every layout; by a whole column vector w: the gradient, a column
        in the denominator layout and a row in the numerator one (IndexClaim.layout, whose use is
        recorded: decide_claim then decides in each layout). By a matrix: undecided."""

        value = self.env.get(w.key)
        column = value is not None and value.ndim == 2 and value.shape[1] == 1 and value.shape[0] > 1
        if value is None or (value.shape != (1, 1) and not column):
            raise IndexUndecided(f"a derivative by the whole {w.key} beside index notation")
        num = self.visit(n.num, bound)
        if not any(isinstance(m, Sym) and m.key == w.key for m in num.walk()):
            raise IndexUndecided(f"{render(n.num)} is not given as a function of {w.key}")
        f, jac = numeric.jacobian(num, {**self.env, **self.extra}, w.key)
        if f.shape != (1, 1):
            raise IndexUndecided("a derivative of a vector or a matrix beside index notation")
        self.count += 1
        name = f"__d{len(self.extra)}"
        if column:  # the gradient of a number by a vector: a column in the denominator layout, a row in the other
            g = np.array(jac[0, 0, :, 0], dtype=float).reshape(-1, 1)
            self.ic.layout_used = True
            self.extra[name] = g if self.ic.layout == "denominator" else g.T
        else:
            self.extra[name] = np.array([[jac[0, 0, 0, 0]]])
        return Sym(n.start, n.end, name)

    def _spot(self, w: Sym, bound: dict) -> tuple[str, tuple[int, int]]:
        """(key of the drawn whole, (row, column)) of the entry ``w`` a derivative is by."""
        if not w.sub:
            raise IndexUndecided(f"a derivative by the whole {w.key} beside index notation")
        parts = _parts(w.sub)
        if parts is None or w.name not in self.ic.bases:
            raise IndexUndecided(f"a derivative by {w.key}, not an entry of a drawn symbol")
        pos = [self._position(p, bound, ("axis", w.name, k)) for k, p in enumerate(parts)]
        return self.ic.whole_key[w.name], ((pos[0], 0) if len(pos) == 1 else (pos[0], pos[1]))

    def _second(self, n: Deriv, bound: dict) -> Node:
        """∂²f/∂x_i∂x_j as a number: ∂/∂x_i of the exact ∂f/∂x_j, by check.hessian's differences."""
        from derivlint.check import hessian, numeric

        (outer, (r1, c1)), (inner, (r2, c2)) = (self._spot(w, bound) for w in n.wrt)
        num = self.visit(n.num, bound)
        keys = {m.key for m in num.walk() if isinstance(m, Sym)}
        if any(k.startswith("__d") for k in keys):
            raise IndexUndecided("a derivative inside a second derivative by entries")
        for key, w in ((outer, n.wrt[0]), (inner, n.wrt[1])):
            if key not in keys:
                raise IndexUndecided(f"{render(n.num)} is not given as a function of {w.key}")
        env = {**self.env, **self.extra}
        if numeric.evaluate(num, env).shape != (1, 1):
            raise IndexUndecided("a derivative of a vector by an entry")
        try:
            J = hessian.outer_jacobian(lambda e: numeric.jacobian(num, e, inner)[1][0, 0], env, outer)
        except hessian.Unsettled as why:
            raise IndexUndecided(str(why)) from None
        self.count += 1
        name = f"__d{len(self.extra)}"
        self.extra[name] = np.array([[J[r2, c2, r1, c1]]])
        return Sym(n.start, n.end, name)


def _size_only(ic: IndexClaim, sym: Sym) -> bool:
    """Whether the note gives ``sym`` (a Σ's bound, a declared size) no value or shape of its own."""
    f = ic.scope.facts(sym.key) if ic.scope is not None else None
    return f is None or (f.value is None and f.shape is None and getattr(f, "kind", None) in (None, "scalar"))


def _has_entry(n: Node) -> bool:
    return any(isinstance(m, Sym) and m.sub and _parts(m.sub) for m in n.walk()) or any(
        isinstance(m, (Sum, Func)) and getattr(m, "name", "") == "index" for m in n.walk()
    )


def _draw_values(rng, shape, props, inside: bool = False) -> np.ndarray:
    """Random values of ``shape`` with ``props``; ``inside``: in (0.1, 0.9) (see _decide)."""
    if "distribution" in props and 1 in shape:
        a = rng.random(shape) + 0.1
        return a / a.sum()
    a = rng.uniform(0.1, 0.9, shape) if inside else rng.standard_normal(shape)
    if shape[0] == shape[1] and shape[0] > 1:
        if "symmetric" in props:
            a = (a + a.T) / 2
        if "positive_definite" in props or "positive_semidefinite" in props:
            a = a @ a.T + shape[0] * np.eye(shape[0])
        if props - {"symmetric", "positive_definite", "positive_semidefinite", "square", "invertible", "commuting",
                    "distribution"}:  # fmt: skip
            raise IndexUndecided("a matrix with a property the index check does not draw")
    return a


def decide_claim(claim, scope, head) -> bool:
    """The index check of one claim (truth.check_claim's hook): True when the claim is written
    with indices and this module gave it its outcome and verdict, False to leave it to the rest."""
    from derivlint.check.truth import LAYOUTS, Outcome, _verdict, constraint_reason
    from derivlint.check.reading import block_text, role_of

    # a step of a derivation is compared with the derivative the chain computes, as truth does
    lhs = head if head is not None and head is not claim.rhs else claim.lhs
    if claim.rhs is None or lhs is None or not wanted(lhs, claim.rhs):
        return False
    if role_of(claim) is not None:
        return False  # a definition, a condition …: the reading gate says so
    sides = (lhs, claim.rhs) if claim.lhs is None or claim.lhs is lhs else (lhs, claim.rhs, claim.lhs)
    block = block_text(claim)
    if _schematic_readable(*sides, text=block):
        return False  # a pattern of sums or entry-wise derivatives: written out (and its Σ unrolled) by truth
    own = _only_here(lhs, claim.rhs, scope) or (
        _only_here(claim.lhs, claim.rhs, scope) if claim.lhs is not None and claim.lhs is not lhs else None
    )
    if not own:
        return False  # written with entries the rest of the check reads (x_1 of x = [x_1; x_2], x_t)
    text = claim.block.text if getattr(claim, "block", None) is not None else ""
    source = getattr(getattr(claim, "block", None), "source", None)
    note = getattr(source, "text", None) or text  # the whole note: "the Einstein convention" is said in prose
    try:
        seen: dict = {}
        reading: dict = {}  # the claim read once for both layouts (see _decide)
        holds, square, guessed = _with_scalars(lhs, claim.rhs, scope, note, block, "denominator", seen, reading)
        layouts = frozenset(LAYOUTS) if holds else frozenset()
        if seen.get("layout"):  # a gradient by a whole vector: decided in each layout
            other = _with_scalars(lhs, claim.rhs, scope, note, block, "numerator", reading=reading)[0]
            layouts = frozenset(name for name, ok in (("denominator", holds), ("numerator", other)) if ok)
            holds = bool(layouts)
        if guessed and not holds:
            names = ", ".join(sorted(guessed))
            raise IndexUndecided(f"false when {names} (shape not declared) is read as a number" if len(guessed) == 1
                                 else f"false when {names} (shapes not declared) are read as numbers")
    except IndexUndecided as why:
        if own == "index":
            return False  # the reading gate's reason (index notation …) stays
        outcome = Outcome(reason=str(why))
    else:
        outcome = Outcome(holds=layouts)
        if not holds:
            outcome = _symmetric_reading(lhs, claim.rhs, scope, note, outcome, square)
            if outcome.holds is not None and outcome.assumption is None:
                outcome = _distribution_reading(lhs, claim.rhs, scope, note, outcome)
            if outcome.holds is not None and not outcome.holds and outcome.assumption is None:
                constraint = constraint_reason(claim, lhs, claim.rhs, scope)
                if constraint is not None:  # max x̂ᵀΛx̂ subject to ‖x̂‖² = 1, then Σ λ₁x̂ᵢ² = λ₁
                    outcome = Outcome(reason=constraint)
    claim.facts["outcome"] = outcome
    claim.facts["indices"] = True
    claim.verdict = _verdict(outcome)
    return True


GUESS_LIMIT = 4  # undeclared letters a claim may have read as numbers
# letters that are constants, operators or sets, not an undeclared number
NOT_NUMBER_LETTERS = frozenset({"pi", "infty", "imath", "jmath", "hbar", "emptyset", "aleph", "beth", "delta",
                                "digamma", "e", "i", "j", "d", "ell"})


def _with_scalars(lhs, rhs, scope, note: str, block, layout: str = "denominator",
                  seen: dict | None = None, reading: dict | None = None) -> tuple[bool, list[str], frozenset]:
    """_decide, and where it stops at a whole symbol whose shape nothing gives (α in α∑_i|w_i|,
    b in ∑_i(y_i − w x_i − b)²), again with that symbol read as a number, for letters a note
    leaves undeclared when they are numbers: a plain lowercase Latin or Greek letter, never
    written transposed, inverted or in bold, that the note says nothing of. Returns the keys so
    read (empty when none was needed): a claim false under that reading is not a finding.
    ``reading``: see _decide (the claim is read once: each try differs in ``guessed`` only)."""
    guessed: frozenset = frozenset()
    reading = {} if reading is None else reading
    while True:
        try:
            holds, square = _decide(lhs, rhs, scope, note, text=block, guessed=guessed, layout=layout, seen=seen,
                                    reading=reading)
            return holds, square, guessed
        except _Unknown as why:
            sym = why.symbol
            if len(guessed) >= GUESS_LIMIT or not _number_letter(sym, scope, *why.sides):
                raise
            guessed = guessed | {sym.key}


def _number_letter(sym: Sym, scope, *sides) -> bool:
    """Whether ``sym`` is a letter notes leave undeclared when it is a number (see _with_scalars)."""
    from derivlint.math.parser import GREEK

    if sym.bold or sym.sub or sym.sup or not (sym.name in GREEK or (len(sym.name) == 1 and sym.name.islower())):
        return False
    if sym.name in NOT_NUMBER_LETTERS or (sym.name in GREEK and not sym.name[0].islower()):
        return False
    f = scope.facts(sym.key) if scope is not None else None
    if f is not None and (f.shape is not None or f.value is not None or f.kind is not None or f.props):
        return False
    for side in sides:
        for n in side.walk():
            if isinstance(n, Transpose) and any(isinstance(m, Sym) and m.name == sym.name for m in n.arg.walk()):
                return False  # wᵀx_i, in the claim or in a definition it uses: a vector
            if isinstance(n, Call) and isinstance(n.func, Sym) and n.func.name == sym.name:
                return False  # f(x): a function
            if isinstance(n, Norm) and any(isinstance(m, Sym) and m.name == sym.name for m in n.walk()):
                return False  # ‖w‖²: as often a vector's norm as a number's absolute value
    return True


def _only_here(lhs, rhs, scope) -> str | None:
    """"sum" when a side holds a Σ/Π, an entry of an expression or δ (nothing else decides these),
    "index" when the reading gate leaves the claim to index notation, else None."""
    nodes = [n for side in (lhs, rhs) for n in side.walk()]
    for n in nodes:
        kind = type(n)  # by exact type (no node type has a subclass)
        if kind is Sum or (kind is Func and n.name == "index"):
            return "sum"
        if kind is Sym and n.name in DELTA_NAMES and n.sub:
            return "sum"
    if Dots in map(type, nodes):
        reader = _DottedSums((lhs, rhs))
        if any(isinstance(n, Add) and reader._read(n) is not None for n in nodes):
            return "sum"  # w_1 x_1 + ⋯ + w_d x_d: a Σ written out, read here
    try:
        return "index" if _index_notation(nodes, scope) is not None else None
    except Exception:  # noqa: BLE001 - the gate's reader failing: not ours
        return None


class _Symmetric:
    """The scope with some matrices symmetric too (the second reading of a false claim)."""

    def __init__(self, scope, keys):
        self.scope, self.keys = scope, set(keys)

    def __getattr__(self, name):
        return getattr(self.scope, name)

    def props(self, key):
        own = frozenset(self.scope.props(key)) if self.scope is not None else frozenset()
        return own | {"symmetric"} if key in self.keys else own


def _symmetric_reading(lhs, rhs, scope, note, outcome, square: list[str]):
    """A false claim that holds when a matrix is symmetric: DL304's unstated assumption when the
    matrix is declared square, else undecided (the claim may have made it square itself).
    ``square``: what _decide of the claim as written gave (decide_claim has it; the draws are
    seeded, so deciding again would give the same)."""
    from derivlint.check.truth import LAYOUTS, Assumption, Outcome, denied

    try:
        every = _decide(lhs, rhs, _Symmetric(scope, _all_keys(lhs, rhs)), note)[0]
    except IndexUndecided:
        return outcome
    if not every:
        return outcome
    for key in square:
        try:
            if _decide(lhs, rhs, _Symmetric(scope, (key,)), note)[0]:
                no = denied("symmetric") in scope.props(key)
                outcome.assumption = Assumption((key,), "symmetric", frozenset(LAYOUTS), no)
                return outcome
        except IndexUndecided:
            continue
    return Outcome(reason="holds when a matrix is symmetric, and which one the claim does not make certain")


class _Distribution(_Symmetric):
    """The scope with some vectors drawn as distributions (positive entries summing to 1)."""

    def props(self, key):
        own = frozenset(self.scope.props(key)) if self.scope is not None else frozenset()
        return own | {"distribution"} if key in self.keys else own


def _distribution_reading(lhs, rhs, scope, note, outcome):
    """A false claim that holds when a vector sums to 1 (∑_j y_j log Z = log Z for a label y):
    notes use labels and probabilities so; undecided unless the claim is false that way too."""
    from derivlint.check.truth import Outcome

    try:
        if _decide(lhs, rhs, _Distribution(scope, _all_keys(lhs, rhs)), note)[0]:
            return Outcome(reason="holds when a vector sums to 1 (a distribution or a one-hot label)")
    except IndexUndecided:
        pass
    return outcome


def _all_keys(lhs, rhs) -> set[str]:
    keys = set()
    for side in (lhs, rhs):
        for n in side.walk():
            if isinstance(n, Sym):
                keys.add(n.key)
                keys.add(n.name)
                keys.add(n.name.upper())
    return keys
