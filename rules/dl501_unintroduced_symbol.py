"""DL501: a symbol in a derivative's result that neither the differentiated expression nor the note before introduces."""

from __future__ import annotations

import bisect
import re
from typing import Iterator

from derivlint.findings import Finding
from derivlint.rule import Rule
from derivlint.math.parser import GREEK
from derivlint.math.names import FUNCTIONS
from derivlint.math.tree import Call, Deriv, Func, Mul, Opaque, Pow, Sum, Sym, Transpose
from derivlint.math.treeops import against_parenthesis

# Constants and conventional names, never a variable from nowhere: the identity, e, π, the
# Kronecker delta, big-O, and the letters used as indices and sizes (i, j, k, l, m, n, t, N, d, T).
KNOWN = frozenset({"I", "E", "0", "e", "pi", "delta", "O", "i", "j", "k", "l", "m", "n", "t", "N", "d", "T",
                   "infty", "imath", "jmath", "hbar", "emptyset", "ell"})  # fmt: skip
# A lone a / A / I in English prose followed by one of these words names a symbol ("where A is the
# loss", "a and b are"); followed by any other word it is the article or the pronoun ("A matrix", "I use").
SYMBOL_VERBS = frozenset(
    "is are was were be been being denotes denote denoted stands stand represents represent means mean "
    "has have and or with in of to as by from for equals".split()
)
_ACCENT = re.compile(r"^[A-Za-z]+\((.+)\)$")  # hat(y), bar(x), tilde(A): the letter under the accent
_PROSE_LETTER = re.compile(r"(?<![A-Za-z0-9\\])([A-Za-z])(?![A-Za-z0-9])")
_APPLIED = re.compile(r"\s*(?:\\(?:left|big|Big|bigg|Bigg)\s*)?\(")  # a letter written before "("
_LABEL = re.compile(r"\\(?:text|mbox|textrm|textit|textbf)\s*\{([^{}]*)\}")  # prose inside math
_NEXT_WORD = re.compile(r" ([a-z]{2,})\b")
# A maximal run of Latin letters that may mention a letter: a lone letter (_PROSE_LETTER when no
# digit or backslash is beside it) or a Greek name (_PROSE_GREEK when GREEK holds the run). re
# finds every such run and skips most others (every word of the prose, once looked at one by one
# in Python): a letter that starts a run, then what may follow the first letter of a Greek name,
# up to the end of the run (a few runs that are no name are found too: the loop passes them by).
_LONE_RUN = re.compile(r"[A-Za-z](?<![A-Za-z].)(?:" + "|".join(sorted({g[1:] for g in GREEK}, key=len, reverse=True))
                       + r")?(?![A-Za-z])")
_DIGITS = frozenset("0123456789")
_NOT_BEFORE_LETTER = _DIGITS | {"\\"}


class UnintroducedSymbol(Rule):
    """## What it does
    Reports a symbol on the right-hand side of a derivative (or of a step of
    a derivation) that neither the differentiated expression, nor the steps
    before it, nor a definition in scope introduces, and that nothing before the
    claim introduces: no definition or declaration (``L' = L + λ‖θ‖²``,
    ``x \\in \\mathbb{R}^n``), no prose ("where L is the loss", an inline
    ``$r_i$``), no ``\\text{}`` label, nor the rest of the claim's paragraph.
    A letter only used in another displayed formula is not introduced by it:
    that is how a slip from the formula above looks. Only a certain variable is
    reported: one Latin or Greek letter (under an accent too), never a
    function (``g'(z)``, ``f(x)``), a multi-letter name, a constant (e, π, I),
    an index or a size (i, j, k, l, m, n, t, N, d, T; a summation index) or an
    entry of an introduced matrix (``a_{ij}`` of A).

    ## Why is this bad?
    A derivative can only depend on what it differentiates. A letter the note
    has never used is almost always a copy slip from another formula: the
    note differentiates ``xᵀBx`` and answers with ``A``.

    ## Example
    ```
    \\frac{\\partial x^T B x}{\\partial x} = (A^T + A)x
    ```

    ## Use instead
    ```
    \\frac{\\partial x^T B x}{\\partial x} = (B^T + B)x
    ```
    """

    code = "DL501"
    name = "unintroduced-symbol"
    summary = "A symbol in a derivative's result that the left-hand side never introduces."

    def check(self, note) -> Iterator[Finding]:
        from derivlint.check.truth import IDENTITY_RELATIONS, Scope

        mentioned = None  # where each letter is mentioned, read when a claim first needs it
        for claim in note.claims:
            head = claim.facts.get("head")
            if claim.kind == "unparsed" or claim.rhs is None or head is None or head.num is None:
                continue
            if claim.relation not in IDENTITY_RELATIONS:
                continue  # ≈ with a step ε, ≤ with a constant L: letters of the approximation or bound
            if _power_applied(head.num, claim.block.text):
                continue  # dχ²(a)/da: χ² applied to a, defined above as a function, or χ²·a; not certain
            scope = Scope(note.context, claim)
            introduced = _names(head, scope)
            if introduced is None:
                continue
            # the step's own left side, and the chain's first (∂Q/∂v = ∂[…]/∂v = … = jNQ introduces Q)
            sides = [s for s in (claim.lhs, _chain_start(note, claim)) if s is not None and s is not head]
            more = [_names(side, scope) for side in sides]
            if any(m is None for m in more):
                continue
            for m in more:
                introduced |= m
            introduced |= _chain_indices(note, claim)
            if mentioned is None:
                mentioned = _Mentions(note)
            calls = {id(n.func) for n in claim.rhs.walk() if isinstance(n, Call)}
            primed = {id(n.arg) for n in claim.rhs.walk() if isinstance(n, Transpose) and n.mark == "prime"}
            reported = set()
            for node in claim.rhs.walk():
                if not isinstance(node, Sym) or id(node) in calls or id(node) in primed:
                    continue  # g(z), g'(z): a function; its name is not a variable
                letter = _letter(node.name)
                if letter is None or letter in KNOWN or node.name.rstrip("'") in introduced:
                    continue  # a word, a constant or an index; σ' after σ: its derivative
                if node.name in reported or _bound(claim.rhs, node.name) or _bound(claim.rhs, letter):
                    continue
                if node.sub and node.name.upper() in {n.upper() for n in introduced}:
                    continue  # a_ij: an entry of A
                if _defined(scope, node.key) or mentioned.before(letter, claim.block, claim.start):
                    continue
                if _APPLIED.match(claim.block.text, node.end):
                    continue  # g(w^T x): g applied, or g times (w^T x); not certainly a variable
                if _in_word(claim.block.text, node.start, node.end):
                    continue  # (num), (denom): a word typed in math, its letters no variables
                reported.add(node.name)
                yield self.at_block(
                    claim.block, node.start, node.end,
                    f"{node.key} appears in the result, but {_show(head)} does not contain it "
                    "and nothing before it introduces it (no definition, declaration or mention in prose)",
                )  # fmt: skip


def _in_word(text: str, start: int, end: int) -> bool:
    """Whether the letter at [start, end) is one of a run of three or more letters written together
    (``num``, ``denom``, ``cost``): a word, not a product of variables a reader would be sure of."""
    if end - start != 1:
        return False
    i, j = start, end
    while i > max(0, start - _WORD_REACH) and text[i - 1].isascii() and text[i - 1].isalpha():
        i -= 1  # no further than a command's name could reach: a run of 10,000 letters stays linear
    while j < min(len(text), end + 2) and text[j].isascii() and text[j].isalpha():
        j += 1
    # three letters or more, or an operator's name typed without its backslash ("\partial tr" is ∂ of a trace)
    return (j - i >= 3 or text[i:j] in FUNCTIONS) and (i == 0 or text[i - 1] != "\\")


_WORD_REACH = 40  # letters _in_word looks back for the backslash of a command (\varepsilon)


def _power_applied(tree, text: str) -> bool:
    """Whether ``tree`` holds a power of a letter written right against a parenthesis, χ^2(a):
    a name with a script applied to an argument, which the tree reads as a product."""
    return any(isinstance(a, Pow) and isinstance(a.base, Sym)
               for n in tree.walk() if isinstance(n, Mul) for a in against_parenthesis(n, text))


def _letter(name: str) -> str | None:
    """The one letter a symbol's name is (under an accent: hat(y) is y), or None for a word, a
    primed name or anything else that is not certainly one variable."""
    match = _ACCENT.match(name)
    while match is not None:
        name = match.group(1)
        match = _ACCENT.match(name)
    if (len(name) == 1 and name.isascii() and name.isalpha()) or name in GREEK:
        return name
    return None


_SPAN = 1 << 48  # above any offset in a note (the limit is 10 MiB): (at, offset) as at * _SPAN + offset


class _Mentions:
    """Where each letter is introduced in a note: every lone letter or Greek name in its prose
    (outside math), every letter of its inline math (part of a sentence: "let $r_i$ be the rows"),
    every symbol of a declaration or a definition (x ∈ R^n; L' = L + λ‖θ‖², both sides), and the
    letters of ``\\text{}`` labels; each with its (source index, offset), sorted for binary
    search. A letter merely used in another displayed formula (a derivative, an identity) is not
    introduced by it: the next formula that brings it in unasked is the slip."""

    def __init__(self, note):
        from derivlint.math.lexer import CMD, LETTER, LexError, _GREEK, tokenize

        # letter -> each mention's (source index, offset) as one int, at * _SPAN + offset (the same
        # order as the pair; a note dense with letters holds tens of thousands, and an int takes a
        # third of the memory of a pair of them)
        found: dict[str, list[int]] = {}
        order = {id(source): i for i, source in enumerate(note.extraction.sources)}
        self.order = order
        sources = {id(source): source for source in note.extraction.sources}
        spans: dict[int, list[tuple[int, int]]] = {}  # id(source) -> the spans of its math blocks

        def add(name: str, at: int, offset: int) -> None:
            found.setdefault(name, []).append(at * _SPAN + offset)

        for block in note.extraction.blocks:
            sources.setdefault(id(block.source), block.source)
            at = order.setdefault(id(block.source), len(order))
            spans.setdefault(id(block.source), []).append((block.start, block.end))
            labelled = False
            for match in _LABEL.finditer(block.text):  # \text{where L is the loss}
                labelled = True
                for letter in _PROSE_LETTER.finditer(match.group(1)):
                    add(letter.group(1), at, block.file_offset(match.start()))
            if block.display and not labelled:
                continue  # a display with a label ("r \; \text{(the residual)}") names its letters
            try:
                tokens = tokenize(block.text)
            except (LexError, RecursionError, ValueError):
                continue
            for token in tokens:
                if token.kind == LETTER or (token.kind == CMD and token.value in GREEK):
                    add(token.value, at, block.file_offset(token.start))
        for claim in note.claims:  # declarations and definitions, displayed too
            if claim.kind not in ("declaration", "definition"):
                continue
            at = order.setdefault(id(claim.block.source), len(order))
            offset = claim.block.file_offset(claim.start)
            for side in (claim.lhs, claim.rhs):
                for node in side.walk() if side is not None else ():
                    if isinstance(node, Sym):
                        letter = _letter(node.name)
                        if letter is not None:
                            add(letter, at, offset)
                    elif isinstance(node, Call) and isinstance(node.func, Sym):
                        letter = _letter(node.func.name)
                        if letter is not None:
                            add(letter, at, offset)
        for key, source in sources.items():
            text, at = source.text, order.setdefault(key, len(order))
            inside = sorted(spans.get(key, ()))
            starts = [a for a, _ in inside]

            def in_math(i: int) -> bool:
                j = bisect.bisect_right(starts, i) - 1
                return j >= 0 and i < inside[j][1]

            # one scan of the runs of Latin letters finds both the lone letters (_PROSE_LETTER) and
            # the Greek names (_PROSE_GREEK): each is a whole run, told apart by the run and its neighbours
            size = len(text)
            limit = note.read_limit(at, size) if hasattr(note, "read_limit") else size  # a note over its budget
            for match in _LONE_RUN.finditer(text, 0, limit):
                word, start = match.group(), match.start()
                if len(word) == 1:
                    end = start + 1
                    if (start and text[start - 1] in _NOT_BEFORE_LETTER) or (end < size and text[end] in _DIGITS):
                        continue
                    if in_math(start):
                        continue
                    if word in ("a", "A", "I"):
                        after = _NEXT_WORD.match(text, end)
                        if after is not None and after.group(1) not in SYMBOL_VERBS:
                            continue  # "A matrix", "a vector", "I use": a word, not the letter
                    add(word, at, start)
                elif word in GREEK and not in_math(start):
                    add(word, at, start)
            greek = _greek_letters(_GREEK)
            for match in greek.finditer(text, 0, limit):  # α, β … typed as characters (a scan, not a loop per character)
                i = match.start()
                if not in_math(i):
                    add(_GREEK[match.group()], at, i)
        for places in found.values():
            places.sort()
        self.found = found
        self.context = note.context

    def before(self, letter: str, block, start: int = 0) -> bool:
        """Whether ``letter`` is mentioned before the claim that starts at ``start`` in ``block``
        (earlier rows of its block, earlier blocks and prose, earlier cells or file parts), or in
        the block's passage outside the block ("… = (A + A^T)x, where A is the Hessian"), or in
        the "where" paragraph right after that passage."""
        places = self.found.get(letter)
        if not places:
            return False
        at = self.order.get(id(block.source), len(self.order))
        if places[0] < at * _SPAN + block.file_offset(start):
            return True
        passage = block.passage
        if passage is None:
            return False
        end = passage.end
        outline = getattr(self.context, "outline", None)
        k = outline.index.get(id(passage)) if outline is not None else None
        if k is not None and k + 1 < len(outline.passages) and outline.where[k + 1]:
            nxt = outline.passages[k + 1]
            if nxt.source is passage.source:
                end = nxt.end
        i = bisect.bisect_left(places, at * _SPAN + block.end)
        return i < len(places) and places[i] < at * _SPAN + end

_GREEK_CHARS: list = [None, None]  # (the lexer's table, the pattern of its characters)


def _greek_letters(table: dict) -> re.Pattern:
    """One pattern matching any single character of the lexer's Greek table, compiled once."""
    if _GREEK_CHARS[0] is not table:
        _GREEK_CHARS[0], _GREEK_CHARS[1] = table, re.compile("|".join(map(re.escape, sorted(table, key=len, reverse=True))))
    return _GREEK_CHARS[1]


def _chain_start(note, claim):
    """The first side of the claim's chain (its step 0's left side), or None."""
    chains = note.shared.get("chains")
    if chains is None:
        from derivlint.math.claims import chains_of

        chains = note.shared["chains"] = chains_of(note.claims)
    chain = chains.get((id(claim.block), claim.chain))
    return chain[0].lhs if chain else None


def _chain_indices(note, claim) -> set[str]:
    """The letters its chain uses as indices before the claim: subscripts of a derivative's
    variable (∂M_{rs}) and of entries (C_{ab}) in earlier steps of the same chain, which the
    chain itself introduces when it works entry by entry. Worked out for a whole chain at once
    (a running union over its steps), not by walking every earlier step again for each claim
    (a chain of 5,000 steps took 180 s)."""
    known = note.shared.get("chain_indices")
    if known is None:
        known = note.shared["chain_indices"] = {}
    found = known.get(id(claim))
    if found is None:
        chains = note.shared.get("chains")
        if chains is None:
            from derivlint.math.claims import chains_of

            chains = note.shared["chains"] = chains_of(note.claims)
        known.update(_indices_of_chain(chains.get((id(claim.block), claim.chain), [claim])))
        found = known.setdefault(id(claim), frozenset(_side_indices(claim.lhs)))
    return set(found)


def _indices_of_chain(chain: list) -> dict[int, frozenset[str]]:
    """For each claim of ``chain`` (by id): the index letters of both sides of every step
    before its own and of the other claims of its step, and of its own left side."""
    steps: dict[int, list] = {}
    for other in chain:
        steps.setdefault(other.step, []).append(other)
    found: dict[int, frozenset[str]] = {}
    before: set[str] = set()  # both sides of every step before the current one
    for step in sorted(steps):
        group = steps[step]
        sides = [(_side_indices(o.lhs), _side_indices(o.rhs)) for o in group]
        count: dict[str, int] = {}
        for left, right in sides:
            for ch in left | right:
                count[ch] = count.get(ch, 0) + 1
        for other, (left, right) in zip(group, sides):
            both = left | right
            others = {ch for ch, k in count.items() if k - (ch in both) > 0}
            found[id(other)] = frozenset(before | others | left)
        before |= set(count)
    return found


def _side_indices(side) -> set[str]:
    """The index letters one side writes: subscripts of a derivative's variable and of entries."""
    letters: set[str] = set()
    for n in side.walk() if side is not None else ():
        if isinstance(n, Deriv):
            letters |= {ch for w in n.wrt if isinstance(w, Sym) and w.sub for ch in w.sub if ch.isalpha()}
        elif isinstance(n, Sym) and n.sub and len(n.sub) <= 3:
            letters |= {ch for ch in n.sub if ch.isalpha()}
    return letters


def _show(node) -> str:
    from derivlint.math.tree import render

    return render(node)


_last_indices: list = [None, frozenset()]  # (tree, its summation indices): asked once per symbol of one side


def _bound(tree, name: str) -> bool:
    """Whether a sum in ``tree`` binds ``name``; the tree is walked once, not once per symbol
    (a side of 5,000 symbols was walked 5,000 times)."""
    if _last_indices[0] is not tree:
        _last_indices[0] = tree
        bound = {n.index for n in tree.walk() if isinstance(n, Sum)}
        for n in tree.walk():  # lim_{s → 0}, max_{y ∈ Y}: the variable the operator's condition binds
            if isinstance(n, Deriv):  # ∂(Rp)/∂φ, ∂L/∂z ∂z/∂w: a derivative names the variable it moves
                bound.update(w.name for w in n.wrt if isinstance(w, Sym))
            elif isinstance(n, Func) and isinstance(n.sub, Opaque) and n.sub.parts and isinstance(n.sub.parts[0], Sym):
                bound.add(n.sub.parts[0].name)
            elif isinstance(n, Func) and isinstance(n.sub, Sym):  # max_y f(y)
                bound.add(n.sub.name)
            elif isinstance(n, Opaque) and n.op == "bar":  # \left. ∂g(y)/∂y \right|_{y=f(x)}: the bar binds y
                for part in n.parts[1:]:
                    for rel in part.walk():
                        if isinstance(rel, Opaque) and rel.op == "=" and rel.parts and isinstance(rel.parts[0], Sym):
                            bound.add(rel.parts[0].name)
        _last_indices[1] = frozenset(bound)
    return name in _last_indices[1]


def _defined(scope, key: str) -> bool:
    f = scope.facts(key)
    return f is not None and f.value is not None


def _names(tree, scope) -> set[str] | None:
    """Base names the tree introduces, through definitions; None if it uses
    something opaque (an undefined function) so that anything may follow."""
    if isinstance(tree, Deriv) and isinstance(tree.num, (Sym, Call)):
        return None  # ∂J/∂w: J's definition, if any, may not be the one meant (as for DL301)
    names: set[str] = set()
    if isinstance(tree, Deriv):  # ∂/∂X_ij introduces the indices i and j
        names |= {ch for w in tree.wrt if isinstance(w, Sym) and w.sub for ch in w.sub if ch.isalpha()}
    todo = [tree]
    seen = set()
    while todo:
        node = todo.pop()
        for n in node.walk():
            if isinstance(n, Opaque):
                return None  # p(x | θ), LL(D_l ∪ D_u): a function of something derivlint does not expand
            if isinstance(n, Call):
                if not isinstance(n.func, Sym):
                    return None
                f = scope.facts(n.func.key)
                if f is None or f.value is None:
                    return None
                if n.func.key not in seen:
                    seen.add(n.func.key)
                    todo.append(f.value)
                names.add(n.func.name)
            elif isinstance(n, Sym):
                names.add(n.name)
                f = scope.facts(n.key)
                if f is not None and f.value is not None and n.key not in seen:
                    seen.add(n.key)
                    todo.append(f.value)
                elif isinstance(tree, Deriv) and n is tree.num:
                    return None  # ∂f/∂x with f never defined
    if isinstance(tree, Deriv) and tree.num is not None and not _reaches(tree.num, tree.wrt, scope):
        return None  # ∇ₓ(zᵀz) with no x in it: z depends on x in a way the note does not write here
    return names


def _reaches(num, wrt, scope) -> bool:
    """Whether the differentiated expression holds a variable it is differentiated by, itself or
    through the definitions of its symbols."""
    wanted = {w.name for w in wrt if isinstance(w, Sym)}
    if not wanted:
        return True
    todo, seen = [num], set()
    while todo:
        for n in todo.pop().walk():
            if isinstance(n, Sym):
                if n.name in wanted:
                    return True
                f = scope.facts(n.key)
                if f is not None and f.value is not None and n.key not in seen:
                    seen.add(n.key)
                    todo.append(f.value)
    return False
