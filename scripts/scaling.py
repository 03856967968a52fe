"""Time and peak memory of ``derivlint check`` on generated notes of growing size, of each kind; the growth exponent.

Usage: python scripts/scaling.py [--max-size 1MB] [--sizes 10KB,100KB,1MB] [--kinds aligned,product] [--formats md,tex,ipynb]

Each kind of note (prose in English and in Chinese, dense inline math, display math, one long
aligned block, one long line of math, one long product, many declarations) is generated at each
size, in Markdown, and in LaTeX or as a notebook where the kind has a natural form there. Each
size is checked by a fresh process (``derivlint check --no-cache``, the default rules), started
by a small wrapper that reports the process's peak resident memory
(``getrusage(RUSAGE_CHILDREN).ru_maxrss``); the child itself reports the CPU time of the check
(``cli.main``, after the imports, so that the start-up time does not hide the growth). The growth
exponent is the least-squares slope of log(time) on log(size) over the sizes of 100 KB and more
(below that, fixed costs such as the first use of numpy dominate). Targets (issue 14): exponent
<= 1.1 for every kind, <= 2 s per MB, <= 400 MB peak for a 10 MB note. A note whose file is over
the 10 MiB that derivlint reads (a notebook of 10 MB of Markdown, in its JSON) is a DL100 and left
out of the figures ("not read").

The default sizes run from 10 KB to 10 MB (a few minutes of CPU); ``--max-size 1MB`` is the quick
run. Not a test: timing does not belong in tests; compare runs made together on one machine.
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import tempfile
from pathlib import Path

SIZES = ["10KB", "32KB", "100KB", "316KB", "1MB", "3MB", "10MB"]

# --------------------------------------------------------------------------- generators
# Each generator returns the text of a note of about ``size`` bytes (UTF-8), built from numbered
# units so that no two units are the same text (real notes do not repeat themselves).

PROSE_EN = (
    "The gradient of a scalar function is the vector of its partial derivatives; in step {i} we move "
    "against it with a small step size, and we stop when the change of the loss is below a tolerance. "
)
PROSE_ZH = "第{i}节：梯度是标量函数对各个变量的偏导数组成的向量，我们沿负梯度方向以较小的步长更新参数，直到损失的变化足够小。"
INLINE = (
    "Let $x_{{{i}}} \\in \\mathbb{{R}}^n$; then $\\frac{{\\partial a^T x}}{{\\partial x}} = a$ and "
    "$\\operatorname{{tr}}(A B) = \\operatorname{{tr}}(B A)$, while $(A B)^T = B^T A^T$ for step {i}.\n"
)
DISPLAY = (
    "Step {i}:\n\n$$\n\\frac{{\\partial x^T A x}}{{\\partial x}} = (A + A^T) x\n$$\n\n"
    "$$\n(A B)^{{-1}} = B^{{-1}} A^{{-1}}\n$$\n\n"
)
ROW = "z_{{{i}}} &= A x + b_{{{i}}} \\\\\n"
TERM = "a_{{{i}}} x_{{{i}}}"
DECLARATION = (
    "Let $A_{{{i}}} \\in \\mathbb{{R}}^{{n \\times m}}$, $x_{{{i}}} \\in \\mathbb{{R}}^m$ and "
    "$y_{{{i}}} = A_{{{i}}} x_{{{i}}}$, where $A_{{{i}}}$ has full rank.\n\n"
)


def _repeat(unit: str, size: int) -> str:
    parts, total, i = [], 0, 0
    while total < size:
        part = unit.format(i=i)
        parts.append(part)
        total += len(part.encode("utf-8"))
        i += 1
    return "".join(parts)


def _paragraphs(unit: str, size: int, every: int = 6) -> str:
    """Prose units in paragraphs of ``every`` sentences, with a heading every 20 paragraphs."""
    parts, total, i = [], 0, 0
    while total < size:
        if i % (every * 20) == 0:
            parts.append(f"## Part {i // (every * 20)}\n\n")
        part = unit.format(i=i) + ("\n\n" if i % every == every - 1 else "")
        parts.append(part)
        total += len(part.encode("utf-8"))
        i += 1
    return "".join(parts) + "\n"


def prose_en(size: int) -> str:
    return "# Notes\n\n" + _paragraphs(PROSE_EN, size)


def prose_zh(size: int) -> str:
    return "# 笔记\n\n" + _paragraphs(PROSE_ZH, size)


def inline_math(size: int) -> str:
    return "# Notes\n\n" + _paragraphs(INLINE, size, every=3)


def display_math(size: int) -> str:
    return "# Notes\n\n" + _repeat(DISPLAY, size)


def aligned_block(size: int) -> str:
    return "# Notes\n\n$$\n\\begin{aligned}\n" + _repeat(ROW, size) + "\\end{aligned}\n$$\n"


def long_line(size: int) -> str:
    terms, total, i = [], 0, 0
    while total < size:
        terms.append(TERM.format(i=i))
        total += len(terms[-1]) + 3
        i += 1
    return "# Notes\n\n$$ y = " + " + ".join(terms) + " $$\n"


def long_product(size: int) -> str:
    letters = "ABCDEFGH"
    return "# Notes\n\n$$ Y = " + "".join(letters[i % 8] for i in range(size)) + " $$\n"


def declarations(size: int) -> str:
    return "# Notes\n\n" + _repeat(DECLARATION, size)


KINDS = {
    "prose-en": prose_en,
    "prose-zh": prose_zh,
    "inline-math": inline_math,
    "display-math": display_math,
    "aligned": aligned_block,
    "long-line": long_line,
    "product": long_product,
    "declarations": declarations,
}


def as_tex(markdown: str) -> str:
    """A Markdown note of these kinds as a LaTeX document (headings become sections)."""
    lines = []
    for line in markdown.splitlines():
        if line.startswith("## "):
            line = "\\section{" + line[3:] + "}"
        elif line.startswith("# "):
            line = "\\section*{" + line[2:] + "}"
        lines.append(line)
    return "\\documentclass{article}\n\\begin{document}\n" + "\n".join(lines) + "\n\\end{document}\n"


def as_ipynb(markdown: str, cell_size: int = 4000) -> str:
    """A Markdown note as a notebook: Markdown cells of about ``cell_size`` bytes, cut at blank lines."""
    cells, current, length = [], [], 0
    for paragraph in markdown.split("\n\n"):
        current.append(paragraph)
        length += len(paragraph)
        if length >= cell_size:
            cells.append("\n\n".join(current))
            current, length = [], 0
    if current:
        cells.append("\n\n".join(current))
    notebook = {
        "cells": [{"cell_type": "markdown", "metadata": {}, "source": c.splitlines(keepends=True)} for c in cells],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    return json.dumps(notebook, ensure_ascii=False)


# Which kinds are also generated in the other formats (where the kind has a natural form there)
FORMATS = {"md": set(KINDS), "tex": {"prose-en", "display-math", "aligned", "declarations"},
           "ipynb": {"prose-zh", "inline-math", "display-math"}}  # fmt: skip

# --------------------------------------------------------------------------- measuring

# The wrapper runs the child and prints its peak RSS (KiB on Linux) after the child's own JSON line.
_WRAPPER = """
import json, resource, subprocess, sys
run = subprocess.run(sys.argv[1:], capture_output=True, text=True)
result = {"code": run.returncode, "peak_kib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}
lines = [l for l in run.stdout.splitlines() if l.startswith("{")]
if lines:
    result.update(json.loads(lines[-1]))
else:
    result["error"] = run.stderr[-2000:]
print(json.dumps(result))
"""

# The child: derivlint check of one note, the CPU time of cli.main only, and what it reported.
_CHILD = """
import contextlib, io, json, sys, time
from derivlint import cli
out = io.StringIO()
start = time.process_time()
with contextlib.redirect_stdout(out):
    code = cli.main(["check", "--no-cache", "--exit-zero", "--output-format", "concise", sys.argv[1]])
cpu = time.process_time() - start
text = out.getvalue()
print(json.dumps({"exit": code, "cpu": cpu, "dl199": text.count("DL199"), "dl100": text.count("DL100"),
                  "findings": sum(1 for l in text.splitlines() if ": DL" in l)}))
"""


def parse_size(text: str) -> int:
    text = text.strip().upper()
    for unit, factor in (("MB", 10**6), ("KB", 1000), ("B", 1)):  # decimal: 10 MB stays below the 10 MiB limit
        if text.endswith(unit):
            return int(float(text[: -len(unit)]) * factor)
    return int(text)


def measure(path: Path) -> dict:
    command = [sys.executable, "-c", _WRAPPER, sys.executable, "-c", _CHILD, str(path)]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def exponent(rows: list[tuple[int, float]]) -> float | None:
    """Least-squares slope of log(time) on log(size) over the sizes of 100 KB and more."""
    points = [(math.log(s), math.log(max(t, 1e-3))) for s, t in rows if s >= 100_000]
    if len(points) < 2:
        return None
    mx = sum(x for x, _ in points) / len(points)
    my = sum(y for _, y in points) / len(points)
    sxx = sum((x - mx) ** 2 for x, _ in points)
    return sum((x - mx) * (y - my) for x, y in points) / sxx


def human(size: int) -> str:
    return f"{size / 10**6:g} MB" if size >= 10**6 else f"{size / 1000:g} KB"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=",".join(SIZES), help="comma-separated sizes (default 10KB..10MB)")
    parser.add_argument("--max-size", help="leave out the sizes above this one (e.g. 1MB for a quick run)")
    parser.add_argument("--kinds", default=",".join(KINDS), help="comma-separated kinds: " + ", ".join(KINDS))
    parser.add_argument("--formats", default="md,tex,ipynb", help="comma-separated formats (default md,tex,ipynb)")
    parser.add_argument("--keep", type=Path, help="write the generated notes to this folder")
    args = parser.parse_args()
    sizes = [parse_size(s) for s in args.sizes.split(",")]
    if args.max_size:
        sizes = [s for s in sizes if s <= parse_size(args.max_size)]
    kinds = [k for k in args.kinds.split(",") if k]
    unknown = [k for k in kinds if k not in KINDS]
    if unknown:
        parser.error(f"unknown kinds: {', '.join(unknown)}")
    formats = [f for f in args.formats.split(",") if f in FORMATS]
    print("| kind | format | " + " | ".join(human(s) for s in sizes) + " | exponent | s per MB | peak at largest |")
    print("|---|---|" + "---|" * len(sizes) + "---|---|---|")
    worst = {"exponent": 0.0, "per_mb": 0.0, "failures": 0}
    with tempfile.TemporaryDirectory(prefix="derivlint-scaling-") as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        for kind in kinds:
            for fmt in formats:
                if kind not in FORMATS[fmt]:
                    continue
                rows, cells, peak = [], [], 0
                for size in sizes:
                    text = KINDS[kind](size)
                    if fmt == "tex":
                        text = as_tex(text)
                    elif fmt == "ipynb":  # the size is the file's: its Markdown a little less than ``size``
                        text = as_ipynb(text)
                        over = len(text.encode("utf-8"))
                        if over > size:
                            text = as_ipynb(KINDS[kind](int(size * size / over)))
                    path = folder / f"{kind}-{size}.{fmt}"
                    path.write_text(text, encoding="utf-8")
                    result = measure(path)
                    if result.get("dl100"):  # over the 10 MiB a note may have (a notebook's JSON): not read
                        cells.append("not read (DL100: over 10 MiB)")
                        if not args.keep:
                            path.unlink()
                        continue
                    if "cpu" not in result or result.get("exit") not in (0, 1) or result.get("dl199"):
                        worst["failures"] += 1
                        cells.append("FAILED")
                        print(f"{kind} {fmt} {human(size)}: {result}", file=sys.stderr)
                        continue
                    rows.append((size, result["cpu"]))
                    peak = result["peak_kib"] / 1024
                    cells.append(f"{result['cpu']:.2f} s, {peak:.0f} MB")
                    if not args.keep:
                        path.unlink()
                slope = exponent(rows)
                big = [(s, t) for s, t in rows if s >= 10**6]
                per_mb = max((t / (s / 10**6) for s, t in big), default=None)
                if slope is not None:
                    worst["exponent"] = max(worst["exponent"], slope)
                if per_mb is not None:
                    worst["per_mb"] = max(worst["per_mb"], per_mb)
                print(f"| {kind} | {fmt} | " + " | ".join(cells)
                      + f" | {'' if slope is None else f'{slope:.2f}'} | {'' if per_mb is None else f'{per_mb:.2f}'}"
                      + f" | {peak:.0f} MB |", flush=True)  # fmt: skip
    print(f"\nworst exponent {worst['exponent']:.2f} (target <= 1.1), worst {worst['per_mb']:.2f} s per MB "
          f"(target <= 2), {worst['failures']} failed runs")  # fmt: skip
    return 1 if worst["failures"] else 0


if __name__ == "__main__":
    sys.exit(main())
