"""Notes kept in Markdown's dialects: Quarto, R Markdown, MDX, MyST, kramdown, MathJax 2 scripts; exact positions."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest

from derivlint.cli import main
from derivlint.engine import check_text
from derivlint.extract import extract

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def blocks(path: str, text: str) -> list[tuple[str, bool, int, int]]:
    """(math, display, line, column) of every block, the position being that of the math's first character."""
    return [(b.text.strip(), b.display, *b.line_col(len(b.text) - len(b.text.lstrip()))) for b in extract(path, text).blocks]


def findings(path: str, text: str) -> list[tuple[int, int, str]]:
    return sorted((f.line, f.column, f.code) for f in check_text(path, text).findings)


def prose(path: str, text: str) -> list[str]:
    return [p.text for p in extract(path, text).passages]


# -- Quarto and R Markdown ------------------------------------------------------------

QUARTO = """---
title: "Notes"
format: html
---

```{python}
#| label: fig-x
s = "$a = b$"
```

::: {.callout-note}
## Gradient
The gradient is $\\nabla f$:

$$
y = 2 x
$$ {#eq-y}
:::

See @eq-y and `r 1 + $x$`.
"""


def test_quarto_callouts_are_prose_and_code_chunks_are_not():
    assert blocks("n.qmd", QUARTO) == [("\\nabla f", False, 13, 18), ("y = 2 x", True, 16, 1)]
    texts = prose("n.qmd", QUARTO)
    assert "Gradient" in texts  # the callout's title is a heading
    assert not any(":::" in t or "#|" in t or "title:" in t for t in texts)


def test_a_callout_without_blank_lines_around_its_content_is_read():
    note = "Text.\n\n::: {.callout-tip}\nHere $a = b$.\n:::\nAfter $c = d$.\n"
    assert blocks("n.qmd", note) == [("a = b", False, 4, 7), ("c = d", False, 6, 8)]
    assert prose("n.qmd", note) == ["Text.", "Here $a = b$.", "After $c = d$."]


def test_the_quarto_fixture_finds_its_wrong_claims_at_their_place():
    path = FIXTURES / "quarto" / "quadratic_forms.qmd"
    assert findings(str(path), path.read_text(encoding="utf-8")) == [(30, 64, "DL301"), (36, 1, "DL301")]


def test_the_r_markdown_fixture():
    path = FIXTURES / "quarto" / "least_squares.Rmd"
    assert findings(str(path), path.read_text(encoding="utf-8")) == [(20, 1, "DL301")]


# -- MDX --------------------------------------------------------------------------------

MDX = """import Tip from "./Tip"
export const prices = { low: "$5", high: "$10" }

<Tip kind="note">
Let $a = b$ and
<Figure src="x.png" />
$$c = d$$
</Tip>
"""


def test_mdx_esm_and_jsx_lines_are_not_prose():
    assert blocks("n.mdx", MDX) == [("a = b", False, 5, 6), ("c = d", True, 7, 3)]
    texts = prose("n.mdx", MDX)
    assert not any("import" in t or "export" in t or "<" in t for t in texts)


def test_the_same_text_as_plain_markdown_keeps_html_blocks_apart():
    """Outside MDX a tag line starts an HTML block (CommonMark): its lines stay unread."""
    assert blocks("n.md", MDX) == []  # the "$5", "$10" of the export line are no formula either


def test_the_mdx_fixture():
    path = FIXTURES / "mdx" / "softmax_policy.mdx"
    assert findings(str(path), path.read_text(encoding="utf-8")) == [(21, 17, "DL301")]


# -- MyST -------------------------------------------------------------------------------


def test_the_math_role_is_inline_math():
    note = "The role {math}`a^2 = b` and code `{math}` and {math}``y = `z` ``, {math}`open.\n"
    assert blocks("n.md", note) == [("a^2 = b", False, 1, 17), ("y = `z`", False, 1, 56)]
    assert note.index("y = `z`") == 55  # column 56


def test_a_math_directive_is_one_display_per_equation_after_its_options():
    note = "Intro.\n\n```{math}\n:label: eq-a\n:nowrap:\n\na = b\n  + c\n\nd = e\n```\n\nAfter.\n"
    assert blocks("n.md", note) == [("a = b\n  + c", True, 7, 1), ("d = e", True, 10, 1)]


def test_a_math_directive_with_yaml_options_and_an_argument():
    note = "```{math} x = y\n---\nlabel: eq-b\n---\nu = v\n```\n"
    assert blocks("n.md", note) == [("x = y", True, 1, 11), ("u = v", True, 5, 1)]


def test_a_colon_fenced_math_directive_and_an_unclosed_one():
    note = ":::{math}\n:label: l\np = q\n:::\n\nText $r$.\n\n```{math}\ns = t\n"
    assert blocks("n.md", note) == [("p = q", True, 3, 1), ("r", False, 6, 7), ("s = t", True, 9, 1)]


def test_admonitions_are_prose_and_eval_rst_is_not_math():
    note = (
        "````{note}\n:class: dropdown\nSee $a$.\n\n```{math}\nb = c\n```\n\n```python\nx = '$d$'\n```\n````\n\n"
        "```{eval-rst}\n.. math:: e = f $g$\n```\n\n```{code-cell} python\ny = '$h$'\n```\n"
    )
    assert blocks("n.md", note) == [("a", False, 3, 6), ("b = c", True, 6, 1)]
    assert "See $a$." in prose("n.md", note)
    assert not any(":class:" in t for t in prose("n.md", note))


def test_a_myst_dollar_display_keeps_its_label_out_of_the_math():
    note = "$$\na = b\n$$ (eq-ab)\n\nand $$c = d$$ (eq-cd)\n"
    assert blocks("n.md", note) == [("a = b", True, 2, 1), ("c = d", False, 5, 7)]


def test_a_math_directive_in_a_blockquote_and_in_a_notebook_cell():
    quoted = "> ```{math}\n> a = b\n> ```\n"
    assert blocks("n.md", quoted) == [("a = b", True, 2, 3)]
    nb = {"cells": [{"cell_type": "markdown", "metadata": {}, "source": ["# T\n", "Role {math}`x = y`.\n"]}],
          "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    ((block),) = extract("n.ipynb", json.dumps(nb)).blocks
    assert (block.text, block.source.cell, block.line_col(0)) == ("x = y", 1, (2, 13))


def test_the_myst_fixture():
    path = FIXTURES / "myst" / "hessians.md"
    assert findings(str(path), path.read_text(encoding="utf-8")) == [(28, 71, "DL301"), (33, 1, "DL301")]


# -- kramdown: $$ within a sentence is inline math ----------------------------------------


@pytest.mark.parametrize(
    "note, display",
    [
        ("Then $$a = b$$ holds.", False),
        ("so that $$a = b$$.", False),
        ("$$a = b$$ holds.", False),
        ("$$a = b$$", True),
        ("$$a = b$$ {#eq-x}", True),
        ("$$a = b$$ (eq-x).", True),
        ("- $$a = b$$", True),
        ("> 1. $$a = b$$,", True),
        ("Then\n$$a = b$$\nholds.", True),
        ("Then $$a\n= b$$ holds.", True),
        ("由 $$a = b$$ 可得", False),
    ],
)
def test_kramdown_inline_double_dollars(note, display):
    ((block),) = extract("n.md", note).blocks
    assert (block.text, block.display) == ("a = b" if "\n= b" not in note else "a\n= b", display)


def test_the_kramdown_fixture():
    path = FIXTURES / "markdown" / "kramdown_format.md"
    assert findings(str(path), path.read_text(encoding="utf-8")) == [(8, 23, "DL301")]


# -- MathJax 2 script tags ----------------------------------------------------------------


def test_mathjax_script_tags():
    note = (
        'Let <script type="math/tex">a = b</script> and <SCRIPT TYPE=\'math/tex\'>c</SCRIPT>.\n\n'
        '<script type="math/tex; mode=display">\n% <![CDATA[\nd = e\n%]]>\n</script>\n\n'
        '<script type="text/javascript">var s = "$f$";</script>\n\n'
        '<script type="math/tex">unclosed\n'
    )
    found = blocks("n.md", note)
    assert found[:2] == [("a = b", False, 1, 29), ("c", False, 1, 72)]
    assert found[2][1:] == (True, 4, 1) and "d = e" in found[2][0]
    assert len(found) == 3
    assert findings("n.md", note) == []  # neither the JavaScript nor the unclosed tag is a problem


def test_the_mathjax_fixture():
    path = FIXTURES / "markdown" / "mathjax_format.md"
    assert findings(str(path), path.read_text(encoding="utf-8")) == [(12, 63, "DL301"), (15, 1, "DL301")]


# -- the standard input's name picks the dialect ---------------------------------------------


def test_the_stdin_filename_picks_mdx(monkeypatch, capsys, tmp_path):
    monkeypatch.chdir(tmp_path)
    note = 'import X from "x"\n\n<X>\nWrong: $\\nabla_x (x^T x) = x$ for $x \\in \\mathbb{R}^n$.\n</X>\n'
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(note.encode()), encoding="utf-8"))
    assert main(["check", "-", "--stdin-filename", "notes/a.mdx", "-q", "--output-format", "json", "--no-cache"]) == 1
    (finding,) = json.loads(capsys.readouterr().out)
    assert (finding["path"], finding["line"], finding["column"], finding["code"]) == ("notes/a.mdx", 4, 9, "DL301")


# -- braces escaped for a Markdown converter: \\{ … \\} -----------------------------------------


def test_escaped_braces_are_read_as_braces_with_their_positions():
    note = "The set $S = \\\\{ x : x > 0 \\\\}$ is open.\n"
    ((block),) = extract("n.md", note).blocks
    assert block.text == "S = \\{ x : x > 0 \\}"
    assert block.line_col(block.text.index("{")) == (1, note.index("{") + 1)
    assert block.line_col(block.text.index("\\}")) == (1, note.index("\\}") + 1)  # the kept backslash
    assert block.line_col(len(block.text)) == (1, note.index("$ is") + 1)


@pytest.mark.parametrize(
    "math",
    [
        "\\begin{aligned} a &= b \\\\{c} &= d \\end{aligned}",  # a row break, then a group
        "a \\\\{b} \\\\ c",
        "\\\\{ a",  # not closed by an escaped brace
    ],
)
def test_a_row_break_before_a_group_stays_as_written(math):
    ((block),) = extract("n.md", f"$$\n{math}\n$$\n").blocks
    assert block.text.strip() == math


def test_mathjax_scripts_inside_html_blocks_and_nothing_else_of_them():
    note = (
        '<p align="center">Price $5, <script type="math/tex">a = b</script>, $c$.\n'
        '<script type="math/tex; mode=display">d = e</script></p>\n\n'
        '<div>no script $f$</div>\n'
    )
    assert blocks("n.md", note) == [("a = b", False, 1, 53), ("d = e", True, 2, 39)]


def test_pandoc_list_markers_only_continue_a_paragraph():
    from derivlint.extract.dialects import pandoc_paragraph_lines

    lines = ["Text of a paragraph", "- goes on here", "", "- a list", "- its second item", "  more of it",
             "", "After the list.", "1. not a list either", "", "# Heading", "- a list under it"]
    out = pandoc_paragraph_lines(lines)
    changed = [i for i, (a, b) in enumerate(zip(lines, out)) if a != b]
    assert changed == [1, 8]
    assert all(len(a) == len(b) for a, b in zip(lines, out))  # positions stay in place
