"""experts/cuda_graphs.py on a tiny random Llama (CPU, eager: no graphs): its logits and greedy tokens
match transformers + peft (through FastLoRA) for one adapter, mixed adapters per row, base rows and
left padding; merge/unmerge restores the weights. The CUDA graph capture itself runs in
bench/experts.py on the GPU (skipped here without CUDA)."""
from __future__ import annotations

import pytest
import torch

pytest.importorskip("peft")


@pytest.fixture(scope="module")
def tiny():
    from peft import LoraConfig, get_peft_model
    from transformers import LlamaConfig, LlamaForCausalLM

    from experts.fastlora import FastLoRA

    torch.manual_seed(0)
    cfg = LlamaConfig(hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4,
                      num_key_value_heads=2, vocab_size=101, max_position_embeddings=128)
    model = LlamaForCausalLM(cfg).eval()
    targets = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]
    pm = get_peft_model(model, LoraConfig(r=4, lora_alpha=8, target_modules=targets), adapter_name="ea")
    pm.add_adapter("eb", LoraConfig(r=8, lora_alpha=8, target_modules=["q_proj", "v_proj", "down_proj"]))
    with torch.no_grad():
        for n, p in pm.named_parameters():
            if "lora_B" in n:
                p.normal_(0, 0.2)
    pm.eval()
    fast = FastLoRA(pm)
    fast.rebuild(["ea", "eb"])
    return pm, fast


def _engine(pm, fast):
    from experts.cuda_graphs import GraphEngine

    return GraphEngine(pm, fast, max_batch=4, max_len=64, buckets=(16, 32))


def test_supported_and_logits_match(tiny):
    pm, fast = tiny
    eng = _engine(pm, fast)
    ids = torch.randint(3, 100, (3, 7), generator=torch.Generator().manual_seed(1))
    rows = ["ea", "eb", None]
    with torch.inference_mode():
        fast.set_rows(rows)
        ref = pm(input_ids=ids).logits[:, -1].float()
        fast.reset()
        ours = eng.logits_for(ids, rows)
    assert torch.allclose(ours, ref, atol=1e-4, rtol=1e-4), (ours - ref).abs().max()


def _generate_ref(pm, fast, ids, am, rows, n):
    """transformers' greedy generate of exactly `n` tokens, each row with its adapter (the reference)."""
    with torch.inference_mode():
        fast.set_rows(rows)
        try:
            return pm.generate(input_ids=ids, attention_mask=am, max_new_tokens=n, min_new_tokens=n,
                               do_sample=False, pad_token_id=0)
        finally:
            fast.reset()


@pytest.mark.parametrize("rows", [["ea"], ["ea", "eb", None, "ea"], [None, None]])
def test_greedy_tokens_match_generate(tiny, rows):
    pm, fast = tiny
    eng = _engine(pm, fast)
    B = len(rows)
    ids = torch.randint(3, 100, (B, 6), generator=torch.Generator().manual_seed(2))
    am = torch.ones_like(ids)
    if B > 1:
        am[1, :2] = 0  # left padding on one row
        ids[1, :2] = 0
    ref = _generate_ref(pm, fast, ids, am, rows, 20)
    ours = eng.generate(ids, am, max_new_tokens=20, rows=rows)
    assert ours.shape == ref.shape
    assert torch.equal(ours, ref)


@pytest.mark.parametrize("attn", ["sdpa", "math"])
def test_attention_variants_match_generate(tiny, attn):
    """The decode attention alternatives to the default additive mask: SDPA's boolean mask; two matmuls +
    softmax, GQA grouped."""
    pm, fast = tiny
    from experts.cuda_graphs import GraphEngine

    eng = GraphEngine(pm, fast, max_batch=4, max_len=64, buckets=(16, 32), attn=attn)
    rows = ["ea", None, "eb"]
    ids = torch.randint(3, 100, (3, 6), generator=torch.Generator().manual_seed(7))
    am = torch.ones_like(ids)
    am[2, :3] = 0
    ids[2, :3] = 0
    ref = _generate_ref(pm, fast, ids, am, rows, 12)
    assert torch.equal(eng.generate(ids, am, max_new_tokens=12, rows=rows), ref)


def test_fused_weights_are_views(tiny):
    """q/k/v (and gate/up) of a layer become row blocks of one tensor: no second copy of the base, and a
    second engine on the same model reuses it."""
    pm, fast = tiny
    eng = _engine(pm, fast)
    at = pm.get_base_model().model.layers[0].self_attn
    W = eng.fused[0]["qkv"]
    q, k = at.q_proj.base_layer.weight, at.k_proj.base_layer.weight
    assert q.data_ptr() == W.data_ptr() and k.data_ptr() == W[q.shape[0]].data_ptr()
    assert W.shape[0] > q.shape[0] + 2 * k.shape[0]  # + rows for the batch's A^T
    assert _engine(pm, fast).fused[0]["qkv"] is W


def test_chunks_stop_and_sampling(tiny):
    pm, fast = tiny
    eng = _engine(pm, fast)
    eng.check_every = 4
    ids = torch.randint(3, 100, (2, 5), generator=torch.Generator().manual_seed(3))
    seen = []
    out = eng.generate(ids, None, max_new_tokens=30, rows=["ea", "eb"], temperature=[0.8, 0.0], top_p=0.9,
                       on_tokens=lambda c, n: seen.append(n), should_stop=lambda: len(seen) >= 3)
    assert seen[:3] == [1, 5, 9] and out.shape[1] == 5 + 9
    assert int(out.min()) >= 0 and int(out.max()) < 101


def test_merge_unmerge_restores(tiny):
    pm, fast = tiny
    eng = _engine(pm, fast)
    w = pm.get_base_model().model.layers[0].self_attn.q_proj.base_layer.weight
    before = w.detach().clone()
    ids = torch.randint(3, 100, (1, 6), generator=torch.Generator().manual_seed(4))
    with torch.inference_mode():
        lora = eng.logits_for(ids, ["ea"])
        eng.merge("ea")
        merged = eng.logits_for(ids, None)
        eng.unmerge()
    assert torch.allclose(lora, merged, atol=1e-4)
    assert torch.allclose(w, before, atol=1e-6)


def test_unsupported_falls_back():
    from transformers import GPT2Config, GPT2LMHeadModel

    from experts.cuda_graphs import EngineUnsupported, GraphEngine

    m = GPT2LMHeadModel(GPT2Config(n_layer=1, n_embd=32, n_head=2, vocab_size=50))
    assert GraphEngine.supports(m)
    with pytest.raises(EngineUnsupported):
        GraphEngine(m)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="CUDA graphs need a CUDA device")
def test_cuda_graph_matches_eager(tiny):
    pm, fast = tiny
    pm.to("cuda")
    fast.rebuild(["ea", "eb"])
    from experts.cuda_graphs import GraphEngine

    ids = torch.randint(3, 100, (2, 6), generator=torch.Generator().manual_seed(5)).cuda()
    g = GraphEngine(pm, fast, max_batch=2, max_len=64, buckets=(32,), compile=False)
    e = GraphEngine(pm, fast, max_batch=2, max_len=64, buckets=(32,), compile=False, graphs=False)
    assert torch.equal(g.generate(ids, None, max_new_tokens=12, rows=["ea", "eb"]),
                       e.generate(ids, None, max_new_tokens=12, rows=["ea", "eb"]))


def test_engine_generate_hook_stops_with_the_stopper(tiny):
    """The runtime's glue: the stopper sees every token and ends the call; the streamer gets them all."""
    from experts.cuda_graphs import engine_generate

    pm, fast = tiny
    eng = _engine(pm, fast)
    eng.check_every = 4

    class Stopper:
        reasons = [None, None]

        def __call__(self, ids, scores):
            if ids.shape[1] - 5 >= 6:
                self.reasons = ["max_new_tokens"] * 2

    class Streamer:
        got = []

        def put(self, v):
            self.got.append(v.shape)

        def end(self):
            self.got.append("end")

    ids = torch.randint(3, 100, (2, 5), generator=torch.Generator().manual_seed(6))
    st = Streamer()
    out = engine_generate(eng, dict(input_ids=ids, attention_mask=torch.ones_like(ids), max_new_tokens=30,
                                    eos_token_id=[1], do_sample=False), ["ea", None], Stopper(), st)
    assert out.shape[1] == 5 + 9  # stopped at the chunk boundary after the 6th token
    assert st.got[-1] == "end" and len(st.got) == 1 + 9 + 1
