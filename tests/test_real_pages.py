"""The real amazon.com pages of tests/fixtures/real. Every expected value below was read off
the page itself (its visible text and hrefs), not taken from the parser's output."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from cancelwatch.scraper.read.model import (
    Cancellability,
    OrderStatus,
    PageKind,
    order_from_json,
    to_json,
)
from tests.pages import REAL, parse_file

ORDERS = REAL / "orders"

# (id, placed on, total, status, delivered on, return until), in page order.
HISTORY_2024 = [
    ("112-5939971-8962610", "2024-11-01", "28.50", "delivered", "2024-11-02", "2025-01-31"),
    ("112-3319487-8015418", "2024-10-31", "35.38", "delivered", "2024-11-01", "2024-12-01"),
    ("112-4482432-2955442", "2024-10-30", "10.00", "unknown", None, None),
    ("112-9087159-1657009", "2024-10-30", "10.00", "unknown", None, None),
    ("112-5749927-1390609", "2024-10-29", "6.42", "delivered", "2024-10-30", "2024-11-29"),
    ("112-4429224-6522661", "2024-10-29", "30.02", "delivered", "2024-10-31", "2024-11-30"),
    ("114-8722141-6545058", "2024-10-23", "44.46", "delivered", "2024-10-26", "2024-11-25"),
    ("111-1212549-9423423", "2024-10-23", "20.25", "delivered", "2024-10-28", "2024-11-27"),
    ("111-9311408-1863409", "2024-10-22", "20.31", "delivered", "2024-10-28", "2024-11-27"),
    ("114-5254991-9003440", "2024-10-11", "31.51", "delivered", "2024-10-12", "2024-11-11"),
]

AMAZON_STORE = [
    ("111-1470863-4415403", "2025-04-06", "11.02", "in_transit", None, None),
    ("111-1508905-9142654", "2025-04-06", "100.01", "shipped", None, None),
    ("111-6731557-4438637", "2025-04-03", "49.21", "shipped", "2025-04-04", "2025-05-04"),
    ("111-3223152-8885064", "2025-04-02", "44.07", "delivered", "2025-04-03", "2025-05-03"),
    ("111-5969440-1207462", "2025-03-24", "26.46", "delivered", "2025-04-02", "2025-05-01"),
    ("111-4660191-1634614", "2025-03-24", "29.78", "delivered", "2025-03-28", "2025-04-27"),
    ("111-3900727-9961810", "2025-03-15", "36.28", "delivered", "2025-03-16", "2025-04-15"),
    ("111-1270514-7015467", "2025-03-03", "99.30", "delivered", "2025-03-05", "2025-04-04"),
    ("111-0782714-8137814", "2025-03-03", "17.68", "delivered", "2025-03-04", "2025-04-03"),
    ("113-9085096-9353021", "2025-02-28", "15.78", "unknown", None, None),
]

HISTORY_2010 = [
    ("102-5759820-2020205", "2010-01-12", "70.89", "unknown", None, "2010-02-20"),
    ("102-0568286-5292212", "2010-01-12", "82.24", "unknown", None, "2010-02-18"),
]


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


@pytest.mark.parametrize(
    ("name", "expected", "count"),
    [
        ("order-history-2024-0.html", HISTORY_2024, 50),
        ("order-history-amazon-store.html", AMAZON_STORE, 33),
        ("order-history-2010-10.html", HISTORY_2010, 12),
    ],
)
def test_order_list_gives_every_card_with_its_values(name, expected, count):
    page = parse_file(ORDERS / name)
    assert page.page_kind is PageKind.ORDER_LIST
    assert page.order_count == count
    got = [
        (
            o.id,
            _iso(o.placed_on),
            str(o.total),
            o.status.value,
            _iso(o.shipments[-1].delivered_on) if o.shipments else None,
            _iso(o.return_until),
        )
        for o in page.orders
    ]
    assert got == expected
    assert all(o.currency == "USD" for o in page.orders)


def test_no_real_order_is_cancellable_and_tracking_links_are_never_cancel_links():
    for name in ("order-history-2024-0.html", "order-history-amazon-store.html"):
        for order in parse_file(ORDERS / name).orders:
            assert order.cancellable is Cancellability.NO
            assert order.cancel_url is None
            for shipment in order.shipments:
                assert shipment.tracking_url is None or "preship" not in shipment.tracking_url


def test_view_or_edit_order_button_is_not_a_cancel_control():
    # The in-transit card offers "View or edit order", whose href is the details page.
    order = parse_file(ORDERS / "order-history-amazon-store.html").orders[0]
    assert order.cancellable is Cancellability.NO
    assert order.shipments[0].status_text == "Arriving tomorrow"
    assert order.shipments[0].expected_on is None  # "tomorrow" has no date on a saved page


def test_mixed_order_reads_each_shipment():
    order = parse_file(ORDERS / "order-history-amazon-store.html").orders[2]
    arriving, delivered = order.shipments
    assert arriving.status is OrderStatus.SHIPPED
    assert arriving.status_text == "Arriving Wednesday / Shipped"
    assert delivered.status is OrderStatus.DELIVERED
    assert delivered.delivered_on == date(2025, 4, 4)
    assert order.left_at_door is True


def test_2024_list_reads_tracking_link_items_and_next_page():
    page = parse_file(ORDERS / "order-history-2024-0.html")
    first = page.orders[0]
    assert first.shipments[0].tracking_url is not None
    assert first.shipments[0].tracking_url.startswith(
        "/gp/your-account/ship-track?itemId=jhmjovklllrovop&"
    )
    assert first.items[0].title is not None
    assert first.items[0].title.startswith("2 Set Replacement Parts Roller Brushes")
    assert first.items[0].url == "/dp/B0BPH5G7MY?ref=ppx_yo2ov_dt_b_fed_asin_title"
    assert first.items[0].asin == "B0BPH5G7MY"
    assert first.items[0].quantity == 2  # the "2" badge on the product image
    assert first.left_at_door is True
    assert len(page.orders[-1].items) == 2
    assert page.next_page_url is not None
    assert "startIndex=10" in page.next_page_url


def test_digital_order_on_list_is_flagged_digital():
    page = parse_file(ORDERS / "order-history-2024-0.html")
    digital = [o.id for o in page.orders if o.digital]
    # Its details link searches for D01-8711688-7680252; its invoice is a /gp/digital/ page.
    assert digital == ["112-9087159-1657009"]


def test_last_page_of_a_year_has_no_next_link():
    assert parse_file(ORDERS / "order-history-2010-10.html").next_page_url is None


def test_zero_order_year_is_an_empty_list_not_a_failure():
    page = parse_file(ORDERS / "order-history-2023-zero-orders.html")
    assert page.page_kind is PageKind.ORDER_LIST
    assert page.order_count == 0
    assert page.orders == ()


def test_details_page_data_component_layout():
    page = parse_file(ORDERS / "order-details-111-6778632-7354601.html")
    assert page.page_kind is PageKind.ORDER_DETAILS
    (order,) = page.orders
    assert order.id == "111-6778632-7354601"
    assert order.placed_on == date(2024, 9, 8)  # "Ordered on September 8, 2024"
    assert order.total == Decimal("60.88")  # "Grand Total: $60.88"
    assert order.status is OrderStatus.DELIVERED
    assert [s.delivered_on for s in order.shipments] == [date(2024, 9, 9)] * 2
    assert len(order.items) == 4
    assert order.items[0].seller == "Wayuer"
    assert order.items[1].seller == "Amazon.com"
    assert order.return_until == date(2024, 10, 9)  # "Return window closed on October 9, 2024"
    assert order.left_at_door is True


def test_details_page_legacy_layout_uses_status_codes_and_progress_tracker_links():
    page = parse_file(ORDERS / "order-details-112-9685975-5907428.html")
    (order,) = page.orders
    assert order.id == "112-9685975-5907428"
    assert order.placed_on == date(2023, 12, 7)
    assert order.total == Decimal("46.61")
    assert [s.status for s in order.shipments] == [OrderStatus.DELIVERED] * 2
    assert [s.delivered_on for s in order.shipments] == [date(2023, 12, 9), date(2023, 12, 8)]
    for shipment in order.shipments:
        assert shipment.tracking_url is not None
        assert shipment.tracking_url.startswith("/progress-tracker/package/ref=ppx_od_dt_b_track")
    assert order.return_until == date(2024, 1, 31)  # "Return eligible through Jan 31, 2024"
    assert order.cancellable is Cancellability.NO


def test_digital_order_summary_page():
    page = parse_file(ORDERS / "order-details-112-9087159-1657009.html")
    assert page.page_kind is PageKind.DIGITAL_ORDER
    (order,) = page.orders
    assert order.id == "D01-8711688-7680252"
    assert order.digital is True
    assert order.placed_on == date(2024, 10, 30)
    assert order.total == Decimal("10.00")


def test_ups_tracking_page():
    page = parse_file(REAL / "tracking" / "progress-tracker-ups.html")
    assert page.page_kind is PageKind.TRACKING
    assert page.tracking is not None
    assert page.tracking.carrier == "UPS"
    assert page.tracking.tracking_id == "1Z999AA10123456784"
    assert page.tracking.status is OrderStatus.DELIVERED  # "Delivered January 9"
    assert page.tracking.tracking_url == "https://www.ups.com/track?tracknum=1Z999AA10123456784"
    assert page.tracking.warnings == ()


@pytest.mark.parametrize(
    ("path", "kind", "step"),
    [
        ("auth/signin.html", PageKind.SIGN_IN, "email"),
        ("auth/post-signin-mfa.html", PageKind.OTP, None),
        ("auth/post-signin-captcha-1.html", PageKind.CAPTCHA, None),
        ("auth/waf-challenge.html", PageKind.CHALLENGE, None),
        ("auth/post-signin-js-bot-challenge.html", PageKind.CHALLENGE, None),
        ("error-500.html", PageKind.ERROR, None),
    ],
)
def test_auth_and_error_page_kinds(path, kind, step):
    page = parse_file(REAL / path)
    assert page.page_kind is kind
    assert page.auth_step == step
    assert page.orders == ()


@pytest.mark.parametrize(
    "path",
    ["orders/order-history-2024-0.html", "auth/signin.html", "error-500.html"],
)
def test_marketplace_is_detected_from_the_page(path):
    assert parse_file(REAL / path).marketplace == "amazon.com"


@pytest.mark.parametrize(
    "name",
    ["order-history-2024-0.html", "order-history-amazon-store.html", "order-history-2010-10.html"],
)
def test_orders_survive_the_round_trip_through_json(name):
    for order in parse_file(ORDERS / name).orders:
        assert order_from_json(to_json(order)) == order
