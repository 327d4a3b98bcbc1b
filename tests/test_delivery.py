"""Delivery semantics, channel by channel, when cancelwatch dies in the middle: each
channel's delivery recorded as it happens, a channel that has the alert never sent it
again, one cut off in flight sent again marked as a repeat, a delivered alert never
superseded, a live dispatcher's delivery left alone and a dead one's taken over at once.

The real Notifier (no desktop: two Apprise json:// channels to a local webhook, then the
console) and a real state.db; a crash is `Killed`, raised where the process would die.
`test_e2e_watch.py` does the same with a real watcher process and SIGKILL."""

from __future__ import annotations

import io
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from cancelwatch.scheduler.cli.windows_report import outcome_json
from cancelwatch.scheduler.config.settings import QuietHours
from cancelwatch.scheduler.notify.channels import Notifier
from cancelwatch.scheduler.state.store import NewAlert, Retire, State
from cancelwatch.scheduler.watch import alerts as al
from cancelwatch.scheduler.watch import dispatch as dispatcher
from cancelwatch.scheduler.watch.dispatch import HOLDERS_DIR, Dispatched, holder_for
from cancelwatch.scheduler.watch.monitor import Outcome

if TYPE_CHECKING:
    from tests.notify_helpers import Webhook

pytest_plugins = ("tests.notify_helpers",)

REPO = Path(__file__).resolve().parent.parent
T0 = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)
ORDER = "503-2222222-2222222"
CLOSES = T0 + timedelta(hours=3)
REMINDER = NewAlert(
    ORDER, al.CANCEL_CLOSING, "PT3H", CLOSES - timedelta(hours=3),
    f"Cancel {ORDER} within 3 h", "Sample item", "https://example/order",
)  # fmt: skip
SHIPPED = NewAlert(ORDER, al.TRACKING, "452187630952", T0, f"{ORDER} shipped", "Yamato")


class Killed(BaseException):
    """The process dies here: nothing after it runs (not even `except Exception`)."""


@pytest.fixture
def state(tmp_path: Path) -> Iterator[State]:
    with State.open(tmp_path / "state.db") as opened:
        yield opened


@pytest.fixture
def console() -> io.StringIO:
    return io.StringIO()


@pytest.fixture
def notifier(webhook: Webhook, console: io.StringIO) -> Notifier:
    urls = [webhook.url("first"), webhook.url("second")]  # "apprise:json", "apprise:json#2"
    return Notifier(desktop=False, apprise_urls=urls, console=console)


def dispatch(state: State, notifier: Notifier, now: datetime, **kwargs: Any) -> Dispatched:
    """A dispatch whose clock stands still at `now`: records say exactly when."""
    return dispatcher.dispatch(state, notifier, now, clock=lambda: now, **kwargs)


def plan(state: State, *alerts: NewAlert) -> list[int]:
    return state.add_alerts("main", list(alerts), now=T0)


def die_at(
    monkeypatch: pytest.MonkeyPatch, state: State, step: str, channel: str
) -> Callable[[], None]:
    """Make the process die at `step` ("start_delivery": before `channel` is tried;
    "end_delivery": after it returned, before its outcome is recorded). Returns a
    function that brings the process back (the restart)."""
    real = getattr(state, step)

    def dying(alert_id: int, on: str, *args: Any, **kwargs: Any) -> Any:
        if on == channel:
            raise Killed(f"{step} {channel}")
        return real(alert_id, on, *args, **kwargs)

    monkeypatch.setattr(state, step, dying)
    return lambda: monkeypatch.setattr(state, step, real)


def by_path(webhook: Webhook) -> dict[str, list[str]]:
    paths: dict[str, list[str]] = {}
    for received in webhook.received:
        paths.setdefault(received.path, []).append(received.message["title"])
    return paths


def attempts(state: State, alert_id: int) -> list[tuple[str, int, str | None, bool]]:
    return [(d.channel, d.attempt, d.outcome, d.repeat) for d in state.deliveries(alert_id)]


def test_each_channel_is_recorded_the_moment_it_returns(
    state: State, notifier: Notifier, monkeypatch: pytest.MonkeyPatch
) -> None:
    [alert_id] = plan(state, SHIPPED)
    seen: dict[str, tuple[Any, ...]] = {}
    real = state.start_delivery

    def spy(alert_id: int, channel: str, **kwargs: Any) -> int:
        row = state.alert(alert_id)
        assert row is not None
        seen[channel] = (row.sent_at, row.channel, attempts(state, alert_id))
        return real(alert_id, channel, **kwargs)

    monkeypatch.setattr(state, "start_delivery", spy)
    dispatch(state, notifier, T0)

    assert seen["apprise:json"] == (None, None, [])
    # before the second channel is tried, the first one's delivery is in the database
    assert seen["apprise:json#2"] == (T0, "apprise:json", [("apprise:json", 1, "delivered", False)])
    assert seen["console"][1] == "apprise:json,apprise:json#2"
    row = state.alert(alert_id)
    assert row is not None
    assert (row.sent_at, row.channel) == (T0, "apprise:json,apprise:json#2,console")
    assert row.claimed_at is None  # finished


def test_killed_after_a_channel_took_it_repeats_it_there_marked_and_nowhere_else(
    state: State,
    notifier: Notifier,
    webhook: Webhook,
    console: io.StringIO,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    [alert_id] = plan(state, SHIPPED)
    restart = die_at(monkeypatch, state, "end_delivery", "apprise:json#2")
    with pytest.raises(Killed):
        dispatch(state, notifier, T0)
    title = SHIPPED.title
    assert by_path(webhook) == {"/first": [title], "/second": [title]}
    assert console.getvalue() == ""
    cut = state.alert(alert_id)
    assert cut is not None
    assert (cut.sent_at, cut.channel) == (T0, "apprise:json")  # sent, on the first channel
    assert attempts(state, alert_id) == [
        ("apprise:json", 1, "delivered", False),
        ("apprise:json#2", 1, None, False),  # in flight when the process died
    ]

    restart()
    done = dispatch(state, notifier, T0 + timedelta(seconds=30))

    assert by_path(webhook) == {"/first": [title], "/second": [title, f"{title} (repeat)"]}
    assert console.getvalue().count(title) == 1  # never tried before: not a repeat
    assert "(repeat)" not in console.getvalue()
    assert attempts(state, alert_id) == [
        ("apprise:json", 1, "delivered", False),
        ("apprise:json#2", 1, "interrupted", False),
        ("apprise:json#2", 2, "delivered", True),
        ("console", 1, "delivered", False),
    ]
    [sent] = done.sent
    assert (sent.id, sent.sent_at, sent.claimed_at) == (alert_id, T0, None)
    assert sent.channel == "apprise:json,apprise:json#2,console"
    assert dispatch(state, notifier, T0 + timedelta(minutes=1)).sent == []
    assert len(webhook.received) == 3


def test_killed_before_its_first_channel_answered_it_is_repeated_there(
    state: State, notifier: Notifier, webhook: Webhook, monkeypatch: pytest.MonkeyPatch
) -> None:
    [alert_id] = plan(state, SHIPPED)
    restart = die_at(monkeypatch, state, "end_delivery", "apprise:json")
    with pytest.raises(Killed):
        dispatch(state, notifier, T0)
    assert state.pending_alerts() != []  # nothing known to have arrived: not sent yet

    restart()
    dispatch(state, notifier, T0 + timedelta(seconds=5))

    title = SHIPPED.title
    assert by_path(webhook) == {"/first": [title, f"{title} (repeat)"], "/second": [title]}
    row = state.alert(alert_id)
    assert row is not None
    assert row.sent_at == T0 + timedelta(seconds=5)  # the first delivery known for sure


def test_an_alert_that_reached_a_channel_is_never_superseded(
    state: State, notifier: Notifier, webhook: Webhook, monkeypatch: pytest.MonkeyPatch
) -> None:
    [alert_id] = plan(state, REMINDER)
    restart = die_at(monkeypatch, state, "start_delivery", "apprise:json#2")
    with pytest.raises(Killed):
        dispatch(state, notifier, REMINDER.due_at)
    restart()

    # The order shipped meanwhile: the check retires the window's reminders ...
    state.record_check(
        "main", "amazon.co.jp", [], {}, now=T0 + timedelta(hours=1), alerts=[],
        retire=[Retire(ORDER, "the cancel window closed", (al.CANCEL_CLOSING,))],
    )  # fmt: skip
    # ... and the watcher is back only after the window closed.
    done = dispatch(state, notifier, CLOSES + timedelta(hours=1))

    row = state.alert(alert_id)
    assert row is not None
    assert (row.sent_at, row.channel, row.superseded_at) == (REMINDER.due_at, "apprise:json", None)
    assert row.claimed_at is None  # finished: the second channel is spared a stale reminder
    assert by_path(webhook) == {"/first": [REMINDER.title]}
    assert done.missed == [] and done.sent == []  # no "closed while you were away" for it


def test_a_reminder_cut_off_before_any_channel_took_it_joins_the_away_summary(
    state: State, notifier: Notifier, webhook: Webhook, monkeypatch: pytest.MonkeyPatch
) -> None:
    [alert_id] = plan(state, REMINDER)
    restart = die_at(monkeypatch, state, "end_delivery", "apprise:json")
    with pytest.raises(Killed):
        dispatch(state, notifier, REMINDER.due_at)
    restart()

    done = dispatch(state, notifier, CLOSES + timedelta(minutes=5))

    assert [r.id for r in done.missed] == [alert_id]
    row = state.alert(alert_id)
    assert row is not None
    assert (row.sent_at, row.superseded_reason) == (None, "closed while you were away")
    # the database still says an attempt was made, and that nobody knows how it ended
    assert attempts(state, alert_id) == [("apprise:json", 1, None, False)]
    assert webhook.titles()[-2:] == ["1 window(s) closed while you were away"] * 2


def test_a_later_reminder_supersedes_only_what_never_reached_anyone(
    state: State, notifier: Notifier, webhook: Webhook, monkeypatch: pytest.MonkeyPatch
) -> None:
    closes = T0 + timedelta(days=2)
    leads = [
        NewAlert(ORDER, al.CANCEL_CLOSING, lead, closes - span, f"Cancel {ORDER} within {n}", "-")
        for lead, span, n in (
            ("P1D", timedelta(days=1), "1 day"),
            ("PT3H", timedelta(hours=3), "3 h"),
            ("PT30M", timedelta(minutes=30), "30 min"),
        )
    ]
    day, three, half = plan(state, *leads)
    restart = die_at(monkeypatch, state, "start_delivery", "apprise:json#2")
    with pytest.raises(Killed):
        dispatch(state, notifier, closes - timedelta(days=1))  # the 24-hour one, cut off
    restart()

    dispatch(state, notifier, closes - timedelta(minutes=30))  # asleep until the 30-min one

    reached, moot = state.alert(day), state.alert(three)
    assert state.alert(half) is not None
    assert reached is not None and reached.superseded_at is None  # it reached /first
    assert moot is not None and moot.superseded_reason is not None
    assert by_path(webhook) == {
        "/first": [f"Cancel {ORDER} within 1 day", f"Cancel {ORDER} within 30 min"],
        "/second": [f"Cancel {ORDER} within 30 min"],
    }


def test_a_delivery_cut_off_waits_for_quiet_hours_to_end(
    state: State, notifier: Notifier, webhook: Webhook, monkeypatch: pytest.MonkeyPatch
) -> None:
    quiet = QuietHours(start=time(22, 0), end=time(7, 0), timezone="UTC")
    [alert_id] = plan(state, SHIPPED)
    restart = die_at(monkeypatch, state, "end_delivery", "apprise:json#2")
    evening = datetime(2026, 11, 26, 21, 59, tzinfo=UTC)
    with pytest.raises(Killed):
        dispatch(state, notifier, evening, quiet=quiet)
    restart()

    night = dispatch(state, notifier, evening + timedelta(hours=3), quiet=quiet)
    assert night.sent == [] and len(webhook.received) == 2
    morning = dispatch(state, notifier, evening + timedelta(hours=9, minutes=1), quiet=quiet)
    assert [r.id for r in morning.sent] == [alert_id]
    assert webhook.titles()[-1] == f"{SHIPPED.title} (repeat)"


HOLDER = """
import sys
from datetime import UTC, datetime
from pathlib import Path
from cancelwatch.scheduler.watch.dispatch import holder_for
from cancelwatch.scheduler.state.store import State

db, alert_id = Path(sys.argv[1]), int(sys.argv[2])
with State.open(db) as state:
    holder = holder_for(state)
    now = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)
    gone = lambda h: holder.gone(h, alert_id)
    assert state.claim(alert_id, at=now, owner=holder.token, orphaned=gone)
    state.start_delivery(alert_id, "apprise:json", at=now, repeat=False)
    print("delivering", flush=True)
    sys.stdin.readline()  # a slow channel: until the test kills us
"""


def test_a_live_dispatchers_delivery_is_left_alone_and_a_killed_ones_taken_over_at_once(
    state: State, notifier: Notifier, webhook: Webhook
) -> None:
    [alert_id] = plan(state, SHIPPED)
    with subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(state.path), str(alert_id)],
        cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    ) as other:  # fmt: skip
        try:
            assert other.stdout is not None
            assert other.stdout.readline().strip() == "delivering"
            # In flight in a live process: hands off, long after any lease would have run out.
            assert dispatch(state, notifier, T0 + timedelta(hours=6)).sent == []
            assert webhook.received == []
        finally:
            other.kill()  # SIGKILL: no clean-up of any kind

    done = dispatch(state, notifier, T0 + timedelta(hours=6, seconds=1))

    assert [r.id for r in done.sent] == [alert_id]
    title = SHIPPED.title
    assert by_path(webhook) == {"/first": [f"{title} (repeat)"], "/second": [title]}
    assert attempts(state, alert_id)[:2] == [
        ("apprise:json", 1, "interrupted", False),
        ("apprise:json", 2, "delivered", True),
    ]
    # the dead holder's lock file is cleaned up; ours stays while we live
    lock_files = list((state.path.parent / HOLDERS_DIR).glob("*.lock"))
    assert [p.stem for p in lock_files] == [holder_for(state).token]


def test_a_claim_whose_holder_cannot_be_asked_falls_back_to_the_lease(state: State) -> None:
    [alert_id] = plan(state, SHIPPED)
    assert state.claim(alert_id, at=T0, owner="not-a-token")  # e.g. a hand-edited row
    holder = holder_for(state)

    def take(at: datetime) -> bool:
        return state.claim(
            alert_id, at=at, owner=holder.token, orphaned=lambda h: holder.gone(h, alert_id)
        )

    assert not take(T0 + timedelta(minutes=4))
    assert take(T0 + timedelta(minutes=5))


def test_json_shows_when_each_sent_alert_was_sent(state: State, notifier: Notifier) -> None:
    plan(state, SHIPPED, REMINDER)
    outcome = Outcome("main", "amazon.co.jp")
    outcome.dispatched = dispatch(state, notifier, T0 + timedelta(seconds=10))
    summary = outcome_json(outcome, T0 + timedelta(seconds=10))
    sent = {a["kind"]: a for a in summary["alerts_sent"]}
    assert set(sent) == {al.TRACKING, al.CANCEL_CLOSING}
    for alert in sent.values():
        assert alert["sent_at"] == (T0 + timedelta(seconds=10)).isoformat()
        assert alert["channels"] == ["apprise:json", "apprise:json#2", "console"]


def test_an_alert_retired_while_a_channel_delivers_it_is_sent_all_the_same(
    state: State, notifier: Notifier, webhook: Webhook, monkeypatch: pytest.MonkeyPatch
) -> None:
    [alert_id] = plan(state, REMINDER)
    real = state.start_delivery

    def check_meanwhile(alert_id: int, channel: str, **kwargs: Any) -> int:
        if channel == "apprise:json":  # a check in another thread finds the order shipped
            state.record_check(
                "main", "amazon.co.jp", [], {}, now=REMINDER.due_at, alerts=[],
                retire=[Retire(ORDER, "the cancel window closed", (al.CANCEL_CLOSING,))],
            )  # fmt: skip
        return real(alert_id, channel, **kwargs)

    monkeypatch.setattr(state, "start_delivery", check_meanwhile)
    done = dispatch(state, notifier, REMINDER.due_at)

    row = state.alert(alert_id)
    assert row is not None
    assert (row.sent_at, row.superseded_at, row.superseded_reason) == (REMINDER.due_at, None, None)
    assert [r.id for r in done.sent] == [alert_id]
    assert len(webhook.received) == 2  # one alert goes out whole: every channel got it


def test_closing_the_database_lets_go_of_the_dispatchers_lock(tmp_path: Path) -> None:
    with State.open(tmp_path / "state.db") as state:
        holder = holder_for(state)
        lock = tmp_path / HOLDERS_DIR / f"{holder.token}.lock"
        assert lock.exists()
        assert holder_for(state) is holder  # one per database directory
    assert not lock.exists()  # a temporary directory (the demo's) can go
    with State.open(tmp_path / "state.db") as again:
        assert holder_for(again).token != holder.token
