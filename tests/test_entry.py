"""The console script's entry (`scheduler/cli/entry.py`) and the driver it starts ahead
(`scraper/browse/driver.py`): the check gets the driver that booted while the command
line imported, nobody else does, and none outlives the command.

The drivers here are real Node.js processes, found among this process's children. Each
test starts them in a thread of its own: Playwright's sync API belongs to the thread that
started it, and the test session's own driver (conftest.py) may hold the main thread.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pytest
from playwright.sync_api import Error as PlaywrightError

from cancelwatch.scheduler.cli import entry
from cancelwatch.scheduler.cli.commands import COMMANDS, READS_AMAZON
from cancelwatch.scraper.browse import driver
from tests.processes import gone

ROOT = Path(__file__).resolve().parents[1]
T = TypeVar("T")


def _children() -> set[int]:
    """The pids of this process's children, whichever thread started them."""
    pids: set[int] = set()
    for task in Path("/proc/self/task").iterdir():
        try:
            pids.update(int(pid) for pid in (task / "children").read_text().split())
        except OSError:  # the thread ended meanwhile
            continue
    return pids


def _in_thread(work: Callable[[], T]) -> T:
    """Run `work` in a fresh thread (no running event loop there); its result, or its
    exception raised here."""
    done: list[T] = []
    failed: list[BaseException] = []

    def run() -> None:
        try:
            done.append(work())
        except BaseException as exc:
            failed.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(60)
    assert not thread.is_alive(), "the work did not end within 60 s"
    if failed:
        raise failed[0]
    return done[0]


@pytest.fixture(autouse=True)
def nothing_waits_after() -> object:
    yield None
    leftover = list(driver._ahead)
    driver._ahead.clear()
    assert not leftover, "a test left a driver started ahead"


# -- which commands get a driver ahead --------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["check"], "check"),
        (["-v", "check", "--account", "main"], "check"),
        (["-vv", "-q", "check"], "check"),
        (["watched-check", "main"], "watched-check"),
        (["check", "--help"], None),
        (["-h", "check"], None),
        (["--version"], None),
        (["status"], None),
        (["watch"], None),
        (["demo"], None),
        (["-v"], None),
        ([], None),
    ],
)
def test_only_a_command_that_opens_a_browser_at_once_starts_a_driver(argv, expected):
    assert entry.browser_command(argv) == expected


def test_what_is_imported_meanwhile_exists():
    assert set(READS_AMAZON) <= set(COMMANDS)
    for command in READS_AMAZON:
        names = entry.imports_of(command)
        assert f"cancelwatch.scheduler.cli.{COMMANDS[command]}" in names
        for name in names:
            assert importlib.util.find_spec(name) is not None, name


# -- the driver started ahead ---------------------------------------------------------------------


def test_the_check_gets_the_driver_started_ahead_and_stops_it():
    def work() -> tuple[set[int], set[int], set[int], str]:
        before = _children()
        assert driver.start_ahead()
        assert driver.waiting()
        ahead = _children() - before
        with driver.playwright() as playwright:
            assert not driver.waiting()
            during = _children() - before
            name = playwright.chromium.name
        return ahead, during, _children() - before, name

    ahead, during, _after, name = _in_thread(work)
    assert len(ahead) == 1, "starting ahead starts one driver process"
    assert during == ahead, "the check got the waiting driver, not a second one"
    assert name == "chromium"
    assert gone(next(iter(ahead))), "the driver stops when the check's block ends"


def test_another_thread_starts_a_driver_of_its_own():
    """The sync API belongs to the thread that started it: another thread's check must not
    take it (it would fail there), and the waiting one stays for its own thread."""
    before = _children()
    own: list[set[int]] = []

    def other_thread() -> None:
        assert not driver.waiting()
        with driver.playwright():
            own.append(_children() - before)

    def work() -> set[int]:
        assert driver.start_ahead()
        ahead = _children() - before
        _in_thread(other_thread)
        assert driver.waiting(), "the driver started ahead still waits for its thread"
        driver.discard_ahead()
        return ahead

    ahead = _in_thread(work)
    assert len(own[0] - ahead) == 1, "the other thread ran a driver of its own"
    assert gone(next(iter(ahead)))


def test_a_driver_no_check_took_is_stopped():
    def work() -> set[int]:
        before = _children()
        assert driver.start_ahead()
        started = _children() - before
        driver.discard_ahead()
        assert not driver.waiting()
        return started

    started = _in_thread(work)
    assert len(started) == 1
    assert gone(next(iter(started)))


def test_a_driver_that_does_not_start_is_left_to_the_check(monkeypatch):
    """No error at the entry, where the user's language is not known yet: the check starts
    its own driver, meets the same failure and reports it in its own words."""

    class Broken:
        def start(self) -> None:
            raise PlaywrightError("driver: node not found")

        def __enter__(self) -> None:
            self.start()

        def __exit__(self, *exc: object) -> None:
            return None

    monkeypatch.setattr(driver, "sync_playwright", Broken)

    def work() -> None:
        assert driver.start_ahead() is False
        assert not driver.waiting()
        with driver.playwright():
            pass

    with pytest.raises(PlaywrightError, match="node not found"):
        _in_thread(work)


# -- the entry --------------------------------------------------------------------------------


def test_the_entry_stops_the_driver_when_the_command_ends_without_it(monkeypatch):
    """A refused check (the limits between checks) never opens its browser: the driver
    started ahead is stopped before the process ends."""
    seen: list[set[int]] = []
    before = _children()

    def refused() -> None:
        assert driver.waiting()
        seen.append(_children() - before)
        raise SystemExit(2)

    monkeypatch.setattr(entry, "_run_cli", refused)
    monkeypatch.setattr(sys, "argv", ["cancelwatch", "check"])

    def work() -> int:
        with pytest.raises(SystemExit) as ended:
            entry.main()
        assert not driver.waiting()
        return int(ended.value.code or 0)

    assert _in_thread(work) == 2
    assert len(seen[0]) == 1
    assert gone(next(iter(seen[0])))


def test_ctrl_c_while_the_driver_starts_ends_like_ctrl_c_in_a_command(
    monkeypatch, capsys, tmp_path
):
    monkeypatch.setenv("CANCELWATCH_HOME", str(tmp_path))
    monkeypatch.setenv("LANG", "C.UTF-8")

    def interrupted() -> bool:
        raise KeyboardInterrupt

    monkeypatch.setattr(driver, "start_ahead", interrupted)
    monkeypatch.setattr(sys, "argv", ["cancelwatch", "check"])
    with pytest.raises(SystemExit) as ended:
        _in_thread(entry.main)
    assert ended.value.code == 130
    assert capsys.readouterr().err.strip() == "cancelwatch: aborted"


_INSPECT = """\
import sys
from pathlib import Path
from cancelwatch.scheduler.cli import entry

def inspect():
    children = set()
    for task in Path("/proc/self/task").iterdir():
        children.update((task / "children").read_text().split())
    for pid in children:
        environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\\0")
        print(pid, any(v.startswith(b"CANCELWATCH_PASSPHRASE") or b"hunter2" in v for v in environ))

entry._run_cli = inspect
sys.argv = ["cancelwatch", "check"]
entry.main()
"""


def test_the_driver_started_ahead_never_sees_the_passphrase(tmp_path):
    env = {
        "PATH": os.environ["PATH"],
        "PYTHONPATH": str(ROOT),
        "HOME": str(tmp_path),
        "CANCELWATCH_HOME": str(tmp_path / "home"),
        "CANCELWATCH_PASSPHRASE": "hunter2 is my passphrase",
    }
    done = subprocess.run(
        [sys.executable, "-c", _INSPECT],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    lines = done.stdout.split()
    assert len(lines) == 2, f"one driver started ahead, saw: {done.stdout!r} {done.stderr!r}"
    assert lines[1] == "False", "the driver's environment holds the passphrase"
