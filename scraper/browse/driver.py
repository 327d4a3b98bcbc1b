"""The Playwright driver, which a command may start before the check that needs it.

The driver is a Node.js process; starting it takes about 0.2 s, nearly all of it waiting
for Node to boot. `cancelwatch check` starts it first thing and does its own imports
meanwhile (`scheduler/cli/entry.py`); the check then takes the driver that is waiting
instead of starting one. Playwright's sync API belongs to the thread that started it, so
only that thread may take it."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from playwright.sync_api import Playwright, sync_playwright
from playwright.sync_api._context_manager import PlaywrightContextManager

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Ahead:
    manager: PlaywrightContextManager
    playwright: Playwright
    thread: int


_ahead: list[_Ahead] = []
"""The driver started ahead and not yet taken: none or one."""


def start_ahead() -> bool:
    """Start a driver for this thread's next `playwright()`; whether one is waiting now.

    A driver that does not start is no error here: the check starts its own and says
    what went wrong in its own words, where the user's language is known."""
    if _ahead:
        return True
    manager = sync_playwright()
    try:
        started = manager.start()
    except Exception as exc:  # whatever it is, the check meets it again and reports it
        log.debug("the browser's driver did not start ahead: %s", exc)
        return False
    _ahead.append(_Ahead(manager, started, threading.get_ident()))
    return True


def discard_ahead() -> None:
    """Stop a driver started ahead that no check took: the check was refused, or failed
    before it needed a browser."""
    while _ahead:
        _stop(_ahead.pop())


def waiting() -> bool:
    """Whether a driver started ahead waits for this thread."""
    return any(ahead.thread == threading.get_ident() for ahead in _ahead)


@contextmanager
def playwright() -> Iterator[Playwright]:
    """The driver started ahead in this thread if one waits, else a new one; stopped when
    the block ends either way."""
    if not waiting():
        with sync_playwright() as fresh:
            yield fresh
        return
    ahead = _ahead.pop()
    try:
        yield ahead.playwright
    finally:
        _stop(ahead)


def _stop(ahead: _Ahead) -> None:
    ahead.manager.__exit__(None, None, None)
