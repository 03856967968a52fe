"""Real notes (../shared/corpus): derivlint never fails on them, and reads most of their claims."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from derivlint.cli import main

from shared_data import CORPUS, needs_corpus

pytestmark = needs_corpus

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))


def test_check_exits_0_or_1_with_no_internal_error(capsys) -> None:
    code = main(["check", str(CORPUS), "--output-format", "json", "--quiet"])
    out = capsys.readouterr().out
    findings = json.loads(out)
    assert code in (0, 1)
    assert not [f for f in findings if f["code"] in ("DL199", "DL100")]


def _counts(folder: str) -> tuple[int, ...]:
    from parse_rate import tally

    t = tally([folder])
    return t.files, t.claims, t.unparsed, t.derivative, t.derivative_unparsed


def test_parse_rate_is_reported() -> None:
    import os
    from concurrent.futures import ProcessPoolExecutor

    from parse_rate import Tally

    folders = sorted(str(p) for p in CORPUS.iterdir() if p.is_dir())  # one per repository, on two cores
    with ProcessPoolExecutor(max_workers=max(1, min(2, os.cpu_count() or 1))) as pool:
        sums = [sum(column) for column in zip(*pool.map(_counts, folders))]
    t = Tally(files=sums[0], claims=sums[1], unparsed=sums[2], derivative=sums[3], derivative_unparsed=sums[4])
    print(f"corpus: {t.claims} claims, parsed {t.rate:.1%}, derivative claims parsed {t.derivative_rate:.1%}")
    assert t.files >= 50 and t.claims >= 1000
    # a floor against regressions, well below the measured rate (see README)
    assert t.rate >= 0.70
    assert t.derivative_rate >= 0.75
