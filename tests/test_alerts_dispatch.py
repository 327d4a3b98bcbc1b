"""Alert planning and dispatch on a real SQLite file: each alert once, late if its window
is still open, summarised if it closed while the machine slept, held in quiet hours."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta

import pytest

from scheduler import alerts as al
from scheduler.config import AlertSettings, QuietHours
from scheduler.dispatch import dispatch
from scheduler.notify import Delivery, Notice
from scheduler.policy import assess, default_rules
from scheduler.state import State
from scraper.model import Cancellability, Item, Order, OrderStatus, PreOrder, Tracking

T0 = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)  # 12:00 in Tokyo
TZ = "Asia/Tokyo"


class Recorder:
    """Stands in for the Notifier: records what would have been shown."""

    def __init__(self) -> None:
        self.notices: list[Notice] = []

    def send(self, notice: Notice) -> Delivery:
        self.notices.append(notice)
        return Delivery(channels=("test",), desktop=False)

    def titles(self) -> list[str]:
        return [n.title for n in self.notices]


def preorder(deadline: date, **changes) -> Order:
    order = Order(
        id="503-1111111-1111111",
        placed_on=date(2026, 11, 10),
        total=None,
        currency="JPY",
        status=OrderStatus.PENDING,
        cancellable=Cancellability.YES,
        cancel_url="/progress-tracker/package/preship/cancel-items?orderID=503-1111111-1111111",
        digital=False,
        preorder=PreOrder(date(2027, 1, 15), deadline),
        left_at_door=None,
        return_until=None,
        items=(Item("見本ゲーム 限定版", "/dp/B000000001"),),
    )
    return replace(order, **changes)


@pytest.fixture
def state(tmp_path):
    with State.open(tmp_path / "state.db") as opened:
        yield opened


def check(state: State, order: Order, now: datetime, tracking=()) -> None:
    """What a watched check does for one order, without the browser."""
    before = state.order(order.id, "main")
    assessment = assess(
        order, marketplace="amazon.co.jp", timezone=TZ, now=now, rules=default_rules(),
        tracking=tracking, first_seen=before.first_seen if before else now, lang="en",
    )  # fmt: skip
    ctx = al.OrderContext("main", order, before, tracking, "https://example/order", TZ)
    alerts, retire = al.plan(ctx, assessment, now, AlertSettings(), "en")
    state.record_check("main", "amazon.co.jp", [order], {order.id: list(tracking)}, now=now,
                       alerts=alerts, retire=retire)  # fmt: skip


def test_reminders_are_planned_for_each_lead_and_sent_once_each(state):
    # Deadline 2026-12-15 (end of that day in Tokyo) = 2026-12-15 15:00 UTC.
    closes = datetime(2026, 12, 15, 15, 0, tzinfo=UTC)
    check(state, preorder(date(2026, 12, 15)), T0)
    due = sorted((a.lead, a.due_at) for a in state.pending_alerts())
    assert due == [
        ("P1D", closes - timedelta(days=1)),
        ("PT30M", closes - timedelta(minutes=30)),
        ("PT3H", closes - timedelta(hours=3)),
    ]
    notifier = Recorder()
    for tick in range(0, 20 * 24 * 6):  # every 10 minutes until after the deadline
        dispatch(state, notifier, T0 + timedelta(minutes=10 * tick))
    assert notifier.titles() == [
        "Cancel 503-1111111-1111111 within 1 day",
        "Cancel 503-1111111-1111111 within 3 h",
        "Cancel 503-1111111-1111111 within 30 min",
    ]
    check(state, preorder(date(2026, 12, 15)), T0 + timedelta(days=1))  # re-planned: no dup
    dispatch(state, notifier, closes - timedelta(minutes=1))
    assert len(notifier.notices) == 3


def test_a_window_first_seen_late_gets_only_its_nearest_reminder(state):
    closes = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)  # end of 26 Nov in Tokyo
    check(state, preorder(date(2026, 11, 26)), closes - timedelta(hours=2))
    notifier = Recorder()
    dispatch(state, notifier, closes - timedelta(hours=2))
    assert notifier.titles() == ["Cancel 503-1111111-1111111 within 3 h"]


def test_after_a_sleep_an_open_window_gets_one_late_reminder(state):
    closes = datetime(2026, 12, 15, 15, 0, tzinfo=UTC)
    check(state, preorder(date(2026, 12, 15)), T0)
    notifier = Recorder()
    # The laptop slept through the 24-hour and the 3-hour reminders; it wakes 2 h before.
    dispatch(state, notifier, closes - timedelta(hours=2))
    assert notifier.titles() == ["Cancel 503-1111111-1111111 within 3 h"]
    dispatch(state, notifier, closes - timedelta(hours=2))
    assert len(notifier.notices) == 1


def test_windows_that_closed_during_a_sleep_become_one_summary(state):
    closes = datetime(2026, 12, 15, 15, 0, tzinfo=UTC)
    check(state, preorder(date(2026, 12, 15)), T0)
    notifier = Recorder()
    dispatch(state, notifier, closes + timedelta(hours=5))
    assert notifier.titles() == ["1 window(s) closed while you were away"]
    assert "Cancel 503-1111111-1111111 within 30 min" in notifier.notices[0].body
    dispatch(state, notifier, closes + timedelta(hours=6))
    assert len(notifier.notices) == 1
    assert state.pending_alerts() == []


def test_quiet_hours_defer_and_never_drop(state):
    quiet = QuietHours(time(22, 0), time(7, 0), TZ)
    check(state, preorder(date(2026, 12, 15)), T0)
    notifier = Recorder()
    in_quiet = datetime(2026, 12, 14, 15, 0, tzinfo=UTC)  # the 24-hour reminder, at midnight JST
    done = dispatch(state, notifier, in_quiet, quiet=quiet)
    assert notifier.notices == [] and [r.lead for r in done.deferred] == ["P1D"]
    morning = datetime(2026, 12, 14, 22, 0, tzinfo=UTC)  # 07:00 JST
    dispatch(state, notifier, morning - timedelta(minutes=1), quiet=quiet)
    assert notifier.notices == []
    dispatch(state, notifier, morning, quiet=quiet)
    assert notifier.titles() == ["Cancel 503-1111111-1111111 within 1 day"]


def test_leaving_the_window_retires_reminders_and_says_what_to_do(state):
    check(state, preorder(date(2026, 12, 15)), T0)
    shipped = preorder(
        date(2026, 12, 15),
        status=OrderStatus.SHIPPED,
        cancellable=Cancellability.NO,
        cancel_url=None,
    )
    tracking = (Tracking("Yamato", "452187630952", OrderStatus.IN_TRANSIT),)
    check(state, shipped, T0 + timedelta(days=2), tracking)
    notifier = Recorder()
    dispatch(state, notifier, datetime(2026, 12, 20, tzinfo=UTC))
    assert sorted(notifier.titles()) == [
        "503-1111111-1111111 can no longer be cancelled",
        "503-1111111-1111111 shipped: Yamato 452187630952",
    ]
    tracking_notice = next(n for n in notifier.notices if "shipped" in n.title)
    assert "452187630952" in tracking_notice.body
    assert "kuronekoyamato" in tracking_notice.body  # the carrier's tracking page


def test_amazon_cancelling_a_pre_order_is_reported(state):
    check(state, preorder(date(2026, 12, 15)), T0)
    gone = preorder(date(2026, 12, 15), status=OrderStatus.CANCELLED, cancellable=Cancellability.NO)
    check(state, gone, T0 + timedelta(days=1))
    notifier = Recorder()
    dispatch(state, notifier, T0 + timedelta(days=1))
    assert notifier.titles() == ["Amazon cancelled 503-1111111-1111111"]


def test_a_moved_release_date_is_reported(state):
    check(state, preorder(date(2026, 12, 15)), T0)
    moved = preorder(date(2026, 12, 15), preorder=PreOrder(date(2027, 2, 20), date(2026, 12, 15)))
    check(state, moved, T0 + timedelta(days=1))
    notifier = Recorder()
    dispatch(state, notifier, T0 + timedelta(days=1))
    assert "503-1111111-1111111: the pre-order's release date changed to 2027-02-20" in (
        notifier.titles()
    )


def test_leads_to_plan():
    closes = T0 + timedelta(hours=10)
    leads = (timedelta(hours=24), timedelta(hours=3), timedelta(minutes=30))
    assert al._leads_to_plan(closes, T0, leads) == [
        timedelta(hours=3),
        timedelta(minutes=30),
        timedelta(hours=24),
    ]
    assert al.lead_of("P1DT2H30M") == timedelta(days=1, hours=2, minutes=30)
    assert al.lead_of("2026-12-01") is None
