"""The demo store's React order list (issue 9): skeleton first, cards filled in by script.

The page the server sends must read as an empty shell; once Chromium has run its script
it must read as the classic page of the same scenario at the same clock; a whole check
and `cancelwatch demo --layout react` must find the same orders and windows as with the
classic layout; and no request may change anything."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import nullcontext
from datetime import UTC, datetime
from typing import Any

import pytest
from click.testing import CliRunner
from playwright.sync_api import Browser

from cancelwatch.scheduler.cli import demo as demo_cli
from cancelwatch.scheduler.cli.context import App
from cancelwatch.scheduler.cli.main import cli, run
from cancelwatch.scheduler.watch.check import Target, read_orders
from cancelwatch.scraper.browse.browser import new_context
from cancelwatch.scraper.browse.credentials import Credentials
from cancelwatch.scraper.browse.options import CrawlOptions
from cancelwatch.scraper.demo import (
    DEMO_EMAIL,
    DEMO_PASSWORD,
    DEMO_TOTP_SECRET,
    DemoStore,
    FaultOptions,
    ManualClock,
)
from cancelwatch.scraper.demo.locale import LOCALES, locale_for
from cancelwatch.scraper.errors import SelectorFailure
from cancelwatch.scraper.read.model import Order, PageKind, ParsedPage
from cancelwatch.scraper.read.parse import parse_page
from tests.test_demo_store import Client, sign_in

START = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)  # noon in Tokyo
MARKETPLACES = ["amazon.co.jp", "amazon.com"]
# `cancelwatch demo --layout react` is held to the classic run on every site the store
# plays; the other Chromium tests here read two sites only, since tests/test_demo_uk_ca.py
# holds amazon.co.uk and amazon.ca to the scenario in both layouts over HTTP.
EVERY_SITE = sorted(LOCALES)
LIST = "/your-orders/orders?timeFilter=year-2026"
SKELETONS = (
    ".orderCardHeaderTitleSkeleton, .orderCardHeaderOrderIdSkeleton, "
    ".orderCardOrderStatusSkeleton, .orderSearchItemImageSkeleton"
)
FAST = CrawlOptions(delay_seconds=0, retries=1, timeout_seconds=15, render_wait_seconds=8)


@pytest.fixture(autouse=True)
def _home(tmp_path, monkeypatch):
    monkeypatch.setenv("CANCELWATCH_HOME", str(tmp_path))


@pytest.fixture
def make_store() -> Iterator[Callable[..., DemoStore]]:
    """Stores at START; after each test, none may have seen a mutating request."""
    stores: list[DemoStore] = []

    def make(marketplace: str, layout: str = "react", **kwargs: Any) -> DemoStore:
        store = DemoStore(marketplace, clock=ManualClock(START), layout=layout, **kwargs)
        store.start()
        stores.append(store)
        return store

    yield make
    for store in stores:
        store.stop()
        assert [r for r in store.requests if r.mutating] == [], "a mutating request got through"


def signed_in(store: DemoStore) -> Client:
    client = Client(store)
    sign_in(client)
    return client


def essentials(order: Order) -> tuple[object, ...]:
    """What the list tells about an order, as the brief compares the two layouts by."""
    return (
        order.id,
        order.status,
        order.cancellable,
        order.total,
        order.currency,
        order.placed_on,
        order.digital,
        order.return_until,
        order.preorder,
        order.cancel_url,
        order.details_url,
        tuple(s.tracking_url for s in order.shipments),
        tuple(item.asin for item in order.items),
    )


def read_in_chromium(browser: Browser, client: Client, path: str) -> ParsedPage:
    """The page after its script has run, as Chromium holds it, signed in with the
    client's session cookies."""
    store = client.store
    context = new_context(browser, site=store.base_url)
    try:
        context.add_cookies(
            [{"name": c.name, "value": c.value or "", "url": store.base_url} for c in client.jar]
        )
        page = context.new_page()
        page.goto(store.base_url + path, wait_until="domcontentloaded")
        page.wait_for_selector("#orderIdField", timeout=10_000)
        # The placeholders stay in the page after fill-in, as on Amazon.
        assert page.locator(SKELETONS).count() >= 4
        return parse_page(page.content(), store.marketplace)
    finally:
        context.close()


# ---- the page as sent, and as filled in ----------------------------------------------------


@pytest.mark.parametrize("marketplace", MARKETPLACES)
def test_the_page_the_server_sends_is_an_empty_shell(make_store, marketplace):
    store = make_store(marketplace)
    sent = signed_in(store).get(LIST)
    assert sent.status == 200
    page = parse_page(sent.body, marketplace)
    assert page.page_kind is PageKind.EMPTY_SHELL
    assert page.orders == () and page.order_count is None
    assert 'id="orderCard"' not in sent.body.split("<script", 1)[0]  # no card before the script
    assert "num-orders" not in sent.body


@pytest.mark.parametrize("marketplace", MARKETPLACES)
def test_filled_in_list_reads_as_the_classic_list_of_the_same_clock(
    make_store, browser, marketplace
):
    react, classic = make_store(marketplace), make_store(marketplace, layout="classic")
    react_client, classic_client = signed_in(react), signed_in(classic)
    for page_no, next_page in ((1, f"{LIST}&page=2"), (2, None)):
        start = (page_no - 1) * 10
        filled = read_in_chromium(browser, react_client, f"{LIST}&page={page_no}")
        plain = classic_client.parse(f"{LIST}&startIndex={start}")
        assert filled.page_kind is PageKind.ORDER_LIST
        assert len(filled.orders) == len(plain.orders) == (10 if page_no == 1 else 4)
        assert [essentials(o) for o in filled.orders] == [essentials(o) for o in plain.orders]
        # The new layout pages by ?page=N, and has no order count.
        assert filled.next_page_url == next_page
        assert filled.order_count is None


@pytest.mark.parametrize("marketplace", MARKETPLACES)
def test_every_page_by_page_number_holds_every_order_of_the_year(make_store, marketplace):
    store = make_store(marketplace, history=25)
    client = signed_in(store)
    classic = signed_in(make_store(marketplace, layout="classic", history=25))
    for page_no in range(1, 5):  # 39 orders in 2026
        sent = client.get(f"{LIST}&page={page_no}").body
        assert parse_page(sent, marketplace).page_kind is PageKind.EMPTY_SHELL
        plain = classic.parse(f"{LIST}&startIndex={(page_no - 1) * 10}")
        # What the script will put in: every order id of the classic page, in order.
        ids = [o.id for o in plain.orders]
        script = sent.split('type="a-state"', 1)[1]
        assert ids and [i for i in ids if i in script] == ids


# ---- a whole check in Chromium -------------------------------------------------------------


def _read(store: DemoStore, browser: Browser, options: CrawlOptions = FAST):
    target = Target(
        "demo",
        store.marketplace,
        store.base_url,
        lambda: Credentials(DEMO_EMAIL, DEMO_PASSWORD, DEMO_TOTP_SECRET),
        None,
    )
    return read_orders(target, browser, options=options, today=START.date())


@pytest.mark.parametrize("marketplace", MARKETPLACES)
def test_a_check_reads_every_order_as_the_scenario_says(make_store, browser, marketplace):
    store = make_store(marketplace)
    result = _read(store, browser)
    locale = locale_for(marketplace)
    want = {o.id: o.expected(locale, START) for o in store.scenario.orders}
    assert sorted(o.id for o in result.orders) == sorted(want)
    for order in result.orders:
        expected = want[order.id]
        got = (order.placed_on, order.total, order.status, order.cancellable, order.digital)
        assert got == (
            expected.placed_on,
            expected.total,
            expected.status,
            expected.cancellable,
            expected.digital,
        ), order.id
        assert order.return_until == expected.return_until, order.id
    preorder = next(o for o in result.orders if o.preorder is not None)
    assert preorder.preorder == want[preorder.id].preorder  # deadline from the details page
    list_loads = [r for r in store.requests if r.path == "/your-orders/orders"]
    assert any("page=2" in r.query for r in list_loads)  # paged by the layout's own links


def test_a_check_waits_for_a_slow_fill_in(make_store, browser):
    store = make_store(
        "amazon.com", faults=["js-render"], fault_options=FaultOptions(js_delay_ms=1500)
    )
    assert len(_read(store, browser).orders) == len(store.scenario.orders)


def test_a_skeleton_never_filled_in_is_an_empty_shell_failure_not_no_orders(make_store, browser):
    store = make_store(
        "amazon.co.jp", faults=["js-render"], fault_options=FaultOptions(js_delay_ms=60_000)
    )
    options = CrawlOptions(delay_seconds=0, retries=0, timeout_seconds=15, render_wait_seconds=1)
    with pytest.raises(SelectorFailure, match="showed no orders and no order count within 1 s"):
        _read(store, browser, options)


# ---- `cancelwatch demo --layout react` ------------------------------------------------------


DemoRun = Callable[..., tuple[dict[str, Any], str]]


@pytest.fixture
def demo_json(browser: Browser, monkeypatch: pytest.MonkeyPatch) -> DemoRun:
    """`cancelwatch demo --json …` at START, in the session's browser rather than one
    launched per run (eight runs here): its JSON and its progress lines."""
    monkeypatch.setattr(demo_cli, "open_browser", lambda *_, **__: nullcontext(browser))

    def demo(*args: str) -> tuple[dict[str, Any], str]:
        with CliRunner().isolation() as streams:
            code = run(cli, ["demo", "--json", *args], app=App(clock=lambda: START))
            out, err = streams[0].getvalue().decode(), streams[1].getvalue().decode()
        assert code == 0, err
        summary: dict[str, Any] = json.loads(out)
        return summary, err

    return demo


def windows(summary: dict[str, Any]) -> dict[str, tuple[object, ...]]:
    return {
        o["id"]: (
            o["status"],
            o["cancellable"],
            o["total"],
            o["placed_on"],
            o["return_until"],
            o["window"],
            o["return_window"],
            o["approval"],
        )
        for o in summary["open_orders"]
    }


def alerts(summary: dict[str, Any]) -> list[tuple[str, str, str]]:
    return sorted((a["order_id"], a["kind"], a["title"]) for a in summary["alerts_sent"])


@pytest.mark.parametrize("marketplace", EVERY_SITE)
def test_demo_react_shows_the_same_open_orders_and_windows_as_classic(
    demo_json: DemoRun, marketplace: str
) -> None:
    classic, _ = demo_json("--marketplace", marketplace)
    react, progress = demo_json("--marketplace", marketplace, "--layout", "react")
    assert f"demo store for {marketplace}, react layout at http://127.0.0.1:" in progress
    assert react["error"] is None and react["warnings"] == classic["warnings"]
    assert react["open_orders"] != []
    assert windows(react) == windows(classic)
    assert alerts(react) == alerts(classic) != []
    assert react["orders_read"] == classic["orders_read"]
    # The Amazon Business order (amazon.co.uk and amazon.ca) is read awaiting approval.
    scenario = DemoStore(marketplace, clock=ManualClock(START)).scenario
    business = {o.id: o.approval.value for o in scenario.orders if o.approval is not None}
    assert {o["id"]: o["approval"] for o in react["open_orders"] if o["approval"]} == business
