"""Tests of the Markdown extractor: delimiters, structure, positions, seeds and corpus."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from derivlint.extract import extract
from derivlint.extract import markdown as md
from derivlint.extract.markdown import extract_markdown

from shared_data import CORPUS, SEEDS, SEEDS_REASON, needs_corpus


def run(text: str):
    return extract_markdown("note.md", text)


def starts(ex) -> list[tuple[int, int, str]]:
    """(line, column, delimiter) of every block, in order."""
    return [(*b.source.line_col(b.start), b.delimiter) for b in ex.blocks]


def texts(ex) -> list[str]:
    return [b.text for b in ex.blocks]


def check_identity(ex) -> None:
    """Every block character maps back to the same character of its source."""
    for block in ex.blocks:
        src = block.source.text
        assert len(block.offsets) == len(block.text) + 1
        assert 0 <= block.start <= block.end <= len(src)
        for i, ch in enumerate(block.text):
            assert src[block.offsets[i]] == ch
        assert block.offsets[-1] <= block.end
        assert block.passage is not None and block in block.passage.blocks
        assert block.passage.start <= block.start and block.end <= block.passage.end
    for source in ex.sources:
        own = [b.start for b in ex.blocks if b.source is source]
        assert own == sorted(own)


# -- delimiters ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "note, delimiter, body, display, env",
    [
        ("a $x^T$ b", "$", "x^T", False, None),
        ("a $$x^T$$ b", "$$", "x^T", False, None),  # $$ within a sentence: inline (kramdown)
        ("$$x^T$$", "$$", "x^T", True, None),
        ("a \\(x^T\\) b", "\\(", "x^T", False, None),
        ("a \\[x^T\\] b", "\\[", "x^T", True, None),
        ("a \\\\(x^T\\\\) b", "\\\\(", "x^T", False, None),
        ("a \\\\[x^T\\\\] b", "\\\\[", "x^T", True, None),
        ("\\begin{align*}\na &= b\n\\end{align*}", "\\begin{align*}", "\na &= b\n", True, "align*"),
        ("\\begin{equation}x=1\\end{equation}", "\\begin{equation}", "x=1", True, "equation"),
    ],
)
def test_each_delimiter(note, delimiter, body, display, env):
    ex = run(note)
    assert [(b.delimiter, b.text, b.display, b.env) for b in ex.blocks] == [(delimiter, body, display, env)]
    block = ex.blocks[0]
    assert note[block.start : block.end].startswith(delimiter)
    assert note[block.offsets[0] : block.offsets[-1]] == body
    assert not ex.problems
    check_identity(ex)


def test_environment_inside_display_keeps_begin_end():
    ex = run("$$\\begin{aligned}a&=b\\end{aligned}$$")
    [block] = ex.blocks
    assert block.delimiter == "$$" and block.env is None
    assert block.text == "\\begin{aligned}a&=b\\end{aligned}"


def test_nested_environments_match_their_own_end():
    note = "\\begin{equation}\\begin{aligned}a\\end{aligned} \\begin{equation*}\\end{equation*}\\end{equation} t"
    [block] = run(note).blocks
    assert block.env == "equation"
    assert note[block.end :] == " t"


def test_unknown_environment_is_not_math():
    assert run("\\begin{proof} $x$ \\end{proof} \\begin{theorem} t \\end{theorem}").blocks[0].text == "x"
    assert len(run("\\begin{proof} $x$ \\end{proof}").blocks) == 1


@pytest.mark.parametrize("env", ["aligned", "gathered", "split", "pmatrix", "bmatrix", "Bmatrix*", "cases", "array"])
def test_an_inner_math_environment_in_prose_is_math_as_mathjax_and_pandoc_render_it(env):
    # MathJax typesets \begin{…}…\end{…} outside delimiters (processEnvironments, on by default:
    # Jupyter and most MathJax sites); Pandoc's HTML writer makes a raw LaTeX math environment
    # display math (Quarto, R Markdown). The whole environment is the math they typeset.
    note = f"Text before.\n\n\\begin{{{env}}}\na &= (b + c) \\\\\n&= d\n\\end{{{env}}}\n\nAfter $x$.\n"
    ex = run(note)
    first, after = ex.blocks
    whole = f"\\begin{{{env}}}\na &= (b + c) \\\\\n&= d\n\\end{{{env}}}"
    assert (first.delimiter, first.env, first.display, first.text) == ("", env, True, whole)
    assert note[first.start : first.end] == whole
    assert first.source.line_col(first.start) == (3, 1)
    assert first.line_col(first.text.index("(b")) == (4, 6)
    assert first.source.line_col(first.end) == (6, 7 + len(env))
    assert after.text == "x" and not ex.problems
    check_identity(ex)


def test_an_inner_environment_inside_display_math_is_part_of_it():
    note = "$$\\begin{pmatrix} a \\end{pmatrix}$$ and \\[ \\begin{cases} b \\end{cases} \\]"
    ex = run(note)
    assert [(b.delimiter, b.env) for b in ex.blocks] == [("$$", None), ("\\[", None)]


def test_an_inner_environment_in_a_sentence_and_in_a_list_item():
    note = "- so $y$ is \\begin{bmatrix} 1 \\\\ 2 \\end{bmatrix} here\n- next\n"
    ex = run(note)
    assert [b.text for b in ex.blocks] == ["y", "\\begin{bmatrix} 1 \\\\ 2 \\end{bmatrix}"]
    assert ex.blocks[1].passage.kind == "list_item"
    check_identity(ex)


def test_inline_dollars_pair_in_order_with_spaces():
    ex = run("a $ x $ and ${\\alpha} $ then $y$")
    assert texts(ex) == [" x ", "{\\alpha} ", "y"]


def test_currency_is_not_math():
    ex = run("It costs $5 and $10 today.")
    assert ex.blocks == [] and ex.problems == []


def test_currency_then_math():
    ex = run("It costs $5 or $6, and $x$ is a vector.")
    assert texts(ex) == ["x"]


def test_unclosed_single_dollar_is_not_a_problem():
    ex = run("price: $3\n\nnext paragraph $y$")
    assert texts(ex) == ["y"]
    assert ex.problems == []


def test_escaped_dollar_is_literal():
    ex = run("a \\$ b $x$ c \\$5")
    assert texts(ex) == ["x"]
    ex = run("$a \\$ b$")
    assert texts(ex) == ["a \\$ b"]


def test_escaped_bracket_with_prose_and_dollars_is_not_math():
    ex = run("样例集$D$\\[也叫观测集，注意与花体$\\mathcal{D}$的区别\\]。")
    assert texts(ex) == ["D", "\\mathcal{D}"]


def test_text_with_dollars_inside_display_math():
    ex = run("\\[ a \\text{ if $x>0$} \\]")
    assert texts(ex) == [" a \\text{ if $x>0$} "]


# -- things that are not math -----------------------------------------------------------


def test_code_spans_are_skipped():
    ex = run("a `$x$` b ``c ` $y$`` d $z$")
    assert texts(ex) == ["z"]


def test_unclosed_backtick_is_literal():
    ex = run("a ` b $z$")
    assert texts(ex) == ["z"]


def test_fences_indented_code_and_html_are_excluded():
    note = (
        "```python\nx = '$a$'\n```\n\n"
        "    $$ indented code $$\n\n"
        "<!-- $b$ -->\n\n"
        "<div>\n$c$\n</div>\n\n"
        "text <!-- $d$ --> and $e$\n"
    )
    ex = run(note)
    assert texts(ex) == ["e"]
    assert ex.problems == []


def test_front_matter_is_excluded_even_after_a_bom():
    note = "\ufeff---\ntitle: $x$\n---\n# T\n$y$\n"
    ex = run(note)
    assert starts(ex) == [(5, 1, "$")]
    assert [p.kind for p in ex.passages] == ["heading", "paragraph"]


# -- structure ---------------------------------------------------------------------------


def test_headings_path_and_sections():
    note = "# A\n\n$a$\n\n## B $b$\n\n$c$\n\n# C\n\n$d$\n"
    ex = run(note)
    paths = {b.text: (b.passage.kind, b.passage.headings, b.passage.section) for b in ex.blocks}
    assert paths == {
        "a": ("paragraph", ("A",), 1),
        "b": ("heading", ("A", "B $b$"), 2),
        "c": ("paragraph", ("A", "B $b$"), 2),
        "d": ("paragraph", ("C",), 3),
    }
    heading = ex.blocks[1].passage
    assert heading.text == "B $b$"


def test_setext_heading():
    ex = run("Title $t$\n=====\n\n$x$\n")
    assert [(b.text, b.passage.kind, b.passage.headings) for b in ex.blocks] == [
        ("t", "heading", ("Title $t$",)),
        ("x", "paragraph", ("Title $t$",)),
    ]


def test_math_in_list_items():
    note = "- first $a$\n- second\n  $b$\n  - inner $c$\n"
    ex = run(note)
    assert [(b.text, b.passage.kind) for b in ex.blocks] == [("a", "list_item"), ("b", "list_item"), ("c", "list_item")]
    assert ex.blocks[0].passage.text == "first $a$"
    assert ex.blocks[2].passage.text == "inner $c$"
    assert ex.blocks[0].passage is not ex.blocks[1].passage


def test_multiline_display_in_list_item():
    note = "1. item\n   $$\n   x = y\n   $$\n"
    [block] = run(note).blocks
    assert block.text == "\n   x = y\n   "
    assert block.line_col(block.text.index("x")) == (3, 4)


def test_table_rows_and_cells():
    note = "| f | grad |\n|---|---|\n| $\\ln|\\det X|$ | $\\|x\\|$ and `a|b` |\n"
    ex = run(note)
    assert texts(ex) == ["\\ln|\\det X|", "\\|x\\|"]
    rows = [p for p in ex.passages if p.kind == "table_row"]
    assert [p.row for p in rows] == [1, 3]
    assert [[note[a:b] for a, b in p.cells] for p in rows] == [
        ["f", "grad"],
        ["$\\ln|\\det X|$", "$\\|x\\|$ and `a|b`"],
    ]
    assert ex.blocks[0].passage is rows[1]


def test_table_cells_with_escaped_pipe_and_no_outer_pipes():
    note = "a | b\n--|--\nx \\| y | $z$\n"
    ex = run(note)
    row = [p for p in ex.passages if p.row == 3][0]
    assert [note[a:b] for a, b in row.cells] == ["x \\| y", "$z$"]


def test_blockquote_math_strips_markers():
    note = "> see\n> $$\n> A = B\n>\n> C\n> $$\n> after $x +\n> y$\n"
    ex = run(note)
    assert texts(ex) == ["\nA = B\n\nC\n", "x +\ny"]
    block = ex.blocks[0]
    assert block.passage.kind == "blockquote"
    assert block.line_col(block.text.index("A")) == (3, 3)
    assert block.line_col(block.text.index("C")) == (5, 3)
    assert block.line_col(len(block.text)) == (6, 3)
    assert block.end_line_col(len(block.text)) == (5, 5)
    inline = ex.blocks[1]
    assert inline.line_col(inline.text.index("y")) == (8, 3)
    check_identity(ex)


def test_nested_blockquote_in_list():
    note = "- > $$\n  > > x\n  > $$\n"
    [block] = run(note).blocks
    assert block.text == "\n> x\n"
    check_identity(run(note))


def test_cjk_columns_count_code_points():
    note = "设矩阵 $A$ 是对称的，且 $\\mathbf{x}\\in\\mathbb{R}^n$。\n"
    ex = run(note)
    assert starts(ex) == [(1, 5, "$"), (1, 16, "$")]
    assert ex.blocks[1].line_col(0) == (1, 17)
    assert ex.blocks[1].end_line_col(len(ex.blocks[1].text)) == (1, 42)


def test_crlf_line_endings():
    note = "# T\r\n\r\n$$\r\na = b\r\n$$\r\nand $x$\r\n"
    ex = run(note)
    assert starts(ex) == [(3, 1, "$$"), (6, 5, "$")]
    block = ex.blocks[0]
    assert block.text == "\na = b\n"
    assert "\r" not in block.text
    assert block.line_col(1) == (4, 1)
    assert ex.passages[0].text == "T"
    check_identity(ex)


def test_display_block_between_paragraphs_and_prose_between_blocks():
    note = "设：\n$$\na\n$$\n则：\n$$\nb\n$$\n"
    ex = run(note)
    assert starts(ex) == [(2, 1, "$$"), (6, 1, "$$")]
    assert texts(ex) == ["\na\n", "\nb\n"]
    assert ex.blocks[1].prose_before().endswith("则：\n")


def test_display_block_alone_is_its_own_paragraph():
    note = "before\n\n$$x$$\n\nafter\n"
    ex = run(note)
    assert [p.kind for p in ex.passages] == ["paragraph"] * 3
    assert ex.blocks[0].passage.text == "$$x$$"


def test_display_block_spans_blank_lines():
    note = "text\n\n$$\na\n\n= b\n\n\\qquad c\n$$\n\nafter $y$\n"
    ex = run(note)
    assert texts(ex) == ["\na\n\n= b\n\n\\qquad c\n", "y"]
    assert ex.blocks[0].line_col(ex.blocks[0].text.index("c")) == (8, 8)
    assert ex.problems == []
    display = note[note.index("$$") : note.index("$$\n\nafter") + 2]
    assert [p.text for p in ex.passages] == ["text", display, "after $y$"]


def test_display_lines_that_look_like_markdown_stay_math():
    note = "$$\na\n+ b\n- c\n# d\n1. e\n| f |\n---\n$$\n\n# Real\n"
    ex = run(note)
    assert texts(ex) == ["\na\n+ b\n- c\n# d\n1. e\n| f |\n---\n"]
    assert [(p.kind, p.headings) for p in ex.passages] == [("paragraph", ()), ("heading", ("Real",))]


def test_setext_underline_inside_display_math():
    note = "$$\na\n =\nb\n$$\n"
    ex = run(note)
    assert texts(ex) == ["\na\n =\nb\n"]
    assert [p.kind for p in ex.passages] == ["paragraph"]


def test_unclosed_display_does_not_steal_a_later_block():
    note = "intro $$ oops\n\n$$\nx\n$$\n"
    ex = run(note)
    assert texts(ex) == ["\nx\n"]
    [(source, start, end, message)] = ex.problems
    assert source.line_col(start) == (1, 7)
    assert note[start:end] == "$$"
    assert message == "unclosed '$$': no matching '$$' before the end of the paragraph"


@pytest.mark.parametrize(
    "note, where, line",
    [
        ("a\n\n\\[ x\n\nb\n", "\\[", 3),
        ("a\n\n  \\[\nx\n", "\\[", 3),
        ("- item \\begin{align} x\n- next\n", "\\begin{align}", 1),
        ("| a | b |\n|---|---|\n| $$x | y |\n", "$$", 3),
        ("## head $$\n", "$$", 1),
    ],
)
def test_unclosed_delimiters_are_reported(note, where, line):
    ex = run(note)
    assert ex.blocks == []
    [(source, start, end, message)] = ex.problems
    assert note[start:end] == where
    assert source.line_col(start)[0] == line
    assert message.startswith(f"unclosed '{where}': no matching")


@pytest.mark.parametrize(
    "note",
    ["for t in the interval \\(0,1\\] we have $x$", "some \\( x\n", "a\n\nsome \\[ x\n\nb\n",
     "the references \\[1, 2) and $y$"],
)
def test_an_unclosed_backslash_bracket_in_a_sentence_is_a_markdown_escape(note):
    # CommonMark reads \( and \[ as an escaped ( and [; with no closer in reach that is the reading
    ex = run(note)
    assert ex.problems == []


def test_a_doubled_closing_dollar_is_a_stray_dollar_not_an_opening_one():
    note = "the $d$$ layer of $W$ and the $k$$ channel (of $x$)\n"
    ex = run(note)
    assert texts(ex) == ["d", "W", "k", "x"]
    assert [(note[start:end], source.line_col(start)) for source, start, end, _ in ex.problems] == [
        ("$", (1, 8)), ("$", (1, 34)),
    ]
    assert ex.problems[0][3] == "stray '$' after the inline math '$d$': a doubled closing '$'"


def test_kramdowns_escaped_double_dollar_opens_inline_math():
    # kramdown: "\\$$" lets a paragraph or list item start with inline $$…$$; its closing $$ is not stray
    note = "* \\$$x + y \\neq x y$$ unless $$x$$ and $$y$$ are both $$2$$\n"
    ex = run(note)
    assert ex.problems == []
    assert texts(ex) == ["x + y \\neq x y", "x", "y", "2"]


@pytest.mark.parametrize("note", ["$a$$b$ side by side", "$a$$\n", "$x$$$\ny\n$$\n", "it costs $5 and then $$ y = 2 $$"])
def test_dollars_that_are_not_stray(note):
    assert run(note).problems == []


def test_display_may_not_leave_its_list_item():
    ex = run("- a $$ b\n- c $$ d\n")
    assert ex.blocks == []
    assert len(ex.problems) == 2


def test_display_may_not_cross_a_fence():
    ex = run("$$\na\n```\ncode\n```\n$$\n")
    assert ex.blocks == []
    assert len(ex.problems) == 2


def test_double_backslash_line_break_is_not_reported():
    ex = run("\\latex{{ a \\\\[2pt] b }}")
    assert ex.blocks == [] and ex.problems == []


def test_passages_cover_prose_without_math():
    ex = run("# T\n\nA is symmetric.\n\n- B is $n\\times n$.\n")
    assert [(p.kind, p.text) for p in ex.passages] == [
        ("heading", "T"),
        ("paragraph", "A is symmetric."),
        ("list_item", "B is $n\\times n$."),
    ]


def test_macro_definitions_are_collected(monkeypatch):
    # Definitions are collected wherever they are (any block, inline or display), through the
    # module's macro reader; which blocks it is handed is the extractor's business.
    read = []
    real = md.find_macro_definitions

    def spy(text):
        read.append(text)
        return real(text)

    monkeypatch.setattr(md, "find_macro_definitions", spy)
    ex = run("$x$ and $\\newcommand{\\R}{\\mathbb{R}}$ and $x\\in\\R$\n\n$$\\def\\v{\\mathbf{v}} y = 1$$")
    assert ex.macros == {"R": (0, None, "\\mathbb{R}"), "v": (0, None, "\\mathbf{v}")}
    assert "\\newcommand{\\R}{\\mathbb{R}}" in read


def test_source_argument_is_used():
    from derivlint.source import Source

    source = Source("n.ipynb", "$x$", cell=3)
    ex = extract_markdown("n.ipynb", "$x$", source)
    assert ex.sources == [source] and ex.blocks[0].source is source


# -- robustness -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "note",
    [
        "",
        "\n\n\n",
        "$",
        "$$",
        "\\",
        "`",
        "<!--",
        "\\begin{align}",
        "\\begin{",
        "> $$\n",
        "|$|\n|-|\n|$|",
        "- $$\n  - $$\n    - $$",
        "\x00$a\x00$",
        "a\rb $x$\r$y$",
        "\u2028$x$\u2029",
        ">" * 200 + " $x$",
        "- " * 200 + "$x$",
        "$$\n" * 101,
        "```\n$x$",
        "\ud800 $x$",
    ],
)
def test_never_raises(note):
    ex = run(note)
    check_identity(ex)


def test_pathological_input_is_fast():
    note = ("$5 ` `` \\[ \\( <!-- $$ \\begin{align} " * 3000) + "\n"
    begin = time.perf_counter()
    ex = run(note + "\n\n" + note)
    assert time.perf_counter() - begin < 10
    check_identity(ex)


def test_extract_dispatches_on_extension():
    assert extract("a.md", "$x$").blocks[0].text == "x"
    assert extract("a.MARKDOWN", "$x$").blocks[0].text == "x"
    assert extract("a.txt", "$x$").blocks[0].text == "x"
    assert extract("a.ipynb", "{}").problems


def test_extract_dispatches_tex():
    latex = pytest.importorskip("derivlint.extract.latex")
    assert hasattr(latex, "extract_latex")
    assert extract("a.tex", "$x$") is not None


# -- the seeds, line by line --------------------------------------------------------------


def seed(prefix: str):
    if not SEEDS.is_dir():
        pytest.skip(SEEDS_REASON)
    [path] = SEEDS.glob(prefix + "_*.md")
    text = path.read_text(encoding="utf-8")
    return text, extract_markdown(str(path), text)


def on_lines(ex, lines) -> list[tuple[int, int, str]]:
    return [s for s in starts(ex) if s[0] in lines]


def test_seed_000():
    text, ex = seed("000")
    assert on_lines(ex, range(6, 21)) == [
        (6, 8, "\\("),
        (8, 18, "\\("), (8, 36, "\\("),
        (12, 4, "\\("), (12, 14, "\\("), (12, 36, "\\("), (12, 61, "\\("), (12, 79, "\\("),
        (16, 3, "\\("), (16, 56, "\\("),
        (18, 1, "\\["),
    ]
    heading = ex.blocks[0]
    assert heading.text == " \\frac{\\partial X^T}{\\partial X} = I "
    assert heading.passage.kind == "heading"
    assert heading.passage.headings == ("1. \\( \\frac{\\partial X^T}{\\partial X} = I \\)",)
    display = [b for b in ex.blocks if b.delimiter == "\\["][0]
    assert display.display and display.source.line_col(display.end) == (20, 3)
    assert display.line_col(display.text.index("\\frac")) == (19, 1)
    assert display.line_col(display.text.index("= I")) == (19, 80)
    assert display.passage.headings[-1] == "数值例子"
    assert len([b for b in ex.blocks if b.delimiter == "\\["]) == 7
    assert ex.problems == []
    check_identity(ex)


def test_seed_001():
    text, ex = seed("001")
    assert on_lines(ex, [9]) == [(9, 14, "$"), (9, 23, "$"), (9, 35, "$")]
    row9 = ex.blocks[0].passage
    assert row9.kind == "table_row" and row9.row == 9
    assert [text[a:b] for a, b in row9.cells] == ["标量对标量", "标量 $t$", "标量 $f(t)$", "标量 $\\frac{df}{dt}$"]
    assert on_lines(ex, [162]) == [(162, 3, "$"), (162, 33, "$")]
    det = [b for b in ex.blocks if b.source.line_col(b.start) == (162, 3)][0]
    assert det.text == "f = \\ln|\\det(\\mathbf{X})|"
    assert len(det.passage.cells) == 2
    assert on_lines(ex, range(20, 43)) == [(21, 1, "$$"), (32, 1, "$$")]
    first, second = [b for b in ex.blocks if b.source.line_col(b.start)[0] in (21, 32)]
    assert first.source.line_col(first.end) == (30, 3)
    assert second.source.line_col(second.end) == (41, 3)
    assert first.line_col(first.text.index("\\in")) == (29, 1)
    assert text[first.end : second.start] == "\n则：\n"
    assert first.passage is second.passage
    assert ex.problems == []
    check_identity(ex)


def test_seed_002():
    text, ex = seed("002")
    assert starts(ex) == [(23, 1, "$$")]
    [block] = ex.blocks
    assert block.source.line_col(block.end) == (149, 3)
    assert block.line_col(block.text.index("\\begin{matrix}")) == (106, 1)
    assert block.line_col(block.text.index("方式二")) == (129, 1)
    assert ex.passages[0].source.line_col(ex.passages[0].start) == (11, 1)
    assert ex.problems == []
    check_identity(ex)


def test_seed_003():
    text, ex = seed("003")
    assert on_lines(ex, [21, 22, 35]) == [(21, 4, "$"), (21, 104, "$"), (22, 1, "$$"), (35, 1, "$$")]
    aligned = [b for b in ex.blocks if b.source.line_col(b.start) == (35, 1)][0]
    assert aligned.text.startswith("\\begin{aligned}") and aligned.env is None
    assert aligned.source.line_col(aligned.end) == (41, 16)
    assert aligned.line_col(aligned.text.index("&=2\\mathbf")) == (40, 1)
    heading = [b for b in ex.blocks if b.source.line_col(b.start)[0] == 31][0]
    assert heading.passage.kind == "heading"
    assert heading.passage.headings == (
        "矩阵求导", "从标量到向量", "Useful Results", heading.passage.text,
    )
    assert [b.passage.kind for b in ex.blocks if b.source.line_col(b.start)[0] == 172] == ["list_item", "list_item"]
    assert ex.problems == []
    check_identity(ex)


# -- the corpus ---------------------------------------------------------------------------


def corpus_files() -> list[Path]:
    if not CORPUS.is_dir():
        return []
    return sorted(p for p in CORPUS.rglob("*") if p.suffix in (".md", ".ipynb") and p.name != "README.md")


@needs_corpus
def test_corpus_extracts_with_exact_positions():
    files = corpus_files()
    assert files
    for path in files:
        ex = extract(str(path), path.read_text(encoding="utf-8"))
        check_identity(ex)
        for source, start, end, _ in ex.problems:
            assert 0 <= start < end <= len(source.text)
        for passage in ex.passages:
            assert 0 <= passage.start <= passage.end <= len(passage.source.text)


@pytest.mark.parametrize(
    "note, blocks",
    [
        # a blank line inside each of two displays in a row (Typora keeps them): words between them
        ("First:\n$$\na = b\n\n$$\nThen:\n$$\nc = d\n\n$$\n", ["\na = b\n\n", "\nc = d\n\n"]),
        # two displays that each begin with a line "=": the second "=" is no setext underline
        ("$$\n=\nu\n$$\n$$\n=\nv\n$$\n", ["\n=\nu\n", "\n=\nv\n"]),
        # a one-character Chinese word between them ("和", "及", "即") is a word, as "and" is
        ("得到\n$$\na\n=\nb\n$$\n和\n$$\nc\n=\nd\n$$\n", ["\na\n=\nb\n", "\nc\n=\nd\n"]),
    ],
)
def test_a_display_closes_where_the_next_one_opens(note, blocks):
    """Of two `$$` after an unclosed display, the first, alone on its line, closes it when only
    words (or nothing) lie before the second; a lone letter between them is a display of its own."""
    ex = run(note)
    assert texts(ex) == blocks
    assert ex.problems == []


def test_a_display_cut_by_a_blank_line_is_reported_once():
    """One blank line inside a display in a list item is one mistake: the opener is reported; the
    environment inside the display and the `$$` that ends it in the next paragraph are its echoes."""
    note = "1. The output layer\n$$\\begin{aligned}\na &= b \\\\\n\n\\end{aligned}$$\n"
    ex = run(note)
    [(source, start, end, message)] = ex.problems
    assert source.line_col(start) == (2, 1) and note[start:end] == "$$"
    assert message == "unclosed '$$': no matching '$$' before the end of the list item"


# -- GitHub's ```math fences and MkDocs admonitions --------------------------------------


def passages(ex) -> list[tuple[str, str]]:
    return [(p.kind, p.text) for p in ex.passages]


def test_a_math_fence_is_one_display_whatever_its_blank_lines():
    note = "Intro.\n\n```math\n\n\\begin{align}\na\n\n&= b\n\\end{align}\n\n```\n"
    ex = run(note)
    assert texts(ex) == ["\\begin{align}\na\n\n&= b\n\\end{align}"]
    assert ex.blocks[0].display and ex.blocks[0].line_col(0) == (5, 1)
    check_identity(ex)


def test_a_math_directive_still_splits_at_blank_lines_and_a_latex_fence_is_code():
    note = "```{math}\na = b\n\nc = d\n```\n\n```latex\n\\begin{align}\ne\n\n&= f\n\\end{align}\n```\n"
    assert texts(run(note)) == ["a = b", "c = d"]


def test_an_admonition_body_is_markdown_at_its_own_columns():
    note = (
        "Text $a$.\n\n"
        '!!! note "About $t$"\n'
        "    First $b$.\n\n"
        "    $$\n    c = d\n    $$\n\n"
        "    - item $e$\n"
    )
    ex = run(note)
    assert texts(ex) == ["a", "t", "b", "\n    c = d\n    ", "e"]
    assert [b.line_col(0) for b in ex.blocks] == [(1, 7), (3, 18), (4, 12), (6, 7), (10, 13)]
    assert ex.blocks[3].display
    assert ("paragraph", "About $t$") in passages(ex)  # the title, without its quotes
    assert not any("!!!" in text for _, text in passages(ex))
    check_identity(ex)


@pytest.mark.parametrize("opener", ["??? tip", "???+ example \"Worked\"", '=== "Tab"', "!!!danger highlight", "!!! 说明"])
def test_collapsible_admonitions_and_content_tabs(opener):
    note = f"{opener}\n\n    $$\n    x = y\n    $$\n"
    ex = run(note)
    assert [b.text.strip() for b in ex.blocks] == ["x = y"]
    assert ex.blocks[0].line_col(0) == (3, 7)


def test_nested_admonitions_and_one_in_a_list_item():
    note = (
        "!!! note\n    Outer $a$.\n\n    !!! tip\n        $$\n        b = c\n        $$\n\n"
        "1. Item.\n\n    ??? info\n        Inner $d$.\n"
    )
    ex = run(note)
    assert [b.text.strip() for b in ex.blocks] == ["a", "b = c", "d"]
    assert [b.line_col(0) for b in ex.blocks] == [(2, 12), (5, 11), (12, 16)]
    check_identity(ex)


def test_a_tab_indents_the_body_as_four_columns():
    ex = run("!!! note\n\tSee $a$.\n\n\t$$b$$\n")
    assert [(b.text, b.line_col(0)) for b in ex.blocks] == [("a", (2, 7)), ("b", (4, 4))]


def test_a_line_after_the_body_is_a_block_of_its_own():
    ex = run('!!! note ""\n    Inside $a$.\nOutside $b$.\n')  # "": no title
    assert passages(ex) == [("paragraph", "Inside $a$."), ("paragraph", "Outside $b$.")]


def test_an_untitled_admonition_is_titled_by_its_type_as_mkdocs_shows_it():
    ex = run("??? example\n    Take $a = 1$.\n")
    assert passages(ex)[0] == ("paragraph", "example")  # rendered "Example": a worked example opens


def test_indented_code_stays_code_without_an_opener():
    note = (
        "A paragraph.\n\n    $$ a = b $$\n\n"  # indented code after a paragraph
        "Shown as code:\n\n    !!! note\n        $$ c = d $$\n\n"  # an opener inside indented code
        "```markdown\n!!! note\n    $$ e = f $$\n```\n\n"  # an opener inside a fence
        "!!! nothing follows\n\nText $g$.\n"  # no body: prose as CommonMark reads it
    )
    ex = run(note)
    assert texts(ex) == ["g"]
    assert ("paragraph", "!!! nothing follows") in passages(ex)


def test_a_pymdownx_block_reads_its_content_and_title_not_its_options():
    note = "/// details | With $a$\n    type: tip\n    open: true\n\nSee $b$.\n///\n\n/// unclosed | $c$\n"
    ex = run(note)
    assert [(b.text, b.line_col(0)) for b in ex.blocks] == [("a", (1, 21)), ("b", (5, 6)), ("c", (8, 17))]
    assert not any("type:" in text or "///" in text.split("|")[0] for _, text in passages(ex)[:2])
    assert passages(ex)[0] == ("paragraph", "With $a$")


def test_a_math_fence_in_an_admonition_closes_at_its_indented_fence():
    note = "!!! note\n    ```math\n    a\n\n    &= b\n    ```\n\nAfter $c$.\n"
    ex = run(note)
    assert [b.text.strip() for b in ex.blocks] == ["a\n\n    &= b", "c"]
    check_identity(ex)


def _cpu(text: str) -> float:
    start = time.process_time()
    run(text)
    return time.process_time() - start


@pytest.mark.parametrize(
    "unit",
    [
        "!!! note\n    $a$\n",  # siblings, each body ended by the next opener (a break each)
        "- a\n    !!! note\n        $b$\n",  # openers in list items
        "    !!! note\n        $c$\n",  # indented openers with no list: code, looked up a bounded way
        "/// note | t\n",  # unclosed pymdownx blocks
        "/// note | t\n$d$\n///\n",
    ],
)
def test_many_admonitions_are_linear(unit):
    run(unit)
    small, large = _cpu(unit * 1_000), _cpu(unit * 4_000)
    assert large < 8 * small + 0.3, (small, large)  # linear: about 4 times; quadratic: 16 times


def test_deeply_nested_admonitions_are_bounded_and_keep_the_rest_of_the_note():
    """Each level rewrites its body: past a depth the openers are read as they stand."""
    depth = 400
    note = "".join("    " * k + "!!! note\n" for k in range(depth)) + "    " * depth + "$x$\n\nAfter $y$.\n"
    begin = time.process_time()
    ex = run(note)
    assert time.process_time() - begin < 5
    assert texts(ex)[-1] == "y"
    check_identity(ex)
    shallow = "".join("    " * k + "!!! note\n" for k in range(5)) + "    " * 5 + "$x$\n"
    assert texts(run(shallow)) == ["x"]


def test_a_table_cell_holding_only_dollars_is_a_placeholder_not_a_display():
    text = "| f | f' |\n|-|-|\n| ReLU | $$ |\n| | $$ | $$ |\n| Tanh | $$\\tanh z$$ | $$ |\n| Softplus | $$\\log(1 + e^z) |\n"
    ex = extract_markdown("t.md", text)
    assert [b.text for b in ex.blocks] == ["\\tanh z"]  # `$$ | $$` is two empty cells, not math
    assert [text[start:end] for _, start, end, _ in ex.problems] == ["$$"]  # the Softplus cell's
    assert text.find("$$\\log") == ex.problems[0][1]


def test_a_latex_sectioning_line_in_markdown_is_a_heading():
    """Notes converted from LaTeX keep ``\\subsection{…}`` lines: each starts a section, so what one
    section declares (X ∈ ℝ^{m×n}) does not reach the next, as at a Markdown heading."""
    text = ("\\subsection{A determinant}\n\nWith $X \\in \\mathbb{R}^{m \\times n}$.\n\n"
            "\\subsection*{The DFT matrix}\n\nHere $X = W x$.\n\nNot a heading: \\section{inline} in a sentence.\n")
    passages = extract_markdown("n.md", text).passages
    assert [(p.kind, p.headings) for p in passages] == [
        ("heading", ("A determinant",)), ("paragraph", ("A determinant",)),
        ("heading", ("The DFT matrix",)), ("paragraph", ("The DFT matrix",)), ("paragraph", ("The DFT matrix",)),
    ]
    assert passages[1].section != passages[3].section


def test_a_myst_display_may_run_past_a_row_that_lost_its_indentation():
    """In a MyST page (dollarmath reads $$ displays before lists, blank lines and all) a display in a
    list item whose one row starts at column 0 after a blank line still ends at its $$ (outside round
    65, a translated QuantEcon lecture); the same note without MyST front matter keeps its finding."""
    body = ("1. Iterate with the updating rule\n\n   $$\n   \\begin{aligned}\n   G = \\frac{d \\log L}{d \\beta} \\\\\n\n"
            "H = \\frac{d^2 \\log L}{d \\beta d \\beta'}\n   \\end{aligned}\n   $$\n\n1. Check convergence\n")
    myst = "---\njupytext:\n  text_representation:\n    format_name: myst\n---\n\n" + body
    assert run(myst).problems == []
    assert len(run(body).problems) == 1


def test_math_escaped_for_the_converter_is_read_unescaped_with_its_positions():
    # a post whose every backslash is escaped for the Markdown converter: \\nabla would be a row break
    # and letters, \^ TeX's circumflex accent; the converter hands MathJax \nabla _{X} tr(X^{T}B)
    note = "Text.\n\n\\\\[ \\\\nabla \\_\\{X\\} tr(X\\^\\{T\\}B) = B\\^\\{T\\} \\\\]\n"
    (block,) = run(note).blocks
    assert block.escaped and block.text == " \\nabla _{X} tr(X^{T}B) = B^{T} "
    k = block.text.index("B^")
    assert note[block.file_offset(k) : block.file_offset(k) + 2] == "B\\"
    # written with one backslash anywhere, the body is TeX as it stands (pandoc's double-backslash math)
    (plain,) = run("\\\\[ \\frac{a}{b} \\\\]\n").blocks
    assert not plain.escaped and plain.text == " \\frac{a}{b} "


def test_no_fix_is_offered_in_math_escaped_for_the_converter():
    from derivlint.engine import check_text
    note = ("$\\frac{\\partial \\operatorname{tr}(AX)}{\\partial X} = A^T$\n\n"
            "\\\\[ \\\\nabla \\_\\{X\\} tr(X\\^\\{T\\}B) = B\\^\\{T\\} \\\\]\n\n$\\nabla_{X} \\operatorname{tr}(X^{T}C) = C^{T}$\n")
    found = [f for f in check_text("n.md", note).findings if f.code == "DL301"]
    assert [(f.line, f.fix is None) for f in found] == [(3, True), (5, False)]
