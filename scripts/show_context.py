"""Print what the context stage reads in a note: declarations, statements, layouts, and
the symbol shapes visible at each derivative claim (``python scripts/show_context.py NOTE``)."""

from __future__ import annotations

import sys


from derivlint.math.claims import claims_of
from derivlint.context import build_context
from derivlint.extract import extract
from derivlint.math.tree import Sym, render


def show(path: str) -> None:
    with open(path, encoding="utf-8") as f:
        text = f.read()
    extraction = extract(path, text)
    macros = dict(extraction.macros)
    claims = [c for block in extraction.blocks for c in claims_of(block, macros)]
    ctx = build_context(extraction, claims, macros)
    print(f"# {path}: chapter level {ctx.outline.chapter_level}")
    print("## declarations")
    for d in ctx.declarations:
        print(f"  {d.line:4}  {d.describe():60}  in {d.scope.kind} {d.scope.title[:40]!r}")
    print("## statements")
    for s in ctx.statements:
        shape = "×".join(map(str, s.shape)) if s.shape else ""
        print(f"  {s.line:4}  {render(s.expr)} is {s.kind} {shape}")
    print("## layouts")
    for lay in ctx.layouts:
        print(f"  {lay.line:4}  {lay.layout}: {lay.text[:70]!r}")
    print("## at each derivative claim")
    for c in claims:
        if c.kind != "derivative":
            continue
        keys = sorted({n.key for side in (c.lhs, c.rhs) if side is not None for n in side.walk() if isinstance(n, Sym)})
        seen = []
        for key in keys:
            facts = ctx.facts(key, c)
            if facts.declarations:
                shape = "×".join(map(str, facts.shape)) if facts.shape else (facts.kind or "?")
                extra = ("," + ",".join(sorted(facts.props))) if facts.props else ""
                value = " =" + render(facts.value)[:30] if facts.value is not None else ""
                seen.append(f"{key}:{shape}{extra}{value}@{facts.declarations[0].line}")
        conds = ctx.assumptions(c)
        line = c.position()[0]
        cond = f"  UNDER {dict((k, sorted(v)) for k, v in conds.items())}" if conds else ""
        print(f"  {line:4}  {c.parsed[:60]:60}  {' '.join(seen)}{cond}")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit("usage: python scripts/show_context.py NOTE …")
    for p in sys.argv[1:]:
        show(p)
