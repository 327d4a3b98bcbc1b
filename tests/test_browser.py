"""The browser module against real Chromium and a local web server.

The guard is the product's promise never to cancel anything, so these tests check what
reaches the server, not only what the page saw.
"""

from __future__ import annotations

import logging
import stat
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import Browser, BrowserContext, Playwright
from playwright.sync_api import Error as PlaywrightError

from scraper import browser as browser_module
from scraper.browser import (
    ENV_VAR,
    BrowserChoice,
    Verdict,
    find_browser,
    guard_of,
    is_mutating_url,
    is_refused,
    launch,
    new_context,
    verdict,
)
from scraper.errors import BrowserUnavailable, ConfigError, NoDisplay, UsageError

if TYPE_CHECKING:
    from tests.conftest import LocalStore

# As in conftest.py, which pytest imports under another name: not imported from there.
CANCEL_PATH = "/progress-tracker/package/preship/cancel-items"
PAGE_TIMEOUT_MS = 10_000
SESSION_COOKIE = "session-token=signed-in"
BLOCKED_BY_CLIENT = "net::ERR_BLOCKED_BY_CLIENT"
WAF_HOST = "1c5c1ecf7303.a481e94e.us-east-2.token.awswaf.com"  # from the saved WAF page


# --- which URLs are mutating (no browser) ---------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "https://www.amazon.com/progress-tracker/package/preship/cancel-items?orderID=111-1",
        "https://www.amazon.co.jp/gp/css/order/edit.html?ie=UTF8&orderID=1&useCase=cancel",
        "https://www.amazon.com/your-account/order-edit.html?orderID=1&type=e",
        "https://www.amazon.com/ss/help/contact/?orderID=1&cancelRequest=1",
        "https://www.amazon.com/spr/returns/cart?orderId=111-1",
        "https://www.amazon.com/gp/css/returns/homepage.html",
        "https://www.amazon.com/gp/buy/spc/handlers/display.html",
        "https://www.amazon.com/checkout/entry/cart",
        "https://www.amazon.com/buy-now/B000",
        "https://www.amazon.com/gp/buyagain?ie=UTF8",
        "https://www.amazon.com/cart/add-to-cart/ref=x",
        "https://www.amazon.com/gp/cart/view.html",
        "https://www.amazon.co.jp/gp/aw/c?ref_=navm_hdr_cart",
        # What a server would decode or fold, Chromium sends as it is.
        "https://www.amazon.com/progress-tracker/package/preship/cancel%2Ditems?orderID=1",
        "https://www.amazon.com//progress-tracker//package/preship/cancel-items",
        "https://www.amazon.com/PROGRESS-TRACKER/package/preship/Cancel-Items",
        # A sign-in that would land on a cancel page afterwards.
        "https://www.amazon.com/ap/signin?openid.return_to=https%3A%2F%2Fwww.amazon.com"
        "%2Fprogress-tracker%2Fpackage%2Fpreship%2Fcancel-items%3ForderID%3D1",
    ],
)
def test_mutating_urls_are_recognised(url: str) -> None:
    assert is_mutating_url(url)
    assert is_refused("GET", url)


@pytest.mark.parametrize(
    "url",
    [
        # Read-only links taken from the real pages in shared/fixtures.
        "https://www.amazon.com/gp/your-account/order-history?ref_=ppx_yo2ov_dt_b_tb_cancel"
        "&orderFilter=cancelled",
        "https://www.amazon.com/gp/css/order-history?ref_=nav_orders_first",
        "https://www.amazon.com/your-orders/orders?timeFilter=year-2024&startIndex=10",
        "https://www.amazon.com/gp/css/order-details?orderID=111-1&ref=ppx_yo2ov_dt_b_fed",
        "https://www.amazon.com/gp/your-account/order-details?orderID=111-1",
        "https://www.amazon.com/gp/css/summary/edit.html?orderID=111-1",
        "https://www.amazon.com/gp/css/summary/print.html?orderID=111-1",
        "https://www.amazon.com/gp/your-account/ship-track?itemId=x&orderId=111-1",
        "https://www.amazon.com/progress-tracker/package/ref=ppx_yo_dt_b_track?orderId=111-1",
        "https://www.amazon.co.jp/gp/aw/cr/B000",
        "https://www.amazon.com/ap/signin?openid.return_to=https%3A%2F%2Fwww.amazon.com%3F",
    ],
)
def test_reading_urls_pass(url: str) -> None:
    assert not is_mutating_url(url)
    assert not is_refused("GET", url)


def test_only_sign_in_forms_may_be_posted() -> None:
    assert not is_refused("POST", "https://www.amazon.com/ap/signin", b"email=a%40b.c")
    assert not is_refused("POST", "https://www.amazon.co.jp/ap/mfa?ie=UTF8", b"otpCode=1")
    assert not is_refused("POST", "https://www.amazon.com/ap/cvf/verify", b"")
    assert not is_refused("POST", "http://127.0.0.1:8000/errors/validateCaptcha", None)
    assert is_refused("POST", "https://www.amazon.com/gp/your-account/order-history")
    assert is_refused("PUT", "https://www.amazon.com/ap/signin")
    assert is_refused("DELETE", "https://www.amazon.com/your-orders/orders")


def test_sign_in_post_that_returns_to_a_cancel_page_is_refused() -> None:
    body = b"email=a&openid.return_to=https%3A%2F%2Fwww.amazon.com" + CANCEL_PATH.encode()
    assert is_refused("POST", "https://www.amazon.com/ap/signin", body)


def test_a_password_that_looks_like_a_path_does_not_block_sign_in() -> None:
    assert not is_refused("POST", "https://www.amazon.com/ap/signin", b"password=my%2Fcart%2Fpw")


@pytest.mark.parametrize(
    "url",
    [
        f"https://{WAF_HOST}/1c5c1ecf7303/d6a7a58005ec/04c5ab18cd2d/verify",
        "https://abc.us-east-1.captcha-sdk.awswaf.com/abc/jsapi.js",
        "https://client-api.arkoselabs.com/fc/gt2/public_key/x",
    ],
)
def test_challenge_hosts_may_be_posted_to(url: str) -> None:
    """A human in a visible browser must be able to pass a WAF check or a puzzle."""
    assert verdict("POST", url, b"{}") is Verdict.ALLOW


@pytest.mark.parametrize(
    "url",
    [
        "https://fls-na.amazon.com/1/batch/1/OP/ATVPDKIKX0DER:1:2$uedata=s:x",
        "https://fls-fe.amazon.co.jp/1/batch/1/OP/A1VC38T7YXB528:1:2",
        "https://unagi.amazon.com/1/events/com.amazon.csm.csa.prod",
        "https://unagi-na.amazon.com/1/events/com.amazon.csm.nexusclient.prod",
        "https://aax-us-iad.amazon.com/x/px/1",
        "https://c.amazon-adsystem.com/bao-csm/forensics/a9-tq-forensics-incremental.js",
        "https://www.amazon.com/ap/uedata?ld&v=0.1",
    ],
)
def test_amazon_beacons_are_refused_as_telemetry(url: str) -> None:
    assert verdict("POST", url, b"x") is Verdict.TELEMETRY
    assert verdict("GET", url) is Verdict.ALLOW


@pytest.mark.parametrize(
    "url",
    [
        "https://www.amazon.com/gp/your-account/order-history",
        "https://www.amazon.co.jp/your-orders/orders",
        # Look-alikes of allowed hosts are not allowed.
        "https://awswaf.com.example.net/verify",
        "https://fls-na.amazon.com.example.net/1/batch",
        "https://unagi.example.net/1/events",
    ],
)
def test_other_writes_are_refused(url: str) -> None:
    assert verdict("POST", url, b"x") is Verdict.WRITE


def test_a_mutating_url_is_refused_on_any_host() -> None:
    assert verdict("POST", f"https://{WAF_HOST}/checkout/entry/cart") is Verdict.MUTATING
    assert verdict("GET", f"https://fls-na.amazon.com{CANCEL_PATH}") is Verdict.MUTATING


# --- the guard in a real browser ------------------------------------------------------


def test_navigating_to_a_cancel_url_is_refused_before_it_leaves_the_browser(
    guarded_context: BrowserContext, store: LocalStore, caplog: pytest.LogCaptureFixture
) -> None:
    page = guarded_context.new_page()
    with (
        caplog.at_level(logging.WARNING, logger="scraper.browser"),
        pytest.raises(PlaywrightError, match="ERR_BLOCKED_BY_CLIENT"),
    ):
        page.goto(store.url(CANCEL_PATH + "?orderID=111-1"))

    assert not store.saw(CANCEL_PATH)
    assert guard_of(guarded_context).refused == [("GET", store.url(CANCEL_PATH))]
    assert f"refused GET {store.url(CANCEL_PATH)}" in caplog.text
    assert "111-1" not in caplog.text


def test_clicking_a_cancel_link_is_refused(
    guarded_context: BrowserContext, store: LocalStore
) -> None:
    page = guarded_context.new_page()
    page.goto(store.url("/orders"))
    with page.expect_event("requestfailed") as failed:
        page.click("#cancel")

    assert failed.value.failure == BLOCKED_BY_CLIENT
    assert CANCEL_PATH in failed.value.url
    assert not store.saw(CANCEL_PATH)
    assert guard_of(guarded_context).refused == [("GET", store.url(CANCEL_PATH))]


def test_posting_the_order_edit_form_is_refused(
    guarded_context: BrowserContext, store: LocalStore
) -> None:
    page = guarded_context.new_page()
    page.goto(store.url("/orders"))
    with page.expect_event("requestfailed") as failed:
        page.click("#edit button")

    assert failed.value.failure == BLOCKED_BY_CLIENT
    assert not store.saw("/gp/css/order/edit.html")
    assert guard_of(guarded_context).refused == [("POST", store.url("/gp/css/order/edit.html"))]


def test_a_script_post_outside_sign_in_is_refused(
    guarded_context: BrowserContext, store: LocalStore
) -> None:
    page = guarded_context.new_page()
    page.goto(store.url("/orders"))
    outcome = page.evaluate(
        "() => fetch('/your-orders/archive', {method: 'POST', body: 'x'})"
        ".then(() => 'sent', (error) => 'failed: ' + error.name)"
    )

    assert outcome == "failed: TypeError"
    assert not store.saw("/your-orders/archive")
    assert guard_of(guarded_context).refused == [("POST", store.url("/your-orders/archive"))]


def test_an_ordinary_order_page_loads(guarded_context: BrowserContext, store: LocalStore) -> None:
    page = guarded_context.new_page()
    response = page.goto(store.url("/gp/your-account/order-details?orderID=111-1"))

    assert response is not None
    assert response.ok
    assert store.saw("/gp/your-account/order-details?orderID=111-1", method="GET")
    assert guard_of(guarded_context).refused == []


def test_signing_in_keeps_the_cookie_set_on_the_redirect(
    guarded_context: BrowserContext, store: LocalStore
) -> None:
    """POST /ap/signin answers 302 with Set-Cookie; the next page must be signed in."""
    page = guarded_context.new_page()
    page.goto(store.url("/ap/signin"))
    with page.expect_navigation(url="**/cookie-echo"):
        page.click("#signin button")

    assert page.text_content("#cookie") == SESSION_COOKIE
    cookies = {c["name"]: c["value"] for c in guarded_context.cookies(store.base_url)}
    assert cookies["session-token"] == "signed-in"
    assert store.saw("/ap/signin", method="POST")
    assert guard_of(guarded_context).refused == []


def test_a_sign_in_that_redirects_to_a_cancel_page_stops_there(
    guarded_context: BrowserContext, store: LocalStore
) -> None:
    page = guarded_context.new_page()
    page.goto(store.url("/ap/signin?then=cancel"))
    with page.expect_event("requestfailed") as failed:
        page.click("#signin button")

    assert failed.value.failure == BLOCKED_BY_CLIENT
    assert store.saw("/ap/signin", method="POST")
    assert not store.saw(CANCEL_PATH)
    assert guard_of(guarded_context).refused == [("GET", store.url(CANCEL_PATH))]


def test_a_search_form_gets_its_results(guarded_context: BrowserContext, store: LocalStore) -> None:
    page = guarded_context.new_page()
    page.goto(store.url("/orders"))
    with page.expect_navigation(url="**/your-orders/search?search=lamp"):
        page.click("#search button")

    assert store.saw("/your-orders/search?search=lamp", method="GET")
    assert guard_of(guarded_context).refused == []


def test_a_sign_in_form_returning_to_a_cancel_page_is_refused(
    guarded_context: BrowserContext, store: LocalStore
) -> None:
    page = guarded_context.new_page()
    page.goto(store.url("/ap/signin?return_to=cancel"))
    with page.expect_event("requestfailed") as failed:
        page.click("#signin button")

    assert failed.value.failure == BLOCKED_BY_CLIENT
    assert not store.saw("/ap/signin", method="POST")


def test_images_are_blocked_by_default(guarded_context: BrowserContext, store: LocalStore) -> None:
    page = guarded_context.new_page()
    page.goto(store.url("/orders"))  # waits for "load", which waits for images

    assert not store.saw("/images/")
    assert page.eval_on_selector("#product", "img => img.naturalWidth") == 0
    assert guard_of(guarded_context).refused == []  # not a refusal: nothing was mutating


def test_images_load_when_resources_are_not_blocked(browser: Browser, store: LocalStore) -> None:
    context = new_context(browser, block_resources=False)
    try:
        page = context.new_page()
        page.set_default_timeout(PAGE_TIMEOUT_MS)
        page.goto(store.url("/orders"))

        assert store.saw("/images/I/product.png", method="GET")
        assert page.eval_on_selector("#product", "img => img.naturalWidth") == 1
    finally:
        context.close()


def test_the_guard_is_on_even_when_resources_are_not_blocked(
    browser: Browser, store: LocalStore
) -> None:
    context = new_context(browser, block_resources=False)
    try:
        page = context.new_page()
        page.set_default_timeout(PAGE_TIMEOUT_MS)
        with pytest.raises(PlaywrightError, match="ERR_BLOCKED_BY_CLIENT"):
            page.goto(store.url(CANCEL_PATH))

        assert not store.saw(CANCEL_PATH)
    finally:
        context.close()


def test_service_workers_cannot_register(
    guarded_context: BrowserContext, store: LocalStore
) -> None:
    """Service workers fetch outside the route handler, so a context must not have one."""
    page = guarded_context.new_page()
    page.goto(store.url("/orders"))
    registration = page.evaluate("() => navigator.serviceWorker.register('/sw.js')")

    assert registration is None
    assert not store.saw("/sw.js")


@pytest.mark.parametrize("start", ["/redirect-to-cancel", "/redirect-twice"])
def test_a_redirect_to_a_cancel_url_is_refused_before_it_leaves_the_browser(
    guarded_context: BrowserContext, store: LocalStore, start: str
) -> None:
    """Playwright routes only a chain's first URL; the page's watch sees every hop, from
    the first navigation of a new page on (two hops: more than a Location check)."""
    page = guarded_context.new_page()
    with pytest.raises(PlaywrightError, match="ERR_BLOCKED_BY_CLIENT"):
        page.goto(store.url(start))

    assert store.saw("/redirect-to-cancel")
    assert not store.saw(CANCEL_PATH)
    guard = guard_of(guarded_context)
    assert guard.refused == [("GET", store.url(CANCEL_PATH))]
    assert guard.bypassed == []


def test_a_redirect_in_a_frame_of_another_site_is_refused(
    guarded_context: BrowserContext, store: LocalStore
) -> None:
    page = guarded_context.new_page()
    with page.expect_event("requestfailed") as failed:
        page.goto(store.url("/frame-to-cancel"))

    assert failed.value.failure == BLOCKED_BY_CLIENT
    assert store.saw("/redirect-to-cancel")
    assert not store.saw(CANCEL_PATH)


def test_a_popup_that_redirects_to_a_cancel_url_is_refused(
    guarded_context: BrowserContext, store: LocalStore
) -> None:
    """A popup's first request comes before it can be watched: the guard sends it
    itself and refuses the redirect it answers with."""
    page = guarded_context.new_page()
    page.goto(store.url("/orders"))
    with guarded_context.expect_event("requestfailed") as failed:
        page.click("#redirect-popup")

    assert failed.value.failure == BLOCKED_BY_CLIENT
    assert store.saw("/redirect-to-cancel")
    assert not store.saw(CANCEL_PATH)
    assert guard_of(guarded_context).refused == [("GET", store.url(CANCEL_PATH))]


def test_a_sign_in_in_a_popup_keeps_the_cookie_set_on_the_redirect(
    guarded_context: BrowserContext, store: LocalStore
) -> None:
    """The guard sends a popup's first request itself (route.fetch): the cookie set on
    the 302 it answers with must still reach the browser."""
    page = guarded_context.new_page()
    page.goto(store.url("/ap/signin"))
    with guarded_context.expect_page() as opened:
        page.click("#signin-popup button")
    popup = opened.value
    popup.wait_for_url("**/cookie-echo")

    assert popup.text_content("#cookie") == SESSION_COOKIE
    assert store.saw("/ap/signin", method="POST")
    assert guard_of(guarded_context).refused == []


def test_a_popup_loads_and_is_watched_afterwards(
    guarded_context: BrowserContext, store: LocalStore
) -> None:
    page = guarded_context.new_page()
    page.goto(store.url("/orders"))
    with guarded_context.expect_page() as opened:
        page.click("#details-popup")
    popup = opened.value
    popup.wait_for_load_state()

    assert popup.title() == "/gp/your-account/order-details?orderID=111-1"
    with pytest.raises(PlaywrightError, match="ERR_BLOCKED_BY_CLIENT"):
        popup.goto(store.url("/redirect-twice"))
    assert not store.saw(CANCEL_PATH)


def test_a_script_redirected_to_a_cancel_url_closes_the_page(
    guarded_context: BrowserContext, store: LocalStore, caplog: pytest.LogCaptureFixture
) -> None:
    """What is left: redirect hops of scripts and styles are not paused, so the server
    does see this one. The guard notices the response and closes the page at once."""
    page = guarded_context.new_page()
    page.goto(store.url("/orders"))
    with caplog.at_level(logging.ERROR, logger="scraper.browser"), page.expect_event("close"):
        page.evaluate(
            "() => document.head.append(Object.assign(document.createElement('script'),"
            " {src: '/redirect-to-cancel'}))"
        )

    assert guard_of(guarded_context).bypassed == [("GET", store.url(CANCEL_PATH))]
    assert "got past the read-only guard" in caplog.text
    assert "111-1" not in caplog.text
    assert store.saw(CANCEL_PATH)  # the known gap, stated


def test_a_challenge_host_may_be_posted_to_but_a_beacon_may_not(
    guarded_context: BrowserContext, store: LocalStore, caplog: pytest.LogCaptureFixture
) -> None:
    """Both are answered by a stand-in route, which runs before the guard's own route
    handler: the beacon is stopped by the page's watch, which pauses script calls
    before any route handler sees them."""
    guarded_context.route(
        "https://*/**",
        lambda route: route.fulfill(
            body="ok", headers={"Access-Control-Allow-Origin": "*"}, content_type="text/plain"
        ),
    )
    page = guarded_context.new_page()
    page.goto(store.url("/orders"))
    post = (
        "url => fetch(url, {method: 'POST', body: '{}'})"
        ".then(r => r.text(), error => 'failed: ' + error.name)"
    )
    with caplog.at_level(logging.DEBUG, logger="scraper.browser"):
        solved = page.evaluate(post, f"https://{WAF_HOST}/1c5c1ecf7303/verify")
        beacon = page.evaluate(post, "https://unagi.amazon.com/1/events/com.amazon.csm.csa.prod")

    assert solved == "ok"
    assert beacon == "failed: TypeError"
    guard = guard_of(guarded_context)
    assert guard.refused == []
    assert guard.telemetry == 1
    assert [r.levelname for r in caplog.records] == ["DEBUG"]


def test_a_context_opened_around_new_context_has_no_guard(browser: Browser) -> None:
    context = browser.new_context()
    try:
        with pytest.raises(LookupError, match="new_context"):
            guard_of(context)
    finally:
        context.close()


# --- finding and launching a browser --------------------------------------------------


@pytest.fixture
def fake_browser(tmp_path: Path) -> Path:
    """An executable file standing in for a browser binary (never launched)."""
    path = tmp_path / "my-chromium"
    path.write_text("#!/bin/sh\nexit 1\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


@pytest.fixture
def no_system_browser(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No browser on PATH, none configured, and an empty Playwright browser store."""
    store_dir = tmp_path / "ms-playwright"
    store_dir.mkdir()
    monkeypatch.delenv(ENV_VAR, raising=False)
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    monkeypatch.setenv("PLAYWRIGHT_BROWSERS_PATH", str(store_dir))
    return store_dir


def test_find_browser_honours_the_environment_variable(
    monkeypatch: pytest.MonkeyPatch, fake_browser: Path
) -> None:
    monkeypatch.setenv(ENV_VAR, str(fake_browser))

    assert find_browser() == BrowserChoice(str(fake_browser), ENV_VAR)


def test_a_configured_path_beats_the_environment_variable(
    monkeypatch: pytest.MonkeyPatch, fake_browser: Path
) -> None:
    monkeypatch.setenv(ENV_VAR, "/nowhere/chromium")

    assert find_browser(str(fake_browser)) == BrowserChoice(str(fake_browser), "config")


def test_a_missing_browser_in_the_environment_variable_is_a_config_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "no-such-chromium"))

    with pytest.raises(ConfigError, match=f"{ENV_VAR} names a browser that does not exist"):
        find_browser()


def test_a_configured_file_that_is_not_executable_is_a_config_error(tmp_path: Path) -> None:
    not_executable = tmp_path / "chromium"
    not_executable.write_text("")
    not_executable.chmod(0o644)

    with pytest.raises(ConfigError, match="config names a browser that is not an executable"):
        find_browser(str(not_executable))


def test_a_configured_command_name_is_looked_up_on_path(
    monkeypatch: pytest.MonkeyPatch, fake_browser: Path
) -> None:
    monkeypatch.setenv("PATH", str(fake_browser.parent))

    assert find_browser(fake_browser.name) == BrowserChoice(str(fake_browser), "config")


def test_playwrights_own_chromium_is_used_when_installed(no_system_browser: Path) -> None:
    managed = browser_module._managed_chromium_path()
    assert managed is not None
    assert Path(managed).is_relative_to(no_system_browser)
    Path(managed).parent.mkdir(parents=True)
    Path(managed).write_text("")
    Path(managed).chmod(0o755)

    assert find_browser() == BrowserChoice(None, "playwright")


def test_a_system_browser_on_path_is_found(
    no_system_browser: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    chromium = bin_dir / "chromium"
    chromium.write_text("#!/bin/sh\n")
    chromium.chmod(0o755)
    monkeypatch.setenv("PATH", str(bin_dir))

    assert find_browser() == BrowserChoice(str(chromium), f"system: {chromium}")


def test_no_browser_anywhere_says_how_to_get_one(no_system_browser: Path) -> None:
    with pytest.raises(BrowserUnavailable) as raised:
        find_browser()

    message = str(raised.value)
    assert "python -m playwright install chromium" in message
    assert ENV_VAR in message
    assert raised.value.exit_code == 2
    assert isinstance(raised.value, ConfigError)


def test_a_visible_browser_without_a_display_says_so(
    playwright: Playwright, monkeypatch: pytest.MonkeyPatch, fake_browser: Path
) -> None:
    """Said before launching: the fake binary would fail with another error."""
    monkeypatch.delenv("DISPLAY", raising=False)
    choice = BrowserChoice(str(fake_browser), ENV_VAR)

    with pytest.raises(NoDisplay, match=r"no display \(\$DISPLAY is not set\)") as raised:
        launch(playwright, choice, headless=False)
    assert isinstance(raised.value, UsageError)


def test_a_browser_that_will_not_start_names_its_source(
    playwright: Playwright, fake_browser: Path
) -> None:
    choice = BrowserChoice(str(fake_browser), ENV_VAR)

    with pytest.raises(BrowserUnavailable, match=f"could not start .* \\(from {ENV_VAR}\\)"):
        launch(playwright, choice)
