"""A check that follows an earlier one takes the sellers that check read off the details
pages, instead of loading those pages again: who sells an item of an order does not
change. A pre-order's details page is still read (its dates can move), and so is the
page of any order whose items the earlier sight does not cover.

Real Chromium on the demo store, as in test_e2e_demo.py."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from cancelwatch.scheduler.watch.accounts import previous_sight
from cancelwatch.scheduler.watch.check import Target, read_orders
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
    to_json,
)

START = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)
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


def _first_sights(store: DemoStore, browser) -> dict[str, Order]:
    first = _read(store, browser)
    # The scenario's three: the pre-order and the two other cancellable orders.
    assert len(_details_opened(store)) == 3
    store.clear_requests()
    return {o.id: o for o in first.orders}


def test_a_later_check_takes_known_sellers_and_reads_only_the_preorders_details(store, browser):
    sights = _first_sights(store, browser)
    sellers = {
        o.id: tuple(i.seller for i in o.items)
        for o in sights.values()
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
    assert preorder.preorder == sights[preorder.id].preorder


def test_an_order_whose_items_the_earlier_sight_lacks_is_read_again(store, browser):
    sights = _first_sights(store, browser)
    seller_order = next(
        o
        for o in sights.values()
        if o.cancellable is Cancellability.YES and o.preorder is None and o.items
    )
    other_item = replace(seller_order.items[0], asin="B000000000", title="another item")
    sights[seller_order.id] = replace(seller_order, items=(other_item,))

    second = _read(store, browser, previous=sights.get)

    opened = _details_opened(store)
    assert len(opened) == 2  # the pre-order's, and this one's
    assert any(seller_order.id in path for path in opened)
    again = next(o for o in second.orders if o.id == seller_order.id)
    assert again.items[0].seller == seller_order.items[0].seller


def test_an_order_the_earlier_sight_took_for_a_preorder_is_read_again(store, browser):
    sights = _first_sights(store, browser)
    order = next(
        o for o in sights.values() if o.cancellable is Cancellability.YES and o.preorder is None
    )
    sights[order.id] = replace(order, preorder=PreOrder(START.date(), START.date()))

    _read(store, browser, previous=sights.get)

    opened = _details_opened(store)
    assert len(opened) == 2
    assert any(order.id in path for path in opened)


class _State:
    """state.db's `order` lookup, holding what a test puts in it."""

    def __init__(self, stored: dict[str, object]) -> None:
        self.stored = stored
        self.asked: list[tuple[str, str | None]] = []

    def order(self, order_id: str, account: str | None = None):
        self.asked.append((order_id, account))
        data = self.stored.get(order_id)
        return None if data is None else SimpleNamespace(order=data)


def test_previous_sight_reads_the_order_as_the_database_keeps_it() -> None:
    order = Order(
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
    state = _State({"249-1": to_json(order)})

    sight = previous_sight(state, "demo")  # type: ignore[arg-type]

    assert sight("249-1") == order
    assert sight("249-2") is None
    assert state.asked == [("249-1", "demo"), ("249-2", "demo")]


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
    sight = previous_sight(_State({"249-1": damaged}), "demo")  # type: ignore[arg-type]

    assert sight("249-1") is None
