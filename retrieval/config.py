"""Retrieval settings."""
from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class RetrievalSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    store_dir: str = Field(default="~/.cache/medrouter/collections", description="where collections live")
    chunk_size: int = Field(default=800, ge=100, description="characters per chunk")
    chunk_overlap: int = Field(default=100, ge=0)
    top_k: int = Field(default=4, ge=1, le=50)
    min_score: float = Field(default=0.3, description="best score under this: the documents do not cover the question")
    hybrid: bool = Field(default=True, description="fuse BM25 with dense search (reciprocal-rank fusion)")
    index_type: str = Field(default="auto", description="flat | hnsw | auto (hnsw past ann_threshold chunks)")
    ann_threshold: int = Field(default=50000, ge=1000)
    max_file_mb: float = Field(default=50.0, gt=0)
