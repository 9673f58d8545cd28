"""Scale-out benchmarks: training tokens/s on 1 vs N GPUs (accelerate DDP), and multi-LoRA serving
throughput/latency against any OpenAI-compatible endpoint (vLLM, or the project's `medrouter serve`).

Training (the WORKLOAD.md workload, the project's trainer path of bench/train_throughput.py run
unchanged in every process; the 1-GPU baseline goes through the same launcher in the same run):

    python bench/scaleout.py train --gpu-counts 1,2 --variant project-qlora --out bench/results/scaleout.jsonl
    python bench/scaleout.py train --tiny          # CPU: tiny random Llama, 1 vs 2 processes over gloo

One JSON line per GPU count: tokens/s (sum over the processes, after --warmup optimizer steps, over
--steps more), per-GPU peak memory, scaling efficiency = tokens/s(N) / (N x tokens/s(1)), losses,
GPU names and versions.

Serving (4 adapters, mixed traffic; the same requests sent to one model first, as the baseline):

    python bench/scaleout.py serve --base-url http://127.0.0.1:8001/v1 --models medical_qa,summarization,advice,base

One JSON line per traffic pattern (single model, mixed): requests/s, p50/p95 latency, completion
tokens/s, errors, and mixed/single ratios.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# The repo root goes first: sys.path[0] is bench/, whose experts.py / router.py would shadow the packages.
sys.path[:] = [str(REPO)] + [p for p in sys.path if Path(p or ".").resolve() not in (REPO, REPO / "bench")]

THROUGHPUT = REPO / "bench" / "train_throughput.py"
TINY_SHAPE = {"layers": 2, "hidden": 64, "intermediate": 128, "heads": 4, "vocab": 512}
WORKLOAD_SHAPE = {"layers": 32, "hidden": 4096, "intermediate": 11008, "heads": 32, "vocab": 32000}


# ------------------------------------------------------------------------------------------
# Training: parent


def _shape_args(shape: dict) -> list[str]:
    return [x for k, v in shape.items() for x in (f"--{k}", str(v))]


def _aggregate(n: int, ranks: list[dict], wall_s: float) -> dict:
    tps = sum(r["tokens_per_s"] for r in ranks)
    first = ranks[0]
    return {
        "gpus": n,
        "processes": len(ranks),
        "variant": first["variant"],
        "tokens_per_s": round(tps, 1),
        "tokens_per_s_per_process": [r["tokens_per_s"] for r in ranks],
        "ranks": [r["rank"] for r in ranks],
        "world_size": first["world_size"],
        "backend": first["backend"],
        "tokens_seen_per_process": [r["tokens_seen"] for r in ranks],
        "peak_gib_per_gpu": [r["peak_gib"] for r in ranks],
        "final_loss_per_process": [r["final_loss"] for r in ranks],
        "first_loss_per_process": [r["first_loss"] for r in ranks],
        "optimizer_steps": first["optimizer_steps"],
        "warmup_steps": first["warmup_steps"],
        "tokens_measured": sum(r["tokens_measured"] for r in ranks),
        "batching": first["batching"],
        "features": first["features"],
        "gpu_names": sorted({r["gpu"] for r in ranks}),
        "versions": {k: first.get(k) for k in ("torch", "transformers", "peft", "bitsandbytes", "trl",
                                               "accelerate", "liger-kernel")},
        "launch_wall_s": round(wall_s, 1),
    }


def run_training(args) -> list[dict]:
    from training import launch

    shape = TINY_SHAPE if args.tiny else WORKLOAD_SHAPE
    variant = "project-lora-cpu" if args.tiny else args.variant
    cpu = args.tiny or variant == "project-lora-cpu"
    if args.gpu_counts:
        counts = [int(c) for c in args.gpu_counts.split(",")]
    elif cpu:
        counts = [1, 2]
    else:
        import torch

        counts = sorted({1, torch.cuda.device_count()})
    work = Path(args.workdir)
    work.mkdir(parents=True, exist_ok=True)
    model_dir = args.model_dir or str(
        (work if cpu else Path("/dev/shm")) / f"llama-{shape['layers']}x{shape['hidden']}-random")
    if not (Path(model_dir) / "config.json").exists():
        t0 = time.time()
        subprocess.run([sys.executable, str(THROUGHPUT), "--model-dir", model_dir, *_shape_args(shape), "--build"],
                       check=True)
        print(f"# built {model_dir} in {time.time() - t0:.0f}s", file=sys.stderr, flush=True)
    rows: list[dict] = []
    for n in counts:
        run_dir = Path(tempfile.mkdtemp(prefix=f"scaleout-{n}-", dir=work))
        cfg = launch.ddp_config(n, cpu=cpu, mixed_precision="no" if cpu else "bf16", port=launch.free_port())
        cfg_file = launch.write_accelerate_config(cfg, run_dir / "accelerate.yaml", ["bench/scaleout.py"])
        cmd = launch.accelerate_command(
            cfg_file, str(Path(__file__).resolve()), "worker", "--variant", variant, "--model-dir", model_dir,
            "--results", str(run_dir), "--warmup", str(args.warmup), "--steps", str(args.steps),
            "--workdir", str(run_dir), *_shape_args(shape),
            *(["--micro-batch-tokens", str(args.micro_batch_tokens)] if args.micro_batch_tokens else []))
        env = {**os.environ, "TOKENIZERS_PARALLELISM": "false",
               # CPU: one thread per process, so 1 and N processes compare like for like
               **({"OMP_NUM_THREADS": "1"} if cpu else {k: v for k, v in launch.NCCL_ENV.items()
                                                        if k not in os.environ})}
        if not cpu and "CUDA_VISIBLE_DEVICES" not in os.environ:
            # exactly n GPUs visible: a 1-process run that sees several GPUs would fall into
            # nn.DataParallel inside Trainer, which SFTTrainer refuses
            env["CUDA_VISIBLE_DEVICES"] = ",".join(str(i) for i in range(n))
        t0 = time.time()
        try:
            proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=args.timeout)
            rc, err = proc.returncode, proc.stderr
        except subprocess.TimeoutExpired as exc:
            rc, err = -1, (exc.stderr.decode() if isinstance(exc.stderr, bytes) else exc.stderr or "") + "\nTIMEOUT"
        wall = time.time() - t0
        ranks = [json.loads(p.read_text()) for p in sorted(run_dir.glob("rank*.json"))]
        if rc != 0 or len(ranks) != n:
            tail = "\n".join(err.strip().splitlines()[-30:])
            row = {"gpus": n, "variant": variant, "error": f"rc={rc}, {len(ranks)}/{n} process results",
                   "stderr_tail": tail}
            print(f"# {n} GPU(s) failed (rc={rc}) after {wall:.0f}s:\n{tail}", file=sys.stderr, flush=True)
        else:
            row = _aggregate(n, ranks, wall)
        rows.append(row)
    base = next((r for r in rows if r.get("gpus") == 1 and "tokens_per_s" in r), None)
    for r in rows:
        ok = base is not None and "tokens_per_s" in r
        r["speedup_vs_1"] = round(r["tokens_per_s"] / base["tokens_per_s"], 3) if ok else None
        r["scaling_efficiency"] = round(r["speedup_vs_1"] / r["gpus"], 3) if ok else None
        r["workload"] = ("WORKLOAD.md" if shape == WORKLOAD_SHAPE else
                         f"tiny CPU smoke: {shape['layers']} layers, hidden {shape['hidden']}")
        r["strategy"] = "ddp (accelerate)"
        r["device"] = "cpu (gloo)" if cpu else "cuda (nccl)"
    _emit(rows, args.out)
    return rows


# ------------------------------------------------------------------------------------------
# Training: one process under accelerate


def run_worker(args) -> None:
    """Join the process group, then run train_throughput's project variant exactly as it runs
    alone; its RESULT line goes to this process's own file (ranks never interleave lines)."""
    from training import launch

    state = launch.init_distributed()
    sys.path.append(str(THROUGHPUT.parent))  # after the repo root: bench/ holds experts.py
    import train_throughput as tt

    ns = argparse.Namespace(model_dir=args.model_dir, workdir=args.workdir, warmup=args.warmup, steps=args.steps,
                            lr=2e-4, data="random", attn="varlen", micro_batch_tokens=args.micro_batch_tokens,
                            vocab=args.vocab, hidden=args.hidden, intermediate=args.intermediate,
                            layers=args.layers, heads=args.heads)
    buf = Path(args.results) / f"rank{state.process_index}.out"
    with open(buf, "w") as fh, contextlib.redirect_stdout(fh):
        tt.child(args.variant, ns)
    found = [line[7:] for line in buf.read_text().splitlines() if line.startswith("RESULT ")]
    row = json.loads(found[-1])
    row["rank"] = state.process_index
    row["world_size"] = state.num_processes
    row["backend"] = state.backend
    (Path(args.results) / f"rank{state.process_index}.json").write_text(json.dumps(row))
    state.wait_for_everyone()


# ------------------------------------------------------------------------------------------
# Serving


def _prompts(config: str | None) -> list[str]:
    """Deterministic mixed prompts: the in-scope route examples of experts.yaml."""
    from medrouter.core.config import load_config

    s = load_config(config)
    return [ex for r in s.routes if r.name != s.router.out_of_scope_route for ex in r.examples]


def _one_request(client, base_url: str, model: str, prompt: str, max_tokens: int) -> dict:
    t0 = time.perf_counter()
    try:
        resp = client.post(f"{base_url}/chat/completions", json={
            "model": model, "messages": [{"role": "user", "content": prompt}],
            "max_tokens": max_tokens, "temperature": 0.0})
        ok = resp.status_code == 200
        body = resp.json() if ok else {}
        err = None if ok else f"HTTP {resp.status_code}: {resp.text[:200]}"
    except Exception as exc:  # a refused or dropped connection counts as an error, not a crash
        ok, body, err = False, {}, f"{type(exc).__name__}: {exc}"
    return {"ok": ok, "latency_s": time.perf_counter() - t0, "model": model, "error": err,
            "completion_tokens": (body.get("usage") or {}).get("completion_tokens", 0)}


def _percentile(xs: list[float], q: float) -> float | None:
    if not xs:
        return None
    xs = sorted(xs)
    return xs[min(len(xs) - 1, max(0, round(q * (len(xs) - 1))))]


def _traffic(client, args, pattern: str, models: list[str], prompts: list[str]) -> dict:
    rng = random.Random(0)
    if pattern == "single":
        plan = [(models[0], prompts[i % len(prompts)]) for i in range(args.requests)]
    else:
        plan = [(models[i % len(models)], prompts[i % len(prompts)]) for i in range(args.requests)]
        rng.shuffle(plan)
    t0 = time.perf_counter()
    with ThreadPoolExecutor(args.concurrency) as pool:
        results = list(pool.map(lambda mp: _one_request(client, args.base_url, mp[0], mp[1], args.max_tokens), plan))
    wall = time.perf_counter() - t0
    lat = [r["latency_s"] for r in results if r["ok"]]
    errors = [r for r in results if not r["ok"]]
    tokens = sum(r["completion_tokens"] for r in results)
    return {
        "traffic": pattern, "models": models if pattern == "mixed" else models[:1],
        "requests": len(plan), "concurrency": args.concurrency, "max_tokens": args.max_tokens,
        "ok": len(lat), "errors": len(errors), "first_error": errors[0]["error"] if errors else None,
        "requests_per_s": round(len(lat) / wall, 3), "completion_tokens_per_s": round(tokens / wall, 1),
        "p50_latency_s": round(_percentile(lat, 0.5), 3) if lat else None,
        "p95_latency_s": round(_percentile(lat, 0.95), 3) if lat else None,
        "wall_s": round(wall, 2),
    }


def run_serving(args) -> list[dict]:
    import httpx

    args.base_url = args.base_url.rstrip("/")
    headers = {"Authorization": f"Bearer {args.api_key}"} if args.api_key else {}
    with httpx.Client(timeout=args.request_timeout, headers=headers) as client:
        served = [m["id"] for m in client.get(f"{args.base_url}/models").json().get("data", [])]
        models = args.models.split(",") if args.models else served[:4]
        missing = [m for m in models if m not in served]
        if missing:
            raise SystemExit(f"models {missing} are not served at {args.base_url} (served: {served})")
        prompts = _prompts(args.config)
        # one warm-up request per model: adapter loading and graph capture are not throughput
        for m in models:
            _one_request(client, args.base_url, m, prompts[0], args.max_tokens)
        rows = [_traffic(client, args, "single", models, prompts), _traffic(client, args, "mixed", models, prompts)]
    single, mixed = rows
    mixed["requests_per_s_ratio_to_single"] = (
        round(mixed["requests_per_s"] / single["requests_per_s"], 3) if single["requests_per_s"] else None)
    mixed["p95_ratio_to_single"] = (round(mixed["p95_latency_s"] / single["p95_latency_s"], 3)
                                    if mixed["p95_latency_s"] and single["p95_latency_s"] else None)
    for r in rows:
        r["base_url"] = args.base_url
    _emit(rows, args.out)
    return rows


def _emit(rows: list[dict], out: str | None) -> None:
    lines = [json.dumps(r) for r in rows]
    if out:
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        with open(out, "a") as fh:
            fh.write("".join(line + "\n" for line in lines))
    for line in lines:
        print(line, flush=True)


def main(argv: list[str] | None = None) -> list[dict] | None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="what", required=True)
    t = sub.add_parser("train", help="training tokens/s, 1 vs N GPUs through accelerate")
    t.add_argument("--gpu-counts", default=None, help="comma list (default: 1 and all visible GPUs)")
    t.add_argument("--variant", default="project-qlora", choices=("project-qlora", "project-lora-bf16",
                                                                  "project-lora-cpu"))
    t.add_argument("--tiny", action="store_true", help="tiny random Llama on the CPU, 1 vs 2 processes (gloo)")
    t.add_argument("--warmup", type=int, default=4)
    t.add_argument("--steps", type=int, default=30)
    t.add_argument("--micro-batch-tokens", type=int, default=None)
    t.add_argument("--model-dir", default=None, help="default: /dev/shm/llama-32x4096-random (built once)")
    t.add_argument("--workdir", default="/tmp/scaleout")
    t.add_argument("--timeout", type=int, default=900, help="seconds per GPU count")
    t.add_argument("--out", default=None, help="append the JSON lines here")
    w = sub.add_parser("worker", help=argparse.SUPPRESS)
    for name in ("--variant", "--model-dir", "--results", "--workdir"):
        w.add_argument(name, required=True)
    for name in ("--warmup", "--steps", "--layers", "--hidden", "--intermediate", "--heads", "--vocab"):
        w.add_argument(name, type=int, required=True)
    w.add_argument("--micro-batch-tokens", type=int, default=None)
    s = sub.add_parser("serve", help="requests/s and latency against an OpenAI-compatible endpoint")
    s.add_argument("--base-url", required=True, help="e.g. http://127.0.0.1:8001/v1")
    s.add_argument("--models", default=None, help="comma list of served model names (default: the first 4)")
    s.add_argument("--requests", type=int, default=64)
    s.add_argument("--concurrency", type=int, default=8)
    s.add_argument("--max-tokens", type=int, default=64)
    s.add_argument("--request-timeout", type=float, default=300.0)
    s.add_argument("--api-key", default=os.environ.get("OPENAI_API_KEY"))
    s.add_argument("--config", default=None, help="experts.yaml whose route examples are the prompts")
    s.add_argument("--out", default=None)
    args = p.parse_args(argv)
    return {"train": run_training, "worker": run_worker, "serve": run_serving}[args.what](args)


if __name__ == "__main__":
    main()
