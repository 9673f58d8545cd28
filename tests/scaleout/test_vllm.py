"""experts/vllm.py: the `vllm serve` command for experts.yaml and the adapter checks before it,
on real tiny peft adapters (vLLM itself is not installed here: its start-up error is tested)."""
from __future__ import annotations

import json

import pytest

from experts import vllm
from medrouter.core.errors import AdapterError, UsageError

from .conftest import save_adapter, save_tiny_llama


@pytest.fixture()
def served(settings, tiny_base, tmp_path):
    """experts.yaml over the tiny base: medical_qa and summarization with r=8 adapters, advice none."""
    folder, model = tiny_base
    s = settings.model_copy(deep=True)
    s.base_model.path = str(folder)
    sig = vllm.base_signature(model.config.to_dict())
    for name in ("medical_qa", "summarization"):
        s.expert(name).adapter = str(save_adapter(model, tmp_path / name, r=8, signature=sig))
    s.expert("advice").adapter = None
    return s


def _arg(cmd, flag):
    return cmd[cmd.index(flag) + 1]


def test_command_registers_every_adapter_and_serves_every_expert_name(served, tiny_base):
    folder, _ = tiny_base
    cmd = vllm.vllm_command(served, port=8001, tensor_parallel_size=2, extra=["--gpu-memory-utilization", "0.8"])
    assert cmd[:3] == ["vllm", "serve", str(folder)]
    assert "--enable-lora" in cmd
    i = cmd.index("--lora-modules")
    assert cmd[i + 1:i + 3] == [f"medical_qa={served.expert('medical_qa').adapter}",
                                f"summarization={served.expert('summarization').adapter}"]
    # advice has no adapter: it is a name of the base model, so `model=advice` is served too
    i = cmd.index("--served-model-name")
    assert cmd[i + 1:i + 3] == ["base", "advice"]
    assert _arg(cmd, "--max-lora-rank") == "8" and _arg(cmd, "--max-loras") == "2"
    assert _arg(cmd, "--tensor-parallel-size") == "2" and _arg(cmd, "--port") == "8001"
    assert _arg(cmd, "--max-model-len") == str(served.base_model.max_context_tokens)
    assert cmd[-2:] == ["--gpu-memory-utilization", "0.8"]
    assert _arg(vllm.vllm_command(served, port=8001, max_lora_rank=64), "--max-lora-rank") == "64"


def test_no_adapters_means_no_lora_flags(settings, tiny_base):
    s = settings.model_copy(deep=True)
    s.base_model.path = str(tiny_base[0])
    for e in s.experts:
        e.adapter = None
    cmd = vllm.vllm_command(s, port=8001)
    assert "--enable-lora" not in cmd
    i = cmd.index("--served-model-name")
    assert cmd[i + 1:i + 5] == ["base", *s.expert_names]


def test_rank_above_the_server_max_is_refused(served, tiny_base, tmp_path):
    _, model = tiny_base
    served.expert("advice").adapter = str(save_adapter(model, tmp_path / "big", r=64))
    with pytest.raises(AdapterError, match=r"expert 'advice'.*rank 64, above the server's --max-lora-rank 16"):
        vllm.validate_adapters_for_vllm(served, max_lora_rank=16)
    # without a limit the command sizes the server for the largest adapter
    assert _arg(vllm.vllm_command(served, port=8001), "--max-lora-rank") == "64"
    with pytest.raises(UsageError, match="not one vLLM accepts"):
        vllm.validate_adapters_for_vllm(served, max_lora_rank=24)


def test_adapter_for_another_base_is_refused(served, tmp_path):
    other = save_tiny_llama(tmp_path / "other-base", hidden=32)
    served.expert("advice").adapter = str(save_adapter(other, tmp_path / "wrong", r=8))
    with pytest.raises(AdapterError, match=r"expert 'advice'.*another base model.*q_proj is 64->64"):
        vllm.vllm_command(served, port=8001)


def test_signature_mismatch_is_refused_even_when_shapes_match(served):
    cfg_file = vllm.Path(served.expert("summarization").adapter) / "adapter_config.json"
    cfg = json.loads(cfg_file.read_text())
    cfg["base_model_signature"] = "llama/64/2/4/32000"  # same layers, another vocabulary
    cfg_file.write_text(json.dumps(cfg))
    with pytest.raises(AdapterError, match=r"expert 'summarization'.*another base model.*llama/64/2/4/128"):
        vllm.validate_adapters_for_vllm(served)


def test_missing_files_and_unsupported_features(served):
    folder = vllm.Path(served.expert("medical_qa").adapter)
    (folder / "adapter_model.safetensors").rename(folder / "moved")
    with pytest.raises(AdapterError, match="expert 'medical_qa'.*no adapter_model.safetensors"):
        vllm.validate_adapters_for_vllm(served)
    (folder / "moved").rename(folder / "adapter_model.safetensors")
    cfg = json.loads((folder / "adapter_config.json").read_text())
    (folder / "adapter_config.json").write_text(json.dumps({**cfg, "use_dora": True}))
    with pytest.raises(AdapterError, match="use_dora, which vLLM's LoRA loader does not serve"):
        vllm.validate_adapters_for_vllm(served)
    served.expert("medical_qa").adapter = str(folder.parent / "never-trained")
    with pytest.raises(AdapterError, match="expert 'medical_qa'.*not found.*medrouter train medical_qa"):
        vllm.validate_adapters_for_vllm(served)


@pytest.mark.skipif(vllm.vllm_available(), reason="vLLM is installed here; its absence cannot be tested")
def test_launch_without_vllm_says_how_to_install(served):
    with pytest.raises(vllm.VLLMUnavailableError, match="pip install vllm"):
        vllm.launch_vllm(served, port=8001)
