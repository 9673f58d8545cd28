"""medrouter/core/int4.py: GGUF-exact int4 packing, the int8 head, and load_lm's quantization setting."""
from __future__ import annotations

import pytest
import torch

from medrouter.core import int4

pytestmark = pytest.mark.skipif(not int4.int4_available(), reason="this torch has no CPU int4 kernel")


def q4_1_weight(n=64, k=96, seed=0) -> torch.Tensor:
    """What a dequantized Q4_1 tensor looks like: per 32 weights, d*q + m with q spanning 0..15."""
    g = torch.Generator().manual_seed(seed)
    d = torch.rand(n, k // 32, 1, generator=g) * 0.01 + 1e-3
    m = -torch.rand(n, k // 32, 1, generator=g) * 0.05
    q = torch.randint(0, 16, (n, k // 32, 32), generator=g).float()
    q[..., 0], q[..., 1] = 0, 15
    return (q * d + m).reshape(n, k)


def test_exact_groups_are_recognised_and_others_are_not():
    assert int4.is_exact_int4(q4_1_weight())
    assert not int4.is_exact_int4(torch.randn(64, 96))
    assert not int4.is_exact_int4(torch.randn(64, 90))  # not a multiple of the group


@pytest.mark.parametrize("rows", [1, 3, int4.DENSE_ROWS + 5])  # decode kernel and the dense prompt path
def test_int4_linear_computes_the_same_weights(rows):
    w = q4_1_weight()
    lin = torch.nn.Linear(96, 64, bias=False)
    with torch.no_grad():
        lin.weight.copy_(w)
    q = int4.Int4Linear(lin, dtype=torch.bfloat16)
    x = torch.randn(2, rows, 96)
    ref = x @ w.t()
    got = q(x)
    assert got.shape == ref.shape and got.dtype == x.dtype  # fp32 in, fp32 out: the model stays fp32
    # only the bf16 rounding of the inputs (and of the scales) separates them
    assert (got - ref).abs().max() <= 2e-2 * ref.abs().max()
    assert q.weight.dtype == torch.uint8 and not q.weight.requires_grad


def test_quantize_linears_packs_only_exact_layers_unless_asked():
    model = torch.nn.Sequential(torch.nn.Linear(96, 64, bias=False), torch.nn.Linear(64, 32, bias=False))
    with torch.no_grad():
        model[0].weight.copy_(q4_1_weight())
    assert int4.quantize_linears(model, torch.bfloat16, skip=()) == 1
    assert isinstance(model[0], int4.Int4Linear) and type(model[1]) is torch.nn.Linear
    assert int4.quantize_linears(model, torch.bfloat16, exact_only=False, skip=()) == 1  # the rounded one too
    assert isinstance(model[1], int4.Int4Linear)


def test_int8_head_keeps_the_tied_weight_and_rounds_little():
    emb = torch.nn.Embedding(1000, 64)
    head = torch.nn.Linear(64, 1000, bias=False)
    head.weight = emb.weight
    h = int4.Int8Head(head)
    assert h.weight is emb.weight
    x = torch.randn(1, 1, 64)
    ref = x @ emb.weight.detach().t()
    got = h(x)
    assert got.dtype == x.dtype and (got - ref).abs().max() <= 3e-2 * ref.abs().max()
    xs = torch.randn(1, int4.DENSE_ROWS + 8, 64)  # a prompt: the float weight, not the int8 copy
    ref = xs @ emb.weight.detach().t()
    assert (h(xs) - ref).abs().max() <= 2e-2 * ref.abs().max()


def test_peft_lora_on_int4_base_matches_lora_on_the_float_base():
    """peft wraps an Int4Linear like any Linear, and the fast LoRA forward adds the same delta."""
    from peft import LoraConfig, get_peft_model

    from experts.fastlora import FastLoRA

    class Tiny(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.proj = torch.nn.Linear(96, 64, bias=False)

        def forward(self, x):
            return self.proj(x)

    torch.manual_seed(0)
    ref_model, q_model = Tiny(), Tiny()
    with torch.no_grad():
        ref_model.proj.weight.copy_(q4_1_weight())
        q_model.proj.weight.copy_(q4_1_weight())
    int4.quantize_linears(q_model, torch.bfloat16)
    cfg = LoraConfig(r=4, lora_alpha=8, target_modules=["proj"], lora_dropout=0.0)
    outs = []
    for m in (ref_model, q_model):
        pm = get_peft_model(m, cfg, adapter_name="expert")
        torch.manual_seed(1)
        with torch.no_grad():
            for n, p in pm.named_parameters():
                if "lora_" in n:
                    p.copy_(torch.randn(p.shape) * 0.1)
        fast = FastLoRA(pm)
        fast.rebuild(["expert"])
        assert fast.covers_all
        fast.set_rows(["expert"])
        with torch.inference_mode():
            outs.append(pm(torch.randn(1, 2, 96, generator=torch.Generator().manual_seed(2))))
    assert (outs[0] - outs[1]).abs().max() <= 2e-2 * outs[0].abs().max()


def test_load_lm_quantization_setting(settings):
    """auto packs the embedded Q4_1 base on a CPU with native bf16 (nothing elsewhere); none never does."""
    from medrouter.core.models import _cache, load_lm

    s = settings.model_copy(deep=True)
    s.base_model.device = "cpu"
    s.base_model.quantization = "none"
    plain = load_lm(s)
    assert plain.quantization == "none"
    assert not any(isinstance(m, int4.Int4Linear) for m in plain.model.modules())
    s.base_model.quantization = "auto"
    auto = load_lm(s)
    packed = [m for m in auto.model.modules() if isinstance(m, int4.Int4Linear)]
    if int4.native_bf16():
        assert auto.quantization == "int4" and len(packed) == 7 * auto.model.config.num_hidden_layers
        assert type(auto.model.get_output_embeddings()) is torch.nn.Linear  # the head stays float
        assert next(auto.model.parameters()).dtype == torch.float32  # activations stay fp32 on CPU
        ids = torch.tensor([[1, 504, 3458, 314, 260]])
        with torch.inference_mode():
            a = plain.model(input_ids=ids).logits[0, -1]
            b = auto.model(input_ids=ids).logits[0, -1]
        assert a.argmax() == b.argmax()
    else:
        assert auto.quantization == "none" and not packed
    for key in [k for k, v in _cache.items() if v is plain]:  # the session's shared model is the default one
        del _cache[key]
