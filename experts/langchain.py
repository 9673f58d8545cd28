"""The router + experts as a LangChain chat model (a `Runnable`: invoke, batch, stream, pipes).

    from experts.langchain import MedrouterChat
    chat = MedrouterChat()                       # model="auto": router -> expert -> disclaimer
    chat.invoke("What is hypertension?").content
    MedrouterChat(model="summarization").stream([("user", report)])

With `model="auto"` the last human message goes through the Assistant; `response_metadata` carries
the route, expert, confidence, finish_reason and sources. With an expert name, that expert answers
the messages as given (its system prompt added when there is none), like `/v1/chat/completions`.
"""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import ConfigDict, PrivateAttr

from medrouter.errors import InputError, UnknownExpertError

AUTO = "auto"
_ROLES = {"human": "user", "ai": "assistant", "system": "system"}


class MedrouterChat(BaseChatModel):
    model_config = ConfigDict(arbitrary_types_allowed=True)

    model: str = AUTO  # "auto" or an expert name
    config: str | None = None  # experts.yaml path; None = $MEDROUTER_CONFIG or the shipped one
    _assistant: Any = PrivateAttr(default=None)

    def __init__(self, assistant=None, **kwargs):
        super().__init__(**kwargs)
        self._assistant = assistant

    @property
    def assistant(self):
        if self._assistant is None:
            from medrouter.config import load_config

            from .backends import make_assistant

            self._assistant = make_assistant(load_config(self.config))
        return self._assistant

    @property
    def _llm_type(self) -> str:
        return "medrouter"

    @property
    def _identifying_params(self) -> dict:
        return {"model": self.model, "config": self.config}

    # ---- plumbing ------------------------------------------------------------------------------
    def _items(self, messages: list[BaseMessage], stop: list[str] | None):
        s = self.assistant.settings
        if self.model == AUTO:
            human = [m for m in messages if m.type == "human"]
            if not human:
                raise InputError("model='auto' needs a human message to route")
            return self.assistant.ask_stream(human[-1].text)
        if self.model not in s.expert_names:
            raise UnknownExpertError(f"unknown expert '{self.model}'; configured: {', '.join(s.expert_names)}")
        from .prompting import build_messages

        msgs = []
        for m in messages:
            if m.type not in _ROLES:
                raise InputError(f"unsupported message type '{m.type}' (use system, human or ai messages)")
            msgs.append({"role": _ROLES[m.type], "content": m.text})
        if not any(m["role"] == "system" for m in msgs):
            msgs = build_messages(s.expert(self.model), "")[:-1] + msgs
        g = s.expert(self.model).generation
        if stop:
            g = g.model_copy(update={"stop": list(g.stop) + list(stop)})
        return self.assistant.pool.stream(self.model, msgs, g)

    @staticmethod
    def _metadata(final) -> dict:
        from medrouter.assistant import Answer

        if isinstance(final, Answer):
            d = final.to_dict()
            return {k: d[k] for k in ("route", "expert", "confidence", "finish_reason", "stop_reason", "sources",
                                      "emergency", "note")}
        return {"expert": final.expert, "finish_reason": final.finish_reason, "stop_reason": final.stop_reason,
                "prompt_tokens": final.prompt_tokens, "completion_tokens": final.completion_tokens}

    # ---- BaseChatModel -------------------------------------------------------------------------
    def _generate(self, messages: list[BaseMessage], stop: list[str] | None = None,
                  run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any) -> ChatResult:
        final = None
        for item in self._items(messages, stop):
            if not isinstance(item, str):
                final = item
        text = final.answer if hasattr(final, "answer") else final.text
        msg = AIMessage(content=text, response_metadata=self._metadata(final))
        return ChatResult(generations=[ChatGeneration(message=msg)])

    def _stream(self, messages: list[BaseMessage], stop: list[str] | None = None,
                run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any) -> Iterator[ChatGenerationChunk]:
        for item in self._items(messages, stop):
            if isinstance(item, str):
                chunk = ChatGenerationChunk(message=AIMessageChunk(content=item))
                if run_manager:
                    run_manager.on_llm_new_token(item, chunk=chunk)
                yield chunk
            else:
                yield ChatGenerationChunk(message=AIMessageChunk(content="", response_metadata=self._metadata(item)))
