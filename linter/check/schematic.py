"""Schematic matrices (a_{11} ⋯ a_{1n}; ⋮ ⋱ ⋮; a_{m1} ⋯ a_{mn}) read as a pattern and written out at a drawn size."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from derivlint.math.tree import Add, Deriv, Dots, Func, Matrix, Mul, Neg, Node, Num, Sum, Sym, Transpose, Tuple, render
from derivlint.math.treeops import rebuild

# The sizes a symbolic bound (n, m, d …) is written out at: distinct bounds get distinct sizes, small
# enough that an index stays one digit (a_{34}), large enough that 1, 2 and n are different entries.
SIZES = (3, 4, 5, 6)
PARTIAL = "partial_entry"  # ∂f/∂x_k of a written-out pattern: entry k of ∂f/∂x (numeric)
PATTERN_ENV = "pattern"  # the env of a written-out pattern: its entries must be numbers (numeric)
_ATOM = re.compile(r"^(?:(?P<num>\d+)|(?P<sym>[A-Za-z])(?:(?P<sign>[+-])(?P<off>\d+))?)$")


@dataclass
class Axis:
    """One axis of a pattern: its size is ``count`` (no gap) or ``bound`` + ``shift`` (a gap)."""

    count: int | None = None
    bound: str | None = None
    shift: int = 0

    def size(self, sizes: dict[str, int]) -> int:
        return self.count if self.bound is None else sizes[self.bound] + self.shift


@dataclass
class Pattern:
    """The general entry of a schematic matrix: ``template`` (a written cell) whose index atoms are
    ``roles`` ('row', 'col' or None for a constant) with ``offsets`` (index = position + offset)."""

    template: Node
    rows: Axis
    cols: Axis
    roles: list  # per atom slot: "row", "col" or None
    offsets: list  # per atom slot: the index at position 1 minus 1
    commas: bool
    two_axes: bool = True
    breaks: list = field(default_factory=list)  # (row, column, entry as written, as read): _read_breaks
    einstein: list = field(default_factory=list)  # index letters repeated in a product of every entry (a_{1i} x_i)


def _atoms(sub: str, two_axes: bool) -> list[str] | None:
    """The index atoms of a subscript: 1,n -> [1, n]; 1n -> [1, n]; n-1 -> [n-1]; None if unreadable."""
    s = sub.strip("{}").replace(" ", "").replace("\\,", "")
    if "," in s:
        parts = s.split(",")
    elif len(s) == 1 or _ATOM.match(s) and not s.isdigit():
        parts = [s]
    elif len(s) == 2 and (two_axes or not s.isdigit()):
        parts = [s[0], s[1]]
    elif s.isdigit() and not two_axes:
        parts = [s]
    else:
        return None
    return parts if all(_ATOM.match(p) for p in parts) else None


def _value(atom: str) -> tuple:
    m = _ATOM.match(atom)
    if m.group("num") is not None:
        return ("num", int(m.group("num")))
    off = int(m.group("off") or 0) * (-1 if m.group("sign") == "-" else 1)
    return ("sym", m.group("sym"), off)


def _indexed(cell: Node) -> list[Sym]:
    return [n for n in cell.walk() if isinstance(n, Sym) and n.sub]


def _skeleton(cell: Node, two_axes: bool) -> tuple[str, list[str]] | None:
    """The cell with its subscripts blanked (its form) and the list of its index atoms, or None."""
    atoms: list[str] = []
    blanks: dict[int, str] = {}
    for sym in _indexed(cell):
        parts = _atoms(sym.sub, two_axes)
        if parts is None:
            return None
        atoms.extend(parts)
        blanks[id(sym)] = "#" * len(parts)
    form = _Blank(blanks).visit(cell)
    return render(form), atoms


class _Blank:
    """A copy of a cell with each indexed symbol's subscript replaced by its blank."""

    def __init__(self, blanks: dict[int, str]):
        self.blanks = blanks

    def visit(self, n: Node) -> Node:
        if isinstance(n, Sym):
            if id(n) in self.blanks:
                return Sym(n.start, n.end, n.name, self.blanks[id(n)], n.bold, n.sup)
            return n
        return rebuild(n, self.visit)


def _grid(node: Node, text: str | None = None) -> list[list[Node]] | None:
    if isinstance(node, Matrix):
        listed = _spaced_column(node, text) if text else None
        return listed if listed is not None else node.rows
    if isinstance(node, Tuple) and node.brackets == "[]":  # (x_1, …, x_n) may be a column or a row
        return [list(node.items)]
    return None


# "\ " (or a backslash ending the line): the separator of the entries of a _spaced_column
_CONTROL_SPACES = re.compile(r"\s*(?:\\\s\s*)+")


def _spaced_column(node: Matrix, text: str) -> list[list[Node]] | None:
    """A matrix of one cell that lays out its entries with control spaces between them and a gap of
    dots (``a_1 \\ a_2 \\ \\cdots \\ a_m``, no ``&`` and no ``\\\\``): each ``\\ `` is a row break that
    lost a backslash, so the entries stand one under another, a column. None for anything else."""
    if len(node.rows) != 1 or len(node.rows[0]) != 1:
        return None
    cell = node.rows[0][0]
    if not isinstance(cell, Mul) or any(cell.ops) or len(cell.factors) < 3:
        return None
    factors = cell.factors
    if not any(isinstance(f, Dots) and f.kind != "empty" for f in factors) or isinstance(factors[0], Dots):
        return None
    groups = [[factors[0]]]  # the entries: factors between two control spaces (2 x_1 \ 2 x_2 …)
    spaced = False
    for a, b in zip(factors, factors[1:]):
        if not 0 <= a.end <= b.start <= len(text):
            return None
        between = text[a.end : b.start]
        if _CONTROL_SPACES.fullmatch(between):
            groups.append([b])
            spaced = True
        elif between.strip() or isinstance(a, Dots) or isinstance(b, Dots):
            return None
        else:
            groups[-1].append(b)
    if not spaced or len(groups) < 3:
        return None
    return [[g[0] if len(g) == 1 else Mul(g[0].start, g[-1].end, g, [""] * (len(g) - 1))] for g in groups]


def spaced_lists(sides, text: str | None) -> list[bool]:
    """For each side, whether it holds a column laid out with control spaces (_spaced_column)."""
    if not text or ("\\ " not in text and "\\\n" not in text):  # no control space: no such list
        return [False for _ in sides]
    return [side is not None and any(isinstance(n, Matrix) and _spaced_column(n, text) is not None
                                     for n in side.walk()) for side in sides]  # fmt: skip


def unoriented(outcome, lists: list[bool], derivative: bool):
    """The outcome of a claim with a column laid out with control spaces (``lists``: per side): the
    list is rendered as a row and read as a column, so its orientation, and the layout it would
    show, is not written. True in some layout is true; false only when it is false whichever way
    the list stands: both sides lists, or a derivative (a row in one layout, a column in the
    other). Else None (undecided)."""
    if outcome.holds:
        outcome.holds = frozenset(("numerator", "denominator"))
        return outcome
    if all(lists) or derivative:
        return outcome
    return None


def _is_gap(cell: Node) -> bool:
    return isinstance(cell, Dots)


def schematic(node: Node, text: str | None = None) -> bool:
    """Whether ``node`` is a matrix, column or row written with dots (``text``: the block's, where
    a column laid out with control spaces is read: _spaced_column)."""
    grid = _grid(node, text)
    return grid is not None and any(_is_gap(c) for row in grid for c in row)


def limit_typo(node: Node) -> tuple[Sym, Num] | None:
    """(index, start) of a Σ whose lower limit subtracts (``\\sum_{i-1}^{m}``): the typo DL503
    reports for i=1; None for any other node."""
    if not isinstance(node, Sum) or node.index is not None or node.upper is None:
        return None
    sub = node.sub
    if isinstance(sub, Add) and len(sub.terms) == 2 and isinstance(sub.terms[0], Sym) and not sub.terms[0].sub:
        neg = sub.terms[1]
        if isinstance(neg, Neg) and isinstance(neg.arg, Num) and len(sub.terms[0].name) == 1:
            return sub.terms[0], neg.arg
    return None


def read_typos(node: Node) -> Node:
    """``node`` with every Σ of a reported limit typo read as meant (∑_{i-1}^{m} as ∑_{i=1}^{m}):
    DL503 reports the typo, and the step is then read as the note meant it."""
    if Sum not in map(type, node.walk()) or not any(limit_typo(n) is not None for n in node.walk()):
        return node  # a typo is in a Σ's limits: without a Σ (most claims), one test at C speed
    return _ReadTypos().visit(node)


class _ReadTypos:
    def visit(self, n: Node) -> Node:
        found = limit_typo(n)
        if found is not None:
            index, start = found
            body = self.visit(n.body) if n.body is not None else None
            return Sum(n.start, n.end, body, index.name, start, n.upper, None, n.op)
        return rebuild(n, self.visit)


def _axis(positions: list[int], gap: int | None, length: int) -> list[tuple]:
    """(top k, or bottom e) of each written position along an axis with its gap at ``gap``."""
    out = []
    for p in positions:
        if gap is None or p < gap:
            out.append(("top", p - (0 if gap is None or p < gap else 1) + 1))
        else:
            out.append(("bottom", length - 1 - p))
    return out


def _empty(row: list[Node]) -> bool:
    return all(isinstance(c, Dots) and c.kind == "empty" for c in row)


def _without_blank_rows(grid: list[list[Node]]) -> list[list[Node]]:
    """The grid without the empty rows next to a row of dots (``\\cdots \\\\ \\\\``: a blank line
    under the gap is part of the gap, not a row of the matrix)."""
    def gap(row):
        return all(_is_gap(c) for c in row) and not _empty(row)

    drop = set()
    for r, row in enumerate(grid):
        if _empty(row):
            k = r  # the run of empty rows this one is in, and a row of dots right beside it
            while k > 0 and _empty(grid[k - 1]):
                k -= 1
            e = r
            while e + 1 < len(grid) and _empty(grid[e + 1]):
                e += 1
            if (k > 0 and gap(grid[k - 1])) or (e + 1 < len(grid) and gap(grid[e + 1])):
                drop.add(r)
    return [row for r, row in enumerate(grid) if r not in drop] if drop else grid


def read(node: Node, text: str | None = None) -> Pattern | str:
    """The pattern of a schematic matrix, column or row, or the reason it cannot be read
    (``text``: the block's, see _spaced_column). A Σ of a reported limit typo is read as meant
    (read_typos), and entries that write their indices on the line (B 21 among B_{11}, B_{12}) as
    the pattern of the others reads them (``Pattern.breaks``, reported by DL504)."""
    grid = _without_blank_rows(_grid(node, text))
    if any(limit_typo(n) is not None for row in grid for c in row for n in c.walk()):
        grid = [[read_typos(c) for c in row] for row in grid]
    written_rows = [r for r, row in enumerate(grid) if not all(_is_gap(c) for c in row)]
    gap_rows = [r for r in range(len(grid)) if r not in written_rows]
    if not written_rows:
        return "a schematic matrix with no written entry"
    width = len(grid[written_rows[0]])
    if any(len(grid[r]) != width for r in written_rows):
        return "a schematic matrix with rows of different lengths"
    gap_cols = [c for c in range(width) if all(_is_gap(grid[r][c]) for r in written_rows)]
    cols = [c for c in range(width) if c not in gap_cols]
    if len(gap_rows) > 1 or len(gap_cols) > 1:
        return "a schematic matrix with more than one gap"
    if any(_is_gap(grid[r][c]) for r in written_rows for c in cols):
        return "a schematic matrix with dots among its entries"
    two_axes = len(written_rows) > 1 and len(cols) > 1
    row_pos = dict(zip(written_rows, _axis(written_rows, gap_rows[0] if gap_rows else None, len(grid))))
    col_pos = dict(zip(cols, _axis(cols, gap_cols[0] if gap_cols else None, width)))
    cells = [(r, c, grid[r][c]) for r in written_rows for c in cols]
    read_cells = []
    forms: dict[str, int] = {}
    for r, c, cell in cells:
        found = _skeleton(cell, two_axes)
        if found is None:
            return f"the indices of {render(cell)} cannot be read"
        read_cells.append((r, c, cell, found))
        forms[found[0]] = forms.get(found[0], 0) + 1
    breaks = _read_breaks(read_cells, forms, two_axes)
    usual = max(forms, key=lambda f: ("#" in f, forms[f]))
    odd = [(r, c, cell) for r, c, cell, (form, _) in read_cells if form != usual]
    if len(odd) == 1 and forms[usual] >= 2 and "#" in usual:  # one entry unlike all the others (B 21 among B_{ij})
        r, c, cell = odd[0]
        return f"entry ({r + 1}, {c + 1}) of a schematic matrix does not follow the pattern of the others ({render(cell)})"
    unsubscripted = [(r, c, cell) for r, c, cell in odd if _unsubscripted(cell, read_cells)]
    if unsubscripted and "#" in usual:  # B 21 beside B_{11}: the indices written on the line
        r, c, cell = unsubscripted[0]
        more = f" and {len(unsubscripted) - 1} more" if len(unsubscripted) > 1 else ""
        return (f"entry ({r + 1}, {c + 1}) of a schematic matrix writes its indices without a subscript "
                f"({render(cell)}{more}): an entry that breaks the pattern")  # fmt: skip
    if "#" not in usual:
        return "a schematic matrix whose entries carry no index"
    if odd:
        return "the entries of a schematic matrix have several forms (no one pattern)"
    slots = len(read_cells[0][3][1])
    einstein = []
    for t in range(slots):  # x_i in every cell: a free (or Einstein) index, not an entry the pattern gives
        atom = read_cells[0][3][1][t]
        if atom.isalpha() and all(found[1][t] == atom for _, _, _, found in read_cells):
            if not all(_summed(cell, atom) for _, _, cell, _ in read_cells):
                if atom in einstein or all(_product_of(cell, atom) is not None for _, _, cell, _ in read_cells):
                    if atom not in einstein:  # a_{1i} x_i: summed under the Einstein convention, if the note states it
                        einstein.append(atom)
                    continue
                return f"index notation inside a schematic matrix (index {atom} in every entry)"
    roles, offsets = [], []
    rows_axis = Axis(count=len(written_rows)) if not gap_rows else None
    cols_axis = Axis(count=len(cols)) if not gap_cols else None
    for t in range(slots):
        values = [(row_pos[r], col_pos[c], _value(found[1][t]), (r, c, cell)) for r, c, cell, found in read_cells]
        if len({v[2] for v in values}) == 1:
            roles.append(None)
            offsets.append(0)
            continue
        fits = []
        for role, k in (("row", 0), ("col", 1)):
            fit = _fit([(v[k], v[2]) for v in values])
            if fit is not None:
                fits.append((role, fit))
        if len(fits) != 1:
            if not fits:
                return f"the entries of a schematic matrix follow no pattern in their {_ordinal(t)} index"
            return "a schematic matrix whose pattern has two readings"
        role, (offset, axis) = fits[0]
        roles.append(role)
        offsets.append(offset)
        if role == "row":
            if rows_axis is None:
                rows_axis = axis
            elif axis is not None and (axis.bound, axis.shift) != (rows_axis.bound, rows_axis.shift):
                return "a schematic matrix whose rows end at two different indices"
        else:
            if cols_axis is None:
                cols_axis = axis
            elif axis is not None and (axis.bound, axis.shift) != (cols_axis.bound, cols_axis.shift):
                return "a schematic matrix whose columns end at two different indices"
    if rows_axis is None or cols_axis is None:
        return "a schematic matrix whose size is not written"
    commas = any("," in (s.sub or "") for s in _indexed(read_cells[0][2]))
    return Pattern(read_cells[0][2], rows_axis, cols_axis, roles, offsets, commas, two_axes, breaks, einstein)


def _product_of(cell: Node, atom: str) -> Mul | None:
    """The product in ``cell`` whose two factors carry the index ``atom`` (a_{1i} x_i), when the
    cell writes that index exactly twice, both times so, and sums over it nowhere; else None."""
    carriers = [n for n in _indexed(cell) if atom in (_atoms(n.sub, True) or ())]
    if len(carriers) != 2 or any((_atoms(n.sub, True) or []).count(atom) != 1 for n in carriers):
        return None
    for n in cell.walk():
        if isinstance(n, Mul) and not any(n.ops) and all(any(f is c for f in n.factors) for c in carriers):
            return n
    return None


def _read_breaks(read_cells: list, forms: dict, two_axes: bool) -> list:
    """Entries that write the indices of the pattern's symbol on the line (B 21, B m 1 where the
    others write B_{11}, B_{1m}), read in place as that symbol with those indices when at least two
    entries write the one subscripted form and the entry read so has exactly that form; the list of
    (row, column, entry as written, entry as read). ``read_cells`` and ``forms`` are updated."""
    indexed = [f for f in forms if "#" in f]
    if len(indexed) != 1 or forms[indexed[0]] < 2:
        return []
    form = indexed[0]
    breaks = []
    for k, (r, c, cell, (own, _)) in enumerate(read_cells):
        if own == form or not _unsubscripted(cell, read_cells):
            continue
        head = cell.factors[0]
        sub = "".join(f.value if isinstance(f, Num) else f.name for f in cell.factors[1:])
        meant = Sym(cell.start, cell.end, head.name, sub, head.bold, None)
        found = _skeleton(meant, two_axes)
        if found is None or found[0] != form:
            continue
        read_cells[k] = (r, c, meant, found)
        forms[own] -= 1
        forms[form] += 1
        breaks.append((r, c, cell, meant))
    for f in [f for f, n in forms.items() if n == 0]:
        del forms[f]
    return breaks


def _unsubscripted(cell: Node, read_cells: list) -> bool:
    """Whether ``cell`` is the name of the pattern's indexed symbol followed by indices on the line
    (B 21, B m 1 where the other entries write B_{11}): a product only by its typography."""
    from derivlint.math.tree import Mul

    if not isinstance(cell, Mul) or any(cell.ops) or len(cell.factors) < 2:
        return False
    head, rest = cell.factors[0], cell.factors[1:]
    if not (isinstance(head, Sym) and not head.sub and not head.sup):
        return False
    names = {s.name for _, _, other, (form, _) in read_cells if "#" in form for s in _indexed(other)}
    if head.name not in names:
        return False
    return all(isinstance(f, Num) and f.value.isdigit() or isinstance(f, Sym) and not f.sub and len(f.name) == 1
               for f in rest)  # fmt: skip


def _summed(cell: Node, index: str) -> bool:
    """Whether ``index`` is the index of a Σ or Π inside the cell (Σ_j a_{1j} x_j)."""
    from derivlint.math.tree import Sum

    return any(isinstance(n, Sum) and (n.index == index or n.sub is not None and render(n.sub).startswith(index))
               for n in cell.walk())  # fmt: skip


def _ordinal(t: int) -> str:
    return ("first", "second", "third", "fourth")[t] if t < 4 else f"{t + 1}th"


def _fit(points: list[tuple]) -> tuple[int, Axis | None] | None:
    """(offset, axis) when every (position, value) fits index = position + offset, the bottom ones
    counted from a symbolic end (n, n-1 …); None when they do not."""
    offset = None
    bound = None
    for (where, k), value in points:
        if where == "top":
            if value[0] != "num":
                return None
            o = value[1] - k
            if offset is not None and o != offset:
                return None
            offset = o
    for (where, e), value in points:
        if where != "bottom":
            continue
        if value[0] != "sym":
            return None
        # the last index is bound + shift'; this one is e before it
        end = (value[1], value[2] + e)
        if bound is not None and end != bound:
            return None
        bound = end
    if offset is None:
        return None
    if bound is None:
        return offset, None
    # last index = size + offset = symbol + shift  ->  size = symbol + shift - offset
    return offset, Axis(bound=bound[0], shift=bound[1] - offset)


def expand(pattern: Pattern, sizes: dict[str, int]) -> Matrix | None:
    """The pattern written out as a concrete matrix at ``sizes`` (bound -> size); None if too small."""
    rows, cols = pattern.rows.size(sizes), pattern.cols.size(sizes)
    if rows < 1 or cols < 1:
        return None
    cells = []
    for i in range(1, rows + 1):
        row = []
        for j in range(1, cols + 1):
            at = {"row": i, "col": j}
            row.append(_Fill(pattern, at).visit(pattern.template))
        cells.append(row)
    t = pattern.template
    return Matrix(t.start, t.end, cells, PATTERN_ENV, False)


class _Fill:
    """A copy of the template with each index atom set for one position."""

    def __init__(self, pattern: Pattern, at: dict[str, int]):
        self.pattern, self.at, self.slot = pattern, at, 0

    def visit(self, n: Node) -> Node:
        if isinstance(n, Sym) and n.sub:
            parts = _atoms(n.sub, self.pattern.two_axes)
            out = []
            for part in parts or []:
                role = self.pattern.roles[self.slot]
                out.append(part if role is None else str(self.at[role] + self.pattern.offsets[self.slot]))
                self.slot += 1
            sep = "," if self.pattern.commas or any(len(p) > 1 for p in out) and len(out) > 1 else ""
            return Sym(n.start, n.end, n.name, sep.join(out), n.bold, n.sup)
        return rebuild(n, self.visit)


class _ByEntry:
    """∂f/∂x_k inside a written-out pattern, with x a vector of the claim: entry k of ∂f/∂x (f scalar),
    so that x_k is the k-th entry of the very x the other side speaks of."""

    def __init__(self, vectors: set[str]):
        self.vectors = vectors

    def visit(self, n: Node) -> Node:
        if isinstance(n, Deriv) and n.num is not None and len(n.wrt) == 1 and isinstance(n.wrt[0], Sym):
            w = n.wrt[0]
            if w.sub and w.sub.isdigit() and not w.sup and w.name in self.vectors:
                whole = Sym(w.start, w.end, w.name, None, w.bold, None)
                d = Deriv(n.start, n.end, n.num, [whole], n.op, n.sloppy, n.label)
                return Func(n.start, n.end, PARTIAL, [d, Num(w.start, w.end, str(int(w.sub)))])
        return rebuild(n, self.visit)


def _tied(matrix: Matrix, kind, variables=frozenset()) -> Matrix:
    """A written-out pattern whose entries x_k (A_{ij}) belong to a declared vector x (matrix A, one
    index per axis) made those entries (Func entry, as truth ties a written column): 2x_1 is 2 times
    the first entry of x."""
    tie = _Tie(kind)
    tie.variables = variables
    return Matrix(matrix.start, matrix.end, [[tie.visit(c) for c in row] for row in matrix.rows], matrix.env,
                  matrix.schematic)  # fmt: skip


class _Tie:
    def __init__(self, kind):
        self.kind = kind

    def visit(self, n: Node) -> Node:
        if isinstance(n, Deriv):
            if n.num is not None and all(isinstance(w, Sym) and not w.sub for w in n.wrt):
                # ∂f/∂x of _ByEntry: f's x_k (B_{ij}) are entries of the x (B) it is differentiated by
                return Deriv(n.start, n.end, self.visit(n.num), n.wrt, n.op, n.sloppy, n.label)
            return n  # ∂f/∂x_k stays; a derivative's variable is never an entry here
        if not isinstance(n, Sym):
            return rebuild(n, self.visit)
        if not n.sub or n.sup:
            return n
        parts = n.sub.split(",") if "," in n.sub else list(n.sub)
        if not all(p.isdigit() for p in parts) or self.kind(n.key) is not None:
            return n  # x_1 declared on its own: a symbol, not an entry
        what = self.kind(n.name)
        if what == "entries":  # a matrix by two indices; by one, only the vector differentiated by (A_1 may be a column of A)
            what = "matrix" if len(parts) == 2 else "vector" if n.name in getattr(self, "variables", ()) else None
        at = None
        if what in ("vector", "row") and len(parts) == 1 and len(n.sub) == 1:
            at = (int(parts[0]) - 1, 0) if what == "vector" else (0, int(parts[0]) - 1)
        elif what == "matrix" and len(parts) == 2:
            at = (int(parts[0]) - 1, int(parts[1]) - 1)
        if at is None or min(at) < 0:
            return n
        whole = Sym(n.start, n.end, n.name, None, n.bold, None)
        return Func(n.start, n.end, "entry", [whole, Num(n.start, n.end, str(at[0])), Num(n.start, n.end, str(at[1]))])


MAX_UNROLL = 8  # a written range beyond this stays a Σ (bounded work)


class _Unroll:
    """A Σ of a written-out cell with its bounds known (Σ_{i=1}^{m}, m a bound of the pattern, or a
    number) written as its terms: the index letter set in every subscript of the body. Any other Σ
    (from 0, a letter used outside subscripts, a product, an unknown bound) is left as it is."""

    def __init__(self, sizes: dict[str, int]):
        self.sizes = sizes

    def visit(self, n: Node) -> Node:
        if isinstance(n, Sum):
            terms = self._terms(n)
            if terms is not None:
                return terms
        return rebuild(n, self.visit)

    def _terms(self, n: Sum) -> Node | None:
        letter = n.index if n.index else (n.sub.name if isinstance(n.sub, Sym) and not n.sub.sub else None)
        if n.op != "sum" or n.body is None or not letter or len(letter) != 1 or not letter.isalpha():
            return None
        if not (isinstance(n.lower, Num) and n.lower.value == "1"):
            return None
        up = n.upper
        if isinstance(up, Num) and up.value.isdigit():
            count = int(up.value)
        elif isinstance(up, Sym) and not up.sub and not up.sup and up.name in self.sizes:
            count = self.sizes[up.name]
        else:
            return None
        if not 1 <= count <= MAX_UNROLL:
            return None
        body = n.body
        for m in body.walk():
            if isinstance(m, Sym) and not m.sub and m.name == letter:
                return None  # the index used as a number (Σ i x_i)
            if isinstance(m, Sum) and m is not body and (m.index == letter or render(m.sub or Num(0, 0, "")) == letter):
                return None
            if isinstance(m, Sym) and m.sub and letter in m.sub and _atoms(m.sub, True) is None:
                return None  # a subscript with the letter that does not read as indices
        from derivlint.math.tree import Add

        out = [self.visit(_Set(letter, str(v)).visit(body)) for v in range(1, count + 1)]
        return out[0] if len(out) == 1 else Add(n.start, n.end, out)


class _Set:
    """A copy of a Σ's body with the index ``letter`` set to ``value`` in every subscript."""

    def __init__(self, letter: str, value: str):
        self.letter, self.value = letter, value

    def visit(self, n: Node) -> Node:
        if isinstance(n, Sym) and n.sub:
            parts = _atoms(n.sub, True)
            if parts and self.letter in parts:
                out = [self.value if p == self.letter else p for p in parts]
                sep = "," if "," in n.sub or any(len(p) > 1 for p in out) and len(out) > 1 else ""
                return Sym(n.start, n.end, n.name, sep.join(out), n.bold, n.sup)
            return n
        return rebuild(n, self.visit)


def partial_value(value: np.ndarray, wrt: np.ndarray, k: int, base: int) -> np.ndarray | None:
    """Entry k (counted from ``base``) of the derivative ``value`` of a scalar by the vector ``wrt``
    (a column or a row in either layout); None when ``value`` is not that."""
    if 1 not in value.shape or value.size != wrt.size or 1 not in wrt.shape:
        return None
    i = k - base
    if not 0 <= i < value.size:
        return None
    return value.reshape(-1)[i : i + 1].reshape(1, 1)


def bounds(pattern: Pattern) -> set[str]:
    return {a.bound for a in (pattern.rows, pattern.cols) if a.bound is not None}


def expanded(lhs: Node, rhs: Node, kind=lambda name: None, text: str | None = None,
             facts: NoteFacts | None = None) -> tuple[Node, Node, str | None]:
    """Both sides with every schematic matrix written out (the same size for the same bound on both
    sides), or the reason one cannot be read. ``kind(name)``: what the scope declares ``name`` (vector,
    row, matrix, scalar or None): ∂f/∂x_k of a vector x is entry k of ∂f/∂x (so it is when the claim
    writes x whole), and a cell x_k (A_{ij}) of a declared vector (matrix) is its entry. ``text``: the
    block's (a column laid out with control spaces, _spaced_column)."""
    if Dots not in map(type, lhs.walk()) and Dots not in map(type, rhs.walk()):
        return lhs, rhs, None  # a schematic matrix has a cell of dots (most claims have none): at C speed
    patterns: dict[int, Pattern] = {}
    for side in (lhs, rhs):
        for n in side.walk():
            if schematic(n, text):
                found = read(n, text)
                if isinstance(found, str):
                    return lhs, rhs, found
                patterns[id(n)] = found
    if not patterns:
        return lhs, rhs, None
    names = sorted(set().union(*(bounds(p) for p in patterns.values())))
    if len(names) > len(SIZES):
        return lhs, rhs, "a schematic matrix with too many bounds"
    sizes = dict(zip(names, SIZES))
    whole = {n.name for side in (lhs, rhs) for n in side.walk() if isinstance(n, Sym) and not n.sub}
    out = []
    expander = _Expand(patterns, sizes, whole, kind, facts)
    expander.wrt_claim = {n.name for side in (lhs, rhs) for d in side.walk() if isinstance(d, Deriv) and d.num is not None
                          for n in d.num.walk() if isinstance(n, Sym) and not n.sub and not schematic(d)}  # fmt: skip
    expander.variables = {w.name for side in (lhs, rhs) for d in side.walk() if isinstance(d, Deriv)
                          for w in d.wrt if isinstance(w, Sym) and not w.sub}  # fmt: skip
    for side in (lhs, rhs):
        try:
            side = expander.visit(side)
        except _Unread as why:
            return lhs, rhs, str(why)
        if side is None:
            return lhs, rhs, "a schematic matrix too small to write out"
        out.append(side)
    return out[0], out[1], None


class _Unread(Exception):
    """A written-out pattern whose entries cannot be read with certainty (the message says why)."""


class NoteFacts:
    """What the note says that a written-out pattern's entries need, read from the claim's scope
    only when asked: the declared dimensions of a name, the rows and columns it names in prose
    (prose.named_parts: "r_i is the i-th row of A"), whether it states the Einstein convention."""

    def __init__(self, scope):
        self.scope = scope
        block = getattr(getattr(scope, "claim", None), "block", None)
        self.source = getattr(getattr(block, "source", None), "text", None) or ""
        self.before = getattr(block, "start", 0) if block is not None else 0
        self._parts = None

    def einstein(self) -> bool:
        from derivlint.check.indices import _has_einstein_statement

        return _has_einstein_statement(self.source)

    def declared(self, name: str) -> bool:
        f = self.scope.facts(name) if self.scope is not None else None
        return f is not None and bool(f.shape or f.kind or f.value is not None)

    def dims(self, name: str) -> tuple | None:
        """The declared (rows, columns) of ``name``: each an int, a size's name or None."""
        f = self.scope.facts(name) if self.scope is not None else None
        shape = getattr(f, "shape", None) if f is not None else None
        if not shape or len(shape) != 2:
            return None
        out = []
        for d in shape:
            if not isinstance(d, (int, str)) and d is not None:
                r = d.root()
                d = r.num if r.num is not None else r.name
            out.append(d)
        return tuple(out)

    def part(self, letter: str) -> tuple[str, str] | None:
        """(whole, "row" or "column") when the note, before the claim, names ``letter``_i the rows
        (columns) of a matrix and declares nothing else of ``letter``; None otherwise."""
        if self._parts is None:
            self._parts = _parts_before(self.source, self.before)
        found = [(whole, what) for _, part, whole, what in self._parts if part == letter]
        if not found or self.declared(letter):
            return None
        return found[-1]


_last_parts: list = [None, []]  # (a note's text, the parts it names): read once per note


def _parts_before(source: str, before: int) -> list:
    """The rows and columns the note names (prose.named_parts) before the offset ``before``."""
    if _last_parts[0] is not source:
        from derivlint.context.prose import named_parts

        _last_parts[0], _last_parts[1] = source, named_parts(source)
    return [p for p in _last_parts[1] if p[0] < before]


class _Expand:
    def __init__(self, patterns: dict[int, Pattern], sizes: dict[str, int], whole: set[str], kind, facts=None):
        self.patterns, self.sizes, self.whole, self.kind, self.facts = patterns, sizes, whole, kind, facts
        self.wrt_claim = set()  # whole symbols inside a derivative the claim writes (set by expanded)
        self.variables = set()  # whole symbols a derivative of the claim is by (∂/∂x)

    def _size(self, d) -> int | None:
        return d if isinstance(d, int) else self.sizes.get(d) if isinstance(d, str) else None

    def _summed(self, out: Matrix, pattern: Pattern) -> Matrix:
        """Each entry's product a_{1i} x_i written Σ_{i=1}^{n} a_{1i} x_i, n the declared length of
        the vector whose entries carry i alone, when the note states the Einstein convention."""
        why = f"index notation inside a schematic matrix (index {pattern.einstein[0]} in every entry)"
        if self.facts is None or not self.facts.einstein():
            raise _Unread(why)
        rows = []
        for row in out.rows:
            cells = []
            for cell in row:
                for atom in pattern.einstein:
                    product = _product_of(cell, atom)
                    for carrier in _indexed(product) if product is not None else ():
                        if not self._known_base(carrier.name):  # n_{1j} u_j, n never declared: unknown numbers
                            raise _Unread(f"{why}: {carrier.name} is not declared")
                    ends = {self._length(s) for s in product.factors if isinstance(s, Sym)
                            and (_atoms(s.sub, True) or []) == [atom]} if product is not None else set()  # fmt: skip
                    ends.discard(None)
                    if len(ends) != 1:
                        raise _Unread(why + ": its range is not declared")
                    (end,) = ends
                    total = Sum(product.start, product.end, product, atom, Num(0, 0, "1"), end, None, "sum")
                    cell = _Replace(product, total).visit(cell)
                cells.append(cell)
            rows.append(cells)
        return Matrix(out.start, out.end, rows, out.env, out.schematic)

    def _known_base(self, name: str) -> bool:
        """Whether entries of ``name`` are entries of something the claim or the note gives: the
        whole written in the claim, declared, or a_{ij} of a declared matrix A (_convention)."""
        if name in self.whole or self.kind(name) is not None:
            return True
        return len(name) == 1 and name.islower() and self.kind(name.upper()) == "matrix"

    def _length(self, vector: Sym) -> Node | None:
        """The declared length of the vector ``vector`` is an entry of (x of x_i), as a bound of the
        pattern or a number; None when it is not declared so."""
        dims = self.facts.dims(vector.name)
        if dims is None or 1 not in dims:
            return None
        d = dims[0] if dims[1] == 1 else dims[1]
        if self._size(d) is None:
            return None
        return Num(0, 0, str(d)) if isinstance(d, int) else Sym(0, 0, d, None, False, None)

    def _convention(self, out: Matrix) -> Matrix:
        """Entries of a written-out pattern that the note gives by convention: a_{pq} of an
        undeclared a, with A declared a matrix, is entry (p, q) of A; r_k inside ⟨·,·⟩, with r_i
        named the rows (columns) of A in prose, is row (column) k of A. Each must fit A's declared
        size at the drawn sizes (_Unread otherwise: the convention does not read these entries)."""
        if self.facts is None:
            return out
        names = {n.name for n in out.walk() if isinstance(n, Sym) and n.sub and not n.sup}
        alias: dict[str, dict] = {}  # name -> {"entries": A, "row"/"column": A}
        for name in names:
            if len(name) == 1 and name.islower() and name not in self.whole and not self.facts.declared(name):
                whole = name.upper()
                if self.kind(whole) == "matrix" and self.facts.dims(whole) is not None:
                    alias.setdefault(name, {})["entries"] = whole
                part = self.facts.part(name)
                if part is not None and self.kind(part[0]) == "matrix" and self.facts.dims(part[0]) is not None:
                    alias.setdefault(name, {})[part[1]] = part[0]
        if not alias:
            return out
        return _ByConvention(self, alias).visit(out)

    def _whole(self, pattern: Pattern) -> Node | None:
        """A, or Aᵀ, when the pattern is a_{ij} (a_{ji}) over the declared size of A, a read by
        convention (_convention) as A's entries: the matrix itself, drawn at the size the claim
        gives it, rather than its entries at the pattern's sizes."""
        t = pattern.template
        if self.facts is None or not isinstance(t, Sym) or pattern.offsets != [0, 0] or not pattern.two_axes:
            return None
        if sorted(pattern.roles) != ["col", "row"] or t.sup or t.name in self.whole or len(t.name) != 1:
            return None
        if not t.name.islower() or self.facts.declared(t.name) or self.kind(t.name.upper()) != "matrix":
            return None
        dims = self.facts.dims(t.name.upper())
        axes = [pattern.rows, pattern.cols] if pattern.roles == ["row", "col"] else [pattern.cols, pattern.rows]
        if dims is None or any(a.bound != d if a.bound is not None else a.count != d for a, d in zip(axes, dims)):
            return None
        A = Sym(t.start, t.end, t.name.upper(), None, False, None)
        return A if pattern.roles == ["row", "col"] else Transpose(t.start, t.end, A)

    def visit(self, n: Node) -> Node:
        pattern = self.patterns.get(id(n))
        if pattern is not None:
            whole = self._whole(pattern)
            if whole is not None:
                return whole
            out = expand(pattern, self.sizes)
            if out is None:
                return n
            if pattern.einstein:
                out = self._summed(out, pattern)
            out = _Unroll(self.sizes).visit(out)  # Σ_{i=1}^{m} A_i x_i in a cell: A_1 x_1 + … + A_m x_m
            entries = {w.name for c in out.children() for d in c.walk() if isinstance(d, Deriv)
                       for w in d.wrt if isinstance(w, Sym) and w.sub}  # fmt: skip
            vectors = {name for name in entries if name in self.whole or self.kind(name) in ("vector", "row")}
            out = _ByEntry(vectors).visit(out) if vectors else out
            # entries tie to a whole the claim also writes ([a_1; …; a_n] = a), never to one written
            # transposed inside (x_1^T: then x_1 is a vector of its own, a row of a design matrix)
            flipped = {t.arg.name for c in out.children() for t in c.walk()
                       if isinstance(t, Transpose) and isinstance(t.arg, Sym) and t.arg.sub}  # fmt: skip
            names = self.whole - flipped

            def kind(name: str) -> str | None:
                declared = self.kind(name) if name in names or "_" in name else None
                if declared is None and name in names:
                    if name in vectors:
                        return "vector"  # ∂f/∂x_k beside the whole x: x_k is its entry k
                    if name in self.wrt_claim:
                        return "entries"  # x_2, B_{21} beside the whole x, B of ∂(xᵀBx)/∂x: its entries
                return declared

            return self._convention(_tied(out, kind, self.variables))
        return rebuild(n, self.visit)


class _Replace:
    """A copy of a tree with the node ``old`` (by identity) replaced by ``new``."""

    def __init__(self, old: Node, new: Node):
        self.old, self.new = old, new

    def visit(self, n: Node) -> Node:
        return self.new if n is self.old else rebuild(n, self.visit)


class _ByConvention:
    """_Expand._convention's substitution: a_{pq} as entry (p, q) of A, r_k in ⟨r_k, x⟩ as row k of A
    (a column, Aᵀe_k: an inner product does not tell a row from a column), c_k as column k (A e_k)."""

    def __init__(self, expand: _Expand, alias: dict):
        self.expand, self.alias = expand, alias

    def _within(self, whole: str, axis: int, k: int) -> int:
        dims = self.expand.facts.dims(whole)
        size = self.expand._size(dims[axis]) if dims else None
        if size is None or not 1 <= k <= size:
            shown = "×".join(str(d) for d in dims) if dims else "not declared"
            raise _Unread(f"the entries of a schematic matrix read as those of {whole} run beyond its size ({shown})")
        return size

    def visit(self, n: Node, inner: bool = False) -> Node:
        from derivlint.math.tree import Inner

        if isinstance(n, Sym) and n.sub and not n.sup and n.name in self.alias:
            readings = self.alias[n.name]
            parts = _atoms(n.sub, True)
            if not parts or not all(p.isdigit() for p in parts):
                return n
            if len(parts) == 2 and "entries" in readings:
                what, whole = "entries", readings["entries"]
            else:
                what, whole = next(((w, a) for w, a in readings.items() if w != "entries"), ("entries", ""))
            A = Sym(n.start, n.end, whole, None, False, None)  # the matrix as declared (NoteFacts.dims)
            if what == "entries" and len(parts) == 2:
                p, q = (int(x) for x in parts)
                self._within(whole, 0, p)
                self._within(whole, 1, q)
                return Func(n.start, n.end, "entry", [A, Num(-1, -1, str(p - 1)), Num(-1, -1, str(q - 1))])
            if what in ("row", "column") and len(parts) == 1 and len(n.sub.strip("{}")) == len(parts[0]) and inner:
                k = int(parts[0])
                size = self._within(whole, 0 if what == "row" else 1, k)
                # e_k, its numbers placed nowhere in the text (no numeral of the note is read into them)
                unit = Matrix(n.start, n.end, [[Num(-1, -1, "1" if i == k else "0")] for i in range(1, size + 1)],
                              PATTERN_ENV, False)  # fmt: skip
                from derivlint.math.tree import Mul as _Mul

                left = Transpose(n.start, n.end, A) if what == "row" else A
                return _Mul(n.start, n.end, [left, unit], [""])
            raise _Unread(f"{n.key}: what the note names {n.name} does not read here")
        if isinstance(n, Inner):
            return rebuild(n, lambda c: self.visit(c, True))
        return rebuild(n, lambda c: self.visit(c, inner))


def readable_nodes(sides, text: str | None = None) -> list[Node]:
    """Every node of ``sides`` except those inside a schematic matrix whose pattern reads (its indices
    are the pattern's, written out before the draws, not index notation)."""
    out: list[Node] = []
    for side in sides:
        stack = [side]
        while stack:
            n = stack.pop()
            if schematic(n, text) and not isinstance(read(n, text), str):
                continue
            out.append(n)
            stack.extend(reversed(n.children()))
    return out


__all__ = ["Pattern", "expand", "expanded", "read", "readable_nodes", "schematic"]
