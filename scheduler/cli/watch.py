"""Commands that look at orders and windows: demo, check, status, advise, deadline, watch."""

from __future__ import annotations

import json
import sys
import threading
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import click

from cancelwatch.scheduler.cli import page_report as report
from cancelwatch.scheduler.cli import windows_report as wr
from cancelwatch.scheduler.config.settings import Account, Config, load_config
from cancelwatch.scheduler.state.store import State, StoredOrder
from cancelwatch.scheduler.watch import alerts as al
from cancelwatch.scheduler.watch import jobs
from cancelwatch.scheduler.watch.accounts import check_account, language, notifier_for, run_demo
from cancelwatch.scheduler.watch.monitor import Outcome, assess_stored
from cancelwatch.scraper.errors import ConfigError, UsageError
from cancelwatch.scraper.read.markup import load_selectors, marketplaces

EXIT_ATTENTION = 1


def clock() -> datetime:
    """Now, for every command here: the one place they read the time, so a test can run
    them at a moment of its choosing by patching `cancelwatch.scheduler.cli.watch.clock`."""
    return datetime.now(UTC)


def _emit(payload: Any, as_json: bool, printer: Any) -> None:
    if as_json:
        click.echo(json.dumps(payload, ensure_ascii=False, indent=2))
    else:
        for item in payload if isinstance(payload, list) else [payload]:
            printer(item)


@click.command()
@click.option(
    "--marketplace",
    "-m",
    type=click.Choice(marketplaces()),
    default="amazon.co.jp",
    show_default=True,
    help="Which site the demo store plays.",
)
@click.option("--json", "as_json", is_flag=True, help="The open orders and alerts as JSON.")
@click.option("--headed", is_flag=True, help="Show the browser window.")
def demo(marketplace: str, as_json: bool, headed: bool) -> None:
    """A whole check against the embedded demo store, with its windows and alerts: no
    Amazon account needed."""
    cfg = load_config()
    with report.progress_display() as progress, notifier_for(cfg) as notifier:
        outcome = run_demo(marketplace, cfg, notifier, headed=headed, progress=progress)
    if outcome.error:
        raise outcome.error
    _emit(wr.outcome_json(outcome, clock()), as_json, wr.print_outcome)


@click.command()
@click.option("--account", "-a", help="The account to check (default: every account).")
@click.option("--json", "as_json", is_flag=True, help="The open orders and alerts as JSON.")
@click.option("--headed", is_flag=True, help="Show the browser, e.g. to answer a CAPTCHA.")
def check(account: str | None, as_json: bool, headed: bool) -> None:
    """Read the order history now, show each open order's window and send the alerts
    that are due (exit 1 when something needs you)."""
    cfg = load_config()
    accounts = [cfg.account(account)] if account else list(cfg.accounts.values())
    if not accounts:
        cfg.account(None)  # raises, saying what to do
    outcomes: list[Outcome] = []
    with (
        report.progress_display() as progress,
        notifier_for(cfg) as notifier,
        State.open() as state,
    ):
        for acc in accounts:
            outcomes.append(
                check_account(acc, cfg, state, notifier, headed=headed, progress=progress)
            )
    now = clock()
    summaries = [wr.outcome_json(o, now) for o in outcomes]
    _emit(summaries if len(summaries) > 1 else summaries[0], as_json, wr.print_outcome)
    failed = [o.error for o in outcomes if o.error is not None]
    if len(failed) == len(outcomes):
        raise failed[0]  # exit code by kind: 3 sign-in, 4 unreachable, 1 blind
    if any(o.needs_user for o in outcomes):
        sys.exit(EXIT_ATTENTION)


@click.command()
@click.option("--account", "-a", help="Only this account.")
@click.option("--json", "as_json", is_flag=True)
def status(account: str | None, as_json: bool) -> None:
    """Open orders, next alerts and the last check, from the database: no network."""
    cfg = load_config()
    now = clock()
    lang = language(cfg)
    with State.open() as state:
        names = (
            [account]
            if account
            else sorted({o.account for o in state.orders()} | set(cfg.accounts))
        )
        checks = [c for name in names if (c := state.last_check(name)) is not None]
        open_orders = [
            {
                **wr.order_json(order, a, now),
                "account": stored.account,
                "marketplace": stored.marketplace,
            }
            for stored in state.orders(account)
            for order, a in [assess_stored(stored, cfg, now, lang)]
            if a.open
        ]
        pending = state.pending_alerts(account)
    _emit(wr.status_json(checks, open_orders, pending), as_json, wr.print_status)


@click.command()
@click.argument("order_id")
@click.option("--json", "as_json", is_flag=True)
def advise(order_id: str, as_json: bool) -> None:
    """What can still be done about ORDER_ID, and what to do once it can't be cancelled."""
    cfg = load_config()
    now = clock()
    with State.open() as state:
        stored = _stored(state, order_id)
        order, assessment = assess_stored(stored, cfg, now, language(cfg))
    payload = {**wr.order_json(order, assessment, now), "marketplace": stored.marketplace}
    _emit(payload, as_json, wr.print_advice)


@click.command()
@click.argument("order_id")
@click.argument("when", required=False)
@click.option("--clear", is_flag=True, help="Forget the deadline you set.")
def deadline(order_id: str, when: str | None, clear: bool) -> None:
    """Set ORDER_ID's cancel deadline by hand (WHEN: 2026-12-15 or "2026-12-15 18:00", in
    the marketplace's time zone), e.g. a pre-order's "release − 90 days"."""
    cfg = load_config()
    now = clock()
    with State.open() as state:
        stored = _stored(state, order_id)
        if clear:
            state.clear_manual_deadline(stored.account, order_id, at=now)
            click.echo(f"{order_id}: deadline cleared")
            return
        if not when:
            raise UsageError("give the deadline, like 2026-12-15 or '2026-12-15 18:00', or --clear")
        zone = ZoneInfo(load_selectors(stored.marketplace).marketplace.timezone)
        moment = parse_when(when, zone)
        state.set_manual_deadline(stored.account, order_id, moment, at=now)
        _replan(state, cfg, state.order(order_id, stored.account) or stored, now)
    click.echo(f"{order_id}: cancel deadline set to {moment.astimezone(zone):%Y-%m-%d %H:%M %Z}")


def _replan(state: State, cfg: Config, stored: StoredOrder, now: datetime) -> None:
    """Plan the new deadline's reminders now, not at the next check."""
    lang = language(cfg)
    order, assessment = assess_stored(stored, cfg, now, lang)
    market = load_selectors(stored.marketplace).marketplace
    ctx = al.OrderContext(stored.account, order, None, (), None, market.timezone)
    planned, _ = al.plan(ctx, assessment, now, cfg.alerts, lang)
    state.add_alerts(stored.account, planned, now=now)


def parse_when(text: str, zone: ZoneInfo) -> datetime:
    """A date (end of that day) or a date and time, in `zone`; returned in UTC."""
    try:
        if len(text.strip()) <= 10:
            day = date.fromisoformat(text.strip())
            return datetime.combine(day, time(23, 59), zone).astimezone(UTC)
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise UsageError(
            f"{text!r} is not a date like 2026-12-15 or a time like '2026-12-15 18:00'"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return moment.astimezone(UTC)


def _stored(state: State, order_id: str) -> StoredOrder:
    stored = state.order(order_id)
    if stored is None:
        raise ConfigError(
            f"order {order_id} is not in the database; run `cancelwatch check` first "
            "(or check the number)"
        )
    return stored


@click.command()
def watch() -> None:
    """Run in the foreground: check each account on its interval and send alerts as they
    come due, until stopped (SIGTERM or Ctrl-C). `cancelwatch service install` runs it in
    the background."""
    cfg = load_config()
    if not cfg.accounts:
        cfg.account(None)
    lang = language(cfg)
    stopping = threading.Event()
    with notifier_for(cfg) as notifier, State.open() as state:

        def run_check(account: Account) -> None:
            _log_outcome(check_account(account, cfg, state, notifier, stop=stopping))

        scheduler = jobs.build(cfg, state, notifier, lang, run_check)
        click.echo(
            f"cancelwatch: watching {len(cfg.accounts)} account(s), every "
            f"{cfg.watch.interval_minutes:g} min; alerts from {state.path}",
            err=True,
        )
        jobs.run_until_stopped(scheduler, stopping)
    click.echo("cancelwatch: stopped", err=True)


def _log_outcome(outcome: Outcome) -> None:
    if outcome.error is not None:
        click.echo(f"cancelwatch: {outcome.account}: {outcome.error}", err=True)


COMMANDS = (demo, check, status, advise, deadline, watch)
