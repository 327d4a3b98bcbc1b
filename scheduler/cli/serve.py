"""`cancelwatch serve`: the local dashboard in the foreground, until Ctrl-C; and the
pieces `watch` and `demo --serve` start it with.

The page shows what `status` prints, built by the same functions (windows_report's
JSON, `FromState`, `pacing.next_planned`), plus the alerts sent. `watch` imports this
module only when [serve] is on, and Starlette, uvicorn and Jinja2 load only when a
dashboard starts (`serve --url` needs none of them).
"""

from __future__ import annotations

import signal
import socket
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin

import click
from pydantic import ValidationError

from cancelwatch.scheduler.cli import windows_report as wr
from cancelwatch.scheduler.cli.context import App, Clock, pass_app
from cancelwatch.scheduler.config.schema import ConfigFile, describe
from cancelwatch.scheduler.config.settings import Config, ServeSettings
from cancelwatch.scheduler.notify.configured import language
from cancelwatch.scheduler.policy.words import Lang, text
from cancelwatch.scheduler.state.store import DeliveryRow, State
from cancelwatch.scheduler.watch import jobs, pacing
from cancelwatch.scheduler.watch.monitor import FromState
from cancelwatch.scheduler.watch.planner import ON_DASHBOARD, Planned
from cancelwatch.scraper.errors import UsageError
from cancelwatch.scraper.paths import data_dir
from cancelwatch.scraper.read.markup import load_selectors
from cancelwatch.scraper.read.model import Order

if TYPE_CHECKING:
    from cancelwatch.scheduler.dashboard.server import Dashboard

_LOOPBACK = ("127.0.0.1", "localhost", "::1")
SENT_SHOWN = 20
"""The newest alerts sent, per account, that the page lists."""

PlannedFor = Callable[[str], Planned | None]
"""The watcher's next check of an account, when a watcher runs in this process."""


@click.command()
@click.option("--port", type=int, help="The port to listen on (default: [serve] port, 8765).")
@click.option(
    "--host",
    help="The address to listen on (default: [serve] host, 127.0.0.1: this computer only).",
)
@click.option(
    "--url",
    "url_only",
    is_flag=True,
    help="Only print the dashboard's address, token included (for the one `watch` serves).",
)
@pass_app
def serve(app: App, port: int | None, host: str | None, url_only: bool) -> None:
    """Show your open orders, their windows with a live countdown, the checks and the
    alerts on a local web page (read-only), until Ctrl-C."""
    cfg = app.config
    settings = settings_with(cfg.serve, host=host, port=port, lang=language(cfg))
    if url_only:
        from cancelwatch.scheduler.dashboard import server  # noqa: PLC0415

        token = server.load_token(data_dir())
        click.echo(server.Dashboard(None, settings.host, settings.port, token).url("127.0.0.1"))
        return
    state = app.state
    with dashboard_for(
        cfg, state, app.clock, language(cfg), host=settings.host, port=settings.port
    ) as dashboard:
        announce(dashboard, language(cfg))
        wait_until_interrupted()
    click.echo(text(language(cfg), "serve_stopped"), err=True)


def settings_with(
    settings: ServeSettings, *, host: str | None, port: int | None, lang: Lang = "en"
) -> ServeSettings:
    """[serve] with the command line's --host and --port, checked as the file's are; a
    wrong one is told in `lang`."""
    given = {k: v for k, v in (("host", host), ("port", port)) if v is not None}
    try:
        ConfigFile.model_validate({"serve": given})
    except ValidationError as exc:
        raise UsageError(describe(exc, lang).replace("[serve] ", "--")) from None
    return ServeSettings(
        enabled=settings.enabled,
        host=host if host is not None else settings.host,
        port=port if port is not None else settings.port,
    )


@contextmanager
def dashboard_for(
    cfg: Config,
    state: State,
    clock: Clock,
    lang: Lang,
    *,
    host: str,
    port: int,
    token_folder: Path | None = None,
    request_check: Callable[[str], bool] | None = None,
    planned: PlannedFor | None = None,
) -> Iterator[Dashboard]:
    """The dashboard of `state`'s accounts, served on (host, port) until the block ends."""
    dashboard = start_dashboard(
        cfg,
        state,
        clock,
        lang,
        host=host,
        port=port,
        token_folder=token_folder,
        request_check=request_check,
        planned=planned,
    )
    try:
        yield dashboard
    finally:
        dashboard.stop()


def start_dashboard(
    cfg: Config,
    state: State,
    clock: Clock,
    lang: Lang,
    *,
    host: str,
    port: int,
    token_folder: Path | None = None,
    request_check: Callable[[str], bool] | None = None,
    planned: PlannedFor | None = None,
) -> Dashboard:
    """Started: it answers when this returns. A port in use is a ServeError (exit 2)."""
    from cancelwatch.scheduler.dashboard import app as web  # noqa: PLC0415
    from cancelwatch.scheduler.dashboard import server  # noqa: PLC0415
    from cancelwatch.scheduler.feed.calendar import calendar_ics  # noqa: PLC0415

    token = server.load_token(token_folder or data_dir())
    sock = server.bind(host, port)
    bound = sock.getsockname()[1]
    site = web.Site(
        board=status_board(state, cfg, planned),
        clock=clock,
        lang=lang,
        token=token,
        names=host_names(host),
        port=bound,
        any_address=server.is_wildcard(host),
        calendar=lambda now, lang: calendar_ics(state, cfg, now, lang),
        request_check=request_check,
    )
    return server.Dashboard(web.build_app(site), host, bound, token).start(sock)


def watcher_dashboard(
    cfg: Config, state: State, clock: Clock, lang: Lang, watcher: jobs.Watcher
) -> Dashboard:
    """`watch`'s dashboard ([serve] enabled = true), started; its "check now" asks the
    watcher, whose limits decide when. The address is not printed: a service's output goes
    to its log, and the token must not (`cancelwatch serve --url` prints it)."""

    def ask(account: str) -> bool:
        if account not in cfg.accounts:
            return False
        watcher.request_check(account, "asked for on the dashboard", by=ON_DASHBOARD)
        return True

    settings = cfg.serve
    dashboard = start_dashboard(
        cfg,
        state,
        clock,
        lang,
        host=settings.host,
        port=settings.port,
        request_check=ask,
        planned=watcher.planned,
    )
    shown = f"[{settings.host}]" if ":" in settings.host else settings.host
    url = f"http://{shown}:{dashboard.port}/"
    click.echo(text(lang, "serve_in_watch", url=url), err=True)
    if settings.host not in _LOOPBACK:
        click.echo(text(lang, "serve_beyond_loopback", host=settings.host), err=True)
    return dashboard


def host_names(host: str) -> frozenset[str]:
    """The names a browser may call this server by: loopback's, the configured host's,
    and, listening on every address, this computer's own name."""
    names = {"127.0.0.1", "localhost", "::1", host.lower().removesuffix(".")}
    if host in ("0.0.0.0", "::"):
        own = socket.gethostname().lower()
        names |= {own, f"{own}.local"}
    return frozenset(names)


def announce(dashboard: Dashboard, lang: Lang) -> None:
    """The address to open, token included: on stdout, the one place it is shown."""
    click.echo(text(lang, "serve_at", url=dashboard.url("127.0.0.1")))
    if dashboard.host not in _LOOPBACK:
        shown = socket.gethostname() if dashboard.host in ("0.0.0.0", "::") else dashboard.host
        click.echo(text(lang, "serve_from_elsewhere", url=dashboard.url(shown)))
        click.echo(text(lang, "serve_beyond_loopback", host=dashboard.host), err=True)
    click.echo(text(lang, "serve_ctrl_c"), err=True)


def wait_until_interrupted() -> None:
    """Return on Ctrl-C or SIGTERM."""
    stop = threading.Event()

    def stopped(_signum: int, _frame: object) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, stopped) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        while not stop.wait(1.0):
            pass  # a wake-up only: signals are handled between waits
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


# -- what the page shows -------------------------------------------------------------------------


def status_board(
    state: State, cfg: Config, planned: PlannedFor | None = None
) -> Callable[[datetime, Lang], dict[str, Any]]:
    """`status` for each account at a moment, plus the alerts sent: the page's payload."""

    def board(now: datetime, lang: Lang) -> dict[str, Any]:
        names = sorted({o.account for o in state.orders()} | set(cfg.accounts))
        assess = FromState(state, cfg, now, lang)
        sent = sent_alerts(state)
        entries = []
        for name in names:
            stored = state.orders(name)
            last = state.last_check(name)
            market = (
                cfg.accounts[name].marketplace
                if name in cfg.accounts
                else (stored[0].marketplace if stored else (last and last.marketplace))
            )
            open_orders = [
                {
                    **wr.order_json(order, a, now),
                    "account": s.account,
                    "marketplace": s.marketplace,
                    "url": order_url(cfg, s.account, s.marketplace, order),
                }
                for s in stored
                for order, a in [assess(s)]
                if a.open
            ]
            next_checks = []
            if name in cfg.accounts:
                mine = planned(name) if planned else None
                next_checks.append((name, mine or pacing.next_planned(state, cfg, name, now, lang)))
            checks = [last] if last else []
            pending = state.pending_alerts(name)
            status = wr.status_json(checks, open_orders, pending, next_checks, now, lang=lang)
            entries.append(
                {
                    "account": name,
                    "marketplace": market or "amazon.co.jp",
                    "status": status,
                    "sent": sent.get(name, []),
                }
            )
        return {"accounts": entries}

    return board


def order_url(cfg: Config, account: str, marketplace: str, order: Order) -> str:
    """The order's page, as an alert links it."""
    market = load_selectors(marketplace).marketplace
    known = cfg.accounts.get(account)
    base = (known.base_url if known else None) or market.base_url
    return urljoin(base, order.details_url or market.order_details_url.format(order_id=order.id))


def sent_alerts(state: State) -> Mapping[str, list[dict[str, Any]]]:
    """Each account's newest alerts sent, with the channels that took them, newest first."""
    delivered: dict[int, list[DeliveryRow]] = {}
    for row in state.deliveries():
        if row.outcome == "delivered":
            delivered.setdefault(row.alert_id, []).append(row)
    newest = sorted(
        delivered.items(), key=lambda kv: max(d.finished_at or d.started_at for d in kv[1])
    )
    by_account: dict[str, list[dict[str, Any]]] = {}
    for alert_id, rows in reversed(newest):
        alert = state.alert(alert_id)
        if alert is None:
            continue
        shown = by_account.setdefault(alert.account, [])
        if len(shown) >= SENT_SHOWN:
            continue
        at = alert.sent_at or min(d.finished_at or d.started_at for d in rows)
        shown.append(
            {
                "order_id": alert.order_id,
                "title": alert.title,
                "sent_at": at.isoformat(),
                "channels": list(dict.fromkeys(d.channel for d in rows)),
            }
        )
    return by_account


COMMANDS = (serve,)
