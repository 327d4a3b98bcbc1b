"""amazon.co.uk and amazon.ca in the policy (issue 9, item 4): their seller windows, the
seller auto-cancel words, "cancel the delivery" where Amazon delivers, Amazon's own
retail names, and a marketplace the policy does not know, which gets no other site's rule.

Every expected instant is worked out by hand from the zone's rules:
Europe/London is GMT (UTC+0) until 2026-03-29 01:00 UTC and from 2026-10-25 01:00 UTC, BST
(UTC+1) in between; America/Toronto is EST (UTC-5) until 2026-03-08 07:00 UTC and from
2026-11-01 06:00 UTC, EDT (UTC-4) in between.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from cancelwatch.scheduler.policy.assess import (
    Assessment,
    Known,
    WindowState,
    assess,
    default_rules,
)
from cancelwatch.scheduler.policy.words import Lang
from cancelwatch.scraper.read.model import (
    Cancellability,
    Item,
    Order,
    OrderStatus,
    PreOrder,
    Tracking,
)

UK, CA, US, JP = "amazon.co.uk", "amazon.ca", "amazon.com", "amazon.co.jp"
ZONES = {
    UK: "Europe/London",
    CA: "America/Toronto",
    US: "America/Los_Angeles",
    JP: "Asia/Tokyo",
    "amazon.de": "Europe/Berlin",
}

BASE = Order(
    id="202-1234567-1234567",
    placed_on=date(2026, 7, 15),
    total=None,
    currency=None,
    status=OrderStatus.PENDING,
    cancellable=Cancellability.YES,
    cancel_url="/progress-tracker/package/preship/cancel-items?orderID=202-1234567-1234567",
    digital=False,
    preorder=None,
    left_at_door=None,
    return_until=None,
    items=(Item(title="Desk lamp", url=None, seller="Amazon.co.uk"),),
)
AMZL_ID = "TBA123456789012"


def order(**changes: Any) -> Order:
    return dataclasses.replace(BASE, **changes)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def seller_order(**changes: Any) -> Order:
    return order(items=(Item(title="Desk lamp", url=None, seller="Baker & Sons Ltd"),), **changes)


def check(o: Order, market: str, now: datetime, lang: Lang = "en", **kw: Any) -> Assessment:
    return assess(
        o,
        marketplace=market,
        timezone=ZONES[market],
        now=now,
        rules=default_rules(),
        lang=lang,
        **kw,
    )


# -- the seller windows ---------------------------------------------------------------------


def test_uk_seller_order_cancels_directly_for_30_minutes_from_first_seen() -> None:
    seen = utc(2026, 7, 15, 10)  # 11:00 BST
    a = check(seller_order(), UK, now=seen, first_seen=seen)
    assert (a.cancel.state, a.cancel.closes_at, a.cancel.known) == (
        WindowState.OPEN,
        utc(2026, 7, 15, 10, 30),
        Known.RULE,
    )
    assert "on amazon.co.uk you can cancel it directly for 30 minutes" in a.cancel.reason
    assert "no later than 15 July 2026 11:30 BST" in a.cancel.reason


@pytest.mark.parametrize(
    ("placed", "now", "closes_at"),
    [
        # The day BST starts: 00:00 is still GMT, so the day starts at 00:00 UTC.
        (date(2026, 3, 29), utc(2026, 3, 29, 0, 10), utc(2026, 3, 29, 0, 30)),
        # The day after: 00:00 BST is 23:00 UTC the day before.
        (date(2026, 3, 30), utc(2026, 3, 29, 23, 10), utc(2026, 3, 29, 23, 30)),
    ],
    ids=["bst-starts-that-day", "first-day-of-bst"],
)
def test_uk_seller_window_from_the_order_day_across_the_bst_change(
    placed: date, now: datetime, closes_at: datetime
) -> None:
    a = check(seller_order(placed_on=placed), UK, now=now)
    assert (a.cancel.closes_at, a.cancel.known) == (closes_at, Known.RULE)


def test_ca_seller_window_is_30_minutes_and_crosses_spring_forward_in_toronto() -> None:
    seen = utc(2026, 3, 8, 6, 50)  # 01:50 EST; clocks jump to 03:00 EDT at 07:00 UTC
    a = check(seller_order(placed_on=date(2026, 3, 8)), CA, now=seen, first_seen=seen)
    assert (a.cancel.closes_at, a.cancel.known) == (utc(2026, 3, 8, 7, 20), Known.RULE)
    assert "no later than March 8, 2026 03:20 EDT" in a.cancel.reason


def test_uk_seller_window_in_japanese_names_the_site() -> None:
    seen = utc(2026, 7, 15, 10)
    a = check(seller_order(), UK, now=seen, first_seen=seen, lang="ja")
    assert "amazon.co.ukでは注文から30分以内なら直接キャンセルでき" in a.cancel.reason
    assert "2026年7月15日 11:30 BST" in a.cancel.reason


# -- the seller auto-cancel words -----------------------------------------------------------


@pytest.mark.parametrize(
    ("market", "says_auto_cancel"),
    [(US, True), (CA, True), (UK, False), (JP, False), ("amazon.de", False)],
)
def test_request_only_mentions_the_7_day_auto_cancel_on_us_and_ca_only(
    market: str, says_auto_cancel: bool
) -> None:
    a = check(seller_order(cancellable=Cancellability.REQUEST), market, now=utc(2026, 7, 15, 12))
    assert a.cancel.state is WindowState.REQUEST_ONLY
    assert ("7 days after the expected ship date" in a.cancel.reason) is says_auto_cancel


# -- "cancel the delivery" ------------------------------------------------------------------


def shipped_by_amazon(market: str, carrier: str = "Amazon Logistics") -> tuple[str, ...]:
    o = order(status=OrderStatus.SHIPPED, cancellable=Cancellability.NO, cancel_url=None)
    track = Tracking(carrier=carrier, tracking_id=AMZL_ID, status=OrderStatus.IN_TRANSIT)
    return check(o, market, now=utc(2026, 7, 16), tracking=[track]).advice.steps


def test_uk_step_uses_the_uk_help_pages_labels() -> None:
    steps = shipped_by_amazon(UK)
    assert steps[0] == (
        'Amazon delivers it: open "Track My Parcel" and choose "Cancel the Delivery".'
    )


def test_us_step_keeps_the_us_labels() -> None:
    assert shipped_by_amazon(US)[0] == (
        'Amazon delivers it: open "Track package" and choose "Cancel this delivery".'
    )


@pytest.mark.parametrize("market", [CA, JP, "amazon.de"])
def test_no_cancel_the_delivery_step_where_no_source_offers_it(market: str) -> None:
    steps = shipped_by_amazon(market)
    assert not any("Cancel this delivery" in s or "Cancel the Delivery" in s for s in steps)
    assert "customer service" in steps[0]


@pytest.mark.parametrize(("market", "offered"), [(UK, True), (JP, False), ("amazon.de", False)])
def test_amazon_as_printed_carrier_follows_the_sites_country(market: str, offered: bool) -> None:
    # A name that is no canonical carrier is read with the site's country: Amazon is
    # Amazon Logistics in the UK, Amazon's delivery providers in Japan; a site the policy
    # does not know gets no step on the strength of another site's rule.
    steps = shipped_by_amazon(market, carrier="Delivered by Amazon")
    assert any("Cancel the Delivery" in s for s in steps) is offered


def test_unknown_marketplace_gets_no_site_rule_and_does_not_crash() -> None:
    now = utc(2026, 7, 15, 12)
    a = check(seller_order(), "amazon.de", now=now, first_seen=now)
    assert (a.cancel.state, a.cancel.closes_at, a.cancel.known) == (
        WindowState.OPEN,
        None,
        Known.UNKNOWN,
    )
    assert "knows no direct-cancel window on amazon.de" in a.cancel.reason


# -- Amazon's own retail is no third-party seller -------------------------------------------


@pytest.mark.parametrize(
    ("market", "seller"),
    [
        (UK, "Amazon.co.uk"),
        (UK, "Amazon EU S.à r.l."),
        (UK, "Amazon UK Services Ltd."),
        (CA, "Amazon.ca"),
        (CA, "Amazon.com.ca, Inc."),
    ],
)
def test_amazons_own_retail_names_are_not_a_seller(market: str, seller: str) -> None:
    now = utc(2026, 7, 15, 12)
    o = order(items=(Item(title="Desk lamp", url=None, seller=seller),))
    a = check(o, market, now=now, first_seen=now)
    assert (a.cancel.state, a.cancel.closes_at, a.cancel.known) == (
        WindowState.OPEN,
        None,
        Known.UNKNOWN,
    )


# -- days in the sites' own zones -----------------------------------------------------------


def test_uk_return_window_on_the_day_bst_ends_is_25_hours() -> None:
    def closes(day: date) -> datetime:
        o = order(status=OrderStatus.DELIVERED, cancellable=Cancellability.NO, return_until=day)
        ret = check(o, UK, now=utc(2026, 10, 1)).ret
        assert ret is not None and ret.closes_at is not None
        return ret.closes_at

    assert closes(date(2026, 10, 24)) == utc(2026, 10, 24, 23)  # 00:00 BST
    assert closes(date(2026, 10, 25)) == utc(2026, 10, 26, 0)  # 00:00 GMT
    assert closes(date(2026, 10, 25)) - closes(date(2026, 10, 24)) == timedelta(hours=25)


@pytest.mark.parametrize(
    ("release", "closes_at"),
    [
        (date(2026, 3, 10), utc(2026, 3, 8, 5)),  # 2026-03-08 00:00 EST
        (date(2026, 3, 11), utc(2026, 3, 9, 4)),  # 2026-03-09 00:00 EDT
    ],
    ids=["lead-starts-on-spring-forward-day", "lead-starts-after-it"],
)
def test_ca_preorder_estimate_is_local_midnight_in_toronto(
    release: date, closes_at: datetime
) -> None:
    a = check(order(preorder=PreOrder(release)), CA, now=utc(2026, 3, 1))
    assert (a.cancel.closes_at, a.cancel.known) == (closes_at, Known.RULE)
