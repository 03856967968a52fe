"""One pass over the real notes for the tests that read their claims: parse rates and the agreement
of ``claims`` with ``check`` (issue 13, point 7) come from the same checked notes."""

from __future__ import annotations

import os
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))

from parse_rate import Tally, check_note, count  # noqa: E402

from derivlint.files import discover, read_note  # noqa: E402

TRUTH_CODES = {"DL301", "DL302", "DL303", "DL304"}


def disagreements(path: Path | str, result) -> list[str]:
    """Claims the truth stage finds false with neither a finding (DL301–DL304) on their lines nor a
    verdict that says why none is reported; and claims given to a code that has no such finding."""
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


def survey_note(path: str) -> tuple[str, Tally, list[str]]:
    """One note: its path, its counts, and its disagreements."""
    tally = Tally(files=1)
    text, problem = read_note(path)
    if problem is not None:
        tally.unreadable += 1
        return path, tally, []
    report = check_note(path, text)
    count(tally, report)
    tally.dl101 = []  # findings hold positions only this process needs
    return path, tally, disagreements(path, report)


def survey(root: Path) -> list[tuple[str, Tally, list[str]]]:
    """Every note under ``root``, on up to two processes (the machine's two cores)."""
    paths = discover([str(root)])[0]
    with ProcessPoolExecutor(max_workers=max(1, min(2, os.cpu_count() or 1))) as pool:
        return list(pool.map(survey_note, paths, chunksize=8))
