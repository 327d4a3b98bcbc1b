"""Each of the watcher's checks in a process of its own.

A check imports Playwright and the page readers and leaves some megabytes behind for
good (modules stay imported, freed memory stays fragmented); the watcher lives for weeks
between checks and should stay as small as it started. So `watch` runs every check as
`cancelwatch watched-check ACCOUNT`, a child that takes the account's lock, keeps the
limits and records its result in state.db as a one-off `check` does; the watcher reads
the result from there when it plans the next one.

The child is tied to the watcher by its standard input, which the watcher holds open:
the first line carries what the child may need and must never get through its
environment or its arguments (the secrets file's passphrase), and the watcher's clock, so
that a check runs at the time the watcher is told (a test's, for one); end of file means the
watcher has stopped or died, and the child stops its check at the next page, as the
watcher's own check did on SIGTERM. A watcher killed with SIGKILL thus leaves no check
running behind it.
"""

from __future__ import annotations

import json
import logging
import math
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from types import FrameType
from typing import IO

from cancelwatch.scraper.browse.passphrase import held_passphrase, take_passphrase
from cancelwatch.scraper.errors import UsageError

log = logging.getLogger(__name__)

COMMAND = "watched-check"
GRACE_S = 30.0
"""How long a stopped child may take to end its check before it is killed: a page load
in progress ends first."""
_POLL_S = 0.5
_HAND_OVER_AGE_S = 60.0
EXIT_FAILED = 1


def child_command(account: str, verbosity: Sequence[str] = ()) -> list[str]:
    return [sys.executable, "-m", "cancelwatch.scheduler.cli", *verbosity, COMMAND, account]


def verbosity_flags(level: int) -> list[str]:
    """The command-line flags that give a child the log level `level` of this process."""
    if level >= logging.ERROR:
        return ["-q"]
    if level <= logging.DEBUG:
        return ["-vv"]
    return ["-v"] if level <= logging.INFO else []


Clock = Callable[[], datetime]


def run_in_child(
    account: str, stop: threading.Event, *, clock: Clock, verbosity: Sequence[str] = ()
) -> int:
    """Run one check of `account` in a child process; its exit code. `stop` set: the child
    is told to stop (its stdin closes), and killed if it has not ended within GRACE_S."""
    child = subprocess.Popen(
        child_command(account, verbosity),
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,  # the check's table is for a person; its result is in state.db
        text=True,
        encoding="utf-8",
    )
    assert child.stdin is not None  # stdin=PIPE
    try:
        _hand_over(child.stdin, clock())
        return _await(child, stop)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()


def _hand_over(stdin: IO[str], now: datetime) -> None:
    # With the monotonic clock's reading (one clock for every process of the machine), so
    # the child's time goes on from the hand-over, not from when its imports were done.
    said = {"passphrase": held_passphrase(), "now": now.isoformat(), "at": repr(time.monotonic())}
    try:
        stdin.write(json.dumps(said) + "\n")
        stdin.flush()
    except BrokenPipeError:
        pass  # the child ended already; its exit code says why


def _await(child: subprocess.Popen[str], stop: threading.Event) -> int:
    while True:
        try:
            return child.wait(timeout=_POLL_S)
        except subprocess.TimeoutExpired:
            if stop.is_set():
                break
    assert child.stdin is not None
    child.stdin.close()  # "stop": the child ends its check at the next page
    try:
        return child.wait(timeout=GRACE_S)
    except subprocess.TimeoutExpired:
        log.warning("the check of a stopping watcher did not end within %g s; killed", GRACE_S)
        child.kill()
        return child.wait()


# -- the child's side -------------------------------------------------------------------------


def follow_watcher(stop: threading.Event, stdin: IO[str] | None = None) -> Clock:
    """In the child: take what the watcher hands over, then set `stop` when the watcher
    closes our stdin (it stops, or it died) or sends SIGTERM. The watcher's clock, going on
    from the moment it handed over."""
    source = stdin or sys.stdin
    first = source.readline()
    if not first:
        raise UsageError(f"{COMMAND} is run by `cancelwatch watch`, not by hand")
    said = _hand_over_read(first)
    take_passphrase(said.get("passphrase"))
    clock = _going_on_from(said.get("now"), said.get("at"))
    threading.Thread(target=_stop_at_eof, args=(source, stop), daemon=True).start()

    def on_term(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_term)
    return clock


def _hand_over_read(line: str) -> dict[str, str]:
    try:
        said = json.loads(line)
    except ValueError:
        said = None
    if not isinstance(said, dict) or not all(isinstance(v, str | None) for v in said.values()):
        raise UsageError(f"{COMMAND}: unreadable hand-over from the watcher")
    return {k: v for k, v in said.items() if isinstance(v, str)}


def _going_on_from(now: str | None, at: str | None) -> Clock:
    try:
        then = datetime.fromisoformat(now or "")
    except ValueError:
        raise UsageError(f"{COMMAND}: the watcher handed over no time") from None
    if then.tzinfo is None:
        raise UsageError(f"{COMMAND}: the watcher handed over a time without its zone")
    started = _handed_at(at)
    return lambda: then + timedelta(seconds=time.monotonic() - started)


def _handed_at(at: str | None) -> float:
    """The monotonic clock's reading at the hand-over: no earlier than a minute ago (a
    child starts in about a second) and not ahead of this process's reading."""
    here = time.monotonic()
    if at is None:
        return here
    try:
        value = float(at)
    except ValueError:
        value = math.nan
    if not here - _HAND_OVER_AGE_S <= value <= here:
        raise UsageError(f"{COMMAND}: the watcher handed over a clock reading out of range")
    return value


def _stop_at_eof(source: IO[str], stop: threading.Event) -> None:
    try:
        while source.readline():
            pass
    except (OSError, ValueError):
        pass
    if not stop.is_set():
        log.info("the watcher has stopped; ending this check (pid %d)", os.getpid())
    stop.set()
