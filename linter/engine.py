"""The pipeline for one note: extract math, parse claims, run the rules."""

from __future__ import annotations

from dataclasses import dataclass, field
from collections.abc import Sequence
from typing import TYPE_CHECKING, Callable

from derivlint.findings import Finding

if TYPE_CHECKING:  # not imported at run time: a warm run (every file cached) never reads a note
    from derivlint.extract.blocks import Extraction


@dataclass
class Settings:
    """What a run is configured to do.

    ``select`` None means the default rule set; codes may be prefixes
    ("DL1", "DL3"). ``macros`` maps a name (no backslash) to
    (n_args, default_first_arg or None, body), like document macros.
    ``layout`` is the note's layout from the configuration or --layout:
    auto, numerator, denominator or mixed. For one file, select/extend_select/
    ignore/layout are the effective values (``config.file_settings``). ``tree`` is
    the folder being checked: a LaTeX document reads the files it brings in
    (``\\input`` …) only inside it (None: the document's own folder).
    """

    select: frozenset[str] | None = None
    extend_select: frozenset[str] = frozenset()
    ignore: frozenset[str] = frozenset()
    macros: dict = field(default_factory=dict)
    layout: str = "auto"
    tree: str | None = None

    def enabled(self, code: str, default_enabled: bool) -> bool:
        def matches(patterns) -> bool:
            return any(code.startswith(p) for p in patterns)

        if matches(self.ignore):
            return False
        if self.select is None:
            return default_enabled or matches(self.extend_select)
        return matches(self.select) or matches(self.extend_select)


@dataclass
class Note:
    """Everything known about one note, as the rules see it."""

    path: str
    extraction: Extraction
    claims: list = field(default_factory=list)
    settings: Settings = field(default_factory=Settings)
    context: object | None = None
    shared: dict = field(default_factory=dict)  # what several rules compute once per note (rule.py)
    # files a LaTeX document names but that were not read (missing, a cycle, outside the tree):
    # (source, start, end, message), each one DL100
    unread: list = field(default_factory=list)
    # a note over its budget of claims: (index in extraction.sources, offset) past which nothing
    # is read (a rule that scans the text stops there); None: the whole note is read
    read_to: tuple[int, int] | None = None

    def read_limit(self, index: int, size: int) -> int:
        """How much of the text (of length ``size``) of source ``index`` a rule may scan."""
        if self.read_to is None or index < self.read_to[0]:
            return size
        return min(size, self.read_to[1]) if index == self.read_to[0] else 0


@dataclass
class FileResult:
    """The outcome of checking one file: its findings and its claims."""

    path: str
    findings: list[Finding]
    claims: list

    @property
    def unparsed(self) -> int:
        return sum(1 for c in self._checked if c.kind == "unparsed")

    @property
    def undecided(self) -> int:
        """Claims that get a verdict but are left without a decision (Claim.undecided)."""
        return sum(1 for c in self._checked if c.undecided is not None) + self.too_large

    @property
    def too_large(self) -> int:
        """Math left unchecked because the note is over its budget of claims (``Unchecked``,
        counted among the undecided too)."""
        return len(self.claims.unchecked) if isinstance(self.claims, OverBudgetClaims) else 0

    @property
    def _checked(self) -> list:
        return self.claims.checked if isinstance(self.claims, OverBudgetClaims) else self.claims


class OverBudgetClaims(Sequence):
    """The claims of a note over its budget of claims: those checked, then one ``Unchecked``
    claim per math block after them that may hold a claim, made when asked for (a note of
    10 MB has some 200,000 of them: only their blocks are kept)."""

    def __init__(self, checked: list, unchecked: list, claim_budget: int):
        self.checked = checked
        self.unchecked = unchecked  # the blocks
        from derivlint.check.budget import NOTE_CLAIMS_REASON

        self._verdict = "undecided: " + NOTE_CLAIMS_REASON.format(claims=claim_budget)
        self._class = _unchecked_class()

    def __len__(self) -> int:
        return len(self.checked) + len(self.unchecked)

    def _at(self, i: int):
        if i < len(self.checked):
            return self.checked[i]
        block = self.unchecked[i - len(self.checked)]
        text = block.text  # the claim spans the block's math, without the blanks around it
        start, end = len(text) - len(text.lstrip()), len(text.rstrip())
        return self._class(block=block, start=start, end=max(start, end), kind=UNCHECKED, verdict=self._verdict)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self._at(k) for k in range(*i.indices(len(self)))]
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError(i)
        return self._at(i)

    def __iter__(self):
        yield from self.checked
        for k in range(len(self.unchecked)):
            yield self._at(len(self.checked) + k)


def check_text(path: str, text: str, settings: Settings | None = None, claim_budget: int | None = None) -> FileResult:
    """Check one note given as text; ``path`` picks the format by its extension.

    A note is read up to ``claim_budget`` claims (by default ``budget.note_claims`` of the length
    of its file, or of all the files of a LaTeX document): the math
    blocks after the block that reaches it are not read, each listed as one ``Unchecked`` claim,
    undecided ("note too large: …"), and never the subject of a finding (see ``_over_budget``)."""
    from derivlint.rules import all_rules

    from derivlint.extract import extract

    settings = settings or Settings()
    unread: list = []
    if path.lower().endswith(".tex") and _brings_in(text):  # a LaTeX project: \input … followed
        from derivlint.extract.latex_project import read_project

        project = read_project(path, text, settings.tree)
        extraction, unread = project.extraction, project.problems
    else:
        extraction = extract(path, text)
    note = Note(path=path, extraction=extraction, settings=settings, unread=unread)
    from derivlint.math.claims import claims_of, read_whole_note

    macros = {**settings.macros, **extraction.macros}
    if claim_budget is None:
        from derivlint.check.budget import note_claims

        # the length of the file (a notebook's JSON), or of all the files of a LaTeX document
        claim_budget = note_claims(max(len(text), sum(len(source.text) for source in extraction.sources)))
    unchecked: list = []  # the blocks of a note over its budget after the claims checked
    sources = extraction.sources
    for i, block in enumerate(extraction.blocks):
        if len(note.claims) >= claim_budget:
            head = _head(extraction, i)
            unchecked = _over_budget(extraction.blocks, i, {id(p) for p in head.passages})
            note.extraction = extraction = head
            note.read_to = _read_to(head)
            break
        note.claims.extend(claims_of(block, macros))
    # readings of the whole note, in this order (their scans of every node: one walk):
    # P_k^{-T} where the note writes P_k^- (read_prior_transposes); d(AXB) = A dX B: the differential,
    # chain by chain (read_italic_differentials); x^t where the note counts with t: the t-th iterate
    # (read_time_superscripts); \det(X_{n×n}): X, n×n in that formula (read_size_subscripts);
    # r^H(x) where the note applies r: (r(x))ᴴ (read_transposed_calls)
    read_whole_note(note.claims)
    from derivlint.context import build_context

    note.context = build_context(extraction, note.claims, macros)
    if _needs_truth(settings):
        from derivlint.check.truth import analyse_claims

        analyse_claims(note.claims, note.context, settings.layout)
    findings: list[Finding] = []
    for code, rule_cls in all_rules().items():
        # a derivlint bug, or a file a LaTeX document names that was not read: as the CLI's DL100
        always = code in ("DL199", "DL100") and not any(code.startswith(p) for p in settings.ignore)
        if always or settings.enabled(code, rule_cls.default_enabled):
            findings.extend(rule_cls().check(note))
    findings.sort(key=Finding.sort_key)
    from derivlint.suppressions import apply_suppressions

    others = {s.path: s.text for s in extraction.sources if s.path != path}
    if others:  # files a LaTeX document brings in: the suppression comments of each apply to it
        kept = apply_suppressions(path, text, [f for f in findings if f.path not in others], settings)
        for other, other_text in others.items():
            kept += apply_suppressions(other, other_text, [f for f in findings if f.path == other], settings)
        findings = sorted(kept, key=Finding.sort_key)
    else:
        findings = apply_suppressions(path, text, findings, settings)
    if unchecked:  # a suppression comment past the math read suppressed nothing: not unused
        past = _past(sources, unchecked[0])
        findings = [f for f in findings if f.code != "DL590" or not past(f)]
    from derivlint.math.lexer import forget

    forget()  # the note's tokens go with it (memory: see lexer.forget)
    claims = OverBudgetClaims(note.claims, unchecked, claim_budget) if unchecked else note.claims
    return FileResult(path=path, findings=findings, claims=claims)


def _head(extraction: Extraction, cut: int) -> Extraction:
    """The extraction as far as a note over its budget is read: the blocks before ``cut``, and
    the passages up to the one of the last of them and two more (a paragraph after a formula
    may speak of it: "This requires $A$ to be symmetric."), in reading order. The context and
    the rules read only these; the document's problems (an unclosed ``$$``) are all kept."""
    from dataclasses import replace

    order = {id(source): k for k, source in enumerate(extraction.sources)}
    # the furthest block read, in the order of the sources (a LaTeX document's files are read
    # where they are brought in, but the context orders its passages file by file)
    end = max((order.get(id(b.source), 0), b.start) for b in extraction.blocks[:cut])
    passages = sorted(extraction.passages, key=lambda p: (order.get(id(p.source), len(order)), p.start))
    kept = sum(1 for p in passages if (order.get(id(p.source), len(order)), p.start) <= end)
    return replace(extraction, blocks=extraction.blocks[:cut], passages=passages[: kept + 2])


def _read_to(head: Extraction) -> tuple[int, int]:
    """Where the reading of a note over its budget stops: the end of the last passage (or block)
    of its ``_head``, as (index of its source, offset)."""
    order = {id(source): k for k, source in enumerate(head.sources)}
    at, end = max((order.get(id(b.source), 0), b.end) for b in head.blocks)
    if head.passages:
        passage = head.passages[-1]
        k = order.get(id(passage.source), 0)
        if k > at or (k == at and passage.end > end):
            at, end = k, passage.end
    return at, end


def _past(sources: list, first) -> Callable[[Finding], bool]:
    """Whether a finding stands at or after block ``first`` (of ``sources``, in reading order)."""
    order = {source.path: k for k, source in enumerate(sources)}  # a LaTeX document's files
    at = order.get(first.source.path, 0)
    line, column = first.line_col(0)
    where = (first.source.cell or 0, line, column)

    def past(finding: Finding) -> bool:
        k = order.get(finding.path, len(order))
        if k != at:
            return k > at
        return (finding.cell or 0, finding.line, finding.column) >= where

    return past


UNCHECKED = "unchecked"  # the kind of a claim past its note's budget (``Unchecked``)


def _over_budget(blocks: list, first: int, read: set) -> list:
    """The blocks from ``first`` on, of a note that has reached its budget of claims, that may
    hold a claim (a relation in the text; the test is textual: nothing is parsed). Each stands
    for one ``Unchecked`` claim (``OverBudgetClaims``). They are listed after the rules have run, so
    no rule, no context and no check ever sees them: their math is only listed and counted.
    Their passages are let go (a listing needs none), but those the context still reads (``read``)."""
    may_relate = _may_relate()
    kept = []
    for block in blocks[first:]:
        if block.passage is not None and id(block.passage) not in read:
            block.passage = None
        if may_relate(block.text):
            kept.append(block)
    return kept


_UNCHECKED_CLASS: type | None = None


def _unchecked_class() -> type:
    """``Unchecked``, the claim a math block of a note over its budget stands for, made on first
    use (it subclasses ``Claim``, which a warm run never imports), named ``engine.Unchecked``."""
    global _UNCHECKED_CLASS
    if _UNCHECKED_CLASS is None:
        from derivlint.math.claims import Claim

        class Unchecked(Claim):
            """A math block of a note over its budget of claims: not read (no tree), undecided."""

            @property
            def parsed(self) -> str | None:
                return None

            @property
            def has_derivative(self) -> bool:
                return False

        Unchecked.__module__, Unchecked.__qualname__ = __name__, "Unchecked"
        _UNCHECKED_CLASS = Unchecked
    return _UNCHECKED_CLASS


def __getattr__(name: str):
    if name == "Unchecked":
        return _unchecked_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _may_relate():
    """A test of whether a math text may hold a claim: a relation character or command in it."""
    import re

    from derivlint.math.parser import RELATIONS

    commands = sorted((name for name in RELATIONS if name.isalpha()), key=len, reverse=True)
    pattern = re.compile(r"[=<>:≤≥≠≈∈→←≡∼⊂⊆∝]|\\(?:" + "|".join(commands) + r")(?![A-Za-z])")
    return lambda text: pattern.search(text) is not None


def _brings_in(text: str) -> bool:
    """Whether a LaTeX text may bring other files in (a cheap test before importing the reader)."""
    if "\\input" not in text and "\\include" not in text and "\\subfile" not in text \
            and "import" not in text and "\\usepackage" not in text and "\\RequirePackage" not in text:
        return False
    from derivlint.extract.latex_project import brings_in

    return brings_in(text)


def preload(settings: Settings | None = None) -> None:
    """Import what ``check_text`` will need (numpy included when the truth stage runs): done
    once in a parent process before it forks workers, it is not done again in each of them."""
    from derivlint.rules import all_rules

    from derivlint import context  # noqa: F401
    from derivlint.math import claims  # noqa: F401
    from derivlint.extract import markdown  # noqa: F401

    if _needs_truth(settings or Settings()):
        from derivlint.check import numeric, truth  # noqa: F401
    all_rules()


def _needs_truth(settings: Settings) -> bool:
    """Shapes and truth run when any DL2xx–DL5xx rule is enabled."""
    from derivlint.rules import all_rules

    return any(
        settings.enabled(code, rule.default_enabled)
        for code, rule in all_rules().items()
        if code[:3] in ("DL2", "DL3", "DL4", "DL5") and code != "DL590"
    )
