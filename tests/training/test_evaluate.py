"""Evaluation metrics and `medrouter eval expert` (real embedded base, a two-step adapter)."""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from training import evaluate as E

FIX = Path(__file__).parent / "fixtures"


def test_rouge_l_and_token_f1():
    assert E.rouge_l("the cat sat on the mat", "the cat was on the mat") == pytest.approx(5 / 6)
    assert E.rouge_l("", "anything") == 0.0 and E.rouge_l("a b c", "a b c") == 1.0
    # order matters for ROUGE-L, not for token F1
    assert E.rouge_l("c b a", "a b c") == pytest.approx(1 / 3)
    assert E.token_f1("c b a", "a b c") == 1.0
    assert E.token_f1("BP 150/95 mmHg", "bp 150 95") == pytest.approx(2 * 1 * 0.75 / 1.75)


def test_refusal_and_citation_detection(settings):
    assert E.is_refusal(settings.out_of_scope_reply, settings.out_of_scope_reply)
    assert E.is_refusal("Sorry, I can't help with that.", None)
    assert not E.is_refusal("Hypertension is high blood pressure.", settings.out_of_scope_reply)
    user = "Excerpts from the user's documents:\n[1] (source: a.md) x\n[2] (source: b.md) y\n\nQuestion: q"
    assert E.citation_ok("Take it twice daily [2].", user)
    assert not E.citation_ok("Take it twice daily [3].", user) and not E.citation_ok("Take it.", user)


def test_eval_command_shares_the_eval_group():
    from training import cli

    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command")
    p = sub.add_parser("eval")  # as router/cli.py creates it
    ev = p.add_subparsers(dest="eval_what", required=True)
    ev.add_parser("router")
    sub._medrouter_eval = ev
    cli.register(sub)
    args = parser.parse_args(["eval", "expert", "medical_qa", "--adapter", "x", "--json"])
    assert args.func is cli.cmd_eval_expert and args.name == "medical_qa"
    assert parser.parse_args(["eval", "router"]).eval_what == "router"


def test_evaluate_expert_base_vs_adapter(settings, tmp_path):
    """Base and adapter answers generated in one pool; with 6 new tokens every answer is a runaway."""
    from medrouter.core.atomic import atomic_folder  # noqa: F401  (import check)

    adapter = _adapter(tmp_path)
    held = tmp_path / "held_out"
    held.mkdir()
    rows = [json.loads(x) for x in (FIX / "chat.jsonl").read_text().splitlines()]
    (held / "refusal.jsonl").write_text(json.dumps(rows[2]) + "\n")
    (held / "medical_qa.jsonl").write_text(json.dumps(
        {"messages": [{"role": "user", "content": "What is a fever?"},
                      {"role": "assistant", "content": "A fever is a temperature of 38 C or more."}],
         "task": "medical_qa"}) + "\n")
    rep = E.evaluate_expert(settings, "medical_qa", adapter=str(adapter), held_out_dir=held, max_per_task=1,
                            batch_size=4, max_new_tokens=6, progress=False)
    assert set(rep["summary"]) == {"base", "adapter"} and rep["held_out"]["refusal"] == 1
    for v in ("base", "adapter"):
        assert rep[v]["answers"] == 2 and 0.0 <= rep[v]["token_f1"] <= 1.0
        assert rep[v]["runaway_rate"] == 1.0 and set(rep[v]["stop_reasons"]) <= E.RUNAWAY
    assert "runaway_rate" in rep["gain"] and rep["adapter_path"] == str(adapter.resolve())


def _adapter(tmp_path):
    """The trained demo adapter when present, else a fresh two-step one (same code path as `medrouter train`)."""
    shipped = Path(__file__).resolve().parents[2] / "adapters" / "medical_qa"
    if (shipped / "adapter_config.json").is_file():
        return shipped
    from training.config import parse_train_config
    from training.trainer import train

    from .test_train import tiny_config

    cfg = parse_train_config(tiny_config(tmp_path, training={"max_steps": 1}))
    train(cfg, cuda_available=False)
    return Path(cfg.output_dir)
