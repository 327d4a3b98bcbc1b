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


JP_PAGE = (JP / "react-order-list-jp.html").read_text(encoding="utf-8")
JP_BUSINESS = "503-6618204-7719350"
JP_PENDING = "この注文は承認待ちです。"


@pytest.mark.parametrize(
    ("sentence", "want"),
    [
        (JP_PENDING, Approval.PENDING),
        ("この注文は承認されました。", Approval.APPROVED),
        ("承認済み", Approval.APPROVED),
        ("この注文は承認者により却下されました。", Approval.REJECTED),
    ],
)
def test_japanese_approval_box(sentence, want):
    assert JP_PENDING in JP_PAGE
    page = parse_page(JP_PAGE.replace(JP_PENDING, sentence), "amazon.co.jp")
    approvals = {o.id: o.approval for o in page.orders}
    assert approvals.pop(JP_BUSINESS) is want
    assert len(approvals) == 3
    assert set(approvals.values()) == {None}
