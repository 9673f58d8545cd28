"""router/ decides: which route a request takes, how sure it is, and whether it is an emergency."""
from .base import CLASSIFIERS, RouteDecision, register_classifier
from .emergency import detect_emergency
from .router import Router

__all__ = ["CLASSIFIERS", "RouteDecision", "Router", "detect_emergency", "register_classifier"]
