"""`medrouter serve`: the project as an OpenAI-compatible HTTP API (FastAPI + uvicorn).

* `GET /v1/models` lists `auto` and every configured expert.
* `POST /v1/chat/completions` with `model` =
    - `auto`: the whole Assistant (router -> refusal | expert [+ retrieval] -> disclaimer) on the
      last user message; the route, expert, confidence and sources come back in `medrouter`.
    - an expert name: that expert generates from the messages as given (the expert's system prompt
      and few-shot turns are added when the messages carry no system message). This is the raw
      expert, as vLLM would serve a LoRA module: no routing, no disclaimer.
  `stream: true` answers with server-sent events (`data: {chunk}` ... `data: [DONE]`).
* Errors use OpenAI's shape `{"error": {"message", "type", "param", "code"}}`: 400 for an invalid
  payload or unusable input, 404 for an unknown model; the server keeps serving. A client that goes
  away mid-stream stops its generation at the next token.
"""
from __future__ import annotations

import json
import threading
import time
import uuid
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from medrouter.errors import MedrouterError, UnknownExpertError

AUTO = "auto"


class TextPart(BaseModel):
    model_config = ConfigDict(extra="ignore")
    type: Literal["text"]
    text: str


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="ignore")
    role: Literal["system", "developer", "user", "assistant"]
    content: str | list[TextPart]

    def text(self) -> str:
        return self.content if isinstance(self.content, str) else "".join(p.text for p in self.content)


class StreamOptions(BaseModel):
    model_config = ConfigDict(extra="ignore")
    include_usage: bool = False


class ChatRequest(BaseModel):
    """The subset of OpenAI's chat completion request that means something here; unknown fields are
    ignored as OpenAI-compatible servers do."""

    model_config = ConfigDict(extra="ignore")
    model: str = Field(min_length=1)
    messages: list[ChatMessage] = Field(min_length=1)
    stream: bool = False
    stream_options: StreamOptions | None = None
    max_tokens: int | None = Field(default=None, ge=1, le=8192)
    max_completion_tokens: int | None = Field(default=None, ge=1, le=8192)
    temperature: float | None = Field(default=None, ge=0.0, le=2.0)
    top_p: float | None = Field(default=None, gt=0.0, le=1.0)
    stop: str | list[str] | None = None
    n: int = Field(default=1, ge=1, le=1, description="one choice per request")
    repetition_penalty: float | None = Field(default=None, ge=1.0, le=2.0)

    @field_validator("messages")
    @classmethod
    def _ends_with_user(cls, v):
        if v[-1].role != "user":
            raise ValueError("the last message must be from the user")
        return v


def _error(status: int, message: str, type_: str = "invalid_request_error", param: str | None = None,
           code: str | None = None):
    from fastapi.responses import JSONResponse

    return JSONResponse(status_code=status,
                        content={"error": {"message": message, "type": type_, "param": param, "code": code}})


def create_app(settings, assistant=None):
    """The FastAPI app over one Assistant (its experts run on `serve.backend`)."""
    import anyio
    from fastapi import FastAPI, Request
    from fastapi.exceptions import RequestValidationError
    from fastapi.responses import JSONResponse, StreamingResponse
    from starlette.exceptions import HTTPException as StarletteHTTPException

    from medrouter.assistant import Answer, check_text

    from .backends import make_assistant
    from .prompting import build_messages
    from .runtime import Generation

    assistant = assistant or make_assistant(settings)
    app = FastAPI(title="medrouter", description="medrouter as an OpenAI-compatible API")
    app.state.assistant = assistant

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError):
        errs = exc.errors()
        first = errs[0] if errs else {}
        loc = ".".join(str(p) for p in first.get("loc", ())[1:]) or None
        msg = "; ".join(f"{'.'.join(str(p) for p in e.get('loc', ())[1:]) or 'body'}: {e.get('msg')}" for e in errs)
        return _error(400, f"invalid request: {msg}", param=loc)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException):
        return _error(exc.status_code, str(exc.detail), code="not_found" if exc.status_code == 404 else None)

    @app.exception_handler(Exception)
    async def _crash(request: Request, exc: Exception):  # a bug: say so, keep serving
        return _error(500, f"internal error: {type(exc).__name__}: {exc}", type_="server_error")

    def _unknown_model(name: str):
        return _error(404, f"The model '{name}' does not exist; available: {', '.join([AUTO, *settings.expert_names])}",
                      param="model", code="model_not_found")

    @app.get("/v1/models")
    async def models():
        data = [{"id": AUTO, "object": "model", "created": 0, "owned_by": "medrouter", "parent": None,
                 "description": "routed: router -> expert -> answer with disclaimer"}]
        data += [{"id": e.name, "object": "model", "created": 0, "owned_by": "medrouter", "parent": None,
                  "description": e.description, "route": e.route, "adapter": e.adapter is not None}
                 for e in settings.experts]
        return {"object": "list", "data": data}

    @app.get("/health")
    async def health():
        return {"status": "ok"}

    def _gen_settings(req: ChatRequest, expert: str):
        g = settings.expert(expert).generation.model_copy()
        limit = req.max_completion_tokens or req.max_tokens
        if limit:
            g.max_new_tokens = limit
        if req.temperature is not None:
            g.temperature = req.temperature
        if req.top_p is not None:
            g.top_p = req.top_p
        if req.repetition_penalty is not None:
            g.repetition_penalty = req.repetition_penalty
        if req.stop:
            g.stop = list(g.stop) + ([req.stop] if isinstance(req.stop, str) else list(req.stop))
        return g

    def _expert_messages(req: ChatRequest, expert: str) -> list[dict]:
        msgs = [{"role": "system" if m.role == "developer" else m.role, "content": m.text()} for m in req.messages]
        for m in msgs:
            check_text(m["content"], settings.limits.max_input_chars, what=f"{m['role']} message")
        if not any(m["role"] == "system" for m in msgs):
            prompt = build_messages(settings.expert(expert), "")[:-1]  # system prompt + few-shot
            msgs = prompt + msgs
        return msgs

    def _chunk(cid: str, model: str, delta: dict, finish: str | None = None, **extra) -> str:
        body = {"id": cid, "object": "chat.completion.chunk", "created": int(time.time()), "model": model,
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish}], **extra}
        return f"data: {json.dumps(body, ensure_ascii=False)}\n\n"

    def _meta(ans: Answer) -> dict:
        d = ans.to_dict()
        return {k: d[k] for k in ("route", "expert", "confidence", "emergency", "sources", "stop_reason", "note",
                                  "finish_reason")}

    @app.post("/v1/chat/completions")
    async def chat(req: ChatRequest):
        model = req.model
        if model != AUTO and model not in settings.expert_names:
            return _unknown_model(model)
        cid = f"chatcmpl-{uuid.uuid4().hex[:24]}"
        cancel = threading.Event()
        try:
            if model == AUTO:
                text = req.messages[-1].text()
                check_text(text, settings.limits.max_input_chars)
                items = lambda: assistant.ask_stream(text)  # noqa: E731
            else:
                msgs = _expert_messages(req, model)
                g = _gen_settings(req, model)
                items = lambda: assistant.pool.stream(model, msgs, g, cancel=cancel)  # noqa: E731
        except UnknownExpertError as exc:
            return _error(404, str(exc), param="model", code="model_not_found")
        except MedrouterError as exc:
            return _error(400, str(exc))

        if not req.stream:
            def run():
                final = None
                for item in items():
                    if not isinstance(item, str):
                        final = item
                return final

            try:
                final = await anyio.to_thread.run_sync(run)
            except UnknownExpertError as exc:
                return _error(404, str(exc), param="model", code="model_not_found")
            except MedrouterError as exc:
                return _error(400, str(exc))
            return JSONResponse(_completion(cid, model, final))

        sentinel = object()

        def _next(it):
            try:
                return next(it)
            except StopIteration:
                return sentinel

        async def sse():
            it = items()
            try:
                yield _chunk(cid, model, {"role": "assistant", "content": ""})
                while True:
                    try:
                        item = await anyio.to_thread.run_sync(_next, it)
                    except MedrouterError as exc:
                        err = {"message": str(exc), "type": "invalid_request_error", "param": None, "code": None}
                        yield f"data: {json.dumps({'error': err})}\n\n"
                        break
                    if item is sentinel:
                        break
                    if isinstance(item, str):
                        yield _chunk(cid, model, {"content": item})
                        continue
                    extra = {}
                    if isinstance(item, Answer):
                        extra["medrouter"] = _meta(item)
                        finish = "length" if item.finish_reason == "length" else "stop"
                    else:
                        finish = item.finish_reason
                        extra["medrouter"] = {"expert": item.expert, "stop_reason": item.stop_reason,
                                              "truncated_prompt": item.truncated_prompt}
                    yield _chunk(cid, model, {}, finish, **extra)
                    if req.stream_options and req.stream_options.include_usage and isinstance(item, Generation):
                        usage = {"prompt_tokens": item.prompt_tokens, "completion_tokens": item.completion_tokens,
                                 "total_tokens": item.prompt_tokens + item.completion_tokens}
                        body = {"id": cid, "object": "chat.completion.chunk", "created": int(time.time()),
                                "model": model, "choices": [], "usage": usage}
                        yield f"data: {json.dumps(body)}\n\n"
                yield "data: [DONE]\n\n"
            finally:
                # client gone or stream done: stop the model at its next token, release the generator
                cancel.set()
                with anyio.CancelScope(shield=True):
                    await anyio.to_thread.run_sync(it.close)

        return StreamingResponse(sse(), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})

    return app


def _completion(cid: str, model: str, final) -> dict:
    from medrouter.assistant import Answer

    if isinstance(final, Answer):
        text = final.answer
        finish = "length" if final.finish_reason == "length" else "stop"
        d = final.to_dict()
        meta = {k: d[k] for k in ("route", "expert", "confidence", "emergency", "sources", "stop_reason", "note",
                                  "finish_reason")}
        usage = None
    else:
        text, finish = final.text, final.finish_reason
        meta = {"expert": final.expert, "stop_reason": final.stop_reason, "truncated_prompt": final.truncated_prompt}
        usage = {"prompt_tokens": final.prompt_tokens, "completion_tokens": final.completion_tokens,
                 "total_tokens": final.prompt_tokens + final.completion_tokens}
    body = {"id": cid, "object": "chat.completion", "created": int(time.time()), "model": model,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": finish}],
            "medrouter": meta}
    if usage:
        body["usage"] = usage
    return body


def serve(settings, host: str | None = None, port: int | None = None) -> None:
    import uvicorn

    app = create_app(settings)
    uvicorn.run(app, host=host or settings.serve.host, port=port or settings.serve.port, log_level="info")
