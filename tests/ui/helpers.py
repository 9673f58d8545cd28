"""Driving the app through AppTest: start a session, ask, switch page, read what a block shows."""
from __future__ import annotations

from streamlit.testing.v1 import AppTest

from .conftest import APP, TIMEOUT


def new_app() -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.run()
    assert not at.exception, at.exception
    return at


def ask(at: AppTest, text: str) -> AppTest:
    at.chat_input[0].set_value(text).run()
    assert not at.exception, at.exception
    return at


def go(at: AppTest, page: str) -> AppTest:
    at.sidebar.radio(key="page").set_value(page).run()
    assert not at.exception, at.exception
    return at


def texts(block, kind: str) -> list[str]:
    """Every value of one element kind inside a block, nested containers included."""
    out = []
    for child in block.children.values():
        if child.type == kind:
            out.append(child.value)
        if hasattr(child, "children"):
            out.extend(texts(child, kind))
    return out


def click(at: AppTest, label_prefix: str) -> AppTest:
    """Click the one button whose label starts with `label_prefix`."""
    buttons = [b for b in at.button if b.label.startswith(label_prefix)]
    assert len(buttons) == 1, [b.label for b in at.button]
    buttons[0].click().run()
    assert not at.exception, at.exception
    return at
