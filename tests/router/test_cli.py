"""`medrouter route`, `medrouter eval router`, `medrouter router info` through the real CLI."""
import json

from medrouter.app.cli import main

from .conftest import write_jsonl


def test_route_text_json(capsys, embedder):
    assert main(["route", "What is a normal resting heart rate?", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["route"] == "medical_qa" and out["refused"] is False and "latency_ms" in out


def test_route_input_file(tmp_path, capsys, embedder):
    f = write_jsonl(tmp_path / "in.jsonl", [{"text": "What is blockchain?"},
                                            {"text": "What does my plan say about diet?", "has_documents": True}])
    assert main(["route", "--input", str(f), "--json"]) == 0
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert [x["route"] for x in lines] == ["out_of_scope", "advice"]


def test_route_bad_input_is_one_line_error(tmp_path, capsys, embedder):
    f = tmp_path / "bad.jsonl"
    f.write_text('{"text": "ok"}\nnot json\n', encoding="utf-8")
    assert main(["route", "--input", str(f)]) == 2
    assert "bad.jsonl:2" in capsys.readouterr().err
    assert main(["route", "   "]) == 2
    assert "empty request" in capsys.readouterr().err


def test_eval_router_json(tmp_path, capsys, embedder):
    rows = [{"text": "What is hypertension?", "label": "medical_qa", "tags": ["x"]},
            {"text": "¿Qué es la hipertensión?", "label": "medical_qa", "tags": ["lang_es"]},
            {"text": "Write me a poem about the moon", "label": "out_of_scope"},
            {"text": "tl;dr of my uploaded radiology report", "label": "summarization", "has_documents": True},
            {"text": "My letter says rest for two weeks; can I swim?", "label": "advice", "has_documents": True}]
    f = write_jsonl(tmp_path / "dev.jsonl", rows)
    assert main(["eval", "router", "--file", str(f), "--json"]) == 0  # --file = --input
    res = json.loads(capsys.readouterr().out)
    assert res["by_language"]["es"]["n"] == 1 and res["by_language"]["en"]["n"] == 4
    for key in ("accuracy", "per_route", "out_of_scope_recall", "false_refusal_rate", "confusion", "misrouted",
                "latency_ms", "goals", "overlap_with_train"):
        assert key in res
    assert res["examples"] == 5 and sum(sum(v.values()) for v in res["confusion"].values()) == 5
    assert set(res["latency_ms"]) == {"p50", "p95", "max"}
    # 5 examples cannot decide a 97 % goal: the interval says so
    acc = res["goals"]["accuracy"]
    assert acc["count"][1] == 5 and acc["interval_95"][0] < 0.97 < acc["interval_95"][1] and acc["decided"] is False


def test_wilson_interval():
    from router.evaluate import wilson

    lo, hi = wilson(8, 279)  # the dev split's false refusals in the fifth session
    assert round(lo, 4) == 0.0146 and round(hi, 4) == 0.0556
    assert wilson(0, 10)[0] == 0.0 and 0.25 < wilson(0, 10)[1] < 0.35
    assert wilson(400, 400)[1] == 1.0 and wilson(400, 400)[0] > 0.99
    assert wilson(0, 0) == (0.0, 1.0)


def test_eval_refuses_the_training_file(settings, capsys):
    assert main(["eval", "router", "--input", settings.router.train_file]) == 2
    assert "training file" in capsys.readouterr().err


def test_eval_unknown_label_is_reported(tmp_path, capsys):
    f = write_jsonl(tmp_path / "x.jsonl", [{"text": "hi", "label": "weather"}])
    assert main(["eval", "router", "--input", str(f)]) == 2
    assert "label 'weather' is not a configured route" in capsys.readouterr().err


def test_router_info(capsys):
    assert main(["router", "info", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["status"] == "ok"
