"""Applying the fixes that findings offer: to text, to notebook cells, and to files on disk."""

from __future__ import annotations

import difflib
import errno
import json
import os
import re
import stat
import tempfile
import time
from dataclasses import dataclass, field
from typing import Callable

from derivlint.files import StoredText, read_stored
from derivlint.findings import Finding, Fix
from derivlint.extract.ipynb import cell_text, notebook_cells
from derivlint.math.latex_out import render_problem

# (path, text) -> the engine's FileResult for that text (its claims and findings), or None
Recheck = Callable[[str, str], object]


def apply_fixes(text: str, fixes: list[Fix]) -> tuple[str, list[Fix], list[Fix]]:
    """``text`` with every fix applied that does not overlap an earlier one.

    Returns (new text, applied, skipped). Fixes are taken in order of their
    span; one that starts before the end of an already accepted fix (or at the
    same place as it) is skipped, as is one whose span is not inside the text.
    The same edit offered twice is applied once and counted as applied twice.
    """
    accepted: list[Fix] = []
    applied: list[Fix] = []
    skipped: list[Fix] = []
    for fix in sorted(fixes, key=lambda f: (f.start, f.end, f.text)):
        if not 0 <= fix.start <= fix.end <= len(text):
            skipped.append(fix)
            continue
        if accepted:
            last = accepted[-1]
            if (fix.start, fix.end, fix.text) == (last.start, last.end, last.text):
                applied.append(fix)
                continue
            if fix.start < last.end or fix.start == last.start:
                skipped.append(fix)
                continue
        accepted.append(fix)
        applied.append(fix)
    new = text
    for fix in reversed(accepted):  # later ones first: earlier offsets stay valid
        new = new[: fix.start] + fix.text + new[fix.end :]
    return new, applied, skipped


# --------------------------------------------------------------------------- applicability

# Symbols whose meaning is a convention, not a guess: the identity, zero, e and π.
_KNOWN = frozenset({"I", "0", "e", "pi"})


def fix_applicability(claim, note) -> str:
    """Whether a fix that corrects ``claim`` is safe: "unsafe" when it rests on a layout the
    note does not state (only the layout most of its derivations use, or none), on a shape
    derivlint guessed (a symbol declared nowhere in scope, or only in another chapter), or on
    an assumption the note does not state; else "safe"."""
    from derivlint.findings import SAFE, UNSAFE

    outcome = claim.facts.get("outcome")
    if outcome is None or claim.facts.get("unstated_assumption"):
        return UNSAFE
    category = outcome.category or ""
    if not claim.facts.get("layout_stated") and not category.endswith("-by-scalar") and not outcome.gradient:
        return UNSAFE
    return SAFE if _shapes_certain(claim, note) else UNSAFE


def _shapes_certain(claim, note) -> bool:
    """Whether every symbol of the claim has a shape the note declares in scope (or a definition)."""
    from derivlint.check.truth import Scope
    from derivlint.math.tree import Call, Sym
    from derivlint.math.treeops import symbols

    context = getattr(note, "context", None)
    if context is None:
        return False
    scope = Scope(context, claim)
    functions = {n.func.key for side in (claim.lhs, claim.rhs) if side is not None
                 for n in side.walk() if isinstance(n, Call) and isinstance(n.func, Sym)}
    for side in (claim.lhs, claim.rhs):
        for key, sym in symbols(side).items():
            if key in _KNOWN or key in functions:
                continue
            facts = scope.facts(key)
            if facts is not None and facts.value is not None:
                continue  # defined: its value says what it is
            spec = scope._shape_spec(sym)
            if spec is None or spec[0] == "carried":
                return False
    return True


# --------------------------------------------------------------------------- notebooks


def cell_source(notebook_text: str, cell: int) -> str | None:
    """The source of the 1-based ``cell`` of a notebook given as JSON text, or None."""
    try:
        cells = notebook_cells(json.loads(notebook_text.lstrip("\ufeff")))
    except (ValueError, RecursionError):
        return None
    if cells is None or not 1 <= cell <= len(cells):
        return None
    return cell_text(cells[cell - 1])


def _set_cell_text(cell: dict, text: str) -> None:
    """Store ``text`` in the cell the way its source was stored (a string or a list of lines)."""
    if isinstance(cell.get("source"), list):
        cell["source"] = text.splitlines(keepends=True)
    else:
        cell["source"] = text


def _json_style(text: str) -> tuple[int | str | None, tuple[str, str]]:
    """The indentation and separators a JSON document was written with."""
    body = text.lstrip("\ufeff").strip()
    if "\n" not in body:
        return None, (", " if ', "' in body else ",", ": " if '": ' in body else ":")
    indent: int | str = 1
    for line in body.splitlines()[1:]:
        stripped = line.lstrip(" \t")
        if stripped and len(stripped) < len(line):
            prefix = line[: len(line) - len(stripped)]
            indent = prefix if "\t" in prefix else len(prefix)
            break
    return indent, (",", ": ")


def fix_notebook(text: str, fixes_by_cell: dict[int, list[Fix]]) -> tuple[str, list[Fix], list[Fix]]:
    """The notebook JSON ``text`` with fixes applied to its cells' sources.

    The JSON is written back with the indentation it had, non-ASCII characters
    as they are, the same line endings and the same final newline (or none).
    """
    all_fixes = [fix for fixes in fixes_by_cell.values() for fix in fixes]
    try:
        notebook = json.loads(text.lstrip("\ufeff"))
    except (ValueError, RecursionError):
        return text, [], all_fixes
    cells = notebook_cells(notebook)
    applied: list[Fix] = []
    skipped: list[Fix] = []
    changed = False
    for number, fixes in sorted(fixes_by_cell.items()):
        if cells is None or not 1 <= number <= len(cells) or not isinstance(cells[number - 1], dict):
            skipped.extend(fixes)
            continue
        old = cell_text(cells[number - 1])
        new, done, left = apply_fixes(old, fixes)
        applied.extend(done)
        skipped.extend(left)
        if new != old:
            _set_cell_text(cells[number - 1], new)
            changed = True
    if not changed:
        return text, applied, skipped
    indent, separators = _json_style(text)
    out = json.dumps(notebook, indent=indent, separators=separators, ensure_ascii=False)
    if text.endswith("\n"):
        out += "\n"
    if "\r\n" in text:
        out = out.replace("\n", "\r\n")
    return out, applied, skipped


# --------------------------------------------------------------------------- files


@dataclass
class FileFix:
    """What fixing one file gives: its old and new text, and the fixes applied or skipped."""

    path: str
    old: str
    new: str
    stored: StoredText | None = None
    applied: list[Fix] = field(default_factory=list)
    skipped: list[Fix] = field(default_factory=list)
    error: str | None = None
    dropped: list[tuple[Fix, str]] = field(default_factory=list)  # (fix, why) refused on re-reading
    hidden: list[Fix] = field(default_factory=list)  # unsafe fixes left out (no --unsafe-fixes)

    @property
    def changed(self) -> bool:
        return self.error is None and self.new != self.old

    def diff(self) -> str:
        """A unified diff of the change (empty when nothing changes)."""
        if not self.changed:
            return ""
        lines = difflib.unified_diff(
            self.old.splitlines(keepends=True),
            self.new.splitlines(keepends=True),
            fromfile=self.path,
            tofile=self.path,
        )
        out = []
        for line in lines:
            out.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
        return "".join(out)


def plan_fixes(
    findings: list[Finding], encoding: str | None = None, read=read_stored, *, unsafe: bool = False,
    recheck: Recheck | None = None,
) -> list[FileFix]:
    """For every file with findings that offer a fix: the text with those fixes applied.

    Nothing is written. Only safe fixes are applied unless ``unsafe``; the
    others are kept in ``hidden``. A file that cannot be read, or whose bytes
    would not come back the same when its text is encoded again, gets an
    ``error``. Every replacement must render (``render_problem``); with
    ``recheck``, the fixed text is read again before anything is written and
    each edit whose claim then fails to parse or to hold is ``dropped``.
    ``read(path, encoding)`` gives a note's StoredText (the note on standard input is not a file).
    """
    by_path: dict[str, dict[int | None, list[Fix]]] = {}
    hidden: dict[str, list[Fix]] = {}
    for finding in findings:
        if finding.fix is None:
            continue
        if not (finding.fix.is_safe or unsafe):
            hidden.setdefault(finding.path, []).append(finding.fix)
            continue
        by_path.setdefault(finding.path, {}).setdefault(finding.cell, []).append(finding.fix)
    plans = []
    for path in sorted(set(by_path) | set(hidden)):
        by_cell = by_path.get(path, {})
        all_fixes = [fix for fixes in by_cell.values() for fix in fixes]
        stored, problem = read(path, encoding)
        if stored is None:
            why = problem.message if problem is not None else "cannot read it"
            plans.append(FileFix(path, "", "", skipped=all_fixes, error=why, hidden=hidden.get(path, [])))
            continue
        if stored.encode(stored.text) != stored.data:
            why = f"its text would not be stored back byte for byte with {stored.codec}"
            plans.append(FileFix(path, stored.text, stored.text, stored, [], all_fixes, why, hidden=hidden.get(path, [])))
            continue
        plan = _plan_file(path, stored, by_cell, recheck)
        plan.hidden = hidden.get(path, [])
        plans.append(plan)
    return plans


def _apply_all(text: str, by_cell: dict[int | None, list[Fix]], newline: str) -> tuple[str, list[Fix], list[Fix]]:
    """``text`` with the fixes of the file (key None) and of its notebook cells applied."""
    cells = {cell: fixes for cell, fixes in by_cell.items() if cell is not None}
    new, applied, skipped = text, [], []
    if None in by_cell:
        new, applied, skipped = apply_fixes(text, _with_newline(by_cell[None], newline))
    if cells:
        new, done, left = fix_notebook(new, cells)
        applied, skipped = applied + done, skipped + left
    return new, applied, skipped


def _plan_file(path: str, stored: StoredText, by_cell: dict[int | None, list[Fix]], recheck: Recheck | None) -> FileFix:
    """The fixes of one readable file, re-read and cut down until every edit left is right."""
    text = stored.text
    dropped: list[tuple[Fix, str]] = []
    # the file's line endings first, so that the spans re-read below are those written
    by_cell = {cell: list(_with_newline(fixes, stored.newline) if cell is None else fixes) for cell, fixes in by_cell.items()}
    for cell, fixes in by_cell.items():  # a replacement that would not render never gets in
        for fix in list(fixes):
            problem = render_problem(fix.text)
            if problem is not None:
                fixes.remove(fix)
                dropped.append((fix, f"the replacement would not render: {problem}"))
    before = None
    while True:
        new, applied, skipped = _apply_all(text, by_cell, stored.newline)
        if recheck is None or new == text:
            break
        if before is None:
            before = _reread(recheck, path, text)
        bad = _bad_edits(path, text, new, by_cell, before, recheck)
        if not bad:
            break
        for cell, fix, why in bad:
            by_cell[cell] = [f for f in by_cell[cell] if (f.start, f.end, f.text) != (fix.start, fix.end, fix.text)]
            dropped.append((fix, why))
    return FileFix(path, text, new, stored, applied, skipped, dropped=dropped)


def _reread(recheck: Recheck, path: str, text: str):
    try:
        return recheck(path, text)
    except Exception:  # noqa: BLE001 - a note that cannot be read again gets no edit
        return None


def _placed(fixes: list[Fix]) -> list[tuple[Fix, int, int]]:
    """(fix, start, end) of each edit apply_fixes keeps, in the coordinates of the fixed text."""
    _, _, skipped = apply_fixes("\0" * (max((f.end for f in fixes), default=0)), fixes)
    kept = sorted({(f.start, f.end, f.text): f for f in fixes if f not in skipped}.values(), key=lambda f: (f.start, f.end))
    out, shift = [], 0
    for fix in kept:
        out.append((fix, fix.start + shift, fix.start + shift + len(fix.text)))
        shift += len(fix.text) - (fix.end - fix.start)
    return out


def _bad_edits(path, old_text, new_text, by_cell, before, recheck) -> list[tuple[int | None, Fix, str]]:
    """The edits to drop, with why: the fixed note re-extracted, re-parsed and re-checked.

    An edit is kept when no claim it touches fails to parse or fails to hold where it did
    before, and, when it replaces a claim's right-hand side, that claim now holds in the
    note's layout."""
    after = _reread(recheck, path, new_text)
    edits = [(cell, fix, s, e) for cell, fixes in by_cell.items() for fix, s, e in _placed(fixes)]
    if after is None or before is None:
        return [(cell, fix, "the fixed note could not be read again") for cell, fix, _, _ in edits]
    old_claims = _claims_by_cell(before)
    new_claims = _claims_by_cell(after)
    bad = []
    for cell, fix, s, e in edits:
        old = [c for c in old_claims.get(cell, []) if _overlaps(c[0], c[1], fix.start, fix.end)]
        new = [c for c in new_claims.get(cell, []) if _overlaps(c[0], c[1], s, e)]
        target_before = [c for c in old if c[2] == (fix.start, fix.end)]
        target_after = [c for c in new if c[2] == (s, e)]
        why = None
        if sum(1 for c in new if c[3] == "unparsed") > sum(1 for c in old if c[3] == "unparsed"):
            why = "the fixed formula does not parse"
        elif target_before and not any(c[3] == "holds" for c in target_after):
            why = "the fixed claim could not be shown to hold in the note's layout"
        elif sum(1 for c in new if c[3] in ("false", "layout")) > sum(1 for c in old if c[3] in ("false", "layout")):
            why = "a claim the fix touches would no longer hold"
        elif _new_parse_findings(before, after, cell, fix, s, e, old_text, new_text):
            why = "the fixed text does not parse"
        if why is not None:
            bad.append((cell, fix, why))
    return bad


def _overlaps(start: int, end: int, s: int, e: int) -> bool:
    return start < e and s < end if e > s else start <= s < end


def _claims_by_cell(result) -> dict[int | None, list[tuple[int, int, tuple | None, str]]]:
    """(start, end, rhs span, state) of each claim in source offsets, by notebook cell; the state
    is unparsed, holds (in the note's layout), false, layout (only in the other one) or unknown."""
    out: dict[int | None, list] = {}
    for claim in getattr(result, "claims", None) or []:
        block = claim.block
        try:
            start, end = block.file_offset(claim.start), block.file_offset(max(claim.end - 1, claim.start)) + 1
            rhs = claim.rhs
            span = (block.file_offset(rhs.start), block.file_offset(rhs.end - 1) + 1) if rhs is not None and rhs.end > rhs.start else None
        except (IndexError, AttributeError):
            continue
        outcome = claim.facts.get("outcome") if claim.kind != "unparsed" else None
        if claim.kind == "unparsed":
            state = "unparsed"
        elif claim.facts.get("wrong_layout"):
            state = "layout"
        elif outcome is None or outcome.holds is None:
            state = "unknown"
        elif not outcome.holds:
            state = "false"
        else:
            state = "holds"
        out.setdefault(block.source.cell, []).append((start, end, span, state))
    return out


def _new_parse_findings(before, after, cell, fix, s, e, old_text, new_text) -> bool:
    """Whether the fixed text has more DL1xx findings (extraction, parsing) on the edited
    lines than the text before had on the lines it replaced."""

    def count(result, text, start, end) -> int:
        first = text.count("\n", 0, start) + 1
        last = text.count("\n", 0, max(end, start)) + 1
        return sum(
            1 for f in getattr(result, "findings", []) or []
            if f.code.startswith("DL1") and f.cell == cell and f.line <= last and f.end_line >= first
        )

    if cell is not None:  # lines count inside the cell
        old_text, new_text = cell_source(old_text, cell) or "", cell_source(new_text, cell) or ""
    return count(after, new_text, s, e) > count(before, old_text, fix.start, fix.end)


def _with_newline(fixes: list[Fix], newline: str) -> list[Fix]:
    """Replacement texts with the file's line endings (a fix written with "\\n" in a CRLF file)."""
    if newline == "\n":
        return fixes
    out = []
    for fix in fixes:
        text = fix.text.replace("\r\n", "\n").replace("\n", newline)
        out.append(fix if text == fix.text else Fix(fix.title, text, fix.start, fix.end))
    return out


# Temporary files of --fix: ".derivlint-" + 8 characters of tempfile's alphabet + ".tmp".
_TEMP_PREFIX, _TEMP_SUFFIX = ".derivlint-", ".tmp"
_TEMP_NAME = re.compile(r"\.derivlint-[a-z0-9_]{8}\.tmp\Z")
TEMP_GRACE_SECONDS = 5  # a temporary file younger than this may be one another run just made
STALE_TEMP_SECONDS = 600  # without file locks (Windows): a leftover is this old before it goes
_swept: set[str] = set()


class FileChanged(OSError):
    """The note changed on disk after derivlint read it: the fix is not written."""


def sweep_temps(folder: str) -> int:
    """Remove what interrupted --fix runs left in ``folder`` (once per folder and run): files of
    derivlint's temporary name that no live run holds. A run holds a lock on its temporary file
    while it writes; the lock goes when the process dies, even by SIGKILL. Returns how many went."""
    folder = os.path.abspath(folder)
    if folder in _swept:
        return 0
    _swept.add(folder)
    removed = 0
    now = time.time()
    try:
        with os.scandir(folder) as entries:
            names = [e.name for e in entries if _TEMP_NAME.match(e.name) and e.is_file(follow_symlinks=False)]
    except OSError:
        return 0
    for name in names:
        path = os.path.join(folder, name)
        try:
            age = now - os.lstat(path).st_mtime
            if age < TEMP_GRACE_SECONDS or not _abandoned(path, age):
                continue
            os.unlink(path)
            removed += 1
        except OSError:
            continue
    return removed


def _abandoned(path: str, age: float) -> bool:
    """Whether no live process holds the temporary file ``path``."""
    try:
        import fcntl
    except ImportError:
        return age >= STALE_TEMP_SECONDS
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False  # a run writing it now
    finally:
        os.close(fd)  # closing drops the lock just taken
    return True


def _lock(fd: int) -> None:
    try:
        import fcntl

        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except (ImportError, OSError):
        pass


def _unchanged(path: str, expected: bytes | None) -> None:
    """Raise FileChanged unless the file ``path`` still holds ``expected`` (None: no check)."""
    if expected is None:
        return
    with open(path, "rb") as f:
        now = f.read(len(expected) + 1)
    if now != expected:
        raise FileChanged("it changed on disk after derivlint read it; left unchanged (run again)")


def write_atomically(path: str, data: bytes, expected: bytes | None = None) -> None:
    """Replace the contents of the file at ``path`` by ``data``, keeping its links and mode.

    A symlinked note is written in its target (the link stays a link). The bytes go to an
    unpredictable temporary file in the target's folder (locked while written, fsynced), which
    then replaces the target in one step, with the target's mode (and owner where allowed).
    A note with hard links (nlink > 1) is rewritten in place instead, so that every name keeps
    the same file: the fsynced temporary copy exists until the note holds the whole new text,
    then goes. With ``expected`` (the bytes the fix was planned from), a note that changed
    since is left as it is (FileChanged); a read-only note is left too (PermissionError). On any
    error the temporary file is removed and the note is left as it was. Leftovers of interrupted
    runs in that folder are removed first (``sweep_temps``).
    """
    target = os.path.realpath(path)
    folder = os.path.dirname(target)
    sweep_temps(folder)
    try:
        st = os.stat(target)
    except FileNotFoundError:
        st = None
    if st is not None:
        if not stat.S_ISREG(st.st_mode):
            raise OSError(errno.EINVAL, "not a regular file; left unchanged")
        if not st.st_mode & 0o222:
            raise PermissionError(errno.EACCES, "the file is read-only; left unchanged")
    _unchanged(target, expected)
    fd, tmp = tempfile.mkstemp(prefix=_TEMP_PREFIX, suffix=_TEMP_SUFFIX, dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            _lock(f.fileno())
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
            if st is not None:
                os.chmod(tmp, stat.S_IMODE(st.st_mode))
                try:
                    os.chown(tmp, st.st_uid, st.st_gid)
                except (OSError, AttributeError):
                    pass  # not ours to give away: the new file is the writer's
            _unchanged(target, expected)  # the last look before the note is touched
            if st is not None and st.st_nlink > 1:
                try:
                    _write_in_place(target, data)
                except OSError as exc:  # the note may be cut short: the fixed text is kept beside it
                    kept = target + ".derivlint-fixed"  # a name no sweep removes
                    try:
                        os.replace(tmp, kept)
                    except OSError:
                        kept = tmp
                    tmp = None  # kept, not removed below
                    why = exc.strerror or str(exc)
                    raise OSError(exc.errno, f"{why}; the fixed note is kept in {kept}") from exc
                os.unlink(tmp)
            else:
                os.replace(tmp, target)
        _sync_folder(folder)
    except BaseException:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass
        raise


def _write_in_place(path: str, data: bytes) -> None:
    """Overwrite the file ``path`` with ``data`` keeping its inode (and so its hard links)."""
    fd = os.open(path, os.O_WRONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0))
    with os.fdopen(fd, "wb") as f:
        f.write(data)
        f.truncate()
        f.flush()
        os.fsync(f.fileno())


def _sync_folder(folder: str) -> None:
    """Make the rename durable (POSIX); nothing where a folder cannot be opened."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_fix(plan: FileFix) -> None:
    """Write a planned change to disk (nothing when the text does not change). Raises OSError."""
    if not plan.changed or plan.stored is None:
        return
    write_atomically(plan.path, plan.stored.encode(plan.new), expected=plan.stored.data)
