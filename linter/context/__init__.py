"""The context stage: what a note declares in math and prose, and where. Entry: ``derivlint.context.build_context``.

Shapes, properties, definitions, values and layouts, scoped by chapter, section, list item
and table row.
"""

from derivlint.context.core import Context, build_context
from derivlint.context.mathdecl import expression_of
from derivlint.context.model import Declaration, Dim, Facts, LayoutStatement, ProseStatement, Scope, Shape, kind_of_shape

__all__ = ["Context", "Declaration", "Dim", "Facts", "LayoutStatement", "ProseStatement", "Scope", "Shape",
           "build_context", "expression_of", "kind_of_shape"]  # fmt: skip
