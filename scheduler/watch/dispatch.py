"""Send every due alert, once on each channel: late if the machine slept and the window is
still open (saying the time actually left), folded into one "closed while you were away"
summary if it is not, held back during quiet hours and sent when they end.

Delivery is at least once on every channel, and recorded as it happens. Before a channel
is tried, state.db records the attempt; as soon as it returns, its outcome. So when
cancelwatch is killed in the middle of a delivery, the database says which channels have
the alert, which never got it, and which one was in flight. Whoever takes the alert over
(the restarted watcher, at once) skips the first, sends to the second as usual, and sends
to the third again, marked as a repeat: a reminder that arrives twice costs a glance, one
that never arrives can cost the order.

The claim on an alert names the process that holds it: a random token, and an OS lock on
a file named after it that the process holds while it lives (`ClaimHolder`). The kernel
drops that lock when the process dies, kill -9 included, so another dispatcher can tell a
delivery in flight (hands off) from one cut off (take it over now), without waiting for a
lease to run out. Where the lock cannot be had, claims fall back to the lease.
"""

from __future__ import annotations

import atexit
import logging
import re
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Protocol

from filelock import FileLock, Timeout

from cancelwatch.scheduler.config.settings import QuietHours
from cancelwatch.scheduler.notify.channels import Attempt, Delivery, Notice, Progress
from cancelwatch.scheduler.policy.words import Lang
from cancelwatch.scheduler.state.store import AlertRow, DeliveryRow, NewAlert, State
from cancelwatch.scheduler.watch import alerts as al

log = logging.getLogger(__name__)

HOLDERS_DIR = "dispatchers"
"""Beside state.db: one lock file per running dispatcher process."""

_AWAY = {
    "en": (
        "{n} window(s) closed while you were away",
        "Closed while cancelwatch could not tell you:",
    ),
    "ja": ("不在の間に{n}件の期限が過ぎました", "通知できないうちに期限が過ぎたもの:"),
}


@dataclass
class Dispatched:
    sent: list[AlertRow] = field(default_factory=list)
    """As stored once sent: `sent_at` is when the first channel took it."""
    deferred: list[AlertRow] = field(default_factory=list)
    missed: list[AlertRow] = field(default_factory=list)
    """Reminders whose window closed before they could be sent."""


class Sender(Protocol):
    """What the dispatcher needs of the notifier: send one notice, saying per channel how
    far it got (the Notifier; a test's recorder)."""

    def send(self, notice: Notice, progress: Progress | None = None) -> Delivery: ...


def dispatch(
    state: State,
    notifier: Sender,
    now: datetime,
    *,
    quiet: QuietHours | None = None,
    lang: Lang = "en",
    clock: Callable[[], datetime] | None = None,
) -> Dispatched:
    """Send what is due at `now`. `clock` tells the time as the run goes on (a slow channel
    holds the others up), for the delivery records and a late reminder's words; by
    default, `now` plus the time the run has taken."""
    started = time.monotonic()
    at = clock or (lambda: now + timedelta(seconds=time.monotonic() - started))
    run = _Run(state, notifier, now, at, quiet, lang, holder_for(state))
    due = state.due_alerts(now)
    stale = run.earlier_leads(due)
    for row in due:
        run.handle(row, stale)
    run.summarise_missed()
    return run.done


@dataclass
class _Run:
    state: State
    notifier: Sender
    now: datetime
    at: Callable[[], datetime]
    quiet: QuietHours | None
    lang: Lang
    holder: ClaimHolder
    done: Dispatched = field(default_factory=Dispatched)

    def quiet_now(self) -> bool:
        return self.quiet is not None and self.quiet.covers(self.now)

    def handle(self, row: AlertRow, stale: set[int]) -> None:
        """Claim the alert, then decide: send it, defer it, or retire it. Whoever holds the
        claim decides, so two dispatchers never act on one alert."""
        if row.sent_at is not None and self.quiet_now():
            return  # its other channels get it when quiet hours end
        sent = False
        with self.holder.claimed(self.state, row.id, self.at()) as ours:
            current = self.state.alert(row.id) if ours else None  # now no one else acts on it
            if current is None:
                return
            if row.id in stale:
                self.retire(current, "a later reminder of the same window is due")
            elif _closed_before(current, self.at()):
                self.retire(current, "closed while you were away", missed=True)
            else:
                sent = self.send_or_defer(current)
        done = self.state.alert(row.id) if sent else None  # as stored, its claim released
        if done is not None:
            self.done.sent.append(done)

    def send_or_defer(self, row: AlertRow) -> bool:
        """True when some channel took the alert (now, or before a crash)."""
        # A delivery begun before quiet hours is finished (`handle` holds back those it
        # can see began; this one began while we were claiming it).
        if self.quiet is not None and self.quiet_now() and row.sent_at is None:
            self.state.defer(row.id, self.quiet.ends_after(self.now))
            self.done.deferred.append(row)
            return False
        title, urgency = al.wording_at(row, self.at(), self.lang)
        if (title, urgency) != (row.title, row.urgency):
            self.state.reword(row.id, title=title, urgency=urgency, owner=self.holder.token)
        notice = Notice(title, row.body, row.url, urgency, _key(row))
        ledger = _Ledger(self.state, row.id, self.at, self.state.deliveries(row.id))
        delivery = self.notifier.send(notice, ledger)
        log.info("sent %s via %s", _key(row), ",".join(delivery.channels) or "-")
        return ledger.delivered()

    def retire(self, row: AlertRow, reason: str, *, missed: bool = False) -> None:
        """Drop a moot alert. One that some channel already took was sent: it stays sent,
        and its other channels are spared a reminder that no longer holds."""
        if row.sent_at is not None:
            log.info("%s: %s; the channels it had not reached are skipped", _key(row), reason)
            return
        if self.state.supersede(row.id, at=self.at(), reason=reason) and missed:
            self.done.missed.append(row)

    def earlier_leads(self, due: list[AlertRow]) -> set[int]:
        """Of several reminders of one window that all came due (the laptop slept through
        the 24-hour one and the 3-hour one), only the latest is worth sending."""
        groups: dict[tuple[str, str | None, str], list[AlertRow]] = defaultdict(list)
        for row in due:
            if row.kind in al.CLOSING_KINDS and al.lead_of(row.lead) is not None:
                groups[(row.account, row.order_id, row.kind)].append(row)
        stale: set[int] = set()
        for rows in groups.values():
            rows.sort(key=lambda r: r.due_at)
            stale.update(r.id for r in rows[:-1])
        return stale

    def summarise_missed(self) -> None:
        by_account: dict[str, list[AlertRow]] = defaultdict(list)
        for row in self.done.missed:
            by_account[row.account].append(row)
        title, head = _AWAY[self.lang]
        for account, rows in by_account.items():
            body = "\n".join([head, *(f"- {r.title}" for r in rows)])
            headline = title.format(n=len(rows))
            lead = self.now.isoformat()  # one summary per dispatch that found some
            summary = NewAlert(None, al.AWAY_SUMMARY, lead, self.now, headline, body)
            for alert_id in self.state.add_alerts(account, [summary], now=self.now):
                added = self.state.alert(alert_id)
                if added is not None:
                    self.handle(added, set())


@dataclass
class _Ledger:
    """One alert's `Progress`: each channel's attempt recorded in state.db before it is
    tried and its outcome as soon as it returns; `before`, what earlier sends recorded."""

    state: State
    alert_id: int
    clock: Callable[[], datetime]
    before: list[DeliveryRow]
    attempts: dict[str, int] = field(default_factory=dict)
    took: list[str] = field(default_factory=list)

    def begin(self, channel: str) -> Attempt:
        earlier = [d for d in self.before if d.channel == channel]
        if any(d.outcome == "delivered" for d in earlier):
            return Attempt.DONE
        # No outcome: its sender died in the middle, so it may have arrived.
        repeat = any(d.outcome in (None, "interrupted") for d in earlier)
        self.attempts[channel] = self.state.start_delivery(
            self.alert_id, channel, at=self.clock(), repeat=repeat
        )
        return Attempt.REPEAT if repeat else Attempt.FIRST

    def end(self, channel: str, error: str | None) -> None:
        attempt = self.attempts.pop(channel)
        self.state.end_delivery(self.alert_id, channel, attempt, at=self.clock(), error=error)
        if error is None:
            self.took.append(channel)

    def delivered(self) -> bool:
        """Whether any channel has the alert, from this send or an earlier one."""
        return bool(self.took) or any(d.outcome == "delivered" for d in self.before)


def _closed_before(row: AlertRow, now: datetime) -> bool:
    lead = al.lead_of(row.lead) if row.kind in al.CLOSING_KINDS else None
    return lead is not None and row.due_at + lead <= now


def _key(row: AlertRow) -> str:
    return f"{row.account}/{row.order_id or '-'}/{row.kind}/{row.lead or '-'}"


# ---- who holds a claim ------------------------------------------------------------------

_TOKEN = re.compile(r"[0-9a-f]{32}")


class ClaimHolder:
    """This process as the holder of alert claims: a random token, and an OS lock on
    `<directory>/<token>.lock` held for as long as the process lives.

    Another process asks `gone(token)`: it tries that lock without waiting. Held: the
    holder is alive and its delivery in flight. Free (or the file is gone): the holder
    died or exited, and its claims may be taken over at once. Within this process, a
    claim of ours is in flight only while a thread is delivering it (`claimed`).
    """

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.token = uuid.uuid4().hex
        self._lock: FileLock | None = None
        self._delivering: set[int] = set()
        self._guard = threading.Lock()
        try:
            directory.mkdir(mode=0o700, parents=True, exist_ok=True)
            lock = _lock_for(directory / f"{self.token}.lock")
            lock.acquire()
        except (OSError, Timeout) as exc:
            log.warning(
                "cannot hold a lock in %s (%s): an alert whose delivery was cut off is "
                "taken over only when its claim's lease runs out",
                directory,
                exc,
            )
            self.token = ""
            return
        self._lock = lock
        atexit.register(self.close)

    @contextmanager
    def claimed(self, state: State, alert_id: int, at: datetime) -> Iterator[bool]:
        """Claim `alert_id` for the block (True when ours) and finish its delivery when
        the block ends normally. A block that raises leaves the claim, with any attempt it
        left open: the next dispatch takes the alert over as cut off."""
        with self._guard:
            busy = alert_id in self._delivering  # another thread of ours has it
            self._delivering.add(alert_id)
        if busy:
            yield False
            return
        try:
            ours = state.claim(
                alert_id,
                at=at,
                owner=self.token,
                orphaned=lambda holder: self.gone(holder, alert_id),
            )
            yield ours
            if ours:
                state.release(alert_id, owner=self.token)
        finally:
            with self._guard:
                self._delivering.discard(alert_id)

    def gone(self, holder: str, alert_id: int) -> bool | None:
        """Whether the process that claimed `alert_id` as `holder` is gone; None when
        that cannot be told (a token that is not one of ours: the lease decides)."""
        if self.token and holder == self.token:
            # Asked from `claimed`, which made sure no thread of ours delivers it: a claim
            # of ours left by a delivery that raised.
            return True
        if not _TOKEN.fullmatch(holder):
            return None
        path = self.directory / f"{holder}.lock"
        try:
            if not path.exists():
                return True
            probe = _lock_for(path)
            probe.acquire()
        except Timeout:
            return False
        except OSError:
            return None
        probe.release()
        path.unlink(missing_ok=True)
        return True

    def close(self) -> None:
        lock, self._lock = self._lock, None
        if lock is None:
            return
        atexit.unregister(self.close)
        lock.release()
        Path(lock.lock_file).unlink(missing_ok=True)


def _lock_for(path: Path) -> FileLock:
    # Never a "soft" lock (a marker file): a killed process would leave it held.
    return FileLock(path, timeout=0, mode=0o600, thread_local=False, fallback_to_soft=False)


_HOLDERS: dict[Path, tuple[ClaimHolder, set[int]]] = {}
"""Per directory: this process's holder, and the States (by id) that use it."""
_HOLDERS_LOCK = threading.Lock()


def holder_for(state: State) -> ClaimHolder:
    """This process's claim holder for `state`'s database: one per directory, kept while
    a State on it is open (then its lock and file go: a temporary directory, as the
    demo's, can be removed)."""
    directory = (state.path.parent / HOLDERS_DIR).resolve()
    with _HOLDERS_LOCK:
        holder, users = _HOLDERS.get(directory) or (ClaimHolder(directory), set())
        _HOLDERS[directory] = (holder, users)
        if id(state) not in users:
            users.add(id(state))
            state.on_close(partial(_leave, directory, id(state)))
        return holder


def _leave(directory: Path, state_id: int) -> None:
    with _HOLDERS_LOCK:
        holder, users = _HOLDERS.get(directory, (None, set()))
        users.discard(state_id)
        if holder is None or users:
            return
        del _HOLDERS[directory]
    holder.close()
