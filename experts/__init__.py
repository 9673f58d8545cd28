"""experts/ generates: one base model, one LoRA adapter per expert, answers that always stop."""
import importlib

# Lazy exports: `import experts.config` (needed by the config schema) must not import torch, so
# `medrouter --help` and config validation stay fast.
_EXPORTS = {
    "BACKENDS": ".backends", "Backend": ".backends", "BackendError": ".backends", "load_backend": ".backends",
    "register_backend": ".backends", "ExpertPool": ".runtime", "Generation": ".runtime",
    "GenerationRequest": ".runtime",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name):
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name], __name__), name)
    raise AttributeError(f"module 'experts' has no attribute {name!r}")
