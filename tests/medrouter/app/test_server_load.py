"""`medrouter serve` under load (real uvicorn, real models): at capacity a request is answered 429 at
once, in OpenAI's shape with Retry-After, streaming or not; the place is given back when the stream ends."""
from __future__ import annotations

import time

import httpx
import pytest

from medrouter.core.errors import QueueFullError

from .live_server import live_server

QUESTION = [{"role": "user", "content": "What is hypertension?"}]


@pytest.fixture(scope="module")
def one_place_server(assistant):
    """The session's Assistant behind an app that holds one chat request at a time."""
    s = assistant.settings.model_copy(deep=True)
    s.serve.max_batch, s.serve.max_queue = 1, 0
    with live_server(s, assistant) as url:
        yield url


def _assert_429(r):
    assert r.status_code == 429, r.text
    err = r.json()["error"]
    assert set(err) == {"message", "type", "param", "code"}
    assert err["type"] == "rate_limit_error" and err["code"] == "rate_limit_exceeded" and "capacity" in err["message"]
    assert int(r.headers["retry-after"]) >= 1


def test_at_capacity_requests_get_429_at_once_and_the_place_comes_back(one_place_server):
    long = {"model": "medical_qa", "messages": QUESTION, "max_tokens": 1500, "stream": True, "repetition_penalty": 1.0}
    with httpx.Client(base_url=one_place_server, timeout=120) as c:
        with c.stream("POST", "/v1/chat/completions", json=long) as held:
            assert held.status_code == 200
            lines = held.iter_lines()
            next(line for line in lines if '"content"' in line and '"role"' not in line)  # it is generating
            for stream in (False, True):
                t = time.perf_counter()
                _assert_429(c.post("/v1/chat/completions",
                                   json={"model": "medical_qa", "messages": QUESTION, "max_tokens": 3, "stream": stream}))
                assert time.perf_counter() - t < 2.0, "refused at once, not after waiting"
        deadline = time.time() + 60  # leaving the stream gives the place back
        while True:
            r = c.post("/v1/chat/completions", json={"model": "medical_qa", "messages": QUESTION, "max_tokens": 3})
            if r.status_code == 200 or time.time() > deadline:
                break
            time.sleep(0.2)
        assert r.status_code == 200 and r.json()["choices"][0]["message"]["content"]


def test_a_full_library_queue_is_a_429_too():
    from medrouter.app.server import _library_error

    r = _library_error(QueueFullError("the generation queue is full", retry_after=7))
    assert r.status_code == 429 and r.headers["retry-after"] == "7"
