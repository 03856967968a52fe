"""A note's budget of claims (budget.NOTE_CLAIMS, engine.check_text): the math after it is listed and counted, undecided, never checked or reported."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from derivlint.check import budget
from derivlint.cli import main
from derivlint.engine import check_text
from derivlint.extract import markdown

from shared_data import CORPUS, SEEDS, needs_corpus

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"

HEAD = "# Notes\n\nLet $x \\in \\mathbb{R}^n$ and $a \\in \\mathbb{R}^n$ be column vectors.\n\n"
RIGHT = "$$\n\\frac{{\\partial x^T x}}{{\\partial x}} = 2 x\n$$\n\nStep {i}: the $y_{{{i}}}$ above.\n\n"
WRONG = "$$\n\\frac{\\partial a^T x}{\\partial x} = 2 a\n$$\n\n"


def note(right_before: int, right_after: int = 0) -> str:
    """Declarations (2 claims), ``right_before`` true derivatives, one false one, ``right_after`` more."""
    before = "".join(RIGHT.format(i=i) for i in range(right_before))
    after = "".join(RIGHT.format(i=i) for i in range(right_before, right_before + right_after))
    return HEAD + before + WRONG + after


def test_the_false_claim_is_found_within_the_budget() -> None:
    result = check_text("n.md", note(5, 5), claim_budget=8)  # the false claim is the 8th
    assert [f.code for f in result.findings] == ["DL301"]
    assert result.too_large == 5 == sum(c.kind == "unchecked" for c in result.claims)
    whole = check_text("n.md", note(5, 5), claim_budget=100)
    assert [f.code for f in whole.findings] == ["DL301"] and whole.too_large == 0
    assert not any(c.kind == "unchecked" for c in whole.claims)


def test_past_the_budget_the_math_is_listed_undecided_and_never_reported() -> None:
    result = check_text("n.md", note(10), claim_budget=8)
    assert not result.findings  # the false claim is past the budget: not checked, not reported
    unchecked = [c for c in result.claims if c.kind == "unchecked"]
    # 2 declarations + 6 derivatives are read; the other 4 displays and the false one are listed
    assert len(result.claims) - len(unchecked) == 8
    assert len(unchecked) == 5 == result.too_large
    assert all(c.undecided.startswith("note too large: only its first 8 claims are checked") for c in unchecked)
    assert result.undecided == 5 and result.unparsed == 0
    assert unchecked[-1].text == "\\frac{\\partial a^T x}{\\partial x} = 2 a"
    assert unchecked[-1].to_json()["line"] == note(10).splitlines().index("\\frac{\\partial a^T x}{\\partial x} = 2 a") + 1
    # inline math without a relation ($y_i$) holds no claim: it is not listed
    assert all("=" in c.text for c in unchecked)


def test_the_same_note_gets_the_same_cut() -> None:
    first = [(c.kind, c.start, c.verdict) for c in check_text("n.md", note(10), claim_budget=8).claims]
    second = [(c.kind, c.start, c.verdict) for c in check_text("n.md", note(10), claim_budget=8).claims]
    assert first == second


def test_a_note_within_the_default_budget_is_read_whole() -> None:
    text = note(20)
    result = check_text("n.md", text)
    assert len(result.claims) < budget.note_claims(len(text))
    assert [f.code for f in result.findings] == ["DL301"] and result.too_large == 0


def test_the_budget_shrinks_with_the_text_to_a_floor() -> None:
    """Reading the text is work too: a longer note leaves fewer claims, never fewer than the floor."""
    sizes = [0, 100_000, 300_000, 1_000_000, 3_000_000, 10_000_000]
    budgets = [budget.note_claims(n) for n in sizes]
    assert budgets == sorted(budgets, reverse=True) and budgets[0] == budget.NOTE_CLAIMS
    assert budgets[-1] == budget.NOTE_CLAIMS_FLOOR > 0
    assert budget.note_claims(300_000) > 1_500  # a long real note of a few hundred KB


def test_a_suppression_past_the_budget_is_not_unused() -> None:
    text = note(10) + "<!-- derivlint: disable-next-line DL301 -->\n$$ \\frac{\\partial a^T x}{\\partial x} = 3 a $$\n"
    within = check_text("n.md", text, claim_budget=100)
    assert [f.code for f in within.findings] == ["DL301"]  # the second false claim suppressed, the first not
    past = check_text("n.md", text, claim_budget=8)
    assert not past.findings  # no DL590: the claim it would suppress was not read


def test_notebook_cells_past_the_budget() -> None:
    cells = [HEAD] + [RIGHT.format(i=i) for i in range(6)] + [WRONG]
    nb = {"cells": [{"cell_type": "markdown", "metadata": {}, "source": c} for c in cells],
          "metadata": {}, "nbformat": 4, "nbformat_minor": 5}  # fmt: skip
    result = check_text("n.ipynb", json.dumps(nb), claim_budget=5)
    unchecked = [c for c in result.claims if c.kind == "unchecked"]
    assert not result.findings and len(unchecked) == 4
    assert unchecked[-1].block.source.cell == len(cells)


@pytest.mark.parametrize("fmt", ["md", "tex"])
def test_the_summary_and_the_listing_say_how_much_was_not_checked(tmp_path, capsys, monkeypatch, fmt) -> None:
    text = note(10)
    if fmt == "tex":
        text = "\\documentclass{article}\n\\begin{document}\n" + text.replace("# Notes", "") + "\\end{document}\n"
    path = tmp_path / f"n.{fmt}"
    path.write_text(text, encoding="utf-8")
    monkeypatch.setattr(budget, "note_claims", lambda characters: 8)
    assert main(["check", "--no-cache", str(path)]) == 0
    captured = capsys.readouterr()
    summary = captured.out + captured.err
    assert "5 undecided, 5 of them not checked: note too large" in summary
    main(["claims", str(path)])
    lines = capsys.readouterr().out.splitlines()
    assert sum("  unchecked  " in line for line in lines) == 5
    assert any("\\frac{\\partial a^T x}{\\partial x} = 2 a  [undecided: note too large" in line for line in lines)
    main(["claims", "--summary", str(path)])
    assert "5  note too large" in capsys.readouterr().out


def test_the_cache_keeps_the_count(tmp_path, capsys, monkeypatch) -> None:
    path = tmp_path / "n.md"
    path.write_text(note(10), encoding="utf-8")
    monkeypatch.setattr(budget, "note_claims", lambda characters: 8)
    monkeypatch.chdir(tmp_path)
    for _ in range(2):  # the second run is served by the cache
        main(["check", "--cache-dir", str(tmp_path / "cache"), str(path)])
        captured = capsys.readouterr()
        assert "5 of them not checked: note too large" in captured.out + captured.err


def test_markdown_read_in_pieces_is_read_as_whole(monkeypatch) -> None:
    """A long note is given to markdown-it a piece at a time: the same segments as at once."""
    texts = [p.read_text(encoding="utf-8") for p in sorted(FIXTURES.rglob("*.md"))]
    texts.append("---\ntitle: x\n---\n\n" + note(30) + "```\ncode\n\n\nmore\n```\n\n- item\n\n  more of it\n\n> quoted\n>\n> on\n")
    wholes = [markdown._segments_of(t.replace("\r\n", "\n")) for t in texts]
    monkeypatch.setattr(markdown, "_PIECE", 64)
    for text, whole in zip(texts, wholes):
        pieces = markdown._segments_of(text.replace("\r\n", "\n"))
        assert [_shape(s) for s in pieces] == [_shape(s) for s in whole]
        assert _containers(pieces) == _containers(whole)


def _shape(seg) -> tuple:
    return (seg.kind, seg.first, seg.last, seg.depth, seg.markers, seg.level, seg.title, seg.prose, seg.underline,
            seg.fence, seg.scripts, seg.argument, seg.whole, seg.span)


def _containers(segments) -> list[tuple]:
    """The containers and list items of each segment, numbered by first appearance (ids differ)."""
    ids: dict[int, int] = {}
    return [(tuple(ids.setdefault(i, len(ids)) for i in s.containers), tuple(ids.setdefault(i, len(ids)) for i in s.items))
            for s in segments]


@needs_corpus
def test_real_notes_stay_well_within_the_budget() -> None:
    """No real note comes near its budget: none holds half of it (the most claims, 519 in 55 KB;
    the largest share, 399 claims in a notebook of 607 KB)."""
    import os
    from concurrent.futures import ProcessPoolExecutor

    from derivlint.files import NOTE_EXTENSIONS

    paths = [path for folder in (CORPUS, SEEDS) for path in sorted(folder.rglob("*"))
             if path.suffix.lower() in NOTE_EXTENSIONS and path.is_file()]  # fmt: skip
    with ProcessPoolExecutor(max_workers=max(1, min(2, os.cpu_count() or 1))) as pool:  # two cores: half the wait
        counts = list(pool.map(_claims_and_share, paths, chunksize=8))
    most = max(claims for claims, _ in counts)
    share = max(share for _, share in counts)
    assert most > 100 and share < 1 / 2


def _claims_and_share(path) -> tuple[int, float]:
    """The claims of one note and the share of its budget they take."""
    from derivlint.extract import extract
    from derivlint.math.claims import claims_of

    text = path.read_text(encoding="utf-8", errors="replace")
    extraction = extract(str(path), text)
    macros = dict(extraction.macros)
    claims = sum(len(claims_of(block, macros)) for block in extraction.blocks)
    size = max(len(text), sum(len(s.text) for s in extraction.sources))
    return claims, claims / budget.note_claims(size)
