"""`cancelwatch watch`: APScheduler runs two kinds of interval job, never stored ones.

Each account's check runs on an interval with jitter; a dispatcher tick sends every due,
unsent alert from the database. Alerts are rows, not scheduler jobs (docs/architecture.md): a job
missed while the laptop slept runs once when it wakes (coalesced, no misfire limit), and
the database decides what is still worth sending.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from types import FrameType

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.blocking import BlockingScheduler

from cancelwatch.scheduler.config.settings import Account, Config
from cancelwatch.scheduler.notify.channels import Notifier
from cancelwatch.scheduler.policy.words import Lang
from cancelwatch.scheduler.state.store import State
from cancelwatch.scheduler.watch.dispatch import dispatch
from cancelwatch.scraper.errors import CancelwatchError

log = logging.getLogger(__name__)

CheckRunner = Callable[[Account], None]


def build(
    cfg: Config,
    state: State,
    notifier: Notifier,
    lang: Lang,
    run_check: CheckRunner,
    *,
    clock: Callable[[], datetime],
) -> BlockingScheduler:
    scheduler = BlockingScheduler(
        timezone=UTC,
        # One check at a time per account, a missed run done once, however late: the
        # defaults (1 s grace) would drop a check missed while the machine slept.
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
        executors={"default": ThreadPoolExecutor(max_workers=2)},
    )
    # APScheduler sleeps until its jobs' times on the wall clock, whatever `clock` says:
    # "at once" is said in its time. `clock` is the time what is due is decided by.
    at_once = datetime.now(UTC)
    for account in cfg.accounts.values():
        scheduler.add_job(
            _guarded(partial(run_check, account)),
            "interval",
            minutes=cfg.watch.interval_minutes,
            jitter=cfg.watch.jitter_seconds,
            next_run_time=at_once,
            id=f"check:{account.name}",
            name=f"check {account.name}",
        )

    def tick() -> None:
        dispatch(state, notifier, clock(), quiet=cfg.quiet_hours, lang=lang)

    scheduler.add_job(
        _guarded(tick),
        "interval",
        seconds=cfg.watch.dispatch_seconds,
        next_run_time=at_once,
        id="dispatch",
        name="send due alerts",
    )
    return scheduler


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
