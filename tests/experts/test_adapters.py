"""Bad adapters fail at load with an AdapterError that names the expert and says what is wrong."""
from __future__ import annotations

import json
import shutil

import pytest

from experts.adapters import validate_adapter
from medrouter.core.errors import AdapterError

from .conftest import make_adapter


@pytest.fixture
def copy_of(adapters, tmp_path):
    def _copy(name="one"):
        dst = tmp_path / f"copy-{name}"
        shutil.copytree(adapters[name], dst)
        return dst
    return _copy


def test_a_good_adapter_validates(adapters, lm):
    info = validate_adapter("medical_qa", adapters["one"], lm.model)
    assert info.config["peft_type"] == "LORA" and len(info.digest) == 12


def test_missing_folder(lm, tmp_path):
    with pytest.raises(AdapterError, match=r"expert 'medical_qa'.*not found.*medrouter train medical_qa"):
        validate_adapter("medical_qa", tmp_path / "nope", lm.model)


def test_folder_without_adapter_config(lm, copy_of):
    d = copy_of()
    (d / "adapter_config.json").unlink()
    with pytest.raises(AdapterError, match=r"expert 'advice'.*no adapter_config.json"):
        validate_adapter("advice", d, lm.model)


def test_pickle_weights_are_refused(lm, copy_of):
    d = copy_of()
    (d / "adapter_model.safetensors").rename(d / "adapter_model.bin")
    with pytest.raises(AdapterError, match="pickle"):
        validate_adapter("advice", d, lm.model)


def test_corrupted_weights(lm, copy_of):
    d = copy_of()
    data = (d / "adapter_model.safetensors").read_bytes()
    (d / "adapter_model.safetensors").write_bytes(data[: len(data) // 2])  # a truncated download
    with pytest.raises(AdapterError, match=r"expert 'summarization'.*corrupted"):
        validate_adapter("summarization", d, lm.model)
    (d / "adapter_model.safetensors").write_bytes(b"\x00garbage" * 100)
    with pytest.raises(AdapterError, match="corrupted"):
        validate_adapter("summarization", d, lm.model)


def test_nan_weights(lm, copy_of):
    from safetensors.torch import load_file, save_file

    d = copy_of()
    tensors = load_file(str(d / "adapter_model.safetensors"))
    key = next(iter(tensors))
    tensors[key][0, 0] = float("nan")
    save_file(tensors, str(d / "adapter_model.safetensors"))
    with pytest.raises(AdapterError, match="NaN"):
        validate_adapter("advice", d, lm.model)


def test_adapter_for_another_base_model(lm, tmp_path):
    """A real peft adapter made for a smaller Llama: same module names, other shapes."""
    from transformers import LlamaConfig, LlamaForCausalLM

    other = LlamaForCausalLM(LlamaConfig(hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                                         num_attention_heads=4, num_key_value_heads=2, vocab_size=lm.model.config.vocab_size))
    other.save_pretrained(tmp_path / "other-base")
    folder = make_adapter(tmp_path / "other-base", tmp_path / "other-adapter", seed=3)
    with pytest.raises(AdapterError, match=r"expert 'advice'.*trained for another base model: .* (takes|has) \d+ .*the adapter expects \d+"):
        validate_adapter("advice", folder, lm.model)


def test_target_modules_missing_from_the_base(lm, copy_of):
    d = copy_of()
    cfg = json.loads((d / "adapter_config.json").read_text())
    cfg["target_modules"] = ["c_attn", "q_proj"]  # GPT-2 naming
    (d / "adapter_config.json").write_text(json.dumps(cfg))
    with pytest.raises(AdapterError, match=r"\['c_attn'\].*another base model"):
        validate_adapter("advice", d, lm.model)


def test_pool_refuses_a_bad_adapter_naming_the_expert(settings, copy_of):
    from experts import ExpertPool

    d = copy_of()
    (d / "adapter_model.safetensors").write_bytes(b"not safetensors")
    s = settings.model_copy(deep=True)
    s.expert("summarization").adapter = str(d)
    with pytest.raises(AdapterError, match="expert 'summarization'"):
        ExpertPool(s)
