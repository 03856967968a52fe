"""The one-pass paragraph/setext rule and the gated block rules give markdown-it's own token stream."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from markdown_it import MarkdownIt
from mdit_py_plugins.front_matter import front_matter_plugin

from derivlint.extract.paragraph_rule import paragraph_or_setext, use_paragraph_rule

ROOT = Path(__file__).resolve().parents[1]
PIECES = [
    "para text", "more text $x$", "", "", "---", "===", "- item", "* item", "+ item", "1. one", "2) two",
    "> quote", "> > deep", ">", "```", "~~~", "    code", "\tcode", "# h1", "## h2", "####### no", "<div>",
    "</div>", "<!-- c -->", "| a | b |", "|---|---|", "---|---", ":-:|", "$$", "\\[", "x = 1", "  - nested",
    "   > q", "  1. n", "***", "___", "- - -", "  ===  ", "-", "=", " - ", "[ref]: /url", "[ref]:", "  lazy",
    "<script>", "</script>", "10. ten", "1.", "-foo", "#", "#foo", "|", " | x", "---\ntitle: t\n---",
]  # fmt: skip


def _stock() -> MarkdownIt:
    return MarkdownIt("commonmark").enable("table").use(front_matter_plugin).disable(["normalize", "inline", "text_join"])


STOCK, OURS = _stock(), use_paragraph_rule(_stock())


def _tokens(parser: MarkdownIt, text: str) -> list[tuple]:
    """Every field the extractor could read; a paragraph's inline content is not made (inline parsing is off)."""
    out: list[tuple] = []
    for t in parser.parse(text):
        in_paragraph = t.type == "inline" and out and out[-1][0] == "paragraph_open"
        out.append((t.type, t.tag, t.nesting, t.level, tuple(t.map or ()), t.markup, t.info, t.block, t.hidden,
                    t.meta, "" if in_paragraph else t.content))  # fmt: skip
    return out


def _random_note(rng: random.Random) -> str:
    lines = []
    for _ in range(rng.randint(1, 14)):
        line = rng.choice(PIECES)
        if rng.random() < 0.3:
            line = " " * rng.randint(1, 5) + line
        if rng.random() < 0.15:
            line = "> " + line
        lines.append(line)
    return "\n".join(lines) + rng.choice(["", "\n", "\n\n"])


def test_the_rule_replaces_lheading_and_paragraph():
    assert "lheading" in STOCK.block.ruler.get_active_rules()
    assert "lheading" not in OURS.block.ruler.get_active_rules()


@pytest.mark.parametrize("seed", range(4))
def test_random_notes_give_markdown_its_own_tokens(seed):
    rng = random.Random(seed)
    for _ in range(1500):
        text = _random_note(rng)
        assert _tokens(OURS, text) == _tokens(STOCK, text), text


def test_fixtures_give_markdown_its_own_tokens():
    notes = [p for p in (ROOT / "fixtures").rglob("*") if p.suffix in (".md", ".markdown", ".tex")]
    assert notes
    for path in notes:
        text = path.read_text(encoding="utf-8").replace("\r\n", "\n")
        assert _tokens(OURS, text) == _tokens(STOCK, text), path


def test_a_plugin_that_interrupts_paragraphs_keeps_markdown_its_rules():
    def custom(state, start, end, silent):
        return False

    parser = _stock()
    parser.block.ruler.before("paragraph", "custom", custom, {"alt": ["paragraph"]})
    kept = use_paragraph_rule(parser)
    assert "lheading" in kept.block.ruler.get_active_rules()
    paragraph = next(rule for rule in kept.block.ruler.__rules__ if rule.name == "paragraph")
    assert paragraph.fn is not paragraph_or_setext
