"""Configuration files: discovery from the checked file upwards, the macros table, clear errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from derivlint.cli import main
from derivlint.config import ConfigError, config_for, find_config, load_config

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


# --------------------------------------------------------------------------- rule selection, layout, exclude

BAD = "$x = (a + b$\n"  # DL101


@pytest.fixture
def seen(monkeypatch):
    """Records the Settings the engine is given for each file (the engine itself finds nothing)."""
    from derivlint import engine

    recorded: dict[str, engine.Settings] = {}

    def fake(path, text, settings=None):
        recorded[Path(path).name] = settings
        return engine.FileResult(path=path, findings=[], claims=[])

    monkeypatch.setattr(engine, "check_text", fake)
    load_config.cache_clear()
    return recorded


FULL = """\
[tool.derivlint]
select = ["DL1"]
extend-select = ["DL590"]
ignore = ["DL102"]
exclude = ["drafts/", "**/scratch_*.md"]
layout = "denominator"
macros = { R = "\\\\mathbb{R}" }

[tool.derivlint.per-file-ignores]
"notes/old/*.md" = ["DL101"]
"**/draft_*.md" = ["DL5"]
"!notes/**" = ["DL590"]

[tool.derivlint.per-file-layout]
"notes/old/*.md" = "numerator"
"**/mixed_*.md" = "mixed"
"""


def test_every_key_is_read(tmp_path) -> None:
    config = load_config(write(tmp_path / "pyproject.toml", FULL))
    assert config.select == {"DL1"} and config.extend_select == {"DL590"} and config.ignore == {"DL102"}
    assert config.exclude == ("drafts/", "**/scratch_*.md") and config.layout == "denominator"
    assert [g.pattern for g, _ in config.per_file_ignores] == ["notes/old/*.md", "**/draft_*.md", "!notes/**"]
    assert [(g.pattern, v) for g, v in config.per_file_layout] == [("notes/old/*.md", "numerator"), ("**/mixed_*.md", "mixed")]
    assert config.macros == {"R": (0, None, "\\mathbb{R}")}


def test_codes_are_upper_cased_and_prefixes_accepted(tmp_path) -> None:
    config = load_config(write(tmp_path / "derivlint.toml", 'select = ["dl1", " DL590 "]\n'))
    assert config.select == {"DL1", "DL590"}


@pytest.mark.parametrize(
    "text, key, expected",
    [
        ('extend_select = ["DL1"]\n', "extend_select", "did you mean 'extend-select'"),
        ('select = "DL1"\n', "select", "expected a list of rule codes"),
        ('ignore = [101]\n', "ignore", "expected a list of rule codes"),
        ('extend-select = ["DL999"]\n', "extend-select", "unknown rule code 'DL999'"),
        ('select = ["DL9"]\n', "select", "unknown rule code 'DL9'"),
        ('select = ["E501"]\n', "select", "unknown rule code 'E501'"),
        ('layout = "rows"\n', "layout", "expected one of auto, numerator, denominator, mixed, got 'rows'"),
        ('layout = 1\n', "layout", "expected one of auto"),
        ('exclude = "drafts"\n', "exclude", "expected a list of glob patterns"),
        ('exclude = [""]\n', "exclude", "expected a non-empty glob pattern"),
        ('per-file-ignores = ["x"]\n', "per-file-ignores", "expected a table of glob = [rule codes]"),
        ('[per-file-ignores]\n"old/*.md" = "DL101"\n', 'per-file-ignores."old/*.md"', "expected a list of rule codes"),
        ('[per-file-ignores]\n"old/*.md" = ["DL42"]\n', 'per-file-ignores."old/*.md"', "unknown rule code 'DL42'"),
        ('per-file-layout = "numerator"\n', "per-file-layout", 'expected a table of glob = "layout"'),
        ('[per-file-layout]\nold = "row"\n', "per-file-layout.old", "expected one of auto"),
    ],
)
def test_bad_values_name_file_key_and_expectation(tmp_path, capsys, text, key, expected) -> None:
    config = write(tmp_path / "derivlint.toml", text)
    note = write(tmp_path / "n.md", "$x = 1$\n")
    load_config.cache_clear()
    with pytest.raises(ConfigError) as err:
        config_for(str(note))
    message = str(err.value)
    assert str(config) in message and key in message and expected in message
    assert main(["check", str(note)]) == 2
    stderr = capsys.readouterr().err
    assert str(config) in stderr and key in stderr and "Traceback" not in stderr


def test_bad_value_in_pyproject_names_pyproject(tmp_path, capsys) -> None:
    config = write(tmp_path / "pyproject.toml", '[tool.derivlint]\nlayout = "sideways"\n')
    note = write(tmp_path / "n.md", "$x = 1$\n")
    load_config.cache_clear()
    assert main(["check", str(note)]) == 2
    assert f"{config}: layout: expected one of" in capsys.readouterr().err


def test_configuration_is_the_default_without_flags(tmp_path, seen) -> None:
    write(tmp_path / "derivlint.toml", 'select = ["DL1"]\nextend-select = ["DL590"]\nignore = ["DL102"]\nlayout = "mixed"\n')
    note = write(tmp_path / "n.md", "$x = 1$\n")
    assert main(["check", str(note)]) == 0
    s = seen["n.md"]
    assert (s.select, s.extend_select, s.ignore, s.layout) == ({"DL1"}, {"DL590"}, {"DL102"}, "mixed")


def test_command_line_select_replaces_and_ignores_add_up(tmp_path, seen) -> None:
    write(tmp_path / "derivlint.toml", 'select = ["DL1"]\nextend-select = ["DL590"]\nignore = ["DL102"]\n')
    note = write(tmp_path / "n.md", "$x = 1$\n")
    assert main(["check", str(note), "--select", "DL5", "--ignore", "DL101"]) == 0
    s = seen["n.md"]
    assert (s.select, s.extend_select, s.ignore) == ({"DL5"}, frozenset(), {"DL101", "DL102"})
    assert main(["check", str(note), "--extend-select", "DL102"]) == 0
    s = seen["n.md"]
    assert (s.select, s.extend_select) == ({"DL1"}, {"DL590", "DL102"})


def test_layout_flag_overrides_configuration(tmp_path, seen) -> None:
    write(tmp_path / "derivlint.toml", 'layout = "numerator"\n[per-file-layout]\n"*.md" = "mixed"\n')
    note = write(tmp_path / "n.md", "$x = 1$\n")
    assert main(["check", str(note)]) == 0 and seen["n.md"].layout == "mixed"
    assert main(["check", str(note), "--layout", "auto"]) == 0 and seen["n.md"].layout == "auto"
    assert main(["claims", str(note), "--layout", "denominator"]) == 0
    assert seen["n.md"].layout == "denominator"


def test_bad_layout_flag_is_a_usage_error(tmp_path, capsys) -> None:
    note = write(tmp_path / "n.md", "$x = 1$\n")
    assert main(["check", str(note), "--layout", "rows"]) == 2
    assert "invalid choice: 'rows'" in capsys.readouterr().err


def test_per_file_values_follow_the_globs(tmp_path, seen, monkeypatch) -> None:
    write(tmp_path / "pyproject.toml", FULL)
    names = [
        "notes/old/a.md",      # notes/old/*.md
        "notes/old/deep/b.md",  # `*` does not cross a folder
        "notes/draft_c.md",    # **/draft_*.md
        "notes/sub/mixed_d.md",
        "e.md",               # outside notes/: !notes/**
        "notes/old/draft_f.md",  # two entries at once
    ]
    for name in names:
        write(tmp_path / name, "$x = 1$\n")
    monkeypatch.chdir(tmp_path / "notes")  # globs are relative to the config's folder, not the cwd
    assert main(["check", str(tmp_path)]) == 0
    ignores = {name: seen[name].ignore - {"DL102"} for name in seen}
    layouts = {name: seen[name].layout for name in seen}
    assert ignores == {
        "a.md": {"DL101"}, "b.md": set(), "draft_c.md": {"DL5"}, "mixed_d.md": set(),
        "e.md": {"DL590"}, "draft_f.md": {"DL101", "DL5"},
    }
    assert layouts == {
        "a.md": "numerator", "b.md": "denominator", "draft_c.md": "denominator",
        "mixed_d.md": "mixed", "e.md": "denominator", "draft_f.md": "numerator",
    }


def test_per_file_ignores_end_to_end(tmp_path, capsys) -> None:
    write(tmp_path / "derivlint.toml", '[per-file-ignores]\n"old/*.md" = ["DL101"]\n')
    old = write(tmp_path / "old" / "a.md", BAD)
    new = write(tmp_path / "new" / "a.md", BAD)
    load_config.cache_clear()
    assert main(["check", str(old)]) == 0
    assert main(["check", str(new)]) == 1
    assert "DL101" in capsys.readouterr().out


def test_exclude_applies_to_walks_not_to_named_files(tmp_path, monkeypatch, capsys) -> None:
    write(tmp_path / "derivlint.toml", 'exclude = ["drafts/", "**/scratch_*.md"]\n')
    for name in ("a.md", "drafts/b.md", "drafts/deep/c.md", "sub/scratch_d.md", "sub/e.md"):
        write(tmp_path / "notes" / name, BAD)
    monkeypatch.chdir(tmp_path)
    load_config.cache_clear()

    def checked(*args) -> set[str]:
        main(["check", "--output-format", "json", *args])
        return {Path(f["path"]).name for f in json.loads(capsys.readouterr().out)}

    # as in .gitignore, a pattern without a leading / matches at any depth below the config folder
    assert checked("notes") == {"a.md", "e.md"}
    assert checked("notes", "notes/drafts/b.md") == {"a.md", "e.md", "b.md"}  # named: checked
    assert checked("notes/sub/scratch_d.md") == {"scratch_d.md"}
    assert checked("--force-exclude", "notes/sub/scratch_d.md", "notes/drafts/b.md", "notes/a.md") == {"a.md"}
    assert checked("--force-exclude", "notes/drafts") == set()
    assert checked("notes/drafts") == {"b.md", "c.md"}  # a named folder is walked


def test_exclude_is_anchored_to_the_config_folder(tmp_path, monkeypatch) -> None:
    from derivlint.files import discover
    from derivlint.config import is_excluded

    write(tmp_path / "derivlint.toml", 'exclude = ["/top.md", "notes/old"]\n')
    for name in ("top.md", "sub/top.md", "notes/old/a.md", "x/notes/old/b.md"):
        write(tmp_path / name, "x\n")
    monkeypatch.chdir(tmp_path / "sub")
    load_config.cache_clear()
    files, errors = discover([str(tmp_path)], skip=lambda p, d: is_excluded(p, d))
    assert errors == []
    shown = sorted(Path(f).resolve().relative_to(tmp_path.resolve()).as_posix() for f in files)
    assert shown == ["sub/top.md", "x/notes/old/b.md"]


def test_configuration_can_ignore_dl100_per_file(tmp_path, capsys) -> None:
    write(tmp_path / "derivlint.toml", '[per-file-ignores]\n"legacy/**" = ["DL100"]\n')
    for folder in ("legacy", "current"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "latin.md").write_bytes("D\u00e9riv\u00e9e $x$\n".encode("latin-1"))
    load_config.cache_clear()
    assert main(["check", str(tmp_path), "--output-format", "json", "--no-cache"]) == 1
    (finding,) = json.loads(capsys.readouterr().out)
    assert finding["code"] == "DL100" and "current" in finding["path"]
