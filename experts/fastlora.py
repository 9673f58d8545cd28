"""A lean inference forward for peft's LoRA layers: one kernel path for one adapter, one adapter per
row, or none — and an adapter "switch" that is a Python assignment, not a module walk.

peft as-is is the baseline (bench/experts.py measures it): its LoRA forward runs dropout, two
Linear calls, a scaling multiply and an add per layer, walks Python dicts on every call, upcasts to
the adapter dtype, and for a batch mixing adapters (`adapter_names`) splits the batch into sub-
batches with index copies on every layer and every decode step.

Here, for every LoRA Linear, the adapters are stacked once at load time:
    A: (N+1, in, r_max)   B: (N+1, r_max, out) with the LoRA scaling folded into B,
slot 0 being zeros (the base model). Per generate call the rows' slots are fixed, so:
  * one adapter for the whole batch: out = addmm(base(x), x @ A[k], B[k])            (2 kernels)
  * mixed adapters: A/B gathered once per call per layer, then
    out = baddbmm(base(x), bmm(x, A_rows), B_rows)                                   (2 kernels)
  * base only: base(x).
Adapters with different ranks are zero-padded to r_max, which changes nothing numerically. On CPU the
stacks are fp32 even under a bf16 base (tiny bf16 matmuls are slow there; see _compute_dtype).
Layers this does not cover (DoRA and other variants, fan_in_fan_out, non-Linear LoRA) keep peft's own
forward, with peft's `adapter_names`; `FastLoRA.covers_all` tells whether the fast path is complete.
"""
from __future__ import annotations

import types

import torch


class _Route:
    """Which adapter slot each row uses in the current call; shared by every patched layer."""

    def __init__(self):
        self.enabled = True
        self.mode = "base"  # base | single | mixed
        self.index = 0
        self.rows: torch.Tensor | None = None  # (B,) slots, mixed mode
        self.version = 0  # bumped on every route change: layers re-gather lazily


def _compute_dtype(layer) -> torch.dtype:
    base = layer.get_base_layer()
    w = getattr(base, "weight", None)
    if w is not None and w.device.type == "cpu":
        # CPU: the LoRA matmuls are tiny (rank 8-16) and bf16/fp16 ones take a slow path there
        # (measured on AVX512-BF16/AMX: x @ A 59 us in bf16 vs 7.5 us in fp32, addmm 190 vs 15 us),
        # so they run in fp32 whatever the base computes in; the casts cost less than that.
        return torch.float32
    dt = getattr(base, "compute_dtype", None)  # bitsandbytes Linear4bit
    if isinstance(dt, torch.dtype):
        return dt
    w = getattr(base, "weight", None)
    if w is not None and w.dtype.is_floating_point:
        return w.dtype
    return torch.bfloat16


class FastLoRA:
    def __init__(self, peft_model):
        self.model = peft_model
        self.route = _Route()
        self.slots: dict[str, int] = {}
        self.layers: list = []
        self.covers_all = True

    # ---- building ----------------------------------------------------------------------------
    def rebuild(self, names: list[str]) -> None:
        """(Re)stack the adapters `names` on every LoRA layer and install the fast forward."""
        from peft.tuners.lora.layer import LoraLayer

        self.slots = {n: i + 1 for i, n in enumerate(names)}
        self.covers_all = True
        self.layers = []
        for module in self.model.modules():
            if not isinstance(module, LoraLayer):
                continue
            if not self._supported(module, names):
                self.covers_all = False
                continue
            self._stack(module, names)
            if not getattr(module, "_fastlora_installed", False):
                module._fastlora_orig_forward = module.forward
                module.forward = types.MethodType(_fast_forward, module)
                module._fastlora_installed = True
            module._fastlora_route = self.route
            self.layers.append(module)

    @staticmethod
    def _supported(layer, names) -> bool:
        if getattr(layer, "fan_in_fan_out", False) or getattr(layer, "lora_variant", None):
            return False
        for n in names:
            if n in layer.lora_A and not isinstance(layer.lora_A[n], torch.nn.Linear):
                return False
        return True

    @staticmethod
    def _stack(layer, names) -> None:
        base = layer.get_base_layer()
        fin, fout = base.in_features, base.out_features
        ranks = [layer.lora_A[n].out_features for n in names if n in layer.lora_A]
        r = max(ranks) if ranks else 1
        dtype = _compute_dtype(layer)
        device = next((layer.lora_A[n].weight.device for n in names if n in layer.lora_A), None)
        if device is None:
            device = next(base.parameters()).device
        A = torch.zeros(len(names) + 1, fin, r, dtype=dtype, device=device)
        B = torch.zeros(len(names) + 1, r, fout, dtype=dtype, device=device)
        with torch.no_grad():
            for i, n in enumerate(names, start=1):
                if n not in layer.lora_A:  # this adapter does not touch this layer: zeros
                    continue
                a = layer.lora_A[n].weight  # (r_n, in)
                b = layer.lora_B[n].weight  # (out, r_n)
                rn = a.shape[0]
                A[i, :, :rn] = a.t().to(dtype)
                B[i, :rn, :] = (b.t().float() * layer.scaling[n]).to(dtype)
        layer._fastlora_A, layer._fastlora_B = A, B
        layer._fastlora_cache = (-1, None, None)

    # ---- routing -----------------------------------------------------------------------------
    def set_rows(self, names: list[str | None]) -> None:
        """Route row i to adapter names[i] (None = base model) for the next forward calls."""
        slots = [self.slots[n] if n is not None else 0 for n in names]
        r = self.route
        r.version += 1
        if all(s == 0 for s in slots):
            r.mode, r.rows = "base", None
        elif len(set(slots)) == 1:
            r.mode, r.index, r.rows = "single", slots[0], None
        else:
            device = self.layers[0]._fastlora_A.device if self.layers else "cpu"
            r.mode, r.rows = "mixed", torch.tensor(slots, dtype=torch.long, device=device)

    def reset(self) -> None:
        self.route.mode, self.route.rows = "base", None
        self.route.version += 1

    def uninstall(self) -> None:
        """Give every layer peft's own forward back and drop the stacks."""
        for layer in self.layers:
            if getattr(layer, "_fastlora_installed", False):
                layer.forward = layer._fastlora_orig_forward
                layer._fastlora_installed = False
                del layer._fastlora_A, layer._fastlora_B, layer._fastlora_cache
        self.layers = []

    def set_enabled(self, on: bool) -> None:
        """Off = peft's own forward everywhere (the baseline)."""
        self.route.enabled = on


def _fast_forward(self, x: torch.Tensor, *args, **kwargs) -> torch.Tensor:
    route: _Route = self._fastlora_route
    if not route.enabled:
        return self._fastlora_orig_forward(x, *args, **kwargs)
    kwargs.pop("adapter_names", None)
    result = self.base_layer(x, *args, **kwargs)
    if route.mode == "base":
        return result
    xs = x.to(self._fastlora_A.dtype)
    out_shape = result.shape
    res = result.to(self._fastlora_A.dtype)
    if route.mode == "single":
        A, B = self._fastlora_A[route.index], self._fastlora_B[route.index]  # views, no copy
        x2 = xs.reshape(-1, xs.shape[-1])
        out = torch.addmm(res.reshape(-1, out_shape[-1]), x2 @ A, B)
        return out.view(out_shape).to(result.dtype)
    version, A_rows, B_rows = self._fastlora_cache
    if version != route.version:
        A_rows = self._fastlora_A.index_select(0, route.rows)  # (B, in, r)
        B_rows = self._fastlora_B.index_select(0, route.rows)  # (B, r, out)
        self._fastlora_cache = (route.version, A_rows, B_rows)
    if xs.shape[0] != A_rows.shape[0]:
        raise RuntimeError(f"fast LoRA: batch of {xs.shape[0]} rows routed for {A_rows.shape[0]}")
    x3 = xs.reshape(xs.shape[0], -1, xs.shape[-1])  # (B, T, in)
    out = torch.baddbmm(res.reshape(xs.shape[0], -1, out_shape[-1]), torch.bmm(x3, A_rows), B_rows)
    return out.view(out_shape).to(result.dtype)
