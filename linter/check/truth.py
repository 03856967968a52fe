"""Truth: decide each claim numerically in each layout, and find the right-hand side that holds.

For every parsed claim the stage infers shapes (``derivlint.check.shapes``), draws
random values that respect the shapes and the assumptions in scope, computes
exact Jacobians by forward propagation (``derivlint.check.numeric``) and compares the
claimed right-hand side with them in the numerator and the denominator
layout. The outcome goes into ``claim.facts`` and ``claim.verdict``; the
rules turn it into findings.
"""

from __future__ import annotations

import bisect
import hashlib
import itertools
import re
import sys
from dataclasses import dataclass, replace
from fractions import Fraction

import numpy as np

from derivlint.check import budget
from derivlint.check.shapes import Dim, Inference, ShapeError, _entry_subscript, describe
from derivlint.context.core import SENTENCE_BREAK
from derivlint.context.model import kind_of_shape
from derivlint.check import elementwise, hessian, schematic
# read for every claim: imported once here, not by an import statement run per claim (~0.7 µs each);
# indices.decide_claim looked up in its module when called (scripts/stage_times.py times it there)
from derivlint.check import indices
from derivlint.check import numeric
from derivlint.check.numeric import literal_too_large
from derivlint.check.reading import entry_definition, uncertain_reading
from derivlint.check.elementwise import PARAM as ELEMENTWISE_PARAM, SIGMOID_WORDS, draw_label, implied_definition, implied_props, recognised
from derivlint.math.claims import chains_of
from derivlint.math.parser import SUP_LABELS, WIDE_ARG
from derivlint.math.tree import Abs, Add, Call, Deriv, Differential, Div, Dots, Func, Inner, Inverse, Matrix, Mul, Neg, Node, Norm, Num, Opaque, Pow, Sum, Sym, Transpose, Tuple, render
from derivlint.math.treeops import against_parenthesis, contains_literal, has, is_lone_symbol, rebuild, substitute, symbols, transpose

LAYOUTS = ("numerator", "denominator")
DRAWS = 3
SIZE_POOL = (3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13)
CHECKED_KINDS = frozenset({"derivative", "equality"})
IDENTITY_RELATIONS = frozenset({"=", "≡", ":=", "≜", "=:"})  # what a checked claim may assert
SQUARE_PROPS = frozenset({"square", "symmetric", "orthogonal", "invertible", "diagonal", "identity",
                          "positive_definite", "positive_semidefinite", "skew_symmetric", "commuting", "triangular",
                          "lower_triangular"})  # fmt: skip
EQUATION_WORDS = (
    "令", "方程", "解得", "求解", "为0", "为 0", "等于0", "等于 0", "=0", "= 0", "最优", "equation",
    "solv", "set to zero", "setting", "equal to zero", "optimal", "minimi", "stationary",
    "两边", "两端", "both sides", "each side",
)
ALWAYS_KNOWN = frozenset({"I", "0", "e", "pi", "E", "n", "m", "N", "d", "k", "p", "q", "r", "s", "T"})


@dataclass
class Outcome:
    """What the numeric check found for one claim."""

    holds: frozenset[str] | None = None  # layouts in which the claim holds; None: undecided
    reason: str | None = None  # why undecided
    category: str | None = None  # scalar-by-vector, vector-by-vector, …
    head: Node | None = None  # the derivative a chain step is compared with
    literal: bool = False  # a worked example with concrete values
    gradient: bool = False  # a ∇ claim: the gradient has the variable's shape whatever the layout
    assumption: "Assumption | None" = None  # false in general, true under a common assumption (DL304)

    def __post_init__(self):
        # one frozenset per set of layouts, shared by every outcome (memory: a frozenset is
        # ~200 bytes, and a note keeps the outcome of each of its claims until its rules have run)
        if self.holds is not None:
            self.holds = _HOLDS.setdefault(self.holds, self.holds)


_HOLDS: dict[frozenset, frozenset] = {}
NO_SHAPE_ERRORS = ()  # the shape errors of most claims: one empty tuple shared, not a list each


class Undecided(Exception):
    pass


# --------------------------------------------------------------------------- scope facts


_UNSET = object()


_NO_FACTS: dict = {}


class Scope:
    """What a claim may know about its symbols: shapes, properties, definitions."""

    def __init__(self, context, claim):
        self.context = context
        self.claim = claim
        self._facts: dict[str, object] = {}
        self._shapes: dict[tuple, object] = {}  # (key, bold) -> _shape_spec
        self._props: dict[str, frozenset[str]] = {}
        self._assumed: dict[str, frozenset[str]] | None = None  # read on first use: many claims need no property
        # decide's answers by (sides, literal, sizes): the same draws give the same answer
        self.decided: dict[tuple, tuple] = {}
        self.prepared: dict[tuple, tuple] = {}  # decide's work before the sizes, see _prepared
        self.extra: dict[str, frozenset[str]] = {}  # properties tried on top of the note's (_assuming)
        self.led_size: int | None = None  # the size of unnamed dimensions a lead gives ("For $n=2$:")

    @property
    def assumed(self) -> dict[str, frozenset[str]]:
        """The conditions the claim is made under (context.assumptions), as key -> properties."""
        if self._assumed is None:
            self._assumed = {}
            if self.context is not None:
                try:
                    self._assumed = dict(self.context.assumptions(self.claim) or {})
                except Exception:  # a context bug must not stop the check
                    self._assumed = {}
        return self._assumed

    def facts(self, key: str):
        if key not in self._facts:
            found = None
            if self.context is not None:
                try:
                    found = self.context.facts(key, self.claim)
                except Exception:
                    found = None
            self._facts[key] = found
        return self._facts[key]

    def shape(self, sym: Sym):
        """The declared shape of ``sym`` as written (its font counts); new ``Dim`` objects on
        every call where the shape is a guess, so that no two inferences share them."""
        sizes = getattr(self.claim, "facts", _NO_FACTS).get("sizes")  # (a block stands for its claims at times)
        if sizes and sym.key in sizes:  # \det(X_{n×n}): the size written on X in this formula
            return sizes[sym.key]
        memo = (sym.key, sym.bold)
        spec = self._shapes.get(memo, _UNSET)
        if spec is _UNSET:
            spec = self._shapes[memo] = self._shape_spec(sym)
        if spec is None:
            return None
        how, value = spec
        if how == "declared":
            return value
        if how == "carried":
            # a shape from an earlier chapter: a guess here, never a finding; n×n stays square
            names: dict = {}

            def guess(d):
                if isinstance(d, int):
                    return Dim(num=d)
                name = d if isinstance(d, str) else getattr(d, "name", None)
                return names.setdefault(name, Dim()) if name else Dim()

            return tuple(guess(d) for d in value)
        if value == "scalar":
            return (1, 1)
        if value == "vector":
            return (Dim(), 1)
        if value == "matrix":  # a reading of a guessed letter (reading._alternatives)
            return (Dim(), Dim())
        return (1, Dim())  # a row

    def _shape_spec(self, sym: Sym):
        """How ``shape`` answers for ``sym``: ("declared" | "carried", shape), ("kind", kind) or None;
        kept in the context by Facts object and font (the context shares one Facts between places)."""
        f = self.facts(sym.key)
        if f is None:
            return None
        derived = getattr(self.context, "derived", None)
        if derived is None:
            return _spec_of(f, sym)
        memo = (id(f), "shape", sym.bold)
        found = derived.get(memo)
        if found is None:
            found = derived[memo] = (_spec_of(f, sym), f)  # f kept: its id stays its own
        spec = found[0]
        if spec is not None and spec[0] == "declared" and _two_roles(f, spec[1], self._place(), self._offset()):
            return ("carried", spec[1])  # "for a square matrix A", then A ∈ ℝ^{m×n} for a warm-up: two roles
        return spec

    def _offset(self) -> int | None:
        """The claim's offset in its source, or None."""
        try:
            return self.claim.block.file_offset(self.claim.start)
        except Exception:  # noqa: BLE001 - no claim
            return None

    def _place(self) -> int | None:
        """The passage the claim is in, or None."""
        try:
            return self.context._where(self.claim)[0]
        except Exception:  # noqa: BLE001 - no claim or no place
            return None

    def props(self, key: str) -> frozenset[str]:
        props = self._props.get(key)
        if props is None:
            props = self._props[key] = self._find_props(key)
        return props

    def _find_props(self, key: str) -> frozenset[str]:
        f = self.facts(key)
        props = set(f.props) if f is not None and f.props else set()
        if not props and "_" in key and (f is None or not f.declarations):
            props |= _family_props(self, key)  # R_N of "R_k is symmetric for every step k"
        props |= set(self.assumed.get(key, ()))
        props |= set(self.extra.get(key, ()))
        props |= implied_props(key, self)  # a one-hot label (check/elementwise.py)
        if f is not None and _diagonal_by_definition(f.value):
            props.add("diagonal")  # Λ = diag(λ_1, …, λ_n)
        return frozenset(props)

    def definition(self, key: str, literal: bool):
        """(value tree, params) for a defined symbol; concrete values only for worked examples."""
        f = self.facts(key)
        if f is None or f.value is None:
            return implied_definition(key, self)  # σ(z) where the note says σ is the sigmoid
        origins = {d.origin for d in getattr(f, "declarations", [])} or {"definition"}
        is_value = "value" in origins or isinstance(f.value, Matrix)
        if is_value and not literal:
            return None
        if _diagonal_by_definition(f.value) and Dots in map(type, f.value.walk()):
            # Λ = diag(λ_1, …, λ_n): a form, not a value to substitute; Λ stays itself, with the
            # property the form gives it (diagonal: _find_props). Other forms with dots (a kernel
            # matrix written entry by entry) may say more than any property: left undecided.
            return None
        params = tuple(f.params or ())
        # σ(z) = 1/(1 + e^{-z}): the sigmoid, applied entry by entry to a vector as well
        return recognised(f.value, params, self.context) or (f.value, params)


_FAMILY_INDEX = re.compile(r"\[?[a-z]\]?")  # the index of a family of matrices: R_k, Q_{[k]}


def _family_of(key: str, context) -> str | None:
    """The one family ``R_k`` (k an index letter, R_{[k]} too) the subscripted ``key`` (R_N,
    R_{N-1}) belongs to, or None (none, or two: P_a and P_b are two matrices)."""
    base, _, sub = key.partition("_")
    if not sub or not base or "^" in base or context is None or not hasattr(context, "keys"):
        return None
    families = [k for k in context.keys() if k != key and k.partition("_")[0] == base
                and _FAMILY_INDEX.fullmatch(k.partition("_")[2])]  # fmt: skip
    return families[0] if len(families) == 1 else None


def _family_props(scope, key: str) -> frozenset[str]:
    """The properties said of the family ``R_k`` that the member ``key`` (R_N) shares when nothing
    is said of it by name: "R_k is symmetric for every k". Only properties (what makes a claim
    hold, never what makes it fail)."""
    name = _family_of(key, scope.context)
    if name is None:
        return frozenset()
    family = scope.facts(name)
    if family is None or not family.props:
        return frozenset()
    return frozenset(p for p in family.props if not p.startswith("not_"))


def _spec_of(f, sym: Sym):
    """Scope._shape_spec from the Facts ``f`` of ``sym``'s key; reads only ``f`` and the font of ``sym``."""
    shape, kind = f.shape, getattr(f, "kind", None)
    decls = [d for d in getattr(f, "declarations", []) if d.shape is not None or d.kind is not None]
    source = next((d for d in decls if d.shape is not None), None)
    if {d.bold for d in decls} == {True, False}:
        # x a scalar and bold x a vector in one note: read the declarations of this font
        same = [d for d in decls if d.bold == sym.bold]
        if not same:
            return None
        source = same[0] if same[0].shape is not None else None
        shape, kind = same[0].shape, same[0].kind
    elif _other_font(f, sym):
        return None  # x declared bold (a vector), written plain here: another symbol, by convention
    if shape is not None:
        carried = source is not None and getattr(source, "carried", False)
        return ("carried" if carried else "declared", shape)
    if kind in ("scalar", "vector", "row"):
        return ("kind", kind)
    return None


_SQUARE_SAYING = frozenset({"square", "symmetric", "invertible", "orthogonal", "positive_definite",
                            "positive_semidefinite", "diagonal", "skew_symmetric", "triangular", "lower_triangular"})


_NEAR_DECLARATION = 300  # characters: a declaration this close before the claim (its exercise's part) is certain


def _two_roles(facts, shape, place: int | None, at: int | None = None) -> bool:
    """Whether the letter of a declared 2-D shape has another role where the claim sees it, so that
    its shape is no certain reading there: declared away from the claim (not in its passage or the
    one before) while it is also said square (symmetric, invertible, n×n …) when the shape is m×n,
    or sized otherwise ("for an n-by-n (square) matrix A", then A ∈ ℝ^{m×n} for a warm-up, then a list
    of facts about tr A; a homework's answers after questions (a)–(e) that each size A anew); or
    declared in the claim's passage but not just before it while that passage sizes the letter twice.
    A declaration right before the claim (an exercise's own "A ∈ ℝ^{p×m}, prove …") is certain."""
    if place is None or len(shape) != 2:
        return False
    decls = [d for d in getattr(facts, "declarations", ()) if not d.carried]
    source = next((d for d in decls if d.shape is not None), None)
    if source is None:
        return False
    rows, cols = shape
    wide = isinstance(rows, str) and isinstance(cols, str) and rows != cols
    others = [d for d in decls if d is not source]
    if source.index >= place - 1:  # in the claim's passage: (a) A m×n … (c) A n×n, claimed about in (c)
        resized = [d for d in others if d.index == source.index and d.shape is not None and d.shape != source.shape]
        if at is None:
            return False
        if any(source.start < d.start <= at + _NEAR_DECLARATION // 2 for d in resized):
            return True  # "(b) For β = uᵀFu with F ∈ ℝ^{n×n}": sized anew at the claim, after the earlier size
        near = source.index == place and 0 <= at - source.start <= _NEAR_DECLARATION  # in its passage, just before it
        return bool(resized) and not near
    return any(d.shape is not None and len(d.shape) == 2 and d.shape != source.shape for d in others) or (
        wide and any(d.props & _SQUARE_SAYING or (d.shape is not None and len(d.shape) == 2 and d.shape[0] == d.shape[1])
                     for d in others))


def _other_font(facts, sym: Sym) -> bool:
    """Every declaration that gives ``sym`` a shape or kind names it in the other
    font (bold x a vector, plain x a scalar in the same note)."""
    fonts = {d.bold for d in getattr(facts, "declarations", []) if d.shape is not None or d.kind is not None}
    return bool(fonts) and None not in fonts and sym.bold not in fonts


def _diagonal_by_definition(value) -> bool:
    """diag(λ_1, λ_2, …): a matrix defined by its diagonal entries."""
    return isinstance(value, Func) and value.name == "diag" and len(value.args) > 1


# --------------------------------------------------------------------------- the check


def analyse_claims(claims: list, context, note_layout_setting: str = "auto") -> None:
    """Fill ``facts`` and ``verdict`` of every claim; then settle the note's layout."""
    by_chain = chains_of(claims)
    previous_head: dict[int, Node] = {}
    literal_chains: dict[int, bool] = {}  # id(chain) -> _has_literal(chain); the chains live in by_chain
    heads: dict[int, Node | None] = {}  # id(chain) -> _head_of(chain)
    budget.open_note(len(claims))  # the claims of a note share a budget too (budget.py)
    context.note_claims = claims  # the claims before one that fails: a constraint they state (_under_constraint)
    contested: dict[str, tuple[str, str]] = {}  # name -> (declared size, its definition's size) that disagree
    for claim in claims:
        if claim.kind == "unparsed":
            continue
        chain = by_chain[(id(claim.block), claim.chain)]
        if id(chain) not in heads:  # once per chain: a chain a = b = … of 5,000 steps stays linear
            heads[id(chain)] = _head_of(chain)
        head = heads[id(chain)]
        if claim.lhs is None and claim.step == 0:
            head = previous_head.get(id(claim.block))  # "= …" after a step that did not parse
        if head is not None and not claim.embedded:
            previous_head[id(claim.block)] = head
        claim.facts["head"] = head
        before = dict(claim.facts)  # what a claim over its budget keeps: no half-made fact
        budget.start()
        try:
            budget.tick()  # stops at once a claim that has nothing left of its note's budget
            check_claim(claim, context, head, chain, literal_chains)
            _contested(claim, contested, context, chain)  # within the claim's budget
        except budget.OverBudget as over:  # bounded work per claim: undecided, never DL199
            claim.facts.clear()
            claim.facts.update(before)
            claim.facts["outcome"] = Outcome(reason=over.reason)
            claim.verdict = _verdict(claim.facts["outcome"])
        except Exception as exc:  # noqa: BLE001 - one odd claim never stops a note; DL199 reports it
            claim.facts["internal_error"] = f"{type(exc).__name__}: {exc}"
            claim.facts["outcome"] = Outcome(reason=f"internal error: {type(exc).__name__}: {exc}")
            claim.verdict = f"undecided: internal error: {type(exc).__name__}"
        finally:
            budget.stop()
    budget.close_note()
    context.note_claims = []  # no cycle context -> claims -> context: a note is freed by reference counting
    _misread_letters(claims, context)
    settle_layout(claims, context, note_layout_setting)
    settle_reports(claims, context)


MISREAD_MIN_CLAIMS = 2  # failing claims about one undeclared letter, none holding, before its reading is doubted


def _misread_letters(claims: list, context) -> None:
    """An undeclared capital letter that fails in at least MISREAD_MIN_CLAIMS claims and holds in
    none (D in (DA B)ᵀ = B DA, D P = D P² = D P P + P D P: the derivative D X of X, read as a
    matrix D times X; the other claims about it undecided for other reasons) is misread, not wrong
    each time: those claims are undecided. Notes are mostly right; a reading under which every
    decided claim about a letter fails is not certain. So is one failing claim about a letter that
    another claim applies as a function (L(ST) = LS T + S LT, then (LS T)ᵀ = T LS)."""
    if not any(map(_fails, claims)):
        return  # a letter is doubted only where some claim fails: most notes have none
    about: dict[str, list] = {}
    applied: dict[str, list] = {}  # letters some claim applies to an argument, L(…): those claims
    for claim in claims:
        if claim.lhs is None or claim.rhs is None or claim.kind == "unparsed":
            continue
        for n in itertools.chain(claim.lhs.walk(), claim.rhs.walk()):
            if isinstance(n, Call):
                applied.setdefault(n.func.key, []).append(claim)
            elif isinstance(n, Mul):
                for key in _written_applied(n, claim.block.text if claim.block is not None else ""):
                    applied.setdefault(key, []).append(claim)
            elif isinstance(n, Sym) and len(n.name) == 1 and n.name.isupper() and n.name not in ("I", "E", "O") and not n.sub:
                group = about.setdefault(n.key, [])
                if not group or group[-1] is not claim:
                    group.append(claim)
    for key, group in about.items():
        failing = [c for c in group if _fails(c)]
        called = key in applied and any(_same_section(context, a, c) for a in applied[key] for c in failing)
        if len(failing) < (1 if called else MISREAD_MIN_CLAIMS) or any((c.verdict or "").startswith("true") for c in group):
            continue
        try:
            declared = any(context.facts(key, c).declarations for c in group) if context is not None else False
        except Exception:  # noqa: BLE001 - a context bug: treat as declared, change nothing
            declared = True
        if declared:
            continue
        for claim in group:
            if claim.verdict and not claim.verdict.startswith("undecided"):
                _undecide(claim, f"every claim with {key} fails when {key} is read as a matrix"
                          + (f" ({key}(…) is applied as a function in its section)" if called else "") + ": it may be an operator")


def _written_applied(n: Mul, text: str) -> list[str]:
    """The bare letters of a product written right against an opening parenthesis, L(ST): a
    function or operator applied, or a matrix times a group; which one, the letter alone does not say."""
    return [a.key for a in against_parenthesis(n, text)
            if isinstance(a, Sym) and not a.sub and text[a.start : a.end] == a.name]


def _same_section(context, a, b) -> bool:
    """Whether claim ``b`` stands in the section of claim ``a`` (False when that is not known)."""
    if context is None:
        return False
    try:
        return context.outline.same_section(context._where(a)[0], context._where(b)[0])
    except Exception:  # noqa: BLE001 - no outline: not known
        return False


def _fails(claim) -> bool:
    """Whether a claim was found false, or false for arbitrary values (then left undecided)."""
    verdict = claim.verdict or ""
    return verdict.startswith("false") or "false for arbitrary values" in verdict or bool(claim.facts.get("failed_draws"))


def _contested(claim, contested: dict[str, tuple[str, str]], context=None, chain=()) -> None:
    """A name whose declared size disagrees with the size of its own definition (A = XᵀX ∈ R^{k×k}
    with X ∈ R^{n×(k+1)}, the note having said "write k for k+1") has no certain size: record it;
    a later claim about it that fails on sizes or values is undecided, not a finding."""
    if claim.kind == "definition" and claim.step == 0 and isinstance(claim.lhs, Sym):
        shapes = claim.facts.get("shapes")
        if shapes is None and any(c.kind == "declaration" and c.step == 1 for c in chain):
            try:  # a definition read as one (no shapes kept), whose chain declares a size: "G = XᵀX ∈ R^{p×p}"
                _, shapes = _shape_errors(claim, Scope(context, claim), False)
            except Exception:  # noqa: BLE001 - no shapes: nothing contested
                shapes = None
        if (isinstance(shapes, tuple) and len(shapes) == 2
                and all(isinstance(x, str) and "×" in x and "?" not in x for x in shapes) and shapes[0] != shapes[1]):
            contested.setdefault(claim.lhs.key, (shapes[0], shapes[1]))
        return
    verdict = claim.verdict or ""
    if not contested or claim.lhs is None or claim.rhs is None or not (verdict == "shape error" or verdict.startswith("false")):
        return
    keys = set(symbols(claim.lhs)) | set(symbols(claim.rhs))
    name = next((k for k in contested if k in keys), None)
    if name is not None:
        declared, defined = contested[name]
        _undecide(claim, f"{name} is declared {declared} but its definition is {defined}: its size is not certain")


def _undecide(claim, reason: str) -> None:
    """Leave a decided claim undecided with ``reason``, its shape errors with it: a reading of the
    whole note (_contested, _misread_letters) shows that its decision rested on an uncertain one."""
    claim.facts["shape_errors"] = []
    claim.facts.pop("relation_error", None)
    claim.facts["outcome"] = Outcome(reason=reason)
    claim.verdict = _verdict(claim.facts["outcome"])


def internal_errors(claims: list) -> int:
    """How many claims were left undecided because checking them raised (a derivlint bug, DL199)."""
    return sum(1 for claim in claims if claim.facts.get("internal_error"))


def _head_of(chain: list) -> Node | None:
    """The derivative a chain computes: its first side, or, when that is an
    undefined name (dL(w)/dw), the first derivative of an explicit expression."""
    if not chain or not isinstance(chain[0].lhs, Deriv):
        return None
    sides = [chain[0].lhs] + [c.rhs for c in chain]
    for side in sides:
        if isinstance(side, Deriv) and side.num is not None and not isinstance(side.num, (Sym, Call)):
            return side
    return chain[0].lhs


def _has_literal(chain: list, memo: dict | None = None) -> bool:
    """Whether a side of some step of the chain holds a concrete matrix literal; remembered
    in ``memo`` by id(chain) when given (a walk of the whole chain: once, not once per claim)."""
    if memo is not None and id(chain) in memo:
        return memo[id(chain)]
    found = any(contains_literal(c.lhs) or contains_literal(c.rhs) for c in chain)
    if memo is not None:
        memo[id(chain)] = found
    return found


def check_claim(claim, context, head: Node | None, chain: list, literal_chains: dict | None = None) -> None:
    """Shapes, then the numeric decision, of one claim; ``literal_chains``: see _has_literal."""
    facts = claim.facts
    too_large = literal_too_large(claim.lhs, claim.rhs, head)
    if too_large:  # bounded work per claim: not even its shapes
        facts["outcome"] = Outcome(reason=too_large)
        claim.verdict = _verdict(facts["outcome"])
        return
    if claim.kind not in CHECKED_KINDS and not (claim.kind == "definition" and claim.step > 0):
        if claim.kind == "declaration":
            _shape_only(claim, context)
        elif claim.kind == "definition":
            scope = Scope(context, claim)
            if not _gated(claim, scope):
                _shape_only(claim, context, scope)  # the facts the gate looked up, not looked up again
        return
    if claim.relation not in IDENTITY_RELATIONS:  # ∂f/∂x ≤ Lx, ≈ (a Taylor step), ← (an update): not an identity
        _shape_only(claim, context)  # its sizes must still agree
        facts["outcome"] = Outcome(reason=f"a relation {claim.relation} is not an identity to check")
        claim.verdict = _verdict(facts["outcome"])
        return
    scope = Scope(context, claim)
    discrete = _discrete(claim, scope)
    if discrete:  # t_i ∈ {0, 1}: t_i² = t_i holds there; real draws would call it false
        _shape_only(claim, context, scope)
        if facts.get("shape_errors") or facts.get("relation_error"):
            claim.verdict = "shape error"  # ∇_W(½xᵀWx) = ½xᵀx with x ∈ {−1, 1}^n: no value makes shapes agree
            return
        facts["outcome"] = Outcome(reason=f"{discrete} takes its values in a finite set of numbers; the check draws any number")
        claim.verdict = _verdict(facts["outcome"])
        return
    if entry_definition(claim) is not None and _gated(claim, scope):  # σ(v)_k = …: a definition, before any index work
        return
    if indices.decide_claim(claim, scope, head):  # written with indices (Σ, x_i, A_{ij}): derivlint.check.indices
        return
    if _gated(claim, scope):
        return
    literal = (_has_literal(chain, literal_chains) and _worked_example(chain, scope)) or _valued_example(chain, scope)
    lhs = claim.lhs
    if lhs is None and head is None:
        facts["outcome"] = Outcome(reason="the left-hand side did not parse")
        claim.verdict = "undecided"
        return
    # shapes on the claim as written, for DL2xx
    errors, shapes = _shape_errors(claim, scope, literal)
    if (errors or facts.get("relation_error")) and _uses_ones(claim):
        # 1ᵀA1 with A m×n: notes write one 1 for the ones of every length (1_m, 1_n)
        facts.pop("relation_error", None)
        facts["shapes"] = shapes
        facts["outcome"] = Outcome(reason="the all-ones vector 1 may have another length at each place")
        claim.verdict = _verdict(facts["outcome"])
        return
    if (errors or facts.get("relation_error")) and _narrow_function_fits(claim, scope, literal):
        # ∇_A det A = \det A (A^{-1})^T: det(A)·A^{-T}, not det(A A^{-T}), as the shapes say
        facts.pop("relation_error", None)
        facts["shapes"] = shapes
        facts["outcome"] = Outcome(reason=NARROW_FUNCTION)
        claim.verdict = _verdict(facts["outcome"])
        return
    primed = _prime_reading(lhs, shapes, scope) if isinstance(lhs, Deriv) and lhs.prime else None
    if primed:
        facts.pop("relation_error", None)
        facts["outcome"] = Outcome(reason=primed)
        claim.verdict = _verdict(facts["outcome"])
        return
    facts["shape_errors"] = errors
    facts["shapes"] = shapes
    if (errors or facts.get("relation_error")) and _disowned(claim):  # "…= -2(X-UV)U. However, this does not work"
        facts["shape_errors"] = NO_SHAPE_ERRORS
        facts.pop("relation_error", None)
        facts["outcome"] = Outcome(reason=DISOWNED)
        claim.verdict = _verdict(facts["outcome"])
        return
    if errors or facts.get("relation_error"):
        claim.verdict = "shape error"
        return
    if claim.kind != "derivative" and head is None and _is_equation(claim, chain):
        facts["outcome"] = Outcome(reason="an equation to solve, not an identity")
        claim.verdict = "undecided: an equation"
        return
    if claim.kind == "definition" and head is None:
        return
    target = head if head is not None else lhs
    if target is claim.rhs:
        target = lhs
    try:
        outcome = decide(target, claim.rhs, scope, literal)
    except Undecided as why:
        outcome = Outcome(reason=facts.get("sized_before") or str(why))
    lists = schematic.spaced_lists((target, claim.rhs), getattr(claim.block, "text", None))
    if any(lists) and outcome.holds is not None:  # a_1 \ a_2 \ ⋯ \ a_m: a column or a row (schematic.unoriented)
        outcome = schematic.unoriented(outcome, lists, isinstance(target, Deriv)) or Outcome(
            reason="a list of entries laid out with control spaces: a column or a row")
    outcome.head = head if head is not lhs else None
    outcome.literal = literal
    outcome.gradient = any(isinstance(d, Deriv) and d.op == "nabla" for d in (target, lhs, chain[0].lhs))
    if outcome.holds is not None and not outcome.holds:
        reason = _not_a_mistake(claim, target, head, scope, literal)
        if not reason:  # the gate of DL301–DL304: a false verdict needs a certain reading too
            from derivlint.check.reading import uncertain_falsity

            reason = uncertain_falsity(claim, target, claim.rhs, chain, scope, literal) or _unknown_in_step(claim, head, scope)
            if reason:
                claim.facts["reading"] = reason
        if reason:
            outcome = Outcome(reason=reason)
            facts["failed_draws"] = True  # false as drawn, excused by a reading: still a failure (_fails)
        elif not literal:
            outcome.assumption = unstated_assumption(target, claim.rhs, scope, literal)
            elsewhere = _said_elsewhere(outcome.assumption, scope) if outcome.assumption is not None else None
            if elsewhere:
                outcome = Outcome(reason=elsewhere)
    facts["outcome"] = outcome
    claim.verdict = _verdict(outcome)


def _discrete(claim, scope) -> str | None:
    """The key of a symbol of the claim that the note says takes values in a finite set of numbers
    (t_i ∈ {0, 1}: its entries too, t_j ∈ {0, 1} for every j), or None."""
    context = scope.context
    if not getattr(context, "has_discrete", True):
        return None  # no symbol of the note is said to take a finite set of values (most notes)
    for side in (claim.lhs, claim.rhs):
        for n in side.walk() if side is not None else ():
            if isinstance(n, Sym):
                f = scope.facts(n.key)
                if f is not None and "discrete" in f.props:
                    return n.key
    return None


def _gated(claim, scope) -> bool:
    """The one gate of every error finding (DL2xx–DL5xx): a claim without a certain reading
    (derivlint.check.reading) is undecided with the reason, and no rule sees a fact about it.
    A definition keeps its verdict (None: not a claim) but loses its shape facts too."""
    why = uncertain_reading(claim, scope)
    if why is None:
        return False
    claim.facts["reading"] = why
    if claim.kind != "definition" or claim.step > 0:
        claim.facts["outcome"] = Outcome(reason=why)
        claim.verdict = f"undecided: {why}"
    return True


def _not_a_mistake(claim, target, head, scope, literal: bool) -> str | None:
    """Why a claim that failed every draw is still not reported, or None: a reading
    under which it holds, or an equality that is not an identity."""
    lhs, rhs = claim.lhs, claim.rhs
    if target is not lhs and lhs is not None and _holds(lhs, rhs, scope, literal):
        return "follows from the step before, but not from the derivative the chain starts with"
    if not literal and _holds(target, rhs, scope, literal, guessed_scalars=True):
        return "holds when the undeclared lowercase symbols are scalars"  # d(bx)/dx = b, ∂(w·x + b)/∂b = 1
    if any(_has_op(side, "*") for side in (target, rhs)):
        try:  # tr(A^T(B*C)) = tr((A*B)^T C): * as the element-wise product
            star = decide(_with_op(target, "*", "odot"), _with_op(rhs, "*", "odot"), scope, literal)
        except Undecided as why:
            star = False if str(why).startswith("the shapes do not fit") else None  # then * is a matrix product
        if star is None or (star and star.holds):
            return "* may be the element-wise product: false as a matrix product only"
    if any(isinstance(n, Norm) and n.sub is None for side in (target, rhs) for n in side.walk()):
        try:  # ∂‖X‖/∂X = ‖X‖X^{-T}: the determinant |X| typed with \|
            det = decide(_norm_as_det(target), _norm_as_det(rhs), scope, literal)
        except Undecided:
            det = None
        if det is not None and det.holds:
            return "holds when ‖·‖ is read as the determinant |·|, as it may be typed"
    if _disowned(claim):
        return DISOWNED
    constraint = constraint_reason(claim, target, rhs, scope)
    if constraint is not None:  # max x̂ᵀΛx̂ subject to ‖x̂‖² = 1, then Σ λ₁x̂ᵢ² = λ₁
        return constraint
    size = _led_by_a_size(claim, target, rhs, scope)
    if size is not None:  # "For $n=2$:" then det(I + A) = 1 + det A + tr A, A's size never tied to n
        letter, value = size
        scope.led_size = value
        try:
            at_size = decide(target, rhs, scope, literal)
        except Undecided:
            at_size = None
        finally:
            scope.led_size = None
        if at_size is None or at_size.holds:
            return f"holds for {letter} = {value}, the size stated just before it"
    projection = next((n for side in (target, rhs) if side is not None for n in side.walk()
                       if isinstance(n, Sym) and "projection" in scope.props(n.key)), None)
    if projection is not None:  # "R 是投影矩阵", then zᵀRᵀRz = zᵀRz: an orthogonal projection, as meant
        return (f"{projection.name} is called a projection: orthogonal (symmetric and idempotent) or with "
                "orthonormal columns, which the word alone does not say")
    factor = _decomposition_factor(claim, target, rhs, scope)
    if factor is not None:  # X = UDVᵀ an SVD, then VDUᵀUDᵀVᵀ = VD²Vᵀ: UᵀU = I and Dᵀ = D, unsaid
        return (f"{factor} may be a factor of the decomposition this section names (orthonormal columns, "
                "diagonal), which the step uses and derivlint does not draw")
    marked = _marked_beside_plain(target, rhs, scope, literal)
    if marked is not None:  # A A^† A = A: the Penrose conditions of the pseudo-inverse
        return (f"{_show(marked)} beside {marked.name}: the mark may name an operation on {marked.name} (the "
                "adjoint, the pseudo-inverse) or its optimum, drawn here as a symbol of its own")
    twice = _defined_twice(claim, scope)
    if twice:
        return twice
    unsized = _pattern_of_unsized(target, rhs, scope)
    if unsized:  # [∂(aᵀx)/∂x_1; …; ∂(aᵀx)/∂x_n] with x of no declared length
        return f"a pattern runs over the entries of {unsized}, whose length is not declared: its n may not be that length"
    untied = _untied_column(target, rhs, scope, literal)
    if untied:  # [x_1; x_2] = A^{-1} [y_1; y_2] under y = Ax: the entries stand for a vector not tied here
        return f"uses entries of {untied} without tying them to it"
    if literal and _abs_of_matrix(target, rhs, scope):  # |J| = 3 with det J = -3
        return "|·| of a matrix may be its determinant or the determinant's absolute value"
    if literal and _rounded(target, rhs, scope):
        return "equal up to the rounding of the decimals written"
    if literal:
        if head is None and not (contains_literal(claim.lhs) or contains_literal(claim.rhs)):
            one_sided = _one_sided(claim, scope)  # Σ^{-1} = P = [P_11 …]: P is named here, not computed
            if one_sided:
                return f"{one_sided} occurs on one side only and is not defined here: defined elsewhere, it cannot be checked here"
        return None
    if _zero_like(rhs):
        return "set to zero: a condition to solve, not an identity"
    if any(isinstance(n, Transpose) and n.mark == "prime" for side in (lhs, rhs, target) if side is not None
           for n in side.walk()):  # ∇_A |A| = A' with A' the cofactor matrix, as the prose may say
        return "A' may be a transpose or another matrix"
    transposed = _undeclared_transposed(target, rhs, scope, lhs)
    if transposed:  # ∂(θᵀAθ)/∂θ with θ undeclared: θ guessed a scalar, written as a vector
        return f"{transposed} is written transposed but its shape is not declared here: a guess decided it"
    sized = _sized_identity(claim, scope)
    if sized:  # ∂xᵀ/∂x = I_n: the identity written with its size
        return f"{sized} may be the identity matrix, its size written as a subscript"
    if head is not None:
        return None
    one_sided = _one_sided(claim, scope)
    if one_sided:
        return f"{one_sided} occurs on one side only and is not defined here: defined elsewhere, it cannot be checked here"
    if not _identity_shaped(claim, scope):
        return "false for arbitrary values: an equation or a wrong identity, which cannot be told apart here"
    return None


# the words that make an equality a constraint of an optimisation, not a supposition ("if x = 0")
CONSTRAINT_PHRASES = re.compile(r"subject to|s\.\s?t\.?|such that|constraint|约束|满足|使得|制約|条件", re.I)


def _equated_sizes(errors, claim, scope) -> str | None:
    """``m = n`` written before the claim in the note, when the claim's shape errors all set the sizes
    m and n against each other (an inverse of an m×n matrix after "if M is invertible, m = n"): the
    equation's text, or None."""
    pairs = [e.conflict for e in errors]
    if not pairs or not all(pairs):
        return None
    for other in _claims_before(claim, getattr(scope, "context", None)):
        if other.relation != "=" or not (type(other.lhs) is Sym and type(other.rhs) is Sym):
            continue
        said = frozenset((other.lhs.key, other.rhs.key))
        if len(said) == 2 and all(p == said for p in pairs):
            return f"{other.lhs.key} = {other.rhs.key}"
    # "If A is an invertible square matrix, then we have" before the display (or earlier in the
    # section: a remark after it), A declared M×N earlier: under the condition M and N are one
    context = getattr(scope, "context", None)
    for key in {n.key for side in (claim.lhs, claim.rhs) if side is not None for n in side.walk() if type(n) is Sym}:
        props = scope.assumed.get(key, frozenset())  # the claim's own conditions, then those said before it
        if context is not None:
            props = props | context.conditions_before(key, claim)
        f = scope.facts(key)
        shape = getattr(f, "shape", None)
        if props & SQUARE_PROPS and shape is not None and len(shape) == 2 and not _sized_in_sentence(f, claim):
            dims = frozenset(_dim_names(shape))
            if len(dims) == 2 and all(p == dims for p in pairs):
                return f"{key} is square under the condition the note states"
    return None


def _sized_for_steps_before(errors, claim, scope) -> str | None:
    """A claim whose shape errors all ask a letter declared M×N to be square (|A|, A⁻¹, tr A), where
    the declaration that sized it was made for a claim before it and the steps between it and the
    claim, all using the letter (a proof's "we conclude A ∈ ℝ^{N×M}" under ∇_A tr(ABAᵀC), then the
    next rule of the list, ∇_A|A| = |A|(A⁻¹)ᵀ):
    the letter may be used anew, square, as every rule about determinants means it. The reason, or None."""
    if not errors or any(e.kind != "square" or not e.conflict for e in errors):
        return None
    context = getattr(scope, "context", None)
    if context is None or claim.block is None:
        return None
    for key in {n.key for side in (claim.lhs, claim.rhs) if side is not None for n in side.walk() if type(n) is Sym}:
        f = scope.facts(key)
        shape = getattr(f, "shape", None)
        if shape is None or len(shape) != 2:
            continue
        dims = frozenset(_dim_names(shape))
        if len(dims) != 2 or any(e.conflict != dims for e in errors):
            continue
        sized = [d for d in getattr(f, "declarations", None) or () if d.shape == shape and d.source is claim.block.source]
        if not sized or any(d.end > claim.block.start for d in sized):
            continue  # sized by the claim itself (tr(dF_{p×q})), or only later: not another use of the letter
        made = max(d.end for d in sized)
        before = [c for c in _claims_before(claim, context) if c.block is not None and c.block.source is claim.block.source
                  and c.block is not claim.block and key in _letters_of(c)]
        # used before it was sized, in this section (the rule a proof's "we conclude A ∈ ℝ^{N×M}" serves),
        # and by the steps after: the size belongs to that proof, not to "Let A ∈ ℝ^{m×n}" and its list
        proved = any(c.block.end <= min(d.start for d in sized) and _same_section(context, c, claim) for c in before)
        if proved and any(made <= c.block.start for c in before):
            line = claim.block.source.line_col(made)[0]
            size = "×".join(_dim_names(shape))
            return f"{key} was sized {size} on line {line} for the steps after it; here it may be a square {key} anew"
    return None


def _dim_names(shape) -> tuple[str, ...]:
    """The sizes of a declared shape as written (m, n, 3): what ShapeError.conflict holds."""
    return tuple(getattr(d, "name", None) or str(d) for d in shape)


def _letters_of(claim) -> set[str]:
    """The keys of the symbols a claim writes, entries (A_ij) under their letter's name too."""
    out: set[str] = set()
    for side in (claim.lhs, claim.rhs):
        for n in side.walk() if side is not None else ():
            if type(n) is Sym:
                out.add(n.key)
                out.add(n.name)
    return out


def _sized_in_sentence(facts, claim) -> bool:
    """Whether the declaration that sized the symbol stands in the claim's own sentence ("C ∈ ℝ^{m×n}
    with C symmetric gives G = C⁻¹": a contradiction, not a condition)."""
    block = claim.block
    text = getattr(block.source, "text", "") or ""
    for d in getattr(facts, "declarations", None) or ():
        if d.shape == facts.shape and d.source is block.source and d.end <= block.start:
            return SENTENCE_BREAK.search(text, d.end, block.start) is None
    return False


def _claims_before(claim, context):
    """The note's claims before ``claim``, in order (context.note_claims, set while analyse_claims runs)."""
    for other in getattr(context, "note_claims", None) or ():
        if other is claim:
            return
        yield other


def constraint_reason(claim, target, rhs, scope) -> str | None:
    """Why a claim that failed its draws is not reported when an earlier constraint may make it hold
    (_under_constraint), or None; truth and the index check give the same reason."""
    constraint = _under_constraint(claim, target, rhs, scope)
    return None if constraint is None else f"may use the constraint {constraint} stated before it in this section"


def _under_constraint(claim, target, rhs, scope) -> str | None:
    """An equality fixing a value that the note states as a constraint ("subject to ‖x̂‖² = 1", "s.t.
    wᵀw = 1", "约束为 Σ pᵢ = 1") before the claim in its section, on a symbol the claim uses: later
    steps use it unsaid. Its text, or None."""
    context = getattr(scope, "context", None)
    if context is None or not getattr(context, "note_claims", None):
        return None
    from derivlint.math.roles import statement_role

    syms = [n for side in (target, rhs) if side is not None for n in side.walk() if isinstance(n, Sym)]
    used = {n.key for n in syms} | {n.name for n in syms}
    found = None
    for other in _claims_before(claim, context):
        if other.relation != "=" or other.lhs is None or other.rhs is None:
            continue
        if not (isinstance(other.rhs, Num) or isinstance(other.lhs, Num)):
            continue  # a constraint fixes a value: ‖x‖² = 1, Σ pᵢ = 1, wᵀw = 1
        role = statement_role(other)
        if role is None or role.kind != "condition" or not CONSTRAINT_PHRASES.search(role.phrase):
            continue
        names = {n.key for side in (other.lhs, other.rhs) for n in side.walk() if isinstance(n, Sym)}
        if names & used and _same_section(context, other, claim):
            found = f"{_show(other.lhs)} = {_show(other.rhs)}"  # the nearest before the claim
    return found


_LEAD_GAP = re.compile(r"\s*[:：,，]?\s*")  # what may stand between "For $n=2$" and its display


def _led_by_a_size(claim, target, rhs, scope) -> tuple[str, int] | None:
    """("n", 2) when the claim's display comes right after "For $n = 2$:" (one letter given a whole
    number 2..13, the letter not in the claim): the size of the claim's matrices, which nothing else
    ties to them (decide draws the sizes it does not know at it). None otherwise."""
    before = None
    for before in _claims_before(claim, getattr(scope, "context", None)):
        pass
    if before is None or before.relation != "=" or not isinstance(before.lhs, Sym) or len(before.lhs.name) != 1:
        return None
    if before.block.source is not claim.block.source:
        return None
    text = getattr(claim.block.source, "text", "") or ""
    between = text[before.block.end : claim.block.start]
    if before.block.end > claim.block.start or not _LEAD_GAP.fullmatch(between):
        return None
    letter, value = before.lhs.name, _drawable_size(before.rhs)
    if value is None or any(
            isinstance(n, Sym) and n.name == letter for side in (target, rhs) if side is not None for n in side.walk()):
        return None
    return letter, value


def _abs_of_matrix(lhs, rhs, scope) -> bool:
    """Whether a side writes |·| around a matrix (a literal, or a symbol valued by one)."""
    for side in (lhs, rhs):
        for n in side.walk() if side is not None else ():
            if isinstance(n, Abs):
                arg = n.arg
                if isinstance(arg, Sym):
                    f = scope.facts(arg.key)
                    arg = f.value if f is not None else None
                if isinstance(arg, Matrix) and (len(arg.rows) > 1 or len(arg.rows[0]) > 1):
                    return True
    return False


def _written_unit(node) -> Fraction | None:
    """One unit in the last written decimal of a number (``-0.149`` → 0.001), 0 for a number
    written without decimals (exact), None for anything else."""
    if isinstance(node, Neg):
        node = node.arg
    if not isinstance(node, Num):
        return None
    _, dot, decimals = node.value.partition(".")
    return Fraction(1, 10 ** len(decimals)) if dot and decimals.isdigit() else Fraction(0)


def _rounded(lhs, rhs, scope) -> bool:
    """Whether a worked example's result, written as numbers with decimals (``= -0.149``,
    ``= [-0.15; -0.18]``), is the exact value of the other side rounded or cut to the decimals it
    writes: less than one unit of each number's last decimal away. A number written without decimals
    must be exact."""
    from derivlint.check import exact

    for result, other in ((rhs, lhs), (lhs, rhs)):
        cells = [c for row in result.rows for c in row] if isinstance(result, Matrix) else [result]
        units = [_written_unit(c) for c in cells]
        if None in units or not any(units) or len(units) > 64:
            continue
        values, _ = _definitions(other, result, scope, literal=True)
        try:
            comparison = exact.compare(other, result, values)
        except (exact.Unsupported, budget.OverBudget):
            return False
        value = comparison.lhs_value
        if comparison.lhs_shape != comparison.rhs_shape or value.rows * value.cols != len(units):
            return False
        try:
            exact_values = [_as_fraction(value[i, j]) for i in range(value.rows) for j in range(value.cols)]
            written = [_as_fraction(comparison.rhs_value[i, j]) for i in range(value.rows) for j in range(value.cols)]
        except (TypeError, ValueError):
            return False
        return all(abs(v - w) < u for v, w, u in zip(exact_values, written, units))
    return False


def _as_fraction(entry) -> Fraction:
    """A constant entry of an exact value (a polynomial or a sympy number) as a Fraction."""
    from derivlint.check import exact

    if isinstance(entry, exact.Polynomial):
        if not entry.is_constant:
            raise ValueError("not a constant")
        return entry.constant
    if not getattr(entry, "is_Rational", False):
        raise ValueError("not a rational constant")
    return Fraction(int(entry.p), int(entry.q))


def _undeclared_transposed(target, rhs, scope, lhs=None) -> str | None:
    """The key of a lowercase Greek or multi-letter symbol written transposed (θᵀ, βᵀ) whose shape
    nothing in scope declares, or None: derivlint guesses such a name a scalar, which decides nothing
    about a symbol the claim writes as a vector. Read in the two sides, the step's own left-hand
    side and the definitions they use (J(θ) = ½(Xθ − y)ᵀ(Xθ − y) expanded into θᵀXᵀXθ)."""
    values, _ = _definitions(target, rhs, scope, literal=False)
    for side in (target, rhs, lhs, *values.values()):
        for n in side.walk() if side is not None else ():
            if (isinstance(n, Transpose) and isinstance(n.arg, Sym) and n.arg.name[:1].islower()
                    and len(n.arg.name) > 1 and not n.arg.bold):  # θ, β: guessed scalars (shapes.convention)
                facts = scope.facts(n.arg.key)
                if facts is None or (facts.shape is None and facts.kind is None and facts.value is None):
                    return n.arg.key
    return None


def _sized_identity(claim, scope) -> str | None:
    """The name of an ``I_n`` (``\\mathbf{I}_d``, ``E_n``) in the claim that the note does not
    declare or define, or None: read as an unknown matrix, the claim may be false only for that."""
    for side in (claim.lhs, claim.rhs):
        for n in side.walk() if side is not None else ():
            if isinstance(n, Sym) and n.name in ("I", "E") and n.sub is not None and not n.sup:
                facts = scope.facts(n.key)
                if facts is None or (facts.shape is None and facts.value is None and not facts.declarations):
                    return n.key
    return None


def _holds(lhs, rhs, scope, literal: bool, **how) -> bool:
    """Whether ``lhs = rhs`` holds in some layout; False when it cannot be decided."""
    try:
        return bool(decide(lhs, rhs, scope, literal, **how).holds)
    except Undecided:
        return False


def _has_op(node, op: str) -> bool:
    return node is not None and any(isinstance(n, Mul) and op in n.ops for n in node.walk())


def _norm_as_det(node: Node) -> Node:
    """A copy of ``node`` with every ‖M‖ that names no norm (no subscript) written |M|."""
    n = rebuild(node, _norm_as_det)
    if isinstance(n, Norm) and n.sub is None:
        return Abs(n.start, n.end, n.arg)
    return n


def _dot_as_frobenius(node: Node) -> Node:
    """A copy of ``node`` with every product of two factors written A · B read as the Frobenius
    product tr(AᵀB) ("X · Y = tr(XᵀY)", "∇f · dA": notes write the matrix inner product so)."""
    n = rebuild(node, _dot_as_frobenius)
    if isinstance(n, Mul) and len(n.factors) == 2 and n.ops == ["cdot"]:
        a, b = n.factors
        return Func(n.start, n.end, "tr", [Mul(n.start, n.end, [Transpose(a.start, a.end, a), b], [""])])
    return n


def _with_op(node: Node, old: str, new: str) -> Node:
    """A copy of ``node`` with every product operator ``old`` written ``new``."""
    n = rebuild(node, lambda child: _with_op(child, old, new))  # no self-calling closure: no cycle
    if isinstance(n, Mul) and old in n.ops:
        n.ops = [new if o == old else o for o in n.ops]
    return n


DISOWNED_AFTER = ("not the case", "is wrong", "is incorrect", "is false", "does not hold", "doesn't hold",
                  "not true", "does not work", "doesn't work", "does not quite work", "doesn't quite work",
                  "cannot be right", "can't be right", "行不通", "不成立", "是错误的", "不正确", "是错的",
                  "(wrong", "(incorrect", "(false", "(not true", "(falsch", "(错", "（错", "(誤", "（誤", "wrong!", "falsch!")  # fmt: skip
DISOWNED = "the note itself says this does not hold"
DISOWNED_BEFORE = ("might assume", "might think", "may be tempted", "wrongly", "incorrectly", "mistakenly",
                   "common mistake", "typical mistake", "common pitfall", "typische fehler", "häufige fehler",
                   "误以为", "错误地", "错误的做法", "常见错误")  # fmt: skip
DISOWNED_HEADINGS = ("mistake", "pitfall", "common error", "typical error", "fehler", "错误", "误区", "易错", "間違")  # a section of them


# factorisations whose factors have properties a note uses without restating them: X = UDVᵀ (U, V
# with orthonormal columns, D diagonal), A = QΛQᵀ (Q orthogonal), A = QR, A = LLᵀ (Cholesky)
DECOMPOSITION_WORDS = ("singular value decomposition", "svd", "eigendecomposition", "eigen-decomposition",
                       "eigenvalue decomposition", "spectral decomposition", "qr decomposition", "cholesky",
                       "奇异值分解", "特征分解", "特征值分解", "谱分解", "特異値分解", "固有値分解")  # fmt: skip


def _decomposition_factor(claim, target, rhs, scope) -> str | None:
    """A symbol the claim has both plain and transposed (VDUᵀUDᵀVᵀ = VD²Vᵀ) that is a factor of a
    factorisation written before it, in a section that names a decomposition (SVD,
    eigendecomposition): the step may use its orthonormal columns or its diagonal. None otherwise."""
    block = claim.block
    text = getattr(block.source, "text", "") or ""
    heading = _heading_before(text, block.start)
    section = text[heading.end() if heading is not None else 0 : block.end].lower()
    if not any(w in section for w in DECOMPOSITION_WORDS):
        return None
    sides = [side for side in (target, rhs) if side is not None]
    transposed = {n.arg.key for side in sides for n in side.walk() if isinstance(n, Transpose) and isinstance(n.arg, Sym)}
    inside = {id(n.arg) for side in sides for n in side.walk() if isinstance(n, Transpose)}
    plain = {n.key for side in sides for n in side.walk() if isinstance(n, Sym) and id(n) not in inside}
    both = sorted(transposed & plain & _factors_written(claim, getattr(scope, "context", None)))
    return both[0] if both else None


def _factors_written(claim, context) -> set[str]:
    """The letters of the factorisations written before ``claim`` in its section: X = U D Vᵀ,
    A = Q Λ Qᵀ (a product of letters, one of them transposed) gives U, D, V; Q, Λ."""
    out: set[str] = set()
    for other in _claims_before(claim, context):
        for side in (other.lhs, other.rhs):
            if isinstance(side, Mul) and len(side.factors) >= 2 and all(
                    isinstance(f, Sym) or (isinstance(f, Transpose) and isinstance(f.arg, Sym)) for f in side.factors) \
                    and any(isinstance(f, Transpose) for f in side.factors) and _same_section(context, other, claim):
                out |= {(f.arg if isinstance(f, Transpose) else f).key for f in side.factors}
    return out


def _disowned(claim) -> bool:
    """A formula the note shows in order to refute it: "we might assume … However
    that is clearly not the case", "…，这是错误的"."""
    block = claim.block
    text = getattr(block.source, "text", "") or ""
    after = text[block.end : block.end + 200].lstrip()
    for stop in (". ", "。", ".\n"):
        cut = after.find(stop)
        if cut > 0:
            after = after[:cut]
    before = text[max(0, block.start - 200) : block.start]
    before = before[max(before.rfind(". "), before.rfind("。"), before.rfind("\n\n")) + 1 :]
    after, before = after.lower(), before.lower()
    if any(w in after for w in DISOWNED_AFTER) or any(w in before for w in DISOWNED_BEFORE):
        return True
    heading = _heading_before(text, block.start)  # "## Common mistakes", "\\subsection{Typische Fehler}", "## 常见错误"
    return heading is not None and any(w in heading.group(0).lower() for w in DISOWNED_HEADINGS)


_HEADING = re.compile(r"^[ \t]*(?:#{1,6}[ \t].*|\\(?:sub)*section\*?\{.*)$", re.M)


def _heading_before(text: str, at: int):
    """The match of the last heading line (Markdown or LaTeX) of ``text`` before offset ``at``, or None:
    that of ``_HEADING.finditer(text, 0, at)``. The headings of a whole text are found once (the
    claims of a note ask it of one text again and again: a search from its start each time); a
    heading line that runs past ``at`` is searched as before (its match may end at ``at``, or not be one)."""
    if _headings[0] is not text:
        _headings[0], _headings[1] = text, _headings_of(text)
        _headings[2] = [m.start() for m in _headings[1]]
    found = _headings[1]
    k = bisect.bisect_left(_headings[2], at) - 1  # the last heading that starts before ``at``
    if k >= 0 and found[k].end() > at:
        heading = None
        for heading in _HEADING.finditer(text, found[k - 1].end() if k > 0 else 0, at):
            pass
        return heading if heading is not None else (found[k - 1] if k > 0 else None)
    return found[k] if k >= 0 else None


_headings: list = [None, [], []]  # (text, its heading matches, their starts): see _heading_before
_HEADING_LINE = re.compile(r"\n[ \t]*[#\\]")  # a line that may be a heading (_HEADING), found from its newline


def _headings_of(text: str) -> list:
    """``list(_HEADING.finditer(text))``: each match starts a line and ends it, and its line's first
    character after blanks is # or a backslash. Only those lines are tried (found by their
    newline, at C speed), not every position of the text (~1 ms a note: 0.5 % of a run)."""
    found = []
    first = _HEADING.match(text)
    if first is not None:
        found.append(first)
    for line in _HEADING_LINE.finditer(text):
        heading = _HEADING.match(text, line.start() + 1)
        if heading is not None:
            found.append(heading)
    return found


def _zero_like(node) -> bool:
    """0, \\mathbf{0}, \\vec{0}^T: a side that sets an expression to zero."""
    while isinstance(node, Transpose):
        node = node.arg
    return _zero(node) or (isinstance(node, Sym) and node.name == "0")


def _unknown_in_step(claim, head, scope) -> str | None:
    """Why a step of a derivative's chain that failed is not certainly wrong: a side holds a symbol
    the note neither declares nor defines ("∂f/∂u = wᵀ = vᵀMᵀ", w never said to be anything; an
    entry x_1 is no such symbol); else None."""
    if head is None or claim.step == 0 or isinstance(claim.lhs, Deriv):
        return None
    one_sided = _one_sided(claim, scope)
    if one_sided and "_" not in one_sided and scope.definition(one_sided, True) is None:
        return f"{one_sided} occurs on one side only and the note neither declares nor defines it"
    return None


def _one_sided(claim, scope) -> str | None:
    """A symbol of a plain equality that only one side uses and the scope does not
    declare (A' the cofactor matrix, R a rotation given in prose): the equality is
    about something the check does not know."""
    left, right = symbols(claim.lhs), symbols(claim.rhs)
    for key, sym in {**left, **right}.items():
        if (key in left) == (key in right) or sym.name in ALWAYS_KNOWN:
            continue
        f = scope.facts(key)
        # known by its properties alone ("P is symmetric and idempotent", the projection matrix the
        # textbook defines): what it is, the check does not know any better than for an undeclared one
        if f is None or not getattr(f, "declarations", None) or (f.shape is None and f.value is None):
            part = schematic.NoteFacts(scope).part(sym.name) if sym.sub else None
            if part is not None and part[0] in (right if key in left else left):
                continue  # r_1 where the note says "r_i is the i-th row of A", beside A: a part of it
            return key
    return None


_SIZED_IDENTITY = re.compile(r"I_(?!0(?![0-9]))[A-Za-z0-9_{}()]+")  # the key of I_n, I_{D_\ell}: the identity with its size
_CONSTANT_KEYS = frozenset({"I", "0", "O"})  # the identity and zero matrices: no unknown


def _identity_shaped(claim, scope) -> bool:
    """An equality between matrix expressions that reads as an identity
    (tr(ABC) = tr(CAB), (AB)^T = B^T A^T, (u+v)^T F (u+v) expanded): no unknowns,
    no lone symbol, no number side; every letter a capital or declared with a shape."""
    sides = (claim.lhs, claim.rhs)
    if any(s is None or isinstance(s, Num) or is_lone_symbol(s) for s in sides):
        return False
    syms = [n for s in sides for n in s.walk() if isinstance(n, Sym)]

    def matrix_like(n: Sym) -> bool:
        if n.name[:1].isupper() and len(n.name) == 1:
            return True
        if not (n.name[:1].islower() and len(n.name) == 1):
            return False  # Λ, W_1, …: often unknowns of an eigen-equation the note solves
        f = scope.facts(n.key)
        return f is not None and f.shape is not None and not all(d == 1 for d in f.shape)

    if not syms or not all(matrix_like(n) for n in syms):
        return False
    left, right = set(symbols(claim.lhs)), set(symbols(claim.rhs))
    if any(n.name[:1].islower() for n in syms) and left != right:
        return False  # x^T A = a^T: vectors on one side only, an equation rather than an identity
    if left - right - _CONSTANT_KEYS and right - left - _CONSTANT_KEYS:
        return False  # X^T X W = X^T Y: an unknown on each side, the normal equations to solve
    if any(isinstance(n, (Func, Transpose, Inverse)) for s in sides for n in s.walk()):
        return True
    # d(XY) = X dY + Y dX: a rule of differentials when the note declares its letters matrices (alone
    # it is no sign of matrices: X, Y may be numbers, random variables)
    return any(type(n) is Differential and type(n.arg) is not Sym for s in sides for n in s.walk()) and all(
        _declared_matrix(scope, n.key) for n in syms)


def _declared_matrix(scope, key: str) -> bool:
    f = scope.facts(key)
    return f is not None and bool(getattr(f, "declarations", None)) and f.shape is not None and not any(d == 1 for d in f.shape)


_chain_keys: list = [None, set()]  # (chain, the keys of its symbols)


def _example_keys(chain) -> set | None:
    """The keys of the symbols of a chain that may be a worked example, gathered once per chain
    (not once per step, nor once per reader: _worked_example, _valued_example); None for a chain
    that defines its head symbol (a vector by its entries, an update rule)."""
    if chain[0].lhs is None or (is_lone_symbol(chain[0].lhs) and not isinstance(chain[0].lhs, Transpose)):
        return None
    if _chain_keys[0] is not chain:
        keys = set()
        for c in chain:
            keys |= set(symbols(c.lhs)) | set(symbols(c.rhs))
        _chain_keys[0], _chain_keys[1] = chain, keys
    return _chain_keys[1]


def _worked_example(chain, scope) -> bool:
    """A chain about symbols the note gives concrete values (A = [[1,2],[3,4]]), or about
    numbers only, not a definition of a vector by its entries or an update rule."""
    keys = _example_keys(chain)
    if keys is None:
        return False
    if not keys:
        return True  # numbers only ([2 1][3; 4] = 10): nothing to solve for, nothing arbitrary
    for key in keys:
        f = scope.facts(key)
        if f is not None and isinstance(f.value, Matrix) and not f.value.schematic:
            return True
    return False


def _valued_example(chain, scope) -> bool:
    """A chain whose every symbol the note gives a value made of numbers, one of them a matrix
    (S = [1/2 0; 0 1/2], then det S = 1/4): a worked example, though no step writes a matrix."""
    matrix = False
    for key in _example_keys(chain) or ():
        f = scope.facts(key)
        value = f.value if f is not None else None
        if isinstance(value, Matrix) and not value.schematic and all(
                isinstance(_unsigned(e), Num) or (isinstance(e, Div) and isinstance(_unsigned(e.num), Num) and isinstance(e.den, Num))
                for row in value.rows for e in row):
            matrix = True
        elif not isinstance(_unsigned(value), Num):
            return False
    return matrix


def _unsigned(node):
    return node.arg if isinstance(node, Neg) else node


def _verdict(outcome: Outcome) -> str:
    """The claim's verdict, interned: the same few texts (an undecided reason, a layout) for
    thousands of claims of a note, each kept until the note's rules have run."""
    return sys.intern(_verdict_text(outcome))


def _verdict_text(outcome: Outcome) -> str:
    if outcome.holds is None:
        return f"undecided: {outcome.reason}"
    if not outcome.holds and outcome.assumption is not None:
        a = outcome.assumption
        if a.denied:
            return f"false: holds only if {a.describe()}, and the note says {a.subject()} is not"
        return f"false in general: holds only if {a.describe()}, which the note does not say"
    if not outcome.holds:
        return "false"
    if set(outcome.holds) == set(LAYOUTS):
        return "true"
    return "true in the " + " and ".join(sorted(outcome.holds)) + " layout"


def _is_equation(claim, chain) -> bool:
    """An equality the note solves (normal equations), not one it asserts."""
    if contains_literal(claim.lhs) or contains_literal(claim.rhs):
        return False
    if claim.step == 0 and is_lone_symbol(claim.lhs):
        return True  # w^T = …: a solution or a definition
    prose = claim.prose_before or ""
    if claim.step == 0:
        text = claim.block.source.text
        prose += " " + text[max(0, claim.block.start - 80) : claim.block.start]
    if any(w in prose for w in EQUATION_WORDS):
        return True
    return claim.step < _last_lone_definition(chain)


_lone_definitions: list = [None, -1]  # (chain, its answer): the steps of a chain are checked one after another


def _last_lone_definition(chain: list) -> int:
    """The last step of ``chain`` that defines a lone symbol (…= w, where w is being defined), or -1;
    worked out once per chain (a chain of 5,000 steps stays linear)."""
    if _lone_definitions[0] is not chain:
        steps = [c.step for c in chain if c.kind == "definition" and is_lone_symbol(c.lhs)]
        _lone_definitions[0], _lone_definitions[1] = chain, max(steps, default=-1)
    return _lone_definitions[1]


def _shape_only(claim, context, scope: Scope | None = None) -> None:
    """The shapes and shape errors of a claim that is not decided; ``scope``: the claim's, when
    made already (its memos of the claim's facts are the same for the shapes)."""
    scope = scope if scope is not None else Scope(context, claim)
    errors, shapes = _shape_errors(claim, scope, contains_literal(claim.rhs))
    claim.facts["shape_errors"] = errors
    claim.facts["shapes"] = shapes


def _own_nodes(claim) -> set[int]:
    ids = set()
    for side in (claim.lhs, claim.rhs):
        if side is not None:
            ids.update(id(n) for n in side.walk())
    return ids


def _shape_errors(claim, scope: Scope, literal: bool):
    """Shape errors found in every layout, and the shapes of the two sides."""
    own = None  # _own_nodes(claim), found when an inference reports an error (seldom)
    per_layout = []
    shapes = {}
    relation = {}
    inf = None  # the last layout's inference
    # the layout changes only the shapes of derivatives: without one in the claim, infer once;
    # the same when no derivative's shape read the layout (∇ only, or an operand of unknown
    # shape): the second inference would repeat the first step by step
    for layout in LAYOUTS:
        if per_layout and (not inf.layout_read or not _has_derivative(claim)):
            per_layout.append(per_layout[0])
            shapes[layout] = shapes[LAYOUTS[0]]
            if LAYOUTS[0] in relation:
                relation[layout] = relation[LAYOUTS[0]]
            continue
        inf = Inference(
            symbol_shape=scope.shape,
            definition=lambda key: (d[0] if (d := scope.definition(key, literal)) else None),
            layout=layout,
        )
        left = inf.infer(claim.lhs) if claim.lhs is not None else None
        right = inf.infer(claim.rhs) if claim.rhs is not None else None
        if inf.errors and own is None:
            own = _own_nodes(claim)
        per_layout.append([e for e in inf.errors if id(e.node) in own])
        shapes[layout] = tuple(  # a shape resting on a convention is shown as a guess; interned:
            # a few distinct texts that every claim of the note keeps until its rules have run
            sys.intern(describe(shape) + (" (guessed)" if shape is not None and inf.is_unsure(side) else ""))
            for side, shape in ((claim.lhs, left), (claim.rhs, right))
        )
        checkable = claim.kind != "definition" or claim.step > 0
        if claim.relation == "=" and checkable and left is not None and right is not None and not per_layout[-1]:
            pairs = [(left[0], right[0]), (left[1], right[1])]
            # a guessed side says nothing; in a worked example x_1 is an entry, a scalar
            sure = literal or not (inf.is_unsure(claim.lhs) or inf.is_unsure(claim.rhs))
            if sure and not inf.try_unify(pairs):
                if inf.certain_conflict(pairs) and not _zero(claim.rhs) and not _zero(claim.lhs):
                    relation[layout] = (describe(left), describe(right))
    common = [e for e in per_layout[0] if any(_same(e, f) for f in per_layout[1])]
    if common and _equated_sizes(common, claim, scope):  # "如果 M 可逆，那么 m = n，所以 Σ^† = Σ^{-1}"
        common = []  # the sizes in conflict were said to be equal: no shape error (the draws decide)
    elif common and (anew := _sized_for_steps_before(common, claim, scope)):  # a proof's A ∈ ℝ^{N×M}, then ∇_A|A| = |A|A^{-T}
        common = []  # the letter may be used anew: no shape error, and undecided (the draws keep its size)
        claim.facts["sized_before"] = anew
    if len(relation) == 2 and not common and _all_known(claim, scope, literal):
        left, right = relation["denominator"]
        kind = "derivative" if isinstance(claim.lhs, Deriv) else "relation"
        if kind == "derivative":
            num_left = relation["numerator"][0]
            message = (
                f"the right-hand side is {right}, but {_show(claim.lhs)} is {num_left} in the numerator "
                f"layout and {left} in the denominator layout"
            )
        elif relation["numerator"] == relation["denominator"]:
            message = f"the left-hand side is {left} but the right-hand side is {right}"
        else:  # the shapes hang on the layout: name it, both ways
            num_left, num_right = relation["numerator"]
            message = (
                f"the left-hand side is {num_left} but the right-hand side is {num_right} in the numerator "
                f"layout ({left} and {right} in the denominator layout)"
            )
        claim.facts["relation_error"] = (kind, message)
    display = shapes["denominator"] if shapes["denominator"] == shapes["numerator"] else shapes
    return common or NO_SHAPE_ERRORS, display


def _has_derivative(claim) -> bool:
    """Whether a side of the claim holds a derivative."""
    return any(side is not None and has(side, Deriv) for side in (claim.lhs, claim.rhs))


def _all_known(claim, scope: Scope, literal: bool) -> bool:
    """Every symbol of the claim has a declared shape or a value: an equality of
    different shapes is only reported when no convention was guessed."""
    for side in (claim.lhs, claim.rhs):
        for key, sym in symbols(side).items():
            if literal and sym.sub and sym.name.islower():
                continue  # x_1: an entry of a concrete vector
            if scope.shape(sym) is None and scope.definition(key, True) is None:
                return False
    return True


def _same(a: ShapeError, b: ShapeError) -> bool:
    return a.kind == b.kind and a.start == b.start and a.end == b.end


def _zero(node) -> bool:
    return isinstance(node, Num) and node.value == "0"


def _show(node) -> str:
    text = render(node)
    return text if len(text) <= 50 else text[:47] + "…"


# --------------------------------------------------------------------------- numeric decision


def decide(
    lhs: Node, rhs: Node, scope: Scope, literal: bool, guessed_scalars: bool = False, reference: Node | None = None,
    must_hold: str | None = None,
) -> Outcome | None:
    """In which layouts ``lhs = rhs`` holds, by random draws. ``guessed_scalars``:
    lowercase symbols whose shape is only guessed are drawn as scalars. ``reference``:
    the right-hand side ``rhs`` is an edit of; the edit must keep every symbol's size.
    ``must_hold``: a layout (not "mixed") the caller needs; None as soon as a draw fails in it."""
    if rhs is None:
        raise Undecided("the right-hand side did not parse")
    values, functions, wrts, left, right, layouts, inf = _prepared(lhs, rhs, scope, literal)
    env_shapes = _sizes_of(inf, left, right, scope, values, guessed_scalars)
    if reference is not None and _differential_variables(lhs, rhs) != _differential_variables(lhs, reference):
        raise Undecided("the edit changes which symbols move")  # X dY + Y d(X + Xᵀ): X no longer moves
    if reference is not None:
        # the edit may change sizes the wrong rhs forced (2Ab made A square) but not what a
        # symbol is: (u^T)^T F u must not pass by making the vector u a scalar
        before = _sizes(left, substitute(reference, values, functions), scope, values, guessed_scalars)
        if any(_kind(before.get(k, shape)) != _kind(shape) for k, shape in env_shapes.items()):
            raise Undecided("the edit holds only with other shapes")
    # everything below depends on the two sides, the scope, ``literal`` and the sizes only:
    # _not_a_mistake's guessed-scalar reading often draws the very sizes decide drew before
    memo = (id(lhs), id(rhs), literal, tuple(env_shapes.items()))
    known = scope.decided.get(memo)
    if known is not None:
        return Outcome(holds=known[0], category=known[1])
    guessed = inf.is_unsure(left) or inf.is_unsure(right)
    try:
        outcome = _draw_and_compare(lhs, rhs, left, right, scope, values, functions, wrts, env_shapes, layouts,
                                    must_hold, guessed)
    except Undecided as why:
        # (XᵀX)^{-1} with X's sizes guessed: drawn wider than tall, XᵀX is singular. The sizes of the
        # other order (the largest first) are as much a guess; the claim is checked with them once.
        if not guessed or "is singular" not in str(why):
            raise
        other = _sizes_of(inf, left, right, scope, values, guessed_scalars, largest_first=True)
        if other == env_shapes:
            raise
        outcome = _draw_and_compare(lhs, rhs, left, right, scope, values, functions, wrts, other, layouts,
                                    must_hold, guessed)
    if outcome is None:
        return None  # not remembered: the draws were cut short
    scope.decided[memo] = (outcome.holds, outcome.category, lhs, rhs)  # the sides kept: their ids stay theirs
    return outcome


def _draw_and_compare(lhs, rhs, left, right, scope, values, functions, wrts, env_shapes, layouts,
                      must_hold: str | None = None, guessed: bool = False) -> Outcome | None:  # fmt: skip
    """Decide's draws: both sides evaluated on DRAWS random values of the given sizes, in each layout;
    None when ``must_hold`` (see decide) failed in a draw: no later draw can make it hold.
    ``guessed``: the sizes rest on a guess, so a side that cannot be formed with them is no verdict."""
    derivative = isinstance(left, Deriv)
    results: dict = {layout: [] for layout in layouts}
    right_plain = not has(right, Deriv)
    category = None
    seed = int(hashlib.sha1((_show(lhs) + "=" + _show(rhs)).encode()).hexdigest()[:8], 16)
    positive_det = _needs_positive(left, right)
    varied = _differential_variables(left, right)
    dropped = _dropped_differential(getattr(scope, "claim", None), scope) if varied else None
    if dropped:  # xᵀdA x + xᵀA dx + … = xᵀA dx + …: dA dropped, A held constant as the note may mean
        raise Undecided(f"d{dropped} is written on one side only: the step may hold {dropped} constant")
    constants = _constants(varied, scope) if varied else frozenset()  # the same for every draw
    mismatch = False  # a side could not be formed with the sizes drawn, in some layout
    for draw in range(DRAWS):
        budget.tick()
        for unit in (False, True):  # a value outside a function's domain: draw scalars in (0, 1)
            env = _draw(env_shapes, scope, seed + draw, positive_det, unit)
            _define_variables(env, values, functions, wrts, numeric)
            if varied:
                _draw_differentials(env, varied, seed + draw, numeric, constants)
            jacobians: dict = {}  # per draw: what does not depend on the layout
            try:
                row = {}
                for layout in layouts:
                    try:
                        cb = _deriv_callback(env, layout, numeric)
                        if derivative:
                            a, category = _derivative_value(left, env, layout, numeric, jacobians)
                        else:
                            a = numeric.evaluate(left, env, deriv=cb)
                        if _is_identity(right, env):
                            b = _identity_like(right, a)
                        elif right_plain:  # the same in every layout: evaluated once per draw
                            if "rhs" not in jacobians:
                                jacobians["rhs"] = numeric.evaluate(right, env, deriv=cb)
                            b = jacobians["rhs"]
                        else:
                            b = numeric.evaluate(right, env, deriv=cb)
                    except numeric.ShapeMismatch:
                        mismatch = True
                        row[layout] = False if derivative else None
                        continue
                    other_reading = hessian.other_reading(left, a, b)
                    if other_reading:
                        raise Undecided(other_reading)
                    if guessed and _named_identity(right) and _sizes_apart(a, b):  # ∇ₓx = I, I ∈ ℝⁿˣⁿ, x's length guessed
                        mismatch = True
                        row[layout] = False
                        continue
                    row[layout] = _compare(a, b)
            except numeric.DomainError as exc:
                if unit:
                    raise Undecided(str(exc) or type(exc).__name__) from None
                continue
            except (numeric.Unsupported, FloatingPointError, ArithmeticError, ValueError) as exc:
                raise Undecided(str(exc) or type(exc).__name__) from None
            for layout, verdict in row.items():
                results[layout].append(verdict)
            if must_hold is not None and results[must_hold if layouts != (None,) else None][-1] is not True:
                return None  # holds needs True in every draw
            break
    holds = set()
    undecided = []
    for layout, outcomes in results.items():
        if outcomes and all(o is True for o in outcomes):
            holds.add(layout)
        elif outcomes and all(o is False for o in outcomes):
            continue
        else:
            undecided.append(layout)
    if undecided and not holds:
        raise Undecided("the random draws disagree (ill-conditioned or a shape the check could not settle)")
    if mismatch and guessed and not holds:  # A + Aᵀ with A guessed 2×3 from an example elsewhere
        raise Undecided("the shapes do not fit with the sizes guessed for its symbols")
    if layouts == (None,):
        holds = set(LAYOUTS) if holds else set()
    return Outcome(holds=frozenset(holds), category=category)


def _prepared(lhs: Node, rhs: Node, scope: Scope, literal: bool) -> tuple:
    """_prepare's answer, remembered in the scope by (sides, literal): decide asks again for
    the same sides with ``guessed_scalars`` (_not_a_mistake), which this work does not read."""
    memo = (id(lhs), id(rhs), literal)
    found = scope.prepared.get(memo)
    if found is None:
        found = scope.prepared[memo] = (_prepare(lhs, rhs, scope, literal), lhs, rhs)  # the sides kept: ids stay theirs
    return found[0]


def _prepare(lhs: Node, rhs: Node, scope: Scope, literal: bool) -> tuple:
    """Decide's checks before the draws and the unified shapes: (values, functions, wrts, left,
    right, layouts, inference) with the definitions substituted; Undecided if the claim cannot be drawn."""
    text = getattr(getattr(getattr(scope, "claim", None), "block", None), "text", None)
    lhs, rhs = (elementwise.otimes_as_hadamard(side, scope.context) for side in (lhs, rhs))  # ⊗ said element-wise
    lhs, rhs, unread = schematic.expanded(lhs, rhs, lambda name: _kind_named(name, scope), text, schematic.NoteFacts(scope))  # a_{11} ⋯ a_{mn} written out at a drawn size
    if unread:
        raise Undecided(unread)
    try:  # ∂²f/∂x∂xᵀ as ∂/∂x(∂f/∂x): derivlint.check.hessian
        lhs, rhs = hessian.nested_form(lhs), hessian.nested_form(rhs)
    except hessian.Unsettled as why:
        raise Undecided(str(why)) from None
    for node in (lhs, rhs):
        for n in node.walk():
            if isinstance(n, Opaque):  # an integral, a conditional, a set …: read, never evaluated
                raise Undecided(f"{n.what} is not evaluated")
            if isinstance(n, Sum):
                raise Undecided("an elementwise sum (Σ) is not evaluated")
            if isinstance(n, Matrix) and n.schematic:
                raise Undecided("a schematic matrix (with dots)")
            if isinstance(n, Mul) and "otimes" in n.ops and any(
                isinstance(f, Sym) and f.name[:1].islower() for f in n.factors
            ):
                raise Undecided("⊗ of vectors: the Kronecker or the element-wise product")
            if isinstance(n, Deriv) and (n.num is None or len(n.wrt) != 1 or not isinstance(n.wrt[0], Sym)):
                raise Undecided("a derivative that is not of one expression by one symbol")
    if isinstance(lhs, Deriv):
        missing = _unintroduced(lhs, rhs, scope)
        if missing:
            raise Undecided(f"{missing} on the right does not occur on the left")
    values, functions = _definitions(lhs, rhs, scope, literal)
    wrts = {n.wrt[0].key for side in (lhs, rhs) for n in side.walk() if isinstance(n, Deriv)}
    _check_nested(lhs, rhs, values)
    _check_partials(lhs, rhs, values)
    left = substitute(lhs, values, functions)
    right = substitute(rhs, values, functions)
    left, right = _tie_entries((left, right), scope)
    left, right = _indexed_signals(left, functions, values, wrts, scope), _indexed_signals(right, functions, values, wrts, scope)
    _check_opaque(left, right, values, functions, wrts)
    _check_differentials(left, right)
    _check_readings(lhs, rhs, scope)
    _check_free_indices(left, right, values)
    if isinstance(left, Deriv) and left.wrt[0].key not in symbols(left.num) and not _zero_like(right):
        raise Undecided(f"{_show(lhs.num)} does not depend on {_show(left.wrt[0])} in what the note defines")
    layouts = LAYOUTS if (isinstance(left, Deriv) or has(right, Deriv) or has(left, Deriv)) else (None,)
    return values, functions, wrts, left, right, layouts, _size_inference(left, right, scope, values)


# \mathbf{1}, \boldsymbol{1}, \vec{1}, \mathbb{1}: the all-ones vector, drawn as ones. derivlint.check.reading
# leaves a claim undecided where it has a subscript or an argument (1_n, 𝟙(x > 0)); shapes.py makes it a
# column whose length its place tells, and _sizes_of refuses one whose length nothing tells.
ONES = "1"


NARROW_FUNCTION = ("\\det, \\tr before a product without brackets may take its first factor only "
                   "(\\det A B = det(A)·B): the shapes fit only so")


def _narrow_function_fits(claim, scope, literal: bool) -> bool:
    """Whether the claim, with each det/tr written before a bracketless product (\\det A (A^{-1})^T)
    applied to the first factor only, has no shape error: the wide reading the parser gives
    (\\det AB = det(AB)) is then not the only one."""
    sides = [_narrow_functions(side) if side is not None else None for side in (claim.lhs, claim.rhs)]
    if all(new is old for new, old in zip(sides, (claim.lhs, claim.rhs))):
        return False
    other = replace(claim, lhs=sides[0], rhs=sides[1], facts={})
    errors, _ = _shape_errors(other, scope, literal)
    return not errors and not other.facts.get("relation_error")


def _narrow_functions(node: Node) -> Node:
    """``node`` with every det/tr/logdet whose argument is a product written without brackets
    (the function's end is its argument's) applied to the product's first factor; ``node``
    itself when it has none."""
    if not any(type(n) is Func and _wide(n) for n in node.walk()):
        return node
    return _narrowed(node)


def _narrowed(n: Node) -> Node:
    """_narrow_functions' rewrite (a module function, not a self-calling closure: no cycle)."""
    n2 = rebuild(n, _narrowed)
    if type(n2) is Func and _wide(n2):
        product = n2.args[0]
        first = Func(n2.start, product.factors[0].end, n2.name, [product.factors[0]], n2.sub)
        return Mul(n2.start, n2.end, [first, *product.factors[1:]], list(product.ops))
    return n2


def _wide(n: Func) -> bool:
    return (n.name in WIDE_ARG and len(n.args) == 1 and type(n.args[0]) is Mul and n.end == n.args[0].end
            and len(n.args[0].factors) > 1)


def _uses_ones(claim) -> bool:
    return any(side is not None and any(isinstance(n, Sym) and n.key == ONES for n in side.walk())
               for side in (claim.lhs, claim.rhs))  # fmt: skip


def _kind_named(name: str, scope: Scope) -> str | None:
    """What the scope declares the symbol ``name`` (vector, row, matrix, scalar) or None (schematic.expanded)."""
    f = scope.facts(name)
    return None if f is None else (f.kind or kind_of_shape(f.shape))


# ---------------------------------------------------------------- entries (x_1, θ_0, a_{12})

_WHOLE_FORMS = ("{}", "vec({})", "overrightarrow({})")  # θ_0 is an entry of θ, of \vec{θ}


def _whole_of(sym: Sym, scope: Scope):
    """(key, facts) of the vector or matrix in scope that ``sym`` (x_1, θ_0, a_{12}) is an entry of:
    declared non-scalar, defined, or written as a column or matrix; None when there is none."""
    if not sym.sub or sym.sup or not _entry_subscript(sym.sub):
        return None
    for form in _WHOLE_FORMS:
        key = form.format(sym.name)
        f = scope.facts(key)
        if f is None:
            continue
        if isinstance(f.value, Matrix):
            rows, cols = len(f.value.rows), len(f.value.rows[0]) if f.value.rows else 0
            if f.shape is None or tuple(f.shape) != (rows, cols):
                return None  # [Σ_11 Σ_12; Σ_21 Σ_22]: the cells may be blocks, not entries
            return key, f
        if (f.kind or kind_of_shape(f.shape)) in ("vector", "row", "matrix"):
            return key, f  # declared a vector or a matrix; a definition (s = u(x)) may be a scalar
    return None


def _entry_positions(name: str, value) -> dict[str, tuple[int, int]] | None:
    """sub -> (row, column) when ``value`` is a column or matrix written with the entries of ``name``
    only ([θ_0; θ_1], [a_{11} a_{12}; a_{21} a_{22}]): the note's own indexing, whatever its base."""
    if not isinstance(value, Matrix) or value.schematic:
        return None
    found = {}
    for r, row in enumerate(value.rows):
        for c, cell in enumerate(row):
            if not (isinstance(cell, Sym) and cell.name == name and cell.sub and not cell.sup) or cell.sub in found:
                return None
            found[cell.sub] = (r, c)
    return found


def _untied_column(lhs: Node, rhs: Node | None, scope: Scope, literal: bool) -> str | None:
    """The name of a vector written as a column or matrix of its entries ([y_1; y_2]) in the claim whose
    entries are not tied to a vector in scope (_tie_entries): the entries may stand for a vector the
    note relates to others (y = Ax) where the check sees free numbers."""
    if rhs is None:
        return None
    try:  # the sides as drawn: definitions substituted (X = [x_1; x_2]), entries tied
        lhs, rhs = _prepared(lhs, rhs, scope, literal)[3:5]
    except Undecided:
        return None
    for side in (lhs, rhs):
        for n in side.walk() if side is not None else ():
            if not isinstance(n, Matrix) or n.schematic:
                continue
            cells = [cell for row in n.rows for cell in row]
            first = cells[0] if cells else None
            if len(cells) < 2:
                continue
            if isinstance(first, Sym) and _entry_positions(first.name, n) is not None:
                if not all(_entry_subscript(c.sub) for c in cells):
                    continue
                entries = cells
            else:  # [2x_1; 2x_2]: each cell an expression of one entry of the same vector
                entries = _one_entry_each(cells)
                if entries is None:
                    continue
                first = entries[0]
            whole = _whole_of(first, scope)
            if whole is not None and first.sub in (_entry_positions(first.name, whole[1].value) or {}):
                continue  # tied (_tie_entries)
            # entries on one side only stand for a vector the note relates to the other side (y = Ax);
            # on both sides ([x_1 x_2] A [x_1; x_2] = x_1² + …) they are free numbers of an identity
            keys = {c.key for c in entries}
            if sum(1 for other in (lhs, rhs) if other is not None and keys & set(symbols(other))) == 1:
                return first.name
    return None


def _pattern_of_unsized(lhs, rhs, scope) -> str | None:
    """The name of a vector whose entries a schematic matrix or a Σ with a letter for its bound runs
    over (x_1 … x_n, Σ_{i=1}^{n} a_i x_i) while the claim also writes it whole (aᵀx) and nothing
    declares its length: the draws give it a length of its own, not the pattern's n."""
    whole = {n.name for side in (lhs, rhs) if side is not None for n in side.walk() if isinstance(n, Sym) and not n.sub}
    for side in (lhs, rhs):
        for n in side.walk() if side is not None else ():
            # a matrix written out (schematic or not: [∂f/∂x_1; ∂f/∂x_2]) or a Σ up to a letter
            ranging = isinstance(n, Matrix) or (isinstance(n, Sum) and isinstance(n.upper, Sym))
            if not ranging:
                continue
            for m in n.walk():  # a vector's entries (one index): a matrix's B_{i1} tie its sizes to the pattern
                if isinstance(m, Sym) and m.sub and len(m.sub) == 1 and (m.name.islower() or m.bold) and m.name in whole:
                    facts = scope.facts(m.name)
                    if facts is None or (facts.shape is None and facts.value is None):
                        return m.name
    return None


def _one_entry_each(cells: list) -> list | None:
    """The entry (x_1, x_2, …) each cell of a column is an expression of, when every cell holds
    entries of one and the same vector and each cell one entry only, in distinct places; else None."""
    entries = []
    name = None
    for cell in cells:
        found = {m.key: m for m in cell.walk() if isinstance(m, Sym) and m.sub and not m.sup and _entry_subscript(m.sub)}
        if len(found) != 1:
            return None
        (entry,) = found.values()
        if name is None:
            name = entry.name
        if entry.name != name or any(e.sub == entry.sub for e in entries):
            return None
        if any(isinstance(m, Sym) and m.name == name and not m.sub for m in cell.walk()):
            return None  # the whole vector beside its entry: not a column of entries
        entries.append(entry)
    return entries


def _tie_entries(sides: tuple[Node, Node], scope: Scope) -> tuple[Node, Node]:
    """Each entry (x_1) of a vector or matrix in scope made entry (r, c) of that symbol, so that the draws
    use the vector's own entries; Undecided when the note does not say which entry x_1 is of x."""
    ties: dict[str, Node] = {}
    walked = [n for side in sides for n in side.walk()]
    # ∂f/∂θ_0: a derivative by an entry treats the entries as scalars of their own, which they are there
    by_entry = {w.name for d in walked if isinstance(d, Deriv) for w in d.wrt if isinstance(w, Sym) and w.sub}
    for n in walked:
        if not isinstance(n, Sym) or n.key in ties or n.name in by_entry:
            continue
        whole = _whole_of(n, scope)
        if whole is None:
            continue
        key, f = whole
        where = _entry_positions(n.name, f.value)
        if where is None or n.sub not in where:
            raise Undecided(f"uses entries of {key} without tying them to it")
        r, c = where[n.sub]
        # the whole in the font the claim writes it in, else in the font of its column (the scope's
        # shape of θ depends on it)
        written = [w.bold for w in walked if isinstance(w, Sym) and w.key == key]
        bold = any(written) if written else any(getattr(d, "bold", False) for d in f.declarations)
        ties[n.key] = Func(n.start, n.end, "entry", [Sym(n.start, n.end, key, None, bold), Num(n.start, n.end, str(r)),
                                                     Num(n.start, n.end, str(c))])  # fmt: skip
    if not ties:
        return sides
    tie = _Tie(ties)
    return tie.visit(sides[0]), tie.visit(sides[1])


class _Tie:
    """Each tied entry replaced (a class, not a recursive closure: no reference cycle to outlive the call)."""

    def __init__(self, ties: dict[str, Node]):
        self.ties = ties

    def visit(self, n: Node) -> Node:
        if isinstance(n, Sym) and n.key in self.ties:
            return self.ties[n.key]
        return rebuild(n, self.visit)


FUNCTION_LETTERS = frozenset({"f", "g", "h", "F", "G", "H", "L", "J", "ell", "sigma", "phi", "varphi", "psi",
                              "Phi", "rho"})  # fmt: skip


def _check_readings(lhs, rhs, scope) -> None:
    """Notation that the tree reads one way and the note may mean another: an
    unknown function applied (f(g(x)), σ(z), LL(θ) read as L·L(θ)), ``*`` between
    matrices, a numeral used as a vector (1^T), the reach of an operator
    (∇_x (Ax)^T(Ax) − 2b^TAx)."""
    claim = getattr(scope, "claim", None)
    text = claim.block.text if claim is not None else ""
    for side in (lhs, rhs):
        for n in side.walk():
            if isinstance(n, Transpose) and isinstance(n.arg, Num) and n.arg.value != "0":
                raise Undecided(f"{n.arg.value}^T: a vector of ones (or a number) written as a numeral")
            if isinstance(n, Num) and n.value != "0" and text[n.start : n.start + 1] == "\\":
                raise Undecided(f"{text[n.start : n.end]}: a vector of ones written as a numeral")
            if isinstance(n, Mul):
                _check_product(n, text, scope)
            elif isinstance(n, Deriv) and isinstance(n.num, Mul) and text and _operator_on_group(n, text):
                raise Undecided(f"{text[n.start : n.num.factors[0].end]}: where the operator stops is not written "
                                "(on the bracket, or on the product after it)")
        if isinstance(side, (Add, Mul)):
            _check_reach(side)


def _marked_beside_plain(lhs, rhs, scope, literal: bool) -> Sym | None:
    """A letter with a mark (A^\\dagger, A^+, x^*, V^\\perp), not defined in scope, in a claim that also
    has the letter plain: the mark may be an operation on it (adjoint, pseudo-inverse, complement) or
    name its optimum, so a claim that fails with the two drawn apart may hold as the note means it.
    (One that holds with them drawn apart holds whatever the mark means.)"""
    syms = [n for side in (lhs, rhs) for n in side.walk() if isinstance(n, Sym)]
    plain = {(n.name, n.sub) for n in syms if not n.sup}
    return next((n for n in syms if n.sup in SUP_LABELS and (n.name, n.sub) in plain
                 and scope.definition(n.key, literal) is None), None)


def _prime_reading(d: Deriv, shapes, scope) -> str | None:
    """Why f'(u) (``d``, with the claim's ``shapes``) is not certainly the derivative of a scalar
    function of the scalar u, or None: f is another function's name, or u may not be a scalar."""
    other = _other_function(d, scope)
    if other:
        return other
    u = d.wrt[0]
    if _scalar_shapes(shapes) or (shapes is None and isinstance(u, Sym) and not u.bold and scope.shape(u) is None):
        return None
    return (f"{render(d.num.func)}{chr(39) * len(d.wrt)} of a variable that may not be a scalar: "
            "the prime says neither gradient nor Jacobian, nor the layout")


def _other_function(d: Deriv, scope) -> str | None:
    """Why f'(u) may name a function of its own rather than the derivative of f: f is defined
    in scope as a function of another variable (f(x) of a vector, then f'(x_v) for the function
    along a line). None when f is defined of u itself, or is a function the note names (σ, tanh)."""
    f, u = d.num.func, d.wrt[0]
    defined = scope.definition(f.key, False)
    if defined is None:
        return None  # not defined: the claim stays undecided on its own
    params = defined[1]
    if params == (ELEMENTWISE_PARAM,):
        return None  # recognised: the sigmoid, tanh, … the note defines or names
    if not (len(params) == 1 and params[0] == u.key):
        return f"{render(f)}' of {render(u)}, with {render(f)} defined of {', '.join(params) or 'no variable'}: may be another function's name"
    named = _named_function(f, scope)
    if named:  # "the logistic function: g(t) = 1 + e^{-t}1" (a fraction flattened): the definition is the slip
        return f"{render(f)} is called the {named} function but defined otherwise: the definition may be what is mistyped"
    return None


_NAME_REACH = 60  # characters after a definition (twice that before it) in which the function's name is read
_FUNCTION_WORDS = (("sigmoid", SIGMOID_WORDS), ("tanh", ("tanh", "hyperbolic tangent", "双曲正切")),
                   ("softplus", ("softplus",)))  # fmt: skip


def _named_function(f: Sym, scope) -> str | None:
    """The standard function the sentence of f's definition names (sigmoid, tanh, softplus), when
    the definition is not that function (elementwise.recognised said no); else None."""
    facts = scope.facts(f.key)
    d = next((d for d in (facts.declarations if facts is not None else ()) if d.value is not None and d.claim is not None), None)
    if d is None:
        return None
    block = d.claim.block
    words = (block.prose_before()[-2 * _NAME_REACH :] + " " + block.prose_after(_NAME_REACH)).lower()
    return next((name for name, spellings in _FUNCTION_WORDS if any(w in words for w in spellings)), None)


def _scalar_shapes(shapes) -> bool:
    """Whether both sides of a claim are scalars (a guess included)."""
    return isinstance(shapes, tuple) and len(shapes) == 2 and all(isinstance(x, str) and x.startswith("scalar") for x in shapes)


def _operator_on_group(d: Deriv, text: str) -> bool:
    """d/dx written as an operator before a square bracket that more factors follow, d/dx[2] x²:
    the operand may be the bracket alone (as the author of a product rule means) or the whole product."""
    first = d.num.factors[0]
    if d.label or first.start >= len(text) or not (text[first.start] == "[" or text.startswith("\\left[", first.start)):
        return False  # d/dx[f] g marks its operand with square brackets; ∂/∂s (x − As)ᵀW(x − As) is one product
    return text[d.start : first.start].rstrip().endswith("}")  # \frac{d}{dx}( …: the operator, then its operand


def _check_product(n: Mul, text: str, scope) -> None:
    for i, (a, b) in enumerate(zip(n.factors, n.factors[1:])):
        op = n.ops[i]
        if op or not isinstance(a, Sym) or not text or b.start > len(text):
            continue
        gap = text[a.end : b.start]
        opens = text[b.start :].lstrip().startswith(("(", "\\left(", "\\left ("))
        bare = text[a.start : a.end] == a.name and a.name.isalpha()  # L, not \mathbf{D}
        if isinstance(b, Call) and bare and a.end == b.start and text[b.start : b.start + 1].isalpha():
            raise Undecided(f"{a.name}{_show(b)}: a name of several letters applied, read as a product")
        if opens and not gap.strip() and a.name in FUNCTION_LETTERS:
            defined = scope.definition(a.key, True)
            if (defined is None and scope.shape(a) is None) or (defined is not None and defined[1]):
                raise Undecided(f"{a.key}(…) reads as a function whose definition is not in scope")


def _check_reach(side) -> None:
    """An operator (∇_x, ∂/∂x written before its argument) followed by more factors
    or terms that still depend on its variable: where it stops is not written."""
    terms = side.terms if isinstance(side, Add) else [side]
    first = terms[0].arg if isinstance(terms[0], Neg) else terms[0]
    factors = first.factors if isinstance(first, Mul) else [first]
    lead = factors[0]
    if not (isinstance(lead, Deriv) and lead.num is not None and lead.wrt and isinstance(lead.wrt[0], Sym)):
        return
    if not (lead.op == "nabla" or lead.num.start >= max(w.end for w in lead.wrt)):
        return  # \frac{∂ f}{∂ x}: the fraction bounds it
    wrt = lead.wrt[0].key
    rest = list(factors[1:]) + [t for t in terms[1:] if not has(t, Deriv)]
    if any(wrt in symbols(r) for r in rest):
        raise Undecided(f"where {_show(lead)} stops is not written: what follows also depends on {wrt}")


def _unintroduced(lhs, rhs, scope) -> str | None:
    """A symbol of the right-hand side that the derivative's expression never uses."""
    names = {n.name for n in lhs.walk() if isinstance(n, Sym)}
    names |= {n.func.name for n in lhs.walk() if isinstance(n, Call) and isinstance(n.func, Sym)}
    values, _ = _definitions(lhs, Num(0, 0, "0"), scope, True)  # what the defined symbols bring in
    names |= {n.name for value in values.values() for n in value.walk() if isinstance(n, Sym)}
    # a letter with a mark of its own (A^*, A^\dagger) is another matrix than A: the adjugate, an optimum
    marked = {(n.name, n.sup) for side in (lhs, *values.values()) for n in side.walk() if isinstance(n, Sym)}
    for n in rhs.walk():
        if isinstance(n, Sym) and (n.name not in names or (n.sup is not None and (n.name, n.sup) not in marked)) \
                and n.name not in ALWAYS_KNOWN and n.key != ONES:
            f = scope.facts(n.key)
            if f is not None and getattr(f, "declarations", None):
                continue  # declared in scope: the claim can be decided
            if scope.definition(n.key, True) is None and not isinstance(n, Deriv):
                if n.sub and n.name.upper() in names | {x.upper() for x in names}:
                    continue
                return n.key
    return None


def _used_as_vector(node) -> set[str]:
    """Keys written transposed, inside a norm or an inner product: vectors by use."""
    out = set()
    for n in node.walk():
        if isinstance(n, Transpose) and isinstance(n.arg, Sym):
            out.add(n.arg.key)
        elif isinstance(n, (Norm, Inner)):
            out |= {m.key for m in n.walk() if isinstance(m, Sym)}
        elif isinstance(n, Sym) and n.bold:
            out.add(n.key)
    return out


def _is_identity(node, env) -> bool:
    if isinstance(node, Transpose):
        node = node.arg
    return isinstance(node, Sym) and node.name == "I" and node.key not in env


def _identity_like(node, other):
    if other.shape[0] != other.shape[1]:
        return np.full((1, 1), np.nan)
    return np.eye(other.shape[0])


def _definitions(lhs, rhs, scope: Scope, literal: bool):
    """Definitions in scope for every symbol the two sides use (transitively)."""
    values: dict[str, Node] = {}
    functions: dict[str, tuple] = {}
    todo = list(symbols(lhs)) + list(symbols(rhs))
    seen = set()
    while todo:
        key = todo.pop()
        if key in seen:
            continue
        seen.add(key)
        d = scope.definition(key, literal)
        if d is None:
            continue
        value, params = d
        if not params and _names_own_entries(key, value):
            continue  # x = [x_1, …, x_n]ᵀ: the entries named, x itself stays a vector of free entries
        if params and isinstance(value, Num) and value.value == "0":
            continue  # g(x, p) = 0: a constraint the variables satisfy (implicit differentiation), not g ≡ 0
        if params:
            functions[key] = (params, value)
        values[key] = value
        todo.extend(symbols(value))
    return values, functions


def _names_own_entries(key: str, value: Node) -> bool:
    """``value`` is a column, row or matrix of the entries of ``key`` itself written with dots,
    transposed or not (x = [x_1, x_2, …, x_n]ᵀ): a definition that names the entries, not a value to put in x's place
    (the draws would differentiate by x an expression of free numbers x_1 … x_n)."""
    while isinstance(value, Transpose):
        value = value.arg
    if isinstance(value, Matrix):
        cells = [cell for row in value.rows for cell in row]
    elif isinstance(value, Tuple) and value.brackets in ("[]", "()"):
        cells = value.items
    else:
        return False
    entries = [cell for cell in cells if not isinstance(cell, Dots)]
    if len(entries) == len(cells):
        return False  # w = [w_1; w_2; w_3] written out: drawn as it is, so ∂y/∂w_1 stays tied to w
    return bool(entries) and all(isinstance(c, Sym) and c.name == key and c.sub and not c.sup for c in entries)


def _check_opaque(left, right, values, functions, wrts) -> None:
    """A derivative of a symbol the note never defines cannot be decided."""
    for side in (left, right):
        for n in side.walk():
            if isinstance(n, Deriv) and n.wrt and isinstance(n.wrt[0], Sym) and n.wrt[0].key in functions:
                # df/dg with g(x) a function: fine when f is defined in terms of g (L(e) = e^T e)
                num = n.num.func if isinstance(n.num, Call) else n.num
                params = functions.get(num.key, ((), None))[0] if isinstance(num, Sym) else ()
                if n.wrt[0].key not in params and (n.num is None or n.wrt[0].key not in symbols(n.num)):
                    raise Undecided(f"a derivative by the function {n.wrt[0].key}: the chain rule written schematically")
            if isinstance(n, Deriv) and n.num is not None:
                num = n.num
                if isinstance(num, Call) and (not isinstance(num.func, Sym) or num.func.key not in functions):
                    raise Undecided(f"{_show(num)} is not defined in this note")
                if isinstance(num, Sym) and num.key not in wrts and num.key not in values:
                    raise Undecided(f"{num.key} is not given as a function of {_show(n.wrt[0])}")
            elif isinstance(n, Call) and (not isinstance(n.func, Sym) or (n.func.key not in functions and n.func.key not in values)):
                raise Undecided(f"{_show(n)} is not defined in this note")


_INDEX_LETTERS = frozenset("ijklmnt")  # the time or sample a signal is read at: s(n), y(t), d(k)


def _indexed_signals(node, functions, values, wrts, scope):
    """``node`` with each value of a signal the note does not define, read at a time or sample
    index (s(n), d(k), y(t): a letter of _INDEX_LETTERS, neither a variable of the claim's
    derivatives nor defined nor declared a vector), replaced by a symbol of its own: a number
    the derivatives do not move (∇_w (s(n) − wᵀx)², the desired signal of an adaptive filter).
    A derivative of such a value itself (∂s(n)/∂w) is left to _check_opaque."""

    def signal(n) -> bool:
        if not (isinstance(n, Call) and isinstance(n.func, Sym) and n.func.key not in functions
                and n.func.key not in values and n.args):
            return False
        for a in n.args:
            if not (isinstance(a, Sym) and a.name in _INDEX_LETTERS and not a.sub and not a.sup
                    and a.key not in wrts and a.key not in values):
                return False
            f = scope.facts(a.key)
            if f is not None and (f.value is not None or (f.shape is not None and f.shape != (1, 1))
                                  or getattr(f, "kind", None) in ("vector", "matrix", "row")):
                return False
        return True

    if node is None or not wrts or not any(signal(m) for m in node.walk()):
        return node  # only beside a derivative: equalities between signals (Y(t) = X(t) + N(t)) say what they are
    return _signals_replaced(node, signal)


def _signals_replaced(n, signal):
    """``n`` with each value ``signal`` accepts replaced by a symbol named after it (a module
    function, not a nested one that calls itself: that would be a reference cycle per claim)."""
    if isinstance(n, Deriv) and n.num is not None and signal(n.num):
        return n  # ∂s(n)/∂w: a derivative of the signal itself
    if signal(n):
        return Sym(n.start, n.end, f"{n.func.name}({','.join(a.name for a in n.args)})", None, n.func.bold, None)
    return rebuild(n, lambda child: _signals_replaced(child, signal)) if n.children() else n


def _check_nested(lhs, rhs, values) -> None:
    """A derivative inside another by a variable the note defines (∂/∂w(∂L/∂e) with e = y − Xw): the draws
    hold e's value fixed where the outer derivative would move it."""
    for side in (lhs, rhs):
        for n in side.walk():
            if not (isinstance(n, Deriv) and n.num is not None and has(n.num, Deriv)):
                continue
            outer = n.wrt[0].key
            for inner in n.num.walk():
                if isinstance(inner, Deriv) and inner.wrt[0].key != outer and inner.wrt[0].key in values:
                    raise Undecided(f"a derivative by {inner.wrt[0].key}, which the note defines, inside a derivative by {outer}")


def _check_partials(lhs, rhs, values) -> None:
    """∂u_2/∂x with u_2 = x + u_1 and u_1 = x^2: the partial holds u_1 fixed, the
    total does not; which one the note means is not written."""
    for side in (lhs, rhs):
        for n in side.walk():
            if not (isinstance(n, Deriv) and n.op == "partial" and isinstance(n.num, Sym) and n.num.key in values):
                continue
            wrt = n.wrt[0].key
            direct = symbols(values[n.num.key])
            if wrt not in direct:
                continue  # L(ŷ) with ŷ = softmax(z): through ŷ only, partial and total agree
            through = [k for k in direct if k != wrt and k in values and wrt in symbols(values[k])]
            if through:
                raise Undecided(f"∂{n.num.key}/∂{wrt}: partial or total? {n.num.key} depends on {wrt} also through {through[0]}")


def _kind(size: tuple[int, int]) -> tuple[bool, bool]:
    """Scalar, column, row or matrix: which of the two sizes is 1."""
    return (size[0] == 1, size[1] == 1)


def _check_free_indices(left, right, values) -> None:
    """x_i beside x_k, z_i defined and z_1 used: index notation (a free or summed
    index) that random values for each written entry cannot stand for."""
    subs: dict[str, set[str]] = {}
    keyed = [n for side in (left, right) for n in side.walk() if isinstance(n, Sym) and n.sub]
    for n in keyed:
        subs.setdefault(n.name, set()).add(n.sub)
    for key in values:
        name, _, sub = key.partition("_")
        if sub:
            subs.setdefault(name, set()).add(sub)
    for name, found in subs.items():
        if len(found) > 1 and any(sub.isalpha() and len(sub) == 1 for sub in found):
            raise Undecided(f"index notation ({', '.join(name + '_' + s for s in sorted(found))})")


def _sizes(left, right, scope: Scope, values, guessed_scalars: bool = False) -> dict[str, tuple[int, int]]:
    """A concrete size for every symbol, from unified shapes: distinct dimensions get distinct sizes."""
    return _sizes_of(_size_inference(left, right, scope, values), left, right, scope, values, guessed_scalars)


def _size_inference(left, right, scope: Scope, values) -> Inference:
    """The shapes of both sides unified for sizing; Undecided if they do not fit."""
    inf = Inference(symbol_shape=scope.shape, layout="denominator", opaque_derivatives=True)
    a = inf.infer(left)
    b = inf.infer(right)
    if a is not None and b is not None:
        inf.unify_keeping_sizes([(a[0], b[0]), (a[1], b[1])])  # I and 0 take the other side's size
    for node in (left, right):  # derivatives' variables may only occur below the bar
        for n in node.walk():
            if isinstance(n, Sym):
                inf.shape_of_symbol(n)
    for key, value in values.items():  # a kept variable (e in dL/de) has its definition's shape
        shape = inf.symbols.get(key)
        if shape is not None:
            defined = inf.infer(value)
            if defined is not None:
                inf.try_unify([(shape[0], defined[0]), (shape[1], defined[1])])
    for key, shape in inf.symbols.items():  # R orthogonal, S symmetric: square whatever the size
        if shape and scope.props(key) & SQUARE_PROPS:
            inf.try_unify([(shape[0], shape[1])])
    if inf.errors:
        raise Undecided("the shapes do not fit: " + inf.errors[0].message)
    # From here the inference is only read (_sizes_of). The scope remembers it (_prepared), so it
    # must not keep the scope's bound method: that cycle would leave every claim's objects to the
    # cyclic garbage collector.
    inf.symbol_shape = _finished
    return inf


def _finished(sym: Sym):
    raise RuntimeError("a finished size inference was asked for another symbol")


def _sizes_of(inf: Inference, left, right, scope: Scope, values, guessed_scalars: bool,
              largest_first: bool = False) -> dict[str, tuple[int, int]]:
    """_sizes from its inference, which this only reads; ``largest_first``: unnamed sizes drawn from
    the largest of the pool down (see decide)."""
    sizes: dict[int, int] = {}
    used = {d.root().num for shape in inf.symbols.values() if shape for d in shape if d.root().num}

    stand_in = numeric.stand_in_sizes(used, used)  # n = 1000 is drawn small (numeric.DRAW_CAP)
    if stand_in:
        _too_large_numbers(left, right, min(stand_in))
    used |= set(stand_in.values())
    pool = [s for s in SIZE_POOL if s not in used]
    if largest_first:
        pool.reverse()
    names: dict[str, int] = {}

    def size(d: Dim) -> int:
        r = d.root()
        if r.num is not None:
            return stand_in.get(r.num, r.num)
        if id(r) in sizes:
            return sizes[id(r)]
        if r.name is not None and r.name in names:
            sizes[id(r)] = names[r.name]
            return names[r.name]
        given = _given_size(r.name, scope) if r.name is not None else getattr(scope, "led_size", None)
        if given is not None:  # "For $n = 2$:" before det(I + A) = 1 + det A + tr A, A being n×n
            sizes[id(r)] = names[r.name] = given
            return given
        value = pool.pop(0) if pool else 2
        sizes[id(r)] = value
        if r.name is not None:
            names[r.name] = value
        return value

    out = {}
    shared = {id(d.root()) for key, shape in inf.symbols.items() if key != "I" and shape for d in shape}
    counts: dict[int, int] = {}
    for key, shape in inf.symbols.items():
        if shape:
            for rid in {id(d.root()) for d in shape}:
                counts[rid] = counts.get(rid, 0) + 1
    vectorish = _used_as_vector(left) | _used_as_vector(right)
    occurrences: dict[str, list] = {}  # key -> its symbols in the claim, gathered at most once
    for key, shape in inf.symbols.items():
        budget.tick()
        if key == ONES and shape is not None:
            length = shape[0].root()
            if length.num is None and length.name is None and counts.get(id(length), 0) <= 1:
                raise Undecided("the all-ones vector 1: its length does not follow from the claim")
        if key == "I" and shape is not None and not any(
            id(d.root()) in shared or d.root().num is not None or d.root().name is not None for d in shape
        ):
            continue  # an identity whose size only the other side tells
        if shape is None:
            raise Undecided(f"the shape of {key} is unknown")
        if guessed_scalars and key in inf.guessed and key[:1].islower() and key not in values and key not in vectorish:
            out[key] = (1, 1)
            continue
        scalar_here = all(d.root().num == 1 for d in shape)
        if (scalar_here or key in inf.coerced) and _declared_vector(key, left, right, scope, occurrences):
            raise Undecided(f"{key} is declared a vector but reads as a scalar here (· as a dot product?)")
        if key in inf.coerced and all(d.root().num in (None, 1) for d in shape):
            out[key] = (1, 1)
            continue
        rows = shape[0].root()
        if (
            key in inf.guessed and key not in vectorish and rows.num is None and rows.name is None
            and shape[1].root().num == 1 and counts.get(id(rows), 0) <= 1
        ):
            out[key] = (1, 1)  # nothing makes it a vector: a scalar by use
            continue
        out[key] = (size(shape[0]), size(shape[1]))
    return out


def _given_size(name: str, scope) -> int | None:
    """The number the note gives a dimension's name in scope ("for $n = 2$", "let $d = 3$"): a small
    whole number, the size to draw it at; None when it has none (or one too large to draw)."""
    f = scope.facts(name)
    return _drawable_size(getattr(f, "value", None) if f is not None else None)


def _drawable_size(value) -> int | None:
    """``value`` as a size to draw a dimension at: a written whole number 2 … SIZE_POOL[-1], else None."""
    if isinstance(value, Num) and value.value.isdigit() and 2 <= int(value.value) <= SIZE_POOL[-1]:
        return int(value.value)
    return None


def _too_large_numbers(left, right, smallest: int) -> None:
    """Undecided when the claim writes a number as large as a drawn-small dimension (tr I = 1000)."""
    from derivlint.check.numeric import DRAW_CAP

    for side in (left, right):
        for n in side.walk():
            if isinstance(n, Num):
                try:
                    value = float(n.value)
                except (ValueError, OverflowError):
                    continue
                if abs(value) > DRAW_CAP:
                    raise Undecided(f"too large to check (a dimension of {smallest} or more and the number {n.value})")


def _declared_vector(key: str, left, right, scope: Scope, occurrences: dict | None = None) -> bool:
    """The scope gives ``key``, as written here, a shape with more than one entry. ``occurrences``
    (key -> symbols, filled on the first call): the sides walked once for all keys, not once per key."""
    if occurrences is None:
        occurrences = {}
    if not occurrences:
        occurrences[None] = []  # filled, even when the sides hold no symbol
        for side in (left, right):
            for n in side.walk():
                if isinstance(n, Sym):
                    occurrences.setdefault(n.key, []).append(n)
    for n in occurrences.get(key, ()):
        shape = scope.shape(n)
        if shape is not None and any(not (d == 1 or getattr(d, "num", None) == 1) for d in shape):
            return True
    return False


def _needs_positive(left, right) -> bool:
    """ln, log, sqrt, det …: draw positive scalars and matrices of positive determinant."""
    return any(
        getattr(n, "name", None) in ("ln", "log", "logdet", "sqrt", "det") for side in (left, right) for n in side.walk()
    )


_draw_generators = numeric.SeededGenerators()  # np.random.default_rng for _draw, reused by seed


def _draw(shapes: dict, scope: Scope, seed: int, positive_det: bool, unit: bool = False) -> dict:
    """Random values of the given sizes that respect each symbol's properties;
    ``positive_det``: see _needs_positive; ``unit``: scalars in (0.1, 0.9), for ln(1 - θ) and its kind."""
    rng = _draw_generators(seed)
    env = {}
    basis = None  # matrices assumed to commute share their eigenvectors
    for key, (r, c) in shapes.items():
        props = scope.props(key)
        if "commuting" in props and r == c > 1:
            symmetric = bool(props & {"symmetric", "positive_definite", "positive_semidefinite", "diagonal"})
            if basis is None or basis.shape[0] != r:
                basis = _well_conditioned(rng, r)
            if symmetric:  # commuting and symmetric: one orthonormal eigenbasis (Q D Qᵀ)
                q = np.linalg.qr(basis)[0]
                env[key] = q @ np.diag(rng.uniform(1.0, 2.0, r)) @ q.T
            else:
                env[key] = basis @ np.diag(rng.uniform(1.0, 2.0, r)) @ np.linalg.inv(basis)
            continue
        if "integer" in props and r == c == 1:
            env[key] = np.array([[float(rng.integers(2, 7))]])
            continue
        label = draw_label(rng, r, c, props)
        if label is not None:
            env[key] = label
            continue
        if "unit" in props and (r == 1) != (c == 1):
            v = rng.standard_normal((r, c))
            env[key] = v / np.linalg.norm(v)
            continue
        if (key == "I" or _SIZED_IDENTITY.fullmatch(key)) and r == c:  # I, and I_n, I_{D_ℓ}: the identity
            env[key] = np.eye(r)
            continue
        if key in ("0", "O"):
            env[key] = np.zeros((r, c))
            continue
        if key == ONES:
            env[key] = np.ones((r, c))
            continue
        if key in ("e", "pi") and scope.facts(key) is None or key in ("e", "pi") and not scope.facts(key).declarations:
            env[key] = np.array([[np.e if key == "e" else np.pi]])
            continue
        if r == 1 and c == 1 and unit:
            env[key] = np.array([[rng.uniform(0.1, 0.9)]])
            continue
        if r == 1 and c == 1:
            value = rng.uniform(0.5, 1.5)
            if "positive" not in props and not positive_det and rng.random() < 0.5:
                value = -value
            env[key] = np.array([[value]])
            continue
        env[key] = _matrix(rng, r, c, props, positive_det)
    return env


def _well_conditioned(rng, n: int):
    """A random invertible n×n matrix with singular values in [1, 2]."""
    q1, _ = np.linalg.qr(rng.standard_normal((n, n)))
    q2, _ = np.linalg.qr(rng.standard_normal((n, n)))
    return q1 @ np.diag(rng.uniform(1.0, 2.0, n)) @ q2


def _matrix(rng, r: int, c: int, props: frozenset[str], positive_det: bool):
    if r != c:
        return rng.standard_normal((r, c))
    n = r
    if "identity" in props:
        return np.eye(n)
    if "skew_symmetric" in props:
        m = rng.standard_normal((n, n))
        return m - m.T
    if "diagonal" in props:
        return np.diag(rng.uniform(1.0, 2.0, n) * rng.choice([-1.0, 1.0], n) if not positive_det else rng.uniform(1.0, 2.0, n))
    if props & {"triangular", "lower_triangular"}:  # upper unless said lower; a diagonal of 1 to 2 in size
        m = rng.standard_normal((n, n))
        np.fill_diagonal(m, rng.uniform(1.0, 2.0, n) * (rng.choice([-1.0, 1.0], n) if not positive_det else 1.0))
        return np.tril(m) if "lower_triangular" in props else np.triu(m)
    if "idempotent" in props and n > 1:  # a projection of rank 1 … n−1: P² = P (and Pᵀ = P if symmetric)
        k = int(rng.integers(1, n))
        a = rng.standard_normal((n, k))
        if "symmetric" in props:
            q, _ = np.linalg.qr(a)
            return q @ q.T
        b = rng.standard_normal((n, k))
        return a @ np.linalg.solve(b.T @ a, b.T)
    q1, _ = np.linalg.qr(rng.standard_normal((n, n)))
    if "orthogonal" in props:  # a reflection: what holds for every orthogonal Q holds for det Q = -1
        if np.linalg.det(q1) > 0:
            q1[:, 0] = -q1[:, 0]
        return q1
    s = rng.uniform(1.0, 2.0, n)
    if props & {"positive_definite", "positive_semidefinite"}:
        return q1 @ np.diag(s) @ q1.T
    if "symmetric" in props:
        if not positive_det:
            s = s * rng.choice([-1.0, 1.0], n)
        return q1 @ np.diag(s) @ q1.T
    q2, _ = np.linalg.qr(rng.standard_normal((n, n)))
    m = q1 @ np.diag(s) @ q2
    if positive_det and np.linalg.det(m) < 0:
        m[:, 0] = -m[:, 0]
    return m


def _check_differentials(left: Node, right: Node) -> None:
    """Undecided when a side is the differential dy of a lone symbol the note does not define and
    no differential of an expression in the claim holds y (ds = w dz, dλ = 2λvᵀdv + …): it says how
    y changes with the others, which the claim does not give. d(Xᵀ) = (dX)ᵀ is checked."""
    inside = None  # the symbols under the differential of an expression: d(XY) relates dX to them
    for side in (left, right):
        if type(side) is Transpose:  # (dy)ᵀ
            side = side.arg
        arg = side.arg if type(side) is Differential else None
        if type(arg) is Sym:
            if inside is None:
                inside = {n.key for s in (left, right) for d in s.walk() if type(d) is Differential
                          and type(d.arg) is not Sym for n in d.arg.walk() if type(n) is Sym}  # fmt: skip
            if arg.key in inside:
                continue
            raise Undecided(f"d{_show(arg)}: how {_show(arg)} changes with the other variables, which the claim does not give")


def _differential_variables(left: Node, right: Node) -> frozenset:
    """The symbols whose differential dX the claim writes (X or Xᵀ under a d): they move in a
    differential; every other symbol is a constant of it."""
    return frozenset(n.symbol.key for side in (left, right) for n in side.walk()
                     if type(n) is Differential and n.symbol is not None)


def _dropped_differential(claim, scope) -> str | None:
    """A symbol whose differential dS one side of the claim writes while the other side has no d of
    anything holding S (xᵀdA x + xᵀA dx = xᵀA dx: the note holds A constant, which it may not say);
    a symbol the note calls constant aside. d(AXB) = A dX B writes no dA: its A is constant by form."""
    sides = (getattr(claim, "lhs", None), getattr(claim, "rhs", None))
    if None in sides:
        return None
    written = [{n.symbol.key for n in side.walk() if type(n) is Differential and n.symbol is not None} for side in sides]
    moved = [{m.key for n in side.walk() if type(n) is Differential for m in n.arg.walk() if type(m) is Sym} for side in sides]
    present = [set(symbols(side)) for side in sides]  # S itself still on the other side, outside any d: held fixed
    for a, b in ((0, 1), (1, 0)):
        for key in sorted((written[a] - moved[b]) & present[b]):
            if "constant" not in scope.props(key):
                return key
    return None


_differential_generators = numeric.SeededGenerators()  # the same for _draw_differentials


def _draw_differentials(env, varied: frozenset, seed: int, numeric, constants: frozenset = frozenset()) -> None:
    """A random differential dX, of X's shape, for every symbol X in ``varied``; zero for one the
    note calls constant ("A 是常数矩阵", "a constant matrix A": d A = 0, as the note's step says)."""
    rng = _differential_generators(seed)
    for key in sorted(varied):
        if key in env:
            draw = rng.standard_normal(np.shape(env[key]))
            env[numeric.DIFFERENTIAL + key] = np.zeros_like(draw) if key in constants else draw


def _constants(keys, scope) -> frozenset:
    """The keys the note says are constant (the property "constant")."""
    return frozenset(k for k in keys if "constant" in scope.props(k))


def _define_variables(env, values, functions, wrts, numeric) -> None:
    """A derivative's variable that the note defines (e = y − Xw) takes its defined value."""
    for key in wrts:
        if key in values:
            try:
                env[key] = numeric.evaluate(substitute(values[key], values, functions, frozenset({key})), env)
            except numeric.Unsupported:
                pass


def arrange(J, layout: str):
    """The Jacobian J[a,b,c,d] = ∂Y[a,b]/∂X[c,d] as a matrix in ``layout``; None if no 2-D layout."""
    p, q, r, s = J.shape
    if r == 1 and s == 1:
        m = J[:, :, 0, 0]
        return (m if layout == "numerator" else m.T), _category(p, q, r, s)
    if p == 1 and q == 1:
        g = J[0, 0]
        return (g.T if layout == "numerator" else g), _category(p, q, r, s)
    if (p == 1 or q == 1) and (r == 1 or s == 1):
        m = J.reshape(p * q, r * s)
        return (m if layout == "numerator" else m.T), _category(p, q, r, s)
    return None, _category(p, q, r, s)


def _category(p, q, r, s) -> str:
    def kind(a, b):
        if a == 1 and b == 1:
            return "scalar"
        if a == 1 or b == 1:
            return "vector"
        return "matrix"

    return f"{kind(p, q)}-by-{kind(r, s)}"


def _derivative_value(node: Deriv, env, layout: str, numeric, jacobians: dict | None = None):
    """The derivative's value arranged in ``layout``; ``jacobians`` keeps, for one draw,
    the Jacobian of a numerator without inner derivatives (the same in every layout)."""
    wrt = node.wrt[0].key
    if wrt not in env:
        raise numeric.Unsupported(f"no value for {wrt}")
    if jacobians is not None and not has(node.num, Deriv):
        if id(node) not in jacobians:
            jacobians[id(node)] = numeric.jacobian(node.num, env, wrt)[1]
        J = jacobians[id(node)]
    elif hessian.depends(node, wrt):  # ∂/∂x(∂f/∂x): the inner derivative moves with x
        try:
            hessian.check_variables(node, env)
            J = hessian.outer_jacobian(
                lambda e: numeric.evaluate(node.num, e, deriv=_deriv_callback(e, layout, numeric)), env, wrt)
        except hessian.Unsettled as why:
            raise Undecided(str(why)) from None
    else:
        _, J = numeric.jacobian(node.num, env, wrt, deriv=_deriv_callback(env, layout, numeric))
    # ∇ of a scalar is the gradient, a column like x; ∇ of a vector or a matrix is the Jacobian in
    # some books and its transpose in others: both layouts are tried, as for ∂
    effective = "denominator" if node.op == "nabla" and J.shape[0] * J.shape[1] == 1 else layout
    value, category = arrange(J, effective)
    if value is None:
        raise Undecided(f"a {category} derivative has no 2-D layout")
    return value, category


def _deriv_callback(env, layout: str, numeric):
    def callback(node: Deriv):
        value, _ = _derivative_value(node, env, layout, numeric)
        return value

    return callback


def _named_identity(node) -> bool:
    """Whether ``node`` is the letter I (or Iᵀ) without a subscript: the identity, drawn at the size
    its declaration (I ∈ ℝⁿˣⁿ) gives, else at the size of the other side (_is_identity)."""
    if isinstance(node, Transpose):
        node = node.arg
    return isinstance(node, Sym) and node.name == "I" and not node.sub


def _sizes_apart(a, b) -> bool:
    """Whether the values ``a`` and ``b`` are of one kind (both matrices, both columns or both rows)
    but of different sizes (3×3 and 4×4): the two sides were drawn at sizes nothing in the claim
    tied together, such as an identity declared n×n beside a symbol of guessed length (∇ₓx = I),
    so the difference says nothing about the claim. A transposed or a scalar value is another matter."""
    sa, sb = np.shape(a), np.shape(b)
    if len(sa) != 2 or len(sb) != 2 or sa == sb:
        return False
    return all((x == 1) == (y == 1) for x, y in zip(sa, sb)) and 1 not in (sa[0] * sa[1], sb[0] * sb[1])


def _compare(a, b) -> bool | None:
    """True when equal, False when clearly different, None when unclear."""
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    if a.shape != b.shape:
        if a.size == 1 and b.size == 1:
            a, b = a.reshape(1, 1), b.reshape(1, 1)
        elif b.size == 1 and not b.any():
            b = np.zeros_like(a)
        elif a.size == 1 and not a.any():
            a = np.zeros_like(b)
        else:
            return False
    if not (np.isfinite(a).all() and np.isfinite(b).all()):  # array methods: no Python-level wrapper
        return None
    scale = max(1.0, float(np.abs(a).max()), float(np.abs(b).max()))
    diff = float(np.abs(a - b).max()) if a.size else 0.0
    if diff <= 1e-7 * scale:
        return True
    if diff > 1e-4 * scale:
        return False
    return None


# --------------------------------------------------------------------------- unstated assumptions

# The common assumptions a note may leave unsaid, tried in this order on one symbol at a time (a
# pair for commuting): the weakest first (symmetric before positive definite, which implies it).
# Each entry: the property, the kind of symbol it applies to, how a message names it. A random
# draw is already invertible, so invertibility never decides a claim and is not tried.
COMMON_ASSUMPTIONS = (
    ("symmetric", "matrix", "{s} is symmetric"),
    ("positive_definite", "matrix", "{s} is positive definite"),
    ("orthogonal", "matrix", "{s} is orthogonal"),
    ("diagonal", "matrix", "{s} is diagonal"),
    ("skew_symmetric", "matrix", "{s} is skew-symmetric"),
    ("unit", "vector", "{s} has unit norm"),
    ("positive", "scalar", "{s} is positive"),
    ("integer", "exponent", "{s} is an integer"),
)
# Read when a note states it (AB = BA) and drawn then, but never offered as an unstated assumption:
# (AB)ᵀ = AᵀBᵀ, tr(BXC)' = CᵀBᵀ are the classic order mistakes, which "holds if A and B commute"
# would excuse as a warning, when the note means the general rule.
STATED_ONLY = (("commuting", "pair", "{s} commute"),)
_IMPLIED = {  # what a property brings with it when drawn
    "symmetric": {"square"}, "positive_definite": {"symmetric", "square"}, "orthogonal": {"square", "invertible"},
    "diagonal": {"square", "symmetric"}, "commuting": {"square"}, "skew_symmetric": {"square"},
    "triangular": {"square"}, "lower_triangular": {"square"},
}  # fmt: skip


# an assumption that, beside a property the note states, leaves one matrix only (orthogonal and positive
# definite: I; skew-symmetric and symmetric: 0): a claim holding only then is wrong, not short of a word
_COLLAPSES = {
    "orthogonal": frozenset({"positive_definite", "positive_semidefinite"}),
    "skew_symmetric": frozenset({"symmetric", "positive_definite", "positive_semidefinite"}),
}


def denied(prop: str) -> str:
    """The property a note denies ("A is not symmetric", "非对称"), as the context stores it."""
    return "not_" + prop


@dataclass(frozen=True)
class Assumption:
    """A common assumption under which a claim that is false in general holds."""

    keys: tuple[str, ...]  # the symbol (two for commuting)
    prop: str
    holds: frozenset[str]  # the layouts the claim holds in under it
    denied: bool = False  # the note says the opposite

    def subject(self) -> str:
        return " and ".join(self.keys)

    def describe(self) -> str:
        words = next(w for p, _, w in COMMON_ASSUMPTIONS + STATED_ONLY if p == self.prop)
        if len(self.keys) > 1:  # several symbols at once: "P and R are symmetric"
            words = words.replace("{s} is ", "{s} are ").replace("{s} has ", "{s} have ")
        return words.format(s=self.subject())


def _assuming(scope: Scope, extra: dict[str, frozenset[str]]) -> Scope:
    """A copy of ``scope`` whose symbols in ``extra`` have those properties too; its own memos
    (sizes and draws depend on the properties), the note's facts shared."""
    import copy

    other = copy.copy(scope)
    other._props = {}
    other.decided = {}
    other.prepared = {}
    other.extra = {**scope.extra, **extra}
    return other


def _square_by_itself(lhs: Node, scope: Scope, values, functions) -> set[str]:
    """The symbols that are square without the claimed right-hand side: declared so, or made so by
    the left-hand side alone (xᵀAx). A wrong right-hand side may force a size (2Ab makes A square
    in ‖Ax − b‖²), and an assumption that needs it would excuse a plain mistake."""
    try:
        left = substitute(lhs, values, functions)
        inf = _size_inference(left, left, scope, values)
    except Undecided:
        return set()
    out = set()
    for key, shape in inf.symbols.items():
        if not shape:
            continue
        a, b = shape[0].root(), shape[1].root()
        if a is b or (a.num is not None and a.num == b.num) or (a.name is not None and a.name == b.name):
            out.add(key)
    return out


def _vanishes(lhs: Node, scope: Scope, literal: bool) -> bool:
    """The assumption makes the left-hand side zero (a skew-symmetric P in (P + Pᵀ)Y): then both
    sides agree only by vanishing, which excuses nothing."""
    try:
        return _holds(lhs, Num(lhs.start, lhs.start, "0"), scope, literal)
    except Exception:  # noqa: BLE001 - not known to vanish
        return False


def _defined_twice(claim, scope: Scope) -> str | None:
    """A symbol of the claim with two different values in reach (P = E[e eᵀ], then P = A P' Aᵀ + Q):
    the check used one, and the other may be what makes the claim hold; else None."""
    if claim.lhs is None or claim.rhs is None or scope.context is None:
        return None
    try:
        here = scope.context._where(claim)[0]
    except Exception:  # noqa: BLE001 - no place: nothing to tell
        return None
    for key in sorted(set(symbols(claim.lhs)) | set(symbols(claim.rhs))):  # sorted: the same key on every run
        facts = scope.facts(key)
        values = [d for d in (facts.declarations if facts is not None else ())
                  if d.value is not None and d.origin != "condition" and not d.local]
        if any(d.index == here for d in values):
            continue  # one is in the claim's own paragraph, row or item: that is the one meant
        if len({render(d.value) for d in values}) >= 2:
            return (f"{key} is defined more than once (lines {values[0].line} and {values[1].line}): "
                    "the definition used may not be the one meant")
    return None


def _remark_only(d) -> bool:
    """Whether the statement ``d`` makes a remark of its own: the rest of its line holds no inline
    formula with a relation ("注意到 $P$ 和 $R$ 都是对称矩阵，因而有" before a display is one; "for
    symmetric A the gradient is $∇ = 2Av$" states a claim under it)."""
    text = d.source.text
    end = text.find("\n", d.end)
    rest = text[d.end : len(text) if end < 0 else end]
    return not any(_RELATION_SIGN.search(m.group(1)) for m in _INLINE_MATH.finditer(rest))


_INLINE_MATH = re.compile(r"\$([^$\n]+)\$")


_RELATION_SIGN = re.compile(r"=|<|>|\\(?:leq?|geq?|approx|sim|equiv|ne)\b")


def _said_elsewhere(assumption: Assumption, scope: Scope) -> str | None:
    """Why "the note does not say so" is not certain: a symbol of the assumption is given a value
    or the property before the claim, somewhere that does not reach it (Σ = (1/N) Σ xᵢxᵢᵀ in the
    section before, "the symmetric Σ" in an earlier chapter), which may well make it hold; else None."""
    context = scope.context
    by_key = getattr(context, "_by_key", None)
    if not by_key:
        return None
    giving = {assumption.prop} | {p for p, implied in _IMPLIED.items() if assumption.prop in implied}

    def gives(d) -> bool:  # a condition ("when M is symmetric") is a supposition made there, not a fact
        return d.origin != "condition" and not d.local and (d.value is not None or bool(giving & d.props))

    try:
        here = context._where(scope.claim)
    except Exception:  # noqa: BLE001 - no place: nothing is before it
        return None
    families = tuple(f for f in (_family_of(key, context) for key in assumption.keys) if f)
    for key in assumption.keys + families:  # the symbol, and the family it belongs to (R_k for R_N)
        facts = scope.facts(key)
        valued = next((d for d in (facts.declarations if facts is not None else ()) if gives(d) and d.value is not None), None)
        if valued is not None:  # P = E[e eᵀ] in reach, a value the check did not use (else P would not be free)
            return (f"{key} is defined on line {valued.line} in a form not evaluated here: whether that makes it "
                    f"{assumption.prop.replace('_', ' ')} is not certain")
        reached = {(d.index, d.start) for d in (facts.declarations if facts is not None else ()) if gives(d)}
        bound = facts is not None and any(d.origin != "condition" for d in facts.declarations)
        outline = getattr(context, "outline", None)
        for d in by_key.get(key, ()):
            if gives(d) and (d.index, d.start) < here and (d.index, d.start) not in reached:  # never backwards
                return (f"{key} is defined or described on line {d.line}, where it does not reach this claim: "
                        f"whether that makes it {assumption.prop.replace('_', ' ')} is not certain")
            if (gives(d) and d.value is None and (d.index, d.start) > here and _remark_only(d)
                    and (not bound or (outline is not None and outline.same_section(here[0], d.index)))):
                # "注意到 P 是对称矩阵。" a paragraph later, or a section later when nothing declares P where
                # the claim is (a summary table's Σ): a remark of its own (not "for symmetric A, ∇ = 2Av");
                # "the note does not say so" would be untrue. A letter declared at the claim ("Let G ∈ ℝⁿˣⁿ")
                # may be another matrix in a later section.
                return f"the note says {key} is {assumption.prop.replace('_', ' ')} on line {d.line}, after this claim"
    return None


def unstated_assumption(lhs: Node, rhs: Node, scope: Scope, literal: bool) -> Assumption | None:
    """The first common assumption (COMMON_ASSUMPTIONS) on one symbol of a claim that is false in
    general under which ``lhs = rhs`` holds; None when none does. The sizes drawn must keep every
    symbol's kind: "x symmetric" must not pass by making the vector x a scalar."""
    try:
        values, functions, wrts, left, right, layouts, inf = _prepared(lhs, rhs, scope, literal)
        base = _sizes_of(inf, left, right, scope, values, False)
    except Undecided:
        return None
    free = {k: v for k, v in base.items() if k not in values and k not in _CONSTANT_KEYS and k not in ("e", "pi")}
    own = _square_by_itself(lhs, scope, values, functions)
    by_kind = {
        "matrix": [k for k, (r, c) in free.items() if r == c > 1 and k in own],
        "vector": [k for k, (r, c) in free.items() if (r == 1) != (c == 1)],
        "scalar": [k for k, (r, c) in free.items() if r == c == 1],
    }
    exponents = {k for side in (left, right) for n in side.walk() if isinstance(n, Pow) for k in symbols(n.exp)}
    by_kind["exponent"] = [k for k in by_kind["scalar"] if k in exponents]  # only a power's exponent is an integer
    for prop, kind, _ in COMMON_ASSUMPTIONS:
        for item in by_kind[kind]:
            keys = item if isinstance(item, tuple) else (item,)
            if any(prop in scope.props(k) for k in keys):
                continue  # already drawn with it
            if any(_COLLAPSES.get(prop, frozenset()) & scope.props(k) for k in keys):
                continue  # orthogonal and positive definite: the identity, no assumption a note leaves unsaid
            found = _trial(lhs, rhs, scope, literal, base, keys, prop)
            if found is not None:
                return found
    sandwiched = _sandwiched(left) | _sandwiched(right)
    return _jointly(lhs, rhs, scope, literal, base, [k for k in by_kind["matrix"] if k in sandwiched])


def _sandwiched(tree: Node) -> set[str]:
    """The matrices written between a factor and its transpose (H P Hᵀ, K R Kᵀ, xᵀ A x): the places
    where a covariance or the matrix of a quadratic form sits, whose symmetry notes take for granted."""
    out: set[str] = set()
    for n in tree.walk():
        if not isinstance(n, Mul):
            continue
        f = n.factors
        for i in range(1, len(f) - 1):
            middle = _middle_matrices(f[i])  # H P Hᵀ, Z R⁻¹ Zᵀ, uᵀ(A⁻¹ + B⁻¹)u
            if not middle:
                continue
            before, after = f[i - 1], f[i + 1]
            if ((isinstance(after, Transpose) and render(after.arg) == render(before))
                    or (isinstance(before, Transpose) and render(before.arg) == render(after))):
                out |= middle
    return out


def _middle_matrices(node: Node) -> set[str]:
    """The letters a sandwich's middle is made of: P, R in R⁻¹, A and B in A⁻¹ + B⁻¹; a product in a
    sum (Z R⁻¹ Zᵀ + G) gives none of its own (its own sandwich is found where it stands)."""
    if isinstance(node, Sym):
        return {node.key}
    if isinstance(node, (Inverse, Neg)):
        return _middle_matrices(node.arg)
    if isinstance(node, Add):
        return set().union(*(_middle_matrices(t) for t in node.terms if not isinstance(t, Mul)))
    return set()


def _jointly(lhs: Node, rhs: Node, scope: Scope, literal: bool, base: dict, matrices: list[str]) -> Assumption | None:
    """The claim holds when the matrices it sandwiches (H P Hᵀ, K R Kᵀ) are all symmetric (or all
    positive definite) at once: ∂tr((I − KH)P(I − KH)ᵀ + KRKᵀ)/∂K = −2PHᵀ + 2K(HPHᵀ + R) needs both P
    and R symmetric, which no one-symbol trial finds; a careful reader tries the covariances together
    before calling it false. Only sandwiched ones: tr(BXC)' = CᵀBᵀ, an order mistake, holds too when
    every matrix is symmetric, and is no claim about covariances."""
    for prop in JOINT_ASSUMPTIONS:
        keys = tuple(k for k in matrices if prop not in scope.props(k))
        if len(keys) < 2:
            continue
        found = _trial(lhs, rhs, scope, literal, base, keys, prop)
        if found is not None:
            return found
    return None


def _trial(lhs: Node, rhs: Node, scope: Scope, literal: bool, base: dict, keys: tuple, prop: str) -> Assumption | None:
    """The assumption that ``keys`` have ``prop``, when the claim holds under it (every symbol keeping
    its kind, and not merely by both sides vanishing); else None."""
    props = frozenset({prop} | _IMPLIED.get(prop, set()))
    trial = _assuming(scope, {k: props for k in keys})
    try:
        t_values, _, _, t_left, t_right, _, t_inf = _prepared(lhs, rhs, trial, literal)
        sizes = _sizes_of(t_inf, t_left, t_right, trial, t_values, False)
        if any(_kind(sizes.get(k, shape)) != _kind(shape) for k, shape in base.items()):
            return None
        found = decide(lhs, rhs, trial, literal)
    except Undecided:
        return None
    if found is None or not found.holds or _vanishes(lhs, trial, literal):
        return None
    no = any(denied(p) in scope.props(k) for k in keys for p in props - {"square"})
    return Assumption(keys, prop, found.holds, no)


JOINT_ASSUMPTIONS = ("symmetric", "positive_definite")  # tried on all the claim's sandwiched matrices at once


# --------------------------------------------------------------------------- which rule reports a false claim


def settle_reports(claims: list, context=None) -> None:
    """For every claim found false, the rule that reports it (``facts["report"]``: DL301 a
    derivative, DL302 a step or identity, DL303 a worked example, DL304 a claim that holds
    under an unstated assumption) or why none does (``facts["unreported"]``, added to the
    verdict): ``claims`` and ``check`` agree. Only the first false step of a chain is reported."""
    previous_false: set = set()
    implicit: set = set()  # chains about ∂f/∂x with f defined elsewhere
    held: set = set()  # chains with a step that holds
    for claim in claims:
        outcome = claim.facts.get("outcome")
        chain_key = (id(claim.block), claim.chain)
        if claim.step == 0 and isinstance(claim.lhs, Deriv) and implicit_head(claim.lhs):
            implicit.add(chain_key)
        if outcome is not None and outcome.holds:
            held.add(chain_key)
        if outcome is None or outcome.holds is None or outcome.holds:
            continue
        code, why = _report(claim, outcome, chain_key in implicit, chain_key in held, chain_key in previous_false, context)
        previous_false.add(chain_key)
        claim.facts["report"] = code
        if code == "DL304":
            claim.facts["unstated_assumption"] = outcome.assumption  # its fix is unsafe (fixes.fix_applicability)
        if why:
            claim.facts["unreported"] = why
            claim.verdict = f"{claim.verdict}; not reported: {why}"


def _report(claim, outcome: Outcome, implicit: bool, held: bool, after_false: bool, context) -> tuple[str | None, str | None]:
    """(code, None) for the rule that reports a false claim, or (None, why not)."""
    assumption = outcome.assumption
    is_head = claim.step == 0 and isinstance(claim.lhs, Deriv)
    # near: a definition the claim is certainly about; asked for a claim that holds under an unstated
    # assumption (f = xᵀAx, then ∂f/∂x = 2Ax), or for f'(x), the derivative of a function of one variable
    near = ((assumption is not None or (is_head and claim.lhs.prime)) and _definition_near(claim, context)) or (
        is_head and _definition_before(claim, context))  # the derivative itself, not a step after it
    if implicit and not held and not outcome.literal and not near:
        return None, "a derivative of a name defined elsewhere: the definition in scope may not be the one meant"
    if after_false:
        return None, "an earlier step of this chain is already reported false"
    if outcome.literal:
        return "DL303", None
    if assumption is not None and not assumption.denied:
        return "DL304", None
    return ("DL301" if is_head else "DL302"), None


def implicit_head(deriv) -> bool:
    """A derivative whose numerator is only a name (f, L(w)): defined elsewhere."""
    return isinstance(deriv.num, (Sym, Call))


def _definition_near(claim, context) -> bool:
    """The name a derivative is of (∂f/∂x) has one definition visible at the claim, in its own
    section, or its nearest definition is in the claim's own paragraph, list item or row, before
    it ("L = xᵀAx, then ∂L/∂x = 2Ax"): then the claim is about that definition."""
    name, definitions, k = _definitions_of_head(claim, context)
    if not definitions or definitions[0].carried:
        return False
    if len(definitions) == 1:
        return True
    first = definitions[0]
    return k is not None and first.index == k and first.start <= claim.block.file_offset(claim.start)


def _definitions_of_head(claim, context) -> tuple:
    """(the name a derivative claim is of, its definitions visible at the claim, the claim's
    passage or None), or (None, [], None) for a claim that is no derivative of a defined name."""
    head = claim.facts.get("head") or claim.lhs
    if context is None or not isinstance(head, Deriv) or not implicit_head(head):
        return None, [], None
    name = head.num.func if isinstance(head.num, Call) else head.num
    definitions = [d for d in context.facts(name.key, claim).declarations if d.value is not None]
    try:
        k = context._where(claim)[0]
    except Exception:  # noqa: BLE001 - no place
        k = None
    return name, definitions, k


def _definition_before(claim, context) -> bool:
    """The name a derivative is of has exactly one definition visible at the claim, made before it
    in its own section ("ℓ = −½(y − Xβ)ᵀ(y − Xβ)", then "∂ℓ/∂β = …"), none carried from elsewhere:
    the claim is certainly about that definition."""
    name, definitions, k = _definitions_of_head(claim, context)
    if len(definitions) != 1 or definitions[0].carried or definitions[0].far or k is None:
        return False
    d = definitions[0]
    if not (d.index <= k and context.outline.same_section(d.index, k) and (d.index, d.start) < (k, claim.block.file_offset(claim.start))):
        return False
    # what it is defined by rests on no other definition (C = (ŷ − y)² after y = mx + b, the model,
    # may reuse y for the label), and every letter of the claim and of the definition is declared,
    # none sized by a guess (h = Wz + c with c of no declared size, then ∂h/∂c = I_{D_ℓ})
    for side in (d.value, claim.lhs, claim.rhs):
        for n in side.walk() if side is not None else ():
            if not isinstance(n, Sym) or n.key in ALWAYS_KNOWN or n.key == name.key:
                continue
            f = context.facts(n.key, claim)
            if f is None or f.value is not None:  # another defined name (∂Ψ/∂I_1 ∂I_1/∂S: a chain rule)
                return False
            if _SIZED_IDENTITY.fullmatch(n.key):
                continue
            if f.shape is None and getattr(f, "kind", None) is None:
                return False
            if any(getattr(e, "carried", False) or getattr(e, "far", False) for e in f.declarations[:1]):
                return False
    return True


def definition_of(claim, context):
    """The declaration that defines the name a derivative claim is about (∂f/∂x, f = xᵀAx), or None."""
    head = claim.facts.get("head") or claim.lhs
    if context is None or not isinstance(head, Deriv) or not implicit_head(head):
        return None
    name = head.num.func if isinstance(head.num, Call) else head.num
    for d in context.facts(name.key, claim).declarations:
        if d.value is not None:
            return d
    return None


# --------------------------------------------------------------------------- layout of the note


def settle_layout(claims: list, context, setting: str = "auto") -> None:
    """The note's layout, for each claim: the configuration's, else what the note says of
    itself (a sentence that adopts one layout, a declared Jacobian shape). Each claim that
    holds only in another layout than the stated one is marked ``wrong_layout`` with
    the statement that established it. When the note states nothing, the layout most of its
    derivations use is only a guess: ``note_layout`` holds it (a fix may use it, marked
    unsafe) and ``layout_stated`` is False, and a claim in the other layout is undecided,
    never a finding."""
    units: dict[tuple, list] = {}
    for claim in claims:
        outcome = claim.facts.get("outcome")
        if outcome is None or not outcome.holds or len(outcome.holds) != 1:
            continue
        if not _layout_sensitive(outcome.category) or outcome.gradient:
            continue
        units.setdefault((id(claim.block), claim.chain if outcome.head is None else ("head", id(outcome.head))), []).append(claim)
    votes: list[tuple[str, object]] = []
    for members in units.values():
        layouts = {next(iter(c.facts["outcome"].holds)) for c in members}
        if len(layouts) == 1:
            votes.append((layouts.pop(), members[0]))
    stated, jacobians = _stated_layouts(claims, context, setting)
    # unstated: derivatives by a vector and by a matrix vote apart (a note may write gradients by a
    # vector as rows and by a matrix in the matrix's shape, as the "mixed" tradition does)
    guesses = {group: _majority([v for v in votes if _group(v[1]) == group]) for group in ("vector", "jacobian", "matrix")}
    both = None  # a note that explains both layouts shows formulas in each (read when first needed)
    warned: set = set()  # the derivations already warned of a layout the note does not state
    by_category = None  # declared derivative shapes by category (read when first needed)
    # a note that says it uses the numerator layout (said of Jacobians ∂y/∂x) while every derivative
    # of a scalar it writes is a column (its gradient): the mixed convention, so by its own practice
    # those derivatives are in no stated layout to be held to
    scalar_votes = {v for v, c in votes if _claim_category(c).startswith("scalar-by")}
    mixed_practice = scalar_votes == {"denominator"} and sum(
        1 for v, c in votes if _claim_category(c).startswith("scalar-by")) >= MAJORITY_MIN_VOTES
    # what a Jacobian with a row per component says holds for Jacobians; for the derivatives of a
    # scalar only when the note writes one of those in that layout too (many notes write gradients
    # as columns beside such Jacobians; a Jacobian with a column per component, the denominator
    # layout, has no such tradition beside it)
    jacobian_only = set() if "numerator" in scalar_votes else {
        where for where, layout, _ in stated if where in jacobians and layout == "numerator"}
    for claim in claims:
        outcome = claim.facts.get("outcome")
        decided = outcome is not None and outcome.holds is not None and _layout_sensitive(outcome.category)
        local, quote = _local_layout(claim) if decided and not outcome.gradient else (None, None)
        if local is None and decided and _claim_category(claim).startswith("scalar-by") and _called_jacobian(claim):
            local = "both"  # "the Jacobians of each stage: ∂z/∂v = 2vᵀ": a scalar's Jacobian is a row
        if local == "both":  # its sentence or section compares the layouts: nothing to expect
            claim.facts["note_layout"], claim.facts["layout_stated"] = None, False
            continue
        if local is not None:  # "In the numerator layout, …", a section headed "Denominator layout"
            both = _names_both(claims) if both is None else both
            if (both and decided and outcome.holds and _expected(local, outcome.category) not in outcome.holds
                    and not _adopts(quote)):  # "常用公式（使用分子布局）" adopts one: it accuses as a statement does
                # in a note that names both layouts, a label or heading that names one over a formula in
                # the other: such notes name the layouts both ways round ("分子形式：结果的形状与 x 相同",
                # a row gradient under "Denominator layout"), so there a label excuses, never accuses
                holds = next(iter(outcome.holds))
                claim.facts["note_layout"], claim.facts["layout_stated"] = None, False
                claim.verdict = (f"undecided: true in the {holds} layout; the words over it name the {local} layout "
                                 f"({quote}), which some notes call the other one")
                continue
            layout, established, inferred = local, quote, None
        elif applicable := (stated if not jacobian_only or _claim_category(claim) == "vector-by-vector"
                            else [st for st in stated if st[0] not in jacobian_only]):
            layout, established = _layout_at(claim, applicable)
            inferred = own = None
            if len({s[1] for s in stated}) > 1:  # the statements disagree: a category by its own declared shape
                if by_category is None:
                    by_category = _declared_categories(claims, context)
                own = by_category.get(_claim_category(claim))
                if own:
                    layout, established = _layout_at(claim, own)
                elif any(getattr(st, "category", None) for st in getattr(context, "layouts", None) or ()):
                    general = [_stated(st) for st in context.layouts if not getattr(st, "category", None)]
                    if general:  # a statement about Jacobians only says nothing of this kind
                        layout, established = _layout_at(claim, sorted(general, key=lambda t: t[0]))
            if layout == "numerator" and mixed_practice and decided and _claim_category(claim).startswith("scalar-by"):
                claim.facts["note_layout"], claim.facts["layout_stated"] = "mixed", True
                continue
            if (layout == "denominator" and decided and not own and _claim_category(claim).startswith("scalar-by")
                    and _rows_for_jacobians(context)):
                # ∇f said to be a column, Jacobians written with a row per component: a derivative
                # of a scalar written with ∂ may be the one-row Jacobian of that tradition ("gradients
                # are columns" in words says it of ∂f/∂x too)
                claim.facts["note_layout"], claim.facts["layout_stated"] = None, False
                continue
        else:
            (layout, inferred), established = guesses.get(_group(claim), (None, None)), None
            if layout is not None and decided:
                both = _names_both(claims) if both is None else both
                if both:
                    layout, inferred = None, None
        claim.facts["note_layout"] = layout
        claim.facts["layout_stated"] = established is not None
        if layout is None:
            continue
        if outcome is None or not outcome.holds or not _layout_sensitive(outcome.category) or outcome.gradient:
            continue
        expected = _expected(layout, outcome.category)
        if expected in outcome.holds:
            continue
        holds = next(iter(outcome.holds))
        if established is None and inferred is None:
            claim.verdict = (f"undecided: true in the {holds} layout; the note does not state its layout "
                             f"and its derivations do not clearly agree on one")
            continue
        if established is None:  # a guess: a warning that says so (DL401), never an error
            chain_key = (id(claim.block), claim.chain)
            if chain_key in warned:  # one warning per derivation: its steps make one choice
                claim.verdict = f"true only in the {holds} layout, as the step before it"
                continue
            warned.add(chain_key)
            claim.facts["wrong_layout"] = (expected, inferred)
            claim.facts["layout_inferred"] = True
            claim.verdict = f"true only in the {holds} layout; the note does not state its layout, {inferred}"
            continue
        claim.facts["wrong_layout"] = (expected, established)
        claim.verdict = f"true only in the {holds} layout; the note uses the {expected} layout ({established})"


def _rows_for_jacobians(context) -> bool:
    """Whether the note states the numerator layout for its derivatives of vectors by vectors
    (a Jacobian written with a row per component, "the (i, j) entry is ∂y_i/∂x_j") while each of
    its general statements of the denominator layout is said of ∇ only ("∇ₓf is a column")."""
    layouts = getattr(context, "layouts", None) or ()
    general = [st for st in layouts if not getattr(st, "category", None) and st.layout == "denominator"]
    return bool(general) and all(_OF_NABLA.search(st.text) and not _OF_GRADIENT_WORDS.search(st.text) for st in general) and any(
        getattr(st, "category", None) == "vector-by-vector" and st.layout == "numerator" for st in layouts)


_OF_NABLA = re.compile(r"\\nabla|∇")
_OF_GRADIENT_WORDS = re.compile(r"gradient|梯度|derivatives?\b|导数", re.I)


def _layout_sensitive(category: str | None) -> bool:
    """Derivatives by a scalar (dy/dt) are written in the shape of y in both
    traditions; only derivatives by a vector or matrix tell the layouts apart."""
    return category is not None and not category.endswith("-by-scalar")


def _expected(layout: str, category: str | None) -> str:
    if layout != "mixed":
        return layout
    if category and category.startswith("scalar-by"):
        return "denominator"
    return "numerator"


def _stated_layouts(claims: list, context, setting: str) -> tuple[list[tuple[tuple, str, str]], set]:
    """(position, layout, how it was established) for each statement of the note's layout, in
    the note's order, and the positions of those that speak of Jacobians only (a Jacobian written
    entry by entry or whose shape is declared, "the (i, j) entry is ∂y_i/∂x_j"); the configuration,
    when it sets one, holds everywhere."""
    if setting in ("numerator", "denominator", "mixed"):
        return [((-1, -1), setting, "the configuration")], set()
    found, jacobians = [], set()
    for statement in list(getattr(context, "layouts", []) or []) if context is not None else []:
        found.append(_stated(statement))
        if getattr(statement, "category", None):
            jacobians.add(found[-1][0])
    for claim in claims:
        layout = _declared_jacobian(claim, context)
        if layout is not None:
            where = _where(claim.block.source, claim.block.file_offset(claim.start))
            found.append((where, layout, _quote(where, claim.text)))
            jacobians.add(where)
        elif claim.kind != "unparsed" and type(claim.rhs) is Func and claim.rhs.name == "index":
            layout = _entrywise_gradient(claim.lhs, claim.rhs)
            if layout is not None:
                where = _where(claim.block.source, claim.block.file_offset(claim.start))
                found.append((where, layout, _quote(where, claim.text)))
    return sorted(found, key=lambda t: t[0]), jacobians


def _entrywise_gradient(lhs, rhs) -> str | None:
    """The layout an entry-wise definition of a derivative by a matrix states: ∂f/∂X = [∂f/∂X_{ij}]_{ij}
    puts ∂f/∂X_{ij} at (i, j), X's own shape (the denominator layout); [∂f/∂X_{ji}]_{ij} its transpose."""
    if not (type(lhs) is Deriv and len(lhs.wrt) == 1 and type(lhs.wrt[0]) is Sym and not lhs.wrt[0].sub):
        return None
    inner = rhs.args[0] if len(rhs.args) == 1 else None
    if not (type(inner) is Deriv and len(inner.wrt) == 1 and type(inner.wrt[0]) is Sym):
        return None
    entry, whole = inner.wrt[0], lhs.wrt[0]
    if entry.name != whole.name or not entry.sub:
        return None
    order, written = indices._parts(indices._index_sub(rhs.sub)), indices._parts(entry.sub)  # [·]_{ij}, X_{ij}
    if not order or not written or len(order) != 2 or order[0] == order[1] or not "".join(order).isalpha():
        return None
    if written == order:
        return "denominator"
    if written == order[::-1]:
        return "numerator"
    return None


def _stated(statement) -> tuple[tuple, str, str]:
    """(position, layout, quotation) of a layout statement of the context."""
    where = _where(statement.source, statement.start)
    return where, statement.layout, _quote(where, statement.text)


def _where(source, offset: int) -> tuple:
    """A place in the note, comparable across notebook cells: (cell or 0, line, offset)."""
    return ((getattr(source, "cell", None) or 0), source.line_col(offset)[0], offset)


def _quote(where: tuple, text: str) -> str:
    """How a statement is cited: its line and a short quotation."""
    words = " ".join(text.split())
    if len(words) > 60:
        words = words[:57].rstrip() + "..."
    cell = f"cell {where[0]}, " if where[0] else ""
    return f'{cell}line {where[1]}: "{words}"'


def _layout_at(claim, stated: list) -> tuple[str | None, str | None]:
    """The stated layout that holds at ``claim``: the one statement when all agree, else the
    last one made before the claim (none before it: no layout, the note has not said yet)."""
    if len({layout for _, layout, _ in stated}) == 1:
        return stated[0][1], stated[0][2]
    here = _where(claim.block.source, claim.block.file_offset(claim.start))
    before = [s for s in stated if s[0] <= here]
    if not before:
        return None, None
    return before[-1][1], before[-1][2]


def _adopts(words: str | None) -> bool:
    """Whether words that name a layout adopt it ("使用分子布局", "we use the numerator layout"),
    rather than label what follows ("分子形式：", "Numerator layout:")."""
    from derivlint.context.prose import LAYOUT_ADOPT

    return bool(words) and LAYOUT_ADOPT.search(words) is not None


def _names_both(claims: list) -> bool:
    """Whether the note names both layouts somewhere (in any of its sources)."""
    from derivlint.context.prose import named_layouts

    seen: dict[int, object] = {}
    for claim in claims:
        seen.setdefault(id(claim.block.source), claim.block.source)
    named: set[str] = set()
    for source in seen.values():
        named |= named_layouts(source.text)
    return len(named - {"mixed"}) > 1


_LAYOUT_WORDS = re.compile(r"布局|layout|formulation", re.I)


def _around_layout_word(words: str) -> str:
    """The part of ``words`` that names a layout: from the start of its line (or 40 characters
    before the name) to 20 characters after it."""
    found = list(_LAYOUT_WORDS.finditer(words))
    if not found:
        return words
    i = found[-1].start()
    start = max(words.rfind("\n", 0, i) + 1, i - 40, 0)
    return words[start : found[-1].end() + 20]


def _local_layout(claim) -> tuple[str | None, str | None]:
    """The layout the claim's own sentence or section names ("In the numerator layout, …", a
    section headed "Denominator layout"): (layout, how to cite it), ("both", None) when they
    name both, (None, None) when they name none."""
    from derivlint.context.prose import lead_in, named_layouts

    block = claim.block
    passage = getattr(block, "passage", None)
    if passage is None:
        return None, None
    source = block.source
    words = lead_in(source.text, block.start, block.end, passage.start, passage.end)
    named = named_layouts(words)
    if named:
        if len(named) > 1:
            return "both", None
        cited = _around_layout_word(words)  # the words that name it, not the whole sentence before
        at = source.text.find(cited.strip()[:20], passage.start, passage.end + 1) if cited.strip() else -1
        return next(iter(named)), _quote(_where(source, at if at >= 0 else block.start), cited)
    for heading in reversed(passage.headings):
        named = named_layouts(heading)
        if named:
            if len(named) > 1:
                return "both", None
            at = source.text.rfind(heading, 0, block.start)
            return next(iter(named)), _quote(_where(source, max(at, 0)), heading)
    return None, None


_JACOBIAN_WORDS = re.compile(r"jacobian|雅可比|ヤコビ", re.I)


def _called_jacobian(claim) -> bool:
    """Whether the words that lead into the claim call what it writes a Jacobian."""
    from derivlint.context.prose import lead_in

    block = claim.block
    passage = getattr(block, "passage", None)
    if passage is None:
        return False
    words = lead_in(block.source.text, block.start, block.end, passage.start, passage.end)
    return bool(_JACOBIAN_WORDS.search(words))


def _claim_category(claim) -> str:
    """The category of a claim's derivative ("scalar-by-vector" …), or ""."""
    outcome = claim.facts.get("outcome")
    return (outcome.category if outcome is not None else None) or ""


def _group(claim) -> str | None:
    """Which derivatives a claim's layout is read with: by a matrix, or by a vector."""
    category = _claim_category(claim)
    if not category:
        return None
    if category == "vector-by-vector":  # a Jacobian: many notes write gradients as columns and
        return "jacobian"               # Jacobians a row per component (the mixed convention)
    return "matrix" if category.endswith("-by-matrix") else "vector"


# An unstated layout is taken from the note's derivations only when this many of them
# (at least) agree, and at least this many times as many as use the other one.
MAJORITY_MIN_VOTES = 2
MAJORITY_RATIO = 1


def _majority(votes) -> tuple[str | None, str | None]:
    """The layout most of the note's derivations use (a guess, for a fix) and, when they clearly
    agree on it, how to cite it (the count and the first of them); (None, None) on a tie."""
    if not votes:
        return None, None
    counts = {layout: sum(1 for v, _ in votes if v == layout) for layout in LAYOUTS}
    if counts["numerator"] == counts["denominator"]:
        return None, None
    layout = max(counts, key=counts.get)
    other = counts["numerator"] + counts["denominator"] - counts[layout]
    if counts[layout] < MAJORITY_MIN_VOTES or counts[layout] < MAJORITY_RATIO * other:
        return layout, None
    first = next(c for v, c in votes if v == layout)
    where = _where(first.block.source, first.block.file_offset(first.start))
    total = counts[layout] + other
    group = "matrix" if _group(first) == "matrix" else "vector"
    return layout, (f"but {counts[layout]} of its {total} derivatives by a {group} use the {layout} layout, "
                    f"the first at {_quote(where, first.text)}")


def _declared_shape(facts):
    """The declared shape in ``facts``, (1, 1) for a declared scalar; None when not declared."""
    if facts is None:
        return None
    first = next((d for d in facts.declarations if d.shape is not None), None)  # the one that gives the shape
    if facts.shape is not None and first is not None and not getattr(first, "carried", False):
        return tuple(facts.shape)
    return (1, 1) if facts.kind == "scalar" and facts.shape is None else None


def _declared_jacobian(claim, context) -> str | None:
    """The layout a declared derivative shape gives: ∂y/∂x ∈ R^{m×n} with y ∈ R^m and x ∈ R^n
    is the numerator layout, R^{n×m} the denominator layout; None unless every size is declared
    and only one layout gives the shape."""
    lhs = getattr(claim, "lhs", None)
    if claim.kind != "declaration" or not isinstance(lhs, Deriv) or lhs.num is None or len(lhs.wrt) != 1:
        return None
    if context is None or not isinstance(lhs.num, Sym) or not isinstance(lhs.wrt[0], Sym):
        return None
    declared = next((d.shape for d in getattr(context, "declarations", []) if d.claim is claim and d.shape), None)
    if declared is None:
        return None
    try:
        y, x = (_declared_shape(context.facts(sym.key, claim)) for sym in (lhs.num, lhs.wrt[0]))
    except Exception:  # noqa: BLE001 - a context bug: no statement
        return None
    if y is None or x is None:
        return None
    if x[1] == 1 and y[1] == 1:  # vector (or scalar) by column vector
        numerator, denominator = (y[0], x[0]), (x[0], y[0])
    elif y == (1, 1):  # scalar by matrix
        numerator, denominator = (x[1], x[0]), x
    else:
        return None
    declared = tuple(declared)
    if numerator == denominator:
        return None
    if declared == tuple(numerator):
        return "numerator"
    if declared == tuple(denominator):
        return "denominator"
    return None


def _declared_categories(claims: list, context) -> dict[str, list[tuple[tuple, str, str]]]:
    """The statements of the layout that a declared derivative shape makes, by the category of
    that derivative ("vector-by-vector": ∂f/∂x ∈ R^{m×n}): a note may give each its own."""
    out: dict[str, list] = {}
    for claim in claims:
        layout = _declared_jacobian(claim, context)
        if layout is None:
            continue
        lhs = claim.lhs
        try:
            y, x = (_declared_shape(context.facts(sym.key, claim)) for sym in (lhs.num, lhs.wrt[0]))
        except Exception:  # noqa: BLE001 - a context bug: no statement
            continue
        where = _where(claim.block.source, claim.block.file_offset(claim.start))
        out.setdefault(_category(*y, *x), []).append((where, layout, _quote(where, claim.text)))
    for statement in getattr(context, "layouts", None) or ():
        if getattr(statement, "category", None):  # "the (i,j) entry of ∂y/∂x is ∂y_i/∂x_j"
            out.setdefault(statement.category, []).append(_stated(statement))
    for statements in out.values():
        statements.sort(key=lambda t: t[0])
    return out


# --------------------------------------------------------------------------- corrections


def correction(claim, context, layout: str | None) -> str | None:
    """A right-hand side that holds in ``layout`` (the note's), in the note's
    notation, checked numerically before it is offered; None if none is found."""
    from derivlint.math.latex_out import Unwritable, style_of, to_latex

    outcome = claim.facts.get("outcome")
    if outcome is None or claim.rhs is None or layout is None:
        return None
    target = outcome.head or claim.lhs
    scope = Scope(context, claim)
    style = style_of(claim.text, [claim.lhs, claim.rhs])
    budget.start()  # the search has a claim's time budget too: a long side has many candidates
    try:
        for candidate in _candidates(claim.rhs, scope):
            budget.check()
            # outside the mixed layout the layout needed is known before the draws: a candidate that
            # fails it in one draw is dropped without the others (whose answer could not make it hold)
            must_hold = layout if layout in LAYOUTS else None
            try:
                found = decide(target, candidate, scope, outcome.literal, reference=claim.rhs, must_hold=must_hold)
            except Undecided:
                continue
            except Exception:  # noqa: BLE001 - no fix rather than a crash
                return None
            if found is None:
                continue
            if found.holds and _expected(layout, found.category) in found.holds:
                try:
                    return to_latex(candidate, style)
                except Unwritable:
                    return None  # the right-hand side found has no LaTeX form here: no fix
    except budget.OverBudget:
        return None  # no fix rather than a search past the budget
    finally:
        budget.stop()
    return None


def _candidates(rhs: Node, scope: Scope):
    """Small edits of a right-hand side, the smallest first: the whole
    transposed, one symbol transposed, A → A + Aᵀ, a factor 2 or ½, the sign."""
    written = {n.arg.key for n in rhs.walk() if isinstance(n, Transpose) and isinstance(n.arg, Sym)}
    # Σᵀ = Σ when Σ is symmetric, unless the side itself writes Bᵀ: (B + Bᵀ)v is B's general form, not B + B
    symmetric = frozenset(k for k in symbols(rhs) if "symmetric" in scope.props(k) and k not in written)
    yield transpose(rhs, symmetric)
    syms = [n for n in rhs.walk() if isinstance(n, Sym) and n.key not in ("I", "0")]
    matrices = [s for s in syms if s.name[:1].isupper()]
    for s in syms:
        yield _transposed(rhs, s)
    for s in matrices:
        yield _replace(rhs, s, Add(s.start, s.end, [s, Transpose(s.start, s.end, s, "T")]))
    for s in matrices:  # 2Ax → (A + A^T)x: the symmetric reading's general form
        yield _replace(_halved(rhs), s, Add(s.start, s.end, [s, Transpose(s.start, s.end, s, "T")]))
    if isinstance(rhs, Num) and rhs.value.isdigit():  # 2 × 1 = 1: the number doubled, 2 (not 2·1)
        yield Num(rhs.start, rhs.end, str(2 * int(rhs.value)))
    else:
        yield Mul(rhs.start, rhs.end, [Num(rhs.start, rhs.start, "2"), rhs], [""])
    yield Neg(rhs.start, rhs.end, rhs)
    yield _halved(rhs)
    for a, b in itertools.combinations(syms[:6], 2):
        yield _transposed(rhs, a, b)


def _transposed(rhs: Node, *syms: Sym) -> Node:
    """``rhs`` with each of ``syms`` transposed: Aᵀ where it reads A, A where it reads Aᵀ (not (Aᵀ)ᵀ)."""
    return _TransposeSyms({id(s) for s in syms}).visit(rhs)


class _TransposeSyms:
    """The rewrite of _transposed (a class, not a closure that calls itself: no reference cycle)."""

    def __init__(self, targets: set[int]):
        self.targets = targets

    def visit(self, n: Node) -> Node:
        if isinstance(n, Transpose) and id(n.arg) in self.targets and n.mark != "H":
            return n.arg
        if id(n) in self.targets:
            return Transpose(n.start, n.end, n, "T")
        return rebuild(n, self.visit)


def _halved(rhs: Node) -> Node:
    """rhs / 2, written 2b → b and 4Ax → 2Ax rather than \\frac{2b}{2}; −2b → −b."""
    if isinstance(rhs, Neg):
        return Neg(rhs.start, rhs.end, _halved(rhs.arg))
    if isinstance(rhs, Mul) and isinstance(rhs.factors[0], Num) and rhs.factors[0].value.isdigit():
        k = int(rhs.factors[0].value)
        if k % 2 == 0 and len(rhs.factors) > 1:
            rest = rhs.factors[1:]
            if k == 2:
                return rest[0] if len(rest) == 1 else Mul(rhs.start, rhs.end, rest, rhs.ops[1:])
            return Mul(rhs.start, rhs.end, [Num(rhs.start, rhs.start, str(k // 2))] + rest, rhs.ops)
    return Div(rhs.start, rhs.end, rhs, Num(rhs.start, rhs.start, "2"))


def _replace(node: Node, old: Node, new: Node) -> Node:
    """A copy of ``node`` with the subtree ``old`` (by identity) replaced by ``new``."""
    if node is old:
        return new
    return rebuild(node, lambda child: _replace(child, old, new))  # no self-calling closure: no cycle
