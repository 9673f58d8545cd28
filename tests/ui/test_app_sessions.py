"""Sessions that survive a reload (the id in the page's address) and expire (the sweeper), through AppTest.

A reload is a new AppTest (a new Streamlit session, nothing in its session state) opened on the same
address; idle time is faked with the files' mtimes and the sweeper's clock.
"""
from __future__ import annotations

import json
import os
import stat
import time

import pytest
from streamlit.testing.v1 import AppTest

from medrouter import Assistant
from medrouter.core.config import CONFIG_ENV, load_config
from ui import sessions

from .conftest import APP, TIMEOUT, write_config
from .docs_fixtures import CARE_PLAN_MD
from .helpers import ask, go, new_app, texts
from .test_app_documents import listed, upload

OFF_TOPIC = "What is blockchain?"  # answered by a refusal: no language model run


def reload(sid) -> AppTest:
    """The same browser reloading its page: a fresh Streamlit session on the same address."""
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.query_params[sessions.PARAM] = sid
    at.run()
    assert not at.exception, at.exception
    return at


def sid_of(at) -> str:
    sid = at.query_params[sessions.PARAM]
    assert sessions.valid_id(sid) and at.session_state["session_id"] == sid
    return sid


@pytest.fixture(scope="module")
def used():
    """A session that asked one question and uploaded one document."""
    at = ask(new_app(), OFF_TOPIC)
    upload(go(at, "documents"), ("care-plan.md", CARE_PLAN_MD.encode(), "text/markdown"))
    return at


def test_chat_and_documents_are_restored_after_a_reload(used):
    sid = sid_of(used)
    at = reload(sid)
    assert sid_of(at) == sid
    assert [m.name for m in at.chat_message] == ["user", "assistant"]
    assert texts(at.chat_message[0], "markdown") == [OFF_TOPIC]
    assert "refused · out of scope" in " ".join(texts(at.chat_message[1], "markdown"))
    assert at.session_state["last_answer"]["finish_reason"] == "refused"  # the Experts page's last scores
    assert "Your documents: **1**" in " ".join(c.value for c in at.sidebar.caption)
    assert listed(go(at, "documents")) == ["care-plan.md"]
    # and the restored session goes on: a new turn is saved too
    ask(go(at, "chat"), OFF_TOPIC)
    assert len(reload(sid).chat_message) == 4


def test_the_chat_is_owner_only_json_named_without_the_id(used):
    sid = sid_of(used)
    ui = load_config(os.environ[CONFIG_ENV])
    path = sessions.history_path(ui, sid)
    assert path.parent.name == sessions.SESSIONS_DIR and sid not in str(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["format"] == sessions.FORMAT and data["messages"][0] == {"role": "user", "text": OFF_TOPIC}
    assert used.session_state["collection"] == sessions.collection_of(sid) and sid not in sessions.collection_of(sid)


@pytest.mark.parametrize("bad", ["", "short", "A" * 31 + "!", "../../etc/passwd" + "x" * 16, "A" * 33,
                                 "unknown"])
def test_a_tampered_or_unknown_id_gets_a_fresh_empty_session(used, bad):
    sid = sid_of(used)
    bad = sessions.new_id() if bad == "unknown" else bad  # well-formed, but never issued
    at = reload(bad)
    fresh = sid_of(at)
    assert fresh not in (bad, sid)
    assert not at.chat_message
    assert "Your documents: **0**" in " ".join(c.value for c in at.sidebar.caption)
    assert listed(go(at, "documents")) == []
    assert [m.name for m in reload(sid).chat_message][:2] == ["user", "assistant"]  # the real one is untouched


def test_an_expired_session_is_not_restored_and_is_deleted(ui_config, tmp_path):
    at = ask(new_app(), OFF_TOPIC)
    sid = sid_of(at)
    s = load_config(ui_config)
    a = Assistant(s)
    a.add_documents([_note(tmp_path)], sessions.collection_of(sid))
    old = time.time() - sessions.idle_seconds(s) - 60
    os.utime(sessions.history_path(s, sid), (old, old))
    at = reload(sid)
    assert sid_of(at) != sid and not at.chat_message
    assert not sessions.history_path(s, sid).exists()
    assert sessions.collection_of(sid) not in {c["name"] for c in a.collections()}


def _note(folder):
    p = folder / "note.txt"
    p.write_text("Walk 30 minutes a day and check your feet daily.", encoding="utf-8")
    return p


def test_sweeper_deletes_idle_sessions_and_keeps_active_ones(ui_config, tmp_path, monkeypatch):
    # a store of its own, so the sweep below touches no other test's sessions
    cfg = write_config(load_config(ui_config), tmp_path / "experts.yaml",
                       **{"retrieval.store_dir": str(tmp_path / "collections")})
    monkeypatch.setenv(CONFIG_ENV, str(cfg))
    idle, active = sid_of(ask(new_app(), OFF_TOPIC)), sid_of(ask(new_app(), OFF_TOPIC))
    short = Assistant(load_config(write_config(load_config(cfg), tmp_path / "short.yaml",
                                               **{"ui.session_idle_minutes": 1})))
    s = short.settings
    note = _note(tmp_path)
    for name in (sessions.collection_of(idle), sessions.collection_of(active),
                 "ui-0123456789abcdef",  # an earlier version's per-page-load collection: no session file
                 "mine"):  # a user's own collection (`medrouter ingest`): never the sweeper's
        short.add_documents([note], name)
    two_minutes_ago = time.time() - 120
    os.utime(sessions.history_path(s, idle), (two_minutes_ago, two_minutes_ago))

    done = sessions.sweep(short)
    assert done == {"sessions": [sessions.digest(idle)], "collections": [sessions.collection_of(idle)]}
    names = {c["name"] for c in short.collections()}
    assert names == {sessions.collection_of(active), "ui-0123456789abcdef", "mine"}
    assert not sessions.history_path(s, idle).exists() and sessions.history_path(s, active).exists()
    assert len(reload(active).chat_message) == 2 and sid_of(reload(idle)) != idle

    # ten minutes on (a fake clock), nothing was used: every UI session and collection is gone
    sessions.sweep(short, now=time.time() + 600)
    assert {c["name"] for c in short.collections()} == {"mine"}
    left = {p.name for p in sessions.sessions_dir(s).iterdir()}
    assert left == set(), left


def test_the_sweeper_runs_at_the_first_page_then_at_most_every_few_minutes(monkeypatch):
    calls = []
    monkeypatch.setattr(sessions, "sweep", lambda a, now=None: calls.append(now))
    monkeypatch.setattr(sessions, "_next_sweep", 0.0)  # a server process that has not swept yet
    new_app()
    new_app()
    assert len(calls) == 1
    monkeypatch.setattr(sessions, "_next_sweep", time.time() - 1)  # SWEEP_EVERY_S later
    new_app()
    assert len(calls) == 2
