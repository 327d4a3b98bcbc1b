"""A page that stops answering ends its check instead of hanging it.

Playwright bounds its waits (a navigation, `wait_for_function`), but not the calls that
need the page's renderer to answer: reading the page's HTML, and the session's storage at
the end of a check. A page whose script never yields (a loop that starts once the page has
loaded) keeps those calls waiting forever, and with them the check, the account's lock
and every later check of the account. So each such call runs under a timer that ends the
browser's process when it expires: the call then fails at once, and the check fails with
`PageUnresponsive`, which is recorded, and the next check tries again.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from weakref import WeakKeyDictionary

from playwright.sync_api import Browser, BrowserContext, Page
from playwright.sync_api import Error as PlaywrightError

from cancelwatch.scraper.errors import PageUnresponsive
from cancelwatch.scraper.pauses import pause

log = logging.getLogger(__name__)

ANSWER_SECONDS = 30.0
"""How long a call that needs the page's renderer may take when the caller names no time:
what the crawl gives a whole page load by default."""

GRACE_SECONDS = 10.0
"""Beyond a call's own timeout: Playwright ends its own waits first, and only a call that
is still waiting after them (it answered, then the page stopped answering) ends the
browser."""

_END = getattr(signal, "SIGKILL", signal.SIGTERM)  # Windows has no SIGKILL: TerminateProcess


@dataclass
class Watchdog:
    """Ends one browser's process (`pid`, the browser process itself: its renderers end
    with it) when a bounded call overruns."""

    pid: int | None
    _fired: threading.Event = field(default_factory=threading.Event)

    @property
    def fired(self) -> bool:
        return self._fired.is_set()

    def end_browser(self) -> None:
        self._fired.set()
        log.warning("a page stopped answering: ending its browser (process %s)", self.pid)
        if self.pid is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                _end_process_and_helpers(self.pid)


def _end_process_and_helpers(pid: int) -> None:
    """End the browser and, where it leads a process group of its own (Playwright starts
    it so on POSIX), every helper process in that group at once. Ended alone, the
    browser leaves its network service to write to the profile for a moment after, so
    the profile could not be removed; the group is never the caller's own."""
    getpgid = getattr(os, "getpgid", None)
    killpg = getattr(os, "killpg", None)
    if getpgid is not None and killpg is not None:
        group = getpgid(pid)
        if group == pid and group != os.getpgrp():
            killpg(group, _END)
            return
    os.kill(pid, _END)


_DOGS: WeakKeyDictionary[Browser, Watchdog] = WeakKeyDictionary()


def watch_browser(browser: Browser) -> Watchdog:
    """Keep a watchdog for `browser` (from `launch`), which `answering` then uses."""
    dog = Watchdog(_browser_pid(browser))
    _DOGS[browser] = dog
    return dog


def watchdog_of(browser: Browser) -> Watchdog | None:
    """The watchdog `launch` keeps for `browser`; None for a browser from elsewhere."""
    return _DOGS.get(browser)


def _browser_pid(browser: Browser) -> int | None:
    """The browser process's id, as the browser itself tells it (every platform)."""
    try:
        session = browser.new_browser_cdp_session()
        try:
            info = session.send("SystemInfo.getProcessInfo")
        finally:
            session.detach()
    except PlaywrightError as exc:
        log.info("the browser did not tell its process id (%s): no watchdog", exc)
        return None
    return next(
        (int(p["id"]) for p in info.get("processInfo", []) if p.get("type") == "browser"), None
    )


@contextlib.contextmanager
def answering(
    target: Page | BrowserContext, what: str, seconds: float = ANSWER_SECONDS
) -> Iterator[None]:
    """Run the block's call on `target` (a page, or a context, of a browser from `launch`)
    within `seconds`, or end the browser and raise `PageUnresponsive`. A browser without
    a watchdog (not from `launch`) runs it unbounded."""
    context = target.context if isinstance(target, Page) else target
    dog = _DOGS.get(context.browser) if context.browser is not None else None
    if dog is None:
        yield
        return
    timer = _Timer(seconds, dog.end_browser)
    timer.start()
    try:
        yield
    except PlaywrightError as exc:
        if dog.fired:
            raise PageUnresponsive(_overran(what, seconds)) from exc
        raise
    finally:
        timer.cancel()
    if dog.fired:  # it answered as the timer fired: the browser is ended all the same
        raise PageUnresponsive(_overran(what, seconds))


class _Timer(threading.Thread):
    """Calls `fire` once `seconds` have passed, unless cancelled first. It counts with
    `pause`, short sleeps rather than one timed wait, which a shifted clock (libfaketime,
    as the test suite runs under) would stretch by the shift."""

    _STEP_S = 0.05

    def __init__(self, seconds: float, fire: Callable[[], None]) -> None:
        super().__init__(name="watchdog", daemon=True)
        self._seconds = seconds
        self._fire = fire
        self._cancelled = threading.Event()
        self._lock = threading.Lock()

    def cancel(self) -> None:
        """Once this returns, `fire` has either run to its end or never will."""
        with self._lock:
            self._cancelled.set()

    def run(self) -> None:
        if not pause(self._seconds, self._cancelled, step=self._STEP_S):
            return
        with self._lock:
            if not self._cancelled.is_set():
                self._fire()


def _overran(what: str, seconds: float) -> str:
    return (
        f"{what} did not answer within {seconds:g} s (a script on the page never yields); "
        "its browser was ended, and the next check tries again"
    )
