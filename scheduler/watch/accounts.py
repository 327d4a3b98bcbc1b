"""A configured account: its target (site, credentials, session store), its check and its
sign-in, each at the time the given clock tells."""

from __future__ import annotations

import binascii
import logging
import threading
from collections.abc import Callable
from datetime import date, datetime, timedelta

import pyotp

from cancelwatch.scheduler.config.settings import Account, Config
from cancelwatch.scheduler.notify.channels import Notifier
from cancelwatch.scheduler.notify.configured import language
from cancelwatch.scheduler.state.store import State
from cancelwatch.scheduler.watch.check import (
    Target,
    load_session_ahead,
    open_browser,
    read_orders,
)
from cancelwatch.scheduler.watch.monitor import Outcome, WatchedCheck
from cancelwatch.scraper.browse.crawl import CrawlResult, Sight
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
from cancelwatch.scraper.read.model import order_from_json, tracking_from_json

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
    refresh = timedelta(hours=cfg.crawl.refresh_hours)

    def read() -> CrawlResult:
        with (
            load_session_ahead(target) as session,
            open_browser(
                cfg.browser.executable,
                headed=headed,
                block_resources=cfg.browser.block_resources,
                marketplace=account.marketplace,
            ) as browser,
        ):
            return read_orders(
                target,
                browser,
                options=cfg.crawl,
                headed=headed,
                today=today,
                known_open_since=state.known_open_since(account.name, today),
                progress=progress,
                stop=stop,
                previous=previous_sight(state, account.name, clock(), refresh),
                read_before=state.read_before(account.name),
                lang=language(cfg),
                session=session,
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


def previous_sight(
    state: State, account: str, now: datetime, refresh: timedelta
) -> Callable[[str], Sight | None]:
    """An order of `account` as the last check saw it, for the crawl, with whether the
    details and tracking pages read for it are younger than `refresh` at `now`; None when
    state.db has none or holds one that does not read (the crawl then reads its pages)."""

    def recent(read_at: datetime | None) -> bool:
        return read_at is not None and now - refresh < read_at <= now

    def sight(order_id: str) -> Sight | None:
        stored = state.order(order_id, account)
        if stored is None:
            return None
        try:
            order = order_from_json(stored.order)
            tracking = tuple(tracking_from_json(t) for t in stored.tracking)
        except (KeyError, TypeError, ValueError, AttributeError, ArithmeticError):
            log.info("order %s in state.db does not read; reading its pages", order_id)
            return None
        return Sight(
            order,
            tracking,
            details_recent=recent(stored.details_read_at),
            tracking_recent=recent(stored.tracking_read_at),
        )

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
            target,
            browser,
            options=one_page,
            headed=headed,
            today=local_today(clock),
            lang=language(cfg),
        )


def validate_totp_secret(secret: str) -> None:
    try:
        pyotp.TOTP(secret).now()
    except (binascii.Error, ValueError):
        raise ConfigError(
            "that TOTP secret is not valid base32; copy the key your authenticator app shows "
            "when you add it (letters A–Z and digits 2–7)"
        ) from None
