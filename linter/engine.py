"""The pipeline for one note: extract math, parse claims, run the rules."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

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


@dataclass
class FileResult:
    """The outcome of checking one file: its findings and its claims."""

    path: str
    findings: list[Finding]
    claims: list

    @property
    def unparsed(self) -> int:
        return sum(1 for c in self.claims if c.kind == "unparsed")

    @property
    def undecided(self) -> int:
        """Claims that get a verdict but are left without a decision (Claim.undecided)."""
        return sum(1 for c in self.claims if c.undecided is not None)


def check_text(path: str, text: str, settings: Settings | None = None) -> FileResult:
    """Check one note given as text; ``path`` picks the format by its extension."""
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
    from derivlint.math.claims import claims_of, read_prior_transposes

    macros = {**settings.macros, **extraction.macros}
    for block in extraction.blocks:
        note.claims.extend(claims_of(block, macros))
    read_prior_transposes(note.claims)  # P_k^{-T} where the note writes P_k^-: a reading of the whole note
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
    from derivlint.math.lexer import forget

    forget()  # the note's tokens go with it (memory: see lexer.forget)
    return FileResult(path=path, findings=findings, claims=note.claims)


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
