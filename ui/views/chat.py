"""Chat: every request goes through the Assistant, which routes it to an expert (or refuses it)."""
from __future__ import annotations

import streamlit as st

from .common import (
    HELP_STOPS, BodyStream, answer_badge, assistant, collection, error_boundary, forced_expert, render_answer_details,
    render_stored_answer, urgent_messages,
)
from .docs import document_count

PLACEHOLDER = "Ask a medical question, paste a report to summarize, or ask about your documents"


def _history() -> list[dict]:
    return st.session_state.setdefault("messages", [])


def _conversation(prompt: str) -> list[dict] | str:
    """The request with the chat before it (the Assistant routes a follow-up in its context)."""
    msgs = []
    for m in _history()[:-1]:  # the last entry is this prompt
        if m["role"] == "user":
            msgs.append({"role": "user", "content": m["text"]})
        elif "answer" in m:
            msgs.append({"role": "assistant", "content": m["answer"]["answer"]})
    return msgs + [{"role": "user", "content": prompt}] if msgs else prompt


def _draw_history(settings) -> None:
    for msg in _history():
        with st.chat_message(msg["role"]):
            if msg["role"] == "user":
                st.markdown(msg["text"])
            elif "error" in msg:
                st.error(msg["error"], icon=":material/error:")
            else:
                render_stored_answer(msg, settings)


def _answer(prompt: str, settings) -> None:
    """Stream one answer into an assistant message, then add it to the history."""
    a = assistant()
    forced = forced_expert()
    n_docs = document_count()
    badge_slot, banner_slot, body_slot = st.empty(), st.empty(), st.empty()
    with error_boundary("Could not answer") as outcome:
        stream = BodyStream(
            a.stream(_conversation(prompt), collection=collection() if n_docs else None, expert=forced),
            urgent_messages(settings), settings.disclaimer,
            on_emergency=lambda m: banner_slot.error(m, icon=":material/emergency:"))
        with body_slot.container():
            body = st.write_stream(stream)
        ans = stream.answer.to_dict()
        ans["forced"] = forced is not None
        with badge_slot.container():
            answer_badge(ans)
        if ans["finish_reason"] == "refused":
            body_slot.warning(body, icon=":material/block:")
        elif ans.get("stop_reason") in HELP_STOPS and body:
            body_slot.info(body, icon=":material/help:")
        render_answer_details(ans, settings.disclaimer.strip())
        _history().append({"role": "assistant", "answer": ans})
        st.session_state.last_answer = ans
        st.session_state.last_request = prompt
    if outcome.error:
        _history().append({"role": "assistant", "error": outcome.error})


def render() -> None:
    a = assistant()
    s = a.settings
    st.title("Chat", anchor=False)
    n_docs = document_count()
    forced = forced_expert()
    notes = []
    if forced:
        notes.append(f"Every request goes to the **{forced}** expert (forced on the Experts page).")
    else:
        notes.append("Each request is routed automatically to the right expert; off-topic requests are refused.")
    if n_docs:
        notes.append(f"Advice is grounded in your {n_docs} uploaded document{'s' if n_docs != 1 else ''}.")
    else:
        notes.append("Upload documents under *My documents* to get advice grounded in them.")
    st.caption(" ".join(notes))

    _draw_history(s)
    prompt = st.chat_input(PLACEHOLDER, max_chars=s.limits.max_input_chars)
    if prompt is not None:
        _history().append({"role": "user", "text": prompt})
        with st.chat_message("user"):
            st.markdown(prompt)
        with st.chat_message("assistant"):
            _answer(prompt, s)
