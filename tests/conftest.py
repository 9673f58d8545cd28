"""Shared fixtures: the real embedded models, each loaded once per test session."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "experts.yaml"


@pytest.fixture(scope="session")
def settings():
    from medrouter.core.config import load_config

    return load_config(CONFIG)


@pytest.fixture(scope="session")
def embedder(settings):
    from medrouter.core.models import load_embedder

    return load_embedder(settings)


@pytest.fixture(scope="session")
def lm(settings):
    from medrouter.core.models import load_lm

    return load_lm(settings)


@pytest.fixture(scope="session")
def assistant(settings, tmp_path_factory):
    from medrouter.app.assistant import Assistant

    s = settings.model_copy(deep=True)
    s.retrieval.store_dir = str(tmp_path_factory.mktemp("collections"))
    return Assistant(s)


@pytest.fixture(scope="session")
def pool(assistant):
    return assistant.pool


@pytest.fixture(scope="session")
def router(assistant):
    return assistant.router


@pytest.fixture(scope="session")
def reference_library(assistant):
    """The shipped reference library (built by `medrouter prepare`; built here if it is missing or stale)."""
    lib = assistant.library
    lib.build()
    return lib
