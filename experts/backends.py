"""Where generation runs: a registry of backends behind one interface (config: `serve.backend`).

* `transformers` (default): `ExpertPool`, in process, one base model + LoRA adapters.
* `openai`: any OpenAI-compatible server (`serve.openai_base_url`), e.g. vLLM started with
  `--enable-lora --lora-modules medical_qa=adapters/medical_qa ...` or another `medrouter serve`.
  The expert name is the `model` of each request; an expert the server does not list (no adapter)
  is sent to the server's base model.

A backend generates for `GenerationRequest`s and streams text pieces then a `Generation`, exactly
like `ExpertPool`, so the Assistant, the HTTP server and the LangChain face do not care which runs.
"""
from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Protocol

from medrouter.core.errors import MedrouterError, UnknownExpertError

from .config import GenerationSettings
from .runtime import ExpertPool, Generation, GenerationRequest


class BackendError(MedrouterError):
    """The generation backend cannot be reached or answered with an error."""

    exit_code = 2


class Backend(Protocol):
    name: str

    @property
    def expert_names(self) -> list[str]: ...

    def generate(self, requests: Sequence[GenerationRequest]) -> list[Generation]: ...

    def stream(self, expert: str, messages: list[dict], settings: GenerationSettings | None = None,
               cancel: threading.Event | None = None) -> Iterator[str | Generation]: ...


BACKENDS: dict[str, Callable[..., Backend]] = {}


def register_backend(name: str):
    def deco(factory):
        BACKENDS[name] = factory
        return factory
    return deco


def load_backend(settings) -> Backend:
    name = settings.serve.backend
    if name not in BACKENDS:
        raise BackendError(f"serve.backend: unknown backend '{name}'; registered: {', '.join(sorted(BACKENDS))}")
    return BACKENDS[name](settings)


register_backend("transformers")(ExpertPool)


@register_backend("openai")
class OpenAIBackend:
    """Experts served by an OpenAI-compatible HTTP server; the expert is the request's `model`."""

    name = "openai"

    def __init__(self, settings, api_key: str | None = None, timeout: float = 600.0):
        import os

        import openai

        if not settings.serve.openai_base_url:
            raise BackendError("serve.openai_base_url must be set for serve.backend: openai "
                               "(e.g. http://127.0.0.1:8001/v1)")
        self.settings = settings
        self.specs = {e.name: e for e in settings.experts}
        self.client = openai.OpenAI(base_url=settings.serve.openai_base_url, timeout=timeout, max_retries=1,
                                    api_key=api_key or os.environ.get("OPENAI_API_KEY") or "unused")
        self._models: dict[str, str] | None = None

    @property
    def expert_names(self) -> list[str]:
        return list(self.specs)

    def _model_for(self, expert: str) -> str:
        """The served model name for an expert: itself if listed (a LoRA module), else the base."""
        if expert not in self.specs:
            raise UnknownExpertError.named(expert, self.specs)
        if self._models is None:
            import openai

            try:
                listed = list(self.client.models.list())
            except openai.APIError as exc:
                raise BackendError(f"OpenAI-compatible server at {self.settings.serve.openai_base_url} "
                                   f"did not list its models: {exc}") from None
            ids = [m.id for m in listed]
            parents = [getattr(m, "parent", None) for m in listed]
            base = next((i for i, p in zip(ids, parents) if p is None), ids[0] if ids else expert)
            self._models = {e: (e if e in ids else base) for e in self.specs}
        return self._models[expert]

    def _params(self, expert: str, settings: GenerationSettings | None) -> dict:
        g = settings or self.specs[expert].generation
        p = dict(model=self._model_for(expert), max_tokens=g.max_new_tokens, temperature=g.temperature,
                 top_p=g.top_p, extra_body={"repetition_penalty": g.repetition_penalty})
        if g.stop:
            p["stop"] = list(g.stop)[:4]  # OpenAI's limit
        return p

    def _call(self, fn):
        import openai

        try:
            return fn()
        except openai.NotFoundError as exc:
            raise UnknownExpertError(f"the server does not serve this expert: {exc}") from None
        except openai.APIError as exc:
            raise BackendError(f"OpenAI-compatible server at {self.settings.serve.openai_base_url}: {exc}") from None

    def _one(self, r: GenerationRequest) -> Generation:
        resp = self._call(lambda: self.client.chat.completions.create(messages=r.messages,
                                                                      **self._params(r.expert, r.settings)))
        choice = resp.choices[0]
        usage = resp.usage
        return Generation(text=(choice.message.content or "").strip(), finish_reason=choice.finish_reason or "stop",
                          stop_reason="max_new_tokens" if choice.finish_reason == "length" else "eos",
                          prompt_tokens=usage.prompt_tokens if usage else 0,
                          completion_tokens=usage.completion_tokens if usage else 0, expert=r.expert)

    def generate(self, requests: Sequence[GenerationRequest]) -> list[Generation]:
        requests = list(requests)
        for r in requests:
            self._model_for(r.expert)
        if len(requests) <= 1:
            return [self._one(r) for r in requests]
        # concurrent requests: the server batches them (vLLM: continuous batching, mixed LoRAs)
        with ThreadPoolExecutor(max_workers=min(16, len(requests))) as ex:
            return list(ex.map(self._one, requests))

    def stream(self, expert: str, messages: list[dict], settings: GenerationSettings | None = None,
               cancel: threading.Event | None = None) -> Iterator[str | Generation]:
        params = self._params(expert, settings)
        stream = self._call(lambda: self.client.chat.completions.create(
            messages=messages, stream=True, stream_options={"include_usage": True}, **params))
        parts, finish, usage = [], "stop", None
        try:
            for chunk in stream:
                if cancel is not None and cancel.is_set():
                    break
                if chunk.usage is not None:
                    usage = chunk.usage
                for choice in chunk.choices:
                    piece = choice.delta.content if choice.delta else None
                    if piece:
                        if not parts:
                            piece = piece.lstrip()
                        if piece:
                            parts.append(piece)
                            yield piece
                    if choice.finish_reason:
                        finish = choice.finish_reason
        finally:
            stream.close()  # closes the HTTP response: the server sees the client go away
        yield Generation(text="".join(parts).strip(), finish_reason=finish,
                         stop_reason="max_new_tokens" if finish == "length" else "eos",
                         prompt_tokens=usage.prompt_tokens if usage else 0,
                         completion_tokens=usage.completion_tokens if usage else 0, expert=expert)
