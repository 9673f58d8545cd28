"""The fast training path: how a base model is loaded and trained for each hardware mode.

One registry (`MODES`) says, per mode, how the base model is held (NF4 4-bit, bf16, fp32), which
kernels are swapped in, and how SFTTrainer batches and checkpoints. The project trainer does

    model, tok = load_model_for_training(path, mode)
    SFTTrainer(model=model, processing_class=tok, peft_config=lora_config(mode, ...),
               args=SFTConfig(..., **sft_config_kwargs(mode, max_length=...)), train_dataset=...)

and gets, by default, what held up in measurement (bench/train_throughput.py, bench/README.md):

- padding-free packing: examples are best-fit-decreasing packed into bins of `max_length`, and one
  micro-batch is `micro_batch_tokens // max_length` bins flattened into a single row with
  `position_ids` restarting at 0 per example. No pad token is ever computed on.
- variable-length attention: a registered attention function ("medrouter_varlen") runs
  `torch.nn.attention.varlen.varlen_attn` (flash kernels inside PyTorch, no flash-attn package)
  over the `cu_seq_lens` the trl collator already builds, so no token attends across examples
  and no (T x T) mask is ever built. Where that kernel is missing (CPU, older torch) it falls
  back to per-example SDPA, which is exact but slower.
- the LM head never materialises full-vocabulary logits: trl >= 1.x scores only the labelled
  positions through its chunked fused LM head (the role Liger's fused linear cross-entropy plays
  elsewhere; trl refuses Liger FLCE for that reason). Liger's RMSNorm / SwiGLU / RoPE kernels are
  applied to the layers where liger-kernel is installed.
- qlora: NF4 + double quantisation with bf16 compute, gradient checkpointing (non-reentrant),
  token budget sized to stay under 16 GiB peak on a 7B model.
- lora-bf16: bf16 weights, no checkpointing (4 instead of 6 x params FLOP per token), larger
  memory footprint.

bitsandbytes and liger-kernel are imported lazily, so this module imports on a CPU-only machine.
"""

from __future__ import annotations

import functools
import inspect
import logging
from dataclasses import dataclass, field
from typing import Any

import torch

log = logging.getLogger(__name__)

VARLEN_ATTENTION = "medrouter_varlen"


class UnknownModeError(KeyError):
    """A training mode name that is not in `MODES`."""


@dataclass(frozen=True)
class ModeSpec:
    name: str
    description: str
    device: str  # "cuda" or "cpu"
    dtype: torch.dtype  # dtype of the non-quantised weights and of the compute
    quantize_4bit: bool  # NF4 + double quant, compute in `dtype`
    gradient_checkpointing: bool
    micro_batch_tokens: int  # default real-token budget of one micro-batch (upper bound)
    optimizer: str  # a transformers `optim` name
    liger_layer_kernels: bool  # RMSNorm / SwiGLU / RoPE from liger-kernel, if installed
    varlen_attention: bool  # register and use VARLEN_ATTENTION
    torch_compile: bool = False
    notes: tuple[str, ...] = field(default_factory=tuple)


MODES: dict[str, ModeSpec] = {
    "qlora": ModeSpec(
        name="qlora",
        description="NF4 double-quant base, bf16 compute, LoRA; fits a 16 GiB card for a 7B model",
        device="cuda",
        dtype=torch.bfloat16,
        quantize_4bit=True,
        # Without checkpointing a 7B model keeps ~5 MB of activations per token: even 2k tokens
        # would not fit 16 GiB. With it, ~0.37 MB per token: 12k tokens peaked at 8.9 GiB on the
        # 7B workload (bench/README.md), leaving headroom on a 16 GiB card.
        gradient_checkpointing=True,
        micro_batch_tokens=12288,
        optimizer="adamw_torch_fused",  # LoRA states are ~0.3 GB; 8-bit/paged saves too little to pay
        liger_layer_kernels=True,
        varlen_attention=True,
    ),
    "lora-bf16": ModeSpec(
        name="lora-bf16",
        description="bf16 base, LoRA, no checkpointing; for a card with room (54 GiB peak for 7B)",
        device="cuda",
        dtype=torch.bfloat16,
        quantize_4bit=False,
        gradient_checkpointing=False,
        micro_batch_tokens=8192,
        optimizer="adamw_torch_fused",
        liger_layer_kernels=True,
        varlen_attention=True,
    ),
    "lora-cpu": ModeSpec(
        name="lora-cpu",
        description="fp32 on the CPU, for the tiny embedded model and tests",
        device="cpu",
        dtype=torch.float32,
        quantize_4bit=False,
        gradient_checkpointing=False,
        micro_batch_tokens=2048,
        optimizer="adamw_torch",
        liger_layer_kernels=False,
        varlen_attention=True,
    ),
}


def get_mode(mode: str) -> ModeSpec:
    try:
        return MODES[mode]
    except KeyError:
        raise UnknownModeError(f"unknown training mode {mode!r}; known modes: {', '.join(MODES)}") from None


# --------------------------------------------------------------------------------------------
# Variable-length attention


@functools.lru_cache(maxsize=1)
def _varlen_kernel():
    """torch's flash varlen attention and the keywords its version takes, or None."""
    try:
        from torch.nn.attention.varlen import varlen_attn
    except ImportError:
        return None
    params = inspect.signature(varlen_attn).parameters
    if "is_causal" in params:  # torch 2.10 / 2.11
        causal_kw = {"is_causal": True}
    elif "window_size" in params:  # torch >= 2.12: causal is window (-1, 0)
        causal_kw = {"window_size": (-1, 0)}
    else:
        return None
    return varlen_attn, causal_kw, "scale" in params, "enable_gqa" in params


def _per_segment_sdpa(query, key, value, cu_seqlens, scaling):
    """Exact reference: causal SDPA on each example separately. query: (1, H, T, D)."""
    bounds = cu_seqlens.tolist()
    outs = []
    for start, end in zip(bounds[:-1], bounds[1:]):
        if end <= start:
            continue
        outs.append(
            torch.nn.functional.scaled_dot_product_attention(
                query[:, :, start:end],
                key[:, :, start:end],
                value[:, :, start:end],
                is_causal=True,
                scale=scaling,
                enable_gqa=key.shape[1] != query.shape[1],
            )
        )
    return torch.cat(outs, dim=2)  # (1, H, T, D)


def _cu_seqlens_from_position_ids(position_ids: torch.Tensor) -> torch.Tensor:
    starts = (position_ids[0] == 0).nonzero().flatten()
    total = torch.tensor([position_ids.shape[1]], device=position_ids.device)
    return torch.cat([starts, total]).to(torch.int32)


def varlen_attention_forward(
    module, query, key, value, attention_mask, dropout=0.0, scaling=None, is_causal=None, **kwargs
):
    """transformers attention interface: (B, H, T, D) in, (B, T, H, D) out.

    Used when a micro-batch is one flattened row of packed examples (B == 1, no attention_mask);
    anything else goes to plain SDPA unchanged.
    """
    from transformers.integrations.sdpa_attention import sdpa_attention_forward

    cu = kwargs.get("cu_seq_lens_q")
    if cu is None and kwargs.get("position_ids") is not None and attention_mask is None:
        cu = _cu_seqlens_from_position_ids(kwargs["position_ids"])
    if cu is None or query.shape[0] != 1 or attention_mask is not None or query.shape[2] != key.shape[2]:
        return sdpa_attention_forward(
            module, query, key, value, attention_mask, dropout=dropout, scaling=scaling, is_causal=is_causal, **kwargs
        )
    kernel = _varlen_kernel() if query.is_cuda else None
    if kernel is None:
        out = _per_segment_sdpa(query, key, value, cu, scaling)
        return out.transpose(1, 2).contiguous(), None
    varlen_attn, causal_kw, takes_scale, takes_gqa = kernel
    max_len = kwargs.get("max_length_q")
    if max_len is None:
        max_len = int(cu.diff().max())
    cu = cu.to(device=query.device, dtype=torch.int32)
    # (1, H, T, D) -> (T, H, D), the layout the flash kernels take
    q, k, v = (t[0].transpose(0, 1).contiguous() for t in (query, key, value))
    extra = dict(causal_kw)
    if takes_scale:
        extra["scale"] = scaling
    if k.shape[1] != q.shape[1]:
        if not takes_gqa:  # old torch: repeat the kv heads
            k = k.repeat_interleave(q.shape[1] // k.shape[1], dim=1)
            v = v.repeat_interleave(q.shape[1] // v.shape[1], dim=1)
        else:
            extra["enable_gqa"] = True
    out = varlen_attn(q, k, v, cu, cu, int(max_len), int(max_len), **extra)
    return out.unsqueeze(0), None  # (1, T, H, D)


def register_varlen_attention() -> str:
    """Register VARLEN_ATTENTION with transformers (idempotent) and return its name."""
    from transformers import AttentionInterface, AttentionMaskInterface
    from transformers.masking_utils import flash_attention_mask

    AttentionInterface.register(VARLEN_ATTENTION, varlen_attention_forward)
    # Like flash attention: no (T x T) mask is built; padding-free rows carry their boundaries.
    AttentionMaskInterface.register(VARLEN_ATTENTION, flash_attention_mask)
    return VARLEN_ATTENTION


# --------------------------------------------------------------------------------------------
# Loading


def _apply_liger(model) -> list[str]:
    """Swap Liger's RMSNorm / SwiGLU / RoPE into the model's layers; [] if liger is missing."""
    try:
        from liger_kernel.transformers import _apply_liger_kernel_to_instance
    except Exception as exc:  # not installed, or no triton (CPU)
        log.info("liger-kernel not used: %s", exc)
        return []
    try:
        # The LM head is left alone: trl's fused LM head already skips the full-vocab logits.
        _apply_liger_kernel_to_instance(
            model, rope=True, rms_norm=True, swiglu=True, cross_entropy=False, fused_linear_cross_entropy=False
        )
    except Exception as exc:  # an unsupported model type or version skew
        log.warning("liger-kernel could not be applied: %s", exc)
        return []
    return ["liger_rope", "liger_rms_norm", "liger_swiglu"]


def load_model_for_training(model_path: str, mode: str, *, attn_implementation: str | None = None):
    """Load `model_path` for LoRA training in `mode`; returns (model, tokenizer).

    The model carries `model.medrouter_fastpath` (a dict) naming what was applied, for reports.
    `attn_implementation` overrides the mode's attention choice (benchmark ablations).
    """
    from transformers import AutoModelForCausalLM, AutoTokenizer

    spec = get_mode(mode)
    if spec.device == "cuda" and not torch.cuda.is_available():
        raise RuntimeError(f"training mode {mode!r} needs a CUDA GPU; use mode 'lora-cpu' on this machine")
    applied: list[str] = []
    if attn_implementation is None:
        attn_implementation = register_varlen_attention() if spec.varlen_attention else "sdpa"
    elif attn_implementation == VARLEN_ATTENTION:
        register_varlen_attention()
    applied.append(f"attn={attn_implementation}")
    kwargs: dict[str, Any] = {"dtype": spec.dtype, "attn_implementation": attn_implementation}
    if spec.device == "cuda":
        kwargs["device_map"] = {"": torch.cuda.current_device()}
    if spec.quantize_4bit:
        from transformers import BitsAndBytesConfig

        kwargs["quantization_config"] = BitsAndBytesConfig(
            load_in_4bit=True,
            bnb_4bit_quant_type="nf4",
            bnb_4bit_use_double_quant=True,
            bnb_4bit_compute_dtype=spec.dtype,
        )
        applied.append("nf4_double_quant")
    model = AutoModelForCausalLM.from_pretrained(model_path, **kwargs)
    model.config.use_cache = False
    if spec.quantize_4bit:
        # What peft's prepare_model_for_kbit_training does, minus its fp32 upcast of every
        # non-quantised weight (embeddings, LM head, norms: +1 GB for 7B and slower bf16 paths).
        for param in model.parameters():
            param.requires_grad_(False)
    if spec.liger_layer_kernels and spec.device == "cuda":
        applied += _apply_liger(model)
    if spec.gradient_checkpointing:
        applied.append("gradient_checkpointing")
    tokenizer = AutoTokenizer.from_pretrained(model_path)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    model.medrouter_fastpath = {"mode": mode, "applied": applied}
    return model, tokenizer


def lora_config(mode: str, *, r: int, alpha: int, dropout: float, target_modules):
    """The LoRA adapter config for `mode` (same adapter shape in every mode)."""
    from peft import LoraConfig

    get_mode(mode)
    return LoraConfig(
        r=r, lora_alpha=alpha, lora_dropout=dropout, target_modules=target_modules, bias="none", task_type="CAUSAL_LM"
    )


def sft_config_kwargs(mode: str, *, max_length: int, micro_batch_tokens: int | None = None) -> dict:
    """Keyword arguments merged into `trl.SFTConfig` for `mode`.

    A micro-batch is `micro_batch_tokens // max_length` BFD-packed bins of `max_length` tokens,
    flattened padding-free into one row: at most `micro_batch_tokens` real tokens, none padding.
    """
    spec = get_mode(mode)
    tokens = micro_batch_tokens or spec.micro_batch_tokens
    if max_length <= 0 or tokens <= 0:
        raise ValueError(f"max_length ({max_length}) and micro_batch_tokens ({tokens}) must be positive")
    bins = max(1, tokens // max_length)
    kwargs: dict[str, Any] = {
        "max_length": max_length,
        "packing": True,
        "packing_strategy": "bfd",  # examples longer than max_length are truncated, as without packing
        "padding_free": True,
        "per_device_train_batch_size": bins,
        "gradient_accumulation_steps": 1,
        "bf16": spec.dtype == torch.bfloat16,
        "fp16": False,
        _checkpointing_key(): spec.gradient_checkpointing,
        "optim": spec.optimizer,
        "torch_compile": spec.torch_compile,
        "use_cpu": spec.device == "cpu",
    }
    if spec.gradient_checkpointing:
        kwargs[_checkpointing_key() + "_kwargs"] = {"use_reentrant": False}
    return kwargs


def _checkpointing_key() -> str:
    """transformers 5.2x renamed `gradient_checkpointing` to `activation_checkpointing`."""
    import dataclasses

    from transformers import TrainingArguments

    names = {f.name for f in dataclasses.fields(TrainingArguments)}
    return "activation_checkpointing" if "activation_checkpointing" in names else "gradient_checkpointing"
