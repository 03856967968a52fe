"""The full format: each finding with a code frame of its lines and a caret line under the span."""

from __future__ import annotations

from derivlint.report import position
from derivlint.report.terminal import TAB, Paint, char_width, escape, shown, text_width

__all__ = ["TAB", "caret_line", "char_width", "clip", "frame", "render", "text_width"]

MAX_LINES = 6  # a longer span shows its first and last lines around a "..."
ELLIPSIS = "…"  # marks where a line too wide for the terminal is cut
MIN_COLUMNS = 20  # a frame line shows at least this many columns of the note, however narrow the terminal


def caret_line(line: str, start: int, end: int) -> str:
    """Spaces up to character ``start`` of ``line`` (0-based), then carets up to ``end`` (exclusive)."""
    _text, pad, width = clip(line, start, end, None)
    return " " * pad + "^" * width


def clip(line: str, start: int, end: int, columns: int | None) -> tuple[str, int, int]:
    """``line`` as printed within ``columns`` (None: no limit), with the caret's offset and width
    (in columns) under the characters ``start`` to ``end`` (0-based, end exclusive).

    A line wider than ``columns`` shows a window around the span, with an ellipsis at each
    end that is cut; columns are counted as a terminal shows them (wide East Asian
    characters two, tabs TAB, control characters the width of their escape).
    """
    pad = text_width(line[:start]) + max(0, start - len(line))
    width = max(1, text_width(line[start:end]) if start < len(line) else 0)
    total = text_width(line)
    if columns is None or max(total, pad + width) <= columns:
        return shown(line), pad, width
    budget = max(columns - 2 * len(ELLIPSIS), 1)
    left = max(0, pad - (budget - min(width, budget)) // 2)  # the span centred, or its start kept
    right = left + budget
    last = max(total, pad + width)
    if right > last:
        right, left = last, max(0, last - budget)
    kept: list[str] = []
    col, first_col, last_col = 0, None, left
    for ch in line:
        w = char_width(ch)
        if col >= right:
            break
        if col >= left and col + w <= right:  # a wide character cut by the window's edge is left out
            if first_col is None:
                first_col = col
            kept.append(ch)
            last_col = col + w
        col += w
    if first_col is None:  # the span lies past the end of the line
        first_col = last_col = min(left, total)
    lead = ELLIPSIS if first_col > 0 else ""
    tail = ELLIPSIS if last_col < total else ""
    caret_start = max(pad, first_col)
    caret_end = min(pad + width, max(last_col, caret_start + 1))
    return lead + shown("".join(kept)) + tail, len(lead) + caret_start - first_col, max(1, caret_end - caret_start)


def frame(source, f, columns: int | None = None, paint: Paint | None = None) -> list[str]:
    """The lines of the span with line numbers, each followed by its caret line; each line
    fits in ``columns`` when given (a window of a wider line)."""
    paint = paint or Paint(False)
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
    room = None if columns is None else max(MIN_COLUMNS, columns - gutter - 3)
    bar = paint("gutter", " " * gutter + " |")
    out = [bar]
    for n in numbers:
        if n is None:
            out.append(paint("gutter", "." * gutter + " |"))
            continue
        text = source.line_text(n)
        start = f.column - 1 if n == f.line else 0
        end = f.end_column - 1 if n == f.end_line else len(text)
        if n != f.end_line and n == last:
            end = len(text)
        printed, pad, width = clip(text, start, max(end, start + 1), room)
        out.append((paint("gutter", f"{n:>{gutter}} |") + " " + printed).rstrip())
        out.append(bar + " " + " " * pad + paint(f.severity, "^" * width))
    out.append(bar)
    return out


def render_one(f, context) -> str:
    paint = Paint(getattr(context, "color", False))
    header = f"{paint('path', position(f))}: {paint(f.severity, f.code)} [{escape(f.name)}] {escape(f.message)}"
    lines = [header]
    source = context.source(f.path, f.cell) if context is not None else None
    if source is not None:
        lines.extend(frame(source, f, getattr(context, "width", None), paint))
    if f.fix is not None:  # the title names the replacement ("replace with 2x")
        unsafe = "" if f.fix.is_safe else " (unsafe fix: --unsafe-fixes applies it)"
        lines.append(f"  {paint('help', '= help:')} {escape(f.fix.title)}{unsafe}")
    return "\n".join(lines)


def render(findings, context) -> str:
    return "\n\n".join(render_one(f, context) for f in findings)
