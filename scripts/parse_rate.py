"""Report how much of a folder of notes derivlint reads: claims, parse rates, unparsed reasons.

Usage: python scripts/parse_rate.py [FOLDER ...]   (default: ../shared/corpus and ../shared/seeds)
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path


from derivlint.cli import _leading_phrase  # the same grouping as claims --summary
from derivlint.config import file_settings
from derivlint.engine import Settings, check_text
from derivlint.files import discover, read_note


@dataclass
class Tally:
    """Counts over a set of notes."""

    files: int = 0
    unreadable: int = 0
    claims: int = 0
    unparsed: int = 0
    derivative: int = 0
    derivative_unparsed: int = 0
    seconds: float = 0.0
    reasons: Counter = field(default_factory=Counter)
    decided: int = 0  # derivative claims (kind derivative) with a verdict: true, false or a shape error
    derivative_claims: int = 0
    undecided: Counter = field(default_factory=Counter)  # their undecided reasons, by leading phrase
    dl101: list = field(default_factory=list)

    @property
    def rate(self) -> float:
        return 1 - self.unparsed / self.claims if self.claims else 1.0

    @property
    def derivative_rate(self) -> float:
        return 1 - self.derivative_unparsed / self.derivative if self.derivative else 1.0


def tally(paths: list[str]) -> Tally:
    files, _missing = discover(paths)
    result = Tally()
    for path in files:
        text, problem = read_note(path)
        result.files += 1
        if problem is not None:
            result.unreadable += 1
            continue
        start = time.perf_counter()
        report = check_note(path, text)
        result.seconds += time.perf_counter() - start
        count(result, report)
    return result


def check_note(path: str, text: str):
    """The note checked as ``check`` does: with the macros of its site and configuration."""
    return check_text(path, text, file_settings(path, Settings()))


def count(result: Tally, report) -> None:
    """Add one note's claims and DL101 findings to ``result``."""
    for claim in report.claims:
        result.claims += 1
        _count_decided(result, claim)
        derivative = claim.has_derivative
        result.derivative += derivative
        if claim.kind == "unparsed":
            result.unparsed += 1
            result.derivative_unparsed += derivative
            reason = claim.reason.split("'")[0].split("\\")[0].strip() if claim.reason else "?"
            result.reasons[reason] += 1
    result.dl101.extend(f for f in report.findings if f.code == "DL101")


def _count_decided(result: Tally, claim) -> None:
    """Decided/undecided of one derivative claim (issue 16's measure): true, false or a shape error
    is decided; anything else is counted under the leading phrase of its reason."""
    if claim.kind != "derivative":
        return
    result.derivative_claims += 1
    verdict = claim.verdict or ""
    if verdict.startswith(("true", "false", "shape error")):
        result.decided += 1
        return
    reason = verdict.split("undecided:", 1)[-1].strip() if "undecided" in verdict else (claim.undecided or "no verdict")
    result.undecided[_leading_phrase(reason)] += 1


def main(argv: list[str]) -> int:
    here = Path(__file__).resolve().parents[2] / "shared"
    folders = argv or [str(p) for p in (here / "corpus", here / "seeds") if p.is_dir()]
    if not folders:
        print("no folder to read (../shared is absent); name one")
        return 0
    for folder in folders:
        t = tally([folder])
        print(f"{folder}: {t.files} files ({t.unreadable} unreadable), {t.claims} claims in {t.seconds:.2f} s")
        print(f"  parsed: {t.claims - t.unparsed}/{t.claims} = {t.rate:.1%}")
        print(f"  involving a derivative: {t.derivative - t.derivative_unparsed}/{t.derivative} = {t.derivative_rate:.1%}")
        print(f"  DL101 findings: {len(t.dl101)}")
        for reason, count in t.reasons.most_common(12):
            print(f"    {count:5d}  {reason}")
        share = t.decided / t.derivative_claims if t.derivative_claims else 1.0
        print(f"  derivative claims decided (true, false, shape error): {t.decided}/{t.derivative_claims} = {share:.1%}")
        for reason, count in t.undecided.most_common(15):
            print(f"    {count:5d}  undecided: {reason}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
