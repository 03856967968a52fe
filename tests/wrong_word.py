"""A fixable test rule, DL998, that flags the word WRONG and offers RIGHT: for the tests of --fix and stdin."""

from __future__ import annotations

from derivlint.findings import Fix
from derivlint.rule import Rule


class WrongWord(Rule):
    """## What it does
    Test rule: the word WRONG.

    ## Why is this bad?
    It is wrong.

    ## Example
    WRONG

    ## Use instead
    RIGHT
    """

    code = "DL998"
    name = "wrong-word"
    summary = "The word WRONG."
    severity = "error"
    fixable = True

    def check(self, note):
        for source in note.extraction.sources:
            at = source.text.find("WRONG")
            while at != -1:
                yield self.at_source(source, at, at + 5, "WRONG is wrong", Fix("Write RIGHT", "RIGHT", at, at + 5))
                at = source.text.find("WRONG", at + 5)
