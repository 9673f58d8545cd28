"""Continuous batching for the in-process backend: one thread owns the model, and requests join and
leave one running batch at every token (vLLM's and TGI's idea, sized for one box).

The alternative it replaces, one `generate` call per request behind `shared.lock`, serves 8
concurrent clients at the speed of one; a decode step of 16 rows costs little more than a step of
one, because the weights are read once per step either way.

* `submit(job)` queues a `Job` (prompt ids, its brakes, sampling, adapter, optional streamer, cancel
  event) and returns its Future. With `max_batch` rows decoding and `max_queue` waiting it raises
  `QueueFullError` at once (the server answers 429), or waits for room with `block=True` (a batch
  call from one caller is backpressured, not refused).
* At each step boundary the waiting jobs that fit (rows up to `max_batch`, prompt tokens up to
  `max_prefill_tokens`) are prefilled together, left-padded to their longest prompt; their KV cache
  is merged into the batch's, left-padded again so every row's last token sits in the last column.
  Chunked prefill: a group wider than `max_prefill_tokens` (a long prompt alone) is prefilled in
  column chunks of at most that many tokens, one chunk per step boundary, each followed by a decode
  step of the running rows: a 600-token prompt no longer stalls every stream for its whole prefill.
  The chunks fill the same cache the one-shot prefill would (same greedy tokens, see the tests).
  The attention mask hides the padding and each row keeps its own position ids, so a row's numbers
  do not depend on who it is batched with (up to float summation order; see the tests).
* Then one decode step feeds every row its pending token: on CPU through experts/cpu_engine.py (a lone
  row: its compiled single-row step; several: its batched eager step, `step_rows`), else the model's
  forward (serve.cpu_decode: off, or serve.batch_engine: false for the batch). A row leaves when RowStopper ends it (EOS,
  stop string, repetition, wrap-up, degenerate text, max_new_tokens) or its cancel event is set: its
  row is cut out of the cache and the leading columns that are padding for every remaining row go.
* Per row: its adapter (FastLoRA `set_rows`, re-set whenever the rows change), repetition penalty,
  greedy or temperature/top-p sampling, and UTF-8-safe streaming (the pool's Utf8Streamer).
* A job whose prefill raises fails alone (the group is retried one job at a time); an error in a
  decode step fails the rows of that step and the scheduler keeps serving.

The batch state, B rows, T cached columns, V vocabulary entries:
    cache layer keys/values (B, H_kv, T, D) · mask (B, T) · pending (B,) the token to feed next ·
    pos (B,) its position · seen (B, V) tokens a repetition penalty applies to · per-row sampling (B,)
"""
from __future__ import annotations

import collections
import inspect
import math
import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from transformers import DynamicCache
from transformers.cache_utils import DynamicLayer

from medrouter.core.errors import QueueFullError

from .stopping import RowLimits, RowStopper

BASE = "__base__"  # peft's name for "no adapter" in adapter_names


@dataclass
class Job:
    """One request, encoded; what the scheduler needs and nothing about experts or messages."""

    ids: list[int]
    limits: RowLimits
    tokenizer: object
    stop_ids: list[int]
    adapter: str | None = None  # name inside the shared peft model; None = base model
    temperature: float = 0.0  # 0 = greedy
    top_p: float = 1.0
    repetition_penalty: float = 1.0
    streamer: object | None = None  # gets every completion token (`put`), then `end()`
    cancel: threading.Event = field(default_factory=threading.Event)
    future: Future = field(default_factory=Future)
    submitted: float = field(default_factory=time.perf_counter)
    admitted: float | None = None
    first_token: float | None = None


@dataclass
class Outcome:
    tokens: list[int]  # completion tokens kept: cut where the row stopped, EOS excluded
    reason: str  # RowStopper's: eos | stop_string | repetition | wrap_up | degenerate | max_new_tokens | cancelled
    timings_ms: dict


class _Row:
    """A job in the batch: its completion so far and its brakes (a one-row RowStopper)."""

    __slots__ = ("job", "tokens", "stopper", "exempt")

    def __init__(self, job: Job):
        self.job = job
        self.tokens: list[int] = []
        # never penalised for repetition (PerRowRepetitionPenalty's rule): stop ids and the pad id
        self.exempt = set(job.stop_ids) | {job.tokenizer.pad_token_id or 0}
        self.stopper = RowStopper(job.tokenizer, 0, [job.limits], job.stop_ids, job.cancel)

    def push(self, token: int) -> bool:
        """Append a sampled token; True when the row ends with it."""
        self.tokens.append(token)
        if self.job.first_token is None:
            self.job.first_token = time.perf_counter()
        if self.job.streamer is not None:
            self.job.streamer.put(torch.tensor([token]))
        return bool(self.stopper(torch.tensor([self.tokens]), None)[0])

    def cancel_now(self) -> None:
        self.stopper._end(0, "cancelled", len(self.tokens))

    def outcome(self) -> Outcome:
        reason = self.stopper.reasons[0] or "max_new_tokens"
        n = self.stopper.lengths[0]
        j, now = self.job, time.perf_counter()
        start = j.admitted or now
        timings = {"queue": _ms(start - j.submitted), "generate": _ms(now - start)}
        if j.first_token is not None:
            timings["first_token"] = _ms(j.first_token - j.submitted)
        return Outcome(self.tokens[:n] if n is not None else list(self.tokens), reason, timings)


def left_pad(seqs: list[list[int]], pad: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Token rows left-padded to one width, and their attention mask: every prompt ends in the last
    column, so generation continues at the right edge of every row. (B, W) each."""
    width = max(len(q) for q in seqs)
    ids = torch.full((len(seqs), width), pad, dtype=torch.long)
    mask = torch.zeros((len(seqs), width), dtype=torch.long)
    for i, q in enumerate(seqs):
        ids[i, width - len(q):] = torch.tensor(q)
        mask[i, width - len(q):] = 1
    return ids, mask


def _ms(s: float) -> float:
    return round(s * 1000, 1)


@dataclass
class _Batch:
    cache: object  # transformers DynamicCache
    mask: torch.Tensor  # (B, T) long
    pending: torch.Tensor  # (B,) long
    pos: torch.Tensor  # (B,) long
    seen: torch.Tensor  # (B, V) bool
    penalty: torch.Tensor  # (B,) float
    temperature: torch.Tensor  # (B,) float
    top_p: torch.Tensor  # (B,) float

    TENSORS = ("mask", "pending", "pos", "seen", "penalty", "temperature", "top_p")


@dataclass
class _Fill:
    """A prefill group in progress: its rows' left-padded prompts (B, W), and `done` columns already in
    `cache`; a chunk of `chunk` columns is prefilled per step boundary."""

    rows: list
    ids: torch.Tensor
    mask: torch.Tensor
    pos: torch.Tensor
    cache: object
    chunk: int
    done: int = 0


class _GrowingLayer(DynamicLayer):
    """One layer's KV cache as a view `[:, :, start:end]` of buffers with spare columns, so a decode
    step writes its column in place: transformers' DynamicLayer.update concatenates, copying the whole
    cache every step (28 % of a 16-row decode step here). Values are the same, only the storage differs."""

    SPARE = 64  # columns allocated ahead: one re-allocation per 64 decode steps

    def place(self, buf_k: torch.Tensor, buf_v: torch.Tensor, start: int, end: int) -> None:
        self.buf_k, self.buf_v, self.start, self.end = buf_k, buf_v, start, end
        self.keys, self.values = buf_k[:, :, start:end], buf_v[:, :, start:end]
        self.dtype, self.device, self.is_initialized = buf_k.dtype, buf_k.device, True

    def hold(self, keys: torch.Tensor, values: torch.Tensor) -> None:
        """Take these tensors (B, H, T, D) into fresh buffers with room to grow."""
        b, h, t, d = keys.shape
        bk = keys.new_zeros((b, h, t + self.SPARE, d))
        bv = values.new_zeros((b, h, t + self.SPARE, d))
        bk[:, :, :t], bv[:, :, :t] = keys, values
        self.place(bk, bv, 0, t)

    def update(self, key_states, value_states, *args, **kwargs):
        if not self.is_initialized:  # a prefill
            self.hold(key_states, value_states)
            return self.keys, self.values
        end = self.end + key_states.shape[-2]
        if end > self.buf_k.shape[-2]:
            self.hold(torch.cat([self.keys, key_states], -2), torch.cat([self.values, value_states], -2))
            return self.keys, self.values
        self.buf_k[:, :, self.end:end] = key_states
        self.buf_v[:, :, self.end:end] = value_states
        self.place(self.buf_k, self.buf_v, self.start, end)
        return self.keys, self.values

    def select_rows(self, idx: torch.Tensor) -> None:
        self.place(self.buf_k.index_select(0, idx), self.buf_v.index_select(0, idx), self.start, self.end)

    def drop_leading(self, n: int) -> None:
        self.place(self.buf_k, self.buf_v, self.start + n, self.end)


def _growing_cache(config) -> DynamicCache:
    cache = DynamicCache(config=config)
    cache.layers = [_GrowingLayer() for _ in cache.layers]
    return cache


def supports(model) -> bool:
    """Whether the model's KV cache is plain DynamicLayers this scheduler can pad, merge and cut
    (sliding-window, hybrid or quantized caches are not: those models keep one generate at a time)."""
    try:
        layers = DynamicCache(config=model.config).layers
    except Exception:  # an architecture whose cache transformers builds differently
        return False
    return bool(layers) and all(type(layer) is DynamicLayer for layer in layers)


class Scheduler:
    """The one thread that generates on a shared base model; see the module docstring."""

    def __init__(self, shared, max_batch: int = 16, max_queue: int = 64, max_prefill_tokens: int = 2048,
                 cpu_decode: str = "off", *, batch_engine: bool = True, prefix_cache: bool = False):
        self.shared = shared
        self.cpu_decode = cpu_decode  # compiled | eager | off: a lone row's step on experts/cpu_engine.py
        self.max_batch, self.max_queue, self.max_prefill_tokens = max_batch, max_queue, max_prefill_tokens
        self._cv = threading.Condition()
        self._waiting: collections.deque[Job] = collections.deque()
        self._running = 0  # rows in the batch, as seen by submit (updated under _cv)
        self._rows: list[_Row] = []  # the worker's own; batch order = row order of every tensor
        self._batch: _Batch | None = None
        self._filling: _Fill | None = None  # a chunked prefill in progress (its rows are not in _rows yet)
        self._routed: tuple | None = None
        self._thread: threading.Thread | None = None
        self._job_seconds: float | None = None  # smoothed time a job spends in the system: the 429 hint
        self.steps = 0  # decode steps run (tests and the bench read these two)
        self.peak_rows = 0  # most rows decoded together
        self.prefill_chunks = 0  # prefill forward calls (one per group, more when chunked)
        model = shared.base
        self.config = model.config
        self._keeps_logits = "logits_to_keep" in inspect.signature(model.forward).parameters
        # serve.batch_engine: several rows on the engine's batched step too (step_rows), not the model's forward
        self.batch_engine = bool(batch_engine)
        # serve.prefix_cache: a lone newcomer's prefill starts from a kept prompt's KV where they share
        # >= PREFIX_MIN tokens (off by default: its gain was not measurable on the loaded box yet)
        self.prefix_cache = bool(prefix_cache)
        self._prefixes: collections.OrderedDict = collections.OrderedDict()
        self.prefix_tokens = 0  # prompt tokens not prefilled thanks to it
        self._dec_lock = threading.Lock()  # held while the lone-row engine is built (off the worker's path)
        if cpu_decode == "compiled" and model.device.type == "cpu":
            threading.Thread(target=self._warm, daemon=True, name="medrouter-cpu-warm").start()

    # ---- the callers' side -------------------------------------------------------------------
    def submit(self, job: Job, block: bool = False) -> Future:
        """Queue a job; its Future gets an Outcome or the job's exception. Full: QueueFullError, or
        with `block=True` wait until there is room."""
        with self._cv:
            while self._running + len(self._waiting) >= self.max_batch + self.max_queue:
                if not block:
                    raise QueueFullError(
                        f"the generation queue is full ({self._running} requests generating, "
                        f"{len(self._waiting)} waiting; serve.max_batch={self.max_batch}, "
                        f"serve.max_queue={self.max_queue}): retry in {self.retry_after()} s",
                        retry_after=self.retry_after())
                self._cv.wait()
            job.submitted = time.perf_counter()
            self._waiting.append(job)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._loop, daemon=True, name="medrouter-scheduler")
                self._thread.start()
            self._cv.notify_all()
        return job.future

    def retry_after(self) -> int:
        """Seconds until a row is likely free: the queue ahead, max_batch at a time."""
        per_job = self._job_seconds or 5.0
        return max(1, math.ceil(per_job * (len(self._waiting) + 1) / self.max_batch))

    @property
    def load(self) -> dict:
        with self._cv:
            return {"running": self._running, "waiting": len(self._waiting),
                    "max_batch": self.max_batch, "max_queue": self.max_queue}

    def idle(self) -> bool:
        with self._cv:
            return self._running == 0 and not self._waiting

    # ---- the worker ----------------------------------------------------------------------------
    def _loop(self) -> None:
        while True:
            with self._cv:
                while not self._waiting and not self._rows and self._filling is None:
                    self._cv.wait()
                newcomers, dropped = self._take()
                self._running = len(self._rows) + len(newcomers) + self._filling_rows()
            done: list[tuple[_Row, Outcome | BaseException]] = [(r, r.outcome()) for r in dropped]
            try:
                with self.shared.lock, torch.inference_mode():
                    if newcomers:
                        done += self._admit(newcomers)
                    elif self._filling is not None:
                        done += self._fill_next()
                    done += self._drop_cancelled()
                    if self._rows:
                        done += self._step()
            except BaseException as exc:  # a decode step failed (a bug, out of memory): fail its rows, serve on
                listed = {id(r.job) for r, _ in done}
                filling = [r.job for r in self._filling.rows] if self._filling is not None else []
                for j in [r.job for r in self._rows] + filling + newcomers:
                    if id(j) not in listed:
                        listed.add(id(j))
                        done.append((_Row(j), exc))
                self._rows, self._batch, self._filling = [], None, None
            self._deliver(done)  # after the model lock is released: a caller woken here finds it free
            with self._cv:
                self._running = len(self._rows) + self._filling_rows()
                self._cv.notify_all()

    def _take(self) -> tuple[list[Job], list[_Row]]:
        """Waiting jobs for this step (FIFO, within the row and prefill budgets), and the cancelled ones."""
        dropped = [_Row(j) for j in self._waiting if j.cancel.is_set()]
        for r in dropped:
            self._waiting.remove(r.job)
            r.cancel_now()
        room = self.max_batch - len(self._rows) if self._filling is None else 0  # FIFO: after the fill
        taken: list[Job] = []
        width = 0
        while self._waiting and len(taken) < room:
            j = self._waiting[0]
            w = max(width, len(j.ids))
            if taken and w * (len(taken) + 1) > self.max_prefill_tokens:
                break
            taken.append(self._waiting.popleft())
            width = w
        return taken, dropped

    def _filling_rows(self) -> int:
        return len(self._filling.rows) if self._filling is not None else 0

    def _deliver(self, done) -> None:
        now = time.perf_counter()
        for row, result in done:
            job = row.job
            if job.streamer is not None:
                job.streamer.end()
            if isinstance(result, BaseException):
                job.future.set_exception(result)
            else:
                job.future.set_result(result)
                s = now - job.submitted
                self._job_seconds = s if self._job_seconds is None else 0.8 * self._job_seconds + 0.2 * s

    # ---- model calls ---------------------------------------------------------------------------
    def _route(self, adapters: list[str | None]) -> dict:
        """Point the LoRA layers at these rows' adapters (only when the rows or the route changed:
        a re-route re-gathers every layer's A/B); the forward's extra kwargs for peft's own path."""
        fast = self.shared.fast
        if fast is None:
            return {}
        key = (id(fast), tuple(adapters))
        if self._routed != (key, fast.route.version):
            fast.set_rows(list(adapters))
            self._routed = (key, fast.route.version)
        if not (fast.covers_all and fast.route.enabled):
            return {"adapter_names": [a or BASE for a in adapters]}
        return {}

    def _forward(self, rows: list[_Row], ids, mask, pos, cache, last_only: bool):
        extra = self._route([r.job.adapter for r in rows])
        if last_only and self._keeps_logits:
            extra["logits_to_keep"] = 1  # a prefill needs the last position's logits only
        out = self.shared.model(input_ids=ids, attention_mask=mask, position_ids=pos, past_key_values=cache,
                                use_cache=True, **extra)
        return out.logits[:, -1].float()  # (B, V), float32 as generate's processors see them

    @staticmethod
    def _select(logits: torch.Tensor, b: _Batch) -> torch.Tensor:
        """Next token per row: the row's repetition penalty, then greedy or temperature + top-p sampling
        (generate's order: logits processors, temperature, top-p)."""
        if bool((b.penalty != 1.0).any()):  # only at the seen entries (a few hundred of B*V), in place
            r, v = b.seen.nonzero(as_tuple=True)
            x, p = logits[r, v], b.penalty[r]
            logits.index_put_((r, v), torch.where(x < 0, x * p, x / p))
        tokens = logits.argmax(-1)
        sampled = (b.temperature > 0).nonzero().flatten()
        if sampled.numel():
            s = logits.index_select(0, sampled) / b.temperature.index_select(0, sampled)[:, None]
            top_p = b.top_p.index_select(0, sampled)[:, None]
            if bool((top_p < 1.0).any()):  # transformers' TopPLogitsWarper, one threshold per row
                sorted_logits, order = torch.sort(s, descending=False)
                remove = sorted_logits.softmax(-1).cumsum(-1) <= (1 - top_p)
                remove[:, -1] = False
                s = s.masked_fill(remove.scatter(1, order, remove), float("-inf"))
            tokens[sampled] = torch.multinomial(s.softmax(-1), 1).flatten()
        return tokens

    def _admit(self, jobs: list[Job]) -> list:
        """Start prefilling the newcomers together (their first chunk, often the whole prompt); when
        that raises, one at a time, so a bad one fails alone."""
        now = time.perf_counter()
        for j in jobs:
            j.admitted = now
        return self._guarded([_Row(j) for j in jobs], self._start_fill)

    def _fill_next(self) -> list:
        """The next chunk of the prefill in progress (the running rows decode between two chunks)."""
        f = self._filling
        if all(r.job.cancel.is_set() for r in f.rows):  # every caller went away: stop prefilling
            self._filling = None
            out = []
            for r in f.rows:
                r.cancel_now()
                out.append((r, r.outcome()))
            return out
        try:
            return self._chunk()
        except Exception as exc:
            self._filling = None
            if len(f.rows) == 1:
                return [(f.rows[0], exc)]
        return self._guarded(f.rows, self._start_fill)  # retried from its start, then one at a time

    def _guarded(self, rows: list[_Row], start) -> list:
        try:
            return start(rows)
        except Exception as exc:
            self._filling = None
            if len(rows) == 1:
                return [(rows[0], exc)]
        done = []
        for r in rows:  # one at a time, each prefilled whole (its chunks back to back)
            try:
                done += self._prefill([r])
            except Exception as exc:
                self._filling = None
                done.append((r, exc))
        return done

    def _start_fill(self, rows: list[_Row]) -> list:
        device = self.shared.base.device
        ids, mask = left_pad([r.job.ids for r in rows], rows[0].job.tokenizer.pad_token_id or 0)
        pos = (mask.cumsum(-1) - 1).masked_fill_(mask == 0, 1)  # as generate computes them
        chunk = max(1, self.max_prefill_tokens // len(rows))  # columns per step within the token budget
        cache = _growing_cache(self.config)
        done = self._reuse_prefix(rows[0].job, cache) if len(rows) == 1 and self.prefix_cache else 0
        self._filling = _Fill(rows, ids.to(device), mask.to(device), pos.to(device), cache, chunk, done)
        return self._chunk()

    # ---- prefix reuse: a lone newcomer starts from the cached KV of the prompt it shares most with -------
    PREFIX_MIN = 16  # shared leading tokens worth reusing (an expert's system prompt and few-shot turns)
    PREFIX_KEEP = 256  # leading columns kept per prompt
    PREFIX_ENTRIES = 8  # prompts kept (least recently used out)

    def _prefix_base(self, job: Job) -> tuple:
        fast = self.shared.fast
        stack = id(getattr(fast.layers[0], "_fastlora_A", None)) if fast is not None and fast.layers else 0
        return (job.adapter, id(self.shared.model), stack)  # re-stacked adapters: a new key

    def _reuse_prefix(self, job: Job, cache) -> int:
        """Fill `cache` with the KV of the longest prefix this prompt shares with a kept one of the same
        adapter (one row, no padding, positions from 0: the same columns its own prefill computes);
        the number of columns filled (0: none long enough)."""
        base, best, entry = self._prefix_base(job), 0, None
        for (b, ids), kv in self._prefixes.items():
            if b != base:
                continue
            n = min(len(ids), len(job.ids) - 1)  # at least the prompt's last token is prefilled
            c = 0
            while c < n and ids[c] == job.ids[c]:
                c += 1
            if c > best:
                best, entry, key = c, kv, (b, ids)
        if best < self.PREFIX_MIN:
            return 0
        for layer, (k, v) in zip(cache.layers, entry):
            layer.hold(k[:, :, :best], v[:, :, :best])
        self._prefixes.move_to_end(key)
        self.prefix_tokens += best
        return best

    def _keep_prefix(self, job: Job, cache) -> None:
        n = min(len(job.ids), self.PREFIX_KEEP)
        key = (self._prefix_base(job), tuple(job.ids[:n]))
        if key in self._prefixes:
            self._prefixes.move_to_end(key)
            return
        self._prefixes[key] = [(layer.keys[:, :, :n].clone(), layer.values[:, :, :n].clone()) for layer in cache.layers]
        while len(self._prefixes) > self.PREFIX_ENTRIES:
            self._prefixes.popitem(last=False)

    def _chunk(self) -> list:
        """Prefill the next `chunk` columns of the fill; after the last, the rows' first tokens and their
        join to the running batch."""
        f = self._filling
        end = min(f.done + f.chunk, f.ids.shape[1])
        logits = self._forward(f.rows, f.ids[:, f.done:end], f.mask[:, :end], f.pos[:, f.done:end], f.cache,
                               last_only=True)
        self.prefill_chunks += 1
        f.done = end
        if end < f.ids.shape[1]:
            return []
        self._filling = None
        if len(f.rows) == 1 and self.prefix_cache:
            self._keep_prefix(f.rows[0].job, f.cache)
        return self._finish(f.rows, f.ids, f.mask, f.pos, f.cache, logits)

    def _prefill(self, rows: list[_Row]) -> list:
        """Prefill these rows now (all their chunks) and join them to the batch."""
        done = self._start_fill(rows)
        while self._filling is not None:
            done += self._chunk()
        return done

    def _finish(self, rows, ids, mask, pos, cache, logits) -> list:
        device = ids.device
        seen = torch.zeros(logits.shape, dtype=torch.bool, device=device)
        seen.scatter_(1, ids, True)
        new = _Batch(cache=cache, mask=mask, pending=ids[:, -1], pos=pos[:, -1] + 1, seen=seen,
                     penalty=torch.tensor([r.job.repetition_penalty for r in rows], device=device),
                     temperature=torch.tensor([r.job.temperature for r in rows], device=device),
                     top_p=torch.tensor([r.job.top_p for r in rows], device=device))
        for i, r in enumerate(rows):
            seen[i, torch.tensor(sorted(r.exempt), device=device)] = False
        tokens = self._select(logits, new)
        new.pending = tokens
        done, keep = self._push(rows, tokens, new)
        if keep:
            self._merge(_cut(new, keep), [rows[i] for i in keep])
        return done

    def _step(self) -> list:
        b, rows = self._batch, self._rows
        b.mask = torch.cat([b.mask, torch.ones_like(b.mask[:, :1])], 1)
        dec = self._decoder()
        logits = None
        if dec is not None:
            from .cpu_engine import EngineUnsupported

            try:
                if len(rows) == 1:
                    logits = dec.step(b.pending, b.pos, b.mask, b.cache, rows[0].job.adapter)
                elif self.batch_engine:
                    logits = dec.step_rows(b.pending, b.pos, b.mask, b.cache, [r.job.adapter for r in rows])
            except EngineUnsupported:  # e.g. a cache longer than the engine's buckets: the model's forward
                logits = None
        if logits is None:
            logits = self._forward(rows, b.pending[:, None], b.mask, b.pos[:, None], b.cache, last_only=False)
        self.steps += 1
        self.peak_rows = max(self.peak_rows, len(rows))
        b.pos = b.pos + 1
        tokens = self._select(logits, b)
        b.pending = tokens
        done, keep = self._push(rows, tokens, b)
        if len(keep) < len(rows):
            self._remove(keep)
        return done

    WARM_WIDTHS = (128, 256, 512)  # cache buckets compiled at start (most requests); wider ones at first use

    def _decoder(self, block: bool = False):
        """The lean single-row decode step (experts/cpu_engine.py) where it applies, else None (also while
        another thread is building it: this step takes the model's forward instead of waiting)."""
        if self.cpu_decode == "off" or self.shared.base.device.type != "cpu":
            return None
        fast = self.shared.fast
        if fast is not None and not (fast.covers_all and fast.route.enabled):
            return None
        from .cpu_engine import decoder_for

        if not self._dec_lock.acquire(blocking=block):
            return None
        try:  # compiled: a bucket not compiled yet runs eagerly while the warm-up thread compiles it
            return decoder_for(self.shared, compile=self.cpu_decode == "compiled", background=True)
        finally:
            self._dec_lock.release()

    def _warm(self) -> None:
        """At start, off every caller's path: build the engine and compile its step for the small cache
        buckets and every loaded adapter's LoRA shapes (a cold compile is ~50 s for the first bucket and
        ~8 s for each next one on 2 cores; with inductor's disk cache warm, under a second each)."""
        try:
            dec = self._decoder(block=True)
            if dec is not None:
                fast = self.shared.fast
                names = [None] + (list(fast.slots) if fast is not None else [])
                dec.warm(widths=[w for w in dec.buckets if w <= max(self.WARM_WIDTHS)], adapters=names)
        except Exception:  # noqa: BLE001 - a warm-up that fails leaves the first use to compile (or eager)
            pass

    @staticmethod
    def _push(rows: list[_Row], tokens: torch.Tensor, b: _Batch) -> tuple[list, list[int]]:
        """Hand each row its token; the rows that end, and the indices of those that go on."""
        done, keep, marked = [], [], []
        listed = tokens.tolist()
        for i, (r, t) in enumerate(zip(rows, listed)):
            if t not in r.exempt:
                marked.append(i)
        if marked:
            idx = torch.tensor(marked, device=tokens.device)
            b.seen[idx, tokens[idx]] = True
        for i, (r, t) in enumerate(zip(rows, listed)):
            if r.push(t):
                done.append((r, r.outcome()))
            else:
                keep.append(i)
        return done, keep

    def _drop_cancelled(self) -> list:
        """Rows whose caller went away leave at this step boundary."""
        gone = [i for i, r in enumerate(self._rows) if r.job.cancel.is_set()]
        if not gone:
            return []
        done = []
        for i in gone:
            self._rows[i].cancel_now()
            done.append((self._rows[i], self._rows[i].outcome()))
        self._remove([i for i in range(len(self._rows)) if i not in set(gone)])
        return done

    # ---- batch surgery -------------------------------------------------------------------------
    def _merge(self, new: _Batch, rows: list[_Row]) -> None:
        """Append prefilled rows to the batch, left-padding the shorter side so right edges align."""
        b = self._batch
        if b is None:
            self._batch, self._rows = new, list(rows)
            return
        t_old, t_new = b.mask.shape[1], new.mask.shape[1]
        width = max(t_old, t_new)
        n_old = b.mask.shape[0]
        for la, lb in zip(b.cache.layers, new.cache.layers):  # (B, H, T, D): right edges aligned, zeros left
            for name, buf_name in (("keys", "buf_k"), ("values", "buf_v")):
                old, add = getattr(la, name), getattr(lb, name)
                buf = old.new_zeros((n_old + add.shape[0], old.shape[1], width + la.SPARE, old.shape[3]))
                buf[:n_old, :, width - t_old:width] = old
                buf[n_old:, :, width - t_new:width] = add
                setattr(la, buf_name, buf)
            la.place(la.buf_k, la.buf_v, 0, width)
        b.mask = torch.cat([F.pad(b.mask, (width - t_old, 0)), F.pad(new.mask, (width - t_new, 0))])
        for name in ("pending", "pos", "seen", "penalty", "temperature", "top_p"):
            setattr(b, name, torch.cat([getattr(b, name), getattr(new, name)]))
        self._rows = self._rows + list(rows)

    def _remove(self, keep: list[int]) -> None:
        """Keep only these rows; drop leading columns that are padding for all of them."""
        if not keep:
            self._rows, self._batch = [], None
            return
        self._batch = _cut(self._batch, keep)
        self._rows = [self._rows[i] for i in keep]


def _cut(b: _Batch, keep: list[int]) -> _Batch:
    """The rows `keep` of a batch, without the leading columns none of them attends to."""
    n = b.mask.shape[0]
    if len(keep) < n:
        idx = torch.tensor(keep, device=b.mask.device)
        for layer in b.cache.layers:
            layer.select_rows(idx)
        for name in _Batch.TENSORS:
            setattr(b, name, getattr(b, name).index_select(0, idx))
    first = int(b.mask.any(0).to(torch.int8).argmax())  # first column some row attends to
    if first > 0:
        for layer in b.cache.layers:
            layer.drop_leading(first)
        b.mask = b.mask[:, first:]
    return b
