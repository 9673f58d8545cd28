"""Router fixtures: the real embedder (shared session fixture) and the committed head."""
import json
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parents[2] / "data" / "routing"


@pytest.fixture(scope="session")
def rt(settings, embedder):
    from router import Router

    return Router(settings, embedder=embedder)


@pytest.fixture(scope="session")
def dev_examples(settings):
    from router.data import load_labeled

    return load_labeled(DATA / "dev.jsonl", settings.route_names)


def write_jsonl(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path
