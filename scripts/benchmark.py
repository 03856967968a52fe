"""Time ``derivlint check`` end to end: cold and warm cache, one process and all CPUs, over fixtures, seeds and corpus.

Usage: python scripts/benchmark.py [--repeat N] [--json] [--derivlint CMD] [--against CMD] [FOLDER ...]

Every run is a fresh ``derivlint check`` subprocess, started by a small
wrapper process that reports the run's wall time, CPU time and peak memory
(``getrusage(RUSAGE_CHILDREN)``: the largest of derivlint and its workers).
Scenarios per folder:

- ``cold -j1``  a new, empty cache folder; ``--jobs 1`` (one process)
- ``cold``      a new, empty cache folder; the default ``--jobs`` (all CPUs)
- ``warm``      the cache folder of the last cold run again: every file a hit

``claims/s`` is claims per second of wall time; ``claims/cpu-s`` is claims per
second of CPU time (user + system, all processes), i.e. the rate of one core.
``sympy`` says whether the run imported sympy (seen with ``-X importtime``).
Default folders: fixtures/, ../shared/seeds/, ../shared/corpus/ (absent ones are skipped).
The median of N runs (default 5) is reported. Not a test: timing does not belong in tests.

``--against CMD`` times a second derivlint too (another checkout's, e.g. main's:
``--against "/path/to/venv/bin/python -m derivlint"``), its runs alternated with this one's
at each repetition, so that both see the machine in the same state (other work on a shared
machine moves CPU times by 10 % and more); a line per scenario gives the ratio of CPU seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import statistics
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_FOLDERS = (ROOT / "fixtures", ROOT.parent / "shared" / "seeds", ROOT.parent / "shared" / "corpus")
SUMMARY = re.compile(r"\((\d+) claims?, (\d+) unparsed\b")

# Runs one command and prints its wall time, CPU time and peak RSS as JSON (ru_maxrss is KiB on Linux).
_WRAPPER = """
import json, resource, subprocess, sys, time
start = time.perf_counter()
done = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
wall = time.perf_counter() - start
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
scale = 1 if sys.platform == "darwin" else 1024
print(json.dumps({"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "rss": usage.ru_maxrss * scale,
                  "code": done.returncode, "stderr": done.stderr.decode("utf-8", "replace")}))
"""


@dataclass
class Result:
    """The median figures of one scenario over one folder."""

    folder: str
    scenario: str
    files: int
    claims: int
    wall_s: float
    cpu_s: float
    claims_per_s: float
    claims_per_cpu_s: float
    peak_rss_mb: float
    sympy_imported: bool
    runs: int
    derivlint: str = "this"  # "this", or "against" (--against)


def derivlint_command(given: str | None) -> list[str]:
    """The command that runs derivlint: ``--derivlint``, else this checkout's ``python -m derivlint``."""
    return shlex.split(given) if given else [sys.executable, "-m", "derivlint"]


def run_once(command: list[str], env: dict) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", _WRAPPER, *command], capture_output=True, text=True, env=env, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"benchmark wrapper failed: {done.stderr.strip()}")
    figures = json.loads(done.stdout)
    if figures["code"] not in (0, 1):
        raise SystemExit(f"derivlint failed (exit {figures['code']}): {figures['stderr'].strip()}")
    return figures


def counts(stderr: str) -> tuple[int, int]:
    """(files, claims) from the summary line of ``check``."""
    match = SUMMARY.search(stderr)
    files = re.search(r"(?:in|of) (\d+) files?", stderr)
    return (int(files.group(1)) if files else 0), (int(match.group(1)) if match else 0)


def sympy_imported(command: list[str], folder: Path, env: dict) -> bool:
    with tempfile.TemporaryDirectory() as cache:
        probe = [*command, "check", "--exit-zero", "-q", "--cache-dir", cache, str(folder)]
        if probe[0] == sys.executable:
            probe.insert(1, "-X")
            probe.insert(2, "importtime")
            done = subprocess.run(probe, capture_output=True, text=True, env=env, check=False)
        else:
            done = subprocess.run(probe, capture_output=True, text=True, env={**env, "PYTHONPROFILEIMPORTTIME": "1"}, check=False)
    return bool(re.search(r"\|\s+sympy$", done.stderr, re.M))


def bench_folder(command: list[str], folder: Path, repeat: int, env: dict,
                 against: tuple[list[str], dict] | None = None) -> list[Result]:
    """The scenarios over ``folder``; with ``against`` (a command and its environment), the same
    for it, each of its runs right after the same run of ``command``."""
    timed = {"this": (command, env)} | ({"against": against} if against is not None else {})
    scenarios: dict[str, dict[str, list[dict]]] = {who: {"cold -j1": [], "cold": [], "warm": []} for who in timed}
    with tempfile.TemporaryDirectory() as scratch:
        for k in range(repeat):
            for name, jobs in (("cold -j1", ["--jobs", "1"]), ("cold", []), ("warm", None)):
                for who, (cmd, cmd_env) in timed.items():
                    cache = os.path.join(scratch, f"{who}-{k}")  # warm: the cold run's cache again
                    if jobs is not None:
                        cache += "-" + name.replace(" ", "")
                    else:
                        cache += "-cold"
                    run = run_once([*cmd, "check", "--exit-zero", "--cache-dir", cache, *(jobs or []), str(folder)], cmd_env)
                    scenarios[who][name].append(run)
    results = []
    for who, (cmd, cmd_env) in timed.items():
        results += _results(folder, scenarios[who], sympy_imported(cmd, folder, cmd_env), who)
    return results


def _results(folder: Path, scenarios: dict[str, list[dict]], imported: bool, who: str) -> list[Result]:
    """The median figures of each scenario's runs."""
    files, claims = counts(scenarios["cold"][0]["stderr"])
    results = []
    for name, runs in scenarios.items():
        wall = statistics.median(r["wall"] for r in runs)
        cpu = statistics.median(r["cpu"] for r in runs)
        results.append(
            Result(
                folder=_shown(folder), scenario=name, files=files, claims=claims,
                wall_s=round(wall, 3), cpu_s=round(cpu, 3),
                claims_per_s=round(claims / wall) if wall else 0,
                claims_per_cpu_s=round(claims / cpu) if cpu else 0,
                peak_rss_mb=round(max(r["rss"] for r in runs) / 2**20, 1),
                sympy_imported=imported, runs=len(runs), derivlint=who,
            )
        )
    return results


def _shown(folder: Path) -> str:
    try:
        return os.path.relpath(folder)
    except ValueError:
        return str(folder)


def table(results: list[Result]) -> str:
    both = any(r.derivlint != "this" for r in results)
    head = ("folder", "scenario") + (("derivlint",) if both else ()) + (
        "files", "claims", "wall s", "cpu s", "claims/s", "claims/cpu-s", "peak MB", "sympy")
    rows = [head] + [
        (r.folder, r.scenario) + ((r.derivlint,) if both else ()) + (
            str(r.files), str(r.claims), f"{r.wall_s:.3f}", f"{r.cpu_s:.3f}",
            str(r.claims_per_s), str(r.claims_per_cpu_s), f"{r.peak_rss_mb:.0f}", "yes" if r.sympy_imported else "no")
        for r in results
    ]
    left = 3 if both else 2  # the columns of names, set flush left
    widths = [max(len(row[i]) for row in rows) for i in range(len(head))]
    lines = ["  ".join(cell.ljust(w) if i < left else cell.rjust(w) for i, (cell, w) in enumerate(zip(row, widths))) for row in rows]
    warm = {(r.folder, r.derivlint): r.wall_s for r in results if r.scenario == "warm"}
    notes = [
        f"{r.folder}{' (' + r.derivlint + ')' if both else ''}: warm is {r.wall_s / warm[r.folder, r.derivlint]:.1f}x faster than cold"
        for r in results if r.scenario == "cold" and warm.get((r.folder, r.derivlint))
    ]
    against = {(r.folder, r.scenario): r for r in results if r.derivlint == "against"}
    notes += [
        f"{r.folder} {r.scenario}: this / against, CPU seconds {r.cpu_s:.3f} / {a.cpu_s:.3f} = {r.cpu_s / a.cpu_s:.3f}"
        for r in results if r.derivlint == "this" and (a := against.get((r.folder, r.scenario))) is not None and a.cpu_s
    ]
    return "\n".join(lines + [""] + notes)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folders", nargs="*", type=Path, help="folders of notes (default: fixtures, seeds, corpus)")
    parser.add_argument("--repeat", "-n", type=int, default=5, help="runs per scenario (default 5)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--derivlint", metavar="CMD", help="the command to time (default: python -m derivlint from this checkout)")
    parser.add_argument("--against", metavar="CMD", help="a second derivlint command to time, its runs alternated with the first's")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be 1 or more")
    folders = [f for f in (args.folders or DEFAULT_FOLDERS) if f.is_dir()]
    if not folders:
        print("no folder of notes found; name one", file=sys.stderr)
        return 2
    dropped = ("DERIVLINT_CACHE_DIR", "DERIVLINT_DEBUG", "PYTHONDONTWRITEBYTECODE")
    env = {k: v for k, v in os.environ.items() if k not in dropped}
    if not args.derivlint:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    command = derivlint_command(args.derivlint)
    with tempfile.TemporaryDirectory() as pycache:
        # Byte-code compiled once, as in an installed package, without writing into the checkout.
        env.setdefault("PYTHONPYCACHEPREFIX", pycache)
        against = None
        if args.against:  # its own environment: not this checkout's PYTHONPATH
            other = {k: v for k, v in os.environ.items() if k not in dropped}
            other.setdefault("PYTHONPYCACHEPREFIX", pycache)
            against = (shlex.split(args.against), other)
        for folder in folders:  # warm-up, not timed: byte-code, file system cache
            for cmd, cmd_env in [(command, env)] + ([against] if against else []):
                run_once([*cmd, "check", "--exit-zero", "--no-cache", str(folder)], cmd_env)
        results = [r for folder in folders for r in bench_folder(command, folder, args.repeat, env, against)]
        floor = statistics.median(run_once([sys.executable, "-c", "pass"], env)["wall"] for _ in range(args.repeat))
    if args.json:
        print(json.dumps({"cpus": os.cpu_count(), "python": sys.version.split()[0], "python_start_s": round(floor, 3),
                          "results": [asdict(r) for r in results]}, indent=2))
    else:
        print(f"derivlint check, median of {args.repeat} runs; {os.cpu_count()} CPUs; Python {sys.version.split()[0]}")
        print(table(results))
        print(f"python -c pass (the start-up every run pays, .pth files included): {floor:.3f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
