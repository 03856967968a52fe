"""The github format: GitHub Actions workflow commands, which annotate the lines of a pull request."""

from __future__ import annotations

from . import located_message

LEVELS = {"error": "error", "warning": "warning", "info": "notice"}


def escape_data(text: str) -> str:
    """A workflow command's message: ``%``, CR and LF are percent-encoded."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A workflow command's property value: as data, and ``:`` and ``,`` too."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(f) -> str:
    """One ``::error file=…,line=…,col=…,endLine=…,endColumn=…,title=…::message`` line."""
    level = LEVELS.get(f.severity, "error")
    props = {
        "file": f.path.replace("\\", "/"),
        "line": str(f.line),
        "col": str(f.column),
        "endLine": str(f.end_line),
        "endColumn": str(f.end_column),
        "title": f"{f.code} {f.name}",
    }
    joined = ",".join(f"{key}={escape_property(value)}" for key, value in props.items())
    return f"::{level} {joined}::{escape_data(located_message(f))}"


def render(findings, context) -> str:
    return "\n".join(command(f) for f in findings)
