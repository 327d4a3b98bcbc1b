"""`cancelwatch watch`: the watcher in the foreground, until stopped."""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import click

from cancelwatch.scheduler.cli.context import App, pass_app
from cancelwatch.scheduler.cli.main import explained
from cancelwatch.scheduler.config.settings import Account
from cancelwatch.scheduler.notify.configured import language, notifier_for
from cancelwatch.scheduler.policy.words import Lang, text
from cancelwatch.scheduler.watch import child, jobs, pacing
from cancelwatch.scheduler.watch.mailwatch import MailWatch, config_mailboxes
from cancelwatch.scheduler.watch.monitor import Outcome


@click.command()
@pass_app
def watch(app: App) -> None:
    """Run in the foreground: check each account when its deadlines, young orders and
    interval call for it (within [watch]'s limits) and send alerts as they come due,
    until stopped (SIGTERM or Ctrl-C). `cancelwatch service install` runs it in the
    background."""
    cfg = app.config
    if not cfg.accounts:
        cfg.account(None)
    lang = language(cfg)
    stopping = threading.Event()
    with notifier_for(cfg) as notifier:
        state = app.state

        verbosity = child.verbosity_flags(logging.getLogger().getEffectiveLevel())

        def run_check(account: Account) -> None:
            # In a child, which takes the account's lock itself: the watcher stays small.
            child.run_in_child(account.name, stopping, clock=app.clock, verbosity=verbosity)

        scheduler, watcher = jobs.build(
            cfg, state, notifier, lang, run_check, clock=app.clock, lock=_held_by_the_child
        )
        dashboard = None
        if cfg.serve.enabled:  # only then: the dashboard's modules stay out of the watcher
            from cancelwatch.scheduler.cli import serve as cli_serve  # noqa: PLC0415

            dashboard = cli_serve.watcher_dashboard(cfg, state, app.clock, lang, watcher)
        # An order or shipment mail asks for a check; the watcher's limits decide when.
        mail = MailWatch(state, watcher.request_check, config_mailboxes(cfg, state))
        started = text(
            lang,
            "watch_started",
            accounts=len(cfg.accounts),
            interval=cfg.watch.interval_minutes,
            gap=cfg.watch.min_gap_minutes,
            path=state.path,
        )
        click.echo(started, err=True)
        mail.start()
        try:
            jobs.run_until_stopped(scheduler, stopping)
        finally:
            mail.stop()
            if dashboard is not None:
                dashboard.stop()
    click.echo(text(lang, "watch_stopped"), err=True)


@contextmanager
def _held_by_the_child(_account: str) -> Iterator[bool]:
    yield True


@click.command(child.COMMAND, hidden=True)
@click.argument("account_name")
@pass_app
def watched_check(app: App, account_name: str) -> None:
    """One check of `watch`'s, in a process of its own (scheduler/watch/child.py): the
    account's lock and the limits as a one-off `check` keeps them, the result in state.db."""
    # Here, not at the top: the watcher itself never imports the browser's modules.
    from cancelwatch.scheduler.watch.accounts import check_account  # noqa: PLC0415

    stop = threading.Event()
    app.clock = child.follow_watcher(stop)
    cfg = app.config
    account = cfg.account(account_name)
    with pacing.account_lock(account.name) as mine, notifier_for(cfg) as notifier:
        pacing.within_limits(app.state, cfg, account.name, app.clock(), mine)
        outcome = check_account(account, cfg, app.state, notifier, clock=app.clock, stop=stop)
    _log_outcome(outcome, language(cfg))
    if outcome.error is not None:
        sys.exit(child.EXIT_FAILED)


def _log_outcome(outcome: Outcome, lang: Lang) -> None:
    if outcome.error is not None:
        message = explained(outcome.error, lang)
        click.echo(
            text(lang, "watch_check_failed", account=outcome.account, message=message), err=True
        )


COMMANDS = (watch, watched_check)
