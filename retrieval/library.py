"""The reference library: a read-only collection built from reference sources, shared by every request.

It is stored like a user's collection (FAISS + BM25, atomic generations, no pickle), but under its
own folder (`reference.store_dir`), so a user's private documents and the reference never share
an index. `build` reads every configured source first (any bad source fails the build before a
byte is written, and the previous library stays live), then makes the library hold exactly those
pages: unchanged pages keep their vectors. One `Library` per process and folder serves everyone.

Whether the library covers a question (`Library.coverage`): the best excerpt's cosine must reach
the fitted floor (`reference.min_score`, from `medrouter reference calibrate`), and every uncommon
word of the question (a drug or disease name: not one whole entry of the embedder's vocabulary)
must occur, or nearly occur (a misspelling), in the excerpts, their page titles or aliases. "What
is Fabry disease?" then finds no page on Fabry disease, however close "kidney disease" comes.
"""
from __future__ import annotations

import contextlib
import difflib
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from medrouter.core.errors import RetrievalError

from .fusion import rrf
from .lexical import by_start_and_length, nearest
from .reference import ReferencePage, describe, read_source
from .subject import _COMPARE, CONTRACTIONS, GENERIC, PEOPLE, NameIndex, Subject, _fold, _uses, tokens

# The floor measured on data/reference/calibration.jsonl when none is configured (see calibrate)
DEFAULT_FLOOR = 0.307
# an excerpt this close in meaning covers the question even when none of its uncommon words is in it
# (data/reference/calibration.jsonl: questions on topics with no page reach 0.53 at their 90th percentile)
STRONG_MATCH = 0.55
# a question that names no page (no title or alias in it) is covered only by an excerpt this close in
# meaning: dev (odd ids) questions in plain words that the library answers reach 0.446 and above (even
# ids: 0.53 and above); data/reference/calibration.jsonl topics with no page and no name ("frozen
# shoulder", "a stye") stay below it in 45 of 68 answered
NAMELESS_FLOOR = 0.44
# how much a line of a section the question asks for is preferred, as a reciprocal-rank weight
# (the line's own rankings, dense, BM25 and its excerpt's rank, weigh 1, 1 and 2)
SECTION_WEIGHT = 3.0
# how much a line that says the name the question used is preferred (same scale)
NAME_WEIGHT = 1.0
# a word that this share of the pages use (and at least this many) is the library's general vocabulary
# (Library._general_words): "contagious" is on 124 of 929 pages, "serotonin" on 28, "rhabdomyolysis" on 9
GENERAL_SHARE = 0.04
GENERAL_MIN_PAGES = 20
# "what is pcos", "fabry disease", "tell me about gout": a question that names one page and asks
# nothing else is answered by the lead line of the page's core sections, in page order (what it is,
# its symptoms, its cause, its treatment), not by the lines closest in wording to the bare name
# ("PCOS affects about 1 in 10 women", "Fabry disease is not contagious"); per category of the
# shipped page format (a reference's own headings keep the fused order)
OVERVIEW_SECTIONS = {
    "condition": ("what it is", "symptoms", "causes and risk factors", "treatment"),
    "medicine": ("what it is for", "how it works", "common side effects", "serious side effects"),
    "lab_test": ("what it measures", "normal range", "high values", "low values"),
    "procedure": ("what it is", "why it is done", "what happens", "risks"),
    "symptom": ("what it is", "common causes", "self-care", "when to seek care"),
    "prevention": ("what it is", "who it is for", "how it works", "side effects and risks"),
}
_OVERVIEW_WORDS = PEOPLE | {
    "what", "whats", "is", "are", "a", "an", "the", "tell", "me", "us", "about", "explain", "please", "define",
    "definition", "meaning", "info", "information", "overview", "describe", "on", "in", "of", "i", "want", "to",
    "know", "more", "exactly", "basically", "adults", "men", "women", "people", "can", "you", "some", "it", "this",
    "that", "thing", "kid",
}
_WORD = re.compile(r"[^\W\d_][^\W_\-']{3,}", re.U)
_NAME = re.compile(r"(?<=[\w,;:)'\-] )[A-Z][a-z]{3,}|(?<=-)[A-Z][a-z]{3,}")
_QUESTION_WORDS = {
    *CONTRACTIONS,  # "won't" without its apostrophe
    "what", "which", "when", "where", "does", "should", "could", "would", "will", "with", "without", "about", "from",
    "have", "having", "been", "being", "that", "this", "these", "those", "there", "their", "they", "them", "your",
    "yours", "mine", "much", "many", "more", "most", "long", "take", "taking", "safe", "okay", "good", "best", "normal",
    "range", "level", "levels", "mean", "means", "symptoms", "symptom", "signs", "causes", "cause", "treatment",
    "treat", "treated", "side", "effects", "effect", "work", "works", "used", "test", "tests", "doctor", "need",
    "help", "know", "tell", "explain", "please", "really", "actually", "thing", "things", "like", "make", "makes",
    *PEOPLE,  # who it is about, never the thing asked about ("toddler ear infection will it go away")
}


@dataclass
class Coverage:
    covered: bool
    best: float  # best excerpt cosine
    floor: float
    missing: list[str] = field(default_factory=list)  # uncommon question words no excerpt holds
    unnamed: list[str] = field(default_factory=list)  # what the question names that no page is called

    def to_dict(self) -> dict:
        return {"covered": self.covered, "best": round(self.best, 4), "floor": self.floor, "missing": self.missing,
                "unnamed": self.unnamed}


def read_pages(settings, progress: Callable[[str, int], None] | None = None) -> list[ReferencePage]:
    """Every configured source's pages, in order; ids must be unique across sources."""
    rs = settings.reference
    if not rs.sources:
        raise RetrievalError("reference.sources is empty: list at least one source (see README, Reference library)")
    pages: list[ReferencePage] = []
    owner: dict[str, str] = {}
    for spec in rs.sources:
        got = read_source(spec)
        for p in got:
            if p.id in owner:
                raise RetrievalError(f"{describe(spec)}: page id '{p.id}' is also in {owner[p.id]}")
            owner[p.id] = describe(spec)
        pages.extend(got)
        if progress:
            progress(describe(spec), len(got))
    return pages


class Library:
    """The reference library `settings.reference.name` under `settings.reference.store_dir`."""

    def __init__(self, settings, store):
        self.settings = settings
        self.name = settings.reference.name
        self.store = store
        self._known = None
        self._vocab = None
        self._names = None
        self._subjects: dict[str, Subject] = {}
        self._rare = None

    # ---- building ------------------------------------------------------------------------------
    def build(self, progress=None, on_source=None) -> dict:
        t0 = time.perf_counter()
        pages = read_pages(self.settings, on_source)
        about = {"sources": [self._portable(s.model_dump(by_alias=True, exclude_none=True))
                             for s in self.settings.reference.sources], "pages": len(pages)}
        report = self.store.sync_pages(self.name, pages, progress=progress, about=about)
        report["pages"] = len(pages)
        report["seconds"] = round(time.perf_counter() - t0, 2)
        return report

    def _portable(self, source: dict) -> dict:
        """A source as the manifest keeps it: its path relative to the config's folder when inside it
        ("data/reference/pages"), so two checkouts sharing one library folder describe it alike and
        neither rewrites it for the other's absolute path."""
        path, cfg = source.get("path"), getattr(self.settings, "source_path", None)
        if path and cfg:
            with contextlib.suppress(ValueError):
                source = dict(source, path=Path(path).resolve().relative_to(Path(cfg).resolve().parent).as_posix())
        return source

    def exists(self) -> bool:
        return self.store.exists(self.name)

    def info(self) -> dict:
        if not self.exists():
            raise RetrievalError(f"reference library '{self.name}' is not built; run: medrouter reference build")
        m = self.store.manifest(self.name)
        docs = m["documents"]
        by_source: dict[str, int] = {}
        for d in docs:
            by_source[d.get("source_name", "?")] = by_source.get(d.get("source_name", "?"), 0) + 1
        return {"name": self.name, "pages": len(docs), "chunks": m.get("n_chunks"), "updated": m.get("updated"),
                "embedding_model": m.get("embedding_model"), "by_source": by_source,
                "sources": m.get("about", {}).get("sources", []), "floor": self.floor}

    # ---- answering -----------------------------------------------------------------------------
    @property
    def floor(self) -> float:
        v = self.settings.reference.min_score
        return DEFAULT_FLOOR if v is None else v

    def search(self, question: str, k: int | None = None):
        """The top-k excerpts; pages the question names (title or alias) first and alone. "What is
        the purpose of a colonoscopy?" must reach the Colonoscopy page before the pages that mention
        one; "tuberous sclerosis" must never reach the multiple sclerosis page (retrieval/subject.py)."""
        if not self.exists():
            raise RetrievalError(f"reference library '{self.name}' is not built; run: medrouter reference build "
                                 "(medrouter prepare builds the shipped one)")
        k = k or self.settings.reference.top_k
        hits = self.store.search(self.name, question, k=max(10 * k, 40))
        subj = self.subject(question)
        # a page about a different thing whose name shares a word is never quoted; what the question
        # names that no page is called may only be answered by an excerpt that mentions it
        hits = [h for h in hits if h.source not in subj.conflicting and subj.mentions(h.text)]
        left_out = subj.named - {h.source for h in hits}
        if left_out and not subj.unnamed:
            # a page the question names that the fused search did not bring up: all its sections
            hits += self.store.document_hits(self.name, question, left_out)
        page = [h.source for h in hits]
        named = subj.named & set(page)
        overview = self.overview(question)
        if overview is not None:
            return self._overview_hits(question, overview, [h for h in hits if h.source == overview[0]])
        if named:
            # the pages the question names answer it alone: "lisinopril dry cough" from the
            # lisinopril page, not from the cough page beside it; a comparison with one side named
            # ("yeast infection vs bv") also from the page closest in meaning of the others
            if len(named) == 1 and _COMPARE.search(" ".join(tokens(question))):
                named |= self._other_side(question, next(iter(named)), hits)
            hits = [h for h in hits if h.source in named]
            hits += self._asked_sections(question, named, hits)
            page = [h.source for h in hits]
            focus = named
        else:
            # the two closest in meaning (the fused order leans on shared words: "side effects" is on
            # every medicine page)
            best: dict[str, float] = {}
            for h in hits:
                best[h.source] = max(best.get(h.source, -1.0), h.score)
            focus = set(sorted(best, key=lambda p: -best[p])[:2])
        wanted = self.intents(question)
        often = bool(_HOW_OFTEN.search(question))
        asked = [(bool(wanted) and asks_for(h, wanted)) or (often and bool(_INTERVAL.search(h.text)))
                 for h in hits]
        # stable: the fused order within each group
        order = sorted(range(len(hits)), key=lambda i: (page[i] not in focus, not asked[i]))
        if len(named) > 1:
            # a comparison ("benadryl vs zyrtec"): each named page's best excerpts in turn
            seen: dict[str, int] = {}
            turn = {}
            for i in order:
                turn[i] = seen.get(page[i], 0)
                seen[page[i]] = turn[i] + 1
            order = sorted(order, key=lambda i: turn[i])
        return [hits[i] for i in order[:k]]

    def intents(self, question: str) -> set[str]:
        """intent_sections of `question` read with the page names it says put as "x": the "high" of
        "can high blood pressure be cured" asks for no high values, the "low" of "low back pain
        exercises" for no low values."""
        said = self._name_index().names_in(question, self.subject(question).named)
        text = question
        for name in sorted(said, key=len, reverse=True):
            text = re.sub(r"(?<!\w)" + r"\W+".join(re.escape(w) for w in name) + r"(?!\w)", "x", text, flags=re.I)
        return intent_sections(text)

    def overview(self, question: str) -> tuple[str, tuple[str, ...]] | None:
        """(page, its core sections) when `question` names one page of the shipped format and asks
        nothing else about it (OVERVIEW_SECTIONS); None otherwise."""
        subj = self.subject(question)
        if len(subj.named) != 1 or subj.unnamed or self.intents(question) - _DEFINITION:
            return None
        names, rest = self.names_said(question)
        if not names or any(w not in _OVERVIEW_WORDS and _fold(w) not in _OVERVIEW_WORDS for w in rest):
            return None
        page = next(iter(subj.named))
        core = OVERVIEW_SECTIONS.get(self._name_index().category.get(page) or "")
        return (page, core) if core else None

    def _overview_hits(self, question: str, overview: tuple[str, tuple[str, ...]], found) -> list:
        """The page's core sections in page order: those the fused search found, the rest added."""
        page, core = overview
        have = {(h.section or "").lower(): h for h in found}
        if not all(c in have for c in core):
            for h in self.store.document_hits(self.name, question, {page}):
                have.setdefault((h.section or "").lower(), h)
        return [have[c] for c in core if c in have]

    def _asked_sections(self, question: str, named: set[str], hits) -> list:
        """The sections a named page has that the question asks for and the fused search left out:
        "headache red flags" is answered by the headache page's When to seek care, which shares no
        word with the question, not by its Self-care that the search brought up."""
        wanted = self.intents(question)
        if not wanted:
            return []
        have = {(h.source, (h.section or "").lower()) for h in hits}
        lacking = {p for p in named if not any(h.source == p and asks_for(h, wanted) for h in hits)}
        if not lacking:
            return []
        return [h for h in self.store.document_hits(self.name, question, lacking)
                if asks_for(h, wanted) and (h.source, (h.section or "").lower()) not in have]

    def _other_side(self, question: str, page: str, hits) -> set[str]:
        """The other side of a comparison that names one page ("yeast infection vs bv"): the page closest
        in meaning that uses a word of the question the named page never uses ("yeast"); none when the
        named page uses them all ("pink eye: bacterial or viral?" is one page's question)."""
        ni = self._name_index()
        rest = [w for w in tokens(question) if len(w) >= 3 and w not in GENERIC and w not in _QUESTION_WORDS
                and not w.isdigit() and not _uses(ni.words[page], w)]
        other = [h for h in hits if h.source != page and any(_uses(ni.words.get(h.source, set()), w) for w in rest)]
        return {max(other, key=lambda h: h.score).source} if other else set()

    def subject(self, question: str) -> Subject:
        """The pages `question` names, those it must not be answered from, what it names that no page is."""
        got = self._subjects.get(question)
        if got is None:
            got = self._name_index().subject(question, self._rare_words(question))
            if len(self._subjects) > 256:
                self._subjects.clear()
            self._subjects[question] = got
        return got

    def names_said(self, question: str) -> tuple[list[tuple[str, ...]], list[str]]:
        """The names of the pages `question` names (word tuples, misspellings put right) and the
        question's other words: ([("huntingtons",)], ["is", "passed", "down"])
        for "is huntingtons passed down". ([], []) when it names no page."""
        subj = self.subject(question)
        if not subj.named:
            return [], []
        ni = self._name_index()
        rest = ni.spelled(tokens(question))
        names = ni.names_in(question, subj.named)
        for n in names:
            f = [_fold(w) for w in n]
            i = 0
            while i <= len(rest) - len(n):
                if [_fold(w) for w in rest[i:i + len(n)]] == f:
                    del rest[i:i + len(n)]
                else:
                    i += 1
        return names, rest

    def uncommon_name(self, name: tuple[str, ...]) -> bool:
        """An eponym ("huntingtons"), or a name with a word that is no whole word of the embedder's
        vocabulary ("shingrix", "afib", "st johns wort"; not "cold" or "cold feet")."""
        known = self.known_word()
        return name in self._name_index().eponyms or not all(known(w) for w in name)

    def _name_index(self) -> NameIndex:
        loaded = self.store._load(self.name)
        if self._names is None or self._names[0] is not loaded:
            pages: dict[str, list] = {}
            for ch in loaded.chunks:
                ref = ch.get("ref") or {}
                p = pages.setdefault(ch["source"], [ch["source"], ch.get("title") or "", ref.get("aliases", []), [],
                                                    ref.get("category")])
                p[3].append(ch["text"])
            self._names = (loaded, NameIndex([(s, t, a, "\n".join(x), c) for s, t, a, x, c in pages.values()],
                                              known_word=self.known_word()))
        return self._names[1]

    def evidence(self, question: str, hits, n: int):
        """The page lines that answer `question`, each with its excerpt's [n] (retrieval/grounding.py);
        when the question names something no page is called, only lines that mention it."""
        subj = self.subject(question)
        wanted = self.intents(question)
        # a line of a section the question asks for ("what should my LDL be": Normal range) before a
        # closer-worded line of another section ("LDL is often called bad cholesterol")
        boost = [rrf(0, SECTION_WEIGHT) if asks_for(h, wanted) else 0.0 for h in hits]
        # a line that says the name the question used before one about another thing on the same page
        # ("lung cancer screening who qualifies": not the overview's lines on bowel and breast screening)
        said = self._name_index().names_in(question, subj.named)
        bonus = rrf(0, NAME_WEIGHT)

        # "how often" is answered by the line that gives an interval ("every 12 weeks"), whichever
        # section holds it (Who it is for on a screening page, Recovery on the blood donation page)
        often = rrf(0, SECTION_WEIGHT) if _HOW_OFTEN.search(question) else 0.0

        def line_boost(line: str) -> float:
            words = {_fold(w) for w in tokens(line)}
            named = bonus if said and any(all(_fold(w) in words for w in n) for n in said) else 0.0
            return named + (often if often and _INTERVAL.search(line) else 0.0)

        if self.overview(question) is not None:
            # each core section's lead line first, in page order (the hits' order); then the best of the rest
            lead = 1.0  # above any sum of rank scores: every lead line before every other line
            ev = self.store.evidence(self.name, question, hits, n=n, sentences=True, lead_boost=lead)
            return sorted(ev, key=lambda e: (e.score < lead, e.index if e.score >= lead else 0))
        return self.store.evidence(self.name, question, hits, n=n, sentences=True,
                                   keep=subj.mentions if subj.unnamed else None, boost=boost,
                                   line_boost=line_boost if (said and NAME_WEIGHT) or often else None)

    def known_word(self):
        if self._known is None:
            from .grounding import vocabulary_checker

            tok = getattr(self.store.embedder, "tokenizer", None)
            self._known = vocabulary_checker(tok) or (lambda w: True)
        return self._known

    def coverage(self, question: str, hits, floor: float | None = None) -> Coverage:
        floor = self.floor if floor is None else floor
        best = max((h.score for h in hits), default=-1.0)
        rare = self._rare_words(question)
        missing = uncovered_words(question, hits, self.known_word(), rare=rare)
        # not covered when no excerpt holds any of the question's uncommon words or names (Fabry,
        # Kawasaki), unless an excerpt matches it closely in meaning (a lay question whose one odd
        # word is "toddler" or "autoimmune")
        named_nowhere = bool(rare) and len(missing) == len(rare) and best < STRONG_MATCH
        subj = self.subject(question)
        # nor when it names no page and no excerpt comes close ("how is frozen shoulder treated": the
        # Treatment lines of cellulitis and scabies share its wording, not its subject)
        nameless = not subj.named and best < max(floor, NAMELESS_FLOOR)
        return Coverage(covered=bool(hits) and best >= floor and not named_nowhere and not nameless, best=float(best),
                        floor=floor, missing=missing, unnamed=[" ".join(e) for e in subj.unnamed])

    def _library_names(self) -> dict:
        """The pages' own uncommon words (names: "guillain", "metformin"), by (first letter, length) like
        `_vocabulary`: a misspelling nearer one of them than any common word is a misspelt name."""
        loaded = self.store._load(self.name)
        if self._rare is None or self._rare[0] is not loaded:
            known = self.known_word()
            self._rare = (loaded, by_start_and_length(
                w for w in sorted(self._name_index().all_words) if w.isalpha() and len(w) >= 4 and not known(w)))
        return self._rare[1]

    def _rare_words(self, question: str) -> list[str]:
        """rare_words, less the library's general words (`_general_words`)."""
        general = self._general_words()
        return [w for w in rare_words(question, self.known_word(), self._vocabulary(), self._library_names())
                if _fold(w) not in general]

    def _general_words(self) -> frozenset[str]:
        """Words that are no page's name and that many pages use ("contagious": 124 of 929): the library's
        general vocabulary, never a thing the question names that no page is called, although the
        embedder's vocabulary lacks them ("is scabies contagious" is answered from every line of the
        scabies page that answers it, not only the line that says "contagious")."""
        ni = self._name_index()
        return ni.common_words(max(GENERAL_MIN_PAGES, int(GENERAL_SHARE * len(ni.words))))

    def uses_words(self, pages, words) -> bool:
        """Does each of `words` appear on one of `pages` at least, as it is or with another ending
        ("store": the insulin page's "stored"; "catching": "catch")?"""
        ni = self._name_index()
        return all(any(ni.uses_word(p, v) for p in pages for v in _endings(w)) for w in words)

    def _vocabulary(self) -> dict:
        """The embedder's whole-word vocabulary by (first letter, length), to tell a misspelt common
        word ("diffrence") from a name the library lacks."""
        if self._vocab is None:
            vocab = getattr(getattr(self.store.embedder, "tokenizer", None), "vocab", None) or {}
            self._vocab = by_start_and_length(w for w in vocab if w.isalpha() and len(w) >= 4)
        return self._vocab


# What a question asks for, as the section headings of the pages that answer it (the page format
# of data/reference: one heading list per category). A reference's own headings (MedlinePlus) fall
# back to the fused order.
_INTENTS = [
    (r"\b(side[- ]?effects?|adverse|reactions?)\b", ("common side effects", "serious side effects", "side effects and risks")),
    (r"\b(interact\w*|together with|mix|combine|alcohol|booze|beer|wine|grapefruit|pregnan\w*|breastfeed\w*)\b|"
     r"\bdrink(ing)? (on|with|while|when)\b|"
     r"\b(take|taking|have|use)\b.*\bwith\b", ("interactions and cautions",)),
    (r"\b(normal|range|target|healthy|ideal)\b|\bshould (my|it|a|the|your)\b.*\bbe\b", ("normal range",)),
    (r"\b(high|raised|elevated)\b", ("normal range", "high values")),
    (r"\blow\b", ("normal range", "low values")),
    (r"\b(level|levels|reading|readings)\b", ("normal range", "high values", "low values")),
    (r"\b(what is it for|used for|use of|purpose|why (would|do|is|are)|why .* (need|done|have)|reason for)\b",
     ("what it is for", "why it is done", "what it measures", "who it is for")),
    (r"\b(how does|how do|work|works|mechanism)\b", ("how it works",)),
    (r"\b(how (should|do) i take|dose|dosage|how much|how often|when to take|max|maximum|per day|a day)\b", ("how to take it",)),
    # screening and tests: "mammogram how often" is answered by who is invited and how often
    (r"\bhow often\b|\bevery (few |\d+ |one |two |three |five )?(years?|months?)\b", ("who it is for", "why it is done")),
    (r"\b(every (day|night)|nightly|each (day|night)|long[- ]term)\b", ("how to take it", "common side effects")),
    (r"\b(symptoms?|signs?|feel like|warning)\b", ("symptoms",)),
    (r"\bhow (do|can|would|will) (i|you|we) (tell|know)\b|\bhow to tell\b|\bdo i have\b", ("symptoms",)),
    (r"\b(causes?|caused|why do i|risk factors?|who gets|triggers?|triggered|sets? off|inherit\w*|hereditary|genetic|passed (down|on)|"
     r"runs? in (the |my )?famil\w*)\b", ("causes and risk factors", "common causes")),
    (r"\b(diagnos\w*|tested|test for)\b", ("tests and diagnosis",)),
    # what to do about it: on a prevention page the how-to is its How it works ("how to avoid blood clots
    # on a long flight": walking, flexing the ankles), on a medicine page How it works is its mechanism
    (r"\b(treat\w*|cur(e|es|ed|able)|get rid|manage|remed\w*|heals?|reliev\w*|relief|soothe|ease|tips|get better|"
     r"(?<!get )(?<!seek )(?<!medical )(?<!urgent )help(s|ed|ful)?)\b|\bwhat (can|should|do) (i|you|we) do\b|\bwhat to do\b|"
     r"\bhow (to|do i|can i|do you|can you|do we) (stop|beat|fix|cope|deal|improve|make|strengthen|get over|calm|reduce|lower)\b",
     ("treatment", "self-care", "prevention/how it works")),
    # "can it be cured or do i need pills forever": what treatment says and whether it lasts
    (r"\b(forever|for life|lifelong|life[- ]long|rest of (my|your|their) li(fe|ves))\b", ("treatment", "outlook and prevention")),
    (r"\b(prevent\w*|avoid|outlook|long[- ]term|go away|contagious|catch|spread)\b",
     ("outlook and prevention", "what it is", "prevention/how it works")),
    # what to avoid is also what sets it off (fava beans in G6PD deficiency) and what treatment says to stay off;
    # how it spreads is also its causes (the germ and how it passes)
    (r"\b(avoid\w*|stay away|keep away|steer clear)\b", ("causes and risk factors", "treatment", "interactions and cautions")),
    (r"\b(contagious|infectious|catch\w*|spread\w*|pass(ed)? (it )?on)\b", ("causes and risk factors",)),
    (r"\bwhen (should|to|do) (i |you |we )?(see|call|go|get help|seek|worry|contact|visit|phone)|"
     r"\b(worry|worried|see a doctor|emergency|urgent|serious|red flags?|danger signs?|warning signs?)\b",
     ("when to seek care",)),
    (r"\bwhen (should|do|to) .*\b(start|begin|stop)\b|\bwhat age\b|\bhow old\b", ("who it is for",)),
    (r"\b(prepare|preparation|prep|before (the|my|a))\b", ("preparation",)),
    (r"\b(recover\w*|after (the|my|a)|results?)\b", ("recovery and results",)),
    (r"\b(risks?|dangerous|safe)\b", ("risks", "serious side effects", "interactions and cautions")),
    (r"\b(what happens|during|how is it done|procedure)\b", ("what happens", "what it is")),
    (r"\b(hurts?|painful|uncomfortable)\b", ("what happens", "risks", "recovery and results")),
    (r"\bhow long (until|before|till|does it take|to recover|after)\b|\brecovery\b", ("recovery and results",)),
    (r"\bhow long (does|will|do|can) .*\b(last|take to go|go away)\b|\blast\w*\b", ("outlook and prevention", "treatment")),
    (r"\bwho (needs|should (get|have|take)|can (get|have)|is eligible|qualifies)\b|\beligib\w*", ("who it is for", "why it is done")),
    (r"\b(tips|just (got|been) (prescribed|started)|started taking|what should i know|missed|forgot|forget)\b",
     ("how to take it", "interactions and cautions", "common side effects")),
    (r"^\W*(what|what's|whats) (is|are) (a |an |the )?[\w' -]+\W*$|\bdefin\w*|\bmean\b", ("what it is", "what it measures", "what it is for")),
]
_INTENT_RE = [(re.compile(p, re.I), tuple(h)) for p, h in _INTENTS]
# a question that asks how often, and a line that gives an interval
_HOW_OFTEN = re.compile(r"\bhow (often|frequently|regularly|many times)\b|\bhow long between\b", re.I)
_INTERVAL = re.compile(r"\bevery\b|\b(once|twice|\w+ times) (a|per|each)\b|\b(annual(ly)?|yearly|monthly|weekly|daily)\b|"
                       r"\bintervals?\b|\bgap\b|\b\d+\s*(to\s*\d+\s*)?(days?|weeks?|months?|years?)\b", re.I)


_DEFINITION = set(_INTENTS[-1][1])


def _endings(word: str) -> set[str]:
    """`word` and its regular inflections: store -> stores, stored, storing; catching -> catch."""
    stem = re.sub(r"(ing|ed|es|s|e)$", "", word) if len(word) > 4 else word
    return {word, stem, stem + "e", stem + "s", stem + "es", stem + "ed", stem + "d", stem + "ing", stem + "es"} - {""}


def asks_for(hit, wanted: set[str]) -> bool:
    """Whether `hit`'s section is one `wanted` names: by heading ("treatment"), or by category and heading
    ("prevention/how it works", a heading that answers differently in another category)."""
    sec = (hit.section or "").lower()
    return sec in wanted or f"{(hit.ref or {}).get('category') or ''}/{sec}" in wanted


def intent_sections(question: str) -> set[str]:
    """The section headings (lower case) that answer what `question` asks, in the library's page format."""
    out: set[str] = set()
    for rx, heads in _INTENT_RE[:-1]:
        if rx.search(question):
            out.update(heads)
    # "what is X?" asks for a definition only when it asks for nothing else ("what are the side
    # effects of X" is not a definition question)
    rx, heads = _INTENT_RE[-1]
    if not out and rx.search(question):
        out.update(heads)
    return out


def _plain(text: str) -> str:
    return " ".join(re.findall(r"[^\W_]+", (text or "").lower()))


def _names(hit) -> list[str]:
    ref = hit.ref or {}
    names = [_plain(hit.title or "")] + [_plain(a) for a in ref.get("aliases", [])]
    return [n for n in names if len(n) >= 3]


def rare_words(question: str, known_word: Callable[[str], bool], vocabulary: dict | None = None,
               page_words: dict | None = None) -> list[str]:
    """The question's uncommon words: not whole entries of the embedder's vocabulary (drug and
    disease names), nor a misspelling of one ("diffrence"), unless it is nearer an uncommon word of
    the pages (`page_words`, Library._library_names: "guillan" is nearer "guillain" than "gillian"); a
    capitalised word inside the sentence is a name (Wilson disease, Kawasaki, Stevens-Johnson)
    whatever the vocabulary says."""
    words = {w.lower() for w in _WORD.findall(question)}
    names = {m.group(0).lower() for m in _NAME.finditer(question)}
    out = []
    for w in sorted(words):
        if w in _QUESTION_WORDS:
            continue
        if w in names:
            out.append(w)
        elif not known_word(w) and not _misspelt_common(w, vocabulary or {}, page_words or {}):
            out.append(w)
    return out


def _misspelt_common(word: str, vocabulary: dict, page_words: dict | None = None) -> bool:
    common = nearest(word, vocabulary)[1]
    if not common or not page_words or len(word) < 6 or word in page_words.get((word[0], len(word)), ()):
        return bool(common)
    return not nearest(word, page_words)[1] > common


def uncovered_words(question: str, hits, known_word: Callable[[str], bool], rare: list[str] | None = None) -> list[str]:
    """Uncommon words of `question` (rare_words) that none of `hits` holds, even nearly (misspellings allowed)."""
    rare = rare_words(question, known_word) if rare is None else rare
    if not rare:
        return []
    have: set[str] = set()
    for h in hits:
        ref = h.ref or {}
        text = " ".join([h.text, h.title or "", " ".join(ref.get("aliases", []))])
        have.update(w.lower() for w in _WORD.findall(text))
    out = []
    for w in rare:
        if w in have or any(x.startswith(w) or w.startswith(x) for x in have if len(x) >= 5 and len(w) >= 5):
            continue
        if difflib.get_close_matches(w, have, n=1, cutoff=0.8):
            continue
        out.append(w)
    return out


_LIBRARIES: dict[tuple, Library] = {}
_LOCK = threading.Lock()


def shared_library(settings, embedder=None) -> Library:
    """One Library per process and folder: loaded once, shared by every session and request."""
    from .store import Store

    rs = settings.reference
    key = (rs.store_dir, rs.name, settings.embedding_model.path)
    with _LOCK:
        lib = _LIBRARIES.get(key)
        if lib is None:
            lib = _LIBRARIES[key] = Library(settings, Store(settings, embedder=embedder, root=rs.store_dir))
        return lib
