"""Real notes (../shared/corpus): derivlint never fails on them, and reads most of their claims."""

from __future__ import annotations

import sys
from pathlib import Path

from shared_data import needs_corpus

pytestmark = needs_corpus

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))


def test_check_exits_0_or_1_with_no_internal_error(corpus_report) -> None:
    """``corpus_report`` is the corpus checked once for the whole suite (``check --exit-zero
    --output-format json``): it raises on any other exit than 0 or on output that is not a JSON report."""
    assert not [f for f in corpus_report if f["code"] in ("DL199", "DL100")]


def test_parse_rate_is_reported(corpus_survey) -> None:
    from parse_rate import Tally

    t = Tally()
    for _path, note, _problems in corpus_survey:
        for name in ("files", "claims", "unparsed", "derivative", "derivative_unparsed"):
            setattr(t, name, getattr(t, name) + getattr(note, name))
    print(f"corpus: {t.claims} claims, parsed {t.rate:.1%}, derivative claims parsed {t.derivative_rate:.1%}")
    assert t.files >= 50 and t.claims >= 1000
    # a floor against regressions, well below the measured rate (see README)
    assert t.rate >= 0.70
    assert t.derivative_rate >= 0.75
