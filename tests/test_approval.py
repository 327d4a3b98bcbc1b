"""Amazon Business approval boxes (issue 9, item 5): the reader tells an order awaiting its
approver from an approved or rejected one. The pages are our React page for amazon.com with
the approval box's sentence changed; the classic cards carry no box and read None."""

from __future__ import annotations

import pytest

from cancelwatch.scraper.read.model import Approval
from cancelwatch.scraper.read.parse import parse_page
from tests.pages import JP, OURS_COM

PAGE = (OURS_COM / "react-order-list-com.html").read_text(encoding="utf-8")
BUSINESS = "111-7719024-3366512"
APPROVED = "This order was approved."


def _business_order(html: str, marketplace: str = "amazon.com"):
    page = parse_page(html, marketplace)
    return {o.id: o for o in page.orders}[BUSINESS]


@pytest.mark.parametrize(
    ("sentence", "want"),
    [
        (APPROVED, Approval.APPROVED),
        ("This order is awaiting approval from Dana Example.", Approval.PENDING),
        ("Pending approval", Approval.PENDING),
        ("This order was rejected by your approver.", Approval.REJECTED),
        ("Your request was declined.", Approval.REJECTED),
    ],
)
def test_approval_box_sentence_decides(sentence, want):
    assert APPROVED in PAGE
    assert _business_order(PAGE.replace(APPROVED, sentence)).approval is want


def test_without_the_box_the_words_still_tell_a_pending_order():
    without_box = PAGE.replace('id="orderCardApprovalMessageBox"', "").replace(
        APPROVED, "Your order is awaiting approval."
    )
    assert _business_order(without_box).approval is Approval.PENDING


def test_consumer_orders_have_no_approval():
    page = parse_page(PAGE, "amazon.com")
    others = [o.approval for o in page.orders if o.id != BUSINESS]
    assert len(others) >= 3
    assert set(others) == {None}


def test_japanese_box_awaiting_approval():
    html = (JP / "react-order-list-jp.html").read_text(encoding="utf-8")
    page = parse_page(html, "amazon.co.jp")
    assert {o.approval for o in page.orders} == {None}
    first = page.orders[0].id
    box = (
        '<div class="a-box" id="orderCardApprovalMessageBox">'
        "<span>この注文は承認待ちです。</span></div>"
    )
    marker = 'id="orderCardDeliveryBox"'
    at = html.index(marker)
    at = html.rindex("<div", 0, at)
    changed = html[:at] + box + html[at:]
    assert {o.id: o.approval for o in parse_page(changed, "amazon.co.jp").orders}[first] is (
        Approval.PENDING
    )
