"""The built wheel: one import package, derivlint, that installs beside django-rules' ``rules`` and runs."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: tomli is a dependency there
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
# The checkout's folders and the import packages they install as (pyproject's package-dir).
FOLDERS = {"linter": "derivlint", "rules": "derivlint.rules"}
NOTE = "# Gradients\n\n$$\\frac{\\partial x^T A x}{\\partial x} = 2Ax$$\n"  # DL304: 2Ax needs A symmetric, which the note does not say
PIP_TIMEOUT = 300  # seconds for one pip command (numpy and sympy are downloads of several MB)
# pip's words for an index it cannot reach (pip's own, and those of urllib3 and the resolver)
NETWORK_TROUBLE = re.compile(
    r"Could not find a version that satisfies|No matching distribution|Failed to establish a new connection|"
    r"Temporary failure in name resolution|Max retries exceeded|ConnectTimeout|ReadTimeout|Network is unreachable|"
    r"Name or service not known|ProxyError|SSLError|timed out",
    re.I,
)


def _version() -> str:
    text = (ROOT / "linter" / "__init__.py").read_text(encoding="utf-8")
    return re.search(r'^__version__ = "([^"]+)"', text, re.M).group(1)


def _pip(python: str | Path, *args: str, timeout: int = PIP_TIMEOUT) -> subprocess.CompletedProcess:
    env = {**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1", "PIP_NO_INPUT": "1"}
    env.pop("PYTHONPATH", None)
    try:
        return subprocess.run(
            [str(python), "-m", "pip", *args], capture_output=True, text=True, timeout=timeout, env=env
        )
    except subprocess.TimeoutExpired as exc:
        return subprocess.CompletedProcess(exc.cmd, 124, "", f"timed out after {timeout} s")


def _skip_when_offline(result: subprocess.CompletedProcess, what: str) -> None:
    """Skip (rather than fail) when pip failed because the package index cannot be reached."""
    if result.returncode != 0 and NETWORK_TROUBLE.search(result.stdout + result.stderr):
        said = [line.strip() for line in (result.stdout + result.stderr).splitlines() if NETWORK_TROUBLE.search(line)]
        pytest.skip(f"the package index cannot be reached ({what}: {said[-1][:200]})")


def _source_copy(dest: Path) -> Path:
    """The checkout as it is (uncommitted files too), without what a build leaves behind."""
    ignore = shutil.ignore_patterns(
        ".git", "__pycache__", "*.egg-info", "build", "dist", ".derivlint_cache", ".pytest_cache", ".venv", "venv",
    )  # fmt: skip
    return Path(shutil.copytree(ROOT, dest, ignore=ignore))


def _can_build_offline() -> bool:
    """Whether setuptools here can build a wheel with no download (bdist_wheel in setuptools
    from 70.1 on, or in the wheel package before)."""
    try:
        import setuptools
    except ImportError:
        return False
    parts = tuple(int(p) for p in re.findall(r"\d+", setuptools.__version__)[:2])
    if parts >= (70, 1):
        return True
    try:
        import wheel  # noqa: F401
    except ImportError:
        return False
    return True


@pytest.fixture(scope="module")
def build_lib(tmp_path_factory) -> Path:
    """What setuptools puts in the wheel's package folders (its build_py step, run on a copy
    of the checkout with pyproject's configuration): no download, about a second."""
    pytest.importorskip("setuptools", reason="building derivlint needs setuptools")
    tmp = tmp_path_factory.mktemp("build_py")
    source = _source_copy(tmp / "src")
    out = tmp / "lib"
    result = subprocess.run(
        [sys.executable, "-c", "from setuptools import setup; setup()", "-q", "build_py", "--build-lib", str(out)],
        cwd=source, capture_output=True, text=True, timeout=PIP_TIMEOUT,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    return out


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """derivlint's wheel, built once for this module from a copy of the checkout (so the build
    leaves nothing in it): with the setuptools at hand when it can, else in pip's isolated build
    (which downloads setuptools: skipped when the package index cannot be reached)."""
    tmp = tmp_path_factory.mktemp("wheel")
    source = _source_copy(tmp / "src")
    out = tmp / "dist"
    isolation = ["--no-build-isolation"] if _can_build_offline() else []
    result = _pip(sys.executable, "wheel", "--no-deps", *isolation, "-w", str(out), str(source))
    _skip_when_offline(result, "building the wheel needs setuptools from the index")
    assert result.returncode == 0, result.stdout + result.stderr
    (built,) = out.glob("derivlint-*.whl")
    return built


def _top_levels(names: list[str]) -> set[str]:
    return {name.split("/", 1)[0] for name in names}


def _files(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


def test_build_holds_only_the_derivlint_package(build_lib):
    names = _files(build_lib)
    assert _top_levels(names) == {"derivlint"}
    # and the stages are in it, under their installed names
    for module in ("derivlint/engine.py", "derivlint/check/truth.py", "derivlint/math/parser.py",
                   "derivlint/rules/dl301_wrong_derivative.py", "derivlint/report/sarif.py"):  # fmt: skip
        assert module in names, module


def test_build_holds_every_module_of_the_checkout(build_lib):
    """A module (or a new folder) left out of pyproject's packages would be missing here only."""
    names = set(_files(build_lib))
    expected = set()
    for folder, package in FOLDERS.items():
        for path in (ROOT / folder).rglob("*.py"):
            if "__pycache__" not in path.parts:
                rel = path.relative_to(ROOT / folder).as_posix()
                expected.add(f"{package.replace('.', '/')}/{rel}")
    assert len(expected) > 40
    assert sorted(expected - names) == []


def test_wheel_record_lists_only_derivlint(wheel):
    archive = zipfile.ZipFile(wheel)
    (record,) = [n for n in archive.namelist() if n.endswith(".dist-info/RECORD")]
    files = [line.split(",", 1)[0] for line in archive.read(record).decode().splitlines() if line]
    assert files and _top_levels(files) == {"derivlint", f"derivlint-{_version()}.dist-info"}
    (top_level,) = [n for n in archive.namelist() if n.endswith(".dist-info/top_level.txt")] or [None]
    if top_level is not None:
        assert archive.read(top_level).decode().split() == ["derivlint"]


def test_every_package_folder_is_listed_in_pyproject():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    assert config["package-dir"] == {package: folder for folder, package in FOLDERS.items()}
    listed = set(config["packages"])
    found = set()
    for folder, package in FOLDERS.items():
        for init in (ROOT / folder).rglob("__init__.py"):
            if "__pycache__" in init.parts:
                continue
            rel = init.parent.relative_to(ROOT / folder).parts
            found.add(".".join((package, *rel)))
    assert {"derivlint", "derivlint.check", "derivlint.rules"} <= found  # the walk saw the tree
    assert sorted(found - listed) == [], "package folders missing from pyproject.toml's packages"
    assert sorted(listed - found) == [], "pyproject.toml lists packages that have no folder"


# --------------------------------------------------------------------------- a fresh environment


# The tests below install from the package index: ``-m "not network"`` leaves them out.
network = pytest.mark.network


@pytest.fixture(scope="module")
def fresh_env(wheel, tmp_path_factory) -> Path:
    """A virtual environment without the system's packages where django-rules' ``rules`` was
    installed from the package index first, and derivlint's wheel (with its dependencies) after;
    built once for the module. Skips when the index cannot be reached."""
    tmp = tmp_path_factory.mktemp("venv")
    probe = _pip(sys.executable, "download", "--no-deps", "--timeout", "15", "--retries", "1",
                 "-d", str(tmp / "probe"), "rules", timeout=60)  # fmt: skip
    _skip_when_offline(probe, "pip download rules")
    if probe.returncode != 0:
        pytest.skip(f"the package index cannot be reached (pip download rules: exit {probe.returncode})")
    env = tmp / "env"
    subprocess.run([sys.executable, "-m", "venv", str(env)], check=True, capture_output=True, timeout=120)
    python = env / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    for what in (["rules"], [str(wheel)]):
        result = _pip(python, "install", "-q", *what)  # the index answered the probe: a failure is real
        assert result.returncode == 0, result.stdout + result.stderr
    return env


def _run(env: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    scripts = env / ("Scripts" if os.name == "nt" else "bin")
    environ = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    environ["PATH"] = str(scripts) + os.pathsep + environ.get("PATH", "")
    return subprocess.run(list(args), capture_output=True, text=True, cwd=cwd, env=environ, timeout=120)


@network
def test_installed_wheel_checks_a_note(fresh_env, tmp_path):
    (tmp_path / "note.md").write_text(NOTE, encoding="utf-8")
    result = _run(fresh_env, "derivlint", "check", "note.md", "--no-cache", "--output-format", "concise", cwd=tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert re.match(r"note\.md:3:\d+: DL304 ", result.stdout), result.stdout + result.stderr
    assert "Found 1 finding in 1 of 1 file" in result.stderr


@network
def test_python_m_derivlint_prints_the_version(fresh_env, tmp_path):
    result = _run(fresh_env, "python", "-m", "derivlint", "--version", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"derivlint {_version()}"


@network
def test_pip_show_lists_no_top_level_linter_or_rules(fresh_env, tmp_path):
    result = _run(fresh_env, "python", "-m", "pip", "show", "-f", "derivlint", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    files = [line.strip() for line in result.stdout.split("Files:", 1)[1].splitlines() if line.strip()]
    assert "derivlint/cli.py" in files and "derivlint/rules/__init__.py" in files
    for file in files:
        inside = file.startswith(("derivlint/", f"derivlint-{_version()}.dist-info/"))
        script = file.startswith("..") and re.search(r"[/\\](bin|Scripts)[/\\]derivlint(\.exe)?$", file)
        assert inside or script, f"derivlint installs {file} outside its package"


@network
def test_django_rules_still_imports_beside_derivlint(fresh_env, tmp_path):
    code = (
        "import importlib.metadata as m, rules, derivlint.rules as ours; "
        "print(m.version('rules')); print(rules.__file__); print(hasattr(rules, 'add_rule')); "
        "print(ours.__file__)"
    )
    result = _run(fresh_env, "python", "-c", code, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    version, theirs, has_api, ours = result.stdout.split()
    assert has_api == "True"  # django-rules' own API, not our rule catalogue
    assert Path(theirs).parent.name == "rules" and Path(ours).parent.parent.name == "derivlint"


@network
def test_uninstalling_derivlint_leaves_django_rules_whole(fresh_env, tmp_path):
    """Last in this module: it removes derivlint from the shared environment."""
    result = _run(fresh_env, "python", "-m", "pip", "uninstall", "-y", "-q", "derivlint", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    code = (  # django-rules' files, all still there, and its package still importable
        "import importlib, importlib.metadata as m; importlib.import_module('rules'); "
        "print(sum(1 for f in m.files('rules') if not f.locate().exists()))"
    )
    result = _run(fresh_env, "python", "-c", code, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "0", "files of django-rules went with derivlint"
