"""Router subcommands: route."""
from __future__ import annotations

import json
import sys

from medrouter.cli import add_config_arg, emit
from medrouter.errors import InputError


def cmd_route(args) -> int:
    from medrouter.assistant import check_text
    from medrouter.config import load_config

    from .router import Router

    s = load_config(args.config)
    r = Router(s)
    if args.input:
        rows = []
        with open(args.input, encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                if not line.strip():
                    continue
                try:
                    rows.append(json.loads(line)["text"])
                except (ValueError, KeyError, TypeError):
                    raise InputError(f"{args.input}:{n}: each line must be a JSON object with a 'text' field") from None
        for text, d in zip(rows, r.route_batch([check_text(t, s.limits.max_input_chars) for t in rows])):
            print(json.dumps({"text": text[:200], "route": d.route, "confidence": round(d.confidence, 4),
                              "emergency": d.emergency}, ensure_ascii=False))
        return 0
    if not args.text:
        raise InputError("give TEXT or --input FILE.jsonl")
    d = r.route(check_text(args.text, s.limits.max_input_chars))
    emit(d.to_dict(), args.json, f"{d.route} ({d.confidence:.2f})" + (f" EMERGENCY: {d.emergency}" if d.emergency else ""))
    return 0


def register(sub) -> None:
    p = sub.add_parser("route", help="show which route a request takes")
    p.add_argument("text", nargs="?", help="the request")
    p.add_argument("--input", help="JSONL file with a 'text' field per line; one JSON line out per input")
    p.add_argument("--json", action="store_true")
    add_config_arg(p)
    p.set_defaults(func=cmd_route)
