"""Where each character of a notebook cell's source sits in the .ipynb file: file lines for CI annotations."""

from __future__ import annotations

import json
from json import decoder, scanner

from derivlint.extract.ipynb import notebook_cells
from derivlint.source import Source


class _Located(str):
    """A JSON string value that remembers the file offset just after its opening quote."""

    pos: int = -1


def _parse_string(text: str, end: int, strict: bool = True):
    value, after = decoder.scanstring(text, end, strict)
    located = _Located(value)
    located.pos = end
    return located, after


def _load_located(text: str):
    """``json.loads`` whose string values carry their offsets (the pure-Python scanner)."""
    reader = json.JSONDecoder()
    reader.parse_string = _parse_string
    reader.scan_once = scanner.py_make_scanner(reader)
    return reader.decode(text)


def _spans(text: str, value: _Located) -> list[tuple[int, int]]:
    """The file span of each character of ``value``: an escape (``\\n``, ``\\u00e9``) is several
    characters of the file; a character outside the BMP may be a pair of ``\\u`` escapes."""
    spans = []
    i = value.pos
    for ch in value:
        start = i
        if text[i] == "\\":
            i += 6 if text[i + 1] == "u" else 2
            if ord(ch) > 0xFFFF and text.startswith("\\u", i):
                i += 6  # the low surrogate of the pair
        else:
            i += 1
        spans.append((start, i))
    return spans


class NotebookPositions:
    """File positions of the Markdown cells of one notebook (cells numbered as the extractor does)."""

    def __init__(self, path: str, text: str):
        self.file = Source(path, text)
        self._cells: dict[int, tuple[Source, list[tuple[int, int]]]] = {}
        bom = 1 if text.startswith("\ufeff") else 0
        try:
            cells = notebook_cells(_load_located(text[bom:]))
        except (ValueError, RecursionError):
            cells = None
        for number, cell in enumerate(cells or [], start=1):
            source = cell.get("source") if isinstance(cell, dict) else None
            parts = [source] if isinstance(source, str) else source if isinstance(source, list) else []
            if not all(isinstance(p, _Located) for p in parts):
                continue
            spans = [(a + bom, b + bom) for p in parts for a, b in _spans(text[bom:], p)]
            self._cells[number] = (Source(path, "".join(parts), cell=number), spans)

    def file_span(self, cell: int, line: int, column: int, end_line: int, end_column: int):
        """(line, column, end_line, end_column) in the file for a cell-relative span, or None."""
        found = self._cells.get(cell)
        if found is None:
            return None
        source, spans = found
        if not spans or not (1 <= line <= source.line_count and 1 <= end_line <= source.line_count):
            return None
        start = min(source.line_start(line) + column - 1, len(spans) - 1)
        last = min(max(source.line_start(end_line) + end_column - 2, start), len(spans) - 1)
        first_line, first_column = self.file.line_col(spans[start][0])
        last_line, last_column = self.file.line_col(spans[last][1] - 1)
        return first_line, first_column, last_line, last_column + 1
