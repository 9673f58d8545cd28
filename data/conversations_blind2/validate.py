"""Validate data/conversations_blind2/test.jsonl and print counts."""
import json, collections, pathlib, sys
REFUSAL = ("I can only help with medical questions, medical documents and health advice. "
           "This request is outside what I can help with.")
ROUTES = {"out_of_scope", "medical_qa", "summarization", "advice"}
path = pathlib.Path(__file__).with_name("test.jsonl")
convs = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
errors = []
ids = [c["id"] for c in convs]
if len(set(ids)) != len(ids): errors.append("duplicate ids")
if ids != [f"e{i:03d}" for i in range(1, len(convs) + 1)]: errors.append("ids not e001..eNNN in order")
for c in convs:
    cid, turns = c["id"], c["turns"]
    if set(c) != {"id", "has_documents", "turns", "labels", "tags", "resolved"}: errors.append(f"{cid}: keys {sorted(c)}")
    if not isinstance(c["has_documents"], bool): errors.append(f"{cid}: has_documents not bool")
    roles = [t["role"] for t in turns]
    if roles != ["user" if i % 2 == 0 else "assistant" for i in range(len(turns))] or roles[-1] != "user":
        errors.append(f"{cid}: roles {roles}")
    users = [t for t in turns if t["role"] == "user"]
    if len(users) not in (2, 3): errors.append(f"{cid}: {len(users)} user turns")
    if len(c["labels"]) != len(users): errors.append(f"{cid}: labels/user turns mismatch")
    if not set(c["labels"]) <= ROUTES: errors.append(f"{cid}: bad label {c['labels']}")
    for k, lab in enumerate(c["labels"]):
        j = 2 * k
        if j + 1 < len(turns):
            is_ref = turns[j + 1]["content"] == REFUSAL
            if lab == "out_of_scope" and not is_ref: errors.append(f"{cid}: no refusal after out_of_scope turn {k}")
            if lab != "out_of_scope" and is_ref: errors.append(f"{cid}: refusal after in-scope turn {k}")
    if ("documents" in c["tags"]) != c["has_documents"]: errors.append(f"{cid}: documents tag vs has_documents")
    if "advice" in c["labels"] and not c["has_documents"]: errors.append(f"{cid}: advice without documents")
    if not c["resolved"].strip() or not all(t["content"].strip() for t in turns): errors.append(f"{cid}: empty text")
if errors:
    print("\n".join(errors)); sys.exit(1)
print(f"OK: {len(convs)} conversations")
print("user turns:", dict(collections.Counter(len(c["labels"]) for c in convs)))
print("tags:", dict(collections.Counter(t for c in convs for t in c["tags"]).most_common()))
print("labels all turns:", dict(collections.Counter(l for c in convs for l in c["labels"])))
print("labels last turn:", dict(collections.Counter(c["labels"][-1] for c in convs)))
print("has_documents:", sum(c["has_documents"] for c in convs))
lang = collections.Counter(next((t[5:] for t in c["tags"] if t.startswith("lang_")), "en") for c in convs)
print("language:", dict(lang))
