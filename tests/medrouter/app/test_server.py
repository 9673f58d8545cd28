"""`medrouter serve` on loopback (real uvicorn, real models), and the `openai` backend against it."""
from __future__ import annotations

import json
import time

import httpx
import pytest

from experts import GenerationRequest, load_backend
from experts.config import GenerationSettings

from .live_server import live_server

QUESTION = [{"role": "user", "content": "What is hypertension?"}]


@pytest.fixture(scope="module")
def served(settings, tmp_path_factory):
    """The shipped config, routed by the `nearest` classifier (no fitted head needed)."""
    from medrouter.app.assistant import Assistant

    s = settings.model_copy(deep=True)
    s.router.classifier = "nearest"
    s.retrieval.store_dir = str(tmp_path_factory.mktemp("collections"))
    return Assistant(s)


@pytest.fixture(scope="module")
def server(served):
    with live_server(served.settings, served) as url:
        yield url


@pytest.fixture(scope="module")
def client(server):
    with httpx.Client(base_url=server, timeout=300) as c:
        yield c


def _is_openai_error(resp, status):
    assert resp.status_code == status, resp.text
    err = resp.json()["error"]
    assert set(err) == {"message", "type", "param", "code"} and err["message"]
    return err


def test_models_lists_auto_and_every_expert(client, settings):
    ids = [m["id"] for m in client.get("/v1/models").json()["data"]]
    assert ids == ["auto", *settings.expert_names]


def test_expert_completion(client):
    r = client.post("/v1/chat/completions", json={"model": "medical_qa", "messages": QUESTION, "max_tokens": 6})
    body = r.json()
    assert r.status_code == 200 and body["object"] == "chat.completion"
    choice = body["choices"][0]
    assert choice["message"]["role"] == "assistant" and choice["message"]["content"]
    assert choice["finish_reason"] in ("stop", "length") and body["usage"]["completion_tokens"] <= 6
    assert body["medrouter"]["expert"] == "medical_qa"


def test_auto_routes_and_refuses_out_of_scope(client, settings):
    r = client.post("/v1/chat/completions",
                    json={"model": "auto", "messages": [{"role": "user", "content": "What is blockchain?"}]})
    body = r.json()
    assert r.status_code == 200 and body["medrouter"]["route"] == "out_of_scope"
    assert body["medrouter"]["expert"] is None
    assert settings.disclaimer[:30] in body["choices"][0]["message"]["content"]


def _sse(lines):
    events = []
    for line in lines:
        if line.startswith("data: "):
            events.append(line[6:])
    return events


def test_streaming_sse(client):
    payload = {"model": "medical_qa", "messages": QUESTION, "max_tokens": 8, "stream": True,
               "stream_options": {"include_usage": True}}
    with client.stream("POST", "/v1/chat/completions", json=payload) as r:
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
        events = _sse(r.iter_lines())
    assert events[-1] == "[DONE]"
    chunks = [json.loads(e) for e in events[:-1]]
    text = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks if c["choices"])
    finish = [c["choices"][0]["finish_reason"] for c in chunks if c["choices"] and c["choices"][0]["finish_reason"]]
    assert text.strip() and finish in (["stop"], ["length"])
    assert chunks[-1]["usage"]["completion_tokens"] <= 8


@pytest.mark.parametrize("payload, param", [
    ({"messages": QUESTION}, "model"),
    ({"model": "medical_qa"}, "messages"),
    ({"model": "medical_qa", "messages": []}, "messages"),
    ({"model": "medical_qa", "messages": QUESTION, "temperature": 5}, "temperature"),
    ({"model": "medical_qa", "messages": QUESTION, "n": 2}, "n"),
    ({"model": "medical_qa", "messages": [{"role": "wizard", "content": "hi"}]}, "messages.0.role"),
    ({"model": "medical_qa", "messages": [{"role": "user", "content": "   "}]}, None),
])
def test_invalid_payloads_get_400_in_openai_shape(client, payload, param):
    err = _is_openai_error(client.post("/v1/chat/completions", json=payload), 400)
    assert err["type"] == "invalid_request_error"
    if param:
        assert err["param"] == param


def test_malformed_json_and_unknown_model(client):
    r = client.post("/v1/chat/completions", content=b"{not json", headers={"content-type": "application/json"})
    _is_openai_error(r, 400)
    err = _is_openai_error(client.post("/v1/chat/completions", json={"model": "cardiology", "messages": QUESTION}), 404)
    assert err["code"] == "model_not_found" and "medical_qa" in err["message"]
    _is_openai_error(client.get("/v1/nothing"), 404)
    assert client.get("/v1/models").status_code == 200  # still serving


def test_client_disconnect_mid_stream_frees_the_model(server, client, pool):
    payload = {"model": "medical_qa", "messages": QUESTION, "max_tokens": 1500, "stream": True,
               "repetition_penalty": 1.0}
    with httpx.Client(base_url=server, timeout=60) as c, c.stream("POST", "/v1/chat/completions", json=payload) as r:
        got = 0
        for line in r.iter_lines():
            if line.startswith("data: ") and '"content"' in line:
                got += 1
            if got >= 3:
                break  # leave: the connection closes under the server's feet
    deadline = time.time() + 60  # 1500 tokens would take minutes on 2 cores
    while pool.shared.lock.locked():
        assert time.time() < deadline, "generation kept running after the client left"
        time.sleep(0.1)
    r = client.post("/v1/chat/completions", json={"model": "medical_qa", "messages": QUESTION, "max_tokens": 3})
    assert r.status_code == 200


def test_openai_backend_against_the_real_server(server, settings, pool):
    s = settings.model_copy(deep=True)
    s.serve.backend, s.serve.openai_base_url = "openai", f"{server}/v1"
    backend = load_backend(s)
    g = GenerationSettings(max_new_tokens=8)
    reqs = [GenerationRequest("medical_qa", pool_messages(settings, "medical_qa"), g),
            GenerationRequest("summarization", pool_messages(settings, "summarization"), g)]
    remote = backend.generate(reqs)
    local = pool.generate(reqs)
    assert [r.text for r in remote] == [x.text for x in local]
    assert [r.finish_reason for r in remote] == [x.finish_reason for x in local]
    *pieces, final = list(backend.stream("medical_qa", reqs[0].messages, g))
    assert "".join(pieces).strip() == final.text == local[0].text


def pool_messages(settings, expert):
    from experts.prompting import build_messages

    return build_messages(settings.expert(expert), "What is hypertension?")


# ---- conversations, the promises of the OpenAI surface, safe defaults ---------------------------
FOLLOW_UP = [{"role": "user", "content": "What is metformin?"}, {"role": "assistant", "content": "A diabetes medicine."},
             {"role": "user", "content": "What are its side effects?"}]


def test_auto_answers_a_follow_up_in_context_with_usage(client):
    alone = client.post("/v1/chat/completions", json={"model": "auto", "messages": FOLLOW_UP[-1:]}).json()
    body = client.post("/v1/chat/completions", json={"model": "auto", "messages": FOLLOW_UP}).json()
    assert body["choices"][0]["message"]["content"] != alone["choices"][0]["message"]["content"]
    assert any("metformin" in (s["title"] or "").lower() for s in body["medrouter"]["sources"])
    u = body["usage"]
    assert u["prompt_tokens"] > 0 and u["completion_tokens"] > 0 and u["total_tokens"] == u["prompt_tokens"] + u["completion_tokens"]


def _streamed(client, payload):
    with client.stream("POST", "/v1/chat/completions", json={**payload, "stream": True,
                                                              "stream_options": {"include_usage": True}}) as r:
        events = _sse(r.iter_lines())
    assert events[-1] == "[DONE]"
    chunks = [json.loads(e) for e in events[:-1]]
    return "".join(c["choices"][0]["delta"].get("content", "") for c in chunks if c["choices"]), chunks[-1].get("usage")


@pytest.mark.parametrize("messages", [
    [{"role": "user", "content": "What is blockchain?"}],  # out_of_scope
    [{"role": "user", "content": "What is hypertension?"}],  # medical_qa (quoted reference)
    [{"role": "user", "content": "Summarize this report: Clinic letter. 45-year-old man seen for knee pain after "
                                 "running. Examination: mild effusion. Plan: rest, ice, physiotherapy, review in "
                                 "six weeks."}],  # summarization (generated)
    FOLLOW_UP,
])
def test_streamed_and_non_streamed_text_are_identical(client, messages):
    payload = {"model": "auto", "messages": messages, "max_tokens": 40}
    whole = client.post("/v1/chat/completions", json=payload).json()
    text, usage = _streamed(client, payload)
    assert text == whole["choices"][0]["message"]["content"] and usage == whole["usage"]


def test_models_retrieve_one(client):
    assert client.get("/v1/models/auto").json()["id"] == "auto"
    assert client.get("/v1/models/medical_qa").json()["route"] == "medical_qa"
    assert _is_openai_error(client.get("/v1/models/cardiology"), 404)["code"] == "model_not_found"


@pytest.mark.parametrize("model", ["auto", "medical_qa"])
@pytest.mark.parametrize("stream", [False, True])
def test_a_lone_surrogate_is_a_400_not_a_crash(client, model, stream):
    body = '{"model": "%s", "stream": %s, "messages": [{"role": "user", "content": "What is \\ud800 asthma?"}]}' % (
        model, "true" if stream else "false")
    r = client.post("/v1/chat/completions", content=body.encode(), headers={"content-type": "application/json"})
    err = _is_openai_error(r, 400)
    assert "surrogate" in err["message"]


def test_fuzzed_bodies_get_an_answer_or_a_clean_error(client):
    import random

    rng = random.Random(7)
    alphabet = ["a", "\\ud83d", "\\udc00", "\u200f", "\u0301", "🙂", "\\u0000", "é", " ", '\\"', "\\\\"]
    for _ in range(10):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 20)))
        body = '{"model": "auto", "max_tokens": 8, "messages": [{"role": "user", "content": "%s"}]}' % text
        r = client.post("/v1/chat/completions", content=body.encode(), headers={"content-type": "application/json"})
        assert r.status_code in (200, 400), r.text
        if r.status_code == 400:
            _is_openai_error(r, 400)
    raw = bytes(rng.randrange(256) for _ in range(64))
    _is_openai_error(client.post("/v1/chat/completions", content=raw, headers={"content-type": "application/json"}), 400)


def test_docs_off_by_default(client):
    assert client.get("/docs").status_code == 404 and client.get("/openapi.json").status_code == 404


def test_api_key_is_required_when_set(served):
    from fastapi.testclient import TestClient

    from medrouter.app.server import create_app

    s = served.settings.model_copy(deep=True)
    s.serve.api_key = "sk-test"
    with TestClient(create_app(s, served)) as c:
        err = _is_openai_error(c.get("/v1/models"), 401)
        assert err["code"] == "invalid_api_key"
        _is_openai_error(c.get("/v1/models", headers={"Authorization": "Bearer wrong"}), 401)
        assert c.get("/v1/models", headers={"Authorization": "Bearer sk-test"}).status_code == 200
        assert c.get("/health").status_code == 200


def test_the_official_openai_client_against_the_real_server(server):
    openai = pytest.importorskip("openai")
    client = openai.OpenAI(base_url=f"{server}/v1", api_key="unused")
    assert client.models.retrieve("auto").id == "auto"
    r = client.chat.completions.create(model="auto", messages=FOLLOW_UP, max_tokens=40)
    assert r.choices[0].message.content and r.usage and r.usage.total_tokens > 0
    assert r.model_extra["medrouter"]["route"] == "medical_qa"
    text = "".join(c.choices[0].delta.content or "" for c in client.chat.completions.create(
        model="auto", messages=FOLLOW_UP, max_tokens=40, stream=True) if c.choices)
    assert text == r.choices[0].message.content
    with pytest.raises(openai.BadRequestError) as bad:
        client.chat.completions.create(model="auto", messages=[{"role": "user", "content": "x"}], temperature=9)
    assert bad.value.status_code == 400


def test_langchain_auto_takes_the_conversation_and_fills_usage(served):
    pytest.importorskip("langchain_core")
    from medrouter.app.langchain import MedrouterChat

    chat = MedrouterChat(assistant=served)
    msg = chat.invoke([("human", "What is metformin?"), ("ai", "A diabetes medicine."),
                       ("human", "What are its side effects?")])
    assert msg.usage_metadata and msg.usage_metadata["total_tokens"] > 0
    assert msg.response_metadata["route"] == "medical_qa"
