"""`medrouter train`: one multi-task SFT run that makes one expert adapter.

    config YAML -> data builders -> weighted mix -> fit to max_length -> trl prompt/completion rows
    -> fastpath.load_model_for_training + SFTTrainer (LoRA/QLoRA, completion-only loss incl. <|im_end|>)
    -> save_pretrained adapter folder (atomic) [+ merged full model (atomic)]

The adapter folder is a normal peft folder plus what the runtime and users need: tokenizer,
generation_config.json whose eos ids include the end-of-turn token, `base_model_signature` in
adapter_config.json, training_report.json, and a model card (README.md).
"""
from __future__ import annotations

import json
import logging
import shutil
import time
from pathlib import Path

from medrouter.core.atomic import atomic_folder, write_atomic
from medrouter.core.errors import ConfigError

from . import data as D
from .config import TrainConfig

log = logging.getLogger(__name__)


# --------------------------------------------------------------------------------------------
# Inputs


def load_settings(cfg: TrainConfig):
    from medrouter.core.config import load_config

    return load_config(cfg.resolve(cfg.experts_config) if cfg.experts_config else None)


def base_model_ref(cfg: TrainConfig, settings) -> str:
    return cfg.base_model or settings.base_model.path


def resolve_base(cfg: TrainConfig, settings) -> Path:
    """The HF folder of the base model (an embedded GGUF is converted once into the cache)."""
    from medrouter.core.models import resolve_lm_path

    if cfg.base_model:
        ref = cfg.base_model if cfg.base_model.startswith("embedded:") else cfg.resolve(cfg.base_model)
        return resolve_lm_path(ref, None, settings.cache_dir)
    return resolve_lm_path(settings.base_model.path, settings.base_model.gguf_file, settings.cache_dir)


def build_examples(cfg: TrainConfig, settings, tokenizer):
    """The mixed, length-fitted examples of a config, as trl rows; and the mix report."""
    spec = settings.expert(cfg.expert)
    ctx = D.BuildContext(refusal_reply=" ".join(settings.out_of_scope_reply.split()), seed=cfg.training.seed)
    sources = []
    for i, s in enumerate(cfg.data):
        exs = D.build_source(s, ctx, path=cfg.resolve_source_path(s.path))
        name = f"{i}:{s.builder}:{Path(s.path).name if s.path else s.builder}"
        sources.append((name, s.weight, exs))
    mixed, report = D.mix(sources, cfg.training.num_examples, seed=cfg.training.seed)
    system = spec.system_prompt.strip()
    fitted = D.fit_to_length(mixed, system, tokenizer, cfg.training.max_length, report)
    if not fitted:
        raise D.DataError(f"no example fits max_length={cfg.training.max_length}; raise training.max_length")
    return D.to_prompt_completion(fitted, system), report


# --------------------------------------------------------------------------------------------
# Training


def _sft_config(cfg: TrainConfig, mode: str, out: Path):
    from trl import SFTConfig

    from . import fastpath

    t = cfg.training
    kwargs = fastpath.sft_config_kwargs(mode, max_length=t.max_length, micro_batch_tokens=t.micro_batch_tokens)
    kwargs["gradient_accumulation_steps"] = t.gradient_accumulation_steps
    return SFTConfig(
        output_dir=str(out),
        num_train_epochs=t.epochs,
        max_steps=t.max_steps,
        learning_rate=t.learning_rate,
        lr_scheduler_type=t.lr_scheduler,
        warmup_steps=t.warmup_ratio,  # a float in [0, 1) is a ratio of the total steps
        weight_decay=t.weight_decay,
        logging_steps=t.logging_steps,
        logging_first_step=True,
        save_strategy="steps",
        save_steps=t.save_steps,
        save_total_limit=2,
        seed=t.seed,
        data_seed=t.seed,
        report_to="none",
        completion_only_loss=True,  # loss on the assistant turn only (its <|im_end|> included)
        include_num_input_tokens_seen="non_padding",
        disable_tqdm=False,  # progress bar
        **kwargs,
    )


def make_trainer(cfg: TrainConfig, settings, base_path: Path, mode: str, work_dir: Path):
    """Model, data and SFTTrainer, ready to train (tests inspect its tokenized dataset)."""
    from datasets import Dataset
    from trl import SFTTrainer

    from . import fastpath

    if cfg.training.cpu_threads and mode == "lora-cpu":
        import torch

        torch.set_num_threads(cfg.training.cpu_threads)
    model, tokenizer = fastpath.load_model_for_training(str(base_path), mode)
    rows, report = build_examples(cfg, settings, tokenizer)
    dataset = Dataset.from_list([{"prompt": r["prompt"], "completion": r["completion"]} for r in rows])
    lc = cfg.lora
    peft_cfg = fastpath.lora_config(mode, r=lc.r, alpha=lc.alpha, dropout=lc.dropout, target_modules=lc.target_modules)
    if lc.top_layers:
        n = model.config.num_hidden_layers
        peft_cfg.layers_to_transform = list(range(max(0, n - lc.top_layers), n))
    trainer = SFTTrainer(model=model, args=_sft_config(cfg, mode, work_dir), train_dataset=dataset,
                         processing_class=tokenizer, peft_config=peft_cfg)
    return trainer, tokenizer, rows, report


def checkpoints_dir(output_dir: Path) -> Path:
    return output_dir.parent / f".{output_dir.name}.checkpoints"


def train(cfg: TrainConfig, *, resume: bool = False, merge_dir: str | None = None, command: str | None = None,
          cuda_available: bool | None = None) -> dict:
    """Train the adapter of `cfg` and write it (and optionally the merged model). Returns the report."""
    from transformers.trainer_utils import get_last_checkpoint

    settings = load_settings(cfg)
    settings.expert(cfg.expert)  # unknown expert -> clear error before any model loads
    base_path = resolve_base(cfg, settings)
    mode = cfg.resolved_mode(cuda_available)
    out = Path(cfg.resolve(cfg.output_dir))
    ck = checkpoints_dir(out)
    last = get_last_checkpoint(str(ck)) if resume and ck.is_dir() else None
    if resume and last is None:
        log.warning("--resume: no checkpoint in %s; starting from the beginning", ck)
    if not resume and ck.exists():
        shutil.rmtree(ck)
    trainer, tokenizer, rows, mix_report = make_trainer(cfg, settings, base_path, mode, ck)
    t0 = time.perf_counter()
    result = trainer.train(resume_from_checkpoint=last)
    wall = time.perf_counter() - t0
    state = trainer.state
    tokens = int(getattr(state, "num_input_tokens_seen", 0) or 0)
    runtime = float(result.metrics.get("train_runtime", wall)) or wall
    losses = [h["loss"] for h in state.log_history if "loss" in h]
    report = {
        "expert": cfg.expert,
        "base_model": base_model_ref(cfg, settings),
        "mode": mode,
        "applied": getattr(trainer.model, "medrouter_fastpath", {}).get("applied", []),
        "command": command,
        "resumed_from": last,
        "examples": len(rows),
        "data": mix_report.to_dict(),
        "steps": state.global_step,
        "train_loss": round(float(result.training_loss), 4),
        "first_loss": round(losses[0], 4) if losses else None,
        "last_loss": round(losses[-1], 4) if losses else None,
        "tokens_seen": tokens,
        "train_runtime_s": round(runtime, 1),
        "tokens_per_s": round(tokens / runtime, 1) if runtime and tokens else None,
        "lora": cfg.lora.model_dump(),
        "max_length": cfg.training.max_length,
    }
    save_adapter(trainer.model, tokenizer, out, cfg, settings, report)
    if not cfg.training.keep_checkpoints:
        shutil.rmtree(ck, ignore_errors=True)
    if merge_dir:
        report["merged"] = str(merge_adapter(out, base_path, Path(merge_dir)))
    return report


# --------------------------------------------------------------------------------------------
# Artifacts


def generation_config_for(model, tokenizer):
    """The base generation config with every stop id (EOS + end-of-turn) and a pad id."""
    from transformers import GenerationConfig

    from experts.stopping import stop_token_ids

    base = getattr(model, "generation_config", None)
    gc = GenerationConfig.from_dict(base.to_dict()) if base is not None else GenerationConfig()
    gc.eos_token_id = stop_token_ids(tokenizer, model)
    gc.pad_token_id = tokenizer.pad_token_id
    gc.bos_token_id = tokenizer.bos_token_id if tokenizer.bos_token_id is not None else gc.bos_token_id
    return gc


def _cast_safetensors(path: Path, dtype_name: str) -> None:
    import torch
    from safetensors.torch import load_file, save_file

    dtype = getattr(torch, dtype_name)
    tensors = load_file(str(path))
    cast = {k: (v.to(dtype) if v.is_floating_point() else v).contiguous() for k, v in tensors.items()}
    save_file(cast, str(path), metadata={"format": "pt"})


def base_model_signature(config) -> str:
    """The shape string the runtime checks adapters against (experts/vllm.py SIGNATURE_FIELDS)."""
    from experts.vllm import base_signature

    return base_signature(config.to_dict())


def save_adapter(peft_model, tokenizer, out: Path, cfg: TrainConfig, settings, report: dict) -> Path:
    base_config = peft_model.get_base_model().config
    with atomic_folder(out) as tmp:
        peft_model.save_pretrained(str(tmp), safe_serialization=True)
        weights = tmp / "adapter_model.safetensors"
        if cfg.lora.save_dtype != "float32":
            _cast_safetensors(weights, cfg.lora.save_dtype)
        acfg_path = tmp / "adapter_config.json"
        acfg = json.loads(acfg_path.read_text())
        acfg["base_model_name_or_path"] = report["base_model"]
        acfg["base_model_signature"] = base_model_signature(base_config)
        acfg_path.write_text(json.dumps(acfg, indent=2, sort_keys=True) + "\n")
        tokenizer.save_pretrained(str(tmp))
        generation_config_for(peft_model.get_base_model(), tokenizer).save_pretrained(str(tmp))
        report = dict(report, adapter_bytes=weights.stat().st_size)
        (tmp / "training_report.json").write_text(json.dumps(report, indent=2) + "\n")
        (tmp / "README.md").write_text(model_card(report, settings.expert(cfg.expert)))
    log.info("adapter written: %s", out)
    return out


def merge_adapter(adapter_dir: Path, base_path: Path, dest: Path) -> Path:
    """Merge the adapter into the base weights: a full model folder plain transformers can load."""
    import torch
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from experts.adapters import peft_accepts_our_keys

    base = AutoModelForCausalLM.from_pretrained(str(base_path), dtype=torch.float32)
    with peft_accepts_our_keys():
        merged = PeftModel.from_pretrained(base, str(adapter_dir)).merge_and_unload()
    tokenizer = AutoTokenizer.from_pretrained(str(adapter_dir))
    merged.config.use_cache = True
    merged.generation_config = generation_config_for(merged, tokenizer)
    with atomic_folder(dest) as tmp:
        merged.save_pretrained(str(tmp), safe_serialization=True)
        tokenizer.save_pretrained(str(tmp))
        merged.generation_config.save_pretrained(str(tmp))
        card = (adapter_dir / "README.md").read_text() if (adapter_dir / "README.md").is_file() else ""
        (tmp / "README.md").write_text(card.replace("library_name: peft", "library_name: transformers", 1)
                                       + f"\n\nThis folder is the adapter `{adapter_dir.name}` merged into its base model.\n")
    log.info("merged model written: %s", dest)
    return dest


def model_card(report: dict, expert, eval_report: dict | None = None) -> str:
    d = report["data"]
    src_lines = "\n".join(
        f"| `{name}` | {v['weight']} | {v['available']} | {v['used']}{' (upsampled)' if v['upsampled'] else ''} |"
        for name, v in d["per_source"].items())
    task_lines = ", ".join(f"{k}: {v}" for k, v in sorted(d["per_task"].items()))
    ev = ""
    if eval_report:
        ev = "\n## Evaluation (`medrouter eval expert " + expert.name + "`)\n\n```json\n" + \
             json.dumps(eval_report.get("summary", eval_report), indent=2) + "\n```\n"
    return f"""---
library_name: peft
license: apache-2.0
tags: [medrouter, lora, medical, {expert.name}]
---

# medrouter expert adapter: `{expert.name}`

{expert.description or ''}

LoRA adapter (r={report['lora']['r']}, alpha={report['lora']['alpha']}, targets {report['lora']['target_modules']},
weights stored in {report['lora']['save_dtype']}) for the base model `{report['base_model']}`
(adapter_config.json `base_model_signature` pins its shape). Trained with medrouter's multi-task trainer
(trl SFTTrainer + peft, mode `{report['mode']}`), loss on the assistant turn only, end-of-turn token included,
so the model learns to stop.

Reproduce:

```
{report.get('command') or 'medrouter train training/configs/' + expert.name + '.yaml'}
```

## Data

{report['examples']} training examples, max_length {report['max_length']} tokens; per task: {task_lines}.
Examples over max_length: {d['truncated_to_max_length']} truncated (document part), {d['dropped_too_long']} dropped.
Sources and licences: training/DATA_CARD.md.

| source | weight | available | used |
|---|---|---|---|
{src_lines}

## Training

steps {report['steps']}, loss {report['first_loss']} -> {report['last_loss']} (mean {report['train_loss']}),
{report['tokens_seen']} tokens in {report['train_runtime_s']} s = {report['tokens_per_s']} tokens/s
(fast path: {', '.join(report.get('applied') or []) or '-'}).
{ev}
## Use

Set `adapter:` of the expert in experts.yaml to this folder. This is not a medical device: answers are general
information, not a diagnosis.
"""


def update_model_card(adapter_dir: Path, eval_report: dict, expert) -> None:
    """Rewrite the adapter's model card with evaluation numbers (atomic file replace)."""
    rep_path = adapter_dir / "training_report.json"
    if not rep_path.is_file():
        raise ConfigError(f"{adapter_dir}: no training_report.json (not written by medrouter train)")
    report = json.loads(rep_path.read_text())
    write_atomic(adapter_dir / "README.md", model_card(report, expert, eval_report))
