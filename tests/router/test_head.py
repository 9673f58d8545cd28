"""The fitted head on disk: committed for the shipped config, refused when stale/missing/corrupted."""
import numpy as np
import pytest

from medrouter.core.errors import RouterHeadError
from router import Router
from router.head import Head, load_head, save_head


def test_committed_head_matches_the_shipped_config(settings):
    # Fails when routes, examples, router settings or data/routing change without `medrouter router fit`.
    head = load_head(settings.router.head_path, settings.routing_fingerprint())
    assert head.routes == settings.route_names
    assert 0.0 < head.threshold < 1.0 and head.temperature > 0
    assert head.info["cv_accuracy"] > 0.85


def test_save_load_roundtrip_is_exact(tmp_path):
    h = Head(routes=["a", "b"], weight=np.arange(6, dtype=np.float32).reshape(2, 3), bias=np.ones(2, np.float32),
             temperature=0.7, threshold=0.55, fingerprint="abc", encoder="e", features=["x"], ngram_buckets=2,
             info={"k": 1})
    p = save_head(h, tmp_path / "h.safetensors")
    g = load_head(p, "abc")
    assert g.routes == h.routes and g.threshold == h.threshold and g.ngram_buckets == 2 and g.info == {"k": 1}
    np.testing.assert_array_equal(g.weight, h.weight)
    assert list(tmp_path.iterdir()) == [p]  # no temp file left behind


def _with_head(settings, path):
    s = settings.model_copy(deep=True)
    s.router.head_path = str(path)
    return s


def test_missing_head_says_to_fit(settings, embedder, tmp_path):
    with pytest.raises(RouterHeadError, match="medrouter router fit"):
        Router(_with_head(settings, tmp_path / "none.safetensors"), embedder=embedder)


@pytest.mark.parametrize("content", [b"", b"not a safetensors file at all", b"\x08\x00\x00\x00\x00\x00\x00\x00{}garbage"])
def test_corrupted_head_says_to_fit(settings, embedder, tmp_path, content):
    p = tmp_path / "bad.safetensors"
    p.write_bytes(content)
    with pytest.raises(RouterHeadError, match="corrupted.*medrouter router fit"):
        Router(_with_head(settings, p), embedder=embedder)


def test_truncated_committed_head_is_refused(settings, embedder, tmp_path):
    from pathlib import Path

    data = Path(settings.router.head_path).read_bytes()
    p = tmp_path / "cut.safetensors"
    p.write_bytes(data[: len(data) // 2])
    with pytest.raises(RouterHeadError, match="medrouter router fit"):
        Router(_with_head(settings, p), embedder=embedder)


def test_stale_head_is_refused(settings, embedder):
    s = settings.model_copy(deep=True)
    s.routes[1].examples.append("What is a new example utterance?")  # config edited, head not refitted
    with pytest.raises(RouterHeadError, match="fitted on another config.*medrouter router fit"):
        Router(s, embedder=embedder)


def test_fingerprint_ignores_what_the_weights_do_not_depend_on(settings):
    # Moving the dev file, setting a refusal floor or rewording a description must not stale the head.
    s = settings.model_copy(deep=True)
    s.router.dev_file = None
    s.router.min_confidence = 0.8
    s.routes[1].threshold = 0.7
    s.routes[1].description = "reworded"
    assert s.routing_fingerprint() == settings.routing_fingerprint()
    s.router.train_file = None  # the training data does change the weights
    assert s.routing_fingerprint() != settings.routing_fingerprint()
