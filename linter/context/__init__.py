"""The context stage: what a note declares (shapes, properties, definitions, values,
layouts), in math and in prose, scoped by chapter, section, list item and table row."""

from derivlint.context.core import Context, build_context
from derivlint.context.mathdecl import expression_of
from derivlint.context.model import Declaration, Dim, Facts, LayoutStatement, ProseStatement, Scope, Shape, kind_of_shape

__all__ = ["Context", "Declaration", "Dim", "Facts", "LayoutStatement", "ProseStatement", "Scope", "Shape",
           "build_context", "expression_of", "kind_of_shape"]  # fmt: skip
