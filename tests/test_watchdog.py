"""A page whose script never yields ends its check with a clear error instead of hanging
it (`scraper/browse/watchdog.py`). Real Chromium, launched per test as the product
launches it, since each test ends its browser; pages from a small local server."""

from __future__ import annotations

import http.server
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Playwright

from cancelwatch.scheduler.watch.check import Target, read_orders
from cancelwatch.scraper.browse.browser import PROFILE_PREFIX, find_browser, launch, own_context
from cancelwatch.scraper.browse.credentials import Credentials
from cancelwatch.scraper.browse.guard import wait_parsed
from cancelwatch.scraper.browse.options import CrawlOptions
from cancelwatch.scraper.browse.watchdog import Watchdog, answering, watchdog_of
from cancelwatch.scraper.errors import PageUnresponsive
from tests.processes import alive, gone, group_members

# Reading `document.readyState`, which the crawl's wait for a parsed page does, starts a
# loop that never ends: the page answers that wait, then nothing after it.
_HANGS_ONCE_READ = """<!doctype html><html lang="ja"><head><meta charset="utf-8">
<title>注文履歴</title></head><body><h1>注文履歴</h1>
<script>
Object.defineProperty(document, "readyState", {configurable: true, get() {
  setTimeout(() => { for (;;) {} }, 0);
  return "complete";
}});
</script></body></html>"""

_CALM_PATH = "/your-orders/orders?calm=1"  # a page the guard lets a check read
_CALM = """<!doctype html><html><head><title>calm</title></head><body><p>calm</p></body></html>"""


class _Pages(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = (_CALM if "calm=1" in self.path else _HANGS_ONCE_READ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        return None


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Pages)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _profiles() -> set[Path]:
    return set(Path(tempfile.gettempdir()).glob(PROFILE_PREFIX + "*"))


def _busy(browser: Browser, url: str) -> None:
    """Open `url` in the launch's own tab, then make the page's script loop for ever."""
    context = own_context(browser, site=url, storage_state=None, locale="ja-JP")
    assert context is not None
    page = context.pages[0]
    page.goto(f"{url}{_CALM_PATH}", wait_until="commit")
    wait_parsed(page, 10_000)
    page.evaluate("() => { setTimeout(() => { for (;;) {} }, 50); }")
    time.sleep(0.3)  # the loop has begun: the renderer answers nothing from now on


def test_reading_a_page_that_never_yields_ends_its_browser(playwright: Playwright, site: str):
    before = _profiles()
    with launch(playwright, find_browser(playwright=playwright), locale="ja-JP") as browser:
        dog = watchdog_of(browser)
        assert dog is not None and dog.pid is not None and alive(dog.pid)
        cmdline = Path(f"/proc/{dog.pid}/cmdline").read_bytes().replace(b"\0", b" ")
        assert b"chromium" in cmdline or b"chrome" in cmdline, cmdline
        (profile,) = _profiles() - before
        _busy(browser, site)
        helpers = group_members(dog.pid) - {dog.pid}
        assert helpers, "the browser's renderer and services run in its process group"
        page = browser.contexts[0].pages[0]
        began = time.monotonic()
        with (
            pytest.raises(PageUnresponsive, match="did not answer within 2 s"),
            answering(page, "the page", 2.0),
        ):
            page.content()
        took = time.monotonic() - began
        assert 2.0 <= took < 10.0, f"the read ended after {took:.1f} s"
        assert dog.fired
        assert gone(dog.pid), "the browser's process was ended"
        assert all(gone(pid, within_s=2.0) for pid in helpers), "and its helpers with it"
    assert not profile.exists(), "the profile folder is removed as after any check"


def test_the_session_storage_of_a_page_that_never_yields_is_bounded_too(
    playwright: Playwright, site: str
):
    with launch(playwright, find_browser(playwright=playwright), locale="ja-JP") as browser:
        _busy(browser, site)
        context = browser.contexts[0]
        with (
            pytest.raises(PageUnresponsive, match="storage"),
            answering(context, "the session's storage", 2.0),
        ):
            context.storage_state()


def test_a_page_that_answers_is_left_alone(playwright: Playwright, site: str):
    with launch(playwright, find_browser(playwright=playwright), locale="ja-JP") as browser:
        dog = watchdog_of(browser)
        assert dog is not None and dog.pid is not None
        context = own_context(browser, site=site, storage_state=None, locale="ja-JP")
        assert context is not None
        page = context.pages[0]
        page.goto(f"{site}{_CALM_PATH}", wait_until="commit")
        wait_parsed(page, 10_000)
        with answering(page, "the page", 2.0):
            html = page.content()
        assert "<p>calm</p>" in html
        time.sleep(2.5)  # past the time the call had: the timer was cancelled
        assert not dog.fired and alive(dog.pid)
        assert page.title() == "calm"


def test_a_check_on_a_page_that_stops_answering_fails_with_a_clear_error(
    playwright: Playwright, site: str
):
    """The crawl's own read: the page answers the wait for its HTML, then loops. The check
    fails as an unreachable Amazon does (recorded, tried again at the next check) instead
    of waiting for ever."""
    target = Target(
        account="busy",
        marketplace="amazon.co.jp",
        base_url=site,
        credentials=lambda: Credentials(email="a@example.com", password="not used"),
        store=None,
    )
    # The page answers the crawl's waits, which end themselves within 2 x 2 s, then
    # nothing: the watchdog ends the browser 10 s (its grace) after that.
    options = CrawlOptions(delay_seconds=0, retries=0, timeout_seconds=2)
    began = time.monotonic()
    with (
        launch(playwright, find_browser(playwright=playwright), locale="ja-JP") as browser,
        pytest.raises(PageUnresponsive, match=r"the page .*/your-orders/orders did not answer"),
    ):
        read_orders(target, browser, today=date(2026, 12, 1), options=options)
    assert time.monotonic() - began < 40


def test_the_error_leads_with_a_sentence_of_its_own_in_japanese():
    from cancelwatch.scheduler.cli.main import explained  # noqa: PLC0415

    error = PageUnresponsive("the page …/your-orders/orders did not answer within 30 s")
    said = explained(error, "ja")
    assert said.startswith("ページが応答しなくなったため、ブラウザーを終了しました。")
    assert "（詳細: the page …/your-orders/orders did not answer within 30 s）" in said
    assert explained(error, "en") == str(error)


_SLEEPER = [sys.executable, "-c", "import time; time.sleep(60)"]


def test_a_browser_leading_its_own_group_is_ended_with_every_process_in_it():
    """Playwright starts the browser as a group leader: the watchdog ends the group, so no
    helper outlives the browser to write into its profile."""
    leader = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import subprocess, time; subprocess.Popen({_SLEEPER!r}); time.sleep(60)",
        ],
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 10
        while len(group_members(leader.pid)) < 2:
            assert time.monotonic() < deadline, "the leader started its child"
            time.sleep(0.02)
        (child,) = group_members(leader.pid) - {leader.pid}
        Watchdog(leader.pid).end_browser()
        leader.wait(timeout=10)
        assert gone(child), "the helper in the browser's group ended with it"
    finally:
        leader.kill()
        leader.wait()


def test_a_process_in_the_callers_own_group_is_ended_alone():
    """Never the caller's own group: a browser that shares it (not one Playwright started)
    ends alone, and the caller goes on."""
    same_group = subprocess.Popen(_SLEEPER)
    try:
        assert os.getpgid(same_group.pid) == os.getpgrp()
        Watchdog(same_group.pid).end_browser()
        assert same_group.wait(timeout=10) != 0
    finally:
        same_group.kill()
        same_group.wait()
