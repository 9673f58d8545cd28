"""ExpertPool on the real embedded base with tiny real LoRA adapters: per-row adapters in one batch,
the fast LoRA forward against peft's own, and answers that stop for the reason they report."""
from __future__ import annotations

import threading

import pytest
import torch

from experts import GenerationRequest
from experts.config import GenerationSettings
from experts.prompting import build_messages
from medrouter.core.errors import InputError, UnknownExpertError

QUESTION = [{"role": "user", "content": "What is hypertension?"}]
SHORT = GenerationSettings(max_new_tokens=10)


# These compare with peft's forward and with generate to fp32 tolerance (tests/experts/conftest.py,
# _on_fp32): the session's pools with the same experts and adapters on an fp32 base; tests/medrouter/core/
# test_int4.py and bench/cpu_decode.py cover the int4 path and its agreement.
@pytest.fixture
def adapter_pool(fp32_adapter_pool):
    return fp32_adapter_pool


@pytest.fixture
def base_pool(fp32_base_pool):
    return fp32_base_pool


@pytest.fixture
def pool(fp32_pool):
    return fp32_pool


def test_mixed_batch_gives_each_row_its_own_adapter(adapter_pool):
    experts = ["medical_qa", "summarization", "advice"]  # adapter one, adapter two, base model
    reqs = [GenerationRequest(e, QUESTION, SHORT) for e in experts]
    mixed = adapter_pool.generate(reqs)
    alone = [adapter_pool.generate([r])[0] for r in reqs]
    assert [g.text for g in mixed] == [g.text for g in alone]
    assert len({g.text for g in mixed}) == 3, "each adapter (and the base) answers differently"
    assert [g.expert for g in mixed] == experts
    # peft's own per-row path (adapter_names) gives the same answers as the fast path
    fast = adapter_pool.shared.fast
    fast.set_enabled(False)
    try:
        reference = adapter_pool.generate(reqs)
    finally:
        fast.set_enabled(True)
    assert [g.text for g in reference] == [g.text for g in mixed]


def test_fast_lora_forward_matches_peft_logits(adapter_pool):
    model, fast = adapter_pool.model, adapter_pool.shared.fast
    names = [adapter_pool.adapter_of["medical_qa"], adapter_pool.adapter_of["summarization"], None]
    ids = torch.tensor(adapter_pool.encode(QUESTION, 8)[0])[None].repeat(3, 1)
    with torch.inference_mode():
        fast.set_rows(names)
        ours = model(input_ids=ids).logits[:, -1]
        fast.reset()
        fast.set_enabled(False)
        try:
            ref = model(input_ids=ids, adapter_names=[n or "__base__" for n in names]).logits[:, -1]
        finally:
            fast.set_enabled(True)
    assert fast.covers_all and len(fast.layers) == 7 * adapter_pool.model.config.num_hidden_layers
    torch.testing.assert_close(ours, ref, rtol=1e-4, atol=1e-4)
    assert not torch.allclose(ours[0], ours[2], atol=1e-3)  # the adapter changes the logits


def test_base_pool_is_unaffected_by_adapters_loaded_on_the_shared_base(base_pool, adapter_pool):
    assert base_pool.shared is adapter_pool.shared  # one base model in memory
    ours = base_pool.generate([GenerationRequest("medical_qa", QUESTION, SHORT)])[0]
    via_adapter_pool = adapter_pool.generate([GenerationRequest("advice", QUESTION, SHORT)])[0]  # no adapter
    assert ours.text == via_adapter_pool.text


def test_each_row_keeps_its_own_max_new_tokens_and_reports_length(pool):
    reqs = [GenerationRequest("medical_qa", QUESTION, GenerationSettings(max_new_tokens=3)),
            GenerationRequest("medical_qa", QUESTION, GenerationSettings(max_new_tokens=9))]
    a, b = pool.generate(reqs)
    assert (a.completion_tokens, a.finish_reason, a.stop_reason) == (3, "length", "max_new_tokens")
    assert b.completion_tokens == 9 or b.finish_reason == "stop"
    assert b.text.startswith(a.text)


def test_stop_string_ends_the_answer_and_is_cut(pool):
    g = GenerationSettings(max_new_tokens=40, stop=["."])
    out = pool.generate_one("medical_qa", QUESTION, g)
    assert out.stop_reason == "stop_string" and out.finish_reason == "stop"
    assert "." not in out.text and out.text


def test_stream_pieces_add_up_to_the_final_text(pool):
    g = GenerationSettings(max_new_tokens=24, stop=["blood"])
    items = list(pool.stream("medical_qa", QUESTION, g))
    *pieces, final = items
    assert all(isinstance(p, str) for p in pieces) and final.completion_tokens > 0
    assert "".join(pieces).strip() == final.text
    assert "blood" not in "".join(pieces)


def test_closing_a_stream_stops_the_model(pool):
    g = GenerationSettings(max_new_tokens=1500, repeat_ngram=0)
    cancel = threading.Event()
    it = pool.stream("medical_qa", QUESTION, g, cancel=cancel)
    assert isinstance(next(it), str)
    it.close()  # what a disconnecting HTTP client does
    assert cancel.is_set()
    assert not pool.shared.lock.locked()  # the generation thread has ended and released the model


def test_unknown_expert(pool):
    with pytest.raises(UnknownExpertError, match="unknown expert 'cardiology'"):
        pool.generate([GenerationRequest("cardiology", QUESTION)])


def _pool_with_context(settings, tokens):
    from experts import ExpertPool

    s = settings.model_copy(deep=True)
    s.base_model.max_context_tokens = tokens
    return ExpertPool(s)


def test_long_documents_are_truncated_keeping_the_question(settings):
    pool = _pool_with_context(settings, 300)

    class Ex:
        def __init__(self, i):
            self.source, self.page, self.text = f"report{i}.pdf", i, "Blood pressure was measured. " * 40

    question = "When can I go back to work after the operation?"
    msgs = build_messages(settings.expert("advice"), question, [Ex(1), Ex(2), Ex(3)])
    ids, truncated = pool.encode(msgs, 100)
    text = pool.tokenizer.decode(ids)
    assert truncated and len(ids) <= 200
    assert text.rstrip().endswith("assistant") and question in text
    assert "[1] (source: report1.pdf, page 1)" in text and "truncated to fit the context window" in text

    report = "Physical examination.\n" + "Heart sounds normal, no murmurs. " * 200 + "\nPlease summarize this report."
    ids, truncated = pool.encode(build_messages(settings.expert("summarization"), report), 100)
    text = pool.tokenizer.decode(ids)
    assert truncated and len(ids) <= 200 and "Please summarize this report." in text
    assert "Physical examination." in text


def test_a_question_that_cannot_fit_is_a_clear_error(settings):
    pool = _pool_with_context(settings, 256)

    class Ex:
        source, page, text = "a.pdf", None, "Some excerpt. " * 50

    msgs = build_messages(settings.expert("advice"), "why " * 400, [Ex()])
    with pytest.raises(InputError, match="does not fit"):
        pool.encode(msgs, 100)
