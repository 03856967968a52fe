"""The command line: ``derivlint check``, ``derivlint claims`` and ``derivlint rule``."""

from __future__ import annotations

import argparse
import codecs
import json
import os
import sys
from dataclasses import dataclass, field, replace
from typing import NoReturn

from derivlint import __version__, engine
from derivlint.config import LAYOUTS, ConfigError, file_settings, forget_found, is_excluded
from derivlint.files import ReadProblem, discover, display_path, read_note
from derivlint.cache import CACHE_DIR_ENV, Cache, Entry, text_digest
from derivlint.cache import DEFAULT_DIR as DEFAULT_CACHE_DIR
from derivlint.findings import Finding
from derivlint.report import FORMATS
from derivlint.report.terminal import COLOR_CHOICES, escape, escape_path

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


def run() -> NoReturn:
    """The ``derivlint`` command (and ``python -m derivlint``): ``main``, then an exit without the
    interpreter's teardown, as mypy does: freeing every module and object at exit took a fifth of
    a warm run. Output is flushed first; worker pools and files are closed by ``main`` itself."""
    code = main()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass  # a reader that went away: nothing more to say
    os._exit(code)


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
        print("derivlint: error: a command is required (check, claims or rule)", file=sys.stderr)
        return EXIT_ERROR
    try:
        if args.command == "check":
            settings = _settings(args)
            if settings is None:
                return EXIT_ERROR
            if args.show_settings or args.show_files:
                return _show(args, settings)
            if not _take_stdin(args):
                return EXIT_ERROR
            return _check(args, settings)
        if args.command == "rule":
            return _rule(args)
        return _claims(args)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # a bug in the CLI itself
        _debug_traceback()
        print(escape(f"derivlint: internal error: {type(exc).__name__}: {exc}"), file=sys.stderr)
        return EXIT_ERROR


# --------------------------------------------------------------------------- arguments


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="derivlint", description="Check the matrix calculus in study notes."
    )
    parser.add_argument("--version", action="version", version=f"derivlint {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    check = sub.add_parser("check", help="report wrong claims in notes")
    check.add_argument("paths", nargs="+", metavar="PATH", help="files or folders; - reads one note from standard input")
    check.add_argument("--output-format", choices=FORMATS, default=None, help="full (default on a terminal), concise (default otherwise), json, sarif, github or gitlab")
    check.add_argument("--output-file", action="append", default=[], type=_output_file, metavar="[FMT=]PATH", help="also write FMT to PATH (repeatable); without FMT=, write --output-format to PATH instead of stdout")
    check.add_argument("--statistics", action="store_true", help="print the number of findings per rule instead of the findings")
    check.add_argument("--fix", action="store_true", help="apply the fixes findings offer, then report what remains")
    check.add_argument("--diff", action="store_true", help="print the changes --fix would make, as a unified diff; write nothing")
    check.add_argument("--unsafe-fixes", action="store_true", help="with --fix or --diff, apply unsafe fixes too (those resting on an inferred layout, a guessed shape or an unstated assumption)")
    check.add_argument("--select", metavar="CODES", help="rules to run instead of the defaults")
    check.add_argument("--extend-select", metavar="CODES", help="rules to run in addition")
    check.add_argument("--ignore", metavar="CODES", help="rules not to run")
    check.add_argument("--exit-zero", action="store_true", help="exit 0 even with findings")
    check.add_argument("--encoding", metavar="ENC", help="read notes with this encoding")
    check.add_argument("--config", metavar="FILE", help="use this configuration file (default: the nearest derivlint.toml or pyproject.toml)")
    check.add_argument("--layout", choices=LAYOUTS, help="the notes' layout (overrides the configuration)")
    check.add_argument("--force-exclude", action="store_true", help="apply the configuration's exclude to files named explicitly too")
    check.add_argument("--quiet", "-q", action="store_true", help="no summary on stderr")
    check.add_argument("--no-cache", action="store_true", help="neither read nor write the result cache")
    check.add_argument("--cache-dir", metavar="DIR", help=f"the result cache folder (default: ${CACHE_DIR_ENV} or ./{DEFAULT_CACHE_DIR})")
    check.add_argument("--jobs", "-j", type=_jobs, metavar="N", help="check files in N processes (default: the number of CPUs; 1: in this process)")
    check.add_argument("--stdin-filename", metavar="NAME", help="with PATH '-': the name of the note read from standard input (its format, its configuration, the path shown)")
    check.add_argument("--color", choices=COLOR_CHOICES, default="auto", help="colour the full and concise formats: auto (the default: on a terminal; a non-empty NO_COLOR turns it off, FORCE_COLOR on), always or never")
    check.add_argument("--show-settings", action="store_true", help="print the settings and the configuration file that apply to the first note of PATH, and exit")
    check.add_argument("--show-files", action="store_true", help="list the notes a run would check, one per line, and exit")
    check.set_defaults(subparser=check)

    claims = sub.add_parser("claims", help="list every claim derivlint reads in notes")
    claims.add_argument("paths", nargs="+", metavar="PATH", help="files or folders; - reads one note from standard input")
    claims.add_argument("--output-format", choices=("text", "json"), default="text")
    claims.add_argument("--encoding", metavar="ENC", help="read notes with this encoding")
    claims.add_argument("--config", metavar="FILE", help="use this configuration file (default: the nearest derivlint.toml or pyproject.toml)")
    claims.add_argument("--layout", choices=LAYOUTS, help="the notes' layout (overrides the configuration)")
    claims.add_argument("--stdin-filename", metavar="NAME", help="with PATH '-': the name of the note read from standard input")
    claims.add_argument(
        "--summary", action="store_true",
        help="instead of the claims, count the undecided ones by the leading phrase of their reason",
    )
    claims.set_defaults(subparser=claims)

    rule = sub.add_parser("rule", help="show the documentation of a rule, or list all rules")
    rule.add_argument("code", nargs="?", metavar="CODE", help="a rule code (DL301) or name")
    rule.add_argument("--all", action="store_true", help="list every rule, one per line")
    rule.add_argument("--output-format", choices=("text", "json"), default="text")
    rule.set_defaults(subparser=rule)
    return parser


def _output_file(value: str) -> tuple[str | None, str]:
    """``--output-file [FMT=]PATH`` as (format or None, path); a usage error when unusable."""
    fmt, sep, path = value.partition("=")
    if not sep or not fmt.isidentifier():  # "out=1.json" in a folder "a.b=c" is a plain path
        fmt, path = None, value
    elif fmt not in FORMATS:
        raise argparse.ArgumentTypeError(
            f"unknown output format {fmt!r} in {value!r} (known: {', '.join(FORMATS)})"
        )
    if not path:
        raise argparse.ArgumentTypeError(f"no file name in {value!r}")
    folder = os.path.dirname(os.path.abspath(path))
    if os.path.isdir(path):
        raise argparse.ArgumentTypeError(f"cannot write {path!r}: it is a directory")
    if not os.path.isdir(folder):
        raise argparse.ArgumentTypeError(f"cannot write {path!r}: no such directory {folder!r}")
    if not os.access(folder, os.W_OK) or (os.path.exists(path) and not os.access(path, os.W_OK)):
        raise argparse.ArgumentTypeError(f"cannot write {path!r}: permission denied")
    return fmt, path


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
    from derivlint.rules import rule_codes

    known = list(rule_codes())
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


# --------------------------------------------------------------------------- standard input


@dataclass
class _Stdin:
    """The note read from standard input (PATH ``-``): the name it is shown and configured
    under (--stdin-filename, else ``-``, read as Markdown), its bytes and its text."""

    name: str
    data: bytes = b""
    stored: object = None  # files.StoredText, or None when it cannot be decoded
    problem: ReadProblem | None = None

    @property
    def text(self) -> str | None:
        return self.stored.text if self.stored is not None else None

    def read(self, path: str, encoding: str | None):
        """``read_stored`` for ``plan_fixes``: this note, whatever the path."""
        return self.stored, self.problem

    def take(self, plan) -> None:
        """Keep the text --fix made (standard input is never written to disk)."""
        from dataclasses import replace

        self.data = plan.stored.encode(plan.new)
        self.stored = replace(plan.stored, text=plan.new, data=self.data)


def _stdin_usage(args) -> str | None:
    """Why the paths and --stdin-filename do not go together, or None."""
    if "-" in args.paths and len(args.paths) > 1:
        return "'-' (standard input) cannot be combined with other paths"
    if args.stdin_filename is not None and "-" not in args.paths:
        return "--stdin-filename names the note read from standard input: give '-' as the PATH"
    if args.stdin_filename is not None and not args.stdin_filename.strip():
        return "--stdin-filename needs a file name"
    return None


def _stdin_name(args) -> str | None:
    """The name of the note on standard input, when PATH is ``-``."""
    if args.paths != ["-"]:
        return None
    return display_path(args.stdin_filename) if args.stdin_filename else "-"


def _take_stdin(args) -> bool:
    """Check the use of ``-`` and --stdin-filename and read standard input when asked
    (``args.stdin``); False after a usage error."""
    problem = _stdin_usage(args)
    if problem is not None:
        args.subparser.print_usage(sys.stderr)
        print(escape(f"derivlint {args.command}: error: {problem}"), file=sys.stderr)
        return False
    name = _stdin_name(args)
    args.stdin = None
    if name is not None:
        from derivlint.files import read_stdin

        data, stored, read_problem = read_stdin(encoding=args.encoding)
        args.stdin = _Stdin(name, data, stored, read_problem)
    return True


def _discover(paths: list[str], config: str | None, force_exclude: bool, stdin: _Stdin | str | None = None):
    """(files, errors): the notes under ``paths``, or the note on standard input (named
    ``stdin``), which --force-exclude may exclude as a file named on the command line."""
    skip = lambda path, is_dir: is_excluded(path, is_dir, config)  # noqa: E731
    if stdin is None:
        return discover(paths, skip=skip, force_exclude=force_exclude)
    name = stdin if isinstance(stdin, str) else stdin.name
    if force_exclude and name != "-" and skip(os.path.abspath(name), False):
        return [], []
    return [name], []


# --------------------------------------------------------------------------- checking


@dataclass
class _Run:
    """What checking the discovered files produced (``claims`` only when asked to keep them)."""

    files: int = 0
    findings: list[Finding] = field(default_factory=list)
    claims: list = field(default_factory=list)
    claim_count: int = 0
    unparsed: int = 0
    undecided: int = 0
    too_large: int = 0  # of the undecided: math past the budget of claims of its note (engine.check_text)
    unreadable: list[tuple[str, ReadProblem]] = field(default_factory=list)
    crashed: list[tuple[str, BaseException]] = field(default_factory=list)
    digests: dict[str, str] = field(default_factory=dict)  # path -> digest of the text checked (for --fix)
    _seen: set = field(default_factory=set, repr=False)  # the findings so far
    # given each note's claims as soon as it is checked (``claims`` prints them then), instead of
    # ``claims`` keeping them: a claim holds its trees, its block and so its whole note
    listen: object = field(default=None, repr=False)

    def add(self, entry: Entry) -> None:
        # two LaTeX documents (main.tex, print.tex) may bring in the same chapter: its findings once
        self.findings.extend(f for f in entry.findings if f not in self._seen and not self._seen.add(f))
        self.claim_count += entry.claims
        self.unparsed += entry.unparsed
        self.undecided += entry.undecided
        self.too_large += entry.too_large


@dataclass
class _Job:
    """A note still to check: its path, never its text (a run holds one note's text at a time,
    in this process or in each worker), its settings, its size (to share the work out) and its
    stat record for the cache's index."""

    path: str
    settings: engine.Settings
    encoding: str | None
    size: int = 0
    record: list | None = None
    dependencies: str | None = None  # digest of the files a LaTeX document brings in ("" none)


@dataclass
class _Done:
    """What checking one note gave: the digest of the text read (None when it could not be read),
    and an Entry, the ReadProblem or the exception (a _Failure from a worker); its claims when kept."""

    digest: str | None
    outcome: object
    claims: list | None = None


def _run(
    paths: list[str], settings: engine.Settings, encoding: str | None, config: str | None = None,
    layout: str | None = None, force_exclude: bool = False,
    *, cache: Cache | None = None, jobs: int = 1, keep_claims: bool = True, stdin: _Stdin | None = None,
    listen=None,
) -> tuple[_Run, list[str]]:
    """Check the notes under ``paths``. ``cache``: reuse and store results; ``jobs``: processes
    (only with ``keep_claims`` False: claim objects do not leave the process that made them);
    ``stdin``: check the note read from standard input instead (never cached); ``listen``: called
    with the claims of each note as soon as it is checked, in the order of the files (kept claims
    go there instead of ``run.claims``, so that a run holds one note's claims at a time).

    Notes stream: each is read just before it is checked and dropped after, so memory is bounded
    by the largest note, not by the run. Workers get paths and read the notes themselves."""
    forget_found()
    files, errors = _discover(paths, config, force_exclude, stdin)
    files, trees = _latex_roots(files, paths if stdin is None else [])
    run = _Run(files=len(files), listen=listen)
    per_file = {}
    for path in files:  # a bad configuration stops the run before any file is checked
        per_file[path] = file_settings(path, settings, config, layout)
        if path in trees:  # a LaTeX document: what it brings in is read inside this folder only
            per_file[path] = replace(per_file[path], tree=trees[path])
    inline = jobs <= 1 or keep_claims or stdin is not None
    later: list[_Job] = []
    for path in files:
        job = _Job(path, per_file[path], encoding)
        if stdin is not None:  # the note on standard input: its result is never cached
            if stdin.problem is not None or stdin.text is None:
                run.unreadable.append((path, stdin.problem or ReadProblem("cannot be read")))
            else:
                _finish(run, None, job, _read_and_check(job, stdin.text, keep_claims))
            continue
        text = None
        if cache is not None:
            digest, job.record = cache.look(path, encoding)
            if digest is not None and _from_cache(run, cache, _cache_key(cache, job, digest)):
                run.digests[path] = digest  # unchanged since a run that read it: not even read now
                continue
            text, problem = read_note(path, encoding)
            if problem is not None:
                run.unreadable.append((path, problem))
                continue
            digest = text_digest(text)
            cache.remember(path, job.record, digest)
            if _from_cache(run, cache, _cache_key(cache, job, digest)):
                run.digests[path] = digest
                continue
            job.size = len(text)
        if inline:
            _finish(run, cache, job, _read_and_check(job, text, keep_claims))
        else:
            job.size = job.size or _file_size(path)
            later.append(job)
        text = None  # this note's text goes before the next one is read
    for job, done in _outcomes(later, jobs):
        _finish(run, cache, job, done)
    if cache is not None:
        cache.save_index()
    return run, errors


def _latex_roots(files: list[str], given: list[str]) -> tuple[list[str], dict[str, str]]:
    """``files`` without the LaTeX files another of them brings in (``\\input`` …: checked as
    part of it, with its macros, and not twice), and the folder each LaTeX document is bounded
    by: the folder named on the command line that holds it, else its own folder."""
    if not any(f.lower().endswith(".tex") for f in files):
        return files, {}
    from derivlint.extract.latex_project import root_documents

    folders = sorted((os.path.realpath(g) for g in given if os.path.isdir(g)), key=len)
    trees = {}
    for f in files:
        if f.lower().endswith(".tex"):
            real = os.path.realpath(f)
            holding = [d for d in folders if os.path.commonpath([real, d]) == d]
            trees[f] = holding[0] if holding else os.path.dirname(real)
    return root_documents(files, trees.get), trees


def _file_size(path: str) -> int:
    try:
        return os.stat(path).st_size
    except OSError:
        return 0


def _read_and_check(job: _Job, text: str | None = None, keep_claims: bool = False) -> _Done:
    """Read the note of ``job`` (unless its ``text`` is given) and check it."""
    if text is None:
        text, problem = read_note(job.path, job.encoding)
        if problem is not None or text is None:
            return _Done(None, problem or ReadProblem("cannot be read"))
    digest = text_digest(text)
    if not keep_claims:
        return _Done(digest, _check_one(job.path, text, job.settings))
    try:
        result = engine.check_text(job.path, text, job.settings)
    except Exception as exc:
        _debug_traceback()
        return _Done(digest, exc)
    return _Done(digest, _entry(result), result.claims)


def _entry(result: engine.FileResult) -> Entry:
    """The cache's Entry of a checked note: its findings and claim counts."""
    return Entry(list(result.findings), len(result.claims), result.unparsed, result.undecided, result.too_large)


def _finish(run: _Run, cache: Cache | None, job: _Job, done: _Done) -> None:
    """Add what checking ``job`` gave to ``run``, and store its entry in ``cache``."""
    outcome = done.outcome
    if isinstance(outcome, _Failure):
        outcome = outcome.exception()
    if isinstance(outcome, ReadProblem):
        run.unreadable.append((job.path, outcome))
        return
    if isinstance(outcome, BaseException):
        run.crashed.append((job.path, outcome))
        return
    if done.digest is not None:
        run.digests[job.path] = done.digest
        if cache is not None:  # keyed by the text checked, whichever process read it
            cache.store(_cache_key(cache, job, done.digest), outcome)
    if done.claims is not None:
        if run.listen is not None:
            run.listen(done.claims)
        else:
            run.claims.extend(done.claims)
    run.add(outcome)


def _cache_key(cache: Cache, job: _Job, digest: str) -> str:
    """The cache key of ``job`` whose text has ``digest``: a LaTeX document's result depends on
    the files it brings in (``\\input`` …) too, so their texts are part of its key."""
    if job.dependencies is None:
        job.dependencies = ""
        if job.path.lower().endswith(".tex"):
            from derivlint.extract.latex_project import dependency_digest

            job.dependencies = dependency_digest(job.path, job.settings.tree)
    return cache.key_of(job.path, digest + job.dependencies, job.settings)


def _from_cache(run: _Run, cache: Cache, key: str) -> bool:
    """Add the cached result under ``key`` to ``run``; False when there is none."""
    entry = cache.load(key)
    if entry is not None:
        run.add(entry)
    return entry is not None


# Below this much text (about 0.2 s of work) a process pool costs more than it saves.
PARALLEL_MIN_CHARS = 200_000


def _outcomes(todo: list[_Job], jobs: int):
    """(job, _Done) for each job: in a pool of ``jobs`` processes when the work is worth it."""
    if jobs > 1 and len(todo) > 1 and sum(job.size for job in todo) >= PARALLEL_MIN_CHARS:
        yield from _parallel(todo, jobs)
        return
    for job in todo:
        yield job, _read_and_check(job)


# Notes up to this size are checked with the cyclic garbage collector paused (it would
# re-scan the note's young objects again and again: about a tenth of the time) and
# collected once after; their garbage stays well within memory.
GC_PAUSE_MAX_CHARS = 256 * 1024
# Longer notes keep the collector on for young objects, but a full collection (which walks
# every object of the note, again and again as the note's trees pile up) waits for this many
# collections of the middle generation instead of Python's 10: a 1 MB note dense with claims
# spent 2.0 s of 16 s in 9 full collections, now 0.3 s, at the same peak memory.
FULL_COLLECTION_EVERY = 1000


def _check_one(path: str, text: str, settings: engine.Settings) -> Entry | BaseException:
    """Check one note (in this process or a worker): its Entry, or the exception it raised."""
    import gc

    paused = len(text) <= GC_PAUSE_MAX_CHARS and gc.isenabled()
    thresholds = gc.get_threshold()
    if paused:
        gc.disable()
    else:  # a long note: young cycles still collected, the full collections (12 % of the time at 1 MB) put off
        gc.set_threshold(thresholds[0], thresholds[1], max(thresholds[2], FULL_COLLECTION_EVERY))
    try:
        result = engine.check_text(path, text, settings)
        entry = _entry(result)
        del result  # the note's claims and trees go now, by reference counting, not scanned by the collection below
        return entry
    except Exception as exc:
        _debug_traceback()
        return exc
    finally:
        if paused:
            gc.enable()
            gc.collect(1)
        else:
            gc.set_threshold(*thresholds)


def _check_in_worker(job: _Job) -> _Done:
    """``_read_and_check`` in a worker, which reads the note itself: an exception comes back as
    its class name and message."""
    done = _read_and_check(job)
    if isinstance(done.outcome, BaseException):
        done.outcome = _Failure(type(done.outcome).__name__, str(done.outcome))
    return done


@dataclass
class _Failure:
    """An exception of a worker, as text (exceptions do not always pickle)."""

    name: str
    message: str

    def exception(self) -> BaseException:
        return type(self.name, (Exception,), {"__module__": "derivlint.worker"})(self.message)


def _worker_init() -> None:
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle


def _pool(workers: int):
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # fork: workers start in milliseconds with everything imported (and the same code).
    context = multiprocessing.get_context("fork") if sys.platform.startswith("linux") else None
    return ProcessPoolExecutor(workers, mp_context=context, initializer=_worker_init)


def _parallel(todo: list[_Job], jobs: int):
    from concurrent.futures import as_completed
    from concurrent.futures.process import BrokenProcessPool

    pending = sorted(todo, key=lambda job: -job.size)  # the longest first: an even finish
    engine.preload(pending[0].settings)  # imported once here, not once per worker
    pool = _pool(min(jobs, len(pending)))
    finished: set[int] = set()
    try:
        futures = {pool.submit(_check_in_worker, job): job for job in pending}
        for future in as_completed(futures):
            job = futures.pop(future)  # its result goes once used
            try:
                done = future.result()
            except BrokenProcessPool:
                break  # a worker died; the files not done yet are checked one by one below
            finished.add(id(job))
            yield job, done
    except BaseException:  # Ctrl-C, or the consumer gave up: stop the workers now
        _terminate(pool)
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    yield from _isolated([job for job in pending if id(job) not in finished])


def _isolated(items: list[_Job]):
    """Check each job in a worker of its own pool: a file that kills its worker is a DL199."""
    from concurrent.futures.process import BrokenProcessPool

    pool = None
    try:
        for job in items:
            pool = pool or _pool(1)
            try:
                done = pool.submit(_check_in_worker, job).result()
            except BrokenProcessPool:
                pool.shutdown(wait=True)
                pool = None
                done = _Done(None, _Failure("WorkerDied", "the process checking this file stopped abruptly"))
            yield job, done
    except BaseException:
        if pool is not None:
            _terminate(pool)
        raise
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


def _terminate(pool) -> None:
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        try:
            process.terminate()
        except (OSError, AttributeError, ValueError):
            pass
    pool.shutdown(wait=False, cancel_futures=True)


def _jobs(value: str) -> int:
    try:
        jobs = int(value)
    except ValueError:
        jobs = 0
    if jobs < 1:
        raise argparse.ArgumentTypeError(f"expected a number of processes (1 or more), got {value!r}")
    return jobs


def _cpus() -> int:
    try:
        return len(os.sched_getaffinity(0)) or 1
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def _speed(args) -> dict:
    """The cache and process options of ``check`` as keyword arguments of ``_run``."""
    stdin = getattr(args, "stdin", None)
    cache = None if args.no_cache or stdin is not None else Cache.at(args.cache_dir)
    return {"cache": cache, "jobs": args.jobs or _cpus(), "keep_claims": False, "stdin": stdin}


def _check(args, settings: engine.Settings) -> int:
    try:
        run, errors = _run(args.paths, settings, args.encoding, args.config, args.layout, args.force_exclude, **_speed(args))
    except ConfigError as err:
        print(escape(f"derivlint: error: {err}"), file=sys.stderr)
        return EXIT_ERROR
    findings = list(run.findings)
    findings += [_unreadable_finding(p, problem) for p, problem in run.unreadable
                 if not _ignored("DL100", settings, p, args.config)]
    findings += [_crash_finding(p, exc) for p, exc in run.crashed
                 if not _ignored("DL199", settings, p, args.config)]
    findings.sort(key=Finding.sort_key)
    if args.diff:
        return _show_diff(args, findings, errors, settings, run.files)
    if args.fix and getattr(args, "fixed", None) is None:
        args.fixed = _fix(args, findings, settings, run.digests)
        if args.fixed.files:  # check the changed notes again: report only what remains
            return _check(args, settings)
    return _report(args, run, findings, errors)


def _report(args, run: _Run, findings: list[Finding], errors: list[str]) -> int:
    """Print the findings (or --statistics) on stdout and into --output-file files; the exit code."""
    from derivlint.report import Context, render
    from derivlint.report import statistics as stats

    fmt = args.output_format or ("full" if _is_terminal(sys.stdout) else "concise")
    context = Context(encoding=args.encoding)
    stdin = getattr(args, "stdin", None)
    if stdin is not None:
        context.provide(stdin.name, stdin.text)
    to_stdout = all(file_fmt is not None for file_fmt, _path in args.output_file)
    # --fix on standard input prints the fixed note on stdout, as ruff does; the findings go to stderr
    screen = sys.stderr if args.fix and stdin is not None else sys.stdout
    if args.statistics:
        main_text = stats.render(findings, "json" if fmt == "json" else "text")
    else:
        main_text = render(fmt, findings, _on_screen(context, args, screen) if to_stdout else context)
    failed = False
    for file_fmt, path in args.output_file:
        if file_fmt is None:
            text = main_text
        else:
            text = render(file_fmt, findings, context)
        try:
            with open(path, "w", encoding="utf-8", newline="\n") as out:
                out.write(text + "\n" if text else "")
        except OSError as exc:
            print(escape(f"derivlint: error: cannot write {path}: {exc.strerror or exc}"), file=sys.stderr)
            failed = True
    if screen is not sys.stdout:
        _emit_bytes(stdin.data)
        if to_stdout and main_text:
            print(main_text, file=screen)
    elif to_stdout and main_text:
        _emit(main_text)
    for error in errors:
        print(escape(f"derivlint: error: {error}"), file=sys.stderr)
    if not args.quiet and not (errors and run.files == 0):  # a missing path alone: its error line only
        fixed = getattr(args, "fixed", None)
        if fixed is not None:
            print(fixed.summary(), file=sys.stderr)
        print(_summary(run, findings), file=sys.stderr)
        hidden = _hidden_fixes(args, findings)
        if hidden:
            print(f"{hidden} {'fix' if hidden == 1 else 'fixes'} available with --unsafe-fixes.", file=sys.stderr)
    if errors or failed:
        return EXIT_ERROR
    return EXIT_FINDINGS if findings and not args.exit_zero else EXIT_OK


def _on_screen(context, args, stream):
    """``context`` for text printed on ``stream``: coloured as --color and the environment say,
    and fitted to the terminal's width."""
    from dataclasses import replace

    from derivlint.report.terminal import color_wanted, terminal_width

    return replace(context, color=color_wanted(args.color, stream), width=terminal_width(stream))


def _is_terminal(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError, OSError):
        return False


@dataclass
class _Fixed:
    """What --fix did: how many findings it fixed in how many files."""

    findings: int = 0
    files: int = 0

    def summary(self) -> str:
        return f"Fixed {_plural(self.findings, 'finding')} in {_plural(self.files, 'file')}."


def _hidden_fixes(args, findings: list[Finding]) -> int:
    """How many unsafe fixes the findings offer that were not asked for (no --unsafe-fixes)."""
    if getattr(args, "unsafe_fixes", False):
        return 0
    return sum(1 for f in findings if f.fix is not None and not f.fix.is_safe)


def _plans(args, findings: list[Finding], base: engine.Settings):
    """What --fix and --diff would do: safe fixes (unsafe ones too with --unsafe-fixes), each
    file re-read with its fixes before anything is written; the edits refused are said why."""
    from dataclasses import replace

    from derivlint.check.fixes import plan_fixes

    def recheck(path: str, text: str):
        settings = file_settings(path, base, args.config, args.layout)
        # every claim re-checked, whatever rules are selected: the edits are judged by their claims
        return engine.check_text(path, text, replace(settings, select=None, extend_select=frozenset(), ignore=frozenset()))

    plans = plan_fixes(findings, args.encoding, *_reader(args), unsafe=getattr(args, "unsafe_fixes", False),
                       recheck=recheck)
    for plan in plans:
        for fix, why in plan.dropped:
            print(f"derivlint: warning: {plan.path}: not applying '{fix.title}': {why}", file=sys.stderr)
    return plans


def _fix(args, findings: list[Finding], settings: engine.Settings, checked: dict[str, str] | None = None) -> _Fixed:
    """Apply the fixes of ``findings`` to their files (each written atomically). ``checked``: the
    digest of each note's text as checked; a note that changed since is left as it is."""
    from derivlint.check.fixes import write_fix

    fixed = _Fixed()
    stdin = getattr(args, "stdin", None)
    for plan in _plans(args, findings, settings):
        if plan.error is None and stdin is None and checked and plan.path in checked:
            if text_digest(plan.old) != checked[plan.path]:
                plan.error = "it changed on disk after it was checked; left unchanged (run again)"
        if plan.error is not None:
            print(escape(f"derivlint: error: cannot fix {plan.path}: {plan.error}"), file=sys.stderr)
            continue
        if not plan.changed:
            continue
        try:
            write_fix(plan) if stdin is None else stdin.take(plan)
        except OSError as exc:
            print(escape(f"derivlint: error: cannot fix {plan.path}: {exc.strerror or exc}"), file=sys.stderr)
            continue
        fixed.findings += len(plan.applied)
        fixed.files += 1
    return fixed


def _reader(args) -> tuple:
    """The extra arguments of ``plan_fixes``: the note on standard input is read from memory."""
    stdin = getattr(args, "stdin", None)
    return () if stdin is None else (stdin.read,)


def _show_diff(args, findings: list[Finding], errors: list[str], settings: engine.Settings, files: int = 1) -> int:
    """--diff: the unified diff of what --fix would change; exit 1 when there is any."""
    plans = _plans(args, findings, settings)
    diffs = [plan.diff() for plan in plans if plan.changed]
    if diffs:
        _emit("".join(diffs).rstrip("\n"))
    for plan in plans:
        if plan.error is not None:
            print(escape(f"derivlint: error: cannot fix {plan.path}: {plan.error}"), file=sys.stderr)
    for error in errors:
        print(escape(f"derivlint: error: {error}"), file=sys.stderr)
    if not args.quiet and not (errors and files == 0):
        count = sum(len(plan.applied) for plan in plans if plan.changed)
        print(
            f"Would fix {_plural(count, 'finding')} in {_plural(len(diffs), 'file')}.",
            file=sys.stderr,
        )
    if errors:
        return EXIT_ERROR
    return EXIT_FINDINGS if diffs and not args.exit_zero else EXIT_OK


# --------------------------------------------------------------------------- rule


def _rule(args) -> int:
    """``derivlint rule CODE`` / ``derivlint rule --all``: the rules' documentation."""
    from derivlint.rules import all_rules

    from derivlint.catalogue import find_rule, render_list, render_rule, rule_doc

    catalogue = all_rules()
    if args.all == (args.code is not None):
        args.subparser.print_usage(sys.stderr)
        print("derivlint rule: error: give one rule code, or --all", file=sys.stderr)
        return EXIT_ERROR
    if args.all:
        if args.output_format == "json":
            _emit(json.dumps([rule_doc(r).to_json() for r in catalogue.values()], ensure_ascii=False, indent=2))
        else:
            _emit(render_list(catalogue))
        return EXIT_OK
    rule, near = find_rule(args.code, catalogue)
    if rule is None:
        hint = f"; did you mean {', '.join(near)}?" if near else ""
        print(
            f"derivlint rule: error: unknown rule {args.code!r}{hint} "
            "('derivlint rule --all' lists every rule)",
            file=sys.stderr,
        )
        return EXIT_ERROR
    if args.output_format == "json":
        _emit(json.dumps(rule_doc(rule).to_json(), ensure_ascii=False, indent=2))
    else:
        _emit(render_rule(rule))
    return EXIT_OK


def _ignored(code: str, settings: engine.Settings, path: str | None = None, config: str | None = None) -> bool:
    """DL100/DL199 are always reported (whatever select says) unless an ignore names them:
    --ignore, or for ``path`` the configuration's ignore and per-file-ignores."""
    if path is not None:
        settings = file_settings(path, settings, config)
    return any(code.startswith(p) for p in settings.ignore)


def _rule_finding(code: str, path: str, line: int, column: int, message: str) -> Finding:
    from derivlint.rules import all_rules

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
    return f"{escape_path(str(path))}:{where}{line}:{column}"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _summary(run: _Run, findings: list[Finding]) -> str:
    if run.files == 0:
        return "No notes found to check (.md, .markdown, .qmd, .Rmd, .mdx, .tex, .ipynb)."
    counts = f"({_plural(run.claim_count, 'claim')}, {run.unparsed} unparsed, {run.undecided} undecided)"
    if run.too_large:  # notes over their budget of claims: how much of their math was not read
        counts = counts[:-1] + f", {run.too_large} of them not checked: note too large)"
    if not findings:
        return f"All checked: no findings in {_plural(run.files, 'file')} {counts}."
    with_findings = len({f.path for f in findings})
    files = max(run.files, with_findings)  # a LaTeX document's findings may be in files it \\inputs
    return (
        f"Found {_plural(len(findings), 'finding')} in {with_findings} of "
        f"{_plural(files, 'file')} {counts}."
    )


# --------------------------------------------------------------------------- show


def _show(args, settings: engine.Settings) -> int:
    """--show-files: the notes a run would check, one per line; --show-settings: the settings and
    configuration that apply to the first of them. Nothing is read or checked."""
    problem = _stdin_usage(args)
    if problem is not None:
        args.subparser.print_usage(sys.stderr)
        print(escape(f"derivlint check: error: {problem}"), file=sys.stderr)
        return EXIT_ERROR
    forget_found()
    try:
        files, errors = _discover(args.paths, args.config, args.force_exclude, _stdin_name(args))
        files = _latex_roots(files, args.paths if _stdin_name(args) is None else [])[0]  # as a run checks
        lines = [escape_path(path) for path in files] if args.show_files else []
        if args.show_settings and files:
            lines += [""] * bool(lines) + _settings_lines(args, settings, files[0])
    except ConfigError as err:
        print(escape(f"derivlint: error: {err}"), file=sys.stderr)
        return EXIT_ERROR
    if lines:
        _emit("\n".join(lines))
    for error in errors:
        print(escape(f"derivlint: error: {error}"), file=sys.stderr)
    if args.show_settings and not files and not errors:
        print(escape(f"derivlint: error: no notes found under {' '.join(args.paths)}"), file=sys.stderr)
        return EXIT_ERROR
    return EXIT_ERROR if errors else EXIT_OK


def _settings_lines(args, settings: engine.Settings, path: str) -> list[str]:
    """--show-settings for the note ``path``: where its settings come from and what they are."""
    from derivlint.config import config_for
    from derivlint.site_macros import site_macros
    from derivlint.rules import all_rules

    config = config_for(path, args.config)
    effective = file_settings(path, settings, args.config, args.layout)
    table = "[tool.derivlint.macros]" if config.path is not None and config.path.name == "pyproject.toml" else "[macros]"

    def codes(values) -> str:
        return ", ".join(sorted(values)) if values else "none"

    def macro(name: str, definition: tuple) -> str:
        n_args, default, body = definition
        args_ = f"[{n_args}]" if n_args else ""
        default_ = f"[{default}]" if default is not None else ""
        return f"\\{name}{args_}{default_} = {body}"

    enabled = [code for code, rule in all_rules().items() if effective.enabled(code, rule.default_enabled)]
    sources = [f"{escape_path(str(config.path))} {table}"] if config.macros else []
    sources += [f"{escape_path(site)} (the site's)" for site in site_macros(path).files]
    lines = [
        f"Settings for: {escape_path(path)}",
        "Configuration file: " + (escape_path(str(config.path)) if config.path is not None else "none (the defaults apply)"),
        "select: " + ("the default rules" if effective.select is None else codes(effective.select)),
        f"extend-select: {codes(effective.extend_select)}",
        f"ignore: {codes(effective.ignore)}",
        f"layout: {effective.layout}" + (" (from --layout)" if args.layout else ""),
        "macros: " + ("; ".join(macro(k, v) for k, v in sorted(effective.macros.items())) or "none"),
        "macro sources: " + ("; ".join(sources) or "none"),
        f"rules enabled: {', '.join(enabled) or 'none'}",
    ]
    return [escape(line) for line in lines]


# --------------------------------------------------------------------------- claims


def _claims(args) -> int:
    if args.encoding is not None:
        try:
            codecs.lookup(args.encoding)
        except LookupError:
            print(f"derivlint claims: error: unknown encoding {args.encoding!r}", file=sys.stderr)
            return EXIT_ERROR
    if not _take_stdin(args):
        return EXIT_ERROR
    listing = _Listing(args.output_format, args.summary)
    try:
        run, errors = _run(args.paths, engine.Settings(), args.encoding, args.config, args.layout, stdin=args.stdin,
                           listen=listing.add)  # fmt: skip
    except ConfigError as err:
        print(escape(f"derivlint: error: {err}"), file=sys.stderr)
        return EXIT_ERROR
    listing.close()
    for error in errors:
        print(escape(f"derivlint: error: {error}"), file=sys.stderr)
    for path, problem in run.unreadable:
        where = _position(path, None, problem.line, problem.column)
        print(f"{where}: cannot read this file: {escape(problem.message)}", file=sys.stderr)
    for path, exc in run.crashed:
        print(f"{escape_path(path)}:1:1: {escape(_crash_finding(path, exc).message)}", file=sys.stderr)
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


_LISTED_AT_ONCE = 1000  # claims whose text ``claims`` builds and writes at a time


class _Listing:
    """What ``claims`` prints, written note by note as each is checked (its claims hold their
    trees and their note: a run over many notes keeps one note's at a time, not every note's):
    the claims as text lines or as one JSON list (the same text as ``json.dumps(list, indent=2)``),
    or with ``summary`` only the counts of the undecided, printed at the end."""

    def __init__(self, output_format: str, summary: bool):
        self.json = output_format == "json"
        self.summary = summary
        self.counts: dict[str, int] = {}  # --summary: leading phrase of the reason -> undecided claims
        self.total = 0
        self.started = False

    def add(self, claims: list) -> None:
        self.total += len(claims)
        if self.summary:
            for claim in claims:
                if claim.undecided is not None:
                    phrase = _leading_phrase(claim.undecided)
                    self.counts[phrase] = self.counts.get(phrase, 0) + 1
            return
        for first in range(0, len(claims), _LISTED_AT_ONCE):  # a long note's text is not built whole either
            batch = claims[first : first + _LISTED_AT_ONCE]
            if self.json:  # each item as json.dumps of the whole list indents it: two spaces more
                items = ",\n".join(
                    "\n".join("  " + line for line in json.dumps(c.to_json(), ensure_ascii=False, indent=2).split("\n"))
                    for c in batch
                )  # fmt: skip
                _emit_part(("[\n" if not self.started else ",\n") + items)
            else:
                _emit("\n".join(_claim_line(c.to_json(), c.undecided) for c in batch))
            self.started = True

    def close(self) -> None:
        if self.summary:
            _emit_undecided_summary(self.counts, self.total, self.json)
        elif self.json:
            _emit("\n]" if self.started else "[]")


def _emit_undecided_summary(counts: dict[str, int], total: int, as_json: bool) -> None:
    """``claims --summary``: how many claims are undecided, by the leading phrase of the reason
    (``index notation (A_kl)`` counts as ``index notation``), most frequent first."""
    rows = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    if as_json:
        _emit(json.dumps([{"reason": r, "count": n} for r, n in rows], ensure_ascii=False, indent=2))
        return
    width = len(str(rows[0][1])) if rows else 1
    lines = [f"{n:>{width}}  {escape(r)}" for r, n in rows]
    lines.append(f"{sum(counts.values())} undecided of {_plural(total, 'claim')}")
    _emit("\n".join(lines))


def _leading_phrase(reason: str) -> str:
    """The reason up to its first detail: a parenthesis, colon, semicolon or comma."""
    cut = len(reason)
    for mark in (" (", ":", ";", ","):
        i = reason.find(mark)
        if 0 < i < cut:
            cut = i
    return reason[:cut].strip()


_UNCHECKED_TEXT = 60  # characters of an unchecked block's text a claims line shows


def _claim_line(r: dict, undecided: str | None = None) -> str:
    where = _position(r.get("path"), r.get("cell"), r.get("line"), r.get("column"))
    kind = r.get("kind")
    if kind == "unparsed":
        body = r.get("reason")
    elif kind == "unchecked":  # a block of a note over its budget: not read, so its text
        body = " ".join(str(r.get("text")).split())
        body = body if len(body) <= _UNCHECKED_TEXT else body[: _UNCHECKED_TEXT - 1] + "…"
    else:
        body = r.get("parsed")
    line = f"{where}  {r.get('kind')}  {escape(str(body))}"
    shapes = r.get("shapes")
    if shapes and "lhs" in shapes:
        line += f"  ({shapes['lhs']} = {shapes['rhs']})"
    elif shapes:
        line += "  (" + "; ".join(f"{k}: {v['lhs']} = {v['rhs']}" for k, v in shapes.items()) + ")"
    verdict, reading = r.get("verdict"), r.get("reading")
    if undecided is not None:  # the reason always shown, as in the json's reading
        line += f"  [undecided: {escape(undecided)}]"
    elif verdict is not None:
        line += f"  [{escape(verdict)}]"
    elif reading:  # a definition or declaration without a certain reading: no verdict, the reason
        line += f"  [no certain reading: {escape(reading)}]"
    return line


# --------------------------------------------------------------------------- output


def _emit(text: str) -> None:
    """Print ``text`` on stdout; a reader that went away (``| head``) is not an error."""
    _emit_part(text + "\n")


def _emit_part(text: str) -> None:
    """Write ``text`` on stdout as it is (no newline added), as ``_emit`` does."""
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except BrokenPipeError:
        # Point stdout at devnull so the interpreter's final flush does not fail too.
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        except (OSError, ValueError, AttributeError):
            pass


def _emit_bytes(data: bytes) -> None:
    """Write ``data`` on stdout as it is (a note fixed from standard input)."""
    try:
        sys.stdout.flush()
        buffer = getattr(sys.stdout, "buffer", None)
        if buffer is None:
            sys.stdout.write(data.decode("utf-8", errors="replace"))
        else:
            buffer.write(data)
            buffer.flush()
    except BrokenPipeError:
        _emit("")


def _tolerant_streams() -> None:
    """Never crash on a character the terminal's encoding cannot show."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.reconfigure(errors="backslashreplace")
        except (AttributeError, ValueError, OSError):
            pass


def _debug_traceback() -> None:
    if os.environ.get("DERIVLINT_DEBUG") == "1":
        import traceback

        traceback.print_exc(file=sys.stderr)
