"""`medrouter serve`: the project as an OpenAI-compatible HTTP API (FastAPI + uvicorn).

* `GET /v1/models` lists `auto` and every configured expert; `GET /v1/models/{id}` one of them.
* `POST /v1/chat/completions` with `model` =
    - `auto`: the whole Assistant (router -> refusal | expert [+ retrieval] -> disclaimer) on the
      conversation: the last user message, routed and retrieved in the context of the turn it follows
      up, answered with the recent turns before it; system messages are added after the expert's own
      system prompt (Conversation's rule). `max_tokens`, `temperature`, `top_p`, `stop` apply to the
      expert's generated reply; answers no model writes (a refusal, quoted reference lines) are fixed
      text they cannot change. `usage` counts the messages and the whole answer in base-model tokens.
      The route, expert, confidence and sources come back in `medrouter`.
    - an expert name: that expert generates from the messages as given (the expert's system prompt
      and few-shot turns are added when the messages carry no system message). This is the raw
      expert, as vLLM would serve a LoRA module: no routing, no disclaimer.
  `stream: true` answers with server-sent events (`data: {chunk}` ... `data: [DONE]`).
* Laid out as vLLM's server is: the protocol models (requests, errors), a serving class
  (`ChatService`: what each endpoint does) and a thin FastAPI app that only routes to it.
* Errors use OpenAI's shape `{"error": {"message", "type", "param", "code"}}`: 400 for an invalid
  payload or unusable input (a lone surrogate included), 401 without the API key when one is set
  (`serve.api_key`, $MEDROUTER_API_KEY, --api-key), 404 for an unknown model; the server keeps
  serving. A client that goes away mid-stream stops its generation at the next token.
* Load: at most `serve.max_batch + serve.max_queue` chat requests are in the server at once (the
  scheduler decodes `max_batch` together, the rest wait); one more is answered 429 at once, streaming
  or not, as OpenAI does (`type: rate_limit_error`, a `Retry-After` header in seconds), instead of
  waiting minutes in a queue. A QueueFullError from the library (the queue shared with the UI or the
  Python API filled first) is the same 429. Blocking work runs on the server's own thread limiter,
  sized for that many requests, not anyio's default of 40 threads.
* A streamed request reads its first piece before the response starts, so a full queue or an
  unusable prompt is an HTTP status, not an error event inside a 200 stream.
* The streamed and the non-streamed text of a request are the same characters.
* `/docs` is off unless `serve.docs: true`.
"""
from __future__ import annotations

import json
import math
import os
import secrets
import threading
import time
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from medrouter.core.checks import check_text
from medrouter.core.errors import MedrouterError, QueueFullError, UnknownExpertError

from .stream import AnswerStream

AUTO = "auto"
API_KEY_ENV = "MEDROUTER_API_KEY"
# what the `medrouter` field of a response carries from an Answer
ANSWER_META = ("route", "expert", "confidence", "emergency", "sources", "stop_reason", "note", "finish_reason")


# ---- protocol: requests ---------------------------------------------------------------------
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

    def as_dict(self) -> dict:
        return {"role": "system" if self.role == "developer" else self.role, "content": self.text()}


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


# ---- protocol: errors -----------------------------------------------------------------------
class ErrorInfo(BaseModel):
    message: str
    type: str = "invalid_request_error"
    param: str | None = None
    code: str | None = None


class ErrorResponse(BaseModel):
    """OpenAI's error body: `{"error": {"message", "type", "param", "code"}}`."""

    error: ErrorInfo


def _error(status: int, message: str, type_: str = "invalid_request_error", param: str | None = None,
           code: str | None = None, headers: dict | None = None):
    from fastapi.responses import JSONResponse

    body = ErrorResponse(error=ErrorInfo(message=message, type=type_, param=param, code=code))
    return JSONResponse(status_code=status, content=body.model_dump(), headers=headers)


def _busy(message: str, retry_after: int):
    """429 as OpenAI sends it when a rate limit is hit, with the seconds to wait."""
    return _error(429, message, type_="rate_limit_error", code="rate_limit_exceeded",
                  headers={"Retry-After": str(max(1, int(retry_after)))})


def _library_error(exc: MedrouterError):
    """A typed library error as a response: an unknown expert is a missing model, a full queue 429,
    the rest bad input."""
    if isinstance(exc, UnknownExpertError):
        return _error(404, str(exc), param="model", code="model_not_found")
    if isinstance(exc, QueueFullError):
        return _busy(str(exc), exc.retry_after)
    return _error(400, str(exc))


# ---- serving ---------------------------------------------------------------------------------
@dataclass
class Final:
    """What a finished stream puts into the response, whichever kind of model answered."""

    text: str
    finish_reason: str
    meta: dict  # the `medrouter` field
    usage: dict | None = None

    @classmethod
    def of_answer(cls, ans) -> Final:
        d = ans.to_dict()
        return cls(ans.answer, "length" if ans.finish_reason == "length" else "stop", {k: d[k] for k in ANSWER_META})

    @classmethod
    def of_generation(cls, gen) -> Final:
        return cls(gen.text, gen.finish_reason,
                   {"expert": gen.expert, "stop_reason": gen.stop_reason, "truncated_prompt": gen.truncated_prompt},
                   {"prompt_tokens": gen.prompt_tokens, "completion_tokens": gen.completion_tokens,
                    "total_tokens": gen.prompt_tokens + gen.completion_tokens})


@dataclass
class Reply:
    """One request's answer in the making: its text stream and how its final object reads."""

    stream: AnswerStream
    final: Callable[[object], Final]
    cancel: threading.Event


class ChatService:
    """What the endpoints do, over one Assistant: `auto` is the whole pipeline, an expert name is that
    expert on the messages as given."""

    def __init__(self, settings, assistant):
        self.settings, self.assistant = settings, assistant
        serve = settings.serve
        self.capacity = serve.max_batch + serve.max_queue  # chat requests in the server at once
        self.in_flight = 0  # touched only on the event loop's thread
        self._request_seconds: float | None = None  # smoothed duration of a request: the Retry-After hint
        self._limiter = None

    # ---- load ----------------------------------------------------------------------------------
    def admit(self):
        """Count a request in, or the 429 to answer when the server already holds `capacity`."""
        if self.in_flight >= self.capacity:
            return _busy(f"the server is at capacity ({self.in_flight} requests in progress; serve.max_batch="
                         f"{self.settings.serve.max_batch}, serve.max_queue={self.settings.serve.max_queue}): "
                         "retry later", self.retry_after())
        self.in_flight += 1
        return None

    def release(self, started: float) -> None:
        self.in_flight -= 1
        s = time.perf_counter() - started
        self._request_seconds = s if self._request_seconds is None else 0.8 * self._request_seconds + 0.2 * s

    def retry_after(self) -> int:
        """Seconds until a place is likely free: the requests beyond one batch, a batch at a time."""
        ahead = max(1, self.in_flight - self.settings.serve.max_batch + 1)
        return max(1, math.ceil((self._request_seconds or 5.0) * ahead / self.settings.serve.max_batch))

    async def run_sync(self, fn, *args):
        """Blocking work on a thread, from a limiter sized for `capacity` requests (anyio's default
        of 40 threads would queue the 41st request's tokens behind the others)."""
        import anyio

        if self._limiter is None:  # made on the event loop, at the first request
            self._limiter = anyio.CapacityLimiter(self.capacity + 8)
        return await anyio.to_thread.run_sync(fn, *args, limiter=self._limiter)

    # ---- /v1/models ----------------------------------------------------------------------------
    def models(self) -> dict:
        data = [{"id": AUTO, "object": "model", "created": 0, "owned_by": "medrouter", "parent": None,
                 "description": "routed: router -> expert -> answer with disclaimer"}]
        data += [{"id": e.name, "object": "model", "created": 0, "owned_by": "medrouter", "parent": None,
                  "description": e.description, "route": e.route, "adapter": e.adapter is not None}
                 for e in self.settings.experts]
        return {"object": "list", "data": data}

    def model(self, name: str) -> dict | None:
        return next((m for m in self.models()["data"] if m["id"] == name), None)

    def knows(self, model: str) -> bool:
        return model == AUTO or model in self.settings.expert_names

    def unknown_model(self, name: str):
        return _error(404, f"The model '{name}' does not exist; available: {', '.join([AUTO, *self.settings.expert_names])}",
                      param="model", code="model_not_found")

    # ---- /v1/chat/completions ------------------------------------------------------------------
    def reply(self, req: ChatRequest) -> Reply:
        """Check the request and open its stream (nothing generates until it is read)."""
        cancel = threading.Event()
        if req.model == AUTO:
            messages = [m.as_dict() for m in req.messages]
            stop = [req.stop] if isinstance(req.stop, str) else req.stop
            generation = {"max_new_tokens": req.max_completion_tokens or req.max_tokens, "temperature": req.temperature,
                          "top_p": req.top_p, "stop": stop, "repetition_penalty": req.repetition_penalty}
            conv = self.assistant.conversation(messages)  # an unusable request fails here, as a 400
            stream = self.assistant.stream(messages if conv.history or conv.system else conv.request,
                                           generation={k: v for k, v in generation.items() if v is not None})

            def final(ans) -> Final:
                f = Final.of_answer(ans)
                f.usage = self.assistant.usage(messages, ans)
                return f
            return Reply(stream, final, cancel)
        msgs = self._expert_messages(req)
        g = self._generation_settings(req)

        def pieces():  # the experts load on first read, in the worker thread that reads the stream
            yield from self.assistant.pool.stream(req.model, msgs, g, cancel=cancel)
        return Reply(AnswerStream.from_items(pieces()), Final.of_generation, cancel)

    def _generation_settings(self, req: ChatRequest):
        g = self.settings.expert(req.model).generation.model_copy()
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

    def _expert_messages(self, req: ChatRequest) -> list[dict]:
        from experts.prompting import build_messages

        from .assistant import clean_text

        msgs = [m.as_dict() for m in req.messages]
        for i, m in enumerate(msgs):
            clean_text(m["content"], f"messages[{i}]")
            check_text(m["content"], self.settings.limits.max_input_chars, what=f"{m['role']} message")
        if not any(m["role"] == "system" for m in msgs):
            prompt = build_messages(self.settings.expert(req.model), "")[:-1]  # system prompt + few-shot
            msgs = prompt + msgs
        return msgs

    @staticmethod
    def completion(cid: str, model: str, final: Final) -> dict:
        body = {"id": cid, "object": "chat.completion", "created": int(time.time()), "model": model,
                "choices": [{"index": 0, "message": {"role": "assistant", "content": final.text},
                             "finish_reason": final.finish_reason}],
                "medrouter": final.meta}
        if final.usage:
            body["usage"] = final.usage
        return body

    async def events(self, cid: str, req: ChatRequest, reply: Reply, pieces, first, done) -> AsyncIterator[str]:
        """Server-sent events: a role chunk, one chunk per piece, the finish chunk [, usage], [DONE].
        `first` is the piece already read (None: the stream is over); `done` ends the request."""
        model, piece = req.model, first
        try:
            yield _chunk(cid, model, {"role": "assistant", "content": ""})
            while True:
                if piece is _UNREAD:
                    try:
                        piece = await self.run_sync(next, pieces, None)
                    except MedrouterError as exc:
                        yield f"data: {json.dumps({'error': ErrorInfo(message=str(exc)).model_dump()})}\n\n"
                        break
                if piece is None:
                    final = reply.final(reply.stream.answer)
                    yield _chunk(cid, model, {}, final.finish_reason, medrouter=final.meta)
                    if req.stream_options and req.stream_options.include_usage and final.usage:
                        body = {"id": cid, "object": "chat.completion.chunk", "created": int(time.time()),
                                "model": model, "choices": [], "usage": final.usage}
                        yield f"data: {json.dumps(body)}\n\n"
                    break
                yield _chunk(cid, model, {"content": piece})
                piece = _UNREAD
            yield "data: [DONE]\n\n"
        finally:
            await done()

    def ender(self, reply: Reply, started: float):
        """The one end of a request, however it ends (done, client gone, never started): stop the model
        at its next token, close the generator, give the place back. Safe to await twice."""
        import anyio

        ended = False

        async def done():
            nonlocal ended
            if ended:
                return
            ended = True
            reply.cancel.set()
            with anyio.CancelScope(shield=True):
                try:
                    await self.run_sync(reply.stream.close)
                finally:
                    self.release(started)
        return done


_UNREAD = object()  # events(): the next piece is still to be read


def _chunk(cid: str, model: str, delta: dict, finish: str | None = None, **extra) -> str:
    body = {"id": cid, "object": "chat.completion.chunk", "created": int(time.time()), "model": model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}], **extra}
    return f"data: {json.dumps(body, ensure_ascii=False)}\n\n"


# ---- the app: routes only --------------------------------------------------------------------
def _add_error_handlers(app) -> None:
    from fastapi import Request
    from fastapi.exceptions import RequestValidationError
    from starlette.exceptions import HTTPException as StarletteHTTPException

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


def create_app(settings, assistant=None):
    """The FastAPI app over one Assistant (its experts run on `serve.backend`)."""
    from fastapi import FastAPI
    from fastapi.responses import JSONResponse, StreamingResponse
    from starlette.background import BackgroundTask

    from .assistant import Assistant

    service = ChatService(settings, assistant or Assistant(settings))
    docs = settings.serve.docs
    app = FastAPI(title="medrouter", description="medrouter as an OpenAI-compatible API",
                  docs_url="/docs" if docs else None, redoc_url="/redoc" if docs else None,
                  openapi_url="/openapi.json" if docs else None)
    app.state.assistant = service.assistant
    _add_error_handlers(app)
    key = settings.serve.api_key or os.environ.get(API_KEY_ENV) or None

    @app.middleware("http")
    async def _api_key(request, call_next):
        # OpenAI's scheme: `Authorization: Bearer KEY`; /health stays open for load balancers
        if key and request.url.path != "/health":
            given = request.headers.get("authorization", "")
            token = given[7:].strip() if given.lower().startswith("bearer ") else ""
            if not secrets.compare_digest(token.encode(), key.encode()):
                return _error(401, "Incorrect or missing API key: send `Authorization: Bearer KEY`",
                              code="invalid_api_key")
        return await call_next(request)

    @app.get("/v1/models")
    async def models():
        return service.models()

    @app.get("/v1/models/{model_id}")
    async def model(model_id: str):
        found = service.model(model_id)
        return found if found is not None else service.unknown_model(model_id)

    @app.get("/health")
    async def health():
        return {"status": "ok"}

    @app.post("/v1/chat/completions")
    async def chat(req: ChatRequest):
        if not service.knows(req.model):
            return service.unknown_model(req.model)
        busy = service.admit()
        if busy is not None:
            return busy
        started, reply, streaming = time.perf_counter(), None, False
        cid = f"chatcmpl-{uuid.uuid4().hex[:24]}"
        try:
            reply = service.reply(req)
            if req.stream:
                pieces = iter(reply.stream)
                first = await service.run_sync(next, pieces, None)  # a full queue is a 429, not an event
                done = service.ender(reply, started)
                streaming = True  # from here the stream's end gives the place back, or the background task
                return StreamingResponse(service.events(cid, req, reply, pieces, first, done),
                                         media_type="text/event-stream", background=BackgroundTask(done),
                                         headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
            answer = await service.run_sync(lambda: reply.stream.answer)
            return JSONResponse(service.completion(cid, req.model, reply.final(answer)))
        except MedrouterError as exc:
            return _library_error(exc)
        finally:
            if not streaming:
                if reply is not None:
                    await service.ender(reply, started)()
                else:
                    service.release(started)

    return app


def serve(settings, host: str | None = None, port: int | None = None, api_key: str | None = None) -> None:
    import uvicorn

    if api_key:
        settings.serve.api_key = api_key
    app = create_app(settings)
    uvicorn.run(app, host=host or settings.serve.host, port=port or settings.serve.port, log_level="info")
