"""Math blocks and the prose passages around them, as produced by the extractors."""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from dataclasses import dataclass, field

from derivlint.source import Source


@dataclass(eq=False, slots=True, weakref_slot=True)
class Passage:
    """A unit of prose that math lives in: a paragraph, heading, table row, list item.

    ``start``/``end`` are offsets into ``source.text``. ``headings`` is the
    heading path (outermost first) that the passage sits under; ``section`` is
    a number that changes at every heading, so two passages share a scope when
    they share a section. ``row`` is set for table rows (the row's 1-based
    line), ``cells`` holds the (start, end) offsets of each table cell.
    """

    source: Source
    kind: str  # paragraph | heading | table_row | list_item | blockquote | document
    start: int
    end: int
    headings: tuple[str, ...] = ()
    section: int = 0
    row: int | None = None
    cells: tuple[tuple[int, int], ...] = ()
    items: tuple[int, ...] = ()  # the (Markdown) list items it is in, outermost first, each by an id
    # Weak references: each block holds its passage, and a passage holding its blocks too
    # would make a reference cycle, which only the cyclic garbage collector frees.
    _blocks: list[weakref.ref] = field(default_factory=list, init=False, repr=False)

    @property
    def text(self) -> str:
        return self.source.text[self.start : self.end]

    @property
    def blocks(self) -> list["MathBlock"]:
        """The math blocks in this passage, in the order they were added (those still alive:
        the extraction keeps them all)."""
        return [block for ref in self._blocks if (block := ref()) is not None]

    def add_block(self, block: "MathBlock") -> None:
        """Make ``block`` a block of this passage (and this passage the block's)."""
        block.passage = self
        self._blocks.append(weakref.ref(block))


@dataclass(eq=False, slots=True, weakref_slot=True)
class MathBlock:
    """One piece of math as written in the note.

    ``text`` is the math body without its delimiters. ``offsets[i]`` is the
    offset in ``source.text`` of ``text[i]``; ``offsets`` has one more entry
    (the offset just past the body) so that end positions map too. ``start``
    and ``end`` span the block in ``source.text`` including its delimiters.
    ``delimiter`` is the opening delimiter as written (``$``, ``$$``, ``\\(``,
    ``\\[``) or ``\\begin{NAME}`` for an environment; ``env`` names the
    environment (``align*`` …) when there is one, or the diagram
    (``tikzpicture``) an inline formula is a label of. An environment that
    Markdown renderers typeset where it stands but that is not a display of
    its own (``aligned``, ``pmatrix`` … outside any ``$$``) has ``delimiter``
    ``""`` and its ``text`` is the whole environment, ``\\begin`` to ``\\end``.
    """

    source: Source
    text: str
    offsets: Sequence[int]
    start: int
    end: int
    delimiter: str
    display: bool
    env: str | None = None
    passage: Passage | None = field(default=None, repr=False)
    escaped: bool = False  # every backslash escaped for a Markdown converter (\\[ \\nabla \_\{x\} \\]): read unescaped

    def file_offset(self, i: int) -> int:
        """Offset in the source text of block-text index ``i`` (0 ≤ i ≤ len(text))."""
        offsets = self.offsets
        last = len(offsets) - 1  # i clamped to [0, last], without max() and min() (asked per claim)
        return offsets[0 if i < 0 else i if i < last else last]

    def line_col(self, i: int) -> tuple[int, int]:
        """1-based (line, column) in the file of block-text index ``i``."""
        return self.source.line_col(self.file_offset(i))

    def end_line_col(self, i: int) -> tuple[int, int]:
        """1-based (line, column) just past the character before block index ``i``.

        Use this for the exclusive end of a span, so that a span ending at the
        last character of a line does not report the next line.
        """
        if i <= 0:
            return self.line_col(0)
        line, col = self.source.line_col(self.file_offset(i - 1))
        return line, col + 1

    def prose_before(self) -> str:
        """The passage's text from its start up to this block."""
        if self.passage is None:
            return ""
        return self.source.text[self.passage.start : self.start]

    def prose_after(self, limit: int | None = None) -> str:
        """The passage's text from the end of this block to the passage's end (at most ``limit``
        characters of it: a reader of the words right after the block need not copy the rest)."""
        if self.passage is None:
            return ""
        end = self.passage.end if limit is None else min(self.passage.end, self.end + limit)
        return self.source.text[self.end : end]


def contiguous_offsets(start: int, length: int) -> Sequence[int]:
    """The offsets of a block body copied verbatim from ``start`` (plus the end): a range,
    which indexes like the list it stands for without holding an int per character."""
    return range(start, start + length + 1)


@dataclass(eq=False)
class Extraction:
    """What an extractor found in one file.

    ``problems`` are (source, start offset, end offset, message) of things in
    the document itself that could not be read as math: an unclosed ``$$``, a
    ``\\begin{align}`` without its ``\\end``. They become DL1xx findings.
    ``macros`` are the macro definitions the document makes
    (``name -> (n_args, default_first_arg or None, body)``).
    """

    sources: list[Source]
    passages: list[Passage]
    blocks: list[MathBlock]
    problems: list[tuple[Source, int, int, str]] = field(default_factory=list)
    macros: dict[str, tuple[int, str | None, str]] = field(default_factory=dict)
