"""Issue 13, point 7: ``claims`` and ``check`` agree. A claim the truth stage finds false either
gets a finding (DL301–DL304) on its lines or its verdict says why none is reported."""

from __future__ import annotations

from pathlib import Path

from corpus_survey import disagreements
from derivlint.engine import check_text
from shared_data import SEEDS, needs_seeds


def _disagreements(path: Path) -> list[str]:
    try:
        text = path.read_text(encoding="utf-8")
    except (UnicodeDecodeError, OSError):
        return []
    return disagreements(path, check_text(str(path), text))


def test_every_false_claim_of_a_fixture_is_reported_or_explained() -> None:
    fixtures = Path(__file__).resolve().parents[1] / "fixtures"
    problems = [p for path in sorted(fixtures.rglob("*.md")) for p in _disagreements(path)]
    assert not problems, "\n".join(problems)


@needs_seeds
def test_claims_and_check_agree_on_the_seeds() -> None:
    problems = [p for path in sorted(SEEDS.glob("*.md")) for p in _disagreements(path)]
    assert not problems, "\n".join(problems)
