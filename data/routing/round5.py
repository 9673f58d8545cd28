"""Round-five cases for the routing dataset: TRAIN ONLY, read from round5.jsonl.

1,400 requests written by hand, blind, by a helper that saw no project code or data (card:
ROUND5.md): six languages, documents named but not attached, inline and long pastes, out-of-scope
requests that sound medical, casual wording, typos. Unlike rounds two to four they are not
templates of this file's author, which is why they are here: the router trained on one hand's
templates did not hold on requests it was not written against (issue #20).
Each line keeps its writer's label, has_documents and tags, plus the tag `round5`. Called after
round4.build, so no dev example moves and the earlier random stream is unchanged (nothing here
draws from it).
"""
import json
import os

PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "round5.jsonl")
TAG = "round5"


def build(put):
    """Register the round-five examples. `put(text, label, tags, docs)` adds one train-only example."""
    with open(PATH, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                row = json.loads(line)
                put(row["text"], row["label"], list(row.get("tags", [])) + [TAG], bool(row["has_documents"]))


def validation_slice(rows):
    """A stratified 20 % of the round-five rows (by label and language: the lowest sha256 of the
    normalised text in each stratum) held out for decisions while fitting on the rest; the shipped
    heads are fitted on all of train. `rows`: dicts with text, label, tags. Returns the held-out texts'
    normalised keys."""
    import hashlib

    def key(text):
        return " ".join(text.casefold().split())

    strata = {}
    for r in rows:
        if TAG in r["tags"]:
            lang = next((t for t in r["tags"] if t.startswith("lang_")), "lang_en")
            strata.setdefault((r["label"], lang), []).append(key(r["text"]))
    out = set()
    for keys in strata.values():
        keys.sort(key=lambda k: hashlib.sha256(k.encode("utf-8")).hexdigest())
        out.update(keys[:round(0.2 * len(keys))])
    return out


if __name__ == "__main__":
    # python data/routing/round5.py OUT_DIR: OUT_DIR/round5_val.jsonl (the slice) and
    # OUT_DIR/train_minus_val.jsonl (train.jsonl without it), for fitting and evaluating apart
    import sys

    here = os.path.dirname(PATH)
    rows = [json.loads(x) for x in open(os.path.join(here, "train.jsonl"), encoding="utf-8") if x.strip()]
    held = validation_slice(rows)
    out = sys.argv[1]
    with open(os.path.join(out, "round5_val.jsonl"), "w", encoding="utf-8") as a, \
            open(os.path.join(out, "train_minus_val.jsonl"), "w", encoding="utf-8") as b:
        for r in rows:
            (a if " ".join(r["text"].casefold().split()) in held else b).write(json.dumps(r, ensure_ascii=False) + "\n")
    print(len(held), "held out of", sum(1 for r in rows if TAG in r["tags"]))
