"""Our own pages: Japanese ones built from the real markup with Amazon's Japanese strings,
English ones for amazon.com, amazon.co.uk and amazon.ca. The expected values in
fixtures/expected/ were written by hand from each page; see fixtures/expected/README.md for
the conventions."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from cancelwatch.scraper.read.model import Order, to_json
from tests.pages import CA, EXPECTED, JP, OURS_COM, UK, parse_file

PAGES = sorted(p for folder in (JP, OURS_COM, UK, CA) for p in folder.glob("*.html"))


def _expected(page: Path) -> dict[str, Any]:
    return json.loads((EXPECTED / f"{page.stem}.json").read_text(encoding="utf-8"))


def _first(values: list[Any]) -> Any:
    return next((v for v in values if v is not None), None)


def _order_view(order: Order) -> dict[str, Any]:
    data = to_json(order)
    shipments = data.pop("shipments")
    items = data.pop("items")
    data.pop("details_url")
    if data["preorder"] is not None:
        data["preorder"] = {k: data["preorder"][k] for k in ("release_date", "cancel_deadline")}
    data["item_titles"] = [i["title"] for i in items]
    data["tracking_urls"] = [s["tracking_url"] for s in shipments if s["tracking_url"]]
    data["delivered_on"] = _first([s["delivered_on"] for s in shipments])
    data["expected_on"] = _first([s["expected_on"] for s in shipments])
    return data


def test_every_own_page_has_its_expected_values_file():
    assert len(PAGES) >= 23
    missing = [p.name for p in PAGES if not (EXPECTED / f"{p.stem}.json").is_file()]
    assert missing == []


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_page_reads_as_written_by_hand(page):
    want = _expected(page)
    got = parse_file(page)
    assert got.page_kind.value == want["page_kind"]
    assert got.marketplace == want["marketplace"]
    assert got.order_count == want.get("order_count")
    assert got.next_page_url == want.get("next_page_url")
    assert [_order_view(o) for o in got.orders] == want["orders"]
    tracking = want.get("tracking")
    if tracking is None:
        assert got.tracking is None
    else:
        assert got.tracking is not None
        view = to_json(got.tracking)
        assert {k: view[k] for k in tracking} == tracking
