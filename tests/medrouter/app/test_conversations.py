"""Conversations through the Assistant, text hygiene at its doors, and the CLI's (real models)."""
from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

import pytest

from medrouter.app.assistant import Conversation, clean_text, is_follow_up, without_refusal
from medrouter.core.errors import InputError, MedrouterError

ROOT = Path(__file__).resolve().parents[3]
REFUSAL = ("I can only help with medical questions, medical documents and health advice. "
           "This request is outside what I can help with.")


def _chat(*turns, refused=()):
    msgs = []
    for i, t in enumerate(turns):
        if i:
            msgs.append({"role": "assistant", "content": REFUSAL if i - 1 in refused else "An answer."})
        msgs.append({"role": "user", "content": t})
    return msgs


# ---- the rule ---------------------------------------------------------------------------------
def test_a_follow_up_is_read_with_the_turn_before():
    c = Conversation.of(_chat("What is metformin?", "What are its side effects?"), REFUSAL)
    assert c.follows_up and c.request == "What are its side effects?"
    assert c.context == "What is metformin? What are its side effects?"
    assert [m["role"] for m in c.history] == ["user", "assistant"]


def test_a_topic_switch_and_a_turn_after_a_refusal_stand_alone():
    c = Conversation.of(_chat("What is metformin?", "Summarize the history of the Roman empire for me."), REFUSAL)
    assert not c.follows_up and c.context == "Summarize the history of the Roman empire for me."
    c = Conversation.of(_chat("What is bitcoin?", "and what is asthma?", refused=(0,)), REFUSAL)
    assert not c.follows_up and c.context == "and what is asthma?"


def test_three_turns_chain_their_context():
    c = Conversation.of(_chat("What is celiac disease?", "how is that diagnosed", "and in children?"), REFUSAL)
    assert c.context == "What is celiac disease? how is that diagnosed and in children?"


@pytest.mark.parametrize("text, follows", [
    ("side effects?", True), ("and for kids?", True), ("What about treatment", True), ("Is it safe?", True),
    ("Und wie behandelt man ihn?", True), ("thanks. how about in men?", True),
    ("What is the normal range for potassium in blood?", False), ("How do I bake bread at home?", False),
])
def test_is_follow_up(text, follows):
    assert is_follow_up(text) is follows


def test_system_messages_are_kept_for_the_expert_and_roles_checked():
    c = Conversation.of([{"role": "system", "content": "Always answer in French."},
                         {"role": "developer", "content": "Be brief."},
                         {"role": "user", "content": "What is asthma?"}])
    assert c.system == ["Always answer in French.", "Be brief."] and c.context == "What is asthma?"
    with pytest.raises(InputError, match="last message"):
        Conversation.of(_chat("What is asthma?") + [{"role": "assistant", "content": "x"}])
    with pytest.raises(InputError, match="role"):
        Conversation.of([{"role": "wizard", "content": "x"}])


def test_recent_turns_fit_the_budget_and_drop_the_disclaimer():
    c = Conversation.of([{"role": "user", "content": "a" * 3000}, {"role": "assistant", "content": "Reply.\n\nDISC"},
                         {"role": "user", "content": "more?"}])
    recent = c.recent("DISC", chars=100)
    assert recent == [] or recent[0]["role"] == "user"
    assert sum(len(m["content"]) for m in c.recent("DISC", chars=3000)) <= 3000 + len("Reply.")
    assert all("DISC" not in m["content"] for m in c.recent("DISC"))


def test_without_refusal_keeps_line_breaks():
    assert without_refusal("Line one.\nLine two.\nLine three.", REFUSAL) == "Line one.\nLine two.\nLine three."
    assert without_refusal("Fine. " + REFUSAL, REFUSAL) == "Fine."


def test_lone_surrogates_are_refused_by_name():
    with pytest.raises(InputError, match="U\\+D800 at character 2"):
        clean_text("hi\ud800")
    with pytest.raises(InputError, match="messages\\[0\\]"):
        Conversation.of([{"role": "user", "content": "x\udcff"}])
    assert clean_text("ok \u200f\u0301 🙂") == "ok \u200f\u0301 🙂"  # RTL mark, combining, emoji are text


# ---- the Assistant, end to end ----------------------------------------------------------------
def test_a_follow_up_is_answered_about_the_previous_topic(assistant):
    alone = assistant.ask("What are its side effects?")
    ans = assistant.ask(_chat("What is metformin?", "What are its side effects?"))
    assert ans.route == "medical_qa" and ans.answer != alone.answer
    assert ans.sources and any("metformin" in (s.title or s.source).lower() for s in ans.sources), ans.sources
    assert assistant.ask("What is blockchain?").finish_reason == "refused"  # the one-string call, unchanged


def test_streamed_pieces_are_the_answer_on_every_route(assistant):
    report = ("Summarize this report: Discharge letter. 58-year-old woman admitted with cellulitis of the left leg, "
              "treated with IV flucloxacillin for three days, then oral for seven days. Discharged well.")
    for request in ("What is blockchain?", "What is hypertension?", report,
                    _chat("What is metformin?", "What are its side effects?")):
        stream = assistant.stream(request, generation={"max_new_tokens": 24})
        pieces = "".join(stream)
        assert pieces == stream.answer.answer and pieces


def test_usage_counts_the_request_and_the_answer(assistant):
    ans = assistant.ask("What is blockchain?")
    u = assistant.usage("What is blockchain?", ans)
    assert u["prompt_tokens"] > 0 and u["completion_tokens"] > 10
    assert u["total_tokens"] == u["prompt_tokens"] + u["completion_tokens"]


def test_fuzz_random_text_gets_an_answer_or_a_clean_error(assistant):
    rng = random.Random(22)
    alphabet = ["a", "é", "\u200f", "\u202e", "\u0301", "🙂", "\ud800", "\udfff", "\x00", " ", "?", "ß", "中", "\n"]
    for _ in range(12):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))
        for call in (lambda t: assistant.route(t), lambda t: assistant.ask(t),
                     lambda t: assistant.ask(_chat("What is asthma?", t))):
            try:
                result = call(text)
            except MedrouterError as exc:
                assert str(exc)
            else:
                assert result is not None


# ---- the CLI ----------------------------------------------------------------------------------
def _medrouter(*args, stdin: bytes | None = None, env_config: str | None = None):
    return subprocess.run([sys.executable, "-m", "medrouter.app.cli", *args], input=stdin, capture_output=True,
                          cwd=ROOT, timeout=300)


def test_cli_undecodable_text_is_exit_2_without_a_traceback():
    r = _medrouter("ask", "-", stdin=b"What is \xff asthma?")
    assert r.returncode == 2 and b"not UTF-8" in r.stderr and b"Traceback" not in r.stderr
    r = subprocess.run([sys.executable, "-m", "medrouter.app.cli", "ask", b"What is \xff?"], capture_output=True,
                       cwd=ROOT, timeout=300)
    assert r.returncode == 2 and b"not valid Unicode" in r.stderr and b"Traceback" not in r.stderr


def test_cli_history_file(tmp_path):
    h = tmp_path / "h.json"
    h.write_text(json.dumps(_chat("What is metformin?")[:1] + [{"role": "assistant", "content": "A medicine."}]))
    r = _medrouter("ask", "What are its side effects?", "--history", str(h), "--json")
    assert r.returncode == 0, r.stderr.decode()[-2000:]
    out = json.loads(r.stdout)
    assert out["route"] == "medical_qa" and any("metformin" in (s["title"] or "").lower() for s in out["sources"])
    bad = tmp_path / "bad.json"
    bad.write_text("{nope")
    r = _medrouter("ask", "x", "--history", str(bad))
    assert r.returncode == 2 and b"not JSON" in r.stderr


def test_ui_binds_loopback_by_default(settings):
    from ui.cli import streamlit_command

    assert settings.ui.host == "127.0.0.1" and settings.serve.host == "127.0.0.1"
    cmd = streamlit_command(8501, settings.ui.host)
    assert cmd[cmd.index("--server.address") + 1] == "127.0.0.1"


def test_failed_ingest_into_a_new_collection_leaves_nothing(settings, tmp_path):
    from retrieval import Store

    s = settings.model_copy(deep=True)
    s.retrieval.store_dir = str(tmp_path / "store")
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(b"not a pdf")
    report = Store(s).ingest([bad], "fresh", on_error="skip")
    assert report["failed"] and not (tmp_path / "store" / "fresh").exists()


def test_ingest_errors_go_to_stderr(tmp_path):
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(b"not a pdf")
    cfg = tmp_path / "c.yaml"
    text = (ROOT / "experts.yaml").read_text().replace("~/.cache/medrouter/collections", str(tmp_path / "store"))
    text = text.replace(": data/", f": {ROOT}/data/").replace("adapter: adapters/", f"adapter: {ROOT}/adapters/")
    text = text.replace("path: data/", f"path: {ROOT}/data/").replace("head_path: router/", f"head_path: {ROOT}/router/")
    cfg.write_text(text)
    r = _medrouter("ingest", str(bad), "--collection", "fresh", "--config", str(cfg))
    assert r.returncode == 2 and b"error" in r.stderr.lower() and b"FAILED" not in r.stdout
    assert not (tmp_path / "store" / "fresh").exists()
