"""Real notes (../shared/corpus), checked whole twice for the suite: as ``check`` reports them (the
ecosystem rows; no internal error) and as ``parse_rate.py`` counts them (parse rates; ``claims`` and
``check`` agree). Every test that needs the whole corpus checked lives here, so one worker does it once."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from shared_data import CORPUS, needs_corpus

pytestmark = needs_corpus

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))

import ecosystem  # noqa: E402
from corpus_survey import survey  # noqa: E402
from ecosystem import compare  # noqa: E402


@pytest.fixture(scope="module")
def corpus_report() -> list[dict]:
    """derivlint's JSON findings on the corpus, as ``scripts/ecosystem.py`` gets them (``check
    --exit-zero --output-format json`` in this process; it raises on another exit or a report that is
    not JSON)."""
    return ecosystem.run_derivlint(CORPUS)


@pytest.fixture(scope="module")
def corpus_survey() -> list:
    """Every note checked as ``scripts/parse_rate.py`` checks it (with the macros of its site):
    (path, counts, disagreements of claims and check) per note."""
    return survey(CORPUS)


@pytest.fixture(scope="module")
def corpus_difference(corpus_report) -> ecosystem.Difference:
    findings = ecosystem.finding_rows(corpus_report, CORPUS)
    return compare(findings, ecosystem.read_tsv(ecosystem.DEFAULT_TSV))


def test_check_exits_0_or_1_with_no_internal_error(corpus_report) -> None:
    assert not [f for f in corpus_report if f["code"] in ("DL199", "DL100")]


def test_every_corpus_finding_has_a_row(corpus_difference) -> None:
    _fail_on(corpus_difference.new, "findings on ../shared/corpus have no row in tests/data/ecosystem.tsv: run "
             "`python scripts/ecosystem.py --write-new`, read each note and replace UNREAD with a verdict and a reason",
             corpus_difference)


def test_every_row_still_has_its_finding(corpus_difference) -> None:
    _fail_on(corpus_difference.gone, "rows of tests/data/ecosystem.tsv lost their finding: check that each was meant "
             "to go (a FALSE one fixed, never a TRUE one lost), then run `python scripts/ecosystem.py --drop-gone`",
             corpus_difference)


def _fail_on(rows: list, what: str, diff: ecosystem.Difference) -> None:
    if rows:
        pytest.fail(f"{len(rows)} {what}\n" + diff.report(), pytrace=False)


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


def test_claims_and_check_agree_on_the_corpus(corpus_survey) -> None:
    """Issue 13, point 7 (see test_agreement.py): a claim the truth stage finds false either gets a
    finding on its lines or its verdict says why none is reported."""
    problems = [p for _path, _tally, found in corpus_survey for p in found]
    assert not problems, "\n".join(problems[:30])
