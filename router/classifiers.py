"""The classifiers behind the registry: the calibrated linear head (default) and the
nearest-example baseline it must beat."""
from __future__ import annotations

import numpy as np

from medrouter.core.errors import RouterHeadError

from .base import register_classifier
from .head import FIT_HINT, load_head
from .ngrams import ngram_features


def softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-12)


@register_classifier("logreg")
class LogRegClassifier:
    """Multinomial logistic regression over [embedding, side features, hashed n-grams],
    temperature-calibrated.
    Fitted by `router.fit.fit_head` (`medrouter router fit`); loaded from `router.head_path`."""

    def __init__(self, settings, encoder, head=None):
        self.head = head if head is not None else load_head(settings.router.head_path,
                                                            settings.routing_fingerprint())
        self.routes = list(self.head.routes)
        if sorted(self.routes) != sorted(settings.route_names):
            raise RouterHeadError(f"router head routes {self.routes} differ from the config's "
                                  f"{settings.route_names}; {FIT_HINT}")
        want = encoder.dim + len(self.head.features) + self.head.ngram_buckets
        if self.head.weight.shape[1] != want:
            raise RouterHeadError(f"router head expects {self.head.weight.shape[1]} inputs, the encoder gives "
                                  f"{want}; {FIT_HINT}")
        self.default_threshold = self.head.threshold
        self._w = self.head.weight.T.copy()  # (D + F, R)
        self._b = self.head.bias

    def logits(self, vecs: np.ndarray, feats: np.ndarray, texts: list[str]) -> np.ndarray:
        parts = [vecs, feats]
        if self.head.ngram_buckets:
            parts.append(ngram_features(texts, self.head.ngram_buckets))
        return np.concatenate(parts, axis=1) @ self._w + self._b  # (B, R)

    def scores(self, vecs: np.ndarray, feats: np.ndarray, texts: list[str]) -> np.ndarray:
        return softmax(self.logits(vecs, feats, texts) / self.head.temperature)

    @staticmethod
    def in_scope(scores: np.ndarray, oos: int) -> np.ndarray:
        """P(in scope) = 1 - P(out of scope): the probability mass of all in-scope routes together.
        Unsure *which* expert (summarization 0.6 vs advice 0.4) is not unsure *whether* to answer;
        router.fit.fit_threshold fits the floor on this same quantity."""
        return 1.0 - scores[:, oos]


@register_classifier("nearest")
class NearestExample:
    """Baseline: cosine similarity to the closest example utterance of each route (semantic-router
    style). `extra` adds labeled (text, label) pairs, e.g. the training file, to the example pool."""

    default_threshold = 0.5  # cosine similarity floor (the skeleton's min_confidence)

    def __init__(self, settings, encoder, extra: list[tuple[str, str]] | None = None):
        from .text import routing_text

        self.routes = [r.name for r in settings.routes]
        pairs = [(ex, r.name) for r in settings.routes for ex in r.examples] + list(extra or [])
        if not pairs:
            raise RouterHeadError("the nearest classifier needs example utterances in routes[*].examples")
        self.labels = np.array([lab for _, lab in pairs])
        self.emb = _unit(encoder.encode([routing_text(t, settings.router.max_route_chars) for t, _ in pairs]))
        self._masks = [self.labels == r for r in self.routes]

    def scores(self, vecs: np.ndarray, feats: np.ndarray, texts: list[str]) -> np.ndarray:
        sims = _unit(vecs) @ self.emb.T  # (B, N) cosine (also for several pooled layers side by side)
        return np.stack([sims[:, m].max(axis=1) if m.any() else np.zeros(len(vecs)) for m in self._masks], axis=1)

    @staticmethod
    def in_scope(scores: np.ndarray, oos: int) -> np.ndarray:
        """Similarities do not add up: the closest in-scope example's similarity."""
        return np.delete(scores, oos, axis=1).max(axis=1)
