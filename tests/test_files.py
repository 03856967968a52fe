"""Tests for finding notes on disk and reading them as text."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from derivlint.files import MAX_FILE_SIZE, discover, display_path, read_note


def touch(root: Path, *names: str, content: str = "x\n") -> None:
    for name in names:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")


@pytest.fixture
def cwd(tmp_path, monkeypatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


# --------------------------------------------------------------------------- discover


def test_walk_picks_note_extensions_only(cwd):
    touch(cwd, "a.md", "b.markdown", "c.tex", "d.ipynb", "E.MD", "e.txt", "f.py", "g.md.bak")
    files, errors = discover(["."])
    assert files == ["E.MD", "a.md", "b.markdown", "c.tex", "d.ipynb"]
    assert errors == []


def test_walk_is_recursive_and_sorted(cwd):
    touch(cwd, "z/b.md", "z/a.md", "a/z.md", "m.md")
    files, _ = discover(["."])
    assert files == ["a/z.md", "m.md", "z/a.md", "z/b.md"]


def test_walk_skips_hidden_and_tool_folders(cwd):
    touch(cwd, "keep.md", ".git/x.md", ".venv/y.md", "node_modules/z.md", "__pycache__/w.md",
          "sub/.ipynb_checkpoints/v.ipynb")
    files, _ = discover(["."])
    assert files == ["keep.md"]


def test_walk_root_may_itself_be_hidden(cwd):
    touch(cwd, ".notes/a.md")
    assert discover([".notes"])[0] == [os.path.join(".notes", "a.md")]


def test_gitignore_in_root_and_subfolder_with_negation(cwd):
    touch(cwd, "a.md", "draft.tex", "drafts/d.md", "sub/keep.tex", "sub/other.tex", "sub/b.md")
    (cwd / ".gitignore").write_text("*.tex\ndrafts/\n# a comment\n", encoding="utf-8")
    (cwd / "sub" / ".gitignore").write_text("!keep.tex\nb.md\n", encoding="utf-8")
    files, _ = discover(["."])
    assert files == ["a.md", os.path.join("sub", "keep.tex")]


def test_gitignore_patterns_are_relative_to_their_folder(cwd):
    touch(cwd, "x/a.md", "sub/x/a.md", "sub/a.md")
    (cwd / "sub" / ".gitignore").write_text("/x/\n", encoding="utf-8")
    files, _ = discover(["."])
    assert files == [os.path.join("sub", "a.md"), os.path.join("x", "a.md")]


def test_parent_gitignore_up_to_git_root(cwd):
    (cwd / ".git").mkdir()
    (cwd / ".gitignore").write_text("secret.md\nnotes/build/\n", encoding="utf-8")
    touch(cwd, "notes/a.md", "notes/secret.md", "notes/build/b.md")
    files, _ = discover(["notes"])
    assert files == [os.path.join("notes", "a.md")]


def test_named_folder_is_walked_even_if_ignored(cwd):
    (cwd / ".git").mkdir()
    (cwd / ".gitignore").write_text("build/\n", encoding="utf-8")
    touch(cwd, "build/b.md")
    assert discover(["build"])[0] == [os.path.join("build", "b.md")]


def test_explicit_file_is_always_checked(cwd):
    touch(cwd, "notes.txt", "ignored/a.md")
    (cwd / ".gitignore").write_text("ignored/\n*.txt\n", encoding="utf-8")
    files, errors = discover(["notes.txt", "ignored/a.md"])
    assert files == [os.path.join("ignored", "a.md"), "notes.txt"]
    assert errors == []


def test_missing_path_is_an_error_and_others_still_found(cwd):
    touch(cwd, "a.md")
    files, errors = discover(["nope.md", "a.md"])
    assert files == ["a.md"]
    assert len(errors) == 1 and "nope.md" in errors[0]


def test_duplicates_are_reported_once(cwd):
    touch(cwd, "sub/a.md")
    files, _ = discover(["sub", "sub/a.md", "./sub/a.md", str(cwd / "sub" / "a.md")])
    assert files == [os.path.join("sub", "a.md")]


def test_exclude_patterns(cwd):
    touch(cwd, "a.md", "drafts/b.md", "c.tex")
    files, _ = discover(["."], exclude=["drafts/", "*.tex"])
    assert files == ["a.md"]


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symlinks")
def test_symlink_loop_terminates(cwd):
    touch(cwd, "notes/a.md")
    try:
        os.symlink(cwd / "notes", cwd / "notes" / "loop", target_is_directory=True)
    except OSError:
        pytest.skip("cannot create symlinks here")
    files, _ = discover(["notes"])
    assert files == [os.path.join("notes", "a.md")]


def test_display_path(cwd, tmp_path_factory):
    assert display_path(str(cwd / "a" / "b.md")) == os.path.join("a", "b.md")
    assert display_path("./a/../b.md") == "b.md"
    elsewhere = str(tmp_path_factory.mktemp("elsewhere") / "x.md")
    assert display_path(elsewhere) == elsewhere


# --------------------------------------------------------------------------- read_note


def write(tmp_path: Path, data: bytes, name: str = "n.md") -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def test_read_utf8(tmp_path):
    text, problem = read_note(write(tmp_path, "∂f/∂x = 2Ax\n".encode()))
    assert problem is None and text == "∂f/∂x = 2Ax\n"


@pytest.mark.parametrize("codec", ["utf-8-sig", "utf-16", "utf-32", "utf-16-be", "utf-32-be"])
def test_read_with_bom(tmp_path, codec):
    body = "标量 $x^T A x$\n"
    data = body.encode(codec)
    if codec.endswith("-be"):  # these codecs write no BOM themselves
        data = ("\ufeff" + body).encode(codec)
    text, problem = read_note(write(tmp_path, data))
    assert problem is None
    assert text == body


def test_invalid_utf8_names_line_column_and_byte(tmp_path):
    text, problem = read_note(write(tmp_path, b"line one\n\xce\xb1b\xe9cd\n"))
    assert text is None
    assert (problem.line, problem.column) == (2, 3)
    assert "0xE9" in problem.message
    assert "--encoding" in problem.message


def test_truncated_utf8_at_end(tmp_path):
    _, problem = read_note(write(tmp_path, b"ok\nab\xe2\x82"))
    assert (problem.line, problem.column) == (2, 3)


def test_explicit_encoding(tmp_path):
    path = write(tmp_path, "café\n".encode("latin-1"))
    assert read_note(path, encoding="latin-1") == ("café\n", None)


def test_explicit_utf16_without_bom_is_not_binary(tmp_path):
    path = write(tmp_path, "abc\n".encode("utf-16-le"))
    assert read_note(path, encoding="utf-16-le") == ("abc\n", None)


def test_unknown_encoding_is_a_problem(tmp_path):
    text, problem = read_note(write(tmp_path, b"x"), encoding="no-such-codec")
    assert text is None and "no-such-codec" in problem.message


def test_binary_file(tmp_path):
    text, problem = read_note(write(tmp_path, b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"))
    assert text is None and "binary" in problem.message


def test_nul_after_sniff_window_is_a_decode_matter(tmp_path):
    text, problem = read_note(write(tmp_path, b"a" * 9000 + b"\x00"))
    assert problem is None and text.endswith("\x00")


def test_too_large(tmp_path):
    path = write(tmp_path, b"x" * 11)
    text, problem = read_note(path, max_size=10)
    assert text is None and "too large" in problem.message
    assert read_note(path, max_size=11) == ("x" * 11, None)
    assert MAX_FILE_SIZE == 10 * 1024 * 1024


def test_missing_file_does_not_raise(tmp_path):
    text, problem = read_note(str(tmp_path / "missing.md"))
    assert text is None and problem.message
    assert (problem.line, problem.column) == (1, 1)


def test_directory_does_not_raise(tmp_path):
    text, problem = read_note(str(tmp_path))
    assert text is None and problem.message


def test_walk_picks_the_markdown_dialects(cwd):
    """Quarto, R Markdown (either case of its extension) and MDX notes are walked with the others."""
    touch(cwd, "a.qmd", "b.Rmd", "c.rmd", "d.mdx", "e.QMD", "f.qmd.html", "g.Rmarkdown", "h.mdown")
    files, errors = discover(["."])
    assert files == ["a.qmd", "b.Rmd", "c.rmd", "d.mdx", "e.QMD"]
    assert errors == []
