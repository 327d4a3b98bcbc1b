"""A check that follows an earlier one lets that check's sight stand in for pages where it
can (the rules: scraper/browse/crawl.py's docstring):
- the sellers read off details pages, always: who sells an item of an order does not
  change; the page of an order whose items the sight does not cover is read;
- a pre-order's details, only while that reading is recent, the list shows the same
  release date and neither the release nor the stated deadline is near;
- tracking pages, only while that reading is recent and the list shows the order's
  shipments as it did then.

Real Chromium on the demo store, as in test_e2e_demo.py."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from cancelwatch.scheduler.config.settings import Config
from cancelwatch.scheduler.notify.channels import Notifier
from cancelwatch.scheduler.state.store import State
from cancelwatch.scheduler.watch.accounts import previous_sight
from cancelwatch.scheduler.watch.check import Target, read_orders
from cancelwatch.scheduler.watch.monitor import WatchedCheck
from cancelwatch.scraper.browse.crawl import CrawlResult, Sight
from cancelwatch.scraper.browse.credentials import Credentials
from cancelwatch.scraper.browse.options import CrawlOptions
from cancelwatch.scraper.demo import (
    DEMO_EMAIL,
    DEMO_PASSWORD,
    DEMO_TOTP_SECRET,
    DemoStore,
    ManualClock,
)
from cancelwatch.scraper.read.model import (
    Cancellability,
    Item,
    Order,
    OrderStatus,
    PreOrder,
    Tracking,
    to_json,
)

START = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)
DEMO_CREDENTIALS = Credentials(DEMO_EMAIL, DEMO_PASSWORD, DEMO_TOTP_SECRET)
FAST = CrawlOptions(delay_seconds=0, retries=1, timeout_seconds=15, render_wait_seconds=8)


@pytest.fixture(autouse=True)
def _home(tmp_path, monkeypatch):
    monkeypatch.setenv("CANCELWATCH_HOME", str(tmp_path))


@pytest.fixture
def store() -> Iterator[DemoStore]:
    demo = DemoStore("amazon.co.jp", clock=ManualClock(START))
    demo.start()
    yield demo
    demo.stop()
    assert [r for r in demo.requests if r.mutating] == [], "a mutating request got through"


def _read(store: DemoStore, browser, previous=None):
    target = Target(
        "demo",
        store.scenario.marketplace,
        store.base_url,
        lambda: Credentials(DEMO_EMAIL, DEMO_PASSWORD, DEMO_TOTP_SECRET),
        None,
    )
    return read_orders(target, browser, options=FAST, today=START.date(), previous=previous)


def _details_opened(store: DemoStore) -> list[str]:
    return [f"{r.path}?{r.query}" for r in store.requests if "order-details" in r.path]


def _tracking_opened(store: DemoStore) -> list[str]:
    return [f"{r.path}?{r.query}" for r in store.requests if "progress-tracker" in r.path]


def _first_read(store: DemoStore, browser) -> CrawlResult:
    first = _read(store, browser)
    # The scenario's three: the pre-order and the two other cancellable orders; and the
    # tracking page of each of its orders on their way.
    assert len(_details_opened(store)) == 3
    assert len(_tracking_opened(store)) == sum(map(len, first.tracking.values())) > 1
    store.clear_requests()
    return first


def _sights(first: CrawlResult, *, recent: bool = False) -> dict[str, Sight]:
    return {
        o.id: Sight(
            o,
            tuple(first.tracking.get(o.id, ())),
            details_recent=recent,
            tracking_recent=recent,
        )
        for o in first.orders
    }


def _unlinked(result: CrawlResult) -> dict[str, Order]:
    return {
        o.id: replace(
            o, items=tuple(replace(i, url=i.url and i.url.split("?")[0]) for i in o.items)
        )
        for o in result.orders
    }


def _preorder_of(sights: dict[str, Sight]) -> Sight:
    return next(s for s in sights.values() if s.order.preorder is not None)


def test_a_later_check_takes_known_sellers_and_reads_only_the_preorders_details(store, browser):
    first = _first_read(store, browser)
    sights = _sights(first)
    sellers = {
        o.id: tuple(i.seller for i in o.items)
        for o in first.orders
        if o.cancellable is Cancellability.YES
    }
    assert all(all(s) for s in sellers.values())  # the first check did read them

    second = _read(store, browser, previous=sights.get)

    (opened,) = _details_opened(store)
    preorder = next(o for o in second.orders if o.preorder is not None)
    assert preorder.id in opened
    for order in second.orders:
        if order.id in sellers:
            assert tuple(i.seller for i in order.items) == sellers[order.id], order.id
    assert preorder.preorder == sights[preorder.id].order.preorder
    # Not recent: the tracking pages are read again, and the pre-order's page too.
    assert len(_tracking_opened(store)) == sum(map(len, first.tracking.values()))
    assert second.details_read == {preorder.id}
    assert second.tracking_read == set(first.tracking)


def test_recent_pages_stand_in_for_reading_them_again(store, browser):
    first = _first_read(store, browser)
    sights = _sights(first, recent=True)

    second = _read(store, browser, previous=sights.get)

    assert _details_opened(store) == [] and _tracking_opened(store) == []
    assert second.details_read == set() and second.tracking_read == set()
    # The same orders, sellers and dates; an item's link differs only in its ref= tag
    # (the list's, against the details page's).
    assert _unlinked(second) == _unlinked(first)
    assert second.tracking == first.tracking
    preorder = _preorder_of(sights).order
    assert preorder.preorder is not None and preorder.preorder.cancel_deadline is not None


def test_a_preorder_whose_release_date_moved_is_read_again(store, browser):
    sights = _sights(_first_read(store, browser), recent=True)
    sight = _preorder_of(sights)
    known = sight.order.preorder
    assert known is not None and known.release_date is not None
    moved = PreOrder(known.release_date - timedelta(days=7), known.cancel_deadline)
    sights[sight.order.id] = replace(sight, order=replace(sight.order, preorder=moved))

    second = _read(store, browser, previous=sights.get)

    (opened,) = _details_opened(store)
    assert sight.order.id in opened and second.details_read == {sight.order.id}
    again = next(o for o in second.orders if o.id == sight.order.id)
    assert again.preorder == known  # the page's dates, not the sight's


def test_a_preorder_near_its_stated_deadline_is_read_on_every_check(store, browser):
    sights = _sights(_first_read(store, browser), recent=True)
    sight = _preorder_of(sights)
    known = sight.order.preorder
    assert known is not None
    near = replace(known, cancel_deadline=START.date() + timedelta(days=1))
    sights[sight.order.id] = replace(sight, order=replace(sight.order, preorder=near))

    _read(store, browser, previous=sights.get)

    (opened,) = _details_opened(store)
    assert sight.order.id in opened


def test_a_shipment_the_list_shows_otherwise_gets_its_tracking_read_again(store, browser):
    first = _first_read(store, browser)
    sights = _sights(first, recent=True)
    moving_id = next(iter(first.tracking))
    sight = sights[moving_id]
    moved = tuple(replace(s, status_text="an older status line") for s in sight.order.shipments)
    stale = Tracking(carrier=None, tracking_id=None, status=OrderStatus.SHIPPED)
    sights[moving_id] = replace(
        sight, order=replace(sight.order, shipments=moved), tracking=(stale,)
    )

    second = _read(store, browser, previous=sights.get)

    (opened,) = _tracking_opened(store)
    assert moving_id in opened
    assert second.tracking == first.tracking and second.tracking_read == {moving_id}


def test_a_tracking_reading_that_is_not_recent_is_read_again(store, browser):
    first = _first_read(store, browser)
    sights = _sights(first, recent=True)
    moving_id = next(iter(first.tracking))
    sights[moving_id] = replace(sights[moving_id], tracking_recent=False)

    second = _read(store, browser, previous=sights.get)

    (opened,) = _tracking_opened(store)
    assert moving_id in opened and _details_opened(store) == []
    assert second.tracking_read == {moving_id}


def test_an_order_whose_items_the_earlier_sight_lacks_is_read_again(store, browser):
    sights = _sights(_first_read(store, browser))
    seller_order = next(
        s.order
        for s in sights.values()
        if s.order.cancellable is Cancellability.YES and s.order.preorder is None and s.order.items
    )
    other_item = replace(seller_order.items[0], asin="B000000000", title="another item")
    sights[seller_order.id] = Sight(replace(seller_order, items=(other_item,)))

    second = _read(store, browser, previous=sights.get)

    opened = _details_opened(store)
    assert len(opened) == 2  # the pre-order's, and this one's
    assert any(seller_order.id in path for path in opened)
    again = next(o for o in second.orders if o.id == seller_order.id)
    assert again.items[0].seller == seller_order.items[0].seller


def test_an_order_the_earlier_sight_took_for_a_preorder_is_read_again(store, browser):
    sights = _sights(_first_read(store, browser), recent=True)
    order = next(
        s.order
        for s in sights.values()
        if s.order.cancellable is Cancellability.YES and s.order.preorder is None
    )
    far = START.date() + timedelta(days=90)
    sights[order.id] = replace(sights[order.id], order=replace(order, preorder=PreOrder(far, far)))

    _read(store, browser, previous=sights.get)

    opened = _details_opened(store)
    assert len(opened) == 1
    assert order.id in opened[0]


def test_checks_in_a_row_read_the_pages_again_only_once_the_readings_are_old(
    store, browser, tmp_path
):
    """As `cancelwatch check` runs them, on one state.db: a check minutes after the first
    reads only the order list; once the refresh hours have passed, the pages again."""
    target = Target(
        "demo", store.scenario.marketplace, store.base_url, lambda: DEMO_CREDENTIALS, None
    )
    clock = store.clock
    with State.open(tmp_path / "state.db") as state, Notifier(desktop=False) as notifier:
        check = WatchedCheck(
            "demo", "amazon.co.jp", store.base_url, Config(), state, notifier, "en", clock.now
        )

        def run() -> tuple[list[str], list[str]]:
            store.clear_requests()
            previous = previous_sight(state, "demo", clock.now(), timedelta(hours=6))
            read = lambda: read_orders(  # noqa: E731
                target, browser, options=FAST, today=START.date(), previous=previous
            )
            outcome = check.run(read)
            assert outcome.error is None
            return _details_opened(store), _tracking_opened(store)

        first = run()
        assert len(first[0]) == 3 and first[1]
        preorder = next(o for o in state.orders() if o.release_date is not None)
        assert preorder.details_read_at == START and preorder.tracking_read_at is None

        clock.advance(timedelta(minutes=5))
        assert run() == ([], [])
        kept = state.order(preorder.order_id, "demo")
        assert kept is not None and kept.details_read_at == START

        clock.advance(timedelta(hours=6))
        later = run()
        assert [preorder.order_id in path for path in later[0]] == [True]
        # Six hours on, more orders are on their way: every page read first is read again.
        assert set(first[1]) <= set(later[1])


class _State:
    """state.db's `order` lookup, holding what a test puts in it."""

    def __init__(self, stored: dict[str, object], **read_at: datetime | None) -> None:
        self.stored = stored
        self.read_at = read_at
        self.asked: list[tuple[str, str | None]] = []

    def order(self, order_id: str, account: str | None = None):
        self.asked.append((order_id, account))
        data = self.stored.get(order_id)
        if data is None:
            return None
        tracking = [to_json(Tracking("Yamato", "1234-5678-9012", OrderStatus.IN_TRANSIT))]
        return SimpleNamespace(
            order=data,
            tracking=tracking,
            details_read_at=self.read_at.get("details"),
            tracking_read_at=self.read_at.get("tracking"),
        )


ORDER = Order(
    id="249-1",
    placed_on=START.date(),
    total=None,
    currency=None,
    status=OrderStatus.PENDING,
    cancellable=Cancellability.YES,
    cancel_url=None,
    digital=False,
    preorder=None,
    left_at_door=None,
    return_until=None,
    items=(Item("a kettle", "/dp/B09GQ50VUQ", seller="見本家電", asin="B09GQ50VUQ"),),
)
SIX_HOURS = timedelta(hours=6)


def test_previous_sight_reads_the_order_as_the_database_keeps_it() -> None:
    state = _State({"249-1": to_json(ORDER)})

    sight = previous_sight(state, "demo", START, SIX_HOURS)  # type: ignore[arg-type]

    found = sight("249-1")
    assert found is not None and found.order == ORDER
    assert found.tracking == (Tracking("Yamato", "1234-5678-9012", OrderStatus.IN_TRANSIT),)
    assert sight("249-2") is None
    assert state.asked == [("249-1", "demo"), ("249-2", "demo")]


@pytest.mark.parametrize(
    ("read_ago", "recent"),
    [
        (None, False),  # never read
        (timedelta(0), True),
        (timedelta(hours=5, minutes=59), True),
        (timedelta(hours=6), False),  # as old as the refresh: read again
        (timedelta(days=3), False),
        (-timedelta(minutes=1), False),  # from after now: the clock went back, trust none
    ],
)
def test_a_reading_is_recent_only_within_the_refresh_hours(
    read_ago: timedelta | None, recent: bool
) -> None:
    when = None if read_ago is None else START - read_ago
    details = _State({"249-1": to_json(ORDER)}, details=when)
    tracking = _State({"249-1": to_json(ORDER)}, tracking=when)

    by_details = previous_sight(details, "demo", START, SIX_HOURS)("249-1")  # type: ignore[arg-type]
    by_tracking = previous_sight(tracking, "demo", START, SIX_HOURS)("249-1")  # type: ignore[arg-type]

    assert by_details is not None and by_tracking is not None
    assert (by_details.details_recent, by_details.tracking_recent) == (recent, False)
    assert (by_tracking.details_recent, by_tracking.tracking_recent) == (False, recent)


def test_a_refresh_of_zero_hours_makes_no_reading_recent() -> None:
    state = _State({"249-1": to_json(ORDER)}, details=START, tracking=START)

    found = previous_sight(state, "demo", START, timedelta(0))("249-1")  # type: ignore[arg-type]

    assert found is not None and not found.details_recent and not found.tracking_recent


@pytest.mark.parametrize(
    "damaged",
    [
        {"placed_on": "2026-11-26"},  # no id
        {"id": "249-1", "total": "a lot"},
        {"id": "249-1", "status": "lost in space"},
        {"id": "249-1", "items": ["not an item"]},
        {"id": "249-1", "placed_on": "yesterday"},
    ],
)
def test_a_stored_order_that_does_not_read_is_no_sight(damaged) -> None:
    state = _State({"249-1": damaged})

    sight = previous_sight(state, "demo", START, SIX_HOURS)  # type: ignore[arg-type]

    assert sight("249-1") is None
