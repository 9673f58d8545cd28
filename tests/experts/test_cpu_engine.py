"""experts/cpu_engine.py, the scheduler's lean single-row CPU decode step, on the real embedded base
(fp32 weights, loaded once for this module) and a tiny real LoRA adapter: its greedy tokens are the
greedy tokens of eager transformers (`generate`, and peft's own forward with an adapter) in every cache
width bucket, for a prompt longer than a bucket too; past its last bucket it says so (the scheduler then
keeps the model's forward); the scheduler's stopping rules apply unchanged on it; a bad shape is a
clear error. The step runs eagerly here (serve.cpu_decode: eager; same ops, no compiler); the compiled
step and the background warm-up are in the slow tests at the end.

Tolerance: the engine sums in another order than transformers (fused q/k/v and gate/up, attention
over a zero-padded bucket, the int8-group head), so equality is up to fp32 rounding. Measured on this
CPU (fp32): every greedy token identical (bench/cpu_decode.py read 3: 20 dev prompts x 48 tokens,
identical 1.0), logits within ~1e-4 of the model's. The tests ask for identical tokens and for
logits within 2e-3, and report the agreement in the assertion message when it fails.
"""
from __future__ import annotations

import time

import pytest
import torch

from experts.cpu_engine import BUCKETS, CpuDecoder, EngineUnsupported
from experts.scheduler import _growing_cache

WORDS = ("Hypertension is a long-term condition in which the blood pressure in the arteries is persistently "
         "raised. It usually causes no symptoms, but it raises the risk of stroke, heart attack, heart failure "
         "and kidney disease. Treatment starts with less salt, more exercise, less alcohol and weight loss, "
         "then medicines such as ACE inhibitors, calcium channel blockers or thiazide diuretics. ")


@pytest.fixture(scope="module")
def fp32(lm):
    """A fresh fp32 copy of the embedded base (the session's shared one may be int4 or carry LoRA
    layers) and its tokenizer."""
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(str(lm.path), dtype=torch.float32).eval()
    return model, lm.tokenizer


@pytest.fixture(scope="module")
def dec(fp32):
    """The eager engine over it, max_len 160: buckets (128, 160), small enough to cross every one cheaply
    (the default's 128 ... 4096 differ only in width; the slow compiled test runs 128 and 256)."""
    model, _ = fp32
    d = CpuDecoder(model, None, compile=False, max_len=160)
    assert d.buckets == (128, 160)
    return d


def _prompt(tok, n: int) -> torch.Tensor:
    """A chat prompt of exactly n tokens (the user turn cut to fit)."""
    head = tok.apply_chat_template([{"role": "user", "content": "Explain:"}], add_generation_prompt=True,
                                   tokenize=True)
    head = list(head["input_ids"] if hasattr(head, "keys") else head)
    body = tok(WORDS * 8, add_special_tokens=False)["input_ids"]
    ids = head[:-5] + body[:max(0, n - len(head))] + head[-5:]
    assert len(ids) == n
    return torch.tensor([ids])


@torch.inference_mode()
def _engine_greedy(model, d, ids: torch.Tensor, n: int, adapter=None, force=None):
    """The scheduler's lone-row path: prefill by the model's forward into its growing cache, then one
    engine step per token. Returns (tokens, logits of each step, widths the steps ran at)."""
    cache = _growing_cache(model.config)
    out = model(input_ids=ids, attention_mask=torch.ones_like(ids), past_key_values=cache, use_cache=True,
                logits_to_keep=1)
    tok = out.logits[:, -1].argmax(-1)
    toks, logits, widths = [int(tok)], [], []
    mask, pos = torch.ones_like(ids), torch.tensor([ids.shape[1]])
    for i in range(n - 1):
        if force is not None:
            tok = torch.tensor([force[i]])
        mask = torch.cat([mask, mask[:, :1]], 1)
        lg = d.step(tok, pos, mask, cache, adapter)
        widths.append(cache.layers[0].buf_k.shape[-2])
        logits.append(lg[0])
        tok = lg.argmax(-1)
        pos = pos + 1
        toks.append(int(tok))
    return toks, logits, widths


@torch.inference_mode()
def _eager_logits(model, ids: torch.Tensor, tokens: list[int]) -> torch.Tensor:
    """The model's own logits for each position after the prompt, fed `tokens` (one forward)."""
    full = torch.cat([ids, torch.tensor([tokens])], 1)
    return model(input_ids=full).logits[0, ids.shape[1]:-1].float()  # predicts tokens[1:]


def _generate(model, ids: torch.Tensor, n: int) -> list[int]:
    with torch.inference_mode():
        out = model.generate(input_ids=ids, attention_mask=torch.ones_like(ids), max_new_tokens=n,
                             do_sample=False, temperature=None, top_p=None, top_k=None, repetition_penalty=1.0,
                             pad_token_id=0)
    return out[0, ids.shape[1]:].tolist()


def _agree(ref: list[int], got: list[int]) -> str:
    k = next((i for i, (a, b) in enumerate(zip(ref, got)) if a != b), min(len(ref), len(got)))
    same = sum(a == b for a, b in zip(ref, got))
    return f"first difference at token {k}; {same}/{len(ref)} tokens equal\nref {ref}\ngot {got}"


@pytest.mark.parametrize("prompt, new, want", [
    (40, 8, {128}),  # the first bucket
    (122, 12, {128, 160}),  # crosses 128 -> 160 mid-answer
    (140, 8, {160}),  # a prompt longer than a bucket
])
def test_greedy_tokens_equal_eager_generate_in_every_bucket(fp32, dec, prompt, new, want):
    model, tok = fp32
    ids = _prompt(tok, prompt)
    ref = _generate(model, ids, new)
    got, logits, widths = _engine_greedy(model, dec, ids, new)
    assert set(widths) == want
    assert got[:len(ref)] == ref, _agree(ref, got)
    lg = torch.stack(logits)[:len(ref) - 1]
    diff = float((lg - _eager_logits(model, ids, got)[:len(lg)]).abs().max())
    assert diff < 2e-3, f"logits differ from the model's by {diff}"


def test_past_the_last_bucket_says_so(fp32, dec):
    model, tok = fp32
    ids = _prompt(tok, 159)
    got, _, widths = _engine_greedy(model, dec, ids, 2)  # column 160 is the last the engine has
    assert widths == [160]
    with pytest.raises(EngineUnsupported, match="the engine's 160"):
        _engine_greedy(model, dec, _prompt(tok, 160), 2)
    assert dec.bucket(1) == 128 and dec.bucket(129) == 160
    with pytest.raises(EngineUnsupported, match="161 cache columns exceed the engine's 160"):
        dec.bucket(161)
    assert BUCKETS[:2] == (128, 256)


def test_bad_shapes_are_clear_errors(fp32, dec):
    model, tok = fp32
    ids = _prompt(tok, 40)
    cache = _growing_cache(model.config)
    with torch.inference_mode():
        model(input_ids=ids.repeat(2, 1), attention_mask=torch.ones(2, 40, dtype=torch.long), past_key_values=cache,
              use_cache=True, logits_to_keep=1)
    with pytest.raises(ValueError, match="decodes one row"):  # a batch of two is not the engine's
        dec.step(torch.tensor([5]), torch.tensor([40]), torch.ones(1, 41, dtype=torch.long), cache, None)
    one = _growing_cache(model.config)
    with torch.inference_mode():
        model(input_ids=ids, attention_mask=torch.ones_like(ids), past_key_values=one, use_cache=True,
              logits_to_keep=1)
    with pytest.raises(ValueError, match="decodes one row"):
        dec.step(torch.tensor([[5]]), torch.tensor([40]), torch.ones(1, 41, dtype=torch.long), one, None)
    with pytest.raises(ValueError, match="attention mask"):
        dec.step(torch.tensor([5]), torch.tensor([40]), torch.ones(1, 12, dtype=torch.long), one, None)
    from transformers import DynamicCache

    with pytest.raises(ValueError, match="growing cache"):
        dec.step(torch.tensor([5]), torch.tensor([40]), torch.ones(1, 41, dtype=torch.long),
                 DynamicCache(config=model.config), None)
    with pytest.raises(EngineUnsupported, match="Llama|decoder|model"):  # not a model it runs at all
        CpuDecoder(torch.nn.Linear(4, 4), compile=False)


@pytest.fixture(scope="module")
def peft2(lm, adapters):
    """A fresh fp32 base with the two test adapters, FastLoRA-stacked as the scheduler has them."""
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    from experts.fastlora import FastLoRA

    base = AutoModelForCausalLM.from_pretrained(str(lm.path), dtype=torch.float32).eval()
    pm = PeftModel.from_pretrained(base, str(adapters["one"]), adapter_name="one", is_trainable=False)
    pm.load_adapter(str(adapters["two"]), adapter_name="two", is_trainable=False)
    pm.eval()
    fast = FastLoRA(pm)
    fast.rebuild(["one", "two"])
    return pm, fast, CpuDecoder(pm, fast, compile=False, max_len=256)


def test_lora_adapter_tokens_equal_peft_forward(lm, peft2):
    """With a LoRA expert active (FastLoRA's stacks, as the scheduler has them) the engine's tokens are
    the peft model's own greedy tokens; the base row (adapter None) is the base model's."""
    pm, fast, d = peft2
    ids = _prompt(lm.tokenizer, 60)
    answers = {}
    for adapter in ("one", None):
        fast.set_rows([adapter])  # the prefill (the model's forward) and generate use this route
        ref = _generate(pm, ids, 16)
        got, _, _ = _engine_greedy(pm, d, ids, 16, adapter=adapter)
        assert got[:len(ref)] == ref, f"adapter {adapter}: " + _agree(ref, got)
        answers[adapter] = got
    assert answers["one"] != answers[None], "the adapter changes the answer (the test would see a lost LoRA)"


def test_batched_step_equals_the_model_forward_per_row(lm, peft2):
    """step_rows, the scheduler's batch on the engine: rows with different adapters (and none), left
    padding, different positions; each row's logits are the model's forward's (fp32, within 1e-3) and
    its greedy tokens the same, through a bucket boundary."""
    pm, fast, d = peft2
    tok = lm.tokenizer
    rows = [_prompt(tok, n)[0].tolist() for n in (120, 90, 100, 110)]
    adapters = ["one", "two", None, "one"]
    from experts.scheduler import left_pad

    ids, mask = left_pad(rows, 0)
    pos = (mask.cumsum(-1) - 1).masked_fill_(mask == 0, 1)
    caches = []
    with torch.inference_mode():
        fast.set_rows(adapters)
        for _ in range(2):  # one cache for the model's forward, one for the engine
            c = _growing_cache(pm.config)
            out = pm(input_ids=ids, attention_mask=mask, position_ids=pos, past_key_values=c, use_cache=True,
                     logits_to_keep=1)
            caches.append(c)
        t_ref = t_eng = out.logits[:, -1].argmax(-1)
        p, m = pos[:, -1] + 1, mask
        widths = set()
        for _ in range(12):  # 120 + 12 columns: 128 -> 256
            m = torch.cat([m, torch.ones_like(m[:, :1])], 1)
            fast.set_rows(adapters)
            ref = pm(input_ids=t_ref[:, None], attention_mask=m, position_ids=p[:, None], past_key_values=caches[0],
                     use_cache=True).logits[:, -1].float()
            got = d.step_rows(t_eng, p, m, caches[1], adapters)
            widths.add(caches[1].layers[0].buf_k.shape[-2])
            assert float((ref - got).abs().max()) < 1e-3
            t_ref, t_eng = ref.argmax(-1), got.argmax(-1)
            assert t_ref.tolist() == t_eng.tolist()
            p = p + 1
    assert widths == {128, 256}
    with pytest.raises(ValueError, match="do not match"):
        d.step_rows(t_eng, p, m, caches[1], adapters[:3])


def _rows_state(model, tok, lengths, adapters, fast=None):
    """Left-padded prompts of these lengths prefilled by the model's forward into a growing cache:
    (first tokens, positions, mask, cache)."""
    from experts.scheduler import left_pad

    ids, mask = left_pad([_prompt(tok, n)[0].tolist() for n in lengths], 0)
    pos = (mask.cumsum(-1) - 1).masked_fill_(mask == 0, 1)
    cache = _growing_cache(model.config)
    with torch.inference_mode():
        if fast is not None:
            fast.set_rows(adapters)
        out = model(input_ids=ids, attention_mask=mask, position_ids=pos, past_key_values=cache, use_cache=True,
                    logits_to_keep=1)
    return out.logits[:, -1].argmax(-1), pos[:, -1] + 1, mask, cache


def _rows_steps(d, state, adapters, n: int, **settings):
    """n batched steps from a copy of `state` with these CpuDecoder settings: (tokens, logits) per step."""
    import copy

    tok, p, m, cache = state
    cache = copy.deepcopy(cache)
    saved = {k: getattr(d, k) for k in settings}
    for k, v in settings.items():
        setattr(d, k, v)
    out = []
    try:
        for _ in range(n):
            m = torch.cat([m, torch.ones_like(m[:, :1])], 1)
            logits = d.step_rows(tok, p, m, cache, adapters)
            tok, p = logits.argmax(-1), p + 1
            out.append((tok.tolist(), logits))
    finally:
        for k, v in settings.items():
            setattr(d, k, saved[k])
    return out


def test_batched_step_attention_over_used_columns_equals_the_whole_bucket(lm, peft2):
    """step_rows' attention (one SDPA over the used cache columns) gives the logits of the step before it
    (two matmuls over the whole bucket, rows_attention="bmm", trim_attention off): fp32, within 1e-4;
    an unknown attention name is a clear error."""
    pm, fast, d = peft2
    adapters = ["one", None, "two", "one", None]
    state = _rows_state(pm, lm.tokenizer, (70, 40, 55, 62, 45), adapters, fast)
    new = _rows_steps(d, state, adapters, 4)
    old = _rows_steps(d, state, adapters, 4, rows_attention="bmm", trim_attention=False)
    for (t_new, l_new), (t_old, l_old) in zip(new, old):
        assert float((l_new - l_old).abs().max()) < 1e-4 and t_new == t_old
    with pytest.raises(ValueError, match="rows_attention"):
        _rows_steps(d, state, adapters, 1, rows_attention="flash")


# fp32_pool (tests/experts/conftest.py): token equality with generate is only asked of an fp32 base


def test_stopping_rules_apply_on_the_engine_path(fp32_pool, settings):
    """A lone request through a scheduler whose lone row runs on the engine (eager) stops where
    `generate` (pool._run) stops: max_new_tokens, a stop string, EOS; the engine ran its steps."""
    pool = fp32_pool
    from experts import GenerationRequest
    from experts.config import GenerationSettings
    from experts.prompting import build_messages
    from experts.scheduler import Scheduler

    sched = Scheduler(pool.shared, max_batch=4, max_queue=4, cpu_decode="eager")
    msgs = build_messages(settings.expert("medical_qa"), "What is hypertension?")
    shipped = pool.scheduler
    try:
        pool.scheduler = sched  # the pool's own prompts and answers, on this scheduler
        for g in (GenerationSettings(max_new_tokens=7), GenerationSettings(max_new_tokens=40, stop=["."]),
                  GenerationSettings(max_new_tokens=60, stop=["blood"])):
            ref = pool._run([GenerationRequest("medical_qa", msgs, g)])[0]  # generate, one request
            got = pool.generate_one("medical_qa", msgs, g)
            assert (got.text, got.stop_reason, got.completion_tokens) == \
                (ref.text, ref.stop_reason, ref.completion_tokens), g
            for stop in g.stop or []:
                assert stop not in got.text
    finally:
        pool.scheduler = shipped
    dec = sched._decoder()
    assert dec is not None and dec.steps > 0, "the lone rows ran on the engine"


# ---- compiled ------------------------------------------------------------------------------------
@pytest.mark.slow
def test_compiled_step_gives_the_eager_tokens_in_each_bucket(fp32, dec):
    """torch.compile (inductor, dynamic=False: one graph per bucket) changes nothing but speed."""
    model, tok = fp32
    comp = CpuDecoder(model, None, compile=True, max_len=300)
    ref = CpuDecoder(model, None, compile=False, max_len=300)
    for prompt, new in ((40, 8), (124, 12)):  # 128, then 128 -> 256
        ids = _prompt(tok, prompt)
        eager, _, widths = _engine_greedy(model, ref, ids, new)
        got, _, _ = _engine_greedy(model, comp, ids, new)
        assert comp.compile_error is None and comp.compiled
        assert got == eager, _agree(eager, got)
    assert set(comp.compile_s) == {128, 256} and comp.eager_steps == 0


@pytest.mark.slow
def test_warm_up_in_the_background_does_not_block_and_eager_serves_meanwhile(fp32, dec):
    """`warm()` compiles the buckets on a background thread; until a bucket is ready its steps run
    eagerly (same tokens), so the first request at a new width never waits for the compiler."""
    model, tok = fp32
    comp = CpuDecoder(model, None, compile=True, max_len=160, background=True)
    t0 = time.perf_counter()
    comp.warm(background=True)
    assert time.perf_counter() - t0 < 1.0, "warm(background=True) returns at once"
    ids = _prompt(tok, 40)
    got, _, _ = _engine_greedy(model, comp, ids, 8)  # while compiling: eager steps, same tokens
    assert got == _engine_greedy(model, dec, ids, 8)[0]
    assert comp.wait_warm(timeout=600)
    assert comp.ready_widths() == {128, 160} and comp.compile_error is None
    eager0 = comp.eager_steps
    got, _, _ = _engine_greedy(model, comp, ids, 8)
    assert got == _engine_greedy(model, dec, ids, 8)[0]
    assert comp.eager_steps == eager0, "once warm, every step is compiled"


def test_int4_batched_step_through_the_dense_copy_matches_the_kernel(lm, adapter_pool):
    """int4 base: step_rows with dense_rows (the weights' dense bf16 copy, one GEMM for every row) gives
    the int4 kernel's logits up to bf16 rounding (the kernel rounds scales and zeros to bf16, the copy the
    dequantized weights) at several row counts, with the same greedy first tokens; a bad dense_rows is a
    clear error. (Off by default: bench/batch_step.py measured the copy slower than the kernel here.)"""
    from experts.cpu_engine import decoder_for

    shared = adapter_pool.shared
    d = decoder_for(shared, compile=False, background=False)
    if d is None or not isinstance(d.weights[0]["qkv"], tuple):
        pytest.skip("no int4 base on this CPU (quantization: auto picks int4 only with native bf16)")
    names = [None] + [a for a in (shared.fast.slots if shared.fast is not None else {})][:2]
    state, adapters = _matches_the_kernel(d, lm, shared, names, ((50, 35), (60, 41, 52, 47, 38)),
                                          {"dense_rows": None}, {"dense_rows": 1})
    for bad in (0, -2, "8", 2.5, True):
        with pytest.raises(ValueError, match="dense_rows"):
            _rows_steps(d, state, adapters, 1, dense_rows=bad)


def _matches_the_kernel(d, lm, shared, names, row_lengths, kernel_kw, other_kw):
    """For each prompt-length tuple: two steps on the kernel and on the other path give the same greedy
    first tokens and logits within bf16 rounding (5% of the largest). Returns the last (state, adapters)."""
    for lengths in row_lengths:
        adapters = [names[i % len(names)] for i in range(len(lengths))]
        state = _rows_state(shared.model, lm.tokenizer, lengths, adapters, shared.fast)
        (t_k, l_k), (t_o, l_o) = (_rows_steps(d, state, adapters, 2, **kernel_kw)[0],
                                  _rows_steps(d, state, adapters, 2, **other_kw)[0])
        diff = float((l_k - l_o).abs().max())
        assert diff < 0.05 * float(l_k.abs().max()), f"{len(lengths)} rows: logits {diff} apart"
        assert t_k == t_o
    return state, adapters


def _int4_rows_decoder(adapter_pool):
    """A fresh eager engine over the session's int4 base (its own rows graphs, so none leak into the shared
    decoder), and the base's adapter names; skips without an int4 base."""
    shared = adapter_pool.shared
    d = CpuDecoder(shared.model, shared.fast, compile=False, max_len=256)
    if not isinstance(d.weights[0]["qkv"], tuple):
        pytest.skip("no int4 base on this CPU (quantization: auto picks int4 only with native bf16)")
    return shared, d, [None] + list(shared.fast.slots if shared.fast is not None else {})[:2]


def test_int4_rows_dispatch_swaps_in_each_ready_projection(lm, adapter_pool):
    """rows_compile's dispatch without the compiler (the rows graphs given as the plain function, so the same
    kernel): a step of rows_compile rows or more runs every projection whose graph is ready through it and
    the rest on the kernel, with the kernel's logits exactly; fewer rows, or rows_compile None, never use
    it; an engine built with compile=False never starts compiling; a bad rows_compile is a clear error."""
    shared, d, names = _int4_rows_decoder(adapter_pool)
    assert d._compile_rows(layers=[0, 2], compiler=lambda fn: fn) == 0 and len(d._frozen) == 8
    calls = []
    for key, f in d._frozen.items():
        f.fn = (lambda fn, key: lambda x, m: calls.append(key) or fn(x, m))(f.fn, key)
    for lengths in ((50, 35), (60, 41, 52, 47, 38)):
        adapters = [names[i % len(names)] for i in range(len(lengths))]
        state = _rows_state(shared.model, lm.tokenizer, lengths, adapters, shared.fast)
        kernel = _rows_steps(d, state, adapters, 2, rows_compile=None)
        assert not calls
        rows = _rows_steps(d, state, adapters, 2, rows_compile=2)
        assert len(calls) == 2 * 8 and set(calls) == set(d._frozen)
        calls.clear()
        assert all(tk == tr and torch.equal(lk, lr) for (tk, lk), (tr, lr) in zip(kernel, rows))
        _rows_steps(d, state, adapters, 1, rows_compile=len(lengths) + 1)
        assert not calls
    assert d._worker is None and d.rows_compile_error is None
    for bad in (0, 1, -2, "8", 2.5, True):
        with pytest.raises(ValueError, match="rows_compile"):
            _rows_steps(d, state, adapters, 1, rows_compile=bad)


@pytest.mark.slow
def test_int4_rows_compiled_gemm_matches_the_kernel(lm, adapter_pool):
    """The real rows graphs (inductor's weight-only int4 GEMM, frozen weights, the row count symbolic), for
    one layer only to keep it cheap (~25 s cold on 2 cores; the whole model's 120 take ~2 min, bench/
    batch_step.py --paths rows): at 2, 5 and 12 rows (one graph each, no recompile) the kernel's logits up
    to bf16 rounding of the GEMM's sums, the same greedy tokens."""
    shared, d, names = _int4_rows_decoder(adapter_pool)
    assert d._compile_rows(layers=[0]) == 0, d.rows_compile_error
    assert len(d._frozen) == 4 and d.rows_compile_error is None
    _matches_the_kernel(d, lm, shared, names, ((50, 35), (60, 41, 52, 47, 38), tuple(36 + 3 * i for i in range(12))),
                        {"rows_compile": None}, {"rows_compile": 2})
