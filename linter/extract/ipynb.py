"""The cells of a Jupyter notebook's JSON and their text, numbered as everywhere in derivlint (1, 2 … over all cells)."""

from __future__ import annotations

import json

# Longest integer read from a notebook's JSON: below Python's int-conversion limit (4,300 digits),
# which would otherwise raise a ValueError that is no JSON error (an ``nbformat`` of 5,000 digits).
MAX_INT_DIGITS = 4000


def load_notebook_json(text: str) -> object:
    """``json.loads`` for a notebook: an integer of more than MAX_INT_DIGITS digits is a
    JSONDecodeError at its position (the note's problem, with a clear message), never a crash."""

    def parse_int(digits: str) -> int:
        if len(digits.lstrip("-")) > MAX_INT_DIGITS:
            where = max(text.find(digits), 0)
            raise json.JSONDecodeError(
                f"a number of {len(digits.lstrip('-')):,} digits; at most {MAX_INT_DIGITS:,} are read", text, where
            )
        return int(digits)

    return json.loads(text, parse_int=parse_int)


def notebook_cells(notebook: object) -> list | None:
    """The cells of nbformat 4 (``cells``) or nbformat 3 (every worksheet's ``cells``), as the
    extractor numbers them; None when this is not a notebook."""
    if not isinstance(notebook, dict):
        return None
    cells = notebook.get("cells")
    if cells is None and isinstance(notebook.get("worksheets"), list):
        sheets = [sheet for sheet in notebook["worksheets"] if isinstance(sheet, dict)]
        cells = [cell for sheet in sheets for cell in (sheet.get("cells") or [])]
    return cells if isinstance(cells, list) else None


def cell_text(cell: object) -> str:
    """The source of a cell as one string (nbformat stores a string or a list of lines)."""
    source = cell.get("source", "") if isinstance(cell, dict) else ""
    if isinstance(source, str):
        return source
    if isinstance(source, list):
        return "".join(part for part in source if isinstance(part, str))
    return ""
