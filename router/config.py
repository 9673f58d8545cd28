"""Router settings: the part of `experts.yaml` that the router reads."""
from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class RouteSpec(BaseModel):
    """A route is data: a name, a description and example utterances (semantic-router style)."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$", description="route id, e.g. medical_qa")
    description: str = ""
    examples: list[str] = Field(default_factory=list, description="example utterances for this route")
    threshold: float | None = Field(
        default=None, ge=0.0, le=1.0,
        description="minimum confidence for this route; below it the request is refused as out of scope",
    )


class RouterSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    classifier: str = Field(default="logreg", description="registered classifier name (router.base.CLASSIFIERS)")
    encoder: str = Field(default="sentence_transformers",
                         description="registered encoder name (router.encoders.ENCODERS); uses embedding_model")
    # Measured (5-fold CV on data/routing/train, frozen MiniLM, same run): last layer only 0.939
    # accuracy / OOS recall 0.933, log loss 0.194; last + 4th of 6 (-1, -3) 0.948 / 0.960, 0.160.
    # Free at run time: the same forward pass, two poolings.
    pool_layers: list[int] = Field(default=[-1, -3], min_length=1, max_length=6, description=(
        "hidden layers of the encoder mean-pooled and concatenated for routing (-1 = last); "
        "the plain sentence-transformers vector is [-1]"))
    out_of_scope_route: str = "out_of_scope"
    train_file: str | None = Field(default=None, description="labeled JSONL (text, label[, has_documents]) used by `router fit`")
    dev_file: str | None = Field(default=None, description="labeled JSONL held out for `medrouter eval router` (never fitted on)")
    head_path: str | None = Field(default=None, description="fitted head (.safetensors) written by `medrouter router fit`")
    min_confidence: float | None = Field(
        default=None, ge=0.0, le=1.0,
        description="confidence floor under which an in-scope route is refused; null = the threshold fitted "
                    "by `router fit` (logreg) or the classifier's default",
    )
    max_route_chars: int = Field(default=1000, ge=50,
                                 description="long inputs are routed on their instruction part, at most this many chars")
