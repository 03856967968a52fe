"""Tests for the notations read as they are typeset (issue 15, reading): plain-TeX \\over and
\\choose, primes written as commands, labels and table rules dropped, operations derivlint does
not evaluate kept opaque, and the constructs that must stay unparsed because no reading is certain."""

from __future__ import annotations

import pytest

from derivlint.engine import check_text
from derivlint.extract.blocks import MathBlock, contiguous_offsets
from derivlint.math.claims import claims_of
from derivlint.math.lexer import lex, rewrite_infix, tokenize
from derivlint.math.parser import ParseError, Parser, sub_parse
from derivlint.math.tree import (
    Abs, Call, Cases, Deriv, Div, Dots, Func, Matrix, Mul, Opaque, Space, Sym, Transpose, Tuple, render,
)  # fmt: skip


def parse(text: str):
    return sub_parse(lex(text))


def chain(text: str):
    first, steps = Parser(lex(text)).parse_chain()
    return first, [(rel, node) for rel, _, node in steps]


def block_claims(text: str):
    block = MathBlock_of(text)
    return claims_of(block)


def MathBlock_of(text: str):  # noqa: N802 - a constructor in the shape of MathBlock
    from derivlint.source import Source

    return MathBlock(Source("note.md", text), text, contiguous_offsets(0, len(text)), 0, len(text), "$$", True)


def only_opaque(node, op: str) -> Opaque:
    found = [n for n in node.walk() if isinstance(n, Opaque) and n.op == op]
    assert len(found) == 1, [render(n) for n in node.walk() if isinstance(n, Opaque)]
    return found[0]


# ---------------------------------------------------------------- plain-TeX infix commands


def test_over_in_a_group_is_a_fraction_and_a_derivative():
    (claim,) = block_claims(r"{\partial J \over \partial x} = 2x")
    assert claim.kind == "derivative"
    assert isinstance(claim.lhs, Deriv) and render(claim.lhs) == "∂(J)/∂x"
    assert claim.text.startswith("{\\partial J")  # spans in the note's own text


def test_over_in_a_script_and_nested_groups():
    (claim,) = block_claims(r"y = x^{1 \over 2} + {a + {b \over c} \over d}")
    assert render(claim.rhs) == "x^(1 / 2) + (a + b / c) / d"


def test_choose_is_a_binomial_coefficient():
    (claim,) = block_claims(r"P = {n \choose k} p^k")
    binom = only_opaque(claim.rhs, "binom")
    assert [render(p) for p in binom.parts] == ["n", "k"]


@pytest.mark.parametrize(
    "text",
    [
        r"a \over b = c",  # the whole formula is the fraction: no group says where it ends
        r"{a \over b \over c} = d",  # two in one group: TeX refuses it
        r"{n \atop k} = 1",  # \atop: not read
    ],
)
def test_infix_without_a_certain_reading_stays_unparsed(text):
    (claim,) = block_claims(text)
    assert claim.kind == "unparsed" and ("is not certain" in claim.reason or "is not read" in claim.reason)


def test_buildrel_over_a_relation_is_stacked():
    (claim,) = block_claims(r"\mathbf{z} \buildrel \Delta \over = [u, v]^T")
    assert claim.relation == ":="  # Δ over = marks a definition


def test_rewrite_keeps_tokens_without_infix():
    tokens = tokenize(r"{a + b} \frac{c}{d}")
    assert [t.value for t in rewrite_infix(tokens)] == [t.value for t in tokens]


def test_sized_delimiter_in_braces():
    (claim,) = block_claims(r"\Big{(} a + b \Big{)}^2 = c")
    assert claim.kind != "unparsed"
    assert render(claim.lhs) == "(a + b)^2"


# ---------------------------------------------------------------- primes


@pytest.mark.parametrize(
    "text, name",
    [
        (r"f^\prime(x)", "f'"),
        (r"f^{\prime}(x)", "f'"),
        (r"f^{\prime \prime}(x)", "f''"),
        (r"f''(x)", "f''"),
        (r"g\prime(z)", "g'"),
        (r"\tanh'(z)", "tanh'"),
        (r"tanh^{'}(z)", "tanh'"),
    ],
)
def test_primes_are_the_derivative_applied(text, name):
    node = parse(text)
    head = node.func if isinstance(node, Call) else node
    assert (head.name if isinstance(head, (Sym, Func)) else None) == name
    assert render(node).endswith("(z)") or render(node).endswith("(x)")


def test_one_prime_alone_stays_a_transpose_and_a_primed_entry_is_a_name():
    assert isinstance(parse(r"x^\prime"), Transpose)  # x'Ax: the MATLAB transpose, as before
    node = parse(r"w'_1")
    assert isinstance(node, Sym) and node.name == "w'" and node.sub == "1"  # w′₁, not entry 1 of wᵀ
    assert isinstance(parse(r"(x + y)''"), Opaque)  # two primes on an expression: never a double transpose


def test_labelled_superscripts():
    assert render(parse(r"\gamma^{\prime(i)}")) == "gamma^prime(i)"
    node = parse(r"w^{\ast T}")
    assert isinstance(node, Transpose) and isinstance(node.arg, Sym) and node.arg.sup == "ast"
    assert render(parse(r"V^{\perp}")) == "V^perp"


# ---------------------------------------------------------------- functions of what they hold


def test_binom_ceiling_floor_real_part():
    assert render(parse(r"\binom{n}{k}")) == "binom(n, k)"
    assert render(parse(r"\lceil m / 2 \rceil")) == "ceil(m / 2)"
    assert render(parse(r"\left\lfloor x \right\rfloor")) != ""  # \left\lfloor … \right\rfloor
    assert render(parse(r"\Re(z) + \Im w")) == "Re(z) + Im(w)"


def test_re_as_the_real_numbers():
    first, steps = chain(r"f : \Re^{n} \to \Re")
    assert [(rel, type(n)) for rel, n in steps] == [(":", Space), ("→", Space)]
    assert render(steps[0][1]) == "R^{n}"
    with pytest.raises(ParseError):
        parse(r"x \in \Im^n")  # \Im is no set of numbers: unread


def test_placeholder_argument():
    node = parse(r"f(\cdot) + \|\cdot\|_1")
    assert len([n for n in node.walk() if isinstance(n, Opaque) and n.op == "placeholder"]) == 2
    assert isinstance(node.terms[0], Call)


def test_text_word_before_a_bracket_is_a_function():
    node = parse(r"\text{prod}\left(\frac{\partial L}{\partial y}, \frac{\partial y}{\partial x}\right)")
    assert isinstance(node, Func) and node.name == "prod" and len(node.args) == 2
    assert not isinstance(parse(r"\text{prod} \cdot x"), Func)


def test_named_operator_with_a_subscript_and_no_argument_is_a_name():
    first, steps = chain(r"X \rightarrow \operatorname{Linear}_1 \rightarrow \operatorname{ReLU} \rightarrow Z")
    assert [render(n) for _, n in steps] == ["Linear_1", "ReLU", "Z"]
    assert isinstance(parse(r"\operatorname{Linear}_1(x)"), Func)  # an argument after it: applied


def test_transposed_function_and_blackboard_matrix():
    node = parse(r"\mathrm{vec}^\top(X)")
    assert isinstance(node, Transpose) and isinstance(node.arg, Func) and node.arg.name == "vec"
    node = parse(r"\mathbb{X}^{\top}\mathbb{X}")
    assert isinstance(node, Mul) and isinstance(node.factors[0], Transpose)
    assert isinstance(parse(r"\mathbb{R}^{n}"), Space)  # a set of numbers keeps its dimensions


def test_qualified_sets_of_numbers():
    first, steps = chain(r"x \in \mathbb{R}^{\ge 0}")
    assert isinstance(steps[0][1], Space) and steps[0][1].sub == "\\ge0".replace("\\", "")
    first, steps = chain(r"x \in \mathbb{R}^+")
    assert steps[0][1].sub == "+" and steps[0][1].dims == []


# ---------------------------------------------------------------- operations never evaluated


@pytest.mark.parametrize("op", ["circledast", "bigcirc", "oslash", "ominus"])
def test_opaque_operations(op):
    node = parse(rf"W \{op} X + b")
    inner = only_opaque(node, op)
    assert [render(p) for p in inner.parts] == ["W", "X"]


def test_big_set_operations_prefix_and_between():
    node = parse(r"\bigcup_{i=1}^{n} A_i")
    assert isinstance(node, Opaque) and node.op == "bigcup"
    node = parse(r"A \bigcap B")
    assert isinstance(node, Opaque) and node.op == "cap"
    assert render(parse(r"C \backslash (A \cup B)")) == "(C ∖ (A ∪ B))"


def test_rare_prefixes():
    assert render(parse(r"\#(i)")) == "#(i)"
    assert render(parse(r"\begin{pmatrix} \sim 1 \\ \sim 0 \end{pmatrix}")) == "[∼1; ∼0]"
    assert isinstance(parse(r"\partial^2 f(x)"), Opaque)
    assert isinstance(parse(r"90^\circ"), Opaque)
    assert render(parse(r"70\%")) == "70 / 100"
    with pytest.raises(ParseError):
        parse(r"i \% C")  # a program's modulo: not a percentage


def test_ellipsis_of_middle_dots_and_tensor_power():
    node = parse("x_1 + ··· + x_n")
    assert any(isinstance(n, Dots) for n in node.walk())
    assert only_opaque(parse(r"x^{\otimes k}"), "tensorpower")


def test_divergence_between_two_distributions():
    node = parse(r"KL(P \| Q)")
    assert isinstance(node, Opaque) and node.op == "between" and len(node.parts) == 2
    assert not isinstance(parse(r"\|x\|_2"), Opaque)  # a norm stays a norm


def test_bars_drawn_with_mid():
    node = parse(r"\mid w_1 \mid + \mid w_2 \mid")
    assert all(isinstance(t, Abs) for t in node.terms)


# ---------------------------------------------------------------- relations


@pytest.mark.parametrize(
    "text, rel",
    [
        (r"x \not\in S", "∉"),
        (r"a \not= b", "≠"),
        (r"x >= y", "≥"),
        (r"x <= y", "≤"),
        (r"a == 0", "="),
        (r"I(x) ::= x", ":="),
        (r"a \xrightarrow{n \to \infty} b", "→"),
        (r"a \lesssim b", "≲"),
    ],
)
def test_relations_written_otherwise(text, rel):
    first, steps = chain(text)
    assert [r for r, _ in steps] == [rel]


def test_factorial_before_equals_stays_a_factorial():
    first, steps = chain(r"n!=n(n-1)!")  # != is no relation in TeX: n! = n (n - 1)!
    assert render(first) == "n!" and [r for r, _ in steps] == ["="]


def test_spaced_relations_are_not_glued():
    with pytest.raises(ParseError):
        chain(r"x > = y")  # a space between: two relations, no right side for the first


# ---------------------------------------------------------------- rows and labels


def test_circled_labels_and_table_rules_do_not_break_a_chain():
    text = "\\begin{aligned} 2a &= b + c & \\textcircled{1} \\\\ \\hline &= c + b & \\textcircled{2} \\end{aligned}"
    found = block_claims(text)
    assert [c.kind for c in found] == ["equality", "equality"]
    assert found[1].chain == found[0].chain and found[1].step == 1


def test_case_rows_with_punctuation():
    (claim,) = block_claims(r"f'(x) = \begin{cases} 1, & x > 0, \\ 0, & x \leq 0. \end{cases}")
    assert isinstance(claim.rhs, Cases)
    # an ellipsis in a matrix cell is no punctuation
    (claim,) = block_claims(r"A = \begin{bmatrix} a & .... \\ b & c \end{bmatrix}")
    assert claim.kind == "unparsed"


def test_array_of_cases_is_piecewise_and_a_matrix_stays_a_matrix():
    (claim,) = block_claims(r"\delta_{ij} = \left\{\begin{array}{ll} 1, & i = j \\ 0, & i \neq j \end{array}\right.")
    assert isinstance(claim.rhs, Cases)
    (claim,) = block_claims(r"A = \left[\begin{array}{cc} 1 & 2 \\ 3 & 4 \end{array}\right]")
    assert isinstance(claim.rhs, Matrix)


def test_a_relation_sign_named_alone_is_no_claim():
    assert block_claims(r"(\leqslant)") == []
    assert block_claims(r"=") == []
    assert len(block_claims(r"a \leq b")) == 1


def test_reason_in_parentheses_is_a_remark():
    text = r"\begin{aligned} a &= \frac{b}{N} \quad (\because \sum_k m_k = N) \\ &= c \end{aligned}"
    found = block_claims(text)
    assert [c.kind for c in found if c.kind == "unparsed"] == []
    assert any("because" in c.prose_after for c in found)


def test_operator_naming_a_table_row():
    text = "\\begin{array}{lcc} \\otimes & & \\frac{\\partial (w \\otimes x)}{\\partial w} = \\mathrm{diag}(x) \\end{array}"
    (claim,) = block_claims(text)
    assert claim.kind == "derivative"


def test_picture_between_two_statements_separates_them():
    text = r"\frac{\partial u}{\partial x} \includegraphics[scale=.1]{neq.png} \frac{\partial}{\partial x}(x + u) = 1"
    found = block_claims(text)
    assert len(found) == 1 and render(found[0].rhs) == "1"
    assert found[0].text.startswith("\\frac{\\partial}{\\partial x}")


def test_text_after_an_operator_is_a_term_and_a_script_font_is_math():
    (claim,) = block_claims(r"f = a + \text{高阶项}")
    assert claim.kind != "unparsed" and only_opaque(claim.rhs, "text")
    (claim,) = block_claims(r"y = \mathbf{W}_\textrm{qh}^\top h")
    assert claim.kind != "unparsed"


def test_comment_column_of_several_text_rows():
    text = (
        r"\begin{aligned} 2a &= b & {\begin{pmatrix*}[l] \text{$A$ is a column,} \\ \text{so is $B$.}"
        r" \end{pmatrix*}} \\ &= c \end{aligned}"
    )
    found = block_claims(text)
    assert [c.kind for c in found] == ["equality", "equality"]


def test_code_names_in_typewriter_font():
    first, steps = chain(r"\texttt{x.grad} \gets \texttt{x.grad} + g")
    assert render(first) == "x.grad"


def test_reading_fixture_parses_every_claim():
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "fixtures" / "markdown" / "reading_constructs.md"
    result = check_text(str(path), path.read_text(encoding="utf-8"))
    assert result.claims and all(c.kind != "unparsed" for c in result.claims)
    assert [f.code for f in result.findings] == ["DL304"]


# ---------------------------------------------------------------- drawings and operations named as objects


def test_diagrams_are_opaque_operands():
    first, steps = chain(r"e_2 = \mathbin{\begin{tikzpicture}[b] \node (a) {$A$}; \draw (a) -- (b); \end{tikzpicture}}")
    assert only_opaque(steps[0][1], "diagram")
    first, steps = chain(r"(\tikz[baseline=-.25em]{ \draw (0,0) -- (1,0); }) \in \mathbb{R}^n")
    assert isinstance(first, Opaque) and first.op == "diagram" and isinstance(steps[0][1], Space)


def test_operation_named_as_an_object():
    first, steps = chain(r"\mathfrak{g} = (\mathbb{R}^3, \mathbb{R}, \times)")
    assert only_opaque(steps[0][1], "operation")
    first, steps = chain(r"\oplus : D \times E \rightarrow D")
    assert isinstance(first, Opaque) and [r for r, _ in steps] == [":", "→"]
    with pytest.raises(ParseError):
        parse(r"\times b")  # a sign with an operand after it and nothing before: no reading


def test_a_transposed_gradient_is_the_gradient_transposed():
    """∇f(x)^T d and ∇_x f^T d are (∇f(x))ᵀd, as optimisation notes mean them; read as ∇(f(x)ᵀ) (a
    column again for a scalar f) the descent condition ∇f(x)ᵀd = xᵀd could never be decided."""
    from derivlint.engine import check_text
    from derivlint.math.lexer import lex
    from derivlint.math.parser import sub_parse
    from derivlint.math.tree import Deriv, Mul, Transpose

    node = sub_parse(lex(r"\nabla f(x)^T d"))
    assert isinstance(node, Mul) and isinstance(node.factors[0], Transpose) and isinstance(node.factors[0].arg, Deriv)
    note = ("Let $x \\in \\mathbb{R}^n$ and $d \\in \\mathbb{R}^n$, and $f(x) = \\frac{1}{2} x^T x$.\n\n"
            "Then $\\nabla_x f(x)^T d = x^T d$ and $\\nabla_x f^T d = x^T d$.\n")
    verdicts = [c.verdict for c in check_text("n.md", note).claims if c.kind == "derivative"]
    assert verdicts == ["true", "true"], verdicts
