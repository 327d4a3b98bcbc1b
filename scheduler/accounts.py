"""A configured account: its target (site, credentials, session store) and its check."""

from __future__ import annotations

import binascii
from collections.abc import Callable
from datetime import date

import pyotp

from scheduler.check import Target, open_browser, read_orders
from scheduler.config import Account, Config
from scraper.crawl import CrawlOptions, CrawlResult
from scraper.credentials import (
    Credentials,
    drop_session,
    load_credentials,
    save_credentials,
    secret_store,
)
from scraper.errors import ConfigError
from scraper.login import rejected_marker
from scraper.markup import load_selectors


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


def check_account(
    account: Account,
    cfg: Config,
    *,
    headed: bool = False,
    progress: Callable[[str], None] | None = None,
    today: date | None = None,
) -> tuple[CrawlResult, date]:
    today = today or date.today()
    target = target_for(account)
    with open_browser(cfg.browser.executable, headed=headed) as browser:
        result = read_orders(
            target,
            browser,
            options=cfg.crawl,
            block_resources=cfg.browser.block_resources,
            headed=headed,
            today=today,
            progress=progress,
        )
    return result, today


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
    with open_browser(cfg.browser.executable, headed=headed) as browser:
        return read_orders(
            target,
            browser,
            options=one_page,
            block_resources=cfg.browser.block_resources,
            headed=headed,
        )


def validate_totp_secret(secret: str) -> None:
    try:
        pyotp.TOTP(secret).now()
    except (binascii.Error, ValueError):
        raise ConfigError(
            "that TOTP secret is not valid base32; copy the key your authenticator app shows "
            "when you add it (letters A–Z and digits 2–7)"
        ) from None
