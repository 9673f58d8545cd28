"""The router's direct MiniLM path gives the vectors sentence-transformers' own encode gives."""
import numpy as np


def test_direct_path_matches_sentence_transformers_encode(settings, embedder, dev_examples):
    from router.encoders import SentenceTransformerEncoder
    from router.text import routing_text

    enc = SentenceTransformerEncoder(settings, embedder)
    assert enc._direct is not None  # MiniLM is [Transformer, mean Pooling, Normalize]: the fast path is used
    texts = [routing_text(e.text) for e in dev_examples[:40]] + ["a", "¿Qué es la diabetes? 糖尿病", "x " * 400]
    want = embedder.encode(texts, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)
    np.testing.assert_allclose(enc.encode(texts), want, atol=1e-5)  # a batch with padding
    np.testing.assert_allclose(np.stack([enc.encode([t])[0] for t in texts[:5]]), want[:5], atol=1e-5)  # one by one
    assert enc.encode([]).shape == (0, enc.dim)


def test_other_pipelines_use_the_library_encode(settings, embedder):
    from router.encoders import _direct_parts

    class NotMiniLM(list):  # e.g. CLS pooling or an extra Dense layer: not the layout the fast path knows
        pass

    assert _direct_parts(NotMiniLM([embedder[0], embedder[2]])) is None
    assert _direct_parts(object()) is None


def test_single_requests_run_on_one_thread_and_restore_the_setting(settings, embedder):
    import torch

    from router.encoders import SentenceTransformerEncoder

    enc = SentenceTransformerEncoder(settings, embedder)
    seen = []
    hf = enc._direct[1]
    hook = hf.register_forward_pre_hook(lambda *a: seen.append(torch.get_num_threads()))
    torch.set_num_threads(2)  # the tests' autouse fixture restores the original count afterwards
    try:
        enc.encode(["What is asthma?"])
        enc.encode(["What is asthma?"] * 20)  # a batch keeps the process's threads
    finally:
        hook.remove()
    assert seen == [1, 2] and torch.get_num_threads() == 2
