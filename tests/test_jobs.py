"""Checking in parallel (--jobs), Ctrl-C, and what start-up imports: the speed habits of ``check``."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from derivlint import cli, engine
from derivlint.cli import main

REPO = Path(__file__).resolve().parent.parent
from shared_data import SEEDS, needs_seeds  # noqa: E402


SAMPLE_EVERY = 8  # one Markdown fixture in eight, beside every fixture of the other formats


def _sample_of_fixtures(dest: Path) -> None:
    """A cross-section of the fixtures: every format and site folder whole, one Markdown note in
    ``SAMPLE_EVERY``, identities.md (named by the tests) and the unbalanced-bracket notes (their
    DL101). These tests are about processes, not about what a note says; the whole folder (250
    notes) would only repeat the same work, and the fixture test checks every note already."""
    source = REPO / "fixtures"
    markdown = sorted((source / "markdown").iterdir())
    keep = set(markdown[::SAMPLE_EVERY])
    keep |= {source / "markdown" / name for name in ("identities.md", "unbalanced.md", "brackets_unbalanced.md")}
    for item in source.iterdir():
        if item.is_dir() and item.name != "markdown":
            shutil.copytree(item, dest / item.name)
    (dest / "markdown").mkdir(parents=True)
    for note in keep:
        shutil.copy2(note, dest / "markdown" / note.name)


@pytest.fixture
def folder(tmp_path, monkeypatch):
    """A sample of the fixtures (and the seeds, when present) copied into the cwd; pools start for any size."""
    _sample_of_fixtures(tmp_path / "fixtures")
    if SEEDS.is_dir():
        shutil.copytree(SEEDS, tmp_path / "seeds")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(cli, "PARALLEL_MIN_CHARS", 0)
    monkeypatch.delenv("DERIVLINT_DEBUG", raising=False)
    return tmp_path


@pytest.fixture
def pools(monkeypatch):
    """How many times a process pool was used."""
    used: list[int] = []
    real = cli._parallel

    def spy(todo, jobs):
        used.append(len(todo))
        yield from real(todo, jobs)

    monkeypatch.setattr(cli, "_parallel", spy)
    return used


def is_dl199(line: str) -> bool:
    return line.split(": ", 1)[-1].startswith("DL199 ")


def check(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["check", "--no-cache", *args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("fmt", ["concise", "json"])
def test_parallel_output_is_identical_to_serial(folder, capsys, pools, fmt):
    serial = check(capsys, "-j", "1", "--output-format", fmt, ".")
    assert pools == []
    parallel = check(capsys, "--jobs", "2", "--output-format", fmt, ".")
    assert pools and pools[0] >= 5
    assert parallel == serial
    assert serial[0] == 1 and "DL101" in serial[1]


def test_default_jobs_is_the_number_of_cpus(folder, capsys, pools, monkeypatch):
    monkeypatch.setattr(cli, "_cpus", lambda: 3)
    seen = []
    real = cli._pool
    monkeypatch.setattr(cli, "_pool", lambda workers: seen.append(workers) or real(workers))
    check(capsys, ".")
    assert seen == [3]


def test_small_runs_stay_in_process(folder, capsys, pools, monkeypatch):
    monkeypatch.setattr(cli, "PARALLEL_MIN_CHARS", 10**9)
    check(capsys, "-j", "2", ".")
    assert pools == []
    monkeypatch.setattr(cli, "PARALLEL_MIN_CHARS", 0)
    check(capsys, "-j", "2", "fixtures/markdown/identities.md")  # one file: no pool
    assert pools == []


def test_cache_hits_are_not_sent_to_workers(folder, capsys, pools, tmp_path):
    first = main(["check", "-j", "2", "--cache-dir", str(tmp_path / "c"), "."])
    assert len(pools) == 1
    (folder / "fixtures" / "markdown" / "identities.md").write_text("$x = (a$\n", encoding="utf-8")
    second = main(["check", "-j", "2", "--cache-dir", str(tmp_path / "c"), "."])
    assert len(pools) == 1  # one file to compute: in this process
    assert first == second == 1
    capsys.readouterr()


def _fake_engine(monkeypatch):
    real = engine.check_text

    def fake(path, text, settings=None):
        if "BOOM" in text:
            raise KeyError("boom-key")
        if "DIE" in text:
            os._exit(3)  # a worker that dies without a word
        return real(path, text, settings)

    monkeypatch.setattr(engine, "check_text", fake)


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_an_exception_becomes_dl199_for_that_file_only(folder, capsys, monkeypatch, jobs):
    _fake_engine(monkeypatch)
    (folder / "boom.md").write_text("BOOM $x = (y$\n", encoding="utf-8")
    code, out, _ = check(capsys, "-j", jobs, ".")
    lines = out.splitlines()
    assert code == 1
    assert [line for line in lines if is_dl199(line)] == [
        "boom.md:1:1: DL199 internal error while checking this file: KeyError: 'boom-key' "
        "(a derivlint bug; please report it, DERIVLINT_DEBUG=1 prints the traceback)"
    ]
    assert any("DL101" in line and "fixtures" in line for line in lines)


def test_a_worker_that_dies_becomes_dl199_for_that_file_only(folder, capsys, monkeypatch):
    expected = check(capsys, "-j", "1", ".")[1].splitlines()
    _fake_engine(monkeypatch)
    (folder / "die.md").write_text("DIE\n", encoding="utf-8")
    code, out, _ = check(capsys, "-j", "2", ".")
    lines = out.splitlines()
    assert code == 1
    died = [line for line in lines if is_dl199(line)]
    assert len(died) == 1 and died[0].startswith("die.md:1:1: DL199") and "stopped abruptly" in died[0]
    assert [line for line in lines if not is_dl199(line)] == expected


@pytest.mark.parametrize("value", ["0", "-2", "many"])
def test_bad_jobs_value_is_a_usage_error(folder, capsys, value):
    assert main(["check", "-j", value, "."]) == 2
    err = capsys.readouterr().err
    assert "expected a number of processes" in err and "Traceback" not in err


# --------------------------------------------------------------------------- Ctrl-C

_SLOW = """
import sys, time
from derivlint import cli, engine
real = engine.check_text
def slow(path, text, settings=None):
    time.sleep(0.5)
    return real(path, text, settings)
engine.check_text = slow
cli.PARALLEL_MIN_CHARS = 0
print("started", flush=True)
raise SystemExit(cli.main(["check", "--no-cache", "-j", sys.argv[1], "."]))
"""


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_ctrl_c_exits_130_cleanly(folder, jobs):
    for k in range(40):
        (folder / f"n{k}.md").write_text(f"$x_{k} = y$\n", encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(
        [sys.executable, "-c", _SLOW, jobs], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True
    )
    assert proc.stdout.readline().strip() == "started"
    time.sleep(1.5)  # the pool is up and busy
    start = time.monotonic()
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err
    assert time.monotonic() - start < 5  # the workers are stopped, not waited for
    assert "Traceback" not in err and "KeyboardInterrupt" not in err


# --------------------------------------------------------------------------- imports


def _modules_after(code: str, cwd: Path) -> set[str]:
    script = f"import sys\n{code}\nprint(' '.join(sorted(sys.modules)))"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("DERIVLINT_DEBUG", None)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=cwd, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    return set(done.stdout.split())


def test_importing_the_cli_loads_no_numeric_library(tmp_path):
    loaded = _modules_after("import derivlint.cli", tmp_path)
    assert "derivlint.cli" in loaded
    assert not {"numpy", "sympy"} & loaded


def test_version_and_rule_list_load_no_numeric_library(tmp_path):
    loaded = _modules_after(
        "from derivlint.cli import main\n"
        "try:\n    main(['--version'])\nexcept SystemExit:\n    pass\n"
        "assert main(['rule', '--all']) == 0",
        tmp_path,
    )
    assert not {"numpy", "sympy"} & loaded


def test_checking_a_plain_note_does_not_import_sympy(tmp_path):
    (tmp_path / "plain.md").write_text(
        "# Gradients\n\nLet $x \\in \\mathbb{R}^n$ and $A \\in \\mathbb{R}^{n \\times n}$.\n\n"
        "$$\\frac{\\partial x^T A x}{\\partial x} = (A + A^T) x$$\n",
        encoding="utf-8",
    )
    loaded = _modules_after("from derivlint.cli import main\nmain(['check', '-q', '--no-cache', 'plain.md'])", tmp_path)
    assert "derivlint.math.claims" in loaded  # the note was really checked
    assert "sympy" not in loaded


def test_a_warm_run_imports_neither_the_checker_nor_the_rules(tmp_path):
    (tmp_path / "plain.md").write_text("$$\\frac{\\partial x^T x}{\\partial x} = x$$\n", encoding="utf-8")
    cold = _modules_after("from derivlint.cli import main\nmain(['check', '-q', '--select', 'DL3', 'plain.md'])", tmp_path)
    assert {"derivlint.math.claims", "numpy"} <= cold  # the cold run checked the note
    warm = _modules_after("from derivlint.cli import main\nmain(['check', '-q', '--select', 'DL3', 'plain.md'])", tmp_path)
    checker = {"derivlint.math.claims", "derivlint.math.parser", "derivlint.check.truth", "derivlint.extract.blocks", "derivlint.source", "derivlint.extract"}
    assert not (checker | {"numpy", "derivlint.rules.dl301_wrong_derivative"}) & warm


_A = r"\begin{bmatrix} 2 & 1 \\ 0 & 3 \end{bmatrix}"
_X = r"\begin{bmatrix} x_1 \\ x_2 \end{bmatrix}"


def _dl303_fix_and_modules(tmp_path: Path, claim: str) -> tuple[str, set[str]]:
    """The DL303 fix offered for a worked example with A and X, and the modules loaded to find it."""
    note = f"# A worked example\n\nTake \\( A = {_A} \\) and \\( X = {_X} \\).\n\n$$\n{claim}\n$$\n"
    (tmp_path / "worked.md").write_text(note, encoding="utf-8")
    script = (
        "import sys\nfrom derivlint.engine import check_text\n"
        "found = [f for f in check_text('worked.md', open('worked.md', encoding='utf-8').read()).findings"
        " if f.code == 'DL303']\n"
        "assert len(found) == 1 and found[0].fix is not None, found\n"
        "print(found[0].fix.text)\nprint(' '.join(sorted(sys.modules)))"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("DERIVLINT_DEBUG", None)
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=tmp_path, env=env, timeout=120
    )
    assert done.returncode == 0, done.stderr
    fix, modules = done.stdout.splitlines()
    return fix, set(modules.split())


def test_polynomial_worked_example_is_checked_without_sympy(tmp_path):
    """X^T A X with concrete A and X = [x_1; x_2] is polynomial arithmetic: exact, no sympy."""
    claim = rf"X^T A X = \begin{{bmatrix}} x_1 & x_2 \end{{bmatrix}} {_A} {_X} = 2x_1^2 + 2x_1x_2 + 3x_2^2"
    fix, loaded = _dl303_fix_and_modules(tmp_path, claim)
    assert fix == "2x_1^2 + x_1x_2 + 3x_2^2"
    assert "derivlint.check.exact" in loaded and "sympy" not in loaded


def test_worked_example_with_a_radical_still_uses_sympy(tmp_path):
    """A norm is a square root: beyond polynomials, so sympy computes it."""
    claim = rf"\|A X\| = \left\| {_A} {_X} \right\| = \sqrt{{4x_1^2 + 9x_2^2}}"
    fix, loaded = _dl303_fix_and_modules(tmp_path, claim)
    assert fix == r"\sqrt{4 x_1^{2} + 4 x_1 x_2 + 10 x_2^{2}}"
    assert "sympy" in loaded


@needs_seeds
def test_seed_000_worked_examples_need_no_sympy(tmp_path):
    seed = next(SEEDS.glob("000_*.md"))
    loaded = _modules_after(
        "from derivlint.engine import check_text\n"
        f"text = open({str(seed)!r}, encoding='utf-8').read()\n"
        f"assert {{f.line for f in check_text({str(seed)!r}, text).findings if f.code == 'DL303'}} == {{82, 86}}",
        tmp_path,
    )
    assert "derivlint.check.exact" in loaded  # the worked examples were really computed
    assert "sympy" not in loaded


def test_checking_a_note_leaves_no_reference_cycles():
    """A note's claims, trees, scopes and inferences are freed by reference counting as soon as
    ``check`` is done with them: ``_check_one`` pauses the cyclic collector per note, and any cycle
    would keep a whole note's objects until a collection scans them all (once a tenth of the time)."""
    import gc

    notes = sorted(p for p in (REPO / "fixtures").rglob("*") if p.suffix in (".md", ".tex", ".ipynb"))
    if SEEDS.is_dir():
        notes += sorted(SEEDS.iterdir())
    engine.preload()
    gc.collect()
    gc.disable()
    try:
        for note in notes:
            cli._check_one(str(note), note.read_text(encoding="utf-8"), engine.Settings())
        found = gc.collect()
    finally:
        gc.enable()
    assert found == 0
