"""The macros a note's site configures (Quarto, Jupyter Book, Sphinx, MkDocs, Jekyll, Docusaurus), read as data."""

from __future__ import annotations

import ast
import json
import os
import re
from dataclasses import dataclass
from functools import lru_cache

# Where sites keep their math macros. Every file is read as text and never executed: YAML by a
# small reader of the subset configuration files use, conf.py by ``ast`` (literals only), the
# JavaScript of MkDocs and Docusaurus by a reader of object literals.
QUARTO_FILES = ("_quarto.yml", "_quarto.yaml", "_metadata.yml", "_metadata.yaml")
QUARTO_PROFILE = re.compile(r"_quarto-[\w.-]+\.ya?ml\Z")  # _quarto-html.yml, a Quarto profile
YAML_FILES = ("_config.yml", "_config.yaml", "myst.yml")  # Jupyter Book 1 and Jekyll; Jupyter Book 2 (MyST)
MKDOCS_FILES = ("mkdocs.yml", "mkdocs.yaml")
SPHINX_FILE = "conf.py"
DOCUSAURUS = re.compile(r"docusaurus\.config\.(?:js|mjs|cjs|ts|mts)\Z")
JEKYLL_INCLUDES = ("_includes", "_layouts")
# Editors of a folder of notes: VS Code's "markdown.math.macros", Markdown Preview Enhanced's
# (crossnote) KaTeX/MathJax configuration, the preamble Obsidian's Extended MathJax loads.
EDITOR_SCRIPTS = (os.path.join(".vscode", "settings.json"), os.path.join(".crossnote", "config.js"))
OBSIDIAN_PREAMBLES = ("preamble.sty", os.path.join(".obsidian", "preamble.sty"))
# Quarto and Pandoc keys naming the files (or holding the text) put in every page's header.
INCLUDE_KEYS = frozenset({"include-in-header", "include-before-body", "include-after-body", "header-includes"})
# Sphinx settings that hold MathJax or KaTeX configurations, or a LaTeX preamble the math is rendered with.
SPHINX_SETTINGS = ("mathjax_config", "mathjax2_config", "mathjax3_config", "katex_options", "imgmath_latex_preamble")
MACRO_KEYS = ("macros", "Macros")  # MathJax 3 and KaTeX; MathJax 2
SCRIPT_EXTENSIONS = ("", ".json", ".js", ".mjs", ".cjs", ".ts", ".mts")
MAX_BYTES = 512_000  # a larger file is a bundled library, not a site's configuration

Macros = dict  # name (no backslash) -> (number of arguments, default of the first or None, body)


@dataclass(frozen=True)
class SiteMacros:
    """The macros the site of a note defines, and the files they come from (nearest last)."""

    macros: dict
    files: tuple[str, ...] = ()


NONE = SiteMacros({}, ())


def site_macros(note: str) -> SiteMacros:
    """The site macros that apply to the note ``note``: every site configuration from its folder
    up to the repository root (the folder holding ``.git``) or the file system's root; a
    nearer configuration's definition replaces a farther one's."""
    return _for_folder(os.path.realpath(os.path.dirname(os.path.abspath(note))))


def forget() -> None:
    """Forget what was read (a new run reads the configuration files again)."""
    for cached in (_for_folder, _read_file):
        cached.cache_clear()


@lru_cache(maxsize=1024)
def _for_folder(folder: str) -> SiteMacros:
    parent = os.path.dirname(folder)
    top = parent == folder or os.path.exists(os.path.join(folder, ".git"))
    outer = NONE if top else _for_folder(parent)
    here = _folder_sources(folder)
    if not here:
        return outer
    macros = dict(outer.macros)
    files = list(outer.files)
    for path, found in here:
        macros.update(found)
        if path in files:
            files.remove(path)
        files.append(path)
    return SiteMacros(macros, tuple(files))


def _folder_sources(folder: str) -> list[tuple[str, Macros]]:
    """(file, macros) for each file of a site configuration in ``folder`` that defines some."""
    try:
        names = os.listdir(folder)
    except OSError:
        return []
    found: list[tuple[str, Macros]] = []

    def add(pairs) -> None:
        found.extend((p, m) for p, m in pairs if m)

    present = set(names)
    for name in sorted(names):
        if name in QUARTO_FILES or QUARTO_PROFILE.match(name):
            add(_quarto(os.path.join(folder, name)))
    for name in YAML_FILES:
        if name in present:
            add(_yaml_config(os.path.join(folder, name)))
    if "_config.yml" in present or "_config.yaml" in present:
        add(_jekyll_includes(folder))
    for name in MKDOCS_FILES:
        if name in present:
            add(_mkdocs(os.path.join(folder, name)))
    if SPHINX_FILE in present:
        add(_sphinx(os.path.join(folder, SPHINX_FILE)))
    for name in sorted(names):
        if DOCUSAURUS.match(name):
            add(_script_config(os.path.join(folder, name)))
    if ".vscode" in present or ".crossnote" in present:
        for name in EDITOR_SCRIPTS:
            if os.path.isfile(os.path.join(folder, name)):
                add(_script_config(os.path.join(folder, name)))
    if ".obsidian" in present:
        for name in OBSIDIAN_PREAMBLES:
            add([(os.path.join(folder, name), _tex_macros(_read_file(os.path.join(folder, name)) or ""))])
    return found


# --------------------------------------------------------------------------- reading files


@lru_cache(maxsize=256)
def _read_file(path: str) -> str | None:
    try:
        if not os.path.isfile(path) or os.path.getsize(path) > MAX_BYTES:
            return None
        with open(path, encoding="utf-8", errors="replace") as handle:
            return handle.read()
    except OSError:
        return None


def _inside(path: str, root: str) -> str | None:
    """``path`` resolved, when it lies inside the folder ``root`` (a site never names files outside)."""
    real = os.path.realpath(path)
    base = os.path.realpath(root)
    return real if real == base or real.startswith(base.rstrip(os.sep) + os.sep) else None


def _tex_macros(text: str) -> Macros:
    if "\\" not in text:
        return {}
    from derivlint.math.macros import find_macro_definitions

    return find_macro_definitions(text)


_SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script\s*>", re.S | re.I)


def _page_macros(text: str) -> Macros:
    """The macros of an HTML or TeX fragment: MathJax/KaTeX configurations in its scripts,
    ``\\newcommand``s in its TeX (``<script type="math/tex">`` included)."""
    macros: Macros = {}
    rest = []
    last = 0
    for m in _SCRIPT.finditer(text):
        rest.append(text[last : m.start()])
        last = m.end()
        if "math/tex" in m.group(1).lower():
            rest.append(m.group(2))
        else:
            macros.update(script_macros(m.group(2)))
    rest.append(text[last:])
    return {**_tex_macros("\n".join(rest)), **macros}


def _included(path: str, root: str) -> Macros:
    real = _inside(path, root)
    text = _read_file(real) if real else None
    return _page_macros(text) if text else {}


# {{< include path >}}: Quarto's shortcode that puts a file's text in the page (math/claims.py reads a display
# holding only one as no claim)
QUARTO_INCLUDE = re.compile(r"\{\{<\s*include\s+([^\s>]+)\s*>\}\}")
_PROJECT_MARKS = QUARTO_FILES[:2] + (".git",)  # _quarto.yml: a Quarto project's root (.git: a repository's)


def quarto_included_macros(note: str, text: str) -> Macros:
    """The macros defined in the files a Quarto note includes (``{{< include ../_macros.tex >}}``)."""
    return _included_by(note, [m.group(1).strip("\"'") for m in QUARTO_INCLUDE.finditer(text)])


def front_matter_included_macros(note: str, front: str) -> Macros:
    """The macros of the files a note's own front matter puts in its page (Quarto's
    ``include-in-header: ../themes/mathjax.html``, ``include-before-body: {file: …}``)."""
    names = [name for key, value in _walk_items(load_yaml(front)) if key in INCLUDE_KEYS
             for item in (value if isinstance(value, list) else [value])
             for name in [_include_file(item)] if name is not None and "\\" not in name]  # fmt: skip
    return _included_by(note, names)


def _include_file(item) -> str | None:
    """The file an include item names (``mathjax.html``, ``{file: macros.tex}``), or None for text, a
    URL or anything else."""
    name = item.get("file") if isinstance(item, dict) else item
    return name if isinstance(name, str) and "\n" not in name and "://" not in name else None


def _included_by(note: str, names: list[str]) -> Macros:
    """The macros of the files ``names``, relative to the note, or to its project's root for
    ``/path``; never a file outside that project (the folder holding ``_quarto.yml`` or ``.git``
    above the note, else the note's own folder)."""
    if not names:
        return {}
    folder = os.path.dirname(os.path.abspath(note))
    root = probe = folder
    while True:
        if any(os.path.exists(os.path.join(probe, mark)) for mark in _PROJECT_MARKS):
            root = probe
            break
        parent = os.path.dirname(probe)
        if parent == probe:
            break
        probe = parent
    macros: Macros = {}
    for name in names:
        full = os.path.join(root, name.lstrip("/")) if name.startswith("/") else os.path.join(folder, name)
        macros.update(_included(full, root))
    return macros


# --------------------------------------------------------------------------- site kinds


def _quarto(path: str) -> list[tuple[str, Macros]]:
    """Quarto: the files (or text) ``include-in-header`` and its kin put in each page."""
    data = load_yaml(_read_file(path) or "")
    folder = os.path.dirname(path)
    out: list[tuple[str, Macros]] = [(path, _macros_in_tree(data))]
    for key, value in _walk_items(data):
        if key not in INCLUDE_KEYS:
            continue
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, dict) and isinstance(item.get("text"), str):
                out.append((path, _page_macros(item["text"])))
            elif key == "header-includes" and isinstance(item, str):
                out.append((path, _page_macros(item)))
            else:
                name = _include_file(item)
                if name is not None:
                    full = os.path.join(folder, name)
                    out.append((os.path.realpath(full), _included(full, folder)))
    return _merge_same(out)


def _yaml_config(path: str) -> list[tuple[str, Macros]]:
    """Jupyter Book's ``sphinx: config: mathjax3_config``, MyST's ``project: math``, Jekyll's
    settings: every ``macros`` table of the file, and its header includes."""
    data = load_yaml(_read_file(path) or "")
    macros = _macros_in_tree(data)
    project = data.get("project") if isinstance(data, dict) else None
    if isinstance(project, dict) and isinstance(project.get("math"), dict):
        macros.update(normalise(project["math"]))
    for key, value in _walk_items(data):
        if key in INCLUDE_KEYS and isinstance(value, str):
            macros.update(_page_macros(value))
    return [(path, macros)]


def _jekyll_includes(folder: str) -> list[tuple[str, Macros]]:
    """Jekyll: a MathJax or KaTeX configuration in an ``_includes`` (or ``_layouts``) page."""
    out = []
    for sub in JEKYLL_INCLUDES:
        base = os.path.join(folder, sub)
        if not os.path.isdir(base):
            continue
        for root, dirs, files in os.walk(base):
            dirs.sort()
            for name in sorted(files):
                if name.endswith((".html", ".htm", ".liquid")):
                    full = os.path.join(root, name)
                    text = _read_file(full) or ""
                    if "acros" in text or "newcommand" in text or "DeclareMathOperator" in text:
                        out.append((full, _page_macros(text)))
    return out


def _mkdocs(path: str) -> list[tuple[str, Macros]]:
    """MkDocs: the scripts ``extra_javascript`` names (in ``docs_dir``), and the theme's pages."""
    data = load_yaml(_read_file(path) or "")
    if not isinstance(data, dict):
        return []
    folder = os.path.dirname(path)
    docs = data.get("docs_dir") if isinstance(data.get("docs_dir"), str) else "docs"
    out = [(path, _macros_in_tree(data))]
    scripts = data.get("extra_javascript")
    for item in scripts if isinstance(scripts, list) else []:
        name = item.get("path") if isinstance(item, dict) else item
        if not isinstance(name, str) or "://" in name or name.startswith("//") or name.endswith(".min.js"):
            continue  # a library (MathJax, KaTeX), not the site's configuration
        full = _inside(os.path.join(folder, docs, name), folder)
        text = _read_file(full) if full else None
        if text:
            out.append((full, _page_macros(text) if full.endswith((".html", ".htm")) else script_macros(text)))
    theme = data.get("theme")
    custom = theme.get("custom_dir") if isinstance(theme, dict) else None
    if isinstance(custom, str):
        base = _inside(os.path.join(folder, custom), folder)
        if base and os.path.isdir(base):
            for root, dirs, files in os.walk(base):
                dirs.sort()
                for name in sorted(files):
                    if name.endswith(".html"):
                        text = _read_file(os.path.join(root, name)) or ""
                        if "acros" in text:
                            out.append((os.path.join(root, name), _page_macros(text)))
    return out


def _sphinx(path: str) -> list[tuple[str, Macros]]:
    """Sphinx ``conf.py``: ``mathjax3_config = {...}`` and its kin, read with ``ast`` (never run),
    with the literals it imports from modules of its own folder (``from params import *``)."""
    text = _read_file(path) or ""
    if not re.search(r"mathjax|katex|imgmath", text):
        return []
    names, where = _py_names(path, os.path.dirname(path), 0)
    out: list[tuple[str, Macros]] = []
    for name in SPHINX_SETTINGS:
        value = names.get(name)
        if isinstance(value, str):  # katex_options is JavaScript; imgmath's preamble is LaTeX
            macros = _tex_macros(value) if name.startswith("imgmath") else script_macros("({" + value + "})")
        elif isinstance(value, dict):
            macros = _macros_in_tree(value)
        else:
            continue
        out.append((path, macros))
        if where[name] != path:
            out.append((where[name], macros))
    return _merge_same(out)


def _py_names(path: str, root: str, depth: int) -> tuple[dict, dict]:
    """The names a Python file binds to literals at its top level, those it imports from the
    modules of ``root`` included (``from x import *``, ``from x import a``), and the file that
    gave each its value: read, never run."""
    try:
        tree = ast.parse(_read_file(path) or "")
    except (SyntaxError, ValueError):
        return {}, {}
    names: dict = {}
    where: dict = {}
    for stmt in tree.body:
        if isinstance(stmt, ast.ImportFrom) and depth < 2:
            module = _py_module(path, root, stmt.module, stmt.level)
            if module is None:
                continue
            imported, origin = _py_names(module, root, depth + 1)
            wanted = {a.name: a.asname or a.name for a in stmt.names}
            for name, value in imported.items():
                if ("*" in wanted and not name.startswith("_")) or name in wanted:
                    names[wanted.get(name, name)] = value
                    where[wanted.get(name, name)] = origin[name]
            continue
        if not isinstance(stmt, (ast.Assign, ast.AnnAssign)) or stmt.value is None:
            continue
        targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
        value = _py_literal(stmt.value, names)
        for target in targets:
            if isinstance(target, ast.Name):
                names[target.id] = value
                where[target.id] = path
    return names, where


def _py_module(importer: str, root: str, module: str | None, level: int) -> str | None:
    """The file of the module an import names, when it is a file of ``root`` (the site's folder)."""
    base = os.path.dirname(importer)
    for _ in range(max(level - 1, 0)):
        base = os.path.dirname(base)
    parts = module.split(".") if module else []
    stem = os.path.join(base, *parts) if parts else base
    for candidate in (stem + ".py", os.path.join(stem, "__init__.py")):
        real = _inside(candidate, root)
        if real and os.path.isfile(real):
            return real
    return None


class _Unknown:
    """A value that is not a literal (a call, an f-string …)."""


UNKNOWN = _Unknown()


def _py_literal(node: ast.AST, names: dict):
    """The value of a Python literal; names bound earlier to literals resolve; anything else is UNKNOWN."""
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Dict):
        return {
            k: v
            for k, v in ((_py_literal(k, names) if k is not None else UNKNOWN, _py_literal(v, names)) for k, v in zip(node.keys, node.values))
            if isinstance(k, (str, int)) and v is not UNKNOWN
        }
    if isinstance(node, (ast.List, ast.Tuple)):
        return [_py_literal(e, names) for e in node.elts]
    if isinstance(node, ast.Name):
        return names.get(node.id, UNKNOWN)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _py_literal(node.left, names), _py_literal(node.right, names)
        if isinstance(left, str) and isinstance(right, str):
            return left + right
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "dict" and not node.args:
        return {kw.arg: _py_literal(kw.value, names) for kw in node.keywords if kw.arg}
    return UNKNOWN


# --------------------------------------------------------------------------- macro tables


def _walk_items(data):
    """Every (key, value) of every mapping inside ``data``."""
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            for key, value in item.items():
                yield key, value
                stack.append(value)
        elif isinstance(item, list):
            stack.extend(item)


def _macros_in_tree(data) -> Macros:
    """The macros of every ``macros`` (or ``Macros``) table inside ``data``."""
    macros: Macros = {}
    for key, value in _walk_items(data):
        if key in MACRO_KEYS and isinstance(value, dict):
            macros.update(normalise(value))
    return macros


_PARAM = re.compile(r"#([1-9])")


def normalise(table: dict) -> Macros:
    """MathJax/KaTeX macros -> derivlint's table. A value is a body (KaTeX: its ``#n`` give the
    number of arguments) or ``[body, n]`` / ``[body, n, default]`` (MathJax); keys may keep
    KaTeX's backslash. Anything else is not a macro and is left out."""
    macros: Macros = {}
    for name, value in table.items():
        if not isinstance(name, str):
            continue
        key = name[1:] if name.startswith("\\") else name
        if not key or not (key.isalpha() or (len(key) == 1 and name.startswith("\\") and not key.isspace())):
            continue  # KaTeX reads a key without its backslash ("*") as a character, not a command
        if isinstance(value, list) and len(value) == 1:  # MathJax: [body]
            value = value[0]
        if isinstance(value, str):
            macros[key] = (max((int(d) for d in _PARAM.findall(value)), default=0), None, value)
        elif (
            isinstance(value, list)
            and 2 <= len(value) <= 3
            and isinstance(value[0], str)
            and isinstance(value[1], int)
            and not isinstance(value[1], bool)
            and 0 <= value[1] <= 9
            and (len(value) == 2 or isinstance(value[2], str))
        ):
            macros[key] = (value[1], value[2] if len(value) == 3 else None, value[0])
    return macros


def _merge_same(pairs: list[tuple[str, Macros]]) -> list[tuple[str, Macros]]:
    """Pairs of one file merged into one (in order), so that each file is named once."""
    merged: dict[str, Macros] = {}
    for path, macros in pairs:
        merged.setdefault(path, {}).update(macros)
    return list(merged.items())


# --------------------------------------------------------------------------- JavaScript


_JS_TOKEN = re.compile(
    r"""(?P<ws>\s+|//[^\n]*|/\*.*?\*/)
      |(?P<str>"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')
      |(?P<tpl>`(?:[^`\\]|\\.)*`)
      |(?P<num>\d+(?:\.\d+)?)
      |(?P<id>[A-Za-z_$][\w$]*)
      |(?P<p>\.\.\.|[{}\[\]():,;=.<>?!])
      |(?P<other>.)""",
    re.S | re.X,
)
_JS_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "v": "\v", "0": "\0"}
_JS_ESCAPE = re.compile(r"\\(u\{[0-9A-Fa-f]+\}|u[0-9A-Fa-f]{4}|x[0-9A-Fa-f]{2}|\r\n|.)", re.S)


def _js_string(body: str) -> str:
    """A JavaScript string's value, its escapes read as JavaScript reads them (``"\\\\R"`` is ``\\R``)."""
    if "\\" not in body:
        return body

    def one(m: re.Match) -> str:
        e = m.group(1)
        if e[0] == "u" and len(e) > 1:
            return chr(int(e[2:-1] if e[1] == "{" else e[1:], 16))
        if e[0] == "x" and len(e) == 3:
            return chr(int(e[1:], 16))
        if e in ("\n", "\r\n", "\r", "\u2028", "\u2029"):
            return ""
        return _JS_ESCAPES.get(e, e)

    return _JS_ESCAPE.sub(one, body)


@dataclass(frozen=True)
class _Ident:
    name: str


@dataclass(frozen=True)
class _Require:
    path: str


def _js_tokens(text: str) -> list[tuple[str, str]]:
    tokens = []
    for m in _JS_TOKEN.finditer(text):
        kind = m.lastgroup
        if kind != "ws":
            tokens.append((kind, m.group()))
    return tokens


class _JsReader:
    """Values of JavaScript object literals among ``tokens``; what is not a literal is UNKNOWN."""

    def __init__(self, tokens: list[tuple[str, str]]):
        self.t = tokens

    def at(self, j: int) -> tuple[str, str]:
        return self.t[j] if j < len(self.t) else ("end", "")

    def skip(self, j: int) -> int:
        """Past one expression: to the next ``,`` ``;`` or closing bracket at depth 0."""
        depth = 0
        while j < len(self.t):
            kind, s = self.t[j]
            if kind == "p" and s in "([{":
                depth += 1
            elif kind == "p" and s in ")]}":
                if depth == 0:
                    return j
                depth -= 1
            elif kind == "p" and s in ",;" and depth == 0:
                return j
            j += 1
        return j

    def value(self, j: int):
        kind, s = self.at(j)
        if kind == "str":
            v, j = _js_string(s[1:-1]), j + 1
        elif kind == "tpl":
            v, j = (_js_string(s[1:-1]) if "${" not in s else UNKNOWN), j + 1
        elif kind == "num":
            v, j = (float(s) if "." in s else int(s)), j + 1
        elif kind == "p" and s == "{":
            v, j = self.obj(j + 1)
        elif kind == "p" and s == "[":
            v, j = self.arr(j + 1)
        elif kind == "id" and s in ("true", "false", "null"):
            v, j = {"true": True, "false": False, "null": None}[s], j + 1
        elif kind == "id" and s == "String" and self.at(j + 2) == ("id", "raw") and self.at(j + 3)[0] == "tpl":
            raw = self.at(j + 3)[1]
            v, j = (raw[1:-1] if "${" not in raw else UNKNOWN), j + 4
        elif kind == "id" and s == "require" and self.at(j + 1) == ("p", "(") and self.at(j + 2)[0] == "str":
            v, j = _Require(_js_string(self.at(j + 2)[1][1:-1])), j + 3
            if self.at(j) == ("p", ")"):
                j += 1
        elif kind == "id" and self.at(j + 1) not in (("p", "("), ("p", "."), ("p", "[")):
            v, j = _Ident(s), j + 1
        else:
            return UNKNOWN, self.skip(j)
        while self.at(j) in (("id", "as"), ("id", "satisfies")):  # TypeScript: `{…} as const`
            j += 2
        end = self.skip(j)
        return (v if end == j else UNKNOWN), end

    def obj(self, j: int):
        out: dict = {}
        while j < len(self.t):
            kind, s = self.at(j)
            if kind == "p" and s == "}":
                return out, j + 1
            if kind == "p" and s == ",":
                j += 1
                continue
            if kind in ("id", "str", "num") and self.at(j + 1) == ("p", ":"):
                key = _js_string(s[1:-1]) if kind == "str" else s
                value, j = self.value(j + 2)
                if value is not UNKNOWN:
                    out[key] = value
            elif kind == "id" and self.at(j + 1) in (("p", ","), ("p", "}")):
                out[s] = _Ident(s)  # shorthand {macros}
                j += 1
            else:
                j = self.skip(j)
            if self.at(j) not in (("p", ","), ("p", "}")):
                return UNKNOWN, self.skip(j)
        return UNKNOWN, j

    def arr(self, j: int):
        out: list = []
        while j < len(self.t):
            kind, s = self.at(j)
            if kind == "p" and s == "]":
                return out, j + 1
            if kind == "p" and s == ",":
                j += 1
                continue
            value, j = self.value(j)
            out.append(value)
            if self.at(j) not in (("p", ","), ("p", "]")):
                return UNKNOWN, self.skip(j)
        return UNKNOWN, j


def _js_bindings(reader: _JsReader) -> tuple[dict, object]:
    """The names a script binds to literals or imports (``const m = {…}``, ``import m from "./m"``)
    and its default export (``export default …``, ``module.exports = …``)."""
    t = reader.t
    names: dict = {}
    default = UNKNOWN
    for j, (kind, s) in enumerate(t):
        if kind != "id":
            continue
        if s in ("const", "let", "var") and reader.at(j + 1)[0] == "id":
            k = j + 2
            while k < len(t) and k < j + 12 and t[k] != ("p", "=") and t[k][1] not in (";", "{"):
                k += 1  # a TypeScript annotation
            if reader.at(k) == ("p", "="):
                names[t[j + 1][1]] = reader.value(k + 1)[0]
        elif s == "import" and reader.at(j + 1)[0] == "id" and reader.at(j + 2) == ("id", "from") and reader.at(j + 3)[0] == "str":
            names[t[j + 1][1]] = _Require(_js_string(t[j + 3][1][1:-1]))
        elif s == "export" and reader.at(j + 1) == ("id", "default"):
            default = reader.value(j + 2)[0]
        elif s == "module" and reader.at(j + 1) == ("p", ".") and reader.at(j + 2) == ("id", "exports") and reader.at(j + 3) == ("p", "="):
            default = reader.value(j + 4)[0]
    return names, default


def script_macros(
    text: str, path: str | None = None, root: str | None = None, depth: int = 0, followed: list | None = None
) -> Macros:
    """The macros a script configures: every ``macros:`` (or MathJax 2 ``Macros:``) object in it.
    With ``path`` (the script's file) and ``root`` (its site's folder), a name bound to an import
    or ``require`` of a JSON/JS/TS file of the site is followed to that file (added to ``followed``)."""
    if "acros" not in text:
        return {}
    reader = _JsReader(_js_tokens(text))
    names, _default = _js_bindings(reader)
    macros: Macros = {}
    for j, (kind, s) in enumerate(reader.t):
        if not ((kind == "id" and s in MACRO_KEYS) or (kind == "str" and s[1:-1].rpartition(".")[2] in MACRO_KEYS)):
            continue  # "macros", or a setting such as VS Code's "markdown.math.macros"
        if reader.at(j + 1) == ("p", ":"):
            value = reader.value(j + 2)[0]
        elif kind == "id" and reader.at(j + 1) in (("p", ","), ("p", "}")) and reader.at(j - 1) in (("p", ","), ("p", "{")):
            value = _Ident(s)
        else:
            continue
        value = _resolve(value, names, path, root, depth, followed)
        if isinstance(value, dict):
            macros.update(normalise({k: _resolve(v, names, path, root, depth, followed) for k, v in value.items()}))
    return macros


def _resolve(value, names: dict, path: str | None, root: str | None, depth: int, followed: list | None = None):
    for _ in range(4):
        if isinstance(value, _Ident):
            value = names.get(value.name, UNKNOWN)
        elif isinstance(value, _Require):
            return _module(value.path, path, root, depth, followed) if path and root else UNKNOWN
        else:
            return value
    return UNKNOWN


def _module(spec: str, importer: str, root: str, depth: int, followed: list | None):
    """The macros object of the site file ``spec`` (relative to ``importer``): a JSON object, or a
    script's default export (its ``macros`` entry when it has one)."""
    if depth > 2 or not spec.startswith("."):
        return UNKNOWN
    base = os.path.join(os.path.dirname(importer), spec)
    for candidate in [base + ext for ext in SCRIPT_EXTENSIONS] + [os.path.join(base, "index" + e) for e in SCRIPT_EXTENSIONS[2:]]:
        real = _inside(candidate, root)
        text = _read_file(real) if real else None
        if text is None:
            continue
        if followed is not None and real not in followed:
            followed.append(real)
        if real.endswith(".json"):
            try:
                data = json.loads(text)
            except ValueError:
                return UNKNOWN
        else:
            reader = _JsReader(_js_tokens(text))
            names, data = _js_bindings(reader)
            data = _resolve(data, names, real, root, depth + 1, followed)
            if not isinstance(data, dict):
                found = script_macros(text, real, root, depth + 1, followed)
                return {k: [v[2], v[0]] + ([v[1]] if v[1] is not None else []) for k, v in found.items()} or UNKNOWN
            data = {k: _resolve(v, names, real, root, depth + 1, followed) for k, v in data.items()}
        if isinstance(data, dict) and isinstance(data.get("macros"), dict):
            return data["macros"]
        return data if isinstance(data, dict) else UNKNOWN
    return UNKNOWN


def _script_config(path: str) -> list[tuple[str, Macros]]:
    """Docusaurus (and any site configured by a script): ``macros`` objects of its KaTeX or
    MathJax options, followed to the JSON/JS/TS file they are imported from."""
    text = _read_file(path) or ""
    followed: list = []
    macros = script_macros(text, path, os.path.dirname(path), followed=followed)
    return [(path, macros)] + [(f, macros) for f in followed]


# --------------------------------------------------------------------------- YAML


def load_yaml(text: str):
    """The first document of a YAML text, for the subset site configurations use: block mappings
    and sequences, flow ``{…}``/``[…]``, plain, quoted and block (``|``, ``>``) scalars; tags and
    anchors are ignored, aliases read as None. Never raises: what it cannot read is None.

    (PyYAML is not a dependency of derivlint, and a configuration's macros need only this.)"""
    try:
        return _Yaml(text).document()
    except (IndexError, ValueError, RecursionError):
        return None


_KEY = re.compile(r"""("(?:[^"\\]|\\.)*"|'(?:[^']|'')*'|[^\s'"\[\]{}#,&*!|>%@`-][^#]*?|-[^\s#][^#]*?)\s*:(?:\s+|$)""")
_COMMENT = re.compile(r"""(^|\s)#.*$""")
_INT = re.compile(r"[-+]?\d+\Z")


def _strip_comment(s: str) -> str:
    """``s`` without a trailing ``# comment`` (a ``#`` inside quotes is kept)."""
    if "#" not in s:
        return s
    quote = None
    for i, c in enumerate(s):
        if quote:
            if c == quote:
                quote = None
            elif c == "\\" and quote == '"':
                continue
        elif c in "\"'" and (i == 0 or s[i - 1] in " \t[{,:"):
            quote = c
        elif c == "#" and (i == 0 or s[i - 1] in " \t"):
            return s[:i].rstrip()
    return s


def _plain(s: str):
    s = s.strip()
    if _INT.match(s):
        return int(s)
    if s in ("true", "True", "TRUE"):
        return True
    if s in ("false", "False", "FALSE"):
        return False
    if s in ("", "~", "null", "Null", "NULL"):
        return None
    return s


_YAML_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "0": "\0", "b": "\b", "f": "\f", "v": "\v", "e": "\x1b",
                 " ": " ", "/": "/", '"': '"', "\\": "\\", "\t": "\t", "N": "\x85", "_": "\xa0", "a": "\a"}


def _double(body: str) -> str:
    body = re.sub(r"[ \t]*\n[ \t]*", lambda m: "\n" if m.group().count("\n") > 1 else " ", body) if "\n" in body else body

    def one(m: re.Match) -> str:
        e = m.group(1)
        if e[0] in "xuU" and len(e) > 1:
            return chr(int(e[1:], 16))
        return _YAML_ESCAPES.get(e, e)

    return re.sub(r"\\(x[0-9A-Fa-f]{2}|u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|.)", one, body, flags=re.S)


class _Yaml:
    def __init__(self, text: str):
        self.lines = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", "  ").split("\n")
        self.i = 0

    def document(self):
        self.skip()
        if self.i < len(self.lines) and self.lines[self.i].startswith("---"):
            rest = self.lines[self.i][3:].strip()
            self.i += 1
            if rest:
                return self.scalar_or_flow(rest, -1)
        return self.node(0)

    def skip(self) -> None:
        while self.i < len(self.lines):
            s = self.lines[self.i].strip()
            if s and not s.startswith("#") and not s.startswith("%"):
                return
            self.i += 1

    def current(self) -> tuple[int, str] | None:
        self.skip()
        if self.i >= len(self.lines):
            return None
        line = self.lines[self.i]
        if line.startswith(("---", "...")) and line[3:4] in ("", " "):
            return None  # the end of the first document
        return len(line) - len(line.lstrip(" ")), line.lstrip(" ")

    def node(self, min_indent: int):
        cur = self.current()
        if cur is None or cur[0] < min_indent:
            return None
        indent, content = cur
        if content == "-" or content.startswith("- "):
            return self.sequence(indent)
        if _KEY.match(content):
            return self.mapping(indent)
        self.i += 1
        return self.scalar_or_flow(content, indent - 1)

    def sequence(self, indent: int) -> list:
        items = []
        while True:
            cur = self.current()
            if cur is None or cur[0] != indent or not (cur[1] == "-" or cur[1].startswith("- ")):
                return items
            rest = cur[1][1:]
            if not rest.strip() or rest.strip().startswith("#"):
                self.i += 1
                items.append(self.node(indent + 1))
            else:
                inner = indent + 1 + len(rest) - len(rest.lstrip(" "))
                self.lines[self.i] = " " * inner + rest.lstrip(" ")
                items.append(self.node(inner))

    def mapping(self, indent: int) -> dict:
        out: dict = {}
        while True:
            cur = self.current()
            if cur is None or cur[0] != indent:
                return out
            m = _KEY.match(cur[1])
            if m is None:
                return out
            raw = m.group(1).strip()
            key = _double(raw[1:-1]) if raw.startswith('"') else raw[1:-1].replace("''", "'") if raw.startswith("'") else raw
            self.i += 1
            out[key] = self.value(cur[1][m.end():], indent)

    def value(self, rest: str, indent: int):
        rest = _strip_comment(rest).strip()
        while rest.startswith(("&", "!")):  # an anchor or a tag before the value
            parts = rest.split(None, 1)
            rest = parts[1] if len(parts) > 1 else ""
        if not rest:
            cur = self.current()
            if cur is None:
                return None
            if cur[0] > indent:
                return self.node(indent + 1)
            if cur[0] == indent and (cur[1] == "-" or cur[1].startswith("- ")):
                return self.sequence(indent)
            return None
        if rest[0] in "|>":
            return self.block_scalar(rest, indent)
        return self.scalar_or_flow(rest, indent)

    def block_scalar(self, header: str, indent: int) -> str:
        lines = []
        block = None
        while self.i < len(self.lines):
            line = self.lines[self.i]
            if line.strip():
                ind = len(line) - len(line.lstrip(" "))
                if ind <= indent:
                    break
                block = ind if block is None else block
                if ind < block:
                    break
                lines.append(line[block:])
            else:
                lines.append("")
            self.i += 1
        while lines and not lines[-1]:
            lines.pop()
        if header.startswith(">"):
            text = re.sub(r"(?<=\S)\n(?=\S)", " ", "\n".join(lines))
        else:
            text = "\n".join(lines)
        return text if "-" in header else text + "\n"

    def continued(self, text: str, done, comments: bool = False) -> str:
        """``text`` and the lines after it, until ``done(text)`` (flow brackets closed, a quote
        ended); ``comments``: each line without its ``# comment``."""
        if comments:
            text = _strip_comment(text)
        while not done(text) and self.i < len(self.lines):
            line = self.lines[self.i].strip()
            text += "\n" + (_strip_comment(line) if comments else line)
            self.i += 1
        return text

    def scalar_or_flow(self, text: str, indent: int):
        if text[0] in "[{":
            text = self.continued(text, _flow_closed, comments=True)
            value, _ = _Flow(text).value(0)
            return value
        if text[0] == '"':
            text = self.continued(text, lambda s: re.match(r'"(?:[^"\\]|\\.)*"', s, re.S) is not None)
            m = re.match(r'"((?:[^"\\]|\\.)*)"', text, re.S)
            return _double(m.group(1)) if m else None
        if text[0] == "'":
            text = self.continued(text, lambda s: re.match(r"'(?:[^']|'')*'", s, re.S) is not None)
            m = re.match(r"'((?:[^']|'')*)'", text, re.S)
            return re.sub(r"[ \t]*\n[ \t]*", " ", m.group(1)).replace("''", "'") if m else None
        if text[0] == "*":
            return None  # an alias
        parts = [_strip_comment(text)]
        while self.i < len(self.lines):  # a plain scalar continued on more indented lines
            line = self.lines[self.i]
            if not line.strip() or len(line) - len(line.lstrip(" ")) <= indent or _KEY.match(line.lstrip(" ")):
                break
            parts.append(_strip_comment(line.strip()))
            self.i += 1
        return _plain(" ".join(parts))


def _flow_closed(s: str) -> bool:
    depth = 0
    quote = None
    for c in s:
        if quote:
            if c == quote:
                quote = None
        elif c in "\"'":
            quote = c
        elif c in "[{":
            depth += 1
        elif c in "]}":
            depth -= 1
            if depth == 0:
                return True
    return False


_FLOW_TOKEN = re.compile(r"""\s+|"(?:[^"\\]|\\.)*"|'(?:[^']|'')*'|[\[\]{},]|:(?=[\s,\]}])|(?:[^\s\[\]{},:]|:(?![\s,\]}]))(?:[^\[\]{},:]|:(?![\s,\]}]))*""", re.S)


class _Flow:
    """A YAML flow collection: ``{a: b, c: [1, 2]}``."""

    def __init__(self, text: str):
        self.t = [m.group() for m in _FLOW_TOKEN.finditer(text) if not m.group().isspace()]

    def at(self, j: int) -> str:
        return self.t[j] if j < len(self.t) else ""

    def value(self, j: int):
        s = self.at(j)
        if s == "{":
            out: dict = {}
            j += 1
            while j < len(self.t) and self.at(j) != "}":
                if self.at(j) == ",":
                    j += 1
                    continue
                start = j
                key, j = self.value(j)
                if j == start:  # a stray bracket
                    j += 1
                    continue
                value = None
                if self.at(j) == ":":
                    value, j = self.value(j + 1) if self.at(j + 1) not in (",", "}") else (None, j + 1)
                if isinstance(key, (str, int)):
                    out[key] = value
            return out, j + 1
        if s == "[":
            items = []
            j += 1
            while j < len(self.t) and self.at(j) != "]":
                if self.at(j) == ",":
                    j += 1
                    continue
                start = j
                value, j = self.value(j)
                if j == start:  # a stray bracket
                    j += 1
                    continue
                items.append(value)
            return items, j + 1
        if s.startswith('"'):
            return _double(s[1:-1]), j + 1
        if s.startswith("'"):
            return s[1:-1].replace("''", "'"), j + 1
        if s in (",", "]", "}", ":", ""):
            return None, j + (s == ":")
        return _plain(s), j + 1
