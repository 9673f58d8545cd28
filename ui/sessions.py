"""Browser sessions that survive a reload, and expire.

A session is a random id in the page's address (`?session=…`): reloading the page, or opening the
same address again, restores the chat and the private document collection. The id is the session's
only key (whoever has the address has the session), so it is unguessable (192 random bits), and an
address whose id is malformed, unknown or expired gets a fresh session instead of an error.

On disk, under `retrieval.store_dir`: the Store's collection `ui-<digest>` and the chat
`.ui-sessions/<digest>.json` (JSON, written atomically, owner-only), where digest = sha256(id)[:32]:
listing the store never shows an id that would open a session.

Expiry: a session unused for `ui.session_idle_minutes` is deleted, chat and collection, by `sweep()`,
which runs when a server process renders its first page and then at most every SWEEP_EVERY_S; a stale
session that is opened before the sweeper reached it is deleted on the spot.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import secrets
import threading
import time
from datetime import datetime
from pathlib import Path

import streamlit as st

from medrouter import Assistant, MedrouterError
from medrouter.core.atomic import write_atomic

log = logging.getLogger("medrouter.ui")

PARAM = "session"  # the query parameter that carries the id
ID_BYTES = 24  # secrets.token_urlsafe(24): 32 characters of [A-Za-z0-9_-]
ID_RE = re.compile(r"[A-Za-z0-9_-]{32}")
DIGEST_RE = re.compile(r"[0-9a-f]{32}")
# Collections this module owns: its own names, and the per-page-load ones of earlier versions
# (ui-<16 hex>), which nothing could reach again and the sweeper now cleans up.
UI_COLLECTION_RE = re.compile(r"ui-(?:[0-9a-f]{16}|[0-9a-f]{32})")
SESSIONS_DIR = ".ui-sessions"  # not a collection name (those start with a letter or digit)
FORMAT = 1
SWEEP_EVERY_S = 300  # listing the store is cheap, but not on every click
TOUCH_EVERY_S = 60  # how often an unchanged session refreshes its last-use time
_KEPT = ("messages", "last_answer", "last_request")  # the session state a reload restores

_sweep_lock = threading.Lock()
_next_sweep = 0.0  # per server process: 0 = at the first page


# ---- ids and paths ---------------------------------------------------------------------------
def new_id() -> str:
    return secrets.token_urlsafe(ID_BYTES)


def valid_id(value) -> bool:
    return isinstance(value, str) and ID_RE.fullmatch(value) is not None


def digest(session_id: str) -> str:
    return hashlib.sha256(session_id.encode("ascii")).hexdigest()[:32]


def collection_of(session_id: str) -> str:
    return f"ui-{digest(session_id)}"


def sessions_dir(settings) -> Path:
    return Path(os.path.expanduser(settings.retrieval.store_dir)) / SESSIONS_DIR


def history_path(settings, session_id: str) -> Path:
    return sessions_dir(settings) / f"{digest(session_id)}.json"


def idle_seconds(settings) -> float:
    return settings.ui.session_idle_minutes * 60


# ---- the saved chat --------------------------------------------------------------------------
def save(settings, session_id: str, state: dict) -> None:
    """Write the kept part of a session's state (JSON; atomic; owner-only folder and file)."""
    folder = sessions_dir(settings)
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o700)  # the file is briefly umask-readable inside it before the chmod below
    path = history_path(settings, session_id)
    data = {"format": FORMAT, **{k: state[k] for k in _KEPT if k in state}}
    write_atomic(path, json.dumps(data, ensure_ascii=False))
    path.chmod(0o600)


def _valid_history(data) -> bool:
    if not isinstance(data, dict) or data.get("format") != FORMAT or not isinstance(data.get("messages", []), list):
        return False
    for m in data.get("messages", []):
        ok = isinstance(m, dict) and (
            (m.get("role") == "user" and isinstance(m.get("text"), str))
            or (m.get("role") == "assistant" and (isinstance(m.get("answer"), dict) or isinstance(m.get("error"), str))))
        if not ok:
            return False
    return True


def load(settings, session_id: str) -> dict | None:
    """The saved state of a live session; None when there is no such session (never issued, expired
    or unreadable)."""
    path = history_path(settings, session_id)
    try:
        if time.time() - path.stat().st_mtime > idle_seconds(settings):
            return None  # expired: the caller ends it
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not _valid_history(data):
        log.warning("session file %s is not a saved chat; starting a new session", path.name)
        return None
    return {k: data[k] for k in _KEPT if k in data}


def touch(settings, session_id: str) -> None:
    try:
        os.utime(history_path(settings, session_id))
    except FileNotFoundError:
        pass  # swept meanwhile; the next save writes it again


def end(a: Assistant, session_id: str) -> None:
    """Delete a session's chat and collection."""
    history_path(a.settings, session_id).unlink(missing_ok=True)
    _delete(a, collection_of(session_id))


def _delete(a: Assistant, name: str) -> bool:
    try:
        return a.delete_collection(name)
    except MedrouterError:
        return False  # none, or deleted by another process meanwhile


def _timestamp(iso: str | None) -> float:
    try:
        return datetime.fromisoformat(iso).timestamp()
    except (TypeError, ValueError):
        return 0.0  # unknown: as old as can be (only orphaned UI collections are judged by it)


# ---- the sweeper -----------------------------------------------------------------------------
def sweep(a: Assistant, now: float | None = None) -> dict:
    """Delete every session unused for longer than the idle time: its chat file and its collection;
    also UI collections that no session file claims (earlier versions', crashed writes) once their
    last change is that old. Returns what was deleted: {"sessions": [...], "collections": [...]}."""
    now = time.time() if now is None else now
    idle = idle_seconds(a.settings)
    folder = sessions_dir(a.settings)
    live, stale = set(), set()
    for p in sorted(folder.iterdir()) if folder.is_dir() else []:
        name = p.name
        try:
            age = now - p.stat().st_mtime
        except FileNotFoundError:
            continue
        if name.endswith(".json") and DIGEST_RE.fullmatch(name[:-5]):
            (stale if age > idle else live).add(name[:-5])
            if age > idle:
                p.unlink(missing_ok=True)
        elif name.startswith(".") and age > idle:
            p.unlink(missing_ok=True)  # a temp file an interrupted atomic write left behind
    deleted = []
    for c in a.collections():
        name = c["name"]
        if not UI_COLLECTION_RE.fullmatch(name) or name[3:] in live:
            continue
        if name[3:] in stale or now - _timestamp(c.get("updated")) > idle:
            if _delete(a, name):
                deleted.append(name)
    if stale or deleted:
        log.info("session sweeper: deleted %d idle session(s) and %d collection(s)", len(stale), len(deleted))
    return {"sessions": sorted(stale), "collections": deleted}


def maybe_sweep(a: Assistant) -> None:
    """Sweep at a server process's first page, then at most every SWEEP_EVERY_S (from any session)."""
    global _next_sweep
    with _sweep_lock:
        now = time.time()
        if now < _next_sweep:
            return
        _next_sweep = now + SWEEP_EVERY_S
    try:
        sweep(a, now)
    except OSError as exc:  # a sweep that fails must not break anyone's page; the next one retries
        log.warning("session sweeper failed: %s", exc)


# ---- the Streamlit side ----------------------------------------------------------------------
def begin(a: Assistant) -> str:
    """This browser session's id: restored from the address (chat and documents with it) on the
    first run after a page load, a fresh one when the address has none, or a malformed, unknown or
    expired one. The address is set to carry it."""
    maybe_sweep(a)
    ss = st.session_state
    if "session_id" not in ss:
        asked = st.query_params.get(PARAM)
        saved = load(a.settings, asked) if valid_id(asked) else None
        if saved is None:
            if valid_id(asked):
                end(a, asked)  # expired or unreadable: nothing of it is shown, and nothing is kept
            sid = new_id()
            saved = {"messages": []}
            save(a.settings, sid, saved)
        else:
            sid = asked
        ss.session_id = sid
        ss.collection = collection_of(sid)
        ss.has_collection = any(c["name"] == ss.collection for c in a.collections())
        for k, v in saved.items():
            ss[k] = v
        ss["session_saved"] = json.dumps({k: saved[k] for k in _KEPT if k in saved}, sort_keys=True)
        ss["session_touched"] = time.time()
    if st.query_params.get(PARAM) != ss.session_id:
        st.query_params[PARAM] = ss.session_id
    return ss.session_id


def persist(a: Assistant) -> None:
    """Save the session's chat when it changed since the last save, else refresh its last-use time."""
    ss = st.session_state
    if "session_id" not in ss:
        return
    state = {k: ss[k] for k in _KEPT if k in ss}
    text = json.dumps(state, sort_keys=True)
    now = time.time()
    if text != ss.get("session_saved"):
        save(a.settings, ss.session_id, state)
        ss["session_saved"] = text
        ss["session_touched"] = now
    elif now - ss.get("session_touched", 0) > min(TOUCH_EVERY_S, idle_seconds(a.settings) / 4):
        touch(a.settings, ss.session_id)
        ss["session_touched"] = now
