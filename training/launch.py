"""Multi-GPU training through accelerate: the same trainer, N processes.

`plan_launch(config, num_gpus=N)` reads a training YAML, picks DDP or FSDP, writes an accelerate
config file beside the adapter folder and returns the command that runs the *unchanged* project
trainer (`python -m medrouter.app.cli train CONFIG`) once per GPU:

    python -m training.launch training/configs/medical_qa.yaml --num-gpus 2          # run it
    python -m training.launch training/configs/medical_qa.yaml --num-gpus 2 --dry-run  # print it

which amounts to

    NCCL_NVLS_ENABLE=0 TORCH_SYMM_MEM_DISABLE_MULTICAST=1 NVSHMEM_DISABLE_NVLS=1 \
    accelerate launch --config_file adapters/medical_qa.accelerate.yaml -m medrouter.app.cli train CONFIG

Strategies (a registry, `STRATEGIES`):
- ddp: every GPU holds the whole (4-bit or bf16) model; gradients of the LoRA weights are
  all-reduced. Fastest while the model fits one GPU.
- fsdp: parameters sharded over the GPUs (FSDP1 through accelerate, the path peft and bitsandbytes
  document for FSDP + QLoRA: `fsdp_use_orig_params: false`, `fsdp_cpu_ram_efficient_loading: true`,
  transformer-layer auto-wrap; the trainer loads the 4-bit weights with `bnb_4bit_quant_storage`
  = bf16 so FSDP can shard them, see `fsdp_load_kwargs`).
- auto: fsdp when the weights as the mode holds them exceed `fsdp_threshold` of one GPU's memory.

Distributed work is accelerate's and torch's (DDP, FSDP, NCCL/gloo); nothing here talks between
processes. Without a GPU the same plan runs N CPU processes over gloo (tests, tiny smoke runs).
"""
from __future__ import annotations

import argparse
import json
import os
import shlex
import socket
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from medrouter.core.atomic import write_atomic
from medrouter.core.errors import ConfigError, MedrouterError, ModelNotFoundError, UsageError

# The lent multi-GPU machines must keep NVLink multicast (NVLS) off: NCCL, torch's symmetric
# memory and NVSHMEM each try it by default. Set only where the caller's environment has no value.
NCCL_ENV = {"NCCL_NVLS_ENABLE": "0", "TORCH_SYMM_MEM_DISABLE_MULTICAST": "1", "NVSHMEM_DISABLE_NVLS": "1"}

# Bytes one base-model parameter occupies on the GPU in each training mode (training/fastpath.py
# MODES): NF4 is 4 bits plus double-quantised block constants (~0.5 bit); bf16 2; fp32 4.
BYTES_PER_PARAM = {"qlora": 0.5625, "lora-bf16": 2.0, "lora-cpu": 4.0}


class LaunchError(MedrouterError):
    """A multi-process launch cannot be planned or did not finish."""

    exit_code = 2


class DistributedSettings(BaseModel):
    """The optional `distributed:` section of a training YAML (command-line flags override it)."""

    model_config = ConfigDict(extra="forbid")

    strategy: Literal["auto", "ddp", "fsdp"] = Field(
        default="auto", description="auto: fsdp when the held weights exceed fsdp_threshold of one GPU")
    num_gpus: int | None = Field(default=None, ge=1, description="processes, one per GPU (default: all visible)")
    fsdp_threshold: float = Field(
        default=0.4, gt=0.0, le=1.0,
        description="fraction of one GPU's memory the weights may take before auto picks fsdp; the rest "
                    "is for activations, LoRA optimizer state and the CUDA context")
    fsdp_offload_params: bool = Field(default=False, description="FSDP CPU offload: fits bigger models, much slower")
    main_process_port: int | None = Field(default=None, ge=1024, le=65535, description="default: a free port")


@dataclass
class LaunchPlan:
    strategy: str  # "ddp" | "fsdp" (after auto)
    reason: str  # why this strategy, for the user
    num_processes: int
    mode: str  # training/fastpath.py mode the trainer will use
    accelerate_config: dict
    config_file: Path  # where accelerate_config is written
    command: list[str]
    env: dict[str, str] = field(default_factory=dict)  # added to the caller's environment

    def shell(self) -> str:
        """The command as one line a user can paste (environment first)."""
        env = " ".join(f"{k}={shlex.quote(v)}" for k, v in self.env.items())
        return (env + " " if env else "") + shlex.join(self.command)


# --------------------------------------------------------------------------------------------
# Model facts, read from the checkpoint's files without loading any weight


def count_parameters(model_dir: str | os.PathLike) -> int:
    """Parameters of a safetensors checkpoint, from the file headers only."""
    from safetensors import safe_open

    files = sorted(Path(model_dir).glob("*.safetensors"))
    if not files:
        raise ModelNotFoundError(f"{model_dir} has no *.safetensors weights (needed to size the launch)")
    total = 0
    for f in files:
        with safe_open(str(f), framework="pt") as fh:
            for key in fh.keys():
                n = 1
                for d in fh.get_slice(key).get_shape():
                    n *= d
                total += n
    return total


def decoder_layer_classes(model_dir: str | os.PathLike) -> list[str]:
    """The transformer block class(es) FSDP wraps one by one (LlamaDecoderLayer for Llama): the
    model class's own `_no_split_modules`, the list transformers keeps for exactly this purpose."""
    import transformers

    cfg_file = Path(model_dir) / "config.json"
    try:
        archs = json.loads(cfg_file.read_text(encoding="utf-8")).get("architectures") or []
    except (OSError, ValueError) as exc:
        raise ModelNotFoundError(f"cannot read {cfg_file}: {exc}") from None
    for arch in archs:
        cls = getattr(transformers, arch, None)
        names = list(getattr(cls, "_no_split_modules", None) or [])
        if names:
            return names
    raise LaunchError(f"{model_dir}: cannot tell the decoder layer class of architectures {archs} for FSDP "
                      "auto-wrap; use strategy: ddp")


def gpu_memory_bytes() -> int | None:
    import torch

    return torch.cuda.get_device_properties(0).total_memory if torch.cuda.is_available() else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --------------------------------------------------------------------------------------------
# accelerate config files, one builder per strategy


def _common(num_processes: int, *, cpu: bool, mixed_precision: str, port: int) -> dict:
    return {
        "compute_environment": "LOCAL_MACHINE",
        "debug": False,
        "machine_rank": 0,
        "num_machines": 1,
        "num_processes": num_processes,
        "main_process_port": port,
        "mixed_precision": mixed_precision,
        "rdzv_backend": "static",
        "same_network": True,
        "use_cpu": cpu,
        "downcast_bf16": "no",
    }


def ddp_config(n: int, *, cpu: bool, mixed_precision: str, port: int, **_) -> dict:
    cfg = _common(n, cpu=cpu, mixed_precision=mixed_precision, port=port)
    # n == 1: the 1-GPU baseline goes through the same launcher. On the CPU, accelerate's own
    # MULTI_CPU launch needs mpirun; its torchrun launcher (MULTI_GPU) starts the N processes just
    # as well, and each joins over gloo because the trainer asks for the CPU (init_distributed).
    cfg["distributed_type"] = "NO" if n == 1 else "MULTI_GPU"
    cfg["gpu_ids"] = "all"
    cfg["use_cpu"] = cpu and n == 1
    return cfg


def fsdp_config(n: int, *, cpu: bool, mixed_precision: str, port: int, layer_classes: Sequence[str],
                offload_params: bool = False, **_) -> dict:
    if cpu:
        raise LaunchError("strategy fsdp needs CUDA GPUs (accelerate launches FSDP through torchrun on GPUs); "
                          "use strategy: ddp on the CPU")
    cfg = _common(n, cpu=False, mixed_precision=mixed_precision, port=port)
    cfg["distributed_type"] = "FSDP"
    cfg["fsdp_config"] = {
        # FSDP1: the version transformers' Trainer adapts for peft (LoRA layers wrapped apart from
        # the frozen base; mixed precision set to the 4-bit storage dtype for QLoRA).
        "fsdp_version": 1,
        "fsdp_auto_wrap_policy": "TRANSFORMER_BASED_WRAP",
        "fsdp_transformer_layer_cls_to_wrap": ",".join(layer_classes),
        "fsdp_sharding_strategy": "FULL_SHARD",
        "fsdp_backward_prefetch": "BACKWARD_PRE",
        "fsdp_forward_prefetch": False,
        # rank 0 reads the checkpoint, the others start on the meta device and receive their shards:
        # N processes never each hold a full copy of the weights in CPU RAM.
        "fsdp_cpu_ram_efficient_loading": True,
        "fsdp_sync_module_states": True,
        # peft + FSDP: False is what saves memory (frozen and trainable weights in separate flat
        # params, via peft's auto-wrap policy, which the Trainer swaps in).
        "fsdp_use_orig_params": False,
        "fsdp_offload_params": offload_params,
        # checkpoints are sharded (fast, resumable); the final adapter is saved with a full state
        # dict (`prepare_final_save`), so it is the same save_pretrained folder as on one GPU.
        "fsdp_state_dict_type": "SHARDED_STATE_DICT",
        # the trainer's (non-reentrant) gradient checkpointing; both at once is refused by transformers
        "fsdp_activation_checkpointing": False,
    }
    return cfg


STRATEGIES: dict[str, Callable[..., dict]] = {"ddp": ddp_config, "fsdp": fsdp_config}


def choose_strategy(strategy: str, *, mode: str, n_params: int | None, gpu_bytes: int | None,
                    threshold: float) -> tuple[str, str]:
    """(strategy, reason). `auto` compares the weights as the mode holds them to one GPU."""
    if strategy != "auto":
        if strategy not in STRATEGIES:
            raise UsageError(f"unknown strategy {strategy!r}; known: auto, {', '.join(STRATEGIES)}")
        return strategy, f"strategy {strategy} requested"
    if mode == "lora-cpu":
        return "ddp", "CPU processes (gloo): ddp"
    if n_params is None or gpu_bytes is None:
        raise LaunchError("strategy auto needs the model's size and one GPU's memory; run where the GPUs are, "
                          "pass --gpu-memory-gib, or set strategy: ddp | fsdp")
    held = n_params * BYTES_PER_PARAM[mode]
    limit = threshold * gpu_bytes
    verdict = "fsdp" if held > limit else "ddp"
    return verdict, (f"{mode} holds {n_params / 1e9:.2f}B params in {held / 2**30:.1f} GiB; "
                     f"{'over' if verdict == 'fsdp' else 'within'} {threshold:.0%} of one GPU "
                     f"({gpu_bytes / 2**30:.0f} GiB): {verdict}")


# --------------------------------------------------------------------------------------------
# Planning


def read_training_yaml(path: str | os.PathLike):
    """(TrainConfig, DistributedSettings): the training YAML with its optional `distributed:` section."""
    from .config import parse_train_config

    from medrouter.core.config import read_yaml

    p = Path(path)
    data = read_yaml(p, "training config")
    dist_data = data.pop("distributed", None) if isinstance(data, dict) else None
    try:
        dist = DistributedSettings.model_validate(dist_data or {})
    except ValidationError as exc:
        raise ConfigError([f"distributed.{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()],
                          str(p)) from None
    return parse_train_config(data, str(p.resolve())), dist


def base_model_dir(cfg) -> Path:
    """The HF folder the trainer will load: the training YAML's base_model, else experts.yaml's."""
    from medrouter.core.config import load_config
    from medrouter.core.models import resolve_lm_path

    if cfg.base_model:
        path = cfg.base_model if cfg.base_model.startswith("embedded:") else cfg.resolve(cfg.base_model)
        return resolve_lm_path(path)
    settings = load_config(cfg.resolve(cfg.experts_config) if cfg.experts_config else None)
    bm = settings.base_model
    return resolve_lm_path(bm.path, bm.gguf_file, settings.cache_dir)


def accelerate_command(config_file: str | os.PathLike, *program: str) -> list[str]:
    """`accelerate launch --config_file F PROGRAM...` with this interpreter's accelerate."""
    return [sys.executable, "-m", "accelerate.commands.launch", "--config_file", str(config_file), *program]


def plan_launch(config: str | os.PathLike, *, num_gpus: int | None = None, strategy: str | None = None,
                cpu: bool | None = None, gpu_memory_gib: float | None = None,
                config_file: str | os.PathLike | None = None, train_args: Sequence[str] = ()) -> LaunchPlan:
    """Everything needed to run `config` on N processes; writes nothing (see `write_config`)."""
    cfg, dist = read_training_yaml(config)
    if cpu is None:  # planning for GPUs of a given size works on any machine
        import torch

        cpu = gpu_memory_gib is None and not torch.cuda.is_available()
    n = num_gpus or dist.num_gpus
    if n is None:
        import torch

        n = 1 if cpu else torch.cuda.device_count()
    if n < 1:
        raise UsageError(f"--num-gpus must be at least 1 (got {n})")
    mode = cfg.resolved_mode(cuda_available=not cpu)
    if cpu and mode != "lora-cpu":
        raise LaunchError(f"mode {mode} needs CUDA GPUs; on the CPU use mode: lora-cpu (or mode: auto)")
    wanted = strategy or dist.strategy
    model_dir = None
    n_params = None
    if wanted in ("auto", "fsdp"):
        model_dir = base_model_dir(cfg)
        n_params = count_parameters(model_dir) if wanted == "auto" else None
    gpu_bytes = int(gpu_memory_gib * 2**30) if gpu_memory_gib else (None if cpu else gpu_memory_bytes())
    chosen, reason = choose_strategy(wanted, mode=mode, n_params=n_params, gpu_bytes=gpu_bytes,
                                     threshold=dist.fsdp_threshold)
    layer_classes = decoder_layer_classes(model_dir or base_model_dir(cfg)) if chosen == "fsdp" else ()
    accel = STRATEGIES[chosen](
        n, cpu=cpu, mixed_precision="no" if mode == "lora-cpu" else "bf16",
        port=dist.main_process_port or free_port(), layer_classes=layer_classes,
        offload_params=dist.fsdp_offload_params)
    out_dir = Path(cfg.resolve(cfg.output_dir))
    target = Path(config_file) if config_file else out_dir.with_name(out_dir.name + ".accelerate.yaml")
    command = accelerate_command(target, "-m", "medrouter.app.cli", "train", str(Path(config).resolve()), *train_args)
    env = {} if cpu else {k: v for k, v in NCCL_ENV.items() if k not in os.environ}
    return LaunchPlan(strategy=chosen, reason=reason, num_processes=n, mode=mode, accelerate_config=accel,
                      config_file=target, command=command, env=env)


def write_accelerate_config(config: dict, target: str | os.PathLike, comments: Sequence[str] = ()) -> Path:
    """Write an accelerate config YAML atomically, `# comments` first."""
    text = "".join(f"# {line}\n" for line in comments) + yaml.safe_dump(config, sort_keys=True)
    return write_atomic(target, text)


def write_config(plan: LaunchPlan) -> Path:
    return write_accelerate_config(plan.accelerate_config, plan.config_file,
                                   ["written by training/launch.py; launch with:", f"  {plan.shell()}", plan.reason])


def run_plan(plan: LaunchPlan) -> int:
    """Write the config and run the launch in the foreground; returns its exit status."""
    import importlib.util

    if importlib.util.find_spec("accelerate") is None:
        raise LaunchError("accelerate is not installed; run: pip install 'accelerate>=1.10'")
    write_config(plan)
    print(f"medrouter: {plan.reason}; launching {plan.num_processes} process(es): {plan.shell()}",
          file=sys.stderr, flush=True)
    return subprocess.run(plan.command, env={**os.environ, **plan.env}).returncode


# --------------------------------------------------------------------------------------------
# What the trainer calls inside each launched process


def init_distributed():
    """Join the process group accelerate launched (no-op in a plain single process) and pin this
    process to its own GPU, so `device_map={"": torch.cuda.current_device()}` loads on it."""
    import torch
    from accelerate import PartialState

    return PartialState(cpu=not torch.cuda.is_available())


def is_fsdp_launch() -> bool:
    """True inside a process `accelerate launch` started with an FSDP config."""
    return os.environ.get("ACCELERATE_USE_FSDP", "false").lower() in ("1", "true", "yes")


def fsdp_load_kwargs(kwargs: dict) -> dict:
    """Adjust `from_pretrained` keyword arguments for FSDP (returns a new dict).

    FSDP places and shards the weights itself, so no `device_map`; FSDP shards only floating-point
    tensors, so 4-bit weights are packed into the compute dtype (`bnb_4bit_quant_storage`), and the
    model dtype matches it (peft/bitsandbytes "FSDP-QLoRA")."""
    if not is_fsdp_launch():
        return dict(kwargs)
    out = {k: v for k, v in kwargs.items() if k != "device_map"}
    quant = out.get("quantization_config")
    if quant is not None and getattr(quant, "load_in_4bit", False):
        storage = getattr(quant, "bnb_4bit_compute_dtype", None) or out.get("dtype")
        quant.bnb_4bit_quant_storage = storage
        out["dtype"] = storage
    return out


def prepare_final_save(trainer) -> None:
    """Before `trainer.save_model()`: under FSDP gather a full state dict, so the adapter folder is
    the same single `adapter_model.safetensors` one GPU writes (checkpoints stay sharded)."""
    plugin = getattr(getattr(trainer, "accelerator", None), "state", None)
    plugin = getattr(plugin, "fsdp_plugin", None)
    if plugin is not None:
        plugin.set_state_dict_type("FULL_STATE_DICT")


# --------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m training.launch", description=__doc__.splitlines()[0])
    p.add_argument("config", help="training YAML (training/configs/<expert>.yaml)")
    p.add_argument("--num-gpus", type=int, default=None, help="processes, one per GPU (default: all visible)")
    p.add_argument("--strategy", choices=["auto", *STRATEGIES], default=None)
    p.add_argument("--cpu", action="store_true", help="N CPU processes over gloo (smoke runs)")
    p.add_argument("--gpu-memory-gib", type=float, default=None, help="plan for GPUs of this size (auto strategy)")
    p.add_argument("--config-file", default=None, help="where to write the accelerate config")
    p.add_argument("--dry-run", action="store_true", help="write the config and print the command; run nothing")
    args, train_args = p.parse_known_args(argv)
    try:
        plan = plan_launch(args.config, num_gpus=args.num_gpus, strategy=args.strategy,
                           cpu=True if args.cpu else None, gpu_memory_gib=args.gpu_memory_gib,
                           config_file=args.config_file, train_args=train_args)
        if args.dry_run:
            write_config(plan)
            print(json.dumps({"strategy": plan.strategy, "reason": plan.reason, "num_processes": plan.num_processes,
                              "mode": plan.mode, "config_file": str(plan.config_file), "command": plan.shell()},
                             indent=2))
            return 0
        return run_plan(plan)
    except MedrouterError as exc:
        print(f"medrouter: error: {exc}", file=sys.stderr)
        return exc.exit_code


if __name__ == "__main__":
    sys.exit(main())
