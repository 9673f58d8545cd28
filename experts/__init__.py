"""experts/ generates: one base model, one LoRA adapter per expert, answers that always stop."""
from .backends import BACKENDS, Backend, BackendError, load_backend, register_backend
from .runtime import ExpertPool, Generation, GenerationRequest

__all__ = ["BACKENDS", "Backend", "BackendError", "ExpertPool", "Generation", "GenerationRequest", "load_backend",
           "register_backend"]
