"""The rule catalogue as documentation: ``derivlint rule CODE`` and ``derivlint rule --all``."""

from __future__ import annotations

import difflib
import inspect
import re
from dataclasses import dataclass, field

SECTIONS = ("What it does", "Why is this bad?", "Example", "Use instead")
SEVERITIES = ("error", "warning", "info")
KEBAB = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_HEADING = re.compile(r"^#{1,6}\s+(.*?)\s*$")


@dataclass
class RuleDoc:
    """A rule's metadata and its docstring split into sections (title, body), in order."""

    code: str
    name: str
    summary: str
    severity: str
    fixable: bool
    default_enabled: bool
    sections: list[tuple[str, str]] = field(default_factory=list)

    @property
    def markdown(self) -> str:
        """The docstring as written: Markdown with ``##`` section headings."""
        return "\n\n".join(f"## {title}\n{body}" for title, body in self.sections)

    @property
    def text(self) -> str:
        """The docstring as plain text: each section title, then its body."""
        return "\n\n".join(f"{title}\n{body}" for title, body in self.sections)

    def to_json(self) -> dict:
        return {
            "code": self.code,
            "name": self.name,
            "summary": self.summary,
            "severity": self.severity,
            "fixable": self.fixable,
            "default_enabled": self.default_enabled,
            "sections": {title: body for title, body in self.sections},
        }


def split_sections(docstring: str | None) -> list[tuple[str, str]]:
    """The ``## Title`` sections of a dedented docstring, each body stripped of blank edges.

    Text before the first heading is a section with an empty title; a ``#``
    line inside a code fence is not a heading.
    """
    text = inspect.cleandoc(docstring or "")
    sections: list[tuple[str, list[str]]] = []
    fenced = False
    for line in text.splitlines():
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
        heading = None if fenced else _HEADING.match(line)
        if heading:
            sections.append((heading.group(1), []))
        elif sections:
            sections[-1][1].append(line)
        elif line.strip():
            sections.append(("", [line]))
    return [(title, "\n".join(lines).strip("\n")) for title, lines in sections]


def rule_doc(rule) -> RuleDoc:
    """The documentation of a rule class."""
    return RuleDoc(
        code=rule.code,
        name=getattr(rule, "name", ""),
        summary=getattr(rule, "summary", ""),
        severity=getattr(rule, "severity", ""),
        fixable=bool(getattr(rule, "fixable", False)),
        default_enabled=bool(getattr(rule, "default_enabled", True)),
        sections=split_sections(rule.__doc__),
    )


def problems(rule) -> list[str]:
    """What is wrong with a rule's documentation (empty when it is complete)."""
    doc = rule_doc(rule)
    found = []
    if not re.fullmatch(r"DL\d{3}", doc.code or ""):
        found.append(f"code {doc.code!r} is not DL followed by three digits")
    if not KEBAB.match(doc.name or ""):
        found.append(f"name {doc.name!r} is not kebab-case")
    if not doc.summary or "\n" in doc.summary or doc.summary != doc.summary.strip():
        found.append("summary is not one non-empty line")
    if doc.severity not in SEVERITIES:
        found.append(f"severity {doc.severity!r} is not one of {', '.join(SEVERITIES)}")
    titles = [title for title, _ in doc.sections]
    if titles != list(SECTIONS):
        found.append(f"docstring sections are {titles}, expected {list(SECTIONS)}")
    for title, body in doc.sections:
        if not body.strip():
            found.append(f"docstring section {title!r} is empty")
    return found


def find_rule(query: str, catalogue: dict) -> tuple[object | None, list[str]]:
    """The rule a user means by ``query`` (a code in any case, or a name), else near matches."""
    wanted = query.strip()
    by_code = {code.upper(): rule for code, rule in catalogue.items()}
    if wanted.upper() in by_code:
        return by_code[wanted.upper()], []
    by_name = {getattr(rule, "name", ""): rule for rule in catalogue.values()}
    if wanted.lower() in by_name:
        return by_name[wanted.lower()], []
    near = [code for code in catalogue if code.startswith(wanted.upper())] if wanted else []
    near += difflib.get_close_matches(wanted.upper(), list(catalogue), n=5, cutoff=0.6)
    names = difflib.get_close_matches(wanted.lower(), list(by_name), n=3, cutoff=0.6)
    near += [f"{by_name[name].code} ({name})" for name in names]
    unique = list(dict.fromkeys(near))
    return None, unique[:8]


def render_rule(rule) -> str:
    """What ``derivlint rule CODE`` prints."""
    doc = rule_doc(rule)
    head = [
        f"{doc.code} {doc.name}",
        "",
        doc.summary,
        "",
        f"severity:        {doc.severity}",
        f"fixable:         {'yes' if doc.fixable else 'no'}",
        f"default enabled: {'yes' if doc.default_enabled else 'no'}",
    ]
    body = [f"{title}\n{_underline(title)}\n{text}" if title else text for title, text in doc.sections]
    return "\n".join(head) + "\n\n" + "\n\n".join(body)


def _underline(title: str) -> str:
    return "-" * len(title)


def render_list(catalogue: dict) -> str:
    """What ``derivlint rule --all`` prints: code, name, severity, fix mark, summary per line."""
    docs = [rule_doc(rule) for rule in catalogue.values()]
    if not docs:
        return ""
    name_width = max(len(d.name) for d in docs)
    severity_width = max(len(d.severity) for d in docs)
    lines = []
    for d in docs:
        mark = "[*]" if d.fixable else "   "
        lines.append(
            f"{d.code}  {d.name:<{name_width}}  {d.severity:<{severity_width}}  {mark}  {d.summary}"
        )
    return "\n".join(lines)
