"""training/launch.py: the accelerate config and command for N processes, on real tiny files."""
from __future__ import annotations

import sys

import pytest
import yaml

from medrouter.core.errors import ConfigError
from training import launch


def _training_yaml(tmp_path, base_dir, **extra):
    data = {"expert": "medical_qa", "base_model": str(base_dir), "output_dir": str(tmp_path / "adapters" / "qa"),
            "data": [{"builder": "medquad", "path": str(tmp_path / "medquad.jsonl")}], **extra}
    p = tmp_path / "train.yaml"
    p.write_text(yaml.safe_dump(data))
    return p


def test_ddp_config_for_gpus_and_one_gpu_baseline():
    two = launch.ddp_config(2, cpu=False, mixed_precision="bf16", port=29511)
    assert two["distributed_type"] == "MULTI_GPU" and two["num_processes"] == 2
    assert two["mixed_precision"] == "bf16" and two["use_cpu"] is False and two["main_process_port"] == 29511
    one = launch.ddp_config(1, cpu=False, mixed_precision="bf16", port=29511)
    assert one["distributed_type"] == "NO" and one["num_processes"] == 1
    cpu_two = launch.ddp_config(2, cpu=True, mixed_precision="no", port=29511)
    # N CPU processes come from accelerate's torchrun launcher; the trainer joins them over gloo
    assert cpu_two["distributed_type"] == "MULTI_GPU" and cpu_two["mixed_precision"] == "no"


def test_fsdp_config_has_the_qlora_options(tiny_base):
    folder, _ = tiny_base
    layers = launch.decoder_layer_classes(folder)
    assert layers == ["LlamaDecoderLayer"]
    cfg = launch.fsdp_config(2, cpu=False, mixed_precision="bf16", port=29512, layer_classes=layers)
    fsdp = cfg["fsdp_config"]
    assert cfg["distributed_type"] == "FSDP"
    assert fsdp["fsdp_auto_wrap_policy"] == "TRANSFORMER_BASED_WRAP"
    assert fsdp["fsdp_transformer_layer_cls_to_wrap"] == "LlamaDecoderLayer"
    assert fsdp["fsdp_use_orig_params"] is False and fsdp["fsdp_cpu_ram_efficient_loading"] is True
    assert fsdp["fsdp_sync_module_states"] is True and fsdp["fsdp_activation_checkpointing"] is False
    with pytest.raises(launch.LaunchError, match="needs CUDA GPUs"):
        launch.fsdp_config(2, cpu=True, mixed_precision="no", port=1, layer_classes=layers)


def test_count_parameters_reads_headers_only(tiny_base):
    folder, model = tiny_base
    assert launch.count_parameters(folder) == sum(p.numel() for p in model.state_dict().values())


def test_auto_strategy_compares_held_weights_with_one_gpu():
    gib80 = 80 * 2**30
    s, why = launch.choose_strategy("auto", mode="qlora", n_params=6.74e9, gpu_bytes=gib80, threshold=0.4)
    assert s == "ddp" and "within" in why
    s, why = launch.choose_strategy("auto", mode="lora-bf16", n_params=70e9, gpu_bytes=gib80, threshold=0.4)
    assert s == "fsdp" and "over" in why
    s, _ = launch.choose_strategy("auto", mode="qlora", n_params=70e9, gpu_bytes=gib80, threshold=0.4)
    assert s == "fsdp"  # 70B in 4 bits is ~37 GiB: over 40% of 80 GiB
    with pytest.raises(launch.LaunchError, match="one GPU's memory"):
        launch.choose_strategy("auto", mode="qlora", n_params=6.74e9, gpu_bytes=None, threshold=0.4)
    assert launch.choose_strategy("ddp", mode="qlora", n_params=None, gpu_bytes=None, threshold=0.4)[0] == "ddp"


def test_plan_fsdp_from_the_training_yaml(tmp_path, tiny_base, monkeypatch):
    folder, _ = tiny_base
    for k in launch.NCCL_ENV:
        monkeypatch.delenv(k, raising=False)
    cfg = _training_yaml(tmp_path, folder, distributed={"strategy": "fsdp", "main_process_port": 29600})
    plan = launch.plan_launch(cfg, num_gpus=2, cpu=False, gpu_memory_gib=80)
    assert plan.strategy == "fsdp" and plan.mode == "qlora" and plan.num_processes == 2
    assert plan.env == launch.NCCL_ENV  # NVLink multicast off on the lent machines
    assert plan.command[:3] == [sys.executable, "-m", "accelerate.commands.launch"]
    i = plan.command.index("-m", 3)
    assert plan.command[i:i + 4] == ["-m", "medrouter.app.cli", "train", str(cfg.resolve())]
    assert plan.config_file == tmp_path / "adapters" / "qa.accelerate.yaml"
    written = launch.write_config(plan)
    text = written.read_text()
    assert "NCCL_NVLS_ENABLE=0" in text  # the launch line is in the file's header
    assert yaml.safe_load(text) == plan.accelerate_config
    assert plan.accelerate_config["main_process_port"] == 29600
    assert "NCCL_NVLS_ENABLE=0 TORCH_SYMM_MEM_DISABLE_MULTICAST=1 NVSHMEM_DISABLE_NVLS=1" in plan.shell()


def test_plan_auto_on_the_cpu_is_ddp_and_flags_override_yaml(tmp_path, tiny_base, monkeypatch):
    folder, _ = tiny_base
    monkeypatch.setenv("NCCL_NVLS_ENABLE", "1")  # the caller's own value wins
    cfg = _training_yaml(tmp_path, folder, mode="auto", quantization="none", distributed={"num_gpus": 4})
    plan = launch.plan_launch(cfg, cpu=True)
    assert plan.strategy == "ddp" and plan.mode == "lora-cpu" and plan.num_processes == 4
    assert plan.env == {}
    plan = launch.plan_launch(cfg, cpu=False, num_gpus=2, strategy="auto", gpu_memory_gib=80)
    assert plan.strategy == "ddp" and plan.mode == "lora-bf16"
    assert "NCCL_NVLS_ENABLE" not in plan.env and plan.env["NVSHMEM_DISABLE_NVLS"] == "1"


def test_bad_distributed_section_and_gpu_mode_on_cpu(tmp_path, tiny_base):
    folder, _ = tiny_base
    with pytest.raises(ConfigError, match="distributed.strategy"):
        launch.plan_launch(_training_yaml(tmp_path, folder, distributed={"strategy": "zero3"}), cpu=True)
    with pytest.raises(launch.LaunchError, match="needs CUDA GPUs"):
        launch.plan_launch(_training_yaml(tmp_path, folder, mode="qlora"), cpu=True)


def test_fsdp_load_kwargs_packs_4bit_weights_for_sharding(monkeypatch):
    import torch
    from transformers import BitsAndBytesConfig

    def kwargs():
        q = BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_compute_dtype=torch.bfloat16)
        return {"dtype": torch.bfloat16, "device_map": {"": 0}, "quantization_config": q}

    monkeypatch.delenv("ACCELERATE_USE_FSDP", raising=False)
    same = launch.fsdp_load_kwargs(kwargs())
    assert same["device_map"] == {"": 0} and same["quantization_config"].bnb_4bit_quant_storage == torch.uint8
    monkeypatch.setenv("ACCELERATE_USE_FSDP", "true")
    out = launch.fsdp_load_kwargs(kwargs())
    assert "device_map" not in out
    assert out["quantization_config"].bnb_4bit_quant_storage == torch.bfloat16 and out["dtype"] == torch.bfloat16


def test_medrouter_train_num_gpus_goes_through_the_launcher(monkeypatch, capsys):
    """`medrouter train CONFIG --num-gpus 2` hands the same config and overrides to training.launch."""
    from medrouter.app.cli import main
    from training import launch

    seen = {}
    monkeypatch.setattr(launch, "main", lambda argv: seen.setdefault("argv", argv) and 0)
    assert main(["train", "training/configs/medical_qa.yaml", "--num-gpus", "2", "--strategy", "fsdp",
                 "--max-steps", "5", "--mode", "qlora", "--resume"]) == 0
    assert seen["argv"][:5] == ["training/configs/medical_qa.yaml", "--num-gpus", "2", "--strategy", "fsdp"]
    assert seen["argv"][5:] == ["--max-steps", "5", "--mode", "qlora", "--resume"]
    # --merge is a one-process step: a clear error, nothing launched
    seen.clear()
    assert main(["train", "training/configs/medical_qa.yaml", "--num-gpus", "2", "--merge"]) == 2
    assert "argv" not in seen and "one process" in capsys.readouterr().err
