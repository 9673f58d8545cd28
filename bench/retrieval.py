"""Retrieval benchmark: quality and speed of retrieval.Store against the plain LangChain recipe,
measured in the same run. Prints one JSON object.

    python bench/retrieval.py                       # everything (quality, ingest, latency 1k/10k/100k)
    python bench/retrieval.py --skip-latency        # quality + ingest only
    python bench/retrieval.py --sizes 1000,10000    # smaller latency sweep
    taskset -c 0,1 python bench/retrieval.py        # pin to 2 cores (the target machine)

Quality, on data/eval_docs (13 documents, 104 questions; q61-q74, q75-q92 and q93-q104 are held out: see the README):
  answer@1  the top-1 chunk contains the verbatim answer string (whitespace-normalised)
  source@1  the top-1 chunk comes from the question's source document
            (q49/q55: the README names a same-year sibling holding the same value — also accepted)
  Two settings: one mixed collection of all 13 documents (3 patients + leaflets), and one collection
  per patient (their documents + the shared leaflets/guideline) — how the UI uses it (one per session).
Baseline: RecursiveCharacterTextSplitter(500, 50) over the document text, all-MiniLM-L6-v2 unnormalised,
FAISS IndexFlatL2, top-1 — the usual LangChain FAISS recipe, built with faiss directly (no pickle).
Speed: ingest pages/s (PDF pages; other formats 3,000 characters = 1 page) for both, and the embedding-only
floor; search latency at 1k / 10k / 100k synthetic chunks (random unit vectors, texts drawn from the eval
vocabulary) for Store.search (hybrid, rerank, hits) and the baseline's query path (encode + IndexFlatL2).
ratio_vs_baseline > 1: medrouter faster. The machine's load average is printed: compare runs only at
similar load.
The ceiling: this CPU's fp32 matrix-multiply rate (torch, all threads), the embedder's FLOPs per token
(from its config) and the tokens per page give the pages/s that embedding alone could reach at 100 %
of that rate, for our chunks and for the recipe's.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

DOCS = ROOT / "data" / "eval_docs"
SUFFIXES = (".md", ".txt", ".html", ".pdf", ".docx")
SIBLING_OK = {"q49": "nair_annual_review_2024.pdf", "q55": "nair_annual_review_2024.pdf"}


def norm(s: str) -> str:
    return " ".join(s.split())


def eval_files() -> list[Path]:
    return sorted(p for p in DOCS.iterdir() if p.suffix in SUFFIXES and p.name != "README.md")


def questions() -> list[dict]:
    return [json.loads(line) for line in open(DOCS / "questions.jsonl") if line.strip()]


def patient_of(name: str) -> str | None:
    for p in ("ellison", "okafor", "nair"):
        if name.startswith(p):
            return p
    return None


def score(rows: list[tuple[dict, str, str]]) -> dict:
    """rows: (question, top-1 source, top-1 text)."""
    misses, ok_answer = [], {}
    a = s = 0
    for q, src, text in rows:
        ok_a = norm(q["answer"]) in norm(text)
        ok_s = src == q["source"] or SIBLING_OK.get(q["id"]) == src
        a += ok_a
        s += ok_s
        ok_answer[q["id"]] = ok_a
        if not (ok_a and ok_s):
            misses.append(q["id"])
    n = len(rows)
    # answer@1 per tag: lay terms, brand/generic, same patient other years... and held_out (q61-q74)
    # / held_out2 (q75-q92) / held_out3 (q93-q104, front matter), written after the retrieval changes
    # they measure, never tuned on
    by_tag: dict[str, list[bool]] = {}
    for q, _, _ in rows:
        for t in q.get("tags", []):
            by_tag.setdefault(t, []).append(ok_answer[q["id"]])
    return {"answer_at_1": round(a / n, 4), "source_at_1": round(s / n, 4), "n": n, "misses": misses,
            "answer_at_1_by_tag": {t: f"{sum(v)}/{len(v)}" for t, v in sorted(by_tag.items())}}


# ---- baseline: the plain LangChain recipe -----------------------------------------------------
class Baseline:
    def __init__(self, embedder):
        import faiss
        from langchain_text_splitters import RecursiveCharacterTextSplitter

        self.emb = embedder
        self.splitter = RecursiveCharacterTextSplitter(chunk_size=500, chunk_overlap=50)
        self.index = faiss.IndexFlatL2(embedder.get_embedding_dimension())
        self.chunks: list[tuple[str, str]] = []

    def ingest(self, files):
        from retrieval.loaders import load_document

        texts = []
        for f in files:
            for t in self.splitter.split_text(load_document(f).text):
                self.chunks.append((f.name, t))
                texts.append(t)
        self.index.add(self.emb.encode(texts, convert_to_numpy=True).astype(np.float32))

    def top1(self, q: str) -> tuple[str, str]:
        _, ids = self.index.search(self.emb.encode([q]).astype(np.float32), 1)
        return self.chunks[int(ids[0][0])]


def pages_of(files) -> int:
    from retrieval.loaders import load_document
    from retrieval.store import CHARS_PER_PAGE

    total = 0
    for f in files:
        d = load_document(f)
        total += d.pages or max(1, -(-len(d.text) // CHARS_PER_PAGE))
    return total


def quality(settings, embedder, out: dict) -> None:
    from retrieval import Store

    files, qs = eval_files(), questions()
    pages = pages_of(files)
    res: dict = {"documents": len(files), "questions": len(qs), "pages": pages}
    with tempfile.TemporaryDirectory() as tmp:
        s = settings.model_copy(deep=True)
        s.retrieval.store_dir = tmp
        store = Store(s, embedder=embedder)
        embedder.encode(["warm up"])
        # both paths timed warm: faiss and the splitter imported before either clock starts (the
        # first ingest of a process otherwise pays ~0.35 s of faiss import that the second one skips)
        import faiss  # noqa: F401
        from langchain_text_splitters import RecursiveCharacterTextSplitter  # noqa: F401
        t = time.perf_counter()
        store.ingest(files, "all")
        ours_ingest = time.perf_counter() - t
        base = Baseline(embedder)
        t = time.perf_counter()
        base.ingest(files)
        base_ingest = time.perf_counter() - t
        rows, brows, best = [], [], []
        for q in qs:
            h = store.search("all", q["question"], k=1)[0]
            rows.append((q, h.source, h.text))
            best.append(h.score)
            brows.append((q, *base.top1(q["question"])))
        res["mixed_collection"] = {"medrouter": score(rows), "baseline": score(brows)}
        # one collection per patient (+ shared leaflets): the UI's one-collection-per-session use
        shared = [f for f in files if patient_of(f.name) is None]
        prow, pbrow = [], []
        for p in ("ellison", "okafor", "nair"):
            pf = [f for f in files if patient_of(f.name) == p] + shared
            store.ingest(pf, p)
            pb = Baseline(embedder)
            pb.ingest(pf)
            for q in qs:
                if patient_of(q["source"]) in (p, None) and (patient_of(q["source"]) == p or p == "ellison"):
                    h = store.search(p, q["question"], k=1)[0]
                    prow.append((q, h.source, h.text))
                    pbrow.append((q, *pb.top1(q["question"])))
        res["per_patient_collections"] = {"medrouter": score(prow), "baseline": score(pbrow)}
        # score calibration: best cosine of answerable questions vs unrelated ones (min_score)
        unrelated = ["What is the capital of Peru?", "How do I fix a flat bicycle tyre?",
                     "Best pizza dough recipe", "Explain quantum entanglement simply",
                     "Who wrote Pride and Prejudice?", "How do I change my car's oil?",
                     "What is a mutex in programming?", "How tall is Mount Everest?"]
        ub = [store.search("all", u, k=1)[0].score for u in unrelated]
        res["min_score"] = {"configured": s.retrieval.min_score, "line_vectors": s.retrieval.line_vectors,
                            "answerable_best_score": {"min": round(min(best), 3), "median": round(statistics.median(best), 3)},
                            "unrelated_best_score": {"max": round(max(ub), 3), "median": round(statistics.median(ub), 3)}}
        out["quality"] = res
        # the floor under ingest time: embedding the chunk texts alone (MiniLM, CPU)
        texts = [ch["embed_text"] for ch in store._load("all").chunks]
        n_tokens = sum(len(ids) for ids in embedder.tokenizer(texts)["input_ids"])
        t = time.perf_counter()
        store.embed(texts)
        embed_s = time.perf_counter() - t
        base_tokens = sum(len(ids) for ids in embedder.tokenizer([t for _, t in base.chunks])["input_ids"])
        out["ingest"] = {"pages": pages, "chunks": len(texts), "tokens_embedded": n_tokens,
                         "baseline_chunks": len(base.chunks), "baseline_tokens_embedded": base_tokens,
                         "embedding_only_s": round(embed_s, 2),
                         "embedding_tokens_per_s": round(n_tokens / embed_s),
                         "pages_per_s_if_only_embedding": round(pages / embed_s, 2),
                         "medrouter_s": round(ours_ingest, 2), "baseline_s": round(base_ingest, 2),
                         "medrouter_pages_per_s": round(pages / ours_ingest, 2),
                         "baseline_pages_per_s": round(pages / base_ingest, 2),
                         "ratio_vs_baseline": round(base_ingest / ours_ingest, 3),
                         "line_vectors": s.retrieval.line_vectors}
        out["ingest"]["ceiling"] = ceiling(embedder, pages, n_tokens, len(texts), base_tokens, len(base.chunks))
        out["ingest"]["embedding_share_of_sgemm_peak"] = round(
            n_tokens / embed_s * encoder_flops_per_token(embedder, n_tokens / len(texts)) / 1e9
            / out["ingest"]["ceiling"]["sgemm_gflops"], 2)


def sgemm_gflops(n: int = 2048, repeats: int = 10) -> float:
    """Best fp32 matrix-multiply rate of this CPU with torch's current threads (GFLOP/s)."""
    import torch

    a, b = torch.randn(n, n), torch.randn(n, n)
    for _ in range(3):
        a @ b
    best = float("inf")
    for _ in range(repeats):
        t = time.perf_counter()
        a @ b
        best = min(best, time.perf_counter() - t)
    return 2 * n ** 3 / best / 1e9


def encoder_flops_per_token(embedder, tokens_per_text: float) -> float:
    """Forward FLOPs per token of a BERT-style encoder: the layers' matrix multiplies (QKV, output,
    feed-forward) and attention over a sequence of `tokens_per_text`."""
    cfg = embedder[0].auto_model.config
    h, ff, layers = cfg.hidden_size, cfg.intermediate_size, cfg.num_hidden_layers
    return 2 * layers * (4 * h * h + 2 * h * ff + 2 * h * tokens_per_text)


def ceiling(embedder, pages: int, n_tokens: int, n_texts: int, base_tokens: int, base_texts: int) -> dict:
    gflops = sgemm_gflops()
    ours = encoder_flops_per_token(embedder, n_tokens / max(n_texts, 1)) * n_tokens
    base = encoder_flops_per_token(embedder, base_tokens / max(base_texts, 1)) * base_tokens
    return {"sgemm_gflops": round(gflops, 1),
            "embedding_gflop_per_page": round(ours / 1e9 / pages, 2),
            "pages_per_s_at_sgemm_peak": round(pages * gflops * 1e9 / ours, 1),
            "baseline_pages_per_s_at_sgemm_peak": round(pages * gflops * 1e9 / base, 1)}


def latency(settings, embedder, sizes: list[int], out: dict) -> None:
    from retrieval import Store
    from retrieval.lexical import tokenize

    rng = random.Random(0)
    vocab = sorted({t for f in eval_files() for t in tokenize(open(f, "rb").read().decode("utf-8", "ignore"))
                    if t.isalpha()} or {"x"})
    queries = [q["question"] for q in questions()][:30]
    dim = embedder.get_embedding_dimension()
    res = {}
    for n in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            s = settings.model_copy(deep=True)
            s.retrieval.store_dir = tmp
            store = Store(s, embedder=embedder)
            nr = np.random.default_rng(n)
            vecs = nr.standard_normal((n, dim)).astype(np.float32)
            vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
            chunks = []
            for i in range(n):
                words = rng.choices(vocab, k=60)
                text = " ".join(words)
                chunks.append({"chunk_id": f"syn:{i}", "doc_id": "syn", "source": f"syn{i // 50}.txt", "page": None,
                               "section": None, "start": 0, "end": len(text), "title": "synthetic", "date": None,
                               "text": text, "embed_text": text, "tokens": tokenize(text), "n_units": 1})
            d = store._dir("bench")
            d.mkdir(parents=True)
            t = time.perf_counter()
            store._commit(d, store._empty_manifest("bench"), chunks, vecs, vecs.copy())
            build_s = time.perf_counter() - t
            t = time.perf_counter()
            store._load("bench")
            load_s = time.perf_counter() - t
            for q in queries[:3]:
                store.search("bench", q)
            times, embed_times = [], []
            for q in queries:
                t = time.perf_counter()
                store.search("bench", q)
                times.append((time.perf_counter() - t) * 1000)
                t = time.perf_counter()
                store.embed_query(q)
                embed_times.append((time.perf_counter() - t) * 1000)
            # baseline: the plain recipe's query path (encode with default threads, FAISS IndexFlatL2 top-k)
            import faiss

            flat = faiss.IndexFlatL2(dim)
            flat.add(vecs)
            base_times = []
            for q in queries:
                t = time.perf_counter()
                flat.search(embedder.encode([q]).astype(np.float32), s.retrieval.top_k)
                base_times.append((time.perf_counter() - t) * 1000)
            from retrieval.index import choose_type

            res[str(n)] = {"index": choose_type(s.retrieval.index_type, n, s.retrieval.ann_threshold),
                           "search_ms_median": round(statistics.median(times), 2),
                           "search_ms_p95": round(sorted(times)[int(0.95 * len(times)) - 1], 2),
                           "of_which_query_embedding_ms_median": round(statistics.median(embed_times), 2),
                           "excluding_query_embedding_ms_median": round(
                               statistics.median(t - e for t, e in zip(times, embed_times)), 2),
                           "baseline_ms_median": round(statistics.median(base_times), 2),
                           "ratio_vs_baseline": round(statistics.median(base_times) / statistics.median(times), 3),
                           "build_s": round(build_s, 1), "load_s": round(load_s, 2)}
            print(f"latency {n}: {res[str(n)]}", file=sys.stderr)
    out["latency"] = res


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1000,10000,100000")
    ap.add_argument("--skip-latency", action="store_true")
    ap.add_argument("--skip-quality", action="store_true")
    ap.add_argument("--config", default=str(ROOT / "experts.yaml"))
    args = ap.parse_args()
    import torch

    from medrouter.core.config import load_config
    from medrouter.core.models import load_embedder

    settings = load_config(args.config)
    embedder = load_embedder(settings)
    out: dict = {"machine": {"cpus_available": len(os.sched_getaffinity(0)), "torch_threads": torch.get_num_threads(),
                             "load_avg_1m": round(os.getloadavg()[0], 2)}}
    if not args.skip_quality:
        quality(settings, embedder, out)
    if not args.skip_latency:
        latency(settings, embedder, [int(x) for x in args.sizes.split(",") if x], out)
    out["machine"]["load_avg_1m_end"] = round(os.getloadavg()[0], 2)
    print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
