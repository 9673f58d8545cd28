"""Tiny real LoRA adapters for the embedded base, made with peft and saved once per session."""
from __future__ import annotations

import pytest

TARGETS = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]


def make_adapter(model_dir, folder, seed: int, r: int = 4, targets=TARGETS, strength: float = 0.05):
    """A random LoRA adapter (peft, save_pretrained) for the model in `model_dir`. lora_B is random too
    (peft starts it at zero), strong enough that each adapter changes the base model's greedy answers.
    A fresh copy of the base is loaded: the session's shared base may already carry LoRA layers."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    torch.manual_seed(seed)
    base = AutoModelForCausalLM.from_pretrained(str(model_dir), dtype=torch.float32)
    model = get_peft_model(base, LoraConfig(r=r, lora_alpha=2 * r, target_modules=list(targets)))
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "lora_B" in name:
                p.normal_(0.0, strength)
    model.save_pretrained(str(folder))
    del model
    return folder


@pytest.fixture(scope="session")
def adapters(lm, tmp_path_factory):
    root = tmp_path_factory.mktemp("adapters")
    return {name: make_adapter(lm.path, root / name, seed) for seed, name in enumerate(["one", "two"], start=1)}


@pytest.fixture(scope="session")
def adapter_settings(settings, adapters):
    """The shipped config with test adapters on medical_qa and summarization; advice on the base."""
    s = settings.model_copy(deep=True)
    s.expert("medical_qa").adapter = str(adapters["one"])
    s.expert("summarization").adapter = str(adapters["two"])
    s.expert("advice").adapter = None
    return s


def _without_adapters(settings):
    s = settings.model_copy(deep=True)
    for e in s.experts:
        e.adapter = None
    return s


def _on_fp32(settings):
    """The same experts and adapters on an fp32 base, whatever base_model.quantization ships: token and
    logit equality with peft and `generate` is asked in fp32 (the int4 base rounds every matmul input to
    bf16, so paths that sum in another order round apart at near-ties; bench/cpu_decode.py measures it)."""
    from experts import ExpertPool

    s = settings.model_copy(deep=True)
    s.base_model.quantization = "none"
    return ExpertPool(s)


@pytest.fixture(scope="session")
def base_pool(settings):
    """Every expert on the base model (whatever adapters the shipped config names)."""
    from experts import ExpertPool

    return ExpertPool(_without_adapters(settings))


@pytest.fixture(scope="session")
def adapter_pool(adapter_settings):
    from experts import ExpertPool

    return ExpertPool(adapter_settings)


@pytest.fixture(scope="session")
def fp32_pool(settings):
    return _on_fp32(settings)


@pytest.fixture(scope="session")
def fp32_adapter_pool(adapter_settings):
    return _on_fp32(adapter_settings)


@pytest.fixture(scope="session")
def fp32_base_pool(settings):
    return _on_fp32(_without_adapters(settings))
