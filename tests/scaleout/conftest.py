"""Tiny real checkpoints for the scale-out tests: a random Llama saved like a user's model, and
peft LoRA adapters trained-shape for it (or for another base)."""
from __future__ import annotations

import json

import pytest


def save_tiny_llama(folder, *, hidden=64, vocab=128, layers=2):
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(0)
    cfg = LlamaConfig(vocab_size=vocab, hidden_size=hidden, intermediate_size=2 * hidden, num_hidden_layers=layers,
                      num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=256)
    model = LlamaForCausalLM(cfg)
    model.save_pretrained(folder)
    return model


def save_adapter(model, folder, *, r=8, signature=None):
    """A real peft LoRA adapter folder (save_pretrained) for `model`; optionally with the
    `base_model_signature` the project trainer writes."""
    from peft import LoraConfig, get_peft_model

    peft_model = get_peft_model(model, LoraConfig(r=r, lora_alpha=2 * r, target_modules=["q_proj", "v_proj"]))
    peft_model.save_pretrained(folder)
    if signature is not None:
        cfg_file = folder / "adapter_config.json"
        cfg = json.loads(cfg_file.read_text())
        cfg["base_model_signature"] = signature
        cfg_file.write_text(json.dumps(cfg))
    peft_model.unload()  # leave `model` as it was, for the next adapter
    return folder


@pytest.fixture(scope="session")
def tiny_base(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tiny-llama")
    return folder, save_tiny_llama(folder)
