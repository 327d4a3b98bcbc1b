"""End to end: real Chromium signs in to the demo store and reads every order.

One browser for the session (conftest), one demo store per test that needs its own
faults or history. After each store stops, its log must show no mutating request: the
read-only guard held."""

from __future__ import annotations

import stat
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest

from cancelwatch.scheduler.watch.check import Target, read_orders
from cancelwatch.scraper.browse.browser import new_context
from cancelwatch.scraper.browse.credentials import (
    Credentials,
    drop_session,
    load_session,
    session_path,
)
from cancelwatch.scraper.browse.guard import guard_of
from cancelwatch.scraper.browse.login import rejected_marker
from cancelwatch.scraper.browse.options import CrawlOptions
from cancelwatch.scraper.demo import (
    DEMO_EMAIL,
    DEMO_PASSWORD,
    DEMO_TOTP_SECRET,
    DemoStore,
    FaultOptions,
    ManualClock,
)
from cancelwatch.scraper.demo.locale import locale_for
from cancelwatch.scraper.errors import AmazonUnavailable, SelectorFailure, SignInNeeded
from cancelwatch.scraper.read.model import Cancellability, OrderStatus

START = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)  # noon in Tokyo
FAST = CrawlOptions(delay_seconds=0, retries=1, timeout_seconds=15, render_wait_seconds=8)


class MemoryStore:
    """A secret store in memory, standing in for the OS keyring."""

    def __init__(self) -> None:
        self.values: dict[tuple[str, str], str] = {}

    def get(self, account: str, key: str) -> str | None:
        return self.values.get((account, key))

    def set(self, account: str, key: str, value: str) -> None:
        self.values[(account, key)] = value

    def delete(self, account: str, key: str) -> bool:
        return self.values.pop((account, key), None) is not None


def _demo_credentials() -> Credentials:
    return Credentials(DEMO_EMAIL, DEMO_PASSWORD, DEMO_TOTP_SECRET)


@pytest.fixture(autouse=True)
def _home(tmp_path, monkeypatch):
    monkeypatch.setenv("CANCELWATCH_HOME", str(tmp_path))


@pytest.fixture
def make_store() -> Iterator[Callable[..., DemoStore]]:
    stores: list[DemoStore] = []

    def make(marketplace: str = "amazon.co.jp", **kwargs) -> DemoStore:
        store = DemoStore(marketplace, clock=kwargs.pop("clock", ManualClock(START)), **kwargs)
        store.start()
        stores.append(store)
        return store

    yield make
    for store in stores:
        store.stop()
        assert [r for r in store.requests if r.mutating] == [], "a mutating request got through"


def _target(store: DemoStore, secrets=None, credentials=_demo_credentials) -> Target:
    return Target("demo", store.scenario.marketplace, store.base_url, credentials, secrets)


def _read(store: DemoStore, browser, secrets=None, options=FAST, **kwargs):
    return read_orders(
        _target(store, secrets, kwargs.pop("credentials", _demo_credentials)),
        browser,
        options=options,
        today=START.date(),
        **kwargs,
    )


def _sign_in_posts(store: DemoStore) -> int:
    return sum(1 for r in store.requests if r.method == "POST" and r.path == "/ap/signin")


@pytest.mark.parametrize("marketplace", ["amazon.co.jp", "amazon.com"])
def test_signs_in_with_otp_and_reads_every_order_as_the_scenario_says(
    make_store, browser, marketplace
):
    store = make_store(marketplace)
    result = _read(store, browser)
    assert result.signed_in
    assert _sign_in_posts(store) == 3  # email, password, one-time code
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
        assert order.left_at_door == expected.left_at_door, order.id
        if expected.tracking is not None and order.status in (
            OrderStatus.SHIPPED,
            OrderStatus.IN_TRANSIT,
        ):
            carrier, number = expected.tracking
            (tracking,) = result.tracking[order.id]
            assert (tracking.carrier, tracking.tracking_id) == (carrier, number)
            assert tracking.warnings == ()
    preorder = next(o for o in result.orders if o.preorder is not None)
    assert preorder.preorder == want[preorder.id].preorder  # deadline from the details page


def test_three_pages_and_more_with_a_long_history(make_store, browser):
    store = make_store(history=26)
    result = _read(store, browser, options=CrawlOptions(delay_seconds=0, lookback_days=3650))
    assert result.pages_read >= 4
    assert len(result.orders) == len(store.scenario.orders) == 40


def test_stops_paging_once_a_page_holds_only_old_closed_orders(make_store, browser):
    store = make_store(history=200)
    result = _read(store, browser)
    assert result.pages_read <= 3
    open_ids = {
        o.id
        for o in store.scenario.orders
        if o.stage(START).status not in (OrderStatus.DELIVERED, OrderStatus.CANCELLED)
    }
    assert open_ids <= {o.id for o in result.orders}


def test_after_a_first_check_paging_stops_where_a_page_ends_in_old_closed_orders(
    make_store, browser
):
    store = make_store(history=200)
    open_orders = [
        o for o in store.scenario.orders
        if o.stage(START).status not in (OrderStatus.DELIVERED, OrderStatus.CANCELLED)
    ]  # fmt: skip
    oldest_open = min(o.expected(locale_for("amazon.co.jp"), START).placed_on for o in open_orders)
    first = _read(store, browser, known_open_since=oldest_open)
    loads = _list_loads(store)
    again = _read(store, browser, known_open_since=oldest_open, read_before=True)
    # The first check reads on until a whole page is old and closed; a later one, which
    # knows where the open orders are, stops at the first page that ends so.
    assert again.pages_read < first.pages_read
    assert _list_loads(store) - loads < loads  # fewer list pages fetched from the store
    assert {o.id for o in open_orders} <= {o.id for o in again.orders}


def _list_loads(store: DemoStore) -> int:
    return sum(1 for r in store.requests if r.path == "/your-orders/orders")


def test_second_check_reuses_the_session(make_store, browser):
    store = make_store()
    secrets = MemoryStore()
    assert _read(store, browser, secrets).signed_in
    posts = _sign_in_posts(store)
    second = _read(store, browser, secrets)
    assert not second.signed_in
    assert _sign_in_posts(store) == posts
    assert len(second.orders) == len(store.scenario.orders)


def test_a_logout_while_a_check_reads_is_not_undone_when_it_ends(make_store, browser):
    store = make_store()
    secrets = MemoryStore()
    _read(store, browser, secrets)
    assert session_path("demo").exists()
    # `cancelwatch logout` runs while the second check is paging: it deletes the session.
    second = _read(store, browser, secrets, progress=lambda _: drop_session("demo"))
    assert len(second.orders) == len(store.scenario.orders)
    assert not session_path("demo").exists()
    assert load_session("demo", secrets) is None


def test_a_first_sign_in_keeps_its_session(make_store, browser):
    store = make_store()
    secrets = MemoryStore()
    assert not session_path("demo").exists()
    assert _read(store, browser, secrets).signed_in
    assert load_session("demo", secrets) is not None


def test_expired_session_signs_in_again(make_store, browser):
    store = make_store()
    secrets = MemoryStore()
    _read(store, browser, secrets)
    store.expire_sessions()
    again = _read(store, browser, secrets)
    assert again.signed_in
    assert len(again.orders) == len(store.scenario.orders)


def test_session_expiring_while_paging_signs_in_once_and_resumes(make_store, browser):
    store = make_store(history=20, faults=["session-expiry"])
    result = _read(store, browser, options=CrawlOptions(delay_seconds=0, lookback_days=3650))
    assert _sign_in_posts(store) == 6
    assert len(result.orders) == len(store.scenario.orders)


def test_rejected_password_is_never_tried_again(make_store, browser):
    store = make_store()
    wrong = lambda: Credentials(DEMO_EMAIL, "not-the-password", DEMO_TOTP_SECRET)  # noqa: E731
    with pytest.raises(SignInNeeded, match="rejected the password") as caught:
        _read(store, browser, credentials=wrong)
    assert "not-the-password" not in str(caught.value)
    assert rejected_marker("demo").exists()
    posts = _sign_in_posts(store)
    with pytest.raises(SignInNeeded, match="does not try it again"):
        _read(store, browser, credentials=wrong)
    assert _sign_in_posts(store) == posts


def test_slow_pages_still_give_every_order(make_store, browser):
    store = make_store(faults=["slow"], fault_options=FaultOptions(slow_seconds=0.3))
    assert len(_read(store, browser).orders) == len(store.scenario.orders)


def test_cards_rendered_by_javascript_are_awaited(make_store, browser):
    store = make_store(faults=["js-render"], fault_options=FaultOptions(js_delay_ms=1200))
    assert len(_read(store, browser).orders) == len(store.scenario.orders)


def test_http_503_ends_in_amazon_unavailable_not_in_no_orders(make_store, browser):
    store = make_store(faults=["http-503"])
    with pytest.raises(AmazonUnavailable, match="kept failing"):
        _read(store, browser)


def test_truncated_pages_are_a_selector_failure_not_fewer_orders(make_store, browser):
    store = make_store(faults=["truncated-html"])
    with pytest.raises(SelectorFailure, match=r"says 14 orders but ends after 5 .* cut off"):
        _read(store, browser)


def test_markup_drift_is_a_selector_failure_with_a_redacted_copy(make_store, browser, tmp_path):
    store = make_store(faults=["markup-drift"])
    with pytest.raises(SelectorFailure, match="cancelwatch doctor") as caught:
        _read(store, browser)
    (kept,) = (tmp_path / "failed-pages").glob("amazon.co.jp-*.html")
    assert str(kept) in str(caught.value)
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    sample_name = locale_for("amazon.co.jp").w("name")  # the demo shopper, 山田 太郎
    assert sample_name not in kept.read_text(encoding="utf-8")


@pytest.mark.parametrize(("fault", "what"), [("captcha", "CAPTCHA"), ("waf", "security check")])
def test_captcha_or_waf_stops_and_says_what_to_run(make_store, browser, fault, what):
    store = make_store(faults=[fault])
    with pytest.raises(SignInNeeded, match=what) as caught:
        _read(store, browser)
    assert "cancelwatch login --account demo --headed" in str(caught.value)
    assert caught.value.exit_code == 3


def test_guard_refuses_a_cancel_url_and_the_store_never_sees_it(make_store, browser):
    store = make_store()
    secrets = MemoryStore()
    _read(store, browser, secrets)  # signed in: a cancel page would be served for real
    pending = next(
        o for o in store.scenario.orders if o.stage(START).cancellable is Cancellability.YES
    )
    cancel = store.base_url + (pending.cancel_url(START) or "")
    context = new_context(browser, site=store.base_url, storage_state=secrets_state(secrets))
    guard = guard_of(context)
    mark = guard.mark()
    try:
        page = context.new_page()
        with pytest.raises(Exception, match="ERR_ABORTED"):
            page.goto(cancel)
        assert [r.url for r in guard.since(mark)] == [cancel.split("?")[0]]
    finally:
        context.close()
    assert not [r for r in store.requests if "cancel-items" in r.path]


def secrets_state(secrets: MemoryStore):
    return load_session("demo", secrets)


def test_details_opened_only_for_open_orders_that_need_them(make_store, browser):
    store = make_store()
    _read(store, browser)
    details = [r for r in store.requests if "order-details" in r.path]
    tracking = [r for r in store.requests if r.path.startswith("/progress-tracker/package")]
    # The pre-order (its deadline) and the two other cancellable orders (who sells them:
    # a seller's window is minutes long); never a closed order.
    assert len(details) == 3
    assert len(tracking) == 4  # the four shipped orders
