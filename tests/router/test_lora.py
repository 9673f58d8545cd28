"""The routing LoRA encoder (`router.encoder: minilm_lora`): trained by `router fit`, stored in the
head file, merged into a private copy of the shared MiniLM, which itself is never modified."""
import numpy as np
import pytest

from medrouter.core.errors import RouterHeadError
from router import Router
from router.data import training_examples
from router.encoders import ENCODERS, RoutingLoraEncoder, SentenceTransformerEncoder
from router.fit import fit_head
from router.head import load_head, save_head

TEXTS = ["What is asthma?", "Summarize my discharge letter", "Should I stop my statin?", "How do I fix a git merge?"]


def _checksum(module) -> float:
    return float(sum(p.detach().double().abs().sum() for p in module.parameters()))


def _lora_settings(settings, head_path):
    s = settings.model_copy(deep=True)
    s.router.encoder = "minilm_lora"
    s.router.head_path = str(head_path)
    return s


def _subset(settings, per_route):
    by = {}
    for e in training_examples(settings):
        if len(e.text) < 200:
            by.setdefault(e.label, []).append(e)
    return [e for r in settings.route_names for e in by[r][:per_route]]


@pytest.fixture(scope="module")
def lora_head(settings, embedder, tmp_path_factory):
    """A real (small) `router fit` with the LoRA encoder: 5 folds + final training on 40 examples."""
    path = tmp_path_factory.mktemp("lora") / "head.safetensors"
    s = _lora_settings(settings, path)
    before = _checksum(embedder)
    enc = RoutingLoraEncoder(s, embedder, untrained=True)
    head = fit_head(s, Router(s, embedder=embedder, classifier="nearest", encoder=enc), examples=_subset(s, 10))
    assert _checksum(embedder) == before  # training worked on a copy
    save_head(head, path)
    return s, head, path


def test_registered_beside_the_frozen_encoder():
    assert ENCODERS["minilm_lora"] is RoutingLoraEncoder and ENCODERS["sentence_transformers"] is SentenceTransformerEncoder
    assert getattr(RoutingLoraEncoder, "trainable", False) and not getattr(SentenceTransformerEncoder, "trainable", False)


def test_fit_stores_the_lora_in_the_head_and_the_router_serves_it(lora_head, settings, embedder):
    s, head, path = lora_head
    assert head.encoder_state and all(k.startswith("base_model.") for k in head.encoder_state)
    assert any("lora_B" in k and np.abs(v).max() > 0 for k, v in head.encoder_state.items())  # B starts at 0: trained
    assert head.info["encoder_training"]["rank"] == 8 and head.encoder.endswith("+routing-lora")
    loaded = load_head(path, s.routing_fingerprint())
    assert loaded.encoder_state.keys() == head.encoder_state.keys()
    for k, v in head.encoder_state.items():
        np.testing.assert_array_equal(loaded.encoder_state[k], v)
    assert path.stat().st_size < 3_000_000  # LoRA r8 (~0.3 M params) + head

    shared = SentenceTransformerEncoder(settings, embedder)
    before_vecs, before_sum = shared.encode(TEXTS), _checksum(embedder)
    r = Router(s, embedder=embedder)  # reads the LoRA from router.head_path, merges it into a copy
    assert isinstance(r.encoder, RoutingLoraEncoder) and r.encoder._direct[1] is not shared._direct[1]
    assert r.embedder is embedder  # the shared module is what retrieval keeps using
    d = r.route("What causes high blood pressure?")
    assert d.route in s.route_names and 0 < d.confidence <= 1
    lora_vecs = r.encoder.encode(TEXTS)
    assert np.abs(lora_vecs - before_vecs).max() > 1e-3  # the LoRA changes the routing vectors...
    np.testing.assert_allclose(np.linalg.norm(lora_vecs, axis=1), np.sqrt(len(s.router.pool_layers)), atol=1e-5)  # unit per pooled layer
    np.testing.assert_array_equal(shared.encode(TEXTS), before_vecs)  # ...and never the shared ones
    assert _checksum(embedder) == before_sum


def test_merged_copy_equals_the_unmerged_peft_model(lora_head, embedder):
    import torch
    from peft import set_peft_model_state_dict

    from router.encoders import mean_unit
    from router.lora import _peft_model

    _, head, _ = lora_head
    tok, hf = embedder.tokenizer, embedder[0].auto_model
    peft_model = _peft_model(hf)
    set_peft_model_state_dict(peft_model, {k: torch.from_numpy(v) for k, v in head.encoder_state.items()})
    peft_model.eval()
    b = tok(TEXTS, padding=True, return_tensors="pt")
    s = lora_head[0]
    with torch.inference_mode():
        hidden = peft_model(**b, output_hidden_states=True).hidden_states
        want = torch.cat([mean_unit(hidden[i], b["attention_mask"]) for i in s.router.pool_layers], 1).numpy()
    np.testing.assert_allclose(RoutingLoraEncoder(s, embedder, state=head.encoder_state).encode(TEXTS), want, atol=1e-5)


def test_lora_head_refused_when_stale_or_without_weights(lora_head, settings, embedder, tmp_path):
    s, head, path = lora_head
    stale = s.model_copy(deep=True)
    stale.router.max_route_chars += 1  # a router setting changed since the fit
    with pytest.raises(RouterHeadError, match="fitted on another config.*medrouter router fit"):
        Router(stale, embedder=embedder)
    # The committed frozen-encoder head, renamed under a config that asks for the LoRA encoder.
    plain = load_head(settings.router.head_path)
    plain.fingerprint = _lora_settings(settings, tmp_path / "p.safetensors").routing_fingerprint()
    save_head(plain, tmp_path / "p.safetensors")
    with pytest.raises(RouterHeadError, match="no routing LoRA weights.*medrouter router fit"):
        Router(_lora_settings(settings, tmp_path / "p.safetensors"), embedder=embedder)
    with pytest.raises(RouterHeadError, match="no fitted router head.*medrouter router fit"):
        Router(_lora_settings(settings, tmp_path / "missing.safetensors"), embedder=embedder)


def test_lora_training_is_deterministic(settings, embedder):
    from router.fit import side_inputs

    rows = _subset(settings, 4)
    enc = RoutingLoraEncoder(settings, embedder, untrained=True)
    texts, extra = side_inputs(Router(settings, embedder=embedder, classifier="nearest", encoder=enc), rows)
    y = np.array([settings.route_names.index(e.label) for e in rows])
    a = enc.train(texts, extra, y, len(settings.route_names))
    b = enc.train(texts, extra, y, len(settings.route_names))
    assert a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a)
