"""The notes that derivlint does not ship, kept beside the checkout, and why a test skips without them.

Some tests read real study notes that live outside the repository, in ``../shared`` next to the
checkout (``shared/corpus``: notes from public repositories; ``shared/seeds``: a few sample study
notes). They are not part of derivlint, so those tests skip with the reasons below where the
folders are absent.
"""

from __future__ import annotations

from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[2] / "shared"
CORPUS = SHARED / "corpus"
SEEDS = SHARED / "seeds"

CORPUS_REASON = "needs the real-notes collection at ../shared/corpus (notes from public repositories, not shipped with derivlint)"
SEEDS_REASON = "needs the sample study notes at ../shared/seeds (not shipped with derivlint)"

needs_corpus = pytest.mark.skipif(not CORPUS.is_dir(), reason=CORPUS_REASON)
needs_seeds = pytest.mark.skipif(not SEEDS.is_dir(), reason=SEEDS_REASON)
