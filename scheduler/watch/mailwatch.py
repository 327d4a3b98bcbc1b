"""The mail trigger (issue 10): one thread per mailbox hears Amazon's order mails, records
each once, and asks for a check of its account.

A mail says only "look now" and "this order was placed at T"; the order page stays the
truth. Each mail is recorded by its Message-ID hash before anything is done, so a mail
heard twice (a reconnect, Maildir's move from new/ to cur/) is acted on once. Every new
order, shipment or cancellation mail asks; the watcher merges the requests that come
before a check starts into that check, and those that come while it runs into one more
check when the minimum gap allows. Dropping a request here instead would lose an order
placed after the check read the list (two purchases a few seconds apart). No thread and
no connection exists when no account has a mailbox.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol

from cancelwatch.scheduler.config.settings import Account, Config, MailSettings
from cancelwatch.scheduler.mail.imap import (
    Checkpoint,
    Credential,
    ImapSource,
    MailCredentialError,
    password_command,
)
from cancelwatch.scheduler.mail.recognise import MailEvent
from cancelwatch.scheduler.mail.rules import Kind, MailRules, load_rules
from cancelwatch.scheduler.state.mails import mailbox_key
from cancelwatch.scheduler.state.store import State
from cancelwatch.scraper.browse.credentials import MAIL_PASSWORD_KEY, SecretStore, secret_store
from cancelwatch.scraper.errors import CancelwatchError

log = logging.getLogger(__name__)

RequestCheck = Callable[[str, str], None]
"""Asks the watcher for a check of an account now, saying why; the watcher's own limits
(one at a time, a minimum gap, a daily ceiling) decide when it runs."""
TRIGGERS: frozenset[Kind] = frozenset({"ordered", "shipped", "cancelled"})
"""The kinds that change what can still be cancelled; a delivery mail is only recorded."""
_JOIN_S = 40.0


class Source(Protocol):
    def events(self, stop: threading.Event) -> Iterator[MailEvent]: ...

    def interrupt(self) -> None:
        """Wake `events` from a wait, after `stop` is set."""


@dataclass
class Mailbox:
    """One source of an account's mails; `key` names its IMAP checkpoint in state.db
    (None: a source that keeps none, like a Maildir)."""

    account: str
    source: Source
    key: str | None = None


@dataclass(frozen=True)
class Heard:
    """What became of one mail: for `cancelwatch mail` to print."""

    account: str
    event: MailEvent
    new: bool
    """False: heard before (by its Message-ID), not acted on again."""
    requested: bool
    """Whether it asked for a check (not: heard before, or a delivery)."""


def keyring_credential(account: str, store: Callable[[], SecretStore] = secret_store) -> Credential:
    """The app password kept in the secret store for `account`'s mailbox."""

    def read() -> str:
        value = store().get(account, MAIL_PASSWORD_KEY)
        if not value:
            raise MailCredentialError(
                f"no mail password stored for account {account}: run `cancelwatch mail "
                f"--set-password --account {account}`, or set password_command under "
                f"[accounts.{account}.mail]"
            )
        return value

    return read


def credential(account: str, mail: MailSettings) -> Credential:
    if mail.password_command:
        return password_command(mail.password_command)
    return keyring_credential(account)


def imap_mailboxes(
    accounts: Sequence[Account], state: State | None, rules: MailRules | None = None
) -> list[Mailbox]:
    """One IMAP mailbox per account with [accounts.NAME.mail], from its checkpoint in
    `state` (None: from the newest mail on, as a trial run hears them)."""
    boxes = []
    for account in accounts:
        mail = account.mail
        if mail is None:
            continue
        key = mailbox_key(mail.server, mail.port, mail.username, mail.folder)
        known = state.mail_checkpoint(account.name, key) if state is not None else None
        source = ImapSource(
            account.name,
            mail,
            rules or load_rules(),
            credential(account.name, mail),
            checkpoint=Checkpoint(*known) if known else None,
        )
        boxes.append(Mailbox(account.name, source, key))
    return boxes


def config_mailboxes(cfg: Config, state: State) -> list[Mailbox]:
    return imap_mailboxes(list(cfg.accounts.values()), state)


class MailWatch:
    """Runs each mailbox in a thread of its own until `stop`."""

    def __init__(
        self,
        state: State,
        request_check: RequestCheck,
        mailboxes: Sequence[Mailbox],
        *,
        on_heard: Callable[[Heard], None] | None = None,
        keep: bool = True,
    ) -> None:
        self.state = state
        self.keep = keep
        """False: a trial run (`cancelwatch mail`) that records no mail and saves no
        checkpoint, so a watcher running meanwhile still acts on every mail."""
        self.mailboxes = list(mailboxes)
        self.failures: dict[str, CancelwatchError] = {}
        """The mailboxes that stopped on an error only the user can fix, by account."""
        self._request = request_check
        self._on_heard = on_heard
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        for box in self.mailboxes:
            thread = threading.Thread(
                target=self._follow, args=(box,), name=f"mail {box.account}", daemon=True
            )
            self._threads.append(thread)
            thread.start()

    def stop(self) -> None:
        """Stop every mailbox and wait for its thread (a connection in IDLE is woken)."""
        self._stop.set()
        for box in self.mailboxes:
            box.source.interrupt()
        for thread in self._threads:
            thread.join(timeout=_JOIN_S)

    def running(self) -> bool:
        return any(thread.is_alive() for thread in self._threads)

    def _follow(self, box: Mailbox) -> None:
        try:
            for event in box.source.events(self._stop):
                self._heard(box, event)
        except CancelwatchError as exc:
            log.error("mail of %s stopped: %s", box.account, exc)
            self.failures[box.account] = exc
        except Exception:
            log.exception("mail of %s stopped on an unexpected error", box.account)
        finally:
            self._save(box)

    def _heard(self, box: Mailbox, event: MailEvent) -> None:
        # Recorded before the checkpoint moves on: a crash between the two hears the
        # mail again, and the record says it was acted on.
        new = not self.keep or self.state.record_mail(
            box.account,
            message_hash=event.message_hash,
            kind=event.kind,
            order_ids=event.order_ids,
            sent_at=event.sent_at,
        )
        self._save(box)
        requested = new and event.kind in TRIGGERS
        if requested:
            self._ask(box.account, event)
        elif not new:
            log.info("mail of %s: heard before, not acted on again", box.account)
        if self._on_heard is not None:
            self._on_heard(Heard(box.account, event, new, requested))

    def _ask(self, account: str, event: MailEvent) -> None:
        orders = ", ".join(event.order_ids) or "no order number"
        try:
            self._request(account, f"a mail: {event.kind} ({orders})")
        except CancelwatchError as exc:
            log.warning("mail of %s: the check was not started: %s", account, exc)

    def _save(self, box: Mailbox) -> None:
        checkpoint = getattr(box.source, "checkpoint", None)
        if not self.keep or box.key is None or not isinstance(checkpoint, Checkpoint):
            return
        self.state.save_mail_checkpoint(
            box.account, box.key, checkpoint.uidvalidity, checkpoint.last_uid
        )
