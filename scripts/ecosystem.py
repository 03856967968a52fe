"""Ecosystem check: derivlint's findings on the real-notes corpus against their hand-read verdicts.

Usage: python scripts/ecosystem.py [--corpus DIR] [--tsv FILE] [--cli] [--jobs N]
                                   [--write-new] [--drop-gone] [--quiet]

As ruff and mypy do with mypy_primer, but gating: derivlint checks every note of
the corpus (default ``../shared/corpus``, relative to the checkout; default rules,
JSON output, no cache), and every DL1xx-DL5xx finding is looked up in
``tests/data/ecosystem.tsv`` (format in ``tests/data/README.md``), where a person
who read the note wrote a verdict (TRUE, FALSE or DEBATABLE) and a one-line reason.
The key is (path, line, column, code); the message column is informative only (a
changed message is listed as "changed", not counted as a difference).

Printed: the new findings (no row), the gone rows (their finding disappeared), the
changed messages, rows whose verdict is UNREAD or not a verdict, and the precision
figures: the share of TRUE rows among DL2xx-DL5xx rows and among DL101 rows (and the
DEBATABLE counts), overall and per code.

``--write-new`` appends a row with verdict UNREAD for each new finding (someone must
then read the note and replace UNREAD); ``--drop-gone`` removes the gone rows.
Exit status: 0 when findings and rows agree and every row has a verdict, 1 otherwise
(after ``--write-new``/``--drop-gone``, of the file as written: its UNREAD rows still need
reading), 2 when the corpus is missing, the file malformed or derivlint could not run.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus"
DEFAULT_TSV = ROOT / "tests" / "data" / "ecosystem.tsv"

HEADER = ("path", "line", "column", "code", "verdict", "message", "reason")
VERDICTS = ("TRUE", "FALSE", "DEBATABLE")
UNREAD = "UNREAD"
INTERNAL_ERROR = "DL199"  # derivlint's own failure: never a right finding about the note, always FALSE
# Codes recorded in the file: extraction/parse (DL1xx) through notation (DL5xx).
RECORDED_SERIES = ("DL1", "DL2", "DL3", "DL4", "DL5")


# --------------------------------------------------------------------------- rows and keys


@dataclass(frozen=True)
class Row:
    """One line of the ecosystem file: a finding and what a reader said of it."""

    path: str
    line: str  # "12", or "CELL:LINE" for a notebook ("41:3", as the CLI's "cell 41:3")
    column: int
    code: str
    verdict: str
    message: str
    reason: str

    @property
    def key(self) -> tuple[str, str, int, str]:
        return (self.path, self.line, self.column, self.code)


def _clean(text: str) -> str:
    """One TSV field: no tabs or line breaks."""
    return " ".join(str(text).replace("\t", " ").split())


def _line_order(line: str) -> tuple[int, int]:
    if ":" in line:
        cell, _, within = line.partition(":")
        return (int(cell), int(within))
    return (-1, int(line))


def sort_key(row: Row) -> tuple:
    """Rows are sorted by path, line (cell first in a notebook), column and code."""
    return (row.path, _line_order(row.line), row.column, row.code)


def finding_row(finding: dict, corpus: Path, verdict: str = UNREAD, reason: str = "") -> Row:
    """The row for one JSON finding of ``derivlint check``, its path relative to ``corpus``."""
    path = Path(finding["path"])
    try:
        rel = path.resolve().relative_to(corpus.resolve())
    except ValueError:
        rel = path
    line = str(finding["line"])
    if finding.get("cell") is not None:
        line = f"{finding['cell']}:{line}"
    return Row(rel.as_posix(), line, int(finding["column"]), finding["code"], verdict,
               _clean(finding["message"]), reason)


def recorded(code: str) -> bool:
    """Whether findings of ``code`` belong in the file (DL1xx-DL5xx)."""
    return code.startswith(RECORDED_SERIES) and len(code) == 5


class FormatError(ValueError):
    """The ecosystem file cannot be read."""


def read_tsv(path: Path) -> list[Row]:
    """The rows of an ecosystem file (a missing file has none)."""
    if not path.exists():
        return []
    text = path.read_text(encoding="utf-8")
    return parse_tsv(text, str(path))


def parse_tsv(text: str, name: str = "<tsv>") -> list[Row]:
    lines = text.splitlines()
    if not lines or tuple(lines[0].split("\t")) != HEADER:
        raise FormatError(f"{name}: the first line must be the header {chr(9).join(HEADER)!r}")
    rows = []
    for number, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        fields = line.split("\t")
        if len(fields) != len(HEADER):
            raise FormatError(f"{name}:{number}: {len(fields)} fields, expected {len(HEADER)}")
        path, where, column, code, verdict, message, reason = fields
        try:
            _line_order(where)
            col = int(column)
        except ValueError:
            raise FormatError(f"{name}:{number}: line {where!r} or column {column!r} is not a number") from None
        rows.append(Row(path, where, col, code, verdict.strip(), message, reason))
    return rows


def format_tsv(rows: list[Row]) -> str:
    out = ["\t".join(HEADER)]
    for r in sorted(rows, key=sort_key):
        out.append("\t".join((r.path, r.line, str(r.column), r.code, r.verdict,
                              _clean(r.message), _clean(r.reason))))
    return "\n".join(out) + "\n"


def write_tsv(path: Path, rows: list[Row]) -> None:
    path.write_text(format_tsv(rows), encoding="utf-8")


# --------------------------------------------------------------------------- comparison


@dataclass
class Difference:
    """How the findings of a run differ from the rows of the file."""

    new: list[Row] = field(default_factory=list)  # findings without a row (verdict UNREAD)
    gone: list[Row] = field(default_factory=list)  # rows whose finding is no longer reported
    changed: list[tuple[Row, str]] = field(default_factory=list)  # (row, the message now)
    unread: list[Row] = field(default_factory=list)  # rows still marked UNREAD
    invalid: list[Row] = field(default_factory=list)  # rows whose verdict is not a verdict
    duplicate: list[Row] = field(default_factory=list)  # a second row with the same key

    @property
    def failed(self) -> bool:
        """New, gone, unread, invalid or duplicate rows; a changed message alone is not a failure."""
        return bool(self.new or self.gone or self.unread or self.invalid or self.duplicate)

    def report(self, limit: int | None = None) -> str:
        """The difference, one finding a line, as ``path:line:column: CODE message``."""
        parts = []
        for title, rows in (
            ("new (a finding with no row)", self.new),
            ("gone (a row whose finding disappeared)", self.gone),
            ("unread (verdict UNREAD: read the note and give a verdict)", self.unread),
            ("invalid verdict (TRUE, FALSE or DEBATABLE; DL199 is always FALSE)", self.invalid),
            ("duplicate key", self.duplicate),
        ):
            if rows:
                parts.append(f"{title}: {len(rows)}")
                shown = rows if limit is None else rows[:limit]
                parts.extend(f"  {_where(r)}: {r.code} [{r.verdict}] {r.message}" for r in shown)
                if len(shown) < len(rows):
                    parts.append(f"  ... and {len(rows) - len(shown)} more")
        if self.changed:
            parts.append(f"changed message (informative): {len(self.changed)}")
            for row, now in self.changed if limit is None else self.changed[:limit]:
                parts.append(f"  {_where(row)}: {row.code} was: {row.message}")
                parts.append(f"  {' ' * len(_where(row))}  {' ' * len(row.code)} now: {now}")
        return "\n".join(parts)


def _where(row: Row) -> str:
    if ":" in row.line:
        cell, _, line = row.line.partition(":")
        return f"{row.path}:cell {cell}:{line}:{row.column}"
    return f"{row.path}:{row.line}:{row.column}"


def compare(findings: list[Row], rows: list[Row]) -> Difference:
    """Match findings (as UNREAD rows) to the file's rows by (path, line, column, code)."""
    diff = Difference()
    by_key: dict[tuple, Row] = {}
    for r in rows:
        if r.key in by_key:
            diff.duplicate.append(r)
            continue
        by_key[r.key] = r
        if r.verdict == UNREAD:
            diff.unread.append(r)
        elif r.verdict not in VERDICTS or (r.code == INTERNAL_ERROR and r.verdict != "FALSE"):
            diff.invalid.append(r)
    seen = set()
    for f in sorted(findings, key=sort_key):
        if not recorded(f.code):
            continue
        seen.add(f.key)
        row = by_key.get(f.key)
        if row is None:
            diff.new.append(f)
        elif _clean(row.message) != _clean(f.message):
            diff.changed.append((row, f.message))
    diff.gone = [r for r in sorted(by_key.values(), key=sort_key) if r.key not in seen]
    return diff


def apply(rows: list[Row], diff: Difference, write_new: bool, drop_gone: bool) -> list[Row]:
    """The rows after ``--write-new`` (new findings as UNREAD rows) and ``--drop-gone``."""
    gone = {r.key for r in diff.gone} if drop_gone else set()
    out = [r for r in rows if r.key not in gone]
    if write_new:
        out.extend(diff.new)
    return sorted(out, key=sort_key)


# --------------------------------------------------------------------------- precision


@dataclass
class Tally:
    """Verdict counts over a group of rows."""

    rows: int = 0
    true: int = 0
    false: int = 0
    debatable: int = 0
    unread: int = 0

    def add(self, verdict: str) -> None:
        self.rows += 1
        if verdict == "TRUE":
            self.true += 1
        elif verdict == "FALSE":
            self.false += 1
        elif verdict == "DEBATABLE":
            self.debatable += 1
        else:
            self.unread += 1

    @property
    def precision(self) -> float | None:
        """The share of TRUE among the rows (DEBATABLE and UNREAD count as not TRUE)."""
        return self.true / self.rows if self.rows else None

    def line(self, name: str) -> str:
        share = "  n/a" if self.precision is None else f"{self.precision:6.1%}"
        extra = f", {self.unread} unread" if self.unread else ""
        return (f"{name:<12} {share}  TRUE {self.true}/{self.rows}  "
                f"(FALSE {self.false}, DEBATABLE {self.debatable}{extra})")


def group(code: str) -> str:
    if code == "DL101":
        return "DL101"
    if code.startswith(("DL2", "DL3", "DL4", "DL5")):
        return "DL2xx-DL5xx"
    return "other DL1xx"


def precision(rows: list[Row]) -> tuple[dict[str, Tally], dict[str, Tally]]:
    """Tallies per group (DL2xx-DL5xx, DL101, other DL1xx) and per code."""
    groups: dict[str, Tally] = {}
    codes: dict[str, Tally] = {}
    for r in rows:
        groups.setdefault(group(r.code), Tally()).add(r.verdict)
        codes.setdefault(r.code, Tally()).add(r.verdict)
    return groups, dict(sorted(codes.items()))


def precision_report(rows: list[Row]) -> str:
    groups, codes = precision(rows)
    out = ["precision (share of TRUE rows):"]
    for name in ("DL2xx-DL5xx", "DL101", "other DL1xx"):
        if name in groups:
            out.append("  " + groups[name].line(name))
    out.append("per code:")
    out.extend("  " + t.line(code) for code, t in codes.items())
    return "\n".join(out)


# --------------------------------------------------------------------------- running derivlint


class RunError(RuntimeError):
    """derivlint did not produce a JSON report."""


def check_args(corpus: Path, jobs: int | None) -> list[str]:
    args = ["check", str(corpus), "--output-format", "json", "--no-cache", "--exit-zero", "--quiet"]
    if jobs is not None:
        args += ["--jobs", str(jobs)]
    return args


def run_derivlint(corpus: Path, via_cli: bool = False, jobs: int | None = None) -> list[dict]:
    """derivlint's JSON findings on ``corpus`` (default rules), in this process or as a subprocess."""
    args = check_args(corpus.resolve(), jobs)
    if via_cli:
        done = subprocess.run([sys.executable, "-m", "derivlint", *args], capture_output=True,
                              text=True, encoding="utf-8")
        out, code, err = done.stdout, done.returncode, done.stderr
    else:
        try:
            from derivlint.cli import main
        except ModuleNotFoundError as exc:
            raise RunError(f"derivlint is not installed in this Python ({exc}): "
                           "run `python -m pip install -e .` first") from None

        buffer, errors = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(buffer), contextlib.redirect_stderr(errors):
            code = main(args)
        out, err = buffer.getvalue(), errors.getvalue()
    if code != 0:
        raise RunError(f"derivlint exited {code}: {err.strip()}")
    try:
        return json.loads(out)
    except json.JSONDecodeError as exc:
        raise RunError(f"derivlint printed no JSON report ({exc}): {out[:200]!r}") from None


def finding_rows(findings: list[dict], corpus: Path) -> list[Row]:
    return [finding_row(f, corpus) for f in findings if recorded(f["code"])]


# --------------------------------------------------------------------------- command


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS,
                        help="the folder of real notes (default: ../shared/corpus beside the checkout)")
    parser.add_argument("--tsv", type=Path, default=DEFAULT_TSV,
                        help="the ecosystem file (default: tests/data/ecosystem.tsv)")
    parser.add_argument("--cli", action="store_true",
                        help="run derivlint as a subprocess (python -m derivlint) instead of in this process")
    parser.add_argument("--jobs", "-j", type=int, default=None, help="passed to derivlint check --jobs")
    parser.add_argument("--write-new", action="store_true",
                        help="append a row with verdict UNREAD for each new finding")
    parser.add_argument("--drop-gone", action="store_true", help="remove the rows whose finding is gone")
    parser.add_argument("--quiet", "-q", action="store_true", help="print the difference only, not the figures")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    corpus = args.corpus if args.corpus.is_absolute() else Path.cwd() / args.corpus
    if not corpus.is_dir():
        print(f"ecosystem: no corpus at {corpus}", file=sys.stderr)
        return 2
    try:
        rows = read_tsv(args.tsv)
        findings = finding_rows(run_derivlint(corpus, args.cli, args.jobs), corpus)
    except (FormatError, RunError) as exc:
        print(f"ecosystem: {exc}", file=sys.stderr)
        return 2
    diff = compare(findings, rows)
    text = diff.report()
    print(f"{len(findings)} findings on {corpus}; {len(rows)} rows in {_shown(args.tsv)}")
    print(text if text else "no difference")
    if args.write_new or args.drop_gone:
        rows = apply(rows, diff, args.write_new, args.drop_gone)
        write_tsv(args.tsv, rows)
        done = [f"{len(diff.new)} UNREAD rows added"] if args.write_new else []
        done += [f"{len(diff.gone)} gone rows dropped"] if args.drop_gone else []
        print(f"wrote {_shown(args.tsv)}: {', '.join(done)}")
        diff = compare(findings, rows)  # what is left: UNREAD rows, or gone rows kept
    if not args.quiet:
        print(precision_report(rows))
    return 1 if diff.failed else 0


def _shown(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)


if __name__ == "__main__":
    sys.exit(main())
