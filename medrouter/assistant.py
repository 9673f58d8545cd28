"""The whole path: request -> router -> (refusal | expert [+ retrieval]) -> answer + disclaimer.

This is the library's front door; the CLI, the HTTP server and the UI are thin layers over it.
"""
from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field

from .config import Settings, load_config
from .errors import InputError


# a sentence that states something checkable: it cites an excerpt or gives a number
_CLAIM = re.compile(r"\[\d{1,2}\]|\d")
# heads of the quoted lines under a grounded answer: the model's checked answer stands above them,
# or nothing it stated survived the check (then the lines are not presented as the answer)
FROM_DOCUMENTS = "From your documents:"
CLOSEST_LINES = "Your documents may not answer this directly. The closest lines:"


@dataclass
class Source:
    index: int  # the [n] the answer cites
    source: str
    page: int | None
    score: float
    text: str


@dataclass
class Answer:
    route: str
    expert: str | None
    confidence: float  # the router's probability of the route that answered (or refused)
    answer: str
    finish_reason: str  # stop | length | refused
    sources: list[Source] = field(default_factory=list)
    timings_ms: dict = field(default_factory=dict)
    emergency: str | None = None
    scores: dict = field(default_factory=dict)
    stop_reason: str | None = None
    note: str | None = None  # e.g. "document truncated to fit the context window"
    evidence: list[dict] = field(default_factory=list)  # quoted lines: {index, text, score}
    unsupported: list[str] = field(default_factory=list)  # model sentences left out: not in the excerpts
    in_scope: float | None = None  # the router's P(in scope), which its refusal floor is compared with

    def to_dict(self) -> dict:
        d = asdict(self)
        d["confidence"] = round(self.confidence, 4)
        d["scores"] = {k: round(v, 4) for k, v in self.scores.items()}
        if self.in_scope is not None:
            d["in_scope"] = round(self.in_scope, 4)
        return d


def check_text(text: str, limit: int, what: str = "request") -> str:
    if text is None or not str(text).strip():
        raise InputError(f"empty {what}: type a question or paste a document")
    if len(text) > limit:
        raise InputError(f"{what} is {len(text):,} characters; the limit is {limit:,} (limits.max_input_chars). "
                         "Upload long documents as files instead")
    if "\x00" in text:
        raise InputError(f"{what} contains binary data (NUL bytes); send text")
    return text


def _norm(text: str) -> str:
    return " ".join(text.lower().split())


def without_refusal(reply: str, refusal: str, similar: float = 0.75) -> str:
    """`reply` without the sentences that restate the out-of-scope `refusal` (an exact or near copy:
    the experts were trained on it and a small model may change a word)."""
    import difflib
    import re

    split = re.compile(r"(?<=[.!?])\s+")
    refusal_sentences = [r.lower() for r in split.split(refusal.strip()) if r.strip()]
    kept = [sentence for sentence in split.split(reply.strip()) if sentence.strip() and not any(
        difflib.SequenceMatcher(None, sentence.lower(), r).ratio() >= similar for r in refusal_sentences)]
    return " ".join(kept)


class Assistant:
    """Router + experts + retrieval over one config. Models load lazily, once."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self._router = None
        self._pool = None
        self._store = None

    @classmethod
    def from_config(cls, path=None) -> Assistant:
        return cls(load_config(path))

    # ---- parts, loaded on first use -------------------------------------------------------
    @property
    def router(self):
        if self._router is None:
            from router import Router

            self._router = Router(self.settings)
        return self._router

    @property
    def pool(self):
        if self._pool is None:
            from experts import load_backend

            # serve.backend picks where generation runs: in-process transformers (default) or an
            # OpenAI-compatible server such as vLLM with LoRA modules
            self._pool = load_backend(self.settings)
        return self._pool

    @property
    def store(self):
        if self._store is None:
            from retrieval import Store

            self._store = Store(self.settings)
        return self._store

    # ---- API -----------------------------------------------------------------------------
    def route(self, text: str, has_documents: bool = False):
        check_text(text, self.settings.limits.max_input_chars)
        return self.router.route(text, has_documents=has_documents)

    def ask(self, text: str, collection: str | None = None, expert: str | None = None) -> Answer:
        final = None
        for item in self.ask_stream(text, collection=collection, expert=expert):
            if isinstance(item, Answer):
                final = item
        return final

    def ask_stream(self, text: str, collection: str | None = None, expert: str | None = None
                   ) -> Iterator[str | Answer]:
        """Yield answer text pieces as they are generated, then the final Answer."""
        s = self.settings
        t0 = time.perf_counter()
        check_text(text, s.limits.max_input_chars)
        timings: dict = {}
        decision = self.router.route(text, has_documents=collection is not None)
        timings["route"] = round((time.perf_counter() - t0) * 1000, 1)
        prefix = s.emergency.message + "\n\n" if decision.emergency else ""
        if expert is not None:
            spec = s.expert(expert)  # UnknownExpertError if not configured
            route, refused = spec.route, False
        else:
            route, refused = decision.route, decision.refused
            spec = None if refused else s.expert_for_route(route)
        base = dict(route=route, confidence=decision.confidence, scores=decision.scores,
                    emergency=decision.emergency, in_scope=decision.in_scope)
        if refused or spec is None:
            body = prefix + s.out_of_scope_reply + "\n\n" + s.disclaimer
            yield body
            timings["total"] = round((time.perf_counter() - t0) * 1000, 1)
            yield Answer(expert=None, answer=body, finish_reason="refused", timings_ms=timings, **base)
            return

        from experts.prompting import NO_COVERAGE, build_messages

        sources: list[Source] = []
        if spec.uses_retrieval and collection:
            t1 = time.perf_counter()
            hits = self.store.search(collection, text, k=s.retrieval.top_k)
            timings["retrieve"] = round((time.perf_counter() - t1) * 1000, 1)
            sources = [Source(i + 1, h.source, h.page, float(h.score), h.text) for i, h in enumerate(hits)]
            if not hits or max(h.score for h in hits) < s.retrieval.min_score:
                body = f"{prefix}{NO_COVERAGE} Please ask your clinician.\n\n{s.disclaimer}"
                yield body
                timings["total"] = round((time.perf_counter() - t0) * 1000, 1)
                yield Answer(expert=spec.name, answer=body, finish_reason="stop", stop_reason="no_coverage",
                             sources=sources, timings_ms=timings, **base)
                return
        messages = build_messages(spec, text, sources or None)
        if prefix:
            yield prefix
        gen = None
        t2 = time.perf_counter()
        first = None
        grounded = bool(sources)
        # a grounded reply is checked against the excerpts, and an emergency's reply for a refusal,
        # before either is shown; any other reply streams as soon as it cannot be the out-of-scope
        # refusal (its first word, for almost every answer)
        hold = grounded or bool(decision.emergency)
        head, flowing, refusal = "", False, _norm(s.out_of_scope_reply)
        for piece in self.pool.stream(spec.name, messages):
            if isinstance(piece, str):
                if first is None:
                    first = time.perf_counter()
                if hold:
                    continue
                if not flowing:
                    head += piece
                    if refusal.startswith(_norm(head)):
                        continue
                    flowing, piece = True, head
                yield piece
            else:
                gen = piece
        timings["generate"] = round((time.perf_counter() - t2) * 1000, 1)
        if first is not None:
            timings["first_token"] = round((first - t0) * 1000, 1)
        reply, evidence, unsupported = gen.text, [], []
        if grounded:
            t3 = time.perf_counter()
            reply, evidence, unsupported = self._ground(text, gen.text, hits, collection)
            timings["ground"] = round((time.perf_counter() - t3) * 1000, 1)
        declined = False
        if not grounded:  # (a grounded refusal cites nothing: _ground leaves only the closest lines)
            # The experts learned to refuse out-of-scope requests and a small one over-refuses requests
            # the router judged in scope ("how does amlodipine work": 28 of 112 dev medical questions).
            # Nobody is told a medical request is outside what we help with: an emergency keeps the
            # urgent message alone, any other request gets the honest "declined" reply.
            kept = without_refusal(reply, s.out_of_scope_reply)
            declined = not kept.strip() and bool(reply.strip())
            reply = kept if (kept.strip() or decision.emergency) else s.declined_reply
        if (hold or not flowing) and reply:
            yield reply
        # the urgent message alone when nothing of the reply is left (it already ends in a blank line)
        suffix = s.disclaimer if (prefix and not reply.strip()) else "\n\n" + s.disclaimer
        yield suffix
        timings["total"] = round((time.perf_counter() - t0) * 1000, 1)
        note = "the document was truncated to fit the context window" if gen.truncated_prompt else None
        yield Answer(expert=spec.name, answer=prefix + reply + suffix, finish_reason=gen.finish_reason,
                     stop_reason="declined" if declined else gen.stop_reason, sources=sources, timings_ms=timings,
                     note=note, evidence=[e.to_dict() for e in evidence],
                     unsupported=unsupported, **base)

    def _ground(self, question: str, reply: str, hits: list, collection: str) -> tuple[str, list, list[str]]:
        """The reply checked against the excerpts, followed by the lines that answer the question,
        quoted with their [n] (retrieval/grounding.py; `retrieval.check_claims`, `retrieval.evidence_lines`)."""
        rs = self.settings.retrieval
        unsupported: list[str] = []
        if rs.check_claims:
            checked = self.store.check_claims(reply, hits, question)
            reply, unsupported = checked.kept, checked.dropped
        from experts.prompting import NO_COVERAGE

        evidence = self.store.evidence(collection, question, hits)
        if not _CLAIM.search(reply):
            # nothing the model stated (a citation or a number) survived, only "please confirm ...":
            # the lines below are the closest ones, not presented as the answer
            reply = reply if NO_COVERAGE.lower() in reply.lower() else ""
            head = CLOSEST_LINES
        else:
            head = FROM_DOCUMENTS
        parts = [reply.strip()] if reply.strip() else []
        if evidence:
            quotes = "\n\n".join(f'> [{e.index}] "{e.text}"' for e in evidence)  # one blockquote each
            parts.append(f"{head}\n{quotes}")
        if not parts:
            parts.append(f"{NO_COVERAGE} Please ask your clinician.")
        return "\n\n".join(parts), evidence, unsupported
