"""Micro-benchmark of the scheduler's batched CPU decode step (experts/cpu_engine.py `step_rows`, issue #21):
decode tokens/s at batch 1, 4, 8, 16 for two settings of the batched step in the same run, interleaved:
by default (`--paths dense`, an int4 base) the projections through the packed int4 kernel ("old") or
through the weights' dense bf16 copy, one GEMM for all rows ("new", CpuDecoder.dense_rows=1); with
`--paths attention` attention as two matmuls over the whole cache bucket ("old") or one SDPA over the
used columns only ("new").

    python bench/batch_step.py [--config experts.yaml] [--batches 1,4,8,16] [--steps 16] [--repeats 3]
                               [--report-words 0] [--paths dense|attention]

`--report-words N`: the summarization rows summarize the first N words of a reference library page
(public text the library ships) instead of a short letter, so the rows' cache widths differ more.

Rows are real requests (the shipped experts' prompts, each with its own adapter, the base for advice),
prefilled through the model's forward as the scheduler does; each timed round decodes `--steps` greedy
tokens from the same prefilled cache (copied), so old and new see the same work. Prints one JSON object:
per batch size the median step time and tokens/s of each path, new over old, and how far the paths'
logits and greedy tokens are apart (`max_logit_diff`, `same_tokens`: the fraction of identical greedy
tokens over the steps, each path fed its own tokens). `OMP_WAIT_POLICY=PASSIVE` as in bench/serve.py.
"""
from __future__ import annotations

import argparse
import copy
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

QUESTIONS = [("medical_qa", "What is the difference between type 1 and type 2 diabetes?"),
             ("summarization", "Summarize this report: Clinic letter. 45-year-old man seen for knee pain after "
                               "running. Examination: mild effusion, full range of movement. Plan: rest, ice, "
                               "physiotherapy, review in six weeks."),
             ("advice", "I was told my blood pressure is 150/95. What should I do before my next appointment?"),
             ("medical_qa", "How does metformin work?"),
             ("summarization", "Summarize this lab report: Haemoglobin 10.9 g/dL (low), ferritin 8 ug/L (low), "
                               "MCV 74 fL (low). Comment: picture consistent with iron deficiency."),
             ("advice", "My discharge letter says to weigh myself every morning. Why does that matter?")]

PATHS = {"old": {"dense_rows": None, "rows_compile": None},  # int4 base: the packed kernel at every row count
         "new": {"dense_rows": 1}}  # int4 base: the weights' dense bf16 copy, one GEMM for all rows
# --paths rows: the kernel (old) vs inductor's compiled weight-only int4 GEMM at every row count >= 2 (new;
# compiled before the clock, its seconds reported as rows_compile_s)
ROWS_PATHS = {"old": {"dense_rows": None, "rows_compile": None}, "new": {"dense_rows": None, "rows_compile": 2}}
# (--paths attention: the attention comparison of commit 1722066)
ATTENTION_PATHS = {"old": {"trim_attention": False, "rows_attention": "bmm"}, "new": {}}


REPORT = ROOT / "data/reference/pages/condition/heart-failure.md"


def prefill(pool, b: int, report_words: int = 0):
    """b rows of real prompts (cycled), prefilled together: (tokens, pos, mask, cache, adapters)."""
    import torch

    from experts import GenerationRequest
    from experts.config import GenerationSettings
    from experts.prompting import build_messages
    from experts.scheduler import _growing_cache, left_pad

    jobs = []
    for i in range(b):
        expert, q = QUESTIONS[i % len(QUESTIONS)]
        if report_words and expert == "summarization":
            words = REPORT.read_text(encoding="utf-8").split()
            q = "Summarize this report: " + " ".join(words[(i * 37) % 50:][:report_words])
        req = GenerationRequest(expert, build_messages(pool.spec(expert), q), GenerationSettings(max_new_tokens=8))
        jobs.append(pool._prepare(req).job)
    ids, mask = left_pad([j.ids for j in jobs], pool.tokenizer.pad_token_id or 0)
    pos = (mask.cumsum(-1) - 1).masked_fill_(mask == 0, 1)
    adapters = [j.adapter for j in jobs]
    shared = pool.shared
    cache = _growing_cache(shared.base.config)
    with torch.inference_mode():
        if shared.fast is not None:
            shared.fast.set_rows(adapters)
        out = shared.model(input_ids=ids, attention_mask=mask, position_ids=pos, past_key_values=cache,
                           use_cache=True, logits_to_keep=1)
    return out.logits[:, -1].argmax(-1), pos[:, -1] + 1, mask, cache, adapters


def decode(dec, state, steps: int, settings: dict):
    """`steps` greedy batched steps from a copy of `state` under these decoder settings: (median seconds
    per step after the first, logits per step, tokens per step)."""
    import torch

    tok, pos, mask, cache, adapters = state
    cache = copy.deepcopy(cache)  # (before the clock: each timed step is step_rows alone)
    saved = {k: getattr(dec, k) for k in settings}
    for k, v in settings.items():
        setattr(dec, k, v)
    logits_all, toks, times = [], [], []
    try:
        with torch.inference_mode():
            for _ in range(steps):
                mask = torch.cat([mask, torch.ones_like(mask[:, :1])], 1)
                t0 = time.perf_counter()
                logits = dec.step_rows(tok, pos, mask, cache, adapters)
                times.append(time.perf_counter() - t0)
                tok, pos = logits.argmax(-1), pos + 1
                logits_all.append(logits)
                toks.append(tok.tolist())
    finally:
        for k, v in saved.items():
            setattr(dec, k, v)
    return statistics.median(times[1:]), logits_all, toks


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--config", default=None)
    ap.add_argument("--batches", default="1,4,8,16")
    ap.add_argument("--steps", type=int, default=16)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--report-words", type=int, default=0)
    ap.add_argument("--paths", choices=("dense", "attention", "rows"), default="dense",
                    help="dense: int4 kernel (old) vs the dense bf16 GEMM (new); attention: bmm over the bucket "
                         "(old) vs SDPA over the used columns (new); rows: int4 kernel (old) vs inductor's "
                         "compiled weight-only int4 GEMM (new)")
    args = ap.parse_args()
    paths = {"attention": ATTENTION_PATHS, "rows": ROWS_PATHS}.get(args.paths, PATHS)

    import torch

    torch.set_num_threads(args.threads)
    from experts import ExpertPool
    from experts.cpu_engine import decoder_for
    from medrouter.core.config import load_config

    pool = ExpertPool(load_config(args.config))
    # (compile=True only for --paths rows: step_rows never uses the single-row step's compiled buckets)
    dec = decoder_for(pool.shared, compile=args.paths == "rows", background=False)
    if dec is None:
        raise SystemExit("the CPU engine does not run this model (experts/cpu_engine.py CpuDecoder.supports)")
    int4 = isinstance(dec.weights[0]["qkv"], tuple)  # the packed int4 (weight, scales) pair
    extra = {}
    if args.paths == "rows":
        dec.rows_compile = 2
        dec.warm_rows(background=False)
        extra = {"rows_compile_s": dec.rows_compile_s, "rows_compiled": len(dec._frozen),
                 "rows_compile_error": dec.rows_compile_error}
        print(json.dumps(extra), file=sys.stderr, flush=True)
    out = {"bench": "batch_step", "threads": args.threads, "int4_base": int4, **extra,
           "paths": paths, "steps": args.steps, "repeats": args.repeats, "report_words": args.report_words, "omp_wait_policy": os.environ.get("OMP_WAIT_POLICY"),
           "loadavg_start": [round(x, 2) for x in os.getloadavg()], "batches": {}}
    for b in [int(x) for x in args.batches.split(",")]:
        state = prefill(pool, b, args.report_words)
        secs = {p: [] for p in paths}
        runs = {}
        for _ in range(args.repeats):  # interleaved: a load spike hits both paths
            for p, settings in paths.items():
                s, logits, toks = decode(dec, state, args.steps, settings)
                secs[p].append(s)
                runs[p] = (logits, toks)
        (lo, to), (ln, tn) = runs["old"], runs["new"]
        same = sum(a == c for x, y in zip(to, tn) for a, c in zip(x, y)) / (b * args.steps)
        first_diff = next((i for i, (x, y) in enumerate(zip(to, tn)) if x != y), None)
        # logits compared only while both paths were fed the same tokens
        upto = first_diff + 1 if first_diff is not None else len(lo)
        diff = max(float((x - y).abs().max()) for x, y in zip(lo[:upto], ln[:upto]))
        row = {"prompt_tokens": int(state[2].shape[1])}
        for p in paths:
            m = statistics.median(secs[p])
            row[p] = {"step_ms": round(m * 1000, 1), "tokens_per_s": round(b / m, 1),
                      "best_step_ms": round(min(secs[p]) * 1000, 1)}
        row["new_over_old"] = round(row["new"]["tokens_per_s"] / row["old"]["tokens_per_s"], 2)
        row["max_logit_diff"] = round(diff, 5)
        row["same_tokens"] = round(same, 3)
        out["batches"][str(b)] = row
        print(json.dumps({b: row}), file=sys.stderr, flush=True)
    one = out["batches"].get("1")
    if one:
        for p in paths:
            out[f"{p}_x_batch1"] = {k: round(v[p]["tokens_per_s"] / one[p]["tokens_per_s"], 2)
                                    for k, v in out["batches"].items()}
    out["loadavg_end"] = [round(x, 2) for x in os.getloadavg()]
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
