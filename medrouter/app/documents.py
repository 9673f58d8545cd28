"""Whole-document work: read a file's text, summarize a document that may not fit the context window.

    text, pages = load_text("report.pdf")
    result = summarize_document(assistant, settings, Path("report.pdf"))   # Answer-like dict
    result = assistant.summarize(Path("report.pdf"))                      # the same, the public way

A document that fits (prompt + answer <= base_model.max_context_tokens) is summarized in one call.
A longer one goes map-reduce: token-aware pieces are summarized in batched `ExpertPool.generate`
calls (map), the partial summaries are summarized together (reduce, repeated until they fit).
Whatever the model writes, the result also carries `key_facts` — vital signs, abnormal findings and
recommendations copied verbatim from the document's own sections — and the answer ends with them,
so a physical examination report never loses its numbers to a small model's paraphrase.
"""
from __future__ import annotations

import os
import re
import time
from pathlib import Path

from medrouter.core.errors import InputError

MAP_BATCH = 4  # pieces per generate() call in the map step


def load_text(path: str | os.PathLike, max_file_mb: float | None = None) -> tuple[str, int]:
    """(text, pages) of a PDF / DOCX / TXT / Markdown / HTML file, through retrieval's loaders.
    `pages` is the PDF page count, else an estimate at 3,000 characters a page."""
    from retrieval.loaders import load_document
    from retrieval.store import CHARS_PER_PAGE

    doc = load_document(path, max_file_mb if max_file_mb is not None else 50.0)
    text = doc.text
    return text, doc.pages or max(1, -(-len(text) // CHARS_PER_PAGE))


# ---- key facts (extractive) ---------------------------------------------------------------------
_VITAL = re.compile(
    r"(blood pressure|\bBP\b|heart rate|pulse|respiratory rate|oxygen saturation|SpO2|temperature|"
    r"\bBMI\b|weight|height|waist|mmHg|bpm|beats per minute|breaths per minute)", re.I)
_ABNORMAL_HEAD = re.compile(r"(assessment|abnormal|finding|conclusion|impression|diagnos|summary of)", re.I)
_ABNORMAL_LINE = re.compile(r"(\b(H|L|HIGH|LOW)\b\s*$|abnormal|raised|elevated|reduced|\blow\b|\bhigh\b|"
                            r"deficien|wheeze|murmur|tender|above target|borderline)", re.I)
_PLAN_HEAD = re.compile(r"(plan|recommend|follow[- ]?up|advice|next steps|management)", re.I)


def _sections_of(text: str):
    from retrieval.loaders import Section, sections_from_plain

    md = re.split(r"(?m)^#{1,6}\s+(.+)$", text)
    if len(md) > 1:  # Markdown headings
        out = [Section(None, md[0])] if md[0].strip() else []
        out += [Section(md[i].strip(), md[i + 1]) for i in range(1, len(md) - 1, 2)]
        return out
    return sections_from_plain(text)


_INLINE_LABEL = re.compile(r"^\s*([A-Za-z][A-Za-z /&()-]{1,40}?)\s*:\s+\S")
_FACT_NAMES = {"vital_signs": "Vital signs", "abnormal_findings": "Abnormal findings",
               "recommendations": "Recommendations"}
_NEGATED = re.compile(r"\b(no|not|non-|without|normal|negative|clear)\b", re.I)


def key_facts(text_or_sections, per_kind: int = 6) -> dict[str, list[str]]:
    """Vital signs, abnormal findings and recommendations, as lines copied from the document.
    Takes the document text, or the loader's sections (headings known from the file format)."""
    facts: dict[str, list[str]] = {"vital_signs": [], "abnormal_findings": [], "recommendations": []}

    def add(kind, line):
        line = " ".join(line.strip(" -*|#\t").replace("**", "").split())
        line = re.sub(rf"^{_FACT_NAMES[kind]}\s*:\s*", "", line, flags=re.I)  # no "Vital signs: Vital signs: ..."
        line = re.sub(r"\s*\|\s*", " | ", line)
        if len(line) > 3 and not set(line) <= set("-|: ") and line not in facts[kind] and len(facts[kind]) < per_kind:
            facts[kind].append(line[:240])

    sections = _sections_of(text_or_sections) if isinstance(text_or_sections, str) else text_or_sections
    for sec in sections:
        lines = [ln for ln in sec.text.splitlines() if ln.strip()]
        inline = ""  # "Plan: ..." inside a section labels that line and its continuation lines
        for ln in lines:
            m = _INLINE_LABEL.match(ln)
            if m:
                inline = m.group(1)
            head = f"{sec.heading or ''} {inline}"
            plan = bool(_PLAN_HEAD.search(head))
            vital_section = bool(re.search(r"vital|observation|measurement", head, re.I))
            if (vital_section or (_VITAL.search(ln) and not plan)) and re.search(r"\d", ln) and len(ln) < 200:
                add("vital_signs", ln)
            if plan:
                add("recommendations", ln)
            elif _ABNORMAL_HEAD.search(head) or (_ABNORMAL_LINE.search(ln) and not vital_section
                                                  and not _NEGATED.search(ln)):
                add("abnormal_findings", ln)
    return facts


def _facts_block(facts: dict[str, list[str]]) -> str:
    parts = [f"{_FACT_NAMES[k]}: " + "; ".join(v) for k, v in facts.items() if v]
    return "Key facts from the document (copied verbatim):\n" + "\n".join(parts) if parts else ""


# ---- summarization ------------------------------------------------------------------------------
def _is_path(x) -> bool:
    # Only a pathlib.Path names a file: a pasted string that happens to look like a server path
    # ("/etc/passwd") must be summarized as text, never read from disk.
    return isinstance(x, Path)


def summarize_document(assistant_or_pool, settings, path_or_text, max_new_tokens: int | None = None,
                       expert: str | None = None) -> dict:
    """Summarize a whole document (file path or text). Returns an Answer-like dict:
    route, expert, answer (summary + key facts + disclaimer), finish_reason, stop_reason, sources ([]),
    timings_ms, note, strategy ("single" | "map_reduce"), parts, pages, key_facts."""
    from experts import GenerationRequest
    from experts.prompting import build_messages

    t0 = time.perf_counter()
    if _is_path(path_or_text):
        from retrieval.loaders import load_document

        doc = load_document(path_or_text, settings.retrieval.max_file_mb)
        text, pages, source, sections = doc.text, doc.pages, Path(path_or_text).name, doc.sections
    else:
        text, pages, source = str(path_or_text or ""), None, None
        sections = text
    if not text.strip():
        raise InputError("empty document: nothing to summarize")
    # the document is read and checked before any model loads: a bad file fails in a second
    pool = getattr(assistant_or_pool, "pool", assistant_or_pool)
    spec = settings.expert(expert) if expert else (settings.expert_for_route("summarization")
                                                   or settings.expert("summarization"))
    gen = spec.generation.model_copy(update={"max_new_tokens": max_new_tokens}) if max_new_tokens else spec.generation
    tok = getattr(pool, "tokenizer", None)
    if tok is None:
        from medrouter.core.errors import ConfigError

        raise ConfigError(f"summarizing a whole document needs the in-process experts (serve.backend: transformers): "
                          f"it counts the document's tokens to fit the context; the '{getattr(pool, 'name', '?')}' "
                          "backend has no tokenizer here. `medrouter summarize FILE` always runs in-process")
    context = settings.base_model.max_context_tokens
    overhead = len(tok.apply_chat_template(build_messages(spec, "x"), add_generation_prompt=True, tokenize=True))
    budget = context - gen.max_new_tokens - overhead - 16  # tokens of document per call
    if budget < 64:
        raise InputError(f"base_model.max_context_tokens ({context}) leaves no room for a document after "
                         f"{gen.max_new_tokens} answer tokens")

    def n_tokens(s: str) -> int:
        return len(tok(s, add_special_tokens=False)["input_ids"])

    def run(texts: list[str]) -> list:
        out = []
        for i in range(0, len(texts), MAP_BATCH):
            reqs = [GenerationRequest(spec.name, build_messages(spec, t), gen) for t in texts[i:i + MAP_BATCH]]
            out.extend(pool.generate(reqs))
        return out

    timings: dict = {}
    strategy, parts, rounds = "single", 1, 0
    current = text
    while n_tokens(current) > budget:
        from langchain_text_splitters import RecursiveCharacterTextSplitter

        strategy, rounds = "map_reduce", rounds + 1
        splitter = RecursiveCharacterTextSplitter.from_huggingface_tokenizer(
            tok, chunk_size=budget, chunk_overlap=min(64, budget // 8), separators=["\n\n", "\n", ". ", " ", ""])
        pieces = splitter.split_text(current)
        if rounds == 1:
            parts = len(pieces)
        tm = time.perf_counter()
        partial = run([f"Part {i} of {len(pieces)} of a medical document:\n\n{p}" for i, p in enumerate(pieces, 1)])
        timings[f"map_{rounds}"] = round((time.perf_counter() - tm) * 1000, 1)
        joined = "\n\n".join(f"Summary of part {i}:\n{g.text}" for i, g in enumerate(partial, 1))
        if n_tokens(joined) >= n_tokens(current) or rounds >= 4:  # not shrinking: keep what fits
            current = tok.decode(tok(joined, add_special_tokens=False)["input_ids"][:budget])
            break
        current = joined
    tr = time.perf_counter()
    final = run([current])[0]
    timings["reduce" if strategy == "map_reduce" else "generate"] = round((time.perf_counter() - tr) * 1000, 1)
    facts = key_facts(sections)
    block = _facts_block(facts)
    answer = final.text.strip() + (f"\n\n{block}" if block else "") + "\n\n" + settings.disclaimer
    timings["total"] = round((time.perf_counter() - t0) * 1000, 1)
    note = (f"the document was summarized in {parts} parts (map-reduce) to fit the context window"
            if strategy == "map_reduce" else None)
    return {"route": "summarization", "expert": spec.name, "confidence": 1.0, "answer": answer,
            "finish_reason": final.finish_reason, "stop_reason": final.stop_reason, "sources": [],
            "timings_ms": timings, "note": note, "strategy": strategy, "parts": parts, "pages": pages,
            "source": source, "key_facts": facts, "emergency": None, "scores": {}}
