"""Elementwise functions of neural-network notes: σ read as the sigmoid when the note says so, softplus, σ'."""

from __future__ import annotations

import re

import numpy as np

from derivlint.math.tree import Call, Func, Mul, Neg, Num, Sym
from derivlint.math.treeops import rebuild

# ---------------------------------------------------------------------------- data
# The words by which a note says that its σ is the logistic sigmoid (English and Chinese), read in
# the sentence that also writes σ. HEDGES make the sentence a list of possibilities ("σ is an
# activation such as the sigmoid"), OTHERS name another activation in the same sentence: σ is then
# not certainly the sigmoid.
SIGMOID_WORDS = ("sigmoid", "logistic", "s型", "s 型", "逻辑斯谛", "逻辑斯蒂", "逻辑函数")
HEDGES = ("such as", "e.g", "for example", "for instance", "any ", "some ", "arbitrary", "generic", "general",
          "例如", "比如", "任意", "或者", "之类")  # fmt: skip
OTHERS = ("tanh", "relu", "softplus", "elu", "gelu", "swish", "std", "standard deviation", "singular",
          "variance", "标准差", "奇异值", "方差")  # fmt: skip
SIGMA_WRITINGS = ("\\sigma", "σ")  # how the math of a sentence writes the letter
_SENTENCE_END = re.compile(r"(?<=[.;!?。；！？])\s+|(?<=[。；！？])|\n\s*\n")

# The letters a note may declare to be the sigmoid, and the name under which the evaluator knows
# the function and its derivative (σ'(z) = σ(z)(1 − σ(z))).
SIGMOID_LETTERS = {"sigma": "sigmoid", "sigma'": "sigmoid'"}
PARAM = "ζ_elementwise"  # the parameter of an implied definition: never a symbol of a note


def _sigmoid(a):
    return 0.5 * (1.0 + np.tanh(0.5 * a))


def _softplus(a):
    return np.logaddexp(0.0, a)


def _dsigmoid(a):
    s = _sigmoid(a)
    return s * (1.0 - s)


# (f, f') for functions applied entry by entry, beside numeric._ELEMENTWISE; f' takes (a, f(a))
EXTRA_ELEMENTWISE = {
    "softplus": (_softplus, lambda a, v: _sigmoid(a)),
    "Softplus": (_softplus, lambda a, v: _sigmoid(a)),
    "Sigmoid": (_sigmoid, lambda a, v: v * (1.0 - v)),
    "sigmoid'": (_dsigmoid, lambda a, v: v * (1.0 - 2.0 * _sigmoid(a))),
}
# for shapes.ELEMENTWISE: the value has the argument's shape (softmax of a vector, or of each row of a batch)
LOG_SOFTMAX = frozenset({"logsoftmax", "LogSoftmax", "log_softmax"})  # log softmax(z), numerically stable
NAMES = frozenset(EXTRA_ELEMENTWISE) | {"softmax", "Softmax"} | LOG_SOFTMAX


# ---------------------------------------------------------------------------- σ as the sigmoid


def says_sigmoid(text: str) -> bool:
    """Whether one sentence of prose (with its inline math) says that σ is the sigmoid: it writes
    σ and a sigmoid word, and neither hedges nor names another activation or a spread."""
    low = text.lower()
    if not any(w in text for w in SIGMA_WRITINGS):
        return False
    if not any(w in low for w in SIGMOID_WORDS):
        return False
    return not any(w in low for w in HEDGES) and not any(w in low for w in OTHERS)


def sentences(text: str) -> list[str]:
    """The sentences of a passage's text (math kept inside them)."""
    return [s for s in _SENTENCE_END.split(text) if s and s.strip()]


def note_says_sigmoid(context) -> bool:
    """Whether some sentence of the note's prose says that σ is the sigmoid (kept on the context)."""
    derived = getattr(context, "derived", None)
    memo = ("elementwise", "sigmoid")
    if derived is not None and memo in derived:
        return derived[memo][0]
    found = False
    outline = getattr(context, "outline", None)
    for passage in getattr(outline, "passages", ()) or ():
        text = passage.text
        if "igmoid" not in text and "ogistic" not in text and "型" not in text and "逻辑" not in text:
            continue
        if any(says_sigmoid(s) for s in sentences(text)):
            found = True
            break
    if derived is not None:
        derived[memo] = (found, None)
    return found


def _never_bare(key: str, claim) -> bool:
    """Whether the claim writes ``key`` only as a function applied to an argument (σ(z)), never bare
    (σ², σI: a spread or a scale, whatever the note says of the sigmoid). The definitions the claim
    reaches (a = σ(z)) apply it too: they are Calls, substituted as such."""
    facts = getattr(claim, "facts", None) or {}
    for side in (getattr(claim, "lhs", None), getattr(claim, "rhs", None), facts.get("head")):
        if side is None:
            continue
        heads = {id(n.func) for n in side.walk() if isinstance(n, Call)}
        if any(isinstance(n, Sym) and n.key == key and id(n) not in heads for n in side.walk()):
            return False
    return True


def implied_definition(key: str, scope) -> tuple | None:
    """(value, params) of σ or σ' as the sigmoid (or its derivative) applied entry by entry, when the
    note says σ is the sigmoid and the claim applies it to an argument; None otherwise."""
    name = SIGMOID_LETTERS.get(key)
    if name is None or scope.context is None:
        return None
    if not _never_bare(key, scope.claim) or not note_says_sigmoid(scope.context):
        return None
    return Func(0, 0, name, [Sym(0, 0, PARAM)]), (PARAM,)


# ---------------------------------------------------------------------------- labels of a classifier
# A cross-entropy gradient (softmax(z) − y) holds only for a label whose entries sum to one: the note
# says so in the sentence that writes the label. ONE_HOT words make it a one-hot vector, DISTRIBUTION
# words a probability vector; either is drawn as such.
ONE_HOT_WORDS = ("one-hot", "one hot", "onehot", "独热", "one-hot 编码")
DISTRIBUTION_WORDS = ("probability vector", "probability distribution", "sums to one", "sum to one", "sums to 1",
                      "sum to 1", "概率分布", "概率向量")  # fmt: skip
_MATH_SPAN = re.compile(r"\$([^$]{1,40})\$")
_MAX_GAP = 40  # characters between the label's math and the word that describes it


def _label_key(math: str) -> str | None:
    """The key of a lone symbol written as inline math (y, \\mathbf{y}, \\boldsymbol y), else None."""
    from derivlint.math.lexer import lex
    from derivlint.math.parser import sub_parse

    for mark in ("\\in ", "\\in\\", "∈"):  # y ∈ R^k: the symbol declared
        math = math.split(mark)[0]
    try:
        node = sub_parse(lex(math.strip()))
    except Exception:  # not a lone symbol: no label
        return None
    return node.key if isinstance(node, Sym) and not node.sub else None


def _labels(context) -> dict[str, str]:
    """key -> "one_hot" | "distribution" for every label the note's prose describes (kept on the context)."""
    derived = getattr(context, "derived", None)
    memo = ("elementwise", "labels")
    if derived is not None and memo in derived:
        return derived[memo][0]
    found: dict[str, str] = {}
    outline = getattr(context, "outline", None)
    for passage in getattr(outline, "passages", ()) or ():
        text = passage.text
        low = text.lower()
        if not any(w in low for w in ONE_HOT_WORDS + DISTRIBUTION_WORDS):
            continue
        for sentence in sentences(text):
            low = sentence.lower()
            for words, prop in ((ONE_HOT_WORDS, "one_hot"), (DISTRIBUTION_WORDS, "distribution")):
                hits = [low.find(w) for w in words if w in low]
                if not hits:
                    continue
                at = min(hits)
                spans = [m for m in _MATH_SPAN.finditer(sentence) if abs(m.start() - at) <= _MAX_GAP or abs(m.end() - at) <= _MAX_GAP]
                keys = {k for m in spans if (k := _label_key(m.group(1))) is not None}
                if len(keys) == 1:  # one label in reach of the word: which symbol it describes is certain
                    found.setdefault(keys.pop(), prop)
    if derived is not None:
        derived[memo] = (found, None)
    return found


def implied_props(key: str, scope) -> frozenset[str]:
    """The label property (one_hot, distribution) the note's prose gives ``key``, if any."""
    if scope.context is None:
        return frozenset()
    prop = _labels(scope.context).get(key)
    return frozenset({prop}) if prop else frozenset()


def draw_label(rng, r: int, c: int, props) -> np.ndarray | None:
    """A random one-hot or probability vector of shape (r, c) for a label (implied_props), else None."""
    if not ({"one_hot", "distribution"} & set(props)) or (r == 1) == (c == 1):
        return None
    n = r * c
    if "one_hot" in props:
        v = np.zeros(n)
        v[rng.integers(n)] = 1.0
    else:
        v = rng.uniform(0.1, 1.0, n)
        v = v / v.sum()
    return v.reshape(r, c)


# ---------------------------------------------------------------------------- ⊗ as the element-wise product
# Some notes write the element-wise product with ⊗ (others the Kronecker product): a sentence that
# writes ⊗ with one of HADAMARD_WORDS, and names no KRONECKER_WORDS, says which. A note whose prose
# anywhere ties ⊗ to the Kronecker (or tensor, outer) product keeps ⊗ undecided between the two.
HADAMARD_WORDS = ("element-wise multiplication", "elementwise multiplication", "element-wise product",
                  "elementwise product", "entrywise product", "entry-wise product", "hadamard", "逐元素", "按元素",
                  "对应元素相乘", "哈达玛")  # fmt: skip
KRONECKER_WORDS = ("kronecker", "tensor product", "outer product", "克罗内克", "克罗内克积", "张量积", "外积")
OTIMES_WRITINGS = ("\\otimes", "⊗")


def says_otimes_hadamard(text: str) -> bool | None:
    """True when one sentence (with its inline math) says ⊗ is the element-wise product, False when it
    ties ⊗ to the Kronecker (tensor, outer) product, None when it says neither."""
    if not any(w in text for w in OTIMES_WRITINGS):
        return None
    low = text.lower()
    if any(w in low for w in KRONECKER_WORDS):
        return False
    if any(w in low for w in HADAMARD_WORDS) and not any(w in low for w in HEDGES):
        return True
    return None


def note_says_otimes_hadamard(context) -> bool:
    """Whether the note's prose says ⊗ is the element-wise product, and nowhere ties it to the
    Kronecker product (kept on the context)."""
    derived = getattr(context, "derived", None)
    memo = ("elementwise", "otimes")
    if derived is not None and memo in derived:
        return derived[memo][0]
    said = set()
    outline = getattr(context, "outline", None)
    for passage in getattr(outline, "passages", ()) or ():
        text = passage.text
        if not any(w in text for w in OTIMES_WRITINGS):
            continue
        said.update(says_otimes_hadamard(s) for s in sentences(text))
    found = True in said and False not in said
    if derived is not None:
        derived[memo] = (found, None)
    return found


def otimes_as_hadamard(node, context):
    """``node`` with ⊗ written as ⊙ where the note says ⊗ is the element-wise product; ``node``
    itself when it writes no ⊗ or the note does not say so."""
    if node is None or not any(isinstance(n, Mul) and "otimes" in n.ops for n in node.walk()):
        return node
    if context is None or not note_says_otimes_hadamard(context):
        return node
    return _as_odot(node)


def _as_odot(n):
    """A copy of ``n`` with every ⊗ of a product written ⊙ (a module function: a nested one that
    calls itself would be a reference cycle, kept until the cyclic collector runs)."""
    out = rebuild(n, _as_odot)
    if isinstance(out, Mul) and "otimes" in out.ops:  # rebuild made a copy: its ops are set anew
        out.ops = ["odot" if op == "otimes" else op for op in out.ops]
    return out


# ---------------------------------------------------------------------------- readings of the evaluator

# Functions applied entry by entry, under which a juxtaposed product of two vectors of one shape
# (σ(z)(1 − σ(z))) is the element-wise product a note means, not a wrong size
_ENTRYWISE_FUNCS = frozenset("sigmoid sigmoid' softplus Softplus Sigmoid tanh exp relu ReLU log ln".split())


def entrywise_inside(nodes) -> bool:
    """Whether one of ``nodes`` applies a function entry by entry (σ, tanh, exp …)."""
    for node in nodes:
        for n in node.walk():
            if isinstance(n, Func) and n.name in _ENTRYWISE_FUNCS:
                return True
            if isinstance(n, Call) and isinstance(n.func, Sym) and n.func.key in SIGMOID_LETTERS:
                return True  # σ(z): applied entry by entry when it is the sigmoid
    return False


def side_by_side(factors, left, right, unify) -> bool:
    """Whether two vectors of one shape written side by side (σ(z)(1 − σ(z))) are under an entrywise
    function, so that the product is the element-wise one a note means (shapes and draws agree)."""
    from derivlint.check.shapes import _is_vector

    if not (_is_vector(left) and _is_vector(right)):
        return False
    if not unify([(left[0], right[0]), (left[1], right[1])]):
        return False
    return entrywise_inside(factors)


def broadcast_number(node, value: np.ndarray, other: np.ndarray) -> np.ndarray | None:
    """A written number added to a vector (1 − σ(z)) as that number in every entry; None otherwise
    (a matrix: 1 − A may mean I − A)."""
    bare = node.arg if isinstance(node, Neg) else node
    if not isinstance(bare, Num) or value.shape != (1, 1) or (other.shape[0] == 1) == (other.shape[1] == 1):
        return None
    return np.full(other.shape, value[0, 0])


# A definition f(z) = formula that is, value for value, one of these functions of a scalar is that
# function applied entry by entry (σ(z) = 1/(1 + e^{-z}) then applies to a vector z as the sigmoid).
RECOGNISED = ("sigmoid", "tanh", "softplus")
_SAMPLES = np.array([[-1.7], [-0.3], [0.45], [1.2], [2.6]])


def recognised(value, params, context=None):
    """(Func name(param), params) when the one-parameter definition ``value`` is a known elementwise
    function (RECOGNISED) at sample scalars; None otherwise. Kept on the context by the value."""
    if len(params) != 1 or value is None:
        return None
    derived = getattr(context, "derived", None)
    memo = ("elementwise", "recognised", id(value), params[0])
    if derived is not None and memo in derived:
        return derived[memo][0]
    found = None
    try:
        from derivlint.check.numeric import _ELEMENTWISE, evaluate

        got = np.array([evaluate(value, {params[0]: np.array([[x]])})[0, 0] for x in _SAMPLES[:, 0]])
        for name in RECOGNISED:
            if np.allclose(got, _ELEMENTWISE[name][0](_SAMPLES[:, 0]), rtol=1e-9, atol=1e-12):
                found = (Func(value.start, value.end, name, [Sym(0, 0, PARAM)]), (PARAM,))
                break
    except Exception:  # noqa: BLE001 - a formula the evaluator cannot compute is not recognised
        found = None
    if derived is not None:
        derived[memo] = (found, value)  # the value kept: its id stays its own
    return found


def implied(value) -> bool:
    """Whether ``value`` is an implied definition (implied_definition): an elementwise function of
    its one parameter, whose shape is its argument's."""
    return isinstance(value, Func) and len(value.args) == 1 and isinstance(value.args[0], Sym) and value.args[0].name == PARAM


__all__ = ["EXTRA_ELEMENTWISE", "otimes_as_hadamard", "says_otimes_hadamard", "recognised", "LOG_SOFTMAX", "NAMES", "broadcast_number", "entrywise_inside", "draw_label", "implied_props", "NAMES", "implied", "implied_definition", "note_says_sigmoid", "says_sigmoid", "sentences"]
