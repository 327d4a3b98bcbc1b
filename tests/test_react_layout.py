"""Amazon's React "Your Orders" (issue 9): our own pages of the new card layout, written from
the issue's description, for amazon.com and amazon.co.jp.

test_own_pages.py compares each page's orders with fixtures/expected/<page>.json; the
`details_and_items` list there (written by hand too) holds what that view leaves out: each
order's details link and its items' title, ASIN and quantity, checked here."""

from __future__ import annotations

import json
from contextlib import suppress
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from cancelwatch.scheduler.cli.main import cli, run
from cancelwatch.scraper.read.markup import MatchLog
from cancelwatch.scraper.read.model import PageKind
from cancelwatch.scraper.read.parse import PageSelectorFailure, parse_page
from cancelwatch.scraper.read.values import parse_amount
from tests.pages import EXPECTED, JP, OURS_COM, REAL, parse_file

LISTS = [OURS_COM / "react-order-list-com.html", JP / "react-order-list-jp.html"]
SKELETONS = [OURS_COM / "react-skeleton-com.html", JP / "react-skeleton-jp.html"]
CLASSIC = sorted(
    [
        *REAL.rglob("*.html"),
        *(p for p in JP.glob("*.html") if not p.name.startswith("react-")),
        *(p for p in OURS_COM.glob("*.html") if not p.name.startswith("react-")),
    ]
)

# The new layout's fallbacks, as `doctor` names them, in both selector files.
REACT = {
    "order_card": "css .a-box-group[id='orderCard']:has(#orderIdField)",
    "order_id": "css li#orderIdField",
    "placed_on": "css #orderCardHeader .a-column.a-span2:nth-child(1) .a-row.a-size-base",
    "total": "css #orderCardHeader .a-column.a-span2:nth-child(2) .a-row.a-size-base",
    "shipment": "css #orderCardDeliveryBox",
    "shipment_primary": "css #orderCardDeliveryBox span.a-color-base.a-text-bold",
    "item": "css #itemDetail.itemDetails",
    "item_quantity": "css p.itemQuantity",
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
    for name, label in REACT.items():
        assert list(fields[name]["matched"]) == [label], name
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
    assert used.isdisjoint({*REACT.values(), SKELETON})
