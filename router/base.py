"""What the router returns, and the registry of classifiers."""
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
    refused: bool = False  # route is out of scope (by label or by low confidence)
    reason: str = ""  # why: "classifier", "below_threshold", ...
    latency_ms: float = 0.0

    def to_dict(self) -> dict:
        return {"route": self.route, "confidence": round(self.confidence, 4),
                "scores": {k: round(v, 4) for k, v in self.scores.items()},
                "emergency": self.emergency, "refused": self.refused, "reason": self.reason,
                "latency_ms": round(self.latency_ms, 2)}
