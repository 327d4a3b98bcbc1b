"""A browser launched for one check reads in the launch's own context (its profile and
first tab) instead of opening a second one: one renderer fewer to start. Anything else
(another locale, a second read) gets a context of its own, as before.

Real Chromium on the demo store."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from playwright.sync_api import Browser, Playwright

from cancelwatch.scheduler.watch.check import Target, read_orders
from cancelwatch.scraper.browse.browser import find_browser, launch
from cancelwatch.scraper.browse.credentials import Credentials
from cancelwatch.scraper.browse.options import CrawlOptions
from cancelwatch.scraper.demo import (
    DEMO_EMAIL,
    DEMO_PASSWORD,
    DEMO_TOTP_SECRET,
    DemoStore,
    ManualClock,
)
from tests.test_e2e_demo import MemoryStore

START = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)
FAST = CrawlOptions(delay_seconds=0, retries=1, timeout_seconds=15, render_wait_seconds=8)


@pytest.fixture(autouse=True)
def _home(tmp_path, monkeypatch):
    monkeypatch.setenv("CANCELWATCH_HOME", str(tmp_path))


@pytest.fixture(scope="module")
def store() -> Iterator[DemoStore]:
    with DemoStore("amazon.co.jp", clock=ManualClock(START)) as running:
        yield running
        assert [r for r in running.requests if r.mutating] == []


def _read(store: DemoStore, browser: Browser, secrets: MemoryStore):
    target = Target(
        "demo",
        "amazon.co.jp",
        store.base_url,
        lambda: Credentials(DEMO_EMAIL, DEMO_PASSWORD, DEMO_TOTP_SECRET),
        secrets,
    )
    return read_orders(target, browser, options=FAST, today=START.date())


def _paths(store: DemoStore) -> list[str]:
    return [r.path for r in store.requests]


def test_a_browser_for_one_check_reads_in_its_own_first_tab(
    playwright: Playwright, store: DemoStore
) -> None:
    secrets = MemoryStore()
    with launch(playwright, find_browser(), locale="ja-JP") as browser:
        (own,) = browser.contexts
        first = own.pages[0]
        signed_in = _read(store, browser, secrets)
        # No second context was opened, and the first tab is where the list was read.
        assert browser.contexts == [own] and own.pages[0] is first
        assert first.url.startswith(store.base_url)
        assert signed_in.signed_in and signed_in.orders

        # A second read on the same browser gets a context of its own, closed after it.
        store.clear_requests()
        again = _read(store, browser, secrets)
        assert browser.contexts == [own]
        assert not again.signed_in  # the session the first read saved

    # The saved session is restored into the own context of the next launch: no sign-in.
    store.clear_requests()
    with launch(playwright, find_browser(), locale="ja-JP") as browser:
        warm = _read(store, browser, secrets)
        assert not warm.signed_in and warm.orders
        assert not [p for p in _paths(store) if p.startswith("/ap/")]
        assert len(browser.contexts) == 1


def test_a_browser_launched_in_another_locale_reads_in_a_context_of_its_own(
    playwright: Playwright, store: DemoStore
) -> None:
    with launch(playwright, find_browser(), locale="en-US") as browser:
        (own,) = browser.contexts
        result = _read(store, browser, MemoryStore())
        assert result.orders
        assert browser.contexts == [own] and own.pages[0].url == "about:blank"
