"""Memory per claim (issue 14): what a note keeps for each of its claims until its rules have run
stays small, and the values many claims share (layout sets, verdicts, shape texts) are one object."""

from __future__ import annotations

import gc
import tracemalloc

from derivlint.check import budget
from derivlint.check.truth import Outcome
from derivlint.engine import check_text
from derivlint.math.lexer import lex
from derivlint.math.parser import Parser

# a line of dense inline math, numbered so that no two are the same text (as in scripts/scaling.py)
LINE = (
    "Let $x_{{{i}}} \\in \\mathbb{{R}}^n$; then $\\frac{{\\partial a^T x}}{{\\partial x}} = a$ and "
    "$\\operatorname{{tr}}(A B) = \\operatorname{{tr}}(B A)$, while $(A B)^T = B^T A^T$ for step {i}.\n\n"
)
# bytes of memory per claim at the peak of check_text, marginal between two sizes of one note;
# measured 4.8 KB (was 5.7 KB before layout sets, verdicts and mentions were shared or packed)
MAX_PER_CLAIM = 5200


def _peak(lines: int) -> tuple[int, int]:
    text = "# Notes\n\n" + "".join(LINE.format(i=i) for i in range(lines))
    gc.collect()
    tracemalloc.start()
    try:
        result = check_text("note.md", text)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return peak, len(result.claims)


def test_memory_per_claim_is_bounded(monkeypatch):
    monkeypatch.setattr(budget, "NOTE_PER_CLAIM", 1.0)  # tracemalloc slows the check: no claim over its budget
    check_text("note.md", LINE.format(i=0) * 3)  # imports and first uses out of the figures
    small, few = _peak(40)
    large, many = _peak(160)
    assert many > few + 400
    per_claim = (large - small) / (many - few)
    assert 1000 < per_claim < MAX_PER_CLAIM, per_claim


def test_outcomes_share_their_layout_sets():
    one = Outcome(holds=frozenset({"numerator", "denominator"}))
    two = Outcome(holds=frozenset(["denominator", "numerator"]))
    assert one.holds == two.holds and one.holds is two.holds
    assert Outcome(holds=frozenset()).holds is Outcome(holds=frozenset()).holds
    assert Outcome(reason="too large").holds is None


def test_verdicts_and_shape_texts_are_shared():
    text = "".join(LINE.format(i=i) for i in range(40))
    claims = [c for c in check_text("note.md", text).claims if c.verdict is not None]
    by_text: dict[str, set[int]] = {}
    for claim in claims:
        by_text.setdefault(claim.verdict, set()).add(id(claim.verdict))
    assert len(claims) > 100
    assert all(len(ids) == 1 for ids in by_text.values()), {v: len(i) for v, i in by_text.items()}
    shapes = [s for c in claims if isinstance(c.facts.get("shapes"), tuple) for s in c.facts["shapes"]]
    assert len({id(s) for s in shapes}) == len(set(shapes))
    empty = [c.facts["shape_errors"] for c in claims if not c.facts.get("shape_errors")]
    assert empty and len({id(e) for e in empty}) == 1


def test_a_walked_tree_keeps_its_walk_and_is_unchanged():
    first_side, steps = Parser(lex("y = (A + B)^T x - c")).parse_chain()
    tree = next(part for part in steps[0] if hasattr(part, "walk"))  # the right-hand side
    first = list(tree.walk())
    assert [id(n) for n in tree.walk()] == [id(n) for n in first]  # remembered, same order
    assert "_below" not in {f for f in getattr(tree, "__dataclass_fields__", {})}  # not a field: not compared, not copied by replace
    tree.forget_walk()
    assert [id(n) for n in tree.walk()] == [id(n) for n in first]


def test_claims_command_lists_each_note_as_it_is_checked(tmp_path, capsys, monkeypatch):
    """``derivlint claims`` writes the claims of each note once it is checked, and keeps none:
    the JSON is the one list ``json.dumps(…, indent=2)`` gives, the text one line per claim."""
    import json

    from derivlint import cli

    for i in range(3):
        (tmp_path / f"n{i}.md").write_text(LINE.format(i=i) + "$$ (A B)^T = A^T B^T $$\n", encoding="utf-8")
    (tmp_path / "empty.md").write_text("No math here.\n", encoding="utf-8")
    seen: list[int] = []
    real_run = cli._run

    def spying_run(*args, **kwargs):
        listen = kwargs["listen"]
        kwargs["listen"] = lambda claims: (seen.append(len(claims)), listen(claims))
        run, errors = real_run(*args, **kwargs)
        assert run.claims == []  # handed over note by note, never gathered
        return run, errors

    monkeypatch.setattr(cli, "_run", spying_run)
    monkeypatch.setattr(cli, "_LISTED_AT_ONCE", 2)  # a note's claims written a few at a time
    monkeypatch.chdir(tmp_path)
    assert cli.main(["claims", "--output-format", "json", "."]) == 0
    out = capsys.readouterr().out
    records = json.loads(out)
    assert len(seen) == 4 and sum(seen) == len(records) and len(records) >= 12
    assert out == json.dumps(records, ensure_ascii=False, indent=2) + "\n"
    assert [r["path"] for r in records] == sorted(r["path"] for r in records)
    cli.main(["claims", "."])
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == len(records) and all(line.strip() for line in lines)
    assert cli.main(["claims", "--output-format", "json", "empty.md"]) == 0
    assert capsys.readouterr().out == "[]\n"
    cli.main(["claims", "--summary", "."])
    summary = capsys.readouterr().out.splitlines()
    assert summary[-1].endswith(f"of {len(records)} claims")
