"""The embedding router: text -> route, with a confidence and an out-of-scope boundary."""
from __future__ import annotations

import time

import numpy as np

from medrouter.errors import InputError
from medrouter.models import load_embedder

from .base import CLASSIFIERS, RouteDecision, register_classifier
from .emergency import detect_emergency


def routing_text(text: str, max_chars: int) -> str:
    """What the user *asks*: long inputs (a pasted report) are routed on their first and last
    sentences, where the instruction sits, so routing cost does not grow with the input."""
    t = " ".join(text.split())
    if len(t) <= max_chars:
        return t
    half = max_chars // 2
    return t[:half] + " … " + t[-half:]


@register_classifier("nearest")
class NearestExample:
    """Baseline: cosine similarity to the closest example utterance of each route."""

    def __init__(self, settings, embedder):
        self.routes = [r.name for r in settings.routes]
        texts, labels = [], []
        for r in settings.routes:
            for ex in r.examples:
                texts.append(ex)
                labels.append(r.name)
        self.labels = np.array(labels)
        self.emb = embedder.encode(texts, normalize_embeddings=True, convert_to_numpy=True) if texts else None

    def scores(self, vecs: np.ndarray) -> list[dict[str, float]]:
        sims = vecs @ self.emb.T  # (B, N)
        out = []
        for row in sims:
            out.append({r: float(row[self.labels == r].max()) if (self.labels == r).any() else 0.0
                        for r in self.routes})
        return out


class Router:
    def __init__(self, settings, embedder=None, classifier: str | None = None):
        self.settings = settings
        self.embedder = embedder or load_embedder(settings)
        self.oos = settings.router.out_of_scope_route
        name = classifier or settings.router.classifier
        if name not in CLASSIFIERS:
            name = "nearest"
        self.classifier = CLASSIFIERS[name](settings, self.embedder)

    def embed(self, texts: list[str]) -> np.ndarray:
        cut = [routing_text(t, self.settings.router.max_route_chars) for t in texts]
        return self.embedder.encode(cut, normalize_embeddings=True, convert_to_numpy=True,
                                    batch_size=self.settings.embedding_model.batch_size)

    def route_batch(self, texts: list[str], has_documents: bool = False) -> list[RouteDecision]:
        t0 = time.perf_counter()
        for t in texts:
            if not t or not t.strip():
                raise InputError("empty request: type a question or paste a document")
        vecs = self.embed(texts)
        decisions = []
        for text, scores in zip(texts, self.classifier.scores(vecs)):
            route = max(scores, key=scores.get)
            conf = scores[route]
            spec = self.settings.route(route)
            floor = spec.threshold if spec.threshold is not None else self.settings.router.min_confidence
            reason = "classifier"
            if route != self.oos and conf < floor:
                route, reason = self.oos, "below_threshold"
            decisions.append(RouteDecision(route=route, confidence=conf, scores=scores,
                                           emergency=detect_emergency(text), refused=route == self.oos,
                                           reason=reason))
        per = (time.perf_counter() - t0) * 1000 / max(1, len(texts))
        for d in decisions:
            d.latency_ms = per
        return decisions

    def route(self, text: str, has_documents: bool = False) -> RouteDecision:
        return self.route_batch([text], has_documents=has_documents)[0]
