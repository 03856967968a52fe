"""Issue 13, point 7: ``claims`` and ``check`` agree. A claim the truth stage finds false either
gets a finding (DL301–DL304) on its lines or its verdict says why none is reported."""

from __future__ import annotations

from pathlib import Path

from derivlint.engine import check_text
from derivlint.files import discover
from shared_data import CORPUS, SEEDS, needs_corpus, needs_seeds

TRUTH_CODES = {"DL301", "DL302", "DL303", "DL304"}


def _disagreements(path: Path) -> list[str]:
    try:
        text = path.read_text(encoding="utf-8")
    except (UnicodeDecodeError, OSError):
        return []
    result = check_text(str(path), text)
    found = [(f.cell, f.line, f.code) for f in result.findings if f.code in TRUTH_CODES]
    out = []
    for claim in result.claims:
        outcome = claim.facts.get("outcome")
        if outcome is None or outcome.holds is None or outcome.holds:
            continue
        record = claim.to_json()
        lines = range(record["line"], record["end_line"] + 1)
        reported = any(cell == record["cell"] and line in lines for cell, line, _ in found)
        code = claim.facts.get("report")
        explained = "not reported:" in (claim.verdict or "")
        if code is not None and not any(c == code and cell == record["cell"] and line in lines for cell, line, c in found):
            out.append(f"{path}:{record['line']}: given to {code} but no {code} finding: {claim.text.strip()[:60]}")
        elif not reported and not explained:
            out.append(f"{path}:{record['line']}: false, no finding and no reason: {claim.text.strip()[:60]}")
    return out


def test_every_false_claim_of_a_fixture_is_reported_or_explained() -> None:
    fixtures = Path(__file__).resolve().parents[1] / "fixtures"
    problems = [p for path in sorted(fixtures.rglob("*.md")) for p in _disagreements(path)]
    assert not problems, "\n".join(problems)


@needs_seeds
def test_claims_and_check_agree_on_the_seeds() -> None:
    problems = [p for path in sorted(SEEDS.glob("*.md")) for p in _disagreements(path)]
    assert not problems, "\n".join(problems)


@needs_corpus
def test_claims_and_check_agree_on_the_corpus() -> None:
    import os
    from concurrent.futures import ProcessPoolExecutor

    paths = [Path(p) for p in discover([str(CORPUS)])[0]]
    with ProcessPoolExecutor(max_workers=max(1, min(2, os.cpu_count() or 1))) as pool:  # two cores: half the wait
        problems = [p for found in pool.map(_disagreements, paths, chunksize=8) for p in found]
    assert not problems, "\n".join(problems[:30])
