"""LaTeX projects: the files a document brings in (``\\input``, ``\\include``, ``\\subfile``, ``\\import``, local packages), read as one note.

How a project is read (docs/latex-projects.md says it for users):

* ``\\input{f}``, ``\\include{f}``, ``\\subfile{f}``, ``\\import{dir}{f}``, ``\\subimport{dir}{f}``
  (and ``\\inputfrom`` … of the import package) are followed where they stand, outside comments
  and verbatim. Paths resolve as LaTeX resolves them: relative to the root document's folder
  (the folder LaTeX runs in), or to the import folder inside an ``\\import``ed file (and
  ``\\subfile``, ``\\subimport`` relative to the file that holds them); ``.tex`` is tried first
  when the name does not end with it. The blocks and passages of an included file are spliced
  in at the command, each keeping its own file, line and column; its macros join the note's.
* Only TeX sources are followed: a name that resolves to a file with another extension (a
  figure exported as ``.pdf_tex``, a ``.tikz`` picture, a table) is not a note and is skipped.
* ``\\usepackage{name}`` / ``\\RequirePackage`` of a package whose ``name.sty`` sits in the
  project is read for its macro definitions only; a package that is not there is one of the
  TeX distribution, never reported.
* Never a file outside ``tree`` (the folder being checked): such an include is not read and is
  one DL100 at the command, saying so.
* A missing file and an include cycle are one DL100 at the command. A bare ``\\input{name}`` in
  the preamble that is not found is taken as a file of the TeX distribution
  (``\\input{glyphtounicode}``) and is not reported.
* A file brought in twice is read once (its findings are not reported twice).

``root_documents`` decides which of the ``.tex`` files of a run are checked on their own: a file
that another checked document brings in is checked as part of it, with its macros, and not again.
"""

from __future__ import annotations

import bisect
import hashlib
import os
import re
from dataclasses import dataclass, field

from derivlint.extract.blocks import Extraction
from derivlint.math.macros import macro_table, match_group, scan_definitions, skip_optional, skip_space
from derivlint.source import Source

# command -> number of brace arguments: (folder, file) or (file,)
INCLUDERS = {
    "input": 1, "include": 1, "subfile": 1,
    "import": 2, "subimport": 2, "inputfrom": 2, "subinputfrom": 2, "includefrom": 2, "subincludefrom": 2,
}
PACKAGE_LOADERS = frozenset({"usepackage", "RequirePackage"})
MAX_FILES = 500  # files read for one root document, whatever its includes say

_NAMES = "|".join(sorted([*INCLUDERS, *PACKAGE_LOADERS], key=len, reverse=True))
_VERBATIM = r"verbatim\*?|Verbatim\*?|lstlisting|minted|comment"
_TOKEN_RE = re.compile(
    r"%[^\n]*|\\begin\s*\{\s*(?P<verb>" + _VERBATIM + r")\s*\}|\\begin\s*\{\s*document\s*\}(?P<doc>)"
    r"|\\verb(?![A-Za-z@])(?P<inline>)|\\(?P<cmd>" + _NAMES + r")(?![A-Za-z@])\*?|\\.",
    re.S,
)
_TRIGGER_RE = re.compile(r"\\(?:" + _NAMES + r")(?![A-Za-z@])")
_BARE_NAME_RE = re.compile(r"[^\s{}%\\]+")


@dataclass
class Include:
    """One command that brings a file in: where it stands and what it names."""

    command: str
    start: int
    end: int
    names: list[str]  # the file (one), or the packages of \\usepackage{a,b}
    folder: str | None = None  # \\import{folder}{file}
    in_preamble: bool = False
    braced: bool = True


@dataclass
class Project:
    """What reading a root document and the files it brings in gave."""

    extraction: Extraction
    problems: list[tuple[Source, int, int, str]] = field(default_factory=list)  # each one DL100
    files: list[str] = field(default_factory=list)  # every file read, the root first (absolute)


def brings_in(text: str) -> bool:
    """Whether ``text`` names a command that may bring a file in (cheap; no file is read)."""
    return "\\" in text and _TRIGGER_RE.search(text) is not None


def includes_of(text: str) -> list[Include]:
    """The commands of ``text`` that bring files in, in order, outside comments and verbatim."""
    found: list[Include] = []
    if not brings_in(text):
        return found
    preamble = "\\documentclass" in text or "\\begin{document}" in text
    pos = 0
    while True:
        m = _TOKEN_RE.search(text, pos)
        if m is None:
            return found
        pos = m.end()
        if m.group("verb") is not None:
            k = text.find("\\end{%s}" % m.group("verb"), pos)
            pos = len(text) if k == -1 else k
        elif m.group("doc") is not None:
            preamble = False
        elif m.group("inline") is not None:
            from derivlint.extract.latex import _verb_end

            pos = _verb_end(text, pos)
        elif m.group("cmd") is not None:
            include = _arguments(text, m.group("cmd"), m.start(), pos)
            if include is not None:
                include.in_preamble = preamble
                found.append(include)
                pos = include.end


def _arguments(text: str, command: str, start: int, i: int) -> Include | None:
    """The arguments of ``\\command`` whose name ends at ``i``; None when malformed."""
    if command in PACKAGE_LOADERS:
        j = skip_optional(text, i)  # \usepackage[options]{names}
        if j == -1:
            return None
        arg = _group(text, j)
        if arg is None:
            return None
        names = [n.strip() for n in _uncomment(arg[0]).split(",") if n.strip()]
        return Include(command, start, arg[1], names)
    args = []
    for _ in range(INCLUDERS[command]):
        arg = _group(text, i)
        if arg is None:
            break
        args.append(arg[0].strip())
        i = arg[1]
    if len(args) == INCLUDERS[command]:
        folder = args[0] if len(args) == 2 else None
        return Include(command, start, i, [args[-1]], folder)
    if command == "input" and not args:  # TeX's own syntax: \input name
        j = i
        while j < len(text) and text[j] in " \t":
            j += 1
        m = _BARE_NAME_RE.match(text, j)
        if m is not None and j > i:
            return Include(command, start, m.end(), [m.group()], braced=False)
    return None


def _group(text: str, i: int) -> tuple[str, int] | None:
    j = skip_space(text, i)
    if not text.startswith("{", j):
        return None
    end = match_group(text, j)
    return None if end == -1 else (text[j + 1 : end - 1], end)


def _uncomment(s: str) -> str:
    return re.sub(r"%[^\n]*", "", s)


# ---------------------------------------------------------------- resolving names


def _inside(path: str, tree: str) -> bool:
    try:
        return os.path.commonpath([path, tree]) == tree
    except ValueError:  # another drive
        return False


def _candidates(folder: str, name: str, extension: str = ".tex") -> list[str]:
    """The paths LaTeX tries for ``name`` in ``folder``: ``name.tex`` first, then ``name``."""
    path = os.path.join(folder, os.path.expanduser(name) if name.startswith("~") else name)
    if path.endswith(extension):
        return [path]
    return [path + extension, path]


def _is_tex_source(path: str) -> bool:
    """Whether a file is a TeX source that holds a note: ``.tex``, or a name without extension."""
    ext = os.path.splitext(path)[1].lower()
    return ext in (".tex", "") or ext == ".ltx"


@dataclass
class _Reader:
    """The state of reading one root document: what was read, where the tree ends."""

    root_folder: str
    tree: str
    extractor: object
    problems: list = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    seen: set[str] = field(default_factory=set)
    root_shown: str = ""  # the root's path as given: included files are named next to it
    macros: dict = field(default_factory=dict)  # every definition read so far, in reading order

    def problem(self, source: Source, include: Include, message: str) -> None:
        self.problems.append((source, include.start, include.end, message))

    def locate(self, include: Include, cwd: str, source: Source) -> tuple[str, str] | None:
        """(absolute real path, folder its own includes resolve in) of the file ``include`` names,
        or None (a DL100 is recorded when it should be)."""
        name = include.names[0]
        if not name or "\\" in name or "#" in name:  # a name made by a macro: cannot be followed
            return None
        command = include.command
        if command in ("import", "inputfrom", "includefrom"):
            base = os.path.join(self.root_folder, include.folder or "")
        elif command.startswith("sub") and command != "subfile":
            base = os.path.join(cwd, include.folder or "")
        else:
            base = cwd
        folders = [base] if base == self.root_folder or command != "input" else [base, self.root_folder]
        tried = [c for f in folders for c in _candidates(f, name)]
        found = next((c for c in tried if os.path.isfile(c)), None)
        shown = os.path.relpath(tried[0], self.root_folder) if tried else name
        if found is None:
            if not _is_tex_source(name):
                return None  # a figure or a table that is not in the tree: not a note either way
            if include.in_preamble and command == "input" and "/" not in name and os.sep not in name:
                return None  # \input{glyphtounicode}: a file of the TeX distribution
            self.problem(source, include, f"'\\{command}' names '{shown}', which does not exist: "
                                          "what it holds was not checked")
            return None
        if not _is_tex_source(found):
            return None
        real = os.path.realpath(found)
        if not _inside(real, self.tree):
            self.problem(source, include, f"'\\{command}' names '{shown}', outside the folder being checked "
                                          f"({self.tree}): it was not read; check a folder that holds both")
            return None
        if command == "subfile" or command.startswith("sub") or command in ("import", "inputfrom", "includefrom"):
            own = os.path.dirname(found) if command == "subfile" else base
        else:
            own = cwd
        return real, own

    def package(self, name: str, cwd: str) -> str | None:
        """The real path of the project's own ``name.sty``, or None (a package of the distribution)."""
        if not name or "\\" in name or "#" in name:
            return None
        for folder in dict.fromkeys([cwd, self.root_folder]):
            path = os.path.join(folder, name if name.endswith(".sty") else name + ".sty")
            if os.path.isfile(path):
                real = os.path.realpath(path)
                return real if _inside(real, self.tree) else None
        return None


def _read(path: str) -> tuple[str | None, str | None]:
    from derivlint.files import read_note

    text, problem = read_note(path, None)
    return text, (None if problem is None else getattr(problem, "message", str(problem)))


def read_project(path: str, text: str, tree: str | None = None) -> Project:
    """The root document at ``path`` (its ``text`` given) and every file it brings in, as one
    extraction in document order; ``tree`` (default: the root's folder) bounds what is read.

    The macros are those every file defines, taken in the order LaTeX reads them (a later
    definition replaces an earlier one, ``\\providecommand`` only defines a new name)."""
    from derivlint.extract.latex import extract_latex

    root_folder = os.path.dirname(os.path.abspath(path))
    tree = os.path.realpath(tree or root_folder)
    reader = _Reader(root_folder, tree, extract_latex, root_shown=path)
    real = os.path.realpath(path)
    reader.seen.add(real)
    reader.files.append(os.path.abspath(path))
    result = _read_tex(reader, path, text, root_folder, [real])
    if len(reader.files) > 1:  # something was brought in: the macros of all, in reading order
        result.macros = reader.macros
        _heading_paths(result.passages)
    return Project(result, reader.problems, reader.files)


def _shown(reader: _Reader, real: str) -> str:
    """How a file the root brings in is named in findings: next to the root's own path as given."""
    rel = os.path.relpath(real, os.path.realpath(reader.root_folder))
    return os.path.normpath(os.path.join(os.path.dirname(reader.root_shown), rel))


def _define(reader: _Reader, definitions: list) -> None:
    """Apply ``definitions`` to the macros read so far, as LaTeX would."""
    for d in definitions:
        if d.name is None or (d.keyword == "providecommand" and d.name in reader.macros):
            continue
        reader.macros.update(macro_table([d]))


def _definitions(text: str) -> list:
    from derivlint.extract.latex import _blank_comments

    return scan_definitions(_blank_comments(text)) if "\\" in text else []


def _read_tex(reader: _Reader, shown: str, text: str, cwd: str, stack: list[str]) -> Extraction:
    """The extraction of one file with every file it brings in spliced in at its command."""
    own = reader.extractor(shown, text)
    definitions = _definitions(text)
    includes = includes_of(text)
    source = own.sources[0]
    pieces: list[tuple[int, Extraction]] = []
    k = 0
    for include in includes:
        _define(reader, [d for d in definitions[k:] if d.start < include.start])
        while k < len(definitions) and definitions[k].start < include.start:
            k += 1
        if include.command in PACKAGE_LOADERS:
            for name in include.names:
                _read_package(reader, reader.package(name, cwd))
            continue
        located = reader.locate(include, cwd, source)
        if located is None:
            continue
        real, folder = located
        if real in stack:
            chain = " -> ".join(os.path.basename(p) for p in [*stack[stack.index(real):], real])
            reader.problem(source, include, f"'\\{include.command}' makes an include cycle ({chain}): "
                                            "the file is not read again")
            continue
        if real in reader.seen or len(reader.seen) >= MAX_FILES:
            continue  # read once: its findings are not reported twice
        child_text, problem = _read(real)
        if child_text is None:
            reader.problem(source, include, f"'\\{include.command}' names a file that cannot be read: {problem}")
            continue
        reader.seen.add(real)
        reader.files.append(real)
        pieces.append((include.start, _read_tex(reader, _shown(reader, real), child_text, folder, [*stack, real])))
    _define(reader, definitions[k:])
    return _splice(own, pieces) if pieces else own


def _heading_paths(passages: list) -> None:
    """Give every passage its heading path across files: a chapter's ``\\section`` sits under the
    ``\\chapter`` of the document that brings it in (each file alone only knows its own)."""
    from derivlint.extract.latex import _heading

    stack: list[tuple[int, str]] = []
    section = 0
    for passage in passages:
        if passage.kind == "heading":
            heading = _heading(passage.source.text, passage.start)
            if heading is not None:
                _, level, title = heading
                while stack and stack[-1][0] >= level:
                    stack.pop()
                stack.append((level, title))
                section += 1
        passage.headings = tuple(title for _, title in stack)
        passage.section = section


def _read_package(reader: _Reader, real: str | None) -> None:
    """Read the macros of a project's own package (and of the packages and files it loads)."""
    if real is None or real in reader.seen or len(reader.seen) >= MAX_FILES:
        return
    reader.seen.add(real)
    reader.files.append(real)
    text, _ = _read(real)
    if not text:
        return
    definitions = _definitions(text)
    k = 0
    for include in includes_of(text):
        if include.command not in PACKAGE_LOADERS:
            continue  # a package's \\input: rare, not followed
        _define(reader, [d for d in definitions[k:] if d.start < include.start])
        while k < len(definitions) and definitions[k].start < include.start:
            k += 1
        for name in include.names:
            _read_package(reader, reader.package(name, os.path.dirname(real)))
    _define(reader, definitions[k:])


def _splice(own: Extraction, pieces: list[tuple[int, Extraction]]) -> Extraction:
    """``own`` with each piece's blocks and passages put where its command stands.

    The context orders passages by source, then offset: so that a chapter's passages come
    between the text before its command and the text after, ``own``'s text is cut at each
    command into sources of its own (the same path and text, so positions are unchanged)."""
    base = own.sources[0]
    cuts = [at for at, _ in pieces]
    segments = [base] + [Source(base.path, base.text, base.cell) for _ in cuts]

    def segment(pos: int) -> Source:
        return segments[bisect.bisect_right(cuts, pos)]

    for passage in own.passages:
        passage.source = segment(passage.start)
    for block in own.blocks:  # a block goes with its passage (one may hold the command too)
        block.source = block.passage.source if block.passage is not None else segment(block.start)
    sources = [segments[0]]
    for k, (_, piece) in enumerate(pieces):
        sources += piece.sources + [segments[k + 1]]
    blocks = [(b.start, 1, [b]) for b in own.blocks] + [(at, 0, p.blocks) for at, p in pieces]
    passages = [(p.start, 1, [p]) for p in own.passages] + [(at, 0, p.passages) for at, p in pieces]
    blocks.sort(key=lambda x: (x[0], x[1]))
    passages.sort(key=lambda x: (x[0], x[1]))
    return Extraction(
        sources=sources + own.sources[1:],
        passages=[p for _, _, ps in passages for p in ps],
        blocks=[b for _, _, bs in blocks for b in bs],
        problems=own.problems + [x for _, p in pieces for x in p.problems],
        macros=own.macros,
    )


# ---------------------------------------------------------------- a run over many files


def dependencies(path: str, tree: str | None = None) -> list[str]:
    """Every file the ``.tex`` document at ``path`` brings in (absolute, real), without reading
    it as a note: what its checked result depends on besides its own text."""
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read()
    except OSError:
        return []
    if not brings_in(text):
        return []
    root_folder = os.path.dirname(os.path.abspath(path))
    reader = _Reader(root_folder, os.path.realpath(tree or root_folder), None)
    real = os.path.realpath(path)
    reader.seen.add(real)
    _walk(reader, text, root_folder, [real], Source(path, text))
    return reader.files


def _walk(reader: _Reader, text: str, cwd: str, stack: list[str], source: Source) -> None:
    for include in includes_of(text):
        if include.command in PACKAGE_LOADERS:
            for name in include.names:
                real = reader.package(name, cwd)
                if real is not None and real not in reader.seen and len(reader.seen) < MAX_FILES:
                    reader.seen.add(real)
                    reader.files.append(real)
                    sub, _ = _read(real)
                    if sub:
                        _walk(reader, sub, os.path.dirname(real), [*stack, real], Source(real, sub))
            continue
        located = reader.locate(include, cwd, source)
        if located is None or located[0] in reader.seen or len(reader.seen) >= MAX_FILES:
            continue
        real, folder = located
        reader.seen.add(real)
        reader.files.append(real)
        sub, _ = _read(real)
        if sub:
            _walk(reader, sub, folder, [*stack, real], Source(real, sub))


def dependency_digest(path: str, tree: str | None = None) -> str:
    """A digest of the names and texts of the files ``path`` brings in ("" when none): a cached
    result of ``path`` is stale when it changes."""
    files = dependencies(path, tree)
    if not files:
        return ""
    h = hashlib.sha256()
    for real in files:
        h.update(real.encode("utf-8", "surrogatepass") + b"\0")
        try:
            with open(real, "rb") as f:
                h.update(hashlib.sha256(f.read()).digest())
        except OSError:
            h.update(b"unreadable")
    return h.hexdigest()


def root_documents(paths: list[str], tree_of=None) -> list[str]:
    """``paths`` without the ``.tex`` files that another of them brings in (checked as part of it).

    Documents with ``\\documentclass`` claim their files first, then the others in order; a file
    that only brings itself back in through a cycle stays. ``tree_of(path)`` gives the folder a
    file's includes are bounded by (default: its own folder)."""
    tex = [p for p in paths if p.lower().endswith(".tex")]
    if len(tex) < 2:
        return paths
    real_of = {p: os.path.realpath(p) for p in tex}
    heads: dict[str, str] = {}
    for p in tex:
        try:
            with open(p, encoding="utf-8", errors="replace") as f:
                heads[p] = f.read()
        except OSError:
            heads[p] = ""
    if not any(brings_in(t) for t in heads.values()):
        return paths
    order = sorted(tex, key=lambda p: ("\\documentclass" not in heads[p], tex.index(p)))
    covered: set[str] = set()
    for p in order:
        if real_of[p] in covered or not brings_in(heads[p]):
            continue
        covered.update(f for f in dependencies(p, tree_of(p) if tree_of else None) if f != real_of[p])
    return [p for p in paths if not (p in real_of and real_of[p] in covered)]
