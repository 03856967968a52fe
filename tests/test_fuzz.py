"""Fuzzing in the suite: generated and mutated notes never make ``derivlint check`` exit 2, report DL199 or run past their time budget.

The generators are those of scripts/fuzz.py (mutations of the fixtures, deep nesting, long
tokens, macro bombs, odd encodings, notebook JSON), driven here by hypothesis. A few seconds in
CI; ``DERIVLINT_FUZZ_EXAMPLES=2000 pytest tests/test_fuzz.py`` runs longer (and scripts/fuzz.py
runs for hours in several processes).
"""

from __future__ import annotations

import importlib.util
import os
import random
from pathlib import Path

import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

EXAMPLES = int(os.environ.get("DERIVLINT_FUZZ_EXAMPLES", "40"))
_SPEC = importlib.util.spec_from_file_location("derivlint_fuzz", Path(__file__).resolve().parents[1] / "scripts" / "fuzz.py")
fuzz = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(fuzz)

FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    derandomize=EXAMPLES <= 100,  # the CI run is the same every time; a long run explores
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


def _assert_sound(result: dict, data: bytes) -> None:
    assert result["code"] != 2, result["error"]
    assert result["dl199"] == 0, result["error"]
    assert not result["over"], f"{result['cpu']:.2f} s of CPU for {len(data)} bytes"


@FUZZ
@given(seed=st.integers(min_value=0, max_value=2**32 - 1))
def test_generated_notes(seed, tmp_path_factory):
    suffix, data = fuzz.generate(seed)
    folder = tmp_path_factory.mktemp("fuzz")
    _assert_sound(fuzz.run_one(data, suffix, str(folder)), data)


@FUZZ
@given(
    which=st.integers(min_value=0),
    where=st.floats(min_value=0, max_value=1),
    inserted=st.lists(st.one_of(st.sampled_from(fuzz.TOKENS), st.text(max_size=20)), max_size=12).map("".join),
    suffix=st.sampled_from([".md", ".tex", ".ipynb"]),
)
def test_fixture_with_inserted_text(which, where, inserted, suffix, tmp_path_factory):
    """Text chosen by hypothesis (tokens and any characters) inserted into a fixture; hypothesis
    shrinks a failure to the fewest characters."""
    notes = fuzz.fixtures()
    text = notes[which % len(notes)][1]
    at = int(where * len(text))
    text = text[:at] + inserted + text[at:]
    rng = random.Random(which)
    if suffix == ".ipynb":
        text = fuzz.as_notebook(rng, text)
    data = text.encode("utf-8", "surrogatepass")
    folder = tmp_path_factory.mktemp("fuzz")
    _assert_sound(fuzz.run_one(data, suffix, str(folder)), data)


@pytest.mark.parametrize("bomb", fuzz.BOMBS, ids=range(len(fuzz.BOMBS)))
def test_macro_bombs(bomb, tmp_path):
    for suffix in (".md", ".tex"):
        data = (bomb + "\n$$\\frac{\\partial x^T x}{\\partial x} = 2x$$\n").encode()
        _assert_sound(fuzz.run_one(data, suffix, str(tmp_path)), data)


def test_the_generators_make_every_kind_of_input():
    """The fuzzer is not vacuous: its inputs include every format, odd encodings and bombs."""
    made = [fuzz.generate(seed) for seed in range(300)]
    suffixes = {suffix for suffix, _ in made}
    assert suffixes == {".md", ".tex", ".ipynb"}
    assert any(data.startswith(b"\xff\xfe") or data.startswith(b"\xfe\xff") for _, data in made)  # UTF-16
    assert any(b"\\def\\a{\\a\\a}" in data for _, data in made)
    undecodable = 0
    for _, data in made:
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            undecodable += 1
    assert undecodable > 0
