"""medrouter's Streamlit front end: chat, my documents, summarize a report, experts.

Run: `medrouter ui` (or `streamlit run ui/app.py`); the config comes from $MEDROUTER_CONFIG, else the
shipped experts.yaml. Presentation only: every action calls the library's public face, the
`medrouter.Assistant` (ask, documents, summarize, expert status), and nothing under it.
"""
from __future__ import annotations

import os

import streamlit as st

from ui import sessions
from ui.views import chat, docs, experts, summarize
from ui.views.common import assistant, error_boundary, forced_expert

# The pages, in sidebar order: key -> (label, icon, renderer).
PAGES = {
    "chat": ("Chat", ":material/chat:", chat.render),
    "documents": ("My documents", ":material/folder_open:", docs.render),
    "summarize": ("Summarize a report", ":material/summarize:", summarize.render),
    "experts": ("Experts", ":material/hub:", experts.render),
}


def idle_text(minutes: int) -> str:
    if minutes % 60 == 0:
        return f"{minutes // 60} hour{'s' if minutes != 60 else ''}"
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


def sidebar(settings) -> str:
    with st.sidebar:
        st.header(settings.ui.title, anchor=False)
        page = st.radio("Go to", list(PAGES), key="page", label_visibility="collapsed",
                        format_func=lambda k: f"{PAGES[k][1]} {PAGES[k][0]}")
        st.divider()
        n = docs.document_count()
        st.caption(f"Your documents: **{n}** (private to this browser session)")
        st.caption(f"This page's address keeps your chat and documents for {idle_text(settings.ui.session_idle_minutes)} "
                   "unused, then they are deleted: bookmark it to come back; anyone with it can open them.")
        forced = forced_expert()
        st.caption(f"Expert: **{forced} (forced)**" if forced else "Expert: **automatic routing**")
        if st.session_state.get("messages") and st.button("Clear conversation", icon=":material/delete_sweep:"):
            st.session_state.messages = []
            st.session_state.pop("last_answer", None)
            st.rerun()
        st.divider()
        st.caption(settings.disclaimer)
    return page


def main() -> None:
    st.set_page_config(page_title="medrouter", page_icon=":material/medical_services:", layout="centered")
    with error_boundary("The assistant could not start") as outcome:
        settings = assistant().settings
    if outcome.error:
        st.stop()
    host = os.environ.get("MEDROUTER_UI_HOST", "127.0.0.1")
    if host not in ("127.0.0.1", "localhost", "::1"):
        st.warning(f"This app is served on {host}, beyond this machine, with no sign-in: anyone who can reach it "
                   "can use it. Start it with `medrouter ui --host 127.0.0.1` unless that is intended.",
                   icon=":material/warning:")
    with error_boundary("Could not open your session") as outcome:
        sessions.begin(assistant())  # this browser's session: restored after a reload, or a new one
    if outcome.error:
        st.stop()
    try:
        page = sidebar(settings)
        with error_boundary(f"The {PAGES[page][0]} page failed"):
            PAGES[page][2]()
    finally:  # also when a page ends its run early with st.rerun()
        with error_boundary("Could not save your session"):
            sessions.persist(assistant())


main()
