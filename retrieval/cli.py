"""`medrouter ingest | docs | retrieve`: thin over retrieval.Store (`medrouter summarize` reads a whole
document through the experts, so it is the app's: medrouter/app/commands.py)."""
from __future__ import annotations

import sys

from medrouter.core.cli import add_config_arg, emit


def _store(args):
    from medrouter.core.config import load_config

    from .store import Store

    return Store(load_config(args.config))


def cmd_ingest(args) -> int:
    from tqdm import tqdm

    store = _store(args)
    bar = tqdm(total=0, unit="vec", desc=f"embedding into '{args.collection}'", file=sys.stderr,
               disable=not sys.stderr.isatty() and not args.progress)

    def progress(done, total):
        bar.total = total
        bar.n = done
        bar.refresh()

    try:
        report = store.ingest(args.paths, args.collection, progress=progress, on_error="skip")
    finally:
        bar.close()
    lines = [f"collection '{report['collection']}': {report['chunks_total']} chunks"]
    lines += [f"  added    {a['source']} ({a['pages']} page(s), {a['chunks']} chunks)" for a in report["added"]]
    lines += [f"  replaced {r}" for r in report["replaced"]]
    lines += [f"  skipped  {s['source']}: {s['reason']}" for s in report["skipped"]]
    lines += [f"  FAILED   {f['error']}" for f in report["failed"]]
    emit(report, args.json, "\n".join(lines))
    return 2 if report["failed"] else 0


def cmd_docs(args) -> int:
    from medrouter.core.errors import UsageError

    if args.action != "list" and not args.collection:
        raise UsageError(f"docs {args.action} needs --collection NAME")
    store = _store(args)
    if args.action == "list":
        if args.collection:
            docs = store.documents(args.collection)
            emit(docs, args.json, "\n".join(
                f"{d['id']}  {d['source']}  {d.get('date') or '-'}  {d['pages']}p  {d['chunks']} chunks  — {d['title']}"
                for d in docs) or "(no documents)")
        else:
            cols = store.collections()
            emit(cols, args.json, "\n".join(
                f"{c['name']}: {c.get('documents', '?')} documents, {c.get('chunks', '?')} chunks"
                + (f"  ERROR {c['error']}" if "error" in c else "") for c in cols) or "(no collections)")
    elif args.action == "remove":
        if not args.document:
            raise UsageError("docs remove needs --collection NAME and a DOCUMENT (file name or id)")
        doc = store.remove(args.collection, args.document)
        emit(doc, args.json, f"removed {doc['source']} from '{args.collection}'")
    elif args.action == "repair":
        emit(store.repair(args.collection), args.json)
    elif args.action == "delete":
        store.delete_collection(args.collection)
        emit({"deleted": args.collection}, args.json, f"deleted collection '{args.collection}'")
    return 0


def cmd_retrieve(args) -> int:
    store = _store(args)
    hits = store.search(args.collection, args.text, k=args.k)
    rows = [{"source": h.source, "page": h.page, "section": h.section, "score": round(h.score, 4),
             "text": h.text, "chunk_id": h.chunk_id, "flags": h.flags} for h in hits]
    emit(rows, args.json, "\n\n".join(
        f"[{i}] {r['source']}" + (f", page {r['page']}" if r["page"] else "") + f" — {r['section'] or ''} "
        f"(score {r['score']:.2f})\n{r['text']}" for i, r in enumerate(rows, 1)) or "(no hits)")
    return 0


def register(sub) -> None:
    p = sub.add_parser("ingest", help="add documents (pdf, docx, txt, md, html) to a collection")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("--collection", required=True)
    p.add_argument("--json", action="store_true")
    p.add_argument("--progress", action="store_true", help="show the progress bar even when stderr is not a terminal")
    add_config_arg(p)
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("docs", help="list / remove documents; repair or delete a collection")
    p.add_argument("action", choices=["list", "remove", "repair", "delete"])
    p.add_argument("document", nargs="?", help="file name or document id (for remove)")
    p.add_argument("--collection", help="collection name (list without it lists collections)")
    p.add_argument("--json", action="store_true")
    add_config_arg(p)
    p.set_defaults(func=cmd_docs)

    p = sub.add_parser("retrieve", help="search a collection: source, page, score, text")
    p.add_argument("text")
    p.add_argument("--collection", required=True)
    p.add_argument("--k", type=int, default=5)
    p.add_argument("--json", action="store_true")
    add_config_arg(p)
    p.set_defaults(func=cmd_retrieve)
