"""The whole path on the real embedded models: router -> expert -> answer that stops -> disclaimer."""
import json
import subprocess
import sys

import pytest

from medrouter.core.errors import InputError, UnknownExpertError

from ...conftest import ROOT


def test_out_of_scope_is_refused_without_running_the_lm(settings):
    from medrouter.app.assistant import Assistant

    a = Assistant(settings)
    ans = a.ask("What is blockchain?")
    assert ans.route == "out_of_scope" and ans.finish_reason == "refused" and ans.expert is None
    assert settings.out_of_scope_reply.strip()[:40] in ans.answer
    assert settings.disclaimer[:30] in ans.answer
    assert a._pool is None  # the language model was never loaded


def test_medical_question_gets_an_answer_that_stops(assistant, settings):
    pieces = list(assistant.ask_stream("What is hypertension?"))
    ans = pieces[-1]
    assert "".join(pieces[:-1]) == ans.answer and len(pieces) > 3  # streamed, piece by piece
    assert ans.route == "medical_qa" and ans.expert == "medical_qa"
    assert ans.finish_reason == "stop"
    assert len(ans.answer) > len(settings.disclaimer) + 20
    assert ans.answer.rstrip().endswith(settings.disclaimer.strip()[-30:])
    assert ans.timings_ms["total"] > 0


def test_emergency_gets_the_urgent_message_first_whatever_the_route(assistant, settings):
    ans = assistant.ask("I have crushing chest pain spreading to my left arm, what is happening?")
    assert ans.emergency == "chest_pain"
    assert ans.answer.startswith(settings.emergency.messages["chest_pain"])  # the banner for its kind


def test_someone_in_an_emergency_is_never_told_it_is_out_of_scope(assistant, settings):
    # the router reads this as out of scope (an emergency is never refused there) and the experts,
    # trained to refuse, answered with the out-of-scope sentence under the urgent message
    ans = assistant.ask("I want to kill myself")
    assert ans.emergency == "suicide" and ans.route != "out_of_scope"
    assert ans.answer.startswith(settings.emergency.messages["suicide"])
    assert "outside what I can help with" not in ans.answer
    assert ans.answer.rstrip().endswith(settings.disclaimer.strip())
    assert "\n\n\n" not in ans.answer


def test_a_forced_summary_without_a_document_asks_for_it_never_out_of_scope(assistant, settings):
    # Forced onto the summarization expert, a request that holds no document (and no upload) is asked
    # for one: no model writes a "summary" of nothing, never "outside what I can help with" on a medical
    # route, and what was streamed is exactly the final answer.
    pieces = list(assistant.ask_stream("What is blockchain?", expert="summarization"))
    ans = pieces[-1]
    assert ans.route == "summarization" and ans.stop_reason == "needs_document"
    assert "outside what I can help with" not in ans.answer
    assert "".join(pieces[:-1]) == ans.answer


def test_without_refusal_drops_the_refusal_and_near_copies_only():
    from medrouter.app.assistant import without_refusal

    refusal = ("I can only help with medical questions, medical documents and health advice. This request is "
               "outside what I can help with.")
    assert without_refusal(refusal, refusal) == ""
    near = "I can only help with medical questions, medical documents and health advice. This is outside what I can help with."
    assert without_refusal(near, refusal) == ""
    mixed = "Chest pain with a numb arm can be a heart attack. " + refusal
    assert without_refusal(mixed, refusal) == "Chest pain with a numb arm can be a heart attack."
    kept = "Call emergency services now. I can help you find the nearest hospital."
    assert without_refusal(kept, refusal) == kept


@pytest.mark.parametrize("text", ["", "   \n\t "])
def test_empty_request_is_a_clear_error(assistant, text):
    with pytest.raises(InputError, match="empty"):
        assistant.ask(text)


def test_too_long_request_is_a_clear_error(assistant, settings):
    with pytest.raises(InputError, match="limit"):
        assistant.ask("a" * (settings.limits.max_input_chars + 1))


def test_unknown_forced_expert(assistant):
    with pytest.raises(UnknownExpertError, match="unknown expert 'cardiology'"):
        assistant.ask("What is hypertension?", expert="cardiology")


def _cli(*args, **kw):
    return subprocess.run([sys.executable, "-m", "medrouter.app.cli", *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=600, **kw)


def test_cli_ask_json_out_of_scope():
    r = _cli("ask", "What is blockchain?", "--json")
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert d["route"] == "out_of_scope" and d["finish_reason"] == "refused"
    for key in ("route", "expert", "confidence", "answer", "finish_reason", "sources", "timings_ms"):
        assert key in d


def test_cli_user_errors_are_one_line_exit_2(tmp_path):
    r = _cli("ask", "  ")
    assert r.returncode == 2 and "empty request" in r.stderr and "Traceback" not in r.stderr
    bad = tmp_path / "bad.yaml"
    bad.write_text("routes: [\n")
    r = _cli("config", "--config", str(bad))
    assert r.returncode == 2 and "not valid YAML" in r.stderr and "Traceback" not in r.stderr
    import yaml

    data = yaml.safe_load((ROOT / "experts.yaml").read_text())
    data["base_model"]["path"] = str(tmp_path / "no-model")
    for key in ("train_file", "dev_file", "head_path"):  # the copy lives elsewhere: keep the repo's files
        data["router"][key] = str(ROOT / data["router"][key])
    for e in data["experts"]:
        e["adapter"] = str(ROOT / e["adapter"]) if e["adapter"] else None
        if e["route"] == "summarization":
            e["grounding"]["answer"] = "model"  # a summary the model writes (the shipped one copies key facts)
    missing = tmp_path / "missing_model.yaml"
    missing.write_text(yaml.safe_dump(data))
    # a model-written summary needs the language model (a medical question is answered from the library)
    r = _cli("ask", "Summarize: BP 150/95 mmHg, HR 88 bpm. Plan: recheck in 3 months.", "--config", str(missing))
    assert r.returncode == 2 and "base model not found" in r.stderr and "Traceback" not in r.stderr
