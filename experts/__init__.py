"""experts/ generates: one base model, one LoRA adapter per expert, answers that always stop."""
from .runtime import ExpertPool, Generation, GenerationRequest

__all__ = ["ExpertPool", "Generation", "GenerationRequest"]
