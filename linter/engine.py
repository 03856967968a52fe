"""The pipeline for one note: extract math, parse claims, run the rules."""

from __future__ import annotations

from dataclasses import dataclass, field

from .blocks import Extraction
from .findings import Finding


@dataclass
class Settings:
    """What a run is configured to do.

    ``select`` None means the default rule set; codes may be prefixes
    ("DL1", "DL3"). ``macros`` maps a name (no backslash) to
    (n_args, default_first_arg or None, body), like document macros.
    """

    select: frozenset[str] | None = None
    extend_select: frozenset[str] = frozenset()
    ignore: frozenset[str] = frozenset()
    macros: dict = field(default_factory=dict)

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


@dataclass
class FileResult:
    """The outcome of checking one file: its findings and its claims."""

    path: str
    findings: list[Finding]
    claims: list

    @property
    def unparsed(self) -> int:
        return sum(1 for c in self.claims if c.kind == "unparsed")


def check_text(path: str, text: str, settings: Settings | None = None) -> FileResult:
    """Check one note given as text; ``path`` picks the format by its extension."""
    from rules import all_rules

    from .extract import extract

    settings = settings or Settings()
    extraction = extract(path, text)
    note = Note(path=path, extraction=extraction, settings=settings)
    try:
        from .claims import claims_of
    except ImportError:  # the parser is not there yet
        claims_of = None
    if claims_of is not None:
        macros = {**settings.macros, **extraction.macros}
        for block in extraction.blocks:
            note.claims.extend(claims_of(block, macros))
    findings: list[Finding] = []
    for code, rule_cls in all_rules().items():
        if settings.enabled(code, rule_cls.default_enabled):
            findings.extend(rule_cls().check(note))
    findings.sort(key=Finding.sort_key)
    return FileResult(path=path, findings=findings, claims=note.claims)
