"""What the cancel window, the return window and the advice all read: the user's `Rules`,
the context of one assessment (`Ctx`: the order, its marketplace's zone, `now`, the
language), local days and how to word them, and what kind of order it is (digital, a
third-party seller's, how far it has got)."""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cancelwatch.scheduler.policy.learned import Estimate, SellerKind
from cancelwatch.scheduler.policy.words import MONTHS, Lang, text
from cancelwatch.scraper.read.model import Item, Order, OrderStatus, Tracking

# -- rules -------------------------------------------------------------------------------


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


def default_rules() -> Rules:
    """docs/rules.md's numbers: 5 minutes for seller orders in Japan, 30 on amazon.com,
    amazon.co.uk and amazon.ca."""
    return Rules(
        seller_window={
            "amazon.co.jp": timedelta(minutes=5),
            "amazon.com": timedelta(minutes=30),
            "amazon.co.uk": timedelta(minutes=30),
            "amazon.ca": timedelta(minutes=30),
        }
    )


# -- what each site does differently ------------------------------------------------------


@dataclass(frozen=True)
class Site:
    """What the policy knows of one Amazon site beyond its seller window (docs/rules.md).

    A site not in `SITES` gets `UNKNOWN_SITE`: no other site's rule, silently or not."""

    country: str | None
    """ISO country for telling carriers apart ("Amazon" is Japan's delivery providers in JP)."""
    seller_autocancel: bool = False
    """Unshipped seller orders cancel themselves 7 days after the expected ship date."""
    cancel_delivery_step: str | None = None
    """The words of "Amazon delivers it: cancel the delivery" where Amazon offers it."""
    day_first: bool = False
    """English dates as the site prints them: "16 December 2025", not "December 16, 2025"."""


SITES: Mapping[str, Site] = {
    "amazon.co.jp": Site(country="JP"),
    "amazon.com": Site(country="US", seller_autocancel=True, cancel_delivery_step="step_amzl"),
    "amazon.co.uk": Site(country="GB", cancel_delivery_step="step_amzl_uk", day_first=True),
    # The auto-cancel is amazon.com's rule applied by assumption (no Canadian source yet);
    # "Cancel this delivery" is not assumed: a step naming a control the site may lack
    # would send you looking for it while the parcel moves on.
    "amazon.ca": Site(country="CA", seller_autocancel=True),
}
UNKNOWN_SITE = Site(country=None)


def site(marketplace: str) -> Site:
    return SITES.get(marketplace, UNKNOWN_SITE)


# -- context and time --------------------------------------------------------------------


@dataclass(frozen=True)
class Ctx:
    order: Order
    marketplace: str
    zone: ZoneInfo
    now: datetime
    rules: Rules
    tracking: tuple[Tracking, ...]
    first_seen: datetime | None
    manual: datetime | None
    lang: Lang
    learned: Mapping[SellerKind, Estimate] = field(default_factory=dict)
    """What the user's own history says of when preparation starts, by seller kind."""
    placed_by_mail: bool = False
    """`first_seen` is the order mail's Date: when the order was placed, not a bound."""

    def t(self, key: str, /, **values: object) -> str:
        return text(self.lang, key, **values)


def load_zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as e:
        raise ValueError(f"unknown time zone {name!r}") from e


def start_of_day(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


def end_of_day(day: date, zone: ZoneInfo) -> datetime:
    """The first instant after `day` in `zone`, in UTC (windows are open while now < it)."""
    return start_of_day(day + timedelta(days=1), zone)


def later_local(instant: datetime, days: int, zone: ZoneInfo) -> datetime:
    """`days` later at the same wall-clock time in `zone`, in UTC (23 or 25 hours a day
    across a DST change)."""
    return (instant.astimezone(zone) + timedelta(days=days)).astimezone(UTC)


def before_local(day: date, offset: timedelta, zone: ZoneInfo) -> datetime:
    # Aware arithmetic within one zone is wall-clock arithmetic: "2 days before midnight"
    # stays midnight across a DST change; only then is it turned into UTC.
    return (datetime.combine(day, time(0), tzinfo=zone) - offset).astimezone(UTC)


def fmt_date(ctx: Ctx, day: date) -> str:
    if ctx.lang == "ja":
        return f"{day.year}年{day.month}月{day.day}日"
    if site(ctx.marketplace).day_first:
        return f"{day.day} {MONTHS[day.month - 1]} {day.year}"
    return f"{MONTHS[day.month - 1]} {day.day}, {day.year}"


def fmt_when(ctx: Ctx, instant: datetime) -> str:
    local = instant.astimezone(ctx.zone)
    return f"{fmt_date(ctx, local.date())} {local:%H:%M} {local.tzname()}"


def fmt_span(ctx: Ctx, span: timedelta) -> str:
    seconds = int(span.total_seconds())
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds % size == 0 and seconds >= size:
            n = seconds // size
            return ctx.t(unit) if n == 1 else ctx.t(unit + "s", n=n)
    return ctx.t("minutes", n=round(seconds / 60, 1))


def fmt_about(ctx: Ctx, span: timedelta) -> str:
    """A learned duration, rounded as "about" reads: to 5 minutes under an hour and a
    half, to half hours under two days, then to days."""
    minutes = span.total_seconds() / 60
    if minutes < 90:
        return fmt_span(ctx, timedelta(minutes=max(5, 5 * _half_up(minutes / 5))))
    if minutes < 48 * 60:
        hours = _half_up(minutes / 30) / 2
        return ctx.t("hours", n=int(hours) if hours.is_integer() else hours)
    return fmt_span(ctx, timedelta(days=_half_up(minutes / (24 * 60))))


def _half_up(value: float) -> int:
    # round() goes to the even neighbour: 2.25 hours would read "2", not "2.5".
    return math.floor(value + 0.5)


# -- what the order is -------------------------------------------------------------------

# Amazon opened in 1995. A page date outside these years is misread or hostile, and near
# the ends of the calendar (years 1 and 9999) the day arithmetic above would overflow.
_PLAUSIBLE_YEARS = range(1995, 3000)


def _plausible(day: date | None) -> date | None:
    return day if day is not None and day.year in _PLAUSIBLE_YEARS else None


def with_plausible_dates(order: Order) -> Order:
    """`order` with every date that no Amazon page can mean made unknown (None)."""
    pre = order.preorder
    if pre is not None:
        pre = replace(
            pre,
            release_date=_plausible(pre.release_date),
            cancel_deadline=_plausible(pre.cancel_deadline),
        )
    return replace(
        order,
        placed_on=_plausible(order.placed_on),
        return_until=_plausible(order.return_until),
        preorder=pre,
    )


def order_items(order: Order) -> tuple[Item, ...]:
    return order.items + tuple(i for s in order.shipments for i in s.items)


def item_titles(order: Order) -> list[str]:
    return [
        unicodedata.normalize("NFKC", i.title).casefold() for i in order_items(order) if i.title
    ]


# The seller line of Amazon's own retail: "Amazon.co.jp", "Amazon.com Services, Inc",
# "Amazon Japan G.K.", "Amazon.com", "Amazon", "アマゾンジャパン合同会社".
_AMAZON_SELLER = re.compile(r"^(?:amazon(?:$|[\s.,]|\.?com|\.co)|アマゾン)")


def third_party_seller(order: Order) -> str | None:
    """The first seller named on an item that is not Amazon itself, or None."""
    for item in order_items(order):
        name = (item.seller or "").strip()
        folded = unicodedata.normalize("NFKC", name).casefold()
        if name and not _AMAZON_SELLER.match(folded):
            return name
    return None


class Digital(StrEnum):
    KINDLE = "kindle"
    APP = "app"
    MUSIC = "music"
    VIDEO = "video"
    OTHER = "other"


# Checked in order: a book about apps ("アプリ開発入門 Kindle版") is still a Kindle book.
_DIGITAL_WORDS: tuple[tuple[Digital, tuple[str, ...]], ...] = (
    (Digital.KINDLE, ("kindle",)),
    (Digital.APP, ("appstore", "app store", "アプリ")),
    (Digital.MUSIC, ("digital music", "デジタルミュージック", "amazon music")),
    (Digital.VIDEO, ("prime video", "video", "ビデオ")),
)


def digital_kind(order: Order) -> Digital | None:
    if not (order.digital or order.id.startswith("D")):
        return None
    titles = item_titles(order)
    for kind, words in _DIGITAL_WORDS:
        if any(w in title for title in titles for w in words):
            return kind
    return Digital.OTHER


RANK = {
    OrderStatus.PENDING: 0,
    OrderStatus.PREPARING: 1,
    OrderStatus.SHIPPED: 2,
    OrderStatus.IN_TRANSIT: 3,
    OrderStatus.DELIVERED: 4,
    OrderStatus.RETURNED: 5,
}


def progress(ctx: Ctx) -> OrderStatus:
    """The furthest status the order, its shipments or its tracking pages show."""
    seen: Iterable[OrderStatus] = (
        ctx.order.status,
        *(s.status for s in ctx.order.shipments),
        *(t.status for t in ctx.tracking),
    )
    known = [s for s in seen if s in RANK]
    return max(known, key=RANK.__getitem__) if known else OrderStatus.UNKNOWN


def in_transit(status: OrderStatus) -> bool:
    return status in (OrderStatus.SHIPPED, OrderStatus.IN_TRANSIT)
