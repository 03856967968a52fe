"""The context stage: declarations in math and prose (English and Chinese), statements,
layouts, scoping and assumptions, checked on small notes, the seeds and the corpus."""

from __future__ import annotations

import glob
import os
import time

import pytest

from derivlint.math.claims import claims_of
from derivlint.context import build_context, expression_of
from derivlint.extract import extract
from derivlint.math.tree import Matrix, render

from shared_data import CORPUS, SEEDS, needs_corpus, needs_seeds


def build(text: str, path: str = "note.md"):
    extraction = extract(path, text)
    macros = dict(extraction.macros)
    claims = [c for block in extraction.blocks for c in claims_of(block, macros)]
    return build_context(extraction, claims, macros), claims


def decls(ctx, key: str, origin: str | None = None):
    return [d for d in ctx.declarations if d.key == key and (origin is None or d.origin == origin)]


def one(ctx, key: str, origin: str | None = None):
    found = decls(ctx, key, origin)
    assert len(found) == 1, [d.describe() for d in ctx.declarations]
    return found[0]


def claim_at(claims, line: int, kind: str = "derivative"):
    found = [c for c in claims if c.position()[0] == line and c.kind == kind]
    assert found, [(c.position()[0], c.kind, c.parsed) for c in claims]
    return found[0]




def seed(prefix: str):
    path = glob.glob(os.path.join(SEEDS, prefix + "*"))[0]
    with open(path, encoding="utf-8") as f:
        return build(f.read(), path)


# ---------------------------------------------------------------------------
# math


@pytest.mark.parametrize(
    "math, key, shape, props",
    [
        (r"x \in \mathbb{R}^n", "x", ("n", 1), set()),
        (r"A \in \mathbb{R}^{m \times n}", "A", ("m", "n"), set()),
        (r"x \in \mathbb{R}^{n\times 1}", "x", ("n", 1), set()),
        (r"u \in \mathbb{R}^{1\times n}", "u", (1, "n"), set()),
        (r"c \in \mathbb{R}", "c", (1, 1), set()),
        (r"A\in R^{n\times n}", "A", ("n", "n"), {"square"}),
        (r"A \in \mathbb{R}^{\color{red}{n\times m}}", "A", ("n", "m"), set()),
        (r"K \in \mathbb{R}^{mn \times (n+1)}", "K", ("mn", "n+1"), set()),
        (r"S \in \mathbb{S}^n", "S", ("n", "n"), {"symmetric", "square"}),
        (r"P \in \mathbb{S}^n_{++}", "P", ("n", "n"), {"symmetric", "square", "positive_definite"}),
        (r"Q \in \mathbb{S}_{+}^n", "Q", ("n", "n"), {"symmetric", "square", "positive_semidefinite"}),
        (r"\mathbf{W} \in \mathbb{R}^{3 \times 2}", "W", (3, 2), set()),
    ],
)
def test_math_membership(math, key, shape, props):
    ctx, _ = build(f"Let ${math}$.\n")
    d = one(ctx, key)
    assert d.shape == shape and set(d.props) == props and d.origin == "math"


def test_tuple_declaration_declares_each():
    ctx, _ = build(r"Here $X, Y \in \mathbb{R}^{m\times n}$." + "\n")
    assert one(ctx, "X").shape == ("m", "n") and one(ctx, "Y").shape == ("m", "n")


@pytest.mark.parametrize(
    "math, key, props",
    [
        (r"A = A^T", "A", {"symmetric"}),
        (r"A^\top = A", "A", {"symmetric"}),
        (r"Q^T Q = I", "Q", {"orthogonal"}),
        (r"Q Q^\top = I", "Q", {"orthogonal"}),
        (r"\Sigma \succ 0", "Sigma", {"positive_definite"}),
        (r"\lambda > 0", "lambda", {"positive"}),
        (r"0 < \eta", "eta", {"positive"}),
    ],
)
def test_math_properties(math, key, props):
    ctx, _ = build(f"Take ${math}$.\n")
    d = one(ctx, key)
    assert props <= d.props


def test_positive_scalar_and_not_for_a_bound():
    ctx, _ = build(r"Take $\lambda > 0$ and $x < 5$." + "\n")
    assert one(ctx, "lambda").shape == (1, 1)
    assert decls(ctx, "x") == []


def test_mapping_gives_codomain_and_domain():
    ctx, _ = build(r"设 $f: \mathbb{R}^n \rightarrow \mathbb{R}$，定义为：" + "\n")
    d = one(ctx, "f")
    assert d.shape == (1, 1) and d.domain == ("n", 1)


def test_derivative_shape_declaration():
    ctx, _ = build(r"$$\frac{\partial \mathbf{y}}{\partial \mathbf{x}} \in \mathbb{R}^{m \times n}$$" + "\n")
    d = [d for d in ctx.declarations if d.key.startswith("∂")][0]
    assert d.key == "∂(y)/∂x" and d.shape == ("m", "n") and d.origin == "math"


def test_chain_ending_in_a_space_declares_its_names():
    text = "设：\n$$\n\\mathbf{y}(t) = \\begin{bmatrix} y_1(t) \\\\ y_2(t) \\end{bmatrix} \\in \\mathbb{R}^n\n$$\n"
    ctx, _ = build(text)
    assert [d.shape for d in decls(ctx, "y", "math")] == [("n", 1)]
    value = one(ctx, "y", "value")
    assert isinstance(value.value, Matrix) and value.params == ("t",) and value.shape == (2, 1)


# ---------------------------------------------------------------------------
# definitions and values


def test_definitions():
    text = (
        r"Let $f = \operatorname{tr}(AX)$ and $L(w) = \|y - Xw\|^2$ with $e = y - Xw$." + "\n\n"
        r"$$\frac{\partial f}{\partial X} = A^T$$" + "\n"
    )
    ctx, claims = build(text)
    f = one(ctx, "f")
    assert f.origin == "definition" and render(f.value) == "tr(A X)"
    L = one(ctx, "L")
    assert L.params == ("w",) and render(L.value) == "‖y - X w‖^2"
    assert render(one(ctx, "e").value) == "y - X w"
    assert ctx.facts("f", claims[-1]).value is f.value


def test_definitions_inside_math_with_chinese_prose():
    ctx, _ = build("$$\n\\begin{array}{c}\n令e(w) = y-X*w,则L(e) = e^Te\n\\end{array}\n$$\n")
    assert one(ctx, "e").params == ("w",) and render(one(ctx, "e").value) == "y - X * w"
    assert one(ctx, "L").params == ("e",) and render(one(ctx, "L").value) == "e^T e"


def test_update_rules_and_solutions_are_not_definitions():
    text = (
        r"$$w = w - \eta \nabla L$$" + "\n\n" + r"$$\frac{\partial L}{\partial w} = 2X^T(Xw - y)$$" + "\n\n"
        r"$$w = (X^T X)^{-1} X^T y$$" + "\n"
    )
    ctx, _ = build(text)
    assert decls(ctx, "w") == []


def test_values_and_their_shapes():
    text = r"若 \( A = \begin{bmatrix} 1 & 2 \\ 3 & 4 \end{bmatrix}, X = \begin{bmatrix} x_1 \\ x_2 \end{bmatrix} \)，则：" + "\n"
    ctx, _ = build(text)
    a, x = one(ctx, "A"), one(ctx, "X")
    assert a.origin == x.origin == "value"
    assert a.shape == (2, 2) and x.shape == (2, 1) and x.kind == "vector"
    assert render(a.value) == "[1, 2; 3, 4]"


# ---------------------------------------------------------------------------
# prose, English


@pytest.mark.parametrize(
    "text, key, shape, kind, props",
    [
        ("A is an m×n matrix.", "A", ("m", "n"), "matrix", set()),
        (r"Let $A$ be an $m \times n$ matrix.", "A", ("m", "n"), "matrix", set()),
        (r"Take an $m \times n$ matrix $A$.", "A", ("m", "n"), "matrix", set()),
        (r"Here $x$ is an $n$-vector.", "x", ("n", 1), "vector", set()),
        (r"Here $x$ is an n-dimensional vector.", "x", ("n", 1), "vector", set()),
        (r"Here $x$ is a column vector.", "x", None, "vector", set()),
        (r"and $u$ is a row vector.", "u", None, "row", set()),
        (r"$f(x) = x^T A x$ where $A$ is symmetric.", "A", None, "matrix", {"symmetric"}),
        (r"where $A$ is invertible, ", "A", None, "matrix", {"invertible"}),
        (r"where $A$ is nonsingular.", "A", None, "matrix", {"invertible"}),
        (r"where $A$ is positive definite.", "A", None, "matrix", {"positive_definite"}),
        (r"where $Q$ is orthogonal.", "Q", None, "matrix", {"orthogonal"}),
        (r"where $D$ is diagonal.", "D", None, "matrix", {"diagonal"}),
        (r"$\lambda$ is a scalar.", "lambda", (1, 1), "scalar", set()),
        (r"For a square matrix $A$, we have", "A", None, "matrix", {"square"}),
        (r"Let $A$ be symmetric.", "A", None, "matrix", {"symmetric"}),
        (r"Let $X$ be a $2 \times 3$ matrix.", "X", (2, 3), "matrix", set()),
        (r"$\frac{\partial C}{\partial w}$ is fine and $W$ is a matrix of size $M\times N$.", "W", ("M", "N"), "matrix", set()),
        ("where A is symmetric.", "A", None, "matrix", {"symmetric"}),
        ("for the matrix B we get", "B", None, "matrix", set()),
    ],
)
def test_english_prose(text, key, shape, kind, props):
    ctx, _ = build(text + "\n")
    d = one(ctx, key)
    assert (d.shape, d.kind) == (shape, kind) and props <= d.props and d.origin == "prose"


@pytest.mark.parametrize(
    "text",
    [
        r"where $A$ is not symmetric.",
        r"We do not assume that $A$ is symmetric.",
        r"Here $x$ may be a vector or a matrix.",
        r"$x$ is a vector or a matrix.",
        r"the input of $f$ is an $n$-dimensional vector.",
        r"$\det$ is a scalar function.",
        r"This is a positive example and a vector space.",
        r"I is a letter, a is a word, and a matrix is a table.",
    ],
)
def test_english_prose_not_declared(text):
    ctx, _ = build(text + "\n")
    # a denial is kept only as not_<prop> (truth keeps DL301 for it): never as the property itself
    assert [d.describe() for d in ctx.declarations if d.origin == "prose" and not all(p.startswith("not_") for p in d.props)] == []
    assert not any(p in d.props for d in ctx.declarations for p in ("symmetric", "square"))


def test_english_condition():
    ctx, _ = build(r"If $A$ is symmetric, then the gradient is $2Ax$." + "\n")
    assert one(ctx, "A").origin == "condition"


# ---------------------------------------------------------------------------
# prose, Chinese


@pytest.mark.parametrize(
    "text, key, shape, kind, props",
    [
        ("X 是 n×1 的列向量。", "X", ("n", 1), "vector", set()),
        (r"假设 \( X \) 是 \( n \times 1 \) 的列向量。", "X", ("n", 1), "vector", set()),
        ("A 是 n×n 矩阵。", "A", ("n", "n"), "matrix", set()),
        (r"这里的 \( A \) 是一个矩阵。", "A", None, "matrix", set()),
        (r"\( X \) 是一个向量。", "X", None, "vector", set()),
        ("其中 A 为可逆矩阵。", "A", None, "matrix", {"invertible"}),
        (r"$\lambda > 0$ 是标量。", "lambda", (1, 1), "scalar", set()),
        (r"对于方阵 $\mathbf{A}$：", "A", None, "matrix", {"square"}),
        ("x 为列向量。", "x", None, "vector", set()),
        ("x 为行向量。", "x", None, "row", set()),
        ("设 P 为正定矩阵。", "P", None, "matrix", {"positive_definite"}),
        ("设 D 是对角矩阵。", "D", None, "matrix", {"diagonal"}),
        ("其中 Q 是正交矩阵。", "Q", None, "matrix", {"orthogonal"}),
        (r"$I$ 是单位矩阵。", "I", None, "matrix", {"identity"}),
        (r"其中$\boldsymbol w_i$为$d$行1列的列向量", "w_i", ("d", 1), "vector", set()),
        (r"其中$\boldsymbol{\pi}$是一个$n$维向量", "pi", ("n", 1), "vector", set()),
        (r"设$\mathbf{B}$为$p$阶正定矩阵", "B", ("p", "p"), "matrix", {"positive_definite", "square"}),
        ("c 为常数。", "c", (1, 1), "scalar", {"constant"}),
        (r"易知矩阵 $\mathbf{S}$ 是对称阵，", "S", None, "matrix", {"symmetric"}),
        # a noun before its symbol in a sentence with no 是/为 and no other hint word
        (r"其中常数 $c$ 不依赖 $z$。", "c", (1, 1), "scalar", set()),
        (r"取实数 $t$ 趋于零。", "t", (1, 1), "scalar", set()),
        # a noun that qualifies the next ("常数列向量"), a noun with 变量 after it
        (r"上式中，$\mathbf{a},\mathbf{b}$为常数列向量，", "b", None, "vector", {"constant"}),
        (r"$\mathbf{x}$为列向量变量", "x", None, "vector", set()),
    ],
)
def test_chinese_prose(text, key, shape, kind, props):
    ctx, _ = build(text + "\n")
    found = [d for d in ctx.declarations if d.key == key and d.origin in ("prose", "condition")]
    assert found, [d.describe() for d in ctx.declarations]
    assert any((d.shape, d.kind) == (shape, kind) and props <= d.props for d in found), [d.describe() for d in found]


def test_chinese_math_and_prose_together():
    ctx, _ = build(r"对于方阵 $\mathbf{A} \in \mathbb{R}^{n \times n}$：" + "\n")
    assert one(ctx, "A", "math").shape == ("n", "n")
    assert "square" in one(ctx, "A", "prose").props


def test_chinese_several_subjects():
    ctx, _ = build(r"需要注意的是$u, v$都是标量, $\mathbf{u,v}$则是向量。" + "\n")
    scalars = {d.key for d in ctx.declarations if d.kind == "scalar"}
    vectors = {(d.key, d.bold) for d in ctx.declarations if d.kind == "vector"}
    assert scalars == {"u", "v"} and vectors == {("u", True), ("v", True)}


def test_chinese_condition():
    ctx, _ = build("当 A 是对称矩阵时，导数为 2AX。\n")
    d = one(ctx, "A")
    assert d.origin == "condition" and "symmetric" in d.props


@pytest.mark.parametrize(
    "text",
    [
        r"其中 \( X \) 是一个向量或者矩阵。",
        "它说明当矩阵不是对称矩阵时，导数结果与矩阵的转置有关。",
        r"因此无法保证$\mathbf{X}^\mathrm{T}\mathbf{X}$一定是正定矩阵。",
        r"当 \( A \) 不是对称矩阵时，结果不同。",
        r"其中 $a_{ij}$ 为矩阵 $\mathrm{A}$ 第 $i$ 行第 $j$ 列的元素",
        r"$\mathbf{A}$ 是 $\mathbf{B}$ 的逆矩阵",
        r"$f$ 是一个函数。",
    ],
)
def test_chinese_prose_not_declared(text):
    ctx, _ = build(text + "\n")
    bad = [d.describe() for d in ctx.declarations if d.origin in ("prose", "condition") and d.key != "A"]
    bad += [d.describe() for d in ctx.declarations if d.key == "A" and any(not p.startswith("not_") for p in d.props)]
    assert bad == [] and ctx.statements == []  # a denial is kept only as not_<prop>


# ---------------------------------------------------------------------------
# statements about expressions


@pytest.mark.parametrize(
    "text, expr, kind",
    [
        (r"\( X^T A \) 是标量。", "X^T A", "scalar"),
        (r"矩阵 \( AX \) 是一个向量。", "A X", "vector"),
        (r"公式 \( AX^T \) 是一个矩阵。", "A X^T", "matrix"),
        (r"\( X^T \) 是行向量。", "X^T", "row"),
        (r"Note that $x^T A x$ is a scalar.", "x^T A x", "scalar"),
        (r"由于$\boldsymbol{w}^{\mathrm{T}}\phi(\boldsymbol{x})$的计算结果为标量，", "w^T phi(x)", "scalar"),
    ],
)
def test_prose_statements(text, expr, kind):
    ctx, _ = build(text + "\n")
    assert [(render(s.expr), s.kind) for s in ctx.statements] == [(expr, kind)]
    s = ctx.statements[0]
    assert s.source.text[s.start : s.end].strip()  # the words are spanned


def test_statement_inside_math_prose():
    ctx, _ = build("$$\\begin{matrix}\n其中w^T*X^T*y和y^T*X*w都是标量且互为转置\n\\end{matrix}$$\n")
    assert sorted((render(s.expr), s.kind) for s in ctx.statements) == [
        ("w^T * X^T * y", "scalar"), ("y^T * X * w", "scalar")]  # fmt: skip


def test_result_after_display_is_about_its_derivative():
    text = "为\n$$\\frac{\\partial y}{\\partial \\mathbf{x}}=\\left[\\frac{\\partial y}{\\partial x_{1}}, \\frac{\\partial y}{\\partial x_{2}}\\right]$$\n结果变成了一个行向量.\n"
    ctx, _ = build(text)
    assert [(render(s.expr), s.kind) for s in ctx.statements] == [("∂(y)/∂x", "row")]


def test_expression_of():
    ctx, claims = build(r"矩阵 \( AX \) 是一个向量，\( X^T A \) 也是。" + "\n")
    blocks = extract("n.md", r"看 \( X^T A \) 与 \( x = 1 \)" + "\n").blocks
    assert render(expression_of(blocks[0])) == "X^T A"
    assert expression_of(blocks[1]) is None


# ---------------------------------------------------------------------------
# layouts


@pytest.mark.parametrize(
    "text, layout",
    [
        ("# 常见的求导公式（使用分母布局）\n", "denominator"),
        ("本文使用分子布局。\n", "numerator"),
        ("We use the denominator layout throughout.\n", "denominator"),
        ("We work in the Jacobian formulation.\n", "numerator"),
        ("The derivative $\\frac{\\partial f}{\\partial X}$ has the same shape as $X$.\n", "denominator"),
    ],
)
def test_layouts(text, layout):
    ctx, _ = build(text)
    assert [lay.layout for lay in ctx.layouts] == [layout]
    lay = ctx.layouts[0]
    assert lay.source.text[lay.start : lay.end] and lay.line == 1


def test_layout_not_when_negated_or_unrelated():
    ctx, _ = build("我们不使用分子布局。\n\nThe bag has the same shape as the box.\n")
    assert ctx.layouts == []


# ---------------------------------------------------------------------------
# scoping


def test_table_row_scope():
    text = (
        "| 函数 | 导数 |\n|---|---|\n"
        r"| $f = \mathbf{a}^\top \mathbf{x}$ | $\frac{\partial f}{\partial \mathbf{x}} = \mathbf{a}$ |" + "\n"
        r"| $f = \mathbf{x}^\top \mathbf{x}$ | $\frac{\partial f}{\partial \mathbf{x}} = 2\mathbf{x}$ |" + "\n"
    )
    ctx, claims = build(text)
    d1, d2 = [c for c in claims if c.kind == "derivative"]
    assert render(ctx.facts("f", d1).value) == "a^T x"
    assert render(ctx.facts("f", d2).value) == "x^T x"
    assert [d.scope.kind for d in decls(ctx, "f")] == ["row", "row"]


def test_list_item_declares_for_what_follows_in_the_section():
    text = (
        "# 一\n\n设 $\\mathbf{y} = f(\\mathbf{x})$, 其中：\n"
        "- $\\mathbf{x} \\in \\mathbb{R}^n$\n- $\\mathbf{y} \\in \\mathbb{R}^m$\n\n"
        "$$\\frac{\\partial \\mathbf{y}}{\\partial \\mathbf{x}} = J$$\n\n# 二\n\n$$\\frac{\\partial f}{\\partial x} = 1$$\n"
    )
    ctx, claims = build(text)
    before = claim_at(claims, 3, "definition")
    after = claim_at(claims, 7)
    assert ctx.facts("x", after).shape == ("n", 1) and ctx.facts("y", after).shape == ("m", 1)
    assert ctx.lookup("x", before) == []  # a list item does not reach back


HEADINGS = """# 笔记

前言。

### 1. \\( \\frac{\\partial A X}{\\partial X} = A^T \\)

#### 推导

假设 \\( X \\) 是 \\( n \\times 1 \\) 向量，\\( A \\) 是 \\( n \\times n \\) 矩阵。

#### 数值例子

若 \\( A = \\begin{bmatrix} 1 & 2 \\\\ 2 & 3 \\end{bmatrix} \\)，有 \\( A = A^T \\)。
\\[
\\frac{\\partial X^T A X}{\\partial X} = 2AX
\\]

### 2. \\( \\frac{\\partial X^T A}{\\partial X} = A \\)

这里 \\( A \\) 是 \\( m \\times n \\) 矩阵。

### 3. \\( \\frac{\\partial X^T X}{\\partial X} = 2X \\)

无。
"""


def test_chapters_hoist_to_the_heading_and_redeclare():
    ctx, claims = build(HEADINGS)
    assert ctx.outline.chapter_level == 3  # the lone "# 笔记" makes no chapter
    h1, example, h2, h3 = [c for c in claims if c.kind == "derivative"]
    assert ctx.facts("X", h1).shape == ("n", 1) and ctx.facts("A", h1).shape == ("n", "n")
    assert ctx.facts("A", example).props >= {"symmetric"}
    assert render(ctx.facts("A", example).value) == "[1, 2; 2, 3]"
    assert ctx.facts("A", h2).shape == ("m", "n")  # redeclared in the next chapter, hoisted to its heading
    assert ctx.facts("A", h2).props == frozenset()  # the symmetry stays in chapter 1
    assert ctx.facts("A", h2).value is None  # and so does the value
    third = ctx.facts("A", h3)
    assert third.shape == ("m", "n") and third.declarations[0].carried  # shapes carry forward
    assert ctx.facts("X", h3).shape == ("n", 1)


def test_values_and_definitions_do_not_reach_back():
    ctx, claims = build(HEADINGS)
    h1 = [c for c in claims if c.kind == "derivative"][0]
    assert ctx.facts("A", h1).value is None


def test_scope_of():
    ctx, claims = build(HEADINGS)
    h1 = [c for c in claims if c.kind == "derivative"][0]
    assert ctx.scope_of(h1).kind == "chapter" and ctx.scope_of(h1).title.startswith("1.")


def test_no_headings_is_one_chapter():
    ctx, claims = build("$$\\frac{\\partial x^T A x}{\\partial x} = 2Ax$$\n\n其中 A 为对称矩阵。\n")
    assert "symmetric" in ctx.facts("A", claims[0]).props


# ---------------------------------------------------------------------------
# assumptions


def test_assumption_in_the_math_words():
    ctx, claims = build("$$\n\\frac{da^TAa}{da} = A^Ta+A*a = 2A*a(当A为对称阵)，有：\n$$\n")
    assert ctx.assumptions(claims[1])["A"] >= {"symmetric"}


def test_assumption_in_the_same_sentence():
    text = r"We have $\frac{\partial x^T A x}{\partial x} = 2Ax$ where $A$ is symmetric. But $\frac{\partial a^T x}{\partial x} = a$ holds always." + "\n"
    ctx, claims = build(text)
    first, second = [c for c in claims if c.kind == "derivative"]
    assert ctx.assumptions(first) == {"A": frozenset({"symmetric", "square"})}
    assert ctx.assumptions(second) == {}


def test_assumption_if_math_condition():
    ctx, claims = build(r"If $A = A^T$ then $\frac{\partial x^T A x}{\partial x} = 2Ax$." + "\n")
    deriv = [c for c in claims if c.kind == "derivative"][0]
    assert "symmetric" in ctx.assumptions(deriv)["A"]
    assert one(ctx, "A").origin == "condition"


def test_assumption_of_a_heading_formula():
    text = (
        "### 5. \\( \\frac{\\partial X^T A X}{\\partial X} = (A + A^T)X \\)\n\n正文。\n\n"
        "### 6. \\( \\frac{\\partial X^T A X}{\\partial X} = 2AX \\)\n\n"
        "当 \\( A \\) 是对称矩阵时（即 \\( A = A^T \\)），导数会简化为 \\( 2AX \\)。\n"
    )
    ctx, claims = build(text)
    h5, h6 = [c for c in claims if c.kind == "derivative"]
    assert ctx.assumptions(h6)["A"] >= {"symmetric"}
    assert ctx.assumptions(h5) == {}
    assert all(d.origin == "condition" for d in decls(ctx, "A"))


def test_assumption_from_a_table_row():
    text = "| 公式 | 条件 |\n|---|---|\n| $\\frac{\\partial x^T A x}{\\partial x} = 2Ax$ | $A = A^T$ |\n| $\\frac{\\partial x^T B x}{\\partial x} = 2Bx$ | 无 |\n"
    ctx, claims = build(text)
    first, second = [c for c in claims if c.kind == "derivative"]
    assert "symmetric" in ctx.assumptions(first)["A"]
    assert ctx.assumptions(second) == {}


# ---------------------------------------------------------------------------
# the seeds


@needs_seeds
def test_seed_000():
    ctx, claims = seed("000")
    heading3 = claim_at(claims, 38)
    assert ctx.facts("X", heading3).shape == ("n", 1) and ctx.facts("A", heading3).shape == ("n", "n")
    for line in (6, 22, 54, 70):
        c = claim_at(claims, line)
        assert ctx.facts("X", c).shape == ("n", 1), line
        assert ctx.facts("A", c).props == frozenset() or line == 6
    heading6 = claim_at(claims, 89)
    assert "symmetric" in ctx.facts("A", heading6).props
    assert "symmetric" in ctx.assumptions(heading6)["A"]
    example6 = claim_at(claims, 101, "equality")
    assert render(ctx.facts("A", example6).value) == "[1, 2; 2, 3]"
    example2 = claim_at(claims, 34, "equality")
    assert render(ctx.facts("A", example2).value) == "[1, 2; 3, 4]" and ctx.facts("X", example2).shape == (2, 1)
    assert "symmetric" not in ctx.facts("A", claim_at(claims, 70)).props
    assert ("X^T A", "scalar") in [(render(s.expr), s.kind) for s in ctx.statements]
    assert ("X^T", "row") in [(render(s.expr), s.kind) for s in ctx.statements]
    assert ctx.layouts == []
    # line 8 says "X 是一个向量或者矩阵": no kind from it
    assert not [d for d in decls(ctx, "X") if d.line == 8]


@needs_seeds
def test_seed_001():
    ctx, claims = seed("001")
    jac = claim_at(claims, 91)
    assert ctx.facts("x", jac).shape == ("n", 1) and ctx.facts("y", jac).shape == ("m", 1)
    trace_row = claim_at(claims, 131, "equality")
    assert ctx.facts("A", trace_row).shape == ("n", "n")
    rows = {line: render(ctx.facts("f", claim_at(claims, line)).value) for line in (147, 148, 159, 162)}
    assert rows == {147: "a^T x", 148: "x^T A x", 159: "tr(A X)", 162: "ln(|det(X)|)"}
    assert ctx.facts("X", claim_at(claims, 162)).shape is None  # X ∈ R^{m×n} belongs to a later section
    # the heading's words, and the Jacobian written out entry by entry (∂y_i/∂x_j along row i)
    assert sorted((lay.layout, lay.line, lay.category) for lay in ctx.layouts) == [
        ("denominator", 137, None), ("numerator", 91, "vector-by-vector")]
    vec = [d for d in ctx.declarations if d.key.startswith("∂(vec")][0]
    assert vec.shape == ("mn", "mn")
    assert one(ctx, "Y", "math").shape == ("m", "n")


@needs_seeds
def test_seed_002():
    ctx, claims = seed("002")
    assert render(one(ctx, "e").value) == "y - X * w" and one(ctx, "e").params == ("w",)
    assert render(one(ctx, "L").value) == "e^T e"
    conditional = [c for c in claims if c.position()[0] == 118]
    assert all("symmetric" in ctx.assumptions(c)["A"] for c in conditional)
    assert ctx.assumptions(claim_at(claims, 117)) == {}
    assert decls(ctx, "w") == []  # w = (X^T X)^{-1} X^T y is a solution, not a definition


@needs_seeds
def test_seed_003():
    ctx, claims = seed("003")
    first, second = claim_at(claims, 101), claim_at(claims, 134)
    assert ctx.facts("A", first).shape == ("m", "n") and ctx.facts("A", second).shape == ("n", "m")
    assert ctx.facts("A", claim_at(claims, 137)).shape == ("n", "m")
    assert ctx.facts("x", first).shape == ("n", 1)
    assert [(render(s.expr), s.kind, s.line) for s in ctx.statements] == [("∂(y)/∂x", "row", 28)]
    scalars = {d.key for d in ctx.declarations if d.kind == "scalar" and d.line == 172}
    assert scalars == {"u", "v"}


# ---------------------------------------------------------------------------
# the corpus


@needs_corpus
def test_corpus_builds_and_is_fast():
    from concurrent.futures import ProcessPoolExecutor

    files = sorted(f for f in glob.glob(os.path.join(CORPUS, "**", "*"), recursive=True) if f.endswith((".md", ".tex", ".ipynb")))
    assert len(files) >= 90
    with ProcessPoolExecutor(max_workers=max(1, min(2, os.cpu_count() or 1))) as pool:  # two cores: half the wait
        times = sorted(pool.map(_context_time, files, chunksize=8))
    assert times[len(times) // 2] < 0.2  # generous: about 0.015 s is measured


def _context_time(path: str) -> float:
    """The seconds the context of one note takes to build (its claims' assumptions asked after)."""
    with open(path, encoding="utf-8", errors="replace") as f:
        text = f.read()
    extraction = extract(path, text)
    claims = [c for block in extraction.blocks for c in claims_of(block, extraction.macros)]
    start = time.perf_counter()
    ctx = build_context(extraction, claims, extraction.macros)
    seconds = time.perf_counter() - start
    for c in claims[:50]:
        ctx.assumptions(c)
    return seconds


SECTIONS = """# Notes

## One

Let $M \\in \\mathbb{R}^{p \\times q}$. If $K \\in \\mathbb{R}^{r \\times s}$, then $K^T K$ is square.

$$
G = M^T M
$$

Then $u = K v$ holds.

### One, deeper

$$
H = M M^T
$$

## Two

$$
S = M^{-1}
$$
"""


def test_a_declaration_holds_in_its_section_and_is_a_guess_beyond():
    ctx, claims = build(SECTIONS)
    g, u, h, s = (claim_at(claims, line, "definition") for line in (8, 11, 16, 22))
    for inside in (g, h):  # the section and the sections under it
        first = ctx.facts("M", inside).declarations[0]
        assert ctx.facts("M", inside).shape == ("p", "q") and not first.carried
    beyond = ctx.facts("M", s)
    assert beyond.shape == ("p", "q") and beyond.declarations[0].carried  # another chapter here
    assert ctx.facts("K", u).declarations[0].carried  # "if K ∈ …" holds for its own paragraph only


def test_a_statement_of_kind_rebinds_an_older_shape():
    ctx, claims = build("Let $z \\in \\mathbb{R}^n$.\n\nFor any vector $z$ we have $w = z^T z$.\n")
    w = claim_at(claims, 3, "definition")
    assert ctx.facts("z", w).shape == ("n", 1)
    assert next(d for d in ctx.facts("z", w).declarations if d.shape is not None).carried


def test_a_sibling_section_of_one_chapter_sees_only_a_guess():
    text = "# A\n\n## One\n\nLet $M \\in \\mathbb{R}^{p \\times q}$.\n\n### Left\n\n$$\nG = M^T M\n$$\n\n### Right\n\n$$\nS = M^{-1}\n$$\n\n# B\n\ntext\n"
    ctx, claims = build(text)
    g, s = claim_at(claims, 10, "definition"), claim_at(claims, 16, "definition")
    assert not ctx.facts("M", g).declarations[0].carried
    text = text.replace("Let $M", "### Top\n\nLet $M")  # now declared in a sibling of Right
    ctx, claims = build(text)
    s = claim_at(claims, 18, "definition")
    first = ctx.facts("M", s).declarations[0]
    assert first.carried and first.far and ctx.facts("M", s).shape == ("p", "q")


def test_a_condition_holds_in_its_own_item_only():
    text = (
        "# Q\n\n## G\n\nLet $M \\in \\mathbb{R}^{n \\times n}$.\n\n"
        "- $\\frac{\\partial x^T M x}{\\partial x} = 2Mx$\n"
        "- When $M$ is symmetric, $\\frac{\\partial x^T M x}{\\partial x} = 2Mx$.\n"
        "- Not symmetric: $\\frac{\\partial x^T M x}{\\partial x} = 2Mx$\n"
    )
    ctx, claims = build(text)
    before, under, after = (claim_at(claims, line) for line in (7, 8, 9))
    assert "symmetric" in ctx.facts("M", under).props
    assert "symmetric" not in ctx.facts("M", before).props
    assert "symmetric" not in ctx.facts("M", after).props  # the condition was said for the item above


def test_chinese_hints_are_ideographs_and_wide_text_is_told_by_code_point():
    """The prose reader takes a text with a Chinese hint word for Chinese (no separate CJK test) and
    tells wide text by comparing code points: both rest on these ranges."""
    from derivlint.context.words import ZH_HINT
    from derivlint.math.lexer import has_wide

    words = ZH_HINT.pattern.split("|")
    assert words and all("\u4e00" <= c <= "\u9fff" for word in words for c in word)
    assert has_wide("矩阵 A") and has_wide("x ＝ y") and has_wide("⺀")
    assert not has_wide("") and not has_wide("plain α and é") and not has_wide("x 😀")
    assert has_wide("😀 then 矩阵") and not has_wide("\u2e7f")


def test_a_column_of_transposed_vectors_is_a_matrix():
    """X := [x_1^T; ⋮; x_n^T] stacks rows: a data matrix, not a column of numbers (read as a vector,
    XᵀX was a scalar and (B̂ − B̂)ᵀXᵀX(B̂ − B̂) = O_{q×q} a shape error)."""
    from derivlint.context.mathdecl import matrix_kind
    from derivlint.math.lexer import lex
    from derivlint.math.parser import sub_parse

    rows = sub_parse(lex(r"\begin{bmatrix} x_1^T \\ \vdots \\ x_n^T \end{bmatrix}"))
    column = sub_parse(lex(r"\begin{bmatrix} x_1 \\ \vdots \\ x_n \end{bmatrix}"))
    assert matrix_kind(rows) == "matrix" and matrix_kind(column) == "vector"
