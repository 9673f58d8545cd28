"""Core subcommands: ask, prepare, config."""
from __future__ import annotations

import sys

from .cli import add_config_arg, emit


def _read_text(arg: str) -> str:
    # "-" reads the request from standard input (e.g. a pasted report piped in)
    return sys.stdin.read() if arg == "-" else arg


def cmd_ask(args) -> int:
    from .assistant import Assistant

    a = Assistant.from_config(args.config)
    text = _read_text(args.text)
    if args.json:
        ans = a.ask(text, collection=args.collection, expert=args.expert)
        emit(ans.to_dict(), True)
        return 0
    ans = None
    for piece in a.ask_stream(text, collection=args.collection, expert=args.expert):
        if isinstance(piece, str):
            sys.stdout.write(piece)
            sys.stdout.flush()
        else:
            ans = piece
    print()
    for s in ans.sources:
        print(f"  [{s.index}] {s.source}" + (f", page {s.page}" if s.page else "") + f"  (score {s.score:.2f})")
    if ans.unsupported:
        print(f"  left out of the answer ({len(ans.unsupported)}, not in the excerpts): "
              + " | ".join(ans.unsupported), file=sys.stderr)
    print(f"-- route {ans.route} · expert {ans.expert or '-'} · confidence {ans.confidence:.2f} · "
          f"{ans.finish_reason} · {ans.timings_ms.get('total', 0):.0f} ms", file=sys.stderr)
    return 0


def cmd_prepare(args) -> int:
    """Convert/cache the base model and check the embedding model, so the first request is fast."""
    from .config import load_config
    from .models import resolve_embedding_path, resolve_lm_path

    s = load_config(args.config)
    lm = resolve_lm_path(s.base_model.path, s.base_model.gguf_file, s.cache_dir)
    emb = resolve_embedding_path(s.embedding_model.path)
    emit({"base_model": str(lm), "embedding_model": str(emb)}, args.json,
         f"base model ready: {lm}\nembedding model ready: {emb}")
    return 0


def cmd_config(args) -> int:
    from .config import load_config

    s = load_config(args.config)
    emit({"config": s.source_path, "routes": s.route_names, "experts": s.expert_names}, args.json,
         f"{s.source_path}: OK — routes {', '.join(s.route_names)}; experts {', '.join(s.expert_names)}")
    return 0


def register(sub) -> None:
    p = sub.add_parser("ask", help="answer a request through the router and the experts")
    p.add_argument("text", help="the request ('-' reads standard input)")
    p.add_argument("--collection", help="the document collection to ground advice in")
    p.add_argument("--expert", help="force this expert instead of routing")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    add_config_arg(p)
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("prepare", help="convert and cache the models once (offline)")
    p.add_argument("--json", action="store_true")
    add_config_arg(p)
    p.set_defaults(func=cmd_prepare)

    p = sub.add_parser("config", help="validate the config and summarise it")
    p.add_argument("--json", action="store_true")
    add_config_arg(p)
    p.set_defaults(func=cmd_config)
