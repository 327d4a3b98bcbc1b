"""Parsing arbitrary or truncated HTML raises nothing but our own errors."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scraper.errors import CancelwatchError
from scraper.model import ParsedPage
from scraper.parse import parse_page
from tests.pages import JP, REAL

PAGES = [
    (REAL / "orders" / "order-history-amazon-store.html").read_text(encoding="utf-8"),
    (REAL / "orders" / "order-details-111-6778632-7354601.html").read_text(encoding="utf-8"),
    (JP / "order-list-2026.html").read_text(encoding="utf-8"),
    (JP / "tracking-yamato.html").read_text(encoding="utf-8"),
]
MARKETPLACES = st.sampled_from([None, "amazon.com", "amazon.co.jp"])
# Pieces of Amazon's markup, so that random documents reach the card and field readers.
TAGS = st.sampled_from(
    [
        '<div class="order-card js-order-card">',
        '<div class="yohtmlc-order-id"><span>Order #</span><span>',
        "111-1234567-1234567",
        '<div class="delivery-box"><span class="delivery-box__primary-text">',
        "Delivered November 2",
        "11月20日に配達しました",
        '<a href="/progress-tracker/package/preship/cancel-items?orderID=111-1234567-1234567">',
        '<a href="/gp/your-account/ship-track?orderId=249-1234567-1234567">',
        '<div class="num-orders">',
        "12件の注文",
        '<span data-yoshortstatuscode="DELIVERED">',
        '<div class="pt-delivery-card-trackingId">Tracking ID: 1Z999AA10123456784',
        "</div>",
        "</span>",
        "</a>",
        "<script>",
        "<!--",
        "\x00",
        "￥1,000",
        "Release date: ",
        "発売予定日: 2027年13月45日",
    ]
)


def _parse(html: str, marketplace: str | None) -> None:
    try:
        page = parse_page(html, marketplace)
    except CancelwatchError:
        return
    assert isinstance(page, ParsedPage)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=3000), MARKETPLACES)
def test_arbitrary_text_never_raises_anything_but_our_errors(text, marketplace):
    _parse(text, marketplace)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(TAGS, st.text(max_size=20)), max_size=80), MARKETPLACES)
def test_shuffled_amazon_markup_never_raises_anything_but_our_errors(parts, marketplace):
    _parse("".join(parts), marketplace)


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(range(len(PAGES))), st.floats(min_value=0.0, max_value=1.0), MARKETPLACES)
def test_truncated_real_pages_never_raise_anything_but_our_errors(index, fraction, marketplace):
    page = PAGES[index]
    _parse(page[: int(len(page) * fraction)], marketplace)
