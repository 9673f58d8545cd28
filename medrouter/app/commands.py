"""The app's subcommands: ask, prepare, config, serve, summarize (the ones that need the Assistant
or its faces; each package's own commands live in its cli.py)."""
from __future__ import annotations

import sys
from pathlib import Path

from medrouter.core.cli import add_config_arg, emit


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
    stream = a.stream(text, collection=args.collection, expert=args.expert)
    for piece in stream:
        sys.stdout.write(piece)
        sys.stdout.flush()
    ans = stream.answer
    print()
    for s in ans.sources:
        print(f"  [{s.index}] {s.label}  (score {s.score:.2f})" + (f"  {s.url}" if s.url else ""))
    if ans.unsupported:
        print(f"  left out of the answer ({len(ans.unsupported)}, not in the excerpts): "
              + " | ".join(ans.unsupported), file=sys.stderr)
    print(f"-- route {ans.route} · expert {ans.expert or '-'} · confidence {ans.confidence:.2f} · "
          f"{ans.finish_reason} · {ans.timings_ms.get('total', 0):.0f} ms", file=sys.stderr)
    return 0


def cmd_prepare(args) -> int:
    """Convert/cache the base model and check the embedding model, so the first request is fast."""
    from medrouter.core.config import load_config
    from medrouter.core.models import resolve_embedding_path, resolve_lm_path

    s = load_config(args.config)
    lm = resolve_lm_path(s.base_model.path, s.base_model.gguf_file, s.cache_dir)
    emb = resolve_embedding_path(s.embedding_model.path)
    out = {"base_model": str(lm), "embedding_model": str(emb)}
    lines = [f"base model ready: {lm}", f"embedding model ready: {emb}"]
    if s.reference.sources:
        from retrieval.cli import build_reference

        r = build_reference(s)
        out["reference"] = {k: r[k] for k in ("collection", "pages", "chunks_total", "seconds")}
        lines.append(f"reference library ready: '{r['collection']}', {r['pages']} pages, {r['chunks_total']} chunks "
                     f"({len(r['added']) + len(r['replaced'])} embedded, {len(r['skipped'])} unchanged)")
    emit(out, args.json, "\n".join(lines))
    return 0


def cmd_config(args) -> int:
    from medrouter.core.config import load_config

    s = load_config(args.config)
    emit({"config": s.source_path, "routes": s.route_names, "experts": s.expert_names}, args.json,
         f"{s.source_path}: OK — routes {', '.join(s.route_names)}; experts {', '.join(s.expert_names)}")
    return 0


def cmd_serve(args) -> int:
    from medrouter.core.config import load_config

    from .server import serve

    s = load_config(args.config)
    if args.backend:
        s.serve.backend = args.backend
    if args.openai_base_url:
        s.serve.openai_base_url = args.openai_base_url
    if s.serve.backend == "vllm":
        # vLLM serves the base model with every adapter as a LoRA module; medrouter's router runs in
        # front of it and sends model=<expert> per request through the openai backend
        from experts.vllm import launch_vllm

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


def cmd_summarize(args) -> int:
    from medrouter.core.config import load_config

    from .assistant import Assistant

    settings = load_config(args.config)
    # A whole document is split by its own tokens, which needs the tokenizer in this process, so the
    # experts run here whatever serve.backend says. The file is read and checked before they load.
    settings.serve.backend = "transformers"
    result = Assistant(settings).summarize(Path(args.file))
    emit(result, args.json, result["answer"])
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


def register_serve(sub) -> None:
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


def register_summarize(sub) -> None:
    p = sub.add_parser("summarize", help="summarize a document file (map-reduce when it does not fit)")
    p.add_argument("file")
    p.add_argument("--json", action="store_true")
    add_config_arg(p)
    p.set_defaults(func=cmd_summarize)
