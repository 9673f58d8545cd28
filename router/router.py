"""The embedding router: text -> route, with a calibrated confidence and an out-of-scope boundary.

Per request: cut the text to the user's instruction (router.text), embed it once with the shared
encoder, add side features (documents attached, document pasted, length), score with the
registered classifier, and refuse a request whose in-scope confidence (logreg: 1 - P(out of
scope)) is under the floor of its best in-scope route (route threshold > router.min_confidence >
the threshold fitted by `router fit`). Emergency detection runs on the user's own words whatever
the route, and an emergency is never refused.
"""
from __future__ import annotations

import time
from collections.abc import Sequence

import numpy as np

from medrouter.core.errors import ConfigError, InputError

from . import classifiers as _classifiers  # noqa: F401  (registers logreg, nearest)
from .base import CLASSIFIERS, RouteDecision
from .emergency_head import EmergencyDetector, emergency_head_path
from .encoders import ENCODERS
from .terms import MedicalTerms
from .text import (WINDOW_CHARS, RoutingInput, asks_about_animal_health, asks_for_summary, asks_legal, asks_who_discovered, clean,
                   names_health_document, needs_document, routing_text, side_features, split_request)

__all__ = ["Router", "routing_text"]

# With documents attached, `doc_match` (the collection's best cosine for the request, retrieval's
# MiniLM score) at or above this floor means the request is about the user's documents: it is never
# refused; it goes to summarization when it asks for a summary (text.asks_for_summary), else to advice.
# Set on simulated scores (data/routing/doc_match.py: the train and dev requests asked with documents,
# against the data/eval_docs collection): above every off-topic one (151, highest 0.42: a role-claim
# jailbreak) with a margin; questions about those documents score p10 0.36, median 0.53. Measured in
# router/README.md.
DOC_MATCH_FLOOR = 0.45
DOCS_ROUTE, SUMMARY_ROUTE = "advice", "summarization"  # the experts that read the user's documents
# A request that asks for a summary (text.asks_for_summary) of a health document it names as the
# user's (text.names_health_document: "the audiogram I uploaded", "my stress echo"), attached or named
# but missing, goes to summarization when P(in scope) is at least this: the head sent such requests to
# advice or medical_qa, or just under its floor ("quick recap of the audiogram I uploaded?" 0.77). On
# train and dev the rule fires on 400 requests, 397 of them summaries (router/README.md); the floor
# keeps it off the other three, summaries of other documents the head refuses ("the uploaded home
# survey report").
SUMMARY_RULE_FLOOR = 0.5
# A very short request that is only a medical name of the reference library ("INR?", "what's in a CBC",
# router/terms.py) is a medical question: refused by the head, it goes to this route (reason
# "medical_term").
QA_ROUTE = "medical_qa"


class Router:
    def __init__(self, settings, embedder=None, classifier: str | None = None, encoder=None, **classifier_kwargs):
        """`encoder`: an encoder instance to use instead of building `router.encoder` (`router fit`
        passes a trainable encoder before its weights exist)."""
        self.settings = settings
        rs = settings.router
        if rs.encoder not in ENCODERS:
            raise ConfigError(f"router.encoder: unknown encoder '{rs.encoder}'; registered: {', '.join(ENCODERS)}")
        name = classifier or rs.classifier
        if name not in CLASSIFIERS:
            raise ConfigError(f"router.classifier: unknown classifier '{name}'; registered: {', '.join(CLASSIFIERS)}")
        self.encoder = encoder if encoder is not None else ENCODERS[rs.encoder](settings, embedder)
        self.embedder = self.encoder.model if hasattr(self.encoder, "model") else None
        self.oos = rs.out_of_scope_route
        self.classifier_name = name
        self.classifier = CLASSIFIERS[name](settings, self.encoder, **classifier_kwargs)
        self.routes = list(self.classifier.routes)
        # Per-route refusal floors, resolved once.
        default = rs.min_confidence if rs.min_confidence is not None else self.classifier.default_threshold
        self.floors = {r.name: (r.threshold if r.threshold is not None else default) for r in settings.routes}
        # patterns + the emergency head (beside router.head_path) on the routing vector
        self.emergency = EmergencyDetector(self.encoder, emergency_head_path(settings))
        self.terms = MedicalTerms.from_settings(settings)

    # ---- pieces (also used by `router fit` so training and serving see the same inputs) ---------
    def prepare(self, texts: Sequence[str], has_documents: Sequence[bool]) -> tuple[list[RoutingInput], np.ndarray]:
        parts = [split_request(t, self.settings.router.max_route_chars) for t in texts]
        feats = np.stack([side_features(p, d) for p, d in zip(parts, has_documents)]) if parts else np.zeros((0, 3))
        return parts, feats.astype(np.float32)

    @staticmethod
    def _emergency_text(text: str, part: RoutingInput) -> str:
        # A pasted report's history ("admitted with chest pain") is not the user's emergency: read
        # the user's own words; for a long message without a document, both ends of it.
        if part.pasted_document:
            return part.instruction
        return text if len(text) <= 2 * WINDOW_CHARS else text[:WINDOW_CHARS] + "\n" + text[-WINDOW_CHARS:]

    # ---- API ---------------------------------------------------------------------------------
    def route_batch(self, texts: Sequence[str], has_documents: bool | Sequence[bool] = False,
                    doc_match: float | Sequence[float | None] | None = None) -> list[RouteDecision]:
        """`doc_match`: per request (or one for all), the best score of the user's collection for it
        (`store.search(collection, text)[0].score`, a cosine in [-1, 1]); None = not known. Read only
        when documents are attached."""
        t0 = time.perf_counter()
        texts = list(texts)
        docs = [bool(has_documents)] * len(texts) if isinstance(has_documents, bool) else [bool(d) for d in has_documents]
        if len(docs) != len(texts):
            raise InputError(f"has_documents has {len(docs)} values for {len(texts)} requests")
        matches = [doc_match] * len(texts) if doc_match is None or isinstance(doc_match, (int, float)) else list(doc_match)
        if len(matches) != len(texts):
            raise InputError(f"doc_match has {len(matches)} values for {len(texts)} requests")
        matches = [None if m is None else float(m) for m in matches]
        for i, t in enumerate(texts):
            if not isinstance(t, str):
                raise InputError(f"request {i} is {type(t).__name__}, not text")
            if not clean(t[:WINDOW_CHARS]).strip() and not clean(t).strip():
                raise InputError("empty request: type a question or paste a document")
        parts, feats = self.prepare(texts, docs)
        vecs = self.encoder.encode([p.text for p in parts])
        probs = self.classifier.scores(vecs, feats, [p.text for p in parts])  # (B, R)
        oos = self.routes.index(self.oos)
        in_scope = self.classifier.in_scope(probs, oos)
        # The emergency head reads people's own words: not a pasted document, nor a summary request the
        # head routes to summarization (a short inline paste "BP 150/95, LDL 4.1, plan: ..." drew the
        # urgent banner); the patterns still read every request's own words. "Summary request": the
        # words ask for one (text.asks_for_summary): round six's head put "my teenager gulped down most
        # of her antidepressants about an hour ago" on summarization, and the head then never read it
        # (data/emergency/dev.jsonl: banners 400 -> 401 of 401; train: 29 -> 29 false banners).
        summary = self.routes.index(SUMMARY_ROUTE) if SUMMARY_ROUTE in self.routes else -1
        own = [None if p.pasted_document or (int(np.argmax(row)) == summary and asks_for_summary(p.instruction))
               else p.text for p, row in zip(parts, probs)]
        flags = iter(self.emergency.detect_batch([self._emergency_text(t, p) for t, p in zip(texts, parts)], vecs,
                                                 own))  # (kind, mode)
        decisions = []
        for text, part, row, p_in, has_docs, match in zip(texts, parts, probs, in_scope, docs, matches):
            scores = {r: float(v) for r, v in zip(self.routes, row)}
            top = self.routes[int(np.argmax(row))]
            best_in = max((r for r in self.routes if r != self.oos), key=scores.__getitem__)
            route, reason = top, "classifier"
            if top != self.oos and p_in < self.floors[best_in]:
                route, reason = self.oos, "below_threshold"
            missing = needs_document(part, has_docs)
            names_health = (has_docs or missing) and not part.pasted_document and names_health_document(part.instruction)
            summary = names_health and SUMMARY_ROUTE in scores and asks_for_summary(part.instruction)
            if missing and route == self.oos and names_health:
                # "Shorten this operative note": in scope with nothing attached; its expert asks for it
                route, reason = (SUMMARY_ROUTE if summary else best_in), "needs_document"
            elif route == self.oos and not part.pasted_document and self.terms.is_term_question(part.instruction):
                # "INR?", "afib vs atrial flutter": the library's medical names, nothing else
                route, reason = (QA_ROUTE if QA_ROUTE in scores else best_in), "medical_term"
            elif summary and route != SUMMARY_ROUTE and p_in >= SUMMARY_RULE_FLOOR:
                # "key takeaways from the attached sleep study": a summary of the user's own document
                route, reason = SUMMARY_ROUTE, "summary_of_document"
            if route != self.oos and not part.pasted_document and asks_who_discovered(part.instruction):
                # "when was penicillin discovered and by who": the history of medicine, out of scope by the
                # data's labels, which the head answers because the rest of the words are medical
                route, reason = self.oos, "history"
            elif route != self.oos and asks_about_animal_health(part.instruction):
                # "dosage of amoxicillin for my cat", "mi perro vomita, ¿qué le doy?": an animal's health,
                # veterinary and out of scope by the data's labels; never a person's ("rabies shots after
                # a dog bite", "allergic to my dog": text._HUMAN_ANIMAL). The user's own words only, so a
                # pasted vet report's request is read too ("summarize my dog's bloodwork: ALT 180 ...")
                route, reason = self.oos, "veterinary"
            elif route != self.oos and not part.pasted_document and asks_legal(part.instruction):
                # "can I sue the hospital over the delay in my discharge letter": a lawyer's question
                route, reason = self.oos, "legal"
            if has_docs and match is not None and match >= DOC_MATCH_FLOOR:
                # about the user's own documents: a summary of them, or a question the advice expert
                # answers from them; never refused
                about = SUMMARY_ROUTE if asks_for_summary(part.instruction) else DOCS_ROUTE
                if about in scores and route != about:
                    route, reason = about, "doc_match"
            emergency, emergency_mode = next(flags)
            if emergency and emergency_mode != "informational" and route == self.oos:
                # An emergency is medical by definition: never refuse it, whatever the classifier
                # thinks ("Me duele mucho el pecho"); answer on the likeliest in-scope route.
                route, reason = best_in, "emergency"
            decisions.append(RouteDecision(route=route, confidence=scores[route if route != self.oos else top],
                                           scores=scores, emergency=emergency, emergency_mode=emergency_mode,
                                           refused=route == self.oos,
                                           reason=reason, predicted=top, in_scope=float(p_in),
                                           needs_document=missing and route != self.oos, doc_match=match))
        per = (time.perf_counter() - t0) * 1000 / max(1, len(texts))
        for d in decisions:
            d.latency_ms = per
        return decisions

    def route(self, text: str, has_documents: bool = False, doc_match: float | None = None) -> RouteDecision:
        return self.route_batch([text], has_documents=has_documents, doc_match=doc_match)[0]
