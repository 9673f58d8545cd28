"""Experiment (issue #6): rerank retrieval.Store's top-k by the base LM's query likelihood (UPR,
Sachan et al. 2022): score(chunk) = mean log p(question tokens | "Passage: <chunk> ... Question:"),
teacher-forced in batched forwards of the base SmolLM2 (no adapter), then fused with the current
order. Compared with the current order in the same run. Prints one JSON object.

    python bench/rerank_lm.py                      # k=10, plain prompt, mixed collection, all questions
    python bench/rerank_lm.py --k 20 --prompt chat --ids q01,q02

Fusions are chosen on q01-q60 only; q61-q74 (held out) are reported separately, never tuned on.
LM scores are cached per (prompt, question, chunk) in --cache, so fusions can be explored without
re-running the LM.

Result (2026-11-26, 2 shared cores, load 4-6; bench/results/rerank_lm_plain_k5.json): it does not
win. k=5, plain prompt: answer@1 on q01-q60 0.767 current order vs 0.533 LM order alone, 0.767 /
0.683 / 0.567 with RRF weight 0.5 / 1 / 2 and 0.750-0.650 with z-score fusion; q61-q74 0.571 for
the current order and no fusion above it. The answer chunk is in the top 5 for 60/60 (the
headroom is there; SmolLM2-135M's likelihood does not find it). Cost: median 14 s per query for 5
candidates (~770 passage tokens) at load 4-6, 1.8 s when the cores were nearly free. The chat
template (12-question probe, bench/results/rerank_lm_chat_k5_probe12.json: 6 current misses + 6
hits the plain LM order broke): LM order alone 3/12 vs 0/12 plain and 6/12 current order; it fixes
none of the 6 misses, and no fusion beats the current order.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import importlib.util  # noqa: E402

# bench/retrieval.py shares its name with the retrieval package: load it by path
_spec = importlib.util.spec_from_file_location("bench_retrieval", ROOT / "bench" / "retrieval.py")
_bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_bench)
SIBLING_OK, eval_files, norm, questions = _bench.SIBLING_OK, _bench.eval_files, _bench.norm, _bench.questions


# ---- the scorer (UPR): kept here, not in retrieval/, because it lost (see the module docstring) --
PLAIN = "Passage: {passage}\nPlease write a question based on this passage.\nQuestion:"
INSTRUCTION = "Passage: {passage}\nPlease write a question based on this passage."


def passage_text(title: str | None, date: str | None, section: str | None, text: str, max_chars: int = 1200) -> str:
    head = " — ".join(p for p in (title, date, section) if p)
    body = text.strip()[:max_chars]
    return f"{head}\n{body}" if head else body


def _prompt_ids(tok, passage: str, prompt: str) -> list[int]:
    if prompt == "plain":
        return tok(PLAIN.format(passage=passage), add_special_tokens=False)["input_ids"]
    if prompt == "chat":
        msgs = [{"role": "user", "content": INSTRUCTION.format(passage=passage)}]
        out = tok.apply_chat_template(msgs, add_generation_prompt=True, tokenize=True)
        if isinstance(out, dict) or hasattr(out, "keys"):
            out = out["input_ids"]
        return list(out)
    raise ValueError(f"unknown prompt {prompt!r}")


def query_likelihood(lm, question: str, passages: list[str], prompt: str = "plain",
                     batch_size: int = 8, max_passage_tokens: int = 320) -> list[float]:
    """Mean log p(question tokens | passage prompt) for each passage (higher: more likely)."""
    import torch

    tok, model = lm.tokenizer, lm.model
    q_ids = tok(" " + question.strip() if prompt == "plain" else question.strip(),
                add_special_tokens=False)["input_ids"]
    rows = []
    for p in passages:
        ids = _prompt_ids(tok, p, prompt)
        if len(ids) > max_passage_tokens + 40:  # keep the instruction tail: cut the passage's end
            cut = tok(p, add_special_tokens=False)["input_ids"][:max_passage_tokens]
            ids = _prompt_ids(tok, tok.decode(cut), prompt)
        rows.append(ids)
    pad = tok.pad_token_id if tok.pad_token_id is not None else 0
    scores = [0.0] * len(passages)
    order = sorted(range(len(rows)), key=lambda i: len(rows[i]))  # similar lengths share a batch
    nq = len(q_ids)
    target = torch.tensor(q_ids)[None, :, None]  # (1, nq, 1)
    with torch.inference_mode():
        for b in range(0, len(order), batch_size):
            idx = order[b:b + batch_size]
            seqs = [rows[i] + q_ids for i in idx]
            width = max(map(len, seqs))
            input_ids = torch.full((len(seqs), width), pad, dtype=torch.long)
            mask = torch.zeros((len(seqs), width), dtype=torch.long)
            for r, s in enumerate(seqs):
                # left padding: every row ends with the question, so only the last nq + 1 positions
                # need logits (the LM head over 49k tokens at every position costs more than the model)
                input_ids[r, width - len(s):] = torch.tensor(s)
                mask[r, width - len(s):] = 1
            positions = (mask.cumsum(-1) - 1).clamp(min=0)
            logits = model(input_ids=input_ids, attention_mask=mask, position_ids=positions,
                           logits_to_keep=nq + 1).logits[:, :nq]  # (B, nq, V): predicts each question token
            lp = torch.log_softmax(logits.float(), dim=-1).gather(2, target.expand(len(idx), -1, -1))[..., 0]
            for r, i in enumerate(idx):
                scores[i] = float(lp[r].mean())
    return scores


def ok(q, src, text) -> tuple[bool, bool]:
    return norm(q["answer"]) in norm(text), (src == q["source"] or SIBLING_OK.get(q["id"]) == src)


def rrf_fuse(n: int, lm_scores: list[float], w: float, k0: int = 60) -> list[int]:
    lm_rank = {j: r for r, j in enumerate(np.argsort(-np.asarray(lm_scores), kind="stable"))}
    fused = [1.0 / (k0 + i + 1) + w / (k0 + lm_rank[i] + 1) for i in range(n)]
    return sorted(range(n), key=lambda i: -fused[i])


def z_fuse(rank_scores: list[float], lm_scores: list[float], w: float) -> list[int]:
    def z(v):
        v = np.asarray(v, dtype=np.float64)
        return (v - v.mean()) / (v.std() + 1e-9)
    s = z(rank_scores) + w * z(lm_scores)
    return list(np.argsort(-s, kind="stable"))


def evaluate(rows, fuse) -> dict:
    """rows: (question, candidates[(source, text, rank_score)], lm_scores). Split q01-q60 / q61+."""
    out = {}
    for split, sel in (("q01_q60", lambda q: int(q["id"][1:]) <= 60), ("q61_q74", lambda q: int(q["id"][1:]) > 60)):
        rs = [r for r in rows if sel(r[0])]
        if not rs:
            continue
        a = s = 0
        misses = []
        for q, cands, lms in rs:
            order = fuse(cands, lms)
            if order is None:  # oracle: the best any reranker of these k candidates could do
                order = sorted(range(len(cands)), key=lambda i: not ok(q, cands[i][0], cands[i][1])[0])
            top = order[0]
            oa, os_ = ok(q, cands[top][0], cands[top][1])
            a += oa
            s += os_
            if not oa:
                misses.append(q["id"])
        out[split] = {"answer_at_1": round(a / len(rs), 4), "source_at_1": round(s / len(rs), 4), "n": len(rs),
                      "misses": misses}
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--k", type=int, default=10)
    ap.add_argument("--prompt", default="plain", choices=["plain", "chat"])
    ap.add_argument("--ids", default="")
    ap.add_argument("--batch-size", type=int, default=10)
    ap.add_argument("--threads", type=int, default=0, help="torch threads for the LM (0: as is)")
    ap.add_argument("--cache", default="/tmp/medrouter_rerank_lm_cache.json")
    ap.add_argument("--config", default=str(ROOT / "experts.yaml"))
    args = ap.parse_args()
    import torch

    from medrouter.core.config import load_config
    from medrouter.core.models import load_embedder, load_lm
    from retrieval import Store

    if args.threads:
        torch.set_num_threads(args.threads)
    settings = load_config(args.config)
    embedder = load_embedder(settings)
    lm = load_lm(settings)
    qs = questions()
    if args.ids:
        want = set(args.ids.split(","))
        qs = [q for q in qs if q["id"] in want]
    cache = json.loads(Path(args.cache).read_text()) if Path(args.cache).is_file() else {}
    load0 = os.getloadavg()[0]
    rows, lm_ms, n_tokens = [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        s = settings.model_copy(deep=True)
        s.retrieval.store_dir = tmp
        store = Store(s, embedder=embedder)
        store.ingest(eval_files(), "all")
        # warm-up (first forward allocates)
        query_likelihood(lm, "warm up", ["warm up passage"], args.prompt)
        for q in qs:
            hits = store.search("all", q["question"], k=args.k)
            passages = [passage_text(h.title, h.date, h.section, h.text) for h in hits]
            keys = [f"{args.prompt}|{q['question']}|{h.chunk_id}" for h in hits]
            if all(k in cache for k in keys):
                lms = [cache[k] for k in keys]
            else:
                t = time.perf_counter()
                lms = query_likelihood(lm, q["question"], passages, args.prompt, batch_size=args.batch_size)
                lm_ms.append((time.perf_counter() - t) * 1000)
                n_tokens.append(sum(len(lm.tokenizer(p)["input_ids"]) for p in passages))
                cache.update(zip(keys, lms))
                print(f"{q['id']}: {lm_ms[-1]:.0f} ms, {n_tokens[-1]} passage tokens", file=sys.stderr)
                Path(args.cache).write_text(json.dumps(cache))  # a long run can be resumed
            rows.append((q, [(h.source, h.text, h.rank_score) for h in hits], lms))
    Path(args.cache).write_text(json.dumps(cache))
    res: dict = {"k": args.k, "prompt": args.prompt, "questions": len(rows),
                 "torch_threads": torch.get_num_threads(), "load_avg_1m": [round(load0, 2), round(os.getloadavg()[0], 2)]}
    if lm_ms:
        res["lm_rerank_ms_per_query"] = {"median": round(float(np.median(lm_ms))), "mean": round(float(np.mean(lm_ms))),
                                         "passage_tokens_median": int(np.median(n_tokens)), "measured": len(lm_ms)}
    fusions = {"oracle_answer_in_top_k": lambda c, l, _q=None: None,
               "current_order": lambda c, l: list(range(len(c))),
               "lm_only": lambda c, l: list(np.argsort(-np.asarray(l), kind="stable"))}
    for w in (0.5, 1.0, 2.0):
        fusions[f"rrf_w{w}"] = (lambda w: lambda c, l: rrf_fuse(len(c), l, w))(w)
    for w in (0.25, 0.5, 1.0, 2.0):
        fusions[f"z_w{w}"] = (lambda w: lambda c, l: z_fuse([x[2] for x in c], l, w))(w)
    # k is a prefix of the search order: smaller rerank depths come from the same run
    res["fusions"] = {}
    for kk in sorted({5, 10, args.k}):
        if kk > args.k:
            continue
        sub = [(q, c[:kk], l[:kk]) for q, c, l in rows]
        for name, f in fusions.items():
            if name == "current_order" and kk != args.k:
                continue
            r = evaluate(sub, f)
            line = " | ".join(f"{sp}: answer@1 {v['answer_at_1']:.3f} source@1 {v['source_at_1']:.3f}"
                              for sp, v in r.items())
            res["fusions"][f"k{kk}:{name}"] = {"summary": line, **{sp: v for sp, v in r.items()}}
    print(json.dumps(res, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
