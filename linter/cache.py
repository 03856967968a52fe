"""The per-file result cache of ``derivlint check``: findings and claim counts keyed by text, settings and code."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import stat
import tempfile
import time
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from derivlint import __version__
from derivlint.findings import Finding

CACHE_DIR_ENV = "DERIVLINT_CACHE_DIR"
DEFAULT_DIR = ".derivlint_cache"
FORMAT = 3  # bump when the entry layout changes (2: each file starts with the checksum of the rest; 3: undecided count)
INDEX = "files.index"  # in the entries folder: what each file's text was, by its stat
INDEX_MAX = 50_000  # files remembered; beyond, the oldest entries go
# A file changed this recently (nanoseconds) is not remembered by its stat: a second edit within the
# file system's timestamp resolution could leave the stat unchanged (git's "racily clean" files).
RACY_NS = 2_000_000_000
# Libraries whose version can change what derivlint finds (found without importing them).
_DEPENDENCIES = ("markdown_it", "mdit_py_plugins", "pylatexenc", "numpy", "sympy")
_CACHEDIR_TAG = (
    "Signature: 8a477f597d28d172789f06886806bc55\n"
    "# This file is a cache directory tag created by derivlint.\n"
    "# For information about cache directory tags see https://bford.info/cachedir/\n"
)


@dataclass
class Entry:
    """What checking one file gave, as far as ``check`` needs it: findings and claim counts
    (``undecided``: claims left without a decision, see Claim.undecided; ``too_large``: those
    of them past the note's budget of claims, see engine.check_text)."""

    findings: list[Finding]
    claims: int
    unparsed: int
    undecided: int = 0
    too_large: int = 0

    def to_json(self) -> dict:
        return {
            "findings": [f.to_dict() for f in self.findings],
            "claims": self.claims,
            "unparsed": self.unparsed,
            "undecided": self.undecided,
            "too_large": self.too_large,
        }

    @classmethod
    def from_json(cls, data: dict) -> Entry:
        """The entry of ``data``; raises (KeyError, TypeError, ValueError) when it is malformed."""
        claims, unparsed, undecided = data["claims"], data["unparsed"], data["undecided"]
        too_large = data.get("too_large", 0)
        counts = (claims, unparsed, undecided, too_large)
        if not (all(isinstance(n, int) for n in counts) and 0 <= unparsed <= claims and 0 <= undecided <= claims - unparsed
                and 0 <= too_large <= undecided):
            raise ValueError("bad claim counts")
        findings = data["findings"]
        if not isinstance(findings, list):
            raise ValueError("findings is not a list")
        return cls([Finding.from_dict(f) for f in findings], claims, unparsed, undecided, too_large)


@dataclass
class Cache:
    """A cache folder. Reading never fails (a bad entry is a miss); writing never fails the run."""

    directory: Path
    code: str = field(default_factory=lambda: code_key())
    writable: bool = True
    _prepared: bool = field(default=False, init=False, repr=False)
    _index: dict | None = field(default=None, init=False, repr=False)
    _index_changed: bool = field(default=False, init=False, repr=False)
    _settings_keys: dict = field(default_factory=dict, init=False, repr=False)  # repr(settings) -> settings_key
    _usable: bool | None = field(default=None, init=False, repr=False)

    @classmethod
    def at(cls, directory: str | os.PathLike | None = None) -> Cache:
        """The cache in ``directory``, else $DERIVLINT_CACHE_DIR, else ./.derivlint_cache."""
        if directory is None:
            directory = os.environ.get(CACHE_DIR_ENV) or DEFAULT_DIR
        return cls(Path(directory))

    @property
    def entries(self) -> Path:
        return self.directory / f"v{FORMAT}"

    def key(self, path: str, text: str, settings) -> str:
        """The key of checking ``text`` as the file ``path`` with ``settings`` (any dataclass)."""
        return self.key_of(path, text_digest(text), settings)

    def key_of(self, path: str, digest: str, settings) -> str:
        """``key`` for the text whose ``text_digest`` is ``digest``."""
        shown = repr(settings)  # equal reprs, equal settings: files that share them share one key
        known = self._settings_keys.get(shown)
        if known is None:
            known = self._settings_keys[shown] = settings_key(settings)
        parts = (self.code, path, known, digest)
        return hashlib.sha256("\0".join(parts).encode("utf-8", "surrogatepass")).hexdigest()

    # A warm run need not read an unchanged file: like git's index, the cache remembers each
    # file's stat (device, inode, size, modification and change times) with its text's digest.
    def look(self, path: str, encoding: str | None) -> tuple[str | None, list | None]:
        """(the digest of ``path``'s text if its stat is the one remembered, else None;
        the stat record to ``remember`` with the digest once read, None when not to be trusted)."""
        now = time.time_ns()  # before the stat: a later edit gets a later time
        try:
            st = os.stat(path)
        except OSError:
            return None, None
        record = [st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns, encoding or ""]
        known = self._files().get(os.path.abspath(path))
        if isinstance(known, list) and len(known) == len(record) + 1 and known[:-1] == record:
            return known[-1], None
        if max(st.st_mtime_ns, st.st_ctime_ns) >= now - RACY_NS:
            return None, None
        return None, record

    def remember(self, path: str, record: list | None, digest: str) -> None:
        """Note that the file ``path`` with the stat ``record`` (from ``look``) has this text digest."""
        if record is not None:
            self._files()[os.path.abspath(path)] = [*record, digest]
            self._index_changed = True

    def save_index(self) -> None:
        """Write what ``remember`` learnt (atomically; a concurrent run's entries may be lost: misses)."""
        if not self._index_changed or not self.writable:
            return
        files = self._files()
        for old in list(files)[: max(0, len(files) - INDEX_MAX)]:
            del files[old]
        self._write(self.entries / INDEX, json.dumps(files, ensure_ascii=False))
        self._index_changed = False

    def _files(self) -> dict:
        if self._index is None:
            try:
                data = json.loads(_read_checked(self.entries / INDEX) if self.usable() else b"")
                self._index = data if isinstance(data, dict) else {}
            except (OSError, ValueError):
                self._index = {}
        return self._index

    def load(self, key: str) -> Entry | None:
        """The entry stored under ``key``, or None (absent, unreadable, a symlink, or corrupt:
        its checksum does not match, as in a truncated file)."""
        if not self.usable():
            return None
        try:
            data = json.loads(_read_checked(self.entries / f"{key}.json"))
            if data.get("key") != key:
                return None
            return Entry.from_json(data)
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None

    def usable(self) -> bool:
        """False when the cache folder or its entries folder is a symlink (or not a folder): such
        a cache is neither read nor written, as it could lead anywhere (looked at once per run)."""
        if self._usable is None:
            self._usable = all(_plain_folder_or_absent(p) for p in (self.directory, self.entries))
            if not self._usable:
                self.writable = False
        return self._usable

    def store(self, key: str, entry: Entry) -> None:
        """Write ``entry`` atomically; any failure turns writing off for the rest of the run."""
        if not self.writable:
            return
        try:
            payload = json.dumps({"key": key, **entry.to_json()}, ensure_ascii=False)
        except (ValueError, TypeError):
            self.writable = False
            return
        self._write(self.entries / f"{key}.json", payload)

    def _write(self, target: Path, payload: str) -> None:
        """Write ``payload`` (after its checksum) to ``target`` atomically, through a temporary file
        of an unpredictable name; any failure turns writing off for the rest of the run. The rename
        replaces whatever ``target`` was, a symlink included: nothing is written through a link."""
        temporary = None
        try:
            self._prepare()
            body = payload.encode("utf-8", "surrogatepass")
            fd, temporary = tempfile.mkstemp(prefix=".tmp-", dir=self.entries)
            with open(fd, "wb") as handle:
                handle.write(hashlib.sha256(body).hexdigest().encode("ascii") + b"\n" + body)
            os.replace(temporary, target)
        except (OSError, ValueError, TypeError, UnicodeError):
            self.writable = False
            if temporary is not None:
                try:
                    os.unlink(temporary)
                except OSError:
                    pass

    def _prepare(self) -> None:
        """Create the folder with its .gitignore and CACHEDIR.TAG (once per run). Raises OSError
        when the cache folder is a symlink; a marker that exists in any form (a dangling symlink
        too) is left as it is, never written through."""
        if self._prepared:
            return
        if not self.usable():
            raise OSError("the cache folder is a symlink")
        self.entries.mkdir(parents=True, exist_ok=True)
        if not self.directory.is_dir() or not _plain_folder_or_absent(self.entries):
            raise OSError("the cache folder is not a plain folder")
        for name, content in ((".gitignore", "*\n"), ("CACHEDIR.TAG", _CACHEDIR_TAG)):
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
            try:
                fd = os.open(self.directory / name, flags, 0o644)
            except FileExistsError:
                continue
            with open(fd, "w", encoding="utf-8") as handle:
                handle.write(content)
        _sweep(self.entries)
        self._prepared = True


STALE_TEMP_SECONDS = 600  # a temporary entry this old was left by a run that was killed


def _sweep(folder: Path) -> None:
    """Remove the temporary files that killed runs left in the entries folder (a cache write
    takes milliseconds: one ten minutes old is nobody's)."""
    limit = time.time() - STALE_TEMP_SECONDS
    try:
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.name.startswith(".tmp-") and entry.is_file(follow_symlinks=False):
                    if entry.stat(follow_symlinks=False).st_mtime < limit:
                        os.unlink(entry.path)
    except OSError:
        pass


def _plain_folder_or_absent(path: Path) -> bool:
    """Whether ``path`` is a folder that is not a symlink, or nothing yet."""
    try:
        return stat.S_ISDIR(os.lstat(path).st_mode)
    except FileNotFoundError:
        return True
    except OSError:
        return False


def _read_checked(path: Path) -> bytes:
    """The contents of a cache file after its checksum line; raises ValueError when the checksum
    does not match (a truncated or damaged file) and OSError when it is a symlink or absent."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0))
    with open(fd, "rb") as handle:
        data = handle.read()
    digest, newline, body = data.partition(b"\n")
    if not newline or hashlib.sha256(body).hexdigest().encode("ascii") != digest:
        raise ValueError("damaged cache file")
    return body


def text_digest(text: str) -> str:
    """The SHA-256 of ``text`` (UTF-8; lone surrogates kept)."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def settings_key(settings) -> str:
    """A stable text form of ``settings``: every dataclass field, whatever fields it has."""
    return json.dumps(_canonical(settings), sort_keys=True, ensure_ascii=False)


def _canonical(value):
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = {f.name: _canonical(getattr(value, f.name)) for f in dataclasses.fields(value) if f.compare}
        return {"dataclass": type(value).__qualname__, "fields": fields}
    if isinstance(value, dict):
        items = [[_canonical(k), _canonical(v)] for k, v in value.items()]
        return {"dict": sorted(items, key=_sort_key)}
    if isinstance(value, (set, frozenset)):
        return {"set": sorted((_canonical(v) for v in value), key=_sort_key)}
    if isinstance(value, (list, tuple)):
        return {type(value).__name__: [_canonical(v) for v in value]}
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return {type(value).__qualname__: repr(value)}  # an object without a stable repr only misses


def _sort_key(value) -> str:
    return json.dumps(value, sort_keys=True)


@lru_cache(maxsize=1)
def code_key() -> str:
    """A hash of derivlint's version, the source of ``linter`` and ``rules``, and its libraries.

    An edited checkout or an upgraded library never serves results of the old code.
    """
    import derivlint.rules as rules
    roots = [Path(__file__).resolve().parent, *(Path(p).resolve() for p in rules.__path__)]
    parts = (f"derivlint {__version__}", source_digest(roots), _dependencies())
    return hashlib.sha256("\0".join(parts).encode("utf-8", "surrogateescape")).hexdigest()


def source_digest(roots: list[Path]) -> str:
    """A hash of the names and contents of the ``.py`` files under ``roots``."""
    digest = hashlib.sha256()
    for root in roots:
        for path in sorted(root.rglob("*.py")):
            try:
                data = path.read_bytes()
            except OSError:
                data = b"?"
            name = path.relative_to(root.parent).as_posix()
            digest.update(f"{name}\0{len(data)}\0".encode("utf-8", "surrogateescape"))
            digest.update(data)
    return digest.hexdigest()


def _dependencies() -> str:
    """Where each library lives and when its ``__init__`` changed (an upgrade rewrites it)."""
    import importlib.util

    parts = []
    for name in _DEPENDENCIES:
        try:
            spec = importlib.util.find_spec(name)
            origin = spec.origin if spec is not None else None
            stat = os.stat(origin) if origin else None
            parts.append(f"{name}={origin}:{stat.st_size}:{stat.st_mtime_ns}" if stat else f"{name}=-")
        except (ImportError, ValueError, OSError):
            parts.append(f"{name}=?")
    return "\n".join(parts)
