"""The hand-over from the watcher to the process that runs its check: what the child
takes from its stdin, and that the stdin closing stops the check."""

from __future__ import annotations

import io
import json
import os
import signal
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from cancelwatch.scheduler.watch import child
from cancelwatch.scraper.browse import passphrase as pp
from cancelwatch.scraper.errors import UsageError

THEN = datetime(2099, 6, 1, 3, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _restore() -> Iterator[None]:
    before = signal.getsignal(signal.SIGTERM)
    yield
    signal.signal(signal.SIGTERM, before)
    pp.drop_passphrase()


def test_the_child_takes_the_watchers_time_and_passphrase() -> None:
    stop = threading.Event()
    said = json.dumps({"passphrase": "a test passphrase", "now": THEN.isoformat()})
    clock = child.follow_watcher(stop, io.StringIO(said + "\n"))
    assert THEN <= clock() < THEN + timedelta(minutes=1)
    assert pp.held_passphrase() == "a test passphrase"
    # A StringIO ends at once, as the stdin of a watcher that died does.
    assert stop.wait(5)


def test_sigterm_stops_the_childs_check() -> None:
    read_end, write_end = os.pipe()
    # The watcher's end closes first: the child's reading thread then ends, letting go of
    # its stdin, which can close only after that.
    with os.fdopen(read_end) as stdin, os.fdopen(write_end, "w") as watcher:
        stop = threading.Event()
        watcher.write(json.dumps({"passphrase": None, "now": THEN.isoformat()}) + "\n")
        watcher.flush()  # and the watcher keeps its end open: no end of file yet
        child.follow_watcher(stop, stdin)
        assert not stop.is_set()
        signal.raise_signal(signal.SIGTERM)
        assert stop.is_set()
        assert pp.held_passphrase() is None


@pytest.mark.parametrize(
    ("line", "said"),
    [
        ("", "watched-check is run by `cancelwatch watch`, not by hand"),
        ("not json\n", "watched-check: unreadable hand-over from the watcher"),
        ('["a"]\n', "watched-check: unreadable hand-over from the watcher"),
        ('{"now": 5}\n', "watched-check: unreadable hand-over from the watcher"),
        ('{"passphrase": null}\n', "watched-check: the watcher handed over no time"),
        ('{"now": "2099-06-01T03:00:00"}\n', "watched-check: the watcher handed over a time "
         "without its zone"),
    ],
)  # fmt: skip
def test_a_bad_hand_over_is_refused_with_a_clear_error(line: str, said: str) -> None:
    with pytest.raises(UsageError) as refused:
        child.follow_watcher(threading.Event(), io.StringIO(line))
    assert str(refused.value) == said
    assert refused.value.exit_code == 2


def test_the_childs_time_goes_on_from_the_hand_over_not_from_its_start() -> None:
    handed = time.monotonic() - 2.0  # the child took two seconds to start and read it
    said = json.dumps({"now": THEN.isoformat(), "at": repr(handed)})
    clock = child.follow_watcher(threading.Event(), io.StringIO(said + "\n"))
    assert THEN + timedelta(seconds=2) <= clock() < THEN + timedelta(minutes=1)


@pytest.mark.parametrize("at", ["soon", "nan", "inf", "-1e30", "1e30"])
def test_a_clock_reading_out_of_range_is_refused(at: str) -> None:
    said = json.dumps({"now": THEN.isoformat(), "at": at})
    with pytest.raises(UsageError) as refused:
        child.follow_watcher(threading.Event(), io.StringIO(said + "\n"))
    assert (
        str(refused.value) == "watched-check: the watcher handed over a clock reading out of range"
    )
