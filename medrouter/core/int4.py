"""Group-wise int4 weights for CPU inference, through PyTorch's own int4 kernel
(`aten._weight_int4pack_mm_for_cpu`, the one gpt-fast/torchao use on CPU; no extra package).

Why: a CPU decode step reads every weight once per token, so it is bound by bytes moved and by per-op
overhead, not by FLOPs. The embedded base is shipped as a Q4_1 GGUF (blocks of 32 weights, each
w = d*q + m, q in 0..15): its Linear weights *are* 4-bit with a scale and an offset per 32, and the
HF folder we convert it into holds them dequantized to fp32 (8x the bytes). Re-packing each group of
32 with its own min/max recovers exactly those q, d and m (`quantize_linear`), so the int4 model
computes the same weights as the fp32 one while reading ~1/7 of the bytes. For weights that did not
come from a 4-bit file the same packing is a lossy 4-bit quantization: `load_lm` only uses it where
the check `is_exact_int4` passes, unless asked.

The kernel wants bf16 (or fp16) activations to be fast (fp32 activations take a slow path), so int4
goes with a bf16 model: the scales and offsets are then rounded to bf16 (an error of the order of
bf16 rounding of the weights themselves).
"""
from __future__ import annotations

import torch

GROUP = 32  # GGUF Q4_0/Q4_1 block size
DENSE_ROWS = 16  # more rows than this per call (a prompt, a big batch) go through the dense copy


def native_bf16() -> bool:
    """Whether this CPU computes bf16 natively (AVX512-BF16 or AMX): elsewhere bf16 is emulated and
    slower than fp32."""
    cpu = getattr(torch._C, "_cpu", None)
    for probe in ("_is_amx_tile_supported", "_is_avx512_bf16_supported"):
        fn = getattr(cpu, probe, None) if cpu is not None else None
        try:
            if fn is not None and fn():
                return True
        except Exception:  # noqa: BLE001 - a missing probe is not an error, just "unknown"
            pass
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            flags = f.read()
        return " avx512_bf16" in flags or " amx_bf16" in flags
    except OSError:
        return False


def int4_available() -> bool:
    return hasattr(torch.ops.aten, "_weight_int4pack_mm_for_cpu") and \
        hasattr(torch.ops.aten, "_convert_weight_to_int4pack_for_cpu")


def _groups(w: torch.Tensor, group: int):
    """(q, scale, lo, max abs reconstruction error / max abs weight) for groups of `group` along dim 1."""
    n, k = w.shape
    wg = w.detach().float().reshape(n, k // group, group)
    lo, hi = wg.amin(-1, keepdim=True), wg.amax(-1, keepdim=True)
    scale = ((hi - lo) / 15).clamp_(min=1e-20)
    q = (wg - lo).div_(scale).round_().clamp_(0, 15)
    err = (q * scale).add_(lo).sub_(wg).abs_().amax() / wg.abs().amax().clamp(min=1e-12)
    return q, scale, lo, float(err)


def is_exact_int4(w: torch.Tensor, group: int = GROUP, rtol: float = 1e-4) -> bool:
    """True when every group of `group` weights is d*q + m with 16 levels (a Q4_0/Q4_1 tensor
    dequantized): packing it loses nothing beyond fp32 rounding."""
    if w.dim() != 2 or w.shape[1] % group:
        return False
    return _groups(w, group)[3] <= rtol


def _by_rows(x: torch.Tensor, dtype: torch.dtype, out_features: int, dense_weight, packed_mm) -> torch.Tensor:
    """x (..., K) through a quantized Linear: a call of more than DENSE_ROWS rows (a prompt) is one GEMM
    on the float copy `dense_weight(x2)`, a decode step the packed kernel `packed_mm(x2)`; in `dtype`,
    back in x's dtype. (..., N)"""
    shape = x.shape
    x2 = x.reshape(-1, shape[-1]).to(dtype)
    y = torch.nn.functional.linear(x2, dense_weight(x2)) if x2.shape[0] > DENSE_ROWS else packed_mm(x2)
    return y.reshape(*shape[:-1], out_features).to(x.dtype)


class Int4Linear(torch.nn.Linear):
    """A bias-free Linear whose weight is packed int4 (groups of GROUP along the input).

    It stays an `nn.Linear` (in_features/out_features, a `weight` attribute) so peft wraps it like
    any Linear and LoRA runs on top in `compute_dtype`; `weight` holds the packed bytes (uint8, not
    a float matrix): nothing may merge LoRA into it or train it."""

    def __init__(self, linear: torch.nn.Linear, group: int = GROUP, dtype: torch.dtype = torch.bfloat16,
                 groups: tuple | None = None):
        torch.nn.Module.__init__(self)
        if linear.bias is not None:
            raise ValueError("Int4Linear: biased Linear layers are not supported")
        self.in_features, self.out_features, self.group = linear.in_features, linear.out_features, group
        with torch.no_grad():
            q, scale, lo, _ = groups or _groups(linear.weight, group)
            n, k = linear.weight.shape
            # the kernel's convention: w = (q - 8) * scale + zero, so zero = m + 8d
            sz = torch.stack([scale.reshape(n, k // group), (lo + 8 * scale).reshape(n, k // group)], -1)
            packed = torch.ops.aten._convert_weight_to_int4pack_for_cpu(q.reshape(n, k).to(torch.int32), 1)
            # the same weights dense in `dtype`, for prompts: the int4 kernel is a matrix-vector kernel
            # (2x slower than fp32 on a 600-token prefill), a bf16 GEMM runs on AMX
            dense = (q * scale + lo).reshape(n, k).to(dtype)
        self.weight = torch.nn.Parameter(packed, requires_grad=False)
        self.register_buffer("scales_and_zeros", sz.transpose(0, 1).contiguous().to(dtype))  # (K/g, N, 2)
        self.register_buffer("dense", dense, persistent=False)
        self.register_parameter("bias", None)

    @property
    def compute_dtype(self) -> torch.dtype:  # follows the buffers if someone casts the model (model.to)
        return self.scales_and_zeros.dtype

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return _by_rows(x, self.compute_dtype, self.out_features, lambda x2: self.dense.to(x2.dtype),
                        lambda x2: torch.ops.aten._weight_int4pack_mm_for_cpu(x2, self.weight, self.group,
                                                                              self.scales_and_zeros))

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, int4 groups of {self.group}"


class Int8Head(torch.nn.Linear):
    """The output projection (vocabulary logits) with an int8 copy of its weight, one scale per
    vocabulary row, for decode steps (`aten._weight_int8pack_mm`). The float `weight` stays (it is
    tied to the input embedding, which needs it anyway) and serves prompts, where a GEMM wins.

    Lossy, unlike Int4Linear: the embedded GGUF holds this matrix as Q8_0 (a scale per 32 weights),
    one scale per row rounds a little more. bench/cpu_decode.py measures the answers it changes."""

    def __init__(self, linear: torch.nn.Linear, dtype: torch.dtype = torch.bfloat16):
        torch.nn.Module.__init__(self)
        if linear.bias is not None:
            raise ValueError("Int8Head: biased Linear layers are not supported")
        self.in_features, self.out_features = linear.in_features, linear.out_features
        self.weight = linear.weight  # the same Parameter: ties survive
        self.register_parameter("bias", None)
        with torch.no_grad():
            w = linear.weight.detach().float()
            scale = (w.abs().amax(1) / 127).clamp(min=1e-12)
            w8 = (w / scale[:, None]).round_().clamp_(-127, 127).to(torch.int8)
        self.register_buffer("w8", w8, persistent=False)
        self.register_buffer("s8", scale.to(dtype), persistent=False)

    @property
    def compute_dtype(self) -> torch.dtype:
        return self.s8.dtype

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return _by_rows(x, self.compute_dtype, self.out_features, lambda x2: self.weight.to(x2.dtype),
                        lambda x2: torch.ops.aten._weight_int8pack_mm(x2, self.w8, self.s8))


def quantize_head(model: torch.nn.Module, dtype: torch.dtype = torch.bfloat16) -> bool:
    """Give the model's output projection an int8 decode copy (Int8Head); False if it has none."""
    head = model.get_output_embeddings() if hasattr(model, "get_output_embeddings") else None
    if type(head) is not torch.nn.Linear or head.bias is not None:
        return False
    model.set_output_embeddings(Int8Head(head, dtype))
    return True


def quantize_linears(model: torch.nn.Module, dtype: torch.dtype = torch.bfloat16, *, group: int = GROUP,
                     exact_only: bool = True, skip: tuple[str, ...] = ("lm_head",)) -> int:
    """Replace the decoder's Linear layers by Int4Linear in place; return how many were packed.

    With `exact_only`, a layer is packed only if its weights are exactly 4-bit groups (is_exact_int4),
    so the model computes what it computed before. `lm_head` is left alone by default: it is tied to
    the embedding and in the embedded GGUF it is 8-bit, not 4-bit. Call it on the fp32 model, before
    casting the rest to `dtype` (the activations' dtype), so the groups are read unrounded."""
    targets = [(name, module) for name, module in model.named_modules()
               if type(module) is torch.nn.Linear and module.bias is None and module.in_features % group == 0
               and not any(name == s or name.endswith("." + s) for s in skip)]
    packed = 0
    for name, module in targets:
        groups = _groups(module.weight, group)
        if exact_only and groups[3] > 1e-4:
            continue
        parent_name, _, child = name.rpartition(".")
        parent = model.get_submodule(parent_name) if parent_name else model
        setattr(parent, child, Int4Linear(module, group, dtype, groups))
        packed += 1
    return packed
