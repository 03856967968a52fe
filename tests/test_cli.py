"""Tests for the command line, with a fake engine standing in for the real pipeline."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from derivlint import __version__, engine
from derivlint.cli import main
from derivlint.engine import FileResult
from derivlint.findings import Finding

REPO = Path(__file__).resolve().parent.parent


@dataclass
class FakeClaim:
    path: str
    line: int
    kind: str
    parsed: str | None
    verdict: str | None = None
    reason: str | None = None
    undecided: str | None = None  # why a claim that gets a verdict is left without a decision

    def to_json(self) -> dict:
        return {
            "path": self.path, "line": self.line, "column": 1, "end_line": self.line,
            "end_column": 5, "text": "a = b", "kind": self.kind, "parsed": self.parsed,
            "verdict": self.verdict, "reason": self.reason,
        }


class FakeEngine:
    """Every line containing ``BAD`` is a DL301 finding and a false claim; ``BOOM`` raises."""

    def __init__(self):
        self.calls: list[str] = []
        self.settings: list[engine.Settings] = []

    def __call__(self, path, text, settings=None):
        self.calls.append(path)
        self.settings.append(settings)
        if "BOOM" in text:
            raise KeyError("boom-key")
        findings, claims = [], []
        for n, line in enumerate(text.splitlines(), 1):
            if "BAD" in line:
                findings.append(Finding(path, n, 2, n, 5, "DL301", "wrong-identity", "error",
                                        "d(x^T x)/dx is 2x, not x"))
                claims.append(FakeClaim(path, n, "equation", "x = y", verdict="false"))
            elif "???" in line:
                claims.append(FakeClaim(path, n, "unparsed", None, reason="cannot parse \\foo"))
            elif line.strip():
                claims.append(FakeClaim(path, n, "equation", "a = a", verdict="true"))
        return FileResult(path=path, findings=findings, claims=claims)


@pytest.fixture
def fake(monkeypatch, tmp_path) -> FakeEngine:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DERIVLINT_DEBUG", raising=False)
    fake_engine = FakeEngine()
    monkeypatch.setattr(engine, "check_text", fake_engine)
    return fake_engine


def note(name: str, text: str) -> str:
    Path(name).parent.mkdir(parents=True, exist_ok=True)
    Path(name).write_text(text, encoding="utf-8")
    return name


# --------------------------------------------------------------------------- check


def test_no_findings_exits_0_with_summary(fake, capsys):
    note("a.md", "ok\n")
    note("b.md", "fine\n")
    assert main(["check", "."]) == 0
    out, err = capsys.readouterr()
    assert out == ""
    assert err.strip() == "All checked: no findings in 2 files (2 claims, 0 unparsed, 0 undecided)."


def test_findings_exit_1_concise_lines(fake, capsys):
    note("a.md", "ok\nBAD here\n???\n")
    note("sub/b.md", "BAD\n")
    note("c.md", "ok\n")
    assert main(["check", "."]) == 1
    out, err = capsys.readouterr()
    assert out.splitlines() == [
        "a.md:2:2: DL301 d(x^T x)/dx is 2x, not x",
        f"{os.path.join('sub', 'b.md')}:1:2: DL301 d(x^T x)/dx is 2x, not x",
    ]
    assert err.strip() == "Found 2 findings in 2 of 3 files (5 claims, 1 unparsed, 0 undecided)."


def test_notebook_findings_name_the_cell(fake, capsys, monkeypatch):
    note("n.ipynb", "{}")

    def with_cell(path, text, settings=None):
        f = Finding(path, 3, 4, 3, 6, "DL301", "wrong-identity", "error", "wrong", cell=2)
        return FileResult(path=path, findings=[f], claims=[])

    monkeypatch.setattr(engine, "check_text", with_cell)
    assert main(["check", "n.ipynb"]) == 1
    assert capsys.readouterr().out == "n.ipynb:cell 2:3:4: DL301 wrong\n"


def test_exit_zero(fake, capsys):
    note("a.md", "BAD\n")
    assert main(["check", "--exit-zero", "a.md"]) == 0
    assert "DL301" in capsys.readouterr().out


def test_quiet_suppresses_summary(fake, capsys):
    note("a.md", "BAD\n")
    assert main(["check", "--quiet", "a.md"]) == 1
    out, err = capsys.readouterr()
    assert "DL301" in out and err == ""


def test_json_output_is_only_json(fake, capsys):
    note("a.md", "BAD\nok\n")
    note("b.md", "ok\n")
    assert main(["check", "--output-format", "json", "."]) == 1
    out, err = capsys.readouterr()
    data = json.loads(out)
    assert [(d["path"], d["line"], d["code"]) for d in data] == [("a.md", 1, "DL301")]
    assert set(data[0]) >= {"path", "line", "column", "code", "name", "severity", "message", "fix"}
    assert "Found 1 finding" in err


def test_json_output_empty_list(fake, capsys):
    note("a.md", "ok\n")
    assert main(["check", "--output-format=json", "-q", "a.md"]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out) == [] and err == ""


def test_missing_path_exits_2_but_checks_the_rest(fake, capsys):
    note("a.md", "BAD\n")
    assert main(["check", "nope", "a.md"]) == 2
    out, err = capsys.readouterr()
    assert "a.md:1:2: DL301" in out
    assert "no such file or directory: nope" in err


@pytest.mark.parametrize("option", ["--select", "--extend-select", "--ignore"])
def test_unknown_code_is_a_usage_error(fake, capsys, option):
    note("a.md", "ok\n")
    assert main(["check", option, "DL100,XY9", "a.md"]) == 2
    err = capsys.readouterr().err
    assert "unknown rule code 'XY9'" in err and option in err
    assert fake.calls == []


def test_codes_accept_prefixes_and_reach_the_engine(fake, capsys):
    note("a.md", "ok\n")
    assert main(["check", "--select", "dl1, DL199", "--ignore", "DL100", "a.md"]) == 0
    settings = fake.settings[0]
    assert settings.select == frozenset({"DL1", "DL199"})
    assert settings.ignore == frozenset({"DL100"})
    assert settings.extend_select == frozenset()


def test_unknown_encoding_is_a_usage_error(fake, capsys):
    note("a.md", "ok\n")
    assert main(["check", "--encoding", "no-such-codec", "a.md"]) == 2
    assert "no-such-codec" in capsys.readouterr().err


def test_usage_errors(fake, capsys):
    assert main([]) == 2
    assert main(["check"]) == 2
    assert main(["check", "--output-format", "xml", "."]) == 2
    assert main(["frobnicate"]) == 2


def test_binary_file_gives_dl100_and_others_are_checked(fake, capsys):
    note("a.md", "BAD\n")
    Path("b.md").write_bytes(b"\x00\x01\x02")
    note("c.md", "ok\n")
    assert main(["check", "."]) == 1
    out, err = capsys.readouterr()
    assert "b.md:1:1: DL100 cannot read this file: binary file" in out
    assert "a.md:1:2: DL301" in out
    assert fake.calls == ["a.md", "c.md"]
    assert "in 2 of 3 files" in err


def test_undecodable_file_points_at_the_byte(fake, capsys):
    Path("latin.md").write_bytes("ok\ncafé\n".encode("latin-1"))
    assert main(["check", "latin.md"]) == 1
    out = capsys.readouterr().out
    assert out.startswith("latin.md:2:4: DL100 ")
    assert "0xE9" in out and "--encoding" in out
    assert main(["check", "--encoding", "latin-1", "latin.md"]) == 0


def test_ignore_dl100(fake, capsys):
    Path("b.md").write_bytes(b"\x00")
    assert main(["check", "--ignore", "DL100", "b.md"]) == 0


def test_crash_gives_dl199_and_run_continues(fake, capsys):
    note("a.md", "BAD\n")
    note("b.md", "BOOM\n")
    note("c.md", "BAD\n")
    assert main(["check", "."]) == 1
    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert [line.split(":")[0] for line in lines] == ["a.md", "b.md", "c.md"]
    assert lines[1].startswith("b.md:1:1: DL199 ")
    assert "KeyError" in lines[1] and "boom-key" in lines[1]
    assert "Traceback" not in out + err
    assert fake.calls == ["a.md", "b.md", "c.md"]


def test_crash_traceback_with_debug(fake, capsys, monkeypatch):
    monkeypatch.setenv("DERIVLINT_DEBUG", "1")
    note("b.md", "BOOM\n")
    assert main(["check", "b.md"]) == 1
    out, err = capsys.readouterr()
    assert "Traceback" in err and "Traceback" not in out


def test_cli_internal_failure_exits_2(fake, capsys, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr("derivlint.cli.discover", broken)
    assert main(["check", "."]) == 2
    assert "internal error: RuntimeError: disk on fire" in capsys.readouterr().err


def test_paths_are_shown_relative_to_cwd(fake, capsys, tmp_path):
    note("sub/a.md", "BAD\n")
    assert main(["check", str(tmp_path / "sub" / "a.md")]) == 1
    assert capsys.readouterr().out.startswith(os.path.join("sub", "a.md") + ":1:2:")


def test_no_notes_found(fake, capsys):
    note("readme.txt", "x\n")
    assert main(["check", "."]) == 0
    assert "No notes found" in capsys.readouterr().err


# --------------------------------------------------------------------------- claims


def test_claims_text(fake, capsys):
    note("a.md", "BAD\n???\nok\n")
    assert main(["claims", "a.md"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "a.md:1:1  equation  x = y  [false]",
        "a.md:2:1  unparsed  cannot parse \\foo",
        "a.md:3:1  equation  a = a  [true]",
    ]


def test_claims_json(fake, capsys):
    note("a.md", "BAD\n???\n")
    assert main(["claims", "--output-format", "json", "a.md"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [d["kind"] for d in data] == ["equation", "unparsed"]
    assert data[1]["reason"] == "cannot parse \\foo"


def test_claims_unreadable_file_exits_1(fake, capsys):
    note("a.md", "ok\n")
    Path("b.md").write_bytes(b"\x00")
    assert main(["claims", "."]) == 1
    out, err = capsys.readouterr()
    assert out == "a.md:1:1  equation  a = a  [true]\n"
    assert "b.md:1:1: cannot read this file: binary file" in err
    assert "could not be read" in err


def test_claims_missing_path_exits_2(fake, capsys):
    assert main(["claims", "nope.md"]) == 2


# --------------------------------------------------------------------------- process level


def run_module(*args: str, cwd: Path | None = None, **kwargs) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("DERIVLINT_DEBUG", None)
    return subprocess.run([sys.executable, "-m", "derivlint", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, **kwargs)


def test_version_subprocess():
    done = run_module("--version")
    assert done.returncode == 0
    assert done.stdout.strip() == f"derivlint {__version__}"


def test_broken_pipe_prints_no_traceback(tmp_path):
    for i in range(1500):  # enough DL100 lines to overflow a pipe buffer
        (tmp_path / f"bin{i:04}.md").write_bytes(b"\x00")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen([sys.executable, "-m", "derivlint", "check", "-q", "."], cwd=tmp_path,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    first = proc.stdout.readline()
    proc.stdout.close()
    err = proc.stderr.read()
    proc.wait(timeout=60)
    assert b"DL100" in first
    assert b"Traceback" not in err and b"BrokenPipe" not in err
    assert proc.returncode == 1


def test_the_command_exits_without_teardown_but_with_all_its_output(tmp_path):
    """``python -m derivlint`` ends with os._exit (no interpreter teardown): stdout, stderr and
    --output-file must still be complete, and the exit code the one main returned."""
    repo = Path(__file__).resolve().parents[1]
    report = tmp_path / "report.json"
    done = subprocess.run(
        [sys.executable, "-m", "derivlint", "check", "--no-cache", "--output-format", "json",
         "--output-file", f"sarif={report}", str(repo / "fixtures")],
        capture_output=True, text=True, cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 1
    findings = json.loads(done.stdout)  # complete: it parses
    assert len(findings) > 50 and "findings in" in done.stderr
    assert len(json.loads(report.read_text())["runs"][0]["results"]) == len(findings)
