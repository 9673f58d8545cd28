"""What a question is about, in the library's own names: the pages it names, the pages it must not be
answered from, and the things it names that no page is about.

A question that names a condition must never be answered from a page about a different condition
whose name merely shares a word: "tuberous sclerosis" is not "multiple sclerosis", "type 1 diabetes"
is not "type 2 diabetes", "Addison's disease" is not "Crohn's disease". Three readings of the
question against every page's title and aliases (the names a reviewer wrote for it):

- **named**: a page whose title or alias is in the question ("lisinopril dry cough" names the
  Lisinopril page; "type 1 and type 2 diabetes" names both diabetes pages).
- **conflicting**: a page with a name of two or more words whose head word is in the question
  after a different modifier ("tuberous sclerosis" against "multiple sclerosis"), where that
  modifier is a designator ("type 1" vs "type 2", "vitamin d" vs "vitamin b12") or a word the page
  never uses ("tuberous" is nowhere on the multiple sclerosis page; "stomach" is on the abdominal
  pain page, so "stomach pain" does not conflict with it). Such a page is never quoted.
- **unnamed**: what the question names that no page is called: the modifier of a head word when
  no page whose name ends in that head uses it ("tuberous" sclerosis, "addisons" disease), an
  uncommon word next to a head word or another uncommon word, or an abbreviation ("TIPS", "CJD").
  Only lines that mention it may answer; where none does, the library does not cover the question.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from .lexical import by_start_and_length, nearest
from .lexical import singular as _fold  # the plural rule BM25 uses: one for names and terms

# contractions as tokens() leaves them ("won't" -> "wont") and as people type them without the apostrophe:
# never a name (library.py's question words read them too)
CONTRACTIONS = ("wont", "dont", "cant", "doesnt", "didnt", "isnt", "arent", "wasnt", "werent", "shouldnt", "wouldnt",
                "couldnt", "havent", "hasnt", "hadnt", "aint", "youre", "theyre", "thats", "theres", "alot")
# who a question is about: a person, never the thing it asks about ("toddler ear infection", "my husband's
# snoring"); generic modifiers here, and never an uncommon word of the question (library.py)
PEOPLE = frozenset("""
baby babies toddler toddlers infant infants newborn newborns child children kids teen teens teenager teenagers
elderly mum mom dad mums moms dads mother father parents husband husbands wife wifes son sons daughter daughters
boyfriend girlfriend partner partners grandma grandmas grandpa grandpas grandmother grandfather grandson granddaughter
""".split())
# words that modify a head word without naming a different thing ("severe asthma", "my diabetes",
# "chronic back pain"): never a conflict or an unnamed entity
GENERIC = PEOPLE | {
    "a", "an", "the", "my", "your", "his", "her", "our", "their", "its", "this", "that", "these", "those", "of", "for",
    "in", "on", "with", "and", "or", "to", "from", "by", "at", "as", "is", "are", "was", "be", "been", "do", "does",
    "did", "have", "has", "had", "can", "could", "should", "would", "will", "what", "whats", "which", "who", "how",
    "why", "when", "where", "it", "i", "im", "me", "you", "we", "they", "not", "no", "any", "some", "about", "vs",
    "versus", "like", "than", "if", "get", "got", "getting", "after", "before", "during", "while", "since", "s",
    "bad", "severe", "mild", "moderate", "chronic", "acute", "sudden", "constant", "sharp", "dull", "early", "late",
    "new", "old", "recurrent", "recurring", "persistent", "frequent", "mild", "serious", "little", "big", "small",
    "left", "right", "upper", "lower", "both", "same", "other", "another", "real", "true", "possible", "suspected",
    "common", "rare", "normal", "high", "low", "very", "really", "much", "more", "less", "most", "least", "all",
    "worst", "worse", "better", "best", "first", "second", "last", "long", "short", "term", "mean", "means",
    "treat", "treatment", "cause", "causes", "symptoms", "signs", "test", "tests", "type", "kind", "sort", "stage",
    "mine", "kids", "kid", "child", "childs", "childrens", "baby", "babys", "adult", "adults", "elderly", "pregnant",
    "pregnancy", "daily", "nighttime", "night", "morning", "one", "two", "three", "many", "few", "full", "half",
    "non", "self", "post", "pre", "anti", "sign", "symptom", "feel", "feeling", "having", "had", "got",
    # verbs and adverbs a question puts before a name ("can you explain herpes", "how to cure thrush")
    "explain", "describe", "define", "understand", "cure", "cured", "prevent", "stop", "avoid", "catch", "spread",
    "manage", "diagnose", "diagnosed", "check", "checked", "start", "started", "caused", "because", "give", "given",
    "take", "took", "taking", "use", "using", "happen", "happens", "still", "again", "also", "just", "even", "only",
    "ever", "never", "always", "often", "sometimes", "usually", "go", "going", "come", "comes", "say", "said",
    "told", "think", "worried", "scared", "okay", "ok", "fine", "called", "need", "help", "know", "tell", "please",
    "want", "there", "here", "now", "then", "so", "but", "am", "were", "being", "such", "into", "over", "under",
    "up", "down", "out", "off", "through", "without", "against", "between", "every", "each", "same",
    *CONTRACTIONS, "ive", "id", "whos", "u", "ur", "pls", "plz", "thx",
}
# heads of names too general to tell two things apart by the word before them
_WEAK_HEADS = {"the", "of", "and", "a", "in", "s", "test", "tests", "level", "levels", "count", "range", "reading",
               "therapy", "treatment", "medicine", "tablets", "tablet", "cream", "injection", "function"}
_COMPARE = re.compile(r"\b(vs|versus|difference|differences|diffrence|differ|compare|compared|or|better|between)\b")
# two-letter abbreviations people also type in lower case, which are no English word ("yeast vs bv")
_LOWER_OK = {"BV", "TB", "MS", "UC", "OA", "RA", "AF", "BP"}
_ABBREV = re.compile(r"^[A-Z]{3,6}s?$")
_EPONYM = re.compile(r"^([A-Z][a-z]{4,})['’]s (disease|syndrome)$")
_DESIGNATOR = re.compile(r"^(\d+[a-z]?|[a-z]\d*|i{1,3}|iv|one|two)$")
# one-word names that are also everyday words, and the uses that are the everyday word: "fingers turn white
# in the cold" is the weather, not the common cold ("I have a cold", "cold and flu" stay the illness)
_OTHER_SENSE = {
    ("cold",): re.compile(
        r"\b(in( the)?|it'?s|too|so|very|feels?|feeling|felt|gets?|getting|got|turns?|turning|when)\s+cold\b"
        r"(?!\s+(and flu|symptoms?|virus|medicines?|remed\w*|sores?))|"
        r"\bcold\s+(weather|water|air|temperatures?|climate|days?|nights?|hands?|feet|fingers?|toes?|skin|exposure|"
        r"showers?|baths?|drinks?|food|rooms?|places?|winters?|wind|sweats?|compress\w*|packs?|therapy|intolerance)\b", re.I),
}


def tokens(text: str) -> list[str]:
    """Lower-case word tokens; apostrophes dropped ("Crohn's" -> "crohns"), hyphens split, accents
    dropped ("Guillain-Barré" -> "guillain", "barre", as people type it)."""
    t = unicodedata.normalize("NFKD", re.sub(r"['’`]", "", (text or "").lower()))
    return re.findall(r"[^\W_]+", "".join(c for c in t if not unicodedata.combining(c)))


def _has(seq: list[str], phrase: tuple[str, ...]) -> bool:
    n = len(phrase)
    f = tuple(_fold(w) for w in phrase)
    folded = [_fold(w) for w in seq]
    return any(tuple(folded[i:i + n]) == f for i in range(len(seq) - n + 1))


def _uses(words: set[str], w: str) -> bool:
    """Does a page with `words` use `w`, or a word of the same stem ("skipping" / "skipped")?"""
    w = _fold(w)
    return w in words or (len(w) >= 6 and any(x.startswith(w[:5]) for x in words))


def _designator(w: str) -> bool:
    return bool(_DESIGNATOR.match(w))


@dataclass
class Subject:
    named: set[str] = field(default_factory=set)  # sources (page ids) the question names
    conflicting: set[str] = field(default_factory=set)  # sources it must not be answered from
    unnamed: list[tuple[str, ...]] = field(default_factory=list)  # what it names that no page is called

    def mentions(self, text: str) -> bool:
        """Does `text` mention one of the unnamed things (all of them, when none is set)?"""
        if not self.unnamed:
            return True
        toks = tokens(text)
        return any(re.search(rf"\b{re.escape(e[0])}\b", text) if e[0].isupper()
                   else _has(toks, e) or (len(e) == 1 and _near(e[0], toks)) for e in self.unnamed)


def _near(word: str, toks: list[str]) -> bool:
    import difflib

    if len(word) < 5:
        return False
    return any(t.startswith(word) or word.startswith(t) for t in toks if len(t) >= 5) or bool(
        difflib.get_close_matches(word, [t for t in toks if len(t) >= 4], n=1, cutoff=0.8))


class NameIndex:
    """Every page's names (title and aliases, as token tuples) and the words its text uses."""

    def __init__(self, pages: list[tuple], known_word=None):
        # pages: (source, title, aliases, whole text[, category]); known_word(w): is w an everyday word
        # (the embedder's whole-word vocabulary), so that a lower-case abbreviation that is none ("ldl",
        # "copd") names its page without support
        self.known_word = known_word
        self._common: dict[int, frozenset[str]] = {}
        self.names: dict[str, list[tuple[str, ...]]] = {}
        self.upper: dict[str, set[str]] = {}  # short all-capital aliases ("MS", "TB"): matched as written
        self.words: dict[str, set[str]] = {}
        self.text: dict[str, list[str]] = {}
        self.name_words: set[str] = set()
        self.heads: set[str] = set()
        self.subphrases: set[tuple[str, ...]] = set()  # every run of two or more words inside a name
        self.by_head: dict[str, set[str]] = {}  # head word -> pages with a name that ends in it
        self.by_token: dict[str, set[str]] = {}  # any word of a name -> its pages (the candidates of a question)
        self.category: dict[str, str | None] = {}
        self.eponyms: set[tuple[str, ...]] = set()  # ("huntingtons",): a person's name, however common the word
        self.all_words: set[str] = set()  # every word of every page (folded), to tell a misspelling from a word
        # abbreviations written in capitals ("PrEP", "POTS"): as typed in lower case, a common word too
        self.caps: dict[str, dict[tuple[str, ...], str]] = {}
        for source, title, aliases, text, *category in pages:
            self.category[source] = category[0] if category else None
            ns = []
            # "Benadryl (US)" is the name "Benadryl"; "Huntington's disease" is also "huntingtons", as people
            # type the eponym alone ("is huntingtons passed down", "crohns flare")
            eponyms = {m.group(1).lower() + "s" for a in [title, *aliases] if (m := _EPONYM.match(a))}
            self.eponyms |= {(e,) for e in eponyms}
            for name in [title, *aliases, *(re.sub(r"\s*\(.*?\)", "", a) for a in aliases if "(" in a), *eponyms]:
                t = tuple(tokens(name))
                if len(t) == 1 and len(t[0]) < 3:
                    if name.strip().isupper():
                        self.upper.setdefault(source, set()).add(name.strip())
                    continue
                if t:
                    ns.append(t)
                    if len(t) == 1 and sum(c.isupper() for c in name) >= 2:
                        self.caps.setdefault(source, {})[t] = name.strip()
            self.names[source] = ns
            for n in ns:
                for w in n:
                    self.name_words.add(_fold(w))
                    self.by_token.setdefault(_fold(w), set()).add(source)
            self.text[source] = tokens(text)
            self.words[source] = {_fold(w) for w in tokens(" ".join([title, *aliases, text]))}
            self.all_words |= self.words[source]
            # head words come from titles (an alias such as "bad back" would make "sore back" a name)
            t = tuple(tokens(title))
            if len(t) >= 2 and t[-1] not in _WEAK_HEADS and t[-1] not in GENERIC and not _designator(t[-1]):
                self.heads.add(_fold(t[-1]))
            for t in ns:
                self.by_head.setdefault(_fold(t[-1]), set()).add(source)
                if len(t) >= 2:
                    for i in range(len(t)):
                        for j in range(i + 2, len(t) + 1):
                            self.subphrases.add(tuple(_fold(w) for w in t[i:j]))

        self._name_words = by_start_and_length(sorted(
            {w for n in (x for ns in self.names.values() for x in ns) for w in n if len(w) >= 5 and w.isalpha()}))

    def names_in(self, question: str, sources: set[str]) -> list[tuple[str, ...]]:
        """The names of `sources` that `question` says (as spelled right), longest first."""
        q = self.spelled(tokens(question))
        got = {n for s in sources for n in self.names.get(s, ()) if _has(q, n)}
        got |= {tuple(tokens(u)) for s in sources for u in self.upper.get(s, ()) if re.search(rf"\b{re.escape(u)}\b", question)}
        # "lung cancer screening", not also the "cancer screening" and "lung cancer" inside it
        return [n for n in sorted(got, key=len, reverse=True)
                if not any(len(m) > len(n) and _has(list(m), n) for m in got)]

    def common_words(self, least: int) -> frozenset[str]:
        """The words (folded) that `least` pages or more use and no page's name has: the library's general
        vocabulary ("contagious"), as opposed to a thing a question names."""
        got = self._common.get(least)
        if got is None:
            counts: dict[str, int] = {}
            for words in self.words.values():
                for w in words:
                    counts[w] = counts.get(w, 0) + 1
            got = self._common[least] = frozenset(w for w, c in counts.items() if c >= least and w not in self.name_words)
        return got

    def uses_word(self, source: str, word: str) -> bool:
        """Does page `source` use `word` as it is (folded: singular, no accents)?"""
        return _fold(word) in self.words.get(source, ())

    def _abbreviation_supported(self, question: str, q: list[str], source: str, got: list) -> bool:
        """False when `source` is named only by an abbreviation typed in lower case that is also an
        everyday word ("prep", "pots") and none of the question's other words is on its page: "colonoscopy prep tips" is not about
        PrEP; "pots heart rate when standing" is about POTS (its page says heart, rate, standing)."""
        caps = self.caps.get(source, {})
        if not got or not all(n in caps for n in got):
            return True
        if any(re.search(rf"\b{re.escape(caps[n])}\b", question) for n in got):
            return True  # written as the page writes it
        if self.known_word is not None and all(not self.known_word(w) for n in got for w in n):
            return True  # no everyday word in lower case either: "whats a good ldl number"
        inside = {w for n in got for w in n}
        rest = [w for w in q if len(w) >= 3 and w not in GENERIC and w not in inside and not w.isdigit()]
        return not rest or any(_uses(self.words[source], w) for w in rest)

    def spelled(self, q: list[str]) -> list[str]:
        """`q` with each misspelt name word put right: a word of five or more letters that no page uses,
        near a word of a page name ("guillan barre" -> "guillain barre", "metformn" -> "metformin").
        A word a page uses is never changed ("hypothyroidism" is not "hyperthyroidism")."""
        out = list(q)
        for i, w in enumerate(q):
            if len(w) < 5 or not w.isalpha() or w in GENERIC or _fold(w) in self.all_words:
                continue
            got, _ = nearest(w, self._name_words)
            if got:
                out[i] = got
        return out

    def _candidates(self, q: list[str]) -> set[str]:
        """The pages with a name that shares a word with `q`: the only ones it can name or conflict with."""
        out: set[str] = set()
        for w in q:
            if w not in GENERIC:  # every name with "the" or "of" is no candidate for that alone
                out |= self.by_token.get(_fold(w), set())
        return out

    def named_in(self, question: str, q: list[str] | None = None, rare: set[str] = frozenset()) -> set[str]:
        """The pages `question` names; of two named pages where one's name is on the other page and not
        the reverse, the other ("lisinopril dry cough": the lisinopril page says "cough", the cough
        page never says "lisinopril"), unless the question compares them."""
        q = self.spelled(tokens(question)) if q is None else q
        matched: dict[str, list[tuple[str, ...]]] = {}
        for source in self._candidates(q) | {s for s in self.upper if s not in matched}:
            got = [n for n in self.names[source] if _has(q, n) or _coordinated(q, n)]
            got += [tuple(tokens(u)) for u in self.upper.get(source, ())
                    if re.search(rf"\b{re.escape(u)}\b", question)
                    or (u in _LOWER_OK and re.search(rf"\b{re.escape(u.lower())}\b", question))]
            if got and not self._abbreviation_supported(question, q, source, got):
                continue
            got = [n for n in got if not _other_sense(question, n)]
            if got:
                matched[source] = got
        if len(matched) > 1 and not _COMPARE.search(" ".join(q)):
            # a name inside a longer name the question says is not said: "lung cancer screening" names
            # the screening pages, not the lung cancer page
            said = [n for ns in matched.values() for n in ns]
            part = {a for a, ns in matched.items()
                    if all(any(len(m) > len(n) and _has(list(m), n) for m in said) for n in ns)}
            if part and part != set(matched):
                matched = {a: ns for a, ns in matched.items() if a not in part}
        if len(matched) > 1 and not _COMPARE.search(" ".join(q)):
            on = {(a, b): any(_has(self.text[b], n) for n in matched[a]) for a in matched for b in matched if a != b}
            # only a symptom page gives way ("cough", "headache", "fever" are on many pages); "colon
            # cancer screening" keeps the bowel cancer page and the screening overview
            plain = {a for a in matched if self.category.get(a) == "symptom"}
            inside = {a for a in plain if any(on[(a, b)] and not on[(b, a)] for b in matched if b != a)}
            if inside and inside != set(matched):
                return set(matched) - inside
        return set(matched)

    def subject(self, question: str, rare: list[str] = ()) -> Subject:
        """The question's named, conflicting and unnamed things (`rare`: its uncommon words, library.rare_words)."""
        q = self.spelled(tokens(question))
        named = self.named_in(question, q, {_fold(w) for w in rare})
        conflicting = set()
        for source in self._candidates(q) - named:
            words = self.words[source]
            for n in self.names[source]:
                if len(n) >= 2 and _conflicts(q, n, words):
                    conflicting.add(source)
                    break
        named_words = {_fold(w) for s in named for n in self.names[s] for w in n}
        unnamed: list[tuple[str, ...]] = []
        fq = [_fold(w) for w in q]
        rare_set = {_fold(w) for w in rare}
        for i in range(1, len(q)):
            m, h = q[i - 1], q[i]
            if fq[i] in self.heads and m not in GENERIC and not _designator(m) and (fq[i - 1], fq[i]) not in self.subphrases:
                # a name no page has, when no page ending in that head word uses the modifier at all
                # ("knee pain" is on the joint pain page; "tuberous" is on no "... sclerosis" page)
                if fq[i - 1] not in named_words and not any(
                        _uses(self.words[s], m) for s in self.by_head.get(fq[i], ())):
                    unnamed.append((m,))
        # uncommon words that name something: beside a head word or another uncommon word ("guillain barre")
        for i, w in enumerate(q):
            if _fold(w) not in rare_set or _fold(w) in self.name_words or any(w in e for e in unnamed):
                continue
            beside = [fq[j] for j in (i - 1, i + 1) if 0 <= j < len(q)]
            if any(b in self.heads or b in rare_set for b in beside):
                unnamed.append((w,))
        # an abbreviation no page is called ("TIPS procedure", "CJD"), unless the whole question is in capitals
        words = re.findall(r"[^\W_]+", question)
        caps = [w for w in words if _ABBREV.match(w)]
        if caps and sum(1 for w in words if w.isupper()) * 2 < len(words):
            upper = {u for s in named for u in self.upper.get(s, ())}
            for w in caps:
                t = _fold(w.lower())
                if t not in self.name_words and w not in upper and not any(w.lower() in e for e in unnamed):  # noqa
                    unnamed.append((w,))  # matched as written: "TIPS" is not "tips"
        # two unnamed words side by side are one name: "plantar fasciitis" is not answered by a line on
        # necrotising fasciitis
        for i in range(len(q) - 1):
            a, b = (q[i],), (q[i + 1],)
            # a word said twice ("Johnson & Johnson") is one entry already
            if a != b and a in unnamed and b in unnamed:
                unnamed[unnamed.index(a)] = (q[i], q[i + 1])
                unnamed.remove(b)
        return Subject(named=named, conflicting=conflicting, unnamed=unnamed)


def _other_sense(question: str, name: tuple[str, ...]) -> bool:
    """Is every use of the one-word `name` in `question` its everyday sense (_OTHER_SENSE)?"""
    rx = _OTHER_SENSE.get(name)
    if rx is None:
        return False
    uses = len(re.findall(rf"\b{re.escape(name[0])}s?\b", question, re.I))
    return uses > 0 and len(rx.findall(question)) >= uses


def _coordinated(q: list[str], name: tuple[str, ...]) -> bool:
    """"type 1 and type 2 diabetes" names "type 1 diabetes": the name's modifier, then within three
    words joined by and/or/vs, its head."""
    if len(name) < 2:
        return False
    mod, head = name[:-1], _fold(name[-1])
    n = len(mod)
    for i in range(len(q) - n + 1):
        if tuple(q[i:i + n]) != mod:
            continue
        rest = q[i + n:i + n + 5]
        for j, w in enumerate(rest):
            if _fold(w) == head:
                between = rest[:j]
                if between and len(between) <= 4 and any(b in ("and", "or", "vs", "versus") for b in between):
                    return True
                break
    return False


def _conflicts(q: list[str], name: tuple[str, ...], page_words: set[str]) -> bool:
    """`q` has `name`'s head after a different modifier that names something else, or its first word
    before a different word: a different designator ("hepatitis c" against "hepatitis b") or a word the
    page never uses nor spells nearly ("frozen pipe" against "frozen shoulder": the same modifier, another
    thing; "black poop" is not against "black stools", whose page says "poo")."""
    head, first = _fold(name[-1]), _fold(name[0])
    inside = {_fold(w) for w in name}
    for i, w in enumerate(q):
        fw = _fold(w)
        if i > 0 and fw == head and head not in _WEAK_HEADS and head not in GENERIC and not _designator(head):
            m = q[i - 1]
            if _fold(m) not in inside and m not in GENERIC and (_designator(m) or not _uses(page_words, m)):
                return True
        if i + 1 < len(q) and fw == first and first not in GENERIC:
            m = q[i + 1]
            if _fold(m) in inside or m in GENERIC:
                continue
            if _designator(name[1]) and _designator(m):
                return True
            if not _designator(name[1]) and not _designator(m) and not _uses(page_words, m) \
                    and not nearest(_fold(m), by_start_and_length(w for w in page_words if w))[0]:
                return True  # not even a near spelling on the page ("poop" is its "poo")
    return False
