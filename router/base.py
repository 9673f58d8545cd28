"""What the router returns, and the registry of classifiers.

A classifier is built by `CLASSIFIERS[name](settings, encoder)` and exposes:
  routes: list[str]                     the order of its score columns
  default_threshold: float              refusal floor when the config sets none
  scores(vecs, feats, texts) -> ndarray (B, len(routes)); higher = more likely
  in_scope(scores, oos) -> ndarray (B,)  the confidence that a request is in scope at all, which
                                        the refusal floor is compared with (`oos`: column index)
`vecs` are the encoder's unit vectors of the routing texts (B, dim); `feats` the side features
(router.text.side_features, (B, F)); `texts` the routing texts themselves. Register a new one with `@register_classifier("name")`.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

CLASSIFIERS: dict[str, Callable] = {}


def register_classifier(name: str):
    def deco(cls):
        CLASSIFIERS[name] = cls
        return cls
    return deco


@dataclass
class RouteDecision:
    route: str
    confidence: float
    scores: dict[str, float] = field(default_factory=dict)
    emergency: str | None = None
    # "urgent" (someone describes it happening now: the kind's urgent message) or "informational" (a
    # question about the condition: a one-line pointer); None when `emergency` is None
    emergency_mode: str | None = None
    refused: bool = False  # route is out of scope (by label or by low confidence)
    reason: str = ""  # "classifier" (top score), "below_threshold" (in scope unsure, refused),
    # "emergency" (would have been refused; an emergency is answered on the best in-scope route),
    # "needs_document" (would have been refused; names a health document of the user's that is missing),
    # "summary_of_document" (asks for a summary of a health document it names as the user's: summarization)
    # or "doc_match" (would have been refused or sent to medical_qa; the user's documents match it)
    latency_ms: float = 0.0
    predicted: str = ""  # the classifier's top route before the confidence floor
    in_scope: float = 0.0  # the classifier's confidence that the request is in scope (compared with the floor)
    # the request refers to a document/report/letter/results that is neither pasted nor attached: it is
    # routed to its expert (never refused for that), whose answer asks for the document
    needs_document: bool = False
    doc_match: float | None = None  # the user's collection's best score for the request, when given

    def to_dict(self) -> dict:
        return {"route": self.route, "confidence": round(self.confidence, 4),
                "scores": {k: round(v, 4) for k, v in self.scores.items()},
                "emergency": self.emergency, "emergency_mode": self.emergency_mode, "refused": self.refused, "reason": self.reason,
                "predicted": self.predicted, "in_scope": round(self.in_scope, 4),
                "needs_document": self.needs_document,
                "doc_match": None if self.doc_match is None else round(self.doc_match, 4), "latency_ms": round(self.latency_ms, 2)}
