"""Waiting a while, or less once asked to stop, in short sleeps.

Not `threading.Event.wait(seconds)`: an event's timeout becomes a point on the clock, and
tools that shift the clock (libfaketime, which the test suite's second pass runs under)
move that point out of reach, so the wait never ends. A sleep is a duration, and survives
the shift (docs/development.md).
"""

from __future__ import annotations

import threading
import time

STEP_S = 0.1
"""How soon a pause notices that it was asked to stop."""


def pause(seconds: float, stop: threading.Event, *, step: float = STEP_S) -> bool:
    """Wait `seconds`, or less once `stop` is set. True when the time ran out, False when
    `stop` cut it short."""
    deadline = time.monotonic() + seconds
    while not stop.is_set():
        left = deadline - time.monotonic()
        if left <= 0:
            return True
        time.sleep(min(left, step))
    return False
