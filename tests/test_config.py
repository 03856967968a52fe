"""Configuration files: discovery from the checked file upwards, the macros table, clear errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from linter.cli import main
from linter.config import ConfigError, config_for, find_config, load_config

NOTE = "$$ \\frac{\\partial \\tr(\\MA \\Vx)}{\\partial \\Vx} = \\MA^\\top $$\n"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def claims_json(capsys, *args) -> list[dict]:
    assert main(["claims", *args, "--output-format", "json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_macros_from_pyproject_are_used(tmp_path, capsys) -> None:
    write(tmp_path / "pyproject.toml", '[tool.derivlint]\nmacros = { tr = "\\\\operatorname{tr}", "\\\\MA" = "\\\\mathbf{A}", Vx = ["\\\\mathbf{x}", 0] }\n')
    note = write(tmp_path / "notes" / "deep" / "n.md", NOTE)
    (claim,) = claims_json(capsys, str(note))
    assert claim["kind"] == "derivative" and claim["parsed"] == "∂(tr(A x))/∂x = A^T"


def test_without_the_macros_the_claim_is_unparsed(tmp_path, capsys) -> None:
    note = write(tmp_path / "n.md", NOTE)
    (claim,) = claims_json(capsys, str(note))
    assert claim["kind"] == "unparsed" and "unknown command" in claim["reason"]


def test_macro_with_arguments(tmp_path, capsys) -> None:
    write(tmp_path / "derivlint.toml", 'macros = { norm = ["\\\\left\\\\|#1\\\\right\\\\|", 1] }\n')
    note = write(tmp_path / "n.md", "$$ \\norm{x}^2 = x^T x $$\n")
    (claim,) = claims_json(capsys, str(note))
    assert claim["parsed"] == "‖x‖^2 = x^T x"


def test_nearest_file_wins_and_pyproject_without_table_is_skipped(tmp_path) -> None:
    write(tmp_path / "derivlint.toml", "")
    write(tmp_path / "a" / "pyproject.toml", "[project]\nname = 'x'\n")
    inner = write(tmp_path / "a" / "b" / "derivlint.toml", "")
    assert find_config(tmp_path / "a" / "b") == inner
    assert find_config(tmp_path / "a") == tmp_path / "derivlint.toml"


@pytest.mark.parametrize(
    "text, words",
    [
        ("macros = 3\n", "'macros' must be a table"),
        ("colour = 'red'\n", "unknown key 'colour'"),
        ("macros = { tr = 5 }\n", "macros.tr"),
        ("macros = {\n", "not valid TOML"),
    ],
)
def test_bad_configuration_is_a_clear_error(tmp_path, capsys, text, words) -> None:
    config = write(tmp_path / "derivlint.toml", text)
    note = write(tmp_path / "n.md", "$x = 1$\n")
    load_config.cache_clear()
    with pytest.raises(ConfigError, match=words):
        config_for(str(note))
    assert main(["check", str(note)]) == 2
    err = capsys.readouterr().err
    assert str(config) in err and words.split("'")[0].strip() in err
    assert "Traceback" not in err


def test_explicit_config_flag(tmp_path, capsys) -> None:
    config = write(tmp_path / "elsewhere" / "my.toml", 'macros = { R = "\\\\mathbb{R}" }\n')
    note = write(tmp_path / "n.md", "$x \\in \\R^n$\n")
    (claim,) = claims_json(capsys, str(note), "--config", str(config))
    assert claim["kind"] == "declaration"
