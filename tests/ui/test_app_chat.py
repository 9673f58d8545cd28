"""The Chat and Experts pages, driven through Streamlit's AppTest on the real embedded models."""
from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from medrouter.core.config import CONFIG_ENV

from .conftest import APP, TIMEOUT, write_config
from .helpers import ask, go, new_app, texts


@pytest.fixture(scope="module")
def chat(settings):
    """One session: a medical question, then an off-topic one (the LM runs once)."""
    at = new_app()
    ask(at, "What is hypertension?")
    first = at.session_state["last_answer"]
    ask(at, "What is blockchain?")
    return at, first


def test_medical_question_is_routed_streamed_and_badged(chat, settings):
    at, ans = chat
    assert ans["route"] == "medical_qa" and ans["expert"] == "medical_qa"
    msg = at.chat_message[1]
    assert msg.name == "assistant"
    badge = " ".join(texts(msg, "markdown"))
    assert "expert: medical_qa" in badge
    captions = texts(msg, "caption")
    assert any(f"confidence {ans['confidence']:.2f}" in c and " s" in c for c in captions), captions
    # the body is the model's answer without the disclaimer, which has its own line
    body = [m for m in texts(msg, "markdown") if "badge[" not in m]
    assert body and len(body[0].strip()) > 10
    assert settings.disclaimer.strip() not in body[0]
    assert settings.disclaimer.strip() in captions
    assert not at.error


def test_out_of_scope_is_shown_as_a_refusal(chat, settings):
    at, _ = chat
    msg = at.chat_message[3]
    assert "refused · out of scope" in " ".join(texts(msg, "markdown"))
    warnings = texts(msg, "warning")
    assert warnings and settings.out_of_scope_reply.strip()[:60] in warnings[0]
    assert settings.disclaimer.strip() in texts(msg, "caption")
    assert at.session_state["last_answer"]["finish_reason"] == "refused"


def test_history_is_redrawn_after_a_rerun(chat):
    at, _ = chat
    at.run()
    assert [m.name for m in at.chat_message] == ["user", "assistant", "user", "assistant"]
    assert "What is hypertension?" in texts(at.chat_message[0], "markdown")


def test_experts_page_shows_config_adapters_and_last_scores(chat, settings):
    at, _ = chat
    go(at, "experts")
    experts, routes, scores = (d.value for d in at.dataframe)
    assert list(experts["expert"]) == settings.expert_names
    assert set(experts["status"]) <= {"adapter loaded", "base model (no adapter trained)"}
    assert list(routes["route"]) == settings.route_names
    assert set(scores["route"]) == set(settings.route_names)
    assert scores["score"].iloc[0] == max(at.session_state["last_answer"]["scores"].values())
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Route"] == "out_of_scope" and metrics["Expert"] == "none (refused)"


def test_emergency_gets_a_banner(settings):
    at = ask(new_app(), "I have crushing chest pain spreading to my left arm, what is happening?")
    msg = at.chat_message[1]
    assert texts(msg, "error") == [settings.emergency.messages["chest_pain"].strip()]  # the banner for its kind
    assert at.session_state["last_answer"]["emergency"] == "chest_pain"


def test_forced_expert_answers_every_request(settings):
    at = go(new_app(), "experts")
    at.selectbox(key="forced_expert").set_value("summarization").run()
    assert "summarization (forced)" in " ".join(c.value for c in at.sidebar.caption)
    go(at, "chat")
    ask(at, "What is hypertension?")
    ans = at.session_state["last_answer"]
    assert ans["expert"] == "summarization" and ans["forced"]
    assert "forced" in " ".join(texts(at.chat_message[1], "caption"))
    # back to automatic routing: the router decides again (and refuses off-topic requests)
    go(at, "experts")
    at.selectbox(key="forced_expert").set_value("(auto)").run()
    go(at, "chat")
    ask(at, "What is blockchain?")
    assert at.session_state["last_answer"]["finish_reason"] == "refused"


@pytest.mark.parametrize("text", ["   ", "\x00\x01 binary"])
def test_bad_request_is_a_message_and_the_app_keeps_working(text):
    at = ask(new_app(), text)
    errors = [e.value for e in at.error]
    assert len(errors) == 1 and errors[0].startswith("Could not answer: ")
    ask(at, "What is blockchain?")
    assert at.session_state["last_answer"]["finish_reason"] == "refused"
    assert [e.value for e in at.error] == errors  # the old error stays in the history, no new one


def test_missing_model_is_a_message(settings, ui_config, tmp_path, monkeypatch):
    from medrouter.core.config import load_config

    s = load_config(ui_config)
    summary = next(i for i, e in enumerate(s.experts) if e.route == "summarization")
    report = "Summarize this report: BP 150/95 mmHg, HR 88 bpm, LDL 4.1 mmol/L. Plan: recheck in 3 months."
    cfg = write_config(s, tmp_path / "experts.yaml", **{"base_model.path": str(tmp_path / "no-such-model")})
    monkeypatch.setenv(CONFIG_ENV, str(cfg))
    # the shipped summary is the report's key facts (answer: quotes): no language model runs
    at = ask(new_app(), report)
    assert not at.error and "BP 150/95 mmHg" in at.session_state["last_answer"]["answer"]
    # a summary the model writes (answer: model) needs the language model
    cfg = write_config(s, tmp_path / "experts-model.yaml", **{"base_model.path": str(tmp_path / "no-such-model"),
                                                              f"experts.{summary}.grounding.answer": "model"})
    monkeypatch.setenv(CONFIG_ENV, str(cfg))
    at = ask(new_app(), report)
    errors = [e.value for e in at.error]
    assert len(errors) == 1 and "no-such-model" in errors[0], errors
    assert not at.exception
    # refusals need no language model: still answered (a request of its own, not a short follow-up)
    ask(at, "How do I invest my savings in index funds?")
    assert at.session_state["last_answer"]["finish_reason"] == "refused", [e.value for e in at.error]


def test_broken_config_is_a_message(tmp_path, monkeypatch):
    bad = tmp_path / "experts.yaml"
    bad.write_text("routes: [\n", encoding="utf-8")
    monkeypatch.setenv(CONFIG_ENV, str(bad))
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT).run()
    assert not at.exception
    assert len(at.error) == 1 and at.error[0].value.startswith("The assistant could not start: ")
    assert "not valid YAML" in at.error[0].value


def test_a_forced_summary_without_a_document_asks_for_it_in_an_info_box(settings):
    # forced onto the summarization expert, a request that holds no document is asked for one (as a
    # declined request is: a pointer for the user, in an info box), never refused as out of scope
    from medrouter.app.assistant import ASK_FOR_DOCUMENT

    at = go(new_app(), "experts")
    at.selectbox(key="forced_expert").set_value("summarization").run()
    go(at, "chat")
    ask(at, "What is blockchain?")
    assert at.session_state["last_answer"]["stop_reason"] == "needs_document"
    for _ in range(2):  # as answered, and redrawn from the history after a rerun
        msg = at.chat_message[1]
        assert "expert: summarization" in " ".join(texts(msg, "markdown"))
        info = texts(msg, "info")
        assert len(info) == 1 and info[0].startswith(ASK_FOR_DOCUMENT)
        assert not texts(msg, "warning")
        at.run()
