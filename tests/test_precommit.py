"""The pre-commit hook, run by the real ``pre-commit try-repo`` on a temporary repository of notes.

pre-commit builds a virtualenv and pip-installs this repository into it for
each ``try-repo`` (about 30 s with a warm pip cache); the two runs go in
parallel. Skipped when ``git`` or ``pre-commit`` is not installed.
"""

from __future__ import annotations

import re

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PRE_COMMIT = shutil.which("pre-commit")
GIT = shutil.which("git")

pytestmark = pytest.mark.skipif(
    PRE_COMMIT is None or GIT is None,
    reason="the pre-commit test needs the `pre-commit` and `git` commands (pip install '.[test]')",
)

WRONG_MD = "# Gradients\n\nLet $x = (a + b$ be a vector.\n"  # DL101: the parenthesis is never closed
WRONG_DERIVATIVE = "# Gradients\n\nLet $x \\in \\mathbb{R}^n$. Then $\\nabla_x (x^T x) = x$.\n"  # DL301: it is 2x
WRONG_TEX = "\\section{Gradients}\nLet $x = (a + b$ be a vector.\n"
RIGHT_MD = "# Gradients\n\nLet $x \\in \\mathbb{R}^n$. Then $\\nabla_x (a^T x) = a$.\n"
RIGHT_TEX = "\\section{Gradients}\nLet $x \\in \\mathbb{R}^n$ and $y = (a + b)$.\n"


def _notebook(source: str) -> str:
    cell = {"cell_type": "markdown", "metadata": {}, "source": [source]}
    return json.dumps({"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5})


def _git(*args: str, cwd: Path) -> None:
    # an identity of its own: no global git configuration is needed
    identity = ("-c", "user.name=derivlint tests", "-c", "user.email=tests@derivlint.invalid", "-c", "commit.gpgsign=false")
    subprocess.run([GIT, *identity, *args], cwd=cwd, check=True, capture_output=True, env=_env(cwd))


def _env(home: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "PRE_COMMIT", "DERIVLINT_"))}
    env.update(PRE_COMMIT_HOME=str(home / "pre-commit-home"), PIP_DISABLE_PIP_VERSION_CHECK="1")
    return env


@pytest.fixture(scope="module")
def repos(tmp_path_factory) -> tuple[Path, Path]:
    """(hook repository, notes repository): the hook repository is this checkout's working tree,
    committed as it is now (``try-repo`` of a dirty checkout would leave out new files)."""
    base = tmp_path_factory.mktemp("precommit")
    hook = base / "hook"
    hook.mkdir()
    for item in ROOT.iterdir():
        if item.is_file() and not item.name.startswith(".") or item.name == ".pre-commit-hooks.yaml":
            shutil.copy2(item, hook / item.name)
    for package in ("linter", "rules"):
        shutil.copytree(ROOT / package, hook / package, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    _git("init", "-q", cwd=hook)
    _git("add", "-A", cwd=hook)
    _git("commit", "-q", "-m", "derivlint as it is being tested", cwd=hook)

    notes = base / "notes"
    notes.mkdir()
    files = {
        "wrong.md": WRONG_MD, "wrong.qmd": WRONG_MD, "wrong.Rmd": WRONG_MD, "derivative.md": WRONG_DERIVATIVE, "wrong.tex": WRONG_TEX, "wrong.ipynb": _notebook(WRONG_MD),
        "right.md": RIGHT_MD, "right.tex": RIGHT_TEX, "right.ipynb": _notebook(RIGHT_MD),
        "README.txt": "Not a note: $x = (a$ is not checked here.\n",
        "style.sty": "% a style file, not a note: $x = (a$\n\\newcommand{\\R}{\\mathbb{R}}\n",
    }
    for name, text in files.items():
        (notes / name).write_text(text, encoding="utf-8")
    _git("init", "-q", cwd=notes)
    _git("add", "-A", cwd=notes)
    return hook, notes


@pytest.fixture(scope="module")
def runs(repos) -> dict[str, subprocess.CompletedProcess]:
    """``pre-commit try-repo`` on the wrong notes and on the right notes, both at once."""
    hook, notes = repos
    env = _env(notes.parent)
    commands = {
        "wrong": [PRE_COMMIT, "try-repo", str(hook), "derivlint", "--verbose", "--files", "wrong.md", "wrong.qmd", "wrong.Rmd", "derivative.md", "wrong.tex", "wrong.ipynb", "README.txt"],
        "right": [PRE_COMMIT, "try-repo", str(hook), "derivlint", "--verbose", "--files", "right.md", "right.tex", "right.ipynb", "README.txt", "style.sty"],
    }
    started = {
        name: subprocess.Popen(cmd, cwd=notes, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        for name, cmd in commands.items()
    }
    done = {}
    for name, proc in started.items():
        out, _ = proc.communicate(timeout=600)
        done[name] = subprocess.CompletedProcess(commands[name], proc.returncode, out, "")
    return done


def test_hook_fails_on_wrong_notes(runs):
    run = runs["wrong"]
    assert run.returncode == 1, run.stdout
    assert "derivlint" in run.stdout and "Failed" in run.stdout
    for name in ("wrong.md:3:", "wrong.qmd:3:", "wrong.Rmd:3:", "wrong.tex:2:", "wrong.ipynb:cell 1:3:"):
        assert name in run.stdout, run.stdout
    assert run.stdout.count("DL101") >= 3
    assert "derivative.md:3:" in run.stdout and "DL301" in run.stdout
    assert "README.txt" not in run.stdout  # not a note type: pre-commit does not pass it on


def test_hook_passes_on_right_notes(runs):
    run = runs["right"]
    assert run.returncode == 0, run.stdout
    assert "Passed" in run.stdout and "DL101" not in run.stdout  # style.sty was not passed on


def test_hook_manifest_fields():
    text = (ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8")
    for line in ("- id: derivlint", "entry: derivlint check", "language: python", "types: [text]"):
        assert line in text
    clientlib = pytest.importorskip("pre_commit.clientlib")
    (hook,) = clientlib.load_manifest(str(ROOT / ".pre-commit-hooks.yaml"))  # pre-commit's own validation
    assert hook["id"] == "derivlint" and hook["types"] == ["text"]
    from derivlint.files import NOTE_EXTENSIONS

    walked = re.compile(hook["files"])
    for suffix in NOTE_EXTENSIONS:  # the hook passes on every note kind a folder check walks, and nothing else
        assert walked.search("notes/a" + suffix) and walked.search("notes/a" + suffix.upper()), suffix
    for other in ("a.sty", "a.txt", "a.py", "a.md.bak"):
        assert not walked.search(other), other
