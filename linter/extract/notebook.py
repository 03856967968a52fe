"""Jupyter extractor: the Markdown cells of a notebook, each read as its own Source."""

from __future__ import annotations

import json

from derivlint.extract.blocks import Extraction
from derivlint.extract.ipynb import cell_text, load_notebook_json, notebook_cells
from derivlint.source import Source
from derivlint.extract.markdown import Outline, extract_source


def extract_notebook(path: str, text: str) -> Extraction:
    """Math of every Markdown cell; cells are numbered 1, 2 … among all cells, as Jupyter does.

    Headings carry over from one cell to the next. A file that is not a
    notebook gives one problem and no blocks; this never raises.
    """
    bom = 1 if text.startswith("\ufeff") else 0
    try:
        notebook = load_notebook_json(text[bom:])
    except json.JSONDecodeError as err:
        raw = Source(path, text)
        line, column = raw.line_col(err.pos + bom)
        message = f"not a readable notebook: invalid JSON at line {line} column {column} ({err.msg})"
        return _broken(raw, err.pos + bom, message)
    except RecursionError:
        return _broken(Source(path, text), 0, "not a readable notebook: JSON nested too deeply")
    cells = notebook_cells(notebook)
    if cells is None:
        return _broken(Source(path, text), 0, "not a notebook: no list of cells in the JSON")
    result = Extraction(sources=[], passages=[], blocks=[])
    outline = Outline()
    for number, cell in enumerate(cells, start=1):
        if not isinstance(cell, dict) or cell.get("cell_type") != "markdown":
            continue
        part = extract_source(Source(path, cell_text(cell), cell=number), outline)
        result.sources.extend(part.sources)
        result.passages.extend(part.passages)
        result.blocks.extend(part.blocks)
        result.problems.extend(part.problems)
        result.macros.update(part.macros)
    return result


def _broken(raw: Source, offset: int, message: str) -> Extraction:
    start = min(offset, len(raw.text))
    end = min(start + 1, len(raw.text))
    return Extraction(sources=[raw], passages=[], blocks=[], problems=[(raw, start, end, message)])
