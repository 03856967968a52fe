"""The extract stage: the math blocks and prose passages of a note, by file type. Entry: ``derivlint.extract.extract``."""

from __future__ import annotations

import os

from derivlint.extract.blocks import Extraction


def extract(path: str, text: str) -> Extraction:
    """Extract a note, choosing the reader by extension (Markdown by default)."""
    ext = os.path.splitext(path)[1].lower()
    if ext == ".ipynb":
        from derivlint.extract.notebook import extract_notebook

        return extract_notebook(path, text)
    if ext == ".tex":
        from derivlint.extract.latex import extract_latex

        return extract_latex(path, text)
    from derivlint.extract.markdown import extract_markdown

    return extract_markdown(path, text)
