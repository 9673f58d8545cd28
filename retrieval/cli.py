"""`medrouter ingest | docs | retrieve | reference`: thin over retrieval.Store and the reference Library (`medrouter summarize` reads a whole
document through the experts, so it is the app's: medrouter/app/commands.py)."""
from __future__ import annotations

import contextlib
import sys

from medrouter.core.cli import add_config_arg, emit


def _store(args):
    from medrouter.core.config import load_config

    from .store import Store

    return Store(load_config(args.config))


@contextlib.contextmanager
def embedding_bar(desc: str, force: bool = False):
    """A progress bar on stderr (shown on a terminal, or when forced) and the `progress(done, total)`
    callback that moves it, as Store.ingest and Library.build call it."""
    from tqdm import tqdm

    bar = tqdm(total=0, unit="vec", desc=desc, file=sys.stderr, disable=not sys.stderr.isatty() and not force)

    def progress(done, total):
        bar.total = total
        bar.n = done
        bar.refresh()

    try:
        yield bar, progress
    finally:
        bar.close()


def cmd_ingest(args) -> int:
    store = _store(args)
    with embedding_bar(f"embedding into '{args.collection}'", args.progress) as (_, progress):
        report = store.ingest(args.paths, args.collection, progress=progress, on_error="skip")
    lines = [f"collection '{report['collection']}': {report['chunks_total']} chunks"]
    lines += [f"  added    {a['source']} ({a['pages']} page(s), {a['chunks']} chunks)" for a in report["added"]]
    lines += [f"  replaced {r}" for r in report["replaced"]]
    lines += [f"  skipped  {s['source']}: {s['reason']}" for s in report["skipped"]]
    emit(report, args.json, "\n".join(lines))
    for f in report["failed"]:  # errors on stderr, as every command's (the report stays on stdout)
        print(f"medrouter: error: {f['error']}", file=sys.stderr)
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


def build_reference(settings, force_bar: bool = False) -> dict:
    """Build (or bring up to date) the configured reference library, with a progress bar."""
    from .library import shared_library

    lib = shared_library(settings)
    with embedding_bar(f"embedding reference '{lib.name}'", force_bar) as (bar, progress):
        def on_source(name, n):
            if not bar.disable:
                bar.write(f"read {n} pages from {name}")

        return lib.build(progress=progress, on_source=on_source)


def cmd_reference(args) -> int:
    from medrouter.core.config import load_config

    from .library import shared_library

    settings = load_config(args.config)
    lib = shared_library(settings)
    if args.action == "build":
        r = build_reference(settings, force_bar=args.progress)
        emit(r, args.json, f"reference library '{r['collection']}': {r['pages']} pages, {r['chunks_total']} chunks "
                           f"(added {len(r['added'])}, replaced {len(r['replaced'])}, removed {len(r['removed'])}, "
                           f"unchanged {len(r['skipped'])}) in {r['seconds']} s")
    elif args.action == "info":
        info = lib.info()
        emit(info, args.json, "\n".join(
            [f"{info['name']}: {info['pages']} pages, {info['chunks']} chunks, updated {info['updated']}, "
             f"floor {info['floor']}"] + [f"  {k}: {v} pages" for k, v in info["by_source"].items()]))
    elif args.action == "list":
        docs = lib.store.documents(lib.name) if lib.exists() else []
        emit(docs, args.json, "\n".join(
            f"{d['source']}  — {d['title']}  ({d.get('source_name', '?')}; {d.get('licence', '?')})" for d in docs)
            or "(the reference library is not built: medrouter reference build)")
    elif args.action == "calibrate":
        from .calibrate import calibrate

        r = calibrate(lib, args.file)
        emit(r, args.json, f"fitted floor {r['floor']} on {r['n']} questions: not covered when covered "
                           f"{r['false_not_covered']:.3f}, answered when not covered {r['false_covered']:.3f} "
                           f"(set reference.min_score: {r['floor']} in the config)")
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

    p = sub.add_parser("reference", help="the reference library medical answers come from: build, info, list, calibrate")
    p.add_argument("action", choices=["build", "info", "list", "calibrate"])
    p.add_argument("--file", default="data/reference/calibration.jsonl",
                   help="calibrate: questions labelled covered / not covered")
    p.add_argument("--json", action="store_true")
    p.add_argument("--progress", action="store_true", help="show the progress bar even when stderr is not a terminal")
    add_config_arg(p)
    p.set_defaults(func=cmd_reference)
