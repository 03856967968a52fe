"""Source texts and the mapping from character offsets to 1-based line/column."""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field


@dataclass(eq=False)
class Source:
    """One piece of text that positions refer to: a whole file, or one notebook cell.

    ``cell`` is the 1-based notebook cell number (None outside notebooks).
    Columns are counted in Unicode code points, starting at 1.
    """

    path: str
    text: str
    cell: int | None = None
    _line_starts: list[int] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        starts = [0]
        text = self.text
        i = text.find("\n")
        while i != -1:
            starts.append(i + 1)
            i = text.find("\n", i + 1)
        self._line_starts = starts

    def line_col(self, offset: int) -> tuple[int, int]:
        """1-based (line, column) of a character offset (clamped to the text)."""
        offset = max(0, min(offset, len(self.text)))
        line = bisect.bisect_right(self._line_starts, offset) - 1
        return line + 1, offset - self._line_starts[line] + 1

    def line_start(self, line: int) -> int:
        """Offset of the first character of a 1-based line."""
        return self._line_starts[line - 1]

    def line_text(self, line: int) -> str:
        """The text of a 1-based line, without its line ending."""
        start = self._line_starts[line - 1]
        end = self._line_starts[line] - 1 if line < len(self._line_starts) else len(self.text)
        return self.text[start:end].rstrip("\r")

    @property
    def line_count(self) -> int:
        return len(self._line_starts)
