"""medrouter.app: the top of the house, over the packages.

The Assistant (router -> refusal | expert [+ retrieval] -> answer), whole-document summarization,
the `medrouter` command line, and the two faces that wrap the Assistant: the OpenAI-compatible
server and the LangChain chat model. Exports load on first use, so `python -m medrouter.app.cli
--help` does not pay for the pipeline.
"""
import importlib

_EXPORTS = {"Answer": ".assistant", "Assistant": ".assistant", "Source": ".assistant", "AnswerStream": ".stream"}
__all__ = sorted(_EXPORTS)


def __getattr__(name):
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name], __name__), name)
    raise AttributeError(f"module 'medrouter.app' has no attribute {name!r}")
