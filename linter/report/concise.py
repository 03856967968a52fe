"""The concise format: one ``path:line:column: CODE message`` line per finding."""

from __future__ import annotations

from derivlint.report import position
from derivlint.report.terminal import Paint, escape


def render(findings, context) -> str:
    paint = Paint(getattr(context, "color", False))
    return "\n".join(
        f"{paint('path', position(f))}: {paint(f.severity, f.code)} {escape(f.message)}" for f in findings
    )
