"""Certain readings: why a claim cannot be read with certainty (its role, its indices, its names)."""

from __future__ import annotations

from derivlint.check import schematic
from derivlint.math.names import LOSS_WORDS, STAR_WORDS, is_index_subscript
from derivlint.math.parser import GREEK
from derivlint.math.roles import statement_role
from derivlint.context.model import kind_of_shape
from derivlint.context.prose import _SENTENCE_BREAK
from derivlint.math.tree import Call, Deriv, Dots, Func, Matrix, Mul, Num, Sum, Sym, render
from derivlint.math.treeops import is_lone_symbol, symbols

CONSTANTS = frozenset({"pi", "e", "infty"})  # symbols that are numbers


def uncertain_reading(claim, scope) -> str | None:
    """Why ``claim`` has no certain reading, or None when it has one. An error finding
    (DL2xx–DL5xx) is made only on a certain reading: the statement is a claim (not a
    definition, condition, equation to solve or program output), it is not written entry
    by entry, and every symbol's role is known (declared, defined, or a convention)."""
    role = role_of(claim)
    if role is not None:
        return f"{role.reason} ({role.phrase})"
    sides = [s for s in (claim.lhs, claim.rhs) if s is not None]
    evaluated = _evaluation(sides, scope)
    if evaluated is not None:
        return f"an evaluation at values given elsewhere ({evaluated} has no value here)"
    nodes = [n for side in sides for n in side.walk()]
    kinds = set(map(type, nodes))  # the node types present: a test that needs one absent is skipped
    # a schematic matrix whose pattern reads is written out before the draws: its indices are no index notation
    # (a schematic matrix has a cell of dots: without any Dots node, no grid is read)
    text = block_text(claim)
    dotted = Dots in kinds and any(schematic.schematic(n, text) for n in nodes)
    outside = schematic.readable_nodes(sides, text) if dotted else nodes
    index = _index_notation(outside, scope)
    if index is not None:
        return f"index notation ({index})"
    star = _star_not_a_product(claim, nodes) if Mul in kinds else None
    if star is not None:
        return f"* is not the matrix product here: the note speaks of {star}"
    if Sym in kinds and ones_vector(nodes):
        return "the all-ones vector 1 is not evaluated"
    block = _block_matrix(outside, scope) if outside is not nodes or Matrix in kinds else None
    if block is not None:
        return f"a block matrix: its entry {block} is itself a vector or a matrix"
    entrywise = entry_definition(claim)
    if entrywise is not None:
        return f"a definition of {entrywise} entry by entry"
    aside = _set_aside(claim, nodes, scope)
    if aside is not None:
        return aside
    under = _under_expression_condition(claim, scope)
    if under is not None:
        return under
    lost = _lost_transpose(nodes, scope) if Mul in kinds else None
    if lost is not None:
        return f"{lost}T may be {lost}ᵀ with its superscript lost"
    unknown = _unknown_name(nodes, scope)
    if unknown is not None:
        return f"the role of {unknown} is not known (a name the note does not introduce)"
    return None


def block_text(claim) -> str | None:
    """The text of the math block ``claim`` is in (the offsets of its nodes point into it), or None."""
    return getattr(getattr(claim, "block", None), "text", None)


_last_role: list = [None, None, None]  # (claim, what its role is read from, its role)


def role_of(claim):
    """``statement_role(claim)``, kept for the last claim asked: the index check and the reading
    gate ask it of one claim one after the other. Read again when anything it reads has changed."""
    inputs = (claim.kind, claim.relation, claim.prose_before, claim.step, claim.block, claim.lhs, claim.rhs)
    last, seen, role = _last_role
    if last is claim and len(seen) == len(inputs) and all(a is b or a == b for a, b in zip(seen, inputs)):
        return role
    role = statement_role(claim)
    _last_role[0], _last_role[1], _last_role[2] = claim, inputs, role
    return role


def _evaluation(sides, scope) -> str | None:
    """2x = 6, cos(s_1) = cos(3^2): one side a number, the other in symbols the scope gives no
    value: a step of a worked evaluation (x = 3 said in prose or code), not an identity. A side
    equal to zero is a condition, left to the check."""
    if len(sides) != 2:
        return None
    if _names_a_symbol(sides[0]) and _names_a_symbol(sides[1]):
        return None  # both sides in symbols: no side is a number (most claims; no symbols() built)
    free = [sorted(k for k, n in symbols(side).items() if n.name not in CONSTANTS) for side in sides]
    for side, mine, other in ((sides[0], free[0], free[1]), (sides[1], free[1], free[0])):
        if mine or not other or _zero(side):
            continue
        # every symbol without a value (x = 3 said), or some of them ("t = 0" said, "p ≈ 0.3" only
        # computed): the step puts numbers for names, which this claim alone cannot check
        unvalued = [key for key in other if _unvalued(key, scope)]
        if unvalued and not _identity(sides, scope):
            return unvalued[0]
    return None


def _unvalued(key: str, scope, depth: int = 0, seen: frozenset = frozenset()) -> bool:
    """Whether ``key`` has no value in scope, itself or through its definition (δ = ŷ − y with ŷ
    only computed in words: δ has no number either); a function's parameters are its own."""
    defined = scope.definition(key, True)
    if defined is None:
        return True
    if depth >= 4 or key in seen:
        return False
    value, params = defined
    inner = [k for k, n in symbols(value).items() if n.name not in CONSTANTS and k not in params and k != key]
    return any(_unvalued(k, scope, depth + 1, seen | {key}) for k in inner)


def _names_a_symbol(side) -> bool:
    """Whether ``symbols(side)`` surely holds a name that is not a constant: a symbol other than
    π, e, ∞, in a side without a Σ (whose index symbols() leaves out). False when unsure."""
    named = False
    for n in side.walk():
        kind = type(n)
        if kind is Sum:
            return False
        if kind is Sym and n.name not in CONSTANTS:
            named = True
    return named


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
        kind = type(n)  # by exact type (no node type has a subclass): this runs for every node
        if kind is Func and n.name == "index":
            return render(n)
        if kind is Deriv:
            for w in n.wrt:
                if isinstance(w, Sym) and _entry(w) and not _known(scope, w.key):
                    return f"a derivative by the entry {w.key}"
        if kind is not Sym or not n.sub:
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


def _block_matrix(nodes, scope) -> str | None:
    """An entry of a matrix literal that the note declares a vector or a matrix
    (Σ = [Σ_11 Σ_12; Σ_21 Σ_22] with Σ_11 ∈ ℝ^{r×r}): the literal is a block matrix, whose
    entries the numeric check would draw as numbers. None when every entry is a scalar."""
    for n in nodes:
        if not isinstance(n, Matrix):
            continue
        for cell in n.children():
            for s in cell.walk():
                if isinstance(s, Sym):
                    f = scope.facts(s.key)
                    if f is not None and kind_of_shape(f.shape) not in (None, "scalar"):
                        return render(s)
    return None


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


def entry_definition(claim) -> str | None:
    """σ(v)_k = e^{v_k} / Σ_m e^{v_m}: an entry of a function's value, written in terms that do not
    use the function, opens a chain: the note defines (or redefines) the function, it does not
    claim something of one defined before. The function's name, or None."""
    lhs, rhs = claim.lhs, claim.rhs
    if claim.step != 0 or rhs is None or not isinstance(lhs, Func) or not lhs.name.startswith("index"):
        return None
    inner = lhs.args[0] if lhs.args else None
    if not isinstance(inner, Call) or not isinstance(inner.func, Sym):
        return None
    name = inner.func
    if any(isinstance(n, Sym) and n.key == name.key for n in rhs.walk()):  # σ itself, or σ(…) (its func)
        return None
    return name.key


_CONDITION_REACH = 200  # how far after a condition on an expression its sentence's claims lie


def _under_expression_condition(claim, scope) -> str | None:
    """Why a claim is under a condition on an expression ("If $AB$ is symmetric then (AB)ᵀ = AB",
    "若 $AB$ 对称则 …"): the check draws each symbol alone and cannot model it; else None."""
    context = getattr(scope, "context", None)
    conditions = getattr(context, "expression_conditions", None)
    if not conditions:
        return None
    try:
        k = context._where(claim)[0]
        at = claim.block.file_offset(claim.start)
    except Exception:  # noqa: BLE001 - no place
        return None
    text = claim.block.source.text
    for index, start, end in conditions:
        if index == k and end <= at <= end + _CONDITION_REACH and not _SENTENCE_BREAK.search(text, end, at):
            return f"a statement under a condition on an expression ({text[start:end].strip()[:40]})"
    return None


def _lost_transpose(nodes, scope) -> str | None:
    """A factor T right after a letter ("trA = trAT", "X T y": text copied from a rendered page,
    where Aᵀ loses its superscript; spaces in math render as nothing), with T declared nothing:
    the letter's name, else None."""
    for n in nodes:
        if not isinstance(n, Mul):
            continue
        for before, factor in zip(n.factors, n.factors[1:]):
            if (isinstance(factor, Sym) and factor.name == "T" and factor.sub is None and factor.sup is None
                    and isinstance(before, Sym) and before.sup is None and before.sub is None
                    and (before.bold or before.name[:1].isupper())):  # a matrix's letter: AT, XT (not k_B T)
                f = scope.facts("T")
                if f is None or not getattr(f, "declarations", None):
                    return before.key
    return None


def _set_aside(claim, nodes, scope) -> str | None:
    """A name whose definition is not used: given by a formula that did not parse (R = E\\{uuᵀ\\}:
    what it gives R, symmetry say, is not known), or defined (I₁ = tr(P)) but also differentiated
    with respect to (∂E/∂I₁), so that in an equality whether the defined value or the variable
    is meant is not certain (the step tr(P) − … = I₁ − … holds by the definition)."""
    context = getattr(scope, "context", None)
    unread = getattr(context, "unread_definitions", None)
    if unread:
        for n in nodes:
            if isinstance(n, Sym) and n.key in unread and scope.definition(n.key, True) is None:
                return f"{n.key} is given a value on line {unread[n.key]} that derivlint does not read"
    aside = getattr(context, "set_aside", None)
    if not aside or claim.kind != "equality" or claim.lhs is None or claim.rhs is None:
        return None
    place = context._where(claim)
    left, right = symbols(claim.lhs), symbols(claim.rhs)
    for key in sorted(left.keys() & right.keys()):  # sorted: the same key named on every run
        if key in aside and aside[key][1] <= place:  # K = P Hᵀ(H P Hᵀ + R)⁻¹ solved for, then used in a later step
            return f"{key} is solved for on line {aside[key][0]}: a later step may use its value"
    for one, other in ((left, right), (right, left)):
        for key in one:
            if key in aside and key not in other:
                at, defined, uses = aside[key]
                if defined <= place and uses and uses <= other.keys():  # tr(P) − … = I₁ − …: the definition, written out
                    return f"{key} is defined on line {at} and also differentiated with respect to"
    return None


def _star_not_a_product(claim, nodes) -> str | None:
    """The word (names.STAR_WORDS) by which the note, before the claim, says that its * is a
    convolution, when the claim writes * between two operands that are not numbers; else None."""
    if not any(isinstance(n, Mul) and "*" in n.ops for n in nodes):
        return None
    starred = [n for n in nodes if isinstance(n, Mul) and "*" in n.ops]
    if all(any(isinstance(f, Num) for f in n.factors) for n in starred):
        return None  # 2 * x: a number times something, a product whatever * means
    return _star_word_before(getattr(claim.block.source, "text", "") or "", claim.block.start)


_star_words_at: list = [None, None]  # (the last note's text, where each of STAR_WORDS first stands in it, lowered)


def _star_word_before(text: str, start: int) -> str | None:
    """The first of STAR_WORDS in ``text[:start].lower()``, or None; the note is lowered once, not
    once per starred claim (a note of many was quadratic in its length). Where lowering keeps every
    character one character (str.lower's İ does not), the lowered prefix is the lowered note's
    prefix (but for a final sigma, in none of the words)."""
    if _star_words_at[0] is not text:
        lowered = text.lower()
        firsts = {w: lowered.find(w) for w in STAR_WORDS} if len(lowered) == len(text) else None
        _star_words_at[0], _star_words_at[1] = text, firsts
    firsts = _star_words_at[1]
    if firsts is None:
        before = text[:start].lower()
        return next((w for w in STAR_WORDS if w in before), None)
    return next((w for w in STAR_WORDS if 0 <= firsts[w] and firsts[w] + len(w) <= start), None)


def _known(scope, key: str) -> bool:
    """Whether the note says anything of ``key`` in scope: a shape, a kind, a value, a property."""
    f = scope.facts(key)
    return f is not None and bool(f.shape or f.kind or f.value is not None or f.props or f.declarations)


def ones_vector(nodes) -> bool:
    """Whether the claim uses the all-ones vector (\\mathbf{1}) in a form the numeric check does not
    evaluate: with a subscript or a superscript (1_n, 1_{m×1}: a length, or a set's indicator 1_A),
    or right against a bracket (𝟙(x > 0), 1{x ∈ A}: an indicator function). A plain 1 is drawn as
    ones, its length from its place (derivlint.check.truth)."""
    nodes = list(nodes)
    ones = [n for n in nodes if isinstance(n, Sym) and n.name == "1"]
    if not ones:
        return False
    if any(n.sub or n.sup or not n.bold for n in ones):
        return True
    ends = {n.end for n in ones}
    return any(n.start in ends and n not in ones for n in nodes)


__all__ = ["uncertain_reading", "ones_vector"]


# --------------------------------------------------------------------------- a false verdict's reading

IMPLICATIONS = frozenset({"→", "⇒", "⟹", "⟶", "↦", "∴"})  # arrows that lead from a condition to its consequence


def uncertain_falsity(claim, target, rhs, chain, scope, literal: bool) -> str | None:
    """Why a claim the draws found false is still not a finding, or None when its falsity is
    certain. The one gate of DL301–DL304 after the check: (a) a step that follows, by an
    implication, from a step setting something to zero is an equation to solve (∇f = 0 ⇒
    XᵀY = (XᵀX + λI)w), not an identity; (b) a claim false only under the shapes derivlint
    guessed (no declaration in scope) is undecided when another plausible assignment of those
    shapes (the undeclared letters scalars, the undeclared vectors rows) makes it hold."""
    if after_condition(claim, chain):
        return "a consequence of a condition set to zero: an equation to solve, not an identity"
    renamed = _named_by_its_chain(claim, rhs, chain, scope, literal)
    if renamed:
        return renamed
    text = block_text(claim) or ""
    inside = _power_inside(target, text), _power_inside(rhs, text)
    if inside[0] is not target or inside[1] is not rhs:
        from derivlint.check.truth import _holds

        if _holds(inside[0], inside[1], scope, literal):
            return "a power after a function's parentheses may belong to its argument: tr(M)^{-1} read as tr(M^{-1}) holds"
    if literal:
        return _frobenius_holds(target, rhs, scope, literal)
    guessed = guessed_keys(target, rhs, scope, literal)
    if guessed:
        from derivlint.check.truth import _prepared

        left, right = _prepared(target, rhs, scope, literal)[3:5]  # with the note's definitions substituted
        # the letters no declaration sizes (the variable of d/dw too, whose shape its use gives)
        keys = symbols(left) | symbols(right)
        loose = sorted(k for k in keys if _undeclared(scope.facts(k)) and k not in ("I", "E", "0"))
        # "with $w$ the matrix we differentiate by": a lowercase matrix the note names as one
        named = [k for k in keys if k[:1].islower() and len(k) == 1 and _named_matrix(scope.facts(k))]
        for kinds in _alternatives(guessed, left, right, loose + named):
            if _holds_with(target, rhs, scope, literal, kinds):
                return f"false only under guessed shapes: {', '.join(guessed)}"
    return _frobenius_holds(target, rhs, scope, literal)


def _named_by_its_chain(claim, rhs, chain, scope, literal: bool) -> str | None:
    """Why a step ending in a lone letter the next step of its chain writes out (∂f/∂X = U = AᵀCᵀXBᵀ
    + CAXB) is not certainly false though the letter has a definition in scope that makes it fail
    (U = Aᵀ of an earlier proof): the chain may name its own result, and the next step, checked against
    the same head, says whether the value it writes is right."""
    if not (isinstance(rhs, Sym) and is_lone_symbol(rhs)) or scope.definition(rhs.key, literal) is None:
        return None
    after = next((c for c in chain if c.step == claim.step + 1), None)
    if after is None or after.lhs is not rhs or after.rhs is None:
        return None
    return (f"{rhs.name} is written out by the next step of this chain, which is checked in its place; "
            f"the definition of {rhs.name} in scope may be another {rhs.name}")


def _frobenius_holds(target, rhs, scope, literal: bool) -> str | None:
    """Why a claim written with A · B is not certainly false: read as the Frobenius product
    tr(AᵀB) (truth._dot_as_frobenius, beside the other readings of a sign), it holds; else None."""
    if not any(type(n) is Mul and len(n.factors) == 2 and n.ops == ["cdot"] for side in (target, rhs) if side is not None for n in side.walk()):
        return None
    from derivlint.check.truth import _dot_as_frobenius, _holds

    try:
        holds = _holds(_dot_as_frobenius(target), _dot_as_frobenius(rhs), scope, literal)
    except Exception:  # noqa: BLE001 - the other reading cannot be evaluated: not known to hold
        holds = False
    return "A · B of two matrices may be the Frobenius product tr(AᵀB), under which it holds" if holds else None


# functions of a matrix whose value is a scalar: tr(M)^{-1} is (tr M)^{-1} to some authors and
# tr(M^{-1}) to others (the Matrix Cookbook writes Tr(X+A)^{-1} for the trace of the inverse)
_MATRIX_SCALAR_FUNCS = frozenset({"tr", "Tr", "trace", "det"})


def _power_inside(node, text: str):
    """``node`` with each power written right after a matrix function's parentheses (in the
    claim's ``text``) moved into its argument (``tr(X+A)^{-1}`` → ``tr((X+A)^{-1})``; not
    ``\\left(\\operatorname{tr}(M)\\right)^{-1}``, whose parentheses say it); ``node`` when it has none."""
    from derivlint.math.tree import Func, Inverse, Pow
    from derivlint.math.treeops import rebuild

    if node is None:
        return None
    if isinstance(node, (Inverse, Pow)):
        inner = node.arg if isinstance(node, Inverse) else node.base
        if (isinstance(inner, Func) and inner.name in _MATRIX_SCALAR_FUNCS and len(inner.args) == 1
                and text[inner.end - 1 : inner.end] == ")" and text[inner.end : inner.end + 8].lstrip().startswith("^")
                and not text[inner.start : inner.end].startswith(("(", "\\left", "\\big", "\\Big", "\\bigg", "\\Bigg"))):
            arg = _power_inside(inner.args[0], text)
            moved = rebuild(node, lambda child: arg if child is inner else child)
            return rebuild(inner, lambda child: moved if child is inner.args[0] else child)
    changed = rebuild(node, lambda child: _power_inside(child, text))
    return node if all(a is b for a, b in zip(node.children(), changed.children())) else changed


def after_condition(claim, chain) -> bool:
    """Whether an earlier step of the chain sets a side to zero and an implication arrow leads
    from it to ``claim``: the claim is then a consequence of the condition (an equation)."""
    zero_step = None
    for c in sorted(chain, key=lambda c: c.step):
        if c.step >= claim.step:
            break
        if c.kind in ("equality", "derivative") and _zero_side(c.rhs):
            zero_step = c.step
        elif zero_step is not None and c.kind == "relation" and c.relation in IMPLICATIONS:
            return True
    return False


def _zero_side(node) -> bool:
    from derivlint.math.tree import Transpose

    while isinstance(node, Transpose):
        node = node.arg
    return _zero(node) or (isinstance(node, Sym) and node.name == "0")


def guessed_keys(target, rhs, scope, literal: bool) -> list[str]:
    """The symbols of ``target = rhs`` whose shape is a guess (declared nowhere in scope, or
    carried from another part of the note) and not a scalar: on them a false verdict rests."""
    from derivlint.check.truth import Undecided, _prepared

    try:
        prepared = _prepared(target, rhs, scope, literal)
    except Undecided:
        return []
    inf = prepared[-1]
    used = {k for side in (prepared[3], prepared[4]) for k in symbols(side)}
    out = []
    for key in sorted((inf.guessed | inf.unsure_keys) & used):
        shape = inf.symbols.get(key)
        if key in ("I", "E", "0") or not shape:
            continue
        if all(d.root().num == 1 for d in shape):
            continue  # a scalar: certain enough (x in d/dx of a scalar function)
        out.append(key)
    return out


def _alternatives(guessed: list[str], target, rhs, loose: list[str] = ()):
    """Plausible other readings of the guessed symbols, as key -> kind: the lowercase ones
    scalars (bold ones too: a note's vectors are sometimes scalars' tuples written in bold), the
    lowercase ones rows (the row-vector convention, z = x wᵀ), both with the uppercase kept
    matrices; and the cases swapped, the lowercase ones matrices and the uppercase ones vectors
    (d(XᵀwX)/dw = XXᵀ: a Cookbook rule with its letters renamed)."""
    lower = frozenset(k for k in guessed if k[:1].islower())
    upper = frozenset(k for k in guessed if k[:1].isupper())
    vectors = _vectors_by_use(target) | _vectors_by_use(rhs)
    entries = frozenset(k for k in guessed if _entry_or_block(k)) - vectors
    if lower - vectors or entries:
        yield dict.fromkeys((lower - vectors) | entries, "scalar")
    if lower:
        yield {**dict.fromkeys(entries, "scalar"), **dict.fromkeys(lower, "row")}
    swapped_lower = lower | frozenset(k for k in loose if k[:1].islower() and len(k) == 1)
    if swapped_lower and upper - entries:
        yield {**dict.fromkeys(swapped_lower, "matrix"), **dict.fromkeys(upper - entries, "vector")}


def _named_matrix(facts) -> bool:
    """Whether the facts of a letter call it a matrix without giving its size."""
    return facts is not None and facts.kind == "matrix" and facts.shape is None


def _undeclared(facts) -> bool:
    """Whether the facts of a letter say nothing of its shape (no declaration, kind or value)."""
    return facts is None or (facts.shape is None and facts.kind is None and not facts.declarations)


def _entry_or_block(key: str) -> bool:
    """S_{12}, Σ_{ij}, A_{i,j} undeclared: an entry (a number) of S as often as a block of it."""
    name, _, sub = key.partition("_")
    if not name[:1].isupper() or not sub:
        return False
    s = sub.strip("{}").replace(",", "").replace(" ", "")
    return len(s) == 2 and (s.isdigit() or (s.isalpha() and s.islower()))


def _vectors_by_use(node) -> set[str]:
    """Keys the expression itself makes vectors: inside a norm or an inner product, written
    transposed, or the variable of a gradient ∇_x (a plain letter so used is never a scalar)."""
    from derivlint.math.tree import Inner, Norm, Transpose

    out: set[str] = set()
    for n in node.walk():
        if isinstance(n, Transpose) and isinstance(n.arg, Sym):
            out.add(n.arg.key)
        elif isinstance(n, (Norm, Inner)):
            out |= {m.key for m in n.walk() if isinstance(m, Sym)}
        elif isinstance(n, Deriv) and n.op == "nabla":
            out |= {w.key for w in n.wrt if isinstance(w, Sym)}
    return out



# reasons of truth.Undecided for a reading whose shapes fit but whose draws fail (XᵀX singular at the
# sizes the guesses gave): such a reading may hold. Any other reason (shapes that do not fit, a
# scalar density turned into a matrix) makes the reading implausible.
UNDRAWABLE = ("is singular", "the random draws disagree")


def _holds_with(target, rhs, scope, literal: bool, kinds: dict) -> bool:
    """Whether ``target = rhs`` holds in some layout with each key of ``kinds`` of that kind
    (scalar, row, vector, matrix)."""
    from derivlint.check.truth import Scope, Undecided, decide

    other = Scope(scope.context, scope.claim)
    other.extra = dict(scope.extra)
    for key, kind in kinds.items():
        for bold in (False, True):
            other._shapes[(key, bold)] = ("kind", kind)
    scalars = frozenset(k for k, kind in kinds.items() if kind == "scalar")
    try:
        if _collapsed(target, rhs, other, literal, scalars):
            return False  # the reading makes a matrix or a vector 1×1: not a plausible one
        outcome = decide(target, rhs, other, literal)
        return bool(outcome.holds)
    except Undecided as why:
        # a reading whose shapes do not fit is no reading; one that fits but cannot be drawn (XᵀX
        # singular at the sizes the guesses gave) may well hold: the falsity is not certain
        return any(mark in str(why) for mark in UNDRAWABLE)
    except Exception:  # noqa: BLE001 - a reading that cannot be drawn is not a reading that holds
        return False


def _collapsed(target, rhs, scope, literal: bool, scalars) -> bool:
    """Whether, under the shapes ``scope`` gives, a symbol not meant to be a scalar is forced to be one."""
    from derivlint.check.truth import _prepared

    inf = _prepared(target, rhs, scope, literal)[-1]
    for key, shape in inf.symbols.items():
        if key in scalars or not shape or key in ("I", "E", "0"):
            continue
        if key[:1].isupper() and all(d.root().num == 1 for d in shape):
            return True
    return False


__all__ += ["uncertain_falsity", "after_condition", "guessed_keys"]
