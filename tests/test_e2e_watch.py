"""The watcher end to end: real Chromium, the demo store, a real D-Bus session bus with a
mocked notification service, SQLite on disk, and `cancelwatch watch` killed with SIGKILL
in the middle of a check."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from scheduler.check import Target, read_orders
from scheduler.config import Config
from scheduler.monitor import WatchedCheck
from scheduler.notify import Notifier
from scheduler.state import State
from scraper import credentials as cr
from scraper.crawl import CrawlOptions
from scraper.demo import DEMO_EMAIL, DEMO_PASSWORD, DEMO_TOTP_SECRET, DemoStore

pytest_plugins = ("dbusmock.pytest_fixtures", "tests.notify_helpers")

ROOT = Path(__file__).resolve().parent.parent
DEMO = cr.Credentials(DEMO_EMAIL, DEMO_PASSWORD, DEMO_TOTP_SECRET)


@pytest.fixture
def store():
    with DemoStore("amazon.co.jp") as running:
        yield running
        assert [r for r in running.requests if r.mutating] == []


def _wait_for(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def test_a_check_sends_the_expected_notifications_once(
    notification_daemon, store, browser, tmp_path
):
    target = Target("demo", "amazon.co.jp", store.base_url, lambda: DEMO, None)
    with State.open(tmp_path / "state.db") as state, Notifier(lang="en") as notifier:
        check = WatchedCheck(
            "demo", "amazon.co.jp", store.base_url, Config(), state, notifier, "en"
        )
        first = check.run(
            lambda: read_orders(target, browser, options=CrawlOptions(delay_seconds=0))
        )
        calls = notification_daemon.calls()
        seller = store.scenario.by_case("seller_window")
        pending = store.scenario.by_case("cancellable_soon")
        assert sorted(c.summary for c in calls) == sorted(
            [
                f"Cancel {seller.id} within 30 min",
                f"{pending.id} can still be cancelled",
            ]
        )
        assert all(c.app_name == "cancelwatch" for c in calls)
        assert all(list(c.buttons.values()) == ["Open order"] for c in calls)
        assert {c.summary: c.urgency for c in calls}[f"Cancel {seller.id} within 30 min"] == 2
        assert len(first.dispatched.sent) == 2
        second = check.run(
            lambda: read_orders(target, browser, options=CrawlOptions(delay_seconds=0))
        )
        assert second.dispatched.sent == []
        assert len(notification_daemon.calls()) == 2


def test_watch_killed_mid_check_sends_each_alert_exactly_once(
    notification_daemon, store, tmp_path, monkeypatch
):
    home = tmp_path / "home"
    home.mkdir()
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "PYTHONPATH": str(ROOT),
        "CANCELWATCH_HOME": str(home),
        "CANCELWATCH_SECRETS": "file",  # a headless box: the documented opt-in
        "CANCELWATCH_PASSPHRASE": "a test passphrase",
        "DBUS_SESSION_BUS_ADDRESS": os.environ["DBUS_SESSION_BUS_ADDRESS"],
        "LANG": "C.UTF-8",
    }
    for key in ("CANCELWATCH_HOME", "CANCELWATCH_SECRETS", "CANCELWATCH_PASSPHRASE"):
        monkeypatch.setenv(key, env[key])
    cr.save_credentials("demo", DEMO)
    (home / "config.toml").write_text(
        f'[accounts.demo]\nmarketplace = "amazon.co.jp"\nbase_url = "{store.base_url}"\n'
        "[crawl]\ndelay_seconds = 1.0\n"
        "[watch]\ninterval_minutes = 60\njitter_seconds = 0\ndispatch_seconds = 1\n",
        encoding="utf-8",
    )
    command = [sys.executable, "-m", "scheduler.cli", "-v", "watch"]

    def list_pages() -> int:
        return sum(1 for r in store.requests if r.path == "/your-orders/orders")

    # First run: killed right after it read its first list page, before it wrote anything.
    with (tmp_path / "first.log").open("w") as log:
        first = subprocess.Popen(command, env=env, cwd=tmp_path, stderr=log)
        try:
            _wait_for(lambda: list_pages() >= 1, 90, "the first order-list page")
        finally:
            first.send_signal(signal.SIGKILL)
            first.wait(10)
    db = home / "state.db"

    # Second run: finishes the check, sends the alerts, and stops cleanly on SIGTERM.
    with (tmp_path / "second.log").open("w") as log:
        second = subprocess.Popen(command, env=env, cwd=tmp_path, stderr=log)
        try:
            _wait_for(lambda: _sent(db) >= 2, 120, "the alerts to be sent")
            # One more dispatcher tick (each second): it must not send anything again.
            ticks = _dispatch_ticks(tmp_path / "second.log")
            _wait_for(lambda: _dispatch_ticks(tmp_path / "second.log") > ticks, 10, "a tick")
        finally:
            second.send_signal(signal.SIGTERM)
            second.wait(30)
    err = (tmp_path / "second.log").read_text()
    assert second.returncode == 0, err[-2000:]
    assert "stopped" in err
    summaries = Counter(c.summary for c in notification_daemon.calls())
    assert summaries and set(summaries.values()) == {1}, summaries
    assert sum(summaries.values()) == _sent(db)
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        results = [r for (r,) in conn.execute("SELECT result FROM checks")]
    assert results == ["ok"]  # the killed check left nothing half-written


def _dispatch_ticks(log: Path) -> int:
    return log.read_text().count("send due alerts")


def _sent(db: Path) -> int:
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(db, timeout=5) as conn:
            return int(
                conn.execute("SELECT count(*) FROM alerts WHERE sent_at IS NOT NULL").fetchone()[0]
            )
    except sqlite3.OperationalError:
        return 0


def test_sigterm_stops_an_idle_watcher_cleanly(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    (home / "config.toml").write_text(
        '[accounts.idle]\nmarketplace = "amazon.co.jp"\nbase_url = "http://127.0.0.1:9"\n'
        "[watch]\ninterval_minutes = 60\njitter_seconds = 0\ndispatch_seconds = 1\n",
        encoding="utf-8",
    )
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "PYTHONPATH": str(ROOT),
           "CANCELWATCH_HOME": str(home), "CANCELWATCH_SECRETS": "file",
           "CANCELWATCH_PASSPHRASE": "x"}  # fmt: skip
    with (tmp_path / "watch.log").open("w") as log:
        watcher = subprocess.Popen(
            [sys.executable, "-m", "scheduler.cli", "watch"], env=env, stderr=log
        )
        _wait_for(lambda: "watching 1 account(s)" in (tmp_path / "watch.log").read_text(), 30,
                  "the watcher to start")  # fmt: skip
        watcher.send_signal(signal.SIGTERM)
        watcher.wait(30)
    err = (tmp_path / "watch.log").read_text()
    assert watcher.returncode == 0, err[-2000:]
    assert "stopped" in err
    assert "Traceback" not in err
