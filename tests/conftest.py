"""Browser fixtures: one real Chromium per test session, and a local web server per module.

The browser comes from `scraper.browse.browser.find_browser`, so CANCELWATCH_BROWSER picks it;
otherwise Playwright's own Chromium or the system one (CI: Debian's /usr/bin/chromium).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Playwright, sync_playwright

from cancelwatch.scraper.browse.browser import find_browser, launch, new_context
from cancelwatch.scraper.browse.guard import Refused, guard_of
from tests.local_site import PAGE_TIMEOUT_MS, LocalStore, serving


@pytest.fixture(scope="module")
def local_store() -> Iterator[LocalStore]:
    """A web server on 127.0.0.1 (free port) in a thread, for one test module."""
    with serving() as store:
        yield store


@pytest.fixture
def store(local_store: LocalStore) -> LocalStore:
    """The module's local web server, with an empty request log."""
    local_store.clear()
    return local_store


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as running:
        yield running


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    """One headless browser for the whole session, found and launched like the product:
    with the read-only guard, images, fonts and media blocked."""
    with launch(playwright, find_browser()) as launched:
        yield launched


@pytest.fixture
def refused(browser: Browser) -> Callable[[], list[Refused]]:
    """What the session browser's guard refused since the test began (not the quiet ones)."""
    guard = guard_of(browser)
    mark = guard.mark()
    return lambda: guard.since(mark)


@pytest.fixture
def guarded_context(browser: Browser, local_store: LocalStore) -> Iterator[BrowserContext]:
    """A fresh context from new_context that reads the local store: as 127.0.0.1 and, as
    another site (frames of it run in their own process), as localhost."""
    context = new_context(browser, site=local_store.base_url)
    guard_of(browser).policy.add_site(local_store.base_url.replace("127.0.0.1", "localhost"))
    context.set_default_timeout(PAGE_TIMEOUT_MS)
    yield context
    context.close()
