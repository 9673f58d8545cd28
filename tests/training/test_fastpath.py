"""The fast training path on a real tiny Llama, on the CPU (lora-cpu mode)."""

from __future__ import annotations

import math

import pytest
import torch

pytest.importorskip("trl")
pytest.importorskip("datasets")

from training import fastpath  # noqa: E402


def _tiny_model_dir(tmp_path, vocab_size=96):
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    vocab = {"<unk>": 0, "<s>": 1, "</s>": 2, **{f"w{i}": i for i in range(3, vocab_size)}}
    tok = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    hf_tok = PreTrainedTokenizerFast(tokenizer_object=tok, unk_token="<unk>", bos_token="<s>", eos_token="</s>")
    hf_tok.chat_template = (
        "{% for m in messages %}{{ m['content'] }}{% if m['role'] == 'assistant' %} </s>{% endif %} {% endfor %}"
    )
    torch.manual_seed(0)
    config = LlamaConfig(
        vocab_size=vocab_size,
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=256,
        bos_token_id=1,
        eos_token_id=2,
    )
    LlamaForCausalLM(config).save_pretrained(tmp_path)
    hf_tok.save_pretrained(tmp_path)
    return str(tmp_path)


def test_modes_registry_and_unknown_mode():
    assert {"qlora", "lora-bf16", "lora-cpu"} <= set(fastpath.MODES)
    with pytest.raises(fastpath.UnknownModeError, match="unknown training mode"):
        fastpath.get_mode("nope")


def test_sft_config_kwargs_token_budget():
    kw = fastpath.sft_config_kwargs("qlora", max_length=512, micro_batch_tokens=16384)
    assert kw["per_device_train_batch_size"] == 32 and kw["padding_free"] and kw["packing_strategy"] == "bfd"
    assert kw[fastpath._checkpointing_key()] and kw["bf16"]
    assert fastpath.sft_config_kwargs("lora-cpu", max_length=4096)["per_device_train_batch_size"] == 1


def test_packed_rows_never_attend_across_examples(tmp_path):
    """A padding-free row of three examples gives each example's logits as if run alone."""
    model, _ = fastpath.load_model_for_training(_tiny_model_dir(tmp_path), "lora-cpu")
    model.eval()
    g = torch.Generator().manual_seed(1)
    seqs = [torch.randint(3, 96, (n,), generator=g) for n in (5, 11, 7)]
    row = torch.cat(seqs)[None]
    position_ids = torch.cat([torch.arange(len(s)) for s in seqs])[None]
    cu = torch.tensor([0, 5, 16, 23], dtype=torch.int32)
    with torch.no_grad():
        packed = model(input_ids=row, position_ids=position_ids, cu_seq_lens_q=cu, cu_seq_lens_k=cu,
                       max_length_q=11, max_length_k=11).logits[0]
        # position_ids alone (no cu_seq_lens) must give the same answer
        packed_pos = model(input_ids=row, position_ids=position_ids).logits[0]
        alone = torch.cat([model(input_ids=s[None]).logits[0] for s in seqs])
    torch.testing.assert_close(packed, alone, rtol=1e-4, atol=1e-4)
    torch.testing.assert_close(packed_pos, alone, rtol=1e-4, atol=1e-4)


def test_sft_trainer_steps_on_tiny_model(tmp_path):
    from datasets import Dataset
    from trl import SFTConfig, SFTTrainer

    model_dir = _tiny_model_dir(tmp_path / "model")
    model, tok = fastpath.load_model_for_training(model_dir, "lora-cpu")
    rows = [
        {
            "prompt": [
                {"role": "system", "content": "w5 w6"},
                {"role": "user", "content": " ".join(f"w{3 + (i + j) % 90}" for j in range(4 + i % 9))},
            ],
            "completion": [{"role": "assistant", "content": " ".join(f"w{3 + (2 * i + j) % 90}" for j in range(3 + i % 5))}],
        }
        for i in range(24)
    ]
    args = SFTConfig(
        output_dir=str(tmp_path / "out"),
        learning_rate=1e-2,
        max_steps=3,
        logging_steps=1,
        report_to="none",
        save_strategy="no",
        **fastpath.sft_config_kwargs("lora-cpu", max_length=64, micro_batch_tokens=128),
    )
    trainer = SFTTrainer(
        model=model,
        args=args,
        train_dataset=Dataset.from_list(rows),
        processing_class=tok,
        peft_config=fastpath.lora_config("lora-cpu", r=4, alpha=8, dropout=0.0, target_modules="all-linear"),
    )
    # completion-only loss, with the end-of-turn token inside the loss
    sample = trainer.train_dataset[0]
    assert "completion_mask" in sample or "labels" in sample
    batch = trainer.data_collator([trainer.train_dataset[i] for i in range(2)])
    assert "position_ids" in batch and "attention_mask" not in batch and batch["input_ids"].shape[0] == 1
    labelled = batch["input_ids"][batch["labels"] != -100]
    assert (labelled == tok.eos_token_id).any()
    result = trainer.train()
    losses = [h["loss"] for h in trainer.state.log_history if "loss" in h]
    assert len(losses) == 3 and all(math.isfinite(x) for x in losses)
    assert math.isfinite(result.training_loss)
