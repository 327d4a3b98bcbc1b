"""Cancel windows and advice: one table row per rule of docs/rules.md, then time zones,
precedence, hints, the advice playbook, return windows and the account-risk note.

Every expected instant below is worked out by hand from the marketplace's zone:
Asia/Tokyo is UTC+9 all year; America/Los_Angeles is UTC-8 (PST) and UTC-7 (PDT), with
DST starting 2025-03-09 02:00 and ending 2025-11-02 02:00 local time.
"""

from __future__ import annotations

import dataclasses
import string
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from cancelwatch.scheduler.policy.assess import (
    Assessment,
    Known,
    Rules,
    WindowState,
    account_risk_note,
    assess,
    default_rules,
)
from cancelwatch.scheduler.policy.words import TEXTS, Lang
from cancelwatch.scraper.read.model import (
    Cancellability,
    Item,
    Order,
    OrderStatus,
    PreOrder,
    Tracking,
)

TOKYO = "Asia/Tokyo"
LA = "America/Los_Angeles"
JP = "amazon.co.jp"
US = "amazon.com"

# How a claim only the article makes starts, and whose word follows it (docs/rules.md).
ARTICLE_LABELS = {"en": "A popular article says", "ja": "ある人気記事では"}
AMAZONS_WORD = {"en": "Amazon's help", "ja": "Amazonのヘルプ"}

BASE = Order(
    id="503-1234567-1234567",
    placed_on=date(2025, 7, 15),
    total=None,
    currency=None,
    status=OrderStatus.PENDING,
    cancellable=Cancellability.YES,
    cancel_url="/progress-tracker/package/preship/cancel-items?orderID=503-1234567-1234567",
    digital=False,
    preorder=None,
    left_at_door=None,
    return_until=None,
    items=(Item(title="Desk lamp", url=None, seller="Amazon.co.jp", asin="B000LAMP01"),),
)

YAMATO_ID = "123456789013"  # 12345678901 mod 7 = 3 (see test_carriers.py)
UPS_ID = "1Z999AA10123456784"
AMZL_ID = "TBA123456789012"


def order(**changes: Any) -> Order:
    return dataclasses.replace(BASE, **changes)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def seller_items(seller: str = "Tanaka Shoten") -> tuple[Item, ...]:
    return (Item(title="Desk lamp", url=None, seller=seller),)


def digital(title: str, **changes: Any) -> Order:
    return order(
        id="D01-1234567-1234567",
        digital=True,
        cancellable=Cancellability.NO,
        cancel_url=None,
        items=(Item(title=title, url=None),),
        **changes,
    )


def check(o: Order, *, now: datetime, market: str = JP, lang: Lang = "en", **kw: Any) -> Assessment:
    zone = TOKYO if market == JP else LA
    rules = kw.pop("rules", default_rules())
    return assess(o, marketplace=market, timezone=zone, now=now, rules=rules, lang=lang, **kw)


# 2025-07-15 12:00 JST, the day BASE was placed.
NOON_JST = utc(2025, 7, 15, 3)

BY_ASIN = dataclasses.replace(default_rules(), preorder_offsets={"B000LAMP01": timedelta(days=90)})
BY_TITLE = dataclasses.replace(default_rules(), preorder_offsets={"desk LAMP": timedelta(days=30)})

Expected = tuple[WindowState, datetime | None, Known]


def row(
    o: Order,
    kw: dict[str, Any],
    state: WindowState,
    closes_at: datetime | None,
    known: Known,
    *,
    id: str,
) -> Any:
    """One rule: the order, `check`'s arguments, and the cancel window it must get."""
    return pytest.param(o, kw, (state, closes_at, known), id=id)


RULE_TABLE = [
    row(
        order(), {}, WindowState.OPEN, None, Known.UNKNOWN,
        id="page-cancel-control-means-open-until-preparation",
    ),
    row(
        order(status=OrderStatus.CANCELLED, cancellable=Cancellability.NO), {},
        WindowState.CANCELLED, None, Known.UNKNOWN,
        id="page-status-cancelled",
    ),
    row(
        order(cancellable=Cancellability.REQUEST, items=seller_items()), {},
        WindowState.REQUEST_ONLY, None, Known.UNKNOWN,
        id="page-request-cancellation-means-seller-decides",
    ),
    row(
        order(cancellable=Cancellability.NO), {}, WindowState.CLOSED, None, Known.UNKNOWN,
        id="page-no-control-means-closed",
    ),
    row(
        order(status=OrderStatus.PREPARING, cancellable=Cancellability.NO), {},
        WindowState.CLOSED, None, Known.UNKNOWN,
        id="rule1-ordinary-closes-when-preparation-starts",
    ),
    row(
        order(status=OrderStatus.SHIPPED, cancellable=Cancellability.NO), {},
        WindowState.CLOSED, None, Known.UNKNOWN,
        id="rule1-shipped-is-closed",
    ),
    row(
        order(items=seller_items()), {"first_seen": utc(2025, 7, 15, 2, 58)},
        WindowState.OPEN, utc(2025, 7, 15, 3, 3), Known.RULE,
        id="rule2-seller-jp-5-minutes-from-first-seen",
    ),
    row(
        order(items=seller_items()), {"first_seen": utc(2025, 7, 15, 2, 50), "market": US},
        WindowState.OPEN, utc(2025, 7, 15, 3, 20), Known.RULE,
        id="rule2-seller-us-30-minutes-from-first-seen",
    ),
    row(
        order(items=seller_items()), {"now": utc(2025, 7, 14, 15, 2)},
        WindowState.OPEN, utc(2025, 7, 14, 15, 5), Known.RULE,
        id="rule2-seller-without-first-seen-counts-from-start-of-order-day",
    ),
    row(
        order(items=seller_items()), {"first_seen": utc(2025, 7, 15, 2, 50)},
        WindowState.OPEN, None, Known.UNKNOWN,
        id="rule2-seller-estimate-passed-but-page-still-open-means-any-moment",
    ),
    row(
        order(items=seller_items(), cancellable=Cancellability.REQUEST), {},
        WindowState.REQUEST_ONLY, None, Known.UNKNOWN,
        id="rule2-seller-after-window-request-only",
    ),
    row(
        order(preorder=PreOrder(date(2025, 9, 1), cancel_deadline=date(2025, 8, 1))), {},
        WindowState.OPEN, utc(2025, 8, 1, 15), Known.PAGE,
        id="rule3-preorder-deadline-on-page-end-of-day-local",
    ),
    row(
        order(preorder=PreOrder(date(2025, 9, 1))), {},
        WindowState.OPEN, utc(2025, 8, 29, 15), Known.RULE,
        id="rule3-preorder-release-minus-2-days-start-of-day-local",
    ),
    row(
        order(preorder=PreOrder(date(2025, 12, 1))),
        {"rules": BY_ASIN},
        WindowState.OPEN, utc(2025, 9, 1, 15), Known.RULE,
        id="rule3-preorder-offset-by-asin-release-minus-90-days",
    ),
    row(
        order(preorder=PreOrder(date(2025, 12, 1))),
        {"rules": BY_TITLE},
        WindowState.OPEN, utc(2025, 10, 31, 15), Known.RULE,
        id="rule3-preorder-offset-by-title-substring",
    ),
    row(
        order(preorder=PreOrder(None)), {}, WindowState.OPEN, None, Known.UNKNOWN,
        id="rule3-preorder-without-date-unknown",
    ),
    row(
        order(preorder=PreOrder(date(2025, 9, 1)), cancellable=Cancellability.NO), {},
        WindowState.CLOSED, None, Known.UNKNOWN,
        id="rule3-preorder-without-control-closed-whatever-the-rule-says",
    ),
    row(
        digital("Kindle版 吾輩は猫である"), {},
        WindowState.OPEN, utc(2025, 7, 21, 15), Known.RULE,
        id="rule4-kindle-refund-7-days-including-order-day",
    ),
    row(
        digital("Some Novel (Kindle Edition)"), {"now": utc(2025, 7, 21, 15)},
        WindowState.CLOSED, utc(2025, 7, 21, 15), Known.RULE,
        id="rule4-kindle-refund-over-after-7th-day",
    ),
    row(
        digital("アプリ開発入門 Kindle版"), {}, WindowState.OPEN, utc(2025, 7, 21, 15), Known.RULE,
        id="rule4-kindle-book-about-apps-is-a-kindle-book",
    ),
    row(
        digital("Kindle版 新刊", preorder=PreOrder(date(2025, 8, 10))), {},
        WindowState.OPEN, utc(2025, 8, 9, 15), Known.RULE,
        id="rule4-kindle-preorder-until-release",
    ),
    row(
        digital("Kindle版 新刊", preorder=PreOrder(date(2025, 7, 15))), {},
        WindowState.CLOSED, utc(2025, 7, 14, 15), Known.RULE,
        id="rule4-kindle-preorder-released-closed",
    ),
    row(
        digital("Amazonアプリストア: パズルゲーム"), {}, WindowState.CLOSED, None, Known.UNKNOWN,
        id="rule4-appstore-app-not-cancellable",
    ),
    row(
        digital("Appstore: Puzzle Game"), {}, WindowState.CLOSED, None, Known.UNKNOWN,
        id="rule4-appstore-app-not-cancellable-en",
    ),
    row(
        digital("デジタルミュージック: 夜に駆ける"), {}, WindowState.CLOSED, None, Known.UNKNOWN,
        id="rule4-digital-music-not-cancellable",
    ),
    row(
        digital("Prime Video: Some Film"), {}, WindowState.CLOSED, None, Known.UNKNOWN,
        id="rule4-video-stays-closed-article-claim-is-a-hint",
    ),
    row(
        order(items=(Item(title="【タイムセール】Desk lamp", url=None),)), {},
        WindowState.OPEN, None, Known.UNKNOWN,
        id="rule5-sale-item-stays-cancellable",
    ),
]  # fmt: skip


@pytest.mark.parametrize("lang", ["en", "ja"])
@pytest.mark.parametrize(("o", "kw", "expected"), RULE_TABLE)
def test_rule_table(o: Order, kw: dict[str, Any], expected: Expected, lang: Lang) -> None:
    kw = {"now": NOON_JST, **kw}
    a = check(o, lang=lang, **kw)
    assert (a.cancel.state, a.cancel.closes_at, a.cancel.known) == expected
    assert a.cancel.kind == "cancel"
    assert a.cancel.reason
    assert a.advice.steps
    if a.cancel.closes_at is not None:
        assert a.cancel.closes_at.utcoffset() == timedelta(0)


def test_cancelled_order_is_not_watched_and_needs_nothing() -> None:
    a = check(order(status=OrderStatus.CANCELLED, cancellable=Cancellability.NO), now=NOON_JST)
    assert not a.open
    assert a.ret is None
    assert "Nothing to do" in a.advice.steps[0]


def test_request_only_is_watched_and_names_the_seller() -> None:
    o = order(cancellable=Cancellability.REQUEST, items=seller_items("Tanaka Shoten"))
    a = check(o, now=NOON_JST, lang="ja")
    assert a.open
    assert "出品者" in a.cancel.reason
    assert "キャンセルリクエスト" in a.advice.steps[0]
    assert "Tanaka Shoten" in a.advice.steps[0]


def test_us_request_only_mentions_the_7_day_auto_cancel() -> None:
    o = order(cancellable=Cancellability.REQUEST, items=seller_items())
    assert "7 days after the expected ship date" in check(o, now=NOON_JST, market=US).cancel.reason


def test_seller_reason_says_the_close_is_no_later_than() -> None:
    a = check(order(items=seller_items()), now=NOON_JST, first_seen=utc(2025, 7, 15, 2, 58))
    assert "no later than July 15, 2025 12:03 JST" in a.cancel.reason
    assert "Request cancellation" in a.advice.steps[1]


@pytest.mark.parametrize(
    "seller",
    [
        "Amazon.co.jp",
        "Amazon.com",
        "Amazon.com Services, Inc",
        "Amazon",
        "アマゾンジャパン合同会社",
    ],
)
def test_amazon_itself_is_not_a_third_party_seller(seller: str) -> None:
    a = check(order(items=seller_items(seller)), now=NOON_JST, first_seen=NOON_JST)
    assert a.cancel.known is Known.UNKNOWN
    assert a.cancel.closes_at is None


def test_seller_window_of_an_unknown_marketplace_is_unknown() -> None:
    o = order(items=seller_items())
    a = assess(
        o, marketplace="amazon.de", timezone="Europe/Berlin", now=NOON_JST, rules=default_rules()
    )
    assert (a.cancel.state, a.cancel.known) == (WindowState.OPEN, Known.UNKNOWN)


# -- time zones ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("release", "closes_at"),
    [
        # release − 2 days, start of day: PST before the change, PDT after it.
        (date(2025, 3, 10), utc(2025, 3, 8, 8)),
        (date(2025, 3, 11), utc(2025, 3, 9, 8)),  # 00:00 on the change day is still PST
        (date(2025, 3, 12), utc(2025, 3, 10, 7)),
    ],
    ids=["before-spring-forward", "on-spring-forward-day", "after-spring-forward"],
)
def test_us_preorder_estimate_across_dst(release: date, closes_at: datetime) -> None:
    a = check(order(preorder=PreOrder(release)), now=utc(2025, 3, 1), market=US)
    assert a.cancel.closes_at == closes_at


def test_us_kindle_refund_across_dst_ends_at_local_midnight() -> None:
    # Placed 2025-03-05 (PST); the 7th day is 03-11 (PDT), ending 03-12 00:00 PDT.
    o = digital("Some Novel (Kindle Edition)", placed_on=date(2025, 3, 5))
    a = check(o, now=utc(2025, 3, 6), market=US)
    assert a.cancel.closes_at == utc(2025, 3, 12, 7)


def test_us_return_window_day_of_fall_back_is_25_hours() -> None:
    def closes(day: date) -> datetime:
        o = order(status=OrderStatus.DELIVERED, cancellable=Cancellability.NO, return_until=day)
        ret = check(o, now=utc(2025, 10, 1), market=US).ret
        assert ret is not None and ret.closes_at is not None
        return ret.closes_at

    assert closes(date(2025, 11, 1)) == utc(2025, 11, 2, 7)  # 00:00 PDT
    assert closes(date(2025, 11, 2)) == utc(2025, 11, 3, 8)  # 00:00 PST
    assert closes(date(2025, 11, 2)) - closes(date(2025, 11, 1)) == timedelta(hours=25)


def test_us_offset_counts_whole_local_days_across_dst() -> None:
    # Release 2025-03-20 (PDT) − 30 days = 2025-02-18 00:00 PST.
    rules = dataclasses.replace(default_rules(), preorder_offsets={"lamp": timedelta(days=30)})
    a = check(
        order(preorder=PreOrder(date(2025, 3, 20))), now=utc(2025, 1, 1), market=US, rules=rules
    )
    assert a.cancel.closes_at == utc(2025, 2, 18, 8)


def test_tokyo_page_deadline_ends_at_local_midnight() -> None:
    a = check(order(preorder=PreOrder(None, cancel_deadline=date(2025, 12, 31))), now=NOON_JST)
    assert a.cancel.closes_at == utc(2025, 12, 31, 15)
    assert "(until the end of that day, JST)" in a.cancel.reason  # the zone as people read it


def test_a_return_reason_names_the_zone_the_day_is_in_across_dst() -> None:
    def reason(day: date) -> str:
        o = order(status=OrderStatus.DELIVERED, cancellable=Cancellability.NO, return_until=day)
        ret = check(o, now=utc(2025, 10, 1), market=US).ret
        assert ret is not None
        return ret.reason

    # 2025-11-01 is still daylight time in Los Angeles; 11-02 ends in standard time.
    assert "(until the end of that day, PDT)" in reason(date(2025, 11, 1))
    assert "(until the end of that day, PST)" in reason(date(2025, 11, 2))


def test_any_aware_now_gives_utc_out() -> None:
    now = datetime(2025, 7, 15, 11, 58, tzinfo=ZoneInfo(TOKYO))
    a = check(order(items=seller_items()), now=now, first_seen=now)
    assert a.cancel.closes_at == utc(2025, 7, 15, 3, 3)
    assert a.cancel.closes_at.tzinfo is UTC


@pytest.mark.parametrize("field", ["now", "first_seen", "manual_deadline"])
def test_naive_datetimes_are_refused(field: str) -> None:
    kw: dict[str, Any] = {"now": NOON_JST, field: datetime(2025, 7, 15, 12)}
    with pytest.raises(ValueError, match=field):
        check(order(), **kw)


def test_unknown_time_zone_is_refused() -> None:
    with pytest.raises(ValueError, match="Mars/Olympus"):
        assess(
            order(), marketplace=JP, timezone="Mars/Olympus", now=NOON_JST, rules=default_rules()
        )


@pytest.mark.parametrize(
    ("o", "state", "reason_has"),
    [
        (order(placed_on=date(9999, 12, 31), items=seller_items()), WindowState.OPEN, None),
        (digital("Kindle版 本", placed_on=date(9999, 12, 31)), WindowState.OPEN, "no order date"),
        (
            order(preorder=PreOrder(date(9999, 12, 31), cancel_deadline=date(1, 1, 1))),
            WindowState.OPEN,
            "no release date",
        ),
        (
            order(status=OrderStatus.DELIVERED, cancellable=Cancellability.NO,
                  return_until=date(9999, 12, 31)),
            WindowState.CLOSED,
            "delivered",
        ),
    ],
    ids=["seller-order-day", "kindle-order-day", "preorder-dates", "return-until"],
)  # fmt: skip
def test_a_date_no_amazon_page_can_mean_is_unknown_not_a_crash(
    o: Order, state: WindowState, reason_has: str | None
) -> None:
    a = check(o, now=NOON_JST)
    assert (a.cancel.state, a.cancel.closes_at, a.ret) == (state, None, None)
    assert reason_has is None or reason_has in a.cancel.reason


# -- precedence: manual deadline beats page beats rule --------------------------------------

MANUAL = utc(2025, 7, 20, 0)
OFFSETS = dataclasses.replace(default_rules(), preorder_offsets={"lamp": timedelta(days=90)})


@pytest.mark.parametrize(
    ("preorder", "kw", "closes_at", "known"),
    [
        (
            PreOrder(date(2025, 12, 1), date(2025, 8, 1)),
            {"manual_deadline": MANUAL},
            MANUAL,
            Known.USER,
        ),
        (PreOrder(date(2025, 12, 1), date(2025, 8, 1)), {}, utc(2025, 8, 1, 15), Known.PAGE),
        (PreOrder(date(2025, 12, 1)), {}, utc(2025, 9, 1, 15), Known.RULE),
        (
            PreOrder(date(2025, 12, 1)),
            {"rules": default_rules()},
            utc(2025, 11, 28, 15),
            Known.RULE,
        ),
    ],
    ids=["manual-beats-page", "page-beats-offset-rule", "offset-rule-beats-lead", "lead-rule"],
)
def test_manual_deadline_beats_page_beats_rule(
    preorder: PreOrder, kw: dict[str, Any], closes_at: datetime, known: Known
) -> None:
    kw = {"rules": OFFSETS, **kw}
    a = check(order(preorder=preorder), now=NOON_JST, **kw)
    assert (a.cancel.state, a.cancel.closes_at, a.cancel.known) == (
        WindowState.OPEN,
        closes_at,
        known,
    )


def test_manual_deadline_beats_a_seller_rule_and_kindle_rule() -> None:
    seller = check(
        order(items=seller_items()), now=NOON_JST, first_seen=NOON_JST, manual_deadline=MANUAL
    )
    kindle = check(digital("Kindle版 本"), now=NOON_JST, manual_deadline=MANUAL)
    assert (seller.cancel.known, seller.cancel.closes_at) == (Known.USER, MANUAL)
    assert (kindle.cancel.known, kindle.cancel.closes_at) == (Known.USER, MANUAL)


@pytest.mark.parametrize(
    "o",
    [
        order(cancellable=Cancellability.NO, status=OrderStatus.SHIPPED),
        order(cancellable=Cancellability.REQUEST, items=seller_items()),
        order(status=OrderStatus.CANCELLED, cancellable=Cancellability.NO),
        digital("Appstore: Puzzle Game"),
    ],
    ids=["closed", "request-only", "cancelled", "app"],
)
def test_manual_deadline_never_opens_what_the_page_closed(o: Order) -> None:
    without = check(o, now=NOON_JST)
    assert check(o, now=NOON_JST, manual_deadline=utc(2030, 1, 1)).cancel == without.cancel


def test_page_open_wins_over_a_passed_user_deadline() -> None:
    a = check(order(), now=NOON_JST, manual_deadline=utc(2025, 7, 1))
    assert (a.cancel.state, a.cancel.known, a.cancel.closes_at) == (
        WindowState.OPEN, Known.USER, utc(2025, 7, 1)
    )  # fmt: skip


def test_several_matching_offsets_take_the_earliest_close() -> None:
    offsets = {"B000LAMP01": timedelta(days=30), "lamp": timedelta(days=90)}
    rules = dataclasses.replace(default_rules(), preorder_offsets=offsets)
    a = check(order(preorder=PreOrder(date(2025, 12, 1))), now=NOON_JST, rules=rules)
    assert a.cancel.closes_at == utc(2025, 9, 1, 15)  # release − 90 days, 00:00 JST
    assert '"lamp"' in a.cancel.reason


# -- hints never change a verdict ---------------------------------------------------------


def test_prime_30_minute_hint_leaves_an_hours_old_order_open() -> None:
    a = check(order(), now=utc(2025, 7, 15, 10))
    assert (a.cancel.state, a.cancel.closes_at) == (WindowState.OPEN, None)
    assert any("30 minutes" in h for h in a.advice.hints)


def test_3_month_hint_leaves_the_preorder_rule_alone() -> None:
    a = check(order(preorder=PreOrder(date(2025, 9, 1))), now=NOON_JST)  # 48 days before
    assert (a.cancel.state, a.cancel.closes_at) == (WindowState.OPEN, utc(2025, 8, 29, 15))
    assert any("3 months" in h for h in a.advice.hints)


def test_video_hint_does_not_open_the_window() -> None:
    a = check(digital("Prime Video: Some Film"), now=NOON_JST)
    assert a.cancel.state is WindowState.CLOSED
    assert not a.open
    assert any("video purchases can be cancelled" in h for h in a.advice.hints)


@pytest.mark.parametrize(
    "title", ["Desk lamp", "【タイムセール】Desk lamp", "Prime Day deal: Desk lamp"]
)
def test_a_sale_in_the_title_changes_neither_the_window_nor_the_advice(title: str) -> None:
    """The article's "sale items cannot be cancelled" is never said: cancelwatch cannot tell
    an order bought in a sale, and Amazon's help does not support the claim."""
    a = check(order(items=(Item(title=title, url=None),)), now=NOON_JST)
    plain = check(order(), now=NOON_JST)
    assert (a.cancel, a.advice) == (plain.cancel, plain.advice)
    assert not any("sale" in line for line in (*a.advice.steps, *a.advice.hints))


@pytest.mark.parametrize("lang", ["en", "ja"])
@pytest.mark.parametrize(("o", "kw", "expected"), RULE_TABLE)
def test_every_hint_is_labelled_as_the_articles_claim(
    o: Order, kw: dict[str, Any], expected: Expected, lang: Lang
) -> None:
    a = check(o, lang=lang, **{"now": NOON_JST, **kw})
    for hint in a.advice.hints:
        assert hint.startswith(ARTICLE_LABELS[lang])
        assert AMAZONS_WORD[lang] in hint


# -- the advice playbook ------------------------------------------------------------------


def shipped(**changes: Any) -> Order:
    return order(
        status=OrderStatus.SHIPPED, cancellable=Cancellability.NO, cancel_url=None, **changes
    )


def test_shipped_advice_names_tracking_id_carrier_and_url() -> None:
    track = Tracking(carrier="Yamato", tracking_id=YAMATO_ID, status=OrderStatus.IN_TRANSIT)
    a = check(shipped(), now=NOON_JST, tracking=[track], lang="ja")
    carrier_step = next(s for s in a.advice.steps if YAMATO_ID in s)
    assert "ヤマト運輸" in carrier_step
    assert f"https://toi.kuronekoyamato.co.jp/cgi-bin/tneko?number01={YAMATO_ID}" in carrier_step
    assert "受け取り拒否" in a.advice.steps[-1]


def test_shipped_advice_prefers_the_printed_carrier_and_the_pages_url() -> None:
    track = Tracking(
        carrier="UPS",
        tracking_id=UPS_ID,
        status=OrderStatus.SHIPPED,
        carrier_printed="Shipped with UPS",
        tracking_url=f"https://www.ups.com/track?tracknum={UPS_ID}",
    )
    a = check(shipped(), now=NOON_JST, market=US, tracking=[track])
    carrier_step = next(s for s in a.advice.steps if UPS_ID in s)
    assert carrier_step.startswith("Call UPS's local delivery office")
    assert f"https://www.ups.com/track?tracknum={UPS_ID}" in carrier_step


def test_shipped_playbook_order_customer_service_carrier_refuse() -> None:
    track = Tracking(carrier="Yamato", tracking_id=YAMATO_ID, status=OrderStatus.SHIPPED)
    steps = check(shipped(), now=NOON_JST, tracking=[track]).advice.steps
    assert [s.split()[0] for s in steps] == ["Contact", "Call", "Refuse"]
    assert "customer service" in steps[0]


def test_shipped_seller_order_contacts_the_seller_first() -> None:
    track = Tracking(carrier="Sagawa", tracking_id=YAMATO_ID, status=OrderStatus.SHIPPED)
    steps = check(
        shipped(items=seller_items("Tanaka Shoten")), now=NOON_JST, tracking=[track]
    ).advice.steps
    assert "Tanaka Shoten" in steps[0]
    assert "customer service" in steps[1]
    assert "okurijoNo=" + YAMATO_ID in steps[2]


def test_shipped_without_tracking_id_says_where_to_find_it() -> None:
    steps = check(shipped(), now=NOON_JST, lang="ja").advice.steps
    assert any("配送状況を確認" in s for s in steps)


def test_amazon_logistics_us_offers_cancel_this_delivery_first() -> None:
    track = Tracking(carrier="Amazon Logistics", tracking_id=AMZL_ID, status=OrderStatus.IN_TRANSIT)
    steps = check(shipped(), now=NOON_JST, market=US, tracking=[track]).advice.steps
    assert '"Cancel this delivery"' in steps[0]
    assert any(f"https://track.amazon.com/tracking/{AMZL_ID}" in s for s in steps)


def test_amazon_delivery_in_japan_has_no_cancel_this_delivery() -> None:
    track = Tracking(carrier="Amazon", tracking_id="DA1234567890", status=OrderStatus.IN_TRANSIT)
    steps = check(shipped(), now=NOON_JST, tracking=[track]).advice.steps
    assert not any("Cancel this delivery" in s for s in steps)


def test_tracking_status_shipped_moves_an_unknown_order_to_the_shipped_playbook() -> None:
    o = order(status=OrderStatus.UNKNOWN, cancellable=Cancellability.NO)
    track = Tracking(carrier="Yamato", tracking_id=YAMATO_ID, status=OrderStatus.IN_TRANSIT)
    a = check(o, now=NOON_JST, tracking=[track])
    assert a.cancel.reason == "It has shipped: it can no longer be cancelled on Amazon."
    assert any("customer service" in h for h in a.advice.hints)


@pytest.mark.parametrize(
    ("o", "tracking"),
    [
        (shipped(left_at_door=True), [Tracking("Yamato", YAMATO_ID, OrderStatus.SHIPPED)]),
        (shipped(), [Tracking("Yamato", YAMATO_ID, OrderStatus.SHIPPED, left_at_door=True)]),
    ],
    ids=["order-card-says-left-at-door", "tracking-page-says-left-at-door"],
)
def test_left_at_door_steps_customer_service_then_stop_delivery_then_cancel(
    o: Order, tracking: list[Tracking]
) -> None:
    steps = check(o, now=NOON_JST, tracking=tracking, lang="ja").advice.steps
    assert len(steps) == 3
    assert "置き配" in steps[0] and "カスタマーサービス" in steps[0]
    assert "配達ストップ" in steps[1] and YAMATO_ID in steps[1]
    assert "キャンセル" in steps[2]
    assert not any(s.startswith("受け取り拒否") for s in steps)


def test_open_order_advice_is_to_cancel_now_with_amazons_label() -> None:
    ja = check(order(preorder=PreOrder(date(2025, 9, 1))), now=NOON_JST, lang="ja")
    en = check(order(preorder=PreOrder(date(2025, 9, 1))), now=NOON_JST)
    assert "「商品をキャンセル」" in ja.advice.steps[0]
    assert "2025年8月30日 00:00 JST" in ja.advice.steps[0]
    assert '"Cancel items" before August 30, 2025 00:00 JST' in en.advice.steps[0]


def test_preparing_order_asks_customer_service_then_refuse() -> None:
    a = check(order(status=OrderStatus.PREPARING, cancellable=Cancellability.NO), now=NOON_JST)
    assert "customer service" in a.advice.steps[0]
    assert "refuse the delivery" in a.advice.steps[1]


def test_kindle_refund_advice_and_app_advice() -> None:
    kindle = check(digital("Kindle版 本"), now=NOON_JST)
    app = check(digital("Appstore: Puzzle Game"), now=NOON_JST)
    assert "Return for Refund" in kindle.advice.steps[0]
    assert "at Amazon's discretion" in kindle.cancel.reason
    page, claim = app.cancel.reason.split(". ", 1)
    assert page == "Appstore app: the page offers no cancel control"
    assert claim.startswith(ARTICLE_LABELS["en"]) and AMAZONS_WORD["en"] in claim


# -- the return window --------------------------------------------------------------------


def delivered(until: date | None) -> Order:
    return order(status=OrderStatus.DELIVERED, cancellable=Cancellability.NO, return_until=until)


RETURN_END = utc(2025, 7, 31, 15)  # end of 2025-07-31 in Tokyo


@pytest.mark.parametrize(
    ("now", "state", "watching"),
    [
        (RETURN_END - timedelta(microseconds=1), WindowState.OPEN, True),
        (RETURN_END, WindowState.CLOSED, False),
    ],
    ids=["last-instant-of-the-day-open", "local-midnight-closed"],
)
def test_return_window_at_the_boundary(now: datetime, state: WindowState, watching: bool) -> None:
    a = check(delivered(date(2025, 7, 31)), now=now)
    assert a.ret is not None
    assert (a.ret.kind, a.ret.state, a.ret.closes_at, a.ret.known) == (
        "return",
        state,
        RETURN_END,
        Known.PAGE,
    )
    assert a.open is watching
    if watching:
        assert a.advice.steps == ('Return it by July 31, 2025 ("Return or replace items").',)
    else:
        assert "no open return window" in a.advice.steps[0]


def test_return_window_ja_uses_amazons_label() -> None:
    a = check(delivered(date(2025, 7, 31)), now=NOON_JST, lang="ja")
    assert a.advice.steps == ("2025年7月31日までに「商品の返品」から返品する。",)


def test_no_return_until_means_no_return_window() -> None:
    assert check(delivered(None), now=NOON_JST).ret is None


def test_return_window_is_next_once_shipped_order_cannot_be_cancelled() -> None:
    track = Tracking(carrier="Yamato", tracking_id=YAMATO_ID, status=OrderStatus.SHIPPED)
    a = check(shipped(return_until=date(2025, 8, 14)), now=NOON_JST, tracking=[track])
    assert a.cancel.state is WindowState.CLOSED
    assert a.open
    assert "Return it by August 14, 2025" in a.advice.steps[-1]


def test_digital_and_cancelled_orders_have_no_return_window() -> None:
    cancelled = order(
        status=OrderStatus.CANCELLED, cancellable=Cancellability.NO, return_until=date(2025, 8, 1)
    )
    assert check(cancelled, now=NOON_JST).ret is None
    assert check(digital("Kindle版 本", return_until=date(2025, 8, 1)), now=NOON_JST).ret is None


# -- account risk -------------------------------------------------------------------------


def test_account_risk_note_is_labelled_as_cancelwatchs_own() -> None:
    rules = default_rules()
    now = utc(2025, 7, 31)
    recent = [now - timedelta(days=d) for d in (1, 10, 29)]
    note = account_risk_note(recent, now, rules, "en")
    assert note is not None
    assert note.startswith("3 cancellations in the last 30 days.")
    assert "cancelwatch's own threshold" in note
    assert "Amazon publishes none" in note
    ja = account_risk_note(recent, now, rules, "ja")
    assert ja is not None and "cancelwatch独自の基準" in ja and "公表していません" in ja


def test_account_risk_note_counts_only_the_last_30_days() -> None:
    now = utc(2025, 7, 31)
    old_and_new = [now - timedelta(days=d) for d in (1, 10, 30)]
    assert account_risk_note(old_and_new, now, default_rules(), "en") is None


def test_account_risk_threshold_is_configurable() -> None:
    rules = dataclasses.replace(default_rules(), account_risk_threshold=1, account_risk_days=7)
    note = account_risk_note([utc(2025, 7, 30)], utc(2025, 7, 31), rules, "en")
    assert note is not None and "(1 in 7 days)" in note


# -- rules and texts ----------------------------------------------------------------------


def test_default_rules_are_domain_numbers() -> None:
    rules = default_rules()
    assert rules.seller_window == {
        JP: timedelta(minutes=5),
        US: timedelta(minutes=30),
        "amazon.co.uk": timedelta(minutes=30),
        "amazon.ca": timedelta(minutes=30),
    }
    assert (rules.kindle_refund_days, rules.preorder_lead) == (7, timedelta(days=2))


@pytest.mark.parametrize(
    "changes",
    [
        {"kindle_refund_days": 0},
        {"account_risk_threshold": 0},
        {"preorder_lead": timedelta(days=-1)},
    ],
)
def test_nonsense_rules_are_refused(changes: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        dataclasses.replace(default_rules(), **changes)


def test_configured_seller_window_and_kindle_days_are_used() -> None:
    rules = Rules(seller_window={JP: timedelta(hours=1)}, kindle_refund_days=3)
    seller = check(order(items=seller_items()), now=NOON_JST, first_seen=NOON_JST, rules=rules)
    kindle = check(digital("Kindle版 本"), now=NOON_JST, rules=rules)
    assert seller.cancel.closes_at == NOON_JST + timedelta(hours=1)
    assert kindle.cancel.closes_at == utc(2025, 7, 17, 15)


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_english_and_japanese_texts_have_the_same_keys_and_fields() -> None:
    en, ja = TEXTS["en"], TEXTS["ja"]
    assert set(en) == set(ja)
    for key in en:
        assert _fields(en[key]) == _fields(ja[key]), key


def test_japanese_texts_use_amazons_own_strings() -> None:
    ja = " ".join(TEXTS["ja"].values())
    for label in (
        "商品をキャンセル",
        "キャンセルリクエスト",
        "受け取り拒否",
        "置き配",
        "配送状況を確認",
        "商品の返品",
    ):
        assert label in ja
    assert "「商品のキャンセル」" not in ja  # docs/rules.md: the button is 「商品をキャンセル」
