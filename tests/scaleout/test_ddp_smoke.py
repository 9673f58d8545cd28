"""Two CPU processes through `accelerate launch` (gloo), each running the project's training path
(bench/train_throughput.py project variant over training/fastpath.py) on a tiny random Llama."""
from __future__ import annotations

import math
import sys

import pytest

pytest.importorskip("accelerate")
torch = pytest.importorskip("torch")
if not torch.distributed.is_available() or not torch.distributed.is_gloo_available():
    pytest.skip("torch.distributed with gloo is not available", allow_module_level=True)

from tests.conftest import ROOT  # noqa: E402

BENCH = str(ROOT / "bench")
sys.path.append(BENCH)  # last, never first: bench/experts.py and bench/router.py would shadow the packages
import scaleout  # noqa: E402

if BENCH not in sys.path:  # importing scaleout puts the repo root first and drops bench/
    sys.path.append(BENCH)


def _build_tiny_workload_model(folder):
    """train_throughput's own builder, in this process (a subprocess would re-import torch)."""
    import argparse

    import train_throughput

    dtype = torch.get_default_dtype()
    try:
        train_throughput.build_model(argparse.Namespace(model_dir=str(folder), **scaleout.TINY_SHAPE))
    finally:
        torch.set_default_dtype(dtype)  # the builder sets bf16 as the default


@pytest.mark.slow
def test_two_process_ddp_run_through_accelerate(tmp_path):
    model_dir = tmp_path / "tiny-model"
    _build_tiny_workload_model(model_dir)
    rows = scaleout.main(["train", "--tiny", "--gpu-counts", "2", "--warmup", "1", "--steps", "2",
                          "--model-dir", str(model_dir), "--workdir", str(tmp_path), "--timeout", "150"]) or []
    row = rows[0]
    assert "error" not in row, row.get("stderr_tail")
    assert row["processes"] == 2 and row["device"] == "cpu (gloo)"
    # one process group of two over gloo, not two independent runs
    assert row["ranks"] == [0, 1] and row["world_size"] == 2 and row["backend"] == "gloo"
    # the distributed sampler gives each process its own micro-batches
    a, b = row["tokens_seen_per_process"]
    assert a != b
    assert all(t > 0 for t in row["tokens_per_s_per_process"])
    assert row["optimizer_steps"] == 3
    # the trainer's logged loss is reduced over the processes: both report the same finite value
    losses = row["final_loss_per_process"]
    assert len(set(losses)) == 1 and math.isfinite(losses[0])
