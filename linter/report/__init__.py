"""The report stage: findings rendered as full, concise, json, sarif, github or gitlab. Entry: ``derivlint.report.render``."""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from derivlint.findings import Finding

if TYPE_CHECKING:  # imported where a code frame is drawn: not for concise or machine formats
    from derivlint.source import Source

FORMATS = ("full", "concise", "json", "sarif", "github", "gitlab")
MACHINE_FORMATS = frozenset({"json", "sarif", "github", "gitlab"})

_MODULES = {
    "full": "full",
    "concise": "concise",
    "json": "json_list",
    "sarif": "sarif",
    "github": "github",
    "gitlab": "gitlab",
}


@dataclass
class Context:
    """What renderers may need besides the findings: the notes' texts (read once per run), and
    for the text formats whether to colour (``color``) and the terminal's width (``width``,
    None: no limit). Machine formats never colour."""

    encoding: str | None = None
    color: bool = False
    width: int | None = None
    _texts: dict[str, str | None] = field(default_factory=dict, repr=False)
    _sources: dict[tuple[str, int | None], Source | None] = field(default_factory=dict, repr=False)
    _notebooks: dict[str, object] = field(default_factory=dict, repr=False)

    def provide(self, path: str, text: str | None) -> None:
        """Use ``text`` as the note at ``path`` (one read from standard input, never from disk)."""
        self._texts[path] = text

    def text(self, path: str) -> str | None:
        """The decoded text of a note, or None when it cannot be read."""
        if path not in self._texts:
            from derivlint.files import read_note

            self._texts[path] = read_note(path, self.encoding)[0]
        return self._texts[path]

    def source(self, path: str, cell: int | None = None) -> Source | None:
        """The text a finding's positions refer to: the whole note, or one notebook cell."""
        key = (path, cell)
        if key not in self._sources:
            text = self.text(path)
            if text is not None and cell is not None:
                from derivlint.check.fixes import cell_source

                text = cell_source(text, cell)
            from derivlint.source import Source

            self._sources[key] = None if text is None else Source(path, text, cell=cell)
        return self._sources[key]

    def file_span(self, f: Finding) -> tuple[int, int, int, int]:
        """(line, column, end_line, end_column) of a finding in the file itself: for a notebook
        cell, the lines of the .ipynb JSON that hold it (what CI annotations point at)."""
        own = (f.line, f.column, f.end_line, f.end_column)
        if f.cell is None:
            return own
        if f.path not in self._notebooks:
            from derivlint.report.notebook_positions import NotebookPositions

            text = self.text(f.path)
            self._notebooks[f.path] = None if text is None else NotebookPositions(f.path, text)
        positions = self._notebooks[f.path]
        span = positions.file_span(f.cell, *own) if positions is not None else None
        return span or own

    @property
    def rules(self) -> dict:
        from derivlint.rules import all_rules

        return all_rules()


def render(fmt: str, findings: list[Finding], context: Context | None = None) -> str:
    """The findings in format ``fmt`` (one of FORMATS), without a final newline.

    An empty string means nothing is to be printed (text formats without findings).
    """
    if fmt not in _MODULES:
        raise ValueError(f"unknown output format {fmt!r} (known: {', '.join(FORMATS)})")
    module = importlib.import_module(f"{__name__}.{_MODULES[fmt]}")
    return module.render(findings, context or Context())


def position(f: Finding) -> str:
    """``path:line:column`` (``path:cell N:line:column`` in notebooks), for a terminal: a path
    holding control characters is quoted and escaped."""
    from derivlint.report.terminal import escape_path

    where = f"cell {f.cell}:" if f.cell is not None else ""
    return f"{escape_path(f.path)}:{where}{f.line}:{f.column}"


def located_message(f: Finding) -> str:
    """The message, naming the notebook cell for formats that only know file lines."""
    return f.message if f.cell is None else f"cell {f.cell}: {f.message}"
