"""Emergency detection, independent of the route: whatever the route, an emergency gets the
urgent-care message first. Patterns are deliberately broad (a false alarm costs a banner; a miss
can cost a life)."""
from __future__ import annotations

import re

# kind -> patterns (lower-cased text, word boundaries where they matter)
EMERGENCY_PATTERNS: dict[str, list[str]] = {
    "chest_pain": [r"chest (pain|pressure|tightness|hurts?)", r"pain in (my|the) chest", r"heart attack",
                   r"crushing (pain|pressure)", r"pain (spreading|radiating) (to|down) (my )?(left )?arm"],
    "stroke": [r"face (is )?droop", r"drooping face", r"slurred speech", r"can'?t (speak|talk) properly",
               r"sudden (numbness|weakness)", r"one side of (my|his|her) (body|face)", r"\bstroke\b",
               r"worst headache of (my|his|her) life"],
    "breathing": [r"can'?t breathe", r"cannot breathe", r"struggling to breathe", r"choking",
                  r"lips (are |turning )?blue", r"anaphyla"],
    "overdose": [r"overdos", r"took (too many|a whole (bottle|pack))", r"swallowed (a bottle|all (my|the) pills)"],
    "suicide": [r"suicid", r"kill (myself|me)", r"end (my|it all|my life)", r"want to die", r"self[- ]harm",
                r"hurt(ing)? myself", r"no reason to live", r"better off dead"],
    "bleeding": [r"bleeding (heavily|a lot|won'?t stop)", r"won'?t stop bleeding", r"coughing (up )?blood",
                 r"vomiting blood"],
    "unconscious": [r"unconscious", r"not breathing", r"unresponsive", r"passed out and"],
    "seizure": [r"seizure (that )?(won'?t|doesn'?t) stop", r"having a seizure", r"fitting and won'?t stop"],
}

# Phrases that use the same words with no emergency ("kill the process", "end the loop").
_NEGATIVE = [r"kill (the|a|this|that) (process|job|task|thread|server)", r"end (the|a) (loop|session|line)",
             r"stroke (of|count|width|color|colour)", r"brush ?stroke", r"heart attack (grill|burger)"]

_COMPILED = {k: [re.compile(p) for p in v] for k, v in EMERGENCY_PATTERNS.items()}
_NEG = [re.compile(p) for p in _NEGATIVE]


def detect_emergency(text: str) -> str | None:
    """Return the emergency kind (e.g. 'chest_pain') or None."""
    t = " ".join(text.lower().split())[:20000]
    for neg in _NEG:
        t = neg.sub(" ", t)
    for kind, patterns in _COMPILED.items():
        if any(p.search(t) for p in patterns):
            return kind
    return None
