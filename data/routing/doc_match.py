"""Simulated `doc_match` for the routing data: the best cosine score of a user's collection for a
request, as the Assistant passes it (`store.search(collection, text)[0].score`).

The training and dev requests asked with documents attached (has_documents) were written about
documents that are not in the repo, so their true score cannot be computed. Proxy: the collection is
the 14 development documents of data/eval_docs (two patients' exams, labs, echo reports, a discharge
letter, an asthma plan, a medication plan, leaflets): a realistic mixed health collection, so an
off-topic request scores what it would against any health collection, and a question about "my MRI
report" scores what a question about a document of the same kind scores (a low estimate: the
user's own MRI report would match better). data/eval_docs/questions.jsonl (questions about those
documents, labelled advice: "what does my report say / what was my value") scores as served.
data/eval_docs_blind is never read here: it is the blind end-to-end check.

    .venv/bin/python data/routing/doc_match.py [OUT.jsonl]   # default /tmp/doc_match_sim.jsonl (not committed)
"""
from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")


def collection_scores(texts: list[str], docs: list[Path], settings) -> list[float]:
    from retrieval.store import Store

    with tempfile.TemporaryDirectory() as tmp:
        s = settings.model_copy(deep=True)
        s.retrieval.store_dir = tmp  # a throwaway store: the user's collections are never touched
        store = Store(s)
        store.ingest([str(p) for p in docs], "sim")
        return [float(h[0].score) if h else -1.0 for h in (store.search("sim", t) for t in texts)]


def main() -> int:
    from medrouter.core.config import load_config

    s = load_config(str(ROOT / "experts.yaml"))
    docs = sorted(p for p in (ROOT / "data/eval_docs").iterdir()
                  if p.suffix in {".md", ".txt", ".html", ".pdf", ".docx"} and p.name != "README.md")
    rows = []
    for split in ("train", "dev"):
        for line in open(ROOT / f"data/routing/{split}.jsonl", encoding="utf-8"):
            r = json.loads(line)
            if r.get("has_documents"):
                rows.append({"split": split, "text": r["text"], "label": r["label"], "tags": r.get("tags", [])})
    for line in open(ROOT / "data/eval_docs/questions.jsonl", encoding="utf-8"):
        q = json.loads(line)
        rows.append({"split": "eval_docs", "text": q["question"], "label": "advice", "tags": q.get("tags", [])})
    scores = collection_scores([r["text"] for r in rows], docs, s)
    out = Path(sys.argv[1] if len(sys.argv) > 1 else Path(tempfile.gettempdir()) / "doc_match_sim.jsonl")
    with open(out, "w", encoding="utf-8") as f:
        for r, sc in zip(rows, scores):
            f.write(json.dumps({**r, "doc_match": round(sc, 4)}, ensure_ascii=False) + "\n")
    print(f"{len(rows)} requests -> {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
