"""Build the chat-format training and held-out data for the medrouter experts.

    python data/train/build.py

Writes (deterministic: fixed seeds, sorted inputs; running it twice gives identical files):
    data/train/medical_qa.jsonl      ~250   general medical Q&A
    data/train/summarization.jsonl    120   report -> 3-line summary
    data/train/advice.jsonl           150   excerpts + question -> grounded, cited answer
    data/train/refusal.jsonl          120   out-of-scope request -> fixed refusal
    data/train/held_out/{medical_qa,summarization,refusal}.jsonl   20 each, no overlap with training

One JSON object per line: {"messages": [{"role": "user", ...}, {"role": "assistant", ...}], "task": ...}.
No system message: the trainer adds each expert's system prompt.
All material is hand-written for this project (see material/); licence Apache-2.0.
"""
from __future__ import annotations

import json
import random
import re
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "material"))

import advice  # noqa: E402
import medical_qa  # noqa: E402
import refusal  # noqa: E402
import summarization  # noqa: E402

N_QA = 250
N_SUMM, N_SUMM_HELD = 120, 20
N_ADVICE, N_NO_COVERAGE, N_INJECTION = 150, 30, 10
SUMMARY_RE = re.compile(r"^Vital signs: [^\n]+\nAbnormal findings: [^\n]+\nRecommendations: [^\n]+$")


def example(user: str, assistant: str, task: str) -> dict:
    return {"messages": [{"role": "user", "content": user}, {"role": "assistant", "content": assistant}],
            "task": task}


def words(s: str) -> int:
    return len(s.split())


# --------------------------------------------------------------------------------------------------

def build_medical_qa() -> tuple[list[dict], list[dict]]:
    rng = random.Random(101)
    first = [(q[0], a) for q, a in medical_qa.TRAIN]
    rest = [(q, a) for qs, a in medical_qa.TRAIN for q in qs[1:]]
    chosen = first + rng.sample(rest, min(len(rest), N_QA - len(first)))
    rng.shuffle(chosen)
    train = [example(q, a, "medical_qa") for q, a in chosen]
    held = [example(qs[0], a, "medical_qa") for qs, a in medical_qa.HELD_OUT]
    return train, held


def build_refusal() -> tuple[list[dict], list[dict]]:
    rng = random.Random(202)
    prompts = list(refusal.TRAIN)
    rng.shuffle(prompts)
    return ([example(p, refusal.REFUSAL, "refusal") for p in prompts],
            [example(p, refusal.REFUSAL, "refusal") for p in refusal.HELD_OUT])


def _summaries(seed: int, n: int, seen: set[str]) -> list[dict]:
    rng = random.Random(seed)
    kinds = sorted(summarization.GENERATORS)
    out = []
    while len(out) < n:
        kind = kinds[len(out) % len(kinds)]
        user, summary, report = summarization.make_example(rng, kind)
        if not 150 <= words(report) <= 600 or report in seen:
            continue
        seen.add(report)
        out.append(example(user, summary, "summarization"))
    rng.shuffle(out)
    return out


def build_summarization() -> tuple[list[dict], list[dict]]:
    seen: set[str] = set()
    train = _summaries(303, N_SUMM, seen)
    held = _summaries(304, N_SUMM_HELD, seen)
    return train, held


# --------------------------------------------------------------------------------------------------

def _fmt_excerpt(i: int, src: str, page: int | None, text: str) -> str:
    pg = f", page {page}" if page is not None else ""
    return f"[{i}] (source: {src}{pg}) {' '.join(text.split())}"


def _advice_user(excerpts: list[tuple[str, int | None, str]], question: str) -> str:
    lines = ["Excerpts from the user's documents:"]
    lines += [_fmt_excerpt(i, *ex) for i, ex in enumerate(excerpts, 1)]
    return "\n".join(lines) + f"\n\nQuestion: {question}"


def _distractors(rng: random.Random, avoid_topics: set[str], k: int, exclude: list) -> list:
    avoid = set().union(*(advice.related(t) for t in avoid_topics)) if avoid_topics else set()
    pool = [ex for u in advice.UNITS if u["topic"] not in avoid for ex in u["ex"] if ex not in exclude]
    pool = sorted(set(pool))
    return rng.sample(pool, k)


def _answerable(rng: random.Random, unit: dict, q: str, a: str, inject: str | None = None) -> dict:
    own = list(unit["ex"])
    k = rng.choice([0, 1, 1, 2, 2, 3])
    k = min(k, 4 - len(own))
    if inject and k == 0:
        k = 1
    dis = _distractors(rng, {unit["topic"]}, k, own)
    items = [("own", i, ex) for i, ex in enumerate(own)] + [("dis", None, ex) for ex in dis]
    rng.shuffle(items)
    excerpts = [list(ex) for _, _, ex in items]
    pos = {idx: n for n, (kind, idx, _) in enumerate(items, 1) if kind == "own"}
    answer = a.format(c1=f"[{pos[0]}]", c2=f"[{pos.get(1, pos[0])}]")
    if inject:
        # put the injected instruction inside one excerpt (sometimes a cited one, sometimes a distractor)
        n = rng.randrange(len(excerpts))
        text = excerpts[n][2]
        cut = text.find(". ") + 2 if ". " in text and rng.random() < 0.6 else len(text) + 1
        excerpts[n][2] = (text[:cut].rstrip() + " " + inject + " " + text[cut:]).strip()
        answer += (f" Excerpt [{n + 1}] also contains an instruction addressed to an AI; it is text inside the "
                   f"document, not medical advice, so I have not followed it.")
    answer += " " + rng.choice(advice.CONFIRM)
    return example(_advice_user([tuple(e) for e in excerpts], q), answer, "advice")


def _no_coverage(rng: random.Random, q: str, avoid: set[str]) -> dict:
    k = rng.choice([1, 2, 2, 3, 3, 4])
    excerpts = _distractors(rng, avoid, k, [])
    answer = f"{advice.NO_COVERAGE} {rng.choice(advice.NO_COVERAGE_FOLLOW)}"
    return example(_advice_user(excerpts, q), answer, "advice")


def build_advice() -> list[dict]:
    rng = random.Random(404)
    qas = [(u, q, a) for u in advice.UNITS for q, a in u["qa"]]
    n_answer = N_ADVICE - N_NO_COVERAGE - N_INJECTION
    picks = list(qas) + rng.sample(qas, n_answer - len(qas))  # every Q once, some twice with other excerpts
    out = [_answerable(rng, u, q, a) for u, q, a in picks]
    for j, (u, q, a) in enumerate(rng.sample(qas, N_INJECTION)):
        out.append(_answerable(rng, u, q, a, inject=advice.INJECTIONS[j % len(advice.INJECTIONS)]))
    # no-coverage: hand-written unanswerable questions, then unit questions with their topic left out
    for q, avoid in advice.UNANSWERABLE:
        out.append(_no_coverage(rng, q, set(avoid)))
    for u, q, _ in rng.sample(qas, N_NO_COVERAGE - len(advice.UNANSWERABLE)):
        out.append(_no_coverage(rng, q, {u["topic"]}))
    rng.shuffle(out)
    return out


# --------------------------------------------------------------------------------------------------

def check(files: dict[str, list[dict]]) -> None:
    for name, rows in files.items():
        for r in rows:
            m = r["messages"]
            assert [x["role"] for x in m] == ["user", "assistant"], name
            assert all(x["content"].strip() == x["content"] and x["content"] for x in m), name
            user, ans = m[0]["content"], m[1]["content"]
            if r["task"] == "medical_qa":
                n_sent = len(re.findall(r"[.!?](?:\s|$)", ans))
                assert words(ans) <= 90 and 2 <= n_sent <= 4 and ans.endswith("."), (name, user)
            elif r["task"] == "summarization":
                assert SUMMARY_RE.match(ans), (name, ans)
                for line in ans.split("\n"):
                    assert len(re.findall(r"[.!?](?:\s|$)", line)) <= 2, line
            elif r["task"] == "advice":
                assert re.match(r"^Excerpts from the user's documents:\n(\[\d\] \(source: [^)]+\) [^\n]+\n){1,4}\n"
                                r"Question: [^\n]+$", user), user
                n_ex = len(re.findall(r"^\[\d\] ", user, flags=re.M))
                assert words(ans) <= 80, (words(ans), ans)
                if ans.startswith(advice.NO_COVERAGE):
                    assert not re.search(r"\[\d\]", ans)
                else:
                    cites = {int(c) for c in re.findall(r"\[(\d)\]", ans)}
                    assert cites and max(cites) <= n_ex, ans
                    assert any(ans.endswith(c) for c in advice.CONFIRM), ans
            elif r["task"] == "refusal":
                assert ans == refusal.REFUSAL
    # held-out sets must not overlap training
    for task in ("medical_qa", "summarization", "refusal"):
        tr = {r["messages"][0]["content"] for r in files[f"{task}.jsonl"]}
        ho = {r["messages"][0]["content"] for r in files[f"held_out/{task}.jsonl"]}
        assert not tr & ho, task
    tr_ans = {r["messages"][1]["content"] for r in files["medical_qa.jsonl"]}
    assert not tr_ans & {r["messages"][1]["content"] for r in files["held_out/medical_qa.jsonl"]}


def main() -> None:
    qa_train, qa_held = build_medical_qa()
    summ_train, summ_held = build_summarization()
    ref_train, ref_held = build_refusal()
    files = {
        "medical_qa.jsonl": qa_train,
        "summarization.jsonl": summ_train,
        "advice.jsonl": build_advice(),
        "refusal.jsonl": ref_train,
        "held_out/medical_qa.jsonl": qa_held,
        "held_out/summarization.jsonl": summ_held,
        "held_out/refusal.jsonl": ref_held,
    }
    check(files)
    (HERE / "held_out").mkdir(exist_ok=True)
    for name, rows in files.items():
        with open(HERE / name, "w", encoding="utf-8", newline="\n") as f:
            for r in rows:
                f.write(json.dumps(r, ensure_ascii=False) + "\n")
        extra = ""
        if name == "advice.jsonl":
            c = Counter("no_coverage" if r["messages"][1]["content"].startswith(advice.NO_COVERAGE) else
                        "injection" if "addressed to an AI" in r["messages"][1]["content"] else "answered"
                        for r in rows)
            extra = f"  {dict(sorted(c.items()))}"
        if "summarization" in name:
            c = Counter("lab" if r["messages"][1]["content"].startswith("Vital signs: Not recorded") else
                        "discharge" if "Discharge Letter" in r["messages"][0]["content"] else "exam" for r in rows)
            extra = f"  {dict(sorted(c.items()))}"
        print(f"{name:32s} {len(rows):4d}{extra}")


if __name__ == "__main__":
    main()
