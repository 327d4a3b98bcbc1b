"""When preparation usually starts, learned from the user's own history (issue 10, item 4):
the estimate from samples (policy/learned.py), the samples from checks recorded through
the real State on disk (state/history.py), and the window it gives an ordinary order.

Every expected duration is worked out by hand in the comment next to it: percentiles are
nearest-rank (the ceil(p/100 * n)-th smallest), the median is the middle of each bracket.
Asia/Tokyo is UTC+9, so T0 (00:00 UTC) is 09:00 on 2026-03-02 there.
"""

from __future__ import annotations

import io
import json
import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from cancelwatch.scheduler.cli.context import App
from cancelwatch.scheduler.cli.main import cli
from cancelwatch.scheduler.cli.main import run as cli_run
from cancelwatch.scheduler.config.settings import Config
from cancelwatch.scheduler.notify.channels import Notifier
from cancelwatch.scheduler.policy.assess import (
    Assessment,
    Known,
    WindowState,
    assess,
    default_rules,
)
from cancelwatch.scheduler.policy.learned import (
    MIN_ORDERS,
    Estimate,
    Sample,
    SellerKind,
    estimates,
    for_account,
)
from cancelwatch.scheduler.state.history import samples
from cancelwatch.scheduler.state.store import State, StateError
from cancelwatch.scheduler.watch import alerts as al
from cancelwatch.scheduler.watch.monitor import WatchedCheck
from cancelwatch.scraper.browse.crawl import CrawlResult
from cancelwatch.scraper.read.model import (
    Cancellability,
    Item,
    Order,
    OrderStatus,
    PreOrder,
)

T0 = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)
DAY = date(2026, 3, 2)
JP = "amazon.co.jp"
US = "amazon.com"
ME = "me"
TOKYO = "Asia/Tokyo"


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)


# -- the estimate from samples -------------------------------------------------------------


def sample(
    i: int,
    open_until: float,
    closed_by: float,
    *,
    seller: SellerKind = "amazon",
    marketplace: str = JP,
    ordered: float = 0,
) -> Sample:
    """Order number `i` (one hour apart), open `open_until` and closed `closed_by`
    minutes after it was ordered."""
    at = T0 + timedelta(hours=i) + minutes(ordered)
    return Sample(
        ME, marketplace, seller, at, at + minutes(open_until - ordered), at + minutes(closed_by)
    )


def alike(n: int, open_until: float, closed_by: float, **kw: object) -> list[Sample]:
    return [sample(i, open_until, closed_by, **kw) for i in range(n)]  # type: ignore[arg-type]


def est(count: int, median: float, p10: float, p90: float) -> Estimate:
    return Estimate(count, minutes(median), minutes(p10), minutes(p90))


SKEWED = [
    sample(i, low, low + 20)
    for i, low in enumerate([10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 1000])
]
CONTRADICTING = [*alike(7, 60, 90), sample(7, 90, 60)]
# The 10 oldest took 10 hours, the 50 newest an hour: only the newest RECENT count.
OLD_THEN_NEW = [sample(i, 600, 630) for i in range(10)] + [sample(i, 60, 90) for i in range(10, 60)]

CASES: list[tuple[str, list[Sample], dict[tuple[str, str, str], Estimate]]] = [
    ("too few: 7 orders", alike(MIN_ORDERS - 1, 60, 90), {}),
    # 8 alike: median of the middles (75), p10 of the open ends, p90 of the closed ends.
    ("8 orders: enough", alike(MIN_ORDERS, 60, 90), {(ME, JP, "amazon"): est(8, 75, 60, 90)}),
    # 11 orders, one 1000 minutes: middles 20..110 and 1010, median the 6th: 70.
    # p10: ceil(1.1) = 2nd smallest open end, 20; p90: ceil(9.9) = 10th closed end, 120.
    ("skewed: one slow order", SKEWED, {(ME, JP, "amazon"): est(11, 70, 20, 120)}),
    (
        "two seller kinds kept apart",
        alike(8, 120, 150) + alike(8, 10, 40, seller="third_party"),
        {
            (ME, JP, "amazon"): est(8, 135, 120, 150),
            (ME, JP, "third_party"): est(8, 25, 10, 40),
        },
    ),
    (
        "two marketplaces kept apart: 7 on amazon.com is too few",
        alike(8, 120, 150) + alike(7, 10, 40, marketplace=US),
        {(ME, JP, "amazon"): est(8, 135, 120, 150)},
    ),
    ("a sample closed before it was open is dropped: 7 left", CONTRADICTING, {}),
    ("only the 50 newest count", OLD_THEN_NEW, {(ME, JP, "amazon"): est(50, 75, 60, 90)}),
]


@pytest.mark.parametrize(("name", "given", "expected"), CASES, ids=[c[0] for c in CASES])
def test_estimate_table(
    name: str, given: list[Sample], expected: dict[tuple[str, str, str], Estimate]
) -> None:
    assert estimates(given) == expected


def test_for_account_picks_one_account_and_marketplace() -> None:
    found = estimates(alike(8, 60, 90) + alike(8, 10, 20, marketplace=US))
    assert for_account(found, ME, JP) == {"amazon": est(8, 75, 60, 90)}
    assert for_account(found, "someone else", JP) == {}


# -- the samples from the state, through the real State on disk ----------------------------

OPEN = (OrderStatus.PENDING, Cancellability.YES)
GONE = (OrderStatus.PENDING, Cancellability.NO)
PREPARING = (OrderStatus.PREPARING, Cancellability.NO)
SHIPPED = (OrderStatus.SHIPPED, Cancellability.NO)
CANCELLED = (OrderStatus.CANCELLED, Cancellability.NO)


@dataclass(frozen=True)
class Story:
    """One order as the checks see it: from each minute on (after T0), its status and
    control; not on the pages before the first."""

    order_id: str
    timeline: Sequence[tuple[int, tuple[OrderStatus, Cancellability]]]
    seller: str = "Amazon.co.jp"
    placed_on: date = DAY
    preorder: PreOrder | None = None
    digital: bool = False

    def at(self, minute: int) -> Order | None:
        seen = [facts for start, facts in self.timeline if start <= minute]
        if not seen:
            return None
        status, cancellable = seen[-1]
        return make_order(
            self.order_id,
            status,
            cancellable,
            seller=self.seller,
            placed_on=self.placed_on,
            preorder=self.preorder,
            digital=self.digital,
        )


def make_order(
    order_id: str,
    status: OrderStatus = OrderStatus.PENDING,
    cancellable: Cancellability = Cancellability.YES,
    *,
    seller: str = "Amazon.co.jp",
    placed_on: date | None = DAY,
    preorder: PreOrder | None = None,
    digital: bool = False,
) -> Order:
    return Order(
        id=order_id,
        placed_on=placed_on,
        total=None,
        currency=None,
        status=status,
        cancellable=cancellable,
        cancel_url=None,
        digital=digital,
        preorder=preorder,
        left_at_door=None,
        return_until=None,
        items=(Item(title="Desk lamp", url=None, seller=seller, asin="B000LAMP01"),),
    )


@pytest.fixture
def state(tmp_path: Path) -> Iterator[State]:
    with State.open(tmp_path / "state.db") as opened:
        yield opened


def run_checks(
    state: State, stories: Sequence[Story], at: Sequence[int], *, failed: Sequence[int] = ()
) -> None:
    """A check at each minute of `at` (a fixed clock: T0 + minute) that reads every order
    then on the pages; a failed check at each minute of `failed`, which reads nothing."""
    for minute in sorted([*at, *failed]):
        now = T0 + minutes(minute)
        if minute in failed:
            state.record_failure(ME, now=now, kind="unavailable", message="down", marketplace=JP)
            continue
        orders = [o for s in stories if (o := s.at(minute)) is not None]
        state.record_check(ME, JP, orders, {}, now=now, alerts=[])


def brackets(found: Sequence[Sample]) -> dict[str, tuple[float, float, float]]:
    """Each sample as (ordered, open until, closed by), in minutes after T0, by order."""

    def m(t: datetime) -> float:
        return (t - T0) / minutes(1)

    by_start = {round(m(s.ordered_at)): s for s in found}
    return {str(k): (m(s.ordered_at), m(s.open_until), m(s.closed_by)) for k, s in by_start.items()}


EVERY_30 = list(range(0, 241, 30))

HISTORIES: list[tuple[str, list[Story], list[int], list[int], set[tuple[float, float, float]]]] = [
    # Open at 0 (first sight), unchanged at 30 and 60 (no change rows), preparing at 90:
    # the last check before 90 saw it open, so it closed between 60 and 90.
    (
        "open, then preparing",
        [Story("A", [(0, OPEN), (90, PREPARING)])],
        EVERY_30,
        [],
        {(0, 60, 90)},
    ),
    (
        "straight to shipped between two checks",
        [Story("A", [(0, OPEN), (100, SHIPPED)])],
        EVERY_30,
        [],
        {(0, 90, 120)},
    ),
    (
        "the control went before the status: it closed then",
        [Story("A", [(0, OPEN), (45, GONE), (150, PREPARING)])],
        EVERY_30,
        [],
        {(0, 30, 60)},
    ),
    (
        "a failed check in between saw nothing",
        [Story("A", [(0, OPEN), (80, PREPARING)])],
        EVERY_30,
        [75],
        {(0, 60, 90)},
    ),
    (
        "first seen at 30, when the first check after the order came",
        [Story("A", [(20, OPEN), (70, PREPARING)])],
        EVERY_30,
        [],
        {(30, 60, 90)},
    ),
    (
        "first seen already preparing: never seen open",
        [Story("A", [(0, PREPARING)])],
        EVERY_30,
        [],
        set(),
    ),
    ("cancelled, not prepared", [Story("A", [(0, OPEN), (50, CANCELLED)])], EVERY_30, [], set()),
    ("still open", [Story("A", [(0, OPEN)])], EVERY_30, [], set()),
    (
        "a pre-order is left out",
        [
            Story(
                "A",
                [(0, OPEN), (90, PREPARING)],
                preorder=PreOrder(release_date=DAY, cancel_deadline=None),
            )
        ],
        EVERY_30,
        [],
        set(),
    ),
    (
        "a digital order is left out",
        [Story("A", [(0, OPEN), (90, PREPARING)], digital=True)],
        EVERY_30,
        [],
        set(),
    ),
    (
        # First seen 09:00 Tokyo on 03-02, but the page says ordered on 03-01: the order
        # time is 03-01 00:00 Tokyo, 2026-02-28 15:00 UTC, 33 h (1980 min) before T0.
        "first seen a day after the order date: the order date's start",
        [Story("A", [(0, OPEN), (90, PREPARING)], placed_on=date(2026, 3, 1))],
        EVERY_30,
        [],
        {(-1980, 60, 90)},
    ),
]


@pytest.mark.parametrize("case", HISTORIES, ids=[h[0] for h in HISTORIES])
def test_samples_from_recorded_checks(
    state: State,
    case: tuple[str, list[Story], list[int], list[int], set[tuple[float, float, float]]],
) -> None:
    _, stories, at, failed, expected = case
    run_checks(state, stories, at, failed=failed)
    assert set(brackets(samples(state, ME)).values()) == expected


def test_seller_kind_from_the_items_seller(state: State) -> None:
    stories = [
        Story("A", [(0, OPEN), (90, PREPARING)]),
        Story("B", [(30, OPEN), (90, PREPARING)], seller="Tokyo Lamp Shop"),
    ]
    run_checks(state, stories, EVERY_30)
    kinds = {round((s.ordered_at - T0) / minutes(1)): s.seller for s in samples(state)}
    assert kinds == {0: "amazon", 30: "third_party"}


# -- the estimate read back from the state, and the window it gives ------------------------


def fourteen_orders(state: State) -> None:
    """14 ordinary orders, one every 6 hours, checked every 30 minutes; the i-th (from 0)
    is first seen open and seen preparing (60 + 30 * (i % 7)) minutes later.

    Closed ends: 60..240 (each twice); open ends 30 minutes before: 30..210.
    p10: ceil(1.4) = 2nd smallest open end: 30. Middles 45..225 twice: the 7th and 8th
    are 135. p90: ceil(12.6) = 13th closed end: 240."""
    stories = []
    for i in range(14):
        start = i * 360
        day = (T0 + minutes(start)).astimezone(ZoneInfo(TOKYO)).date()
        timeline = [(start, OPEN), (start + 60 + 30 * (i % 7), PREPARING)]
        stories.append(Story(f"250-{i:07d}-0000000", timeline, placed_on=day))
    run_checks(state, stories, list(range(0, 14 * 360, 30)))


def learned(state: State) -> dict[SellerKind, Estimate]:
    return for_account(estimates(samples(state, ME)), ME, JP)


def test_estimate_read_back_from_the_state(state: State) -> None:
    fourteen_orders(state)
    assert learned(state) == {"amazon": est(14, 135, 30, 240)}


NEW_ID = "250-7777777-0000000"


def test_advise_says_how_sure(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CANCELWATCH_HOME", str(tmp_path / "home"))
    (tmp_path / "home").mkdir()
    with State.open(tmp_path / "home" / "state.db") as state:
        fourteen_orders(state)
        # A new order, first seen at the next check after the history.
        seen = T0 + minutes(14 * 360)
        new = make_order(NEW_ID, placed_on=date(2026, 3, 5))  # 21:00 in Tokyo
        state.record_check(ME, JP, [new], {}, now=seen, alerts=[])
    with CliRunner().isolation() as streams:
        code = cli_run(cli, ["advise", NEW_ID, "--json"], app=App(clock=lambda: seen + minutes(10)))
        out = streams[0].getvalue().decode()
    assert code == 0, out
    advice = json.loads(out)
    window = advice["window"]
    # First seen + the 10th percentile, 30 minutes.
    assert (window["state"], window["known"], window["closes_at"]) == (
        "open",
        "history",
        (seen + minutes(30)).isoformat(),
    )
    assert "about 2.5 hours after ordering, from your last 14 orders" in window["reason"]
    assert any(
        "estimate" in step and "between 30 minutes and 4 hours" in step
        for step in advice["advice"]["steps"]
    )


def test_status_and_the_watchers_plan_use_the_estimate_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CANCELWATCH_HOME", str(tmp_path / "home"))
    (tmp_path / "home").mkdir()
    (tmp_path / "home" / "config.toml").write_text(
        f'[accounts.{ME}]\nmarketplace = "{JP}"\n[alerts]\ncancel_leads = ["10m"]\n',
        encoding="utf-8",
    )
    with State.open(tmp_path / "home" / "state.db") as state:
        fourteen_orders(state)
        seen = T0 + minutes(14 * 360)
        state.record_check(
            ME, JP, [make_order(NEW_ID, placed_on=date(2026, 3, 5))], {}, now=seen, alerts=[]
        )
    with CliRunner().isolation() as streams:
        code = cli_run(cli, ["status", "--json"], app=App(clock=lambda: seen + minutes(10)))
        out = streams[0].getvalue().decode()
    assert code == 0, out
    status = json.loads(out)
    window = next(o["window"] for o in status["open_orders"] if o["id"] == NEW_ID)
    assert (window["known"], window["closes_at"]) == ("history", (seen + minutes(30)).isoformat())
    # The watcher plans a check 2 minutes before the 10-minute lead of that close, which
    # only the estimate gives (a young order's window that is unknown would say "young").
    (plan,) = [p for p in status["next_checks"] if p["account"] == ME]
    assert (plan["kind"], plan["at"]) == ("lead", (seen + minutes(18)).isoformat())
    assert NEW_ID in plan["why"]


def test_too_few_in_the_state_change_nothing(state: State) -> None:
    stories = [
        Story(f"250-{i:07d}-0000000", [(i * 60, OPEN), (i * 60 + 45, PREPARING)]) for i in range(7)
    ]
    run_checks(state, stories, list(range(0, 600, 30)))
    assert learned(state) == {}
    window = assess(
        make_order("250-9999999-0000000"),
        marketplace=JP,
        timezone=TOKYO,
        now=T0 + minutes(601),
        rules=default_rules(),
        first_seen=T0 + minutes(600),
        learned=learned(state),
    ).cancel
    assert (window.state, window.closes_at, window.known) == (WindowState.OPEN, None, Known.UNKNOWN)


# -- the window an estimate gives ----------------------------------------------------------

# 14 orders: usually about 2 hours (median 120 min), 1 in 10 within 40 minutes, 9 in 10
# within 3 hours.
TWO_HOURS = {"amazon": est(14, 120, 40, 180)}
SEEN = T0 + minutes(10)  # 09:10 Tokyo


def assess_new(order: Order, **kw: object) -> Assessment:
    args: dict[str, object] = {
        "marketplace": JP,
        "timezone": TOKYO,
        "now": SEEN + minutes(1),
        "rules": default_rules(),
        "first_seen": SEEN,
        "learned": TWO_HOURS,
    }
    args.update(kw)
    return assess(order, **args)  # type: ignore[arg-type]


def test_an_ordinary_open_order_closes_by_history() -> None:
    a = assess_new(make_order("A"))
    window = a.cancel
    # first seen 09:10 + 40 minutes = 09:50 Tokyo
    assert window.state is WindowState.OPEN
    assert window.known is Known.HISTORY
    assert window.closes_at == SEEN + minutes(40)
    assert "usually closes about 2 hours after ordering, from your last 14 orders" in window.reason
    assert "March 2, 2026 09:50 JST" in window.reason
    sure = " ".join(a.advice.steps)
    assert "estimate from your own orders" in sure
    assert "last 14 orders on amazon.co.jp" in sure
    assert "between 40 minutes and 3 hours" in sure


def test_japanese_words() -> None:
    a = assess_new(make_order("A"), lang="ja")
    assert "直近14件" in a.cancel.reason
    assert "約2時間" in a.cancel.reason
    assert "40分以内" in a.cancel.reason
    assert any("見積もり" in s and "40分後から3時間後" in s for s in a.advice.steps)


def test_the_page_and_the_user_still_win() -> None:
    deadline = date(2026, 3, 10)
    pre = PreOrder(release_date=date(2026, 3, 20), cancel_deadline=deadline)
    page = assess_new(_with(preorder=pre)).cancel
    assert page.known is Known.PAGE
    mine = T0 + timedelta(hours=5)
    user = assess_new(make_order("A"), manual_deadline=mine).cancel
    assert (user.known, user.closes_at) == (Known.USER, mine)
    gone = assess_new(make_order("A", cancellable=Cancellability.NO)).cancel
    assert (gone.state, gone.closes_at) == (WindowState.CLOSED, None)


def _with(**changes: object) -> Order:
    return replace(make_order("A"), **changes)  # type: ignore[arg-type]


def test_a_seller_order_keeps_its_seller_window() -> None:
    window = assess_new(make_order("A", seller="Tokyo Lamp Shop")).cancel
    # amazon.co.jp's 5 minutes from first sight, not the learned 40.
    assert (window.known, window.closes_at) == (Known.RULE, SEEN + minutes(5))


def test_an_estimate_the_page_outlives_is_dropped() -> None:
    window = assess_new(make_order("A"), now=SEEN + minutes(41)).cancel
    assert (window.state, window.closes_at, window.known) == (WindowState.OPEN, None, Known.UNKNOWN)
    assert "may close at any moment" in window.reason


def test_first_seen_a_day_late_counts_from_the_order_day() -> None:
    # Ordered on 03-01 (Tokyo), first seen 03-02 09:10 Tokyo: counted from 03-01 00:00
    # Tokyo (02-28 15:00 UTC). With 1 in 10 within 40 hours: 03-02 07:00 UTC.
    slow = {"amazon": est(14, 48 * 60, 40 * 60, 60 * 60)}
    order = _with(placed_on=date(2026, 3, 1))
    window = assess_new(order, learned=slow).cancel
    assert (window.closes_at, window.known) == (
        datetime(2026, 3, 2, 7, 0, tzinfo=UTC),
        Known.HISTORY,
    )
    # With the usual 40 minutes, that time is long past and the page still offers the
    # control: the estimate is dropped.
    late = assess_new(order).cancel
    assert (late.closes_at, late.known) == (None, Known.UNKNOWN)


def test_a_damaged_history_row_is_one_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CANCELWATCH_HOME", str(tmp_path / "home"))
    (tmp_path / "home").mkdir()
    db = tmp_path / "home" / "state.db"
    with State.open(db) as state:
        fourteen_orders(state)
    with sqlite3.connect(db) as conn:  # a status change's new value as bytes, not text
        row = conn.execute("SELECT min(id) FROM changes WHERE field = 'status'").fetchone()[0]
        conn.execute("UPDATE changes SET new = x'ff' WHERE id = ?", (row,))
    conn.close()
    with CliRunner().isolation() as streams:
        code = cli_run(cli, ["advise", "250-0000000-0000000"], app=App(clock=lambda: T0))
        err = streams[1].getvalue().decode()
    assert code == 2
    assert err.count("\n") == 1, err
    assert f"table changes, row id {row}, column new" in err
    assert "Traceback" not in err


def test_a_history_that_cannot_be_opened_is_a_state_error(state: State, tmp_path: Path) -> None:
    state.path = tmp_path / "moved away.db"
    with pytest.raises(StateError, match=r"moved away\.db: cannot read the order history \("):
        samples(state, ME)


def test_a_watched_check_plans_the_alerts_from_history(state: State) -> None:
    fourteen_orders(state)
    seen = T0 + minutes(14 * 360)  # 21:00 in Tokyo on 03-05
    new = make_order(NEW_ID, placed_on=date(2026, 3, 5))
    with Notifier(desktop=False, console=io.StringIO(), lang="en") as notifier:
        check = WatchedCheck(
            ME, JP, "https://www.amazon.co.jp", Config(), state, notifier, "en", lambda: seen
        )
        outcome = check.run(lambda: CrawlResult(orders=[new]))
    window = outcome.assessments[NEW_ID].cancel
    assert (window.known, window.closes_at) == (Known.HISTORY, seen + minutes(30))
    # 30 minutes ahead: every lead has passed but the nearest, 30 minutes, due now.
    closing = [(a.lead, a.due_at) for a in state.pending_alerts(ME) if a.kind == al.CANCEL_CLOSING]
    sent = [(a.lead, a.due_at) for a in outcome.dispatched.sent if a.kind == al.CANCEL_CLOSING]
    assert closing + sent == [("PT30M", seen)]
