"""The demo store plays amazon.co.uk and amazon.ca (issue 9, items 2 and 4), over plain
HTTP: each site's words, dates, money and session cookie, a 30-minute seller window, the
Amazon Business order awaiting approval, and both order-list layouts reading the same.

Expected strings are written by hand from the scenario's rules (START is 04:00 on 15 June
in London and 23:00 on 14 June in Toronto), not copied from the store's output."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from cancelwatch.scraper.demo import DemoStore, ManualClock
from cancelwatch.scraper.demo.cli import main as demo_store_main
from cancelwatch.scraper.demo.locale import LOCALES
from cancelwatch.scraper.read.markup import marketplaces
from cancelwatch.scraper.read.model import Approval, Cancellability, Order, OrderStatus, PageKind
from cancelwatch.scraper.read.parse import parse_page
from tests.test_demo_store import (
    Client,
    assert_order,
    expected,
    expected_on_list,
    read_all_pages,
    sign_in,
)

START = datetime(2026, 6, 15, 3, 0, tzinfo=UTC)
HISTORY = 12
SITES = ["amazon.co.uk", "amazon.ca"]
YEAR = "/your-orders/orders?timeFilter=year-2026"
# The script's own work, done by hand: the list's placeholders give way to the cards the
# page carries as data.
_LIST = re.compile(
    r'(<div id="yourOrdersList" class="a-section">).*?</div>\s*'
    r'<script type="a-state"[^>]*>(.*?)</script>',
    re.S,
)


def filled_in(sent: str) -> str:
    found = _LIST.search(sent)
    assert found is not None, "no order list and data for the script in the page"
    cards = json.loads(found.group(2))["html"]
    return sent[: found.start()] + found.group(1) + cards + "</div>" + sent[found.end() :]


@dataclass(frozen=True)
class Site:
    """One site's classic and React stores at START, each with a signed-in visitor."""

    classic: DemoStore
    react: DemoStore
    plain: Client
    """Signed in to the classic store."""
    modern: Client
    """Signed in to the React store."""

    @property
    def name(self) -> str:
        return self.classic.marketplace


@pytest.fixture(scope="module")
def sites() -> Iterator[Callable[[str], Site]]:
    """Started once per site for the module, as a test first asks for it."""
    started: dict[str, Site] = {}
    with ExitStack() as stack:

        def site(name: str) -> Site:
            if name not in started:
                classic = DemoStore(name, clock=ManualClock(START), history=HISTORY)
                react = DemoStore(name, clock=ManualClock(START), history=HISTORY, layout="react")
                stack.enter_context(classic)
                stack.enter_context(react)
                plain, modern = Client(classic), Client(react)
                sign_in(plain)
                sign_in(modern)
                started[name] = Site(classic, react, plain, modern)
            return started[name]

        yield site
        for running in started.values():
            for store in (running.classic, running.react):
                assert [r for r in store.requests if r.mutating] == [], "a mutating request"


@pytest.fixture
def moving_store(request: pytest.FixtureRequest) -> Iterator[DemoStore]:
    with DemoStore(request.param, clock=ManualClock(START)) as running:
        yield running


def essentials(order: Order) -> tuple[object, ...]:
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
        order.approval,
        order.cancel_url,
        order.details_url,
        tuple(s.tracking_url for s in order.shipments),
        tuple(item.asin for item in order.items),
    )


# ---- what each site prints ------------------------------------------------------------------


def test_every_marketplace_cancelwatch_reads_is_one_the_demo_store_plays() -> None:
    assert sorted(LOCALES) == marketplaces()
    assert {"amazon.co.uk", "amazon.ca"} <= set(LOCALES)


def test_demo_store_command_offers_the_new_sites(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        demo_store_main(["--marketplace", "amazon.de"])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert "invalid choice: 'amazon.de'" in err
    assert "'amazon.ca'" in err and "'amazon.co.uk'" in err


@pytest.mark.parametrize(
    ("site", "cookie"), [("amazon.co.uk", "at-acbuk"), ("amazon.ca", "at-acbca")]
)
def test_sign_in_sets_the_sites_own_session_cookie(site: str, cookie: str) -> None:
    with DemoStore(site, clock=ManualClock(START)) as store:
        visitor = Client(store)
        landed = sign_in(visitor)
        assert parse_page(landed.body, site).page_kind is PageKind.ORDER_LIST
        assert visitor.cookie_names() == {cookie}


def test_amazon_co_uk_speaks_british_with_day_first_dates_and_pounds(
    sites: Callable[[str], Site],
) -> None:
    uk = sites("amazon.co.uk")
    body = uk.plain.get(f"{YEAR}&startIndex=0").body
    assert '<html lang="en-gb"' in body
    for words in ("Dispatch to", "Not yet dispatched", "Preparing for dispatch", "Dispatched"):
        assert f">{words}</span>" in body, words
    assert "Ship to" not in body and "shipped" not in body.lower()
    assert ">14 June 2026<" in body  # the Kindle book, bought yesterday in London
    assert ">£64.99<" in body  # the earbuds
    preorder = uk.classic.scenario.by_case("preorder")
    details = uk.plain.get(f"/gp/css/order-details?orderID={preorder.id}").body
    assert "Release date: Tuesday, 4 August 2026" in details  # 50 days after 15 June
    assert "Postage &amp; Packing:" in details


def test_amazon_ca_speaks_as_amazon_com_with_canadian_dollars(
    sites: Callable[[str], Site],
) -> None:
    ca = sites("amazon.ca")
    body = ca.plain.get(f"{YEAR}&startIndex=0").body
    assert '<html lang="en-ca"' in body
    assert ">Ship to</span>" in body and ">Not yet shipped</span>" in body
    assert "Dispatch" not in body
    assert ">June 13, 2026<" in body  # the Kindle book, bought yesterday in Toronto
    assert ">CDN$ 99.99<" in body  # the earbuds; a bare "$" would be US dollars here
    assert not re.search(r"(?<!CDN)\$\s?\d", body)


# ---- the classic layout reads as the scenario says ------------------------------------------


@pytest.mark.parametrize("site", SITES)
def test_every_classic_list_page_parses_to_the_scenario(
    sites: Callable[[str], Site], site: str
) -> None:
    running = sites(site)
    store = running.classic
    pages = read_all_pages(running.plain, f"{YEAR}&startIndex=0")
    assert len(pages) == 3  # 15 + 12 orders, ten a page
    orders = [o for p in pages for o in p.orders]
    assert [o.id for o in orders] == [o.id for o in store.scenario.orders]
    currency = {"amazon.co.uk": "GBP", "amazon.ca": "CAD"}[site]
    for parsed, order in zip(orders, store.scenario.orders, strict=True):
        assert_order(parsed, expected_on_list(expected(store, order)))
        assert parsed.approval is order.approval, order.case
        assert parsed.currency == currency


@pytest.mark.parametrize("site", SITES)
@pytest.mark.parametrize(
    "case",
    [
        "seller_window",
        "cancellable_soon",
        "business",
        "preparing",
        "preorder",
        "shipped_1",
        "shipped_4",
        "delivered",
        "left_at_door",
        "cancelled",
    ],
)
def test_details_page_parses_to_the_scenario(
    sites: Callable[[str], Site], site: str, case: str
) -> None:
    running = sites(site)
    order = running.classic.scenario.by_case(case)
    page = running.plain.parse(f"/gp/css/order-details?orderID={order.id}")
    assert page.page_kind is PageKind.ORDER_DETAILS
    assert_order(page.orders[0], expected(running.classic, order))
    assert page.orders[0].approval is order.approval


@pytest.mark.parametrize("site", SITES)
@pytest.mark.parametrize("case", ["kindle", "app", "music"])
def test_digital_summary_parses_to_the_scenario(
    sites: Callable[[str], Site], site: str, case: str
) -> None:
    running = sites(site)
    order = running.classic.scenario.by_case(case)
    page = running.plain.parse(f"/gp/digital/your-account/order-summary.html?orderID={order.id}")
    assert page.page_kind is PageKind.DIGITAL_ORDER
    assert_order(page.orders[0], expected(running.classic, order))


@pytest.mark.parametrize("site", SITES)
@pytest.mark.parametrize("case", ["shipped_1", "shipped_2", "shipped_3", "shipped_4"])
def test_tracking_page_parses_to_the_scenario(
    sites: Callable[[str], Site], site: str, case: str
) -> None:
    running = sites(site)
    order = running.classic.scenario.by_case(case)
    page = running.plain.parse(order.tracking_url(START) or "")
    want = expected(running.classic, order).tracking
    assert page.page_kind is PageKind.TRACKING
    assert page.tracking is not None and want is not None
    assert (page.tracking.carrier, page.tracking.tracking_id) == want
    assert page.tracking.warnings == ()


# ---- the React layout -----------------------------------------------------------------------


@pytest.mark.parametrize("site", SITES)
def test_the_react_page_as_sent_is_an_empty_shell(sites: Callable[[str], Site], site: str) -> None:
    sent = sites(site).modern.get(f"{YEAR}&page=1")
    assert sent.status == 200
    page = parse_page(sent.body, site)
    assert page.page_kind is PageKind.EMPTY_SHELL
    assert page.orders == () and page.order_count is None


@pytest.mark.parametrize("site", SITES)
def test_every_react_page_filled_in_reads_as_the_classic_page(
    sites: Callable[[str], Site], site: str
) -> None:
    running = sites(site)
    for number, size in ((1, 10), (2, 10), (3, 7)):
        plain = running.plain.parse(f"{YEAR}&startIndex={(number - 1) * 10}")
        filled = parse_page(filled_in(running.modern.get(f"{YEAR}&page={number}").body), site)
        assert filled.page_kind is PageKind.ORDER_LIST
        assert len(filled.orders) == len(plain.orders) == size
        assert [essentials(o) for o in filled.orders] == [essentials(o) for o in plain.orders]
        assert filled.next_page_url == (f"{YEAR}&page={number + 1}" if number < 3 else None)


@pytest.mark.parametrize(
    ("site", "case", "classic", "react"),
    [
        ("amazon.co.uk", "left_at_door", "£8.20", "£8.2"),
        ("amazon.co.uk", "delivered", "£34.00", "£34.00"),
        ("amazon.ca", "shipped_2", "CDN$ 24.50", "CDN$ 24.5"),
    ],
)
def test_react_totals_drop_a_trailing_zero_of_the_cents_and_read_the_same(
    sites: Callable[[str], Site], site: str, case: str, classic: str, react: str
) -> None:
    running = sites(site)
    order = running.classic.scenario.by_case(case)
    number = [o.id for o in running.classic.scenario.orders].index(order.id) // 10 + 1
    plain = running.plain.get(f"{YEAR}&startIndex={(number - 1) * 10}").body
    filled = filled_in(running.modern.get(f"{YEAR}&page={number}").body)
    assert f"<span>{react}</span>" in filled
    assert (f"<span>{classic}</span>" in filled) is (react == classic)
    assert f">{classic}</span>" in plain
    totals = {o.id: o.total for o in parse_page(filled, site).orders}
    assert totals[order.id] == order.total


@pytest.mark.parametrize(
    ("site", "placed_by"), [("amazon.co.uk", "Alex Taylor"), ("amazon.ca", "Sam Tremblay")]
)
def test_the_business_order_awaits_approval_in_both_layouts(
    sites: Callable[[str], Site], site: str, placed_by: str
) -> None:
    running = sites(site)
    order = running.classic.scenario.by_case("business")
    assert running.react.scenario.by_case("business").id == order.id
    # Only the Business order has an approver.
    assert [o.case for o in running.classic.scenario.orders if o.approval] == ["business"]
    react_body = filled_in(running.modern.get(f"{YEAR}&page=1").body)
    (card,) = [c for c in react_body.split('id="orderCard"') if f"</span> {order.id}</span>" in c]
    assert 'id="orderCardApprovalMessageBox"' in card
    assert ">This order is awaiting approval.</span>" in card
    assert 'href="/ab/approvals/' in card
    assert ">Placed by</span>" in card and f"<span>{placed_by}</span>" in card
    for body in (react_body, running.plain.get(f"{YEAR}&startIndex=0").body):
        parsed = {o.id: o for o in parse_page(body, site).orders}[order.id]
        assert parsed.approval is Approval.PENDING
        assert (parsed.status, parsed.cancellable, parsed.cancel_url) == (
            OrderStatus.PENDING,
            Cancellability.NO,
            None,
        )


@pytest.mark.parametrize("site", SITES)
def test_the_react_layout_changes_only_the_order_list(
    sites: Callable[[str], Site], site: str
) -> None:
    running = sites(site)
    pages = []
    for store, client in ((running.classic, running.plain), (running.react, running.modern)):
        order = store.scenario.by_case("shipped_2")
        pages.append(
            [
                client.get(f"/gp/css/order-details?orderID={order.id}").body,
                client.get(order.tracking_url(START) or "").body,
            ]
        )
    assert pages[0] == pages[1]


# ---- the seller's window ----------------------------------------------------------------------


@pytest.mark.parametrize("moving_store", SITES, indirect=True)
def test_a_seller_order_is_cancellable_for_thirty_minutes(moving_store: DemoStore) -> None:
    visitor = Client(moving_store)
    sign_in(visitor)
    order = moving_store.scenario.by_case("seller_window")
    assert START - order.placed_at == timedelta(minutes=1)
    url = f"/gp/css/order-details?orderID={order.id}"
    clock = moving_store.clock
    assert isinstance(clock, ManualClock)
    clock.advance(timedelta(minutes=28, seconds=59))  # 29:59 after the order
    assert visitor.parse(url).orders[0].cancellable is Cancellability.YES
    clock.advance(timedelta(seconds=1))  # 30:00
    after = visitor.parse(url).orders[0]
    assert after.cancellable is Cancellability.REQUEST
    assert after.cancel_url is not None and "cancelRequest=1" in after.cancel_url
