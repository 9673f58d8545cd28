"""Fitting the reference library's "not covered" floor on labelled questions.

`medrouter reference calibrate` reads questions labelled covered / not covered (data/reference/
calibration.jsonl: built from the pages themselves and from topics with no page), searches the
library for each, and picks the cosine floor that minimises missed answers + 2 x answers given
where the library has no page (answering from the wrong page is the worse error). Questions whose
uncommon words no excerpt holds are "not covered" whatever the floor (library.uncovered_words).
"""
from __future__ import annotations

import json
from pathlib import Path

from medrouter.core.errors import UsageError

WRONG_ANSWER_COST = 2.0


def calibrate(lib, path: str) -> dict:
    p = Path(path)
    if not p.is_file():
        raise UsageError(f"calibration file not found: {p} (build it: python data/reference/calibration.py)")
    rows = [json.loads(x) for x in p.read_text(encoding="utf-8").splitlines() if x.strip()]
    if not rows or not any(r["covered"] for r in rows) or all(r["covered"] for r in rows):
        raise UsageError(f"{p}: needs questions labelled both covered and not covered")
    scored = []
    for r in rows:
        hits = lib.search(r["question"])
        cov = lib.coverage(r["question"], hits, floor=-1.0)  # the word check alone
        scored.append((r["covered"], cov.best, bool(cov.missing)))
    best_cost, floor = None, None
    for t in sorted({round(b, 3) for _, b, _ in scored} | {0.0}):
        fn = sum(1 for c, b, m in scored if c and (b < t or m))
        fp = sum(1 for c, b, m in scored if not c and b >= t and not m)
        cost = fn + WRONG_ANSWER_COST * fp
        if best_cost is None or cost < best_cost:
            best_cost, floor = cost, t
    n_cov = sum(1 for c, _, _ in scored if c)
    n_not = len(scored) - n_cov
    fn = sum(1 for c, b, m in scored if c and (b < floor or m))
    fp = sum(1 for c, b, m in scored if not c and b >= floor and not m)
    return {"floor": floor, "n": len(scored), "covered": n_cov, "not_covered": n_not,
            "false_not_covered": fn / n_cov, "false_covered": fp / n_not,
            "stopped_by_words": sum(1 for c, _, m in scored if not c and m) / n_not,
            "word_check_on_covered": sum(1 for c, _, m in scored if c and m) / n_cov}
