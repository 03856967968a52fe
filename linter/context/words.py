"""The words prose declares symbols and states assumptions with, English and Chinese, in one place.

Each list is data: the readers' patterns (prose) and the quick gates that decide whether a text is
worth reading at all (prose, core) are all made from these lists, so a word added here is found by
every gate and every pattern that should see it (tests/test_words.py checks that each gate finds
every word). Entries are regex pieces: ``skew[- ]symmetric`` is spelt with a hyphen or a space.
"""

from __future__ import annotations

import re

VERBS_EN = ("is", "are", "be")
# what a matrix must be is what the note assumes of it ("Q and R must both be positive definite"); not
# "may be" or "can be", which say what it might be
MODALS_EN = ("must", "should", "shall", r"ha(?:s|ve)\s+to", r"needs?\s+to")
ADVERBS_BEFORE_VERB_ZH = ("都", "均", "也", "则", "就", "亦", "皆", "一定", "必须", "必然", "应当", "应该", "需要", "总", "分别", "即")  # "都是", "必须是", "应当为": adverbs and modals before 是/为
VERBS_ZH = ("是", "为")
# Japanese notes use the same ideographs for the properties (対称 folds to 对称, linter/chinese.py); their
# words for a matrix and a vector, and the particles that stand where Chinese has a verb ("$A$ は対称行列
# である", "$A$ が対称行列の場合"), are read with the Chinese ones
VERBS_JA = ("は", "が")
NOUNS_JA = ("行列(?!式)", "ベクトル", "スカラー")  # 行列式 is a determinant (in Chinese too)
TERMS_JA = ("である", "です", "とする", "とします", "の場合", "のとき", "とき", "に対", "について")

# what a symbol is: the nouns of "A is a matrix", "a vector $x$", "A 是矩阵", "矩阵 A"
KIND_NOUNS_EN = (r"matri(?:x|ces)", r"vectors?", r"scalars?")
KIND_NOUNS_ZH = ("列向量", "行向量", "向量", "方阵", "对称阵", "对角阵", "单位阵", "正交阵", "矩阵", "标量", "纯量", "实数",
                 "常数", "常量") + NOUNS_JA  # fmt: skip

# nouns that may qualify the noun after them ("常数列向量", a constant column vector) and words
# that may follow a noun ("列向量变量", a column-vector variable)
MODIFIER_NOUNS_ZH = ("常数", "常量", "实数")
NOUN_SUFFIXES_ZH = ("变量",)

# nouns that name a symmetric matrix: "the covariance $Σ$", "H is the Hessian", "the Gram matrix K";
# the first stand alone, the others only before "matrix" (a "precision" alone is no matrix)
SYMMETRIC_NOUNS_ALONE = ("covariance", "hessian", "laplacian")
SYMMETRIC_NOUNS_BEFORE_MATRIX = ("gram", "precision", "kernel")
SYMMETRIC_NOUNS = SYMMETRIC_NOUNS_ALONE + SYMMETRIC_NOUNS_BEFORE_MATRIX
SYMMETRIC_NOUNS_ZH = ("海森", "黑塞", r"[Hh]essian\s*", "协方差")  # read as adjectives: "协方差矩阵 Σ"

# nouns that name the symbols written right after them as covariances, so symmetric: "with covariance
# $P$", "covariance matrices $P$ and $R$", "协方差为 $P$ 和 $R$", "方差分别为 $Q$、$R$" (a vector's 方差
# is its covariance matrix in many Chinese notes; a scalar's variance is symmetric all the same)
COVARIANCE_NOUNS_EN = ("covariance",)
COVARIANCE_NOUNS_ZH = ("协方差", "方差")
# ... and the symbols written before one, with the words between: "Σ is the covariance of x", "R the
# measurement noise covariance", "S denotes the sample covariance matrix", "Σ, the covariance of x,":
# the verbs and articles that may stand between, and the words that, between the article and the noun,
# say it is no covariance of the symbol ("x is independent of the covariance", "C the cross covariance")
COVARIANCE_NAMING_VERBS_EN = ("is", "are", "be", "was", "were", "denotes?", "represents?", r"stands\s+for", r"will\s+be")
COVARIANCE_ARTICLES_EN = ("the", "a", "an", "its", "their", "our")
COVARIANCE_BREAKERS_EN = ("of", "not", "no", "never", "to", "from", "than", "and", "or", "with", "by", "in", "on", "for",
                          "is", "are", "the", "a", "an", "cross", "whose", "which", "that", "where", "has", "have", "having")  # fmt: skip
# the Chinese of it: "$\\Sigma$ 为协方差矩阵", "$R$ 是观测噪声的协方差", "$H$ 是 $f$ 的海森矩阵" (the verbs, the
# nouns of a symmetric matrix said after its symbol, and what makes the noun no such matrix: 互协方差, cross)
NAMING_VERBS_ZH = ("为", "是", "表示", "代表", "记为", "记作", "指")
SYMMETRIC_NAMED_AFTER_ZH = ("协方差(?:矩阵|阵)?", "方差矩阵", "海森(?:矩阵|阵)", "黑塞(?:矩阵|阵)", r"[Hh]essian\s*(?:矩阵|阵)",
                            "核矩阵", r"[Gg]ram\s*(?:矩阵|阵)", "二次型的?矩阵")  # fmt: skip  # 二次型的矩阵: taken symmetric
COVARIANCE_BREAKERS_ZH = ("互", "交叉", "不", "非")
COVARIANCE_NOT_A_MATRIX_EN = ("function", "functions", "kernel", "kernels", "operator")  # "k is the covariance function"

# nouns that name a matrix made from another ("$C$ is the cofactor matrix of $X$", "$A^*$ 为 $A$ 的伴随矩阵"): a
# value the note gives in words only, which no check computes
DERIVED_MATRIX_NOUNS_EN = ("cofactor", "adjugate", "adjoint", "adjunct", "comatrix")
DERIVED_MATRIX_NOUNS_ZH = ("伴随", "余子式")

# properties a matrix is said to have (their meaning: prose.EN_PROPS, prose.CN_PROPS)
# ("orthogonal projection" before "orthogonal": the longer first; a bare "projection matrix" is PCA's d×k
# W with orthonormal columns in one note and the hat matrix in another: prose.EN_PROPS)
PROPERTIES_EN = (r"skew[- ]symmetric", r"anti-?symmetric", r"symmetric(?:ally|al)?", "invertible", "nonsingular", "non-singular",
                 r"positive[- ]definite", r"positive[- ]semi-?definite", r"orthogonal[- ]projection",
                 r"orthogonal[- ]projector", "orthogonal", "orthonormal", "rotation", "diagonal", r"upper[- ]triangular", r"lower[- ]triangular", "triangular", "[Hh]ermitian",
                 "self-adjoint", "SPD", "PSD", "idempotent", "projection", "projector")  # fmt: skip
PROPERTIES_ZH = ("半正定", "正定", "反对称", "对称", "可逆", "非奇异", "标准正交", "正交投影", "正交", "旋转", "对角", "上三角", "下三角", "三角", "厄米", "埃尔米特",
                 "[Hh]ermitian", "幂等", "投影")  # fmt: skip
# Korean: the properties a note says of a matrix (대칭행렬 A, A는 양의 정부호 행렬이다); prose.KO_PROPS
# maps each to its property (the longer words first: 반대칭 holds 대칭, 준정부호 holds 정부호)
PROPERTIES_KO = ("반대칭", "준정부호", "정부호", "양정치", "대칭", "가역", "정칙", "직교", "대각", "삼각", "정사각", "정방",
                 "멱등", "에르미트")  # fmt: skip
# other adjectives said of a symbol beside its properties ("a square real matrix", "a fixed vector")
OTHER_ADJECTIVES_EN = ("square", "real", "constant", "column", "row", "fixed", "arbitrary", "given", "random", "unit",
                       "non-negative", "nonnegative", "sparse", "low-rank", "full-rank")
UNIT_EN = r"unit[- ](?:norm|length)"  # "x is unit-norm": a property after its subject

# the stems a property is found by, whatever its form ("symmetry", "nonsingular", "semi-definite")
PROPERTY_STEMS_EN = ("symmetr", "invertible", "singular", "definite", "orthogonal", "orthonormal", "rotation", "diagonal",
                     "triangular", "hermitian", "self-adjoint", "unit", "spd", "psd", "idempotent", "projection", "projector")  # fmt: skip

# words of statements on layout and shape ("numerator layout", "the same shape as", "布局", "同型")
LAYOUT_WORDS_EN = ("layout", "formulation", "shape", "size")
LAYOUT_WORDS_ZH = ("布局", "形状", "维度", "大小", "尺寸", "同型", "同形")
RESULT_ZH = ("结果",)  # "结果是一个标量": a statement about the display before


def either_case(word: str) -> str:
    """A regex piece for ``word`` with its first letter in either case ("[Hh]essian")."""
    return f"[{word[0].upper()}{word[0]}]{word[1:]}"


def alternation(pieces) -> str:
    """A non-capturing group of the regex ``pieces``, in their order (the longer first where one
    begins another, as the lists are written)."""
    return "(?:" + "|".join(pieces) + ")"


def word_start_gate(words, flags: int = re.I) -> re.Pattern:
    """A pattern finding any of the plain ``words`` at the start of a word, written to begin with the
    class of the words' first letters so that re skips every other character (in C) instead of trying
    the whole pattern there: the first letter is a word character, so "no word character before the
    word" is ``(?<!\\w.)`` after it, and each lookbehind picks the words it begins."""
    firsts = "".join(sorted({w[0] for w in words}))
    # the words grouped by their first letter (one lookbehind per letter, not per word: a third less
    # time), each group where its first word stood and its words in their order; a letter that
    # re.I takes for one letter is never taken for another, so each place tries one group, and
    # the match is the one the words one by one would give
    fold = str.lower if flags & re.I else str
    groups: dict[str, list[str]] = {}
    for w in words:
        groups.setdefault(fold(w[0]), []).append(w)
    alts = "|".join(f"(?<={re.escape(group[0][0])})(?:{'|'.join(re.escape(w[1:]) for w in group)})"
                    for group in groups.values())
    return re.compile(f"[{re.escape(firsts)}](?<!\\w.)(?:{alts})", flags)


def _plain(piece: str) -> str:
    """The literal stem a regex piece of these lists starts with (its letters up to the first
    regex syntax, a letter of either case taken small): what a quick gate looks for."""
    piece = re.sub(r"^\[([A-Z])([a-z])\]", r"\2", piece)  # "[Hh]ermitian": either case
    return re.split(r".\?|[\\\[(*+|{]", piece, maxsplit=1)[0]


# ---- the gates: a text that holds none of these words holds nothing a reader would read --------
# Chinese: the verbs, the nouns, the properties (each hint made of CJK ideographs: a text with one is Chinese)
ZH_HINT = re.compile("|".join(VERBS_ZH + tuple(n for n in KIND_NOUNS_ZH if n not in NOUNS_JA) + ("行列",)
                              + tuple(p for p in PROPERTIES_ZH + SYMMETRIC_NOUNS_ZH if not p.isascii())))  # 行列: Japanese
# English: a verb or a noun (PRED_EN needs one), with \b on each side
EN_HINT = re.compile(r"\b(?:" + "|".join(VERBS_EN + KIND_NOUNS_EN + tuple(either_case(w) + "s?" for w in SYMMETRIC_NOUNS))
                     + r")\b")
EN_HINT_WORDS = re.compile("|".join(VERBS_EN + tuple(_plain(n) for n in KIND_NOUNS_EN)
                                    + tuple(map(either_case, SYMMETRIC_NOUNS))))  # found fast
NOUN_HINT_EN = re.compile("|".join(tuple(_plain(n) for n in KIND_NOUNS_EN) + SYMMETRIC_NOUNS), re.I)
# an assumption: a property word in any form, either language
ASSUMPTION_HINTS = re.compile("|".join(PROPERTY_STEMS_EN + tuple(p for p in PROPERTIES_ZH if not p.isascii()) + PROPERTIES_KO), re.I)
# a passage with no math is read only when it holds one of the words of a declaration, an
# assumption or a layout statement
TRIGGERS_ZH = re.compile("|".join(dict.fromkeys(ZH_HINT.pattern.split("|") + list(LAYOUT_WORDS_ZH + RESULT_ZH))))
TRIGGERS_EN = word_start_gate(tuple(dict.fromkeys(
    VERBS_EN + tuple(_plain(n) for n in KIND_NOUNS_EN) + SYMMETRIC_NOUNS + LAYOUT_WORDS_EN + PROPERTY_STEMS_EN
    + tuple(_plain(p).lower() for p in PROPERTIES_EN))))  # "nonsingular", "antisymmetric": no stem starts them
