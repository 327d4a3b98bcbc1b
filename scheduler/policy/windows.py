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
    fmt_date,
    fmt_span,
    fmt_when,
    in_transit,
    item_titles,
    order_items,
    progress,
    start_of_day,
    third_party_seller,
)
from cancelwatch.scraper.read.model import Cancellability, OrderStatus, PreOrder


class WindowState(StrEnum):
    OPEN = "open"
    """The window is open now: cancel (or, for a Kindle book, request a refund)."""
    REQUEST_ONLY = "request_only"
    """Seller order: cancellation can only be requested; the seller decides."""
    CLOSED = "closed"
    CANCELLED = "cancelled"


class Known(StrEnum):
    """How `Window.closes_at` is known."""

    PAGE = "page"
    """The page states it (a pre-order's cancel deadline, a return date)."""
    RULE = "rule"
    """Estimated from a rule of docs/rules.md or the user's configured rules."""
    USER = "user"
    """The user set this order's deadline by hand."""
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
    if order.cancellable is Cancellability.REQUEST:
        reason = ctx.t("request_only")
        if ctx.marketplace == "amazon.com":
            reason += ctx.t("us_seller_autocancel")
        return _window(WindowState.REQUEST_ONLY, None, Known.UNKNOWN, reason)
    digital = digital_kind(order)
    if order.cancellable is Cancellability.YES:
        return _with_manual(ctx, _open_window(ctx, digital))
    if digital is not None:
        return _with_manual(ctx, _digital_window(ctx, digital))
    return _window(WindowState.CLOSED, None, Known.UNKNOWN, _closed_reason(ctx))


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
    if known is Known.RULE and closes_at is not None and ctx.now >= closes_at:
        # The page is the truth: an estimate it outlived was too early.
        return _window(WindowState.OPEN, None, Known.UNKNOWN, reason + ctx.t("overdue"))
    return _window(WindowState.OPEN, closes_at, known, reason)


def _open_deadline(ctx: Ctx) -> tuple[datetime | None, Known, str]:
    order, zone = ctx.order, ctx.zone
    pre = order.preorder
    if pre is not None and pre.cancel_deadline is not None:
        when = end_of_day(pre.cancel_deadline, zone)
        date_text = fmt_date(ctx, pre.cancel_deadline)
        return when, Known.PAGE, ctx.t("open_page_deadline", date=date_text, zone=zone.key)
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
    return None, Known.UNKNOWN, ctx.t("open_ordinary")


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
        # The order was placed before cancelwatch saw it, so this is an upper bound.
        when = ctx.first_seen + span
        seen = fmt_when(ctx, ctx.first_seen)
        return (
            when,
            Known.RULE,
            ctx.t("open_seller_seen", seen=seen, when=fmt_when(ctx, when), **common),
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
    reason = ctx.t("kindle_refund", zone=ctx.zone.key, **values)
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
        reason = ctx.t("return_open", date=day, zone=ctx.zone.key)
        return Window("return", WindowState.OPEN, closes_at, Known.PAGE, reason)
    return Window(
        "return", WindowState.CLOSED, closes_at, Known.PAGE, ctx.t("return_closed", date=day)
    )
