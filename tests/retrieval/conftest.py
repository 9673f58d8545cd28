"""Fixtures for retrieval tests: a store in a temp folder over the real embedder, and one small
collection built once per session from the evaluation documents."""
from __future__ import annotations

from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[2] / "data" / "eval_docs"
SMALL_SET = ["leaflet_heart_failure_self_care.txt", "ellison_echo_2021.md", "ellison_echo_2024.md",
             "nair_annual_review_2024.pdf"]


@pytest.fixture
def make_store(settings, embedder, tmp_path):
    from retrieval import Store

    def make(**overrides):
        s = settings.model_copy(deep=True)
        s.retrieval.store_dir = str(tmp_path / "store")
        for k, v in overrides.items():
            setattr(s.retrieval, k, v)
        return Store(s, embedder=embedder)
    return make


@pytest.fixture(scope="session")
def shared_store(settings, embedder, tmp_path_factory):
    """Read-only for tests: 4 documents in collection 'docs'."""
    from retrieval import Store

    s = settings.model_copy(deep=True)
    s.retrieval.store_dir = str(tmp_path_factory.mktemp("shared_store"))
    store = Store(s, embedder=embedder)
    store.ingest([DOCS / n for n in SMALL_SET], "docs")
    return store


@pytest.fixture
def tiny(tmp_path):
    """Three small real-looking documents: cheap to embed, for the store-mechanics tests."""
    d = tmp_path / "tiny"
    d.mkdir()
    (d / "echo_2021.md").write_text(
        "# Echo report — 15 March 2021\n\n## Left Ventricular Function\n\nLVEF is 35%, moderately reduced.\n\n"
        "## Valves\n\nModerate mitral regurgitation.\n")
    (d / "echo_2024.md").write_text(
        "# Echo report — 2 May 2024\n\n## Left Ventricular Function\n\nLVEF is 48%, mildly reduced.\n\n"
        "## Valves\n\nMild mitral regurgitation only.\n")
    (d / "diet.txt").write_text("DIET ADVICE - JANUARY 2023\n\nSALT\nEat less than 6 g of salt a day.\n")
    return d
