"""A decode engine for Llama-family models with LoRA experts: static KV cache, one CUDA graph per
(batch, cache bucket, adapters mixed), LoRA fused into the base GEMMs (below), sampling and the token
bookkeeping on the GPU, and stopping checked every `check_every` steps instead of every token.

Why: at batch 1 a 7B decode step through `generate` + peft is ~1,500 small kernel launches and host
work (224 wrapped projections, dynamic cache, per-token stopping syncs); the GPU idles between them.
Here one step is one `graph.replay()`: the host queues `check_every` replays back to back and only
then reads the new tokens.

    engine = GraphEngine(peft_model, fast)           # fast: experts.fastlora.FastLoRA (stacks A/B)
    out = engine.generate(input_ids, attention_mask, max_new_tokens=128, rows=["expert0", None, ...])

`rows[i]` is row i's adapter (None = base); rows are left-padded like `generate`'s. Every LoRA layer
must be covered by FastLoRA (plain Linear LoRA), the model a LlamaForCausalLM-shaped decoder (RMSNorm,
rotary, SwiGLU MLP, no biases required) or `GraphEngine.supports()` says why not and callers keep
`generate`. On CPU the same code runs eagerly (no graphs): that is how the tests check it against
transformers; the runtime only selects it on CUDA.

Per layer the base weights are fused, q/k/v into one (out, in) tensor and gate/up into another, the
modules' own weights becoming views of it (no second copy of the base); each fused tensor (and o, down)
has spare rows after the base rows into which a call copies its batch's k distinct adapters' A^T, so
one GEMM computes the base output and h·A; a second (h·A masked to each row's adapter) @ B, B block-
diagonal over the fused projections, adds the LoRA delta. Per projection group that is 2 GEMMs and
one pointwise op instead of a GEMM, an A bmm and a B bmm per projection; the gathers run once per call,
outside the graphs, into static buffers.

Single adapter alternative: `merge(name)` adds B·A into the base weights (and `unmerge()` takes it
out again) so a single-stream request runs the base-only graph; bench/experts.py measures both.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from medrouter.core.tracing import keep_fx_tracing_in_its_thread

PROJ = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")


def raise_recompile_limits(n: int) -> None:
    """Let torch.compile keep `n` specialisations (one per cache bucket / batch shape) before it gives up."""
    import torch._dynamo as dyn

    for k in ("recompile_limit", "cache_size_limit", "accumulated_recompile_limit"):
        if hasattr(dyn.config, k):
            setattr(dyn.config, k, max(getattr(dyn.config, k), n))


def llama_shape_problem(lm) -> str | None:
    """Why `lm` is not a decoder these engines run (Llama-shaped: RMSNorm, rotary, SwiGLU, q/k/v/o and
    gate/up/down per layer), or None."""
    bb = getattr(lm, "model", None)
    if bb is None or not hasattr(bb, "layers") or not hasattr(bb, "rotary_emb") or not hasattr(lm, "lm_head"):
        return "not a Llama-shaped decoder (model.layers, rotary_emb, lm_head)"
    if getattr(lm.config, "hidden_act", "silu") not in ("silu", "swish"):
        return "MLP activation is not SiLU"
    rs = getattr(lm.config, "rope_scaling", None) or {}
    if isinstance(rs, dict) and rs.get("rope_type", rs.get("type")) in ("dynamic", "longrope"):
        return "length-dependent rope scaling"
    for layer in bb.layers:
        at, mlp = getattr(layer, "self_attn", None), getattr(layer, "mlp", None)
        if at is None or mlp is None or not all(hasattr(at, p) for p in PROJ[:4]) \
                or not all(hasattr(mlp, p) for p in PROJ[4:]):
            return "layer is not q/k/v/o + gate/up/down"
    return None


def projection_problem(name: str, mod) -> str | None:
    """Why projection `mod` cannot be fused: not a bias-free Linear, or a LoRA FastLoRA does not cover."""
    base = _base(mod)
    if not isinstance(base, torch.nn.Linear) or base.bias is not None:
        return f"{name} is not a bias-free Linear (quantized or biased)"
    if mod is not base and not getattr(mod, "_fastlora_installed", False):
        return f"{name}: a LoRA layer the fast LoRA path does not cover"
    return None


class EngineUnsupported(Exception):
    """The model or request cannot run on the graph engine; callers fall back to `generate`."""


def _base(mod):
    return mod.get_base_layer() if hasattr(mod, "get_base_layer") else mod


def _rms(x, w, eps):
    xf = x.float()
    xf = xf * torch.rsqrt(xf.pow(2).mean(-1, keepdim=True) + eps)
    return w * xf.to(w.dtype)


def _proj(h, W, Bm, sel):
    """h @ W^T for a fused weight W (out, in). With LoRA (`Bm` not None) W's rows after the base rows are
    the batch's k adapters' A^T (k blocks of w rows, one GEMM computes base and h·A together) and
    Bm (k*w, n) their B's, block-diagonal over the fused projections; `sel` (B, k) zeroes each row's
    h·A outside its own adapter (None: every row uses the one adapter)."""
    y = F.linear(h, W)
    if Bm is None:
        return y
    n = Bm.shape[1]
    base, ha = y[..., :n], y[..., n:]
    if sel is not None:
        ha = (ha.unflatten(-1, (sel.shape[-1], -1)) * sel[:, None, :, None].to(ha.dtype)).flatten(-2)
    return base + ha @ Bm


def _rot(x, cos, sin):
    h = x.shape[-1] // 2
    rx = torch.cat((-x[..., h:], x[..., :h]), dim=-1)
    return x * cos + rx * sin


def _attend(q, k, v, mask, scale, nh, nkv, attn):
    """q (B, nh, T, hd) over k/v (B, nkv, L, hd). attn="math" (T == 1 only): two matmuls and a float
    softmax, GQA by grouping the query heads (no K/V repeat); otherwise SDPA."""
    if attn == "math" and q.shape[2] == 1:
        B, _, _, hd = q.shape
        g = nh // nkv
        qg = q.reshape(B, nkv, g, hd)
        s = torch.matmul(qg, k.transpose(-1, -2)).float() * scale  # (B, nkv, g, L)
        if mask.dtype == torch.bool:
            s = s.masked_fill(~mask.view(B, 1, 1, -1), float("-inf"))
        else:
            s = s + mask.view(B, 1, 1, -1).float()
        p = torch.softmax(s, dim=-1).to(v.dtype)
        return torch.matmul(p, v).reshape(B, nh, 1, hd)
    return F.scaled_dot_product_attention(q, k, v, attn_mask=mask, scale=scale, enable_gqa=nkv != nh)


def _layer(x, cos, sin, mask, cols, kc, vc, w, lo, nh, nkv, hd, eps, scale, L, attn="sdpa"):
    """One decoder layer on x (B, T, H); writes K/V at cache columns `cols`, attends over kc[..., :L, :].
    w: fused weights ("qkv", "o", "gu", "down"; with LoRA each carries the batch's A^T rows), lo: the
    batch's B blocks per fused projection and the row selector "sel" (or None: base only)."""
    B, T, _ = x.shape
    lo = lo or {}
    sel = lo.get("sel")
    h = _rms(x, w["ln1"], eps)
    qkv = _proj(h, w["qkv"], lo.get("qkv"), sel)
    q, k, v = qkv.split((nh * hd, nkv * hd, nkv * hd), dim=-1)
    q = q.view(B, T, nh, hd).transpose(1, 2)
    k = k.view(B, T, nkv, hd).transpose(1, 2)
    v = v.view(B, T, nkv, hd).transpose(1, 2)
    q, k = _rot(q, cos, sin), _rot(k, cos, sin)
    kc.index_copy_(2, cols, k.to(kc.dtype))
    vc.index_copy_(2, cols, v.to(vc.dtype))
    a = _attend(q, kc[:, :, :L], vc[:, :, :L], mask, scale, nh, nkv, attn)
    a = a.transpose(1, 2).reshape(B, T, nh * hd)
    x = x + _proj(a, w["o"], lo.get("o"), sel)
    h = _rms(x, w["ln2"], eps)
    gu = _proj(h, w["gu"], lo.get("gu"), sel)
    g, u = gu.chunk(2, dim=-1)
    m = F.silu(g) * u
    return x + _proj(m, w["down"], lo.get("down"), sel)


def _select(logits, temp, top_p, sample: bool):
    """Next token per row: greedy where temp == 0, else temperature + top-p (exponential race)."""
    greedy = logits.argmax(-1)
    if not sample:
        return greedy
    t = temp.clamp_min(1e-5)
    p = torch.softmax(logits / t, dim=-1)
    ps, idx = torch.sort(p, dim=-1, descending=True)
    keep = (ps.cumsum(-1) - ps) < top_p
    ps = ps * keep
    e = torch.empty_like(ps).exponential_()
    choice = idx.gather(-1, (ps / e).argmax(-1, keepdim=True)).squeeze(-1)
    return torch.where(temp.squeeze(-1) > 0, choice, greedy)


@dataclass
class _Graph:
    graph: object
    batch: int
    bucket: int
    lora: bool
    sample: bool


# fused projections: (group, module attribute, projection names); their weights become row blocks of one
# tensor (the modules' own weights are views into it: no second copy of the base)
GROUPS = (("qkv", "self_attn", ("q_proj", "k_proj", "v_proj")), ("o", "self_attn", ("o_proj",)),
          ("gu", "mlp", ("gate_proj", "up_proj")), ("down", "mlp", ("down_proj",)))


def _fused(parent, group: str, mods: list, extra: int) -> torch.Tensor:
    """One (sum of out + extra, in) tensor holding `mods`' base weights as consecutive row blocks, followed by
    `extra` rows for the batch's LoRA A^T; the modules' weights are made views of it (values unchanged).
    Reused when the weights already are such views with room enough (another engine on the same model)."""
    ws = [_base(m).weight for m in mods]
    n = sum(w.shape[0] for w in ws)
    held = getattr(parent, "_cg_fused", {}).get(group)
    if held is not None and held.shape[0] >= n + extra and held.shape[1] == ws[0].shape[1] \
            and held.dtype == ws[0].dtype and held.device == ws[0].device:
        o, ok = 0, True
        for w in ws:
            ok = ok and w.data_ptr() == held[o].data_ptr() and w.is_contiguous()
            o += w.shape[0]
        if ok:
            return held
    W = torch.zeros(n + extra, ws[0].shape[1], dtype=ws[0].dtype, device=ws[0].device)
    o = 0
    with torch.no_grad():
        for m, w in zip(mods, ws):
            W[o:o + w.shape[0]].copy_(w)
            _base(m).weight.data = W[o:o + w.shape[0]]
            o += w.shape[0]
    if not hasattr(parent, "_cg_fused"):
        parent._cg_fused = {}
    parent._cg_fused[group] = W
    return W


class GraphEngine:
    def __init__(self, model, fast=None, *, max_batch: int = 8, max_len: int = 4096,
                 buckets: tuple[int, ...] = (256, 512, 1024, 2048, 4096), compile: bool | None = None,
                 graphs: bool | None = None, check_every: int = 16, attn: str = "bias"):
        lm = model.get_base_model() if hasattr(model, "get_base_model") else model
        why = self.supports(lm, fast)
        if why:
            raise EngineUnsupported(why)
        self.model, self.fast = model, fast
        cfg = lm.config
        bb = lm.model
        self.embed = bb.embed_tokens.weight
        self.device, self.dtype = self.embed.device, self.embed.dtype
        self.nh = cfg.num_attention_heads
        self.nkv = getattr(cfg, "num_key_value_heads", None) or self.nh
        self.hd = getattr(cfg, "head_dim", None) or cfg.hidden_size // self.nh
        self.eps = bb.norm.variance_epsilon
        self.scale = getattr(bb.layers[0].self_attn, "scaling", self.hd ** -0.5)
        self.norm_w = bb.norm.weight
        self.head_w = _base(lm.lm_head).weight
        self.max_batch = max_batch
        self.max_len = min(max_len, getattr(cfg, "max_position_embeddings", max_len) or max_len)
        self.buckets = tuple(sorted({b for b in buckets if b < self.max_len} | {self.max_len}))
        self.check_every = check_every
        # decode attention: "bias" = SDPA with an additive mask made once per step (H200, 7B: b8 mixed 5.38 ms
        # a step vs 5.45 with "sdpa", SDPA's boolean mask converted in every layer), "math" = matmuls (5.69)
        self.attn = attn
        cuda = self.device.type == "cuda"
        self.use_graphs = cuda if graphs is None else graphs
        self.layers = bb.layers
        self._build_stacks()
        self.fused, self.nrows = [], []  # per layer: group -> fused weight (base rows, then k_max A^T blocks)
        for layer, st in zip(self.layers, self.stacks):
            f, nr = {}, {}
            for g, attr, names in GROUPS:
                parent = getattr(layer, attr)
                mods = [getattr(parent, p) for p in names]
                extra = self.k_max * st[g][0].shape[1] if g in st else 0
                f[g] = _fused(parent, g, mods, extra)
                nr[g] = sum(_base(m).weight.shape[0] for m in mods)
            self.fused.append(f)
            self.nrows.append(nr)
        if cuda:
            torch.cuda.empty_cache()  # the replaced per-projection weights
        # the batch's B blocks (static: the graphs read them) and row selector
        self.bbuf = [{g: torch.zeros(self.k_max * BB.shape[1], BB.shape[2], dtype=self.dtype, device=self.device)
                      for g, (_, BB) in st.items()} for st in self.stacks]
        self.sel = torch.zeros(max_batch, max(self.k_max, 1), dtype=self.dtype, device=self.device)
        self._views: dict[tuple, tuple] = {}
        # rotary tables for every position (cos/sin already carry the rope's attention scaling)
        with torch.no_grad():
            pos = torch.arange(self.max_len, device=self.device)[None]
            cos, sin = bb.rotary_emb(self.embed[:1][None], pos)
        self.cos, self.sin = cos[0].to(self.dtype), sin[0].to(self.dtype)  # (max_len, hd)
        shape = (len(self.layers), max_batch, self.nkv, self.max_len, self.hd)
        self.kc = torch.zeros(shape, dtype=self.dtype, device=self.device)
        self.vc = torch.zeros(shape, dtype=self.dtype, device=self.device)
        d = self.device
        self.tokens = torch.zeros(max_batch, dtype=torch.long, device=d)
        self.pos = torch.zeros(max_batch, dtype=torch.long, device=d)
        self.widx = torch.zeros(1, dtype=torch.long, device=d)
        self.step = torch.zeros(1, dtype=torch.long, device=d)
        self.valid = torch.zeros(max_batch, self.max_len, dtype=torch.bool, device=d)
        self.out = torch.zeros(max_batch, self.max_len, dtype=torch.long, device=d)
        self.temp = torch.zeros(max_batch, 1, dtype=torch.float32, device=d)
        self.top_p = torch.ones(max_batch, 1, dtype=torch.float32, device=d)
        self.graphs: dict[tuple, _Graph] = {}
        self.pool = None
        self.merged: str | None = None
        self._layer_fn = _layer
        self.compile_error: str | None = None
        if compile if compile is not None else cuda:
            try:
                raise_recompile_limits(256)
                keep_fx_tracing_in_its_thread()  # it traces at the first call: other threads keep their modules
                self._layer_fn = torch.compile(_layer, dynamic=False, fullgraph=False)
            except Exception:  # noqa: BLE001 - no compiler: eager kernels inside the graph
                self._layer_fn = _layer

    # ---- what runs here ----------------------------------------------------------------------
    @staticmethod
    def supports(lm, fast=None) -> str | None:
        why = llama_shape_problem(lm)
        if why:
            return why
        for layer in lm.model.layers:
            for _, attr, names in GROUPS:
                ws = []
                for p in names:
                    mod = getattr(getattr(layer, attr), p)
                    why = projection_problem(p, mod)
                    if why:
                        return why
                    ws.append(_base(mod).weight)
                if len({(w.shape[1], w.dtype, w.device) for w in ws}) != 1:
                    return f"{'/'.join(names)}: weights of different width, dtype or device"
        return None

    def _build_stacks(self) -> None:
        """Per layer and fused group with LoRA: AT (N+1, w, in) = the group's A's transposed and stacked
        (w = sum of their ranks) and BB (N+1, w, out) = their B's block-diagonally (zeros elsewhere), slot 0
        the base (zeros), in the base dtype. k_max: adapters a batch can mix."""
        self.stacks = []
        self.n_slots = 1
        for layer in self.layers:
            st = {}
            for g, attr, names in GROUPS:
                parent = getattr(layer, attr)
                mods = [getattr(parent, p) for p in names]
                outs = [_base(m).weight.shape[0] for m in mods]
                with_ab = [(i, m._fastlora_A, m._fastlora_B) for i, m in enumerate(mods) if hasattr(m, "_fastlora_A")]
                if not with_ab:
                    continue
                dt, dev = _base(mods[0]).weight.dtype, _base(mods[0]).weight.device
                N = with_ab[0][1].shape[0]
                w = sum(A.shape[-1] for _, A, _ in with_ab)
                AT = torch.zeros(N, w, with_ab[0][1].shape[1], dtype=dt, device=dev)
                BB = torch.zeros(N, w, sum(outs), dtype=dt, device=dev)
                r0 = 0
                for i, A, Bm in with_ab:
                    r, c0 = A.shape[-1], sum(outs[:i])
                    AT[:, r0:r0 + r] = A.transpose(1, 2).to(dt)
                    BB[:, r0:r0 + r, c0:c0 + outs[i]] = Bm.to(dt)
                    r0 += r
                st[g] = (AT, BB)
                self.n_slots = max(self.n_slots, N)
            self.stacks.append(st)
        self.has_lora = any(self.stacks)
        self.k_max = min(self.max_batch, self.n_slots - 1) if self.has_lora else 0

    def _slots(self, rows) -> list[int]:
        if rows is None:
            return []
        if self.fast is None:
            if any(r is not None for r in rows):
                raise EngineUnsupported("adapters requested but no FastLoRA stacks")
            return [0] * len(rows)
        return [self.fast.slots[r] if r is not None else 0 for r in rows]

    def _gather(self, B: int, slots: list[int]) -> tuple[int, bool]:
        """Copy the batch's k distinct adapters' A^T into the fused weights' spare rows and their B blocks into
        the static B buffers (once per call, outside the graphs), set the row selector; -> (k, masked)."""
        distinct = sorted({s for s in slots if s})
        k = len(distinct)
        idx = torch.tensor(distinct, dtype=torch.long, device=self.device)
        for st, f, bb in zip(self.stacks, self.fused, self.bbuf):
            for g, (AT, BB) in st.items():
                w = AT.shape[1]
                n = BB.shape[2]
                torch.index_select(AT, 0, idx, out=f[g][n:n + k * w].view(k, w, AT.shape[2]))
                torch.index_select(BB, 0, idx, out=bb[g][:k * w].view(k, w, n))
        masked = len(set(slots)) > 1  # rows differ (another adapter or the base): h·A per row's own adapter
        if masked:
            onehot = torch.tensor([[float(s == d) for d in distinct] for s in slots], dtype=self.dtype)
            self.sel[:B, :k].copy_(onehot)
        return k, masked

    def _lw(self, B: int, k: int, masked: bool):
        """Per layer (weights, LoRA) views for a batch of B rows mixing k adapters (k = 0: base only)."""
        key = (B, k, masked)
        v = self._views.get(key)
        if v is None:
            ws, los = [], []
            for i, layer in enumerate(self.layers):
                st, f = self.stacks[i], self.fused[i]
                w = {"ln1": layer.input_layernorm.weight, "ln2": layer.post_attention_layernorm.weight}
                lo = {}
                for g, _, _ in GROUPS:
                    n = self.nrows[i][g]
                    if k and g in st:
                        w[g] = f[g][:n + k * st[g][0].shape[1]]
                        lo[g] = self.bbuf[i][g][:k * st[g][0].shape[1]]
                    else:
                        w[g] = f[g][:n]
                if k:
                    lo["sel"] = self.sel[:B, :k] if masked else None
                ws.append(w)
                los.append(lo if k else None)
            v = self._views[key] = (ws, los)
        return v

    # ---- merge / unmerge (single adapter alternative) --------------------------------------------
    @torch.no_grad()
    def merge(self, name: str) -> None:
        self.unmerge()
        s = self.fast.slots[name]
        self._apply_merge(s, +1.0)
        self.merged = name

    @torch.no_grad()
    def unmerge(self) -> None:
        if self.merged is None:
            return
        self._apply_merge(self.fast.slots[self.merged], -1.0)
        self.merged = None

    def _apply_merge(self, s: int, sign: float) -> None:
        for layer in self.layers:
            at, mlp = layer.self_attn, layer.mlp
            for p in PROJ:
                m = getattr(at if p in PROJ[:4] else mlp, p)
                if hasattr(m, "_fastlora_A"):
                    W = _base(m).weight  # (out, in) += sign * (A @ B)^T; a view of the fused weight
                    W.add_((m._fastlora_A[s].float() @ m._fastlora_B[s].float()).t().to(W.dtype), alpha=sign)

    # ---- the step ------------------------------------------------------------------------------
    def _bucket(self, need: int) -> int:
        for b in self.buckets:
            if b >= need:
                return b
        raise EngineUnsupported(f"{need} tokens exceed the engine's {self.max_len}-token cache")

    def _decode_step(self, B: int, L: int, lw, sample: bool) -> None:
        ws, los = lw
        x = F.embedding(self.tokens[:B, None], self.embed)  # (B, 1, H)
        valid = self.valid[:B]
        valid.index_fill_(1, self.widx, True)
        mask = valid[:, None, None, :L]
        if self.attn != "sdpa":  # additive mask once per step, not a bool->float per layer
            mask = torch.zeros(mask.shape, dtype=self.dtype, device=self.device).masked_fill_(~mask, float("-inf"))
        p = self.pos[:B].clamp_max(self.max_len - 1)  # a row decoding past the cache never reads out of range
        cos, sin = self.cos[p][:, None, None], self.sin[p][:, None, None]  # (B,1,1,hd)
        for i in range(len(self.layers)):
            x = self._layer_fn(x, cos, sin, mask, self.widx, self.kc[i, :B], self.vc[i, :B], ws[i], los[i],
                               self.nh, self.nkv, self.hd, self.eps, self.scale, L, self.attn)
        h = _rms(x[:, -1], self.norm_w, self.eps)
        logits = F.linear(h, self.head_w).float()
        nxt = _select(logits, self.temp[:B], self.top_p[:B], sample)
        self.tokens[:B].copy_(nxt)
        self.out[:B].index_copy_(1, self.step, nxt[:, None])
        self.step.add_(1)
        self.pos[:B].add_(1)
        self.widx.add_(1)

    def _graph(self, B: int, L: int, k: int, masked: bool, sample: bool) -> _Graph:
        key = (B, L, k, masked, sample)
        g = self.graphs.get(key)
        if g is not None:
            return g
        lw = self._lw(B, k, masked)
        saved = [t.clone() for t in (self.tokens, self.pos, self.widx, self.step, self.valid)]
        s = torch.cuda.Stream()
        s.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(s):
            for _ in range(3):  # compile + autotune + allocator warm-up outside the capture
                for t in (self.widx, self.step, self.pos, self.tokens):  # in range whatever ran before
                    t.zero_()
                try:
                    self._decode_step(B, L, lw, sample)
                except Exception as exc:  # noqa: BLE001 - compiler trouble: eager kernels in the graph
                    if self._layer_fn is _layer:
                        raise
                    self.compile_error = repr(exc)[:300]
                    self._layer_fn = _layer
                    self._decode_step(B, L, lw, sample)
        torch.cuda.current_stream().wait_stream(s)
        for t in (self.widx, self.step, self.pos, self.tokens):
            t.zero_()
        graph = torch.cuda.CUDAGraph()
        if self.pool is None:
            self.pool = torch.cuda.graph_pool_handle()
        with torch.cuda.graph(graph, pool=self.pool):
            self._decode_step(B, L, lw, sample)
        for t, v in zip((self.tokens, self.pos, self.widx, self.step, self.valid), saved):
            t.copy_(v)
        g = _Graph(graph, B, L, k > 0, sample)
        self.graphs[key] = g
        return g

    # ---- a request batch ---------------------------------------------------------------------
    @torch.inference_mode()
    def prefill(self, input_ids: torch.Tensor, attention_mask: torch.Tensor | None, lw) -> torch.Tensor:
        """Run the prompt (eager), fill the cache, return the last position's logits (B, V) in fp32."""
        ws, los = lw
        B, T = input_ids.shape
        dev = self.device
        ids = input_ids.to(dev)
        am = torch.ones_like(ids) if attention_mask is None else attention_mask.to(dev)
        self.valid[:B].zero_()
        self.valid[:B, :T] = am.bool()
        pos = (am.long().cumsum(-1) - 1).clamp_min(0)  # like generate's position_ids for left padding
        cos, sin = self.cos[pos][:, None], self.sin[pos][:, None]  # (B,1,T,hd)
        causal = torch.ones(T, T, dtype=torch.bool, device=dev).tril()
        mask = self.valid[:B, None, None, :T] & causal[None, None]
        mask = mask | ~am.bool()[:, None, :, None]  # fully-masked pad queries: no NaN (ignored anyway)
        cols = torch.arange(T, device=dev)
        x = F.embedding(ids, self.embed)
        for i in range(len(self.layers)):
            x = _layer(x, cos, sin, mask, cols, self.kc[i, :B], self.vc[i, :B], ws[i], los[i],
                       self.nh, self.nkv, self.hd, self.eps, self.scale, T)
        h = _rms(x[:, -1], self.norm_w, self.eps)
        self.pos[:B] = pos[:, -1] + 1
        self.widx.fill_(T)
        self.step.zero_()
        return F.linear(h, self.head_w).float()

    def _route(self, B: int, rows) -> tuple[int, bool]:
        """Gather the rows' adapters (see _gather) -> (k, masked); (0, False) for base rows only."""
        slots = self._slots(rows) if rows is not None else [0] * B
        if not (self.has_lora and any(s != 0 for s in slots)):
            return 0, False
        if self.merged is not None:
            raise EngineUnsupported("an adapter is merged: unmerge() before routing rows")
        return self._gather(B, slots)

    @torch.inference_mode()
    def generate(self, input_ids: torch.Tensor, attention_mask: torch.Tensor | None = None, *,
                 max_new_tokens: int, rows: list[str | None] | None = None, temperature=0.0, top_p=1.0,
                 eos_ids: list[int] | None = None, min_new_tokens: int = 0, on_tokens=None,
                 should_stop=None) -> torch.Tensor:
        """(B, T) prompt -> (B, T + n) like `generate`; a row's tokens after its eos are not meaningful
        (callers cut rows at their stop). `on_tokens(new (B, k) cpu tensor, total)` sees each chunk of new tokens;
        `should_stop()` returning True ends the call at the next chunk boundary."""
        B, T = input_ids.shape
        if B > self.max_batch:
            raise EngineUnsupported(f"batch {B} > engine max_batch {self.max_batch}")
        L = self._bucket(T + max_new_tokens)
        k, masked = self._route(B, rows)
        lw = self._lw(B, k, masked)
        temps = [float(t) for t in (temperature if isinstance(temperature, (list, tuple)) else [temperature] * B)]
        tops = [float(t) for t in (top_p if isinstance(top_p, (list, tuple)) else [top_p] * B)]
        sample = any(t > 0 for t in temps)
        self.temp[:B, 0] = torch.tensor(temps, device=self.device)
        self.top_p[:B, 0] = torch.tensor(tops, device=self.device)
        graph = self._graph(B, L, k, masked, sample).graph if self.use_graphs else None  # before prefill: warm-up writes the cache
        logits = self.prefill(input_ids, attention_mask, lw)
        first = _select(logits, self.temp[:B], self.top_p[:B], sample)
        self.tokens[:B].copy_(first)
        eos = torch.tensor(sorted(set(eos_ids or [])), dtype=torch.long)
        done = torch.zeros(B, dtype=torch.bool)
        got = [first.cpu()[:, None]]
        n = 1
        if on_tokens is not None:
            on_tokens(got[0], n)
        if len(eos):
            done |= torch.isin(got[0][:, 0], eos)

        def launch(k):
            for _ in range(k):
                if graph is not None:
                    graph.replay()
                else:
                    self._decode_step(B, L, lw, sample)

        def finished():
            return (bool(done.all()) and n >= min_new_tokens) or (should_stop is not None and should_stop())

        pending = min(self.check_every, max_new_tokens - n) if not finished() else 0
        launch(pending)
        while pending:
            start = n - 1  # self.out column of this chunk's first token
            chunk = self.out[:B, start:start + pending].cpu()  # the one sync per chunk
            n += pending
            # queue the next chunk before looking at this one: the GPU decodes while the host checks
            nxt = min(self.check_every, max_new_tokens - n)
            launch(nxt)
            got.append(chunk)
            if on_tokens is not None:
                on_tokens(chunk, n)
            if len(eos):
                done |= torch.isin(chunk, eos).any(-1)
            pending = 0 if finished() else nxt
        new = torch.cat(got, dim=1)
        return torch.cat([input_ids.cpu(), new], dim=1).to(input_ids.device)

    def logits_for(self, input_ids, rows=None, attention_mask=None):
        """Prefill logits (B, V) for checks against the model's own forward."""
        B = input_ids.shape[0]
        return self.prefill(input_ids, attention_mask, self._lw(B, *self._route(B, rows)))


# ---- the in-process backend's hook (experts/runtime.py: ExpertPool._run on CUDA) ------------------
def engine_for(shared, max_len: int, max_batch: int = 8):
    """The shared base's GraphEngine (built once per set of loaded adapters), or None where it does
    not apply: not CUDA, a layer FastLoRA does not cover, or a model this engine does not run."""
    model, fast = shared.model, getattr(shared, "fast", None)
    if not torch.cuda.is_available() or next(model.parameters()).device.type != "cuda":
        return None
    if fast is not None and not (fast.covers_all and fast.route.enabled):
        return None
    key = tuple(sorted(fast.slots.items())) if fast is not None else ()
    cached = getattr(shared, "_graph_engine", None)
    if cached is not None and cached[0] == key:
        return cached[1]
    shared._graph_engine = cached = None  # the old engine's graphs and buffers go before the new ones come
    try:
        eng = GraphEngine(model, fast, max_batch=max_batch, max_len=max_len)
    except EngineUnsupported:
        eng = None
    shared._graph_engine = (key, eng)
    return eng


def engine_generate(engine, kwargs: dict, adapters, stopper, streamer=None):
    """`model.generate(**kwargs)` on the engine, for the runtime's kwargs (greedy or temperature/top-p,
    eos ids, RowStopper as the stopping criterion, an optional streamer). The stopper sees every
    token, a chunk at a time, off the GPU's critical path; it ends the call when every row is done."""
    ids, am = kwargs["input_ids"], kwargs.get("attention_mask")
    eos = kwargs.get("eos_token_id") or []
    eos = [eos] if isinstance(eos, int) else list(eos)
    temp = kwargs.get("temperature") if kwargs.get("do_sample") else 0.0
    state = {"ids": ids.cpu()}
    if streamer is not None:
        streamer.put(state["ids"])

    def on_tokens(chunk, n):
        for j in range(chunk.shape[1]):
            state["ids"] = torch.cat([state["ids"], chunk[:, j:j + 1]], dim=1)
            stopper(state["ids"], None)
            if streamer is not None:
                streamer.put(chunk[:, j])

    try:
        out = engine.generate(ids, am, max_new_tokens=kwargs["max_new_tokens"], rows=adapters,
                              temperature=temp or 0.0, top_p=kwargs.get("top_p") or 1.0, eos_ids=eos,
                              on_tokens=on_tokens, should_stop=lambda: all(r is not None for r in stopper.reasons))
    finally:
        if streamer is not None:
            streamer.end()
    return out
