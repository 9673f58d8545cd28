"""Experts: what is configured, what is loaded, how the last request was routed; force an expert."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from .common import AUTO, assistant, error_boundary


def _expert_rows(settings, loaded: set[str] | None) -> pd.DataFrame:
    rows = []
    for e in settings.experts:
        if loaded is None:
            status = "not loaded yet"
        elif e.name in loaded:
            status = "adapter loaded"
        elif e.adapter:
            status = "adapter configured, not loaded"
        else:
            status = "base model (no adapter trained)"
        rows.append({"expert": e.name, "route": e.route, "status": status,
                     "uses documents": "yes" if e.uses_retrieval else "no",
                     "max new tokens": e.generation.max_new_tokens,
                     "adapter": e.adapter or "—", "description": e.description})
    return pd.DataFrame(rows)


def _route_rows(settings) -> pd.DataFrame:
    rows = []
    for r in settings.routes:
        expert = settings.expert_for_route(r.name)
        threshold = r.threshold if r.threshold is not None else settings.router.min_confidence
        refusal = r.name == settings.router.out_of_scope_route
        floor = "—" if refusal else ("fitted" if threshold is None else f"{threshold:.2f}")
        rows.append({"route": r.name, "served by": "refusal (no model runs)" if refusal else expert.name,
                     "examples": len(r.examples), "min confidence": floor,
                     "description": r.description})
    return pd.DataFrame(rows)


def _force_selector(settings) -> None:
    options = [AUTO, *settings.expert_names]
    st.selectbox(
        "Answer every chat request with", options, key="forced_expert",
        format_func=lambda o: "Automatic routing" if o == AUTO else f"the {o} expert (forced)",
        help="Forcing an expert skips the router's choice; the router still checks for emergencies.",
        persist_state="session")


def render() -> None:
    a = assistant()
    s = a.settings
    st.title("Experts", anchor=False)
    _force_selector(s)

    st.subheader("Configured experts", anchor=False)
    loaded = None
    with error_boundary("Could not load the experts"):
        with st.spinner("Loading the base model and adapters…"):
            status = a.expert_status()
        # a remote backend (an OpenAI-compatible server) serves the adapters itself: none loaded here
        loaded = status.loaded
        where = f" on {status.device}" if status.device else ""
        st.caption(f"Backend `{status.backend}`, base model `{s.base_model.path}`{where}; "
                   f"{len(loaded)} of {len(s.experts)} experts have a LoRA adapter loaded.")
    st.dataframe(_expert_rows(s, loaded), hide_index=True)

    st.subheader("Routes", anchor=False)
    st.caption(f"Router: `{s.router.classifier}` classifier over `{s.embedding_model.path}` embeddings. "
               "A request whose probability of being in scope at all (1 - P(out of scope)) is under its best route's "
               "minimum confidence is refused as out of scope.")
    st.dataframe(_route_rows(s), hide_index=True, column_config={"min confidence": st.column_config.TextColumn(
        help="fitted: the threshold chosen by `medrouter router fit` on out-of-fold predictions of the training data")})

    st.subheader("Last request", anchor=False)
    last = st.session_state.get("last_answer")
    if not last:
        st.info("Ask something in the chat to see how the router scored it.", icon=":material/info:")
        return
    st.markdown(f"> {st.session_state.get('last_request', '')[:300]}")
    cols = st.columns(5)
    cols[0].metric("Route", last["route"])
    cols[1].metric("Expert", last["expert"] or "none (refused)")
    cols[2].metric("Confidence", f"{last['confidence']:.2f}")
    cols[3].metric("In scope", "—" if last.get("in_scope") is None else f"{last['in_scope']:.2f}",
                   help="P(in scope) = 1 - P(out of scope): the router refuses under its route's minimum confidence")
    cols[4].metric("Latency", f"{last['timings_ms'].get('total', 0) / 1000:.1f} s")
    if last.get("emergency"):
        st.error(f"Emergency detected: {last['emergency']}", icon=":material/emergency:")
    scores = pd.DataFrame({"route": list(last["scores"]), "score": list(last["scores"].values())})
    st.dataframe(scores.sort_values("score", ascending=False), hide_index=True,
                 column_config={"score": st.column_config.ProgressColumn(
                     "router score", min_value=0.0, max_value=1.0, format="%.3f")})
    timings = ", ".join(f"{k} {v:.0f} ms" for k, v in last["timings_ms"].items())
    st.caption(f"Timings: {timings}")
