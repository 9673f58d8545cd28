"""Collections of the user's documents: ingest, list, remove, search.

On disk a collection is a folder::

    <store_dir>/<name>/CURRENT            name of the live generation (replaced atomically)
    <store_dir>/<name>/g000007/manifest.json   documents, settings, checksums of the two files below
    <store_dir>/<name>/g000007/chunks.jsonl    one chunk a line: text, source, page, section, offsets
    <store_dir>/<name>/g000007/index.faiss     faiss.write_index; row i = line i of chunks.jsonl

Every change writes a complete new generation into a temp folder, renames it, then swaps CURRENT
with os.replace: a crash at any point leaves the previous generation live and readable. Nothing is
ever unpickled. Checksums in the manifest catch a damaged index or chunk file; `repair` rebuilds the
index from the stored chunk texts, so a corrupted index loses nothing.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import re
import shutil
import threading
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from medrouter.core.atomic import atomic_folder, write_atomic
from medrouter.core.errors import RetrievalError
from medrouter.core.models import model_identity

from . import index as faiss_index
from .chunking import chunk_document, units
from .lexical import BM25Index, best_line_scores, meta_tokens, query_terms, tokenize
from .fusion import rrf
from .loaders import YEAR_RE, LoadedDocument, load_document
from .sanitize import neutralize
from .synonyms import expand, groups_in

FORMAT = 1
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,127}$")
CHARS_PER_PAGE = 3000  # a "page" for formats without pages (about one printed A4 page of prose)
_THREADS_LOCK = threading.Lock()


@dataclass
class Hit:
    source: str
    page: int | None
    score: float  # cosine similarity of the query and this chunk, in [-1, 1]; compare to min_score
    text: str  # the chunk, with prompt-control lines withheld (see sanitize.py)
    chunk_id: str
    section: str | None
    title: str | None = None
    date: str | None = None
    rank_score: float = 0.0  # the fused score the order comes from
    flags: list[str] = field(default_factory=list)
    ref: dict | None = None  # a reference page's provenance: page_id, url, licence, source_name, aliases

    def to_dict(self) -> dict:
        d = asdict(self)
        d["score"] = round(self.score, 4)
        d["rank_score"] = round(self.rank_score, 5)
        return d


@dataclass
class _Item:
    """One document on its way into a collection."""

    name: str  # file name (user documents) or page id (reference pages): the key of "same document"
    sha: str  # content hash (hex): the same content is never stored twice
    doc: LoadedDocument
    extra: dict = field(default_factory=dict)  # kept in the manifest entry (path and size, or page provenance)
    aliases: list[str] = field(default_factory=list)


@dataclass
class _Loaded:
    generation: str
    manifest: dict
    chunks: list[dict]
    index: object
    bm25: BM25Index | None
    units: object = None  # FAISS index of line vectors
    owner: np.ndarray | None = None  # unit row -> chunk row
    line_tokens: dict = field(default_factory=dict)  # chunk row -> its lines' tokens (filled lazily)


def validate_name(name: str) -> str:
    if not isinstance(name, str) or not NAME_RE.match(name) or ".." in name:
        raise RetrievalError(
            f"invalid collection name {name!r}: use 1-128 letters, digits, '_', '-' or '.', "
            "starting with a letter or digit (no '/', no '..')")
    return name


def _sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _fsync_write(path: Path, data: bytes) -> None:
    with open(path, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


def _stack(old: np.ndarray | None, new: np.ndarray | None) -> np.ndarray | None:
    if new is None:
        return old
    return new if old is None or not len(old) else np.vstack([old, new])


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class Store:
    """The user's document collections under `settings.retrieval.store_dir`."""

    def __init__(self, settings, embedder=None, root: str | None = None):
        self.settings = settings
        self.cfg = settings.retrieval
        self.root = Path(os.path.expanduser(root or self.cfg.store_dir))
        self._embedder = embedder
        self._cache: dict[str, _Loaded] = {}
        self._lock = threading.RLock()

    # ---- embedding -------------------------------------------------------------------------
    @property
    def embedder(self):
        if self._embedder is None:
            from medrouter.core.models import load_embedder

            self._embedder = load_embedder(self.settings)
        return self._embedder

    def _token_limit(self) -> tuple:
        """(token_len, max_tokens) of the embedder, for chunk_document's token guard; (None, None)
        for an embedder without a tokenizer or sequence limit."""
        tok = getattr(self.embedder, "tokenizer", None)
        limit = getattr(self.embedder, "max_seq_length", None)
        if tok is None or not limit:
            return None, None
        return (lambda text: len(tok(text, add_special_tokens=True, verbose=False)["input_ids"])), int(limit)

    def embed(self, texts: list[str], progress=None) -> np.ndarray:
        bs = self.settings.embedding_model.batch_size
        # Groups of >= 256 texts per encode call: sentence-transformers sorts each call's texts by
        # length, so batches hold similar lengths (less padding) while progress still moves.
        step = max(bs * 8, 256)
        out = []
        for i in range(0, len(texts), step):
            group = texts[i:i + step]
            out.append(self.embedder.encode(group, batch_size=bs, normalize_embeddings=True,
                                            convert_to_numpy=True, show_progress_bar=False))
            if progress:
                progress(len(group))
        dim = self.embedder.get_embedding_dimension()
        return np.vstack(out).astype(np.float32) if out else np.zeros((0, dim), dtype=np.float32)

    @contextlib.contextmanager
    def _query_threads(self):
        """Run one query's embedding and FAISS search on `retrieval.query_threads` threads (default
        1). For one 20-token query or one vector, thread start-up and barriers cost more than they
        save, and far more when the cores are busy. Measured on 2 cores under load (bench/retrieval.py):
        query embedding 20 ms on 1 thread vs 68-164 ms on 2; FAISS flat search over 10k vectors 0.6 ms
        vs 24 ms. torch and faiss thread counts are process-wide: restored afterwards, under a lock."""
        n = self.cfg.query_threads
        if not n:
            yield
            return
        import faiss
        import torch

        with _THREADS_LOCK:
            t_before, f_before = torch.get_num_threads(), faiss.omp_get_max_threads()
            torch.set_num_threads(n)
            faiss.omp_set_num_threads(n)
            try:
                yield
            finally:
                torch.set_num_threads(t_before)
                faiss.omp_set_num_threads(f_before)

    def embed_query(self, text: str) -> np.ndarray:
        with self._query_threads():
            return self.embed([text])

    # ---- paths, locking --------------------------------------------------------------------
    def _dir(self, name: str) -> Path:
        d = self.root / validate_name(name)
        # belt and braces: the resolved folder must be directly under the store root
        if d.resolve().parent != self.root.resolve():
            raise RetrievalError(f"invalid collection name {name!r}")
        return d

    @contextlib.contextmanager
    def _write_lock(self, name: str):
        import fcntl

        d = self._dir(name)
        new = not d.exists()
        d.mkdir(parents=True, exist_ok=True)
        with self._lock, open(d / ".lock", "w") as lf:
            fcntl.flock(lf, fcntl.LOCK_EX)  # other processes writing the same collection wait
            try:
                yield d
            finally:
                # a write into a new collection that committed nothing (it failed, or had nothing
                # to add) leaves no folder behind: `docs list` would not show it
                if new and not (d / "CURRENT").exists():
                    shutil.rmtree(d, ignore_errors=True)
                fcntl.flock(lf, fcntl.LOCK_UN)

    def _current(self, d: Path) -> str | None:
        try:
            g = (d / "CURRENT").read_text().strip()
        except FileNotFoundError:
            return None
        if not re.fullmatch(r"g\d{6}", g) or not (d / g).is_dir():
            raise RetrievalError(f"collection '{d.name}': CURRENT points to a missing generation ({g!r})")
        return g

    def exists(self, name: str) -> bool:
        """Whether `name` has a live generation (one stat: cheap enough for every query)."""
        return (self._dir(name) / "CURRENT").is_file()

    def manifest(self, name: str) -> dict:
        """The live generation's manifest (documents, settings, what the collection was built from)."""
        return dict(self._manifest(name)[1])

    # ---- reading ---------------------------------------------------------------------------
    def _manifest(self, name: str) -> tuple[Path, dict]:
        d = self._dir(name)
        g = self._current(d)
        if g is None:
            raise RetrievalError(f"unknown collection '{name}'; ingest documents first "
                                 f"(medrouter ingest FILE --collection {name})")
        try:
            m = json.loads((d / g / "manifest.json").read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise RetrievalError(f"collection '{name}': manifest is unreadable ({exc})") from None
        if m.get("format") != FORMAT:
            raise RetrievalError(f"collection '{name}': unsupported format {m.get('format')!r}")
        return d / g, m

    def _read_chunks(self, name: str, gdir: Path, m: dict) -> list[dict]:
        path = gdir / "chunks.jsonl"
        if not path.is_file() or _sha256_file(path) != m["files"]["chunks.jsonl"]:
            raise RetrievalError(f"collection '{name}': chunks.jsonl is damaged (checksum mismatch); "
                                 "re-ingest the documents")
        with open(path, encoding="utf-8") as f:
            return [json.loads(line) for line in f if line.strip()]

    def _load(self, name: str) -> _Loaded:
        with self._lock:
            cached = self._cache.get(name)
            if cached is not None and self._current(self._dir(name)) == cached.generation:
                return cached  # unchanged since loaded: no manifest parse per query
            gdir, m = self._manifest(name)
            built, ours = model_identity(m.get("embedding_model")), model_identity(self.settings.embedding_model.path)
            if built and built != ours:
                raise RetrievalError(f"collection '{name}' was built with the embedding model {built}; this "
                                     f"configuration uses {ours}: its vectors are not comparable. Rebuild it "
                                     "(medrouter reference build, or re-ingest the documents)")
            chunks = self._read_chunks(name, gdir, m)
            ipath = gdir / "index.faiss"
            hint = f"run: medrouter docs repair --collection {name} (rebuilds it from the stored chunks)"
            if not ipath.is_file():
                raise RetrievalError(f"collection '{name}': index file is missing; {hint}")
            if _sha256_file(ipath) != m["files"]["index.faiss"]:
                raise RetrievalError(f"collection '{name}': index file is corrupted (checksum mismatch); {hint}")
            try:
                idx = faiss_index.read(str(ipath))
            except RetrievalError as exc:
                raise RetrievalError(f"collection '{name}': {exc}; {hint}") from None
            if idx.ntotal != len(chunks):
                raise RetrievalError(f"collection '{name}': index has {idx.ntotal} vectors for {len(chunks)} chunks; {hint}")
            uidx, owner = None, None
            if m["files"].get("units.faiss"):
                upath = gdir / "units.faiss"
                if not upath.is_file() or _sha256_file(upath) != m["files"]["units.faiss"]:
                    raise RetrievalError(f"collection '{name}': units.faiss is corrupted (checksum mismatch); {hint}")
                uidx = faiss_index.read(str(upath))
                owner = np.repeat(np.arange(len(chunks)), [c["n_units"] for c in chunks])
                if uidx.ntotal != len(owner):
                    raise RetrievalError(f"collection '{name}': units.faiss does not match the chunks; {hint}")
            bm25 = BM25Index([c["tokens"] if "tokens" in c else tokenize(c["embed_text"]) for c in chunks]) \
                if self.cfg.hybrid else None
            loaded = _Loaded(gdir.name, m, chunks, idx, bm25, uidx, owner)
            self._cache[name] = loaded
            return loaded

    # ---- writing ---------------------------------------------------------------------------
    def _commit(self, d: Path, manifest: dict, chunks: list[dict], vectors: np.ndarray,
                unit_vectors: np.ndarray | None = None) -> None:
        """Write a complete new generation, then switch CURRENT to it atomically."""
        old = self._current(d)
        n = int(old[1:]) + 1 if old else 1
        for stale in d.glob(".tmp-*"):  # left by a crash mid-write
            shutil.rmtree(stale, ignore_errors=True)
        gname = f"g{n:06d}"
        # private: a generation holds the user's documents (owner-only, as the temp folder is made)
        with atomic_folder(d / gname, private=True, prefix=".tmp-") as tmp:
            body = "".join(json.dumps(c, ensure_ascii=False) + "\n" for c in chunks).encode("utf-8")
            _fsync_write(tmp / "chunks.jsonl", body)
            kind = faiss_index.choose_type(self.cfg.index_type, len(chunks), self.cfg.ann_threshold)
            index = faiss_index.build(vectors, kind)
            faiss_index.write(index, str(tmp / "index.faiss"))
            files = {"chunks.jsonl": hashlib.sha256(body).hexdigest(), "index.faiss": _sha256_file(tmp / "index.faiss")}
            if unit_vectors is not None:
                ukind = faiss_index.choose_type(self.cfg.index_type, len(unit_vectors), self.cfg.ann_threshold)
                faiss_index.write(faiss_index.build(unit_vectors, ukind), str(tmp / "units.faiss"))
                files["units.faiss"] = _sha256_file(tmp / "units.faiss")
            manifest = dict(manifest, format=FORMAT, updated=_now(), n_chunks=len(chunks),
                            index_type=type(index).__name__,
                            files=files)
            _fsync_write(tmp / "manifest.json", json.dumps(manifest, indent=1, ensure_ascii=False).encode())
        write_atomic(d / "CURRENT", gname.encode(), fsync=True)
        if old:
            shutil.rmtree(d / old, ignore_errors=True)
        self._cache.pop(d.name, None)

    def _empty_manifest(self, name: str) -> dict:
        return {"format": FORMAT, "collection": name, "created": _now(), "documents": [],
                "embedding_model": self.settings.embedding_model.path,
                "chunk_size": self.cfg.chunk_size, "chunk_overlap": self.cfg.chunk_overlap}

    def ingest(self, paths, collection: str, progress=None, on_error: str = "raise") -> dict:
        """Add files to a collection (created if new). Returns a report.

        Same content already present: skipped. Same file name with new content: the old version is
        replaced. `on_error="raise"`: any unreadable file raises RetrievalError naming every bad file
        and the collection is left unchanged; `"skip"`: good files are added, bad ones reported.
        `progress(n_chunks_done, n_chunks_total)` is called as embedding proceeds."""
        if on_error not in ("raise", "skip"):
            raise RetrievalError("on_error must be 'raise' or 'skip'")
        if isinstance(paths, (str, os.PathLike)):
            paths = [paths]
        validate_name(collection)
        t0 = time.perf_counter()
        items: list[_Item] = []
        failed: list[dict] = []
        for p in map(Path, paths):
            try:
                doc = load_document(p, self.cfg.max_file_mb)
                items.append(_Item(p.name, hashlib.sha256(p.read_bytes()).hexdigest(), doc,
                                   {"path": str(p.resolve()), "size": p.stat().st_size}))
            except RetrievalError as exc:
                failed.append({"source": p.name, "error": str(exc)})
        if failed and on_error == "raise":
            raise RetrievalError("; ".join(f["error"] for f in failed) +
                                 (" (nothing was added)" if len(paths) > 1 else ""))
        report = {"collection": collection, "added": [], "replaced": [], "skipped": [], "failed": failed}
        return self._write(collection, items, report, t0, progress)

    def sync_pages(self, collection: str, pages, progress=None, about: dict | None = None) -> dict:
        """Make `collection` hold exactly `pages` (retrieval.reference.ReferencePage): unchanged pages
        keep their vectors, changed ones are re-embedded, pages no longer listed are dropped. One new
        generation, written atomically: a failed build leaves the previous library live. `about` is
        stored in the manifest (the library's sources, for `reference info`)."""
        validate_name(collection)
        t0 = time.perf_counter()
        items = []
        for pg in pages:
            entry = {k: v for k, v in pg.meta().items() if v not in (None, [], "")}
            items.append(_Item(pg.id, pg.sha256, pg.document(), entry, aliases=pg.aliases))
        if not items:
            raise RetrievalError(f"library '{collection}': no pages to build it from")
        report = {"collection": collection, "added": [], "replaced": [], "skipped": [], "failed": [], "removed": []}
        return self._write(collection, items, report, t0, progress, exact=True, about=about)

    def _write(self, collection: str, items: list[_Item], report: dict, t0: float, progress=None,
               exact: bool = False, about: dict | None = None) -> dict:
        """Add `items` to `collection` in one new generation (see ingest); `exact`: drop the
        documents that are not among `items` (a library rebuilt from its sources)."""
        with self._write_lock(collection) as d:
            if self._current(d):
                old = self._load(collection)
                manifest, chunks = dict(old.manifest), list(old.chunks)
                vectors, uvectors = self._stored_vectors(old)
            else:
                manifest, chunks = self._empty_manifest(collection), []
                vectors = uvectors = None
            docs = list(manifest["documents"])
            new_chunks: list[dict] = []
            drop: set[str] = set()
            if exact:
                wanted = {it.name for it in items}
                for x in [x for x in docs if x["source"] not in wanted]:
                    drop.add(x["id"])
                    docs.remove(x)
                    report["removed"].append(x["source"])
            for it in items:
                same = next((x for x in docs if x["sha256"] == it.sha), None)
                if same is not None:
                    report["skipped"].append({"source": it.name, "reason": f"already in the collection as {same['source']}"})
                    continue
                prev = next((x for x in docs if x["source"] == it.name), None)
                if prev is not None:
                    drop.add(prev["id"])
                    docs.remove(prev)
                    report["replaced"].append(it.name)
                doc, doc_id = it.doc, it.sha[:16]
                # aliases name the page for both searches: "Tylenol" finds the paracetamol page
                label = f"{doc.title} ({', '.join(it.aliases)})" if it.aliases else doc.title
                pieces = chunk_document(doc, self.cfg.chunk_size, self.cfg.chunk_overlap, *self._token_limit())
                for i, ch in enumerate(pieces):
                    et = ch.embed_text(label, doc.date)
                    new_chunks.append({
                        "chunk_id": f"{doc_id}:{i}", "doc_id": doc_id, "source": it.name, "page": ch.page,
                        "section": ch.section, "start": ch.start, "end": ch.end, "title": doc.title,
                        "date": doc.date, "text": ch.text, "embed_text": et, "tokens": tokenize(et),
                        **({"ref": it.extra} if exact else {})})
                pages = doc.pages or max(1, math.ceil(len(doc.text) / CHARS_PER_PAGE))
                entry = {"id": doc_id, "source": it.name, "sha256": it.sha, "title": doc.title, "date": doc.date,
                         "kind": doc.kind, "pages": pages, "chunks": len(pieces), "chars": len(doc.text),
                         "added": _now(), **it.extra}
                docs.append(entry)
                report["added"].append({k: entry[k] for k in ("source", "title", "date", "pages", "chunks")})
            same_about = about is None or about == manifest.get("about")
            if about is not None:
                manifest["about"] = about
            if not new_chunks and not drop and (same_about or not self._current(d)):
                report.update(chunks_total=len(chunks), seconds=round(time.perf_counter() - t0, 3), pages=0)
                return report
            new_vecs, new_uvecs = self._embed_chunks(new_chunks, progress) if new_chunks else (None, None)
            if drop:
                keep = [i for i, c in enumerate(chunks) if c["doc_id"] not in drop]
                chunks, vectors, uvectors = self._select(chunks, vectors, uvectors, keep)
            manifest["documents"] = docs
            self._commit(d, manifest, chunks + new_chunks, _stack(vectors, new_vecs), _stack(uvectors, new_uvecs))
        seconds = time.perf_counter() - t0
        pages = sum(a["pages"] for a in report["added"])
        report.update(chunks_total=len(chunks) + len(new_chunks), seconds=round(seconds, 3), pages=pages,
                      pages_per_s=round(pages / seconds, 2) if seconds else None)
        return report

    def _embed_chunks(self, chunks: list[dict], progress=None) -> tuple[np.ndarray, np.ndarray | None]:
        """Chunk vectors and (if retrieval.line_vectors) line vectors; sets each chunk's n_units."""
        texts = [c["embed_text"] for c in chunks]
        lines: list[str] = []
        if self.cfg.line_vectors:
            for c in chunks:
                us = units(c["text"], c["section"])
                c["n_units"] = len(us)
                lines.extend(us)
        total = len(texts) + len(lines)
        done = [0]

        def tick(n):
            done[0] += n
            if progress:
                progress(done[0], total)

        vecs = self.embed(texts, progress=tick)
        uvecs = self.embed(lines, progress=tick) if self.cfg.line_vectors else None
        return vecs, uvecs

    def _stored_vectors(self, loaded: _Loaded) -> tuple[np.ndarray, np.ndarray | None]:
        """Vectors kept in the FAISS files, reused on every rewrite (no re-embedding)."""
        if self.cfg.line_vectors and loaded.units is None and loaded.chunks:
            # collection written without line vectors: compute them once now
            _, uv = self._embed_chunks(loaded.chunks)
            return faiss_index.all_vectors(loaded.index), uv
        uv = faiss_index.all_vectors(loaded.units) if (loaded.units is not None and self.cfg.line_vectors) else None
        return faiss_index.all_vectors(loaded.index), uv

    @staticmethod
    def _select(chunks, vectors, uvectors, keep: list[int]):
        kept = [chunks[i] for i in keep]
        if uvectors is not None:
            owner = np.repeat(np.arange(len(chunks)), [c.get("n_units", 0) for c in chunks])
            uvectors = uvectors[np.isin(owner, keep)]
        return kept, (vectors[keep] if vectors is not None else None), uvectors

    def documents(self, collection: str) -> list[dict]:
        _, m = self._manifest(collection)  # works even when the index file is damaged
        return [dict(x) for x in m["documents"]]

    def document_text(self, collection: str, source_or_id: str) -> str:
        """One document's text as it was read, put back together from its stored chunks (each keeps its
        character span of the document; overlaps are taken once, a section's heading where it starts)."""
        doc = next((x for x in self.documents(collection) if source_or_id in (x["source"], x["id"])), None)
        if doc is None:
            raise RetrievalError(f"collection '{collection}' has no document '{source_or_id}'")
        chunks = sorted((c for c in self._load(collection).chunks if c["doc_id"] == doc["id"]),
                        key=lambda c: (c["start"], c["end"]))
        parts: list[str] = []
        cursor, section = 0, None
        for c in chunks:
            text, span = c["text"], c["end"] - c["start"]
            body = text[len(text) - span:] if 0 < span <= len(text) else text
            head = text[:len(text) - len(body)].strip()
            if c["end"] <= cursor:
                continue
            if parts and c["start"] > cursor:
                parts.append("\n\n")
            if head and c.get("section") != section and c["start"] >= cursor:
                parts.append(head + "\n")
            parts.append(body[max(0, cursor - c["start"]):])
            cursor, section = c["end"], c.get("section")
        return "".join(parts).strip()

    def remove(self, collection: str, source_or_id: str) -> dict:
        """Remove one document by file name or document id; returns its manifest entry."""
        with self._write_lock(collection) as d:
            gdir, m = self._manifest(collection)
            docs = m["documents"]
            doc = next((x for x in docs if source_or_id in (x["source"], x["id"])), None)
            if doc is None:
                known = ", ".join(x["source"] for x in docs) or "(none)"
                raise RetrievalError(f"collection '{collection}' has no document '{source_or_id}'; it has: {known}")
            loaded = self._load(collection)
            keep = [i for i, c in enumerate(loaded.chunks) if c["doc_id"] != doc["id"]]
            chunks, vectors, uvectors = self._select(list(loaded.chunks), *self._stored_vectors(loaded), keep)
            manifest = dict(m, documents=[x for x in docs if x["id"] != doc["id"]])
            self._commit(d, manifest, chunks, vectors, uvectors)
            return doc

    def repair(self, collection: str) -> dict:
        """Rebuild the FAISS files from the stored chunk texts (after an index file was damaged)."""
        with self._write_lock(collection) as d:
            gdir, m = self._manifest(collection)
            chunks = self._read_chunks(collection, gdir, m)
            vectors, uvectors = self._embed_chunks(chunks)
            self._commit(d, m, chunks, vectors, uvectors)
            return {"collection": collection, "chunks": len(chunks), "documents": len(m["documents"])}

    def collections(self) -> list[dict]:
        if not self.root.is_dir():
            return []
        out = []
        for d in sorted(self.root.iterdir()):
            if d.is_dir() and NAME_RE.match(d.name) and (d / "CURRENT").is_file():
                try:
                    _, m = self._manifest(d.name)
                    out.append({"name": d.name, "documents": len(m["documents"]), "chunks": m.get("n_chunks", 0),
                                "updated": m.get("updated")})
                except RetrievalError as exc:
                    out.append({"name": d.name, "error": str(exc)})
        return out

    def delete_collection(self, name: str) -> bool:
        d = self._dir(name)
        if not d.exists():
            raise RetrievalError(f"unknown collection '{name}'")
        with self._lock:
            # Rename first (atomic), then delete: a crash never leaves a half-deleted live collection.
            trash = self.root / f".deleted-{name}-{os.getpid()}-{time.time_ns()}"
            os.replace(d, trash)
            shutil.rmtree(trash, ignore_errors=True)
            self._cache.pop(name, None)
        return True

    @staticmethod
    def _line_tokens(c: _Loaded, i: int) -> list[list[str]]:
        got = c.line_tokens.get(i)
        if got is None:
            ch = c.chunks[i]
            got = c.line_tokens[i] = [tokenize(u) for u in units(ch["text"], ch["section"], max_len=200)]
        return got

    @staticmethod
    def _meta_tokens(chunk: dict) -> set[str]:
        return meta_tokens(chunk.get("title"), chunk.get("date"))

    def evidence(self, collection: str, query: str, hits: list[Hit], n: int | None = None, sentences: bool = False,
                 keep=None, boost=None, line_boost=None, lead_boost: float = 0.0):
        """The lines of `hits` that best answer `query`, quoted with their [n] (retrieval/grounding.py);
        `keep(line)`: only the lines it accepts; `boost[i]`: a bonus for every line of hits[i];
        `line_boost(line)`: a bonus for that line; `lead_boost`: for the first line of each hit."""
        from .grounding import select_evidence

        c = self._load(collection)
        return select_evidence(query, hits, self.embed, c.bm25, n=self.cfg.evidence_lines if n is None else n,
                               sentences=sentences, keep=keep, boost=boost, line_boost=line_boost,
                               lead_boost=lead_boost)

    def check_claims(self, answer: str, hits: list[Hit], question: str = ""):
        """`answer` without the sentences the excerpts do not support (retrieval/grounding.py)."""
        from .grounding import check_claims, vocabulary_checker

        if not hasattr(self, "_known_word"):
            self._known_word = vocabulary_checker(getattr(self.embedder, "tokenizer", None))
        return check_claims(answer, [h.text for h in hits], question, self._known_word)

    def document_hits(self, collection: str, query: str, sources: set[str]) -> list[Hit]:
        """Every chunk of the documents `sources`, scored by its cosine with `query`, best first (a page
        the question names that the fused search left out: "fever" is on many pages)."""
        c = self._load(collection)
        rows = [i for i, ch in enumerate(c.chunks) if ch["source"] in sources]
        if not rows:
            return []
        qvec = self.embed_query(expand(query))[0]
        out = []
        for i in rows:
            ch = c.chunks[i]
            text, flags = neutralize(ch["text"])
            out.append(Hit(source=ch["source"], page=ch["page"], score=float(c.index.reconstruct(i) @ qvec), text=text,
                           chunk_id=ch["chunk_id"], section=ch["section"], title=ch.get("title"), date=ch.get("date"),
                           flags=flags, ref=ch.get("ref")))
        return sorted(out, key=lambda h: -h.score)

    # ---- search ----------------------------------------------------------------------------
    def search(self, collection: str, query: str, k: int | None = None) -> list[Hit]:
        """Top-k chunks for `query`: dense (FAISS) and BM25 candidates fused by reciprocal rank.

        `Hit.score` is the cosine similarity between the query and the chunk (interpretable and
        comparable with `retrieval.min_score`); the order comes from the fused rank."""
        if not query or not query.strip():
            raise RetrievalError("empty query")
        k = k or self.cfg.top_k
        c = self._load(collection)
        n = len(c.chunks)
        if n == 0:
            return []
        groups = groups_in(query)
        n_cand = min(n, max(self.cfg.candidates, k))
        faiss_index.set_search_depth(c.index, n_cand)
        with self._query_threads():
            qvec = self.embed([expand(query)])  # (1, dim)
            sims, ids = c.index.search(qvec, n_cand)
            if c.units is not None:
                n_u = min(c.units.ntotal, n_cand * 4)
                faiss_index.set_search_depth(c.units, n_u)
                usims, uids = c.units.search(qvec, n_u)
        dense = [(int(i), float(s)) for i, s in zip(ids[0], sims[0]) if i >= 0]
        cos = dict(dense)
        fused: dict[int, float] = {}
        for rank, (i, _) in enumerate(dense):
            fused[i] = fused.get(i, 0.0) + rrf(rank)
        if c.units is not None:
            # best line of each chunk (small-to-big: the line matches, the chunk is returned)
            best: dict[int, float] = {}
            for u, sim in zip(uids[0], usims[0]):
                if u >= 0:
                    ch = int(c.owner[u])
                    if ch not in best:
                        best[ch] = float(sim)
            for rank, (i, sim) in enumerate(list(best.items())[:n_cand]):
                fused[i] = fused.get(i, 0.0) + rrf(rank, self.cfg.line_weight)
                cos[i] = max(cos.get(i, sim), sim)
        if c.bm25 is not None:
            lex = c.bm25.top(query_terms(query, groups), n_cand)
            for rank, (i, _) in enumerate(lex):
                fused[i] = fused.get(i, 0.0) + rrf(rank, self.cfg.lexical_weight)
        if c.bm25 is not None and self.cfg.line_lexical_weight and fused:
            # term proximity: rank the candidates by their best single line (see best_line_scores)
            # the top of the fused list only: proximity reorders near-ties, it does not recall
            cand = sorted(fused, key=lambda i: -fused[i])[:max(k, self.cfg.line_candidates)]
            q = query_terms(query, groups)
            lines = [self._line_tokens(c, i) for i in cand]
            meta = [self._meta_tokens(c.chunks[i]) for i in cand]
            ls = best_line_scores(c.bm25, q, lines, meta)
            for rank, j in enumerate(np.argsort(-ls, kind="stable")):
                if ls[j] <= 0:
                    break
                fused[cand[j]] += rrf(rank, self.cfg.line_lexical_weight)
        years = set(YEAR_RE.findall(query))
        if years and self.cfg.date_weight:
            # "my 2021 scan": documents dated in a year the question names move up (a soft filter:
            # an undated leaflet can still win on content)
            bonus = rrf(0, self.cfg.date_weight)
            for i in fused:
                if set(YEAR_RE.findall(c.chunks[i].get("date") or "")) & years:
                    fused[i] += bonus
        order = sorted(fused, key=lambda i: -fused[i])[:k]
        hits = []
        for i in order:
            if i not in cos:  # found by BM25 only: compute its cosine from the stored vector
                cos[i] = float(c.index.reconstruct(i) @ qvec[0])
            ch = c.chunks[i]
            text, flags = neutralize(ch["text"])
            hits.append(Hit(source=ch["source"], page=ch["page"], score=cos[i], text=text, chunk_id=ch["chunk_id"],
                            section=ch["section"], title=ch.get("title"), date=ch.get("date"),
                            rank_score=fused[i], flags=flags, ref=ch.get("ref")))
        return hits
