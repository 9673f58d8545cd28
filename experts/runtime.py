"""One base model in memory, every expert's LoRA adapter loaded into one peft model, switched per
row (fastlora.py routes each row to its adapter; peft's `adapter_names` where the fast path does not
cover a layer).

On CPU, batch, single request and stream all go through the continuous batching scheduler
(scheduler.py, one per base model): concurrent calls from the server, the UI and the Python API decode
together in one running batch. On CUDA (and with `serve.continuous_batching: false`, or a model whose
cache the scheduler cannot merge) they go through `_run`: one `generate` call at a time, on the CUDA
graphs engine where it applies. Both paths end rows with the same RowStopper and finish them with
`_generation`, so they stop, cut and report identically.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import torch

from medrouter.core.errors import InputError, UnknownExpertError
from medrouter.core.models import load_lm

from .adapters import SharedBase, shared_base, validate_adapter
from .config import ExpertSpec, GenerationSettings
from .scheduler import Job, Outcome, Scheduler, left_pad, supports
from .stopping import (PerRowRepetitionPenalty, RowLimits, RowStopper, Utf8Streamer, cut_at_stop_strings,
                       decode_text, drop_degenerate_tail, stop_token_ids)

BASE = "__base__"  # peft's name for "no adapter" in adapter_names
TRUNCATION_NOTE = "[... document truncated to fit the context window ...]"
QUESTION_MARK = "\n\nQuestion: "  # experts/prompting.py advice format: excerpts first, question last


@dataclass
class GenerationRequest:
    expert: str
    messages: list[dict]
    settings: GenerationSettings | None = None  # None: the expert's configured settings


@dataclass
class Generation:
    text: str
    finish_reason: str  # "stop" | "length"
    stop_reason: str  # "eos" | "stop_string" | "repetition" | "max_new_tokens" | "cancelled"
    prompt_tokens: int
    completion_tokens: int
    truncated_prompt: bool = False
    expert: str | None = None
    timings_ms: dict = field(default_factory=dict)


def finish_reason(stop_reason: str) -> str:
    return "length" if stop_reason == "max_new_tokens" else "stop"


def _sampling_key(g: GenerationSettings) -> tuple:
    """Requests that can share one `generate` call (greedy rows all can)."""
    return (0.0, 1.0) if g.temperature <= 0 else (g.temperature, g.top_p)


class ExpertPool:
    """The experts of a config over one shared base model (the in-process `transformers` backend)."""

    name = "transformers"

    def __init__(self, settings):
        self.settings = settings
        self.specs: dict[str, ExpertSpec] = {e.name: e for e in settings.experts}
        lm = load_lm(settings)
        self.tokenizer = lm.tokenizer
        self.device = lm.device
        self.base_path = lm.path
        self.stop_ids = stop_token_ids(lm.tokenizer, lm.model)
        self.max_context = settings.base_model.max_context_tokens
        self.shared = shared_base(lm.model)
        # expert -> adapter name inside the shared peft model; experts without adapter run on the base
        self.adapter_of: dict[str, str] = {}
        infos = {n: validate_adapter(n, e.adapter, lm.model) for n, e in self.specs.items() if e.adapter}
        with self.shared.lock:  # between two scheduler steps: a running batch keeps its rows' slots
            for n, info in infos.items():
                self.adapter_of[n] = self.shared.load(n, info)
        serve = settings.serve
        self.scheduler: Scheduler | None = None
        if serve.continuous_batching and not str(self.device).startswith("cuda") and supports(lm.model):
            self.scheduler = scheduler_for(self.shared, serve.max_batch, serve.max_queue, serve.max_prefill_tokens,
                                           serve.cpu_decode, **serve.scheduler_options())

    @property
    def model(self):
        return self.shared.model

    @property
    def expert_names(self) -> list[str]:
        return list(self.specs)

    # ---- prompts ---------------------------------------------------------------------------
    def spec(self, name: str) -> ExpertSpec:
        if name not in self.specs:
            raise UnknownExpertError.named(name, self.specs)
        return self.specs[name]

    def _template(self, messages: list[dict]) -> list[int]:
        out = self.tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=True)
        if hasattr(out, "keys"):
            out = out["input_ids"]
        return list(out)

    def encode(self, messages: list[dict], max_new_tokens: int) -> tuple[list[int], bool]:
        """Chat-template the messages within the context window (prompt + max_new_tokens).

        When too long, the *document part* of the last user message is cut and the question kept:
        in the advice format (excerpts, then "Question: q") the excerpts are cut from the end (the
        best-ranked come first); otherwise the text's head and its last paragraph (where the
        instruction usually is) are kept. The cut is marked in the text the model sees."""
        if not messages or not isinstance(messages[-1].get("content"), str):
            raise InputError("messages must end with a message whose content is text")
        budget = self.max_context - max_new_tokens
        if budget < 16:
            raise InputError(f"max_new_tokens={max_new_tokens} leaves no room for the prompt in the "
                             f"{self.max_context}-token context window")
        ids = self._template(messages)
        if len(ids) <= budget:
            return ids, False
        content = messages[-1]["content"]
        if QUESTION_MARK in content:
            doc, q = content.rsplit(QUESTION_MARK, 1)
            head_only, question = True, QUESTION_MARK + q
        else:
            paras = content.rstrip().rsplit("\n", 1)
            if len(paras) == 2 and len(paras[1]) <= 400:
                doc, question = paras[0], "\n" + paras[1]
            else:
                doc, question = content, ""
            head_only = False
        doc_ids = self.tokenizer(doc, add_special_tokens=False)["input_ids"]
        over = len(ids) - budget
        for margin in (8, 32, 128):
            keep = len(doc_ids) - over - margin - len(self.tokenizer(TRUNCATION_NOTE)["input_ids"])
            if keep <= 0:
                break
            if head_only:
                text = decode_text(self.tokenizer, doc_ids[:keep]) + "\n" + TRUNCATION_NOTE + question
            else:  # keep the head and the tail of the document
                h = keep * 2 // 3
                text = (decode_text(self.tokenizer, doc_ids[:h]) + "\n" + TRUNCATION_NOTE + "\n"
                        + decode_text(self.tokenizer, doc_ids[len(doc_ids) - (keep - h):]) + question)
            ids = self._template(messages[:-1] + [{**messages[-1], "content": text}])
            if len(ids) <= budget:
                return ids, True
        raise InputError(f"the prompt does not fit the {self.max_context}-token context window even with the "
                         f"document removed ({len(ids)} tokens > {budget}); shorten the question or the "
                         "conversation, or lower max_new_tokens")

    # ---- generation ------------------------------------------------------------------------
    def generate(self, requests: Sequence[GenerationRequest]) -> list[Generation]:
        """Generate for a batch of requests, experts mixed. Through the scheduler, the batch waits for
        room in the queue rather than being refused (one caller's batch is backpressure, not load);
        without it, one `generate` call per sampling setting (one in all for greedy experts)."""
        requests = list(requests)
        for r in requests:
            self.spec(r.expert)
        if self.scheduler is not None:
            prepared = [self._prepare(r) for r in requests]  # an unusable prompt fails before anything runs
            for p in prepared:
                self.scheduler.submit(p.job, block=True)
            try:
                outcomes = [p.job.future.result() for p in prepared]
            except BaseException:
                for p in prepared:  # one failed: the others stop at the next step
                    p.job.cancel.set()
                for p in prepared:
                    p.job.future.exception()
                raise
            return [self._generation_of(p, o) for p, o in zip(prepared, outcomes)]
        groups: dict[tuple, list[int]] = {}
        for i, r in enumerate(requests):
            groups.setdefault(_sampling_key(r.settings or self.specs[r.expert].generation), []).append(i)
        out: list[Generation | None] = [None] * len(requests)
        for idx in groups.values():
            for i, g in zip(idx, self._run([requests[i] for i in idx])):
                out[i] = g
        return out  # type: ignore[return-value]

    def generate_one(self, expert: str, messages: list[dict], settings: GenerationSettings | None = None
                     ) -> Generation:
        return self.generate([GenerationRequest(expert, messages, settings)])[0]

    def stream(self, expert: str, messages: list[dict], settings: GenerationSettings | None = None,
               cancel: threading.Event | None = None) -> Iterator[str | Generation]:
        """Yield text pieces as they are generated, then the final Generation.

        Closing the iterator early (or setting `cancel`) stops generation at the next token, so a
        client that disconnects does not keep the model busy. Through the scheduler, a full queue
        raises QueueFullError at the first read."""
        req = GenerationRequest(expert, messages, settings)
        self.spec(expert)
        stops = [s for s in (settings or self.specs[expert].generation).stop if s]
        streamer = Utf8Streamer(self.tokenizer, timeout=600)  # pieces are whole characters
        cancel = cancel or threading.Event()
        result: dict = {}
        if self.scheduler is not None:
            streamer.next_tokens_are_prompt = False  # the scheduler puts completion tokens only
            prepared = self._prepare(req, streamer, cancel)
            self.scheduler.submit(prepared.job)

            def wait():
                try:
                    result["gen"] = self._generation_of(prepared, prepared.job.future.result())
                except BaseException as exc:
                    result["error"] = exc
        else:
            def run():
                try:
                    result["gen"] = self._run([req], streamer=streamer, cancel=cancel)[0]
                except BaseException as exc:  # surfaced to the consumer below
                    result["error"] = exc
                    streamer.end()

            thread = threading.Thread(target=run, daemon=True, name=f"generate-{expert}")
            thread.start()
            wait = thread.join
        # Hold back a tail as long as the longest stop string, so a stop string split across
        # pieces is never shown; strip leading whitespace like the final text.
        hold = max((len(s) for s in stops), default=1) - 1
        buf, sent, started, completed = "", 0, False, False
        try:
            for piece in streamer:
                buf += piece
                if not started:
                    buf = buf.lstrip()
                    started = bool(buf)
                cut, hit = cut_at_stop_strings(buf, stops)
                upto = len(cut) if hit else max(sent, len(buf) - hold)
                if upto > sent:
                    yield buf[sent:upto]
                    sent = upto
                if hit:
                    break
            else:
                completed = True
        finally:
            if not completed:  # stop string seen, or the consumer went away (GeneratorExit): stop the model
                cancel.set()
            wait()
        if "error" in result:
            raise result["error"]
        gen: Generation = result["gen"]
        streamed = buf[:sent]
        if gen.text.startswith(streamed) and len(gen.text) > len(streamed):
            yield gen.text[len(streamed):]  # the held-back tail
        yield gen

    def _prepare(self, r: GenerationRequest, streamer=None, cancel: threading.Event | None = None) -> _Prepared:
        """A request as a scheduler Job: chat-templated, its brakes, sampling and adapter."""
        t0 = time.perf_counter()
        g = r.settings or self.specs[r.expert].generation
        ids, truncated = self.encode(r.messages, g.max_new_tokens)
        job = Job(ids=ids, limits=_limits(g), tokenizer=self.tokenizer, stop_ids=self.stop_ids,
                  adapter=self.adapter_of.get(r.expert), temperature=g.temperature, top_p=g.top_p,
                  repetition_penalty=g.repetition_penalty, streamer=streamer,
                  cancel=cancel or threading.Event())
        return _Prepared(r, g, ids, truncated, job, t0)

    def _generation_of(self, p: _Prepared, o: Outcome) -> Generation:
        timings = {**o.timings_ms, "total": round((time.perf_counter() - p.t0) * 1000, 1)}
        return self._generation(p.request, p.settings, p.ids, p.truncated, o.tokens, o.reason, timings)

    def _generation(self, r: GenerationRequest, g: GenerationSettings, ids: list[int], truncated: bool,
                    row: list[int], reason: str, timings: dict) -> Generation:
        """A finished row as a Generation: decoded, cut at a stop string, a degenerate tail dropped."""
        text = decode_text(self.tokenizer, row)  # invalid byte sequences dropped, never U+FFFD
        text, hit = cut_at_stop_strings(text, g.stop)
        if hit:
            reason = "stop_string"
        elif reason == "degenerate":
            text = drop_degenerate_tail(text, _limits(g).max_word_chars)
        return Generation(text=text.strip(), finish_reason=finish_reason(reason), stop_reason=reason,
                          prompt_tokens=len(ids), completion_tokens=len(row), truncated_prompt=truncated,
                          expert=r.expert, timings_ms=timings)

    def _run(self, requests: list[GenerationRequest], streamer=None,
             cancel: threading.Event | None = None) -> list[Generation]:
        """One `generate` call for requests sharing sampling settings; rows are left-padded."""
        t0 = time.perf_counter()
        specs = [self.specs[r.expert] for r in requests]
        settings = [r.settings or s.generation for r, s in zip(requests, specs)]
        encoded = [self.encode(r.messages, g.max_new_tokens) for r, g in zip(requests, settings)]
        pad = self.tokenizer.pad_token_id
        input_ids, attention = left_pad([ids for ids, _ in encoded], pad)
        width = input_ids.shape[1]
        limits = [_limits(g) for g in settings]
        stopper = RowStopper(self.tokenizer, width, limits, self.stop_ids, cancel)
        from transformers import LogitsProcessorList

        processors = LogitsProcessorList()
        if any(g.repetition_penalty != 1.0 for g in settings):
            processors.append(PerRowRepetitionPenalty([g.repetition_penalty for g in settings],
                                                      self.stop_ids + [pad]))
        g0 = settings[0]
        kwargs = dict(
            input_ids=input_ids.to(self.device), attention_mask=attention.to(self.device),
            max_new_tokens=max(g.max_new_tokens for g in settings), eos_token_id=self.stop_ids,
            pad_token_id=pad, stopping_criteria=[stopper], logits_processor=processors,
        )
        if streamer is not None:
            kwargs["streamer"] = streamer
        if g0.temperature > 0:
            kwargs.update(do_sample=True, temperature=g0.temperature, top_p=g0.top_p, top_k=None)
        else:
            kwargs.update(do_sample=False, temperature=None, top_p=None, top_k=None)
        adapters = [self.adapter_of.get(r.expert) for r in requests]
        shared = self.shared
        with shared.lock, torch.inference_mode():
            t_gen = time.perf_counter()
            if shared.fast is not None:
                shared.fast.set_rows(adapters)
                if not (shared.fast.covers_all and shared.fast.route.enabled):  # peft's own path
                    kwargs["adapter_names"] = [a or BASE for a in adapters]
            try:
                engine = None
                if str(self.device).startswith("cuda") and not processors and len(requests) <= 8:
                    from .cuda_graphs import engine_for, engine_generate  # CUDA graphs decode (GPU only)

                    engine = engine_for(shared, self.max_context)
                if engine is not None:
                    out = engine_generate(engine, kwargs, adapters, stopper, streamer)
                else:
                    out = shared.model.generate(**kwargs)
            finally:
                if shared.fast is not None:
                    shared.fast.reset()
            gen_ms = (time.perf_counter() - t_gen) * 1000
        total_ms = round((time.perf_counter() - t0) * 1000, 1)
        results = []
        for i, ((ids, truncated), g, r) in enumerate(zip(encoded, settings, requests)):
            reason = stopper.reasons[i] or "max_new_tokens"
            row = out[i, width:].tolist()
            n = stopper.lengths[i] if stopper.lengths[i] is not None else len(row)
            if stopper.reasons[i] is None:  # generate ended on its own (EOS criterion, max length)
                for j, tok in enumerate(row):
                    if tok in self.stop_ids:
                        n, reason = j, "eos"
                        break
            results.append(self._generation(r, g, ids, truncated, row[:n], reason,
                                            {"generate": round(gen_ms, 1), "total": total_ms}))
        return results


@dataclass
class _Prepared:
    request: GenerationRequest
    settings: GenerationSettings
    ids: list[int]
    truncated: bool
    job: Job
    t0: float


def _limits(g: GenerationSettings) -> RowLimits:
    return RowLimits(g.max_new_tokens, tuple(s for s in g.stop if s), g.repeat_ngram, g.repeat_times)


_schedulers_lock = threading.Lock()


def scheduler_for(shared: SharedBase, max_batch: int, max_queue: int, max_prefill_tokens: int,
                  cpu_decode: str = "off", **options) -> Scheduler:
    """The one scheduler of a shared base model (every pool over it batches together); the first
    pool's limits and `options` (serve.batch_engine, serve.prefix_cache) hold."""
    with _schedulers_lock:
        if shared.scheduler is None:
            shared.scheduler = Scheduler(shared, max_batch, max_queue, max_prefill_tokens, cpu_decode, **options)
        return shared.scheduler
