"""Amazon's React "Your Orders" (issue 9): our own pages of the new card layout, written from
the issue's description, for amazon.com and amazon.co.jp.

test_own_pages.py compares each page's orders with fixtures/expected/<page>.json; the
`details_and_items` list there (written by hand too) holds what that view leaves out: each
order's details link and its items' title, ASIN and quantity, checked here."""

from __future__ import annotations

import json
from contextlib import suppress
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from cancelwatch.scheduler.cli.main import cli, run
from cancelwatch.scraper.read.markup import MatchLog, load_selectors
from cancelwatch.scraper.read.model import Order, OrderStatus, PageKind
from cancelwatch.scraper.read.parse import PageSelectorFailure, parse_page
from cancelwatch.scraper.read.values import parse_amount
from tests.pages import EXPECTED, JP, OURS_COM, REAL, parse_file

LISTS = [OURS_COM / "react-order-list-com.html", JP / "react-order-list-jp.html"]
SKELETONS = [OURS_COM / "react-skeleton-com.html", JP / "react-skeleton-jp.html"]
CLASSIC = sorted(
    [
        *REAL.rglob("*.html"),
        *(p for p in JP.glob("*.html") if "react-" not in p.name),
        *(p for p in OURS_COM.glob("*.html") if "react-" not in p.name),
    ]
)

# The new layout's fallbacks, as `doctor` names them (or how their names start: placed and
# total name their column's label words, which differ by site), in both selector files.
REACT = {
    "order_card": "css .a-box-group[id='orderCard']:has(#orderIdField)",
    "order_id": "css li#orderIdField",
    "placed_on": "css #orderCardHeader .a-column:has(> .a-row.a-color-secondary",
    "total": "css #orderCardHeader .a-column:has(> .a-row.a-color-secondary",
    "shipment": "css #orderCardDeliveryBox",
    "shipment_primary": "css #orderCardDeliveryBox span.a-color-base.a-text-bold",
    "item": "css #itemDetail.itemDetails",
    "item_quantity": "css p.itemQuantity",
}
REACT_LABELS = {
    fb.label
    for marketplace in ("amazon.com", "amazon.co.jp")
    for name, start in REACT.items()
    for fb in load_selectors(marketplace).field(name).fallbacks
    if fb.label.startswith(start)
}
SKELETON = (
    "css .orderCardHeaderTitleSkeleton, .orderCardHeaderOrderIdSkeleton, "
    ".orderCardOrderStatusSkeleton, .orderSearchItemImageSkeleton"
)
# Fields the classic layout gives that the new one reads with fallbacks it already had.
SHARED = ("details_link", "cancel_link", "tracking_link", "item_title", "item_asin")


def cancelwatch(*args: str) -> tuple[int, str]:
    with CliRunner().isolation() as streams:
        code = run(cli, list(args))
        out = streams[0].getvalue()
    return code, out.decode()


@pytest.fixture(autouse=True)
def _no_user_overrides(tmp_path, monkeypatch):
    monkeypatch.setenv("CANCELWATCH_HOME", str(tmp_path / "home"))


def _expected(page: Path) -> dict[str, Any]:
    return json.loads((EXPECTED / f"{page.stem}.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("page", LISTS, ids=lambda p: p.name)
def test_details_links_and_items_read_as_written_by_hand(page):
    got = [
        {
            "details_url": o.details_url,
            "items": [{"title": i.title, "asin": i.asin, "quantity": i.quantity} for i in o.items],
        }
        for o in parse_file(page).orders
    ]
    assert got == _expected(page)["details_and_items"]


def test_a_total_without_its_trailing_zero_is_whole_cents():
    assert str(parse_amount("$8.2")) == "8.20"
    assert str(parse_amount("£8.2")) == "8.20"
    assert str(parse_amount("$8.20")) == "8.20"
    assert parse_amount("￥1,280") == Decimal("1280")
    order = parse_file(LISTS[0]).orders[2]
    assert (str(order.total), order.currency) == ("8.20", "USD")


@pytest.mark.parametrize("page", LISTS, ids=lambda p: p.name)
def test_the_repeated_card_id_gives_one_order_per_card(page):
    html = page.read_text(encoding="utf-8")
    cards = html.count('<div class="a-box-group a-spacing-base" id="orderCard">')
    assert cards >= 3
    assert len(parse_file(page).orders) == cards


@pytest.mark.parametrize("page", SKELETONS, ids=lambda p: p.name)
def test_a_skeleton_only_page_is_an_empty_shell_by_its_placeholders(page):
    log = MatchLog()
    parsed = parse_page(page.read_text(encoding="utf-8"), log=log)
    assert parsed.page_kind is PageKind.EMPTY_SHELL
    assert parsed.orders == ()
    assert dict(log.used["order_list_shell"]) == {SKELETON: 1}


@pytest.mark.parametrize("page", SKELETONS, ids=lambda p: p.name)
def test_without_the_placeholders_the_same_page_is_not_taken_for_a_shell(page):
    html = page.read_text(encoding="utf-8").replace("Skeleton", "Frame")
    assert parse_page(html).page_kind is PageKind.UNKNOWN


@pytest.mark.parametrize("page", SKELETONS, ids=lambda p: p.name)
def test_a_placeholder_card_that_carries_the_card_id_is_not_a_card(page):
    html = page.read_text(encoding="utf-8").replace(
        'class="a-box-group a-spacing-base"', 'class="a-box-group a-spacing-base" id="orderCard"'
    )
    assert html.count('id="orderCard"') == 2
    assert parse_page(html).page_kind is PageKind.EMPTY_SHELL


@pytest.mark.parametrize("page", SKELETONS, ids=lambda p: p.name)
def test_parse_shows_the_skeleton_as_an_empty_shell_not_as_no_orders(page):
    code, out = cancelwatch("parse", str(page), "--json")
    assert code == 1  # can't read: never "no orders" with exit 0
    result = json.loads(out)
    assert result["page_kind"] == "empty_shell"
    assert result["orders"] == []
    assert result["order_count"] is None
    assert "can't read it" in result["error"]
    code, text = cancelwatch("parse", str(page))
    assert code == 1
    assert "empty_shell" in text
    assert "can't read it" in text


@pytest.mark.parametrize("page", LISTS, ids=lambda p: p.name)
def test_doctor_names_the_new_layouts_fallback_for_each_field(page):
    code, out = cancelwatch("doctor", str(page), "--json")
    assert code == 0
    report = json.loads(out)
    assert report["error"] is None
    fields = {f["field"]: f for f in report["fields"]}
    for name in ("order_id", "placed_on"):
        assert fields[name]["required"] is True
        assert fields[name]["missed"] == 0
    for name, start in REACT.items():
        [label] = fields[name]["matched"]
        assert label.startswith(start), name
    assert fields["order_id"]["matched"][REACT["order_id"]] == len(_expected(page)["orders"])
    for name in SHARED:
        assert fields[name]["matched"], name
    assert fields["next_page"]["matched"]
    assert fields["return_until"]["matched"]


@pytest.mark.parametrize("page", CLASSIC, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_no_new_layout_fallback_matches_a_classic_page(page):
    log = MatchLog()
    with suppress(PageSelectorFailure):
        parse_page(page.read_text(encoding="utf-8"), log=log)
    used = {label for counter in log.used.values() for label in counter}
    assert len(REACT_LABELS) > len(REACT)  # placed and total differ by site
    assert used.isdisjoint({*REACT_LABELS, SKELETON})


# ---- the status line, item links and header columns of a React card -------------------------

MIXED_COM = OURS_COM / "mixed-react-order-list-com.html"
NOT_SHIPPED = '<span class="a-size-small a-color-secondary">Not yet shipped</span>'


def _first_order(html: str, marketplace: str = "amazon.com") -> Order:
    return parse_page(html, marketplace).orders[0]


@pytest.mark.parametrize(
    ("secondary", "status"),
    [
        ("Not yet shipped", OrderStatus.PENDING),
        ("Not yet dispatched", OrderStatus.PENDING),
        ("Shipped", OrderStatus.SHIPPED),
        ("Dispatched", OrderStatus.SHIPPED),
    ],
)
def test_what_the_line_below_says_about_shipping_outranks_arriving_tomorrow(secondary, status):
    html = MIXED_COM.read_text(encoding="utf-8")
    assert html.count(NOT_SHIPPED) == 1
    order = _first_order(
        html.replace(NOT_SHIPPED, NOT_SHIPPED.replace("Not yet shipped", secondary))
    )
    assert order.shipments[0].status_text == f"Arriving tomorrow / {secondary}"
    assert order.status is status


def test_arriving_tomorrow_alone_is_in_transit():
    html = MIXED_COM.read_text(encoding="utf-8").replace(NOT_SHIPPED, "")
    order = _first_order(html)
    assert order.shipments[0].status_text == "Arriving tomorrow"
    assert order.status is OrderStatus.IN_TRANSIT


def test_the_react_secondary_line_is_read_by_its_own_fallback():
    log = MatchLog()
    parse_page(MIXED_COM.read_text(encoding="utf-8"), log=log)
    row = "css #orderCardDeliveryBox .a-row:has(> span.a-color-base.a-text-bold) + .a-row"
    # Three React cards, each with a line below its status line; the Kindle card has none.
    assert dict(log.used["shipment_secondary"]) == {row: 3}


def test_not_yet_shipped_in_japanese_below_an_arrival_date_is_pending():
    html = (JP / "react-order-list-jp.html").read_text(encoding="utf-8")
    bold = '<span class="a-size-medium a-color-base a-text-bold">12月3日にお届け予定</span></div>'
    assert html.count(bold) == 1
    line = '<div class="a-row"><span class="a-size-small a-color-secondary">未発送</span></div>'
    order = _first_order(html.replace(bold, bold + line), "amazon.co.jp")
    assert order.shipments[0].status_text == "12月3日にお届け予定 / 未発送"
    assert (order.status, order.shipments[0].expected_on) == (
        OrderStatus.PENDING,
        date(2026, 12, 3),
    )


@pytest.mark.parametrize("page", [*LISTS, MIXED_COM], ids=lambda p: p.name)
def test_an_items_link_is_its_title_link_not_its_image_link(page):
    html = page.read_text(encoding="utf-8")
    assert "asin_image" in html  # every React item links its image first
    items = [i for o in parse_file(page).orders for i in o.items if not o.digital]
    assert items
    for item in items:
        assert item.url is not None and "asin_title" in item.url, item.url
        assert item.url.startswith(f"/dp/{item.asin}?")


def _columns(html: str, order_id: str) -> list[str]:
    """The header columns of the card of `order_id`, as written in `html`."""
    card = html[html.rindex('id="orderCard"', 0, html.index(order_id)) :]
    header = card[: card.index('<div class="a-column a-span4')]
    return [
        '<div class="a-column a-span2">' + c
        for c in header.split('<div class="a-column a-span2">')[1:]
    ]


@pytest.mark.parametrize(
    "order",
    [
        [2, 1, 0],  # Ship to, Total, Order placed
        [1, 2, 0],  # Total, Ship to, Order placed
        [2, 0, 1],  # Ship to first
    ],
)
def test_placed_and_total_are_read_by_their_columns_label_in_any_order(order):
    html = MIXED_COM.read_text(encoding="utf-8")
    columns = _columns(html, "114-3390175-6628241")
    assert [c.count("a-color-secondary") for c in columns] == [1, 1, 1]
    moved = html.replace("".join(columns), "".join(columns[i] for i in order), 1)
    assert moved != html
    log = MatchLog()
    first = parse_page(moved, "amazon.com", log).orders[0]
    assert (first.id, first.placed_on, str(first.total)) == (
        "114-3390175-6628241",
        date(2025, 1, 20),
        "31.40",
    )
    for name in ("placed_on", "total"):
        # By the column's label on the three React cards; the Kindle card has no such column.
        react = {k: v for k, v in log.used[name].items() if k.startswith(REACT[name])}
        assert list(react.values()) == [3], name


def test_a_business_card_with_placed_by_first_reads_placed_and_total():
    order = next(o for o in parse_file(MIXED_COM).orders if o.id == "113-5067723-4418859")
    html = MIXED_COM.read_text(encoding="utf-8")
    labels = [
        c.split('<span class="a-size-mini">')[1].split("<")[0] for c in _columns(html, order.id)
    ]
    assert labels == ["Placed by", "Total", "Order placed", "Ship to"]
    assert (order.placed_on, str(order.total)) == (date(2025, 1, 6), "126.50")
