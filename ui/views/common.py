"""What every page shares: the one Assistant per server process, the per-browser-session state, the
error boundary and the rendering of an answer (badge, banner, sources, disclaimer).

Presentation only: every decision (route, expert, retrieval, refusal) is made by the library.
"""
from __future__ import annotations

import logging
import os
from contextlib import contextmanager

import streamlit as st

from medrouter import CONFIG_ENV, Answer, AnswerStream, Assistant, MedrouterError
from ui import sessions

log = logging.getLogger("medrouter.ui")

# Badge colour per route. Presentation only; a route not listed here (a new expert added by config)
# gets the default colour.
ROUTE_COLORS = {"medical_qa": "blue", "summarization": "violet", "advice": "green", "out_of_scope": "gray"}
DEFAULT_COLOR = "orange"
EXCERPT_CHARS = 500  # how much of a cited chunk the sources panel shows
AUTO = "(auto)"  # the "automatic routing" choice; expert names cannot start with "("


# ---- the library, once per server process ---------------------------------------------------
@st.cache_resource(show_spinner="Loading the assistant…")
def _assistant_for(config_path: str) -> Assistant:
    # Keyed by the config path: one Assistant (router, experts, store) per config per process.
    return Assistant.from_config(config_path or None)


def assistant() -> Assistant:
    """The shared Assistant. Raises the library's typed errors (e.g. ConfigError) unchanged."""
    return _assistant_for(os.environ.get(CONFIG_ENV, ""))


# ---- per-browser-session state ---------------------------------------------------------------
def collection() -> str:
    """This browser session's private document collection (named after its unguessable id, which only
    its own page's address carries: ui/sessions.py)."""
    if "collection" not in st.session_state:
        sessions.begin(assistant())
    return st.session_state.collection


def forced_expert() -> str | None:
    """The expert chosen on the Experts page, or None for automatic routing."""
    value = st.session_state.get("forced_expert", AUTO)
    return None if value in (AUTO, None) else value


# ---- errors: a message, never a traceback ----------------------------------------------------
class Outcome:
    """What an error boundary saw: None, or the message shown to the user."""

    error: str | None = None


@contextmanager
def error_boundary(what: str):
    """Show a failed action as a message and keep the app running.

    Typed library errors carry a message a user can act on and are shown as is; anything else is a
    bug: logged with its traceback on the server, shown as one line in the browser."""
    out = Outcome()
    try:
        yield out
    except MedrouterError as exc:
        out.error = f"{what}: {exc}"
    except Exception as exc:  # noqa: BLE001 - the boundary exists to keep the app alive
        log.exception("%s failed", what)
        out.error = f"{what}: unexpected {type(exc).__name__}: {exc}"
    if out.error:
        st.error(out.error, icon=":material/error:")


# ---- answers ---------------------------------------------------------------------------------
def md_safe(text: str) -> str:
    """Model text shown as Markdown: `$` would otherwise start LaTeX."""
    return text.replace("$", r"\$")


class BodyStream:
    """An Assistant's AnswerStream for st.write_stream: yields the answer's body pieces and routes the
    emergency message and the disclaimer to their own elements; `.answer` is the final Answer."""

    def __init__(self, stream: AnswerStream, emergency_message, disclaimer: str, on_emergency):
        self.stream = stream
        self.emergency_message = emergency_message
        self.disclaimer = disclaimer.strip()
        self.on_emergency = on_emergency

    @property
    def answer(self) -> Answer:
        return self.stream.answer

    def __iter__(self):
        for piece in self.stream:
            banner, body, _ = split_answer(piece, self.emergency_message, self.disclaimer)
            if banner:
                self.on_emergency(banner)
            if body:
                yield md_safe(body)


def urgent_messages(settings) -> list[str]:
    """Every urgent banner the assistant may put first (one per emergency kind, and the default)."""
    es = settings.emergency
    return [m.strip() for m in [es.message, *es.messages.values()] if m.strip()]


def split_answer(text: str, emergency_message, disclaimer: str) -> tuple[str | None, str, str | None]:
    """(emergency banner, body, disclaimer) of an answer text, for showing each in its own element.
    `emergency_message`: the banner, or a list of the banners it may be."""
    banner = disc = None
    body = text
    options = [emergency_message] if isinstance(emergency_message, str) else list(emergency_message or [])
    for msg in (m.strip() for m in options):
        if msg and body.lstrip().startswith(msg):
            banner, body = msg, body.lstrip()[len(msg):]
            break
    if disclaimer and body.rstrip().endswith(disclaimer):
        disc, body = disclaimer, body.rstrip()[: -len(disclaimer)]
    return banner, body.strip("\n") if (banner or disc) else body, disc


def answer_badge(ans: dict) -> None:
    """Which expert answered, the router's confidence and the latency, on one line."""
    route = ans["route"]
    color = ROUTE_COLORS.get(route, DEFAULT_COLOR)
    total_s = ans["timings_ms"].get("total", 0.0) / 1000
    if ans["finish_reason"] == "refused":
        label = "refused · out of scope"
    elif ans.get("stop_reason") == "declined":
        label = f"expert: {ans['expert']} · declined"
    else:
        label = f"expert: {ans['expert']}"
    forced = " · forced" if ans.get("forced") else ""
    with st.container(horizontal=True, vertical_alignment="center", gap="small"):
        st.badge(label, icon=":material/hub:", color=color)
        in_scope = f" · in scope {ans['in_scope']:.2f}" if ans.get("in_scope") is not None else ""
        st.caption(f"route `{route}`{forced} · confidence {ans['confidence']:.2f}{in_scope} · {total_s:.1f} s")


def render_sources(sources: list[dict]) -> None:
    if not sources:
        return
    with st.expander(f"Sources ({len(sources)})", icon=":material/description:"):
        for s in sources:
            if s.get("origin") == "reference":
                where = " — ".join(x for x in (s.get("title"), s.get("section")) if x)
                st.markdown(f"**[{s['index']}] {md_safe(where)}** · reference: {md_safe(s.get('source_name') or 'library')}"
                            f" — score {s['score']:.2f}")
                st.caption(f"Licence: {md_safe(s.get('licence') or 'unknown')}" + (f" · {s['url']}" if s.get("url") else ""))
            else:
                page = f", page {s['page']}" if s.get("page") is not None else ""
                st.markdown(f"**[{s['index']}] {s['source']}**{page} · your document — score {s['score']:.2f}")
            text = " ".join(s["text"].split())
            if len(text) > EXCERPT_CHARS:
                text = text[:EXCERPT_CHARS] + "…"
            st.caption(md_safe(text))


def render_answer_details(ans: dict, disclaimer: str | None) -> None:
    """Everything below the answer body: notes, disclaimer, sources."""
    if ans.get("stop_reason") == "no_coverage":
        what = "The reference library has no page on this" if ans.get("coverage") else "Your documents do not cover this question"
        st.info(f"{what}, so no answer was generated.", icon=":material/search_off:")
    if ans.get("note"):
        st.caption(f"Note: {ans['note']}")
    if ans["finish_reason"] == "length":
        st.caption("The answer reached its length limit and was cut.")
    if disclaimer:
        st.caption(disclaimer)
    left_out = ans.get("unsupported") or []
    if left_out:
        with st.expander(f"Left out of the answer: {len(left_out)} sentence{'s' if len(left_out) != 1 else ''} "
                         "not supported by your documents", icon=":material/rule:"):
            for sentence in left_out:
                st.markdown(f"- ~~{md_safe(sentence)}~~")
    render_sources(ans.get("sources") or [])


HELP_STOPS = ("declined", "needs_document")  # answers that are a pointer for the user, not an answer: an info box


def render_stored_answer(msg: dict, settings) -> None:
    """Re-draw an answer from the conversation history (after a rerun)."""
    ans = msg["answer"]
    answer_badge(ans)
    banner, body, disc = split_answer(ans["answer"], urgent_messages(settings), settings.disclaimer.strip())
    if banner:
        st.error(banner, icon=":material/emergency:")
    if ans["finish_reason"] == "refused":
        st.warning(body, icon=":material/block:")
    elif ans.get("stop_reason") in HELP_STOPS and body:
        st.info(body, icon=":material/help:")
    else:
        st.markdown(md_safe(body))
    render_answer_details(ans, disc)
