"""The demo store over plain HTTP: sign-in, every page kind read by our own parser to the
scenario's values, paging, the request log, mutating URLs, the clock and every fault."""

from __future__ import annotations

import json
import re
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.cookiejar import CookieJar
from pathlib import Path
from urllib.parse import urlencode

import pyotp
import pytest

from cancelwatch.scraper.demo import DEMO_EMAIL, DEMO_PASSWORD, DemoStore, FaultOptions, ManualClock
from cancelwatch.scraper.demo.cli import main as demo_store_main
from cancelwatch.scraper.demo.scenario import DemoOrder, Expected
from cancelwatch.scraper.errors import SelectorFailure
from cancelwatch.scraper.read.carriers import Carrier, check_digit_warnings
from cancelwatch.scraper.read.model import (
    Cancellability,
    Order,
    OrderStatus,
    PageKind,
    ParsedPage,
    PreOrder,
)
from cancelwatch.scraper.read.parse import parse_page

# Mid-June: every scenario order, history included, falls in one calendar year.
START = datetime(2026, 6, 15, 3, 0, tzinfo=UTC)
HISTORY = 25
MARKETPLACES = ["amazon.co.jp", "amazon.com"]


class Reply:
    def __init__(self, status: int, headers: dict[str, str], body: str) -> None:
        self.status, self.headers, self.body = status, headers, body


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


class Client:
    """A browser-less visitor: keeps cookies, follows redirects unless told not to."""

    def __init__(self, store: DemoStore) -> None:
        self.store = store
        self.jar = CookieJar()
        cookies = urllib.request.HTTPCookieProcessor(self.jar)
        self._follow = urllib.request.build_opener(cookies)
        self._stay = urllib.request.build_opener(cookies, _NoRedirect())

    def get(self, path: str, *, follow: bool = True) -> Reply:
        return self._open(urllib.request.Request(self.store.base_url + path), follow)

    def post(self, path: str, form: dict[str, str], *, follow: bool = True) -> Reply:
        data = urlencode(form).encode()
        return self._open(urllib.request.Request(self.store.base_url + path, data=data), follow)

    def _open(self, request: urllib.request.Request, follow: bool) -> Reply:
        opener = self._follow if follow else self._stay
        try:
            with opener.open(request, timeout=10) as answer:
                return Reply(answer.status, dict(answer.headers), answer.read().decode())
        except urllib.error.HTTPError as error:
            return Reply(error.code, dict(error.headers), error.read().decode())

    def parse(self, path: str) -> ParsedPage:
        return parse_page(self.get(path).body, self.store.marketplace)

    def cookie_names(self) -> set[str]:
        return {c.name for c in self.jar}


def workflow_state(html: str) -> str:
    found = re.search(r'name="workflowState" value="([^"]*)"', html)
    assert found, "the page has no workflowState"
    return found.group(1)


def sign_in(client: Client, return_to: str = "/your-orders/orders") -> Reply:
    """Email page → password page → OTP page → back to `return_to`, signed in."""
    store = client.store
    email_page = client.get("/ap/signin?" + urlencode({"openid.return_to": return_to}))
    assert parse_page(email_page.body, store.marketplace).auth_step == "email"
    password_page = client.post("/ap/signin", {"email": DEMO_EMAIL, "openid.return_to": return_to})
    assert parse_page(password_page.body, store.marketplace).auth_step == "password"
    state = workflow_state(password_page.body)
    otp_page = client.post(
        "/ap/signin", {"email": DEMO_EMAIL, "password": DEMO_PASSWORD, "workflowState": state}
    )
    assert parse_page(otp_page.body, store.marketplace).page_kind is PageKind.OTP
    secret = store.account.totp_secret
    assert secret is not None
    code = pyotp.TOTP(secret).now()  # real time, as an authenticator app
    return client.post("/ap/signin", {"otpCode": code, "workflowState": state})


def expected_on_list(expected: Expected) -> Expected:
    """The list card shows a pre-order's release date, not its deadline."""
    if expected.preorder is None:
        return expected
    preorder = PreOrder(expected.preorder.release_date, None)
    return Expected(**{**expected.__dict__, "preorder": preorder})


def assert_order(parsed: Order, expected: Expected) -> None:
    got = (
        parsed.id,
        parsed.placed_on,
        parsed.total,
        parsed.currency,
        parsed.status,
        parsed.cancellable,
        parsed.digital,
        parsed.preorder,
        parsed.left_at_door,
        parsed.return_until,
    )
    want = (
        expected.id,
        expected.placed_on,
        expected.total,
        expected.currency,
        expected.status,
        expected.cancellable,
        expected.digital,
        expected.preorder,
        expected.left_at_door,
        expected.return_until,
    )
    assert got == want


def expected(store: DemoStore, order: DemoOrder) -> Expected:
    return order.expected(store.locale, store.clock.now())


def read_all_pages(client: Client, first: str) -> list[ParsedPage]:
    pages, url = [], first
    while url:
        page = client.parse(url)
        assert page.page_kind is PageKind.ORDER_LIST
        pages.append(page)
        url = page.next_page_url or ""
    return pages


@pytest.fixture(scope="module", params=MARKETPLACES)
def store(request: pytest.FixtureRequest) -> Iterator[DemoStore]:
    with DemoStore(request.param, clock=ManualClock(START), history=HISTORY) as running:
        yield running


@pytest.fixture(scope="module")
def client(store: DemoStore) -> Client:
    visitor = Client(store)
    sign_in(visitor)
    return visitor


@pytest.fixture(scope="module")
def fault_store() -> Iterator[DemoStore]:
    options = FaultOptions(slow_seconds=0.3, js_delay_ms=50)
    with DemoStore("amazon.co.jp", clock=ManualClock(START), fault_options=options) as running:
        yield running


@pytest.fixture
def faulty(fault_store: DemoStore) -> Iterator[DemoStore]:
    """The fault store, with every switch off again after the test."""
    yield fault_store
    fault_store.set_faults(())


@pytest.fixture
def fault_client(faulty: DemoStore) -> Client:
    visitor = Client(faulty)
    sign_in(visitor)
    return visitor


@pytest.fixture
def moving_store(tmp_path: Path) -> Iterator[DemoStore]:
    """A store of its own whose clock a test may move."""
    clock = ManualClock(START)
    log = tmp_path / "requests.jsonl"
    ttl = timedelta(hours=2)
    with DemoStore("amazon.co.jp", clock=clock, session_ttl=ttl, log_path=log) as running:
        yield running


# ---- sign-in ------------------------------------------------------------------------------


def test_sign_in_with_otp_gives_a_session_cookie(store: DemoStore) -> None:
    visitor = Client(store)
    landed = sign_in(visitor)
    assert landed.status == 200
    assert parse_page(landed.body, store.marketplace).page_kind is PageKind.ORDER_LIST
    assert {"at-acbjp", "at-main"} & visitor.cookie_names()


def test_order_list_without_a_session_redirects_to_sign_in(store: DemoStore) -> None:
    reply = Client(store).get("/your-orders/orders?timeFilter=months-3", follow=False)
    assert reply.status == 302
    assert reply.headers["Location"].startswith("/ap/signin?openid.return_to=%2Fyour-orders")


def test_a_rejected_password_shows_the_password_page_with_an_error(store: DemoStore) -> None:
    visitor = Client(store)
    first = visitor.post("/ap/signin", {"email": DEMO_EMAIL})
    state = workflow_state(first.body)
    rejected = visitor.post(
        "/ap/signin", {"email": DEMO_EMAIL, "password": "wrong", "workflowState": state}
    )
    page = parse_page(rejected.body, store.marketplace)
    assert page.auth_step == "password"
    assert "auth-error-message-box" in rejected.body
    assert not visitor.cookie_names()


def test_a_wrong_otp_code_is_refused(store: DemoStore) -> None:
    visitor = Client(store)
    first = visitor.post("/ap/signin", {"email": DEMO_EMAIL})
    state = workflow_state(first.body)
    visitor.post(
        "/ap/signin", {"email": DEMO_EMAIL, "password": DEMO_PASSWORD, "workflowState": state}
    )
    refused = visitor.post("/ap/signin", {"otpCode": "000000x", "workflowState": state})
    assert parse_page(refused.body, store.marketplace).page_kind is PageKind.OTP
    assert not visitor.cookie_names()


def test_an_unknown_email_stays_on_the_email_page(store: DemoStore) -> None:
    reply = Client(store).post("/ap/signin", {"email": "nobody@example.com"})
    assert parse_page(reply.body, store.marketplace).auth_step == "email"
    assert "auth-error-message-box" in reply.body


def test_the_session_expires_after_its_time(moving_store: DemoStore) -> None:
    visitor = Client(moving_store)
    sign_in(visitor)
    assert visitor.get("/your-orders/orders", follow=False).status == 200
    assert isinstance(moving_store.clock, ManualClock)
    moving_store.clock.advance(timedelta(hours=2, seconds=1))
    assert visitor.get("/your-orders/orders", follow=False).status == 302


# ---- pages parse to the scenario --------------------------------------------------------------


def test_every_list_page_parses_to_the_scenario(store: DemoStore, client: Client) -> None:
    pages = read_all_pages(client, "/your-orders/orders?timeFilter=months-3")
    listed = store.scenario.listed(store.clock.now(), "months-3")
    assert len(pages) >= 3
    assert all(p.order_count == len(listed) for p in pages)
    orders = [o for p in pages for o in p.orders]
    assert [o.id for o in orders] == [o.id for o in listed]
    for parsed, order in zip(orders, listed, strict=True):
        assert_order(parsed, expected_on_list(expected(store, order)))


def test_list_cards_carry_cancel_and_tracking_links(store: DemoStore, client: Client) -> None:
    page = client.parse("/your-orders/orders?timeFilter=months-3")
    by_id = {o.id: o for o in page.orders}
    now = store.clock.now()
    for order in store.scenario.orders[:10]:
        parsed = by_id[order.id]
        url = order.cancel_url(now)
        if url is None:
            assert parsed.cancel_url is None
        else:
            assert parsed.cancel_url is not None and parsed.cancel_url.startswith(url)
        tracking = order.tracking_url(now)
        assert [s.tracking_url for s in parsed.shipments if s.tracking_url] == (
            [tracking] if tracking else []
        )


@pytest.mark.parametrize(
    "case",
    [
        "seller_window",
        "cancellable_soon",
        "preparing",
        "preorder",
        "shipped_1",
        "shipped_2",
        "shipped_3",
        "shipped_4",
        "delivered",
        "left_at_door",
        "cancelled",
    ],
)
def test_details_page_parses_to_the_scenario(store: DemoStore, client: Client, case: str) -> None:
    order = store.scenario.by_case(case)
    page = client.parse(f"/gp/css/order-details?orderID={order.id}")
    assert page.page_kind is PageKind.ORDER_DETAILS
    assert_order(page.orders[0], expected(store, order))


@pytest.mark.parametrize("case", ["kindle", "app", "music"])
def test_digital_summary_parses_to_the_scenario(
    store: DemoStore, client: Client, case: str
) -> None:
    order = store.scenario.by_case(case)
    assert order.id.startswith("D01-")
    page = client.parse(f"/gp/digital/your-account/order-summary.html?orderID={order.id}")
    assert page.page_kind is PageKind.DIGITAL_ORDER
    assert_order(page.orders[0], expected(store, order))


def test_the_kindle_book_was_bought_yesterday(store: DemoStore) -> None:
    kindle = store.scenario.by_case("kindle")
    assert store.clock.now() - kindle.placed_at == timedelta(days=1)


@pytest.mark.parametrize(
    "case", ["shipped_1", "shipped_2", "shipped_3", "shipped_4", "left_at_door"]
)
def test_tracking_page_parses_to_the_scenario(store: DemoStore, client: Client, case: str) -> None:
    order = store.scenario.by_case(case)
    url = order.tracking_url(store.clock.now())
    assert url is not None and "/preship/" not in url
    page = client.parse(url)
    want = expected(store, order).tracking
    assert page.page_kind is PageKind.TRACKING
    assert page.tracking is not None and want is not None
    assert (page.tracking.carrier, page.tracking.tracking_id) == want
    assert page.tracking.warnings == ()


def test_shipped_orders_cover_the_carriers(store: DemoStore) -> None:
    carriers = {store.scenario.by_case(f"shipped_{n}").parcel.carrier for n in range(1, 5)}  # type: ignore[union-attr]
    if store.marketplace == "amazon.co.jp":
        assert carriers == {Carrier.YAMATO, Carrier.SAGAWA, Carrier.JAPAN_POST, Carrier.AMAZON_JP}
    else:
        assert carriers == {Carrier.UPS, Carrier.USPS, Carrier.FEDEX, Carrier.AMAZON_LOGISTICS}


def test_every_tracking_id_passes_its_check_digit(store: DemoStore) -> None:
    parcels = [o.parcel for o in store.scenario.orders if o.parcel is not None]
    assert parcels
    for parcel in parcels:
        assert check_digit_warnings(parcel.carrier, parcel.tracking_id) == []
        if parcel.carrier in (Carrier.YAMATO, Carrier.SAGAWA, Carrier.JAPAN_POST):
            number = parcel.tracking_id
            assert len(number) == 12 and int(number[:11]) % 7 == int(number[11])


def test_time_filters_choose_the_orders(store: DemoStore, client: Client) -> None:
    last30 = client.parse("/your-orders/orders?timeFilter=last30")
    assert last30.order_count == store.scenario.base_count
    year = client.parse("/your-orders/orders?timeFilter=year-2026")
    assert year.order_count == len(store.scenario.orders)
    assert client.parse("/your-orders/orders?timeFilter=year-2019").page_kind is PageKind.ORDER_LIST


def test_history_adds_closed_orders_behind_the_open_ones(store: DemoStore) -> None:
    orders = store.scenario.orders
    assert len(orders) == store.scenario.base_count + HISTORY
    old = orders[store.scenario.base_count :]
    assert {o.case for o in old} == {"history"}
    assert all(o.stage(store.clock.now()).status is OrderStatus.DELIVERED for o in old)


def _open_at_start(order: DemoOrder, now: datetime) -> bool:
    stage = order.stage(now)
    closed = stage.status in (OrderStatus.DELIVERED, OrderStatus.CANCELLED)
    return not closed or stage.cancellable is not Cancellability.NO


@pytest.mark.parametrize("marketplace", MARKETPLACES)
@pytest.mark.parametrize("total", [5, 30, 3000])
def test_the_benchmark_preset_has_five_open_orders_in_front(marketplace: str, total: int) -> None:
    store = DemoStore(marketplace, clock=ManualClock(START), preset="benchmark", history=total - 5)
    orders = store.scenario.orders
    assert len(orders) == total
    assert store.scenario.base_count == 5
    opened = [o for o in orders if _open_at_start(o, START)]
    assert [o.case for o in opened] == [
        "seller_window",
        "cancellable_soon",
        "preparing",
        "shipped_1",
        "preorder",
    ]
    # Newest first, the open ones in front, every closed one older than every open one.
    assert orders[:5] == tuple(opened)
    assert [o.placed_at for o in orders] == sorted((o.placed_at for o in orders), reverse=True)
    assert {o.case for o in orders[5:]} <= {"history"}
    # The open orders are the full scenario's, with the same ids.
    full = DemoStore(marketplace, clock=ManualClock(START)).scenario
    assert all(full.find(o.id) == o for o in opened)


def test_an_unknown_preset_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown scenario preset 'tiny'"):
        DemoStore("amazon.co.jp", preset="tiny")  # type: ignore[arg-type]


def test_searching_a_digital_order_id_lands_on_it(store: DemoStore, client: Client) -> None:
    kindle = store.scenario.by_case("kindle")
    page = client.parse(f"/your-orders/search?search={kindle.id}")
    assert [o.id for o in page.orders] == [kindle.id]
    assert page.page_kind is PageKind.DIGITAL_ORDER


# ---- the clock moves orders along ---------------------------------------------------------------


def test_the_clock_moves_an_order_from_cancellable_to_shipped(moving_store: DemoStore) -> None:
    visitor = Client(moving_store)
    sign_in(visitor)
    order = moving_store.scenario.by_case("cancellable_soon")
    url = f"/gp/css/order-details?orderID={order.id}"
    clock = moving_store.clock
    assert isinstance(clock, ManualClock)

    first = visitor.parse(url).orders[0]
    assert (first.status, first.cancellable) == (OrderStatus.PENDING, Cancellability.YES)
    clock.advance(timedelta(minutes=11))
    second = visitor.parse(url).orders[0]
    assert (second.status, second.cancellable) == (OrderStatus.PREPARING, Cancellability.NO)
    clock.advance(timedelta(minutes=30))
    third = visitor.parse(url).orders[0]
    assert third.status is OrderStatus.SHIPPED
    assert third.shipments[0].tracking_url == order.tracking_url(clock.now())


def test_a_seller_order_becomes_request_only_after_five_minutes(moving_store: DemoStore) -> None:
    visitor = Client(moving_store)
    sign_in(visitor)
    order = moving_store.scenario.by_case("seller_window")
    url = f"/gp/css/order-details?orderID={order.id}"
    assert visitor.parse(url).orders[0].cancellable is Cancellability.YES
    assert isinstance(moving_store.clock, ManualClock)
    moving_store.clock.advance(timedelta(minutes=4, seconds=1))
    after = visitor.parse(url).orders[0]
    assert after.cancellable is Cancellability.REQUEST
    assert after.cancel_url is not None and "cancelRequest=1" in after.cancel_url


# ---- the request log and mutating URLs ----------------------------------------------------------


def test_the_request_log_records_every_request(moving_store: DemoStore) -> None:
    visitor = Client(moving_store)
    moving_store.clear_requests()
    visitor.get("/your-orders/orders?timeFilter=last30", follow=False)
    entry = moving_store.requests[-1]
    assert (entry.method, entry.path, entry.query) == (
        "GET",
        "/your-orders/orders",
        "timeFilter=last30",
    )
    assert (entry.status, entry.mutating, entry.time) == (302, None, moving_store.clock.now())
    assert moving_store.log_path is not None
    lines = moving_store.log_path.read_text().splitlines()
    assert json.loads(lines[-1])["path"] == "/your-orders/orders"


def test_the_log_never_holds_the_password(moving_store: DemoStore) -> None:
    sign_in(Client(moving_store))
    assert moving_store.log_path is not None
    assert DEMO_PASSWORD not in moving_store.log_path.read_text()


@pytest.mark.parametrize(
    ("path", "action"),
    [
        ("/progress-tracker/package/preship/cancel-items?orderID={id}", "cancel"),
        ("/gp/css/order/edit.html?orderID={id}&useCase=cancel", "edit"),
        ("/your-account/order-edit.html?orderID={id}&type=e", "edit"),
        ("/ss/help/contact/?orderId={id}&sellerID=A1DEMOSELLER&cancelRequest=1", "cancel_request"),
        ("/spr/returns/cart?orderId={id}", "return"),
        ("/gp/buy/spc/handlers/display.html?orderID={id}", "buy"),
        ("/checkout/entry/buynow?orderID={id}", "buy"),
    ],
)
def test_mutating_urls_are_answered_and_logged(
    store: DemoStore, client: Client, path: str, action: str
) -> None:
    order = store.scenario.by_case("cancellable_soon")
    store.clear_requests()
    reply = client.get(path.format(id=order.id))
    assert reply.status == 200
    assert f'data-demo-action="{action}"' in reply.body
    assert order.id in reply.body
    assert [(r.path, r.mutating) for r in store.requests] == [(path.partition("?")[0], action)]
    form_action = re.search(r'<form method="post" action="([^"]+)"', reply.body)
    assert form_action is not None
    client.post(form_action.group(1).replace("&amp;", "&"), {"orderID": order.id})
    assert store.requests[-1].mutating == action
    assert store.scenario.by_case("cancellable_soon").stage(store.clock.now()).cancellable is (
        Cancellability.YES
    )


def test_a_signed_out_mutating_request_is_still_logged(store: DemoStore) -> None:
    store.clear_requests()
    Client(store).get("/progress-tracker/package/preship/cancel-items?orderID=1", follow=False)
    assert [r.mutating for r in store.requests] == ["cancel"]


# ---- faults -------------------------------------------------------------------------------------


def test_slow_pages_are_slow(faulty: DemoStore, fault_client: Client) -> None:
    faulty.set_faults(["slow"])
    began = time.monotonic()
    fault_client.get("/your-orders/orders")
    assert time.monotonic() - began >= 0.3


def test_http_503_serves_amazons_error_page(faulty: DemoStore, fault_client: Client) -> None:
    faulty.set_faults("http-503")
    reply = fault_client.get("/your-orders/orders")
    assert reply.status == 503
    assert parse_page(reply.body, "amazon.co.jp").page_kind is PageKind.ERROR


def test_truncated_html_cuts_the_page(faulty: DemoStore, fault_client: Client) -> None:
    whole = fault_client.get("/your-orders/orders").body
    faulty.set_faults(["truncated-html"])
    cut = fault_client.get("/your-orders/orders").body
    assert whole.startswith(cut) and len(cut) < len(whole) and "</html>" not in cut


def test_markup_drift_blinds_the_parser_but_keeps_the_count(
    faulty: DemoStore, fault_client: Client
) -> None:
    faulty.set_faults(["markup-drift"])
    body = fault_client.get("/your-orders/orders").body
    assert "num-orders" in body and 'class="oc-x oc-js-x"' in body
    assert 'class="order-card js-order-card"' not in body
    with pytest.raises(SelectorFailure):
        parse_page(body, "amazon.co.jp")


def test_session_expiry_strikes_in_the_middle_of_paging(faulty: DemoStore) -> None:
    # 14 orders: two list pages, so startIndex=10 is the second page.
    visitor = Client(faulty)
    sign_in(visitor)
    faulty.set_faults(["session-expiry"])
    assert visitor.get("/your-orders/orders?startIndex=0", follow=False).status == 200
    expired = visitor.get("/your-orders/orders?startIndex=10", follow=False)
    assert expired.status == 302 and expired.headers["Location"].startswith("/ap/signin")
    sign_in(visitor, "/your-orders/orders?startIndex=10")
    assert visitor.get("/your-orders/orders?startIndex=10", follow=False).status == 200


def test_captcha_at_sign_in_then_otp_once_solved(faulty: DemoStore) -> None:
    faulty.set_faults(["captcha"])
    visitor = Client(faulty)
    state = workflow_state(visitor.post("/ap/signin", {"email": DEMO_EMAIL}).body)
    captcha = visitor.post(
        "/ap/signin", {"email": DEMO_EMAIL, "password": DEMO_PASSWORD, "workflowState": state}
    )
    assert parse_page(captcha.body, "amazon.co.jp").page_kind is PageKind.CAPTCHA
    solved = visitor.get(
        "/errors/validateCaptcha?" + urlencode({"field-keywords": "demo42", "workflowState": state})
    )
    assert parse_page(solved.body, "amazon.co.jp").page_kind is PageKind.OTP


def test_waf_challenge_until_the_token_cookie_is_set(
    faulty: DemoStore, fault_client: Client
) -> None:
    faulty.set_faults(["waf"])
    reply = fault_client.get("/your-orders/orders")
    assert reply.status == 202
    assert parse_page(reply.body, "amazon.co.jp").page_kind is PageKind.CHALLENGE
    token = re.search(r"aws-waf-token=([^;]+);", reply.body)
    assert token is not None
    request = urllib.request.Request(
        faulty.base_url + "/your-orders/orders", headers={"Cookie": f"aws-waf-token={token[1]}"}
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        # Past the WAF: now the sign-in redirect, as for any visitor without a session.
        assert parse_page(answer.read().decode(), "amazon.co.jp").page_kind is PageKind.SIGN_IN


def test_js_render_serves_an_empty_shell_whose_script_holds_the_cards(
    faulty: DemoStore, fault_client: Client
) -> None:
    faulty.set_faults(["js-render"])
    body = fault_client.get("/your-orders/orders").body
    assert parse_page(body, "amazon.co.jp").page_kind is PageKind.EMPTY_SHELL
    payload = re.search(r"innerHTML = (\".*\");\s*\}, 50\);", body, re.S)
    assert payload is not None
    inserted = body.replace(payload.group(0), "").replace(
        '<div id="ordersContainer" class="js-yo-orders"></div>',
        json.loads(payload.group(1)),
    )
    page = parse_page(inserted, "amazon.co.jp")
    assert len(page.orders) == 10


def test_faults_can_be_switched_at_run_time(faulty: DemoStore, fault_client: Client) -> None:
    faulty.set_faults("http-503")
    assert fault_client.get("/your-orders/orders").status == 503
    faulty.set_faults(())
    assert fault_client.get("/your-orders/orders").status == 200


def test_an_unknown_fault_name_is_an_error(faulty: DemoStore) -> None:
    with pytest.raises(ValueError, match="unknown fault 'slowly'"):
        faulty.set_faults(["slowly"])


def test_demo_store_command_refuses_an_unknown_fault(capsys: pytest.CaptureFixture[str]) -> None:
    assert demo_store_main(["--faults", "nope"]) == 2
    assert "unknown fault 'nope'" in capsys.readouterr().out


def test_demo_store_command_refuses_an_unknown_layout(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        demo_store_main(["--layout", "grid"])
    assert exited.value.code == 2
    assert "invalid choice: 'grid'" in capsys.readouterr().err


def test_an_unknown_layout_is_refused_before_the_store_starts() -> None:
    with pytest.raises(ValueError, match="unknown layout 'grid'; known: classic, react"):
        DemoStore("amazon.com", layout="grid")


def test_the_cli_offers_the_layouts_the_store_serves() -> None:
    from cancelwatch.scheduler.cli.demo import LAYOUTS as offered  # noqa: PLC0415
    from cancelwatch.scraper.demo.pages import LAYOUTS  # noqa: PLC0415

    assert offered == LAYOUTS


@pytest.mark.parametrize("marketplace", MARKETPLACES)
def test_the_react_layout_changes_only_the_order_list(marketplace: str) -> None:
    classic = DemoStore(marketplace, clock=ManualClock(START))
    react = DemoStore(marketplace, clock=ManualClock(START), layout="react")
    with classic, react:
        pages = {}
        for store in (classic, react):
            client = Client(store)
            sign_in(client)
            order = next(o for o in store.scenario.orders if o.tracking_url(START))
            pages[store.layout] = [
                client.get(f"/gp/css/order-details?orderID={order.id}").body,
                client.get(order.tracking_url(START) or "").body,
            ]
        assert pages["react"] == pages["classic"]
