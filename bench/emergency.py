"""The urgent-care banner on a labelled set: recall on emergencies, false alarms on the rest.

    python bench/emergency.py [--set data/emergency/test.jsonl] [--examples 10] [--config experts.yaml]

The set (data/emergency, written blind: by a helper who never saw the detector) labels each request
emergency (someone describes one happening now), informational (a question about an emergency
condition) or none (figurative, technical, ordinary questions). Per request a detector gives a
kind and a mode; what the user gets:
  banner   the urgent message for the kind (mode urgent)
  pointer  the answer plus one line "If this is happening now, call ..." (mode informational)
  nothing  no emergency
Three detectors in the same run:
  patterns             router/emergency.py's patterns, every detected kind gets the banner (before modes)
  patterns_modes       + emergency_mode: urgent or informational (the detector before the head)
  patterns_modes_head  + the emergency head (router/emergency_head.py) on the router's routing vector,
                       as Router.route_batch runs it (the same texts, vectors and EmergencyDetector)
Each: banner recall on emergencies (and per kind, per language), the right kind among those, emergencies
that got only the pointer or nothing; false banners on informational and none requests; pointers on none
requests. Examples of the head variant's errors. Also the head's own cost per request (the routing
vector is computed by the router anyway), measured one request at a time.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def score(rows: list[dict], results: list[tuple], examples: int) -> dict:
    from router.emergency import URGENT

    got = Counter()
    per_kind: dict = defaultdict(Counter)
    per_lang: dict = defaultdict(Counter)
    wrong: dict = defaultdict(list)
    for r, (kind, mode) in zip(rows, results):
        shown = "banner" if mode == URGENT else ("pointer" if mode else "nothing")
        got[(r["label"], shown)] += 1
        lang = next((t for t in r.get("tags", []) if t.startswith("lang_")), "lang_en")
        if r["label"] == "emergency":
            per_kind[r["kind"]][shown] += 1
            per_kind[r["kind"]]["right_kind"] += kind == r["kind"]
            per_lang[lang][shown] += 1
            if shown != "banner":
                wrong["emergency_without_banner"].append({"text": r["text"], "kind": kind, "got": shown})
        else:
            per_lang[f"{lang}_{r['label']}"][shown] += 1
            if shown == "banner":
                wrong[f"{r['label']}_with_banner"].append({"text": r["text"], "kind": kind})
            elif r["label"] == "none" and shown == "pointer":
                wrong["none_with_pointer"].append({"text": r["text"], "kind": kind})
            elif r["label"] == "informational" and shown == "nothing":
                wrong["informational_without_pointer"].append({"text": r["text"], "want": r["kind"]})

    def share(label: str, shown: str) -> dict:
        n = sum(v for (lab, _), v in got.items() if lab == label)
        return {"rate": round(got[(label, shown)] / n, 4) if n else None, "hits": got[(label, shown)], "n": n}

    banners = sum(v for (_, s), v in got.items() if s == "banner")
    out = {"banner_recall_emergency": share("emergency", "banner"),
           "pointer_only_emergency": share("emergency", "pointer"),
           "missed_emergency": share("emergency", "nothing"),
           "right_kind_emergency": sum(v["right_kind"] for v in per_kind.values()),
           "banner_precision": round(got[("emergency", "banner")] / banners, 4) if banners else None,
           "false_banner_informational": share("informational", "banner"),
           "pointer_informational": share("informational", "pointer"),
           "false_banner_none": share("none", "banner"),
           "pointer_none": share("none", "pointer"),
           "per_kind": {k: dict(v) for k, v in sorted(per_kind.items())},
           "per_language": {k: dict(v) for k, v in sorted(per_lang.items())}}
    if examples:
        out["examples"] = {k: v[:examples] for k, v in wrong.items()}
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--set", default="data/emergency/test.jsonl")
    ap.add_argument("--examples", type=int, default=10)
    ap.add_argument("--config", default=None, help="experts.yaml (the router whose encoder the head reads)")
    args = ap.parse_args()

    import numpy as np

    from medrouter.core.config import load_config
    from router.emergency import detect_emergency, emergency_mode
    from router.emergency_head import EmergencyDetector, build_encoder, emergency_head_path, routing_inputs

    rows = [json.loads(x) for x in Path(args.set).read_text(encoding="utf-8").splitlines() if x.strip()]
    settings = load_config(args.config)
    encoder = build_encoder(settings)  # the router's encoder; its classifier head is not needed here
    own, routing, vecs = routing_inputs(settings, encoder, [r["text"] for r in rows])  # what route_batch reads
    kinds = [detect_emergency(t) for t in own]
    patterns = [(k, "urgent" if k else None) for k in kinds]
    modes = [(k, emergency_mode(t, k)) for t, k in zip(own, kinds)]
    detector = EmergencyDetector(encoder, emergency_head_path(settings))  # what the Router builds
    head = detector.head
    with_head = detector.detect_batch(own, vecs, routing) if head else None

    # the head's own cost per request: detect with the head minus detect without it, one request a time
    def per_request(det) -> float:
        times = []
        for i in range(len(own)):
            t0 = time.perf_counter()
            det.detect_batch([own[i]], vecs[i:i + 1], [routing[i]])
            times.append((time.perf_counter() - t0) * 1000)
        return float(np.median(times))

    latency = None
    if head:
        patterns_ms = per_request(EmergencyDetector(head=None))
        head_ms = per_request(detector)
        latency = {"patterns_ms_p50": round(patterns_ms, 3), "patterns_and_head_ms_p50": round(head_ms, 3),
                   "head_adds_ms": round(head_ms - patterns_ms, 3)}

    out = {"set": args.set, "n": len(rows), "encoder": encoder.name,
           "head": None if head is None else {"encoder": head.encoder, "urgent_threshold": head.urgent_threshold,
                                              "pointer_threshold": head.pointer_threshold,
                                              "demote_threshold": head.demote_threshold},
           "latency": latency,
           "patterns": score(rows, patterns, 0),
           "patterns_modes": score(rows, modes, 0 if head else args.examples),
           "patterns_modes_head": score(rows, with_head, args.examples) if head else None}
    print(json.dumps(out, indent=1, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
