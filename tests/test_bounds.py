"""Bounded work on any note (issue 14): a declared size, a literal matrix or a nesting depth
never costs more than a small claim does, and never ends in MemoryError or RecursionError."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

TIMEOUT = 30  # seconds; each input below takes well under a second once bounded


def claims(tmp_path: Path, text: str, name: str = "note.md") -> tuple[str, float]:
    """``derivlint claims`` of one note in a child process (a hang or a crash stays there)."""
    note = tmp_path / name
    note.write_text(text, encoding="utf-8")
    start = time.perf_counter()
    try:
        run = subprocess.run(
            [sys.executable, "-m", "derivlint", "claims", str(note)],
            capture_output=True, text=True, timeout=TIMEOUT, cwd=tmp_path,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        pytest.fail(f"derivlint claims took more than {TIMEOUT} s")
    elapsed = time.perf_counter() - start
    assert "Traceback" not in run.stderr, run.stderr
    assert "internal error" not in run.stdout, run.stdout
    return run.stdout, elapsed


def check(tmp_path: Path, text: str, name: str = "note.md") -> str:
    """``derivlint check`` (concise) of one note in a child process."""
    note = tmp_path / name
    note.write_text(text, encoding="utf-8")
    try:
        run = subprocess.run(
            [sys.executable, "-m", "derivlint", "check", str(note), "--no-cache", "--exit-zero",
             "--output-format", "concise", "--extend-select", "DL102"],
            capture_output=True, text=True, timeout=TIMEOUT, cwd=tmp_path,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        pytest.fail(f"derivlint check took more than {TIMEOUT} s")
    assert "Traceback" not in run.stderr, run.stderr
    assert "DL199" not in run.stdout, run.stdout
    return run.stdout


def verdict(out: str, line: int) -> str:
    """The verdict printed for the claim on ``line``."""
    rows = [row for row in out.splitlines() if f".md:{line}:" in row]
    assert rows, out
    return rows[-1]


# --------------------------------------------------------------------------- declared sizes


def test_large_declared_size_is_drawn_small(tmp_path):
    text = "Let $A \\in \\mathbb{R}^{3000 \\times 3000}$.\n\n$$(A A)^{-1} = A^{-1} A^{-1}$$\n"
    out, elapsed = claims(tmp_path, text)
    assert verdict(out, 3).endswith("[true]")
    assert elapsed < 10


def test_large_declared_size_still_finds_a_wrong_claim(tmp_path):
    text = "Let $A, B \\in \\mathbb{R}^{1000 \\times 1000}$.\n\n$$(A B)^{-1} = A^{-1} B^{-1}$$\n"
    out, _ = claims(tmp_path, text)
    assert "[false" in verdict(out, 3)


def test_small_note_declaring_n_1000_finishes_fast(tmp_path):
    text = (
        "Let $A \\in \\mathbb{R}^{1000 \\times 1000}$ and $X \\in \\mathbb{R}^{1000 \\times 1000}$.\n\n"
        "$$\\frac{\\partial \\log\\det (A X)}{\\partial X} = X^{-T}$$\n"
    )
    out, elapsed = claims(tmp_path, text)
    assert "true in the denominator layout" in verdict(out, 3)
    assert elapsed < 10


def test_number_as_large_as_a_dimension_is_too_large_to_check(tmp_path):
    # tr(I) depends on the declared size: a stand-in size must not decide it
    text = "Let $A \\in \\mathbb{R}^{1000 \\times 1000}$.\n\n$$\\mathrm{tr}(A A^{-1}) = 1000$$\n"
    out, _ = claims(tmp_path, text)
    assert "undecided: too large to check" in verdict(out, 3)


def test_stand_in_sizes_are_small_distinct_and_free():
    from derivlint.check.numeric import DRAW_CAP, stand_in_sizes

    got = stand_in_sizes({5, 1000, 10**9, 3}, {3, 5, 1000, 10**9})
    assert set(got) == {1000, 10**9}
    assert len(set(got.values())) == 2
    assert all(v <= 3 * DRAW_CAP and v not in (3, 5) for v in got.values())
    assert stand_in_sizes({3, DRAW_CAP}, {3}) == {}


# --------------------------------------------------------------------------- literal matrices


def _bmatrix(n: int, cell) -> str:
    rows = " \\\\ ".join(" & ".join(cell(i, j) for j in range(n)) for i in range(n))
    return "\\begin{bmatrix}" + rows + "\\end{bmatrix}"


def test_large_literal_matrix_is_too_large_to_check(tmp_path):
    m = _bmatrix(80, lambda i, j: str((7 * i + j) % 10))  # within the block cap (claims.BLOCK_CAP)
    out, _ = claims(tmp_path, f"$${m}^T = {m}$$\n")
    assert "undecided: too large to check (80×80 matrix)" in verdict(out, 1)


def test_inverse_of_large_symbolic_literal_is_too_large(tmp_path):
    m = _bmatrix(60, lambda i, j: f"a_{{{i},{j}}}")
    out, elapsed = claims(tmp_path, f"$$\\det {m} = 0$$\n\n$${m}^{{-1}} = I$$\n")
    assert "too large to check (60×60 matrix)" in verdict(out, 1)
    assert "too large to check (60×60 matrix)" in verdict(out, 3)
    assert elapsed < 10


def test_small_literal_matrix_is_still_checked(tmp_path):
    m = _bmatrix(3, lambda i, j: str(i + 2 * j))
    mt = _bmatrix(3, lambda i, j: str(j + 2 * i))
    out, _ = claims(tmp_path, f"$${m}^T = {mt}$$\n")
    assert verdict(out, 1).endswith("[true]")


def test_exact_determinant_of_symbolic_matrix_is_bounded():
    # sympy's determinant of an 8×8 matrix in symbols runs for minutes: refused at once
    code = (
        "import time\n"
        "from derivlint.math.lexer import lex\n"
        "from derivlint.math.parser import sub_parse\n"
        "from derivlint.check import exact\n"
        "n = 8\n"
        "rows = ' \\\\\\\\ '.join(' & '.join(f'x_{{{i}{j}}}' if (i + j) % 3 == 0 else str((i * j + 1) % 5)"
        " for j in range(n)) for i in range(n))\n"
        "tree = sub_parse(lex('\\\\det \\\\begin{bmatrix}' + rows + '\\\\end{bmatrix}'))\n"
        "try:\n"
        "    exact.compare(tree, sub_parse(lex('0')), {})\n"
        "    print('computed')\n"
        "except exact.Unsupported as err:\n"
        "    print(err)\n"
    )
    try:
        run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        pytest.fail("the exact determinant was not bounded")
    assert run.returncode == 0, run.stderr
    assert "too large to check (determinant of a 8×8 matrix in symbols)" in run.stdout


def test_exact_small_symbolic_determinant_is_still_computed():
    from derivlint.check import exact
    from derivlint.math.lexer import lex
    from derivlint.math.parser import sub_parse

    tree = sub_parse(lex(r"\det \begin{bmatrix} a & b \\ c & d \end{bmatrix}"))
    assert exact.compare(tree, sub_parse(lex("a d - b c")), {}).equal
    assert not exact.compare(tree, sub_parse(lex("a d + b c")), {}).equal


# --------------------------------------------------------------------------- nesting depth

TAIL = "\n\nLet $x \\in \\mathbb{R}^n$.\n\n$$\\frac{\\partial x^T x}{\\partial x} = 3x$$\n"
DEEP = 800


@pytest.mark.parametrize(
    "math",
    [
        "x" + "^{x" * DEEP + "}" * DEEP,  # towers of powers
        "X^{T" + "^{T" * DEEP + "}" * DEEP + "}",
        "x" + "'^T" * DEEP,  # primes and transposes on each other: built in a loop, walked recursively
        "X" + "^T" * DEEP,
        "(" * DEEP + "x" + ")" * DEEP,
        "- " * DEEP + "x",
        "\\frac{1}{" * DEEP + "x" + "}" * DEEP,
        "\\frac{d}{dx} " * DEEP + "x",
        "\\sqrt{" * DEEP + "x" + "}" * DEEP,
        "\\begin{bmatrix}" * 300 + "x" + "\\end{bmatrix}" * 300,
    ],
    ids=["powers", "transposes", "primes", "marks", "parens", "signs", "fracs", "derivatives", "roots", "matrices"],
)
def test_deep_nesting_is_a_parse_problem_and_the_note_is_still_checked(tmp_path, math):
    out = check(tmp_path, f"$$ y = {math} $$" + TAIL)
    assert ":1:" in out and "DL102" in out and "nested too deeply (depth > 100)" in out, out
    assert "DL301" in out  # the claim after it is still checked


def test_subscript_tower_does_not_crash(tmp_path):
    d = DEEP
    check(tmp_path, "$$ x" + "_{x" * d + "}" * d + " = y $$" + TAIL)


def test_nested_layout_environments_in_markdown(tmp_path):
    text = "\\begin{align}\n" * 500 + "x = y\n" + "\\end{align}\n" * 500 + TAIL
    out = check(tmp_path, text)
    assert "nested too deeply (depth > 100)" in out
    assert "DL301" in out


def test_moderate_nesting_still_parses():
    from derivlint.math.lexer import lex
    from derivlint.math.parser import sub_parse
    from derivlint.math.tree import render

    tree = sub_parse(lex("(" * 40 + "x^{y^{z}}" + ")" * 40 + "'''"))
    assert "x^" in render(tree)


def test_parse_depth_resets_after_a_too_deep_claim():
    from derivlint.math import parser
    from derivlint.math.lexer import lex

    with pytest.raises(parser.ParseError, match="nested too deeply"):
        parser.sub_parse(lex("(" * 300 + "x" + ")" * 300))
    assert parser._depth == 0
    assert parser.sub_parse(lex("(" * 90 + "x" + ")" * 90)) is not None


def test_deeply_nested_lists_keep_the_rest_of_the_note(tmp_path):
    # markdown-it stops at its nesting limit and drops every later line
    for depth in (12, 500):
        lists = "".join("  " * i + "- item\n" for i in range(depth))
        out = check(tmp_path, lists + TAIL, name=f"lists{depth}.md")
        assert "DL301" in out, (depth, out)


# --------------------------------------------------------------------------- time budget per claim


def test_claim_over_its_time_budget_is_too_large_to_check(monkeypatch):
    from derivlint.check import budget
    from derivlint.engine import check_text

    # 300 terms: checking the derivative takes well over a budget of 1 ms, never DL199
    n = 300
    text = (
        "Let $x \\in \\mathbb{R}^n$ and $a_i \\in \\mathbb{R}^n$.\n\n$$\\frac{\\partial}{\\partial x}("
        + " + ".join(f"a_{{{i}}}^T x" for i in range(n)) + ") = "
        + " + ".join(f"a_{{{i}}}" for i in range(n)) + "$$\n"
    )  # fmt: skip
    monkeypatch.setattr(budget, "BUDGET_SECONDS", 0.001)
    result = check_text("note.md", text)
    verdicts = [c.verdict for c in result.claims if c.verdict]
    assert "undecided: too large to check (over the 0.001 s budget of a claim)" in verdicts, verdicts
    assert not any(f.code == "DL199" for f in result.findings)


def test_tick_outside_a_budget_never_raises_and_inside_one_does():
    from derivlint.check import budget

    budget.stop()
    for _ in range(10_000):
        budget.tick()
    budget.start(0.0)
    busy = sum(range(100_000))  # past a zero budget
    with pytest.raises(budget.OverBudget):
        for _ in range(10_000):
            budget.tick()
    budget.stop()
    assert busy > 0


def test_over_budget_is_not_swallowed_by_an_except_exception():
    from derivlint.check import budget

    assert not issubclass(budget.OverBudget, Exception)


@pytest.mark.parametrize("depth", [2, 3, 500])
def test_nested_math_environments_in_latex_are_one_finding(tmp_path, depth):
    body = "\\begin{align}\n" * depth + "x &= y\n" + "\\end{align}\n" * depth
    text = "\\documentclass{article}\n\\begin{document}\n" + body + "Text.\n\\end{document}\n"
    out = check(tmp_path, text, name="note.tex")
    assert out.count("DL101") == 1, out
    assert "note.tex:3:1: DL101" in out


def test_separate_unclosed_math_environments_in_latex_stay_separate_findings(tmp_path):
    # not a nest: a claim between the two openings, each one is its own mistake
    text = ("\\documentclass{article}\n\\begin{document}\n\\begin{align}\nx &= y\n\\begin{align}\na &= b\n"
            "\\begin{equation}\nc = d\n\\end{equation}\n\\end{document}\n")  # fmt: skip
    out = check(tmp_path, text, name="note.tex")
    assert out.count("DL101") == 2, out


def test_math_block_beyond_the_cap_is_too_large_to_check(tmp_path):
    from derivlint.math.claims import BLOCK_CAP

    letters = "".join("ABCDEFGH"[i % 8] for i in range(BLOCK_CAP + 10))
    out, elapsed = claims(tmp_path, f"$$ Y = {letters} $$\n\n$$(A B)^T = B^T A^T$$\n")
    assert "unparsed  too large to check (a math block of" in verdict(out, 1)
    assert verdict(out, 3).endswith("[true]")  # the next block is still checked
    assert elapsed < 10


def test_long_product_and_long_chain_are_linear():
    """A product of many letters and a chain a = b = … of many steps cost about twice as much
    when twice as long (they were quadratic: 4,000 letters took 3.8 s)."""
    from derivlint.engine import check_text

    def cpu(text: str) -> float:
        start = time.process_time()
        check_text("note.md", text)
        return time.process_time() - start

    check_text("warm.md", "$$ Y = ABC $$\n$$ x = y = z $$\n")
    for make in (lambda n: "$$ Y = " + "".join("ABCDEFGH"[i % 8] for i in range(n)) + " $$\n",
                 lambda n: "$$ y = " + " = ".join(f"x_{{{i}}}" for i in range(n // 8)) + " $$\n"):  # fmt: skip
        small, large = cpu(make(6_000)), cpu(make(24_000))
        assert large < 8 * small + 0.5, (small, large)  # linear: about 4 times; quadratic: 16 times


def _nested_openers(n: int) -> str:
    """A paragraph opening n environments nested in one another (unclosed in it), rows of an
    align, a stray ``$$``, and a later paragraph closing n - 1 of them (fuzz seed 213152)."""
    return ("Some prose " + "\\begin{bmatrix}" * n + "\n" + "&= x \\\\\n" * n + "a = b$$\n\n"
            + "&= x \\\\\n" * n + "x}" + "\\end{bmatrix}" * (n - 1) + " more prose.\n")


def test_nested_unclosed_openers_are_linear():
    """Each of n nested openers looked for its closer, through the later paragraphs, and then for
    a bare '$' up to it, from its own position: quadratic (1,000 openers 1.9 s, 2,000 7.3 s)."""
    from derivlint.extract import extract

    def cpu(text: str) -> float:
        start = time.process_time()
        extract("note.md", text)
        return time.process_time() - start

    extract("warm.md", _nested_openers(10))
    small, large = cpu(_nested_openers(500)), cpu(_nested_openers(2_000))
    assert large < 8 * small + 0.3, (small, large)  # linear: about 4 times; quadratic: 16 times


def test_closers_of_nested_environments_match_a_count_from_each_opener():
    """The one-pass matching of nested environments gives, for every opener, the closer that
    counting begins and ends from that opener gives (escaped ones and strays included)."""
    import random
    import re

    from derivlint.extract.markdown import _env_closers

    pieces = ["\\begin{pmatrix}", "\\end{pmatrix}", "\\\\begin{pmatrix}", "\\end{bmatrix}", "x", "\\\\"]
    pattern = re.compile(r"\\(begin|end)\{pmatrix\}")
    rng = random.Random(14)
    for _ in range(300):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 30)))
        start = rng.randint(0, len(text))
        found = _env_closers(text, start, len(text), "pmatrix")
        for body in found:
            depth, want = 1, None
            for match in pattern.finditer(text, body):
                k = match.start()
                n = 0
                while k - n - 1 >= 0 and text[k - n - 1] == "\\":
                    n += 1
                if n % 2:
                    continue
                depth += 1 if match.group(1) == "begin" else -1
                if depth == 0:
                    want = match.start()
                    break
            assert found[body] == want, (text, start, body)


def test_long_note_puts_off_full_collections_and_restores_the_collector(monkeypatch):
    """A note beyond the pause limit is checked with the collector on but full collections put
    off (they walked the whole note again and again); the thresholds are restored after, also
    when the check raises."""
    import gc

    from derivlint import cli, engine

    seen = []

    def spy(path, text, settings=None):
        seen.append((gc.isenabled(), gc.get_threshold()))
        raise ValueError("stop")

    monkeypatch.setattr(engine, "check_text", spy)
    before = gc.get_threshold()
    long_text = "x" * (cli.GC_PAUSE_MAX_CHARS + 1)
    assert isinstance(cli._check_one("note.md", long_text, engine.Settings()), ValueError)
    assert isinstance(cli._check_one("note.md", "short", engine.Settings()), ValueError)
    assert seen[0] == (True, (before[0], before[1], max(before[2], cli.FULL_COLLECTION_EVERY)))
    assert seen[1][0] is False  # a short note: paused
    assert gc.get_threshold() == before and gc.isenabled()


def test_chain_indices_of_a_long_chain_are_linear_and_match_a_walk_of_each_step():
    """DL501's index letters of a chain (∂M_{rs}, C_{ab} in earlier steps) are one running union
    per chain: equal to walking every earlier step for each claim, as it did (quadratic: a chain
    of 5,000 steps '&= x \\\\' took 180 s), and linear in the chain's length."""
    from derivlint.engine import check_text
    from derivlint.rules.dl501_unintroduced_symbol import _chain_indices, _side_indices

    def walked(chain, claim):  # the walk of every earlier step again, as it was before the running union
        letters = set()
        for other in chain:
            if other.step > claim.step:
                continue
            for side in (other.lhs, other.rhs) if other is not claim else (other.lhs,):
                letters |= _side_indices(side)
        return letters

    text = ("$$\\begin{aligned}\\frac{\\partial f}{\\partial M_{rs}} &= C_{ab} M_{rs} \\\\\n&= \\sum_k A_{rk} B_{ks} \\\\\n"
            "&= x_{i} + y_{jk}\\end{aligned}$$\n\n$$ a = b_{p} = c_{q} $$\n")  # fmt: skip
    result = check_text("note.md", text)
    note_claims = result.claims

    class Note:  # what _chain_indices reads of a note
        claims = note_claims
        shared: dict = {}

    from derivlint.math.claims import chains_of

    chains = chains_of(note_claims)
    assert sum(len(c) for c in chains.values()) >= 5
    for chain in chains.values():
        for claim in chain:
            assert _chain_indices(Note, claim) == walked(chain, claim), claim

    def cpu(n: int) -> float:
        claims = check_text("note.md", "$$\n\\nabla_{x} (b^T A x) = A b\n" + "&= x_{i} \\\\\n" * n + "$$\n").claims

        class Long:
            shared: dict = {}

        Long.claims = claims
        import gc

        gc.collect()
        gc.disable()  # a collection of what earlier tests left falls anywhere: not the chain's time
        try:
            start = time.process_time()
            for claim in claims:
                _chain_indices(Long, claim)
            return time.process_time() - start
        finally:
            gc.enable()

    # the least of three runs each: a busy machine only ever adds time (process time still counts
    # the cache misses and collections other processes cause)
    small, large = min(cpu(300) for _ in range(3)), min(cpu(1_200) for _ in range(3))
    assert large < 8 * small + 0.05, (small, large)  # linear: about 4 times; quadratic: 16 times


def test_claims_of_a_note_share_a_budget(monkeypatch):
    """A claim's budget is what is left of its note's (NOTE_SECONDS + NOTE_PER_CLAIM per claim)
    when that is less than its own; time spent before a claim's first tick counts; a claim with
    nothing left stops at its first tick, with the note's reason. Fake clock: no timing."""
    from derivlint.check import budget

    now = [100.0]
    monkeypatch.setattr(budget, "_clock", lambda: now[0])
    budget.open_note(claims=200)  # 0.5 + 0.2 s
    try:
        budget.start()
        now[0] += 0.25  # a claim that took its whole budget, without a tick
        budget.stop()
        budget.start()
        now[0] += 0.3  # past its own budget: stops at its next clock reading
        with pytest.raises(budget.OverBudget) as own:
            budget.check()
        budget.stop()
        assert "budget of a claim" in own.value.reason
        budget.start()  # 0.15 s left: the claim gets that, not 0.25 s
        now[0] += 0.2
        with pytest.raises(budget.OverBudget) as shared:
            budget.check()
        budget.stop()
        assert shared.value.reason == budget.NOTE_REASON.format(seconds=0.7)
        budget.start()  # nothing left: the first tick stops it
        with pytest.raises(budget.OverBudget):
            budget.tick()
        budget.stop()
    finally:
        budget.close_note()
    budget.start()  # no note open: a claim's own budget again
    now[0] += 0.2
    budget.check()
    budget.stop()


def test_note_budget_leaves_real_claims_alone_and_stops_a_note_of_slow_claims(monkeypatch):
    """The claims of a note past their shared budget are undecided (never DL199), the ones before
    them decided as usual."""
    from derivlint.check import budget
    from derivlint.engine import check_text

    monkeypatch.setattr(budget, "NOTE_SECONDS", 0.0)
    monkeypatch.setattr(budget, "NOTE_PER_CLAIM", 0.0)
    text = "Let $A, B \\in \\mathbb{R}^{n \\times n}$.\n\n$$(A B)^T = B^T A^T$$\n"
    result = check_text("note.md", text)
    verdicts = [c.verdict for c in result.claims if c.kind != "declaration"]
    assert verdicts and all("shared budget" in v for v in verdicts), verdicts
    monkeypatch.undo()
    result = check_text("note.md", text)
    assert [c.verdict for c in result.claims if c.kind != "declaration"] == ["true"]


def test_exact_value_of_a_wrong_step_has_a_budget(monkeypatch):
    """DL303's exact value runs in a claim's budget (sympy took 1.5 s on fuzz seed 403843):
    past it the finding stays, without a value to offer."""
    from derivlint.check import budget, exact
    from derivlint.engine import check_text

    text = ("With $N = \\begin{bmatrix} 2 & 1 \\\\ 0 & 3 \\end{bmatrix}$ and $v = \\begin{bmatrix} v_1 \\\\ v_2 "
            "\\end{bmatrix}$:\n\n$$\nv^T N v = \\begin{bmatrix} v_1 & v_2 \\end{bmatrix} \\begin{bmatrix} 2 & 1 \\\\ 0 & 3 "
            "\\end{bmatrix} \\begin{bmatrix} v_1 \\\\ v_2 \\end{bmatrix} = 2v_1^2 + 2v_1v_2 + 3v_2^2\n$$\n")  # fmt: skip
    found = [f for f in check_text("note.md", text).findings if f.code == "DL303"]
    assert found and "the left-hand side is" in found[0].message

    def slow(*args, **kwargs):
        raise budget.OverBudget()

    monkeypatch.setattr(exact, "compare", slow)
    found = [f for f in check_text("note.md", text).findings if f.code == "DL303"]
    assert found and "the left-hand side is" not in found[0].message


def test_a_run_of_primes_is_one_name_read_in_a_loop():
    # f followed by 800 primes and (x): the primes of one symbol make its name, with no nesting at all
    from derivlint.math.lexer import lex
    from derivlint.math.parser import sub_parse

    node = sub_parse(lex("f" + "'" * DEEP + "(x)"))
    assert node.func.name == "f" + "'" * DEEP


def test_a_garbage_collection_is_not_the_claims_time(monkeypatch):
    """The collector's pause depends on what the whole process holds (a long test run, a big note):
    it moves the claim's deadline on, and is not taken from the note's budget."""
    from derivlint.check import budget

    now = [100.0]
    monkeypatch.setattr(budget, "_clock", lambda: now[0])
    budget.open_note(0)
    budget.start(0.25)
    budget._collected("start", {})
    now[0] += 5.0  # a long pause of the collector
    budget._collected("stop", {})
    now[0] += 0.1  # the claim's own work
    budget.check()  # no OverBudget: 0.1 s of the claim's 0.25 s
    left = budget._note_left
    budget.stop()
    assert abs((left - budget._note_left) - 0.1) < 1e-9
    budget.close_note()
    budget.start(0.25)
    now[0] += 0.3  # the claim's own work past its budget
    with pytest.raises(budget.OverBudget):
        budget.check()
    budget.stop()


@pytest.mark.parametrize("text, at, word", [
    (r"A(num)", 3, True),        # the u of (num)
    (r"A(denom)", 5, True),
    (r"A x + b", 2, False),      # a letter alone
    (r"Ax", 1, False),           # two letters: a product
    (r"\varepsilon x", 13, False),
    ("x" * 10000, 5000, True),   # a run of letters: a word, found without scanning it all
])
def test_letters_of_a_word_typed_in_math(text, at, word):
    from derivlint.rules.dl501_unintroduced_symbol import _in_word

    assert _in_word(text, at, at + 1) == word
