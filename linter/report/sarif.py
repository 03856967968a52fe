"""The sarif format: a SARIF 2.1.0 log with one run, the rule catalogue and the results."""

from __future__ import annotations

import json
import os
from pathlib import Path
from urllib.parse import quote

from derivlint import __version__
from derivlint.source import Source
from derivlint.report import located_message

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://pypi.org/project/derivlint/"
SRCROOT = "%SRCROOT%"
LEVELS = {"error": "error", "warning": "warning", "info": "note"}


def artifact_location(path: str) -> dict:
    """A relative path against %SRCROOT% (the working folder); an absolute one as a file URI."""
    if os.path.isabs(path):
        return {"uri": Path(path).as_uri()}
    return {"uri": quote(path.replace(os.sep, "/")), "uriBaseId": SRCROOT}


def rule_descriptor(rule) -> dict:
    from derivlint.catalogue import rule_doc

    doc = rule_doc(rule)
    return {
        "id": doc.code,
        "name": doc.name,
        "shortDescription": {"text": doc.summary},
        "fullDescription": {"text": doc.text, "markdown": doc.markdown},
        "help": {"text": doc.text, "markdown": doc.markdown},
        "defaultConfiguration": {
            "level": LEVELS.get(doc.severity, "error"),
            "enabled": doc.default_enabled,
        },
        "properties": {"fixable": doc.fixable, "severity": doc.severity},
    }


def _region(source: Source, start: int, end: int) -> dict:
    """A SARIF region of source offsets [start, end): 1-based lines, end column exclusive."""
    line, col = source.line_col(start)
    end_line, end_col = source.line_col(end)
    return {"startLine": line, "startColumn": col, "endLine": end_line, "endColumn": end_col}


def _fixes(f, context) -> list[dict]:
    """The finding's fix as a SARIF fix; none for notebook cells (SARIF edits whole files)."""
    if f.fix is None or f.cell is not None:
        return []
    source = context.source(f.path) if context is not None else None
    if source is None or not 0 <= f.fix.start <= f.fix.end <= len(source.text):
        return []
    replacement = {
        "deletedRegion": _region(source, f.fix.start, f.fix.end),
        "insertedContent": {"text": f.fix.text},
    }
    return [
        {
            "description": {"text": f.fix.title},
            "artifactChanges": [
                {"artifactLocation": artifact_location(f.path), "replacements": [replacement]}
            ],
            "properties": {"applicability": f.fix.applicability},  # safe: --fix; unsafe: --unsafe-fixes
        }
    ]


def result(f, index: dict[str, int], context) -> dict:
    line, column, end_line, end_column = context.file_span(f)  # a notebook cell: the .ipynb lines
    out = {
        "ruleId": f.code,
        "level": LEVELS.get(f.severity, "error"),
        "message": {"text": located_message(f)},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": artifact_location(f.path),
                    "region": {
                        "startLine": line,
                        "startColumn": column,
                        "endLine": max(end_line, line),
                        "endColumn": max(end_column, 1),
                    },
                }
            }
        ],
    }
    if f.code in index:
        out["ruleIndex"] = index[f.code]
    if f.cell is not None:
        out["properties"] = {"cell": f.cell}
    fixes = _fixes(f, context)
    if fixes:
        out["fixes"] = fixes
    return out


def log(findings, context) -> dict:
    """The SARIF log as a dict."""
    catalogue = context.rules
    descriptors = [rule_descriptor(rule) for rule in catalogue.values()]
    index = {code: i for i, code in enumerate(catalogue)}
    run = {
        "tool": {
            "driver": {
                "name": "derivlint",
                "version": __version__,
                "semanticVersion": __version__,
                "informationUri": INFORMATION_URI,
                "rules": descriptors,
            }
        },
        "originalUriBaseIds": {SRCROOT: {"uri": Path.cwd().as_uri().rstrip("/") + "/"}},
        "columnKind": "unicodeCodePoints",
        "results": [result(f, index, context) for f in findings],
    }
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def render(findings, context) -> str:
    return json.dumps(log(findings, context), ensure_ascii=False, indent=2)
