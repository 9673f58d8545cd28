"""The fitted router head on disk: safetensors weights + JSON metadata, never a pickle.

Metadata carries the config fingerprint (`settings.routing_fingerprint()`) the head was fitted on,
so a head fitted for other routes, examples or training data is refused instead of silently
misrouting. Writes are atomic (medrouter.core.atomic).
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from medrouter.core.atomic import atomic_path
from medrouter.core.errors import RouterHeadError

HEAD_FORMAT = "medrouter-router-head/1"
ENCODER_PREFIX = "encoder."
FIT_HINT = "run `medrouter router fit` to fit it for the current config"


@dataclass
class Head:
    routes: list[str]
    weight: np.ndarray  # (R, D + F) logits = x @ weight.T + bias
    bias: np.ndarray  # (R,)
    temperature: float  # calibrated on out-of-fold predictions: probs = softmax(logits / T)
    threshold: float  # refusal floor for in-scope routes, fitted on out-of-fold predictions
    fingerprint: str
    encoder: str
    features: list[str]  # side features after the embedding (router.text.FEATURE_NAMES)
    ngram_buckets: int = 0  # hashed n-gram features after those (router.ngrams); 0 = none
    info: dict = field(default_factory=dict)  # fit report (cross-validated metrics, sizes, time)
    # A trainable encoder's weights (router.encoders `minilm_lora`: the routing LoRA), stored in the
    # same file as tensors "encoder.<name>", so head and encoder can never be mixed up; {} = none.
    encoder_state: dict = field(default_factory=dict)


def save_head(head: Head, path: str | os.PathLike) -> Path:
    from safetensors.numpy import save_file

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    meta = {"format": HEAD_FORMAT, "routes": json.dumps(head.routes), "temperature": repr(head.temperature),
            "threshold": repr(head.threshold), "fingerprint": head.fingerprint, "encoder": head.encoder,
            "features": json.dumps(head.features), "ngram_buckets": str(head.ngram_buckets),
            "info": json.dumps(head.info, sort_keys=True)}
    tensors = {"weight": np.ascontiguousarray(head.weight, dtype=np.float32),
               "bias": np.ascontiguousarray(head.bias, dtype=np.float32)}
    tensors.update({ENCODER_PREFIX + k: np.ascontiguousarray(v, dtype=np.float32)
                    for k, v in head.encoder_state.items()})
    with atomic_path(path, suffix=".safetensors") as tmp:  # a head is a shared, committed artifact
        save_file(tensors, str(tmp), metadata=meta)
    return path


def load_head(path: str | os.PathLike | None, fingerprint: str | None = None) -> Head:
    """Read a head; RouterHeadError (with what to do) if missing, corrupted, or fitted on another config."""
    if not path:
        raise RouterHeadError(f"router.head_path is not set in the config; set it and {FIT_HINT}")
    path = Path(path)
    if not path.is_file():
        raise RouterHeadError(f"no fitted router head at {path}; {FIT_HINT}")
    try:
        from safetensors import safe_open

        with safe_open(str(path), framework="np") as f:
            meta = f.metadata() or {}
            weight, bias = f.get_tensor("weight"), f.get_tensor("bias")
            encoder_state = {k[len(ENCODER_PREFIX):]: f.get_tensor(k) for k in f.keys() if k.startswith(ENCODER_PREFIX)}
        if meta.get("format") != HEAD_FORMAT:
            raise ValueError(f"format {meta.get('format')!r}, expected {HEAD_FORMAT!r}")
        head = Head(routes=json.loads(meta["routes"]), weight=weight.astype(np.float32),
                    bias=bias.astype(np.float32), temperature=float(meta["temperature"]),
                    threshold=float(meta["threshold"]), fingerprint=meta["fingerprint"],
                    encoder=meta["encoder"], features=json.loads(meta["features"]),
                    ngram_buckets=int(meta.get("ngram_buckets", "0")),
                    info=json.loads(meta.get("info", "{}")), encoder_state=encoder_state)
        if weight.ndim != 2 or bias.shape != (weight.shape[0],) or len(head.routes) != weight.shape[0]:
            raise ValueError(f"inconsistent shapes weight {weight.shape}, bias {bias.shape}, {len(head.routes)} routes")
        if not (np.isfinite(weight).all() and np.isfinite(bias).all() and head.temperature > 0
                and all(np.isfinite(v).all() for v in encoder_state.values())):
            raise ValueError("non-finite weights or non-positive temperature")
    except RouterHeadError:
        raise
    except Exception as exc:  # safetensors raises its own error types; any of them means unusable
        raise RouterHeadError(f"router head {path} is corrupted or not a medrouter head ({exc}); {FIT_HINT}") from None
    if fingerprint is not None and head.fingerprint != fingerprint:
        raise RouterHeadError(
            f"router head {path} was fitted on another config (fingerprint {head.fingerprint}, the config's is "
            f"{fingerprint}: routes, examples, router settings or training data changed); {FIT_HINT}")
    return head
