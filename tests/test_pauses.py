"""A pause (`scraper/pauses.py`): the crawl's between pages under `watch`, the mail
watcher's between reconnects. It ends at its time, sooner once asked to stop, and under
a shifted clock as under a real one."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time

from cancelwatch.scraper.pauses import STEP_S, pause


def test_a_pause_lasts_its_time_when_nobody_stops_it():
    began = time.monotonic()
    assert pause(0.3, threading.Event()) is True
    assert 0.3 <= time.monotonic() - began < 2.0


def test_a_pause_ends_within_a_step_of_being_stopped():
    stop = threading.Event()

    def stop_soon() -> None:
        time.sleep(0.2)  # not threading.Timer: its timed wait would not end under faketime
        stop.set()

    began = time.monotonic()
    threading.Thread(target=stop_soon, daemon=True).start()
    assert pause(60.0, stop) is False
    assert time.monotonic() - began < 0.2 + STEP_S + 1.0


def test_a_pause_already_stopped_does_not_wait():
    stop = threading.Event()
    stop.set()
    began = time.monotonic()
    assert pause(60.0, stop) is False
    assert time.monotonic() - began < 0.5


_UNDER_A_SHIFTED_CLOCK = """
import threading, time
from cancelwatch.scraper.pauses import pause
pause(0.3, threading.Event())
print("ended")
"""


def test_a_pause_ends_under_a_clock_a_year_ahead():
    """libfaketime moves the clocks a timed wait's deadline is set on, and such a wait
    never ends there (`threading.Event().wait(0.3)` does not); the pause still does."""
    done = subprocess.run(
        ["faketime", "-f", "+400d", sys.executable, "-c", _UNDER_A_SHIFTED_CLOCK],
        capture_output=True,
        text=True,
        timeout=20,
        env={k: v for k, v in os.environ.items() if k not in ("FAKETIME", "LD_PRELOAD")},
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ended"
