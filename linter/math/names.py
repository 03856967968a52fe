"""Names and notations as data: operator words, multi-letter names, index letters (one place)."""

from __future__ import annotations

# Functions written as commands (\det) or as words (\operatorname{tr}, tr(…), ln x, logX)
FUNCTIONS = frozenset(
    "tr Tr trace det exp ln log lg sin cos tan cot sec csc sinh cosh tanh arcsin "
    "arccos arctan sqrt diag Diag vec rank sign sgn softmax sigmoid relu ReLU softplus Softplus logsoftmax "
    "adj etr logdet max min argmax argmin arg sup inf lim dim ker Pr var Var cov Cov "
    "E mean abs erf grad".split()
)

# Words that notes write bare (no \text, no backslash) as the name of one quantity: a loss,
# an error sum, a label. Such a word is one opaque symbol, never a product of its letters.
# LOSS_WORDS name a scalar by convention (a loss, a cost, an error sum).
LOSS_WORDS = frozenset(
    "cost loss Loss Cost error Error risk Risk CE BCE NLL MSE MAE RMSE SSE SSR SST RSS TSS ESS "
    "KL ELBO obj objective".split()
)
NAME_WORDS = LOSS_WORDS | frozenset(
    "label Label pred target output input hidden logit logits score prob reg penalty "
    "train test val out Out".split()
)

# Two-letter heads of the words above: the parser looks for a word only when a letter run
# begins with one of these (a plain product such as xy never does).
WORD_HEADS = frozenset(w[:2] for w in FUNCTIONS | NAME_WORDS if len(w) > 1)

# Operator words that may be glued to a one-letter (or capital) argument: logX, lnx, detA, trAB
GLUED_OPERATORS = tuple(sorted((f for f in FUNCTIONS if len(f) > 1 and f.islower()), key=len, reverse=True))

# Letters that, written right against a bracket, are a function applied to it (g(θᵀx),
# σ(Wx + b)), not a factor: a product with them is implausible
APPLIED_LETTERS = frozenset({"f", "g", "sigma", "phi", "varphi", "psi"})

# Labels stacked over = that make it a definition: \overset{\text{def}}{=}, \stackrel{\Delta}{=}
DEFINITION_LABELS = frozenset({"def", "defn", "delta", "triangle", "△", "Δ", "定义", "def:"})

# Words by which a note says that its * is a convolution, not the matrix product (read in the
# note's text before the claim). The element-wise reading of * needs no word: the check tries it.
STAR_WORDS = ("convolution", "convolve", "cross-correlation", "卷积")

# Letters that serve as indices in A_{kl}, x_i, δ_{ij}, (AB)_{ij}, x_t
INDEX_LETTERS = frozenset("ijklmnpqrstuv")


def glued_operator(word: str) -> str | None:
    """The operator a letter run starts with when the rest is its argument (logX -> log,
    detAB -> det, lnx -> ln), or None (cost, train, xy)."""
    if word in NAME_WORDS or word in FUNCTIONS:
        return None
    for op in GLUED_OPERATORS:
        if word.startswith(op):
            rest = word[len(op) :]
            if len(rest) == 1 or (rest[:1].isupper() and rest.isalpha()):
                return op
            return None
    return None


def is_index_subscript(sub: str | None) -> bool:
    """A subscript made of index letters (i, ij, k,l, t): an entry or a free index."""
    if not sub:
        return False
    s = sub.strip("{}").replace(",", "").replace(" ", "")
    return 0 < len(s) <= 3 and all(c in INDEX_LETTERS for c in s)


__all__ = [
    "APPLIED_LETTERS", "DEFINITION_LABELS", "STAR_WORDS", "FUNCTIONS", "LOSS_WORDS", "NAME_WORDS", "WORD_HEADS", "GLUED_OPERATORS", "INDEX_LETTERS",
    "glued_operator", "is_index_subscript",
]  # fmt: skip
