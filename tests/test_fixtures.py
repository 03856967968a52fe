"""Runs every fixture note and compares its findings with the expectations written in it."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from derivlint.engine import Settings, check_text
from derivlint.site_macros import site_macros
from derivlint.extract.latex_project import dependencies, root_documents

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
EXPECT = re.compile(r"(?:<!--|%|\{/\*)\s*expect(?:\+(\d+))?:\s*([A-Z0-9, ]+?)\s*(?:-->|\*/\}|$)")  # {/* */}: MDX
SUFFIXES = (".md", ".qmd", ".Rmd", ".mdx", ".tex", ".ipynb")
SETUP = re.compile(r"derivlint-fixture:\s*(.*?)\s*(?:-->|$)")


def fixture_files() -> list[Path]:
    return sorted(p for p in FIXTURES.rglob("*") if p.suffix in SUFFIXES and p.name != "README.md")


def _texts(path: Path) -> list[tuple[int | None, str]]:
    """(cell, text) pieces whose lines the expectations count in."""
    text = path.read_text(encoding="utf-8")
    if path.suffix != ".ipynb":
        return [(None, text)]
    cells = json.loads(text)["cells"]
    out = []
    for number, cell in enumerate(cells, start=1):
        if cell["cell_type"] == "markdown":
            source = cell["source"]
            out.append((number, "".join(source) if isinstance(source, list) else source))
    return out


def expectations(path: Path) -> set[tuple[int | None, int, str]]:
    expected = set()
    for cell, text in _texts(path):
        for number, line in enumerate(text.splitlines(), start=1):
            for m in EXPECT.finditer(line):
                target = number + int(m.group(1) or 0)
                for code in m.group(2).replace(",", " ").split():
                    expected.add((cell, target, code))
    return expected


def settings_for(path: Path) -> Settings:
    first = path.read_text(encoding="utf-8").splitlines()[:1]
    m = SETUP.search(first[0]) if first else None
    options: dict[str, frozenset[str]] = {}
    if m:
        for item in m.group(1).split():
            key, _, value = item.partition("=")
            options[key] = frozenset(v for v in value.split(",") if v)
    return Settings(
        macros=site_macros(str(path)).macros,  # the macros of a site under fixtures/sites/
        select=options.get("select"),
        extend_select=options.get("extend-select", frozenset()),
        ignore=options.get("ignore", frozenset()),
    )


def fixture_roots() -> list[Path]:
    """The fixtures checked on their own: a LaTeX file another fixture brings in (``\\input``) is
    checked as part of that one, as derivlint checks a folder."""
    files = fixture_files()
    roots = set(root_documents([str(p) for p in files]))
    return [p for p in files if str(p) in roots]


@pytest.mark.parametrize("path", fixture_roots(), ids=lambda p: str(p.relative_to(FIXTURES)))
def test_fixture(path: Path) -> None:
    result = check_text(str(path), path.read_text(encoding="utf-8"), settings_for(path))
    read = [path] + [Path(f) for f in dependencies(str(path)) if Path(f).suffix == ".tex"]
    found = {(Path(f.path).resolve(), f.cell, f.line, f.code) for f in result.findings}
    expected = {(p.resolve(), *e) for p in read for e in expectations(p)}
    details = "\n".join(f"  {f.line}:{f.column} {f.code} {f.message}" for f in result.findings)
    assert found == expected, (
        f"missing: {sorted(expected - found, key=str)}\nunexpected: {sorted(found - expected, key=str)}\n"
        f"findings:\n{details}"
    )


def test_every_fixture_folder_has_notes() -> None:
    kinds = {p.suffix for p in fixture_files()}
    assert kinds == set(SUFFIXES)


def test_expectation_comments_are_read() -> None:
    """The harness itself: a fixture with an expectation that is not met fails."""
    path = FIXTURES / "markdown" / "unbalanced.md"
    assert len(expectations(path)) >= 4
