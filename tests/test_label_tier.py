"""The label tier (issue 9): with every class and id stripped, the order lists still give
each order's id, date and total, read by the order ids and the labels beside the values.

The unstripped page is the reference: test_real_pages.py and the expected JSON check its
values by hand, and a few are restated below from the pages themselves."""

from __future__ import annotations

import json
import time
from contextlib import suppress
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner
from selectolax.lexbor import LexborHTMLParser

from cancelwatch.scheduler.cli.main import cli, run
from cancelwatch.scraper.demo.faults import drift
from cancelwatch.scraper.errors import ConfigError
from cancelwatch.scraper.read.markup import LabelTier, MatchLog, load_selectors
from cancelwatch.scraper.read.model import OrderStatus, PageKind
from cancelwatch.scraper.read.parse import PageSelectorFailure, parse_page
from tests.pages import JP, OURS_COM, REAL

LISTS = [
    *((p, "amazon.com") for p in sorted((REAL / "orders").glob("order-history-*.html"))),
    *((JP / n, "amazon.co.jp") for n in ("order-list-2026.html", "order-list-2026-page2.html")),
    (JP / "react-order-list-jp.html", "amazon.co.jp"),
    (OURS_COM / "order-list-preorder.html", "amazon.com"),
    (OURS_COM / "react-order-list-com.html", "amazon.com"),
]
DEADLINE = 2.0
"""Seconds a hostile page may take to parse (the parse deadline)."""


@pytest.fixture(autouse=True)
def _no_user_overrides(tmp_path, monkeypatch):
    monkeypatch.setenv("CANCELWATCH_HOME", str(tmp_path / "home"))


def strip_classes_and_ids(html: str) -> str:
    tree = LexborHTMLParser(html)
    for node in tree.root.traverse():  # type: ignore[union-attr]
        for name in ("class", "id"):
            if name in node.attributes:
                del node.attrs[name]
    return tree.html or ""


def _key(orders: tuple) -> list[tuple[str, date | None, Decimal | None]]:  # type: ignore[type-arg]
    return [(o.id, o.placed_on, o.total) for o in orders]


def page(body: str) -> str:
    return f'<!doctype html><html lang="en-us"><head></head><body>{body}</body></html>'


def card(order_id: str, header: str) -> str:
    link = f'<a href="/gp/css/order-details?orderID={order_id}">View order details</a>'
    return f"<div><div>{header}</div><div><span>Order #</span> {order_id}</div>{link}</div>"


# ---- the real pages, stripped ------------------------------------------------------------


@pytest.mark.parametrize(("path", "marketplace"), LISTS, ids=lambda v: getattr(v, "name", ""))
def test_stripped_page_gives_every_orders_id_date_and_total(path: Path, marketplace: str):
    html = path.read_text(encoding="utf-8")
    stripped = strip_classes_and_ids(html)
    assert ' class="' not in stripped.split("<body", 1)[1].split("<script", 1)[0]
    reference = parse_page(html, marketplace)
    log = MatchLog()
    read = parse_page(stripped, marketplace, log)
    assert _key(read.orders) == _key(reference.orders)
    assert all(o.placed_on and o.total for o in read.orders)
    if reference.orders:
        assert read.matches["order_card"] == "label card"


def test_stripped_2024_page_values_as_the_page_prints_them():
    html = (REAL / "orders" / "order-history-2024-0.html").read_text(encoding="utf-8")
    read = parse_page(strip_classes_and_ids(html), "amazon.com")
    assert len(read.orders) == 10
    assert _key(read.orders)[0] == ("112-5939971-8962610", date(2024, 11, 1), Decimal("28.50"))
    assert _key(read.orders)[-1] == ("114-5254991-9003440", date(2024, 10, 11), Decimal("31.51"))


def test_unstripped_pages_never_reach_the_label_tier():
    for path, marketplace in LISTS:
        log = MatchLog()
        parse_page(path.read_text(encoding="utf-8"), marketplace, log)
        used = [label for counter in log.used.values() for label in counter]
        assert not [label for label in used if label.startswith("label ")], path.name


def test_doctor_names_the_label_tier(tmp_path):
    html = (REAL / "orders" / "order-history-2024-0.html").read_text(encoding="utf-8")
    saved = tmp_path / "stripped.html"
    saved.write_text(strip_classes_and_ids(html), encoding="utf-8")
    with CliRunner().isolation() as streams:
        code = run(cli, ["doctor", str(saved), "--marketplace", "amazon.com", "--json"])
        out = streams[0].getvalue().decode()
    assert code == 0, out
    fields = {f["field"]: f for f in json.loads(out)["fields"]}
    assert list(fields["order_card"]["matched"]) == ["label card"]


@pytest.mark.parametrize(("path", "marketplace"), LISTS, ids=lambda v: getattr(v, "name", ""))
def test_stripped_page_reads_each_orders_status_by_its_words(path: Path, marketplace: str):
    html = path.read_text(encoding="utf-8")
    reference = parse_page(html, marketplace)
    log = MatchLog()
    read = parse_page(strip_classes_and_ids(html), marketplace, log)
    delivered = [o.id for o in reference.orders if o.status is OrderStatus.DELIVERED]
    assert [o.id for o in read.orders if o.status is OrderStatus.DELIVERED] == delivered
    assert [o.status for o in read.orders] == [o.status for o in reference.orders]
    if delivered:
        # No selector found a status line: each status is the label tier's (a cancelled
        # order reads by its cancel notice, before any status line).
        assert list(log.used["shipment_primary"]) == ["label status"]
        assert log.used["shipment_primary"]["label status"] >= len(delivered)


def test_stripped_status_counts_where_it_matters():
    # The pages above hold delivered orders, and orders that are not: the test can fail.
    html = (REAL / "orders" / "order-history-amazon-store.html").read_text(encoding="utf-8")
    read = parse_page(strip_classes_and_ids(html), "amazon.com")
    statuses = {o.id: o.status for o in read.orders}
    assert statuses["111-3223152-8885064"] is OrderStatus.DELIVERED
    assert statuses["111-1470863-4415403"] is OrderStatus.IN_TRANSIT
    # "Arriving Wednesday / Shipped" for one package, "Delivered April 4" for the other:
    # as far as its least advanced package.
    assert statuses["111-6731557-4438637"] is OrderStatus.SHIPPED


@pytest.mark.parametrize(("path", "marketplace"), LISTS, ids=lambda v: getattr(v, "name", ""))
def test_under_the_demo_stores_class_drift_the_status_still_reads(path: Path, marketplace: str):
    html = path.read_text(encoding="utf-8")
    reference = parse_page(html, marketplace)
    read = parse_page(drift(html, words=False), marketplace)
    assert [(o.id, o.status) for o in read.orders] == [(o.id, o.status) for o in reference.orders]


def test_the_status_words_read_lines_not_titles_links_or_labels():
    header = (
        "<div><span>Ordered on</span><span>March 3, 2025</span></div>"
        "<div><span>Total</span><span>$9.00</span></div>"
    )
    title = '<a href="/dp/B000000001">Delivered Fresh: A Cookbook</a>'
    body = f"<div>{title}</div><div>Arriving Friday</div>"
    log = MatchLog()
    read = parse_page(page(card("111-1111111-1111111", header + body)), "amazon.com", log)
    # Not "delivered" (a link's text) nor "pending" ("Ordered on" is a label).
    assert read.orders[0].status is OrderStatus.IN_TRANSIT
    assert log.used["shipment_primary"]["label status"] == 1
    quiet = parse_page(page(card("111-1111111-1111111", header + f"<div>{title}</div>")))
    assert quiet.orders[0].status is OrderStatus.UNKNOWN


def test_a_digital_order_has_no_status_to_read_by_words():
    header = "<div><span>Order placed</span><span>March 3, 2025</span></div>"
    body = "<div>Delivered to your Kindle library</div>"
    log = MatchLog()
    read = parse_page(page(card("D01-1111111-1111111", header + body)), "amazon.com", log)
    assert read.orders[0].status is OrderStatus.UNKNOWN
    assert "shipment_primary" not in log.used


def test_doctor_names_the_label_tiers_status(tmp_path):
    html = (REAL / "orders" / "order-history-2024-0.html").read_text(encoding="utf-8")
    saved = tmp_path / "stripped.html"
    saved.write_text(strip_classes_and_ids(html), encoding="utf-8")
    with CliRunner().isolation() as streams:
        code = run(cli, ["doctor", str(saved), "--marketplace", "amazon.com", "--json"])
        out = streams[0].getvalue().decode()
    assert code == 0, out
    fields = {f["field"]: f for f in json.loads(out)["fields"]}
    assert fields["shipment_primary"]["matched"] == {"label status": 8}


# ---- values by their labels only -----------------------------------------------------------


def test_labels_read_what_no_text_pattern_knows():
    # "Purchased" (in-store orders) and the 2010s "Order Placed:" in span.label/span.value
    # pairs: no text fallback reads either, the labels do.
    purchased = card(
        "111-1111111-1111111",
        "<div><div><span>Purchased</span></div><div><span>March 3, 2025</span></div></div>"
        "<div><div><span>Total</span></div><div><span>$12.50</span></div></div>",
    )
    classic = card(
        "112-2222222-2222222",
        '<div><span class="label">Order Placed:</span>'
        '<span class="value">January 12, 2010</span></div>'
        "<div><span>Return or replace items: Eligible through Feb 20, 2010</span></div>",
    )
    log = MatchLog()
    read = parse_page(page(purchased + classic), "amazon.com", log)
    assert _key(read.orders) == [
        ("111-1111111-1111111", date(2025, 3, 3), Decimal("12.50")),
        ("112-2222222-2222222", date(2010, 1, 12), None),
    ]
    assert read.orders[1].return_until == date(2010, 2, 20)
    assert log.used["placed_on"]["label placed"] == 2


def test_japanese_labels():
    header = (
        "<div><div><span>注文日</span></div><div><span>2026年11月26日</span></div></div>"
        "<div><div><span>合計</span></div><div><span>￥10,618</span></div></div>"
    )
    html = page(card("249-1111111-1111111", header).replace("Order #", "注文番号"))
    read = parse_page(html, "amazon.co.jp")
    assert _key(read.orders) == [("249-1111111-1111111", date(2026, 11, 26), Decimal("10618"))]


def test_a_label_with_no_value_beside_it_gives_no_value():
    header = (
        "<div><div><span>Order placed</span></div></div>"
        "<div><div><span>Total</span></div><div><span>Ship to</span></div></div>"
    )
    with pytest.raises(PageSelectorFailure, match="placed_on") as caught:
        parse_page(page(card("111-1111111-1111111", header)), "amazon.com")
    assert [(o.id, o.total) for o in caught.value.page.orders] == [("111-1111111-1111111", None)]


def test_two_orders_in_one_element_are_not_read_as_one_card():
    one = "<p>Order placed March 3, 2025 Total $5.00 Order # 111-1111111-1111111</p>"
    two = "<p>Order placed March 4, 2025 Total $6.00 Order # 112-2222222-2222222</p>"
    read = parse_page(page(f"<div>{one}{two}</div>"), "amazon.com")
    assert [o.id for o in read.orders] == ["111-1111111-1111111", "112-2222222-2222222"]
    shared = "<p>Order placed March 3, 2025 Total $5.00 Orders # 111-1111111-1111111 and "
    shared += "# 112-2222222-2222222</p>"
    links = "".join(
        f'<a href="/gp/css/order-details?orderID={i}">details</a>'
        for i in ("111-1111111-1111111", "112-2222222-2222222")
    )
    # Each link is an element that holds one id, and nothing else of its order: a loud
    # failure, not one card with two orders' values.
    with pytest.raises(PageSelectorFailure, match="placed_on"):
        parse_page(page(f"<div>{shared}{links}</div>"), "amazon.com")
    bare = parse_page(page(f"<div>{shared}</div>"), "amazon.com")
    assert (bare.page_kind, bare.orders) == (PageKind.UNKNOWN, ())


def test_an_id_inside_a_link_text_is_no_order():
    noise = "<div>/dp/B0841H1XX6/ref=pd_yo_rr/142-5313387-7283637?pd_rd_w=x</div>"
    header = "<div><span>Order placed</span><span>March 3, 2025</span></div>"
    read = parse_page(page(card("111-1111111-1111111", header) + noise), "amazon.com")
    assert [o.id for o in read.orders] == ["111-1111111-1111111"]


# ---- the selector files ------------------------------------------------------------------


def test_every_field_ends_with_its_label_fallback():
    for marketplace in ("amazon.com", "amazon.co.jp"):
        sel = load_selectors(marketplace)
        for name, label in (
            ("order_card", "label card"),
            ("order_id", "label order_id"),
            ("placed_on", "label placed"),
            ("total", "label total"),
            ("return_until", "label return_until"),
        ):
            assert sel.field(name).fallbacks[-1].label == label, (marketplace, name)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[labels.en]\nplaced = ["Order placed"]\nwhen = ["x"]\n', r"labels\.en: unknown key"),
        ('[labels.EN]\nplaced = ["Order placed"]\n', r"labels\.EN: expected a language code"),
        ('[labels.en]\nplaced = [""]\n', r"labels\.en\.placed\[0\]: a label is 1 to"),
        ("[labels]\nid_pattern = '(?<=x)1'\n", r"labels\.id_pattern"),
        (
            "[fields.total]\nfallbacks = [{ label = 'totl' }]\n",
            r"fields\.total\.fallbacks\[0\]\.label",
        ),
        (
            "[fields.total]\nfallbacks = [{ label = 'total', attr = 'x' }]\n",
            r"attr and pattern go with css only",
        ),
    ],
)
def test_a_bad_label_table_is_one_line_naming_file_and_key(tmp_path, text, message):
    home = tmp_path / "conf"
    home.mkdir()
    (home / "amazon.com.toml").write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=message) as caught:
        load_selectors("amazon.com", home)
    assert "\n" not in str(caught.value)
    assert str(home / "amazon.com.toml") in str(caught.value)


def test_a_label_fallback_without_texts_is_refused(tmp_path):
    home = tmp_path / "conf"
    home.mkdir()
    (home / "amazon.com.toml").write_text(
        '[labels.en]\ntotal = ["Sum"]\n[fields.total]\nfallbacks = [{ label = "total" }]\n'
        '[fields.placed_on]\nfallbacks = [{ label = "placed" }]\n',
        encoding="utf-8",
    )
    # The override replaces en.total only: placed keeps the built-in texts.
    sel = load_selectors("amazon.com", home)
    assert sel.field("total").fallbacks[0].tier.texts == ("sum",)  # type: ignore[union-attr]
    assert "order placed" in sel.field("placed_on").fallbacks[0].tier.texts  # type: ignore[union-attr]


# ---- hostile pages -----------------------------------------------------------------------


def _timed(html: str, marketplace: str = "amazon.com") -> float:
    start = time.perf_counter()
    with suppress(PageSelectorFailure):
        parse_page(html, marketplace)
    return time.perf_counter() - start


def test_twenty_thousand_labels_without_values_parse_within_the_deadline():
    labels = "<span>Order placed</span><span>Total</span>" * 10_000
    html = page(card("111-1111111-1111111", f"<div>{labels}</div>"))
    assert _timed(html) < DEADLINE


def test_five_thousand_order_ids_parse_within_the_deadline():
    ids = "".join(f"<p>Order # 111-{i:07d}-1111111</p>" for i in range(5_000))
    seconds = _timed(page(f"<div>{ids}</div>"))
    assert seconds < DEADLINE
    nested = "".join(f"<div>Order # 111-{i:07d}-1111111" for i in range(5_000))
    assert _timed(page(nested + "</div>" * 5_000)) < DEADLINE


# ---- the bound before RE2 ------------------------------------------------------------------


def _card_tier(home: Path | None = None) -> LabelTier:
    fallbacks = load_selectors("amazon.com", home).field("order_card").fallbacks
    tier = fallbacks[-1].tier
    assert tier is not None
    return tier


def test_an_id_alone_in_its_text_is_found_at_the_bound():
    bare = (
        "<div><div><span>Order placed</span></div><div><span>March 3, 2025</span></div>"
        "<span>Order #</span><span>111-1111111-1111111</span></div>"
    )
    tier = next(
        f.tier for f in load_selectors("amazon.com").field("order_card").fallbacks if f.tier
    )
    assert tier is not None and tier.id_chars == len("111-1111111-1111111")
    read = parse_page(page(bare), "amazon.com")
    assert [(o.id, o.placed_on) for o in read.orders] == [("111-1111111-1111111", date(2025, 3, 3))]


def test_a_users_id_pattern_brings_its_own_bound(tmp_path):
    home = tmp_path / "conf"
    home.mkdir()
    # A shorter id, and a pattern Python's parser does not read (RE2's \\C): no bound at all.
    (home / "amazon.com.toml").write_text(
        "[labels]\nid_pattern = '\\b(\\d{3}-\\d{4})\\b'\n", encoding="utf-8"
    )
    tier = next(
        f.tier for f in load_selectors("amazon.com", home).field("order_card").fallbacks if f.tier
    )
    assert tier is not None and tier.id_chars == 8
    (home / "amazon.com.toml").write_text(
        "[labels]\nid_pattern = '\\C?\\b(\\d{3}-\\d{4})\\b'\n", encoding="utf-8"
    )
    tier = next(
        f.tier for f in load_selectors("amazon.com", home).field("order_card").fallbacks if f.tier
    )
    assert tier is not None and tier.id_chars == 0
