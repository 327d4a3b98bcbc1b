"""`cancelwatch mail`: the mail trigger in the foreground, printing what it hears, for
trying a mail set-up; and `--set-password` to keep a mailbox's app password in the
keyring."""

from __future__ import annotations

import signal
import threading
import time
from pathlib import Path
from types import FrameType

import click

from cancelwatch.scheduler.cli.context import App, account_option, pass_app
from cancelwatch.scheduler.config.settings import Account, Config
from cancelwatch.scheduler.mail.maildir import MaildirSource
from cancelwatch.scheduler.mail.rules import load_rules
from cancelwatch.scheduler.watch.mailwatch import (
    Heard,
    Mailbox,
    MailWatch,
    imap_mailboxes,
)
from cancelwatch.scraper.browse.credentials import MAIL_PASSWORD_KEY, secret_store
from cancelwatch.scraper.errors import ConfigError

_POLL_S = 0.5


@click.command()
@account_option("Only this account's mailbox (the account a --maildir's mails are for).")
@click.option(
    "--maildir",
    type=click.Path(path_type=Path, file_okay=False),
    help="Watch this local Maildir (synced by mbsync, offlineimap, fetchmail) too.",
)
@click.option(
    "--authserv-id",
    help="With --maildir: the receiving server's name in Authentication-Results, "
    'like "mx.google.com".',
)
@click.option(
    "--set-password",
    is_flag=True,
    help="Store the account's mail app password in the keyring, then exit.",
)
@pass_app
def mail(
    app: App,
    account: str | None,
    maildir: Path | None,
    authserv_id: str | None,
    set_password: bool,
) -> None:
    """Listen for Amazon's order mails in the foreground and print each one heard, and the
    check it would start, until stopped (Ctrl-C). A trial: it records nothing and starts
    no check; `cancelwatch watch` listens and checks."""
    cfg = app.config
    if set_password:
        _store_password(cfg.account(account))
        return
    boxes = _mailboxes(cfg, account, maildir, authserv_id)
    # A trial: it keeps nothing, so `watch` running meanwhile still acts on every mail.
    watch = MailWatch(app.state, _print_request, boxes, on_heard=_print_heard, keep=False)
    click.echo(f"cancelwatch: listening to {len(boxes)} mailbox(es); Ctrl-C stops", err=True)
    _run(watch)
    if watch.failures and len(watch.failures) == len(boxes):
        raise next(iter(watch.failures.values()))
    click.echo("cancelwatch: stopped", err=True)


def _mailboxes(
    cfg: Config, account: str | None, maildir: Path | None, authserv_id: str | None
) -> list[Mailbox]:
    accounts = [cfg.account(account)] if account else list(cfg.accounts.values())
    boxes = imap_mailboxes(accounts, None)
    if maildir is not None:
        if not authserv_id:
            raise ConfigError(
                "--maildir needs --authserv-id: the name your mail provider's server writes "
                'in Authentication-Results (Gmail: "mx.google.com")'
            )
        owner = cfg.account(account).name if cfg.accounts else account or "main"
        source = MaildirSource(owner, maildir, load_rules(), authserv_id)
        boxes.append(Mailbox(owner, source))
    if not boxes:
        raise ConfigError(
            "no mailbox to listen to: add [accounts.NAME.mail] with server, username and "
            "authserv_id to config.toml, or pass --maildir"
        )
    return boxes


def _store_password(account: Account) -> None:
    if account.mail is None:
        raise ConfigError(
            f"account {account.name} has no [accounts.{account.name}.mail] in config.toml; "
            "add it first"
        )
    if account.mail.password_command:
        raise ConfigError(
            f"[accounts.{account.name}.mail] has password_command, which is used instead "
            "of a stored password; remove it to use the keyring"
        )
    secret = click.prompt(f"App password for {account.mail.username}", hide_input=True)
    secret_store().set(account.name, MAIL_PASSWORD_KEY, secret.strip())
    click.echo(f"cancelwatch: stored the mail password of account {account.name}", err=True)


def _run(watch: MailWatch) -> None:
    """Until SIGTERM or SIGINT, or until every mailbox has stopped on its own error."""
    stopping = threading.Event()

    def stop(_signum: int, _frame: FrameType | None) -> None:
        stopping.set()

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        watch.start()
        while not stopping.is_set() and watch.running():
            # A sleep, not `stopping.wait(...)`: an event's timeout is a point on the
            # clock, which libfaketime (the tests' clock a year ahead) moves out of reach.
            time.sleep(_POLL_S)
    finally:
        watch.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _print_heard(heard: Heard) -> None:
    event = heard.event
    orders = ", ".join(event.order_ids) or "no order number"
    sent = f"{event.sent_at:%Y-%m-%d %H:%M:%S} UTC" if event.sent_at else "no date"
    what = "asks for a check" if heard.requested else _why_not(heard)
    click.echo(
        f"{heard.account}: {event.marketplace} mail '{event.kind}' ({orders}), sent {sent}: {what}"
    )


def _why_not(heard: Heard) -> str:
    if not heard.new:
        return "heard before, not acted on again"
    if heard.event.kind == "delivered":
        return "recorded; a delivery starts no check"
    return "recorded; a check was asked for less than a minute ago"


def _print_request(account: str, reason: str) -> None:
    click.echo(f"{account}: a check would start now ({reason}); `cancelwatch watch` runs it")


COMMANDS = (mail,)
