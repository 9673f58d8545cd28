"""Medical answers on the blind question set: grounded in the reference library vs the ungrounded expert.

    python bench/medqa.py [--config experts.yaml] [--questions data/eval_medqa/questions.jsonl]
                          [--systems grounded,ungrounded] [--limit N] [--answers OUT.jsonl]

The questions (data/eval_medqa, written blind: by a helper who had not read the library, from general
medical knowledge, never used to write or tune it) carry key facts and known false claims as term
groups; a text holds a fact when each group has one of its terms in it (case-insensitive).
Every question is asked end to end through `Assistant.ask` (router included); per system:
  key_fact        the answer holds at least half of the question's key facts (rounded up)
  key_fact_any    ... at least one; key_fact_all: every one
  cited_holds     a page the answer cites ([n]) holds the facts the answer holds
  false_claim     a sentence of the answer states one of the question's known false claims
                  (a claim marked negation_ok is not counted in a sentence with a negation)
  declined        no answer: "not covered", the declined reply, or a router refusal
  not_covered_when_covered / not_covered_when_not: honest "not covered" on questions the library
                  covers / does not cover. A question is covered when one page of the configured
                  sources holds at least half of its key facts (computed from the pages, not the answers).
  latency         whole-answer p50 / p95 ms on this machine.
Both systems run in the same process on the same questions: "grounded" is the configuration as
shipped (medical_qa answers from the reference library); "ungrounded" is the same assistant with
the medical_qa expert's grounding switched off (the expert answers from its weights).
Prints one JSON object; --answers writes every answer (for a reader's review of false statements).
"""
from __future__ import annotations

import argparse
import json
import math
import os
import re
import statistics
import sys
import time
import unicodedata
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

NEGATION = re.compile(r"\b(not|no|never|cannot|can't|isn't|aren't|doesn't|don't|won't|shouldn't|neither|nor|"
                      r"without|myth|misconception|false)\b")
SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")


def norm(text: str) -> str:
    t = unicodedata.normalize("NFKC", text or "").lower().replace("’", "'")
    return " ".join(t.split())


def holds(text: str, groups: list[list[str]]) -> bool:
    t = norm(text)
    return bool(groups) and all(any(norm(term) in t for term in g) for g in groups)


def facts_held(text: str, facts: list[dict]) -> list[int]:
    return [i for i, f in enumerate(facts) if holds(text, f["match"])]


def need(facts: list[dict]) -> int:
    return max(1, math.ceil(len(facts) / 2))


def states_false(answer: str, claims: list[dict]) -> list[str]:
    out = []
    for c in claims:
        for sentence in SENTENCE.split(answer):
            if holds(sentence, c["match"]) and not (c.get("negation_ok") and NEGATION.search(norm(sentence))):
                out.append(c["claim"])
                break
    return out


def cited_indices(answer: str) -> set[int]:
    return {int(m) for m in re.findall(r"\[(\d{1,2})\]", answer)}


def library_pages(settings) -> list[str]:
    """Every page of the configured sources as one text (title, aliases, sections)."""
    from retrieval.library import read_pages

    return ["\n".join([p.title, *p.aliases, p.text]) for p in read_pages(settings)]


def covered(q: dict, pages: list[str]) -> bool:
    return any(len(facts_held(t, q["key_facts"])) >= need(q["key_facts"]) for t in pages)


def score(q: dict, ans, is_covered: bool, decline_markers: list[str]) -> dict:
    text = ans.answer
    held = facts_held(text, q["key_facts"])
    cited = cited_indices(text)
    cited_text = "\n".join(s.text for s in ans.sources if s.index in cited)
    cited_held = facts_held(cited_text, q["key_facts"]) if cited_text else []
    declined = ans.finish_reason == "refused" or ans.stop_reason in ("no_coverage", "declined") or any(
        m.lower() in text.lower() for m in decline_markers)
    return {
        "id": q["id"], "route": ans.route, "expert": ans.expert, "covered": is_covered, "declined": declined,
        "key_fact": len(held) >= need(q["key_facts"]), "key_fact_any": bool(held),
        "key_fact_all": len(held) == len(q["key_facts"]),
        "cited_holds": bool(held) and set(held) <= set(cited_held),
        "false_claims": states_false(text, q.get("false_claims", [])),
        "ms": ans.timings_ms.get("total"), "stop_reason": ans.stop_reason,
    }


def rate(rows: list[dict], key: str, where=lambda r: True) -> dict:
    sel = [r for r in rows if where(r)]
    hits = sum(1 for r in sel if (r[key] if not isinstance(r[key], list) else bool(r[key])))
    return {"rate": round(hits / len(sel), 4) if sel else None, "hits": hits, "n": len(sel)}


def summary(rows: list[dict]) -> dict:
    ms = sorted(r["ms"] for r in rows if r["ms"] is not None)
    answered = lambda r: not r["declined"]  # noqa: E731
    return {
        "n": len(rows),
        "key_fact": rate(rows, "key_fact"), "key_fact_any": rate(rows, "key_fact_any"),
        "key_fact_all": rate(rows, "key_fact_all"),
        "key_fact_covered": rate(rows, "key_fact", lambda r: r["covered"]),
        "cited_holds_covered": rate(rows, "cited_holds", lambda r: r["covered"]),
        "false_claim": rate(rows, "false_claims"), "false_claim_answered": rate(rows, "false_claims", answered),
        "declined": rate(rows, "declined"),
        "not_covered_when_covered": rate(rows, "declined", lambda r: r["covered"]),
        "not_covered_when_not": rate(rows, "declined", lambda r: not r["covered"]),
        "latency_ms": {"p50": round(statistics.median(ms), 1) if ms else None,
                       "p95": round(ms[int(0.95 * (len(ms) - 1))], 1) if ms else None},
        "routes": {k: sum(1 for r in rows if r["route"] == k) for k in sorted({r["route"] for r in rows})},
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--config", default=None)
    ap.add_argument("--questions", default="data/eval_medqa/questions.jsonl")
    ap.add_argument("--systems", default="grounded,ungrounded")
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--answers", default=None, help="write every answer here (JSON lines)")
    args = ap.parse_args()

    from medrouter import Assistant, load_config

    questions = [json.loads(line) for line in Path(args.questions).read_text(encoding="utf-8").splitlines() if line.strip()]
    questions = questions[: args.limit] if args.limit else questions
    base = load_config(args.config)
    pages = library_pages(base)
    cov = {q["id"]: covered(q, pages) for q in questions}
    out: dict = {"questions": args.questions, "n": len(questions), "library_pages": len(pages),
                 "covered": sum(cov.values()), "systems": {}}
    answers_f = open(args.answers, "w", encoding="utf-8") if args.answers else None
    for system in args.systems.split(","):
        s = base
        if system == "ungrounded":
            experts = [e.model_copy(update={"grounding": e.grounding.model_copy(update={"required": False})})
                       if e.route == "medical_qa" else e for e in base.experts]
            s = base.model_copy(update={"experts": experts})
        a = Assistant(s)
        a.ask("What is hypertension?")  # load the models before timing
        markers = [s.declined_reply.split(".")[0], "reference library does not cover", "does not cover this question"]
        rows = []
        t0 = time.perf_counter()
        for q in questions:
            ans = a.ask(q["question"])
            r = score(q, ans, cov[q["id"]], markers)
            rows.append(r)
            if answers_f:
                answers_f.write(json.dumps({"system": system, "id": q["id"], "question": q["question"],
                                            "answer": ans.answer, "sources": [
                                                {"index": x.index, "title": x.title, "text": x.text} for x in ans.sources],
                                            **{k: r[k] for k in ("route", "declined", "key_fact", "false_claims")}},
                                           ensure_ascii=False) + "\n")
        out["systems"][system] = dict(summary(rows), seconds=round(time.perf_counter() - t0, 1))
        del a
    if answers_f:
        answers_f.close()
    g, u = out["systems"].get("grounded"), out["systems"].get("ungrounded")
    if g and u and g["latency_ms"]["p50"] and u["latency_ms"]["p50"]:
        out["latency_ratio_p50"] = round(g["latency_ms"]["p50"] / u["latency_ms"]["p50"], 3)
    print(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
