"""Expert settings: one block per expert in `experts.yaml`."""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

# the weights file of an `adapter:` folder (peft's save_pretrained), read by the runtime and the vLLM launcher
WEIGHTS = "adapter_model.safetensors"


class GenerationSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    max_new_tokens: int = Field(default=192, ge=1, le=8192)
    temperature: float = Field(default=0.0, ge=0.0, le=2.0, description="0 = greedy (deterministic)")
    top_p: float = Field(default=1.0, gt=0.0, le=1.0)
    repetition_penalty: float = Field(default=1.1, ge=1.0, le=2.0)
    stop: list[str] = Field(default_factory=list, description="extra stop strings")
    repeat_ngram: int = Field(default=8, ge=0, description="stop when an n-gram of this size repeats this often; 0 = off")
    repeat_times: int = Field(default=3, ge=2)


class GroundingSpec(BaseModel):
    """What an expert's answers are checked against, and what happens when nothing covers a request."""

    model_config = ConfigDict(extra="forbid")

    source: Literal["none", "documents", "reference", "input"] = Field(default="none", description=(
        "documents: the user's collection; reference: the reference library; input: the request's own "
        "document (summaries); none: nothing"))
    required: bool = Field(default=True, description=(
        "true: when the source does not cover the request, say so (never answer from the model's weights); "
        "false: answer anyway, labelled 'not checked against a source'"))
    answer: Literal["quotes", "model"] = Field(default="model", description=(
        "quotes: the lines of the source that answer are the answer, each with its [n]; model: the expert "
        "writes from the excerpts, unsupported sentences are left out, the answering lines quoted below"))
    lines: int = Field(default=3, ge=1, le=10, description="answering lines quoted (answer: quotes)")


class ExpertSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[a-z][a-z0-9_\-]*$")
    route: str = Field(description="the route whose requests this expert serves")
    description: str = ""
    system_prompt: str
    adapter: str | None = Field(default=None, description="LoRA adapter folder (save_pretrained); none = base model")
    uses_retrieval: bool = Field(default=False, description="shorthand for grounding.source: documents")
    grounding: GroundingSpec = Field(default_factory=GroundingSpec)
    few_shot: list[dict[str, str]] = Field(default_factory=list, description="[{user: .., assistant: ..}]")
    generation: GenerationSettings = Field(default_factory=GenerationSettings)

    @model_validator(mode="after")
    def _one_grounding(self):
        # `uses_retrieval: true` and `grounding.source: documents` say the same thing: keep both in step
        if self.uses_retrieval and self.grounding.source == "none":
            self.grounding = self.grounding.model_copy(update={"source": "documents"})
        self.uses_retrieval = self.grounding.source == "documents"
        return self
