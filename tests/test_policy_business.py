"""Amazon Business approval in the policy (issue 9, item 5; docs/rules.md, rule 6).

An order awaiting approval is the approver's to decide: its window says so and when the
order cancels itself unapproved (7 calendar days after it was placed, at the time of day
it was placed, in the marketplace's zone). A rejected order needs nothing; an approved one
is an ordinary order.

Every expected instant is worked out by hand: Asia/Tokyo is UTC+9 all year;
Europe/London is GMT (UTC+0) until 2026-03-29 01:00 UTC, BST (UTC+1) after;
America/Toronto is EST (UTC-5) until 2026-03-08 07:00 UTC and from 2026-11-01 06:00 UTC,
EDT (UTC-4) in between.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime
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
    Approval,
    Cancellability,
    Item,
    Order,
    OrderStatus,
    Tracking,
)

ZONES = {
    "amazon.co.jp": "Asia/Tokyo",
    "amazon.co.uk": "Europe/London",
    "amazon.ca": "America/Toronto",
    "amazon.com": "America/Los_Angeles",
}

PENDING = Order(
    id="114-7654321-7654321",
    placed_on=date(2025, 7, 15),
    total=None,
    currency=None,
    status=OrderStatus.PENDING,
    cancellable=Cancellability.NO,
    cancel_url=None,
    digital=False,
    preorder=None,
    left_at_door=None,
    return_until=None,
    items=(Item(title="Printer paper, 5 reams", url=None, seller="Amazon.co.jp"),),
    approval=Approval.PENDING,
)


def order(**changes: Any) -> Order:
    return dataclasses.replace(PENDING, **changes)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def check(
    o: Order, *, now: datetime, market: str = "amazon.co.jp", lang: Lang = "en", **kw: Any
) -> Assessment:
    return assess(
        o,
        marketplace=market,
        timezone=ZONES[market],
        now=now,
        rules=default_rules(),
        lang=lang,
        **kw,
    )


NOON_JST = utc(2025, 7, 15, 3)


# -- awaiting approval ----------------------------------------------------------------------


def test_pending_order_lapses_by_the_end_of_the_7th_day_after_the_order_day() -> None:
    a = check(order(), now=NOON_JST)
    # Placed on 2025-07-15 (JST): it cancels itself during 2025-07-22, so by 07-23 00:00 JST.
    assert (a.cancel.state, a.cancel.closes_at, a.cancel.known) == (
        WindowState.AWAITING_APPROVAL,
        utc(2025, 7, 22, 15),
        Known.RULE,
    )
    assert a.cancel.reason == (
        "Awaiting approval (Amazon Business): your approver decides whether it goes ahead,"
        " not you. Unapproved, it cancels itself 7 days after it was placed (July 15, 2025):"
        " on July 22, 2025, no later than July 23, 2025 00:00 JST."
    )


def test_pending_order_is_watched_without_hints_or_return_window() -> None:
    a = check(order(), now=NOON_JST)
    assert a.open
    assert a.ret is None
    assert a.advice.hints == ()


def test_pending_advice_names_the_approver_the_approvals_page_and_the_lapse() -> None:
    steps = check(order(), now=NOON_JST).advice.steps
    assert steps == (
        "Your approver decides, not you: to stop order 114-7654321-7654321, ask them to reject"
        " it on Amazon Business's approvals page (the link in the order's approval box).",
        "Or let it lapse: unapproved, it cancels itself 7 days after it was placed"
        " (July 15, 2025): on July 22, 2025, no later than July 23, 2025 00:00 JST.",
        'If it is approved, it becomes an ordinary order: cancel it with "Cancel items" while'
        " the page offers it. cancelwatch keeps watching it.",
    )


def test_pending_advice_in_japanese() -> None:
    a = check(order(), now=NOON_JST, lang="ja")
    assert a.cancel.reason == (
        "承認待ちの注文です（Amazonビジネス）。注文を進めるかどうかは、あなたではなく承認者が"
        "決めます。承認されなければ、注文日（2025年7月15日）から7日後の2025年7月22日、"
        "遅くとも2025年7月23日 00:00 JSTまでに自動的にキャンセルされます。"
    )
    ask, wait, approved = a.advice.steps
    assert "承認者に却下を頼む" in ask and "114-7654321-7654321" in ask
    assert wait.endswith("遅くとも2025年7月23日 00:00 JSTまでに自動でキャンセルされる。")
    assert "「商品をキャンセル」" in approved


def test_first_seen_on_the_order_day_narrows_the_lapse_across_the_bst_change() -> None:
    # Seen 2026-03-25 10:00 GMT; 7 calendar days later is 2026-04-01 10:00 BST = 09:00 UTC
    # (168 hours would be 10:00 UTC: the wall clock moved on by an hour in between).
    seen = utc(2026, 3, 25, 10)
    a = check(order(placed_on=date(2026, 3, 25)), now=seen, market="amazon.co.uk", first_seen=seen)
    assert (a.cancel.closes_at, a.cancel.known) == (utc(2026, 4, 1, 9), Known.RULE)
    assert "on 1 April 2026, no later than 1 April 2026 10:00 BST" in a.cancel.reason


def test_first_seen_after_the_order_day_keeps_the_end_of_the_7th_day_in_toronto() -> None:
    # Placed 2026-10-28 (EDT); day 7 is 2026-11-04 (EST, after the change on 11-01): it
    # ends 2026-11-05 00:00 EST = 05:00 UTC. First seen two days late tells nothing more.
    a = check(
        order(placed_on=date(2026, 10, 28)),
        now=utc(2026, 10, 30, 12),
        market="amazon.ca",
        first_seen=utc(2026, 10, 30, 12),
    )
    assert (a.cancel.closes_at, a.cancel.known) == (utc(2026, 11, 5, 5), Known.RULE)
    assert "no later than November 5, 2026 00:00 EST" in a.cancel.reason


def test_first_seen_before_the_order_day_is_ignored() -> None:
    # A clock that disagrees with the page cannot pull the lapse before its day.
    a = check(order(), now=NOON_JST, first_seen=utc(2025, 7, 13))
    assert a.cancel.closes_at == utc(2025, 7, 22, 15)


def test_without_an_order_date_first_seen_counts_7_local_days_in_toronto() -> None:
    # Seen 2026-03-05 10:00 EST; 7 days later is 2026-03-12 10:00 EDT = 14:00 UTC.
    seen = utc(2026, 3, 5, 15)
    a = check(order(placed_on=None), now=seen, market="amazon.ca", first_seen=seen)
    assert (a.cancel.closes_at, a.cancel.known) == (utc(2026, 3, 12, 14), Known.RULE)
    assert "counted from when cancelwatch first saw it" in a.cancel.reason


@pytest.mark.parametrize("placed", [None, date(9999, 12, 31)], ids=["none", "year-9999"])
def test_without_order_date_or_first_seen_the_lapse_is_unknown(placed: date | None) -> None:
    a = check(order(placed_on=placed), now=NOON_JST)
    assert (a.cancel.state, a.cancel.closes_at, a.cancel.known) == (
        WindowState.AWAITING_APPROVAL,
        None,
        Known.UNKNOWN,
    )
    assert a.cancel.reason.endswith(
        "cancels itself 7 days after it was placed (the page shows no order date)."
    )


@pytest.mark.parametrize(
    ("now", "closes_at", "known"),
    [
        (utc(2025, 7, 22, 14, 59), utc(2025, 7, 22, 15), Known.RULE),
        (utc(2025, 7, 22, 15), None, Known.UNKNOWN),
    ],
    ids=["last-minute-of-day-7", "page-outlives-the-rule"],
)
def test_a_page_still_awaiting_approval_after_the_lapse_may_cancel_any_moment(
    now: datetime, closes_at: datetime | None, known: Known
) -> None:
    a = check(order(), now=now)
    assert (a.cancel.state, a.cancel.closes_at, a.cancel.known) == (
        WindowState.AWAITING_APPROVAL,
        closes_at,
        known,
    )
    assert ("may be cancelled at any moment" in a.cancel.reason) is (closes_at is None)
    assert a.open


def test_a_cancel_control_on_a_pending_order_comes_first_in_the_advice() -> None:
    o = order(cancellable=Cancellability.YES, cancel_url="/gp/css/order/edit.html?useCase=cancel")
    a = check(o, now=NOON_JST)
    assert a.cancel.state is WindowState.AWAITING_APPROVAL
    assert a.advice.steps[0] == 'Open order 114-7654321-7654321 and choose "Cancel items".'
    assert "approver" in a.advice.steps[1]


def test_a_users_deadline_does_not_turn_a_pending_order_into_an_open_one() -> None:
    plain = check(order(), now=NOON_JST)
    manual = check(order(), now=NOON_JST, manual_deadline=utc(2025, 7, 16))
    assert manual.cancel == plain.cancel


def test_a_cancelled_order_is_cancelled_whatever_its_approval_box_said() -> None:
    a = check(order(status=OrderStatus.CANCELLED), now=NOON_JST)
    assert (a.cancel.state, a.cancel.reason) == (WindowState.CANCELLED, "The order is cancelled.")
    assert a.advice.steps == (
        "Nothing to do: the order is cancelled and you have not been charged.",
    )


# -- rejected ---------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_rejected_order_needs_nothing_and_is_not_watched(lang: Lang) -> None:
    a = check(order(approval=Approval.REJECTED), now=NOON_JST, lang=lang)
    assert (a.cancel.state, a.cancel.closes_at) == (WindowState.CANCELLED, None)
    assert not a.open
    assert a.advice.hints == ()
    assert len(a.advice.steps) == 1
    if lang == "en":
        assert a.cancel.reason.startswith("Your approver rejected this order")
        assert a.advice.steps[0].startswith("Nothing to do: your approver rejected it.")
    else:
        assert "却下" in a.cancel.reason and "キャンセルは不要" in a.cancel.reason
        assert a.advice.steps[0].startswith("対応は不要です。承認者が却下しました。")


def test_partly_rejected_order_whose_page_offers_cancel_is_an_ordinary_open_order() -> None:
    # An approver may reject some items and let the rest go ahead: the page decides.
    rejected = order(approval=Approval.REJECTED, cancellable=Cancellability.YES)
    a = check(rejected, now=NOON_JST)
    assert (a.cancel.state, a.cancel.known) == (WindowState.OPEN, Known.UNKNOWN)
    assert a.cancel == check(dataclasses.replace(rejected, approval=None), now=NOON_JST).cancel


def test_partly_rejected_order_that_shipped_gets_the_shipped_playbook() -> None:
    o = order(approval=Approval.REJECTED, status=OrderStatus.SHIPPED)
    track = Tracking(carrier="Yamato", tracking_id="123456789013", status=OrderStatus.SHIPPED)
    a = check(o, now=NOON_JST, tracking=[track])
    assert a.cancel.state is WindowState.CLOSED
    assert any("123456789013" in s for s in a.advice.steps)


# -- approved ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "changes",
    [
        {"cancellable": Cancellability.YES},
        {"cancellable": Cancellability.REQUEST, "items": (Item("Paper", None, "Baker Ltd"),)},
        {"status": OrderStatus.SHIPPED},
        {"status": OrderStatus.DELIVERED, "return_until": date(2025, 8, 14)},
    ],
    ids=["open", "request-only", "shipped", "delivered"],
)
@pytest.mark.parametrize("market", sorted(ZONES))
def test_approved_order_is_assessed_as_an_ordinary_order(
    changes: dict[str, Any], market: str
) -> None:
    approved = order(approval=Approval.APPROVED, **changes)
    ordinary = order(approval=None, **changes)
    kw: dict[str, Any] = {"now": NOON_JST, "market": market, "first_seen": NOON_JST}
    assert check(approved, **kw) == check(ordinary, **kw)
    assert check(approved, **kw).cancel.state is not WindowState.AWAITING_APPROVAL
