"""LoRA adapters: validated before loading, loaded once into one peft model per base model.

The base model comes from `medrouter.core.models.load_lm`, cached once per process and shared by every
`ExpertPool`. peft injects LoRA layers into that model *in place*, so all pools over one base share
one `SharedBase` (the peft wrapper, one lock, the fast LoRA forward) instead of each wrapping the
model again: a pool without adapters still sees correct base-model outputs because every call
routes its rows explicitly (see fastlora.py).
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import threading
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import torch

from medrouter.core.errors import AdapterError

from .config import WEIGHTS


@dataclass
class AdapterInfo:
    folder: Path
    config: dict
    digest: str  # identifies this exact adapter (config + weights): the same folder loads once


def _module_for_key(model, key: str):
    """`base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight` -> the base module q_proj."""
    path = key.split(".lora_", 1)[0]
    for prefix in ("base_model.model.", ""):
        if path.startswith(prefix):
            try:
                return path[len(prefix):], model.get_submodule(path[len(prefix):])
            except AttributeError:
                continue
    return path, None


def _features(module) -> tuple[int | None, int | None]:
    base = getattr(module, "base_layer", module)  # already LoRA-wrapped by another adapter
    return getattr(base, "in_features", None), getattr(base, "out_features", None)


@contextlib.contextmanager
def peft_accepts_our_keys():
    """Load adapters through peft without its warning about the extra `base_model_signature` key
    medrouter writes into adapter_config.json (peft ignores unknown keys, loudly)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r".*base_model_signature.*")
        yield


def read_adapter_config(expert: str, folder: Path, kind: str = "only LoRA adapters are supported") -> dict:
    """The folder's adapter_config.json as a dict, or an AdapterError naming the expert."""
    where = f"expert '{expert}': adapter {folder}"
    if not folder.is_dir():
        raise AdapterError(f"{where} not found (train it with `medrouter train {expert}` or set adapter: null)")
    cfg_file = folder / "adapter_config.json"
    if not cfg_file.is_file():
        raise AdapterError(f"{where} has no adapter_config.json (not a peft save_pretrained folder)")
    try:
        cfg = json.loads(cfg_file.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise AdapterError(f"{where}: adapter_config.json is not valid JSON ({exc})") from None
    if not isinstance(cfg, dict):
        raise AdapterError(f"{where}: adapter_config.json is not a JSON object")
    if cfg.get("peft_type", "LORA") != "LORA":
        raise AdapterError(f"{where} is a {cfg.get('peft_type')} adapter; {kind}")
    return cfg


def validate_adapter(expert: str, folder: str | Path, model) -> AdapterInfo:
    """Check an adapter folder against the base model before peft touches it; every failure is an
    AdapterError naming the expert and saying what to do."""
    folder = Path(folder)
    where = f"expert '{expert}': adapter {folder}"
    cfg = read_adapter_config(expert, folder)
    weights = folder / WEIGHTS
    if not weights.is_file():
        hint = " (adapter_model.bin is a pickle and is never loaded; re-save with safetensors)" \
            if (folder / "adapter_model.bin").is_file() else ""
        raise AdapterError(f"{where} has no {WEIGHTS}{hint}")

    targets = cfg.get("target_modules") or []
    if isinstance(targets, str):
        targets = [] if targets == "all-linear" else [targets]
    module_names = {n.rsplit(".", 1)[-1] for n, _ in model.named_modules()}
    missing = sorted(t for t in targets if t not in module_names)
    if missing:
        raise AdapterError(f"{where} targets modules {missing} that the base model does not have: "
                           "it was trained for another base model architecture")

    from safetensors import safe_open

    h = hashlib.sha256((folder / "adapter_config.json").read_bytes())
    with open(weights, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    try:
        with safe_open(str(weights), framework="pt") as f:
            keys = list(f.keys())
            if not keys:
                raise AdapterError(f"{where}: {WEIGHTS} holds no tensors")
            for key in keys:
                t = f.get_tensor(key)
                if not torch.isfinite(t).all():
                    raise AdapterError(f"{where}: {WEIGHTS} tensor {key} has NaN/inf values (corrupted weights)")
                if ".lora_A" not in key and ".lora_B" not in key:
                    continue
                name, module = _module_for_key(model, key)
                if module is None:
                    raise AdapterError(f"{where}: weight {key} targets module {name}, which the base model "
                                       "does not have: it was trained for another base model")
                fin, fout = _features(module)
                if ".lora_A" in key and fin is not None and t.shape[-1] != fin:
                    raise AdapterError(f"{where} was trained for another base model: {name} takes {fin} inputs "
                                       f"here, the adapter expects {t.shape[-1]}")
                if ".lora_B" in key and fout is not None and t.shape[0] != fout:
                    raise AdapterError(f"{where} was trained for another base model: {name} has {fout} outputs "
                                       f"here, the adapter expects {t.shape[0]}")
    except AdapterError:
        raise
    except Exception as exc:  # safetensors raises its own error types for truncated/garbled files
        raise AdapterError(f"{where}: {WEIGHTS} is corrupted or unreadable ({type(exc).__name__}: {exc})") from None
    return AdapterInfo(folder=folder, config=cfg, digest=h.hexdigest()[:12])


@dataclass
class SharedBase:
    """Everything that must be shared by the pools over one base model."""

    base: object
    model: object  # the base, or the peft model wrapping it once an adapter is loaded
    lock: threading.Lock = field(default_factory=threading.Lock)  # one generate (or scheduler step) at a time
    loaded: dict[str, str] = field(default_factory=dict)  # adapter digest -> name inside the peft model
    fast: object | None = None  # fastlora.FastLoRA once adapters are loaded
    scheduler: object | None = None  # scheduler.Scheduler: the thread that generates on this model (CPU)

    @property
    def adapter_names(self) -> list[str]:
        return list(self.loaded.values())

    def load(self, expert: str, info: AdapterInfo) -> str:
        """Load an adapter (once per digest) and return its name inside the peft model."""
        if info.digest in self.loaded:
            return self.loaded[info.digest]
        name = expert if expert not in self.loaded.values() else f"{expert}~{info.digest}"
        try:
            with peft_accepts_our_keys():
                if self.model is self.base:
                    from peft import PeftModel

                    self.model = PeftModel.from_pretrained(self.base, str(info.folder), adapter_name=name,
                                                           is_trainable=False)
                else:
                    self.model.load_adapter(str(info.folder), adapter_name=name, is_trainable=False)
        except Exception as exc:  # shape mismatch, corrupted weights peft found before us
            raise AdapterError(f"expert '{expert}': adapter {info.folder} could not be loaded: {exc}") from None
        self.model.eval()
        self.loaded[info.digest] = name
        from .fastlora import FastLoRA

        if self.fast is None:
            self.fast = FastLoRA(self.model)
        self.fast.rebuild(self.adapter_names)
        return name


_shared: dict[int, SharedBase] = {}
_shared_lock = threading.Lock()


def shared_base(base_model) -> SharedBase:
    with _shared_lock:
        key = id(base_model)
        if key not in _shared or _shared[key].base is not base_model:
            _shared[key] = SharedBase(base=base_model, model=base_model)
        return _shared[key]
