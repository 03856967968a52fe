"""Settings and fixtures shared by the whole test suite."""

import sys
from pathlib import Path

import pytest


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "network: installs packages from the package index (skips when it cannot be reached)"
    )


@pytest.fixture(scope="session")
def corpus_report() -> list[dict]:
    """derivlint's JSON findings on ../shared/corpus, as ``scripts/ecosystem.py`` gets them (``check
    --output-format json`` in this process): one pass over the corpus for every test that reads it
    (the ecosystem rows, and that no note ends in an internal error)."""
    from shared_data import CORPUS, CORPUS_REASON

    if not CORPUS.is_dir():
        pytest.skip(CORPUS_REASON)
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
    import ecosystem

    return ecosystem.run_derivlint(CORPUS)


@pytest.fixture(scope="session")
def corpus_survey() -> list:
    """Every note of ../shared/corpus checked once, as ``scripts/parse_rate.py`` checks it (with the
    macros of its site): (path, counts, disagreements of claims and check) per note."""
    from shared_data import CORPUS, CORPUS_REASON

    if not CORPUS.is_dir():
        pytest.skip(CORPUS_REASON)
    from corpus_survey import survey

    return survey(CORPUS)
