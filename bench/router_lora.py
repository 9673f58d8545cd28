"""Experiment (issue #4): does a routing LoRA on MiniLM beat the frozen-MiniLM logistic head?

    python bench/router_lora.py [--config experts.yaml] [--epochs 3] [--rank 8] [--folds 5]

Same inputs as `medrouter router fit` (router.prepare: routing text, side features, hashed n-grams),
same stratified folds (router.fit._folds, seed 0), same calibration (temperature on out-of-fold
logits) and refusal threshold (router.fit.fit_threshold), measured in the same run for:
  frozen    today's head: logistic regression over [frozen MiniLM, side, n-grams] (L2 picked on OOF)
  lora_e2e  LoRA (query/key/value/dense of the 6 BERT layers) + a linear head over
            [MiniLM-LoRA vector, side, n-grams], trained end to end with class-weighted cross-entropy
  lora_lr   the frozen recipe's logistic regression refitted over the fold's LoRA vectors
Then each candidate is trained on all of train and scored once on router.dev_file (never fitted on),
with the router's own decision rule (threshold, emergency never refused). Prints one JSON object.
CPU only; fit times are wall seconds on this (shared) machine, with the load average.
"""
from __future__ import annotations

import argparse
import copy
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import numpy as np  # noqa: E402

from router.encoders import mean_unit  # noqa: E402
from router.lora import length_batches  # noqa: E402


def metrics(probs, y, threshold, oos, routes, emergency=None):
    pred = probs.argmax(1)
    conf = probs.max(1)
    route = np.where((pred != oos) & (conf < threshold), oos, pred)
    if emergency is not None:  # the router never refuses an emergency: likeliest in-scope route
        ins = probs.copy()
        ins[:, oos] = -1
        route = np.where(emergency & (route == oos), ins.argmax(1), route)
    refused = route == oos
    return {"accuracy": round(float(np.mean(route == y)), 4),
            "oos_recall": round(float(np.mean(refused[y == oos])), 4),
            "false_refusal": round(float(np.mean(refused[y != oos])), 4),
            "per_route_recall": {r: round(float(np.mean(route[y == i] == i)), 4) for i, r in enumerate(routes)},
            "errors": int(np.sum(route != y))}


def calibrate(oof, y, oos):
    from router.fit import _log_softmax, fit_temperature, fit_threshold

    t = fit_temperature(oof, y)
    probs = np.exp(_log_softmax(oof / t))
    th, _ = fit_threshold(probs, y, oos)
    return t, th, probs


def softmax(z):
    z = z - z.max(1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(1, keepdims=True)


class LoraRouter:
    """MiniLM (private deep copy of the shared module) + LoRA + linear head, trained end to end."""

    def __init__(self, hf, tok, n_in_extra, n_classes, rank, alpha, max_len, scale=20.0):
        import torch
        from peft import LoraConfig, get_peft_model

        torch.manual_seed(0)
        cfg = LoraConfig(r=rank, lora_alpha=alpha, lora_dropout=0.1, bias="none",
                         target_modules=["query", "key", "value", "dense"])
        self.enc = get_peft_model(copy.deepcopy(hf), cfg)
        self.head = torch.nn.Linear(hf.config.hidden_size + n_in_extra, n_classes)
        torch.nn.init.zeros_(self.head.weight)
        torch.nn.init.zeros_(self.head.bias)
        self.tok, self.max_len, self.scale = tok, max_len, scale

    def vectors(self, texts, grad=False):
        import torch

        b = self.tok(texts, padding=True, truncation=True, max_length=self.max_len, return_tensors="pt")
        with torch.set_grad_enabled(grad):
            return mean_unit(self.enc(**b).last_hidden_state, b["attention_mask"])

    def logits(self, texts, extra, grad=False):
        import torch

        v = self.vectors(texts, grad)
        with torch.set_grad_enabled(grad):
            return self.head(torch.cat([v * self.scale, torch.as_tensor(extra)], 1))

    def fit(self, texts, extra, y, epochs, batch, lr, head_lr, log=None):
        import torch

        n_cls = self.head.out_features
        counts = np.bincount(y, minlength=n_cls).astype(np.float64)
        weight = torch.as_tensor(len(y) / (n_cls * np.maximum(counts, 1)), dtype=torch.float32)
        params = [p for p in self.enc.parameters() if p.requires_grad]
        opt = torch.optim.AdamW([{"params": params, "lr": lr}, {"params": self.head.parameters(), "lr": head_lr}],
                                weight_decay=0.01)
        steps = epochs * ((len(y) + batch - 1) // batch)
        sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1.0, (s + 1) / max(1, steps // 10))
                                                  * max(0.0, (steps - s) / steps))
        rng = np.random.default_rng(0)
        self.enc.train()
        yt = torch.as_tensor(y)
        step = 0
        t_start = time.perf_counter()
        lengths = np.array([len(t) for t in texts])
        for ep in range(epochs):
            tot = 0.0
            for idx in length_batches(lengths, batch, rng):
                z = self.logits([texts[j] for j in idx], extra[idx], grad=True)
                loss = torch.nn.functional.cross_entropy(z, yt[idx], weight=weight)
                opt.zero_grad()
                loss.backward()
                opt.step()
                sched.step()
                step += 1
                tot += float(loss.detach()) * len(idx)
                if log and step == 5:
                    log(f"  {(time.perf_counter() - t_start) / 5:.2f}s/step")
            if log:
                log(f"  epoch {ep + 1}/{epochs} loss {tot / len(y):.4f}")
        self.enc.eval()

    def predict(self, texts, extra, batch=64):
        import torch

        out_z, out_v = [], []
        with torch.inference_mode():
            for i in range(0, len(texts), batch):
                v = self.vectors(texts[i:i + batch])
                out_v.append(v.numpy())
                out_z.append(self.head(torch.cat([v * self.scale, torch.as_tensor(extra[i:i + batch])], 1)).numpy())
        return np.concatenate(out_z).astype(np.float64), np.concatenate(out_v).astype(np.float32)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--config")
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--rank", type=int, default=8)
    ap.add_argument("--alpha", type=int, default=16)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=5e-4)
    ap.add_argument("--head-lr", type=float, default=5e-3)
    ap.add_argument("--max-len", type=int, default=64)
    ap.add_argument("--folds", type=int, default=5, help="CV folds actually run (of 5); fewer = quicker look")
    ap.add_argument("--no-dev", action="store_true")
    args = ap.parse_args()

    import torch

    from medrouter.core.config import load_config
    from router.data import load_labeled, training_examples
    from router.emergency import detect_emergency
    from router.fit import FOLDS, L2_GRID, NGRAM_BUCKETS, _folds, _log_softmax, fit_logreg
    from router.ngrams import ngram_features
    from router.router import Router

    log = lambda m: print(m, file=sys.stderr, flush=True)  # noqa: E731
    torch.set_num_threads(int(os.environ.get("LORA_THREADS", "1")))  # shared cores: see router/encoders.py
    s = load_config(args.config)
    router = Router(s, classifier="nearest")
    routes = s.route_names
    oos = routes.index(s.router.out_of_scope_route)
    tok, hf, _, _ = router.encoder._direct

    def inputs(examples):
        parts, feats = router.prepare([e.text for e in examples], [e.has_documents for e in examples])
        texts = [p.text for p in parts]
        extra = np.concatenate([feats, ngram_features(texts, NGRAM_BUCKETS)], 1).astype(np.float32)
        emerg = np.array([bool(detect_emergency(router._emergency_text(e.text, p))) for e, p in zip(examples, parts)])
        return texts, extra, np.array([routes.index(e.label) for e in examples]), emerg

    train = training_examples(s)
    texts, extra, y, _ = inputs(train)
    ntok = [len(tok(t)["input_ids"]) for t in texts]
    log(f"{len(y)} train examples; word pieces p50 {np.percentile(ntok, 50):.0f} p95 {np.percentile(ntok, 95):.0f} "
        f"max {max(ntok)}; > {args.max_len}: {sum(n > args.max_len for n in ntok)}")
    fold = _folds(y, FOLDS)
    run_folds = list(range(min(args.folds, FOLDS)))
    mask = np.isin(fold, run_folds)
    load0 = os.getloadavg()

    # --- frozen: today's recipe ---
    t0 = time.perf_counter()
    xf = np.concatenate([router.encoder.encode(texts), extra], 1)
    best = None
    for l2 in L2_GRID:
        oof = np.zeros((len(y), len(routes)))
        for f in run_folds:
            w, b = fit_logreg(xf[fold != f], y[fold != f], len(routes), l2)
            oof[fold == f] = xf[fold == f] @ w.T + b
        nll = -_log_softmax(oof[mask])[np.arange(mask.sum()), y[mask]].mean()
        if best is None or nll < best[0]:
            best = (nll, l2, oof)
    _, l2_frozen, oof_frozen = best
    frozen_s = time.perf_counter() - t0
    log(f"frozen CV done in {frozen_s:.0f}s (l2 {l2_frozen})")

    # --- LoRA per fold ---
    oof_e2e = np.zeros((len(y), len(routes)))
    oof_lr = np.zeros((len(y), len(routes)))
    fold_s = []
    for f in run_folds:
        t0 = time.perf_counter()
        tr, te = np.flatnonzero(fold != f), np.flatnonzero(fold == f)
        m = LoraRouter(hf, tok, extra.shape[1], len(routes), args.rank, args.alpha, args.max_len)
        m.fit([texts[i] for i in tr], extra[tr], y[tr], args.epochs, args.batch, args.lr, args.head_lr, log)
        z, v = m.predict(texts, extra)
        oof_e2e[te] = z[te]
        xl = np.concatenate([v, extra], 1)
        w, b = fit_logreg(xl[tr], y[tr], len(routes), l2_frozen)
        oof_lr[te] = xl[te] @ w.T + b
        fold_s.append(round(time.perf_counter() - t0, 1))
        log(f"fold {f}: {fold_s[-1]}s, e2e acc {np.mean(z[te].argmax(1) == y[te]):.4f}, "
            f"lr acc {np.mean(oof_lr[te].argmax(1) == y[te]):.4f}, frozen acc {np.mean(oof_frozen[te].argmax(1) == y[te]):.4f}")

    result = {"config": {k: v for k, v in vars(args).items() if k != "config"}, "examples": int(len(y)),
              "cv_examples": int(mask.sum()), "folds_run": run_folds, "load_avg_start": [round(x, 1) for x in load0],
              "fit_s": {"frozen_cv_all_l2": round(frozen_s, 1), "lora_per_fold": fold_s}, "cv": {}, "dev": {}}
    cal = {}
    for name, oof in (("frozen", oof_frozen), ("lora_e2e", oof_e2e), ("lora_lr", oof_lr)):
        t, th, probs = calibrate(oof[mask], y[mask], oos)
        cal[name] = (t, th)
        result["cv"][name] = {"temperature": round(t, 3), "threshold": round(th, 3),
                              "argmax_accuracy": round(float(np.mean(oof[mask].argmax(1) == y[mask])), 4),
                              **metrics(probs, y[mask], th, oos, routes)}
    log(json.dumps(result["cv"], indent=1))

    if not args.no_dev and s.router.dev_file:
        dev = load_labeled(s.router.dev_file, routes)
        dtexts, dextra, dy, demerg = inputs(dev)
        w, b = fit_logreg(xf, y, len(routes), l2_frozen)
        zd = np.concatenate([router.encoder.encode(dtexts), dextra], 1) @ w.T + b
        t, th = cal["frozen"]
        result["dev"]["frozen"] = metrics(softmax(zd / t), dy, th, oos, routes, demerg)
        t0 = time.perf_counter()
        m = LoraRouter(hf, tok, extra.shape[1], len(routes), args.rank, args.alpha, args.max_len)
        m.fit(texts, extra, y, args.epochs, args.batch, args.lr, args.head_lr, log)
        result["fit_s"]["lora_final"] = round(time.perf_counter() - t0, 1)
        z, v = m.predict(dtexts, dextra)
        t, th = cal["lora_e2e"]
        result["dev"]["lora_e2e"] = metrics(softmax(z / t), dy, th, oos, routes, demerg)
        _, vtr = m.predict(texts, extra)
        w, b = fit_logreg(np.concatenate([vtr, extra], 1), y, len(routes), l2_frozen)
        t, th = cal["lora_lr"]
        result["dev"]["lora_lr"] = metrics(softmax((np.concatenate([v, dextra], 1) @ w.T + b) / t), dy, th, oos,
                                           routes, demerg)
    result["load_avg_end"] = [round(x, 1) for x in os.getloadavg()]
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
