"""Finding the notes to check (folders, .gitignore) and reading them as text safely."""

from __future__ import annotations

import codecs
import os
import stat
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Iterable

if TYPE_CHECKING:  # imported where a pattern is compiled: pathspec takes 0.05 s to import
    import pathspec

# Markdown and its dialects (Quarto, R Markdown, MDX), LaTeX and Jupyter notebooks; compared lower-cased.
NOTE_EXTENSIONS = frozenset({".md", ".markdown", ".qmd", ".rmd", ".mdx", ".tex", ".ipynb"})
SKIPPED_DIRS = frozenset({"node_modules", "__pycache__"})
MAX_FILE_SIZE = 10 * 1024 * 1024  # bytes
BINARY_SNIFF = 8192  # a NUL byte in this many leading bytes means a binary file

# Longest first: the UTF-32-LE BOM starts with the UTF-16-LE one.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le", "UTF-32"),
    (codecs.BOM_UTF32_BE, "utf-32-be", "UTF-32"),
    (codecs.BOM_UTF8, "utf-8", "UTF-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "UTF-16"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "UTF-16"),
)

_Specs = list[tuple[str, "pathspec.PathSpec"]]  # (folder the .gitignore is in, its patterns)


# --------------------------------------------------------------------------- discovery


def display_path(path: str) -> str:
    """``path`` as a user would type it: relative to the cwd when under it, else as given."""
    if os.path.isabs(path):
        try:
            rel = os.path.relpath(path, os.getcwd())
        except ValueError:  # another drive on Windows
            return path
        if rel != os.pardir and not rel.startswith(os.pardir + os.sep):
            return rel
        return path
    return os.path.normpath(path)


def discover(
    paths: list[str],
    exclude: Iterable[str] = (),
    skip: Callable[[str, bool], bool] | None = None,
    force_exclude: bool = False,
) -> tuple[list[str], list[str]]:
    """The files to check under ``paths`` (sorted) and messages for paths that cannot be used.

    A file or folder named explicitly is always checked, unless ``force_exclude``.
    Folders are walked for note files, skipping hidden folders,
    ``node_modules``, ``__pycache__``, what .gitignore files ignore, what the
    gitignore-style ``exclude`` patterns match (against the path relative to
    the walked folder or to the cwd), and what ``skip(absolute path, is_dir)``
    says to skip (the configuration's ``exclude``; it may raise ConfigError).
    """
    excluded = _spec(list(exclude))
    files: dict[str, str] = {}  # normalised absolute path -> display path
    errors: list[str] = []
    for given in paths:
        if os.path.isdir(given):
            if force_exclude and _forced_out(given, True, excluded, skip):
                continue
            for found in _walk_root(given, excluded, errors, skip):
                files.setdefault(_key(found), display_path(found))
        elif os.path.exists(given):
            if force_exclude and _forced_out(given, False, excluded, skip):
                continue
            files.setdefault(_key(given), display_path(given))
        else:
            errors.append(f"no such file or directory: {given}")
    return sorted(files.values()), errors


def _forced_out(given: str, is_dir: bool, excluded: pathspec.PathSpec | None, skip) -> bool:
    """With --force-exclude: whether a path named on the command line is excluded."""
    path = os.path.abspath(given)
    if skip is not None and skip(path, is_dir):
        return True
    return _excluded(excluded, path, os.getcwd(), is_dir)


def _key(path: str) -> str:
    return os.path.normcase(os.path.abspath(path))


def _spec(lines: list[str]) -> pathspec.PathSpec | None:
    """The gitignore-style patterns of ``lines``; None when there are none (blank lines and
    comments only), so that a walk without patterns never imports pathspec."""
    if not any(line.strip() and not line.lstrip().startswith("#") for line in lines):
        return None
    import pathspec

    try:
        return pathspec.GitIgnoreSpec.from_lines(lines)
    except Exception:  # one malformed pattern should not lose the others
        good = []
        for line in lines:
            try:
                pathspec.GitIgnoreSpec.from_lines([line])
            except Exception:
                continue
            good.append(line)
        return pathspec.GitIgnoreSpec.from_lines(good)


def _read_gitignore(folder: str) -> pathspec.PathSpec | None:
    try:
        with open(os.path.join(folder, ".gitignore"), encoding="utf-8", errors="replace") as f:
            return _spec(f.read().splitlines())
    except OSError:
        return None


def _decision(spec: pathspec.PathSpec | None, rel: str) -> bool | None:
    """Whether the last pattern matching ``rel`` ignores (True) or re-includes it (False)."""
    result = None
    if spec is None:
        return None
    for pattern in spec.patterns:
        if pattern.include is not None and pattern.match_file(rel) is not None:
            result = pattern.include
    return result


def _ignored(path: str, is_dir: bool, specs: _Specs) -> bool:
    """Whether .gitignore files (outermost first, the innermost deciding last) ignore ``path``."""
    ignored = False
    for base, spec in specs:
        rel = os.path.relpath(path, base).replace(os.sep, "/")
        if rel.startswith("../") or rel == "..":
            continue
        decision = _decision(spec, rel + "/" if is_dir else rel)
        if decision is not None:
            ignored = decision
    return ignored


def _parent_specs(root: str) -> _Specs:
    """The .gitignore files of the folders above ``root`` up to its git checkout's top."""
    if os.path.exists(os.path.join(root, ".git")):
        return []  # root is itself the top of a checkout
    folders = []
    folder = os.path.dirname(root)
    while True:
        folders.append(folder)
        if os.path.exists(os.path.join(folder, ".git")):
            break
        up = os.path.dirname(folder)
        if up == folder:
            return []  # not inside a git checkout
        folder = up
    specs = []
    for folder in reversed(folders):
        spec = _read_gitignore(folder)
        if spec is not None:
            specs.append((folder, spec))
    return specs


def _walk_root(given: str, excluded: pathspec.PathSpec | None, errors: list[str], skip=None) -> list[str]:
    root = os.path.abspath(given)
    specs = _parent_specs(root)
    if specs and _ignored(root, True, specs):
        specs = []  # the user named an ignored folder: check it anyway
    if skip is not None and skip(root, True):
        skip = None  # the same for a folder the configuration excludes
    found: list[str] = []
    _walk(given, root, root, specs, excluded, set(), found, errors, skip)
    return found


def _walk(shown, absolute, root, specs, excluded, seen, found, errors, skip=None) -> None:
    try:
        st = os.stat(absolute)
    except OSError:
        return
    ident = (st.st_dev, st.st_ino)
    if ident in seen:  # a symlink back into a folder already walked
        return
    seen.add(ident)
    own = _read_gitignore(absolute)
    if own is not None:
        specs = [*specs, (absolute, own)]
    try:
        with os.scandir(absolute) as it:
            entries = sorted(it, key=lambda e: e.name)
    except OSError as exc:
        errors.append(f"cannot read directory {display_path(shown)}: {exc.strerror or exc}")
        return
    for entry in entries:
        path = os.path.join(absolute, entry.name)
        shown_path = os.path.join(shown, entry.name)
        try:
            is_dir = entry.is_dir()
            is_file = not is_dir and entry.is_file()  # a regular file: FIFOs, sockets, devices never
            linked = entry.is_symlink()
        except OSError:
            continue
        if is_dir and (entry.name.startswith(".") or entry.name in SKIPPED_DIRS):
            continue
        if not (is_dir or (is_file and _is_note(entry.name))):
            continue
        if linked and not _inside(path, root):
            continue  # a link out of the checked folder, as git does not follow one either
        if _ignored(path, is_dir, specs) or _excluded(excluded, path, root, is_dir):
            continue
        if skip is not None and skip(path, is_dir):
            continue
        if is_dir:
            _walk(shown_path, path, root, specs, excluded, seen, found, errors, skip)
        else:
            found.append(shown_path)


def _inside(path: str, root: str) -> bool:
    """Whether the link ``path`` resolves to a place inside the folder ``root`` (both real paths)."""
    try:
        target = os.path.realpath(path)
        top = os.path.realpath(root)
    except (OSError, ValueError):
        return False
    return target == top or target.startswith(top.rstrip(os.sep) + os.sep)


def _is_note(name: str) -> bool:
    return os.path.splitext(name)[1].lower() in NOTE_EXTENSIONS


def _excluded(spec: pathspec.PathSpec | None, path: str, root: str, is_dir: bool) -> bool:
    if spec is None or not spec.patterns:
        return False
    suffix = "/" if is_dir else ""
    for base in (root, os.getcwd()):
        rel = os.path.relpath(path, base).replace(os.sep, "/")
        if not rel.startswith("../") and _decision(spec, rel + suffix):
            return True
    return False


# --------------------------------------------------------------------------- reading


@dataclass(frozen=True)
class ReadProblem:
    """Why a file could not be read as text, and where (1-based line/column)."""

    message: str
    line: int = 1
    column: int = 1


def read_note(
    path: str, encoding: str | None = None, max_size: int = MAX_FILE_SIZE
) -> tuple[str | None, ReadProblem | None]:
    """The text of a note, or why it cannot be read. Never raises.

    Without ``encoding``: a BOM (UTF-8, UTF-16, UTF-32) decides the encoding,
    else the file must be valid UTF-8. With ``encoding``, that codec is used.
    """
    data, problem = _read_bytes(path, max_size)
    if problem is not None:
        return None, problem
    if len(data) > max_size:
        return None, ReadProblem(f"file is too large (more than {_size(max_size)})")
    return _decode(data, encoding)


_KINDS = (
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISDIR, "a directory"),
)


def _not_regular(mode: int) -> ReadProblem | None:
    """Why a file of ``mode`` is never read (reading a FIFO or a device could wait forever)."""
    if stat.S_ISREG(mode):
        return None
    kind = next((name for test, name in _KINDS if test(mode)), "not a plain file")
    return ReadProblem(f"not a regular file: {kind}; only regular files are read")


def _read_bytes(path: str, max_size: int) -> tuple[bytes, ReadProblem | None]:
    """Up to ``max_size + 1`` bytes of the regular file ``path``, or why not. Never blocks on a
    FIFO or a device: it is looked at before it is opened, and opened without waiting for a
    writer (O_NONBLOCK) in case it was swapped in between, then looked at again."""
    try:
        st = os.stat(path)
        problem = _not_regular(st.st_mode)
        if problem is None and st.st_size > max_size:
            limit = _size(max_size)
            problem = ReadProblem(f"file is too large ({_size(st.st_size)}; the limit is {limit})")
        if problem is not None:
            return b"", problem
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
        with open(fd, "rb") as f:
            problem = _not_regular(os.fstat(fd).st_mode)
            if problem is not None:
                return b"", problem
            return f.read(max_size + 1), None
    except OSError as exc:
        return b"", ReadProblem(exc.strerror or str(exc))


def _size(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MiB" if n >= 1024 * 1024 else f"{n} bytes"


def _decode(data: bytes, encoding: str | None) -> tuple[str | None, ReadProblem | None]:
    if encoding is not None:
        try:
            codecs.lookup(encoding)
        except LookupError:
            return None, ReadProblem(f"unknown encoding {encoding!r}")
        codec, label, nul_means_binary = encoding, encoding, b"\0" not in "a".encode(encoding)
    else:
        for bom, codec, label in _BOMS:
            if data.startswith(bom):
                data = data[len(bom) :]
                nul_means_binary = codec == "utf-8"
                break
        else:
            codec, label, nul_means_binary = "utf-8", "UTF-8", True
    if nul_means_binary:
        nul = data.find(b"\0", 0, BINARY_SNIFF)
        if nul != -1:
            return None, ReadProblem(f"binary file (NUL byte at byte offset {nul})")
    try:
        text = data.decode(codec)
    except UnicodeDecodeError as exc:
        return None, _decode_problem(data, codec, label, exc, explicit=encoding is not None)
    except (LookupError, ValueError) as exc:
        return None, ReadProblem(f"cannot decode with {label}: {exc}")
    return text.removeprefix("\ufeff"), None


def _decode_problem(data, codec, label, exc: UnicodeDecodeError, explicit: bool) -> ReadProblem:
    before = data[: exc.start].decode(codec, errors="replace")
    line = before.count("\n") + 1
    column = len(before) - (before.rfind("\n") + 1) + 1
    byte = data[exc.start] if exc.start < len(data) else None
    what = f"byte 0x{byte:02X}" if byte is not None else "the end of the file"
    hint = (
        ""
        if explicit
        else "; if the file uses another encoding, pass it with --encoding (e.g. latin-1)"
    )
    return ReadProblem(
        f"not valid {label}: {what} at line {line}, column {column} cannot be decoded{hint}",
        line,
        column,
    )


# --------------------------------------------------------------------------- rewriting


@dataclass(frozen=True)
class StoredText:
    """A note's text as ``read_note`` gives it, and how the file stores it (to write it back alike)."""

    text: str
    data: bytes  # the file's bytes as read
    codec: str
    bom: bytes = b""  # bytes before the encoded text (a BOM the codec does not write itself)
    feff: bool = False  # the decoded text started with U+FEFF, which read_note drops
    newline: str = "\n"  # "\r\n" when the file's lines end with CRLF

    def encode(self, text: str) -> bytes:
        """``text`` stored the way this file was: same codec, BOM and (given) line endings."""
        return self.bom + (("\ufeff" if self.feff else "") + text).encode(self.codec)


def read_stored(
    path: str, encoding: str | None = None, max_size: int = MAX_FILE_SIZE
) -> tuple[StoredText | None, ReadProblem | None]:
    """Like ``read_note``, plus the codec, BOM and line endings of the file. Never raises."""
    data, problem = _read_bytes(path, max_size)
    if problem is not None:
        return None, problem
    return stored_text(data, encoding, max_size)


def read_stdin(
    stream=None, encoding: str | None = None, max_size: int = MAX_FILE_SIZE
) -> tuple[bytes, StoredText | None, ReadProblem | None]:
    """The note given on standard input (``stream``: a binary stream, default stdin's): its bytes,
    and its text as ``read_stored`` gives a file's, or why it cannot be used. Never raises."""
    import sys

    try:
        stream = stream if stream is not None else sys.stdin.buffer
        data = stream.read(max_size + 1)
    except (OSError, ValueError, AttributeError) as exc:
        return b"", None, ReadProblem(f"cannot read standard input: {getattr(exc, 'strerror', None) or exc}")
    stored, problem = stored_text(data, encoding, max_size)
    return data, stored, problem


def stored_text(
    data: bytes, encoding: str | None = None, max_size: int = MAX_FILE_SIZE
) -> tuple[StoredText | None, ReadProblem | None]:
    """A note's bytes decoded as ``read_note`` decodes a file, with how they are stored."""
    if len(data) > max_size:
        return None, ReadProblem(f"file is too large (more than {_size(max_size)})")
    text, problem = _decode(data, encoding)
    if problem is not None or text is None:
        return None, problem
    bom, codec = b"", encoding
    if encoding is None:
        codec = "utf-8"
        for mark, name, _label in _BOMS:
            if data.startswith(mark):
                bom, codec = mark, name
                break
    feff = data[len(bom) :].decode(codec).startswith("\ufeff")
    first = text.find("\n")
    newline = "\r\n" if first > 0 and text[first - 1] == "\r" else "\n"
    return StoredText(text, data, codec, bom, feff, newline), None
