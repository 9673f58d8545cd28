"""The app's subcommands: ask, prepare, config, serve, summarize (the ones that need the Assistant
or its faces; each package's own commands live in its cli.py)."""
from __future__ import annotations

import sys
from pathlib import Path

from medrouter.core.cli import add_config_arg, emit


def _decode(data: bytes, what: str) -> str:
    """Bytes from a file or standard input as text: UTF-8 (a BOM allowed), else a clear error (exit 2)."""
    from medrouter.core.errors import InputError

    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{what} is not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
                         "convert it to UTF-8") from None


def _read_text(arg: str) -> str:
    # "-" reads the request from standard input (e.g. a pasted report piped in). An argument with
    # undecodable bytes arrives with lone surrogates (Python's surrogateescape): the Assistant refuses
    # those with a clear message (clean_text), exit 2.
    return _decode(sys.stdin.buffer.read(), "standard input") if arg == "-" else arg


def _read_history(path: str | None) -> list[dict]:
    """A conversation file: a JSON list of {"role", "content"} messages, or one message per line (JSONL)."""
    import json

    from medrouter.core.errors import InputError

    if not path:
        return []
    try:
        raw = _decode(Path(path).read_bytes(), path)
    except OSError as exc:
        raise InputError(f"cannot read --history {path}: {exc.strerror}") from None
    try:
        data = json.loads(raw) if raw.lstrip().startswith("[") else [json.loads(x) for x in raw.splitlines() if x.strip()]
    except json.JSONDecodeError as exc:
        raise InputError(f"--history {path}: not JSON ({exc.msg}, line {exc.lineno}); a list of "
                         '{"role", "content"} messages or one per line') from None
    if not isinstance(data, list) or not all(isinstance(m, dict) for m in data):
        raise InputError(f"--history {path}: expected a list of {{\"role\", \"content\"}} messages")
    return data


def _print_answer(stream) -> object:
    for piece in stream:
        sys.stdout.write(piece)
        sys.stdout.flush()
    from .assistant import SOURCES_LEAD

    ans = stream.answer
    print()
    if SOURCES_LEAD in ans.answer:
        # a quoted answer names its sources itself: their scores and links go to stderr with the route
        # line, so stdout shows the sources once
        print("-- sources: " + " · ".join(f"[{s.index}] score {s.score:.2f}" + (f" {s.url}" if s.url else "")
                                          for s in ans.sources), file=sys.stderr)
    else:
        for s in ans.sources:
            print(f"  [{s.index}] {s.label}  (score {s.score:.2f})" + (f"  {s.url}" if s.url else ""))
    if ans.unsupported:
        print(f"  left out of the answer ({len(ans.unsupported)}, not in the excerpts): "
              + " | ".join(ans.unsupported), file=sys.stderr)
    print(f"-- route {ans.route} · expert {ans.expert or '-'} · confidence {ans.confidence:.2f} · "
          f"{ans.finish_reason} · {ans.timings_ms.get('total', 0):.0f} ms", file=sys.stderr)
    return ans


def cmd_chat(args) -> int:
    """A conversation on the terminal: each line is a request answered in the context of the turns before."""
    from medrouter.core.errors import InputError

    from .assistant import Assistant

    a = Assistant.from_config(args.config)
    messages = _read_history(args.history)
    print("medrouter chat: type a question; an empty line or Ctrl-D ends.", file=sys.stderr)
    while True:
        try:
            line = input("you> ")
        except EOFError:
            break
        if not line.strip():
            break
        try:
            ans = _print_answer(a.stream(messages + [{"role": "user", "content": line}],
                                         collection=args.collection, expert=args.expert))
        except InputError as exc:  # one bad line does not end the conversation
            print(f"medrouter: error: {exc}", file=sys.stderr)
            continue
        messages += [{"role": "user", "content": line}, {"role": "assistant", "content": ans.answer}]
    return 0


def cmd_ask(args) -> int:
    from .assistant import Assistant

    a = Assistant.from_config(args.config)
    text = _read_text(args.text)
    history = _read_history(args.history)
    request = history + [{"role": "user", "content": text}] if history else text
    if args.json:
        ans = a.ask(request, collection=args.collection, expert=args.expert)
        emit(ans.to_dict(), True)
        return 0
    _print_answer(a.stream(request, collection=args.collection, expert=args.expert))
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
    if args.docs:
        s.serve.docs = True
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
            serve(s, host=args.host, port=args.port, api_key=args.api_key)
        finally:
            proc.terminate()
            proc.wait(timeout=60)
        return 0
    serve(s, host=args.host, port=args.port, api_key=args.api_key)
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
    p.add_argument("--history", metavar="FILE", help="the conversation before this request: a JSON list of "
                   '{"role", "content"} messages (or JSONL); the request is answered in its context')
    p.add_argument("--json", action="store_true", help="print one JSON object")
    add_config_arg(p)
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("chat", help="a conversation on the terminal (each request in the context of the turns before)")
    p.add_argument("--history", metavar="FILE", help="start from this conversation (as for ask --history)")
    p.add_argument("--collection", help="the document collection to ground advice in")
    p.add_argument("--expert", help="force this expert instead of routing")
    add_config_arg(p)
    p.set_defaults(func=cmd_chat)

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
    p.add_argument("--host", help="default: serve.host from the config (127.0.0.1: this machine only)")
    p.add_argument("--api-key", help="require `Authorization: Bearer KEY` (default: serve.api_key or $MEDROUTER_API_KEY)")
    p.add_argument("--docs", action="store_true", help="serve the interactive API docs at /docs (off by default)")
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
