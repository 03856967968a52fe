"""``--statistics``: how many findings each rule gave, most first, like ``ruff --statistics``."""

from __future__ import annotations

import json


def rows(findings) -> list[dict]:
    """One record per rule code: code, name, count, and whether any of its findings has a fix."""
    table: dict[str, dict] = {}
    for f in findings:
        row = table.setdefault(f.code, {"code": f.code, "name": f.name, "count": 0, "fixable": False})
        row["count"] += 1
        row["fixable"] = row["fixable"] or f.fix is not None
    return sorted(table.values(), key=lambda r: (-r["count"], r["code"]))


def render(findings, fmt: str = "text") -> str:
    """The table (``count  CODE  name  [*]``), or a JSON list when ``fmt`` is json."""
    table = rows(findings)
    if fmt == "json":
        return json.dumps(table, ensure_ascii=False, indent=2)
    if not table:
        return ""
    width = max(len(str(r["count"])) for r in table)
    code_width = max(len(r["code"]) for r in table)
    name_width = max(len(r["name"]) for r in table)
    lines = []
    for r in table:
        mark = "  [*]" if r["fixable"] else ""
        line = f"{r['count']:>{width}}  {r['code']:<{code_width}}  {r['name']:<{name_width}}{mark}"
        lines.append(line.rstrip())
    return "\n".join(lines)
