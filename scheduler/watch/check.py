"""One check of one account: a browser context with the saved session, sign-in when
needed, the crawl, the session saved again, the browser closed."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import Any

from playwright.sync_api import Browser

from cancelwatch.scheduler.policy.words import Lang, text
from cancelwatch.scraper.browse import driver
from cancelwatch.scraper.browse.browser import find_browser, launch, new_context, own_context
from cancelwatch.scraper.browse.crawl import Crawl, CrawlResult, Sight
from cancelwatch.scraper.browse.credentials import (
    Credentials,
    SecretStore,
    load_session,
    save_session,
    session_path,
)
from cancelwatch.scraper.browse.login import SignIn
from cancelwatch.scraper.browse.options import CrawlOptions
from cancelwatch.scraper.browse.watchdog import answering
from cancelwatch.scraper.read.markup import Selectors, load_selectors

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Target:
    """What to read: an account, where its site is, and how to sign in to it."""

    account: str
    marketplace: str
    base_url: str
    credentials: Callable[[], Credentials]
    store: SecretStore | None
    """Where the session is kept between checks; None keeps none (the one-off demo)."""


@contextmanager
def open_browser(
    executable: str | None = None,
    *,
    headed: bool = False,
    block_resources: bool = True,
    marketplace: str | None = None,
) -> Iterator[Browser]:
    """A browser for the length of one check: the daemon keeps none open between checks.

    A person answering a CAPTCHA or WAF puzzle (`headed`) needs to see its images. With
    `marketplace`, the browser is for one read of that site: `read_orders` reads it in the
    launch's own context (`own_context`) instead of opening another. The driver is the
    one the command line started ahead (`driver.start_ahead`), if one waits."""
    locale = _locale(load_selectors(marketplace)) if marketplace is not None else None
    with driver.playwright() as playwright:
        choice = find_browser(executable, playwright=playwright)
        with launch(
            playwright,
            choice,
            headless=not headed,
            block_resources=block_resources and not headed,
            locale=locale,
        ) as browser:
            yield browser


def _locale(sel: Selectors) -> str:
    return "ja-JP" if sel.marketplace.language == "ja" else "en-US"


def session_wanted(account: str, *, loaded: bool) -> bool:
    """Whether the session is still to be kept when a check ends. A session the check
    started with and that is gone now was ended by `cancelwatch logout` while the check
    ran: saving it again would undo the logout (and, after `--forget`, make a new key)."""
    if loaded and not session_path(account).exists():
        log.info("account %s signed out during the check: its session is not kept", account)
        return False
    return True


def read_orders(
    target: Target,
    browser: Browser,
    *,
    today: date,
    options: CrawlOptions | None = None,
    headed: bool = False,
    known_open_since: date | None = None,
    progress: Callable[[str], None] | None = None,
    stop: threading.Event | None = None,
    previous: Callable[[str], Sight | None] | None = None,
    read_before: bool = False,
    lang: Lang = "en",
    session: Callable[[], dict[str, Any] | None] | None = None,
) -> CrawlResult:
    """Read the account's orders on `browser`. `session` gives the saved session when it
    was loaded ahead (`load_session_ahead`), else it is loaded here."""
    sel = load_selectors(target.marketplace)
    if session is not None:
        state = session()
    else:
        state = load_session(target.account, target.store) if target.store else None
    locale = _locale(sel)
    own = own_context(browser, site=target.base_url, storage_state=state, locale=locale)  # type: ignore[arg-type]
    context = own or new_context(
        browser,
        site=target.base_url,
        storage_state=state,  # type: ignore[arg-type]
        locale=locale,
    )
    try:
        page = own.pages[0] if own is not None else context.new_page()
        signer = SignIn(
            page, target.marketplace, target.credentials, headed=headed, account=target.account
        )
        crawl = Crawl(
            page=page,
            sel=sel,
            base_url=target.base_url,
            sign_in=signer.run,
            today=today,
            options=options or CrawlOptions(),
            known_open_since=known_open_since,
            progress=_per_page(progress, lang),
            stop=stop,
            previous=previous,
            read_before=read_before,
        )
        result = crawl.run()
        if target.store is not None and session_wanted(target.account, loaded=state is not None):
            storage = "the page, for the session's storage"
            with answering(context, storage, crawl.options.timeout_seconds):
                state_now = context.storage_state()
            save_session(target.account, dict(state_now), target.store)
        return result
    finally:
        if own is None:
            context.close()


def _per_page(
    progress: Callable[[str], None] | None, lang: Lang
) -> Callable[[int, int], None] | None:
    if progress is None:
        return None
    return lambda page, orders: progress(text(lang, "progress_page", page=page, orders=orders))


@contextmanager
def load_session_ahead(target: Target) -> Iterator[Callable[[], dict[str, Any] | None]]:
    """The saved session, loaded in a thread while the browser starts: unlocking it costs
    a deliberate 0.1 s of scrypt with the secrets file, which need not wait for the
    launch. The `with` block waits for the thread on leaving, whatever happens."""
    if target.store is None:
        yield lambda: None
        return
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="session") as pool:
        loading = pool.submit(load_session, target.account, target.store)
        yield loading.result
