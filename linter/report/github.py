"""The github format: GitHub Actions workflow commands, which annotate the lines of a pull request."""

from __future__ import annotations

from derivlint.report import located_message

LEVELS = {"error": "error", "warning": "warning", "info": "notice"}


def escape_data(text: str) -> str:
    """A workflow command's message: ``%``, CR and LF are percent-encoded."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A workflow command's property value: as data, and ``:`` and ``,`` too."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(f, context=None) -> str:
    """One ``::error file=…,line=…,col=…,endLine=…,endColumn=…,title=…::message`` line
    (lines of the file: a notebook cell's finding points at the .ipynb lines that hold it)."""
    level = LEVELS.get(f.severity, "error")
    line, column, end_line, end_column = context.file_span(f) if context is not None else (
        f.line, f.column, f.end_line, f.end_column)  # fmt: skip
    props = {
        "file": f.path.replace("\\", "/"),
        "line": str(line),
        "col": str(column),
        "endLine": str(end_line),
        "endColumn": str(end_column),
        "title": f"{f.code} {f.name}",
    }
    joined = ",".join(f"{key}={escape_property(value)}" for key, value in props.items())
    return f"::{level} {joined}::{escape_data(located_message(f))}"


def render(findings, context) -> str:
    return "\n".join(command(f, context) for f in findings)
