"""Expert declines: how often each expert answers the out-of-scope refusal sentence itself.

    python bench/declines.py [--config experts.yaml] [--max-new-tokens 24]

The experts learned to refuse out-of-scope requests (the refusal rows of their training mix), as a
second line behind the router. This measures both sides of that on the router's dev split
(router.dev_file, never fitted on), requests without documents, each sent straight to the expert
of its label (out-of-scope requests to the medical_qa expert, or the first expert):
  declined_in_scope   in-scope requests the expert refuses (the Assistant shows `declined_reply`)
  refused_out_of_scope out-of-scope requests the expert refuses (the backstop working)
A reply counts as the refusal when it starts as a copy of `out_of_scope_reply` or is nothing but
near copies of its sentences (medrouter.app.assistant.without_refusal). Greedy, so deterministic.
Prints one JSON object; ~12 minutes on 2 CPU cores (results/declines_cpu.json).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def is_refusal(reply: str, refusal: str) -> bool:
    from medrouter.app.assistant import _norm, without_refusal

    r = _norm(reply)
    return bool(r) and (_norm(refusal).startswith(r) or not without_refusal(reply, refusal).strip())


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--config", default=None)
    ap.add_argument("--max-new-tokens", type=int, default=24, help="enough to tell a refusal from an answer")
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--examples", type=int, default=12, help="declined requests listed per route")
    args = ap.parse_args()

    from experts import GenerationRequest
    from experts.prompting import build_messages
    from medrouter.app.assistant import Assistant
    from medrouter.core.config import load_config
    from router.data import load_labeled

    s = load_config(args.config)
    a = Assistant(s)
    oos = s.router.out_of_scope_route
    rows = [e for e in load_labeled(s.router.dev_file, s.route_names) if not e.has_documents]
    fallback = (s.expert_for_route("medical_qa") or s.experts[0]).name
    out: dict = {"dev_file": s.router.dev_file, "max_new_tokens": args.max_new_tokens, "routes": {}}
    t0 = time.perf_counter()
    for route in s.route_names:
        expert = fallback if route == oos else s.expert_for_route(route).name
        spec = s.expert(expert)
        gen = spec.generation.model_copy(update={"max_new_tokens": args.max_new_tokens})
        sel = [e for e in rows if e.label == route]
        reqs = [GenerationRequest(expert, build_messages(spec, e.text), gen) for e in sel]
        replies = []
        for i in range(0, len(reqs), args.batch):
            replies.extend(g.text for g in a.pool.generate(reqs[i:i + args.batch]))
        refused = [e.text for e, r in zip(sel, replies) if is_refusal(r, s.out_of_scope_reply)]
        key = "refused_out_of_scope" if route == oos else "declined_in_scope"
        out["routes"][route] = {"expert": expert, "n": len(sel), key: len(refused),
                                "rate": round(len(refused) / len(sel), 4) if sel else None,
                                "examples": [t[:120] for t in refused[:args.examples]] if route != oos else []}
        print(f"{route}: {len(refused)}/{len(sel)}", file=sys.stderr)
    out["seconds"] = round(time.perf_counter() - t0, 1)
    print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
