"""The calendar feed (issue 11): one event per window with a known or estimated close, at
times worked out by hand from the orders below, parsed strictly (icalendar plus our own
checks of CRLF line ends and 75-octet folding); a re-export keeps UIDs, moves one event
with a higher SEQUENCE and cancels one that went away; `cancelwatch calendar` writes the
file whole and says in one line what it cannot do."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from icalendar import Calendar, Event

from cancelwatch.scheduler.cli.context import App
from cancelwatch.scheduler.cli.main import cli, run
from cancelwatch.scheduler.config.settings import AlertSettings, Config
from cancelwatch.scheduler.feed.calendar import calendar_ics
from cancelwatch.scheduler.policy.context import Rules, default_rules
from cancelwatch.scheduler.policy.words import Lang
from cancelwatch.scheduler.state import store as state_module
from cancelwatch.scheduler.state.store import State, StateError, schema_version
from cancelwatch.scraper.read.model import (
    Approval,
    Cancellability,
    Item,
    Order,
    OrderStatus,
    PreOrder,
)
from tests.state_helpers import later_order_columns

NOW = datetime(2026, 10, 30, 3, 0, tzinfo=UTC)  # 12:00 in Tokyo, 20:00 PDT the day before
JP, US = "amazon.co.jp", "amazon.com"

SELLER = "503-0000001-0000001"  # a seller's order: direct cancel for 2 days (config below)
PRE_PAGE = "503-0000002-0000002"  # a pre-order whose page states its cancel deadline
PRE_RULE = "503-0000003-0000003"  # a pre-order with only a release date
KINDLE = "D01-0000004-0000004"  # a Kindle book ordered 2026-10-28
DELIVERED = "503-0000005-0000005"  # delivered, returnable until 2026-11-29
PENDING = "503-0000006-0000006"  # Amazon Business, awaiting approval, placed 2026-10-29
MANUAL = "503-0000007-0000007"  # Amazon's own, the user set its deadline
CANCELLED = "503-0000008-0000008"  # cancelled: no window at all
US_OCT31 = "113-0000001-0000001"  # returnable until 2026-10-31 (PDT)
US_NOV01 = "113-0000002-0000002"  # returnable until 2026-11-01, the day DST ends

MANUAL_DEADLINE = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def order(
    order_id: str,
    *,
    title: str | None = "見本ランプ",
    seller: str | None = None,
    status: OrderStatus = OrderStatus.PENDING,
    cancellable: Cancellability = Cancellability.YES,
    placed_on: date | None = date(2026, 10, 30),
    preorder: PreOrder | None = None,
    return_until: date | None = None,
    digital: bool = False,
    approval: Approval | None = None,
    details_url: str | None = None,
) -> Order:
    return Order(
        id=order_id,
        placed_on=placed_on,
        total=Decimal("1980"),
        currency="JPY",
        status=status,
        cancellable=cancellable,
        cancel_url=None,
        digital=digital,
        preorder=preorder,
        left_at_door=None,
        return_until=return_until,
        items=(Item(title=title, url="/dp/B000000001", seller=seller, asin="B000000001"),),
        details_url=details_url,
        approval=approval,
    )


def jp_orders() -> list[Order]:
    return [
        order(SELLER, title="見本マグカップ", seller="見本ショップ"),
        order(
            PRE_PAGE, title="見本ゲーム", preorder=PreOrder(date(2026, 12, 10), date(2026, 12, 1))
        ),
        order(PRE_RULE, title="見本画集", preorder=PreOrder(date(2026, 11, 20))),
        order(
            KINDLE,
            title="見本小説 Kindle版",
            digital=True,
            cancellable=Cancellability.NO,
            placed_on=date(2026, 10, 28),
        ),
        order(
            DELIVERED,
            status=OrderStatus.DELIVERED,
            cancellable=Cancellability.NO,
            placed_on=date(2026, 10, 20),
            return_until=date(2026, 11, 29),
        ),
        order(
            PENDING,
            cancellable=Cancellability.NO,
            approval=Approval.PENDING,
            placed_on=date(2026, 10, 29),
        ),
        order(MANUAL, title="見本ノート"),
        order(
            CANCELLED,
            status=OrderStatus.CANCELLED,
            cancellable=Cancellability.NO,
            return_until=date(2026, 11, 29),
        ),
    ]


def us_orders() -> list[Order]:
    return [
        order(
            US_OCT31,
            title="Desk lamp",
            status=OrderStatus.DELIVERED,
            cancellable=Cancellability.NO,
            return_until=date(2026, 10, 31),
        ),
        order(
            US_NOV01,
            title="Tea kettle",
            status=OrderStatus.DELIVERED,
            cancellable=Cancellability.NO,
            return_until=date(2026, 11, 1),
        ),
    ]


def config(alerts: AlertSettings | None = None) -> Config:
    seller_window = {**default_rules().seller_window, JP: timedelta(days=2)}
    return Config(rules=Rules(seller_window=seller_window), alerts=alerts or AlertSettings())


@pytest.fixture
def state(tmp_path: Path) -> State:
    opened = State.open(tmp_path / "state.db")
    opened.record_check("main", JP, jp_orders(), {}, now=NOW, alerts=[])
    opened.record_check("us", US, us_orders(), {}, now=NOW, alerts=[])
    opened.set_manual_deadline("main", MANUAL, MANUAL_DEADLINE, at=NOW)
    return opened


# ---- a strict reading of the feed ------------------------------------------------------

_CONTENT_LINE = re.compile(
    r"^[A-Za-z0-9-]+(?:;[A-Za-z0-9-]+=(?:\"[^\"\x00-\x08\x0a-\x1f\x7f]*\"|[^\";:,\x00-\x08\x0a-\x1f\x7f]*)"
    r"(?:,(?:\"[^\"]*\"|[^\";:,]*))*)*:[^\x00-\x08\x0a-\x1f\x7f]*$"
)


def strict(feed: bytes) -> Calendar:
    """`feed` checked line by line as RFC 5545 wants it, then parsed by icalendar."""
    assert feed.endswith(b"\r\n")
    physical = feed[:-2].split(b"\r\n")
    assert all(b"\n" not in o and b"\r" not in o for o in physical), "bare CR or LF"
    for octets in physical:
        assert len(octets) <= 75, f"a line of {len(octets)} octets: {octets!r}"
        octets.decode("utf-8")  # folding never splits a character
    logical: list[str] = []
    for octets in physical:
        text = octets.decode("utf-8")
        if text.startswith((" ", "\t")):
            logical[-1] += text[1:]
        else:
            logical.append(text)
    for line in logical:
        assert _CONTENT_LINE.match(line), f"not a content line: {line!r}"
    depth: list[str] = []
    names: list[str] = []
    for line in logical:
        name = re.split("[;:]", line, maxsplit=1)[0].upper()
        if name == "BEGIN":
            depth.append(line[6:])
            names = [] if depth[-1] == "VEVENT" else names
        elif name == "END":
            assert depth.pop() == line[4:]
            if line == "END:VEVENT":
                for required in ("UID", "DTSTAMP", "DTSTART", "DTEND", "SEQUENCE", "SUMMARY"):
                    assert names.count(required) == 1, (required, names)
        elif depth[-1] == "VEVENT":
            names.append(name)
    assert depth == []
    parsed = Calendar.from_ical(feed)
    assert isinstance(parsed, Calendar)
    return parsed


def events(feed: bytes) -> dict[str, Event]:
    """The events by UID (each UID once)."""
    found = [e for e in strict(feed).walk("VEVENT") if isinstance(e, Event)]
    uids = [str(e["UID"]) for e in found]
    assert len(uids) == len(set(uids)), uids
    return dict(zip(uids, found, strict=True))


def by_order(feed: bytes) -> dict[tuple[str, str], Event]:
    """The events by (kind, order id), read from the UID's first two parts."""
    out = {}
    for uid, event in events(feed).items():
        kind, rest = uid.split("-", 1)
        out[(kind, rest.rsplit("-", 1)[0])] = event
    return out


def start(event: Event) -> Any:
    return event.decoded("DTSTART")


def end(event: Event) -> Any:
    return event.decoded("DTEND")


def alarm_times(event: Event) -> list[datetime]:
    """When each alarm goes off, in UTC: the start plus its (exact) trigger."""
    begin = start(event).astimezone(UTC)
    return sorted(begin + a.decoded("TRIGGER") for a in event.walk("VALARM"))


def export(state: State, at: datetime = NOW, cfg: Config | None = None, lang: Lang = "en") -> bytes:
    return calendar_ics(state, cfg or config(), at, lang)


# ---- every window kind ------------------------------------------------------------------

# Each close worked out from docs/rules.md and the orders above:
# - SELLER: first seen at NOW, direct cancel for 2 days: 2026-11-01 03:00 UTC, an estimate.
# - PRE_PAGE: cancel by the end of 2026-12-01 in Tokyo: 2026-12-01 15:00 UTC; release 12-10.
# - PRE_RULE: release 2026-11-20, preparation 2 days before: 11-18 00:00 JST = 11-17 15:00
#   UTC, an estimate; release day 11-20.
# - KINDLE: 7 days with the order day (10-28): until the end of 11-03 JST = 11-03 15:00 UTC.
# - DELIVERED: returns until the end of 11-29 JST = 11-29 15:00 UTC.
# - PENDING: lapses 7 days after 10-29, by the end of 11-05 JST = 11-05 15:00 UTC.
# - MANUAL: the deadline the user set, 2026-11-02 09:00 UTC.
JP_CLOSES = {
    ("cancel", SELLER): (utc(2026, 11, 1, 3), True),
    ("preorder", PRE_PAGE): (utc(2026, 12, 1, 15), False),
    ("preorder", PRE_RULE): (utc(2026, 11, 17, 15), True),
    ("kindle_refund", KINDLE): (utc(2026, 11, 3, 15), False),
    ("return", DELIVERED): (utc(2026, 11, 29, 15), False),
    ("approval", PENDING): (utc(2026, 11, 5, 15), False),
    ("cancel", MANUAL): (MANUAL_DEADLINE, False),
}
JP_RELEASES = {("release", PRE_PAGE): date(2026, 12, 10), ("release", PRE_RULE): date(2026, 11, 20)}


def test_every_window_kind_is_one_event_ending_at_its_close(state: State) -> None:
    found = by_order(calendar_ics(state, config(), NOW, "en", account="main"))
    assert set(found) == set(JP_CLOSES) | set(JP_RELEASES)
    for key, (closes, estimated) in JP_CLOSES.items():
        event = found[key]
        assert end(event) == closes, key
        assert end(event).tzinfo.key == "Asia/Tokyo", key  # TZID of the marketplace
        assert start(event) == closes - timedelta(minutes=30), key
        assert ("(estimated)" in str(event["SUMMARY"])) is estimated, key
        assert str(event["STATUS"]) == "CONFIRMED"
        assert event["SEQUENCE"] == 0
        assert event.decoded("DTSTAMP") == NOW
    for key, day in JP_RELEASES.items():
        assert (start(found[key]), end(found[key])) == (day, day + timedelta(days=1))
        assert found[key].walk("VALARM") == []
    assert str(found[("cancel", SELLER)]["SUMMARY"]) == (
        f"Cancel by (estimated): 見本マグカップ ({SELLER})"
    )
    assert str(found[("return", DELIVERED)]["SUMMARY"]) == f"Return by: 見本ランプ ({DELIVERED})"
    assert str(found[("kindle_refund", KINDLE)]["SUMMARY"]).startswith("Last day for a Kindle")


def test_the_local_times_are_those_of_the_marketplace(state: State) -> None:
    found = by_order(export(state))
    seller = found[("cancel", SELLER)]
    assert start(seller).replace(tzinfo=None) == datetime(2026, 11, 1, 11, 30)  # JST
    assert end(found[("return", DELIVERED)]).replace(tzinfo=None) == datetime(2026, 11, 30, 0, 0)
    feed = export(state).decode()
    assert "DTEND;TZID=Asia/Tokyo:20261130T000000" in feed
    assert "BEGIN:VTIMEZONE\r\nTZID:Asia/Tokyo" in feed


def test_titles_and_descriptions_in_japanese(state: State) -> None:
    found = by_order(export(state, lang="ja"))
    assert (
        str(found[("cancel", SELLER)]["SUMMARY"])
        == f"キャンセル期限（推定）: 見本マグカップ（{SELLER}）"
    )
    assert str(found[("release", PRE_RULE)]["SUMMARY"]) == f"発売日: 見本画集（{PRE_RULE}）"
    description = str(found[("cancel", MANUAL)]["DESCRIPTION"])
    assert "今できること:\n1. " in description
    assert MANUAL in description


def test_the_description_holds_the_advice_and_the_url_the_order_page(state: State) -> None:
    event = by_order(export(state))[("cancel", MANUAL)]
    lines = str(event["DESCRIPTION"]).split("\n")
    assert lines[0].startswith("Cancellable now; you set the deadline yourself")
    assert lines[1] == "What to do now:"
    assert lines[2].startswith("1. ") and MANUAL in lines[2]
    assert str(event["URL"]) == f"https://www.amazon.co.jp/gp/css/order-details?orderID={MANUAL}"


@pytest.mark.parametrize(
    ("details_url", "expected"),
    [
        (
            "/gp/your-account/order-details?orderID=X1",
            "https://www.amazon.co.jp/gp/your-account/order-details?orderID=X1",
        ),
        ("javascript:alert(1)", f"https://www.amazon.co.jp/gp/css/order-details?orderID={MANUAL}"),
        (
            "https://evil.example/phish",
            f"https://www.amazon.co.jp/gp/css/order-details?orderID={MANUAL}",
        ),
    ],
)
def test_a_link_from_the_page_stays_on_the_site(
    state: State, details_url: str, expected: str
) -> None:
    changed = replace(order(MANUAL, title="見本ノート"), details_url=details_url)
    state.record_check("main", JP, [changed], {}, now=NOW, alerts=[])
    assert str(by_order(export(state))[("cancel", MANUAL)]["URL"]) == expected


# ---- time zones -------------------------------------------------------------------------


def test_a_us_zone_across_the_end_of_daylight_saving_time(state: State) -> None:
    # Returns until the end of the day in Los Angeles: Oct 31 ends at Nov 1 00:00 PDT
    # (UTC-7) = 07:00 UTC; Nov 1, the day DST ends, is 25 hours long and ends at Nov 2
    # 00:00 PST (UTC-8) = 08:00 UTC.
    found = by_order(calendar_ics(state, config(), NOW, "en", account="us"))
    assert set(found) == {("return", US_OCT31), ("return", US_NOV01)}
    oct31, nov01 = found[("return", US_OCT31)], found[("return", US_NOV01)]
    assert end(oct31) == utc(2026, 11, 1, 7) and end(nov01) == utc(2026, 11, 2, 8)
    assert end(nov01).astimezone(UTC) - end(oct31).astimezone(UTC) == timedelta(hours=25)
    assert end(oct31).tzinfo.key == "America/Los_Angeles"
    assert end(oct31).replace(tzinfo=None) == end(nov01).replace(tzinfo=None) - timedelta(days=1)
    assert start(nov01).replace(tzinfo=None) == datetime(2026, 11, 1, 23, 30)
    feed = calendar_ics(state, config(), NOW, "en", account="us").decode()
    assert "DTEND;TZID=America/Los_Angeles:20261102T000000" in feed
    zone = strict(feed.encode()).walk("VTIMEZONE")
    assert [str(z["TZID"]) for z in zone] == ["America/Los_Angeles"]
    names = {str(part["TZNAME"]) for part in zone[0].walk() if "TZNAME" in part}
    assert {"PDT", "PST"} <= names
    # The alarms (3 days and 1 day before) are exact: 72 and 24 hours before 08:00 UTC.
    assert alarm_times(nov01) == [utc(2026, 10, 30, 8), utc(2026, 11, 1, 8)]


# ---- alarms -----------------------------------------------------------------------------


def test_alarms_at_the_configured_leads_still_ahead(state: State) -> None:
    leads = AlertSettings(
        cancel_leads=(timedelta(days=3), timedelta(hours=2), timedelta(minutes=10)),
        return_leads=(timedelta(days=40), timedelta(days=2)),
    )
    found = by_order(export(state, cfg=config(leads)))
    # SELLER closes 2026-11-01 03:00 UTC, 48 hours from NOW: its 3-day lead has passed.
    assert alarm_times(found[("cancel", SELLER)]) == [utc(2026, 11, 1, 1), utc(2026, 11, 1, 2, 50)]
    # DELIVERED closes 2026-11-29 15:00 UTC: 40 days before has passed, 2 days before not.
    assert alarm_times(found[("return", DELIVERED)]) == [utc(2026, 11, 27, 15)]
    assert alarm_times(found[("kindle_refund", KINDLE)]) == [
        utc(2026, 10, 31, 15),
        utc(2026, 11, 3, 13),
        utc(2026, 11, 3, 14, 50),
    ]
    assert alarm_times(found[("approval", PENDING)]) == []  # the buyer has nothing to do
    alarm = found[("cancel", SELLER)].walk("VALARM")[0]
    assert str(alarm["ACTION"]) == "DISPLAY"
    assert str(alarm["DESCRIPTION"]) == str(found[("cancel", SELLER)]["SUMMARY"])


def test_a_trigger_is_written_in_exact_hours(state: State) -> None:
    feed = export(state).decode()
    # 24 hours before a close is 23h30m before the start: never "P1D", which RFC 5545
    # counts as a calendar day (25 hours on the day DST ends).
    assert "TRIGGER:-PT23H30M0S" in feed
    assert not re.search(r"TRIGGER:-?P\d+D", feed)


# ---- re-export ----------------------------------------------------------------------------


def test_a_reexport_moves_one_event_and_cancels_one_that_went_away(state: State) -> None:
    first = events(export(state))
    later = NOW + timedelta(hours=5)
    state.set_manual_deadline("main", MANUAL, MANUAL_DEADLINE + timedelta(days=1), at=later)
    # The seller's order now offers only "Request cancellation": its direct cancel is gone.
    state.record_check(
        "main",
        JP,
        [
            order(
                SELLER,
                title="見本マグカップ",
                seller="見本ショップ",
                cancellable=Cancellability.REQUEST,
            )
        ],
        {},
        now=later,
        alerts=[],
    )
    second = events(export(state, later))
    assert set(second) == set(first)  # the same UIDs: nothing duplicated, nothing lost
    moved = next(uid for uid in first if uid.startswith(f"cancel-{MANUAL}-"))
    gone = next(uid for uid in first if uid.startswith(f"cancel-{SELLER}-"))
    assert end(second[moved]) == MANUAL_DEADLINE + timedelta(days=1)
    assert (second[moved]["SEQUENCE"], str(second[moved]["STATUS"])) == (1, "CONFIRMED")
    assert str(second[gone]["STATUS"]) == "CANCELLED"
    assert second[gone]["SEQUENCE"] == 1
    assert end(second[gone]) == utc(2026, 11, 1, 3)  # where it was
    assert str(second[gone]["SUMMARY"]).startswith("No longer applies: Cancel by (estimated)")
    assert second[gone].walk("VALARM") == []
    for uid in set(first) - {moved, gone}:
        assert second[uid]["SEQUENCE"] == 0, uid
        assert second[uid].decoded("DTSTAMP") == later
    # Exported again unchanged: the same SEQUENCE, still cancelled.
    third = events(export(state, later + timedelta(hours=1)))
    assert (third[gone]["SEQUENCE"], third[moved]["SEQUENCE"]) == (1, 1)
    assert str(third[gone]["STATUS"]) == "CANCELLED"
    # 30 days after it went away, the cancelled event leaves the feed.
    assert gone in events(export(state, later + timedelta(days=29)))
    assert gone not in events(export(state, later + timedelta(days=30)))


def test_a_window_that_comes_back_is_confirmed_again_with_a_higher_sequence(state: State) -> None:
    uid = next(u for u in events(export(state)) if u.startswith(f"cancel-{MANUAL}-"))
    state.clear_manual_deadline("main", MANUAL, at=NOW)  # no deadline: Amazon's own is unknown
    assert str(events(export(state))[uid]["STATUS"]) == "CANCELLED"
    state.set_manual_deadline("main", MANUAL, MANUAL_DEADLINE, at=NOW)
    back = events(export(state))[uid]
    assert (str(back["STATUS"]), back["SEQUENCE"]) == ("CONFIRMED", 2)


def test_a_window_whose_time_passed_stays_as_it_was_then_leaves(state: State) -> None:
    uid = next(u for u in events(export(state)) if u.startswith(f"return-{DELIVERED}-"))
    after = utc(2026, 11, 29, 15) + timedelta(minutes=1)
    kept = events(export(state, after))[uid]
    assert (str(kept["STATUS"]), kept["SEQUENCE"]) == ("CONFIRMED", 0)
    assert kept.walk("VALARM") == []  # a reminder in the past would pop up as missed
    assert uid in events(export(state, after + timedelta(days=29)))
    assert uid not in events(export(state, after + timedelta(days=30)))


def test_uids_are_stable_and_per_account(state: State, tmp_path: Path) -> None:
    first = set(events(calendar_ics(state, config(), NOW, "en", account="main")))
    later = calendar_ics(state, config(), NOW + timedelta(hours=1), "en", account="main")
    assert set(events(later)) == first
    assert all(uid.endswith("@cancelwatch") and "main" not in uid for uid in first)
    # A fresh database with the same orders, seen at another time, gives the same UIDs
    # (nothing from a counter or the clock); the same order under another account is
    # another event.
    other = State.open(tmp_path / "other.db")
    other.record_check("main", JP, jp_orders(), {}, now=NOW - timedelta(days=1), alerts=[])
    other.record_check("work", JP, jp_orders()[:1], {}, now=NOW, alerts=[])
    other.set_manual_deadline("main", MANUAL, MANUAL_DEADLINE, at=NOW)
    assert set(events(calendar_ics(other, config(), NOW, "en", account="main"))) == first
    work = set(events(calendar_ics(other, config(), NOW, "en", account="work")))
    assert len(work) == 1
    assert work.isdisjoint(first)
    assert next(iter(work)).startswith(f"cancel-{SELLER}-")


# ---- hostile text -------------------------------------------------------------------------

HOSTILE = 'Tea, "green"; 50\\50\nbox\x07 <script>alert(1)</script> 抹茶'


def test_titles_with_characters_that_need_escaping(state: State) -> None:
    state.record_check(
        "main", JP, [order(MANUAL, title=HOSTILE, seller="A;B, C\\D")], {}, now=NOW, alerts=[]
    )
    feed = export(state)
    event = by_order(feed)[("cancel", MANUAL)]
    shown = 'Tea, "green"; 50\\50 box <script>alert(1)</script> 抹茶'
    assert str(event["SUMMARY"]) == f"Cancel by: {shown} ({MANUAL})"
    text = feed.decode().replace("\r\n ", "")  # unfolded
    assert 'SUMMARY:Cancel by: Tea\\, "green"\\; 50\\\\50 box <script>' in text
    assert b"\x07" not in feed
    # The seller's name reaches the description through the advice: escaped there too.
    assert "A;B, C\\D" in str(event["DESCRIPTION"])
    assert "A\\;B\\, C\\\\D" in text


def test_a_long_japanese_title_is_folded_between_characters(state: State) -> None:
    long_title = "とても長い商品名" * 20
    state.record_check("main", JP, [order(MANUAL, title=long_title)], {}, now=NOW, alerts=[])
    event = by_order(export(state, lang="ja"))[("cancel", MANUAL)]  # strict: 75 octets
    assert str(event["SUMMARY"]) == f"キャンセル期限: {long_title[:79]}…（{MANUAL}）"


# ---- the database ------------------------------------------------------------------------


def test_a_version_4_database_gains_the_calendar_table(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "state.db"
    monkeypatch.setattr(state_module, "MIGRATIONS", state_module.MIGRATIONS[:4])
    with State.open(path) as old, later_order_columns(old._conn, 4):
        old.record_check("main", JP, jp_orders(), {}, now=NOW, alerts=[])
    monkeypatch.undo()
    with State.open(path) as opened:
        assert len(events(export(opened))) == len(JP_CLOSES) - 1 + len(JP_RELEASES)  # no MANUAL
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == schema_version() >= 5
        with pytest.raises(sqlite3.IntegrityError):  # the file refuses what we never write
            conn.execute(
                "INSERT INTO calendar_events (account, uid, kind, order_id, at, estimated, "
                "sequence) VALUES ('x', 'u', 'birthday', 'o', '2026-01-01', 0, 0)"
            )
        columns = {row[1] for row in conn.execute("PRAGMA table_info(calendar_events)")}
        assert columns == {
            "account", "uid", "kind", "order_id", "at", "estimated", "sequence", "cancelled_at"
        }  # fmt: skip
    finally:
        conn.close()


def test_the_database_keeps_no_words_of_the_feed(state: State) -> None:
    export(state, lang="ja")
    conn = sqlite3.connect(state.path)
    try:
        rows = conn.execute("SELECT * FROM calendar_events").fetchall()
    finally:
        conn.close()
    assert len(rows) == len(JP_CLOSES) + len(JP_RELEASES) + 2
    assert not any("見本" in str(value) or "期限" in str(value) for row in rows for value in row)


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("sequence", -4),
        ("kind", "birthday"),
        ("at", "0001-01-01T00:00:00.000000+00:00"),  # the feed's arithmetic would overflow
        ("at", "yesterday"),
        ("estimated", 2),
    ],
)
def test_a_damaged_row_is_one_line_naming_it(state: State, column: str, value: object) -> None:
    export(state)
    conn = sqlite3.connect(state.path)
    conn.execute("PRAGMA ignore_check_constraints = ON")
    conn.execute(f"UPDATE calendar_events SET {column} = ? WHERE order_id = ?", (value, SELLER))
    conn.commit()
    conn.close()
    pattern = (
        rf"table calendar_events, event cancel-503-0000001-0000001-\w+@cancelwatch, column {column}"
    )
    with pytest.raises(StateError, match=pattern):
        export(state)


def test_a_cancelled_time_at_the_end_of_the_calendar_does_not_overflow(state: State) -> None:
    export(state)
    conn = sqlite3.connect(state.path)
    conn.execute(
        "UPDATE calendar_events SET cancelled_at = '9999-12-31T23:59:59.999999+00:00' "
        "WHERE order_id = ?",
        (SELLER,),
    )
    conn.commit()
    conn.close()
    gone = by_order(export(state, NOW + timedelta(days=100)))[("cancel", SELLER)]
    assert str(gone["STATUS"]) == "CANCELLED"


# ---- cancelwatch calendar ------------------------------------------------------------------


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CANCELWATCH_HOME", str(tmp_path))
    with State.open(tmp_path / "state.db") as opened:
        opened.record_check("main", JP, jp_orders(), {}, now=NOW, alerts=[])
        opened.record_check("us", US, us_orders(), {}, now=NOW, alerts=[])
    (tmp_path / "config.toml").write_text(
        '[accounts.main]\nmarketplace = "amazon.co.jp"\n'
        '[accounts.us]\nmarketplace = "amazon.com"\n'
        '[rules.seller_window]\n"amazon.co.jp" = "2d"\n'
        '[notify]\nlanguage = "en"\n',
        encoding="utf-8",
    )
    return tmp_path


def cancelwatch(*args: str) -> tuple[int, bytes, str]:
    with CliRunner().isolation() as streams:
        code = run(cli, list(args), app=App(clock=lambda: NOW))
        return code, streams[0].getvalue(), streams[1].getvalue().decode()


def test_the_command_prints_the_feed_or_writes_it_whole(home: Path) -> None:
    code, out, err = cancelwatch("calendar")
    assert code == 0, err
    assert len(events(out)) == 6 + 2 + 2  # JP (MANUAL has no deadline here), releases, US
    target = home / "feed" / "cancelwatch.ics"
    target.parent.mkdir()
    code, out, err = cancelwatch("calendar", "--account", "us", "--output", str(target))
    assert code == 0, err
    assert out == b""
    assert set(by_order(target.read_bytes())) == {("return", US_OCT31), ("return", US_NOV01)}
    assert target.stat().st_mode & 0o777 == 0o600  # a new file: the owner's only
    assert [p.name for p in target.parent.iterdir()] == ["cancelwatch.ics"]  # no temp file left
    target.chmod(0o644)  # the user lets a web server read it: kept at the next export
    assert cancelwatch("calendar", "--output", str(target))[0] == 0
    assert target.stat().st_mode & 0o777 == 0o644
    assert len(events(target.read_bytes())) == 10


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--output", "{home}"), "cannot write the calendar to"),
        (("--output", "{home}/config.toml/x.ics"), "cannot write the calendar to"),
        (("--account", "nobody"), "no account 'nobody' in config.toml or the database"),
    ],
)
def test_what_the_command_cannot_do_is_one_line_and_exit_2(
    home: Path, args: Sequence[str], message: str
) -> None:
    code, out, err = cancelwatch("calendar", *(a.format(home=home) for a in args))
    assert code == 2
    assert message in err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert out == b""
