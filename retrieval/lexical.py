"""BM25 as a sparse matrix: one row per term (postings), so a query touches only the postings of its
own terms. rank-bm25 scores every document for every query term in Python/numpy (O(N) per term);
this is the same Okapi BM25 formula (Lucene's always-positive idf) at a cost proportional to the
postings, which keeps lexical search within budget at 100k chunks."""
from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache

import numpy as np

# Numbers with units and ratios ("97/103", "1.5", "48%") are kept whole: they are what people ask for.
_TOKEN = re.compile(r"[a-z0-9]+(?:[./:][a-z0-9]+)*%?")
STOPWORDS = frozenset("""
a about above after again against all am an and any are as at be because been before being below
between both but by can could did do does doing down during each few for from further had has have
having he her here hers herself him himself his how i if in into is it its itself just me more most my
myself no nor not now of off on once only or other our ours out over own same she should so some such
than that the their theirs them then there these they this those through to too under until up very
was we were what when where which while who whom why will with would you your yours yourself
""".split())


@lru_cache(maxsize=1 << 16)
def singular(t: str) -> str:
    """The one plural rule of retrieval (BM25 terms here, page names in subject.py): light folding only
    ("puffs" -> "puff", "allergies" -> "allergy"; "virus", "sclerosis", "glass" stay). Medical words
    suffer from aggressive stemmers, and "ibuprofen"/"ibuprofens" is all a question needs. BM25 terms
    are stored with a built library: changing this rule needs a rebuild."""
    if len(t) > 4 and t.endswith("ies"):
        return t[:-3] + "y"
    if len(t) > 3 and t.endswith("s") and not t.endswith(("ss", "us", "is")):
        return t[:-1]
    return t


def by_start_and_length(words) -> dict[tuple[str, int], list[str]]:
    """`words` grouped by (first letter, length): the index `nearest` searches."""
    by: dict[tuple[str, int], list[str]] = {}
    for w in words:
        by.setdefault((w[0], len(w)), []).append(w)
    return by


def nearest(word: str, by: dict[tuple[str, int], list[str]], cutoff: float = 0.85) -> tuple[str | None, float]:
    """The one misspelling matcher (page names in subject.py, common words in library.py): the word of
    `by` (see `by_start_and_length`) with the same first letter nearest `word` by difflib's ratio, and
    that ratio; (None, 0.0) below `cutoff`. Only lengths whose best possible ratio (2*min/(a+b)) reaches
    the cutoff are read, so this finds what an exhaustive difflib.get_close_matches would (ties: the
    word later in sort order, as get_close_matches breaks them)."""
    import difflib

    n = len(word)
    m = difflib.SequenceMatcher()
    m.set_seq2(word)
    best, got = 0.0, None
    for k in range(max(1, int(n * cutoff / (2 - cutoff))), int(n * (2 - cutoff) / cutoff) + 2):
        if 2 * min(n, k) / (n + k) < cutoff:
            continue
        for v in by.get((word[0], k), ()):
            m.set_seq1(v)
            if m.real_quick_ratio() >= cutoff and m.quick_ratio() >= cutoff:
                r = m.ratio()
                if r >= cutoff and (r > best or (r == best and got is not None and v > got)):
                    best, got = r, v
    return got, best


def tokenize(text: str) -> list[str]:
    out = []
    for t in _TOKEN.findall(text.lower()):
        if t in STOPWORDS:
            continue
        out.append(singular(t))
        if t.endswith("%"):  # "48%" also answers "what percentage"
            out.append("percent")
        if "/" in t or "." in t.strip("."):  # also index the parts: "sacubitril/valsartan" -> both names
            out.extend(singular(p) for p in re.split(r"[./]", t) if p and p not in STOPWORDS and not p.isdigit())
    return out


def meta_tokens(title: str | None, date: str | None) -> set[str]:
    """Tokens of a document's title and date: they say which document a chunk or line is from, so
    line-level scoring leaves them out (best_line_scores' `exclude`)."""
    return set(tokenize(f"{title or ''} {date or ''}"))


class BM25Index:
    def __init__(self, docs_tokens: list[list[str]], k1: float = 1.5, b: float = 0.75):
        from scipy import sparse

        self.k1, self.b = k1, b
        self.n = len(docs_tokens)
        self.vocab: dict[str, int] = {}
        rows, cols, tfs = [], [], []
        lengths = np.zeros(self.n, dtype=np.float32)
        for d, toks in enumerate(docs_tokens):
            lengths[d] = len(toks)
            for t, c in Counter(toks).items():
                j = self.vocab.setdefault(t, len(self.vocab))
                rows.append(j)
                cols.append(d)
                tfs.append(c)
        avgdl = float(lengths.mean()) if self.n else 1.0
        rows_a = np.asarray(rows, dtype=np.int64)
        cols_a = np.asarray(cols, dtype=np.int64)
        tf = np.asarray(tfs, dtype=np.float32)
        df = np.bincount(rows_a, minlength=len(self.vocab)).astype(np.float32)
        self.idf = np.log1p((self.n - df + 0.5) / (df + 0.5)).astype(np.float32)
        norm = k1 * (1 - b + b * lengths[cols_a] / max(avgdl, 1e-9))
        w = self.idf[rows_a] * tf * (k1 + 1) / (tf + norm)
        # term x document, CSR: a query term's row is its postings list
        self.matrix = sparse.csr_matrix((w, (rows_a, cols_a)), shape=(len(self.vocab), self.n), dtype=np.float32)

    def _term_scores(self, term: str) -> np.ndarray | None:
        j = self.vocab.get(term)
        if j is None:
            return None
        row = self.matrix.getrow(j)
        out = np.zeros(self.n, dtype=np.float32)
        out[row.indices] = row.data
        return out

    def scores(self, query: Query) -> np.ndarray:
        """Sum over the query's concepts; a concept scores as its best alternative, an alternative
        (a phrase) as the mean of its tokens, so five synonyms of one drug count once, not five times."""
        total = np.zeros(self.n, dtype=np.float32)
        for alternatives, weight in query:
            best = None
            for phrase in alternatives:
                rows = [r for r in (self._term_scores(t) for t in phrase) if r is not None]
                if not rows:
                    continue
                v = np.sum(rows, axis=0) / len(phrase)
                best = v if best is None else np.maximum(best, v)
            if best is not None:
                total += weight * best
        return total

    def top(self, query: Query, n: int) -> list[tuple[int, float]]:
        s = self.scores(query)
        nz = np.flatnonzero(s)
        if nz.size == 0:
            return []
        if nz.size > n:
            nz = nz[np.argpartition(-s[nz], n - 1)[:n]]
        order = nz[np.argsort(-s[nz], kind="stable")]
        return [(int(i), float(s[i])) for i in order]


# A query is a list of concepts: (alternative phrases, each a token list; weight)
Query = list[tuple[list[list[str]], float]]


def query_terms(query: str, groups: list[tuple[str, ...]] | None = None) -> Query:
    """Concepts of a query: each synonym group it mentions (all members as alternatives), then each
    remaining token on its own."""
    concepts: Query = []
    covered: set[str] = set()
    for group in groups or []:
        alts = [tokenize(term) for term in group]
        alts = [a for a in alts if a]
        if alts:
            concepts.append((alts, 1.0))
        for term in group:
            if re.search(r"(?<![\w/])" + re.escape(term) + r"(?![\w/])", query, re.I):
                covered.update(tokenize(term))
    for t in tokenize(query):
        if t not in covered:
            concepts.append(([[t]], 1.0))
    return concepts


def best_line_scores(bm25: BM25Index, query: Query, chunks_lines: list[list[list[str]]],
                     exclude: list[set[str]] | None = None) -> np.ndarray:
    """Term proximity for a few candidate chunks: each chunk's best single line, scored with BM25
    (the collection's idf, k1, b over line lengths). The line that holds "LVEF ... 48%" beats a
    section that mentions "ejection fraction" in one line and "2024" in another. `exclude[c]`:
    tokens not counted for chunk c (its document's title and date: they say which document, the
    chunk prefix and dense search already use them, and they would make the title line win)."""
    n = len(chunks_lines)
    out = np.zeros(n, dtype=np.float32)
    lengths = [len(t) for lines in chunks_lines for t in lines]
    avg = (sum(lengths) / len(lengths)) if lengths else 1.0
    k1, b = bm25.k1, bm25.b
    idf = {}
    for alternatives, _ in query:
        for phrase in alternatives:
            for t in phrase:
                j = bm25.vocab.get(t)
                idf[t] = float(bm25.idf[j]) if j is not None else 0.0
    for c, lines in enumerate(chunks_lines):
        skip = exclude[c] if exclude else ()
        best = 0.0
        for toks in lines:
            counts = Counter(toks)
            norm = k1 * (1 - b + b * len(toks) / max(avg, 1e-9))
            total = 0.0
            for alternatives, weight in query:
                concept = 0.0
                for phrase in alternatives:
                    s = 0.0
                    for t in phrase:
                        tf = counts.get(t, 0)
                        if tf and t not in skip:
                            s += idf[t] * tf * (k1 + 1) / (tf + norm)
                    concept = max(concept, s / len(phrase))
                total += weight * concept
            best = max(best, total)
        out[c] = best
    return out
