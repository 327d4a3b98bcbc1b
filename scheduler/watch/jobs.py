"""`cancelwatch watch`: each account's checks as the planner times them, and a dispatcher
tick; APScheduler jobs that are never stored.

Each account has one date job, placed again after every check at the moment the planner
gives (the interval, a lead, a young order) within the limits (one check at a time, the
minimum gap, the daily ceiling); `Watcher.request_check` (a mail) moves it earlier. A
dispatcher tick sends every due, unsent alert from the database. Alerts are rows, not
scheduler jobs (docs/architecture.md): a job missed while the laptop slept runs once when
it wakes (coalesced, no misfire limit), and the database decides what is still worth
sending.
"""

from __future__ import annotations

import logging
import queue
import random
import signal
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from types import FrameType

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler

from cancelwatch.scheduler.config.settings import Account, Config
from cancelwatch.scheduler.notify.channels import Notifier
from cancelwatch.scheduler.policy.words import Lang
from cancelwatch.scheduler.state.store import State
from cancelwatch.scheduler.watch import planner as pl
from cancelwatch.scheduler.watch.dispatch import dispatch
from cancelwatch.scheduler.watch.pacing import account_lock, next_planned, recorded_starts
from cancelwatch.scraper.errors import CancelwatchError

log = logging.getLogger(__name__)

CheckRunner = Callable[[Account], None]
Clock = Callable[[], datetime]
Place = Callable[[str, datetime, Callable[[], None]], None]
"""Places an account's one check job (the callable) at a moment of the watcher's clock."""

# -- the watcher ------------------------------------------------------------------------------


@dataclass
class _Pace:
    """One account's checks in this process: the one running, the starts, a request."""

    running: bool = False
    starts: list[datetime] = field(default_factory=list)
    requested: str | None = None
    """Who asked for a check (pl.BY_MAIL, pl.ON_DASHBOARD), until it starts."""
    planned: pl.Planned | None = None
    held: AbstractContextManager[bool] | None = None
    """The cross-process lock of the running check."""


class Watcher:
    """Runs each account's checks at the planned moments, within the limits, and takes
    requests for a check (`request_check`) from any thread."""

    def __init__(
        self,
        cfg: Config,
        state: State,
        lang: Lang,
        run_check: CheckRunner,
        *,
        clock: Clock,
        place: Place,
        spread: Callable[[], float] = lambda: random.uniform(-1.0, 1.0),
        lock: Callable[[str], AbstractContextManager[bool]] = account_lock,
    ) -> None:
        self.cfg, self.state, self.lang = cfg, state, lang
        self._run_check, self._clock, self._place = run_check, clock, place
        self._spread, self._hold = spread, lock
        self._paces = {name: _Pace() for name in cfg.accounts}
        self._guard = threading.Lock()

    def start(self) -> None:
        """Place every account's first check: at once, or where the last one recorded
        leaves it (a watcher restarted in a loop does not check on each start)."""
        for name in self._paces:
            self._replan(name)

    def request_check(self, account: str, reason: str, by: str = pl.BY_MAIL) -> None:
        """Check `account` now if the limits allow, else at the earliest moment they do.
        Requests coalesce: many before the check gives one check. Thread-safe. `reason` is
        for the log; `by` (pl.BY_MAIL, pl.ON_DASHBOARD) is what `status` shows, worded in
        the user's language."""
        with self._guard:
            pace = self._paces.get(account)
            if pace is None:
                log.warning("a check of unknown account %r was requested; ignored", account)
                return
            log.info("a check of %s was asked for: %s", account, reason)
            pace.requested = pace.requested or by
            if pace.running:
                return  # placed again when the running check ends
        self._replan(account)

    def planned(self, account: str) -> pl.Planned | None:
        with self._guard:
            return self._paces[account].planned

    def run_due(self, account: str) -> None:
        """The account's job: check if the limits allow now, then place the next one."""
        if self._begin(account):
            try:
                self._run_check(self.cfg.accounts[account])
            except CancelwatchError as exc:
                log.warning("%s", exc)
            except Exception:
                log.exception("a check failed; the watcher goes on")
            finally:
                self._end(account)
        self._replan(account)

    def _begin(self, account: str) -> bool:
        """Whether a check of `account` may start now: none running here or in another
        process, and the limits allow it. If so, it is counted as started."""
        now = self._clock()
        with self._guard:
            pace = self._paces[account]
            allowed = pl.earliest_allowed(self._starts(account, pace), now, pl.Limits.of(self.cfg))
            if pace.running or allowed.at > now:
                return False
            held = self._hold(account)
            if not held.__enter__():
                held.__exit__(None, None, None)
                log.info("%s: another cancelwatch is checking it; later", account)
                return False
            pace.running, pace.requested, pace.held = True, None, held
            pace.starts = [s for s in pace.starts if s > now - pl.DAY] + [now]
            return True

    def _end(self, account: str) -> None:
        with self._guard:
            pace = self._paces[account]
            pace.running = False
            if pace.held is not None:
                pace.held.__exit__(None, None, None)
                pace.held = None

    def _starts(self, account: str, pace: _Pace) -> list[datetime]:
        return sorted({*recorded_starts(self.state, account, self._clock()), *pace.starts})

    def _replan(self, account: str) -> None:
        now = self._clock()
        with self._guard:
            pace = self._paces[account]
            planned = next_planned(
                self.state,
                self.cfg,
                account,
                now,
                self.lang,
                starts=pace.starts,
                requested=pace.requested,
                spread=self._spread(),
            )
            pace.planned = planned
        log.info("next check of %s at %s: %s", account, f"{planned.at:%H:%M:%S}", planned.why)
        self._place(account, planned.at, partial(self.run_due, account))


def build(
    cfg: Config,
    state: State,
    notifier: Notifier,
    lang: Lang,
    run_check: CheckRunner,
    *,
    clock: Clock,
    lock: Callable[[str], AbstractContextManager[bool]] = account_lock,
) -> tuple[BlockingScheduler, Watcher]:
    scheduler = BlockingScheduler(
        timezone=UTC,
        # A missed run done once, however late: the defaults (1 s grace) would drop a
        # check missed while the machine slept.
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
        executors={"default": ThreadPoolExecutor(max_workers=len(cfg.accounts) + 2)},
    )
    watcher = Watcher(
        cfg, state, lang, run_check, clock=clock, place=_Placer(scheduler, clock), lock=lock
    )

    def tick() -> None:
        dispatch(state, notifier, clock(), quiet=cfg.quiet_hours, lang=lang)

    scheduler.add_job(
        _guarded(tick),
        "interval",
        seconds=cfg.watch.dispatch_seconds,
        next_run_time=datetime.now(UTC),
        id="dispatch",
        name="send due alerts",
    )
    watcher.start()
    return scheduler, watcher


class _Placer:
    """Places the jobs from a thread of its own, in the order asked: a job that placed its
    successor itself would wait forever for the scheduler's lock, which `shutdown(wait=True)`
    holds while it waits for that very job to end."""

    def __init__(self, scheduler: BaseScheduler, clock: Clock) -> None:
        self._scheduler, self._clock = scheduler, clock
        self._queue: queue.SimpleQueue[tuple[str, datetime, Callable[[], None]]]
        self._queue = queue.SimpleQueue()
        threading.Thread(target=self._place_each, name="place checks", daemon=True).start()

    def __call__(self, account: str, at: datetime, job: Callable[[], None]) -> None:
        # APScheduler sleeps until its jobs' times on the wall clock, whatever `clock`
        # says: the planned moment is said in its time by the wait until it.
        wait = max(at - self._clock(), timedelta(0))
        self._queue.put((account, datetime.now(UTC) + wait, job))

    def _place_each(self) -> None:
        while True:
            account, run_date, job = self._queue.get()
            self._scheduler.add_job(
                _guarded(job),
                "date",
                run_date=run_date,
                id=f"check:{account}",
                name=f"check {account}",
                replace_existing=True,
            )


def _guarded(job: Callable[[], None]) -> Callable[[], None]:
    """A job that logs its failure instead of killing the watcher."""

    def run() -> None:
        try:
            job()
        except CancelwatchError as exc:
            log.warning("%s", exc)
        except Exception:
            log.exception("a scheduled job failed; the watcher goes on")

    return run


def run_until_stopped(scheduler: BlockingScheduler, stopping: threading.Event) -> None:
    """Run until SIGTERM or SIGINT, then stop cleanly: `stopping` tells a running check
    to end at its next page, and a check ends whole or not at all (one transaction)."""

    stopper: list[threading.Thread] = []

    def stop(signum: int, _frame: FrameType | None) -> None:
        if not stopping.is_set():
            stopping.set()
            log.info("stopping on %s", signal.Signals(signum).name)
            thread = threading.Thread(target=scheduler.shutdown, kwargs={"wait": True})
            stopper.append(thread)
            thread.start()

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        scheduler.start()
        # start() returns as soon as shutdown begins; the caller closes the database
        # next, so wait until the running jobs have ended (shutdown's wait=True).
        for thread in stopper:
            thread.join()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
