"""The pause between two page loads: at least crawl.delay_seconds from the moment the last
page was read to the next load, none before the first load and none after the last. The
time spent parsing a page counts towards the pause instead of adding to it.

Real Chromium on the demo store; the crawl's clock and sleep are the test's."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from playwright.sync_api import Page

from cancelwatch.scraper.browse.browser import new_context
from cancelwatch.scraper.browse.crawl import Crawl, Stopped
from cancelwatch.scraper.browse.credentials import Credentials
from cancelwatch.scraper.browse.login import SignIn
from cancelwatch.scraper.browse.options import CrawlOptions
from cancelwatch.scraper.demo import (
    DEMO_EMAIL,
    DEMO_PASSWORD,
    DEMO_TOTP_SECRET,
    DemoStore,
    ManualClock,
)
from cancelwatch.scraper.read.markup import load_selectors

START = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)
DELAY = 1.0


@pytest.fixture(autouse=True)
def _home(tmp_path, monkeypatch):
    monkeypatch.setenv("CANCELWATCH_HOME", str(tmp_path))


@pytest.fixture
def store() -> Iterator[DemoStore]:
    demo = DemoStore("amazon.co.jp", clock=ManualClock(START))
    demo.start()
    yield demo
    demo.stop()


class Time:
    """The crawl's clock: it moves `step` s each time it is read (a page read, parsed,
    judged) and by what the crawl sleeps."""

    def __init__(self, step: float) -> None:
        self.now = 0.0
        self.step = step
        self.slept: list[float] = []

    def clock(self) -> float:
        self.now += self.step
        return self.now

    def sleep(self, seconds: float) -> None:
        assert seconds > 0
        self.slept.append(seconds)
        self.now += seconds


def _crawl(store: DemoStore, browser, time: Time) -> tuple[Crawl, list[float]]:
    """Run a crawl of the store; the crawl and, for each load after the first, the time
    from the last page read to that load (by the test's clock)."""
    context = new_context(browser, site=store.base_url)
    try:
        page = context.new_page()
        creds = Credentials(DEMO_EMAIL, DEMO_PASSWORD, DEMO_TOTP_SECRET)
        crawl = Crawl(
            page=page,
            sel=load_selectors("amazon.co.jp"),
            base_url=store.base_url,
            sign_in=SignIn(page, "amazon.co.jp", lambda: creds, account="demo").run,
            today=START.date(),
            options=CrawlOptions(delay_seconds=DELAY, retries=1, timeout_seconds=15),
            sleep=time.sleep,
            clock=time.clock,
        )
        gaps: list[float] = []
        goto = crawl._goto

        def timed_goto(url: str) -> int | None:
            if crawl._read_at is not None:
                gaps.append(time.now - crawl._read_at)
            return goto(url)

        crawl._goto = timed_goto  # type: ignore[method-assign]
        crawl.run()
        return crawl, gaps
    finally:
        context.close()


def test_parsing_counts_towards_the_pause_and_the_gap_holds(store, browser):
    time = Time(step=0.25)

    crawl, gaps = _crawl(store, browser, time)

    loads = crawl._loads
    assert loads >= 4  # two list pages, details and tracking pages
    assert len(time.slept) == loads - 1  # none before the first load, none after the last
    assert len(gaps) == loads - 1
    # Reading the clock before the pause is one step since the page was read.
    assert time.slept == pytest.approx([DELAY - 0.25] * (loads - 1))
    assert min(gaps) >= DELAY


def test_no_sleep_when_reading_the_page_took_longer_than_the_delay(store, browser):
    time = Time(step=1.5)

    crawl, gaps = _crawl(store, browser, time)

    assert crawl._loads >= 4
    assert time.slept == []
    assert len(gaps) == crawl._loads - 1
    assert min(gaps) >= DELAY


def test_a_watched_crawl_pauses_and_goes_on_when_nobody_stops_it(store, browser):
    """Under `watch` the crawl pauses on the watcher's stop event, with the real clock:
    each pause lasts the delay and the crawl goes on, under the suite's shifted clock
    too (a timed wait on the event would wait out the shift there, for ever)."""
    context = new_context(browser, site=store.base_url)
    try:
        page = context.new_page()
        crawl = _demo_crawl(page, store, CrawlOptions(delay_seconds=1, timeout_seconds=15))
        crawl.stop = threading.Event()
        began = time.monotonic()
        crawl.run()
        took = time.monotonic() - began
    finally:
        context.close()
    assert crawl._loads >= 4
    assert took >= crawl._loads - 1, "a second's pause before every load but the first"


def test_a_watcher_asked_to_stop_ends_the_crawl_during_its_pause(store, browser):
    """Under `watch` the crawl pauses on the watcher's stop event: a stop ends the pause
    at once and the crawl at its next load, not a whole pause (here 60 s) later. Under
    the suite's shifted clock too, where a timed wait on the event would never end."""
    stop = threading.Event()
    context = new_context(browser, site=store.base_url)
    try:
        page = context.new_page()
        crawl = _demo_crawl(page, store, CrawlOptions(delay_seconds=60, timeout_seconds=15))
        crawl.stop = stop
        pausing = crawl._pause

        def stopped_in_the_pause(attempt: int) -> None:
            if crawl._loads:  # the first page is read: the watcher stops during the pause
                threading.Thread(target=_set_soon, args=(stop,), daemon=True).start()
            pausing(attempt)

        crawl._pause = stopped_in_the_pause  # type: ignore[method-assign]
        began = time.monotonic()
        with pytest.raises(Stopped, match="nothing was recorded"):
            crawl.run()
        assert time.monotonic() - began < 30, "the 60 s pause was cut short"
        assert crawl._loads >= 1
    finally:
        context.close()


def _set_soon(event: threading.Event) -> None:
    time.sleep(0.5)  # a sleep: a timer thread's timed wait would not end under faketime
    event.set()


def _demo_crawl(page: Page, store: DemoStore, options: CrawlOptions) -> Crawl:
    creds = Credentials(DEMO_EMAIL, DEMO_PASSWORD, DEMO_TOTP_SECRET)
    return Crawl(
        page=page,
        sel=load_selectors("amazon.co.jp"),
        base_url=store.base_url,
        sign_in=SignIn(page, "amazon.co.jp", lambda: creds, account="demo").run,
        today=START.date(),
        options=options,
    )
