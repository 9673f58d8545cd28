"""Router benchmark: latency (short and 5,000-word requests), batch throughput and dev-split quality
of the calibrated head beside the nearest-example baselines, measured in the same run.

    python bench/router.py [--config experts.yaml] [--cores 2] [--n 60]

Prints one JSON object. Pinned to `--cores` CPUs (torch threads too) to match the 2-core target.
On a machine shared with other work, pass `--threads 1` and read `cpu_p50_ms`: two intra-op
threads on oversubscribed cores wait on each other and wall time then measures the neighbours.
The dev split (router.dev_file) is never fitted on; the head is the committed one.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def pct(xs, q):
    import numpy as np

    return round(float(np.percentile(xs, q)), 2)


def timed_single(router, items):
    """Wall-clock latency, and the process's CPU time per request: with one torch thread the CPU
    time is what the request costs on an idle core, a load-independent figure on a shared machine."""
    lat, cpu = [], []
    for text, docs in items:
        t0, c0 = time.perf_counter(), time.process_time()
        router.route(text, has_documents=docs)
        lat.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
    return {"p50_ms": pct(lat, 50), "p95_ms": pct(lat, 95), "cpu_p50_ms": pct(cpu, 50), "cpu_p95_ms": pct(cpu, 95),
            "n": len(lat)}


def quality(router, examples):
    ds = router.route_batch([e.text for e in examples], [e.has_documents for e in examples])
    oos = router.oos
    y = [e.label for e in examples]
    ins = [d.refused for d, t in zip(ds, y) if t != oos]
    out = [d.refused for d, t in zip(ds, y) if t == oos]
    return {"accuracy": round(sum(d.route == t for d, t in zip(ds, y)) / len(y), 4),
            "out_of_scope_recall": round(sum(out) / len(out), 4),
            "false_refusal_rate": round(sum(ins) / len(ins), 4)}


def long_inputs(examples, words=5000, n=20):
    """5,000-word requests: a real pasted report from the dev split, repeated, with its instruction."""
    import random

    rng = random.Random(0)
    reports = [e for e in examples if e.label == "summarization" and len(e.text.split()) > 150]
    out = []
    for i in range(n):
        e = reports[i % len(reports)]
        body = e.text
        while len(body.split()) < words:
            body += "\n" + rng.choice(reports).text
        body = " ".join(body.split(" ")[:words]) if len(body.split()) > words * 1.2 else body
        out.append((body + ("\n\nCan you summarize this for me?" if i % 2 else ""), e.has_documents))
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--config")
    ap.add_argument("--cores", type=int, default=2)
    ap.add_argument("--threads", type=int, default=None, help="torch intra-op threads (default: --cores)")
    ap.add_argument("--n", type=int, default=60, help="single requests timed per kind")
    ap.add_argument("--lora-head", help="also time a head fitted with router.encoder minilm_lora (its .safetensors; "
                                        "fitted under this config with only router.encoder changed)")
    args = ap.parse_args()
    if hasattr(os, "sched_setaffinity") and len(os.sched_getaffinity(0)) > args.cores:
        os.sched_setaffinity(0, sorted(os.sched_getaffinity(0))[: args.cores])
    import torch

    torch.set_num_threads(args.threads or args.cores)

    from medrouter.core.config import load_config
    from router import Router
    from router.data import load_labeled

    s = load_config(args.config)
    dev = load_labeled(s.router.dev_file, s.route_names)
    train = load_labeled(s.router.train_file, s.route_names)
    plain = s.model_copy(deep=True)
    plain.router.pool_layers = [-1]
    t0 = time.perf_counter()
    routers = {
        "logreg": Router(s),
        # the baselines as published embedding routers do it: the plain sentence vector (last layer)
        "nearest_config_examples": Router(plain, classifier="nearest"),
        "nearest_config_and_train": Router(plain, classifier="nearest", extra=[(e.text, e.label) for e in train]),
    }
    if args.lora_head:
        sl = s.model_copy(deep=True)
        sl.router.encoder, sl.router.head_path = "minilm_lora", str(Path(args.lora_head).resolve())
        routers["logreg_minilm_lora"] = Router(sl)  # the shared MiniLM (no second load) + a merged private copy
    setup_s = round(time.perf_counter() - t0, 1)
    short = [(e.text, e.has_documents) for e in dev if len(e.text.split()) <= 60][: args.n]
    long = long_inputs(dev, n=max(10, args.n // 3))
    batch = [(e.text, e.has_documents) for e in dev if len(e.text.split()) <= 60][:256]
    res = {"cores": args.cores, "torch_threads": torch.get_num_threads(), "load_avg_1m": round(os.getloadavg()[0], 2),
           "dev_examples": len(dev), "long_input_words": [len(t.split()) for t, _ in long[:3]], "setup_s": setup_s,
           "goals": {"short_p50_ms": "< 15", "long_p50_ms": "< 40", "accuracy": ">= 0.97",
                     "out_of_scope_recall": ">= 0.99", "false_refusal_rate": "<= 0.02"}}
    for name, r in routers.items():
        r.route("warm up the encoder")
        row = {"short": timed_single(r, short), "long_5000_words": timed_single(r, long)}
        t1 = time.perf_counter()
        r.route_batch([t for t, _ in batch], [d for _, d in batch])
        row["batch_throughput_req_s"] = round(len(batch) / (time.perf_counter() - t1), 1)
        row["dev"] = quality(r, dev)
        res[name] = row
    base = res["nearest_config_examples"]
    res["logreg_vs_nearest"] = {
        "accuracy_gain": round(res["logreg"]["dev"]["accuracy"] - base["dev"]["accuracy"], 4),
        "short_p50_ratio": round(res["logreg"]["short"]["p50_ms"] / base["short"]["p50_ms"], 2),
        "long_p50_ratio": round(res["logreg"]["long_5000_words"]["p50_ms"] / base["long_5000_words"]["p50_ms"], 2)}
    if "logreg_minilm_lora" in res:
        lo, fr = res["logreg_minilm_lora"], res["logreg"]
        res["minilm_lora_vs_logreg"] = {
            "accuracy_gain": round(lo["dev"]["accuracy"] - fr["dev"]["accuracy"], 4),
            "short_p50_ratio": round(lo["short"]["p50_ms"] / fr["short"]["p50_ms"], 2),
            "short_cpu_p50_ratio": round(lo["short"]["cpu_p50_ms"] / fr["short"]["cpu_p50_ms"], 2),
            "long_p50_ratio": round(lo["long_5000_words"]["p50_ms"] / fr["long_5000_words"]["p50_ms"], 2)}
    print(json.dumps(res, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
