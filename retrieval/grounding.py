"""Grounding an answer in the excerpts it was given.

Two checks a reader of a grounded answer would make, done for them:

- **Evidence**: the lines of the excerpts that answer the question, quoted verbatim with the [n] of
  their excerpt. Every line of the retrieved chunks is ranked by reciprocal-rank fusion of three
  orders: BM25 of the line (the collection's idf, synonym groups; the document's title and date do
  not count), cosine of the line's MiniLM vector with the query's, and the rank of its chunk. On
  data/eval_docs the best two lines hold the answer for 60 of 74 questions (the top-1 chunk: 56).
- **Claim check**: a sentence the model wrote is kept only if each number in it and each word that is
  neither common English nor the user's own occurs in the excerpts it cites, each number in a line
  that names what the sentence is about. A 135M model copies "97/103 mg" next to the wrong drug or
  invents "bisoprolleglinol"; those sentences are left out (and listed), so what the user reads is
  either in their documents or plainly general wording. It cannot catch a number that does stand
  beside the right drug in another role ("Bisoprolol 2.5 mg and 5 mg tablets | 7.5 mg once daily"
  read as "take 2.5 mg").
"""
from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from .chunking import units
from .fusion import rrf
from .lexical import BM25Index, best_line_scores, meta_tokens, query_terms, tokenize
from .lexical import singular as _fold  # the one plural rule (BM25 terms, page names)
from .loaders import YEAR_RE  # a year dates the document, not the thing a sentence is about
from .synonyms import expand, groups_in

QUOTE_CHARS = 400  # longest quoted line
_NUMBER = re.compile(r"\d+(?:[.,/:]\d+)*(?:\s?%)?")
_WORD = re.compile(r"[A-Za-z][A-Za-z\-]{4,}")
_CITE = re.compile(r"\s*\[(\d{1,2})\]")
_LINE = re.compile(r"\n+|(?<=[.!?])\s+(?=[A-Z])")
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z\[(\"'])|\n+")
# "Yes." / "No, it is not." alone: a stance on the user's question that no excerpt word can support
# (the advice model answered "Yes." to "Do I still have to limit what I drink?" when the plan said no)
_FILLER = r"(?:it|is|isn't|you|can|can't|cannot|should|shouldn't|do|don't|does|doesn't|will|won't|are|aren't|" \
          r"not|need|to|that|this|i|we|they|be|have|may|must|still|so)"
_STANCE_ONLY = re.compile(rf"(?i)^\W*(?:yes|no|yeah|nope)\b[\s,.!]*(?:{_FILLER}[\s,]*){{0,4}}[.!]?$")


@dataclass
class Evidence:
    index: int  # the excerpt's [n] (1-based, as the answer cites it)
    text: str  # the line, verbatim, with the heading it sits under
    score: float  # fused rank score (higher is better)

    def to_dict(self) -> dict:
        return {"index": self.index, "text": self.text, "score": round(self.score, 5)}


class _Excerpt:  # what select_evidence reads of a retrieval Hit
    text: str
    section: str | None
    title: str | None
    date: str | None


def select_evidence(query: str, excerpts: Sequence[_Excerpt], embed: Callable[[list[str]], np.ndarray],
                    bm25: BM25Index | None = None, n: int = 2, chunk_weight: float = 2.0,
                    sentences: bool = False, keep: Callable[[str], bool] | None = None,
                    boost: Sequence[float] | None = None,
                    line_boost: Callable[[str], float] | None = None, lead_boost: float = 0.0) -> list[Evidence]:
    """The `n` lines of `excerpts` (retrieval hits, best first) that best answer `query`.
    `sentences`: every sentence is a line of its own (reference pages, written one fact a sentence,
    are quoted sentence by sentence; a user's document keeps its lines: table rows, list items).
    `keep(line)`: only the lines it accepts are candidates; `boost[i]`: added to the fused score of every
    line of excerpt i (the sections the question asks for); `line_boost(line)`: added to that line's;
    `lead_boost`: added to the first line of each excerpt (a page section's lead sentence)."""
    if n <= 0 or not excerpts:
        return []
    lines: list[tuple[int, str]] = []
    leads: set[int] = set()
    max_len = 0 if sentences else 300
    for i, ex in enumerate(excerpts):
        own = [u for u in units(ex.text, getattr(ex, "section", None), max_len=max_len)
               if u.strip() and (keep is None or keep(u))]
        if own:
            leads.add(len(lines))
        lines.extend((i, u) for u in own)
    if not lines:
        return []
    # A line under the document's title heading carries the title as its prefix: for the dense
    # order it is left out, or "Echocardiogram Report — 2021: Location: ..." wins every question
    # that names the scan.
    vecs = embed([expand(query)] + [_without_title(u, getattr(excerpts[i], "title", None)) for i, u in lines])
    dense = vecs[1:] @ vecs[0]
    fused = np.array([rrf(i, chunk_weight) + (boost[i] if boost else 0.0) + (line_boost(u) if line_boost else 0.0)
                      + (lead_boost if j in leads else 0.0) for j, (i, u) in enumerate(lines)], dtype=np.float64)
    for rank, j in enumerate(np.argsort(-dense, kind="stable")):
        fused[j] += rrf(rank)
    if bm25 is not None:
        q = query_terms(query, groups_in(query))
        meta = [meta_tokens(getattr(ex, "title", None), getattr(ex, "date", None)) for ex in excerpts]
        lex = best_line_scores(bm25, q, [[tokenize(u)] for _, u in lines], [meta[i] for i, _ in lines])
        for rank, j in enumerate(np.argsort(-lex, kind="stable")):
            if lex[j] <= 0:
                break
            fused[j] += rrf(rank)
    out, seen = [], set()
    for j in np.argsort(-fused, kind="stable"):
        i, text = lines[int(j)]
        key = " ".join(text.split()).lower()
        if key in seen:
            continue
        seen.add(key)
        out.append(Evidence(index=i + 1, text=_clip(" ".join(text.split())), score=float(fused[j])))
        if len(out) == n:
            break
    return out


def _clip(line: str, limit: int = QUOTE_CHARS) -> str:
    """A quote of at most `limit` characters, cut at a word boundary (a table row or a paragraph
    without sentence ends can be one very long line)."""
    if len(line) <= limit:
        return line
    return line[:limit].rsplit(" ", 1)[0].rstrip(" ,;:") + " …"


def _without_title(line: str, title: str | None) -> str:
    if title and line.startswith(title + ":"):
        rest = line[len(title) + 1:].strip()
        return rest or line
    return line


def _words(text: str) -> set[str]:
    out = set()
    for w in _WORD.findall(text):
        w = w.lower().strip("-")
        out.add(w)
        out.update(p for p in w.split("-") if p)
    return out




@dataclass
class ClaimCheck:
    kept: str  # the model's text without unsupported sentences (citations to missing excerpts removed)
    dropped: list[str]  # the sentences left out, verbatim
    cited: list[int]  # excerpts the kept text cites


def _numbers(text: str) -> set[str]:
    """Numbers as written, "48%" also as "48" (a claim of "48" is supported by "48%", not the reverse)."""
    out = set()
    for x in _NUMBER.findall(text):
        x = x.replace(" ", "")
        out.add(x)
        out.add(x.rstrip("%"))
    return out


def check_claims(text: str, excerpts: Sequence[str], question: str = "",
                 known_word: Callable[[str], bool] | None = None) -> ClaimCheck:
    """Keep the sentences of `text` whose numbers and uncommon words all occur in the excerpts it cites
    (all excerpts when it cites none) or in the question. A bare yes/no ("Yes.", "No, you can't.")
    is left out: the stance is the claim, and no excerpt word can support it. `known_word(w)`: True
    for common words that need no support (e.g. a whole entry of the embedding model's vocabulary);
    None checks numbers only."""
    n_ex = len(excerpts)
    q_numbers, q_words = _numbers(question), {_fold(w) for w in _words(question)}
    ex_numbers = [_numbers(e) for e in excerpts]
    ex_words = [{_fold(w) for w in _words(e)} for e in excerpts]
    # per line of each excerpt: (its numbers, its words), for "is the number next to what it is about"
    ex_lines = [[(_numbers(ln), {_fold(w) for w in _words(ln)}) for ln in _LINE.split(e) if ln.strip()]
                for e in excerpts]
    kept, dropped, cited = [], [], set()
    for sentence in (s.strip() for s in _SENTENCE.split(text.strip())):
        if not sentence:
            continue
        refs = [int(m) for m in _CITE.findall(sentence)]
        if any(r < 1 or r > n_ex for r in refs):
            # a citation to an excerpt that does not exist: the marker goes, the sentence is judged on its own
            sentence = _CITE.sub(lambda m: m.group(0) if 1 <= int(m.group(1)) <= n_ex else "", sentence)
            refs = [r for r in refs if 1 <= r <= n_ex]
        support = sorted(set(refs)) or list(range(1, n_ex + 1))
        numbers = q_numbers.union(*(ex_numbers[r - 1] for r in support))
        words = q_words.union(*(ex_words[r - 1] for r in support))
        plain = _CITE.sub(" ", sentence)
        claimed = [n.replace(" ", "") for n in _NUMBER.findall(plain)]
        uncommon = [] if known_word is None else [w for w in _words(plain) if not known_word(w)]
        bad_num = [x for x in claimed if x not in numbers]
        bad_word = [w for w in uncommon if _fold(w) not in words]
        if not (bad_num or bad_word) and known_word is not None:
            # a number must stand in a line that names what the sentence says it is about: "bisoprolol
            # 2.5 mg" is not supported by "Bisoprolol 7.5 mg" and "Ramipril 2.5 mg" on two lines
            anchors = {_fold(w) for w in uncommon} & words
            if anchors:
                lines = [ln for r in support for ln in ex_lines[r - 1] if ln[1] & anchors]
                bad_num = [x for x in claimed
                           if x not in q_numbers and not YEAR_RE.fullmatch(x) and not any(x in nums for nums, _ in lines)]
        if bad_num or bad_word or _STANCE_ONLY.match(plain.strip()):
            dropped.append(sentence)
            continue
        kept.append(sentence)
        cited.update(refs)
    return ClaimCheck(kept=" ".join(kept), dropped=dropped, cited=sorted(cited))


def vocabulary_checker(tokenizer) -> Callable[[str], bool] | None:
    """`known_word` from a WordPiece tokenizer (MiniLM's): a word that is one whole vocabulary entry
    is common English; names and invented words split into pieces. None for other tokenizers."""
    vocab = getattr(tokenizer, "vocab", None)
    if not isinstance(vocab, dict) or not any(k.startswith("##") for k in list(vocab)[:5000]):
        return None
    lower = bool(getattr(tokenizer, "do_lower_case", True))
    return lambda w: (w.lower() if lower else w) in vocab or _fold(w.lower()) in vocab
