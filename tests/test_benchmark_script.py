"""scripts/benchmark.py reads its claim count from the check summary: that line must keep matching."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _benchmark():
    spec = importlib.util.spec_from_file_location("benchmark", ROOT / "scripts" / "benchmark.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("benchmark", module)  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_counts_read_the_summary_line_of_check(tmp_path):
    note = tmp_path / "n.md"
    note.write_text("Let $x \\in \\mathbb{R}^n$.\n\n$$\\frac{\\partial x^T x}{\\partial x} = 2x$$\n", encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "derivlint", "check", "--no-cache", "--exit-zero", str(note)],
                          capture_output=True, text=True, check=False)  # fmt: skip
    files, claims = _benchmark().counts(done.stderr + done.stdout)
    assert (files, claims) == (1, 2), done.stderr + done.stdout


def test_against_adds_a_column_and_the_ratio_of_cpu_seconds():
    bench = _benchmark()

    def result(who, cpu):
        return bench.Result(folder="notes", scenario="cold -j1", files=2, claims=100, wall_s=cpu, cpu_s=cpu,
                            claims_per_s=round(100 / cpu), claims_per_cpu_s=round(100 / cpu), peak_rss_mb=40.0,
                            sympy_imported=False, runs=3, derivlint=who)

    both = bench.table([result("this", 0.9), result("against", 1.2)])
    assert "derivlint" in both.splitlines()[0]
    assert "notes cold -j1: this / against, CPU seconds 0.900 / 1.200 = 0.750" in both
    alone = bench.table([result("this", 0.9)])
    assert "derivlint" not in alone.splitlines()[0] and "against" not in alone
