"""The one config schema of the whole system, loaded from one YAML file (`experts.yaml`).

Each package owns the model of its own section (router/config.py, experts/config.py,
retrieval/config.py); those modules are schema only (pydantic, nothing else of their package), so the
bottom layer may compose them (tests/test_layers.py holds them to it). This module composes them, resolves relative paths against the YAML file,
and reports *every* problem at once with its YAML path (torchtune-style validation).
"""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from experts.config import ExpertSpec, GenerationSettings  # noqa: F401  (re-exported)
from retrieval.config import ReferenceSettings, RetrievalSettings
from router.config import RouterSettings, RouteSpec

from .errors import ConfigError, UnknownExpertError

DEFAULT_CONFIG = Path(__file__).resolve().parents[2] / "experts.yaml"  # the repo root's, shipped
CONFIG_ENV = "MEDROUTER_CONFIG"


class BaseModelSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    path: str = Field(
        default="embedded:smollm2-135m-instruct",
        description="local HF model folder, a .gguf file, or embedded:<name>",
    )
    gguf_file: str | None = Field(default=None, description="GGUF file name inside `path`, if any")
    device: Literal["auto", "cpu", "cuda"] = "auto"
    dtype: Literal["auto", "float32", "bfloat16", "float16"] = Field(default="auto", description=(
        "activations and unquantized weights. auto = bfloat16 on CUDA, float32 on CPU: a whole bf16 model "
        "decodes slower than fp32 there (0.8x, bench/cpu_decode.py) even with AMX; on CPU the speed comes "
        "from quantization: auto, whose int4 matmuls take bf16 inputs where the CPU has native bf16"))
    quantization: Literal["auto", "none", "nf4", "int4"] = Field(default="auto", description=(
        "auto = int4 on a CPU with native bf16 (AVX512-BF16/AMX) when the Linear weights are exactly 4-bit "
        "groups of 32 (a Q4_0/Q4_1 GGUF such as the embedded base: same weights, ~1/7 of the bytes per "
        "token), else none; int4 = pack them even when that rounds (CPU); nf4 = 4-bit via bitsandbytes (CUDA)"))
    max_context_tokens: int = Field(default=2048, ge=256, description="prompt + answer budget")


class EmbeddingSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    path: str = Field(default="embedded:all-minilm-l6-v2", description="sentence-transformers folder or embedded:<name>")
    device: Literal["auto", "cpu", "cuda"] = "cpu"
    # Small batches on CPU: less padding, and a batch's activations stay in cache. Measured on the
    # 2-core box embedding the 120 chunks of data/eval_docs (13.6k tokens, 2 threads): 8 -> 4,262
    # tokens/s, 16 -> 3,822, 32 -> 3,383, 64 -> 3,189. On a GPU raise it.
    batch_size: int = Field(default=8, ge=1)


class LimitSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    max_input_chars: int = Field(default=120_000, ge=100, description="longer requests are rejected with a clear error")


_call = "call your local emergency number (911 / 112 / 999) now"
_CALL = _call[0].upper() + _call[1:]


class EmergencySettings(BaseModel):
    """What someone describing an emergency reads first (per kind), and the one line a question
    *about* an emergency condition gets under its answer (router/emergency.py tells the two apart)."""

    model_config = ConfigDict(extra="forbid")

    message: str = Field(default=(
        f"URGENT: this may be a medical emergency. {_CALL} or go to the nearest emergency department."),
        description="the urgent banner for a kind without its own message")
    messages: dict[str, str] = Field(default_factory=lambda: {
        "chest_pain": f"URGENT: chest pain like this can be a heart attack. {_CALL}. Do not drive yourself; "
                      "rest while you wait.",
        "stroke": f"URGENT: these can be signs of a stroke. {_CALL} and note the time the symptoms started: "
                  "every minute counts (FAST: Face, Arms, Speech, Time).",
        "breathing": f"URGENT: serious difficulty breathing is an emergency. {_CALL}.",
        "anaphylaxis": f"URGENT: this may be anaphylaxis. Use an adrenaline auto-injector (EpiPen) if there is "
                       f"one, then {_call}, even if the symptoms ease.",
        "overdose": f"URGENT: {_call} or a poison centre (US 1-800-222-1222), even if you "
                    "feel well: some overdoses, such as paracetamol, harm hours later. Keep the packets.",
        "poisoning": "URGENT: call a poison centre (US 1-800-222-1222) or your local emergency number "
                     "(911 / 112 / 999) now. Do not make the person vomit; a swallowed button battery needs "
                     "emergency care at once.",
        "suicide": "If you are thinking about ending your life, please reach out now: call or text a crisis line "
                   "(988 in the US, Samaritans 116 123 in the UK and Ireland), or call your local emergency "
                   "number (911 / 112 / 999) if you are in danger. You do not have to face this alone.",
        "bleeding": f"URGENT: press firmly on the wound with a clean cloth and keep pressing. {_CALL}.",
        "unconscious": f"URGENT: {_call}. If the person is not breathing normally, start "
                       "CPR if you can: the call handler will guide you.",
        "seizure": f"URGENT: {_call} if a seizure lasts more than 5 minutes, is a first "
                   "seizure, or the person is hurt or does not wake. Move hard objects away; put nothing in "
                   "their mouth.",
        "severe_infection": f"URGENT: fever with confusion, a stiff neck, a rash that does not fade or fast "
                            f"breathing can be sepsis or meningitis. {_CALL} or go to an emergency department.",
        "diabetic": f"URGENT: a very high or very low blood sugar with symptoms is an emergency. {_CALL}. If the "
                    "sugar is low and the person is awake and can swallow, give fast-acting sugar.",
    }, description="the urgent banner per emergency kind (router/emergency.py kinds)")
    pointer: str = Field(default="If this is happening now, call your local emergency number (911 / 112 / 999).",
                         description="the one line under an answer to a question about an emergency condition")
    pointers: dict[str, str] = Field(default_factory=lambda: {
        "suicide": "If you or someone you know is thinking about suicide now, call or text a crisis line "
                   "(988 in the US, Samaritans 116 123 in the UK and Ireland).",
        "overdose": "If this is happening now, call your local emergency number (911 / 112 / 999) or a poison "
                    "centre (US 1-800-222-1222).",
        "poisoning": "If this is happening now, call a poison centre (US 1-800-222-1222) or your local emergency "
                     "number (911 / 112 / 999).",
    }, description="the pointer per kind, where it differs from `pointer`")


class UISettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = "medrouter — medical assistant"
    host: str = Field(default="127.0.0.1", description="address the UI listens on; 0.0.0.0 = every interface (the page warns)")
    port: int = Field(default=8501, ge=1, le=65535)
    session_idle_minutes: int = Field(default=24 * 60, ge=1, description="a browser session's chat and private "
                                      "collection are deleted after this long unused")


class ServeSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    backend: str = Field(default="transformers", description="registered backend: transformers | openai | vllm (starts vLLM, then openai)")
    openai_base_url: str | None = Field(default=None, description="for backend=openai: e.g. http://127.0.0.1:8001/v1")
    api_key: str | None = Field(default=None, description="require `Authorization: Bearer KEY` on /v1 (also "
                                "$MEDROUTER_API_KEY or --api-key); None = no key")
    docs: bool = Field(default=False, description="serve the interactive API docs at /docs (off: nothing to probe)")
    # continuous batching (experts/scheduler.py, the in-process backend on CPU)
    continuous_batching: bool = Field(default=True, description=(
        "decode concurrent requests together in one running batch that requests join and leave at every "
        "token (off: one generate call at a time, as before)"))
    max_batch: int = Field(default=16, ge=1, le=256, description=(
        "rows decoded together; on 2 CPU cores a step of 16 rows costs little more than one of 1 (the "
        "weights are read once per step), beyond that each step slows every stream"))
    max_queue: int = Field(default=64, ge=0, le=4096, description=(
        "requests waiting for a row beyond max_batch; one more is refused at once (HTTP 429 with "
        "Retry-After) instead of waiting minutes"))
    max_prefill_tokens: int = Field(default=2048, ge=1, description=(
        "prompt tokens prefilled at one step boundary: newcomers beyond it join at the next step, and a "
        "longer prompt is prefilled in chunks of this many tokens, one per step, with a decode step of the "
        "running streams between two chunks (chunked prefill), so running streams are not stalled by a wave "
        "of arrivals or by one long prompt"))
    cpu_decode: Literal["compiled", "eager", "off"] = Field(default="compiled", description=(
        "a request decoding alone on CPU (one row in the batch) runs experts/cpu_engine.py's lean decode "
        "step instead of the model's forward: fused projections, LoRA fused per group, the Q8_0 output "
        "projection as int8 groups; compiled = under torch.compile (inductor, C++; ~10-30 s once per cache "
        "bucket, then cached on disk), eager = the same step uncompiled, off = the model's forward. Same "
        "tokens up to float summation order (bench/cpu_decode.py)"))
    batch_engine: bool = Field(default=True, description=(
        "several rows decoding together on CPU run experts/cpu_engine.py's batched step (step_rows: fused "
        "projections, LoRA grouped by adapter) instead of the model's forward; needs cpu_decode compiled or "
        "eager. Same tokens up to float summation order (tests/experts/test_cpu_engine.py). Was "
        "$MEDROUTER_BATCH_ENGINE"))
    prefix_cache: bool = Field(default=False, description=(
        "a request joining an empty prefill group starts from the kept KV cache of an earlier prompt sharing "
        "at least 16 leading tokens with it (same adapter): an expert's system prompt is prefilled once. Off "
        "by default: its gain was not measurable on the loaded 2-core box yet. Was $MEDROUTER_PREFIX_CACHE"))

    def scheduler_options(self) -> dict:
        """The keyword options experts.scheduler.Scheduler takes from this section (beyond its limits)."""
        return {"batch_engine": self.batch_engine, "prefix_cache": self.prefix_cache}


class Settings(BaseModel):
    """The whole system's configuration."""

    model_config = ConfigDict(extra="forbid")

    base_model: BaseModelSettings = Field(default_factory=BaseModelSettings)
    embedding_model: EmbeddingSettings = Field(default_factory=EmbeddingSettings)
    cache_dir: str = Field(default="~/.cache/medrouter", description="converted models and fitted heads")
    limits: LimitSettings = Field(default_factory=LimitSettings)
    routes: list[RouteSpec]
    router: RouterSettings = Field(default_factory=RouterSettings)
    experts: list[ExpertSpec]
    out_of_scope_reply: str
    declined_reply: str = Field(
        default="I can't give a reliable answer to this one. Please ask a doctor, nurse or pharmacist, "
                "who can take your situation into account.",
        description="shown when an expert declines a request the router judged in scope (the experts are "
                    "trained to refuse out-of-scope requests, and a small one over-refuses)")
    disclaimer: str
    emergency: EmergencySettings = Field(default_factory=EmergencySettings)
    retrieval: RetrievalSettings = Field(default_factory=RetrievalSettings)
    reference: ReferenceSettings = Field(default_factory=ReferenceSettings)
    ui: UISettings = Field(default_factory=UISettings)
    serve: ServeSettings = Field(default_factory=ServeSettings)

    # Set by load_config; not part of the YAML.
    source_path: str | None = Field(default=None, exclude=True)

    # ---- lookups -------------------------------------------------------------------------
    def expert(self, name: str) -> ExpertSpec:
        for e in self.experts:
            if e.name == name:
                return e
        raise UnknownExpertError.named(name, self.expert_names)

    @property
    def expert_names(self) -> list[str]:
        return [e.name for e in self.experts]

    @property
    def route_names(self) -> list[str]:
        return [r.name for r in self.routes]

    def expert_for_route(self, route: str) -> ExpertSpec | None:
        for e in self.experts:
            if e.route == route:
                return e
        return None

    def route(self, name: str) -> RouteSpec:
        for r in self.routes:
            if r.name == name:
                return r
        from .errors import UnknownRouteError

        raise UnknownRouteError(f"unknown route '{name}'; configured: {', '.join(self.route_names)}")

    def routing_fingerprint(self) -> str:
        """Hash of everything a fitted router head's weights depend on: route names and examples,
        the router settings that shape features and training, the training file, the embedding model.
        Left out: `dev_file` (never fitted on), `min_confidence` and route `threshold` (applied at
        routing time over the fitted head), route `description` (not read by the head)."""
        h = hashlib.sha256()
        h.update(json.dumps([r.model_dump(include={"name", "examples"}) for r in self.routes], sort_keys=True).encode())
        # Paths are resolved to absolute ones at load, so they are hashed by content or name, never by
        # location: a clone in another folder must accept the committed head.
        h.update(json.dumps(self.router.model_dump(exclude={"head_path", "dev_file", "train_file", "min_confidence"}),
                            sort_keys=True).encode())
        from .models import model_identity

        h.update(model_identity(self.embedding_model.path).encode())
        f = self.router.train_file
        if f and Path(f).is_file():
            h.update(hashlib.sha256(Path(f).read_bytes()).digest())
        return h.hexdigest()[:16]

    def resolve(self, p: str | None) -> str | None:
        """Resolve a path from the config: `~` expanded, relative to the YAML file's folder."""
        if p is None or p.startswith("embedded:"):
            return p
        q = Path(os.path.expanduser(p))
        if not q.is_absolute() and self.source_path:
            q = Path(self.source_path).parent / q
        return str(q)


def error_location(loc: tuple) -> str:
    """A pydantic error's location as the YAML path a user reads: `experts[1].generation.max_new_tokens`."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def _cross_checks(s: Settings) -> list[str]:
    """Checks that span sections; collected, not raised one by one."""
    problems: list[str] = []
    names = s.route_names
    for i, n in enumerate(names):
        if n in names[:i]:
            problems.append(f"routes[{i}].name: duplicate route '{n}'")
    if s.router.out_of_scope_route not in names:
        problems.append(f"router.out_of_scope_route: '{s.router.out_of_scope_route}' is not a configured route")
    seen: set[str] = set()
    for i, e in enumerate(s.experts):
        if e.name in seen:
            problems.append(f"experts[{i}].name: duplicate expert '{e.name}'")
        seen.add(e.name)
        if e.route not in names:
            problems.append(f"experts[{i}].route: '{e.route}' is not a configured route ({', '.join(names)})")
        elif e.route == s.router.out_of_scope_route:
            problems.append(f"experts[{i}].route: the out-of-scope route is answered by the refusal, not an expert")
    for i, e in enumerate(s.experts):
        if e.grounding.source == "reference" and e.grounding.required and not s.reference.sources:
            problems.append(f"experts[{i}].grounding: source 'reference' needs reference.sources (or required: false)")
    for i, r in enumerate(s.routes):
        if r.name != s.router.out_of_scope_route and s.expert_for_route(r.name) is None:
            problems.append(f"routes[{i}]: route '{r.name}' has no expert serving it")
    return problems


def _resolve_paths(s: Settings) -> None:
    s.base_model.path = s.resolve(s.base_model.path)
    s.embedding_model.path = s.resolve(s.embedding_model.path)
    s.cache_dir = s.resolve(s.cache_dir)
    s.router.train_file = s.resolve(s.router.train_file)
    s.router.dev_file = s.resolve(s.router.dev_file)
    s.router.head_path = s.resolve(s.router.head_path)
    s.retrieval.store_dir = s.resolve(s.retrieval.store_dir)
    s.reference.store_dir = s.resolve(s.reference.store_dir)
    for src in s.reference.sources:
        src.path = s.resolve(src.path)
    for e in s.experts:
        e.adapter = s.resolve(e.adapter)


def config_path(path: str | os.PathLike | None = None) -> Path:
    """The config file to use: explicit path, else $MEDROUTER_CONFIG, else the shipped experts.yaml."""
    return Path(path or os.environ.get(CONFIG_ENV) or DEFAULT_CONFIG)


def parse_config(data: dict, source: str | None = None) -> Settings:
    if not isinstance(data, dict):
        raise ConfigError("the top level must be a mapping of sections (base_model, routes, experts, ...)", source)
    try:
        s = Settings.model_validate(data)
    except ValidationError as exc:
        problems = [f"{error_location(err['loc'])}: {err['msg']}" for err in exc.errors()]
        raise ConfigError(problems, source) from None
    problems = _cross_checks(s)
    if problems:
        raise ConfigError(problems, source)
    s.source_path = source
    _resolve_paths(s)
    return s


def read_yaml(path: str | os.PathLike, what: str = "config file"):
    """Parse a YAML file; a missing file, bad YAML or non-UTF-8 bytes is a ConfigError naming the place."""
    p = Path(path)
    if not p.is_file():
        raise ConfigError(f"{what} not found: {p}")
    try:
        return yaml.safe_load(p.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ConfigError(f"not valid YAML{where}: {getattr(exc, 'problem', exc)}", str(p)) from None
    except UnicodeDecodeError:
        raise ConfigError("not a UTF-8 text file", str(p)) from None


def load_config(path: str | os.PathLike | None = None) -> Settings:
    p = config_path(path)
    return parse_config(read_yaml(p), str(p.resolve()))
