"""Hashed word and character n-grams: the lexical half of the head's features.

Sentence embeddings carry meaning but blur spelling ("sumarize my dischrage leter"), rare words and
languages MiniLM was not trained on ("Zusammenfassung bitte"). Hashed n-grams carry exactly those,
need no vocabulary (so nothing to store beyond the bucket count) and cost well under a
millisecond on the routing text. Stable across processes: crc32, not Python's salted hash().
"""
from __future__ import annotations

import re
import zlib

import numpy as np

_TOKEN = re.compile(r"\w+", re.UNICODE)


def ngram_features(texts: list[str], buckets: int) -> np.ndarray:
    """(B, buckets) float32: log(1 + count) of word 1-2-grams and char 3-5-grams, L2-normalised."""
    out = np.zeros((len(texts), buckets), dtype=np.float32)
    for i, text in enumerate(texts):
        words = _TOKEN.findall(text.lower())
        grams = [f"w:{w}" for w in words] + [f"b:{a} {b}" for a, b in zip(words, words[1:])]
        for w in words:
            padded = f"<{w}>"
            for n in (3, 4, 5):
                grams.extend(f"c:{padded[j:j + n]}" for j in range(len(padded) - n + 1))
        row = out[i]
        for g in grams:
            row[zlib.crc32(g.encode()) % buckets] += 1.0
        np.log1p(row, out=row)
        norm = float(np.linalg.norm(row))
        if norm > 0:
            row /= norm
    return out
