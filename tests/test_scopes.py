"""Scopes by structure: worked examples, lists and tables a declaration does not introduce,
"where" paragraphs, declarations that never reach back, and the indexed lookup."""

from __future__ import annotations

import pytest

from derivlint.context import build_context
from derivlint.context.scopes import EXAMPLE_OPENERS, Outline
from derivlint.extract import extract
from derivlint.math.claims import claims_of


def build(text: str):
    extraction = extract("note.md", text)
    claims = [c for block in extraction.blocks for c in claims_of(block, extraction.macros)]
    return build_context(extraction, claims, extraction.macros), claims


def outline(text: str) -> Outline:
    return Outline(extract("note.md", text))


def at_line(claims, line: int):
    found = [c for c in claims if c.position()[0] == line and c.kind != "declaration"]
    assert found, [(c.position()[0], c.kind) for c in claims]
    return found[0]


def certain_shape(ctx, key, claim):
    """The shape of ``key`` at ``claim`` when it is certain there (not a carried guess), else None."""
    facts = ctx.facts(key, claim)
    first = next((d for d in facts.declarations if d.shape is not None), None)
    return None if first is None or first.carried else first.shape


def passage_of(o: Outline, words: str) -> int:
    return next(k for k, p in enumerate(o.passages) if p.text.lstrip().startswith(words))


@pytest.mark.parametrize(
    "opening",
    ["Example 2. Let", "**Example:** let", "For example, let", "For instance, take", "例 1：设", "例如，设",
     "比如设", "举个例子，设", "E.g. take"],
)  # fmt: skip
def test_a_paragraph_opening_an_example_runs_to_the_next_example(opening):
    o = outline(f"# T\n\n{opening} $x$.\n\nThen $y$.\n\nExample 9. Now $z$.\n")
    first, then, nxt = (passage_of(o, w) for w in (opening, "Then", "Example 9"))
    assert o.example[first] == o.example[then] == (first, nxt)
    assert o.example[nxt][0] == nxt


def test_words_that_only_begin_like_an_opener_open_nothing():
    o = outline("# T\n\nExamplesque text $x$.\n\nHerein $y$.\n\nWithout $z$.\n")
    assert all(e is None for e in o.example) and not any(o.where)
    assert "example" in EXAMPLE_OPENERS  # the words are data, one table


def test_a_list_under_a_label_without_math_ends_the_example():
    o = outline("# T\n\nExample: let $A$ be $2 \\times 3$.\n\nProperties:\n\n- $a$\n- $b$\n")
    ex, label, item = (passage_of(o, w) for w in ("Example", "Properties", "$a$"))
    assert o.example[label] == (ex, item) and o.example[item] is None
    assert o.run_start[item] == item and o.run_start[item + 1] == item


def test_a_list_right_after_the_example_is_the_examples():
    o = outline("# T\n\nExample: let $A$ be $2 \\times 3$. Then\n\n- $a$\n- $b$\n\nLater.\n")
    ex, item = passage_of(o, "Example"), passage_of(o, "$a$")
    assert o.example[item] == o.example[ex] and o.example[ex][1] > item + 1


def test_a_heading_naming_an_example_covers_its_section():
    o = outline("# T\n\n## 数值例子\n\n设 $A$.\n\n### 细节\n\n$B$.\n\n## 性质\n\n$C$.\n")
    h = passage_of(o, "数值例子")
    inside, deeper, after = (passage_of(o, w) for w in ("设", "$B$", "$C$"))
    assert o.example[inside] == o.example[deeper] == (h, after - 1)
    assert o.example[after] is None


def test_a_later_declaration_never_reaches_back():
    ctx, claims = build("# T\n\n## S\n\nHere $G = A^{-1}$.\n\nNow $A \\in \\mathbb{R}^{m \\times n}$.\n\nSo $H = A^T$.\n")
    assert ctx.facts("A", at_line(claims, 5)).shape is None
    assert certain_shape(ctx, "A", at_line(claims, 9)) == ("m", "n")


def test_a_where_paragraph_reaches_back_one_passage_only():
    text = "# T\n\n## S\n\n$$\nz = K u\n$$\n\nwhere $K \\in \\mathbb{R}^{n \\times n}$.\n\n$$\nw = K v\n$$\n"
    ctx, claims = build(text)
    assert certain_shape(ctx, "K", at_line(claims, 6)) == ("n", "n")
    assert certain_shape(ctx, "K", at_line(claims, 12)) == ("n", "n")  # and forward, as any declaration
    ctx, claims = build(text.replace("$$\nz = K u\n$$\n\n", "$$\nz = K u\n$$\n\nA remark.\n\n"))
    assert ctx.facts("K", at_line(claims, 6)).shape is None  # a paragraph between: not explained


def test_a_where_list_reaches_back_to_the_formula():
    text = "# T\n\n$$\ny = W x\n$$\n\nwhere:\n\n- $W \\in \\mathbb{R}^{m \\times n}$\n- $x \\in \\mathbb{R}^{n}$\n"
    ctx, claims = build(text)
    assert certain_shape(ctx, "W", at_line(claims, 4)) == ("m", "n")


def test_a_list_of_general_rules_after_an_example_sees_a_guess():
    text = (
        "# T\n\n## S\n\nFor example, $A \\in \\mathbb{R}^{2 \\times 3}$ and $A A^T$ is square.\n\n"
        "Properties:\n\n- $(A^T)^{-1} = (A^{-1})^T$\n\n| a | b |\n|---|---|\n| $\\det(A) = \\det(A^T)$ | x |\n"
    )
    ctx, claims = build(text)
    item, row = at_line(claims, 9), at_line(claims, 13)
    for claim in (item, row):
        facts = ctx.facts("A", claim)
        assert facts.shape == (2, 3) and facts.declarations[0].carried and facts.declarations[0].far


def test_a_declaration_introduces_the_list_right_under_it():
    text = "# T\n\nLet $W \\in \\mathbb{R}^{p \\times q}$. Then:\n\n- $H = W^T W$\n- $G = W W^T$\n"
    ctx, claims = build(text)
    assert certain_shape(ctx, "W", at_line(claims, 6)) == ("p", "q")


def test_a_new_example_sees_an_older_letter_as_a_guess():
    text = "# T\n\nLet $M \\in \\mathbb{R}^{2 \\times 3}$.\n\nExample 2. Then $w = M^{-1} u$.\n\nExample 3. $M \\in \\mathbb{R}^{4 \\times 4}$ and $v = M u$.\n\nProperties:\n\n- $s = M u$\n"
    ctx, claims = build(text)
    assert certain_shape(ctx, "M", at_line(claims, 5)) is None
    assert certain_shape(ctx, "M", at_line(claims, 7)) == (4, 4)  # declared in the example itself
    assert ctx.facts("M", at_line(claims, 11)).shape == (4, 4)  # past the example's end: a guess
    assert certain_shape(ctx, "M", at_line(claims, 11)) is None


def test_an_unreadable_line_keeps_the_other_declarations():
    text = (
        "# T\n\n## S\n\n$$\n\\begin{aligned}\nB &\\in \\mathbb{R}^{n \\times n} \\\\\n"
        "\\theta &\\in \\Theta \\left( \\right. \\\\\nv &\\in \\mathbb{R}^{m}\n\\end{aligned}\n$$\n\n"
        "Let $C \\in \\mathbb{R}^{n \\times n}$, $\\Phi(\\cdot \\; ; \\, \\theta \\,]$, $c \\in \\mathbb{R}^{m}$.\n\n$t = B v + C c$.\n"
    )
    ctx, claims = build(text)
    assert any(c.kind == "unparsed" for c in claims)
    t = at_line(claims, 15)
    shapes = {key: certain_shape(ctx, key, t) for key in "BvCc"}
    assert shapes == {"B": ("n", "n"), "v": ("m", 1), "C": ("n", "n"), "c": ("m", 1)}


def test_the_index_finds_the_nearest_of_many_declarations():
    """A letter declared in every one of many sections: each section sees its own declaration,
    certain, and the last declaration of a long section is still found past many others."""
    sections = "".join(
        f"## S{i}\n\nLet $x \\in \\mathbb{{R}}^{{{i + 2}}}$.\n\n$y_{{{i}}} = x^T x$.\n\n" for i in range(60)
    )
    many = "".join(f"Let $z \\in \\mathbb{{R}}^{{{i + 2}}}$ here.\n\n" for i in range(40))
    ctx, claims = build("# T\n\n" + sections + "## Last\n\n" + many + "$q = z^T z$.\n")
    ys = [c for c in claims if c.kind == "definition" and c.lhs is not None and str(c.lhs.key).startswith("y")]
    assert len(ys) == 60
    for i, y in enumerate(ys):
        assert certain_shape(ctx, "x", y) == (i + 2, 1)
    q = [c for c in claims if c.kind == "definition" and c.lhs is not None and c.lhs.key == "q"][0]
    assert certain_shape(ctx, "z", q) == (41, 1)
    assert ctx.facts("x", q).shape == (61, 1) and ctx.facts("x", q).declarations[0].carried


def test_a_beamer_frame_is_a_section_of_its_own():
    text = (
        "\\documentclass{beamer}\n\\begin{document}\n"
        "\\begin{frame}\n\\frametitle{Least squares}\nLet $A \\in \\mathbb{R}^{m \\times n}$ and $b \\in \\mathbb{R}^{m}$.\n\n"
        "Then $r = A x - b$ is the residual.\n\\end{frame}\n\n"
        "\\begin{frame}\n\\frametitle{Useful derivatives}\nFor a square matrix: $G = A^{-1}$.\n\\end{frame}\n"
        "\\end{document}\n"
    )
    extraction = extract("slides.tex", text)
    claims = [c for block in extraction.blocks for c in claims_of(block, extraction.macros)]
    ctx = build_context(extraction, claims, extraction.macros)
    same = next(c for c in claims if c.lhs is not None and getattr(c.lhs, "key", "") == "r")
    other = next(c for c in claims if c.lhs is not None and getattr(c.lhs, "key", "") == "G")
    assert certain_shape(ctx, "A", same) == ("m", "n")  # in its own frame
    assert ctx.facts("A", other).shape == ("m", "n") and certain_shape(ctx, "A", other) is None  # the next: a guess


@pytest.mark.parametrize(
    "later, guessed",
    [
        ("For a square matrix $A$, $G = A^{-1}$.", True),
        ("If $A$ is symmetric, $G = A^{-1}$.", True),
        ("When $A$ is invertible, $G = A^{-1}$.", True),
        ("The matrix $A$ gives $G = A^T A$.", False),  # a matrix of m×n: nothing contradicts it
        ("Here $G = A^T A$.", False),
    ],
)
def test_a_later_statement_that_contradicts_a_shape_rebinds_the_letter(later, guessed):
    ctx, claims = build(f"# T\n\nLet $A \\in \\mathbb{{R}}^{{m \\times n}}$.\n\n{later}\n")
    g = at_line(claims, 5)
    assert ctx.facts("A", g).shape == ("m", "n")
    assert (certain_shape(ctx, "A", g) is None) == guessed


def test_an_exercise_item_keeps_its_shapes_and_a_notation_item_declares_onward():
    text = (
        "# T\n\n1. For $K \\in \\mathbb{R}^{2 \\times 3}$, $D = K K^T$.\n2. For an invertible $K$, $E = K^{-1}$.\n\n"
        "- $s \\in \\mathbb{R}^{n}$ the input\n\nThen $h = s^T s$.\n"
    )
    ctx, claims = build(text)
    assert certain_shape(ctx, "K", at_line(claims, 3)) == (2, 3)
    assert certain_shape(ctx, "K", at_line(claims, 4)) is None  # the item above worked an exercise
    assert certain_shape(ctx, "s", at_line(claims, 8)) == ("n", 1)


def test_a_heading_formula_sees_its_sections_example_only_as_a_guess():
    text = (
        "# D\n\n## $G = A^T X$\n\nHere $X \\in \\mathbb{R}^{p \\times q}$.\n\n"
        "For example, with $A \\in \\mathbb{R}^{2 \\times 3}$ the product is small.\n\n## Next\n\ntext\n"
    )
    ctx, claims = build(text)
    g = at_line(claims, 3)
    assert certain_shape(ctx, "X", g) == ("p", "q")  # the section explains its heading
    assert ctx.facts("A", g).shape == (2, 3) and certain_shape(ctx, "A", g) is None


def test_a_passage_the_prose_reader_cannot_read_drops_only_its_own(monkeypatch):
    """One passage whose reading raises (an odd construct the reader trips on) declares
    nothing; the declarations of the other passages of its section stay."""
    from derivlint.context import core

    real = core.Reader.run

    def run(self):
        if "ODD" in self.m.text:
            raise RecursionError("too deep")
        return real(self)

    monkeypatch.setattr(core.Reader, "run", run)
    text = (
        "# T\n\n## S\n\nLet $A$ be an $n \\times n$ matrix.\n\nODD: $B$ is an $m \\times n$ matrix.\n\n"
        "Let $b$ be an $m \\times 1$ vector.\n\nThen $c = A b$.\n"
    )
    ctx, claims = build(text)
    c = at_line(claims, 11)
    assert certain_shape(ctx, "A", c) == ("n", "n") and certain_shape(ctx, "b", c) == ("m", 1)
    assert ctx.facts("B", c).shape is None
