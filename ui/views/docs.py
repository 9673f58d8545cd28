"""My documents: upload, list and remove the documents of this browser session's private collection.

The collection's name is random and lives only in this session's state, so no other session can see
or search these documents. Reading, chunking, embedding and storing are the library's job
(Assistant.add_documents, documents, remove_document).
"""
from __future__ import annotations

import tempfile
from pathlib import Path

import streamlit as st

from .common import assistant, collection, error_boundary


def upload_types() -> list[str]:
    """The file types the library reads, without the dot."""
    return assistant().supported_file_types()


def my_documents() -> list[dict]:
    """This session's documents (the Store's manifest entries); none before the first upload."""
    if not st.session_state.get("has_collection"):
        return []
    return assistant().documents(collection())


def document_count() -> int:
    try:
        return len(my_documents())
    except Exception:  # noqa: BLE001 - a count in a caption must not break the page; the page shows the error
        return 0


def save_uploads(files, folder: Path) -> list[Path]:
    """Uploaded files -> files on disk under their own names (the Store ingests paths and cites the name)."""
    paths = []
    for f in files:
        p = folder / Path(f.name).name  # the browser's name, never a path
        p.write_bytes(f.getvalue())
        paths.append(p)
    return paths


def _ingest(files) -> dict:
    a = assistant()
    bar = st.progress(0.0, text=f"Reading {len(files)} file{'s' if len(files) != 1 else ''}…")

    def progress(done: int, total: int) -> None:
        bar.progress(done / max(total, 1), text=f"Embedding chunks: {done} of {total}")

    with tempfile.TemporaryDirectory(prefix="medrouter-upload-") as tmp:
        paths = save_uploads(files, Path(tmp))
        report = a.add_documents(paths, collection(), progress=progress, on_error="skip")
    bar.empty()
    st.session_state.has_collection = True
    return report


def _show_report(report: dict) -> None:
    for a in report["added"]:
        st.success(f"Added **{a['source']}** ({a['pages']} page{'s' if a['pages'] != 1 else ''}, "
                   f"{a['chunks']} chunks)", icon=":material/check_circle:")
    for name in report.get("replaced", []):
        st.info(f"Replaced the earlier version of **{name}**.", icon=":material/sync:")
    for s in report.get("skipped", []):
        st.info(f"Skipped **{s['source']}**: {s['reason']}.", icon=":material/info:")
    for f in report.get("failed", []):
        st.error(f"Could not add **{f['source']}**: {f['error']}", icon=":material/error:")


def _document_list(docs: list[dict]) -> None:
    if not docs:
        st.info("No documents yet. Upload discharge letters, care plans or reports to get advice grounded "
                "in them.", icon=":material/upload_file:")
        return
    for d in docs:
        with st.container(border=True, horizontal=True, vertical_alignment="center",
                          horizontal_alignment="distribute"):
            meta = [d.get("title") or "", d.get("date") or "",
                    f"{d['pages']} page{'s' if d['pages'] != 1 else ''}", f"{d['chunks']} chunks"]
            st.markdown(f"**{d['source']}**  \n" + " · ".join(m for m in meta if m))
            if st.button("Remove", key=f"remove-{d['id']}", icon=":material/delete:"):
                with error_boundary(f"Could not remove {d['source']}") as outcome:
                    assistant().remove_document(collection(), d["id"])
                if not outcome.error:
                    st.session_state.last_report = {"removed": d["source"]}
                    st.rerun()


def render() -> None:
    st.title("My documents", anchor=False)
    st.caption("Documents you add here are private to this browser session and ground the advice "
               "expert's answers, which cite them as [1], [2].")
    nonce = st.session_state.setdefault("uploader_nonce", 0)
    limit_mb = assistant().settings.retrieval.max_file_mb
    files = st.file_uploader("Add documents", type=upload_types(), accept_multiple_files=True,
                             key=f"uploader-{nonce}", max_upload_size=max(1, int(limit_mb)))
    if files and st.button(f"Add {len(files)} file{'s' if len(files) != 1 else ''} to my documents",
                           type="primary", icon=":material/upload:"):
        with error_boundary("Could not add the documents") as outcome:
            report = _ingest(files)
        if not outcome.error:
            st.session_state.last_report = report
            st.session_state.uploader_nonce = nonce + 1  # a fresh, empty uploader
            st.rerun()

    last = st.session_state.pop("last_report", None)
    if last and "removed" in last:
        st.info(f"Removed **{last['removed']}**.", icon=":material/delete:")
    elif last:
        _show_report(last)

    st.subheader("Documents in this session", anchor=False)
    with error_boundary("Could not list your documents"):
        _document_list(my_documents())
