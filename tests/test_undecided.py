"""Issue 13, point 1: every claim left without a decision is undecided with its reason, shown
by ``claims``, counted in the ``check`` summary (from the cache too) and by ``claims --summary``."""

from __future__ import annotations

import json

import pytest

from derivlint.cli import main
from derivlint.engine import check_text

# One claim of each kind: decided (true), index notation, a definition (no verdict), a claim
# false only under guessed shapes, and a condition (a statement that requires, not claims).
NOTE = r"""# Quadratic forms

Let $A \in \mathbb{R}^{n \times n}$ and $x \in \mathbb{R}^n$.

$$\frac{\partial (x^T A x)}{\partial x} = (A + A^T) x$$

Entry by entry,

$$\frac{\partial (x^T A x)}{\partial A_{kl}} = x_k y_l$$

We define $S = A + A^T$.

For a feature row and a weight row, with nothing else said,

$$\frac{\partial (\mathbf{p} \cdot \mathbf{w})}{\partial \mathbf{w}} = \mathbf{p}$$

A matrix $M$ is called normal when $M M^T = M^T M$.
"""

OTHER = r"""# Traces

Let $B \in \mathbb{R}^{m \times m}$.

$$\frac{\partial \operatorname{tr}(B)}{\partial B} = I$$
"""


@pytest.fixture
def notes(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DERIVLINT_CACHE_DIR", raising=False)
    (tmp_path / "forms.md").write_text(NOTE, encoding="utf-8")
    (tmp_path / "traces.md").write_text(OTHER, encoding="utf-8")
    return tmp_path


def _lines(out: str) -> dict[int, str]:
    return {int(line.split(":")[1]): line for line in out.splitlines() if line.startswith("forms.md:")}


def test_claims_shows_each_reason(notes, capsys):
    assert main(["claims", "forms.md"]) == 0
    lines = _lines(capsys.readouterr().out)
    assert lines[5].endswith("[true in the denominator layout]")
    assert lines[9].endswith("[undecided: index notation (A_kl)]")
    assert "[no certain reading: a definition" in lines[11]  # a definition: no verdict, its reason
    assert lines[15].endswith("[undecided: false only under guessed shapes: w]")
    assert "[undecided: a condition" in lines[17]


def test_text_and_json_agree(notes, capsys):
    main(["claims", "forms.md", "--output-format", "json"])
    records = json.loads(capsys.readouterr().out)
    main(["claims", "forms.md"])
    lines = _lines(capsys.readouterr().out)
    for r in records:
        line = lines[r["line"]]
        if r["reading"]:
            assert r["reading"] in line
        elif r["verdict"]:
            assert f"[{r['verdict']}]" in line


def test_the_summary_counts_exactly_the_undecided(notes, capsys):
    claims = check_text("forms.md", NOTE).claims
    undecided = sorted(c.position()[0] for c in claims if c.undecided is not None)
    assert undecided == [9, 15, 17]  # not the true claim, not the definition, not the declarations
    assert main(["check", ".", "--no-cache"]) == 0
    err = capsys.readouterr().err.strip()
    assert err == f"All checked: no findings in 2 files ({len(claims) + 2} claims, 0 unparsed, 3 undecided)."


def test_a_warm_run_prints_the_same_summary(notes, capsys):
    assert main(["check", "."]) == 0
    cold = capsys.readouterr().err
    assert (notes / ".derivlint_cache").is_dir()
    assert main(["check", "."]) == 0
    warm = capsys.readouterr().err
    assert warm == cold and "3 undecided" in warm
    (notes / "traces.md").write_text(OTHER + "\n$$\\frac{\\partial y_i}{\\partial x_j} = \\delta_{ij}$$\n", encoding="utf-8")
    assert main(["check", "."]) == 0  # one note from the cache, one checked again
    assert "4 undecided" in capsys.readouterr().err


def test_claims_summary_groups_reasons_by_their_leading_phrase(notes, capsys):
    assert main(["claims", "--summary", "forms.md", "traces.md"]) == 0
    out = capsys.readouterr().out.splitlines()
    rows = {line.split("  ", 1)[1]: int(line.split("  ", 1)[0]) for line in out[:-1]}
    assert rows == {"index notation": 1, "false only under guessed shapes": 1, "a condition": 1}
    assert out[-1].startswith("3 undecided of ")
    assert main(["claims", "--summary", "--output-format", "json", "forms.md"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert sorted((d["reason"], d["count"]) for d in data) == sorted(rows.items())


def test_false_but_not_reported_is_counted_undecided():
    """A claim that fails the check on a reading not certain enough to report ("false; not
    reported: …") is undecided with that reason, and counted so in the summary."""
    text = (
        "Let $S \\in \\mathbb{R}^{n \\times n}$ be symmetric, $I_1 = \\operatorname{tr}(S)$ and "
        "$\\Psi = \\operatorname{tr}(S) + 1$.\n\n"
        "$$\\frac{\\partial \\Psi}{\\partial S} = \\frac{\\partial \\Psi}{\\partial I_1}\\frac{\\partial I_1}{\\partial S}$$\n"
    )
    result = check_text("n.md", text)
    unreported = [c for c in result.claims if c.facts.get("unreported")]
    assert unreported, [(c.text, c.verdict) for c in result.claims]
    assert all(c.undecided == c.facts["unreported"] for c in unreported)
    assert result.undecided >= len(unreported)


def _notebook(*cells: str) -> str:
    return json.dumps({"cells": [{"cell_type": "markdown", "metadata": {}, "source": c.splitlines(True)} for c in cells],
                       "metadata": {}, "nbformat": 4, "nbformat_minor": 5})


def _reason(out: str, where: str) -> str:
    return next(line for line in out.splitlines() if where in line)


def test_definition_set_aside_by_its_place_across_cells(tmp_path, monkeypatch, capsys):
    """A definition of a name also differentiated with respect to sets an equality aside only
    when it comes before the claim in the note: cells number their lines from 1, so the place
    (cell, offset), not the line, orders them."""
    monkeypatch.chdir(tmp_path)
    defined = r"""Let $P \in \mathbb{R}^{n \times n}$ be symmetric.


Write $I_1 = \operatorname{tr}(P)$ for the first invariant.
"""
    claim = r"""$$\operatorname{tr}(P) - 3 = I_1 - 3$$

and by the chain rule $\frac{\partial E}{\partial G} = \frac{\partial E}{\partial I_1} \frac{\partial I_1}{\partial G}$.
"""
    padded = "A step written first.\n\n\n\n\n" + claim
    (tmp_path / "before.ipynb").write_text(_notebook(defined, claim), encoding="utf-8")
    (tmp_path / "after.ipynb").write_text(_notebook(padded, defined), encoding="utf-8")
    assert main(["claims", "before.ipynb", "after.ipynb"]) == 0
    out = capsys.readouterr().out
    assert "I_1 is defined on line 4 and also differentiated" in _reason(out, "before.ipynb:cell 2:1:")
    assert "also differentiated" not in _reason(out, "after.ipynb:cell 1:6:")
