"""The full format: each finding with a code frame of its lines and a caret line under the span."""

from __future__ import annotations

import unicodedata

from derivlint.report import position

TAB = 4
MAX_LINES = 6  # a longer span shows its first and last lines around a "..."


def char_width(ch: str) -> int:
    """Terminal columns a character takes: 2 for wide East Asian ones, 0 for combining marks."""
    if ch == "\t":
        return TAB
    if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf"):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def text_width(text: str) -> int:
    return sum(char_width(ch) for ch in text)


def caret_line(line: str, start: int, end: int) -> str:
    """Spaces up to character ``start`` of ``line`` (0-based), then carets up to ``end`` (exclusive)."""
    pad = text_width(line[:start]) + max(0, start - len(line))
    width = text_width(line[start:end]) if start < len(line) else 0
    return " " * pad + "^" * max(1, width)


def frame(source, f) -> list[str]:
    """The lines of the span with line numbers, each followed by its caret line."""
    last = f.end_line
    if last > f.line and f.end_column <= 1:
        last -= 1  # the span ends at the end of the line before
    if f.line < 1 or f.line > source.line_count:
        return []
    last = max(f.line, min(last, source.line_count))
    numbers = list(range(f.line, last + 1))
    if len(numbers) > MAX_LINES:
        numbers = numbers[: MAX_LINES - 2] + [None] + numbers[-1:]
    gutter = len(str(last))
    out = [" " * gutter + " |"]
    for n in numbers:
        if n is None:
            out.append("." * gutter + " |")
            continue
        text = source.line_text(n)
        start = f.column - 1 if n == f.line else 0
        end = f.end_column - 1 if n == f.end_line else len(text)
        if n != f.end_line and n == last:
            end = len(text)
        out.append(f"{n:>{gutter}} | {_shown(text)}".rstrip())
        out.append(" " * gutter + " | " + caret_line(text, start, max(end, start + 1)))
    out.append(" " * gutter + " |")
    return out


def _shown(text: str) -> str:
    """The line as printed: tabs as TAB spaces, so that carets line up with char_width."""
    return text.replace("\t", " " * TAB)


def render_one(f, context) -> str:
    lines = [f"{position(f)}: {f.code} [{f.name}] {f.message}"]
    source = context.source(f.path, f.cell) if context is not None else None
    if source is not None:
        lines.extend(frame(source, f))
    if f.fix is not None:  # the title names the replacement ("replace with 2x")
        title = f.fix.title.replace("\r", "\\r").replace("\n", "\\n")
        unsafe = "" if f.fix.is_safe else " (unsafe fix: --unsafe-fixes applies it)"
        lines.append(f"  = help: {title}{unsafe}")
    return "\n".join(lines)


def render(findings, context) -> str:
    return "\n\n".join(render_one(f, context) for f in findings)
