"""Issue 13, point 1: a false verdict resting on guessed shapes, or on an equation the note
solves, is undecided with its reason; falsity on a certain reading is still reported."""

from __future__ import annotations

from pathlib import Path

from derivlint.engine import check_text

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "markdown"


def _claims(name: str):
    path = FIXTURES / name
    return check_text(str(path), path.read_text(encoding="utf-8")).claims


def _line(claim) -> int:
    return claim.position()[0]


def _at(claims, line: int, kind: str | None = None):
    found = [c for c in claims if _line(c) == line and (kind is None or c.kind == kind)]
    assert found, f"no claim on line {line}"
    return found


def test_steps_after_a_gradient_set_to_zero_are_equations():
    claims = _claims("guessed_silent.md")
    condition = next(c for c in claims if c.kind == "equality" and _line(c) == 9)
    assert condition.verdict.startswith("undecided")
    for line in (10, 11):
        (step,) = _at(claims, line, "equality")
        assert step.verdict.startswith("undecided"), step.verdict
        assert "equation" in step.facts["outcome"].reason


def test_false_only_under_guessed_shapes_is_undecided_with_the_letters():
    claims = _claims("guessed_silent.md")
    (claim,) = _at(claims, 34, "derivative")  # r · k with nothing declared: k guessed a column
    assert claim.verdict.startswith("undecided"), claim.verdict
    assert claim.facts["outcome"].reason == "false only under guessed shapes: k"
    assert claim.facts["reading"] == claim.facts["outcome"].reason  # the rules' gate sees it too


def test_no_finding_in_the_silent_fixtures():
    for name in ("guessed_silent.md", "guessed_rebinding.md"):
        path = FIXTURES / name
        result = check_text(str(path), path.read_text(encoding="utf-8"))
        assert [f.code for f in result.findings] == [], name


def test_certain_mistakes_are_still_reported():
    path = FIXTURES / "guessed_found.md"
    result = check_text(str(path), path.read_text(encoding="utf-8"))
    assert sorted((f.line, f.code) for f in result.findings) == [(8, "DL301"), (10, "DL304"), (16, "DL301"), (22, "DL301")]


def test_a_gradient_variable_is_never_read_as_a_scalar():
    from derivlint.check.reading import _vectors_by_use
    from derivlint.math.lexer import lex
    from derivlint.math.parser import sub_parse

    tree = sub_parse(lex(r"\nabla_x \|Mx - y\|_2^2"))
    assert {"x", "y"} <= _vectors_by_use(tree)
    assert _vectors_by_use(sub_parse(lex(r"\nabla_w (c w)"))) == {"w"}  # c may be a scalar


def test_a_later_vector_declaration_ends_an_earlier_definition():
    from derivlint.context import build_context
    from derivlint.extract import extract
    from derivlint.math.claims import claims_of

    path = FIXTURES / "guessed_rebinding.md"
    extraction = extract(str(path), path.read_text(encoding="utf-8"))
    claims = [c for b in extraction.blocks for c in claims_of(b, extraction.macros)]
    context = build_context(extraction, claims, extraction.macros)
    example = [c for c in claims if c.kind == "derivative"][-1]
    facts = context.facts("q", example)
    assert facts.shape == ("n", 1)
    assert facts.value is None  # q = ap + c belongs to the line, not to the example's variable
    line = next(c for c in claims if c.kind == "equality" and "q - f(p_0)" in c.block.text)
    assert context.facts("q", line).value is not None  # before the example the definition holds
