"""The base class of rules and the helpers they use to make findings."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, Iterator

from derivlint.findings import Finding, Fix

if TYPE_CHECKING:  # annotations only: a warm run lists the rules' codes without reading notes
    from derivlint.extract.blocks import MathBlock
    from derivlint.source import Source


class Rule:
    """A rule. Subclasses set the class attributes and implement ``check``.

    The subclass docstring is the rule's documentation, in four sections:
    ``What it does``, ``Why is this bad?``, ``Example``, ``Use instead``.
    """

    code: ClassVar[str]
    name: ClassVar[str]  # kebab-case
    summary: ClassVar[str]  # one line
    severity: ClassVar[str] = "error"  # error | warning | info
    fixable: ClassVar[bool] = False
    default_enabled: ClassVar[bool] = True

    # Whether the rule's findings need a certain reading of the claim they sit in (see
    # derivlint.check.reading): true for every DL2xx–DL5xx rule unless the rule says otherwise.
    needs_certain_reading: ClassVar[bool | None] = None

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        own = cls.__dict__.get("check")
        if own is not None and not getattr(own, "_gated", False):
            cls.check = _gated_check(own)

    def check(self, note) -> Iterator[Finding]:  # note: derivlint.engine.Note
        return iter(())

    def gated(self) -> bool:
        """Whether findings of this rule inside an uncertain claim are dropped."""
        if self.needs_certain_reading is not None:
            return self.needs_certain_reading
        code = getattr(self, "code", "")
        return len(code) == 5 and code[:2] == "DL" and code[2] in "2345"

    # helpers -------------------------------------------------------------
    def at_block(
        self, block: MathBlock, start: int, end: int, message: str, fix: Fix | None = None
    ) -> Finding:
        """A finding over block-text indices [start, end); without its fix in math escaped for a Markdown
        converter (the replacement would have to be escaped the same way)."""
        if block.escaped:
            fix = None
        line, col = block.line_col(start)
        end_line, end_col = block.end_line_col(max(end, start + 1))
        return self._make(block.source, line, col, end_line, end_col, message, fix)

    def at_source(
        self, source: Source, start: int, end: int, message: str, fix: Fix | None = None
    ) -> Finding:
        """A finding over source-text offsets [start, end)."""
        line, col = source.line_col(start)
        if end > start:
            end_line, end_col = source.line_col(end - 1)
            end_col += 1
        else:
            end_line, end_col = line, col + 1
        return self._make(source, line, col, end_line, end_col, message, fix)

    def _make(self, source, line, col, end_line, end_col, message, fix) -> Finding:
        return Finding(
            path=source.path,
            line=line,
            column=col,
            end_line=end_line,
            end_column=end_col,
            code=self.code,
            name=self.name,
            severity=self.severity,
            message=" ".join(message.split()),  # one line, whatever the quoted math spans
            fix=fix,
            cell=source.cell,
        )


def _gated_check(check):
    """``check`` with the one gate every error rule goes through: a finding that falls inside
    a claim without a certain reading (claim.facts["reading"], set by derivlint.check.truth)
    is dropped, whatever the rule, so that a new rule cannot skip the gate — unless a claim with
    a certain reading found false holds it too (a chain's step and the equation after it share
    the expression: the step's reading stands for it)."""

    def gated_check(self, note) -> Iterator[Finding]:
        found = check(self, note)
        if not self.gated():
            yield from found
            return
        spans = None
        for finding in found:
            if spans is None:
                uncertain, certain = spans = _claim_spans(note)
            where = (finding.path, finding.cell)
            if not any(_inside(finding, span) for span in uncertain.get(where, ())) or any(
                    _inside(finding, span) for span in certain.get(where, ())):
                yield finding  # a certain claim holds it too: -2Hᵀ(V−WH) … of ∂f/∂W = …, then "… = 0"

    gated_check._gated = True
    gated_check.__doc__ = check.__doc__
    gated_check.__wrapped__ = check
    return gated_check


def _claim_spans(note) -> tuple[dict, dict]:
    """(path, cell) -> [(line, col, end_line, end_col)] of the note's claims without a certain reading,
    and the same of those decided with one and found false, a shape error or true in one layout only."""
    uncertain: dict = {}
    certain: dict = {}
    for claim in getattr(note, "claims", ()):
        verdict = claim.verdict or ""
        if claim.facts.get("reading"):
            spans = uncertain
        elif verdict == "shape error" or verdict.startswith(("false", "true only in")):
            spans = certain
        else:
            continue
        source = claim.block.source
        spans.setdefault((source.path, source.cell), []).append(claim.position())
    return uncertain, certain


def _inside(finding: Finding, span) -> bool:
    line, col, end_line, end_col = span
    return (line, col) <= (finding.line, finding.column) < (end_line, end_col + 1)


class ShapeErrorRule(Rule):
    """A rule reporting the shape errors of one kind that inference found
    (``claim.facts["shape_errors"]``), once per span."""

    error_kind: ClassVar[str]

    def check(self, note) -> Iterator[Finding]:
        first = note.shared.get("shape_mistakes")  # one pass for the five shape rules, not one each
        if first is None:
            first = note.shared["shape_mistakes"] = _first_of_each_mistake(note)
        for claim, error in first:
            if error.kind == self.error_kind:
                text = claim.block.text[error.start : error.end].strip()
                yield self.at_block(claim.block, error.start, error.end, f"{text}: {error.message}")


def _lone_sizes(note) -> frozenset:
    """The named sizes that appear in one declared shape only (every symbol declared with
    them has that same shape): nothing else in the note confirms such a size."""
    context = note.context
    shapes: dict[str, set] = {}
    for d in getattr(context, "declarations", ()) if context is not None else ():
        for size in d.shape or ():
            if isinstance(size, str) and size.isidentifier():
                shapes.setdefault(size, set()).add(tuple(str(s) for s in d.shape))
    return frozenset(size for size, found in shapes.items() if len(found) == 1)


def _first_of_each_mistake(note) -> list:
    """The note's shape errors (claim, error) that are not consequences of an earlier one,
    in text order, over every kind. The same product written again where the same
    declarations hold (its section and the subsections under it) is reported at its first
    place; within one formula, another product or trace that fails on the same two sizes is
    the same wrong size (V declared n×k breaks both UCV and VA⁻¹ of the Woodbury formula;
    A ∈ ℝ^{p×m}, B ∈ ℝ^{n×q} break both tr(AXB) and AᵀBᵀ). Formulas of their own (list
    items, later displays) may be separate slips and keep their findings, unless one of the
    two sizes is one that a single declared shape alone has ("x, b are b×1 vectors" beside
    an n×n A): then that declaration is the likelier mistake, every formula using the symbol
    fails on the same two sizes, and only the first is reported. Each error is kept once per
    span and kind."""
    errors, seen, blocks = [], set(), {}
    for claim in note.claims:
        for error in claim.facts.get("shape_errors", ()):
            key = (id(claim.block), error.start, error.end, error.kind)
            if key not in seen:
                seen.add(key)
                order = blocks.setdefault(id(claim.block), len(blocks))  # claims come in text order
                errors.append(((order, error.start), claim, error))
    errors.sort(key=lambda e: e[0])
    lone = _lone_sizes(note) if errors else frozenset()
    said: dict[tuple, list[tuple[str, ...]]] = {}
    first = []
    for _, claim, error in errors:
        passage = claim.block.passage
        path = passage.headings if passage is not None else ()
        text = claim.block.text[error.start : error.end].strip()
        keys = [("same", "".join(text.split()), error.message)]
        if error.conflict:  # within one formula: the same wrong size
            keys.append(("sizes", id(claim.block), error.conflict))
            if error.conflict & lone:  # across formulas: the one declaration that has that size
                keys.append(("declared", error.conflict))
        repeat = any(path[: len(before)] == before for k in keys for before in said.get(k, ()))
        for k in keys:  # a repeat's own repeats are repeats too
            said.setdefault(k, []).append(path)
        if not repeat:
            first.append((claim, error))
    return first
