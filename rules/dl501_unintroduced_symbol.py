"""DL501: a symbol in a derivative's result that the differentiated expression never introduces."""

from __future__ import annotations

from typing import Iterator

from derivlint.findings import Finding
from derivlint.rule import Rule
from derivlint.math.tree import Call, Deriv, Sum, Sym

KNOWN = frozenset({"I", "E", "0", "e", "pi", "n", "m", "N", "d", "k", "delta", "T", "O"})


class UnintroducedSymbol(Rule):
    """## What it does
    Reports a symbol on the right-hand side of a derivative (or of a step of
    a derivation) that neither the differentiated expression, nor the steps
    before it, nor a definition in scope introduces.

    ## Why is this bad?
    A derivative can only depend on what it differentiates. A new symbol is
    almost always a copy slip from another formula: the note differentiates
    ``xᵀBx`` and answers with ``A``.

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
        from derivlint.check.truth import Scope

        mentioned = None  # read from the note's inline math when a claim first needs it
        for claim in note.claims:
            head = claim.facts.get("head")
            if claim.kind == "unparsed" or claim.rhs is None or head is None or head.num is None:
                continue
            scope = Scope(note.context, claim)
            introduced = _names(head, scope)
            if introduced is None:
                continue
            if claim.lhs is not None and claim.lhs is not head:
                more = _names(claim.lhs, scope)
                if more is None:
                    continue
                introduced |= more
            if mentioned is None:
                mentioned = _first_mentions(note)
            before = claim.block.start
            reported = set()
            for node in claim.rhs.walk():
                if not isinstance(node, Sym) or node.name.rstrip("'") in introduced or node.name in KNOWN:
                    continue  # σ' after σ: its derivative
                said = mentioned.get(node.name, before) < before  # named in prose before the claim
                if node.name in reported or said or _bound(claim.rhs, node.name):
                    continue
                if node.sub and node.name.upper() in {n.upper() for n in introduced}:
                    continue  # a_ij: an entry of A
                if _defined(scope, node.key):
                    continue
                reported.add(node.name)
                yield self.at_block(
                    claim.block, node.start, node.end,
                    f"{node.key} appears in the result, but {_show(head)} does not contain it "
                    "and no definition in scope introduces it",
                )  # fmt: skip


def _first_mentions(note) -> dict[str, int]:
    """Letters named in inline math inside prose ("let $r_i$ be the rows of $A$"), each
    with the smallest start of a block naming it: the note introduces them in words."""
    from derivlint.math.lexer import LETTER, tokenize

    out: dict[str, int] = {}
    for block in note.extraction.blocks:
        if block.display:
            continue
        for token in tokenize(block.text):
            if token.kind == LETTER and block.start < out.get(token.value, block.start + 1):
                out[token.value] = block.start
    return out


def _show(node) -> str:
    from derivlint.math.tree import render

    return render(node)


def _bound(tree, name: str) -> bool:
    return any(isinstance(n, Sum) and n.index == name for n in tree.walk())


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
    return names
