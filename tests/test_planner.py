"""The planner and the limits, pure: the clock is an argument, nothing sleeps."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest

from cancelwatch.scheduler.watch import planner as pl

T0 = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)
MIN = timedelta(minutes=1)
CADENCE = pl.Cadence(interval=30 * MIN, jitter=5 * MIN, young_every=10 * MIN, young_for=120 * MIN)
LIMITS = pl.Limits(min_gap=5 * MIN, max_per_day=96)
LEADS = (timedelta(hours=24), timedelta(hours=3), 30 * MIN)


def window(
    closes_at: datetime | None, known: str = "rule", first_seen: datetime = T0
) -> pl.Watched:
    return pl.Watched("249-1234567-1234567", closes_at, known, LEADS, first_seen)


def plan(
    *windows: pl.Watched, last: datetime | None, now: datetime, lang: str = "en", **kw: object
) -> pl.Planned:
    return pl.plan(windows, last_start=last, now=now, cadence=CADENCE, lang=lang, **kw)  # type: ignore[arg-type]


def test_the_first_check_ever_is_now():
    assert plan(last=None, now=T0) == pl.Planned(T0, pl.FIRST, "first check")


@pytest.mark.parametrize(("spread", "after"), [(0.0, 30), (1.0, 35), (-1.0, 25)])
def test_the_interval_counts_from_the_last_start_with_its_jitter(spread, after):
    planned = plan(last=T0, now=T0 + MIN, spread=spread)
    assert (planned.at, planned.kind, planned.why) == (
        T0 + after * MIN, "interval", "regular interval",
    )  # fmt: skip


def test_a_check_comes_shortly_before_each_lead_of_a_known_close():
    closes = T0 + timedelta(hours=3, minutes=10)
    planned = plan(window(closes), last=T0, now=T0 + MIN)
    # The 3 h reminder is due at T0+10 min: its check two minutes before, at T0+8 min.
    assert planned.at == T0 + 8 * MIN
    assert (planned.kind, planned.why) == ("lead", "before the 3 h reminder of 249-1234567-1234567")


def test_a_lead_already_read_fresh_plans_the_next_one():
    closes = T0 + timedelta(hours=3, minutes=10)
    # Checked one minute before the 3 h reminder: the next lead is 30 min before closing,
    # after the interval's check, so the interval comes first.
    assert plan(window(closes), last=T0 + 9 * MIN, now=T0 + 10 * MIN).kind == "interval"
    closes = T0 + timedelta(minutes=50)
    planned = plan(window(closes), last=T0 + 9 * MIN, now=T0 + 10 * MIN)
    assert (planned.at, planned.why) == (
        T0 + 18 * MIN,
        "before the 30 min reminder of 249-1234567-1234567",
    )


def test_an_estimated_close_is_planned_by_like_a_known_one():
    closes = T0 + timedelta(hours=1)
    planned = plan(window(closes, known="history"), last=T0, now=T0 + MIN)
    assert (planned.at, planned.kind) == (T0 + 28 * MIN, "lead")


def test_a_young_order_with_an_unknown_window_is_checked_every_ten_minutes():
    young = window(None, known="unknown", first_seen=T0)
    planned = plan(young, last=T0 + 20 * MIN, now=T0 + 21 * MIN)
    assert (planned.at, planned.kind, planned.why) == (
        T0 + 30 * MIN, "young", "young order, window unknown",
    )  # fmt: skip
    # Two hours after it was first seen it is no longer young: the interval again.
    late = plan(young, last=T0 + 115 * MIN, now=T0 + 116 * MIN)
    assert (late.at, late.kind) == (T0 + 145 * MIN, "interval")


def test_a_request_asks_for_now():
    planned = plan(last=T0, now=T0 + 2 * MIN, requested=pl.BY_MAIL)
    assert planned == pl.Planned(T0 + 2 * MIN, "requested", "a mail")
    asked = plan(last=T0, now=T0 + 2 * MIN, requested=pl.ON_DASHBOARD, lang="ja")
    assert asked == pl.Planned(T0 + 2 * MIN, "requested", "ダッシュボードからの依頼")


@pytest.mark.parametrize(
    ("windows", "last", "why"),
    [
        ((), None, "初回の確認"),
        ((), T0, "定期確認"),
        ((window(None, known="unknown"),), T0, "期限がまだ分からない新しい注文"),
        (
            (window(T0 + timedelta(hours=3, minutes=10)),),
            T0,
            "249-1234567-1234567の3時間前の通知に備えて",
        ),
        (
            (window(T0 + timedelta(days=1, minutes=10)),),
            T0,
            "249-1234567-1234567の1日前の通知に備えて",
        ),
        ((window(T0 + timedelta(minutes=50)),), T0, "249-1234567-1234567の30分前の通知に備えて"),
    ],
)
def test_every_reason_is_worded_in_japanese_when_asked(windows, last, why):
    assert plan(*windows, last=last, now=T0 + MIN, lang="ja").why == why


def test_a_laptop_sleep_gives_one_check_not_a_backlog():
    closes = T0 + timedelta(hours=9)
    windows = [window(closes), window(None, known="unknown"), window(T0 + 4 * MIN)]
    woke = T0 + timedelta(hours=8)
    # The interval, the young cadence and the leads all passed while asleep: one check now.
    first = plan(*windows, last=T0, now=woke)
    assert first.at == woke
    # That check done, nothing is due at once any more: the next is ahead.
    after = plan(*windows, last=woke, now=woke + MIN)
    assert after.at > woke + MIN
    assert (after.at, after.kind) == (closes - timedelta(minutes=32), "lead")


# -- the limits -------------------------------------------------------------------------


def test_no_recent_check_allows_now():
    assert pl.earliest_allowed([], T0, LIMITS) == pl.Allowed(T0, None)
    assert pl.earliest_allowed([T0 - 6 * MIN], T0, LIMITS) == pl.Allowed(T0, None)


def test_the_gap_counts_from_the_latest_start():
    allowed = pl.earliest_allowed([T0 - 20 * MIN, T0 - MIN], T0, LIMITS)
    assert allowed == pl.Allowed(T0 + 4 * MIN, "[watch] min_gap_minutes = 5")


def test_the_daily_ceiling_frees_a_place_when_the_oldest_check_is_a_day_old():
    limits = pl.Limits(min_gap=5 * MIN, max_per_day=3)
    starts = [T0, T0 + timedelta(hours=1), T0 + timedelta(hours=2)]
    allowed = pl.earliest_allowed(starts, T0 + timedelta(hours=3), limits)
    assert allowed == pl.Allowed(T0 + timedelta(days=1), "[watch] max_checks_per_day = 3")
    # A day later the oldest no longer counts.
    later = T0 + timedelta(days=1, minutes=1)
    assert pl.earliest_allowed(starts, later, limits) == pl.Allowed(later, None)


def test_a_planned_check_inside_the_limits_is_moved_to_their_end_not_dropped():
    planned = pl.Planned(T0, "requested", "a mail")
    held = pl.Allowed(T0 + 3 * MIN, "[watch] min_gap_minutes = 5")
    moved = pl.limited(planned, held, "en")
    assert moved == pl.Planned(
        T0 + 3 * MIN, "requested", "a mail, held back by [watch] min_gap_minutes = 5"
    )
    assert pl.limited(planned, pl.Allowed(T0 - MIN, None), "en") is planned


def test_the_limit_that_holds_a_check_back_is_named_in_the_users_language():
    planned = plan(last=T0, now=T0 + MIN, requested=pl.BY_MAIL, lang="ja")
    moved = pl.limited(planned, pl.earliest_allowed([T0], T0 + MIN, LIMITS), "ja")
    assert (moved.at, moved.why) == (
        T0 + 5 * MIN,
        "メールの受信（[watch] min_gap_minutes = 5 の制限で延期）",
    )


def test_fifty_requests_keep_the_gap_and_the_ceiling():
    """A burst of 50 requests, one every 20 s, each run at the earliest allowed moment:
    the starts keep the gap, and never more than the ceiling in a day."""
    limits = pl.Limits(min_gap=5 * MIN, max_per_day=4)
    starts: list[datetime] = []
    pending: datetime | None = None
    for i in range(50):
        now = T0 + timedelta(seconds=20 * i)
        if pending is not None and pending <= now:
            starts.append(pending)
            pending = None
        planned = plan(last=max(starts, default=None), now=now, requested=pl.BY_MAIL)
        moment = pl.limited(planned, pl.earliest_allowed(starts, now, limits), "en").at
        if moment <= now:
            starts.append(now)
        else:
            pending = moment  # one check waits, however many ask
    assert all(b - a >= 5 * MIN for a, b in itertools.pairwise(starts))
    assert len(starts) == 4  # 16 min 20 s of requests: starts at 0, 5, 10, 15 min
    assert starts == [T0 + n * 5 * MIN for n in range(4)]
    assert pending == T0 + timedelta(days=1)  # the fifth waits for the day to free a place
