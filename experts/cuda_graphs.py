"""A decode engine for Llama-family models with LoRA experts: static KV cache, one CUDA graph per
(batch, cache bucket), LoRA as gathered per-row A/B applied with bmm, sampling and the token
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

Single adapter alternative: `merge(name)` adds B·A into the base weights (and `unmerge()` takes it
out again) so a single-stream request runs the base-only graph; bench/experts.py measures both.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F

PROJ = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")


class EngineUnsupported(Exception):
    """The model or request cannot run on the graph engine; callers fall back to `generate`."""


def _base(mod):
    return mod.get_base_layer() if hasattr(mod, "get_base_layer") else mod


def _rms(x, w, eps):
    xf = x.float()
    xf = xf * torch.rsqrt(xf.pow(2).mean(-1, keepdim=True) + eps)
    return w * xf.to(w.dtype)


def _grouped_lora(h, lo, a_key, outputs):
    """Projections that read the same input share one A matmul (their A matrices stacked side by
    side, `lo[a_key]`); each output then adds its own slice of h @ A times its B. `outputs`:
    (B key, base output) pairs in the stacking order; an output without a B is returned unchanged."""
    ha = torch.bmm(h, lo[a_key])
    o, outs = 0, []
    for name, t in outputs:
        Bm = lo.get(name)
        if Bm is not None:
            r = Bm.shape[1]
            t = t + torch.bmm(ha[..., o:o + r], Bm)
            o += r
        outs.append(t)
    return outs


def _rot(x, cos, sin):
    h = x.shape[-1] // 2
    rx = torch.cat((-x[..., h:], x[..., :h]), dim=-1)
    return x * cos + rx * sin


def _layer(x, cos, sin, mask, cols, kc, vc, w, lo, nh, nkv, hd, eps, scale, L):
    """One decoder layer on x (B, T, H); writes K/V at cache columns `cols`, attends over kc[..., :L, :]."""
    B, T, _ = x.shape
    h = _rms(x, w["ln1"], eps)
    q, k, v = F.linear(h, w["q"]), F.linear(h, w["k"]), F.linear(h, w["v"])
    if lo is not None and "Aqkv" in lo:
        q, k, v = _grouped_lora(h, lo, "Aqkv", (("Bq", q), ("Bk", k), ("Bv", v)))
    q = q.view(B, T, nh, hd).transpose(1, 2)
    k = k.view(B, T, nkv, hd).transpose(1, 2)
    v = v.view(B, T, nkv, hd).transpose(1, 2)
    q, k = _rot(q, cos, sin), _rot(k, cos, sin)
    kc.index_copy_(2, cols, k.to(kc.dtype))
    vc.index_copy_(2, cols, v.to(vc.dtype))
    a = F.scaled_dot_product_attention(q, kc[:, :, :L], vc[:, :, :L], attn_mask=mask, scale=scale,
                                       enable_gqa=nkv != nh)
    a = a.transpose(1, 2).reshape(B, T, nh * hd)
    o_ = F.linear(a, w["o"])
    if lo is not None and "Ao" in lo:
        o_ = o_ + torch.bmm(torch.bmm(a, lo["Ao"]), lo["Bo"])
    x = x + o_
    h = _rms(x, w["ln2"], eps)
    g, u = F.linear(h, w["gate"]), F.linear(h, w["up"])
    if lo is not None and "Agu" in lo:
        g, u = _grouped_lora(h, lo, "Agu", (("Bgate", g), ("Bup", u)))
    m = F.silu(g) * u
    d = F.linear(m, w["down"])
    if lo is not None and "Adown" in lo:
        d = d + torch.bmm(torch.bmm(m, lo["Adown"]), lo["Bdown"])
    return x + d


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


class GraphEngine:
    def __init__(self, model, fast=None, *, max_batch: int = 8, max_len: int = 4096,
                 buckets: tuple[int, ...] = (256, 512, 1024, 2048, 4096), compile: bool | None = None,
                 graphs: bool | None = None, check_every: int = 16):
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
        cuda = self.device.type == "cuda"
        self.use_graphs = cuda if graphs is None else graphs
        self.layers = bb.layers
        self.weights = []
        for layer in bb.layers:
            at, mlp = layer.self_attn, layer.mlp
            self.weights.append({
                "ln1": layer.input_layernorm.weight, "ln2": layer.post_attention_layernorm.weight,
                "q": _base(at.q_proj).weight, "k": _base(at.k_proj).weight, "v": _base(at.v_proj).weight,
                "o": _base(at.o_proj).weight, "gate": _base(mlp.gate_proj).weight,
                "up": _base(mlp.up_proj).weight, "down": _base(mlp.down_proj).weight})
        self._build_stacks()
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
        self.rows_buf: dict[int, dict] = {}  # batch -> per-layer gathered LoRA tensors (static addresses)
        self.graphs: dict[tuple, _Graph] = {}
        self.pool = None
        self.merged: str | None = None
        self._layer_fn = _layer
        self.compile_error: str | None = None
        if compile if compile is not None else cuda:
            try:
                import torch._dynamo as dyn

                for k in ("recompile_limit", "cache_size_limit", "accumulated_recompile_limit"):
                    if hasattr(dyn.config, k):
                        setattr(dyn.config, k, max(getattr(dyn.config, k), 256))
                self._layer_fn = torch.compile(_layer, dynamic=False, fullgraph=False)
            except Exception:  # noqa: BLE001 - no compiler: eager kernels inside the graph
                self._layer_fn = _layer

    # ---- what runs here ----------------------------------------------------------------------
    @staticmethod
    def supports(lm, fast=None) -> str | None:
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
            for p in PROJ:
                mod = getattr(at if p in PROJ[:4] else mlp, p)
                base = _base(mod)
                if not isinstance(base, torch.nn.Linear) or base.bias is not None:
                    return f"{p} is not a bias-free Linear (quantized or biased)"
                if mod is not base and not getattr(mod, "_fastlora_installed", False):
                    return f"{p}: a LoRA layer the fast LoRA path does not cover"
        return None

    def _build_stacks(self) -> None:
        """Per layer: stacked (N+1, in, r) A and (N+1, r, out) B from FastLoRA, A concatenated for
        q/k/v and gate/up (one bmm for the shared input)."""
        self.stacks = []
        self.n_slots = 1
        for layer in self.layers:
            at, mlp = layer.self_attn, layer.mlp
            st = {}
            get = {p: getattr(at if p in PROJ[:4] else mlp, p) for p in PROJ}
            ab = {p: (m._fastlora_A, m._fastlora_B) for p, m in get.items() if hasattr(m, "_fastlora_A")}
            for grp, names, keys in (("Aqkv", ("q_proj", "k_proj", "v_proj"), ("Bq", "Bk", "Bv")),
                                     ("Agu", ("gate_proj", "up_proj"), ("Bgate", "Bup"))):
                As = [ab[p][0] for p in names if p in ab]
                if As:
                    st[grp] = torch.cat(As, dim=-1)
                    for p, k in zip(names, keys):
                        if p in ab:
                            st[k] = ab[p][1]
            if "o_proj" in ab:
                st["Ao"], st["Bo"] = ab["o_proj"]
            if "down_proj" in ab:
                st["Adown"], st["Bdown"] = ab["down_proj"]
            for t in st.values():
                self.n_slots = max(self.n_slots, t.shape[0])
            self.stacks.append(st)
        self.has_lora = any(self.stacks)

    def _slots(self, rows) -> list[int]:
        if rows is None:
            return []
        if self.fast is None:
            if any(r is not None for r in rows):
                raise EngineUnsupported("adapters requested but no FastLoRA stacks")
            return [0] * len(rows)
        return [self.fast.slots[r] if r is not None else 0 for r in rows]

    def _gather(self, B: int, slots: list[int]) -> list[dict]:
        """Copy the rows' A/B into this batch size's static buffers (kept addresses for the graphs)."""
        idx = torch.tensor(slots, dtype=torch.long, device=self.device)
        bufs = self.rows_buf.get(B)
        if bufs is None:
            bufs = [{k: t.index_select(0, idx) for k, t in st.items()} for st in self.stacks]
            self.rows_buf[B] = bufs
        else:
            for st, buf in zip(self.stacks, bufs):
                for k, t in st.items():
                    torch.index_select(t, 0, idx, out=buf[k])
        return bufs

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
                    W = _base(m).weight  # (out, in) += sign * (A @ B)^T
                    W.add_((m._fastlora_A[s].float() @ m._fastlora_B[s].float()).t().to(W.dtype), alpha=sign)

    # ---- the step ------------------------------------------------------------------------------
    def _bucket(self, need: int) -> int:
        for b in self.buckets:
            if b >= need:
                return b
        raise EngineUnsupported(f"{need} tokens exceed the engine's {self.max_len}-token cache")

    def _decode_step(self, B: int, L: int, lora, sample: bool) -> None:
        x = F.embedding(self.tokens[:B, None], self.embed)  # (B, 1, H)
        valid = self.valid[:B]
        valid.index_fill_(1, self.widx, True)
        mask = valid[:, None, None, :L]
        p = self.pos[:B].clamp_max(self.max_len - 1)  # a row decoding past the cache never reads out of range
        cos, sin = self.cos[p][:, None, None], self.sin[p][:, None, None]  # (B,1,1,hd)
        for i in range(len(self.layers)):
            x = self._layer_fn(x, cos, sin, mask, self.widx, self.kc[i, :B], self.vc[i, :B], self.weights[i],
                               lora[i] if lora is not None else None, self.nh, self.nkv, self.hd, self.eps,
                               self.scale, L)
        h = _rms(x[:, -1], self.norm_w, self.eps)
        logits = F.linear(h, self.head_w).float()
        nxt = _select(logits, self.temp[:B], self.top_p[:B], sample)
        self.tokens[:B].copy_(nxt)
        self.out[:B].index_copy_(1, self.step, nxt[:, None])
        self.step.add_(1)
        self.pos[:B].add_(1)
        self.widx.add_(1)

    def _graph(self, B: int, L: int, lora, sample: bool) -> _Graph:
        key = (B, L, lora is not None, sample)
        g = self.graphs.get(key)
        if g is not None:
            return g
        saved = [t.clone() for t in (self.tokens, self.pos, self.widx, self.step, self.valid)]
        s = torch.cuda.Stream()
        s.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(s):
            for _ in range(3):  # compile + autotune + allocator warm-up outside the capture
                for t in (self.widx, self.step, self.pos, self.tokens):  # in range whatever ran before
                    t.zero_()
                try:
                    self._decode_step(B, L, lora, sample)
                except Exception as exc:  # noqa: BLE001 - compiler trouble: eager kernels in the graph
                    if self._layer_fn is _layer:
                        raise
                    self.compile_error = repr(exc)[:300]
                    self._layer_fn = _layer
                    self._decode_step(B, L, lora, sample)
        torch.cuda.current_stream().wait_stream(s)
        for t in (self.widx, self.step, self.pos, self.tokens):
            t.zero_()
        graph = torch.cuda.CUDAGraph()
        if self.pool is None:
            self.pool = torch.cuda.graph_pool_handle()
        with torch.cuda.graph(graph, pool=self.pool):
            self._decode_step(B, L, lora, sample)
        for t, v in zip((self.tokens, self.pos, self.widx, self.step, self.valid), saved):
            t.copy_(v)
        g = _Graph(graph, B, L, lora is not None, sample)
        self.graphs[key] = g
        return g

    # ---- a request batch ---------------------------------------------------------------------
    @torch.inference_mode()
    def prefill(self, input_ids: torch.Tensor, attention_mask: torch.Tensor | None, lora) -> torch.Tensor:
        """Run the prompt (eager), fill the cache, return the last position's logits (B, V) in fp32."""
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
            x = _layer(x, cos, sin, mask, cols, self.kc[i, :B], self.vc[i, :B], self.weights[i],
                       lora[i] if lora is not None else None, self.nh, self.nkv, self.hd, self.eps, self.scale, T)
        h = _rms(x[:, -1], self.norm_w, self.eps)
        self.pos[:B] = pos[:, -1] + 1
        self.widx.fill_(T)
        self.step.zero_()
        return F.linear(h, self.head_w).float()

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
        slots = self._slots(rows) if rows is not None else [0] * B
        use_lora = self.has_lora and any(s != 0 for s in slots)
        if use_lora and self.merged is not None:
            raise EngineUnsupported("an adapter is merged: unmerge() before routing rows")
        lora = self._gather(B, slots) if use_lora else None
        temps = [float(t) for t in (temperature if isinstance(temperature, (list, tuple)) else [temperature] * B)]
        tops = [float(t) for t in (top_p if isinstance(top_p, (list, tuple)) else [top_p] * B)]
        sample = any(t > 0 for t in temps)
        self.temp[:B, 0] = torch.tensor(temps, device=self.device)
        self.top_p[:B, 0] = torch.tensor(tops, device=self.device)
        graph = self._graph(B, L, lora, sample).graph if self.use_graphs else None  # before prefill: warm-up writes the cache
        logits = self.prefill(input_ids, attention_mask, lora)
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
                    self._decode_step(B, L, lora, sample)

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
        slots = self._slots(rows) if rows is not None else [0] * input_ids.shape[0]
        lora = self._gather(input_ids.shape[0], slots) if self.has_lora and any(slots) else None
        return self.prefill(input_ids, attention_mask, lora)


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
