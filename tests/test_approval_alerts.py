"""Alerts for Amazon Business orders awaiting approval (issue 9, item 5; docs/rules.md).

Each test runs the watched check itself (`WatchedCheck`) on a state database on disk, with
a fixed clock and the orders handed in as a crawl's result, then reads what was sent and
what the database planned. Expected instants are worked out by hand: Asia/Tokyo is UTC+9
all year; Europe/London is GMT (UTC+0) in November.
"""

from __future__ import annotations

import dataclasses
import io
import json
import sqlite3
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from cancelwatch.scheduler.cli.context import App
from cancelwatch.scheduler.cli.main import cli
from cancelwatch.scheduler.cli.main import run as cli_run
from cancelwatch.scheduler.config.settings import Config, QuietHours
from cancelwatch.scheduler.notify.channels import Notifier
from cancelwatch.scheduler.policy.assess import Known, WindowState
from cancelwatch.scheduler.policy.words import Lang
from cancelwatch.scheduler.state.store import ChangeField, State
from cancelwatch.scheduler.watch import alerts as al
from cancelwatch.scheduler.watch.monitor import Outcome, WatchedCheck, first_seen_approved
from cancelwatch.scraper.browse.crawl import CrawlResult
from cancelwatch.scraper.read.model import Approval, Cancellability, Item, Order, OrderStatus

T0 = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)  # noon in Tokyo, on the order day
ID = "503-7654321-7654321"
CANCEL_URL = f"/progress-tracker/package/preship/cancel-items?orderID={ID}"
BASE = {"amazon.co.jp": "https://www.amazon.co.jp", "amazon.co.uk": "https://www.amazon.co.uk"}

PENDING = Order(
    id=ID,
    placed_on=date(2026, 11, 26),
    total=None,
    currency="JPY",
    status=OrderStatus.PENDING,
    cancellable=Cancellability.NO,
    cancel_url=None,
    digital=False,
    preorder=None,
    left_at_door=None,
    return_until=None,
    items=(Item(title="Printer paper, 5 reams", url=None, seller="Amazon.co.jp"),),
    approval=Approval.PENDING,
)


def order(**changes: Any) -> Order:
    return dataclasses.replace(PENDING, **changes)


def approved(**changes: Any) -> Order:
    return order(
        approval=Approval.APPROVED,
        cancellable=Cancellability.YES,
        cancel_url=CANCEL_URL,
        **changes,
    )


@pytest.fixture(autouse=True)
def _home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CANCELWATCH_HOME", str(tmp_path / "home"))


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "state.db"


def run(
    db: Path,
    o: Order,
    now: datetime,
    *,
    lang: Lang = "en",
    market: str = "amazon.co.jp",
    cfg: Config | None = None,
) -> Outcome:
    """One watched check that reads `o` at `now`, and sends what is due."""
    with (
        State.open(db) as state,
        Notifier(desktop=False, console=io.StringIO(), lang=lang) as notifier,
    ):
        check = WatchedCheck(
            "main", market, BASE[market], cfg or Config(), state, notifier, lang, lambda: now
        )
        outcome = check.run(lambda: CrawlResult(orders=[o]))
    assert outcome.error is None
    return outcome


def sent(outcome: Outcome) -> list[tuple[str, str]]:
    return [(a.kind, a.title) for a in outcome.dispatched.sent]


def planned(db: Path) -> list[tuple[str, str, str | None]]:
    """Every alert row of the order: kind, lead, why it was superseded (None: it stands)."""
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT kind, lead, superseded_reason FROM alerts WHERE order_id = ? ORDER BY id",
            (ID,),
        ).fetchall()
    return [tuple(row) for row in rows]


# -- awaiting approval: one alert, no reminders before the lapse ------------------------------

REASON = {
    "en": (
        "Awaiting approval (Amazon Business): your approver decides whether it goes ahead,"
        " not you. Unapproved, it cancels itself 7 days after it was placed"
        " (November 26, 2026): on December 3, 2026, no later than December 3, 2026 12:00 JST."
    ),
    # First seen at 12:00 JST on the order day: 7 days later at that time, 2026-12-03 12:00.
    "ja": (
        "承認待ちの注文です（Amazonビジネス）。注文を進めるかどうかは、あなたではなく承認者が"
        "決めます。承認されなければ、注文日（2026年11月26日）から7日後の2026年12月3日、"
        "遅くとも2026年12月3日 12:00 JSTまでに自動的にキャンセルされます。"
    ),
}


@pytest.mark.parametrize(
    ("lang", "title", "next_"),
    [
        ("en", f"{ID} is waiting for your approver", "What to do now:"),
        ("ja", f"{ID} は承認待ちです", "今できること:"),
    ],
)
def test_an_order_awaiting_approval_gets_one_alert_with_its_reason_and_advice(
    db: Path, lang: Lang, title: str, next_: str
) -> None:
    first = run(db, order(), T0, lang=lang)
    assert first.assessments[ID].cancel.state is WindowState.AWAITING_APPROVAL
    [alert] = first.dispatched.sent
    assert (alert.kind, alert.title) == (al.AWAITING_APPROVAL, title)
    lines = alert.body.split("\n")
    assert lines[:3] == ["Printer paper, 5 reams", REASON[lang], next_]
    steps = first.assessments[ID].advice.steps
    assert len(steps) == 3
    assert lines[3:] == [f"{n}. {step}" for n, step in enumerate(steps, start=1)]
    assert ID in lines[3] and ("approver" in lines[3] or "承認者" in lines[3])

    # Still awaiting approval a day later: nothing new.
    again = run(db, order(), T0 + timedelta(days=1), lang=lang)
    assert again.dispatched.sent == []
    assert planned(db) == [(al.AWAITING_APPROVAL, "", None)]


def test_no_reminder_is_planned_before_the_lapse_even_on_its_last_day(db: Path) -> None:
    # The lapse is known by rule (2026-12-03 12:00 JST), yet no "Cancel … within" comes:
    # at the lapse the order cancels itself; no control of the buyer's closes then.
    for hours in (0, 24 * 6, 24 * 7 - 2):
        outcome = run(db, order(), T0 + timedelta(hours=hours))
        window = outcome.assessments[ID].cancel
        assert (window.closes_at, window.known) == (
            datetime(2026, 12, 3, 3, tzinfo=UTC),
            Known.RULE,
        )
    kinds = {kind for kind, _, _ in planned(db)}
    assert kinds == {al.AWAITING_APPROVAL}


def test_an_awaiting_alert_held_by_quiet_hours_is_dropped_once_the_order_is_approved(
    db: Path,
) -> None:
    cfg = Config(quiet_hours=QuietHours(time(22, 0), time(7, 0), "Asia/Tokyo"))
    night = datetime(2026, 11, 26, 14, 0, tzinfo=UTC)  # 23:00 JST
    held = run(db, order(), night, cfg=cfg)
    assert [a.kind for a in held.dispatched.deferred] == [al.AWAITING_APPROVAL]
    # Approved at 05:00 JST, still in quiet hours; the morning's alerts say only that.
    run(db, approved(), night + timedelta(hours=6), cfg=cfg)
    morning = run(db, approved(), night + timedelta(hours=8), cfg=cfg)  # 07:00 JST
    assert sent(morning) == [(al.CANCEL_OPEN, f"{ID} can still be cancelled")]
    assert (al.AWAITING_APPROVAL, "", "no longer awaiting approval") in planned(db)


# -- the end of an order awaiting approval ------------------------------------------------------


LAPSED = {
    "en": (
        f"{ID} lapsed: it was not approved within 7 days",
        "Printer paper, 5 reams\nYour approver did not approve it within 7 days of ordering,"
        " so it cancelled itself. Nothing to do; order again if you still want it.",
    ),
    "ja": (
        f"{ID} は承認されないまま自動キャンセルされました",
        "Printer paper, 5 reams\n注文から7日以内に承認されなかったため、自動的にキャンセル"
        "されました。対応は不要です。必要なら再注文してください。",
    ),
}


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_a_pending_order_found_cancelled_after_7_days_lapsed(db: Path, lang: Lang) -> None:
    run(db, order(), T0, lang=lang)
    gone = order(status=OrderStatus.CANCELLED)
    outcome = run(db, gone, datetime(2026, 12, 4, 3, tzinfo=UTC), lang=lang)
    [alert] = outcome.dispatched.sent
    assert (alert.kind, alert.title, alert.body) == (al.AMAZON_CANCELLED, *LAPSED[lang])


@pytest.mark.parametrize(
    ("seen", "lapsed"),
    [
        # Placed 2026-11-26 (JST): the earliest it can lapse is the start of 2026-12-03 JST.
        (datetime(2026, 12, 2, 14, 59, tzinfo=UTC), False),
        (datetime(2026, 12, 2, 15, 0, tzinfo=UTC), True),
    ],
    ids=["before-day-7", "from-day-7"],
)
def test_cancelled_before_it_could_lapse_keeps_the_generic_words(
    db: Path, seen: datetime, lapsed: bool
) -> None:
    run(db, order(), T0)
    outcome = run(db, order(status=OrderStatus.CANCELLED), seen)
    want = LAPSED["en"][0] if lapsed else f"Amazon cancelled {ID}"
    assert sent(outcome) == [(al.AMAZON_CANCELLED, want)]


def test_without_an_order_date_it_lapsed_once_7_days_passed_since_first_sight(db: Path) -> None:
    run(db, order(placed_on=None), T0)
    early = run(db, order(placed_on=None, status=OrderStatus.CANCELLED), T0 + timedelta(days=6))
    assert sent(early) == [(al.AMAZON_CANCELLED, f"Amazon cancelled {ID}")]
    other = db.with_name("other.db")
    run(other, order(placed_on=None), T0)
    late = run(other, order(placed_on=None, status=OrderStatus.CANCELLED), T0 + timedelta(days=7))
    assert sent(late) == [(al.AMAZON_CANCELLED, LAPSED["en"][0])]


@pytest.mark.parametrize(
    ("lang", "title", "reason", "step"),
    [
        (
            "en",
            f"{ID} was rejected by your approver",
            "Your approver rejected this order (Amazon Business): it will not go ahead, so there"
            " is nothing to cancel.",
            "1. Nothing to do: your approver rejected it.",
        ),
        (
            "ja",
            f"{ID} は承認者に却下されました",
            "承認者がこの注文を却下しました（Amazonビジネス）。注文は進まないため、キャンセルは不要です。",
            "1. 対応は不要です。承認者が却下しました。",
        ),
    ],
)
def test_a_rejected_order_says_so_once_and_not_again_when_it_shows_cancelled(
    db: Path, lang: Lang, title: str, reason: str, step: str
) -> None:
    run(db, order(), T0, lang=lang)
    rejected = order(approval=Approval.REJECTED)
    outcome = run(db, rejected, T0 + timedelta(hours=5), lang=lang)
    [alert] = outcome.dispatched.sent
    assert (alert.kind, alert.title) == (al.APPROVAL_REJECTED, title)
    head, why, _next, first_step = alert.body.split("\n")
    assert (head, why) == ("Printer paper, 5 reams", reason)
    assert first_step.startswith(step)
    # Shown cancelled later, its approval box gone: no "Amazon cancelled" on top.
    later = run(db, order(approval=None, status=OrderStatus.CANCELLED), T0 + timedelta(days=1))
    assert later.dispatched.sent == []
    assert [kind for kind, _, _ in planned(db)].count(al.AMAZON_CANCELLED) == 0


def test_a_rejection_is_not_counted_as_the_buyers_own_cancellation(db: Path) -> None:
    # A pending order whose page offered "Cancel items", then rejected and cancelled.
    run(db, order(cancellable=Cancellability.YES, cancel_url=CANCEL_URL), T0)
    gone = order(approval=Approval.REJECTED, status=OrderStatus.CANCELLED)
    outcome = run(db, gone, T0 + timedelta(hours=5))
    assert sent(outcome) == [(al.APPROVAL_REJECTED, f"{ID} was rejected by your approver")]
    with State.open(db) as state:
        assert state.cancellations("main", T0 - timedelta(days=1)) == []


# -- the seller's window counts from the first sight as approved --------------------------------


def seller(**changes: Any) -> Order:
    return order(items=(Item(title="Toner", url=None, seller="Baker Ltd"),), **changes)


@pytest.mark.parametrize(
    ("market", "span", "lang", "title"),
    [
        ("amazon.co.jp", timedelta(minutes=5), "en", f"Cancel {ID} within 5 min"),
        ("amazon.co.jp", timedelta(minutes=5), "ja", f"{ID} のキャンセル期限まであと5分"),
        ("amazon.co.uk", timedelta(minutes=30), "en", f"Cancel {ID} within 30 min"),
    ],
)
def test_the_seller_window_counts_from_the_first_sight_as_approved(
    db: Path, market: str, span: timedelta, lang: Lang, title: str
) -> None:
    run(db, seller(), T0, market=market, lang=lang)
    approval_seen = T0 + timedelta(days=2, hours=3)
    now_approved = seller(
        approval=Approval.APPROVED, cancellable=Cancellability.YES, cancel_url=CANCEL_URL
    )
    first = run(db, now_approved, approval_seen, market=market, lang=lang)
    window = first.assessments[ID].cancel
    assert (window.state, window.closes_at, window.known) == (
        WindowState.OPEN,
        approval_seen + span,
        Known.RULE,
    )
    assert sent(first) == [(al.CANCEL_CLOSING, title)]
    said = (
        "cancelwatch first saw it approved at" if lang == "en" else "承認済みのこの注文を最初に見た"
    )
    assert said in window.reason
    # A check 2 minutes later still counts from the approval, found in the state's history.
    later = run(db, now_approved, approval_seen + timedelta(minutes=2), market=market, lang=lang)
    assert later.assessments[ID].cancel.closes_at == approval_seen + span
    assert later.dispatched.sent == []


def test_an_order_approved_at_first_sight_counts_from_that_sight(db: Path) -> None:
    outcome = run(db, approved(items=(Item("Toner", None, "Baker Ltd"),)), T0)
    assert outcome.assessments[ID].cancel.closes_at == T0 + timedelta(minutes=5)


def test_the_approval_is_dated_by_its_change_row_later_on(db: Path) -> None:
    # Awaiting approval with "Cancel items" already offered, then approved: the change
    # row written at the approving check dates it for every later check.
    offered = {"cancellable": Cancellability.YES, "cancel_url": CANCEL_URL}
    run(db, seller(**offered), T0)
    seen = T0 + timedelta(days=1)
    first = run(db, seller(approval=Approval.APPROVED, **offered), seen)
    assert first.assessments[ID].cancel.closes_at == seen + timedelta(minutes=5)
    with State.open(db) as state:
        stored = state.order(ID, "main")
        assert stored is not None
        history = state.changes(ID, "main")
    approvals = [(c.old, c.new, c.at) for c in history if c.field is ChangeField.APPROVAL]
    assert approvals == [(None, "pending", T0), ("pending", "approved", seen)]
    assert first_seen_approved(stored, history, seen + timedelta(hours=1)) == seen
    # A database from before approval rows: no row dates it, and the first sight counts
    # (the window closes sooner, never later).
    legacy = [c for c in history if c.field is not ChangeField.APPROVAL]
    assert first_seen_approved(stored, legacy, seen + timedelta(hours=1)) == T0


def test_advise_counts_the_seller_window_from_the_approval(tmp_path: Path) -> None:
    home_db = tmp_path / "home" / "state.db"
    home_db.parent.mkdir(parents=True, exist_ok=True)
    run(home_db, seller(), T0)
    seen = T0 + timedelta(days=2)
    run(
        home_db,
        seller(approval=Approval.APPROVED, cancellable=Cancellability.YES, cancel_url=CANCEL_URL),
        seen,
    )
    later = seen + timedelta(minutes=2)
    with CliRunner().isolation() as streams:
        code = cli_run(cli, ["advise", ID, "--json"], app=App(clock=lambda: later))
        out = streams[0].getvalue().decode()
    assert code == 0, out
    window = json.loads(out)["window"]
    assert (window["state"], window["closes_at"]) == (
        "open",
        (seen + timedelta(minutes=5)).isoformat(),
    )
