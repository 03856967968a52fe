"""DL301: a derivative that holds in no layout."""

from __future__ import annotations

from typing import Iterator

from derivlint.findings import Finding, Fix
from derivlint.rule import Rule
from derivlint.math.tree import Deriv


def first_failures(note, want_literal: bool, want_head: bool):
    """Claims that hold in no layout, only the first failing step of each chain.

    ``want_head``: claims that are the derivative itself (step 0 with a
    derivative on the left), else the steps of chains and plain equalities.
    """
    previous_false: set = set()
    implicit: set = set()  # chains about ∂f/∂x with f defined elsewhere
    held: set = set()  # chains with a step that holds
    for claim in note.claims:
        outcome = claim.facts.get("outcome")
        chain_key = (id(claim.block), claim.chain)
        if claim.step == 0 and isinstance(claim.lhs, Deriv) and _implicit(claim.lhs):
            implicit.add(chain_key)
        if outcome is not None and outcome.holds:
            held.add(chain_key)
        if outcome is None or outcome.holds is None or outcome.holds:
            continue
        if chain_key in implicit and chain_key not in held and not want_literal:
            previous_false.add(chain_key)  # f may be another f than the one meant: nothing to compare with
            continue
        if outcome.literal != want_literal:
            previous_false.add(chain_key)
            continue
        is_head = claim.step == 0 and isinstance(claim.lhs, Deriv)
        if is_head and not want_literal and _implicit(claim.lhs):
            continue  # ∂f/∂x with f defined elsewhere: the definition may not be the one meant
        if chain_key in previous_false:
            continue
        previous_false.add(chain_key)
        if want_literal or is_head == want_head:
            yield claim


def replace_rhs(claim, title: str, text: str) -> Fix:
    """A fix that replaces the claim's right-hand side (source offsets) by ``text``."""
    block = claim.block
    start, end = claim.rhs.start, claim.rhs.end
    return Fix(title, text, block.file_offset(start), block.file_offset(end - 1) + 1)


def fix_for(claim, note, title: str):
    """The verified right-hand side in the note's layout as a fix, and that layout."""
    from derivlint.check.fixes import fix_applicability
    from derivlint.check.truth import correction

    layout = claim.facts.get("note_layout") or "denominator"
    text = correction(claim, note.context, layout)
    if text is None:
        return None, layout
    fix = replace_rhs(claim, title.format(text=text, layout=layout), text)
    return (fix if fix_applicability(claim, note) == "safe" else fix.unsafe()), layout


class WrongDerivative(Rule):
    """## What it does
    Checks a derivative claim numerically: random values that respect the
    declared shapes and assumptions, the exact Jacobian, compared with the
    right-hand side in the numerator and the denominator layout. Reports the
    claim when it holds in neither, and offers a right-hand side that holds
    in the note's layout when a small edit of the claimed one does.

    ## Why is this bad?
    The formula is false whatever convention the reader assumes; anyone who
    uses it gets wrong gradients.

    ## Example
    ```
    \\frac{\\partial x^T A x}{\\partial x} = 2Ax
    ```

    ## Use instead
    ```
    \\frac{\\partial x^T A x}{\\partial x} = (A + A^T)x   % or 2Ax when A is symmetric
    ```
    """

    code = "DL301"
    name = "wrong-derivative"
    summary = "A derivative that holds in no layout."
    fixable = True

    def check(self, note) -> Iterator[Finding]:
        for claim in first_failures(note, want_literal=False, want_head=True):
            fix, layout = fix_for(claim, note, "replace with {text}")
            message = f"{claim.text.strip()} holds in no layout"
            if fix is not None:
                message += f"; in the {layout} layout the right-hand side is {fix.text}"
            yield self.at_block(claim.block, claim.start, claim.end, message, fix)


def _implicit(deriv) -> bool:
    """A derivative whose numerator is only a name (f, L(w)): defined elsewhere."""
    from derivlint.math.tree import Call, Sym

    return isinstance(deriv.num, (Sym, Call))
