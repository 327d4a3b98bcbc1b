"""A configured account: its target (site, credentials, session store) and its check."""

from __future__ import annotations

import binascii
import tempfile
import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from pathlib import Path

import pyotp

from cancelwatch.scheduler.config.settings import Account, Config
from cancelwatch.scheduler.notify.channels import Notifier, default_lang
from cancelwatch.scheduler.policy.words import Lang
from cancelwatch.scheduler.state.store import State
from cancelwatch.scheduler.watch.check import Target, open_browser, read_orders
from cancelwatch.scheduler.watch.monitor import Outcome, WatchedCheck
from cancelwatch.scraper.browse.crawl import CrawlOptions, CrawlResult
from cancelwatch.scraper.browse.credentials import (
    Credentials,
    drop_session,
    load_credentials,
    save_credentials,
    secret_store,
)
from cancelwatch.scraper.browse.login import rejected_marker
from cancelwatch.scraper.errors import ConfigError
from cancelwatch.scraper.read.markup import load_selectors


def target_for(account: Account, credentials: Callable[[], Credentials] | None = None) -> Target:
    store = secret_store()
    base = account.base_url or load_selectors(account.marketplace).marketplace.base_url
    return Target(
        account=account.name,
        marketplace=account.marketplace,
        base_url=base,
        credentials=credentials or (lambda: load_credentials(account.name, store)),
        store=store,
    )


def language(cfg: Config) -> Lang:
    return "ja" if default_lang(cfg.notify.language) == "ja" else "en"


def notifier_for(cfg: Config) -> Notifier:
    return Notifier(desktop=cfg.notify.desktop, apprise_urls=cfg.notify.apprise, lang=language(cfg))


def check_account(
    account: Account,
    cfg: Config,
    state: State,
    notifier: Notifier,
    *,
    headed: bool = False,
    progress: Callable[[str], None] | None = None,
    stop: threading.Event | None = None,
) -> Outcome:
    """One watched check of a configured account: read, assess, record, alert."""
    target = target_for(account)
    today = date.today()

    def read() -> CrawlResult:
        with open_browser(
            cfg.browser.executable, headed=headed, block_resources=cfg.browser.block_resources
        ) as browser:
            return read_orders(
                target,
                browser,
                options=cfg.crawl,
                headed=headed,
                today=today,
                known_open_since=state.known_open_since(account.name, today),
                progress=progress,
                stop=stop,
            )

    check = WatchedCheck(
        account.name, account.marketplace, target.base_url, cfg, state, notifier, language(cfg)
    )
    return check.run(read)


def run_demo(
    marketplace: str,
    cfg: Config,
    notifier: Notifier,
    *,
    headed: bool = False,
    progress: Callable[[str], None] | None = None,
) -> Outcome:
    """The whole watched check against the embedded demo store, signed in with the public
    demo account (OTP included), with a throw-away database: every run shows the demo's
    first alerts."""
    # Imported here: the background watcher never needs the demo store's 15 MB.
    from cancelwatch.scraper.demo import (  # noqa: PLC0415
        DEMO_EMAIL,
        DEMO_PASSWORD,
        DEMO_TOTP_SECRET,
        DemoStore,
    )

    with (
        DemoStore(marketplace) as store,
        tempfile.TemporaryDirectory(prefix="cancelwatch-demo-") as tmp,
        State.open(Path(tmp) / "state.db") as state,
    ):
        if progress is not None:
            progress(f"demo store for {marketplace} at {store.base_url}")
        target = Target(
            account="demo",
            marketplace=marketplace,
            base_url=store.base_url,
            credentials=lambda: Credentials(DEMO_EMAIL, DEMO_PASSWORD, DEMO_TOTP_SECRET),
            store=None,
        )

        def read() -> CrawlResult:
            with open_browser(cfg.browser.executable, headed=headed) as browser:
                return read_orders(
                    target,
                    browser,
                    options=replace(cfg.crawl, delay_seconds=0.2),
                    headed=headed,
                    progress=progress,
                )

        check = WatchedCheck(
            "demo", marketplace, store.base_url, cfg, state, notifier, language(cfg)
        )
        return check.run(read)


def sign_in_account(
    account: Account, cfg: Config, creds: Credentials, *, headed: bool = False
) -> CrawlResult:
    """Store the credentials, forget any old session and rejection, sign in, read one page."""
    store = secret_store()
    save_credentials(account.name, creds, store)
    drop_session(account.name)
    rejected_marker(account.name).unlink(missing_ok=True)
    target = target_for(account, credentials=lambda: creds)
    one_page = CrawlOptions(
        delay_seconds=cfg.crawl.delay_seconds,
        max_pages=1,
        retries=cfg.crawl.retries,
        timeout_seconds=cfg.crawl.timeout_seconds,
        render_wait_seconds=cfg.crawl.render_wait_seconds,
        lookback_days=0,
    )
    with open_browser(
        cfg.browser.executable, headed=headed, block_resources=cfg.browser.block_resources
    ) as browser:
        return read_orders(target, browser, options=one_page, headed=headed)


def validate_totp_secret(secret: str) -> None:
    try:
        pyotp.TOTP(secret).now()
    except (binascii.Error, ValueError):
        raise ConfigError(
            "that TOTP secret is not valid base32; copy the key your authenticator app shows "
            "when you add it (letters A–Z and digits 2–7)"
        ) from None
