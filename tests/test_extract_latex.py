"""Tests for the LaTeX extractor: math blocks, passages, macros and delimiter problems."""

from __future__ import annotations

import random
import subprocess
import sys
from pathlib import Path

import pytest

from derivlint.extract import latex
from derivlint.extract.latex import extract_latex

from shared_data import CORPUS, CORPUS_REASON


@pytest.fixture(params=["scanner", "pylatexenc"])
def extract(request, monkeypatch):
    """extract_latex through the text scanner, or through pylatexenc after the scanner fails."""
    if request.param == "pylatexenc":
        def broken(text):
            raise RuntimeError("the scanner failed")

        monkeypatch.setattr(latex, "_scan_text", broken)
    return lambda text: extract_latex("note.tex", text)


def check_invariants(ex):
    """Every block maps back to the file and sits in its passage."""
    text = ex.sources[0].text
    for block in ex.blocks:
        assert 0 <= block.start < block.end <= len(text)
        assert len(block.offsets) == len(block.text) + 1
        assert block.start <= block.offsets[0] and block.offsets[-1] <= block.end
        for i, ch in enumerate(block.text):
            source_ch = text[block.offsets[i]]
            assert ch == source_ch or (ch == " " and source_ch != "\n"), (block.text, i)
        assert block.passage is not None and block in block.passage.blocks
        assert block.passage.start <= block.start and block.end <= block.passage.end
    for passage in ex.passages:
        assert 0 <= passage.start <= passage.end <= len(text)


def math(ex):
    return [(b.delimiter, b.text, b.display, b.env) for b in ex.blocks]


# --------------------------------------------------------------------------- delimiters


def test_each_delimiter(extract):
    text = r"a $x$ b $$y$$ c \(z\) d \[w\] e"
    ex = extract(text)
    assert math(ex) == [("$", "x", False, None), ("$$", "y", True, None), ("\\(", "z", False, None),
                        ("\\[", "w", True, None)]
    assert [text[b.start : b.end] for b in ex.blocks] == ["$x$", "$$y$$", r"\(z\)", r"\[w\]"]
    assert ex.problems == []
    check_invariants(ex)


def test_multiline_display_delimiters(extract):
    ex = extract("Then\n$$\nf(x) = x^2\n$$\nand\n\\[\n  g = 1\n\\]\ndone.\n")
    assert [b.text for b in ex.blocks] == ["\nf(x) = x^2\n", "\n  g = 1\n"]
    assert [b.line_col(0) for b in ex.blocks] == [(2, 3), (6, 3)]


def test_escaped_dollar_is_not_math(extract):
    ex = extract(r"It costs \$5 and $x$ and \$6.")
    assert math(ex) == [("$", "x", False, None)]


def test_dollar_inside_text_inside_math_is_nested(extract):
    ex = extract(r"$a \text{ if $b > 0$ } c$ and $d$")
    assert [b.text for b in ex.blocks] == [r"a \text{ if $b > 0$ } c", "d"]


def test_adjacent_inline_math(extract):
    assert [b.text for b in extract("$a$$b$").blocks] == ["a", "b"]


# --------------------------------------------------------------------------- environments

ENVIRONMENTS = ["equation", "align", "gather", "multline", "flalign", "eqnarray", "displaymath"]


@pytest.mark.parametrize("env", ENVIRONMENTS + [e + "*" for e in ENVIRONMENTS])
def test_each_environment(extract, env):
    text = "Text\n\\begin{%s}\n  a &= b \\\\\n  c &= d\n\\end{%s}\nmore\n" % (env, env)
    ex = extract(text)
    assert math(ex) == [("\\begin{%s}" % env, "\n  a &= b \\\\\n  c &= d\n", True, env)]
    block = ex.blocks[0]
    assert text[block.start : block.end].startswith("\\begin{%s}" % env)
    assert text[block.start : block.end].endswith("\\end{%s}" % env)
    check_invariants(ex)


@pytest.mark.parametrize("env", ["alignat", "alignat*"])
def test_alignat_argument_is_not_body(extract, env):
    ex = extract("\\begin{%s}{2}\n a &= b & c &= d\n\\end{%s}" % (env, env))
    assert math(ex) == [("\\begin{%s}" % env, "\n a &= b & c &= d\n", True, env)]


def test_math_environment_is_inline(extract):
    ex = extract(r"so \begin{math} x^2 \end{math} here")
    assert math(ex) == [("\\begin{math}", " x^2 ", False, "math")]


def test_nested_aligned_bmatrix_array_are_part_of_the_body(extract):
    text = (
        "\\begin{equation}\n\\begin{aligned}\n A &= \\begin{bmatrix} 1 & 2 \\end{bmatrix} \\\\\n"
        " B &= \\left[\\begin{array}{cc} 1 & 0 \\end{array}\\right]\n\\end{aligned}\n\\end{equation}\n"
        "\\[ \\begin{split} x &= y \\end{split} \\]"
    )
    ex = extract(text)
    assert len(ex.blocks) == 2
    assert ex.blocks[0].env == "equation"
    assert "\\begin{bmatrix}" in ex.blocks[0].text and ex.blocks[0].text.endswith("\\end{aligned}\n")
    assert ex.blocks[1].text == r" \begin{split} x &= y \end{split} "
    assert ex.problems == []


def test_math_in_other_environments_is_found(extract):
    text = (
        "\\begin{theorem}[Chain rule for $f$]\nLet $g$ be smooth.\n\\begin{equation} h = f \\circ g \\end{equation}\n"
        "\\end{theorem}\n\\begin{proof} By $\\nabla$. \\end{proof}\n"
        "\\begin{figure}\\caption{The map $x \\mapsto Ax$}\\end{figure}\n"
        "\\begin{tikzpicture} \\node {$y$}; \\end{tikzpicture}\n"
        "A footnote\\footnote{With $z$.} and \\emph{$w$}."
    )
    assert [b.text for b in extract(text).blocks] == ["f", "g", " h = f \\circ g ", "\\nabla", "x \\mapsto Ax",
                                                     "y", "z", "w"]


# --------------------------------------------------------------------------- comments and verbatim


def test_dollar_in_comment_is_not_math(extract):
    ex = extract("a % cost $5 and $x$\n$y$ % $z$\n%$w$")
    assert [b.text for b in ex.blocks] == ["y"]
    assert ex.problems == []


def test_escaped_percent_is_not_a_comment(extract):
    ex = extract(r"50\% of $x$, $a \% b$ and $c$")
    assert [b.text for b in ex.blocks] == ["x", r"a \% b", "c"]


def test_comment_inside_math_is_blanked_keeping_offsets(extract):
    text = "\\begin{align}\n  a &= b \\\\ % first step $ \\end{align}\n  c &= d % 100\\%\n\\end{align}"
    ex = extract(text)
    (block,) = ex.blocks
    assert block.text == "\n  a &= b \\\\" + " " * len(" % first step $ \\end{align}") + "\n  c &= d" + " " * 8 + "\n"
    assert "%" not in block.text
    i = block.text.index("c")
    assert text[block.file_offset(i)] == "c"
    check_invariants(ex)


def test_escaped_backslash_before_percent_starts_a_comment(extract):
    ex = extract("$a \\\\% comment\n b$")
    assert ex.blocks[0].text == "a \\\\" + " " * len("% comment") + "\n b"


def test_verbatim_environments_are_skipped(extract):
    text = (
        "\\begin{verbatim}\n$a$ \\[ b \\begin{align}\n\\end{verbatim}\n"
        "\\begin{Verbatim}[frame=single]\n$c$\n\\end{Verbatim}\n"
        "\\begin{lstlisting}[language=Python]\nx = '$d$'  # \\end{align}\n\\end{lstlisting}\n"
        "\\begin{minted}{python}\n$e$\n\\end{minted}\n"
        "\\begin{comment}\n$f$ \\newcommand{\\g}{1}\n\\end{comment}\n"
        "$h$"
    )
    ex = extract(text)
    assert [b.text for b in ex.blocks] == ["h"]
    assert ex.problems == []
    assert ex.macros == {}


def test_verb_is_skipped(extract):
    ex = extract(r"Use \verb|$x$| or \verb*+$y$+ or \verb!\[! then $z$.")
    assert [b.text for b in ex.blocks] == ["z"]
    assert ex.problems == []


# --------------------------------------------------------------------------- positions


def test_positions_inside_a_multiline_align(extract):
    text = (
        "\\section{S}\n"
        "Some prose with $x$.\n"
        "\\begin{align*}\n"
        "  f(x) &= x^T A x \\\\\n"
        "  \\nabla f(x) &= (A + A^T) x\n"
        "\\end{align*}\n"
    )
    ex = extract(text)
    inline, display = ex.blocks
    assert inline.line_col(0) == (2, 18)
    i = display.text.index("(A + A^T)")
    assert display.line_col(i) == (5, 18)
    assert display.line_col(display.text.index("A^T")) == (5, 23)
    assert display.end_line_col(len(display.text) - 1) == (5, 29)  # just past the final x
    assert ex.sources[0].line_col(display.start) == (3, 1)


def test_positions_with_crlf_and_unicode(extract):
    text = "Soit $α$ un réel.\r\n\r\nAlors $β + γ$\r\n"
    ex = extract(text)
    assert [b.line_col(0) for b in ex.blocks] == [(1, 7), (3, 8)]
    assert len(ex.passages) == 2


# --------------------------------------------------------------------------- passages


def test_section_heading_path(extract):
    text = (
        "Preamble $p$.\n"
        "\\chapter{Calculus}\n"
        "\\section{Vectors}\nText $a$.\n"
        "\\subsection*{Gradients of $f$}\nText $b$.\n"
        "\\subsubsection[short]{Long title}\nText $c$.\n"
        "\\paragraph{Note.} Text $d$.\n"
        "\\section{Matrices}\nText $e$.\n"
        "\\part{Two}\nText $f$.\n"
    )
    ex = extract(text)
    paths = [b.passage.headings for b in ex.blocks]
    assert paths == [
        (),
        ("Calculus", "Vectors"),
        ("Calculus", "Vectors", "Gradients of $f$"),  # the $f$ in the title
        ("Calculus", "Vectors", "Gradients of $f$"),
        ("Calculus", "Vectors", "Gradients of $f$", "Long title"),
        ("Calculus", "Vectors", "Gradients of $f$", "Long title", "Note."),
        ("Calculus", "Matrices"),
        ("Two",),
    ]
    sections = [b.passage.section for b in ex.blocks]
    assert sections == [0, 2, 3, 3, 4, 5, 6, 7]
    headings = [p for p in ex.passages if p.kind == "heading"]
    assert [p.text for p in headings][:2] == ["\\chapter{Calculus}", "\\section{Vectors}"]
    assert headings[2].blocks[0].text == "f"  # math in a title belongs to the heading
    check_invariants(ex)


def test_paragraphs_are_separated_by_blank_lines(extract):
    text = (
        "First paragraph with $a$\n"
        "and a display\n"
        "\\begin{equation}\n  b = c\n\\end{equation}\n"
        "that goes on with $d$.\n"
        "   \n"
        "Second paragraph $e$.\n"
        "% only a comment\n"
        "\n\n"
        "Third $f$.\n"
    )
    ex = extract(text)
    assert [p.kind for p in ex.passages] == ["paragraph"] * 3
    first, second, third = ex.passages
    assert [b.text for b in first.blocks] == ["a", "\n  b = c\n", "d"]
    assert first.text.startswith("First") and first.text.endswith("with $d$.")
    assert second.text == "Second paragraph $e$."
    assert third.text == "Third $f$."
    display = first.blocks[1]
    assert display.prose_before().endswith("and a display\n")
    assert display.prose_after().startswith("\nthat goes on")


def test_blank_line_inside_display_math_does_not_split_the_passage(extract):
    ex = extract("Let\n\\begin{align}\n a &= b\n\n c &= d\n\\end{align}\nso.")
    assert len(ex.passages) == 1 and len(ex.blocks) == 1


def test_list_items_are_passages(extract):
    text = (
        "Facts:\n"
        "\\begin{itemize}\n"
        "  \\item $\\nabla_x a^T x = a$\n"
        "  \\item[(ii)] $\\nabla_x x^T A x = (A + A^T) x$ when\n"
        "    \\[ A \\in \\mathbb{R}^{n \\times n} \\]\n"
        "  \\item nested\n"
        "  \\begin{enumerate}\n    \\item $y$\n  \\end{enumerate}\n"
        "\\end{itemize}\n"
        "After $z$.\n"
    )
    ex = extract(text)
    kinds = [(b.text, b.passage.kind) for b in ex.blocks]
    assert kinds == [
        ("\\nabla_x a^T x = a", "list_item"),
        ("\\nabla_x x^T A x = (A + A^T) x", "list_item"),
        (" A \\in \\mathbb{R}^{n \\times n} ", "list_item"),
        ("y", "list_item"),
        ("z", "paragraph"),
    ]
    assert ex.blocks[1].passage is ex.blocks[2].passage
    assert ex.blocks[1].passage.text.startswith("\\item[(ii)]")
    assert [p.text for p in ex.passages][:1] == ["Facts:"]
    check_invariants(ex)


# --------------------------------------------------------------------------- macros


def test_macros_from_preamble_and_body(extract):
    text = (
        "\\documentclass{article}\n"
        "\\newcommand{\\R}{\\mathbb{R}}\n"
        "\\newcommand{\\norm}[1]{\\left\\lVert #1 \\right\\rVert}\n"
        "%\\newcommand{\\matr}[1]{#1}\n"
        "\\DeclareMathOperator{\\tr}{tr}\n"
        "\\def\\inner#1#2{\\langle #1, #2\\rangle}\n"
        "\\begin{document}\n"
        "\\renewcommand{\\R}{\\mathbf{R}}\n"
        "\\begin{verbatim}\\newcommand{\\fake}{1}\\end{verbatim}\n"
        "Let $x \\in \\R^n$.\n"
        "\\end{document}\n"
    )
    ex = extract(text)
    assert ex.macros == {
        "R": (0, None, "\\mathbf{R}"),
        "norm": (1, None, "\\left\\lVert #1 \\right\\rVert"),
        "tr": (0, None, "\\operatorname{tr}"),
        "inner": (2, None, "\\langle #1, #2\\rangle"),
    }
    assert [b.text for b in ex.blocks] == ["x \\in \\R^n"]


def test_definitions_local_to_an_environment_do_not_replace_global_ones(extract):
    text = (
        "\\newcommand{\\x}{\\mathbf{x}}\n\\begin{document}\n"
        "\\begin{tikzpicture}\\def\\x{7.25}\\node at (\\x,0) {$a$};\\end{tikzpicture}\n"
        "\\begin{proof}\\newcommand{\\loss}{\\mathcal{L}} $\\loss$ \\gdef\\g{1}\\end{proof}\n"
        "\\begin{proof}\\gdef\\g{2}\\end{proof}\n"
        "\\renewcommand{\\x}{\\vec{x}}\n\\end{document}\n"
    )
    assert extract(text).macros == {
        "x": (0, None, "\\vec{x}"),
        "loss": (0, None, "\\mathcal{L}"),
        "g": (0, None, "2"),
    }


def test_math_inside_definitions_is_not_a_block(extract):
    text = (
        "\\newcommand{\\be}{\\begin{equation}}\n\\newcommand{\\ee}{\\end{equation}}\n"
        "\\newcommand{\\half}{$\\frac12$}\n\\def\\unit{\\(1\\)}\n"
        "\\newenvironment{walign}{\\begin{align}}{\\end{align}}\n"
        "Real $x$."
    )
    ex = extract(text)
    assert [b.text for b in ex.blocks] == ["x"]
    assert ex.problems == []
    assert set(ex.macros) == {"be", "ee", "half", "unit"}


# --------------------------------------------------------------------------- problems


def problems(ex):
    return [(ex.sources[0].line_col(start), message) for _, start, _, message in ex.problems]


def test_unclosed_dollar_ends_at_the_paragraph(extract):
    ex = extract("Line one.\nLet $x be real.\n\nNext $y$ is fine.\n")
    assert problems(ex) == [((2, 5), "unclosed '$': no matching '$' before the end of the paragraph")]
    assert [b.text for b in ex.blocks] == ["y"]
    check_invariants(ex)


def test_unclosed_dollar_before_a_display_environment(extract):
    ex = extract("Let $x be\n\\begin {equation} y \\end{equation}\nend.")
    assert problems(ex) == [((1, 5), "unclosed '$': no matching '$' before '\\begin{equation}'")]
    assert [b.env for b in ex.blocks] == ["equation"]


def test_unclosed_double_dollar(extract):
    ex = extract("a\n$$ x = 1\n\nb $c$")
    assert problems(ex) == [((2, 1), "unclosed '$$': no matching '$$' before the end of the paragraph")]
    assert [b.text for b in ex.blocks] == ["c"]


@pytest.mark.parametrize("opener, closer", [("\\[", "\\]"), ("\\(", "\\)")])
def test_unclosed_bracket_delimiters(extract, opener, closer):
    ex = extract(f"text\n  {opener} x = 1\nmore {opener} y {closer}")
    assert problems(ex) == [((2, 3), f"unclosed '{opener}': no matching '{closer}'")]
    assert [b.text for b in ex.blocks] == [" y "]


@pytest.mark.parametrize("env", ["equation", "align*", "gather"])
def test_unclosed_environment(extract, env):
    ex = extract("Intro.\n\n\\begin{%s}\n  a = b\n\nMore $c$.\n" % env)
    assert problems(ex) == [((3, 1), "unclosed '\\begin{%s}': no matching '\\end{%s}'" % (env, env))]
    assert [b.text for b in ex.blocks] == ["c"]
    check_invariants(ex)


def test_mismatched_environment_end(extract):
    ex = extract("\\begin{align}\n a = b\n\\end{align*}\n$c$")
    assert problems(ex) == [
        ((1, 1), "unclosed '\\begin{align}': no matching '\\end{align}'"),
        ((3, 1), "'\\end{align*}' without a matching '\\begin{align*}'"),
    ]
    assert [b.text for b in ex.blocks] == ["c"]


def test_unclosed_environment_then_a_good_one(extract):
    ex = extract("\\begin{equation} a\n\n\\begin{equation} b \\end{equation}")
    assert problems(ex) == [((1, 1), "unclosed '\\begin{equation}': no matching '\\end{equation}'")]
    assert [b.text for b in ex.blocks] == [" b "]


def test_end_without_begin(extract):
    ex = extract("Text\n\\end{align}\n$x$\n\\end{itemize}")
    assert problems(ex) == [
        ((2, 1), "'\\end{align}' without a matching '\\begin{align}'"),
        ((4, 1), "'\\end{itemize}' without a matching '\\begin{itemize}'"),
    ]
    assert [b.text for b in ex.blocks] == ["x"]


def test_closer_without_opener(extract):
    ex = extract("a \\] b $x$")
    assert problems(ex) == [((1, 3), "'\\]' without a matching '\\['")]
    assert [b.text for b in ex.blocks] == ["x"]


def test_balanced_document_has_no_problems(extract):
    text = "\\begin{document}\n\\begin{itemize}\\item $a$\\end{itemize}\n\\[ b \\]\n\\end{document}\n"
    assert extract(text).problems == []


# --------------------------------------------------------------------------- robustness

MALFORMED = [
    "",
    "$",
    "$$",
    "\\",
    "\\\\",
    "}}}{{{",
    "{" * 5000 + "$x$",
    "\\begin{",
    "\\begin{align",
    "\\end{",
    "\\verb",
    "\\verb|x",
    "\\verb*",
    "\\section",
    "\\section{",
    "\\section[{]",
    "\\item",
    "\\begin{alignat}{",
    "\\newcommand{\\x}{",
    "\\def\\x#1{",
    "\\begin{verbatim}",
    "\\begin{lstlisting}[",
    "%",
    "\\%",
    "$\\text{$}$",
    "\\[ $ \\] $",
    "\\begin{equation} $ \\end{equation} $",
    "\x00\x01\x02\xff\ufffe $\x00$ \\\x00",
    "\\begin{itemize}\\item $a\\end{itemize}",
    "\\(\\[\\)\\]",
]


@pytest.mark.parametrize("text", MALFORMED)
def test_malformed_input_never_raises(extract, text):
    ex = extract(text)
    check_invariants(ex)
    for source, start, end, message in ex.problems:
        assert 0 <= start <= end <= len(text) and message


def test_random_input_never_raises(extract):
    rng = random.Random(1)
    pieces = ["$", "$$", "\\(", "\\)", "\\[", "\\]", "{", "}", "%", "\\%", "\n", "\n\n", "x", " ",
              "\\begin{align}", "\\end{align}", "\\begin{itemize}", "\\end{itemize}", "\\item", "\\section{",
              "\\verb|", "|", "\\newcommand{\\a}", "[1]", "\\begin{verbatim}", "\\end{verbatim}", "\\\\",
              "\\text{", "\\begin{alignat}", "{2}", "\\def\\b#1", "\\", "é"]
    for _ in range(400):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 40)))
        check_invariants(extract(text))


def test_binary_junk_never_raises(extract):
    rng = random.Random(2)
    text = "".join(chr(rng.randrange(0, 0x250)) for _ in range(20000))
    check_invariants(extract(text))


def test_huge_input_skips_pylatexenc(monkeypatch):
    """A file too long for pylatexenc loses its blocks if the scanner fails, but nothing raises."""
    calls = []

    def broken(text):
        raise RuntimeError("the scanner failed")

    monkeypatch.setattr(latex, "_PYLATEXENC_LIMIT", 100)
    monkeypatch.setattr(latex, "_scan_text", broken)
    monkeypatch.setattr(latex, "_scan_pylatexenc", lambda text: calls.append(text))
    ex = extract_latex("big.tex", "Let $x$ be. " * 50)
    assert ex.blocks == [] and calls == []


def test_the_text_scanner_reads_ordinary_notes_without_pylatexenc(monkeypatch):
    def unwanted(text):
        raise AssertionError("pylatexenc should not run")

    monkeypatch.setattr(latex, "_scan_pylatexenc", unwanted)
    assert [b.text for b in extract_latex("n.tex", r"\section{A} $x$ \[y\]").blocks] == ["x", "y"]


def test_extracting_latex_does_not_import_pylatexenc():
    code = (
        "import sys\nfrom derivlint.extract.latex import extract_latex\n"
        "assert len(extract_latex('n.tex', r'\\section{A} $x$ \\begin{align} y \\end{align}').blocks) == 2\n"
        "print('pylatexenc' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_pylatexenc_reads_the_file_when_the_scanner_fails(monkeypatch):
    def broken(text):
        raise RuntimeError("the scanner failed")

    monkeypatch.setattr(latex, "_scan_text", broken)
    assert [b.text for b in extract_latex("n.tex", r"\section{A} $x$ \[y\]").blocks] == ["x", "y"]


def test_deep_nesting_is_read_by_the_scanner_not_by_pylatexenc():
    text = "{" * 3000 + "$x$" + "}" * 3000
    with pytest.raises(RecursionError):
        latex._scan_pylatexenc(text)
    assert [b.text for b in extract_latex("deep.tex", text).blocks] == ["x"]


RICH = r"""\documentclass{article}
\newcommand{\R}{\mathbb{R}} % reals, $not$ math
\begin{document}
\section{Gradients}
Let $x \in \R^n$ and \(A \in \R^{n \times n}\). Then
\begin{align*}
  \nabla_x x^T A x &= (A + A^T) x \\ % a comment with $
  \nabla_x a^T x &= a
\end{align*}
and $$ \frac{\partial}{\partial X} \tr(AX) = A^T $$ holds.

\subsection{Lists}
\begin{enumerate}
\item $f(x) = \|x\|^2$, \verb|$code$|
\item \[ g = 2x \]
\end{enumerate}
\begin{theorem}[$\star$]
\begin{alignat}{2} a &= b &\quad c &= d \end{alignat}
\end{theorem}
Broken $ here

\begin{lstlisting}
$no$
\end{lstlisting}
\end{document}
"""


def summary(ex):
    """Everything an extraction gives the later stages, as plain values."""
    return (
        [(b.start, b.end, b.text, b.delimiter, b.display, b.env, b.passage.start, b.passage.end) for b in ex.blocks],
        [(p.kind, p.start, p.end, p.headings, p.section) for p in ex.passages],
        [(start, end, message) for _, start, end, message in ex.problems],
        ex.macros,
    )


def read_by(scan, path: str, text: str):
    return latex._build(latex.Source(path, text), scan(text))


def test_both_readers_agree():
    assert summary(read_by(latex._scan_pylatexenc, "r.tex", RICH)) == summary(read_by(latex._scan_text, "r.tex", RICH))
    ex = extract_latex("r.tex", RICH)
    assert len(ex.blocks) == 8
    assert [m for _, _, _, m in ex.problems] == ["unclosed '$': no matching '$' before the end of the paragraph"]


# --------------------------------------------------------------------------- corpus


_DEFINERS = ("newcommand", "renewcommand", "providecommand", "DeclareRobustCommand", "def", "gdef", "edef", "xdef",
             "newenvironment", "renewenvironment")
_VERBATIM = ("verbatim", "verbatim*", "Verbatim", "lstlisting", "minted", "comment")
_MATH_OPENERS = ("equation", "align", "alignat", "gather", "multline", "flalign", "eqnarray", "displaymath", "math")


def _skip_group(text: str, i: int) -> int:
    """Past the brace group that opens at ``i`` (escapes respected), or ``i`` when none opens there."""
    if i >= len(text) or text[i] != "{":
        return i
    depth = 0
    while i < len(text):
        ch = text[i]
        if ch == "\\":
            i += 2
            continue
        depth += ch == "{"
        depth -= ch == "}"
        i += 1
        if depth == 0:
            return i
    return i


def math_openers_outside_definitions(text: str) -> int:
    """How many math openers ($, $$, \\(, \\[, \\begin{equation} …) the document body has: those in
    comments, verbatim and macro or environment definitions (a template, not a formula) not counted.

    Written apart from the extractor (a plain walk, no TeX reader), so the two can disagree."""
    count, i, n = 0, 0, len(text)
    inside = False  # between an opening $ (or $$) and its closer
    while i < n:
        ch = text[i]
        if ch == "%":
            i = text.find("\n", i)
            i = n if i == -1 else i
        elif ch == "$":
            count += not inside
            inside = not inside
            i += 2 if text.startswith("$$", i) else 1
        elif ch != "\\":
            i += 1
        elif text.startswith(("\\(", "\\["), i):
            count += 1
            i += 2
        elif text.startswith("\\begin{", i):
            name = text[i + 7 : text.find("}", i)]
            if name in _VERBATIM:
                end = text.find("\\end{%s}" % name, i)
                i = n if end == -1 else end + 6 + len(name)
                continue
            count += name.rstrip("*") in _MATH_OPENERS
            i += 7
        else:
            j = i + 1
            while j < n and (text[j].isalpha() or text[j] == "@"):
                j += 1
            word = text[i + 1 : j] if j > i + 1 else text[i + 1 : i + 2]
            i = max(j, i + 2)
            if word in _DEFINERS:  # the name, the [n] and [default] or #1#2 parameters, then the body group(s)
                while i < n and text[i] not in "{" and not (word in ("def", "gdef", "edef", "xdef") and text[i] == "\n"):
                    if text[i] == "\\":
                        i += 1
                    i += 1
                i = _skip_group(text, i)  # \\newcommand{\\name}: the name's group, then the body's
                while i < n and text[i] in " \t*[]0123456789":
                    i += 1
                i = _skip_group(text, i)
                if word.endswith("environment"):
                    i = _skip_group(text, i)
    return count


@pytest.mark.parametrize(
    "text, expected",
    [
        ("\\makeatletter\n\\providecommand\\star{\\makebox[0pt][l]{$^*$}}\n\\makeatother\n", 0),
        ("\\newcommand{\\pt}[1]{$#1$} and \\def\\q#1{\\(#1\\)} text\n% $x$ commented\n", 0),
        ("\\begin{verbatim}$x$\\end{verbatim}\n\\renewenvironment{e}{$}{$}\n", 0),
        ("\\newcommand{\\R}{\\mathbb{R}}\nLet $x \\in \\R$.\n", 1),
        ("\\def\\R{\\mathbb{R}}\n\\[ y \\]\n\\begin{align*} a \\end{align*} \\begin{theorem} t \\end{theorem}", 2),
    ],
)
def test_math_openers_outside_definitions(text, expected):
    assert math_openers_outside_definitions(text) == expected
    assert (len(extract_latex("t.tex", text).blocks) == 0) == (expected == 0)


def corpus_files():
    return sorted(CORPUS.rglob("*.tex")) if CORPUS.is_dir() else []


@pytest.mark.skipif(not corpus_files(), reason=CORPUS_REASON)
@pytest.mark.parametrize("path", corpus_files(), ids=lambda p: p.name)
def test_corpus(path):
    text = path.read_text(encoding="utf-8", errors="replace")
    ex = extract_latex(str(path), text)
    check_invariants(ex)
    print(f"{path.name}: {len(ex.blocks)} blocks, {len(ex.passages)} passages, {len(ex.problems)} problems")
    assert len(ex.blocks) >= text.count("\\begin{align") // 2
    assert len(ex.blocks) <= text.count("$") + text.count("\\[") + text.count("\\(") + text.count("\\begin{")
    # a preamble or style file (macros, settings, math only inside definitions) has no math of its own
    assert (len(ex.blocks) == 0) == (math_openers_outside_definitions(text) == 0)
    assert summary(ex) == summary(read_by(latex._scan_pylatexenc, str(path), text))  # the scanner reads as pylatexenc


FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "latex"


@pytest.mark.parametrize("path", sorted(FIXTURES.glob("*.tex")), ids=lambda p: p.name)
def test_fixtures_read_the_same_by_both_readers(path):
    text = path.read_text(encoding="utf-8")
    assert summary(extract_latex(str(path), text)) == summary(read_by(latex._scan_pylatexenc, str(path), text))


_PIECES = [
    r"$x$", r"$$y$$", r"\(a\)", r"\[b\]", "\n\n", r"\section{S $t$}", r"\subsection*{U}", r"\item ",
    r"\begin{itemize}\item $p$ \item q\end{itemize}", r"\begin{align} a &= b \\ c \end{align}",
    r"\begin{equation*} e \end{equation*}", "% c $ \n", r"\%", r"\$", r"\verb|$x|", r"\newcommand{\R}{\mathbb{R}}",
    r"\def\x{y}", r"{\bf z $w$}", r"\text{$q$}", r"\begin{theorem}[$\star$] th $u$ \end{theorem}",
    r"\begin{verbatim}$v$\end{verbatim}", r"\begin{alignat}{2} a \end{alignat}", r"\paragraph{P}",
    r"\begin{tikzpicture}\node {$n$};\end{tikzpicture}", r"\emph{e $f$}", " word ", "\n", r"\footnote{$g$}", "&", "~",
]


def test_both_readers_agree_on_random_well_formed_documents():
    rng = random.Random(5)
    for _ in range(150):
        text = "".join(rng.choice(_PIECES) for _ in range(rng.randrange(1, 25)))
        by_scanner = summary(read_by(latex._scan_text, "f.tex", text))
        assert by_scanner == summary(read_by(latex._scan_pylatexenc, "f.tex", text)), text


def test_math_in_a_tikz_diagram_is_not_read():
    from derivlint.engine import check_text

    text = (
        "\\section{A}\nText $x$.\n\\begin{tikzpicture}\n\\node (a0) {$(a$};\n\\node (a1) {$b)$};\n"
        "\\end{tikzpicture}\nMore $y = (a$ here.\n"
    )
    found = [(f.code, f.line) for f in check_text("n.tex", text).findings]
    assert found == [("DL101", 7)]  # only the bracket outside the diagram


def test_environment_names_with_spaces_and_an_unclosed_begin() -> None:
    """\\begin{ equation } names the environment without its spaces, and a \\begin{ that never
    closes its brace, followed by a long run of blanks, is passed over: the name is read by one
    greedy class and stripped afterwards (a lazy name between two runs of spaces backtracked
    over the whole run: a fuzzed note of 6 KB took 91 s)."""
    text = (
        "\\begin{document}\n\\begin{ equation }\n  x = y\n\\end{equation }\n"
        "\\begin{" + " " * 5000 + "\n\\end{document}\n"
    )
    problems, _ = latex._environments(text, [])
    assert problems == []
    assert latex._math_env_end(text, text.index("x = y"), "equation") is not None
