"""Summarize a report: upload or paste a medical document, get its summary from the summarization expert."""
from __future__ import annotations

import tempfile
from pathlib import Path

import streamlit as st

from .common import assistant, error_boundary, md_safe, render_answer_details, split_answer
from .docs import save_uploads, upload_types

PASTE_HINT = ("PHYSICAL EXAMINATION REPORT\nVital signs: BP 150/95 mmHg, HR 88 bpm ...\n"
              "Assessment: ...\nPlan: ...")


def _summary_caption(res: dict) -> str:
    how = (f"map-reduce over {res['parts']} parts" if res.get("strategy") == "map_reduce" else "single pass")
    pages = f" · {res['pages']} page{'s' if res['pages'] != 1 else ''}" if res.get("pages") else ""
    return f"{how}{pages} · {res['timings_ms'].get('total', 0) / 1000:.1f} s"


def show_summary(res: dict) -> None:
    s = assistant().settings
    with st.container(horizontal=True, vertical_alignment="center", gap="small"):
        st.badge(f"expert: {res['expert']}", icon=":material/hub:", color="violet")
        st.caption(_summary_caption(res))
    _, body, disc = split_answer(res["answer"], s.emergency.message.strip(), s.disclaimer.strip())
    # the summary and the key-facts block are line-oriented: keep their line breaks in Markdown
    st.markdown(md_safe(body).replace("\n", "  \n"))
    render_answer_details(res, disc)
    st.download_button("Download the summary", body, file_name="summary.txt", mime="text/plain",
                       icon=":material/download:")


def _summarize(what, source: str) -> None:
    """`what`: a file path (read by the retrieval loaders, pages known) or the pasted text."""
    with error_boundary(f"Could not summarize {source}") as outcome:
        with st.spinner(f"Summarizing {source}…"):
            res = assistant().summarize(what)
        st.session_state.last_summary = {"result": res, "source": source}
    if outcome.error:
        st.session_state.pop("last_summary", None)


def render() -> None:
    st.title("Summarize a report", anchor=False)
    st.caption("Vital signs, abnormal findings and recommendations of an examination report, discharge "
               "letter or lab report, by the summarization expert. The document is not stored.")
    upload_tab, paste_tab = st.tabs(["Upload a file", "Paste text"])
    with upload_tab:
        f = st.file_uploader("Report", type=upload_types(), key="summary_upload",
                             max_upload_size=max(1, int(assistant().settings.retrieval.max_file_mb)))
        if st.button("Summarize the file", type="primary", icon=":material/summarize:", disabled=f is None):
            with tempfile.TemporaryDirectory(prefix="medrouter-summary-") as tmp:
                [path] = save_uploads([f], Path(tmp))
                _summarize(path, f.name)
    with paste_tab:
        pasted = st.text_area("Report text", height=220, placeholder=PASTE_HINT, key="summary_text")
        if st.button("Summarize the text", type="primary", icon=":material/summarize:"):
            # A str is summarized as text, never opened as a file (only a Path is): pasted text that
            # looks like a server path ("/etc/passwd") cannot make the app read that file.
            _summarize(pasted, "pasted text")

    last = st.session_state.get("last_summary")
    if last:
        st.subheader(f"Summary of {last['source']}", anchor=False)
        show_summary(last["result"])
