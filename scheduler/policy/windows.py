"""When an order's cancel window and return window close, and why, in plain words.

The page decides whether the order can be cancelled now; these rules explain why not and
estimate until when (the contract is in `cancelwatch.scheduler.policy.assess`'s docstring)."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Literal

from cancelwatch.scheduler.policy.context import (
    Ctx,
    Digital,
    before_local,
    digital_kind,
    end_of_day,
    fmt_about,
    fmt_date,
    fmt_span,
    fmt_when,
    in_transit,
    item_titles,
    later_local,
    order_items,
    progress,
    site,
    start_of_day,
    third_party_seller,
)
from cancelwatch.scheduler.policy.learned import order_time
from cancelwatch.scraper.read.model import Approval, Cancellability, OrderStatus, PreOrder


class WindowState(StrEnum):
    OPEN = "open"
    """The window is open now: cancel (or, for a Kindle book, request a refund)."""
    REQUEST_ONLY = "request_only"
    """Seller order: cancellation can only be requested; the seller decides."""
    CLOSED = "closed"
    CANCELLED = "cancelled"
    AWAITING_APPROVAL = "awaiting_approval"
    """Amazon Business: the approver decides; unapproved, the order cancels itself after
    `APPROVAL_DAYS` (`closes_at`)."""


APPROVAL_DAYS = 7
"""Amazon Business: an order its approver has not approved cancels itself this many days
(weekends included) after it was placed (docs/rules.md)."""


class Known(StrEnum):
    """How `Window.closes_at` is known."""

    PAGE = "page"
    """The page states it (a pre-order's cancel deadline, a return date)."""
    RULE = "rule"
    """Estimated from a rule of docs/rules.md or the user's configured rules."""
    USER = "user"
    """The user set this order's deadline by hand."""
    HISTORY = "history"
    """Estimated from when preparation started for the user's own earlier orders
    (`cancelwatch.scheduler.policy.learned`)."""
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Window:
    kind: Literal["cancel", "return"]
    state: WindowState
    closes_at: datetime | None
    """Aware, in UTC; None when nobody can tell (or the window has no end to watch)."""
    known: Known
    reason: str
    """Plain words, in the chosen language."""


# -- the cancel window -------------------------------------------------------------------


def cancel_window(ctx: Ctx) -> Window:
    order = ctx.order
    if order.status is OrderStatus.CANCELLED:
        return _window(WindowState.CANCELLED, None, Known.UNKNOWN, ctx.t("cancelled"))
    approval = _approval_window(ctx)
    if approval is not None:
        return approval
    if order.cancellable is Cancellability.REQUEST:
        reason = ctx.t("request_only")
        if site(ctx.marketplace).seller_autocancel:
            reason += ctx.t("us_seller_autocancel")
        return _window(WindowState.REQUEST_ONLY, None, Known.UNKNOWN, reason)
    digital = digital_kind(order)
    if order.cancellable is Cancellability.YES:
        return _with_manual(ctx, _open_window(ctx, digital))
    if digital is not None:
        return _with_manual(ctx, _digital_window(ctx, digital))
    return _window(WindowState.CLOSED, None, Known.UNKNOWN, _closed_reason(ctx))


# -- Amazon Business approval ------------------------------------------------------------


def _approval_window(ctx: Ctx) -> Window | None:
    """The window of a Business order its approver has not let through; None for any other
    (an approved order, or one whose page shows no approval box, is an ordinary order)."""
    order = ctx.order
    if order.approval is Approval.PENDING:
        return _pending_window(ctx)
    if order.approval is Approval.REJECTED and _rejected_outright(ctx):
        return _window(WindowState.CANCELLED, None, Known.UNKNOWN, ctx.t("approval_rejected"))
    return None


def _rejected_outright(ctx: Ctx) -> bool:
    # An approver may reject some items and let the rest go ahead: while the page offers
    # a control or shows any progress, the rest is an ordinary order.
    status = progress(ctx)
    return ctx.order.cancellable is Cancellability.NO and status in (
        OrderStatus.PENDING,
        OrderStatus.UNKNOWN,
    )


def _pending_window(ctx: Ctx) -> Window:
    latest = approval_expiry(ctx)
    by = approval_by(ctx, latest)
    reason = ctx.t("approval_pending", by=by)
    if latest is None:
        return _window(WindowState.AWAITING_APPROVAL, None, Known.UNKNOWN, reason)
    if ctx.now >= latest:
        # The page is the truth: it still shows the order awaiting approval.
        reason += ctx.t("approval_overdue")
        return _window(WindowState.AWAITING_APPROVAL, None, Known.UNKNOWN, reason)
    return _window(WindowState.AWAITING_APPROVAL, latest, Known.RULE, reason)


def approval_expiry(ctx: Ctx) -> datetime | None:
    """The latest instant an unapproved order cancels itself: `APPROVAL_DAYS` calendar days
    after it was placed, at the time of day it was placed, in the marketplace's zone. The
    page gives only the day, so the end of that day; cancelwatch's first sight of the
    order, when on that day, narrows it."""
    placed, seen, zone = ctx.order.placed_on, ctx.first_seen, ctx.zone
    if placed is None:
        return later_local(seen, APPROVAL_DAYS, zone) if seen is not None else None
    latest = end_of_day(placed + timedelta(days=APPROVAL_DAYS), zone)
    if seen is not None and seen >= start_of_day(placed, zone):
        latest = min(latest, later_local(seen, APPROVAL_DAYS, zone))
    return latest


def approval_by(ctx: Ctx, latest: datetime | None) -> str:
    """When an unapproved order cancels itself, in words."""
    placed, days = ctx.order.placed_on, APPROVAL_DAYS
    if latest is None:
        return ctx.t("approval_by_unknown", days=days)
    when = fmt_when(ctx, latest)
    if placed is None:
        return ctx.t("approval_by_seen", days=days, when=when)
    day = fmt_date(ctx, placed + timedelta(days=days))
    return ctx.t("approval_by_day", days=days, date=fmt_date(ctx, placed), day=day, when=when)


# -- the other windows --------------------------------------------------------------------


def _window(state: WindowState, closes_at: datetime | None, known: Known, reason: str) -> Window:
    return Window("cancel", state, closes_at, known, reason)


def _with_manual(ctx: Ctx, window: Window) -> Window:
    """The user's own deadline wins over page and rule, but only while the window is open."""
    if ctx.manual is None or window.state is not WindowState.OPEN:
        return window
    return _window(
        WindowState.OPEN,
        ctx.manual,
        Known.USER,
        ctx.t("open_user", when=fmt_when(ctx, ctx.manual)),
    )


def _open_window(ctx: Ctx, digital: Digital | None) -> Window:
    """The page offers the cancel control: open; estimate until when."""
    if digital is Digital.KINDLE:
        return _digital_window(ctx, digital)
    closes_at, known, reason = _open_deadline(ctx)
    estimated = known in (Known.RULE, Known.HISTORY)
    if estimated and closes_at is not None and ctx.now >= closes_at:
        # The page is the truth: an estimate it outlived was too early.
        return _window(WindowState.OPEN, None, Known.UNKNOWN, reason + ctx.t("overdue"))
    return _window(WindowState.OPEN, closes_at, known, reason)


def _open_deadline(ctx: Ctx) -> tuple[datetime | None, Known, str]:
    order, zone = ctx.order, ctx.zone
    pre = order.preorder
    if pre is not None and pre.cancel_deadline is not None:
        when = end_of_day(pre.cancel_deadline, zone)
        date_text = fmt_date(ctx, pre.cancel_deadline)
        return (
            when,
            Known.PAGE,
            ctx.t("open_page_deadline", date=date_text, zone=_zone_name(when.astimezone(zone))),
        )
    if pre is not None and pre.release_date is not None:
        offset = _preorder_offset(ctx)
        if offset is not None:
            key, span = offset
            when = before_local(pre.release_date, span, zone)
            reason = ctx.t(
                "open_offset",
                key=key,
                offset=fmt_span(ctx, span),
                release=fmt_date(ctx, pre.release_date),
                when=fmt_when(ctx, when),
            )
            return when, Known.RULE, reason
        when = before_local(pre.release_date, ctx.rules.preorder_lead, zone)
        reason = ctx.t(
            "open_preorder_lead",
            release=fmt_date(ctx, pre.release_date),
            lead=fmt_span(ctx, ctx.rules.preorder_lead),
            when=fmt_when(ctx, when),
        )
        return when, Known.RULE, reason
    if pre is not None:
        return None, Known.UNKNOWN, ctx.t("open_preorder_unknown")
    seller = third_party_seller(order)
    if seller is not None:
        return _seller_deadline(ctx, seller)
    return _learned_deadline(ctx)


def _learned_deadline(ctx: Ctx) -> tuple[datetime | None, Known, str]:
    """An ordinary order closes when preparation starts, which no page says: the user's
    own history estimates it, from the best known order time plus the 10th percentile."""
    learned = ctx.learned.get("amazon")
    ordered = _ordered_at(ctx)
    if learned is None or ordered is None:
        return None, Known.UNKNOWN, ctx.t("open_ordinary")
    when = ordered + learned.p10
    reason = ctx.t(
        "open_history",
        median=fmt_about(ctx, learned.median),
        count=learned.count,
        marketplace=ctx.marketplace,
        early=fmt_about(ctx, learned.p10),
        when=fmt_when(ctx, when),
    )
    return when, Known.HISTORY, reason


def _ordered_at(ctx: Ctx) -> datetime | None:
    placed = ctx.order.placed_on
    if ctx.first_seen is not None:
        return order_time(ctx.first_seen, placed, ctx.zone)
    return start_of_day(placed, ctx.zone) if placed is not None else None


def _preorder_offset(ctx: Ctx) -> tuple[str, timedelta] | None:
    """The user's per-item rule matching an item's ASIN or title; the earliest if several."""
    items = order_items(ctx.order)
    asins = {i.asin.upper() for i in items if i.asin}
    titles = item_titles(ctx.order)
    matches = [
        (key, span)
        for key, span in ctx.rules.preorder_offsets.items()
        if key.upper() in asins
        or any(unicodedata.normalize("NFKC", key).casefold() in t for t in titles)
    ]
    return max(matches, key=lambda m: m[1]) if matches else None


def _seller_deadline(ctx: Ctx, seller: str) -> tuple[datetime | None, Known, str]:
    span = ctx.rules.seller_window.get(ctx.marketplace)
    common = {"seller": seller, "marketplace": ctx.marketplace}
    if span is None:
        return None, Known.UNKNOWN, ctx.t("open_seller_unknown", **common)
    common["window"] = fmt_span(ctx, span)
    if ctx.first_seen is not None:
        # The order was placed before cancelwatch saw it, so this is an upper bound; its
        # order mail's Date, where the monitor passes that, is the placing itself.
        when = ctx.first_seen + span
        seen = fmt_when(ctx, ctx.first_seen)
        # An approved Business order reaches its seller when approved: the monitor passes
        # that moment as first_seen.
        if ctx.order.approval is Approval.APPROVED:
            key = "open_seller_approved"
        else:
            key = "open_seller_mailed" if ctx.placed_by_mail else "open_seller_seen"
        return (
            when,
            Known.RULE,
            ctx.t(key, seen=seen, when=fmt_when(ctx, when), **common),
        )
    if ctx.order.placed_on is not None:
        when = start_of_day(ctx.order.placed_on, ctx.zone) + span
        day = fmt_date(ctx, ctx.order.placed_on)
        return (
            when,
            Known.RULE,
            ctx.t("open_seller_day", date=day, when=fmt_when(ctx, when), **common),
        )
    return None, Known.UNKNOWN, ctx.t("open_seller_unknown", **common)


def _digital_window(ctx: Ctx, kind: Digital) -> Window:
    order = ctx.order
    if kind is Digital.KINDLE and order.preorder is not None:
        return _kindle_preorder_window(ctx, order.preorder)
    if kind is Digital.KINDLE:
        return _kindle_refund_window(ctx)
    if order.cancellable is Cancellability.YES:
        return _window(WindowState.OPEN, None, Known.UNKNOWN, ctx.t("open_ordinary"))
    key = {Digital.APP: "digital_app", Digital.MUSIC: "digital_music"}.get(kind, "digital_closed")
    return _window(WindowState.CLOSED, None, Known.UNKNOWN, ctx.t(key))


def _kindle_refund_window(ctx: Ctx) -> Window:
    days = ctx.rules.kindle_refund_days
    placed = ctx.order.placed_on
    if placed is None:
        return _window(
            WindowState.OPEN, None, Known.UNKNOWN, ctx.t("kindle_refund_no_date", days=days)
        )
    last = placed + timedelta(days=days - 1)
    closes_at = end_of_day(last, ctx.zone)
    values = {"days": days, "date": fmt_date(ctx, placed), "last": fmt_date(ctx, last)}
    if ctx.now >= closes_at:
        return _window(
            WindowState.CLOSED, closes_at, Known.RULE, ctx.t("kindle_refund_over", **values)
        )
    reason = ctx.t("kindle_refund", zone=_zone_name(closes_at.astimezone(ctx.zone)), **values)
    return _window(WindowState.OPEN, closes_at, Known.RULE, reason)


def _kindle_preorder_window(ctx: Ctx, pre: PreOrder) -> Window:
    if pre.cancel_deadline is not None:
        closes_at, known, reason = _open_deadline(ctx)
        state = WindowState.OPEN if closes_at is None or ctx.now < closes_at else WindowState.CLOSED
        return _window(state, closes_at, known, reason)
    if pre.release_date is None:
        return _window(WindowState.OPEN, None, Known.UNKNOWN, ctx.t("kindle_preorder_no_date"))
    closes_at = start_of_day(pre.release_date, ctx.zone)
    release = fmt_date(ctx, pre.release_date)
    if ctx.now >= closes_at:
        reason = ctx.t("kindle_preorder_released", release=release)
        return _window(WindowState.CLOSED, closes_at, Known.RULE, reason)
    reason = ctx.t("kindle_preorder", release=release, when=fmt_when(ctx, closes_at))
    return _window(WindowState.OPEN, closes_at, Known.RULE, reason)


def _closed_reason(ctx: Ctx) -> str:
    status = progress(ctx)
    if status is OrderStatus.PREPARING:
        return ctx.t("closed_preparing")
    if in_transit(status):
        return ctx.t("closed_shipped")
    if status is OrderStatus.DELIVERED:
        return ctx.t("closed_delivered")
    if status is OrderStatus.RETURNED:
        return ctx.t("closed_returned")
    if ctx.order.preorder is not None:
        return ctx.t("closed_preorder")
    return ctx.t("closed_no_control")


# -- the return window -------------------------------------------------------------------


def return_window(ctx: Ctx, cancel: Window) -> Window | None:
    order = ctx.order
    if order.return_until is None or digital_kind(order) is not None:
        return None
    if cancel.state is WindowState.CANCELLED or progress(ctx) is OrderStatus.RETURNED:
        return None
    closes_at = end_of_day(order.return_until, ctx.zone)
    day = fmt_date(ctx, order.return_until)
    if ctx.now < closes_at:
        reason = ctx.t("return_open", date=day, zone=_zone_name(closes_at.astimezone(ctx.zone)))
        return Window("return", WindowState.OPEN, closes_at, Known.PAGE, reason)
    return Window(
        "return", WindowState.CLOSED, closes_at, Known.PAGE, ctx.t("return_closed", date=day)
    )


def _zone_name(end_of_day: datetime) -> str:
    """The zone's abbreviation on the day that ends at `end_of_day` (local): "JST", "EST"
    or "EDT", as the times around it are shown to people."""
    last_instant = end_of_day - timedelta(seconds=1)
    return last_instant.tzname() or str(last_instant.tzinfo)
