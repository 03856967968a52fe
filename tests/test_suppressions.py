"""Suppression comments in Markdown, LaTeX and notebooks, and DL590 for unused or malformed ones."""

from __future__ import annotations

import json

import pytest

from derivlint.cli import main
from derivlint.engine import Settings, check_text
from derivlint.findings import Finding
from derivlint.suppressions import apply_suppressions, directives_of

BAD = "$x = (a + b$"  # DL101 unbalanced-delimiter fires on it reliably


def found(path: str, text: str, **settings) -> set[tuple]:
    """(line, code) of every finding, or (cell, line, code) in notebooks."""
    result = check_text(path, text, Settings(**settings))
    if path.endswith(".ipynb"):
        return {(f.cell, f.line, f.code) for f in result.findings}
    return {(f.line, f.code) for f in result.findings}


def messages(path: str, text: str, **settings) -> list[str]:
    return [f.message for f in check_text(path, text, Settings(**settings)).findings]


def notebook(*cells: tuple[str, str]) -> str:
    """A notebook of (cell_type, source) cells; sources as lists of lines, as Jupyter saves them."""
    return json.dumps(
        {
            "nbformat": 4,
            "nbformat_minor": 5,
            "metadata": {},
            "cells": [
                {"cell_type": kind, "metadata": {}, "source": source.splitlines(keepends=True)}
                | ({"outputs": [], "execution_count": None} if kind == "code" else {})
                for kind, source in cells
            ],
        }
    )


# --------------------------------------------------------------------------- Markdown


def test_the_unsuppressed_line_is_a_finding() -> None:
    assert found("n.md", f"{BAD}\n") == {(1, "DL101")}


@pytest.mark.parametrize(
    "text",
    [
        f"<!-- derivlint: disable-next-line DL101 -->\n{BAD}\n",
        f"<!-- derivlint: disable-next-line DL101 -->\n\n   \n{BAD}\n",  # blank lines skipped
        f"<!-- derivlint: disable-next-line -->\n{BAD}\n",  # no codes: every rule
        f"<!-- derivlint: disable-next-line DL1 -->\n{BAD}\n",  # a prefix
        f"<!-- derivlint: disable-next-line DL102, DL101 -->\n{BAD}\n",  # several, with a comma
        f"<!--derivlint:disable-next-line   DL102   DL101-->\n{BAD}\n",  # spacing is free
        f"{BAD} <!-- derivlint: disable-line DL101 -->\n",
        f"<!-- derivlint: disable DL101 -->\n{BAD}\n{BAD}\n<!-- derivlint: enable -->\n",
        f"<!-- derivlint: disable -->\n{BAD}\n",  # to the end of the file
        f"# Title\n\n{BAD}\n\n<!-- derivlint: disable-file DL101 -->\n",  # anywhere in the file
        f"<!-- derivlint: disable-file -->\n{BAD}\n",
        f"$$\nx = (a + b % derivlint: disable-line DL101\n$$\n",  # inside display math
    ],
)
def test_markdown_suppressions(text: str) -> None:
    assert found("n.md", text) == set()
    assert found("n.md", text.replace("derivlint:", "not-derivlint:")) != set()  # the directive did it


def test_next_line_means_only_the_next_line() -> None:
    text = f"<!-- derivlint: disable-next-line DL101 -->\n{BAD}\n{BAD}\n"
    assert found("n.md", text) == {(3, "DL101")}


def test_stacked_next_line_directives_reach_the_same_line() -> None:
    text = (
        "<!-- derivlint: disable-next-line DL101 -->\n"
        "<!-- derivlint: disable-next-line DL102 -->\n"
        f"{BAD}\n"
    )
    assert found("n.md", text, extend_select=frozenset({"DL102"})) == {(2, "DL590")}
    assert "no DL102 finding on line 3" in messages("n.md", text, extend_select=frozenset({"DL102"}))[0]


def test_disable_range_ends_at_enable() -> None:
    text = f"<!-- derivlint: disable DL101 -->\n{BAD}\n<!-- derivlint: enable -->\n{BAD}\n"
    assert found("n.md", text) == {(4, "DL101")}


def test_enable_one_code_inside_a_blanket_disable() -> None:
    text = f"<!-- derivlint: disable -->\n{BAD}\n<!-- derivlint: enable DL101 -->\n{BAD}\n"
    assert found("n.md", text) == {(4, "DL101")}


def test_enable_one_code_inside_a_prefix_disable() -> None:
    text = (
        "<!-- derivlint: disable DL1 -->\n"
        f"{BAD}\n"
        "<!-- derivlint: enable DL101 -->\n"
        f"{BAD}\n"
        "<!-- derivlint: enable -->\n"
        f"{BAD}\n"
    )
    assert found("n.md", text) == {(4, "DL101"), (6, "DL101")}


def test_enable_of_a_narrower_code_ends_only_that_code() -> None:
    text = (
        "<!-- derivlint: disable DL101 DL102 -->\n"
        f"{BAD}\n"
        "<!-- derivlint: enable DL101 -->\n"
        f"{BAD}\n"
    )
    assert found("n.md", text) == {(4, "DL101")}  # DL102 is off by default: not "unused"
    extended = found("n.md", text, extend_select=frozenset({"DL102"}))
    assert extended == {(4, "DL101"), (1, "DL590")}  # DL102 ran and suppressed nothing


def test_directives_in_code_are_not_directives() -> None:
    text = (
        "`<!-- derivlint: disable-file -->` is how you write it.\n\n"
        "```markdown\n<!-- derivlint: disable-file -->\n```\n\n"
        f"{BAD}\n"
    )
    assert directives_of("n.md", text) == []
    assert found("n.md", text) == {(7, "DL101")}


def test_unclosed_comment_is_reported() -> None:
    text = f"{BAD} <!-- derivlint: disable-line DL101\n"
    assert found("n.md", text) == {(1, "DL590"), (1, "DL101")}  # not applied
    assert any("not closed with '-->'" in m for m in messages("n.md", text))


# --------------------------------------------------------------------------- DL590


@pytest.mark.parametrize(
    "directive, words",
    [
        ("disable-next-line DL101", "Unused suppression 'disable-next-line DL101': no DL101 finding on line 2"),
        ("disable-line", "Unused suppression 'disable-line': no finding on this line"),
        ("disable-file DL1", "Unused suppression 'disable-file DL1': no DL1 finding in this file"),
        ("disable DL101", "from here to the end of the file"),
        ("disble DL101", "Unknown derivlint directive 'disble'"),
        ("disable DL999", "Unknown rule code 'DL999'"),
        ("disable-line banana", "Unknown rule code 'BANANA'"),
        ("", "Empty derivlint directive"),
        ("enable DL101", "'enable DL101' has no matching 'disable' before it"),
        ("disable-file DL100", "DL100 cannot be suppressed by a comment"),
    ],
)
def test_unused_and_malformed_directives(directive: str, words: str) -> None:
    text = f"<!-- derivlint: {directive} -->\n$x = 1$\n"
    result = check_text("n.md", text, Settings())
    (finding,) = result.findings
    assert (finding.code, finding.name, finding.severity) == ("DL590", "unused-suppression", "warning")
    assert (finding.line, finding.column, finding.end_column) == (1, 1, len(text.splitlines()[0]) + 1)
    assert words in finding.message


def test_one_finding_per_unused_code() -> None:
    text = f"<!-- derivlint: disable-next-line DL101, DL102 -->\n{BAD}\n"
    result = check_text("n.md", text, Settings(extend_select=frozenset({"DL102"})))
    assert [(f.code, "DL102" in f.message) for f in result.findings] == [("DL590", True)]


def test_a_malformed_directive_is_not_applied() -> None:
    text = f"<!-- derivlint: disable-next-line DL101 DL999 -->\n{BAD}\n"
    assert found("n.md", text) == {(1, "DL590"), (2, "DL101")}


def test_no_unused_findings_for_rules_that_did_not_run() -> None:
    text = f"<!-- derivlint: disable-next-line DL102 -->\n{BAD}\n"
    assert found("n.md", text) == {(2, "DL101")}  # DL102 is off by default …
    assert found("n.md", text, extend_select=frozenset({"DL102"})) == {(1, "DL590"), (2, "DL101")}
    # … and a rule the user deselected is not "unused" either
    text = "<!-- derivlint: disable-file DL101 -->\n$x = 1$\n"
    assert found("n.md", text, ignore=frozenset({"DL101"})) == set()
    assert found("n.md", text, select=frozenset({"DL5"})) == set()


def test_dl590_can_be_ignored_or_suppressed_by_name() -> None:
    text = "<!-- derivlint: disable-line DL101 -->\n$x = 1$\n"
    assert found("n.md", text, ignore=frozenset({"DL590"})) == set()
    assert found("n.md", text, select=frozenset({"DL1"})) == set()
    named = "<!-- derivlint: disable-file DL590 -->\n" + text
    assert found("n.md", named) == set()
    blanket = "<!-- derivlint: disable -->\n" + text  # a blanket disable does not hide DL590
    assert (2, "DL590") in found("n.md", blanket)


def test_text_without_directives_is_untouched() -> None:
    findings = check_text("n.md", f"{BAD}\n", Settings()).findings
    assert apply_suppressions("n.md", f"{BAD}\n", findings, Settings()) is findings


# --------------------------------------------------------------------------- DL100 / DL199


def test_dl100_and_dl199_are_never_suppressed_by_a_comment() -> None:
    text = "<!-- derivlint: disable-file -->\n$x = 1$\n"
    findings = [
        Finding("n.md", 1, 1, 1, 2, code, name, "error", "…")
        for code, name in (("DL100", "unreadable-file"), ("DL199", "internal-error"))
    ]
    kept = apply_suppressions("n.md", text, findings, Settings())
    assert {f.code for f in kept} == {"DL100", "DL199", "DL590"}


def test_unreadable_file_is_reported_whatever_it_says(tmp_path, capsys) -> None:
    note = tmp_path / "latin.md"
    note.write_bytes("<!-- derivlint: disable-file -->\nD\u00e9riv\u00e9e $x$\n".encode("latin-1"))
    assert main(["check", str(note), "--output-format", "json"]) == 1
    (finding,) = json.loads(capsys.readouterr().out)
    assert finding["code"] == "DL100"


# --------------------------------------------------------------------------- LaTeX


@pytest.mark.parametrize(
    "text",
    [
        f"% derivlint: disable-next-line DL101\n{BAD}\n",
        f"{BAD} % derivlint: disable-line DL101\n",
        f"% derivlint: disable DL1\n{BAD}\n% derivlint: enable\n",
        f"\\section{{A}}\n{BAD}\n%derivlint:disable-file\n",
        f"  % derivlint: disable-next-line DL101, DL102\n{BAD}\n",
    ],
)
def test_latex_suppressions(text: str) -> None:
    assert "DL101" not in {code for _, code in found("n.tex", text)}


def test_latex_escaped_percent_and_verbatim_are_not_directives() -> None:
    text = (
        "50\\% derivlint: disable-file\n"
        "\\begin{verbatim}\n% derivlint: disable-file\n\\end{verbatim}\n"
        f"{BAD}\n"
    )
    assert directives_of("n.tex", text) == []
    assert found("n.tex", text) == {(5, "DL101")}


def test_latex_html_comment_is_not_a_directive() -> None:
    assert directives_of("n.tex", "<!-- derivlint: disable-file -->\n") == []


def test_latex_unused_and_range() -> None:
    text = f"% derivlint: disable DL101\n{BAD}\n% derivlint: enable DL101\n{BAD}\n% derivlint: disable-line\n"
    assert found("n.tex", text) == {(4, "DL101"), (5, "DL590")}


# --------------------------------------------------------------------------- notebooks


def test_notebook_lines_count_within_cells() -> None:
    text = notebook(
        ("markdown", f"# One\n\n{BAD}\n"),
        ("code", "x = 1  # <!-- derivlint: disable-file -->\n"),  # code cells are not read
        ("markdown", f"<!-- derivlint: disable-next-line DL101 -->\n{BAD}\n{BAD}\n"),
        ("markdown", f"{BAD} <!-- derivlint: disable-line DL101 -->\n"),
    )
    assert found("n.ipynb", text) == {(1, 3, "DL101"), (3, 3, "DL101")}


def test_notebook_disable_file_in_any_cell_covers_the_notebook() -> None:
    text = notebook(
        ("markdown", f"{BAD}\n"),
        ("markdown", "<!-- derivlint: disable-file DL101 -->\n"),
        ("markdown", f"{BAD}\n"),
    )
    assert found("n.ipynb", text) == set()


def test_notebook_range_runs_across_cells_until_enable() -> None:
    text = notebook(
        ("markdown", f"<!-- derivlint: disable DL101 -->\n{BAD}\n"),
        ("markdown", f"{BAD}\n<!-- derivlint: enable -->\n{BAD}\n"),
        ("markdown", f"{BAD}\n"),
    )
    assert found("n.ipynb", text) == {(2, 3, "DL101"), (3, 1, "DL101")}


def test_notebook_unused_suppression_names_its_cell() -> None:
    text = notebook(("markdown", "ok\n"), ("markdown", "\n<!-- derivlint: disable-next-line DL101 -->\n$x = 1$\n"))
    (finding,) = check_text("n.ipynb", text, Settings()).findings
    assert (finding.code, finding.cell, finding.line) == ("DL590", 2, 2)


def test_broken_notebook_has_no_directives() -> None:
    assert directives_of("n.ipynb", "{ derivlint: disable-file") == []


# --------------------------------------------------------------------------- command line


def test_cli_reports_unused_suppression_and_exits_1(tmp_path, capsys) -> None:
    note = tmp_path / "n.md"
    note.write_text("<!-- derivlint: disable-next-line DL101 -->\n$x = 1$\n", encoding="utf-8")
    assert main(["check", str(note)]) == 1
    assert "n.md:1:1: DL590 Unused suppression" in capsys.readouterr().out
    assert main(["check", str(note), "--ignore", "DL590"]) == 0
