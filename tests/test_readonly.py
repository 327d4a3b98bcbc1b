"""The read-only allowlist, without a browser: which loads a check may make."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cancelwatch.scraper.browse.readonly import (
    Family,
    Load,
    ReadOnlyPolicy,
    Refusal,
    UnsettledUrl,
    describe,
    server_view,
)

SITE = "https://www.amazon.com"
CANCEL_PATH = "/progress-tracker/package/preship/cancel-items"
WAF_HOST = "1c5c1ecf7303.a481e94e.us-east-2.token.awswaf.com"  # from the saved WAF page


@pytest.fixture
def policy() -> ReadOnlyPolicy:
    policy = ReadOnlyPolicy()
    policy.add_site(SITE)
    policy.add_site("https://www.amazon.co.jp")
    policy.add_site("http://127.0.0.1:8080")
    return policy


def page(policy: ReadOnlyPolicy, url: str) -> Refusal | None:
    return policy.judge(Load("GET", url, document=True)).refusal


# --- order-changing URLs, however they are spelt ------------------------------------------


@pytest.mark.parametrize(
    ("url", "family"),
    [
        (f"{SITE}{CANCEL_PATH}?orderID=111-1", Family.CANCEL),
        ("https://www.amazon.co.jp/gp/css/order/edit.html?orderID=1&useCase=cancel", Family.EDIT),
        (f"{SITE}/your-account/order-edit.html?orderID=1&type=e", Family.EDIT),
        (f"{SITE}/ss/help/contact/?orderID=1&cancelRequest=1", Family.CANCEL),
        (f"{SITE}/your-orders/cancel?orderID=1", Family.CANCEL),
        (f"{SITE}/spr/returns/cart?orderId=111-1", Family.RETURN),
        (f"{SITE}/spr/returns?orderId=111-1", Family.RETURN),
        (f"{SITE}/returns?orderId=111-1", Family.RETURN),
        (f"{SITE}/gp/css/returns/homepage.html", Family.RETURN),
        (f"{SITE}/gp/buy/spc/handlers/display.html", Family.BUY),
        (f"{SITE}/gp/buynow/B000", Family.BUY),
        (f"{SITE}/buy-now/B000", Family.BUY),
        (f"{SITE}/gp/buyagain?ie=UTF8", Family.BUY),
        (f"{SITE}/checkout/entry/cart", Family.BUY),
        (f"{SITE}/gp/checkoutportal/enter-checkout.html", Family.BUY),
        (f"{SITE}/gp/add-to-cart/json", Family.CART),
        (f"{SITE}/cart/add-to-cart/ref=x", Family.CART),
        (f"{SITE}/gp/cart/view.html", Family.CART),
        ("https://www.amazon.co.jp/gp/aw/c?ref_=navm_hdr_cart", Family.CART),
        (f"{SITE}/gp/item-dispatch?asin=B000", Family.CART),
        (f"{SITE}/gp/delivery-preferences/edit", Family.ACCOUNT),
        (f"{SITE}/gp/flex/sign-out.html", Family.ACCOUNT),
        # Spellings a lenient server reads as one of the above.
        (f"{SITE}/progress-tracker/package/preship/cancel%2Ditems", Family.CANCEL),
        (f"{SITE}/progress-tracker/package/preship%252Fcancel-items", Family.CANCEL),
        (f"{SITE}//progress-tracker//package/preship/cancel-items", Family.CANCEL),
        (f"{SITE}/PROGRESS-TRACKER/package/preship/Cancel-Items", Family.CANCEL),
        (f"{SITE}/gp/css/order;x=1/edit.html", Family.EDIT),
        (f"{SITE}/gp/css/x%2F..%2Forder%2Fedit.html", Family.EDIT),
        (f"{SITE}/gp/your-account/order-details/..%2F..%2F..%2Fgp%2Fbuynow", Family.BUY),
        (f"{SITE}/gp\\css\\order\\edit.html", Family.EDIT),
        (f"{SITE}/your-orders/orders/x%5C..%5C..%5C..%5Cgp%5Cbuynow", Family.BUY),
        (f"{SITE}/gp/your-account/order-details/ref=x/../../../../returns", Family.RETURN),
        # A reading page that would go on to a cancel page.
        (
            f"{SITE}/ap/signin?openid.return_to=https%3A%2F%2Fwww.amazon.com"
            "%2Fprogress-tracker%2Fpackage%2Fpreship%2Fcancel-items%3ForderID%3D1",
            Family.CANCEL,
        ),
        (f"{SITE}/your-orders/orders?next=%252Fspr%252Freturns%252Fcart", Family.RETURN),
    ],
)
def test_order_changing_urls_are_refused_whatever_the_method(
    policy: ReadOnlyPolicy, url: str, family: Family
) -> None:
    for load in (Load("GET", url, document=True), Load("GET", url), Load("POST", url)):
        verdict = policy.judge(load)
        assert (verdict.refusal, verdict.family) == (Refusal.MUTATING, family), load


# --- the pages a check reads ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "name"),
    [
        # Read-only links taken from the real pages in tests/fixtures.
        (
            f"{SITE}/gp/your-account/order-history?ref_=ppx_yo2ov_dt_b_tb_cancel"
            "&orderFilter=cancelled",
            "the order list",
        ),
        (f"{SITE}/gp/css/order-history?ref_=nav_orders_first", "the order list"),
        (f"{SITE}/your-orders/orders?timeFilter=year-2024&startIndex=10", "the order list"),
        (f"{SITE}/your-orders/search?search=lamp", "the order list"),
        (f"{SITE}/gp/css/order-details?orderID=111-1&ref=ppx_yo2ov_dt_b_fed", "an order's details"),
        (
            f"{SITE}/gp/your-account/order-details/ref=ppx_yo_dt_b_order_details_o00"
            "?ie=UTF8&orderID=111-1",
            "an order's details",
        ),
        (f"{SITE}/your-orders/order-details?orderID=111-1", "an order's details"),
        (
            f"{SITE}/gp/your-account/ship-track?itemId=x&ref=ppx_yo2ov_dt_b_track_package"
            "&orderId=111-1",
            "a tracking page",
        ),
        (f"{SITE}/progress-tracker/package/ref=ppx_yo_dt_b_track?orderId=111-1", "a tracking page"),
        (
            "https://www.amazon.co.jp/gp/digital/your-account/order-summary.html?orderID=D01-1",
            "a digital order",
        ),
        (f"{SITE}/ap/signin?openid.return_to=https%3A%2F%2Fwww.amazon.com%3F", "the sign-in page"),
        (f"{SITE}/ap/mfa?ie=UTF8", "the sign-in page"),
        (f"{SITE}/ap/cvf/request?arb=x", "the sign-in page"),
        (f"{SITE}/errors/validateCaptcha?amzn=x", "the sign-in page"),
        (f"{SITE}/", "the home page"),
        (f"{SITE}/ref=nav_logo", "the home page"),
        ("https://amazon.com/your-orders/orders", "the order list"),
        ("http://127.0.0.1:8080/your-orders/orders", "the order list"),
    ],
)
def test_the_pages_a_check_reads_are_allowed(policy: ReadOnlyPolicy, url: str, name: str) -> None:
    verdict = policy.judge(Load("GET", url, document=True))
    assert verdict.allowed
    assert verdict.page == name


@pytest.mark.parametrize(
    "url",
    [
        f"{SITE}/gp/css/summary/print.html?orderID=111-1",  # the invoice: not needed
        f"{SITE}/gp/help/customer/display.html",
        f"{SITE}/dp/B000000000",
        f"{SITE}/gp/your-account/order-historyX",  # a prefix of a word is not the page
        f"{SITE}/ap/register",
        f"{SITE}/gp/aw/cr/B000",
    ],
)
def test_other_pages_of_the_site_are_off_the_list(policy: ReadOnlyPolicy, url: str) -> None:
    assert page(policy, url) is Refusal.OFF_LIST
    # A script may still fetch from the site what is not order-changing.
    assert policy.judge(Load("GET", url)).allowed


@pytest.mark.parametrize(
    "url",
    [
        # Encoded backslashes climb out of a reading page as slashes would.
        f"{SITE}/your-orders/orders/x%5C..%5C..%5C..%5Cgp%5Cfoo",
        f"{SITE}/your-orders/orders/x%255C..%255C..%255C..%255Cgp%255Cfoo",
    ],
)
def test_an_encoded_backslash_does_not_climb_out_of_a_reading_page(
    policy: ReadOnlyPolicy, url: str
) -> None:
    assert page(policy, url) is Refusal.OFF_LIST
    assert policy.judge(Load("POST", url.replace("your-orders/orders", "ap/signin"))).refusal is (
        Refusal.WRITE
    )


def test_a_site_not_named_is_foreign_even_on_the_same_host(policy: ReadOnlyPolicy) -> None:
    assert page(policy, "http://127.0.0.1:9090/your-orders/orders") is Refusal.FOREIGN
    assert page(policy, "https://www.amazon.co.uk/your-orders/orders") is Refusal.FOREIGN
    assert page(policy, "https://www.amazon.com.example.net/your-orders/orders") is Refusal.FOREIGN
    assert page(policy, "ftp://www.amazon.com/your-orders/orders") is Refusal.FOREIGN


def test_amazons_asset_hosts_serve_scripts_but_no_pages(policy: ReadOnlyPolicy) -> None:
    script = "https://m.media-amazon.com/images/I/61abc.js"
    style = "https://images-na.ssl-images-amazon.com/images/G/01/AUIClients/x.css"
    assert policy.judge(Load("GET", script)).allowed
    assert policy.judge(Load("GET", style)).allowed
    assert policy.judge(Load("POST", script)).refusal is Refusal.WRITE
    assert page(policy, script) is Refusal.FOREIGN


# --- writes ---------------------------------------------------------------------------------


def test_only_the_sign_in_forms_may_be_posted(policy: ReadOnlyPolicy) -> None:
    def post(url: str, body: bytes | None = b"") -> Refusal | None:
        return policy.judge(Load("POST", url, document=True, body=body)).refusal

    assert post(f"{SITE}/ap/signin", b"email=a%40b.c") is None
    assert post("https://www.amazon.co.jp/ap/mfa?ie=UTF8", b"otpCode=1") is None
    assert post(f"{SITE}/ap/cvf/verify") is None
    assert post("http://127.0.0.1:8080/errors/validateCaptcha", None) is None
    assert post(f"{SITE}/gp/your-account/order-history") is Refusal.WRITE
    assert policy.judge(Load("PUT", f"{SITE}/ap/signin")).refusal is Refusal.WRITE
    assert policy.judge(Load("DELETE", f"{SITE}/your-orders/orders")).refusal is Refusal.WRITE


def test_a_sign_in_post_that_returns_to_a_cancel_page_is_refused(policy: ReadOnlyPolicy) -> None:
    body = b"email=a&openid.return_to=https%3A%2F%2Fwww.amazon.com" + CANCEL_PATH.encode()
    verdict = policy.judge(Load("POST", f"{SITE}/ap/signin", document=True, body=body))
    assert (verdict.refusal, verdict.family) == (Refusal.MUTATING, Family.CANCEL)


def test_a_sign_in_post_whose_body_is_withheld_or_huge_is_refused(policy: ReadOnlyPolicy) -> None:
    """DevTools leaves out bodies that are large or hold files: a form that cannot be read
    cannot pass for a sign-in form."""
    url = f"{SITE}/ap/signin"
    assert policy.judge(Load("POST", url, body_withheld=True)).refusal is Refusal.WRITE
    huge = b"email=a&x=" + b"y" * 70_000
    assert policy.judge(Load("POST", url, body=huge)).refusal is Refusal.WRITE


def test_a_password_that_looks_like_a_path_does_not_block_sign_in(policy: ReadOnlyPolicy) -> None:
    body = b"password=my%2Fcart%2Fpw&email=returns%40example.com"
    assert policy.judge(Load("POST", f"{SITE}/ap/signin", body=body)).allowed


@pytest.mark.parametrize(
    "url",
    [
        f"https://{WAF_HOST}/1c5c1ecf7303/d6a7a58005ec/04c5ab18cd2d/verify",
        "https://abc.us-east-1.captcha-sdk.awswaf.com/abc/jsapi.js",
        "https://client-api.arkoselabs.com/fc/gt2/public_key/x",
    ],
)
def test_challenge_hosts_may_be_posted_to(policy: ReadOnlyPolicy, url: str) -> None:
    """A human in a visible browser must be able to pass a WAF check or a puzzle."""
    assert policy.judge(Load("POST", url, body=b"{}")).allowed
    assert policy.judge(Load("GET", url, document=True)).allowed


@pytest.mark.parametrize(
    "url",
    [
        "https://fls-na.amazon.com/1/batch/1/OP/ATVPDKIKX0DER:1:2$uedata=s:x",
        "https://fls-fe.amazon.co.jp/1/batch/1/OP/A1VC38T7YXB528:1:2",
        "https://unagi.amazon.com/1/events/com.amazon.csm.csa.prod",
        "https://unagi-na.amazon.com/1/events/com.amazon.csm.nexusclient.prod",
        "https://aax-us-iad.amazon.com/x/px/1",
        "https://c.amazon-adsystem.com/bao-csm/forensics/a9-tq-forensics-incremental.js",
        f"{SITE}/ap/uedata?ld&v=0.1",
    ],
)
def test_amazon_beacons_are_refused_quietly(policy: ReadOnlyPolicy, url: str) -> None:
    verdict = policy.judge(Load("POST", url, body=b"x"))
    assert verdict.refusal is Refusal.TELEMETRY
    assert verdict.refusal.quiet


@pytest.mark.parametrize(
    "url",
    [
        # Look-alikes of allowed hosts are not allowed.
        "https://awswaf.com.example.net/verify",
        "https://fls-na.amazon.com.example.net/1/batch",
        "https://unagi.example.net/1/events",
    ],
)
def test_look_alike_hosts_are_foreign(policy: ReadOnlyPolicy, url: str) -> None:
    assert policy.judge(Load("POST", url, body=b"x")).refusal is Refusal.FOREIGN


def test_service_workers_are_refused_even_from_the_site(policy: ReadOnlyPolicy) -> None:
    load = Load("GET", f"{SITE}/sw.js", service_worker=True)
    assert policy.judge(load).refusal is Refusal.WORKER


def test_local_urls_need_no_network(policy: ReadOnlyPolicy) -> None:
    assert policy.judge(Load("GET", "data:text/html,<p>x", document=True)).allowed
    assert policy.judge(Load("GET", "about:blank", document=True)).allowed


# --- reading a URL as a server would ---------------------------------------------------------


def test_a_url_encoded_over_and_over_is_refused_as_malformed(policy: ReadOnlyPolicy) -> None:
    url = f"{SITE}/your-orders/orders%2525252525252F"
    with pytest.raises(UnsettledUrl):
        server_view(url)
    assert page(policy, url) is Refusal.MALFORMED
    assert page(policy, "http://[::1/your-orders/orders") is Refusal.MALFORMED


def test_the_server_view_resolves_what_a_server_would() -> None:
    view = server_view("HTTPS://WWW.Amazon.COM:443/a/./b;x=1/../C%252Fd/ref=xy?Q=%2541")
    assert (view.scheme, view.host, view.port) == ("https", "www.amazon.com", 443)
    assert view.segments == ("a", "c", "d", "ref=xy")
    assert view.words == ("a", "c", "d")
    assert view.query == (("q", "a"),)


def test_messages_never_show_the_query() -> None:
    assert describe(f"{SITE}{CANCEL_PATH}?orderID=111-1#x") == f"{SITE}{CANCEL_PATH}"
    assert describe("https://user:pw@www.amazon.com/x?y") == "https://www.amazon.com/x"


@given(st.text(max_size=300))
def test_judging_any_text_never_raises(text: str) -> None:
    policy = ReadOnlyPolicy()
    policy.add_site(SITE)
    for candidate in (text, f"{SITE}/{text}", f"{SITE}/your-orders/orders?{text}"):
        verdict = policy.judge(Load("GET", candidate, document=True))
        assert verdict.refusal is not None or verdict.page is not None
