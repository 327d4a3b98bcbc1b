"""A local Maildir as a source: a mail moved into new/ is heard within seconds, a mail
moved on to cur/ is not heard twice, mails waiting in new/ are read at the start, and
what is not an Amazon mail (a phishing copy, a huge file, a symlink) yields nothing."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from cancelwatch.scheduler.mail.maildir import MaildirSource, NotAMaildir
from cancelwatch.scheduler.mail.recognise import MAX_MAIL_BYTES, MailEvent
from cancelwatch.scheduler.mail.rules import load_rules
from cancelwatch.scheduler.state.store import State
from cancelwatch.scheduler.watch.mailwatch import Mailbox, MailWatch
from tests.mail_samples import SERVER, jp_order
from tests.test_mail_imap import order_mail

RULES = load_rules()
HEARD_WITHIN_S = 5.0
PATIENCE_S = 20.0


@pytest.fixture
def maildir(tmp_path: Path) -> Path:
    folder = tmp_path / "Mail" / "INBOX"
    for sub in ("tmp", "new", "cur"):
        (folder / sub).mkdir(parents=True)
    return folder


def deliver(folder: Path, name: str, raw: bytes) -> float:
    """As a delivery agent does: written whole into tmp/, then moved into new/."""
    staged = folder / "tmp" / name
    staged.write_bytes(raw)
    staged.rename(folder / "new" / name)
    return time.monotonic()


class Listener:
    def __init__(self, source: MaildirSource) -> None:
        self.source = source
        self.stop = threading.Event()
        self.items: queue.Queue[tuple[float, MailEvent] | BaseException] = queue.Queue()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        try:
            for event in self.source.events(self.stop):
                self.items.put((time.monotonic(), event))
        except BaseException as exc:  # handed to the test thread
            self.items.put(exc)

    def next(self) -> tuple[float, MailEvent]:
        item = self.items.get(timeout=PATIENCE_S)
        if isinstance(item, BaseException):
            raise item
        return item


@contextmanager
def listening(folder: Path) -> Iterator[Listener]:
    listener = Listener(MaildirSource("main", folder, RULES, SERVER))
    listener.thread.start()
    assert listener.source.listening.wait(PATIENCE_S)
    try:
        yield listener
    finally:
        listener.stop.set()
        listener.thread.join(timeout=PATIENCE_S)
        assert not listener.thread.is_alive(), "the source did not stop"


def test_a_mail_moved_into_new_is_heard_within_seconds(maildir: Path) -> None:
    with listening(maildir) as listener:
        sent = deliver(maildir, "1700000000.M1P1.host", order_mail("113-1000000-0000001"))
        at, event = listener.next()
    assert (event.kind, event.order_ids) == ("ordered", ("113-1000000-0000001",))
    assert at - sent < HEARD_WITHIN_S


def test_a_mail_moved_on_to_cur_is_not_heard_twice(maildir: Path) -> None:
    with listening(maildir) as listener:
        deliver(maildir, "1700000001.M1P1.host", order_mail("113-2000000-0000001"))
        assert listener.next()[1].order_ids == ("113-2000000-0000001",)
        # A mail program read it: moved to cur/ with its flags, then flagged again.
        read = (maildir / "new" / "1700000001.M1P1.host").rename(
            maildir / "cur" / "1700000001.M1P1.host:2,S"
        )
        read.rename(maildir / "cur" / "1700000001.M1P1.host:2,RS")
        deliver(maildir, "1700000002.M1P1.host", order_mail("113-2000000-0000002"))
        assert listener.next()[1].order_ids == ("113-2000000-0000002",)
    assert listener.items.empty()


def test_what_is_not_amazons_yields_nothing(maildir: Path, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere"
    outside.write_bytes(order_mail("113-3000000-0000009"))
    with listening(maildir) as listener:
        deliver(maildir, "a.phish", jp_order(auth=[f"{SERVER}; dkim=fail"], message_id="<p@x>"))
        deliver(maildir, "b.huge", b"X" * (MAX_MAIL_BYTES + 1))
        (maildir / "tmp" / "c.link").symlink_to(outside)
        (maildir / "tmp" / "c.link").rename(maildir / "new" / "c.link")
        deliver(maildir, "d.tmp-only", b"")
        deliver(maildir, "e.real", order_mail("113-3000000-0000001"))
        # Files are handled in the order they came: the real one is the first event.
        assert listener.next()[1].order_ids == ("113-3000000-0000001",)
    assert listener.items.empty()


def test_mails_waiting_in_new_are_read_at_the_start(maildir: Path) -> None:
    (maildir / "new" / "1700000003.M1P1.host").write_bytes(order_mail("113-4000000-0000001"))
    (maildir / "cur" / "1699999999.M1P1.host:2,S").write_bytes(order_mail("113-4000000-0000000"))
    with listening(maildir) as listener:
        assert listener.next()[1].order_ids == ("113-4000000-0000001",)
        deliver(maildir, "1700000004.M1P1.host", order_mail("113-4000000-0000002"))
        # Not the one already read in cur/: the next event is the new mail.
        assert listener.next()[1].order_ids == ("113-4000000-0000002",)


def test_a_folder_that_is_not_a_maildir_is_one_clear_error(tmp_path: Path) -> None:
    source = MaildirSource("main", tmp_path / "nothing", RULES, SERVER)
    with pytest.raises(NotAMaildir, match="is not a Maildir") as caught:
        next(source.events(threading.Event()))
    assert caught.value.exit_code == 2


def test_a_maildir_mail_asks_for_a_check(maildir: Path, tmp_path: Path) -> None:
    asked: queue.Queue[tuple[str, str]] = queue.Queue()
    source = MaildirSource("main", maildir, RULES, SERVER)
    with State.open(tmp_path / "state.db") as state:
        watch = MailWatch(state, lambda a, r: asked.put((a, r)), [Mailbox("main", source)])
        watch.start()
        try:
            assert source.listening.wait(PATIENCE_S)
            deliver(maildir, "1700000005.M1P1.host", jp_order())
            account, reason = asked.get(timeout=PATIENCE_S)
        finally:
            watch.stop()
        assert [m.order_id for m in state.mails()] == ["503-1234567-7654321"]
    assert account == "main"
    assert "503-1234567-7654321" in reason


def test_cancelwatch_mail_prints_what_it_hears_until_stopped(maildir: Path, tmp_path: Path) -> None:
    (maildir / "new" / "1700000006.M1P1.host").write_bytes(jp_order())
    env = {**os.environ, "CANCELWATCH_HOME": str(tmp_path / "home")}
    command = [sys.executable, "-m", "cancelwatch.scheduler.cli", "mail"]
    with subprocess.Popen(
        [*command, "--maildir", str(maildir), "--authserv-id", SERVER],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    ) as running:
        assert running.stdout is not None
        lines = [running.stdout.readline(), running.stdout.readline()]
        running.send_signal(signal.SIGINT)
        _, err = running.communicate(timeout=PATIENCE_S)
    assert running.returncode == 0, err
    assert "main: a check would start now (a mail: ordered (503-1234567-7654321))" in lines[0]
    assert "mail 'ordered' (503-1234567-7654321), sent 2026-11-30 05:12:09 UTC" in lines[1]
    assert "cancelwatch: stopped" in err


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["mail"], "no mailbox to listen to"),
        (["mail", "--maildir", "."], "--maildir needs --authserv-id"),
        (["mail", "--maildir", "nowhere", "--authserv-id", SERVER], "is not a Maildir"),
    ],
)
def test_cancelwatch_mail_without_a_mailbox_is_one_clear_error(
    argv: list[str], said: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CANCELWATCH_HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)
    done = subprocess.run(
        [sys.executable, "-m", "cancelwatch.scheduler.cli", *argv],
        capture_output=True,
        text=True,
        timeout=PATIENCE_S,
        check=False,
    )
    assert done.returncode == 2
    assert said in done.stderr
    assert "Traceback" not in done.stderr
