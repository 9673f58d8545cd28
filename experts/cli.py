"""`medrouter serve` (OpenAI-compatible HTTP API) and `medrouter experts` (list, check adapters)."""
from __future__ import annotations

from medrouter.cli import add_config_arg, emit


def cmd_serve(args) -> int:
    from medrouter.config import load_config

    from .server import serve

    s = load_config(args.config)
    if args.backend:
        s.serve.backend = args.backend
    if args.openai_base_url:
        s.serve.openai_base_url = args.openai_base_url
    if s.serve.backend == "vllm":
        # vLLM serves the base model with every adapter as a LoRA module; medrouter's router runs in
        # front of it and sends model=<expert> per request through the openai backend
        from .vllm import launch_vllm

        proc = launch_vllm(s, port=args.vllm_port, max_lora_rank=args.max_lora_rank,
                           tensor_parallel_size=args.tensor_parallel_size)
        s.serve.backend, s.serve.openai_base_url = "openai", f"http://127.0.0.1:{args.vllm_port}/v1"
        try:
            serve(s, host=args.host, port=args.port)
        finally:
            proc.terminate()
            proc.wait(timeout=60)
        return 0
    serve(s, host=args.host, port=args.port)
    return 0


def cmd_experts(args) -> int:
    from medrouter.config import load_config

    s = load_config(args.config)
    rows = [{"name": e.name, "route": e.route, "adapter": e.adapter, "uses_retrieval": e.uses_retrieval,
             "max_new_tokens": e.generation.max_new_tokens} for e in s.experts]
    if args.check:
        from medrouter.models import load_lm

        from .adapters import validate_adapter

        model = load_lm(s).model
        for r in rows:  # raises AdapterError naming the expert on the first bad adapter
            r["adapter_ok"] = True if r["adapter"] is None else bool(validate_adapter(r["name"], r["adapter"], model))
    text = "\n".join(f"{r['name']:<16} route {r['route']:<14} adapter {r['adapter'] or '(base model)'}" for r in rows)
    emit(rows, args.json, text)
    return 0


def register(sub) -> None:
    p = sub.add_parser("serve", help="serve the router and experts as an OpenAI-compatible HTTP API")
    p.add_argument("--host", help="default: serve.host from the config (127.0.0.1)")
    p.add_argument("--port", type=int, help="default: serve.port from the config (8000)")
    p.add_argument("--backend", help="generation backend (transformers | openai | vllm); default: serve.backend")
    p.add_argument("--vllm-port", type=int, default=8001, help="for --backend vllm: the port vLLM listens on")
    p.add_argument("--max-lora-rank", type=int, help="for --backend vllm (default: the smallest that fits)")
    p.add_argument("--tensor-parallel-size", type=int, default=1, help="for --backend vllm: GPUs per model")
    p.add_argument("--openai-base-url", help="for --backend openai: the upstream server, e.g. http://127.0.0.1:8001/v1")
    add_config_arg(p)
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("experts", help="list the configured experts (--check validates their adapters)")
    p.add_argument("--check", action="store_true", help="validate every adapter against the base model")
    p.add_argument("--json", action="store_true")
    add_config_arg(p)
    p.set_defaults(func=cmd_experts)
