"""A local Maildir as a source of Amazon's mails, for mail synced by mbsync, offlineimap or
fetchmail: each mail that lands in new/ or cur/ is read once, recognised by the same
rules as over IMAP, and yielded as a MailEvent when it is Amazon's.

The folders are watched by watchdog (inotify on Linux, FSEvents on macOS), not polled. A
mail is delivered into tmp/ and then moved or linked into new/, so it is whole when it
appears there; one written in place is read again when its writer closes it. A mail
moved from new/ to cur/ (read by a mail program) or renamed for its flags is the same
mail: it is read once per run, and the caller's record of Message-ID hashes covers
restarts. Mails already in new/ when the source starts are read first: they are the
ones no mail program has seen yet. Nothing in the Maildir is ever written.
"""

from __future__ import annotations

import logging
import os
import queue
import stat
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from cancelwatch.scheduler.mail.recognise import MAX_MAIL_BYTES, Ignored, MailEvent, recognise
from cancelwatch.scheduler.mail.rules import MailRules
from cancelwatch.scraper.errors import ConfigError

if TYPE_CHECKING:
    from watchdog.events import FileSystemEvent
    from watchdog.observers.api import BaseObserver

log = logging.getLogger(__name__)

_SUBFOLDERS = ("new", "cur")
_POLL_S = 0.2
_REMEMBERED = 10_000
"""How many mails a run remembers, to read a mail moved within the Maildir once."""


class NotAMaildir(ConfigError):
    """The folder given as a Maildir has no new/ and cur/ inside."""


class _Arrivals:
    """The paths of files that appear in new/ or cur/, for the reading thread."""

    def __init__(self, folders: tuple[Path, ...]) -> None:
        self.folders = folders
        self.paths: queue.Queue[Path] = queue.Queue()

    def heard(self, event: FileSystemEvent) -> None:
        if event.is_directory or event.event_type not in ("created", "moved", "closed"):
            return
        where = event.dest_path if event.event_type == "moved" else event.src_path
        path = Path(os.fsdecode(where))
        if path.parent in self.folders:
            self.paths.put(path)


def _observer(arrivals: _Arrivals) -> BaseObserver:
    """A watchdog observer of `arrivals`' folders, not started."""
    # watchdog is imported here, not at the top: `cancelwatch watch` imports this module
    # (through the mail command) but never watches a Maildir, and watchdog kept its idle
    # memory 0.5 MiB higher (benchmarks/README.md, the watcher idle).
    from watchdog.events import FileSystemEventHandler  # noqa: PLC0415 (lazy: see above)
    from watchdog.observers import Observer  # noqa: PLC0415 (lazy: see above)

    class Handler(FileSystemEventHandler):
        def on_any_event(self, event: FileSystemEvent) -> None:
            arrivals.heard(event)

    observer = Observer()
    for sub in arrivals.folders:
        observer.schedule(Handler(), str(sub), recursive=False)
    return observer


class MaildirSource:
    """The Amazon mails arriving in one Maildir, as MailEvents (`events(stop)` runs until
    `stop` is set)."""

    def __init__(self, account: str, folder: Path, rules: MailRules, authserv_id: str) -> None:
        self.account = account
        self.folder = folder.expanduser()
        self.rules = rules
        self.authserv_id = authserv_id
        self.listening = threading.Event()
        """Set while the folders are watched: a mail arriving now is heard."""
        self._read: OrderedDict[str, None] = OrderedDict()

    def interrupt(self) -> None:
        """Nothing to wake: `events` looks at `stop` between its short sleeps."""

    def events(self, stop: threading.Event) -> Iterator[MailEvent]:
        folders = self._folders()
        arrivals = _Arrivals(folders)
        observer = _observer(arrivals)
        observer.start()
        try:
            self.listening.set()
            waiting = sorted(folders[0].iterdir())
            for path in waiting:
                yield from self._handle(path)
            while not stop.is_set():
                try:
                    path = arrivals.paths.get_nowait()
                except queue.Empty:
                    # A sleep, not `get(timeout=...)`: a timeout is a point on the clock,
                    # which libfaketime (the tests' clock a year ahead) moves out of reach.
                    time.sleep(_POLL_S)
                    continue
                yield from self._handle(path)
        finally:
            self.listening.clear()
            observer.stop()
            observer.join()

    def _folders(self) -> tuple[Path, ...]:
        folders = tuple((self.folder / sub).resolve() for sub in _SUBFOLDERS)
        if not all(sub.is_dir() for sub in folders):
            raise NotAMaildir(
                f"{self.folder} is not a Maildir (it needs new/ and cur/ inside); give the "
                "folder your mail program (mbsync, offlineimap, fetchmail) delivers into"
            )
        return folders

    def _handle(self, path: Path) -> Iterator[MailEvent]:
        name = path.name.split(":", 1)[0]  # the unique name, without the flags
        if name.startswith("."):
            return
        raw = _read(path)
        # By name and size: a mail written in place is read again once it is whole.
        seen = f"{name}/{len(raw or b'')}"
        if raw is None or seen in self._read:
            return
        self._remember(seen)
        found = recognise(raw, self.rules, self.authserv_id)
        if isinstance(found, Ignored):
            log.info("mail of %s: not acted on: %s: %s", self.account, found.reason, found.detail)
            return
        yield found

    def _remember(self, name: str) -> None:
        self._read[name] = None
        if len(self._read) > _REMEMBERED:
            self._read.popitem(last=False)


def _read(path: Path) -> bytes | None:
    """The mail's bytes; None when it is gone (moved on meanwhile), not a regular file,
    or larger than an order mail can be (read no further than that)."""
    try:
        fd = os.open(
            path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
        )
    except OSError:
        return None
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            return None
        if info.st_size > MAX_MAIL_BYTES:
            log.info("a file of %d bytes in the Maildir is no order mail; not read", info.st_size)
            return None
        return handle.read(MAX_MAIL_BYTES + 1)
