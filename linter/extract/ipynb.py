"""The cells of a Jupyter notebook's JSON and their text, numbered as everywhere in derivlint (1, 2 … over all cells)."""

from __future__ import annotations


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
