"""router/ decides: which route a request takes, how sure it is, and whether it is an emergency."""
from .base import CLASSIFIERS, RouteDecision, register_classifier
from .emergency import detect_emergency
from .encoders import ENCODERS, register_encoder
from .router import Router, routing_text

__all__ = ["CLASSIFIERS", "ENCODERS", "RouteDecision", "Router", "detect_emergency", "register_classifier",
           "register_encoder", "routing_text"]
