"""Commands about the user's orders and their windows: check (reads Amazon now), and
status, advise, deadline (answer from the database, without the network)."""

from __future__ import annotations

import sys
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import click

from cancelwatch.scheduler.cli import page_report as report
from cancelwatch.scheduler.cli import windows_report as wr
from cancelwatch.scheduler.cli.context import (
    EXIT_ATTENTION,
    App,
    account_option,
    headed_option,
    json_option,
    pass_app,
)
from cancelwatch.scheduler.config.settings import Config
from cancelwatch.scheduler.notify.configured import language, notifier_for
from cancelwatch.scheduler.policy.words import Lang, text
from cancelwatch.scheduler.state.store import State, StoredOrder
from cancelwatch.scheduler.watch import alerts as al
from cancelwatch.scheduler.watch import pacing
from cancelwatch.scheduler.watch.accounts import check_account
from cancelwatch.scheduler.watch.monitor import FromState, Outcome
from cancelwatch.scheduler.watch.planner import TooSoon
from cancelwatch.scraper.errors import ConfigError, UsageError
from cancelwatch.scraper.read.markup import load_selectors


@click.command()
@account_option("The account to check (default: every account).")
@json_option("The open orders and alerts as JSON.")
@headed_option("Show the browser, e.g. to answer a CAPTCHA.")
@pass_app
def check(app: App, account: str | None, headed: bool) -> None:
    """Read the order history now, show each open order's window and send the alerts
    that are due (exit 1 when something needs you)."""
    cfg = app.config
    accounts = [cfg.account(account)] if account else list(cfg.accounts.values())
    if not accounts:
        cfg.account(None)  # raises, saying what to do
    outcomes: list[Outcome] = []
    refused: list[TooSoon] = []
    with report.progress_display(language(cfg)) as progress, notifier_for(cfg) as notifier:
        state = app.state
        for acc in accounts:
            with pacing.account_lock(acc.name) as mine:
                try:
                    pacing.within_limits(state, cfg, acc.name, app.clock(), mine)
                except TooSoon as exc:
                    refused.append(exc)
                    continue
                outcomes.append(
                    check_account(
                        acc, cfg, state, notifier, clock=app.clock, headed=headed, progress=progress
                    )
                )
    if not outcomes:
        raise refused[0]  # exit 1: nothing done
    for refusal in refused:
        click.echo(f"cancelwatch: {refusal}", err=True)
    now = app.clock()
    summaries = [wr.outcome_json(o, now) for o in outcomes]
    app.emit(summaries if len(summaries) > 1 else summaries[0], wr.outcome_printer(language(cfg)))
    failed = [o.error for o in outcomes if o.error is not None]
    if len(failed) == len(outcomes):
        raise failed[0]  # exit code by kind: 3 sign-in, 4 unreachable, 1 blind
    if refused or any(o.needs_user for o in outcomes):
        sys.exit(EXIT_ATTENTION)


@click.command()
@account_option("Only this account.")
@json_option()
@pass_app
def status(app: App, account: str | None) -> None:
    """Open orders, next alerts and the last check, from the database: no network."""
    cfg = app.config
    now = app.clock()
    lang = language(cfg)
    state = app.state
    names = (
        [account] if account else sorted({o.account for o in state.orders()} | set(cfg.accounts))
    )
    checks = [c for name in names if (c := state.last_check(name)) is not None]
    assess = FromState(state, cfg, now, lang)
    open_orders = [
        {
            **wr.order_json(order, a, now),
            "account": stored.account,
            "marketplace": stored.marketplace,
        }
        for stored in state.orders(account)
        for order, a in [assess(stored)]
        if a.open
    ]
    next_checks = [
        (name, pacing.next_planned(state, cfg, name, now, lang))
        for name in names
        if name in cfg.accounts
    ]
    pending = state.pending_alerts(account)
    summary = wr.status_json(checks, open_orders, pending, next_checks, now, lang=lang)
    app.emit(summary, wr.status_printer(lang, now, _zones(cfg, state, names)))


@click.command()
@click.argument("order_id")
@json_option()
@pass_app
def advise(app: App, order_id: str) -> None:
    """What can still be done about ORDER_ID, and what to do once it can't be cancelled."""
    cfg = app.config
    now = app.clock()
    lang = language(cfg)
    stored = _stored(app.state, order_id, lang)
    order, assessment = FromState(app.state, cfg, now, lang)(stored)
    payload = {**wr.order_json(order, assessment, now), "marketplace": stored.marketplace}
    app.emit(payload, wr.advice_printer(lang))


@click.command()
@click.argument("order_id")
@click.argument("when", required=False)
@click.option("--clear", is_flag=True, help="Forget the deadline you set.")
@pass_app
def deadline(app: App, order_id: str, when: str | None, clear: bool) -> None:
    """Set ORDER_ID's cancel deadline by hand (WHEN: 2026-12-15 or "2026-12-15 18:00", in
    the marketplace's time zone), e.g. a pre-order's "release − 90 days"."""
    cfg = app.config
    now = app.clock()
    lang = language(cfg)
    state = app.state
    stored = _stored(state, order_id, lang)
    if clear:
        state.clear_manual_deadline(stored.account, order_id, at=now)
        click.echo(text(lang, "deadline_cleared", order_id=order_id))
        return
    if not when:
        raise UsageError(text(lang, "deadline_missing"))
    zone = ZoneInfo(load_selectors(stored.marketplace).marketplace.timezone)
    moment = parse_when(when, zone, lang)
    state.set_manual_deadline(stored.account, order_id, moment, at=now)
    _replan(state, cfg, state.order(order_id, stored.account) or stored, now)
    set_to = f"{moment.astimezone(zone):%Y-%m-%d %H:%M %Z}"
    click.echo(text(lang, "deadline_set", order_id=order_id, when=set_to))


def _replan(state: State, cfg: Config, stored: StoredOrder, now: datetime) -> None:
    """Plan the new deadline's reminders now, not at the next check."""
    lang = language(cfg)
    order, assessment = FromState(state, cfg, now, lang)(stored)
    market = load_selectors(stored.marketplace).marketplace
    ctx = al.OrderContext(stored.account, order, None, (), None, market.timezone)
    planned, _ = al.plan(ctx, assessment, now, cfg.alerts, lang)
    state.add_alerts(stored.account, planned, now=now)


def parse_when(given: str, zone: ZoneInfo, lang: Lang = "en") -> datetime:
    """A date (end of that day) or a date and time, in `zone`; returned in UTC."""
    try:
        if len(given.strip()) <= 10:
            day = date.fromisoformat(given.strip())
            return datetime.combine(day, time(23, 59), zone).astimezone(UTC)
        moment = datetime.fromisoformat(given.strip())
    except ValueError:
        raise UsageError(text(lang, "deadline_unreadable", given=repr(given))) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return moment.astimezone(UTC)


def _stored(state: State, order_id: str, lang: Lang) -> StoredOrder:
    stored = state.order(order_id)
    if stored is None:
        raise ConfigError(text(lang, "order_not_stored", order_id=order_id))
    return stored


def _zones(cfg: Config, state: State, names: list[str]) -> dict[str, ZoneInfo]:
    """Each account's marketplace zone: its config's, else that of its stored orders."""
    markets = {o.account: o.marketplace for o in state.orders()}
    markets |= {name: acc.marketplace for name, acc in cfg.accounts.items()}
    return {
        name: ZoneInfo(load_selectors(markets[name]).marketplace.timezone)
        for name in names
        if name in markets
    }


COMMANDS = (check, status, advise, deadline)
