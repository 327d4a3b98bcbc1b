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
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from cancelwatch.scheduler.config.settings import Config
from cancelwatch.scheduler.notify.channels import Notifier
from cancelwatch.scheduler.state.store import NewAlert, State
from cancelwatch.scheduler.watch import alerts as al
from cancelwatch.scheduler.watch.check import Target, read_orders
from cancelwatch.scheduler.watch.monitor import WatchedCheck
from cancelwatch.scraper.browse import credentials as cr
from cancelwatch.scraper.browse.options import CrawlOptions
from cancelwatch.scraper.demo import (
    DEMO_EMAIL,
    DEMO_PASSWORD,
    DEMO_TOTP_SECRET,
    DemoStore,
    ManualClock,
)
from cancelwatch.scraper.demo.account import DemoAccount

pytest_plugins = ("dbusmock.pytest_fixtures", "tests.notify_helpers")

ROOT = Path(__file__).resolve().parent.parent
DEMO = cr.Credentials(DEMO_EMAIL, DEMO_PASSWORD, DEMO_TOTP_SECRET)
START = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)  # noon in Tokyo


@pytest.fixture
def store():
    """The demo store at START, a moment that stands still: the check is told the same."""
    with DemoStore("amazon.co.jp", clock=ManualClock(START)) as running:
        yield running
        assert [r for r in running.requests if r.mutating] == []


class ChildClock:
    """The clock of a child process started with a clean environment: the real one, even
    when this suite runs under libfaketime (`faketime -f '+400d' pytest`), which a watcher
    cannot (its scheduler stalls under it). The demo store shows a watcher its orders by
    the watcher's own clock."""

    def __init__(self) -> None:
        child = subprocess.run(
            [sys.executable, "-c", "import time; print(time.time())"],
            env={"PATH": os.environ["PATH"]}, capture_output=True, text=True, check=True,
        )  # fmt: skip
        self.offset = timedelta(seconds=float(child.stdout) - time.time())

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset


@pytest.fixture
def watcher_store():
    """The demo store on the clock of the watcher processes the test starts, without the
    one-time code (its check takes the process's own clock, which may be a fake one)."""
    account = DemoAccount(totp_secret=None)
    with DemoStore("amazon.co.jp", clock=ChildClock(), account=account) as running:
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
            "demo", "amazon.co.jp", store.base_url, Config(), state, notifier, "en", store.clock.now
        )
        fast = CrawlOptions(delay_seconds=0)
        first = check.run(lambda: read_orders(target, browser, options=fast, today=START.date()))
        calls = notification_daemon.calls()
        seller = store.scenario.by_case("seller_window")
        pending = store.scenario.by_case("cancellable_soon")
        # The seller's 5-minute window is first seen with minutes left: its 30-minute
        # reminder goes out at once, saying the minutes actually left.
        [reminder] = [r for r in first.dispatched.sent if r.order_id == seller.id]
        assert reminder.lead == "PT30M" and reminder.sent_at is not None
        left = reminder.due_at + timedelta(minutes=30) - reminder.sent_at
        minutes = int(left.total_seconds() // 60)
        assert 0 < minutes < 5
        said = {f"Cancel {seller.id} within {n} min" for n in (minutes, minutes + 1)}
        assert reminder.title in said  # worded a moment before it was sent
        assert sorted(c.summary for c in calls) == sorted(
            [reminder.title, f"{pending.id} can still be cancelled"]
        )
        assert all(c.app_name == "cancelwatch" for c in calls)
        assert all(list(c.buttons.values()) == ["Open order"] for c in calls)
        assert {c.summary: c.urgency for c in calls}[reminder.title] == 2
        assert len(first.dispatched.sent) == 2
        second = check.run(lambda: read_orders(target, browser, options=fast, today=START.date()))
        assert second.dispatched.sent == []
        assert len(notification_daemon.calls()) == 2


def test_watch_killed_mid_check_sends_each_alert_exactly_once(
    notification_daemon, watcher_store, tmp_path, monkeypatch
):
    store = watcher_store
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
    cr.save_credentials("demo", cr.Credentials(DEMO_EMAIL, DEMO_PASSWORD, None))
    (home / "config.toml").write_text(
        f'[accounts.demo]\nmarketplace = "amazon.co.jp"\nbase_url = "{store.base_url}"\n'
        "[crawl]\ndelay_seconds = 1.0\n"
        "[watch]\ninterval_minutes = 60\njitter_seconds = 0\ndispatch_seconds = 1\n",
        encoding="utf-8",
    )
    command = [sys.executable, "-m", "cancelwatch.scheduler.cli", "-v", "watch"]

    def list_pages() -> int:
        return sum(1 for r in store.requests if r.path == "/your-orders/orders")

    # First run: killed right after it read its first list page, before it wrote anything.
    with (tmp_path / "first.log").open("w") as log:
        first = subprocess.Popen(command, env=env, cwd=tmp_path, stderr=log)
        try:
            _wait_for(lambda: list_pages() >= 1, 90, "the first order-list page")
            [check] = _checks_of(home)  # the watcher checks in a child of its own
            seen = {name: Path(f"/proc/{check}/{name}").read_bytes() for name in _EXPOSED}
        finally:
            first.send_signal(signal.SIGKILL)
            first.wait(10)
    # The passphrase reached the child through a pipe: not its environment, not its argv.
    assert all(b"a test passphrase" not in said for said in seen.values())
    assert b"CANCELWATCH_PASSPHRASE" not in seen["environ"]
    # A watcher killed outright leaves no check behind: its child sees its stdin close.
    _wait_for(lambda: not _checks_of(home), 30, "the killed watcher's check to end")
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


_EXPOSED = ("environ", "cmdline")


def _checks_of(home: Path) -> list[int]:
    """The `watched-check` processes of the watcher with this CANCELWATCH_HOME."""
    found = []
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            argv = (proc / "cmdline").read_bytes().split(b"\0")
            environ = (proc / "environ").read_bytes().split(b"\0")
        except OSError:  # gone meanwhile, or not ours
            continue
        if b"watched-check" in argv and f"CANCELWATCH_HOME={home}".encode() in environ:
            found.append(int(proc.name))
    return found


def test_a_watched_check_run_by_hand_refuses_at_once(tmp_path):
    env = {"PATH": os.environ["PATH"], "PYTHONPATH": str(ROOT), "HOME": str(tmp_path),
           "CANCELWATCH_HOME": str(tmp_path / "home"), "LANG": "C.UTF-8"}  # fmt: skip
    done = subprocess.run(
        [sys.executable, "-m", "cancelwatch.scheduler.cli", "watched-check", "demo"],
        env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.strip() == (
        "cancelwatch: error: watched-check is run by `cancelwatch watch`, not by hand"
    )


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
            [sys.executable, "-m", "cancelwatch.scheduler.cli", "watch"], env=env, stderr=log
        )
        _wait_for(lambda: "watching 1 account(s)" in (tmp_path / "watch.log").read_text(), 30,
                  "the watcher to start")  # fmt: skip
        watcher.send_signal(signal.SIGTERM)
        watcher.wait(30)
    err = (tmp_path / "watch.log").read_text()
    assert watcher.returncode == 0, err[-2000:]
    assert "stopped" in err
    assert "Traceback" not in err, err


def test_watch_restarted_in_a_loop_does_not_check_on_each_start(tmp_path):
    """A check recorded a minute ago (by any process): each new watcher plans the next one
    for the interval after it, and checks nothing at start."""
    home = tmp_path / "home"
    home.mkdir()
    (home / "config.toml").write_text(
        '[accounts.idle]\nmarketplace = "amazon.co.jp"\nbase_url = "http://127.0.0.1:9"\n'
        "[watch]\ninterval_minutes = 60\njitter_seconds = 0\ndispatch_seconds = 1\n",
        encoding="utf-8",
    )
    started = ChildClock().now() - timedelta(minutes=1)
    db = home / "state.db"
    with State.open(db) as state:
        state.record_check(
            "idle", "amazon.co.jp", [], {}, now=started, alerts=[], started_at=started
        )
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "PYTHONPATH": str(ROOT),
           "CANCELWATCH_HOME": str(home), "CANCELWATCH_SECRETS": "file",
           "CANCELWATCH_PASSPHRASE": "x"}  # fmt: skip
    command = [sys.executable, "-m", "cancelwatch.scheduler.cli", "-v", "watch"]
    for run in range(3):
        log_path = tmp_path / f"watch{run}.log"
        with log_path.open("w") as log:
            watcher = subprocess.Popen(command, env=env, stderr=log)
            try:
                # Started, not only planned: a SIGTERM before the watcher's own handler is
                # in place ends it as the default handler does (-15), with nothing to lose.
                _wait_for(lambda p=log_path: "Scheduler started" in p.read_text(), 30,
                          "the watcher to start")  # fmt: skip
            finally:
                watcher.send_signal(signal.SIGTERM)
                watcher.wait(30)
        err = log_path.read_text()
        assert watcher.returncode == 0, err[-2000:]
        assert (
            f"next check of idle at {started + timedelta(hours=1):%H:%M:%S}: regular interval"
            in err
        )
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM checks").fetchone() == (1,)


# ---- killed in the middle of a slow delivery ------------------------------------------

SHIPPED = [
    NewAlert(f"249-000000{i}-000000{i}", al.TRACKING, f"45218763095{i}",
             datetime(2020, 1, 1, tzinfo=UTC) + timedelta(minutes=i),
             f"249-000000{i}-000000{i} shipped: Yamato 45218763095{i}", "Sample item")
    for i in (1, 2, 3)
]  # fmt: skip
"""Three alerts due long ago (whatever the clock says): sent as soon as a watcher runs."""


def test_watch_killed_during_a_slow_delivery_repeats_only_what_was_in_flight(
    notification_daemon, webhook, tmp_path
):
    home = tmp_path / "home"
    home.mkdir()
    db = home / "state.db"
    with State.open(db) as state:
        ids = state.add_alerts("idle", SHIPPED, now=datetime(2020, 1, 1, tzinfo=UTC))
    first_title, slow_title, last_title = (a.title for a in SHIPPED)
    webhook.hold(slow_title)  # the webhook service takes the 2nd alert and does not answer
    (home / "config.toml").write_text(
        '[accounts.idle]\nmarketplace = "amazon.co.jp"\nbase_url = "http://127.0.0.1:9"\n'
        f'[notify]\napprise = ["{webhook.url(read_timeout=120)}"]\n'
        "[watch]\ninterval_minutes = 60\njitter_seconds = 0\ndispatch_seconds = 1\n",
        encoding="utf-8",
    )
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "PYTHONPATH": str(ROOT),
           "CANCELWATCH_HOME": str(home), "CANCELWATCH_SECRETS": "file",
           "CANCELWATCH_PASSPHRASE": "x", "LANG": "C.UTF-8",
           "DBUS_SESSION_BUS_ADDRESS": os.environ["DBUS_SESSION_BUS_ADDRESS"]}  # fmt: skip
    command = [sys.executable, "-m", "cancelwatch.scheduler.cli", "-v", "watch"]

    with (tmp_path / "first.log").open("w") as log:
        first = subprocess.Popen(command, env=env, stderr=log)
        try:
            webhook.wait_for(lambda titles: slow_title in titles, 90)
        finally:
            first.send_signal(signal.SIGKILL)
            first.wait(10)

    # What the database says the moment the watcher died: the desktop took the slow
    # alert (recorded then and there), the webhook's attempt was in flight.
    with State.open(db) as state:
        slow = state.alert(ids[1])
        assert slow is not None and slow.sent_at is not None and slow.channel == "desktop"
        assert [(d.channel, d.outcome) for d in state.deliveries(ids[1])] == [
            ("desktop", "delivered"),
            ("apprise:json", None),
        ]

    with (tmp_path / "second.log").open("w") as log:
        second = subprocess.Popen(command, env=env, stderr=log)
        try:
            _wait_for(lambda: _finished(db) == len(ids), 90, "every delivery to finish")
        finally:
            second.send_signal(signal.SIGTERM)
            second.wait(30)
    err = (tmp_path / "second.log").read_text()
    assert second.returncode == 0, err[-2000:]

    # The webhook: each alert once, and the one in flight once more, marked as a repeat.
    assert Counter(webhook.titles()) == {
        first_title: 1, slow_title: 1, f"{slow_title} (repeat)": 1, last_title: 1,
    }  # fmt: skip
    # The desktop took each alert once, and its deliveries were recorded: never repeated.
    assert Counter(c.summary for c in notification_daemon.calls()) == {
        first_title: 1, slow_title: 1, last_title: 1,
    }  # fmt: skip
    # The database: every delivery that was made, the one cut off as such.
    with State.open(db) as state:
        records = {
            alert_id: [(d.channel, d.outcome, d.repeat) for d in state.deliveries(alert_id)]
            for alert_id in ids
        }
        rows = [state.alert(alert_id) for alert_id in ids]
    assert records[ids[1]] == [
        ("desktop", "delivered", False),
        ("apprise:json", "interrupted", False),
        ("apprise:json", "delivered", True),
    ]
    for alert_id in (ids[0], ids[2]):
        assert records[alert_id] == [
            ("desktop", "delivered", False),
            ("apprise:json", "delivered", False),
        ]
    assert all(r is not None and r.channel == "desktop,apprise:json" for r in rows)


def _finished(db: Path) -> int:
    """Alerts whose delivery is over: sent, and no longer claimed by a dispatcher."""
    try:
        with sqlite3.connect(db, timeout=5) as conn:
            return int(
                conn.execute(
                    "SELECT count(*) FROM alerts WHERE sent_at IS NOT NULL AND claimed_at IS NULL"
                ).fetchone()[0]
            )
    except sqlite3.OperationalError:
        return 0
