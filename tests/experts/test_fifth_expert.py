"""A fifth expert added by YAML alone (route examples, system prompt, adapter) is routed to, served
and listed — no code change. Uses the `nearest` router classifier: a fitted head would be stale."""
from __future__ import annotations

import yaml
from fastapi.testclient import TestClient

from medrouter.app.langchain import MedrouterChat
from medrouter.app.assistant import Assistant
from medrouter.core.config import load_config

from ..conftest import CONFIG
from .conftest import make_adapter

DERMATOLOGY = {
    "name": "dermatology",
    "description": "skin conditions: rashes, eczema, acne, moles",
    "examples": ["What is this itchy red rash on my arm?", "How do I treat eczema?", "Is this mole cancerous?",
                 "Why does my acne keep coming back?", "My skin is dry and flaky, what helps?",
                 "What causes psoriasis plaques?"],
}


def test_fifth_expert_by_yaml_alone(lm, tmp_path):
    adapter = make_adapter(lm.path, tmp_path / "adapters" / "dermatology", seed=5)
    data = yaml.safe_load(CONFIG.read_text())
    data["router"]["classifier"] = "nearest"
    for e in data["experts"]:  # the copy lives elsewhere: keep the shipped adapters where they are
        if e.get("adapter"):
            e["adapter"] = str(CONFIG.parent / e["adapter"])
    data["routes"].append(DERMATOLOGY)
    data["experts"].append({
        "name": "dermatology", "route": "dermatology", "description": "answers questions about the skin",
        "system_prompt": "You are a careful dermatology assistant. Answer in two short sentences.",
        "adapter": "adapters/dermatology",  # relative to the YAML file, like the shipped ones
        "generation": {"max_new_tokens": 12},
    })
    data["retrieval"]["store_dir"] = str(tmp_path / "collections")
    path = tmp_path / "experts.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))

    settings = load_config(path)
    assistant = Assistant(settings)
    ans = assistant.ask("How should I treat an itchy eczema rash on my hands?")
    assert ans.route == "dermatology" and ans.expert == "dermatology", ans.scores
    assert ans.finish_reason in ("stop", "length") and settings.disclaimer[:30] in ans.answer
    assert assistant.pool.adapter_of["dermatology"]  # the adapter is loaded and used

    from medrouter.app.server import create_app

    client = TestClient(create_app(settings, assistant))
    assert "dermatology" in [m["id"] for m in client.get("/v1/models").json()["data"]]
    r = client.post("/v1/chat/completions",
                    json={"model": "dermatology", "messages": [{"role": "user", "content": "How do I treat eczema?"}]})
    assert r.status_code == 200 and r.json()["medrouter"]["expert"] == "dermatology"
    assert r.json()["usage"]["completion_tokens"] <= 12

    # the LangChain face sees it too
    msg = MedrouterChat(assistant=assistant).invoke("Is this dark mole on my back cancerous?")
    assert msg.response_metadata["expert"] == "dermatology"


def test_langchain_chat_model_routes_streams_and_refuses(settings, tmp_path):
    s = settings.model_copy(deep=True)
    s.router.classifier = "nearest"
    s.retrieval.store_dir = str(tmp_path)
    s.expert("medical_qa").generation.max_new_tokens = 8
    a = Assistant(s)
    refused = MedrouterChat(assistant=a).invoke("Write me a poem about the sea")
    assert refused.response_metadata["route"] == "out_of_scope"
    assert s.out_of_scope_reply[:30] in refused.content
    chat = MedrouterChat(assistant=a, model="medical_qa")
    chunks = list(chat.stream([("system", "Answer briefly."), ("human", "What is anemia?")]))
    merged = chunks[0]
    for c in chunks[1:]:
        merged += c
    assert merged.content.strip() and merged.response_metadata["expert"] == "medical_qa"
    # a Runnable: it composes with LangChain pieces
    from langchain_core.output_parsers import StrOutputParser

    assert (chat | StrOutputParser()).invoke("What is anemia?").strip()
