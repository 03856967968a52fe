"""Peak memory of ``derivlint check`` as a run grows by files: N copies of a folder of notes.

Usage: python scripts/memory.py [--copies 1,4] [--jobs 1,2] [--pythonpath DIR] [FOLDER]

The notes of FOLDER (default ../shared/corpus, else fixtures/) are copied N times into a
temporary folder, and each size is checked with each ``--jobs`` value by a fresh
``python -m derivlint check --no-cache`` process, started by a small wrapper that reports the
peak resident memory of the largest process of the run (derivlint or one of its workers:
``getrusage(RUSAGE_CHILDREN).ru_maxrss``) and the wall time. A run that holds one note at a
time peaks at about the same memory whatever N is; one that reads every note first grows
with N. ``--pythonpath`` runs another checkout (a folder holding a ``derivlint`` package).
Not a test: memory and timing do not belong in tests.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOTE_SUFFIXES = {".md", ".markdown", ".qmd", ".rmd", ".mdx", ".tex", ".ipynb"}  # as linter/files.py walks

# Runs one command and prints its wall time and peak RSS as JSON (ru_maxrss is KiB on Linux).
_WRAPPER = """
import json, resource, subprocess, sys, time
start = time.perf_counter()
code = subprocess.call(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
wall = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({"code": code, "wall": wall, "peak_kib": peak}))
"""


def copy_notes(source: Path, target: Path, copies: int) -> tuple[int, int]:
    """``copies`` copies of the notes under ``source`` in ``target``: (files, bytes)."""
    notes = [p for p in source.rglob("*") if p.suffix.lower() in NOTE_SUFFIXES and p.is_file()]
    files = size = 0
    for k in range(copies):
        for note in notes:
            where = target / f"copy{k}" / note.relative_to(source)
            where.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(note, where)
            files += 1
            size += note.stat().st_size
    return files, size


def measure(folder: Path, jobs: int, pythonpath: str | None) -> dict:
    env = dict(os.environ)
    if pythonpath:
        env["PYTHONPATH"] = pythonpath
    command = [sys.executable, "-m", "derivlint", "check", "--no-cache", "--exit-zero", "-q",
               "--output-format", "concise", "--jobs", str(jobs), str(folder)]
    done = subprocess.run([sys.executable, "-c", _WRAPPER, *command], capture_output=True, text=True, env=env, check=True)
    return json.loads(done.stdout)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", type=Path)
    parser.add_argument("--copies", default="1,4", help="comma-separated numbers of copies (default 1,4)")
    parser.add_argument("--jobs", default="1,2", help="comma-separated --jobs values (default 1,2)")
    parser.add_argument("--pythonpath", help="PYTHONPATH of the runs (another checkout)")
    args = parser.parse_args()
    source = args.folder
    if source is None:
        corpus = ROOT.parent / "shared" / "corpus"
        source = corpus if corpus.is_dir() else ROOT / "fixtures"
    copies = [int(c) for c in args.copies.split(",")]
    jobs_values = [int(j) for j in args.jobs.split(",")]
    print(f"notes of {source}")
    print("| copies | files | MB | --jobs | peak RSS (MiB) | wall (s) |")
    print("|---|---|---|---|---|---|")
    for n in copies:
        with tempfile.TemporaryDirectory(prefix="derivlint-memory-") as tmp:
            files, size = copy_notes(source, Path(tmp), n)
            for jobs in jobs_values:
                result = measure(Path(tmp), jobs, args.pythonpath)
                if result["code"] not in (0, 1):
                    print(f"derivlint exited {result['code']}", file=sys.stderr)
                print(f"| {n} | {files} | {size / 1e6:.1f} | {jobs} | {result['peak_kib'] / 1024:.0f} | {result['wall']:.1f} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
