"""`medrouter eval expert NAME`: the base model and the expert's adapter, side by side, on held-out data.

Measures (each for base and adapter, generated through `ExpertPool` in mixed batches):
- refusal_rate: share of out-of-scope requests (held_out/refusal.jsonl) the expert itself refuses, i.e. what
  happens when the router lets one through;
- false_refusal_rate: share of in-scope held-out requests wrongly refused;
- runaway_rate: share of all answers that did not end by the model's own stop token (max_new_tokens, or a guard:
  repetition, degenerate output, or the wrap-up at a sentence end in the last quarter of the token budget);
- the expert's task metric: ROUGE-L F1 on summaries, token F1 on QA and advice answers (+ citation rate).
"""
from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from medrouter.core.errors import InputError

from .data import Example, read_chat_file

# Ends that are not the model stopping by itself (experts/stopping.py reasons): a runaway.
RUNAWAY = {"max_new_tokens", "repetition", "wrap_up", "degenerate"}

# What a refusal looks like: the configured out-of-scope reply, or a phrase of that kind.
REFUSAL_PATTERNS = [
    r"\bI can only help with medical",
    r"\boutside (?:of )?what I can help",
    r"\boutside (?:of )?(?:my|the) scope",
    r"\bI(?:'m| am) (?:not able|unable) to help with (?:that|this)",
    r"\bI can(?:not|'t) help with (?:that|this)",
    r"\bnot a medical (?:question|request|topic)",
]
_REFUSAL_RE = re.compile("|".join(REFUSAL_PATTERNS), re.I)


def is_refusal(text: str, reply: str | None = None) -> bool:
    if reply and " ".join(reply.split())[:60].lower() in " ".join(text.split()).lower():
        return True
    return bool(_REFUSAL_RE.search(text or ""))


# --------------------------------------------------------------------------------------------
# Text metrics (implemented here: ROUGE-L is an LCS F-measure, token F1 is SQuAD's)

_TOKEN = re.compile(r"\w+", re.UNICODE)


def tokens(text: str) -> list[str]:
    return _TOKEN.findall((text or "").lower())


def lcs_len(a: list[str], b: list[str]) -> int:
    if not a or not b:
        return 0
    prev = [0] * (len(b) + 1)
    for x in a:
        cur = [0]
        for j, y in enumerate(b, 1):
            cur.append(prev[j - 1] + 1 if x == y else max(prev[j], cur[j - 1]))
        prev = cur
    return prev[-1]


def rouge_l(pred: str, ref: str) -> float:
    """ROUGE-L F1 (beta = 1) over lower-cased word tokens."""
    p, r = tokens(pred), tokens(ref)
    lcs = lcs_len(p, r)
    if lcs == 0:
        return 0.0
    prec, rec = lcs / len(p), lcs / len(r)
    return 2 * prec * rec / (prec + rec)


def token_f1(pred: str, ref: str) -> float:
    from collections import Counter

    p, r = tokens(pred), tokens(ref)
    common = sum((Counter(p) & Counter(r)).values())
    if common == 0:
        return 0.0
    prec, rec = common / len(p), common / len(r)
    return 2 * prec * rec / (prec + rec)


def citation_ok(pred: str, user_text: str) -> bool:
    """Cites at least one excerpt that exists ([k] with k <= number of excerpts), or says none cover it."""
    n = len(re.findall(r"^\[(\d+)\]", user_text, re.M))
    cited = {int(k) for k in re.findall(r"\[(\d+)\]", pred)}
    if "do not cover this question" in pred:
        return True
    return bool(cited) and all(1 <= k <= n for k in cited)


@dataclass(frozen=True)
class TaskMetric:
    name: str
    fn: Callable  # (prediction, reference, example) -> float


# task -> its metrics (registry: a new task adds a line, not a branch)
TASK_METRICS: dict[str, list[TaskMetric]] = {
    "medical_qa": [TaskMetric("token_f1", lambda p, r, ex: token_f1(p, r))],
    "summarization": [TaskMetric("rouge_l", lambda p, r, ex: rouge_l(p, r))],
    "advice": [TaskMetric("token_f1", lambda p, r, ex: token_f1(p, r)),
               TaskMetric("citation_rate", lambda p, r, ex: float(citation_ok(p, ex.messages[-2]["content"])))],
}


# --------------------------------------------------------------------------------------------


def held_out(held_out_dir: Path, task: str, limit: int, files: dict | None = None) -> list[Example]:
    """Held-out examples of one task: `<dir>/<task>.jsonl`, else `files[task]` (a chat source with a row
    slice kept out of training), else any chat file in the folder with rows of that task."""
    from .data import BuildContext, build_source

    f = held_out_dir / f"{task}.jsonl"
    if not f.is_file() and files and task in files:
        spec = files[task].model_copy(update={"options": {"task": task, **files[task].options}})
        return [e for e in build_source(spec, BuildContext(refusal_reply="")) if e.task == task][:limit]
    files = [f] if f.is_file() else sorted(held_out_dir.glob("*.jsonl"))
    out: list[Example] = []
    for p in files:
        out += [e for e in read_chat_file(p) if e.task == task]
        if len(out) >= limit:
            break
    return out[:limit]


def _eval_settings(settings, name: str, adapter: str | None):
    """A copy of the config with the expert (adapter overridable) and a twin '<name>__base' on the bare base."""
    s = settings.model_copy(deep=True)
    spec = s.expert(name)
    if adapter is not None:
        spec.adapter = str(Path(adapter).resolve())
    s.experts = [spec, spec.model_copy(update={"name": f"{name}__base", "adapter": None})]
    return s, spec


def evaluate_expert(settings, name: str, *, adapter: str | None = None, held_out_dir: str | Path,
                    max_per_task: int = 12, batch_size: int = 8, with_base: bool = True,
                    max_new_tokens: int | None = None, progress: bool = True, files: dict | None = None) -> dict:
    from tqdm import tqdm

    from experts.runtime import ExpertPool, GenerationRequest

    s, spec = _eval_settings(settings, name, adapter)
    if spec.adapter is None and not with_base:
        raise InputError(f"expert '{name}' has no adapter configured; give --adapter PATH or evaluate the base")
    hod = Path(held_out_dir)
    if not hod.is_dir():
        raise InputError(f"held-out folder not found: {hod}")
    task = spec.route
    in_scope = held_out(hod, task, max_per_task, files)
    oos = held_out(hod, "refusal", max_per_task, files)
    if not in_scope and not oos:
        raise InputError(f"{hod}: no held-out examples for task '{task}' or 'refusal'")
    gen = spec.generation if max_new_tokens is None else spec.generation.model_copy(update={"max_new_tokens": max_new_tokens})
    system = spec.system_prompt.strip()
    variants = {"adapter": name} if spec.adapter else {}
    if with_base:
        variants["base"] = f"{name}__base"
    jobs = []  # (variant, kind, example)
    for variant in variants:
        jobs += [(variant, task, ex) for ex in in_scope] + [(variant, "refusal", ex) for ex in oos]
    requests = [GenerationRequest(variants[v], [{"role": "system", "content": system}] + ex.messages[:-1], gen)
                for v, _, ex in jobs]
    t0 = time.perf_counter()
    pool = ExpertPool(s)
    load_s = time.perf_counter() - t0
    order = sorted(range(len(requests)), key=lambda i: len(json.dumps(requests[i].messages)))  # similar lengths batch well
    outputs: dict[int, object] = {}
    t1 = time.perf_counter()
    bar = tqdm(total=len(order), desc=f"eval {name}", disable=not progress, unit="answer")
    for k in range(0, len(order), batch_size):
        idx = order[k:k + batch_size]
        for i, g in zip(idx, pool.generate([requests[i] for i in idx])):
            outputs[i] = g
        bar.update(len(idx))
    bar.close()
    gen_s = time.perf_counter() - t1
    reply = s.out_of_scope_reply
    results: dict[str, dict] = {}
    samples, failures = [], []
    for variant in variants:
        # (kind, example, generation, refused): each answer judged a refusal once
        rows = [(kind, ex, outputs[i], is_refusal(outputs[i].text, reply))
                for i, (v, kind, ex) in enumerate(jobs) if v == variant]
        task_rows = [r for r in rows if r[0] == task]
        oos_rows = [r for r in rows if r[0] == "refusal"]
        m: dict = {"answers": len(rows)}
        m["runaway_rate"] = _rate([g.stop_reason in RUNAWAY for _, _, g, _ in rows])
        m["stop_reasons"] = _counts([g.stop_reason for _, _, g, _ in rows])
        m["refusal_rate"] = _rate([refused for *_, refused in oos_rows])
        m["false_refusal_rate"] = _rate([refused for *_, refused in task_rows])
        for metric in TASK_METRICS.get(task, []):
            m[metric.name] = _mean([metric.fn(g.text, ex.messages[-1]["content"], ex) for _, ex, g, _ in task_rows])
        m["mean_completion_tokens"] = _mean([g.completion_tokens for _, _, g, _ in rows], 1)
        results[variant] = m
        for kind, ex, g, _ in rows[:2] + oos_rows[:1]:
            samples.append({"variant": variant, "kind": kind, "request": ex.messages[-2]["content"][:300],
                            "answer": g.text[:400], "stop_reason": g.stop_reason})
        if variant == "adapter":  # every failure of the adapter, so a reader sees what went wrong
            for kind, ex, g, refused in rows:
                why = ("runaway" if g.stop_reason in RUNAWAY else
                       "not_refused" if kind == "refusal" and not refused else
                       "false_refusal" if kind != "refusal" and refused else None)
                if why:
                    failures.append({"why": why, "kind": kind, "request": ex.messages[-2]["content"][-300:],
                                     "answer": g.text[-400:], "stop_reason": g.stop_reason})
    report = {
        "expert": name,
        "adapter_path": spec.adapter,
        "base_model": settings.base_model.path,
        "task": task,
        "held_out": {"dir": str(hod), task: len(in_scope), "refusal": len(oos)},
        "max_new_tokens": gen.max_new_tokens,
        **results,
        "timings_s": {"load": round(load_s, 1), "generate": round(gen_s, 1)},
        "samples": samples,
        "failures": failures,
    }
    if "adapter" in results and "base" in results:
        a, b = results["adapter"], results["base"]
        report["gain"] = {k: round(a[k] - b[k], 4) for k in a
                          if isinstance(a[k], float) and isinstance(b.get(k), float)}
    report["summary"] = {v: {k: x for k, x in r.items() if k not in ("stop_reasons",)} for v, r in results.items()}
    return report


def _rate(flags: list[bool]) -> float | None:
    return round(sum(flags) / len(flags), 4) if flags else None


def _mean(xs, nd: int = 4):
    return round(sum(xs) / len(xs), nd) if xs else None


def _counts(xs):
    from collections import Counter

    return dict(Counter(xs))
