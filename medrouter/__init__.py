"""medrouter: a medical assistant built from small fine-tuned experts behind an embedding router.

    from medrouter import Assistant
    Assistant.from_config().ask("What is hypertension?")

The names below load on first use: the packages import `medrouter.core` (errors, config, models)
without loading the Assistant pipeline in `medrouter.app`.
"""
import importlib

_EXPORTS = {
    "Answer": "medrouter.app.assistant", "Assistant": "medrouter.app.assistant",
    "AnswerStream": "medrouter.app.stream", "ExpertStatus": "medrouter.app.assistant",
    "CONFIG_ENV": "medrouter.core.config", "Settings": "medrouter.core.config",
    "load_config": "medrouter.core.config", "MedrouterError": "medrouter.core.errors",
}
__all__ = sorted(_EXPORTS)
__version__ = "0.1.0"


def __getattr__(name):
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'medrouter' has no attribute {name!r}")
