"""A lean CPU decode step for one row of a Llama-shaped model with a LoRA expert, for the scheduler's
single-stream case (experts/scheduler.py): the same numbers as the model's own forward (up to float
summation order), a fraction of the Python and dispatcher work per token.

Why: at 135M parameters a decode step through transformers + peft is ~600 small ops (norm pieces,
rotary, cache bookkeeping, 210 wrapped projections each with its LoRA addmm); on 2 cores that overhead,
and the fp32 output projection, cost more than the matmuls. Here, per layer:
  * q/k/v fused into one weight and gate/up into another (int4: the packed Int4Linear tensors
    concatenated along the output dim, which the int4 kernel reads exactly as the separate ones;
    float: one concatenated copy), the adapter's A's side by side and B's block-diagonal, so a fused
    projection is one base GEMM plus (h @ A) @ B, as FastLoRA computes it per projection;
  * rotary from a table, the new K/V written in place into the scheduler's own cache buffers
    (`_GrowingLayer`, re-allocated to a fixed bucket width so shapes stay static), attention over the
    bucket with an additive mask;
  * the layer (and the head) optionally under torch.compile (inductor's CPU C++ backend, dynamic=False:
    one compile per cache bucket, kept on disk by inductor's own FX graph cache).
The output projection: when its weight is exactly 8-bit groups of 32 (the embedded GGUF's Q8_0 head,
dequantized to fp32) it is kept as int8 + one fp32 scale per group and computed by a compiled loop that
reads 1/4 of the bytes and gives fp32's logits up to summation order; otherwise a plain F.linear.

Compiling: each (bucket width, LoRA shapes) has its own compiled copy of the layer step (its own code
object, so graphs never recompile one another). A cold compile (empty inductor cache) took 52 s for the
first bucket (the head included) and 7-9 s for each next one on 2 cores, 0.4 s with the disk cache warm;
with `background=True` (the scheduler's) a step whose bucket is not ready runs eagerly (same ops, same
tokens up to summation order) while a warm-up thread compiles it: the scheduler warms the buckets up to
512 for every loaded adapter at start, so no request waits for the compiler (first 64-token request
after a cold start: 57.4 s compiling in the caller -> 6.2 s).

Several rows (`step_rows`, eager): the scheduler's whole batch, left-padded so every row's new token is
the same cache column; each row its own position, mask and adapter (the distinct adapters' fused A/B
side by side, a per-row 0/1 column mask on h @ A), fp32 head. Logits within 1e-4 of the model's
forward in fp32 (tests/experts/test_cpu_engine.py). What it does once per step for all rows: every
projection is one call over the stacked rows, LoRA one (h @ A_all) * sel @ B_all per group, attention
one SDPA over the used cache columns only (not the whole bucket). What does not amortise: the int4
kernel (`_weight_int4pack_mm_for_cpu`) is compute-bound per row on this CPU (30 layers' projections,
2 threads: ~10.7 ms at 1 row + ~3.2 ms per further row; splitting its output columns so a weight tile
stays in cache changes nothing), and the bf16 dense copy's AMX GEMM, flat in rows, is bound by memory
(4x the bytes: ~41 ms at 1-16 rows, and slower than the kernel inside a real step): bench/batch_step.py.
`dense_rows` puts a step of that many rows or more on the dense copy (off by default: re-measured with
the copy fused per group, load ~4-5, median step ms kernel -> dense: 2 rows 126 -> 173, 4 89 -> 160,
8 178 -> 194, 16 271 -> 366). What would amortise: inductor's weight-only int4 AMX GEMM template
(torch.compile, freezing + max_autotune, a static row count), which unpacks a weight block once for
all rows: gate/up alone at 16 rows 1.41 -> 0.75 ms, at 8 0.77 -> 0.63; all 120 projections of the
30 layers as one frozen graph (bf16 activations, within 0.016 of the kernel): 16 rows 91 -> 33 ms, 8 rows
65-84 -> 52-97 (load 2-4: noise), 1 row 15-25 -> 21-33 (the kernel wins); 103-125 s cold compile per
row count. Wired in as `rows_compile` (one graph per projection, the row count symbolic from 2 to 256, so
no padding; 120 graphs, 142 s cold on 2 cores, FX graph cache off for them): off by default, because inside
a real step it did not win (2 rows 63.8 -> 112.1 ms, 8 167.8 -> 188.5, 16 222.6 -> 218.1; the isolated
gain does not survive 120 separate graph calls between the eager attention/LoRA ops).

The scheduler keeps its transformers cache as the truth: after each step its layers' views are moved on
by one column, so a request joining the batch continues on the model's own forward with no hand-over.
`CpuDecoder.supports` says why a model is not run here (callers keep the model's forward).
"""
from __future__ import annotations

import threading
import time
import types

import torch
import torch.nn.functional as F

from medrouter.core.tracing import COMPILE_LOCK, keep_fx_tracing_in_its_thread

from .cuda_graphs import (GROUPS, _base, _fused, _rms, _rot, llama_shape_problem, projection_problem,
                          raise_recompile_limits)

GROUP = 32
GROUP_NAMES = tuple(g for g, _, _ in GROUPS)  # the fused projections of a layer: qkv, o, gu, down
DENSE_ROWS = None  # CpuDecoder.dense_rows' default (bench/batch_step.py measures the crossover)
# CpuDecoder.rows_compile's default: a step of this many rows or more multiplies by inductor's compiled
# weight-only int4 GEMM once its graphs are ready; None (off): in a real step it lost at 2-8 rows and tied
# at 16 (bench/batch_step.py --paths rows, step ms kernel -> compiled: 2 rows 63.8 -> 112.1, 4 91.5 -> 130.5,
# 8 167.8 -> 188.5, 16 222.6 -> 218.1), 142 s to compile its 120 graphs
ROWS_COMPILE = None
ROWS_KEY = ("rows",)  # the warm-up queue's entry for the rows GEMMs
ROWS_EXAMPLE = 16  # the row count the rows graphs are traced at (symbolic from 2 to ROWS_MAX)
ROWS_MAX = 256  # (serve.max_batch's bound; the template needs an upper bound on the rows)
BUCKETS = (128, 256, 512, 1024, 2048, 4096)


class EngineUnsupported(Exception):
    pass


def _int4(mod) -> bool:
    from medrouter.core.int4 import Int4Linear

    return isinstance(mod, Int4Linear)


def _q8_groups(w: torch.Tensor, rtol: float = 1e-5):
    """(q int8 (V, K/32, 32), d fp32 (V, K/32)) when w is exactly d*q per group of 32 with |q| <= 127
    (a GGUF Q8_0 tensor dequantized), else None."""
    if w.dim() != 2 or w.shape[1] % GROUP or w.dtype != torch.float32:
        return None
    V, K = w.shape
    wg = w.detach().reshape(V, K // GROUP, GROUP)
    d = wg.abs().amax(-1) / 127
    q = (wg / d.clamp_min(1e-30)[..., None]).round_().clamp_(-127, 127)
    err = (q * d[..., None] - wg).abs().amax() / wg.abs().amax().clamp_min(1e-12)
    if float(err) > rtol:
        return None
    return q.to(torch.int8).contiguous(), d.contiguous()


def _head_q8(h: torch.Tensor, q: torch.Tensor, d: torch.Tensor) -> torch.Tensor:
    """h (1, K) fp32 @ (d*q)^T, group by group: (1, V) fp32."""
    V, NG, G = q.shape
    return ((q.float() * h.view(1, NG, G)).sum(-1) * d).sum(-1)[None]


class _Packed(torch.nn.Module):
    """One fused int4 projection's (packed, scales) as module state (the same tensors, no copy): inductor's
    freezing makes a module's parameters and buffers graph constants, and its weight-only int4 GEMM
    template only takes a constant weight (it re-blocks it for AMX at compile time)."""

    def __init__(self, W: tuple):
        super().__init__()
        self.weight = torch.nn.Parameter(W[0], requires_grad=False)
        self.register_buffer("sz", W[1])


def _woq_mm(x: torch.Tensor, m: _Packed) -> torch.Tensor:
    """x (B, K) bf16 @ the packed int4 weight: (B, N). What each rows graph compiles."""
    return torch.ops.aten._weight_int4pack_mm_for_cpu(x, m.weight, GROUP, m.sz)


class _Frozen:
    """A projection's compiled rows GEMM (frozen weights, any row count >= 2), called like _lin's int4 kernel."""

    __slots__ = ("fn", "mod", "dtype")

    def __init__(self, fn, mod: _Packed):
        self.fn, self.mod, self.dtype = fn, mod, mod.sz.dtype

    def __call__(self, h: torch.Tensor) -> torch.Tensor:
        return self.fn(h.to(self.dtype), self.mod).to(h.dtype)


def _lin(h: torch.Tensor, W, lora) -> torch.Tensor:
    """h (1, K) fp32 through a fused projection: W a float (N, K) tensor or an int4 (packed, scales)
    pair (its kernel fed bf16, as Int4Linear does) or its compiled rows GEMM (_Frozen); lora (A (K, r),
    B (r, N)) or None."""
    if isinstance(W, _Frozen):
        y = W(h)
    elif isinstance(W, tuple):
        y = torch.ops.aten._weight_int4pack_mm_for_cpu(h.to(W[1].dtype), W[0], GROUP, W[1]).to(h.dtype)
    elif W.dtype != h.dtype:  # the int4 weights' dense bf16 copy (step_rows at dense_rows or more rows)
        y = F.linear(h.to(W.dtype), W).to(h.dtype)
    else:
        y = F.linear(h, W)
    if lora is None:
        return y
    return torch.addmm(y, h @ lora[0], lora[1])


def _layer(x, cos, sin, bias, col, kc, vc, w, lo, nh: int, nkv: int, hd: int, eps: float, scale: float):
    """One decoder layer for one token x (1, H): K/V written at cache column `col` of kc/vc (1, nkv, L, hd),
    attention over all L columns with `bias` (1, L) additive (0 attended, -inf not)."""
    h = _rms(x, w["ln1"], eps)
    qkv = _lin(h, w["qkv"], lo["qkv"])
    q, k, v = qkv.split((nh * hd, nkv * hd, nkv * hd), dim=-1)
    q = _rot(q.view(nh, hd), cos, sin)
    k = _rot(k.view(nkv, hd), cos, sin)
    kc.index_copy_(2, col, k.view(1, nkv, 1, hd))
    vc.index_copy_(2, col, v.view(1, nkv, 1, hd))
    g = nh // nkv
    s = torch.matmul(q.view(nkv, g, hd), kc[0].transpose(-1, -2)) * scale + bias  # (nkv, g, L)
    p = torch.softmax(s, dim=-1)
    a = torch.matmul(p, vc[0]).reshape(1, nh * hd)
    x = x + _lin(a, w["o"], lo["o"])
    h = _rms(x, w["ln2"], eps)
    gu = _lin(h, w["gu"], lo["gu"])
    gt, up = gu.chunk(2, dim=-1)
    return x + _lin(F.silu(gt) * up, w["down"], lo["down"])


def _lin_rows(h: torch.Tensor, W, lora) -> torch.Tensor:
    """h (B, K) through a fused projection, each row with its own adapter: lora = (A (K, R), B (R, N),
    sel (B, R)) with every adapter of the batch side by side in R and `sel` keeping each row's own
    columns of h @ A (None: no row has an adapter here)."""
    y = _lin(h, W, None)
    if lora is None:
        return y
    A, Bm, sel = lora
    return torch.addmm(y, (h @ A) * sel, Bm)


def _attend_bmm(q, k, v, bias, scale: float) -> torch.Tensor:
    """q (B, nkv, g, hd) (GQA: the query heads grouped per K/V head, no K/V repeat) over k/v (B, nkv, L, hd)
    with an additive bias (B, 1, 1, L): two matmuls and a softmax."""
    return torch.matmul(torch.softmax(torch.matmul(q, k.transpose(-1, -2)) * scale + bias, dim=-1), v)


def _attend_sdpa(q, k, v, bias, scale: float) -> torch.Tensor:
    """The same through SDPA's CPU kernel: 10-25 % less time than the two matmuls at 1-16 rows over 256
    columns; with the trim (377 used of a 512 bucket, 16 rows, 30 layers) 118 -> 61 ms (best of 8, 2 cores)."""
    return F.scaled_dot_product_attention(q, k, v, attn_mask=bias, scale=scale)


ROWS_ATTENTION = {"bmm": _attend_bmm, "sdpa": _attend_sdpa}  # CpuDecoder.rows_attention picks one


def _layer_rows(x, cos, sin, bias, col, kc, vc, w, lo, nh: int, nkv: int, hd: int, eps: float, scale: float,
                used: int | None = None, attend=_attend_sdpa):
    """_layer for B rows at once (the scheduler's batch, left-padded so every row's new token is cache
    column `col`): x (B, H), cos/sin (B, hd) per row's position, bias (B, L), kc/vc (B, nkv, L, hd).
    used: attend over the first `used` columns only (the rest of the bucket is masked padding), None = all
    L; attend: a ROWS_ATTENTION function."""
    b = x.shape[0]
    h = _rms(x, w["ln1"], eps)
    qkv = _lin_rows(h, w["qkv"], lo["qkv"])
    q, k, v = qkv.split((nh * hd, nkv * hd, nkv * hd), dim=-1)
    q = _rot(q.view(b, nh, hd), cos[:, None], sin[:, None])
    k = _rot(k.view(b, nkv, hd), cos[:, None], sin[:, None])
    kc.index_copy_(2, col, k.view(b, nkv, 1, hd))
    vc.index_copy_(2, col, v.view(b, nkv, 1, hd))
    if used is not None:
        kc, vc, bias = kc[:, :, :used], vc[:, :, :used], bias[:, :used]
    a = attend(q.view(b, nkv, nh // nkv, hd), kc, vc, bias[:, None, None, :], scale).reshape(b, nh * hd)
    x = x + _lin_rows(a, w["o"], lo["o"])
    h = _rms(x, w["ln2"], eps)
    gu = _lin_rows(h, w["gu"], lo["gu"])
    gt, up = gu.chunk(2, dim=-1)
    return x + _lin_rows(F.silu(gt) * up, w["down"], lo["down"])


def _copy(fn, tag: str):
    """The same function under its own code object: torch.compile keeps its graphs (and guards) per
    code object, so each copy compiles and is looked up on its own."""
    code = fn.__code__.replace(co_name=f"{fn.__name__}_{tag}")
    return types.FunctionType(code, fn.__globals__, code.co_name, fn.__defaults__, fn.__closure__)


class CpuDecoder:
    """The single-row decode step of one shared base (see the module docstring)."""

    def __init__(self, model, fast=None, *, compile: bool = True, max_len: int = 4096, background: bool = False,
                 rows_compile: int | None | str = "default"):
        lm = model.get_base_model() if hasattr(model, "get_base_model") else model
        why = self.supports(lm, fast)
        if why:
            raise EngineUnsupported(why)
        self.model, self.fast, self.lm = model, fast, lm
        cfg, bb = lm.config, lm.model
        self.nh = cfg.num_attention_heads
        self.nkv = getattr(cfg, "num_key_value_heads", None) or self.nh
        self.hd = getattr(cfg, "head_dim", None) or cfg.hidden_size // self.nh
        self.eps = bb.norm.variance_epsilon
        self.scale = float(getattr(bb.layers[0].self_attn, "scaling", self.hd ** -0.5))
        self.embed = bb.embed_tokens.weight
        self.norm_w = bb.norm.weight
        self.max_len = min(max_len, getattr(cfg, "max_position_embeddings", max_len) or max_len)
        self.buckets = tuple(sorted({b for b in BUCKETS if b < self.max_len} | {self.max_len}))
        self.layers = bb.layers
        self.weights = []
        with torch.no_grad():
            for layer in self.layers:
                w = {"ln1": layer.input_layernorm.weight, "ln2": layer.post_attention_layernorm.weight}
                for g, attr, names in GROUPS:
                    mods = [_base(getattr(getattr(layer, attr), p)) for p in names]
                    if _int4(mods[0]):
                        w[g] = (torch.cat([m.weight for m in mods]) if len(mods) > 1 else mods[0].weight,
                                torch.cat([m.scales_and_zeros for m in mods], 1) if len(mods) > 1
                                else mods[0].scales_and_zeros)
                    else:  # one tensor the modules' weights become views of (no second copy)
                        w[g] = _fused(getattr(layer, attr), g, [getattr(getattr(layer, attr), p) for p in names], 0)
                self.weights.append(w)
            head = _base(lm.lm_head)
            self.head_w = head.weight
            self.head_q8 = _q8_groups(head.weight) if type(head) is torch.nn.Linear else None
            pos = torch.arange(self.max_len)[None]
            cos, sin = bb.rotary_emb(self.embed[:1][None].float(), pos)
        self.cos, self.sin = cos[0].float(), sin[0].float()  # (max_len, hd)
        self._lora: dict = {}
        # step_rows' attention (bench/batch_step.py compares them): over the used columns only or the whole
        # bucket, by a ROWS_ATTENTION function
        self.trim_attention = True
        self.rows_attention = "sdpa"
        # int4 base: a step of at least `dense_rows` rows multiplies by the weights' dense bf16 copy (one
        # GEMM, the weights dequantized once, at load) instead of the int4 kernel, whose cost grows by about
        # a lone row's per further row (it unpacks the weights again per row); None: the kernel always
        self.dense_rows: int | None = DENSE_ROWS
        self._dense: list | None = None
        # int4 base: a step of at least `rows_compile` rows multiplies by inductor's weight-only int4 GEMM
        # (one graph per projection, frozen weights, the row count symbolic), once compiled on the warm-up
        # thread (asked for by the first such step, or warm_rows()); until a projection's graph is ready it
        # runs on the kernel. None: the kernel always. Needs compile=True to start compiling.
        self.rows_compile: int | None = ROWS_COMPILE if rows_compile == "default" else rows_compile
        self._frozen: dict[tuple, _Frozen] = {}  # (layer, group) -> its compiled rows GEMM
        self._frozen_weights: tuple | None = None  # (how many were ready, the weights with them in)
        self.rows_compile_s: float = 0.0  # seconds spent compiling them so far
        self.rows_compile_error: str | None = None
        self.compiled = bool(compile)
        self.background = bool(background)
        self.compile_s: dict[int, float] = {}  # bucket -> seconds its compile took (the first adapter shape's)
        self.compile_error: str | None = None
        self.steps = 0  # decode steps run (eager or compiled); eager_steps: of those, eager while compiling
        self.eager_steps = 0
        # compiled step per (bucket width, LoRA shapes): each its own code object, so a bucket compiled on
        # the warm-up thread never recompiles (or guards) another one in use on the scheduler's thread
        self._ready: dict[tuple, object] = {}
        self._head_ready = None  # the compiled int8-group head, once compiled
        self._pending: list[tuple] = []  # (key, lora of layer 0) for the warm-up thread, in order
        self._queued: set = set()
        self._cv = threading.Condition()
        self._worker: threading.Thread | None = None
        self._busy = False
        if compile:
            raise_recompile_limits(64)

    @staticmethod
    def supports(lm, fast=None) -> str | None:
        why = llama_shape_problem(lm)
        if why:
            return why
        if fast is not None and not (fast.covers_all and fast.route.enabled):
            return "a LoRA layer the fast LoRA path does not cover"
        if _base(lm.lm_head).weight.device.type != "cpu":
            return "not on CPU"
        for layer in lm.model.layers:
            for _, attr, names in GROUPS:
                mods = [getattr(getattr(layer, attr), p) for p in names]
                kinds = set()
                for p, mod in zip(names, mods):
                    why = projection_problem(p, mod)
                    if why:
                        return why
                    base = _base(mod)
                    kinds.add(("int4", base.group, base.scales_and_zeros.dtype) if _int4(base)
                               else ("float", base.weight.dtype))
                if len(kinds) != 1:
                    return f"{'/'.join(names)}: mixed weight kinds"
                kind = kinds.pop()
                if kind[0] == "int4" and kind[1] != GROUP or kind[0] == "float" and kind[1] != torch.float32:
                    return f"{'/'.join(names)}: not fp32 or int4 groups of {GROUP}"
        return None

    # ---- the row's adapter -------------------------------------------------------------------
    def _lora_for(self, adapter: str | None) -> list[dict]:
        """Per layer, fused group -> (A (K, r_sum), B (r_sum, N) block-diagonal) of this adapter, or None."""
        fast = self.fast
        slot = fast.slots.get(adapter, 0) if (fast is not None and adapter is not None) else 0
        if not slot:
            return [dict.fromkeys(GROUP_NAMES) for _ in self.layers]
        stack = id(self.layers[0].self_attn.q_proj.__dict__.get("_fastlora_A"))
        key = (adapter, slot, stack)
        got = self._lora.get(key)
        if got is not None:
            return got
        if any(k[2] != stack for k in self._lora):  # adapters were re-stacked: the old fusions are stale
            self._lora = {}
        # (every adapter's fusion kept: a few MB each; lone rows of different experts alternate)
        got = []
        for layer in self.layers:
            lo = {}
            for g, attr, names in GROUPS:
                mods = [getattr(getattr(layer, attr), p) for p in names]
                outs = [_base(m).out_features for m in mods]
                ab = [(i, m._fastlora_A[slot], m._fastlora_B[slot]) for i, m in enumerate(mods)
                      if hasattr(m, "_fastlora_A")]
                if not ab:
                    lo[g] = None
                    continue
                r = sum(A.shape[1] for _, A, _ in ab)
                A = torch.cat([a for _, a, _ in ab], 1).float().contiguous()
                B = torch.zeros(r, sum(outs))
                r0 = 0
                for i, _, b in ab:
                    c0 = sum(outs[:i])
                    B[r0:r0 + b.shape[0], c0:c0 + outs[i]] = b.float()
                    r0 += b.shape[0]
                lo[g] = (A, B)
            got.append(lo)
        self._lora[key] = got
        return got

    # ---- the step ----------------------------------------------------------------------------
    def bucket(self, need: int) -> int:
        for b in self.buckets:
            if b >= need:
                return b
        raise EngineUnsupported(f"{need} cache columns exceed the engine's {self.max_len}")

    def _fit(self, cache, width: int) -> None:
        """Move every cache layer to buffers of exactly `width` columns, the rows' columns from 0."""
        for layer in cache.layers:
            t = layer.end - layer.start
            if layer.start == 0 and layer.buf_k.shape[-2] == width:
                continue
            k, v = layer.keys, layer.values
            bk = k.new_zeros((k.shape[0], k.shape[1], width, k.shape[3]))
            bv = v.new_zeros((v.shape[0], v.shape[1], width, v.shape[3]))
            bk[:, :, :t], bv[:, :, :t] = k, v
            layer.place(bk, bv, 0, t)

    @torch.inference_mode()
    def step(self, token: torch.Tensor, pos: torch.Tensor, mask: torch.Tensor, cache, adapter: str | None
             ) -> torch.Tensor:
        """One decode step of one row: token (1,) at position pos (1,), attention mask (1, T+1) over the
        T cached columns and this one, `cache` the scheduler's growing cache (its layers end at T; moved on
        to T+1 here). Returns the logits (1, V) in fp32."""
        layers = cache.layers
        self._check(token, pos, mask, cache)
        t = layers[0].end - layers[0].start
        width = self.bucket(t + 1)
        self._fit(cache, width)
        bias = torch.full((1, width), float("-inf"))
        bias[0, :t + 1].masked_fill_(mask[0, -(t + 1):].bool(), 0.0)
        col = torch.tensor([t])
        p = int(pos[0])
        cos, sin = self.cos[p], self.sin[p]
        lora = self._lora_for(adapter)
        layer_fn, head_fn = self._fns(width, lora[0])
        x = F.embedding(token.view(1), self.embed).float()
        for i, layer in enumerate(layers):
            x = layer_fn(x, cos, sin, bias, col, layer.buf_k, layer.buf_v,
                         self.weights[i], lora[i], self.nh, self.nkv, self.hd, self.eps, self.scale)
        h = _rms(x, self.norm_w, self.eps)
        if head_fn is not None:
            logits = head_fn(h, *self.head_q8)
        else:  # (eagerly the int8 groups' float copy costs more than the fp32 weight)
            logits = F.linear(h, self.head_w).float()
        for layer in layers:
            layer.place(layer.buf_k, layer.buf_v, 0, t + 1)
        self.steps += 1
        return logits.float()

    def _lora_rows(self, adapters: tuple) -> list[dict]:
        """Per layer, group -> (A (K, R), B (R, N), sel (B, R)) for rows with these adapters (None: the
        base model), every distinct adapter's fused A/B side by side; kept until the rows change."""
        cached = getattr(self, "_rows_lora", None)
        stack = id(self.layers[0].self_attn.q_proj.__dict__.get("_fastlora_A"))
        if cached is not None and cached[0] == (adapters, stack):
            return cached[1]
        distinct = [a for a in dict.fromkeys(adapters) if a is not None]
        per = {a: self._lora_for(a) for a in distinct}
        got = []
        for i in range(len(self.layers)):
            lo = {}
            for g in GROUP_NAMES:
                parts = [(a, per[a][i][g]) for a in distinct if per[a][i][g] is not None]
                if not parts:
                    lo[g] = None
                    continue
                A = torch.cat([p[0] for _, p in parts], 1)
                B = torch.cat([p[1] for _, p in parts], 0)
                sel = torch.zeros(len(adapters), A.shape[1])
                c0 = 0
                for a, p in parts:
                    r = p[0].shape[1]
                    for row, ra in enumerate(adapters):
                        if ra == a:
                            sel[row, c0:c0 + r] = 1.0
                    c0 += r
                lo[g] = (A, B, sel)
            got.append(lo)
        self._rows_lora = ((adapters, stack), got)
        return got

    @torch.inference_mode()
    def step_rows(self, tokens: torch.Tensor, pos: torch.Tensor, mask: torch.Tensor, cache, adapters
                  ) -> torch.Tensor:
        """One decode step of the scheduler's whole batch, eagerly: tokens (B,) at positions pos (B,),
        mask (B, T+1) (left padding 0), `cache` its growing cache of B rows ending at T, adapters one per
        row (None = base). Every row's new token goes to column T; returns logits (B, V) fp32. The same
        numbers per row as its lone step up to float summation order (its own mask, position, adapter)."""
        layers = cache.layers
        b = int(tokens.shape[0])
        if not layers or len(layers) != len(self.layers) or not hasattr(layers[0], "buf_k"):
            raise ValueError("CpuDecoder.step_rows needs the scheduler's growing cache")
        t = layers[0].end - layers[0].start
        if tokens.dim() != 1 or pos.shape != (b,) or layers[0].buf_k.shape[0] != b or len(adapters) != b \
                or mask.shape[0] != b or mask.shape[1] < t + 1:
            raise ValueError(f"CpuDecoder.step_rows: tokens {tuple(tokens.shape)}, pos {tuple(pos.shape)}, mask "
                             f"{tuple(mask.shape)}, {len(adapters)} adapters and a cache of "
                             f"{layers[0].buf_k.shape[0]} rows x {t} columns do not match")
        if int(pos.max()) >= self.max_len:
            raise EngineUnsupported(f"position {int(pos.max())} is outside the engine's {self.max_len}")
        width = self.bucket(t + 1)
        self._fit(cache, width)
        bias = torch.full((b, width), float("-inf"))
        bias[:, :t + 1].masked_fill_(mask[:, -(t + 1):].bool(), 0.0)
        col = torch.tensor([t])
        cos, sin = self.cos.index_select(0, pos), self.sin.index_select(0, pos)
        lora = self._lora_rows(tuple(adapters))
        used = t + 1 if self.trim_attention else None
        attend = ROWS_ATTENTION.get(self.rows_attention)
        if attend is None:
            raise ValueError(f"CpuDecoder.rows_attention: {self.rows_attention!r} is not one of {sorted(ROWS_ATTENTION)}")
        weights = self._rows_weights(b)
        x = F.embedding(tokens, self.embed).float()
        for i, layer in enumerate(layers):
            x = _layer_rows(x, cos, sin, bias, col, layer.buf_k, layer.buf_v, weights[i], lora[i],
                            self.nh, self.nkv, self.hd, self.eps, self.scale, used, attend)
        logits = F.linear(_rms(x, self.norm_w, self.eps), self.head_w).float()
        for layer in layers:
            layer.place(layer.buf_k, layer.buf_v, 0, t + 1)
        self.steps += 1
        return logits

    def _rows_weights(self, b: int) -> list[dict]:
        """The per-layer weights step_rows multiplies b rows by: the int4 (packed, scales) pairs, or at
        dense_rows rows or more their dense bf16 copies (fused like the pairs; the modules' own `dense`
        buffers become views of them, so no second copy)."""
        n = self.dense_rows
        if n is not None and (isinstance(n, bool) or not isinstance(n, int) or n < 1):
            raise ValueError(f"CpuDecoder.dense_rows: {n!r} is not a row count >= 1 (or None: the int4 kernel always)")
        c = self.rows_compile
        if c is not None and (isinstance(c, bool) or not isinstance(c, int) or c < 2):
            raise ValueError(f"CpuDecoder.rows_compile: {c!r} is not a row count >= 2 (or None: the int4 kernel "
                             "always)")
        if not isinstance(self.weights[0]["qkv"], tuple):
            return self.weights
        if (n is None or b < n) and c is not None and b >= c:
            return self._rows_frozen()
        if n is None or b < n:
            return self.weights
        if self._dense is None:
            dense = []
            with torch.no_grad():
                for layer, w in zip(self.layers, self.weights):
                    d = dict(w)
                    for g, attr, names in GROUPS:
                        mods = [_base(getattr(getattr(layer, attr), p)) for p in names]
                        fused = torch.cat([m.dense for m in mods]) if len(mods) > 1 else mods[0].dense
                        r0 = 0
                        for m in mods:
                            m.dense = fused[r0:r0 + m.out_features]
                            r0 += m.out_features
                        d[g] = fused
                    dense.append(d)
            self._dense = dense
        return self._dense

    def _rows_frozen(self) -> list[dict]:
        """The weights with every projection whose rows graph is ready swapped for it (the rest the kernel's
        pairs); not all ready: ask for them (on the warm-up thread, or here with background=False)."""
        if len(self._frozen) < len(self.weights) * len(GROUPS) and self.rows_compile_error is None:
            self.warm_rows(background=self.background)
        got = self._frozen_weights
        if got is None or got[0] != len(self._frozen):
            ws = [{g: self._frozen.get((i, g), W) for g, W in w.items()} for i, w in enumerate(self.weights)]
            got = self._frozen_weights = (len(self._frozen), ws)
        return got[1]

    def _compile_rows(self, layers=None, compiler=None, limit: int | None = None) -> int:
        """Compile the rows GEMM of every projection of these layers (default all) not compiled yet, at most
        `limit` of them (None: all); returns how many are still missing. Each is its own graph (its own code
        object, the weights frozen into it as constants, the row count symbolic from 2) under inductor's
        freezing + max_autotune with only its C++ template (no benchmarking of alternatives). Inductor's FX
        graph cache is off for them: a cache hit between two projections of one shape reused the first's
        re-blocked weight (measured: logits 2.8-4.4 off), so every start compiles them cold (~1 s each after
        the first of each shape, ~25 s for those). `compiler(fn)` instead of torch.compile: tests give the
        plain function to check the dispatch without the compiler."""
        import torch._dynamo
        import torch._inductor.config as inductor_config

        keep_fx_tracing_in_its_thread()  # the compiler's tracing must not catch other threads' modules
        todo = [(i, g) for i in (range(len(self.weights)) if layers is None else layers)
                for g in GROUP_NAMES if (i, g) not in self._frozen]
        for i, g in todo[:limit]:
            t0 = time.perf_counter()
            W = self.weights[i][g]
            mod = _Packed(W)
            try:
                with COMPILE_LOCK, torch.inference_mode(), inductor_config.patch(
                        freezing=True, max_autotune=True, max_autotune_gemm_backends="CPP", fx_graph_cache=False):
                    fn = _copy(_woq_mm, f"rows_{i}_{g}")
                    fn = torch.compile(fn, dynamic=False) if compiler is None else compiler(fn)
                    x = torch.zeros(ROWS_EXAMPLE, W[0].shape[1] * 2, dtype=W[1].dtype)
                    torch._dynamo.mark_dynamic(x, 0, min=2, max=ROWS_MAX)
                    fn(x, mod)
            except Exception as exc:  # noqa: BLE001 - no working compiler here: the kernel for every row count
                self.rows_compile_error = repr(exc)[:300]
                return 0
            self._frozen[(i, g)] = _Frozen(fn, mod)
            self.rows_compile_s = round(self.rows_compile_s + time.perf_counter() - t0, 2)
        return len(todo) - len(todo[:limit])

    def warm_rows(self, background: bool = True) -> None:
        """Compile the rows GEMMs ahead of the first big step (bench/batch_step.py, bench/serve.py): on the
        warm-up thread, or here. Nothing without compile=True, an int4 base or rows_compile."""
        if self.compiled and self.rows_compile is not None and isinstance(self.weights[0]["qkv"], tuple):
            if background:
                self._request(ROWS_KEY, None)
            else:
                self._compile_rows()

    # ---- compiling: in the caller's thread, or on a warm-up thread while the caller runs eagerly ------
    @staticmethod
    def _sig(lo: dict) -> tuple:
        """What a compiled layer is specialised on besides the width: each group's LoRA shapes (or none)."""
        return tuple((g, None if v is None else (tuple(v[0].shape), tuple(v[1].shape))) for g, v in lo.items())

    def _fns(self, width: int, lo0: dict):
        """(layer step, head or None) for this width and adapter shape: the compiled ones when ready;
        not ready: compiled now (background=False), or eager while the warm-up thread compiles them."""
        if not self.compiled:
            return _layer, None
        key = (width, self._sig(lo0))
        fn = self._ready.get(key)
        if fn is None:
            if self.background:
                self._request(key, lo0)
                self.eager_steps += 1
                return _layer, self._head_ready
            self._compile(key, lo0)
            if not self.compiled:  # the compiler failed: eager from now on
                return _layer, None
            fn = self._ready[key]
        return fn, self._head_ready

    def _compile(self, key: tuple, lo0: dict) -> None:
        """Compile (and run once, on scratch buffers) the layer step for `key`, and the head if not yet."""
        width = key[0]
        if key in self._ready or not self.compiled:
            return
        keep_fx_tracing_in_its_thread()  # the compiler's tracing must not catch other threads' modules
        t0 = time.perf_counter()
        try:
            with COMPILE_LOCK, torch.inference_mode():
                if key in self._ready:  # compiled by another thread while this one waited
                    return
                if self.head_q8 is not None and self._head_ready is None:
                    head = torch.compile(_copy(_head_q8, "head"), dynamic=False)
                    head(torch.zeros(1, self.head_q8[0].shape[1] * GROUP), *self.head_q8)
                    self._head_ready = head
                fn = torch.compile(_copy(_layer, f"w{width}_{len(self._ready)}"), dynamic=False)
                kc = torch.zeros(1, self.nkv, width, self.hd)
                vc = torch.zeros_like(kc)
                fn(torch.zeros(1, self.embed.shape[1]), self.cos[0], self.sin[0], torch.zeros(1, width),
                   torch.tensor([0]), kc, vc, self.weights[0], lo0, self.nh, self.nkv, self.hd, self.eps, self.scale)
        except Exception as exc:  # noqa: BLE001 - no working compiler here: the same step eagerly
            self.compile_error = repr(exc)[:300]
            self.compiled = False
            return
        self._ready[key] = fn
        self.compile_s.setdefault(width, round(time.perf_counter() - t0, 2))

    def _request(self, key: tuple, lo0: dict) -> None:
        with self._cv:
            if key in self._queued:
                return
            self._queued.add(key)
            self._pending.append((key, lo0))
            if self._worker is None or not self._worker.is_alive():
                self._worker = threading.Thread(target=self._warm_loop, daemon=True, name="medrouter-cpu-compile")
                self._worker.start()
            self._cv.notify_all()

    def _warm_loop(self) -> None:
        while True:
            with self._cv:
                if not self._pending:
                    self._busy = False
                    self._cv.notify_all()
                    return
                key, lo0 = self._pending.pop(0)
                self._busy = True
            if key != ROWS_KEY:
                self._compile(key, lo0)
            elif self._compile_rows(limit=4):  # a layer at a time, so a bucket asked for meanwhile waits little
                with self._cv:
                    self._pending.append((key, lo0))

    def warm(self, widths=None, adapters=(None,), background: bool = True) -> None:
        """Compile the step for these bucket widths (default: every bucket, smallest first) and adapters'
        LoRA shapes ahead of the first request: on a warm-up thread (returns at once; steps run eagerly
        until their bucket is ready), or here. Without a compiler (or compile=False) it does nothing."""
        if not self.compiled:
            return
        los = {}
        for a in adapters:
            lo0 = self._lora_for(a)[0]
            los.setdefault(self._sig(lo0), lo0)
        for w in sorted(widths or self.buckets):
            for sig, lo0 in los.items():
                if background:
                    self._request((w, sig), lo0)
                else:
                    self._compile((w, sig), lo0)

    def wait_warm(self, timeout: float | None = None) -> bool:
        """Wait for the warm-up thread to finish what it was given; False on timeout."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cv:
            while self._pending or self._busy:
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    return False
                self._cv.wait(left)
        return True

    def ready_widths(self) -> set[int]:
        return {k[0] for k in self._ready}

    def _check(self, token, pos, mask, cache) -> None:
        """A clear error for what is not one row at the cache's right edge (cheap: shapes only)."""
        layers = getattr(cache, "layers", None)
        if not layers or len(layers) != len(self.layers) or not hasattr(layers[0], "buf_k"):
            raise ValueError(f"CpuDecoder.step needs the scheduler's growing cache with {len(self.layers)} "
                             f"layers, got {type(cache).__name__} with {len(layers or [])}")
        t = layers[0].end - layers[0].start
        rows = layers[0].buf_k.shape[0]
        if token.shape != (1,) or pos.shape != (1,) or rows != 1:
            raise ValueError(f"CpuDecoder.step decodes one row: token {tuple(token.shape)}, pos "
                             f"{tuple(pos.shape)} and a cache of {rows} rows (want (1,), (1,), 1)")
        if mask.dim() != 2 or mask.shape[0] != 1 or mask.shape[1] < t + 1:
            raise ValueError(f"CpuDecoder.step: attention mask {tuple(mask.shape)} does not cover the "
                             f"{t} cached columns and the new one (want (1, >= {t + 1}))")
        if not 0 <= int(pos[0]) < self.max_len:
            raise EngineUnsupported(f"position {int(pos[0])} is outside the engine's {self.max_len}")

def decoder_for(shared, compile: bool = True, max_len: int = 4096, background: bool = True):
    """The shared base's CpuDecoder (built once), or None where it does not apply. background: a bucket
    not compiled yet is compiled on a warm-up thread while its steps run eagerly (the scheduler's way:
    the first request at a new cache width does not wait for the compiler)."""
    fast = getattr(shared, "fast", None)
    key = (id(shared.model), id(fast), compile, background)  # adapters loaded later wrap the model anew: rebuild then
    cached = getattr(shared, "_cpu_decoder", None)
    if cached is not None and cached[0] == key:
        return cached[1]
    try:
        dec = CpuDecoder(shared.model, fast, compile=compile, max_len=max_len, background=background)
    except EngineUnsupported:
        dec = None
    shared._cpu_decoder = (key, dec)
    return dec
