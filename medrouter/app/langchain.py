"""The router + experts as a LangChain chat model (a `Runnable`: invoke, batch, stream, pipes).

    from medrouter.app.langchain import MedrouterChat
    chat = MedrouterChat()                       # model="auto": router -> expert -> disclaimer
    chat.invoke("What is hypertension?").content
    MedrouterChat(model="summarization").stream([("user", report)])

With `model="auto"` the conversation goes through the Assistant: the last human message, routed in
the context of the turn it follows up, answered with the recent turns; system messages are added
after the expert's own prompt (medrouter.app.assistant.Conversation). `response_metadata` carries
the route, expert, confidence, finish_reason and sources; `usage_metadata` the tokens. With an expert name, that expert answers
the messages as given (its system prompt added when there is none), like `/v1/chat/completions`.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.messages.ai import UsageMetadata
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import ConfigDict, PrivateAttr

from medrouter.core.errors import InputError, UnknownExpertError

from .stream import AnswerStream

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
            from .assistant import Assistant

            self._assistant = Assistant.from_config(self.config)
        return self._assistant

    @property
    def _llm_type(self) -> str:
        return "medrouter"

    @property
    def _identifying_params(self) -> dict:
        return {"model": self.model, "config": self.config}

    # ---- plumbing ------------------------------------------------------------------------------
    def _open(self, messages: list[BaseMessage], stop: list[str] | None) -> tuple[AnswerStream, Callable]:
        """The reply's stream, and how its final object becomes `response_metadata`."""
        s = self.assistant.settings
        if self.model == AUTO:
            human = [m for m in messages if m.type == "human"]
            if not human:
                raise InputError("model='auto' needs a human message to route")
            msgs = [{"role": _ROLES[m.type], "content": m.text} for m in messages if m.type in _ROLES]
            while msgs and msgs[-1]["role"] != "user":  # a trailing AI turn (a prefill) is not a request
                msgs.pop()
            generation = {"stop": list(stop)} if stop else None
            request = msgs if len(msgs) > 1 else msgs[-1]["content"]
            stream = self.assistant.stream(request, generation=generation)

            def metadata(ans):
                text, meta = _answer_metadata(ans)
                return text, meta, self.assistant.usage(request, ans)
            return stream, metadata
        if self.model not in s.expert_names:
            raise UnknownExpertError.named(self.model, s.expert_names)
        from experts.prompting import build_messages

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
        return AnswerStream.from_items(self.assistant.pool.stream(self.model, msgs, g)), _generation_metadata


    # ---- BaseChatModel -------------------------------------------------------------------------
    def _generate(self, messages: list[BaseMessage], stop: list[str] | None = None,
                  run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any) -> ChatResult:
        stream, metadata = self._open(messages, stop)
        text, meta, usage = metadata(stream.answer)
        msg = AIMessage(content=text, response_metadata=meta, usage_metadata=_usage(usage))
        return ChatResult(generations=[ChatGeneration(message=msg)])

    def _stream(self, messages: list[BaseMessage], stop: list[str] | None = None,
                run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any) -> Iterator[ChatGenerationChunk]:
        stream, metadata = self._open(messages, stop)
        for piece in stream:
            chunk = ChatGenerationChunk(message=AIMessageChunk(content=piece))
            if run_manager:
                run_manager.on_llm_new_token(piece, chunk=chunk)
            yield chunk
        _, meta, usage = metadata(stream.answer)
        yield ChatGenerationChunk(message=AIMessageChunk(content="", response_metadata=meta, usage_metadata=_usage(usage)))


def _answer_metadata(ans) -> tuple[str, dict]:
    """(text, response_metadata) of the Assistant's Answer."""
    d = ans.to_dict()
    return ans.answer, {k: d[k] for k in ("route", "expert", "confidence", "finish_reason", "stop_reason", "sources",
                                          "emergency", "note")}


def _generation_metadata(gen) -> tuple[str, dict, dict]:
    """(text, response_metadata, usage) of an expert's Generation."""
    return gen.text, {"expert": gen.expert, "finish_reason": gen.finish_reason, "stop_reason": gen.stop_reason,
                      "prompt_tokens": gen.prompt_tokens, "completion_tokens": gen.completion_tokens}, \
        {"prompt_tokens": gen.prompt_tokens, "completion_tokens": gen.completion_tokens,
         "total_tokens": gen.prompt_tokens + gen.completion_tokens}


def _usage(usage: dict) -> UsageMetadata:
    return UsageMetadata(input_tokens=usage["prompt_tokens"], output_tokens=usage["completion_tokens"],
                         total_tokens=usage["total_tokens"])
