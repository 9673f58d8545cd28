"""The urgent-care banner on a labelled set: recall on emergencies, false alarms on the rest.

    python bench/emergency.py [--set data/emergency/test.jsonl] [--examples 10]

The set (data/emergency, written blind: by a helper who never saw the detector) labels each request
emergency (someone describes one happening now), informational (a question about an emergency
condition) or none (figurative, technical, ordinary questions). Per request the detector gives a
kind and a mode (router/emergency.py); what the user gets:
  banner   the urgent message for the kind (mode urgent)
  pointer  the answer plus one line "If this is happening now, call ..." (mode informational)
  nothing  no emergency
Reports: banner recall on emergencies (and per kind, per language), the right kind among those,
emergencies that got only the pointer or nothing; false banners on informational and none requests;
pointers on none requests. The baseline in the same run is the detector without modes (every detected kind gets the banner:
the behaviour before modes existed). Pure pattern matching: no model, runs in a second.
"""
from __future__ import annotations

import argparse
import json
import sys
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--set", default="data/emergency/test.jsonl")
    ap.add_argument("--examples", type=int, default=10)
    args = ap.parse_args()

    from router.emergency import URGENT, detect_emergency, emergency_mode

    rows = [json.loads(x) for x in Path(args.set).read_text(encoding="utf-8").splitlines() if x.strip()]
    base = Counter()
    got = Counter()
    per_kind: dict = defaultdict(Counter)
    per_lang: dict = defaultdict(Counter)
    wrong: dict = defaultdict(list)
    for r in rows:
        kind = detect_emergency(r["text"])
        mode = emergency_mode(r["text"], kind)
        shown = "banner" if mode == URGENT else ("pointer" if mode else "nothing")
        got[(r["label"], shown)] += 1
        base[(r["label"], "banner" if kind else "nothing")] += 1
        lang = next((t for t in r.get("tags", []) if t.startswith("lang_")), "lang_en")
        if r["label"] == "emergency":
            per_kind[r["kind"]][shown] += 1
            per_kind[r["kind"]]["right_kind"] += kind == r["kind"]
            per_lang[lang][shown] += 1
            if shown != "banner":
                wrong["emergency_without_banner"].append({"text": r["text"], "kind": kind, "got": shown})
        elif shown == "banner":
            wrong[f"{r['label']}_with_banner"].append({"text": r["text"], "kind": kind})
        elif r["label"] == "none" and shown == "pointer":
            wrong["none_with_pointer"].append({"text": r["text"], "kind": kind})
        elif r["label"] == "informational" and shown == "nothing":
            wrong["informational_without_pointer"].append({"text": r["text"], "want": r["kind"]})

    def share(label: str, shown: str, counts=got) -> dict:
        n = sum(v for (lab, _), v in counts.items() if lab == label)
        return {"rate": round(counts[(label, shown)] / n, 4) if n else None, "hits": counts[(label, shown)], "n": n}

    out = {
        "set": args.set, "n": len(rows),
        "banner_recall_emergency": share("emergency", "banner"),
        "pointer_only_emergency": share("emergency", "pointer"),
        "missed_emergency": share("emergency", "nothing"),
        "false_banner_informational": share("informational", "banner"),
        "pointer_informational": share("informational", "pointer"),
        "false_banner_none": share("none", "banner"),
        "pointer_none": share("none", "pointer"),
        "baseline_without_modes": {"banner_recall_emergency": share("emergency", "banner", base),
                                   "false_banner_informational": share("informational", "banner", base),
                                   "false_banner_none": share("none", "banner", base)},
        "per_kind": {k: dict(v) for k, v in sorted(per_kind.items())},
        "per_language": {k: dict(v) for k, v in sorted(per_lang.items())},
        "examples": {k: v[: args.examples] for k, v in wrong.items()},
    }
    print(json.dumps(out, indent=1, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
