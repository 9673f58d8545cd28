"""A very short request that is nothing but a medical name: "INR?", "what's in a CBC", "ECG vs EKG?".

The head refuses some of these (dev2: "INR?" P(in scope) 0.22, "what's in a CBC"): two to six words give
its encoder little to go on, and abbreviations look like the tech / finance ones of the out-of-scope
data ("API?", "P/E ratio?"). The reference library already knows the medical names: every page's
`title` and `aliases` in its front matter (data/reference/pages, 415 pages, ~3,300 names; only the front
matter is read). A request of at most `MAX_WORDS` words in which every word is part of such a name or
a question scaffold word ("what's", "normal range", "vs", "c'est quoi") asks what that name means.

A one-word name that is also a word of an out-of-scope training request (router.train_file and the
out-of-scope route's examples: "cold" of "cold feet", "stroke" of a swimming stroke, "test", "shot",
"US") does not count on its own: on train, dev and dev2 no out-of-scope request is such a request
(router/README.md).
"""
from __future__ import annotations

import functools
import json
import re
from pathlib import Path

from medrouter.core.pages import front_matter

MAX_WORDS = 6
_MAX_PHRASE = 6
_TOKEN = re.compile(r"[^\W_](?:[\w+/'’.-]*[\w+])?")
_PARENS = re.compile(r"\s*[()]\s*")
# A phrase an out-of-scope request quotes is asked about as language: "What does 'cold feet' mean?"
_QUOTED = re.compile(r"(?:^|\s)['\"‘“]([^'\"‘’“”]{2,60})['\"’”]")
# Words that only shape the question (six languages); never a medical name on their own.
SCAFFOLD = frozenset("""
what what's whats wat is are was a an the in of vs versus v or and mean means meaning meant stand stands for
define definition explain tell me about does do it its it's this that normal range ranges level levels
value values high low elevated raised test tests result results check abbreviation acronym full form
c'est quoi qu'est-ce que qu'est ce un une le la les des du de l' d' signifie veut dire
ist sind ein eine der die das bedeutet heißt heisst
qué que es son una el los las
cos'è cosa è il lo gli i vuol
o é um uma os as quer dizer
""".split())
# Names of common tests and scans in the other five languages, which the English library's titles and
# aliases lack ("c'est quoi une IRM", "¿qué es una ecografía?", "Was ist ein Blutbild?"): read like the
# library's names, so the same out-of-scope filter applies. On train they make 16 more term questions,
# all medical_qa (and no out-of-scope request of train / dev / dev2: router/README.md, ROUND9.md).
# No bare "flutter" (a UI framework): "atrial flutter" only.
EXTRA_NAMES = (
    "irm", "rmn", "tac", "mrt", "mrt-untersuchung", "résonance magnétique", "resonancia", "resonancia magnética",
    "risonanza", "risonanza magnetica", "ressonância", "ressonância magnética", "échographie", "écho", "ecografía",
    "ecografia", "ultraschall", "radiographie", "radiografía", "radiografia", "tomografía", "tomografia",
    "analítica", "hemograma", "emocromo", "blutbild", "prise de sang", "bilan sanguin", "análisis de sangre",
    "esame del sangue", "exame de sangue", "atrial flutter",
)


def tokens(text: str) -> list[str]:
    return [t.lower().replace("’", "'") for t in _TOKEN.findall(text)]


def _front_matter_names(path: Path) -> list[str]:
    import yaml

    with open(path, encoding="utf-8") as fh:
        head = fh.read(4000)
    try:
        got = front_matter(head)
    except yaml.YAMLError:
        return []
    fm = got[0] if got else None
    if not isinstance(fm, dict):
        return []
    aliases = fm.get("aliases") or []
    return [str(fm.get("title") or "")] + [str(a) for a in (aliases if isinstance(aliases, list) else [aliases])]


@functools.lru_cache(maxsize=8)
def _lexicon(page_dirs: tuple[str, ...], oos_files: tuple[str, ...], oos_texts: tuple[str, ...]) -> frozenset:
    names: set[tuple[str, ...]] = set()
    for d in page_dirs:
        root = Path(d)
        files = [root] if root.is_file() else sorted(root.rglob("*.md"))
        for f in files:
            if f.name.lower() == "readme.md":
                continue
            for name in _front_matter_names(f):
                for part in _PARENS.split(name):  # "Atrial fibrillation (AF)": both halves
                    t = tuple(tokens(part))
                    if t and len(t) <= _MAX_PHRASE and not all(w in SCAFFOLD for w in t):
                        names.add(t)
    names.update(tuple(tokens(n)) for n in EXTRA_NAMES)
    oos_words: set[str] = set()
    quoted: set[tuple[str, ...]] = set()

    def seen(text: str) -> None:
        oos_words.update(tokens(text))
        quoted.update(tuple(tokens(q)) for q in _QUOTED.findall(text))
    for text in oos_texts:
        seen(text)
    for f in oos_files:
        with open(f, encoding="utf-8") as fh:
            for line in fh:
                row = json.loads(line) if line.strip() else {}
                if row.get("label") == "out_of_scope":
                    seen(row.get("text", ""))
    # a one-word name that is a word of an out-of-scope request ("cold" of "cold feet"), or a name that
    # such a request quotes as an idiom ("cold feet", an alias of cold hands and feet), does not count
    return frozenset(n for n in names if not (len(n) == 1 and n[0] in oos_words) and n not in quoted)


class MedicalTerms:
    """The library's medical names, for `is_term_question`."""

    def __init__(self, names: frozenset):
        self.names = names

    @classmethod
    def from_settings(cls, settings) -> "MedicalTerms":
        """Names of the configured `pages` reference sources; empty (the rule off) when there are none."""
        ref = getattr(settings, "reference", None)
        dirs = []
        for src in getattr(ref, "sources", None) or []:
            path = getattr(src, "path", None)
            if getattr(src, "type", None) == "pages" and path and Path(path).expanduser().exists():
                dirs.append(str(Path(path).expanduser().resolve()))
        if not dirs:
            return cls(frozenset())
        rs = settings.router
        oos_files = tuple(f for f in [rs.train_file] if f and Path(f).is_file())
        oos_texts = tuple(ex for r in settings.routes if r.name == rs.out_of_scope_route for ex in r.examples)
        return cls(_lexicon(tuple(dirs), oos_files, oos_texts))

    def is_term_question(self, instruction: str) -> bool:
        """At most MAX_WORDS words, every one part of a medical name or a scaffold word, one name at least."""
        if not self.names:
            return False
        t = tokens(instruction)
        if not t or len(t) > MAX_WORDS:
            return False
        covered = [False] * len(t)
        i, hit = 0, False
        while i < len(t):
            n = next((n for n in range(min(_MAX_PHRASE, len(t) - i), 0, -1) if tuple(t[i:i + n]) in self.names), 0)
            if n:
                covered[i:i + n] = [True] * n
                hit, i = True, i + n
            else:
                i += 1
        return hit and all(c or w in SCAFFOLD for c, w in zip(covered, t))
