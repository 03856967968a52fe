"""Command-line habits from ruff: standard input, --color, windows of wide lines, --show-settings,
--show-files, one error line for a missing path, and no raw control characters on the terminal."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import derivlint.rules as rules
from derivlint.cli import main
from derivlint.report import Context, render
from derivlint.report.full import ELLIPSIS, caret_line, clip
from derivlint.report.terminal import color_wanted, escape, escape_path, text_width
from wrong_word import WrongWord  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
WRONG_DERIVATIVE = "$$\\frac{\\partial x^T A x}{\\partial x} = 2Ax$$\n"  # true only for symmetric A, unsaid: DL304
ANSI = "\x1b["
# Anything a terminal acts on: C0 controls but tab and newline, DEL, C1 controls.
RAW_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")




@pytest.fixture
def wrong_word(monkeypatch, tmp_path):
    """Only the WRONG rule runs: fast, and it offers a fix."""
    monkeypatch.chdir(tmp_path)
    for name in ("NO_COLOR", "FORCE_COLOR", "COLUMNS", "DERIVLINT_DEBUG"):
        monkeypatch.delenv(name, raising=False)
    real = rules.all_rules()
    catalogue = {"DL100": real["DL100"], "DL199": real["DL199"], "DL998": WrongWord}
    monkeypatch.setattr(rules, "all_rules", lambda: catalogue)
    monkeypatch.setattr(rules, "rule_codes", lambda: tuple(catalogue))
    return catalogue


@pytest.fixture
def here(monkeypatch, tmp_path):
    """The real rules, in an empty folder, without colour or width from the environment."""
    monkeypatch.chdir(tmp_path)
    for name in ("NO_COLOR", "FORCE_COLOR", "COLUMNS", "DERIVLINT_DEBUG"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def feed(monkeypatch, data: str | bytes) -> None:
    """Make ``data`` the process's standard input."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(raw), encoding="utf-8"))


# --------------------------------------------------------------------------- standard input


def test_the_issue_command_reports_the_claim_under_the_stdin_filename(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR", "COLUMNS")}
    done = subprocess.run(
        [sys.executable, "-m", "derivlint", "check", "-", "--stdin-filename", "note.md", "--no-cache"],
        input=WRONG_DERIVATIVE, capture_output=True, text=True, cwd=tmp_path, env=env, timeout=120,
    )
    assert done.returncode == 1, done.stderr
    assert done.stdout.startswith("note.md:1:3: DL304 "), done.stdout
    assert "1 finding in 1 of 1 file" in done.stderr
    assert not (tmp_path / "note.md").exists() and not (tmp_path / ".derivlint_cache").exists()


def test_without_a_stdin_filename_the_path_is_a_dash_and_the_note_markdown(here, monkeypatch, capsys):
    feed(monkeypatch, "Some prose.\n\n" + WRONG_DERIVATIVE)
    assert main(["check", "-"]) == 1
    out = capsys.readouterr().out
    assert out.startswith("-:3:3: DL304 "), out


@pytest.mark.parametrize("fmt", ["full", "concise", "json", "sarif", "github", "gitlab"])
def test_the_stdin_filename_is_the_path_in_every_format(here, monkeypatch, capsys, fmt):
    feed(monkeypatch, WRONG_DERIVATIVE)
    assert main(["check", "-", "--stdin-filename", "notes/ch1.md", "--output-format", fmt, "-q"]) == 1
    out = capsys.readouterr().out
    assert "notes/ch1.md" in out
    if fmt == "full":  # the frame shows the text read from standard input (there is no such file)
        assert "1 | $$\\frac{\\partial x^T A x}" in out
    if fmt == "json":
        assert [f["path"] for f in json.loads(out)] == ["notes/ch1.md"]


def test_the_stdin_filename_picks_the_format(here, monkeypatch, capsys):
    nb = {"cells": [{"cell_type": "code", "metadata": {}, "source": ["x = 1\n"], "outputs": [], "execution_count": None},
                    {"cell_type": "markdown", "metadata": {}, "source": ["# Gradient\n", WRONG_DERIVATIVE]}],
          "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    feed(monkeypatch, json.dumps(nb, indent=1))
    assert main(["check", "-", "--stdin-filename", "lesson.ipynb", "-q", "--output-format", "json"]) == 1
    (finding,) = json.loads(capsys.readouterr().out)
    assert (finding["path"], finding["cell"], finding["line"], finding["code"]) == ("lesson.ipynb", 2, 2, "DL304")


def test_the_stdin_filename_finds_the_configuration_of_its_folder(here, monkeypatch, capsys):
    Path("strict").mkdir()
    Path("lenient").mkdir()
    Path("lenient/derivlint.toml").write_text('ignore = ["DL3"]\n')
    feed(monkeypatch, WRONG_DERIVATIVE)
    assert main(["check", "-", "--stdin-filename", "lenient/n.md", "-q"]) == 0
    assert capsys.readouterr().out == ""
    feed(monkeypatch, WRONG_DERIVATIVE)
    assert main(["check", "-", "--stdin-filename", "strict/n.md", "-q"]) == 1
    assert capsys.readouterr().out.startswith("strict/n.md:1:3: DL304")


def test_standard_input_is_never_cached(wrong_word, monkeypatch, capsys):
    for text, expected in (("WRONG\n", 1), ("fine\n", 0), ("WRONG\n", 1)):
        feed(monkeypatch, text)
        assert main(["check", "-", "--stdin-filename", "a.md", "--cache-dir", "cache", "-q"]) == expected
        capsys.readouterr()
    assert not Path("cache").exists()


def test_fix_on_standard_input_prints_the_fixed_note_and_reports_on_stderr(wrong_word, monkeypatch, capsys):
    feed(monkeypatch, b"x WRONG y\r\nWRONG\r\n")
    assert main(["check", "--fix", "-", "--stdin-filename", "a.md"]) == 0
    out, err = capsys.readouterr()
    assert out == "x RIGHT y\r\nRIGHT\r\n"  # the note's own line endings, nothing else on stdout
    assert "Fixed 2 findings in 1 file." in err and "no findings" in err
    assert not Path("a.md").exists()


def test_fix_on_standard_input_echoes_a_note_it_cannot_fix_and_reports_what_remains(wrong_word, monkeypatch, capsys):
    feed(monkeypatch, "all fine\n")
    assert main(["check", "--fix", "-"]) == 0
    assert capsys.readouterr().out == "all fine\n"
    feed(monkeypatch, b"\x00\x01binary")  # unreadable: echoed byte for byte, the DL100 on stderr
    assert main(["check", "--fix", "-", "--stdin-filename", "b.md"]) == 1
    out, err = capsys.readouterr()
    assert out == "\x00\x01binary"
    assert "b.md:1:1: DL100" in err


def test_diff_on_standard_input(wrong_word, monkeypatch, capsys):
    feed(monkeypatch, "x WRONG y\n")
    assert main(["check", "--diff", "-", "--stdin-filename", "a.md"]) == 1
    out, err = capsys.readouterr()
    assert out.splitlines() == ["--- a.md", "+++ a.md", "@@ -1 +1 @@", "-x WRONG y", "+x RIGHT y"]
    assert "Would fix 1 finding in 1 file." in err


@pytest.mark.parametrize("argv,needle", [
    (["check", "-", "a.md"], "cannot be combined with other paths"),
    (["check", "a.md", "--stdin-filename", "b.md"], "give '-' as the PATH"),
    (["claims", "-", "a.md"], "cannot be combined with other paths"),
])
def test_standard_input_mixed_with_paths_is_a_usage_error(wrong_word, monkeypatch, capsys, argv, needle):
    Path("a.md").write_text("WRONG\n")
    feed(monkeypatch, "WRONG\n")
    assert main(argv) == 2
    out, err = capsys.readouterr()
    assert out == "" and needle in err


def test_claims_from_standard_input(here, monkeypatch, capsys):
    feed(monkeypatch, WRONG_DERIVATIVE)
    assert main(["claims", "-", "--stdin-filename", "n.md", "--output-format", "json"]) == 0
    records = json.loads(capsys.readouterr().out)
    assert records and all(r["path"] == "n.md" for r in records)
    assert any(r["verdict"].startswith("false in general") for r in records)


# --------------------------------------------------------------------------- colour


@pytest.mark.parametrize("env,option,coloured", [
    ({}, [], False),  # auto, and stdout is not a terminal here
    ({}, ["--color", "always"], True),
    ({}, ["--color", "never"], False),
    ({"NO_COLOR": "1"}, [], False),
    ({"NO_COLOR": "1"}, ["--color", "always"], True),  # the option wins over the environment
    ({"FORCE_COLOR": "1"}, [], True),
    ({"FORCE_COLOR": "1"}, ["--color", "never"], False),
    ({"NO_COLOR": ""}, ["--color", "auto"], False),  # empty: as if unset
])
@pytest.mark.parametrize("fmt", ["full", "concise"])
def test_color_in_the_text_formats(wrong_word, monkeypatch, capsys, env, option, coloured, fmt):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    Path("a.md").write_text("x WRONG y\n")
    assert main(["check", "a.md", "-q", "--output-format", fmt, *option]) == 1
    out, err = capsys.readouterr()
    assert (ANSI in out) == coloured
    assert ANSI not in err
    assert re.sub(r"\x1b\[[0-9;]*m", "", out).startswith("a.md:1:3: DL998")


@pytest.mark.parametrize("fmt", ["json", "sarif", "github", "gitlab"])
def test_machine_formats_never_have_colour(wrong_word, monkeypatch, capsys, fmt):
    monkeypatch.setenv("FORCE_COLOR", "1")
    Path("a.md").write_text("x WRONG y\n")
    assert main(["check", "a.md", "-q", "--output-format", fmt, "--color", "always"]) == 1
    assert ANSI not in capsys.readouterr().out


def test_output_files_never_have_colour(wrong_word, capsys):
    Path("a.md").write_text("x WRONG y\n")
    main(["check", "a.md", "-q", "--color", "always", "--output-format", "full",
          "--output-file", "all.txt", "--output-file", "concise=short.txt"])
    assert capsys.readouterr().out == ""
    assert "DL998" in Path("all.txt").read_text() and ANSI not in Path("all.txt").read_text()
    assert "DL998" in Path("short.txt").read_text() and ANSI not in Path("short.txt").read_text()


class _Stream:
    def __init__(self, tty: bool):
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


def test_auto_colour_follows_the_terminal(monkeypatch):
    for name in ("NO_COLOR", "FORCE_COLOR", "TERM"):
        monkeypatch.delenv(name, raising=False)
    assert color_wanted("auto", _Stream(True)) and not color_wanted("auto", _Stream(False))
    monkeypatch.setenv("TERM", "dumb")
    assert not color_wanted("auto", _Stream(True))
    monkeypatch.delenv("TERM")
    monkeypatch.setenv("NO_COLOR", "yes")
    assert not color_wanted("auto", _Stream(True)) and color_wanted("always", _Stream(False))


# --------------------------------------------------------------------------- wide lines


def _frame_lines(out: str) -> list[str]:
    """The numbered and caret lines of the first code frame in ``out``."""
    frame = [line for line in out.split("\n\n")[0].splitlines() if re.match(r" *[0-9]* \|( |$)", line)]
    return frame[1:-1]


def test_a_long_cjk_line_is_windowed_around_the_span(wrong_word, monkeypatch, capsys):
    line = "这是一段很长的中文笔记，讨论矩阵求导。" * 20 + " WRONG " + "后面还有很多中文文字，全部在同一行。" * 20
    Path("long.md").write_text("# 标题\n\n" + line + "\n", encoding="utf-8")
    monkeypatch.setenv("COLUMNS", "60")
    assert main(["check", "long.md", "-q", "--output-format", "full"]) == 1
    text_line, carets = _frame_lines(capsys.readouterr().out)
    assert text_width(text_line) <= 60 and text_width(carets) <= 60
    assert text_line.startswith("3 | " + ELLIPSIS) and text_line.endswith(ELLIPSIS)
    assert carets.strip(" |") == "^^^^^"
    # The carets sit under WRONG: as many columns before them as before WRONG, wide characters counting two.
    assert text_width(carets[: carets.index("^")]) == text_width(text_line[: text_line.index("WRONG")])


def test_without_a_known_width_the_whole_line_is_shown(wrong_word, capsys):
    line = "中文" * 200 + " WRONG"
    Path("long.md").write_text(line + "\n", encoding="utf-8")
    assert main(["check", "long.md", "-q", "--output-format", "full"]) == 1
    text_line, _carets = _frame_lines(capsys.readouterr().out)
    assert text_line == "1 | " + line


def test_clip_keeps_the_caret_under_the_span():
    line = "中" * 50 + "abc" + "文" * 50
    start = line.index("abc")
    shown, pad, width = clip(line, start, start + 3, 30)
    assert text_width(shown) <= 30 and width == 3
    assert shown.startswith(ELLIPSIS) and shown.endswith(ELLIPSIS)
    assert text_width(shown[: shown.index("abc")]) == pad
    # A span wider than the room is cut at the window's right edge, its start kept in view.
    shown, pad, width = clip("x" * 10 + "y" * 100, 10, 110, 30)
    assert shown[pad] == "y" and pad + width <= text_width(shown)
    # A span past the end of a long line (an unclosed delimiter at the end) stays visible.
    shown, pad, width = clip("z" * 100, 100, 101, 30)
    assert shown.startswith(ELLIPSIS) and pad == text_width(shown) and width == 1
    # A short line is left as it is.
    assert clip("ab", 1, 2, 30) == ("ab", 1, 1)


# --------------------------------------------------------------------------- show


def test_show_settings_names_the_configuration_and_macros(wrong_word, capsys):
    Path("book/ch1").mkdir(parents=True)
    Path("book/derivlint.toml").write_text(
        'ignore = ["DL998"]\nlayout = "denominator"\n[macros]\ntr = "\\\\operatorname{tr}"\n')
    Path("book/ch1/a.md").write_text("x\n")
    assert main(["check", "--show-settings", "book/ch1/a.md"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "Settings for: book/ch1/a.md"
    assert out[1] == "Configuration file: " + str(Path("book/derivlint.toml").resolve())
    assert "ignore: DL998" in out and "layout: denominator" in out
    assert "macros: \\tr = \\operatorname{tr}" in out
    assert "macro sources: " + str(Path("book/derivlint.toml").resolve()) + " [macros]" in out
    assert "rules enabled: DL100, DL199" in out


def test_show_settings_without_a_configuration_says_none(wrong_word, capsys):
    Path("a.md").write_text("x\n")
    assert main(["check", "--show-settings", "--layout", "numerator", "a.md"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert "Configuration file: none (the defaults apply)" in out
    assert "macros: none" in out and "macro sources: none" in out
    assert "layout: numerator (from --layout)" in out and "rules enabled: DL100, DL199, DL998" in out


def test_show_settings_for_standard_input_uses_the_stdin_filename(wrong_word, monkeypatch, capsys):
    Path("sub").mkdir()
    Path("sub/pyproject.toml").write_text('[tool.derivlint]\nselect = ["DL9"]\n[tool.derivlint.macros]\nR = "\\\\mathbb{R}"\n')
    feed(monkeypatch, "")  # never read
    assert main(["check", "--show-settings", "-", "--stdin-filename", "sub/n.md"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "Settings for: sub/n.md"
    assert "select: DL9" in out
    assert "macro sources: " + str(Path("sub/pyproject.toml").resolve()) + " [tool.derivlint.macros]" in out


def test_show_files_lists_what_a_run_would_check(wrong_word, capsys):
    Path("derivlint.toml").write_text('exclude = ["drafts/"]\n')
    for name in ("a.md", "b/c.tex", "b/d.ipynb", "drafts/e.md", "notes.txt", ".hidden/f.md"):
        Path(name).parent.mkdir(parents=True, exist_ok=True)
        Path(name).write_text("WRONG\n")
    assert main(["check", "--show-files", "."]) == 0
    out, err = capsys.readouterr()
    assert out.splitlines() == ["a.md", os.path.join("b", "c.tex"), os.path.join("b", "d.ipynb")]
    assert err == ""
    assert main(["check", "--show-files", "a.md", "missing.md"]) == 2
    out, err = capsys.readouterr()
    assert out == "a.md\n" and err == "derivlint: error: no such file or directory: missing.md\n"


# --------------------------------------------------------------------------- a missing path


@pytest.mark.parametrize("argv", [
    ["check", "nope.md"],
    ["check", "--output-format", "full", "nope.md"],
    ["check", "--fix", "nope.md"],
    ["check", "--diff", "nope.md"],
    ["claims", "nope.md"],
])
def test_a_missing_path_is_one_error_line_and_exit_2(wrong_word, capsys, argv):
    assert main(argv) == 2
    out, err = capsys.readouterr()
    assert out == "" and err == "derivlint: error: no such file or directory: nope.md\n"


# --------------------------------------------------------------------------- terminal safety


HOSTILE = "Title\x1b]0;pwned\x07 and \x1b[2J WRONG here\rFAKE.md:1:1: DL301 forged\x9b31m end\n"


def _no_raw_controls(*texts: str) -> None:
    for text in texts:
        assert not RAW_CONTROL.search(text), repr(text)


@pytest.mark.parametrize("fmt", ["full", "concise"])
def test_control_characters_in_a_note_and_its_name_never_reach_the_terminal(wrong_word, capsys, fmt):
    name = "e\x1b[31mvil\rname.md"
    Path(name).write_text(HOSTILE, encoding="utf-8")
    assert main(["check", ".", "--output-format", fmt, "--color", "never"]) == 1
    out, err = capsys.readouterr()
    _no_raw_controls(out, err)
    assert escape_path(name) == '"e\\x1b[31mvil\\rname.md"'
    assert out.startswith('"e\\x1b[31mvil\\rname.md":1:')
    if fmt == "full":
        printed, carets = _frame_lines(out)
        assert "\\x1b]0;pwned\\x07" in printed and "\\r" in printed and "\\x9b" in printed
        # the escapes are counted at their printed width: the carets are still under WRONG
        assert carets.index("^") == printed.index("WRONG")
    assert main(["claims", "."]) == 0
    _no_raw_controls(*capsys.readouterr())


def test_a_file_name_with_a_newline_is_quoted(wrong_word, capsys):
    Path("two\nlines.md").write_text("WRONG\n")
    assert main(["check", ".", "--output-format", "concise"]) == 1
    out = capsys.readouterr().out
    assert out.splitlines() == ['"two\\nlines.md":1:1: DL998 WRONG is wrong']


def test_control_characters_in_standard_input_and_messages_are_escaped(wrong_word, monkeypatch, capsys):
    feed(monkeypatch, HOSTILE)
    assert main(["check", "-", "--stdin-filename", "x\x1b.md", "--output-format", "full"]) == 1
    out, err = capsys.readouterr()
    _no_raw_controls(out, err)
    Path("a\x1b.md").write_text("x\n")
    assert main(["check", "b\x1b]0;t\x07.md"]) == 2  # a missing path named with controls
    _no_raw_controls(*capsys.readouterr())


def test_escape_and_widths():
    assert escape("a\x1bb\rc\nd\te\x9bf\u202eg") == "a\\x1bb\\rc\\nd\te\\x9bf\\u202eg"
    assert escape("中文 ok") == "中文 ok"
    assert text_width("a\x1b") == 5 and text_width("中\r") == 4
    assert caret_line("a\x1bb", 2, 3) == "     ^"
    assert escape_path("plain/name.md") == "plain/name.md"
    assert escape_path('a"\\\nb') == '"a\\"\\\\\\nb"'


def test_the_machine_formats_keep_their_own_escaping(wrong_word):
    from derivlint.findings import Finding

    f = Finding("a\x1b.md", 1, 1, 1, 2, "DL998", "wrong-word", "error", "bad\x1b]0;x\x07\r\n")
    github = render("github", [f], Context())
    assert "%0D%0A" in github  # as before: GitHub's own percent-encoding of CR and LF
    assert json.loads(render("json", [f], Context()))[0]["message"] == "bad\x1b]0;x\x07\r\n"
