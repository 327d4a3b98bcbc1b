"""Which calendar events an order's windows make, as the policy assessed them: one per
window with a known or estimated close (cancel-by, a pre-order's deadline and its release
day, a Kindle book's last refund day, return-by, an unapproved Business order's lapse)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from cancelwatch.scheduler.config.settings import AlertSettings
from cancelwatch.scheduler.policy.assess import Assessment, Known, Window, WindowState
from cancelwatch.scheduler.policy.context import (
    Digital,
    digital_kind,
    start_of_day,
    with_plausible_dates,
)
from cancelwatch.scheduler.state.store import FeedEvent
from cancelwatch.scraper.read.model import Order

KEEP = timedelta(days=30)
"""How long an event stays in the feed after its time passed or it went away: long
enough for a calendar that syncs now and then to learn of it, short enough that the feed
does not grow with the order history."""

_CANCEL_KINDS = ("cancel", "preorder", "kindle_refund")
_ESTIMABLE = ("cancel", "preorder")
"""Kinds whose rule-made close is an estimate. A Kindle refund's last day and an approval's
lapse are Amazon's own rules applied to the order day, and a return date is the page's."""

_SAFE_ID = re.compile(r"[A-Za-z0-9-]{1,40}")


@dataclass(frozen=True)
class Dated:
    """An event the order's windows make now, with what its words and alarms need."""

    event: FeedEvent
    window: Window | None
    """The window it comes from; None for a release day."""
    leads: tuple[timedelta, ...]
    """The configured alert leads before `event.at` (none for a release or an approval)."""
    day: date | None = None
    """A release day: an all-day event on that date."""


def uid_for(account: str, order_id: str, kind: str) -> str:
    """One UID per account, order and kind, the same at every export: a calendar updates the
    event it has instead of adding a second. The account's name is hashed: it is the
    user's own label, and calendars get shared."""
    who = hashlib.sha256(account.encode()).hexdigest()[:16]
    order = (
        order_id
        if _SAFE_ID.fullmatch(order_id)
        else hashlib.sha256(order_id.encode()).hexdigest()[:24]
    )
    return f"{kind}-{order}-{who}@cancelwatch"


def dated(
    account: str,
    order: Order,
    assessment: Assessment,
    *,
    zone: ZoneInfo,
    alerts: AlertSettings,
    now: datetime,
) -> list[Dated]:
    """The events of one order at `now`: those whose time is no more than `KEEP` ago."""
    found = [
        *_cancel_event(account, order, assessment.cancel, alerts),
        *_release_event(account, order, assessment.cancel, zone),
        *_return_event(account, order, assessment.ret, alerts),
    ]
    return [d for d in found if d.event.at > now - KEEP]


def _event(account: str, order: Order, kind: str, at: datetime, estimated: bool) -> FeedEvent:
    return FeedEvent(account, uid_for(account, order.id, kind), kind, order.id, at, estimated)


def _cancel_event(
    account: str, order: Order, window: Window, alerts: AlertSettings
) -> Sequence[Dated]:
    if window.closes_at is None or window.state in (
        WindowState.CANCELLED,
        WindowState.REQUEST_ONLY,
    ):
        return ()
    kind = _cancel_kind(order, window)
    estimated = window.known is Known.HISTORY or (window.known is Known.RULE and kind in _ESTIMABLE)
    leads = alerts.cancel_leads if kind in _CANCEL_KINDS else ()
    event = _event(account, order, kind, window.closes_at, estimated)
    return (Dated(event, window, tuple(leads)),)


def _cancel_kind(order: Order, window: Window) -> str:
    if window.state is WindowState.AWAITING_APPROVAL:
        return "approval"
    if order.preorder is not None:
        return "preorder"
    if digital_kind(order) is Digital.KINDLE:
        return "kindle_refund"
    return "cancel"


def _release_event(account: str, order: Order, cancel: Window, zone: ZoneInfo) -> Sequence[Dated]:
    pre = with_plausible_dates(order).preorder
    if pre is None or pre.release_date is None or cancel.state is WindowState.CANCELLED:
        return ()
    at = start_of_day(pre.release_date, zone)
    return (Dated(_event(account, order, "release", at, False), None, (), pre.release_date),)


def _return_event(
    account: str, order: Order, window: Window | None, alerts: AlertSettings
) -> Sequence[Dated]:
    if window is None or window.closes_at is None:
        return ()
    event = _event(account, order, "return", window.closes_at, False)
    return (Dated(event, window, tuple(alerts.return_leads)),)
