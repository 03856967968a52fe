"""Configuration: [tool.derivlint] in pyproject.toml or derivlint.toml, found from the checked file upwards."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported where a pattern is compiled: pathspec takes 0.05 s to import
    import pathspec


def _tomllib():
    """tomllib (tomli before 3.11), imported when a configuration file is read: most runs find none."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib
    return tomllib

CONFIG_FILES = ("derivlint.toml", "pyproject.toml")
LAYOUTS = ("auto", "numerator", "denominator", "mixed")
KNOWN_KEYS = frozenset(
    {
        "select",
        "ignore",
        "extend-select",
        "per-file-ignores",
        "exclude",
        "layout",
        "per-file-layout",
        "macros",
    }
)


class ConfigError(Exception):
    """A configuration file that cannot be used; the message names the file and key."""


@dataclass(frozen=True)
class Glob:
    """One path pattern of a configuration, gitignore-style, relative to the config's folder.

    ``negated`` (a leading ``!``) makes it match the files the pattern does not match.
    """

    pattern: str
    spec: pathspec.PathSpec = field(compare=False, repr=False)
    negated: bool = False

    def matches(self, rel: str) -> bool:
        return bool(self.spec.match_file(rel)) != self.negated


@dataclass(frozen=True)
class Config:
    """The settings a configuration file gives. ``path`` is None for the defaults.

    ``select`` None means "not set" (the default rule set). Rule codes are
    upper-case codes or prefixes, validated against the rule catalogue.
    """

    path: Path | None = None
    macros: dict = field(default_factory=dict)
    select: frozenset[str] | None = None
    extend_select: frozenset[str] = frozenset()
    ignore: frozenset[str] = frozenset()
    per_file_ignores: tuple[tuple[Glob, frozenset[str]], ...] = ()
    exclude: tuple[str, ...] = ()
    layout: str | None = None
    per_file_layout: tuple[tuple[Glob, str], ...] = ()
    exclude_spec: pathspec.PathSpec | None = field(default=None, compare=False, repr=False)

    @property
    def folder(self) -> Path | None:
        return self.path.parent if self.path is not None else None

    def relative(self, path: str | Path) -> str | None:
        """``path`` relative to the config's folder, with ``/``; None when outside it."""
        if self.folder is None:
            return None
        rel = os.path.relpath(Path(path).resolve(), self.folder).replace(os.sep, "/")
        if rel == ".." or rel.startswith("../"):
            return None
        return rel

    def excludes(self, path: str | Path, is_dir: bool = False) -> bool:
        """Whether ``exclude`` matches ``path`` (a file, or a folder when ``is_dir``)."""
        if self.exclude_spec is None:
            return False
        rel = self.relative(path)
        if rel is None or rel == ".":
            return False
        return bool(self.exclude_spec.match_file(rel + "/" if is_dir else rel))

    def ignores_for(self, path: str | Path) -> frozenset[str]:
        """The codes ``per-file-ignores`` adds for ``path``."""
        rel = self.relative(path) if self.per_file_ignores else None
        if rel is None:
            return frozenset()
        codes: set[str] = set()
        for glob, ignored in self.per_file_ignores:
            if glob.matches(rel):
                codes |= ignored
        return frozenset(codes)

    def layout_for(self, path: str | Path) -> str | None:
        """The layout for ``path``: the last matching ``per-file-layout`` entry, else ``layout``."""
        rel = self.relative(path) if self.per_file_layout else None
        if rel is not None:
            for glob, layout in reversed(self.per_file_layout):
                if glob.matches(rel):
                    return layout
        return self.layout


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


@lru_cache(maxsize=64)
def _has_tool_table(path: Path) -> bool:
    try:
        return "derivlint" in _read_toml(path).get("tool", {})
    except ConfigError:
        return False


def _read_toml(path: Path) -> dict:
    tomllib = _tomllib()
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
        import difflib

        close = difflib.get_close_matches(unknown[0].replace("_", "-"), sorted(KNOWN_KEYS), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise ConfigError(
            f"{path}: unknown key {unknown[0]!r} in {where} (known keys: {known}){hint}"
        )
    check = _Checker(path)
    exclude = check.globs(data.get("exclude", []), "exclude")
    select = data.get("select")
    return Config(
        path=path,
        macros=_macros(data.get("macros", {}), path),
        select=None if select is None else check.codes(select, "select"),
        extend_select=check.codes(data.get("extend-select", []), "extend-select"),
        ignore=check.codes(data.get("ignore", []), "ignore"),
        per_file_ignores=tuple(
            (check.glob(pattern, f"per-file-ignores.{_key(pattern)}"),
             check.codes(codes, f"per-file-ignores.{_key(pattern)}"))
            for pattern, codes in check.table(data.get("per-file-ignores", {}), "per-file-ignores",
                                              "a table of glob = [rule codes]").items()
        ),
        exclude=tuple(exclude),
        exclude_spec=_gitignore_spec(exclude) if exclude else None,
        layout=check.layout(data["layout"], "layout") if "layout" in data else None,
        per_file_layout=tuple(
            (check.glob(pattern, f"per-file-layout.{_key(pattern)}"),
             check.layout(value, f"per-file-layout.{_key(pattern)}"))
            for pattern, value in check.table(data.get("per-file-layout", {}), "per-file-layout",
                                              'a table of glob = "layout"').items()
        ),
    )


def _gitignore_spec(lines: list[str]) -> pathspec.PathSpec:
    import pathspec

    return pathspec.GitIgnoreSpec.from_lines(lines)


def _key(pattern: str) -> str:
    """A table key as TOML would show it in a dotted key."""
    return pattern if pattern.replace("-", "").replace("_", "").isalnum() else f'"{pattern}"'


@dataclass
class _Checker:
    """Validation of configuration values; every error names the file and the key."""

    path: Path

    def fail(self, key: str, expected: str, value: object = None, got: bool = True) -> ConfigError:
        shown = f", got {value!r}" if got else ""
        return ConfigError(f"{self.path}: {key}: expected {expected}{shown}")

    def table(self, value: object, key: str, expected: str) -> dict:
        if not isinstance(value, dict):
            raise self.fail(key, expected, value)
        return value

    def codes(self, value: object, key: str) -> frozenset[str]:
        expected = 'a list of rule codes or prefixes, such as ["DL301", "DL4"]'
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(key, expected, value)
        from derivlint.rules import rule_codes

        known = list(rule_codes())
        codes = []
        for raw in value:
            code = raw.strip().upper()
            if not code or not any(k.startswith(code) for k in known):
                raise ConfigError(
                    f"{self.path}: {key}: unknown rule code {raw!r} "
                    f"(expected a code or prefix of: {', '.join(known)})"
                )
            codes.append(code)
        return frozenset(codes)

    def globs(self, value: object, key: str) -> list[str]:
        expected = 'a list of glob patterns such as ["drafts/", "**/old_*.md"]'
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(key, expected, value)
        for pattern in value:
            self.glob(pattern, key)
        return list(value)

    def glob(self, pattern: str, key: str) -> Glob:
        negated = pattern.startswith("!")
        body = pattern[1:] if negated else pattern
        if not body.strip():
            raise self.fail(key, "a non-empty glob pattern", pattern)
        try:
            spec = _gitignore_spec([body])
        except Exception as err:  # pathspec's own error types vary between versions
            raise ConfigError(f"{self.path}: {key}: {pattern!r} is not a valid glob ({err})") from None
        return Glob(pattern=pattern, spec=spec, negated=negated)

    def layout(self, value: object, key: str) -> str:
        if value not in LAYOUTS:
            raise self.fail(key, "one of " + ", ".join(LAYOUTS), value)
        return value


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
    if os.path.islink(file):  # the configuration of the folder the link points into
        found = _find_in(os.path.dirname(os.path.realpath(file)))
    else:  # the same folder, its resolution shared with the other files there (no realpath per file)
        found = _find_in(os.path.dirname(os.path.abspath(file)))
    return load_config(found) if found is not None else Config()


def forget_found() -> None:
    """Forget which configuration file governs which folder (a run starts by looking again:
    files may have changed since an earlier run in the same process)."""
    for cached in (_find_real, _find_in, _real):
        cached.cache_clear()
    from derivlint import site_macros

    site_macros.forget()


@lru_cache(maxsize=1024)
def _find_real(folder: str) -> str | None:
    """``find_config`` for a resolved folder, reusing the answer for its parent (strings: no
    Path objects per folder on a walk)."""
    for name in CONFIG_FILES:
        candidate = os.path.join(folder, name)
        if os.path.isfile(candidate) and (name == "derivlint.toml" or _has_tool_table(Path(candidate))):
            return candidate
    parent = os.path.dirname(folder)
    return None if parent == folder else _find_real(parent)


def is_excluded(path: str, is_dir: bool = False, explicit: str | None = None) -> bool:
    """Whether the configuration that governs ``path`` (found from its folder upwards,
    or ``explicit``) excludes it from folder walks."""
    if explicit is not None:
        config = load_config(Path(explicit).resolve())
    else:
        found = _find_in(os.path.dirname(os.path.abspath(path)))
        config = load_config(found) if found is not None else Config()
    return config.excludes(path, is_dir)


@lru_cache(maxsize=1024)
def _find_in(folder: str) -> Path | None:
    """The configuration file governing the absolute ``folder``."""
    found = _find_real(_real(folder))
    return Path(found) if found is not None else None


@lru_cache(maxsize=1024)
def _real(folder: str) -> str:
    """``os.path.realpath`` of an absolute folder, through its parent's (one lstat per folder on a walk)."""
    parent = os.path.dirname(folder)
    if parent == folder or os.path.islink(folder):
        return os.path.realpath(folder)
    return os.path.join(_real(parent), os.path.basename(folder))


def file_settings(path: str, cli, explicit: str | None = None, layout: str | None = None):
    """The effective ``engine.Settings`` for one file: the configuration that applies to
    it, overridden by the command line ``cli`` settings (and ``layout``, the --layout flag).

    Like ruff: a command-line select replaces the configuration's select and
    extend-select; ignores add up; per-file-ignores are added last. Macros
    given on the command line win over the configuration's, and both over the macros of
    the note's site (``site_macros``: _quarto.yml, conf.py, mkdocs.yml …); the note's own
    definitions win over all of them (``engine.check_text``). The site's macros are part of the
    settings, so the cache key changes when a site file changes what its macros say.
    """
    from derivlint.site_macros import site_macros

    config = config_for(path, explicit)
    site = site_macros(path).macros
    if cli.select is not None:
        select, extend = cli.select, cli.extend_select
    else:
        select, extend = config.select, config.extend_select | cli.extend_select
    return replace(
        cli,
        select=select,
        extend_select=extend,
        ignore=cli.ignore | config.ignore | config.ignores_for(path),
        layout=layout or config.layout_for(path) or "auto",
        macros={**site, **config.macros, **cli.macros} if config.macros or site else cli.macros,
    )
