"""`medrouter train` end to end: a few steps on the real embedded base (labels, artifacts, merge, eval),
and plumbing (resume, atomic writes) on a tiny random Llama that uses the real SmolLM2 tokenizer."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("trl")

from training import trainer as T  # noqa: E402
from training.config import load_train_config, parse_train_config  # noqa: E402

FIX = Path(__file__).parent / "fixtures"
ROOT = Path(__file__).resolve().parents[2]


def tiny_config(tmp_path, **over) -> dict:
    cfg = {
        "expert": "medical_qa",
        "experts_config": str(ROOT / "experts.yaml"),
        "output_dir": str(tmp_path / "adapter"),
        "mode": "auto",
        "quantization": "nf4",
        "lora": {"r": 4, "alpha": 8, "dropout": 0.0, "top_layers": 2},
        "training": {"max_length": 192, "num_examples": 6, "max_steps": 2, "micro_batch_tokens": 192,
                     "learning_rate": 1e-3, "logging_steps": 1, "save_steps": 1, "cpu_threads": 1},
        "data": [
            {"builder": "medquad", "path": str(FIX / "medquad.csv"), "weight": 2},
            {"builder": "fhirfly_medicalquestions", "path": str(FIX / "fhirfly_medicalquestions.csv"), "weight": 1},
        ],
    }
    for k, v in over.items():
        if isinstance(v, dict):
            cfg[k] = {**cfg.get(k, {}), **v}
        else:
            cfg[k] = v
    return cfg


@pytest.fixture(scope="module")
def real_run(tmp_path_factory, lm):
    """Two optimizer steps on the real embedded base; the adapter folder and the report."""
    tmp = tmp_path_factory.mktemp("real")
    cfg = parse_train_config(tiny_config(tmp))
    report = T.train(cfg, command="medrouter train tiny.yaml", cuda_available=False)
    return cfg, Path(cfg.output_dir), report


def test_labels_cover_the_answer_and_its_end_of_turn_only(tmp_path, lm):
    cfg = parse_train_config(tiny_config(tmp_path))
    settings = T.load_settings(cfg)
    trainer, tok, rows, _ = T.make_trainer(cfg, settings, lm.path, "lora-cpu", tmp_path / "work")
    # the packed dataset keeps input_ids/labels per example before packing? inspect one tokenized example:
    row = rows[0]
    prompt_ids = tok.apply_chat_template(row["prompt"], add_generation_prompt=True)["input_ids"]
    batch = trainer.data_collator([trainer.train_dataset[0]])
    ids, labels = batch["input_ids"][0].tolist(), batch["labels"][0].tolist()
    im_end = tok.convert_tokens_to_ids("<|im_end|>")
    starts = [i for i, p in enumerate(batch["position_ids"][0].tolist()) if p == 0]
    for s, e in zip(starts, starts[1:] + [len(ids)]):
        seg_ids, seg_labels = ids[s:e], labels[s:e]
        labelled = [i for i, x in enumerate(seg_labels) if x != -100]
        assert labelled, "every example has an answer in the loss"
        first = labelled[0]
        assert all(x == -100 for x in seg_labels[:first])  # system + user prompt: no loss
        assert seg_ids[:first][-3:] == tok("<|im_start|>assistant\n", add_special_tokens=False)["input_ids"][-3:]
        # the answer's end-of-turn token is labelled, so the model learns to stop
        end = max(i for i, t in enumerate(seg_ids) if t == im_end)
        assert seg_labels[end] == im_end
    assert len(prompt_ids) > 10


def test_train_writes_a_complete_adapter_folder(real_run, lm):
    from experts.adapters import validate_adapter
    from experts.vllm import base_signature

    cfg, out, report = real_run
    files = {p.name for p in out.iterdir()}
    assert {"adapter_config.json", "adapter_model.safetensors", "generation_config.json", "tokenizer.json",
            "tokenizer_config.json", "README.md", "training_report.json"} <= files
    acfg = json.loads((out / "adapter_config.json").read_text())
    assert acfg["base_model_name_or_path"] == "embedded:smollm2-135m-instruct"
    assert acfg["base_model_signature"] == base_signature(lm.model.config.to_dict())
    assert acfg["layers_to_transform"] == [28, 29] and acfg["r"] == 4
    gen = json.loads((out / "generation_config.json").read_text())
    eos = gen["eos_token_id"] if isinstance(gen["eos_token_id"], list) else [gen["eos_token_id"]]
    assert lm.tokenizer.convert_tokens_to_ids("<|im_end|>") in eos
    from safetensors import safe_open

    with safe_open(str(out / "adapter_model.safetensors"), "pt") as f:
        assert {str(f.get_tensor(k).dtype) for k in f.keys()} == {"torch.float16"}
    card = (out / "README.md").read_text()
    assert "medrouter train tiny.yaml" in card and "fhirfly" in card
    assert report["steps"] == 2 and report["tokens_per_s"] > 0 and report["data"]["per_task"]["refusal"] == 2
    assert validate_adapter("medical_qa", out, lm.model).folder == out
    assert not T.checkpoints_dir(out).exists()  # removed after a successful run


def test_merged_model_reloads_with_plain_transformers(real_run, tmp_path):
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    cfg, out, _ = real_run
    dest = T.merge_adapter(out, T.resolve_base(cfg, T.load_settings(cfg)), tmp_path / "merged")
    assert (dest / "config.json").is_file() and (dest / "generation_config.json").is_file()
    model = AutoModelForCausalLM.from_pretrained(str(dest))
    tok = AutoTokenizer.from_pretrained(str(dest))
    ids = tok.apply_chat_template([{"role": "user", "content": "What is asthma?"}], add_generation_prompt=True,
                                  return_tensors="pt", return_dict=True)
    with torch.no_grad():
        gen = model.generate(**ids, max_new_tokens=4, do_sample=False)
    assert gen.shape[1] == ids["input_ids"].shape[1] + 4 or tok.convert_tokens_to_ids("<|im_end|>") in gen[0].tolist()
    assert tok.convert_tokens_to_ids("<|im_end|>") in (model.generation_config.eos_token_id or [])


@pytest.fixture(scope="module")
def tiny_base(tmp_path_factory, lm):
    """A random 2-layer Llama with the real SmolLM2 tokenizer and chat template (plumbing tests)."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    d = tmp_path_factory.mktemp("tiny_base")
    torch.manual_seed(0)
    cfg = LlamaConfig(vocab_size=len(lm.tokenizer), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                      num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=512,
                      bos_token_id=1, eos_token_id=2, pad_token_id=2, tie_word_embeddings=True)
    LlamaForCausalLM(cfg).save_pretrained(str(d))
    lm.tokenizer.save_pretrained(str(d))
    return d


def test_resume_continues_from_the_last_checkpoint(tmp_path, tiny_base):
    raw = tiny_config(tmp_path, base_model=str(tiny_base), lora={"top_layers": None},
                      training={"max_steps": 2, "keep_checkpoints": True})
    first = T.train(parse_train_config(raw), cuda_available=False)
    assert first["steps"] == 2 and first["resumed_from"] is None
    raw["training"]["max_steps"] = 3
    second = T.train(parse_train_config(raw), resume=True, cuda_available=False)
    assert second["resumed_from"].endswith("checkpoint-2") and second["steps"] == 3


def test_failed_save_leaves_the_previous_adapter_intact(tmp_path, tiny_base, monkeypatch):
    raw = tiny_config(tmp_path, base_model=str(tiny_base), training={"max_steps": 1})
    T.train(parse_train_config(raw), cuda_available=False)
    out = Path(raw["output_dir"])
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    def disk_full(*a, **k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(T, "_cast_safetensors", disk_full)
    with pytest.raises(OSError, match="No space left"):
        T.train(parse_train_config(raw), cuda_available=False)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert [p.name for p in out.parent.iterdir() if ".tmp-" in p.name or ".old-" in p.name] == []


def test_mode_switch_from_one_yaml(tmp_path):
    cfg = parse_train_config(tiny_config(tmp_path))
    assert cfg.resolved_mode(cuda_available=True) == "qlora"
    assert cfg.resolved_mode(cuda_available=False) == "lora-cpu"
    cfg = parse_train_config(tiny_config(tmp_path, quantization="none"))
    assert cfg.resolved_mode(cuda_available=True) == "lora-bf16"


def test_every_shipped_config_loads_and_its_data_exists():
    from training.data import BUILDERS

    configs = sorted((ROOT / "training" / "configs").glob("*.yaml"))
    assert {c.stem for c in configs} >= {"medical_qa", "summarization", "advice"}
    for path in configs:
        cfg = load_train_config(path)
        assert cfg.expert == path.stem and "medrouter train" in path.read_text().split("\n", 5)[2]
        for s in cfg.data:
            assert s.builder in BUILDERS
            if s.path:
                assert Path(cfg.resolve_source_path(s.path)).exists(), s.path


def test_config_errors_are_reported_all_at_once(tmp_path):
    from medrouter.core.errors import ConfigError

    bad = tiny_config(tmp_path, mode="lora-cpu", training={"learning_rate": -1})
    bad["data"].append({"builder": "nope", "path": "x"})
    bad["lorra"] = {}
    with pytest.raises(ConfigError) as err:
        parse_train_config(bad)
    msg = str(err.value)
    assert "learning_rate" in msg and "lorra" in msg
    bad.pop("lorra")
    bad["training"]["learning_rate"] = 1e-4
    with pytest.raises(ConfigError) as err:
        parse_train_config(bad)
    assert "does not quantize" in str(err.value)
    bad["quantization"] = "none"
    with pytest.raises(ConfigError, match="unknown builder 'nope'"):
        parse_train_config(bad)
