"""FAISS indexes over L2-normalised embeddings (inner product = cosine), written with
`faiss.write_index` and read with `faiss.read_index` — never pickle. A registry maps `index_type`
to a builder, so adding IVF or PQ is one function."""
from __future__ import annotations

from collections.abc import Callable

import numpy as np

from medrouter.core.errors import RetrievalError

IndexBuilder = Callable[[int], object]
INDEX_TYPES: dict[str, IndexBuilder] = {}


def register_index(name: str):
    def deco(fn: IndexBuilder) -> IndexBuilder:
        INDEX_TYPES[name] = fn
        return fn
    return deco


@register_index("flat")
def _flat(dim: int):
    import faiss

    return faiss.IndexFlatIP(dim)  # exact; fine up to tens of thousands of chunks


@register_index("hnsw")
def _hnsw(dim: int):
    import faiss

    index = faiss.IndexHNSWFlat(dim, 32, faiss.METRIC_INNER_PRODUCT)
    index.hnsw.efConstruction = 80  # build quality vs ingest time
    index.hnsw.efSearch = 96  # recall vs query time; searched candidates >= k anyway
    return index


def choose_type(index_type: str, n_vectors: int, ann_threshold: int) -> str:
    if index_type == "auto":
        return "hnsw" if n_vectors > ann_threshold else "flat"
    if index_type not in INDEX_TYPES:
        raise RetrievalError(f"unknown retrieval.index_type '{index_type}'; known: auto, {', '.join(INDEX_TYPES)}")
    return index_type


def build(vectors: np.ndarray, kind: str):
    index = INDEX_TYPES[kind](vectors.shape[1])
    if len(vectors):
        index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    return index


def set_search_depth(index, k: int) -> None:
    """HNSW must explore at least k candidates to return k."""
    hnsw = getattr(index, "hnsw", None)
    if hnsw is not None and hnsw.efSearch < k:
        hnsw.efSearch = k


def all_vectors(index) -> np.ndarray:
    """The stored vectors (Flat and HNSWFlat keep them), to rebuild after a removal without re-embedding."""
    if index.ntotal == 0:
        return np.zeros((0, index.d), dtype=np.float32)
    return index.reconstruct_n(0, index.ntotal)


def write(index, path: str) -> None:
    import faiss

    faiss.write_index(index, path)


def read(path: str):
    import faiss

    try:
        return faiss.read_index(path)
    except RuntimeError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else "unreadable"
        raise RetrievalError(f"index file {path} is corrupted ({first[:160]})") from None
