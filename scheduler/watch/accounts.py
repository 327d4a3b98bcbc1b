"""A configured account: its target (site, credentials, session store), its check and its
sign-in, each at the time the given clock tells."""

from __future__ import annotations

import binascii
import logging
import threading
from collections.abc import Callable
from datetime import date, datetime

import pyotp

from cancelwatch.scheduler.config.settings import Account, Config
from cancelwatch.scheduler.notify.channels import Notifier
from cancelwatch.scheduler.notify.configured import language
from cancelwatch.scheduler.state.store import State
from cancelwatch.scheduler.watch.check import Target, open_browser, read_orders
from cancelwatch.scheduler.watch.monitor import Outcome, WatchedCheck
from cancelwatch.scraper.browse.crawl import CrawlResult
from cancelwatch.scraper.browse.credentials import (
    Credentials,
    drop_session,
    load_credentials,
    save_credentials,
    secret_store,
)
from cancelwatch.scraper.browse.login import rejected_marker
from cancelwatch.scraper.browse.options import CrawlOptions
from cancelwatch.scraper.errors import ConfigError
from cancelwatch.scraper.read.markup import load_selectors
from cancelwatch.scraper.read.model import Order, order_from_json

Clock = Callable[[], datetime]

log = logging.getLogger(__name__)


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


def local_today(clock: Clock) -> date:
    """The day it is here at the clock's instant, as `date.today()` tells it on the wall
    clock: the day the crawl counts its look-back from."""
    return clock().astimezone().date()


def check_account(
    account: Account,
    cfg: Config,
    state: State,
    notifier: Notifier,
    *,
    clock: Clock,
    headed: bool = False,
    progress: Callable[[str], None] | None = None,
    stop: threading.Event | None = None,
) -> Outcome:
    """One watched check of a configured account: read, assess, record, alert."""
    target = target_for(account)
    today = local_today(clock)

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
                previous=previous_sight(state, account.name),
                read_before=state.read_before(account.name),
            )

    check = WatchedCheck(
        account.name,
        account.marketplace,
        target.base_url,
        cfg,
        state,
        notifier,
        language(cfg),
        clock,
    )
    return check.run(read)


def previous_sight(state: State, account: str) -> Callable[[str], Order | None]:
    """An order of `account` as the last check saw it, for the crawl; None when state.db
    has none or holds one that does not read (the crawl then reads the details page)."""

    def sight(order_id: str) -> Order | None:
        stored = state.order(order_id, account)
        if stored is None:
            return None
        try:
            return order_from_json(stored.order)
        except (KeyError, TypeError, ValueError, AttributeError, ArithmeticError):
            log.info("order %s in state.db does not read; reading its details page", order_id)
            return None

    return sight


def sign_in_account(
    account: Account, cfg: Config, creds: Credentials, *, clock: Clock, headed: bool = False
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
        return read_orders(
            target, browser, options=one_page, headed=headed, today=local_today(clock)
        )


def validate_totp_secret(secret: str) -> None:
    try:
        pyotp.TOTP(secret).now()
    except (binascii.Error, ValueError):
        raise ConfigError(
            "that TOTP secret is not valid base32; copy the key your authenticator app shows "
            "when you add it (letters A–Z and digits 2–7)"
        ) from None
