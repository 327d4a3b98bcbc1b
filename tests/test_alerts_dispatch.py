"""Alert planning and dispatch on a real SQLite file: each alert once, late if its window
is still open, summarised if it closed while the machine slept, held in quiet hours."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta

import pytest

from cancelwatch.scheduler.cli.windows_report import window_json
from cancelwatch.scheduler.config.settings import AlertSettings, QuietHours
from cancelwatch.scheduler.notify.channels import Attempt, Delivery, Notice, Progress
from cancelwatch.scheduler.policy.assess import Known, WindowState, assess, default_rules
from cancelwatch.scheduler.policy.moments import span
from cancelwatch.scheduler.policy.urgency import Urgency
from cancelwatch.scheduler.policy.windows import Window
from cancelwatch.scheduler.state.store import AlertRow, State
from cancelwatch.scheduler.watch import alerts as al
from cancelwatch.scheduler.watch.dispatch import dispatch
from cancelwatch.scraper.read.model import (
    Cancellability,
    Item,
    Order,
    OrderStatus,
    PreOrder,
    Tracking,
)

T0 = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)  # 12:00 in Tokyo
TZ = "Asia/Tokyo"


class Recorder:
    """Stands in for the Notifier: one channel, "test", that records what it was sent."""

    def __init__(self) -> None:
        self.notices: list[Notice] = []

    def send(self, notice: Notice, progress: Progress | None = None) -> Delivery:
        attempt = progress.begin("test") if progress else Attempt.FIRST
        if attempt is Attempt.DONE:
            return Delivery(channels=(), desktop=False)
        self.notices.append(notice)
        if progress:
            progress.end("test", None)
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


def check(state: State, order: Order, now: datetime, tracking=(), lang="en") -> None:
    """What a watched check does for one order, without the browser."""
    before = state.order(order.id, "main")
    assessment = assess(
        order, marketplace="amazon.co.jp", timezone=TZ, now=now, rules=default_rules(),
        tracking=tracking, first_seen=before.first_seen if before else now, lang=lang,
    )  # fmt: skip
    ctx = al.OrderContext("main", order, before, tracking, "https://example/order", TZ)
    alerts, retire = al.plan(ctx, assessment, now, AlertSettings(), lang)
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
    # the 3-hour reminder, sent with 2 hours left, says so
    assert notifier.titles() == ["Cancel 503-1111111-1111111 within 2 h"]


def test_after_a_sleep_an_open_window_gets_one_late_reminder(state):
    closes = datetime(2026, 12, 15, 15, 0, tzinfo=UTC)
    check(state, preorder(date(2026, 12, 15)), T0)
    notifier = Recorder()
    # The laptop slept through the 24-hour and the 3-hour reminders; it wakes 2 h before.
    dispatch(state, notifier, closes - timedelta(hours=2))
    assert notifier.titles() == ["Cancel 503-1111111-1111111 within 2 h"]
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
    # held from midnight to 07:00 JST: the deadline (midnight) is 17 hours off by then
    assert notifier.titles() == ["Cancel 503-1111111-1111111 within 17 h"]


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


# ---- a reminder sent late says the time actually left ---------------------------------


def delivered(return_until: date) -> Order:
    return preorder(
        date(2026, 12, 15),
        preorder=None,
        status=OrderStatus.DELIVERED,
        cancellable=Cancellability.NO,
        cancel_url=None,
        return_until=return_until,
    )


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("en", "Cancel 503-1111111-1111111 within 4 min"),
        ("ja", "503-1111111-1111111 のキャンセル期限まであと4分"),
    ],
)
def test_a_late_cancel_reminder_says_the_minutes_left(state, lang, expected):
    closes = datetime(2026, 12, 15, 15, 0, tzinfo=UTC)  # end of 15 Dec in Tokyo
    check(state, preorder(date(2026, 12, 15)), T0, lang=lang)
    notifier = Recorder()
    # Asleep through every reminder; awake with 4 minutes (and 40 seconds) left.
    done = dispatch(state, notifier, closes - timedelta(minutes=4, seconds=40), lang=lang)
    assert notifier.titles() == [expected]
    assert notifier.notices[0].urgency is Urgency.CRITICAL
    [sent] = done.sent
    assert (sent.lead, sent.title, sent.urgency) == ("PT30M", expected, Urgency.CRITICAL)
    assert state.alert(sent.id) == sent  # what was sent is what the database says was


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("en", "Return window of 503-1111111-1111111 closes in 2 days 5 h"),
        ("ja", "503-1111111-1111111 の返品期限まであと2日5時間"),
    ],
)
def test_a_late_return_reminder_says_the_days_and_hours_left(state, lang, expected):
    closes = datetime(2026, 12, 10, 15, 0, tzinfo=UTC)  # end of 10 Dec in Tokyo
    check(state, delivered(date(2026, 12, 10)), T0, lang=lang)
    notifier = Recorder()
    # Awake 18 h 40 min after the 3-day reminder came due: 2 days 5 h 20 min left,
    # said without the minutes beyond a day.
    dispatch(state, notifier, closes - timedelta(days=2, hours=5, minutes=20), lang=lang)
    assert notifier.titles() == [expected]
    assert notifier.notices[0].urgency is Urgency.LOW


def test_a_reminder_says_the_time_left_when_it_goes_out(state):
    closes = datetime(2026, 12, 15, 15, 0, tzinfo=UTC)
    check(state, preorder(date(2026, 12, 15)), T0)
    notifier = Recorder()
    dispatch(state, notifier, closes - timedelta(days=1))  # 24-hour reminder, due now
    # 29 min 30 s left: the table says "29 min" then, and so does the reminder (issue 12)
    dispatch(state, notifier, closes - timedelta(minutes=29, seconds=30))
    assert notifier.titles() == [
        "Cancel 503-1111111-1111111 within 1 day",
        "Cancel 503-1111111-1111111 within 29 min",
    ]
    dispatch(state, notifier, closes)  # the 3-hour one was skipped: superseded, not sent
    assert len(notifier.notices) == 2


def test_late_wording_rounds_down_and_never_below_a_minute():
    row = AlertRow(
        id=1, account="main", order_id="X", kind=al.CANCEL_CLOSING, lead="PT3H",
        due_at=T0, title="Cancel X within 3 h", body="", url=None, urgency=Urgency.NORMAL,
        created_at=T0, sent_at=None, channel=None, deferred_until=None, superseded_at=None,
        superseded_reason=None, claimed_at=None,
    )  # fmt: skip
    closes = T0 + timedelta(hours=3)

    def title(left: timedelta, lang="en") -> str:
        return al.wording_at(row, closes - left, lang)[0]

    assert title(timedelta(hours=3)) == "Cancel X within 3 h"  # on time
    # a few milliseconds after its moment is still on time: to the nearest second first
    assert title(timedelta(hours=2, minutes=59, seconds=59.9)) == "Cancel X within 3 h"
    assert title(timedelta(hours=2, minutes=59, seconds=1)) == "Cancel X within 2 h 59 min"
    assert title(timedelta(hours=2, minutes=58, seconds=59)) == "Cancel X within 2 h 58 min"
    assert title(timedelta(hours=1)) == "Cancel X within 1 h"
    assert title(timedelta(minutes=59, seconds=59)) == "Cancel X within 59 min"
    assert title(timedelta(seconds=20)) == "Cancel X within 1 min"
    assert title(timedelta(minutes=90), "ja") == "X のキャンセル期限まであと1時間30分"
    assert al.wording_at(row, closes - timedelta(minutes=20), "en")[1] is Urgency.CRITICAL
    other = replace(row, kind=al.TRACKING, lead="452187630952", title="X shipped")
    assert al.wording_at(other, closes, "en") == ("X shipped", Urgency.NORMAL)


@pytest.mark.parametrize("lang", ["en", "ja"])
@pytest.mark.parametrize(
    "left",
    [
        timedelta(minutes=5),
        timedelta(minutes=4, seconds=59, milliseconds=600),
        timedelta(minutes=4, seconds=50),
        timedelta(minutes=4, seconds=0, milliseconds=400),
        timedelta(minutes=29, seconds=30),
        timedelta(minutes=59, seconds=59, milliseconds=900),
        timedelta(hours=2, minutes=58, seconds=59),
    ],
)
def test_the_table_and_the_reminder_say_the_same_time_left(left, lang):
    """The demo's table said 4 min while its reminder said 5 for the same window at the
    same moment (issue 12): both count to the nearest second, then whole minutes down."""
    closes = T0 + timedelta(hours=3)
    row = AlertRow(
        id=1, account="main", order_id="X", kind=al.CANCEL_CLOSING, lead="PT5M",
        due_at=closes - timedelta(minutes=5), title="Cancel X within 5 min", body="", url=None,
        urgency=Urgency.CRITICAL, created_at=T0, sent_at=None, channel=None,
        deferred_until=None, superseded_at=None, superseded_reason=None, claimed_at=None,
    )  # fmt: skip
    at = closes - left
    window = Window("cancel", WindowState.OPEN, closes, Known.RULE, "")
    table = window_json(window, at)
    assert table is not None
    shown = span(table["seconds_left"], lang)
    title, _ = al.wording_at(row, at, lang)
    assert title.endswith(("within " if lang == "en" else "あと") + shown), (title, shown)


def test_a_reminder_planned_in_english_goes_out_in_the_language_of_the_day_it_is_sent():
    """notify.language switched to ja after the reminder was planned: its title is worded
    again from its kind, order and lead, not sent as stored."""
    row = AlertRow(
        id=1, account="main", order_id="X", kind=al.CANCEL_CLOSING, lead="PT3H",
        due_at=T0, title="Cancel X within 3 h", body="", url=None, urgency=Urgency.NORMAL,
        created_at=T0, sent_at=None, channel=None, deferred_until=None, superseded_at=None,
        superseded_reason=None, claimed_at=None,
    )  # fmt: skip
    assert al.wording_at(row, T0, "ja") == ("X のキャンセル期限まであと3時間", Urgency.NORMAL)
