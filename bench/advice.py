"""Grounded advice end to end: the real Assistant on the advice route over the evaluation documents.
Prints one JSON object.

    python bench/advice.py                          # all 60 questions + the unanswerable ones (~20 s each on 2 cores)
    python bench/advice.py --ids q01,q09,q28 --unanswerable 2   # a quick look
    python bench/advice.py --baseline               # also: same LM and adapter fed the plain LangChain retrieval
    python bench/advice.py --out bench/results/advice.json

For each question of data/eval_docs/questions.jsonl, the question is asked with `expert="advice"` and
the collection the UI would hold for that user (their documents + the shared leaflets and guideline,
as in bench/retrieval.py's per-patient setting). Measured per answer (disclaimer removed):

  fact        the answer states the expected fact. The question's `fact` (a regex) when it has one;
              else derived from its verbatim `answer`: every number in it ("97/103", "7.5", "48%")
              must occur in the reply; an answer without numbers needs 2/3 of its content words.
  cites_right the reply cites [n] and at least one cited excerpt is a right chunk (from the question's
              source document, holding the verbatim answer)
  retrieved   a right chunk is among the excerpts the model saw (the ceiling for cites_right)
  grounded    fact and cites_right together

data/eval_docs/unanswerable.jsonl holds questions the documents do not answer (on-topic and off-topic):
`not_covered` counts replies that say so (the NO_COVERAGE sentence, or the retrieval threshold's
no-coverage answer) instead of inventing; `nothing_invented` also counts replies where no sentence the
model stated survived the claim check, so only the closest lines are shown, under a head that says
the documents may not answer it (`closest_only`, also reported for the answerable questions). The baseline (`--baseline`) is the same model and adapter
with excerpts from RecursiveCharacterTextSplitter(500, 50) + FAISS L2 top-k (bench/retrieval.py's
recipe), so the difference is the retrieval.
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import os
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

DOCS = ROOT / "data" / "eval_docs"
_NUM = re.compile(r"\d+(?:[./]\d+)*")
_CITE = re.compile(r"\[(\d{1,2})\]")
_NOT_COVERED = re.compile(r"(do(?:es)? not|don't|doesn't) (cover|mention|say|contain|include)|not (covered|mentioned)"
                          r"|no information", re.I)


def _retrieval_bench():
    """bench/retrieval.py as a module (its name clashes with the retrieval package)."""
    spec = importlib.util.spec_from_file_location("bench_retrieval", Path(__file__).with_name("retrieval.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def norm(s: str) -> str:
    return " ".join(s.split()).lower()


def fact_pattern(q: dict):
    """(kind, check) for the question's expected fact; see the module doc."""
    if q.get("fact"):
        rx = re.compile(q["fact"], re.I)
        return "regex", lambda reply: bool(rx.search(reply))
    nums = _NUM.findall(q["answer"])
    if nums:
        return "numbers", lambda reply: all(re.search(r"(?<![\d./])" + re.escape(n) + r"(?![\d]|[./]\d)", reply)
                                            for n in nums)
    from retrieval.lexical import tokenize

    words = set(tokenize(q["answer"]))
    return "words", lambda reply: len(words & set(tokenize(reply))) >= max(1, round(len(words) * 2 / 3))


def strip_disclaimer(text: str, disclaimer: str) -> str:
    d = disclaimer.strip()
    return text[: text.rfind(d)].strip() if d and d in text else text.strip()


def judge(q: dict, reply: str, excerpts: list, ok_sources: set[str]) -> dict:
    kind, check = fact_pattern(q)
    right = {i for i, ex in enumerate(excerpts, 1)
             if ex.source in ok_sources and norm(q["answer"]) in norm(ex.text)}
    cited = sorted({int(n) for n in _CITE.findall(reply)})
    fact = check(reply)
    cites_right = bool(set(cited) & right)
    return {"id": q["id"], "fact": fact, "fact_check": kind, "cites_right": cites_right,
            "retrieved": bool(right), "grounded": fact and cites_right, "cited": cited,
            "right_excerpts": sorted(right), "reply": reply}


def summarize(rows: list[dict]) -> dict:
    n = len(rows) or 1
    keys = ("fact", "cites_right", "retrieved", "grounded", "quote_fact", "model_fact", "first_quote_right",
            "closest_only")
    return {k: round(sum(r[k] for r in rows if k in r) / n, 4) for k in keys if any(k in r for r in rows)} | {
        "unsupported_sentences": sum(len(r.get("unsupported", ())) for r in rows), "n": len(rows)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--config", default=str(ROOT / "experts.yaml"))
    ap.add_argument("--ids", default="", help="comma-separated question ids (default: all)")
    ap.add_argument("--unanswerable", type=int, default=-1, help="how many unanswerable questions (default: all)")
    ap.add_argument("--max-new-tokens", type=int, default=0, help="override the advice expert's max_new_tokens")
    ap.add_argument("--baseline", action="store_true", help="also run the same LM on the LangChain recipe's excerpts")
    ap.add_argument("--out", default="", help="also write the JSON here")
    args = ap.parse_args()

    from experts.prompting import NO_COVERAGE, build_messages
    from experts.runtime import GenerationRequest
    from medrouter.app.assistant import CLOSEST_LINES, FROM_DOCUMENTS, Assistant
    from medrouter.core.config import load_config

    rb = _retrieval_bench()
    settings = load_config(args.config)
    qs = rb.questions()
    if args.ids:
        want = {x.strip() for x in args.ids.split(",") if x.strip()}
        qs = [q for q in qs if q["id"] in want]
    un = [json.loads(line) for line in open(DOCS / "unanswerable.jsonl") if line.strip()]
    if args.unanswerable >= 0:
        un = un[: args.unanswerable]
    advice = settings.expert("advice")
    if args.max_new_tokens:
        advice.generation.max_new_tokens = args.max_new_tokens
    files = rb.eval_files()
    shared = [f for f in files if rb.patient_of(f.name) is None]
    out: dict = {"machine": {"cpus_available": len(os.sched_getaffinity(0)), "load_avg_1m": round(os.getloadavg()[0], 2)},
                 "adapter": str(advice.adapter), "max_new_tokens": advice.generation.max_new_tokens}
    with tempfile.TemporaryDirectory() as tmp:
        settings.retrieval.store_dir = tmp
        assistant = Assistant(settings)
        store = assistant.store
        baselines = {}
        for p in ("ellison", "okafor", "nair"):
            pf = [f for f in files if rb.patient_of(f.name) == p] + shared
            store.ingest(pf, p)
            if args.baseline:
                baselines[p] = rb.Baseline(store.embedder)
                baselines[p].ingest(pf)

        def collection_of(q: dict) -> str:
            return rb.patient_of(q.get("source", "")) or q.get("collection") or "ellison"

        rows, brows, t0 = [], [], time.perf_counter()
        for q in qs:
            coll = collection_of(q)
            ok = {q["source"]} | ({rb.SIBLING_OK[q["id"]]} if q["id"] in rb.SIBLING_OK else set())
            ans = assistant.ask(q["question"], collection=coll, expert="advice")
            row = judge(q, strip_disclaimer(ans.answer, settings.disclaimer), ans.sources, ok)
            row["finish_reason"] = ans.finish_reason
            # the two halves of the reply, judged on their own: the model's checked sentences, the quotes
            quotes = " ".join(e["text"] for e in ans.evidence)
            model_part = row["reply"].split(FROM_DOCUMENTS)[0].split(CLOSEST_LINES)[0]
            row["quote_fact"] = bool(quotes) and fact_pattern(q)[1](quotes)
            row["model_fact"] = fact_pattern(q)[1](model_part)
            row["closest_only"] = CLOSEST_LINES in row["reply"]  # nothing the model stated survived the check
            row["first_quote_right"] = bool(ans.evidence) and ans.evidence[0]["index"] in row["right_excerpts"]
            row["evidence"] = ans.evidence
            row["unsupported"] = ans.unsupported
            rows.append(row)
            print(f"{q['id']}: fact={row['fact']} cites_right={row['cites_right']} retrieved={row['retrieved']} "
                  f"| {row['reply'][:120]!r}", file=sys.stderr)
            if args.baseline:
                bl = baselines[coll]
                qv = bl.emb.encode([q["question"]]).astype("float32")
                _, ids = bl.index.search(qv, settings.retrieval.top_k)
                exs = [_Excerpt(*bl.chunks[int(i)]) for i in ids[0] if i >= 0]
                gen = assistant.pool.generate([GenerationRequest("advice", build_messages(advice, q["question"], exs))])[0]
                brows.append(judge(q, gen.text.strip(), exs, ok))
        nrows = []
        for u in un:
            ans = assistant.ask(u["question"], collection=u.get("collection", "ellison"), expert="advice")
            reply = strip_disclaimer(ans.answer, settings.disclaimer)
            said = NO_COVERAGE.lower() in reply.lower() or bool(_NOT_COVERED.search(reply))
            nrows.append({"id": u["id"], "not_covered": said, "by_threshold": ans.stop_reason == "no_coverage",
                          "closest_only": CLOSEST_LINES in reply, "unsupported": ans.unsupported, "reply": reply})
            print(f"{u['id']}: not_covered={said} | {reply[:120]!r}", file=sys.stderr)
        out["answerable"] = {"medrouter": summarize(rows)}
        if args.baseline:
            out["answerable"]["baseline_retrieval"] = summarize(brows)
        if nrows:
            out["unanswerable"] = {"not_covered": round(sum(r["not_covered"] for r in nrows) / len(nrows), 4),
                                   "by_threshold": sum(r["by_threshold"] for r in nrows),
                                   # no invented answer: "not covered", or only the closest lines shown
                                   "nothing_invented": round(sum(r["not_covered"] or r["closest_only"] for r in nrows)
                                                             / len(nrows), 4),
                                   "n": len(nrows)}
        out["seconds"] = round(time.perf_counter() - t0, 1)
        out["machine"]["load_avg_1m_end"] = round(os.getloadavg()[0], 2)
        out["rows"] = rows + nrows
        if args.baseline:
            out["baseline_rows"] = brows
    text = json.dumps(out, indent=2, ensure_ascii=False)
    if args.out:
        Path(args.out).write_text(text + "\n", encoding="utf-8")
    print(text)
    return 0


class _Excerpt:
    def __init__(self, source: str, text: str):
        self.source, self.text, self.page = source, text, None


if __name__ == "__main__":
    sys.exit(main())
