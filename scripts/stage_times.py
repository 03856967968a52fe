"""CPU time of each stage of ``check_text`` (extract, claims, context, truth, rules) over folders of notes, in one process.

Usage: python scripts/stage_times.py [FOLDER ...]   (default: ../shared/corpus)

Under "shapes and truth", the parts of the check of one claim (indented; they overlap where one calls
another: the reading gate asks truth.decide whether a step is an identity).

The garbage collector is paused per note as the command line does; the collection after each note is
its own line. Not a test: timing does not belong in tests;
the machine's speed varies between runs, so compare runs made together.
"""

from __future__ import annotations

import gc
import os
import sys
import time
from collections import Counter
from pathlib import Path

import derivlint.check.indices
import derivlint.check.truth
import derivlint.context
import derivlint.extract
import derivlint.math.claims
from derivlint import engine
from derivlint.files import NOTE_EXTENSIONS

ROOT = Path(__file__).resolve().parents[1]

SUFFIXES = tuple(NOTE_EXTENSIONS)  # the note kinds a folder check walks
spent: Counter = Counter()
parts: Counter = Counter()  # parts of the check stage (they overlap, and lie inside "shapes and truth")


def timed(module, name: str, label: str, into: Counter = spent) -> None:
    """Replace ``module.name`` by a wrapper that adds its CPU time to ``into[label]`` (a call
    inside another call of the same wrapper is counted once)."""
    inner = getattr(module, name)
    depth = [0]

    def wrapper(*args, **kwargs):
        if depth[0]:
            return inner(*args, **kwargs)
        depth[0] += 1
        start = time.process_time()
        try:
            return inner(*args, **kwargs)
        finally:
            into[label] += time.process_time() - start
            depth[0] -= 1

    setattr(module, name, wrapper)


def _count_collections() -> None:
    """Add the CPU time of every garbage collection to spent["garbage collection"] (a gc callback)."""
    began = [0.0]

    def callback(phase: str, info: dict) -> None:
        if phase == "start":
            began[0] = time.process_time()
        else:
            spent["garbage collection"] += time.process_time() - began[0]

    gc.callbacks.append(callback)


def main(folders: list[str]) -> None:
    _count_collections()
    start = time.process_time()
    engine.preload()
    imports = time.process_time() - start
    timed(derivlint.extract, "extract", "extract math")
    timed(derivlint.math.claims, "claims_of", "parse claims")
    timed(derivlint.context, "build_context", "read the context")
    timed(derivlint.check.truth, "analyse_claims", "shapes and truth")
    # looked up by name when check_claim runs, so the wrappers are the ones called
    timed(derivlint.check.indices, "decide_claim", "index notation (decide_claim)", parts)
    timed(derivlint.check.truth, "_gated", "reading gate (_gated)", parts)
    timed(derivlint.check.truth, "_shape_errors", "shapes (_shape_errors)", parts)
    timed(derivlint.check.truth, "decide", "draws (truth.decide)", parts)
    paths = sorted(
        os.path.join(folder, name) for root in folders for folder, _, names in os.walk(root)
        for name in names if name.lower().endswith(SUFFIXES)
    )  # fmt: skip
    claims = 0
    start = time.process_time()
    for path in paths:
        text = Path(path).read_text(encoding="utf-8", errors="replace")
        gc.disable()
        claims += len(engine.check_text(path, text).claims)
        gc.enable()
        gc.collect(1)
    total = time.process_time() - start
    # the collector is paused during each note (above): no collection falls inside a stage
    spent["rules, suppressions, the rest"] = total - sum(spent.values())
    print(f"{len(paths)} notes, {claims} claims: {total:.2f} CPU-s ({claims / total:.0f} claims per CPU-second); "
          f"imports {imports:.2f} s")
    for label, seconds in spent.most_common():
        print(f"  {label:30s} {seconds:6.2f} s  {100 * seconds / total:4.1f} %")
        if label == "shapes and truth":
            for part, part_seconds in parts.most_common():
                print(f"    {part:30s} {part_seconds:4.2f} s  {100 * part_seconds / total:4.1f} %")


if __name__ == "__main__":
    main(sys.argv[1:] or [str(ROOT.parent / "shared" / "corpus")])
