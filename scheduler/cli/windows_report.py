"""What `check`, `demo`, `status` and `advise` print: each open order's windows, the
alerts sent and due, in a table or as JSON."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from rich.markup import escape
from rich.table import Table

from cancelwatch.scheduler.cli.page_report import make_console
from cancelwatch.scheduler.policy.assess import Assessment, Window
from cancelwatch.scheduler.state.store import AlertRow, CheckRow
from cancelwatch.scheduler.watch.monitor import Outcome
from cancelwatch.scheduler.watch.planner import Planned, local_time
from cancelwatch.scraper.read.markup import load_selectors
from cancelwatch.scraper.read.model import Order, to_json

_console = make_console()


def window_json(window: Window | None, now: datetime) -> dict[str, Any] | None:
    if window is None:
        return None
    left = (window.closes_at - now).total_seconds() if window.closes_at else None
    return {
        "state": window.state.value,
        "closes_at": window.closes_at.isoformat() if window.closes_at else None,
        "known": window.known.value,
        "reason": window.reason,
        "seconds_left": max(0, int(left)) if left is not None else None,
    }


def order_json(order: Order, assessment: Assessment, now: datetime) -> dict[str, Any]:
    return {
        **to_json(order),
        "window": window_json(assessment.cancel, now),
        "return_window": window_json(assessment.ret, now),
        "advice": {"steps": list(assessment.advice.steps), "hints": list(assessment.advice.hints)},
    }


def outcome_json(outcome: Outcome, now: datetime) -> dict[str, Any]:
    result = outcome.result
    orders = {o.id: o for o in result.orders} if result else {}
    return {
        "account": outcome.account,
        "marketplace": outcome.marketplace,
        "open_orders": [
            order_json(orders[oid], a, now) for oid, a in outcome.assessments.items() if a.open
        ],
        "orders_read": len(orders),
        "pages_read": result.pages_read if result else 0,
        "signed_in": result.signed_in if result else False,
        "alerts_sent": [_alert_json(r) for r in outcome.dispatched.sent],
        "alerts_deferred": [_alert_json(r) for r in outcome.dispatched.deferred],
        "closed_while_away": [_alert_json(r) for r in outcome.dispatched.missed],
        "warnings": list(result.warnings) if result else [],
        "error": str(outcome.error) if outcome.error else None,
    }


def _alert_json(row: AlertRow) -> dict[str, Any]:
    return {
        "order_id": row.order_id,
        "kind": row.kind,
        "lead": row.lead,
        "due_at": row.due_at.isoformat(),
        "title": row.title,
        "sent_at": row.sent_at.isoformat() if row.sent_at else None,
        "channels": row.channel.split(",") if row.channel else [],
    }


def print_outcome(summary: dict[str, Any]) -> None:
    tz = ZoneInfo(load_selectors(summary["marketplace"]).marketplace.timezone)
    _console.print(
        f"[bold]{escape(summary['account'])}[/bold] ({summary['marketplace']}): "
        f"{len(summary['open_orders'])} open of {summary['orders_read']} orders read "
        f"on {summary['pages_read']} pages"
    )
    if summary["error"]:
        _console.print(f"  [red]error:[/red] {escape(summary['error'])}")
    if summary["open_orders"]:
        _console.print(_windows_table(summary["open_orders"], tz))
    for alert in summary["alerts_sent"]:
        _console.print(f"  [green]sent:[/green] {escape(alert['title'])}")
    for alert in summary["alerts_deferred"]:
        _console.print(f"  [yellow]held for quiet hours:[/yellow] {escape(alert['title'])}")
    for warning in summary["warnings"]:
        _console.print(f"  [yellow]warning:[/yellow] {escape(warning)}")


def _windows_table(orders: list[dict[str, Any]], tz: ZoneInfo) -> Table:
    table = Table(pad_edge=False)
    for column in ("order", "status", "cancel", "closes", "known", "left", "then"):
        table.add_column(column, no_wrap=True)
    for order in orders:
        window = order["window"]
        table.add_row(
            order["id"],
            order["status"],
            window["state"],
            _local(window["closes_at"], tz),
            window["known"],
            _left(window["seconds_left"]),
            _then(order, tz),
        )
    return table


def _then(order: dict[str, Any], tz: ZoneInfo) -> str:
    """What comes after the cancel window: the return window, when there is one (the
    reasons and steps are `cancelwatch advise ORDER`'s)."""
    ret = order["return_window"]
    if ret and ret["state"] == "open":
        return f"return by {_local(ret['closes_at'], tz)}"
    return ""


def _local(iso: str | None, tz: ZoneInfo) -> str:
    if iso is None:
        return "—"
    return datetime.fromisoformat(iso).astimezone(tz).strftime("%m-%d %H:%M")


def _left(seconds: int | None) -> str:
    if seconds is None:
        return "—"
    span = timedelta(seconds=seconds)
    if span >= timedelta(days=2):
        return f"{span.days} d"
    hours, rest = divmod(seconds, 3600)
    return f"{hours} h {rest // 60} min" if hours else f"{rest // 60} min"


def status_json(
    checks: list[CheckRow],
    open_orders: list[dict[str, Any]],
    pending: list[AlertRow],
    next_checks: list[tuple[str, Planned]],
    now: datetime,
) -> dict[str, Any]:
    return {
        "next_checks": [
            {
                "account": account,
                "at": planned.at.isoformat(),
                "seconds_from_now": max(0, int((planned.at - now).total_seconds())),
                "kind": planned.kind,
                "why": planned.why,
            }
            for account, planned in next_checks
        ],
        "last_checks": [
            {
                "account": c.account,
                "finished_at": c.finished_at.isoformat() if c.finished_at else None,
                "result": c.result,
                "error": c.error_message,
                "orders_read": c.orders_read,
            }
            for c in checks
        ],
        "open_orders": open_orders,
        "next_alerts": [_alert_json(r) for r in pending],
    }


def print_status(summary: dict[str, Any]) -> None:
    if not summary["last_checks"]:
        _console.print("no check has run yet: run `cancelwatch check`")
    for check in summary["last_checks"]:
        when = check["finished_at"] or "?"
        result = check["result"] + (f" ({check['error']})" if check["error"] else "")
        account = escape(check["account"])
        _console.print(f"[bold]{account}[/bold]: last check {when}: {escape(result)}")
    for planned in summary.get("next_checks", ()):
        account = escape(planned["account"])
        at = local_time(datetime.fromisoformat(planned["at"]))
        left = _left(planned["seconds_from_now"])
        _console.print(
            f"[bold]{account}[/bold]: next check {at} (in {left}): {escape(planned['why'])}"
        )
    by_market: dict[str, list[dict[str, Any]]] = {}
    for order in summary["open_orders"]:
        by_market.setdefault(order["marketplace"], []).append(order)
    for market, orders in by_market.items():
        _console.print(
            _windows_table(orders, ZoneInfo(load_selectors(market).marketplace.timezone))
        )
    if summary["next_alerts"]:
        _console.print("next alerts:")
        for alert in summary["next_alerts"]:
            when = datetime.fromisoformat(alert["due_at"]).astimezone().strftime("%m-%d %H:%M")
            _console.print(f"  {when}  {escape(alert['title'])}")


def print_advice(order: dict[str, Any]) -> None:
    tz = ZoneInfo(load_selectors(order["marketplace"]).marketplace.timezone)
    window = order["window"]
    _console.print(f"[bold]{order['id']}[/bold] ({order['status']})")
    closes = _local(window["closes_at"], tz)
    _console.print(f"cancel: {window['state']}, closes {closes} ({window['known']})")
    _console.print(f"  {escape(window['reason'])}")
    ret = order["return_window"]
    if ret:
        _console.print(f"return: {ret['state']}, closes {_local(ret['closes_at'], tz)}")
    for i, step in enumerate(order["advice"]["steps"], start=1):
        _console.print(f"{i}. {escape(step)}")
    for hint in order["advice"]["hints"]:
        _console.print(f"  [dim]{escape(hint)}[/dim]")
