"""A page that mixes layouts (issue 9): a real amazon.co.jp order list of January 2025 nests
2010s-style Kindle cards (`a-box-group order`, `span.label`/`span.value`) inside current
`order-card` cards, beside ordinary ones. Every order reads once, with its own id, date and
total: a nested card is not swallowed by the card around it, and that card does not take
the nested card's values.

test_own_pages.py compares the two pages of our own with fixtures/expected/<page>.json;
this file checks the rest of the hand-written JSON and how the cards are found."""

from __future__ import annotations

import json
import time
from contextlib import suppress
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from cancelwatch.scraper.read.markup import MatchLog
from cancelwatch.scraper.read.parse import PageSelectorFailure, parse_page
from tests.pages import EXPECTED, JP, OURS_COM, parse_file

MIXED_JP = JP / "mixed-order-list-jp.html"
MIXED_COM = OURS_COM / "mixed-react-order-list-com.html"
PAGES = [MIXED_JP, MIXED_COM]
KINDLE = "css .a-box-group.order"
DEADLINE = 2.0
"""Seconds a hostile page may take to parse (the parse deadline)."""


def _expected(page: Path) -> dict[str, Any]:
    return json.loads((EXPECTED / f"{page.stem}.json").read_text(encoding="utf-8"))


def _linked_ids(html: str) -> set[str]:
    """The order ids the page links to, as a person counts the orders on it."""
    ids = set()
    for part in html.split("rderID=")[1:]:
        ids.add(part[:19])
    return ids


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_details_links_and_items_read_as_written_by_hand(page):
    got = [
        {
            "details_url": o.details_url,
            "items": [
                {"title": i.title, "url": i.url, "asin": i.asin, "quantity": i.quantity}
                for i in o.items
            ],
        }
        for o in parse_file(page).orders
    ]
    assert got == _expected(page)["details_and_items"]


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_every_order_on_the_page_reads_once(page):
    html = page.read_text(encoding="utf-8")
    ids = [o.id for o in parse_file(page).orders]
    assert len(ids) == len(set(ids))
    assert set(ids) == _linked_ids(html)
    assert any(i.startswith("D01-") for i in ids)


def test_the_card_around_kindle_cards_keeps_its_own_values():
    orders = {o.id: o for o in parse_file(MIXED_JP).orders}
    outer = orders["503-4471829-9031644"]
    assert (outer.placed_on, outer.total, outer.digital) == (
        date(2025, 1, 12),
        Decimal("4150"),
        False,
    )
    assert [i.asin for i in outer.items] == ["B0MIXJP002"]
    assert outer.details_url is not None and "/gp/css/order-details" in outer.details_url
    kindle = orders["D01-6620418-7795103"]
    assert (kindle.placed_on, kindle.total, kindle.digital) == (
        date(2025, 1, 9),
        Decimal("1100"),
        True,
    )
    assert [i.asin for i in kindle.items] == ["B0MIXKND02"]


def test_the_nested_cards_follow_the_card_they_sit_in():
    ids = [o.id for o in parse_file(MIXED_JP).orders]
    assert ids == [
        "250-1183746-5520917",
        "503-4471829-9031644",
        "D01-3851097-2240662",
        "D01-6620418-7795103",
        "D01-9034471-1528390",
    ]


def test_doctor_counts_the_nested_cards_apart():
    log = MatchLog()
    parse_page(MIXED_JP.read_text(encoding="utf-8"))
    parse_page(MIXED_JP.read_text(encoding="utf-8"), log=log)
    # Three order-card cards; the two Kindle cards inside the second are cards of their own.
    # The third order-card only wraps one Kindle card of the same order: one card, read whole.
    assert dict(log.used["order_card"]) == {"css .order-card": 1, KINDLE: 1}
    log = MatchLog()
    parse_page(MIXED_COM.read_text(encoding="utf-8"), log=log)
    react = "css .a-box-group[id='orderCard']:has(#orderIdField)"
    assert dict(log.used["order_card"]) == {react: 1, KINDLE: 1}


def test_a_wrapper_of_one_kindle_card_reads_as_that_order():
    html = MIXED_JP.read_text(encoding="utf-8")
    start = html.index("<!-- order 3:")
    wrapper = html[start:]
    assert wrapper.count('class="order-card js-order-card"') == 1
    assert wrapper.count('class="a-box-group a-spacing-base order"') == 1
    orders = parse_page(html[:start] + wrapper).orders
    assert orders[-1].id == "D01-9034471-1528390"
    assert (orders[-1].placed_on, orders[-1].total) == (date(2025, 1, 5), Decimal("770"))


def test_the_same_kindle_cards_beside_the_card_read_the_same():
    html = MIXED_JP.read_text(encoding="utf-8")
    first = html.index('<div class="a-box-group a-spacing-base order">')
    end = html.index("<!-- order 3:")
    nested = html[first : html.rindex("</div>\n        </div>\n    </div>\n</li>", first, end)]
    assert nested.count('class="a-box-group a-spacing-base order"') == 2
    moved = html.replace(nested, "", 1).replace(
        "<!-- order 3:", f'<li class="order-card__list">{nested}</li>\n<!-- order 3:', 1
    )
    assert moved.count(nested) == 1 and moved != html

    def key(page_html: str) -> list[tuple[str, date | None, Decimal | None, bool]]:
        orders = parse_page(page_html, "amazon.co.jp").orders
        return sorted((o.id, o.placed_on, o.total, o.digital) for o in orders)

    assert key(moved) == key(html)


def test_a_nested_card_whose_id_cannot_be_read_is_reported_not_dropped():
    html = MIXED_JP.read_text(encoding="utf-8")
    broken = html.replace('<bdi dir="ltr">D01-3851097-2240662</bdi>', "<bdi></bdi>", 1).replace(
        "orderID=D01-3851097-2240662", "orderRef=D01-3851097-2240662", 1
    )
    assert broken.count("D01-3851097-2240662") == 1
    with pytest.raises(PageSelectorFailure, match="order_id"):
        parse_page(broken)


# ---- hostile pages -----------------------------------------------------------------------


def _timed(html: str) -> float:
    start = time.perf_counter()
    with suppress(PageSelectorFailure):
        parse_page(html, "amazon.com")
    return time.perf_counter() - start


def _page(body: str) -> str:
    return f'<!doctype html><html lang="en-us"><head></head><body>{body}</body></html>'


def test_cards_nested_five_thousand_deep_parse_within_the_deadline():
    opened = "".join(
        f'<div class="order-card"><div class="a-box-group order">Order # 111-{i:07d}-1111111'
        for i in range(2_500)
    )
    assert _timed(_page(opened + "</div></div>" * 2_500)) < DEADLINE


def test_two_thousand_cards_nested_in_one_parse_within_the_deadline():
    # As long as the same cards side by side: each is read once, the card around them once.
    inner = "".join(
        f'<div class="a-box-group order">Order # 111-{i:07d}-1111111 Order placed March 3, '
        "2025 Total $1.00</div>"
        for i in range(2_000)
    )
    own = "Order # 112-0000000-0000000 Order placed March 2, 2025 Total $2.00"
    html = _page(f'<div class="order-card">{own}{inner}</div>')
    assert _timed(html) < DEADLINE
    assert len(parse_page(html, "amazon.com").orders) == 2_001
