"""One training run = one YAML file (`training/configs/<expert>.yaml`), validated here.

Every problem is reported at once with its YAML path (torchtune-style), as a `ConfigError`.
Relative paths in the YAML are relative to the repository root when they exist there, else to the
YAML file's folder.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from medrouter.core.config import error_location
from medrouter.core.errors import ConfigError

REPO_ROOT = Path(__file__).resolve().parent.parent
CONFIG_DIR = Path(__file__).resolve().parent / "configs"


class SourceSpec(BaseModel):
    """One data source: a registered builder applied to a dataset, with a mixing weight."""

    model_config = ConfigDict(extra="forbid")

    builder: str = Field(description="registered builder name (training/data.py BUILDERS)")
    path: str | None = Field(default=None, description="local file/folder or hub dataset name (load_dataset)")
    split: str = "train"
    weight: float = Field(default=1.0, gt=0.0, description="share of the mixed training set")
    rows: str | None = Field(default=None, pattern=r"^-?\d*:-?\d*$",
                             description="python slice of the source rows, e.g. ':130' (keep the rest held out)")
    limit: int | None = Field(default=None, ge=1, description="use at most this many source rows")
    options: dict = Field(default_factory=dict, description="builder-specific options")


class LoraSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    r: int = Field(default=8, ge=1, le=512)
    alpha: int = Field(default=16, ge=1)
    dropout: float = Field(default=0.05, ge=0.0, lt=1.0)
    # attention + MLP projections of Llama-style models; "all-linear" also works
    target_modules: list[str] | str = Field(
        default_factory=lambda: ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"])
    top_layers: int | None = Field(
        default=None, ge=1, description="adapt only the top N decoder layers (backward stops below them: faster on CPU)")
    save_dtype: Literal["float32", "float16", "bfloat16"] = Field(
        default="float16", description="dtype of the saved adapter weights (fp16 halves the file, loads back exactly enough)")


class TrainingSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    max_length: int = Field(default=768, ge=32, description="tokens per example (prompt + answer)")
    num_examples: int = Field(default=400, ge=1, description="size of the mixed training set")
    epochs: float = Field(default=1.0, gt=0.0)
    max_steps: int = Field(default=-1, description="> 0 overrides epochs")
    learning_rate: float = Field(default=2e-4, gt=0.0)
    lr_scheduler: str = "cosine"
    warmup_ratio: float = Field(default=0.05, ge=0.0, lt=1.0)
    weight_decay: float = Field(default=0.0, ge=0.0)
    micro_batch_tokens: int | None = Field(default=None, ge=32, description="tokens per micro-batch (None: the mode's default)")
    gradient_accumulation_steps: int = Field(default=1, ge=1)
    save_steps: int = Field(default=25, ge=1, description="checkpoint every N steps (resumable)")
    logging_steps: int = Field(default=5, ge=1)
    seed: int = 0
    cpu_threads: int | None = Field(default=None, ge=1, description="torch threads on the CPU (1 is faster on a busy shared machine)")
    keep_checkpoints: bool = Field(default=False, description="keep <output>.checkpoints after a successful run")


class EvalSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    held_out_dir: str = Field(default="data/train/held_out", description="held-out JSONL files per task")
    files: dict[str, SourceSpec] = Field(
        default_factory=dict, description="task -> held-out chat source where held_out_dir has no <task>.jsonl")
    max_per_task: int = Field(default=12, ge=1)
    batch_size: int = Field(default=8, ge=1)


class TrainConfig(BaseModel):
    """A training run for one expert."""

    model_config = ConfigDict(extra="forbid")

    expert: str = Field(description="expert name in experts.yaml (its system prompt is used for every example)")
    experts_config: str | None = Field(default=None, description="experts.yaml (default: the shipped one)")
    base_model: str | None = Field(default=None, description="override base_model.path of experts.yaml")
    output_dir: str = Field(description="adapter folder to write (save_pretrained)")
    mode: Literal["auto", "qlora", "lora-bf16", "lora-cpu"] = Field(
        default="auto", description="auto: qlora/lora-bf16 on CUDA (by `quantization`), lora-cpu without a GPU")
    quantization: Literal["nf4", "none"] = Field(default="nf4", description="nf4 = QLoRA where CUDA is available")
    lora: LoraSettings = Field(default_factory=LoraSettings)
    training: TrainingSettings = Field(default_factory=TrainingSettings)
    data: list[SourceSpec] = Field(min_length=1)
    eval: EvalSettings = Field(default_factory=EvalSettings)

    source_path: str | None = Field(default=None, exclude=True)

    @model_validator(mode="after")
    def _check_combinations(self):
        problems = []
        if self.mode == "qlora" and self.quantization != "nf4":
            problems.append("mode: qlora needs quantization: nf4")
        if self.mode in ("lora-bf16", "lora-cpu") and self.quantization == "nf4":
            problems.append(f"mode: {self.mode} does not quantize; set quantization: none or mode: auto")
        if self.lora.alpha < self.lora.r // 4:
            problems.append("lora.alpha: far below r; the adapter would barely move the model")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    # ---- helpers -------------------------------------------------------------------------------
    def resolve(self, p: str | None) -> str | None:
        """Relative paths: from the repository root for a YAML inside the repository (configs name
        data/…, adapters/…), else from the YAML file's folder."""
        if p is None:
            return None
        q = Path(os.path.expanduser(p))
        if q.is_absolute():
            return str(q)
        src = Path(self.source_path) if self.source_path else None
        base = REPO_ROOT if src is None or REPO_ROOT in src.parents else src.parent
        return str(base / q)

    def resolve_source_path(self, p: str | None) -> str | None:
        """A source path: a local path when it exists (resolved), else left as a hub dataset name."""
        if p is None:
            return None
        resolved = self.resolve(p)
        return resolved if Path(resolved).exists() else p

    def resolved_mode(self, cuda_available: bool | None = None) -> str:
        if self.mode != "auto":
            return self.mode
        if cuda_available is None:
            import torch

            cuda_available = torch.cuda.is_available()
        if not cuda_available:
            return "lora-cpu"
        return "qlora" if self.quantization == "nf4" else "lora-bf16"


def parse_train_config(data, source: str | None = None) -> TrainConfig:
    if not isinstance(data, dict):
        raise ConfigError("a training config must be a mapping (expert, output_dir, data, ...)", source)
    try:
        cfg = TrainConfig.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            msg = err["msg"].removeprefix("Value error, ")
            problems.append(f"{error_location(err['loc'])}: {msg}")
        raise ConfigError(problems, source) from None
    problems = []
    from .data import BUILDERS  # registry check, collected with the rest

    for i, s in enumerate(cfg.data):
        if s.builder not in BUILDERS:
            problems.append(f"data[{i}].builder: unknown builder '{s.builder}'; known: {', '.join(sorted(BUILDERS))}")
        elif BUILDERS[s.builder].needs_path and not s.path:
            problems.append(f"data[{i}].path: builder '{s.builder}' needs a path (local file or hub dataset name)")
    if problems:
        raise ConfigError(problems, source)
    cfg.source_path = source
    return cfg


def load_train_config(path: str | os.PathLike) -> TrainConfig:
    from medrouter.core.config import read_yaml

    p = Path(path)
    return parse_train_config(read_yaml(p, "training config"), str(p.resolve()))


def config_for_expert(name: str) -> Path:
    """The shipped training config of an expert (`training/configs/<name>.yaml`)."""
    p = CONFIG_DIR / f"{name}.yaml"
    if not p.is_file():
        known = ", ".join(sorted(q.stem for q in CONFIG_DIR.glob("*.yaml")))
        raise ConfigError(f"no training config for expert '{name}' ({p}); shipped: {known}")
    return p
