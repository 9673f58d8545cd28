"""UI test setup: the embedded default config, with this run's own document store and short answers.

The app reads its config from $MEDROUTER_CONFIG. The config written here is the shipped experts.yaml
(paths made absolute) with two changes: documents go to a temp folder (never the user's cache), and
answers are capped at MAX_NEW_TOKENS, because these tests check what the page shows, not how long
the embedded model talks (the real model still answers every request).
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

from medrouter.core.config import CONFIG_ENV, load_config

from ..conftest import CONFIG, ROOT

APP = ROOT / "ui" / "app.py"
MAX_NEW_TOKENS = 24
SCREENSHOTS_ENV = "MEDROUTER_UI_SCREENSHOTS"  # folder for the browser test's screenshots (e.g. docs/)
TIMEOUT = 180  # seconds for one script run: the first one loads the models


def write_config(settings, path: Path, **changes) -> Path:
    data = settings.model_dump(mode="json")
    for dotted, value in changes.items():
        node = data
        *parents, leaf = dotted.split(".")
        for p in parents:
            node = node[int(p)] if isinstance(node, list) else node[p]
        node[leaf] = value
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def ui_config(tmp_path_factory) -> Path:
    s = load_config(CONFIG)
    tmp = tmp_path_factory.mktemp("ui")
    changes = {"retrieval.store_dir": str(tmp / "collections")}
    if not os.environ.get(SCREENSHOTS_ENV):  # screenshots for docs/ show whole answers
        for i, _ in enumerate(s.experts):
            changes[f"experts.{i}.generation.max_new_tokens"] = MAX_NEW_TOKENS
    if s.router.head_path and not Path(s.router.head_path).is_file():
        # A checkout before `medrouter router fit` was run: fit the head once, keyed by what it depends on.
        head = Path(s.cache_dir) / "test-router-heads" / f"{s.routing_fingerprint()}.safetensors"
        if not head.is_file():
            from router.fit import fit_and_save

            s.router.head_path = str(head)
            fit_and_save(s)
        changes["router.head_path"] = str(head)
    return write_config(s, tmp / "experts.yaml", **changes)


@pytest.fixture(scope="package", autouse=True)
def ui_env(ui_config):
    """Point the app at the test config for the tests of this package only."""
    old = os.environ.get(CONFIG_ENV)
    os.environ[CONFIG_ENV] = str(ui_config)
    yield
    if old is None:
        os.environ.pop(CONFIG_ENV, None)
    else:
        os.environ[CONFIG_ENV] = old
