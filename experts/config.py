"""Expert settings: one block per expert in `experts.yaml`."""
from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

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


class ExpertSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[a-z][a-z0-9_\-]*$")
    route: str = Field(description="the route whose requests this expert serves")
    description: str = ""
    system_prompt: str
    adapter: str | None = Field(default=None, description="LoRA adapter folder (save_pretrained); none = base model")
    uses_retrieval: bool = Field(default=False, description="ground answers in the user's documents")
    few_shot: list[dict[str, str]] = Field(default_factory=list, description="[{user: .., assistant: ..}]")
    generation: GenerationSettings = Field(default_factory=GenerationSettings)
