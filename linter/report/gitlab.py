"""The gitlab format: a GitLab Code Quality report (a JSON list of issues)."""

from __future__ import annotations

import hashlib
import json

from derivlint.report import located_message

SEVERITIES = {"error": "major", "warning": "minor", "info": "info"}


def fingerprint(path: str, code: str, message: str, occurrence: int) -> str:
    """A stable identity of an issue: its file, rule, message and how many alike came before.

    The line is left out on purpose, so an issue keeps its fingerprint when
    lines are added above it.
    """
    key = "\0".join((path.replace("\\", "/"), code, message, str(occurrence)))
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def issues(findings, context=None) -> list[dict]:
    seen: dict[tuple[str, str, str], int] = {}
    out = []
    for f in findings:
        message = located_message(f)
        path = f.path.replace("\\", "/")
        key = (path, f.code, message)
        occurrence = seen.get(key, 0)
        line, _, end_line, _ = context.file_span(f) if context is not None else (f.line, 0, f.end_line, 0)
        seen[key] = occurrence + 1
        out.append(
            {
                "description": f"{f.code} {message}",
                "check_name": f.code,
                "fingerprint": fingerprint(path, f.code, message, occurrence),
                "severity": SEVERITIES.get(f.severity, "major"),
                "location": {"path": path, "lines": {"begin": line, "end": max(end_line, line)}},
            }
        )
    return out


def render(findings, context) -> str:
    return json.dumps(issues(findings, context), ensure_ascii=False, indent=2)
