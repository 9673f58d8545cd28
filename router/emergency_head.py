"""The emergency head: a small logistic regression over the router's own routing vector that adds
recall to the patterns of router/emergency.py ("chest feels like an elephant is sitting on it",
other languages) and tells someone describing an emergency from a question about one.

Two linear maps over the vector (+ optional hashed n-grams, router.ngrams):
  label  P(emergency), P(informational), P(none)       (data/emergency/dev.jsonl `label`)
  kind   which of the twelve kinds, when the patterns name none (fitted on emergency + informational rows)
Combined with the patterns safety-first (`combine`):
  a pattern hit that reads urgent stays urgent (its kind);
  P(emergency) >= urgent_threshold makes any request urgent (the pattern's kind, else the head's);
  no pattern hit and P(emergency) + P(informational) >= pointer_threshold: informational pointer;
  a pattern hit with P(none) >= demote_threshold is demoted to nothing, only when 5-fold CV on dev
  demoted no emergency at that threshold (else demote_threshold is None: never).
Thresholds are chosen on out-of-fold probabilities (5 folds of dev.jsonl) minimising
  MISS_COST * (emergency without the banner) + (false banner) + POINTER_COST * (wrong pointer or none),
so a missed emergency weighs ten false banners. A banner on an ordinary request (router.train_file rows
not tagged emergency: summaries, advice, everyday questions; priced, never fitted on) is a false banner
too: without them the cost chose an urgent threshold of 0.05 that put the banner on 33 % of them.
A pasted document (router.text: routing text = instruction + the document's first line) is left to
the patterns: the head is fitted on people's own words.

5-fold CV on dev (912 rows; MiniLM layers [4, 3] + 2,048 n-grams, L2 3e-6; thresholds urgent 0.65,
pointer 0.7, demote 0.9): banner recall 0.21 (patterns + modes) -> 0.973 (390/401); false banners
on informational 0.106 -> 0.106, on none 0.058 -> 0.091, on ordinary requests 0.003 -> 0.077
(134/1,751); kind right 0.72 of head-only kinds. Urgent threshold 0.5: recall 0.983, ordinary 0.103.

On disk like the router head (router/head.py): safetensors + JSON metadata, atomic write, no pickle.
The metadata names the encoder the head was fitted on; a router with another encoder gets an
EmergencyHeadError saying to run `medrouter router fit-emergency`. A missing head is not an error:
the router falls back to the patterns alone and logs a warning.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from medrouter.core.atomic import atomic_path
from medrouter.core.errors import RouterHeadError

from .emergency import EMERGENCY_PATTERNS, INFORMATIONAL, URGENT, detect_emergency, emergency_mode
from .ngrams import ngram_features

log = logging.getLogger(__name__)

HEAD_FORMAT = "medrouter-emergency-head/1"
DEFAULT_HEAD_PATH = Path(__file__).resolve().parent / "heads" / "emergency.safetensors"
DEFAULT_DEV_FILE = Path(__file__).resolve().parents[1] / "data" / "emergency" / "dev.jsonl"
FIT_HINT = "run `medrouter router fit-emergency` to fit it for the router's encoder"
LABELS = ("emergency", "informational", "none")
KINDS = tuple(EMERGENCY_PATTERNS)
MISS_COST = 10.0  # an emergency without the urgent banner costs ten false banners
POINTER_COST = 0.2  # a pointer on a 'none' request, or none on an informational question: a line of text
L2_GRID = (1e-6, 3e-6, 1e-5)  # picked by out-of-fold log loss (MiniLM [4, 3]: 3e-6 best of 1e-6..3e-4)
GRID = tuple(round(float(v), 3) for v in np.arange(0.05, 0.96, 0.025))
DEMOTE_GRID = (0.9, 0.95, 0.98, 0.99, 0.995)
FOLDS = 5
# hashed n-grams beside the vector: 5-fold CV on dev, log loss 1.40 -> 1.12, kind accuracy 0.63 -> 0.72,
# cost 123 -> 103 (all 401 emergencies bannered); ~0.2 ms per request
NGRAM_BUCKETS = 2048


class EmergencyHeadError(RouterHeadError):
    """The emergency head is corrupted or fitted on another encoder."""


@dataclass
class EmergencyHead:
    encoder: str  # encoder_id() of the encoder whose vectors it reads
    label_weight: np.ndarray  # (3, D) over LABELS
    label_bias: np.ndarray  # (3,)
    kind_weight: np.ndarray  # (12, D) over KINDS
    kind_bias: np.ndarray  # (12,)
    urgent_threshold: float
    pointer_threshold: float
    demote_threshold: float | None
    ngram_buckets: int = 0  # hashed n-grams of the routing text after the vector; 0 = none
    info: dict = field(default_factory=dict)

    def features(self, vecs: np.ndarray, texts: list[str]) -> np.ndarray:
        if not self.ngram_buckets:
            return vecs
        return np.hstack([vecs, ngram_features(texts, self.ngram_buckets)])

    def predict(self, vecs: np.ndarray, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """(label probabilities (B, 3), kind probabilities (B, 12)) for routing vectors and texts."""
        x = self.features(np.asarray(vecs, dtype=np.float32), texts)
        return _softmax(x @ self.label_weight.T + self.label_bias), _softmax(x @ self.kind_weight.T + self.kind_bias)


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def emergency_head_path(settings) -> Path:
    """Beside the router head: router/heads/emergency.safetensors for router/heads/default.safetensors (the
    shipped config), NAME.emergency.safetensors beside any other NAME.safetensors, so a config with its
    own router head (another encoder) has its own emergency head."""
    head_path = getattr(getattr(settings, "router", None), "head_path", None)
    if not head_path:
        return DEFAULT_HEAD_PATH
    head_path = Path(head_path)
    stem = head_path.name[: -len(".safetensors")] if head_path.name.endswith(".safetensors") else head_path.stem
    return head_path.with_name(DEFAULT_HEAD_PATH.name if stem == "default" else f"{stem}.{DEFAULT_HEAD_PATH.name}")


def encoder_id(encoder) -> str:
    """The encoder's name, plus a digest of its trained weights when it has any (the routing LoRA is
    refitted by `router fit` under the same name, and then gives other vectors)."""
    name = str(getattr(encoder, "name", type(encoder).__name__))
    state = getattr(encoder, "state", None)
    if state:
        h = hashlib.sha256()
        for k in sorted(state):
            h.update(k.encode())
            h.update(np.ascontiguousarray(state[k], dtype=np.float32).tobytes())
        name += f"#{h.hexdigest()[:12]}"
    return name


# ---- combining with the patterns ------------------------------------------------------------------
def combine(kind: str | None, mode: str | None, p_label, p_kind, urgent: float, pointer: float,
            demote: float | None) -> tuple[str | None, str | None]:
    """(kind, mode) from the patterns' (kind, mode), the head's label probabilities (3,) and kind
    probabilities (12,), and the thresholds. Safety first: see the module docstring."""
    p_em, p_inf, p_none = (float(v) for v in p_label)
    if kind is not None and demote is not None and p_none >= demote:
        return None, None
    if mode == URGENT:
        return kind, URGENT
    if p_em >= urgent:
        return kind or KINDS[int(np.argmax(p_kind))], URGENT
    # the pointer line only where the patterns named an emergency condition: the head alone put
    # "If this is happening now, call ..." under ordinary questions ("What is hypertension?")
    return (kind, mode) if kind is not None else (None, None)


class EmergencyDetector:
    """What the router calls per request: the patterns, plus the head when one is fitted for its encoder.
    The head is read at the first request, not when the router is built, so `router fit-emergency`
    can build a router (for its encoder) while the head on disk is stale."""

    _UNREAD = object()

    def __init__(self, encoder=None, path: str | os.PathLike | None = None, head: EmergencyHead | None = _UNREAD):
        self.encoder = encoder
        self.path = Path(path) if path else DEFAULT_HEAD_PATH
        self._head = head

    @property
    def head(self) -> EmergencyHead | None:
        if self._head is EmergencyDetector._UNREAD:
            self._head = self._read()
        return self._head

    def _read(self) -> EmergencyHead | None:
        if not self.path.is_file():
            log.warning("no emergency head at %s: emergency detection uses the patterns alone; %s", self.path, FIT_HINT)
            return None
        head = load_emergency_head(self.path)
        want = encoder_id(self.encoder)
        if head.encoder != want:
            raise EmergencyHeadError(f"emergency head {self.path} was fitted on encoder {head.encoder!r}, the router's "
                                     f"is {want!r}; {FIT_HINT}")
        return head

    def detect(self, text: str, vec: np.ndarray | None = None, routing_text: str | None = None) -> tuple[str | None, str | None]:
        """(kind, mode) for the user's own words `text`; `vec` is the router's vector of `routing_text`."""
        return self.detect_batch([text], None if vec is None else np.asarray(vec)[None, :],
                                 None if routing_text is None else [routing_text])[0]

    def detect_batch(self, texts: list[str], vecs: np.ndarray | None = None,
                     routing_texts: list[str | None] | None = None) -> list[tuple[str | None, str | None]]:
        """`routing_texts[i]` None: the head does not read request i (a pasted document: its routing vector
        carries the document's first line, and the head, fitted on the user's own words, raised banners
        on 30 of the routing train set's pasted reports); the patterns read the user's words alone."""
        kinds = [detect_emergency(t) for t in texts]
        modes = [emergency_mode(t, k) for t, k in zip(texts, kinds)]
        if self.head is None or vecs is None:
            return list(zip(kinds, modes))
        h = self.head
        routing = list(routing_texts) if routing_texts is not None else list(texts)
        use = [i for i, t in enumerate(routing) if t is not None]
        out = list(zip(kinds, modes))
        if use:
            p_label, p_kind = h.predict(np.asarray(vecs)[use], [routing[i] for i in use])
            for i, pl, pk in zip(use, p_label, p_kind):
                out[i] = combine(kinds[i], modes[i], pl, pk, h.urgent_threshold, h.pointer_threshold,
                                 h.demote_threshold)
        return out


# ---- storage ---------------------------------------------------------------------------------------
def save_emergency_head(head: EmergencyHead, path: str | os.PathLike = DEFAULT_HEAD_PATH) -> Path:
    from safetensors.numpy import save_file

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    meta = {"format": HEAD_FORMAT, "encoder": head.encoder, "labels": json.dumps(LABELS), "kinds": json.dumps(KINDS),
            "urgent_threshold": repr(head.urgent_threshold), "pointer_threshold": repr(head.pointer_threshold),
            "demote_threshold": json.dumps(head.demote_threshold), "ngram_buckets": str(head.ngram_buckets),
            "info": json.dumps(head.info, sort_keys=True)}
    tensors = {k: np.ascontiguousarray(getattr(head, k), dtype=np.float32)
               for k in ("label_weight", "label_bias", "kind_weight", "kind_bias")}
    with atomic_path(path, suffix=".safetensors") as tmp:
        save_file(tensors, str(tmp), metadata=meta)
    return path


def load_emergency_head(path: str | os.PathLike = DEFAULT_HEAD_PATH) -> EmergencyHead:
    """Read a head; EmergencyHeadError (with what to do) if missing or corrupted."""
    path = Path(path)
    if not path.is_file():
        raise EmergencyHeadError(f"no emergency head at {path}; {FIT_HINT}")
    try:
        from safetensors import safe_open

        with safe_open(str(path), framework="np") as f:
            meta = f.metadata() or {}
            t = {k: f.get_tensor(k).astype(np.float32) for k in ("label_weight", "label_bias", "kind_weight", "kind_bias")}
        if meta.get("format") != HEAD_FORMAT:
            raise ValueError(f"format {meta.get('format')!r}, expected {HEAD_FORMAT!r}")
        if tuple(json.loads(meta["labels"])) != LABELS or tuple(json.loads(meta["kinds"])) != KINDS:
            raise ValueError("fitted for other labels or kinds than router/emergency.py has")
        head = EmergencyHead(encoder=meta["encoder"], **t, urgent_threshold=float(meta["urgent_threshold"]),
                             pointer_threshold=float(meta["pointer_threshold"]),
                             demote_threshold=json.loads(meta["demote_threshold"]),
                             ngram_buckets=int(meta.get("ngram_buckets", "0")), info=json.loads(meta.get("info", "{}")))
        d = head.label_weight.shape[1]
        if (head.label_weight.shape != (len(LABELS), d) or head.kind_weight.shape != (len(KINDS), d)
                or head.label_bias.shape != (len(LABELS),) or head.kind_bias.shape != (len(KINDS),)):
            raise ValueError("inconsistent shapes")
        if not all(np.isfinite(v).all() for v in t.values()):
            raise ValueError("non-finite weights")
    except Exception as exc:  # safetensors raises its own error types; any of them means unusable
        raise EmergencyHeadError(f"emergency head {path} is corrupted or not a medrouter emergency head ({exc}); "
                                 f"{FIT_HINT}") from None
    return head


# ---- fitting ---------------------------------------------------------------------------------------
def load_rows(path: str | os.PathLike = DEFAULT_DEV_FILE) -> list[dict]:
    rows = [json.loads(x) for x in Path(path).read_text(encoding="utf-8").splitlines() if x.strip()]
    bad = [i for i, r in enumerate(rows, 1) if r.get("label") not in LABELS
           or (r["label"] != "none" and r.get("kind") not in KINDS)]
    if bad:
        raise ValueError(f"{path}: lines {bad[:5]} need label in {LABELS} and, unless none, a kind in {KINDS}")
    return rows


def routing_inputs(settings, encoder, texts: list[str]) -> tuple[list[str], list[str], np.ndarray]:
    """(the user's own words the patterns read, the routing texts (None for a pasted document: not read
    by the head), their vectors) as Router.route_batch has them; needs only the encoder, not the router's classifier head (fit-emergency runs before `router fit`)."""
    from .router import Router
    from .text import split_request

    parts = [split_request(t, settings.router.max_route_chars) for t in texts]
    own = [Router._emergency_text(t, p) for t, p in zip(texts, parts)]
    routing = [p.text for p in parts]
    vecs = None if encoder is None else encoder.encode(routing)  # None: the texts alone (emergency_fingerprint)
    return own, [None if p.pasted_document else r for p, r in zip(parts, routing)], vecs


def build_encoder(settings):
    """The router's encoder as the config names it (router.encoders.ENCODERS)."""
    from medrouter.core.errors import ConfigError

    from .encoders import ENCODERS

    if settings.router.encoder not in ENCODERS:
        raise ConfigError(f"router.encoder: unknown encoder '{settings.router.encoder}'; registered: {', '.join(ENCODERS)}")
    return ENCODERS[settings.router.encoder](settings, None)


def _log_loss(p: np.ndarray, y: np.ndarray) -> float:
    return float(-np.log(np.clip(p[np.arange(len(y)), y], 1e-12, None)).mean())


def outcomes(labels: list[str], shown: list[str]) -> dict:
    """Counts of what each labelled request got: banner / pointer / nothing."""
    c = {f"{lab}_{s}": 0 for lab in LABELS for s in ("banner", "pointer", "nothing")}
    for lab, s in zip(labels, shown):
        c[f"{lab}_{s}"] += 1
    n = {lab: labels.count(lab) for lab in LABELS}
    missed = c["emergency_pointer"] + c["emergency_nothing"]
    false_banner = c["informational_banner"] + c["none_banner"]
    soft = c["none_pointer"] + c["informational_nothing"]
    return {**c, "banner_recall": round(c["emergency_banner"] / max(1, n["emergency"]), 4),
            "false_banner_informational": round(c["informational_banner"] / max(1, n["informational"]), 4),
            "false_banner_none": round(c["none_banner"] / max(1, n["none"]), 4),
            "cost": round(MISS_COST * missed + false_banner + POINTER_COST * soft, 2)}


def _shown(mode):
    return "banner" if mode == URGENT else ("pointer" if mode else "nothing")


def choose_thresholds(pat: list[tuple], p_label: np.ndarray, p_kind: np.ndarray, labels: list[str],
                      ordinary: tuple | None = None) -> dict:
    """Grid search on out-of-fold probabilities: (urgent, pointer) by cost, then the demotion threshold
    only where it demotes no emergency and lowers the cost. `ordinary` = (pattern results, label
    probabilities, kind probabilities) of ordinary requests (no emergency): each banner there costs a
    false banner too."""
    def cost(u, p, d):
        res = [combine(k, m, pl, pk, u, p, d) for (k, m), pl, pk in zip(pat, p_label, p_kind)]
        o = outcomes(labels, [_shown(m2) for _, m2 in res])
        if ordinary is not None:
            n = sum(combine(k, m, pl, pk, u, p, d)[1] == URGENT for (k, m), pl, pk in zip(*ordinary))
            o["ordinary_banner"] = n
            o["false_banner_ordinary"] = round(n / max(1, len(ordinary[0])), 4)
            o["cost"] = round(o["cost"] + n, 2)
        return res, o

    best = None
    for u in GRID:
        for p in GRID:
            _, o = cost(u, p, None)
            key = (o["cost"], -u)  # ties: the higher urgent threshold (fewer banners for the same cost)
            if best is None or key < best[0]:
                best = (key, u, p, o)
    _, u, p, o = best
    demote, o_final = None, o
    for d in DEMOTE_GRID:
        res, od = cost(u, p, d)
        lost = sum(1 for (k, _), (_, m2), lab in zip(pat, res, labels) if lab == "emergency" and k and m2 is None)
        if lost == 0 and od["cost"] < o_final["cost"]:
            demote, o_final = d, od
            break
    return {"urgent": u, "pointer": p, "demote": demote, "cv": o_final, "cost": cost}


def ordinary_requests(settings) -> list[str]:
    """The router's training requests not tagged emergency (summaries, advice, medical and off-topic
    questions, pasted reports): the bulk of real traffic, where a banner is a false one. Only used to
    price banners when choosing the thresholds, never fitted on."""
    path = getattr(settings.router, "train_file", None)
    if not path or not Path(path).is_file():
        return []
    rows = [json.loads(x) for x in Path(path).read_text(encoding="utf-8").splitlines() if x.strip()]
    return [r["text"] for r in rows if "emergency" not in r.get("tags", [])]


def emergency_fingerprint(settings, encoder, rows: list[dict], ngram_buckets: int = NGRAM_BUCKETS) -> str:
    """Hash of what `fit_emergency` fits on: each row (label, kind) with the routing text the head reads
    and the pattern result it is combined with (so a change of router/text.py's splitting or of the
    patterns counts only where it changes what these rows give), the encoder (encoder_id, package
    version) and the head's hyperparameters. No vector is computed: ~1 s for the 912 rows.
    Left out on purpose: the ordinary requests (router.train_file rows not tagged emergency), which only
    price false banners when the thresholds are chosen and are never fitted on; every data round changes
    them, and the rounds kept the emergency heads. `router fit --refit-emergency` refits anyway."""
    from .fit import SEED

    own, routing, _ = routing_inputs(settings, None, [r["text"] for r in rows])
    h = hashlib.sha256()
    h.update(json.dumps({"format": HEAD_FORMAT, "encoder": encoder_id(encoder),
                         "encoder_version": str(getattr(encoder, "version", "")),
                         "hyperparameters": [MISS_COST, POINTER_COST, list(L2_GRID), list(GRID), list(DEMOTE_GRID),
                                             FOLDS, SEED, ngram_buckets, list(LABELS), list(KINDS)]},
                        sort_keys=True).encode())
    for r, o, t in zip(rows, own, routing):
        k = detect_emergency(o)
        h.update(json.dumps([r["label"], r.get("kind"), o, t, k, emergency_mode(o, k)]).encode())
    return h.hexdigest()[:16]


def fit_emergency(settings, encoder, rows: list[dict] | None = None, ngram_buckets: int = NGRAM_BUCKETS,
                  ordinary: list[str] | None = None, progress=None) -> EmergencyHead:
    """Fit on labelled rows (default data/emergency/dev.jsonl) with the router's encoder: 5-fold CV for
    the L2 strength and the thresholds, then the final maps on all rows."""
    from .fit import fit_logreg

    t0 = time.perf_counter()
    rows = rows if rows is not None else load_rows()
    texts = [r["text"] for r in rows]
    labels = [r["label"] for r in rows]
    inputs = emergency_fingerprint(settings, encoder, rows, ngram_buckets)
    own, routing, vecs = routing_inputs(settings, encoder, texts)
    embed_s = time.perf_counter() - t0
    probe = EmergencyHead("", *(np.zeros(0),) * 4, 0, 0, None, ngram_buckets=ngram_buckets)
    x = probe.features(vecs, [r if r is not None else o for r, o in zip(routing, own)])
    y = np.array([LABELS.index(lab) for lab in labels])
    has_kind = y != LABELS.index("none")
    yk = np.array([KINDS.index(r["kind"]) if r["label"] != "none" else -1 for r in rows])
    from .fit import _folds  # the routing head's stratified folds (the same deterministic seed)

    fold = _folds(y, FOLDS)
    ordinary = ordinary_requests(settings) if ordinary is None else ordinary
    o_own, o_routing, o_vecs = routing_inputs(settings, encoder, ordinary)
    o_use = [i for i, r in enumerate(o_routing) if r is not None]  # pasted documents: the head never reads them
    xo = probe.features(o_vecs[o_use], [o_routing[i] for i in o_use]) if o_use else np.zeros((0, x.shape[1]))
    o_pat = [(k, emergency_mode(t, k)) for t, k in ((o_own[i], detect_emergency(o_own[i])) for i in o_use)]

    def oof(l2):
        pl, pk = np.zeros((len(y), len(LABELS))), np.zeros((len(y), len(KINDS)))
        ol, ok = np.zeros((len(xo), len(LABELS))), np.zeros((len(xo), len(KINDS)))  # mean of the fold heads
        for f in range(FOLDS):
            tr, te = fold != f, fold == f
            w, b = fit_logreg(x[tr], y[tr], len(LABELS), l2)
            pl[te] = _softmax(x[te] @ w.T + b)
            trk = tr & has_kind
            wk, bk = fit_logreg(x[trk], yk[trk], len(KINDS), l2)
            pk[te] = _softmax(x[te] @ wk.T + bk)
            if len(xo):
                ol += _softmax(xo @ w.T + b) / FOLDS
                ok += _softmax(xo @ wk.T + bk) / FOLDS
            if progress:
                progress(f"l2 {l2:g}", f + 1, FOLDS)
        return pl, pk, ol, ok

    results = {}
    for l2 in L2_GRID:
        pl, pk, ol, ok = oof(l2)
        results[l2] = (_log_loss(pl, y) + _log_loss(pk[has_kind], yk[has_kind]), pl, pk, ol, ok)
    l2 = min(results, key=lambda v: results[v][0])
    _, pl, pk, ol, ok = results[l2]
    pat = [(detect_emergency(t), None) for t in own]
    pat = [(k, emergency_mode(t, k)) for t, (k, _) in zip(own, pat)]
    th = choose_thresholds(pat, pl, pk, labels, (o_pat, ol, ok) if o_use else None)
    patterns_only = th["cost"](1.1, 1.1, None)[1]  # thresholds above 1: the head never fires
    # what other urgent thresholds would have given (same pointer and demotion thresholds)
    curve = {f"{u:g}": th["cost"](u, th["pointer"], th["demote"])[1] for u in (0.05, 0.1, 0.2, 0.3, 0.5, 0.7)}
    kind_acc = float((pk[has_kind].argmax(1) == yk[has_kind]).mean())

    w, b = fit_logreg(x, y, len(LABELS), l2)
    wk, bk = fit_logreg(x[has_kind], yk[has_kind], len(KINDS), l2)
    info = {"inputs_fingerprint": inputs, "rows": len(rows), "data_sha256": hashlib.sha256("\n".join(json.dumps(r, sort_keys=True) for r in rows)
                                                             .encode()).hexdigest()[:16],
            "l2": l2, "folds": FOLDS, "ordinary_requests": len(o_use), "miss_cost": MISS_COST, "pointer_cost": POINTER_COST,
            "cv_log_loss": {f"{k:g}": round(v[0], 4) for k, v in results.items()},
            "cv_patterns_only": patterns_only, "cv_with_head": th["cv"],
            "cv_urgent_threshold_curve": {u: {k: o.get(k) for k in ("banner_recall", "false_banner_informational",
                                                                     "false_banner_none", "false_banner_ordinary",
                                                                     "cost")} for u, o in curve.items()},
            "cv_kind_accuracy": round(kind_acc, 4),
            "embed_s": round(embed_s, 1), "fit_s": round(time.perf_counter() - t0, 1)}
    return EmergencyHead(encoder=encoder_id(encoder), label_weight=w, label_bias=b, kind_weight=wk,
                         kind_bias=bk, urgent_threshold=th["urgent"], pointer_threshold=th["pointer"],
                         demote_threshold=th["demote"], ngram_buckets=ngram_buckets, info=info)


def fit_and_save_emergency(settings, path: str | os.PathLike | None = None, rows_file: str | os.PathLike | None = None,
                           encoder=None, progress=None) -> tuple[EmergencyHead, Path]:
    encoder = encoder if encoder is not None else build_encoder(settings)
    head = fit_emergency(settings, encoder, load_rows(rows_file or DEFAULT_DEV_FILE), progress=progress)
    return head, save_emergency_head(head, path or emergency_head_path(settings))


def stored_head_matches(settings, encoder, rows: list[dict], path: str | os.PathLike) -> tuple[EmergencyHead | None, str]:
    """(the stored head, why) when it was fitted on exactly these inputs (emergency_fingerprint), else
    (None, why it must be refitted): missing, unreadable, fitted before fingerprints were kept, or
    fitted on other inputs."""
    path = Path(path)
    if not path.is_file():
        return None, f"no emergency head at {path}"
    try:
        head = load_emergency_head(path)
    except EmergencyHeadError as exc:
        return None, str(exc)
    stored = head.info.get("inputs_fingerprint")
    if stored is None:
        return None, f"{path} has no inputs fingerprint (fitted before `router fit` kept one)"
    want = emergency_fingerprint(settings, encoder, rows, head.ngram_buckets)
    if stored != want:
        return None, f"its inputs changed (fingerprint {stored} -> {want}: rows, encoder or hyperparameters)"
    return head, f"inputs unchanged (fingerprint {stored})"


def fit_or_reuse_emergency(settings, refit: bool = False, rows_file: str | os.PathLike | None = None,
                           encoder=None, progress=None) -> tuple[EmergencyHead, Path, bool, str]:
    """What `router fit` does for the emergency head: (head, path, reused, why). The stored head is kept
    when its inputs fingerprint matches (refitting it was ~7 of `router fit`'s ~14 minutes on 2 cores);
    refitted when it differs, is missing, or `refit` is set."""
    encoder = encoder if encoder is not None else build_encoder(settings)
    path = emergency_head_path(settings)
    rows = load_rows(rows_file or DEFAULT_DEV_FILE)
    head, why = (None, "--refit-emergency given") if refit else stored_head_matches(settings, encoder, rows, path)
    if head is not None:
        return head, path, True, why
    head = fit_emergency(settings, encoder, rows, progress=progress)
    return head, save_emergency_head(head, path), False, why
