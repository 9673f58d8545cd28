"""Router subcommands: `route`, `router fit`, `router info`, `eval router` (the shared `eval`
command comes from medrouter.core.cli.eval_subparsers)."""
from __future__ import annotations

import json
import sys

from medrouter.core.cli import add_config_arg, emit, eval_subparsers
from medrouter.core.errors import InputError, UsageError

TEST_FILE = "test.jsonl"  # the blind test split, in router.dev_file's folder


def _progress(label: str, unit: str = "ex"):
    """A stderr progress bar for long CLI work (silent when stderr is not a terminal)."""
    from tqdm.auto import tqdm

    bar = None

    def update(done: int, total: int) -> None:
        nonlocal bar
        if bar is None:
            bar = tqdm(total=total, desc=label, unit=unit, file=sys.stderr, disable=not sys.stderr.isatty())
        bar.n = done
        bar.refresh()
        if done >= total:
            bar.close()
    return update


def _staged_progress():
    """progress(stage, done, total): one stderr bar per stage (embedding, each fold's LoRA training)."""
    bars: dict = {}

    def update(stage: str, done: int, total: int) -> None:
        if stage not in bars:
            bars[stage] = _progress(stage, "ex" if stage == "embedding" else "step")
        bars[stage](done, total)
    return update


def _read_jsonl_requests(path: str) -> list[dict]:
    rows = []
    try:
        f = open(path, encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}") from None
    with f:
        try:
            for n, line in enumerate(f, 1):
                if not line.strip():
                    continue
                try:
                    obj = json.loads(line)
                    if not isinstance(obj, dict) or not isinstance(obj["text"], str):
                        raise TypeError
                except (ValueError, KeyError, TypeError):
                    raise InputError(f"{path}:{n}: each line must be a JSON object with a string 'text' field") from None
                rows.append(obj)
        except UnicodeDecodeError:
            raise InputError(f"{path}: not a UTF-8 text file") from None
    return rows


def cmd_route(args) -> int:
    from medrouter.core.checks import check_text
    from medrouter.core.config import load_config

    from .router import Router

    s = load_config(args.config)
    if args.input:
        rows = _read_jsonl_requests(args.input)
        r = Router(s)
        texts = [check_text(o["text"], s.limits.max_input_chars) for o in rows]
        docs = [bool(o.get("has_documents", args.has_documents)) for o in rows]
        for o, d in zip(rows, r.route_batch(texts, docs) if texts else []):
            print(json.dumps({"text": o["text"][:200], **d.to_dict()}, ensure_ascii=False))
        return 0
    if args.text is None:
        raise UsageError("give TEXT ('-' reads standard input) or --input FILE.jsonl")
    text = sys.stdin.read() if args.text == "-" else args.text
    check_text(text, s.limits.max_input_chars)
    d = Router(s).route(text, has_documents=args.has_documents)
    extra = f" (refused: in scope {d.in_scope:.2f}, below the threshold)" if d.reason == "below_threshold" else ""
    emit(d.to_dict(), args.json, f"{d.route} ({d.confidence:.2f}){extra}" +
         (f" EMERGENCY: {d.emergency}" if d.emergency else ""))
    return 0


def cmd_router_fit(args) -> int:
    from medrouter.core.config import load_config

    from .fit import fit_and_save

    s = load_config(args.config)
    head, path = fit_and_save(s, progress=None if args.json else _staged_progress())
    out = {"head": path, "fingerprint": head.fingerprint, "threshold": round(head.threshold, 4),
           "temperature": round(head.temperature, 4), **head.info}
    # the emergency head reads the router's vectors: refit it when its inputs (rows, encoder,
    # hyperparameters) changed since it was fitted, else keep it (~7 of ~14 minutes on 2 cores)
    out["emergency_head"], emergency_text = _emergency_fit(s, refit=args.refit_emergency, reuse=True)
    emit(out, args.json,
         f"router head written to {path} ({head.info['examples']} examples, cross-validated accuracy "
         f"{(head.info.get('cv_accuracy') or 0):.3f}, refusal threshold {head.threshold:.2f}, fingerprint {head.fingerprint})"
         f"\n{emergency_text}")
    return 0


def _emergency_fit(settings, rows_file=None, refit: bool = True, reuse: bool = False) -> tuple[dict, str]:
    """`reuse`: keep the stored head when its inputs fingerprint matches (router fit), unless `refit`."""
    from .emergency_head import fit_and_save_emergency, fit_or_reuse_emergency

    if reuse:
        head, path, reused, why = fit_or_reuse_emergency(settings, refit=refit, rows_file=rows_file)
    else:
        (head, path), reused, why = fit_and_save_emergency(settings, rows_file=rows_file), False, "fit-emergency"
    print(f"emergency head {'reused' if reused else 'refitted'}: {why}", file=sys.stderr)
    cv = head.info["cv_with_head"]
    out = {"head": str(path), "encoder": head.encoder, "urgent_threshold": head.urgent_threshold,
           "pointer_threshold": head.pointer_threshold, "demote_threshold": head.demote_threshold,
           "reused": reused, "why": why, **head.info}
    return out, (f"emergency head {'kept' if reused else 'written to'} {path} ({head.info['rows']} rows, encoder {head.encoder}; 5-fold CV "
                 f"banner recall {cv['banner_recall']:.3f}, false banners informational "
                 f"{cv['false_banner_informational']:.3f} / none {cv['false_banner_none']:.3f})")


def cmd_router_fit_emergency(args) -> int:
    from medrouter.core.config import load_config

    out, text = _emergency_fit(load_config(args.config), args.input)
    emit(out, args.json, text)
    return 0


def cmd_router_info(args) -> int:
    from medrouter.core.config import load_config
    from medrouter.core.errors import RouterHeadError

    from .head import load_head

    s = load_config(args.config)
    fp = s.routing_fingerprint()
    try:
        head = load_head(s.router.head_path)
        status = "ok" if head.fingerprint == fp else "stale: run `medrouter router fit`"
        out = {"head": s.router.head_path, "status": status, "config_fingerprint": fp,
               "head_fingerprint": head.fingerprint, "routes": head.routes, "threshold": head.threshold,
               "temperature": head.temperature, "info": head.info}
    except RouterHeadError as exc:
        out = {"head": s.router.head_path, "status": str(exc), "config_fingerprint": fp}
    emit(out, args.json, f"{out['head']}: {out['status']} (config fingerprint {fp})")
    return 0


def cmd_eval_router(args) -> int:
    from pathlib import Path

    from medrouter.core.config import load_config

    from .data import load_labeled, training_examples
    from .evaluate import evaluate
    from .router import Router

    s = load_config(args.config)
    if args.input and args.split:
        raise UsageError("give --input or --split, not both")
    path = args.input or s.router.dev_file
    if args.split == "test":
        # the blind split lives beside the dev split (data/routing/TEST_CARD.md): read here only,
        # never by `router fit`, never for thresholds or data rounds
        path = str(Path(s.router.dev_file).with_name(TEST_FILE)) if s.router.dev_file else None
    if not path:
        raise UsageError("give --input FILE.jsonl (or set router.dev_file in the config)")
    if s.router.train_file and Path(path).resolve() == Path(s.router.train_file).resolve():
        raise UsageError(f"{path} is the router's training file; evaluate on held-out data (router.dev_file)")
    examples = load_labeled(path, s.route_names)
    r = Router(s, classifier=args.classifier)
    train = {" ".join(e.text.lower().split()) for e in training_examples(s)}
    res = evaluate(r, examples, train_texts=train)
    res["input"] = str(path)
    if args.json:
        emit(res, True)
    else:
        g = res["goals"]
        print(f"{path}: {res['examples']} examples, classifier {res['classifier']}")
        print(f"  accuracy {res['accuracy']:.4f}  out-of-scope recall {res['out_of_scope_recall']}  "
              f"false refusal {res['false_refusal_rate']}  latency p50 {res['latency_ms']['p50']} ms "
              f"p95 {res['latency_ms']['p95']} ms")
        for k, v in g.items():
            ci = v["interval_95"]
            note = "" if v["decided"] or ci is None else " (the target lies inside the interval: too few examples to tell)"
            print(f"  goal {k} {v['target']}: {'met' if v['met'] else 'NOT met'}  "
                  f"{v['count'][0]}/{v['count'][1]}, 95% interval {ci}{note}")
        for lang, m in res["by_language"].items():
            print(f"  {lang}: accuracy {m['accuracy']}  refused {m['refused_in_scope']}/{m['in_scope']} in scope  n={m['n']}")
        for r_, m in res["per_route"].items():
            print(f"  {r_:<16} precision {m['precision']}  recall {m['recall']}  n={m['support']}")
        for m in res["misrouted"][:20]:
            print(f"  misrouted {m['label']} -> {m['route']} ({m['confidence']:.2f}): {m['text'][:90]!r}")
    return 0


def register(sub) -> None:
    p = sub.add_parser("route", help="show which route a request takes")
    p.add_argument("text", nargs="?", help="the request ('-' reads standard input)")
    p.add_argument("--input", help="JSONL file with a 'text' (and optional 'has_documents') field per line; "
                                   "one JSON line out per input")
    p.add_argument("--has-documents", action="store_true", help="the user has documents attached")
    p.add_argument("--json", action="store_true")
    add_config_arg(p)
    p.set_defaults(func=cmd_route)

    rp = sub.add_parser("router", help="fit or inspect the router's classifier head")
    rsub = rp.add_subparsers(dest="router_cmd", metavar="ACTION")
    rsub.required = True
    p = rsub.add_parser("fit", help="fit the calibrated head on the routes' examples + router.train_file")
    p.add_argument("--refit-emergency", action="store_true",
                   help="refit the emergency head even when its inputs (data/emergency/dev.jsonl, the encoder, its "
                        "hyperparameters) are unchanged since it was fitted (by default it is then kept)")
    p.add_argument("--json", action="store_true")
    add_config_arg(p)
    p.set_defaults(func=cmd_router_fit)
    p = rsub.add_parser("fit-emergency", help="fit the emergency head (router/heads/emergency.safetensors) on "
                                              "data/emergency/dev.jsonl with the router's encoder")
    p.add_argument("--input", help="labelled JSONL (text, label emergency|informational|none, kind); "
                                   "default data/emergency/dev.jsonl")
    p.add_argument("--json", action="store_true")
    add_config_arg(p)
    p.set_defaults(func=cmd_router_fit_emergency)
    p = rsub.add_parser("info", help="show the fitted head and whether it matches the config")
    p.add_argument("--json", action="store_true")
    add_config_arg(p)
    p.set_defaults(func=cmd_router_info)

    p = eval_subparsers(sub).add_parser("router", help="accuracy, refusals, confusion and latency on a labeled JSONL")
    p.add_argument("--input", "--file", dest="input",
                   help="labeled JSONL (text, label[, has_documents, tags]), e.g. data/routing/dev2.jsonl; "
                        "default router.dev_file")
    p.add_argument("--split", choices=["dev", "test"], help="dev = router.dev_file (default); test = the blind "
                   f"split {TEST_FILE} beside it, written from the route descriptions only (never fitted on)")
    p.add_argument("--classifier", help="evaluate another registered classifier (e.g. nearest, the baseline)")
    p.add_argument("--json", action="store_true")
    add_config_arg(p)
    p.set_defaults(func=cmd_eval_router)
