"""Configuration: [tool.derivlint] in pyproject.toml or derivlint.toml, found from the checked file upwards."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

CONFIG_FILES = ("derivlint.toml", "pyproject.toml")
KNOWN_KEYS = frozenset({"macros"})


class ConfigError(Exception):
    """A configuration file that cannot be used; the message names the file and key."""


@dataclass(frozen=True)
class Config:
    """The settings a configuration file gives. ``path`` is None for the defaults."""

    path: Path | None = None
    macros: dict = field(default_factory=dict)


def find_config(start: Path) -> Path | None:
    """The nearest derivlint.toml, or pyproject.toml with a [tool.derivlint] table,
    in ``start``'s folder or above."""
    folder = start if start.is_dir() else start.parent
    for directory in (folder.resolve(), *folder.resolve().parents):
        for name in CONFIG_FILES:
            candidate = directory / name
            if candidate.is_file() and (name == "derivlint.toml" or _has_tool_table(candidate)):
                return candidate
    return None


def _has_tool_table(path: Path) -> bool:
    try:
        return "derivlint" in _read_toml(path).get("tool", {})
    except ConfigError:
        return False


def _read_toml(path: Path) -> dict:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"{path}: not valid TOML: {err}") from None
    except OSError as err:
        raise ConfigError(f"{path}: cannot be read: {err.strerror or err}") from None


@lru_cache(maxsize=64)
def load_config(path: Path) -> Config:
    """Read and validate one configuration file."""
    data = _read_toml(path)
    if path.name == "pyproject.toml":
        data = data.get("tool", {}).get("derivlint", {})
        where = "[tool.derivlint]"
    else:
        where = "derivlint.toml"
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: {where} must be a table")
    unknown = sorted(set(data) - KNOWN_KEYS)
    if unknown:
        known = ", ".join(sorted(KNOWN_KEYS))
        raise ConfigError(f"{path}: unknown key {unknown[0]!r} in {where} (known keys: {known})")
    return Config(path=path, macros=_macros(data.get("macros", {}), path))


def _macros(table, path: Path) -> dict:
    """KaTeX/MathJax style macros: ``tr = "\\\\operatorname{tr}"`` or
    ``norm = ["\\\\left\\\\|#1\\\\right\\\\|", 1]`` (body, number of arguments[, default])."""
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: 'macros' must be a table of name = definition")
    macros = {}
    for name, value in table.items():
        key = name.lstrip("\\")
        if not key or not (key.isalpha() or len(key) == 1):
            raise ConfigError(f"{path}: macros: {name!r} is not a macro name")
        if isinstance(value, str):
            macros[key] = (0, None, value)
            continue
        if (
            isinstance(value, list)
            and 2 <= len(value) <= 3
            and isinstance(value[0], str)
            and isinstance(value[1], int)
            and 0 <= value[1] <= 9
            and (len(value) == 2 or isinstance(value[2], str))
        ):
            macros[key] = (value[1], value[2] if len(value) == 3 else None, value[0])
            continue
        raise ConfigError(
            f"{path}: macros.{key}: expected a string or [body, number of arguments(, default)]"
        )
    return macros


def config_for(file: str, explicit: str | None = None) -> Config:
    """The configuration that applies to ``file`` (``explicit``: --config)."""
    if explicit is not None:
        return load_config(Path(explicit).resolve())
    found = _find_cached(Path(file).resolve().parent)
    return load_config(found) if found is not None else Config()


@lru_cache(maxsize=256)
def _find_cached(folder: Path) -> Path | None:
    return find_config(folder)
