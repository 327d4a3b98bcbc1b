"""`cancelwatch watch`: the watcher in the foreground, until stopped."""

from __future__ import annotations

import threading

import click

from cancelwatch.scheduler.cli.context import App, pass_app
from cancelwatch.scheduler.config.settings import Account
from cancelwatch.scheduler.watch import jobs
from cancelwatch.scheduler.watch.accounts import check_account, language, notifier_for
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

        def run_check(account: Account) -> None:
            outcome = check_account(account, cfg, state, notifier, clock=app.clock, stop=stopping)
            _log_outcome(outcome)

        scheduler, watcher = jobs.build(cfg, state, notifier, lang, run_check, clock=app.clock)
        # An order or shipment mail asks for a check; the watcher's limits decide when.
        mail = MailWatch(state, watcher.request_check, config_mailboxes(cfg, state))
        click.echo(
            f"cancelwatch: watching {len(cfg.accounts)} account(s), every "
            f"{cfg.watch.interval_minutes:g} min and before deadlines, at least "
            f"{cfg.watch.min_gap_minutes:g} min apart; alerts from {state.path}",
            err=True,
        )
        mail.start()
        try:
            jobs.run_until_stopped(scheduler, stopping)
        finally:
            mail.stop()
    click.echo("cancelwatch: stopped", err=True)


def _log_outcome(outcome: Outcome) -> None:
    if outcome.error is not None:
        click.echo(f"cancelwatch: {outcome.account}: {outcome.error}", err=True)


COMMANDS = (watch,)
