"""Cancel windows and advice for one order, as pure functions (shared/DOMAIN.md).

The page decides whether an order can be cancelled now (`Order.cancellable`); the rules
here only explain why not and estimate until when. Nothing reads a clock or touches the
network: `now` comes in, and every instant goes out timezone-aware in UTC. "Start of day"
and "end of day" are in the marketplace's own zone, so a US date across a DST change is
23 or 25 hours long. A window is open while `now < closes_at`: an end of day is the first
instant of the next local day.

The article the product grew from makes claims Amazon does not support (sale items,
"3 months before ship date", Prime's 30 minutes). They appear as labelled hints in the
advice and never change a window.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from scheduler.advice_text import MONTHS, Lang, text
from scraper import carriers
from scraper.carriers import Carrier
from scraper.model import Cancellability, Item, Order, OrderStatus, PreOrder, Tracking


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
    """Estimated from a rule of DOMAIN.md or the user's configured rules."""
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


@dataclass(frozen=True)
class Advice:
    steps: tuple[str, ...]
    """What to do now, in order."""
    hints: tuple[str, ...]
    """The article's claims, labelled as such: context, never a verdict."""


@dataclass(frozen=True)
class Rules:
    seller_window: Mapping[str, timedelta]
    """Marketplace → how long after ordering a third-party seller order cancels directly."""
    kindle_refund_days: int = 7
    """Days to request a Kindle book refund, the order day included."""
    preorder_lead: timedelta = timedelta(days=2)
    """How long before the release day shipment preparation is assumed to start."""
    preorder_offsets: Mapping[str, timedelta] = field(default_factory=dict)
    """ASIN or title substring → cancel deadline this long before the release day."""
    account_risk_threshold: int = 3
    """Cancellations within `account_risk_days` that raise the note: our own choice."""
    account_risk_days: int = 30

    def __post_init__(self) -> None:
        if self.kindle_refund_days < 1:
            raise ValueError("kindle_refund_days must be at least 1 (the order day)")
        if self.account_risk_threshold < 1 or self.account_risk_days < 1:
            raise ValueError("account_risk_threshold and account_risk_days must be positive")
        negative = [k for k, v in self.seller_window.items() if v < timedelta(0)]
        negative += [k for k, v in self.preorder_offsets.items() if v < timedelta(0)]
        if self.preorder_lead < timedelta(0) or negative:
            raise ValueError(f"durations must not be negative: {negative or 'preorder_lead'}")


@dataclass(frozen=True)
class Assessment:
    order_id: str
    cancel: Window
    ret: Window | None
    """The return window, next to watch once the order can't be cancelled; None when the
    page shows none, for digital orders, and for cancelled or returned ones."""
    advice: Advice
    open: bool
    """Whether to keep watching: the cancel window is open or request-only, or the return
    window is open."""


def default_rules() -> Rules:
    """DOMAIN.md's numbers: 5 minutes for seller orders in Japan, 30 in the US."""
    return Rules(
        seller_window={
            "amazon.co.jp": timedelta(minutes=5),
            "amazon.com": timedelta(minutes=30),
        }
    )


def assess(
    order: Order,
    *,
    marketplace: str,
    timezone: str,
    now: datetime,
    rules: Rules,
    tracking: Sequence[Tracking] = (),
    first_seen: datetime | None = None,
    manual_deadline: datetime | None = None,
    lang: Lang = "en",
) -> Assessment:
    """The cancel window, the return window and the advice for `order` at `now`.

    `tracking` holds this order's tracking pages; `first_seen` is when cancelwatch first
    saw the order; `manual_deadline` is the user's own deadline, which wins over any other
    while the window is open (it never opens a closed one).
    """
    for name, value in (
        ("now", now),
        ("first_seen", first_seen),
        ("manual_deadline", manual_deadline),
    ):
        if value is not None and value.utcoffset() is None:
            raise ValueError(f"{name} must be timezone-aware, got {value!r}")
    ctx = _Ctx(
        order=order,
        marketplace=marketplace,
        zone=_zone(timezone),
        now=now.astimezone(UTC),
        rules=rules,
        tracking=tuple(tracking),
        first_seen=first_seen.astimezone(UTC) if first_seen else None,
        manual=manual_deadline.astimezone(UTC) if manual_deadline else None,
        lang=lang,
    )
    cancel = _cancel_window(ctx)
    ret = _return_window(ctx, cancel)
    advice = Advice(steps=tuple(_steps(ctx, cancel, ret)), hints=tuple(_hints(ctx, cancel)))
    watching = cancel.state in (WindowState.OPEN, WindowState.REQUEST_ONLY) or (
        ret is not None and ret.state is WindowState.OPEN
    )
    return Assessment(order.id, cancel, ret, advice, watching)


def account_risk_note(
    cancellations: Sequence[datetime], now: datetime, rules: Rules, lang: Lang = "en"
) -> str | None:
    """A note once the user's own cancellations within the last `account_risk_days` reach
    `account_risk_threshold`, saying the threshold is cancelwatch's own; else None."""
    since = now - timedelta(days=rules.account_risk_days)
    count = sum(1 for c in cancellations if since < c <= now)
    if count < rules.account_risk_threshold:
        return None
    return text(
        lang,
        "account_risk",
        count=count,
        days=rules.account_risk_days,
        threshold=rules.account_risk_threshold,
    )


# -- context and time --------------------------------------------------------------------


@dataclass(frozen=True)
class _Ctx:
    order: Order
    marketplace: str
    zone: ZoneInfo
    now: datetime
    rules: Rules
    tracking: tuple[Tracking, ...]
    first_seen: datetime | None
    manual: datetime | None
    lang: Lang

    def t(self, key: str, /, **values: object) -> str:
        return text(self.lang, key, **values)


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as e:
        raise ValueError(f"unknown time zone {name!r}") from e


def _start_of_day(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


def _end_of_day(day: date, zone: ZoneInfo) -> datetime:
    """The first instant after `day` in `zone`, in UTC (windows are open while now < it)."""
    return _start_of_day(day + timedelta(days=1), zone)


def _before_local(day: date, offset: timedelta, zone: ZoneInfo) -> datetime:
    # Aware arithmetic within one zone is wall-clock arithmetic: "2 days before midnight"
    # stays midnight across a DST change; only then is it turned into UTC.
    return (datetime.combine(day, time(0), tzinfo=zone) - offset).astimezone(UTC)


def _fmt_date(ctx: _Ctx, day: date) -> str:
    if ctx.lang == "ja":
        return f"{day.year}年{day.month}月{day.day}日"
    return f"{MONTHS[day.month - 1]} {day.day}, {day.year}"


def _fmt_when(ctx: _Ctx, instant: datetime) -> str:
    local = instant.astimezone(ctx.zone)
    return f"{_fmt_date(ctx, local.date())} {local:%H:%M} {local.tzname()}"


def _fmt_span(ctx: _Ctx, span: timedelta) -> str:
    seconds = int(span.total_seconds())
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds % size == 0 and seconds >= size:
            n = seconds // size
            return ctx.t(unit) if n == 1 else ctx.t(unit + "s", n=n)
    return ctx.t("minutes", n=round(seconds / 60, 1))


# -- what the order is -------------------------------------------------------------------


def _items(order: Order) -> tuple[Item, ...]:
    return order.items + tuple(i for s in order.shipments for i in s.items)


def _titles(order: Order) -> list[str]:
    return [unicodedata.normalize("NFKC", i.title).casefold() for i in _items(order) if i.title]


# The seller line of Amazon's own retail: "Amazon.co.jp", "Amazon.com Services, Inc",
# "Amazon Japan G.K.", "Amazon.com", "Amazon", "アマゾンジャパン合同会社".
_AMAZON_SELLER = re.compile(r"^(?:amazon(?:$|[\s.,]|\.?com|\.co)|アマゾン)")


def _third_party_seller(order: Order) -> str | None:
    """The first seller named on an item that is not Amazon itself, or None."""
    for item in _items(order):
        name = (item.seller or "").strip()
        folded = unicodedata.normalize("NFKC", name).casefold()
        if name and not _AMAZON_SELLER.match(folded):
            return name
    return None


class _Digital(StrEnum):
    KINDLE = "kindle"
    APP = "app"
    MUSIC = "music"
    VIDEO = "video"
    OTHER = "other"


# Checked in order: a book about apps ("アプリ開発入門 Kindle版") is still a Kindle book.
_DIGITAL_WORDS: tuple[tuple[_Digital, tuple[str, ...]], ...] = (
    (_Digital.KINDLE, ("kindle",)),
    (_Digital.APP, ("appstore", "app store", "アプリ")),
    (_Digital.MUSIC, ("digital music", "デジタルミュージック", "amazon music")),
    (_Digital.VIDEO, ("prime video", "video", "ビデオ")),
)


def _digital_kind(order: Order) -> _Digital | None:
    if not (order.digital or order.id.startswith("D")):
        return None
    titles = _titles(order)
    for kind, words in _DIGITAL_WORDS:
        if any(w in title for title in titles for w in words):
            return kind
    return _Digital.OTHER


_RANK = {
    OrderStatus.PENDING: 0,
    OrderStatus.PREPARING: 1,
    OrderStatus.SHIPPED: 2,
    OrderStatus.IN_TRANSIT: 3,
    OrderStatus.DELIVERED: 4,
    OrderStatus.RETURNED: 5,
}


def _progress(ctx: _Ctx) -> OrderStatus:
    """The furthest status the order, its shipments or its tracking pages show."""
    seen: Iterable[OrderStatus] = (
        ctx.order.status,
        *(s.status for s in ctx.order.shipments),
        *(t.status for t in ctx.tracking),
    )
    known = [s for s in seen if s in _RANK]
    return max(known, key=_RANK.__getitem__) if known else OrderStatus.UNKNOWN


def _in_transit(status: OrderStatus) -> bool:
    return status in (OrderStatus.SHIPPED, OrderStatus.IN_TRANSIT)


# -- the cancel window -------------------------------------------------------------------


def _cancel_window(ctx: _Ctx) -> Window:
    order = ctx.order
    if order.status is OrderStatus.CANCELLED:
        return _window(WindowState.CANCELLED, None, Known.UNKNOWN, ctx.t("cancelled"))
    if order.cancellable is Cancellability.REQUEST:
        reason = ctx.t("request_only")
        if ctx.marketplace == "amazon.com":
            reason += ctx.t("us_seller_autocancel")
        return _window(WindowState.REQUEST_ONLY, None, Known.UNKNOWN, reason)
    digital = _digital_kind(order)
    if order.cancellable is Cancellability.YES:
        return _with_manual(ctx, _open_window(ctx, digital))
    if digital is not None:
        return _with_manual(ctx, _digital_window(ctx, digital))
    return _window(WindowState.CLOSED, None, Known.UNKNOWN, _closed_reason(ctx))


def _window(state: WindowState, closes_at: datetime | None, known: Known, reason: str) -> Window:
    return Window("cancel", state, closes_at, known, reason)


def _with_manual(ctx: _Ctx, window: Window) -> Window:
    """The user's own deadline wins over page and rule, but only while the window is open."""
    if ctx.manual is None or window.state is not WindowState.OPEN:
        return window
    return _window(
        WindowState.OPEN,
        ctx.manual,
        Known.USER,
        ctx.t("open_user", when=_fmt_when(ctx, ctx.manual)),
    )


def _open_window(ctx: _Ctx, digital: _Digital | None) -> Window:
    """The page offers the cancel control: open; estimate until when."""
    if digital is _Digital.KINDLE:
        return _digital_window(ctx, digital)
    closes_at, known, reason = _open_deadline(ctx)
    if known is Known.RULE and closes_at is not None and ctx.now >= closes_at:
        # The page is the truth: an estimate it outlived was too early.
        return _window(WindowState.OPEN, None, Known.UNKNOWN, reason + ctx.t("overdue"))
    return _window(WindowState.OPEN, closes_at, known, reason)


def _open_deadline(ctx: _Ctx) -> tuple[datetime | None, Known, str]:
    order, zone = ctx.order, ctx.zone
    pre = order.preorder
    if pre is not None and pre.cancel_deadline is not None:
        when = _end_of_day(pre.cancel_deadline, zone)
        date_text = _fmt_date(ctx, pre.cancel_deadline)
        return when, Known.PAGE, ctx.t("open_page_deadline", date=date_text, zone=zone.key)
    if pre is not None and pre.release_date is not None:
        offset = _preorder_offset(ctx)
        if offset is not None:
            key, span = offset
            when = _before_local(pre.release_date, span, zone)
            reason = ctx.t(
                "open_offset",
                key=key,
                offset=_fmt_span(ctx, span),
                release=_fmt_date(ctx, pre.release_date),
                when=_fmt_when(ctx, when),
            )
            return when, Known.RULE, reason
        when = _before_local(pre.release_date, ctx.rules.preorder_lead, zone)
        reason = ctx.t(
            "open_preorder_lead",
            release=_fmt_date(ctx, pre.release_date),
            lead=_fmt_span(ctx, ctx.rules.preorder_lead),
            when=_fmt_when(ctx, when),
        )
        return when, Known.RULE, reason
    if pre is not None:
        return None, Known.UNKNOWN, ctx.t("open_preorder_unknown")
    seller = _third_party_seller(order)
    if seller is not None:
        return _seller_deadline(ctx, seller)
    return None, Known.UNKNOWN, ctx.t("open_ordinary")


def _preorder_offset(ctx: _Ctx) -> tuple[str, timedelta] | None:
    """The user's per-item rule matching an item's ASIN or title; the earliest if several."""
    items = _items(ctx.order)
    asins = {i.asin.upper() for i in items if i.asin}
    titles = _titles(ctx.order)
    matches = [
        (key, span)
        for key, span in ctx.rules.preorder_offsets.items()
        if key.upper() in asins
        or any(unicodedata.normalize("NFKC", key).casefold() in t for t in titles)
    ]
    return max(matches, key=lambda m: m[1]) if matches else None


def _seller_deadline(ctx: _Ctx, seller: str) -> tuple[datetime | None, Known, str]:
    span = ctx.rules.seller_window.get(ctx.marketplace)
    common = {"seller": seller, "marketplace": ctx.marketplace}
    if span is None:
        return None, Known.UNKNOWN, ctx.t("open_seller_unknown", **common)
    common["window"] = _fmt_span(ctx, span)
    if ctx.first_seen is not None:
        # The order was placed before cancelwatch saw it, so this is an upper bound.
        when = ctx.first_seen + span
        seen = _fmt_when(ctx, ctx.first_seen)
        return (
            when,
            Known.RULE,
            ctx.t("open_seller_seen", seen=seen, when=_fmt_when(ctx, when), **common),
        )
    if ctx.order.placed_on is not None:
        when = _start_of_day(ctx.order.placed_on, ctx.zone) + span
        day = _fmt_date(ctx, ctx.order.placed_on)
        return (
            when,
            Known.RULE,
            ctx.t("open_seller_day", date=day, when=_fmt_when(ctx, when), **common),
        )
    return None, Known.UNKNOWN, ctx.t("open_seller_unknown", **common)


def _digital_window(ctx: _Ctx, kind: _Digital) -> Window:
    order = ctx.order
    if kind is _Digital.KINDLE and order.preorder is not None:
        return _kindle_preorder_window(ctx, order.preorder)
    if kind is _Digital.KINDLE:
        return _kindle_refund_window(ctx)
    if order.cancellable is Cancellability.YES:
        return _window(WindowState.OPEN, None, Known.UNKNOWN, ctx.t("open_ordinary"))
    key = {_Digital.APP: "digital_app", _Digital.MUSIC: "digital_music"}.get(kind, "digital_closed")
    return _window(WindowState.CLOSED, None, Known.UNKNOWN, ctx.t(key))


def _kindle_refund_window(ctx: _Ctx) -> Window:
    days = ctx.rules.kindle_refund_days
    placed = ctx.order.placed_on
    if placed is None:
        return _window(
            WindowState.OPEN, None, Known.UNKNOWN, ctx.t("kindle_refund_no_date", days=days)
        )
    last = placed + timedelta(days=days - 1)
    closes_at = _end_of_day(last, ctx.zone)
    values = {"days": days, "date": _fmt_date(ctx, placed), "last": _fmt_date(ctx, last)}
    if ctx.now >= closes_at:
        return _window(
            WindowState.CLOSED, closes_at, Known.RULE, ctx.t("kindle_refund_over", **values)
        )
    reason = ctx.t("kindle_refund", zone=ctx.zone.key, **values)
    return _window(WindowState.OPEN, closes_at, Known.RULE, reason)


def _kindle_preorder_window(ctx: _Ctx, pre: PreOrder) -> Window:
    if pre.cancel_deadline is not None:
        closes_at, known, reason = _open_deadline(ctx)
        state = WindowState.OPEN if closes_at is None or ctx.now < closes_at else WindowState.CLOSED
        return _window(state, closes_at, known, reason)
    if pre.release_date is None:
        return _window(WindowState.OPEN, None, Known.UNKNOWN, ctx.t("kindle_preorder_no_date"))
    closes_at = _start_of_day(pre.release_date, ctx.zone)
    release = _fmt_date(ctx, pre.release_date)
    if ctx.now >= closes_at:
        reason = ctx.t("kindle_preorder_released", release=release)
        return _window(WindowState.CLOSED, closes_at, Known.RULE, reason)
    reason = ctx.t("kindle_preorder", release=release, when=_fmt_when(ctx, closes_at))
    return _window(WindowState.OPEN, closes_at, Known.RULE, reason)


def _closed_reason(ctx: _Ctx) -> str:
    status = _progress(ctx)
    if status is OrderStatus.PREPARING:
        return ctx.t("closed_preparing")
    if _in_transit(status):
        return ctx.t("closed_shipped")
    if status is OrderStatus.DELIVERED:
        return ctx.t("closed_delivered")
    if status is OrderStatus.RETURNED:
        return ctx.t("closed_returned")
    if ctx.order.preorder is not None:
        return ctx.t("closed_preorder")
    return ctx.t("closed_no_control")


# -- the return window -------------------------------------------------------------------


def _return_window(ctx: _Ctx, cancel: Window) -> Window | None:
    order = ctx.order
    if order.return_until is None or _digital_kind(order) is not None:
        return None
    if cancel.state is WindowState.CANCELLED or _progress(ctx) is OrderStatus.RETURNED:
        return None
    closes_at = _end_of_day(order.return_until, ctx.zone)
    day = _fmt_date(ctx, order.return_until)
    if ctx.now < closes_at:
        reason = ctx.t("return_open", date=day, zone=ctx.zone.key)
        return Window("return", WindowState.OPEN, closes_at, Known.PAGE, reason)
    return Window(
        "return", WindowState.CLOSED, closes_at, Known.PAGE, ctx.t("return_closed", date=day)
    )


# -- advice ------------------------------------------------------------------------------


def _steps(ctx: _Ctx, cancel: Window, ret: Window | None) -> list[str]:
    order = ctx.order
    seller = _third_party_seller(order)
    seller_name = seller or ctx.t("the_seller")
    if cancel.state is WindowState.CANCELLED:
        return [ctx.t("step_cancelled")]
    if cancel.state is WindowState.REQUEST_ONLY:
        return [
            ctx.t("step_request", order_id=order.id, seller=seller_name),
            ctx.t("step_contact_seller", seller=seller_name),
            ctx.t("step_if_ships"),
        ]
    digital = _digital_kind(order)
    if cancel.state is WindowState.OPEN:
        return _open_steps(ctx, cancel, digital, seller)
    if digital is not None:
        return [ctx.t("step_digital_cs")]
    return _closed_steps(ctx, ret, seller)


def _open_steps(
    ctx: _Ctx, cancel: Window, digital: _Digital | None, seller: str | None
) -> list[str]:
    before = ctx.t("before", when=_fmt_when(ctx, cancel.closes_at)) if cancel.closes_at else ""
    order = ctx.order
    if digital is _Digital.KINDLE and order.preorder is not None:
        return [ctx.t("step_kindle_preorder", order_id=order.id, before=before)]
    if digital is _Digital.KINDLE and order.cancellable is not Cancellability.YES:
        return [ctx.t("step_kindle_refund", before=before)]
    steps = [ctx.t("step_cancel", order_id=order.id, before=before)]
    if seller is not None:
        steps.append(ctx.t("step_seller_after", seller=seller))
    return steps


def _closed_steps(ctx: _Ctx, ret: Window | None, seller: str | None) -> list[str]:
    status = _progress(ctx)
    return_open = ret is not None and ret.state is WindowState.OPEN
    return_by = (
        [ctx.t("step_return_by", date=_fmt_date(ctx, ctx.order.return_until))]
        if (return_open and ctx.order.return_until is not None)
        else []
    )
    if status is OrderStatus.RETURNED:
        return [ctx.t("step_returned")]
    if status is OrderStatus.DELIVERED:
        return return_by or [ctx.t("step_no_return")]
    if _in_transit(status):
        return _shipped_steps(ctx, seller) + return_by
    steps = []
    if seller is not None:
        steps.append(ctx.t("step_contact_seller", seller=seller))
    steps += [ctx.t("step_cs_preparing"), ctx.t("step_later_refuse")]
    return steps + return_by


_AMAZON_CANCELS_DELIVERY = frozenset({"amazon.com", "amazon.co.uk"})
_COUNTRY = {"amazon.co.jp": "JP", "amazon.com": "US", "amazon.co.uk": "GB"}
_JA_CARRIER = {
    Carrier.YAMATO: "ヤマト運輸",
    Carrier.SAGAWA: "佐川急便",
    Carrier.JAPAN_POST: "日本郵便",
    Carrier.AMAZON_JP: "Amazonのデリバリープロバイダ",
    Carrier.AMAZON_LOGISTICS: "Amazon Logistics",
}


def _carrier(ctx: _Ctx, track: Tracking) -> Carrier | None:
    if track.carrier is None:
        return None
    try:
        return Carrier(track.carrier)
    except ValueError:
        return carriers.carrier_from_name(track.carrier, country=_COUNTRY.get(ctx.marketplace))


def _carrier_name(ctx: _Ctx, track: Tracking, carrier: Carrier | None) -> str:
    if ctx.lang == "ja":
        named = track.carrier_printed or (_JA_CARRIER.get(carrier) if carrier else None)
        return named or track.carrier or ctx.t("the_carrier")
    return (
        carrier.value if carrier else track.carrier or track.carrier_printed or ctx.t("the_carrier")
    )


def _tracking_link(ctx: _Ctx, track: Tracking, carrier: Carrier | None) -> str:
    url = track.tracking_url
    if url is None and carrier is not None and track.tracking_id:
        url = carriers.tracking_url(carrier, track.tracking_id)
    return ctx.t("tracking_url", url=url) if url else ""


def _shipped_steps(ctx: _Ctx, seller: str | None) -> list[str]:
    """DOMAIN.md's playbook for an order that shipped and can't be cancelled on Amazon."""
    left = bool(ctx.order.left_at_door) or any(t.left_at_door for t in ctx.tracking)
    tracks = [t for t in ctx.tracking if t.tracking_id]
    steps: list[str] = []
    if ctx.marketplace in _AMAZON_CANCELS_DELIVERY and any(
        _carrier(ctx, t) is Carrier.AMAZON_LOGISTICS for t in ctx.tracking
    ):
        steps.append(ctx.t("step_amzl"))
    if seller is not None:
        steps.append(ctx.t("step_seller_shipped", seller=seller))
    steps.append(ctx.t("step_cs_left_at_door" if left else "step_cs_shipped"))
    carrier_key = "step_carrier_left_at_door" if left else "step_carrier"
    for track in tracks:
        carrier = _carrier(ctx, track)
        steps.append(
            ctx.t(
                carrier_key,
                carrier=_carrier_name(ctx, track, carrier),
                tracking_id=track.tracking_id,
                url=_tracking_link(ctx, track, carrier),
            )
        )
    if not tracks:
        steps.append(ctx.t("step_carrier_no_id"))
    steps.append(ctx.t("step_left_at_door_cancel" if left else "step_refuse"))
    return steps


def _hints(ctx: _Ctx, cancel: Window) -> list[str]:
    """The article's claims that bear on this order, labelled; they never change `cancel`."""
    order = ctx.order
    digital = _digital_kind(order)
    if cancel.state is WindowState.CANCELLED:
        return []
    if digital is not None:
        return [ctx.t("hint_video")] if digital is _Digital.VIDEO else []
    hints: list[str] = []
    status = _progress(ctx)
    ordinary = order.preorder is None and _third_party_seller(order) is None
    if cancel.state is WindowState.OPEN and ordinary:
        hints.append(ctx.t("hint_prime"))
    if order.preorder is not None:
        hints.append(ctx.t("hint_preorder"))
    if _RANK.get(status, 0) < _RANK[OrderStatus.DELIVERED]:
        hints.append(ctx.t("hint_sale"))
    if cancel.state is WindowState.CLOSED and _in_transit(status):
        hints += [ctx.t("hint_handover"), ctx.t("hint_prank")]
    return hints
