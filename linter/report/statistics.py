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


def _safe_fixable(findings) -> set[str]:
    """The codes with at least one safe fix (what --fix applies)."""
    return {f.code for f in findings if f.fix is not None and f.fix.is_safe}


def render(findings, fmt: str = "text") -> str:
    """The table (``count  CODE  name  [*]``, ``[-]`` for unsafe fixes only), or a JSON list when ``fmt`` is json."""
    table = rows(findings)
    if fmt == "json":
        return json.dumps(table, ensure_ascii=False, indent=2)
    if not table:
        return ""
    safe = _safe_fixable(findings)
    width = max(len(str(r["count"])) for r in table)
    code_width = max(len(r["code"]) for r in table)
    name_width = max(len(r["name"]) for r in table)
    lines = []
    for r in table:
        # like ruff: [*] a fix --fix applies, [-] only fixes that need --unsafe-fixes
        mark = "  [*]" if r["code"] in safe else "  [-]" if r["fixable"] else ""
        line = f"{r['count']:>{width}}  {r['code']:<{code_width}}  {r['name']:<{name_width}}{mark}"
        lines.append(line.rstrip())
    return "\n".join(lines)
