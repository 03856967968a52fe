"""The house rules of the source tree: module docstrings, and one named entry function per stage."""

from __future__ import annotations

import ast
import importlib
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# The folders that become the derivlint package, and their import names.
PACKAGE_ROOTS = {ROOT / "linter": "derivlint", ROOT / "rules": "derivlint.rules"}
# The stages in the order a note flows through them (docs/architecture.md tells the same story).
STAGES = ("extract", "math", "context", "check", "rules", "report")
# The modules that run the pipeline: every stage's entry is imported by one of them.
DRIVERS = ("linter/engine.py", "linter/cli.py")
ENTRY = re.compile(r"Entry: ``([A-Za-z_][\w.]*)``")


def _modules() -> list[Path]:
    return sorted(p for folder in PACKAGE_ROOTS for p in folder.rglob("*.py") if "__pycache__" not in p.parts)


def _docstring(path: Path) -> str | None:
    return ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")), clean=True)


def _stage_init(stage: str) -> Path:
    return ROOT / "rules" / "__init__.py" if stage == "rules" else ROOT / "linter" / stage / "__init__.py"


def test_the_walk_sees_the_tree():
    modules = _modules()
    # a wrong root would pass every check below on an empty list
    assert ROOT / "linter" / "engine.py" in modules
    assert any(p.parent == ROOT / "rules" and p.name.startswith("dl") for p in modules)
    assert len(modules) > 40


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_module_opens_with_a_one_line_sentence(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    first = tree.body[0] if tree.body else None
    assert (
        isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str)
    ), f"{path.relative_to(ROOT)}: the first statement is not a docstring"
    lines = ast.get_docstring(tree, clean=True).splitlines()
    summary = lines[0].strip()
    assert summary.endswith("."), f"{path.relative_to(ROOT)}: the docstring's first line is not a sentence: {summary!r}"
    assert len(summary.split()) >= 3, f"{path.relative_to(ROOT)}: too short to say what the module is: {summary!r}"
    assert len(lines) == 1 or not lines[1].strip(), (
        f"{path.relative_to(ROOT)}: the summary runs onto a second line; "
        "end it on the first and put the details after a blank line"
    )


@pytest.mark.parametrize("stage", STAGES)
def test_each_stage_names_one_entry_that_exists(stage):
    doc = _docstring(_stage_init(stage)) or ""
    entries = ENTRY.findall(doc)
    assert len(entries) == 1, f"the {stage} package docstring names {len(entries)} entry functions: {doc!r}"
    module_name, _, name = entries[0].rpartition(".")
    package = "derivlint.rules" if stage == "rules" else f"derivlint.{stage}"
    assert module_name == package or module_name.startswith(package + "."), (
        f"the {stage} stage's entry {entries[0]} lies outside {package}"
    )
    function = getattr(importlib.import_module(module_name), name, None)
    assert callable(function), f"{entries[0]} (named in the {stage} docstring) is not a function"


def _driver_imports() -> set[tuple[str, str]]:
    found = set()
    for rel in DRIVERS:
        for node in ast.walk(ast.parse((ROOT / rel).read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                found.update((node.module, alias.name) for alias in node.names)
    return found


@pytest.mark.parametrize("stage", STAGES)
def test_each_stage_entry_is_what_the_pipeline_calls(stage):
    """The named entry is not any function of the stage: the engine or the command line imports it."""
    (entry,) = ENTRY.findall(_docstring(_stage_init(stage)) or "")
    module_name, _, name = entry.rpartition(".")
    assert (module_name, name) in _driver_imports(), f"neither {' nor '.join(DRIVERS)} imports {entry}"


def test_stage_entries_are_called_in_pipeline_order():
    """check_text calls extract, claims_of, build_context, analyse_claims, then the rules, in that order."""
    source = (ROOT / "linter" / "engine.py").read_text(encoding="utf-8")
    body = source[source.index("def check_text(") :]
    body = body[: body.index("\ndef ", 1)]
    calls = [ENTRY.search(_docstring(_stage_init(s)) or "").group(1).rpartition(".")[2] for s in STAGES[:5]]
    positions = [body.find(f"{name}(") for name in calls]
    assert -1 not in positions, dict(zip(calls, positions))
    assert positions == sorted(positions), dict(zip(calls, positions))


def test_no_scaffolding_guards_left_in_the_engine():
    source = (ROOT / "linter" / "engine.py").read_text(encoding="utf-8")
    assert "not there yet" not in source
    assert "except ImportError" not in source


def test_notes_beside_the_checkout_are_found_in_one_place():
    """Tests reach ../shared only through tests/shared_data.py, whose skip reasons say why they skip."""
    for path in sorted((ROOT / "tests").glob("*.py")):
        if path.name == "shared_data.py":
            continue
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"""["']shared["']""", text), f"{path.name} builds a path to ../shared itself"
        assert not re.search(r"""reason=["'][^"']*shared""", text), f"{path.name} has its own ../shared skip reason"


def test_readme_test_command_is_the_one_ci_runs():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = [line for line in (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines() if "pytest" in line]
    assert len(ci) == 1
    blocks = re.findall(r"```sh\n(.*?)```", readme, re.S)
    assert ci[0].strip() in [block.strip() for block in blocks[:2]], "the README's first commands are not .ci/run's"


def test_readme_points_at_this_release():
    """The pre-commit rev and the install URLs name the tag of the version being described."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    version = importlib.import_module("derivlint").__version__
    tags = re.findall(r"rev: (\S+)", readme) + re.findall(r"derivlint@(v[\w.]+)", readme)
    assert len(tags) >= 3
    assert set(tags) == {f"v{version}"}
