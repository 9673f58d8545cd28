"""`router fit`: the calibrated logistic-regression head over sentence embeddings.

1. Features: the encoder's vector of the routing text (router.text) + side features + hashed
   word/char n-grams of the same text (router.ngrams).
2. Cross-fitting (stratified K folds of the training data): each example gets an out-of-fold
   probability from a head that never saw it. On those we pick the L2 strength, fit a temperature
   (calibration: minimise out-of-fold log loss) and fit the refusal threshold: the probability of
   being in scope at all (1 - P(out of scope)) under which a request is refused, minimising
       OOS_COST * (out-of-scope answered) + (in-scope refused)
   so the threshold is fitted on a held-out split, and `router.dev_file` stays untouched for
   `medrouter eval router`.
   A trainable encoder (`router.encoder: minilm_lora`, router/lora.py) is fine-tuned inside each
   fold too, so out-of-fold predictions never come from a LoRA that saw the example.
3. The final head (and a trainable encoder's LoRA) is fitted on all training data and saved with
   the config fingerprint.
Everything is deterministic (fixed fold seed, full-batch L-BFGS in float64).
"""
from __future__ import annotations

import math
import time

import numpy as np

from .classifiers import LogRegClassifier
from .data import Example, training_examples
from .head import Head, save_head
from .ngrams import ngram_features
from .text import FEATURE_NAMES

OOS_COST = 3.0  # answering an out-of-scope request costs 3 false refusals (the old system's failure)
L2_GRID = (3e-5, 1e-4, 3e-4)  # picked by out-of-fold log loss; small: unit-norm embeddings need large weights
NGRAM_BUCKETS = 2048  # hashed n-grams beside the embedding (+1 point of accuracy: typos, other languages)
FOLDS = 5
SEED = 0


def fit_logreg(x: np.ndarray, y: np.ndarray, n_classes: int, l2: float) -> tuple[np.ndarray, np.ndarray]:
    """Class-balanced multinomial logistic regression, full-batch L-BFGS. Returns (W (R, D), b (R,))."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # tiny matrices: threads only add contention
    try:
        return _fit_logreg(torch, x, y, n_classes, l2)
    finally:
        torch.set_num_threads(threads)


def _fit_logreg(torch, x, y, n_classes, l2):
    xt = torch.as_tensor(x, dtype=torch.float64)
    yt = torch.as_tensor(y, dtype=torch.long)
    counts = np.bincount(y, minlength=n_classes).astype(np.float64)
    weight = torch.as_tensor(np.where(counts > 0, len(y) / (n_classes * np.maximum(counts, 1)), 0.0))
    w = torch.zeros(x.shape[1], n_classes, dtype=torch.float64, requires_grad=True)
    b = torch.zeros(n_classes, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.LBFGS([w, b], lr=1.0, max_iter=500, tolerance_grad=1e-8, tolerance_change=1e-12,
                            history_size=20, line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(xt @ w + b, yt, weight=weight) + l2 * (w * w).sum()
        loss.backward()
        return loss

    opt.step(closure)
    return w.detach().numpy().T.astype(np.float32), b.detach().numpy().astype(np.float32)


def _folds(y: np.ndarray, k: int) -> np.ndarray:
    """Stratified fold id per example, deterministic."""
    rng = np.random.default_rng(SEED)
    fold = np.zeros(len(y), dtype=int)
    for c in np.unique(y):
        idx = np.flatnonzero(y == c)
        rng.shuffle(idx)
        fold[idx] = np.arange(len(idx)) % k
    return fold


def _log_softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=1, keepdims=True))


def fit_temperature(logits: np.ndarray, y: np.ndarray) -> float:
    """Temperature minimising the log loss (1-D search on a log grid, then refine)."""
    def nll(t):
        return -_log_softmax(logits / t)[np.arange(len(y)), y].mean()
    grid = np.exp(np.linspace(math.log(0.05), math.log(20), 121))
    best = min(grid, key=nll)
    fine = best * np.exp(np.linspace(-0.06, 0.06, 25))
    return float(min(fine, key=nll))


def fit_threshold(probs: np.ndarray, y: np.ndarray, oos: int) -> tuple[float, dict]:
    """Refusal floor on P(in scope) = 1 - P(out of scope) (LogRegClassifier.in_scope), minimising
    OOS_COST*missed_oos + false_refusals. Among equally good floors, the middle of the best interval
    (a margin on both sides).
    Gating on the in-scope mass rather than on the top route's probability: a request torn between
    two experts is still in scope. 5-fold CV on data/routing/train (1,828 examples, same features):
    top-route gate 0.935 / 0.973 / 0.083, in-scope gate 0.945 / 0.965 / 0.058 (accuracy / out-of-scope
    recall / false refusal); cost 150 -> 135."""
    pred = probs.argmax(1)
    conf = LogRegClassifier.in_scope(probs, oos)  # the very quantity the router compares with the floor
    cands = np.unique(np.concatenate([[0.0], conf[pred != oos], [1.0]]))
    mids = (cands[:-1] + cands[1:]) / 2  # floors between observed confidences
    costs = []
    for t in mids:
        refused = (pred == oos) | (conf < t)
        costs.append(OOS_COST * np.sum((y == oos) & ~refused) + np.sum((y != oos) & refused))
    costs = np.array(costs)
    best = np.flatnonzero(costs == costs.min())
    # The best floors form runs; take the first run's middle (the lowest, least refusing one).
    run_end = best[0]
    while run_end + 1 in set(best):
        run_end += 1
    lo, hi = cands[best[0]], cands[run_end + 1]
    t = float(min((lo + hi) / 2, 0.9))
    refused = (pred == oos) | (conf < t)
    stats = {"oos_recall": float(np.mean(refused[y == oos])) if (y == oos).any() else None,
             "false_refusal": float(np.mean(refused[y != oos])) if (y != oos).any() else None}
    return t, stats


def side_inputs(router, examples: list[Example]) -> tuple[list[str], np.ndarray]:
    """(routing texts, [side features, hashed n-grams]) exactly as the router sees requests."""
    parts, feats = router.prepare([e.text for e in examples], [e.has_documents for e in examples])
    texts = [p.text for p in parts]
    grams = [ngram_features(texts, NGRAM_BUCKETS)] if NGRAM_BUCKETS else []
    return texts, np.concatenate([feats, *grams], axis=1).astype(np.float32)


def encode(encoder, texts: list[str], batch_size: int = 64, progress=None) -> np.ndarray:
    vecs = []
    for i in range(0, len(texts), batch_size):
        vecs.append(encoder.encode(texts[i:i + batch_size]))
        if progress:
            progress(min(i + batch_size, len(texts)), len(texts))
    return np.concatenate(vecs) if vecs else np.zeros((0, encoder.dim), dtype=np.float32)


def featurize(router, examples: list[Example], batch_size: int = 64, progress=None) -> np.ndarray:
    """[encoder vector, side features, n-grams] for each example, exactly as the router sees requests."""
    texts, extra = side_inputs(router, examples)
    return np.concatenate([encode(router.encoder, texts, batch_size, progress), extra], axis=1).astype(np.float32)


def _stage(progress, label):
    """progress(label, done, total) -> a (done, total) callback for one stage, or None."""
    return (lambda d, t: progress(label, d, t)) if progress else None


def fit_head(settings, router=None, examples: list[Example] | None = None, progress=None) -> Head:
    """Fit, calibrate and threshold the head for `settings` (see module docstring). Not saved.
    `progress(stage, done, total)` reports embedding and, for a trainable encoder (`minilm_lora`),
    each fold's LoRA training. A trainable encoder is trained per fold (its out-of-fold vectors come
    from a LoRA that never saw the fold) and once more on all the data for the saved head."""
    from .encoders import ENCODERS
    from .router import Router

    t0 = time.perf_counter()
    if router is None:
        enc_cls = ENCODERS[settings.router.encoder] if settings.router.encoder in ENCODERS else None
        encoder = enc_cls(settings, untrained=True) if getattr(enc_cls, "trainable", False) else None
        router = Router(settings, classifier="nearest", encoder=encoder)  # only its encoder and prepare() are used
    encoder = router.encoder
    trainable = getattr(encoder, "trainable", False)
    examples = examples if examples is not None else training_examples(settings)
    routes = settings.route_names
    oos = routes.index(settings.router.out_of_scope_route)
    y = np.array([routes.index(e.label) for e in examples])
    missing = [r for i, r in enumerate(routes) if not (y == i).any()]
    if missing:
        from medrouter.core.errors import InputError

        raise InputError(f"no training examples for route(s) {', '.join(missing)}: add examples in experts.yaml "
                         "or labeled lines to router.train_file")
    texts, extra = side_inputs(router, examples)
    frozen = None if trainable else np.concatenate([encode(encoder, texts, progress=_stage(progress, "embedding")),
                                                    extra], axis=1)

    def features(train_idx: np.ndarray | None, label: str) -> tuple[np.ndarray, dict]:
        """The features of every example for a head fitted on the examples `train_idx`, and the
        encoder state they came from."""
        if not trainable:
            return frozen, {}
        state = encoder.train([texts[i] for i in train_idx], extra[train_idx], y[train_idx], len(routes),
                              progress=_stage(progress, label))
        vecs = encode(encoder.with_state(state), texts)
        return np.concatenate([vecs, extra], axis=1).astype(np.float32), state
    t_embed = time.perf_counter() - t0

    k = min(FOLDS, int(np.bincount(y).min()))
    if k >= 2:
        fold = _folds(y, k)
        oofs = {l2: np.zeros((len(y), len(routes))) for l2 in L2_GRID}
        for f in range(k):
            tr, te = fold != f, fold == f
            x, _ = features(np.flatnonzero(tr), f"LoRA fold {f + 1}/{k}")
            for l2 in L2_GRID:
                w, b = fit_logreg(x[tr], y[tr], len(routes), l2)
                oofs[l2][te] = x[te] @ w.T + b
        nll = {l2: -_log_softmax(o)[np.arange(len(y)), y].mean() for l2, o in oofs.items()}
        l2 = min(L2_GRID, key=lambda v: (nll[v], L2_GRID.index(v)))
        oof = oofs[l2]
        cv_acc = float(np.mean(oof.argmax(1) == y))
        temperature = fit_temperature(oof, y)
        probs = np.exp(_log_softmax(oof / temperature))
        threshold, th_stats = fit_threshold(probs, y, oos)
    else:  # too few examples per route to hold any out: no calibration, the config floor applies
        l2, temperature, threshold, cv_acc, th_stats = L2_GRID[1], 1.0, 0.5, None, {}
    x, state = features(np.arange(len(y)), "LoRA, all data")
    w, b = fit_logreg(x, y, len(routes), l2)
    info = {"examples": len(examples), "folds": k, "l2": l2, "cv_accuracy": cv_acc, **{f"cv_{a}": v for a, v in th_stats.items()},
            "per_route": {r: int((y == i).sum()) for i, r in enumerate(routes)},
            "embed_s": round(t_embed, 2), "fit_s": round(time.perf_counter() - t0 - t_embed, 2)}
    if trainable:
        from .lora import hyperparameters

        info["encoder_training"] = hyperparameters()
    return Head(routes=routes, weight=w, bias=b, temperature=temperature, threshold=threshold,
                fingerprint=settings.routing_fingerprint(), encoder=encoder.name, features=list(FEATURE_NAMES),
                ngram_buckets=NGRAM_BUCKETS, info=info, encoder_state=state)


def fit_and_save(settings, router=None, progress=None) -> tuple[Head, str]:
    if not settings.router.head_path:
        from medrouter.core.errors import ConfigError

        raise ConfigError("router.head_path: set where `router fit` writes the head (e.g. router/heads/default.safetensors)")
    head = fit_head(settings, router, progress=progress)
    return head, str(save_head(head, settings.router.head_path))
