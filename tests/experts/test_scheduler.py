"""The continuous batching scheduler on the real embedded base with tiny real LoRA adapters: concurrent
requests (mixed experts, different lengths, joining mid-decode) give the sequential answers; each row
keeps its own brakes; a cancelled stream frees its row; a failing row fails alone; a full queue
refuses at once."""
from __future__ import annotations

import threading
import time

import pytest

from experts import GenerationRequest
from experts.config import GenerationSettings
from experts.prompting import build_messages
from experts.scheduler import Scheduler
from medrouter.core.errors import InputError, QueueFullError

QUESTIONS = ["What is hypertension?", "How does metformin work?", "What causes migraines?",
             "Summarize: BP 150/95 mmHg, HR 88 bpm. Plan: recheck blood pressure in two weeks.",
             "Is ibuprofen safe with high blood pressure?", "What does HbA1c measure?"]
EXPERTS = ["medical_qa", "summarization", "advice"]  # adapter one, adapter two, base model


# Token equality with `generate` is asked in fp32 (tests/experts/conftest.py, _on_fp32): these shadow the
# session's shipped-config pools with the same experts and adapters on an fp32 base.
@pytest.fixture
def pool(fp32_pool):
    return fp32_pool


@pytest.fixture
def adapter_pool(fp32_adapter_pool):
    return fp32_adapter_pool


def _requests(settings, n: int, tokens=(6, 14, 9, 17, 11, 8)) -> list[GenerationRequest]:
    out = []
    for i in range(n):
        e = EXPERTS[i % 3]
        g = settings.expert(e).generation.model_copy(update={"max_new_tokens": tokens[i % len(tokens)]})
        out.append(GenerationRequest(e, build_messages(settings.expert(e), QUESTIONS[i % len(QUESTIONS)]), g))
    return out


def _same(a, b):
    assert (a.text, a.stop_reason, a.completion_tokens, a.prompt_tokens) == \
        (b.text, b.stop_reason, b.completion_tokens, b.prompt_tokens)


def _wait(cond, timeout=60.0):
    deadline = time.time() + timeout
    while not cond():
        assert time.time() < deadline, "timed out"
        time.sleep(0.01)


def test_concurrent_greedy_requests_equal_sequential_generate(adapter_pool, adapter_settings):
    """Greedy answers through the running batch are the answers of one `generate` call per request
    (today's path), token for token, in float32: left padding is masked out exactly, and on this CPU
    the per-row float sums came out identical (no tolerance needed for these prompts)."""
    pool = adapter_pool
    reqs = _requests(adapter_settings, 6)
    sequential = [pool._run([r])[0] for r in reqs]
    sched = pool.scheduler
    steps0 = sched.steps
    results: list = [None] * len(reqs)

    def call(i):
        results[i] = pool.generate_one(reqs[i].expert, reqs[i].messages, reqs[i].settings)

    first = [threading.Thread(target=call, args=(i,)) for i in range(3)]
    for t in first:
        t.start()
    _wait(lambda: sched.steps >= steps0 + 2)  # the first three are mid-decode ...
    rest = [threading.Thread(target=call, args=(i,)) for i in range(3, len(reqs))]
    for t in rest:  # ... when the others join
        t.start()
    for t in first + rest:
        t.join(timeout=300)
    for a, b in zip(results, sequential):
        _same(a, b)
    assert sched.peak_rows >= 4, "the requests were decoded together"
    assert [g.expert for g in results] == [r.expert for r in reqs]
    assert all(g.timings_ms["first_token"] <= g.timings_ms["total"] for g in results)


def test_each_row_keeps_its_stop_strings_and_max_new_tokens(pool, settings):
    g = settings.expert("medical_qa").generation
    msgs = build_messages(settings.expert("medical_qa"), "What is hypertension?")
    reqs = [GenerationRequest("medical_qa", msgs, g.model_copy(update={"max_new_tokens": 3})),
            GenerationRequest("medical_qa", msgs, g.model_copy(update={"max_new_tokens": 30, "stop": ["."]})),
            GenerationRequest("medical_qa", msgs, g.model_copy(update={"max_new_tokens": 9}))]
    a, b, c = pool.generate(reqs)  # one batch
    assert (a.completion_tokens, a.finish_reason, a.stop_reason) == (3, "length", "max_new_tokens")
    assert b.stop_reason == "stop_string" and "." not in b.text and b.text
    assert c.completion_tokens == 9 or c.finish_reason == "stop"
    assert c.text.startswith(a.text)
    for got, ref in zip((a, b, c), [pool._run([r])[0] for r in reqs]):
        _same(got, ref)


def test_sampling_rows_beside_greedy_rows(pool, settings):
    msgs = build_messages(settings.expert("medical_qa"), "What is hypertension?")
    greedy = GenerationSettings(max_new_tokens=8)
    hot = GenerationSettings(max_new_tokens=8, temperature=1.2, top_p=0.9)
    g1, s1, g2 = pool.generate([GenerationRequest("medical_qa", msgs, greedy), GenerationRequest("medical_qa", msgs, hot),
                                GenerationRequest("medical_qa", msgs, greedy)])
    assert g1.text == g2.text == pool._run([GenerationRequest("medical_qa", msgs, greedy)])[0].text
    assert s1.completion_tokens >= 1


def test_stream_pieces_through_the_scheduler_add_up(pool, settings):
    g = GenerationSettings(max_new_tokens=20, stop=["blood"])
    msgs = build_messages(settings.expert("medical_qa"), "What is hypertension?")
    *pieces, final = list(pool.stream("medical_qa", msgs, g))
    assert all(isinstance(p, str) for p in pieces) and "".join(pieces).strip() == final.text
    assert "blood" not in final.text
    assert final.text == pool._run([GenerationRequest("medical_qa", msgs, g)])[0].text


def test_a_cancelled_stream_frees_its_row(pool):
    g = GenerationSettings(max_new_tokens=1500, repeat_ngram=0)
    it = pool.stream("medical_qa", [{"role": "user", "content": "What is hypertension?"}], g)
    assert isinstance(next(it), str)
    assert pool.scheduler.load["running"] == 1
    it.close()  # what a disconnecting client does: returns once the row has left the batch
    assert pool.scheduler.idle()
    assert pool.generate_one("medical_qa", [{"role": "user", "content": "Hi"}], GenerationSettings(max_new_tokens=2))


def _small(pool, max_batch=1, max_queue=1) -> Scheduler:
    return Scheduler(pool.shared, max_batch=max_batch, max_queue=max_queue)


def _job(pool, text="What is hypertension?", tokens=1500):
    g = GenerationSettings(max_new_tokens=tokens, repeat_ngram=0)
    return pool._prepare(GenerationRequest("medical_qa", [{"role": "user", "content": text}], g)).job


def test_a_full_queue_refuses_at_once_and_a_cancelled_job_frees_its_place(pool):
    sched = _small(pool, max_batch=1, max_queue=1)
    running, waiting = _job(pool), _job(pool)
    sched.submit(running)
    sched.submit(waiting)
    _wait(lambda: sched.steps >= 1)
    t = time.perf_counter()
    with pytest.raises(QueueFullError, match="queue is full") as full:
        sched.submit(_job(pool))
    assert time.perf_counter() - t < 0.5 and full.value.retry_after >= 1
    waiting.cancel.set()  # a waiting job that is cancelled leaves without running
    assert waiting.future.result(timeout=60).reason == "cancelled" and waiting.future.result().tokens == []
    running.cancel.set()
    out = running.future.result(timeout=60)
    assert out.reason == "cancelled" and len(out.tokens) >= 1
    short = _job(pool, tokens=3)
    sched.submit(short)  # room again
    assert len(short.future.result(timeout=60).tokens) == 3


def test_a_failing_row_fails_alone(pool, settings):
    sched = _small(pool, max_batch=4, max_queue=4)
    good, bad = _job(pool, tokens=5), _job(pool, tokens=5)
    bad.ids = bad.ids[:-1] + [pool.model.config.vocab_size + 7]  # no such token: its prefill raises
    with sched._cv:  # both join at the same step boundary: one prefill group
        sched.submit(good)
        sched.submit(bad)
    with pytest.raises(IndexError):
        bad.future.result(timeout=60)
    assert len(good.future.result(timeout=60).tokens) == 5
    ref = pool._run([GenerationRequest("medical_qa", [{"role": "user", "content": "What is hypertension?"}],
                                       GenerationSettings(max_new_tokens=5, repeat_ngram=0))])[0]
    assert pool.tokenizer.decode(good.future.result().tokens, skip_special_tokens=True).strip() == ref.text
    # an unusable prompt in a batch call fails before anything is queued
    with pytest.raises(InputError):
        pool.generate([GenerationRequest("medical_qa", [{"role": "user", "content": "ok"}]),
                       GenerationRequest("medical_qa", [{"role": "assistant", "content": "no user"}, {}])])
    assert pool.scheduler.idle()


def _greedy_job(pool, expert, text, tokens):
    g = GenerationSettings(max_new_tokens=tokens)
    return pool._prepare(GenerationRequest(expert, build_messages(pool.specs[expert], text), g)).job


def test_chunked_prefill_gives_the_one_shot_tokens(adapter_pool):
    """A prompt longer than max_prefill_tokens is prefilled in chunks, one per step boundary, and gives
    the greedy tokens of the one-shot prefill (the default scheduler) and of `generate`."""
    pool = adapter_pool
    for expert, text in (("medical_qa", QUESTIONS[0]), ("summarization", QUESTIONS[3]), ("advice", QUESTIONS[4])):
        one_shot = _greedy_job(pool, expert, text, 12)
        pool.scheduler.submit(one_shot)
        ref = one_shot.future.result(timeout=120)
        sched = Scheduler(pool.shared, max_batch=4, max_queue=4, max_prefill_tokens=16)
        job = _greedy_job(pool, expert, text, 12)
        assert len(job.ids) > 3 * 16
        sched.submit(job)
        out = job.future.result(timeout=120)
        assert sched.prefill_chunks == -(-len(job.ids) // 16)
        assert (out.tokens, out.reason) == (ref.tokens, ref.reason)


def test_running_rows_decode_between_the_chunks_of_a_long_prompt(adapter_pool):
    """While a long prompt is prefilled chunk by chunk the running row keeps decoding, and both get the
    tokens they get alone."""
    pool = adapter_pool
    sched = Scheduler(pool.shared, max_batch=4, max_queue=4, max_prefill_tokens=8)
    running = _greedy_job(pool, "medical_qa", QUESTIONS[1], 40)
    late = _greedy_job(pool, "summarization", QUESTIONS[3], 6)
    ref_running, ref_late = (pool._run([GenerationRequest(e, build_messages(pool.specs[e], q),
                                                          GenerationSettings(max_new_tokens=n))])[0]
                             for e, q, n in (("medical_qa", QUESTIONS[1], 40), ("summarization", QUESTIONS[3], 6)))
    sched.submit(running)
    _wait(lambda: sched.steps >= 8)  # running is mid-decode (its own prefill took several chunks)
    chunks0, steps0 = sched.prefill_chunks, sched.steps
    sched.submit(late)
    a, b = running.future.result(timeout=300), late.future.result(timeout=300)
    n_chunks = -(-len(late.ids) // 8)
    assert sched.prefill_chunks - chunks0 == n_chunks
    if a.tokens and len(a.tokens) > 8 + n_chunks:  # still running while the late prompt was chunked
        assert sched.steps - steps0 >= n_chunks - 1, "decode steps ran between the chunks"
    for out, ref in ((a, ref_running), (b, ref_late)):
        assert pool.tokenizer.decode(out.tokens, skip_special_tokens=True).strip() == ref.text


def test_a_cancelled_prompt_stops_being_prefilled_and_a_failing_chunk_fails_alone(pool):
    sched = Scheduler(pool.shared, max_batch=4, max_queue=4, max_prefill_tokens=1)  # one column per chunk
    job = _job(pool, tokens=5)
    sched.submit(job)
    _wait(lambda: sched.prefill_chunks >= 2)
    job.cancel.set()
    out = job.future.result(timeout=120)
    assert out.reason == "cancelled" and out.tokens == []
    assert sched.prefill_chunks < len(job.ids)
    sched = Scheduler(pool.shared, max_batch=4, max_queue=4, max_prefill_tokens=8)
    good, bad = _job(pool, tokens=5), _job(pool, tokens=5)
    bad.ids = bad.ids[:-1] + [pool.model.config.vocab_size + 7]  # its last chunk raises
    sched.submit(good)
    sched.submit(bad)
    with pytest.raises(IndexError):
        bad.future.result(timeout=120)
    assert len(good.future.result(timeout=120).tokens) == 5
    assert sched.idle()


def test_a_lone_newcomer_reuses_the_prompt_prefix_it_shares(pool, settings):
    """Two questions to one expert share its system prompt (and few-shot turns): the second prefill starts
    from the first one's kept KV and gives the tokens a full prefill gives (`generate`, one request)."""
    sched = Scheduler(pool.shared, max_batch=4, max_queue=4, prefix_cache=True)  # (serve.prefix_cache: off by default)
    g = GenerationSettings(max_new_tokens=12)
    outs = []
    for q in ("What is hypertension?", "How does metformin work?"):
        job = _greedy_job(pool, "medical_qa", q, 12)
        sched.submit(job)
        outs.append((q, job.future.result(timeout=120)))
    assert sched.prefix_tokens >= Scheduler.PREFIX_MIN, "the second prompt reused the first one's prefix"
    for q, out in outs:
        ref = pool._run([GenerationRequest("medical_qa", build_messages(pool.specs["medical_qa"], q), g)])[0]
        assert pool.tokenizer.decode(out.tokens, skip_special_tokens=True).strip() == ref.text
    other = _greedy_job(pool, "summarization", QUESTIONS[3], 4)  # another adapter: no reuse across adapters
    before = sched.prefix_tokens
    sched.submit(other)
    other.future.result(timeout=120)
    assert sched.prefix_tokens == before or pool.adapter_of.get("summarization") == pool.adapter_of.get("medical_qa")


def test_the_batch_engine_and_prefix_cache_knobs_are_validated_serve_fields(pool, settings, monkeypatch):
    """serve.batch_engine / serve.prefix_cache (were $MEDROUTER_BATCH_ENGINE / $MEDROUTER_PREFIX_CACHE):
    defaults = the old behaviour (engine on, prefix cache off), set in the config they reach the scheduler
    the way the runtime builds it, the environment no longer counts, and a bad value is a ConfigError
    naming the field."""
    from medrouter.core.config import parse_config
    from medrouter.core.errors import ConfigError

    assert (settings.serve.batch_engine, settings.serve.prefix_cache) == (True, False)
    monkeypatch.setenv("MEDROUTER_BATCH_ENGINE", "off")
    monkeypatch.setenv("MEDROUTER_PREFIX_CACHE", "on")
    sched = Scheduler(pool.shared)
    assert (sched.batch_engine, sched.prefix_cache) == (True, False)
    data = settings.model_dump(mode="json")
    data["serve"].update(batch_engine=False, prefix_cache=True)
    serve = parse_config(data, "x.yaml").serve
    sched = Scheduler(pool.shared, serve.max_batch, serve.max_queue, serve.max_prefill_tokens, serve.cpu_decode,
                      **serve.scheduler_options())
    assert (sched.batch_engine, sched.prefix_cache) == (False, True)
    for field, bad in (("batch_engine", "maybe"), ("prefix_cache", [1])):
        data = settings.model_dump(mode="json")
        data["serve"][field] = bad
        with pytest.raises(ConfigError, match=f"serve.{field}: Input should be a valid boolean"):
            parse_config(data, "x.yaml")
