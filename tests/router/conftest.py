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


@pytest.fixture(autouse=True)
def _one_torch_thread():
    """MiniLM on one short sentence is a few ms; with 2 intra-op threads on a machine whose cores
    are shared with other processes it can take ~1 s (threads wait on each other). One thread keeps
    these tests' time independent of the machine's load; restored after each test."""
    import torch

    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)
