"""One IMAP mailbox heard over IDLE: each new mail read once, recognised, and yielded as a
MailEvent when it is Amazon's.

One connection per mailbox, over TLS (plain text only to this machine, and only when a
test asks for it), LOGIN with an app password or XOAUTH2 with an access token. The folder
is opened read-only and mails are fetched with BODY.PEEK, so nothing is marked as read.
IDLE is renewed before the 29 minutes after which a server may drop it (RFC 2177). A
dropped or silent connection is opened again after a growing, jittered delay; a refused
login is raised at once, never retried in a storm. Only UIDs above the last one handled
are fetched, under the same UIDVALIDITY, so a reconnect neither misses a mail nor yields
one twice. The password, the token and the output of `password_command` never reach a log
or an exception.
"""

from __future__ import annotations

import contextlib
import hashlib
import imaplib
import logging
import os
import random
import shlex
import shutil
import socket
import ssl
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError, LoginError
from imapclient.imapclient import SocketTimeout

from cancelwatch.scheduler.config.settings import MailSettings
from cancelwatch.scheduler.mail.recognise import MAX_MAIL_BYTES, Ignored, MailEvent, recognise
from cancelwatch.scheduler.mail.rules import MailRules
from cancelwatch.scraper.errors import ConfigError
from cancelwatch.scraper.pauses import pause

log = logging.getLogger(__name__)

IDLE_RENEW_S = 24 * 60.0
"""A server may end an IDLE after 29 minutes (RFC 2177); renewing earlier keeps it, and
shows a connection that died without a word."""
PASSWORD_COMMAND_TIMEOUT_S = 30.0
_LOOPBACK = frozenset({"127.0.0.1", "::1", "localhost"})
_SECRET_ENV_PREFIX = "CANCELWATCH_"
_MAX_SECRET_CHARS = 16_384
_POLL_S = 0.5

Credential = Callable[[], str]
"""Gives the password or access token for one login; called again at each connection,
so a token that expired is fetched afresh."""


class MailLoginRejected(ConfigError):
    """The mail server refused the user name and password or token.

    Next: check `username` under [accounts.NAME.mail], the app password in the keyring or
    what `password_command` prints. cancelwatch does not retry a refused login.
    """


class MailCredentialError(ConfigError):
    """`password_command` failed, timed out or printed nothing; its output is never shown."""


class MailFolderMissing(ConfigError):
    """The folder named under [accounts.NAME.mail] does not exist on the server."""


@dataclass(frozen=True)
class Checkpoint:
    """Where a mailbox was left: mails up to `last_uid` of this UIDVALIDITY are handled."""

    uidvalidity: int
    last_uid: int


@dataclass(frozen=True)
class Backoff:
    """Delays between attempts: doubling from `first_s` up to `most_s`, each one drawn
    between half and all of that, so many clients never retry in step."""

    first_s: float = 2.0
    most_s: float = 300.0

    def delay(self, attempt: int, draw: Callable[[], float] = random.random) -> float:
        ceiling = min(self.most_s, self.first_s * 2.0 ** min(attempt, 30))
        return ceiling * (0.5 + draw() / 2)


# -- credentials ----------------------------------------------------------------------------


def password_command(command: str, timeout_s: float = PASSWORD_COMMAND_TIMEOUT_S) -> Credential:
    """A Credential that runs the user's command (as isync's PassCmd, msmtp's passwordeval):
    its first line of output is the password or token."""
    return lambda: run_password_command(command, timeout_s)


def run_password_command(command: str, timeout_s: float = PASSWORD_COMMAND_TIMEOUT_S) -> str:
    """The first line `command` prints. Run without a shell (split as a shell would), with
    a time limit, and in an environment without cancelwatch's own secrets. Neither its
    output nor the command line ever appears in a log or an exception."""
    words = _words(command)
    program = shutil.which(words[0])
    if program is None:
        raise MailCredentialError(
            f"password_command: {words[0]!r} is not an executable program; "
            "check [accounts.NAME.mail] password_command"
        )
    try:
        done = subprocess.run(
            [program, *words[1:]],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=timeout_s,
            env=_clean_environment(),
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise MailCredentialError(
            f"password_command ({words[0]}) printed nothing within {timeout_s:g} s; "
            "is it waiting for input, like a locked keyring?"
        ) from None
    except OSError as exc:
        raise MailCredentialError(
            f"password_command ({words[0]}) could not run: {exc.strerror or type(exc).__name__}"
        ) from None
    if done.returncode != 0:
        raise MailCredentialError(
            f"password_command ({words[0]}) failed with exit code {done.returncode} "
            "(its output is not shown); run it yourself to see why"
        )
    secret = done.stdout[:_MAX_SECRET_CHARS].decode("utf-8", "replace").split("\n", 1)[0]
    secret = secret.strip()
    if not secret:
        raise MailCredentialError(
            f"password_command ({words[0]}) printed nothing; it should print the password "
            "or token on its first line"
        )
    return secret


def _words(command: str) -> list[str]:
    try:
        words = shlex.split(command)
    except ValueError:
        words = []
    if not words:
        raise MailCredentialError("password_command is not a command line (not shown here)")
    return words


def _clean_environment() -> dict[str, str]:
    """Ours without CANCELWATCH_* (the secrets file's passphrase among them)."""
    return {k: v for k, v in os.environ.items() if not k.startswith(_SECRET_ENV_PREFIX)}


# -- the mailbox ----------------------------------------------------------------------------


class ImapSource:
    """The Amazon mails arriving in one account's mailbox, as MailEvents.

    `events(stop)` runs until `stop` is set: connect, handle the mails that came while it
    was away (from `checkpoint` on, or only new ones the first time), IDLE, repeat. After
    each mail, `checkpoint` says how far it got, for the caller to keep.
    """

    def __init__(
        self,
        account: str,
        mail: MailSettings,
        rules: MailRules,
        credential: Credential,
        *,
        checkpoint: Checkpoint | None = None,
        allow_plain_loopback: bool = False,
        backoff: Backoff | None = None,
        idle_renew_s: float = IDLE_RENEW_S,
        timeout_s: float = 30.0,
        draw: Callable[[], float] = random.random,
    ) -> None:
        if allow_plain_loopback and mail.server not in _LOOPBACK:
            raise ConfigError(
                f"[accounts.{account}.mail] server {mail.server}: plain text IMAP is "
                "allowed to this machine only"
            )
        self.account = account
        self.mail = mail
        self.rules = rules
        self.checkpoint = checkpoint
        self._credential = credential
        self._plain = allow_plain_loopback
        self._backoff = backoff or Backoff()
        self._renew_s = idle_renew_s
        self._timeout_s = timeout_s
        self._draw = draw
        self.listening = threading.Event()
        """Set while the mailbox is selected and idling: a mail arriving now is heard."""
        self._live: IMAPClient | None = None
        self._live_lock = threading.Lock()

    def interrupt(self) -> None:
        """Wake a connection blocked in IDLE (from another thread, after setting `stop`):
        IDLE waits on the socket until news or the renewal, not in short polls, so that
        an idle watcher does not wake twice a second."""
        with self._live_lock:
            if self._live is None:
                return
            with contextlib.suppress(OSError):
                self._live.socket().shutdown(socket.SHUT_RDWR)

    def events(self, stop: threading.Event) -> Iterator[MailEvent]:
        attempt = 0
        while not stop.is_set():
            try:
                with self._connected() as client:
                    attempt = 0
                    yield from self._follow(client, stop)
            except (OSError, IMAPClientError, imaplib.IMAP4.error) as exc:
                self.listening.clear()
                if stop.is_set():
                    return  # interrupted on purpose
                wait = self._backoff.delay(attempt, self._draw)
                attempt += 1
                log.warning(
                    "mail of %s: %s (%s); connecting again in %.1f s",
                    self.account,
                    _why(exc),
                    self.mail.server,
                    wait,
                )
                pause(wait, stop, step=_POLL_S)

    @contextmanager
    def _connected(self) -> Iterator[IMAPClient]:
        client = IMAPClient(
            self.mail.server,
            port=self.mail.port,
            ssl=not self._plain,
            ssl_context=None if self._plain else ssl.create_default_context(),
            timeout=SocketTimeout(connect=self._timeout_s, read=self._timeout_s),
        )
        with self._live_lock:
            self._live = client
        try:
            self._login(client)
            yield client
        finally:
            with self._live_lock:
                self._live = None
            _close(client)

    def _login(self, client: IMAPClient) -> None:
        secret = self._credential()
        try:
            if self.mail.auth == "oauth2":
                client.oauth2_login(self.mail.username, secret)
            else:
                client.login(self.mail.username, secret)
        except LoginError:
            raise MailLoginRejected(
                f"{self.mail.server} refused the login of {self.mail.username!r} for account "
                f"{self.account}; check the user name and the "
                f"{'token' if self.mail.auth == 'oauth2' else 'app password'} "
                "(not retried)"
            ) from None

    def _follow(self, client: IMAPClient, stop: threading.Event) -> Iterator[MailEvent]:
        try:
            selected = client.select_folder(self.mail.folder, readonly=True)
        except IMAPClientError:
            raise MailFolderMissing(
                f"{self.mail.server} has no folder {self.mail.folder!r} for "
                f"{self.mail.username!r}; check [accounts.{self.account}.mail] folder"
            ) from None
        self._start_at(int(selected[b"UIDVALIDITY"]), int(selected.get(b"UIDNEXT", 0)), client)
        yield from self._new_mails(client)
        while not stop.is_set():
            client.idle()
            self.listening.set()
            try:
                self._await_news(client, stop)
            finally:
                self.listening.clear()
                client.idle_done()
            yield from self._new_mails(client)

    def _start_at(self, uidvalidity: int, uidnext: int, client: IMAPClient) -> None:
        known = self.checkpoint
        if known is not None and known.uidvalidity == uidvalidity:
            return
        if known is not None:
            log.warning(
                "mail of %s: the server renumbered %s (UIDVALIDITY changed); mails that "
                "arrived while cancelwatch was away are not read again",
                self.account,
                self.mail.folder,
            )
        last = uidnext - 1 if uidnext else max(client.search(["ALL"]), default=0)
        self.checkpoint = Checkpoint(uidvalidity, last)

    def _await_news(self, client: IMAPClient, stop: threading.Event) -> None:
        """Until a new mail, the renewal time, `stop`, or a wake-up that may be the
        connection closing (the IDLE ends and the next command finds out)."""
        deadline = time.monotonic() + self._renew_s
        while not stop.is_set():
            left = deadline - time.monotonic()
            if left <= 0:
                return
            started = time.monotonic()
            responses = client.idle_check(timeout=left)  # `interrupt` wakes it to stop
            if responses or time.monotonic() - started < left / 2:
                return

    def _new_mails(self, client: IMAPClient) -> Iterator[MailEvent]:
        assert self.checkpoint is not None  # set by _start_at
        after = self.checkpoint.last_uid
        uids = sorted(uid for uid in client.search(["UID", f"{after + 1}:*"]) if uid > after)
        if not uids:
            return
        sizes = client.fetch(uids, ["RFC822.SIZE"])
        for uid in uids:
            found = self._read(client, uid, sizes.get(uid, {}).get(b"RFC822.SIZE", 0))
            self.checkpoint = Checkpoint(self.checkpoint.uidvalidity, uid)
            if isinstance(found, MailEvent):
                yield found
            else:
                log.info(
                    "mail of %s: not acted on: %s: %s", self.account, found.reason, found.detail
                )

    def _read(self, client: IMAPClient, uid: int, size: int) -> MailEvent | Ignored:
        if size > MAX_MAIL_BYTES:
            detail = f"{size} bytes, more than the {MAX_MAIL_BYTES} an order mail can be"
            where = f"{self.mail.server}/{self.mail.folder}/{self.checkpoint}/{uid}"
            return Ignored("too_large", detail, hashlib.sha256(where.encode()).hexdigest())
        raw = client.fetch([uid], ["BODY.PEEK[]"]).get(uid, {}).get(b"BODY[]", b"")
        return recognise(raw, self.rules, self.mail.authserv_id)


def _said(found: Ignored) -> tuple[str, str]:
    return found.reason.replace("_", " "), found.detail


def _close(client: IMAPClient) -> None:
    try:
        client.logout()
    except (OSError, IMAPClientError, imaplib.IMAP4.error):
        try:
            client.shutdown()
        except (OSError, IMAPClientError, imaplib.IMAP4.error):
            log.debug("the IMAP connection was already gone")


def _why(exc: BaseException) -> str:
    """What went wrong, in words that hold no secret: the kind of error and the server's
    short answer (an IMAP error never echoes a password)."""
    if isinstance(exc, socket.timeout | TimeoutError):
        return "the server did not answer in time"
    if isinstance(exc, ConnectionRefusedError):
        return "the server refused the connection"
    if isinstance(exc, ssl.SSLError):
        return f"TLS failed ({exc.reason or type(exc).__name__})"
    text = str(exc).splitlines()[0][:200] if str(exc) else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
