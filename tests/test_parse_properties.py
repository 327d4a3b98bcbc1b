"""Parsing arbitrary, truncated or adversarial HTML raises nothing but our own errors, and
adversarial pages (deep nesting, crowded elements, long runs, random bytes, odd charsets)
each parse within a time budget."""

from __future__ import annotations

import time

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from cancelwatch.scraper.errors import CancelwatchError
from cancelwatch.scraper.read.inputs import decode_page, read_page
from cancelwatch.scraper.read.model import ParsedPage
from cancelwatch.scraper.read.parse import parse_page
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


# ---- adversarial pages, each within a time budget ------------------------------------------

BUDGET = 3.0
"""Seconds one page may take. Every family below stays well under the parse deadline, so
no stalled parse is left running for the next example."""
TAG_NAMES = st.sampled_from(["div", "span", "ul", "p", "b", "i", "a", "table", "td", "svg"])
LABELS = st.sampled_from(
    [
        "orders placed in", "件の注文", "Total: $", "合計:", "Order #", "注文番号", "Sold by",
        "Tracking ID:", "お問い合わせ伝票番号", "Release date:", "Eligible through", "注文日",
    ]
)  # fmt: skip
RUN_CHARS = st.sampled_from(["1", "１", "1,", " ", "\u3000", "-", "/", ":", "a", "¥"])
CHARSETS = st.sampled_from(
    [
        *("undefined", "utf-7", "rot13", "x-sjis", "Windows-31J", "EUC-JP", "iso-2022-jp"),
        *("utf-16", "latin1", "", "Shift_JIS", "base64", "../../etc/passwd", "utf-8"),
    ]
)
CODECS = st.sampled_from(["utf-8", "cp932", "euc_jp", "iso2022_jp", "latin-1", "utf-16"])


def _within_budget(html: str, marketplace: str | None) -> None:
    started = time.perf_counter()
    _parse(html, marketplace)
    assert time.perf_counter() - started < BUDGET


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(TAG_NAMES, st.integers(0, 20_000), st.booleans(), MARKETPLACES)
@example("div", 20_000, True, None)  # the nesting the parser pays for: <div> closes a <p>
@example("ul", 20_000, False, "amazon.com")
def test_deep_nesting_is_fast(tag, depth, closed, marketplace):
    html = f"<{tag}>" * depth + "x" + (f"</{tag}>" * depth if closed else "")
    _within_budget(f'<html lang="en-us"><body>{html}</body></html>', marketplace)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 15_000), st.booleans(), st.integers(1, 3), MARKETPLACES)
@example(15_000, False, 3, None)
def test_huge_attribute_counts_are_fast(count, valued, elements, marketplace):
    attributes = " ".join(f'a{i}="{i}"' if valued else f"a{i}" for i in range(count))
    body = f'<div class="order-card" {attributes}>x</div>' * elements
    _within_budget(f"<html><body>{body}</body></html>", marketplace)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(LABELS, RUN_CHARS, st.integers(0, 30_000)), max_size=6), MARKETPLACES)
@example([("orders placed in", "1", 30_000), ("件の注文", "１", 30_000)], None)
@example([("Sold by", " ", 30_000), ("Total: $", "1,", 30_000)], "amazon.com")
def test_long_runs_next_to_text_patterns_are_fast(runs, marketplace):
    card = "".join(f"<span>{c * n} {label}{c * n}</span>" for label, c, n in runs)
    _within_budget(f'<html><body><div class="order-card">{card}</div></body></html>', marketplace)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=20_000), MARKETPLACES)
def test_random_bytes_decode_and_parse_without_surprises(data, marketplace):
    text, warnings = decode_page(data)
    assert isinstance(text, str) and all(isinstance(w, str) for w in warnings)
    _within_budget(text, marketplace)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(CHARSETS, CODECS, st.text(max_size=300))
def test_odd_charsets_are_read_or_refused_in_our_own_words(tmp_path, label, codec, text):
    html = f'<html><head><meta charset="{label}"></head><body><p>{text}</p></body></html>'
    path = tmp_path / "page.html"
    path.write_bytes(html.encode(codec, errors="replace"))
    try:
        saved = read_page(path)
    except CancelwatchError:
        return
    _within_budget(saved.text, None)
