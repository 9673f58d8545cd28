"""The whole path: request -> router -> (refusal | expert [+ retrieval]) -> answer + disclaimer.

This is the library's front door; the CLI, the HTTP server, the LangChain face and the UI are thin
layers over it and use only its public methods: ask / stream / ask_stream / route, the documents of a
collection (add, list, remove, supported file types), summarize, and the experts' status.
"""
from __future__ import annotations

import functools
import re
import time
from collections.abc import Generator, Iterator
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from medrouter.core.checks import check_text
from medrouter.core.config import Settings, load_config
from router.text import speaks_of_an_animal

from .conversation import (_BACK, _HERE, _SUBJECTLESS_WORDS, HISTORY_CHARS, HISTORY_TURNS,  # noqa: F401
                           SHORT_WORDS, Conversation, _norm, clean_text, is_follow_up, speaks_of_own)
from .stream import AnswerStream


# The words a question about a named thing may have besides the name: the closed-class and generic
# health words of a subjectless follow-up (conversation.py), what is asked of a condition or medicine
# (inherited, interactions, how to use), and who has it ("my friend has ...")
ABOUT_A_NAME = _SUBJECTLESS_WORDS | frozenset("""
explain tell know about exactly actually even like heard hear read anyone someone people person
passed down inherited hereditary genetic genes run runs family families spread spreads catch caught
interactions interaction interact interacts mix combine together side effects effect use used using uses
dose doses dosage diagnosed diagnosis tested test tests look looks feel feels like
treatable fatal deadly die survival outlook prognosis life expectancy heal recover recovery
vs versus difference between compare
friend friends mum mom dad mother father parent parents son daughter husband wife partner brother sister
child children kid kids baby babies toddler teen teenager grandma grandpa grandmother grandfather
pregnant pregnancy breastfeeding alcohol drink drinking
forgot forget forgotten forgetting missed miss missing skipped skip late double
please thanks thank hi hello hey quick question wondering you your yours yourself
number numbers value values healthy high low range ranges level levels reading readings result results
""".split())
ABOUT_A_NAME |= {w.replace("'", "") for w in ABOUT_A_NAME}  # typed without the apostrophe: "ears that wont stop"

# the in-scope probability a classifier refusal needs before a word the named page uses counts as about
# the page (routing train, dev, dev2 and rounds 5-10 out-of-scope rows: 0 accepted at 0.15, 0.2 and
# 0.3, 1 at 0; medqa dev3 "how to stop hayfever sneezing" is 0.21)
PAGE_WORDS_MIN_IN_SCOPE = 0.2
# ... and before a common page name ("kidney stone", "athlete's foot") with such words counts
COMMON_NAME_MIN_IN_SCOPE = 0.3
# ... and before a common page name with no word of its own counts ("piles how to get rid of them" 0.035,
# "ringing in ears that won't stop" 0.19; "What exactly is the Cold War?" 0.009 stays refused; the same
# rows: 0 out-of-scope accepted at 0.02)
COMMON_BARE_MIN_IN_SCOPE = 0.02
_ASKS_MEANING = re.compile(r"\bmean(s|ing)?\b|\bstands? for\b|\bidiom\b|\bexpression\b|\bphrase\b", re.I)

# a sentence that states something checkable: it cites an excerpt or gives a number
_CLAIM = re.compile(r"\[\d{1,2}\]|\d")
# heads of the quoted lines under a grounded answer: the model's checked answer stands above them,
# or nothing it stated survived the check (then the lines are not presented as the answer)
FROM_DOCUMENTS = "From your documents:"
CLOSEST_LINES = "Your documents may not answer this directly. The closest lines:"
FROM_REFERENCE = "From the reference library:"
NOT_IN_LIBRARY = ("The reference library has no page that answers this, so I can't give you a reliable answer. "
                  "Please ask a doctor, nurse or pharmacist.")
_UPLOAD_IT = ("upload it (My documents in the app; `medrouter ingest FILE --collection NAME` and `--collection NAME` "
              "on the command line)")
ASK_FOR_DOCUMENT = f"I don't have that document yet. Paste its text into your message, or {_UPLOAD_IT}, then ask again."
# a general question that mentions the user's own document, answered from the library without it
DOCUMENT_OFFER = ("These lines are general information from the reference library, not a reading of your own "
                  f"document: to have it read, paste its text into your message or {_UPLOAD_IT}.")
# ... unless the request asks what the document itself says or holds ("what does my care plan say about
# diet", "what was my LDL in my report", "can you check my bloods for anaemia"): then only it can answer
_READS_THE_DOCUMENT = re.compile(
    r"\b(say|says|said|saying|show|shows|showed|shown|state[sd]?|mention\w*|read|reads|look (at|over|through)|"
    r"go (over|through)|check|interpret\w*|summar\w*|translate|decode|break down|walk me through|"
    r"explain (it|this|that|them|these|those|my|the)|(what|which) (was|were|is|are) (my|the)|my (value|number|level|"
    r"result|reading|score|count)s?)\b", re.I)
# with documents attached, a general question on a page their text never mentions ("is the shingles vaccine
# worth it" beside a blood pressure report) is answered from the library, and says so
BESIDE_DOCUMENTS = ("Your documents do not mention this, so these lines are general information from the reference "
                    "library.")
NOT_CHECKED = "(Not checked against a source: this answer comes from the model alone and may be wrong.)"


@dataclass
class Source:
    index: int  # the [n] the answer cites
    source: str  # file name (your document) or page id (reference)
    page: int | None
    score: float
    text: str
    origin: str = "document"  # document (the user's own) | reference (the reference library)
    title: str | None = None
    section: str | None = None
    url: str | None = None
    licence: str | None = None
    source_name: str | None = None  # the reference source shown with the citation ("medrouter starter library")

    @classmethod
    def of(cls, index: int, hit) -> Source:
        ref = hit.ref or {}
        return cls(index, hit.source, hit.page, float(hit.score), hit.text, origin="reference" if hit.ref else "document",
                   title=hit.title, section=hit.section, url=ref.get("url"), licence=ref.get("licence"),
                   source_name=ref.get("source_name"))

    @property
    def label(self) -> str:
        """How the citation reads: "Ibuprofen — Common side effects (reference: MedlinePlus)"."""
        name = self.title or self.source
        if self.section and self.section != name:
            name = f"{name} — {self.section}"
        if self.origin == "reference":
            return f"{name} (reference: {self.source_name or 'library'})"
        page = f", page {self.page}" if self.page is not None else ""
        return f"{name} (your document {self.source}{page})"


SOURCES_LEAD = "\n\nSources: "  # where a quoted answer names its own sources (the CLI prints them once)


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
    grounded: bool = False  # every medical statement of the answer is a checked or quoted line of a source
    coverage: dict | None = None  # reference answers: best excerpt score, the floor, words no page holds

    def to_dict(self) -> dict:
        d = asdict(self)
        d["confidence"] = round(self.confidence, 4)
        d["scores"] = {k: round(v, 4) for k, v in self.scores.items()}
        if self.in_scope is not None:
            d["in_scope"] = round(self.in_scope, 4)
        return d


def _line_pieces(text: str) -> Iterator[str]:
    """`text` in pieces of one line each (with its line break): joined, exactly `text`."""
    yield from text.splitlines(keepends=True)


def _without_heading(line: str, section: str | None) -> str:
    """An evidence line without the "Heading: " it was prefixed with for matching (chunking.units)."""
    for h in (section or "").split(" / "):
        if h and line.startswith(h + ": "):
            return line[len(h) + 2:]
    return line


def without_refusal(reply: str, refusal: str, similar: float = 0.75) -> str:
    """`reply` without the sentences that restate the out-of-scope `refusal` (an exact or near copy:
    the experts were trained on it and a small model may change a word)."""
    import difflib
    import re

    split = re.compile(r"(?<=[.!?])(\s+)")  # the separator is kept: a reply's line breaks stay
    refusal_sentences = [r.lower() for r in split.split(refusal.strip())[0::2] if r.strip()]
    parts = split.split(reply.strip())
    out = ""
    for i in range(0, len(parts), 2):
        sentence = parts[i]
        if not sentence.strip() or any(difflib.SequenceMatcher(None, sentence.lower(), r).ratio() >= similar
                                       for r in refusal_sentences):
            continue
        out += (parts[i - 1] if out and i else "") + sentence
    return out


def _recording(pieces: Generator[str, None, Answer], shown: list[str]) -> Generator[str, None, Answer]:
    """`pieces`, each also appended to `shown`; returns what `pieces` returns."""
    try:
        while True:
            piece = next(pieces)
            shown.append(piece)
            yield piece
    except StopIteration as stop:
        return stop.value
    finally:
        pieces.close()


@dataclass
class ExpertStatus:
    """What the experts page and `medrouter experts` show: where generation runs and which adapters
    are loaded into the shared base model."""

    backend: str
    device: str | None
    configured: list[str]
    adapters: dict[str, str]  # expert -> adapter name inside the shared model (in-process backend only)

    @property
    def loaded(self) -> set[str]:
        return set(self.adapters)


class _Timer:
    """Milliseconds since the request arrived, and per step, in the order the steps ran."""

    def __init__(self):
        self.t0 = time.perf_counter()
        self.ms: dict = {}

    def since(self, start: float) -> float:
        return round((time.perf_counter() - start) * 1000, 1)

    def mark(self, step: str, start: float | None = None) -> None:
        self.ms[step] = self.since(self.t0 if start is None else start)


@dataclass
class _Turn:
    """One request after routing: who answers it, and what every Answer of it carries."""

    text: str  # the request as typed (the last user message)
    collection: str | None
    decision: object  # router.RouteDecision
    spec: object | None  # the expert's ExpertSpec; None = refused as out of scope
    prefix: str  # the urgent-care message (and a blank line) when someone describes an emergency
    pointer: str  # one line for a question about an emergency condition ("If this is happening now, ...")
    base: dict  # route, confidence, scores, emergency, in_scope
    doc_hits: list | None = None  # the user's collection searched for the request (before routing)
    conversation: Conversation | None = None
    generation: dict | None = None  # the caller's overrides of the expert's generation settings
    offer: str = ""  # one line after the reply (DOCUMENT_OFFER: answered without the document it names)

    @property
    def query(self) -> str:
        """What routing and retrieval read: the request, or the turn it follows up joined to it."""
        return self.conversation.context if self.conversation else self.text


class _RefusalGate:
    """Lets an expert's reply stream once it cannot be the out-of-scope refusal: the experts learned
    to refuse, and a refusal must never flash by before the honest "declined" reply replaces it.
    For almost every answer the first word settles it. `hold`: nothing streams (the reply is checked
    first: a grounded reply against the excerpts, an emergency's reply for a refusal)."""

    def __init__(self, refusal: str, hold: bool):
        self.refusal, self.hold = _norm(refusal), hold
        self.head, self.flowing = "", False

    def feed(self, piece: str) -> str | None:
        """What to show of `piece` now (None: nothing yet)."""
        if self.hold:
            return None
        if self.flowing:
            return piece
        self.head += piece
        if self.refusal.startswith(_norm(self.head)):
            return None
        self.flowing = True
        return self.head

    @property
    def shown(self) -> bool:
        """The reply was streamed as it came; otherwise it is shown whole once checked."""
        return self.flowing and not self.hold


class Assistant:
    """Router + experts + retrieval over one config. Models load lazily, once."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self._router = None
        self._pool = None
        self._store = None
        self._library = None

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

    @property
    def library(self):
        """The reference library: one per process and folder, shared by every session and request."""
        if self._library is None:
            from retrieval.library import shared_library

            self._library = shared_library(self.settings, embedder=self.store.embedder if self._store else None)
        return self._library

    # ---- answering -----------------------------------------------------------------------
    def conversation(self, text_or_messages) -> Conversation:
        """How a request (a str) or a conversation (a list of {"role", "content"} messages) is read:
        the request, what routing and retrieval read, the earlier turns (Conversation's rule)."""
        conv = Conversation.of(text_or_messages, self.settings.out_of_scope_reply)
        check_text(conv.request, self.settings.limits.max_input_chars)
        if len(conv.context) > self.settings.limits.max_input_chars:  # a long history: its newest part
            conv.context = conv.context[-self.settings.limits.max_input_chars:]
        return conv

    def route(self, text_or_messages, has_documents: bool = False):
        """The router's decision for a request, or for a conversation's last request in its context."""
        conv = self.conversation(text_or_messages)
        return self._named_in_library(conv.route(self.router, has_documents=has_documents), self._named_text(conv))

    def ask(self, text_or_messages, collection: str | None = None, expert: str | None = None, *,
            generation: dict | None = None) -> Answer:
        """Answer a request (str) or a conversation's last user message (a list of {"role", "content"}
        messages). `generation`: overrides of the expert's settings (max_new_tokens, temperature,
        top_p, stop), used when a model writes the reply."""
        return self.stream(text_or_messages, collection=collection, expert=expert, generation=generation).answer

    def stream(self, text_or_messages, collection: str | None = None, expert: str | None = None, *,
               generation: dict | None = None) -> AnswerStream[Answer]:
        """The answer's text pieces as they are generated; `.answer` is the final Answer once exhausted
        (its text is exactly the pieces joined)."""
        return AnswerStream(self._shown(self._answer(text_or_messages, collection, expert, generation)))

    def ask_stream(self, text_or_messages, collection: str | None = None, expert: str | None = None
                   ) -> Iterator[str | Answer]:
        """Yield answer text pieces as they are generated, then the final Answer (the shape of a
        backend's stream; `stream()` gives the same pieces with the Answer as `.answer`)."""
        stream = self.stream(text_or_messages, collection=collection, expert=expert)
        yield from stream
        yield stream.answer

    @staticmethod
    def _shown(pieces: Generator[str, None, Answer]) -> Generator[str, None, Answer]:
        """The answer's text is what was streamed, piece for piece: a streamed and a non-streamed
        answer never differ (a refusal sentence a model adds after its reply started streaming
        stays in both)."""
        shown = []
        answer = yield from _recording(pieces, shown)
        if answer is not None and "".join(shown) != answer.answer:
            answer.answer = "".join(shown)
        return answer

    def count_tokens(self, text: str) -> int:
        """Tokens of `text` in the base model's tokenizer (the pool's when it is loaded)."""
        tok = getattr(self._pool, "tokenizer", None) if self._pool is not None else None
        if tok is None:
            tok = getattr(self, "_tokenizer", None)
        if tok is None:
            from transformers import AutoTokenizer

            from medrouter.core.models import resolve_lm_path

            b = self.settings.base_model
            path = resolve_lm_path(b.path, b.gguf_file, self.settings.cache_dir)
            tok = self._tokenizer = AutoTokenizer.from_pretrained(str(path))
        return len(tok(text, add_special_tokens=False)["input_ids"]) if text else 0

    def usage(self, text_or_messages, answer: Answer) -> dict:
        """OpenAI's usage for an Answer: the request's messages and the whole answer, in base-model tokens."""
        conv = Conversation.of(text_or_messages)
        prompt = "\n".join([*conv.system, *(m["content"] for m in conv.history), conv.request])
        p, c = self.count_tokens(prompt), self.count_tokens(answer.answer)
        return {"prompt_tokens": p, "completion_tokens": c, "total_tokens": p + c}

    def _answer(self, text_or_messages, collection: str | None, expert: str | None,
                generation: dict | None = None) -> Generator[str, None, Answer]:
        """route -> refuse | (retrieve -> no coverage | generate -> ground or drop a refusal) -> disclaimer."""
        timer = _Timer()
        conv = self.conversation(text_or_messages)
        text = conv.request
        turn = self._decide(text, collection, expert, timer, conv)
        turn.generation = generation
        if turn.spec is None:
            return (yield from self._refuse(turn, timer))
        g = turn.spec.grounding
        if not turn.collection and turn.decision.needs_document:
            if not (g.source != "input" and self.settings.reference.sources and self._general_despite_document(turn)):
                return (yield from self._ask_for_document(turn, timer))
            # "what does egfr mean on my blood test": the library's lines on it, and the offer to read theirs
            turn.offer = DOCUMENT_OFFER
            return (yield from self._from_reference(turn, timer))
        if g.source == "input":  # a summary of the request's own document, checked against it
            return (yield from self._summarize(turn, timer))
        if g.source == "documents" and turn.collection and self._general_beside_documents(turn):
            turn.offer = BESIDE_DOCUMENTS
            return (yield from self._from_reference(turn, timer))
        if g.required and (g.source == "reference" or (g.source == "documents" and not turn.collection
                                                        and self.settings.reference.sources)):
            # no documents of the user's to answer from: the reference library, labelled as such
            return (yield from self._from_reference(turn, timer))
        hits = self._retrieve(turn, timer)
        sources = [Source.of(i + 1, h) for i, h in enumerate(hits or [])]
        if hits is not None and (not hits or max(h.score for h in hits) < self.settings.retrieval.min_score):
            return (yield from self._no_coverage(turn, sources, timer))
        return (yield from self._generate(turn, hits or [], sources, timer))

    def _general_beside_documents(self, turn: _Turn) -> bool:
        """With documents attached, a request for their expert that names reference pages none of the
        documents mentions and speaks of nothing of the user's own ("is the shingles vaccine worth it",
        "best stretches for a stiff neck?" beside a report on something else): the library answers it.
        Not when the router read it as about the documents (doc_match), nor "what was my LDL", "does
        it say when the stitches come out" (the user's own things, what the document says)."""
        if not self.settings.reference.sources or turn.decision.reason == "doc_match":
            return False
        if speaks_of_own(turn.text) or _READS_THE_DOCUMENT.search(turn.text):
            return False
        names, _ = self.library.names_said(turn.text)
        if not names:
            return False
        for name in names:
            phrase = " ".join(name)
            hits = self.store.search(turn.collection, phrase, k=self.settings.retrieval.top_k)
            if any(phrase in " ".join(re.findall(r"[\w']+", h.text.lower())) for h in hits):
                return False  # a document mentions it: their expert answers
        return True

    def _general_despite_document(self, turn: _Turn) -> bool:
        """A request that names the user's document (not attached) but asks a general question about a
        reference page ("what does egfr mean on my blood test", "is a potassium of 5.8 on my bloods
        high"): the library answers it. Not when it asks what the document says or holds
        (_READS_THE_DOCUMENT), nor when it names no page ("what does my care plan say about diet")."""
        if _READS_THE_DOCUMENT.search(turn.text):
            return False
        return bool(self.library.subject(turn.text).named)

    def _about_a_library_name(self, decision, text: str) -> bool:
        """A request the classifier refused whose only subject is an uncommon name of a reference page:
        every other word is a closed-class word or a generic health predicate or person (ABOUT_A_NAME:
        "is huntingtons passed down", "st johns wort interactions", "my friend has ehlers danlos what
        even is that", "shingrix who should get it"). The router cannot know every rare disease and
        brand name; the library does, and what is shown is still its quoted lines. A request with a
        word of its own stays refused: "write a rap about cholesterol", "can I give my dog ibuprofen",
        "what does cold feet mean" (and "cholesterol" or "cold" is no uncommon name)."""
        if not (decision.refused and decision.reason == "classifier"):
            return False
        names, rest = self.library.names_said(text)
        if not names:
            return False
        uncommon = any(self.library.uncommon_name(n) for n in names)
        other = [w for w in rest if not (w in ABOUT_A_NAME or len(w) == 1 or w.isdigit())]
        if uncommon and not other:
            return True
        p_in = 1.0 - decision.scores.get(self.router.oos, 1.0)
        if not other:  # a common name and generic words only: about the page unless it asks what words mean
            return p_in >= COMMON_BARE_MIN_IN_SCOPE and not _ASKS_MEANING.search(text)
        # a word of its own that the named page itself uses ("sickle cell crisis triggers", "rabies shots
        # after a dog bite abroad") is about the page, when the classifier's doubt is real (in-scope
        # P >= PAGE_WORDS_MIN_IN_SCOPE: "how often should my dog get a rabies shot" is 0.11, stays refused);
        # so is a common name's ("how do you pass a kidney stone", "athletes foot cream") when the doubt is
        # larger still (COMMON_NAME_MIN_IN_SCOPE)
        if p_in < (PAGE_WORDS_MIN_IN_SCOPE if uncommon else COMMON_NAME_MIN_IN_SCOPE):
            return False
        if not uncommon and _ASKS_MEANING.search(text):
            return False  # what an everyday phrase means is a question about words ("what does cold feet mean")
        return self.library.uses_words(self.library.subject(text).named, other)

    @staticmethod
    def _named_text(conv: Conversation) -> str:
        """What the library-name rules read in a conversation: its context for a follow-up that leans on
        the turn before for its subject (no subject of its own, SHORT_WORDS words or fewer, or a word that
        points back: "best creams?", "is it contagious?" after eczema), else the request's own words ("oye,
        ¿me recomiendas un restaurante en Madrid?" after a question on paracetamol names no page: the
        joined context named paracetamol and the refused request was answered)."""
        req = conv.request
        if conv.follows_up and (conv.subjectless or len(re.findall(r"\w+", req)) <= SHORT_WORDS
                                or _BACK.search(req) or _HERE.search(req)):
            return conv.context
        return req

    def _named_in_library(self, decision, text: str):
        """A request the router refused for its doubt alone (reason "below_threshold": an in-scope route
        ranked first, its probability under the floor) that names a reference page by title or alias
        ("what is pcos", "INR range on warfarin", "how often can you donate blood") goes to that
        in-scope route: the library can answer it, and every line shown is still a quoted one.
        A request the classifier itself puts out of scope stays refused ("write a rap about
        cholesterol"). Dev (never the blind sets): medical questions (data/eval_medqa/dev.jsonl) refused
        11 -> 6; data/routing dev and dev2 (no documents): none of their 260 refused out-of-scope
        requests is below the floor and names a page, 3 refused in-scope requests are."""
        if not (decision.refused and self.settings.reference.sources) or speaks_of_an_animal(text):
            return decision  # the library is of human medicine: "what's a normal temperature for a cow"
        if self._reference_route and self._about_a_library_name(decision, text):
            route = self._reference_route
            return replace(decision, route=route, refused=False, reason="names_reference_page",
                           confidence=decision.scores.get(route, decision.confidence))
        if not (decision.reason == "below_threshold" and decision.predicted and decision.predicted != self.router.oos):
            return decision
        if not self.library.subject(text).named:
            return decision
        return replace(decision, route=decision.predicted, refused=False, reason="names_reference_page",
                       confidence=decision.scores.get(decision.predicted, decision.confidence))

    def _decide(self, text: str, collection: str | None, expert: str | None, timer: _Timer,
                conv: Conversation | None = None) -> _Turn:
        """Route the request (in its conversation's context); a forced expert overrides the route,
        never the emergency check."""
        s = self.settings
        text = conv.context if conv else text  # routing and retrieval read the context
        doc_hits = None
        if collection is not None:
            # how well the user's documents match is a routing signal ("What was my LDL in 2024?" is
            # about them); the same excerpts serve the answer
            start = time.perf_counter()
            doc_hits = self.store.search(collection, text, k=s.retrieval.top_k)
            timer.mark("retrieve", start)
        doc_match = max((h.score for h in doc_hits), default=None) if doc_hits else None
        if conv is not None:  # the request in its conversation (two readings after an answered turn)
            decision = conv.route(self.router, has_documents=collection is not None, doc_match=doc_match)
        else:
            decision = self.router.route(text, has_documents=collection is not None, doc_match=doc_match)
        decision = self._named_in_library(decision, self._named_text(conv) if conv else text)
        timer.mark("route")
        if expert is not None:
            spec = s.expert(expert)  # UnknownExpertError if not configured
            route = spec.route
        else:
            route = decision.route
            spec = None if decision.refused else s.expert_for_route(route)
        prefix, pointer = self._emergency(decision)
        return _Turn(text=conv.request if conv else text, collection=collection, decision=decision, spec=spec,
                     prefix=prefix, pointer=pointer, doc_hits=doc_hits, conversation=conv,
                     base=dict(route=route, confidence=decision.confidence, scores=decision.scores,
                               emergency=decision.emergency, in_scope=decision.in_scope))

    def _emergency(self, decision) -> tuple[str, str]:
        """(urgent banner, pointer): the banner for its kind when someone describes an emergency;
        a one-line pointer for a question about an emergency condition."""
        kind = decision.emergency
        if not kind:
            return "", ""
        es = self.settings.emergency
        if decision.emergency_mode == "informational":
            return "", es.pointers.get(kind, es.pointer)
        return es.messages.get(kind, es.message) + "\n\n", ""

    @functools.cached_property
    def _reference_route(self) -> str | None:
        """The route of the expert that answers from the reference library; None without one."""
        return next((e.route for e in self.settings.experts if e.grounding.source == "reference"), None)

    @functools.cached_property
    def _reference_lines(self) -> int | None:
        """How many lines the reference expert quotes (its grounding.lines); None without one."""
        return next((e.grounding.lines for e in self.settings.experts if e.grounding.source == "reference"), None)

    def _from_reference(self, turn: _Turn, timer: _Timer) -> Generator[str, None, Answer]:
        """A medical answer from the reference library: the lines that answer, cited; or "not covered"."""
        lib, g = self.library, turn.spec.grounding
        # routed to an expert of the user's documents with none attached ("can i drink on flagyl" as
        # advice): the library quotes as many lines as for every medical question (its expert's), not 3
        n_lines = g.lines if g.source == "reference" else (self._reference_lines or g.lines)
        start = time.perf_counter()
        hits = lib.search(turn.query)
        cov = lib.coverage(turn.query, hits)
        timer.mark("retrieve", start)
        sources = [Source.of(i + 1, h) for i, h in enumerate(hits)]
        if not cov.covered:
            if turn.offer == DOCUMENT_OFFER:  # the library does not answer it: the user's document may
                turn.offer = ""
                return (yield from self._ask_for_document(turn, timer))
            body = self._close(turn, NOT_IN_LIBRARY)
            yield body
            timer.mark("total")
            return Answer(expert=turn.spec.name, answer=body, finish_reason="stop", stop_reason="no_coverage",
                          timings_ms=timer.ms, coverage=cov.to_dict(), **turn.base)
        if g.answer == "model" and g.source == "reference":
            return (yield from self._generate(turn, hits, sources, timer, store=lib.store, collection=lib.name,
                                              coverage=cov.to_dict()))
        start = time.perf_counter()
        evidence = lib.evidence(turn.query, hits, n=n_lines)
        timer.mark("ground", start)
        # one bullet a line: whole lines in plain text, and in Markdown (the UI), where single line breaks join
        lines = [f"- {_without_heading(e.text, hits[e.index - 1].section)} [{e.index}]" for e in evidence]
        cited = [x for x in sources if x.index in {e.index for e in evidence}]
        reply = "\n".join(lines) + SOURCES_LEAD + "; ".join(f"[{x.index}] {x.label}" for x in cited)
        body = self._close(turn, reply)
        yield from _line_pieces(body)  # line by line, as a generated answer streams
        timer.mark("total")
        return Answer(expert=turn.spec.name, answer=body, finish_reason="stop", stop_reason="quoted",
                      sources=cited, timings_ms=timer.ms, evidence=[e.to_dict() for e in evidence],
                      grounded=True, coverage=cov.to_dict(), **turn.base)

    def _summarize(self, turn: _Turn, timer: _Timer) -> Generator[str, None, Answer]:
        """A summary through the same path as `summarize` (medrouter/app/documents.py: the model's lines
        kept only where the document supports them, its key facts added verbatim, map-reduce for a long
        one) of the document pasted into the request (or the conversation it follows up), else of the
        user's uploaded document the request matches best; without either, ask for the document."""
        from .documents import document_in_request, summarize_document

        conv = turn.conversation
        text = turn.text
        if conv is not None and conv.follows_up:  # "now shorter": the document of the turn it follows up
            text = conv.context.removesuffix(conv.request.strip()).strip() or conv.context
        text = document_in_request(text)
        sources: list[Source] = []
        if not text and turn.collection:
            docs = self.store.documents(turn.collection)
            hit = turn.doc_hits[0] if turn.doc_hits else None
            doc = next((d for d in docs if hit is not None and d["source"] == hit.source), docs[-1] if docs else None)
            if doc is not None:
                text = self.store.document_text(turn.collection, doc["id"])
                sources = [Source(1, doc["source"], None, float(hit.score) if hit else 0.0, "", title=doc["source"])]
        if not text:
            return (yield from self._ask_for_document(turn, timer))
        start = time.perf_counter()
        over = (turn.generation or {}).get("max_new_tokens")
        res = summarize_document(self, self.settings, text, max_new_tokens=over, expert=turn.spec.name)
        timer.mark("summarize", start)
        body = self._close(turn, res["summary"])
        yield from _line_pieces(body)
        timer.mark("total")
        timer.ms.update({f"summary_{k}": v for k, v in res["timings_ms"].items() if k != "total"})
        note = "; ".join(x for x in (res["note"], f"summary of {sources[0].source}" if sources else None) if x) or None
        return Answer(expert=turn.spec.name, answer=body, finish_reason=res["finish_reason"],
                      stop_reason=res["stop_reason"], sources=sources, timings_ms=timer.ms, note=note,
                      grounded=True, **turn.base)

    def _ask_for_document(self, turn: _Turn, timer: _Timer) -> Generator[str, None, Answer]:
        """The request names a document (a report, a letter, a care plan) that is not attached."""
        kinds = ", ".join(t.upper() for t in self.supported_file_types())
        body = self._close(turn, f"{ASK_FOR_DOCUMENT} Files: {kinds}.")
        yield body
        timer.mark("total")
        return Answer(expert=turn.spec.name, answer=body, finish_reason="stop", stop_reason="needs_document",
                      timings_ms=timer.ms, **turn.base)

    def _close(self, turn: _Turn, reply: str) -> str:
        """The whole answer: urgent banner, reply, emergency pointer, disclaimer."""
        parts = [p for p in (reply.strip(), turn.offer, turn.pointer) if p]
        return turn.prefix + "\n\n".join(parts + [self.settings.disclaimer])

    def _refuse(self, turn: _Turn, timer: _Timer) -> Generator[str, None, Answer]:
        """Out of scope: the configured refusal, and no language model runs."""
        s = self.settings
        body = turn.prefix + s.out_of_scope_reply + "\n\n" + s.disclaimer
        yield body
        timer.mark("total")
        return Answer(expert=None, answer=body, finish_reason="refused", timings_ms=timer.ms, **turn.base)

    def _retrieve(self, turn: _Turn, timer: _Timer) -> list | None:
        """The user's excerpts for a grounded expert with a collection; None when nothing is searched."""
        if not (turn.spec.uses_retrieval and turn.collection):
            return None
        return turn.doc_hits

    def _no_coverage(self, turn: _Turn, sources: list[Source], timer: _Timer) -> Generator[str, None, Answer]:
        """The documents do not cover the question: say so rather than let the model guess."""
        from experts.prompting import NO_COVERAGE

        body = f"{turn.prefix}{NO_COVERAGE} Please ask your clinician.\n\n{self.settings.disclaimer}"
        yield body
        timer.mark("total")
        return Answer(expert=turn.spec.name, answer=body, finish_reason="stop", stop_reason="no_coverage",
                      sources=sources, timings_ms=timer.ms, **turn.base)

    def _generate(self, turn: _Turn, hits: list, sources: list[Source], timer: _Timer, store=None,
                  collection: str | None = None, coverage: dict | None = None) -> Generator[str, None, Answer]:
        """The expert's reply, streamed through the refusal gate, then checked and closed with the disclaimer."""
        from experts.prompting import build_messages

        s = self.settings
        conv = turn.conversation
        # a follow-up of a pasted document ("now shorter") is answered on the document: the context
        source_input = turn.spec.grounding.source == "input" and conv is not None and conv.follows_up
        messages = build_messages(turn.spec, turn.query if source_input else turn.text, sources or None)
        if conv is not None and conv.system:
            messages[0] = {"role": "system", "content": messages[0]["content"] + "\n\n"
                           + "The application adds (the rules above come first): " + "\n".join(conv.system)}
        if conv is not None and conv.history and not source_input:
            messages[-1:-1] = conv.recent(s.disclaimer)
        g = turn.spec.generation
        if turn.generation:
            over = {k: v for k, v in turn.generation.items() if v is not None}
            if "stop" in over:
                over["stop"] = list(g.stop) + list(over["stop"])
            g = g.model_copy(update=over)
        if turn.prefix:
            yield turn.prefix
        grounded = bool(sources)
        gate = _RefusalGate(s.out_of_scope_reply, hold=grounded or bool(turn.decision.emergency))
        start, first = time.perf_counter(), None
        generation = AnswerStream.from_items(self.pool.stream(turn.spec.name, messages, g))
        for piece in generation:
            first = first or time.perf_counter()
            shown = gate.feed(piece)
            if shown is not None:
                yield shown
        gen = generation.answer
        timer.mark("generate", start)
        if first is not None:
            timer.ms["first_token"] = round((first - timer.t0) * 1000, 1)
        reply, evidence, unsupported, declined = self._checked_reply(
            turn, gen.text, hits, grounded, timer, store=store or self.store, collection=collection or turn.collection)
        # after the reply: the label of an answer no source checked, and the emergency pointer
        unchecked = not (grounded or turn.spec.grounding.source == "input") and not declined and bool(reply.strip())
        extras = [x for x in (NOT_CHECKED if unchecked else "", turn.offer, turn.pointer) if x]
        if not gate.shown and reply:
            yield reply.rstrip() if extras else reply
        for extra in extras:
            sep = "\n\n" if reply.strip() else ""
            yield sep + extra
            reply = reply.rstrip() + sep + extra
        # the urgent message alone when nothing of the reply is left (it already ends in a blank line)
        suffix = s.disclaimer if (turn.prefix and not reply.strip()) else "\n\n" + s.disclaimer
        yield suffix
        timer.mark("total")
        note = "the document was truncated to fit the context window" if gen.truncated_prompt else None
        return Answer(expert=turn.spec.name, answer=turn.prefix + reply + suffix, finish_reason=gen.finish_reason,
                      stop_reason="declined" if declined else gen.stop_reason, sources=sources,
                      timings_ms=timer.ms, note=note, evidence=[e.to_dict() for e in evidence],
                      unsupported=unsupported, grounded=grounded, coverage=coverage, **turn.base)

    def _checked_reply(self, turn: _Turn, reply: str, hits: list, grounded: bool, timer: _Timer, store=None,
                       collection: str | None = None) -> tuple[str, list, list[str], bool]:
        """(reply, evidence, unsupported sentences, declined): a grounded reply checked against its
        excerpts; any other reply without the out-of-scope refusal an expert may have added."""
        s = self.settings
        if grounded:  # a grounded refusal cites nothing: _ground leaves only the closest lines
            start = time.perf_counter()
            reply, evidence, unsupported = self._ground(turn.query, reply, hits, collection, store)
            timer.mark("ground", start)
            return reply, evidence, unsupported, False
        # The experts learned to refuse out-of-scope requests and a small one over-refuses requests
        # the router judged in scope ("how does amlodipine work": 28 of 112 dev medical questions).
        # Nobody is told a medical request is outside what we help with: an emergency keeps the
        # urgent message alone, any other request gets the honest "declined" reply.
        kept = without_refusal(reply, s.out_of_scope_reply)
        declined = not kept.strip() and bool(reply.strip())
        reply = kept if (kept.strip() or turn.decision.emergency) else s.declined_reply
        return reply, [], [], declined

    def _ground(self, question: str, reply: str, hits: list, collection: str, store=None) -> tuple[str, list, list[str]]:
        """The reply checked against the excerpts, followed by the lines that answer the question,
        quoted with their [n] (retrieval/grounding.py; `retrieval.check_claims`, `retrieval.evidence_lines`)."""
        rs, store = self.settings.retrieval, store or self.store
        reference = bool(hits) and hits[0].ref is not None
        unsupported: list[str] = []
        if rs.check_claims:
            checked = store.check_claims(reply, hits, question)
            reply, unsupported = checked.kept, checked.dropped
        from experts.prompting import NO_COVERAGE

        evidence = store.evidence(collection, question, hits)
        if not _CLAIM.search(reply):
            # nothing the model stated (a citation or a number) survived, only "please confirm ...":
            # the lines below are the closest ones, not presented as the answer
            reply = reply if NO_COVERAGE.lower() in reply.lower() else ""
            head = CLOSEST_LINES
        else:
            head = FROM_DOCUMENTS
        if reference:
            head = FROM_REFERENCE
        parts = [reply.strip()] if reply.strip() else []
        if evidence:
            quotes = "\n\n".join(f'> [{e.index}] "{e.text}"' for e in evidence)  # one blockquote each
            parts.append(f"{head}\n{quotes}")
        if not parts:
            parts.append(f"{NO_COVERAGE} Please ask your clinician.")
        return "\n\n".join(parts), evidence, unsupported


    # ---- the user's documents ------------------------------------------------------------
    @staticmethod
    def supported_file_types() -> list[str]:
        """The file types a collection or a summary accepts, without the dot (pdf, docx, txt, md, html, ...)."""
        from retrieval.loaders import supported_suffixes

        return [s.lstrip(".") for s in supported_suffixes()]

    def add_documents(self, paths, collection: str, progress=None, on_error: str = "raise") -> dict:
        """Read, chunk, embed and store files in `collection` (created if new); returns the ingest
        report (added, replaced, skipped, failed). `on_error="skip"` reports a bad file instead of raising."""
        return self.store.ingest(paths, collection, progress=progress, on_error=on_error)

    def documents(self, collection: str) -> list[dict]:
        """The documents of `collection`: id, source, title, date, pages, chunks."""
        return self.store.documents(collection)

    def remove_document(self, collection: str, document: str) -> dict:
        """Remove one document (its file name or id) from `collection`; returns what was removed."""
        return self.store.remove(collection, document)

    def collections(self) -> list[dict]:
        """Every collection: name, documents, chunks, updated (ISO 8601 time of its last change), or
        name and error for one that cannot be read."""
        return self.store.collections()

    def delete_collection(self, collection: str) -> bool:
        """Delete `collection` and everything in it (RetrievalError if there is none)."""
        return self.store.delete_collection(collection)

    # ---- whole documents -----------------------------------------------------------------
    def summarize(self, document: str | Path, max_new_tokens: int | None = None, expert: str | None = None) -> dict:
        """Summarize a whole document: a pathlib.Path is read as a file, a str is the text itself.
        Map-reduce when it does not fit the context window (medrouter/app/documents.py)."""
        from .documents import summarize_document

        return summarize_document(self, self.settings, document, max_new_tokens=max_new_tokens, expert=expert)

    # ---- the experts ---------------------------------------------------------------------
    def expert_status(self) -> ExpertStatus:
        """Where generation runs and which adapters are loaded (loads the experts on first use)."""
        pool = self.pool
        # the in-process backend maps expert -> adapter inside the shared model; a remote one (an
        # OpenAI-compatible server) serves the adapters itself and has no such map
        adapters = dict(getattr(pool, "adapter_of", None) or {})
        return ExpertStatus(backend=getattr(pool, "name", type(pool).__name__), device=getattr(pool, "device", None),
                            configured=list(self.settings.expert_names), adapters=adapters)

    def adapter_of(self, expert: str) -> str | None:
        """The adapter `expert` runs with inside the shared base model; None for the base model alone."""
        self.settings.expert(expert)  # UnknownExpertError if not configured
        return self.expert_status().adapters.get(expert)
