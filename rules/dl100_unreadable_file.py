"""DL100: a file that cannot be read as text (missing, binary, too large, undecodable), or that a LaTeX document names but was not read."""

from __future__ import annotations

from typing import Iterator

from derivlint.findings import Finding
from derivlint.rule import Rule


class UnreadableFile(Rule):
    """## What it does
    Reports a file that derivlint was asked to check but could not read as
    text: it cannot be opened, it is binary (a NUL byte near the start), it is
    larger than the size limit (10 MiB), or its bytes are not valid in its
    encoding. The finding points at the first undecodable byte when there is
    one. In a LaTeX document it also reports, at the command, an ``\\input``,
    ``\\include``, ``\\subfile`` or ``\\import`` whose file is missing, that
    brings back a file already being read (an include cycle), or whose file
    lies outside the folder being checked (not read, by design).

    ## Why is this bad?
    Nothing in the file is checked, so every mistake in it goes unreported.
    A note saved in a legacy encoding (GBK, Latin-1) is the usual cause.

    ## Example
    A note saved as Latin-1, with ``é`` stored as the single byte ``0xE9``:
    ```
    Dérivée de $x^T A x$ …
    ```

    ## Use instead
    Save the note as UTF-8, or name its encoding:
    ```
    derivlint check --encoding latin-1 note.md
    ```
    """

    code = "DL100"
    name = "unreadable-file"
    summary = "The file cannot be read as text, so it was not checked."
    severity = "error"

    def check(self, note) -> Iterator[Finding]:
        # The CLI makes these findings from read problems; a note that reached the rules was
        # read fine. A LaTeX document may name files that were not read (missing, a cycle,
        # outside the folder checked): one finding at each command.
        for source, start, end, message in getattr(note, "unread", ()):
            yield self.at_source(source, start, end, message)
