"""Tests for applying fixes: the pure fixer, files on disk (encodings, line endings, notebooks) and --fix/--diff."""

from __future__ import annotations

import codecs
import json
import os
import stat
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import derivlint.rules as rules
from derivlint.check import fixes as fixes_module
from derivlint.cli import main
from derivlint.findings import Finding, Fix
from derivlint.check.fixes import apply_fixes, cell_source, fix_notebook, plan_fixes, write_fix
from wrong_word import WrongWord  # noqa: E402


def fix(start: int, end: int, text: str, title: str = "replace") -> Fix:
    return Fix(title, text, start, end)


# --------------------------------------------------------------------------- apply_fixes


def test_applies_non_overlapping_fixes_whatever_their_order():
    text = "a = x; b = y; c = z"
    fixes = [fix(18, 19, "Z"), fix(4, 5, "XX"), fix(11, 12, "")]
    new, applied, skipped = apply_fixes(text, fixes)
    assert new == "a = XX; b = ; c = Z"
    assert len(applied) == 3 and skipped == []


def test_overlapping_fix_is_skipped_and_the_earlier_one_wins():
    text = "0123456789"
    first, overlapping, after = fix(2, 5, "A"), fix(4, 7, "B"), fix(7, 8, "C")
    new, applied, skipped = apply_fixes(text, [overlapping, after, first])
    assert new == "01A56C89"
    assert applied == [first, after]
    assert skipped == [overlapping]


def test_touching_spans_both_apply_but_two_inserts_at_one_place_do_not():
    new, applied, skipped = apply_fixes("abcd", [fix(0, 2, "X"), fix(2, 4, "Y")])
    assert new == "XY" and not skipped
    new, applied, skipped = apply_fixes("abcd", [fix(2, 2, "1"), fix(2, 2, "2")])
    assert new == "ab1cd" and len(skipped) == 1


def test_the_same_edit_twice_is_applied_once():
    new, applied, skipped = apply_fixes("x + x", [fix(0, 1, "y"), fix(0, 1, "y")])
    assert new == "y + x"
    assert len(applied) == 2 and skipped == []


def test_spans_outside_the_text_are_skipped():
    bad = [fix(-1, 0, "x"), fix(3, 2, "x"), fix(0, 99, "x")]
    new, applied, skipped = apply_fixes("abc", bad)
    assert new == "abc" and applied == [] and len(skipped) == 3


@given(st.text(alphabet="ab\n中", max_size=30), st.lists(st.tuples(st.integers(0, 30), st.integers(0, 5), st.text(alphabet="XY", max_size=3)), max_size=6))
def test_applied_fixes_never_overlap_and_the_rest_of_the_text_is_kept(text, raw):
    fixes = [fix(s, s + n, t) for s, n, t in raw]
    new, applied, skipped = apply_fixes(text, fixes)
    assert len(applied) + len(skipped) == len(fixes)
    distinct = sorted({(f.start, f.end, f.text) for f in applied})
    for (s1, e1, _), (s2, e2, _) in zip(distinct, distinct[1:]):
        assert e1 <= s2 and s1 != s2
    # Rebuild by hand from the distinct applied edits.
    expected, pos = [], 0
    for s, e, t in distinct:
        expected += [text[pos:s], t]
        pos = e
    expected.append(text[pos:])
    assert new == "".join(expected)


# --------------------------------------------------------------------------- files


def finding(path: str, fx: Fix | None, cell: int | None = None, line: int = 1) -> Finding:
    return Finding(path, line, 1, line, 2, "DL999", "test-rule", "error", "wrong", fix=fx, cell=cell)


def test_crlf_and_utf8_bom_are_kept(tmp_path):
    path = tmp_path / "a.md"
    path.write_bytes(codecs.BOM_UTF8 + "x = WRONG\r\ny = 1\r\n".encode())
    start = "x = WRONG".index("WRONG")
    plan, = plan_fixes([finding(str(path), fix(start, start + 5, "2 \\cdot x\n+ 0"))])
    write_fix(plan)
    assert path.read_bytes() == codecs.BOM_UTF8 + "x = 2 \\cdot x\r\n+ 0\r\ny = 1\r\n".encode()


def test_utf16_with_bom_is_written_back_as_utf16(tmp_path):
    path = tmp_path / "a.md"
    path.write_bytes(codecs.BOM_UTF16_LE + "梯度 WRONG\n".encode("utf-16-le"))
    plan, = plan_fixes([finding(str(path), fix(3, 8, "对"))])
    write_fix(plan)
    assert path.read_bytes() == codecs.BOM_UTF16_LE + "梯度 对\n".encode("utf-16-le")


def test_explicit_encoding_is_kept(tmp_path):
    path = tmp_path / "a.tex"
    path.write_bytes("Dérivée WRONG\n".encode("latin-1"))
    plan, = plan_fixes([finding(str(path), fix(8, 13, "juste"))], encoding="latin-1")
    write_fix(plan)
    assert path.read_bytes() == "Dérivée juste\n".encode("latin-1")


def test_file_mode_is_kept_and_no_temp_file_is_left(tmp_path):
    path = tmp_path / "a.md"
    path.write_text("WRONG\n")
    os.chmod(path, 0o640)
    plan, = plan_fixes([finding(str(path), fix(0, 5, "right"))])
    write_fix(plan)
    assert path.read_text() == "right\n"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.md"]


def test_nothing_is_written_when_nothing_changes(tmp_path, monkeypatch):
    path = tmp_path / "a.md"
    path.write_text("same\n")
    plan, = plan_fixes([finding(str(path), fix(0, 4, "same"))])
    assert not plan.changed and plan.diff() == ""

    def no_writes(*args, **kwargs):
        raise AssertionError("nothing should be written")

    monkeypatch.setattr(fixes_module, "write_atomically", no_writes)
    write_fix(plan)


def test_a_failed_write_leaves_the_file_and_no_temp_file(tmp_path, monkeypatch):
    path = tmp_path / "a.md"
    path.write_text("WRONG\n")
    plan, = plan_fixes([finding(str(path), fix(0, 5, "right"))])

    def broken_replace(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(fixes_module.os, "replace", broken_replace)
    with pytest.raises(OSError):
        write_fix(plan)
    assert path.read_text() == "WRONG\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.md"]


def test_a_file_that_would_not_round_trip_is_not_fixed(tmp_path):
    path = tmp_path / "a.md"
    data = codecs.BOM_UTF16_BE + "WRONG\n".encode("utf-16-be")
    path.write_bytes(data)
    # The "utf-16" codec reads a big-endian BOM but writes a little-endian one.
    plan, = plan_fixes([finding(str(path), fix(0, 5, "right"))], encoding="utf-16")
    assert plan.error is not None and "utf-16" in plan.error
    assert not plan.changed and len(plan.skipped) == 1
    write_fix(plan)
    assert path.read_bytes() == data


def test_an_unreadable_file_is_not_fixed(tmp_path):
    missing, = plan_fixes([finding(str(tmp_path / "gone.md"), fix(0, 1, "x"))])
    assert missing.error and not missing.changed and len(missing.skipped) == 1


NOTEBOOK = {
    "cells": [
        {"cell_type": "code", "metadata": {}, "source": ["x = 1  # WRONG\n"], "outputs": [], "execution_count": None},
        {"cell_type": "markdown", "metadata": {}, "source": ["# 梯度\n", "$\\nabla f = WRONG$\n", "end"]},
    ],
    "metadata": {},
    "nbformat": 4,
    "nbformat_minor": 5,
}


@pytest.mark.parametrize("indent,final_newline", [(1, True), (2, False), (None, False)])
def test_notebook_cell_is_fixed_and_the_json_keeps_its_style(tmp_path, indent, final_newline):
    text = json.dumps(NOTEBOOK, indent=indent, ensure_ascii=False) + ("\n" if final_newline else "")
    source = cell_source(text, 2)
    assert source == "# 梯度\n$\\nabla f = WRONG$\nend"
    start = source.index("WRONG")
    new, applied, skipped = fix_notebook(text, {2: [fix(start, start + 5, "2Ax")]})
    assert len(applied) == 1 and not skipped
    expected = json.loads(text)
    expected["cells"][1]["source"] = ["# 梯度\n", "$\\nabla f = 2Ax$\n", "end"]
    assert new == json.dumps(expected, indent=indent, ensure_ascii=False) + ("\n" if final_newline else "")
    assert new.endswith("\n") == final_newline
    assert json.loads(new)["cells"][0]["source"] == ["x = 1  # WRONG\n"]  # code cells untouched


def test_notebook_string_source_and_crlf_are_kept(tmp_path):
    nb = {"cells": [{"cell_type": "markdown", "source": "a WRONG b"}], "nbformat": 4}
    text = json.dumps(nb, indent=1).replace("\n", "\r\n") + "\r\n"
    path = tmp_path / "n.ipynb"
    path.write_bytes(text.encode())
    plan, = plan_fixes([finding(str(path), fix(2, 7, "RIGHT"), cell=1)])
    write_fix(plan)
    data = path.read_bytes().decode()
    assert "\r\n" in data and "\n" not in data.replace("\r\n", "")
    assert json.loads(data)["cells"][0]["source"] == "a RIGHT b"


def test_unified_diff_names_the_file(tmp_path):
    path = tmp_path / "a.md"
    path.write_text("one\nWRONG\nthree")
    plan, = plan_fixes([finding(str(path), fix(4, 9, "two"))])
    diff = plan.diff()
    assert diff.startswith(f"--- {path}\n+++ {path}\n")
    assert "-WRONG\n+two\n" in diff
    assert path.read_text() == "one\nWRONG\nthree"  # planning writes nothing


# --------------------------------------------------------------------------- the command line




@pytest.fixture
def wrong_word(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    catalogue = {"DL998": WrongWord}
    monkeypatch.setattr(rules, "all_rules", lambda: catalogue)
    return catalogue


def test_cli_fix_writes_files_and_reports_what_remains(wrong_word, capsys):
    Path("a.md").write_bytes(b"x WRONG y\r\nWRONG\r\n")
    nb = {"cells": [{"cell_type": "markdown", "metadata": {}, "source": ["WRONG\n", "ok"]}], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    Path("b.ipynb").write_text(json.dumps(nb, indent=1) + "\n")
    Path("c.md").write_text("fine\n")
    before_c = os.stat("c.md").st_mtime_ns
    assert main(["check", "--fix", "--output-format", "concise", "."]) == 0
    out, err = capsys.readouterr()
    assert out == ""
    assert "Fixed 3 findings in 2 files." in err
    assert Path("a.md").read_bytes() == b"x RIGHT y\r\nRIGHT\r\n"
    assert json.loads(Path("b.ipynb").read_text())["cells"][0]["source"] == ["RIGHT\n", "ok"]
    assert os.stat("c.md").st_mtime_ns == before_c
    # A second --fix has nothing left to do and lints clean.
    assert main(["check", "--fix", "."]) == 0
    assert "Fixed 0 findings in 0 files." in capsys.readouterr().err


def test_cli_diff_prints_the_change_and_writes_nothing(wrong_word, capsys):
    Path("a.md").write_text("x WRONG y\n")
    assert main(["check", "--diff", "."]) == 1
    out, err = capsys.readouterr()
    assert out.splitlines() == ["--- a.md", "+++ a.md", "@@ -1 +1 @@", "-x WRONG y", "+x RIGHT y"]
    assert "Would fix 1 finding in 1 file." in err
    assert Path("a.md").read_text() == "x WRONG y\n"
    Path("a.md").write_text("x RIGHT y\n")
    assert main(["check", "--diff", "-q", "."]) == 0
    assert capsys.readouterr().out == ""


# --------------------------------------------------------------------------- safe and unsafe fixes


from derivlint.findings import SAFE, UNSAFE  # noqa: E402
from derivlint.math.latex_out import render_problem, to_latex  # noqa: E402

VECTORS = "Let $\\mathbf{a}, \\mathbf{x} \\in \\mathbb{R}^n$.\n\n"
ROW = "$$\\frac{\\partial \\mathbf{x}^T \\mathbf{a}}{\\partial \\mathbf{x}} = \\mathbf{a}^T$$\n"


def test_a_fix_is_safe_unless_said_otherwise_and_only_safe_or_unsafe():
    assert fix(0, 1, "x").applicability == SAFE and fix(0, 1, "x").is_safe
    assert fix(0, 1, "x").unsafe().applicability == UNSAFE
    with pytest.raises(ValueError):
        Fix("t", "x", 0, 1, "maybe")
    record = finding("a.md", fix(0, 1, "x").unsafe()).to_json()["fix"]
    assert record == {"title": "replace", "replacement": "x", "applicability": "unsafe"}
    assert Finding.from_dict(finding("a.md", fix(0, 1, "x").unsafe()).to_dict()).fix.applicability == UNSAFE


def test_plan_applies_unsafe_fixes_only_when_asked(tmp_path):
    path = tmp_path / "a.md"
    path.write_text("one WRONG two BAD\n")
    findings = [finding(str(path), fix(4, 9, "RIGHT")), finding(str(path), fix(14, 17, "GOOD").unsafe())]
    plan, = plan_fixes(findings)
    assert plan.new == "one RIGHT two BAD\n" and plan.hidden == [findings[1].fix]
    plan, = plan_fixes(findings, unsafe=True)
    assert plan.new == "one RIGHT two GOOD\n" and plan.hidden == []


def test_the_emitter_never_writes_a_double_script():
    from derivlint.math.lexer import tokenize
    from derivlint.math.parser import Parser
    from derivlint.math.tree import Inverse, Transpose

    for source, transposed in [("A^{+}", "{A^{+}}^T"), ("x^{(i)}", "{x^{(i)}}^T"), ("A^{\\dagger}", "{A^{\\dagger}}^T"),
                               ("x_{\\alpha}", "x_{\\alpha}^T")]:
        node, _ = Parser(tokenize(source)).parse_chain()
        assert to_latex(Transpose(0, 0, node, "T")) == transposed
        for text in (to_latex(node), transposed, to_latex(Inverse(0, 0, node))):
            assert render_problem(text) is None, text
    for bad in ["A^{+}^T", "A^T'", "x_1_2", "{a", "a}", "\\left( x", "x^", "\\begin{bmatrix} a"]:
        assert render_problem(bad) is not None, bad
    for good in ["f'^T", "\\sum\\limits_{i=1}^{n} x_i", "\\frac{a}{b}^2", "\\{x\\}", "A^{-1}_{ij}"]:
        assert render_problem(good) is None, good


def test_a_replacement_that_would_not_render_is_dropped(tmp_path):
    path = tmp_path / "a.md"
    path.write_text("$B^T$\n")
    plan, = plan_fixes([finding(str(path), fix(1, 4, "A^{+}^T"))])
    assert plan.new == plan.old and plan.dropped and "double superscript" in plan.dropped[0][1]


def test_an_edit_that_makes_its_claim_false_is_dropped_on_rereading(tmp_path):
    from derivlint.engine import check_text

    text = "# N\n\nWe use the denominator layout.\n\n" + VECTORS + \
        "$$\\frac{\\partial \\mathbf{a}^T \\mathbf{x}}{\\partial \\mathbf{x}} = \\mathbf{a}$$\n"
    path = tmp_path / "a.md"
    path.write_text(text)
    at = text.rindex("\\mathbf{a}$$")
    bad = fix(at, at + len("\\mathbf{a}"), "2\\mathbf{a}")  # would turn a true claim into a false one
    plan, = plan_fixes([finding(str(path), bad)], recheck=check_text)
    assert plan.new == text and [f for f, _ in plan.dropped] == [bad] and "hold" in plan.dropped[0][1]


def test_cli_fix_leaves_a_note_comparing_both_layouts_as_it_is(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    note = ("# Numerator layout vs denominator layout\n\n" + VECTORS
            + "In one convention it is a row: $\\frac{\\partial \\mathbf{a}^T \\mathbf{x}}{\\partial \\mathbf{x}} = \\mathbf{a}^T$.\n\n"
            + "$$\\frac{\\partial \\mathbf{x}^T \\mathbf{x}}{\\partial \\mathbf{x}} = 2\\mathbf{x}^T$$\n\n"
            + "$$\\frac{\\partial \\mathbf{a}^T \\mathbf{x}}{\\partial \\mathbf{x}} = \\mathbf{a}$$\n")
    Path("n.md").write_text(note)
    for flags in (["--fix"], ["--fix", "--unsafe-fixes"]):
        assert main(["check", "--no-cache", *flags, "n.md"]) == 0
        assert Path("n.md").read_text() == note
    capsys.readouterr()


def test_cli_safe_fix_applies_unsafe_fix_waits_for_its_flag(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    stated = "# S\n\nWe use the denominator layout.\n\n" + VECTORS + ROW  # declared shapes, stated layout: safe
    guessed = "# G\n\nWe use the denominator layout.\n\n" + ROW.replace("mathbf{a}", "mathbf{b}")  # b, x guessed: unsafe
    Path("s.md").write_text(stated)
    Path("g.md").write_text(guessed)
    assert main(["check", "--no-cache", "--output-format", "json", "--exit-zero", "."]) == 0
    out, err = capsys.readouterr()
    kinds = {Path(f["path"]).name: f["fix"]["applicability"] for f in json.loads(out) if f["code"] == "DL401"}
    assert kinds == {"s.md": "safe", "g.md": "unsafe"}
    assert "1 fix available with --unsafe-fixes." in err

    assert main(["check", "--no-cache", "--diff", "."]) == 1
    out, err = capsys.readouterr()
    assert "+++ s.md" in out and "g.md" not in out  # --diff shows only what --fix would do
    assert Path("s.md").read_text() == stated

    assert main(["check", "--no-cache", "--fix", "--exit-zero", "."]) == 0
    capsys.readouterr()
    assert Path("s.md").read_text() == stated.replace("= \\mathbf{a}^T$$", "= \\mathbf{a}$$")
    assert Path("g.md").read_text() == guessed

    assert main(["check", "--no-cache", "--diff", "--unsafe-fixes", "."]) == 1
    assert "+++ g.md" in capsys.readouterr().out
    assert main(["check", "--no-cache", "--fix", "--unsafe-fixes", "."]) == 0
    capsys.readouterr()
    assert Path("g.md").read_text() == guessed.replace("= \\mathbf{b}^T$$", "= \\mathbf{b}$$")


def test_cli_fix_writes_a_transposed_pseudo_inverse_that_renders(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    note = ("# P\n\nWe use the denominator layout.\n\n" + VECTORS
            + "$$\\frac{\\partial \\mathbf{a}^T A^{+} \\mathbf{x}}{\\partial \\mathbf{x}} = A^{+} \\mathbf{a}$$\n")
    Path("p.md").write_text(note)
    main(["check", "--no-cache", "--fix", "--unsafe-fixes", "--exit-zero", "p.md"])
    capsys.readouterr()
    fixed = Path("p.md").read_text()
    assert fixed != note and "{A^{+}}" in fixed and "A^{+}^" not in fixed
    line = fixed.splitlines()[-1]
    assert render_problem(line.strip("$")) is None


def test_a_wrong_product_of_numbers_is_corrected_to_a_number():
    """2 × 1 = 1 (outside round 53): the correction is 2, not the juxtaposed 21 a safe fix would
    have written into the note; and numbers side by side in a product are never run together."""
    from derivlint.engine import check_text
    from derivlint.math.tree import Mul, Num, Sym

    text = ("Let $g(x,y) = 2x + y^8$.\n\n$$\\frac{\\partial g(x,y)}{\\partial x} = 2\\frac{\\partial x}{\\partial x}"
            " + 0 = 2 \\times 1 = 1$$\n")
    (finding,) = [f for f in check_text("n.md", text).findings if f.code == "DL302"]
    assert finding.fix is not None and finding.fix.text == "2", finding.message
    assert to_latex(Mul(0, 0, [Num(0, 0, "2"), Num(0, 0, "1")], [""])) == "2 \\cdot 1"
    assert to_latex(Mul(0, 0, [Sym(0, 0, "A"), Num(0, 0, "2")], [""])) == "A \\cdot 2"
