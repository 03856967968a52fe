"""Fuzzing ``derivlint check`` with generated and mutated notes: counts of exit 2, DL199 and files over their time budget.

Usage: python scripts/fuzz.py [--count 10000] [--jobs 1] [--seed 0] [--save DIR] [--minutes M]

Each input is made from a random seed (so any failure can be made again with ``--replay SEED``):
a note of fixtures/ mutated (spans deleted, doubled, swapped; LaTeX tokens, control characters
and long tokens inserted; spans wrapped in deep nesting), or a note built from scratch (macro
bombs such as ``\\def\\a{\\a\\a}``, deep nesting, long products and lines); written as Markdown,
LaTeX or a notebook (whose JSON is mutated in turn: odd ``nbformat``, cells of the wrong type,
truncated or deeply nested JSON), in UTF-8, UTF-16 or with broken bytes. Each input is checked
in this process by ``derivlint.cli.main(["check", ...])`` (reading, decoding, every stage,
reporting as JSON), and counted as

- *exit 2*: the command line failed (an internal error, a traceback);
- *DL199*: a claim's check raised (a derivlint bug reported as a finding);
- *over budget*: the file took more CPU time than 1 s + 2 s per MB.

An input depends on the seed *and on the notes of fixtures/*: after fixtures change, a seed makes
another input. To replay a seed of an older run, give that commit's fixtures:
``git archive COMMIT fixtures | tar -x -C /tmp/old`` then ``--fixtures /tmp/old/fixtures --replay SEED``
(or keep failing inputs with ``--save``).

``--jobs N`` runs N processes (default 1: the machine is shared); each takes every N-th seed.
The generators are also used by tests/test_fuzz.py (hypothesis), which runs a few seconds in CI.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import multiprocessing
import os
import random
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(os.environ.get("DERIVLINT_FUZZ_FIXTURES") or ROOT / "fixtures")

# --------------------------------------------------------------------------- generators

TOKENS = [
    "$", "$$", "\\(", "\\)", "\\[", "\\]", "{", "}", "(", ")", "[", "]", "\\{", "\\}", "&", "&=", "\\\\", "^", "_",
    "'", "^T", "^{-1}", "\\top", "\\frac", "\\frac{\\partial}{\\partial x}", "\\partial", "\\nabla", "\\left(",
    "\\right)", "\\right.", "\\left|", "\\|", "|", "\\begin{align}", "\\end{align}", "\\begin{aligned}",
    "\\end{aligned}", "\\begin{bmatrix}", "\\end{bmatrix}", "\\begin{cases}", "\\end{cases}", "\\mathbb{R}^{n\\times n}",
    "\\in", "=", "\\neq", "\\approx", ":=", "\\text{where }", "\\operatorname{tr}", "\\det", "\\sum_{i=1}^{n}", "\\cdot",
    "\\odot", "\\otimes", "\\mathbf{x}", "\\boldsymbol{\\Sigma}", "\\tag{1}", "\\label{eq}", "\\quad", "\\,", "%",
    "\\%", "`", "```", "<!--", "-->", "<div>", "\\def\\a{\\a\\a}", "\\newcommand{\\b}{\\b\\b}", "\\newcommand",
    "\\def", "#1", "\\verb|", "\\begin{verbatim}", "\\end{verbatim}", "\\end{document}", "\\begin{document}",
    "\x00", "\x1b]0;pwned\x07", "\x1b[2J", "\r", "\r\n", "\t", "\ufeff", "\u200b", "\u202e", "梯度", "为对称阵",
    "当", "设", "∂", "Σ", "𝐱", "\\alpha", "\\mathrm{d}", "d", "10^9", "\\mathbb{R}^{10^9 \\times 10^9}",
    "1000", "n = 1000", "0.5", "-", "+", "*", "/", "!", "...", "\\cdots", "\\ldots",
]  # fmt: skip

BOMBS = [
    "\\def\\a{\\a\\a}\n$\\a$\n",
    "\\newcommand{\\b}{\\b\\b\\b}\n$$\\b = x$$\n",
    "\\def\\c#1{\\c{#1#1}}\n$\\c{x}$\n",
    "".join(f"\\def\\m{chr(97 + i)}{{\\m{chr(96 + i)}\\m{chr(96 + i)}}}" for i in range(1, 26)).replace("\\m`", "x")
    + "\n$\\mz = y$\n",
    "\\newcommand{\\x}[1]{\\x{#1}}\n$\\x{1}$\n",
    "\\let\\a\\b\\let\\b\\a\n$\\a$\n",
    "\\DeclareMathOperator{\\tr}{\\tr}\n$\\tr A = 1$\n",
]


def _fixtures() -> list[tuple[str, str]]:
    """(suffix, text) of every note of fixtures/ (read once)."""
    found = []
    for path in sorted(FIXTURES.rglob("*")):
        if path.suffix in (".md", ".tex", ".ipynb") and path.is_file():
            text = path.read_text(encoding="utf-8")
            if path.suffix == ".ipynb":
                try:
                    cells = json.loads(text)["cells"]
                    text = "\n\n".join("".join(c.get("source", "")) for c in cells if c.get("cell_type") == "markdown")
                except (ValueError, KeyError, TypeError):
                    continue
            found.append((path.suffix, text))
    return found


_FIXTURES: list[tuple[str, str]] | None = None


def fixtures() -> list[tuple[str, str]]:
    global _FIXTURES
    if _FIXTURES is None:
        _FIXTURES = _fixtures() or [(".md", "Let $x \\in \\mathbb{R}^n$.\n\n$$\\frac{\\partial x^T x}{\\partial x} = 2x$$\n")]
    return _FIXTURES


def _span(rng: random.Random, text: str, most: int = 400) -> tuple[int, int]:
    if not text:
        return 0, 0
    a = rng.randrange(len(text))
    return a, min(len(text), a + rng.randint(1, most))


def mutate(rng: random.Random, text: str) -> str:
    """One random mutation of ``text``."""
    op = rng.randrange(9)
    a, b = _span(rng, text)
    if op == 0:  # delete a span
        return text[:a] + text[b:]
    if op == 1:  # double a span
        return text[:b] + text[a:b] + text[b:]
    if op == 2:  # insert tokens
        return text[:a] + "".join(rng.choice(TOKENS) for _ in range(rng.randint(1, 8))) + text[a:]
    if op == 3:  # swap two lines
        lines = text.split("\n")
        if len(lines) > 1:
            i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
            lines[i], lines[j] = lines[j], lines[i]
        return "\n".join(lines)
    if op == 4:  # wrap a span in deep nesting
        depth = rng.choice([2, 10, 50, 150, 400])
        left, right = rng.choice([("{", "}"), ("(", ")"), ("x^{", "}"), ("\\begin{bmatrix}", "\\end{bmatrix}"),
                                  ("\\begin{align}\n", "\n\\end{align}"), ("\\frac{1}{", "}"), ("\\sqrt{", "}"),
                                  ("> ", ""), ("- ", "")])  # fmt: skip
        return text[:a] + left * depth + text[a:b] + right * depth + text[b:]
    if op == 5:  # a long token
        token = rng.choice(["x", "A", "9", "\\alpha ", "'", "^T", "AB", "a_{1}", "+ x", "&= x \\\\\n", "梯"])
        return text[:a] + token * rng.choice([100, 1000, 5000]) + text[a:]
    if op == 6:  # a macro bomb
        return text[:a] + rng.choice(BOMBS) + text[a:]
    if op == 7:  # random characters
        return text[:a] + "".join(chr(rng.randrange(1, 0x3000)) for _ in range(rng.randint(1, 20))) + text[a:]
    # splice two notes
    other = rng.choice(fixtures())[1]
    c, d = _span(rng, other, 2000)
    return text[:a] + other[c:d] + text[b:]


def from_scratch(rng: random.Random) -> str:
    """A note built without a fixture: bombs, deep nesting, long products, many rows."""
    kind = rng.randrange(5)
    if kind == 0:
        return "# Bomb\n\n" + rng.choice(BOMBS) + "\nLet $x \\in \\mathbb{R}^n$.\n"
    if kind == 1:
        depth = rng.choice([50, 99, 101, 300, 1000])
        return "$$ y = " + "x^{" * depth + "x" + "}" * depth + " $$\n"
    if kind == 2:
        n = rng.choice([100, 1000, 5000])
        return "$$ Y = " + "".join(rng.choice("ABCXYZ") for _ in range(n)) + " $$\n"
    if kind == 3:
        rows = "".join(f"z_{{{i}}} &= A x + b_{{{i}}} \\\\\n" for i in range(rng.choice([10, 200, 1000])))
        return "$$\n\\begin{aligned}\n" + rows + "\\end{aligned}\n$$\n"
    return "".join(rng.choice(TOKENS) + rng.choice(["", " ", "\n", "\n\n"]) for _ in range(rng.randint(1, 300)))


def as_notebook(rng: random.Random, text: str) -> str:
    """``text`` as a notebook's Markdown cells, its JSON possibly mutated."""
    cells = [{"cell_type": rng.choice(["markdown", "markdown", "code", "raw"]), "metadata": {},
              "source": part.splitlines(keepends=True) if rng.random() < 0.7 else part}
             for part in text.split("\n\n")]  # fmt: skip
    nb: dict = {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    op = rng.randrange(10)
    if op == 0:
        nb["nbformat"] = rng.choice([3, "4", -1, "HUGE", None, 4.5, [4]])
    elif op == 1:
        nb["cells"] = rng.choice([None, "cells", {"a": 1}, [1, "x", None]])
    elif op == 2 and cells:
        cells[0]["source"] = rng.choice([None, 5, [1, 2], {"x": "y"}, ["a", None]])
    elif op == 3:
        nb["worksheets"] = [{"cells": cells}]
        nb["nbformat"] = 3
        del nb["cells"]
    data = json.dumps(nb, ensure_ascii=rng.random() < 0.5).replace('"nbformat": "HUGE"', '"nbformat": ' + "9" * 5000)
    if op == 4:
        data = data[: rng.randrange(len(data) + 1)]  # truncated
    elif op == 5:
        depth = rng.choice([100, 5000, 50000])
        data = data[:-1] + ', "deep": ' + "[" * depth + "]" * depth + "}"
    return data


def as_latex(rng: random.Random, text: str) -> str:
    if rng.random() < 0.3:
        return text
    return "\\documentclass{article}\n\\begin{document}\n" + text + "\n\\end{document}\n"


def encode(rng: random.Random, text: str) -> bytes:
    """The bytes of the file: UTF-8 mostly; UTF-16, a BOM, Latin-1 or broken bytes sometimes."""
    op = rng.randrange(12)
    if op == 0:
        return text.encode("utf-16")
    if op == 1:
        return b"\xef\xbb\xbf" + text.encode("utf-8", "surrogatepass")
    if op == 2:
        return text.encode("latin-1", "replace")
    data = text.encode("utf-8", "surrogatepass")
    if op == 3 and data:
        k = rng.randrange(len(data))
        return data[:k] + bytes(rng.randrange(256) for _ in range(rng.randint(1, 8))) + data[k:]
    if op == 4:
        return data + "é".encode("utf-8")[:1]  # a truncated character at the end
    return data


def generate(seed: int) -> tuple[str, bytes]:
    """(suffix, bytes) of the input made from ``seed``."""
    rng = random.Random(seed)
    if rng.random() < 0.15:
        suffix, text = rng.choice([".md", ".tex"]), from_scratch(rng)
    else:
        suffix, text = rng.choice(fixtures())
        for _ in range(rng.choice([1, 1, 2, 3, 5, 10])):
            text = mutate(rng, text)
    if rng.random() < 0.1:
        suffix = ".ipynb"
    if suffix == ".ipynb":
        text = as_notebook(rng, text)
    elif suffix == ".tex":
        text = as_latex(rng, text)
    return suffix, encode(rng, text)


# --------------------------------------------------------------------------- running


def budget_of(size: int, claims: int = 0) -> float:
    """The CPU seconds a file of ``size`` bytes and ``claims`` claims may take: 1 s, 2 s per MB
    and 1 ms per claim (twice the 0.5 ms of a claim at the 2,000 claims per CPU-second of the
    benchmark; a mutated note can hold 100 claims per KB, a chain ``= x = x …``)."""
    return 1.0 + 2.0 * size / (1 << 20) + 0.001 * claims


def run_one(data: bytes, suffix: str, folder: str) -> dict:
    """Check one input with ``derivlint check``; its exit code, DL199 count and CPU time."""
    from derivlint import cli

    path = os.path.join(folder, "note" + suffix)
    with open(path, "wb") as f:
        f.write(data)
    out, err = io.StringIO(), io.StringIO()
    start = time.process_time()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = cli.main(["check", path, "--no-cache", "--exit-zero", "--jobs", "1", "--output-format", "json",
                             "--extend-select", "DL102"])  # fmt: skip
        except BaseException as exc:  # noqa: BLE001 - what the fuzzer looks for
            code = 2
            err.write(f"{type(exc).__name__}: {exc}")
    cpu = time.process_time() - start
    text = out.getvalue()
    dl199 = text.count('"DL199"')
    claims = re.search(r"\((\d+) claims?", err.getvalue())
    claims = int(claims.group(1)) if claims else 0
    return {"code": code, "dl199": dl199, "cpu": cpu, "claims": claims, "over": cpu > budget_of(len(data), claims),
            "error": (err.getvalue()[-1500:] if code == 2 else "") or (text[-1500:] if dl199 else "")}  # fmt: skip


def _worker(args: tuple[int, int, int, int, float, str | None]) -> dict:
    first, step, count, job, deadline, save = args
    totals = {"inputs": 0, "exit2": 0, "dl199": 0, "over": 0, "cpu": 0.0, "failures": []}
    with tempfile.TemporaryDirectory(prefix=f"derivlint-fuzz{job}-") as folder:
        for k in range(count):
            if time.time() > deadline:
                break
            seed = first + k * step
            suffix, data = generate(seed)
            result = run_one(data, suffix, folder)
            totals["inputs"] += 1
            totals["cpu"] += result["cpu"]
            bad = []
            if result["code"] == 2:
                totals["exit2"] += 1
                bad.append("exit 2")
            if result["dl199"]:
                totals["dl199"] += 1
                bad.append("DL199")
            if result["over"]:
                totals["over"] += 1
                bad.append(f"over budget ({result['cpu']:.1f} s for {len(data)} bytes)")
            if bad:
                totals["failures"].append((seed, ", ".join(bad), result["error"][:300]))
                print(f"seed {seed}: {', '.join(bad)}", flush=True)
                if save:
                    Path(save, f"seed{seed}{suffix}").write_bytes(data)
            if totals["inputs"] % 1000 == 0:
                print(f"job {job}: {totals['inputs']} inputs, {totals['exit2']} exit 2, {totals['dl199']} DL199, "
                      f"{totals['over']} over budget", flush=True)  # fmt: skip
    return totals


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000, help="inputs in all (default 10,000)")
    parser.add_argument("--jobs", type=int, default=1, help="processes (default 1)")
    parser.add_argument("--seed", type=int, default=0, help="the first seed (default 0)")
    parser.add_argument("--minutes", type=float, default=0, help="stop after this many minutes (default: no limit)")
    parser.add_argument("--save", help="write each failing input to this folder")
    parser.add_argument("--replay", type=int, help="check the input of this one seed and print the result")
    parser.add_argument("--fixtures", help="the fixtures folder the inputs are made from (default: fixtures/)")
    args = parser.parse_args()
    if args.fixtures:
        global FIXTURES
        FIXTURES = Path(args.fixtures).resolve()
        os.environ["DERIVLINT_FUZZ_FIXTURES"] = str(FIXTURES)  # for the workers
    if args.replay is not None:
        suffix, data = generate(args.replay)
        with tempfile.TemporaryDirectory() as folder:
            print(json.dumps(run_one(data, suffix, folder), indent=1))
        return 0
    if args.save:
        os.makedirs(args.save, exist_ok=True)
    deadline = time.time() + args.minutes * 60 if args.minutes else float("inf")
    jobs = max(1, args.jobs)
    per = -(-args.count // jobs)
    work = [(args.seed + j, jobs, per if j < jobs - 1 else args.count - per * (jobs - 1), j, deadline, args.save)
            for j in range(jobs)]  # fmt: skip
    start = time.time()
    if jobs == 1:
        results = [_worker(work[0])]
    else:
        with multiprocessing.get_context("spawn").Pool(jobs) as pool:
            results = pool.map(_worker, work)
    total = {key: sum(r[key] for r in results) for key in ("inputs", "exit2", "dl199", "over", "cpu")}
    failures = [f for r in results for f in r["failures"]]
    for seed, what, error in failures[:50]:
        print(f"seed {seed}: {what}: {error!r}")
    print(f"{total['inputs']} inputs in {time.time() - start:.0f} s ({total['cpu']:.0f} CPU-s): "
          f"{total['exit2']} exit 2, {total['dl199']} with DL199, {total['over']} over their time budget")  # fmt: skip
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
