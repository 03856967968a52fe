"""Certain readings: why a claim cannot be read with certainty (its role, its indices, its names)."""

from __future__ import annotations

from derivlint.math.names import LOSS_WORDS, STAR_WORDS, is_index_subscript
from derivlint.math.parser import GREEK
from derivlint.math.roles import statement_role
from derivlint.math.tree import Deriv, Func, Mul, Num, Sym, render
from derivlint.math.treeops import symbols

CONSTANTS = frozenset({"pi", "e", "infty"})  # symbols that are numbers


def uncertain_reading(claim, scope) -> str | None:
    """Why ``claim`` has no certain reading, or None when it has one. An error finding
    (DL2xx–DL5xx) is made only on a certain reading: the statement is a claim (not a
    definition, condition, equation to solve or program output), it is not written entry
    by entry, and every symbol's role is known (declared, defined, or a convention)."""
    role = statement_role(claim)
    if role is not None:
        return f"{role.reason} ({role.phrase})"
    sides = [s for s in (claim.lhs, claim.rhs) if s is not None]
    evaluated = _evaluation(sides, scope)
    if evaluated is not None:
        return f"an evaluation at values given elsewhere ({evaluated} has no value here)"
    nodes = [n for side in sides for n in side.walk()]
    index = _index_notation(nodes, scope)
    if index is not None:
        return f"index notation ({index})"
    star = _star_not_a_product(claim, nodes)
    if star is not None:
        return f"* is not the matrix product here: the note speaks of {star}"
    if ones_vector(nodes):
        return "the all-ones vector 1 is not evaluated"
    unknown = _unknown_name(nodes, scope)
    if unknown is not None:
        return f"the role of {unknown} is not known (a name the note does not introduce)"
    return None


def _evaluation(sides, scope) -> str | None:
    """2x = 6, cos(s_1) = cos(3^2): one side a number, the other in symbols the scope gives no
    value: a step of a worked evaluation (x = 3 said in prose or code), not an identity. A side
    equal to zero is a condition, left to the check."""
    if len(sides) != 2:
        return None
    free = [sorted(k for k, n in symbols(side).items() if n.name not in CONSTANTS) for side in sides]
    for side, mine, other in ((sides[0], free[0], free[1]), (sides[1], free[1], free[0])):
        if mine or not other or _zero(side):
            continue
        if all(scope.definition(key, True) is None for key in other) and not _identity(sides, scope):
            return other[0]
    return None


def _identity(sides, scope) -> bool:
    """Whether the two sides agree for random values (cos²x + sin²x = 1, w⁰ = 1): an identity,
    which the check decides, rather than an evaluation at particular values (2x = 6)."""
    from derivlint.check.truth import decide

    try:
        outcome = decide(sides[0], sides[1], scope, False)
    except Exception:  # noqa: BLE001 - Undecided or a numeric failure: not told apart
        return True  # not told apart: left to the check, which reports nothing it cannot decide
    return outcome is None or outcome.holds is None or bool(outcome.holds)


def _zero(node) -> bool:
    return isinstance(node, Num) and node.value == "0"


def _index_notation(nodes, scope) -> str | None:
    """Entries and free indices: the entry of an expression ((AB)_{ij}), a symbol with two
    index letters (A_{kl}, δ_{ij}), a derivative by an entry (∂/∂x_k, ∂/∂θ_i), or one letter
    with an index and another subscript (x_i beside x_j, z_1 beside z_k). A member of a sequence used whole (x_t, Σ_i,
    K_n) is a named object, not index notation."""
    subs: dict[str, set[str]] = {}
    for n in nodes:
        if isinstance(n, Func) and n.name == "index":
            return render(n)
        if isinstance(n, Deriv):
            for w in n.wrt:
                if isinstance(w, Sym) and _entry(w) and not _known(scope, w.key):
                    return f"a derivative by the entry {w.key}"
        if not isinstance(n, Sym) or not n.sub:
            continue
        if is_index_subscript(n.sub) and len(n.sub.strip("{}").replace(",", "").replace(" ", "")) >= 2:
            if not _known(scope, n.key):
                return n.key
        if is_index_subscript(n.sub) or n.sub.strip("{}").isdigit():
            subs.setdefault(n.name, set()).add(n.sub)
    for name, found in subs.items():
        if len(found) > 1 and any(is_index_subscript(sub) for sub in found):  # z_1 beside z_k
            return ", ".join(f"{name}_{s}" for s in sorted(found))
    return None


def _entry(sym: Sym) -> bool:
    """x_k, θ_i: a lowercase (or Greek) letter, not bold, with an index letter below."""
    sub = (sym.sub or "").strip("{}")
    if sym.bold or not is_index_subscript(sub):
        return False  # ∂/∂x_1, ∂/∂θ_0: as often a scalar variable of its own as an entry
    return sym.name in GREEK or (len(sym.name) == 1 and sym.name.islower())


def _unknown_name(nodes, scope) -> str | None:
    """A name of several letters (Label, output, SSE_1) that is neither Greek, nor a loss by
    convention, nor declared or defined in scope: what it stands for is not known."""
    for n in nodes:
        if not isinstance(n, Sym):
            continue
        base = n.name.split("(")[-1].rstrip(")").rstrip("'")  # hat(y), mathcal(L), g'
        if len(base) <= 1 or base in GREEK or base in LOSS_WORDS or not base.isalpha():
            continue
        if _known(scope, n.key) or _known(scope, n.name):
            continue
        return n.key
    return None


def _star_not_a_product(claim, nodes) -> str | None:
    """The word (names.STAR_WORDS) by which the note, before the claim, says that its * is a
    convolution, when the claim writes * between two operands that are not numbers; else None."""
    if not any(isinstance(n, Mul) and "*" in n.ops for n in nodes):
        return None
    starred = [n for n in nodes if isinstance(n, Mul) and "*" in n.ops]
    if all(any(isinstance(f, Num) for f in n.factors) for n in starred):
        return None  # 2 * x: a number times something, a product whatever * means
    text = (getattr(claim.block.source, "text", "") or "")[: claim.block.start].lower()
    return next((w for w in STAR_WORDS if w in text), None)


def _known(scope, key: str) -> bool:
    """Whether the note says anything of ``key`` in scope: a shape, a kind, a value, a property."""
    f = scope.facts(key)
    return f is not None and bool(f.shape or f.kind or f.value is not None or f.props or f.declarations)


def ones_vector(nodes) -> bool:
    """Whether the claim uses the all-ones vector (\\mathbf{1}), which the numeric check
    does not evaluate."""
    return any(isinstance(n, Sym) and n.name == "1" for n in nodes)


__all__ = ["uncertain_reading", "ones_vector"]
