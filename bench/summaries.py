"""Summaries on the blind report set: key facts kept, facts invented, duplicates, broken text.

    python bench/summaries.py [--config experts.yaml] [--set data/eval_summaries_dev] [--limit N] [--answers OUT.jsonl]
                              [--baseline REV] [--generations CACHE.jsonl]

--set picks the report folder: data/eval_summaries_dev (the default) is the set to tune on;
data/eval_summaries is the blind test set, scored once for a result, never tuned on. --generations keeps
each model call's answers (and the model time it took) in a file, so a rerun that sends the same
prompts scores a changed summarizer in seconds, with the latency of the run that generated them.

Before and after in one run: the summarizer of git revision REV (its medrouter/app/documents.py, and
whole rows decoded as the runtime then did, U+FFFD and all) and today's are scored on the same
generations. Both send the model the same prompts with the same settings, so each report's model
calls run once, and each one's latency is its own wall time (reading, checking, extracting) plus the
model time of the calls it made. On 2 shared cores set OMP_NUM_THREADS=1 (two spinning threads per process on two
busy cores made one summary take ~5 minutes instead of ~40 s).

The reports and their key facts (data/eval_summaries, written blind by a helper who never saw the
summarizer: every abnormal finding, assessment item and recommendation of each report, and a few
plausible facts that are NOT in it) are term groups; a summary holds a fact when every group has
one of its terms (case-insensitive) as a whole number ("52" is not held by "152" or "0.52") or from
the start of a word (a term of up to 3 letters as a whole word: "ALT" is not "alternative"); the
card's plain substring rule is reported beside it (recall_substring). Each report is summarized from its file with
`Assistant.summarize(Path)` (map-reduce for the long ones, as a user gets it). Per summary:
  recall            key facts held / key facts (also per fact type)
  absent_held       facts that are not in the report but are in the summary (invented)
  numbers_not_in_report  numbers in the summary that the report does not contain (invented values)
  duplicates        items of the summary (lines, and the "; "-separated parts and sentences of a line)
                    whose words all occur in another item: the same fact said twice
  duplicated_facts  key facts held by two or more separate items (informational: a report may itself
                    name a value in its results and again in its assessment)
  broken_chars      U+FFFD replacement characters, lone surrogates and C1 control characters
  mid_word_cuts     items that end inside a word of the report ("ALT 52 U/L (mi", also before a "…")
  latency           whole-summary ms on this machine
Recall is also given by heading_style (plain / markdown / bold / none / mixed) where the set has it, and
the facts missed per report are in --answers.
Prints one JSON object: {"before": totals, "after": totals}; progress per report on stderr.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import time
import unicodedata
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

_NUM = re.compile(r"\d+(?:[.,]\d+)?")
_TOKEN = re.compile(r"[^\W_]+", re.U)


def norm(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text or "").lower().replace("’", "'").split())


def _term_re(term: str) -> re.Pattern:
    t = norm(term)
    head = r"(?<![\d.,])" if t[:1].isdigit() else (r"(?<![^\W_])" if t[:1].isalnum() else "")
    tail = r"(?![\d]|[.,]\d)" if t[-1:].isdigit() else (r"(?![^\W_])" if len(t) <= 3 and t.isalpha() else "")
    return re.compile(head + re.escape(t) + tail)


def holds(text: str, groups: list[list[str]], substring: bool = False) -> bool:
    t = norm(text)
    if substring:  # the card's rule
        return bool(groups) and all(any(norm(term) in t for term in g) for g in groups)
    return bool(groups) and all(any(_term_re(term).search(t) for term in g) for g in groups)


def summary_body(answer: str, disclaimer: str) -> str:
    return answer.replace(disclaimer, "").strip()


def lines_of(text: str) -> list[str]:
    return [ln.strip(" -*•\t") for ln in text.splitlines() if ln.strip(" -*•\t")]


# a "; " inside brackets is no statement boundary: "GRACE score: 142 (high risk; in-hospital mortality about 3%)"
_ITEM_SPLIT = re.compile(r";\s+(?![^()]*\))|(?<=[a-z)%][.!?])\s+(?=[A-Z])")
_LABEL = re.compile(r"^[A-Za-z][A-Za-z /&()-]{1,40}:\s*")


def items_of(lines: list[str]) -> list[str]:
    """The parts a reader takes as separate statements: each line, split at '; ' (not inside brackets)
    and sentence ends, without a leading 'Label:' of the summary's own lines."""
    out = []
    for ln in lines:
        if ln.endswith(":") and len(ln) < 60:  # a heading
            continue
        for part in _ITEM_SPLIT.split(_LABEL.sub("", ln, count=1) if _LABEL.match(ln) else ln):
            if part.strip(" ,.;"):
                out.append(part.strip())
    return out


def duplicates(items: list[str]) -> list[str]:
    """Items whose words (3 or more) all occur in another item; of two equal items the second."""
    keys = [set(_TOKEN.findall(norm(it))) for it in items]
    out = []
    for i, k in enumerate(keys):
        if len(k) < 3:
            continue
        if any(j != i and k <= keys[j] and (k != keys[j] or j < i) for j in range(len(keys))):
            out.append(items[i])
    return out


def duplicated_facts(items: list[str], facts: list[dict]) -> list[str]:
    return [f["fact"] for f in facts if sum(holds(it, f["match"]) for it in items) >= 2]


def numbers_not_in(summary: str, report: str) -> list[str]:
    have = set(_NUM.findall(report.replace(",", ".")))
    return sorted({n for n in _NUM.findall(summary.replace(",", ".")) if n not in have})


def mid_word_cuts(lines: list[str], report: str) -> list[str]:
    words = set(_TOKEN.findall(norm(report)))
    prefixes = {w[:i] for w in words for i in range(1, len(w))}
    out = []
    for ln in lines:
        if ln.endswith((".", ":", ")", "]", "%")):
            continue
        last = _TOKEN.findall(norm(ln.rstrip(" …")))
        if last and last[-1] not in words and last[-1] in prefixes:
            out.append(ln)
    return out


def broken(text: str) -> int:
    return text.count("\ufffd") + sum(1 for c in text if 0xD800 <= ord(c) <= 0xDFFF or 0x80 <= ord(c) <= 0x9F)


class _SharedGenerations:
    """The pool, with each `generate` call's answers kept: the baseline's summarizer and today's send
    the same prompts with the same settings, so the model runs once per report and both are scored
    on the same generations. Per run (`start()`): `model_ms`, the model time of every call it made
    (as measured when the answer was generated, here or by the run that wrote the --generations file),
    and `gen_wall_ms`, the time spent generating in this run."""

    def __init__(self, pool, store: dict | None = None, cache_file=None):
        self._pool, self._cache, self.clean = pool, {} if store is None else store, False
        self._file = cache_file
        self.start()

    def start(self):
        self.model_ms, self.gen_wall_ms = 0.0, 0.0

    def latency(self, wall_ms: float) -> float:
        """A run's latency: its own work plus the model time of its calls, however they were served."""
        return wall_ms - self.gen_wall_ms + self.model_ms

    def __getattr__(self, name):
        return getattr(self._pool, name)

    def generate(self, requests):
        key = json.dumps([[r.expert, r.messages, r.settings.model_dump() if r.settings else None] for r in requests],
                         sort_keys=True, default=str)
        if key not in self._cache:
            t0 = time.perf_counter()
            gens = self._pool.generate(requests)
            ms = (time.perf_counter() - t0) * 1000
            self.gen_wall_ms += ms
            self._cache[key] = (gens, ms)
            if self._file is not None:
                from dataclasses import asdict

                self._file.write(json.dumps({"key": key, "ms": ms, "gens": [asdict(g) for g in gens]},
                                            ensure_ascii=False, default=str) + "\n")
                self._file.flush()
        gens, ms = self._cache[key]
        self.model_ms += ms  # a stored answer counts the model time it took when it was generated
        if self.clean:  # today's decoding drops the bytes that form no character (experts/stopping.decode_text)
            from dataclasses import replace

            gens = [replace(g, text=g.text.replace("\ufffd", "").strip()) for g in gens]
        return gens


def _load_generations(path: Path) -> dict:
    """key -> (generations, model ms) from a --generations file written by an earlier run."""
    from experts import Generation

    store = {}
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                rec = json.loads(line)
                store[rec["key"]] = ([Generation(**g) for g in rec["gens"]], rec["ms"])
    return store


def _baseline_module(rev: str):
    """medrouter/app/documents.py as it was at git revision `rev`, as a module beside today's."""
    import subprocess
    import types

    src = subprocess.check_output(["git", "show", f"{rev}:medrouter/app/documents.py"],
                                  cwd=Path(__file__).resolve().parent.parent, text=True)
    mod = types.ModuleType("baseline_documents")
    mod.__file__ = f"<{rev}:medrouter/app/documents.py>"
    exec(compile(src, mod.__file__, "exec"), mod.__dict__)
    return mod


def score(r: dict, report: str, answer: str, disclaimer: str, ms: float, strategy) -> dict:
    body = summary_body(answer, disclaimer)
    lines = lines_of(body)
    items = items_of(lines)
    held = [f for f in r["key_facts"] if holds(body, f["match"])]
    return {
        "report": r["report"], "kind": r["kind"], "has_headings": r["has_headings"], "words": r["words"],
        "heading_style": r.get("heading_style"),
        "strategy": strategy, "key_facts": len(r["key_facts"]), "held": len(held),
        "held_substring": sum(holds(body, f["match"], substring=True) for f in r["key_facts"]), "chars": len(body),
        "held_by_type": Counter(f["type"] for f in held), "n_by_type": Counter(f["type"] for f in r["key_facts"]),
        "missed": [f"{f['type']}: {f['fact']}" for f in r["key_facts"] if f not in held],
        # the blind set names them absent_facts/fact, the dev set not_in_report/claim
        "absent_held": [f.get("fact") or f.get("claim") for f in r.get("absent_facts", r.get("not_in_report", []))
                        if holds(body, f["match"])],
        "numbers_not_in_report": numbers_not_in(body, report), "duplicates": duplicates(items),
        "duplicated_facts": duplicated_facts(items, r["key_facts"]),
        "broken_chars": broken(body), "mid_word_cuts": mid_word_cuts(list(dict.fromkeys(lines + items)), report),
        "ms": round(ms, 1), "summary": body,
    }


def totals(set_name: str, per: list[dict]) -> dict:
    total = sum(p["key_facts"] for p in per)
    ms = sorted(p["ms"] for p in per)
    held_t, n_t = Counter(), Counter()
    for p in per:
        held_t.update(p["held_by_type"])
        n_t.update(p["n_by_type"])
    return {
        "set": set_name, "reports": len(per), "key_facts": total,
        "recall": round(sum(p["held"] for p in per) / total, 4) if total else None,
        "recall_substring": round(sum(p["held_substring"] for p in per) / total, 4) if total else None,
        "recall_by_type": {t: round(held_t[t] / n, 4) for t, n in sorted(n_t.items())},
        "recall_no_headings": _recall([p for p in per if not p["has_headings"]]),
        "recall_by_heading_style": {st: _recall([p for p in per if p["heading_style"] == st])
                                    for st in sorted({p["heading_style"] for p in per if p["heading_style"]})},
        "recall_long": _recall([p for p in per if p["words"] >= 1500]),
        "reports_all_held": sum(p["held"] == p["key_facts"] for p in per),
        "absent_held": sum(len(p["absent_held"]) for p in per),
        "numbers_not_in_report": sum(len(p["numbers_not_in_report"]) for p in per),
        "duplicates": sum(len(p["duplicates"]) for p in per),
        "duplicated_facts": sum(len(p["duplicated_facts"]) for p in per),
        "broken_chars": sum(p["broken_chars"] for p in per),
        "mid_word_cuts": sum(len(p["mid_word_cuts"]) for p in per),
        "summary_chars_p50": statistics.median(p["chars"] for p in per),
        "latency_ms": {"p50": round(statistics.median(ms), 1), "max": ms[-1]},
        "map_reduce": sum(1 for p in per if p["strategy"] == "map_reduce"),
        "per_report": [{k: p[k] for k in ("report", "heading_style", "held", "key_facts", "absent_held",
                                          "numbers_not_in_report",
                                          "duplicates", "mid_word_cuts", "broken_chars", "ms")} for p in per],
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--config", default=None)
    ap.add_argument("--set", default="data/eval_summaries_dev")
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--answers", default=None)
    ap.add_argument("--generations", default=None, help="a JSONL file of the model's answers, read and extended")
    ap.add_argument("--only", default=None, help="comma-separated report file names (prefixes) to run")
    ap.add_argument("--baseline", default="e7b645a",
                    help="git revision whose summarizer (medrouter/app/documents.py, raw decoding) is scored on the "
                         "same generations in the same run; '' for none")
    args = ap.parse_args()

    from medrouter import Assistant, load_config
    from medrouter.app import documents

    root = Path(args.set)
    rows = [json.loads(x) for x in (root / "key_facts.jsonl").read_text(encoding="utf-8").splitlines() if x.strip()]
    if args.only:  # in the order given
        rows = [r for p in args.only.split(",") for r in rows if r["report"].startswith(p)]
    rows = rows[: args.limit] if args.limit else rows
    store = _load_generations(Path(args.generations)) if args.generations else {}
    gen_f = open(args.generations, "a", encoding="utf-8") if args.generations else None
    s = load_config(args.config)
    a = Assistant(s)
    a.summarize("Vital signs: BP 120/80 mmHg, HR 70 bpm. Plan: review in 1 year.")  # load the models first
    base = _baseline_module(args.baseline) if args.baseline else None
    per: dict[str, list] = {"before": [], "after": []}
    out_f = open(args.answers, "w", encoding="utf-8") if args.answers else None
    for r in rows:
        path = root / "reports" / r["report"]
        report = path.read_text(encoding="utf-8")
        shared = _SharedGenerations(a.pool, store, gen_f)
        runs = []
        if base is not None:
            import experts.runtime as rt

            today, rt.decode_text = rt.decode_text, lambda tok, ids: tok.decode(ids, skip_special_tokens=True)
            shared.start()
            t0 = time.perf_counter()
            try:  # the baseline's decoding too: whole rows decoded as they were, U+FFFD and all
                res = base.summarize_document(shared, s, path)
            finally:
                rt.decode_text = today
            runs.append(("before", res, shared.latency((time.perf_counter() - t0) * 1000)))
        shared.clean = True
        shared.start()
        t0 = time.perf_counter()
        res = documents.summarize_document(shared, s, path)
        runs.append(("after", res, shared.latency((time.perf_counter() - t0) * 1000)))
        for name, res, ms in runs:
            rec = score(r, report, res["answer"], s.disclaimer, ms, res.get("strategy"))
            per[name].append(rec)
            if out_f:
                out_f.write(json.dumps(dict(rec, run=name), ensure_ascii=False, default=dict) + "\n")
                out_f.flush()
        print(f"{r['report']}: " + ", ".join(f"{n} {p[-1]['held']}/{p[-1]['key_facts']} {p[-1]['ms']:.0f} ms"
                                           for n, p in per.items() if p), file=sys.stderr, flush=True)
    if out_f:
        out_f.close()
    out = {name: totals(args.set, p) for name, p in per.items() if p}
    print(json.dumps(out, indent=1, ensure_ascii=False))
    return 0


def _recall(per: list[dict]):
    n = sum(p["key_facts"] for p in per)
    return round(sum(p["held"] for p in per) / n, 4) if n else None


if __name__ == "__main__":
    raise SystemExit(main())
