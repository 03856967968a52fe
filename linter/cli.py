"""The command line: ``derivlint check`` and ``derivlint claims``."""

from __future__ import annotations

import argparse
import codecs
import json
import os
import sys
import traceback
from dataclasses import dataclass, field, replace

from . import __version__, engine
from .config import ConfigError, config_for
from .files import ReadProblem, discover, read_note
from .findings import Finding

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


def main(argv: list[str] | None = None) -> int:
    """Run derivlint with ``argv`` (default: the process arguments); return the exit code."""
    _tolerant_streams()
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version, usage errors
        return int(exc.code or 0)
    if args.command is None:
        parser.print_usage(sys.stderr)
        print("derivlint: error: a command is required (check or claims)", file=sys.stderr)
        return EXIT_ERROR
    try:
        if args.command == "check":
            settings = _settings(args)
            if settings is None:
                return EXIT_ERROR
            return _check(args, settings)
        return _claims(args)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # a bug in the CLI itself
        _debug_traceback()
        print(f"derivlint: internal error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return EXIT_ERROR


# --------------------------------------------------------------------------- arguments


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="derivlint", description="Check the matrix calculus in study notes."
    )
    parser.add_argument("--version", action="version", version=f"derivlint {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    check = sub.add_parser("check", help="report wrong claims in notes")
    check.add_argument("paths", nargs="+", metavar="PATH", help="files or folders")
    check.add_argument("--output-format", choices=("concise", "json"), default="concise")
    check.add_argument("--select", metavar="CODES", help="rules to run instead of the defaults")
    check.add_argument("--extend-select", metavar="CODES", help="rules to run in addition")
    check.add_argument("--ignore", metavar="CODES", help="rules not to run")
    check.add_argument("--exit-zero", action="store_true", help="exit 0 even with findings")
    check.add_argument("--encoding", metavar="ENC", help="read notes with this encoding")
    check.add_argument("--config", metavar="FILE", help="use this configuration file (default: the nearest derivlint.toml or pyproject.toml)")
    check.add_argument("--quiet", "-q", action="store_true", help="no summary on stderr")
    check.set_defaults(subparser=check)

    claims = sub.add_parser("claims", help="list every claim derivlint reads in notes")
    claims.add_argument("paths", nargs="+", metavar="PATH", help="files or folders")
    claims.add_argument("--output-format", choices=("text", "json"), default="text")
    claims.add_argument("--encoding", metavar="ENC", help="read notes with this encoding")
    claims.add_argument("--config", metavar="FILE", help="use this configuration file (default: the nearest derivlint.toml or pyproject.toml)")
    return parser


def _codes(value: str | None, option: str, known: list[str]) -> frozenset[str] | None:
    """The comma-separated codes of ``option``; raises ValueError on an unknown code."""
    if value is None:
        return None
    codes = [c.strip().upper() for c in value.split(",") if c.strip()]
    for code in codes:
        if not any(k.startswith(code) for k in known):
            raise ValueError(
                f"unknown rule code {code!r} in {option} (known codes: {', '.join(known)})"
            )
    return frozenset(codes)


def _settings(args) -> engine.Settings | None:
    from rules import all_rules

    known = list(all_rules())
    try:
        select = _codes(args.select, "--select", known)
        extend = _codes(args.extend_select, "--extend-select", known) or frozenset()
        ignore = _codes(args.ignore, "--ignore", known) or frozenset()
        if args.encoding is not None:
            codecs.lookup(args.encoding)
    except (ValueError, LookupError) as exc:
        message = str(exc) if isinstance(exc, ValueError) else f"unknown encoding {args.encoding!r}"
        args.subparser.print_usage(sys.stderr)
        print(f"derivlint check: error: {message}", file=sys.stderr)
        return None
    return engine.Settings(select=select, extend_select=extend, ignore=ignore)


# --------------------------------------------------------------------------- checking


@dataclass
class _Run:
    """What checking the discovered files produced."""

    files: int = 0
    findings: list[Finding] = field(default_factory=list)
    claims: list = field(default_factory=list)
    unparsed: int = 0
    unreadable: list[tuple[str, ReadProblem]] = field(default_factory=list)
    crashed: list[tuple[str, BaseException]] = field(default_factory=list)


def _run(
    paths: list[str], settings: engine.Settings, encoding: str | None, config: str | None = None
) -> tuple[_Run, list[str]]:
    files, errors = discover(paths)
    run = _Run(files=len(files))
    per_file = {}
    for path in files:  # a bad configuration stops the run before any file is checked
        macros = config_for(path, config).macros
        per_file[path] = replace(settings, macros={**macros, **settings.macros}) if macros else settings
    for path in files:
        settings = per_file[path]
        text, problem = read_note(path, encoding)
        if problem is not None:
            run.unreadable.append((path, problem))
            continue
        try:
            result = engine.check_text(path, text, settings)
        except Exception as exc:
            _debug_traceback()
            run.crashed.append((path, exc))
            continue
        run.findings.extend(result.findings)
        run.claims.extend(result.claims)
        run.unparsed += result.unparsed
    return run, errors


def _check(args, settings: engine.Settings) -> int:
    try:
        run, errors = _run(args.paths, settings, args.encoding, args.config)
    except ConfigError as err:
        print(f"derivlint: error: {err}", file=sys.stderr)
        return EXIT_ERROR
    findings = list(run.findings)
    if not _ignored("DL100", settings):
        findings += [_unreadable_finding(p, problem) for p, problem in run.unreadable]
    if not _ignored("DL199", settings):
        findings += [_crash_finding(p, exc) for p, exc in run.crashed]
    findings.sort(key=Finding.sort_key)

    if args.output_format == "json":
        _emit(json.dumps([f.to_json() for f in findings], ensure_ascii=False, indent=2))
    elif findings:
        _emit("\n".join(_concise(f) for f in findings))
    for error in errors:
        print(f"derivlint: error: {error}", file=sys.stderr)
    if not args.quiet:
        print(_summary(run, findings), file=sys.stderr)
    if errors:
        return EXIT_ERROR
    return EXIT_FINDINGS if findings and not args.exit_zero else EXIT_OK


def _ignored(code: str, settings: engine.Settings) -> bool:
    """DL100/DL199 are always reported (whatever --select says) unless --ignore names them."""
    return any(code.startswith(p) for p in settings.ignore)


def _rule_finding(code: str, path: str, line: int, column: int, message: str) -> Finding:
    from rules import all_rules

    rule = all_rules()[code]
    return Finding(
        path=path,
        line=line,
        column=column,
        end_line=line,
        end_column=column + 1,
        code=rule.code,
        name=rule.name,
        severity=rule.severity,
        message=message,
    )


def _unreadable_finding(path: str, problem: ReadProblem) -> Finding:
    return _rule_finding(
        "DL100", path, problem.line, problem.column, f"cannot read this file: {problem.message}"
    )


def _crash_finding(path: str, exc: BaseException) -> Finding:
    message = (
        f"internal error while checking this file: {type(exc).__name__}: {exc} "
        "(a derivlint bug; please report it, DERIVLINT_DEBUG=1 prints the traceback)"
    )
    return _rule_finding("DL199", path, 1, 1, message)


def _position(path: str, cell: int | None, line: int, column: int) -> str:
    where = f"cell {cell}:" if cell is not None else ""
    return f"{path}:{where}{line}:{column}"


def _concise(f: Finding) -> str:
    return f"{_position(f.path, f.cell, f.line, f.column)}: {f.code} {f.message}"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _summary(run: _Run, findings: list[Finding]) -> str:
    if run.files == 0:
        return "No notes found to check (.md, .markdown, .tex, .ipynb)."
    counts = f"({_plural(len(run.claims), 'claim')}, {run.unparsed} unparsed)"
    if not findings:
        return f"All checked: no findings in {_plural(run.files, 'file')} {counts}."
    with_findings = len({f.path for f in findings})
    return (
        f"Found {_plural(len(findings), 'finding')} in {with_findings} of "
        f"{_plural(run.files, 'file')} {counts}."
    )


# --------------------------------------------------------------------------- claims


def _claims(args) -> int:
    if args.encoding is not None:
        try:
            codecs.lookup(args.encoding)
        except LookupError:
            print(f"derivlint claims: error: unknown encoding {args.encoding!r}", file=sys.stderr)
            return EXIT_ERROR
    try:
        run, errors = _run(args.paths, engine.Settings(), args.encoding, args.config)
    except ConfigError as err:
        print(f"derivlint: error: {err}", file=sys.stderr)
        return EXIT_ERROR
    records = [c.to_json() for c in run.claims]
    if args.output_format == "json":
        _emit(json.dumps(records, ensure_ascii=False, indent=2))
    elif records:
        _emit("\n".join(_claim_line(r) for r in records))
    for error in errors:
        print(f"derivlint: error: {error}", file=sys.stderr)
    for path, problem in run.unreadable:
        where = _position(path, None, problem.line, problem.column)
        print(f"{where}: cannot read this file: {problem.message}", file=sys.stderr)
    for path, exc in run.crashed:
        print(f"{path}:1:1: {_crash_finding(path, exc).message}", file=sys.stderr)
    failed = len(run.unreadable) + len(run.crashed)
    if failed:
        print(
            f"derivlint: {_plural(failed, 'file')} of {run.files} could not be read or "
            "checked; their claims are missing.",
            file=sys.stderr,
        )
    if errors:
        return EXIT_ERROR
    return EXIT_FINDINGS if failed else EXIT_OK


def _claim_line(r: dict) -> str:
    where = _position(r.get("path"), r.get("cell"), r.get("line"), r.get("column"))
    body = r.get("reason") if r.get("kind") == "unparsed" else r.get("parsed")
    line = f"{where}  {r.get('kind')}  {body}"
    if r.get("verdict") is not None:
        line += f"  [{r['verdict']}]"
    return line


# --------------------------------------------------------------------------- output


def _emit(text: str) -> None:
    """Print ``text`` on stdout; a reader that went away (``| head``) is not an error."""
    try:
        print(text)
        sys.stdout.flush()
    except BrokenPipeError:
        # Point stdout at devnull so the interpreter's final flush does not fail too.
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        except (OSError, ValueError, AttributeError):
            pass


def _tolerant_streams() -> None:
    """Never crash on a character the terminal's encoding cannot show."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.reconfigure(errors="backslashreplace")
        except (AttributeError, ValueError, OSError):
            pass


def _debug_traceback() -> None:
    if os.environ.get("DERIVLINT_DEBUG") == "1":
        traceback.print_exc(file=sys.stderr)
