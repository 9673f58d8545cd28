"""torch.fx tracing on one thread (torch.compile's, e.g. the scheduler's warm-up) must not reach the
modules other threads run meanwhile: fx patches torch.nn.Module.__call__ process-wide while it traces,
and the CI once failed with the embedder raising "module is not installed as a submodule"."""

from __future__ import annotations

import threading

import torch

from medrouter.core.tracing import keep_fx_tracing_in_its_thread


def _trace_paused(entered: threading.Event, release: threading.Event, out: dict) -> None:
    """symbolic_trace a function that waits, mid-trace, until the main thread has run its module."""

    class Net(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.inner = torch.nn.Linear(2, 2)

        def forward(self, x):
            entered.set()
            release.wait(30)
            return self.inner(x) + 1

    try:
        gm = torch.fx.symbolic_trace(Net())
        out["nodes"] = [n.op for n in gm.graph.nodes]
    except Exception as exc:  # noqa: BLE001 - reported to the main thread
        out["error"] = exc


def test_a_module_called_on_another_thread_while_fx_traces_runs_normally():
    assert keep_fx_tracing_in_its_thread() is True
    assert keep_fx_tracing_in_its_thread() is True  # idempotent
    entered, release, out = threading.Event(), threading.Event(), {}
    t = threading.Thread(target=_trace_paused, args=(entered, release, out))
    t.start()
    try:
        assert entered.wait(30), "the trace started"
        layer = torch.nn.Linear(2, 3)
        y = layer(torch.ones(1, 2))  # without the guard: NameError from the tracer's call_module
        assert isinstance(y, torch.Tensor) and y.shape == (1, 3)
        assert layer.weight.shape == (3, 2)  # __getattr__ too is the real one here
    finally:
        release.set()
        t.join(30)
    # and the tracing thread still traced its own submodule as a call_module node
    assert "error" not in out, out.get("error")
    assert "call_module" in out["nodes"]
    # after the trace, Module.__call__ is the real one again
    assert torch.nn.Module.__call__ is torch.nn.Module._wrapped_call_impl
