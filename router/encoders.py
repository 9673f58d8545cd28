"""Encoders: text -> unit-length vectors. A registry, so another embedding backend is one class."""
from __future__ import annotations

from collections.abc import Callable

import numpy as np

ENCODERS: dict[str, Callable] = {}


def register_encoder(name: str):
    def deco(cls):
        ENCODERS[name] = cls
        return cls
    return deco


@register_encoder("sentence_transformers")
class SentenceTransformerEncoder:
    """The configured sentence-transformers model (embedded MiniLM by default), shared with retrieval
    through `medrouter.models.load_embedder` so it is loaded once per process."""

    def __init__(self, settings, model=None):
        from medrouter.models import load_embedder

        self.model = model if model is not None else load_embedder(settings)
        self.batch_size = settings.embedding_model.batch_size
        dim = getattr(self.model, "get_embedding_dimension", None) or self.model.get_sentence_embedding_dimension
        self.dim = int(dim())
        self.name = settings.embedding_model.path

    def encode(self, texts: list[str]) -> np.ndarray:
        """(B, dim) float32, L2-normalised. Inputs longer than the model's max_seq_length are
        truncated by the tokenizer; the router already hands it only the instruction part."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return self.model.encode(texts, normalize_embeddings=True, convert_to_numpy=True,
                                 batch_size=self.batch_size, show_progress_bar=False).astype(np.float32)
