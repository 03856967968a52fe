"""Safe on any file system (issue 14): FIFOs and links, --fix that keeps links, modes and bytes,
a cache that writes only inside its folder, a run that holds one note at a time."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

import derivlint.rules as rules
from derivlint import cache as cache_mod
from derivlint import cli, engine
from derivlint.check import fixes as fixes_module
from derivlint.check.fixes import FileChanged, plan_fixes, sweep_temps, write_atomically, write_fix
from derivlint.cli import main
from derivlint.files import discover, read_note
from derivlint.findings import Finding, Fix
from wrong_word import WrongWord  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
WRONG = "# Note\n\nLet $x = (a + b$ here.\n"  # DL101: an unclosed parenthesis
needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
needs_links = pytest.mark.skipif(not hasattr(os, "symlink") or os.name == "nt", reason="no symlinks")


@pytest.fixture
def cwd(tmp_path, monkeypatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(cache_mod.CACHE_DIR_ENV, raising=False)
    monkeypatch.setattr(fixes_module, "_swept", set())
    return tmp_path


def derivlint(*args: str, cwd: Path, timeout: float = 60) -> subprocess.CompletedProcess:
    """The command in a process of its own: a read that blocks fails the test, not the suite."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    code = "import sys; from derivlint.cli import main; sys.exit(main(sys.argv[1:]))"
    return subprocess.run(
        [sys.executable, "-c", code, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )


# --------------------------------------------------------------------------- FIFOs and other files


@needs_fifo
def test_a_fifo_named_on_the_command_line_is_reported_not_waited_on(cwd):
    os.mkfifo(cwd / "pipe.md")
    (cwd / "a.md").write_text(WRONG, encoding="utf-8")
    done = derivlint("check", "--no-cache", "pipe.md", "a.md", cwd=cwd, timeout=30)
    assert done.returncode == 1, done.stderr
    lines = done.stdout.splitlines()
    assert any(line.startswith("pipe.md:1:1: DL100") and "not a regular file: a named pipe" in line for line in lines)
    assert any(line.startswith("a.md:") and "DL101" in line for line in lines)


@needs_fifo
def test_a_fifo_in_a_folder_is_skipped(cwd):
    (cwd / "notes").mkdir()
    os.mkfifo(cwd / "notes" / "pipe.md")
    (cwd / "notes" / "a.md").write_text(WRONG, encoding="utf-8")
    assert discover(["notes"])[0] == [os.path.join("notes", "a.md")]
    done = derivlint("check", "--no-cache", "notes", cwd=cwd, timeout=30)
    assert done.returncode == 1 and "pipe.md" not in done.stdout


@needs_fifo
def test_reading_a_fifo_returns_at_once(cwd):
    import threading

    os.mkfifo(cwd / "pipe.md")
    got: list = []
    reader = threading.Thread(target=lambda: got.append(read_note(str(cwd / "pipe.md"))), daemon=True)
    reader.start()
    reader.join(10)
    if reader.is_alive():  # blocked in open(): a writer lets it go, so the suite goes on
        os.close(os.open(cwd / "pipe.md", os.O_WRONLY | os.O_NONBLOCK))
        reader.join(10)
    assert got and got[0][0] is None and "not a regular file" in got[0][1].message


# --------------------------------------------------------------------------- links in walks


def touch(root: Path, *names: str) -> None:
    for name in names:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(WRONG, encoding="utf-8")


@needs_links
def test_a_link_to_the_parent_folder_is_not_walked(cwd):
    touch(cwd, "notes/a.md", "other/secret.md", "top.md")
    os.symlink("..", cwd / "notes" / "up")
    files, errors = discover(["notes"])
    assert files == [os.path.join("notes", "a.md")] and errors == []


@needs_links
def test_a_symlink_loop_terminates_and_links_inside_are_followed_once(cwd):
    touch(cwd, "notes/a.md", "notes/sub/b.md")
    os.symlink("..", cwd / "notes" / "sub" / "loop")  # back to notes/: inside the tree, already walked
    os.symlink("sub", cwd / "notes" / "alias")  # another name for notes/sub: walked once
    files, _ = discover(["notes"])
    assert files[0] == os.path.join("notes", "a.md") and len(files) == 2
    assert files[1] in (os.path.join("notes", "alias", "b.md"), os.path.join("notes", "sub", "b.md"))


@needs_links
def test_a_linked_note_is_checked_when_its_target_is_in_the_tree_or_it_is_named(cwd):
    touch(cwd, "outside.md", "notes/real.md")
    os.symlink(cwd / "outside.md", cwd / "notes" / "out.md")
    os.symlink("real.md", cwd / "notes" / "in.md")
    files, _ = discover(["notes"])
    assert sorted(files) == [os.path.join("notes", "in.md"), os.path.join("notes", "real.md")]
    assert discover([os.path.join("notes", "out.md")])[0] == [os.path.join("notes", "out.md")]


# --------------------------------------------------------------------------- --fix keeps links, modes, bytes


def finding(path: str, fx: Fix) -> Finding:
    return Finding(path, 1, 1, 1, 2, "DL999", "test-rule", "error", "wrong", fix=fx)


def fix_word(path: Path) -> None:
    """Plan and write the fix of the first WRONG in ``path``."""
    at = path.read_bytes().decode("utf-8-sig").index("WRONG")
    plan, = plan_fixes([finding(str(path), Fix("Write RIGHT", "RIGHT", at, at + 5))])
    write_fix(plan)


@needs_links
def test_a_symlinked_note_is_fixed_through_its_link(cwd):
    (cwd / "real").mkdir()
    target = cwd / "real" / "a.md"
    target.write_text("x WRONG y\n", encoding="utf-8")
    os.symlink(os.path.join("real", "a.md"), cwd / "link.md")
    fix_word(cwd / "link.md")
    assert (cwd / "link.md").is_symlink() and os.readlink(cwd / "link.md") == os.path.join("real", "a.md")
    assert target.read_text(encoding="utf-8") == "x RIGHT y\n"
    assert sorted(p.name for p in cwd.iterdir()) == ["link.md", "real"]


def test_a_hard_linked_note_keeps_its_links(cwd):
    first, second = cwd / "a.md", cwd / "b.md"
    first.write_text("x WRONG y and more text\n", encoding="utf-8")
    os.link(first, second)
    inode = os.stat(first).st_ino
    fix_word(first)
    assert second.read_text(encoding="utf-8") == "x RIGHT y and more text\n"
    assert os.stat(first).st_ino == os.stat(second).st_ino == inode and os.stat(first).st_nlink == 2
    assert sorted(p.name for p in cwd.iterdir()) == ["a.md", "b.md"]


def test_a_hard_linked_note_that_shrinks_is_truncated(cwd):
    first = cwd / "a.md"
    first.write_text("WRONG" + "tail " * 50, encoding="utf-8")
    os.link(first, cwd / "b.md")
    write_atomically(str(first), b"short\n", expected=first.read_bytes())
    assert (cwd / "b.md").read_bytes() == b"short\n"


def test_a_failed_in_place_write_keeps_the_fixed_text(cwd, monkeypatch):
    first = cwd / "a.md"
    first.write_text("x WRONG y\n", encoding="utf-8")
    os.link(first, cwd / "b.md")

    def disk_full(path, data):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(fixes_module, "_write_in_place", disk_full)
    with pytest.raises(OSError, match="the fixed note is kept in") as caught:
        fix_word(first)
    kept = str(caught.value).rsplit(" ", 1)[-1]
    assert kept == str(first) + ".derivlint-fixed"
    assert Path(kept).read_text(encoding="utf-8") == "x RIGHT y\n"


def test_mode_and_crlf_and_bom_are_kept(cwd):
    path = cwd / "a.md"
    path.write_bytes(b"\xef\xbb\xbfx WRONG y\r\nz\r\n")
    os.chmod(path, 0o604)
    fix_word(path)
    assert path.read_bytes() == b"\xef\xbb\xbfx RIGHT y\r\nz\r\n"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o604


def test_a_read_only_note_is_left_with_a_message(cwd):
    path = cwd / "a.md"
    path.write_text("x WRONG y\n", encoding="utf-8")
    os.chmod(path, 0o444)
    with pytest.raises(PermissionError, match="read-only"):
        fix_word(path)
    assert path.read_text(encoding="utf-8") == "x WRONG y\n"


def test_a_note_that_changed_after_it_was_read_is_not_written(cwd):
    path = cwd / "a.md"
    path.write_text("x WRONG y\n", encoding="utf-8")
    plan, = plan_fixes([finding(str(path), Fix("Write RIGHT", "RIGHT", 2, 7))])
    path.write_text("someone else's edit WRONG\n", encoding="utf-8")
    with pytest.raises(FileChanged):
        write_fix(plan)
    assert path.read_text(encoding="utf-8") == "someone else's edit WRONG\n"
    assert sorted(p.name for p in cwd.iterdir()) == ["a.md"]


_HOLD = """
import fcntl, sys, tempfile, time
fd, name = tempfile.mkstemp(prefix=".derivlint-", suffix=".tmp", dir=sys.argv[1])
fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
print(name, flush=True)
time.sleep(120)
"""


@pytest.mark.skipif(os.name == "nt", reason="POSIX signals and file locks")
def test_temp_files_of_a_killed_run_go_and_a_live_runs_stay(cwd):
    def holder():
        proc = subprocess.Popen([sys.executable, "-c", _HOLD, str(cwd)], stdout=subprocess.PIPE, text=True)
        return proc, proc.stdout.readline().strip()

    killed, left = holder()
    killed.send_signal(signal.SIGKILL)
    killed.wait(timeout=30)
    alive, busy = holder()
    try:
        old = time.time() - 3600
        for name in (left, busy):
            os.utime(name, (old, old))
        (cwd / "young.derivlint-abc.tmp").write_text("not ours: another name")
        (cwd / "a.md").write_text("x WRONG y\n", encoding="utf-8")
        fix_word(cwd / "a.md")
        assert not os.path.exists(left)  # the killed run's
        assert os.path.exists(busy)  # a run still writing it
        assert (cwd / "young.derivlint-abc.tmp").exists()
        assert (cwd / "a.md").read_text(encoding="utf-8") == "x RIGHT y\n"
    finally:
        alive.kill()
        alive.wait(timeout=30)
    fixes_module._swept.clear()
    assert sweep_temps(str(cwd)) == 1  # now abandoned too




def test_cli_fix_leaves_a_note_edited_between_check_and_fix(cwd, monkeypatch, capsys):
    monkeypatch.setattr(rules, "all_rules", lambda: {"DL998": WrongWord})
    (cwd / "a.md").write_text("x WRONG y\n", encoding="utf-8")
    real = engine.check_text

    def edited_meanwhile(path, text, settings=None):
        result = real(path, text, settings)
        Path(path).write_text("WRONG moved x\n", encoding="utf-8")  # an editor saves during the run
        return result

    monkeypatch.setattr(engine, "check_text", edited_meanwhile)
    main(["check", "--no-cache", "-j", "1", "--fix", "a.md"])
    err = capsys.readouterr().err
    assert "cannot fix a.md: it changed on disk after it was checked" in err
    assert (cwd / "a.md").read_text(encoding="utf-8") == "WRONG moved x\n"


# --------------------------------------------------------------------------- the cache folder


def run_check(capsys, *args: str) -> tuple[int, str]:
    code = main(["check", "-j", "1", *args])
    return code, capsys.readouterr().out


@needs_links
def test_a_dangling_gitignore_symlink_in_the_cache_is_left_alone(cwd, capsys, tmp_path_factory):
    (cwd / "a.md").write_text(WRONG, encoding="utf-8")
    victim = tmp_path_factory.mktemp("elsewhere") / "victim"
    (cwd / ".derivlint_cache").mkdir()
    os.symlink(victim, cwd / ".derivlint_cache" / ".gitignore")
    os.symlink(victim.with_name("tag"), cwd / ".derivlint_cache" / "CACHEDIR.TAG")
    assert run_check(capsys, ".")[0] == 1
    assert not victim.exists() and not victim.with_name("tag").exists()
    assert os.path.islink(cwd / ".derivlint_cache" / ".gitignore")
    assert list((cwd / ".derivlint_cache" / f"v{cache_mod.FORMAT}").glob("*.json"))  # the cache still works


@needs_links
def test_a_symlinked_cache_folder_is_neither_read_nor_written(cwd, capsys, tmp_path_factory):
    (cwd / "a.md").write_text(WRONG, encoding="utf-8")
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    os.symlink(elsewhere, cwd / ".derivlint_cache")
    assert run_check(capsys, ".")[0] == 1
    assert list(elsewhere.iterdir()) == []


@needs_links
def test_a_symlinked_entry_is_a_miss_and_is_replaced_not_written_through(cwd, capsys, tmp_path_factory):
    (cwd / "a.md").write_text(WRONG, encoding="utf-8")
    first = run_check(capsys, "--cache-dir", "c", ".")
    entry, = (cwd / "c" / f"v{cache_mod.FORMAT}").glob("*.json")
    outside = tmp_path_factory.mktemp("elsewhere") / "entry.json"
    outside.write_bytes(entry.read_bytes().replace(b"Unclosed", b"Forged!!"))
    entry.unlink()
    os.symlink(outside, entry)
    (cwd / "c" / f"v{cache_mod.FORMAT}" / cache_mod.INDEX).unlink(missing_ok=True)  # read again, looked up by content
    assert run_check(capsys, "--cache-dir", "c", ".") == first
    assert not entry.is_symlink() and b"Forged" in outside.read_bytes()


def test_a_truncated_or_damaged_entry_is_a_miss(cwd, capsys, monkeypatch):
    (cwd / "a.md").write_text(WRONG, encoding="utf-8")
    first = run_check(capsys, ".")
    entry, = (cwd / ".derivlint_cache" / f"v{cache_mod.FORMAT}").glob("*.json")
    data = entry.read_bytes()
    calls: list[str] = []
    real = engine.check_text
    monkeypatch.setattr(engine, "check_text", lambda p, t, s=None: calls.append(p) or real(p, t, s))
    # Valid JSON that a cut or a flipped byte could leave: an entry with no findings.
    digest, _, body = data.partition(b"\n")
    emptied = json.dumps({**json.loads(body), "findings": []}).encode()
    for damaged in (data[: len(data) // 2], digest + b"\n" + emptied, data.replace(b"DL101", b"DL102")):
        entry.write_bytes(damaged)
        assert run_check(capsys, ".") == first
    assert len(calls) == 3
    good = hashlib.sha256(emptied).hexdigest().encode() + b"\n" + emptied
    entry.write_bytes(good)  # a sound checksum: taken as it is (what the checksum can tell)
    assert run_check(capsys, ".")[0] == 0


def test_temporary_entries_of_a_killed_run_go(cwd, capsys):
    entries = cwd / ".derivlint_cache" / f"v{cache_mod.FORMAT}"
    entries.mkdir(parents=True)
    old, young = entries / ".tmp-abandoned", entries / ".tmp-writing"
    for path in (old, young):
        path.write_text("half an entry")
    os.utime(old, (time.time() - 3600,) * 2)
    (cwd / "a.md").write_text(WRONG, encoding="utf-8")
    run_check(capsys, ".")
    assert not old.exists() and young.exists()


def test_cache_temporary_names_are_not_predictable(cwd, capsys, monkeypatch):
    (cwd / "a.md").write_text(WRONG, encoding="utf-8")
    names: list[str] = []
    real = os.replace
    monkeypatch.setattr(cache_mod.os, "replace", lambda src, dst: names.append(os.path.basename(src)) or real(src, dst))
    run_check(capsys, ".")
    assert names and not any(str(os.getpid()) in name for name in names)
    assert len(set(names)) == len(names)


# --------------------------------------------------------------------------- streaming


def test_each_note_is_read_just_before_it_is_checked(cwd, capsys, monkeypatch):
    for k in range(4):
        (cwd / f"n{k}.md").write_text(f"$x_{k} = (y$\n", encoding="utf-8")
    events: list[str] = []
    real_read, real_check = cli.read_note, engine.check_text
    monkeypatch.setattr(cli, "read_note", lambda p, e=None: events.append("read") or real_read(p, e))
    monkeypatch.setattr(engine, "check_text", lambda p, t, s=None: events.append("check") or real_check(p, t, s))
    assert run_check(capsys, ".")[0] == 1
    assert events == ["read", "check"] * 4  # not every note read first


def test_workers_read_the_notes_the_parent_sends_paths(cwd, capsys, monkeypatch):
    for k in range(4):
        (cwd / f"n{k}.md").write_text(f"$x_{k} = (y$\n", encoding="utf-8")
    monkeypatch.setattr(cli, "PARALLEL_MIN_CHARS", 0)
    expected = main(["check", "--no-cache", "-j", "1", "."]), capsys.readouterr().out
    in_parent: list[str] = []  # a forked worker appends to its own copy
    real_read = cli.read_note
    monkeypatch.setattr(cli, "read_note", lambda p, e=None: in_parent.append(p) or real_read(p, e))
    assert (main(["check", "--no-cache", "-j", "2", "."]), capsys.readouterr().out) == expected
    assert in_parent == []


# --------------------------------------------------------------------------- notebooks


def test_a_notebook_number_of_5000_digits_is_a_json_problem(cwd, capsys):
    (cwd / "big.ipynb").write_text(
        '{"cells": [], "metadata": {}, "nbformat": ' + "4" * 5000 + ', "nbformat_minor": 5}', encoding="utf-8"
    )
    code, out = run_check(capsys, "--no-cache", "big.ipynb")
    assert code == 1 and "DL199" not in out
    assert "DL101" in out and "5,000 digits" in out
