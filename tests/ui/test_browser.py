"""End to end in a real headless Chromium against `streamlit run ui/app.py` on localhost.

Debian's chromium (scripts/install_browser.sh installs it; never `playwright install`) driven by the
Python playwright package. Screenshots go to $MEDROUTER_UI_SCREENSHOTS (e.g. docs/) or a temp folder.
"""
from __future__ import annotations

import io
import os
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from medrouter.core.config import CONFIG_ENV

from ui.cli import streamlit_command

from .conftest import ROOT, SCREENSHOTS_ENV
from .docs_fixtures import CARE_PLAN_MD, EXAM_REPORT

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
# One answer on a busy 2-core machine, the first request loading the models; screenshots for docs/
# show whole (uncapped) answers, which take longer.
STEP_MS = 600_000 if os.environ.get(SCREENSHOTS_ENV) else 240_000
VIEWPORT = {"width": 1280, "height": 900}
MAX_PNG = 300_000


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def chromium():
    if not Path(CHROMIUM).is_file():
        pytest.skip(f"no browser: {CHROMIUM} is missing and scripts/install_browser.sh could not install "
                    "Debian's chromium (needs apt-get as root)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("the playwright Python package is not installed (it is in the `dev` extra)")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def server(ui_config, tmp_path_factory):
    port = free_port()
    log = tmp_path_factory.mktemp("streamlit") / "server.log"
    env = dict(os.environ, **{CONFIG_ENV: str(ui_config), "HF_HUB_OFFLINE": "1"})
    cmd = streamlit_command(port, address="127.0.0.1")  # what `medrouter ui` runs
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 120
    while True:
        try:
            if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).read() == b"ok":
                break
        except OSError:
            pass
        if proc.poll() is not None or time.time() > deadline:
            proc.kill()
            pytest.fail(f"streamlit did not start:\n{log.read_text(errors='replace')[-3000:]}")
        time.sleep(0.5)
    yield url
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
    text = log.read_text(errors="replace")
    assert "Traceback" not in text, text[-3000:]  # every error was handled and shown as a message


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    d = Path(os.environ.get(SCREENSHOTS_ENV) or tmp_path_factory.mktemp("screenshots"))
    d.mkdir(parents=True, exist_ok=True)
    return d


def screenshot(page, path: Path) -> Path:
    """A PNG of the viewport, palette-quantized to stay small (UI screenshots have few colours)."""
    from PIL import Image

    raw = page.screenshot(type="png")
    img = Image.open(io.BytesIO(raw)).convert("RGB").quantize(colors=128, dither=Image.Dither.NONE)
    img.save(path, format="PNG", optimize=True)
    assert 0 < path.stat().st_size < MAX_PNG
    return path


def expect(locator):
    """Playwright's retrying assertion, with this test's step timeout."""
    from playwright.sync_api import expect as pw_expect

    pw_expect.set_options(timeout=STEP_MS)
    return pw_expect(locator)


def open_app(browser, url):
    ctx = browser.new_context(viewport=VIEWPORT)
    page = ctx.new_page()
    page.set_default_timeout(STEP_MS)
    page.goto(url)
    page.get_by_test_id("stChatInputTextArea").wait_for()
    return ctx, page


def settle(page) -> None:
    """Wait until the script run is over and no element from the previous run is still shown."""
    page.get_by_test_id("stStatusWidget").wait_for(state="hidden")
    page.wait_for_function("() => !document.querySelector('[data-stale=\"true\"]')")


def goto(page, label: str) -> None:
    page.get_by_test_id("stSidebar").locator("label").filter(has_text=label).click()
    page.get_by_role("heading", name=label, exact=True, level=1).wait_for()
    settle(page)


def ask(page, text: str):
    """Type a request, send it, wait until the answer is complete; return the answer's chat message."""
    box = page.get_by_test_id("stChatInputTextArea")
    box.fill(text)
    box.press("Enter")
    messages = page.get_by_test_id("stChatMessage")
    messages.filter(has_text=text).last.wait_for()  # our request is in the history...
    answer = messages.last
    answer.get_by_text("Medical disclaimer").wait_for()  # ...followed by a finished answer
    assert text not in answer.inner_text()
    settle(page)
    return answer


def upload(page, name: str, data: bytes, mime: str) -> None:
    goto(page, "My documents")
    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(
        files=[{"name": name, "mimeType": mime, "buffer": data}])
    page.get_by_role("button", name="Add 1 file to my documents").click()
    page.get_by_test_id("stAlertContentSuccess").filter(has_text=f"Added {name}").wait_for()
    settle(page)


def test_ask_upload_get_grounded_advice_with_sources(chromium, server, shots):
    ctx, page = open_app(chromium, server)
    try:
        msg = ask(page, "What is hypertension?")
        badge = msg.get_by_text("expert: medical_qa")
        expect(badge).to_be_visible()
        assert "confidence" in msg.inner_text()

        upload(page, "care-plan.md", CARE_PLAN_MD.encode(), "text/markdown")
        expect(page.get_by_text("care-plan.md").first).to_be_visible()
        expect(page.get_by_test_id("stSidebar").get_by_text("Your documents: 1")).to_be_visible()
        screenshot(page, shots / "ui-documents.png")

        goto(page, "Chat")
        msg = ask(page, "According to my documents, how often should I check my blood sugar?")
        expect(msg.get_by_text("expert: advice")).to_be_visible()
        # the lines of the document that answer, quoted with their [n] (a Markdown blockquote)
        quote = msg.locator("blockquote").first
        expect(quote).to_contain_text("[1]")
        from medrouter.app.assistant import CLOSEST_LINES, FROM_DOCUMENTS

        assert FROM_DOCUMENTS in msg.inner_text() or CLOSEST_LINES in msg.inner_text()
        sources = msg.get_by_test_id("stExpander").filter(has_text="Sources (")
        sources.get_by_text("Sources (").click()
        first = sources.get_by_text("[1] care-plan.md")
        first.wait_for()
        assert "score" in sources.inner_text()
        first.scroll_into_view_if_needed()
        screenshot(page, shots / "ui-chat.png")

        goto(page, "Summarize a report")
        page.get_by_role("tab", name="Paste text").click()
        page.get_by_label("Report text").fill(EXAM_REPORT)
        page.get_by_role("button", name="Summarize the text").click()
        page.get_by_role("heading", name="Summary of pasted text").wait_for()
        settle(page)
        expect(page.get_by_text("expert: summarization")).to_be_visible()
        expect(page.get_by_text("BP 152/96 mmHg").first).to_be_visible()
        page.get_by_role("heading", name="Summary of pasted text").evaluate("e => e.scrollIntoView({block: 'start'})")
        screenshot(page, shots / "ui-summarize.png")

        goto(page, "Experts")
        # route and expert of the last request (retried until the page has drawn them)
        expect(page.get_by_test_id("stMetricValue").filter(has_text="advice")).to_have_count(2, timeout=STEP_MS)
        page.get_by_test_id("stDataFrame").nth(2).wait_for()
        page.set_viewport_size({"width": VIEWPORT["width"], "height": 1500})  # down to the router's scores
        page.wait_for_timeout(500)  # the data grids draw on a canvas after they mount
        screenshot(page, shots / "ui-experts.png")
    finally:
        ctx.close()


def test_two_browser_sessions_do_not_see_each_others_documents(chromium, server):
    a_ctx, a = open_app(chromium, server)
    b_ctx, b = open_app(chromium, server)
    try:
        upload(a, "private-note.txt", b"My GP said: walk 30 minutes a day and check my feet daily.", "text/plain")
        goto(b, "My documents")
        expect(b.get_by_text("No documents yet")).to_be_visible()
        assert b.get_by_text("private-note.txt").count() == 0
        expect(b.get_by_test_id("stSidebar").get_by_text("Your documents: 0")).to_be_visible()
        # the first session still has its document after the second one looked
        goto(a, "Chat")
        goto(a, "My documents")
        expect(a.get_by_text("private-note.txt").first).to_be_visible()
    finally:
        a_ctx.close()
        b_ctx.close()


def test_a_reload_restores_the_chat_and_the_documents(chromium, server, shots):
    ctx, page = open_app(chromium, server)
    try:
        ask(page, "What is blockchain?")  # a refusal: no language model run
        upload(page, "private-note.txt", b"My GP said: walk 30 minutes a day and check my feet daily.", "text/plain")
        goto(page, "Chat")
        assert "session=" in page.url  # the address now carries the session's id
        address = page.url

        page.reload()
        page.get_by_test_id("stChatInputTextArea").wait_for()
        settle(page)
        assert page.url == address
        messages = page.get_by_test_id("stChatMessage")
        expect(messages).to_have_count(2)
        expect(messages.first).to_contain_text("What is blockchain?")
        expect(messages.last.get_by_text("refused · out of scope")).to_be_visible()
        expect(page.get_by_test_id("stSidebar").get_by_text("Your documents: 1")).to_be_visible()
        screenshot(page, shots / "ui-restored.png")
        goto(page, "My documents")
        expect(page.get_by_text("private-note.txt").first).to_be_visible()

        # another browser (no address of this session) sees none of it
        other_ctx, other = open_app(chromium, server)
        try:
            assert other.get_by_test_id("stChatMessage").count() == 0
            expect(other.get_by_test_id("stSidebar").get_by_text("Your documents: 0")).to_be_visible()
        finally:
            other_ctx.close()
    finally:
        ctx.close()
