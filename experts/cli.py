"""`medrouter experts`: list the configured experts, check their adapters (`medrouter serve`, the
OpenAI-compatible API over the Assistant, is the app's: medrouter/app/commands.py)."""
from __future__ import annotations

from medrouter.core.cli import add_config_arg, emit


def cmd_experts(args) -> int:
    from medrouter.core.config import load_config

    s = load_config(args.config)
    rows = [{"name": e.name, "route": e.route, "adapter": e.adapter, "uses_retrieval": e.uses_retrieval,
             "max_new_tokens": e.generation.max_new_tokens} for e in s.experts]
    if args.check:
        from medrouter.core.models import load_lm

        from .adapters import validate_adapter

        model = load_lm(s).model
        for r in rows:  # raises AdapterError naming the expert on the first bad adapter
            r["adapter_ok"] = True if r["adapter"] is None else bool(validate_adapter(r["name"], r["adapter"], model))
    text = "\n".join(f"{r['name']:<16} route {r['route']:<14} adapter {r['adapter'] or '(base model)'}" for r in rows)
    emit(rows, args.json, text)
    return 0


def register(sub) -> None:
    p = sub.add_parser("experts", help="list the configured experts (--check validates their adapters)")
    p.add_argument("--check", action="store_true", help="validate every adapter against the base model")
    p.add_argument("--json", action="store_true")
    add_config_arg(p)
    p.set_defaults(func=cmd_experts)
