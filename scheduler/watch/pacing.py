"""When an account's next check may and should start: the checks state.db recorded (by
any process), the planner's reasons, the lock that lets one check run at a time, and the
limits a one-off `check` refuses by. Without the scheduler: `check` and `status` use it,
and they start no APScheduler.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from zoneinfo import ZoneInfo

from filelock import FileLock, Timeout

from cancelwatch.scheduler.config.settings import Config
from cancelwatch.scheduler.notify.configured import language
from cancelwatch.scheduler.policy.assess import WindowState
from cancelwatch.scheduler.policy.words import Lang, text
from cancelwatch.scheduler.state.store import State
from cancelwatch.scheduler.watch import planner as pl
from cancelwatch.scheduler.watch.monitor import FromState
from cancelwatch.scraper.paths import data_dir
from cancelwatch.scraper.read.markup import load_selectors

_CANCEL_WATCHED = (WindowState.OPEN, WindowState.AWAITING_APPROVAL)


# -- what the database says ---------------------------------------------------------------


def recorded_starts(state: State, account: str, now: datetime) -> list[datetime]:
    """The starts of the account's checks that state.db knows and the limits count
    (the last day's, for the ceiling; the latest, for the gap), whichever process ran
    them."""
    starts = state.check_starts(account, now - pl.DAY)
    last = state.last_check(account)
    if last is not None and last.started_at not in starts:
        starts.append(last.started_at)
    return starts


def watched(state: State, cfg: Config, account: str, now: datetime, lang: Lang) -> list[pl.Watched]:
    """The account's open windows, as the database last saw them, assessed at `now`."""
    found = []
    assess = FromState(state, cfg, now, lang)
    for stored in state.orders(account):
        if stored.vanished_at is not None:
            continue
        _, assessment = assess(stored)
        if not assessment.open:
            continue
        cancel = assessment.cancel
        if cancel.state in _CANCEL_WATCHED:
            found.append(
                pl.Watched(
                    stored.order_id,
                    cancel.closes_at,
                    cancel.known.value,
                    cfg.alerts.cancel_leads,
                    stored.first_seen,
                )
            )
        ret = assessment.ret
        if ret is not None and ret.state is WindowState.OPEN and ret.closes_at is not None:
            found.append(
                pl.Watched(
                    stored.order_id,
                    ret.closes_at,
                    ret.known.value,
                    cfg.alerts.return_leads,
                    stored.first_seen,
                )
            )
    return found


def next_planned(
    state: State,
    cfg: Config,
    account: str,
    now: datetime,
    lang: Lang,
    *,
    starts: Sequence[datetime] = (),
    requested: str | None = None,
    spread: float = 0.0,
) -> pl.Planned:
    """The account's next check, planned and within the limits: what `status` shows and
    the watcher keeps. `starts` adds the checks this process began (not yet recorded)."""
    every = sorted({*recorded_starts(state, account, now), *starts})  # the latest may be in both
    planned = pl.plan(
        watched(state, cfg, account, now, lang),
        last_start=max(every, default=None),
        now=now,
        cadence=pl.Cadence.of(cfg),
        lang=lang,
        spread=spread,
        requested=requested,
    )
    return pl.limited(planned, pl.earliest_allowed(every, now, pl.Limits.of(cfg)), lang)


# -- at most one check at a time, across processes -------------------------------------------


@contextmanager
def account_lock(account: str) -> Iterator[bool]:
    """Whether this process holds the account's check lock (the watcher's and a one-off
    `cancelwatch check`'s alike); never waits."""
    folder = data_dir()
    folder.mkdir(parents=True, exist_ok=True)
    lock = FileLock(folder / f"check-{account}.lock", mode=0o600)
    try:
        lock.acquire(timeout=0)
    except Timeout:
        yield False
        return
    try:
        yield True
    finally:
        lock.release()


def within_limits(state: State, cfg: Config, account: str, now: datetime, mine: bool) -> None:
    """Raise TooSoon when a check of `account` may not start now: another cancelwatch is
    checking it, or the gap since the last check recorded (by any process) or the daily
    ceiling holds it back. A one-off check refuses rather than waits: a command that sits
    for minutes looks hung, and running it again later is the user's choice."""
    lang = language(cfg)
    if not mine:
        raise pl.TooSoon(text(lang, "too_soon_busy", account=account))
    starts = recorded_starts(state, account, now)
    allowed = pl.earliest_allowed(starts, now, pl.Limits.of(cfg))
    if allowed.at <= now:
        return
    zone = _zone(cfg, account)
    raise pl.TooSoon(
        text(
            lang,
            "too_soon_limit",
            account=account,
            last=pl.local_time(max(starts), zone),
            limit=allowed.because,
            source=cfg.source or "config.toml",
            next=pl.local_time(allowed.at, zone),
            minutes=math.ceil((allowed.at - now).total_seconds() / 60),
        )
    )


def _zone(cfg: Config, account: str) -> ZoneInfo | None:
    """The account's marketplace zone; None (this computer's) for one not configured."""
    configured = cfg.accounts.get(account)
    if configured is None:
        return None
    return ZoneInfo(load_selectors(configured.marketplace).marketplace.timezone)
