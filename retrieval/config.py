"""Retrieval settings (the `retrieval:` section of experts.yaml)."""
from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class RetrievalSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    store_dir: str = Field(default="~/.cache/medrouter/collections", description="where collections live")
    chunk_size: int = Field(default=800, ge=100, description="characters per chunk (split inside a section)")
    chunk_overlap: int = Field(default=100, ge=0)
    top_k: int = Field(default=4, ge=1, le=50)
    # Tuned on data/eval_docs (bench/retrieval.py prints both distributions): with the default
    # chunk vectors the 60 answerable questions' best cosine is >= 0.26, unrelated questions'
    # <= 0.21; 0.23 sits between. (With line_vectors on: >= 0.38 vs <= 0.27.)
    min_score: float = Field(default=0.23, description="best score under this: the documents do not cover the question")
    hybrid: bool = Field(default=True, description="fuse BM25 with dense search (reciprocal-rank fusion)")
    candidates: int = Field(default=50, ge=1, le=1000, description="candidates each of dense and BM25 bring to the fusion")
    # Off by default: on data/eval_docs line vectors add +1.7 points answer@1 (0.650 -> 0.667) for
    # about 4x the embedding work at ingest (bench/retrieval.py).
    line_vectors: bool = Field(default=False, description="also embed each line of a chunk (small-to-big matching)")
    line_weight: float = Field(default=1.0, ge=0.0, description="weight of the best-line ranking in the fusion")
    lexical_weight: float = Field(default=2.0, ge=0.0, description="weight of the BM25 ranking in the fusion")
    # Measured on data/eval_docs (bench/retrieval.py): answer@1 0.700 -> 0.750 with weight 1.
    line_lexical_weight: float = Field(default=1.0, ge=0.0, description=(
        "weight of the best-single-line BM25 ranking of the candidates in the fusion (term proximity)"))
    line_candidates: int = Field(default=30, ge=1, le=1000, description="how many top fused candidates the line rerank reorders")
    query_threads: int = Field(default=1, ge=0, description="torch and faiss threads for one query (0: leave as is)")
    date_weight: float = Field(default=1.0, ge=0.0, description="boost for documents dated in a year the question names")
    # Grounded answers (retrieval/grounding.py). Measured on data/eval_docs (74 questions, per-patient
    # collections, top 4 excerpts): the best line holds the answer for 49, the best two for 60
    # (the whole top-1 chunk: 56).
    evidence_lines: int = Field(default=2, ge=0, le=10, description=(
        "lines of the excerpts quoted verbatim, with their [n], under a grounded answer (0: none)"))
    check_claims: bool = Field(default=True, description=(
        "leave out sentences of a grounded answer whose numbers or uncommon words are not in the excerpts"))
    index_type: str = Field(default="auto", description="flat | hnsw | auto (hnsw past ann_threshold chunks)")
    ann_threshold: int = Field(default=50000, ge=1000)
    max_file_mb: float = Field(default=50.0, gt=0)


class ReferenceSource(BaseModel):
    """One source of a reference library: one YAML line, e.g. `{type: medlineplus_xml, path: mplus.xml}`."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    type: str = Field(description="reader: pages | medlineplus_xml | medquad_xml | dataset (retrieval/reference.py)")
    path: str | None = Field(default=None, description="local file or folder (relative to the config file)")
    name: str | None = Field(default=None, description="hub dataset name (type dataset), e.g. gamino/wiki_medical_terms")
    split: str = Field(default="train", description="dataset split (type dataset)")
    schema_name: str | None = Field(default=None, alias="schema", description=(
        "dataset column mapping (wiki_medical_terms | medical_meadow_wikidoc | medquad_qa); default: from the columns"))
    language: str | None = Field(default=None, description="MedlinePlus topic language (default English)")
    label: str | None = Field(default=None, description="name shown with each citation (default: the source's own)")
    licence: str | None = Field(default=None, description="licence shown with each citation (default: the source's own)")
    limit: int | None = Field(default=None, ge=1, description="at most this many pages (a quick trial build)")


class ReferenceSettings(BaseModel):
    """The reference library medical answers are grounded in (the `reference:` section)."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(default="library", description="the library's name (a collection in store_dir)")
    store_dir: str = Field(default="~/.cache/medrouter/reference", description=(
        "where reference libraries live: apart from the users' collections, so the two never mix"))
    sources: list[ReferenceSource] = Field(default_factory=list)
    top_k: int = Field(default=4, ge=1, le=20, description="excerpts of the library an answer may cite")
    min_score: float | None = Field(default=None, description=(
        "best excerpt's cosine under this: the library does not cover the question (null: the fitted floor)"))
