"""A real portal server and Debian's headless chromium, driven by Playwright.

No browser is downloaded: the tests use /usr/bin/chromium, and fail (not skip) without it.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

from core.config import PROJECT_ROOT

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = PROJECT_ROOT / "tests" / "browser" / "artifacts"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run_finished(payload) -> bool:
    """Whether a websocket frame from the server is the message that ends the last of a script's runs."""
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    if isinstance(payload, str):
        return False
    message = ForwardMsg()
    message.ParseFromString(payload)
    # a run stopped early for another (st.rerun after an action) is not the end: the next run is
    return (message.WhichOneof("type") == "script_finished"
            and message.script_finished != ForwardMsg.FINISHED_EARLY_FOR_RERUN)


def settle(page) -> None:
    """Wait until the app is connected and its script has finished running."""
    page.wait_for_selector('[data-testid="stApp"][data-test-connection-state="CONNECTED"]'
                           '[data-test-script-state="notRunning"]')


def in_form(locator) -> bool:
    """Whether the element is inside an st.form, where changing a field runs nothing until it is sent."""
    return locator.evaluate("e => !!e.closest('[data-testid=\"stForm\"]')")  # waits for the element


@contextlib.contextmanager
def reran(page, when: bool = True, timeout: float | None = None):
    """The block's action (a click, a field left with a new value) makes the script run again: wait
    until the server says a run has finished after it (a script_finished message on the app's
    websocket: a fast run may never show as running in the page), then until none is running. A
    condition, not a pause, so that a busy machine only makes it slower; an action that runs
    nothing fails here after the timeout. With `when` false (a field in a form) it only settles."""
    settle(page)
    if not when:
        yield
        return
    with page.qjsc_stream.expect_event("framereceived", predicate=_run_finished, timeout=timeout):
        yield
    settle(page)


def painted(page) -> None:
    """Wait for the browser to lay out and paint what is on the page (two animation frames)."""
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")


def choose_radio(page, group, label: str) -> None:
    """Pick `label` in the radio `group` (a locator); picking the option already chosen runs nothing."""
    check(page, group.get_by_text(label, exact=True), group.get_by_role("radio", name=label, exact=True))


def check(page, target, state, attempts: int = 3) -> None:
    """Click `target` (an option's text) so that `state` (its radio or checkbox) becomes checked.

    A click made while the page redraws (an expander opening above it) can land beside the option and
    run nothing; a user would click again, and so do we, once the run it should have started has not
    come within a while.
    """
    for attempt in range(attempts):
        settle(page)
        if state.is_checked():
            return
        try:
            with reran(page, when=not in_form(state), timeout=10_000):
                target.click()
            expect(state).to_be_checked(timeout=5_000)
            return
        except (PlaywrightTimeout, AssertionError):
            if attempt == attempts - 1:
                raise
            print(f"a click on {target} did not take ({attempt + 1}); clicking again")


def pick_option(page, box, option: str, attempts: int = 3) -> None:
    """Open the select `box` and click `option`; a list that does not open (the click met a redraw)
    is opened again, as a user would."""
    for attempt in range(attempts):
        settle(page)
        box.click()
        item = page.get_by_role("option", name=option, exact=True).first
        try:
            item.wait_for(timeout=5_000)
        except PlaywrightTimeout:
            if attempt == attempts - 1:
                raise
            print(f"the list for {option!r} did not open ({attempt + 1}); opening it again")
            page.keyboard.press("Escape")
            continue
        item.click()
        item.wait_for(state="hidden")  # the list has closed on the choice
        return


def plotted(page) -> None:
    """Wait until every plotly chart on the page has drawn its SVG (it draws after the run ends)."""
    page.wait_for_function("[...document.querySelectorAll('[data-testid=\"stPlotlyChart\"]')]"
                           ".every(c => c.querySelector('.main-svg'))")
    painted(page)


@pytest.fixture
def portal(db):
    """A portal server on a free port over the freshly reset demo database."""
    port = _free_port()
    log = open(Path(os.environ.get("TMPDIR", "/tmp")) / f"qjsc-portal-{port}.log", "w")
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(PROJECT_ROOT / "server.py"),
         "--server.headless", "true", "--server.port", str(port), "--server.address", "127.0.0.1",
         "--browser.gatherUsageStats", "false"],
        cwd=PROJECT_ROOT, env=os.environ.copy(), stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"portal did not start; see {log.name}") from None
                time.sleep(0.3)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=20)
        log.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"report_{report.when}", report)


@pytest.fixture
def page(portal, request):
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: install Debian's chromium (scripts/test.sh does)"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="zh-CN")
        page = context.new_page()
        page.on("websocket", lambda ws: setattr(page, "qjsc_stream", ws) if "_stcore/stream" in ws.url else None)
        page.set_default_timeout(30_000)
        # Every browser test also checks that the Content-Security-Policy (ui/security_headers.py)
        # blocked nothing the portal needs: a violation is reported on the console.
        violations = []
        page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
        page.goto(portal)
        settle(page)
        yield page
        assert not violations, f"CSP violations: {violations}"
        report = getattr(request.node, "report_call", None)
        if report is not None and report.failed:
            shot = ARTIFACTS / f"FAILED-{request.node.name}.png"
            page.screenshot(path=str(shot), full_page=True)
            print(f"screenshot of the failure: {shot}")
        context.close()
        browser.close()
