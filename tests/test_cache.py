"""The result cache of ``derivlint check``: hits, keys, round trips, and failures that must not hurt."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import pytest

from derivlint import cache as cache_mod
from derivlint import engine
from derivlint.cache import Cache, Entry, settings_key
from derivlint.cli import main
from derivlint.findings import Finding, Fix

WRONG = "# Note\n\nLet $x = (a + b$ here.\n\n$$ y = 2 x $$\n"  # DL101: an unclosed parenthesis
RIGHT = "# Note\n\nLet $x = a + b$ here.\n"


@pytest.fixture
def notes(tmp_path, monkeypatch):
    """A folder with a wrong and a right note as the cwd; counts the real engine's calls."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(cache_mod.CACHE_DIR_ENV, raising=False)
    (tmp_path / "wrong.md").write_text(WRONG, encoding="utf-8")
    (tmp_path / "right.md").write_text(RIGHT, encoding="utf-8")
    calls: list[str] = []
    real = engine.check_text

    def counting(path, text, settings=None):
        calls.append(path)
        return real(path, text, settings)

    monkeypatch.setattr(engine, "check_text", counting)
    return calls


def signed(body: bytes) -> bytes:
    """``body`` as a cache file stores it: after the SHA-256 of it (so only its content is wrong)."""
    import hashlib

    return hashlib.sha256(body).hexdigest().encode() + b"\n" + body


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["check", "-j", "1", *args])
    out, err = capsys.readouterr()
    return code, out, err


# --------------------------------------------------------------------------- round trips


def test_finding_round_trips_exactly_through_json():
    fix = Fix(title="use 2x", text="2 x", start=10, end=13)
    finding = Finding("n.ipynb", 3, 4, 3, 9, "DL301", "wrong-derivative", "error", "d/dx x^T x is 2x", fix, cell=2)
    again = Finding.from_dict(json.loads(json.dumps(finding.to_dict())))
    assert again == finding and again.fix == fix
    plain = Finding("a.md", 1, 1, 1, 2, "DL101", "unbalanced-delimiter", "error", "Unclosed '('")
    assert Finding.from_dict(json.loads(json.dumps(plain.to_dict()))) == plain


def test_entry_round_trips_through_the_cache_folder(tmp_path):
    store = Cache(tmp_path / "c", code="code")
    finding = Finding("a.md", 2, 3, 2, 4, "DL101", "unbalanced-delimiter", "error", "Unclosed '('",
                      Fix("close it", ")", 5, 5))
    key = store.key("a.md", "text", engine.Settings())
    store.store(key, Entry([finding], claims=7, unparsed=2))
    assert store.load(key) == Entry([finding], 7, 2)
    assert store.load(store.key("a.md", "other text", engine.Settings())) is None


# --------------------------------------------------------------------------- keys


@dataclass
class _Later(engine.Settings):
    """Settings with a field that does not exist yet: the key must include it without changes."""

    future: dict = field(default_factory=dict)


def test_settings_key_covers_every_field_and_ignores_order():
    base = engine.Settings(select=frozenset({"DL1", "DL2"}), macros={"R": (0, None, r"\mathbb{R}"), "a": (0, None, "b")})
    same = engine.Settings(select=frozenset({"DL2", "DL1"}), macros={"a": (0, None, "b"), "R": (0, None, r"\mathbb{R}")})
    assert settings_key(base) == settings_key(same)
    assert settings_key(engine.Settings()) != settings_key(engine.Settings(select=frozenset()))
    assert settings_key(engine.Settings()) != settings_key(engine.Settings(ignore=frozenset({"DL101"})))
    assert settings_key(engine.Settings()) != settings_key(engine.Settings(extend_select=frozenset({"DL102"})))
    assert settings_key(engine.Settings()) != settings_key(engine.Settings(macros={"R": (0, None, "x")}))
    assert settings_key(_Later()) != settings_key(_Later(future={"k": 1}))


def test_settings_show_every_compared_field_in_their_repr():
    """The cache remembers settings keys by repr(settings): a field left out of the repr would
    let two different settings share one key."""
    import dataclasses

    assert all(f.repr for f in dataclasses.fields(engine.Settings) if f.compare)


def test_key_depends_on_path_text_settings_and_code(tmp_path):
    one, two = Cache(tmp_path, code="one"), Cache(tmp_path, code="two")
    s = engine.Settings()
    keys = {
        one.key("a.md", "x", s),
        one.key("b.md", "x", s),
        one.key("a.md", "y", s),
        one.key("a.md", "x", engine.Settings(ignore=frozenset({"DL101"}))),
        two.key("a.md", "x", s),
    }
    assert len(keys) == 5
    assert one.key("a.md", "x", s) == Cache(tmp_path / "elsewhere", code="one").key("a.md", "x", s)


def test_code_key_follows_the_source_of_linter_and_rules(tmp_path, monkeypatch):
    before = cache_mod.code_key()
    assert cache_mod.code_key() == before  # computed once per run
    cache_mod.code_key.cache_clear()
    monkeypatch.setattr(cache_mod, "__version__", "999.0")
    try:
        assert cache_mod.code_key() != before
    finally:
        cache_mod.code_key.cache_clear()


def test_source_digest_changes_with_any_file(tmp_path):
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "a.py").write_text("x = 1\n")
    first = cache_mod.source_digest([pkg])
    (pkg / "a.py").write_text("x = 2\n")
    second = cache_mod.source_digest([pkg])
    (pkg / "b.py").write_text("")
    third = cache_mod.source_digest([pkg])
    assert len({first, second, third}) == 3


# --------------------------------------------------------------------------- the command line


def test_second_run_is_served_from_the_cache(notes, capsys, tmp_path):
    first = run(capsys, ".")
    assert first[0] == 1 and "DL101" in first[1]
    assert sorted(notes) == ["right.md", "wrong.md"]
    second = run(capsys, ".")
    assert second == first  # same exit code, findings and summary (claim counts included)
    assert sorted(notes) == ["right.md", "wrong.md"]  # no file checked again
    folder = tmp_path / ".derivlint_cache"
    assert (folder / ".gitignore").read_text() == "*\n"
    assert (folder / "CACHEDIR.TAG").read_text().startswith("Signature: 8a477f597d28d172789f06886806bc55")
    assert len(list((folder / f"v{cache_mod.FORMAT}").glob("*.json"))) == 2


def test_json_output_is_identical_from_the_cache(notes, capsys):
    first = run(capsys, "--output-format", "json", ".")
    second = run(capsys, "--output-format", "json", ".")
    assert first == second and json.loads(first[1])
    assert len(notes) == 2


def test_edited_file_is_checked_again(notes, capsys, tmp_path):
    run(capsys, ".")
    (tmp_path / "right.md").write_text(RIGHT + "\nNow $(x$ too.\n", encoding="utf-8")
    code, out, _ = run(capsys, ".")
    assert notes.count("right.md") == 2 and notes.count("wrong.md") == 1
    assert code == 1 and "right.md:5" in out


def test_other_settings_are_checked_again(notes, capsys):
    run(capsys, ".")
    code, out, _ = run(capsys, "--ignore", "DL101", ".")
    assert code == 0 and out == ""
    assert len(notes) == 4
    run(capsys, "--ignore", "DL101", ".")
    assert len(notes) == 4


def test_configuration_macros_are_part_of_the_key(notes, capsys, tmp_path):
    run(capsys, ".")
    (tmp_path / "derivlint.toml").write_text('macros = { R = "\\\\mathbb{R}" }\n', encoding="utf-8")
    run(capsys, ".")  # each run looks for configuration files again
    assert len(notes) == 4


def test_no_cache_neither_reads_nor_writes(notes, capsys, tmp_path):
    run(capsys, "--no-cache", ".")
    run(capsys, "--no-cache", ".")
    assert len(notes) == 4
    assert not (tmp_path / ".derivlint_cache").exists()


def test_cache_dir_option_and_environment(notes, capsys, tmp_path, monkeypatch):
    run(capsys, "--cache-dir", "custom", ".")
    assert len(list((tmp_path / "custom" / f"v{cache_mod.FORMAT}").glob("*.json"))) == 2
    monkeypatch.setenv(cache_mod.CACHE_DIR_ENV, str(tmp_path / "from-env"))
    run(capsys, ".")
    assert len(list((tmp_path / "from-env" / f"v{cache_mod.FORMAT}").glob("*.json"))) == 2
    assert not (tmp_path / ".derivlint_cache").exists()


def test_corrupt_entries_are_recomputed(notes, capsys, tmp_path):
    first = run(capsys, ".")
    entries = list((tmp_path / ".derivlint_cache" / f"v{cache_mod.FORMAT}").glob("*.json"))
    entries[0].write_bytes(b"\xff{not json")
    entries[1].write_bytes(signed(json.dumps({"key": entries[1].stem, "findings": [{"path": 1}], "claims": 1, "unparsed": 0}).encode()))
    assert run(capsys, ".") == first
    assert len(notes) == 4
    assert run(capsys, ".") == first  # rewritten: served from the cache again
    assert len(notes) == 4


def test_unusable_cache_folder_never_fails_the_run(notes, capsys, tmp_path):
    (tmp_path / "blocker").write_text("a file where the cache folder should be")
    expected = run(capsys, "--no-cache", ".")
    assert run(capsys, "--cache-dir", "blocker", ".") == expected
    assert run(capsys, "--cache-dir", "blocker/sub", ".") == expected


def test_read_only_cache_folder_never_fails_the_run(notes, capsys, tmp_path):
    import os

    run(capsys, "--cache-dir", "ro", ".")
    (tmp_path / "wrong.md").write_text(WRONG + "\n$(z$\n", encoding="utf-8")  # one miss to write
    for path in [tmp_path / "ro", *(tmp_path / "ro").rglob("*")]:
        path.chmod(0o555 if path.is_dir() else 0o444)
    try:
        code, out, _ = run(capsys, "--cache-dir", "ro", ".")
        assert code == 1 and out.count("DL101") == 2
    finally:
        for path in [tmp_path / "ro", *(tmp_path / "ro").rglob("*")]:
            path.chmod(0o755)
    assert os.access(tmp_path / "ro", os.W_OK)


def test_claims_command_does_not_use_the_cache(notes, capsys, tmp_path):
    assert main(["claims", "."]) == 0
    assert main(["claims", "."]) == 0
    capsys.readouterr()
    assert len(notes) == 4
    assert not (tmp_path / ".derivlint_cache").exists()


def test_unreadable_and_crashing_files_are_not_cached(notes, capsys, tmp_path, monkeypatch):
    (tmp_path / "bad.md").write_bytes(b"caf\xe9\n")
    real = engine.check_text

    def boom(path, text, settings=None):
        if "right" in path:
            raise KeyError("boom-key")
        return real(path, text, settings)

    monkeypatch.setattr(engine, "check_text", boom)
    code, out, _ = run(capsys, ".")
    assert code == 1 and "DL100" in out and "DL199" in out and "KeyError" in out
    assert len(list((tmp_path / ".derivlint_cache" / f"v{cache_mod.FORMAT}").glob("*.json"))) == 1  # wrong.md only


# --------------------------------------------------------------------------- the stat index


@pytest.fixture
def reads(notes, monkeypatch):
    """The paths ``check`` reads; file times count as settled at once (no racy window)."""
    from derivlint import cli

    monkeypatch.setattr(cache_mod, "RACY_NS", 0)
    seen: list[str] = []
    real = cli.read_note

    def counting(path, encoding=None):
        seen.append(path)
        return real(path, encoding)

    monkeypatch.setattr(cli, "read_note", counting)
    return seen


def test_warm_run_reads_no_unchanged_file(reads, notes, capsys):
    first = run(capsys, ".")
    assert sorted(reads) == ["right.md", "wrong.md"]
    assert run(capsys, ".") == first
    assert sorted(reads) == ["right.md", "wrong.md"] and len(notes) == 2  # neither read nor checked again


def test_edit_that_keeps_size_and_modification_time_is_seen(reads, notes, capsys, tmp_path):
    import os

    run(capsys, ".")
    note = tmp_path / "right.md"
    before = note.stat()
    same_size = RIGHT.replace("a + b", "(a + b")[:-1]  # the same length, now a DL101
    assert len(same_size) == len(RIGHT)
    note.write_text(same_size, encoding="utf-8")
    os.utime(note, ns=(before.st_atime_ns, before.st_mtime_ns))  # the change time still moves
    code, out, _ = run(capsys, ".")
    assert code == 1 and "right.md:3" in out
    assert reads.count("right.md") == 2 and reads.count("wrong.md") == 1


def test_recently_changed_files_are_not_trusted_by_their_stat(notes, capsys, tmp_path, monkeypatch):
    from derivlint import cli

    seen: list[str] = []
    real = cli.read_note
    monkeypatch.setattr(cli, "read_note", lambda path, encoding=None: seen.append(path) or real(path, encoding))
    run(capsys, ".")  # the notes were written a moment ago: within the racy window
    run(capsys, ".")
    assert sorted(seen) == ["right.md", "right.md", "wrong.md", "wrong.md"]  # read again (results still cached)
    assert len(notes) == 2


def test_another_encoding_reads_the_file_again(reads, capsys):
    run(capsys, ".")
    run(capsys, "--encoding", "latin-1", ".")
    assert sorted(reads) == ["right.md", "right.md", "wrong.md", "wrong.md"]


def test_corrupt_index_is_a_miss_and_is_rewritten(reads, notes, capsys, tmp_path):
    first = run(capsys, ".")
    index = tmp_path / ".derivlint_cache" / f"v{cache_mod.FORMAT}" / cache_mod.INDEX
    for garbage in (b"\xff not json", signed(b"[1, 2]"), signed(json.dumps({str(tmp_path / "right.md"): "x"}).encode())):
        index.write_bytes(garbage)
        assert run(capsys, ".") == first
    assert len(notes) == 2  # results still came from the cache
    assert sorted(json.loads(index.read_text().partition("\n")[2])) == sorted(str(tmp_path / n) for n in ("right.md", "wrong.md"))
