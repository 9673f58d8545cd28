"""How a conversation is read: which request answers, what routing and retrieval read, what came before.

A follow-up leans on the turn before it; everything else stands alone. Chosen by measurement on the
dev conversations (data/conversations_dev/dev.jsonl, 240 written blind; never on the blind set
data/conversations/test.jsonl): `python bench/conversations.py --set data/conversations_dev/dev.jsonl`
scores every candidate in one run, and its docstring has the numbers.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

HISTORY_CHARS = 2000  # earlier turns the expert sees (newest first): SmolLM2's 2k-token window keeps room for excerpts
HISTORY_TURNS = 6  # at most this many earlier messages (three exchanges)


# ---- text hygiene --------------------------------------------------------------------------
_SURROGATE = re.compile("[\ud800-\udfff]")


def clean_text(text: str, what: str = "request") -> str:
    """`text` unchanged unless it holds a lone UTF-16 surrogate (a JSON "\\ud800" or bytes decoded with
    surrogateescape): then an InputError naming the position, never a crash further down. The rule at
    every door: invalid text is refused with a clear message, not silently replaced."""
    from medrouter.core.errors import InputError

    if isinstance(text, str):
        bad = _SURROGATE.search(text)
        if bad:
            raise InputError(f"{what} is not valid Unicode text (a lone surrogate U+{ord(bad.group()):04X} at "
                             f"character {bad.start()}); send UTF-8 text")
    return text


def _norm(text: str) -> str:
    return " ".join(text.lower().split())


# ---- what makes a follow-up ----------------------------------------------------------------
# A follow-up starts with a connective ("and for kids?", "¿y cómo se trata?", "ok now shorter"),
# refers back with a pronoun ("What are its side effects?") in one of the languages the router
# serves, or is too short to stand alone ("side effects?") -- unless it names its own subject: a
# short "What is blockchain?" or "Explain gout." after another topic is a new request (dev: 34 of
# the 36 turns the old rule joined wrongly were of this kind).
_OPEN = r"^[\s¿¡\"'(«-]*"  # Spanish opening marks and quotes come before the first word
_ACK = (r"(?:(?:ok(?:ay)?|thanks|thank you|great|sorry|cool|nice|alright|danke|merci|gracias|grazie|"
        r"obrigad[oa]|d'accord|vale|t[áa] bom)\W+)?")
_LEAD = re.compile(
    _OPEN + _ACK +
    r"(and|or|but|also|so|then|now|what about|how about|what if|same|for|in|with|during|after|before|at|und|oder|aber|auch|et|ou|mais|"
    r"aussi|y|o|pero|tambi[eé]n|e|ou|mas|tamb[eé]m|ma|anche|pure|und was|et pour|y para|e per|e para)\b", re.I)
_BACK = re.compile(
    r"\b(it|its|it's|this|that|these|those|they|them|their|he|she|him|her|his|one|ones|same|there|mine|"
    r"es|sie|ihn|ihm|ihr|ihre|das|dies|dieser|diese|davon|dafür|dagegen|damit|"
    r"il|elle|ils|elles|lui|leur|leurs|ça|cela|ceci|en|c'est|"
    r"lo|los|las|le|les|eso|esto|ello|su|sus|"
    r"esso|essa|questo|questa|quello|quella|suo|sua|suoi|ne|"
    r"ele|ela|eles|elas|isso|isto|dele|dela|seu|sua|seus|suas)\b", re.I)
# a request that names its own subject: "What is gout?", "Explain RSV.", "Define sepsis", "Causes of
# hiccups?", "¿Qué es la gota?"; not "What is it?" nor "What are the symptoms?" (English "the" points back)
_OWN_SUBJECT = re.compile(
    _OPEN +
    r"(what is|what's|whats|wat is|wht is|what are|explain|define|describe|tell me about|"
    r"(?:causes|symptoms|signs|treatment|risks?) of|what causes|"
    r"qu'est-ce que|qu'est-ce qu'|c'est quoi|was ist|was sind|erkl[äa]r\w*|qu[ée] es|qu[ée] son|expl[ií]ca(?:me)?|"
    r"cos'[èe]|che cos'[èe]|spiegami|o que [ée]|o que s[ãa]o|explique)\s+"
    r"(?!(?:the|it|its|this|that|these|those|them|they|my|mine|there|one|es|das|ça|cela|eso|esto|isso|isto|"
    r"questo|quello)\b)\w", re.I)
SHORT_WORDS = 3  # "side effects?", "in children?": no request of their own


def is_follow_up(text: str) -> bool:
    """Whether `text` leans on the previous user turn (the rule above)."""
    if _LEAD.match(text):
        return True
    if _OWN_SUBJECT.match(text):
        return False
    return len(re.findall(r"\w+", text)) <= SHORT_WORDS or bool(_BACK.search(text))


# ---- what a follow-up is joined to ---------------------------------------------------------
# "Summarize my MRI report" then "do I need surgery?": the question is about the report, not a
# request for a summary. Joined whole, the previous turn's "summarize" decided the route (dev: 12 of
# the follow-ups routed wrong); joined without it, the report stays the topic.
_SUMMARY_ASK = re.compile(
    r"^\W*(?:(?:can|could|would) (?:you|u) |please |pls )?(?:summari[sz]e|sumari[sz]e|sum up|give me a summary of|"
    r"condense|tl;?dr of|r[ée]sume|r[ée]sumer|fasse?\w* zusammen|riassumi|mi riassumi|resum[ae]|peux-tu r[ée]sumer)\b\W*",
    re.I)


def _topic_of(previous: str, follow_up: str) -> str:
    """What of the previous context a follow-up is joined to: all of it, less a leading request for a
    summary when the follow-up itself asks for none ("shorter please" keeps it). A turn longer than the
    router reads whole holds a pasted document: its own instruction stays with it."""
    from router.text import SHORT_WORDS as READ_WHOLE_WORDS
    from router.text import asks_for_summary

    if len(previous.split()) > READ_WHOLE_WORDS or asks_for_summary(follow_up):
        return previous
    topic = _SUMMARY_ASK.sub("", previous, count=1)
    return topic if topic.strip() else previous


@dataclass
class Conversation:
    """A request and the turns before it, as the Assistant reads them.

    Routing and retrieval read `context`: the request alone, or, for a follow-up (is_follow_up) of a
    turn that was not refused, the previous user turn's context (less a request for a summary the
    follow-up does not repeat) joined to it ("What is metformin? What are its side effects?"). The
    expert answers `request` with the recent `history` before it.
    Caller system messages (`system`) are added to the expert's own system prompt, after it: the
    expert's rules (scope, refusal, grounding, disclaimer) come first and win; they never reach the
    router, and answers no model writes (refusals, quoted reference lines, fixed messages) do not change."""

    request: str
    context: str
    history: list[dict] = field(default_factory=list)  # earlier {"role", "content"} turns, oldest first
    system: list[str] = field(default_factory=list)
    follows_up: bool = False

    @classmethod
    def of(cls, text_or_messages, refusal: str = "", what: str = "request") -> Conversation:
        """A str is one request; a list of {"role", "content"} messages (OpenAI's roles: system,
        developer, user, assistant) is a conversation that ends with the user's request."""
        from medrouter.core.errors import InputError

        if isinstance(text_or_messages, str) or text_or_messages is None:
            clean_text(text_or_messages, what)
            return cls(request=text_or_messages, context=text_or_messages)
        msgs = []
        for i, m in enumerate(text_or_messages):
            role = m.get("role") if isinstance(m, dict) else getattr(m, "role", None)
            content = m.get("content") if isinstance(m, dict) else getattr(m, "content", None)
            if role == "developer":
                role = "system"
            if role not in ("system", "user", "assistant"):
                raise InputError(f"messages[{i}].role must be system, developer, user or assistant, not {role!r}")
            if not isinstance(content, str):
                raise InputError(f"messages[{i}].content must be text")
            clean_text(content, f"messages[{i}]")
            msgs.append({"role": role, "content": content})
        if not msgs or msgs[-1]["role"] != "user":
            raise InputError("the last message must be from the user")
        system = [m["content"] for m in msgs if m["role"] == "system" and m["content"].strip()]
        turns = [m for m in msgs if m["role"] != "system"]
        context, previous, refused, follows = "", None, False, False
        norm_refusal = _norm(refusal) if refusal else None
        for m in turns:
            if m["role"] == "assistant":
                refused = bool(norm_refusal) and norm_refusal in _norm(m["content"])
                continue
            # after a refusal the next request stands alone (dev: joining it to the refused turn
            # only carried the refused topic along)
            follows = previous is not None and not refused and is_follow_up(m["content"])
            context = f"{_topic_of(previous, m['content']).rstrip()} {m['content'].strip()}" if follows else m["content"]
            previous, refused = context, False
        return cls(request=turns[-1]["content"], context=context, history=turns[:-1], system=system,
                   follows_up=follows)

    def routed(self, decision):
        """The router's decision for `context`, read as a conversation reads it: a follow-up of an
        answered turn is not refused for the router's doubt alone (reason "below_threshold", the
        in-scope probability under its floor: "examples?" after "What is an SSRI?"); it goes to the
        route the router ranked first. Refused when out of scope is that first route ("Write a poem
        about it."). Dev: follow-ups 0.708 -> 0.722, the rest unchanged."""
        if self.follows_up and decision.refused and decision.reason == "below_threshold" and decision.predicted:
            return replace(decision, route=decision.predicted, refused=False, reason="follow_up")
        return decision

    def recent(self, disclaimer: str = "", chars: int = HISTORY_CHARS, turns: int = HISTORY_TURNS) -> list[dict]:
        """The newest earlier turns that fit `chars` (answers without the disclaimer), oldest first;
        a long turn (a pasted report) is cut to what fits."""
        out, left = [], chars
        for m in reversed(self.history[-turns:]):
            text = m["content"].replace(disclaimer.strip(), "").strip() if disclaimer.strip() else m["content"].strip()
            if left <= 0 or not text:
                break
            out.append({"role": m["role"], "content": text[:left]})
            left -= len(text)
        out.reverse()
        if out and out[0]["role"] == "assistant":  # a chat template wants a user turn first
            out = out[1:]
        return out
