"""Findings: what a rule reports, positioned in the original file."""

from __future__ import annotations

from dataclasses import asdict, dataclass

SAFE = "safe"
UNSAFE = "unsafe"
APPLICABILITIES = (SAFE, UNSAFE)


@dataclass(frozen=True)
class Fix:
    """A replacement of the span [start, end) (offsets in the source text) by ``text``.

    ``applicability`` is "safe" or "unsafe", as in ruff: ``--fix`` applies safe
    fixes only; an unsafe one (it rests on an inferred layout, a guessed shape
    or an assumption the note does not state) needs ``--unsafe-fixes``.
    """

    title: str
    text: str
    start: int
    end: int
    applicability: str = SAFE

    def __post_init__(self) -> None:
        if self.applicability not in APPLICABILITIES:
            raise ValueError(f"a fix is safe or unsafe, not {self.applicability!r}")

    @property
    def is_safe(self) -> bool:
        return self.applicability == SAFE

    def unsafe(self) -> "Fix":
        """This fix marked unsafe."""
        return Fix(self.title, self.text, self.start, self.end, UNSAFE)


@dataclass(frozen=True)
class Finding:
    """One finding. Lines and columns are 1-based; ``end_column`` is exclusive.

    ``cell`` is the 1-based notebook cell the position is in (None elsewhere);
    ``line`` then counts within that cell.
    """

    path: str
    line: int
    column: int
    end_line: int
    end_column: int
    code: str
    name: str
    severity: str
    message: str
    fix: Fix | None = None
    cell: int | None = None

    def sort_key(self) -> tuple:
        return (self.path, self.cell or 0, self.line, self.column, self.code, self.message)

    def to_dict(self) -> dict:
        """Every field (the fix's offsets too), for an exact round trip through JSON."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "Finding":
        """The finding ``to_dict`` gave; raises TypeError/KeyError on a malformed dict."""
        fix = data.get("fix")
        return cls(**{**data, "fix": Fix(**fix) if fix is not None else None})

    def to_json(self) -> dict:
        return {
            "path": self.path,
            "cell": self.cell,
            "line": self.line,
            "column": self.column,
            "end_line": self.end_line,
            "end_column": self.end_column,
            "code": self.code,
            "name": self.name,
            "severity": self.severity,
            "message": self.message,
            "fix": None
            if self.fix is None
            else {"title": self.fix.title, "replacement": self.fix.text, "applicability": self.fix.applicability},
        }
