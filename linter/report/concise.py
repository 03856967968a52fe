"""The concise format: one ``path:line:column: CODE message`` line per finding."""

from __future__ import annotations

from derivlint.report import position


def render(findings, context) -> str:
    return "\n".join(f"{position(f)}: {f.code} {f.message}" for f in findings)
