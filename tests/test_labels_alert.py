"""Issue 9, item 3's warning: a check that read the order list by its labels only still
works, and says so once a day per account ("run `cancelwatch doctor` and report it").

Parsing: a page whose classes and ids are gone is flagged, the same page intact is not.
End to end: real Chromium against the demo store with `class-drift` (the classes renamed,
the labels kept), a fixed clock and a state database on disk."""

from __future__ import annotations

import io
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from cancelwatch.scheduler.config.settings import Config
from cancelwatch.scheduler.notify.channels import Notifier
from cancelwatch.scheduler.policy.words import Lang
from cancelwatch.scheduler.state.store import State
from cancelwatch.scheduler.watch.check import Target, read_orders
from cancelwatch.scheduler.watch.labels_alert import READ_BY_LABELS, labels_alert
from cancelwatch.scheduler.watch.monitor import Outcome, WatchedCheck
from cancelwatch.scraper.browse import credentials as cr
from cancelwatch.scraper.browse.options import CrawlOptions
from cancelwatch.scraper.demo import (
    DEMO_EMAIL,
    DEMO_PASSWORD,
    DEMO_TOTP_SECRET,
    DemoStore,
    ManualClock,
)
from cancelwatch.scraper.demo.faults import drift
from cancelwatch.scraper.read.parse import parse_page
from tests.test_label_tier import LISTS, strip_classes_and_ids

START = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)  # noon in Tokyo
FAST = CrawlOptions(delay_seconds=0, retries=1, timeout_seconds=15, render_wait_seconds=8)
DEMO = cr.Credentials(DEMO_EMAIL, DEMO_PASSWORD, DEMO_TOTP_SECRET)
WITH_ORDERS = [(p, m) for p, m in LISTS if "zero-orders" not in p.name]


@pytest.fixture(autouse=True)
def _home(tmp_path, monkeypatch):
    monkeypatch.setenv("CANCELWATCH_HOME", str(tmp_path / "home"))


# ---- parsing -----------------------------------------------------------------------------


@pytest.mark.parametrize(("path", "marketplace"), WITH_ORDERS, ids=lambda v: getattr(v, "name", ""))
def test_a_page_read_by_its_labels_says_so_and_an_intact_one_does_not(path: Path, marketplace: str):
    html = path.read_text(encoding="utf-8")
    intact = parse_page(html, marketplace)
    stripped = parse_page(strip_classes_and_ids(html), marketplace)
    assert intact.orders and not intact.read_by_labels
    assert [o.id for o in stripped.orders] == [o.id for o in intact.orders]
    assert stripped.read_by_labels


# ---- the alert's words and key -----------------------------------------------------------


def test_no_alert_when_the_selectors_read_the_page():
    assert labels_alert(False, START, "en") is None


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("en", "Amazon changed its page; cancelwatch is reading it by its labels"),
        ("ja", "Amazonのページが変わり"),
    ],
)
def test_the_alert_names_doctor_in_the_users_language(lang: Lang, words: str):
    alert = labels_alert(True, START, lang)
    assert alert is not None
    assert alert.order_id is None  # the account's, not an order's
    assert alert.kind == READ_BY_LABELS
    assert words in alert.title and words in alert.body
    assert "`cancelwatch doctor`" in alert.body


def test_the_alert_is_keyed_by_the_day():
    morning = labels_alert(True, START, "en")
    evening = labels_alert(True, START + timedelta(hours=20), "en")
    next_day = labels_alert(True, START + timedelta(days=1), "en")
    assert morning and evening and next_day
    assert morning.lead == evening.lead == "2026-11-26"
    assert next_day.lead == "2026-11-27"


def test_class_drift_renames_classes_and_keeps_labels():
    html = '<div class="order-card js-order-card"><span>注文日</span><span>Total</span></div>'
    assert drift(html, words=False) == (
        '<div class="oc-x oc-js-x"><span>注文日</span><span>Total</span></div>'
    )
    assert "注文日" not in drift(html) and "Total" not in drift(html)


# ---- end to end --------------------------------------------------------------------------


@pytest.fixture
def stores() -> Iterator[list[DemoStore]]:
    started: list[DemoStore] = []
    yield started
    for store in started:
        store.stop()
        assert [r for r in store.requests if r.mutating] == [], "a mutating request got through"


def _store(stores: list[DemoStore], marketplace: str, faults: list[str]) -> DemoStore:
    store = DemoStore(marketplace, clock=ManualClock(START), faults=faults)
    store.start()
    stores.append(store)
    return store


def _check(store: DemoStore, browser, db: Path, lang: Lang, hours_later: float = 0) -> Outcome:
    market = store.marketplace
    target = Target("demo", market, store.base_url, lambda: DEMO, None)
    now = START + timedelta(hours=hours_later)
    with State.open(db) as state, Notifier(desktop=False, console=io.StringIO()) as notifier:
        check = WatchedCheck(
            "demo", market, store.base_url, Config(), state, notifier, lang, lambda: now
        )
        return check.run(lambda: read_orders(target, browser, options=FAST, today=now.date()))


def _planned(db: Path) -> list[tuple[str, str, str, str]]:
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT account, order_id, lead, body FROM alerts WHERE kind = ?", (READ_BY_LABELS,)
        ).fetchall()
    return [tuple(row) for row in rows]


def _orders(outcome: Outcome) -> list[tuple[object, ...]]:
    assert outcome.error is None and outcome.result is not None
    # Not the status: the demo prints it in a renamed class, and no label stands beside it.
    return sorted(
        (o.id, o.placed_on, o.total, o.cancellable, o.return_until) for o in outcome.result.orders
    )


def _titles(outcome: Outcome) -> list[str]:
    return sorted(a.title for a in outcome.dispatched.sent if a.kind != READ_BY_LABELS)


@pytest.mark.parametrize(
    "case",
    [("amazon.co.jp", "ja", "Amazonのページが変わり"), ("amazon.com", "en", "by its labels")],
    ids=lambda case: case[0],
)
def test_a_check_read_by_labels_warns_once_a_day(
    stores, browser, tmp_path, case: tuple[str, Lang, str]
):
    marketplace, lang, words = case
    clean = _check(_store(stores, marketplace, []), browser, tmp_path / "clean.db", lang)
    assert _orders(clean) and not clean.result.read_by_labels  # type: ignore[union-attr]
    assert _planned(tmp_path / "clean.db") == []

    drifted = _store(stores, marketplace, ["class-drift"])
    db = tmp_path / "state.db"
    first = _check(drifted, browser, db, lang)
    assert _orders(first) == _orders(clean)
    assert first.result.read_by_labels  # type: ignore[union-attr]
    [(account, order_id, lead, body)] = _planned(db)
    assert (account, order_id, lead) == ("demo", "", "2026-11-26")
    assert words in body and "`cancelwatch doctor`" in body
    assert [a.kind for a in first.dispatched.sent].count(READ_BY_LABELS) == 1
    assert _titles(first) == _titles(clean) != []  # the same orders' alerts as ever

    again = _check(drifted, browser, db, lang, hours_later=2)
    assert _orders(again) == _orders(clean)
    assert len(_planned(db)) == 1
    assert READ_BY_LABELS not in [a.kind for a in again.dispatched.sent]
