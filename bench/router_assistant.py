"""A routing split through Assistant.route (the router plus the Assistant's library-name rules), JSON.

    python bench/router_assistant.py [--split data/routing/dev.jsonl] [--config experts.yaml]

Each request is routed with has_documents as labelled and no collection attached. Scores: accuracy,
out-of-scope recall (out-of-scope requests refused), false refusal rate (in-scope requests refused).
The blind split (data/routing/test.jsonl) is read once per code version, never to choose anything.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--split", default="data/routing/dev.jsonl")
    p.add_argument("--config")
    args = p.parse_args()
    from medrouter.app.assistant import Assistant

    a = Assistant.from_config(args.config)
    rows = [json.loads(line) for line in Path(args.split).read_text(encoding="utf-8").splitlines() if line.strip()]
    ok = oos = oos_refused = ins = ins_refused = 0
    for r in rows:
        d = a.route(r["text"], has_documents=bool(r.get("has_documents")))
        ok += d.route == r["label"]
        if r["label"] == a.router.oos:
            oos, oos_refused = oos + 1, oos_refused + bool(d.refused)
        else:
            ins, ins_refused = ins + 1, ins_refused + bool(d.refused)
    print(json.dumps({"split": args.split, "n": len(rows), "accuracy": round(ok / max(1, len(rows)), 4),
                      "out_of_scope_recall": round(oos_refused / max(1, oos), 4),
                      "false_refusal_rate": round(ins_refused / max(1, ins), 4)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
