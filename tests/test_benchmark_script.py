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
