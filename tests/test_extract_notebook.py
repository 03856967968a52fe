"""Tests of the Jupyter extractor: markdown cells, cell numbers, positions, broken files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from derivlint.extract import extract
from derivlint.extract.notebook import extract_notebook

from shared_data import CORPUS, needs_corpus


def notebook(*cells, **top) -> str:
    return json.dumps({"cells": list(cells), "metadata": {}, "nbformat": 4, "nbformat_minor": 5, **top}, indent=1)


def md(source) -> dict:
    return {"cell_type": "markdown", "metadata": {}, "source": source}


def code(source) -> dict:
    return {"cell_type": "code", "metadata": {}, "source": source, "outputs": [], "execution_count": None}


NOTE = notebook(
    md(["# Gradients\n", "\n", "Let $x \\in \\mathbb{R}^n$.\n"]),
    code("x = '$not math$'\n"),
    md("## Quadratic\n\n$$\n\\nabla_x x^T A x = (A + A^T) x\n$$\n"),
    code(["print(1)\n"]),
    md(["| f | grad |\n", "|---|---|\n", "| $a^T x$ | $a$ |"]),
)


def test_markdown_cells_only_numbered_among_all_cells():
    ex = extract_notebook("n.ipynb", NOTE)
    assert [s.cell for s in ex.sources] == [1, 3, 5]
    assert [(b.source.cell, b.delimiter, b.text) for b in ex.blocks] == [
        (1, "$", "x \\in \\mathbb{R}^n"),
        (3, "$$", "\n\\nabla_x x^T A x = (A + A^T) x\n"),
        (5, "$", "a^T x"),
        (5, "$", "a"),
    ]
    assert all(b.source.path == "n.ipynb" for b in ex.blocks)


def test_positions_are_within_the_cell():
    ex = extract_notebook("n.ipynb", NOTE)
    first, display, row_a, _ = ex.blocks
    assert first.source.text == "# Gradients\n\nLet $x \\in \\mathbb{R}^n$.\n"
    assert first.line_col(0) == (3, 6)
    assert display.line_col(display.text.index("(A")) == (4, 20)
    assert row_a.passage.kind == "table_row" and row_a.passage.row == 3
    for block in ex.blocks:
        for i, ch in enumerate(block.text):
            assert block.source.text[block.offsets[i]] == ch


def test_headings_carry_over_between_cells():
    ex = extract_notebook("n.ipynb", NOTE)
    paths = [(b.passage.headings, b.passage.section) for b in ex.blocks]
    assert paths == [
        (("Gradients",), 1),
        (("Gradients", "Quadratic"), 2),
        (("Gradients", "Quadratic"), 2),
        (("Gradients", "Quadratic"), 2),
    ]


def test_problems_point_into_the_cell():
    ex = extract_notebook("n.ipynb", notebook(code("1"), md("ok\n\nbad $$ x\n")))
    [(source, start, end, message)] = ex.problems
    assert source.cell == 2
    assert source.line_col(start) == (3, 5)
    assert message.startswith("unclosed '$$'")


def test_a_bare_math_environment_in_a_markdown_cell_is_a_math_block():
    # Jupyter renders Markdown cells with MathJax, which typesets \begin{…}…\end{…} with no dollars
    box = (
        "## Update rule\n\n\\begin{aligned}\n    &\\textbf{for } t = 1 \\text{ to } T \\\\\n"
        "    &\\quad \\theta \\leftarrow \\theta - \\eta \\nabla_\\theta L(\\theta) \\\\\n\\end{aligned}\n"
    )
    ex = extract_notebook("n.ipynb", notebook(code("import numpy"), md(box), md("\\begin{align*} y &= 2x \\end{align*}")))
    aligned, align = ex.blocks
    assert (aligned.source.cell, aligned.delimiter, aligned.env, aligned.display) == (2, "", "aligned", True)
    assert aligned.text == box[box.index("\\begin") : box.rindex("}") + 1]
    assert aligned.source.line_col(aligned.start) == (3, 1)
    assert aligned.line_col(aligned.text.index("\\nabla")) == (5, 44)
    assert (align.source.cell, align.delimiter, align.text) == (3, "\\begin{align*}", " y &= 2x ")
    assert not ex.problems
    for block in ex.blocks:
        for i, ch in enumerate(block.text):
            assert block.source.text[block.offsets[i]] == ch


def test_malformed_json_is_a_problem_not_an_exception():
    text = '{\n "cells": [\n  {"cell_type": "markdown", "source": "$x$"\n ]\n}\n'
    ex = extract_notebook("bad.ipynb", text)
    assert ex.blocks == [] and ex.passages == []
    [(source, start, end, message)] = ex.problems
    assert source.text == text and source.cell is None
    assert source.line_col(start) == (4, 2)
    assert "invalid JSON at line 4 column 2" in message


def test_deeply_nested_json_does_not_raise():
    ex = extract_notebook("deep.ipynb", "[" * 100000 + "]" * 100000)
    assert ex.blocks == [] and len(ex.problems) == 1


def test_bom_before_the_json_is_accepted():
    ex = extract_notebook("bom.ipynb", "\ufeff" + NOTE)
    assert len(ex.blocks) == 4 and not ex.problems
    ex = extract_notebook("bom.ipynb", "\ufeff{\n x")
    assert ex.problems[0][0].line_col(ex.problems[0][1]) == (2, 2)


@pytest.mark.parametrize("text", ["", "[1, 2]", '{"cells": 3}', '"text"', "{}", "\ufeff{}"])
def test_not_a_notebook(text):
    ex = extract_notebook("odd.ipynb", text)
    assert ex.blocks == []
    assert len(ex.problems) == 1
    assert ex.problems[0][3].startswith("not a")


def test_odd_cells_are_skipped_but_counted():
    text = notebook("junk", md(None), md(["$a$", 3, "$b$"]), {"cell_type": "markdown"}, md("$c$"))
    ex = extract_notebook("n.ipynb", text)
    assert [(b.source.cell, b.text) for b in ex.blocks] == [(3, "a"), (3, "b"), (5, "c")]


def test_nbformat_3_worksheets():
    text = json.dumps({"worksheets": [{"cells": [code("1"), md("$y$")]}], "nbformat": 3})
    ex = extract_notebook("old.ipynb", text)
    assert [(b.source.cell, b.text) for b in ex.blocks] == [(2, "y")]


def test_dispatch_by_extension():
    ex = extract("N.IPYNB", NOTE)
    assert len(ex.blocks) == 4


@needs_corpus
def test_corpus_notebooks():
    paths = sorted(CORPUS.rglob("*.ipynb"))
    assert paths
    for path in paths:
        ex = extract_notebook(str(path), path.read_text(encoding="utf-8"))
        assert ex.blocks and not ex.problems
        for block in ex.blocks:
            assert block.source.cell is not None
            for i, ch in enumerate(block.text):
                assert block.source.text[block.offsets[i]] == ch
