"""The routing LoRA: MiniLM fine-tuned for routing (encoder `minilm_lora`).

Training (`train_lora`): a LoRA on query/key/value/dense of the BERT layers of a private copy of
the shared MiniLM, plus a linear head over [mean-pooled unit vector, side features, hashed
n-grams], trained end to end with class-weighted cross-entropy. Only the LoRA is kept: the
calibrated logistic head of `router fit` is then fitted over the LoRA encoder's vectors (measured
better than the end-to-end head, bench/router_lora.py).

Serving (`merged_copy`): a deep copy of the shared transformer with the LoRA merged into its
weights (W + B A * alpha / r), so routing costs exactly what the frozen encoder costs, and the
shared module (retrieval's FAISS indexes are built with it) is never touched. No second disk load.
"""
from __future__ import annotations

import copy

import numpy as np

from .encoders import mean_unit

TARGETS = ("query", "key", "value", "dense")
RANK = 8
ALPHA = 16
DROPOUT = 0.1
EPOCHS = 3
BATCH = 32
LR = 5e-4
HEAD_LR = 5e-3
MAX_LEN = 64  # routing texts: p50 13, p95 25 word pieces
SCALE = 20.0  # unit vectors times this before the training head (cosine-classifier scale)
SEED = 0


def _peft_model(hf):
    """peft around a deep copy of `hf` (the shared module is never wrapped or modified)."""
    import warnings

    from peft import get_peft_model

    with warnings.catch_warnings():  # peft 0.21 asks transformers 5 a deprecated attribute name
        warnings.filterwarnings("ignore", message=".*is_gradient_checkpointing.*", category=FutureWarning)
        return get_peft_model(copy.deepcopy(hf), _config())


def _config():
    from peft import LoraConfig

    return LoraConfig(r=RANK, lora_alpha=ALPHA, lora_dropout=DROPOUT, bias="none", target_modules=list(TARGETS))


def hyperparameters() -> dict:
    return {"targets": list(TARGETS), "rank": RANK, "alpha": ALPHA, "epochs": EPOCHS, "batch": BATCH, "lr": LR,
            "head_lr": HEAD_LR, "max_len": MAX_LEN, "scale": SCALE, "seed": SEED}


def length_batches(lengths: np.ndarray, batch: int, rng) -> list[np.ndarray]:
    """Shuffled batches of similar length (sorted within pools of 8 batches): padding would
    otherwise dominate the cost of ~15-word-piece requests."""
    order = rng.permutation(len(lengths))
    out = []
    for i in range(0, len(order), batch * 8):
        chunk = order[i:i + batch * 8]
        chunk = chunk[np.argsort(lengths[chunk], kind="stable")]
        out += [chunk[j:j + batch] for j in range(0, len(chunk), batch)]
    return [out[k] for k in rng.permutation(len(out))]


def train_lora(hf, tok, texts: list[str], extra: np.ndarray, y: np.ndarray, n_classes: int,
               progress=None) -> dict[str, np.ndarray]:
    """Train the routing LoRA on (texts, extra features, labels); returns its weights (peft state
    dict keys, float32 arrays). `hf` (the shared transformer) is copied, never modified."""
    import torch
    from peft import get_peft_model_state_dict

    torch.manual_seed(SEED)
    rng = np.random.default_rng(SEED)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # shared cores: two threads wait on each other (see router/encoders.py)
    try:
        model = _peft_model(hf)
        head = torch.nn.Linear(hf.config.hidden_size + extra.shape[1], n_classes)
        torch.nn.init.zeros_(head.weight)
        torch.nn.init.zeros_(head.bias)
        counts = np.bincount(y, minlength=n_classes).astype(np.float64)
        weight = torch.as_tensor(len(y) / (n_classes * np.maximum(counts, 1)), dtype=torch.float32)
        lora_params = [p for p in model.parameters() if p.requires_grad]
        opt = torch.optim.AdamW([{"params": lora_params, "lr": LR}, {"params": head.parameters(), "lr": HEAD_LR}],
                                weight_decay=0.01)
        per_epoch = (len(y) + BATCH - 1) // BATCH
        steps = EPOCHS * per_epoch
        warm = max(1, steps // 10)
        sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1.0, (s + 1) / warm) * max(0.0, (steps - s) / steps))
        lengths = np.array([len(t) for t in texts])
        yt = torch.as_tensor(y, dtype=torch.long)
        xt = torch.as_tensor(extra, dtype=torch.float32)
        model.train()
        done = 0
        for _ in range(EPOCHS):
            for idx in length_batches(lengths, BATCH, rng):
                b = tok([texts[j] for j in idx], padding=True, truncation=True, max_length=MAX_LEN, return_tensors="pt")
                v = mean_unit(model(**b).last_hidden_state, b["attention_mask"])
                z = head(torch.cat([v * SCALE, xt[idx]], 1))
                loss = torch.nn.functional.cross_entropy(z, yt[idx], weight=weight)
                opt.zero_grad()
                loss.backward()
                opt.step()
                sched.step()
                done += 1
                if progress:
                    progress(done, steps)
        state = get_peft_model_state_dict(model)
        return {k: v.detach().float().numpy().copy() for k, v in state.items()}
    finally:
        torch.set_num_threads(threads)


def merged_copy(hf, state: dict[str, np.ndarray]):
    """A private copy of `hf` with the LoRA `state` merged in (eval mode); `hf` is untouched."""
    import torch
    from peft import set_peft_model_state_dict

    model = _peft_model(hf)
    result = set_peft_model_state_dict(model, {k: torch.from_numpy(np.asarray(v)) for k, v in state.items()})
    unexpected = getattr(result, "unexpected_keys", None) or []
    missing = [k for k in (getattr(result, "missing_keys", None) or []) if "lora_" in k]
    if unexpected or missing:
        raise ValueError(f"LoRA weights do not fit the embedding model (unexpected {unexpected[:3]}, "
                         f"missing {missing[:3]})")
    merged = model.merge_and_unload()
    merged.eval()
    for p in merged.parameters():
        p.requires_grad_(False)
    return merged

