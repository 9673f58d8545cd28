"""One base model in memory, every expert's LoRA adapter loaded into one peft model, switched per
request; a batch mixing experts is generated in one call (peft's per-row `adapter_names`)."""
from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import torch

from medrouter.errors import AdapterError, InputError, UnknownExpertError
from medrouter.models import load_lm

from .config import ExpertSpec, GenerationSettings
from .stopping import RepetitionGuard, StopStrings, cut_at_stop_strings, stop_token_ids

BASE = "__base__"  # peft's name for "no adapter" in adapter_names


@dataclass
class GenerationRequest:
    expert: str
    messages: list[dict]
    settings: GenerationSettings | None = None  # None: the expert's configured settings


@dataclass
class Generation:
    text: str
    finish_reason: str  # "stop" | "length"
    stop_reason: str  # "eos" | "stop_string" | "repetition" | "max_new_tokens"
    prompt_tokens: int
    completion_tokens: int
    truncated_prompt: bool = False
    timings_ms: dict = field(default_factory=dict)


def validate_adapter(expert: ExpertSpec, base_path: Path, model) -> Path:
    """Fail early with a message naming the expert: folder, config, base match, target modules."""
    folder = Path(expert.adapter)
    if not folder.is_dir():
        raise AdapterError(f"expert '{expert.name}': adapter folder not found: {folder}")
    cfg_file = folder / "adapter_config.json"
    if not cfg_file.is_file():
        raise AdapterError(f"expert '{expert.name}': {folder} has no adapter_config.json (not a peft adapter)")
    try:
        cfg = json.loads(cfg_file.read_text())
    except (ValueError, UnicodeDecodeError) as exc:
        raise AdapterError(f"expert '{expert.name}': adapter_config.json is not valid JSON ({exc})") from None
    if not any((folder / f).is_file() for f in ("adapter_model.safetensors", "adapter_model.bin")):
        raise AdapterError(f"expert '{expert.name}': {folder} has no adapter_model.safetensors")
    want = _model_signature(model.config)
    have = cfg.get("base_model_signature")
    if have and have != want:
        raise AdapterError(
            f"expert '{expert.name}': adapter was trained for another base model "
            f"({cfg.get('base_model_name_or_path')}; shape {have} vs base {want})")
    targets = cfg.get("target_modules") or []
    if isinstance(targets, str):
        targets = [targets]
    module_names = {n.rsplit(".", 1)[-1] for n, _ in model.named_modules()}
    missing = [t for t in targets if t not in module_names and t != "all-linear"]
    if missing:
        raise AdapterError(f"expert '{expert.name}': target modules {missing} do not exist in the base model")
    return folder


def _model_signature(config) -> str:
    """Shape of a base model: an adapter fits any checkpoint with the same shape and vocabulary."""
    keys = ("model_type", "hidden_size", "num_hidden_layers", "num_attention_heads", "vocab_size")
    return "/".join(str(getattr(config, k, "?")) for k in keys)


class ExpertPool:
    """The experts of a config over one shared base model."""

    def __init__(self, settings):
        self.settings = settings
        self.specs: dict[str, ExpertSpec] = {e.name: e for e in settings.experts}
        lm = load_lm(settings)
        self.tokenizer = lm.tokenizer
        self.device = lm.device
        self.base_path = lm.path
        self.stop_ids = stop_token_ids(lm.tokenizer, lm.model)
        self.max_context = settings.base_model.max_context_tokens
        self._lock = threading.Lock()  # one generate() at a time on the shared model
        adapters = {n: validate_adapter(e, lm.path, lm.model) for n, e in self.specs.items() if e.adapter}
        self.adapter_names = sorted(adapters)
        if adapters:
            from peft import PeftModel

            first, *rest = self.adapter_names
            model = PeftModel.from_pretrained(lm.model, str(adapters[first]), adapter_name=first)
            for name in rest:
                try:
                    model.load_adapter(str(adapters[name]), adapter_name=name)
                except Exception as exc:  # corrupted weights, shape mismatch
                    raise AdapterError(f"expert '{name}': adapter could not be loaded: {exc}") from None
            model.eval()
            self.model = model
        else:
            self.model = lm.model

    # ---- prompts ---------------------------------------------------------------------------
    def spec(self, name: str) -> ExpertSpec:
        if name not in self.specs:
            raise UnknownExpertError(f"unknown expert '{name}'; configured: {', '.join(self.specs)}")
        return self.specs[name]

    def encode(self, messages: list[dict], max_new_tokens: int) -> tuple[list[int], bool]:
        """Chat-template the messages; keep the prompt within the context window.

        When too long, the *middle of the last user message* (the document part) is cut and the
        question at its end is kept."""
        budget = self.max_context - max_new_tokens
        ids = self._template(messages)
        if len(ids) <= budget:
            return ids, False
        last = messages[-1]["content"]
        over = len(ids) - budget
        body_ids = self.tokenizer(last, add_special_tokens=False)["input_ids"]
        keep_tail = min(len(body_ids) // 3, 200)
        head = body_ids[: max(0, len(body_ids) - keep_tail - over - 16)]
        tail = body_ids[len(body_ids) - keep_tail:]
        note = "\n[... document truncated to fit the context window ...]\n"
        text = self.tokenizer.decode(head) + note + self.tokenizer.decode(tail)
        ids = self._template(messages[:-1] + [{"role": "user", "content": text}])
        if len(ids) > budget:
            raise InputError(f"prompt does not fit the context window ({len(ids)} > {budget} tokens)")
        return ids, True

    def _template(self, messages: list[dict]) -> list[int]:
        out = self.tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=True)
        if isinstance(out, dict) or hasattr(out, "keys"):
            out = out["input_ids"]
        return list(out)

    # ---- generation ------------------------------------------------------------------------
    def generate(self, requests: Sequence[GenerationRequest]) -> list[Generation]:
        """Generate for a batch of requests, experts mixed, in one `generate` call."""
        if not requests:
            return []
        t0 = time.perf_counter()
        specs = [self.spec(r.expert) for r in requests]
        settings = [r.settings or s.generation for r, s in zip(requests, specs)]
        max_new = max(g.max_new_tokens for g in settings)
        encoded = [self.encode(r.messages, g.max_new_tokens) for r, g in zip(requests, settings)]
        width = max(len(ids) for ids, _ in encoded)
        pad = self.tokenizer.pad_token_id
        input_ids = torch.full((len(requests), width), pad, dtype=torch.long)
        attention = torch.zeros((len(requests), width), dtype=torch.long)
        for i, (ids, _) in enumerate(encoded):  # left padding: generation continues at the right edge
            input_ids[i, width - len(ids):] = torch.tensor(ids)
            attention[i, width - len(ids):] = 1
        stops = sorted({s for g in settings for s in g.stop})
        guard = RepetitionGuard(width, n=settings[0].repeat_ngram, times=settings[0].repeat_times)
        criteria = [guard] + ([StopStrings(self.tokenizer, width, stops)] if stops else [])
        g0 = settings[0]
        kwargs = dict(
            input_ids=input_ids.to(self.device), attention_mask=attention.to(self.device),
            max_new_tokens=max_new, eos_token_id=self.stop_ids, pad_token_id=pad,
            repetition_penalty=g0.repetition_penalty, stopping_criteria=criteria,
        )
        if g0.temperature > 0:
            kwargs.update(do_sample=True, temperature=g0.temperature, top_p=g0.top_p)
        else:
            kwargs.update(do_sample=False, temperature=None, top_p=None, top_k=None)
        if self.adapter_names:
            kwargs["adapter_names"] = [r.expert if r.expert in self.adapter_names else BASE for r in requests]
        with self._lock, torch.inference_mode():
            t_gen = time.perf_counter()
            out = self.model.generate(**kwargs)
            gen_ms = (time.perf_counter() - t_gen) * 1000
        results = []
        for i, ((ids, truncated), g) in enumerate(zip(encoded, settings)):
            row = out[i, width:].tolist()
            stop_reason = "max_new_tokens"
            for j, tok in enumerate(row):
                if tok in self.stop_ids:
                    row, stop_reason = row[:j], "eos"
                    break
            row = row[: g.max_new_tokens]
            text = self.tokenizer.decode(row, skip_special_tokens=True)
            text, hit = cut_at_stop_strings(text, g.stop)
            if hit:
                stop_reason = "stop_string"
            elif stop_reason == "max_new_tokens" and i in guard.triggered:
                stop_reason = "repetition"
            elif stop_reason == "max_new_tokens" and len(row) < g.max_new_tokens:
                stop_reason = "stop_string" if stops else "repetition"
            results.append(Generation(
                text=text.strip(), finish_reason="length" if stop_reason == "max_new_tokens" else "stop",
                stop_reason=stop_reason, prompt_tokens=len(ids), completion_tokens=len(row),
                truncated_prompt=truncated,
                timings_ms={"generate": round(gen_ms, 1), "total": round((time.perf_counter() - t0) * 1000, 1)},
            ))
        return results

    def generate_one(self, expert: str, messages: list[dict], settings: GenerationSettings | None = None) -> Generation:
        return self.generate([GenerationRequest(expert, messages, settings)])[0]

    def stream(self, expert: str, messages: list[dict], settings: GenerationSettings | None = None
               ) -> Iterator[str | Generation]:
        """Yield text pieces as they are generated, then the final Generation."""
        from transformers import TextIteratorStreamer

        spec = self.spec(expert)
        g = settings or spec.generation
        ids, truncated = self.encode(messages, g.max_new_tokens)
        streamer = TextIteratorStreamer(self.tokenizer, skip_prompt=True, skip_special_tokens=True)
        result: dict = {}

        def run():
            try:
                result["gen"] = self._generate_ids(expert, ids, g, streamer)
            except Exception as exc:  # surfaced to the consumer below
                result["error"] = exc
                streamer.end()

        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        emitted = ""
        for piece in streamer:
            candidate = emitted + piece
            cut, hit = cut_at_stop_strings(candidate, g.stop)
            if cut[len(emitted):]:
                yield cut[len(emitted):]
            emitted = cut
            if hit:
                break
        thread.join()
        if "error" in result:
            raise result["error"]
        gen = result["gen"]
        gen.truncated_prompt = truncated
        yield gen

    def _generate_ids(self, expert: str, ids: list[int], g: GenerationSettings, streamer) -> Generation:
        req_messages = None  # noqa: F841  (ids already templated)
        t0 = time.perf_counter()
        input_ids = torch.tensor([ids], device=self.device)
        guard = RepetitionGuard(len(ids), n=g.repeat_ngram, times=g.repeat_times)
        criteria = [guard] + ([StopStrings(self.tokenizer, len(ids), g.stop)] if g.stop else [])
        kwargs = dict(input_ids=input_ids, attention_mask=torch.ones_like(input_ids),
                      max_new_tokens=g.max_new_tokens, eos_token_id=self.stop_ids,
                      pad_token_id=self.tokenizer.pad_token_id, repetition_penalty=g.repetition_penalty,
                      stopping_criteria=criteria, streamer=streamer)
        if g.temperature > 0:
            kwargs.update(do_sample=True, temperature=g.temperature, top_p=g.top_p)
        else:
            kwargs.update(do_sample=False, temperature=None, top_p=None, top_k=None)
        if self.adapter_names:
            kwargs["adapter_names"] = [expert if expert in self.adapter_names else BASE]
        with self._lock, torch.inference_mode():
            out = self.model.generate(**kwargs)
        row = out[0, len(ids):].tolist()
        stop_reason = "max_new_tokens"
        for j, tok in enumerate(row):
            if tok in self.stop_ids:
                row, stop_reason = row[:j], "eos"
                break
        text, hit = cut_at_stop_strings(self.tokenizer.decode(row, skip_special_tokens=True), g.stop)
        if hit:
            stop_reason = "stop_string"
        elif stop_reason == "max_new_tokens" and 0 in guard.triggered:
            stop_reason = "repetition"
        return Generation(text=text.strip(), finish_reason="length" if stop_reason == "max_new_tokens" else "stop",
                          stop_reason=stop_reason, prompt_tokens=len(ids), completion_tokens=len(row),
                          timings_ms={"total": round((time.perf_counter() - t0) * 1000, 1)})
